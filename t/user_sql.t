# SPDX-License-Identifier: Apache-2.0
# Licensed under the Apache License, Version 2.0; see LICENSE.
# Per-address answers from SQL (MailAutoconfUserQuery, SQLite through
# mod_dbd): login names, hosts and display names per address, alias
# domains and redirects, no enumeration, the cache, the database going away.
#
#   every client that sends an address (Thunderbird, Outlook POX and GET,
#   Autodiscover v2, Apple) gets the address's own login name and hosts;
#   an unknown address gets the domain's answer, byte for byte and header
#   for header the same as a known address that overrides nothing, and the
#   same as a server without MailAutoconfUserQuery; redirectAddr and
#   redirectUrl (MS-OXDSCLI) and the mobilesync Redirect; the others get
#   the target's settings; chains longer than Thunderbird follows and loops
#   are refused (500, logged); SQL injection through the address; bad
#   addresses (NUL, overlong) 400; answers are cached (known and unknown,
#   each for its TTL; a flood of unknown addresses costs one query each
#   and never evicts a known one); the database down gives 503, and
#   recovers.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use MailAutoconfTest qw(own_httpd configtest parse_xml top_dir
                        need_dbd_sqlite);
use MailAutoconfUser qw(get tb tb_login pox pox_field v2 apple same_answer
                        log_count queries in_path small_mpm);
use File::Spec ();
use File::Temp ();
use Time::HiRes ();

use constant NS_MOBILESYNC =>
    'http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006';

need_dbd_sqlite();

my $TMP = File::Temp::tempdir('user-sql-XXXXXX', DIR => File::Spec->catdir(
    top_dir(), 't', 'tmp'), CLEANUP => 1);
chmod 0777, $TMP;          # httpd's children run as nobody under root
my $DB = "$TMP/users.db";

sub sql {
    my ($text) = @_;
    open my $fh, '|-', 'sqlite3', $DB or die "sqlite3: $!";
    print $fh $text;
    close $fh or die "sqlite3 failed: $?";
    chmod 0666, $DB;
}
sql(<<'SQL');
CREATE TABLE users (address TEXT PRIMARY KEY, login_name TEXT,
                    display_name TEXT, imap_host TEXT, smtp_host TEXT,
                    redirect_addr TEXT, redirect_url TEXT, other TEXT);
INSERT INTO users VALUES ('jane@user.test', 'u1042', 'Jane Doe',
                          'imap2.user.test', NULL, NULL, NULL, 'x');
INSERT INTO users VALUES ('empty@user.test', NULL, '', NULL, NULL, NULL,
                          NULL, 'ignored');
INSERT INTO users VALUES ('jane@alias.test', NULL, NULL, NULL, NULL,
                          'jane@user.test', NULL, NULL);
INSERT INTO users VALUES ('c1@user.test', NULL, NULL, NULL, NULL,
                          'c2@alias.test', NULL, NULL);
INSERT INTO users VALUES ('c2@alias.test', NULL, NULL, NULL, NULL,
                          'c3@user.test', NULL, NULL);
INSERT INTO users VALUES ('c3@user.test', 'third', NULL, NULL, NULL,
                          'c4@user.test', NULL, NULL);
INSERT INTO users VALUES ('c4@user.test', 'fourth', NULL, NULL, NULL, NULL,
                          NULL, NULL);
INSERT INTO users VALUES ('b1@user.test', NULL, NULL, NULL, NULL,
                          'b2@user.test', NULL, NULL);
INSERT INTO users VALUES ('b2@user.test', NULL, NULL, NULL, NULL,
                          'b3@user.test', NULL, NULL);
INSERT INTO users VALUES ('b3@user.test', 'bee', NULL, NULL, NULL, NULL,
                          NULL, NULL);
INSERT INTO users VALUES ('loop1@user.test', NULL, NULL, NULL, NULL,
                          'loop2@user.test', NULL, NULL);
INSERT INTO users VALUES ('loop2@user.test', NULL, NULL, NULL, NULL,
                          'LOOP1@user.test', NULL, NULL);
INSERT INTO users VALUES ('self@user.test', NULL, NULL, NULL, NULL,
                          'self@user.test', NULL, NULL);
INSERT INTO users VALUES ('away@user.test', NULL, NULL, NULL, NULL,
                          'someone@elsewhere.test', NULL, NULL);
INSERT INTO users VALUES ('moved@user.test', NULL, NULL, NULL, NULL, NULL,
    'https://autodiscover.cluster2.test/autodiscover/autodiscover.xml',
    NULL);
INSERT INTO users VALUES ('pct@user.test', '%EMAILADDRESS%', NULL, NULL,
                          NULL, NULL, NULL, NULL);
INSERT INTO users VALUES ('badhost@user.test', NULL, NULL, 'bad host',
                          NULL, NULL, NULL, NULL);
SQL

sub snippet {
    my ($user_line) = @_;
    return <<"EOC";
@{[small_mpm()]}LogLevel info mailautoconf:debug
DBDriver sqlite3
DBDParams "$DB"
DBDPersist Off
MailAutoconfDomain user.test alias.test
MailAutoconfImap imap.user.test 993 ssl
MailAutoconfSmtp smtp.user.test 465 ssl
MailAutoconfLoginName %EMAILLOCALPART%
MailAutoconfDisplayName "User Mail"
MailAutoconfActiveSyncURL https://as.user.test/Microsoft-Server-ActiveSync
$user_line
<Location /mac-status>
    SetHandler mailautoconf-status
    MailAutoconfStatus Server
</Location>
EOC
}

my $h = own_httpd(snippet(<<'EOC'), 1);
MailAutoconfUserQuery "SELECT * FROM users WHERE address = %s"
MailAutoconfUserCacheTTL 2 1
EOC
my $ref = own_httpd(snippet(''), 1);

# ---------------------------------------------------------------- answers
{
    my ($login, $host) = tb_login(tb($h, 'jane@user.test'));
    is($login, 'u1042', 'Thunderbird: the address\'s login name');
    is($host, 'imap2.user.test', 'Thunderbird: the address\'s IMAP host');
    my $doc = parse_xml(tb($h, 'jane@user.test')->decoded_content);
    is($doc->findvalue('//outgoingServer/hostname'), 'smtp.user.test',
       'SMTP: the domain\'s, not overridden');
    is($doc->findvalue('//emailProvider/displayName'), 'User Mail',
       'the provider\'s name stays');

    my $res = pox($h, 'jane@user.test');
    is(pox_field($res, 'LoginName'), 'u1042', 'Outlook POX: login name');
    is(pox_field($res, 'Server'), 'imap2.user.test', 'Outlook POX: host');
    $res = get($h, '/autodiscover/autodiscover.xml?emailaddress=jane%40user.test');
    is(pox_field($res, 'LoginName'), 'u1042', 'Outlook GET: login name');

    $res = apple($h, 'jane%40user.test');
    is($res->code, 200, 'Apple: a profile');
    like($res->content, qr{<string>u1042</string>}, 'Apple: login name');
    like($res->content, qr{<string>imap2\.user\.test</string>},
         'Apple: IMAP host');
    like($res->content, qr{<string>Jane Doe</string>},
         'Apple: the directory\'s display name when none is given');
    $res = apple($h, 'jane%40user.test&name=Other+Name');
    like($res->content, qr{<string>Other Name</string>},
         'Apple: the name typed wins');

    my ($v2) = v2($h, 'jane@user.test');
    is($v2->code, 200, 'v2: 200 for a known address');
}

# -------------------------------------------------------- no enumeration
{
    for my $pair (['unknown', 'nobody@user.test'], ['known, no overrides',
                                                  'empty@user.test']) {
        my ($what, $addr) = @$pair;
        my $res = tb($h, $addr);
        is($res->code, 200, "$what: 200");
        my ($login) = tb_login($res);
        is($login, '%EMAILLOCALPART%', "$what: the domain's template");
    }
    # Each answer twice, so that both come from the cache in the second
    # round, then compared header for header.
    for my $round (1, 2) {
        # Addresses of the same length: POX answers name the address.
        my @w = ([tb($h, 'vague@user.test'), tb($h, 'empty@user.test')],
                 [pox($h, 'vague@user.test'), pox($h, 'empty@user.test')],
                 [(v2($h, 'vague@user.test'))[0],
                  (v2($h, 'empty@user.test'))[0]]);
        my @diff = grep { $_ } map { same_answer(@$_, 'vague', 'empty') } @w;
        is("@diff", '', "round $round: unknown and known-without-overrides "
                        . 'answers are alike (Thunderbird, POX, v2)');
    }
    my $a = tb($h, 'nobody@user.test');
    my $b = tb($ref, 'nobody@user.test');
    is($a->content, $b->content,
       'unknown: the same document as a server without per-address answers');
    $a = pox($h, 'nobody@user.test');
    $b = pox($ref, 'nobody@user.test');
    is($a->content, $b->content, 'the same for Outlook');
    like(tb($h, 'jane@user.test')->header('Cache-Control'), qr/^max-age=1$/,
         'Cache-Control: no longer than the shortest TTL, for every address');

    # The address in a domain not served is still 404 (as today).
    is(tb($h, 'jane@other.test')->code, 404, 'an unserved domain: 404');
}

# --------------------------------------------------------------- redirects
{
    my $res = pox($h, 'jane@alias.test');
    is(pox_field($res, 'Action'), 'redirectAddr', 'Outlook: redirectAddr');
    is(pox_field($res, 'RedirectAddr'), 'jane@user.test', 'to the target');
    $res = pox($h, 'jane@alias.test', NS_MOBILESYNC);
    is(pox_field($res, 'Redirect'), 'jane@user.test', 'mobilesync Redirect');
    my ($login, $host) = tb_login(tb($h, 'jane@alias.test'));
    is($login, 'u1042', 'Thunderbird: the target\'s login name');
    is($host, 'imap2.user.test', 'and host');
    $res = apple($h, 'jane%40alias.test');
    like($res->content, qr{<string>jane\@user\.test</string>},
         'Apple: a profile for the target address');

    # Two hops, as Thunderbird follows at most: answered with the last.
    $res = pox($h, 'b1@user.test');
    is(pox_field($res, 'RedirectAddr'), 'b3@user.test',
       'a chain of two: Outlook is sent to its end at once');
    ($login) = tb_login(tb($h, 'b1@user.test'));
    is($login, 'bee', 'Thunderbird: the end\'s login name');

    # Three hops: refused.  Loops: refused.
    for my $addr (qw(c1@user.test loop1@user.test self@user.test)) {
        is(pox($h, $addr)->code, 500, "$addr: 500 for Outlook");
        is(tb($h, $addr)->code, 500, "$addr: 500 for Thunderbird");
    }
    ok(log_count($h, qr/MAC00709: .*longer than 2/) >= 1,
       'the long chain is logged');
    ok(log_count($h, qr/MAC00709: .*loop/) >= 2, 'the loops are logged');

    # To a domain served elsewhere: Outlook follows; others cannot.
    $res = pox($h, 'away@user.test');
    is(pox_field($res, 'RedirectAddr'), 'someone@elsewhere.test',
       'off-site target: redirectAddr');
    is(tb($h, 'away@user.test')->code, 404, 'Thunderbird: 404');

    $res = pox($h, 'moved@user.test');
    is(pox_field($res, 'Action'), 'redirectUrl', 'redirectUrl');
    is(pox_field($res, 'RedirectUrl'),
       'https://autodiscover.cluster2.test/autodiscover/autodiscover.xml',
       'the URL');
    my (undef, $j) = v2($h, 'moved@user.test');
    is($j && $j->{Url},
       'https://autodiscover.cluster2.test/autodiscover/autodiscover.xml',
       'v2 sends the client to the other Autodiscover');

    # Unusable entries: 500, logged, never sent.
    is(tb($h, 'pct@user.test')->code, 500, 'a %% in a login name: 500');
    is(tb($h, 'badhost@user.test')->code, 500, 'a bad host: 500');
    ok(log_count($h, qr/MAC00708: .*imap_host/) >= 1, 'logged');
}

# ------------------------------------------------------------- bad input
{
    my ($login) = tb_login(tb($h, "x'or'1'='1\@user.test"));
    is($login, '%EMAILLOCALPART%', 'SQL injection: the domain\'s answer');
    is(tb($h, "jane\0\@user.test")->code, 400, 'NUL: 400');
    is(tb($h, ('a' x 65) . '@user.test')->code, 400, 'overlong local: 400');
    is(tb($h, 'a@' . ('b' x 60 . '.') x 5 . 'test')->code, 400,
       'overlong address: 400');
    is(pox($h, '*)(uid=*@user.test')->code, 400,
       'filter metacharacters no address has: 400');
}

# ------------------------------------------------------------------ cache
{
    my ($login) = tb_login(tb($h, 'cached@user.test'));
    is($login, '%EMAILLOCALPART%', 'unknown at first');
    sql("INSERT INTO users (address, login_name) VALUES "
        . "('cached\@user.test', 'fresh');");
    ($login) = tb_login(tb($h, 'cached@user.test'));
    is($login, '%EMAILLOCALPART%', 'still unknown: the negative answer is kept');
    sleep 2;
    ($login) = tb_login(tb($h, 'cached@user.test'));
    is($login, 'fresh', 'after its TTL, the new row');
    sql("UPDATE users SET login_name = 'changed' "
        . "WHERE address = 'cached\@user.test';");
    ($login) = tb_login(tb($h, 'cached@user.test'));
    is($login, 'fresh', 'the known answer is kept');
    sleep 3;
    ($login) = tb_login(tb($h, 'cached@user.test'));
    is($login, 'changed', 'after its TTL, the change');

    # A flood of unknown addresses: one query each, the known one stays
    # (lifetimes long enough for the flood to end first).
    my $f = own_httpd(snippet(<<'EOC'), 1);
MailAutoconfUserQuery "SELECT * FROM users WHERE address = %s"
MailAutoconfUserCacheTTL 600 600
EOC
    tb($f, 'jane@user.test');
    my $q0 = queries($f);
    ok(defined $q0, 'the status page counts the queries');
    my $bad = 0;
    for my $i (1 .. 300) {
        my $res = tb($f, sprintf('r%05d-%d@user.test', $i, int rand 1e6));
        $bad++ unless $res->code == 200;
    }
    is($bad, 0, '300 random addresses: 200 every time');
    is(queries($f) - $q0, 300, 'one query each');
    my $q1 = queries($f);
    ($login) = tb_login(tb($f, 'jane@user.test'));
    is($login, 'u1042', 'the known address is still answered');
    is(queries($f) - $q1, 0, 'from the cache');
    $f->stop;
}

# ------------------------------------- a pool of one connection
# Each look-up gives its pooled connection back as soon as its rows are
# read, before the next one: with DBDMax 1, an answer that follows a chain
# of two aliases asks three times in one request (one that kept its
# connection to the end would wait for itself).
{
    my $one = own_httpd(snippet(<<'EOC'), 1);
MailAutoconfUserQuery "SELECT * FROM users WHERE address = %s"
DBDPersist On
DBDMin 0
DBDKeep 1
DBDMax 1
EOC
    my $t0 = time;
    my ($login) = tb_login(tb($one, 'b1@user.test'));
    is($login, 'bee', 'DBDMax 1: a chain of two aliases answered');
    is(pox_field(pox($one, 'b1@user.test'), 'RedirectAddr'), 'b3@user.test',
       'DBDMax 1: Outlook too');
    my @logins = map { (tb_login(tb($one, "$_\@user.test")))[0] // '' }
                 qw(jane b3 nobody1 jane);
    is_deeply(\@logins, ['u1042', 'bee', '%EMAILLOCALPART%', 'u1042'],
              'DBDMax 1: one request after another');
    cmp_ok(time - $t0, '<', 20, 'no request waited for a connection');
    $one->stop;
}

# ------------------------------------------------------ database down
{
    rename $DB, "$DB.away" or die "rename: $!";
    my $res = tb($h, 'down@user.test');
    is($res->code, 503, 'the database gone: 503');
    is($res->header('Retry-After'), '30', 'with Retry-After');
    is(pox($h, 'down2@user.test')->code, 503, 'Outlook: 503 too');
    ok(log_count($h, qr/MAC0070[23]: /) >= 1, 'logged');
    rename "$DB.away", $DB or die "rename: $!";
    is(tb($h, 'down@user.test')->code, 200, 'back: 200');
    unlike($h->error_log, qr/exit signal/, 'no child died');
}

# ---------------------------------------------------------- configuration
{
    my ($status, $out) = configtest(<<"EOC");
DBDriver sqlite3
DBDParams "$DB"
MailAutoconfDomain user.test
MailAutoconfImap imap.user.test 993 ssl
MailAutoconfUserQuery "SELECT * FROM users WHERE address = 'x'"
EOC
    isnt($status, 0, 'a query without %s is refused');
    like($out, qr/MailAutoconfUserQuery: .*exactly one %s/, 'named');
    # The last of MailAutoconfUserQuery and MailAutoconfLDAPURL applies;
    # a virtual host's replaces the main server's.
    my $mixed = own_httpd(<<"EOC", 1);
DBDriver sqlite3
DBDParams "$DB"
DBDPersist Off
MailAutoconfDomain user.test
MailAutoconfImap imap.user.test 993 ssl
MailAutoconfSmtp smtp.user.test 465 ssl
MailAutoconfLDAPURL ldap://127.0.0.1:1/dc=x
MailAutoconfLDAPAttribute login_name uid
MailAutoconfUserQuery "SELECT * FROM users WHERE address = %s"
EOC
    my ($login) = tb_login(tb($mixed, 'jane@user.test'));
    is($login, 'u1042', 'LDAP, then SQL: SQL answers');
    $mixed->stop;
}

$h->stop;
$ref->stop;
done_testing();
