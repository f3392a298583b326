#!/usr/bin/perl
# SPDX-License-Identifier: Apache-2.0
# Licensed under the Apache License, Version 2.0; see LICENSE.
# bench/report.pl: turn the raw rows bench/run.sh records into Markdown.
#
#   report.pl ab META.tsv AB.tsv [EC_SIGN_PER_S RSA_SIGN_PER_S]
#   report.pl soak SOAK.tsv
#   report.pl scale-rps RPS.tsv
#   report.pl db META.tsv DB.tsv MEM.tsv
#
# Only core Perl.  Reads tab-separated files with a header line; prints
# Markdown on stdout.  Medians are of the rounds; a ratio is the median of
# the per-round ratios (dynamic / static of the same round).
use strict;
use warnings;

sub read_tsv {
    my ($file) = @_;
    open my $fh, '<', $file or die "report.pl: cannot open $file: $!\n";
    my $head = <$fh>;
    chomp $head;
    my @cols = split /\t/, $head;
    my @rows;
    while (my $line = <$fh>) {
        chomp $line;
        next if $line eq '';
        my @f = split /\t/, $line, -1;
        my %r;
        @r{@cols} = @f;
        push @rows, \%r;
    }
    close $fh;
    return @rows;
}

sub median {
    my @v = sort { $a <=> $b } grep { defined && $_ ne '' } @_;
    return undef unless @v;
    my $n = @v;
    return $n % 2 ? $v[($n - 1) / 2] : ($v[$n / 2 - 1] + $v[$n / 2]) / 2;
}

sub fmt_rps { my ($v) = @_; defined $v ? sprintf('%.0f', $v) : 'n/a' }
sub fmt_ms  { my ($v) = @_; defined $v ? sprintf('%.2f', $v / 1000) : 'n/a' }
sub fmt_x   { my ($v) = @_; defined $v ? sprintf('%.2f×', $v) : 'n/a' }

sub minmax {
    my @v = sort { $a <=> $b } @_;
    return @v ? ($v[0], $v[-1]) : (undef, undef);
}

# ------------------------------------------------------------------ ab
sub report_ab {
    my ($metaf, $abf, $ec_speed, $rsa_speed) = @_;
    my @meta = read_tsv($metaf);
    my @rows = read_tsv($abf);
    my (%by, %med);

    for my $r (@rows) {
        push @{ $by{ $r->{scenario} }{ $r->{round} }{ $r->{kind} } }, $r;
    }
    print "| scenario | body bytes | dynamic req/s | static req/s | "
        . "dynamic ÷ static | target | p50 ms dyn / static | "
        . "p99 ms dyn / static | non-2xx / socket errors |\n";
    print "|---|--:|--:|--:|--:|---|--:|--:|--:|\n";
    for my $m (@meta) {
        my $s = $m->{scenario};
        my (@ratio, %v);
        my ($bad, $sock) = (0, 0);
        for my $round (sort { $a <=> $b } keys %{ $by{$s} || {} }) {
            my $d = $by{$s}{$round}{dynamic}[0];
            my $t = $by{$s}{$round}{static}[0];
            for my $k (['dynamic', $d], ['static', $t]) {
                my ($kind, $r) = @$k;
                next unless $r;
                push @{ $v{$kind}{rps} }, $r->{rps};
                push @{ $v{$kind}{p50} }, $r->{p50_us};
                push @{ $v{$kind}{p99} }, $r->{p99_us};
                $bad += $r->{non2xx};
                $sock += $r->{sockerr};
            }
            push @ratio, $d->{rps} / $t->{rps} if $d && $t && $t->{rps} > 0;
        }
        my %x = (
            drps => median(@{ $v{dynamic}{rps} || [] }),
            srps => median(@{ $v{static}{rps} || [] }),
            dp50 => median(@{ $v{dynamic}{p50} || [] }),
            sp50 => median(@{ $v{static}{p50} || [] }),
            dp99 => median(@{ $v{dynamic}{p99} || [] }),
            sp99 => median(@{ $v{static}{p99} || [] }),
            ratio => median(@ratio),
        );
        my ($rmin, $rmax) = minmax(@ratio);
        $med{$s} = \%x;
        my $target = $m->{target};
        my $tcell;
        if ($target =~ /^[0-9.]+$/) {
            my $verdict = !defined $x{ratio} ? ''
                        : $x{ratio} >= $target ? ' (met)' : ' (below)';
            $tcell = sprintf('≥ %.1f×%s', $target, $verdict);
        }
        else {
            $tcell = $target;
        }
        my $range = defined $rmin && @ratio > 1
                  ? sprintf(' [%.2f–%.2f]', $rmin, $rmax) : '';
        printf "| %s | %s | %s | %s | %s%s | %s | %s / %s | %s / %s | %d / %d |\n",
            $m->{label}, $m->{bytes}, fmt_rps($x{drps}), fmt_rps($x{srps}),
            fmt_x($x{ratio}), $range, $tcell,
            fmt_ms($x{dp50}), fmt_ms($x{sp50}),
            fmt_ms($x{dp99}), fmt_ms($x{sp99}), $bad, $sock;
    }
    print "\nRatios are the median of the per-round ratios, with their range "
        . "in brackets; req/s and latencies are medians over the rounds.\n";

    # Signing share: the time a signed profile costs beyond the unsigned one.
    my $u = $med{'mc-unsigned'};
    if ($u && $u->{drps}) {
        print "\n**Signing cost** (from the dynamic req/s above; the time per "
            . "request is that of the whole 2-core machine, wrk included):\n\n";
        print "| profile | req/s | µs per request | µs more than unsigned | "
            . "share of a signed request spent signing |\n";
        print "|---|--:|--:|--:|--:|\n";
        printf "| unsigned | %s | %.0f | – | – |\n", fmt_rps($u->{drps}),
            1e6 / $u->{drps};
        for my $k (['mc-signed-ec', 'signed, EC P-256'],
                   ['mc-signed-rsa', 'signed, RSA 2048']) {
            my $sg = $med{ $k->[0] };
            next unless $sg && $sg->{drps};
            my $extra = 1e6 / $sg->{drps} - 1e6 / $u->{drps};
            printf "| %s | %s | %.0f | %.0f | %.0f%% |\n", $k->[1],
                fmt_rps($sg->{drps}), 1e6 / $sg->{drps}, $extra,
                100 * (1 - $sg->{drps} / $u->{drps});
        }
        if ($ec_speed && $rsa_speed) {
            printf "\nFor scale, `openssl speed` on one core of this machine: "
                . "ECDSA P-256 %.0f signatures/s (%.0f µs each), RSA 2048 "
                . "%.0f signatures/s (%.0f µs each).\n",
                $ec_speed, 1e6 / $ec_speed, $rsa_speed, 1e6 / $rsa_speed;
        }
    }

    # Every round, for the record.
    print "\n<details><summary>Every round</summary>\n\n";
    print "| scenario | round | kind | req/s | p50 ms | p90 ms | p99 ms | "
        . "p99.9 ms | requests | non-2xx | bad length | socket errors |\n";
    print "|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n";
    for my $r (@rows) {
        printf "| %s | %d | %s | %s | %s | %s | %s | %s | %d | %d | %d | %d |\n",
            $r->{scenario}, $r->{round}, $r->{kind}, fmt_rps($r->{rps}),
            fmt_ms($r->{p50_us}), fmt_ms($r->{p90_us}), fmt_ms($r->{p99_us}),
            fmt_ms($r->{p999_us}), $r->{requests}, $r->{non2xx},
            $r->{badlen}, $r->{sockerr};
    }
    print "\n</details>\n";
}

# ---------------------------------------------------------------- soak
sub report_soak {
    my ($file) = @_;
    my @rows = read_tsv($file);
    print "| after | requests | children VmRSS sum (KiB) | per child (KiB) | "
        . "children Pss sum (KiB) | parent VmRSS (KiB) | child pids |\n";
    print "|--:|--:|--:|---|--:|--:|---|\n";
    for my $r (@rows) {
        printf "| %s%% | %d | %d | %s | %d | %d | %s |\n", $r->{pct},
            $r->{requests}, $r->{rss_sum_kb}, $r->{rss_each_kb},
            $r->{pss_sum_kb}, $r->{parent_rss_kb}, $r->{pids};
    }
    # Flat after warm-up: from the first sample after load (10%) to the end.
    my @after = grep { $_->{pct} > 0 } @rows;
    return unless @after >= 2;
    my ($base, $last) = ($after[0], $after[-1]);
    my @pidsets = map { $_->{pids} } @after;
    my $same = !grep { $_ ne $pidsets[0] } @pidsets;
    my $growth = $last->{rss_sum_kb} - $base->{rss_sum_kb};
    my $pct = $base->{rss_sum_kb} ? 100 * $growth / $base->{rss_sum_kb} : 0;
    my ($lo, $hi) = minmax(map { $_->{rss_sum_kb} } @after);
    my $limit = $base->{rss_sum_kb} * 0.05;
    $limit = 4096 if $limit < 4096;
    my $flat = $growth <= $limit;
    printf "\nFrom %s%% to %s%%: children VmRSS %+d KiB (%+.1f%%), range "
        . "%d–%d KiB over the samples. Verdict: **%s** (flat means growth "
        . "within max(5%%, 4 MiB) after the first 10%% of warm-up)%s.\n",
        $base->{pct}, $last->{pct}, $growth, $pct, $lo, $hi,
        $flat ? 'flat' : 'growing',
        $same ? '; the same child processes throughout'
              : '; **the child processes changed during the run**, so the '
                . 'series mixes processes';
}

# ----------------------------------------------------------- scale-rps
sub report_scale_rps {
    my ($file) = @_;
    my @rows = read_tsv($file);
    my (%by, @order);
    for my $r (@rows) {
        my $k = "$r->{config}\t$r->{target}";
        push @order, $k unless $by{$k};
        push @{ $by{$k} }, $r;
    }
    print "| configuration | request | req/s (median) | p50 ms | p99 ms | "
        . "rounds req/s | non-2xx |\n";
    print "|---|---|--:|--:|--:|---|--:|\n";
    for my $k (@order) {
        my ($config, $target) = split /\t/, $k;
        my @r = @{ $by{$k} };
        my $bad = 0;
        $bad += $_->{non2xx} for @r;
        printf "| %s | %s | %s | %s | %s | %s | %d |\n", $config, $target,
            fmt_rps(median(map { $_->{rps} } @r)),
            fmt_ms(median(map { $_->{p50_us} } @r)),
            fmt_ms(median(map { $_->{p99_us} } @r)),
            join(', ', map { fmt_rps($_->{rps}) } @r), $bad;
    }
}

# ------------------------------------------------------------------ db
sub report_db {
    my ($metaf, $dbf, $memf) = @_;
    my @meta = read_tsv($metaf);
    my @rows = read_tsv($dbf);
    my %by;
    for my $r (@rows) {
        $by{ $r->{scenario} }{ $r->{round} }{ $r->{side} } = $r;
    }
    print "| scenario | domains in rotation | answer | database req/s | "
        . "directive req/s | static file req/s | database ÷ directive | "
        . "database ÷ static | p50 ms db / dir / static | "
        . "p99 ms db / dir / static | queries per db request | "
        . "errors / socket errors |\n";
    print "|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n";
    for my $m (@meta) {
        my $s = $m->{scenario};
        my (%v, @r_dir, @r_sta);
        my ($bad, $sock, $q, $qreq, $qknown) = (0, 0, 0, 0, 1);
        for my $round (sort { $a <=> $b } keys %{ $by{$s} || {} }) {
            my $x = $by{$s}{$round};
            for my $side (qw(db directive static)) {
                my $r = $x->{$side} or next;
                push @{ $v{$side}{rps} }, $r->{rps};
                push @{ $v{$side}{p50} }, $r->{p50_us};
                push @{ $v{$side}{p99} }, $r->{p99_us};
                $bad += $r->{non2xx} + $r->{badlen};
                $sock += $r->{sockerr};
            }
            if (my $d = $x->{db}) {
                if ($d->{queries} eq '-' || $d->{queries} eq '') { $qknown = 0 }
                else { $q += $d->{queries}; $qreq += $d->{requests} }
                push @r_dir, $d->{rps} / $x->{directive}{rps}
                    if $x->{directive} && $x->{directive}{rps} > 0;
                push @r_sta, $d->{rps} / $x->{static}{rps}
                    if $x->{static} && $x->{static}{rps} > 0;
            }
        }
        my $med = sub { median(@{ $v{ $_[0] }{ $_[1] } || [] }) };
        my $ratio = sub {
            my @r = @_;
            my ($lo, $hi) = minmax(@r);
            return fmt_x(median(@r))
                . (@r > 1 ? sprintf(' [%.2f–%.2f]', $lo, $hi) : '');
        };
        printf "| %s | %s | %s bytes, %s | %s | %s | %s | %s | %s | "
            . "%s / %s / %s | %s / %s / %s | %s | %d / %d |\n",
            $m->{label}, $m->{domains}, $m->{bytes}, $m->{status},
            fmt_rps($med->('db', 'rps')), fmt_rps($med->('directive', 'rps')),
            fmt_rps($med->('static', 'rps')), $ratio->(@r_dir),
            $ratio->(@r_sta),
            fmt_ms($med->('db', 'p50')), fmt_ms($med->('directive', 'p50')),
            fmt_ms($med->('static', 'p50')),
            fmt_ms($med->('db', 'p99')), fmt_ms($med->('directive', 'p99')),
            fmt_ms($med->('static', 'p99')),
            ($qknown && $qreq ? sprintf('%.3f (%d)', $q / $qreq, $q) : 'n/a'),
            $bad, $sock;
    }
    print "\nRatios are the median of the per-round ratios, with their range "
        . "in brackets; req/s and latencies are medians over the rounds. "
        . "\"queries per db request\": the module's queries (counted by "
        . "PostgreSQL's pg_stat_statements, or with SQLite by the module: "
        . "\"database_queries\" on its status page) over the database side's "
        . "measured runs, divided by its requests, and their number in "
        . "brackets.\n";

    if ($memf && -f $memf) {
        my @mem = read_tsv($memf);
        print "\n**Memory of the two children** (VmRSS counts pages shared "
            . "with the parent in each child; Pss shares them out):\n\n";
        print "| when | children VmRSS MiB | children Pss MiB | per child "
            . "VmRSS MiB | parent VmRSS MiB |\n";
        print "|---|--:|--:|---|--:|\n";
        for my $r (@mem) {
            printf "| %s | %.1f | %.1f | %s | %.1f |\n", $r->{point},
                $r->{kids_rss_kb} / 1024, $r->{kids_pss_kb} / 1024,
                join(' + ', map { sprintf '%.1f', $_ / 1024 }
                            split / /, $r->{kids_each_kb}),
                $r->{parent_rss_kb} / 1024;
        }
    }

    print "\n<details><summary>Every round</summary>\n\n";
    print "| scenario | round | side | req/s | p50 ms | p90 ms | p99 ms | "
        . "p99.9 ms | requests | db queries | unexpected status | "
        . "bad length | socket errors |\n";
    print "|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n";
    for my $r (@rows) {
        printf "| %s | %d | %s | %s | %s | %s | %s | %s | %d | %s | %d | %d | %d |\n",
            $r->{scenario}, $r->{round}, $r->{side}, fmt_rps($r->{rps}),
            fmt_ms($r->{p50_us}), fmt_ms($r->{p90_us}), fmt_ms($r->{p99_us}),
            fmt_ms($r->{p999_us}), $r->{requests}, $r->{queries},
            $r->{non2xx}, $r->{badlen}, $r->{sockerr};
    }
    print "\n</details>\n";
}

my $mode = shift @ARGV // '';
if ($mode eq 'ab')            { report_ab(@ARGV) }
elsif ($mode eq 'soak')       { report_soak(@ARGV) }
elsif ($mode eq 'scale-rps')  { report_scale_rps(@ARGV) }
elsif ($mode eq 'db')         { report_db(@ARGV) }
else { die "usage: report.pl ab|soak|scale-rps|db FILES...\n" }
