# SPDX-License-Identifier: Apache-2.0
# Licensed under the Apache License, Version 2.0; see LICENSE.
# Hostile input on every endpoint: one table, each row one endpoint and
# one hostile input, sent over a raw socket exactly as written (LWP would
# re-encode or refuse much of it).  Every row asserts
#   (a) the exact status of every answer on the connection (and its form:
#       Content-Type, document type, error codes, Allow),
#   (b) that nothing of the input comes back but the validated address (and,
#       on the Apple page, the typed values) in escaped form: each hostile
#       value carries a unique marker (hzmNNNN), and the raw bytes received
#       (status line, headers, bodies) may hold a marker only inside the
#       escaped strings the row allows,
#   (c) that the server still answers a good request afterwards.
# At the end: no child died, no Authorization token and no marker reached
# the module's log lines.
#
# Scenarios (t/conf/hostile.conf.in): hz_all serves hz.test, hz2.test and
# xn--bcher-kva.de with IMAP, POP3 and SMTP and has the status page; hz_lax
# is the same with HttpProtocolOptions Unsafe, so that what httpd refuses in
# its default Strict mode (a Host with markup, a bare LF, a raw '#') reaches
# the module.
#
# Answer specs: "KIND:STATUS", "KIND:0.9:STATUS" (an HTTP/0.9 answer: a raw
# CR LF ended the request line early; the body is the endpoint's answer for
# STATUS), "core:STATUS" (httpd refused the request before the module saw
# it).  KIND: tb (Thunderbird), ad (Autodiscover XML), v2 (Autodiscover
# JSON), mc (Apple profile and its error page), page (the Apple page),
# status (status page), pacc (PACC document), opt (an OPTIONS answer),
# cont (100 Continue), core.
# A row with todo => WHY expects what the module should do and does not
# (yet): its checks run as TODO tests.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use MailAutoconfTest qw(vhost_get vhost_url parse_xml);
use MailAutoconfHostile qw(:all);
use PaccValidator qw(pacc_errors);
use File::Spec ();
use IO::Select ();
use IO::Socket::INET ();
use JSON::PP ();
use MIME::Base64 ();
use URI ();
use XML::LibXML ();

our $TODO;

my $ERROR_LOG = File::Spec->catfile(Apache::Test::vars('t_logs'), 'error_log');
my $LOG_START = -s $ERROR_LOG // 0;

use constant {
    TB_WK   => '/.well-known/autoconfig/mail/config-v1.1.xml',
    TB_MAIL => '/mail/config-v1.1.xml',
    AD_JSON => '/autodiscover/autodiscover.json',
    MC      => '/email.mobileconfig',
    STATUS  => '/mail-status',
    PACC    => '/.well-known/user-agent-configuration.json',
    GET_ONLY_ALLOW => 'GET, HEAD, OPTIONS',
    AD_ALLOW       => 'GET, HEAD, POST, OPTIONS',
    FFFD => "\xEF\xBF\xBD",
};
my %SERVER_NAME = (hz_all => 'hz-all.example.test', hz_lax => 'hz-lax.example.test');
my $GOOD_XML = request_xml('good@hz.test');
my $GOOD_TB = TB_MAIL . '?emailaddress=good@hz.test';

# A listener that no request may ever make the server connect to (the
# shared Autodiscover bodies point their entities and XIncludes at it).
my $TRAP = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                 Proto => 'tcp', Listen => 16, ReuseAddr => 1)
    or die "listen: $!\n";
my $TRAP_URL = 'http://127.0.0.1:' . $TRAP->sockport;

# ------------------------------------------------------------ markers

# Every hostile value is written with the placeholder MK, replaced by a
# marker of exactly 7 characters (lower case: domains come back lower-cased).
my ($MK_N, @MARKERS, @TOKENS) = (0);
sub new_marker {
    my $m = sprintf 'hzm%04d', ++$MK_N;
    push @MARKERS, $m;
    return $m;
}
sub with_mk {
    my ($s, $mk) = @_;
    return undef unless defined $s;
    $s =~ s/MK/$mk/g;
    return $s;
}
# MK followed by $c up to $n bytes (MK becomes 7).
sub pad { my ($n, $c) = @_; return 'MK' . ($c // 'x') x ($n - 7) }

# What the module writes for text in XML and HTML: & < > " ' as references,
# TAB LF CR as character references, other controls, bytes that are not
# UTF-8 and U+FFFE/U+FFFF as U+FFFD (src/mac_escape.c).
my %ESC = ('&' => '&amp;', '<' => '&lt;', '>' => '&gt;', '"' => '&quot;',
           "'" => '&#39;', "\t" => '&#9;', "\n" => '&#10;', "\r" => '&#13;');
sub xml_esc {
    my ($s) = @_;
    my $out = '';
    while (length $s) {
        if ($s =~ s/\A([\x00-\x7F])//) {
            my $c = $1;
            $out .= exists $ESC{$c} ? $ESC{$c}
                  : $c =~ /[\x00-\x1F\x7F]/ ? FFFD : $c;
        }
        elsif ($s =~ s/\A\xEF\xBF[\xBE\xBF]//) {
            $out .= FFFD;
        }
        elsif ($s =~ s/\A([\xC2-\xDF][\x80-\xBF]|\xE0[\xA0-\xBF][\x80-\xBF]
                         |[\xE1-\xEC\xEE\xEF][\x80-\xBF]{2}|\xED[\x80-\x9F][\x80-\xBF]
                         |\xF0[\x90-\xBF][\x80-\xBF]{2}|[\xF1-\xF3][\x80-\xBF]{3}
                         |\xF4[\x80-\x8F][\x80-\xBF]{2})//x) {
            $out .= $1;
        }
        else {
            substr($s, 0, 1, '');
            $out .= FFFD;
        }
    }
    return $out;
}

# Text for inside <EMailAddress>: markup escaped, every other byte as is.
sub xml_text {
    my ($s) = @_;
    $s =~ s/&/&amp;/g;
    $s =~ s/</&lt;/g;
    $s =~ s/>/&gt;/g;
    return $s;
}

sub trim_ws { my ($s) = @_; $s =~ s/\A[ \t\r\n]+|[ \t\r\n]+\z//g; return $s }
sub cut_nul { my ($s) = @_; $s =~ s/\0.*\z//s; return $s }

# local part and lower-cased domain of a (valid) address.
sub split_addr {
    my ($a) = @_;
    my $at = rindex($a, '@');
    return (substr($a, 0, $at), lc substr($a, $at + 1));
}

# ------------------------------------------------------------ endpoints

# The good request of every endpoint.
my %EP = (
    tb_wk   => { kind => 'tb', target => TB_WK . '?emailaddress=good@hz.test' },
    tb_mail => { kind => 'tb', target => TB_MAIL },
    ad_post => { kind => 'ad', method => 'POST', target => AD_PATH,
                 body => $GOOD_XML, allow => AD_ALLOW },
    ad_get  => { kind => 'ad', allow => AD_ALLOW,
                 target => '/AutoDiscover/AutoDiscover.xml?emailaddress=good@hz.test' },
    v2      => { kind => 'v2',
                 target => AD_JSON . '?Email=good@hz.test&Protocol=AutodiscoverV1' },
    v2_path => { kind => 'v2',
                 target => AD_JSON . '/v1.0/good@hz.test?Protocol=AutodiscoverV1' },
    mc      => { kind => 'mc', target => MC . '?emailaddress=good@hz.test&name=Hz+Name' },
    mc_page => { kind => 'page', target => MC },
    status  => { kind => 'status', target => STATUS, volatile => 1 },
    pacc    => { kind => 'pacc', target => PACC, host => 'ua-auto-config.hz.test' },
    # CalDAV and CardDAV (RFC 6764): every method is the redirect to the
    # service URL of the domain the Host names (else the first domain).
    dav_cal  => { kind => 'dav', target => '/.well-known/caldav',
                  location => sub { "https://dav.$_[0]/cal/" } },
    dav_card => { kind => 'dav', target => '/.well-known/carddav',
                  location => sub { "https://dav.example.net/card/$_[0]/" } },
);
my @ENDPOINTS = qw(tb_wk tb_mail ad_post ad_get v2 v2_path mc mc_page status pacc);
my @DAV_ENDPOINTS = qw(dav_cal dav_card);
$_->{allow} //= GET_ONLY_ALLOW for values %EP;

# The bytes of $ep's good request; %o: headers (array ref of pairs, added),
# method, target, body, close (default 1: Connection: close).
sub ep_request {
    my ($ep, %o) = @_;
    my $e = $EP{$ep};
    my $method = $o{method} // $e->{method} // 'GET';
    my $body = exists $o{body} ? $o{body} : $e->{body};
    my @h = @{ $o{headers} // [] };
    push @h, 'Content-Type' => 'text/xml'
        if defined $body && !grep { lc $_ eq 'content-type' } @h;
    push @h, Connection => 'close' if $o{close} // 1;
    unshift @h, Host => $e->{host}
        if $e->{host} && !grep { lc $_ eq 'host' } @h;
    return http_request($method, $o{target} // $e->{target}, \@h, $body);
}

# ------------------------------------------------------------ rows

my @ROWS;
sub row { push @ROWS, {@_} }

# --- (1) addresses, on every endpoint that takes one
#
# How each endpoint gets the address: the query-encoded value Q, the
# decoded value V (for the POST body, which carries it as XML text).
my %ADDR_EP = (
    tb_wk   => sub { TB_WK . "?emailaddress=$_[0]" },
    tb_mail => sub { TB_MAIL . "?emailaddress=$_[0]" },
    ad_get  => sub { "/AutoDiscover/AutoDiscover.xml?emailaddress=$_[0]" },
    ad_frag => sub { AD_PATH . "?%3CEMailAddress%3E$_[0]%3C/EMailAddress%3E" },
    v2      => sub { AD_JSON . "?Email=$_[0]&Protocol=AutodiscoverV1" },
    v2_path => sub { AD_JSON . "/v1.0/$_[0]?Protocol=AutodiscoverV1" },
    mc      => sub { MC . "?emailaddress=$_[0]&name=Hz+Name" },
    ad_post => undef,
);
my %ADDR_KIND = (tb_wk => 'tb', tb_mail => 'tb', ad_get => 'ad', ad_frag => 'ad',
                 v2 => 'v2', v2_path => 'v2', mc => 'mc', ad_post => 'ad');
my @ADDR_EPS = qw(tb_wk tb_mail ad_get ad_frag v2 v2_path mc ad_post);

my $D189 = ('a' x 63) . '.' . ('b' x 63) . '.' . ('c' x 61);
my $D190 = ('a' x 63) . '.' . ('b' x 63) . '.' . ('c' x 62);
my $D252 = pad(63, 'a') . '.' . ('b' x 63) . '.' . ('c' x 63) . '.' . ('d' x 60);
my $D253 = pad(63, 'a') . '.' . ('b' x 63) . '.' . ('c' x 63) . '.' . ('d' x 61);
my $D254 = pad(63, 'a') . '.' . ('b' x 63) . '.' . ('c' x 63) . '.' . ('d' x 62);

# [name, Q, V, status, overrides].  V undef: Q does not decode (the POST
# body then carries the literal post => value).  Overrides, looked up as
# "EP@VHOST", "EP", "@VHOST": a status, "core:N", "0.9:N" or "skip".
# vhosts => both: run on hz_lax too (raw bytes httpd treats differently in
# Strict mode).  hint => 1: the answer's text names the A-label form.
# norefill => 1: the Apple page must not refill the address; refill =>
# what it refills instead of V.
my @ADDRESSES = (
    # controls
    ['a good address (control)', 'MK@hz.test', 'MK@hz.test', 200],
    ['the second domain in upper case', 'MK@HZ2.TEST', 'MK@HZ2.TEST', 200],
    ['CR LF percent-encoded', 'x%0D%0AMK@hz.test', "x\r\nMK\@hz.test", 400],
    ['CR LF percent-encoded at the end', 'MK@hz.test%0d%0a', "MK\@hz.test\r\n", 400,
     { ad_frag => 200, ad_post => 200 }],    # both trim XML white space
    ['LF percent-encoded', 'x%0aMK@hz.test', "x\nMK\@hz.test", 400],
    ['CR percent-encoded', 'x%0dMK@hz.test', "x\rMK\@hz.test", 400],
    ['TAB percent-encoded', 'x%09MK@hz.test', "x\tMK\@hz.test", 400],
    ['DEL percent-encoded', 'x%7FMK@hz.test', "x\x7FMK\@hz.test", 400],
    ['NUL percent-encoded', 'x%00MK@hz.test', "x\0MK\@hz.test", 400,
     { v2_path => 'core:404' }],             # httpd refuses %00 in a path
    ['NUL percent-encoded at the end', 'MK@hz.test%00', "MK\@hz.test\0", 400,
     { v2_path => 'core:404' }],
    ['CR LF raw', "x\r\nMK\@hz.test", "x\r\nMK\@hz.test", '0.9:400',
     { ad_post => 400 }, vhosts => 'both'],
    ['LF raw', "x\nMK\@hz.test", "x\nMK\@hz.test", '0.9:400',
     { '@hz_all' => 'core:400', ad_post => 400 }, vhosts => 'both'],
    ['CR raw', "x\rMK\@hz.test", "x\rMK\@hz.test", 'core:400',
     { ad_post => 400 }, vhosts => 'both'],
    ['NUL raw', "x\0MK\@hz.test", "x\0MK\@hz.test", 'core:400',
     { ad_post => 400 }, vhosts => 'both'],
    ['TAB raw', "x\tMK\@hz.test", "x\tMK\@hz.test", 'core:400',
     { ad_post => 400 }, vhosts => 'both'],
    ['a space raw', "x MK\@hz.test", "x MK\@hz.test", 'core:400',
     { ad_post => 400 }, vhosts => 'both'],
    ['a space percent-encoded', 'x%20MK@hz.test', 'x MK@hz.test', 400],
    ['a leading space', '%20MK@hz.test', ' MK@hz.test', 400,
     { ad_frag => 200, ad_post => 200 }],
    # percent escapes that do not decode (% is atext: literal in XML)
    ['a lone %', 'MK%@hz.test', undef, 400,
     { v2_path => 'core:400', ad_post => 200 }, post => 'MK%@hz.test', norefill => 1],
    ['%4', 'MK%4@hz.test', undef, 400,
     { v2_path => 'core:400', ad_post => 200 }, post => 'MK%4@hz.test', norefill => 1],
    ['%zz', 'MK%zz@hz.test', undef, 400,
     { v2_path => 'core:400', ad_post => 200 }, post => 'MK%zz@hz.test', norefill => 1],
    ['% at the very end', 'MK@hz.test%', undef, 400,
     { v2_path => 'core:400' }, post => 'MK@hz.test%', norefill => 1],
    ['%4 at the very end', 'MK@hz.test%4', undef, 400,
     { v2_path => 'core:400' }, post => 'MK@hz.test%4', norefill => 1],
    # markup, quotes, ampersands
    ['markup', '%3CMK%3E@hz.test', '<MK>@hz.test', 400],
    ['a script element', '%3Cscript%3EMK%3C/script%3E@hz.test',
     '<script>MK</script>@hz.test', 400],
    ['a lone >', 'MK%3E@hz.test', 'MK>@hz.test', 400],
    ['double quotes', '%22MK%22@hz.test', '"MK"@hz.test', 400],
    ['an attribute breakout', 'MK%22%3E%3Cx-MK%20y=%27@hz.test', q{MK"><x-MK y='@hz.test}, 400],
    ["an apostrophe (valid atext)", "o'MK\@hz.test", "o'MK\@hz.test", 200],
    ['an apostrophe percent-encoded', 'o%27MK@hz.test', "o'MK\@hz.test", 200],
    ['& percent-encoded (valid atext)', 'MK%26x@hz.test', 'MK&x@hz.test', 200],
    ['& raw (ends the parameter)', 'MK&x@hz.test', 'MK&x@hz.test', 400,
     { ad_frag => 200, v2_path => 200, ad_post => 200 }, refill => 'MK'],
    ['a backslash', 'MK%5C@hz.test', 'MK\\@hz.test', 400],
    ['+ (valid atext, not a space)', 'MK+tag@hz.test', 'MK+tag@hz.test', 200],
    # /, ? and #
    ['/ raw (valid atext)', 'a/MK@hz.test', 'a/MK@hz.test', 200],
    ['/ percent-encoded', 'a%2FMK@hz.test', 'a/MK@hz.test', 200,
     { v2_path => 'core:404' }],             # AllowEncodedSlashes Off
    ['? percent-encoded', 'a%3FMK@hz.test', 'a?MK@hz.test', 200],
    ['? raw', 'MK?x@hz.test', 'MK?x@hz.test', 200,
     { v2_path => 400 }],                    # the query starts there
    ['# percent-encoded', 'a%23MK@hz.test', 'a#MK@hz.test', 200],
    ['# raw (a fragment)', 'x#MK@hz.test', 'x#MK@hz.test', 400,
     { '@hz_all' => 'core:400', ad_post => 200 }, vhosts => 'both'],
    # lengths (RFC 5321: 64, 63, 253, 254)
    ['a local part of 64', pad(64) . '@hz.test', pad(64) . '@hz.test', 200],
    ['a local part of 65', pad(65) . '@hz.test', pad(65) . '@hz.test', 400],
    ['a domain label of 63', 'x@' . pad(63, 'd') . '.hz.test',
     'x@' . pad(63, 'd') . '.hz.test', 404],
    ['a domain label of 64', 'x@' . pad(64, 'd') . '.hz.test',
     'x@' . pad(64, 'd') . '.hz.test', 400],
    ['a domain of 252 (an address of 254)', "x\@$D252", "x\@$D252", 404],
    ['a domain of 253 (an address of 255)', "x\@$D253", "x\@$D253", 400],
    ['a domain of 254', "x\@$D254", "x\@$D254", 400],
    ['an address of 254', pad(64) . "\@$D189", pad(64) . "\@$D189", 404],
    ['an address of 255', pad(64) . "\@$D190", pad(64) . "\@$D190", 400],
    ['an address of 5000', pad(4992) . '@hz.test', pad(4992) . '@hz.test', 400],
    # internationalised
    ['IDN in UTF-8, percent-encoded', 'MK@b%C3%BCcher.de', "MK\@b\xC3\xBCcher.de", 400,
     {}, hint => 1],
    ['IDN in UTF-8, raw', "MK\@b\xC3\xBCcher.de", "MK\@b\xC3\xBCcher.de", 400,
     {}, hint => 1, vhosts => 'both'],
    ['IDN in its A-label form', 'MK@xn--bcher-kva.de', 'MK@xn--bcher-kva.de', 200],
    ['IDN in its A-label form, upper case', 'MK@XN--BCHER-KVA.DE',
     'MK@XN--BCHER-KVA.DE', 200],
    ['UTF-8 in the local part', 'MK%C3%BC@hz.test', "MK\xC3\xBC\@hz.test", 400],
    ['invalid UTF-8', 'MK%C3%28@hz.test', "MK\xC3\x28\@hz.test", 400],
    ['an overlong UTF-8 <', 'MK%C0%BC@hz.test', "MK\xC0\xBC\@hz.test", 400],
    ['U+2028 LINE SEPARATOR', '%E2%80%A8MK@hz.test', "\xE2\x80\xA8MK\@hz.test", 400],
    ['U+202E RIGHT-TO-LEFT OVERRIDE', 'MK%E2%80%AEtset.zh@hz.test',
     "MK\xE2\x80\xAEtset.zh\@hz.test", 400],
    # shapes
    ['a foreign domain', 'MK@evil.example', 'MK@evil.example', 404],
    ['markup in the domain', 'MK@%3Cx-MK%3E.example', 'MK@<x-MK>.example', 400],
    ['an empty value', '', '', 400],
    ['no @', 'MK', 'MK', 400],
    ['two @', 'MK@x@hz.test', 'MK@x@hz.test', 400],
    ['a leading dot', '.MK@hz.test', '.MK@hz.test', 400],
    ['two dots', 'MK..x@hz.test', 'MK..x@hz.test', 400],
    ['a trailing dot on the domain', 'MK@hz.test.', 'MK@hz.test.', 400],
    ['an IP literal', 'MK@%5B127.0.0.1%5D', 'MK@[127.0.0.1]', 400],
);

sub lookup_want {
    my ($a, $ep, $vhost) = @_;
    my $o = $a->{over};
    for my $k ("$ep\@$vhost", $ep, "\@$vhost") {
        return $o->{$k} if exists $o->{$k};
    }
    return $a->{want};
}

for my $spec (@ADDRESSES) {
    my ($name, $q, $v, $want, $over, %extra) = @$spec;
    my $a = { name => $name, q => $q, v => $v, want => $want,
              over => $over // {}, %extra };
    my @vhosts = ($a->{vhosts} // '') eq 'both' ? qw(hz_all hz_lax) : ('hz_all');
    for my $vhost (@vhosts) {
        for my $ep (@ADDR_EPS) {
            next if $ep eq 'ad_post' && $vhost ne 'hz_all';
            my $w = lookup_want($a, $ep, $vhost);
            next if $w eq 'skip';
            my $mk = new_marker();
            my $kind = $ADDR_KIND{$ep};
            my ($send, $seen);
            if ($ep eq 'ad_post') {
                $seen = trim_ws(with_mk($a->{post} // $a->{v}, $mk));
                $send = http_request('POST', AD_PATH,
                    ['Content-Type' => 'text/xml', Connection => 'close'],
                    request_xml(xml_text($seen)));
            }
            else {
                $send = http_request('GET', $ADDR_EP{$ep}->(with_mk($a->{q}, $mk)),
                                     [Connection => 'close']);
                $seen = with_mk($a->{v}, $mk);
                $seen = trim_ws($seen) if defined $seen && $ep eq 'ad_frag';
            }
            my $spec_str = $w =~ /^core:/ ? $w : "$kind:$w";
            my $status = ($w =~ /(\d+)$/)[0];
            my %r = (name => "$ep: $name" . ($vhost eq 'hz_lax' ? ' (hz_lax)' : ''),
                     vhost => $vhost, send => $send, want => $spec_str,
                     marker => $mk, allow => [], hint => $a->{hint},
                     ep => $ep);
            if ($status == 200 && defined $seen && $w !~ /0\.9/) {
                my ($local, $domain) = split_addr($seen);
                push @{ $r{allow} }, xml_esc($local);
                $r{domain} = $domain;
                $r{login} = "login-$local\@$domain";
                $r{address} = "$local\@$domain";
            }
            if ($ep eq 'mc' && $w !~ /^core:|0\.9/ && $status != 200
                && defined $seen && !$a->{norefill}) {
                # The page again, the typed address refilled (escaped).
                push @{ $r{allow} }, xml_esc(cut_nul(with_mk($a->{refill}, $mk) // $seen));
            }
            row(%r);
        }
    }
}

# Outlook's POST with markup inside EMailAddress (only the POST body can
# carry real markup).
for my $m (['an element inside the address', 'MK<b>x</b>@hz.test'],
           ['a comment inside the address', 'MK<!-- x -->@hz.test'],
           ['a processing instruction inside the address', 'MK<?pi x?>@hz.test'],
           ['a character reference to <', 'MK&#60;x@hz.test'],
           ['a character reference to CR LF', 'MK&#13;&#10;x@hz.test'],
           ['a character reference to NUL', 'MK&#0;x@hz.test']) {
    my $mk = new_marker();
    row(name => "ad_post: $m->[0]", ep => 'ad_post', want => 'ad:400', marker => $mk,
        send => http_request('POST', AD_PATH, ['Content-Type' => 'text/xml',
                             Connection => 'close'], request_xml(with_mk($m->[1], $mk))));
}
# The path in other letter cases.
for my $path ('/AUTODISCOVER/AUTODISCOVER.XML', '/Autodiscover/Autodiscover.xml') {
    my $mk = new_marker();
    row(name => "ad_post: $path", ep => 'ad_post', want => 'ad:200', marker => $mk,
        allow => [$mk], login => "login-$mk\@hz.test",
        send => http_request('POST', $path, ['Content-Type' => 'text/xml',
                             Connection => 'close'], request_xml("$mk\@hz.test")));
}

# --- (2) the other parameters: duplicates and aliases, the Apple name,
# the v2 Protocol, unknown parameters, the status page's query.
sub prow {
    my ($ep, $name, $target, $want, %o) = @_;
    my $mk = new_marker();
    $target = with_mk($target, $mk);
    my $kind = $ADDR_KIND{$ep} // $EP{$ep}{kind};
    row(name => "$ep: $name", ep => $ep, marker => $mk,
        want => $want =~ /^(core|opt):/ ? $want : "$kind:$want",
        send => http_request('GET', $target, [Connection => 'close']),
        allow => [map { with_mk($_, $mk) } @{ $o{allow} // [] }],
        map { $_ => (ref $o{$_} ? $o{$_} : with_mk($o{$_}, $mk)) }
            grep { $_ ne 'allow' } keys %o);
}

for my $ep (qw(tb_wk tb_mail ad_get)) {
    my $base = $ADDR_EP{$ep}->('');
    $base =~ s/\?.*//;
    prow($ep, 'emailaddress twice', "$base?emailaddress=MK\@hz.test&emailaddress=MK\@hz.test", 400);
    prow($ep, 'emailaddress twice, the second empty', "$base?emailaddress=MK\@hz.test&emailaddress=", 400);
    prow($ep, 'emailaddress and EMAILADDRESS', "$base?emailaddress=MK\@hz.test&EMAILADDRESS=MK\@hz.test", 400);
    # Names are compared decoded: email%61ddress is emailaddress.
    prow($ep, 'emailaddress and email%61ddress', "$base?emailaddress=good\@hz.test&email%61ddress=MK\@hz.test", 400);
    prow($ep, 'email%61ddress and emailaddress', "$base?email%61ddress=MK\@hz.test&emailaddress=good\@hz.test", 400);
    prow($ep, 'email%61ddress alone', "$base?email%61ddress=good\@hz.test", 200,
         domain => 'hz.test', login => 'login-good@hz.test');
    prow($ep, 'a bad escape in another name', "$base?x%zz=1&emailaddress=good\@hz.test", 400);
    prow($ep, 'a bad escape in another parameter', "$base?x=%zzMK&emailaddress=good\@hz.test", 200,
         domain => 'hz.test', login => 'login-good@hz.test');
    prow($ep, 'markup in another parameter', "$base?%3CMK%3E=%3Cx%3E&emailaddress=good\@hz.test", 200,
         domain => 'hz.test', login => 'login-good@hz.test');
}
prow('ad_get', 'no address at all', '/autodiscover/autodiscover.xml?x=%3CMK%3E', 400);
prow('ad_get', 'emailaddress and an XML fragment', AD_PATH
     . '?emailaddress=good@hz.test&%3CEMailAddress%3EMK@evil.example%3C/EMailAddress%3E', 200,
     login => 'login-good@hz.test');
prow('ad_frag', 'a fragment with markup around the address', AD_PATH
     . '?%3CEMailAddress%3E%3Cb%3EMK@hz.test%3C/b%3E%3C/EMailAddress%3E', 400);
prow('ad_frag', 'a fragment with a NUL after it', AD_PATH
     . '?%3CEMailAddress%3EMK@hz.test%3C/EMailAddress%3E%00', 400);
prow('ad_frag', 'a fragment with a bad escape', AD_PATH
     . '?%3CEMailAddress%3EMK@hz.test%3C/EMailAddress%3E%zz', 400);

# Autodiscover v2: Email and Protocol.
my $V2 = AD_JSON;
my %INVALID_REQUEST = (v2err => 'InvalidRequest');
my %INVALID_PROTOCOL = (v2err => 'InvalidProtocol');
prow('v2', 'Email twice', "$V2?Email=MK\@hz.test&Email=MK\@hz.test&Protocol=AutodiscoverV1", 400, %INVALID_REQUEST);
prow('v2', 'Email and EMAIL', "$V2?Email=MK\@hz.test&EMAIL=MK\@hz.test&Protocol=AutodiscoverV1", 400, %INVALID_REQUEST);
prow('v2', 'Email and %45mail', "$V2?Email=good\@hz.test&%45mail=MK\@hz.test&Protocol=AutodiscoverV1", 400, %INVALID_REQUEST);
prow('v2', 'Protocol and Protoco%6C', "$V2?Email=good\@hz.test&Protocol=AutodiscoverV1&Protoco%6C=MK", 400, %INVALID_PROTOCOL);
prow('v2', 'Protocol twice', "$V2?Email=MK\@hz.test&Protocol=AutodiscoverV1&Protocol=AutodiscoverV1", 400, %INVALID_PROTOCOL);
prow('v2', 'Protocol and protocol', "$V2?Email=MK\@hz.test&Protocol=AutodiscoverV1&protocol=AutodiscoverV1", 400, %INVALID_PROTOCOL);
prow('v2', 'no Protocol', "$V2?Email=MK\@hz.test", 400, %INVALID_PROTOCOL);
prow('v2', 'Protocol in lower case (accepted)', "$V2?Email=good\@hz.test&Protocol=autodiscoverv1", 200);
prow('v2', 'Protocol ActiveSync (not offered here)', "$V2?Email=good\@hz.test&Protocol=ActiveSync", 400, %INVALID_PROTOCOL);
prow('v2', 'Protocol with a NUL', "$V2?Email=good\@hz.test&Protocol=AutodiscoverV1%00MK", 400, %INVALID_PROTOCOL);
prow('v2', 'Protocol of 5000 bytes', "$V2?Email=good\@hz.test&Protocol=" . pad(5000), 400, %INVALID_PROTOCOL);
prow('v2', 'no Email: the Protocol is still checked', "$V2?Protocol=AutodiscoverV1&x=%3CMK%3E", 200);
prow('v2_path', 'the path address and Email= in the query', "$V2/v1.0/good\@hz.test?Email=MK\@evil.example&Protocol=AutodiscoverV1",
     400, %INVALID_REQUEST);
prow('v2_path', 'the path address and Email= in the query (foreign path)', "$V2/v1.0/MK\@evil.example?Email=good\@hz.test&Protocol=AutodiscoverV1",
     400, %INVALID_REQUEST);
prow('v2_path', 'a path other than /v1.0/', "$V2/v2.0/MK\@hz.test?Protocol=AutodiscoverV1", 400, %INVALID_REQUEST);
prow('v2_path', 'markup after /v1.0/', "$V2/v1.0/%3CMK%3E?Protocol=AutodiscoverV1", 400, %INVALID_REQUEST);
prow('v2_path', 'an empty address', "$V2/v1.0/?Protocol=AutodiscoverV1&x=MK", 400, %INVALID_REQUEST);
prow('v2_path', 'no Protocol', "$V2/v1.0/MK\@hz.test", 400, %INVALID_PROTOCOL);
prow('v2_path', 'a second address segment', "$V2/v1.0/MK\@hz.test/x\@hz.test?Protocol=AutodiscoverV1", 400, %INVALID_REQUEST);
prow('v2_path', 'CR LF raw in Protocol', "$V2/v1.0/good\@hz.test?Protocol=Autodisc\r\nMKoverV1", '0.9:400', %INVALID_PROTOCOL);

# The Apple profile: the address aliases, the name and its alias.
my $MCQ = MC . '?emailaddress=good@hz.test';
my %GOOD_MC = (address => 'good@hz.test');

# Every other parameter against the same variants: control characters
# percent-encoded and raw, escapes that do not decode, markup.  The raw CR
# LF ends the request line (an HTTP/0.9 request of what came before it);
# httpd refuses a raw NUL itself.
my @VARIANTS = (
    # [id, description, as sent, decoded]
    [crlf_pct => 'CR LF percent-encoded', 'x%0d%0aMK', "x\r\nMK"],
    [nul_pct  => 'NUL percent-encoded', 'x%00MK', "x\0MK"],
    [crlf_raw => 'CR LF raw', "x\r\nMK", undef],
    [nul_raw  => 'NUL raw', "x\0MK", undef],
    [lone_pct => 'a lone %', 'MK%', undef],
    [pct4     => '%4', 'MK%4', undef],
    [pctzz    => '%zz', 'MK%zz', undef],
    [markup   => 'markup, quotes and &', '%3CMK%3E%22%27%26', qq{<MK>"'&}],
);
# [what, endpoint, target (VALUE: the variant), expectations by variant
# id ('*' for the others): a spec or [spec, options]; options refill => 1:
# the Apple page refills the decoded value (escaped); echo => 1: the
# decoded value comes back escaped in a good answer].
my $CTL_NAME = [400, msg => 'control characters'];
my $BAD_ESC = [400, msg => 'malformed'];
my @SLOTS = (
    ['name', 'mc', "$MCQ&name=VALUE",
     { crlf_pct => $CTL_NAME, nul_pct => $CTL_NAME, crlf_raw => '0.9:200',
       nul_raw => 'core:400', markup => [200, echo => 1, %GOOD_MC], '*' => $BAD_ESC }],
    ['emailname', 'mc', "$MCQ&emailname=VALUE",
     { crlf_pct => $CTL_NAME, nul_pct => $CTL_NAME, crlf_raw => '0.9:200',
       nul_raw => 'core:400', markup => [200, echo => 1, %GOOD_MC], '*' => $BAD_ESC }],
    ['email', 'mc', MC . '?email=VALUE&name=Hz',
     { crlf_raw => '0.9:400', nul_raw => 'core:400',
       map({ $_ => [400, refill => 1, msg => 'not a valid'] } qw(crlf_pct nul_pct markup)),
       '*' => $BAD_ESC }],
    ['Protocol', 'v2', "$V2?Email=good\@hz.test&Protocol=VALUE",
     { crlf_raw => ['0.9:400', %INVALID_PROTOCOL], nul_raw => 'core:400',
       '*' => [400, %INVALID_PROTOCOL] }],
    ['Protocol', 'v2_path', "$V2/v1.0/good\@hz.test?Protocol=VALUE",
     { crlf_raw => ['0.9:400', %INVALID_PROTOCOL], nul_raw => 'core:400',
       '*' => [400, %INVALID_PROTOCOL] }],
    ['an unknown parameter', 'tb_wk', TB_WK . '?emailaddress=good@hz.test&x=VALUE',
     { crlf_raw => '0.9:200', nul_raw => 'core:400', '*' => [200, domain => 'hz.test'] }],
    ['an unknown parameter', 'ad_get', AD_PATH . '?emailaddress=good@hz.test&x=VALUE',
     { crlf_raw => '0.9:200', nul_raw => 'core:400', '*' => [200, login => 'login-good@hz.test'] }],
    ['an unknown parameter', 'v2', "$V2?Email=good\@hz.test&Protocol=AutodiscoverV1&x=VALUE",
     { crlf_raw => '0.9:200', nul_raw => 'core:400', '*' => 200 }],
    ['an unknown parameter', 'mc', "$MCQ&x=VALUE",
     { crlf_raw => '0.9:200', nul_raw => 'core:400', '*' => [200, %GOOD_MC] }],
    ['an unknown parameter', 'mc_page', MC . '?x=VALUE',
     { crlf_raw => '0.9:200', nul_raw => 'core:400', '*' => 200 }],
    ['the query', 'status', STATUS . '?VALUE',
     { crlf_raw => '0.9:400', nul_raw => 'core:400', '*' => 400 }],
);
for my $slot (@SLOTS) {
    my ($what, $ep, $target, $exp) = @$slot;
    for my $v (@VARIANTS) {
        my ($id, $desc, $sent, $decoded) = @$v;
        my $e = $exp->{$id} // $exp->{'*'};
        my ($want, %o) = ref $e ? @$e : ($e);
        my @allow;
        my ($refill, $echo) = (delete $o{refill}, delete $o{echo});
        push @allow, xml_esc(cut_nul($decoded)) if $refill || $echo;
        (my $t = $target) =~ s/VALUE/$sent/;
        prow($ep, "$desc in $what", $t, $want, %o, allow => \@allow);
    }
}
prow('mc', 'emailaddress twice', MC . '?emailaddress=MK@hz.test&emailaddress=MK@hz.test', 400, msg => 'given more than once');
prow('mc', 'email twice', MC . '?email=MK@hz.test&email=MK@hz.test', 400, msg => 'given more than once');
prow('mc', 'emailaddress and email', MC . '?emailaddress=MK@hz.test&email=MK@hz.test', 400, msg => 'given more than once');
prow('mc', 'email and em%61il', MC . '?email=MK@hz.test&em%61il=MK@hz.test', 400, msg => 'given more than once');
prow('mc', 'Email and EMAILADDRESS', MC . '?Email=MK@hz.test&EMAILADDRESS=MK@hz.test', 400, msg => 'given more than once');
prow('mc', 'name twice', "$MCQ&name=MK&name=MK", 400, msg => 'given more than once');
prow('mc', 'emailname twice', "$MCQ&emailname=MK&emailname=MK", 400, msg => 'given more than once');
prow('mc', 'name and emailname', "$MCQ&name=MK&emailname=MK", 400, msg => 'given more than once');
prow('mc', 'the alias email alone', MC . '?email=MK@hz.test&name=Hz', 200,
     address => 'MK@hz.test', allow => ['MK']);
prow('mc', 'the alias emailname alone', "$MCQ&emailname=MK+Name", 200,
     %GOOD_MC, allow => ['MK Name']);
prow('mc', 'DEL in the name', "$MCQ&name=x%7FMK", 400, msg => 'control characters');
prow('mc', 'a C1 control (U+0085) in the name', "$MCQ&name=x%C2%85MK", 400, msg => 'control characters');
prow('mc', 'U+2028 in the name', "$MCQ&name=x%E2%80%A8MK", 400, msg => 'line breaks');
prow('mc', 'U+202E in the name', "$MCQ&name=x%E2%80%AEMK", 400, msg => 'direction');
prow('mc', 'U+2066 in the name', "$MCQ&name=x%E2%81%A6MK", 400, msg => 'direction');
prow('mc', 'U+FFFF in the name', "$MCQ&name=x%EF%BF%BFMK", 400, msg => 'not allowed');
prow('mc', 'invalid UTF-8 in the name', "$MCQ&name=MK%C3%28", 400, msg => 'UTF-8');
prow('mc', 'a name of 129 characters', "$MCQ&name=" . pad(129, 'n'), 400, msg => 'too long',
     allow => [pad(129, 'n')]);
prow('mc', 'a name of 129 characters of UTF-8', "$MCQ&name=MK" . ('%E2%82%AC' x 127), 400,
     msg => 'too long', allow => ['MK' . ("\xe2\x82\xac" x 127)]);
prow('mc', 'a name of 128 bytes', "$MCQ&name=" . pad(128, 'n'), 200,
     %GOOD_MC, allow => [pad(128, 'n')]);
prow('mc', 'a name of 5000 bytes', "$MCQ&name=" . pad(5000, 'n'), 400, msg => 'too long');
prow('mc', 'a name of 10000 bytes (over LimitRequestLine)', "$MCQ&name=" . pad(10000, 'n'), 'core:414');
prow('mc', 'markup in the name', "$MCQ&name=%3Cb%3EMK%3C/b%3E", 200,
     %GOOD_MC, allow => ['&lt;b&gt;MK&lt;/b&gt;']);
prow('mc', 'quotes and & in the name', "$MCQ&name=%22MK%27%26x%3E", 200,
     %GOOD_MC, allow => ['&quot;MK&#39;&amp;x&gt;']);
prow('mc', 'a plist breakout in the name', "$MCQ&name=MK%3C/string%3E%3Ckey%3EPayloadType%3C/key%3E", 200,
     %GOOD_MC, allow => ['MK&lt;/string&gt;&lt;key&gt;PayloadType&lt;/key&gt;']);
prow('mc', '+ in the name is a space', "$MCQ&name=Hz+MK", 200, %GOOD_MC, allow => ['Hz MK']);
prow('mc', 'UTF-8 and an emoji in the name', "$MCQ&name=J%C3%BCrgen+%F0%9F%98%80+MK", 200,
     %GOOD_MC, allow => ["J\xC3\xBCrgen \xF0\x9F\x98\x80 MK"]);
prow('mc', 'a name but no address', MC . '?name=%3CMK%3E', 400,
     msg => 'enter your email address', allow => ['&lt;MK&gt;']);
prow('mc', 'an empty address and a name', MC . '?emailaddress=&name=MK', 400,
     msg => 'enter your email address', allow => ['MK']);
prow('mc', 'an invalid address refills the name escaped', MC . '?emailaddress=bad&name=%3CMK%3E%22', 400,
     msg => 'not a valid email address', allow => ['&lt;MK&gt;&quot;', 'bad']);
prow('mc', 'an invalid address and a name with U+202E', MC . '?emailaddress=bad&name=x%E2%80%AEMK', 400,
     msg => 'not a valid email address', allow => ['bad']);
prow('mc_page', 'unknown parameters with markup', MC . '?%3CMK%3E=%3Cx%3E&foo=%zz', 200);
prow('mc_page', 'an empty query', MC . '?', 200);
prow('status', '?json', STATUS . '?json', 200, json => 1);
prow('status', '?json with a NUL', STATUS . '?json%00MK', 400);
prow('status', 'markup in the query', STATUS . '?%3CMK%3E%22%27&x=%zz', 400);
prow('status', '?check', STATUS . '?check', 200);
prow('status', '?check=1&json', STATUS . '?check=1&json', 200, json => 1);
prow('status', '?json&check=1', STATUS . '?json&check=1', 200, json => 1);
prow('status', '?metrics', STATUS . '?metrics', 200, metrics => 1);
prow('status', '?check= with markup', STATUS . '?check=%3CMK%3E', 400);
prow('status', '?check=N too large', STATUS . '?check=99999MK', 400);
prow('status', '?check=0', STATUS . '?check=0&MK', 400);
prow('status', '?metrics with more', STATUS . '?metrics&json&MK', 400);
prow('status', 'a word twice', STATUS . '?check&check&MK', 400);

# --- (3) Host headers: never echoed.  A foreign Host reaches every vhost
# (each has its own port); markup only gets past httpd on hz_lax.  The
# answer is the one without the odd Host, byte for byte where it does not
# change by itself.  (PACC answers for the Host's domain only: below.)
for my $ep ((grep { $_ ne 'pacc' } @ENDPOINTS), @DAV_ENDPOINTS) {
    my $kind = $EP{$ep}{kind};
    my $ok = $kind eq 'dav' ? 'dav:301' : "$kind:200";
    for my $h (['a foreign Host', 'hz_all', 'MK.evil.example', $ok],
               ['a foreign Host with a port', 'hz_all', 'MK.evil.example:8443', $ok],
               ['a Host with markup', 'hz_all', '<MK>', 'core:400'],
               ['a Host with markup', 'hz_lax', '<MK>', $ok],
               ['a Host with quotes, & and markup', 'hz_lax', q{autoconfig."><MK x='&}, $ok],
               ['a Host of autodiscover.<markup>', 'hz_lax', 'autodiscover.<MK>', $ok],
               ['a Host of autoconfig.<markup>.hz2.test', 'hz_lax', 'autoconfig.<MK>.hz2.test', $ok]) {
        my $mk = new_marker();
        row(name => "$ep: $h->[0] ($h->[1])", ep => $ep, vhost => $h->[1],
            marker => $mk, want => $h->[3], same_as_good => $h->[3] !~ /^core/,
            send => ep_request($ep, headers => [Host => with_mk($h->[2], $mk)]),
            domain => 'hz.test', login => 'login-good@hz.test', address => 'good@hz.test');
    }
}
for my $vhost (qw(hz_all hz_lax)) {
    my $mk = new_marker();
    row(name => "tb_mail: a raw CR LF in the Host header ($vhost)", ep => 'tb_mail',
        vhost => $vhost, marker => $mk, want => 'core:400',
        send => "GET " . TB_MAIL . " HTTP/1.1\r\nHost: hz.test\r\n<$mk>\r\nConnection: close\r\n\r\n");
    $mk = new_marker();
    row(name => "tb_mail: a NUL in the Host header ($vhost)", ep => 'tb_mail',
        vhost => $vhost, marker => $mk, want => 'core:400',
        send => "GET " . TB_MAIL . " HTTP/1.1\r\nHost: hz.test\0$mk\r\nConnection: close\r\n\r\n");
    # (Strict refuses a second Host; Unsafe lets it through.)
    $mk = new_marker();
    row(name => "tb_mail: two Host headers ($vhost)", ep => 'tb_mail',
        vhost => $vhost, marker => $mk, domain => 'hz.test',
        want => $vhost eq 'hz_all' ? 'core:400' : 'tb:200',
        send => "GET " . TB_MAIL . " HTTP/1.1\r\nHost: hz.test\r\nHost: $mk.evil.example\r\nConnection: close\r\n\r\n");
}
# The Host picks the domain when there is no address.
{
    my $mk = new_marker();
    row(name => 'tb_mail: Host autoconfig.hz2.test picks hz2.test', ep => 'tb_mail',
        marker => $mk, want => 'tb:200', domain => 'hz2.test',
        send => ep_request('tb_mail', headers => [Host => 'autoconfig.hz2.test', 'X-Mk' => $mk]));
    $mk = new_marker();
    row(name => 'tb_mail: Host autoconfig.<markup>.hz.test falls back to the first domain',
        ep => 'tb_mail', vhost => 'hz_lax', marker => $mk, want => 'tb:200', domain => 'hz.test',
        send => ep_request('tb_mail', headers => [Host => "autoconfig.<$mk>.hz.test"]));
}

# PACC: the Host names the domain (ua-auto-config.DOMAIN or DOMAIN); any
# other Host is a 404 that names nothing of it; the query plays no part.
for my $h (['ua-auto-config.hz2.test', 'hz_all', 'pacc:200', 'hz2.test'],
           ['the domain itself (hz.test)', 'hz_all', 'pacc:200', 'hz.test', 'hz.test'],
           ['UA-AUTO-CONFIG.HZ.TEST', 'hz_all', 'pacc:200', 'hz.test'],
           ['ua-auto-config.hz.test:443', 'hz_all', 'pacc:200', 'hz.test'],
           ['ua-auto-config.xn--bcher-kva.de', 'hz_all', 'pacc:200', 'xn--bcher-kva.de'],
           ['a foreign Host', 'hz_all', 'pacc:404', undef, 'ua-auto-config.MK.evil.example'],
           ['a foreign Host with a port', 'hz_all', 'pacc:404', undef, 'MK.evil.example:8443'],
           ['autoconfig.hz.test (another prefix)', 'hz_all', 'pacc:404', undef, 'autoconfig.MK.hz.test'],
           ['ua-auto-config. alone', 'hz_all', 'pacc:404', undef, 'ua-auto-config.'],
           ['a Host with markup', 'hz_all', 'core:400', undef, '<MK>'],
           ['a Host with markup', 'hz_lax', 'pacc:404', undef, 'ua-auto-config.<MK>'],
           ['a Host with quotes, & and markup', 'hz_lax', 'pacc:404', undef,
            q{ua-auto-config."><MK x='&}],
           ['an IP literal', 'hz_all', 'pacc:404', undef, '127.0.0.1'],
           ['a Host of 300 bytes', 'hz_all', 'pacc:404', undef, 'ua-auto-config.' . pad(285, 'h')]) {
    my $mk = new_marker();
    my $host = $h->[4] // $h->[0];
    $host = with_mk($host, $mk);
    row(name => "pacc: Host $h->[0] ($h->[1])", ep => 'pacc', vhost => $h->[1],
        marker => $mk, want => $h->[2], domain => $h->[3],
        send => ep_request('pacc', headers => [Host => $host, 'X-Mk' => "<$mk>"]));
}
{
    my $mk = new_marker();
    row(name => 'pacc: no Host (HTTP/1.0)', ep => 'pacc', marker => $mk, want => 'pacc:404',
        send => "GET " . PACC . "?$mk HTTP/1.0\r\n\r\n");
}
for my $q (['an address', '?emailaddress=MK@evil.example'],
           ['markup and bad escapes', '?%3CMK%3E=%22%27&x=%zz'],
           ['a NUL percent-encoded', '?x=%00MK'],
           ['an empty query', '?'],
           ['5000 bytes', '?' . pad(5000)]) {
    my $mk = new_marker();
    row(name => "pacc: the query: $q->[0]", ep => 'pacc', marker => $mk,
        want => 'pacc:200', domain => 'hz.test', same_as_good => 1,
        send => ep_request('pacc', target => PACC . with_mk($q->[1], $mk)));
}
{
    my $mk = new_marker();
    row(name => 'pacc: CR LF raw in the query', ep => 'pacc', marker => $mk,
        want => 'pacc:0.9:404',
        send => "GET " . PACC . "?x\r\n$mk HTTP/1.1\r\nHost: ua-auto-config.hz.test\r\n\r\n");
    for my $p ('/.well-known/User-Agent-Configuration.json',
               '/.well-known/user-agent-configuration.json/',
               '/.well-known/user-agent-configuration.json%00MK') {
        $mk = new_marker();
        row(name => "pacc: another path: $p", ep => 'pacc', marker => $mk,
            want => 'core:404', send => ep_request('pacc', target => with_mk($p, $mk)));
    }
}

# --- (4) Authorization: ignored (the same answer as without), never
# logged, never asked for.
for my $ep (@ENDPOINTS, @DAV_ENDPOINTS) {
    my $kind = $EP{$ep}{kind};
    my $ok = $kind eq 'dav' ? 'dav:301' : "$kind:200";
    for my $a (['Basic', sub { 'Basic ' . MIME::Base64::encode_base64("$_[0]:pw-$_[0]", '') }],
               ['Bearer', sub { "Bearer $_[0].tok-en.$_[0]" }],
               ['an empty Basic', sub { 'Basic' }],
               ['a malformed Basic', sub { "Basic !!$_[0]<>" }]) {
        my $mk = new_marker();
        my $value = $a->[1]->($mk);
        push @TOKENS, $value =~ /(\S+)$/ if $value =~ /\s/;
        row(name => "$ep: Authorization: $a->[0]", ep => $ep, marker => $mk,
            want => $ok, same_as_good => 1,
            send => ep_request($ep, headers => [Authorization => $value]),
            domain => 'hz.test', login => 'login-good@hz.test', address => 'good@hz.test');
    }
}

# --- (5) methods
for my $ep (@ENDPOINTS, @DAV_ENDPOINTS) {
    my $e = $EP{$ep};
    my $kind = $e->{kind};
    my $target = $e->{target};
    # ad_post and ad_get are one endpoint: methods go to the GET form.
    next if $ep eq 'ad_post';
    my $is_ad = $kind eq 'ad';
    for my $m (qw(GET HEAD POST PUT DELETE PATCH OPTIONS TRACE PROPFIND FOO MKCOL LOCK)) {
        my $mk = new_marker();
        my $body = $m =~ /^(POST|PUT|PATCH|PROPFIND)$/ ? $GOOD_XML : undef;
        my $want = $kind eq 'dav' ? 'dav:301'
                 : $m eq 'GET' || $m eq 'HEAD' ? "$kind:200"
                 : $m eq 'OPTIONS' ? 'opt:200'
                 : $m eq 'POST' && $is_ad ? 'ad:200'
                 : "$kind:405";
        my %r = (name => "$ep: method $m", ep => $ep, marker => $mk, want => $want,
                 send => http_request($m, $target, [($e->{host} ? (Host => $e->{host}) : ()),
                                      'X-Mk' => "<$mk>",
                                      ($body ? ('Content-Type' => 'text/xml') : ()),
                                      Connection => 'close'], $body),
                 domain => 'hz.test', login => 'login-good@hz.test',
                 address => 'good@hz.test');
        $r{heads} = [1], $r{head} = 1 if $m eq 'HEAD';
        row(%r);
    }
    # CONNECT with a path: httpd refuses it before the module sees it.
    my $mk = new_marker();
    row(name => "$ep: method CONNECT with a path", ep => $ep, marker => $mk,
        want => 'core:400',
        send => http_request('CONNECT', $target, ['X-Mk' => "<$mk>", Connection => 'close']));
}
for my $vhost (qw(hz_all hz_lax)) {
    my $mk = new_marker();
    row(name => "CONNECT hz.test:443 ($vhost): not a module path", ep => 'tb_mail',
        vhost => $vhost, marker => $mk, want => 'core:405',
        send => http_request('CONNECT', 'hz.test:443',
                             [Host => 'hz.test:443', 'X-Mk' => "<$mk>", Connection => 'close']));
}

# --- (6) bodies: on every endpoint; those that answer GET only must read
# and drop what comes with a POST and keep the connection working.  Every
# row sends a good GET on the same connection after the body.
my $NEXT = ep_request('tb_mail', target => $GOOD_TB);
sub filler { my ($mk, $n) = @_; my $f = "<$mk>&\"'\r\n\0"; return substr($f x (int($n / length $f) + 1), 0, $n) }

for my $ep (grep { $_ ne 'ad_get' } @ENDPOINTS) {
    my $e = $EP{$ep};
    my $kind = $e->{kind};
    my $is_ad = $ep eq 'ad_post';
    my $first_ok = $is_ad ? 'ad:200' : "$kind:405";
    my %common = (ep => $ep, domain => 'hz.test', login => 'login-good@hz.test',
                  address => 'good@hz.test');
    my $post = sub {
        my ($headers, $body) = @_;
        return http_request('POST', $e->{target},
                            ['Content-Type' => 'text/xml', @$headers], $body);
    };
    my $mk;

    $mk = new_marker();
    my $big = filler($mk, 100_000);
    row(name => "$ep: 100 KB body with Content-Length", marker => $mk, %common,
        send => [$post->([], $big), $NEXT],
        want => $is_ad ? ['ad:413'] : ["$kind:405", 'tb:200'],
        closed => 1, max_secs => 5);

    $mk = new_marker();
    $big = filler($mk, 100_000);
    row(name => "$ep: 100 KB chunked body (no Content-Length)", marker => $mk, %common,
        send => [$post->(['Transfer-Encoding' => 'chunked'], chunked($big, 7000)), $NEXT],
        want => $is_ad ? ['ad:413'] : ["$kind:405", 'tb:200'],
        closed => 1, max_secs => 5);

    $mk = new_marker();
    my $small = $is_ad ? $GOOD_XML : filler($mk, 600);
    row(name => "$ep: small chunked body", marker => $mk, %common,
        send => [$post->(['Transfer-Encoding' => 'chunked'], chunked($small, 50)), $NEXT],
        want => [$first_ok, 'tb:200'], closed => 1);

    $mk = new_marker();
    $small = $is_ad ? $GOOD_XML : filler($mk, 600);
    my $n = 10;
    my $piece = int(length($small) / $n) + 1;
    row(name => "$ep: a body trickled over 2 s", marker => $mk, %common,
        send => [$post->(['Content-Length' => length $small]),
                 map({ (\0.2, substr($small, $_ * $piece, $piece)) } 0 .. $n - 1),
                 $NEXT],
        want => [$first_ok, 'tb:200'], closed => 1, min_secs => 1.9, max_secs => 8);

    # The body ends before its Content-Length: 400, as httpd's own handlers
    # answer when ap_discard_request_body() fails.
    $mk = new_marker();
    $small = $is_ad ? $GOOD_XML : filler($mk, 600);
    row(name => "$ep: Content-Length larger than the body, then half-closed",
        marker => $mk, %common, opts => { half_close => 1, timeout => 5 },
        send => $post->(['Content-Length' => length($small) + 1000], $small),
        # GET-only endpoints refuse the method before reading: the short
        # text answer whatever the endpoint's own error form.
        want => [$is_ad ? 'ad:400' : 'tb:400'], closed => 1, max_secs => 3);

    # Expect: 100-continue and a body that will not be read: the final
    # answer comes at once, without 100 Continue, and nobody waits for the
    # body.
    $mk = new_marker();
    row(name => "$ep: Expect: 100-continue, 100 KB announced, not sent",
        marker => $mk, %common, opts => { timeout => 2 },
        send => $post->(['Content-Length' => 100_000, Expect => '100-continue',
                         'X-Mk' => "<$mk>"]),
        want => [$is_ad ? 'ad:413' : "$kind:405"], closed => 1, max_secs => 3);

    $mk = new_marker();
    row(name => "$ep: two different Content-Length headers", marker => $mk, %common,
        send => [$post->(['Content-Length' => 10, 'Content-Length' => 12, 'X-Mk' => "<$mk>"],
                         'x' x 12), $NEXT],
        want => ['core:400'], closed => 1);

    $mk = new_marker();
    $small = $is_ad ? $GOOD_XML : filler($mk, 600);
    row(name => "$ep: Content-Length smaller than the body: the rest is a request",
        marker => $mk, %common,
        send => $post->(['Content-Length' => length $small], $small . $NEXT),
        want => [$first_ok, 'tb:200'], closed => 1);

    $mk = new_marker();
    $small = $is_ad ? $GOOD_XML : filler($mk, 600);
    row(name => "$ep: Content-Length smaller than the body: the rest is garbage",
        marker => $mk, %common,
        send => $post->(['Content-Length' => length $small],
                        $small . "<$mk> \"&\r\n\r\n"),
        want => [$first_ok, 'core:400'], closed => 1);

    # httpd goes by Transfer-Encoding, drops the Content-Length and closes
    # the connection after the answer (RFC 9112, 6.3).
    $mk = new_marker();
    row(name => "$ep: Content-Length and chunked together", marker => $mk, %common,
        send => [$post->(['Content-Length' => 5, 'Transfer-Encoding' => 'chunked'],
                         chunked($is_ad ? $GOOD_XML : filler($mk, 600), 100)), $NEXT],
        want => [$first_ok], closed => 1);

    $mk = new_marker();
    row(name => "$ep: a Content-Length that is not a number", marker => $mk, %common,
        send => [$post->(['Content-Length' => "12<$mk>"], 'x' x 12), $NEXT],
        want => ['core:400'], closed => 1);
}
# Autodiscover with Expect: 100-continue: a good body is asked for and
# answered; a body of the wrong type is refused at once.
{
    my $mk = new_marker();
    row(name => 'ad_post: Expect: 100-continue with a good body', ep => 'ad_post',
        marker => $mk, login => 'login-good@hz.test',
        send => http_request('POST', AD_PATH, ['Content-Type' => 'text/xml',
            Expect => '100-continue', 'X-Mk' => "<$mk>", Connection => 'close'], $GOOD_XML),
        want => ['cont:100', 'ad:200'], closed => 1);
    $mk = new_marker();
    row(name => 'ad_post: Expect: 100-continue, text/plain, 100 KB announced, not sent',
        ep => 'ad_post', marker => $mk, opts => { timeout => 2 },
        send => http_request('POST', AD_PATH, ['Content-Type' => 'text/plain',
            'Content-Length' => 100_000, Expect => '100-continue', 'X-Mk' => "<$mk>"]),
        want => ['ad:415'], closed => 1, max_secs => 3);
}
# The media type is matched exactly: text/xmlfoo is not XML.
for my $ct ('text/xmlfoo', 'application/xml-foo; charset=utf-8', 'text/xml2') {
    my $mk = new_marker();
    row(name => "ad_post: Content-Type $ct", ep => 'ad_post', marker => $mk,
        send => http_request('POST', AD_PATH, ['Content-Type' => $ct,
            'X-Mk' => "<$mk>", Connection => 'close'], $GOOD_XML),
        want => ['ad:415'], closed => 1);
}

# A GET that carries a body: answered, the body dropped, the connection kept.
for my $ep (grep { $_ ne 'ad_post' } @ENDPOINTS) {
    my $e = $EP{$ep};
    my $mk = new_marker();
    row(name => "$ep: GET with a 100 KB body", ep => $ep, marker => $mk,
        domain => 'hz.test', login => 'login-good@hz.test', address => 'good@hz.test',
        send => [ep_request($ep, close => 0, body => filler($mk, 100_000)), $NEXT],
        want => ["$e->{kind}:200", 'tb:200'], closed => 1);
}

# --- (6b) CalDAV and CardDAV (RFC 6764), besides the methods, Hosts and
# Authorization headers above: the Host picks the domain, queries and
# bodies change nothing, and nothing of the request goes into Location.
for my $ep (@DAV_ENDPOINTS) {
    my $target = $EP{$ep}{target};
    my $mk;
    $mk = new_marker();
    row(name => "$ep: Host autoconfig.hz2.test picks hz2.test", ep => $ep,
        marker => $mk, want => 'dav:301', dav_domain => 'hz2.test',
        send => ep_request($ep, headers => [Host => 'autoconfig.hz2.test', 'X-Mk' => $mk]));
    $mk = new_marker();
    row(name => "$ep: Host HZ2.TEST. picks hz2.test (httpd normalises it)",
        ep => $ep, marker => $mk, want => 'dav:301', dav_domain => 'hz2.test',
        send => ep_request($ep, headers => [Host => 'HZ2.TEST.', 'X-Mk' => $mk]));
    for my $q ('?<MK>', '?a=MK%0d%0aSet-Cookie:%20x', "?%22MK'&") {
        $mk = new_marker();
        row(name => "$ep: query $q", ep => $ep, marker => $mk, want => 'dav:301',
            same_as_good => 1,
            send => ep_request($ep, target => $target . with_mk($q, $mk)));
    }
    $mk = new_marker();
    row(name => "$ep: a path below it is not claimed", ep => $ep, marker => $mk,
        want => 'core:404',
        send => ep_request($ep, target => "$target/<MK>" =~ s/MK/$mk/r));
    $mk = new_marker();
    row(name => "$ep: PROPFIND with a 100 KB body, then a good request",
        ep => $ep, marker => $mk, want => ['dav:301', 'tb:200'], closed => 1,
        max_secs => 5,
        send => [http_request('PROPFIND', $target, ['Content-Type' => 'text/xml',
                              Depth => 0], filler($mk, 100_000)), $NEXT]);
    $mk = new_marker();
    row(name => "$ep: PROPFIND with a 100 KB chunked body, then a good request",
        ep => $ep, marker => $mk, want => ['dav:301', 'tb:200'], closed => 1,
        max_secs => 5,
        send => [http_request('PROPFIND', $target, ['Content-Type' => 'text/xml',
                              'Transfer-Encoding' => 'chunked'],
                              chunked(filler($mk, 100_000), 7000)), $NEXT]);
    $mk = new_marker();
    row(name => "$ep: Expect: 100-continue, 100 KB announced, not sent",
        ep => $ep, marker => $mk, opts => { timeout => 2 },
        send => http_request('PROPFIND', $target, ['Content-Length' => 100_000,
                             Expect => '100-continue', 'X-Mk' => "<$mk>"]),
        want => ['dav:301'], closed => 1, max_secs => 3);
}

# --- (7) the hostile Autodiscover bodies of t/autodiscover_hostile.t, on
# hz_all (same 16384-byte limit as their own ad_basic; the cases made for
# other limits are left to that file).
for my $c (ad_body_cases(trap_url => $TRAP_URL)) {
    next if $c->{vhost};
    my $mk = new_marker();
    my $send = $c->{raw} // http_request('POST', AD_PATH,
        ['Content-Type' => $c->{type} // 'text/xml', Connection => 'close'], $c->{body});
    row(name => "ad_post: shared body: $c->{name}", ep => 'ad_post', marker => $mk,
        want => "ad:$c->{status}", send => $send, markers => $c->{markers},
        max_secs => $c->{max_secs});
}

# ------------------------------------------------------------ checks

sub host_port {
    my ($vhost) = @_;
    my $u = URI->new(vhost_url($vhost, '/'));
    return ($u->host, $u->port);
}

my %GOOD;    # "vhost ep" => the good request's answer
sub good_answer {
    my ($vhost, $ep) = @_;
    return $GOOD{"$vhost $ep"} //= do {
        my $x = raw_exchange(host_port($vhost), ep_request($ep));
        $x->{responses}[0];
    };
}

sub xpath {
    my ($doc, $expr, %ns) = @_;
    my $xc = XML::LibXML::XPathContext->new($doc);
    $xc->registerNs($_ => $ns{$_}) for keys %ns;
    return $xc->findnodes($expr);
}

# The answer's form, by kind and status.  $v09: no headers to look at.
sub check_form {
    my ($res, $kind, $status, $row, $v09) = @_;
    my $ct = $res->header('Content-Type') // '';
    my $body = $res->content // '';
    my $head = $row->{head} && !$v09;

    if ($kind eq 'core') {
        like($ct, qr{^text/html}, 'httpd\'s own error page') unless $v09;
        unlike($body, qr/mailautoconf|clientConfig|Autodiscover/i, 'not from the module');
        return;
    }
    if ($kind eq 'cont') {
        is($body, '', '100 Continue: no body');
        return;
    }
    if ($kind eq 'opt') {
        is($res->header('Allow'), $EP{$row->{ep}}{allow}, 'Allow');
        is($body, '', 'no body');
        is($res->header('Content-Length') // '0', '0', 'Content-Length: 0');
        return;
    }
    unless ($v09) {
        is($res->header('X-Content-Type-Options'), 'nosniff', 'nosniff');
    }
    if ($kind eq 'dav') {
        my $d = $row->{dav_domain} // 'hz.test';
        is($res->header('Location'), $EP{$row->{ep}}{location}->($d),
           "Location: the service URL for $d");
        like($res->header('Cache-Control') // '', qr/\Amax-age=\d+\z/,
             'Cache-Control');
        return;
    }
    if ($status == 405) {
        is($res->header('Allow'), $EP{$row->{ep}}{allow}, 'Allow');
        if ($kind eq 'ad') {
            check_ad_error($body, 600);
        }
        else {
            like($ct, qr{^text/plain}, 'text/plain');
            is($body, "This address answers GET and HEAD only.\n", 'the 405 text');
        }
        return;
    }
    if ($head) {
        is($body, '', 'HEAD: no body');
        my $good = good_answer($row->{vhost} // 'hz_all', $row->{ep});
        is($res->header('Content-Length'), length($good->content),
           'HEAD: the Content-Length of the GET answer')
            unless $EP{$row->{ep}}{volatile};
        return;
    }
    if ($kind eq 'tb') {
        if ($status == 200) {
            like($ct, qr{^application/xml}, 'application/xml') unless $v09;
            my $doc = eval { parse_xml($body) };
            ok($doc && $doc->documentElement->nodeName eq 'clientConfig',
               'a clientConfig document') or return diag($@);
            is($doc->findvalue('/clientConfig/emailProvider/@id'), $row->{domain},
               "for $row->{domain}") if defined $row->{domain};
        }
        else {
            like($ct, qr{^text/plain}, 'text/plain') unless $v09;
            like($body, $status == 404 ? qr/\ANo settings for that domain here\.\n\z/
                                       : qr/\ABad request: [^<>\r]*\.\n\z/, 'the error text');
            like($body, qr/xn-- \(A-label\) form/, 'the A-label hint') if $row->{hint};
        }
        return;
    }
    if ($kind eq 'ad') {
        if ($status == 200) {
            like($ct, qr{^application/xml}, 'application/xml') unless $v09;
            my $doc = eval { parse_xml($body) };
            ok($doc, 'XML') or return diag($@ . $body);
            my @login = map { $_->textContent }
                xpath($doc, '//o:Protocol[o:Type="IMAP" or o:Type="POP3" or o:Type="SMTP"]/o:LoginName',
                      o => NS_OUTLOOK)->get_nodelist;
            is(scalar @login, 3, 'three servers (IMAP, POP3, SMTP)');
            is_deeply([sort { $a cmp $b } keys %{ { map { $_ => 1 } @login } }], [$row->{login}],
                      'LoginName from the template') if defined $row->{login};
        }
        else {
            check_ad_error($body, $status == 404 ? 500 : 600, $v09);
        }
        return;
    }
    if ($kind eq 'v2') {
        like($ct, qr{^application/json}, 'application/json') unless $v09;
        my $j = eval { JSON::PP->new->decode($body) };
        ok($j, 'JSON') or return diag($@ . $body);
        if ($status == 200) {
            is_deeply($j, { Protocol => 'AutodiscoverV1',
                            Url => 'https://' . $SERVER_NAME{$row->{vhost} // 'hz_all'}
                                 . '/autodiscover/autodiscover.xml' },
                      'the POX URL from ServerName');
        }
        elsif ($status == 404) {
            is($j->{ErrorCode}, 'NotFound', 'ErrorCode NotFound');
        }
        else {
            my $want = $row->{v2err} // 'InvalidRequest';
            is($j->{ErrorCode}, $want, "ErrorCode $want");
        }
        return;
    }
    if ($kind eq 'mc' && $status == 200) {
        is($ct, 'application/x-apple-aspen-config', 'a profile') unless $v09;
        my $doc = eval { parse_xml($body) };
        ok($doc && $doc->documentElement->nodeName eq 'plist', 'a property list')
            or return diag($@);
        my @addr = map { $_->textContent } xpath($doc,
            '//key[.="EmailAddress"]/following-sibling::*[1]')->get_nodelist;
        is_deeply(\@addr, [$row->{address}], 'EmailAddress') if defined $row->{address};
        like($res->header('Content-Disposition') // '',
             qr/\Aattachment; filename="[a-z0-9.-]+-email\.mobileconfig"\z/,
             'Content-Disposition') unless $v09;
        return;
    }
    if ($kind eq 'mc' || $kind eq 'page') {
        like($ct, qr{^text/html}, 'text/html') unless $v09;
        like($body, qr/\A<!DOCTYPE html>/, 'the page');
        if ($status == 200) {
            unlike($body, qr/role="alert"|class="field-error"/, 'no error message');
        }
        else {
            like($body, qr/role="alert"|class="field-error"/, 'an error message');
            like($body, qr/\Q$row->{msg}\E/, "saying '$row->{msg}'") if $row->{msg};
            like($body, qr/xn-- \(A-label\) form/, 'the A-label hint') if $row->{hint};
        }
        return;
    }
    if ($kind eq 'status') {
        if ($status == 400) {
            like($ct, qr{^text/plain}, 'text/plain') unless $v09;
            like($body, qr/\ABad request: the status page takes /, 'says what the page takes');
        }
        elsif ($row->{metrics}) {
            is($ct, 'text/plain; version=0.0.4; charset=utf-8', 'the Prometheus text format')
                unless $v09;
            like($body, qr/^# TYPE mailautoconf_requests_total counter$/m, 'the counters');
        }
        elsif ($row->{json}) {
            like($ct, qr{^application/json}, 'JSON') unless $v09;
            ok(eval { JSON::PP->new->decode($body) }, 'valid JSON');
        }
        else {
            like($ct, qr{^text/html}, 'text/html') unless $v09;
            like($body, qr/<html/i, 'the status page');
        }
        return;
    }
    if ($kind eq 'pacc') {
        if ($status == 200) {
            is($ct, 'application/json', 'application/json') unless $v09;
            my @e = pacc_errors($body);
            is(scalar @e, 0, 'a valid PACC document') or diag(join "\n", @e);
            my $j = eval { JSON::PP->new->decode($body) } // {};
            is($j->{protocols}{imap}{host}, 'imap.hz.test', 'the IMAP host');
            # hz_all and hz_lax also set MailAutoconfCalDAV and CardDAV.
            like($j->{protocols}{caldav}{url} // '', qr{\Ahttps://dav\.[a-z0-9.-]+/cal/\z},
                 'the CalDAV URL, the domain filled in');
            like($j->{protocols}{carddav}{url} // '',
                 qr{\Ahttps://dav\.example\.net/card/[a-z0-9.-]+/\z},
                 'the CardDAV URL, the domain filled in');
            my @other = grep { !/^(imap|pop3|smtp|caldav|carddav)$/ } keys %{ $j->{protocols} };
            is_deeply(\@other, [], 'no protocol but IMAP, POP3, SMTP, CalDAV, CardDAV');
        }
        else {
            like($ct, qr{^text/plain}, 'text/plain') unless $v09;
            like($body, qr/\ANo settings for that (?:host|domain) here\.\n\z/,
                 'the 404 text');
        }
        return;
    }
    fail("no form check for kind $kind");
}

sub check_ad_error {
    my ($body, $code, $v09) = @_;
    my $doc = eval { parse_xml($body) };
    ok($doc, 'the Autodiscover error form') or return diag($@ . $body);
    my @err = xpath($doc, '/a:Autodiscover/a:Response/a:Error', a => NS_RESPONSE)->get_nodelist;
    is(scalar @err, 1, 'one Error') or return;
    is($err[0]->findvalue('*[local-name()="ErrorCode"]'), $code, "ErrorCode $code");
}

# (b): the marker only inside the escaped strings the row allows.
sub check_no_echo {
    my ($raw, $row) = @_;
    my $s = $raw;
    for my $a (sort { length $b <=> length $a } grep { length } @{ $row->{allow} // [] }) {
        $s =~ s/\Q$a\E//g;
    }
    my @found;
    while ($s =~ /(.{0,40})\Q$row->{marker}\E(.{0,40})/gis) {
        push @found, "...$1$row->{marker}$2...";
    }
    is(scalar @found, 0, 'nothing of the input comes back but the allowed escaped forms')
        or diag(join("\n", map { my $x = $_; $x =~ s/([^\x20-\x7E])/sprintf '\\x%02X', ord $1/ge; $x } @found));
    for my $m (@{ $row->{markers} // [] }) {
        unlike($raw, qr/\Q$m\E/i, "'$m' is not in the answer");
    }
}

sub still_answers {
    my ($vhost) = @_;
    my $res = vhost_get($vhost, $GOOD_TB);
    is($res->code, 200, "$vhost still answers a good request")
        or diag($res->as_string);
}

sub parse_spec {
    my ($spec) = @_;
    $spec =~ /\A(\w+):(?:(0\.9):)?(\d+)\z/ or die "bad spec '$spec'\n";
    return ($1, $2, $3);
}

sub run_row {
    my ($row) = @_;
    my $vhost = $row->{vhost} //= 'hz_all';
    my @want = ref $row->{want} ? @{ $row->{want} } : ($row->{want});
    my $x = raw_exchange(host_port($vhost), $row->{send},
                         %{ $row->{opts} // {} }, heads => $row->{heads});
    {
        local $TODO = $row->{todo};
        my @res = @{ $x->{responses} };
        is(scalar @res, scalar @want, scalar(@want) . ' answer(s)')
            or diag(substr($x->{raw}, 0, 2000));
        for my $i (0 .. $#want) {
            my $res = $res[$i] or last;
            my ($kind, $v09, $status) = parse_spec($want[$i]);
            if ($v09) {
                is($res->code, '0.9', 'an HTTP/0.9 answer: the raw line break ended the request line');
            }
            else {
                is($res->code, $status, "answer " . ($i + 1) . ": HTTP $status")
                    or diag(substr($res->as_string, 0, 1500));
            }
            ok(!defined $res->header('WWW-Authenticate'), 'no WWW-Authenticate');
            check_form($res, $kind, $status, { %$row, head => $row->{head} && $i == 0 }, $v09);
        }
        ok(!defined($res[-1] && $res[-1]{_mac_trailing}), 'no stray bytes after the answers')
            if @res;
        ok($x->{closed}, 'the connection is closed') if $row->{closed};
        if ($row->{same_as_good} && !$EP{$row->{ep}}{volatile} && $res[0]) {
            my $good = good_answer($vhost, $row->{ep});
            is($res[0]->content, $good->content, 'the same answer as without');
        }
        check_no_echo($x->{raw}, $row);
        cmp_ok($x->{secs}, '>=', $row->{min_secs}, "took at least $row->{min_secs} s")
            if $row->{min_secs};
        cmp_ok($x->{secs}, '<', $row->{max_secs} * slack(),
               'answered within ' . ($row->{max_secs} * slack()) . ' s')
            if $row->{max_secs};
    }
    still_answers($vhost);
}

sub log_since_start {
    open my $fh, '<', $ERROR_LOG or return '';
    binmode $fh;
    seek $fh, $LOG_START, 0;
    local $/;
    my $s = <$fh>;
    return $s // '';
}

# ------------------------------------------------------------ run

my @final = (
    ['no child died' => sub {
        my $log = log_since_start();
        my @bad = $log =~ /^(.*(?:exit signal|Segmentation fault|AH00052|AH00051|AH00060).*)$/mg;
        is(scalar @bad, 0, 'no "exit signal" in the error log') or diag(join "\n", @bad);
    }],
    ['Authorization tokens are never logged' => sub {
        ok(@TOKENS >= 2 * (@ENDPOINTS + @DAV_ENDPOINTS), scalar(@TOKENS) . ' tokens sent');
        open my $fh, '<', $ERROR_LOG or return fail("open $ERROR_LOG: $!");
        binmode $fh;
        my $log = do { local $/; <$fh> };
        my @hits = grep { index($log, $_) >= 0 } @TOKENS;
        is(scalar @hits, 0, 'no token in t/logs/error_log') or diag("@hits");
    }],
    ['no marker in the module\'s log lines' => sub {
        my @lines = grep { /\[mailautoconf:/ } split /\n/, log_since_start();
        ok(scalar @lines, scalar(@lines) . ' module log lines');
        my $text = join "\n", @lines;
        my @hits = grep { index($text, $_) >= 0 } @MARKERS;
        is(scalar @hits, 0, 'the module logs no input') or diag("@hits[0 .. ($#hits < 9 ? $#hits : 9)]");
    }],
    ['nobody connected to the trap listener' => sub {
        my ($n, $sel) = (0, IO::Select->new($TRAP));
        while ($sel->can_read(0.2)) {
            my $c = $TRAP->accept or last;
            close $c;
            $n++;
        }
        is($n, 0, "no connection to $TRAP_URL");
    }],
);

plan tests => @ROWS + @final;
for my $row (@ROWS) {
    subtest $row->{name} => sub { run_row($row) };
}
for my $f (@final) {
    subtest $f->[0] => $f->[1];
}
