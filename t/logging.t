# SPDX-License-Identifier: Apache-2.0
# Licensed under the Apache License, Version 2.0; see LICENSE.
# What the module writes to the error log, and the mailautoconf-client
# request note: rejected requests are logged at info with a MAC tag and
# the reason but never with the address or the body; debug lines show
# which domain was served and why; the note names the client family.
# Then static checks of every ap_log_*error call in mod_mailautoconf.c:
# a MACNO() tag on all but trace-level ones, one message per number, no
# AH numbers, no "[mod_mailautoconf]" prefixes.
# Vhost: st_status in t/conf/status.conf.in (LogLevel info
# mailautoconf:debug; CustomLog logs/macnote_log).
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use MailAutoconfTest qw(vhost_get vhost_request parse_xml top_dir);
use File::Spec ();
use Time::HiRes ();

use constant {
    NS_REQ     => 'http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006',
    NS_OUTLOOK => 'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a',
    TB         => '/.well-known/autoconfig/mail/config-v1.1.xml',
    AD         => '/autodiscover/autodiscover.xml',
    ADJ        => '/autodiscover/autodiscover.json',
    MC         => '/email.mobileconfig',
};

my $LOGS = Apache::Test::vars('t_logs');
my $ERROR_LOG = File::Spec->catfile($LOGS, 'error_log');
my $NOTE_LOG = File::Spec->catfile($LOGS, 'macnote_log');

# ----------------------------------------------------------------- helpers

sub fsize { -s $_[0] // 0 }

sub read_from {
    my ($file, $offset) = @_;
    open my $fh, '<:raw', $file or return '';
    seek $fh, $offset, 0;
    local $/;
    my $s = <$fh>;
    return $s // '';
}

# The log written since $mark, once a line matches $want (a regex) or
# after a bounded wait; then a little longer, for lines written after the
# answer.
sub log_since {
    my ($file, $mark, $want) = @_;
    my $text = '';
    for (1 .. 30) {
        $text = read_from($file, $mark);
        last if $want && grep { $_ =~ $want } split /\n/, $text;
        Time::HiRes::sleep(0.1);
    }
    Time::HiRes::sleep(0.1);
    return read_from($file, $mark);
}

sub outlook_body {
    my ($email) = @_;
    return '<Autodiscover xmlns="' . NS_REQ . '"><Request>'
         . "<EMailAddress>$email</EMailAddress>"
         . '<AcceptableResponseSchema>' . NS_OUTLOOK . '</AcceptableResponseSchema>'
         . '</Request></Autodiscover>';
}

sub module_lines { join '', grep { /\[mailautoconf:/ } split /^/m, $_[0] }

# ================================================= rejected requests

# name, request (code ref), HTTP status, tag, reason (regex on the message
# after the tag), markers that must not appear anywhere in the new log.
my @rejected = (
    ['Thunderbird, malformed address',
     sub { vhost_get(st_status => TB . '?emailaddress=zq7marker..x@example.com') },
     400, '00202', qr/bad request: the part before the @ has two dots in a row$/,
     ['zq7marker']],
    ['Thunderbird, foreign domain',
     sub { vhost_get(st_status => TB . '?emailaddress=someone@zq7foreign.example') },
     404, '00203', qr/not found: the domain is not served here$/,
     ['zq7foreign', 'someone@']],
    ['Thunderbird, address given twice',
     sub { vhost_get(st_status => TB . '?emailaddress=a@example.com&emailaddress=zq7twice@example.com') },
     400, '00202', qr/bad request: the address is given more than once$/,
     ['zq7twice']],
    ['Thunderbird, bad percent escape',
     sub { vhost_get(st_status => TB . '?emailaddress=zq7esc%zz@example.com') },
     400, '00202', qr/bad request: the query has a malformed percent escape$/,
     ['zq7esc']],
    ['Thunderbird, DELETE',
     sub { vhost_request(st_status => 'DELETE', TB . '?emailaddress=zq7delete@example.com') },
     405, '00201', qr/method DELETE not allowed here$/,
     ['zq7delete']],
    ['Autodiscover GET, malformed address',
     sub { vhost_get(st_status => AD . '?emailaddress=zq7adget..x@example.com') },
     400, '00301', qr/autodiscover: answering error 600 \(id \d+\): the part before the @ has two dots in a row$/,
     ['zq7adget']],
    ['Autodiscover POST, foreign domain',
     sub { vhost_request(st_status => 'POST', AD, outlook_body('zq7adpost@zq7adforeign.example'),
                         'Content-Type' => 'text/xml') },
     404, '00301', qr/autodiscover: answering error 500 \(id \d+\): the address's domain is not served here$/,
     ['zq7adpost', 'zq7adforeign']],
    ['Autodiscover v2, malformed address in the path',
     sub { vhost_get(st_status => ADJ . '/v1.0/zq7v2..x@example.com?Protocol=AutodiscoverV1') },
     400, '00304', qr/autodiscover v2: bad request: the part before the @ has two dots in a row$/,
     ['zq7v2']],
    ['Autodiscover v2, foreign domain',
     sub { vhost_get(st_status => ADJ . '?Email=zq7v2f@zq7v2foreign.example&Protocol=AutodiscoverV1') },
     404, '00303', qr/autodiscover v2: the address's domain is not served here$/,
     ['zq7v2f']],
    ['Autodiscover v2, protocol not offered',
     sub { vhost_get(st_status => ADJ . '?Email=zq7v2p@example.com&Protocol=Zq7Proto') },
     400, '00305', qr/autodiscover v2: protocol missing or not offered$/,
     ['zq7v2p', 'zq7proto']],
    ['Apple profile, malformed address and a name',
     sub { vhost_get(st_status => MC . '?emailaddress=zq7mc..x@example.com&name=Zq7Name+Person') },
     400, '00401', qr/mobileconfig: That is not a valid email address: the part before the @ has two dots in a row\.$/,
     ['zq7mc', 'zq7name']],
    ['Apple profile, foreign domain',
     sub { vhost_get(st_status => MC . '?emailaddress=zq7mcf@zq7mcforeign.example') },
     404, '00401', qr/mobileconfig: This server has no settings for the domain of that address\.$/,
     ['zq7mcf']],
);

for my $c (@rejected) {
    my ($name, $req, $code, $tag, $reason, $markers) = @$c;
    my $mark = fsize($ERROR_LOG);
    my $res = $req->();
    is($res->code, $code, "$name: $code");
    my $log = log_since($ERROR_LOG, $mark, qr/MAC$tag: /);
    my @lines = grep { /\] MAC$tag: / } split /\n/, $log;
    is(scalar @lines, 1, "$name: one MAC$tag line") or diag(module_lines($log));
    my $line = $lines[0] // '';
    like($line, qr/\[mailautoconf:info\] /, "$name: logged at info");
    my ($msg) = $line =~ /\] (MAC\d{5}: .*)$/;
    like($msg // '', qr/^MAC$tag: $reason/, "$name: the reason");
    my @leaked = grep { $log =~ /\Q$_\E/i } @$markers;
    ok(!@leaked, "$name: the request's data is not in the log")
        or diag("leaked: @leaked\n" . module_lines($log));
    unlike(module_lines($log), qr/\[mailautoconf:(?:warn|error|crit|alert|emerg)\]/,
           "$name: nothing louder than info");
}

# The Autodiscover error Id is the one in the log line.
{
    my $mark = fsize($ERROR_LOG);
    my $res = vhost_get(st_status => AD . '?emailaddress=zq7id..x@example.com');
    my $doc = eval { parse_xml($res->content) };
    my ($err) = $doc ? $doc->findnodes('//*[local-name()="Error"]') : ();
    my $id = $err ? $err->getAttribute('Id') : 'none';
    my $log = log_since($ERROR_LOG, $mark, qr/MAC00301: /);
    like($log, qr/MAC00301: autodiscover: answering error 600 \(id \Q$id\E\): /,
         'Autodiscover: the error Id in the answer is in the log line');
}

# ======================================== hostile Outlook bodies: never logged

my @hostile = (
    ['not well-formed', 400,
     '<Autodiscover xmlns="' . NS_REQ . '"><Request><EMailAddress>zq7hb1@example.com'
     . '</EMailAddress><Zq7hb1Tag></Request></Autodiscover>', ['zq7hb1']],
    ['DOCTYPE with an entity', 400,
     '<!DOCTYPE Autodiscover [<!ENTITY zq7ent "zq7hb2-entity-value">]>'
     . outlook_body('a&zq7ent;@example.com'), ['zq7hb2', 'zq7ent']],
    ['wrong root element', 400,
     '<Zq7hb3Root xmlns="' . NS_REQ . '"><Request><EMailAddress>zq7hb3@example.com'
     . '</EMailAddress></Request></Zq7hb3Root>', ['zq7hb3']],
    ['wrong namespace', 400,
     '<Autodiscover xmlns="urn:zq7hb4-namespace"><Request><EMailAddress>zq7hb4x@example.com'
     . '</EMailAddress></Request></Autodiscover>', ['zq7hb4']],
    ['markup in the address', 400,
     outlook_body('zq7hb5&lt;script&gt;alert(1)&lt;/script&gt;@example.com'),
     ['zq7hb5', 'script', 'alert']],
    ['address with a space', 400,
     outlook_body('zq7hb6 spaced@example.com'), ['zq7hb6', 'spaced']],
    ['not UTF-8', 400,
     outlook_body("zq7hb7\xE9\xFF\@example.com"), ['zq7hb7']],
    ['bad character reference', 400,
     outlook_body('zq7hb8&#1;@example.com'), ['zq7hb8']],
    ['too large', 413,
     outlook_body(('zq7hb9' x 3000) . '@example.com'), ['zq7hb9']],
    ['foreign domain', 404,
     outlook_body('zq7hb10@zq7hb10domain.example'), ['zq7hb10']],
);

for my $c (@hostile) {
    my ($name, $code, $body, $markers) = @$c;
    my $mark = fsize($ERROR_LOG);
    my $res = vhost_request(st_status => 'POST', AD, $body, 'Content-Type' => 'text/xml');
    is($res->code, $code, "hostile body, $name: $code");
    my $log = log_since($ERROR_LOG, $mark, qr/MAC00301: /);
    like($log, qr/\[mailautoconf:info\] .*\] MAC00301: autodiscover: answering error \d+ \(id \d+\): \S/,
         "hostile body, $name: a MAC00301 line with the reason");
    my @leaked = grep { $log =~ /\Q$_\E/i } @$markers;
    ok(!@leaked, "hostile body, $name: nothing of the body in the log")
        or diag("leaked: @leaked\n" . module_lines($log));
}

{
    my $mark = fsize($ERROR_LOG);
    my $res = vhost_request(st_status => 'POST', AD, outlook_body('zq7ct@example.com'),
                            'Content-Type' => 'text/zq7type');
    is($res->code, 415, 'body not declared as XML: 415');
    my $log = log_since($ERROR_LOG, $mark, qr/MAC00301: /);
    like($log, qr/MAC00301: autodiscover: answering error 600 \(id \d+\): the body is not declared as XML/,
         'body not declared as XML: the reason');
    unlike($log, qr/zq7ct|zq7type/i, 'body not declared as XML: neither body nor type logged');
}

# ================================================ debug: the decision path

my @debug = (
    ['Thunderbird, domain from the address',
     sub { vhost_get(st_status => TB . '?emailaddress=a@example.org') },
     qr/MAC00204: thunderbird: serving domain example\.org \(from the address\)$/],
    ['Thunderbird, domain from the Host name',
     sub { vhost_get(st_status => '/mail/config-v1.1.xml', Host => 'autoconfig.example.org') },
     qr/MAC00204: thunderbird: serving domain example\.org \(from the host name\)$/],
    ['Thunderbird, autodiscover. prefix of the Host name',
     sub { vhost_get(st_status => TB, Host => 'autodiscover.example.org') },
     qr/MAC00204: thunderbird: serving domain example\.org \(from the host name\)$/],
    ['Thunderbird, Host names no domain: the first one',
     sub { vhost_get(st_status => TB, Host => 'status.example.test') },
     qr/MAC00204: thunderbird: serving domain example\.com \(from the host name\)$/],
    ['Autodiscover, served',
     sub { vhost_request(st_status => 'POST', AD, outlook_body('a@example.org'), 'Content-Type' => 'text/xml') },
     qr/MAC00302: autodiscover: serving outlook settings for domain example\.org$/],
    ['Apple profile, served',
     sub { vhost_get(st_status => MC . '?emailaddress=a@example.com') },
     qr/MAC00404: mobileconfig: serving an? unsigned profile for domain example\.com$/],
);

for my $c (@debug) {
    my ($name, $req, $want) = @$c;
    my $mark = fsize($ERROR_LOG);
    my $res = $req->();
    is($res->code, 200, "$name: 200");
    my $log = log_since($ERROR_LOG, $mark, $want);
    my @lines = grep { /\[mailautoconf:debug\] / && $_ =~ $want } split /\n/, $log;
    is(scalar @lines, 1, "$name: the debug line") or diag(module_lines($log));
    unlike($log, qr/\[mailautoconf:trace/, "$name: no trace line (LogLevel mailautoconf:debug)");
}

# A served answer logs nothing at info or above.
{
    my $mark = fsize($ERROR_LOG);
    vhost_get(st_status => TB . '?emailaddress=a@example.com');
    my $log = log_since($ERROR_LOG, $mark, qr/MAC00204: /);
    unlike($log, qr/\[mailautoconf:(?:info|notice|warn|error|crit|alert|emerg)\]/,
           'a served request logs nothing at info or above');
}

# The startup warning about the plain POP3 server names the vhost.
{
    my $log = read_from($ERROR_LOG, 0);
    like($log, qr/\[mailautoconf:warn\] .*MAC00101: virtual host status\.example\.test \([^)]*status\.conf:\d+\): pop3 server pop\.example\.com:110 uses socket type plain/,
         'startup: MAC00101 warning for the plain POP3 server, naming the vhost');
}

# ======================================== the mailautoconf-client note

my @notes = (
    ['Thunderbird', sub { vhost_get(st_status => '/mail/config-v1.1.xml?emailaddress=a@example.com') },
     'thunderbird 200 /mail/config-v1.1.xml'],
    ['Thunderbird, rejected', sub { vhost_get(st_status => TB . '?emailaddress=bad') },
     'thunderbird 400 ' . TB],
    ['Outlook POST', sub { vhost_request(st_status => 'POST', AD, outlook_body('a@example.com'),
                                         'Content-Type' => 'text/xml') },
     'outlook 200 ' . AD],
    ['Outlook GET, other letter case', sub { vhost_get(st_status => '/AutoDiscover/AutoDiscover.xml?emailaddress=a@example.com') },
     'outlook 200 /AutoDiscover/AutoDiscover.xml'],
    ['Outlook v2', sub { vhost_get(st_status => ADJ . '?Email=a@example.com&Protocol=AutodiscoverV1') },
     'outlook 200 ' . ADJ],
    ['Apple page', sub { vhost_get(st_status => MC) }, 'apple 200 ' . MC],
    ['Apple profile', sub { vhost_get(st_status => MC . '?emailaddress=a@example.com') }, 'apple 200 ' . MC],
    ['status page: no note', sub { vhost_get(st_status => '/mail-status') }, '- 200 /mail-status'],
    ['another path: no note', sub { vhost_get(st_status => '/zq7-nothing-here') }, '- 404 /zq7-nothing-here'],
);

for my $c (@notes) {
    my ($name, $req, $want) = @$c;
    my $mark = fsize($NOTE_LOG);
    $req->();
    my $new = log_since($NOTE_LOG, $mark, qr/./);
    is($new, "$want\n", "note mailautoconf-client, $name: '$want'");
}

# ======================================== static checks of the source

my $SRC = File::Spec->catfile(top_dir(), 'mod_mailautoconf.c');
my $code = do { open my $fh, '<', $SRC or die "$SRC: $!"; local $/; <$fh> };

# Comments out (their newlines kept, for line numbers), strings and
# character literals kept.
sub strip_comments {
    my ($s) = @_;
    $s =~ s{("(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*')|(/\*.*?\*/|//[^\n]*)}
           {defined $1 ? $1 : ' ' . ("\n" x (() = $2 =~ /\n/g))}gse;
    return $s;
}

# The argument list of the call whose "(" is at $pos, split at top-level
# commas; undef when unbalanced.
sub call_args {
    my ($s, $pos) = @_;
    my ($depth, $cur, @args) = (0, '');
    my $i = $pos;
    while ($i < length $s) {
        my $ch = substr($s, $i, 1);
        if ($ch eq '"' || $ch eq "'") {
            my $rest = substr($s, $i);
            my ($lit) = $rest =~ /^(\Q$ch\E(?:\\.|[^\Q$ch\E\\])*\Q$ch\E)/s or return undef;
            $cur .= $lit;
            $i += length $lit;
            next;
        }
        if ($ch eq '(') {
            $cur .= $ch if $depth++ > 0;
        }
        elsif ($ch eq ')') {
            if (--$depth == 0) {
                push @args, $cur;
                return \@args;
            }
            $cur .= $ch;
        }
        elsif ($ch eq ',' && $depth == 1) {
            push @args, $cur;
            $cur = '';
        }
        else {
            $cur .= $ch;
        }
        $i++;
    }
    return undef;
}

sub literal_text {
    my ($arg) = @_;
    my $t = '';
    $t .= $1 while $arg =~ /"((?:\\.|[^"\\])*)"/g;
    return $t;
}

my $src = strip_comments($code);
my @calls;
while ($src =~ /\b(ap_log_(?:r|c|p|cs|)error)\s*\(/g) {
    my ($fn, $open) = ($1, pos($src) - 1);
    my $line = 1 + (() = substr($src, 0, $open) =~ /\n/g);
    my $args = call_args($src, $open);
    push @calls, { fn => $fn, line => $line, args => $args };
}
my $n_mentions = () = $src =~ /\bap_log_\w*error\b/g;
cmp_ok(scalar @calls, '>=', 20, 'source: found the ap_log_*error calls (' . scalar(@calls) . ')');
is(scalar @calls, $n_mentions, 'source: every ap_log_*error mention is a parsed call');
ok(!grep({ !$_->{args} || @{ $_->{args} } < 5 } @calls), 'source: every call has level, status, object, format');

my (%by_no, @untagged, @bad_no, @ah);
for my $c (@calls) {
    next unless $c->{args};
    my ($level, $fmt) = ($c->{args}[1], join(',', @{ $c->{args} }[4 .. $#{ $c->{args} }]));
    my $where = "mod_mailautoconf.c:$c->{line}";
    my $text = literal_text($c->{args}[4]);
    push @ah, $where if join(',', @{ $c->{args} }) =~ /\bAPLOGNO\s*\(|\bAH\d{5}\b|\[mod_mailautoconf\]|\bmod_mailautoconf:/;
    if ($c->{args}[4] =~ /^\s*MACNO\(\s*(\d+)\s*\)\s*"/) {
        my $no = $1;
        push @bad_no, "$where: MACNO($no)" unless $no =~ /^\d{5}$/;
        $by_no{$no}{$text}{$where} = 1;
    }
    elsif ($level !~ /\bAPLOG_TRACE[1-8]\b/) {
        push @untagged, "$where: $level \"$text\"";
    }
}
ok(!@untagged, 'source: every log call below trace level starts with a MACNO() tag')
    or diag(join "\n", @untagged);
ok(!@bad_no, 'source: tag numbers have five digits') or diag(join "\n", @bad_no);
my @shared = map { my $n = $_; "MAC$n: " . join(' | ', map { qq{"$_" (} . join(', ', sort keys %{ $by_no{$n}{$_} }) . ')' } sort keys %{ $by_no{$n} }) }
             grep { keys %{ $by_no{$_} } > 1 } sort keys %by_no;
ok(!@shared, 'source: no two different messages share one number') or diag(join "\n", @shared);
ok(!@ah, 'source: no AH number, APLOGNO() or [mod_mailautoconf] prefix in a log call')
    or diag(join "\n", @ah);
like($code, qr/#define\s+MACNO\(n\)\s+"MAC"\s*#n\s*": "/, 'source: MACNO(n) makes "MACn: "');

# src/ knows nothing of httpd: mod_mailautoconf.c has every log call.
my @src_logs;
for my $f (glob(File::Spec->catfile(top_dir(), 'src', '*.c'))) {
    open my $fh, '<', $f or next;
    my $t = strip_comments(do { local $/; <$fh> });
    push @src_logs, $f if $t =~ /\bap_log_\w*error\b|\bAPLOGNO\b/;
}
ok(!@src_logs, 'source: no log call in src/') or diag("@src_logs");

done_testing();
