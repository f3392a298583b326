/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * Unit tests for mac_apple.[ch]: the Apple configuration profile and the
 * HTML page.  TAP on stdout.
 *
 * The profile is parsed with libxml2 (no network, no DTD loading) and every
 * key is checked against Apple's schema files when they can be found: set
 * MAC_APPLE_SCHEMA_DIR, else ../shared/apple-profile-schema (the CI layout)
 * and /work/shared/apple-profile-schema are tried; without them those
 * checks are skipped.
 */
#include <stdlib.h>
#include <string.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include <apr_file_io.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/HTMLparser.h>

#include "tap.h"
#include "fixture.h"
#include "mac_apple.h"
#include "mac_account.h"
#include "mac_addr.h"

static apr_pool_t *pool;

/* ------------------------------------------------------------------ */
/* Helpers: accounts, addresses                                         */

static mac_account_t *account(const char *display, const char *shortname,
                              const char *login)
{
    mac_account_t *a = fx_account(pool, NULL, 0);

    a->login_template = login ? login : "%EMAILADDRESS%";
    a->display_name = display;
    a->short_name = shortname;
    return a;
}

static void add_server(mac_account_t *a, mac_proto_e proto, const char *host,
                       int port, mac_socket_e sock, mac_auth_e auth)
{
    mac_server_t *s = apr_array_push(a->servers);

    s->proto = proto;
    s->host = host;
    s->port = port;
    s->socket = sock;
    s->auth = auth;
}

static mac_account_t *imap_account(void)
{
    mac_account_t *a = account("Example Mail", NULL, NULL);

    add_server(a, MAC_PROTO_IMAP, "imap.example.com", 993, MAC_SOCK_SSL,
               MAC_AUTH_PASSWORD_CLEARTEXT);
    add_server(a, MAC_PROTO_IMAP, "imap2.example.com", 143,
               MAC_SOCK_STARTTLS, MAC_AUTH_PASSWORD_ENCRYPTED);
    add_server(a, MAC_PROTO_POP3, "pop.example.com", 995, MAC_SOCK_SSL,
               MAC_AUTH_PASSWORD_CLEARTEXT);
    add_server(a, MAC_PROTO_SMTP, "smtp.example.com", 587,
               MAC_SOCK_STARTTLS, MAC_AUTH_PASSWORD_CLEARTEXT);
    add_server(a, MAC_PROTO_SMTP, "smtp2.example.com", 465, MAC_SOCK_SSL,
               MAC_AUTH_PASSWORD_CLEARTEXT);
    return a;
}

static mac_addr_t *addr(const char *s)
{
    mac_addr_t *a = apr_pcalloc(pool, sizeof(*a));
    const char *why = mac_addr_parse(pool, s, strlen(s), a);

    if (why) {
        diag("address '%s' refused: %s", s, why);
        exit(2);
    }
    return a;
}

static char *render(const mac_account_t *acct, const char *address,
                    const char *name, apr_size_t *len)
{
    const char *err = NULL;
    mac_apple_t *ap = mac_apple_compile(pool, acct, &err);

    if (!ap) {
        diag("compile failed: %s", err);
        exit(2);
    }
    return mac_apple_render(pool, ap, addr(address), name, len);
}

/* ------------------------------------------------------------------ */
/* Helpers: plist access                                                */

static int xml_errors;

static void count_error(void *ctx, const xmlError *e)
{
    (void)ctx;
    if (e && e->level >= XML_ERR_ERROR) {
        xml_errors++;
        diag("XML: %s", e->message ? e->message : "?");
    }
}

static xmlDocPtr parse_plist(const char *s, apr_size_t len)
{
    xmlDocPtr doc;

    xml_errors = 0;
    xmlSetStructuredErrorFunc(NULL, (xmlStructuredErrorFunc)count_error);
    doc = xmlReadMemory(s, (int)len, "profile.mobileconfig", NULL,
                        XML_PARSE_NONET);
    xmlSetStructuredErrorFunc(NULL, NULL);
    return doc;
}

static xmlNodePtr next_elem(xmlNodePtr n)
{
    while (n && n->type != XML_ELEMENT_NODE) {
        n = n->next;
    }
    return n;
}

static xmlNodePtr first_child_elem(xmlNodePtr n)
{
    return n ? next_elem(n->children) : NULL;
}

static int is_elem(xmlNodePtr n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE
        && strcmp((const char *)n->name, name) == 0;
}

/* The value element for key in a <dict>, or NULL. */
static xmlNodePtr dict_get(xmlNodePtr dict, const char *key)
{
    xmlNodePtr n;

    for (n = first_child_elem(dict); n; n = next_elem(n->next)) {
        if (is_elem(n, "key")) {
            xmlChar *k = xmlNodeGetContent(n);
            int match = strcmp((const char *)k, key) == 0;
            xmlFree(k);
            n = next_elem(n->next);
            if (match) {
                return n;
            }
        }
    }
    return NULL;
}

/* The text of a <string> value (from pool), or NULL when missing/not a
 * string. */
static const char *dict_string(xmlNodePtr dict, const char *key)
{
    xmlNodePtr v = dict_get(dict, key);
    xmlChar *c;
    const char *out;

    if (!is_elem(v, "string")) {
        return NULL;
    }
    c = xmlNodeGetContent(v);
    out = apr_pstrdup(pool, (const char *)c);
    xmlFree(c);
    return out;
}

static long dict_int(xmlNodePtr dict, const char *key)
{
    xmlNodePtr v = dict_get(dict, key);
    xmlChar *c;
    long out;

    if (!is_elem(v, "integer")) {
        return -1;
    }
    c = xmlNodeGetContent(v);
    out = strtol((const char *)c, NULL, 10);
    xmlFree(c);
    return out;
}

/* 1 true, 0 false, -1 missing or not a boolean */
static int dict_bool(xmlNodePtr dict, const char *key)
{
    xmlNodePtr v = dict_get(dict, key);

    return is_elem(v, "true") ? 1 : is_elem(v, "false") ? 0 : -1;
}

typedef struct {
    xmlDocPtr  doc;
    xmlNodePtr top;    /* top-level dict */
    xmlNodePtr mail;   /* the one payload */
    int        npayloads;
} profile_t;

static int load_profile(profile_t *pr, const char *s, apr_size_t len)
{
    xmlNodePtr root, arr, n;

    memset(pr, 0, sizeof(*pr));
    pr->doc = parse_plist(s, len);
    if (!pr->doc || xml_errors) {
        return 0;
    }
    root = xmlDocGetRootElement(pr->doc);
    if (!is_elem(root, "plist")) {
        return 0;
    }
    pr->top = first_child_elem(root);
    if (!is_elem(pr->top, "dict") || next_elem(pr->top->next)) {
        return 0;
    }
    arr = dict_get(pr->top, "PayloadContent");
    if (!is_elem(arr, "array")) {
        return 0;
    }
    for (n = first_child_elem(arr); n; n = next_elem(n->next)) {
        pr->npayloads++;
        if (!pr->mail) {
            pr->mail = n;
        }
    }
    return is_elem(pr->mail, "dict");
}

static void free_profile(profile_t *pr)
{
    if (pr->doc) {
        xmlFreeDoc(pr->doc);
    }
    pr->doc = NULL;
}

/* Every key of a dict, in order (const char * from pool). */
static apr_array_header_t *dict_keys(xmlNodePtr dict)
{
    apr_array_header_t *keys = apr_array_make(pool, 32, sizeof(char *));
    xmlNodePtr n;

    for (n = first_child_elem(dict); n; n = next_elem(n->next)) {
        if (is_elem(n, "key")) {
            xmlChar *k = xmlNodeGetContent(n);
            APR_ARRAY_PUSH(keys, const char *) =
                apr_pstrdup(pool, (const char *)k);
            xmlFree(k);
            n = next_elem(n->next);   /* skip the value */
            if (!n) {
                break;
            }
        }
    }
    return keys;
}

/* ------------------------------------------------------------------ */
/* Apple's schema (JSON), read crudely: for "key": "K", the first "type"
 * after it and the "rangelist" before the next "key".                  */

static const char *schema_dir;
static char *schema_text[3];   /* TopLevel, CommonPayloadKeys, mail */

static char *slurp(const char *path)
{
    char *buf;
    apr_size_t len;
    apr_file_t *f;
    apr_finfo_t fi;

    if (apr_file_open(&f, path, APR_FOPEN_READ, 0, pool) != APR_SUCCESS) {
        return NULL;
    }
    apr_file_info_get(&fi, APR_FINFO_SIZE, f);
    buf = apr_palloc(pool, (apr_size_t)fi.size + 1);
    len = 0;
    apr_file_read_full(f, buf, (apr_size_t)fi.size, &len);
    apr_file_close(f);
    buf[len] = '\0';
    return buf;
}

static void find_schema(void)
{
    const char *cands[] = { getenv("MAC_APPLE_SCHEMA_DIR"),
                            "../shared/apple-profile-schema",
                            "/work/shared/apple-profile-schema" };
    static const char *files[3] = { "TopLevel.json", "CommonPayloadKeys.json",
                                    "com.apple.mail.managed.json" };
    unsigned i, j;

    for (i = 0; i < sizeof(cands) / sizeof(cands[0]); i++) {
        if (!cands[i]) {
            continue;
        }
        for (j = 0; j < 3; j++) {
            schema_text[j] = slurp(apr_pstrcat(pool, cands[i], "/", files[j],
                                               NULL));
            if (!schema_text[j]) {
                break;
            }
        }
        if (j == 3) {
            schema_dir = cands[i];
            return;
        }
    }
}

/* Type ("<string>") of key in one schema text, allowed values in *range
 * (comma-joined, or NULL when unrestricted).  NULL if the key is absent. */
static const char *schema_type(const char *text, const char *key,
                               const char **range)
{
    const char *k = strstr(text, apr_psprintf(pool, "\"key\": \"%s\"", key));
    const char *t, *end, *r, *rend;

    *range = NULL;
    if (!k) {
        return NULL;
    }
    end = strstr(k + 1, "\"key\": \"");
    if (!end) {
        end = k + strlen(k);
    }
    t = strstr(k, "\"type\": \"");
    if (!t || t > end) {
        return NULL;
    }
    t += strlen("\"type\": \"");
    r = strstr(k, "\"rangelist\": [");
    if (r && r < end) {
        char *list, *o;
        r += strlen("\"rangelist\": [");
        rend = strchr(r, ']');
        list = o = apr_palloc(pool, (apr_size_t)(rend - r) + 1);
        for (; r < rend; r++) {
            if (*r != ' ' && *r != '\n' && *r != '"') {
                *o++ = *r;
            }
        }
        *o = '\0';
        *range = list;
    }
    return apr_pstrmemdup(pool, t, (apr_size_t)(strchr(t, '"') - t));
}

/* The plist element name a schema type needs. */
static int type_matches(const char *type, xmlNodePtr v)
{
    if (strcmp(type, "<string>") == 0) return is_elem(v, "string");
    if (strcmp(type, "<integer>") == 0) return is_elem(v, "integer");
    if (strcmp(type, "<boolean>") == 0)
        return is_elem(v, "true") || is_elem(v, "false");
    if (strcmp(type, "<array>") == 0) return is_elem(v, "array");
    if (strcmp(type, "<dictionary>") == 0) return is_elem(v, "dict");
    return 0;
}

static int in_range(const char *range, xmlNodePtr v)
{
    xmlChar *c = xmlNodeGetContent(v);
    const char *s = range;
    apr_size_t n = strlen((const char *)c);
    int found = 0;

    while (s && *s) {
        const char *comma = strchr(s, ',');
        apr_size_t l = comma ? (apr_size_t)(comma - s) : strlen(s);
        if (l == n && strncmp(s, (const char *)c, n) == 0) {
            found = 1;
        }
        s = comma ? comma + 1 : NULL;
    }
    xmlFree(c);
    return found;
}

/* Check every key of dict against the schema texts given; report one test
 * per dict. */
static void check_against_schema(xmlNodePtr dict, const char *what,
                                 const char *t1, const char *t2)
{
    apr_array_header_t *keys = dict_keys(dict);
    int i, bad = 0;

    if (!schema_dir) {
        skip(1, "%s keys vs. Apple's schema: schema not found", what);
        return;
    }
    for (i = 0; i < keys->nelts; i++) {
        const char *key = APR_ARRAY_IDX(keys, i, const char *);
        const char *range, *type = schema_type(t1, key, &range);
        xmlNodePtr v = dict_get(dict, key);

        if (!type && t2) {
            type = schema_type(t2, key, &range);
        }
        if (!type) {
            diag("%s: key %s is not in Apple's schema", what, key);
            bad++;
        }
        else if (!type_matches(type, v)) {
            diag("%s: key %s should be %s, is <%s>", what, key, type,
                 v ? (const char *)v->name : "nothing");
            bad++;
        }
        else if (range && !in_range(range, v)) {
            diag("%s: key %s has a value outside [%s]", what, key, range);
            bad++;
        }
    }
    ok(bad == 0 && keys->nelts > 0,
       "%s: all %d keys exist in Apple's schema with the right type and "
       "allowed values", what, keys->nelts);
}

/* Every key the schema marks "required" is present. */
static void check_required(xmlNodePtr dict, const char *what,
                           const char *text)
{
    const char *s = text;
    int missing = 0, n = 0;

    if (!schema_dir) {
        skip(1, "%s required keys: schema not found", what);
        return;
    }
    /* only the top-level "payloadkeys" entries, not nested subkeys */
    while ((s = strstr(s, "\n  {\n   \"key\": \"")) != NULL) {
        const char *k = s + strlen("\n  {\n   \"key\": \"");
        const char *end = strchr(k, '"');
        const char *next = strstr(k, "\n  {\n   \"key\": \"");
        const char *req = strstr(k, "\n   \"presence\": \"required\"");
        char *key = apr_pstrmemdup(pool, k, (apr_size_t)(end - k));

        if (req && (!next || req < next)) {
            n++;
            if (!dict_get(dict, key)) {
                diag("%s: required key %s missing", what, key);
                missing++;
            }
        }
        s = k;
    }
    ok(missing == 0 && n > 0, "%s: all %d required keys present", what, n);
}

/* ------------------------------------------------------------------ */
/* Tests                                                                */

static void test_uuid(void)
{
    static const unsigned char ns_dns[16] = {
        0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1,
        0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8 };
    static const unsigned char ns_url[16] = {
        0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1,
        0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8 };
    static const char ns_name[] = "urn:x-mod-mailautoconf:apple-profile:v1";
    char out[37];
    unsigned char b[16];

    /* RFC 9562 appendix A.4 */
    mac_uuid5(ns_dns, "www.example.com", 15, out);
    is_str(out, "2ED6657D-E927-568B-95E1-2665A8AEA6A2",
           "uuid5: RFC 9562 test vector (DNS, www.example.com)");
    mac_uuid5(ns_url, ns_name, sizeof(ns_name) - 1, out);
    is_str(out, "69A3DB21-25F6-5434-8E9F-5CDE5814FA70",
           "uuid5: the documented profile namespace");
    mac_uuid5_bytes(ns_url, ns_name, sizeof(ns_name) - 1, b);
    ok(memcmp(b, MAC_APPLE_NS, 16) == 0, "MAC_APPLE_NS matches its name");
    mac_uuid5(ns_dns, "", 0, out);
    ok(strlen(out) == 36 && out[14] == '5'
       && strchr("89AB", out[19]) != NULL,
       "uuid5: version 5 and RFC variant bits (empty name: %s)", out);
}

static void test_compile_errors(void)
{
    mac_account_t *a = account(NULL, NULL, NULL);
    const char *err = NULL;
    mac_apple_t *ap;

    add_server(a, MAC_PROTO_SMTP, "smtp.example.com", 465, MAC_SOCK_SSL,
               MAC_AUTH_PASSWORD_CLEARTEXT);
    ap = mac_apple_compile(pool, a, &err);
    ok(ap == NULL && err && strstr(err, "IMAP"),
       "no IMAP/POP3 server: refused (%s)", err ? err : "no message");

    a = account(NULL, NULL, NULL);
    err = NULL;
    add_server(a, MAC_PROTO_IMAP, "imap.example.com", 993, MAC_SOCK_SSL,
               MAC_AUTH_PASSWORD_CLEARTEXT);
    ap = mac_apple_compile(pool, a, &err);
    ok(ap == NULL && err && strstr(err, "SMTP"),
       "no SMTP server: refused (%s)", err ? err : "no message");
}

static void test_imap_profile(void)
{
    mac_account_t *acct = imap_account();
    apr_size_t len;
    char *out = render(acct, "Alice@example.com", "Alice Example", &len);
    profile_t pr;
    xmlDtdPtr dtd;
    const char *s;

    ok(strlen(out) == len, "render: length is right");
    ok(strncmp(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 39) == 0,
       "starts with the XML declaration");
    ok(strstr(out, "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
                   "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">")
       != NULL, "has Apple's plist DOCTYPE");
    ok(strchr(out, '\001') == NULL, "no slot marker left in the output");
    ok(load_profile(&pr, out, len), "parses as XML, plist/dict structure");
    if (!pr.mail) {
        diag("%s", out);
        free_profile(&pr);
        return;
    }
    dtd = xmlGetIntSubset(pr.doc);
    ok(dtd && strcmp((const char *)dtd->name, "plist") == 0
       && dtd->ExternalID
       && strcmp((const char *)dtd->ExternalID,
                 "-//Apple//DTD PLIST 1.0//EN") == 0, "DOCTYPE plist, "
       "Apple's public id");
    {
        xmlChar *v = xmlGetProp(xmlDocGetRootElement(pr.doc),
                                (const xmlChar *)"version");
        is_str((const char *)v, "1.0", "plist version=\"1.0\"");
        xmlFree(v);
    }
    is_int(pr.npayloads, 1, "PayloadContent holds exactly one payload");

    /* top level */
    is_str(dict_string(pr.top, "PayloadType"), "Configuration",
           "top: PayloadType Configuration");
    is_int(dict_int(pr.top, "PayloadVersion"), 1, "top: PayloadVersion 1");
    is_str(dict_string(pr.top, "PayloadUUID"),
           "8CC13F1A-8464-5D03-A11D-D062A6347CCF",
           "top: PayloadUUID as documented (namespace/domain/address)");
    is_str(dict_string(pr.top, "PayloadIdentifier"),
           "com.example.mailautoconf.8cc13f1a-8464-5d03-a11d-d062a6347ccf",
           "top: PayloadIdentifier reverse-DNS + UUID");
    is_str(dict_string(pr.top, "PayloadDisplayName"),
           "Email: Alice@example.com", "top: PayloadDisplayName");
    is_str(dict_string(pr.top, "PayloadOrganization"), "Example Mail",
           "top: PayloadOrganization is the display name");
    s = dict_string(pr.top, "PayloadDescription");
    ok(s && strstr(s, "Alice@example.com") && strstr(s, "no password")
       && strstr(s, "imap.example.com"), "top: PayloadDescription (%s)",
       s ? s : "missing");

    /* the mail payload */
    is_str(dict_string(pr.mail, "PayloadType"), "com.apple.mail.managed",
           "mail: PayloadType");
    is_int(dict_int(pr.mail, "PayloadVersion"), 1, "mail: PayloadVersion 1");
    is_str(dict_string(pr.mail, "PayloadUUID"),
           "BDDD5EFA-40FE-5076-B181-2D9C9160AABE", "mail: PayloadUUID");
    is_str(dict_string(pr.mail, "PayloadIdentifier"),
           "com.example.mailautoconf.8cc13f1a-8464-5d03-a11d-d062a6347ccf"
           ".mail", "mail: PayloadIdentifier");
    ok(dict_string(pr.mail, "PayloadDisplayName") != NULL,
       "mail: PayloadDisplayName");
    is_str(dict_string(pr.mail, "EmailAccountType"), "EmailTypeIMAP",
           "mail: EmailAccountType IMAP");
    is_str(dict_string(pr.mail, "EmailAccountDescription"), "Example Mail",
           "mail: EmailAccountDescription = display name (no short name)");
    is_str(dict_string(pr.mail, "EmailAccountName"), "Alice Example",
           "mail: EmailAccountName is the person's name");
    is_str(dict_string(pr.mail, "EmailAddress"), "Alice@example.com",
           "mail: EmailAddress as given");
    is_str(dict_string(pr.mail, "IncomingMailServerHostName"),
           "imap.example.com", "mail: first IMAP server's host");
    is_int(dict_int(pr.mail, "IncomingMailServerPortNumber"), 993,
           "mail: incoming port is an <integer>");
    is_int(dict_bool(pr.mail, "IncomingMailServerUseSSL"), 1,
           "mail: ssl -> IncomingMailServerUseSSL true");
    is_str(dict_string(pr.mail, "IncomingMailServerAuthentication"),
           "EmailAuthPassword", "mail: password-cleartext -> "
           "EmailAuthPassword");
    is_str(dict_string(pr.mail, "IncomingMailServerUsername"),
           "Alice@example.com", "mail: incoming username from template");
    is_str(dict_string(pr.mail, "OutgoingMailServerHostName"),
           "smtp.example.com", "mail: first SMTP server's host");
    is_int(dict_int(pr.mail, "OutgoingMailServerPortNumber"), 587,
           "mail: outgoing port 587");
    is_int(dict_bool(pr.mail, "OutgoingMailServerUseSSL"), 1,
           "mail: starttls -> OutgoingMailServerUseSSL true");
    is_str(dict_string(pr.mail, "OutgoingMailServerAuthentication"),
           "EmailAuthPassword", "mail: outgoing auth");
    is_str(dict_string(pr.mail, "OutgoingMailServerUsername"),
           "Alice@example.com", "mail: outgoing username");
    is_int(dict_bool(pr.mail, "OutgoingPasswordSameAsIncomingPassword"), 1,
           "mail: OutgoingPasswordSameAsIncomingPassword true");
    is_str(dict_string(pr.mail, "PayloadOrganization"), "Example Mail",
           "mail: PayloadOrganization");

    {
        apr_array_header_t *k1 = dict_keys(pr.top), *k2 = dict_keys(pr.mail);
        int i, pw = 0, sorted = 1;
        for (i = 0; i < k2->nelts; i++) {
            const char *k = APR_ARRAY_IDX(k2, i, const char *);
            if (strstr(k, "Password")
                && strcmp(k, "OutgoingPasswordSameAsIncomingPassword") != 0) {
                pw++;
            }
            if (i > 0 && strcmp(APR_ARRAY_IDX(k2, i - 1, const char *), k)
                         >= 0) {
                sorted = 0;
            }
        }
        for (i = 1; i < k1->nelts; i++) {
            if (strcmp(APR_ARRAY_IDX(k1, i - 1, const char *),
                       APR_ARRAY_IDX(k1, i, const char *)) >= 0) {
                sorted = 0;
            }
        }
        is_int(pw, 0, "no password key anywhere");
        ok(sorted, "keys are unique and sorted in both dicts");
    }

    check_against_schema(pr.top, "top level", schema_text[0], NULL);
    check_required(pr.top, "top level", schema_text[0]);
    check_against_schema(pr.mail, "mail payload", schema_text[2],
                         schema_text[1]);
    check_required(pr.mail, "mail payload (own keys)", schema_text[2]);
    check_required(pr.mail, "mail payload (common keys)", schema_text[1]);
    free_profile(&pr);
}

static void test_identity(void)
{
    mac_account_t *acct = imap_account();
    const char *err;
    mac_apple_t *ap = mac_apple_compile(pool, acct, &err);
    apr_size_t l1, l2;
    char *a1 = mac_apple_render(pool, ap, addr("bob@example.com"), "Bob", &l1);
    char *a2 = mac_apple_render(pool, ap, addr("bob@example.com"), "Bob", &l2);
    profile_t p1, p2, p3, p4;
    const char *id;

    ok(l1 == l2 && memcmp(a1, a2, l1) == 0,
       "same address and name: byte-identical profile");
    load_profile(&p1, a1, l1);
    a2 = render(acct, "BOB@Example.COM", "Robert", &l2);
    load_profile(&p2, a2, l2);
    a2 = render(acct, "bob2@example.com", "Bob", &l2);
    load_profile(&p3, a2, l2);
    a2 = render(acct, "bob@example.org", "Bob", &l2);
    load_profile(&p4, a2, l2);
    if (!p1.mail || !p2.mail || !p3.mail || !p4.mail) {
        ok(0, "identity profiles parse");
        return;
    }
    is_str(dict_string(p2.top, "PayloadUUID"),
           dict_string(p1.top, "PayloadUUID"),
           "address case does not change the profile UUID");
    is_str(dict_string(p2.mail, "PayloadUUID"),
           dict_string(p1.mail, "PayloadUUID"),
           "address case does not change the mail payload UUID");
    is_str(dict_string(p2.top, "PayloadIdentifier"),
           dict_string(p1.top, "PayloadIdentifier"),
           "address case does not change the identifier");
    ok(strcmp(dict_string(p3.top, "PayloadUUID"),
              dict_string(p1.top, "PayloadUUID")) != 0
       && strcmp(dict_string(p3.mail, "PayloadUUID"),
                 dict_string(p1.mail, "PayloadUUID")) != 0
       && strcmp(dict_string(p3.top, "PayloadIdentifier"),
                 dict_string(p1.top, "PayloadIdentifier")) != 0,
       "another local part: other UUIDs and identifier");
    ok(strcmp(dict_string(p4.top, "PayloadUUID"),
              dict_string(p1.top, "PayloadUUID")) != 0
       && strcmp(dict_string(p4.mail, "PayloadUUID"),
                 dict_string(p1.mail, "PayloadUUID")) != 0,
       "same local part in another domain: other UUIDs");
    ok(strncmp(dict_string(p4.top, "PayloadIdentifier"),
               "org.example.mailautoconf.", 25) == 0,
       "identifier follows the address's domain (%s)",
       dict_string(p4.top, "PayloadIdentifier"));
    ok(strcmp(dict_string(p1.top, "PayloadUUID"),
              dict_string(p1.mail, "PayloadUUID")) != 0,
       "profile and payload UUIDs differ");
    id = dict_string(p1.mail, "PayloadIdentifier");
    ok(id && strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789.-")
             == strlen(id), "identifiers use [a-z0-9.-] only (%s)", id);
    free_profile(&p1);
    free_profile(&p2);
    free_profile(&p3);
    free_profile(&p4);

    /* a deep subdomain reverses label by label */
    {
        mac_account_t *a = imap_account();
        profile_t pr;
        APR_ARRAY_IDX(a->domains, 0, const char *) = "mail.dept.example.co.uk";
        char *o = render(a, "x@mail.dept.example.co.uk", NULL, &l1);
        load_profile(&pr, o, l1);
        ok(pr.top && strncmp(dict_string(pr.top, "PayloadIdentifier"),
                             "uk.co.example.dept.mail.mailautoconf.", 37)
                     == 0, "identifier of a deep domain: %s",
           pr.top ? dict_string(pr.top, "PayloadIdentifier") : "none");
        free_profile(&pr);
    }
}

static void test_pop_only(void)
{
    mac_account_t *a = account(NULL, NULL, "%EMAILLOCALPART%");
    profile_t pr;
    apr_size_t len;
    char *out;

    add_server(a, MAC_PROTO_POP3, "pop.example.com", 110, MAC_SOCK_STARTTLS,
               MAC_AUTH_PASSWORD_ENCRYPTED);
    add_server(a, MAC_PROTO_POP3, "pop2.example.com", 995, MAC_SOCK_SSL,
               MAC_AUTH_PASSWORD_CLEARTEXT);
    add_server(a, MAC_PROTO_SMTP, "smtp.example.com", 25, MAC_SOCK_PLAIN,
               MAC_AUTH_PASSWORD_CLEARTEXT);
    out = render(a, "carol@example.com", NULL, &len);
    ok(load_profile(&pr, out, len), "POP-only profile parses");
    if (!pr.mail) {
        return;
    }
    is_str(dict_string(pr.mail, "EmailAccountType"), "EmailTypePOP",
           "POP only: EmailTypePOP");
    is_str(dict_string(pr.mail, "IncomingMailServerHostName"),
           "pop.example.com", "POP only: first POP3 server");
    is_int(dict_int(pr.mail, "IncomingMailServerPortNumber"), 110,
           "POP only: port 110");
    is_int(dict_bool(pr.mail, "IncomingMailServerUseSSL"), 1,
           "POP only: starttls -> UseSSL true");
    is_str(dict_string(pr.mail, "IncomingMailServerAuthentication"),
           "EmailAuthCRAMMD5", "password-encrypted -> EmailAuthCRAMMD5");
    is_str(dict_string(pr.mail, "IncomingMailServerUsername"), "carol",
           "%EMAILLOCALPART% template");
    is_int(dict_bool(pr.mail, "OutgoingMailServerUseSSL"), 0,
           "plain -> OutgoingMailServerUseSSL false");
    is_str(dict_string(pr.mail, "EmailAccountName"), "carol@example.com",
           "no name: the address is used");
    is_str(dict_string(pr.mail, "EmailAccountDescription"),
           "carol@example.com", "no display name: description is the "
           "address");
    ok(dict_get(pr.top, "PayloadOrganization") == NULL
       && dict_get(pr.mail, "PayloadOrganization") == NULL,
       "no display name: no PayloadOrganization");
    check_against_schema(pr.mail, "POP mail payload", schema_text[2],
                         schema_text[1]);
    free_profile(&pr);
}

static void test_auth_mapping(void)
{
    static const struct {
        mac_auth_e  in, out;
        const char *apple_in, *apple_out;
        int         same_pw;    /* OutgoingPasswordSameAs... present */
    } cases[] = {
        { MAC_AUTH_NTLM, MAC_AUTH_NTLM, "EmailAuthNTLM", "EmailAuthNTLM", 1 },
        { MAC_AUTH_GSSAPI, MAC_AUTH_OAUTH2, "EmailAuthPassword",
          "EmailAuthPassword", 1 },
        { MAC_AUTH_CLIENT_IP, MAC_AUTH_NONE, "EmailAuthNone",
          "EmailAuthNone", 0 },
        { MAC_AUTH_TLS_CLIENT_CERT, MAC_AUTH_SMTP_AFTER_POP, "EmailAuthNone",
          "EmailAuthNone", 0 },
        { MAC_AUTH_PASSWORD_CLEARTEXT, MAC_AUTH_NONE, "EmailAuthPassword",
          "EmailAuthNone", 0 },
        { MAC_AUTH_PASSWORD_ENCRYPTED, MAC_AUTH_PASSWORD_ENCRYPTED,
          "EmailAuthCRAMMD5", "EmailAuthCRAMMD5", 1 },
    };
    unsigned i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        mac_account_t *a = account(NULL, NULL, NULL);
        profile_t pr;
        apr_size_t len;
        char *out;
        int in_user, out_user;

        add_server(a, MAC_PROTO_IMAP, "imap.example.com", 993, MAC_SOCK_SSL,
                   cases[i].in);
        add_server(a, MAC_PROTO_SMTP, "smtp.example.com", 465, MAC_SOCK_SSL,
                   cases[i].out);
        out = render(a, "dave@example.com", "Dave", &len);
        if (!load_profile(&pr, out, len)) {
            ok(0, "auth case %u parses", i);
            continue;
        }
        in_user = dict_get(pr.mail, "IncomingMailServerUsername") != NULL;
        out_user = dict_get(pr.mail, "OutgoingMailServerUsername") != NULL;
        ok(strcmp(dict_string(pr.mail, "IncomingMailServerAuthentication"),
                  cases[i].apple_in) == 0
           && strcmp(dict_string(pr.mail, "OutgoingMailServerAuthentication"),
                     cases[i].apple_out) == 0
           && in_user == (strcmp(cases[i].apple_in, "EmailAuthNone") != 0)
           && out_user == (strcmp(cases[i].apple_out, "EmailAuthNone") != 0)
           && (dict_bool(pr.mail, "OutgoingPasswordSameAsIncomingPassword")
               == (cases[i].same_pw ? 1 : -1)),
           "auth %s/%s -> %s/%s, usernames and same-password as expected",
           mac_auth_name(cases[i].in), mac_auth_name(cases[i].out),
           cases[i].apple_in, cases[i].apple_out);
        free_profile(&pr);
    }
}

static void test_escaping(void)
{
    mac_account_t *a = account("Tom & Jerry's <Mail> \"Co\"", "T&J",
                               "pre&<%EMAILLOCALPART%>'\"@%EMAILDOMAIN%");
    const char *name = "<b>Zoë</b> & \"Ann\" 'O'Neil' 山田";
    profile_t pr;
    apr_size_t len;
    char *out;

    add_server(a, MAC_PROTO_IMAP, "imap.example.com", 993, MAC_SOCK_SSL,
               MAC_AUTH_PASSWORD_CLEARTEXT);
    add_server(a, MAC_PROTO_SMTP, "smtp.example.com", 465, MAC_SOCK_SSL,
               MAC_AUTH_PASSWORD_CLEARTEXT);
    ok(mac_apple_check_name(name, strlen(name)) == NULL,
       "a name with markup characters and non-ASCII is accepted");
    out = render(a, "o'brien&co@example.com", name, &len);
    ok(strstr(out, "&lt;b&gt;Zo\xc3\xab&lt;/b&gt; &amp; &quot;Ann&quot; "
                   "&#39;O&#39;Neil&#39;") != NULL,
       "name escaped in the raw XML");
    ok(strstr(out, "<b>") == NULL && strstr(out, "Jerry's") == NULL,
       "no raw markup from values");
    ok(load_profile(&pr, out, len), "profile with markup values parses");
    if (!pr.mail) {
        diag("%s", out);
        return;
    }
    is_str(dict_string(pr.mail, "EmailAccountName"), name,
           "name round-trips");
    is_str(dict_string(pr.mail, "EmailAddress"), "o'brien&co@example.com",
           "address with & and ' round-trips");
    is_str(dict_string(pr.mail, "IncomingMailServerUsername"),
           "pre&<o'brien&co>'\"@example.com",
           "login template literals and slots round-trip");
    is_str(dict_string(pr.top, "PayloadOrganization"),
           "Tom & Jerry's <Mail> \"Co\"", "display name round-trips");
    is_str(dict_string(pr.mail, "EmailAccountDescription"), "T&J",
           "short name is the account description");
    free_profile(&pr);

    /* names: spaces only and surrounding spaces */
    out = render(a, "eve@example.com", "   ", &len);
    load_profile(&pr, out, len);
    is_str(pr.mail ? dict_string(pr.mail, "EmailAccountName") : NULL,
           "eve@example.com", "name of spaces only: the address");
    free_profile(&pr);
    out = render(a, "eve@example.com", "  Eve Smith ", &len);
    load_profile(&pr, out, len);
    is_str(pr.mail ? dict_string(pr.mail, "EmailAccountName") : NULL,
           "Eve Smith", "surrounding spaces trimmed");
    free_profile(&pr);
    out = render(a, "eve@example.com", "", &len);
    load_profile(&pr, out, len);
    is_str(pr.mail ? dict_string(pr.mail, "EmailAccountName") : NULL,
           "eve@example.com", "empty name: the address");
    free_profile(&pr);
}

static void test_check_name(void)
{
    static const struct {
        const char *s;
        apr_size_t  len;     /* 0: strlen */
        int         good;
        const char *what;
    } cases[] = {
        { "Alice", 0, 1, "plain ASCII" },
        { "Jean-Luc O'Neil <jl@x> & co \"quoted\"", 0, 1, "markup characters" },
        { "\xc3\x89lodie \xe5\xb1\xb1\xe7\x94\xb0 \xf0\x9f\x98\x80", 0, 1,
          "non-ASCII incl. 4-byte UTF-8" },
        { "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d", 0, 1, "right-to-left script" },
        { "a\nb", 0, 0, "LF" },
        { "a\rb", 0, 0, "CR" },
        { "a\0b", 3, 0, "NUL" },
        { "a\tb", 0, 0, "TAB" },
        { "a\x7f", 0, 0, "DEL" },
        { "a\x1b[31m", 0, 0, "ESC" },
        { "a\xc2\x85", 0, 0, "C1 NEL" },
        { "a\xc2\x9f", 0, 0, "C1 APC" },
        { "a\xe2\x80\xa8", 0, 0, "U+2028" },
        { "a\xe2\x80\xae", 0, 0, "U+202E right-to-left override" },
        { "a\xe2\x81\xa6", 0, 0, "U+2066 isolate" },
        { "a\xef\xbf\xbe", 0, 0, "U+FFFE" },
        { "a\xef\xbf\xbf", 0, 0, "U+FFFF" },
        { "a\xc3\x28", 0, 0, "invalid continuation" },
        { "a\xff", 0, 0, "byte 0xFF" },
        { "a\xc0\xaf", 0, 0, "overlong" },
        { "a\xed\xa0\x80", 0, 0, "surrogate" },
        { "a\xe2\x82", 0, 0, "truncated sequence" },
        { "a\xf4\x90\x80\x80", 0, 0, "above U+10FFFF" },
    };
    unsigned i;
    char buf[MAC_NAME_SHOW_BYTES + 8];

    ok(mac_apple_check_name(NULL, 0) == NULL, "NULL name accepted (none)");
    ok(mac_apple_check_name("", 0) == NULL, "empty name accepted (none)");
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        apr_size_t len = cases[i].len ? cases[i].len : strlen(cases[i].s);
        const char *why = mac_apple_check_name(cases[i].s, len);
        ok(cases[i].good ? why == NULL : why != NULL, "name, %s: %s (%s)",
           cases[i].what, cases[i].good ? "accepted" : "refused",
           why ? why : "ok");
    }
    memset(buf, 'x', sizeof(buf));
    ok(mac_apple_check_name(buf, MAC_NAME_MAX) == NULL,
       "name of MAC_NAME_MAX characters accepted");
    ok(mac_apple_check_name(buf, MAC_NAME_MAX + 1) != NULL,
       "name of MAC_NAME_MAX + 1 characters refused");
    ok(mac_apple_check_name(buf, MAC_NAME_MAX + 1)
       && strstr(mac_apple_check_name(buf, MAC_NAME_MAX + 1),
                 "128 characters"),
       "the reason counts characters");
    /* Characters, not bytes: 50 CJK characters are 150 bytes. */
    for (i = 0; i < 3 * MAC_NAME_MAX; i += 3) {
        memcpy(buf + i, "\xe5\xb1\xb1", 3);
    }
    ok(mac_apple_check_name(buf, 150) == NULL,
       "50 three-byte characters (150 bytes) accepted");
    ok(mac_apple_check_name(buf, 3 * MAC_NAME_MAX) == NULL,
       "128 three-byte characters accepted");
    ok(mac_apple_check_name(buf, 3 * MAC_NAME_MAX + 3) != NULL,
       "129 three-byte characters refused");
    for (i = 0; i < 4 * MAC_NAME_MAX; i += 4) {
        memcpy(buf + i, "\xf0\x9f\x98\x80", 4);
    }
    ok(mac_apple_check_name(buf, MAC_NAME_MAX_BYTES) == NULL,
       "128 four-byte characters (the byte cap) accepted");
    memcpy(buf + MAC_NAME_MAX_BYTES, "x", 1);
    ok(mac_apple_check_name(buf, MAC_NAME_MAX_BYTES + 1) != NULL,
       "one byte over the byte cap refused");

    /* What may be typed back: too long is fine, bad content is not. */
    ok(mac_apple_name_showable(buf, MAC_NAME_MAX_BYTES + 1),
       "showable: a name that is only too long");
    ok(!mac_apple_name_showable(buf, MAC_NAME_SHOW_BYTES + 1),
       "not showable: longer than MAC_NAME_SHOW_BYTES");
    ok(!mac_apple_name_showable("a\nb", 3), "not showable: a line feed");
    ok(!mac_apple_name_showable("a\xe2\x80\xae", 4),
       "not showable: a direction override");
    ok(!mac_apple_name_showable("a\xc3\x28", 3),
       "not showable: invalid UTF-8");
    ok(!mac_apple_name_showable(NULL, 0), "not showable: NULL");
    ok(mac_apple_name_showable("Zo\xc3\xab <b>", 8),
       "showable: letters and markup characters");
    {
        const char *why = mac_apple_check_name("a\n<script>", 10);
        ok(why && !strstr(why, "script"), "reason does not quote the input");
    }
}

static void test_filename(void)
{
    const char *f;

    is_str(mac_apple_filename(pool, "example.com"),
           "example.com-email.mobileconfig", "file name for a domain");
    is_str(mac_apple_filename(pool, NULL), "email.mobileconfig",
           "file name without domain");
    is_str(mac_apple_filename(pool, ""), "email.mobileconfig",
           "file name for empty domain");
    f = mac_apple_filename(pool, "..\\ev il\"/;\r\nx\xc3\xa9.com");
    ok(strspn(f, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                 "0123456789._-") == strlen(f) && f[0] != '.',
       "hostile domain: only [A-Za-z0-9._-], no leading dot (%s)", f);
}

/* HTML: libxml2's HTML parser knows HTML4; the only complaint allowed is
 * about the HTML5 element <main>. */
static int html_errors;

static void html_error(void *ctx, const xmlError *e)
{
    (void)ctx;
    if (!e || e->level < XML_ERR_ERROR) {
        return;
    }
    if (e->code == XML_HTML_UNKNOWN_TAG && e->str1
        && strcmp(e->str1, "main") == 0) {
        return;
    }
    html_errors++;
    diag("HTML: %s", e->message ? e->message : "?");
}

static xmlNodePtr find_by_id(xmlNodePtr n, const char *tag, const char *id)
{
    for (; n; n = n->next) {
        if (n->type == XML_ELEMENT_NODE) {
            xmlChar *v = xmlGetProp(n, (const xmlChar *)"id");
            int match = (!tag || strcmp((const char *)n->name, tag) == 0)
                        && v && strcmp((const char *)v, id) == 0;
            xmlFree(v);
            if (match) {
                return n;
            }
            if (n->children) {
                xmlNodePtr f = find_by_id(n->children, tag, id);
                if (f) {
                    return f;
                }
            }
        }
    }
    return NULL;
}

static xmlNodePtr find_tag(xmlNodePtr n, const char *tag)
{
    for (; n; n = n->next) {
        if (n->type == XML_ELEMENT_NODE) {
            if (strcmp((const char *)n->name, tag) == 0) {
                return n;
            }
            if (n->children) {
                xmlNodePtr f = find_tag(n->children, tag);
                if (f) {
                    return f;
                }
            }
        }
    }
    return NULL;
}

static const char *prop(xmlNodePtr n, const char *name)
{
    xmlChar *v = n ? xmlGetProp(n, (const xmlChar *)name) : NULL;
    const char *out = v ? apr_pstrdup(pool, (const char *)v) : NULL;

    xmlFree(v);
    return out;
}

static xmlDocPtr parse_html(const char *s, apr_size_t len)
{
    xmlDocPtr doc;

    html_errors = 0;
    xmlSetStructuredErrorFunc(NULL, (xmlStructuredErrorFunc)html_error);
    doc = htmlReadMemory(s, (int)len, "page.html", "UTF-8",
                         HTML_PARSE_NONET);
    xmlSetStructuredErrorFunc(NULL, NULL);
    return doc;
}

static void test_page(void)
{
    mac_account_t *acct = imap_account();
    apr_size_t len;
    char *out;
    xmlDocPtr doc;
    xmlNodePtr root, form, n;
    const char *evil_name = "\"><script>alert(1)</script>";
    const char *evil_addr = "x'\" onfocus=alert(1) \xff\x01@example.com";
    mac_apple_page_t pg;

    memset(&pg, 0, sizeof(pg));
    pg.path = "/apple";
    out = mac_apple_page(pool, acct, "example.com", &pg, &len);
    ok(strlen(out) == len, "page: length is right");
    ok(strncmp(out, "<!DOCTYPE html>\n<html lang=\"en\">", 32) == 0,
       "page: HTML5 doctype and language");
    ok(strstr(out, "<meta charset=\"utf-8\">")
       && strstr(out, "name=\"viewport\""), "page: charset and viewport");
    ok(!strstr(out, "<script") && !strstr(out, "javascript:"),
       "page: no script");
    ok(!strstr(out, "role=\"alert\""), "page: no alert without error");
    ok(strstr(out, "no password") != NULL, "page: says no password is in it");
    doc = parse_html(out, len);
    is_int(html_errors, 0, "page: parses without errors");
    root = doc ? xmlDocGetRootElement(doc) : NULL;
    n = find_tag(root, "title");
    {
        xmlChar *t = n ? xmlNodeGetContent(n) : NULL;
        ok(t && strstr((const char *)t, "Example Mail")
           && strstr((const char *)t, "example.com"),
           "page: title names display name and domain (%s)",
           t ? (const char *)t : "none");
        xmlFree(t);
    }
    n = find_tag(root, "h1");
    {
        xmlChar *t = n ? xmlNodeGetContent(n) : NULL;
        ok(t && strstr((const char *)t, "Example Mail")
           && strstr((const char *)t, "example.com"),
           "page: heading names display name and domain");
        xmlFree(t);
    }
    form = find_tag(root, "form");
    is_str(prop(form, "method"), "get", "page: form method get");
    is_str(prop(form, "action"), "/apple", "page: form action is the path");
    n = find_by_id(root, "input", MAC_APPLE_Q_ADDRESS);
    is_str(prop(n, "name"), MAC_APPLE_Q_ADDRESS, "page: address field name");
    is_str(prop(n, "type"), "email", "page: address field type=email");
    is_str(prop(n, "autocomplete"), "email", "page: address autocomplete");
    ok(prop(n, "required") != NULL, "page: address required");
    is_str(prop(n, "maxlength"), "254", "page: address maxlength");
    ok(prop(n, "value") == NULL, "page: no value without error");
    n = find_by_id(root, "input", MAC_APPLE_Q_NAME);
    is_str(prop(n, "name"), MAC_APPLE_Q_NAME, "page: name field name");
    is_str(prop(n, "autocomplete"), "name", "page: name autocomplete");
    is_str(prop(n, "maxlength"), "128", "page: name maxlength");
    {
        /* every input has a label pointing at it */
        int labelled = 0;
        xmlNodePtr l;
        for (l = find_tag(root, "label"); l; l = next_elem(l->next)) {
            if (is_elem(l, "label")
                && (find_by_id(root, "input", prop(l, "for")))) {
                labelled++;
            }
        }
        is_int(labelled, 2, "page: both fields have a <label for>");
    }
    n = find_tag(root, "button");
    is_str(prop(n, "type"), "submit", "page: a submit button");
    xmlFreeDoc(doc);

    /* With an error, hostile values refilled */
    pg.path = "/a\"p<p>le&x=1";
    pg.error = "Bad <address> & \"stuff\"";
    pg.error_field = MAC_FIELD_NONE;
    pg.name_value = evil_name;
    pg.addr_value = evil_addr;
    out = mac_apple_page(pool, acct, "example.com", &pg, &len);
    ok(!strstr(out, "<script") && !strstr(out, "\" onfocus")
       && !strstr(out, "<address>") && !strstr(out, "<p>le"),
       "error page: nothing unescaped");
    ok(strstr(out, "role=\"alert\"") != NULL, "error page: role=alert");
    ok(strstr(out, "<title>Error: ") != NULL, "error page: title says error");
    doc = parse_html(out, len);
    is_int(html_errors, 0, "error page: parses without errors");
    root = doc ? xmlDocGetRootElement(doc) : NULL;
    n = find_by_id(root, "p", "error");
    {
        xmlChar *t = n ? xmlNodeGetContent(n) : NULL;
        is_str((const char *)t, "Bad <address> & \"stuff\"",
               "error page: message round-trips");
        xmlFree(t);
    }
    is_str(prop(n, "role"), "alert", "error page: message has role=alert");
    is_str(prop(find_by_id(root, "input", MAC_APPLE_Q_NAME), "value"),
           evil_name, "error page: name refilled, round-trips");
    is_str(prop(find_by_id(root, "input", MAC_APPLE_Q_ADDRESS), "value"),
           "x'\" onfocus=alert(1) \xef\xbf\xbd\xef\xbf\xbd@example.com",
           "error page: address refilled, bad bytes replaced");
    is_str(prop(find_tag(root, "form"), "action"), "/a\"p<p>le&x=1",
           "error page: action escaped, round-trips");
    ok(!strstr(out, "aria-describedby=\"error") && !strstr(out, " error\"")
       && !strstr(out, "aria-invalid=\""),
       "error page about no field: no field points at the banner");
    xmlFreeDoc(doc);

    /* No display name, no path */
    {
        mac_account_t *a = account(NULL, NULL, NULL);
        out = mac_apple_page(pool, a, NULL, NULL, &len);
        doc = parse_html(out, len);
        root = doc ? xmlDocGetRootElement(doc) : NULL;
        ok(prop(find_tag(root, "form"), "action") == NULL,
           "page without path: no action attribute");
        {
            xmlChar *t = xmlNodeGetContent(find_tag(root, "h1"));
            ok(t && strstr((const char *)t, "example.com"),
               "page without display name or domain: heading names the "
               "account's first domain");
            xmlFree(t);
        }
        xmlFreeDoc(doc);
    }
}

/* The text of the element with this id, from p. */
static const char *text_by_id(xmlNodePtr root, const char *tag,
                              const char *id)
{
    xmlNodePtr n = find_by_id(root, tag, id);
    xmlChar *t = n ? xmlNodeGetContent(n) : NULL;
    const char *out = t ? apr_pstrdup(pool, (const char *)t) : NULL;

    xmlFree(t);
    return out;
}

/* The page's help for people installing the profile. */
static void test_page_help(void)
{
    mac_account_t *acct = imap_account();
    mac_apple_page_t pg;
    apr_size_t len;
    char *out;
    xmlDocPtr doc;
    xmlNodePtr root, a;
    const char *t;

    memset(&pg, 0, sizeof(pg));
    out = mac_apple_page(pool, acct, "example.com", &pg, &len);
    doc = parse_html(out, len);
    root = doc ? xmlDocGetRootElement(doc) : NULL;
    ok(strstr(out, "Your name <span class=\"opt\">(optional)</span></label>")
       != NULL, "page: the name is marked optional in its label");
    t = text_by_id(root, "span", "name-hint");
    ok(t && strstr(t, "128 characters"), "page: the hint counts characters "
       "(%s)", t ? t : "none");
    ok(strstr(out, "Safari") && strstr(out, "Profile Downloaded")
       && strstr(out, "Settings"),
       "page: iPhone/iPad steps (Safari, Settings, Profile Downloaded)");
    ok(strstr(out, "System Settings") && strstr(out, "Device Management"),
       "page: Mac steps (System Settings, Device Management)");
    t = text_by_id(root, "p", "not-verified");
    ok(t && strstr(t, "Not Verified"),
       "page, unsigned profile: says it shows as Not Verified");
    ok(find_by_id(root, "p", "help") == NULL,
       "page without documentation: no help link");
    ok(!strstr(out, " autofocus") && !strstr(out, "aria-invalid=\""),
       "fresh page: no autofocus, no aria-invalid");
    xmlFreeDoc(doc);

    pg.profile_signed = 1;
    out = mac_apple_page(pool, acct, "example.com", &pg, &len);
    ok(!strstr(out, "Not Verified") && !strstr(out, "not-verified"),
       "page, signed profile: no Not Verified note");

    acct->doc_url = "https://help.example.com/mail?a=1&b=<2>";
    acct->doc_text = "Set up <mail> & \"more\"";
    out = mac_apple_page(pool, acct, "example.com", &pg, &len);
    doc = parse_html(out, len);
    root = doc ? xmlDocGetRootElement(doc) : NULL;
    a = find_by_id(root, "p", "help");
    a = a ? find_tag(a->children, "a") : NULL;
    is_str(prop(a, "href"), "https://help.example.com/mail?a=1&b=<2>",
           "page with documentation: links to it, escaped, round-trips");
    {
        xmlChar *x = a ? xmlNodeGetContent(a) : NULL;
        is_str((const char *)x, "Set up <mail> & \"more\"",
               "page with documentation: the link text is its text");
        xmlFree(x);
    }
    ok(!strstr(out, "<mail>") && !strstr(out, "<2>"),
       "page with documentation: nothing unescaped");
    xmlFreeDoc(doc);

    acct->doc_text = NULL;
    out = mac_apple_page(pool, acct, "example.com", &pg, &len);
    ok(strstr(out, ">setup instructions</a>") != NULL,
       "documentation without text: a plain link text");
    acct->doc_url = "javascript:alert(1)";
    out = mac_apple_page(pool, acct, "example.com", &pg, &len);
    ok(!strstr(out, "javascript:") && !strstr(out, "id=\"help\""),
       "a documentation URL that is not http(s): no link");
}

/* Count the inputs with attribute name (and value, when not NULL). */
static int inputs_with(xmlNodePtr root, const char *name, const char *value)
{
    int n = 0;
    const char *ids[] = { MAC_APPLE_Q_NAME, MAC_APPLE_Q_ADDRESS };
    unsigned i;

    for (i = 0; i < 2; i++) {
        const char *v = prop(find_by_id(root, "input", ids[i]), name);
        n += v && (!value || strcmp(v, value) == 0);
    }
    return n;
}

/* An error stands next to its field, and only that field is marked. */
/* A test name about an error on field id. */
static const char *what(const char *id, const char *s)
{
    return apr_pstrcat(pool, "error on ", id, ": ", s, NULL);
}

static void test_page_field_errors(void)
{
    static const struct {
        mac_field_e field;
        const char *id, *other;
    } cases[] = {
        { MAC_FIELD_ADDRESS, MAC_APPLE_Q_ADDRESS, MAC_APPLE_Q_NAME },
        { MAC_FIELD_NAME, MAC_APPLE_Q_NAME, MAC_APPLE_Q_ADDRESS },
    };
    mac_account_t *acct = imap_account();
    mac_apple_page_t pg;
    apr_size_t len;
    char *out;
    xmlDocPtr doc;
    xmlNodePtr root, msg, in, other;
    unsigned i;

    for (i = 0; i < 2; i++) {
        const char *eid = apr_pstrcat(pool, cases[i].id, "-error", NULL);
        const char *desc;

        memset(&pg, 0, sizeof(pg));
        pg.error = "Something <wrong>.";
        pg.error_field = cases[i].field;
        pg.name_value = "\xe5\xb1\xb1\xe7\x94\xb0";
        pg.addr_value = "alice@";
        out = mac_apple_page(pool, acct, "example.com", &pg, &len);
        doc = parse_html(out, len);
        is_int(html_errors, 0, what(cases[i].id, "parses without errors"));
        root = doc ? xmlDocGetRootElement(doc) : NULL;
        msg = find_by_id(root, "p", eid);
        in = find_by_id(root, "input", cases[i].id);
        other = find_by_id(root, "input", cases[i].other);
        {
            xmlChar *t = msg ? xmlNodeGetContent(msg) : NULL;
            is_str((const char *)t, "Something <wrong>.",
                   what(cases[i].id, "the message, id <field>-error"));
            xmlFree(t);
        }
        ok(msg && next_elem(msg->next) == in,
           "error on %s: the message stands right above its field",
           cases[i].id);
        ok(find_by_id(root, "p", "error") == NULL
           && !strstr(out, "role=\"alert\""),
           "error on %s: no banner at the top", cases[i].id);
        is_str(prop(in, "aria-invalid"), "true",
               what(cases[i].id, "aria-invalid on it"));
        ok(prop(in, "autofocus") != NULL, "error on %s: autofocus on it",
           cases[i].id);
        desc = prop(in, "aria-describedby");
        ok(desc && strstr(desc, eid), "error on %s: described by %s (%s)",
           cases[i].id, eid, desc ? desc : "none");
        is_int(inputs_with(root, "aria-invalid", NULL), 1,
               what(cases[i].id, "no other field has aria-invalid"));
        is_int(inputs_with(root, "autofocus", NULL), 1,
               what(cases[i].id, "no other field has autofocus"));
        desc = prop(other, "aria-describedby");
        ok(!desc || !strstr(desc, "error"),
           "error on %s: the other field is not described by an error",
           cases[i].id);
        is_str(prop(find_by_id(root, "input", MAC_APPLE_Q_NAME), "value"),
               "\xe5\xb1\xb1\xe7\x94\xb0",
               what(cases[i].id, "the name refilled"));
        ok(strncmp(out + (strstr(out, "<title>") - out), "<title>Error: ",
                   14) == 0, "error on %s: the title says error",
           cases[i].id);
        xmlFreeDoc(doc);
    }

    /* About the request as a whole: a banner, no field marked. */
    memset(&pg, 0, sizeof(pg));
    pg.error = "The request is malformed.";
    out = mac_apple_page(pool, acct, "example.com", &pg, &len);
    doc = parse_html(out, len);
    root = doc ? xmlDocGetRootElement(doc) : NULL;
    is_str(prop(find_by_id(root, "p", "error"), "role"), "alert",
           "error on no field: a role=alert banner");
    is_int(inputs_with(root, "aria-invalid", NULL), 0,
           "error on no field: no field has aria-invalid");
    xmlFreeDoc(doc);
}

int main(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);
    LIBXML_TEST_VERSION
    plan_no_plan();
    find_schema();
    if (schema_dir) {
        diag("Apple schema from %s", schema_dir);
    }
    else {
        diag("Apple schema not found: schema checks skipped");
    }

    test_uuid();
    test_compile_errors();
    test_imap_profile();
    test_identity();
    test_pop_only();
    test_auth_mapping();
    test_escaping();
    test_check_name();
    test_filename();
    test_page();
    test_page_help();
    test_page_field_errors();

    xmlCleanupParser();
    apr_pool_destroy(pool);
    apr_terminate();
    return done_testing();
}
