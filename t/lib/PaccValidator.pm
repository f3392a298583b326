# SPDX-License-Identifier: Apache-2.0
# Licensed under the Apache License, Version 2.0; see LICENSE.
package PaccValidator;

# A checker of PACC configuration documents (draft-ietf-mailmaint-pacc),
# written from the draft's description of the document, independently of
# the module's C code:
#
#   * the body is UTF-8 JSON (RFC 8259), no byte order mark, one object,
#     no member name twice in an object;
#   * "protocols" (required): an object whose members are protocols; the
#     HTTP-based ones (jmap, caldav, carddav, webdav) are objects with
#     "url", an absolute https URL without fragment; the TCP-based ones
#     (imap, pop3, smtp, managesieve) objects with "host", a fully
#     qualified host name (no port, no scheme, no address literal);
#     names the draft does not define are allowed (clients ignore them);
#     at least one protocol;
#   * "authentication" (required): an object; "password" a JSON boolean;
#     "oauth-public", when present, an object whose "issuer" is an https
#     URL without query or fragment (RFC 8414 issuer identifier); at least
#     one method offered;
#   * "info" (required): "provider" (required) an object with "name"
#     (required, a non-empty string of at most 60 characters) and
#     "shortName" (optional, at most 20 characters); "help" (optional) an
#     object whose members "documentation", "developer" and "contact" are
#     URLs (contact: mailto:, tel: or https:);
#   * every string is non-empty.
#
#   use PaccValidator qw(pacc_errors);
#   my @errors = pacc_errors($bytes);     # () when the document is valid

use strict;
use warnings FATAL => 'all';

use Exporter 'import';
use JSON::PP ();
use Encode ();

our @EXPORT_OK = qw(pacc_errors);

my %HTTP_PROTO = map { $_ => 1 } qw(jmap caldav carddav webdav);
my %TCP_PROTO  = map { $_ => 1 } qw(imap pop3 smtp managesieve);

sub _is_host {
    my ($h) = @_;
    return 0 unless defined $h && !ref $h && length $h <= 253;
    return 0 if $h =~ /^[0-9.]+$/ || $h =~ /[:\[\]]/;
    my @labels = split /\./, $h, -1;
    return 0 if @labels < 2;
    for my $l (@labels) {
        return 0 unless $l =~ /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
    }
    return 1;
}

sub _is_https_url {
    my ($u, $no_query) = @_;
    return 0 unless defined $u && !ref $u;
    return 0 unless $u =~ m{^https://([^/?#]+)([^#]*)$};
    my ($auth, $rest) = ($1, $2);
    return 0 if $auth =~ /@/;
    return 0 if $no_query && $rest =~ /\?/;
    return 0 if $u =~ /[\s\x00-\x1f\x7f]/;
    if ($auth =~ s/:(\d+)$//) {
        my $port = $1;
        return 0 if $port < 1 || $port > 65535;
    }
    return $auth =~ /^\[[0-9A-Fa-f:.]+\]$/ || _is_host($auth)
        || $auth =~ /^\d+\.\d+\.\d+\.\d+$/;
}

# Member names in the order and number they appear, per object, found by
# a scan of the text (JSON::PP keeps only the last of a repeated name).
sub _duplicate_names {
    my ($text) = @_;
    my @stack;
    my @dups;
    my $i = 0;
    my $n = length $text;
    while ($i < $n) {
        my $c = substr($text, $i, 1);
        if ($c eq '"') {
            my $j = $i + 1;
            while ($j < $n && substr($text, $j, 1) ne '"') {
                $j += substr($text, $j, 1) eq '\\' ? 2 : 1;
            }
            my $str = substr($text, $i + 1, $j - $i - 1);
            my $k = $j + 1;
            $k++ while $k < $n && substr($text, $k, 1) =~ /\s/;
            if (@stack && $k < $n && substr($text, $k, 1) eq ':') {
                push @dups, $str if $stack[-1]{$str}++;
            }
            $i = $j + 1;
            next;
        }
        push @stack, {} if $c eq '{';
        pop @stack if $c eq '}';
        $i++;
    }
    return @dups;
}

sub pacc_errors {
    my ($bytes) = @_;
    my @e;

    return ('empty body') unless defined $bytes && length $bytes;
    return ('starts with a byte order mark') if $bytes =~ /^\xEF\xBB\xBF/;
    my $text = eval { Encode::decode('UTF-8', $bytes, Encode::FB_CROAK()) };
    return ('not UTF-8') unless defined $text;
    my $doc = eval { JSON::PP->new->decode($text) };
    return ("not JSON: $@") unless defined $doc;
    return ('not a JSON object') unless ref $doc eq 'HASH';
    push @e, map { "member \"$_\" given twice" } _duplicate_names($text);

    my $p = $doc->{protocols};
    if (ref $p ne 'HASH') {
        push @e, 'protocols: missing or not an object';
    }
    else {
        push @e, 'protocols: none offered' unless %$p;
        for my $name (sort keys %$p) {
            my $v = $p->{$name};
            if (ref $v ne 'HASH') {
                push @e, "protocols.$name: not an object";
                next;
            }
            if ($HTTP_PROTO{$name}) {
                push @e, "protocols.$name.url: not an https URL without "
                    . 'fragment' unless _is_https_url($v->{url});
            }
            elsif ($TCP_PROTO{$name}) {
                push @e, "protocols.$name.host: not a host name"
                    unless _is_host($v->{host});
            }
        }
    }

    my $a = $doc->{authentication};
    if (ref $a ne 'HASH') {
        push @e, 'authentication: missing or not an object';
    }
    else {
        if (exists $a->{password} && !JSON::PP::is_bool($a->{password})) {
            push @e, 'authentication.password: not a boolean';
        }
        if (exists $a->{'oauth-public'}) {
            my $o = $a->{'oauth-public'};
            if (ref $o ne 'HASH' || !_is_https_url($o->{issuer}, 1)) {
                push @e, 'authentication.oauth-public.issuer: not an https '
                    . 'URL without query or fragment';
            }
        }
        push @e, 'authentication: no method offered'
            unless ($a->{password} && JSON::PP::is_bool($a->{password}))
                || exists $a->{'oauth-public'};
    }

    my $info = $doc->{info};
    if (ref $info ne 'HASH' || ref $info->{provider} ne 'HASH') {
        push @e, 'info.provider: missing or not an object';
    }
    else {
        my $pr = $info->{provider};
        if (!defined $pr->{name} || ref $pr->{name} || $pr->{name} eq '') {
            push @e, 'info.provider.name: missing or empty';
        }
        elsif (length $pr->{name} > 60) {
            push @e, 'info.provider.name: longer than 60 characters';
        }
        if (exists $pr->{shortName}
            && (ref $pr->{shortName} || $pr->{shortName} eq ''
                || length $pr->{shortName} > 20)) {
            push @e, 'info.provider.shortName: empty or longer than 20 '
                . 'characters';
        }
        if (exists $info->{help}) {
            my $h = $info->{help};
            if (ref $h ne 'HASH') {
                push @e, 'info.help: not an object';
            }
            else {
                for my $k (qw(documentation developer)) {
                    next unless exists $h->{$k};
                    push @e, "info.help.$k: not an http(s) URL"
                        unless !ref $h->{$k}
                            && $h->{$k} =~ m{^https?://[^\s/?#]+};
                }
                if (exists $h->{contact}) {
                    for my $c (ref $h->{contact} eq 'ARRAY'
                               ? @{ $h->{contact} } : ($h->{contact})) {
                        push @e, 'info.help.contact: not a mailto:, tel: '
                            . 'or https: URL'
                            unless !ref $c && $c =~ m{^(?:mailto:|tel:|https://)};
                    }
                }
            }
        }
    }
    return @e;
}

1;
