# SPDX-License-Identifier: Apache-2.0
# Licensed under the Apache License, Version 2.0; see LICENSE.
# "apache2 -t" on small configurations: every bad directive value is
# refused with the directive's name and the reason, a MailAutoconfDomain
# without any server is a startup error naming the virtual host, a good
# configuration passes, and a plain server earns a startup warning.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use MailAutoconfTest qw(configtest_ok configtest_fails);

# A vhost that serves something, for snippets that need one.
my $GOOD_SERVERS = <<'EOC';
    MailAutoconfImap imap.example.com 993 ssl
    MailAutoconfSmtp smtp.example.com 465 ssl
EOC

sub vhost {
    my ($body, $name) = @_;
    $name //= 'autoconfig.example.com';
    return "<VirtualHost 127.0.0.1:80>\n    ServerName $name\n$body</VirtualHost>\n";
}

# [directive line(s), directive named in the output, reason pattern]
my @FAILS = (
    # ports
    ['MailAutoconfImap imap.example.com 0 ssl',      'MailAutoconfImap', qr/port/],
    ['MailAutoconfImap imap.example.com 65536 ssl',  'MailAutoconfImap', qr/port/],
    ['MailAutoconfPop3 pop.example.com abc ssl',     'MailAutoconfPop3', qr/port/],
    ['MailAutoconfSmtp smtp.example.com -25 ssl',    'MailAutoconfSmtp', qr/port/],
    ['MailAutoconfSmtp smtp.example.com 587x starttls', 'MailAutoconfSmtp', qr/port/],
    # socket types
    ['MailAutoconfImap imap.example.com 993 tls13',  'MailAutoconfImap', qr/socket/],
    ['MailAutoconfSmtp smtp.example.com 587 ssl3',   'MailAutoconfSmtp', qr/socket/],
    # authentication
    ['MailAutoconfImap imap.example.com 993 ssl kerberos', 'MailAutoconfImap',
     qr/authentication/],
    ['MailAutoconfImap imap.example.com 993 ssl none', 'MailAutoconfImap',
     qr/authentication.*only for SMTP/],
    ['MailAutoconfPop3 pop.example.com 995 ssl none',  'MailAutoconfPop3',
     qr/authentication.*only for SMTP/],
    ['MailAutoconfPop3 pop.example.com 995 ssl SMTP-after-POP', 'MailAutoconfPop3',
     qr/authentication.*only for SMTP/],
    ['MailAutoconfSmtp smtp.example.com 465 ssl password', 'MailAutoconfSmtp',
     qr/authentication/],
    # hosts
    ['MailAutoconfImap -bad- 993 ssl',               'MailAutoconfImap', qr/host.*hyphen/],
    ['MailAutoconfImap a..b 993 ssl',                'MailAutoconfImap', qr/host.*empty label/],
    ['MailAutoconfSmtp host_name 465 ssl',           'MailAutoconfSmtp', qr/host.*character/],
    ['MailAutoconfSmtp imap.exämple.com 465 ssl',    'MailAutoconfSmtp', qr/host.*ASCII/],
    ['MailAutoconfPop3 1.2.3.4.5 995 ssl',           'MailAutoconfPop3', qr/host/],
    ['MailAutoconfPop3 ::1::2 995 ssl',              'MailAutoconfPop3', qr/host/],
    # domains
    ['MailAutoconfDomain localhost',                 'MailAutoconfDomain', qr/one label/],
    ['MailAutoconfDomain exa_mple.com',              'MailAutoconfDomain', qr/character/],
    ['MailAutoconfDomain bücher.de',                 'MailAutoconfDomain', qr/ASCII/],
    ['MailAutoconfDomain example.com example..org',  'MailAutoconfDomain', qr/empty label/],
    ['MailAutoconfDomain -example.com',              'MailAutoconfDomain', qr/hyphen/],
    ['MailAutoconfDomain example.123',               'MailAutoconfDomain', qr/digits/],
    ['MailAutoconfDomain ' . ('x' x 64) . '.com',    'MailAutoconfDomain', qr/63/],
    ['MailAutoconfDomain',                           'MailAutoconfDomain', qr/argument/],
    ['MailAutoconfDomain example.com example.com',   'MailAutoconfDomain', qr/twice/],
    ["MailAutoconfDomain example.com\nMailAutoconfDomain EXAMPLE.com.",
                                                     'MailAutoconfDomain', qr/twice/],
    # login name template
    ['MailAutoconfLoginName %USER%',                 'MailAutoconfLoginName',
     qr/placeholder.*%USER%/],
    ['MailAutoconfLoginName %emailaddress%',         'MailAutoconfLoginName', qr/placeholder/],
    ['MailAutoconfLoginName 100%',                   'MailAutoconfLoginName', qr/%/],
    # httpd itself refuses an empty "" as a missing argument.
    ['MailAutoconfLoginName ""',                     'MailAutoconfLoginName', qr/empty|argument/],
    # texts
    ['MailAutoconfDisplayName ""',                   'MailAutoconfDisplayName', qr/empty|argument/],
    ['MailAutoconfDisplayShortName ' . ('n' x 257),  'MailAutoconfDisplayShortName',
     qr/longer/],
    # the status page and the proxy's scheme
    ['MailAutoconfStatus On',                        'MailAutoconfStatus',
     qr/not Off, VirtualHost or Server/],
    ['MailAutoconfStatus',                           'MailAutoconfStatus', qr/argument/],
    ['MailAutoconfTrustForwardedProto maybe',        'MailAutoconfTrustForwardedProto',
     qr/On or Off|one of/i],
    # documentation
    ['MailAutoconfDocumentation ftp://example.com/help', 'MailAutoconfDocumentation',
     qr/http/],
    ['MailAutoconfDocumentation javascript:alert(1) Help', 'MailAutoconfDocumentation',
     qr/http/],
    ['MailAutoconfDocumentation /help/mail',         'MailAutoconfDocumentation', qr/http/],
    ['MailAutoconfDocumentation "https://example.com/a b"', 'MailAutoconfDocumentation',
     qr/spaces/],
    ['MailAutoconfDocumentation https://example.com/ ' . ('t' x 257),
     'MailAutoconfDocumentation', qr/longer/],
    # cache lifetime
    ['MailAutoconfCacheMaxAge -1',                   'MailAutoconfCacheMaxAge', qr/seconds/],
    ['MailAutoconfCacheMaxAge abc',                  'MailAutoconfCacheMaxAge', qr/seconds/],
    ['MailAutoconfCacheMaxAge 31536001',             'MailAutoconfCacheMaxAge', qr/seconds/],
    # argument counts
    ['MailAutoconfImap imap.example.com',            'MailAutoconfImap', qr/HOST PORT SOCKET/],
    ['MailAutoconfSmtp smtp.example.com 465',        'MailAutoconfSmtp', qr/HOST PORT SOCKET/],
    ['MailAutoconfPop3 pop.example.com 995 ssl password-cleartext extra',
                                                     'MailAutoconfPop3', qr/HOST PORT SOCKET/],
    ['MailAutoconfImap',                             'MailAutoconfImap', qr/HOST PORT SOCKET|argument/],
    ['MailAutoconfLoginName a b',                    'MailAutoconfLoginName', qr/argument/],
    # engine
    ['MailAutoconfEngine maybe',                     'MailAutoconfEngine', qr/On or Off/],
    # none together with servers in one context
    ["MailAutoconfImap imap.example.com 993 ssl\nMailAutoconfImap none",
                                                     'MailAutoconfImap', qr/none.*cannot be combined/],    # the status page's resolver
    ['MailAutoconfCheckResolver dns.example.com',     'MailAutoconfCheckResolver', qr/not an IPv4 address/],
    ['MailAutoconfCheckResolver 127.0.0.1:0',        'MailAutoconfCheckResolver', qr/port/],
    ['MailAutoconfCheckResolver 127.0.0.1:65536',    'MailAutoconfCheckResolver', qr/port/],
    ['MailAutoconfCheckResolver 127.0.0.1:53x',      'MailAutoconfCheckResolver', qr/port/],
    ['MailAutoconfCheckResolver 127.0.0.1:',         'MailAutoconfCheckResolver', qr/port/],
    ['MailAutoconfCheckResolver ::1',                'MailAutoconfCheckResolver', qr/IPv6.*not supported/],
    ['MailAutoconfCheckResolver 127.0.0.1 53',       'MailAutoconfCheckResolver', qr/argument/],
);

# Startup errors: only visible once inheritance is resolved.
my @STARTUP_FAILS = (
    [vhost("    MailAutoconfDomain example.com\n", 'nomail.example.com'),
     'a domain but no server in a virtual host',
     [qr/MailAutoconfDomain/, qr/virtual host nomail\.example\.com/, qr/no .*server/]],
    ["MailAutoconfDomain example.com\n",
     'a domain but no server in the main server',
     [qr/MailAutoconfDomain/, qr/main server/, qr/no .*server/]],
    ["MailAutoconfImap imap.example.com 993 ssl\n"
       . vhost("    MailAutoconfDomain example.com\n    MailAutoconfImap none\n",
               'dropped.example.com'),
     'the only inherited server dropped with none',
     [qr/MailAutoconfDomain/, qr/virtual host dropped\.example\.com/]],
);

# [snippet, name, patterns the output must match, patterns it must not]
my @OKS = (
    [vhost(<<'EOC'), 'everything set', [qr/Syntax OK/], [qr/MAC\d+/, qr/warn/i]],
    MailAutoconfDomain example.com example.org EXAMPLE.net.
    MailAutoconfDisplayName "Example <Mail> & \"Friends\""
    MailAutoconfDisplayShortName Ex
    MailAutoconfImap imap.example.com 993 ssl
    MailAutoconfImap IMAP.example.com 143 STARTTLS password-encrypted
    MailAutoconfPop3 pop.example.com 995 tls OAuth2
    MailAutoconfSmtp smtp.example.com 465 ssl NTLM
    MailAutoconfSmtp 192.0.2.25 587 starttls none
    MailAutoconfSmtp 2001:db8::25 587 starttls SMTP-after-POP
    MailAutoconfLoginName %EMAILLOCALPART%+%EMAILDOMAIN%
    MailAutoconfDocumentation https://www.example.com/help/mail "Setting up mail"
    MailAutoconfCacheMaxAge 0
    MailAutoconfCheckResolver 127.0.0.1:5353
    MailAutoconfEngine On
EOC
    ["MailAutoconfImap imap.main.test 993 ssl\n"
       . "MailAutoconfSmtp smtp.main.test 465 ssl\n"
       . vhost("    MailAutoconfDomain inherit.test\n"),
     'a vhost with only a domain inherits the servers',
     [qr/Syntax OK/], [qr/MAC\d+/]],
    [vhost("    MailAutoconfDomain example.com\n    MailAutoconfEngine Off\n"),
     'a domain without servers but switched off', [qr/Syntax OK/], []],
    [vhost("    MailAutoconfImap none\n    MailAutoconfImap imap.example.com 993 ssl\n"
           . "    MailAutoconfSmtp smtp.example.com 465 ssl\n"
           . "    MailAutoconfDomain example.com\n"),
     'none followed by servers', [qr/Syntax OK/], []],
    [vhost("    MailAutoconfDomain example.com\n"
           . "    MailAutoconfImap imap.example.com 143 plain\n"
           . "    MailAutoconfSmtp smtp.example.com 465 ssl\n", 'plain.example.com'),
     'a plain server: accepted with a warning',
     [qr/Syntax OK/, qr/imap\.example\.com:143/, qr/plain/,
      qr/Thunderbird for Android/, qr/virtual host plain\.example\.com/],
     []],
    [vhost("    MailAutoconfEngine Off\n    MailAutoconfDomain example.com\n"
           . "    MailAutoconfImap imap.example.com 143 plain\n"),
     'a plain server in a vhost that is Off: no warning',
     [qr/Syntax OK/], [qr/Thunderbird for Android/]],
);

my @cases;
sub case { push @cases, [@_] }

for my $c (@FAILS) {
    my ($line, $directive, $reason) = @$c;
    for my $where ('main server', 'virtual host') {
        my $snippet = $where eq 'main server' ? "$line\n"
                    : vhost("    MailAutoconfDomain base.test\n$GOOD_SERVERS"
                            . join('', map { "    $_\n" } split /\n/, $line));
        (my $label = $line) =~ s/\n/ \\n /g;
        $label = substr($label, 0, 70) . '...' if length $label > 73;
        case("configtest fails ($where): $label", sub {
            my ($status, $out) = configtest_fails($snippet);
            isnt($status, 0, 'httpd -t exits nonzero');
            like($out, qr/\Q$directive\E/, "the output names $directive");
            like($out, $reason, "the output gives the reason ($reason)");
            unlike($out, qr/Syntax OK/, 'no "Syntax OK"');
        } );
    }
}

for my $c (@STARTUP_FAILS) {
    my ($snippet, $name, $patterns) = @$c;
    case("configtest fails at startup: $name", sub {
        my ($status, $out) = configtest_fails($snippet);
        isnt($status, 0, 'httpd -t exits nonzero');
        like($out, $_, "output matches $_") for @$patterns;
    });
}

for my $c (@OKS) {
    my ($snippet, $name, $must, $mustnot) = @$c;
    case("configtest ok: $name", sub {
        my ($ok, $out) = configtest_ok($snippet);
        ok($ok, 'httpd -t exits 0') or diag($out);
        like($out, $_, "output matches $_") for @$must;
        unlike($out, $_, "output does not match $_") for @$mustnot;
    });
}

plan tests => scalar @cases;
subtest($_->[0], $_->[1]) for @cases;
