/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: PACC documents and their DNS records.  See
 * mac_pacc.h.
 */
#include <string.h>
#include <apr_strings.h>
#include <apr_base64.h>
#include <openssl/evp.h>
#include "mac_pacc.h"
#include "mac_dav.h"
#include "mac_std.h"
#include "mac_dns.h"
#include "mac_addr.h"
#include "mac_buf.h"

/* The implicit-TLS ports PACC clients use for a bare host. */
static const int tls_port[MAC_PROTO_COUNT] = { 993, 995, 465 };

/* The draft's length limits for the provider's names, in characters. */
#define NAME_MAX_CHARS  60
#define SHORT_MAX_CHARS 20

static apr_size_t utf8_chars(const char *s)
{
    apr_size_t n = 0;

    for (; *s; s++) {
        n += ((unsigned char)*s & 0xC0) != 0x80;
    }
    return n;
}

/* The first server of proto that PACC can describe, or NULL. */
static const mac_server_t *pacc_server(const mac_account_t *acct,
                                       mac_proto_e proto)
{
    int i;

    for (i = 0; i < acct->servers->nelts; i++) {
        const mac_server_t *s = &APR_ARRAY_IDX(acct->servers, i,
                                               mac_server_t);
        if (s->proto == proto && s->socket == MAC_SOCK_SSL
            && s->port == tls_port[proto]) {
            return s;
        }
    }
    return NULL;
}

static int sieve_ok(const mac_account_t *acct)
{
    return acct->managesieve && acct->managesieve->port == MAC_SIEVE_PORT
           && acct->managesieve->socket != MAC_SOCK_PLAIN;
}

static int uses_password(const mac_account_t *acct)
{
    int i;

    if (acct->jmap_url || sieve_ok(acct) || acct->caldav_url
        || acct->carddav_url) {
        return 1;          /* offered with a password (HTTP Basic, PLAIN) */
    }
    for (i = 0; i < acct->servers->nelts; i++) {
        const mac_server_t *s = &APR_ARRAY_IDX(acct->servers, i,
                                               mac_server_t);
        if ((s->auth == MAC_AUTH_PASSWORD_CLEARTEXT
             || s->auth == MAC_AUTH_PASSWORD_ENCRYPTED)
            && pacc_server(acct, s->proto) == s) {
            return 1;
        }
    }
    return 0;
}

/* "name": on its own line at the indent, after a comma when not the
 * object's first member. */
static void put_key(mac_buf_t *o, int *count, const char *indent,
                    const char *name)
{
    mac_buf_add(o, (*count)++ ? ",\n" : "\n");
    mac_buf_add(o, indent);
    mac_buf_add_json(o, name);
    mac_buf_add(o, ": ");
}

/* "name": {"field": "value"} */
static void put_one(mac_buf_t *o, int *count, const char *name,
                    const char *field, const char *value)
{
    put_key(o, count, "    ", name);
    mac_buf_add(o, "{");
    mac_buf_add_json(o, field);
    mac_buf_add(o, ": ");
    mac_buf_add_json(o, value);
    mac_buf_add(o, "}");
}

char *mac_pacc_render(apr_pool_t *p, const mac_account_t *acct,
                      const char *domain, apr_size_t *len, const char **why)
{
    static const mac_proto_e order[] = {
        MAC_PROTO_IMAP, MAC_PROTO_POP3, MAC_PROTO_SMTP
    };
    apr_pool_t *scratch;
    mac_buf_t o;
    int nproto = 0, nauth = 0, ninfo = 0, nprov = 0;
    unsigned k;
    apr_size_t n;
    const char *out;
    char *doc;

    /* The pieces live in a scratch pool; only the document stays. */
    if (apr_pool_create(&scratch, p) != APR_SUCCESS) {
        *why = "out of memory";
        return NULL;
    }
    mac_buf_init(&o, scratch);
    mac_buf_add(&o, "{\n  \"protocols\": {");
    if (acct->jmap_url) {
        put_one(&o, &nproto, "jmap", "url", acct->jmap_url);
    }
    for (k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
        const mac_server_t *s = pacc_server(acct, order[k]);
        if (s) {
            put_one(&o, &nproto, mac_proto_name(order[k]), "host",
                    mac_server_host(scratch, s, domain));
        }
    }
    /* CalDAV and CardDAV: their URLs with the domain filled in. */
    if (acct->caldav_url) {
        put_one(&o, &nproto, "caldav", "url",
                mac_dav_url(scratch, acct->caldav_url, domain));
    }
    if (acct->carddav_url) {
        put_one(&o, &nproto, "carddav", "url",
                mac_dav_url(scratch, acct->carddav_url, domain));
    }
    if (sieve_ok(acct)) {
        put_one(&o, &nproto, "managesieve", "host",
                mac_std_sieve_host(scratch, acct, domain));
    }
    if (nproto == 0) {
        apr_pool_destroy(scratch);
        *why = "no server is offered on implicit TLS at its standard port "
               "(IMAP ssl 993, POP3 ssl 995, SMTP ssl 465) and no JMAP URL "
               "is set";
        return NULL;
    }
    mac_buf_add(&o, "\n  },\n  \"authentication\": {");
    put_key(&o, &nauth, "    ", "password");
    mac_buf_add(&o, uses_password(acct) ? "true" : "false");
    if (acct->oauth2) {
        put_one(&o, &nauth, "oauth-public", "issuer", acct->oauth2->issuer);
    }
    mac_buf_add(&o, "\n  },\n  \"info\": {");
    put_key(&o, &ninfo, "    ", "provider");
    mac_buf_add(&o, "{");
    put_key(&o, &nprov, "      ", "name");
    mac_buf_add_json(&o, acct->display_name ? acct->display_name : domain);
    if (acct->short_name && utf8_chars(acct->short_name) <= SHORT_MAX_CHARS) {
        put_key(&o, &nprov, "      ", "shortName");
        mac_buf_add_json(&o, acct->short_name);
    }
    mac_buf_add(&o, "\n    }");
    if (acct->doc_url) {
        put_key(&o, &ninfo, "    ", "help");
        mac_buf_add(&o, "{\"documentation\": ");
        mac_buf_add_json(&o, acct->doc_url);
        mac_buf_add(&o, "}");
    }
    mac_buf_add(&o, "\n  }\n}\n");

    out = mac_buf_join(&o, &n);
    doc = apr_pstrmemdup(p, out, n);
    apr_pool_destroy(scratch);
    if (len) {
        *len = n;
    }
    *why = NULL;
    return doc;
}

const char *mac_pacc_txt(apr_pool_t *p, const char *body, apr_size_t len)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    char *b64;

    if (EVP_Digest(body, len, md, &mdlen, EVP_sha256(), NULL) != 1) {
        return NULL;
    }
    b64 = apr_palloc(p, apr_base64_encode_len((int)mdlen));
    apr_base64_encode(b64, (const char *)md, (int)mdlen);
    return apr_pstrcat(p, "v=UAAC1; a=sha256; d=", b64, NULL);
}

void mac_pacc_warnings(apr_pool_t *p, const mac_account_t *acct,
                       apr_array_header_t *warnings)
{
    const char *why;

    if (!mac_pacc_render(p, acct, "example.com", NULL, &why)) {
        APR_ARRAY_PUSH(warnings, const char *) = apr_pstrcat(p,
            "PACC: nothing is served at /.well-known/user-agent-"
            "configuration.json: ", why, NULL);
        return;
    }
    if (acct->managesieve && !sieve_ok(acct)) {
        APR_ARRAY_PUSH(warnings, const char *) =
            "PACC: the ManageSieve server is left out of the PACC document, "
            "which names only a server on port 4190 with TLS";
    }
    if (strcmp(acct->login_template, "%EMAILADDRESS%") != 0) {
        APR_ARRAY_PUSH(warnings, const char *) =
            "PACC: clients log in with the whole email address, but "
            "MailAutoconfLoginName says otherwise";
    }
    if (acct->display_name
        && utf8_chars(acct->display_name) > NAME_MAX_CHARS) {
        APR_ARRAY_PUSH(warnings, const char *) =
            "PACC: the display name is longer than the 60 characters the "
            "draft allows for the provider's name";
    }
    if (acct->short_name
        && utf8_chars(acct->short_name) > SHORT_MAX_CHARS) {
        APR_ARRAY_PUSH(warnings, const char *) =
            "PACC: the short name is longer than the 20 characters the "
            "draft allows, so it is left out";
    }
}

/* A SRV target: a host name (an address cannot be one, RFC 2782). */
static int is_name(const char *h)
{
    apr_size_t len = h ? strlen(h) : 0;

    return len && !strchr(h, ':') && !(h[len - 1] >= '0' && h[len - 1] <= '9')
           && mac_domain_check(h, len) == NULL;
}

void mac_pacc_dns_records(apr_pool_t *p, apr_array_header_t *rrs,
                          const mac_account_t *acct, const char *domain,
                          const char *web_host)
{
    const char *ua = apr_pstrcat(p, MAC_PACC_HOST_PREFIX, domain, ".", NULL);
    const char *txt = apr_pstrcat(p, MAC_PACC_TXT_PREFIX, domain, ".", NULL);
    const char *why, *body, *host;
    apr_size_t len;
    char *wh = NULL;
    int port;

    if (web_host && *web_host) {
        apr_size_t n = strlen(web_host);
        if (web_host[n - 1] == '.') {
            n--;
        }
        wh = mac_strlower(p, web_host, n);
    }
    body = mac_pacc_render(p, acct, domain, &len, &why);
    if (!body) {
        mac_dns_push(rrs, ua, NULL, NULL, apr_pstrcat(p, "PACC: not served: ", why,
                                              NULL));
    }
    else {
        const char *t = mac_pacc_txt(p, body, len);
        if (wh && is_name(wh) && strcmp(apr_pstrcat(p, wh, ".", NULL), ua)) {
            mac_dns_push(rrs, ua, "CNAME", apr_pstrcat(p, wh, ".", NULL),
                 "PACC (draft-ietf-mailmaint-pacc)");
        }
        else {
            mac_dns_push(rrs, ua, NULL, NULL,
                 "PACC: publish A/AAAA records of this server for this name "
                 "and a certificate that covers it");
        }
        if (t) {
            mac_dns_push(rrs, txt, "TXT", apr_pstrcat(p, "\"", t, "\"", NULL),
                 "PACC digest of the document; publish it again after "
                 "every change of the settings");
        }
    }
    if (acct->jmap_url
        && (host = mac_std_url_host(p, acct->jmap_url, &port)) != NULL) {
        const char *name = apr_pstrcat(p, "_jmap._tcp.", domain, ".", NULL);
        if (is_name(host)) {
            mac_dns_push(rrs, name, "SRV", apr_psprintf(p, "0 1 %d %s.",
                                                port ? port : 443, host),
                 "JMAP (RFC 8620)");
        }
        else {
            mac_dns_push(rrs, name, NULL, NULL, "JMAP: the URL's host is an "
                 "address; a SRV record needs a host name");
        }
    }
    if (acct->managesieve) {
        const char *name = apr_pstrcat(p, "_sieve._tcp.", domain, ".", NULL);
        host = mac_std_sieve_host(p, acct, domain);
        if (is_name(host)) {
            mac_dns_push(rrs, name, "SRV", apr_psprintf(p, "0 1 %d %s.",
                                                acct->managesieve->port,
                                                host),
                 "ManageSieve (RFC 5804)");
        }
        else {
            mac_dns_push(rrs, name, NULL, NULL, "ManageSieve: the host is an "
                 "address; a SRV record needs a host name");
        }
    }
}
