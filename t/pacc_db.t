# SPDX-License-Identifier: Apache-2.0
# Licensed under the Apache License, Version 2.0; see LICENSE.
# Domains from a database: the autoconfig 1.2 columns (jmap_url,
# webmail_url, managesieve_host, oauth2) in Thunderbird's document and in
# PACC, a row with a bad value refused (500, logged, never served), and
# the MX path (a hoster's autoconfig host answering for any database
# domain).  Scenario: <VirtualHost pacc_db> in t/conf/pacc.conf.in; the
# database is made by t/dbd_setup.pl.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use MailAutoconfTest qw(vhost_get parse_xml top_dir need_dbd_sqlite);
use PaccValidator qw(pacc_errors);
use File::Spec ();
use JSON::PP ();

my $DB_DIR = File::Spec->catdir(Apache::Test::vars('serverroot'), 'tmp', 'dbd');
my $ERROR_LOG = File::Spec->catfile(Apache::Test::vars('t_logs'), 'error_log');

need_dbd_sqlite();
system($^X, File::Spec->catfile(top_dir(), 't', 'dbd_setup.pl'), $DB_DIR) == 0
    or BAIL_OUT('t/dbd_setup.pl failed');

my $HOST = 'autoconfig.dbhoster.example';
sub tb { vhost_get('pacc_db', "/mail/config-v1.1.xml?emailaddress=user\@$_[0]", Host => $HOST) }
sub pacc { vhost_get('pacc_db', '/.well-known/user-agent-configuration.json',
                     Host => "ua-auto-config.$_[0]") }

# The 1.2 columns, asked the MX way.
{
    my $res = tb('jmap.test');
    is($res->code, 200, 'jmap.test at the hoster\'s autoconfig host: 200');
    my $doc = parse_xml($res->content);
    my $r = $doc->documentElement;
    is($r->getAttribute('version'), '1.2', 'version 1.2');
    is($doc->findvalue('/clientConfig/emailProvider/@id'), 'jmap.test', 'names the domain');
    is($doc->findvalue('//incomingServer[@type="jmap"]/url'), 'https://jmap.jmap.test/session',
       'jmap_url');
    is($doc->findvalue('//webMail/loginPage/@url'), 'https://webmail.jmap.test/', 'webmail_url');
    is($doc->findvalue('/clientConfig/setupServer[@type="managesieve"]/hostname'),
       'sieve.jmap.test', 'managesieve_host, the domain filled in');
    is($doc->findvalue('/clientConfig/oAuth2/scope'), 'mail offline_access', 'oauth2: scope');
    is($doc->findvalue('/clientConfig/oAuth2/authURL'), 'https://id.jmap.test/a', 'oauth2: authURL');
    is($doc->findvalue('/clientConfig/emailProvider/incomingServer[1]/authentication[2]'),
       'OAuth2', 'OAuth2 after the password on IMAP');
}
{
    my $res = pacc('jmap.test');
    is($res->code, 200, 'PACC for a database domain');
    is(scalar(pacc_errors($res->content)), 0, 'valid');
    my $j = JSON::PP->new->decode($res->content);
    is($j->{protocols}{jmap}{url}, 'https://jmap.jmap.test/session', 'jmap');
    is($j->{protocols}{managesieve}{host}, 'sieve.jmap.test', 'managesieve');
    is($j->{authentication}{'oauth-public'}{issuer}, 'https://id.jmap.test', 'issuer');
    is($j->{info}{provider}{name}, 'JMAP Customer', 'the row\'s display name');
    is(pacc('jmap.test')->content, $res->content, 'the same bytes from the cache');
}
{
    my $res = tb('plaincust.test');
    is($res->code, 200, 'a row without the columns');
    is(parse_xml($res->content)->documentElement->getAttribute('version'), '1.1',
       'version 1.1, nothing added');
    is(pacc('plaincust.test')->code, 200, 'PACC too');
    is(pacc('unknown.test')->code, 404, 'a domain the database does not know: 404');
}

# Bad values in a row: the domain is not served, the log says why, the
# value is not repeated to the client.
my $log_start = -s $ERROR_LOG // 0;
for my $d (qw(badjmap.test fragjmap.test badoauth.test badsieve.test)) {
    my $res = tb($d);
    is($res->code, 500, "$d: 500");
    unlike($res->content, qr/hunter2|jmap\.|bad host/, 'nothing of the row in the answer');
    is(pacc($d)->code, 500, "$d: PACC 500 too");
}
{
    open my $fh, '<', $ERROR_LOG or die "$ERROR_LOG: $!";
    seek $fh, $log_start, 0;
    my $log = do { local $/; <$fh> };
    like($log, qr/MAC00507.*badjmap\.test.*jmap_url:.*https/, 'logged: jmap_url not https');
    like($log, qr/MAC00507.*fragjmap\.test.*jmap_url:.*fragment/, 'logged: a fragment');
    like($log, qr/MAC00507.*badoauth\.test.*oauth2:.*unknown setting 'secret'/,
         'logged: an unknown OAuth2 setting');
    unlike($log, qr/hunter2/, 'the unknown setting\'s value is not logged');
    like($log, qr/MAC00507.*badsieve\.test.*managesieve_host:/, 'logged: a bad host');
}

done_testing();
