# SPDX-License-Identifier: Apache-2.0
# Licensed under the Apache License, Version 2.0; see LICENSE.
# Domains from a database: MailAutoconfDBDQuery through mod_dbd and SQLite.
#
#   served rows, column overrides, NULL/empty columns, the wildcard vhost,
#   all three clients, unknown domains (404 like a static vhost), SQL
#   injection through the address and the Host header, the cache (expiry,
#   negative answers), the database going away and coming back,
#   unusable rows (500), a static domain next to the database, 100,000
#   rows, and the configuration checks.
#
# Vhosts: t/conf/dbd.conf.in.  The databases are (re)made by t/dbd_setup.pl
# in t/tmp/dbd/ before the first request; the cache and outage tests change
# them.  Needs the sqlite3 tool (Debian sqlite3) and the APR SQLite driver
# (Debian libaprutil1-dbd-sqlite3).
#
# Several httpd children answer; they share the cache (the default shmcb,
# see t/dbd_socache.t for the shared caches themselves).  Where a test
# needs "the same child", it sends its requests over one kept-alive
# connection (KeepAlive is on; a connection stays in the child that
# accepted it).
use strict;
use warnings FATAL => 'all';
use utf8;

use Apache::Test qw(-withtestmore);
use MailAutoconfTest qw(vhost_get vhost_request vhost_url parse_xml
                        configtest configtest_ok top_dir module_so);
use File::Spec ();
use File::Temp ();
use HTTP::Response ();
use IO::Select ();
use IO::Socket::INET ();
use POSIX ();
use Time::HiRes ();
use URI ();
use URI::Escape ();

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);



use constant {
    TB_PATH    => '/mail/config-v1.1.xml',
    AD_PATH    => '/autodiscover/autodiscover.xml',
    APPLE_PATH => '/email.mobileconfig',
    NS_REQUEST => 'http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006',
    NS_OUTLOOK => 'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a',
    TTL        => 2,     # MailAutoconfDBDCacheTTL 2 1 on db_sqlite
    NEG_TTL    => 1,
};

my $DB_DIR    = File::Spec->catdir(Apache::Test::vars('serverroot'), 'tmp',
                                   'dbd');
my $ERROR_LOG = File::Spec->catfile(Apache::Test::vars('t_logs'),
                                    'error_log');

# ------------------------------------------------------- prerequisites

sub sqlite_driver {
    return (glob('/usr/lib/*/apr-util-1/apr_dbd_sqlite3*.so'),
            glob('/usr/lib/apr-util-1/apr_dbd_sqlite3*.so'))[0];
}

{
    my @missing;
    push @missing, 'the sqlite3 tool (Debian package sqlite3)'
        unless grep { -x "$_/sqlite3" } split /:/, $ENV{PATH};
    push @missing, 'the APR SQLite driver (Debian package '
                 . 'libaprutil1-dbd-sqlite3)' unless sqlite_driver();
    push @missing, 'mod_dbd (LoadModule dbd_module in t/conf/httpd-base.conf)'
        unless Apache::Test::have_module('mod_dbd.c');
    if (@missing) {
        my $why = 'missing: ' . join('; ', @missing);
        # CI must run these tests, not skip them.
        if ($ENV{CI}) {
            plan tests => 1;
            fail("prerequisites: $why");
            exit 0;
        }
        plan skip_all => $why;
    }
}

system($^X, File::Spec->catfile(top_dir(), 't', 'dbd_setup.pl'), $DB_DIR) == 0
    or BAIL_OUT("t/dbd_setup.pl failed");

# ------------------------------------------------------------- helpers

sub db_file { File::Spec->catfile($DB_DIR, $_[0]) }

# Run SQL on one of the databases (as the test user, with a busy timeout
# in case a child is reading).
sub sql {
    my ($db, $stmt) = @_;
    my $rc = system('sqlite3', '-batch', '-bail', '-cmd', '.timeout 5000',
                    db_file($db), $stmt);
    die "sqlite3 $db: '$stmt' failed (status $rc)\n" if $rc;
}

sub q_addr { '?emailaddress=' . URI::Escape::uri_escape_utf8($_[0]) }

sub tb_get {
    my ($vhost, $query, %h) = @_;
    return vhost_get($vhost, TB_PATH . ($query // ''), %h);
}

sub ad_body {
    my ($email) = @_;
    return '<?xml version="1.0" encoding="utf-8"?>'
         . '<Autodiscover xmlns="' . NS_REQUEST . '"><Request>'
         . "<EMailAddress>$email</EMailAddress>"
         . '<AcceptableResponseSchema>' . NS_OUTLOOK
         . '</AcceptableResponseSchema></Request></Autodiscover>';
}

sub ad_post {
    my ($vhost, $email, %h) = @_;
    return vhost_request($vhost, 'POST', AD_PATH, ad_body($email),
                         'Content-Type' => 'text/xml', %h);
}

sub apple_get {
    my ($vhost, $email, %h) = @_;
    return vhost_get($vhost, APPLE_PATH . (defined $email ? q_addr($email)
                                                          : ''), %h);
}

# A response that httpd really sent: LWP makes up a 500 ("Internal
# response") when the connection dies without an answer.
sub from_server {
    my ($res) = @_;
    return ($res->header('Client-Warning') // '') ne 'Internal response';
}

# The Thunderbird document as plain data.
sub tb_info {
    my ($res) = @_;
    my $doc = eval { parse_xml($res->content) } or return { error => "$@" };
    my @p = $doc->findnodes('/clientConfig/emailProvider');
    return { error => 'not one emailProvider' } unless @p == 1;
    my $p = $p[0];
    my $text = sub { join '|', map { $_->textContent } $p->findnodes($_[0]) };
    my (%hosts, %users);
    for my $s ($p->findnodes('incomingServer|outgoingServer')) {
        my $type = $s->getAttribute('type');
        push @{ $hosts{$type} }, $s->findvalue('hostname') . ':'
                                 . $s->findvalue('port');
        $users{ $s->findvalue('username') } = 1;
    }
    $_ = join ' ', @$_ for values %hosts;
    return {
        id     => $p->getAttribute('id'),
        domain => $text->('domain'),
        name   => $text->('displayName'),
        short  => $text->('displayShortName'),
        hosts  => \%hosts,
        user   => join(' ', sort keys %users),
    };
}

# Outlook: { IMAP => 'host:port', ..., login => LoginName(s) }.
sub ad_info {
    my ($res) = @_;
    my $doc = eval { parse_xml($res->content) } or return { error => "$@" };
    my (%i, %login);
    for my $p ($doc->findnodes('//*[local-name()="Protocol"]')) {
        my $v = sub { $p->findvalue("*[local-name()='$_[0]']") };
        $i{ $v->('Type') } = $v->('Server') . ':' . $v->('Port');
        $login{ $v->('LoginName') } = 1;
    }
    $i{login} = join ' ', sort keys %login;
    return \%i;
}

# Apple: the first payload's string/integer value of a key.
sub plist_val {
    my ($doc, $key) = @_;
    my ($v) = $doc->findnodes(
        "/plist/dict/array/dict/key[.='$key']/following-sibling::*[1]");
    return $v ? $v->textContent : undef;
}

sub apple_info {
    my ($res) = @_;
    my $doc = eval { parse_xml($res->content) } or return { error => "$@" };
    return {
        imap  => plist_val($doc, 'IncomingMailServerHostName') . ':'
               . plist_val($doc, 'IncomingMailServerPortNumber'),
        smtp  => plist_val($doc, 'OutgoingMailServerHostName') . ':'
               . plist_val($doc, 'OutgoingMailServerPortNumber'),
        user  => plist_val($doc, 'IncomingMailServerUsername'),
        org   => plist_val($doc, 'PayloadOrganization'),
        descr => plist_val($doc, 'EmailAccountDescription'),
    };
}

sub sleep_until {
    my ($t) = @_;
    my $left = $t - Time::HiRes::time();
    Time::HiRes::sleep($left) if $left > 0;
}

# The error log from here on.
sub log_mark { -s $ERROR_LOG // 0 }
sub log_since {
    my ($mark) = @_;
    open my $fh, '<', $ERROR_LOG or return '';
    seek $fh, $mark, 0;
    local $/;
    my $text = <$fh> // '';
    return $text;
}

# Wait for httpd to write what it logs for the last request.
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

sub check_404 {
    my ($res, $what) = @_;
    is($res->code, 404, "$what: 404") or diag($res->as_string);
    is($res->content, "No settings for that domain here.\n",
       "$what: the usual body");
}

sub check_503 {
    my ($res, $what) = @_;
    is($res->code, 503, "$what: 503") or diag($res->as_string);
    like($res->header('Retry-After') // '', qr/^[0-9]+$/,
         "$what: Retry-After in seconds");
    is($res->header('Cache-Control'), 'no-store', "$what: not to be cached");
    like($res->content, qr/cannot be looked up right now/,
         "$what: says to try again");
}

sub check_500 {
    my ($res, $what) = @_;
    ok(from_server($res), "$what: an answer from the server (the child "
       . "did not die)") or diag($res->as_string);
    is($res->code, 500, "$what: 500") or diag($res->as_string);
    like($res->content, qr/broken; the administrator has been told/,
         "$what: says the settings are broken");
}

# ------------------------------------------------ one kept-alive connection

# Requests over one TCP connection reach one httpd child (and its cache).
package KeptAlive {
    sub new {
        my ($class, $vhost) = @_;
        my $url = URI->new(MailAutoconfTest::vhost_url($vhost, '/'));
        my $sock = IO::Socket::INET->new(PeerAddr => $url->host,
                                         PeerPort => $url->port,
                                         Proto => 'tcp', Timeout => 5)
            or die "connect to $vhost: $!\n";
        return bless { sock => $sock, host => $url->host_port, buf => '',
                       n => 0 }, $class;
    }

    # GET; returns an HTTP::Response, or undef when the connection is gone.
    sub get {
        my ($self, $path, %h) = @_;
        return undef unless $self->{sock};
        my $host = delete $h{Host} // $self->{host};
        my $req = "GET $path HTTP/1.1\r\nHost: $host\r\n"
                . join('', map { "$_: $h{$_}\r\n" } sort keys %h) . "\r\n";
        local $SIG{PIPE} = 'IGNORE';
        unless (syswrite($self->{sock}, $req) == length $req) {
            return $self->_gone;
        }
        my $head;
        while (1) {
            my $end = index($self->{buf}, "\r\n\r\n");
            if ($end >= 0) {
                $head = substr($self->{buf}, 0, $end + 4, '');
                last;
            }
            $self->_fill or return $self->_gone;
        }
        my ($len) = $head =~ /^Content-Length:\s*(\d+)/mi;
        $len //= 0;
        while (length $self->{buf} < $len) {
            $self->_fill or return $self->_gone;
        }
        my $body = substr($self->{buf}, 0, $len, '');
        my $res = HTTP::Response->parse($head . $body);
        $self->{n}++;
        $self->_gone if ($res->header('Connection') // '') =~ /close/i;
        return $res;
    }

    sub alive { defined $_[0]{sock} }

    # The httpd child that holds the server side of this connection.  The
    # kernel hands a connection to httpd only once a request came in
    # (TCP_DEFER_ACCEPT): ask for / first when nothing was asked yet.
    sub pid {
        my ($self) = @_;
        $self->get('/') if $self->{sock} && !$self->{n};
        $self->{pid} //= main::conn_pid($self->{sock}) if $self->{sock};
        return $self->{pid};
    }

    sub _fill {
        my ($self) = @_;
        return 0 unless IO::Select->new($self->{sock})->can_read(10);
        my $n = sysread($self->{sock}, my $buf, 65536);
        return 0 unless $n;
        $self->{buf} .= $buf;
        return 1;
    }

    sub _gone {
        my ($self) = @_;
        close $self->{sock} if $self->{sock};
        $self->{sock} = undef;
        return undef;
    }
}

# The pid of the httpd child that accepted the connection $sock, found
# through /proc (the server side of the connection is the socket whose
# remote port is our local port).  undef when it cannot be seen (not root,
# no /proc).
sub conn_pid {
    my ($sock) = @_;
    my ($lport, $rport) = ($sock->sockport, $sock->peerport);
    my $deadline = Time::HiRes::time() + 2;
    while (Time::HiRes::time() < $deadline) {
        my $inode;
        for my $f ('/proc/net/tcp', '/proc/net/tcp6') {
            open my $fh, '<', $f or next;
            while (<$fh>) {
                my @f = split;
                next unless @f > 9 && $f[1] =~ /:([0-9A-Fa-f]+)$/
                    && hex($1) == $rport && $f[2] =~ /:([0-9A-Fa-f]+)$/
                    && hex($1) == $lport && $f[9];
                $inode = $f[9];
                last;
            }
            last if $inode;
        }
        if ($inode) {
            for my $dir (glob '/proc/[0-9]*') {
                open my $c, '<', "$dir/comm" or next;
                my $comm = <$c> // '';
                next unless $comm =~ /^(?:apache2|httpd)/;
                for my $fd (glob "$dir/fd/*") {
                    my $l = readlink $fd;
                    return ($dir =~ m{(\d+)$})[0]
                        if defined $l && $l eq "socket:[$inode]";
                }
            }
        }
        Time::HiRes::sleep(0.05);
    }
    return undef;
}

# A new kept-alive connection that reached the child $pid (httpd spreads
# connections over its children: try a few), or undef.
sub conn_to_child {
    my ($vhost, $pid) = @_;
    return undef unless $pid;
    for (1 .. 40) {
        return undef unless kill 0, $pid;
        my $c = KeptAlive->new($vhost);
        my $p = $c->pid;
        return $c if defined $p && $p == $pid;
        $c->_gone;
    }
    return undef;
}

# One request on a connection of its own, with the Host header sent as
# given (byte for byte, which LWP might not do).
sub raw_get {
    my ($vhost, $path, %h) = @_;
    my $c = KeptAlive->new($vhost);
    my $res = $c->get($path, %h);
    $c->_gone;
    return $res;
}

# ---------------------------------------------------------- expectations

my %DEFAULT_HOSTS = (imap => 'imap.db.test:993', pop3 => 'pop.db.test:995',
                     smtp => 'smtp.db.test:587');

sub db_expect {
    my ($domain, %o) = @_;
    return {
        id     => $domain,
        domain => $domain,
        name   => $o{name}  // 'DB Default Name',
        short  => $o{short} // 'DBDefault',
        hosts  => { %DEFAULT_HOSTS, %{ $o{hosts} // {} } },
        user   => $o{user}  // '%EMAILADDRESS%',
    };
}

my $CUSTOMER = db_expect('customer.com',
    name  => 'Customer Mail', short => 'Customer', user => '%EMAILLOCALPART%',
    hosts => { imap => 'mail.customer.com:993',
               smtp => 'smtp.customer.com:587' });

my @cases;
sub case { push @cases, [@_] }

# ---------------------------------------------------------- configtest

# httpd -t on a config made of httpd-base.conf WITHOUT mod_dbd, our
# module, and $snippet.
sub configtest_without_dbd {
    my ($snippet) = @_;
    my $tmp = File::Spec->catdir(top_dir(), 't', 'tmp');
    mkdir $tmp;
    my $dir = File::Temp::tempdir('nodbd-XXXXXX', DIR => $tmp, CLEANUP => 1);
    my $base = File::Spec->catfile(top_dir(), 't', 'conf', 'httpd-base.conf');
    open my $in, '<', $base or die "$base: $!\n";
    my $text = join '', grep { !/^\s*LoadModule\s+dbd_module\b/ } <$in>;
    close $in;
    my $so = module_so();
    my $conf = qq{ServerRoot "$dir"\nDefaultRuntimeDir "$dir"\n}
             . qq{PidFile "$dir/httpd.pid"\nErrorLog "$dir/error_log"\n}
             . qq{Listen 127.0.0.1:9\nServerName localhost\n}
             . $text
             . qq{LoadModule mailautoconf_module "$so"\n$snippet\n};
    my $file = "$dir/httpd.conf";
    open my $fh, '>', $file or die "$file: $!\n";
    print $fh $conf;
    close $fh;
    my $httpd = Apache::Test::vars('httpd') || '/usr/sbin/apache2';
    my $out = `'$httpd' -t -f '$file' -d '$dir' 2>&1`;
    return ($? >> 8, $out);
}

my $SERVERS = "MailAutoconfImap imap.x.test 993 ssl\n"
            . "MailAutoconfSmtp smtp.x.test 465 ssl\n";
my $Q = 'MailAutoconfDBDQuery "SELECT * FROM d WHERE domain = %s"';

case('configtest: MailAutoconfDBDQuery without mod_dbd loaded fails, '
     . 'naming mod_dbd', sub {
    my ($st, $out) = configtest_without_dbd("$SERVERS$Q");
    isnt($st, 0, 'httpd -t fails') or diag($out);
    like($out, qr/MailAutoconfDBDQuery.*mod_dbd/s,
         'the message names the directive and mod_dbd');
    my ($st2, $out2) = configtest_without_dbd($SERVERS);
    is($st2, 0, 'the same config without the directive is fine')
        or diag($out2);
});

# [snippet, ok?, expected message]
my @CONFIGTEST = (
    ["$SERVERS$Q", 1, undef, 'a query with one %s'],
    ["$SERVERS${Q}\nDBDriver sqlite3\nDBDParams /nonexistent/x.db", 1, undef,
     'a database that is not there yet is not a configuration error'],
    ["$SERVERS" . 'MailAutoconfDBDQuery "SELECT * FROM d WHERE domain = 1"',
     0, qr/exactly one %s/, 'no %s'],
    ["$SERVERS" . 'MailAutoconfDBDQuery "SELECT * FROM d WHERE domain = %s '
     . 'OR alias = %s"', 0, qr/exactly one %s/, 'two %s'],
    ["$SERVERS" . 'MailAutoconfDBDQuery "SELECT * FROM d WHERE domain = %s%s"',
     0, qr/exactly one %s/, '%s%s'],
    ["$SERVERS" . 'MailAutoconfDBDQuery ""', 0, qr/MailAutoconfDBDQuery/,
     'an empty query'],
    ["$Q\n", 0, qr/MailAutoconfDBDQuery is set but no MailAutoconfImap/,
     'a query but no server'],
    ["$SERVERS<Directory />\n$Q\n</Directory>", 0, qr/not allowed/,
     'in <Directory>'],
    ["<VirtualHost *:80>\nServerName v.test\n$Q\n</VirtualHost>\n$SERVERS",
     1, undef, 'in a vhost, servers from the main server'],
    ["$SERVERS${Q}\nMailAutoconfDBDCacheTTL 2 1", 1, undef, 'TTL 2 1'],
    ["$SERVERS${Q}\nMailAutoconfDBDCacheTTL 0", 1, undef, 'TTL 0'],
    ["$SERVERS${Q}\nMailAutoconfDBDCacheTTL 31536000 31536000", 1, undef,
     'TTL at the maximum'],
    ["$SERVERS${Q}\nMailAutoconfDBDCacheTTL -1", 0, qr/-1.*seconds/,
     'negative TTL'],
    ["$SERVERS${Q}\nMailAutoconfDBDCacheTTL 1 -1", 0, qr/-1.*seconds/,
     'negative negative TTL'],
    ["$SERVERS${Q}\nMailAutoconfDBDCacheTTL 31536001", 0, qr/seconds/,
     'TTL over the maximum'],
    ["$SERVERS${Q}\nMailAutoconfDBDCacheTTL 5m", 0, qr/seconds/,
     'TTL with a unit'],
    ["$SERVERS${Q}\nMailAutoconfDBDCacheTTL 1 2 3", 0,
     qr/MailAutoconfDBDCacheTTL/, 'TTL with three arguments'],
    ["$SERVERS${Q}\nMailAutoconfDBDCacheSize 1", 1, undef, 'cache size 1'],
    ["$SERVERS${Q}\nMailAutoconfDBDCacheSize 10000000", 1, undef,
     'cache size at the maximum'],
    ["$SERVERS${Q}\nMailAutoconfDBDCacheSize 0", 0, qr/entries/,
     'cache size 0'],
    ["$SERVERS${Q}\nMailAutoconfDBDCacheSize 10000001", 0, qr/entries/,
     'cache size over the maximum'],
    ["$SERVERS${Q}\nMailAutoconfDBDCacheSize many", 0, qr/entries/,
     'cache size not a number'],
);

for my $c (@CONFIGTEST) {
    my ($snippet, $want_ok, $msg, $what) = @$c;
    case("configtest: $what -> " . ($want_ok ? 'accepted' : 'refused'), sub {
        my ($st, $out) = configtest($snippet);
        if ($want_ok) {
            is($st, 0, 'httpd -t accepts it') or diag($out);
        }
        else {
            isnt($st, 0, 'httpd -t refuses it') or diag($out);
            like($out, $msg, 'with the reason') if $msg;
        }
    });
}

# --------------------------------------------- served from the database

# [how, vhost, query, %headers, expected tb_info]
my @SERVED = (
    ['address', 'db_sqlite', q_addr('jo@customer.com'), {}, $CUSTOMER],
    ['address in upper case', 'db_sqlite', q_addr('Jo.Doe@CUSTOMER.COM'), {},
     $CUSTOMER],
    ["address with a ' in the local part", 'db_sqlite',
     q_addr("o'brien\@customer.com"), {}, $CUSTOMER],
    ['Host autoconfig.DOMAIN', 'db_sqlite', '',
     { Host => 'autoconfig.customer.com' }, $CUSTOMER],
    ['Host autodiscover.DOMAIN', 'db_sqlite', '',
     { Host => 'autodiscover.customer.com' }, $CUSTOMER],
    ['Host in mixed case', 'db_sqlite', '',
     { Host => 'AutoConfig.Customer.COM' }, $CUSTOMER],
    ['Host with a trailing dot', 'db_sqlite', '',
     { Host => 'autoconfig.customer.com.' }, $CUSTOMER],
    ['the address wins over Host', 'db_sqlite', q_addr('u@plain.org'),
     { Host => 'autoconfig.customer.com' }, db_expect('plain.org')],
    ['all columns NULL: the directives', 'db_sqlite', q_addr('u@plain.org'),
     {}, db_expect('plain.org')],
    ['all columns empty: the directives', 'db_sqlite', q_addr('u@empty.net'),
     {}, db_expect('empty.net')],
    ['only pop3_host', 'db_sqlite', q_addr('u@pop.test'), {},
     db_expect('pop.test', hosts => { pop3 => 'pop3.pop.test:995' })],
    ['host names lower-cased', 'db_sqlite', q_addr('u@upper.test'), {},
     db_expect('upper.test', hosts => { imap => 'imap.upper.test:993',
                                        smtp => 'smtp.upper.test:587' })],
    ['markup and UTF-8 in names', 'db_sqlite', q_addr('u@quote.test'), {},
     db_expect('quote.test', name => q{Tom's <Mail> & "Co" – Grüße},
               short => q{T'<&>"})],
    # db_static_and_db: "SELECT label AS Display_Name, imap AS IMAP_HOST,
    # domain FROM sites WHERE domain = %s ORDER BY prio"
    ['static vhost: a database domain, aliased columns', 'db_static_and_db',
     q_addr('u@dbsite.test'), {},
     { id => 'dbsite.test', domain => 'dbsite.test', name => 'DB Site',
       short => 'DB Site', user => '%EMAILADDRESS%',
       hosts => { imap => 'imap.dbsite.test:993',
                  smtp => 'smtp.static.test:465' } }],
    ['static vhost: several rows, the first counts (its NULL too)',
     'db_static_and_db', q_addr('u@twice.test'), {},
     { id => 'twice.test', domain => 'twice.test', name => 'First Row',
       short => 'First Row', user => '%EMAILADDRESS%',
       hosts => { imap => 'imap.static.test:993',
                  smtp => 'smtp.static.test:465' } }],
    ['static vhost: the static domain, not its database row',
     'db_static_and_db', q_addr('u@static.test'), {},
     { id => 'static.test', domain => 'static.test',
       name => 'Static Provider', short => 'Static Provider',
       user => '%EMAILADDRESS%',
       hosts => { imap => 'imap.static.test:993',
                  smtp => 'smtp.static.test:465' } }],
    ['static vhost: Host of a database domain', 'db_static_and_db', '',
     { Host => 'autoconfig.dbsite.test' },
     { id => 'dbsite.test', domain => 'dbsite.test', name => 'DB Site',
       short => 'DB Site', user => '%EMAILADDRESS%',
       hosts => { imap => 'imap.dbsite.test:993',
                  smtp => 'smtp.static.test:465' } }],
    ['static vhost: Host of an unknown domain: the first static domain',
     'db_static_and_db', '', { Host => 'autoconfig.unknown.test' },
     { id => 'static.test', domain => 'static.test',
       name => 'Static Provider', short => 'Static Provider',
       user => '%EMAILADDRESS%',
       hosts => { imap => 'imap.static.test:993',
                  smtp => 'smtp.static.test:465' } }],
);

for my $c (@SERVED) {
    my ($how, $vhost, $query, $h, $want) = @$c;
    case("served from the database: $how ($vhost "
         . ($query || "Host: $h->{Host}") . ')', sub {
        my $res = tb_get($vhost, $query, %$h);
        is($res->code, 200, 'status 200') or diag($res->as_string), return;
        is($res->header('Content-Type'), 'application/xml; charset=utf-8',
           'Content-Type');
        like($res->header('ETag') // '', qr/^"[^"]+"$/, 'an ETag');
        is_deeply(tb_info($res), $want, 'the document')
            or diag($res->content);
    });
}

case('served: ETag and conditional GET for a database domain', sub {
    my $r1 = tb_get('db_sqlite', q_addr('a@customer.com'));
    my $etag = $r1->header('ETag');
    ok($etag, 'an ETag');
    my $r2 = tb_get('db_sqlite', q_addr('b@customer.com'));
    is($r2->header('ETag'), $etag,
       'the same ETag for the same content (in any child)');
    my $r3 = tb_get('db_sqlite', q_addr('a@customer.com'),
                    'If-None-Match' => $etag);
    is($r3->code, 304, 'If-None-Match: 304');
    my $r4 = tb_get('db_sqlite', q_addr('a@plain.org'));
    isnt($r4->header('ETag'), $etag, 'another domain, another ETag');
    my $r5 = vhost_request('db_sqlite', 'HEAD', TB_PATH
                           . q_addr('a@customer.com'));
    is($r5->code, 200, 'HEAD: 200');
    is($r5->content, '', 'HEAD: no body');
});

case('served: clients keep a database answer no longer than the module',
     sub {
    # db_sqlite: MailAutoconfDBDCacheTTL 2, MailAutoconfCacheMaxAge 3600
    my $db = tb_get('db_sqlite', q_addr('a@customer.com'));
    is($db->header('Cache-Control'), 'max-age=2',
       'a database domain: max-age of the module\'s own cache lifetime');
    my $st = tb_get('db_static_ref', q_addr('u@reference.test'));
    is($st->header('Cache-Control'), 'max-age=3600',
       'a configured domain: MailAutoconfCacheMaxAge');
    # The Autodiscover v2 answer of a database domain likewise.
    my $v2 = vhost_get('db_sqlite', '/autodiscover/autodiscover.json'
                       . '?Email=a%40customer.com&Protocol=AutodiscoverV1');
    is($v2->code, 200, 'v2, a database domain: 200');
    is($v2->header('Cache-Control'), 'max-age=2',
       'v2, a database domain: max-age of the module\'s own cache lifetime');
    my $v2s = vhost_get('db_static_ref', '/autodiscover/autodiscover.json'
                        . '?Email=u%40reference.test&Protocol=AutodiscoverV1');
    is($v2s->header('Cache-Control'), 'max-age=3600',
       'v2, a configured domain: MailAutoconfCacheMaxAge');
});

# ----------------------------------------------------------- all clients

case('Outlook: POST for a database domain, overrides applied', sub {
    my $res = ad_post('db_sqlite', 'jo@customer.com');
    is($res->code, 200, 'status 200') or diag($res->as_string), return;
    is_deeply(ad_info($res),
              { IMAP => 'mail.customer.com:993', POP3 => 'pop.db.test:995',
                SMTP => 'smtp.customer.com:587', login => 'jo' },
              'servers and login name') or diag($res->content);
});

case('Outlook: POST for a domain with NULL columns: the directives', sub {
    my $res = ad_post('db_sqlite', 'jo@plain.org');
    is($res->code, 200, 'status 200') or diag($res->as_string), return;
    is_deeply(ad_info($res),
              { IMAP => 'imap.db.test:993', POP3 => 'pop.db.test:995',
                SMTP => 'smtp.db.test:587', login => 'jo@plain.org' },
              'servers and login name') or diag($res->content);
});

case('Outlook: POST for an unknown domain: the same error as a static '
     . 'vhost', sub {
    my $db = ad_post('db_sqlite', 'jo@unknown.test');
    my $st = ad_post('db_static_ref', 'jo@unknown.test');
    is($db->code, 404, 'database vhost: 404');
    is($db->code, $st->code, 'same status as the static vhost');
    my $norm = sub { (my $s = $_[0]) =~ s/ (?:Time|Id)="[^"]*"//g; $s };
    is($norm->($db->content), $norm->($st->content),
       'same body (but for Time and Id)');
    like($db->content, qr{<ErrorCode>500</ErrorCode>},
         'Autodiscover error code 500 (address not found)');
});

case('Apple: profile for a database domain, overrides applied', sub {
    my $res = apple_get('db_sqlite', 'jo@customer.com');
    is($res->code, 200, 'status 200') or diag($res->as_string), return;
    is_deeply(apple_info($res),
              { imap => 'mail.customer.com:993',
                smtp => 'smtp.customer.com:587', user => 'jo',
                org => 'Customer Mail', descr => 'Customer' },
              'servers, user name, names') or diag($res->content);
});

case('Apple: profile for a domain with NULL columns', sub {
    my $res = apple_get('db_sqlite', 'jo@plain.org');
    is($res->code, 200, 'status 200') or diag($res->as_string), return;
    is_deeply(apple_info($res),
              { imap => 'imap.db.test:993', smtp => 'smtp.db.test:587',
                user => 'jo@plain.org', org => 'DB Default Name',
                descr => 'DBDefault' },
              'servers, user name, names') or diag($res->content);
});

case('Apple: the page on Host autoconfig.DOMAIN of a database domain', sub {
    my $res = apple_get('db_sqlite', undef, Host => 'autoconfig.customer.com');
    is($res->code, 200, 'status 200') or diag($res->as_string), return;
    like($res->header('Content-Type') // '', qr{^text/html}, 'a page');
    like($res->content, qr/customer\.com/, 'about customer.com');
    my $none = apple_get('db_sqlite', undef, Host => 'autoconfig.unknown.test');
    is($none->code, 404, 'Host of an unknown domain: 404');
});

case('Apple: unknown domain: 404', sub {
    my $res = apple_get('db_sqlite', 'jo@unknown.test');
    is($res->code, 404, 'status 404') or diag($res->as_string);
    unlike($res->content, qr/jo\@unknown/, 'no profile');
});

case('Autodiscover v2: a database domain and an unknown one', sub {
    my $ok = vhost_get('db_sqlite', '/autodiscover/autodiscover.json?Email='
                       . 'jo@customer.com&Protocol=AutodiscoverV1');
    is($ok->code, 200, 'known: 200') or diag($ok->as_string);
    my $no = vhost_get('db_sqlite', '/autodiscover/autodiscover.json?Email='
                       . 'jo@unknown.test&Protocol=AutodiscoverV1');
    is($no->code, 404, 'unknown: 404') or diag($no->as_string);
});

# ------------------------------------------------------ unknown domains

# [what, vhost, query, headers]
my @UNKNOWN = (
    ['address', q_addr('u@unknown.test'), {}],
    ['address of a domain like SQL', q_addr('u@or-1-1.com'), {}],
    ['address of a subdomain of a known domain', q_addr('u@sub.customer.com'),
     {}],
    ['address of a parent of a known domain', q_addr('u@com.com'), {}],
    ['Host autoconfig.unknown', '', { Host => 'autoconfig.unknown.test' }],
    ['Host of a static domain of another vhost', '',
     { Host => 'autoconfig.reference.test' }],
    ['Host autoconfig.autoconfig.DOMAIN', '',
     { Host => 'autoconfig.autoconfig.customer.com' }],
    ['Host localhost, no address', '', {}],
);

for my $c (@UNKNOWN) {
    my ($what, $query, $h) = @$c;
    case("unknown: $what -> 404, as a static vhost answers", sub {
        my $db = tb_get('db_sqlite', $query, %$h);
        my $st = tb_get('db_static_ref', q_addr('u@unknown.test'));
        check_404($db, 'database vhost');
        is($db->code, $st->code, 'same status as the static vhost');
        is($db->content, $st->content, 'same body');
        is($db->header('Content-Type'), $st->header('Content-Type'),
           'same Content-Type');
        is($db->header('Cache-Control'), $st->header('Cache-Control'),
           'same Cache-Control');
    });
}

# --------------------------------------------------------- SQL injection

# The domain never reaches SQL unless it is a valid domain name; a row
# whose "domain" is SQL (x' or '1'='1, %) exists and must never be served.
# [what, how => value, expected code]
my @HOSTILE = (
    ["address a\@x.com' OR '1'='1", addr => "a\@x.com' OR '1'='1", 400],
    ["address a\@x' or '1'='1 (a row has that domain)",
     addr => "a\@x' or '1'='1", 400],
    ["address a\@x.com';DROP TABLE domains;--",
     addr => "a\@x.com';DROP TABLE domains;--", 400],
    ['address a@% (a row has that domain)', addr => 'a@%', 400],
    ['address a@_', addr => 'a@_', 400],
    ['address a@customer.com%00x', query => '?emailaddress=a@customer.com%00x',
     400],
    ['address a@customer.com and a space', addr => 'a@customer.com ', 400],
    ['address a@customer.com\n', addr => "a\@customer.com\n", 400],
    ['address a@customer.com" --', addr => 'a@customer.com" --', 400],
    ['address a@or-1-1.com (valid, unknown)', addr => 'a@or-1-1.com', 404],
    ['address a@select.from (valid, unknown)', addr => 'a@select.from', 404],
    ["Host autoconfig.x' OR 1=1--.com", host => "autoconfig.x' OR 1=1--.com",
     400],
    ["Host autoconfig.x' or '1'='1", host => "autoconfig.x' or '1'='1", 400],
    ['Host autoconfig.%', host => 'autoconfig.%', 400],
    ['Host autoconfig.x_or_1.com (not a domain name)',
     host => 'autoconfig.x_or_1.com', 404],
    ['Host autoconfig.or-1-1.com (valid, unknown)',
     host => 'autoconfig.or-1-1.com', 404],
);

for my $c (@HOSTILE) {
    my ($what, $how, $value, $code) = @$c;
    case("injection: $what -> $code, no row, no 500", sub {
        my $mark = log_mark();
        my $res = $how eq 'host'  ? raw_get('db_sqlite', TB_PATH,
                                            Host => $value)
                : $how eq 'query' ? tb_get('db_sqlite', $value)
                :                   tb_get('db_sqlite', q_addr($value));
        ok($res, 'an answer') or return;
        is($res->code, $code, "status $code") or diag($res->as_string);
        unlike($res->content, qr/Injected|Percent|customer\.com/,
               'no row in the answer');
        my $log = log_since($mark);
        unlike($log, qr/MAC0050[234679]/, 'no database error logged');
        if ($code == 400 || $how eq 'host' && $value =~ /_/) {
            unlike($log, qr/MAC0050[58]/,
                   'the database was not asked (not a valid domain)');
        }
    });
}

case('injection: Outlook and Apple refuse the hostile address too', sub {
    my $addr = "a\@x.com' OR '1'='1";
    my $ad = ad_post('db_sqlite', $addr);
    is($ad->code, 400, 'Outlook: 400') or diag($ad->as_string);
    unlike($ad->content, qr/<Protocol>/, 'Outlook: no settings');
    my $ap = apple_get('db_sqlite', $addr);
    is($ap->code, 400, 'Apple: 400') or diag($ap->as_string);
    isnt($ap->header('Content-Type') // '',
         'application/x-apple-aspen-config', 'Apple: no profile');
});

case('injection: the table is still there afterwards', sub {
    my $res = tb_get('db_sqlite', q_addr('u@customer.com'));
    is($res->code, 200, 'customer.com still served');
    chomp(my $n = `sqlite3 '${\ db_file('domains.db')}' 'SELECT count(*) FROM domains'`);
    ok($n > 10, "the rows are all there ($n)");
});

# ----------------------------------------------------------------- big

case('db_big: 100,000 rows: first, middle, last served; others 404', sub {
    chomp(my $n = `sqlite3 '${\ db_file('big.db')}' 'SELECT count(*) FROM domains'`);
    is($n, 100_000, '100,000 rows');
    for my $i (1, 50_000, 99_999, 100_000) {
        my $d = sprintf 'd%06d.big.test', $i;
        my $t0 = Time::HiRes::time();
        my $res = tb_get('db_big', q_addr("u\@$d"));
        my $dt = Time::HiRes::time() - $t0;
        is($res->code, 200, "$d: 200") or diag($res->as_string), next;
        my $info = tb_info($res);
        is($info->{name}, "Big $i", "$d: its display name");
        is($info->{hosts}{imap}, 'imap' . ($i % 7) . '.big.test:993',
           "$d: its IMAP host");
        ok($dt < 2, sprintf("$d: answered in %.3f s", $dt));
    }
    for my $d ('d000000.big.test', 'd100001.big.test', 'd1.big.test',
               'big.test') {
        check_404(tb_get('db_big', q_addr("u\@$d")), $d);
    }
    my $res = tb_get('db_big', '', Host => 'autoconfig.d077777.big.test');
    is(tb_info($res)->{name}, 'Big 77777', 'by Host');
});

case('db_big: more domains than the cache holds (100): all answers right',
     sub {
    my $c = KeptAlive->new('db_big');
    my $bad = 0;
    for my $round (1, 2) {
        for my $i (map { $_ * 613 } 1 .. 150) {
            my $d = sprintf 'd%06d.big.test', $i;
            # (httpd closes a connection after 100 requests)
            $c = KeptAlive->new('db_big') unless $c->alive;
            my $res = $c->get(TB_PATH . q_addr("u\@$d"));
            unless ($res && $res->code == 200
                    && tb_info($res)->{name} eq "Big $i") {
                $bad++;
                diag("$d: " . ($res ? $res->status_line : 'no answer'));
                last if $bad > 5;
            }
        }
    }
    is($bad, 0, '300 look-ups of 150 domains: all right');
});

case('parallel: 8 clients at once, known and unknown domains, a small '
     . 'cache: every answer right, no child died', sub {
    my $mark = log_mark();
    my @kids;
    for my $k (1 .. 8) {
        my $pid = fork;
        die "fork: $!\n" unless defined $pid;
        if (!$pid) {
            my $bad = 0;
            srand($k);
            for (1 .. 60) {
                my $i = 1 + int(rand(300)) * 331;    # 1 .. 98,970
                my $known = rand() < 0.8;
                my $d = $known ? sprintf('d%06d.big.test', $i)
                               : sprintf('x%06d.big.test', $i);
                my $res = tb_get('db_big', q_addr("u\@$d"));
                my $good = $known
                    ? $res->code == 200 && tb_info($res)->{name} eq "Big $i"
                    : $res->code == 404;
                $bad++ unless $good;
            }
            POSIX::_exit($bad > 250 ? 250 : $bad);
        }
        push @kids, $pid;
    }
    my $bad = 0;
    for my $pid (@kids) {
        waitpid $pid, 0;
        $bad += $? >> 8;
    }
    is($bad, 0, '480 answers, all right');
    unlike(log_since($mark), qr/exit signal|MAC0050[234679]/,
           'no child died, no database error');
});

# -------------------------------------------------------------- caching

case('cache: a changed row is served after the TTL; within it, the old '
     . 'one by the child that cached it', sub {
    my $c = KeptAlive->new('db_sqlite');
    my $name = sub { my $r = $_[0]; $r && $r->code == 200
                         ? tb_info($r)->{name} : ($r ? $r->code : 'none') };
    my $t0 = Time::HiRes::time();
    is($name->($c->get(TB_PATH . q_addr('u@expiry.test'))), 'Before',
       'the first answer');
    sql('domains.db', q{UPDATE domains SET display_name = 'After' }
                    . q{WHERE domain = 'expiry.test'});
    my $cached = $name->($c->get(TB_PATH . q_addr('u@expiry.test')));
    my $dt = Time::HiRes::time() - $t0;
    SKIP: {
        skip(sprintf('too slow to check the cached value: %.2f s', $dt), 1)
            unless $dt < TTL - 0.5;
        is($cached, 'Before', sprintf('same child %.2f s later: still the '
                                      . 'cached value', $dt));
    }
    my $other = $name->(tb_get('db_sqlite', q_addr('u@expiry.test')));
    my $last = Time::HiRes::time();
    like($other, qr/^(?:Before|After)$/,
         "another connection within the TTL: old or new ($other)");
    sleep_until($last + TTL + 0.5);
    is($name->($c->get(TB_PATH . q_addr('u@expiry.test'))) // '', 'After',
       'same child after the TTL: the new value');
    is($name->(tb_get('db_sqlite', q_addr('u@expiry.test'))), 'After',
       'another connection after the TTL: the new value');
});

case('cache: a deleted row is 404 after the TTL', sub {
    my $c = KeptAlive->new('db_sqlite');
    my $r = $c->get(TB_PATH . q_addr('u@deleted.test'));
    my $t0 = Time::HiRes::time();
    is($r && $r->code, 200, 'served before');
    sql('domains.db', q{DELETE FROM domains WHERE domain = 'deleted.test'});
    $r = $c->get(TB_PATH . q_addr('u@deleted.test'));
    my $dt = Time::HiRes::time() - $t0;
    SKIP: {
        skip(sprintf('too slow to check the cached row: %.2f s', $dt), 1)
            unless $dt < TTL - 0.5;
        is($r && $r->code, 200, 'same child within the TTL: still served');
    }
    sleep_until($t0 + TTL + 0.5);
    check_404($c->get(TB_PATH . q_addr('u@deleted.test')),
              'same child after the TTL');
});

case('cache: an unknown domain added to the database is served after the '
     . 'negative TTL', sub {
    my $c = KeptAlive->new('db_sqlite');
    my $r = $c->get(TB_PATH . q_addr('u@newcomer.test'));
    my $t0 = Time::HiRes::time();
    is($r && $r->code, 404, 'unknown at first');
    sql('domains.db', q{INSERT INTO domains (domain, display_name) }
                    . q{VALUES ('newcomer.test', 'Newcomer')});
    $r = $c->get(TB_PATH . q_addr('u@newcomer.test'));
    my $dt = Time::HiRes::time() - $t0;
    SKIP: {
        skip(sprintf('too slow to check the negative cache: %.2f s', $dt), 1)
            unless $dt < NEG_TTL - 0.3;
        is($r && $r->code, 404, sprintf('same child %.2f s later: the '
                                        . 'cached "unknown"', $dt));
    }
    my $last = Time::HiRes::time();
    sleep_until($last + NEG_TTL + 0.5);
    $r = $c->get(TB_PATH . q_addr('u@newcomer.test'));
    is($r && $r->code, 200, 'same child after the negative TTL: served');
    is($r && tb_info($r)->{name}, 'Newcomer', 'with its row');
    $r = tb_get('db_sqlite', q_addr('u@newcomer.test'));
    is($r->code, 200, 'another connection: served');
});

case('cache: the cache is per domain, case-folded', sub {
    my $c = KeptAlive->new('db_sqlite');
    my $a = $c->get(TB_PATH . q_addr('u@CUSTOMER.com'));
    my $b = $c->get(TB_PATH . q_addr('u@customer.com'));
    is($a && $a->header('ETag'), $b && $b->header('ETag'),
       'one entry for CUSTOMER.com and customer.com');
});

# ------------------------------------------------- the database goes away

sub db_away { rename db_file($_[0]), db_file($_[0]) . '.away'
                  or die "rename $_[0]: $!\n" }
sub db_back { rename db_file($_[0]) . '.away', db_file($_[0])
                  or die "rename back $_[0]: $!\n" }

case('database down: 503 + Retry-After, logged; cached answers still '
     . 'served; back: 200 without a restart', sub {
    my $c = KeptAlive->new('db_sqlite');
    my $pid = $c->pid;
    my $r = $c->get(TB_PATH . q_addr('u@cached.test'));
    my $t0 = Time::HiRes::time();
    is($r && $r->code, 200, 'cached.test served (and now cached)');

    my $mark = log_mark();
    db_away('domains.db');
    my $ok = eval {
        $r = $c->get(TB_PATH . q_addr('u@cached.test'));
        if (Time::HiRes::time() - $t0 < TTL - 0.5) {
            is($r && $r->code, 200,
               'while down: a cached domain is still served by its child');
        }
        # httpd closes the connection after a 503.
        $r = $c->get(TB_PATH . q_addr('u@down.test'));
        ok($r, 'while down: an answer') or return 1;
        check_503($r, 'while down, Thunderbird');
        my $log = log_wait($mark, qr/MAC0050[24]/);
        like($log, qr/MAC0050[24]: database: /,
             'MAC00502 or MAC00504 logged');
        check_503(tb_get('db_sqlite', q_addr('u@never-seen.test')),
                  'while down, an unknown domain (not a 404)');
        check_503(tb_get('db_sqlite', '', Host => 'autoconfig.down.test'),
                  'while down, by Host');
        my $ad = ad_post('db_sqlite', 'u@down.test');
        is($ad->code, 503, 'while down, Outlook: 503');
        ok($ad->header('Retry-After'), 'while down, Outlook: Retry-After');
        my $ap = apple_get('db_sqlite', 'u@down.test');
        is($ap->code, 503, 'while down, Apple: 503');
        ok($ap->header('Retry-After'), 'while down, Apple: Retry-After');
        1;
    };
    my $err = $@;
    db_back('domains.db');
    die $err unless $ok;

    # The child that answered 503 for down.test must not have cached it.
    SKIP: {
        my $same = conn_to_child('db_sqlite', $pid);
        skip('cannot reach the same child again (not root, or it exited)', 2)
            unless $same;
        $r = $same->get(TB_PATH . q_addr('u@down.test'));
        is($r && $r->code, 200, "back: the child that answered 503 ($pid) "
                                . 'answers 200 at once (nothing was cached)');
        is($r && tb_info($r)->{name}, 'Down Test', 'back: the row');
    }
    $r = tb_get('db_sqlite', q_addr('u@down.test'));
    is($r->code, 200, 'back: 200 on another connection');
    is(tb_get('db_sqlite', q_addr('u@never-seen.test'))->code, 404,
       'back: unknown is 404 again');
});

case('static domain next to the database: answered without it', sub {
    my $mark = log_mark();
    db_away('static.db');
    my ($st, $db, $ad, $v2, $ap, $host);
    my $ok = eval {
        $st = tb_get('db_static_and_db', q_addr('u@static.test'));
        $db = tb_get('db_static_and_db', q_addr('u@never-asked.test'));
        # Configured domains never touch the database, for any client
        # (the Apple download used to ask about the Host first).
        $ad = ad_post('db_static_and_db', 'u@static.test');
        $v2 = vhost_get('db_static_and_db', '/autodiscover/autodiscover.json'
                        . '?Email=u%40static.test&Protocol=AutodiscoverV1');
        $ap = apple_get('db_static_and_db', 'u@static.test');
        $host = tb_get('db_static_and_db', '', Host => 'autoconfig.static.test');
        1;
    };
    my $err = $@;
    db_back('static.db');
    die $err unless $ok;
    is($st->code, 200, 'the static domain: 200 while the database is away');
    is(tb_info($st)->{name}, 'Static Provider', 'from the directives');
    is($ad->code, 200, 'Outlook, the static domain: 200 while away');
    is($v2->code, 200, 'v2, the static domain: 200 while away');
    is($ap->code, 200, 'Apple profile, the static domain: 200 while away');
    like($ap->header('Content-Type') // '', qr{^application/x-apple-aspen-config},
         'Apple profile, the static domain: a profile');
    is($host->code, 200, 'Thunderbird by Host, the static domain: 200 while away');
    check_503($db, 'another domain of that vhost while the database is away');
    is(tb_get('db_static_and_db', q_addr('u@never-asked.test'))->code, 404,
       'back: that domain is 404 (the 503 was not cached)');
    is(tb_get('db_static_and_db', q_addr('u@dbsite.test'))->code, 200,
       'back: the database domain is served');
});

# ----------------------------------------------------------- bad rows

my @BAD_ROWS = (
    ['badhost.test', qr/imap_host: .*character/, "imap_host 'bad host!'"],
    ['badtpl.test', qr/imap_host: only %EMAILDOMAIN%/,
     'imap_host with %EMAILLOCALPART%'],
    ['mixedph.test', qr/imap_host: only %EMAILDOMAIN%/,
     'imap_host with %EmailDomain% (not the placeholder)'],
    ['badlogin.test', qr/login_name: unknown placeholder/,
     'login_name with an unknown placeholder'],
    ['badname.test', qr/display_name: .*control characters/,
     'display_name with a control character'],
    ['longname.test', qr/display_name: .*longer than 256/,
     'display_name of 300 bytes'],
);

for my $c (@BAD_ROWS) {
    my ($domain, $why, $what) = @$c;
    case("unusable row: $what -> 500, logged, others unaffected", sub {
        my $c = KeptAlive->new('db_sqlite');
        my $pid = $c->pid;
        my $mark = log_mark();
        my $res = $c->get(TB_PATH . q_addr("u\@$domain"));
        ok($res, 'an answer (the connection did not just drop)') or return;
        check_500($res, 'Thunderbird');
        unlike($res->content, qr/\Q$domain\E|bad host/,
               'the body does not show the row');
        like(log_wait($mark, qr/MAC00507/),
             qr/MAC00507: database: the row for \Q$domain\E is not usable: $why/,
             'MAC00507 names the domain and what is wrong');
        unlike(log_since($mark), qr/exit signal/, 'no child died');
        SKIP: {
            skip('the child cannot be seen (not root?)', 4) unless $pid;
            ok(kill(0, $pid), "the child ($pid) is still there");
            # httpd closes the connection after a 500: find the child again.
            my $same = conn_to_child('db_sqlite', $pid);
            skip('cannot reach the same child again', 3) unless $same;
            my $again = $same->get(TB_PATH . q_addr('u@customer.com'));
            is($again && $again->code, 200,
               'another domain on the same child: 200');
            is($again && tb_info($again)->{name}, 'Customer Mail',
               'with its own row');
            $again = $same->get(TB_PATH . q_addr("u\@$domain"));
            is($again && $again->code, 500,
               'the bad row again, same child: 500 (not cached as good)');
        }
    });
}

case('unusable row: Outlook and Apple get 500 too', sub {
    check_500(ad_post('db_sqlite', 'u@badhost.test'), 'Outlook');
    check_500(apple_get('db_sqlite', 'u@badhost.test'), 'Apple');
    check_500(tb_get('db_sqlite', '', Host => 'autoconfig.badhost.test'),
              'Thunderbird by Host');
});

case('after the bad rows: every domain still served', sub {
    for my $d (qw(customer.com plain.org quote.test)) {
        is(tb_get('db_sqlite', q_addr("u\@$d"))->code, 200, "$d: 200");
    }
});

# ------------------------------------------------------------------ run

plan tests => scalar @cases;
for my $c (@cases) {
    my ($name, $code) = @$c;
    subtest $name => $code;
}
