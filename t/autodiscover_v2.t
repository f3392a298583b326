# SPDX-License-Identifier: Apache-2.0
# Licensed under the Apache License, Version 2.0; see LICENSE.
# Autodiscover v2: GET /autodiscover/autodiscover.json tells the client
# where the POX endpoint (or the ActiveSync server) is.  The Url is built
# from the vhost's ServerName, never from the request.
# Vhosts: t/conf/autodiscover.conf.in.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use MailAutoconfTest qw(vhost_get);
use JSON::PP ();

use constant {
    JSON_PATH => '/autodiscover/autodiscover.json',
    JSON_TYPE => qr{^application/json(?:;\s*charset=utf-8)?$}i,
    BASIC_POX => 'https://ad-basic.example.test/autodiscover/autodiscover.xml',
    AS_POX => 'https://ad-activesync.example.test/autodiscover/autodiscover.xml',
    AS_URL => 'https://eas.example.com/Microsoft-Server-ActiveSync',
    LAX_POX => 'https://ad-lax.example.test/autodiscover/autodiscover.xml',
};

sub decode {
    my ($res) = @_;
    my $data = eval { JSON::PP->new->decode($res->content) };
    diag("not JSON: $@" . $res->as_string) unless ref $data eq 'HASH';
    return ref $data eq 'HASH' ? $data : {};
}

# name, vhost, path+query, HTTP status, expected JSON (a hash: exactly
# this; a string: the ErrorCode), markers that must not be echoed,
# headers
my @cases = (
    # --- answers
    ['?Email=', ad_basic => JSON_PATH . '?Email=a@example.com&Protocol=AutodiscoverV1',
     200, { Protocol => 'AutodiscoverV1', Url => BASIC_POX }],
    ['/v1.0/ADDRESS', ad_basic => JSON_PATH . '/v1.0/a@example.com?Protocol=AutodiscoverV1',
     200, { Protocol => 'AutodiscoverV1', Url => BASIC_POX }],
    ['/v1.0/ADDRESS, the second domain', ad_basic =>
     JSON_PATH . '/v1.0/b@example.org?Protocol=AutodiscoverV1',
     200, { Protocol => 'AutodiscoverV1', Url => BASIC_POX }],
    ['?Email= percent-encoded', ad_basic =>
     JSON_PATH . '?Email=a%40example.com&Protocol=AutodiscoverV1',
     200, { Protocol => 'AutodiscoverV1', Url => BASIC_POX }],
    ['AutodiscoverV1 on ad_activesync', ad_activesync =>
     JSON_PATH . '/v1.0/c@example.net?Protocol=AutodiscoverV1',
     200, { Protocol => 'AutodiscoverV1', Url => AS_POX }],
    ['ActiveSync on ad_activesync', ad_activesync =>
     JSON_PATH . '/v1.0/c@example.net?Protocol=ActiveSync',
     200, { Protocol => 'ActiveSync', Url => AS_URL }],
    ['ActiveSync on ad_activesync, ?Email=', ad_activesync =>
     JSON_PATH . '?Email=c@example.net&Protocol=ActiveSync',
     200, { Protocol => 'ActiveSync', Url => AS_URL }],

    # --- the protocol
    ['Protocol=Ews', ad_basic => JSON_PATH . '?Email=a@example.com&Protocol=Ews',
     400, 'InvalidProtocol'],
    ['Protocol=Ews, /v1.0/', ad_basic => JSON_PATH . '/v1.0/a@example.com?Protocol=Ews',
     400, 'InvalidProtocol'],
    ['no Protocol', ad_basic => JSON_PATH . '?Email=a@example.com', 400, 'InvalidProtocol'],
    ['no Protocol, /v1.0/', ad_basic => JSON_PATH . '/v1.0/a@example.com',
     400, 'InvalidProtocol'],
    ['ActiveSync without an ActiveSync URL', ad_basic =>
     JSON_PATH . '/v1.0/a@example.com?Protocol=ActiveSync', 400, 'InvalidProtocol'],
    ['an unknown protocol', ad_basic =>
     JSON_PATH . '/v1.0/a@example.com?Protocol=mkp-proto', 400, 'InvalidProtocol',
     ['mkp-proto']],

    # --- unknown domains and bad addresses
    ['an unknown domain, ?Email=', ad_basic =>
     JSON_PATH . '?Email=mku-user@mku-unknown.test&Protocol=AutodiscoverV1',
     404, 'NotFound', ['mku-user', 'mku-unknown']],
    ['an unknown domain, /v1.0/', ad_basic =>
     JSON_PATH . '/v1.0/mku-user2@mku-unknown2.test?Protocol=AutodiscoverV1',
     404, 'NotFound', ['mku-user2', 'mku-unknown2']],
    ['a subdomain of a served domain', ad_basic =>
     JSON_PATH . '/v1.0/a@mku-sub.example.com?Protocol=AutodiscoverV1',
     404, 'NotFound', ['mku-sub']],
    ['a bad address', ad_basic =>
     JSON_PATH . '/v1.0/mkb-noat.example.com?Protocol=AutodiscoverV1',
     400, 'InvalidRequest', ['mkb-noat']],
    ['markup in the address', ad_basic =>
     JSON_PATH . '?Email=%3Cmkb-tag%3E%40example.com&Protocol=AutodiscoverV1',
     400, 'InvalidRequest', ['mkb-tag']],
    ['the address twice', ad_basic =>
     JSON_PATH . '?Email=a@example.com&Email=b@example.com&Protocol=AutodiscoverV1',
     400, 'InvalidRequest'],

    # --- the Host header is never echoed (ad_lax lets httpd pass any Host)
    ['a Host header with markup', ad_lax =>
     JSON_PATH . '/v1.0/a@example.com?Protocol=AutodiscoverV1',
     200, { Protocol => 'AutodiscoverV1', Url => LAX_POX }, ['mkh-tag'],
     [Host => '"><mkh-tag>.example.test']],
    ['a Host header with markup, unknown domain', ad_lax =>
     JSON_PATH . '/v1.0/a@mkh-unknown.test?Protocol=AutodiscoverV1',
     404, 'NotFound', ['mkh-tag2', 'mkh-unknown'], [Host => "autodiscover.<mkh-tag2>&'"]],
    ['a Host header with markup, no Protocol', ad_lax =>
     JSON_PATH . '/v1.0/a@example.com', 400, 'InvalidProtocol', ['mkh-tag3'],
     [Host => '<mkh-tag3 x="y">']],
    ['another Host name', ad_basic =>
     JSON_PATH . '/v1.0/a@example.com?Protocol=AutodiscoverV1',
     200, { Protocol => 'AutodiscoverV1', Url => BASIC_POX }, ['mkh-name'],
     [Host => 'mkh-name.example.test']],
    ['a Host header with markup (strict httpd)', ad_basic =>
     JSON_PATH . '/v1.0/a@example.com?Protocol=AutodiscoverV1',
     undef, undef, ['mkh-strict'], [Host => '"><mkh-strict>.example.test']],
);

my @tests;
for my $c (@cases) {
    my ($name, $vhost, $path, $status, $expect, $markers, $headers) = @$c;
    push @tests, ["$name ($vhost)" => sub {
        my $res = vhost_get($vhost, $path, @{ $headers // [] });
        if (defined $status) {
            is($res->code, $status, "HTTP $status") or diag($res->as_string);
        }
        else {
            # httpd itself may refuse the Host header; the point is that
            # nothing of it comes back.
            ok($res->code == 200 || $res->code == 400 || $res->code == 404,
               'HTTP 200, 400 or 404: ' . $res->code);
        }
        if (defined $expect || $res->code == 200) {
            like($res->header('Content-Type') // '', JSON_TYPE, 'Content-Type JSON');
            my $data = decode($res);
            if (ref $expect eq 'HASH') {
                is_deeply($data, $expect, 'the JSON answer');
            }
            elsif (defined $expect) {
                is($data->{ErrorCode}, $expect, "ErrorCode $expect");
                ok(!exists $data->{Url}, 'no Url');
            }
            elsif ($res->code == 200) {
                is($data->{Url}, BASIC_POX, 'the Url is built from ServerName');
            }
        }
        for my $m (@{ $markers // [] }) {
            unlike($res->content, qr/\Q$m\E/i, "'$m' is not echoed");
        }
    }];
}

plan tests => scalar @tests;
for my $t (@tests) {
    subtest $t->[0] => $t->[1];
}
