# SPDX-License-Identifier: Apache-2.0
# Licensed under the Apache License, Version 2.0; see LICENSE.
# Thunderbird autoconfig (config-v1.1.xml): the document, its headers,
# address validation, methods, conditional requests, and the module's
# paths surviving ProxyPass, RewriteRule and being mapped by SetHandler.
# Scenarios: <VirtualHost tb_*> in t/conf/extra.conf.in.
use strict;
use warnings FATAL => 'all';
use utf8;

use Apache::Test qw(-withtestmore);
use MailAutoconfTest qw(vhost_get vhost_request parse_xml);
use HTTP::Date ();

my @PATHS = ('/.well-known/autoconfig/mail/config-v1.1.xml',
             '/mail/config-v1.1.xml');
my $WK = $PATHS[0];

# ------------------------------------------------------------ expectations

sub srv {
    my ($kind, $type, $host, $port, $sock, $auth, $user) = @_;
    my %s = (kind => $kind, type => $type, hostname => $host, port => $port,
             socketType => $sock, authentication => $auth);
    $s{username} = $user if defined $user;
    return \%s;
}

my $TPL = '%EMAILLOCALPART%@%EMAILDOMAIN%';

# tb_basic: configured as SMTP, IMAP, POP3, SMTP, IMAP, POP3.
my @BASIC_SERVERS = (
    srv(incomingServer => imap => 'imap1.example.com', 993, 'SSL',
        'password-cleartext', $TPL),
    srv(incomingServer => imap => 'imap2.example.com', 143, 'STARTTLS',
        'password-cleartext', $TPL),
    srv(incomingServer => pop3 => 'pop1.example.com', 995, 'SSL',
        'password-cleartext', $TPL),
    srv(incomingServer => pop3 => 'pop2.example.com', 110, 'STARTTLS',
        'password-cleartext', $TPL),
    srv(outgoingServer => smtp => 'smtp1.example.com', 465, 'SSL',
        'password-cleartext', $TPL),
    srv(outgoingServer => smtp => 'smtp2.example.com', 587, 'STARTTLS',
        'password-cleartext', $TPL),
);

sub basic_expect {
    my ($id) = @_;
    return {
        id               => $id,
        domains          => [qw(example.com example.net)],
        displayName      => [q{Example <Mail> & "Friends" 'R' Us}],
        displayShortName => [q{Ex<&>"'}],
        servers          => \@BASIC_SERVERS,
        documentation    => [{ url   => 'https://help.example.com/mail?a=1&b=<2>',
                               descr => ['Set up <mail> & "more"'] }],
    };
}

# Servers and display name inherited from the main server.
my @MAIN_SERVERS = (
    srv(incomingServer => imap => 'imap.main.test', 993, 'SSL',
        'password-cleartext', '%EMAILADDRESS%'),
    srv(outgoingServer => smtp => 'smtp.main.test', 465, 'SSL',
        'password-cleartext', '%EMAILADDRESS%'),
);

sub main_expect {
    my ($id) = @_;
    return {
        id => $id, domains => [$id],
        displayName => ['Main Provider'], displayShortName => ['Main Provider'],
        servers => \@MAIN_SERVERS, documentation => [],
    };
}

# ----------------------------------------------------------------- helpers

# The parsed document as plain data, for is_deeply.
sub summary {
    my ($doc) = @_;
    my @p = $doc->findnodes('/clientConfig/emailProvider');
    return undef unless @p == 1;
    my $p = $p[0];
    my $texts = sub { [ map { $_->textContent } $p->findnodes($_[0]) ] };
    my @servers;
    for my $n ($p->findnodes('incomingServer|outgoingServer')) {
        my %s = (kind => $n->nodeName, type => $n->getAttribute('type'));
        for my $c ($n->findnodes('*')) {
            my $name = $c->nodeName;
            $s{$name} = exists $s{$name} ? "DUPLICATE $name" : $c->textContent;
        }
        push @servers, \%s;
    }
    return {
        id               => $p->getAttribute('id'),
        domains          => $texts->('domain'),
        displayName      => $texts->('displayName'),
        displayShortName => $texts->('displayShortName'),
        servers          => \@servers,
        documentation    => [ map { { url   => $_->getAttribute('url'),
                                      descr => [ map { $_->textContent }
                                                 $_->findnodes('descr') ] } }
                              $p->findnodes('documentation') ],
    };
}

# A 200 with the Thunderbird document: headers, structure, content.
sub check_doc {
    my ($res, $expect, %opt) = @_;
    my $cache = $opt{cache} // 'max-age=3600';
    is($res->code, 200, 'status 200') or diag($res->as_string), return;
    is($res->header('Content-Type'), 'application/xml; charset=utf-8',
       'Content-Type');
    is($res->header('Cache-Control'), $cache, 'Cache-Control');
    is($res->header('X-Content-Type-Options'), 'nosniff',
       'X-Content-Type-Options');
    like($res->header('ETag') // '', qr/^"[^"]+"$/, 'ETag present, strong');
    ok(defined HTTP::Date::str2time($res->header('Last-Modified') // ''),
       'Last-Modified present, an HTTP date');
    my $doc = eval { parse_xml($res->content) };
    ok($doc, 'well-formed XML') or diag($@), return;
    my $root = $doc->documentElement;
    is($root->nodeName, 'clientConfig', 'root element clientConfig');
    is($root->namespaceURI, undef, 'root element has no namespace');
    is($root->getAttribute('version'), '1.1', 'clientConfig version 1.1');
    is_deeply(summary($doc), $expect, 'content') or diag($res->content);
    return $doc;
}

# A 4xx answer of ours: text/plain, no XML, never the request data.
sub check_error {
    my ($res, $code, @inputs) = @_;
    is($res->code, $code, "status $code") or diag($res->as_string);
    like($res->header('Content-Type') // '', qr{^text/plain\b},
         'text/plain');
    ok(length($res->content) > 0, 'has a body');
    is($res->header('X-Content-Type-Options'), 'nosniff', 'nosniff');
    for my $in (grep { defined && length } @inputs) {
        ok(index($res->content, $in) < 0, 'body does not echo the input')
            or diag('body: ' . $res->content);
    }
}

my @cases;     # [name, code]: one subtest each
sub case { push @cases, [@_] }

# ------------------------------------------- domain selection, both paths

# [query, Host header (undef: Apache::Test's localhost:PORT), expected id]
my @SELECT = (
    ['',                                 undef, 'example.com',
     'no address, Host not served: first domain'],
    ['?emailaddress=user@example.net',   undef, 'example.net', 'address'],
    ['?emailaddress=user@example.com',   undef, 'example.com', 'address'],
    ['?emailaddress=User.Name@EXAMPLE.NET', undef, 'example.net',
     'upper-case domain is case-folded'],
    ['?emailaddress=user%40Example.Net', undef, 'example.net',
     'percent-encoded address'],
    ['?emailaddress=a.b+tag@example.net', undef, 'example.net',
     'address with + and dot'],
    ['?x=1&emailaddress=user@example.net&y', undef, 'example.net',
     'other parameters ignored'],
    ['',  'autoconfig.example.net', 'example.net', 'Host autoconfig.DOMAIN'],
    ['',  'example.net',            'example.net', 'Host DOMAIN'],
    ['',  'AutoConfig.Example.NET', 'example.net', 'Host in mixed case'],
    ['',  'autoconfig.unknown.test', 'example.com',
     'Host not served: first domain'],
    ['',  'autoconfig.other.test',  'example.com',
     "Host of another vhost's domain: first domain"],
    ['?emailaddress=user@example.com', 'autoconfig.example.net', 'example.com',
     'the address wins over Host'],
);

for my $path (@PATHS) {
    for my $c (@SELECT) {
        my ($query, $host, $id, $what) = @$c;
        case("tb_basic GET $path$query" . ($host ? " Host: $host" : '')
             . " -> $id ($what)", sub {
            check_doc(vhost_get('tb_basic', "$path$query",
                                $host ? (Host => $host) : ()),
                      basic_expect($id));
        });
    }
}

# ------------------------------------------------------ document details

case('document bytes: UTF-8, no BOM, XML declaration, no stray whitespace',
     sub {
    my $res = vhost_get('tb_basic', "$WK?emailaddress=u\@example.net");
    is($res->code, 200, 'status 200');
    my $raw = $res->content;
    ok(!utf8::is_utf8($raw), 'content is bytes');
    unlike($raw, qr/^\xEF\xBB\xBF/, 'no BOM');
    like($raw, qr/^<\?xml version="1\.0" encoding="UTF-8"\?>/,
         'starts with the XML declaration, UTF-8');
    my $copy = $raw;
    ok(utf8::decode($copy), 'valid UTF-8');
    is(length($raw), $res->header('Content-Length'), 'Content-Length');
    my $doc = parse_xml($raw);
    is($doc->encoding, 'UTF-8', 'document encoding UTF-8');
    my @bad;
    for my $el ($doc->findnodes('//*[not(*)]')) {
        push @bad, $el->nodeName . '=' . $el->textContent
            if $el->textContent =~ /^\s|\s$/ || $el->textContent eq '';
    }
    for my $attr ($doc->findnodes('//@*')) {
        push @bad, '@' . $attr->nodeName . '=' . $attr->value
            if $attr->value =~ /^\s|\s$/;
    }
    is_deeply(\@bad, [], 'no leading/trailing whitespace or empty values');
    my @kinds = map { $_->nodeName }
                $doc->findnodes('/clientConfig/emailProvider/*'
                                . '[self::incomingServer or self::outgoingServer]');
    my $seq = join ' ', @kinds;
    unlike($seq, qr/outgoingServer.*incomingServer/,
           'every incomingServer precedes every outgoingServer');
    is(scalar(() = $doc->findnodes('/clientConfig/*')), 1,
       'clientConfig has exactly one child');
});

case('ETag and Last-Modified', sub {
    my %etag;
    for my $path (@PATHS) {
        for my $q ('', '?emailaddress=x@example.com') {
            $etag{"$path$q"} = vhost_get('tb_basic', "$path$q")->header('ETag');
        }
    }
    my @distinct = keys %{{ map { $_ => 1 } values %etag }};
    is(scalar(@distinct), 1,
       'one ETag for example.com on both paths, with or without address')
        or diag(explain \%etag);
    my $net = vhost_get('tb_basic', "$WK?emailaddress=x\@example.net");
    isnt($net->header('ETag'), $distinct[0],
         'another document (example.net) has another ETag');
    my $lm = HTTP::Date::str2time($net->header('Last-Modified'));
    ok($lm && $lm <= time + 1, 'Last-Modified is not in the future');
});

# ------------------------------------------------- address validation

my $L63 = 'x' x 63;
my @BAD_ADDRESSES = (
    # [name, raw query value (sent as is), decoded input]
    ['no @',              'user.example.com',       'user.example.com'],
    ['two @',             'a@b@example.com',        'a@b@example.com'],
    ['empty local part',  '@example.com',           '@example.com'],
    ['empty address',     '',                       ''],
    ['65-char local part', ('l' x 65) . '@example.com',
                          ('l' x 65) . '@example.com'],
    ['255 characters in all', ('l' x 64) . "\@$L63.$L63." . ('y' x 62),
                          ('l' x 64) . "\@$L63.$L63." . ('y' x 62)],
    ['label of 64 characters', 'user@' . ('x' x 64) . '.example.com',
                          'user@' . ('x' x 64) . '.example.com'],
    ['UTF-8 domain',      'user@b%C3%BCcher.de',    "user\@b\xC3\xBCcher.de"],
    ['UTF-8 local part',  'j%C3%BCrgen@example.com', "j\xC3\xBCrgen\@example.com"],
    ['single-label domain', 'a@b',                  'a@b'],
    ['space',             'us%20er@example.com',    'us er@example.com'],
    ['CR LF',             'user@example.com%0D%0AX-Injected:%201',
                          "user\@example.com\r\nX-Injected: 1"],
    ['LF in local part',  'us%0Aer@example.com',    "us\ner\@example.com"],
    ['NUL',               'user%00@example.com',    "user\0\@example.com"],
    ['<script> in local part', '%3Cscript%3Ealert(1)%3C/script%3E@example.com',
                          '<script>alert(1)</script>@example.com'],
    ['domain with trailing dot', 'user@example.com.', 'user@example.com.'],
    ['domain with empty label', 'user@example..com', 'user@example..com'],
);

for my $path (@PATHS) {
    for my $c (@BAD_ADDRESSES) {
        my ($name, $raw, $decoded) = @$c;
        case("tb_basic $path bad address ($name) -> 400", sub {
            my $res = vhost_get('tb_basic', "$path?emailaddress=$raw");
            check_error($res, 400, length($decoded) >= 3 ? $decoded : (),
                        length($raw) >= 3 ? $raw : ());
            is($res->header('X-Injected'), undef, 'no injected header');
            unlike($res->content, qr/script/i, 'no markup from the input')
                if $name =~ /script/;
        });
    }
}

# Just inside the limits: accepted, so the answer is the document (served
# domain) or 404 (foreign domain), never 400.
my @LIMITS = (
    ['64-char local part', ('l' x 64) . '@example.com', 200],
    ['254 characters in all', ('l' x 64) . "\@$L63.$L63." . ('y' x 61), 404],
    ['label of 63 characters', "user\@$L63.test", 404],
    ['all atext characters', q{!%23$%25%26'*+-/=?^_`{|}~.9@example.net}, 200],
);
for my $c (@LIMITS) {
    my ($name, $raw, $code) = @$c;
    case("tb_basic address at the limit ($name) -> $code", sub {
        my $res = vhost_get('tb_basic', "$WK?emailaddress=$raw");
        is($res->code, $code, "status $code") or diag($res->as_string);
    });
}

my @BAD_QUERIES = (
    ['duplicate emailaddress (same value)',
     'emailaddress=a@example.com&emailaddress=a@example.com'],
    ['duplicate emailaddress (different values)',
     'emailaddress=a@example.com&emailaddress=b@example.net'],
    ['malformed percent escape %ZZ',  'emailaddress=a%ZZ@example.com'],
    ['truncated percent escape at the end', 'emailaddress=a@example.co%6'],
    ['lone % at the end',             'emailaddress=a@example.com%'],
);
for my $c (@BAD_QUERIES) {
    my ($name, $query) = @$c;
    case("tb_basic bad query ($name) -> 400", sub {
        check_error(vhost_get('tb_basic', "$WK?$query"), 400, $query);
    });
}

my @FOREIGN = qw(user@foreign.test user@example.org user@sub.example.com
                 user@other.test user@inherit.test user@main.test);
for my $addr (@FOREIGN) {
    case("tb_basic foreign domain $addr -> 404", sub {
        check_error(vhost_get('tb_basic', "$PATHS[1]?emailaddress=$addr"),
                    404, $addr);
    });
}

# ------------------------------------------------------------ methods

for my $path (@PATHS) {
    for my $method (qw(POST PUT DELETE PATCH)) {
        case("$method $path -> 405 with Allow", sub {
            my $res = vhost_request('tb_basic', $method, $path,
                                    'emailaddress=a@example.com',
                                    'Content-Type' => 'application/x-www-form-urlencoded');
            is($res->code, 405, 'status 405') or diag($res->as_string);
            is($res->header('Allow'), 'GET, HEAD, OPTIONS', 'Allow');
            unlike($res->content, qr/<clientConfig/, 'no document');
        });
    }
    case("OPTIONS $path -> 200 with Allow", sub {
        my $res = vhost_request('tb_basic', 'OPTIONS', $path);
        is($res->code, 200, 'status 200') or diag($res->as_string);
        is($res->header('Allow'), 'GET, HEAD, OPTIONS', 'Allow');
        is($res->content, '', 'no body');
    });
    case("HEAD $path: the headers of GET, no body", sub {
        my $q = '?emailaddress=a@example.net';
        my $get  = vhost_get('tb_basic', "$path$q");
        my $head = vhost_request('tb_basic', 'HEAD', "$path$q");
        is($head->code, 200, 'status 200') or diag($head->as_string);
        for my $h (qw(Content-Type Cache-Control X-Content-Type-Options ETag
                      Last-Modified Content-Length)) {
            is($head->header($h), $get->header($h), "$h as for GET");
        }
        is($head->content, '', 'no body');
    });
}

# ------------------------------------------------ conditional requests

{
    my $q = "$WK?emailaddress=a\@example.net";
    my $first = vhost_get('tb_basic', $q);
    my $etag  = $first->header('ETag') // 'none';
    my $lm    = $first->header('Last-Modified') // 'none';
    my $future = HTTP::Date::time2str(time + 86400);
    my @COND = (
        ['If-None-Match with the ETag',         { 'If-None-Match' => $etag }, 304],
        ['If-None-Match with it in a list',     { 'If-None-Match' => qq{"nope", $etag} }, 304],
        ['If-None-Match with another ETag',     { 'If-None-Match' => '"0123abcd"' }, 200],
        # A date later than the server's clock is invalid (RFC 9110
        # 13.1.3) and ignored: the full answer, never a 304.
        ['If-Modified-Since in the future',     { 'If-Modified-Since' => $future }, 200],
        ['If-Modified-Since = Last-Modified',   { 'If-Modified-Since' => $lm }, 304],
        ['If-Modified-Since in 1999',           { 'If-Modified-Since' => 'Fri, 01 Jan 1999 00:00:00 GMT' }, 200],
    );
    for my $c (@COND) {
        my ($name, $hdrs, $code) = @$c;
        case("conditional GET: $name -> $code", sub {
            my $res = vhost_get('tb_basic', $q, %$hdrs);
            is($res->code, $code, "status $code") or diag($res->as_string);
            if ($code == 304) {
                is($res->content, '', 'no body');
                is($res->header('ETag'), $etag, 'ETag repeated');
            }
            else {
                like($res->content, qr/<clientConfig/, 'the document');
            }
        });
    }
    case('If-None-Match with the ETag of example.net, asking for example.com -> 200',
         sub {
        my $res = vhost_get('tb_basic', "$WK?emailaddress=a\@example.com",
                            'If-None-Match' => $etag);
        is($res->code, 200, 'status 200');
    });
}

# ---------------------------------------- ProxyPass, RewriteRule, SetHandler

# [vhost, path, expected: id for our document, or a status code]
my @ROUTING = (
    (map { [tb_proxy => $_, 'proxy.test'],
           [tb_proxy => "$_?emailaddress=u\@proxy.test", 'proxy.test'],
           [tb_rewrite => $_, 'rewrite.test'],
           [tb_rewrite => "$_?emailaddress=u\@rewrite.test", 'rewrite.test'],
           [tb_sethandler => $_, 'sethandler.test'] } @PATHS),
    [tb_proxy => '/',                       503],
    [tb_proxy => '/index.html',             503],
    [tb_proxy => '/mail/config-v1.1.xml/',  503],
    [tb_proxy => '/mail/config-v1.1.xmlx',  503],
    [tb_proxy => '/mail/other.xml',         503],
    [tb_proxy => '/.well-known/autoconfig/mail/other.xml', 503],
    [tb_rewrite => '/',                     302],
    [tb_rewrite => '/index.html',           302],
    [tb_rewrite => '/mail/config-v1.1.xml/', 302],
    [tb_sethandler => '/custom/autoconfig.xml', 'sethandler.test'],
    [tb_sethandler => '/custom/autoconfig.xml?emailaddress=u@SetHandler.test',
     'sethandler.test'],
    [tb_sethandler => '/custom/autoconfig.xml?emailaddress=u@Host.test', 404],
    [tb_sethandler => '/custom/autoconfig.xml?emailaddress=u', 400],
    [tb_sethandler => '/custom/other.xml', 404],
);
for my $c (@ROUTING) {
    my ($vhost, $path, $want) = @$c;
    case("$vhost GET $path -> $want", sub {
        my $res = vhost_get($vhost, $path);
        if ($want =~ /^\d+$/) {
            is($res->code, $want, "status $want") or diag($res->as_string);
            unlike($res->content, qr/<clientConfig/, 'not our document');
            like($res->header('Location') // '', qr{/elsewhere$},
                 'redirected by the RewriteRule') if $want == 302;
            like($res->header('Content-Type') // '', qr{^text/plain},
                 'our error') if $vhost eq 'tb_sethandler' && $path =~ /\?/;
        }
        else {
            check_doc($res, main_expect($want));
        }
    });
}

case('SetHandler path: POST -> 405, OPTIONS -> 200, both with Allow', sub {
    my $res = vhost_request('tb_sethandler', 'POST', '/custom/autoconfig.xml', 'x');
    is($res->code, 405, 'POST 405');
    is($res->header('Allow'), 'GET, HEAD, OPTIONS', 'Allow');
    $res = vhost_request('tb_sethandler', 'OPTIONS', '/custom/autoconfig.xml');
    is($res->code, 200, 'OPTIONS 200');
    is($res->header('Allow'), 'GET, HEAD, OPTIONS', 'Allow');
});

# ------------------------------------------------------- authentication

case('tb_auth: password-encrypted, OAuth2, plain, SMTP without auth', sub {
    check_doc(vhost_get('tb_auth', "$WK?emailaddress=u\@auth.test"), {
        id => 'auth.test', domains => ['auth.test'],
        displayName => ['Main Provider'], displayShortName => ['Main Provider'],
        servers => [
            srv(incomingServer => imap => 'imap.auth.test', 993, 'SSL',
                'password-encrypted', '%EMAILADDRESS%'),
            srv(incomingServer => pop3 => 'pop.auth.test', 995, 'SSL',
                'OAuth2', '%EMAILADDRESS%'),
            srv(outgoingServer => smtp => 'smtp.auth.test', 25, 'plain',
                'none'),    # no username element
            srv(outgoingServer => smtp => 'smtp2.auth.test', 587, 'STARTTLS',
                'OAuth2', '%EMAILADDRESS%'),
        ],
        documentation => [],
    });
});

# The startup warning about the plain server is checked in t/configtest.t:
# it is logged before the error log is open, so it reaches stderr only.

plan tests => scalar @cases;
subtest($_->[0], $_->[1]) for @cases;
