# SPDX-License-Identifier: Apache-2.0
# Licensed under the Apache License, Version 2.0; see LICENSE.
# "apache2 -t" on MailAutoconfProfileSigning and MailAutoconfProfilePath:
# every unusable file, key or path is refused at startup with the
# directive's name and the file or the problem; good configurations pass.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use MailAutoconfTest qw(configtest_ok configtest_fails top_dir);
use File::Spec ();

my $D = File::Spec->catdir(top_dir(), 't', 'unit', 'data');
my $NONE = File::Spec->catfile(top_dir(), 't', 'unit', 'data', 'no-such-file.pem');

# A virtual host that can make profiles, plus $lines.
sub vhost {
    my ($lines) = @_;
    return <<"EOC";
<VirtualHost 127.0.0.1:80>
    ServerName autoconfig.example.com
    MailAutoconfDomain example.com
    MailAutoconfImap imap.example.com 993 ssl
    MailAutoconfSmtp smtp.example.com 587 starttls
$lines
</VirtualHost>
EOC
}

sub signing { 'MailAutoconfProfileSigning ' . join ' ', map { qq{"$_"} } @_ }

my $SIGN = 'MailAutoconfProfileSigning';
my $PATH = 'MailAutoconfProfilePath';

# [label, directive line(s), directive named in the output, pattern the
#  output must also match (the file name or the problem)]
my @FAILS = (
    ['certificate file missing',
     signing($NONE, "$D/leaf-ec.key"), $SIGN, qr/\Qno-such-file.pem\E/],
    ['key file missing',
     signing("$D/leaf-ec.pem", $NONE), $SIGN, qr/\Qno-such-file.pem\E/],
    ['chain file missing',
     signing("$D/leaf-ec.pem", "$D/leaf-ec.key", $NONE), $SIGN,
     qr/\Qno-such-file.pem\E/],
    ['certificate file is a directory',
     signing($D, "$D/leaf-ec.key"), $SIGN, qr/\Q$D\E/],
    ['key file is a directory',
     signing("$D/leaf-ec.pem", $D), $SIGN, qr/\Q$D\E/],
    ['certificate file is garbage',
     signing("$D/garbage.pem", "$D/leaf-ec.key"), $SIGN, qr/garbage\.pem/],
    ['chain file is garbage',
     signing("$D/leaf-ec.pem", "$D/leaf-ec.key", "$D/garbage.pem"), $SIGN,
     qr/garbage\.pem/],
    ['certificate file holds a key',
     signing("$D/leaf-ec.key", "$D/leaf-ec.key"), $SIGN, qr/leaf-ec\.key/],
    ['key file holds a certificate',
     signing("$D/leaf-ec.pem", "$D/leaf-ec.pem"), $SIGN, qr/leaf-ec\.pem/],
    ['key does not match the certificate',
     signing("$D/leaf-ec.pem", "$D/mismatch.key"), $SIGN,
     qr/mismatch\.key|match/i],
    ['RSA key with the EC certificate',
     signing("$D/leaf-ec.pem", "$D/leaf-rsa.key"), $SIGN,
     qr/leaf-rsa\.key|match/i],
    ['encrypted key',
     signing("$D/leaf-ec.pem", "$D/leaf-ec-encrypted.key"), $SIGN,
     qr/encrypted/i],
    ['one argument',
     signing("$D/leaf-ec.pem"), $SIGN, qr/CERTFILE KEYFILE|argument/],
    ['four arguments',
     signing("$D/leaf-ec.pem", "$D/leaf-ec.key", "$D/chain.pem", "$D/chain.pem"),
     $SIGN, qr/argument/],
    ['no argument', $SIGN, $SIGN, qr/argument/],

    ['path without a leading /', "$PATH email.mobileconfig", $PATH, qr/email\.mobileconfig/],
    ['path with /../', "$PATH /apple/../email.mobileconfig", $PATH, qr/\.\./],
    ['path starting with /..', "$PATH /../email.mobileconfig", $PATH, qr/\.\./],
    ['path ending in /..', "$PATH /apple/..", $PATH, qr/\.\./],
    ['path /..', "$PATH /..", $PATH, qr/\.\./],
    ['path ending in /.', "$PATH /apple/.", $PATH, qr{/\.}],
    ['path with /./', "$PATH /apple/./x.mobileconfig", $PATH, qr{/\./}],
    ['path with //', "$PATH /apple//x.mobileconfig", $PATH, qr{//}],
    ['path /', "$PATH /", $PATH, qr{every request}],
    ['path of the Thunderbird document', "$PATH /mail/config-v1.1.xml", $PATH,
     qr{another mail client}],
    ['path of the well-known Thunderbird document',
     "$PATH /.well-known/autoconfig/mail/config-v1.1.xml", $PATH,
     qr{another mail client}],
    ['path of Autodiscover in another letter case',
     "$PATH /AutoDiscover/AutoDiscover.xml", $PATH, qr{another mail client}],
    ['path of Autodiscover v2', "$PATH /autodiscover/autodiscover.json", $PATH,
     qr{another mail client}],
    ['path below Autodiscover v2', "$PATH /autodiscover/autodiscover.json/p",
     $PATH, qr{another mail client}],
    ['path with a space', qq{$PATH "/apple profile.mobileconfig"}, $PATH,
     qr/apple profile/],
    ['path with a query', "$PATH /x.mobileconfig?a=b", $PATH, qr/character/],
    ['path with %', "$PATH /x%20y.mobileconfig", $PATH, qr/character/],
    ['path with markup', qq{$PATH "/x<b>.mobileconfig"}, $PATH, qr/character/],
    ['path that is a URL', "$PATH http://example.com/x.mobileconfig", $PATH,
     qr/http/],
    ['empty path', qq{$PATH ""}, $PATH, qr/path/],
    ['path of 257 bytes', "$PATH /" . ('a' x 256), $PATH, qr/path/],
    ['path without argument', $PATH, $PATH, qr/argument/],
);

my @OKS = (
    ['EC certificate, key and chain',
     signing("$D/leaf-ec.pem", "$D/leaf-ec.key", "$D/chain.pem")],
    ['RSA certificate, key and chain',
     signing("$D/leaf-rsa.pem", "$D/leaf-rsa.key", "$D/chain.pem")],
    ['full chain file and key, no chain argument',
     signing("$D/fullchain-ec.pem", "$D/leaf-ec.key")],
    ['full chain file and the chain again',
     signing("$D/fullchain-ec.pem", "$D/leaf-ec.key", "$D/chain.pem")],
    ['certificate without the chain',
     signing("$D/leaf-ec.pem", "$D/leaf-ec.key")],
    ['own path', "$PATH /apple/profile.mobileconfig"],
    ['own path with all allowed characters', "$PATH /a-b_c.d~e/F9.mobileconfig"],
    ['own path and signing',
     "$PATH /p.mobileconfig\n    "
     . signing("$D/leaf-ec.pem", "$D/leaf-ec.key", "$D/chain.pem")],
);

plan tests => @FAILS + @OKS + 1;

for my $f (@FAILS) {
    my ($label, $lines, $directive, $why) = @$f;
    subtest("refused: $label" => sub {
        my ($status, $out) = configtest_fails(vhost("    $lines"));
        isnt($status, 0, 'apache2 -t fails') or diag($out);
        like($out, qr/\Q$directive\E/, "the output names $directive")
            or diag($out);
        like($out, $why, "and says what is wrong ($why)") or diag($out);
        unlike($out, qr/Syntax OK/, 'no Syntax OK');
    });
}

for my $o (@OKS) {
    my ($label, $lines) = @$o;
    subtest("accepted: $label" => sub {
        my ($ok, $out) = configtest_ok(vhost("    $lines"));
        ok($ok, 'apache2 -t passes') or diag($out);
        like($out, qr/Syntax OK/, 'Syntax OK');
        unlike($out, qr/\Q$SIGN\E/, "no $SIGN warning") or diag($out);
    });
}

subtest('signing in the main server, inherited by a virtual host' => sub {
    my ($ok, $out) = configtest_ok(
        signing("$D/leaf-ec.pem", "$D/leaf-ec.key", "$D/chain.pem") . "\n"
        . vhost(''));
    ok($ok, 'apache2 -t passes') or diag($out);
    my ($status, $out2) = configtest_fails(
        signing("$D/leaf-ec.pem", "$D/mismatch.key") . "\n" . vhost(''));
    isnt($status, 0, 'a bad inherited key is refused') or diag($out2);
    like($out2, qr/\Q$SIGN\E/, "naming $SIGN");
});
