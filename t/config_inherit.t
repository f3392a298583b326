# SPDX-License-Identifier: Apache-2.0
# Licensed under the Apache License, Version 2.0; see LICENSE.
# Configuration scopes: two virtual hosts do not mix, a virtual host with
# only MailAutoconfDomain inherits servers and names from the main server,
# "none" drops one protocol's inherited servers, and virtual hosts without
# a domain (or switched off) leave our paths alone.
# Scenarios: <VirtualHost tb_*> in t/conf/extra.conf.in.
use strict;
use warnings FATAL => 'all';
use utf8;

use Apache::Test qw(-withtestmore);
use MailAutoconfTest qw(vhost_get parse_xml);

my @PATHS = ('/.well-known/autoconfig/mail/config-v1.1.xml',
             '/mail/config-v1.1.xml');

sub srv {
    my ($kind, $type, $host, $port, $sock, $user) = @_;
    return { kind => $kind, type => $type, hostname => $host, port => $port,
             socketType => $sock, authentication => 'password-cleartext',
             username => $user // '%EMAILADDRESS%' };
}

my $MAIN_IMAP = srv(incomingServer => imap => 'imap.main.test', 993, 'SSL');
my $MAIN_SMTP = srv(outgoingServer => smtp => 'smtp.main.test', 465, 'SSL');

sub expect {
    my ($id, $name, @servers) = @_;
    return { id => $id, domains => [$id], displayName => [$name],
             displayShortName => [$name], servers => \@servers,
             documentation => [] };
}

# The parsed document as plain data (the same shape as in t/thunderbird.t).
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

my @cases;
sub case { push @cases, [@_] }

# ------------------------------------------------ vhosts that answer

my $OTHER = expect('other.test', 'Other Provider – Grüße',
    srv(incomingServer => imap => 'imap.other.test', 993, 'SSL'),
    srv(outgoingServer => smtp => 'smtp.other.test', 587, 'STARTTLS'));

# [vhost, domain, expected summary, Cache-Control, why]
my @SERVED = (
    [tb_other => 'other.test', $OTHER, 'max-age=120',
     'own servers, UTF-8 display name, own cache lifetime'],
    [tb_inherit => 'inherit.test',
     expect('inherit.test', 'Main Provider', $MAIN_IMAP, $MAIN_SMTP),
     'max-age=3600', 'servers and display name from the main server'],
    [tb_pop_none => 'popnone.test',
     expect('popnone.test', 'Main Provider',
            srv(incomingServer => imap => 'imap.popnone.test', 993, 'SSL'),
            $MAIN_SMTP),
     'max-age=3600', 'own IMAP, POP3 none, SMTP inherited'],
    [tb_imap_none => 'imapnone.test',
     expect('imapnone.test', 'Main Provider',
            srv(incomingServer => pop3 => 'pop.imapnone.test', 995, 'SSL'),
            $MAIN_SMTP),
     'max-age=3600', 'IMAP none drops the inherited IMAP, own POP3, SMTP inherited'],
);

for my $c (@SERVED) {
    my ($vhost, $domain, $expect, $cache, $why) = @$c;
    for my $path (@PATHS) {
        for my $q ('', "?emailaddress=someone\@$domain") {
            case("$vhost GET $path$q: $why", sub {
                my $res = vhost_get($vhost, "$path$q");
                is($res->code, 200, 'status 200') or diag($res->as_string), return;
                is($res->header('Content-Type'),
                   'application/xml; charset=utf-8', 'Content-Type');
                is($res->header('Cache-Control'), $cache, 'Cache-Control');
                my $doc = parse_xml($res->content);
                is_deeply(summary($doc), $expect, 'content')
                    or diag($res->content);
            });
        }
    }
}

# ---------------------------------------------------- no mixing

# [vhost, query, Host, expected status, expected id]
my @MIX = (
    [tb_basic => 'emailaddress=a@other.test',    undef, 404],
    [tb_basic => 'emailaddress=a@inherit.test',  undef, 404],
    [tb_other => 'emailaddress=a@example.com',   undef, 404],
    [tb_other => 'emailaddress=a@example.net',   undef, 404],
    [tb_other => 'emailaddress=a@inherit.test',  undef, 404],
    [tb_inherit => 'emailaddress=a@other.test',  undef, 404],
    [tb_inherit => 'emailaddress=a@main.test',   undef, 404],
    [tb_other => '', 'autoconfig.example.com', 200, 'other.test'],
    [tb_other => '', 'autoconfig.example.net', 200, 'other.test'],
    [tb_basic => '', 'autoconfig.other.test',  200, 'example.com'],
);
for my $c (@MIX) {
    my ($vhost, $q, $host, $code, $id) = @$c;
    case("$vhost ?$q" . ($host ? " Host: $host" : '') . " -> $code", sub {
        my $res = vhost_get($vhost, "$PATHS[0]?$q", $host ? (Host => $host) : ());
        is($res->code, $code, "status $code") or diag($res->as_string), return;
        if ($code == 404) {
            like($res->header('Content-Type') // '', qr{^text/plain},
                 'our 404: text/plain');
            is($res->header('X-Content-Type-Options'), 'nosniff',
               'our 404: nosniff');
            return;
        }
        my $s = summary(parse_xml($res->content));
        is($s->{id}, $id, "emailProvider id $id");
        my %mine = map { $_ => 1 } @{ $s->{domains} };
        ok($mine{$id}, 'id is one of its own domains');
    });
}

case('tb_other document mentions nothing of tb_basic', sub {
    my $res = vhost_get('tb_other', $PATHS[1]);
    my $doc = parse_xml($res->content);
    my @leak = grep { /example|Friends/ }
               map { $_->nodeValue } $doc->findnodes('//@*|//text()');
    is_deeply(\@leak, [], 'no example.* value, no tb_basic name');
});

# ------------------------------------------- vhosts that answer nothing

# What core answers for a missing file: 404, HTML, none of our headers.
sub check_not_ours {
    my ($res) = @_;
    is($res->code, 404, 'status 404') or diag($res->as_string);
    like($res->header('Content-Type') // '', qr{^text/html},
         "core's HTML error page");
    is($res->header('X-Content-Type-Options'), undef, 'not our nosniff');
    unlike($res->content, qr/No (mail )?settings|clientConfig/,
           'not our body');
}

my @UNSERVED = (
    [tb_plain_vhost => 'no mail directives', 'example.com'],
    [tb_off         => 'MailAutoconfEngine Off', 'off.test'],
);
for my $c (@UNSERVED) {
    my ($vhost, $why, $domain) = @$c;
    for my $path (@PATHS) {
        for my $q ('', "?emailaddress=a\@$domain", '?emailaddress=bad') {
            for my $host (undef, "autoconfig.$domain") {
                case("$vhost ($why) GET $path$q"
                     . ($host ? " Host: $host" : '') . ': not ours', sub {
                    check_not_ours(vhost_get($vhost, "$path$q",
                                             $host ? (Host => $host) : ()));
                });
            }
        }
    }
    case("$vhost ($why) still serves its DocumentRoot", sub {
        my $res = vhost_get($vhost, '/');
        is($res->code, 200, 'GET / 200') or diag($res->as_string);
    });
    case("$vhost ($why) POST to our path is not ours either", sub {
        my $res = MailAutoconfTest::vhost_request($vhost, 'POST', $PATHS[1], 'x');
        isnt($res->header('Allow') // '', 'GET, HEAD, OPTIONS',
             'not our Allow');
        unlike($res->content, qr/answers GET and HEAD only/, 'not our body');
    });
}

plan tests => scalar @cases;
subtest($_->[0], $_->[1]) for @cases;
