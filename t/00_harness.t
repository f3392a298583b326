# SPDX-License-Identifier: Apache-2.0
# Licensed under the Apache License, Version 2.0; see LICENSE.
# Sanity checks of the test harness itself: the test httpd (with our module
# loaded) answers, the configtest helpers work, and the vhost/XML helpers
# behave as documented.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use Apache::TestRequest qw(GET);
use MailAutoconfTest qw(vhost_get vhost_request parse_xml
                        configtest_ok configtest_fails);

plan tests => 13;

# --- main server
my $res = GET '/';
ok($res->code < 500, 'GET / answers without a server error')
    or diag($res->as_string);

# --- configtest helpers
my ($ok, $out) = configtest_ok('');
ok($ok, 'configtest_ok(empty snippet) passes') or diag($out);
like($out, qr/Syntax OK/, 'httpd -t reports Syntax OK');

my ($status, $fail_out) = configtest_fails('NoSuchDirective x');
isnt($status, 0, 'configtest_fails(NoSuchDirective x) exits nonzero');
like($fail_out, qr/NoSuchDirective/, 'the bad directive is named in the output');

# --- named vhost helpers (t/conf/harness.conf.in)
$res = vhost_get('harness_probe', '/harness/probe.xml',
                 Host => 'autoconfig.example.com');
is($res->code, 200, 'vhost_get reaches the named vhost') or diag($res->as_string);
is($res->header('X-Probe-Host'), 'autoconfig.example.com',
   'explicit Host header is sent');

my $doc = parse_xml($res->content);
is($doc->documentElement->nodeName, 'probe', 'parse_xml returns a document');

$res = vhost_request('harness_probe', 'POST', '/harness/probe.xml',
                     '<x/>', 'Content-Type' => 'text/xml');
is($res->header('X-Probe-Method'), 'POST', 'vhost_request sends the given method');
is($res->header('X-Probe-Length'), 4, 'vhost_request sends the body');

$res = GET '/';
unlike($res->header('X-Probe-Host') // '', qr/./,
       'plain GET still goes to the main server after vhost requests');

# --- parse_xml must not resolve external entities
my $xxe = parse_xml(<<'XML');
<?xml version="1.0"?>
<!DOCTYPE r [ <!ENTITY x SYSTEM "file:///etc/passwd"> ]>
<r>&x;</r>
XML
unlike($xxe->documentElement->textContent, qr/root:/,
       'parse_xml does not load external entities');

ok(!eval { parse_xml('<unclosed>'); 1 }, 'parse_xml dies on malformed XML');
