/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: DNS records to publish.  See mac_dns.h.
 */
#include <string.h>
#include <apr_strings.h>
#include "mac_dns.h"
#include "mac_addr.h"

/* The six mail services of RFC 6186 / RFC 8314, in output order. */
static const struct {
    mac_proto_e proto;
    int         tls;       /* 1: servers with socket ssl; 0: the others */
    const char *label;     /* owner name prefix */
    const char *what;      /* for comments */
    const char *rfc;
} services[] = {
    { MAC_PROTO_IMAP, 1, "_imaps._tcp", "IMAP over TLS", "RFC 8314" },
    { MAC_PROTO_IMAP, 0, "_imap._tcp", "IMAP", "RFC 6186" },
    { MAC_PROTO_POP3, 1, "_pop3s._tcp", "POP3 over TLS", "RFC 8314" },
    { MAC_PROTO_POP3, 0, "_pop3._tcp", "POP3", "RFC 6186" },
    { MAC_PROTO_SMTP, 1, "_submissions._tcp", "SMTP submission over TLS",
      "RFC 8314" },
    { MAC_PROTO_SMTP, 0, "_submission._tcp", "SMTP submission", "RFC 6186" },
};
#define NSERVICES (sizeof(services) / sizeof(services[0]))

static void push(apr_array_header_t *a, const char *name, const char *type,
                 const char *value, const char *comment)
{
    mac_dns_rr_t *rr = apr_array_push(a);

    rr->name = name;
    rr->type = type;
    rr->value = value;
    rr->comment = comment;
}

/* A host accepted by mac_host_check is an IP literal when it has a colon
 * (IPv6) or ends in a digit (IPv4: an all-digit last label is refused for
 * names). 0: name, 4: IPv4, 6: IPv6. */
static int ip_kind(const char *host)
{
    apr_size_t len = strlen(host);

    if (strchr(host, ':')) {
        return 6;
    }
    if (len && host[len - 1] >= '0' && host[len - 1] <= '9') {
        return 4;
    }
    return 0;
}

/* The web host normalised: lower case, no trailing dot, no brackets
 * around an IPv6 literal.  NULL when it is not usable as a host. */
static const char *web_host_norm(apr_pool_t *p, const char *h)
{
    apr_size_t len;

    if (!h) {
        return NULL;
    }
    len = strlen(h);
    if (len >= 2 && h[0] == '[' && h[len - 1] == ']') {
        h++;
        len -= 2;
    }
    else if (len > 1 && h[len - 1] == '.') {
        len--;
    }
    if (len == 0 || mac_host_check(h, len) != NULL) {
        return NULL;
    }
    return mac_strlower(p, h, len);
}

static void web_records(apr_pool_t *p, apr_array_header_t *a,
                        const char *domain, const char *web_host,
                        int https_port)
{
    const char *ac = apr_pstrcat(p, "autoconfig.", domain, NULL);
    const char *ad = apr_pstrcat(p, "autodiscover.", domain, NULL);
    const char *srv_name = apr_pstrcat(p, "_autodiscover._tcp.", domain, ".",
                                       NULL);
    const char *srv_target;
    int kind;

    if (!web_host) {
        const char *why = "no usable ServerName: point this name at the "
                          "server that answers for it";
        push(a, apr_pstrcat(p, ac, ".", NULL), NULL, NULL,
             apr_pstrcat(p, "Thunderbird autoconfig: ", why, NULL));
        push(a, apr_pstrcat(p, ad, ".", NULL), NULL, NULL,
             apr_pstrcat(p, "Outlook Autodiscover: ", why, NULL));
        push(a, srv_name, NULL, NULL,
             "Outlook Autodiscover: no usable ServerName to point this "
             "SRV record at");
        return;
    }

    kind = ip_kind(web_host);
    if (kind) {
        const char *type = kind == 6 ? "AAAA" : "A";
        push(a, apr_pstrcat(p, ac, ".", NULL), type, web_host,
             "Thunderbird autoconfig (ServerName is an address)");
        push(a, apr_pstrcat(p, ad, ".", NULL), type, web_host,
             "Outlook Autodiscover (ServerName is an address)");
        srv_target = apr_pstrcat(p, ad, ".", NULL);
    }
    else {
        if (strcmp(web_host, ac) == 0) {
            push(a, apr_pstrcat(p, ac, ".", NULL), NULL, NULL,
                 "Thunderbird autoconfig: this is the ServerName itself, "
                 "publish A/AAAA records for it (not a CNAME)");
        }
        else {
            push(a, apr_pstrcat(p, ac, ".", NULL), "CNAME",
                 apr_pstrcat(p, web_host, ".", NULL),
                 "Thunderbird autoconfig");
        }
        if (strcmp(web_host, ad) == 0) {
            push(a, apr_pstrcat(p, ad, ".", NULL), NULL, NULL,
                 "Outlook Autodiscover: this is the ServerName itself, "
                 "publish A/AAAA records for it (not a CNAME)");
        }
        else {
            push(a, apr_pstrcat(p, ad, ".", NULL), "CNAME",
                 apr_pstrcat(p, web_host, ".", NULL),
                 "Outlook Autodiscover");
        }
        srv_target = apr_pstrcat(p, web_host, ".", NULL);
    }
    push(a, srv_name, "SRV",
         apr_psprintf(p, "0 0 %d %s", https_port, srv_target),
         "Outlook Autodiscover (SRV fallback)");
}

/* The records of one service, priorities from first_rank on; returns how
 * many were published. */
static int service_records(apr_pool_t *p, apr_array_header_t *a,
                           const mac_account_t *acct, const char *domain,
                           unsigned svc, int first_rank)
{
    const char *name = apr_pstrcat(p, services[svc].label, ".", domain, ".",
                                   NULL);
    /* indexes of the servers already published, to skip duplicates */
    apr_array_header_t *seen = apr_array_make(p, 4, sizeof(int));
    int i, j, rank = first_rank, offered = 0;

    for (i = 0; acct->servers && i < acct->servers->nelts; i++) {
        const mac_server_t *s = &APR_ARRAY_IDX(acct->servers, i,
                                               mac_server_t);
        const char *host;
        int dup = 0;

        if (s->proto != services[svc].proto
            || (s->socket == MAC_SOCK_SSL) != services[svc].tls) {
            continue;
        }
        host = mac_server_host(p, s, domain);
        offered = 1;
        if (ip_kind(s->host)) {
            push(a, name, NULL, NULL,
                 apr_psprintf(p, "%s: %s%s%s port %d is an IP address, which "
                              "an SRV record cannot point to; give the server "
                              "a host name to publish it",
                              services[svc].what,
                              strchr(s->host, ':') ? "[" : "", s->host,
                              strchr(s->host, ':') ? "]" : "", s->port));
            continue;
        }
        for (j = 0; j < seen->nelts; j++) {
            const mac_server_t *o = &APR_ARRAY_IDX(acct->servers,
                                                   APR_ARRAY_IDX(seen, j, int),
                                                   mac_server_t);
            if (o->port == s->port && strcmp(o->host, s->host) == 0) {
                dup = 1;
                break;
            }
        }
        if (dup) {
            continue;
        }
        APR_ARRAY_PUSH(seen, int) = i;
        push(a, name, "SRV",
             apr_psprintf(p, "%d 1 %d %s.", rank, s->port, host),
             apr_psprintf(p, "%s%s (%s)", services[svc].what,
                          services[svc].tls ? ""
                          : s->socket == MAC_SOCK_STARTTLS ? " with STARTTLS"
                          : " without TLS",
                          services[svc].rfc));
        rank++;
    }
    if (!offered) {
        push(a, name, "SRV", "0 0 0 .",
             apr_pstrcat(p, services[svc].what, ": not offered", NULL));
    }
    return rank - first_rank;
}

apr_array_header_t *mac_dns_records(apr_pool_t *p, const mac_account_t *acct,
                                    const char *domain, const char *web_host,
                                    int https_port)
{
    apr_array_header_t *a = apr_array_make(p, 12, sizeof(mac_dns_rr_t));
    unsigned svc;
    int tls_published = 0;

    if (https_port < 1 || https_port > 65535) {
        https_port = 443;
    }
    web_records(p, a, domain, web_host_norm(p, web_host), https_port);
    /* RFC 8314 5.1: implicit TLS is preferred, so each STARTTLS/plain
     * service's priorities come after those of its implicit-TLS twin,
     * which the table lists just before it. */
    for (svc = 0; svc < NSERVICES; svc++) {
        int n = service_records(p, a, acct, domain, svc,
                                services[svc].tls ? 0 : tls_published);
        tls_published = services[svc].tls ? n : 0;
    }
    return a;
}

/* ------------------------------------------------------------ zone text */

static apr_size_t slen(const char *s)
{
    return s ? strlen(s) : 0;
}

/* Append s, control characters as spaces, padded with spaces to width. */
static char *put(char *o, const char *s, apr_size_t width)
{
    apr_size_t n = 0;

    for (; s && *s; s++, n++) {
        unsigned char c = (unsigned char)*s;
        *o++ = (c < 0x20 || c == 0x7F) ? ' ' : (char)c;
    }
    while (n++ < width) {
        *o++ = ' ';
    }
    return o;
}

char *mac_dns_zone_text(apr_pool_t *p, const apr_array_header_t *rrs)
{
    apr_size_t wname = 0, wtype = 0, wvalue = 0, size = 0, n;
    char *out, *o;
    int i;

    if (!rrs || rrs->nelts == 0) {
        return apr_pstrdup(p, "");
    }
    for (i = 0; i < rrs->nelts; i++) {
        const mac_dns_rr_t *rr = &APR_ARRAY_IDX(rrs, i, mac_dns_rr_t);
        if (!rr->type) {
            continue;
        }
        if ((n = slen(rr->name)) > wname) {
            wname = n;
        }
        if ((n = slen(rr->type)) > wtype) {
            wtype = n;
        }
        if ((n = slen(rr->value)) > wvalue) {
            wvalue = n;
        }
    }
    /* An upper bound: every line padded to full width plus separators. */
    for (i = 0; i < rrs->nelts; i++) {
        const mac_dns_rr_t *rr = &APR_ARRAY_IDX(rrs, i, mac_dns_rr_t);
        size += wname + wtype + wvalue + slen(rr->name) + slen(rr->type)
                + slen(rr->value) + slen(rr->comment) + 8;
    }
    o = out = apr_palloc(p, size + 1);
    for (i = 0; i < rrs->nelts; i++) {
        const mac_dns_rr_t *rr = &APR_ARRAY_IDX(rrs, i, mac_dns_rr_t);

        if (!rr->type) {
            o = put(o, "; ", 0);
            o = put(o, rr->name, 0);
            if (rr->comment && *rr->comment) {
                *o++ = ' ';
                o = put(o, rr->comment, 0);
            }
        }
        else {
            int has_comment = rr->comment && *rr->comment;
            o = put(o, rr->name, wname);
            *o++ = ' ';
            o = put(o, rr->type, wtype);
            *o++ = ' ';
            o = put(o, rr->value, has_comment ? wvalue : 0);
            if (has_comment) {
                o = put(o, " ; ", 0);
                o = put(o, rr->comment, 0);
            }
        }
        *o++ = '\n';
    }
    *o = '\0';
    return out;
}
