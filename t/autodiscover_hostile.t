# Outlook Autodiscover: hostile request bodies and broken HTTP framing.
#
# Every case must be refused with the Autodiscover error form (ErrorCode
# 600) and HTTP 400, 413 or 415; nothing from the request may be echoed
# (each case carries a unique marker); no entity, DTD or XInclude may be
# loaded (a local file's content must not show, and a listener started here
# must see no connection); and the server must answer a good request right
# afterwards.  Vhosts (t/conf/autodiscover.conf.in): ad_basic has the
# default 16384-byte body limit, ad_small 512, ad_big 65536 (the most
# allowed, so that big bodies reach the XML parser and meet its own limits).
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use MailAutoconfTest qw(vhost_request vhost_url parse_xml);
use Encode ();
use HTTP::Response ();
use IO::Select ();
use IO::Socket::INET ();
use Time::HiRes ();
use URI ();
use XML::LibXML ();

use constant {
    NS_REQUEST => 'http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006',
    NS_RESPONSE => 'http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006',
    NS_OUTLOOK => 'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a',
    AD_PATH => '/autodiscover/autodiscover.xml',
    XML_TYPE => 'application/xml; charset=utf-8',
};

# A listener that no request may ever make the server connect to.
my $TRAP = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                 Proto => 'tcp', Listen => 16, ReuseAddr => 1)
    or die "listen: $!\n";
my $TRAP_URL = 'http://127.0.0.1:' . $TRAP->sockport;

# How many connections to the trap arrived since the last call (waiting up
# to $wait seconds for the first); $trap_total counts them all.
my $trap_total = 0;
sub trap_hits {
    my ($wait) = @_;
    my ($n, $sel) = (0, IO::Select->new($TRAP));
    while ($sel->can_read($wait // 0)) {
        my $c = $TRAP->accept or last;
        close $c;
        $n++;
        $wait = 0;
    }
    $trap_total += $n;
    return $n;
}

# ------------------------------------------------------------ bodies

# Outlook's request around $email (taken as is: markup stays markup).
sub request_xml {
    my ($email, %o) = @_;
    my $prolog = $o{prolog} // '';
    my $extra = $o{extra} // '';
    return $prolog . '<Autodiscover xmlns="' . NS_REQUEST . '"><Request>'
         . "<EMailAddress>$email</EMailAddress>$extra"
         . '<AcceptableResponseSchema>' . NS_OUTLOOK
         . '</AcceptableResponseSchema></Request></Autodiscover>';
}

my $GOOD = request_xml('good@example.com');

sub billion_laughs {
    my $dtd = qq{<!DOCTYPE Autodiscover [\n <!ENTITY lol0 "mkb-laugh">\n};
    for my $i (1 .. 9) {
        $dtd .= qq{ <!ENTITY lol$i "} . ('&lol' . ($i - 1) . ';') x 10 . qq{">\n};
    }
    return request_xml('&lol9;@example.com',
                       prolog => qq{<?xml version="1.0"?>\n$dtd]>\n});
}

# 100 KB of address text.
my $HUGE_ADDRESS = ('mkh-huge' x 12800) . '@example.com';

# ------------------------------------------------------------ requests

sub raw_http {
    my ($vhost, $bytes, %o) = @_;
    my $timeout = $o{timeout} // 10;
    my $url = URI->new(vhost_url($vhost, '/'));
    my $sock = IO::Socket::INET->new(PeerAddr => $url->host,
                                     PeerPort => $url->port,
                                     Proto => 'tcp', Timeout => 5)
        or die "connect to $vhost: $!\n";
    local $SIG{PIPE} = 'IGNORE';
    PART: for my $part (ref $bytes ? @$bytes : $bytes) {
        my $off = 0;
        while ($off < length $part) {
            my $n = syswrite($sock, $part, length($part) - $off, $off);
            last PART unless $n;    # the server may close early (413)
            $off += $n;
        }
    }
    shutdown($sock, 1) if $o{half_close};
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

sub head_lines {
    my ($cl, $extra) = @_;
    return 'POST ' . AD_PATH . " HTTP/1.1\r\nHost: localhost\r\n"
         . "Content-Type: text/xml\r\nConnection: close\r\n"
         . (defined $cl ? "Content-Length: $cl\r\n" : '')
         . ($extra // '') . "\r\n";
}

sub chunked {
    my ($body, $size) = @_;
    return join('', map { sprintf("%x\r\n%s\r\n", length, $_) }
                    unpack "(a$size)*", $body) . "0\r\n\r\n";
}

# ------------------------------------------------------------ checks

sub xpc {
    my ($doc) = @_;
    my $xc = XML::LibXML::XPathContext->new($doc);
    $xc->registerNs(a => NS_RESPONSE);
    $xc->registerNs(o => NS_OUTLOOK);
    return $xc;
}

sub check_error {
    my ($res, $http, $code) = @_;
    is($res->code, $http, "HTTP $http") or diag($res->as_string);
    is($res->header('Content-Type'), XML_TYPE, 'Content-Type');
    my $doc = eval { parse_xml($res->content) };
    ok($doc, 'the answer is XML') or return diag($@ . $res->as_string);
    my $xc = xpc($doc);
    is($doc->documentElement->namespaceURI, NS_RESPONSE,
       'root in responseschema/2006');
    my @err = $xc->findnodes('/a:Autodiscover/a:Response/a:Error');
    is(scalar @err, 1, 'one Response/Error') or return;
    ok(defined $err[0]->getAttribute('Time') && defined $err[0]->getAttribute('Id'),
       'Error has Time and Id');
    is($xc->findvalue('a:ErrorCode', $err[0]), $code, "ErrorCode $code");
    is($xc->findnodes('//o:Protocol')->size, 0, 'no settings');
}

sub still_answers {
    my ($vhost) = @_;
    my $res = vhost_request($vhost, 'POST', AD_PATH, $GOOD,
                            'Content-Type' => 'text/xml');
    is($res->code, 200, "$vhost still answers a good request")
        or diag($res->as_string);
    like($res->content, qr{<Type>IMAP</Type>}, 'with settings');
}

# ------------------------------------------------------------ the table

my $R = '<Autodiscover xmlns="' . NS_REQUEST . '">';
my $DECL = qq{<?xml version="1.0" encoding="utf-8"?>\n};

# name, vhost, body, HTTP status, markers; options:
#   type => Content-Type (default text/xml), raw => request bytes instead
#   of body, max_secs => the answer must come this fast.
my @cases = (
    # --- entities and DTDs
    { name => 'billion laughs', body => billion_laughs(), status => 400,
      markers => ['mkb-laugh'], max_secs => 3 },
    { name => 'external entity file:///etc/passwd', status => 400,
      body => request_xml('&xxe;', prolog => qq{$DECL<!DOCTYPE Autodiscover [\n}
          . qq{<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n}),
      markers => ['root:', 'nologin', '/bin/'] },
    { name => 'external entity over http', status => 400,
      body => request_xml('&xxe;@example.com', prolog => qq{<!DOCTYPE Autodiscover [\n}
          . qq{<!ENTITY xxe SYSTEM "$TRAP_URL/mkx-entity">]>\n}),
      markers => ['mkx-entity'] },
    { name => 'external parameter entity over http', status => 400,
      body => request_xml('mkx-pe@example.com', prolog => qq{<!DOCTYPE Autodiscover [\n}
          . qq{<!ENTITY % pe SYSTEM "$TRAP_URL/mkx-pe"> %pe;]>\n}),
      markers => ['mkx-pe'] },
    { name => 'external DTD over http', status => 400,
      body => request_xml('mkx-dtd@example.com',
          prolog => qq{<!DOCTYPE Autodiscover SYSTEM "$TRAP_URL/mkx-dtd.dtd">\n}),
      markers => ['mkx-dtd'] },
    { name => 'DOCTYPE without internal subset', status => 400,
      body => request_xml('mkd-plain@example.com',
          prolog => "$DECL<!DOCTYPE Autodiscover>\n"),
      markers => ['mkd-plain'] },
    { name => 'DOCTYPE with a harmless internal subset', status => 400,
      body => request_xml('mkd-subset@example.com',
          prolog => "<!DOCTYPE Autodiscover [<!ELEMENT Autodiscover ANY>]>\n"),
      markers => ['mkd-subset'] },
    { name => 'an internal entity in the address', status => 400,
      body => request_xml('&mk;@example.com',
          prolog => qq{<!DOCTYPE Autodiscover [<!ENTITY mk "mkd-entity">]>\n}),
      markers => ['mkd-entity'] },
    { name => 'an undeclared entity in the address', status => 400,
      body => request_xml('&mkd-undeclared;@example.com'),
      markers => ['mkd-undeclared'] },
    { name => 'XInclude in the address', status => 400,
      body => request_xml('<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
          . qq{href="file:///etc/passwd" parse="text"/>}),
      markers => ['root:', 'nologin'] },
    { name => 'XInclude in place of Request', status => 400,
      body => $R . '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
          . qq{href="$TRAP_URL/mkx-xinclude.xml"/></Autodiscover>},
      markers => ['mkx-xinclude'] },

    # --- size and shape (ad_basic: 16384 bytes; ad_big: 65536)
    { name => '10000 levels deep (over the body limit)', status => 413,
      body => request_xml('mkn-deep@example.com',
          extra => '<a>' x 10000 . '</a>' x 10000),
      markers => ['mkn-deep'] },
    { name => '10000 levels deep (ad_big)', vhost => 'ad_big', status => 400,
      body => request_xml('mkn-deepbig@example.com', extra => '<a>' x 10000),
      markers => ['mkn-deepbig'], max_secs => 3 },
    { name => '1000 levels deep (within the body limit)', status => 400,
      body => request_xml('mkn-deep1k@example.com',
          extra => '<a>' x 1000 . '</a>' x 1000),
      markers => ['mkn-deep1k'] },
    { name => '100 KB of address (over the body limit)', status => 413,
      body => request_xml($HUGE_ADDRESS), markers => ['mkh-huge'] },
    { name => '100 KB of address (over the limit of ad_big)', vhost => 'ad_big',
      status => 413, body => request_xml($HUGE_ADDRESS), markers => ['mkh-huge'] },
    { name => '60 KB of address (ad_big)', vhost => 'ad_big', status => 400,
      body => request_xml(('mkh-60k' x 8700) . '@example.com'),
      markers => ['mkh-60k'], max_secs => 3 },
    { name => '2 KB of address (within the body limit)', status => 400,
      body => request_xml(('mkh-2k' x 340) . '@example.com'), markers => ['mkh-2k'] },
    { name => '50000 sibling elements (over the body limit)', status => 413,
      body => request_xml('mks-many@example.com', extra => '<x/>' x 50000),
      markers => ['mks-many'] },
    { name => '16000 sibling elements (ad_big)', vhost => 'ad_big', status => 400,
      body => request_xml('mks-16k@example.com', extra => '<x/>' x 16000),
      markers => ['mks-16k'], max_secs => 3 },
    { name => '6000 attributes on one element (ad_big)', vhost => 'ad_big', status => 400,
      body => $R . '<Request ' . join(' ', map { "a$_=\"\"" } 1 .. 6000) . '>'
          . '<EMailAddress>mks-attrs@example.com</EMailAddress></Request></Autodiscover>',
      markers => ['mks-attrs'], max_secs => 3 },
    { name => '3000 sibling elements (within the body limit)', status => 400,
      body => request_xml('mks-3k@example.com', extra => '<x/>' x 3000),
      markers => ['mks-3k'] },
    { name => '300 attributes on one element', status => 400,
      body => $R . '<Request ' . join(' ', map { "mka$_=\"v\"" } 1 .. 300) . '>'
          . '<EMailAddress>mka-attrs@example.com</EMailAddress></Request></Autodiscover>',
      markers => ['mka-attrs'] },

    # --- wrong documents
    { name => 'the wrong namespace', status => 400,
      body => '<Autodiscover xmlns="urn:mkw-ns"><Request><EMailAddress>'
          . 'mkw-wrong@example.com</EMailAddress></Request></Autodiscover>',
      markers => ['mkw-ns', 'mkw-wrong'] },
    { name => 'no namespace', status => 400,
      body => '<Autodiscover><Request><EMailAddress>mkw-nons@example.com'
          . '</EMailAddress></Request></Autodiscover>',
      markers => ['mkw-nons'] },
    { name => 'two EMailAddress elements', status => 400,
      body => request_xml('mkw-first@example.com',
          extra => '<EMailAddress>mkw-second@example.com</EMailAddress>'),
      markers => ['mkw-first', 'mkw-second'] },
    { name => 'two Request elements', status => 400,
      body => $R . '<Request><EMailAddress>mkw-req1@example.com</EMailAddress></Request>'
          . '<Request><EMailAddress>mkw-req2@example.com</EMailAddress></Request>'
          . '</Autodiscover>',
      markers => ['mkw-req1', 'mkw-req2'] },
    { name => 'CDATA in the address', status => 400,
      body => request_xml('<![CDATA[mkw-cdata@example.com]]>'),
      markers => ['mkw-cdata'] },

    # --- encodings and bytes
    { name => 'UTF-16 with a BOM', status => 400,
      body => "\xFF\xFE" . Encode::encode('UTF-16LE',
          qq{<?xml version="1.0" encoding="UTF-16"?>\n}
          . request_xml('mke-utf16@example.com')) },
    { name => 'encoding="ISO-8859-1"', status => 400,
      body => request_xml('mke-latin1@example.com',
          prolog => qq{<?xml version="1.0" encoding="ISO-8859-1"?>\n}),
      markers => ['mke-latin1'] },
    { name => 'encoding="ISO-8859-1" with a Latin-1 byte', status => 400,
      body => request_xml("mke-latin1b\xE9\@example.com",
          prolog => qq{<?xml version="1.0" encoding="ISO-8859-1"?>\n}),
      markers => ['mke-latin1b'] },
    { name => 'an empty body', status => 400, body => '' },
    { name => 'only whitespace', status => 400, body => "  \r\n\t  \n" },
    { name => 'a truncated body', status => 400,
      body => substr(request_xml('mke-trunc@example.com'), 0, 150),
      markers => ['mke-trunc'] },
    { name => 'a NUL byte in the address', status => 400,
      body => request_xml("mke-nul\0\@example.com"), markers => ['mke-nul'] },
    { name => 'a NUL byte after the document', status => 400,
      body => request_xml('mke-nulend@example.com') . "\0",
      markers => ['mke-nulend'] },
    { name => 'invalid UTF-8 in the address', status => 400,
      body => request_xml("mke-badutf8\xC3\x28\@example.com"),
      markers => ['mke-badutf8'] },
    { name => 'an overlong UTF-8 "<"', status => 400,
      body => request_xml("mke-overlong\xC0\xBC\@example.com"),
      markers => ['mke-overlong'] },

    # --- HTTP
    { name => 'Content-Type application/x-www-form-urlencoded', status => 415,
      type => 'application/x-www-form-urlencoded',
      body => request_xml('mkt-form@example.com'), markers => ['mkt-form'] },
    { name => 'Content-Type text/plain', status => 415, type => 'text/plain',
      body => request_xml('mkt-plain@example.com'), markers => ['mkt-plain'] },
    { name => 'Content-Length over the limit, no body sent', status => 413,
      raw => head_lines(10_000_000), max_secs => 3 },
    { name => 'Content-Length over the limit (ad_small), no body sent',
      vhost => 'ad_small', status => 413, raw => head_lines(513), max_secs => 3 },
    { name => 'chunked, over the limit', status => 413,
      raw => head_lines(undef, "Transfer-Encoding: chunked\r\n")
          . chunked(request_xml('mkc-chunk@example.com') . ' ' x 20000, 4000),
      markers => ['mkc-chunk'] },
    { name => 'chunked, over the limit (ad_small)', vhost => 'ad_small', status => 413,
      raw => head_lines(undef, "Transfer-Encoding: chunked\r\n")
          . chunked(request_xml('mkc-chunksmall@example.com') . ' ' x 400, 100),
      markers => ['mkc-chunksmall'] },
);

# The body limit itself, on ad_small (512 bytes): at the limit is served,
# one byte more is not.
my $at_limit = request_xml('good@example.com');
$at_limit .= ' ' x (512 - length $at_limit);

my @tests;
for my $c (@cases) {
    push @tests, [$c->{name} => sub {
        my $vhost = $c->{vhost} // 'ad_basic';
        my $t0 = Time::HiRes::time();
        my ($res, $raw);
        if (defined $c->{raw}) {
            ($res, $raw) = raw_http($vhost, $c->{raw});
            ok($res, 'an answer') or diag($raw);
        }
        else {
            $res = vhost_request($vhost, 'POST', AD_PATH, $c->{body},
                                 'Content-Type' => $c->{type} // 'text/xml');
        }
        my $secs = Time::HiRes::time() - $t0;
        if ($res) {
            check_error($res, $c->{status}, 600);
            for my $m (@{ $c->{markers} // [] }, 'root:x:0:') {
                unlike($res->as_string, qr/\Q$m\E/i, "'$m' is not in the answer");
            }
        }
        if ($c->{max_secs}) {
            cmp_ok($secs, '<', $c->{max_secs}, "answered within $c->{max_secs} s");
        }
        is(trap_hits(0.05), 0, 'the server connected to nobody');
        still_answers($vhost);
    }];
}

push @tests, ['a body of exactly MailAutoconfMaxBodySize is served' => sub {
    is(length $at_limit, 512, 'the body is 512 bytes');
    my $res = vhost_request(ad_small => 'POST', AD_PATH, $at_limit,
                            'Content-Type' => 'text/xml');
    is($res->code, 200, 'HTTP 200') or diag($res->as_string);
    like($res->content, qr{<Type>IMAP</Type>}, 'with settings');
}];
push @tests, ['one byte over MailAutoconfMaxBodySize gets 413' => sub {
    my $res = vhost_request(ad_small => 'POST', AD_PATH, "$at_limit ",
                            'Content-Type' => 'text/xml');
    check_error($res, 413, 600);
    still_answers('ad_small');
}];
push @tests, ['a Content-Length that lies (the client gives up)' => sub {
    my $body = request_xml('mkl-liar@example.com');
    my $t0 = Time::HiRes::time();
    my ($res, $raw) = raw_http(ad_basic => head_lines(length($body) + 1000) . $body,
                               half_close => 1, timeout => 5);
    cmp_ok(Time::HiRes::time() - $t0, '<', 6, 'over quickly');
    ok(!$res || $res->code == 400,
       'no answer, or HTTP 400 (got ' . ($res ? $res->code : 'nothing') . ')')
        or diag($raw);
    unlike($raw, qr/mkl-liar|<Protocol/, 'no settings, no echo');
    is(trap_hits(0), 0, 'the server connected to nobody');
    still_answers('ad_basic');
}];
push @tests, ['a Content-Length that lies (the socket is closed)' => sub {
    my $body = request_xml('mkl-closed@example.com');
    my $url = URI->new(vhost_url(ad_basic => '/'));
    my $sock = IO::Socket::INET->new(PeerAddr => $url->host, PeerPort => $url->port,
                                     Proto => 'tcp', Timeout => 5)
        or return fail("connect: $!");
    print {$sock} head_lines(length($body) + 1000) . $body;
    close $sock;
    still_answers('ad_basic');
}];
push @tests, ['nobody ever connected to the trap listener' => sub {
    trap_hits(0.5);
    is($trap_total, 0, "no connection to $TRAP_URL, ever");
}];

plan tests => scalar @tests;
for my $t (@tests) {
    subtest $t->[0] => $t->[1];
}
