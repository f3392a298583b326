#!/usr/bin/perl
# SPDX-License-Identifier: Apache-2.0
# Licensed under the Apache License, Version 2.0; see LICENSE.
#
# bench/readme.pl: README.md's performance figures, made from
# bench/results.md.
#
#   perl bench/readme.pl            rewrite the block between
#                                   <!-- bench-figures:begin --> and
#                                   <!-- bench-figures:end --> in README.md
#   perl bench/readme.pl --check    exit 1 (and say what differs) when that
#                                   block is not what results.md gives
#   --results FILE, --readme FILE   other files than bench/results.md and
#                                   README.md (for the tests)
#
# bench/run.sh runs it after each mode; t/docs.t runs --check, so the
# README cannot disagree with the measurements.  The figures: the ratio of
# every A/B answer and its target, the signing cost, the startup and memory
# of the scale runs, apache2 -t with inheriting virtual hosts, and the
# growth in the soaks.  A section missing from
# results.md leaves its sentence out.
use strict;
use warnings;
use utf8;
binmode STDOUT, ":encoding(UTF-8)";

use File::Basename ();
use File::Spec ();

my $TOP = File::Spec->catdir(File::Basename::dirname(File::Spec->rel2abs(__FILE__)), File::Spec->updir);
my $RESULTS = File::Spec->catfile($TOP, 'bench', 'results.md');
my $README = File::Spec->catfile($TOP, 'README.md');
my $BEGIN = '<!-- bench-figures:begin -->';
my $END = '<!-- bench-figures:end -->';

my $check = 0;
while (@ARGV) {
    my $a = shift @ARGV;
    if ($a eq '--check') { $check = 1 }
    elsif ($a eq '--results' && @ARGV) { $RESULTS = shift @ARGV }
    elsif ($a eq '--readme' && @ARGV) { $README = shift @ARGV }
    else { die "usage: perl bench/readme.pl [--check] [--results FILE] [--readme FILE]\n" }
}

sub slurp {
    my ($f) = @_;
    open my $fh, '<:encoding(UTF-8)', $f or die "$f: $!\n";
    local $/;
    return scalar <$fh>;
}

# The text of results.md's section NAME (without its markers), or undef.
sub section {
    my ($text, $name) = @_;
    return $text =~ /<!-- bench:\Q$name\E:begin -->\n(.*?)<!-- bench:\Q$name\E:end -->/s ? $1 : undef;
}

# The rows of the first Markdown table whose header starts with FIRST, as
# hashes keyed by the header cells.
sub table {
    my ($text, $first) = @_;
    my @lines = split /\n/, $text // '';
    for my $i (0 .. $#lines) {
        next unless $lines[$i] =~ /^\|\s*\Q$first\E\s*\|/;
        my @head = cells($lines[$i]);
        my @rows;
        for my $l (@lines[$i + 2 .. $#lines]) {
            last unless $l =~ /^\|/;
            my @c = cells($l);
            push @rows, { map { $head[$_] => $c[$_] } 0 .. $#head };
        }
        return @rows;
    }
    return;
}

sub cells {
    my ($line) = @_;
    $line =~ s/^\|\s*//;
    $line =~ s/\s*\|\s*$//;
    return split /\s*\|\s*/, $line, -1;
}

sub bullet {
    my ($text, $name) = @_;
    return $text =~ /^- \Q$name\E: ([^\n]*)/m ? $1 : undef;
}

sub figures {
    my ($results) = @_;
    my @out;

    my $ab = section($results, 'ab');
    if (defined $ab) {
        my ($commit) = (bullet($ab, 'Module') // '') =~ /sources of commit (\w+)/;
        my ($command) = (bullet($ab, 'Command') // '') =~ /^`([^`]+)`/;
        my ($machine) = (bullet($ab, 'Machine') // '') =~ /^([^,]+)/;
        my ($httpd, $ssl) = (bullet($ab, 'Software') // '') =~ /^([^,]+),.*?;\s*(OpenSSL [^;]+)/;
        push @out, "Measured at commit " . ($commit // '?') . " on "
                 . join(', ', grep { defined } $machine, $httpd, $ssl)
                 . " (`" . ($command // 'bash bench/run.sh') . "`; every figure below comes from"
                 . " [`bench/results.md`](bench/results.md) through"
                 . " `bench/readme.pl`):", '';
        push @out, '| answer | module ÷ static file | target |', '|---|--:|---|';
        for my $r (table($ab, 'scenario')) {
            my ($ratio) = ($r->{'dynamic ÷ static'} // '') =~ /^(\S+×)/;
            (my $target = $r->{target} // '') =~ s/\s*\((?:met|not met)\)$//;
            push @out, "| $r->{scenario} | " . ($ratio // '?') . " | $target |";
        }
        my %sign = map { $_->{profile} => $_ } table($ab, 'profile');
        my ($ec, $rsa) = @sign{'signed, EC P-256', 'signed, RSA 2048'};
        if ($ec && $rsa) {
            push @out, '', "Signing: a profile signed with an EC P-256 key takes"
                . " $ec->{'µs more than unsigned'} µs more machine time per request than an"
                . " unsigned one ($ec->{'share of a signed request spent signing'} of the"
                . " signed request), with an RSA 2048 key $rsa->{'µs more than unsigned'} µs"
                . " ($rsa->{'share of a signed request spent signing'}).";
            if ($ab =~ /ECDSA P-256 \d+ signatures\/s \((\d+) µs each\), RSA 2048 \d+ signatures\/s \((\d+) µs each\)/) {
                $out[-1] .= " One signature alone, in `openssl speed` on one core: ECDSA P-256 $1 µs,"
                          . " RSA 2048 $2 µs.";
            }
        }
    }

    my $scale = section($results, 'scale');
    if (defined $scale) {
        my @run = table($scale, 'configuration | started');
        my ($a) = grep { ($_->{configuration} // '') =~ /^\(a\)/ } @run;
        my ($b) = grep { ($_->{configuration} // '') =~ /^\(b\)/ } @run;
        my ($c) = grep { ($_->{configuration} // '') =~ /^\(control\)/ } @run;
        if ($a && $b && $c) {
            my ($na) = $a->{configuration} =~ /(\d+) domains/;
            my ($nb) = $b->{configuration} =~ /(\d+) virtual hosts/;
            push @out, '', "Scale: with $na domains in one virtual host the server answers"
                . " $a->{'answers after s'} s after launch, with $a->{'parent VmRSS'} MiB in the"
                . " parent; with $nb virtual hosts $b->{'answers after s'} s and"
                . " $b->{'parent VmRSS'} MiB (the same virtual hosts without mail directives:"
                . " $c->{'answers after s'} s and $c->{'parent VmRSS'} MiB).";
        }
    }

    my $db = section($results, 'db-sqlite');
    if (defined $db) {
        my %target = ('known domain, cache warm' => '≥ 0.95×',
                      'known domain, cache cold (every request a different domain)' => '≥ 0.7×');
        my @rows = table($db, 'scenario');
        if (@rows) {
            my ($command) = (bullet($db, 'Command') // '') =~ /^`([^`]+)`/;
            push @out, '', "Database domains (SQLite, `" . ($command // 'bash bench/run.sh --db')
                . "`), against the same domains in `MailAutoconfDomain`:", '',
                '| answer | database ÷ directive | target |', '|---|--:|---|';
            for my $r (@rows) {
                my ($ratio) = ($r->{'database ÷ directive'} // '') =~ /^(\S+×)/;
                push @out, "| $r->{scenario} | " . ($ratio // '?') . " | "
                    . ($target{ $r->{scenario} } // '—') . " |";
            }
        }
        my $q = bullet($db, 'Database queries per domain');
        my ($qn, $qd) = ($q // '') =~ /then run (\d+) queries \(([\d.]+) per domain/;
        my ($names) = ($q // '') =~ /about (\d+) different domains/;
        push @out, '', "Queries: $qd per domain for the machine's two children ($qn queries"
            . " for $names domains); the warm runs make none." if defined $qd;
        my $m = bullet($db, 'Memory per cached domain') // '';
        my ($shm) = $m =~ /room for [\d,]+ domains, (\d+) bytes each/;
        my ($front) = $m =~ /about (\d+) bytes per domain/;
        my @kv = map { my $k = $_; (bullet($db, "Memory per cached domain in $k") // '') =~ /^(\d+)/
                        ? "$k $1" : () } qw(memcache redis);
        push @out, '', "Memory per cached domain: $shm bytes of the default shmcb's shared"
            . " memory, about $front bytes in each child's front cache"
            . (@kv ? '; ' . join(', ', map { "$_ bytes" } @kv) . ' in the cache server' : '')
            . '.' if defined $shm && defined $front;
    }

    my $layouts = section($results, 'layouts');
    if (defined $layouts) {
        my @t = table($layouts, 'configuration | virtual hosts');
        my ($zero) = grep { ($_->{configuration} // '') !~ /control/
                            && ($_->{'virtual hosts'} // '') eq '0' } @t;
        my ($many) = grep { ($_->{configuration} // '') !~ /control/
                            && ($_->{'virtual hosts'} // '') eq '1000' } @t;
        if ($zero && $many) {
            my ($nd) = $many->{configuration} =~ /(\d+) domains/;
            push @out, '', "Inheriting virtual hosts: with $nd domains in the main server,"
                . " `apache2 -t` takes $zero->{'wall time s'} s and $zero->{'peak RSS MiB'} MiB;"
                . " with 1000 virtual hosts that inherit them, $many->{'wall time s'} s and"
                . " $many->{'peak RSS MiB'} MiB (the documents are built once and shared).";
        }
    }

    my @soaks;
    for my $name (qw(soak soak-only)) {
        my $s = section($results, $name) // next;
        my ($n) = $s =~ /^## Memory: (\d+) mixed requests/m;
        my ($growth, $verdict) = $s =~ /From 10% to 100%: children VmRSS (\S+ KiB \([^)]*\)),.*?Verdict: \*\*(\w+)\*\*/;
        push @soaks, "$growth over $n mixed requests ($verdict)" if $n && $growth;
    }
    if (@soaks) {
        push @out, '', 'Memory: from the end of the first tenth (warm-up) to the end of a soak,'
            . ' the children\'s resident size changed by ' . join(' and by ', @soaks) . '.';
    }
    return join("\n", @out) . "\n";
}

my $results = slurp($RESULTS);
my $readme = slurp($README);
my $block = figures($results);
$readme =~ /\Q$BEGIN\E\n(.*?)\Q$END\E/s
    or die "README.md has no $BEGIN ... $END block\n";
my $now = $1;

if ($check) {
    if ($now eq $block) {
        print "README.md agrees with bench/results.md\n";
        exit 0;
    }
    my @a = split /\n/, $now;
    my @b = split /\n/, $block;
    for my $i (0 .. ($#a > $#b ? $#a : $#b)) {
        my ($x, $y) = ($a[$i] // '', $b[$i] // '');
        next if $x eq $y;
        print "README.md line of the figures block differs from bench/results.md:\n"
            . "  README:  $x\n  results: $y\n";
    }
    print "run: perl bench/readme.pl\n";
    exit 1;
}
if ($now ne $block) {
    $readme =~ s/\Q$BEGIN\E\n.*?\Q$END\E/$BEGIN\n$block$END/s;
    open my $fh, '>:encoding(UTF-8)', $README or die "$README: $!\n";
    print $fh $readme;
    close $fh or die "$README: $!\n";
    print "README.md: figures updated from bench/results.md\n";
}
else {
    print "README.md: figures already agree with bench/results.md\n";
}
