# SPDX-License-Identifier: Apache-2.0
# Licensed under the Apache License, Version 2.0; see LICENSE.
# Installation: "make -f Makefile.apxs install DESTDIR=..." puts the module
# under apxs' LIBEXECDIR and mailautoconf.load/.conf under
# SYSCONFDIR/mods-available, and the .load line loads the installed file.
# With an apxs that answers as Fedora's (SBINDIR/TARGET /usr/sbin/httpd,
# conf.modules.d): httpd and the paths come from it, and the install
# writes conf.modules.d/10-mailautoconf.conf.  -Werror only with WERROR=1.
# With CI set and as root, also scripts/packaging-check.sh: the real
# install, a2enmod, the example site, apache2ctl configtest, and the
# machine left as it was found.  debian/ (the Debian package, which
# scripts/deb-check.sh builds and installs in CI): the files it names
# exist, and its version goes with MAILAUTOCONF_VERSION and the README.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use MailAutoconfTest qw(top_dir module_so);
use Digest::SHA ();
use File::Find ();
use File::Path ();
use File::Spec ();
use File::Temp ();

my $TOP = top_dir();
my $APXS = eval { Apache::Test::vars('apxs') } || '/usr/bin/apxs';
$APXS = '/usr/bin/apxs' unless -x $APXS;

sub apxs_q {
    my ($var) = @_;
    my $v = `"$APXS" -q $var 2>/dev/null`;
    chomp $v if defined $v;
    return $v;
}

sub sha { my $d = Digest::SHA->new(256); $d->addfile($_[0]); $d->hexdigest }

sub run_cmd {
    my (@cmd) = @_;
    my $pid = open(my $out, '-|') // die "fork: $!\n";
    if (!$pid) {
        open STDERR, '>&', \*STDOUT or die "dup: $!\n";
        open STDIN, '<', '/dev/null';
        chdir $TOP or die "chdir $TOP: $!\n";
        exec @cmd or do { print "exec $cmd[0]: $!\n"; require POSIX; POSIX::_exit(127) };
    }
    my $text = do { local $/; <$out> } // '';
    close $out;
    return ($? >> 8, $text);
}

my $LIBEXECDIR = apxs_q('LIBEXECDIR');
my $SYSCONFDIR = apxs_q('SYSCONFDIR');
like($LIBEXECDIR // '', qr{^/}, "apxs LIBEXECDIR: $LIBEXECDIR");
like($SYSCONFDIR // '', qr{^/}, "apxs SYSCONFDIR: $SYSCONFDIR");

# ====================================================== DESTDIR install

{
    my $dest = File::Temp::tempdir('mac-destdir-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    my ($rc, $out) = run_cmd('make', '-f', 'Makefile.apxs', 'install', "DESTDIR=$dest");
    is($rc, 0, 'make install DESTDIR=... succeeds') or diag($out);

    my $so = "$dest$LIBEXECDIR/mod_mailautoconf.so";
    my $mods = "$dest$SYSCONFDIR/mods-available";
    ok(-f $so, "the module is at DESTDIR$LIBEXECDIR/mod_mailautoconf.so");
    ok(-f $so && sha($so) eq sha(module_so()), 'it is the module that was built');
    is(-e $so ? sprintf('%o', (stat $so)[2] & 07777) : '', '644', 'the module is mode 644');
    is("$SYSCONFDIR/mods-available", '/etc/apache2/mods-available',
       'the a2enmod files go to /etc/apache2/mods-available');

    for my $f (qw(mailautoconf.load mailautoconf.conf)) {
        ok(-f "$mods/$f", "$f is in DESTDIR$SYSCONFDIR/mods-available");
        ok(-f "$mods/$f" && sha("$mods/$f") eq sha(File::Spec->catfile($TOP, 'conf', $f)),
           "$f is conf/$f");
        is(-e "$mods/$f" ? sprintf('%o', (stat "$mods/$f")[2] & 07777) : '', '644', "$f is mode 644");
    }

    # Nothing else, and nothing outside DESTDIR.
    my @files;
    File::Find::find({ no_chdir => 1, wanted => sub { push @files, substr($_, length $dest) if -f $_ || -l $_ } }, $dest);
    is_deeply([sort @files], [sort("$LIBEXECDIR/mod_mailautoconf.so",
                                   "$SYSCONFDIR/mods-available/mailautoconf.conf",
                                   "$SYSCONFDIR/mods-available/mailautoconf.load")],
              'make install installs exactly these three files');

    # The .load line loads the file where install puts it.
    my $load = do { open my $fh, '<', "$mods/mailautoconf.load" or die $!; local $/; <$fh> } // '';
    my @lm = $load =~ /^\s*LoadModule\s+(\S+)\s+"?([^"\s]+)"?\s*$/mg;
    is(scalar @lm, 2, 'mailautoconf.load has one LoadModule line');
    is($lm[0], 'mailautoconf_module', 'it loads mailautoconf_module');
    is($lm[1], "$LIBEXECDIR/mod_mailautoconf.so", 'from the installed path');

    # The installed files, as a2enmod would include them (the .load with
    # its path moved under DESTDIR), make a configuration that httpd -t
    # accepts: the installed module loads and its .conf is valid.
    (my $load_here = $load) =~ s{\Q$LIBEXECDIR\E/mod_mailautoconf\.so}{$so};
    my $dir = File::Temp::tempdir('mac-load-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    my $base = File::Spec->catfile($TOP, 't', 'conf', 'httpd-base.conf');
    my $conf = File::Spec->catfile($dir, 'httpd.conf');
    open my $fh, '>', $conf or die "$conf: $!";
    print $fh qq{ServerRoot "$dir"\nDefaultRuntimeDir "$dir"\nPidFile "$dir/httpd.pid"\n},
              qq{ErrorLog "$dir/error_log"\nListen 127.0.0.1:8080\nServerName localhost\n},
              qq{Include "$base"\n$load_here},
              qq{Include "$mods/mailautoconf.conf"\n},
              qq{<VirtualHost 127.0.0.1:8080>\nServerName autoconfig.example.com\n},
              qq{MailAutoconfDomain example.com\nMailAutoconfImap imap.example.com 993 ssl\n</VirtualHost>\n};
    close $fh;
    my $httpd = eval { Apache::Test::vars('httpd') } || '/usr/sbin/apache2';
    my ($trc, $tout) = run_cmd($httpd, '-t', '-f', $conf, '-d', $dir);
    is($trc, 0, 'the installed .load/.conf with a served vhost pass httpd -t') or diag($tout);
    unlike($tout, qr/already loaded/, 'it was the installed module that loaded') or diag($tout);
}

# ============================================ other layouts (Fedora/RHEL)

# A stand-in apxs that answers -q as Fedora's does (paths under a scratch
# directory where they must exist) and hands everything else to the real
# one: the makefile must take httpd, the module directory and the
# configuration directory from it, not from Debian's fixed paths.
sub fake_apxs {
    my ($dir, %q) = @_;
    my $fake = "$dir/apxs";
    open my $fh, '>', $fake or die "$fake: $!";
    print $fh "#!/bin/sh\n",
              qq{if [ "\$1" = -q ]; then\n  case "\$2" in\n},
              map({ qq{    $_) echo '$q{$_}' ;;\n} } sort keys %q),
              qq{    *) exec "$APXS" "\$@" ;;\n  esac\n  exit 0\nfi\n},
              qq{exec "$APXS" "\$@"\n};
    close $fh;
    chmod 0755, $fake or die "chmod $fake: $!";
    return $fake;
}

{
    my $dir = File::Temp::tempdir('mac-layout-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    my %fedora = (SBINDIR => '/usr/sbin', TARGET => 'httpd',
                  LIBEXECDIR => '/usr/lib64/httpd/modules',
                  SYSCONFDIR => "$dir/etc/httpd/conf");
    my $apxs = fake_apxs($dir, %fedora);

    my ($rc, $out) = run_cmd('make', '-f', 'Makefile.apxs', '-n', 'apache-test', "APXS=$apxs");
    like($out, qr{t/TEST\.PL -apxs \Q$apxs\E -httpd /usr/sbin/httpd\b},
         'the test httpd is apxs SBINDIR/TARGET (/usr/sbin/httpd on Fedora)') or diag($out);
    ($rc, $out) = run_cmd('make', '-f', 'Makefile.apxs', '-n', 'apache-test');
    like($out, qr{ -httpd \Q@{[apxs_q('SBINDIR') . '/' . apxs_q('TARGET')]}\E\b},
         'and this system\'s: ' . apxs_q('SBINDIR') . '/' . apxs_q('TARGET')) or diag($out);

    # Fedora/RHEL: conf.modules.d next to SYSCONFDIR.
    File::Path::make_path("$dir/etc/httpd/conf", "$dir/etc/httpd/conf.modules.d");
    my $dest = "$dir/dest";
    ($rc, $out) = run_cmd('make', '-f', 'Makefile.apxs', 'install', "APXS=$apxs", "DESTDIR=$dest");
    is($rc, 0, 'make install with a Fedora layout succeeds') or diag($out);
    my $so = "$dest/usr/lib64/httpd/modules/mod_mailautoconf.so";
    my $confd = "$dest$dir/etc/httpd/conf.modules.d/10-mailautoconf.conf";
    ok(-f $so && sha($so) eq sha(module_so()), 'the module is in LIBEXECDIR (/usr/lib64/httpd/modules)');
    ok(-f $confd, 'conf.modules.d/10-mailautoconf.conf is installed');
    my $text = -f $confd ? do { open my $fh, '<', $confd or die; local $/; <$fh> } : '';
    like($text, qr{\ALoadModule mailautoconf_module /usr/lib64/httpd/modules/mod_mailautoconf\.so\n},
         'it loads the module from LIBEXECDIR');
    my @files;
    File::Find::find({ no_chdir => 1, wanted => sub { push @files, $_ if -f $_ || -l $_ } }, $dest);
    is_deeply([sort @files], [sort $so, $confd], 'nothing else is installed');

    # It makes a configuration httpd accepts (module path moved under DESTDIR).
    (my $here = $text) =~ s{/usr/lib64/httpd/modules/mod_mailautoconf\.so}{$so};
    my $conf = "$dir/httpd.conf";
    my $base = File::Spec->catfile($TOP, 't', 'conf', 'httpd-base.conf');
    open my $fh, '>', $conf or die "$conf: $!";
    print $fh qq{ServerRoot "$dir"\nDefaultRuntimeDir "$dir"\nPidFile "$dir/httpd.pid"\n},
              qq{ErrorLog "$dir/error_log"\nListen 127.0.0.1:8080\nServerName localhost\n},
              qq{Include "$base"\n$here\n};
    close $fh;
    my $httpd = eval { Apache::Test::vars('httpd') } || '/usr/sbin/apache2';
    my ($trc, $tout) = run_cmd($httpd, '-t', '-f', $conf, '-d', $dir);
    is($trc, 0, 'the conf.modules.d file passes httpd -t') or diag($tout);

    # No known layout: the module only, and the line to add.
    File::Path::remove_tree("$dir/etc/httpd/conf.modules.d", $dest);
    ($rc, $out) = run_cmd('make', '-f', 'Makefile.apxs', 'install', "APXS=$apxs", "DESTDIR=$dest");
    is($rc, 0, 'make install without a known layout succeeds') or diag($out);
    @files = ();
    File::Find::find({ no_chdir => 1, wanted => sub { push @files, $_ if -f $_ || -l $_ } }, $dest);
    is_deeply(\@files, [$so], 'it installs the module only');
    like($out, qr{add to httpd\.conf: LoadModule mailautoconf_module /usr/lib64/httpd/modules/mod_mailautoconf\.so},
         'and prints the LoadModule line');
}

# ======================================================= -Werror: opt-in

{
    local $ENV{WERROR};
    delete $ENV{WERROR};
    my ($rc, $out) = run_cmd('make', '-f', 'Makefile.apxs', '-n', '-B', 'all', 'unit');
    is($rc, 0, 'make -n -B all unit') or diag($out);
    unlike($out, qr/-Werror\b/, 'the default build does not turn warnings into errors');
    ($rc, $out) = run_cmd('make', '-f', 'Makefile.apxs', '-n', '-B', 'all', 'unit', 'WERROR=1');
    my $n = () = $out =~ /-Werror\b/g;
    my $cmds = () = $out =~ /^(?:\S*apxs -c|cc |\S*gcc )/mg;
    ok($n >= 2 && $n >= $cmds, "WERROR=1: every compile has -Werror ($n of $cmds)") or diag($out);
}

# ================================================ the Debian package
# debian/ names files that exist, and its version goes with the module's:
# the upstream part of the changelog's version is MAILAUTOCONF_VERSION.
# (scripts/deb-check.sh builds, installs and purges the package.)

sub slurp {
    my ($rel) = @_;
    open my $fh, '<', File::Spec->catfile($TOP, $rel) or return '';
    local $/;
    return <$fh> // '';
}


{
    my ($macro) = slurp('mod_mailautoconf.c') =~ /^#define\s+MAILAUTOCONF_VERSION\s+"([^"]+)"/m;
    like($macro // '', qr/^\d+\.\d+\.\d+$/, 'MAILAUTOCONF_VERSION is X.Y.Z: ' . ($macro // 'missing'));

    my ($source, $version) = slurp('debian/changelog') =~ /\A(\S+) \(([^)\s]+)\) /;
    is($source, 'libapache2-mod-mailautoconf', 'debian/changelog: source libapache2-mod-mailautoconf');
    (my $upstream = $version // '') =~ s/^\d+://;
    $upstream =~ s/-[^-]+$//;
    ok(defined $macro && $upstream eq $macro,
       "debian/changelog $upstream is MAILAUTOCONF_VERSION " . ($macro // '?'))
        or diag("debian/changelog says $version");

    like(slurp('README.md'), qr{apt-get install \./libapache2-mod-mailautoconf_\Q$upstream\E_},
         "README.md installs the package of version $upstream");

    my $control = slurp('debian/control');
    like($control, qr/^Package: libapache2-mod-mailautoconf$/m, 'debian/control builds libapache2-mod-mailautoconf');
    like($control, qr/^Depends: \$\{shlibs:Depends\}, \$\{misc:Depends\}$/m,
         'its Depends come from dpkg-shlibdeps and debhelper (dh_apache2 adds the apache2 API)');
    ok(-x File::Spec->catfile($TOP, 'debian', 'rules'), 'debian/rules is executable');
    like(slurp('debian/rules'), qr/^\tdh \$@ --with apache2$/m, 'debian/rules runs dh with apache2');

    my %listed;
    for my $f (qw(libapache2-mod-mailautoconf.apache2 libapache2-mod-mailautoconf.docs
                  libapache2-mod-mailautoconf.examples)) {
        for my $line (split /\n/, slurp("debian/$f")) {
            next if $line =~ /^\s*(#|$)/;
            my @w = split ' ', $line;
            my $path = $f =~ /\.apache2$/ ? $w[1] : $w[0];
            $listed{$path} = $f;
        }
    }
    is_deeply([sort keys %listed],
              [sort qw(.libs/mod_mailautoconf.so conf/mailautoconf.load conf/mailautoconf.conf
                       README.md conf/example-vhost.conf)],
              'debian/ installs the module, its .load/.conf, README.md and the example virtual host');
    for my $path (grep { !m{^\.libs/} } sort keys %listed) {
        ok(-f File::Spec->catfile($TOP, $path), "debian/$listed{$path}: $path exists");
    }
    my ($so) = slurp('Makefile.apxs') =~ /^SO\s*:?=\s*(\S+)\s*$/m;
    is($so, '.libs/mod_mailautoconf.so',
       'the module dh_apache2 installs is the one make -f Makefile.apxs all builds');
}

# ================================================ the real system (CI)

SKIP: {
    skip 'scripts/packaging-check.sh: only with CI set and as root', 3
        unless $ENV{CI} && $> == 0;
    for my $cmd (qw(a2enmod a2ensite apache2ctl)) {
        skip "scripts/packaging-check.sh: $cmd not found", 3
            unless grep { -x "$_/$cmd" } split /:/, ($ENV{PATH} // '') . ':/usr/sbin:/sbin';
    }
    local $ENV{PATH} = ($ENV{PATH} // '/usr/bin:/bin') . ':/usr/sbin:/sbin';
    my @watch = ("$LIBEXECDIR/mod_mailautoconf.so",
                 map({ "$SYSCONFDIR/$_" } qw(mods-available/mailautoconf.load mods-available/mailautoconf.conf
                                            mods-enabled/mailautoconf.load mods-enabled/mailautoconf.conf
                                            sites-available/mailautoconf-example.conf
                                            sites-enabled/mailautoconf-example.conf)));
    my $state = sub { join "\n", map { -l $_ ? "$_ -> " . readlink($_) : -f $_ ? "$_ " . sha($_) : "$_ absent" } @watch };
    my $before = $state->();
    my ($rc, $out) = run_cmd('bash', File::Spec->catfile($TOP, 'scripts', 'packaging-check.sh'));
    is($rc, 0, 'scripts/packaging-check.sh passes') or diag($out);
    like($out, qr/^packaging-check: OK$/m, 'packaging-check: configtest with the module and example site') or diag($out);
    is($state->(), $before, 'packaging-check: the installed files and links are as before');
}

done_testing();
