# SPDX-License-Identifier: Apache-2.0
# Licensed under the Apache License, Version 2.0; see LICENSE.
# Only the administrator can switch the status page on: a .htaccess with
# "SetHandler mailautoconf-status" gets 403, MailAutoconfStatus in
# .htaccess is refused by httpd, and a page scoped to a virtual host shows
# that host only.  Scenarios: t/conf/status_access.conf.in.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use Apache::TestUtil qw(t_start_error_log_watch t_finish_error_log_watch);
use JSON::PP ();
use MailAutoconfTest qw(vhost_get);

# [what, path, status, body pattern, the other customer's domain shown?]
my @CASES = (
    ['.htaccess with SetHandler alone', '/customer/handler/', 403,
     qr/not enabled here/, 0],
    ['.htaccess with MailAutoconfStatus', '/customer/directive/', 500,
     qr/Internal Server Error/i, 0],
    ['SetHandler without MailAutoconfStatus', '/plain-status', 403,
     qr/not enabled here/, 0],
    ['MailAutoconfStatus Off', '/off-status', 403, qr/not enabled here/, 0],
    ['a directory the administrator scoped to the virtual host',
     '/customer/scoped/', 200, qr/customer\.test/, 0],
    ['MailAutoconfStatus Server', '/server-wide-status', 200,
     qr/customer\.test/, 1],
);

for my $c (@CASES) {
    my ($what, $path, $code, $re, $other) = @$c;
    t_start_error_log_watch();
    my $res = vhost_get('sa_customer', $path);
    my @log = t_finish_error_log_watch();
    is($res->code, $code, "$what: $code");
    like($res->content, $re, "$what: the body");
    if ($other) {
        like($res->content, qr/secret-other\.test/,
             "$what: every virtual host is listed");
    }
    else {
        unlike($res->content, qr/secret-other\.test/,
               "$what: no other virtual host's domain");
    }
    if ($code == 403) {
        ok((grep { /MAC00208/ } @log), "$what: MAC00208 logged");
        is($res->header('Cache-Control'), 'no-store', "$what: not cached");
    }
    if ($code == 500) {
        ok((grep { /MailAutoconfStatus not allowed here/ } @log),
           "$what: httpd logs that the directive is not allowed there");
    }
}

# The scoped page in JSON: one virtual host, this one.
my $res = vhost_get('sa_customer', '/customer/scoped/?json');
is($res->code, 200, 'scoped page, JSON: 200');
my $j = eval { JSON::PP::decode_json($res->content) } || {};
is(scalar @{ $j->{vhosts} || [] }, 1, 'scoped page, JSON: one virtual host');
is($j->{vhosts}[0]{server_name}, 'customer.example.test',
   'scoped page, JSON: the one asked');

done_testing();
