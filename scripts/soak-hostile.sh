#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Licensed under the Apache License, Version 2.0; see LICENSE.
# Soak test with hostile input: memory and crashes under a long mix of good
# and hostile requests to every endpoint.
#
#   bash scripts/soak-hostile.sh [N]      N requests (default 300000)
#
# Environment: SOAK_PORT (default: a free port), SOAK_TIME_LIMIT (seconds of
# load at most, default 600), SOAK_KEEP=1 (keep the temporary directory).
#
# What it does:
#   1. installs what it needs (scripts/lib.sh's packages, wrk, procps),
#      builds the module from a copy of the sources in a temporary
#      directory (the working tree's build is neither used nor touched);
#   2. starts httpd (event MPM: 2 children of 25 threads, no child ever
#      replaced, keep-alive) on 127.0.0.1 only, with one virtual host like
#      t/conf/hostile.conf.in's (hz.test, hz2.test, xn--bcher-kva.de; IMAP,
#      POP3, SMTP; a login template; the status page) and
#      HttpProtocolOptions Unsafe, so that raw oddities reach the module;
#   3. writes the request mix: good requests of every endpoint and hostile
#      ones (control characters, bad escapes, duplicates, markup, overlong
#      and internationalised addresses and names, odd Host and
#      Authorization headers, every method, bodies of 100 KB with and
#      without Content-Length, and every hostile Autodiscover body of
#      t/lib/MailAutoconfHostile.pm), each with the status it must get, and
#      checks every one once against the server (status, nothing echoed);
#   4. sends N requests from wrk (one thread, 16 connections) rotating
#      through the mix, in 10 runs of N/10, and after each run samples every
#      child's VmRSS;
#   5. checks the mix once more, then fails when:
#        - a child died (a "exit signal" / segfault line in the error log),
#          or the set of children changed,
#        - after the warm-up (the first 10%), a child's VmRSS grew by more
#          than 10 % or 5 MiB, whichever is larger, by the end,
#        - an answer was a 5xx, had a status no request of the mix may get,
#          or carried a hostile marker unescaped,
#        - the server ever connected to the trap listener the hostile
#          entities, DTDs and XIncludes point at,
#        - the first or second check of the mix failed.
#      Socket errors are reported, not fatal: requests that get 413 or 400
#      close the connection, and wrk counts the odd one of those.
# The load phase stops after SOAK_TIME_LIMIT seconds whatever N is (the
# series is then shorter, and says so).  Everything it started is stopped
# and its temporary directory removed on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

N=${1:-300000}
[[ "$N" =~ ^[0-9]+$ ]] && [ "$N" -ge 100 ] \
    || { echo "usage: bash scripts/soak-hostile.sh [N >= 100]" >&2; exit 2; }
TIME_LIMIT=${SOAK_TIME_LIMIT:-600}
ADDR=127.0.0.1
HTTPD=$(mac_httpd)
CONNS=16

log() { printf 'soak: %s\n' "$*" >&2; }
die() { printf 'soak: error: %s\n' "$*" >&2; exit 1; }
now() { date +%s; }

MAC_PACKAGES+=(wrk procps)
mac_install_packages >&2
for tool in wrk curl perl "$HTTPD"; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is missing"
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/mailautoconf-soak.XXXXXX")
chmod 755 "$WORK"
HTTPD_PID=
TRAP_PID=

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    [ -n "$HTTPD_PID" ] && mac_stop_job "$HTTPD_PID"
    [ -n "$TRAP_PID" ] && mac_stop_job "$TRAP_PID"
    if [ "${SOAK_KEEP:-0}" = 1 ] || [ "$rc" -ne 0 ]; then
        log "kept $WORK"
    else
        rm -rf "$WORK"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ------------------------------------------------------------ build
log "building the module from a copy of the sources in $WORK/build"
mkdir -p "$WORK/build" "$WORK/run" "$WORK/logs" "$WORK/req" "$WORK/wrk" "$WORK/htdocs"
cp -a mod_mailautoconf.c src Makefile.apxs "$WORK/build/"
MODULE_SO=$(mac_build_copy "$WORK/build" "$WORK/build.log") || die "the module did not build"

# ------------------------------------------------------------ ports
PORT=${SOAK_PORT:-}
if [ -z "$PORT" ]; then
    PORT=$(mac_free_port "$ADDR") || die "no free port on $ADDR"
fi
mac_port_free "$ADDR" "$PORT" || die "port $ADDR:$PORT is in use"

# A listener nothing may connect to: the hostile entities point at it.
perl -MIO::Socket::INET -e '
    $| = 1;
    my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0,
                                  Listen => 16, ReuseAddr => 1) or die "$!\n";
    open my $p, ">", $ARGV[0] or die; print $p $s->sockport, "\n"; close $p;
    while (my $c = $s->accept) {
        open my $f, ">>", $ARGV[1] or die; print $f "connection\n"; close $f;
        close $c;
    }' "$WORK/trap.port" "$WORK/trap.hits" &
TRAP_PID=$!
for _ in $(seq 1 50); do [ -s "$WORK/trap.port" ] && break; sleep 0.1; done
TRAP_URL="http://127.0.0.1:$(cat "$WORK/trap.port")"
: > "$WORK/trap.hits"

# ------------------------------------------------------------ httpd
CONF="$WORK/httpd.conf"
{
    echo "# Generated by scripts/soak-hostile.sh"
    mac_httpd_conf_head "$WORK" "$WORK/run" "$ADDR" "$ADDR:$PORT" \
        "$MODULE_SO" "$WORK/logs/error_log"
    echo "DocumentRoot \"$WORK/htdocs\""
    echo "# notice: child crashes (\"exit signal\") are logged, rejected requests not."
    echo "LogLevel notice"
    mac_httpd_conf_load
    echo "<VirtualHost $ADDR:$PORT>"
    cat <<'EOF'
    ServerName soak.example.test
    HttpProtocolOptions Unsafe
    MailAutoconfDomain hz.test hz2.test xn--bcher-kva.de
    MailAutoconfDisplayName "HZ <Mail> & \"Co\""
    MailAutoconfImap imap.hz.test 993 ssl
    MailAutoconfPop3 pop.hz.test 995 ssl
    MailAutoconfSmtp smtp.hz.test 465 ssl
    MailAutoconfLoginName login-%EMAILLOCALPART%@%EMAILDOMAIN%
    <Location /mail-status>
        SetHandler mailautoconf-status
    </Location>
</VirtualHost>
EOF
} > "$CONF"
"$HTTPD" -t -f "$CONF" >"$WORK/logs/configtest.log" 2>&1 \
    || { cat "$WORK/logs/configtest.log" >&2; die "httpd -t failed"; }
mac_httpd_start "$HTTPD" "$CONF" "$WORK/logs/stdout.log"
HTTPD_PID=$MAC_HTTPD_PID
for _ in $(seq 1 300); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
           "http://$ADDR:$PORT/mail/config-v1.1.xml" 2>/dev/null || true)
    [ "$code" = 200 ] && break
    mac_our_job "$HTTPD_PID" || { cat "$WORK/logs/error_log" >&2 || true; die "httpd exited"; }
    sleep 0.1
done
[ "$code" = 200 ] || die "httpd does not answer on $ADDR:$PORT"
for _ in $(seq 1 100); do
    [ "$(mac_children_of "$HTTPD_PID" | wc -l)" -ge 2 ] && break
    sleep 0.1
done
log "httpd $HTTPD_PID on $ADDR:$PORT, children: $(mac_children_of "$HTTPD_PID" | tr '\n' ' ')"

# ------------------------------------------------------------ the mix
# One file per request (the exact bytes) and $WORK/mix.tsv: file, status,
# name.  The marker zqmk is in every hostile value; an answer must never
# hold "<zqmk" (the marker with its markup unescaped).
perl -I"$ROOT/t/lib" - "$WORK/req" "$WORK/mix.tsv" "$TRAP_URL" <<'PERL'
use strict;
use warnings;
use MailAutoconfHostile qw(:all);
use MIME::Base64 ();

my ($dir, $tsv, $trap) = @ARGV;
my @mix;
sub add { push @mix, [@_] }
sub get {
    my ($target, @h) = @_;
    return http_request('GET', $target, [Host => 'autoconfig.hz.test', @h]);
}
sub post {
    my ($target, $body, @h) = @_;
    my %h = @h;
    return http_request('POST', $target, [Host => 'autodiscover.hz.test',
        ('Content-Type' => 'text/xml') x !exists $h{'Content-Type'}, @h], $body);
}
my $TB = '/.well-known/autoconfig/mail/config-v1.1.xml';
my $TB2 = '/mail/config-v1.1.xml';
my $J = '/autodiscover/autodiscover.json';
my $M = '/email.mobileconfig';
my $S = '/mail-status';
my $GOOD = request_xml('good@hz.test');
my $big = ('<zqmk>&"' . "\r\n") x 10_000;        # 100 KB
my $l65 = 'zqmk' . ('l' x 61);
my $d254 = join('.', 'a' x 63, 'b' x 63, 'c' x 63, 'd' x 62);

# --- good requests of every endpoint
add(200, 'tb: address', get("$TB?emailaddress=good\@hz.test"));
add(200, 'tb: by Host', get($TB2));
add(200, 'tb: A-label', get("$TB2?emailaddress=u\@xn--bcher-kva.de"));
add(200, 'ad: POST', post(AD_PATH, $GOOD));
add(200, 'ad: POST, apostrophe and &', post('/AutoDiscover/AutoDiscover.XML',
                                            request_xml("o'b&amp;c\@hz2.test")));
add(200, 'ad: GET', get(AD_PATH . '?emailaddress=good@hz.test'));
add(200, 'ad: GET fragment', get(AD_PATH . '?%3CEMailAddress%3Egood@hz.test%3C/EMailAddress%3E'));
add(200, 'v2: query', get("$J?Email=good\@hz.test&Protocol=AutodiscoverV1"));
add(200, 'v2: path with /', get("$J/v1.0/a/b\@hz.test?Protocol=AutodiscoverV1"));
add(200, 'mc: profile, markup in the name',
    get("$M?emailaddress=good\@hz.test&name=%3Czqmk%3E+%26+%22Co%22"));
add(200, 'mc: page', get($M));
add(200, 'status', get($S));
add(200, 'status json', get("$S?json"));

# --- hostile addresses on every endpoint that takes one
my @addr = (
    [400, 'CR LF', 'x%0D%0A%3Czqmk%3E@hz.test'],
    [400, 'NUL', 'x%00%3Czqmk%3E@hz.test'],
    [400, 'bad escape', '%3Czqmk%3E%zz@hz.test'],
    [400, 'lone %', 'zqmk@hz.test%'],
    [400, 'markup', '%3Czqmk%3E@hz.test'],
    [400, 'quotes', '%22%3E%3Czqmk%20a=%27@hz.test'],
    [404, 'foreign', 'zqmk@evil.example'],
    [400, 'IDN UTF-8', 'zqmk@b%C3%BCcher.de'],
    [400, 'local part 65', "$l65\@hz.test"],
    [400, 'domain 254', "zqmk\@$d254"],
    [400, 'address 5000', ('zqmk' x 1250) . '@hz.test'],
    [200, '# encoded', 'a%23zqmk@hz.test'],
);
for my $a (@addr) {
    my ($st, $what, $q) = @$a;
    add($st, "tb: $what", get("$TB?emailaddress=$q"));
    add($st, "ad GET: $what", get(AD_PATH . "?emailaddress=$q"));
    add($st, "v2: $what", get("$J?Email=$q&Protocol=AutodiscoverV1"));
    add($st, "mc: $what", get("$M?emailaddress=$q&name=Zq"));
}
add(400, 'tb: emailaddress twice', get("$TB?emailaddress=good\@hz.test&EmailAddress=good\@hz.test"));
add(400, 'v2: Email twice', get("$J?Email=good\@hz.test&email=good\@hz.test&Protocol=AutodiscoverV1"));
add(400, 'mc: emailaddress and email', get("$M?emailaddress=good\@hz.test&email=good\@hz.test"));
add(400, 'mc: name and emailname', get("$M?emailaddress=good\@hz.test&name=a&emailname=b"));
add(400, 'mc: name of 129', get("$M?emailaddress=good\@hz.test&name=" . ('n' x 129)));
add(400, 'mc: name with CR LF', get("$M?emailaddress=good\@hz.test&name=x%0d%0a%3Czqmk%3E"));
add(400, 'mc: name with U+202E', get("$M?emailaddress=good\@hz.test&name=x%E2%80%AE"));
add(400, 'mc: invalid address, name refilled', get("$M?emailaddress=%3Czqmk%3E&name=%3Czqmk%3E"));
add(400, 'v2: Protocol with markup', get("$J?Email=good\@hz.test&Protocol=%3Czqmk%3E"));
add(400, 'v2: Protocol with CR LF', get("$J?Email=good\@hz.test&Protocol=AutodiscoverV1%0d%0a"));
add(400, 'v2 path: markup', get("$J/v1.0/%3Czqmk%3E\@hz.test?Protocol=AutodiscoverV1"));
add(404, 'v2 path: %00 (httpd)', get("$J/v1.0/zqmk%00\@hz.test?Protocol=AutodiscoverV1"));
add(404, 'v2 path: %2F (httpd)', get("$J/v1.0/zqmk%2F\@hz.test?Protocol=AutodiscoverV1"));
add(400, 'v2 path: %zz (httpd)', get("$J/v1.0/zqmk%zz\@hz.test?Protocol=AutodiscoverV1"));
add(400, 'ad GET: no address', get(AD_PATH . '?x=%3Czqmk%3E'));
add(400, 'ad GET: fragment with markup', get(AD_PATH . '?%3CEMailAddress%3E%3Cb%3Ezqmk%3C/b%3E%3C/EMailAddress%3E'));
add(200, 'status: markup in the query', get("$S?%3Czqmk%3E%22&x=%zz"));
add(200, 'mc page: unknown parameters', get("$M?%3Czqmk%3E=%3Cx%3E"));

# --- headers
for my $ep ([$TB2, 'tb'], ["$M?emailaddress=good\@hz.test", 'mc'], [$M, 'page'],
            ["$J?Email=good\@hz.test&Protocol=AutodiscoverV1", 'v2']) {
    my ($t, $n) = @$ep;
    add(200, "$n: Host with markup", http_request('GET', $t, [Host => '<zqmk>"&\'']));
    add(200, "$n: foreign Host", http_request('GET', $t, [Host => 'zqmk.evil.example']));
    add(200, "$n: Authorization Bearer", get($t, Authorization => 'Bearer zqmk.tok.en'));
    add(200, "$n: Authorization Basic", get($t, Authorization => 'Basic '
        . MIME::Base64::encode_base64('zqmk:secret', '')));
}
add(200, 'ad: POST with a Host with markup', http_request('POST', AD_PATH,
    [Host => 'autodiscover.<zqmk>', 'Content-Type' => 'text/xml'], $GOOD));

# --- methods
for my $ep ([$TB, 405], [$J . '?Email=good@hz.test&Protocol=AutodiscoverV1', 405],
            ["$M?emailaddress=good\@hz.test", 405], [$M, 405], [$S, 405],
            [AD_PATH . '?emailaddress=good@hz.test', 405]) {
    my ($t, $st) = @$ep;
    for my $m (qw(PUT DELETE PATCH PROPFIND FOO)) {
        add($st, "$m $t", http_request($m, $t, [Host => 'hz.test', 'X-Zq' => '<zqmk>'],
                                       $m eq 'PUT' ? $GOOD : undef));
    }
    add(200, "OPTIONS $t", http_request('OPTIONS', $t, [Host => 'hz.test']));
    # (TRACE on the status page is answered by httpd itself, echoing.)
    add(405, "TRACE $t", http_request('TRACE', $t, [Host => 'hz.test', 'X-Zq' => '<zqmk>']))
        unless $t eq $S;
}
add(400, 'CONNECT with a path (httpd)', http_request('CONNECT', $TB, [Host => 'hz.test']));

# --- bodies
add(405, 'tb: POST 100 KB', post($TB, $big));
add(405, 'v2: POST 100 KB chunked', post("$J?Email=good\@hz.test&Protocol=AutodiscoverV1",
    chunked($big, 8000), 'Transfer-Encoding' => 'chunked'));
add(405, 'mc: POST 100 KB', post("$M?emailaddress=good\@hz.test", $big));
add(405, 'status: POST chunked', post($S, chunked($big, 3000), 'Transfer-Encoding' => 'chunked'));
add(200, 'mc: GET with a 100 KB body', http_request('GET', "$M?emailaddress=good\@hz.test",
    [Host => 'hz.test', 'Content-Type' => 'text/plain'], $big));
add(200, 'ad: POST chunked', post(AD_PATH, chunked($GOOD, 37), 'Transfer-Encoding' => 'chunked'));
add(413, 'ad: POST 100 KB', post(AD_PATH, $GOOD . $big));
add(413, 'ad: POST 100 KB chunked', post(AD_PATH, chunked($GOOD . $big, 5000),
    'Transfer-Encoding' => 'chunked'));
add(200, 'ad: Content-Length and chunked', post(AD_PATH, chunked($GOOD, 100),
    'Content-Length' => 7, 'Transfer-Encoding' => 'chunked'));
add(400, 'ad: two Content-Lengths (httpd)', post(AD_PATH, $GOOD,
    'Content-Length' => length $GOOD, 'Content-Length' => 3));
add(400, 'ad: POST with markup in the address', post(AD_PATH, request_xml('<b>zqmk</b>@hz.test')));
add(400, 'ad: POST with CR LF in the address', post(AD_PATH, request_xml("x\r\n&lt;zqmk&gt;\@hz.test")));
add(404, 'ad: POST for a foreign domain', post(AD_PATH, request_xml('zqmk@evil.example')));
add(400, 'ad: POST for an IDN in UTF-8', post(AD_PATH, request_xml("zqmk\@b\xC3\xBCcher.de")));

# --- every hostile Autodiscover body of t/lib/MailAutoconfHostile.pm made
# for the default body limit
for my $c (ad_body_cases(trap_url => $trap)) {
    next if $c->{vhost};
    add($c->{status}, "ad body: $c->{name}", $c->{raw} // http_request('POST', AD_PATH,
        [Host => 'autodiscover.hz.test', 'Content-Type' => $c->{type} // 'text/xml'],
        $c->{body}));
}

open my $out, '>', $tsv or die "$tsv: $!\n";
my $i = 0;
for my $m (@mix) {
    my ($st, $name, $bytes) = @$m;
    my $file = sprintf '%s/%03d.req', $dir, ++$i;
    open my $f, '>:raw', $file or die "$file: $!\n";
    print $f $bytes;
    close $f;
    $name =~ s/[\t\n]/ /g;
    print $out "$file\t$st\t$name\n";
}
close $out;
PERL
log "request mix: $(wc -l < "$WORK/mix.tsv") kinds in rotation ($WORK/mix.tsv)"

# check_mix LABEL: send every request of the mix once on its own
# connection; its first answer must have the listed status and nothing
# hostile may come back unescaped.
check_mix() {
    perl -I"$ROOT/t/lib" - "$WORK/mix.tsv" "$ADDR" "$PORT" "$1" <<'PERL'
use strict;
use warnings;
use MailAutoconfHostile qw(raw_exchange);
my ($tsv, $addr, $port, $label) = @ARGV;
open my $in, '<', $tsv or die "$tsv: $!\n";
my ($n, $bad) = (0, 0);
while (my $line = <$in>) {
    chomp $line;
    my ($file, $want, $name) = split /\t/, $line, 3;
    open my $f, '<:raw', $file or die "$file: $!\n";
    my $bytes = do { local $/; <$f> };
    close $f;
    $bytes =~ s/\r\n/\r\nConnection: close\r\n/;   # one answer, then EOF
    my $x = raw_exchange($addr, $port, $bytes, timeout => 10);
    my $res = $x->{responses}[0];
    my $got = $res ? $res->code : 'nothing';
    $n++;
    my @why;
    push @why, "status $got, not $want" if $got ne $want;
    push @why, 'an unescaped marker' if $x->{raw} =~ /<zqmk/;
    push @why, 'a local file' if $x->{raw} =~ /root:x:0:/;
    if (@why) {
        $bad++;
        print STDERR "soak: $label: $name: @why\n";
    }
}
print STDERR "soak: $label: $n requests checked, $bad wrong\n";
exit($bad ? 1 : 0);
PERL
}
MIX_ERRORS=0
check_mix "mix check before the soak" || MIX_ERRORS=$((MIX_ERRORS + 1))

# ------------------------------------------------------------ wrk
cat > "$WORK/soak.lua" <<'LUA'
-- Rotates through the request files of SOAK_MIX (file TAB status TAB
-- name); stops after SOAK_STOP_AFTER responses (wrk -t1).  Counts answers
-- by status, 5xx, statuses no request of the mix may get, and answers
-- with the hostile marker unescaped ("<zqmk").
local reqs, allowed, n = {}, {}, 0
local next_req, stop_after, stopped, wrk_pid = 0, 0, false, nil
counts = {}
responses, unexpected, e5xx, echo = 0, 0, 0, 0

local function slurp(path)
    local f = assert(io.open(path, "rb"))
    local d = f:read("*a")
    f:close()
    return d
end

function init(args)
    for line in io.lines(os.getenv("SOAK_MIX")) do
        local file, status = line:match("^([^\t]+)\t(%d+)\t")
        if file then
            n = n + 1
            reqs[n] = slurp(file)
            allowed[tonumber(status)] = true
        end
    end
    assert(n > 0, "empty mix")
    stop_after = tonumber(os.getenv("SOAK_STOP_AFTER") or "0") or 0
    local f = io.open("/proc/self/stat", "r")
    wrk_pid = f:read("*l"):match("^(%d+)")
    f:close()
end

function request()
    next_req = next_req % n + 1
    return reqs[next_req]
end

function response(status, headers, body)
    responses = responses + 1
    counts[status] = (counts[status] or 0) + 1
    if status >= 500 then e5xx = e5xx + 1 end
    if not allowed[status] then unexpected = unexpected + 1 end
    if body and body:find("<zqmk", 1, true) then echo = echo + 1 end
    for _, v in pairs(headers) do
        if v:find("zqmk", 1, true) then echo = echo + 1 end
    end
    if stop_after > 0 and not stopped and responses >= stop_after then
        stopped = true
        wrk.thread:stop()
        os.execute("(sleep 0.2; kill -INT " .. wrk_pid .. ") </dev/null >/dev/null 2>&1 &")
    end
end

local threads = {}
function setup(thread) table.insert(threads, thread) end

function done(summary, latency, requests)
    local t = threads[1]
    local c = t:get("counts") or {}
    local parts = {}
    for k, v in pairs(c) do parts[#parts + 1] = k .. ":" .. v end
    table.sort(parts)
    local e = summary.errors
    io.write(string.format("SOAK responses=%d requests=%d secs=%.1f unexpected=%d " ..
        "e5xx=%d echo=%d err_connect=%d err_read=%d err_write=%d err_timeout=%d " ..
        "statuses=%s\n", t:get("responses") or 0, summary.requests, summary.duration / 1e6,
        t:get("unexpected") or 0, t:get("e5xx") or 0, t:get("echo") or 0,
        e.connect, e.read, e.write, e.timeout, table.concat(parts, ",")))
end
LUA

status_kb() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status" 2>/dev/null || true; }

KIDS0=$(mac_children_of "$HTTPD_PID" | tr '\n' ' ')
declare -A BASE_RSS
SERIES="$WORK/series.tsv"
printf 'pct\trequests\tsecs\tchildren VmRSS KiB (pid:rss)\tsum KiB\n' > "$SERIES"
sample() {   # sample PCT REQUESTS SECS
    local k r sum=0 each=
    for k in $(mac_children_of "$HTTPD_PID"); do
        r=$(status_kb "$k")
        sum=$((sum + ${r:-0}))
        each="${each:+$each }$k:${r:-?}"
        [ "$1" = 10 ] && BASE_RSS[$k]=${r:-0}
        LAST_RSS[$k]=${r:-0}
    done
    printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$each" "$sum" >> "$SERIES"
    log "$1%: $2 requests in $3 s, children VmRSS $each (sum $sum KiB)"
}
declare -A LAST_RSS
sample 0 0 0

SEG=$(( (N + 9) / 10 ))
DEADLINE=$(( $(now) + TIME_LIMIT ))
DONE=0; UNEXPECTED=0; E5XX=0; ECHO=0; SOCKERR=0; STOPPED_EARLY=0
declare -A STATUS_COUNTS
T0=$(now)
for pct in 10 20 30 40 50 60 70 80 90 100; do
    left=$(( DEADLINE - $(now) ))
    if [ "$left" -le 0 ]; then
        STOPPED_EARLY=1
        log "time limit of $TIME_LIMIT s reached after $DONE requests; stopping"
        break
    fi
    out="$WORK/wrk/$pct.out"
    SOAK_MIX="$WORK/mix.tsv" SOAK_STOP_AFTER="$SEG" \
        wrk -t1 -c"$CONNS" -d"${left}s" --timeout 10s -s "$WORK/soak.lua" \
            "http://$ADDR:$PORT/" >"$out" 2>&1 || { cat "$out" >&2; die "wrk failed"; }
    line=$(sed -n 's/^SOAK //p' "$out" | tail -n 1)
    [ -n "$line" ] || { cat "$out" >&2; die "no result line from wrk"; }
    declare -A W=()
    for kv in $line; do W[${kv%%=*}]=${kv#*=}; done
    DONE=$((DONE + W[responses]))
    UNEXPECTED=$((UNEXPECTED + W[unexpected]))
    E5XX=$((E5XX + W[e5xx]))
    ECHO=$((ECHO + W[echo]))
    SOCKERR=$((SOCKERR + W[err_connect] + W[err_read] + W[err_write] + W[err_timeout]))
    IFS=, read -ra sc <<< "${W[statuses]}"
    for s in "${sc[@]}"; do
        [ -n "$s" ] && STATUS_COUNTS[${s%%:*}]=$(( ${STATUS_COUNTS[${s%%:*}]:-0} + ${s#*:} ))
    done
    sample "$pct" "$DONE" "$(( $(now) - T0 ))"
    mac_our_job "$HTTPD_PID" || die "httpd exited during the soak"
    if [ "${W[responses]}" -lt "$SEG" ]; then
        STOPPED_EARLY=1
        log "time limit reached during the $pct% run ($DONE requests); stopping"
        break
    fi
done
T1=$(now)

check_mix "mix check after the soak" || MIX_ERRORS=$((MIX_ERRORS + 1))
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
       "http://$ADDR:$PORT/mail/config-v1.1.xml?emailaddress=good@hz.test" || true)

# ------------------------------------------------------------ verdict
FAIL=0
fail() { log "FAIL: $*"; FAIL=1; }

[ "$code" = 200 ] || fail "a good request after the soak got $code"
if grep -E 'exit signal|Segmentation fault|AH00052|AH00051' "$WORK/logs/error_log" >&2; then
    fail "an httpd child died (error log above)"
fi
KIDS1=$(mac_children_of "$HTTPD_PID" | tr '\n' ' ')
[ "$KIDS0" = "$KIDS1" ] || fail "the children changed: $KIDS0-> $KIDS1"
[ "$UNEXPECTED" -eq 0 ] || fail "$UNEXPECTED answers with a status no request of the mix may get"
[ "$E5XX" -eq 0 ] || fail "$E5XX answers were 5xx"
[ "$ECHO" -eq 0 ] || fail "$ECHO answers carried the hostile marker unescaped"
[ "$MIX_ERRORS" -eq 0 ] || fail "the mix check failed ($MIX_ERRORS of 2 runs; see above)"
hits=$(grep -c . "$WORK/trap.hits" || true)
[ "${hits:-0}" -eq 0 ] || fail "the server connected to the trap listener $hits time(s)"

GROWTH_REPORT=
for k in "${!BASE_RSS[@]}"; do
    base=${BASE_RSS[$k]}; last=${LAST_RSS[$k]:-0}
    grow=$((last - base))
    limit=$((base / 10 > 5120 ? base / 10 : 5120))
    GROWTH_REPORT+=" $k: ${base} -> ${last} KiB (${grow:+$grow} KiB, limit $limit)"
    [ "$grow" -le "$limit" ] || fail "child $k grew by $grow KiB after the warm-up (limit $limit KiB)"
done
[ "${#BASE_RSS[@]}" -gt 0 ] || fail "no sample after the warm-up"

echo
echo "## scripts/soak-hostile.sh $N"
echo
echo "- httpd $("$HTTPD" -v | sed -n 's/^Server version: //p'), event MPM, 2 children × 25 threads; wrk -t1 -c$CONNS on $ADDR"
echo "- mix: $(wc -l < "$WORK/mix.tsv") requests in rotation (good and hostile, every endpoint)"
echo "- $DONE requests in $((T1 - T0)) s$([ "$STOPPED_EARLY" = 1 ] && echo " (stopped at the time limit of $TIME_LIMIT s)")"
echo "- answers by status:$(for s in $(printf '%s\n' "${!STATUS_COUNTS[@]}" | sort -n); do printf ' %s×%s' "$s" "${STATUS_COUNTS[$s]}"; done)"
echo "- unexpected statuses: $UNEXPECTED; 5xx: $E5XX; unescaped echoes: $ECHO; socket errors (reported only): $SOCKERR; trap connections: ${hits:-0}"
echo "- growth after the warm-up (10%):$GROWTH_REPORT"
echo
echo "VmRSS of the children after each tenth:"
echo
column -t -s $'\t' "$SERIES" 2>/dev/null || cat "$SERIES"
echo
if [ "$FAIL" -ne 0 ]; then
    echo "soak-hostile: FAILED"
    exit 1
fi
echo "soak-hostile: PASSED"
