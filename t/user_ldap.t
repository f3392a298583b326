# SPDX-License-Identifier: Apache-2.0
# Licensed under the Apache License, Version 2.0; see LICENSE.
# Per-address answers from LDAP (MailAutoconfLDAPURL, through mod_ldap):
# Debian's slapd, started here on 127.0.0.1 with a small mdb tree loaded
# by slapadd, stopped after.
#
#   mapped attributes per client; bind DN and password (an anonymous
#   search the directory refuses and a wrong password are 503); an alias
#   domain's redirect; filter escaping ('*' in a local part never
#   becomes a wildcard; the metacharacters no address has are refused
#   before any search); an unknown address gets the domain's answer with
#   the status and headers of a known one; LDAPS and StartTLS with
#   certificates made here by openssl; the directory stopped gives 503
#   and a log line, and recovers when it is back; a listener that
#   accepts and never answers costs one timeout (mod_ldap's LDAPTimeout),
#   then 503; the latency of a cold look-up is printed (bench/user.sh
#   reports it).
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use MailAutoconfTest qw(own_httpd configtest top_dir);
use MailAutoconfUser qw(tb tb_login pox pox_field v2 apple same_answer
                        log_count queries prerequisites small_mpm);
use File::Spec ();
use File::Temp ();
use IO::Socket::INET ();
use POSIX ();
use Time::HiRes ();

use constant MODDIR => '/usr/lib/apache2/modules';
use constant BASE   => 'dc=example,dc=test';

{
    my @missing;
    push @missing, 'slapd (Debian package slapd)' unless -x '/usr/sbin/slapd';
    push @missing, 'slapadd (Debian package slapd)'
        unless -x '/usr/sbin/slapadd';
    push @missing, 'openssl' unless grep { -x "$_/openssl" } qw(/usr/bin /bin);
    push @missing, 'mod_ldap' unless -e MODDIR . '/mod_ldap.so';
    push @missing, 'the mdb backend' unless glob('/usr/lib/ldap/back_mdb*');
    prerequisites(@missing);
}

my $TMP = File::Temp::tempdir('user-ldap-XXXXXX', DIR => File::Spec->catdir(
    top_dir(), 't', 'tmp'), CLEANUP => 1);
chmod 0755, $TMP;

sub free_port {
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                  Proto => 'tcp', Listen => 1) or die $!;
    my $p = $s->sockport;
    close $s;
    return $p;
}

sub run {
    my @cmd = @_;
    my $out = `@{[join ' ', map { "'$_'" } @cmd]} 2>&1`;
    die "@cmd: $out" if $?;
    return $out;
}

# ------------------------------------------------------------ certificates
run('openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2',
    '-subj', '/CN=Test LDAP CA', '-keyout', "$TMP/ca.key",
    '-out', "$TMP/ca.pem");
run('openssl', 'req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1',
    '-keyout', "$TMP/server.key", '-out', "$TMP/server.csr");
{
    open my $fh, '>', "$TMP/ext.cnf" or die $!;
    print $fh "subjectAltName=IP:127.0.0.1,DNS:localhost\n";
}
run('openssl', 'x509', '-req', '-in', "$TMP/server.csr", '-CA', "$TMP/ca.pem",
    '-CAkey', "$TMP/ca.key", '-CAcreateserial', '-days', '2',
    '-extfile', "$TMP/ext.cnf", '-out', "$TMP/server.pem");
chmod 0644, "$TMP/ca.pem", "$TMP/server.pem";

# ------------------------------------------------------------------ slapd
my ($LDAP_PORT, $LDAPS_PORT) = (free_port(), free_port());
mkdir "$TMP/db" or die $!;
{
    open my $fh, '>', "$TMP/slapd.conf" or die $!;
    print $fh <<"EOC";
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile $TMP/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
TLSCACertificateFile $TMP/ca.pem
TLSCertificateFile $TMP/server.pem
TLSCertificateKeyFile $TMP/server.key
database mdb
maxsize 10485760
suffix "@{[BASE]}"
rootdn "cn=admin,@{[BASE]}"
rootpw admin-secret
directory $TMP/db
access to attrs=userPassword by anonymous auth by * none
access to * by dn.exact="cn=reader,@{[BASE]}" read by anonymous auth by * none
EOC
    open $fh, '>', "$TMP/tree.ldif" or die $!;
    print $fh <<"EOL";
dn: @{[BASE]}
objectClass: dcObject
objectClass: organization
dc: example
o: Example

dn: cn=reader,@{[BASE]}
objectClass: person
cn: reader
sn: reader
userPassword: read-secret

dn: ou=people,@{[BASE]}
objectClass: organizationalUnit
ou: people

dn: uid=jdoe,ou=people,@{[BASE]}
objectClass: inetOrgPerson
objectClass: extensibleObject
uid: jdoe
cn: Jane Doe
sn: Doe
mail: jane\@ldap.test
host: imap7.ldap.test

dn: uid=bob,ou=people,@{[BASE]}
objectClass: inetOrgPerson
uid: bob
cn: Bob
sn: Bob
mail: bob\@ldap.test

dn: uid=plain,ou=people,@{[BASE]}
objectClass: inetOrgPerson
uid: plain
cn: plain
sn: plain
mail: plain\@ldap.test

dn: uid=jdoe-old,ou=people,@{[BASE]}
objectClass: inetOrgPerson
uid: jdoe-old
cn: Jane Doe (old name)
sn: Doe
mail: jane\@rebrand.test
description: jane\@ldap.test
EOL
}
run('/usr/sbin/slapadd', '-f', "$TMP/slapd.conf", '-l', "$TMP/tree.ldif");

my $slapd_pid;
sub start_slapd {
    $slapd_pid = fork // die "fork: $!";
    if (!$slapd_pid) {
        open STDOUT, '>', "$TMP/slapd.out";
        open STDERR, '>&', \*STDOUT;
        exec '/usr/sbin/slapd', '-d', '0', '-f', "$TMP/slapd.conf", '-h',
            "ldap://127.0.0.1:$LDAP_PORT/ ldaps://127.0.0.1:$LDAPS_PORT/"
            or POSIX::_exit(127);
    }
    my $deadline = time + 10;
    until (IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                 PeerPort => $LDAP_PORT)) {
        die "slapd did not start: " . `cat $TMP/slapd.out` if time > $deadline;
        Time::HiRes::sleep(0.05);
    }
}
sub stop_slapd {
    return unless $slapd_pid;
    kill 'TERM', $slapd_pid;
    waitpid $slapd_pid, 0;
    $slapd_pid = undef;
}
END { stop_slapd() }
start_slapd();

# A listener that accepts and never answers.
my $silent = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                   Proto => 'tcp', Listen => 16) or die $!;
my $SILENT_PORT = $silent->sockport;

sub snippet {
    my ($ldap) = @_;
    return <<"EOC";
@{[small_mpm()]}LogLevel info mailautoconf:debug
LDAPTrustedGlobalCert CA_BASE64 $TMP/ca.pem
LDAPConnectionTimeout 2
LDAPTimeout 2
LDAPRetries 0
MailAutoconfDomain ldap.test rebrand.test
MailAutoconfImap imap.ldap.test 993 ssl
MailAutoconfSmtp smtp.ldap.test 465 ssl
MailAutoconfLoginName %EMAILADDRESS%
MailAutoconfUserCacheTTL 2 1
MailAutoconfLDAPAttribute login_name uid
MailAutoconfLDAPAttribute display_name cn
MailAutoconfLDAPAttribute imap_host host
MailAutoconfLDAPAttribute redirect_addr description
$ldap
<Location /mac-status>
    SetHandler mailautoconf-status
    MailAutoconfStatus Server
</Location>
EOC
}
my $BIND = qq{MailAutoconfLDAPBind "cn=reader,@{[BASE]}" read-secret};

my $h = own_httpd(snippet(<<"EOC"), 1);
MailAutoconfLDAPURL ldap://127.0.0.1:$LDAP_PORT/ou=people,@{[BASE]}
$BIND
EOC

# ---------------------------------------------------------------- answers
{
    my $t0 = Time::HiRes::time;
    my ($login, $host) = tb_login(tb($h, 'jane@ldap.test'));
    my $cold = Time::HiRes::time - $t0;
    is($login, 'jdoe', 'Thunderbird: uid as the login name');
    is($host, 'imap7.ldap.test', 'Thunderbird: host as the IMAP host');
    diag(sprintf('a cold LDAP look-up answered in %.1f ms', $cold * 1000));
    is(pox_field(pox($h, 'jane@ldap.test'), 'LoginName'), 'jdoe',
       'Outlook: login name');
    like(apple($h, 'jane%40ldap.test')->content, qr{<string>Jane Doe</string>},
         'Apple: cn as the person\'s name');

    my $res = pox($h, 'jane@rebrand.test');
    is(pox_field($res, 'Action'), 'redirectAddr', 'alias domain: redirectAddr');
    is(pox_field($res, 'RedirectAddr'), 'jane@ldap.test', 'to the new address');
    ($login) = tb_login(tb($h, 'jane@rebrand.test'));
    is($login, 'jdoe', 'Thunderbird: the new address\'s login name');

    ($login) = tb_login(tb($h, 'nobody@ldap.test'));
    is($login, '%EMAILADDRESS%', 'unknown: the domain\'s template');
    # Byte equality is t/user_sql.t's; here the status and headers.
    my ($u, $k) = (tb($h, 'nobody@ldap.test'), tb($h, 'plain@ldap.test'));
    is($u->code, $k->code, 'unknown and known: the same status');
    is($u->header('Cache-Control'), $k->header('Cache-Control'),
       'and the same Cache-Control');
}

# ------------------------------------------------------------- injection
{
    my ($login) = tb_login(tb($h, 'j*@ldap.test'));
    is($login, '%EMAILADDRESS%',
       "'*' in the local part is escaped: no wildcard match");
    ($login) = tb_login(tb($h, '*@ldap.test'));
    is($login, '%EMAILADDRESS%', "'*' alone: no match either");
    is(tb($h, '*)(uid=*@ldap.test')->code, 400,
       "'*)(uid=*' is refused before any search");
    is(tb($h, 'a\\2a@ldap.test')->code, 400, 'a backslash: 400');
    is(tb($h, "jane\0\@ldap.test")->code, 400, 'NUL: 400');
    is(tb($h, ('j' x 300) . '@ldap.test')->code, 400, 'overlong: 400');
    unlike($h->error_log, qr/\(uid=\*/, 'the injection never reached a filter');
}

# ----------------------------------------------------------- credentials
{
    my $anon = own_httpd(snippet(<<"EOC"), 1);
MailAutoconfLDAPURL ldap://127.0.0.1:$LDAP_PORT/ou=people,@{[BASE]}
EOC
    my $res = tb($anon, 'jane@ldap.test');
    is($res->code, 503, 'anonymous, not allowed to search: 503, not the '
                        . 'domain\'s answer');
    ok(log_count($anon, qr/MAC00706: .*LDAP error 50/) >= 1,
       'logged with the directory\'s error');
    $anon->stop;

    my $wrong = own_httpd(snippet(<<"EOC"), 1);
MailAutoconfLDAPURL ldap://127.0.0.1:$LDAP_PORT/ou=people,@{[BASE]}
MailAutoconfLDAPBind "cn=reader,@{[BASE]}" wrong-password
EOC
    $res = tb($wrong, 'jane@ldap.test');
    is($res->code, 503, 'a wrong password: 503, never a wrong answer');
    ok(log_count($wrong, qr/MAC0070[56]: /) >= 1, 'logged');
    $wrong->stop;
}

# -------------------------------------------------------- LDAPS, StartTLS
{
    my $ldaps = own_httpd(snippet(<<"EOC"), 1);
MailAutoconfLDAPURL ldaps://127.0.0.1:$LDAPS_PORT/ou=people,@{[BASE]}
$BIND
EOC
    my ($login) = tb_login(tb($ldaps, 'jane@ldap.test'));
    is($login, 'jdoe', 'LDAPS');
    $ldaps->stop;

    my $stls = own_httpd(snippet(<<"EOC"), 1);
MailAutoconfLDAPURL ldap://127.0.0.1:$LDAP_PORT/ou=people,@{[BASE]}
MailAutoconfLDAPStartTLS On
$BIND
EOC
    ($login) = tb_login(tb($stls, 'jane@ldap.test'));
    is($login, 'jdoe', 'StartTLS');
    $stls->stop;
}

# --------------------------------------------------------- directory down
{
    stop_slapd();
    my $res = tb($h, 'down@ldap.test');
    is($res->code, 503, 'slapd stopped: 503');
    is(pox($h, 'down2@ldap.test')->code, 503, 'Outlook: 503');
    my ($login) = tb_login(tb($h, 'jane@ldap.test'));
    is($login, 'jdoe', 'an address cached before is still answered');
    ok(log_count($h, qr/MAC0070[56]: directory/) >= 1, 'logged');
    start_slapd();
    my $ok = 0;
    for (1 .. 20) {
        last if ($ok = tb($h, "back$_\@ldap.test")->code == 200);
        sleep 1;
    }
    ok($ok, 'slapd back: answered again, by itself');
    ($login) = tb_login(tb($h, 'bob@ldap.test'));
    is($login, 'bob', 'with the directory\'s answers');
}

# --------------------------------------------------- a silent directory
{
    my $mute = own_httpd(snippet(<<"EOC"), 1);
MailAutoconfLDAPURL ldap://127.0.0.1:$SILENT_PORT/ou=people,@{[BASE]}
$BIND
EOC
    my $t0 = Time::HiRes::time;
    my $res = tb($mute, 'jane@ldap.test');
    my $took = Time::HiRes::time - $t0;
    is($res->code, 503, 'a directory that never answers: 503');
    ok($took < 15, sprintf('within the timeouts (%.1f s)', $took));
    $mute->stop;
}

# ---------------------------------------------------------- configuration
{
    my %bad = (
        'MailAutoconfLDAPURL http://127.0.0.1/dc=x' => qr/ldap:\/\//,
        'MailAutoconfLDAPURL ldap://127.0.0.1' => qr/BASEDN/,
        'MailAutoconfLDAPFilter "(mail=%s"' => qr/parentheses/,
        'MailAutoconfLDAPFilter "(mail=*)"' => qr/%s/,
        'MailAutoconfLDAPAttribute login uid' => qr/unknown field/,
        'MailAutoconfLDAPAttribute login_name "u id"' => qr/attribute/,
    );
    for my $line (sort keys %bad) {
        my ($status, $out) = configtest("$line\n");
        isnt($status, 0, "refused: $line");
        like($out, $bad{$line}, 'with a message naming the problem');
    }
    # (t/conf/httpd-base.conf loads mod_ldap; without it the directive
    # says "needs mod_ldap".)
    my ($status, $out) = configtest(<<"EOC");
MailAutoconfDomain ldap.test
MailAutoconfImap imap.ldap.test 993 ssl
MailAutoconfLDAPURL ldap://127.0.0.1/dc=x
EOC
    like($out, qr/no MailAutoconfLDAPAttribute/,
         'a URL without attributes is refused');
}

$h->stop;
stop_slapd();
done_testing();
