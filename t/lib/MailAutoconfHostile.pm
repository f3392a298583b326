# SPDX-License-Identifier: Apache-2.0
# Licensed under the Apache License, Version 2.0; see LICENSE.
package MailAutoconfHostile;

# Hostile input shared by t/autodiscover_hostile.t, t/hostile.t and
# scripts/soak-hostile.sh: the table of hostile Outlook Autodiscover request
# bodies, the pieces it is built from, and a raw HTTP/1.1 client for what
# LWP refuses to send (raw CR, LF and NUL, pipelined requests, bodies that
# lie about their length, bodies trickled over time, half-closed sockets).
#
# Depends on core Perl modules and HTTP::Response only (no Apache::Test), so
# that scripts can use it outside the test suite:
#
#   perl -It/lib -MMailAutoconfHostile -e '...'
#
#   use MailAutoconfHostile qw(request_xml ad_body_cases raw_exchange);
#   my @cases = ad_body_cases(trap_url => 'http://127.0.0.1:9');
#   my $x = raw_exchange('127.0.0.1', $port,
#                        ["POST / HTTP/1.1\r\n...", \0.5, "more"]);
#   $x->{responses}[0]->code;

use strict;
use warnings FATAL => 'all';

use Exporter 'import';
use Encode ();
use HTTP::Response ();
use IO::Select ();
use IO::Socket::INET ();
use Time::HiRes ();

use constant {
    NS_REQUEST  => 'http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006',
    NS_RESPONSE => 'http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006',
    NS_OUTLOOK  => 'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a',
    AD_PATH     => '/autodiscover/autodiscover.xml',
};

our @EXPORT_OK = qw(NS_REQUEST NS_RESPONSE NS_OUTLOOK AD_PATH
                    request_xml billion_laughs head_lines chunked
                    ad_body_cases slack
                    http_request raw_exchange parse_responses);
our %EXPORT_TAGS = (all => \@EXPORT_OK);

# Time bounds in these tests guard against hanging, not against slowness:
# they are multiplied by this (MAC_TIME_SLACK, default 5), so that a loaded
# machine or a sanitizer or valgrind build does not fail them.
sub slack { return $ENV{MAC_TIME_SLACK} || 5 }

# ------------------------------------------------------------ bodies

# Outlook's request around $email (taken as is: markup stays markup).
#   prolog => text before the root, extra => elements after EMailAddress.
sub request_xml {
    my ($email, %o) = @_;
    my $prolog = $o{prolog} // '';
    my $extra = $o{extra} // '';
    return $prolog . '<Autodiscover xmlns="' . NS_REQUEST . '"><Request>'
         . "<EMailAddress>$email</EMailAddress>$extra"
         . '<AcceptableResponseSchema>' . NS_OUTLOOK
         . '</AcceptableResponseSchema></Request></Autodiscover>';
}

# Ten nested entities, each ten times the previous one.
sub billion_laughs {
    my $dtd = qq{<!DOCTYPE Autodiscover [\n <!ENTITY lol0 "mkb-laugh">\n};
    for my $i (1 .. 9) {
        $dtd .= qq{ <!ENTITY lol$i "} . ('&lol' . ($i - 1) . ';') x 10 . qq{">\n};
    }
    return request_xml('&lol9;@example.com',
                       prolog => qq{<?xml version="1.0"?>\n$dtd]>\n});
}

# The head of an Autodiscover POST with Connection: close; without $cl no
# Content-Length; $extra: more header lines, each ending in CRLF.
sub head_lines {
    my ($cl, $extra) = @_;
    return 'POST ' . AD_PATH . " HTTP/1.1\r\nHost: localhost\r\n"
         . "Content-Type: text/xml\r\nConnection: close\r\n"
         . (defined $cl ? "Content-Length: $cl\r\n" : '')
         . ($extra // '') . "\r\n";
}

# $body in chunked transfer coding, $size bytes per chunk.
sub chunked {
    my ($body, $size) = @_;
    return join('', map { sprintf("%x\r\n%s\r\n", length, $_) }
                    unpack "(a$size)*", $body) . "0\r\n\r\n";
}

# The hostile Autodiscover bodies.  Each case: name, body (or raw: the
# whole request, from head_lines), status (HTTP), markers (strings that
# must never be in the answer); optional vhost (t/conf/autodiscover.conf.in:
# default ad_basic with the default 16384-byte limit, ad_small 512, ad_big
# 65536), type (Content-Type, default text/xml), max_secs (the answer must
# come this fast).  Every answer is the Autodiscover error form with
# ErrorCode 600.  trap_url: a URL nothing may ever connect to.
sub ad_body_cases {
    my (%o) = @_;
    my $trap_url = $o{trap_url} // 'http://127.0.0.1:9';
    my $R = '<Autodiscover xmlns="' . NS_REQUEST . '">';
    my $DECL = qq{<?xml version="1.0" encoding="utf-8"?>\n};
    # 100 KB of address text.
    my $huge_address = ('mkh-huge' x 12800) . '@example.com';

    return (
    # --- entities and DTDs
    { name => 'billion laughs', body => billion_laughs(), status => 400,
      markers => ['mkb-laugh'], max_secs => 3 },
    { name => 'external entity file:///etc/passwd', status => 400,
      body => request_xml('&xxe;', prolog => qq{$DECL<!DOCTYPE Autodiscover [\n}
          . qq{<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n}),
      markers => ['root:', 'nologin', '/bin/'] },
    { name => 'external entity over http', status => 400,
      body => request_xml('&xxe;@example.com', prolog => qq{<!DOCTYPE Autodiscover [\n}
          . qq{<!ENTITY xxe SYSTEM "$trap_url/mkx-entity">]>\n}),
      markers => ['mkx-entity'] },
    { name => 'external parameter entity over http', status => 400,
      body => request_xml('mkx-pe@example.com', prolog => qq{<!DOCTYPE Autodiscover [\n}
          . qq{<!ENTITY % pe SYSTEM "$trap_url/mkx-pe"> %pe;]>\n}),
      markers => ['mkx-pe'] },
    { name => 'external DTD over http', status => 400,
      body => request_xml('mkx-dtd@example.com',
          prolog => qq{<!DOCTYPE Autodiscover SYSTEM "$trap_url/mkx-dtd.dtd">\n}),
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
          . qq{href="$trap_url/mkx-xinclude.xml"/></Autodiscover>},
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
      body => request_xml($huge_address), markers => ['mkh-huge'] },
    { name => '100 KB of address (over the limit of ad_big)', vhost => 'ad_big',
      status => 413, body => request_xml($huge_address), markers => ['mkh-huge'] },
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
}

# ------------------------------------------------------------ raw HTTP

# The bytes of one HTTP/1.1 request.  $target is sent exactly as given
# (no encoding).  %h: header => value, in the order given when passed as
# an array ref of pairs instead; Host defaults to localhost.  A defined
# $body gets a Content-Length unless a Content-Length or Transfer-Encoding
# header is given.
sub http_request {
    my ($method, $target, $headers, $body) = @_;
    my @h = ref $headers eq 'ARRAY' ? @$headers : %{ $headers // {} };
    my (%seen, $out);
    $out = "$method $target HTTP/1.1\r\n";
    for (my $i = 0; $i < @h; $i += 2) {
        $seen{lc $h[$i]} = 1;
    }
    $out .= "Host: localhost\r\n" unless $seen{host};
    for (my $i = 0; $i < @h; $i += 2) {
        $out .= "$h[$i]: $h[$i + 1]\r\n";
    }
    if (defined $body && !$seen{'content-length'}
        && !$seen{'transfer-encoding'}) {
        $out .= 'Content-Length: ' . length($body) . "\r\n";
    }
    return $out . "\r\n" . ($body // '');
}

# Split what came back into responses.  $heads: how many of the requests
# were HEAD, by position (array ref of booleans).  Returns a list of
# HTTP::Response; an answer without a status line (HTTP/0.9) becomes one
# response with code '0.9' and the bytes as its content.  Bytes after the
# last complete response are returned in the last element's
# {_mac_trailing} (should be none).
sub parse_responses {
    my ($raw, $heads) = @_;
    my @out;
    $heads //= [];
    if (length $raw && $raw !~ /\AHTTP\//) {
        my $r = HTTP::Response->new('0.9', 'HTTP/0.9 response');
        $r->content($raw);
        $r->protocol('HTTP/0.9');
        return ($r);
    }
    my $pos = 0;
    while ($pos < length $raw) {
        my $end = index($raw, "\r\n\r\n", $pos);
        last if $end < 0;
        my $head = substr($raw, $pos, $end - $pos + 4);
        my $r = HTTP::Response->parse($head);
        my $body_start = $end + 4;
        my $len;
        if ($heads->[@out] || $r->code == 304 || $r->code == 204
            || ($r->code >= 100 && $r->code < 200)) {
            $len = 0;
        }
        elsif (defined(my $cl = $r->header('Content-Length'))) {
            $len = $cl;
        }
        elsif (($r->header('Transfer-Encoding') // '') =~ /chunked/i) {
            my ($body, $p) = ('', $body_start);
            while (1) {
                my $nl = index($raw, "\r\n", $p);
                last if $nl < 0;
                my $size = hex substr($raw, $p, $nl - $p);
                $p = $nl + 2;
                if ($size == 0) {
                    my $t = index($raw, "\r\n\r\n", $p - 2);
                    $p = $t < 0 ? length $raw : $t + 4;
                    last;
                }
                $body .= substr($raw, $p, $size);
                $p += $size + 2;
            }
            $r->content($body);
            push @out, $r;
            $pos = $p;
            next;
        }
        else {
            $len = length($raw) - $body_start;
        }
        $r->content(substr($raw, $body_start, $len));
        push @out, $r;
        $pos = $body_start + $len;
    }
    if (@out && $pos < length $raw) {
        $out[-1]->{_mac_trailing} = substr($raw, $pos);
    }
    return @out;
}

# One connection to $host:$port.  $parts: the bytes to send, a string or an
# array ref of strings and \SECONDS (a pause, for trickling).  Options:
#   half_close => 1   shut down our sending side after the last part
#   timeout => S      how long to wait for the server, from the last part
#                     (default 10)
#   heads => [...]    which responses answer HEAD requests (see
#                     parse_responses)
# Returns a hash: responses (array ref of HTTP::Response), raw (all bytes
# received), secs (from the first byte sent to the end), closed (the server
# closed the connection), write_error (the server stopped reading).
sub raw_exchange {
    my ($host, $port, $parts, %o) = @_;
    my $timeout = defined $o{timeout} ? $o{timeout} * slack() : 10;
    my $sock = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port,
                                     Proto => 'tcp', Timeout => 5)
        or die "connect to $host:$port: $!\n";
    local $SIG{PIPE} = 'IGNORE';
    my $t0 = Time::HiRes::time();
    my ($raw, $write_error) = ('', 0);
    my $sel = IO::Select->new($sock);
    # Read whatever is there without waiting, so that a server that answers
    # early (413) is not blocked by our writes.
    my $drain = sub {
        while ($sel->can_read(0)) {
            my $n = sysread($sock, my $buf, 65536);
            return 0 unless $n;
            $raw .= $buf;
        }
        return 1;
    };
    PART: for my $part (ref $parts eq 'ARRAY' ? @$parts : $parts) {
        if (ref $part eq 'SCALAR') {
            Time::HiRes::sleep($$part);
            next;
        }
        my $off = 0;
        while ($off < length $part) {
            my $n = syswrite($sock, $part, length($part) - $off, $off);
            if (!$n) {
                $write_error = 1;
                last PART;
            }
            $off += $n;
            $drain->();
        }
    }
    shutdown($sock, 1) if $o{half_close};
    my $closed = 0;
    my $deadline = Time::HiRes::time() + $timeout;
    while ((my $left = $deadline - Time::HiRes::time()) > 0) {
        last unless $sel->can_read($left);
        my $n = sysread($sock, my $buf, 65536);
        if (!$n) {
            $closed = 1;
            last;
        }
        $raw .= $buf;
    }
    my $secs = Time::HiRes::time() - $t0;
    close $sock;
    return {
        responses   => [parse_responses($raw, $o{heads})],
        raw         => $raw,
        secs        => $secs,
        closed      => $closed,
        write_error => $write_error,
    };
}

1;
