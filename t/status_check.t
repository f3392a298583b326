# SPDX-License-Identifier: Apache-2.0
# Licensed under the Apache License, Version 2.0; see LICENSE.
# The status page's DNS and certificate check (?check, ?check=N, with
# &json), its bounds and cache, ?metrics, and the query strings it
# refuses.  Vhosts: t/conf/status_check.conf.in.
#
# A real authoritative name server (Debian's knot) is started here on the
# loopback port t/TEST.PL chose, with a zone for good.test in which some
# advised records are right, some missing and some different; vhost
# ck_check asks it.  ck_dead asks a port where nothing answers.  The TLS
# vhosts present certificates made by t/TEST.PL: one covering
# autoconfig./autodiscover.covered.test, one for another name only.
# Without knotd the test is skipped, with the reason (a failure under CI).
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use MailAutoconfTest qw(vhost_get vhost_url parse_xml);
use File::Spec ();
use File::Temp ();
use IO::Socket::INET ();
use JSON::PP ();
use LWP::UserAgent ();
use POSIX ();
use Time::HiRes ();
use Time::Local ();

use constant STATUS => '/mail-status';

my $DNS_PORT  = Apache::Test::vars('macdnsport');
my $DEAD_PORT = Apache::Test::vars('macdeadport');
my $T_DIR     = Apache::Test::vars('t_dir');
my $ERROR_LOG = File::Spec->catfile(Apache::Test::vars('t_logs'), 'error_log');
my ($KNOTD)   = grep { -x } '/usr/sbin/knotd', '/usr/bin/knotd';

# Skipped with the reason when knot is not there or does not start,
# except under CI (CI=true), where scripts/lib.sh installs it: then that is
# a failure.
sub skip_or_fail {
    my ($why) = @_;
    if ($ENV{CI}) {
        plan tests => 1;
        fail("under CI the check must run: $why");
        exit 0;
    }
    plan skip_all => $why;
}

skip_or_fail('knotd is not installed (Debian package knot)') unless $KNOTD;
skip_or_fail('no name server port in the test configuration (t/TEST.PL)')
    unless $DNS_PORT && $DEAD_PORT;

# ------------------------------------------------------------------ knot

# good.test as ck_check (ServerName check.example.test, plain HTTP: SRV
# port 443) is advised to publish it, and what the zone has instead.
my $ZONE = <<'EOZ';
$ORIGIN good.test.
$TTL 60
@                  SOA   ns.good.test. hostmaster.good.test. 1 3600 600 86400 60
@                  NS    ns.good.test.
ns                 A     127.0.0.1
autoconfig         CNAME check.example.test.
autodiscover       CNAME elsewhere.example.net.
_imaps._tcp        SRV   0 1 993 imap.good.test.
_imap._tcp         SRV   1 1 144 imap.good.test.
_imap._tcp         SRV   2 1 145 imap2.good.test.
_pop3s._tcp        SRV   0 0 0 .
_pop3._tcp         TXT   "not an SRV record"
_submissions._tcp  SRV   0 1 465 SMTP.Good.Test.
EOZ

# name => [verdict, found (sorted), note pattern or undef]
my %EXPECT = (
    'autoconfig.good.test.'         => ['published', ['check.example.test.'], undef],
    'autodiscover.good.test.'       => ['different', ['elsewhere.example.net.'], qr/another value/],
    '_autodiscover._tcp.good.test.' => ['missing', [], qr/NXDOMAIN/],
    '_imaps._tcp.good.test.'        => ['published', ['0 1 993 imap.good.test.'], undef],
    '_imap._tcp.good.test.'         => ['different', ['1 1 144 imap.good.test.',
                                                      '2 1 145 imap2.good.test.'],
                                        qr/records with another value/],
    '_pop3s._tcp.good.test.'        => ['published', ['0 0 0 .'], undef],
    '_pop3._tcp.good.test.'         => ['missing', [], qr/no SRV record/],
    '_submissions._tcp.good.test.'  => ['published', ['0 1 465 smtp.good.test.'], undef],
    '_submission._tcp.good.test.'   => ['missing', [], qr/NXDOMAIN/],
);

my $KNOT_DIR = File::Temp::tempdir('mac-knot-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $KNOT_PID;

sub write_file {
    my ($path, $text) = @_;
    open my $fh, '>', $path or die "write $path: $!\n";
    print $fh $text;
    close $fh or die "write $path: $!\n";
}

sub start_knot {
    write_file("$KNOT_DIR/good.test.zone", $ZONE);
    write_file("$KNOT_DIR/knot.conf", <<"EOC");
server:
    rundir: "$KNOT_DIR"
    listen: 127.0.0.1\@$DNS_PORT
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
control:
    listen: "$KNOT_DIR/knot.sock"
log:
  - target: stderr
    any: warning
database:
    storage: "$KNOT_DIR/db"
template:
  - id: default
    storage: "$KNOT_DIR"
    file: "%s.zone"
    zonefile-sync: -1
    journal-content: none
zone:
  - domain: good.test
EOC
    my $pid = fork() // die "fork: $!\n";
    if (!$pid) {
        open STDOUT, '>', "$KNOT_DIR/knotd.log";
        open STDERR, '>&', \*STDOUT;
        exec($KNOTD, '-c', "$KNOT_DIR/knot.conf") or POSIX::_exit(127);
    }
    $KNOT_PID = $pid;
    # Ready once it answers on TCP (it listens on UDP at the same time).
    for (1 .. 100) {
        if (waitpid($pid, POSIX::WNOHANG()) == $pid) {
            $KNOT_PID = undef;
            return 0;
        }
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $DNS_PORT,
                                      Proto => 'tcp', Timeout => 1);
        return 1 if $s;
        Time::HiRes::sleep(0.1);
    }
    return 0;
}

sub stop_knot {
    return unless $KNOT_PID;
    kill 'TERM', $KNOT_PID;
    waitpid($KNOT_PID, 0);
    $KNOT_PID = undef;
}
END { stop_knot() }

unless (start_knot()) {
    my $log = do { local (@ARGV, $/) = ("$KNOT_DIR/knotd.log"); eval { <> } } // '';
    $log =~ s/\s+/ /g;
    stop_knot();
    skip_or_fail("knotd did not start on 127.0.0.1:$DNS_PORT: $log");
}

# -------------------------------------------------------------- helpers

sub json_of {
    my ($res) = @_;
    my $d = eval { JSON::PP->new->utf8->decode($res->content) };
    diag("not JSON: $@") unless ref $d eq 'HASH';
    return ref $d eq 'HASH' ? $d : {};
}

# The status page's number of each vhost (vhost-N), by ServerName.
my (%INDEX, $NVHOSTS);
{
    my $d = json_of(vhost_get(ck_check => STATUS . '?json'));
    $NVHOSTS = 0;
    for my $v (@{ $d->{vhosts} // [] }) {
        $NVHOSTS++;
        $INDEX{ $v->{server_name} // '' } //= $NVHOSTS;
    }
}
my $N_CHECK     = $INDEX{'check.example.test'};
my $N_DEAD      = $INDEX{'dead.example.test'};
my $N_COVERED   = $INDEX{'tls-covered.example.test'};
my $N_UNCOVERED = $INDEX{'tls-uncovered.example.test'};

sub log_count {
    my ($re) = @_;
    open my $fh, '<', $ERROR_LOG or return 0;
    my $n = grep { /$re/ } <$fh>;
    return $n;
}

# The check of one vhost's domains, from ?check=N&json.
sub check_json {
    my ($vhost, $n) = @_;
    my $res = vhost_get($vhost => STATUS . "?check=$n&json");
    is($res->code, 200, "?check=$n&json: 200") or diag($res->as_string);
    like($res->header('Content-Type') // '', qr{^application/json}, 'JSON');
    return json_of($res)->{check} // {};
}

# name => entry of every domain's "records" or "tls" list.
sub entries_of {
    my ($check, $list) = @_;
    my %r;
    for my $v (@{ $check->{vhosts} // [] }) {
        for my $d (@{ $v->{domains} }) {
            $r{ $_->{name} } = $_ for @{ $d->{$list} };
        }
    }
    return \%r;
}
sub records_of { entries_of($_[0], 'records') }
sub tls_of     { entries_of($_[0], 'tls') }

sub cert_end {
    my ($file) = @_;
    my $out = `openssl x509 -in '$file' -noout -enddate`;
    my %mon; @mon{qw(Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec)} = 0 .. 11;
    my ($mon, $d, $h, $m, $s, $y) =
        $out =~ /notAfter=(\w{3})\s+(\d+)\s+(\d+):(\d+):(\d+)\s+(\d+)\s+GMT/ or return;
    return POSIX::strftime('%Y-%m-%dT%H:%M:%SZ',
                           gmtime(Time::Local::timegm($s, $m, $h, $d, $mon{$mon}, $y)));
}

ok($N_CHECK && $N_DEAD && $N_COVERED && $N_UNCOVERED, 'the status page lists the check vhosts')
    or BAIL_OUT('vhosts of t/conf/status_check.conf.in missing');

# ----------------------------------------------- the plain page: no check

subtest 'the plain page offers the check but does not run it' => sub {
    my $before = log_count(qr/MAC00611/);
    my $res = vhost_get(ck_check => STATUS);
    is($res->code, 200, 'status 200');
    my $doc = eval { parse_xml($res->content) };
    ok($doc, 'well-formed') or return diag($@);
    my $xc = XML::LibXML::XPathContext->new($doc);
    my ($sec) = $xc->findnodes('//section[@id="check"]');
    ok($sec, 'a section with id "check"') or return;
    ok($xc->findnodes('.//a[@href="?check"]', $sec)->size, 'a link to ?check');
    ok($xc->findnodes(".//a[\@href=\"?check=$N_CHECK\"]", $sec)->size,
       'a link that checks one vhost');
    is($xc->findnodes('.//tr[@data-verdict]', $sec)->size, 0, 'no verdicts');
    my $j = json_of(vhost_get(ck_check => STATUS . '?json'));
    ok(exists $j->{check} && !defined $j->{check}, '?json: "check" is null');
    is(log_count(qr/MAC00611/), $before, 'no check was run (no MAC00611 log line)');
};

# ------------------------------------------------------- DNS verdicts

subtest 'DNS verdicts (JSON)' => sub {
    my $c = check_json(ck_check => $N_CHECK);
    is($c->{resolver}, "127.0.0.1:$DNS_PORT", 'the configured resolver');
    ok(!$c->{resolver_unreachable}, 'the resolver answered');
    ok(!$c->{cut}, 'not cut');
    is(scalar @{ $c->{vhosts} }, 1, 'one vhost');
    is($c->{vhosts}[0]{server_name}, 'check.example.test', 'ck_check');
    # _imap._tcp has two advised values? no: one; the same name is asked once.
    cmp_ok($c->{queries}, '<=', scalar keys %EXPECT, 'one query per name and type');
    my $r = records_of($c);
    is_deeply([sort keys %$r], [sort keys %EXPECT], 'every advised record has a verdict');
    for my $name (sort keys %EXPECT) {
        my ($verdict, $found, $note) = @{ $EXPECT{$name} };
        my $got = $r->{$name} or next;
        is($got->{verdict}, $verdict, "$name: $verdict");
        is_deeply([sort @{ $got->{found} }], $found, "$name: found @$found");
        if ($note) {
            like($got->{note} // '', $note, "$name: note $note");
        }
        else {
            ok(!defined $got->{note}, "$name: no note");
        }
    }
};

subtest 'DNS verdicts (HTML)' => sub {
    my $res = vhost_get(ck_check => STATUS . "?check=$N_CHECK");
    is($res->code, 200, 'status 200');
    like($res->header('Content-Type') // '', qr{^text/html}, 'HTML');
    like($res->header('Content-Security-Policy') // '', qr/default-src 'none'/, 'the CSP');
    my $doc = eval { parse_xml($res->content) };
    ok($doc, 'well-formed') or return diag($@);
    my $xc = XML::LibXML::XPathContext->new($doc);
    ok($xc->findnodes("//section[\@id=\"check-vhost-$N_CHECK\"]")->size, 'the vhost section');
    for my $name (sort keys %EXPECT) {
        my ($verdict, $found) = @{ $EXPECT{$name} };
        my @rows = $xc->findnodes("//section[\@id=\"check\"]//tr[\@data-name=\"$name\"]");
        is(scalar @rows, 1, "$name: one row") or next;
        is($rows[0]->getAttribute('data-verdict'), $verdict, "$name: $verdict");
        is($rows[0]->getAttribute('class'), "verdict-$verdict", "$name: class");
        my $text = $rows[0]->textContent;
        like($text, qr/\Q$_\E/, "$name: shows $_") for @$found;
    }
};

subtest 'results are kept a while per child' => sub {
    # One connection: the same child answers both.
    my $ua = LWP::UserAgent->new(keep_alive => 1, timeout => 30);
    my $url = vhost_url(ck_check => STATUS . "?check=$N_CHECK&json");
    my $first = json_of($ua->get($url))->{check} // {};
    my $second_res = $ua->get($url);
    my $second = json_of($second_res)->{check} // {};
    ok($second->{from_cache}, 'the second check comes from the cache');
    is($second->{checked}, $first->{checked}, 'with the time of the first')
        if $first->{from_cache} == 0;
    my $html = $ua->get(vhost_url(ck_check => STATUS . "?check=$N_CHECK"))->content;
    like($html, qr/id="check-cached"/, 'the page says so');
};

# --------------------------------------------------------- certificates

subtest 'a certificate that covers the names' => sub {
    my $c = check_json(ck_check => $N_COVERED);
    my $t = tls_of($c);
    my $end = cert_end("$T_DIR/tmp/status_check/good.crt");
    ok($end, "the certificate's end date ($end)");
    like($c->{vhosts}[0]{tls_address} // '', qr/:\Q@{[Apache::Test::config()->{vhosts}{ck_covered_ssl}{port}]}\E$/,
         "read at the vhost's own port");
    for my $n (qw(autoconfig.covered.test autodiscover.covered.test)) {
        is($t->{$n}{verdict}, 'covered', "$n: covered");
        is($t->{$n}{not_after}, $end, "$n: expires $end");
        ok(!$t->{$n}{expired}, "$n: not expired");
        like($t->{$n}{certificate_names} // '', qr/\Q$n\E/, "$n: listed");
    }
    my $html = vhost_get(ck_check => STATUS . "?check=$N_COVERED")->content;
    like($html, qr/<tr class="tls-covered" data-verdict="covered" data-name="autoconfig\.covered\.test">/,
         'HTML: covered');
    like($html, qr/<time datetime="\Q$end\E">/, 'HTML: the expiry');
};

subtest 'a certificate for other names' => sub {
    my $c = check_json(ck_check => $N_UNCOVERED);
    my $t = tls_of($c);
    my $end = cert_end("$T_DIR/tmp/status_check/bad.crt");
    for my $n (qw(autoconfig.uncovered.test autodiscover.uncovered.test)) {
        is($t->{$n}{verdict}, 'not_covered', "$n: not covered");
        is($t->{$n}{not_after}, $end, "$n: expires $end");
        is($t->{$n}{certificate_names}, 'other.example.test', "$n: the certificate's name");
    }
    my $html = vhost_get(ck_check => STATUS . "?check=$N_UNCOVERED")->content;
    like($html, qr/data-verdict="not_covered" data-name="autodiscover\.uncovered\.test"/,
         'HTML: not covered');
};

subtest 'no HTTPS on a plain vhost' => sub {
    my $t = tls_of(check_json(ck_check => $N_CHECK));
    is($t->{'autoconfig.good.test'}{verdict}, 'failed', 'failed');
    like($t->{'autoconfig.good.test'}{error} // '', qr/handshake/, 'the handshake failed');
};

# ------------------------------------------------ a resolver that is dead

subtest 'a resolver that does not answer: no answer, quickly' => sub {
    my $t0 = Time::HiRes::time();
    my $c = check_json(ck_dead => $N_DEAD);
    my $took = Time::HiRes::time() - $t0;
    cmp_ok($took, '<', 15, sprintf('answered in %.1f s', $took));
    ok($c->{resolver_unreachable}, 'resolver_unreachable');
    cmp_ok($c->{queries}, '<=', 1, 'one query, then no more');
    my $r = records_of($c);
    ok(scalar(keys %$r) >= 9, 'every record listed');
    is($r->{$_}{verdict}, 'no_answer', "$_: no answer") for sort keys %$r;
    my $res = vhost_get(ck_dead => STATUS . "?check=$N_DEAD");
    is($res->code, 200, 'the HTML page: 200');
    like($res->content, qr/id="check-unreachable"/, 'it says the resolver did not answer');
};

subtest 'a resolver that never replies: one timeout, then no more' => sub {
    # A UDP socket on ck_dead's resolver port that reads nothing.  The
    # check of good.test (not yet asked through ck_dead, so not cached).
    my $sock = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $DEAD_PORT,
                                     Proto => 'udp');
    ok($sock, "a silent UDP socket on 127.0.0.1:$DEAD_PORT") or return diag($!);
    my $t0 = Time::HiRes::time();
    my $c = check_json(ck_dead => $N_CHECK);
    my $took = Time::HiRes::time() - $t0;
    close $sock;
    cmp_ok($took, '>=', 1.5, sprintf('it waited for the timeout (%.1f s)', $took));
    cmp_ok($took, '<', 12, 'about 2 tries of 2 s, not one timeout per record');
    is($c->{queries}, 1, 'one query');
    my $r = records_of($c);
    is($r->{'autoconfig.good.test.'}{note}, 'timed out', 'the first: timed out');
    is($r->{$_}{verdict}, 'no_answer', "$_: no answer") for sort keys %$r;
};

subtest 'every vhost at once stays within the bounds' => sub {
    my $res = vhost_get(ck_check => STATUS . '?check&json');
    is($res->code, 200, '?check&json: 200');
    my $chk = json_of($res)->{check} // {};
    is(scalar @{ $chk->{vhosts} // [] }, $NVHOSTS, 'every vhost');
    cmp_ok($chk->{queries}, '<=', $chk->{max_queries} // 200, 'queries within the bound');
    cmp_ok($chk->{probes}, '<=', $chk->{max_probes} // 40, 'TLS connections within the bound');
    is($chk->{max_queries}, 200, 'the bound is 200 queries');
};

# ------------------------------------------------------------- metrics

subtest '?metrics' => sub {
    my $before = vhost_get(ck_check => STATUS . '?metrics')->content;
    my ($n0) = $before =~ /^mailautoconf_requests_total\{endpoint="thunderbird",outcome="served"\} (\d+)$/m;
    vhost_get(ck_check => '/mail/config-v1.1.xml?emailaddress=a@good.test');
    my $res = vhost_get(ck_check => STATUS . '?metrics');
    is($res->code, 200, 'status 200');
    is($res->header('Content-Type'), 'text/plain; version=0.0.4; charset=utf-8', 'the content type');
    my $body = $res->content;
    like($body, qr/^# HELP mailautoconf_requests_total \S.*$/m, 'HELP');
    like($body, qr/^# TYPE mailautoconf_requests_total counter$/m, 'TYPE counter');
    my ($n1) = $body =~ /^mailautoconf_requests_total\{endpoint="thunderbird",outcome="served"\} (\d+)$/m;
    ok(defined $n0 && defined $n1, 'a thunderbird/served sample');
    cmp_ok($n1, '>=', ($n0 // 0) + 1, 'counts the request just made');
    my $counters = json_of(vhost_get(ck_check => STATUS . '?json'))->{counters} // {};
    for my $ep (sort keys %$counters) {
        for my $out (grep { $_ ne 'total' } sort keys %{ $counters->{$ep} }) {
            like($body, qr/^mailautoconf_requests_total\{endpoint="\Q$ep\E",outcome="\Q$out\E"\} \d+$/m,
                 "$ep/$out");
        }
    }
    like($body, qr/^mailautoconf_config_loaded_timestamp_seconds \d+$/m, 'the load time');
    for my $line (split /\n/, $body) {
        next if $line =~ /^# (HELP|TYPE) /;
        like($line, qr/^mailautoconf_[a-z_]+(\{[a-z_]+="(?:[^"\\\n]|\\.)*"(,[a-z_]+="(?:[^"\\\n]|\\.)*")*\})? \d+$/,
             "a valid sample line: $line") or last;
    }
};

# -------------------------------------------------------- bad queries

subtest 'unknown query strings: 400' => sub {
    my $before = log_count(qr/MAC00610/);
    my @bad = ('foo', 'check=0', 'check=99999', 'check=1x', 'check=', 'check=01',
               'json&json', 'check&check', 'metrics&json', 'metrics&check',
               'json&', '&json', 'JSON', 'check%3D1', '%3Cscript%3E', 'json%00x');
    for my $q (@bad) {
        my $res = vhost_get(ck_check => STATUS . "?$q");
        is($res->code, 400, "?$q: 400");
        like($res->header('Content-Type') // '', qr{^text/plain}, "?$q: text/plain");
        like($res->content, qr/^Bad request: the status page takes/, "?$q: says what it takes");
    }
    is(log_count(qr/MAC00610/) - $before, scalar @bad, 'a MAC00610 line each');
    for my $q ('json', 'check', "check=$N_DEAD", "json&check=$N_DEAD", 'metrics') {
        is(vhost_get(ck_dead => STATUS . "?$q")->code, 200, "?$q: 200");
    }
};

done_testing();
