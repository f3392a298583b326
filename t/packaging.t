# SPDX-License-Identifier: Apache-2.0
# Licensed under the Apache License, Version 2.0; see LICENSE.
# Installation: "make -f Makefile.apxs install DESTDIR=..." puts the module
# under apxs' LIBEXECDIR and mailautoconf.load/.conf under
# SYSCONFDIR/mods-available, and the .load line loads the installed file.
# With CI set and as root, also scripts/packaging-check.sh: the real
# install, a2enmod, the example site, apache2ctl configtest, and the
# machine left as it was found.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use MailAutoconfTest qw(top_dir module_so);
use Digest::SHA ();
use File::Find ();
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
