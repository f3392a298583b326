#!/usr/bin/perl
# SPDX-License-Identifier: Apache-2.0
# Licensed under the Apache License, Version 2.0; see LICENSE.
#
# t/dbd_setup.pl - (re)create the SQLite databases of t/conf/dbd.conf.in.
#
#   perl t/dbd_setup.pl [DIR]        (DIR defaults to t/tmp/dbd)
#
# t/dbd.t runs it before its first request (the vhosts use DBDPersist Off,
# so httpd opens the files only when a request needs them: they need not
# exist when the server starts).  It can also be run by hand.  Needs the
# sqlite3 command line tool (Debian package sqlite3); httpd needs the APR
# driver (Debian package libaprutil1-dbd-sqlite3).
#
# Every file is built under a temporary name and renamed into place, so a
# request never sees a half-made database.  The directory and the files are
# made writable for the httpd children (User nobody): SQLite wants the
# directory writable for its journal.
#
#   domains.db  vhost db_sqlite:        table domains, rows below
#   static.db   vhost db_static_and_db: table sites (no primary key:
#               several rows per domain, ordered by prio)
#   big.db      vhost db_big:           100,000 rows d000001.big.test ...
use strict;
use warnings FATAL => 'all';

use Cwd ();
use File::Basename ();
use File::Path ();
use File::Spec ();

use constant BIG_ROWS => 100_000;

my $T_DIR = Cwd::abs_path(File::Basename::dirname(__FILE__));
my $dir = shift // File::Spec->catdir($T_DIR, 'tmp', 'dbd');

sub sq { my ($s) = @_; $s =~ s/'/''/g; return "'$s'" }

# The db_sqlite rows: [domain, display_name, short_name, login_name,
# imap_host, pop3_host, smtp_host, note]; undef is NULL.
my @DOMAINS = (
    ['customer.com', 'Customer Mail', 'Customer', '%EMAILLOCALPART%',
     'mail.%EMAILDOMAIN%', undef, 'smtp.%EMAILDOMAIN%', 'overrides'],
    ['plain.org', undef, undef, undef, undef, undef, undef, 'all NULL'],
    ['empty.net', '', '', '', '', '', '', 'all empty'],
    ['pop.test', undef, undef, undef, undef, 'pop3.%EMAILDOMAIN%', undef,
     'POP3 host only'],
    ['upper.test', undef, undef, undef, 'IMAP.%EMAILDOMAIN%', undef,
     'SMTP.UPPER.TEST', 'host names in upper case'],
    ['quote.test', q{Tom's <Mail> & "Co" – Grüße}, q{T'<&>"}, undef,
     undef, undef, undef, 'markup and UTF-8 in texts'],
    ['expiry.test', 'Before', undef, undef, undef, undef, undef,
     'changed by the cache tests'],
    ['down.test', 'Down Test', undef, undef, undef, undef, undef,
     'used while the database is away'],
    ['deleted.test', 'To Be Deleted', undef, undef, undef, undef, undef,
     'deleted by the cache tests'],
    ['cached.test', 'Cached Test', undef, undef, undef, undef, undef,
     'cached before the database goes away'],
    ["x' or '1'='1", 'Injected', undef, undef, undef, undef, undef,
     'a domain that no valid request can name'],
    ['%', 'Percent', undef, undef, undef, undef, undef, 'LIKE wildcard'],
    ['badhost.test', undef, undef, undef, 'bad host!', undef, undef,
     'invalid host'],
    ['badtpl.test', undef, undef, undef, 'mail.%EMAILLOCALPART%', undef,
     undef, 'placeholder not allowed in a host'],
    ['mixedph.test', undef, undef, undef, 'imap.%EmailDomain%', undef,
     undef, 'the placeholder must be spelled %EMAILDOMAIN%'],
    ['badlogin.test', undef, undef, '%NOSUCHTHING%', undef, undef, undef,
     'invalid login template'],
    ['badname.test', "Bad\x01Name", undef, undef, undef, undef, undef,
     'control character'],
    ['longname.test', 'x' x 300, undef, undef, undef, undef, undef,
     'display name too long'],
);

# db_static_and_db: [domain, prio, label, imap]
my @SITES = (
    ['dbsite.test', 1, 'DB Site', 'imap.%EMAILDOMAIN%'],
    ['static.test', 1, 'Static From The DB', 'imap.wrong.test'],
    ['twice.test', 1, 'First Row', undef],
    ['twice.test', 2, 'Second Row', 'imap.second.test'],
);

sub values_sql {
    my ($table, @rows) = @_;
    return join '', map {
        "INSERT INTO $table VALUES ("
            . join(', ', map { defined $_ ? sq($_) : 'NULL' } @$_) . ");\n"
    } @rows;
}

my %SQL = (
    'domains.db' => "CREATE TABLE domains (\n"
        . "  domain TEXT PRIMARY KEY, display_name TEXT, short_name TEXT,\n"
        . "  login_name TEXT, imap_host TEXT, pop3_host TEXT,\n"
        . "  smtp_host TEXT, note TEXT);\n"
        . values_sql('domains', @DOMAINS),
    'static.db' => "CREATE TABLE sites (\n"
        . "  domain TEXT NOT NULL, prio INTEGER, label TEXT, imap TEXT);\n"
        . values_sql('sites', @SITES),
    'big.db' => "CREATE TABLE domains (\n"
        . "  domain TEXT PRIMARY KEY, display_name TEXT, imap_host TEXT);\n"
        . "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n\n"
        . "                        WHERE i < " . BIG_ROWS . ")\n"
        . "INSERT INTO domains SELECT printf('d%06d.big.test', i),\n"
        . "  printf('Big %d', i), printf('imap%d.big.test', i % 7) FROM n;\n",
);

sub run_sqlite {
    my ($file, $sql) = @_;
    open my $p, '|-', 'sqlite3', '-batch', '-bail', $file
        or die "dbd_setup: cannot run sqlite3 (Debian package sqlite3): $!\n";
    binmode $p;
    print $p "BEGIN;\n$sql\nCOMMIT;\n";
    close $p or die "dbd_setup: sqlite3 $file failed (status $?)\n";
}

File::Path::make_path($dir);
chmod 0777, $dir or die "dbd_setup: chmod $dir: $!\n";
for my $name (sort keys %SQL) {
    my $file = File::Spec->catfile($dir, $name);
    my $tmp = "$file.new.$$";
    unlink $tmp;
    run_sqlite($tmp, $SQL{$name});
    chmod 0666, $tmp or die "dbd_setup: chmod $tmp: $!\n";
    rename $tmp, $file or die "dbd_setup: rename $tmp: $!\n";
    unlink "$file-journal", "$file-wal", "$file-shm";
}
print "dbd_setup: made domains.db, static.db, big.db in $dir\n";
