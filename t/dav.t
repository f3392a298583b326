# SPDX-License-Identifier: Apache-2.0
# Licensed under the Apache License, Version 2.0; see LICENSE.
# Calendars and contacts: MailAutoconfCalDAV and MailAutoconfCardDAV.
#
#   - configtest refuses bad URLs, naming the directive;
#   - /.well-known/caldav and /.well-known/carddav are claimed before
#     ProxyPass / and a catch-all RewriteRule and answer every method with
#     RFC 6764's redirect, for the domain the Host names (never the Host
#     itself when it is not served); unconfigured, they are left alone;
#   - the Thunderbird, Autodiscover and Apple documents and the status
#     page's DNS records carry the services;
#   - database columns caldav_url and carddav_url override the directives;
#     a bad value is a 500 and a log line;
#   - a real DAV client (vdirsyncer, its discover command) given only the
#     server's address finds the calendar and the address book that a real
#     DAV server (radicale) holds, through the module's redirects, over
#     HTTPS, behind ProxyPass / and behind a catch-all RewriteRule; and
#     python3-caldav, given /.well-known/caldav, finds the calendar.
#
# Everything runs in httpds of its own (own_httpd) and a radicale started
# here on 127.0.0.1, with certificates made here with openssl.  Without
# radicale, vdirsyncer or python3-caldav (Debian packages of those names,
# which scripts/lib.sh installs) that part is skipped with the reason,
# except under CI=true, where it fails.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use LWP::UserAgent ();
use HTTP::Request ();
use IO::Socket::INET ();
use File::Temp ();
use File::Path ();
use File::Spec ();
use POSIX ();
use MailAutoconfTest qw(own_httpd configtest_fails configtest_ok top_dir
                        parse_xml loopback_request free_port);
use MailAutoconfHostile qw(request_xml);


sub req { return loopback_request(@_) }

my $SERVERS = <<'EOC';
MailAutoconfImap imap.example.com 993 ssl
MailAutoconfSmtp smtp.example.com 465 ssl
EOC

# ------------------------------------------------------------ configtest

my @bad = (
    ['MailAutoconfCalDAV', 'http://dav.example.com/', qr/not an https:\/\/ URL/],
    ['MailAutoconfCardDAV', 'http://dav.example.com/', qr/not an https:\/\/ URL/],
    ['MailAutoconfCalDAV', 'https://dav.example.com/?user=1',
     qr/a query or a fragment/],
    ['MailAutoconfCardDAV', 'https://dav.example.com/#x',
     qr/a query or a fragment/],
    ['MailAutoconfCalDAV', 'https://dav.example.com/%EMAILLOCALPART%/',
     qr/unknown template variable '%EMAILLOCALPART%'/],
    ['MailAutoconfCardDAV', 'https://%USER%.example.com/',
     qr/unknown template variable '%USER%'/],
    ['MailAutoconfCalDAV', 'https://u:p@dav.example.com/', qr/user name/],
    ['MailAutoconfCalDAV', 'https://dav..example.com/', qr/dav\.\.example/],
);
for my $b (@bad) {
    my ($directive, $url, $why) = @$b;
    my ($status, $out) = configtest_fails(<<"EOC");
<VirtualHost 127.0.0.1:\@PORT0\@>
    ServerName www.example.com
    MailAutoconfDomain example.com
$SERVERS    $directive "$url"
</VirtualHost>
EOC
    isnt($status, 0, "configtest: $directive $url is refused");
    like($out, qr/\Q$directive\E/, '  the message names the directive');
    like($out, $why, "  and says why ($why)");
}
ok(scalar configtest_ok(<<"EOC"), 'configtest: good URLs and none pass');
MailAutoconfCalDAV https://dav.%EMAILDOMAIN%:8443/cal/%EMAILDOMAIN%/
MailAutoconfCardDAV https://[2001:db8::1]/card/
<VirtualHost 127.0.0.1:\@PORT0\@>
    ServerName www.example.com
    MailAutoconfDomain example.com
$SERVERS    MailAutoconfCardDAV none
</VirtualHost>
EOC

# -------------------------------------------- redirects and documents

my $DEAD = free_port();    # nothing listens: the proxied site is "down"
my $h = own_httpd(<<"EOC", 3);
MailAutoconfDomain example.com example.org
$SERVERS
MailAutoconfCalDAV https://dav.%EMAILDOMAIN%/cal/
MailAutoconfCardDAV https://contacts.example.net:8443/card/%EMAILDOMAIN%/
# Behind ProxyPass /
<VirtualHost 127.0.0.1:\@PORT0\@>
    ServerName www.example.com
    ProxyPass / http://127.0.0.1:$DEAD/
    <Location /mail-status>
        SetHandler mailautoconf-status
        MailAutoconfStatus VirtualHost
    </Location>
</VirtualHost>
# Behind a catch-all RewriteRule; CardDAV dropped
<VirtualHost 127.0.0.1:\@PORT1\@>
    ServerName www.example.org
    RewriteEngine on
    RewriteRule ^/(.*)\$ http://127.0.0.1:$DEAD/\$1 [P]
    MailAutoconfCardDAV none
</VirtualHost>
# No DAV at all: the well-known paths are not the module's
<VirtualHost 127.0.0.1:\@PORT2\@>
    ServerName www.example.net
    ProxyPass / http://127.0.0.1:$DEAD/
    MailAutoconfCalDAV none
    MailAutoconfCardDAV none
</VirtualHost>
EOC
my ($P0, $P1, $P2) = @{ $h->{ports} };

my $PROPFIND = '<?xml version="1.0"?><propfind xmlns="DAV:"><prop>'
             . '<current-user-principal/></prop></propfind>';
for my $port ($P0, $P1) {
    for my $m (qw(GET HEAD PROPFIND OPTIONS POST PUT DELETE REPORT MKCOL
                  TRACE)) {
        my $res = req($port, 'autoconfig.example.org', $m,
                      '/.well-known/caldav',
                      $m =~ /^(PROPFIND|POST|PUT|REPORT)$/ ? $PROPFIND : undef,
                      $m eq 'PROPFIND' ? (Depth => 0) : ());
        is($res->code, 301, "port $port: $m /.well-known/caldav is 301");
        is($res->header('Location'), 'https://dav.example.org/cal/',
           '  to the CalDAV URL of the domain the Host names');
    }
    my $res = req($port, 'www.example.com', 'PROPFIND',
                  '/.well-known/caldav/', $PROPFIND, Depth => 0);
    is($res->code, 301, "port $port: with a trailing slash too");
}
my $res = req($P0, 'autodiscover.example.com', 'PROPFIND',
              '/.well-known/carddav', $PROPFIND, Depth => 0);
is($res->code, 301, 'CardDAV: 301');
is($res->header('Location'),
   'https://contacts.example.net:8443/card/example.com/',
   '  to the CardDAV URL, domain filled in');
$res = req($P0, 'evil.example', 'GET', '/.well-known/carddav');
is($res->header('Location'),
   'https://contacts.example.net:8443/card/example.com/',
   'a Host that is not served: the first domain, never the Host');
$res = req($P0, 'example.org', 'GET', '/.well-known/caldav');
is($res->header('Location'), 'https://dav.example.org/cal/',
   'the bare domain as Host');
$res = req($P1, 'www.example.org', 'GET', '/.well-known/carddav');
is($res->code, 503, 'CardDAV none: the path goes to the proxy as before');
for my $p ('/.well-known/caldav', '/.well-known/carddav') {
    $res = req($P2, 'www.example.net', 'GET', $p);
    is($res->code, 503, "no DAV configured: $p goes to the proxy as before");
}
$res = req($P0, 'www.example.com', 'GET', '/.well-known/caldavx');
is($res->code, 503, 'a longer path is not claimed');

# The documents
$res = req($P0, 'autoconfig.example.org', 'GET',
           '/mail/config-v1.1.xml?emailaddress=a@example.org');
is($res->code, 200, 'Thunderbird: 200');
like($res->content,
     qr{</emailProvider>\n  <addressbook type="carddav">\n    <url>https://contacts\.example\.net:8443/card/example\.org/</url>\n.*  <calendar type="caldav">\n    <url>https://dav\.example\.org/cal/</url>}s,
     'Thunderbird: <addressbook> and <calendar> after <emailProvider>');
$res = req($P1, 'autoconfig.example.org', 'GET', '/mail/config-v1.1.xml');
unlike($res->content, qr/addressbook/, 'Thunderbird: CardDAV none: no '
       . '<addressbook>');

$res = req($P0, 'autodiscover.example.org', 'POST',
           '/autodiscover/autodiscover.xml', request_xml('jo@example.org'),
           'Content-Type' => 'text/xml');
is($res->code, 200, 'Autodiscover: 200');
my $doc = parse_xml($res->content);
my $xc = XML::LibXML::XPathContext->new($doc);
$xc->registerNs(a => 'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a');
is($xc->findvalue('//a:Protocol[a:Type="CalDAV"]/a:Server'),
   'https://dav.example.org/cal/', 'Autodiscover: CalDAV Protocol');
is($xc->findvalue('//a:Protocol[a:Type="CardDAV"]/a:LoginName'),
   'jo@example.org', 'Autodiscover: CardDAV Protocol with the login name');

$res = req($P0, 'www.example.com', 'GET',
           '/email.mobileconfig?emailaddress=jo@example.org');
is($res->code, 200, 'Apple: 200');
like($res->content, qr{<string>com\.apple\.caldav\.account</string>},
     'Apple: a CalDAV payload');
like($res->content, qr{<string>com\.apple\.carddav\.account</string>},
     'Apple: a CardDAV payload');
$res = req($P0, 'www.example.com', 'GET', '/email.mobileconfig');
like($res->content, qr/It also adds the calendars \(CalDAV, dav\.example\.com\) and contacts \(CardDAV, contacts\.example\.net\)\./,
     'Apple page: says what the profile adds');

# Signed like the mail payload: the signed content holds all three.
{
    my $data = File::Spec->catdir(top_dir(), 't', 'unit', 'data');
    my $sg = own_httpd(<<"EOC", 1);
<VirtualHost 127.0.0.1:\@PORT0\@>
    ServerName www.example.com
    MailAutoconfDomain example.com
$SERVERS    MailAutoconfCalDAV https://dav.example.com/cal/
    MailAutoconfCardDAV https://dav.example.com/card/
    MailAutoconfProfileSigning "$data/leaf-ec.pem" "$data/leaf-ec.key" "$data/chain.pem"
</VirtualHost>
EOC
    my $r = req($sg->{ports}[0], 'www.example.com', 'GET',
                '/email.mobileconfig?emailaddress=jo@example.com');
    is($r->code, 200, 'signed profile: 200');
    my $dir = File::Temp::tempdir('dav-sign-XXXXXX', CLEANUP => 1,
        DIR => File::Spec->catdir(top_dir(), 't', 'tmp'));
    open my $fh, '>:raw', "$dir/p.der" or die;
    print $fh $r->content;
    close $fh;
    my $rc = system("openssl cms -verify -binary -inform DER -in $dir/p.der "
                    . "-CAfile $data/ca.pem -purpose any -out $dir/p.xml "
                    . ">$dir/verify.log 2>&1");
    is($rc, 0, 'signed profile: the signature verifies');
    my $content = do { local (@ARGV, $/) = "$dir/p.xml"; <> } // '';
    like($content, qr{com\.apple\.mail\.managed.*com\.apple\.caldav\.account.*com\.apple\.carddav\.account}s,
         'signed profile: mail, CalDAV and CardDAV payloads under one signature');
    $sg->stop;
}

$res = req($P0, 'www.example.com', 'GET', '/mail-status');
like($res->content, qr/_caldavs\._tcp\.example\.org\.\s+SRV\s+0 1 443 dav\.example\.org\./,
     'status page: _caldavs._tcp SRV record');
like($res->content, qr/_carddavs\._tcp\.example\.com\.\s+TXT\s+&quot;path=\/card\/example\.com\/&quot;|_carddavs\._tcp\.example\.com\.\s+TXT\s+"path=\/card\/example\.com\/"/,
     'status page: _carddavs._tcp TXT path record');
$h->stop;

# ----------------------------------------------------- database columns

SKIP: {
    my ($sqlite) = grep { -x "$_/sqlite3" } split /:/, $ENV{PATH};
    my ($driver) = (glob('/usr/lib/*/apr-util-1/apr_dbd_sqlite3*.so'));
    skip 'the database part needs sqlite3 and libaprutil1-dbd-sqlite3', 7
        unless $sqlite && $driver;
    my $dir = File::Temp::tempdir('dav-db-XXXXXX', CLEANUP => 1,
        DIR => File::Spec->catdir(top_dir(), 't', 'tmp'));
    my $db = "$dir/d.db";
    system('sqlite3', $db, <<'EOS') == 0 or die "sqlite3 failed\n";
CREATE TABLE d (domain TEXT, caldav_url TEXT, carddav_url TEXT);
INSERT INTO d VALUES ('own.test', 'https://cal.own.test/x/', NULL);
INSERT INTO d VALUES ('tpl.test', 'https://dav.%EMAILDOMAIN%/', '');
INSERT INTO d VALUES ('plain.test', 'http://cal.plain.test/', NULL);
INSERT INTO d VALUES ('query.test', NULL, 'https://c.query.test/?a=1');
INSERT INTO d VALUES ('var.test', 'https://c.var.test/%USER%/', NULL);
EOS
    chmod 0644, $db;
    chmod 0755, $dir;
    my $d = own_httpd(<<"EOC", 1);
LoadModule dbd_module /usr/lib/apache2/modules/mod_dbd.so
<VirtualHost 127.0.0.1:\@PORT0\@>
    ServerName www.example.com
    DBDriver sqlite3
    DBDParams "$db"
    MailAutoconfDBDQuery "SELECT caldav_url, carddav_url FROM d WHERE domain = %s"
$SERVERS    MailAutoconfCalDAV https://cal.example.com/
    MailAutoconfCardDAV https://card.example.com/
</VirtualHost>
EOC
    my $p = $d->{ports}[0];
    my $r = req($p, 'autoconfig.own.test', 'GET', '/.well-known/caldav');
    is($r->header('Location'), 'https://cal.own.test/x/',
       'database: caldav_url overrides the directive');
    $r = req($p, 'autoconfig.own.test', 'GET', '/.well-known/carddav');
    is($r->header('Location'), 'https://card.example.com/',
       'database: a NULL column leaves the directive');
    $r = req($p, 'autoconfig.tpl.test', 'GET',
             '/mail/config-v1.1.xml?emailaddress=a@tpl.test');
    like($r->content, qr{<url>https://dav\.tpl\.test/</url>},
         'database: a template in the column, filled in');
    for my $bad (qw(plain.test query.test var.test)) {
        $r = req($p, "autoconfig.$bad", 'GET',
                 "/mail/config-v1.1.xml?emailaddress=a\@$bad");
        is($r->code, 500, "database: a bad DAV URL for $bad is 500");
    }
    my $log = $d->error_log;
    like($log, qr/MAC00507.*plain\.test.*caldav_url: .*not an https/,
         'database: the log names the column and the reason');
    $d->stop;
}

# --------------------------------- a real DAV client and a real DAV server

my ($RADICALE) = grep { -x } '/usr/bin/radicale';
my ($VDIRSYNCER) = grep { -x } '/usr/bin/vdirsyncer';
my $why = !$RADICALE ? 'radicale is not installed (Debian package radicale)'
        : !$VDIRSYNCER ? 'vdirsyncer is not installed (Debian package '
                       . 'vdirsyncer)'
        : undef;
if ($why) {
    if ($ENV{CI}) {
        fail("under CI the DAV client test must run: $why");
    }
    else {
        SKIP: { skip $why, 1 }
    }
    done_testing();
    exit 0;
}

my $tmp = File::Temp::tempdir('dav-XXXXXX', CLEANUP => 1,
    DIR => File::Spec->catdir(top_dir(), 't', 'tmp'));

# A CA and a certificate for localhost.
sub run_quiet {
    my $rc = system(join(' ', @_) . " >$tmp/openssl.log 2>&1");
    die "failed: @_\n" . do { local (@ARGV, $/) = "$tmp/openssl.log"; <> }
        if $rc;
}
run_quiet("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256",
          "-nodes -keyout $tmp/ca.key -out $tmp/ca.pem -days 2",
          "-subj /CN=mailautoconf-dav-test-ca",
          "-addext basicConstraints=critical,CA:TRUE",
          "-addext keyUsage=critical,keyCertSign,cRLSign");
run_quiet("openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes",
          "-keyout $tmp/leaf.key -out $tmp/leaf.csr -subj /CN=localhost");
open my $ext, '>', "$tmp/leaf.ext" or die;
print $ext "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n"
         . "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
         . "authorityKeyIdentifier=keyid\nsubjectKeyIdentifier=hash\n";
close $ext;
run_quiet("openssl x509 -req -in $tmp/leaf.csr -CA $tmp/ca.pem",
          "-CAkey $tmp/ca.key -CAcreateserial -out $tmp/leaf.pem -days 2",
          "-extfile $tmp/leaf.ext");

# radicale on a free port, its own storage, one user.
my $RPORT = free_port();
File::Path::make_path("$tmp/collections");
open my $users, '>', "$tmp/users" or die;
print $users "alice:secret\n";
close $users;
open my $rc, '>', "$tmp/radicale.conf" or die;
print $rc <<"EOC";
[server]
hosts = 127.0.0.1:$RPORT
[auth]
type = htpasswd
htpasswd_filename = $tmp/users
htpasswd_encryption = plain
[storage]
filesystem_folder = $tmp/collections
[logging]
level = warning
EOC
close $rc;
my $rpid = fork // die "fork: $!\n";
if (!$rpid) {
    open STDOUT, '>', "$tmp/radicale.log";
    open STDERR, '>&', \*STDOUT;
    exec($RADICALE, '--config', "$tmp/radicale.conf") or POSIX::_exit(127);
}
END { if ($rpid) { kill 'TERM', $rpid; waitpid $rpid, 0 } }
my $deadline = time + 15;
until (IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $RPORT)) {
    die "radicale did not start:\n" . `cat $tmp/radicale.log` if time > $deadline;
    select undef, undef, undef, 0.1;
}

# Two HTTPS virtual hosts, both named localhost (the only name that
# resolves here, and the DAV client keeps its credentials only for the
# same host): radicale under /radicale/, everything else to a dead
# backend through ProxyPass / or a catch-all RewriteRule.
my $RADICALE_PROXY = <<"EOC";
    ProxyPass /radicale/ http://127.0.0.1:$RPORT/
    ProxyPassReverse /radicale/ http://127.0.0.1:$RPORT/
    RequestHeader set X-Script-Name /radicale
EOC
sub dav_vhost {
    my ($n, $rest) = @_;
    return <<"EOC";
<VirtualHost 127.0.0.1:\@PORT$n\@>
    ServerName localhost
    SSLEngine on
    SSLCertificateFile $tmp/leaf.pem
    SSLCertificateKeyFile $tmp/leaf.key
    MailAutoconfCalDAV https://localhost:\@PORT$n\@/radicale/
    MailAutoconfCardDAV https://localhost:\@PORT$n\@/radicale/
$RADICALE_PROXY$rest</VirtualHost>
EOC
}
my $s = own_httpd("${SERVERS}MailAutoconfDomain example.com\n"
    . dav_vhost(0, "    ProxyPass / http://127.0.0.1:$DEAD/\n")
    . dav_vhost(1, "    RewriteEngine on\n    RewriteRule "
                   . "^/(?!radicale/)(.*)\$ http://127.0.0.1:$DEAD/\$1 [P]\n"), 2);

# A calendar and an address book for alice, made through the proxy.
my $SUA = LWP::UserAgent->new(max_redirect => 0, timeout => 10,
                              ssl_opts => { SSL_ca_file => "$tmp/ca.pem",
                                            verify_hostname => 1 });
my $base = "https://localhost:$s->{ports}[0]";
sub dav {
    my ($method, $path, $body) = @_;
    my $r = HTTP::Request->new($method => "$base$path");
    $r->authorization_basic('alice', 'secret');
    if (defined $body) {
        $r->content($body);
        $r->header('Content-Type' => 'application/xml; charset=utf-8');
    }
    return $SUA->request($r);
}
# An extended MKCOL (RFC 5689) of a collection of type $ns:$type.
sub mkcol {
    my ($name, $ns, $type, $what) = @_;
    my $r = dav('MKCOL', "/radicale/alice/$name/", <<"EOX");
<?xml version="1.0" encoding="utf-8"?>
<mkcol xmlns="DAV:" xmlns:X="$ns">
  <set><prop>
    <resourcetype><collection/><X:$type/></resourcetype>
    <displayname>$name</displayname>
  </prop></set>
</mkcol>
EOX
    ok($r->is_success, "radicale: $what made through the proxy")
        or diag($r->as_string);
}
mkcol('work', 'urn:ietf:params:xml:ns:caldav', 'calendar', 'a calendar');
mkcol('friends', 'urn:ietf:params:xml:ns:carddav', 'addressbook',
      'an address book');

# vdirsyncer, given only https://localhost:PORT/, discovers both.
for my $i (0, 1) {
    my $port = $s->{ports}[$i];
    my $layout = $i ? 'a catch-all RewriteRule' : 'ProxyPass /';
    my $vd = "$tmp/vdir$i";
    File::Path::make_path("$vd/status", "$vd/cal", "$vd/card");
    open my $cf, '>', "$vd/config" or die;
    print $cf <<"EOC";
[general]
status_path = "$vd/status"

[pair cal]
a = "cal_remote"
b = "cal_local"
collections = ["from a"]

[storage cal_remote]
type = "caldav"
url = "https://localhost:$port/"
username = "alice"
password = "secret"
verify = "$tmp/ca.pem"

[storage cal_local]
type = "filesystem"
path = "$vd/cal"
fileext = ".ics"

[pair card]
a = "card_remote"
b = "card_local"
collections = ["from a"]

[storage card_remote]
type = "carddav"
url = "https://localhost:$port/"
username = "alice"
password = "secret"
verify = "$tmp/ca.pem"

[storage card_local]
type = "filesystem"
path = "$vd/card"
fileext = ".vcf"
EOC
    close $cf;
    my $out = `yes | $VDIRSYNCER -v debug -c $vd/config discover 2>&1`;
    like($out, qr{/\.well-known/caldav}, "$layout: vdirsyncer tried "
         . '/.well-known/caldav') or diag($out);
    ok(-d "$vd/cal/work", "$layout: vdirsyncer found the calendar "
       . '"work" from the server address alone');
    ok(-d "$vd/card/friends", "$layout: vdirsyncer found the address book "
       . '"friends" from the server address alone') or diag($out);
    ok(!-d "$vd/cal/friends" && !-d "$vd/card/work",
       "$layout: each kind of collection where it belongs");
}
# python3-caldav (requests) from the well-known URL: it follows the 301
# with its PROPFIND and lists the calendar.
SKIP: {
    my $py = '/usr/bin/python3';
    my $have = -x $py && system("$py -c 'import caldav' 2>/dev/null") == 0;
    my $why = 'python3-caldav is not installed (Debian package python3-caldav)';
    fail("under CI the python3-caldav test must run: $why")
        if !$have && $ENV{CI};
    skip $why, 2 unless $have;
    open my $pf, '>', "$tmp/list.py" or die;
    print $pf <<'EOP';
import sys
import caldav
client = caldav.DAVClient(url=sys.argv[1], username="alice",
                          password="secret", ssl_verify_cert=sys.argv[2])
for cal in client.principal().calendars():
    print("calendar", cal.url)
EOP
    close $pf;
    for my $i (0, 1) {
        my $port = $s->{ports}[$i];
        my $out = `$py $tmp/list.py https://localhost:$port/.well-known/caldav $tmp/ca.pem 2>&1`;
        like($out, qr{^calendar https://localhost:$port/radicale/alice/work/$}m,
             "python3-caldav from /.well-known/caldav finds the calendar "
             . ($i ? '(RewriteRule)' : '(ProxyPass /)')) or diag($out);
    }
}
$s->stop;

done_testing();
