# SPDX-License-Identifier: Apache-2.0
# Licensed under the Apache License, Version 2.0; see LICENSE.
# Per-address answers from PostgreSQL (MailAutoconfUserQuery), on the
# throw-away server of scripts/pgsql.sh (its "users" table):
#
#   bash scripts/pgsql.sh start
#   t/TEST -defines MAC_PGSQL t/user_pgsql.t
#   bash scripts/pgsql.sh stop
#
# A known address's login name and host (Thunderbird, Outlook), an unknown
# one alike to a known one without overrides, a redirect, SQL injection
# through the address, and the server going down (503) and coming back.
# Skipped, with the reason, when that setup is not there, except under CI
# (CI=true), where it must run.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use MailAutoconfTest qw(own_httpd top_dir);
use MailAutoconfUser qw(tb tb_login pox pox_field same_answer log_count
                        prerequisites);
use File::Spec ();

my $PGSQL_SH = File::Spec->catfile(top_dir(), 'scripts', 'pgsql.sh');
my $PARAMS   = File::Spec->catfile(top_dir(), 't', 'conf', 'pgsql_dbd.conf');
{
    my @missing;
    push @missing, 't/TEST was not given "-defines MAC_PGSQL"'
        unless (Apache::Test::vars('defines') // '') =~ /\bMAC_PGSQL\b/;
    push @missing, "no $PARAMS (run: bash scripts/pgsql.sh start)"
        unless -f $PARAMS;
    push @missing, 'the PostgreSQL server is not running'
        unless system("bash '$PGSQL_SH' status >/dev/null 2>&1") == 0;
    push @missing, 'no APR PostgreSQL driver (libaprutil1-dbd-pgsql)'
        unless glob('/usr/lib/*/apr-util-1/apr_dbd_pgsql*.so');
    prerequisites(@missing);
}
sub pgsql {
    my ($cmd) = @_;
    my $out = `bash '$PGSQL_SH' $cmd 2>&1`;
    die "scripts/pgsql.sh $cmd failed: $out" if $?;
}

my $h = own_httpd(<<"EOC", 1);
LogLevel info mailautoconf:debug
DBDriver pgsql
Include "$PARAMS"
DBDPersist Off
MailAutoconfDomain pgcustomer.com pgplain.org
MailAutoconfImap imap.pg.test 993 ssl
MailAutoconfSmtp smtp.pg.test 465 ssl
MailAutoconfLoginName %EMAILLOCALPART%
MailAutoconfUserQuery "SELECT * FROM users WHERE address = %s"
MailAutoconfUserCacheTTL 1 1
EOC

my ($login, $host) = tb_login(tb($h, 'jane@pgcustomer.com'));
is($login, 'pg-u1042', 'Thunderbird: the row\'s login name');
is($host, 'imap9.pgcustomer.com', 'and IMAP host');
is(pox_field(pox($h, 'jane@pgcustomer.com'), 'LoginName'), 'pg-u1042',
   'Outlook: the row\'s login name');
is(same_answer(tb($h, 'nobod@pgcustomer.com'), tb($h, 'blank@pgcustomer.com')),
   '', 'unknown and known without overrides: alike');
is(pox_field(pox($h, 'jane@pgplain.org'), 'RedirectAddr'),
   'jane@pgcustomer.com', 'redirectAddr');
($login) = tb_login(tb($h, "x'or'1'='1\@pgcustomer.com"));
is($login, '%EMAILLOCALPART%', 'SQL injection: the domain\'s answer');

pgsql('down');
my $code = tb($h, 'down@pgcustomer.com')->code;
is($code, 503, 'PostgreSQL down: 503');
pgsql('up');
my $ok = 0;
for (1 .. 20) {
    last if ($ok = tb($h, "back$_\@pgcustomer.com")->code == 200);
    sleep 1;
}
ok($ok, 'back: 200 again, without a restart');
sleep 2;
($login) = tb_login(tb($h, 'jane@pgcustomer.com'));
is($login, 'pg-u1042', 'and the rows answer');
$h->stop;
done_testing();
