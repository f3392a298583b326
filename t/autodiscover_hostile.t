# SPDX-License-Identifier: Apache-2.0
# Licensed under the Apache License, Version 2.0; see LICENSE.
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
use MailAutoconfHostile qw(NS_REQUEST NS_RESPONSE NS_OUTLOOK AD_PATH
                           request_xml head_lines ad_body_cases slack);
use HTTP::Response ();
use IO::Select ();
use IO::Socket::INET ();
use Time::HiRes ();
use URI ();
use XML::LibXML ();

use constant XML_TYPE => 'application/xml; charset=utf-8';

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
# The table of hostile bodies, request_xml and head_lines live in
# t/lib/MailAutoconfHostile.pm (t/hostile.t and scripts/soak-hostile.sh use
# them too).

my $GOOD = request_xml('good@example.com');

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

# name, vhost, body, HTTP status, markers; options:
#   type => Content-Type (default text/xml), raw => request bytes instead
#   of body, max_secs => the answer must come this fast.
my @cases = ad_body_cases(trap_url => $TRAP_URL);

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
            # A bound against hanging, not a speed test: generous, and
            # scaled up on slow (sanitizer, valgrind) builds.
            my $limit = $c->{max_secs} * slack();
            cmp_ok($secs, '<', $limit, "answered within $limit s");
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
    cmp_ok(Time::HiRes::time() - $t0, '<', 6 * slack(), 'over without hanging');
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
