# SPDX-License-Identifier: Apache-2.0
# Licensed under the Apache License, Version 2.0; see LICENSE.
# PACC (draft-ietf-mailmaint-pacc): the document at
# https://ua-auto-config.<domain>/.well-known/user-agent-configuration.json,
# checked against the draft's rules (t/lib/PaccValidator.pm), its content
# per domain, its bytes stable, and the digest the status page publishes
# for it (_ua-auto-config.<domain> TXT) equal to the SHA-256 of the bytes
# served.  Scenarios: <VirtualHost pacc_*> in t/conf/pacc.conf.in.
use strict;
use warnings FATAL => 'all';
use utf8;

use Apache::Test qw(-withtestmore);
use MailAutoconfTest qw(vhost_get vhost_request);
use PaccValidator qw(pacc_errors);
use Digest::SHA ();
use JSON::PP ();
use Encode ();

use constant PACC => '/.well-known/user-agent-configuration.json';

sub pacc_get {
    my ($vhost, $host, %h) = @_;
    return vhost_get($vhost, PACC, Host => $host, %h);
}

sub b64_sha256 {
    my $d = Digest::SHA::sha256_base64($_[0]);
    $d .= '=' while length($d) % 4;
    return $d;
}

# ------------------------------------------------ the validator itself

subtest 'the validator refuses what the draft forbids' => sub {
    my $good = '{"protocols":{"imap":{"host":"imap.example.com"}},'
             . '"authentication":{"password":true},'
             . '"info":{"provider":{"name":"Example"}}}';
    is_deeply([pacc_errors($good)], [], 'a minimal document passes');
    my %bad = (
        'no protocols'        => '{"authentication":{"password":true},"info":{"provider":{"name":"E"}}}',
        'an http URL'         => '{"protocols":{"jmap":{"url":"http://j.example.com/"}},"authentication":{"password":true},"info":{"provider":{"name":"E"}}}',
        'a URL with fragment' => '{"protocols":{"jmap":{"url":"https://j.example.com/#x"}},"authentication":{"password":true},"info":{"provider":{"name":"E"}}}',
        'a host with a port'  => '{"protocols":{"imap":{"host":"imap.example.com:993"}},"authentication":{"password":true},"info":{"provider":{"name":"E"}}}',
        'password as string'  => '{"protocols":{"imap":{"host":"i.example.com"}},"authentication":{"password":"true"},"info":{"provider":{"name":"E"}}}',
        'an issuer with query'=> '{"protocols":{"imap":{"host":"i.example.com"}},"authentication":{"oauth-public":{"issuer":"https://id.example.com/?a"}},"info":{"provider":{"name":"E"}}}',
        'no provider name'    => '{"protocols":{"imap":{"host":"i.example.com"}},"authentication":{"password":true},"info":{"provider":{}}}',
        'a name of 61'        => '{"protocols":{"imap":{"host":"i.example.com"}},"authentication":{"password":true},"info":{"provider":{"name":"' . ('n' x 61) . '"}}}',
        'a short name of 21'  => '{"protocols":{"imap":{"host":"i.example.com"}},"authentication":{"password":true},"info":{"provider":{"name":"E","shortName":"' . ('s' x 21) . '"}}}',
        'a member twice'      => '{"protocols":{"imap":{"host":"i.example.com"},"imap":{"host":"j.example.com"}},"authentication":{"password":true},"info":{"provider":{"name":"E"}}}',
        'a BOM'               => "\xEF\xBB\xBF$good",
        'not JSON'            => '{"protocols":',
    );
    for my $k (sort keys %bad) {
        ok(scalar(pacc_errors($bad{$k})), "refused: $k");
    }
};

# ------------------------------------------------ pacc_full

my %DOCS;
for my $d (qw(full.test second.test)) {
    my $res = pacc_get('pacc_full', "ua-auto-config.$d");
    is($res->code, 200, "pacc_full: 200 for ua-auto-config.$d");
    is($res->header('Content-Type'), 'application/json', 'application/json');
    is($res->header('X-Content-Type-Options'), 'nosniff', 'nosniff');
    ok($res->header('ETag'), 'an ETag');
    is($res->header('Content-Length'), length($res->content), 'Content-Length');
    my @e = pacc_errors($res->content);
    is(scalar @e, 0, "valid by the draft's rules") or diag(join "\n", @e);
    $DOCS{$d} = $res->content;
}

my $full = JSON::PP->new->decode(Encode::decode('UTF-8', $DOCS{'full.test'}));
is_deeply($full->{protocols}, {
    jmap        => { url => 'https://jmap.full.test/.well-known/jmap' },
    imap        => { host => 'imap.full.test' },
    pop3        => { host => 'pop.full.test' },
    smtp        => { host => 'smtp.full.test' },
    managesieve => { host => 'sieve.full.test' },
}, 'protocols: JMAP, the implicit-TLS servers, ManageSieve; not the STARTTLS ones');
ok(JSON::PP::is_bool($full->{authentication}{password})
   && $full->{authentication}{password}, 'password: true');
is_deeply($full->{authentication}{'oauth-public'}, { issuer => 'https://auth.full.test' },
          'oauth-public: the issuer');
is_deeply($full->{info}, {
    provider => { name => 'Full "Mail" <Provider> \\ Grüße', shortName => 'Full' },
    help     => { documentation => 'https://help.full.test/mail' },
}, 'info: names and documentation');
my $second = JSON::PP->new->decode(Encode::decode('UTF-8', $DOCS{'second.test'}));
is($second->{protocols}{imap}{host}, 'imap.second.test',
   'the second domain: %EMAILDOMAIN% filled in');
isnt($DOCS{'full.test'}, $DOCS{'second.test'}, 'so its bytes differ');

# The domain itself as Host, again, and after other requests: the same bytes.
is(pacc_get('pacc_full', 'full.test')->content, $DOCS{'full.test'},
   'Host full.test: the same document');
is(pacc_get('pacc_full', 'UA-AUTO-CONFIG.FULL.TEST')->content, $DOCS{'full.test'},
   'Host in upper case: the same document');
vhost_get('pacc_full', '/mail/config-v1.1.xml?emailaddress=a@second.test');
is(pacc_get('pacc_full', 'ua-auto-config.full.test')->content, $DOCS{'full.test'},
   'byte-stable across requests');
{
    my $r = vhost_get('pacc_full', PACC . '?emailaddress=a@second.test',
                      Host => 'ua-auto-config.full.test');
    is($r->content, $DOCS{'full.test'}, 'the query plays no part');
}

# Conditional requests and HEAD.
{
    my $r = pacc_get('pacc_full', 'ua-auto-config.full.test');
    my $r2 = pacc_get('pacc_full', 'ua-auto-config.full.test',
                      'If-None-Match' => $r->header('ETag'));
    is($r2->code, 304, 'If-None-Match: 304');
    my $h = vhost_request('pacc_full', 'HEAD', PACC, undef,
                          Host => 'ua-auto-config.full.test');
    is($h->code, 200, 'HEAD: 200');
    is($h->content, '', 'HEAD: no body');
    is($h->header('Content-Length'), length $DOCS{'full.test'}, 'HEAD: the length');
    my $p = vhost_request('pacc_full', 'POST', PACC, 'x',
                          Host => 'ua-auto-config.full.test');
    is($p->code, 405, 'POST: 405');
    is($p->header('Allow'), 'GET, HEAD, OPTIONS', 'Allow');
}

# Unknown domains: nothing, whatever the Host.
for my $h ('ua-auto-config.unknown.test', 'unknown.test', 'mail.full.test',
           'ua-auto-config.example.com') {
    my $r = pacc_get('pacc_full', $h);
    is($r->code, 404, "Host $h: 404");
    unlike($r->content, qr/\Q$h\E/i, 'the Host is not repeated');
}

# ------------------------------------------------ the digest on the status page

my $st = vhost_get('pacc_full', '/mail-status?json');
is($st->code, 200, 'status ?json');
my $sj = JSON::PP->new->decode($st->content);
my ($vh) = grep { $_->{server_name} eq 'mail.full.test' } @{ $sj->{vhosts} };
ok($vh, 'the vhost on the status page');
for my $d (qw(full.test second.test)) {
    my @rr = @{ $vh->{dns}{$d} // [] };
    my ($txt) = grep { $_->{name} eq "_ua-auto-config.$d." } @rr;
    ok($txt, "$d: the _ua-auto-config TXT record") or next;
    is($txt->{type}, 'TXT', 'type TXT');
    is($txt->{value}, '"v=UAAC1; a=sha256; d=' . b64_sha256($DOCS{$d}) . '"',
       "$d: the digest is the SHA-256 of the served bytes");
    my ($cname) = grep { $_->{name} eq "ua-auto-config.$d." } @rr;
    is_deeply([$cname->{type}, $cname->{value}], ['CNAME', 'mail.full.test.'],
              "$d: ua-auto-config.$d. CNAME the server");
    my ($jmap) = grep { $_->{name} eq "_jmap._tcp.$d." } @rr;
    is_deeply([$jmap->{type}, $jmap->{value}], ['SRV', '0 1 443 jmap.full.test.'],
              "$d: _jmap._tcp SRV");
    my ($sieve) = grep { $_->{name} eq "_sieve._tcp.$d." } @rr;
    is_deeply([$sieve->{type}, $sieve->{value}],
              ['SRV', '0 1 4190 sieve.full.test.'],
              "$d: _sieve._tcp SRV");
}
{
    my $html = vhost_get('pacc_full', '/mail-status')->content;
    my $d = b64_sha256($DOCS{'full.test'});
    like($html, qr/_ua-auto-config\.full\.test\.\s+TXT\s+&quot;v=UAAC1; a=sha256; d=\Q$d\E&quot;/,
         'the HTML page shows the TXT record with the digest');
    like($html, qr/ua-auto-config\.full\.test\.\s+CNAME\s+mail\.full\.test\./,
         'and the ua-auto-config name');
}

# ------------------------------------------------ other providers

{
    my $r = pacc_get('pacc_oauth_first', 'ua-auto-config.first.test');
    is($r->code, 200, 'pacc_oauth_first: 200');
    is(scalar(pacc_errors($r->content)), 0, 'valid');
    my $j = JSON::PP->new->decode($r->content);
    is($j->{protocols}{jmap}{url}, 'https://jmap.first.test:8443/session', 'JMAP with a port');
    is($j->{protocols}{managesieve}{host}, 'sieve.first.test', 'ManageSieve on ssl/4190');
    is($j->{authentication}{'oauth-public'}{issuer}, 'https://auth.first.test/realm',
       'an issuer with a path');
    is($j->{info}{provider}{name}, 'Main Provider', 'the inherited display name');
    my $st2 = JSON::PP->new->decode(vhost_get('pacc_full', '/mail-status?json')->content);
    ok($st2, 'status JSON');
}
{
    my $r = pacc_get('pacc_legacy', 'ua-auto-config.legacy.test');
    is($r->code, 404, 'pacc_legacy (STARTTLS only): nothing PACC can describe, 404');
    is($r->content, "No PACC settings for that domain here.\n", 'says so');
}
# CalDAV: hz_all (t/conf/hostile.conf.in) sets MailAutoconfCalDAV with
# %EMAILDOMAIN%; PACC lists it with the domain filled in.
subtest 'CalDAV in PACC' => sub {
    my $res = vhost_get(hz_all => PACC, Host => 'ua-auto-config.hz2.test');
    is($res->code, 200, 'HTTP 200');
    is_deeply([pacc_errors($res->content)], [], 'the document passes the validator');
    my $j = eval { JSON::PP::decode_json($res->content) } || {};
    is($j->{protocols}{caldav}{url}, 'https://dav.hz2.test/cal/',
       'the CalDAV URL, the domain filled in');
};

done_testing();
