#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Licensed under the Apache License, Version 2.0; see LICENSE.
# Benchmark of per-address answers: Thunderbird GET ?emailaddress= for
# known addresses whose entry changes the login name (so each answer is a
# document made for that address), with the cache warm, from SQLite
# (MailAutoconfUserQuery) and from slapd (MailAutoconfLDAPURL), each
# against the same requests on a virtual host without per-address answers
# (the domain's answer); and the latency of cold LDAP look-ups.
#
#   bash bench/user.sh            3 rounds of 5 s per side and scenario
#   bash bench/user.sh --quick    2 rounds of 3 s
#
# Environment: BENCH_USER_ROUNDS (3), BENCH_USER_N (1000 addresses in the
# warm set), BENCH_USER_COLD
# (200 addresses looked up cold, one at a time).  slapd, the SQLite file and
# httpd run from a temporary directory on 127.0.0.1, removed on exit.
# Results go to the terminal and to bench/results.md (section "user").
# Nothing here asserts a speed; it fails only on errors (a non-2xx answer,
# a start that fails).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH="$ROOT/bench"
cd "$ROOT"
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

ROUNDS=${BENCH_USER_ROUNDS:-3} DURATION=5
[ "${1:-}" = --quick ] && { ROUNDS=2; DURATION=3; }
N=${BENCH_USER_N:-1000}
COLD=${BENCH_USER_COLD:-200}
COMMAND="bash bench/user.sh${*:+ $*}"

log() { printf 'bench: %s\n' "$*" >&2; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }

MAC_PACKAGES+=(wrk)
mac_install_packages >&2 || die "packages"
make -f Makefile.apxs all >/dev/null || die "build"
SO="$ROOT/.libs/mod_mailautoconf.so"

WORK=$(mktemp -d /tmp/mac-bench-user-XXXXXX)
chmod 755 "$WORK"
SLAPD_PID=
cleanup() {
    [ -f "$WORK/httpd.pid" ] && /usr/sbin/apache2 -f "$WORK/httpd.conf" -k stop 2>/dev/null
    [ -n "$SLAPD_PID" ] && kill "$SLAPD_PID" 2>/dev/null && wait "$SLAPD_PID" 2>/dev/null
    sleep 1
    rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { perl -MIO::Socket::INET -e 'print IO::Socket::INET->new(LocalAddr=>"127.0.0.1",LocalPort=>0,Listen=>1)->sockport'; }
P_DOM=$(free_port) P_SQL=$(free_port) P_LDAP=$(free_port) P_SLAPD=$(free_port)

# ------------------------------------------------------------ directories
BASE="dc=example,dc=test"
mkdir "$WORK/db"
cat > "$WORK/slapd.conf" <<EOF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile $WORK/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
maxsize 104857600
suffix "$BASE"
rootdn "cn=admin,$BASE"
rootpw admin-secret
directory $WORK/db
index mail eq
access to * by * read
EOF
{
    printf 'dn: %s\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example\n\n' "$BASE"
    printf 'dn: ou=people,%s\nobjectClass: organizationalUnit\nou: people\n\n' "$BASE"
    for i in $(seq 1 $((N + COLD))); do
        printf 'dn: uid=login%d,ou=people,%s\nobjectClass: inetOrgPerson\nuid: login%d\ncn: User %d\nsn: U\nmail: u%d@user.test\n\n' \
            "$i" "$BASE" "$i" "$i" "$i"
    done
} > "$WORK/tree.ldif"
/usr/sbin/slapadd -q -f "$WORK/slapd.conf" -l "$WORK/tree.ldif" || die "slapadd"
/usr/sbin/slapd -d 0 -f "$WORK/slapd.conf" -h "ldap://127.0.0.1:$P_SLAPD/" \
    > "$WORK/slapd.out" 2>&1 &
SLAPD_PID=$!

{
    echo "CREATE TABLE users (address TEXT PRIMARY KEY, login_name TEXT);"
    echo "BEGIN;"
    for i in $(seq 1 "$N"); do
        echo "INSERT INTO users VALUES ('u$i@user.test', 'login$i');"
    done
    echo "COMMIT;"
} | sqlite3 "$WORK/users.db"
chmod 666 "$WORK/users.db"

# ------------------------------------------------------------------ httpd
cat > "$WORK/httpd.conf" <<EOF
ServerRoot "$WORK"
DefaultRuntimeDir "$WORK"
PidFile "$WORK/httpd.pid"
ErrorLog "$WORK/error_log"
LogLevel warn
ServerName localhost
Include "$ROOT/t/conf/httpd-base.conf"
LoadModule mailautoconf_module "$SO"
User nobody
Group nogroup
<IfModule mpm_event_module>
    StartServers 2
    ServerLimit 2
    ThreadsPerChild 25
    MinSpareThreads 50
    MaxSpareThreads 50
    MaxRequestWorkers 50
</IfModule>
MaxKeepAliveRequests 0
LDAPConnectionTimeout 3
LDAPTimeout 3
LDAPRetries 0
Listen 127.0.0.1:$P_DOM
Listen 127.0.0.1:$P_SQL
Listen 127.0.0.1:$P_LDAP
MailAutoconfDomain user.test
MailAutoconfImap imap.user.test 993 ssl
MailAutoconfSmtp smtp.user.test 465 ssl
MailAutoconfLoginName %EMAILADDRESS%
MailAutoconfUserCacheTTL 3600 3600
MailAutoconfUserCacheSize $((N + COLD + 1000))
<VirtualHost 127.0.0.1:$P_DOM>
</VirtualHost>
<VirtualHost 127.0.0.1:$P_SQL>
    DBDriver sqlite3
    DBDParams "$WORK/users.db"
    MailAutoconfUserQuery "SELECT login_name FROM users WHERE address = %s"
</VirtualHost>
<VirtualHost 127.0.0.1:$P_LDAP>
    MailAutoconfLDAPURL ldap://127.0.0.1:$P_SLAPD/ou=people,$BASE
    MailAutoconfLDAPAttribute login_name uid
</VirtualHost>
EOF
/usr/sbin/apache2 -f "$WORK/httpd.conf" -k start || die "httpd did not start"
for _ in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:$P_DOM/mail/config-v1.1.xml" && break
    sleep 0.1
done

# ------------------------------------------------------------- the runs
spec() {    # spec PORT FILE: the N addresses in rotation
    for i in $(seq 1 "$N"); do
        printf 'GET\t127.0.0.1:%s\t/mail/config-v1.1.xml?emailaddress=u%d%%40user.test\t-\t-\t-\t-\t200\n' "$1" "$i"
    done > "$2"
}
spec "$P_DOM" "$WORK/dom.spec"
spec "$P_SQL" "$WORK/sql.spec"
spec "$P_LDAP" "$WORK/ldap.spec"

# Warm the caches: every address once.
for p in "$P_SQL" "$P_LDAP"; do
    for i in $(seq 1 "$N"); do
        echo "url = \"http://127.0.0.1:$p/mail/config-v1.1.xml?emailaddress=u$i%40user.test\""
        echo 'output = "/dev/null"'
    done > "$WORK/warm.curl"
    curl -s -K "$WORK/warm.curl" || die "warming"
done
got=$(curl -s "http://127.0.0.1:$P_LDAP/mail/config-v1.1.xml?emailaddress=u7%40user.test" | grep -c '<username>login7</username>' || true)
[ "$got" -ge 1 ] || die "the LDAP virtual host does not answer with the directory's login name"

run_wrk() {    # run_wrk SPEC PORT -> "rps p50_us p99_us non2xx"
    local out
    out=$(BENCH_SPEC="$1" wrk -t1 -c16 -d"${DURATION}s" -s "$BENCH/wrk.lua" \
              "http://127.0.0.1:$2/" 2>&1 | grep '^BENCH ') || die "wrk"
    perl -e '%h = map { split /=/ } split " ", substr($ARGV[0], 6);
             printf "%.0f %d %d %d\n", @h{qw(rps lat_p50_us lat_p99_us non2xx)}' "$out"
}
log "warm-up"
run_wrk "$WORK/dom.spec" "$P_DOM" >/dev/null
run_wrk "$WORK/sql.spec" "$P_SQL" >/dev/null    # every child's front cache
run_wrk "$WORK/ldap.spec" "$P_LDAP" >/dev/null
: > "$WORK/rounds.tsv"
for r in $(seq 1 "$ROUNDS"); do
    for kind in dom sql ldap; do
        log "round $r: $kind"
        case $kind in dom) port=$P_DOM ;; sql) port=$P_SQL ;; ldap) port=$P_LDAP ;; esac
        read -r rps p50 p99 bad < <(run_wrk "$WORK/$kind.spec" "$port")
        [ "$bad" = 0 ] || die "$kind: $bad non-2xx answers"
        printf '%s\t%s\t%s\t%s\t%s\n' "$r" "$kind" "$rps" "$p50" "$p99" >> "$WORK/rounds.tsv"
    done
done

# Cold LDAP look-ups, one at a time, against warm ones of the same vhost.
lat() {    # lat PORT FIRST COUNT -> times in ms, one a line
    local i
    for i in $(seq "$2" $(($2 + $3 - 1))); do
        curl -s -o /dev/null -w '%{time_total}\n' \
            "http://127.0.0.1:$1/mail/config-v1.1.xml?emailaddress=u$i%40user.test"
    done | awk '{ printf "%.3f\n", $1 * 1000 }'
}
log "cold look-ups"
lat "$P_LDAP" $((N + 1)) "$COLD" > "$WORK/cold.txt"
lat "$P_LDAP" 1 "$COLD" > "$WORK/warm.txt"
lat "$P_DOM" 1 "$COLD" > "$WORK/dom.txt"

# ---------------------------------------------------------------- report
SECTION=$(perl - "$WORK/rounds.tsv" "$WORK/cold.txt" "$WORK/warm.txt" "$WORK/dom.txt" \
               "$COMMAND" "$N" "$COLD" "$ROUNDS" "$DURATION" \
               "$(git rev-parse --short HEAD)" <<'PERL'
use strict; use warnings;
my ($rounds, $cold, $warm, $dom, $cmd, $n, $ncold, $nr, $dur, $rev) = @ARGV;
sub med { my @v = sort { $a <=> $b } @_; my $k = @v; $k % 2 ? $v[($k-1)/2] : ($v[$k/2-1] + $v[$k/2]) / 2 }
sub pct { my ($p, @v) = @_; @v = sort { $a <=> $b } @v; $v[int($p * $#v + 0.5)] }
my (%rps, %p50, %p99);
open my $fh, '<', $rounds or die; while (<$fh>) { chomp; my ($r, $k, $q, $a, $b) = split /\t/;
  $rps{$k}[$r] = $q; push @{$p50{$k}}, $a; push @{$p99{$k}}, $b; }
my @lines = ("## Per-address answers: warm cache against the domain's answer, and cold LDAP look-ups", '',
  "- Command: `$cmd` (" . `date -u '+%Y-%m-%d %H:%M UTC'` =~ s/\n//r . ")",
  "- Module: working tree at $rev, built with `make -f Makefile.apxs` (-O2)",
  "- Load: wrk -t1 -c16 over keep-alive on 127.0.0.1, $nr rounds of $dur s per side (order dom, SQL, LDAP in each round); httpd event MPM, 2 children × 25 threads; wrk, httpd, slapd share the machine's cores",
  "- Requests: Thunderbird GET `?emailaddress=` over $n known addresses in rotation, each with its own login name (so each answer is a document made for that address); the domain side asks the same addresses of a virtual host without per-address answers", '',
  '| scenario | req/s | ÷ domain only | p50 ms | p99 ms |', '|---|--:|--:|--:|--:|');
for my $k (qw(dom sql ldap)) {
  my @ratios = map { $rps{$k}[$_] / $rps{dom}[$_] } grep { defined $rps{$k}[$_] } 1 .. $#{$rps{dom}};
  my $name = { dom => 'domain only (no per-address source)', sql => 'per-address, SQLite, warm cache', ldap => 'per-address, slapd, warm cache' }->{$k};
  my $r = $k eq 'dom' ? '–' : sprintf('%.2f× [%.2f–%.2f]', med(@ratios), (sort { $a <=> $b } @ratios)[0, -1]);
  push @lines, sprintf('| %s | %.0f | %s | %.2f | %.2f |', $name, med(grep { defined } @{$rps{$k}}), $r,
                       med(@{$p50{$k}}) / 1000, med(@{$p99{$k}}) / 1000);
}
my (@c, @w, @d);
for ([$cold, \@c], [$warm, \@w], [$dom, \@d]) { open my $f, '<', $_->[0] or die; chomp(@{$_->[1]} = <$f>); }
push @lines, '', "Latency of one request at a time (curl, a new connection each), $ncold addresses:", '',
  '| request | median ms | p90 ms | max ms |', '|---|--:|--:|--:|';
for (['cold LDAP look-up (address not yet cached)', \@c], ['the same vhost, warm cache', \@w], ['domain only', \@d]) {
  push @lines, sprintf('| %s | %.2f | %.2f | %.2f |', $_->[0], med(@{$_->[1]}), pct(0.9, @{$_->[1]}), (sort { $a <=> $b } @{$_->[1]})[-1]);
}
push @lines, '', 'Ratios are the median of the per-round ratios (same round), range in brackets. Target: per-address answers with a warm cache at least 0.9× the domain-only answer.';
print join("\n", @lines), "\n";
PERL
)
printf '%s\n' "$SECTION"
perl -0 -i -e '
    my $new = shift; my $b = "<!-- bench:user:begin -->"; my $e = "<!-- bench:user:end -->";
    local $/; my $t = <>;
    if ($t =~ /\Q$b\E.*?\Q$e\E/s) { $t =~ s/\Q$b\E.*?\Q$e\E/$b\n$new$e/s }
    else { $t .= "\n$b\n$new$e\n" }
    print $t;
' "$SECTION" "$BENCH/results.md"
log "done; results in bench/results.md (section user)"
