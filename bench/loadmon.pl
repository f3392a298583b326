#!/usr/bin/perl
# SPDX-License-Identifier: Apache-2.0
# Licensed under the Apache License, Version 2.0; see LICENSE.
# bench/loadmon.pl: how busy the machine is with work that is not the
# benchmark's, while bench/run.sh runs.
#
#   loadmon.pl sample OURPID OUT [INTERVAL] [EXTRA_PIDFILE]
#       Every INTERVAL seconds (default 5) until killed, append one line to
#       OUT: "T<TAB>FOREIGN<TAB>TOP" where FOREIGN is the CPU time used by
#       processes that are neither OURPID nor its descendants (nor the
#       descendants of the PID in EXTRA_PIDFILE, e.g. a PostgreSQL
#       postmaster the benchmark started), in cores (0 to the number of
#       CPUs), and TOP the three busiest such commands as "name=cores,...".
#   loadmon.pl once OURPID SECONDS
#       Print the foreign load over the next SECONDS, as one line like
#       those of OUT.
#   loadmon.pl summary OUT
#       One line of Markdown about the samples: mean and maximum foreign
#       load, and the commands that took the most CPU.
#
# Reads /proc only; core Perl only.
use strict;
use warnings;

my $HZ = 100;    # USER_HZ; Linux reports /proc/*/stat times in it
if (open my $g, '-|', 'getconf', 'CLK_TCK') {
    my $v = <$g>;
    close $g;
    $HZ = $1 if defined $v && $v =~ /^(\d+)/ && $1 > 0;
}

sub snapshot {
    my %p;
    opendir my $d, '/proc' or return {};
    for my $pid (grep { /^\d+$/ } readdir $d) {
        open my $f, '<', "/proc/$pid/stat" or next;
        my $line = <$f>;
        close $f;
        next unless defined $line && $line =~ /^\d+ \((.*)\) (.*)$/s;
        my $comm = $1;
        # Fields from the state on: ppid is the 2nd, utime the 12th,
        # stime the 13th, starttime the 20th (stat(5) numbers 4, 14, 15, 22).
        my @f = split ' ', $2;
        next unless @f >= 20;
        $comm =~ s/[-\/].*// if $comm =~ /^kworker/;   # kworker/u8:1-events...
        $p{$pid} = { comm => $comm, ppid => $f[1], cpu => $f[11] + $f[12],
                     start => $f[19] };
    }
    closedir $d;
    return \%p;
}

sub descendants {
    my ($snap, @roots) = @_;
    my %kids;
    push @{ $kids{ $snap->{$_}{ppid} } }, $_ for keys %$snap;
    my %ours;
    my @todo = grep { defined && /^\d+$/ } @roots;
    while (defined(my $p = shift @todo)) {
        next if $ours{$p}++;
        push @todo, @{ $kids{$p} || [] };
    }
    return \%ours;
}

sub read_pidfile {
    my ($f) = @_;
    return undef unless $f && open my $fh, '<', $f;
    my $v = <$fh>;
    close $fh;
    return defined $v && $v =~ /^(\d+)/ ? $1 : undef;
}

# The foreign CPU between two snapshots: (cores, "name=cores,...").
sub foreign {
    my ($prev, $cur, $secs, $ourpid, $extra) = @_;
    my $ours = descendants($cur, $ourpid, read_pidfile($extra));
    my (%by, $foreign);
    for my $pid (keys %$cur) {
        next if $ours->{$pid} || $pid == $$;
        my $before = $prev->{$pid};
        # A process that started during the interval: all of its time.
        my $d = $cur->{$pid}{cpu}
              - ($before && $before->{start} == $cur->{$pid}{start}
                 ? $before->{cpu} : 0);
        next if $d <= 0;
        $by{ $cur->{$pid}{comm} } += $d;
        $foreign += $d;
    }
    my $span = $secs * $HZ;
    my @top = grep { defined && $by{$_} >= 0.01 * $span }
              (sort { $by{$b} <=> $by{$a} } keys %by)[0 .. 2];
    return (($foreign || 0) / $span,
            join ',', map { sprintf '%s=%.2f', $_, $by{$_} / $span } @top);
}

sub sample {
    my ($ourpid, $out, $interval, $extra) = @_;
    $interval ||= 5;
    my $prev = snapshot();
    my $t0 = time;
    while (1) {
        sleep $interval;
        my $cur = snapshot();
        my ($load, $top) = foreign($prev, $cur, $interval, $ourpid, $extra);
        if (open my $o, '>>', $out) {
            printf $o "%d\t%.3f\t%s\n", time - $t0, $load, $top;
            close $o;
        }
        $prev = $cur;
    }
}

sub once {
    my ($ourpid, $secs) = @_;
    $secs ||= 5;
    my $prev = snapshot();
    sleep $secs;
    my ($load, $top) = foreign($prev, snapshot(), $secs, $ourpid);
    printf "%.3f\t%s\n", $load, $top;
}

sub summary {
    my ($out) = @_;
    my ($n, $sum, $max, %by) = (0, 0, 0);
    if (open my $f, '<', $out) {
        while (<$f>) {
            chomp;
            my ($t, $load, $top) = split /\t/;
            next unless defined $load;
            $n++;
            $sum += $load;
            $max = $load if $load > $max;
            for (split /,/, $top // '') {
                $by{$1} += $2 if /^(.*)=([\d.]+)$/;
            }
        }
        close $f;
    }
    unless ($n) {
        print "no samples\n";
        return;
    }
    my @top = grep { defined && $by{$_} / $n >= 0.02 }
               (sort { $by{$b} <=> $by{$a} } keys %by)[0 .. 3];
    printf "other processes used %.2f cores on average, %.2f at most "
        . "(%d samples)%s\n", $sum / $n, $max, $n,
        @top ? '; mostly ' . join(', ', map {
            sprintf '`%s` %.2f', $_, $by{$_} / $n } @top) : '';
}

my $mode = shift @ARGV // '';
if ($mode eq 'sample')     { sample(@ARGV) }
elsif ($mode eq 'once')    { once(@ARGV) }
elsif ($mode eq 'summary') { summary(@ARGV) }
else { die "usage: loadmon.pl sample OURPID OUT [INTERVAL] [PIDFILE] | "
         . "once OURPID SECONDS | summary OUT\n" }
