/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: per-address answers.  See mac_user.h.
 */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>

#include "mac_user.h"
#include "mac_addr.h"
#include "mac_escape.h"
#include "mac_autodiscover.h"
#include "mac_template.h"

static const char *const field_names[MAC_USER_NFIELDS] = {
    "login_name", "display_name", "imap_host", "pop3_host", "smtp_host",
    "redirect_addr", "redirect_url"
};

int mac_user_field(const char *name)
{
    int i;

    for (i = 0; name && i < MAC_USER_NFIELDS; i++) {
        if (strcasecmp(name, field_names[i]) == 0) {
            return i;
        }
    }
    return -1;
}

const char *mac_user_field_name(mac_user_field_e f)
{
    return (int)f >= 0 && f < MAC_USER_NFIELDS ? field_names[f] : "?";
}

void mac_user_set(apr_pool_t *p, mac_user_t *u, mac_user_field_e f,
                  const char *val, apr_size_t len)
{
    if ((int)f < 0 || f >= MAC_USER_NFIELDS) {
        return;
    }
    u->f[f] = val && len ? apr_pstrmemdup(p, val, len) : NULL;
    /* A value with a NUL inside keeps a marker the check refuses. */
    if (u->f[f] && memchr(val, '\0', len)) {
        u->f[f] = apr_pstrcat(p, "\001", u->f[f], NULL);
    }
}

/* An https URL without spaces, quotes or angle brackets. */
static const char *check_url(const char *s)
{
    const char *c;

    if (strncasecmp(s, "https://", 8) != 0 || !s[8] || s[8] == '/') {
        return "not an https URL";
    }
    for (c = s; *c; c++) {
        unsigned char ch = (unsigned char)*c;
        if (ch <= 0x20 || ch >= 0x7f || ch == '"' || ch == '<' || ch == '>'
            || ch == '\\') {
            return "a character not allowed in a URL";
        }
    }
    return NULL;
}

static const char *check_one(apr_pool_t *p, int f, const char *v)
{
    apr_size_t len = strlen(v);
    mac_addr_t a;

    if (len > MAC_USER_MAX_VALUE) {
        return "too long";
    }
    switch (f) {
    case MAC_USER_LOGIN_NAME:
        if (strchr(v, '%')) {
            return "a '%' (a login name is used as it is, never as a "
                   "template)";
        }
        return mac_text_check(v);
    case MAC_USER_DISPLAY_NAME:
        return mac_text_check(v);
    case MAC_USER_IMAP_HOST:
    case MAC_USER_POP3_HOST:
    case MAC_USER_SMTP_HOST:
        return mac_host_check(v, len);
    case MAC_USER_REDIRECT_ADDR:
        return mac_addr_parse(p, v, len, &a);
    case MAC_USER_REDIRECT_URL:
        return check_url(v);
    default:
        return "unknown field";
    }
}

const char *mac_user_check(apr_pool_t *p, const mac_user_t *u)
{
    const char *why;
    int i;

    for (i = 0; i < MAC_USER_NFIELDS; i++) {
        if (u->f[i] && (why = check_one(p, i, u->f[i])) != NULL) {
            return apr_pstrcat(p, field_names[i], ": ", why, NULL);
        }
    }
    return NULL;
}

int mac_user_empty(const mac_user_t *u)
{
    int i;

    for (i = 0; i < MAC_USER_NFIELDS; i++) {
        if (u->f[i]) {
            return 0;
        }
    }
    return 1;
}

const mac_account_t *mac_user_account(apr_pool_t *p,
                                      const mac_account_t *base,
                                      const mac_user_t *u)
{
    mac_account_t *acct;
    int k, i;

    if (!u->f[MAC_USER_LOGIN_NAME] && !u->f[MAC_USER_IMAP_HOST]
        && !u->f[MAC_USER_POP3_HOST] && !u->f[MAC_USER_SMTP_HOST]) {
        return base;
    }
    acct = apr_pmemdup(p, base, sizeof(*acct));
    if (u->f[MAC_USER_LOGIN_NAME]) {
        acct->login_template = u->f[MAC_USER_LOGIN_NAME];
    }
    for (k = 0; k < MAC_PROTO_COUNT; k++) {
        const char *host = u->f[MAC_USER_IMAP_HOST + k];

        if (!host) {
            continue;
        }
        if (acct->servers == base->servers) {
            acct->servers = apr_array_copy(p, base->servers);
        }
        host = mac_strlower(p, host, strlen(host));
        for (i = 0; i < acct->servers->nelts; i++) {
            mac_server_t *srv = &APR_ARRAY_IDX(acct->servers, i,
                                               mac_server_t);
            srv->host = srv->proto == (mac_proto_e)k ? host : srv->host;
        }
    }
    return acct;
}

static char *as_is(apr_pool_t *p, const char *s, apr_size_t len,
                   apr_size_t *outlen)
{
    *outlen = len;
    return apr_pstrmemdup(p, s, len);
}

const char *mac_user_login_for(apr_pool_t *p, const char *tpl,
                               const char *address, const char *local,
                               const char *domain)
{
    mac_values_t vals;
    const char *login;

    memset(&vals, 0, sizeof(vals));
    mac_values_from_addr(p, &vals, address, local, domain, as_is);
    login = mac_template_fill(p, tpl, &vals);
    return login && !strchr(login, '%') ? login : NULL;
}

/* ---- LDAP filters ---- */

char *mac_ldap_escape(apr_pool_t *p, const char *s, apr_size_t len)
{
    char *out = apr_palloc(p, len * 3 + 1), *o = out;
    apr_size_t i;

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '*' || c == '(' || c == ')' || c == '\\' || c == '\0') {
            static const char hex[] = "0123456789abcdef";
            *o++ = '\\';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
        else {
            *o++ = (char)c;
        }
    }
    *o = '\0';
    return out;
}

#define FILTER_TPL_MAX 512

const char *mac_ldap_filter_check(apr_pool_t *p, const char *tpl)
{
    const char *c;
    int depth = 0, slots = 0;
    apr_size_t len = strlen(tpl);

    (void)p;
    if (len == 0 || len > FILTER_TPL_MAX) {
        return "the filter must have 1 to 512 characters";
    }
    if (tpl[0] != '(' || tpl[len - 1] != ')') {
        return "the filter must be in parentheses, e.g. (mail=%s)";
    }
    for (c = tpl; *c; c++) {
        unsigned char ch = (unsigned char)*c;
        if (ch < 0x20 || ch >= 0x7f) {
            return "the filter must be printable ASCII";
        }
        if (ch == '%') {
            if (c[1] != 's') {
                return "the only '%' allowed is %s, where the address goes";
            }
            slots++;
            c++;
        }
        else if (ch == '(') {
            depth++;
        }
        else if (ch == ')') {
            if (--depth < 0 || (depth == 0 && c[1])) {
                return "the filter's parentheses do not match";
            }
        }
    }
    if (depth != 0) {
        return "the filter's parentheses do not match";
    }
    if (slots < 1 || slots > 4) {
        return "the filter must have 1 to 4 %s, where the address goes";
    }
    return NULL;
}

char *mac_ldap_filter(apr_pool_t *p, const char *tpl, const char *addr,
                      apr_size_t len, const char **why)
{
    const char *esc, *c;
    apr_size_t i;
    char *out, *o;
    apr_size_t elen, n = 0;

    if (len == 0 || len > MAC_ADDRESS_MAX) {
        *why = "the address is empty or too long";
        return NULL;
    }
    for (i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)addr[i];
        if (ch <= 0x20 || ch >= 0x7f || ch == '(' || ch == ')'
            || ch == '\\') {
            *why = "the address has a character no address can have";
            return NULL;
        }
    }
    esc = mac_ldap_escape(p, addr, len);
    elen = strlen(esc);
    for (c = tpl; *c; c++) {
        n += (c[0] == '%' && c[1] == 's') ? elen : 1;
    }
    out = o = apr_palloc(p, n + 1);
    for (c = tpl; *c; c++) {
        if (c[0] == '%' && c[1] == 's') {
            memcpy(o, esc, elen);
            o += elen;
            c++;
        }
        else {
            *o++ = *c;
        }
    }
    *o = '\0';
    return out;
}

const char *mac_ldap_url_parse(apr_pool_t *p, const char *url,
                               mac_ldap_url_t *out)
{
    const char *rest, *slash, *colon;
    apr_size_t hlen;

    memset(out, 0, sizeof(*out));
    if (strncasecmp(url, "ldap://", 7) == 0) {
        rest = url + 7;
        out->port = 389;
    }
    else if (strncasecmp(url, "ldaps://", 8) == 0) {
        rest = url + 8;
        out->port = 636;
        out->ldaps = 1;
    }
    else {
        return "the URL must start with ldap:// or ldaps://";
    }
    if ((slash = strchr(rest, '/')) == NULL || !slash[1]) {
        return "the URL must end with /BASEDN, the entries searched";
    }
    if (strpbrk(slash + 1, "?#")) {
        return "the URL must not have a query: the filter and attributes "
               "have directives of their own";
    }
    if ((colon = memchr(rest, ':', slash - rest)) != NULL) {
        char *end;
        long port = strtol(colon + 1, &end, 10);
        if (end != slash || port < 1 || port > 65535) {
            return "the URL's port must be a number from 1 to 65535";
        }
        out->port = (int)port;
        hlen = colon - rest;
    }
    else {
        hlen = slash - rest;
    }
    if (hlen == 0 || mac_host_check(rest, hlen) != NULL) {
        return "the URL's host is not a host name or IPv4 address";
    }
    out->host = apr_pstrmemdup(p, rest, hlen);
    out->basedn = apr_pstrdup(p, slash + 1);
    if (mac_has_ctl(out->basedn, strlen(out->basedn))) {
        return "the base DN has a control character";
    }
    return NULL;
}

/* ---- Redirects ---- */

void mac_user_chain_start(mac_user_chain_t *c, const char *address)
{
    c->n = 1;
    c->seen[0] = address;
}

const char *mac_user_chain_step(mac_user_chain_t *c, const char *next)
{
    int i;

    for (i = 0; i < c->n; i++) {
        if (strcasecmp(c->seen[i], next) == 0) {
            return "the redirects make a loop";
        }
    }
    if (c->n > MAC_USER_REDIRECT_MAX) {
        return "the chain of redirects is longer than "
               APR_STRINGIFY(MAC_USER_REDIRECT_MAX);
    }
    c->seen[c->n++] = next;
    return NULL;
}

char *mac_user_ad_redirect(apr_pool_t *p, int url, const char *value,
                           apr_size_t *len)
{
    apr_size_t elen;
    const char *esc = mac_xml_escape(p, value, strlen(value), &elen);
    const char *el = url ? "RedirectUrl" : "RedirectAddr";
    char *out = apr_pstrcat(p,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
        "<Autodiscover xmlns=\"" MAC_AD_NS_RESPONSE "\">\n"
        "  <Response xmlns=\"" MAC_AD_NS_OUTLOOK "\">\n"
        "    <Account>\n"
        "      <AccountType>email</AccountType>\n"
        "      <Action>", url ? "redirectUrl" : "redirectAddr",
        "</Action>\n"
        "      <", el, ">", esc, "</", el, ">\n"
        "    </Account>\n"
        "  </Response>\n"
        "</Autodiscover>\n", NULL);

    *len = strlen(out);
    return out;
}

char *mac_user_mobilesync_redirect(apr_pool_t *p, const char *address,
                                   apr_size_t *len)
{
    apr_size_t elen;
    const char *esc = mac_xml_escape(p, address, strlen(address), &elen);
    char *out = apr_pstrcat(p,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
        "<Autodiscover xmlns=\"" MAC_AD_NS_RESPONSE "\">\n"
        "  <Response xmlns=\"" MAC_AD_NS_MOBILESYNC "\">\n"
        "    <Action>\n"
        "      <Redirect>", esc, "</Redirect>\n"
        "    </Action>\n"
        "  </Response>\n"
        "</Autodiscover>\n", NULL);

    *len = strlen(out);
    return out;
}

/* ---- Cache records ---- */

unsigned char *mac_user_encode(apr_pool_t *p, const mac_user_t *u,
                               apr_size_t *len)
{
    apr_size_t n = MAC_USER_HEADER, vl[MAC_USER_NFIELDS];
    apr_uint64_t t = (apr_uint64_t)apr_time_sec(u->fetched);
    unsigned char *buf, *o;
    int i;

    for (i = 0; i < MAC_USER_NFIELDS; i++) {
        vl[i] = u->f[i] ? strlen(u->f[i]) : 0;
        if (vl[i] > MAC_USER_MAX_VALUE) {
            return NULL;
        }
        n += 2 + vl[i];
    }
    o = buf = apr_palloc(p, n);
    *o++ = MAC_USER_VERSION;
    for (i = 7; i >= 0; i--) {
        *o++ = (unsigned char)(t >> (i * 8));
    }
    for (i = 0; i < MAC_USER_NFIELDS; i++) {
        *o++ = (unsigned char)(vl[i] >> 8);
        *o++ = (unsigned char)vl[i];
        if (vl[i]) {
            memcpy(o, u->f[i], vl[i]);
            o += vl[i];
        }
    }
    *len = n;
    return buf;
}

const char *mac_user_decode(apr_pool_t *p, const unsigned char *buf,
                            apr_size_t len, mac_user_t *u)
{
    apr_uint64_t t = 0;
    apr_size_t off = MAC_USER_HEADER;
    int i;

    memset(u, 0, sizeof(*u));
    if (len < MAC_USER_HEADER || buf[0] != MAC_USER_VERSION) {
        return "not a record of this version";
    }
    for (i = 1; i <= 8; i++) {
        t = (t << 8) | buf[i];
    }
    if (t > (apr_uint64_t)APR_INT64_C(253402300799)) {   /* 9999-12-31 */
        return "a time out of range";
    }
    u->fetched = apr_time_from_sec((apr_time_t)t);
    for (i = 0; i < MAC_USER_NFIELDS; i++) {
        apr_size_t n;
        if (len - off < 2) {
            return "the record is cut short";
        }
        n = ((apr_size_t)buf[off] << 8) | buf[off + 1];
        off += 2;
        if (n > MAC_USER_MAX_VALUE || len - off < n) {
            return "a value is longer than the record";
        }
        mac_user_set(p, u, (mac_user_field_e)i, (const char *)buf + off, n);
        off += n;
    }
    if (off != len) {
        return "bytes after the last value";
    }
    return mac_user_check(p, u);
}
