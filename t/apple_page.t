# SPDX-License-Identifier: Apache-2.0
# Licensed under the Apache License, Version 2.0; see LICENSE.
# The HTML page of the Apple configuration profile path: the form it shows
# without parameters (structure, headers, which domain it names, its
# action), and the error pages for bad names, bad addresses, foreign
# domains, duplicate and malformed parameters, which must never reflect
# the input raw.  The profiles themselves are in t/apple.t.
# Scenarios: <VirtualHost apple_*> in t/conf/apple.conf.in.
use strict;
use warnings FATAL => 'all';
use utf8;

use Apache::Test qw(-withtestmore);
use MailAutoconfTest qw(vhost_get vhost_request);
use Encode ();
use XML::LibXML ();

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

my $PATH       = '/email.mobileconfig';
my $OWN_PATH   = '/apple/profile.mobileconfig';
my $HTML_CT    = 'text/html; charset=utf-8';
my $PROFILE_CT = 'application/x-apple-aspen-config';
my $BASIC_NAME = q{Example <Mail> & "Co"};

# ----------------------------------------------------------------- helpers

# HTML5 elements libxml2's (HTML 4) parser does not know; its complaint
# about them is the only one tolerated.
my $HTML5_TAGS = qr/main|header|footer|nav|section|article|aside/;

# Parse the page; returns (document, [parser errors]).
sub parse_html {
    my ($bytes) = @_;
    my $warnings = '';
    local $SIG{__WARN__} = sub { $warnings .= join '', @_ };
    my $doc = eval {
        XML::LibXML->new(no_network => 1, load_ext_dtd => 0)
                   ->load_html(string => $bytes, encoding => 'UTF-8',
                               recover => 1, no_network => 1);
    };
    $warnings .= $@ if $@;
    my @errors = grep { !/^Tag (?:$HTML5_TAGS) invalid\b/ }
                 map  { (split /\n/, $_)[0] }
                 grep { /\S/ } split /(?:^|\n)HTML parser error : /, $warnings;
    return ($doc, \@errors);
}

sub attr {
    my ($node, $name) = @_;
    return $node ? $node->getAttribute($name) : undef;
}

sub norm { my ($s) = @_; $s //= ''; $s =~ s/\s+/ /g; $s =~ s/^ | $//g; $s }

# The structure every page (form or error) must have.  $x: { domain, name,
# action }.  Returns the document.
sub check_structure {
    my ($bytes, $x) = @_;
    my $text = eval { Encode::decode('UTF-8', $bytes, Encode::FB_CROAK() | Encode::LEAVE_SRC()) };
    ok(defined $text, 'the body is valid UTF-8');
    like($bytes, qr/\A<!DOCTYPE html>/i, 'starts with <!DOCTYPE html>');
    my ($doc, $errors) = parse_html($bytes);
    ok($doc, 'parses as HTML') or return;
    is_deeply($errors, [], 'without parser errors');

    my $html = $doc->documentElement;
    is($html->nodeName, 'html', 'root <html>');
    like(attr($html, 'lang') // '', qr/^[a-z]{2,3}(?:-[A-Za-z0-9]+)*\z/,
         '<html lang>');
    ok($doc->findnodes('/html/head/meta[translate(@charset,"UTF","utf")="utf-8"]')->size,
       '<meta charset="utf-8">');

    my @title = $doc->findnodes('/html/head/title');
    is(scalar @title, 1, 'one <title>');
    my @h1 = $doc->findnodes('//h1');
    is(scalar @h1, 1, 'one <h1>');
    for my $e (['title', $title[0]], ['h1', $h1[0]]) {
        my $t = norm($e->[1] ? $e->[1]->textContent : '');
        ok(index($t, $x->{name}) >= 0, "<$e->[0]> names \"$x->{name}\"")
            or diag($t);
        ok(index($t, $x->{domain}) >= 0, "<$e->[0]> names $x->{domain}")
            or diag($t);
    }

    my @forms = $doc->findnodes('//form');
    is(scalar @forms, 1, 'one <form>');
    my $form = $forms[0];
    is(lc(attr($form, 'method') // ''), 'get', 'method="get"');
    is(attr($form, 'action'), $x->{action}, "action=\"$x->{action}\"");

    for my $field (qw(name emailaddress)) {
        my @in = $form ? $form->findnodes(qq{.//input[\@name="$field"]}) : ();
        is(scalar @in, 1, "one input name=$field");
        my $id = attr($in[0], 'id') // '';
        ok(length $id, "input $field has an id");
        my @labels = $doc->findnodes(qq{//label[\@for="$id"]});
        is(scalar @labels, 1, "input $field has a <label for=\"$id\">");
        like(norm($labels[0] && $labels[0]->textContent), qr/\S/,
             'the label has text');
    }
    is(attr(($form ? $form->findnodes('.//input[@name="emailaddress"]') : ())[0],
            'type'), 'email', 'the address field is type="email"');
    ok($form && $form->findnodes('.//button[not(@type) or @type="submit"]'
                                 . ' | .//input[@type="submit"]')->size,
       'a submit button');

    # nothing active, nothing external
    is($doc->findnodes('//script | //iframe | //object | //embed | //link'
                       . ' | //img | //base')->size, 0,
       'no <script> or external resource');
    is_deeply([map { $_->nodeName } $doc->findnodes('//@*[starts-with(name(), "on")]')],
              [], 'no event handler attributes');
    unlike($bytes, qr/javascript:/i, 'no javascript: URL');

    my %ids;
    $ids{ $_->value }++ for $doc->findnodes('//@id');
    is_deeply([grep { $ids{$_} > 1 } sort keys %ids], [], 'ids are unique');
    my @refs = map { split ' ', $_->value } $doc->findnodes('//@aria-describedby');
    is_deeply([grep { !$ids{$_} } @refs], [],
              'aria-describedby refers to existing ids');
    return $doc;
}

sub check_headers {
    my ($res, $status, $cache) = @_;
    is($res->code, $status, "status $status") or diag($res->as_string);
    is($res->header('Content-Type'), $HTML_CT, "Content-Type: $HTML_CT");
    like($res->header('Content-Security-Policy') // '',
         qr/default-src 'none'/, "Content-Security-Policy: default-src 'none'");
    unlike($res->header('Content-Security-Policy') // '', qr/unsafe-eval|script-src[^;]*\*/,
           'the policy allows no scripts');
    is($res->header('X-Content-Type-Options'), 'nosniff',
       'X-Content-Type-Options: nosniff');
    is($res->header('Cache-Control'), $cache, "Cache-Control: $cache")
        if defined $cache;
    is($res->header('Content-Disposition'), undef, 'no Content-Disposition');
    is($res->header('Content-Length'), length($res->content),
       'Content-Length matches the body');
}

# ------------------------------------------------------------------ pages

my %HOSTS = (
    apple_basic => { domain => 'example.com', name => $BASIC_NAME, action => $PATH },
    apple_pop   => { domain => 'example.net', name => 'POP Provider', action => $PATH },
    apple_path  => { domain => 'example.com', name => 'Path Provider', action => $OWN_PATH },
    apple_signed_ec => { domain => 'example.com', name => $BASIC_NAME, action => $PATH },
);

my @PAGES = (
    # [vhost, Host header or undef, expected domain]
    ['apple_basic', undef,                      'example.com'],
    ['apple_basic', 'autoconfig.example.com',   'example.com'],
    ['apple_basic', 'autoconfig.example.org',   'example.org'],
    ['apple_basic', 'AutoConfig.Example.ORG',   'example.org'],
    ['apple_basic', 'example.org',              'example.org'],
    ['apple_basic', 'autodiscover.example.org', 'example.org'],
    ['apple_basic', 'autoconfig.other.test',    'example.com'],
    ['apple_basic', 'autoconfig.example.org:8080', 'example.org'],
    ['apple_pop',   undef,                      'example.net'],
    ['apple_path',  undef,                      'example.com'],
    ['apple_signed_ec', undef,                  'example.com'],
);

# ----------------------------------------------------------------- errors

my $A = 'emailaddress=alice@example.com';

# [label, vhost, query, status, {
#    forbid  => [raw byte strings that must not be in the body],
#    name    => expected refilled name value, or undef: none required,
#    address => expected refilled address value, or undef,
#    msg     => pattern the message's text must match,
#    field   => the field the message is about: name or address }]
my @ERRORS = (
    # bad names: refused, never reflected raw
    ['name with CR LF', 'apple_basic', "$A&name=MARK%0D%0A%3Cb%3EX", 400,
     { forbid => ["MARK\r", "\r\n<b>", "<b>"], msg => qr/\bname\b/i, field => 'name' }],
    ['name with LF', 'apple_basic', "$A&name=MARK%0AX", 400,
     { forbid => ["MARK\n"], msg => qr/\bname\b/i, field => 'name' }],
    ['name with NUL', 'apple_basic', "$A&name=MARK%00%3Cb%3E", 400,
     { forbid => ["\0", "<b>"], msg => qr/\bname\b/i, field => 'name' }],
    ['name with TAB', 'apple_basic', "$A&name=MARK%09X", 400,
     { forbid => ["MARK\tX"], msg => qr/\bname\b/i, field => 'name' }],
    ['name with DEL', 'apple_basic', "$A&name=MARK%7FX", 400,
     { forbid => ["\x7f"], msg => qr/\bname\b/i, field => 'name' }],
    ['name with a C1 control', 'apple_basic', "$A&name=MARK%C2%85X", 400,
     { forbid => ["\xc2\x85"], msg => qr/\bname\b/i, field => 'name' }],
    ['name with invalid UTF-8', 'apple_basic', "$A&name=MARK%C3%28", 400,
     { forbid => ["\xc3\x28"], msg => qr/\bname\b/i, field => 'name' }],
    ['name with an overlong <', 'apple_basic', "$A&name=MARK%C0%BCb%C0%BE", 400,
     { forbid => ["\xc0\xbc", "<b>"], msg => qr/\bname\b/i, field => 'name' }],
    ['name with a lone continuation byte', 'apple_basic', "$A&name=MARK%80", 400,
     { forbid => ["MARK\x80"], msg => qr/\bname\b/i, field => 'name' }],
    ['name with a surrogate', 'apple_basic', "$A&name=MARK%ED%A0%80", 400,
     { forbid => ["\xed\xa0\x80"], msg => qr/\bname\b/i, field => 'name' }],
    ['name with RIGHT-TO-LEFT OVERRIDE', 'apple_basic',
     "$A&name=MARK%E2%80%AEmoc.elpmaxe", 400, { forbid => ["\xe2\x80\xae"], msg => qr/\bname\b/i, field => 'name' }],
    ['name with LEFT-TO-RIGHT EMBEDDING', 'apple_basic',
     "$A&name=MARK%E2%80%AAX", 400, { forbid => ["\xe2\x80\xaa"], msg => qr/\bname\b/i, field => 'name' }],
    ['name with RIGHT-TO-LEFT ISOLATE', 'apple_basic',
     "$A&name=MARK%E2%81%A7X", 400, { forbid => ["\xe2\x81\xa7"], msg => qr/\bname\b/i, field => 'name' }],
    ['name with POP DIRECTIONAL ISOLATE', 'apple_basic',
     "$A&name=MARK%E2%81%A9X", 400, { forbid => ["\xe2\x81\xa9"], msg => qr/\bname\b/i, field => 'name' }],
    ['name with LINE SEPARATOR', 'apple_basic', "$A&name=MARK%E2%80%A8X", 400,
     { forbid => ["\xe2\x80\xa8"], msg => qr/\bname\b/i, field => 'name' }],
    ['name with U+FFFF', 'apple_basic', "$A&name=MARK%EF%BF%BF", 400,
     { forbid => ["\xef\xbf\xbf"], msg => qr/\bname\b/i, field => 'name' }],
    ['name of 129 characters', 'apple_basic',
     "$A&name=" . ('%3Cb%3E' x 43), 400,
     { forbid => ['<b>', '<b>' x 43], name => '<b>' x 43, msg => qr/\bname\b/i, field => 'name' }],
    ['name of 129 characters (129 x U+00E9), refilled', 'apple_basic',
     "$A&name=" . ('%C3%A9' x 129), 400,
     { name => "\x{e9}" x 129, msg => qr/128 characters/, field => 'name' }],
    ['name of 129 CJK characters (387 bytes), refilled', 'apple_basic',
     "$A&name=" . ('%E5%B1%B1' x 129), 400,
     { name => "\x{5c71}" x 129, msg => qr/128 characters/, field => 'name' }],
    ['name over the byte cap (129 x U+1F600), refilled', 'apple_basic',
     "$A&name=" . ('%F0%9F%98%80' x 129), 400,
     { name => "\x{1f600}" x 129, msg => qr/128 characters/, field => 'name' }],
    ['a 50-character CJK name with a bad address: the name refilled', 'apple_basic',
     'emailaddress=alice&name=' . ('%E5%B1%B1%E7%94%B0' x 25), 400,
     { name => "\x{5c71}\x{7530}" x 25, address => 'alice', msg => qr/address/i,
       field => 'address' }],
    ['name of 129 characters (old parameter name)', 'apple_basic',
     "$A&emailname=" . ('x' x 129), 400, { name => 'x' x 129, msg => qr/\bname\b/i, field => 'name' }],

    # bad addresses: refused, refilled escaped
    ['address with markup', 'apple_basic',
     'emailaddress=%3Cb%3EMARK@example.com&name=%3Cb%3E%26%22%27', 400,
     { forbid => ['<b>'], address => '<b>MARK@example.com',
       name => q{<b>&"'}, msg => qr/address/i, field => 'address' }],
    ['address with a quote', 'apple_basic',
     'emailaddress=%22%3E%3Cb%3E@example.com', 400,
     { forbid => ['"><b>', '<b>'], address => '"><b>@example.com', msg => qr/address/i, field => 'address' }],
    ['address without @', 'apple_basic', 'emailaddress=alice&name=Alice', 400,
     { address => 'alice', name => 'Alice', msg => qr/address/i, field => 'address' }],
    ['address without domain', 'apple_basic', 'emailaddress=alice@', 400,
     { address => 'alice@', msg => qr/address/i, field => 'address' }],
    ['address with two @', 'apple_basic', 'emailaddress=a@b@example.com', 400,
     { address => 'a@b@example.com', msg => qr/address/i, field => 'address' }],
    ['address with NUL', 'apple_basic',
     'emailaddress=alice@exam%00%3Cb%3Eple.com', 400, { forbid => ["\0", '<b>'], msg => qr/address/i, field => 'address' }],
    ['address with CR LF', 'apple_basic',
     'emailaddress=alice%0D%0AX-Injected:%20yes@example.com', 400,
     { forbid => ["\r\nX-Injected", "\nX-Injected"], msg => qr/address/i, field => 'address' }],
    ['address with invalid UTF-8', 'apple_basic',
     'emailaddress=%C3%28lice@example.com', 400, { forbid => ["\xc3\x28"], msg => qr/address/i, field => 'address' }],
    ['address with a non-ASCII local part', 'apple_basic',
     'emailaddress=%C3%A4lice@example.com', 400, { msg => qr/address/i, field => 'address' }],
    ['address with a UTF-8 domain', 'apple_basic',
     'emailaddress=alice@b%C3%BCcher.example.com', 400, { msg => qr/address/i, field => 'address' }],
    ['address with a local part of 65 bytes', 'apple_basic',
     'emailaddress=' . ('a' x 65) . '@example.com', 400, { msg => qr/address/i, field => 'address' }],
    ['empty address', 'apple_basic', 'emailaddress=&name=Alice+%3Cb%3E', 400,
     { forbid => ['<b>'], name => 'Alice <b>', msg => qr/address/i, field => 'address' }],
    ['a name but no address', 'apple_basic', 'name=Alice', 400,
     { name => 'Alice', msg => qr/address/i, field => 'address' }],
    ['an empty name and no address', 'apple_basic', 'name=', 400, { msg => qr/address/i, field => 'address' }],

    # a domain this host does not serve
    ['foreign domain', 'apple_basic',
     'emailaddress=alice@foreign.test&name=Alice+%3Cb%3E', 404,
     { forbid => ['<b>'], address => 'alice@foreign.test', name => 'Alice <b>', msg => qr/domain/i, field => 'address' }],
    ['subdomain of a served domain', 'apple_basic',
     'emailaddress=alice@mail.example.com', 404,
     { address => 'alice@mail.example.com', msg => qr/domain/i, field => 'address' }],
    ['another host\'s domain', 'apple_pop', 'emailaddress=alice@example.com',
     404, { address => 'alice@example.com', msg => qr/domain/i, field => 'address' }],

    # the same parameter twice, under one name or two
    ['emailaddress twice', 'apple_basic',
     'emailaddress=alice@example.com&emailaddress=bob@example.com', 400, { msg => qr/more than once|twice|duplicate/i, field => 'address' }],
    ['emailaddress twice, same value', 'apple_basic',
     'emailaddress=alice@example.com&emailaddress=alice@example.com', 400, { msg => qr/more than once|twice|duplicate/i, field => 'address' }],
    ['emailaddress twice, letter case', 'apple_basic',
     'emailaddress=alice@example.com&EmailAddress=bob@example.com', 400, { msg => qr/more than once|twice|duplicate/i, field => 'address' }],
    ['email and emailaddress', 'apple_basic',
     'email=alice@example.com&emailaddress=bob@example.com', 400, { msg => qr/more than once|twice|duplicate/i, field => 'address' }],
    ['email twice', 'apple_basic',
     'email=alice@example.com&email=bob@example.com', 400, { msg => qr/more than once|twice|duplicate/i, field => 'address' }],
    ['name twice', 'apple_basic', "$A&name=A&name=B", 400, { msg => qr/more than once|twice|duplicate/i, field => 'name' }],
    ['name and emailname', 'apple_basic', "$A&name=A&emailname=B", 400, { msg => qr/more than once|twice|duplicate/i, field => 'name' }],
    ['emailname twice', 'apple_basic', "$A&emailname=A&emailname=B", 400, { msg => qr/more than once|twice|duplicate/i, field => 'name' }],

    # malformed escapes
    ['bad escape in the address', 'apple_basic',
     'emailaddress=alice%ZZ@example.com', 400, { msg => qr/malformed|escape|invalid/i, field => 'address' }],
    ['truncated escape in the name', 'apple_basic', "$A&name=A%4", 400, { msg => qr/malformed|escape|invalid/i, field => 'name' }],

    # errors on the host with its own path
    ['own path: bad address', 'apple_path', 'emailaddress=nope', 400,
     { address => 'nope', msg => qr/address/i, field => 'address' }],
);

sub check_error_page {
    my ($vhost, $query, $status, $x) = @_;
    my $path = $HOSTS{$vhost}{action};
    my $res = vhost_get($vhost, "$path?$query");
    check_headers($res, $status, 'no-store');
    isnt($res->header('Content-Type') // '', $PROFILE_CT, 'no profile');
    is($res->header('X-Injected'), undef, 'no injected header');
    my $bytes = $res->content;
    for my $f (@{ $x->{forbid} || [] }) {
        (my $show = $f) =~ s/([^\x20-\x7e])/sprintf '\\x%02x', ord $1/ge;
        ok(index($bytes, $f) < 0, "the body does not contain \"$show\"");
    }
    my $doc = check_structure($bytes, $HOSTS{$vhost}) or return;

    # The message stands next to the field it is about; that field alone
    # is marked invalid, described by it and focused.
    is($doc->findnodes('//*[@role="alert"]')->size, 0, 'no banner at the top');
    my %id = (name => 'name', address => 'emailaddress');
    my $fid = $id{ $x->{field} // '' } // 'none';
    my @invalid = map { $_->getAttribute('id') }
                  $doc->findnodes('//input[@aria-invalid="true"]');
    is_deeply(\@invalid, [$fid], "aria-invalid on the $fid field alone");
    is_deeply([map { $_->getAttribute('id') } $doc->findnodes('//input[@autofocus]')],
              [$fid], "autofocus on the $fid field alone");
    my @described = map { $_->getAttribute('id') }
                    $doc->findnodes('//input[contains(@aria-describedby, "error")]');
    is_deeply(\@described, [$fid], "only the $fid field is described by an error");
    my ($m) = $doc->findnodes(qq{//*[\@id="$fid-error"]});
    ok($m, "the message $fid-error");
    my ($next) = $m ? $m->findnodes('following-sibling::*[1]') : ();
    is($next && $next->getAttribute('id'), $fid, 'right above its field');
    my $msg = norm($m && $m->textContent);
    like($msg, qr/\w{3}/, "with a message: $msg");
    like($msg, $x->{msg}, "about the right thing ($x->{msg})") if $x->{msg};
    unlike($msg, qr/MARK/, 'the message does not quote the input');

    my %field = (name => 'name', address => 'emailaddress');
    for my $k (sort keys %field) {
        my ($in) = $doc->findnodes(qq{//input[\@name="$field{$k}"]});
        my $v = attr($in, 'value');
        if (defined $x->{$k}) {
            is($v, $x->{$k}, "the $k is refilled exactly") ;
        }
        elsif (defined $v) {
            unlike($v, qr/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\x{202a}-\x{202e}\x{2066}-\x{2069}\x{2028}\x{2029}]/,
                   "the refilled $k holds no control characters");
        }
    }
}

# --------------------------------------------------------------- the plan

plan tests => @PAGES + @ERRORS + 9;

for my $p (@PAGES) {
    my ($vhost, $host, $domain) = @$p;
    subtest("$vhost: the page" . (defined $host ? " for Host $host" : '') => sub {
        my $res = vhost_get($vhost, $HOSTS{$vhost}{action},
                            defined $host ? (Host => $host) : ());
        check_headers($res, 200);
        my $doc = check_structure($res->content,
                                  { %{ $HOSTS{$vhost} }, domain => $domain })
            or return;
        is($doc->findnodes('//*[@role="alert"]')->size, 0, 'no alert');
        is_deeply([map { $_->value } $doc->findnodes('//input/@value')], [],
                  'no prefilled values');
    });
}

for my $e (@ERRORS) {
    my ($label, $vhost, $query, $status, $x) = @$e;
    subtest("$vhost: $label -> $status" => sub {
        check_error_page($vhost, $query, $status, $x);
    });
}

subtest('the page is the same for every request' => sub {
    my $a = vhost_get('apple_basic', $PATH);
    my $b = vhost_get('apple_basic', $PATH);
    is($b->content, $a->content, 'same bytes');
    isnt($a->header('Cache-Control') // '', 'no-store',
         'the page without parameters may be cached');
});

subtest('HEAD: the page\'s headers, no body' => sub {
    my $get  = vhost_get('apple_basic', $PATH);
    my $head = vhost_request('apple_basic', 'HEAD', $PATH);
    is($head->code, 200, 'status 200');
    is($head->content, '', 'no body');
    is($head->header($_), $get->header($_), "$_ as for GET")
        for qw(Content-Type Content-Security-Policy X-Content-Type-Options);
});

subtest('HEAD of an error page: status, no body' => sub {
    my $head = vhost_request('apple_basic', 'HEAD',
                             "$PATH?emailaddress=alice\@foreign.test");
    is($head->code, 404, 'status 404');
    is($head->content, '', 'no body');
    is($head->header('Content-Type'), $HTML_CT, $HTML_CT);
});

subtest('POST to the page: 405' => sub {
    my $res = vhost_request('apple_basic', 'POST', $PATH,
                            'emailaddress=alice%40example.com',
                            'Content-Type' => 'application/x-www-form-urlencoded');
    is($res->code, 405, 'status 405');
    like($res->header('Allow') // '', qr/\bGET\b/, 'Allow names GET');
    unlike($res->header('Allow') // '', qr/\bPOST\b/, 'but not POST');
});

subtest('own path: the default path is not served' => sub {
    for my $q ('', '?emailaddress=alice@example.com') {
        my $res = vhost_get('apple_path', "$PATH$q");
        is($res->code, 404, "GET $PATH$q: 404") or diag($res->as_string);
        isnt($res->header('Content-Type') // '', $PROFILE_CT, 'no profile');
        unlike($res->content, qr/<form/, 'no form');
    }
});

subtest('own path: the profile is served there' => sub {
    my $res = vhost_get('apple_path', "$OWN_PATH?emailaddress=alice\@example.com");
    is($res->code, 200, 'status 200');
    is($res->header('Content-Type'), $PROFILE_CT, $PROFILE_CT);
    # and nothing answers a neighbouring path
    $res = vhost_get('apple_path', '/apple/profile.mobileconfig.x');
    is($res->code, 404, 'a longer path: 404');
    $res = vhost_get('apple_basic', "$PATH/x?emailaddress=alice\@example.com");
    is($res->code, 404, "$PATH/x: 404");
});

subtest('the page helps with installing: steps, optional name, Not Verified' => sub {
    my ($doc) = parse_html(vhost_get('apple_basic', $PATH)->content);
    my $text = norm($doc->textContent);
    like($text, qr/Safari/, 'iPhone/iPad: use Safari');
    like($text, qr/Settings.*Profile Downloaded/, 'iPhone/iPad: Settings, Profile Downloaded');
    like($text, qr/System Settings.*Device Management/, 'Mac: System Settings, Device Management');
    like(norm(join ' ', map { $_->textContent } $doc->findnodes('//label[@for="name"]')),
         qr/\(optional\)/, 'the name is marked optional');
    like(norm(($doc->findnodes('//*[@id="name-hint"]'))[0]->textContent),
         qr/128 characters/, 'the limit is said in characters');
    my ($nv) = $doc->findnodes('//*[@id="not-verified"]');
    like($nv ? norm($nv->textContent) : '', qr/Not Verified/,
         'an unsigned profile: the page says it shows as Not Verified');
    is($doc->findnodes('//*[@id="help"]')->size, 0, 'no documentation: no help link');

    ($doc) = parse_html(vhost_get('apple_signed_ec', $PATH)->content);
    is($doc->findnodes('//*[@id="not-verified"]')->size, 0,
       'a signed profile: no Not Verified note');
});

subtest('the page links to MailAutoconfDocumentation' => sub {
    my $res = vhost_get('apple_path', $OWN_PATH);
    my ($doc) = parse_html($res->content);
    my ($a) = $doc->findnodes('//*[@id="help"]//a');
    is($a && $a->getAttribute('href'), 'https://help.example.com/apple?a=1&b=<2>',
       'the link goes to the documentation URL');
    is($a && norm($a->textContent), 'Help <for> & "you"', 'with its text');
    unlike($res->content, qr/<for>|<2>/, 'escaped in the source');
    ($doc) = parse_html(vhost_get('apple_path', "$OWN_PATH?emailaddress=nope")->content);
    ok($doc->findnodes('//*[@id="help"]//a')->size, 'on error pages too');
});

subtest('a 50-character CJK name is accepted' => sub {
    my $name = "\x{5c71}\x{7530}" x 25;
    my $q = join '', map { sprintf '%%%02X', ord } split //, Encode::encode('UTF-8', $name);
    my $res = vhost_get('apple_basic', "$PATH?emailaddress=alice\@example.com&name=$q");
    is($res->code, 200, 'status 200') or diag($res->as_string);
    is($res->header('Content-Type'), $PROFILE_CT, 'a profile');
    ok(index($res->content, Encode::encode('UTF-8', $name)) >= 0, 'with the name in it');
});
