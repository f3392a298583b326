# SPDX-License-Identifier: Apache-2.0
# Licensed under the Apache License, Version 2.0; see LICENSE.
# Requests and answers shared by the per-address tests (t/user_sql.t,
# t/user_ldap.t, t/user_pgsql.t): each runs servers of its own (own_httpd)
# and asks them as Thunderbird, Outlook (POX and v2) and an Apple device
# do.  t/dbd_socache.t uses the request and status-page helpers too.
package MailAutoconfUser;

use strict;
use warnings;

use Exporter 'import';
use HTTP::Request ();
use LWP::UserAgent ();
use JSON::PP ();
use MailAutoconfTest qw(parse_xml in_path prerequisites);

# in_path and prerequisites are MailAutoconfTest's, offered here too.
our @EXPORT_OK = qw(get tb tb_login pox pox_field v2 apple same_answer
                    log_count queries status_json in_path prerequisites
                    small_mpm);

use constant NS_REQUEST =>
    'http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006';
use constant NS_OUTLOOK =>
    'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a';

my $UA = LWP::UserAgent->new(timeout => 30, keep_alive => 0,
                             max_redirect => 0);

# One child of 8 threads (event) or two processes (prefork): the caches
# and counters the tests look at are then easy to reason about.
sub small_mpm {
    return <<'EOC';
<IfModule mpm_event_module>
    StartServers 1
    ServerLimit 1
    ThreadsPerChild 8
    MinSpareThreads 8
    MaxSpareThreads 8
    MaxRequestWorkers 8
</IfModule>
<IfModule mpm_prefork_module>
    StartServers 2
    MinSpareServers 2
    MaxSpareServers 2
</IfModule>
EOC
}

sub _url { my ($h, $path) = @_; "http://127.0.0.1:$h->{ports}[0]$path" }

sub get {
    my ($h, $path) = @_;
    return $UA->get(_url($h, $path));
}

# Thunderbird: the response for ?emailaddress=ADDRESS (URI-escaped here).
sub tb {
    my ($h, $addr) = @_;
    (my $q = $addr) =~ s/([^A-Za-z0-9._~-])/sprintf('%%%02X', ord $1)/ge;
    return get($h, "/mail/config-v1.1.xml?emailaddress=$q");
}

# The first incoming server's username and hostname of a Thunderbird answer.
sub tb_login {
    my ($res) = @_;
    return (undef, undef) unless $res->code == 200;
    my $doc = parse_xml($res->decoded_content);
    return ($doc->findvalue('(//incomingServer)[1]/username'),
            $doc->findvalue('(//incomingServer)[1]/hostname'));
}

# Outlook POX: a POST for ADDRESS, in the outlook schema unless SCHEMA.
sub pox {
    my ($h, $addr, $schema) = @_;
    $schema //= NS_OUTLOOK;
    my $body = qq{<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="@{[NS_REQUEST]}"><Request>
<EMailAddress>$addr</EMailAddress>
<AcceptableResponseSchema>$schema</AcceptableResponseSchema>
</Request></Autodiscover>};
    my $req = HTTP::Request->new(POST => _url($h,
                                 '/autodiscover/autodiscover.xml'));
    $req->header('Content-Type' => 'text/xml; charset=utf-8');
    $req->content($body);
    return $UA->request($req);
}

# A value of a POX answer by local element name (the first one).
sub pox_field {
    my ($res, $name) = @_;
    return undef unless $res->code == 200;
    my $doc = parse_xml($res->decoded_content);
    return $doc->findvalue("(//*[local-name()='$name'])[1]");
}

sub v2 {
    my ($h, $addr) = @_;
    my $res = get($h, "/autodiscover/autodiscover.json/v1.0/$addr"
                      . '?Protocol=AutodiscoverV1');
    my $j = $res->code == 200
            ? eval { JSON::PP::decode_json($res->content) } : undef;
    return ($res, $j);
}

sub apple {
    my ($h, $addr) = @_;
    return get($h, "/email.mobileconfig?emailaddress=$addr");
}

# Two answers alike in status, body and the headers a client sees; the
# empty string, or what differs.  With $from and $to, $from in the first
# body reads as $to (for answers that name the address asked about).
sub same_answer {
    my ($a, $b, $from, $to) = @_;
    my $body = $a->content;
    $body =~ s/\Q$from\E/$to/g if defined $from;
    return 'status' unless $a->code == $b->code;
    return 'body' unless $body eq $b->content;
    for my $hd (qw(Content-Type Cache-Control ETag Last-Modified
                   Content-Length X-Content-Type-Options)) {
        return $hd unless ($a->header($hd) // '') eq ($b->header($hd) // '');
    }
    return '';
}

sub log_count {
    my ($h, $re) = @_;
    my @n = $h->error_log =~ /$re/g;
    return scalar @n;
}

# The status page's JSON (it needs a /mac-status location), or undef.
sub status_json {
    my ($h) = @_;
    my $res = get($h, '/mac-status?json');
    return $res->code == 200 ? eval { JSON::PP::decode_json($res->content) }
                             : undef;
}

# The status page's count of database and directory queries.
sub queries {
    my $j = status_json($_[0]);
    return $j ? $j->{database_queries} : undef;
}

1;
