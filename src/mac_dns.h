/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: the DNS records an operator should publish.
 *
 * For one served mail domain:
 *
 *   autoconfig.<domain>.      CNAME  <web_host>.       Thunderbird & co.
 *   autodiscover.<domain>.    CNAME  <web_host>.       Outlook
 *   _autodiscover._tcp.<domain>.  SRV  0 0 <https_port> <web_host>.
 *   _imaps._tcp, _imap._tcp, _pop3s._tcp, _pop3._tcp,
 *   _submissions._tcp, _submission._tcp               RFC 6186 / RFC 8314
 *
 * Mail services: IMAP/POP3/SMTP servers with socket ssl go under the
 * implicit-TLS name (_imaps, _pop3s, _submissions), starttls and plain ones
 * under the other.  One SRV record per distinct HOST:PORT, in configured
 * order, weight 1: priorities 0, 1, 2, ... for the implicit-TLS name; the
 * STARTTLS/plain name continues where its implicit-TLS twin stopped, so
 * that clients prefer implicit TLS (RFC 8314 section 5.1).  A server listed twice with the same host and
 * port (e.g. once with OAuth2, once with a password) gives one record.  A
 * service with no server at all gets "0 0 0 ." (RFC 2782, RFC 6186 section
 * 3.4: the service is decidedly not available).
 *
 * Advisory entries: an SRV target must be a host name, never an address
 * (RFC 2782), and a name that is this server's own ServerName cannot be a
 * CNAME to itself.  Such cases give an entry with type and value NULL and
 * only a comment saying what to do instead; zone text writes it as a
 * comment line.  In detail:
 *   - a mail server given as an IP literal: an advisory entry under the
 *     service name, no record, and the service is not marked "not
 *     available" (it is offered, just not publishable);
 *   - web_host equal to autoconfig.<domain> or autodiscover.<domain>: an
 *     advisory entry for that name saying A/AAAA records are needed;
 *   - web_host an IPv4/IPv6 literal: autoconfig.<domain> and
 *     autodiscover.<domain> get A/AAAA records with that address, and the
 *     _autodiscover SRV record points at autodiscover.<domain>.;
 *   - web_host NULL, empty or not a host name: advisory entries only for
 *     the three web names.
 *
 * Depends on APR only.
 */
#ifndef MAC_DNS_H
#define MAC_DNS_H

#include <apr_pools.h>
#include <apr_tables.h>
#include "mac_account.h"

typedef struct {
    const char *name;     /* owner name, absolute with trailing dot,
                           * e.g. "_imaps._tcp.example.com." */
    const char *type;     /* "CNAME", "SRV", "A", "AAAA"; NULL for an
                           * advisory entry (no record, comment only) */
    const char *value;    /* RDATA as in a zone file, e.g.
                           * "0 1 993 imap.example.com." or "0 0 0 .";
                           * NULL when type is NULL */
    const char *comment;  /* short explanation, e.g. "IMAP over TLS
                           * (RFC 8314)" or "not offered" */
} mac_dns_rr_t;

/* Records for one served domain (lower case, no trailing dot).  web_host
 * is where this server answers autoconfig/autodiscover (its ServerName,
 * case-insensitive, a trailing dot is ignored); https_port usually 443
 * (anything outside 1..65535 is taken as 443).  Returns an array of
 * mac_dns_rr_t in the order: web names, then _autodiscover, then the six
 * mail services in the order listed above. */
apr_array_header_t *mac_dns_records(apr_pool_t *p, const mac_account_t *acct,
                                    const char *domain, const char *web_host,
                                    int https_port);

/* The records as zone-file text, one per line, "NAME TYPE RDATA ; COMMENT"
 * with the NAME, TYPE and RDATA columns padded to a common width (no TTL,
 * no class: the zone's defaults apply).  Advisory entries become
 * "; NAME COMMENT".  Control characters in any field become spaces.  Every
 * line ends with "\n"; an empty or NULL array gives "". */
char *mac_dns_zone_text(apr_pool_t *p, const apr_array_header_t *rrs);

#endif /* MAC_DNS_H */
