# SPDX-License-Identifier: Apache-2.0
# Licensed under the Apache License, Version 2.0; see LICENSE.
# The autoconfig draft's 1.2 additions in config-v1.1.xml (JMAP,
# ManageSieve, webmail, OAuth2), and what the two Thunderbirds make of
# the documents.  Their readers are modelled here from their sources:
#
#   Thunderbird desktop, readFromXML (comm-central, mail/components/
#   accountcreation/modules/readFromXML.sys.mjs): reads emailProvider only;
#   an incomingServer whose type is not pop3/imap/nntp/exchange is skipped
#   (the first valid one becomes the account); an outgoingServer must be
#   smtp; per server the first <authentication> it supports wins, and
#   OAuth2 counts only for hosts in its own provider list (else the next
#   value is tried); elements it does not know and clientConfig's version
#   are not looked at.
#
#   Thunderbird for Android, RealAutoconfigParser (thunderbird-android,
#   feature/autodiscovery/autoconfig): reads clientConfig > emailProvider,
#   skips any other element; emailProvider needs an id that is a host name
#   and a valid <domain>; an incomingServer of a type other than imap and
#   an outgoingServer other than smtp are skipped whole; an imap/smtp
#   server needs hostname, port, username, a socketType of SSL or STARTTLS
#   (anything else, e.g. plain, refuses the document) and a known
#   authentication (OAuth2, password-cleartext, password-encrypted); an
#   <oAuth2> in emailProvider needs authURL and tokenURL; a text element
#   holding markup refuses the document; version is not looked at.
#
# Scenarios: <VirtualHost pacc_*> in t/conf/pacc.conf.in.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use MailAutoconfTest qw(vhost_get parse_xml own_httpd);
use LWP::UserAgent ();

sub el { my ($n) = @_; return grep { $_->nodeType == 1 } $n->childNodes }
# The <authentication> values of a server, "system:" before those that
# name their system.
sub auths {
    my ($s) = @_;
    return join ',', map { ($_->getAttribute('system') ? $_->getAttribute('system') . ':' : '')
                           . $_->textContent } grep { $_->nodeName eq 'authentication' } el($s);
}
sub text_of {
    my ($n, $name) = @_;
    my ($c) = grep { $_->nodeName eq $name } el($n);
    return $c ? $c->textContent : undef;
}

# Thunderbird desktop: (incoming, outgoing) as {type, host, port, auth} or
# dies with the reason it refuses the document.
sub tb_desktop {
    my ($doc) = @_;
    my $root = $doc->documentElement;
    die "no clientConfig\n" unless $root->nodeName eq 'clientConfig';
    my ($ep) = grep { $_->nodeName eq 'emailProvider' } el($root);
    die "no emailProvider\n" unless $ep;
    die "no domain\n" unless grep { $_->nodeName eq 'domain' } el($ep);
    my %in_auth = map { $_ => 1 } qw(password-cleartext plain password-encrypted
                                     secure GSSAPI NTLM OAuth2);
    my %out_auth = (%in_auth, map { $_ => 1 } qw(none client-IP-address smtp-after-pop));
    my $pick = sub {
        my ($s, $ok) = @_;
        for my $a (map { $_->textContent } grep { $_->nodeName eq 'authentication' } el($s)) {
            next unless $ok->{$a};
            next if $a eq 'OAuth2';    # no provider of its list here
            return $a;
        }
        return undef;
    };
    my ($in, $out);
    for my $s (grep { $_->nodeName eq 'incomingServer' } el($ep)) {
        next unless ($s->getAttribute('type') // '') =~ /\A(?:pop3|imap|nntp|exchange)\z/;
        my $a = $pick->($s, \%in_auth) // next;
        next unless (text_of($s, 'socketType') // '') =~ /\A(?:plain|SSL|STARTTLS)\z/;
        $in //= { type => $s->getAttribute('type'), host => text_of($s, 'hostname'),
                  port => text_of($s, 'port'), auth => $a };
    }
    die "Need proper <incomingServer>\n" unless $in;
    for my $s (grep { $_->nodeName eq 'outgoingServer' } el($ep)) {
        next unless ($s->getAttribute('type') // '') eq 'smtp';
        my $a = $pick->($s, \%out_auth) // next;
        $out //= { type => 'smtp', host => text_of($s, 'hostname'),
                   port => text_of($s, 'port'), auth => $a };
    }
    die "Need proper <outgoingServer>\n" unless $out;
    return ($in, $out);
}

# Thunderbird for Android: (incoming, outgoing) with their lists of
# authentication methods, or dies with its reason.
sub tb_android {
    my ($doc) = @_;
    my $root = $doc->documentElement;
    die "Missing 'clientConfig' element\n" unless $root->nodeName eq 'clientConfig';
    my ($ep) = grep { $_->nodeName eq 'emailProvider' } el($root);
    die "Missing 'emailProvider' element\n" unless $ep;
    my $host_re = qr/\A[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?\z/;
    die "Invalid 'emailProvider.id' attribute\n"
        unless ($ep->getAttribute('id') // '') =~ $host_re;
    my %auth = map { $_ => 1 } qw(OAuth2 password-cleartext password-encrypted);
    my ($in, $out, $domain_ok);
    my $text = sub {
        my ($n) = @_;
        die "Expected text, but got markup in <" . $n->nodeName . ">\n" if el($n);
        return $n->textContent;
    };
    my $server = sub {
        my ($s) = @_;
        my %v;
        for my $c (el($s)) {
            my $name = $c->nodeName;
            if ($name eq 'authentication') {
                my $a = $text->($c);
                push @{ $v{auth} }, $a if $auth{$a};
            }
            elsif ($name =~ /\A(?:hostname|port|username|socketType)\z/) {
                $v{$name} = $text->($c);
            }
        }
        defined $v{$_} or die "Missing '$_' element\n" for qw(hostname port username socketType);
        die "Unknown 'socketType' value: '$v{socketType}'\n"
            unless $v{socketType} =~ /\A(?:SSL|STARTTLS)\z/;
        die "No usable 'authentication' element found\n" unless $v{auth};
        return { host => $v{hostname}, port => $v{port}, socket => $v{socketType},
                 auth => $v{auth} };
    };
    for my $c (el($ep)) {
        my $name = $c->nodeName;
        if ($name eq 'domain') {
            $domain_ok = 1 if $text->($c) =~ $host_re;
        }
        elsif ($name eq 'incomingServer') {
            next unless ($c->getAttribute('type') // '') eq 'imap';
            my $s = $server->($c);
            $in //= $s;
        }
        elsif ($name eq 'outgoingServer') {
            next unless ($c->getAttribute('type') // '') eq 'smtp';
            my $s = $server->($c);
            $out //= $s;
        }
        elsif ($name eq 'oAuth2') {
            defined text_of($c, $_) or die "Missing '$_' element\n" for qw(authURL tokenURL);
        }
    }
    die "Valid 'domain' element required\n" unless $domain_ok;
    die "Missing 'incomingServer' element\n" unless $in;
    die "Missing 'outgoingServer' element\n" unless $out;
    return ($in, $out);
}

sub tb_doc {
    my ($vhost, $addr) = @_;
    my $res = vhost_get($vhost, "/mail/config-v1.1.xml?emailaddress=$addr");
    is($res->code, 200, "$vhost: 200 for $addr") or diag($res->as_string);
    return ($res->content, parse_xml($res->content));
}

# ---------------------------------------------------- pacc_full

my ($raw, $doc) = tb_doc('pacc_full', 'user@full.test');
my $root = $doc->documentElement;
is($root->getAttribute('version'), '1.2', 'clientConfig version 1.2');
is(join(' ', map { $_->nodeName } el($root)), 'emailProvider setupServer oAuth2',
   'setupServer and oAuth2 are children of clientConfig, after emailProvider');
my ($ep) = el($root);
is(join(' ', map { $_->nodeName . ($_->hasAttribute('type') ? '/' . $_->getAttribute('type') : '') }
                 grep { $_->nodeName =~ /Server$/ } el($ep)),
   'incomingServer/imap incomingServer/imap incomingServer/pop3 incomingServer/jmap '
   . 'outgoingServer/smtp outgoingServer/smtp',
   'JMAP after the IMAP and POP3 servers, before the outgoing ones');
my ($jmap) = grep { ($_->getAttribute('type') // '') eq 'jmap' } el($ep);
is(text_of($jmap, 'url'), 'https://jmap.full.test/.well-known/jmap', 'JMAP <url>');
is(auths($jmap), 'http:Basic,OAuth2', 'JMAP: HTTP Basic first, then OAuth2');
is(text_of($jmap, 'username'), '%EMAILADDRESS%', 'JMAP username');
my ($imap) = el($ep);
($imap) = grep { $_->nodeName eq 'incomingServer' } el($ep);
is(auths($imap), 'password-cleartext,OAuth2', 'IMAP: the password first, then OAuth2');
my ($web) = grep { $_->nodeName eq 'webMail' } el($ep);
ok($web, 'webMail in emailProvider');
is($web && join(' ', map { $_->nodeName } el($web)), 'loginPage', 'with a loginPage');
is($web && (el($web))[0]->getAttribute('url'), 'https://webmail.full.test/login',
   'loginPage url');
is($web && $web->textContent =~ /\S/ ? 1 : 0, 0, 'no text in webMail');
my ($sieve) = grep { $_->nodeName eq 'setupServer' } el($root);
is($sieve->getAttribute('type'), 'managesieve', 'setupServer type managesieve');
is_deeply([map { text_of($sieve, $_) } qw(hostname port socketType username)],
          ['sieve.full.test', 4190, 'STARTTLS', '%EMAILADDRESS%'], 'ManageSieve server');
my ($oa) = grep { $_->nodeName eq 'oAuth2' } el($root);
is_deeply([map { text_of($oa, $_) } qw(issuer scope authURL tokenURL clientID)],
          ['auth.full.test', 'mail offline_access', 'https://auth.full.test/authorize',
           'https://auth.full.test/token', 'open'], 'oAuth2: the draft\'s five elements');
like($raw, qr/\A<\?xml version="1\.0" encoding="UTF-8"\?>\n<clientConfig/,
     'no byte order mark, the XML declaration first');

{
    my ($in, $out) = eval { tb_desktop($doc) };
    ok($in, 'Thunderbird desktop takes the document') or diag($@);
    is_deeply($in, { type => 'imap', host => 'imap.full.test', port => 993,
                     auth => 'password-cleartext' }, 'desktop: IMAP on 993 with a password');
    is_deeply($out, { type => 'smtp', host => 'smtp.full.test', port => 465,
                      auth => 'password-cleartext' }, 'desktop: SMTP on 465');
}
{
    my ($in, $out) = eval { tb_android($doc) };
    ok($in, 'Thunderbird for Android takes the document') or diag($@);
    is_deeply($in, { host => 'imap.full.test', port => 993, socket => 'SSL',
                     auth => ['password-cleartext', 'OAuth2'] },
              'Android: IMAP on 993, password then OAuth2');
    is($out && $out->{port}, 465, 'Android: SMTP on 465');
}

# The models refuse what the real readers refuse (so that their verdicts
# above mean something).
{
    my $bad = $raw;
    $bad =~ s{<socketType>SSL</socketType>}{<socketType>plain</socketType>};
    ok(!eval { tb_android(parse_xml($bad)) } && $@ =~ /socketType/,
       'model: Android refuses a plain IMAP server');
    ($bad = $raw) =~ s{<incomingServer type="imap">}{<incomingServer type="jmap">}g;
    $bad =~ s{<incomingServer type="pop3">}{<incomingServer type="jmap">};
    ok(!eval { tb_desktop(parse_xml($bad)) }, 'model: desktop refuses a document without '
       . 'an IMAP or POP3 server');
    ($bad = $raw) =~ s{<username>%EMAILADDRESS%</username>}{<username><b>x</b></username>};
    ok(!eval { tb_android(parse_xml($bad)) } && $@ =~ /markup/,
       'model: Android refuses markup inside a text element');
    ($bad = $raw) =~ s{</emailProvider>}{<oAuth2><issuer>x</issuer></oAuth2></emailProvider>};
    ok(!eval { tb_android(parse_xml($bad)) } && $@ =~ /authURL/,
       'model: Android refuses an oAuth2 without authURL in emailProvider');
}

# ---------------------------------------------------- oauth2-first

($raw, $doc) = tb_doc('pacc_oauth_first', 'user@first.test');
($ep) = el($doc->documentElement);
($imap) = grep { $_->nodeName eq 'incomingServer' } el($ep);
is(auths($imap), 'OAuth2,password-cleartext', 'order=oauth2-first: OAuth2 first');
($jmap) = grep { ($_->getAttribute('type') // '') eq 'jmap' } el($ep);
is(auths($jmap), 'OAuth2,http:Basic', 'and on JMAP');
{
    my ($in) = eval { tb_desktop($doc) };
    is($in && $in->{auth}, 'password-cleartext',
       'desktop, not knowing the provider, falls back to the password');
    my ($ain) = eval { tb_android($doc) };
    is_deeply($ain && $ain->{auth}, ['OAuth2', 'password-cleartext'], 'Android: both');
}
my ($oa2) = grep { $_->nodeName eq 'oAuth2' } el($doc->documentElement);
is(text_of($oa2, 'issuer'), 'auth.first.test', 'issuer: the host of the issuer URL');
ok(!defined text_of($oa2, 'clientID') && !defined text_of($oa2, 'scope'),
   'no clientID nor scope when none is configured');
my ($sv2) = grep { $_->nodeName eq 'setupServer' } el($doc->documentElement);
is_deeply([map { text_of($sv2, $_) } qw(port socketType)], [4190, 'SSL'],
          'ManageSieve with ssl');

# ---------------------------------------------------- nothing added

($raw, $doc) = tb_doc('pacc_legacy', 'user@legacy.test');
is($doc->documentElement->getAttribute('version'), '1.1',
   'without additions: version 1.1');
unlike($raw, qr/jmap|setupServer|oAuth2|OAuth2|webMail/, 'and none of the 1.2 elements');
{
    my ($in) = eval { tb_android($doc) };
    ok($in, 'Android takes it');
}

# ---------------------------------------------------- none

# The main server's additions are inherited; "none" drops each of them.
{
    my $h = own_httpd(<<'EOC', 2);
MailAutoconfImap imap.main.test 993 ssl
MailAutoconfSmtp smtp.main.test 465 ssl
MailAutoconfJMAP https://jmap.main.test/jmap
MailAutoconfManageSieve sieve.main.test
MailAutoconfWebmail https://webmail.main.test/
MailAutoconfOAuth2 issuer=https://id.main.test auth-url=https://id.main.test/a token-url=https://id.main.test/t
<VirtualHost *:@PORT0@>
    ServerName inherits.test
    MailAutoconfDomain inherits.test
</VirtualHost>
<VirtualHost *:@PORT1@>
    ServerName drops.test
    MailAutoconfDomain drops.test
    MailAutoconfJMAP none
    MailAutoconfManageSieve none
    MailAutoconfWebmail None
    MailAutoconfOAuth2 none
</VirtualHost>
EOC
    my $ua = LWP::UserAgent->new(timeout => 10, keep_alive => 0);
    my $get = sub {
        my ($i, $host, $path) = @_;
        return $ua->get("http://127.0.0.1:$h->{ports}[$i]$path", Host => $host);
    };
    my $tb = $get->(0, 'autoconfig.inherits.test', '/mail/config-v1.1.xml');
    like($tb->content, qr/version="1\.2".*type="jmap".*webMail.*setupServer.*<oAuth2>/s,
         'inherited: all four additions');
    $tb = $get->(1, 'autoconfig.drops.test', '/mail/config-v1.1.xml');
    is($tb->code, 200, 'none: 200');
    like($tb->content, qr/version="1\.1"/, 'none: version 1.1');
    unlike($tb->content, qr/jmap|webMail|setupServer|OAuth2/, 'none: none of them');
    my $pacc = $get->(1, 'ua-auto-config.drops.test',
                      '/.well-known/user-agent-configuration.json');
    unlike($pacc->content, qr/jmap|managesieve|oauth-public/, 'none: not in PACC either');
    $h->stop;
}

done_testing();
