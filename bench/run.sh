#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Licensed under the Apache License, Version 2.0; see LICENSE.
# Benchmark of mod_mailautoconf: every answer against a static file with the
# same bytes, on one httpd (event MPM) on 127.0.0.1, driven by wrk.
#
#   bash bench/run.sh              A/B table (5 rounds of 5 s per side and
#                                  scenario) + a 200,000-request mixed soak
#   bash bench/run.sh --quick      the same with 2 rounds of 3 s
#   bash bench/run.sh --soak [N]   only the soak, N requests (default 1,000,000)
#   bash bench/run.sh --scale      10,000 domains in one virtual host and in
#                                  10,000 virtual hosts: startup, memory,
#                                  req/s on the first, middle and last domain
#                                  (--scale --quick: 2 rounds of 3 s)
#   bash bench/run.sh --layouts    10,000 domains in the main server and
#                                  0, 50 or 1,000 virtual hosts that set none
#                                  of the module's directives: apache2 -t
#                                  wall time and peak memory
#   bash bench/run.sh --db [--pgsql]
#                                  100,000 domains in a database (SQLite, or
#                                  PostgreSQL from scripts/pgsql.sh) behind
#                                  a wildcard virtual host with
#                                  MailAutoconfDBDQuery: Thunderbird GET
#                                  ?emailaddress= with the cache warm, cold,
#                                  for unknown domains (negative cache) and
#                                  a flood of unknown domains, each against
#                                  the same requests on a virtual host with
#                                  the domains in MailAutoconfDomain and
#                                  against static files of the same bytes;
#                                  the cold scenario again with the caches'
#                                  lock on "Mutex fcntl" and, for SQLite,
#                                  with the file in WAL mode and a page
#                                  cache that holds the table;
#                                  the answers in the default shmcb cache,
#                                  then (warm and cold) in memcached and in
#                                  redis-server started on 127.0.0.1; the
#                                  database queries per domain and the
#                                  memory per cached domain
#                                  (--db --quick: 2 rounds of 3 s)
#
# Options: --rounds N, --duration SECONDS (per run), --no-soak, --port PORT,
# --rev COMMIT (build the module from that commit's sources instead of the
# working tree's).
# Environment: BENCH_SCALE_N (10000), BENCH_SCALE_MEM_MB (address-space cap
# for httpd in --scale; default the smaller of 6144 and a third of
# MemAvailable), BENCH_SCALE_TIMEOUT (seconds, 300), BENCH_KEEP=1 (keep the
# temporary directory).  --db: BENCH_DB_N (100000 rows), BENCH_DB_WARM_N
# (1000 domains in the warm set), BENCH_DB_CACHE_SIZE (1000, the
# MailAutoconfDBDCacheSize: each child's front cache), BENCH_DBD_MIN / BENCH_DBD_KEEP / BENCH_DBD_MAX
# (1 / 2 / 4 connections per child).  BENCH_WAIT_QUIET=SECONDS: before
# starting, wait up to that long (default 0) until other processes use at
# most BENCH_QUIET_CORES (0.3) of the CPUs.  Whatever the machine does
# besides the benchmark is sampled throughout (bench/loadmon.pl) and noted
# in each section.
#
# It installs the Debian packages it needs (scripts/lib.sh's list, plus wrk
# and time), builds the module from a copy of the sources in a temporary
# directory (so a build in the working tree is neither used nor disturbed),
# generates the httpd configuration there, and removes it all on exit.
# Results go to the terminal and to bench/results.md (each mode replaces its
# own section), and README.md's figures are made from it (bench/readme.pl).
# Nothing here asserts a speed: the script fails only on
# errors (a build or startup failure, a non-2xx answer, an answer of the
# wrong length, a crashed httpd child); socket errors are reported.
#
# wrk and httpd run on the same machine and share its cores; with 2 cores
# wrk's one thread takes a good part of one of them.  Compare the ratios,
# not the absolute numbers, with other machines.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH="$ROOT/bench"
cd "$ROOT"
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

COMMAND="bash bench/run.sh${*:+ $*}"

usage() {
    sed -n '/^# Benchmark of/,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
}

# ------------------------------------------------------------ options
QUICK=0
MODE=ab
DB_KIND=sqlite
SOAK_N=
DO_SOAK=1
ROUNDS=
DURATION=
PORT=${BENCH_PORT:-}
SRC_REVISION=
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) QUICK=1 ;;
        --scale) [ "$MODE" = ab ] || { usage >&2; exit 2; }; MODE=scale ;;
        --db) [ "$MODE" = ab ] || { usage >&2; exit 2; }; MODE=db ;;
        --layouts) [ "$MODE" = ab ] || { usage >&2; exit 2; }; MODE=layouts ;;
        --pgsql) DB_KIND=pgsql ;;
        --soak)
            [ "$MODE" = ab ] || { usage >&2; exit 2; }
            MODE=soak
            if [[ "${2:-}" =~ ^[0-9]+$ ]]; then SOAK_N=$2; shift; fi
            ;;
        --no-soak) DO_SOAK=0 ;;
        --rounds) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || { usage >&2; exit 2; }
                  ROUNDS=$2; shift ;;
        --duration) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || { usage >&2; exit 2; }
                    DURATION=$2; shift ;;
        --port) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || { usage >&2; exit 2; }
                PORT=$2; shift ;;
        --rev) [ -n "${2:-}" ] || { usage >&2; exit 2; }
               SRC_REVISION=$2; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "run.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
    esac
    shift
done
if [ "$DB_KIND" = pgsql ] && [ "$MODE" != db ]; then
    echo "run.sh: --pgsql goes with --db" >&2; usage >&2; exit 2
fi
if [ "$QUICK" -eq 1 ]; then
    ROUNDS=${ROUNDS:-2}; DURATION=${DURATION:-3}
else
    ROUNDS=${ROUNDS:-5}; DURATION=${DURATION:-5}
fi
if [ "$MODE" = soak ]; then
    SOAK_N=${SOAK_N:-1000000}
else
    SOAK_N=${SOAK_N:-200000}
fi
[ "$SOAK_N" -ge 10 ] || { echo "run.sh: --soak needs at least 10 requests" >&2; exit 2; }

THREADS=1            # wrk threads (the soak's request count needs 1)
CONNS=16             # wrk connections
WARMUP=2             # seconds, per side and scenario, not recorded
HTTPD=$(mac_httpd)
ADDR=127.0.0.1
SCALE_N=${BENCH_SCALE_N:-10000}
SCALE_TIMEOUT=${BENCH_SCALE_TIMEOUT:-300}

log() { printf 'bench: %s\n' "$*" >&2; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

# ------------------------------------------------- packages and build
# scripts/lib.sh's list covers the build (and the test suite); the bench
# needs wrk and GNU time too.
MAC_PACKAGES+=(wrk time procps)
mac_install_packages >&2
for tool in wrk curl openssl perl /usr/bin/time "$HTTPD"; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is missing"
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/mailautoconf-bench.XXXXXX")
chmod 755 "$WORK"
STARTED_PIDS=()      # every httpd parent this script started
HTTPD_PID=
PG_SCRIPT=           # --db --pgsql: our copy of scripts/pgsql.sh, once started
PG_DIR=
LOADMON_PID=         # bench/loadmon.pl sampling the machine's other load

cleanup() {
    local rc=$? pid
    trap - EXIT INT TERM
    if [ -n "$LOADMON_PID" ] && mac_our_job "$LOADMON_PID"; then
        kill -TERM "$LOADMON_PID" 2>/dev/null || true
        wait "$LOADMON_PID" 2>/dev/null || true
    fi
    for pid in "${STARTED_PIDS[@]}"; do
        mac_stop_job "$pid"
    done
    # The throw-away PostgreSQL of --db --pgsql lives under $WORK.
    if [ -n "${PG_SCRIPT:-}" ]; then
        MAC_PGSQL_DIR="$PG_DIR" bash "$PG_SCRIPT" stop >&2 \
            || log "stopping PostgreSQL failed (state in $PG_DIR)"
    fi
    if [ "${BENCH_KEEP:-0}" = 1 ]; then
        log "kept $WORK"
    else
        rm -rf "$WORK"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ------------------------------------------------------ the other load
# The machine is shared: note how busy it is with other work, and with
# BENCH_WAIT_QUIET wait (a while) for that to calm down.
QUIET_CORES=${BENCH_QUIET_CORES:-0.3}
WAIT_QUIET=${BENCH_WAIT_QUIET:-0}
[[ "$WAIT_QUIET" =~ ^[0-9]+$ ]] || die "BENCH_WAIT_QUIET must be a number of seconds"
START_LOAD=
START_WAITED=0
while :; do
    line=$(perl "$BENCH/loadmon.pl" once $$ 5)
    START_LOAD=${line%%$'\t'*}
    START_TOP=${line#*$'\t'}
    awk -v l="$START_LOAD" -v m="$QUIET_CORES" 'BEGIN { exit !(l <= m) }' && break
    if [ "$START_WAITED" -ge "$WAIT_QUIET" ]; then
        log "other processes use $START_LOAD cores ($START_TOP); going ahead"
        break
    fi
    log "other processes use $START_LOAD cores ($START_TOP); waiting for at most $((WAIT_QUIET - START_WAITED)) s more"
    sleep 25
    START_WAITED=$((START_WAITED + 30))
done
perl "$BENCH/loadmon.pl" sample $$ "$WORK/loadmon.tsv" 5 \
    "$WORK/pgsql/data/postmaster.pid" &
LOADMON_PID=$!

mkdir -p "$WORK/build"
if [ -n "$SRC_REVISION" ]; then
    # The sources as committed (the working tree may hold others' edits).
    SRC_COMMIT=$(git -C "$ROOT" rev-parse --verify --quiet "$SRC_REVISION^{commit}") \
        || die "--rev $SRC_REVISION: no such commit"
    log "building the module from the sources of commit $SRC_COMMIT in $WORK/build"
    git -C "$ROOT" archive "$SRC_COMMIT" mod_mailautoconf.c src Makefile.apxs \
        | tar -x -C "$WORK/build" || die "git archive $SRC_COMMIT failed"
else
    log "building the module from a copy of the sources in $WORK/build"
    cp -a mod_mailautoconf.c src Makefile.apxs "$WORK/build/"
fi
MODULE_SO=$(mac_build_copy "$WORK/build" "$WORK/build.log") || die "the module did not build"

# Where the measured code comes from.
if [ -n "$SRC_REVISION" ]; then
    SRC_REV=$(git -C "$ROOT" rev-parse --short "$SRC_COMMIT")
    SRC_DIRTY=0
else
    SRC_REV=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
    SRC_DIRTY=$(git -C "$ROOT" status --porcelain -- mod_mailautoconf.c src \
                Makefile.apxs 2>/dev/null | wc -l)
fi
SRC_SUM=$(cd "$WORK/build" && cat mod_mailautoconf.c src/*.c src/*.h \
          | sha256sum | cut -c1-12)

# ----------------------------------------------------------------- port
if [ -z "$PORT" ]; then
    PORT=$(mac_free_port "$ADDR") || die "no free port found on $ADDR"
fi
mac_port_free "$ADDR" "$PORT" || die "port $ADDR:$PORT is in use"
BASE_URL="http://$ADDR:$PORT"

# ------------------------------------------------------- PKI and files
mkdir -p "$WORK/pki" "$WORK/htdocs/static" "$WORK/run" "$WORK/logs" \
         "$WORK/spec" "$WORK/out" "$WORK/wrk"
cp t/unit/data/leaf-ec.pem t/unit/data/leaf-ec.key t/unit/data/leaf-rsa.pem \
   t/unit/data/leaf-rsa.key t/unit/data/chain.pem t/unit/data/ca.pem \
   "$WORK/pki/"
chmod 644 "$WORK/pki/"*.pem
chmod 600 "$WORK/pki/"*.key

# The request Outlook sends (about 350 bytes).
printf '%s' '<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"><Request><EMailAddress>alice@example.com</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>' \
    > "$WORK/ad-request.xml"

# ------------------------------------------------------- httpd config
# The part every configuration shares: the event MPM sized for 2 cores
# (scripts/lib.sh's mac_httpd_conf_load; the soak watches the same
# processes throughout), no access log.
write_global_conf() {
    local conf=$1 name=$2
    {
        echo "# Generated by bench/run.sh"
        mac_httpd_conf_head "$WORK" "$WORK/run" "$ADDR" "$ADDR:$PORT" \
            "$MODULE_SO" "$WORK/logs/error-$name.log"
        echo "LogLevel warn"
        echo "# no CustomLog: no access log for any run"
        mac_httpd_conf_load
        echo "EnableSendfile Off"
        echo "EnableMMAP On"
        echo "DocumentRoot \"$WORK/htdocs\""
        echo "<Directory \"$WORK/htdocs\">"
        echo "    Require all granted"
        echo "</Directory>"
    } > "$conf"
}

# The mail accounts the A/B virtual hosts share: IMAP + SMTP, 2 domains.
cat > "$WORK/mail-example.conf" <<'EOF'
MailAutoconfDomain example.com example.org
MailAutoconfDisplayName "Example Mail"
MailAutoconfDisplayShortName Example
MailAutoconfImap imap.example.com 993 ssl
MailAutoconfImap imap.example.com 143 starttls
MailAutoconfSmtp smtp.example.com 465 ssl
MailAutoconfSmtp smtp.example.com 587 starttls
MailAutoconfDocumentation https://www.example.com/help/mail "Setting up mail"
EOF

write_ab_conf() {
    local conf="$WORK/httpd-ab.conf"
    write_global_conf "$conf" ab
    cat >> "$conf" <<EOF
<VirtualHost $ADDR:$PORT>
    ServerName autoconfig.example.com
    ServerAlias autodiscover.example.com autoconfig.example.org autodiscover.example.org
    ServerAlias ua-auto-config.example.com ua-auto-config.example.org
    Include "$WORK/mail-example.conf"
</VirtualHost>
<VirtualHost $ADDR:$PORT>
    ServerName autoconfig.signed-ec.test
    Include "$WORK/mail-example.conf"
    MailAutoconfProfileSigning "$WORK/pki/leaf-ec.pem" "$WORK/pki/leaf-ec.key" "$WORK/pki/chain.pem"
</VirtualHost>
<VirtualHost $ADDR:$PORT>
    ServerName autoconfig.signed-rsa.test
    Include "$WORK/mail-example.conf"
    MailAutoconfProfileSigning "$WORK/pki/leaf-rsa.pem" "$WORK/pki/leaf-rsa.key" "$WORK/pki/chain.pem"
</VirtualHost>
<VirtualHost $ADDR:$PORT>
    ServerName autoconfig.dav.test
    Include "$WORK/mail-example.conf"
    MailAutoconfCalDAV https://dav.example.com/caldav/
    # The baseline of the dav-redirect scenario: mod_alias, with the two
    # headers the module's redirect carries, so both send the same bytes.
    Redirect 301 /alias-redirect https://dav.example.com/caldav/
    <Location /alias-redirect>
        Header always set Cache-Control "max-age=3600"
        Header always set X-Content-Type-Options nosniff
    </Location>
</VirtualHost>
EOF
    echo "$conf"
}

# ------------------------------------------------------- httpd control
# start_httpd CONF NAME [CAP_KB]: start httpd in the foreground (as a
# background job of this script), optionally under an address-space limit.
start_httpd() {
    mac_httpd_start "$HTTPD" "$1" "$WORK/logs/stdout-$2.log" "${3:-}"
    HTTPD_PID=$MAC_HTTPD_PID
    STARTED_PIDS+=("$HTTPD_PID")
}

# wait_ready HOST PATH TIMEOUT: until the server answers 200 (or dies).
# Sets READY_SECS (from now) .
wait_ready() {
    local host=$1 path=$2 timeout=$3 t0 code
    t0=$(now)
    while :; do
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
               -H "Host: $host" "$BASE_URL$path" 2>/dev/null || true)
        [ "$code" = 200 ] && break
        if ! kill -0 "$HTTPD_PID" 2>/dev/null; then
            READY_SECS=
            return 1
        fi
        if awk -v a="$t0" -v b="$(now)" -v t="$timeout" 'BEGIN { exit !(b - a > t) }'; then
            READY_SECS=
            return 1
        fi
        sleep 0.02
    done
    READY_SECS=$(elapsed "$t0" "$(now)")
}

# Wait (up to 10 s) until the parent has its StartServers children.
wait_children() {
    local want=$1 i
    for ((i = 0; i < 100; i++)); do
        [ "$(mac_children_of "$HTTPD_PID" | wc -l)" -ge "$want" ] && return 0
        sleep 0.1
    done
    return 1
}

stop_httpd() {
    [ -n "$HTTPD_PID" ] && mac_stop_job "$HTTPD_PID"
    HTTPD_PID=
}

show_error_log() {
    local f
    for f in "$WORK/logs/error-$1.log" "$WORK/logs/stdout-$1.log"; do
        [ -s "$f" ] && { echo "--- $f" >&2; tail -n 20 "$f" >&2; }
    done
    return 0
}

status_kb() {   # status_kb PID FIELD
    awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null || true
}
pss_kb() {
    awk '$1 == "Pss:" { print $2 }' "/proc/$1/smaps_rollup" 2>/dev/null || true
}

# mem_snapshot: sets MEM_PARENT_RSS MEM_PARENT_HWM MEM_KIDS_RSS
# MEM_KIDS_EACH MEM_KIDS_PSS MEM_PARENT_PSS MEM_PIDS (KiB).
mem_snapshot() {
    local k r p
    MEM_PARENT_RSS=$(status_kb "$HTTPD_PID" VmRSS)
    MEM_PARENT_HWM=$(status_kb "$HTTPD_PID" VmHWM)
    MEM_PARENT_PSS=$(pss_kb "$HTTPD_PID")
    MEM_KIDS_RSS=0; MEM_KIDS_PSS=0; MEM_KIDS_EACH=; MEM_PIDS=
    for k in $(mac_children_of "$HTTPD_PID"); do
        r=$(status_kb "$k" VmRSS); p=$(pss_kb "$k")
        MEM_KIDS_RSS=$((MEM_KIDS_RSS + ${r:-0}))
        MEM_KIDS_PSS=$((MEM_KIDS_PSS + ${p:-0}))
        MEM_KIDS_EACH="${MEM_KIDS_EACH:+$MEM_KIDS_EACH }${r:-?}"
        MEM_PIDS="${MEM_PIDS:+$MEM_PIDS }$k"
    done
}

# ---------------------------------------------------------------- wrk
ERRORS=0             # runs with non-2xx answers or bad lengths, crashes
SOCKERR_RUNS=0       # runs with socket errors (reported only)

# A child that died of a signal (a crash) is an error.
declare -A CRASH_SEEN
check_crashes() {
    local f n=0
    for f in "$WORK"/logs/error-*.log; do
        [ -f "$f" ] || continue
        [ -z "${CRASH_SEEN[$f]:-}" ] || continue
        CRASH_SEEN[$f]=1
        if grep -q 'exit signal\|AH00052\|AH00051' "$f"; then
            log "ERROR: an httpd child crashed: $(grep -m1 'exit signal\|AH00052\|AH00051' "$f")"
            n=$((n + 1))
        fi
    done
    ERRORS=$((ERRORS + n))
    return 0
}

# spec_line METHOD HOST PATH CTYPE BODYFILE LEN TOL
spec_line() {   # METHOD HOST PATH CTYPE BODY LEN TOL [STATUS]
    if [ $# -ge 8 ]; then
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@"
    else
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@"
    fi
}

# run_wrk SPEC SECONDS OUT [STOP_AFTER [OFFSET]]: run wrk, leave its BENCH
# line's fields in W_* variables and check for errors.  OFFSET: start the
# spec's rotation after that many lines.
run_wrk() {
    local spec=$1 secs=$2 out=$3 stop=${4:-0} offset=${5:-0} line kv
    BENCH_SPEC="$spec" BENCH_STOP_AFTER="$stop" BENCH_OFFSET="$offset" \
        wrk -t"$THREADS" -c"$CONNS" -d"${secs}s" --timeout 10s \
            -s "$BENCH/wrk.lua" "$BASE_URL/" >"$out" 2>&1 || {
        cat "$out" >&2; die "wrk failed ($spec)"; }
    line=$(sed -n 's/^BENCH //p' "$out" | tail -n 1)
    [ -n "$line" ] || { cat "$out" >&2; die "no result line from wrk ($spec)"; }
    W_requests=; W_rps=; W_lat_p50_us=; W_lat_p90_us=; W_lat_p99_us=
    W_lat_p999_us=; W_non2xx=; W_badlen=; W_err_connect=; W_err_read=
    W_err_write=; W_err_timeout=
    for kv in $line; do
        case "${kv%%=*}" in
            requests|rps|lat_p50_us|lat_p90_us|lat_p99_us|lat_p999_us|non2xx|badlen|err_connect|err_read|err_write|err_timeout)
                printf -v "W_${kv%%=*}" '%s' "${kv#*=}" ;;
        esac
    done
    for kv in "$W_requests" "$W_rps" "$W_lat_p50_us" "$W_lat_p99_us" "$W_non2xx" \
              "$W_badlen" "$W_err_connect" "$W_err_read" "$W_err_write" "$W_err_timeout"; do
        [ -n "$kv" ] || { cat "$out" >&2; die "incomplete result line from wrk ($spec)"; }
    done
    W_sockerr=$((W_err_connect + W_err_read + W_err_write + W_err_timeout))
    if [ "$W_non2xx" -ne 0 ] || [ "$W_badlen" -ne 0 ]; then
        ERRORS=$((ERRORS + 1))
        log "ERROR in $(basename "$spec"): non-2xx $W_non2xx, bad length $W_badlen"
    fi
    # Socket errors are reported, not fatal: a busy machine can time a
    # request out.  A crashed child also shows here; check_crashes finds it.
    if [ "$W_sockerr" -ne 0 ]; then
        SOCKERR_RUNS=$((SOCKERR_RUNS + 1))
        log "warning in $(basename "$spec"): socket errors: connect $W_err_connect, read $W_err_read, write $W_err_write, timeout $W_err_timeout"
    fi
}

# fetched_line METHOD HOST PATH CTYPE BODYFILE TOL: a spec line whose
# expected length is that of the answer fetched now.
fetched_line() {
    local f="$WORK/out/fetched"
    fetch "$f" "$1" "$2" "$3" "$4" "$5"
    spec_line "$1" "$2" "$3" "$4" "$5" "$(stat -c %s "$f")" "$6"
}

# fetch OUT METHOD HOST PATH [CTYPE BODYFILE]: one answer with curl; must be 200.
fetch() {
    local out=$1 method=$2 host=$3 path=$4 ctype=${5:--} body=${6:--} code
    local args=(-sS -o "$out" -w '%{http_code}' --max-time 30 -H "Host: $host")
    if [ "$method" = POST ]; then
        args+=(--data-binary "@$body" -H "Content-Type: $ctype")
    fi
    code=$(curl "${args[@]}" "$BASE_URL$path") || die "curl $method $host$path failed"
    [ "$code" = 200 ] || die "$method $host$path answered $code, not 200: $(head -c 300 "$out")"
}

# ------------------------------------------------------- machine info
machine_md() {
    local cpu httpd_v wrk_v
    cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
    httpd_v=$("$HTTPD" -v 2>/dev/null | sed -n 's/^Server version: //p')
    wrk_v=$( (wrk -v 2>&1 || true) | awk 'NR == 1 { print $2 }')
    echo "- Command: \`$COMMAND\` ($(date -u '+%Y-%m-%d %H:%M UTC'))"
    echo "- Machine: $(nproc) CPUs ($cpu), $(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM, Linux $(uname -r)"
    echo "- Software: $httpd_v, event MPM; wrk $wrk_v; $(openssl version | cut -d' ' -f1-2); $(xml2-config --version 2>/dev/null | sed 's/^/libxml2 /')"
    echo "- Module: sources of commit $SRC_REV$([ -n "$SRC_REVISION" ] && echo " (\`--rev\`: as committed)")$([ "$SRC_DIRTY" -gt 0 ] && echo " with uncommitted changes in $SRC_DIRTY file(s)") (sha256 of the sources ${SRC_SUM}…), built with \`make -f Makefile.apxs\` (-O2)"
    echo "- Load: wrk -t$THREADS -c$CONNS over keep-alive on $ADDR; wrk and httpd share the machine's $(nproc) cores (wrk's single thread uses a good part of one), so the numbers are for comparing with each other, not capacity figures"
    echo "- httpd: event MPM, 2 children × 25 threads (MaxRequestWorkers 50), MaxKeepAliveRequests 0, LogLevel warn, no access log, EnableSendfile Off, EnableMMAP On"
    echo "- Other load on the machine (bench/loadmon.pl, CPU of processes that are not the benchmark's, sampled every 5 s): at the start $START_LOAD cores${START_TOP:+ ($START_TOP)}$([ "$START_WAITED" -gt 0 ] && echo ", after waiting $START_WAITED s for it to drop"); during the run $(perl "$BENCH/loadmon.pl" summary "$WORK/loadmon.tsv")"
}

# update_section NAME FILE: replace NAME's section of bench/results.md.
update_section() {
    local name=$1 file=$2 res="$BENCH/results.md"
    if [ ! -f "$res" ]; then
        cat > "$res" <<'EOF'
# mod_mailautoconf benchmark results

Produced by `bench/run.sh` (see the comment at its top).  Each mode
replaces only its own section below.

EOF
    fi
    perl -0777 -i -e '
        my ($name, $file) = splice @ARGV, 0, 2;
        local $/; open my $fh, "<", $file or die; my $new = <$fh>; close $fh;
        my $text = <>;
        my $b = "<!-- bench:$name:begin -->"; my $e = "<!-- bench:$name:end -->";
        my $block = "$b\n$new$e\n";
        if ($text =~ /\Q$b\E.*?\Q$e\E\n?/s) { $text =~ s/\Q$b\E.*?\Q$e\E\n?/$block/s }
        else { $text .= "\n" unless $text =~ /\n\n\z/; $text .= $block }
        print $text;
    ' "$name" "$file" "$res"
    # README.md's performance figures follow results.md (t/docs.t checks).
    perl "$BENCH/readme.pl" >&2
}

# ===================================================================== A/B
SCENARIOS=(tb-noaddr tb-addr ad-post ad-v2 mc-unsigned mc-signed-ec mc-signed-rsa
           pacc dav-redirect)
declare -A S_LABEL S_TARGET S_METHOD S_HOST S_PATH S_CTYPE S_BODY S_EXT S_TOL
def() {   # def ID LABEL TARGET METHOD HOST PATH CTYPE BODY EXT TOL
    S_LABEL[$1]=$2; S_TARGET[$1]=$3; S_METHOD[$1]=$4; S_HOST[$1]=$5
    S_PATH[$1]=$6; S_CTYPE[$1]=$7; S_BODY[$1]=$8; S_EXT[$1]=$9; S_TOL[$1]=${10}
}
TB=/.well-known/autoconfig/mail/config-v1.1.xml
Q='emailaddress=alice%40example.com'
# What the profile page's form submits: the address and a name.
QN="$Q&name=Alice+Example"
def tb-noaddr "Thunderbird GET, no address" 1.0 GET autoconfig.example.com \
    "$TB" - - xml 0
def tb-addr "Thunderbird GET ?emailaddress=" 1.0 GET autoconfig.example.com \
    "$TB?$Q" - - xml 0
def ad-post "Autodiscover POST (static: GET)" 0.9 POST autodiscover.example.com \
    /autodiscover/autodiscover.xml "text/xml; charset=utf-8" \
    "$WORK/ad-request.xml" xml 0
def ad-v2 "Autodiscover v2 JSON" "report only" GET autodiscover.example.com \
    "/autodiscover/autodiscover.json?Email=alice%40example.com&Protocol=AutodiscoverV1" \
    - - json 0
def mc-unsigned "mobileconfig, unsigned" 0.9 GET autoconfig.example.com \
    "/email.mobileconfig?$QN" - - mobileconfig 0
def mc-signed-ec "mobileconfig, signed EC P-256" "report only" GET \
    autoconfig.signed-ec.test "/email.mobileconfig?$QN" - - mobileconfig 8
def mc-signed-rsa "mobileconfig, signed RSA 2048" "report only" GET \
    autoconfig.signed-rsa.test "/email.mobileconfig?$QN" - - mobileconfig 8
def pacc "PACC JSON" 1.0 GET ua-auto-config.example.com \
    /.well-known/user-agent-configuration.json - - json 0

# The RFC 6764 redirect: its baseline is not a static file but the same
# 301 from a Redirect line of mod_alias (the same Location and, with
# mod_headers, the same Cache-Control and nosniff headers, so the same
# bytes).  EXT "redirect" marks it.
def dav-redirect "CalDAV well-known redirect (static: mod_alias Redirect)" 1.0 \
    GET autoconfig.dav.test /.well-known/caldav - - redirect 0

# redirect_answer PATH: "STATUS LOCATION BODY_BYTES HEADER_BYTES" of one
# GET on the DAV host.
redirect_answer() {
    curl -sS -o /dev/null --max-time 30 -H "Host: autoconfig.dav.test" \
         -w '%{http_code} %{redirect_url} %{size_download} %{size_header}' \
         "$BASE_URL$1" || die "curl $1 failed"
}

# The dav-redirect scenario's specs: both sides answer 301 with the same
# Location, the same body and headers of the same size.
prepare_redirect() {
    local id=$1 mod alias status url bytes hbytes
    mod=$(redirect_answer "${S_PATH[$id]}")
    alias=$(redirect_answer /alias-redirect)
    [ "${mod%% *}" = 301 ] || die "$id: the module answered '$mod', not 301"
    [ "$mod" = "$alias" ] \
        || die "$id: the module's redirect ($mod) and mod_alias's ($alias) differ"
    read -r status url bytes hbytes <<< "$mod"
    spec_line GET "${S_HOST[$id]}" "${S_PATH[$id]}" - - "$bytes" 0 301 \
        > "$WORK/spec/$id.dynamic"
    spec_line GET "${S_HOST[$id]}" /alias-redirect - - "$bytes" 0 301 \
        > "$WORK/spec/$id.static"
    printf '%s\t%s\t%s\t%s\n' "$id" "${S_LABEL[$id]}" "${S_TARGET[$id]}" \
           "$bytes" >> "$WORK/ab-meta.tsv"
    log "$id: GET ${S_HOST[$id]}${S_PATH[$id]} -> $mod (mod_alias: $alias)"
}

# Fetch every answer once, write it under the DocumentRoot, and write the
# wrk specs: the dynamic request and a GET of the static copy (same Host,
# so the same virtual host serves both).
prepare_ab() {
    local id f size tol
    printf 'scenario\tlabel\ttarget\tbytes\n' > "$WORK/ab-meta.tsv"
    for id in "${SCENARIOS[@]}"; do
        if [ "${S_EXT[$id]}" = redirect ]; then
            prepare_redirect "$id"
            continue
        fi
        f="$WORK/htdocs/static/$id.${S_EXT[$id]}"
        fetch "$f" "${S_METHOD[$id]}" "${S_HOST[$id]}" "${S_PATH[$id]}" \
              "${S_CTYPE[$id]}" "${S_BODY[$id]}"
        chmod 644 "$f"
        size=$(stat -c %s "$f")
        tol=${S_TOL[$id]}
        # Deterministic answers must come back byte for byte.
        if [ "$tol" -eq 0 ]; then
            fetch "$WORK/out/$id.again" "${S_METHOD[$id]}" "${S_HOST[$id]}" \
                  "${S_PATH[$id]}" "${S_CTYPE[$id]}" "${S_BODY[$id]}"
            cmp -s "$f" "$WORK/out/$id.again" \
                || die "$id: two answers differ; a static copy would not match"
        fi
        spec_line "${S_METHOD[$id]}" "${S_HOST[$id]}" "${S_PATH[$id]}" \
                  "${S_CTYPE[$id]}" "${S_BODY[$id]}" "$size" "$tol" \
                  > "$WORK/spec/$id.dynamic"
        spec_line GET "${S_HOST[$id]}" "/static/$id.${S_EXT[$id]}" - - \
                  "$size" 0 > "$WORK/spec/$id.static"
        # The static copy itself must come back with the same bytes.
        fetch "$WORK/out/$id.static" GET "${S_HOST[$id]}" \
              "/static/$id.${S_EXT[$id]}"
        cmp -s "$f" "$WORK/out/$id.static" || die "$id: static copy differs"
        printf '%s\t%s\t%s\t%s\n' "$id" "${S_LABEL[$id]}" "${S_TARGET[$id]}" \
               "$size" >> "$WORK/ab-meta.tsv"
        log "$id: ${S_METHOD[$id]} ${S_HOST[$id]}${S_PATH[$id]} -> $size bytes"
    done
    # A signed profile must verify and carry the unsigned profile as it is.
    for id in mc-signed-ec mc-signed-rsa; do
        openssl cms -verify -binary -inform DER \
            -in "$WORK/htdocs/static/$id.mobileconfig" \
            -CAfile "$WORK/pki/ca.pem" -purpose any \
            -out "$WORK/out/$id.content" 2>"$WORK/out/$id.verify" \
            || { cat "$WORK/out/$id.verify" >&2; die "$id: the signature does not verify"; }
        cmp -s "$WORK/out/$id.content" "$WORK/htdocs/static/mc-unsigned.mobileconfig" \
            || die "$id: the signed content is not the unsigned profile"
    done
    log "signed profiles verify against the test CA and embed the unsigned profile"
}

openssl_speed() {   # sets SPEED_EC SPEED_RSA (signatures per second, one core)
    local out
    out=$(timeout 60 openssl speed -seconds 1 ecdsap256 rsa2048 2>/dev/null || true)
    SPEED_RSA=$(awk '/^rsa 2048 bits/ { print $(NF-1) }' <<<"$out")
    SPEED_EC=$(awk '/ecdsa \(nistp256\)/ { print $(NF-1) }' <<<"$out")
}

run_ab() {
    local conf id round kind order
    conf=$(write_ab_conf)
    "$HTTPD" -t -f "$conf" >"$WORK/logs/configtest-ab.log" 2>&1 \
        || { cat "$WORK/logs/configtest-ab.log" >&2; die "httpd -t failed"; }
    start_httpd "$conf" ab
    wait_ready autoconfig.example.com "$TB" 30 || { show_error_log ab; die "httpd did not start"; }
    wait_children 2 || log "warning: fewer than 2 httpd children"
    log "httpd $HTTPD_PID on $BASE_URL, ready in ${READY_SECS}s"
    prepare_ab

    printf 'scenario\tround\tkind\trps\tp50_us\tp90_us\tp99_us\tp999_us\trequests\tnon2xx\tbadlen\tsockerr\n' \
        > "$WORK/ab.tsv"
    local total=$(( ${#SCENARIOS[@]} * (ROUNDS * 2 * DURATION + 2 * WARMUP) ))
    log "A/B: ${#SCENARIOS[@]} scenarios × $ROUNDS rounds × (static, dynamic) × ${DURATION}s, about ${total} s of load"
    for id in "${SCENARIOS[@]}"; do
        # Warm-up, not recorded.
        run_wrk "$WORK/spec/$id.static" "$WARMUP" "$WORK/wrk/$id.warm.static"
        run_wrk "$WORK/spec/$id.dynamic" "$WARMUP" "$WORK/wrk/$id.warm.dynamic"
        for ((round = 1; round <= ROUNDS; round++)); do
            if ((round % 2)); then order="static dynamic"; else order="dynamic static"; fi
            for kind in $order; do
                run_wrk "$WORK/spec/$id.$kind" "$DURATION" "$WORK/wrk/$id.$round.$kind"
                printf '%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
                    "$id" "$round" "$kind" "$W_rps" "$W_lat_p50_us" \
                    "$W_lat_p90_us" "$W_lat_p99_us" "$W_lat_p999_us" \
                    "$W_requests" "$W_non2xx" "$W_badlen" "$W_sockerr" \
                    >> "$WORK/ab.tsv"
                log "$id round $round $kind: $W_rps req/s, p50 ${W_lat_p50_us} µs, p99 ${W_lat_p99_us} µs"
            done
        done
    done
    stop_httpd
    check_crashes

    openssl_speed
    {
        echo "## A/B: each answer against a static file with the same bytes"
        echo
        machine_md
        echo "- Rounds: $ROUNDS per scenario, each a ${DURATION}-second run of the static copy and one of the module (order alternating between rounds), after a ${WARMUP}-second warm-up of each"
        echo "- The static baseline is a GET of a file under the DocumentRoot holding exactly the bytes of the module's answer (fetched once with curl; signed profiles differ per request only in the signature, so their copy is one sample). For the Autodiscover POST the baseline is a GET of the answer's bytes: the module's side also carries the ~350-byte request body."
        echo "- Every response was checked in wrk's response(): non-2xx answers and bodies of an unexpected length count as errors (runs with errors: $ERRORS; runs with socket errors, reported only: $SOCKERR_RUNS)."
        echo
        perl "$BENCH/report.pl" ab "$WORK/ab-meta.tsv" "$WORK/ab.tsv" \
            "${SPEED_EC:-}" "${SPEED_RSA:-}"
    } > "$WORK/ab.md"
    echo >&2
    cat "$WORK/ab.md"
    update_section ab "$WORK/ab.md"
}

# ==================================================================== soak
run_soak() {
    local n=$1 conf seg i done_n pct spec="$WORK/spec/mixed"
    conf="$WORK/httpd-ab.conf"
    [ -f "$conf" ] || conf=$(write_ab_conf)
    # A fresh server, so the series starts at startup.
    start_httpd "$conf" soak
    wait_ready autoconfig.example.com "$TB" 30 || { show_error_log soak; die "httpd did not start"; }
    wait_children 2 || log "warning: fewer than 2 httpd children"
    [ -f "$WORK/spec/tb-noaddr.dynamic" ] || prepare_ab
    # Every dynamic request in rotation, plus variants: other addresses,
    # the other Thunderbird path and host, Autodiscover GET.
    {
        cat "$WORK/spec/"*.dynamic
        fetched_line GET autoconfig.example.org "/mail/config-v1.1.xml" - - 0
        fetched_line GET autoconfig.example.com "$TB?emailaddress=bob.smith%40example.org" - - 0
        fetched_line GET autodiscover.example.com "/autodiscover/autodiscover.xml?emailaddress=carol%40example.org" - - 0
        fetched_line GET autoconfig.example.com "/email.mobileconfig?emailaddress=dave%40example.org&name=Dave+Example" - - 0
        fetched_line GET autoconfig.signed-ec.test "/email.mobileconfig?emailaddress=erin%40example.com&name=" - - 8
        fetched_line GET autoconfig.example.com "/email.mobileconfig?emailaddress=frank%40example.com" - - 0
    } > "$spec"
    seg=$(( (n + 9) / 10 ))
    printf 'pct\trequests\trss_sum_kb\trss_each_kb\tpss_sum_kb\tparent_rss_kb\tpids\n' > "$WORK/soak.tsv"
    mem_snapshot
    printf '0\t0\t%s\t%s\t%s\t%s\t%s\n' "$MEM_KIDS_RSS" "$MEM_KIDS_EACH" \
        "$MEM_KIDS_PSS" "$MEM_PARENT_RSS" "$MEM_PIDS" >> "$WORK/soak.tsv"
    log "soak: $n mixed requests ($(grep -c . "$spec") kinds in rotation), VmRSS sampled every $seg"
    local t0 t1
    t0=$(now)
    done_n=0
    for ((i = 1; i <= 10; i++)); do
        # Bounded: a segment may take at most 15 minutes.
        run_wrk "$spec" 900 "$WORK/wrk/soak.$i" "$seg"
        done_n=$((done_n + W_requests))
        pct=$((i * 10))
        mem_snapshot
        printf '%d\t%d\t%s\t%s\t%s\t%s\t%s\n' "$pct" "$done_n" "$MEM_KIDS_RSS" \
            "$MEM_KIDS_EACH" "$MEM_KIDS_PSS" "$MEM_PARENT_RSS" "$MEM_PIDS" >> "$WORK/soak.tsv"
        log "soak $pct%: $done_n requests, children VmRSS $MEM_KIDS_RSS KiB ($MEM_KIDS_EACH)"
    done
    t1=$(now)
    stop_httpd
    check_crashes
    {
        echo "## Memory: $n mixed requests$([ "$MODE" = soak ] && echo " (--soak)")"
        echo
        machine_md
        echo "- Requests: the seven A/B requests and six variants (other addresses and domains, /mail/config-v1.1.xml, Autodiscover GET, profiles with another name, an empty name and no name parameter) in rotation, in 10 wrk runs of ~$seg requests; children's VmRSS (and Pss, which does not double-count pages shared with the parent) sampled after each"
        echo "- $done_n requests in $(elapsed "$t0" "$t1") s; errors (non-2xx, bad length, crashed children): $ERRORS; runs with socket errors (reported only): $SOCKERR_RUNS"
        echo
        perl "$BENCH/report.pl" soak "$WORK/soak.tsv"
    } > "$WORK/soak.md"
    echo >&2
    cat "$WORK/soak.md"
    # The default run's soak and a --soak run keep separate sections.
    if [ "$MODE" = soak ]; then
        update_section soak-only "$WORK/soak.md"
    else
        update_section soak "$WORK/soak.md"
    fi
}

# =================================================================== scale
# gen_scale KIND N CONF: KIND a = N domains in one virtual host, b = N
# virtual hosts with one domain each, c = N virtual hosts without mail
# directives (the control for b).
gen_scale() {
    local kind=$1 n=$2 conf=$3
    write_global_conf "$conf" "scale-$kind-$n"
    case "$kind" in
        a)
            {
                echo "<VirtualHost $ADDR:$PORT>"
                echo "    ServerName autoconfig.d1.test"
                awk -v n="$n" 'BEGIN {
                    for (i = 1; i <= n; i++) {
                        if (i % 100 == 1) printf "%s    MailAutoconfDomain", (i > 1 ? "\n" : "")
                        printf " d%d.test", i
                    }
                    printf "\n"
                }'
                echo "    MailAutoconfImap mail.example.net 993 ssl"
                echo "    MailAutoconfSmtp mail.example.net 465 ssl"
                echo "    MailAutoconfSmtp mail.example.net 587 starttls"
                echo "</VirtualHost>"
            } >> "$conf"
            ;;
        b|c)
            awk -v n="$n" -v a="$ADDR:$PORT" -v mail="$kind" 'BEGIN {
                for (i = 1; i <= n; i++) {
                    printf "<VirtualHost %s>\n    ServerName autoconfig.d%d.test\n", a, i
                    if (mail == "b") {
                        printf "    MailAutoconfDomain d%d.test\n", i
                        printf "    MailAutoconfImap mail.d%d.test 993 ssl\n", i
                        printf "    MailAutoconfSmtp mail.d%d.test 465 ssl\n", i
                        printf "    MailAutoconfSmtp mail.d%d.test 587 starttls\n", i
                    }
                    printf "</VirtualHost>\n"
                }
            }' >> "$conf"
            ;;
    esac
}

# configtest CONF CAP_KB: apache2 -t under the caps; sets CT_OK CT_SECS CT_PEAK_KB CT_NOTE
configtest() {
    local conf=$1 cap=$2 t0 t1 rc out="$WORK/logs/configtest.$$"
    t0=$(now)
    set +e
    (ulimit -v "$cap"; exec timeout "$SCALE_TIMEOUT" /usr/bin/time -f 'PEAK %M' \
        "$HTTPD" -t -f "$conf") >"$out" 2>&1
    rc=$?
    set -e
    t1=$(now)
    CT_SECS=$(elapsed "$t0" "$t1")
    CT_PEAK_KB=$(awk '/^PEAK / { print $2 }' "$out" | tail -n 1)
    CT_NOTE=
    if [ "$rc" -eq 0 ]; then
        CT_OK=yes
    else
        CT_OK=no
        if [ "$rc" -eq 124 ]; then
            CT_NOTE="timed out after ${SCALE_TIMEOUT}s"
        elif grep -qi 'out of memory\|cannot allocate\|allocation failed' "$out"; then
            CT_NOTE="out of memory under the $((cap / 1024)) MiB cap"
        else
            CT_NOTE="failed (exit $rc): $(grep -v '^PEAK' "$out" | tail -n 2 | tr '\n' ' ' | cut -c1-200)"
        fi
    fi
}

# scale_run LABEL KIND N CAP_KB MEASURE_RPS: start, time to the first
# answer, memory, req/s on the first, middle and last domain, memory again.
scale_run() {
    local label=$1 kind=$2 n=$3 cap=$4 rps=$5 conf t0 round pos d
    conf="$WORK/httpd-scale-$kind-$n.conf"
    [ -f "$conf" ] || gen_scale "$kind" "$n" "$conf"
    local ready_path="$TB?emailaddress=u%40d$n.test" ready_host="autoconfig.d$n.test"
    [ "$kind" = c ] && ready_path=/static/tb.xml
    t0=$(now)
    start_httpd "$conf" "scale-$kind-$n" "$cap"
    if ! wait_ready "$ready_host" "$ready_path" "$SCALE_TIMEOUT"; then
        show_error_log "scale-$kind-$n"
        stop_httpd
        printf '%s\t%s\tno\t-\t-\t-\t-\t-\t-\n' "$label" "$n" >> "$WORK/scale-run.tsv"
        log "$label: did not start"
        return 0
    fi
    wait_children 2 || true
    sleep 1
    mem_snapshot
    local start_line
    start_line=$(printf '%s\t%s\tyes\t%s\t%s\t%s\t%s\t%s\t%s' "$label" "$n" \
        "$READY_SECS" "$MEM_PARENT_RSS" "$MEM_PARENT_HWM" "$MEM_KIDS_RSS" \
        "$MEM_KIDS_PSS" "$MEM_PARENT_PSS")
    log "$label: answers after ${READY_SECS}s; parent VmRSS $MEM_PARENT_RSS KiB, children VmRSS $MEM_KIDS_RSS KiB (Pss $MEM_KIDS_PSS)"
    if [ "$rps" = yes ]; then
        local -A dom=([first]=1 [middle]=$(( (n + 1) / 2 )) [last]=$n)
        for pos in first middle last; do
            d=${dom[$pos]}
            fetched_line GET "autoconfig.d$d.test" "$TB?emailaddress=u%40d$d.test" - - 0 \
                > "$WORK/spec/scale-$kind-$pos"
            fetched_line GET "autoconfig.d$d.test" /static/tb.xml - - 0 \
                > "$WORK/spec/scale-$kind-$pos-static"
        done
        run_wrk "$WORK/spec/scale-$kind-first" "$WARMUP" "$WORK/wrk/scale-warm"
        for ((round = 1; round <= ROUNDS; round++)); do
            # Rotate the order so no position always runs first.
            local order
            case $((round % 3)) in
                1) order="first middle last" ;;
                2) order="middle last first" ;;
                0) order="last first middle" ;;
            esac
            for pos in $order; do
                run_wrk "$WORK/spec/scale-$kind-$pos" "$DURATION" "$WORK/wrk/scale-$kind-$pos-$round"
                printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$label" \
                    "Thunderbird GET ?emailaddress=, $pos domain (d${dom[$pos]}.test)" \
                    "$W_rps" "$W_lat_p50_us" "$W_lat_p99_us" "$W_non2xx" >> "$WORK/scale-rps.tsv"
                log "$label $pos round $round: $W_rps req/s"
                if [ "$kind" = b ] && [ "$pos" != middle ]; then
                    run_wrk "$WORK/spec/scale-$kind-$pos-static" "$DURATION" "$WORK/wrk/scale-$kind-$pos-static-$round"
                    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$label" \
                        "static file, Host autoconfig.d${dom[$pos]}.test ($pos virtual host)" \
                        "$W_rps" "$W_lat_p50_us" "$W_lat_p99_us" "$W_non2xx" >> "$WORK/scale-rps.tsv"
                    log "$label $pos static round $round: $W_rps req/s"
                fi
            done
        done
        mem_snapshot
        start_line+=$'\t'"$MEM_KIDS_RSS"$'\t'"$MEM_KIDS_PSS"
    else
        start_line+=$'\t-\t-'
    fi
    printf '%s\n' "$start_line" >> "$WORK/scale-run.tsv"
    stop_httpd
}

run_scale() {
    local cap_mb avail_mb cap n ladder biggest_a
    avail_mb=$(awk '/^MemAvailable/ { print int($2 / 1024) }' /proc/meminfo)
    cap_mb=${BENCH_SCALE_MEM_MB:-$(( avail_mb / 3 < 6144 ? avail_mb / 3 : 6144 ))}
    cap=$((cap_mb * 1024))
    log "scale: N=$SCALE_N; httpd is capped at $cap_mb MiB of address space and ${SCALE_TIMEOUT}s (MemAvailable $avail_mb MiB)"

    # A small static file every configuration serves from the DocumentRoot.
    printf '<?xml version="1.0" encoding="UTF-8"?>\n<clientConfig version="1.1"/>\n' \
        > "$WORK/htdocs/static/tb.xml"
    chmod 644 "$WORK/htdocs/static/tb.xml"

    # 1. apache2 -t: wall time and peak memory, growing sizes.
    printf 'config\tdomains\tok\tsecs\tpeak_kb\tnote\n' > "$WORK/scale-t.tsv"
    ladder=$(printf '%s\n' 1000 2000 4000 "$SCALE_N" | awk -v n="$SCALE_N" '$1 <= n' | sort -n | uniq)
    biggest_a=
    for n in $ladder; do
        gen_scale a "$n" "$WORK/httpd-scale-a-$n.conf"
        configtest "$WORK/httpd-scale-a-$n.conf" "$cap"
        printf '(a) one virtual host\t%s\t%s\t%s\t%s\t%s\n' "$n" "$CT_OK" "$CT_SECS" "${CT_PEAK_KB:--}" "$CT_NOTE" >> "$WORK/scale-t.tsv"
        log "(a) $n domains in one vhost: apache2 -t $CT_OK in ${CT_SECS}s, peak ${CT_PEAK_KB:-?} KiB $CT_NOTE"
        [ "$CT_OK" = yes ] && biggest_a=$n
    done
    n=$SCALE_N
    gen_scale b "$n" "$WORK/httpd-scale-b-$n.conf"
    configtest "$WORK/httpd-scale-b-$n.conf" "$cap"
    printf '(b) one virtual host per domain\t%s\t%s\t%s\t%s\t%s\n' "$n" "$CT_OK" "$CT_SECS" "${CT_PEAK_KB:--}" "$CT_NOTE" >> "$WORK/scale-t.tsv"
    log "(b) $n vhosts: apache2 -t $CT_OK in ${CT_SECS}s, peak ${CT_PEAK_KB:-?} KiB $CT_NOTE"
    gen_scale c "$n" "$WORK/httpd-scale-c-$n.conf"
    configtest "$WORK/httpd-scale-c-$n.conf" "$cap"
    printf '(control) as (b) without mail directives\t%s\t%s\t%s\t%s\t%s\n' "$n" "$CT_OK" "$CT_SECS" "${CT_PEAK_KB:--}" "$CT_NOTE" >> "$WORK/scale-t.tsv"
    log "(control) $n vhosts without mail directives: apache2 -t $CT_OK in ${CT_SECS}s, peak ${CT_PEAK_KB:-?} KiB"

    # 2. The running server: startup, memory, req/s.
    printf 'config\tdomains\tstarted\tready_secs\tparent_rss_kb\tparent_hwm_kb\tkids_rss_kb\tkids_pss_kb\tparent_pss_kb\tkids_rss_after_kb\tkids_pss_after_kb\n' > "$WORK/scale-run.tsv"
    printf 'config\ttarget\trps\tp50_us\tp99_us\tnon2xx\n' > "$WORK/scale-rps.tsv"
    if [ -n "$biggest_a" ]; then
        scale_run "(a) $biggest_a domains, one virtual host" a "$biggest_a" "$cap" yes
    fi
    scale_run "(b) $SCALE_N virtual hosts" b "$SCALE_N" "$cap" yes
    scale_run "(control) $SCALE_N virtual hosts, no mail directives" c "$SCALE_N" "$cap" no
    check_crashes

    {
        echo "## Scale: $SCALE_N domains"
        echo
        machine_md
        echo "- (a) one virtual host with \`MailAutoconfDomain d1.test … d$SCALE_N.test\` (100 per line), IMAP + 2 SMTP servers; (b) $SCALE_N name-based virtual hosts \`ServerName autoconfig.dN.test\`, each with its own \`MailAutoconfDomain dN.test\` and servers; (control) the same $SCALE_N virtual hosts without any mail directive (module loaded)"
        echo "- httpd ran under \`ulimit -v\` of $cap_mb MiB and a ${SCALE_TIMEOUT}-second limit so a runaway configuration cannot exhaust the shared machine"
        echo "- Rounds: $ROUNDS per request, ${DURATION} s each, order rotated between rounds"
        echo
        echo "### Configuration test (\`apache2 -t\`)"
        echo
        echo "| configuration | domains | passed | wall time s | peak RSS MiB | note |"
        echo "|---|--:|---|--:|--:|---|"
        awk -F'\t' 'NR > 1 { printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, ($5 == "-" || $5 == "" ? "-" : sprintf("%.0f", $5 / 1024)), $6 }' "$WORK/scale-t.tsv"
        # For (a) sizes that did not pass: what the largest size that did
        # predicts, scaling its peak with the square of the domain count.
        awk -F'\t' 'NR > 1 && $1 ~ /^\(a\)/ {
                if ($3 == "yes") { n0 = $2; p0 = $5; s0 = $4 }
                else if (n0) printf "\n(a) with %d domains did not pass. Scaled from %d domains (peak %.0f MiB, %.1f s) by the square of the domain count it would need about %.1f GiB.\n", $2, n0, p0 / 1024, s0, p0 / 1048576 * ($2 / n0) ^ 2
            }' "$WORK/scale-t.tsv"
        echo
        echo "### Running server: startup and memory"
        echo
        echo "Time until the port answers 200 for the last domain, counted from launching httpd (it reads its configuration twice). Memory in MiB after startup (children: sum over both; VmRSS counts pages shared with the parent once per process, Pss shares them out) and, for the configurations that were loaded, after the req/s runs."
        echo
        echo "| configuration | started | answers after s | parent VmRSS | parent VmHWM | children VmRSS | children Pss | parent Pss | children VmRSS after load | children Pss after load |"
        echo "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|"
        awk -F'\t' 'function mb(v) { return (v == "-" || v == "") ? "-" : sprintf("%.1f", v / 1024) }
            NR > 1 { printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $3, $4, mb($5), mb($6), mb($7), mb($8), mb($9), mb($10), mb($11) }' "$WORK/scale-run.tsv"
        echo
        echo "### Requests per second by position"
        echo
        perl "$BENCH/report.pl" scale-rps "$WORK/scale-rps.tsv"
        echo
        echo "Errors (non-2xx, bad length, crashed children): $ERRORS; runs with socket errors (reported only): $SOCKERR_RUNS."
    } > "$WORK/scale.md"
    echo >&2
    cat "$WORK/scale.md"
    update_section scale "$WORK/scale.md"
}

# ================================================================= layouts
# --layouts: N domains in the main server and V virtual hosts that set
# none of the module's directives (kind d; with V = 0 only the main server
# serves).  Kind e is the control: the same V virtual hosts and no mail
# directive anywhere (module loaded).  apache2 -t only: what the startup
# work costs per inheriting virtual host.
gen_layout() {
    local kind=$1 n=$2 v=$3 conf=$4
    write_global_conf "$conf" "layout-$kind-$n-$v"
    {
        if [ "$kind" = d ]; then
            awk -v n="$n" 'BEGIN {
                for (i = 1; i <= n; i++) {
                    if (i % 100 == 1) printf "%sMailAutoconfDomain", (i > 1 ? "\n" : "")
                    printf " d%d.test", i
                }
                printf "\n"
            }'
            echo "MailAutoconfImap mail.example.net 993 ssl"
            echo "MailAutoconfSmtp mail.example.net 465 ssl"
            echo "MailAutoconfSmtp mail.example.net 587 starttls"
        fi
        awk -v v="$v" -v a="$ADDR:$PORT" 'BEGIN {
            for (i = 1; i <= v; i++)
                printf "<VirtualHost %s>\n    ServerName www.site%d.test\n</VirtualHost>\n", a, i
        }'
    } >> "$conf"
}

run_layouts() {
    local cap_mb avail_mb cap n=$SCALE_N v kind label
    avail_mb=$(awk '/^MemAvailable/ { print int($2 / 1024) }' /proc/meminfo)
    cap_mb=${BENCH_SCALE_MEM_MB:-$(( avail_mb / 3 < 6144 ? avail_mb / 3 : 6144 ))}
    cap=$((cap_mb * 1024))
    printf 'config\tvhosts\tok\tsecs\tpeak_kb\tnote\n' > "$WORK/layouts-t.tsv"
    for spec in "d 0" "d 50" "d 1000" "e 1000"; do
        read -r kind v <<< "$spec"
        gen_layout "$kind" "$n" "$v" "$WORK/httpd-layout-$kind-$v.conf"
        # Five runs each; the median time and the largest peak count.
        local secs=() peak=0 ok=yes note=
        for _ in 1 2 3 4 5; do
            configtest "$WORK/httpd-layout-$kind-$v.conf" "$cap"
            secs+=("$CT_SECS")
            [ "${CT_PEAK_KB:-0}" -gt "$peak" ] && peak=${CT_PEAK_KB:-0}
            [ "$CT_OK" = yes ] || { ok=no; note=$CT_NOTE; }
        done
        if [ "$kind" = d ]; then
            label="$n domains in the main server"
        else
            label="(control) no mail directives"
        fi
        printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$v" "$ok" \
            "$(printf '%s\n' "${secs[@]}" | sort -n | sed -n 3p)" "$peak" "$note" \
            >> "$WORK/layouts-t.tsv"
        log "layouts: $label, $v virtual hosts: apache2 -t $ok, median $(printf '%s\n' "${secs[@]}" | sort -n | sed -n 3p)s, peak $peak KiB $note"
    done
    {
        echo "## Layouts: inheriting virtual hosts"
        echo
        machine_md
        echo "- $n domains in the main server (\`MailAutoconfDomain\`, 100 per line; IMAP + 2 SMTP servers) and V name-based virtual hosts with only a \`ServerName\`, which inherit everything; the control has the same virtual hosts and no mail directive (module loaded)"
        echo "- \`apache2 -t\` five times each under \`ulimit -v\` of $cap_mb MiB; the median wall time and the largest peak RSS"
        echo "- Target (issue: 10,000 domains and 1,000 inheriting virtual hosts): under 1 s and under 100 MB"
        echo
        echo "| configuration | virtual hosts | passed | wall time s | peak RSS MiB | note |"
        echo "|---|--:|---|--:|--:|---|"
        awk -F'\t' 'NR > 1 { printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, ($5 == "-" || $5 == "" ? "-" : sprintf("%.0f", $5 / 1024)), $6 }' "$WORK/layouts-t.tsv"
        echo
        awk -F'\t' 'NR > 1 && $1 !~ /control/ { t[$2] = $4; m[$2] = $5 }
            END { if (t[0] > 0 && t[1000] != "") printf "1,000 inheriting virtual hosts cost %.0f ms and %.1f MiB over the main server alone; time ratio %.2f×, memory ratio %.2f×.\n", (t[1000] - t[0]) * 1000, (m[1000] - m[0]) / 1024, t[1000] / t[0], m[1000] / m[0] }' "$WORK/layouts-t.tsv"
    } > "$WORK/layouts.md"
    echo >&2
    cat "$WORK/layouts.md"
    update_section layouts "$WORK/layouts.md"
}

# ====================================================================== db
# --db [--pgsql]: DB_N domains in a table, a wildcard virtual host that
# looks them up with MailAutoconfDBDQuery, and next to it a virtual host
# with the same DB_N domains in MailAutoconfDomain (the directive case).
# Both have the same directives, and every row overrides the display name
# and the IMAP and SMTP hosts with the values of those directives, so a
# database domain's answer has exactly the bytes of the directive case
# while the module still takes its path for rows with overrides (a full
# render of the site on every miss).  Domain names have a fixed width, so
# every answer of a scenario has the same length.
DB_N=${BENCH_DB_N:-100000}
DB_WARM_N=${BENCH_DB_WARM_N:-1000}
DB_CACHE_SIZE=${BENCH_DB_CACHE_SIZE:-1000}
DBD_MIN=${BENCH_DBD_MIN:-1}
DBD_KEEP=${BENCH_DBD_KEEP:-2}
DBD_MAX=${BENCH_DBD_MAX:-4}
DB_TABLE=bench_domains
DB_QUERY="SELECT display_name, imap_host, smtp_host FROM $DB_TABLE WHERE domain = %s"
DB_ROW_DISPLAY='Bench Mail'           # every row's values (db_rows_tsv, db_setup)
DB_ROW_IMAP='imap.%EMAILDOMAIN%'
DB_ROW_SMTP='smtp.%EMAILDOMAIN%'
DIRECTIVE_HOST=autoconfig.directive.bench
DB_SIDES=(db directive static)
PG_PARAMS=

db_domain() { printf 'd%06d.db.test' "$1"; }     # in the table
db_unknown() { printf 'x%06d.db.test' "$1"; }    # not in it

# The servers both virtual hosts share.
db_mail_directives() {
    cat <<'EOF'
    MailAutoconfDisplayName "Bench Mail"
    MailAutoconfImap imap.%EMAILDOMAIN% 993 ssl
    MailAutoconfSmtp smtp.%EMAILDOMAIN% 465 ssl
    MailAutoconfSmtp smtp.%EMAILDOMAIN% 587 starttls
EOF
}

# The rows, as TAB-separated text (PostgreSQL's COPY format).
db_rows_tsv() {
    awk -v n="$DB_N" 'BEGIN {
        for (i = 1; i <= n; i++)
            printf "d%06d.db.test\tBench Mail\timap.%%EMAILDOMAIN%%\tsmtp.%%EMAILDOMAIN%%\n", i
    }'
}

pg_sql() {   # pg_sql ARGS...: psql on the benchmark's database
    psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$PG_PARAMS" "$@"
}

# How many times the module's query ran: PostgreSQL's count
# (pg_stat_statements), or with SQLite the module's own ("database_queries"
# on the status page of the database virtual host).
db_queries() {
    if [ "$DB_KIND" = pgsql ]; then
        pg_sql -c "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements
                   WHERE query LIKE '%FROM $DB_TABLE WHERE domain = %'
                     AND query NOT LIKE '%pg_stat_statements%'" \
            || die "cannot read pg_stat_statements"
    else
        curl -sS --max-time 30 -H 'Host: autoconfig.db.bench' \
            "$BASE_URL/mac-status?json" \
            | sed -n 's/.*"database_queries":\([0-9]*\).*/\1/p' | grep . \
            || die "cannot read database_queries from the status page"
    fi
}

# --db: the cache servers of the extra rows (memcache, redis), each on a
# free port of 127.0.0.1 for the time of its rows.
CACHE_SERVER_PID=
DB_FLUSH=            # "PORT COMMAND": empty the cache server before cold runs
DB_WAL_CACHE_LINE=   # the DBDInitSQL line of the WAL row (--db, SQLite)
# cache_server_start KIND PORT
cache_server_start() {
    local kind=$1 port=$2 i
    case $kind in
        memcache) memcached -l 127.0.0.1 -p "$port" -U 0 -t 1 -m 256 \
                      $([ "$(id -u)" -eq 0 ] && echo "-u nobody") \
                      >"$WORK/logs/$kind.log" 2>&1 & ;;
        redis) redis-server --bind 127.0.0.1 --port "$port" --save '' \
                   --appendonly no --daemonize no --protected-mode no \
                   --dir "$WORK" >"$WORK/logs/$kind.log" 2>&1 & ;;
    esac
    CACHE_SERVER_PID=$!
    STARTED_PIDS+=("$CACHE_SERVER_PID")
    for ((i = 0; i < 100; i++)); do
        cache_cmd "$port" "" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    die "$kind did not start on port $port"
}
# cache_cmd PORT TEXT: send TEXT, print the answer (until 0.3 s of quiet).
cache_cmd() {
    perl -MIO::Socket::INET -MIO::Select -e '
        my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1",
            PeerPort => $ARGV[0], Proto => "tcp") or exit 1;
        print $s $ARGV[1]; my $sel = IO::Select->new($s);
        while ($sel->can_read(0.3)) { sysread($s, my $b, 65536) or last; print $b }' \
        "$1" "$2"
}
# cache_bytes_per_entry KIND PORT: bytes the cache server uses per entry.
cache_bytes_per_entry() {
    local out
    if [ "$1" = memcache ]; then
        out=$(cache_cmd "$2" $'stats\r\n')
        awk '/STAT bytes /{b=$3} /STAT curr_items /{n=$3}
             END { if (n > 0) printf "%.0f (%d entries, memcached \"bytes\")", b / n, n; else print "n/a" }' \
            <<<"${out//$'\r'/}"
    else
        out=$(cache_cmd "$2" $'INFO memory\r\nDBSIZE\r\n')
        awk -v base="$REDIS_BASE_MEM" '/^used_memory:/{split($0, a, ":"); b=a[2]} /^:[0-9]/{n=substr($0, 2)}
             END { if (n > 0) printf "%.0f (%d keys, used_memory over the empty server)", (b - base) / n, n; else print "n/a" }' \
            <<<"${out//$'\r'/}"
    fi
}

# Make the database; sets DB_DBD_LINES (the virtual host's DBDriver and
# DBDParams), DB_LOAD_SECS, DB_DESC.
db_setup() {
    local t0 t1 f
    if [ "$DB_KIND" = sqlite ]; then
        command -v sqlite3 >/dev/null || die "sqlite3 is missing"
        mkdir -p "$WORK/db"
        chmod 777 "$WORK/db"       # User nobody: SQLite wants the directory
        f="$WORK/db/bench.db"
        t0=$(now)
        sqlite3 -batch -bail "$f" <<EOF || die "making the SQLite database failed"
BEGIN;
CREATE TABLE $DB_TABLE (domain TEXT PRIMARY KEY, display_name TEXT,
                        imap_host TEXT, smtp_host TEXT);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $DB_N)
INSERT INTO $DB_TABLE SELECT printf('d%06d.db.test', i), 'Bench Mail',
    'imap.%EMAILDOMAIN%', 'smtp.%EMAILDOMAIN%' FROM n;
COMMIT;
ANALYZE;
EOF
        t1=$(now)
        chmod 666 "$f"
        [ "$(sqlite3 "$f" "SELECT count(*) FROM $DB_TABLE")" = "$DB_N" ] \
            || die "the SQLite table does not have $DB_N rows"
        DB_LOAD_SECS=$(elapsed "$t0" "$t1")
        DB_DBD_LINES="    DBDriver sqlite3"$'\n'"    DBDParams \"$f\""
        DB_DESC="SQLite $(sqlite3 --version | cut -d' ' -f1) (file of $(( $(stat -c %s "$f") / 1024 / 1024 )) MiB on $(df --output=fstype "$WORK" | tail -n 1 | tr -d ' '), driver apr_dbd_sqlite3); $DB_N rows made in one transaction (INSERT … SELECT from a recursive CTE) in ${DB_LOAD_SECS} s"
    else
        # scripts/pgsql.sh, run from a copy so that its DBDParams file
        # (t/conf/pgsql_dbd.conf of the copy) and its cluster (under $WORK)
        # are ours alone: the tests' cluster and files are not touched.
        mkdir -p "$WORK/pgcopy/scripts" "$WORK/pgcopy/t/conf"
        cp "$ROOT/scripts/pgsql.sh" "$WORK/pgcopy/scripts/pgsql.sh"
        PG_DIR="$WORK/pgsql"
        PG_SCRIPT="$WORK/pgcopy/scripts/pgsql.sh"
        MAC_PGSQL_DIR="$PG_DIR" bash "$PG_SCRIPT" start >&2 \
            || die "scripts/pgsql.sh start failed"
        # Count the module's queries: pg_stat_statements (needs a restart).
        echo "shared_preload_libraries = 'pg_stat_statements'" \
            >> "$PG_DIR/data/postgresql.conf"
        MAC_PGSQL_DIR="$PG_DIR" bash "$PG_SCRIPT" down >&2 \
            && MAC_PGSQL_DIR="$PG_DIR" bash "$PG_SCRIPT" up >&2 \
            || die "restarting PostgreSQL with pg_stat_statements failed"
        PG_PARAMS=$(MAC_PGSQL_DIR="$PG_DIR" bash "$PG_SCRIPT" params)
        pg_sql -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" \
            || die "CREATE EXTENSION pg_stat_statements failed"
        t0=$(now)
        pg_sql -c "CREATE TABLE $DB_TABLE (domain text PRIMARY KEY,
                   display_name text, imap_host text, smtp_host text)" \
            || die "CREATE TABLE failed"
        db_rows_tsv | pg_sql -c "COPY $DB_TABLE FROM STDIN" \
            || die "COPY failed"
        pg_sql -c "ANALYZE $DB_TABLE" || die "ANALYZE failed"
        t1=$(now)
        [ "$(pg_sql -c "SELECT count(*) FROM $DB_TABLE")" = "$DB_N" ] \
            || die "the PostgreSQL table does not have $DB_N rows"
        DB_LOAD_SECS=$(elapsed "$t0" "$t1")
        DB_DBD_LINES="    DBDriver pgsql"$'\n'"    Include \"$WORK/pgcopy/t/conf/pgsql_dbd.conf\""
        DB_DESC="PostgreSQL $(pg_sql -c 'SHOW server_version' | cut -d' ' -f1) from \`scripts/pgsql.sh start\` (127.0.0.1, TCP, trust; fsync off; driver apr_dbd_pgsql); $DB_N rows loaded with one COPY in ${DB_LOAD_SECS} s; the module's queries counted with pg_stat_statements"
    fi
    log "database: $DB_DESC"
}

write_db_conf() {
    local conf="$WORK/httpd-db.conf"
    write_global_conf "$conf" db
    {
        [ -n "${DB_GLOBAL_LINE:-}" ] && echo "$DB_GLOBAL_LINE"
        echo "# The directive case: the same domains, listed (first, so its"
        echo "# ServerName wins over the wildcard below)."
        echo "<VirtualHost $ADDR:$PORT>"
        echo "    ServerName $DIRECTIVE_HOST"
        awk -v n="$DB_N" 'BEGIN {
            for (i = 1; i <= n; i++) {
                if (i % 100 == 1) printf "%s    MailAutoconfDomain", (i > 1 ? "\n" : "")
                printf " d%06d.db.test", i
            }
            printf "\n"
        }'
        db_mail_directives
        echo "</VirtualHost>"
        echo "# The database case."
        echo "<VirtualHost $ADDR:$PORT>"
        echo "    ServerName autoconfig.db.bench"
        echo "    ServerAlias autoconfig.* autodiscover.*"
        echo "$DB_DBD_LINES"
        echo "    DBDPersist On"
        echo "    DBDMin $DBD_MIN"
        echo "    DBDKeep $DBD_KEEP"
        echo "    DBDMax $DBD_MAX"
        echo "    DBDExptime 300"
        echo "    MailAutoconfDBDQuery \"$DB_QUERY\""
        echo "    MailAutoconfDBDCacheTTL 3600 3600"
        echo "    MailAutoconfDBDCacheSize $DB_CACHE_SIZE"
        [ -n "${DB_CACHE_LINE:-}" ] && echo "    $DB_CACHE_LINE"
        echo "    <Location /mac-status>"
        echo "        SetHandler mailautoconf-status"
        echo "        MailAutoconfStatus VirtualHost"
        echo "    </Location>"
        db_mail_directives
        echo "</VirtualHost>"
    } >> "$conf"
    echo "$conf"
}

# fetch_code OUT HOST PATH: one GET with curl; prints the status.
fetch_code() {
    curl -sS -o "$1" -w '%{http_code}' --max-time 30 -H "Host: $2" \
        "$BASE_URL$3" || die "curl $2$3 failed"
}

# fetch_many HOST DIR DOMAIN...: the Thunderbird answer for each domain
# (address user@DOMAIN), over one keep-alive connection, into DIR/DOMAIN.
fetch_many() {
    local host=$1 dir=$2 d cfg="$WORK/out/curl-many.cfg"
    shift 2
    mkdir -p "$dir"
    : > "$cfg"
    for d in "$@"; do
        printf 'url = "%s%s?emailaddress=user%%40%s"\noutput = "%s/%s"\n' \
            "$BASE_URL" "$TB" "$d" "$dir" "$d" >> "$cfg"
    done
    curl -sS --fail --max-time 120 -H "Host: $host" -K "$cfg" \
        || die "fetching $# answers from $host failed"
}

# The scenarios: the domains each side cycles through, written as specs.
# Sets DB_SC_* for the report.
db_prepare() {
    local i d step len f lens n_bad=0
    local -a warm=()
    mkdir -p "$WORK/htdocs/static/db" "$WORK/db-spec"
    # (a) The warm set: every (DB_N / DB_WARM_N)-th domain.
    step=$(( DB_N / DB_WARM_N )); [ "$step" -ge 1 ] || step=1
    for ((i = step; i <= DB_N && ${#warm[@]} < DB_WARM_N; i += step)); do
        warm+=("$(db_domain "$i")")
    done
    # The static copies: each warm domain's answer from the directive
    # case; the database case must give the same bytes for every one.
    fetch_many "$DIRECTIVE_HOST" "$WORK/htdocs/static/db" "${warm[@]}"
    fetch_many autoconfig.db.bench "$WORK/out/db-warm" "${warm[@]}"
    for d in "${warm[@]}"; do
        cmp -s "$WORK/htdocs/static/db/$d" "$WORK/out/db-warm/$d" \
            || n_bad=$((n_bad + 1))
    done
    [ "$n_bad" -eq 0 ] || die "$n_bad of ${#warm[@]} database answers differ from the directive case's"
    lens=$(stat -c %s "${warm[@]/#/$WORK/htdocs/static/db/}" | sort -u)
    [ "$(wc -l <<<"$lens")" -eq 1 ] || die "the warm answers differ in length: $(echo $lens)"
    len=$lens
    chmod 755 "$WORK/htdocs/static/db"
    chmod 644 "$WORK/htdocs/static/db/"*
    grep -q "<emailProvider id=\"${warm[0]}\">" "$WORK/htdocs/static/db/${warm[0]}" \
        || die "the answer for ${warm[0]} is not its Thunderbird document"
    DB_SC_TB_LEN=$len
    log "db: ${#warm[@]} warm domains; the database and directive answers are the same $len bytes"

    # A sample of the cold set, both sides, the same bytes too.
    local -a sample=()
    for i in 1 7 4242 $((DB_N / 2 + 1)) $((DB_N - 1)) "$DB_N"; do
        [ "$i" -le "$DB_N" ] && sample+=("$(db_domain "$i")")
    done
    fetch_many "$DIRECTIVE_HOST" "$WORK/out/dir-sample" "${sample[@]}"
    fetch_many autoconfig.db.bench "$WORK/out/db-sample" "${sample[@]}"
    for d in "${sample[@]}"; do
        cmp -s "$WORK/out/dir-sample/$d" "$WORK/out/db-sample/$d" \
            || die "$d: the database answer differs from the directive case's"
        [ "$(stat -c %s "$WORK/out/db-sample/$d")" -eq "$len" ] \
            || die "$d: the answer is not $len bytes"
    done

    # The unknown domain's answer: 404, the same on both sides.
    local c1 c2
    d=$(db_unknown 1)
    c1=$(fetch_code "$WORK/out/unknown.db" "autoconfig.$d" "$TB?emailaddress=user%40$d")
    c2=$(fetch_code "$WORK/out/unknown.dir" "$DIRECTIVE_HOST" "$TB?emailaddress=user%40$d")
    [ "$c1" = 404 ] && [ "$c2" = 404 ] \
        || die "an unknown domain got $c1 (database) and $c2 (directive), not 404"
    cmp -s "$WORK/out/unknown.db" "$WORK/out/unknown.dir" \
        || die "the 404 answers of the database and directive cases differ"
    cp "$WORK/out/unknown.db" "$WORK/htdocs/static/db/unknown.txt"
    chmod 644 "$WORK/htdocs/static/db/unknown.txt"
    DB_SC_404_LEN=$(stat -c %s "$WORK/out/unknown.db")
    # The directive Host reaches the directive virtual host: without an
    # address it answers for its first domain (the database virtual host
    # would look "directive.bench" up and answer 404).
    c1=$(fetch_code "$WORK/out/dir-host" "$DIRECTIVE_HOST" "$TB")
    [ "$c1" = 200 ] && grep -q "id=\"$(db_domain 1)\"" "$WORK/out/dir-host" \
        || die "Host $DIRECTIVE_HOST does not reach the directive virtual host"

    # The specs.  spec_line fields: METHOD HOST PATH CTYPE BODY LEN TOL STATUS.
    local sp="$WORK/db-spec"
    for d in "${warm[@]}"; do
        printf 'GET\tautoconfig.%s\t%s?emailaddress=user%%40%s\t-\t-\t%s\t0\t200\n' "$d" "$TB" "$d" "$len"
    done > "$sp/warm.db"
    for d in "${warm[@]}"; do
        printf 'GET\t%s\t%s?emailaddress=user%%40%s\t-\t-\t%s\t0\t200\n' "$DIRECTIVE_HOST" "$TB" "$d" "$len"
    done > "$sp/warm.directive"
    for d in "${warm[@]}"; do
        printf 'GET\t%s\t/static/db/%s\t-\t-\t%s\t0\t200\n' "$DIRECTIVE_HOST" "$d" "$len"
    done > "$sp/warm.static"
    # (b) cold: all DB_N domains in a fixed random order; (d) a flood of
    # DB_N different unknown domains; (c) DB_WARM_N unknown domains again
    # and again.
    db_order() {   # db_order N: 1..N in a fixed random order
        awk -v n="$1" 'BEGIN { srand(20261128); for (i = 1; i <= n; i++) a[i] = i
            for (i = n; i > 1; i--) { j = int(rand() * i) + 1; t = a[i]; a[i] = a[j]; a[j] = t }
            for (i = 1; i <= n; i++) print a[i] }'
    }
    db_order "$DB_N" | awk -v tb="$TB" -v len="$len" -v dh="$DIRECTIVE_HOST" \
        -v db="$sp/cold.db" -v dir="$sp/cold.directive" '{
            d = sprintf("d%06d.db.test", $1)
            printf "GET\tautoconfig.%s\t%s?emailaddress=user%%40%s\t-\t-\t%s\t0\t200\n", d, tb, d, len > db
            printf "GET\t%s\t%s?emailaddress=user%%40%s\t-\t-\t%s\t0\t200\n", dh, tb, d, len > dir
        }'
    cp "$sp/warm.static" "$sp/cold.static"
    db_order "$DB_N" | awk -v tb="$TB" -v len="$DB_SC_404_LEN" -v dh="$DIRECTIVE_HOST" \
        -v db="$sp/flood.db" -v dir="$sp/flood.directive" '{
            d = sprintf("x%06d.db.test", $1)
            printf "GET\tautoconfig.%s\t%s?emailaddress=user%%40%s\t-\t-\t%s\t0\t404\n", d, tb, d, len > db
            printf "GET\t%s\t%s?emailaddress=user%%40%s\t-\t-\t%s\t0\t404\n", dh, tb, d, len > dir
        }'
    # The negative-cache set: unknown names not used by the flood.
    awk -v n="$DB_WARM_N" -v m="$DB_N" -v tb="$TB" -v len="$DB_SC_404_LEN" -v dh="$DIRECTIVE_HOST" \
        -v db="$sp/neg.db" -v dir="$sp/neg.directive" 'BEGIN {
            for (i = 1; i <= n; i++) {
                d = sprintf("x%06d.db.test", m + i)
                printf "GET\tautoconfig.%s\t%s?emailaddress=user%%40%s\t-\t-\t%s\t0\t404\n", d, tb, d, len > db
                printf "GET\t%s\t%s?emailaddress=user%%40%s\t-\t-\t%s\t0\t404\n", dh, tb, d, len > dir
            }
        }'
    printf 'GET\t%s\t/static/db/unknown.txt\t-\t-\t%s\t0\t200\n' "$DIRECTIVE_HOST" "$DB_SC_404_LEN" > "$sp/neg.static"
    cp "$sp/neg.static" "$sp/flood.static"
    log "db: specs written (warm ${#warm[@]}, cold $DB_N, unknown $DB_WARM_N, flood $DB_N lines)"
}

run_db() {
    local conf sc side round order t0 q0 q1 spec
    local -A off=()
    db_setup
    conf=$(write_db_conf)
    t0=$(now)
    "$HTTPD" -t -f "$conf" >"$WORK/logs/configtest-db.log" 2>&1 \
        || { cat "$WORK/logs/configtest-db.log" >&2; die "httpd -t failed"; }
    DB_CONFIGTEST_SECS=$(elapsed "$t0" "$(now)")
    start_httpd "$conf" db
    wait_ready "$DIRECTIVE_HOST" "$TB?emailaddress=u%40$(db_domain "$DB_N")" 60 \
        || { show_error_log db; die "httpd did not start"; }
    DB_READY_SECS=$READY_SECS
    wait_children 2 || log "warning: fewer than 2 httpd children"
    sleep 1
    mem_snapshot
    printf 'point\tkids_rss_kb\tkids_pss_kb\tkids_each_kb\tparent_rss_kb\n' > "$WORK/db-mem.tsv"
    printf 'after startup\t%s\t%s\t%s\t%s\n' "$MEM_KIDS_RSS" "$MEM_KIDS_PSS" \
        "$MEM_KIDS_EACH" "$MEM_PARENT_RSS" >> "$WORK/db-mem.tsv"
    log "httpd $HTTPD_PID on $BASE_URL, ready in ${READY_SECS}s (apache2 -t ${DB_CONFIGTEST_SECS}s); parent VmRSS $MEM_PARENT_RSS KiB"
    db_prepare
    # db_prepare asked the database virtual host about DB_WARM_N + 6 known
    # domains (over one connection) and 1 unknown one; the warm-up below
    # asks again about the warm ones over wrk's 16 connections (both
    # children), and the measured warm runs again and again.
    DB_PREPARE_NAMES=$((DB_WARM_N + 6 + 1))
    DB_PREPARE_QUERIES=$(db_queries)

    printf 'scenario\tlabel\tdomains\tbytes\tstatus\n' > "$WORK/db-meta.tsv"
    printf 'warm\tknown domain, cache warm\t%s\t%s\t200\n' "$DB_WARM_N" "$DB_SC_TB_LEN" >> "$WORK/db-meta.tsv"
    printf 'cold\tknown domain, cache cold (every request a different domain)\t%s\t%s\t200\n' "$DB_N" "$DB_SC_TB_LEN" >> "$WORK/db-meta.tsv"
    printf 'neg\tunknown domain, negative cache warm\t%s\t%s\t404\n' "$DB_WARM_N" "$DB_SC_404_LEN" >> "$WORK/db-meta.tsv"
    printf 'flood\tunknown domains, every request a different one\t%s\t%s\t404\n' "$DB_N" "$DB_SC_404_LEN" >> "$WORK/db-meta.tsv"
    printf 'scenario\tround\tside\trps\tp50_us\tp90_us\tp99_us\tp999_us\trequests\tnon2xx\tbadlen\tsockerr\tqueries\n' \
        > "$WORK/db.tsv"
    log "db: 4 scenarios × $ROUNDS rounds × (database, directive, static) × ${DURATION}s"
    db_scenarios warm cold neg flood
    mem_snapshot
    stop_httpd
    check_crashes

    # The cold scenario again, each on a fresh server (empty caches): with
    # the shmcb caches' lock on fcntl() (a system call each way; the
    # default is the module's own pthread mutex, src/mac_lock.h), and with
    # SQLite's file in WAL mode and a page cache per connection that holds
    # the whole table (the README's advice for large SQLite tables).
    local variant
    for variant in fcntl wal; do
        DB_GLOBAL_LINE=
        local dbd_saved=$DB_DBD_LINES
        case $variant in
            fcntl)
                DB_GLOBAL_LINE="Mutex fcntl mailautoconf-cache"
                DB_VARIANT_LABEL="known domain, cache cold, the caches' lock on \`Mutex fcntl\`" ;;
            wal)
                [ "$DB_KIND" = sqlite ] || continue
                cp "$WORK/db/bench.db" "$WORK/db/bench-wal.db"
                [ "$(sqlite3 "$WORK/db/bench-wal.db" 'PRAGMA journal_mode=WAL')" = wal ] \
                    || die "could not put the SQLite copy in WAL mode"
                chmod 666 "$WORK/db/bench-wal.db"
                DB_DBD_LINES=${DB_DBD_LINES/bench.db/bench-wal.db}
                # SQLite's default page cache is 2 MiB per connection.
                local cache_kib=$(( $(stat -c %s "$WORK/db/bench-wal.db") / 1024 + 1024 ))
                DB_WAL_CACHE_LINE="DBDInitSQL \"PRAGMA cache_size=-$cache_kib\""
                DB_DBD_LINES+=$'\n'"    $DB_WAL_CACHE_LINE"
                DB_VARIANT_LABEL="known domain, cache cold, SQLite in WAL mode, a page cache that holds the table" ;;
        esac
        conf=$(write_db_conf)
        start_httpd "$conf" "db-$variant"
        wait_ready "$DIRECTIVE_HOST" "$TB?emailaddress=u%40$(db_domain "$DB_N")" 60 \
            || { show_error_log "db-$variant"; die "httpd ($variant) did not start"; }
        wait_children 2 || log "warning: fewer than 2 httpd children"
        for side in "${DB_SIDES[@]}"; do
            cp "$WORK/db-spec/cold.$side" "$WORK/db-spec/cold-$variant.$side"
        done
        off[$WORK/db-spec/cold-$variant.db]=${off[$WORK/db-spec/cold.db]:-0}
        printf 'cold-%s\t%s\t%s\t%s\t200\n' "$variant" "$DB_VARIANT_LABEL" "$DB_N" "$DB_SC_TB_LEN" >> "$WORK/db-meta.tsv"
        db_scenarios "cold-$variant"
        stop_httpd
        check_crashes
        DB_DBD_LINES=$dbd_saved
    done
    DB_GLOBAL_LINE=

    # The same known-domain scenarios with the answers in memcached and in
    # redis (one server each on 127.0.0.1, started here).
    local kind port
    DB_CACHE_ROWS=
    for kind in memcache redis; do
        local bin=memcached
        [ "$kind" = redis ] && bin=redis-server
        if ! command -v "$bin" >/dev/null; then
            log "db: $bin not installed, no $kind rows"
            continue
        fi
        port=$(mac_free_port 127.0.0.1) || die "no free port for $kind"
        cache_server_start "$kind" "$port"
        [ "$kind" = redis ] && REDIS_BASE_MEM=$(cache_cmd "$port" $'INFO memory\r\n' | tr -d '\r' | sed -n 's/^used_memory://p')
        DB_CACHE_LINE="MailAutoconfDBDCache $kind:127.0.0.1:$port"
        conf=$(write_db_conf)
        start_httpd "$conf" "db-$kind"
        wait_ready "$DIRECTIVE_HOST" "$TB?emailaddress=u%40$(db_domain "$DB_N")" 60 \
            || { show_error_log "db-$kind"; die "httpd with $kind did not start"; }
        wait_children 2 || log "warning: fewer than 2 httpd children"
        for sc in warm cold; do
            cp "$WORK/db-spec/$sc.db" "$WORK/db-spec/$sc-$kind.db"
            cp "$WORK/db-spec/$sc.directive" "$WORK/db-spec/$sc-$kind.directive"
            cp "$WORK/db-spec/$sc.static" "$WORK/db-spec/$sc-$kind.static"
            off[$WORK/db-spec/$sc-$kind.db]=${off[$WORK/db-spec/$sc.db]:-0}
        done
        printf 'warm-%s\tknown domain, cache warm, answers in %s\t%s\t%s\t200\n' "$kind" "$kind" "$DB_WARM_N" "$DB_SC_TB_LEN" >> "$WORK/db-meta.tsv"
        printf 'cold-%s\tknown domain, cache cold, answers in %s\t%s\t%s\t200\n' "$kind" "$kind" "$DB_N" "$DB_SC_TB_LEN" >> "$WORK/db-meta.tsv"
        # Every cold run starts with an empty cache server: a run longer
        # than the DB_N domains wraps around to domains seen before.
        if [ "$kind" = memcache ]; then DB_FLUSH="$port flush_all"; else DB_FLUSH="$port FLUSHALL"; fi
        db_scenarios "warm-$kind" "cold-$kind"
        DB_CACHE_ROWS+="- Memory per cached domain in $kind: $(cache_bytes_per_entry "$kind" "$port") bytes"$'\n'
        stop_httpd
        check_crashes
        mac_stop_job "$CACHE_SERVER_PID"
        DB_CACHE_LINE=
        DB_FLUSH=
    done
    write_db_report
}

# db_scenarios SCENARIO...: warm-up and ROUNDS rounds of each side.
db_scenarios() {
    local sc side round order spec q0 q1 q
    for sc in "$@"; do
        # Warm-up, not recorded.  For "warm" and "neg" this fills each
        # child's cache with the set (wrk's 16 connections reach both).
        for side in "${DB_SIDES[@]}"; do
            spec="$WORK/db-spec/$sc.$side"
            run_wrk "$spec" "$WARMUP" "$WORK/wrk/db-$sc.warm.$side" 0 "${off[$spec]:-0}"
            off[$spec]=$(( ${off[$spec]:-0} + W_requests ))
        done
        for ((round = 1; round <= ROUNDS; round++)); do
            case $((round % 3)) in
                1) order="db directive static" ;;
                2) order="directive static db" ;;
                0) order="static db directive" ;;
            esac
            for side in $order; do
                spec="$WORK/db-spec/$sc.$side"
                if [ "$side" = db ] && [ -n "$DB_FLUSH" ] && [[ $sc == cold-* ]]; then
                    cache_cmd "${DB_FLUSH%% *}" "${DB_FLUSH#* }"$'\r\n' >/dev/null
                fi
                q0=$([ "$side" = db ] && db_queries || echo -)
                run_wrk "$spec" "$DURATION" "$WORK/wrk/db-$sc.$round.$side" 0 "${off[$spec]:-0}"
                off[$spec]=$(( ${off[$spec]:-0} + W_requests ))
                q1=$([ "$side" = db ] && db_queries || echo -)
                local q=-
                [ "$q0" != - ] && [ "$q1" != - ] && q=$((q1 - q0))
                printf '%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
                    "$sc" "$round" "$side" "$W_rps" "$W_lat_p50_us" \
                    "$W_lat_p90_us" "$W_lat_p99_us" "$W_lat_p999_us" \
                    "$W_requests" "$W_non2xx" "$W_badlen" "$W_sockerr" "$q" \
                    >> "$WORK/db.tsv"
                log "db $sc round $round $side: $W_rps req/s, p50 ${W_lat_p50_us} µs, p99 ${W_lat_p99_us} µs$([ "$q" != - ] && echo ", $q queries")"
            done
        done
        mem_snapshot
        printf 'after %s\t%s\t%s\t%s\t%s\n' "$sc" "$MEM_KIDS_RSS" "$MEM_KIDS_PSS" \
            "$MEM_KIDS_EACH" "$MEM_PARENT_RSS" >> "$WORK/db-mem.tsv"
    done
}

write_db_report() {
    local name=db-$DB_KIND rec_len key_len shm_per front_per
    # A row's record (src/mac_row.h): 9 bytes, 6 lengths of 2 bytes, the
    # values; its key (src/mac_cache.h): 6 + 8 bytes and the domain.
    rec_len=$((9 + 12 + ${#DB_ROW_DISPLAY} + ${#DB_ROW_IMAP} + ${#DB_ROW_SMTP}))
    key_len=$((6 + 8 + 15))
    # The default shmcb: 2 MiB; shmcb's index entry is 24 bytes, and its
    # index has one entry per 152 bytes (the module's hints), the limit of
    # how many entries it holds when each takes less than that.
    shm_per=$(awk -v k="$key_len" -v r="$rec_len" 'BEGIN {
        seg = 2097152; idx = int(seg / 152); data = seg - idx * 24
        n = int(data / (k + r)); if (n > idx) n = idx
        printf "%d domains, %.0f bytes each", n, seg / n }')
    # A front cache block: its 64-byte header, the key, the record, the
    # ETag (18 bytes and a NUL), the document; malloc adds 16 bytes and
    # the hash table about 40.
    front_per=$((64 + key_len + rec_len + 19 + DB_SC_TB_LEN + 16 + 40))
    {
        echo "## Database: $DB_N domains from $([ "$DB_KIND" = pgsql ] && echo PostgreSQL || echo SQLite)"
        echo
        machine_md
        echo "- Database: $DB_DESC"
        echo "- Database virtual host: \`ServerAlias autoconfig.* autodiscover.*\`, \`MailAutoconfDBDQuery \"$DB_QUERY\"\`, \`MailAutoconfDBDCacheTTL 3600 3600\` (nothing expires during the run), \`MailAutoconfDBDCacheSize $DB_CACHE_SIZE\` (each child's own front cache; the shared cache is the default shmcb of 2 MiB), \`DBDPersist On\`, \`DBDMin $DBD_MIN\`, \`DBDKeep $DBD_KEEP\`, \`DBDMax $DBD_MAX\` (per child: at most $((2 * DBD_MAX)) connections for 2 cores); each row overrides the display name and the IMAP and SMTP hosts, with the values of the virtual host's own directives"
        [ -n "$DB_WAL_CACHE_LINE" ] && echo "- The WAL row: a copy of the file put in WAL mode (\`PRAGMA journal_mode=WAL\`) and \`$DB_WAL_CACHE_LINE\` in the database virtual host, a page cache per connection larger than the file (SQLite's default is 2 MiB)"
        echo "- Directive virtual host: the same $DB_N domains in \`MailAutoconfDomain\` (100 per line) and the same directives; \`apache2 -t\` took ${DB_CONFIGTEST_SECS} s, and the server answered ${DB_READY_SECS} s after launch"
        echo "- Request: Thunderbird \`GET /.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=user%40DOMAIN\` with \`Host: autoconfig.DOMAIN\` (database side) or \`Host: $DIRECTIVE_HOST\` (directive and static sides). Domain names have a fixed width (\`d000001.db.test\`), so every answer is $DB_SC_TB_LEN bytes, and the database's answers were checked byte for byte against the directive case's (all $DB_WARM_N warm domains and a sample of the others). Unknown domains are answered \`404\` with the same $DB_SC_404_LEN bytes on both sides."
        echo "- Scenarios: (warm) $DB_WARM_N domains in rotation, after a ${WARMUP}-second warm-up; (cold) all $DB_N domains in a fixed random order, each wrk run continuing where the previous one stopped, so every request asks about a domain not asked about before; (unknown) $DB_WARM_N unknown domains in rotation, after a warm-up (negative cache); (flood) $DB_N different unknown domains, each a query"
        echo "- Static side: a GET of a file with the bytes of the answer (one file per warm domain, the same $DB_WARM_N files for the cold scenario; for unknown domains one file with the 404 body, answered 200)"
        echo "- Rounds: $ROUNDS per scenario, each a ${DURATION}-second run of each side, order rotated between rounds, after a ${WARMUP}-second warm-up of each side"
        echo "- Every response was checked in wrk's response() (status 200, or 404 for the unknown domains; length): runs with errors: $ERRORS; runs with socket errors, reported only: $SOCKERR_RUNS"
        echo "- Database queries per domain: preparing the run asked the database virtual host about $DB_PREPARE_NAMES different domains once each; the module had then run $DB_PREPARE_QUERIES queries ($(awk -v q="$DB_PREPARE_QUERIES" -v n="$DB_PREPARE_NAMES" 'BEGIN { printf "%.2f", q / n }') per domain for 2 children); the warm scenarios below ask about the same domains again through both children with no new query (the \"queries per db request\" column)"
        echo "- Memory per cached domain: in the default shmcb (2 MiB of shared memory for all children), an entry of this run takes $key_len bytes of key, $rec_len bytes of record and a 24-byte index entry: room for $shm_per; in each child's front cache, about $front_per bytes per domain (computed: block header, key, record, ETag, the $DB_SC_TB_LEN-byte document, malloc and hash table), at most $DB_CACHE_SIZE domains per child (the children's memory below)"
        printf '%s' "${DB_CACHE_ROWS:-}"
        echo
        perl "$BENCH/report.pl" db "$WORK/db-meta.tsv" "$WORK/db.tsv" "$WORK/db-mem.tsv"
    } > "$WORK/db.md"
    echo >&2
    cat "$WORK/db.md"
    update_section "$name" "$WORK/db.md"
}

# ==================================================================== main
case "$MODE" in
    ab)
        run_ab
        [ "$DO_SOAK" -eq 1 ] && run_soak "$SOAK_N"
        ;;
    soak)
        run_soak "$SOAK_N"
        ;;
    scale)
        run_scale
        ;;
    layouts)
        run_layouts
        ;;
    db)
        run_db
        ;;
esac

check_crashes
[ "$SOCKERR_RUNS" -eq 0 ] || log "note: $SOCKERR_RUNS wrk runs had socket errors (see above)"
if [ "$ERRORS" -ne 0 ]; then
    log "FAILED: $ERRORS errors: non-2xx answers, bodies of the wrong length or crashed children (see above)"
    exit 1
fi
log "done; results in bench/results.md"
