# SPDX-License-Identifier: Apache-2.0
# Licensed under the Apache License, Version 2.0; see LICENSE.
# Database answers shared through httpd's shared object cache
# (MailAutoconfDBDCache): counted with the status page's
# "database_queries".
#
#   shmcb (the default): the children of one httpd share it, one query per
#   domain however many children answer; a flood of 2,000 unknown domains
#   leaves a known one in the shared cache (0 new queries; each child's own
#   front cache holds one domain here, another one).
#   memcache and redis (memcached and redis-server started here on
#   127.0.0.1): two httpd servers share one cache server, one query for
#   both; the cache server stopped: answers still right (from the
#   database), logged at most every 30 s; started again: shared again; a
#   corrupt value planted under a domain's key: the right answer from the
#   database, a log line, no crash.
#   The configuration checks of MailAutoconfDBDCache.
#
# Every httpd here is one of its own (own_httpd), with KeepAlive Off so that
# each request is a new connection that either child may accept; the
# access log records the child (%P).  Needs the sqlite3 tool, the APR
# SQLite driver, mod_dbd, and for the shared parts memcached and
# redis-server (Debian packages memcached, redis-server).
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use MailAutoconfTest qw(own_httpd configtest parse_xml top_dir in_path
                        need_dbd_sqlite);
use MailAutoconfUser qw(get status_json queries log_count);
use File::Spec ();
use File::Temp ();
use IO::Select ();
use IO::Socket::INET ();
use POSIX ();
use Time::HiRes ();

use constant TB_PATH => '/mail/config-v1.1.xml';
use constant MODDIR  => '/usr/lib/apache2/modules';

need_dbd_sqlite(-e MODDIR . '/mod_socache_shmcb.so'
                ? () : 'mod_socache_shmcb');

# ------------------------------------------------------------ the database

my $TMP = File::Temp::tempdir('dbd-socache-XXXXXX', DIR => File::Spec->catdir(
    top_dir(), 't', 'tmp'), CLEANUP => 1);
chmod 0777, $TMP;          # httpd's children run as nobody under root
my $DB = "$TMP/domains.db";
{
    open my $sql, '|-', 'sqlite3', $DB or die "sqlite3: $!";
    print $sql <<'SQL';
CREATE TABLE domains (domain TEXT PRIMARY KEY, display_name TEXT,
                      imap_host TEXT);
INSERT INTO domains VALUES ('known.test', 'Known Mail', 'imap.%EMAILDOMAIN%');
INSERT INTO domains VALUES ('second.test', 'Second Mail', NULL);
INSERT INTO domains VALUES ('third.test', 'Third Mail', NULL);
INSERT INTO domains VALUES ('fourth.test', 'Fourth Mail', NULL);
INSERT INTO domains VALUES ('fifth.test', 'Fifth Mail', NULL);
SQL
    close $sql or die "sqlite3 failed\n";
    chmod 0666, $DB;
}

# The part every httpd here shares; $cache_line is a MailAutoconfDBDCache
# line or ''.
sub snippet {
    my ($cache_line) = @_;
    my $mods = MODDIR;
    my $lm = '';
    for my $m (qw(memcache redis)) {
        $lm .= "LoadModule socache_${m}_module $mods/mod_socache_$m.so\n"
            if -e "$mods/mod_socache_$m.so";
    }
    return <<"EOC";
<IfModule !socache_memcache_module>
$lm</IfModule>
<IfModule mpm_event_module>
    StartServers 2
    ServerLimit 2
    ThreadsPerChild 4
    MinSpareThreads 8
    MaxSpareThreads 8
    MaxRequestWorkers 8
</IfModule>
<IfModule mpm_prefork_module>
    StartServers 2
    MinSpareServers 2
    MaxSpareServers 2
</IfModule>
KeepAlive Off
LogLevel info mailautoconf:debug
LogFormat "%P %>s %U%q" pidlog
CustomLog access_log pidlog
DBDriver sqlite3
DBDParams "$DB"
DBDPersist Off
MailAutoconfDBDQuery "SELECT * FROM domains WHERE domain = %s"
MailAutoconfDBDCacheTTL 3600 3600
$cache_line
MailAutoconfImap imap.default.test 993 ssl
MailAutoconfSmtp smtp.default.test 465 ssl
MailAutoconfDisplayName "Default Name"
<Location /mac-status>
    SetHandler mailautoconf-status
    MailAutoconfStatus Server
</Location>
EOC
}

# ------------------------------------------------------------- requests

# Thunderbird for u@DOMAIN: (status, display name or undef).
sub tb {
    my ($h, $domain) = @_;
    my $res = get($h, TB_PATH . "?emailaddress=u%40$domain");
    my $name;
    if ($res->code == 200) {
        my $doc = eval { parse_xml($res->decoded_content) };
        $name = $doc && $doc->findvalue('//*[local-name()="displayName"]');
    }
    return ($res->code, $name);
}

# The mechanism of the lock the shmcb caches take ("fcntl", "pthread", …).
sub cache_mutex {
    my $j = status_json($_[0]);
    return $j ? $j->{cache_mutex} : undef;
}

sub pids_seen {
    my ($h) = @_;
    open my $fh, '<', "$h->{dir}/access_log" or return 0;
    my %p;
    while (<$fh>) { $p{$1} = 1 if /^(\d+) \d+ \Q${\TB_PATH}\E/ }
    return scalar keys %p;
}

# ------------------------------------------------------- cache servers

sub wait_port {
    my ($port, $up) = @_;
    my $deadline = time + 10;
    while (time < $deadline) {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                      PeerPort => $port, Proto => 'tcp');
        return 1 if $up ? $s : !$s;
        Time::HiRes::sleep(0.05);
    }
    return 0;
}

sub start_server {
    my ($kind, $port) = @_;
    my @cmd = $kind eq 'memcache'
        ? (in_path('memcached'), '-l', '127.0.0.1', '-p', $port, '-U', '0',
           '-t', '1', '-m', '16', ($> == 0 ? ('-u', 'nobody') : ()))
        : (in_path('redis-server'), '--bind', '127.0.0.1', '--port', $port,
           '--save', '', '--appendonly', 'no', '--daemonize', 'no',
           '--protected-mode', 'no', '--loglevel', 'warning',
           '--dir', $TMP);
    my $pid = fork() // die "fork: $!";
    if (!$pid) {
        open STDOUT, '>', "$TMP/$kind.log";
        open STDERR, '>&', \*STDOUT;
        exec @cmd or POSIX::_exit(127);
    }
    wait_port($port, 1) or die "$kind did not start on $port\n";
    return $pid;
}

sub stop_server {
    my ($pid, $port) = @_;
    return unless $pid;
    kill 'TERM', $pid;
    waitpid $pid, 0;
    wait_port($port, 0);
}

# A command to the cache server; returns what it answered (read until it
# has been quiet for 0.3 s).
sub cache_cmd {
    my ($port, $cmd) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                  Proto => 'tcp', Timeout => 5) or return '';
    print $s $cmd;
    my $sel = IO::Select->new($s);
    my $out = '';
    while ($sel->can_read(0.3)) {
        my $n = sysread($s, my $buf, 65536);
        last unless $n;
        $out .= $buf;
    }
    return $out;
}

# The keys the module stored (memcache and redis keys are the hex of the
# module's id after "mailautoconf:").
sub cache_keys {
    my ($kind, $port) = @_;
    if ($kind eq 'memcache') {
        my $out = cache_cmd($port, "lru_crawler metadump all\r\n");
        return map { s/%3A/:/gr } $out =~ /^key=(\S+)/mg;
    }
    my $out = cache_cmd($port, "KEYS mailautoconf:*\r\n");
    return $out =~ /^(mailautoconf:[0-9a-f]+)\r$/mg;
}

sub cache_set {
    my ($kind, $port, $key, $val) = @_;
    if ($kind eq 'memcache') {
        return cache_cmd($port, sprintf("set %s 0 3600 %d\r\n%s\r\n",
                                        $key, length $val, $val));
    }
    return cache_cmd($port, sprintf("*3\r\n\$3\r\nSET\r\n\$%d\r\n%s\r\n"
                                    . "\$%d\r\n%s\r\n", length $key, $key,
                                    length $val, $val));
}

# ------------------------------------------------------------------ tests

my @cases;
sub case { push @cases, [@_] }

case('shmcb (default): the children of one httpd share answers', sub {
    # Each child keeps one domain itself, so that the shared cache answers.
    my $h = own_httpd(snippet('MailAutoconfDBDCacheSize 1'), 1);
    is(queries($h), 0, 'no query yet');
    is(cache_mutex($h), 'pthread (robust, no priority inheritance)',
       'the caches\' lock: the module\'s own pthread mutex by default');
    my ($bad, $n) = (0, 0);
    # Fresh connections until both children answered (at most 200).
    while ($n < 200 && ($n < 40 || pids_seen($h) < 2)) {
        my ($code, $name) = tb($h, 'known.test');
        $bad++ unless $code == 200 && ($name // '') eq 'Known Mail';
        $n++;
    }
    is($bad, 0, "$n requests: every answer 200 with the row's name");
    SKIP: {
        skip('one child accepted every connection', 1) if pids_seen($h) < 2;
        is(queries($h), 1, 'one database query for '
                          . pids_seen($h) . ' children');
    }
    my @codes = map { (tb($h, 'nowhere.test'))[0] } 1 .. 20;
    is_deeply([grep { $_ != 404 } @codes], [], 'unknown: 404 every time');
    is(queries($h), 2, 'and one query for it');

    # A flood of unknown names cannot push a known one out.
    my $q0 = queries($h);
    my $not404 = 0;
    for my $i (1 .. 2000) {
        my ($code) = tb($h, sprintf('flood%05d-%d.test', $i, int rand 1e6));
        $not404++ unless $code == 404;
    }
    is($not404, 0, 'a flood of 2,000 unknown domains: 404 each');
    is(queries($h), $q0 + 2000, 'one query each');
    # Another known domain takes each child's own single entry.
    tb($h, 'second.test') for 1 .. 20;
    is(queries($h), $q0 + 2001, 'another known domain: one query');
    my ($code, $name) = tb($h, 'known.test');
    is("$code $name", '200 Known Mail', 'the known domain after the flood');
    is(queries($h), $q0 + 2001,
       'answered from the shared cache (0 new queries)');
    unlike($h->error_log, qr/exit signal|MAC0051[034]/,
           'no child died, no cache complaint');
    $h->stop;
});

case('Mutex: another mechanism for the caches\' lock', sub {
    # httpd's Mutex directive chooses it; answers and sharing are the same.
    my $h = own_httpd(snippet("Mutex fcntl mailautoconf-cache\n"
                              . 'MailAutoconfDBDCacheSize 1'), 1);
    is(cache_mutex($h), 'fcntl', 'the status page names it');
    my @names = map { (tb($h, 'known.test'))[1] // '' } 1 .. 40;
    is_deeply([grep { $_ ne 'Known Mail' } @names], [],
              '40 answers, each with the row\'s name');
    my @codes = map { (tb($h, 'nowhere.test'))[0] } 1 .. 10;
    is_deeply([grep { $_ != 404 } @codes], [], 'unknown: 404 every time');
    SKIP: {
        skip('one child accepted every connection', 1) if pids_seen($h) < 2;
        is(queries($h), 2, 'one query for each domain, whichever child');
    }
    $h->stop;
});

sub shared_case {
    my ($kind, $server_bin) = @_;
    case("$kind: two httpd servers share one cache server", sub {
        my $missing = !in_path($server_bin) ? "$server_bin is not installed"
                    : !-e MODDIR . "/mod_socache_$kind.so"
                    ? "mod_socache_$kind is not installed" : undef;
        if ($missing) {
            # CI installs both (scripts/lib.sh): there it must not skip.
            if ($ENV{CI}) { fail("prerequisites: $missing"); return }
            plan skip_all => $missing;
        }
        my $port = MailAutoconfTest::_free_port();
        my $pid = start_server($kind, $port);
        my $line = "MailAutoconfDBDCache $kind:127.0.0.1:$port";
        my ($a, $b) = (own_httpd(snippet($line), 1),
                       own_httpd(snippet($line), 1));

        my ($code, $name) = tb($a, 'known.test');
        is("$code $name", '200 Known Mail', 'first server: served');
        ($code, $name) = tb($b, 'known.test');
        is("$code $name", '200 Known Mail', 'second server: served');
        tb($_, 'known.test') for ($a, $b, $a, $b);
        is(queries($a) + queries($b), 1, 'one database query for both');

        # The cache server goes away.
        my $q_up = queries($a) + queries($b);
        stop_server($pid, $port);
        my $bad = 0;
        for my $i (1 .. 10) {
            my ($c, $n) = tb($i % 2 ? $a : $b, 'second.test');
            $bad++ unless $c == 200 && ($n // '') eq 'Second Mail';
        }
        is($bad, 0, "$kind stopped: still 200 with the right answer");
        # Each child asks the database once, then keeps the answer itself
        # (MailAutoconfDBDCacheSize).
        my $q_down = queries($a) + queries($b) - $q_up;
        ok($q_down >= 1 && $q_down <= 4,
           "answered by the database, once per child at most ($q_down)");
        ($code, $name) = tb($a, 'known.test');
        is("$code $name", '200 Known Mail', 'a domain cached before: right too');
        my $complaints = log_count($a, qr/MAC00510: .* failed; answering from the database/);
        ok($complaints >= 1 && $complaints <= 2,
           "logged, at most once per child in 30 s ($complaints)");
        unlike($a->error_log . $b->error_log, qr/exit signal/, 'no child died');

        # Back: apr_memcache and apr_redis retry a dead server after 5 s.
        # A child's pooled connection from before the restart fails once
        # more when used, and that marks the server dead for another 5 s:
        # use them (unknown names, a few per child), then wait again.
        # Twice, with many requests, so every thread's pooled connection
        # has been tried even when the children are slow (sanitizer
        # builds).
        $pid = start_server($kind, $port);
        my $n = 0;
        for (1 .. 2) {
            sleep 6;
            tb($_, 'wake' . $n++ . '.test') for map { ($a, $b) } 1 .. 32;
        }
        sleep 6;
        my $q0 = queries($a) + queries($b);
        ($code, $name) = tb($a, 'third.test');
        is("$code $name", '200 Third Mail', 'back: served');
        ($code, $name) = tb($b, 'third.test');
        is("$code $name", '200 Third Mail', 'by the other server too');
        is(queries($a) + queries($b), $q0 + 1, 'back: shared again (one query)');

        # A corrupt value under a domain's key.
        my $hex = unpack('H*', 'fourth.test');
        tb($a, 'fourth.test');
        my ($key) = grep { /\Q$hex\E$/ } cache_keys($kind, $port);
        ok($key, "the entry of fourth.test is in $kind") or diag(join ' ', cache_keys($kind, $port));
        SKIP: {
            skip('no key to spoil', 5) unless $key;
            like(cache_set($kind, $port, $key, "\x01garbage<script>"),
                 qr/STORED|OK/, 'a corrupt value planted');
            $q0 = queries($a) + queries($b);
            ($code, $name) = tb($b, 'fourth.test');
            is("$code $name", '200 Fourth Mail', 'the right answer');
            is(queries($a) + queries($b), $q0 + 1, 'from the database');
            like($b->error_log, qr/MAC00514: database cache \Q$kind\E:\S+ the entry for fourth\.test is not usable \(/,
                 'logged (MAC00514)');
            unlike($b->error_log, qr/exit signal/, 'no child died');
        }
        $_->stop for ($a, $b);
        stop_server($pid, $port);
    });
}
shared_case('memcache', 'memcached');
shared_case('redis', 'redis-server');

# --------------------------------------------------------------- configtest

my $BASE = snippet('');
my @CONF = (
    ['MailAutoconfDBDCache shmcb', 1, undef, 'shmcb'],
    ['MailAutoconfDBDCache "shmcb:/tmp/mac-test-cache(1048576)"', 1, undef,
     'shmcb with a size'],
    ['MailAutoconfDBDCache memcache:127.0.0.1:11211', 1, undef, 'memcache'],
    ['MailAutoconfDBDCache redis:127.0.0.1:6379', 1, undef, 'redis'],
    ['MailAutoconfDBDCache nosuch', 0,
     qr/MailAutoconfDBDCache: no shared object cache provider "nosuch": load its module \(LoadModule socache_nosuch_module/,
     'an unknown provider names the LoadModule line'],
    ['MailAutoconfDBDCache "shmcb:/tmp/x(100)"', 0,
     qr/MailAutoconfDBDCache: shmcb: .*8192/, 'shmcb too small'],
    ['MailAutoconfDBDCache memcache:', 0, qr/MailAutoconfDBDCache: memcache: /,
     'memcache without a server'],
    ['MailAutoconfDBDCache :11211', 0, qr/MailAutoconfDBDCache: name a shared/,
     'no provider name'],
    ['Mutex sysvsem mailautoconf-cache', 1, undef,
     'Mutex for the caches\' lock'],
    ['Mutex nosuch mailautoconf-cache', 0, qr/Mutex.*nosuch/i,
     'Mutex with an unknown mechanism'],
    ['Mutex none mailautoconf-cache', 0,
     qr/None is not allowed for mutex type mailautoconf-cache/,
     'Mutex none: shmcb needs its lock'],
);
for my $c (@CONF) {
    my ($line, $want_ok, $re, $what) = @$c;
    case("configtest: $what -> " . ($want_ok ? 'accepted' : 'refused'), sub {
        my ($status, $out) = configtest($BASE . "\n$line\n");
        if ($want_ok) {
            is($status, 0, 'accepted') or diag($out);
        }
        else {
            isnt($status, 0, 'refused');
            like($out, $re, 'the message');
        }
    });
}
plan tests => scalar @cases;
for my $c (@cases) {
    subtest $c->[0] => $c->[1];
}
