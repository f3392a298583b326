# SPDX-License-Identifier: Apache-2.0
# Licensed under the Apache License, Version 2.0; see LICENSE.
# Outlook "POX" Autodiscover: the settings answer (POST from Outlook and
# Thunderbird, browser GETs), the error forms, the mobilesync answer, the
# HTTPS redirect and the proxy / SetHandler / no-configuration scenarios.
# Vhosts: t/conf/autodiscover.conf.in.  Hostile bodies are in
# t/autodiscover_hostile.t, Autodiscover v2 (JSON) in t/autodiscover_v2.t.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use Apache::TestUtil qw(t_start_error_log_watch t_finish_error_log_watch);
use MailAutoconfTest qw(vhost_get vhost_request vhost_url parse_xml);
use HTTP::Request ();
use HTTP::Response ();
use IO::Select ();
use IO::Socket::INET ();
use LWP::UserAgent ();
use Time::HiRes ();
use URI ();
use XML::LibXML ();

use constant {
    NS_REQUEST => 'http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006',
    NS_RESPONSE => 'http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006',
    NS_OUTLOOK => 'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a',
    NS_MOBILESYNC => 'http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006',
    AD_PATH => '/autodiscover/autodiscover.xml',
    XML_TYPE => 'application/xml; charset=utf-8',
};

# ------------------------------------------------------------ request bodies

sub xml_escape {
    my ($s) = @_;
    $s =~ s/&/&amp;/g;
    $s =~ s/</&lt;/g;
    $s =~ s/>/&gt;/g;
    return $s;
}

# What Outlook sends; $email goes in as is (escape it yourself).
sub outlook_body {
    my ($email, $schema) = @_;
    $schema //= NS_OUTLOOK;
    return '<Autodiscover xmlns="' . NS_REQUEST . '"><Request>'
         . "<EMailAddress>$email</EMailAddress>"
         . "<AcceptableResponseSchema>$schema</AcceptableResponseSchema>"
         . '</Request></Autodiscover>';
}

# What Thunderbird sends (ExchangeAutoDiscover: declaration, indentation,
# Content-Type text/xml).
sub thunderbird_body {
    my ($email) = @_;
    return <<"XML";
<?xml version="1.0" encoding="utf-8"?>
    <Autodiscover xmlns="@{[NS_REQUEST]}">
      <Request>
        <EMailAddress>$email</EMailAddress>
        <AcceptableResponseSchema>@{[NS_OUTLOOK]}</AcceptableResponseSchema>
      </Request>
    </Autodiscover>
XML
}

# The same request with a namespace prefix instead of a default namespace.
sub prefixed_body {
    my ($email) = @_;
    return qq{<?xml version="1.0" encoding="UTF-8"?>\n}
         . '<ad:Autodiscover xmlns:ad="' . NS_REQUEST . '"><ad:Request>'
         . "<ad:EMailAddress>$email</ad:EMailAddress>"
         . '<ad:AcceptableResponseSchema>' . NS_OUTLOOK
         . '</ad:AcceptableResponseSchema></ad:Request></ad:Autodiscover>';
}

sub post_ad {
    my ($vhost, $body, %headers) = @_;
    my $path = delete $headers{path} // AD_PATH;
    %headers = ('Content-Type' => 'text/xml') unless %headers;
    return vhost_request($vhost, 'POST', $path, $body, %headers);
}

# ------------------------------------------------------------ raw sockets

# Sends $bytes (a string or a list of strings) to the vhost's port as they
# are and reads the answer until the server closes or $timeout passes.
# Returns the HTTP::Response (undef when nothing came back) and the raw text.
sub raw_http {
    my ($vhost, $bytes, $timeout) = @_;
    $timeout //= 10;
    my $url = URI->new(vhost_url($vhost, '/'));
    my $sock = IO::Socket::INET->new(PeerAddr => $url->host,
                                     PeerPort => $url->port,
                                     Proto => 'tcp', Timeout => 5)
        or die "connect to $vhost: $!\n";
    local $SIG{PIPE} = 'IGNORE';
    for my $part (ref $bytes ? @$bytes : $bytes) {
        my $off = 0;
        while ($off < length $part) {
            my $n = syswrite($sock, $part, length($part) - $off, $off);
            last unless $n;
            $off += $n;
        }
    }
    my ($raw, $sel) = ('', IO::Select->new($sock));
    my $deadline = Time::HiRes::time() + $timeout;
    while ((my $left = $deadline - Time::HiRes::time()) > 0) {
        last unless $sel->can_read($left);
        my $n = sysread($sock, my $buf, 65536);
        last unless $n;
        $raw .= $buf;
    }
    close $sock;
    return (length $raw ? HTTP::Response->parse($raw) : undef, $raw);
}

# ------------------------------------------------------------ answers

sub xpc {
    my ($doc) = @_;
    my $xc = XML::LibXML::XPathContext->new($doc);
    $xc->registerNs(a => NS_RESPONSE);
    $xc->registerNs(o => NS_OUTLOOK);
    $xc->registerNs(m => NS_MOBILESYNC);
    return $xc;
}

# Each Protocol element as { child name => text }; children outside the
# outlook namespace are keyed {NS}name so that they show up as a mismatch.
sub protocols {
    my ($xc) = @_;
    my @out;
    for my $p ($xc->findnodes('/a:Autodiscover/o:Response/o:Account/o:Protocol')) {
        my %h;
        for my $c (grep { $_->nodeType == XML::LibXML::XML_ELEMENT_NODE() }
                   $p->childNodes) {
            my $ns = $c->namespaceURI // '';
            my $key = $ns eq NS_OUTLOOK ? $c->localname : "{$ns}" . $c->localname;
            $h{$key} = $c->textContent;
        }
        push @out, \%h;
    }
    return \@out;
}

# One expected Protocol: [Type, Server, Port, socket, auth-required].
my %SOCKET = (ssl => [on => 'SSL'], starttls => [on => 'TLS'],
              plain => [off => 'None']);
sub protocol {
    my ($type, $server, $port, $socket, $auth, $login) = @_;
    my %p = (
        Type => $type, Server => $server, Port => $port, LoginName => $login,
        DomainRequired => 'off', SPA => 'off',
        SSL => $SOCKET{$socket}[0], Encryption => $SOCKET{$socket}[1],
        AuthRequired => $auth,
    );
    @p{qw(UsePOPAuth SMTPLast)} = qw(off off) if $type eq 'SMTP';
    return \%p;
}

# ad_basic: login name template %EMAILLOCALPART%.
sub basic_protocols {
    my ($login) = @_;
    return [
        protocol(IMAP => 'imap.example.com', 993, ssl => on => $login),
        protocol(IMAP => 'imap.example.com', 143, starttls => on => $login),
        protocol(POP3 => 'pop.example.com', 995, ssl => on => $login),
        protocol(SMTP => 'smtp.example.com', 465, ssl => on => $login),
        protocol(SMTP => 'smtp.example.com', 587, starttls => on => $login),
        protocol(SMTP => 'relay.example.com', 25, plain => off => $login),
    ];
}

# ad_small, ad_proxy, ad_handler: default template %EMAILADDRESS%.
sub small_protocols {
    my ($login) = @_;
    return [
        protocol(IMAP => 'imap.example.com', 993, ssl => on => $login),
        protocol(SMTP => 'smtp.example.com', 465, ssl => on => $login),
    ];
}

sub activesync_protocols {
    my ($login) = @_;
    return [
        protocol(IMAP => 'mail.example.net', 993, ssl => on => $login),
        protocol(SMTP => 'mail.example.net', 587, starttls => on => $login),
    ];
}

sub parse_or_diag {
    my ($res) = @_;
    my $doc = eval { parse_xml($res->content) };
    diag("not XML: $@" . $res->as_string) unless $doc;
    return $doc;
}

# A settings answer with exactly these Protocol elements, in this order.
sub check_settings {
    my ($res, $expected) = @_;
    is($res->code, 200, 'HTTP 200') or diag($res->as_string);
    is($res->header('Content-Type'), XML_TYPE, 'Content-Type');
    is($res->header('Cache-Control'), 'no-store', 'Cache-Control: no-store');
    my $doc = parse_or_diag($res) or return fail('the answer is XML');
    my $xc = xpc($doc);
    my $root = $doc->documentElement;
    is($root->localname, 'Autodiscover', 'root element Autodiscover');
    is($root->namespaceURI, NS_RESPONSE, 'root in responseschema/2006');
    is($xc->findnodes('/a:Autodiscover/*')->size, 1, 'one child of the root');
    is($xc->findnodes('/a:Autodiscover/o:Response')->size, 1,
       'Response in outlook/responseschema/2006a');
    is($xc->findvalue('/a:Autodiscover/o:Response/o:Account/o:AccountType'),
       'email', 'AccountType email');
    is($xc->findvalue('/a:Autodiscover/o:Response/o:Account/o:Action'),
       'settings', 'Action settings');
    is_deeply(protocols($xc), $expected, 'the Protocol elements, in order')
        or diag($res->content);
    is($xc->findnodes('//a:Error | //o:Error')->size, 0, 'no Error');
}

# The error form: Response/Error (Time, Id), ErrorCode, Message; none of
# @markers appears in the answer.
sub check_error {
    my ($res, $http, $code, @markers) = @_;
    is($res->code, $http, "HTTP $http") or diag($res->as_string);
    is($res->header('Content-Type'), XML_TYPE, 'Content-Type');
    my $doc = parse_or_diag($res) or return fail('the answer is XML');
    my $xc = xpc($doc);
    is($doc->documentElement->namespaceURI, NS_RESPONSE,
       'root in responseschema/2006');
    is($doc->documentElement->localname, 'Autodiscover', 'root Autodiscover');
    my @err = $xc->findnodes('/a:Autodiscover/a:Response/a:Error');
    is(scalar @err, 1, 'one Response/Error') or return;
    like($err[0]->getAttribute('Time') // '', qr/^\d\d:\d\d:\d\d(?:\.\d+)?$/,
         'Error/@Time');
    like($err[0]->getAttribute('Id') // '', qr/^\d+$/, 'Error/@Id');
    is($xc->findvalue('a:ErrorCode', $err[0]), $code, "ErrorCode $code");
    like($xc->findvalue('a:Message', $err[0]), qr/\S/, 'a Message');
    is($xc->findnodes('//o:Protocol')->size, 0, 'no settings');
    for my $m (@markers) {
        unlike($res->content, qr/\Q$m\E/i, "'$m' is not echoed");
    }
}

# The error body with its per-request parts (Time, Id) blanked.
sub error_shape {
    my ($content) = @_;
    (my $s = $content) =~ s/\b(Time|Id)="[^"]*"/$1=""/g;
    return $s;
}

# ------------------------------------------------------------ the cases

my @tests;    # [ name => sub { ... } ], each run as one subtest

# --- POST: paths in every letter case, bodies of every client
for my $path (AD_PATH, '/Autodiscover/Autodiscover.xml',
              '/AutoDiscover/AutoDiscover.xml', '/AUTODISCOVER/AUTODISCOVER.XML') {
    push @tests, ["POST $path, Outlook's body" => sub {
        check_settings(post_ad(ad_basic => outlook_body('alice@example.com'),
                               path => $path, 'Content-Type' => 'text/xml'),
                       basic_protocols('alice'));
    }];
}

my @bodies = (
    # name, body, headers, vhost, expected protocols
    ["Thunderbird's body", thunderbird_body('tb.user@example.com'),
     ['Content-Type' => 'text/xml'], ad_basic => basic_protocols('tb.user')],
    ['Content-Type with a charset', outlook_body('cs@example.com'),
     ['Content-Type' => 'text/xml; charset=utf-8'], ad_basic => basic_protocols('cs')],
    ['a prefixed-namespace body', prefixed_body('pfx@example.com'),
     ['Content-Type' => 'application/xml'], ad_basic => basic_protocols('pfx')],
    ['no Content-Type', outlook_body('nct@example.com'),
     [], ad_basic => basic_protocols('nct')],
    ['the second domain, mixed case', outlook_body('Bob.Smith@Example.ORG'),
     ['Content-Type' => 'text/xml'], ad_basic => basic_protocols('Bob.Smith')],
    ["an address with ' and &", outlook_body(xml_escape(q{o'brien&co@example.com})),
     ['Content-Type' => 'text/xml'], ad_basic => basic_protocols(q{o'brien&co})],
    ['the address as a character reference', outlook_body('ref&#64;example.com'),
     ['Content-Type' => 'text/xml'], ad_basic => basic_protocols('ref')],
    ['surrounding whitespace', outlook_body("\n  ws\@example.com \t\n"),
     ['Content-Type' => 'text/xml'], ad_basic => basic_protocols('ws')],
    ['no AcceptableResponseSchema',
     '<Autodiscover xmlns="' . NS_REQUEST . '"><Request>'
     . '<EMailAddress>noschema@example.com</EMailAddress></Request></Autodiscover>',
     ['Content-Type' => 'text/xml'], ad_basic => basic_protocols('noschema')],
    ['default login template (ad_activesync)', outlook_body('carol@example.net'),
     ['Content-Type' => 'text/xml'],
     ad_activesync => activesync_protocols('carol@example.net')],
    ['a body within MailAutoconfMaxBodySize 512 (ad_small)',
     outlook_body('small@example.com'), ['Content-Type' => 'text/xml'],
     ad_small => small_protocols('small@example.com')],
);
for my $case (@bodies) {
    my ($name, $body, $headers, $vhost, $expected) = @$case;
    push @tests, ["POST $name" => sub {
        my $res = vhost_request($vhost, 'POST', AD_PATH, $body, @$headers);
        check_settings($res, $expected);
    }];
}

push @tests, ['POST with chunked transfer encoding' => sub {
    my $body = outlook_body('chunky@example.com');
    my @chunks = unpack '(a40)*', $body;
    my $req = 'POST ' . AD_PATH . " HTTP/1.1\r\nHost: localhost\r\n"
            . "Content-Type: text/xml\r\nTransfer-Encoding: chunked\r\n"
            . "Connection: close\r\n\r\n"
            . join('', map { sprintf("%x\r\n%s\r\n", length, $_) } @chunks)
            . "0\r\n\r\n";
    my ($res, $raw) = raw_http(ad_basic => $req);
    ok($res, 'an answer') or return diag($raw);
    check_settings($res, basic_protocols('chunky'));
}];

# --- browser GETs
my @gets = (
    ['?emailaddress=', '?emailaddress=alice@example.com', 'alice'],
    ['?emailaddress= percent-encoded', '?emailaddress=alice%40example.com', 'alice'],
    ["?emailaddress= with ' and &", '?emailaddress=o%27brien%26co%40example.com',
     q{o'brien&co}],
    ['the XML fragment, percent-encoded',
     '?%3CEMailAddress%3Efrag%40example.com%3C%2FEMailAddress%3E', 'frag'],
);
for my $g (@gets) {
    my ($name, $query, $login) = @$g;
    push @tests, ["GET $name" => sub {
        check_settings(vhost_get(ad_basic => AD_PATH . $query),
                       basic_protocols($login));
    }];
}
push @tests, ['GET the XML fragment, raw' => sub {
    my ($res, $raw) = raw_http(ad_basic => 'GET ' . AD_PATH
        . "?<EMailAddress>rawfrag\@example.com</EMailAddress> HTTP/1.1\r\n"
        . "Host: localhost\r\nConnection: close\r\n\r\n");
    ok($res, 'an answer') or return diag($raw);
    check_settings($res, basic_protocols('rawfrag'));
}];

my @bad_gets = (
    # name, query, HTTP status, ErrorCode, markers
    ['no query', '', 400, 600],
    ['no address in the query', '?mkq-other=1', 400, 600, 'mkq-other'],
    ['an empty address', '?emailaddress=', 400, 600],
    ['a bad address', '?emailaddress=mkq-noat.example.com', 400, 600, 'mkq-noat'],
    ['markup in the address', '?emailaddress=%3Cmkq-tag%3E%40example.com',
     400, 600, 'mkq-tag'],
    ['the address twice', '?emailaddress=a@example.com&emailaddress=b@example.com',
     400, 600],
    ['an unknown domain', '?emailaddress=mkq-user@mkq-unknown.test', 404, 500,
     'mkq-user', 'mkq-unknown'],
);
for my $g (@bad_gets) {
    my ($name, $query, $http, $code, @markers) = @$g;
    push @tests, ["GET $name" => sub {
        check_error(vhost_get(ad_basic => AD_PATH . $query), $http, $code,
                    @markers);
    }];
}

# --- other methods
push @tests, ['OPTIONS' => sub {
    my $res = vhost_request(ad_basic => 'OPTIONS', AD_PATH);
    ok($res->is_success, 'a 2xx answer') or diag($res->as_string);
    like($res->header('Allow') // '', qr/\bPOST\b/, 'Allow lists POST');
}];
for my $method (qw(PUT DELETE)) {
    push @tests, [$method => sub {
        my $res = vhost_request(ad_basic => $method, AD_PATH,
                                outlook_body('mkm-put@example.com'),
                                'Content-Type' => 'text/xml');
        is($res->code, 405, 'HTTP 405') or diag($res->as_string);
        like($res->header('Allow') // '', qr/\bPOST\b/, 'Allow lists POST');
        unlike($res->content, qr/<Protocol|mkm-put/, 'no settings, no echo');
    }];
}

# --- POST errors
my $R = '<Autodiscover xmlns="' . NS_REQUEST . '">';
my @bad_posts = (
    # name, body, HTTP status, ErrorCode, markers
    ['a malformed body', $R . '<Request><EMailAddress>mkp-malformed@example.com'
     . '</EMailAddress></Request>', 400, 600, 'mkp-malformed'],
    ['a body that is not XML', 'EMailAddress=mkp-form@example.com', 400, 600,
     'mkp-form'],
    ['no EMailAddress', $R . '<Request><AcceptableResponseSchema>' . NS_OUTLOOK
     . '</AcceptableResponseSchema></Request></Autodiscover>', 400, 600],
    ['no Request', $R . '<EMailAddress>mkp-norequest@example.com</EMailAddress>'
     . '</Autodiscover>', 400, 600, 'mkp-norequest'],
    ['an empty EMailAddress', outlook_body('  '), 400, 600],
    ['an address without @', outlook_body('mkp-noat.example.com'), 400, 600,
     'mkp-noat'],
    ['an address with two @', outlook_body('mkp-two@@example.com'), 400, 600,
     'mkp-two'],
    ['an address with a space', outlook_body('mkp space@example.com'), 400, 600,
     'mkp space'],
    ['an address with an empty label', outlook_body('mkp-dots@example..com'),
     400, 600, 'mkp-dots'],
    ['a non-ASCII local part', outlook_body("mkp-utf8-\xc3\xa9\@example.com"),
     400, 600, 'mkp-utf8'],
    ['a too long address', outlook_body(('m' x 64) . '@' . join('.', ('mkplong' x 9) x 4)
     . '.com'), 400, 600, 'mkplong'],
    ['the wrong root element', '<Discover xmlns="' . NS_REQUEST . '"><Request>'
     . '<EMailAddress>mkp-root@example.com</EMailAddress></Request></Discover>',
     400, 600, 'mkp-root'],
    ['the wrong namespace', '<Autodiscover xmlns="urn:mkp-wrong-ns"><Request>'
     . '<EMailAddress>mkp-ns@example.com</EMailAddress></Request></Autodiscover>',
     400, 600, 'mkp-wrong-ns', 'mkp-ns@'],
    ['the response namespace', '<Autodiscover xmlns="' . NS_OUTLOOK . '"><Request>'
     . '<EMailAddress>mkp-respns@example.com</EMailAddress></Request></Autodiscover>',
     400, 600, 'mkp-respns'],
    ['an element in the address', outlook_body('mkp-elem<b>x</b>@example.com'),
     400, 600, 'mkp-elem'],
    ['&lt; in the address', outlook_body('&lt;mkp-lt&gt;@example.com'), 400, 600,
     'mkp-lt'],
    ['a comment in the address', outlook_body('mkp-comment<!-- c -->@example.com'),
     400, 600, 'mkp-comment'],
    ['a processing instruction in the address',
     outlook_body('mkp-pi<?mkp-target x?>@example.com'), 400, 600, 'mkp-pi'],
    ['an unknown domain', outlook_body('mkp-user@mkp-unknown.test'), 404, 500,
     'mkp-user', 'mkp-unknown'],
    ['a subdomain of a served domain', outlook_body('mkp-sub@mkp.example.com'),
     404, 500, 'mkp-sub', 'mkp.example'],
    ['the mobilesync schema without an ActiveSync URL',
     outlook_body('mkp-mobile@example.com', NS_MOBILESYNC), 200, 601,
     'mkp-mobile', 'mobilesync'],
    ['an unknown schema',
     outlook_body('mkp-schema@example.com', 'http://mkp-schema.example/unknown'),
     200, 601, 'mkp-schema'],
);
for my $case (@bad_posts) {
    my ($name, $body, $http, $code, @markers) = @$case;
    push @tests, ["POST $name" => sub {
        check_error(post_ad(ad_basic => $body), $http, $code, @markers);
    }];
}

push @tests, ['every unknown domain gets the same answer' => sub {
    my @res = map { post_ad(ad_basic => outlook_body($_)) }
        qw(x@mks-one.test someone.else@mks-two.invalid x@example.co);
    is($_->code, 404, 'HTTP 404') for @res;
    my @shapes = map { error_shape($_->content) } @res;
    is($shapes[1], $shapes[0], 'the same body (but Time and Id)');
    is($shapes[2], $shapes[0], 'the same body (but Time and Id)');
}];

# --- the mobilesync answer
push @tests, ['POST the mobilesync schema (ad_activesync)' => sub {
    my $res = post_ad(ad_activesync => outlook_body('dave@example.net', NS_MOBILESYNC));
    is($res->code, 200, 'HTTP 200') or diag($res->as_string);
    is($res->header('Content-Type'), XML_TYPE, 'Content-Type');
    is($res->header('Cache-Control'), 'no-store', 'Cache-Control: no-store');
    my $doc = parse_or_diag($res) or return fail('the answer is XML');
    my $xc = xpc($doc);
    is($doc->documentElement->namespaceURI, NS_RESPONSE, 'root in responseschema/2006');
    is($xc->findnodes('/a:Autodiscover/m:Response')->size, 1,
       'Response in mobilesync/responseschema/2006');
    my $srv = '/a:Autodiscover/m:Response/m:Action/m:Settings/m:Server';
    is($xc->findnodes($srv)->size, 1, 'one Action/Settings/Server');
    is($xc->findvalue("$srv/m:Type"), 'MobileSync', 'Server Type MobileSync');
    is($xc->findvalue("$srv/m:Url"),
       'https://eas.example.com/Microsoft-Server-ActiveSync', 'Server Url');
    is($xc->findnodes('//o:Response | //a:Error')->size, 0, 'nothing else');
}];
# What an ActiveSync device sends: the mobilesync request namespace, with
# or without AcceptableResponseSchema.
for my $with_schema (1, 0) {
    my $what = $with_schema ? 'with' : 'without';
    push @tests, ["ActiveSync request namespace, $what a schema (ad_activesync)" => sub {
        my $body = '<Autodiscover xmlns="http://schemas.microsoft.com/'
                 . 'exchange/autodiscover/mobilesync/requestschema/2006"><Request>'
                 . '<EMailAddress>eve@example.net</EMailAddress>'
                 . ($with_schema ? '<AcceptableResponseSchema>' . NS_MOBILESYNC
                                   . '</AcceptableResponseSchema>' : '')
                 . '</Request></Autodiscover>';
        my $res = post_ad(ad_activesync => $body);
        is($res->code, 200, 'HTTP 200') or diag($res->as_string);
        my $doc = parse_or_diag($res) or return fail('the answer is XML');
        my $xc = xpc($doc);
        is($xc->findvalue('/a:Autodiscover/m:Response/m:Action/m:Settings/m:Server/m:Url'),
           'https://eas.example.com/Microsoft-Server-ActiveSync', 'the ActiveSync Url');
        is($xc->findvalue('/a:Autodiscover/m:Response/m:User/m:EMailAddress'),
           'eve@example.net', 'the address');
    }];
}
push @tests, ['ActiveSync request namespace without an ActiveSync URL (ad_basic): 601' => sub {
    my $body = '<Autodiscover xmlns="http://schemas.microsoft.com/'
             . 'exchange/autodiscover/mobilesync/requestschema/2006"><Request>'
             . '<EMailAddress>mka-eas@example.com</EMailAddress>'
             . '</Request></Autodiscover>';
    check_error(post_ad(ad_basic => $body), 200, 601, 'mka-eas');
}];
push @tests, ['POST an unknown schema (ad_activesync)' => sub {
    check_error(post_ad(ad_activesync => outlook_body(
        'mka-schema@example.net', 'http://mka-schema.example/x')), 200, 601,
        'mka-schema');
}];

# --- plain HTTP redirected to HTTPS
my @redirects = (
    # name, vhost, method, path+query, status, Location
    ['GET', ad_redirect => GET => AD_PATH, 301,
     'https://ad-redirect.example.test/autodiscover/autodiscover.xml'],
    ['GET with an address', ad_redirect => GET => AD_PATH . '?emailaddress=r@example.com',
     301, 'https://ad-redirect.example.test/autodiscover/autodiscover.xml'],
    ['POST', ad_redirect => POST => AD_PATH, 308,
     'https://ad-redirect.example.test/autodiscover/autodiscover.xml'],
    ['GET, the Thunderbird path', ad_redirect => GET =>
     '/mail/config-v1.1.xml?emailaddress=r@example.com', 301,
     'https://ad-redirect.example.test/mail/config-v1.1.xml'],
    ['GET, the well-known Thunderbird path', ad_redirect => GET =>
     '/.well-known/autoconfig/mail/config-v1.1.xml', 301,
     'https://ad-redirect.example.test/.well-known/autoconfig/mail/config-v1.1.xml'],
    ['GET, the v2 path', ad_redirect => GET =>
     '/autodiscover/autodiscover.json/v1.0/r@example.com?Protocol=AutodiscoverV1', 301,
     'https://ad-redirect.example.test/autodiscover/autodiscover.json/v1.0/r@example.com'],
    ['GET to HOST:PORT', ad_redirect_host => GET => AD_PATH, 301,
     'https://secure.example.com:8443/autodiscover/autodiscover.xml'],
    ['POST to HOST:PORT', ad_redirect_host => POST => AD_PATH, 308,
     'https://secure.example.com:8443/autodiscover/autodiscover.xml'],
);
for my $r (@redirects) {
    my ($name, $vhost, $method, $path, $status, $location) = @$r;
    push @tests, ["redirect to HTTPS: $name ($vhost)" => sub {
        my $res = vhost_request($vhost, $method, $path,
            $method eq 'POST' ? (outlook_body('mkr-user@example.com'),
                                 'Content-Type' => 'text/xml') : ());
        is($res->code, $status, "HTTP $status") or diag($res->as_string);
        like($res->header('Location') // '', qr/^\Q$location\E(?:\?|$)/,
             "Location $location");
        is($res->header('Cache-Control'), 'no-store',
           'the redirect is not cached');
        unlike($res->content, qr/example\.com<|<Protocol|mkr-user/,
               'the request is not answered');
    }];
}
# Behind a TLS-terminating proxy: X-Forwarded-Proto counts only with
# MailAutoconfTrustForwardedProto; without it the redirect (which would
# loop) is logged with the directive's name.
push @tests, ['X-Forwarded-Proto: https, not trusted: redirected, logged' => sub {
    t_start_error_log_watch();
    my $res = vhost_request(ad_redirect => POST => AD_PATH,
                            outlook_body('fwd@example.com'),
                            'Content-Type' => 'text/xml',
                            'X-Forwarded-Proto' => 'https');
    my @log = t_finish_error_log_watch();
    is($res->code, 308, 'HTTP 308');
    ok((grep { /MAC00307.*MailAutoconfTrustForwardedProto/ } @log),
       'MAC00307 names MailAutoconfTrustForwardedProto');
}];
push @tests, ['X-Forwarded-Proto: https, trusted: answered' => sub {
    check_settings(vhost_request(ad_redirect_proxy => POST => AD_PATH,
                                 outlook_body('fwd@example.com'),
                                 'Content-Type' => 'text/xml',
                                 'X-Forwarded-Proto' => 'https'),
                   small_protocols('fwd@example.com'));
}];
for my $fwd (undef, 'http', 'httpsx', 'http, https') {
    my $label = defined $fwd ? "X-Forwarded-Proto: $fwd" : 'no X-Forwarded-Proto';
    push @tests, ["$label, trusted: still redirected" => sub {
        my $res = vhost_get(ad_redirect_proxy => AD_PATH
                            . '?emailaddress=fwd@example.com',
                            defined $fwd ? ('X-Forwarded-Proto' => $fwd) : ());
        is($res->code, 301, 'HTTP 301');
        like($res->header('Location') // '',
             qr{^https://ad-redirect-proxy\.example\.test/}, 'to its ServerName');
    }];
}
# Over HTTPS the same configuration answers (ad_redirect_ssl has a
# self-signed certificate, so this UA does not verify it).
sub https_request {
    my ($vhost, $method, $path, $body, %headers) = @_;
    my $ua = LWP::UserAgent->new(timeout => 10, max_redirect => 0,
        ssl_opts => { verify_hostname => 0, SSL_verify_mode => 0 });
    my $req = HTTP::Request->new($method => vhost_url($vhost, $path));
    $req->header(%headers) if %headers;
    $req->content($body) if defined $body;
    return $ua->request($req);
}
push @tests, ['no redirect over HTTPS: POST (ad_redirect_ssl)' => sub {
    check_settings(https_request(ad_redirect_ssl => POST => AD_PATH,
                                 outlook_body('sec@example.com'),
                                 'Content-Type' => 'text/xml'),
                   small_protocols('sec@example.com'));
}];
push @tests, ['no redirect over HTTPS: GET (ad_redirect_ssl)' => sub {
    check_settings(https_request(ad_redirect_ssl => GET =>
                                 AD_PATH . '?emailaddress=sec@example.com'),
                   small_protocols('sec@example.com'));
}];
push @tests, ['no redirect over HTTPS: the Thunderbird path (ad_redirect_ssl)' => sub {
    my $res = https_request(ad_redirect_ssl => GET =>
                            '/mail/config-v1.1.xml?emailaddress=sec@example.com');
    is($res->code, 200, 'HTTP 200') or diag($res->as_string);
    ok(!defined $res->header('Location'), 'no Location');
}];
push @tests, ['redirect to HTTPS: no markup from the request in Location' => sub {
    my $res = vhost_get(ad_redirect => AD_PATH . '?x=%22%3E%3Cmkr-tag%3E',
                        Host => 'mkr-host.example');
    is($res->code, 301, 'HTTP 301');
    my $loc = $res->header('Location') // '';
    like($loc, qr{^https://ad-redirect\.example\.test/}, 'to ServerName, not Host');
    unlike($loc, qr/[<>"\s]|mkr-host/, 'no raw markup or Host in Location');
}];

# --- the Host header is never echoed (ad_lax lets httpd pass any Host)
push @tests, ['a Host header with markup: settings' => sub {
    my $res = post_ad(ad_lax => outlook_body('lax@example.com'),
                      'Content-Type' => 'text/xml', Host => '"><mkh-pox>&');
    check_settings($res, small_protocols('lax@example.com'));
    unlike($res->content, qr/mkh-pox/, 'the Host is not echoed');
}];
push @tests, ['a Host header with markup: an error' => sub {
    check_error(post_ad(ad_lax => outlook_body('lax@mkh-unknown.test'),
                        'Content-Type' => 'text/xml', Host => '<mkh-err>'),
                404, 500, 'mkh-err', 'mkh-unknown');
}];

# --- a catch-all proxy, a handler of the operator's choosing, no config
push @tests, ['ProxyPass / does not swallow Autodiscover' => sub {
    check_settings(post_ad(ad_proxy => outlook_body('prx@example.com')),
                   small_protocols('prx@example.com'));
}];
push @tests, ['ProxyPass / is in force for other paths' => sub {
    my $res = vhost_get(ad_proxy => '/mkx-elsewhere');
    ok($res->code == 502 || $res->code == 503, 'the proxy answers 502/503')
        or diag($res->as_string);
}];
push @tests, ['SetHandler mailautoconf-autodiscover: POST' => sub {
    check_settings(post_ad(ad_handler => outlook_body('hdl@example.com'),
                           path => '/custom', 'Content-Type' => 'text/xml'),
                   small_protocols('hdl@example.com'));
}];
push @tests, ['SetHandler mailautoconf-autodiscover: GET' => sub {
    check_settings(vhost_get(ad_handler => '/custom?emailaddress=hdl@example.com'),
                   small_protocols('hdl@example.com'));
}];
push @tests, ['no mail directives: POST is not answered' => sub {
    my $res = post_ad(ad_none => outlook_body('none@example.com'));
    is($res->code, 404, 'HTTP 404') or diag($res->as_string);
    unlike($res->content, qr/Autodiscover|<Protocol/, 'no Autodiscover document');
}];
push @tests, ['no mail directives: GET is not answered' => sub {
    my $res = vhost_get(ad_none => AD_PATH . '?emailaddress=none@example.com');
    is($res->code, 404, 'HTTP 404') or diag($res->as_string);
    unlike($res->content, qr/Autodiscover|<Protocol/, 'no Autodiscover document');
}];

plan tests => scalar @tests;
for my $t (@tests) {
    my ($name, $code) = @$t;
    subtest $name => $code;
}
