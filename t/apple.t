# SPDX-License-Identifier: Apache-2.0
# Licensed under the Apache License, Version 2.0; see LICENSE.
# Apple configuration profiles (.mobileconfig): the profile itself checked
# key by key against Apple's device-management schema (TopLevel,
# CommonPayloadKeys, com.apple.mail.managed), its values, its headers, the
# query parameters, deterministic identities, methods, and signed profiles
# verified with "openssl cms".  The HTML page and the error pages are in
# t/apple_page.t, startup checks in t/apple_configtest.t.
# Scenarios: <VirtualHost apple_*> in t/conf/apple.conf.in.
use strict;
use warnings FATAL => 'all';
use utf8;

use Apache::Test qw(-withtestmore);
use MailAutoconfTest qw(vhost_get vhost_request parse_xml top_dir);
use Digest::SHA ();
use File::Spec ();
use File::Temp ();
use JSON::PP ();
use POSIX ();

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

my $PATH = '/email.mobileconfig';
my $CT   = 'application/x-apple-aspen-config';
my $DATA = File::Spec->catdir(top_dir(), 't', 'unit', 'data');

# ------------------------------------------------------------------ plist

# XML property list -> typed tree: every value is { t => TYPE, v => VALUE }
# with TYPE one of dict, array, string, integer, boolean, real, date, data;
# a dict's VALUE is a hash of typed values (and {keys} keeps their order),
# an array's a list of typed values.  Dies on anything that is not a
# well-formed plist (duplicate keys, stray text, unknown elements).
sub plist_value {
    my ($e) = @_;
    my $n = $e->nodeName;
    my @kids = grep { $_->nodeType == XML::LibXML::XML_ELEMENT_NODE() }
               $e->childNodes;
    my @text = grep { $_->nodeType == XML::LibXML::XML_TEXT_NODE()
                      && $_->data =~ /\S/ } $e->childNodes;
    if ($n eq 'dict' || $n eq 'array') {
        die "plist: text inside <$n>\n" if @text;
        if ($n eq 'array') {
            return { t => 'array', v => [map { plist_value($_) } @kids] };
        }
        my (%h, @order);
        die "plist: odd number of elements in <dict>\n" if @kids % 2;
        while (my ($k, $v) = splice @kids, 0, 2) {
            die "plist: expected <key>, got <" . $k->nodeName . ">\n"
                unless $k->nodeName eq 'key';
            die "plist: <key> holds elements\n" if $k->findnodes('*')->size;
            my $key = $k->textContent;
            die "plist: duplicate key '$key'\n" if exists $h{$key};
            die "plist: <key> followed by <key>\n" if $v->nodeName eq 'key';
            $h{$key} = plist_value($v);
            push @order, $key;
        }
        return { t => 'dict', v => \%h, keys => \@order };
    }
    die "plist: <$n> holds elements\n" if @kids;
    my $s = $e->textContent;
    if ($n eq 'string') {
        return { t => 'string', v => $s };
    }
    if ($n eq 'integer') {
        die "plist: bad integer '$s'\n" unless $s =~ /^[+-]?[0-9]+\z/;
        return { t => 'integer', v => 0 + $s };
    }
    if ($n eq 'true' || $n eq 'false') {
        die "plist: <$n> is not empty\n" if length $s;
        return { t => 'boolean', v => $n eq 'true' ? 1 : 0 };
    }
    if ($n eq 'real') {
        die "plist: bad real '$s'\n"
            unless $s =~ /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\z/;
        return { t => 'real', v => 0 + $s };
    }
    return { t => 'date', v => $s } if $n eq 'date';
    return { t => 'data', v => $s } if $n eq 'data';
    die "plist: unknown element <$n>\n";
}

# Parse a whole profile; returns the typed tree of the top-level dict.
sub parse_plist {
    my ($bytes) = @_;
    my $doc  = parse_xml($bytes);       # no network, no external DTD
    my $root = $doc->documentElement;
    die "plist: root is <" . $root->nodeName . ">\n"
        unless $root->nodeName eq 'plist';
    die "plist: version is not 1.0\n"
        unless ($root->getAttribute('version') // '') eq '1.0';
    my @kids = $root->findnodes('*');
    die "plist: <plist> must hold exactly one element\n" unless @kids == 1;
    my $top = plist_value($kids[0]);
    die "plist: the top level is not a dict\n" unless $top->{t} eq 'dict';
    return ($top, $doc);
}

# Typed tree -> plain Perl data (booleans as 1/0).
sub plain {
    my ($x) = @_;
    return { map { $_ => plain($x->{v}{$_}) } keys %{ $x->{v} } }
        if $x->{t} eq 'dict';
    return [map { plain($_) } @{ $x->{v} }] if $x->{t} eq 'array';
    return $x->{v};
}

# Every key of every dict in the tree.
sub all_keys {
    my ($x) = @_;
    return (keys %{ $x->{v} }, map { all_keys($_) } values %{ $x->{v} })
        if $x->{t} eq 'dict';
    return map { all_keys($_) } @{ $x->{v} } if $x->{t} eq 'array';
    return ();
}

# ----------------------------------------------------------------- schema

sub schema_dir {
    my @cands = ($ENV{MAC_APPLE_SCHEMA_DIR},
                 File::Spec->catdir(top_dir(), File::Spec->updir, 'shared',
                                    'apple-profile-schema'),
                 '/work/shared/apple-profile-schema');
    for my $d (grep { defined && length } @cands) {
        return $d if -f "$d/TopLevel.json" && -f "$d/CommonPayloadKeys.json"
                     && -f "$d/com.apple.mail.managed.json";
    }
    return undef;
}

sub load_json {
    my ($file) = @_;
    open my $fh, '<:raw', $file or die "$file: $!\n";
    local $/;
    return JSON::PP->new->decode(scalar <$fh>);
}

my $SCHEMA_DIR = schema_dir();
my %SCHEMA;
if ($SCHEMA_DIR) {
    $SCHEMA{$_} = load_json("$SCHEMA_DIR/$_.json")
        for qw(TopLevel CommonPayloadKeys com.apple.mail.managed);
}

my %TYPE = ('<string>' => 'string', '<integer>' => 'integer',
            '<boolean>' => 'boolean', '<dictionary>' => 'dict',
            '<array>' => 'array', '<real>' => 'real', '<date>' => 'date',
            '<data>' => 'data', '<any>' => 'any');

# Problems of one dict against a list of schema key definitions: unknown
# keys, wrong types, values outside a rangelist or format, keys Apple
# marks as unavailable on iOS or macOS, missing required keys.
sub schema_problems {
    my ($where, $dict, @defs) = @_;
    my (@p, %def);
    $def{ $_->{key} } = $_ for @defs;
    for my $k (@{ $dict->{keys} }) {
        my $d = $def{$k};
        my $x = $dict->{v}{$k};
        if (!$d) {
            push @p, "$where: key $k is not in the schema";
            next;
        }
        my $want = $TYPE{ $d->{type} } // "unknown type $d->{type}";
        if ($want ne 'any' && $x->{t} ne $want) {
            push @p, "$where: $k is <$x->{t}>, the schema says $d->{type}";
            next;
        }
        if (my $r = $d->{rangelist}) {
            push @p, "$where: $k = '$x->{v}' is not one of [@$r]"
                unless grep { $x->{t} eq 'integer' ? $_ == $x->{v}
                                                   : $_ eq $x->{v} } @$r;
        }
        if (defined $d->{format}) {
            push @p, "$where: $k = '$x->{v}' does not match $d->{format}"
                unless $x->{v} =~ /$d->{format}/;
        }
        for my $os (qw(iOS macOS)) {
            my $intro = $d->{supportedOS}{$os}{introduced} // '';
            push @p, "$where: $k is not available on $os" if $intro eq 'n/a';
        }
        if ($want eq 'array' && $d->{subkeys} && @{ $d->{subkeys} }) {
            my $it = $TYPE{ $d->{subkeys}[0]{type} } // '?';
            for my $i (0 .. $#{ $x->{v} }) {
                my $t = $x->{v}[$i]{t};
                push @p, "$where: $k\[$i] is <$t>, the schema says <$it>"
                    unless $it eq 'any' || $t eq $it;
            }
        }
    }
    for my $d (@defs) {
        push @p, "$where: required key $d->{key} is missing"
            if ($d->{presence} // '') eq 'required'
               && !exists $dict->{v}{ $d->{key} };
    }
    return @p;
}

# All schema problems of a whole profile (top level + every payload).
sub profile_problems {
    my ($top) = @_;
    return ('Apple schema not found') unless $SCHEMA_DIR;
    my @p = schema_problems('top level', $top,
                            @{ $SCHEMA{TopLevel}{payloadkeys} });
    my $content = $top->{v}{PayloadContent};
    return @p unless $content && $content->{t} eq 'array';
    push @p, 'top level: PayloadContent does not hold exactly one payload'
        unless @{ $content->{v} } == 1;
    my $mail = $SCHEMA{'com.apple.mail.managed'};
    for my $i (0 .. $#{ $content->{v} }) {
        my $pl = $content->{v}[$i];
        next unless $pl->{t} eq 'dict';
        my $type = $pl->{v}{PayloadType};
        push @p, "payload $i: PayloadType is not $mail->{payload}{payloadtype}"
            unless $type && $type->{v} eq $mail->{payload}{payloadtype};
        push @p, schema_problems("payload $i", $pl,
                                 @{ $SCHEMA{CommonPayloadKeys}{payloadkeys} },
                                 @{ $mail->{payloadkeys} });
    }
    return @p;
}

# ------------------------------------------------------------- identities

sub uuid_bytes {
    my ($s) = @_;
    (my $hex = $s) =~ tr/-//d;
    return pack 'H32', $hex;
}

sub uuid5 {
    my ($ns, $name) = @_;          # $ns: 16 bytes; $name: bytes
    my @b = unpack 'C16', substr(Digest::SHA::sha1($ns . $name), 0, 16);
    $b[6] = ($b[6] & 0x0f) | 0x50;
    $b[8] = ($b[8] & 0x3f) | 0x80;
    return pack 'C16', @b;
}

sub uuid_str { uc join '-', unpack 'H8 H4 H4 H4 H12', $_[0] }

# mac_apple.h: the documented derivation, computed independently.
my $URL_NS   = uuid_bytes('6ba7b811-9dad-11d1-80b4-00c04fd430c8');
my $APPLE_NS = uuid5($URL_NS, 'urn:x-mod-mailautoconf:apple-profile:v1');

sub expected_ids {
    my ($address) = @_;                 # as served: domain lower-cased
    my $lc = lc $address;
    my ($domain) = $lc =~ /\@(.*)\z/;
    my $ns      = uuid5($APPLE_NS, $domain);
    my $ns_addr = uuid5($ns, $lc);
    my $u1 = uuid_str(uuid5($ns_addr, 'profile'));
    my $u2 = uuid_str(uuid5($ns_addr, 'com.apple.mail.managed'));
    my $id = join('.', reverse split /\./, $domain) . '.mailautoconf.' . lc $u1;
    return { uuid => $u1, mail_uuid => $u2, ident => $id,
             mail_ident => "$id.mail" };
}

sub ids_of {
    my ($p) = @_;
    my $m = $p->{PayloadContent}[0] || {};
    return { uuid => $p->{PayloadUUID}, mail_uuid => $m->{PayloadUUID},
             ident => $p->{PayloadIdentifier},
             mail_ident => $m->{PayloadIdentifier} };
}

my $UUID5_RE = qr/^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-5[0-9A-Fa-f]{3}-[89ABab][0-9A-Fa-f]{3}-[0-9A-Fa-f]{12}\z/;

# --------------------------------------------------------------- requests

sub get_profile {
    my ($vhost, $query, %h) = @_;
    my $path = $h{path} // $PATH;
    return vhost_get($vhost, "$path?$query");
}

# Fetch, check the response is a profile, parse it.  Returns
# (typed tree, plain data, response) or () after a failed check.
sub fetch {
    my ($vhost, $query, %h) = @_;
    my $res = get_profile($vhost, $query, %h);
    unless ($res->code == 200 && ($res->header('Content-Type') // '') eq $CT) {
        fail("$vhost ?$query: a profile");
        diag($res->as_string);
        return;
    }
    my $top = eval { (parse_plist($res->content))[0] };
    unless ($top) {
        fail("$vhost ?$query: the profile is a plist");
        diag($@);
        return;
    }
    return ($top, plain($top), $res);
}

# ------------------------------------------------------- the expectations

my $BASIC_ORG = q{Example <Mail> & "Co"};

# The mail payload apple_basic gives address $addr (local part $local as
# given), for the person's name $name.
sub basic_mail {
    my ($addr, $local, $name) = @_;
    return {
        EmailAccountType                       => 'EmailTypeIMAP',
        EmailAccountDescription                => 'Example Mail',
        EmailAccountName                       => $name,
        EmailAddress                           => $addr,
        IncomingMailServerHostName             => 'imap.example.com',
        IncomingMailServerPortNumber           => 993,
        IncomingMailServerUseSSL               => 1,
        IncomingMailServerAuthentication       => 'EmailAuthPassword',
        IncomingMailServerUsername             => $local,
        OutgoingMailServerHostName             => 'smtp.example.com',
        OutgoingMailServerPortNumber           => 587,
        OutgoingMailServerUseSSL               => 1,
        OutgoingMailServerAuthentication       => 'EmailAuthPassword',
        OutgoingMailServerUsername             => $local,
        OutgoingPasswordSameAsIncomingPassword => 1,
        PayloadOrganization                    => $BASIC_ORG,
        PayloadType                            => 'com.apple.mail.managed',
        PayloadVersion                         => 1,
    };
}

# apple_pop: POP3 first server (STARTTLS), default login name.
sub pop_mail {
    my ($addr, $name) = @_;
    return {
        EmailAccountType                       => 'EmailTypePOP',
        EmailAccountDescription                => 'POP Provider',
        EmailAccountName                       => $name,
        EmailAddress                           => $addr,
        IncomingMailServerHostName             => 'pop.example.net',
        IncomingMailServerPortNumber           => 110,
        IncomingMailServerUseSSL               => 1,
        IncomingMailServerAuthentication       => 'EmailAuthPassword',
        IncomingMailServerUsername             => $addr,
        OutgoingMailServerHostName             => 'smtp.example.net',
        OutgoingMailServerPortNumber           => 465,
        OutgoingMailServerUseSSL               => 1,
        OutgoingMailServerAuthentication       => 'EmailAuthPassword',
        OutgoingMailServerUsername             => $addr,
        OutgoingPasswordSameAsIncomingPassword => 1,
        PayloadOrganization                    => 'POP Provider',
        PayloadType                            => 'com.apple.mail.managed',
        PayloadVersion                         => 1,
    };
}

sub path_mail {
    my ($addr, $name) = @_;
    return {
        EmailAccountType                       => 'EmailTypeIMAP',
        EmailAccountDescription                => 'Path Provider',
        EmailAccountName                       => $name,
        EmailAddress                           => $addr,
        IncomingMailServerHostName             => 'imap.example.com',
        IncomingMailServerPortNumber           => 993,
        IncomingMailServerUseSSL               => 1,
        IncomingMailServerAuthentication       => 'EmailAuthPassword',
        IncomingMailServerUsername             => $addr,
        OutgoingMailServerHostName             => 'smtp.example.com',
        OutgoingMailServerPortNumber           => 587,
        OutgoingMailServerUseSSL               => 1,
        OutgoingMailServerAuthentication       => 'EmailAuthPassword',
        OutgoingMailServerUsername             => $addr,
        OutgoingPasswordSameAsIncomingPassword => 1,
        PayloadOrganization                    => 'Path Provider',
        PayloadType                            => 'com.apple.mail.managed',
        PayloadVersion                         => 1,
    };
}

# Everything about one profile: headers, plist, schema, values, identity.
# $x: { vhost, query, path?, addr (as served), mail (expected mail payload
# without the identity and free-text keys), org (PayloadOrganization) }.
sub check_profile {
    my ($x) = @_;
    my ($top, $p, $res) = fetch($x->{vhost}, $x->{query},
                                path => $x->{path});
    return unless $top;
    my $addr = $x->{addr};
    my ($domain) = $addr =~ /\@(.*)\z/;

    # headers
    is($res->header('Content-Disposition'),
       qq{attachment; filename="$domain-email.mobileconfig"},
       'Content-Disposition: attachment with the domain in the file name');
    like(($res->header('Content-Disposition') =~ /filename="([^"]*)"/)[0] // '',
         qr/^[A-Za-z0-9._-]+\z/, 'the file name has only safe characters');
    is($res->header('Cache-Control'), 'no-store', 'Cache-Control: no-store');
    is($res->header('X-Content-Type-Options'), 'nosniff',
       'X-Content-Type-Options: nosniff');
    is($res->header('Content-Length'), length($res->content),
       'Content-Length matches the body');

    # the document
    my (undef, $doc) = parse_plist($res->content);
    my $dtd = $doc->internalSubset;
    ok($dtd && ($dtd->publicId // '') eq '-//Apple//DTD PLIST 1.0//EN',
       'DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN"');
    is(uc($doc->encoding // ''), 'UTF-8', 'XML declaration says UTF-8');
    is_deeply([profile_problems($top)], [],
              'every key, type and value as in Apple\'s schema');

    # top level
    is($p->{PayloadType}, 'Configuration', 'PayloadType Configuration');
    is($top->{v}{PayloadVersion}{t}, 'integer', 'PayloadVersion is an <integer>');
    is($p->{PayloadVersion}, 1, 'PayloadVersion 1');
    is($p->{PayloadDisplayName}, "Email: $addr", 'PayloadDisplayName');
    is($p->{PayloadOrganization}, $x->{org}, 'PayloadOrganization');
    my $descr = $p->{PayloadDescription} // '';
    ok(index($descr, $addr) >= 0
       && index($descr, $x->{mail}{IncomingMailServerHostName}) >= 0
       && index($descr, $x->{mail}{OutgoingMailServerHostName}) >= 0,
       'PayloadDescription names the address and the servers')
        or diag($descr);
    like($descr, qr/no password/i, 'PayloadDescription says no password');
    is(ref $p->{PayloadContent}, 'ARRAY', 'PayloadContent is an array');
    is(scalar @{ $p->{PayloadContent} || [] }, 1, 'with one payload');
    is_deeply([sort keys %$p],
              [sort qw(PayloadContent PayloadDescription PayloadDisplayName
                       PayloadIdentifier PayloadOrganization PayloadType
                       PayloadUUID PayloadVersion)],
              'the top-level keys');

    # the mail payload
    my %m = %{ $p->{PayloadContent}[0] || {} };
    my $mt = $top->{v}{PayloadContent}{v}[0]{v} || {};
    my %types = map { $_ => $mt->{$_}{t} } keys %m;
    is($types{$_}, 'integer', "$_ is an <integer>")
        for grep { /PortNumber$/ } sort keys %m;
    is($types{$_}, 'boolean', "$_ is a <true/> or <false/>")
        for grep { /UseSSL$|SameAs/ } sort keys %m;
    like($m{PayloadDescription} // '', qr/\Q$addr\E/,
         'mail PayloadDescription names the address');
    like($m{PayloadDisplayName} // '', qr/\Q$addr\E/,
         'mail PayloadDisplayName names the address');
    my %got = %m;
    delete @got{qw(PayloadDescription PayloadDisplayName PayloadUUID
                   PayloadIdentifier)};
    is_deeply(\%got, $x->{mail}, 'the mail payload values')
        or diag(explain(\%got));
    is_deeply([grep { /password/i && $_ ne 'OutgoingPasswordSameAsIncomingPassword' }
               all_keys($top)], [], 'no password key');

    # identity
    my $ids = ids_of($p);
    like($ids->{$_}, $UUID5_RE, "$_ is a version-5 UUID")
        for qw(uuid mail_uuid);
    like($ids->{$_}, qr/^[a-z0-9.-]+\z/, "$_ has only [a-z0-9.-]")
        for qw(ident mail_ident);
    is_deeply($ids, expected_ids($addr),
              'UUIDs and identifiers derived as mac_apple.h says');
    return ($top, $p, $res);
}

# --------------------------------------------------------------- the cases

my @PROFILES = (
    # [vhost, query, addr, name (EmailAccountName), login]
    ['apple_basic', 'emailaddress=alice@example.com&name=Alice',
     'alice@example.com', 'Alice', 'alice'],
    ['apple_basic', 'email=alice@example.com&name=Alice',
     'alice@example.com', 'Alice', 'alice'],
    ['apple_basic', 'emailaddress=alice@example.com&emailname=Alice',
     'alice@example.com', 'Alice', 'alice'],
    ['apple_basic', 'EmailAddress=alice@example.com&Name=Alice',
     'alice@example.com', 'Alice', 'alice'],
    ['apple_basic', 'name=Alice&emailaddress=alice%40example.com',
     'alice@example.com', 'Alice', 'alice'],
    # no name at all: the address is the name
    ['apple_basic', 'emailaddress=alice@example.com',
     'alice@example.com', 'alice@example.com', 'alice'],
    ['apple_basic', 'email=alice@example.com',
     'alice@example.com', 'alice@example.com', 'alice'],
    ['apple_basic', 'emailaddress=alice@example.org',
     'alice@example.org', 'alice@example.org', 'alice'],
    ['apple_basic', 'emailaddress=Alice@EXAMPLE.com',
     'Alice@example.com', 'Alice@example.com', 'Alice'],
    # '+' is a space in the name (form encoding), itself in the address
    ['apple_basic', 'emailaddress=a+tag@example.com&name=Alice+Smith',
     'a+tag@example.com', 'Alice Smith', 'a+tag'],
    ['apple_basic', 'emailaddress=a%2Btag@example.com&name=A%2BB',
     'a+tag@example.com', 'A+B', 'a+tag'],
    ['apple_basic', 'emailaddress=alice@example.com&name=Alice%20Smith',
     'alice@example.com', 'Alice Smith', 'alice'],
    # markup in the name round-trips
    ['apple_basic', 'emailaddress=alice@example.com&name=%3Cb%3E%26%22%27',
     'alice@example.com', q{<b>&"'}, 'alice'],
    ['apple_basic',
     'emailaddress=alice@example.com&name=%3C%2Fstring%3E%3Ckey%3EX%3C%2Fkey%3E',
     'alice@example.com', '</string><key>X</key>', 'alice'],
    ['apple_basic', 'emailaddress=alice@example.com&name=Gr%C3%BC%C3%9Fe+%E6%97%A5%F0%9F%98%80',
     'alice@example.com', "Grüße 日\x{1F600}", 'alice'],
    # no name, an empty one, only spaces: the address; spaces trimmed
    ['apple_basic', 'emailaddress=alice@example.com&name=',
     'alice@example.com', 'alice@example.com', 'alice'],
    ['apple_basic', 'emailaddress=alice@example.com&name=+++',
     'alice@example.com', 'alice@example.com', 'alice'],
    ['apple_basic', 'emailaddress=alice@example.com&name=++Alice++',
     'alice@example.com', 'Alice', 'alice'],
    # the name limit is 128 bytes
    ['apple_basic', 'emailaddress=alice@example.com&name=' . ('n' x 128),
     'alice@example.com', 'n' x 128, 'alice'],
    ['apple_basic', 'emailaddress=alice@example.com&name=' . ('%C3%A9' x 64),
     'alice@example.com', 'é' x 64, 'alice'],
    # POP3 only
    ['apple_pop', 'emailaddress=bob@example.net',
     'bob@example.net', 'bob@example.net', undef],
    ['apple_pop', 'emailaddress=bob@example.net&name=Bob',
     'bob@example.net', 'Bob', undef],
    # own path
    ['apple_path', 'emailaddress=carol@example.com&name=Carol',
     'carol@example.com', 'Carol', undef, '/apple/profile.mobileconfig'],
);

my %ORG = (apple_basic => $BASIC_ORG, apple_pop => 'POP Provider',
           apple_path => 'Path Provider');

sub case_of {
    my ($vhost, $query, $addr, $name, $login, $path) = @_;
    my $mail = $vhost eq 'apple_basic' ? basic_mail($addr, $login, $name)
             : $vhost eq 'apple_pop'   ? pop_mail($addr, $name)
             :                           path_mail($addr, $name);
    return { vhost => $vhost, query => $query, path => $path, addr => $addr,
             mail => $mail, org => $ORG{$vhost} };
}

my @METHODS = (
    # [method, path+query, expected status, body?]
    ['POST',   "$PATH?emailaddress=alice\@example.com", 405],
    ['POST',   $PATH, 405, 'emailaddress=alice%40example.com&name=Alice'],
    ['PUT',    "$PATH?emailaddress=alice\@example.com", 405, 'x'],
    ['DELETE', "$PATH?emailaddress=alice\@example.com", 405],
);

my @SIGNED = (
    ['apple_signed_ec',        'leaf-ec.pem'],
    ['apple_signed_rsa',       'leaf-rsa.pem'],
    ['apple_signed_fullchain', 'leaf-ec.pem'],
);

plan tests => 1 + @PROFILES + 1 + 5 + 2 + @METHODS + 1 + @SIGNED;

ok($SCHEMA_DIR, 'Apple\'s profile schema found (MAC_APPLE_SCHEMA_DIR, '
                . '../shared/apple-profile-schema or '
                . '/work/shared/apple-profile-schema)');

# ------------------------------------------------------------ the profiles

for my $c (@PROFILES) {
    my $x = case_of(@$c);
    subtest("$x->{vhost} ?$x->{query}" => sub {
        check_profile($x);
    });
}

# markup in names never reaches the plist raw
subtest('markup in the name is escaped in the raw plist' => sub {
    my $res = get_profile('apple_basic',
                          'emailaddress=alice@example.com&name=%3Cb%3EX%26Y');
    is($res->code, 200, 'status 200');
    my $body = $res->content;
    unlike($body, qr/<b>/, 'no <b> in the raw body');
    like($body, qr/&lt;b&gt;X&amp;Y/, 'escaped as &lt;b&gt;X&amp;Y');
    unlike($body, qr/Example <Mail>/, 'the display name is escaped too');
});

# --------------------------------------------------------------- identity

subtest('the same address always gets the same identity' => sub {
    my $q = 'emailaddress=alice@example.com&name=Alice';
    my (undef, $p1, $r1) = fetch('apple_basic', $q) or return;
    my (undef, $p2, $r2) = fetch('apple_basic', $q) or return;
    is_deeply(ids_of($p2), ids_of($p1), 'identical UUIDs and identifiers');
    is($r2->content, $r1->content, 'identical bytes');
    my (undef, $p3) = fetch('apple_basic',
                            'emailaddress=alice@example.com&name=Someone+Else')
        or return;
    is_deeply(ids_of($p3), ids_of($p1), 'the name does not change the identity');
});

subtest('letter case of the address does not change the identity' => sub {
    my (undef, $a) = fetch('apple_basic', 'emailaddress=alice@example.com')
        or return;
    for my $addr (qw(Alice@EXAMPLE.com ALICE@example.COM alice@Example.Com)) {
        my (undef, $b) = fetch('apple_basic', "emailaddress=$addr") or return;
        is_deeply(ids_of($b), ids_of($a), "$addr: same identity as alice\@example.com");
    }
});

subtest('different addresses never share an identity' => sub {
    my @addrs = qw(alice@example.com bob@example.com alice@example.org
                   alice1@example.com a+tag@example.com);
    my (%seen, @all);
    for my $addr (@addrs) {
        my (undef, $p) = fetch('apple_basic', "emailaddress=$addr") or return;
        my $ids = ids_of($p);
        push @all, values %$ids;
        isnt($ids->{uuid}, $ids->{mail_uuid},
             "$addr: profile and payload UUIDs differ");
    }
    $seen{ lc $_ }++ for @all;
    is_deeply([grep { $seen{$_} > 1 } sort keys %seen], [],
              'no UUID or identifier is shared by two addresses');
});

subtest('the identity does not depend on the virtual host' => sub {
    my (undef, $a) = fetch('apple_basic', 'emailaddress=carol@example.com')
        or return;
    my (undef, $b) = fetch('apple_path', 'emailaddress=carol@example.com',
                           path => '/apple/profile.mobileconfig') or return;
    is_deeply(ids_of($b), ids_of($a), 'same address, same identity');
});

subtest('the identifier is the reversed domain' => sub {
    my (undef, $p) = fetch('apple_basic', 'emailaddress=x@example.org') or return;
    like($p->{PayloadIdentifier}, qr/^org\.example\.mailautoconf\.[0-9a-f-]{36}\z/,
         'org.example.mailautoconf.<uuid>');
    is($p->{PayloadContent}[0]{PayloadIdentifier}, "$p->{PayloadIdentifier}.mail",
       'the mail payload: the same + .mail');
});

# ----------------------------------------------------------------- methods

subtest('HEAD: the headers of the profile, no body' => sub {
    my $q = "$PATH?emailaddress=alice\@example.com&name=Alice";
    my $get  = vhost_get('apple_basic', $q);
    my $head = vhost_request('apple_basic', 'HEAD', $q);
    is($head->code, 200, 'status 200');
    is($head->content, '', 'no body');
    for my $h ('Content-Type', 'Content-Disposition', 'Cache-Control',
               'X-Content-Type-Options') {
        is($head->header($h), $get->header($h), "$h as for GET");
    }
});

subtest('HEAD on the signed host: no body either' => sub {
    my $head = vhost_request('apple_signed_ec', 'HEAD',
                             "$PATH?emailaddress=alice\@example.com");
    is($head->code, 200, 'status 200');
    is($head->header('Content-Type'), $CT, $CT);
    is($head->content, '', 'no body');
});

for my $m (@METHODS) {
    my ($method, $uri, $status, $body) = @$m;
    subtest("$method $uri" => sub {
        my $res = vhost_request('apple_basic', $method, $uri, $body,
                                defined $body
                                ? ('Content-Type' => 'application/x-www-form-urlencoded')
                                : ());
        is($res->code, $status, "status $status") or diag($res->as_string);
        my $allow = $res->header('Allow') // '';
        like($allow, qr/\bGET\b/, "Allow names GET ($allow)");
        unlike($allow, qr/\b\Q$method\E\b/, "Allow does not name $method");
        isnt($res->header('Content-Type') // '', $CT, 'no profile');
    });
}

subtest('OPTIONS' => sub {
    my $res = vhost_request('apple_basic', 'OPTIONS', $PATH);
    ok($res->is_success, 'success') or diag($res->as_string);
    like($res->header('Allow') // '', qr/\bGET\b/, 'Allow names GET');
});

# ------------------------------------------------------------------ signed

sub run_cmd {
    my (@cmd) = @_;
    my $pid = open(my $fh, '-|') // die "fork: $!\n";
    if (!$pid) {
        open STDERR, '>&', \*STDOUT or die "dup: $!\n";
        exec @cmd or do { print "exec $cmd[0]: $!\n"; POSIX::_exit(127) };
    }
    my $out = do { local $/; <$fh> };
    close $fh;
    return ($? >> 8, $out // '');
}

sub slurp {
    my ($f) = @_;
    open my $fh, '<:raw', $f or return undef;
    local $/;
    return scalar <$fh>;
}

sub spew {
    my ($f, $data) = @_;
    open my $fh, '>:raw', $f or die "$f: $!\n";
    print $fh $data;
    close $fh or die "$f: $!\n";
}

sub subject_of {
    my ($pem) = @_;
    my ($rc, $out) = run_cmd(qw(openssl x509 -noout -subject -nameopt RFC2253
                                -in), $pem);
    return $rc == 0 ? $out : "openssl x509 failed: $out";
}

my $Q = 'emailaddress=alice@example.com&name=Alice+%3Cb%3E';
my $UNSIGNED = vhost_get('apple_basic', "$PATH?$Q");

for my $s (@SIGNED) {
    my ($vhost, $leaf) = @$s;
    subtest("$vhost: a signed profile" => sub {
        my $res = vhost_get($vhost, "$PATH?$Q");
        is($res->code, 200, 'status 200') or return diag($res->as_string);
        is($res->header('Content-Type'), $CT, "Content-Type $CT");
        is($res->header('Content-Disposition'),
           'attachment; filename="example.com-email.mobileconfig"',
           'Content-Disposition');
        is($res->header('Cache-Control'), 'no-store', 'Cache-Control: no-store');
        is($res->header('X-Content-Type-Options'), 'nosniff', 'nosniff');
        my $der = $res->content;
        is(length($der), $res->header('Content-Length'), 'Content-Length');
        is(substr($der, 0, 1), "\x30", 'DER: starts with a SEQUENCE');
        unlike($der, qr/^\s*<\?xml/, 'not a bare plist');

        my $tmp = File::Temp->newdir;
        my ($in, $out, $signer) = map { "$tmp/$_" } qw(in.der out.plist signer.pem);
        spew($in, $der);
        my ($rc, $msg) = run_cmd(qw(openssl cms -verify -inform DER -in), $in,
                                 '-CAfile', "$DATA/ca.pem",
                                 '-out', $out, '-signer', $signer);
        is($rc, 0, 'openssl cms -verify with only the root CA succeeds')
            or diag($msg);
        my $content = slurp($out);
        ok(defined $content && length $content, 'the signed content');
        $content //= '';
        my $top = eval { (parse_plist($content))[0] };
        ok($top, 'is a well-formed plist') or diag($@);
        is_deeply([$top ? profile_problems($top) : 'no plist'], [],
                  'that passes the schema checks');
        is($content, $UNSIGNED->content,
           'and is byte for byte the unsigned profile of the same account');
        if ($top) {
            my $p = plain($top);
            is($p->{PayloadContent}[0]{EmailAccountName}, 'Alice <b>',
               'the name inside');
            is_deeply(ids_of($p), expected_ids('alice@example.com'),
                      'the identity inside');
        }
        else {
            fail('the name inside');
            fail('the identity inside');
        }
        is(subject_of($signer), subject_of("$DATA/$leaf"),
           "signed by the leaf ($leaf)");

        ($rc, $msg) = run_cmd(qw(openssl cms -cmsout -print -inform DER -in),
                              $in);
        is($rc, 0, 'openssl cms -cmsout -print') or diag($msg);
        like($msg, qr/digestAlgorithm:\s*algorithm:\s*sha256/,
             'SHA-256 digest');
        like($msg, qr/signingTime/, 'signing time attribute');
        like($msg, qr/eContentType:\s*pkcs7-data/, 'embedded data content');
        my $ncerts = () = $msg =~ /^\s*cert_info:/mg;
        is($ncerts, 2, 'carries the leaf and the intermediate');
    });
}
