# SPDX-License-Identifier: Apache-2.0
# Licensed under the Apache License, Version 2.0; see LICENSE.
# Hosting layouts: the mail settings in the main server and virtual hosts
# that set none of the module's directives.  Each server must answer with
# its own names in every answer that carries one (Autodiscover v2, the
# HTTPS redirect, the Apple page, the status page), however many servers
# inherit the settings, on one port or several, with and without the
# redirect.  These layouts change the main server, so each runs in an
# httpd of its own (own_httpd), not in the shared test server.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use LWP::UserAgent ();
use HTTP::Request ();
use JSON::PP ();
use MailAutoconfTest qw(own_httpd);

my $UA = LWP::UserAgent->new(max_redirect => 0, timeout => 10,
                             keep_alive => 0);

sub req {
    my ($port, $host, $method, $path, $body, %h) = @_;
    my $r = HTTP::Request->new($method => "http://127.0.0.1:$port$path");
    $r->header(Host => $host);
    $r->header($_ => $h{$_}) for keys %h;
    if (defined $body) {
        $r->content($body);
        $r->header('Content-Length' => length $body);
    }
    return $UA->request($r);
}

my $AD_BODY = <<'EOX';
<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">
  <Request>
    <EMailAddress>u@example.com</EMailAddress>
    <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>
  </Request>
</Autodiscover>
EOX

my $V2 = '/autodiscover/autodiscover.json?Email=u%40example.com&Protocol=AutodiscoverV1';

# The main server's settings; $redirect adds MailAutoconfRedirectHTTPS On.
sub main_conf {
    my ($redirect) = @_;
    return <<"EOC" . ($redirect ? "MailAutoconfRedirectHTTPS On\n" : '');
ServerName main.example.net
MailAutoconfDomain example.com
MailAutoconfDisplayName "Example Mail"
MailAutoconfImap imap.example.com 993 ssl
MailAutoconfSmtp smtp.example.com 465 ssl
<Location /mail-status>
    SetHandler mailautoconf-status
    MailAutoconfStatus VirtualHost
</Location>
EOC
}

# [what, number of ports, virtual hosts per port]
my @LAYOUTS = (
    ['no virtual host', 1, [0]],
    ['one inheriting virtual host', 1, [1]],
    ['five inheriting virtual hosts on one port', 1, [5]],
    ['three inheriting virtual hosts on each of two ports', 2, [3, 3]],
);

for my $layout (@LAYOUTS) {
    my ($what, $nports, $per_port) = @$layout;
    for my $redirect (0, 1) {
        my $conf = main_conf($redirect);
        my @servers;    # [port index, name]
        my $n = 0;
        for my $pi (0 .. $nports - 1) {
            for (1 .. $per_port->[$pi]) {
                my $name = sprintf 'www.site%02d.test', ++$n;
                $conf .= "<VirtualHost *:\@PORT$pi\@>\n"
                       . "    ServerName $name\n</VirtualHost>\n";
                push @servers, [$pi, $name];
            }
        }
        # Without virtual hosts the main server answers.
        @servers = ([0, 'main.example.net']) unless @servers;
        my @names = map { $_->[1] } @servers;

        my $h = own_httpd($conf, $nports);
        my $label = "$what, " . ($redirect ? 'redirect On' : 'no redirect');
        for my $s (@servers) {
            my ($pi, $name) = @$s;
            my $port = $h->{ports}[$pi];
            my @others = grep { $_ ne $name } @names;
            my $other_re = @others ? join('|', map { quotemeta } @others)
                                   : '(?!)';

            my $v2 = req($port, $name, GET => $V2);
            my $ad = req($port, $name, POST => '/autodiscover/autodiscover.xml',
                         $AD_BODY, 'Content-Type' => 'text/xml');
            my $page = req($port, $name, GET => '/email.mobileconfig');
            if ($redirect) {
                is($v2->code, 301, "$label, $name: v2 redirected");
                is($v2->header('Location'), "https://$name$V2",
                   "$label, $name: v2 redirect to its own name");
                is($ad->code, 308, "$label, $name: POST redirected with 308");
                is($ad->header('Location'),
                   "https://$name/autodiscover/autodiscover.xml",
                   "$label, $name: POST redirect to its own name");
                is($page->code, 301, "$label, $name: Apple page redirected");
                is($page->header('Location'), "https://$name/email.mobileconfig",
                   "$label, $name: Apple page redirect to its own name");
            }
            else {
                is($v2->code, 200, "$label, $name: v2 answered");
                my $json = eval { JSON::PP::decode_json($v2->content) } || {};
                is($json->{Url}, "https://$name/autodiscover/autodiscover.xml",
                   "$label, $name: v2 names its own host");
                is($ad->code, 200, "$label, $name: POX answered");
                like($ad->content, qr{<Server>imap\.example\.com</Server>},
                     "$label, $name: POX carries the inherited servers");
                is($page->code, 200, "$label, $name: Apple page answered");
                like($page->content,
                     qr{<form method="get" action="/email\.mobileconfig"},
                     "$label, $name: the form posts back to this host's path");
                unlike($page->content, qr/$other_re/,
                       "$label, $name: the Apple page names no other host");
            }
            # The status page is not redirected; it shows this server only.
            my $st = req($port, $name, GET => '/mail-status?json');
            is($st->code, 200, "$label, $name: status page");
            my $sj = eval { JSON::PP::decode_json($st->content) } || {};
            my @v = @{ $sj->{vhosts} || [] };
            is(scalar @v, 1, "$label, $name: status page lists one server");
            is($v[0] && $v[0]{server_name}, $name,
               "$label, $name: status page lists this server");
            like($v[0] && $v[0]{base_url} // '', qr{//\Q$name\E\b},
                 "$label, $name: its base URL has its own name");
            my $html = req($port, $name, GET => '/mail-status');
            unlike($html->content, qr/$other_re/,
                   "$label, $name: the status page names no other host");
        }
        $h->stop;
    }
}

# Several servers share one build of the documents: the warnings that
# belong to the shared settings are logged once, not once per server.
{
    my $conf = main_conf(0) . "MailAutoconfPop3 pop.example.com 110 plain\n";
    $conf .= "<VirtualHost *:\@PORT0\@>\n    ServerName www.v$_.test\n"
           . "</VirtualHost>\n" for 1 .. 4;
    my $h = own_httpd($conf, 1);
    my $log = $h->error_log;
    my @plain = $log =~ /MAC00101: [^\n]*plain/g;
    is(scalar @plain, 1, 'a shared warning is logged once for five servers');
    $h->stop;
}

# A virtual host with only ServerAlias: httpd names it itself; the module
# warns at startup and on the status page.
{
    my $conf = main_conf(0) . <<'EOC';
<VirtualHost *:@PORT0@>
    ServerName www.named.test
</VirtualHost>
<VirtualHost *:@PORT0@>
    ServerAlias only-alias.test
    <Location /mail-status>
        SetHandler mailautoconf-status
        MailAutoconfStatus VirtualHost
    </Location>
</VirtualHost>
EOC
    my $h = own_httpd($conf, 1);
    my $log = $h->error_log;
    like($log, qr/MAC00103: virtual host [^\n]*has no ServerName/,
         'ServerAlias only: a startup warning');
    unlike($log, qr/MAC00103: virtual host www\.named\.test/,
           'a virtual host with a ServerName: no such warning');
    my $st = req($h->{ports}[0], 'only-alias.test', GET => '/mail-status?json');
    my $sj = eval { JSON::PP::decode_json($st->content) } || {};
    my $v = ($sj->{vhosts} || [])->[0] || {};
    ok((grep { /has no ServerName/ } @{ $v->{problems} || [] }),
       'ServerAlias only: the warning is on the status page');
    $h->stop;
}

done_testing();
