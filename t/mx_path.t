# SPDX-License-Identifier: Apache-2.0
# Licensed under the Apache License, Version 2.0; see LICENSE.
# The MX path: when a domain has no autoconfig host of its own, Thunderbird
# looks up its MX (say mx.hoster.example), takes that host's base domain
# and asks https://autoconfig.hoster.example/mail/config-v1.1.xml
# ?emailaddress=ADDRESS (thunderbird-android: PostMxLookupAutoconfigUrl-
# Provider; desktop: the same URL after its MX look-up).  A hoster then
# serves every customer domain from one virtual host, and the answer names
# the address's domain.  Scenario: <VirtualHost pacc_hoster> in
# t/conf/pacc.conf.in (domains from directives); t/pacc_db.t does the same
# with domains from a database.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use MailAutoconfTest qw(vhost_get parse_xml);

my $HOST = 'autoconfig.hoster.example';

for my $d (qw(customer-one.example customer-two.example)) {
    my $res = vhost_get('pacc_hoster', "/mail/config-v1.1.xml?emailaddress=user%40$d",
                        Host => $HOST, 'User-Agent' => 'Thunderbird');
    is($res->code, 200, "$d asked at $HOST: 200") or diag($res->as_string);
    my $doc = parse_xml($res->content);
    is($doc->findvalue('/clientConfig/emailProvider/@id'), $d,
       'emailProvider id is the address\'s domain');
    ok(grep({ $_->textContent eq $d } $doc->findnodes('/clientConfig/emailProvider/domain')),
       'the domain is listed');
    is($doc->findvalue('/clientConfig/emailProvider/incomingServer[1]/hostname'),
       'mail.hoster.example', 'the hoster\'s IMAP server');
    is($doc->findvalue('/clientConfig/emailProvider/displayName'), 'Hoster Mail',
       'the hoster\'s name');
}

# The same with the address the way Android's URL builder encodes it, and
# on the well-known path.
{
    my $res = vhost_get('pacc_hoster',
        '/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=user@customer-two.example',
        Host => $HOST);
    is($res->code, 200, 'the well-known path too');
    is(parse_xml($res->content)->findvalue('/clientConfig/emailProvider/@id'),
       'customer-two.example', 'for the address\'s domain');
}

# A domain the hoster does not serve: 404, never another customer's file.
{
    my $res = vhost_get('pacc_hoster',
        '/mail/config-v1.1.xml?emailaddress=user@stranger.example', Host => $HOST);
    is($res->code, 404, 'a domain not served there: 404');
    unlike($res->content, qr/customer-/, 'no customer named');
}

done_testing();
