# SPDX-License-Identifier: Apache-2.0
# Licensed under the Apache License, Version 2.0; see LICENSE.
package MailAutoconfTest;

# Helpers for the mod_mailautoconf Apache::Test suite.
#
#   use lib 't/lib';           # t/TEST already puts t/lib on @INC
#   use MailAutoconfTest qw(vhost_get vhost_request parse_xml
#                           configtest_ok configtest_fails);
#
#   # <VirtualHost mailautoconf_basic> in t/conf/extra.conf.in gets its own
#   # port; these send the request to that port.
#   my $res = vhost_get('mailautoconf_basic',
#                       '/mail/config-v1.1.xml?emailaddress=a@example.com',
#                       Host => 'autoconfig.example.com');
#   my $res = vhost_request('mailautoconf_basic', 'POST',
#                           '/autodiscover/autodiscover.xml', $xml,
#                           'Content-Type' => 'text/xml');
#   my $doc = parse_xml($res->content);          # XML::LibXML::Document
#
#   my ($status, $out) = configtest_fails('MailAutoconfFoo bar');
#   my ($ok, $out)     = configtest_ok("<VirtualHost *:80>\n...\n</VirtualHost>");

use strict;
use warnings FATAL => 'all';

use Exporter 'import';
use Cwd ();
use File::Basename ();
use File::Spec ();
use File::Path ();
use File::Temp ();
use POSIX ();
use IO::Socket::INET ();
use HTTP::Request ();
use Apache::Test ();
use Apache::TestRequest ();
use XML::LibXML ();

our @EXPORT_OK = qw(vhost_get vhost_request vhost_url parse_xml loopback_request
                    free_port
                    configtest configtest_ok configtest_fails
                    own_httpd top_dir module_so need_dbd_sqlite
                    in_path prerequisites);
our %EXPORT_TAGS = (all => \@EXPORT_OK);

my $TOP_DIR = Cwd::abs_path(File::Spec->catdir(
    File::Basename::dirname(__FILE__), File::Spec->updir, File::Spec->updir));

sub top_dir   { $TOP_DIR }

# The full path of a program, from PATH or /usr/sbin, /usr/bin; or undef.
sub in_path {
    my ($n) = @_;
    my ($dir) = grep { -x "$_/$n" } split(/:/, $ENV{PATH} // ''),
                                    '/usr/sbin', '/usr/bin';
    return $dir ? "$dir/$n" : undef;
}

# Skips the whole test file, saying what is missing (the arguments); under
# CI (CI=true), where everything must be there, fails instead.  Call
# before the plan.
sub prerequisites {
    my @missing = @_;
    return unless @missing;
    require Test::More;
    my $why = 'missing: ' . join('; ', @missing);
    my $tb = Test::More->builder;
    if ($ENV{CI}) { $tb->plan(tests => 1); $tb->ok(0, "prerequisites: $why"); exit 0 }
    $tb->skip_all($why);
}

# For tests of domains from an SQLite database: the sqlite3 tool, the APR
# SQLite driver and mod_dbd, and whatever else the test names as missing
# (@more), through prerequisites.
sub need_dbd_sqlite {
    my @missing = @_;
    push @missing, 'the sqlite3 tool (Debian package sqlite3)'
        unless in_path('sqlite3');
    push @missing, 'the APR SQLite driver (Debian package '
                 . 'libaprutil1-dbd-sqlite3)'
        unless (glob('/usr/lib/*/apr-util-1/apr_dbd_sqlite3*.so'),
                glob('/usr/lib/apr-util-1/apr_dbd_sqlite3*.so'))[0];
    push @missing, 'mod_dbd (LoadModule dbd_module in t/conf/httpd-base.conf)'
        unless Apache::Test::have_module('mod_dbd.c');
    prerequisites(@missing);
}
sub module_so { File::Spec->catfile($TOP_DIR, '.libs', 'mod_mailautoconf.so') }

# ----------------------------------------------------------------- requests

# URL of $path on the named vhost.  Vhosts whose name ends in "_ssl" are
# reached over https (Apache::Test's convention for SSL vhosts).
sub vhost_url {
    my ($vhost, $path) = @_;
    $path = '/' unless defined $path && length $path;
    my $scheme = $vhost =~ /_ssl$/ ? 'https' : 'http';
    die "vhost_url: unknown vhost '$vhost' (not in t/conf/extra.conf.in?)\n"
        unless Apache::Test::config()->{vhosts}->{$vhost};
    # module2url() makes $vhost the "current module" as a side effect;
    # restore the previous one so plain GET '/...' calls are unaffected.
    my $prev = $Apache::TestRequest::Module;
    my $url = Apache::TestRequest::module2url($vhost,
                                              { path => $path, scheme => $scheme });
    $Apache::TestRequest::Module = $prev;
    return $url;
}

# Sends $method $path (with optional $body) to the named vhost and returns
# the HTTP::Response.  %headers are request headers; "Host" overrides the
# Host header (the TCP connection still goes to the vhost's port).
# Redirects are never followed.
sub vhost_request {
    my ($vhost, $method, $path, $body, %headers) = @_;
    die "vhost_request: vhost name required\n" unless defined $vhost;
    die "vhost_request: method required\n"     unless defined $method;

    my $url = vhost_url($vhost, $path);
    my $req = HTTP::Request->new(uc $method => $url);
    while (my ($k, $v) = each %headers) {
        $req->header($k => $v);
    }
    if (defined $body) {
        $req->content($body);
        $req->header('Content-Length' => length $body)
            unless defined $req->header('Content-Length');
    }

    local $Apache::TestRequest::RedirectOK = 0;
    return _ua()->request($req);
}

sub vhost_get {
    my ($vhost, $path, %headers) = @_;
    return vhost_request($vhost, 'GET', $path, undef, %headers);
}

my $UA;
sub _ua {
    # Apache::TestRequest::user_agent() creates (once) the UA configured for
    # the test server (timeouts, CA file for https vhosts) and returns it.
    $UA ||= Apache::TestRequest::user_agent(keep_alive => 0);
    return $UA;
}

# Sends $method $path (with optional $body) to 127.0.0.1:$port with Host
# $host, as an own_httpd's tests do; %h are more request headers.
# Redirects are never followed.
sub loopback_request {
    my ($port, $host, $method, $path, $body, %h) = @_;
    my $r = HTTP::Request->new($method => "http://127.0.0.1:$port$path");
    $r->header(Host => $host);
    $r->header($_ => $h{$_}) for keys %h;
    if (defined $body) {
        $r->content($body);
        $r->header('Content-Length' => length $body);
    }
    return _ua()->simple_request($r);
}

# --------------------------------------------------------------------- XML

sub parse_xml {
    my ($content) = @_;
    die "parse_xml: no content\n" unless defined $content;
    my $parser = XML::LibXML->new(
        no_network      => 1,
        load_ext_dtd    => 0,
        expand_entities => 0,
    );
    return $parser->load_xml(string => $content);
}

# -------------------------------------------------------------- configtest

sub _free_port {
    my $sock = IO::Socket::INET->new(
        LocalAddr => '127.0.0.1', LocalPort => 0, Proto => 'tcp', Listen => 1,
    ) or die "cannot find a free port: $!\n";
    my $port = $sock->sockport;
    close $sock;
    return $port;
}

# A port of 127.0.0.1 that nothing listens on (for a server the test starts).
sub free_port { return _free_port() }

sub _httpd {
    my $httpd = eval { Apache::Test::vars('httpd') };
    return $httpd && -x $httpd ? $httpd : '/usr/sbin/apache2';
}

# A complete temporary config: ServerRoot/PidFile/ErrorLog and one Listen
# per port in a temp dir under t/, Include t/conf/httpd-base.conf,
# LoadModule of our .so, then $snippet, in which @PORT0@, @PORT1@ ... stand
# for the ports.  Returns ($dir, $file, \@ports).
sub _write_conf {
    my ($snippet, $nports) = @_;
    $snippet = '' unless defined $snippet;
    $nports ||= 1;

    my $so = module_so();
    die "configtest: $so not found; run 'make -f Makefile.apxs'\n"
        unless -e $so;

    my $tmp_base = File::Spec->catdir($TOP_DIR, 't', 'tmp');
    File::Path::make_path($tmp_base);
    my $dir = File::Temp::tempdir('configtest-XXXXXX',
                                  DIR => $tmp_base, CLEANUP => 1);
    my $base = File::Spec->catfile($TOP_DIR, 't', 'conf', 'httpd-base.conf');
    my $docroot = File::Spec->catdir($TOP_DIR, 't', 'htdocs');
    my @ports = map { _free_port() } 1 .. $nports;
    my $listen = join '', map { "Listen 127.0.0.1:$_\n" } @ports;

    my $conf = <<"EOC";
ServerRoot "$dir"
DefaultRuntimeDir "$dir"
PidFile "$dir/httpd.pid"
ErrorLog "$dir/error_log"
LogLevel info
${listen}ServerName localhost
DocumentRoot "$docroot"
Include "$base"
LoadModule mailautoconf_module "$so"
EOC
    if ($> == 0) {
        my ($user, $gid) = (getpwnam('nobody'))[0, 3];
        if (defined $user) {
            my $group = getgrgid($gid) // "#$gid";
            $conf .= "User $user\nGroup $group\n";
        }
    }
    $snippet =~ s/\@PORT(\d+)\@/$ports[$1] \/\/ die "no port $1\n"/ge;
    $conf .= "# ---- snippet ----\n$snippet\n";

    my $file = File::Spec->catfile($dir, 'httpd.conf');
    open my $fh, '>', $file or die "write $file: $!\n";
    print $fh $conf;
    close $fh or die "write $file: $!\n";
    return ($dir, $file, \@ports);
}

# Runs httpd with @args on $file; returns (exit_status, stdout+stderr).
sub _run_httpd {
    my ($dir, $file, @args) = @_;
    my $httpd = _httpd();
    my $pid = open(my $out, '-|') // die "fork: $!\n";
    if (!$pid) {
        open STDERR, '>&', \*STDOUT or die "dup: $!\n";
        exec $httpd, @args, '-f', $file, '-d', $dir
            or do { print "exec $httpd: $!\n"; POSIX::_exit(127) };
    }
    my $output = do { local $/; <$out> };
    close $out;
    return ($? >> 8, defined $output ? $output : '');
}

# Runs "httpd -t" on a complete temporary config (see _write_conf).
# Returns (exit_status, combined stdout+stderr).
sub configtest {
    my ($snippet) = @_;
    my ($dir, $file) = _write_conf($snippet, 1);
    return _run_httpd($dir, $file, '-t');
}

# A server of its own, for layouts the shared test server cannot have
# (settings in its main server, many virtual hosts, several ports):
#   my $h = own_httpd($snippet, 2);     # @PORT0@, @PORT1@ in $snippet
#   $h->{ports}[0]; $h->{error_log}; $h->{conf}
#   $h->stop;                           # also when $h goes out of scope
# Dies when it does not start within 10 seconds.
sub own_httpd {
    my ($snippet, $nports) = @_;
    my ($dir, $file, $ports) = _write_conf($snippet, $nports);
    my ($status, $out) = _run_httpd($dir, $file, '-k', 'start');
    die "own_httpd: httpd -k start failed ($status): $out\n" if $status;
    my $self = bless { dir => $dir, conf => $file, ports => $ports,
                       error_log => "$dir/error_log" }, 'MailAutoconfTest::Own';
    for my $port (@$ports) {
        my $deadline = time + 10;
        until (IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                     PeerPort => $port, Proto => 'tcp')) {
            if (time > $deadline) {
                $self->stop;
                die "own_httpd: nothing listens on $port after 10 s\n";
            }
            select undef, undef, undef, 0.05;
        }
    }
    # Startup messages are complete once httpd says it resumes.
    my $deadline = time + 10;
    until ($self->error_log =~ /resuming normal operations/) {
        if (time > $deadline) {
            $self->stop;
            die "own_httpd: httpd did not finish starting in 10 s\n";
        }
        select undef, undef, undef, 0.05;
    }
    return $self;
}

package MailAutoconfTest::Own;

sub stop {
    my ($self) = @_;
    return if $self->{stopped}++;
    MailAutoconfTest::_run_httpd($self->{dir}, $self->{conf}, '-k', 'stop');
    my $pidfile = "$self->{dir}/httpd.pid";
    my $deadline = time + 10;
    select undef, undef, undef, 0.05 while -e $pidfile && time < $deadline;
}

sub error_log {
    my ($self) = @_;
    open my $fh, '<', $self->{error_log} or return '';
    local $/;
    return scalar <$fh>;
}

sub DESTROY { $_[0]->stop }

package MailAutoconfTest;

# Expects the snippet to be rejected.  Returns (exit_status, output): the
# status is nonzero when httpd -t failed, as expected.
sub configtest_fails {
    my ($snippet) = @_;
    return configtest($snippet);
}

# Expects the snippet to be accepted.  In list context returns
# (ok, output), in scalar context ok; ok is true when httpd -t exited 0.
sub configtest_ok {
    my ($snippet) = @_;
    my ($status, $output) = configtest($snippet);
    my $ok = $status == 0 ? 1 : 0;
    return wantarray ? ($ok, $output) : $ok;
}

1;
