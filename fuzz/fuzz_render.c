/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * libFuzzer harness for the renderers: mac_tb_render (Thunderbird),
 * mac_ad_compile/mac_ad_fill/mac_ad_pick/mac_ad_error (Outlook),
 * mac_apple_compile/mac_apple_render (Apple profile), mac_apple_page and
 * mac_apple_filename -- with hostile values that passed the same
 * validation the module applies (mac_addr_parse, mac_apple_check_name,
 * mac_template_check, mac_host_check, the directive checks for texts and
 * URLs).
 *
 * Input: two option bytes (which servers, socket types, authentication,
 * ActiveSync on/off), then '\n'-separated fields:
 *   0 address   1 name   2 display name   3 short name   4 login template
 *   5 URL (documentation and ActiveSync)   6 documentation text   7 host
 *   8 AcceptableResponseSchema   9 page path   10 page error
 *   11 page name value   12 (the rest, newlines included) page address value
 * A value that fails its validation is replaced by a fixed valid one (or
 * left out where it is optional), so every input renders something.
 *
 * Invariants: every XML document parses with libxml2 without a single
 * error or warning (no network, no DTD loading, refusing loader; only the
 * Apple plist has, and must have, a DOCTYPE); every hostile value reads
 * back exactly as given (or, for configuration texts, with what XML cannot
 * carry replaced by U+FFFD); the plist is structurally a plist (key/value
 * pairs, no duplicate keys); identifiers and UUIDs have their documented
 * form and depend only on the lower-cased address; the Autodiscover v2
 * JSON decodes to the URL; the HTML page has exactly the markup of a
 * page with harmless values and gives the raw values back as attributes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>
#include <apr_tables.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "fuzz_common.h"
#include "mac_account.h"
#include "mac_addr.h"
#include "mac_apple.h"
#include "mac_autodiscover.h"
#include "mac_escape.h"
#include "mac_template.h"
#include "mac_thunderbird.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

FZ_ROOT_AND_INIT(root)

enum {
    F_ADDR, F_NAME, F_DISPLAY, F_SHORT, F_TEMPLATE, F_URL, F_DOCTEXT, F_HOST,
    F_SCHEMA, F_PATH, F_ERROR, F_PAGE_NAME, F_PAGE_ADDR, F_COUNT
};

typedef struct {
    apr_pool_t         *p;
    mac_account_t       acct;
    mac_addr_t          addr;
    const char         *name;        /* passed mac_apple_check_name */
    const char         *host;
    const char         *as_url;      /* ActiveSync URL or NULL */
    const char         *login;       /* template filled, unescaped */
    int                 n_in, n_smtp;
} ctx_t;

/* ------------------------------------------------------------------ */
/* The module's checks, for values that would come from httpd.conf      */

static int no_nul(const char *s, size_t n)
{
    return s && memchr(s, '\0', n) == NULL;
}

/* MailAutoconfDisplayName & co. */
static const char *valid_text(const char *s, size_t n)
{
    if (!no_nul(s, n) || n == 0 || n > 256 || mac_has_ctl(s, n)
        || !mac_utf8_valid(s, n)) {
        return NULL;
    }
    return s;
}

/* MailAutoconfDocumentation URL, MailAutoconfActiveSyncURL */
static const char *valid_url(const char *s, size_t n, int https_only)
{
    if (!no_nul(s, n) || n > 2048 || mac_has_ctl(s, n) || memchr(s, ' ', n)
        || !mac_utf8_valid(s, n)) {
        return NULL;
    }
    if (strncasecmp(s, "https://", 8) == 0
        || (!https_only && strncasecmp(s, "http://", 7) == 0)) {
        return s;
    }
    return NULL;
}

/* ------------------------------------------------------------------ */
/* References                                                           */

/* The template with the placeholders replaced (Outlook, Apple). */
static const char *ref_fill(apr_pool_t *p, const char *tpl,
                            const mac_addr_t *a)
{
    static const char *const ph[3] = {
        "%EMAILADDRESS%", "%EMAILLOCALPART%", "%EMAILDOMAIN%"
    };
    const char *val[3];
    apr_array_header_t *parts = apr_array_make(p, 8, sizeof(const char *));
    const char *s = tpl;
    int i;

    val[0] = a->address;
    val[1] = a->local;
    val[2] = a->domain;
    while (*s) {
        for (i = 0; i < 3; i++) {
            size_t l = strlen(ph[i]);
            if (strncmp(s, ph[i], l) == 0) {
                APR_ARRAY_PUSH(parts, const char *) = val[i];
                s += l;
                break;
            }
        }
        if (i == 3) {
            APR_ARRAY_PUSH(parts, const char *) = apr_pstrmemdup(p, s, 1);
            s++;
        }
    }
    return apr_array_pstrcat(p, parts, 0);
}

static void expect_xml_value(ctx_t *c, const char *what, const char *got,
                             const char *value)
{
    size_t elen;
    const char *exp = fz_xml_expect(c->p, value, strlen(value), &elen);

    fz_expect_eq(what, got, exp, elen);
}

static void expect_exact(const char *what, const char *got, const char *value)
{
    fz_expect_eq(what, got, value, strlen(value));
}

/* ------------------------------------------------------------------ */
/* Thunderbird                                                          */

static void check_thunderbird(ctx_t *c)
{
    apr_size_t len = 0;
    const char *domain = c->addr.domain;
    const char *display = c->acct.display_name ? c->acct.display_name : domain;
    const char *shortn = c->acct.short_name ? c->acct.short_name : display;
    char *out = mac_tb_render(c->p, &c->acct, domain, &len);
    xmlDocPtr doc;
    xmlNodePtr cc, ep, n;
    xmlChar *id;
    int i, servers = 0;

    FZ_CHECK(out && strlen(out) == len, "mac_tb_render: length mismatch");
    doc = fz_xml_parse("Thunderbird config-v1.1.xml", out, len, 0);
    cc = xmlDocGetRootElement(doc);
    FZ_CHECK(strcmp((const char *)cc->name, "clientConfig") == 0,
             "Thunderbird: root is not clientConfig");
    FZ_CHECK(fz_count(cc, "emailProvider") == 1,
             "Thunderbird: not exactly one emailProvider");
    ep = fz_child(cc, "emailProvider");
    id = xmlGetProp(ep, (const xmlChar *)"id");
    expect_exact("Thunderbird emailProvider id", (const char *)id, domain);
    xmlFree(id);

    FZ_CHECK(fz_count(ep, "domain") == c->acct.domains->nelts,
             "Thunderbird: wrong number of domain elements");
    for (n = fz_child(ep, "domain"), i = 0; n; n = n->next) {
        if (n->type == XML_ELEMENT_NODE
            && strcmp((const char *)n->name, "domain") == 0) {
            expect_exact("Thunderbird domain", fz_text(c->p, n),
                         APR_ARRAY_IDX(c->acct.domains, i, const char *));
            i++;
        }
    }
    expect_xml_value(c, "Thunderbird displayName",
                     fz_text(c->p, fz_child(ep, "displayName")), display);
    expect_xml_value(c, "Thunderbird displayShortName",
                     fz_text(c->p, fz_child(ep, "displayShortName")), shortn);

    FZ_CHECK(fz_count(ep, "incomingServer") == c->n_in
             && fz_count(ep, "outgoingServer") == c->n_smtp,
             "Thunderbird: wrong number of servers");
    for (n = ep->children; n; n = n->next) {
        xmlNodePtr user;
        if (n->type != XML_ELEMENT_NODE
            || (strcmp((const char *)n->name, "incomingServer") != 0
                && strcmp((const char *)n->name, "outgoingServer") != 0)) {
            continue;
        }
        expect_exact("Thunderbird hostname",
                     fz_text(c->p, fz_child(n, "hostname")), c->host);
        user = fz_child(n, "username");
        if (strcmp(fz_text(c->p, fz_child(n, "authentication")), "none")
            == 0) {
            FZ_CHECK(user == NULL, "Thunderbird: username with auth none");
        }
        else {
            expect_xml_value(c, "Thunderbird username", fz_text(c->p, user),
                             c->acct.login_template);
        }
        servers++;
    }
    FZ_CHECK(servers == c->acct.servers->nelts,
             "Thunderbird: %d servers rendered, %d configured", servers,
             c->acct.servers->nelts);

    n = fz_child(ep, "documentation");
    if (c->acct.doc_url) {
        xmlChar *url;
        FZ_CHECK(n != NULL, "Thunderbird: documentation missing");
        url = xmlGetProp(n, (const xmlChar *)"url");
        expect_xml_value(c, "Thunderbird documentation url",
                         (const char *)url, c->acct.doc_url);
        xmlFree(url);
        expect_xml_value(c, "Thunderbird documentation descr",
                         fz_text(c->p, fz_child(n, "descr")),
                         c->acct.doc_text ? c->acct.doc_text : display);
    }
    else {
        FZ_CHECK(n == NULL, "Thunderbird: documentation without a URL");
    }
    xmlFreeDoc(doc);
}

/* ------------------------------------------------------------------ */
/* Outlook                                                              */

static void check_ns(xmlNodePtr n, const char *name, const char *ns)
{
    FZ_CHECK(n != NULL, "Autodiscover: element %s missing", name);
    FZ_CHECK(strcmp((const char *)n->name, name) == 0,
             "Autodiscover: %s where %s was expected", n->name, name);
    FZ_CHECK(n->ns && n->ns->href
             && strcmp((const char *)n->ns->href, ns) == 0,
             "Autodiscover: %s is not in namespace %s", name, ns);
}

static void check_autodiscover(ctx_t *c, const char *schema, int err_code,
                               apr_time_t now, unsigned long id)
{
    const char *pox_url = apr_pstrcat(c->p, "https://", c->host,
                                      "/autodiscover/autodiscover.xml", NULL);
    mac_ad_t *ad = mac_ad_compile(c->p, &c->acct, c->as_url);
    mac_ad_v2_t *v2 = mac_ad_v2_compile(c->p, pox_url, c->as_url);
    const mac_doc_t *picked;
    apr_size_t len = 0;
    char *out;
    xmlDocPtr doc;
    xmlNodePtr top, resp, acc, n;
    int protocols = 0;
    static const char prefix[] = "{\"Protocol\":\"AutodiscoverV1\",\"Url\":\"";
    size_t dlen, elen, plen = sizeof(prefix) - 1;
    const char *dec, *exp, *code;

    FZ_CHECK(ad && ad->outlook, "mac_ad_compile: no outlook document");
    out = mac_ad_fill(c->p, ad->outlook, c->addr.address, c->addr.local,
                      c->addr.domain, &len);
    FZ_CHECK(out && strlen(out) == len, "mac_ad_fill: length mismatch");
    doc = fz_xml_parse("Autodiscover (outlook)", out, len, 0);
    top = xmlDocGetRootElement(doc);
    check_ns(top, "Autodiscover", MAC_AD_NS_RESPONSE);
    resp = fz_child(top, "Response");
    check_ns(resp, "Response", MAC_AD_NS_OUTLOOK);
    acc = fz_child(resp, "Account");
    check_ns(acc, "Account", MAC_AD_NS_OUTLOOK);
    for (n = acc->children; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE
            || strcmp((const char *)n->name, "Protocol") != 0) {
            continue;
        }
        expect_exact("Autodiscover Server",
                     fz_text(c->p, fz_child(n, "Server")), c->host);
        expect_xml_value(c, "Autodiscover LoginName",
                         fz_text(c->p, fz_child(n, "LoginName")), c->login);
        protocols++;
    }
    FZ_CHECK(protocols == c->acct.servers->nelts,
             "Autodiscover: %d Protocol elements for %d servers", protocols,
             c->acct.servers->nelts);
    xmlFreeDoc(doc);

    if (c->as_url) {
        FZ_CHECK(ad->mobilesync != NULL, "mac_ad_compile: no mobilesync doc");
        out = mac_ad_fill(c->p, ad->mobilesync, c->addr.address,
                          c->addr.local, c->addr.domain, &len);
        FZ_CHECK(out && strlen(out) == len, "mac_ad_fill: length mismatch");
        doc = fz_xml_parse("Autodiscover (mobilesync)", out, len, 0);
        top = xmlDocGetRootElement(doc);
        check_ns(top, "Autodiscover", MAC_AD_NS_RESPONSE);
        resp = fz_child(top, "Response");
        check_ns(resp, "Response", MAC_AD_NS_MOBILESYNC);
        expect_exact("mobilesync EMailAddress",
                     fz_text(c->p, fz_child(fz_child(resp, "User"),
                                            "EMailAddress")),
                     c->addr.address);
        n = fz_child(fz_child(fz_child(resp, "Action"), "Settings"), "Server");
        expect_xml_value(c, "mobilesync Url", fz_text(c->p, fz_child(n, "Url")),
                         c->as_url);
        xmlFreeDoc(doc);
        FZ_CHECK(v2->json_as && strlen(v2->json_as) == v2->json_as_len,
                 "mac_ad_compile: ActiveSync v2 JSON length mismatch");
    }
    else {
        FZ_CHECK(ad->mobilesync == NULL && v2->json_as == NULL,
                 "mac_ad_compile: mobilesync without an ActiveSync URL");
    }

    /* Autodiscover v2 */
    FZ_CHECK(v2->json && strlen(v2->json) == v2->json_len,
             "mac_ad_compile: v2 JSON length mismatch");
    FZ_CHECK(v2->json_len >= plen + 2
             && memcmp(v2->json, prefix, plen) == 0
             && strcmp(v2->json + v2->json_len - 2, "\"}") == 0,
             "Autodiscover v2 JSON has the wrong frame: %s", v2->json);
    dec = fz_json_decode(c->p, "Autodiscover v2 Url", v2->json + plen,
                         v2->json_len - plen - 2, &dlen);
    exp = fz_json_expect(c->p, pox_url, strlen(pox_url), &elen);
    FZ_CHECK(dlen == elen && memcmp(dec, exp, elen) == 0,
             "Autodiscover v2 Url does not round-trip");

    /* mac_ad_pick */
    picked = mac_ad_pick(ad, schema);
    if (schema == NULL || strcmp(schema, MAC_AD_NS_OUTLOOK) == 0) {
        FZ_CHECK(picked == ad->outlook, "mac_ad_pick: outlook not picked");
    }
    else if (strcmp(schema, MAC_AD_NS_MOBILESYNC) == 0) {
        FZ_CHECK(picked == ad->mobilesync, "mac_ad_pick: mobilesync not "
                 "picked");
    }
    else {
        FZ_CHECK(picked == NULL, "mac_ad_pick: a document for an unknown "
                 "schema");
    }

    /* the error form */
    out = mac_ad_error(c->p, err_code, now, id, &len);
    FZ_CHECK(out && strlen(out) == len, "mac_ad_error: length mismatch");
    doc = fz_xml_parse("Autodiscover error", out, len, 0);
    top = xmlDocGetRootElement(doc);
    check_ns(top, "Autodiscover", MAC_AD_NS_RESPONSE);
    code = fz_text(c->p, fz_child(fz_child(fz_child(top, "Response"),
                                           "Error"), "ErrorCode"));
    expect_exact("mac_ad_error ErrorCode", code,
                 err_code == MAC_AD_ERROR_SCHEMA ? "601"
                 : err_code == MAC_AD_ERROR_NOT_FOUND ? "500" : "600");
    xmlFreeDoc(doc);
}

/* ------------------------------------------------------------------ */
/* Apple                                                                */

typedef struct {
    const char *key[64];
    xmlNodePtr  val[64];
    int         n;
} pdict_t;

static int plist_value_ok(xmlNodePtr v);

static int only_space(xmlNodePtr n)
{
    const xmlChar *s;

    if (n->type == XML_COMMENT_NODE) {
        return 1;
    }
    if (n->type != XML_TEXT_NODE) {
        return 0;
    }
    for (s = n->content; s && *s; s++) {
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r') {
            return 0;
        }
    }
    return 1;
}

/* A plist dict: key/value pairs, keys unique; fills d when given. */
static void plist_dict(apr_pool_t *p, xmlNodePtr dict, pdict_t *d)
{
    xmlNodePtr n;
    const char *key = NULL;
    pdict_t local;
    int i;

    if (d == NULL) {
        d = &local;
    }
    d->n = 0;
    for (n = dict->children; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE) {
            FZ_CHECK(only_space(n), "plist: stray content in a dict");
            continue;
        }
        if (key == NULL) {
            FZ_CHECK(strcmp((const char *)n->name, "key") == 0,
                     "plist: <%s> where a <key> was expected", n->name);
            key = fz_text(p, n);
            for (i = 0; i < d->n; i++) {
                FZ_CHECK(strcmp(d->key[i], key) != 0,
                         "plist: duplicate key %s", key);
            }
            continue;
        }
        FZ_CHECK(plist_value_ok(n), "plist: bad value <%s> for key %s",
                 n->name, key);
        FZ_CHECK(d->n < 64, "plist: too many keys");
        if (strcmp((const char *)n->name, "dict") == 0) {
            plist_dict(p, n, NULL);
        }
        d->key[d->n] = key;
        d->val[d->n] = n;
        d->n++;
        key = NULL;
    }
    FZ_CHECK(key == NULL, "plist: a key without a value");
}

static int plist_value_ok(xmlNodePtr v)
{
    static const char *const types[] = {
        "string", "integer", "true", "false", "dict", "array"
    };
    size_t i;

    for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if (strcmp((const char *)v->name, types[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

static xmlNodePtr pget(const pdict_t *d, const char *key)
{
    int i;

    for (i = 0; i < d->n; i++) {
        if (strcmp(d->key[i], key) == 0) {
            return d->val[i];
        }
    }
    return NULL;
}

static const char *pstr(apr_pool_t *p, const pdict_t *d, const char *key)
{
    xmlNodePtr v = pget(d, key);

    FZ_CHECK(v != NULL, "plist: key %s missing", key);
    FZ_CHECK(strcmp((const char *)v->name, "string") == 0,
             "plist: %s is <%s>, not <string>", key, v->name);
    return fz_text(p, v);
}

static void check_uuid(const char *u)
{
    int i;

    FZ_CHECK(strlen(u) == 36, "UUID of length %zu: %s", strlen(u), u);
    for (i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            FZ_CHECK(u[i] == '-', "UUID without '-' at %d: %s", i, u);
        }
        else {
            FZ_CHECK((u[i] >= '0' && u[i] <= '9') || (u[i] >= 'A'
                                                      && u[i] <= 'F'),
                     "UUID with '%c' at %d: %s", u[i], i, u);
        }
    }
    FZ_CHECK(u[14] == '5', "UUID is not version 5: %s", u);
    FZ_CHECK(strchr("89AB", u[19]) != NULL, "UUID variant is not RFC: %s", u);
}

/* "a.b.example.com" -> "com.example.b.a" (the domain is validated). */
static const char *ref_reverse(apr_pool_t *p, const char *d)
{
    apr_array_header_t *parts = apr_array_make(p, 8, sizeof(const char *));
    const char *end = d + strlen(d), *s = end;

    while (s > d) {
        const char *label = s;
        while (label > d && label[-1] != '.') {
            label--;
        }
        if (parts->nelts) {
            APR_ARRAY_PUSH(parts, const char *) = ".";
        }
        APR_ARRAY_PUSH(parts, const char *) =
            apr_pstrmemdup(p, label, (apr_size_t)(s - label));
        s = label > d ? label - 1 : d;
    }
    return apr_array_pstrcat(p, parts, 0);
}

static int needs_password(mac_auth_e a)
{
    return a == MAC_AUTH_PASSWORD_CLEARTEXT || a == MAC_AUTH_GSSAPI
        || a == MAC_AUTH_OAUTH2 || a == MAC_AUTH_PASSWORD_ENCRYPTED
        || a == MAC_AUTH_NTLM;
}

static const mac_server_t *first_of(ctx_t *c, mac_proto_e proto)
{
    int i;

    for (i = 0; i < c->acct.servers->nelts; i++) {
        const mac_server_t *s = &APR_ARRAY_IDX(c->acct.servers, i,
                                               mac_server_t);
        if (s->proto == proto) {
            return s;
        }
    }
    return NULL;
}

/* Renders the profile, checks it and returns the profile UUID. */
static const char *check_profile(ctx_t *c, const mac_apple_t *a,
                                 const mac_addr_t *addr, const char *name)
{
    apr_size_t len = 0;
    char *out = mac_apple_render(c->p, a, addr, name, &len);
    xmlDocPtr doc;
    xmlNodePtr plist, n;
    xmlChar *ver;
    pdict_t top, mail;
    const mac_server_t *in = first_of(c, MAC_PROTO_IMAP), *smtp;
    const char *kind = "EmailTypeIMAP", *u1, *u2, *ident, *want, *sender;
    const char *descr;
    size_t nlen;

    if (!in) {
        in = first_of(c, MAC_PROTO_POP3);
        kind = "EmailTypePOP";
    }
    smtp = first_of(c, MAC_PROTO_SMTP);

    FZ_CHECK(out && strlen(out) == len, "mac_apple_render: length mismatch");
    doc = fz_xml_parse("Apple profile", out, len, 1);
    FZ_CHECK(doc->intSubset->name
             && strcmp((const char *)doc->intSubset->name, "plist") == 0
             && doc->intSubset->ExternalID
             && strcmp((const char *)doc->intSubset->ExternalID,
                       "-//Apple//DTD PLIST 1.0//EN") == 0,
             "Apple profile: not the plist DOCTYPE");
    plist = xmlDocGetRootElement(doc);
    FZ_CHECK(strcmp((const char *)plist->name, "plist") == 0,
             "Apple profile: root is not plist");
    ver = xmlGetProp(plist, (const xmlChar *)"version");
    expect_exact("plist version", (const char *)ver, "1.0");
    xmlFree(ver);
    FZ_CHECK(fz_count(plist, "dict") == 1, "plist: not one top dict");
    plist_dict(c->p, fz_child(plist, "dict"), &top);

    n = pget(&top, "PayloadContent");
    FZ_CHECK(n && strcmp((const char *)n->name, "array") == 0
             && fz_count(n, "dict") == 1, "plist: PayloadContent is not an "
             "array of one dict");
    plist_dict(c->p, fz_child(n, "dict"), &mail);

    /* the address and the name, exactly */
    expect_exact("EmailAddress", pstr(c->p, &mail, "EmailAddress"),
                 addr->address);
    nlen = name ? strlen(name) : 0;
    while (nlen > 0 && *name == ' ') {
        name++;
        nlen--;
    }
    while (nlen > 0 && name[nlen - 1] == ' ') {
        nlen--;
    }
    sender = nlen ? apr_pstrmemdup(c->p, name, nlen) : addr->address;
    expect_exact("EmailAccountName", pstr(c->p, &mail, "EmailAccountName"),
                 sender);
    descr = c->acct.short_name ? c->acct.short_name
          : c->acct.display_name ? c->acct.display_name : NULL;
    if (descr) {
        expect_xml_value(c, "EmailAccountDescription",
                         pstr(c->p, &mail, "EmailAccountDescription"), descr);
    }
    else {
        expect_exact("EmailAccountDescription",
                     pstr(c->p, &mail, "EmailAccountDescription"),
                     addr->address);
    }
    expect_exact("EmailAccountType", pstr(c->p, &mail, "EmailAccountType"),
                 kind);
    expect_exact("IncomingMailServerHostName",
                 pstr(c->p, &mail, "IncomingMailServerHostName"), in->host);
    expect_exact("OutgoingMailServerHostName",
                 pstr(c->p, &mail, "OutgoingMailServerHostName"), smtp->host);
    want = ref_fill(c->p, c->acct.login_template, addr);
    if (needs_password(in->auth)) {
        expect_xml_value(c, "IncomingMailServerUsername",
                         pstr(c->p, &mail, "IncomingMailServerUsername"),
                         want);
    }
    else {
        FZ_CHECK(pget(&mail, "IncomingMailServerUsername") == NULL,
                 "plist: a user name without a password");
    }
    if (needs_password(smtp->auth)) {
        expect_xml_value(c, "OutgoingMailServerUsername",
                         pstr(c->p, &mail, "OutgoingMailServerUsername"),
                         want);
    }
    else {
        FZ_CHECK(pget(&mail, "OutgoingMailServerUsername") == NULL,
                 "plist: a user name without a password");
    }
    FZ_CHECK(pget(&mail, "IncomingPassword") == NULL
             && pget(&mail, "OutgoingPassword") == NULL,
             "plist: a password key");
    expect_exact("mail PayloadDisplayName",
                 pstr(c->p, &mail, "PayloadDisplayName"),
                 apr_pstrcat(c->p, "Email account ", addr->address, NULL));
    expect_exact("mail PayloadDescription",
                 pstr(c->p, &mail, "PayloadDescription"),
                 apr_pstrcat(c->p, "Configures Mail for ", addr->address, ".",
                             NULL));
    expect_exact("PayloadDisplayName", pstr(c->p, &top, "PayloadDisplayName"),
                 apr_pstrcat(c->p, "Email: ", addr->address, NULL));
    if (c->acct.display_name) {
        expect_xml_value(c, "PayloadOrganization",
                         pstr(c->p, &top, "PayloadOrganization"),
                         c->acct.display_name);
        expect_xml_value(c, "mail PayloadOrganization",
                         pstr(c->p, &mail, "PayloadOrganization"),
                         c->acct.display_name);
    }
    else {
        FZ_CHECK(pget(&top, "PayloadOrganization") == NULL
                 && pget(&mail, "PayloadOrganization") == NULL,
                 "plist: PayloadOrganization without a display name");
    }
    expect_exact("PayloadType", pstr(c->p, &top, "PayloadType"),
                 "Configuration");
    expect_exact("mail PayloadType", pstr(c->p, &mail, "PayloadType"),
                 "com.apple.mail.managed");

    /* identity */
    u1 = pstr(c->p, &top, "PayloadUUID");
    u2 = pstr(c->p, &mail, "PayloadUUID");
    check_uuid(u1);
    check_uuid(u2);
    FZ_CHECK(strcmp(u1, u2) != 0, "plist: both payloads share a UUID");
    ident = apr_pstrcat(c->p, ref_reverse(c->p, addr->domain),
                        ".mailautoconf.", mac_strlower(c->p, u1, 36), NULL);
    expect_exact("PayloadIdentifier", pstr(c->p, &top, "PayloadIdentifier"),
                 ident);
    expect_exact("mail PayloadIdentifier",
                 pstr(c->p, &mail, "PayloadIdentifier"),
                 apr_pstrcat(c->p, ident, ".mail", NULL));

    xmlFreeDoc(doc);
    return u1;
}

static void check_apple(ctx_t *c, int has_smtp)
{
    const char *err = NULL, *u_a, *u_b, *why;
    mac_apple_t *a = mac_apple_compile(c->p, &c->acct, &err);
    mac_addr_t upper;
    char *s;
    size_t i;

    if (!has_smtp) {
        FZ_CHECK(a == NULL && err != NULL,
                 "mac_apple_compile: a profile without an SMTP server");
        return;
    }
    FZ_CHECK(a != NULL, "mac_apple_compile failed: %s", err ? err : "?");
    u_a = check_profile(c, a, &c->addr, c->name);

    /* Same address with another name, and with the local part in
     * another letter case: the same identity. */
    s = apr_pstrdup(c->p, c->addr.address);
    for (i = 0; s[i] && s[i] != '@'; i++) {
        if (s[i] >= 'a' && s[i] <= 'z') {
            s[i] = (char)(s[i] - 32);
        }
        else if (s[i] >= 'A' && s[i] <= 'Z') {
            s[i] = (char)(s[i] + 32);
        }
    }
    why = mac_addr_parse(c->p, s, strlen(s), &upper);
    FZ_CHECK(why == NULL, "mac_addr_parse refuses a case variant: %s", why);
    u_b = check_profile(c, a, &upper, NULL);
    FZ_CHECK(strcmp(u_a, u_b) == 0,
             "profile UUID depends on the letter case of the address");
}

/* ------------------------------------------------------------------ */
/* HTML page and file name                                              */

static void count_markup(const char *s, int counts[3])
{
    counts[0] = counts[1] = counts[2] = 0;
    for (; *s; s++) {
        counts[0] += *s == '<';
        counts[1] += *s == '>';
        counts[2] += *s == '"';
    }
}

static xmlNodePtr find_id(xmlNodePtr n, const char *id)
{
    for (; n; n = n->next) {
        xmlNodePtr hit;
        if (n->type == XML_ELEMENT_NODE) {
            xmlChar *v = xmlGetProp(n, (const xmlChar *)"id");
            int match = v && strcmp((const char *)v, id) == 0;
            xmlFree(v);
            if (match) {
                return n;
            }
        }
        if ((hit = find_id(n->children, id)) != NULL) {
            return hit;
        }
    }
    return NULL;
}

static xmlNodePtr find_tag(xmlNodePtr n, const char *tag)
{
    for (; n; n = n->next) {
        xmlNodePtr hit;
        if (n->type == XML_ELEMENT_NODE
            && strcmp((const char *)n->name, tag) == 0) {
            return n;
        }
        if ((hit = find_tag(n->children, tag)) != NULL) {
            return hit;
        }
    }
    return NULL;
}

static void expect_attr(ctx_t *c, xmlNodePtr n, const char *attr,
                        const char *value, const char *what)
{
    xmlChar *v;

    FZ_CHECK(n != NULL, "page: element for %s missing", what);
    v = xmlGetProp(n, (const xmlChar *)attr);
    if (value == NULL) {
        FZ_CHECK(v == NULL, "page: %s has a %s attribute", what, attr);
    }
    else {
        expect_xml_value(c, what, v ? (const char *)v : NULL, value);
    }
    xmlFree(v);
}

static void check_page(ctx_t *c, char **f, size_t *fl)
{
    const char *path = f[F_PATH], *error = f[F_ERROR];
    const char *nv = f[F_PAGE_NAME], *av = f[F_PAGE_ADDR];
    apr_size_t len = 0, blen = 0;
    /* the field the error is about, from the error's length */
    mac_field_e field = error ? (mac_field_e)(fl[F_ERROR] % 3)
                              : MAC_FIELD_NONE;
    static const char *const error_ids[3] = {
        "error", MAC_APPLE_Q_NAME "-error", MAC_APPLE_Q_ADDRESS "-error"
    };
    mac_apple_page_t pg = { path, error, field, nv, av, 0 };
    mac_apple_page_t bpg = { path ? "x" : NULL, error ? "x" : NULL, field,
                             nv ? "x" : NULL, av ? "x" : NULL, 0 };
    char *page = mac_apple_page(c->p, &c->acct, c->addr.domain, &pg, &len);
    char *base = mac_apple_page(c->p, &c->acct, c->addr.domain, &bpg,
                                &blen);
    int got[3], want[3];
    htmlDocPtr doc;
    const char *fname;
    size_t i, flen;

    FZ_CHECK(page && strlen(page) == len, "mac_apple_page: length mismatch");
    FZ_CHECK(base && strlen(base) == blen, "mac_apple_page: length mismatch");
    if (!fz_utf8_valid(page, len)) {
        fz_dump("page", page, len);
        fz_fail("mac_apple_page: not valid UTF-8");
    }
    count_markup(page, got);
    count_markup(base, want);
    if (memcmp(got, want, sizeof(got)) != 0) {
        fz_dump("page", page, len);
        fz_fail("mac_apple_page: a value added markup (< %d/%d, > %d/%d, "
                "\" %d/%d)", got[0], want[0], got[1], want[1], got[2],
                want[2]);
    }
    doc = htmlReadMemory(page, (int)len, "page.html", "UTF-8",
                         HTML_PARSE_NONET | HTML_PARSE_NOERROR
                         | HTML_PARSE_NOWARNING);
    FZ_CHECK(doc != NULL, "mac_apple_page: libxml2's HTML parser gives up");
    expect_attr(c, find_id(doc->children, MAC_APPLE_Q_NAME), "value",
                error ? nv : NULL, "name input value");
    expect_attr(c, find_id(doc->children, MAC_APPLE_Q_ADDRESS), "value",
                error ? av : NULL, "address input value");
    expect_attr(c, find_tag(doc->children, "form"), "action", path,
                "form action");
    if (error) {
        expect_xml_value(c, "page error text",
                         fz_text(c->p, find_id(doc->children,
                                               error_ids[field])),
                         error);
    }
    xmlFreeDoc(doc);

    /* a file name from whatever the first field holds */
    fname = mac_apple_filename(c->p, f[F_ADDR]);
    flen = strlen(fname);
    FZ_CHECK(flen >= 18 && strcmp(fname + flen - 18, "email.mobileconfig")
             == 0, "mac_apple_filename: wrong suffix: %s", fname);
    FZ_CHECK(fname[0] != '.', "mac_apple_filename: leading dot: %s", fname);
    for (i = 0; i < flen; i++) {
        char ch = fname[i];
        FZ_CHECK((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')
                 || (ch >= '0' && ch <= '9') || ch == '.' || ch == '_'
                 || ch == '-', "mac_apple_filename: byte 0x%02x",
                 (unsigned char)ch);
    }
    (void)fl;
}

/* ------------------------------------------------------------------ */

static void add_server(ctx_t *c, mac_proto_e proto, int port,
                       mac_socket_e sock, mac_auth_e auth)
{
    mac_server_t *s = apr_array_push(c->acct.servers);

    s->proto = proto;
    s->host = c->host;
    s->port = port;
    s->socket = sock;
    s->auth = auth;
    if (proto == MAC_PROTO_SMTP) {
        c->n_smtp++;
    }
    else {
        c->n_in++;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ctx_t c;
    char *f[F_COUNT];
    size_t fl[F_COUNT];
    unsigned o0 = size > 0 ? data[0] : 0x01, o1 = size > 1 ? data[1] : 0;
    mac_socket_e in_sock, out_sock;
    mac_auth_e in_auth, out_auth;
    const char *tpl;
    int has_smtp;
    apr_time_t now;

    memset(&c, 0, sizeof(c));
    if (apr_pool_create(&c.p, root) != APR_SUCCESS) {
        abort();
    }
    fz_split(c.p, size > 2 ? data + 2 : data, size > 2 ? size - 2 : 0, F_COUNT,
             f, fl);

    /* the address and the person's name, as the module validates them */
    if (!f[F_ADDR] || mac_addr_parse(c.p, f[F_ADDR], fl[F_ADDR], &c.addr)) {
        mac_addr_parse(c.p, "O'Brien&Co@Example.COM", 22, &c.addr);
    }
    if (f[F_NAME] && mac_apple_check_name(f[F_NAME], fl[F_NAME]) == NULL) {
        c.name = f[F_NAME];
    }

    /* the account, as the module's directive checks would let it be */
    c.acct.domains = apr_array_make(c.p, 2, sizeof(const char *));
    APR_ARRAY_PUSH(c.acct.domains, const char *) = c.addr.domain;
    if (strcmp(c.addr.domain, "example.org") != 0) {
        APR_ARRAY_PUSH(c.acct.domains, const char *) = "example.org";
    }
    c.acct.display_name = valid_text(f[F_DISPLAY], fl[F_DISPLAY]);
    c.acct.short_name = valid_text(f[F_SHORT], fl[F_SHORT]);
    tpl = f[F_TEMPLATE];
    if (!no_nul(tpl, fl[F_TEMPLATE]) || mac_template_check(c.p, tpl)) {
        tpl = "%EMAILADDRESS%";
    }
    c.acct.login_template = tpl;
    c.acct.doc_url = valid_url(f[F_URL], fl[F_URL], 0);
    c.acct.doc_text = c.acct.doc_url ? valid_text(f[F_DOCTEXT], fl[F_DOCTEXT])
                                     : NULL;
    c.as_url = (o1 & 0x40) ? valid_url(f[F_URL], fl[F_URL], 1) : NULL;
    if (f[F_HOST] && no_nul(f[F_HOST], fl[F_HOST])
        && mac_host_check(f[F_HOST], fl[F_HOST]) == NULL) {
        c.host = mac_strlower(c.p, f[F_HOST], fl[F_HOST]);
    }
    else {
        c.host = "mail.example.com";
    }
    c.login = ref_fill(c.p, tpl, &c.addr);

    /* servers: IMAP first, then POP3, then SMTP (the module's order) */
    c.acct.servers = apr_array_make(c.p, 4, sizeof(mac_server_t));
    in_sock = (mac_socket_e)(((o0 >> 6) & 3) % 3);
    in_auth = (mac_auth_e)(((o0 >> 3) & 7) % 7);     /* no SMTP-only ones */
    out_sock = (mac_socket_e)(((o1 >> 4) & 3) % 3);
    out_auth = (mac_auth_e)((o1 & 0x0f) % MAC_AUTH_COUNT);
    if ((o0 & 1) || !(o0 & 2)) {
        add_server(&c, MAC_PROTO_IMAP, 993, in_sock, in_auth);
    }
    if (o0 & 2) {
        add_server(&c, MAC_PROTO_POP3, 995, in_sock, in_auth);
    }
    has_smtp = !(o0 & 4);
    if (has_smtp) {
        add_server(&c, MAC_PROTO_SMTP, 465, out_sock, out_auth);
        if (o1 & 0x80) {
            add_server(&c, MAC_PROTO_SMTP, 587, MAC_SOCK_STARTTLS,
                       MAC_AUTH_PASSWORD_CLEARTEXT);
        }
    }

    check_thunderbird(&c);
    now = (apr_time_t)(((apr_uint64_t)o0 << 36) | ((apr_uint64_t)o1 << 20)
                       | (apr_uint64_t)size);
    check_autodiscover(&c, f[F_SCHEMA],
                       (o1 & 3) == 0 ? MAC_AD_ERROR_SCHEMA
                       : (o1 & 3) == 1 ? MAC_AD_ERROR_NOT_FOUND
                       : (o1 & 3) == 2 ? MAC_AD_ERROR_INVALID_REQUEST
                       : (int)o0 - 100, now, (unsigned long)size * 2654435761u);
    check_apple(&c, has_smtp);
    check_page(&c, f, fl);

    apr_pool_destroy(c.p);
    return 0;
}
