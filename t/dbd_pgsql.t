# SPDX-License-Identifier: Apache-2.0
# Licensed under the Apache License, Version 2.0; see LICENSE.
# Domains from PostgreSQL: vhost db_pgsql of t/conf/dbd.conf.in.
#
#   bash scripts/pgsql.sh start             # throw-away server, DBDParams
#   t/TEST -defines MAC_PGSQL t/dbd_pgsql.t
#   bash scripts/pgsql.sh stop
#
# Served rows and overrides, NULL and empty columns, unknown domains,
# SQL injection, an unusable row, and the server going down (pg_ctl stop:
# 503) and coming back (200 again, without restarting httpd; the vhost
# keeps a small pool of persistent connections, so a stale one may cost a
# 503 before it is replaced).
#
# Skipped, with the reason, when that setup is not there, except under CI
# (CI=true), where it must run: then a missing setup is a failure.
use strict;
use warnings FATAL => 'all';
use utf8;

use Apache::Test qw(-withtestmore);
use MailAutoconfTest qw(vhost_get vhost_request parse_xml top_dir);
use File::Spec ();
use Time::HiRes ();
use URI::Escape ();

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);


use constant {
    TB_PATH    => '/mail/config-v1.1.xml',
    AD_PATH    => '/autodiscover/autodiscover.xml',
    APPLE_PATH => '/email.mobileconfig',
    NS_REQUEST => 'http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006',
    NS_OUTLOOK => 'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a',
};

my $PGSQL_SH  = File::Spec->catfile(top_dir(), 'scripts', 'pgsql.sh');
my $PARAMS    = File::Spec->catfile(Apache::Test::vars('t_conf'),
                                    'pgsql_dbd.conf');
my $ERROR_LOG = File::Spec->catfile(Apache::Test::vars('t_logs'),
                                    'error_log');

# ------------------------------------------------------- prerequisites

{
    my @missing;
    push @missing, 't/TEST was not given "-defines MAC_PGSQL"'
        unless (Apache::Test::vars('defines') // '') =~ /\bMAC_PGSQL\b/;
    push @missing, "no $PARAMS (run: bash scripts/pgsql.sh start)"
        unless -f $PARAMS;
    push @missing, 'the PostgreSQL server is not running '
                 . '(bash scripts/pgsql.sh start)'
        unless system("bash '$PGSQL_SH' status >/dev/null 2>&1") == 0;
    push @missing, 'no APR PostgreSQL driver (Debian package '
                 . 'libaprutil1-dbd-pgsql)'
        unless glob('/usr/lib/*/apr-util-1/apr_dbd_pgsql*.so');
    if (@missing) {
        my $why = join '; ', @missing;
        if ($ENV{CI}) {
            plan tests => 1;
            fail("CI must run the PostgreSQL tests, but: $why");
            exit 0;
        }
        plan skip_all => $why;
    }
}

# ------------------------------------------------------------- helpers

sub q_addr { '?emailaddress=' . URI::Escape::uri_escape_utf8($_[0]) }

sub tb_get {
    my ($vhost, $query, %h) = @_;
    return vhost_get($vhost, TB_PATH . ($query // ''), %h);
}

sub ad_post {
    my ($vhost, $email) = @_;
    my $body = '<?xml version="1.0" encoding="utf-8"?>'
             . '<Autodiscover xmlns="' . NS_REQUEST . '"><Request>'
             . "<EMailAddress>$email</EMailAddress>"
             . '<AcceptableResponseSchema>' . NS_OUTLOOK
             . '</AcceptableResponseSchema></Request></Autodiscover>';
    return vhost_request($vhost, 'POST', AD_PATH, $body,
                         'Content-Type' => 'text/xml');
}

sub apple_get {
    my ($vhost, $email) = @_;
    return vhost_get($vhost, APPLE_PATH . q_addr($email));
}

sub tb_info {
    my ($res) = @_;
    my $doc = eval { parse_xml($res->content) } or return { error => "$@" };
    my ($p) = $doc->findnodes('/clientConfig/emailProvider');
    return { error => 'no emailProvider' } unless $p;
    my (%hosts, %users);
    for my $s ($p->findnodes('incomingServer|outgoingServer')) {
        $hosts{ $s->getAttribute('type') } = $s->findvalue('hostname') . ':'
                                           . $s->findvalue('port');
        $users{ $s->findvalue('username') } = 1;
    }
    return {
        id    => $p->getAttribute('id'),
        name  => $p->findvalue('displayName'),
        hosts => \%hosts,
        user  => join(' ', sort keys %users),
    };
}

sub log_mark { -s $ERROR_LOG // 0 }
sub log_since {
    my ($mark) = @_;
    open my $fh, '<', $ERROR_LOG or return '';
    seek $fh, $mark, 0;
    local $/;
    return <$fh> // '';
}
sub log_wait {
    my ($mark, $re) = @_;
    my $deadline = Time::HiRes::time() + 3;
    while (Time::HiRes::time() < $deadline) {
        my $t = log_since($mark);
        return $t if $t =~ $re;
        Time::HiRes::sleep(0.05);
    }
    return log_since($mark);
}

sub pgsql {
    my ($cmd) = @_;
    my $out = `bash '$PGSQL_SH' $cmd 2>&1`;
    die "scripts/pgsql.sh $cmd failed: $out" if $?;
    return $out;
}

sub expect {
    my ($domain, %o) = @_;
    return {
        id    => $domain,
        name  => $o{name} // 'PG Default Name',
        hosts => { imap => 'imap.pg.test:993', smtp => 'smtp.pg.test:465',
                   %{ $o{hosts} // {} } },
        user  => $o{user} // '%EMAILADDRESS%',
    };
}

my $PGCUSTOMER = expect('pgcustomer.com', name => 'PG Customer',
                        user => '%EMAILLOCALPART%',
                        hosts => { imap => 'mail.pgcustomer.com:993' });

my @cases;
sub case { push @cases, [@_] }

# ---------------------------------------------------------------- served

my @SERVED = (
    ['address', q_addr('jo@pgcustomer.com'), {}, $PGCUSTOMER],
    ['address in upper case', q_addr('Jo@PGCUSTOMER.COM'), {}, $PGCUSTOMER],
    ['Host autoconfig.DOMAIN', '', { Host => 'autoconfig.pgcustomer.com' },
     $PGCUSTOMER],
    ['Host autodiscover.DOMAIN', '',
     { Host => 'autodiscover.pgcustomer.com' }, $PGCUSTOMER],
    ['NULL columns: the directives', q_addr('u@pgplain.org'), {},
     expect('pgplain.org')],
    ['empty columns: the directives', q_addr('u@pgempty.net'), {},
     expect('pgempty.net')],
    ['UTF-8 and markup, host template in upper case',
     q_addr('u@pgutf8.test'), {},
     expect('pgutf8.test', name => 'Grüße & <Co>',
            hosts => { smtp => 'smtp.pgutf8.test:465' })],
);

for my $c (@SERVED) {
    my ($what, $query, $h, $want) = @$c;
    case("served: $what", sub {
        my $res = tb_get('db_pgsql', $query, %$h);
        is($res->code, 200, 'status 200') or diag($res->as_string), return;
        is_deeply(tb_info($res), $want, 'the document') or diag($res->content);
    });
}

case('served: Outlook and Apple', sub {
    my $ad = ad_post('db_pgsql', 'jo@pgcustomer.com');
    is($ad->code, 200, 'Outlook: 200') or diag($ad->as_string);
    like($ad->content, qr{<Server>mail\.pgcustomer\.com</Server>},
         'Outlook: the IMAP host from the row');
    like($ad->content, qr{<LoginName>jo</LoginName>},
         'Outlook: the login name from the row');
    my $ap = apple_get('db_pgsql', 'jo@pgcustomer.com');
    is($ap->code, 200, 'Apple: 200') or diag($ap->as_string);
    like($ap->content, qr{<string>mail\.pgcustomer\.com</string>},
         'Apple: the IMAP host from the row');
    like($ap->content, qr{<string>PG Customer</string>},
         'Apple: the display name from the row');
});

# --------------------------------------------------------------- unknown

for my $c (['address', q_addr('u@unknown.test'), {}],
           ['address of a domain like SQL', q_addr('u@or-1-1.com'), {}],
           ['Host', '', { Host => 'autoconfig.unknown.test' }]) {
    my ($what, $query, $h) = @$c;
    case("unknown: $what -> 404, as a static vhost answers", sub {
        my $db = tb_get('db_pgsql', $query, %$h);
        my $st = tb_get('db_static_ref', q_addr('u@unknown.test'));
        is($db->code, 404, 'status 404') or diag($db->as_string);
        is($db->content, $st->content, 'the body of a static vhost');
    });
}

# ------------------------------------------------------------- injection

my @HOSTILE = (
    ["a\@x.com' OR '1'='1", 400],
    ["a\@x' or '1'='1", 400],
    ["a\@x.com'; DROP TABLE domains; --", 400],
    ['a@x.com$$; DROP TABLE domains; $$', 400],
    ["a\@x.com\\'", 400],
    ['a@%', 400],
    ['a@or-1-1.com', 404],
);

for my $c (@HOSTILE) {
    my ($addr, $code) = @$c;
    case("injection: $addr -> $code, no row, no error", sub {
        my $mark = log_mark();
        my $res = tb_get('db_pgsql', q_addr($addr));
        is($res->code, $code, "status $code") or diag($res->as_string);
        unlike($res->content, qr/Injected|Percent/, 'no row in the answer');
        unlike(log_since($mark), qr/MAC0050[234679]/,
               'no database error logged');
    });
}

case('injection: the table is still there', sub {
    is(tb_get('db_pgsql', q_addr('u@pgcustomer.com'))->code, 200,
       'pgcustomer.com still served');
});

# -------------------------------------------------------------- bad row

case('unusable row (imap_host "bad host!"): 500, logged, others '
     . 'unaffected', sub {
    my $mark = log_mark();
    my $res = tb_get('db_pgsql', q_addr('u@pgbad.test'));
    isnt($res->header('Client-Warning') // '', 'Internal response',
         'an answer from the server (the child did not die)');
    is($res->code, 500, 'status 500') or diag($res->as_string);
    like(log_wait($mark, qr/MAC00507/),
         qr/MAC00507: database: the row for pgbad\.test is not usable: imap_host/,
         'MAC00507 logged');
    is(tb_get('db_pgsql', q_addr('u@pgcustomer.com'))->code, 200,
       'another domain: 200');
});

# ------------------------------------------------------- down and back

case('database down (pg_ctl stop): 503 + Retry-After, logged; back '
     . '(start): 200 without restarting httpd', sub {
    my $mark = log_mark();
    pgsql('down');
    my $ok = eval {
        my $res = tb_get('db_pgsql', q_addr('u@pgdown.test'));
        is($res->code, 503, 'Thunderbird: 503') or diag($res->as_string);
        like($res->header('Retry-After') // '', qr/^[0-9]+$/, 'Retry-After');
        like($res->content, qr/cannot be looked up right now/, 'the body');
        like(log_wait($mark, qr/MAC0050[24]/), qr/MAC0050[24]: database: /,
             'MAC00502 or MAC00504 logged');
        is(tb_get('db_pgsql', q_addr('u@never-seen.test'))->code, 503,
           'an unknown domain: 503 as well (it cannot be told)');
        is(tb_get('db_pgsql', '', Host => 'autoconfig.pgdown.test')->code,
           503, 'by Host: 503');
        is(ad_post('db_pgsql', 'u@pgdown.test')->code, 503, 'Outlook: 503');
        is(apple_get('db_pgsql', 'u@pgdown.test')->code, 503, 'Apple: 503');
        1;
    };
    my $err = $@;
    pgsql('up');
    die $err unless $ok;

    # A pooled connection that died with the server costs one 503 when it
    # is next taken (mod_dbd checks it, drops it and answers NULL); after
    # that every child connects afresh.  Wait for ten 200s in a row.
    my ($in_a_row, $n503, $other) = (0, 0, 0);
    my $deadline = Time::HiRes::time() + 15;
    while ($in_a_row < 10 && Time::HiRes::time() < $deadline) {
        my $code = tb_get('db_pgsql', q_addr('u@pgdown.test'))->code;
        if ($code == 200) { $in_a_row++; next }
        $in_a_row = 0;
        $code == 503 ? $n503++ : $other++;
        Time::HiRes::sleep(0.2);
    }
    is($in_a_row, 10, 'back: ten 200s in a row');
    is($other, 0, 'back: nothing but 200 or 503 on the way (no 404 cached '
                  . 'while it was down)');
    ok($n503 <= 10, "back: few 503s from stale connections ($n503)");
    my $res = tb_get('db_pgsql', q_addr('u@pgdown.test'));
    is(tb_info($res)->{name}, 'PG Down', 'back: the row');
    is(tb_get('db_pgsql', q_addr('u@never-seen.test'))->code, 404,
       'back: unknown is 404 again');
});

case('database restarted while no request came (pooled connections go '
     . 'stale unnoticed): 200 again within seconds', sub {
    # Warm every child's pool, then restart the server with no request in
    # between: each pooled connection finds out on its next use.
    for (1 .. 12) { tb_get('db_pgsql', q_addr("u\@w$_.pgwarm.test")) }
    pgsql('down');
    pgsql('up');
    my ($in_a_row, %codes) = (0);
    my $deadline = Time::HiRes::time() + 10;
    my $n = 0;
    while ($in_a_row < 20 && Time::HiRes::time() < $deadline) {
        # a different, never cached domain each time: every request asks
        # the database
        my $res = tb_get('db_pgsql', q_addr('u@pgcustomer.com'),
                         'X-N' => $n++);
        my $res2 = tb_get('db_pgsql', q_addr("u\@n$n.pgfresh.test"));
        $codes{ $res->code }++;
        $codes{ 'unknown:' . $res2->code }++;
        if ($res->code == 200 && $res2->code == 404) { $in_a_row++; next }
        $in_a_row = 0;
        Time::HiRes::sleep(0.1);
    }
    is($in_a_row, 20, 'twenty right answers in a row')
        or diag('answers seen: '
                . join(', ', map { "$_ x$codes{$_}" } sort keys %codes));
});

# ------------------------------------------------------------------ run

plan tests => scalar @cases;
for my $c (@cases) {
    my ($name, $code) = @$c;
    subtest $name => $code;
}
