# SPDX-License-Identifier: Apache-2.0
# Licensed under the Apache License, Version 2.0; see LICENSE.
# The operator documentation against the code, without the test server:
#   - every directive in mod_mailautoconf.c's command table has a README.md
#     "### " section naming it, with Description, Syntax, Default and
#     Context lines (one section may cover a few directives);
#   - every directive appears in conf/example-vhost.conf (commented out is
#     fine);
#   - every MailAutoconf* word in README.md and conf/ is a real directive;
#   - conf/example-vhost.conf and conf/mailautoconf.conf pass "httpd -t"
#     as shipped, included in a minimal configuration with the module;
#   - LICENSE is there, and every source file (C, Perl, shell, Lua,
#     makefiles) starts with the licence header;
#   - README.md's performance figures are bench/readme.pl's rendering of
#     bench/results.md, and no timing or ratio stands outside them.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use MailAutoconfTest qw(configtest configtest_ok top_dir);
use File::Find ();
use File::Spec ();
use File::Temp ();

sub slurp {
    my ($rel) = @_;
    my $f = File::Spec->catfile(top_dir(), $rel);
    open my $fh, '<', $f or die "$f: $!\n";
    local $/;
    return scalar <$fh>;
}

my $code = slurp('mod_mailautoconf.c');
my $readme = slurp('README.md');
my $example = slurp('conf/example-vhost.conf');
my %conf_files = map { ("conf/$_" => slurp("conf/$_")) }
                 qw(example-vhost.conf mailautoconf.conf mailautoconf.load);

# ------------------------------------------------ the directives in the code

# AP_INIT_*("Name", func, info, where, "help"...)
my (@directives, %where, %help);
while ($code =~ /\bAP_INIT_\w+\(\s*"(\w+)"\s*,\s*(\w+)\s*,(.*?)\)\s*,\s*(?=AP_INIT_|\{\s*NULL)/gs) {
    my ($name, $rest) = ($1, $3);
    push @directives, $name;
    ($where{$name}) = $rest =~ /\b((?:RSRC_CONF|ACCESS_CONF|OR_\w+)(?:\s*\|\s*\w+)*)/;
    my $h = '';
    $h .= $1 while $rest =~ /"((?:\\.|[^"\\])*)"/g;
    $help{$name} = $h;
}
my $n_init = () = $code =~ /\bAP_INIT_\w+\(/g;
cmp_ok(scalar @directives, '>=', 10, 'code: directives found (' . scalar(@directives) . ')');
is(scalar @directives, $n_init, 'code: every AP_INIT_* entry parsed');
my %is_directive = map { $_ => 1 } @directives;
is(scalar keys %is_directive, scalar @directives, 'code: no directive listed twice');
ok(!grep({ !/^MailAutoconf[A-Z]\w*$/ } @directives), 'code: every directive is named MailAutoconf*');

# ------------------------------------------------------ README.md sections

# "### A, B" sections up to the next heading of level 1 to 3.
my (%section, %section_head, @dup_doc);
{
    my @parts = split /^(?=#{1,3} )/m, $readme;
    for my $part (@parts) {
        next unless $part =~ /\A### ([^\n]*)\n/;
        my $head = $1;
        my @names = $head =~ /\b(MailAutoconf\w+)\b/g;
        for my $n (@names) {
            push @dup_doc, $n if exists $section{$n};
            $section{$n} = $part;
            $section_head{$n} = $head;
        }
    }
}
ok(!@dup_doc, 'README: no directive has two sections') or diag("@dup_doc");

for my $d (@directives) {
    my $sec = $section{$d};
    ok(defined $sec, "README: a ### section names $d") or next;
    my %field;
    for my $f (qw(Description Syntax Default Context)) {
        ($field{$f}) = $sec =~ /^- \Q$f\E:[ \t]*(\S[^\n]*)$/m;
    }
    my @missing = grep { !defined $field{$_} } qw(Description Syntax Default Context);
    ok(!@missing, "README $d: Description, Syntax, Default and Context lines")
        or diag("section '### $section_head{$d}' lacks: @missing");
    if (defined $field{Syntax}) {
        my @named = grep { $field{Syntax} =~ /\b\Q$_\E\b/ } $section_head{$d} =~ /\b(MailAutoconf\w+)\b/g;
        ok(scalar @named, "README $d: the Syntax line spells out a directive of its section");
    }
    if (defined $field{Context} && ($where{$d} // '') =~ /RSRC_CONF/) {
        like($field{Context}, qr/server config.*virtual host/,
             "README $d: Context says server config, virtual host (RSRC_CONF)");
    }
    # The default the code's help text gives, in the Default line.
    if (defined $field{Default} && $help{$d} =~ /\(?\bdefault ([^\s,;)]+)/) {
        my $def = $1;
        like($field{Default}, qr/\Q$def\E/i, "README $d: Default mentions '$def', as the code's help does");
    }
}

# ------------------------------------------------ conf/example-vhost.conf

for my $d (@directives) {
    like($example, qr/^[ \t]*(?:#[ \t]*)?\Q$d\E[ \t]/m,
         "conf/example-vhost.conf: $d appears (maybe commented out)");
}

# ------------------------------------------------------------ no stale docs

for my $file ('README.md', sort keys %conf_files) {
    my $text = $file eq 'README.md' ? $readme : $conf_files{$file};
    my %seen;
    my @stale = grep { !$is_directive{$_} && !$seen{$_}++ } $text =~ /\b(MailAutoconf\w+)/g;
    ok(!@stale, "$file: every MailAutoconf* word is a directive of the code")
        or diag("not in the code: @stale");
}

# The handler names the README mentions exist.
{
    my %seen;
    my @handlers = grep { !$seen{$_}++ } $readme =~ /\b(mailautoconf-[a-z-]+[a-z])\b/g;
    my @unknown = grep { $_ ne 'mailautoconf-client' && $code !~ /"\Q$_\E"/ } @handlers;
    ok(!@unknown, 'README: every mailautoconf-* handler or note it names is in the code')
        or diag("@unknown");
}

# ------------------------------------------------------ the files as shipped

{
    my $file = File::Spec->catfile(top_dir(), 'conf', 'example-vhost.conf');
    my ($ok, $out) = configtest_ok(qq{Include "$file"});
    ok($ok, 'conf/example-vhost.conf passes httpd -t as shipped') or diag($out);
    unlike($out, qr/\bMAC\d{5}\b/, 'conf/example-vhost.conf: no warning from the module') or diag($out);
}
{
    my $file = File::Spec->catfile(top_dir(), 'conf', 'mailautoconf.conf');
    my ($ok, $out) = configtest_ok(qq{Include "$file"});
    ok($ok, 'conf/mailautoconf.conf passes httpd -t as shipped') or diag($out);
}
# Each commented-out directive line of example-vhost.conf is valid too
# when switched on (ProxyPass and friends are for other modules), except
# MailAutoconfEngine Off, which would leave the rest unchecked, and
# MailAutoconfProfileSigning, whose files exist only on a real server.
{
    my $on = join '', map { s/^([ \t]*)#[ \t]*(MailAutoconf(?!Engine\b|ProfileSigning\b)\w+[ \t])/$1$2/r }
                      split /^/m, $example;
    my ($ok, $out) = configtest_ok($on);
    ok($ok, 'conf/example-vhost.conf with its MailAutoconf* lines uncommented passes httpd -t')
        or diag($out);
}
# The commented example lines of conf/mailautoconf.conf, switched on, in
# the main server with a domain in a vhost.
{
    my @lines = map { s/^#\s+//r } grep { /^#\s+MailAutoconf(?:Imap|Pop3|Smtp)\s/ } split /\n/, $conf_files{'conf/mailautoconf.conf'};
    ok(scalar @lines, 'conf/mailautoconf.conf shows example server lines');
    my ($ok, $out) = configtest_ok(join("\n", @lines,
        "<VirtualHost 127.0.0.1:8080>", "ServerName autoconfig.example.com",
        "MailAutoconfDomain example.com", "</VirtualHost>"));
    ok($ok, 'conf/mailautoconf.conf: its example lines, switched on, pass httpd -t') or diag($out);
}

# ------------------------------------------------------------- the licence

{
    my $license = eval { slurp('LICENSE') } // '';
    like($license, qr/^\s*Apache License\s+Version 2\.0, January 2004\b/,
         'LICENSE: the Apache License, Version 2.0');
    like($license, qr/END OF TERMS AND CONDITIONS/, 'LICENSE: the full text');
    my $copyright = eval { slurp('debian/copyright') };
    if (defined $copyright) {
        my @licenses = $copyright =~ /^License: (\S+)/mg;
        ok(@licenses && !grep({ $_ ne 'Apache-2.0' } @licenses),
           'debian/copyright: every file under Apache-2.0, as LICENSE says') or diag("@licenses");
    }

    my $top = top_dir();
    my @files;
    my $source = qr{(?:\.(?:c|h|pl|pm|t|PL|sh|lua)|/Makefile(?:\.apxs)?|^\.ci/run)\z};
    my $skip = qr{^(?:t/logs|t/conf/apache_test_config\.pm|t/unit/bin|fuzz/bin|fuzz/corpus|fuzz/artifacts|\.libs|src/\.libs)(?:/|\z)};
    File::Find::find({ no_chdir => 1, wanted => sub {
        my $rel = File::Spec->abs2rel($File::Find::name, $top);
        if (-d $_) {
            $File::Find::prune = 1 if $rel =~ $skip || $rel =~ m{(?:^|/)\.git\z};
            return;
        }
        push @files, $rel if $rel !~ $skip && ("/$rel" =~ $source || $rel =~ $source);
    } }, $top);
    cmp_ok(scalar @files, '>=', 50, 'source files found (' . scalar(@files) . ')');
    my @without;
    for my $rel (sort @files) {
        open my $fh, '<', File::Spec->catfile($top, $rel) or die "$rel: $!\n";
        my $head = join '', map { scalar(<$fh>) // '' } 1 .. 4;
        push @without, $rel
            unless $head =~ /^(?:#!.*\n)?(?:\/\*|#|--) SPDX-License-Identifier: Apache-2\.0\b/
                && $head =~ /Licensed under the Apache License, Version 2\.0; see LICENSE\./;
    }
    ok(!@without, 'every source file starts with the SPDX line and the licence sentence')
        or diag("without: @without");
}

# ------------------------------------------- README figures and results.md

# The performance figures are made from bench/results.md by bench/readme.pl;
# no figure may stand anywhere else in README.md, so none can drift.
{
    my $script = File::Spec->catfile(top_dir(), 'bench', 'readme.pl');
    my $out = `"$^X" "$script" --check 2>&1`;
    is($? >> 8, 0, 'README.md: the performance figures agree with bench/results.md (bench/readme.pl --check)')
        or diag($out);

    my ($block) = $readme =~ /<!-- bench-figures:begin -->\n(.*?)<!-- bench-figures:end -->/s;
    ok(defined $block && $block =~ /\d\.\d\d×/, 'README.md: the figures block has the ratios');
    (my $rest = $readme) =~ s/<!-- bench-figures:begin -->.*?<!-- bench-figures:end -->//s;
    my @loose = $rest =~ /(\d[\d.,]*\s*(?:µs|×))/g;
    ok(!@loose, 'README.md: no timing or ratio outside the figures block') or diag("@loose");
    my ($perf) = $rest =~ /^## Performance\n(.*?)^## /ms;
    my @perf = ($perf // '') =~ /(\d[\d.,]*\s*(?:µs|ms|×|%|MiB|KiB|GiB|MB|KB|GB|s)\b)/g;
    ok(defined $perf && !@perf, 'README.md Performance: every figure is in the figures block')
        or diag("@perf");

    # The check itself catches a changed figure.
    my $dir = File::Temp::tempdir('mac-docs-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    (my $wrong = $readme) =~ s/(<!-- bench-figures:begin -->.*?)(\d)\.(\d\d)×/$1 . ($2 + 1) . ".$3×"/se;
    open my $fh, '>', "$dir/README.md" or die "$dir/README.md: $!";
    print $fh $wrong;
    close $fh;
    $out = `"$^X" "$script" --check --readme "$dir/README.md" 2>&1`;
    isnt($? >> 8, 0, 'bench/readme.pl --check fails on a README whose ratio differs from bench/results.md')
        or diag($out);
}

# --------------------------------------------------------------- Requirements

# The minimum versions in README.md cover the APIs the code uses.
{
    my ($req) = $readme =~ /^## Requirements\n(.*?)^## /ms;
    ok(defined $req, 'README: a Requirements section');
    my %min = map { /^\| ([^|]+?) \| (\d[\d.]*) \|/ ? ($1 => $2) : () } split /\n/, $req // '';
    my $src = join '', map { slurp("src/$_") } grep { /\.c\z/ } do {
        opendir my $d, File::Spec->catdir(top_dir(), 'src') or die "src: $!";
        readdir $d;
    };
    my $at_least = sub {
        my ($have, $want) = @_;
        my @h = split /\./, $have // '0';
        my @w = split /\./, $want;
        for my $i (0 .. $#w) {
            my $x = $h[$i] // 0;
            return $x > $w[$i] if $x != $w[$i];
        }
        return 1;
    };
    my @needs = (
        ['Apache httpd', '2.4.30', 'the flags field of the module structure',
         $code =~ /AP_MODULE_FLAG_\w+\s*\/\*\s*flags/],
        ['Apache httpd', '2.4.19', 'core_dir_config expr_handler', $code =~ /->expr_handler\b/],
        ['OpenSSL (libcrypto)', '3.0', 'EVP_MD_fetch and EVP_PKEY_get_*',
         $src =~ /\b(?:EVP_MD_fetch|EVP_PKEY_get_bits|EVP_PKEY_get0_type_name)\b/],
        ['libxml2', '2.9.0', 'XML_PARSE_IGNORE_ENC', $src =~ /\bXML_PARSE_IGNORE_ENC\b/],
        ['APR, APR-util', '1.4', 'what httpd 2.4 needs', 1],
        ['APR, APR-util', '1.5', 'apr_escape.h (apr_unescape_url, apr_pescape_hex)',
         ($src . $code) =~ /\bapr_(?:unescape_url|pescape_hex)\b/],
    );
    for my $n (@needs) {
        my ($what, $want, $why, $used) = @$n;
        next unless $used;
        ok($at_least->($min{$what}, $want),
           "README Requirements: $what at least $want ($why); it says " . ($min{$what} // 'nothing'));
    }
}

done_testing();
