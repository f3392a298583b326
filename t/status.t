# SPDX-License-Identifier: Apache-2.0
# Licensed under the Apache License, Version 2.0; see LICENSE.
# The status page (SetHandler mailautoconf-status): the HTML page and its
# headers, the ?json form, the request counters shared by all children,
# methods, and the request's Host never reaching the page.
# Vhosts: st_status and st_nostatus in t/conf/status.conf.in.  Layout of
# the page and of the JSON: src/mac_status.h; DNS records: src/mac_dns.h.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use MailAutoconfTest qw(vhost_get vhost_request parse_xml);
use JSON::PP ();
use Time::HiRes ();
use URI ();
use XML::LibXML ();

use constant {
    STATUS    => '/mail-status',
    NS_REQ    => 'http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006',
    NS_OUTLOOK => 'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a',
    HTML_CSP  => "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
};

my $PORT = Apache::Test::config()->{vhosts}->{st_status}->{port};
my $BASE = "http://status.example.test:$PORT";
my @ENDPOINT_KEYS = qw(thunderbird autodiscover autodiscover-json mobileconfig mobileconfig-page);
my @OUTCOMES = qw(served redirected not_found bad_request error);

# st_status as configured; the main server's servers are not inherited
# since every protocol is set.
my @ST_SERVERS = (
    { protocol => 'imap', host => 'imap.example.com', port => 993,
      socket => 'ssl', auth => 'password-cleartext' },
    { protocol => 'imap', host => 'imap.example.com', port => 143,
      socket => 'starttls', auth => 'password-cleartext' },
    { protocol => 'pop3', host => 'pop.example.com', port => 110,
      socket => 'plain', auth => 'password-cleartext' },
    { protocol => 'smtp', host => 'smtp.example.com', port => 465,
      socket => 'ssl', auth => 'password-cleartext' },
);
my $PLAIN_WARNING = qr/^pop3 server pop\.example\.com:110 uses socket type plain: passwords travel unencrypted/;
my $HTTP_WARNING = qr/plain HTTP and does not redirect to HTTPS \(MailAutoconfRedirectHTTPS\): Outlook/;

# What mac_dns.h says a domain of st_status needs.
sub dns_expect {
    my ($d) = @_;
    my $rr = sub { { name => $_[0], type => $_[1], value => $_[2], comment => $_[3] } };
    return [
        $rr->("autoconfig.$d.", 'CNAME', 'status.example.test.', 'Thunderbird autoconfig'),
        $rr->("autodiscover.$d.", 'CNAME', 'status.example.test.', 'Outlook Autodiscover'),
        $rr->("_autodiscover._tcp.$d.", 'SRV', '0 0 443 status.example.test.',
              'Outlook Autodiscover (SRV fallback)'),
        $rr->("_imaps._tcp.$d.", 'SRV', '0 1 993 imap.example.com.', 'IMAP over TLS (RFC 8314)'),
        # STARTTLS ranks after its implicit-TLS twin (RFC 8314 5.1).
        $rr->("_imap._tcp.$d.", 'SRV', '1 1 143 imap.example.com.', 'IMAP with STARTTLS (RFC 6186)'),
        $rr->("_pop3s._tcp.$d.", 'SRV', '0 0 0 .', 'POP3 over TLS: not offered'),
        $rr->("_pop3._tcp.$d.", 'SRV', '0 1 110 pop.example.com.', 'POP3 without TLS (RFC 6186)'),
        $rr->("_submissions._tcp.$d.", 'SRV', '0 1 465 smtp.example.com.',
              'SMTP submission over TLS (RFC 8314)'),
        $rr->("_submission._tcp.$d.", 'SRV', '0 0 0 .', 'SMTP submission: not offered'),
    ];
}

# ----------------------------------------------------------------- helpers

sub get_status { vhost_get(st_status => STATUS . ($_[0] // ''), @_[1 .. $#_]) }

sub decode_json_res {
    my ($res) = @_;
    my $data = eval { JSON::PP->new->utf8->decode($res->content) };
    diag("not JSON: $@") unless ref $data eq 'HASH';
    return ref $data eq 'HASH' ? $data : undef;
}

sub status_json {
    my $res = get_status('?json');
    is($res->code, 200, 'status ?json: 200') or diag($res->as_string);
    return decode_json_res($res) // {};
}

sub counters { status_json()->{counters} // {} }

sub html_doc {
    my ($content) = @_;
    return XML::LibXML->new(recover => 2, suppress_errors => 1,
                            suppress_warnings => 1, no_network => 1)
        ->load_html(string => $content);
}

sub text_of { my ($doc, $xp) = @_; my ($n) = $doc->findnodes($xp); $n ? $n->textContent : undef }
sub texts   { my ($node, $xp) = @_; [ map { $_->textContent } $node->findnodes($xp) ] }

sub outlook_body {
    my ($email) = @_;
    return '<Autodiscover xmlns="' . NS_REQ . '"><Request>'
         . "<EMailAddress>$email</EMailAddress>"
         . '<AcceptableResponseSchema>' . NS_OUTLOOK . '</AcceptableResponseSchema>'
         . '</Request></Autodiscover>';
}

# Counter differences: after - before, per endpoint and outcome.
sub counter_diff {
    my ($before, $after) = @_;
    my %d;
    for my $ep (@ENDPOINT_KEYS) {
        for my $k (@OUTCOMES, 'total') {
            $d{$ep}{$k} = ($after->{$ep}{$k} // -1e9) - ($before->{$ep}{$k} // 0);
        }
    }
    return \%d;
}

# ======================================================== the HTML page

my $html_res = get_status();
is($html_res->code, 200, 'HTML: 200') or diag($html_res->as_string);
is($html_res->header('Content-Type'), 'text/html; charset=utf-8', 'HTML: Content-Type');
is($html_res->header('Content-Security-Policy'), HTML_CSP, 'HTML: Content-Security-Policy');
is($html_res->header('Cache-Control'), 'no-store', 'HTML: Cache-Control no-store');
is($html_res->header('X-Content-Type-Options'), 'nosniff', 'HTML: nosniff');
my $html = $html_res->content;
like($html, qr/\A<!DOCTYPE html>/i, 'HTML: an HTML5 document');
ok(eval { parse_xml($html); 1 }, 'HTML: also well-formed XML, as mac_status.h promises')
    or diag($@);

my $doc = html_doc($html);
like(text_of($doc, '//*[@id="version"]') // '', qr/^\d+\.\d+\.\d+/, 'HTML: #version');
my ($started) = $doc->findnodes('//*[@id="started"]');
like($started ? $started->getAttribute('datetime') : '',
     qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'HTML: #started has an RFC 3339 datetime');
my ($uptime) = $doc->findnodes('//*[@id="uptime"]');
like($uptime ? $uptime->getAttribute('data-seconds') : '', qr/^\d+$/,
     'HTML: #uptime has data-seconds');
is_deeply(texts($doc, '//table[@id="counters"]/tbody/tr/th'), \@ENDPOINT_KEYS,
          'HTML: #counters has a row per endpoint');
cmp_ok(text_of($doc, '//*[@id="problem-count"]') =~ /^(\d+)/ ? $1 : 0, '>=', 1,
       'HTML: #problem-count counts the plain POP3 server');

# The virtual hosts, listed by ServerName, each linking to its section.
my @nav = $doc->findnodes('//nav//li/a[starts-with(@href, "#vhost-")][not(contains(@href, "-problems"))]');
my %nav = map { $_->textContent => $_->getAttribute('href') } @nav;
ok(exists $nav{'status.example.test'}, 'HTML: nav lists status.example.test');
ok(exists $nav{'nostatus.example.test'}, 'HTML: nav lists nostatus.example.test');
my $all_linked = 1;
for my $a (@nav) {
    (my $id = $a->getAttribute('href')) =~ s/^#//;
    my ($sec) = $doc->findnodes(qq{//section[\@id="$id"]});
    my $h2 = $sec ? text_of($doc, qq{//*[\@id="$id-name"]}) : undef;
    $all_linked &&= defined $h2 && $h2 eq $a->textContent;
}
ok($all_linked && @nav >= 2, 'HTML: every nav entry links to a section headed by its ServerName');

my ($vn) = ($nav{'status.example.test'} // '') =~ /^#vhost-(\d+)$/;
$vn //= 0;
my ($sec) = $doc->findnodes(qq{//section[\@id="vhost-$vn"]});
ok($sec, "HTML: st_status is section vhost-$vn") or do { done_testing(); exit 1 };

my %kv;
for my $dt ($sec->findnodes('./dl/dt')) {
    my ($dd) = $dt->findnodes('following-sibling::dd[1]');
    $kv{ $dt->textContent } = $dd;
}
is_deeply(texts($kv{Aliases}, './code'),
          ['autoconfig.example.com', 'autodiscover.example.com'], 'HTML: aliases');
like($kv{'Defined at'}->textContent, qr{/t/conf/status\.conf:\d+$}, 'HTML: defined at file:line');
is_deeply(texts($kv{Domains}, './code'), ['example.com', 'example.org'], 'HTML: domains');
like($kv{Domains}->textContent, qr/^example\.com \(default\), example\.org$/,
     'HTML: the first domain is marked default');
is($kv{'Login name'}->textContent, '%EMAILADDRESS%', 'HTML: login name');
is($kv{'Display name'}->textContent, 'Status <Mail> & Co', 'HTML: display name');
like($html, qr/Status &lt;Mail&gt; &amp; Co/, 'HTML: display name escaped in the source');
unlike($html, qr/<Mail>/, 'HTML: no raw markup from the configuration');
like($kv{'Apple profile'}->textContent, qr{^/email\.mobileconfig, not signed$}, 'HTML: Apple profile');

# The servers table.
my @rows = map { texts($_, './td') } $sec->findnodes(qq{.//table[\@aria-labelledby="vhost-$vn-servers"]/tbody/tr});
is_deeply(\@rows, [
    [1, 'imap', 'imap.example.com', 993, 'ssl', 'password-cleartext'],
    [2, 'imap', 'imap.example.com', 143, 'starttls', 'password-cleartext'],
    [3, 'pop3', 'pop.example.com', 110, 'plain', 'password-cleartext'],
    [4, 'smtp', 'smtp.example.com', 465, 'ssl', 'password-cleartext'],
], 'HTML: servers table, in configured order by protocol');

# Problems: the plain POP3 server.
my @problems = $sec->findnodes(qq{.//*[\@id="vhost-$vn-problems"]/following-sibling::ul[1]/li});
is(scalar @problems, 2, 'HTML: two problems listed');
like(@problems ? $problems[0]->textContent : '', qr/^Warning: pop3 server pop\.example\.com:110 uses socket type plain/,
     'HTML: the first is the plain-socket warning');
like(@problems > 1 ? $problems[1]->textContent : '', $HTTP_WARNING,
     'HTML: the second, plain HTTP without the HTTPS redirect');
ok(scalar $doc->findnodes(qq{//nav//a[\@href="#vhost-$vn-problems"][contains(., "2 problems")]}),
   'HTML: nav links to the problems');

# Sample links: one per endpoint, pointing at this vhost, asking for
# test@<first domain>; and each one works.
my %samples = map { $_->getAttribute('data-endpoint') => $_->getAttribute('href') }
              $sec->findnodes('.//a[@class="sample"]');
is_deeply(\%samples, {
    thunderbird => "$BASE/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=test%40example.com",
    autodiscover => "$BASE/autodiscover/autodiscover.xml?emailaddress=test%40example.com",
    'autodiscover-json' => "$BASE/autodiscover/autodiscover.json?Email=test%40example.com&Protocol=AutodiscoverV1",
    mobileconfig => "$BASE/email.mobileconfig",
}, 'HTML: sample links');
my %sample_type = (thunderbird => qr{^application/xml}, autodiscover => qr{^application/xml},
                   'autodiscover-json' => qr{^application/json}, mobileconfig => qr{^text/html});
for my $ep (sort keys %samples) {
    my $u = URI->new($samples{$ep});
    my $res = vhost_get(st_status => $u->path_query, Host => $u->host_port);
    is($res->code, 200, "sample link $ep works");
    like($res->header('Content-Type') // '', $sample_type{$ep}, "sample link $ep: content type");
}

# DNS: a <pre> zone block per domain.
my $dom_i = 0;
for my $d (qw(example.com example.org)) {
    $dom_i++;
    is(text_of($sec, qq{.//h4[\@id="vhost-$vn-dns-$dom_i"]}), $d, "HTML: DNS heading for $d");
    my $zone = text_of($sec, qq{.//pre[\@aria-labelledby="vhost-$vn-dns-$dom_i"]}) // '';
    my $qd = quotemeta $d;
    like($zone, qr/^_imaps\._tcp\.$qd\.\s+SRV\s+0 1 993 imap\.example\.com\.\s+;/m,
         "HTML: $d zone has the _imaps SRV record");
    like($zone, qr/^_imap\._tcp\.$qd\.\s+SRV\s+\d+ 1 143 imap\.example\.com\.\s+;/m,
         "HTML: $d zone has the _imap SRV record");
    like($zone, qr/^_pop3s\._tcp\.$qd\.\s+SRV\s+0 0 0 \.\s+;/m,
         "HTML: $d zone says POP3 over TLS is not offered");
    like($zone, qr/^autoconfig\.$qd\.\s+CNAME\s+status\.example\.test\.\s+;/m,
         "HTML: $d zone has the autoconfig CNAME");
    is(scalar(() = $zone =~ /\n/g), 9, "HTML: $d zone has nine lines");
}
ok(!$sec->findnodes(qq{.//*[\@id="vhost-$vn-dns-3"]}), 'HTML: no third DNS block');

# The other vhost: no problems.
my ($nvn) = ($nav{'nostatus.example.test'} // '') =~ /^#vhost-(\d+)$/;
$nvn //= 0;
like(text_of($doc, qq{//*[\@id="vhost-$nvn-problems"]/following-sibling::ul[1]/li[1]}) // '',
     $HTTP_WARNING, 'HTML: nostatus.example.test: plain HTTP without the redirect is a problem');
is(scalar(() = $doc->findnodes(qq{//*[\@id="vhost-$nvn-problems"]/following-sibling::ul[1]/li})), 1,
   'HTML: and its only one');
{
    # A virtual host redirecting plain HTTP to HTTPS has no such problem.
    my ($rd) = grep { $_->textContent eq 'ad-redirect.example.test' } @nav;
    (my $rid = $rd ? $rd->getAttribute('href') : '#none') =~ s/^#//;
    is(text_of($doc, qq{//*[\@id="$rid-problems"]/following-sibling::p[1]}), 'None found.',
       'HTML: ad-redirect.example.test (MailAutoconfRedirectHTTPS On) has no problem');
}

# Virtual hosts in the order of the configuration: the main server, then
# each Include'd file in turn, each file's hosts by line.
{
    my @inc;
    if (open my $fh, '<', Apache::Test::config()->{vars}{t_conf_file}) {
        while (<$fh>) { push @inc, $1 if /^\s*Include\s+"?([^"\s]+)"?/ }
    }
    my %rank = map { $inc[$_] => $_ } 0 .. $#inc;
    my @where;
    for my $a (@nav) {
        (my $id = $a->getAttribute('href')) =~ s/^#//;
        my ($dt) = $doc->findnodes(qq{//section[\@id="$id"]/dl/dt[.="Defined at"]});
        my $at = $dt ? ($dt->findnodes('following-sibling::dd[1]'))[0]->textContent : '';
        push @where, $at;
    }
    # (the main server here has no MailAutoconfDomain: it is not listed)
    shift @where if @where && $where[0] eq 'main server';
    is(scalar(grep { $_ eq 'main server' } @where), 0, 'order: the main server, if listed, first');
    my ($ok, $last_rank, $last_line) = (1, -1, 0);
    for my $w (@where) {
        my ($file, $line) = $w =~ /^(.*):(\d+)$/ or do { $ok = 0; diag("defined at '$w'"); last };
        my $r = $rank{$file} // do { $ok = 0; diag("$file is not Include'd"); last };
        if ($r < $last_rank || ($r == $last_rank && $line <= $last_line)) {
            $ok = 0;
            diag("$w comes after line $last_line of file #$last_rank");
            last;
        }
        ($last_rank, $last_line) = ($r, $line);
    }
    ok($ok && @where > 10, 'order: virtual hosts in the order of the configuration files');
}

# ============================================================= ?json

my $json_res = get_status('?json');
is($json_res->code, 200, 'JSON: 200');
is($json_res->header('Content-Type'), 'application/json; charset=utf-8', 'JSON: Content-Type');
is($json_res->header('Cache-Control'), 'no-store', 'JSON: Cache-Control no-store');
is($json_res->header('X-Content-Type-Options'), 'nosniff', 'JSON: nosniff');
my $j = decode_json_res($json_res) // {};

is($j->{version}, text_of($doc, '//*[@id="version"]'), 'JSON: version as on the page');
like($j->{started} // '', qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'JSON: started');
like($j->{now} // '', qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'JSON: now');
ok(($j->{now} // '') ge ($j->{started} // 'z'), 'JSON: now is not before started');
like($j->{uptime_seconds} // '', qr/^\d+$/, 'JSON: uptime_seconds');

is_deeply([sort keys %{ $j->{counters} // {} }], [sort @ENDPOINT_KEYS], 'JSON: counters per endpoint');
my $counters_ok = 1;
for my $ep (@ENDPOINT_KEYS) {
    my $c = $j->{counters}{$ep} // {};
    my $sum = 0;
    $sum += $c->{$_} // 0 for @OUTCOMES;
    $counters_ok &&= join(',', sort keys %$c) eq join(',', sort @OUTCOMES, 'total')
                  && !grep({ ($c->{$_} // '') !~ /^\d+$/ } keys %$c)
                  && $c->{total} == $sum;
}
ok($counters_ok, 'JSON: each counter has served/redirected/not_found/bad_request/error and their total');

my @vh = @{ $j->{vhosts} // [] };
is_deeply([ map { $_->{server_name} } @vh ],
          [ map { $_->textContent } @nav ], 'JSON: the same vhosts as the HTML page, in order');
my ($st) = grep { ($_->{server_name} // '') eq 'status.example.test' } @vh;
my ($nst) = grep { ($_->{server_name} // '') eq 'nostatus.example.test' } @vh;
ok($st && $nst, 'JSON: both vhosts of t/conf/status.conf.in listed') or do { done_testing(); exit 1 };

like(delete $st->{defined_at}, qr{/t/conf/status\.conf:\d+$}, 'JSON: defined_at');
my $problems = delete $st->{problems};
is(scalar @$problems, 2, 'JSON: two problems');
like($problems->[0] // '', $PLAIN_WARNING, 'JSON: the plain-socket warning');
like($problems->[1] // '', $HTTP_WARNING, 'JSON: the plain-HTTP warning');
my $dns = delete $st->{dns};
is_deeply($dns, { 'example.com' => dns_expect('example.com'),
                  'example.org' => dns_expect('example.org') },
          'JSON: DNS records per domain (mac_dns.h)');
is_deeply($st, {
    server_name => 'status.example.test',
    aliases => ['autoconfig.example.com', 'autodiscover.example.com'],
    base_url => $BASE, https_port => 443,
    domains => ['example.com', 'example.org'],
    servers => \@ST_SERVERS,
    login_template => '%EMAILADDRESS%',
    display_name => 'Status <Mail> & Co', short_name => undef,
    documentation => undef,
    profile_path => '/email.mobileconfig', profile_signed => JSON::PP::false,
    activesync_url => undef, https_redirect => undef,
    endpoints => {
        thunderbird => "$BASE/.well-known/autoconfig/mail/config-v1.1.xml",
        autodiscover => "$BASE/autodiscover/autodiscover.xml",
        'autodiscover-json' => "$BASE/autodiscover/autodiscover.json",
        mobileconfig => "$BASE/email.mobileconfig",
    },
    samples => \%samples,
}, 'JSON: st_status, every other key');

my $nport = Apache::Test::config()->{vhosts}->{st_nostatus}->{port};
is_deeply({ map { $_ => $nst->{$_} } qw(aliases base_url domains servers display_name problems) }, {
    aliases => [], base_url => "http://nostatus.example.test:$nport",
    domains => ['nostatus.test'],
    servers => [
        { protocol => 'imap', host => 'imap.main.test', port => 993, socket => 'ssl',
          auth => 'password-cleartext' },
        { protocol => 'smtp', host => 'smtp.main.test', port => 465, socket => 'ssl',
          auth => 'password-cleartext' },
    ],
    display_name => 'Main Provider', problems => [$nst->{problems}[0]],
}, 'JSON: st_nostatus, with what it inherits from the main server');
like($nst->{problems}[0] // '', $HTTP_WARNING, 'JSON: st_nostatus: the plain-HTTP warning');
is_deeply([ sort keys %{ $nst->{dns} // {} } ], ['nostatus.test'], 'JSON: st_nostatus DNS for its domain');

# =========================================================== counters

# The log_transaction hook counts a request after its answer is sent:
# poll (bounded) until the expected numbers show, then compare exactly.
sub wait_counters {
    my ($before, $expect) = @_;
    my $diff;
    for (1 .. 40) {
        $diff = counter_diff($before, counters());
        return $diff if JSON::PP->new->canonical->encode($diff)
                     eq JSON::PP->new->canonical->encode($expect);
        Time::HiRes::sleep(0.1);
    }
    return $diff;
}

sub zero_diff {
    return { map { my $ep = $_; ($ep => { map { $_ => 0 } @OUTCOMES, 'total' }) } @ENDPOINT_KEYS };
}

{
    # Status requests, of any method, are not counted.
    my $before = counters();
    get_status() for 1 .. 2;
    get_status('?json');
    vhost_request(st_status => 'HEAD', STATUS);
    vhost_request(st_status => 'POST', STATUS, 'x=1',
                  'Content-Type' => 'application/x-www-form-urlencoded');
    vhost_request(st_status => 'OPTIONS', STATUS);
    Time::HiRes::sleep(0.3);
    is_deeply(counter_diff($before, counters()), zero_diff(),
              'counters: status page requests are not counted');
}

{
    my $before = counters();
    my $tb = '/.well-known/autoconfig/mail/config-v1.1.xml';
    my $ad = '/autodiscover/autodiscover.xml';
    my @codes;
    my $r = sub { my $res = shift; push @codes, $res->code; $res };

    # Thunderbird: 4 served (one a 304), 2 not found, 3 bad requests.
    my $first = $r->(vhost_get(st_status => "$tb?emailaddress=a\@example.com"));
    $r->(vhost_get(st_status => '/mail/config-v1.1.xml'));
    $r->(vhost_get(st_status => "$tb?emailaddress=b\@example.org"));
    $r->(vhost_get(st_status => $tb, 'If-None-Match' => $first->header('ETag') // '"x"'));
    $r->(vhost_get(st_status => "$tb?emailaddress=a\@foreign.test"));
    $r->(vhost_get(st_status => "/mail/config-v1.1.xml?emailaddress=b\@foreign.test"));
    $r->(vhost_get(st_status => "$tb?emailaddress=a..b\@example.com"));
    $r->(vhost_get(st_status => "$tb?emailaddress=no-at-sign"));
    $r->(vhost_request(st_status => 'DELETE', $tb));

    # Outlook: 3 served, 2 not found, 3 bad requests.
    $r->(vhost_request(st_status => 'POST', $ad, outlook_body('a@example.com'), 'Content-Type' => 'text/xml'));
    $r->(vhost_request(st_status => 'POST', $ad, outlook_body('b@example.org'), 'Content-Type' => 'text/xml'));
    $r->(vhost_get(st_status => "$ad?emailaddress=c\@example.com"));
    $r->(vhost_request(st_status => 'POST', $ad, outlook_body('a@foreign.test'), 'Content-Type' => 'text/xml'));
    $r->(vhost_get(st_status => "$ad?emailaddress=b\@foreign.test"));
    $r->(vhost_request(st_status => 'POST', $ad, '<Autodiscover><Request>', 'Content-Type' => 'text/xml'));
    $r->(vhost_request(st_status => 'POST', $ad, outlook_body('a@example.com'), 'Content-Type' => 'text/plain'));
    $r->(vhost_get(st_status => $ad));

    # Redirects to HTTPS (ad_redirect): 1 Thunderbird, 1 Outlook.
    $r->(vhost_get(ad_redirect => "$tb?emailaddress=a\@example.com"));
    $r->(vhost_request(ad_redirect => 'POST', $ad, outlook_body('a@example.com'), 'Content-Type' => 'text/xml'));

    # Apple: 2 page views (GET, HEAD), apart from 1 profile served and
    # 1 bad request.
    my $mc = '/email.mobileconfig';
    $r->(vhost_get(st_status => $mc));
    $r->(vhost_request(st_status => 'HEAD', $mc));
    $r->(vhost_get(st_status => "$mc?emailaddress=a\@example.com"));
    $r->(vhost_get(st_status => "$mc?emailaddress=nope"));

    is_deeply(\@codes, [200, 200, 200, 304, 404, 404, 400, 400, 405,
                        200, 200, 200, 404, 404, 400, 415, 400,
                        301, 308, 200, 200, 200, 400],
              'counters: the requests got the expected answers');

    my $expect = zero_diff();
    $expect->{thunderbird} = { served => 4, redirected => 1, not_found => 2, bad_request => 3, error => 0, total => 10 };
    $expect->{autodiscover} = { served => 3, redirected => 1, not_found => 2, bad_request => 3, error => 0, total => 9 };
    $expect->{mobileconfig} = { served => 1, redirected => 0, not_found => 0, bad_request => 1, error => 0, total => 2 };
    $expect->{'mobileconfig-page'} = { served => 2, redirected => 0, not_found => 0, bad_request => 0, error => 0, total => 2 };
    is_deeply(wait_counters($before, $expect), $expect,
              'counters: exact differences per endpoint and outcome, across children');

    # The HTML table shows the same numbers as the JSON.
    my $now = counters();
    my $d = html_doc(get_status()->content);
    my %row = map { my $tr = $_; (text_of($tr, './th') => texts($tr, './td')) }
              $d->findnodes('//table[@id="counters"]/tbody/tr');
    is_deeply(\%row, { map { my $c = $now->{$_}; ($_ => [ map { $c->{$_} } @OUTCOMES, 'total' ]) }
                       @ENDPOINT_KEYS },
              'counters: the HTML table agrees with the JSON');
}

# ============================================================ methods

{
    my $res = vhost_request(st_status => 'HEAD', STATUS);
    is($res->code, 200, 'HEAD: 200');
    is($res->header('Content-Type'), 'text/html; charset=utf-8', 'HEAD: Content-Type');
    is($res->header('Cache-Control'), 'no-store', 'HEAD: no-store');
    is($res->header('Content-Security-Policy'), HTML_CSP, 'HEAD: CSP');
    cmp_ok($res->header('Content-Length') // 0, '>', 1000, 'HEAD: Content-Length of the page');
    is($res->content, '', 'HEAD: no body');

    $res = vhost_request(st_status => 'HEAD', STATUS . '?json');
    is($res->code, 200, 'HEAD ?json: 200');
    is($res->header('Content-Type'), 'application/json; charset=utf-8', 'HEAD ?json: Content-Type');
    is($res->content, '', 'HEAD ?json: no body');

    for my $m (qw(POST PUT DELETE)) {
        $res = vhost_request(st_status => $m, STATUS, 'a=b',
                             'Content-Type' => 'application/x-www-form-urlencoded');
        is($res->code, 405, "$m: 405");
        is($res->header('Allow'), 'GET, HEAD, OPTIONS', "$m: Allow");
        unlike($res->content, qr/Mail autoconfiguration status|vhost-/, "$m: not the page");
    }
    $res = vhost_request(st_status => 'OPTIONS', STATUS);
    is($res->code, 200, 'OPTIONS: 200');
    is($res->header('Allow'), 'GET, HEAD, OPTIONS', 'OPTIONS: Allow');
}

# ===================================== what the request says is never shown

{
    my $res = get_status('', Host => 'zq7hostmark.example');
    is($res->code, 200, 'unknown Host: still the page');
    unlike($res->content, qr/zq7hostmark/i, 'unknown Host: not echoed in the HTML');
    $res = get_status('?json', Host => 'zq7hostmark.example');
    unlike($res->content, qr/zq7hostmark/i, 'unknown Host: not echoed in the JSON');

    $res = get_status('', Host => '<b>zq7hostmarkup</b>');
    ok($res->code == 200 || $res->code == 400, 'Host with markup: 200 or 400, got ' . $res->code);
    unlike($res->content, qr/zq7hostmarkup|<b>/i, 'Host with markup: not echoed');

    $res = get_status('', Host => 'zq7quote"onmouseover=x.example');
    unlike($res->content, qr/zq7quote|onmouseover/i, 'Host with a quote: not echoed');

    $res = get_status('?%3Cscript%3Ezq7query%3C/script%3E');
    is($res->code, 400, 'query with markup: refused');
    unlike($res->content, qr/zq7query/i, 'query with markup: not echoed');

    # The sample links use the ServerName, whatever Host the page was asked for.
    my $d = html_doc(get_status('', Host => 'autodiscover.example.com')->content);
    my @hrefs = map { $_->getAttribute('href') } $d->findnodes(qq{//section[\@id="vhost-$vn"]//a[\@class="sample"]});
    ok(@hrefs == 4 && !grep({ index($_, "$BASE/") != 0 } @hrefs),
       'sample links are built from the ServerName, not the Host header');
}

# ============================================ a vhost without the Location

{
    my $res = vhost_get(st_nostatus => STATUS);
    is($res->code, 404, 'st_nostatus: /mail-status is 404');
    unlike($res->content, qr/Mail autoconfiguration status|id="counters"/,
           'st_nostatus: /mail-status is not the status page');
    $res = vhost_get(st_nostatus => STATUS . '?json');
    is($res->code, 404, 'st_nostatus: /mail-status?json is 404');
    unlike($res->content, qr/"vhosts"|"counters"/, 'st_nostatus: no JSON status');
    $res = vhost_get(st_nostatus => '/mail/config-v1.1.xml');
    is($res->code, 200, 'st_nostatus: its own endpoints answer');
}

done_testing();
