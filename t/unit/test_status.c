/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * Unit tests for src/mac_status.[ch]: the status page in HTML and JSON.
 *
 * The HTML is parsed twice: strictly as XML (the page is written so that it
 * is also well-formed XML, which catches any nesting or escaping slip) and
 * with libxml2's HTML parser, whose tree is checked through XPath.  The
 * JSON is parsed by the small strict RFC 8259 parser below and checked
 * value by value.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/HTMLparser.h>
#include <libxml/xpath.h>
#include <libxml/xmlerror.h>

#include "tap.h"
#include "fixture.h"
#include "mac_account.h"
#include "mac_dns.h"
#include "mac_pacc.h"
#include "mac_escape.h"
#include "mac_status.h"

static apr_pool_t *pool;

/* ============================================================ JSON */

typedef enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ } jtype_e;

typedef struct jv {
    jtype_e t;
    int b;
    double num;
    const char *s;               /* J_STR: decoded, NUL-terminated */
    apr_array_header_t *items;   /* J_ARR, J_OBJ: struct jv * */
    apr_array_header_t *keys;    /* J_OBJ: const char * */
} jv_t;

typedef struct {
    const char *s, *end;
    const char *err;
    int depth;
} jp_t;

static void jws(jp_t *j)
{
    while (j->s < j->end && (*j->s == ' ' || *j->s == '\t' || *j->s == '\n'
                             || *j->s == '\r')) {
        j->s++;
    }
}

static jv_t *jfail(jp_t *j, const char *why)
{
    if (!j->err) {
        j->err = why;
    }
    return NULL;
}

static int hex4(const char *s, unsigned *out)
{
    int i;

    *out = 0;
    for (i = 0; i < 4; i++) {
        char c = s[i];
        *out <<= 4;
        if (c >= '0' && c <= '9') *out |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') *out |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') *out |= (unsigned)(c - 'A' + 10);
        else return 0;
    }
    return 1;
}

static char *put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        *o++ = (char)cp;
    }
    else if (cp < 0x800) {
        *o++ = (char)(0xC0 | (cp >> 6));
        *o++ = (char)(0x80 | (cp & 0x3F));
    }
    else if (cp < 0x10000) {
        *o++ = (char)(0xE0 | (cp >> 12));
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    }
    else {
        *o++ = (char)(0xF0 | (cp >> 18));
        *o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    }
    return o;
}

/* At the opening quote; returns the decoded string or NULL. */
static const char *jstring(jp_t *j)
{
    const char *start;
    char *out, *o;

    j->s++;
    start = j->s;
    o = out = apr_palloc(pool, (apr_size_t)(j->end - start) + 1);
    while (j->s < j->end && *j->s != '"') {
        unsigned char c = (unsigned char)*j->s;
        if (c < 0x20) {
            jfail(j, "control character in a string");
            return NULL;
        }
        if (c != '\\') {
            *o++ = (char)c;
            j->s++;
            continue;
        }
        if (j->end - j->s < 2) {
            jfail(j, "truncated escape");
            return NULL;
        }
        switch (j->s[1]) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '/': *o++ = '/'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u': {
            unsigned cp, lo;
            if (j->end - j->s < 6 || !hex4(j->s + 2, &cp)) {
                jfail(j, "bad \\u escape");
                return NULL;
            }
            if (cp >= 0xDC00 && cp <= 0xDFFF) {
                jfail(j, "lone low surrogate");
                return NULL;
            }
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (j->end - j->s < 12 || j->s[6] != '\\' || j->s[7] != 'u'
                    || !hex4(j->s + 8, &lo) || lo < 0xDC00 || lo > 0xDFFF) {
                    jfail(j, "lone high surrogate");
                    return NULL;
                }
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                j->s += 6;
            }
            o = put_utf8(o, cp);
            j->s += 4;
            break;
        }
        default:
            jfail(j, "unknown escape");
            return NULL;
        }
        j->s += 2;
    }
    if (j->s >= j->end) {
        jfail(j, "unterminated string");
        return NULL;
    }
    j->s++;
    *o = '\0';
    if (!mac_utf8_valid(out, (apr_size_t)(o - out))) {
        jfail(j, "string is not UTF-8");
        return NULL;
    }
    return out;
}

static int isdig(char c)
{
    return c >= '0' && c <= '9';
}

static jv_t *jvalue(jp_t *j);

static jv_t *jcontainer(jp_t *j, int obj)
{
    jv_t *v = apr_pcalloc(pool, sizeof(*v));

    v->t = obj ? J_OBJ : J_ARR;
    v->items = apr_array_make(pool, 4, sizeof(jv_t *));
    v->keys = apr_array_make(pool, 4, sizeof(const char *));
    if (++j->depth > 64) {
        return jfail(j, "nested too deep");
    }
    j->s++;
    jws(j);
    if (j->s < j->end && *j->s == (obj ? '}' : ']')) {
        j->s++;
        j->depth--;
        return v;
    }
    for (;;) {
        jv_t *item;
        jws(j);
        if (obj) {
            const char *k;
            int i;
            if (j->s >= j->end || *j->s != '"') {
                return jfail(j, "object key expected");
            }
            if (!(k = jstring(j))) {
                return NULL;
            }
            for (i = 0; i < v->keys->nelts; i++) {
                if (strcmp(APR_ARRAY_IDX(v->keys, i, const char *), k) == 0) {
                    return jfail(j, "duplicate key");
                }
            }
            APR_ARRAY_PUSH(v->keys, const char *) = k;
            jws(j);
            if (j->s >= j->end || *j->s != ':') {
                return jfail(j, "':' expected");
            }
            j->s++;
        }
        if (!(item = jvalue(j))) {
            return NULL;
        }
        APR_ARRAY_PUSH(v->items, jv_t *) = item;
        jws(j);
        if (j->s < j->end && *j->s == ',') {
            j->s++;
            continue;
        }
        if (j->s < j->end && *j->s == (obj ? '}' : ']')) {
            j->s++;
            j->depth--;
            return v;
        }
        return jfail(j, "',' or end of container expected");
    }
}

static jv_t *jvalue(jp_t *j)
{
    jv_t *v;

    jws(j);
    if (j->s >= j->end) {
        return jfail(j, "value expected");
    }
    switch (*j->s) {
    case '{':
        return jcontainer(j, 1);
    case '[':
        return jcontainer(j, 0);
    case '"':
        v = apr_pcalloc(pool, sizeof(*v));
        v->t = J_STR;
        return (v->s = jstring(j)) ? v : NULL;
    }
    v = apr_pcalloc(pool, sizeof(*v));
    if (j->end - j->s >= 4 && strncmp(j->s, "null", 4) == 0) {
        v->t = J_NULL;
        j->s += 4;
        return v;
    }
    if (j->end - j->s >= 4 && strncmp(j->s, "true", 4) == 0) {
        v->t = J_BOOL;
        v->b = 1;
        j->s += 4;
        return v;
    }
    if (j->end - j->s >= 5 && strncmp(j->s, "false", 5) == 0) {
        v->t = J_BOOL;
        j->s += 5;
        return v;
    }
    {
        const char *st = j->s;
        if (j->s < j->end && *j->s == '-') j->s++;
        if (j->s < j->end && *j->s == '0') j->s++;
        else if (j->s < j->end && isdig(*j->s) && *j->s != '0')
            while (j->s < j->end && isdig(*j->s)) j->s++;
        else return jfail(j, "bad value");
        if (j->s < j->end && *j->s == '.') {
            j->s++;
            if (j->s >= j->end || !isdig(*j->s)) return jfail(j, "bad frac");
            while (j->s < j->end && isdig(*j->s)) j->s++;
        }
        if (j->s < j->end && (*j->s == 'e' || *j->s == 'E')) {
            j->s++;
            if (j->s < j->end && (*j->s == '+' || *j->s == '-')) j->s++;
            if (j->s >= j->end || !isdig(*j->s)) return jfail(j, "bad exp");
            while (j->s < j->end && isdig(*j->s)) j->s++;
        }
        v->t = J_NUM;
        v->num = strtod(apr_pstrndup(pool, st, (apr_size_t)(j->s - st)),
                        NULL);
        return v;
    }
}

/* Parse a whole document; NULL and *err set when it is not valid. */
static jv_t *json_parse(const char *s, apr_size_t len, const char **err)
{
    jp_t j;
    jv_t *v;

    memset(&j, 0, sizeof(j));
    j.s = s;
    j.end = s + len;
    v = jvalue(&j);
    if (v) {
        jws(&j);
        if (j.s != j.end) {
            v = jfail(&j, "trailing bytes");
        }
    }
    if (err) {
        *err = j.err;
        if (j.err) {
            *err = apr_psprintf(pool, "%s at offset %ld", j.err,
                                (long)(j.s - s));
        }
    }
    return v;
}

/* Look up "a/0/b": object keys and array indexes separated by '/'. */
static jv_t *jget(jv_t *v, const char *path)
{
    char *copy = apr_pstrdup(pool, path), *tok, *last;

    for (tok = apr_strtok(copy, "/", &last); tok && v;
         tok = apr_strtok(NULL, "/", &last)) {
        jv_t *next = NULL;
        int i;
        if (v->t == J_OBJ) {
            for (i = 0; i < v->keys->nelts; i++) {
                if (strcmp(APR_ARRAY_IDX(v->keys, i, const char *), tok)
                    == 0) {
                    next = APR_ARRAY_IDX(v->items, i, jv_t *);
                }
            }
        }
        else if (v->t == J_ARR) {
            i = atoi(tok);
            if (i >= 0 && i < v->items->nelts) {
                next = APR_ARRAY_IDX(v->items, i, jv_t *);
            }
        }
        v = next;
    }
    return v;
}

static const char *jstr(jv_t *root, const char *path)
{
    jv_t *v = jget(root, path);
    return v && v->t == J_STR ? v->s : v && v->t == J_NULL ? "(null)" : NULL;
}

static double jnum(jv_t *root, const char *path)
{
    jv_t *v = jget(root, path);
    return v && v->t == J_NUM ? v->num : -1;
}

static int jlen(jv_t *root, const char *path)
{
    jv_t *v = jget(root, path);
    return v && (v->t == J_ARR || v->t == J_OBJ) ? v->items->nelts : -1;
}

static jtype_e jtype(jv_t *root, const char *path)
{
    jv_t *v = jget(root, path);
    return v ? v->t : (jtype_e)-1;
}

static void test_json_parser(void)
{
    static const char *good[] = {
        "{}", "[]", " [1, -0, 0.5, -1.5e+10, 2E-3, true, false, null] ",
        "{\"a\":{\"b\":[\"\\u00e9\\ud83d\\ude00\\n\\/\"]}}", "\"x\"", "0"
    };
    static const char *bad[] = {
        "", "{", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "[01]", "[1.]", "[.5]",
        "[+1]", "\"a\nb\"", "\"\\x\"", "\"\\ud800\"", "\"\\udc00\"",
        "{\"a\":1,\"a\":2}", "[1] [2]", "[nul]", "{'a':1}", "[\"\xff\"]",
        "[1e]", "[-]", "NaN"
    };
    const char *err;
    size_t i;

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        ok(json_parse(good[i], strlen(good[i]), &err) != NULL,
           "JSON checker accepts %s", good[i]);
    }
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ok(json_parse(bad[i], strlen(bad[i]), &err) == NULL,
           "JSON checker refuses bad document %d", (int)i);
    }
    {
        const char *doc = "{\"a\":{\"b\":[\"\\u00e9\\ud83d\\ude00\"]}}";
        jv_t *v = json_parse(doc, strlen(doc), NULL);
        is_str(jstr(v, "a/b/0"), "\xc3\xa9\xf0\x9f\x98\x80",
               "JSON checker decodes \\u escapes and surrogate pairs");
    }
}

/* ============================================================ HTML */

static int xml_errors;

static void count_error(void *ctx, xmlErrorPtr e)
{
    (void)ctx;
    /* The HTML parser knows HTML 4 only: HTML5 elements (section, main,
     * nav, header, time) are "unknown tags", which is not a fault. */
    if (e && e->code == XML_HTML_UNKNOWN_TAG) {
        return;
    }
    xml_errors++;
    if (e && e->message) {
        diag("parser: line %d: %s", e->line, e->message);
    }
}

static xmlDoc *parse_xml_strict(const char *buf, apr_size_t len, int *errs)
{
    xmlDoc *d;

    xml_errors = 0;
    xmlSetStructuredErrorFunc(NULL, count_error);
    d = xmlReadMemory(buf, (int)len, NULL, "UTF-8", XML_PARSE_NONET);
    xmlSetStructuredErrorFunc(NULL, NULL);
    *errs = xml_errors;
    return d;
}

static xmlDoc *parse_html(const char *buf, apr_size_t len, int *errs)
{
    xmlDoc *d;

    xml_errors = 0;
    xmlSetStructuredErrorFunc(NULL, count_error);
    d = htmlReadMemory(buf, (int)len, NULL, "UTF-8",
                       HTML_PARSE_NONET | HTML_PARSE_NOBLANKS);
    xmlSetStructuredErrorFunc(NULL, NULL);
    if (errs) {
        *errs = xml_errors;
    }
    return d;
}

/* string(expr) */
static const char *xs(xmlDoc *d, const char *expr)
{
    xmlXPathContext *ctx = xmlXPathNewContext(d);
    xmlXPathObject *o = xmlXPathEvalExpression(
        (const xmlChar *)apr_pstrcat(pool, "string(", expr, ")", NULL), ctx);
    const char *s = o && o->type == XPATH_STRING
                    ? apr_pstrdup(pool, (const char *)o->stringval) : NULL;

    xmlXPathFreeObject(o);
    xmlXPathFreeContext(ctx);
    return s;
}

/* count(expr) */
static int xc(xmlDoc *d, const char *expr)
{
    xmlXPathContext *ctx = xmlXPathNewContext(d);
    xmlXPathObject *o = xmlXPathEvalExpression(
        (const xmlChar *)apr_pstrcat(pool, "count(", expr, ")", NULL), ctx);
    int n = o && o->type == XPATH_NUMBER ? (int)o->floatval : -1;

    xmlXPathFreeObject(o);
    xmlXPathFreeContext(ctx);
    return n;
}

/* ============================================================ fixtures */

static apr_array_header_t *strs(const char *a, const char *b, const char *c)
{
    apr_array_header_t *r = apr_array_make(pool, 3, sizeof(const char *));

    if (a) APR_ARRAY_PUSH(r, const char *) = a;
    if (b) APR_ARRAY_PUSH(r, const char *) = b;
    if (c) APR_ARRAY_PUSH(r, const char *) = c;
    return r;
}

static mac_account_t *good_account(void)
{
    mac_account_t *a = apr_pcalloc(pool, sizeof(*a));

    a->domains = strs("example.com", "example.org", NULL);
    a->servers = apr_array_make(pool, 4, sizeof(mac_server_t));
    APR_ARRAY_PUSH(a->servers, mac_server_t) =
        fx_server(MAC_PROTO_IMAP, "imap.example.com", 993, MAC_SOCK_SSL,
            MAC_AUTH_PASSWORD_CLEARTEXT);
    APR_ARRAY_PUSH(a->servers, mac_server_t) =
        fx_server(MAC_PROTO_IMAP, "imap.example.com", 143, MAC_SOCK_STARTTLS,
            MAC_AUTH_PASSWORD_CLEARTEXT);
    APR_ARRAY_PUSH(a->servers, mac_server_t) =
        fx_server(MAC_PROTO_SMTP, "smtp.example.com", 465, MAC_SOCK_SSL,
            MAC_AUTH_OAUTH2);
    APR_ARRAY_PUSH(a->servers, mac_server_t) =
        fx_server(MAC_PROTO_SMTP, "smtp.example.com", 587, MAC_SOCK_STARTTLS,
            MAC_AUTH_PASSWORD_CLEARTEXT);
    a->login_template = "%EMAILLOCALPART%";
    a->display_name = "Example Mail";
    a->short_name = "Example";
    return a;
}

#define HOSTILE_DISPLAY "<script>alert(3)</script> & \"Co\" 'x'"
#define HOSTILE_SHORT   "'</title><script>"
#define HOSTILE_TPL     "<script>%EMAILADDRESS%</script>"
#define HOSTILE_WARN    "<script>alert(5)</script> ]]> -->"

static mac_account_t *hostile_account(void)
{
    mac_account_t *a = apr_pcalloc(pool, sizeof(*a));

    a->domains = strs("example.net", NULL, NULL);
    a->servers = apr_array_make(pool, 2, sizeof(mac_server_t));
    APR_ARRAY_PUSH(a->servers, mac_server_t) =
        fx_server(MAC_PROTO_POP3, "192.0.2.110", 110, MAC_SOCK_PLAIN,
            MAC_AUTH_PASSWORD_CLEARTEXT);
    a->login_template = HOSTILE_TPL;
    a->display_name = HOSTILE_DISPLAY;
    a->short_name = HOSTILE_SHORT;
    a->doc_url = "javascript:alert(4)//<script>";
    a->doc_text = "</dd><script>";
    return a;
}

/* served, redirected, not found, bad request, error */
static mac_status_counter_t counters[] = {
    { "thunderbird", { 12, 6, 3, 1, 0 } },
    { "autodiscover", { 7, 0, 0, 4, 2 } },
    { "autodiscover-json", { 5, 0, 0, 0, 0 } },
    { "mobileconfig", { 0, 0, 0, 0, 1 } },
    { "<script>x</script>", { 1, 1, 1, 1, 1 } },
};

#define T0 ((apr_time_t)1709287200 * APR_USEC_PER_SEC)  /* 2024-03-01 10:00 */
#define UP (1 * 86400 + 2 * 3600 + 3 * 60 + 4)

static mac_status_t *make_status(void)
{
    mac_status_t *st = apr_pcalloc(pool, sizeof(*st));
    apr_array_header_t *vh = apr_array_make(pool, 3,
                                            sizeof(mac_status_vhost_t));
    mac_status_vhost_t *v;

    st->started = T0;
    st->now = T0 + (apr_time_t)UP * APR_USEC_PER_SEC + 250000;
    st->version = "mod_mailautoconf/0.9.0";
    st->counters = counters;
    st->ncounters = (int)(sizeof(counters) / sizeof(counters[0]));
    st->vhosts = vh;

    v = apr_array_push(vh);
    memset(v, 0, sizeof(*v));
    v->server_name = "autoconfig.example.com";
    v->aliases = "autodiscover.example.com  autoconfig.example.org";
    v->defined_at = "/etc/apache2/sites-enabled/mail.conf:12";
    v->base_url = "https://autoconfig.example.com/";
    v->https_port = 443;
    v->acct = good_account();
    v->profile_path = "/email.mobileconfig";
    v->profile_signed = 1;
    v->warnings = strs("first problem", "second problem", NULL);

    v = apr_array_push(vh);
    memset(v, 0, sizeof(*v));
    v->server_name = "evil.example.net";
    v->aliases = "<script>alert(1)</script> b.example.net";
    v->defined_at = "/tmp/<script>.conf:1";
    v->base_url = "https://evil.example.net/\"><script>alert(2)</script>";
    v->https_port = 8443;
    v->acct = hostile_account();
    v->profile_path = "/p<script>.mobileconfig";
    v->activesync_url = "https://as.example.net/<script>";
    v->https_redirect = "<script>";
    v->warnings = strs(HOSTILE_WARN, "bad \x01 byte \xff end", NULL);

    v = apr_array_push(vh);
    memset(v, 0, sizeof(*v));
    v->server_name = "nothing.example.org";
    v->base_url = "javascript:alert(6)";
    v->https_port = 443;
    v->acct = apr_pcalloc(pool, sizeof(mac_account_t));
    return st;
}

/* The records the page shows: mac_dns.h's, then PACC's (mac_pacc.h). */
static apr_array_header_t *records(const mac_account_t *a,
                                   const char *domain, const char *web,
                                   int port)
{
    apr_array_header_t *rrs = mac_dns_records(pool, a, domain, web, port);

    mac_pacc_dns_records(pool, rrs, a, domain, web);
    return rrs;
}

static const char *zone(const mac_account_t *a, const char *domain,
                        const char *web, int port)
{
    return mac_dns_zone_text(pool, records(a, domain, web, port));
}

/* ============================================================ tests */

/* The error counting used below does see errors. */
static void test_checkers(void)
{
    static const char broken_html[] =
        "<!DOCTYPE html><html><head><title>x</title></head>"
        "<body><p><b>x</p></i></body></html>";
    static const char broken_xml[] = "<a><b></a>";
    static const char html5[] =
        "<!DOCTYPE html><html><head><title>x</title></head>"
        "<body><main><section><p>x</p></section></main></body></html>";
    xmlDoc *d;
    int errs = 0;

    d = parse_html(broken_html, sizeof(broken_html) - 1, &errs);
    ok(errs > 0, "HTML checker counts errors in a broken page (%d)", errs);
    xmlFreeDoc(d);
    d = parse_html(html5, sizeof(html5) - 1, &errs);
    is_int(errs, 0, "HTML checker: HTML5 element names alone are no error");
    xmlFreeDoc(d);
    d = parse_xml_strict(broken_xml, sizeof(broken_xml) - 1, &errs);
    ok(d == NULL && errs > 0, "XML checker refuses a broken document");
    xmlFreeDoc(d);
}

static void test_html(void)
{
    mac_status_t *st = make_status();
    const mac_status_vhost_t *v1 = &APR_ARRAY_IDX(st->vhosts, 0,
                                                  mac_status_vhost_t);
    apr_size_t len = 0;
    char *html = mac_status_html(pool, st, &len);
    xmlDoc *d;
    int errs = -1;
    const char *s1 = "//section[@id='vhost-1']";
    const char *s2 = "//section[@id='vhost-2']";

    if (!ok(html != NULL, "mac_status_html returns a page")) {
        return;
    }
    is_int(len, strlen(html), "*len is the page length");
    ok(strncmp(html, "<!DOCTYPE html>\n", 16) == 0, "HTML5 doctype first");
    ok(strcasestr(html, "<script") == NULL,
       "'<script' never appears raw in the page");
    ok(mac_utf8_valid(html, len), "page is valid UTF-8");
    ok(strstr(html, "&#10;") == NULL, "zone blocks keep real newlines");

    d = parse_xml_strict(html, len, &errs);
    ok(d != NULL && errs == 0, "page is also well-formed XML (%d errors)",
       errs);
    xmlFreeDoc(d);

    d = parse_html(html, len, &errs);
    if (!ok(d != NULL, "libxml2's HTML parser reads the page")) {
        return;
    }
    is_int(errs, 0, "HTML parser: no errors but HTML5 element names");

    /* head */
    is_str(xs(d, "/html/@lang"), "en", "html lang=en");
    is_str(xs(d, "/html/head/title"), "Mail autoconfiguration status",
           "title");
    is_str(xs(d, "/html/head/meta[1]/@charset"), "utf-8",
           "charset declared first");
    is_int(xc(d, "/html/head/meta[@name='viewport']"), 1,
           "viewport meta for phones");
    is_int(xc(d, "/html/head/style"), 1, "one inline style sheet");
    is_int(xc(d, "//script | //link | //img | //iframe | //object | //embed"
                 " | //form | //base"), 0,
           "no script and no external resource");
    is_int(xc(d, "//@*[starts-with(name(), 'on')] | //@style | //@src"), 0,
           "no event handler, style or src attributes");
    is_int(xc(d, "//a[not(starts-with(@href, '#')) and "
                 "not(starts-with(@href, 'https://'))]"), 0,
           "every link is an in-page anchor or https");
    is_int(xc(d, "//h1"), 1, "one h1");

    /* header */
    is_str(xs(d, "//*[@id='version']"), "mod_mailautoconf/0.9.0", "version");
    is_str(xs(d, "//time[@id='started']/@datetime"), "2024-03-01T10:00:00Z",
           "start time as RFC 3339");
    is_str(xs(d, "//time[@id='started']"), "2024-03-01 10:00:00 UTC",
           "start time for people");
    is_str(xs(d, "//*[@id='uptime']/@data-seconds"), "93784",
           "uptime in seconds");
    is_str(xs(d, "//*[@id='uptime']"), "1 day, 2 hours, 3 minutes, 4 seconds",
           "uptime in words");
    is_str(xs(d, "//*[@id='problem-count']"), "4 in 2 virtual hosts",
           "problem count in the header");
    is_int(xc(d, "//nav//a[@href='#vhost-2-problems']"), 1,
           "header links to a virtual host's problems");

    /* counters */
    is_int(xc(d, "//table[@id='counters']/tbody/tr"), 5,
           "one counter row per endpoint");
    is_str(xs(d, "//table[@id='counters']/thead/tr/th[2]"), "Served",
           "first outcome column is Served");
    is_int(xc(d, "//table[@id='counters']//th[@scope='col']"), 7,
           "header cells scoped to columns");
    is_str(xs(d, "//table[@id='counters']/thead/tr/th[3]"), "Redirected",
           "second outcome column is Redirected");
    is_str(xs(d, "//table[@id='counters']/tbody/tr[1]/th"), "thunderbird",
           "row 1 is thunderbird");
    is_str(xs(d, "//table[@id='counters']/tbody/tr[1]/td[1]"), "12",
           "thunderbird served");
    is_str(xs(d, "//table[@id='counters']/tbody/tr[1]/td[2]"), "6",
           "thunderbird redirected");
    is_str(xs(d, "//table[@id='counters']/tbody/tr[1]/td[3]"), "3",
           "thunderbird not found");
    is_str(xs(d, "//table[@id='counters']/tbody/tr[1]/td[6]"), "22",
           "thunderbird total counts the redirects");
    is_str(xs(d, "//table[@id='counters']/tbody/tr[2]/td[4]"), "4",
           "autodiscover bad request");
    is_str(xs(d, "//table[@id='counters']/tbody/tr[2]/td[5]"), "2",
           "autodiscover error");
    is_str(xs(d, "//table[@id='counters']/tbody/tr[2]/td[6]"), "13",
           "autodiscover total");
    is_str(xs(d, "//table[@id='counters']/tbody/tr[5]/th"),
           "<script>x</script>", "hostile endpoint name round-trips");
    is_str(xs(d, "//table[@id='counters']/tfoot/tr/td[1]"), "25",
           "served over all endpoints");
    is_str(xs(d, "//table[@id='counters']/tfoot/tr/td[2]"), "7",
           "redirected over all endpoints");
    is_str(xs(d, "//table[@id='counters']/tfoot/tr/td[6]"), "46",
           "grand total");
    /* Narrow windows label each value (the table stacks). */
    is_int(xc(d, "//table[@id='counters'][contains(@class,'stack')]"), 1,
           "the counters table stacks on narrow windows");
    is_str(xs(d, "//table[@id='counters']/tbody/tr[1]/td[2]/@data-label"),
           "Redirected", "counter values are labelled for narrow windows");
    is_str(xs(d, "//table[@id='counters']/tfoot/tr/td[6]/@data-label"),
           "Total", "the total is labelled");

    /* virtual host sections */
    is_int(xc(d, "//section[@class='vhost']"), 3, "one section per vhost");
    is_str(xs(d, apr_pstrcat(pool, s1, "/h2", NULL)),
           "autoconfig.example.com", "vhost 1 heading is its ServerName");
    is_str(xs(d, apr_pstrcat(pool, s1, "//dt[.='Aliases']"
                             "/following-sibling::dd[1]", NULL)),
           "autodiscover.example.com, autoconfig.example.org",
           "aliases listed");
    is_str(xs(d, apr_pstrcat(pool, s1, "//dt[.='Defined at']"
                             "/following-sibling::dd[1]", NULL)),
           "/etc/apache2/sites-enabled/mail.conf:12", "where defined");
    is_str(xs(d, apr_pstrcat(pool, s1, "//dt[.='Domains']"
                             "/following-sibling::dd[1]", NULL)),
           "example.com (default), example.org", "domains");
    is_str(xs(d, apr_pstrcat(pool, s1, "//dt[.='Login name']"
                             "/following-sibling::dd[1]", NULL)),
           "%EMAILLOCALPART%", "login template");
    is_str(xs(d, apr_pstrcat(pool, s1, "//dt[.='Display name']"
                             "/following-sibling::dd[1]", NULL)),
           "Example Mail", "display name");
    is_str(xs(d, apr_pstrcat(pool, s1, "//dt[.='Short name']"
                             "/following-sibling::dd[1]", NULL)),
           "Example", "short name");
    is_str(xs(d, apr_pstrcat(pool, s1, "//dt[.='Apple profile']"
                             "/following-sibling::dd[1]", NULL)),
           "/email.mobileconfig, signed", "profile path, signed");
    is_str(xs(d, apr_pstrcat(pool, s1, "//dt[.='ActiveSync']"
                             "/following-sibling::dd[1]", NULL)),
           "not offered", "no ActiveSync");

    /* servers table */
    is_int(xc(d, apr_pstrcat(pool, s1,
                             "//table[contains(@class,'servers')]/tbody/tr",
                             NULL)), 4, "four server rows");
    {
        static const char *want[4][6] = {
            { "1", "imap", "imap.example.com", "993", "ssl",
              "password-cleartext" },
            { "2", "imap", "imap.example.com", "143", "starttls",
              "password-cleartext" },
            { "3", "smtp", "smtp.example.com", "465", "ssl", "OAuth2" },
            { "4", "smtp", "smtp.example.com", "587", "starttls",
              "password-cleartext" },
        };
        int r, c, wrong = 0;
        for (r = 0; r < 4; r++) {
            for (c = 0; c < 6; c++) {
                const char *got = xs(d, apr_psprintf(pool,
                    "%s//table[contains(@class,'servers')]"
                    "/tbody/tr[%d]/td[%d]", s1,
                    r + 1, c + 1));
                if (!got || strcmp(got, want[r][c]) != 0) {
                    wrong++;
                    diag("row %d col %d: %s", r + 1, c + 1, got);
                }
            }
        }
        is_int(wrong, 0, "server table: protocol, host, port, socket, auth "
               "in configured order");
    }

    /* sample links */
    is_str(xs(d, apr_pstrcat(pool, s1, "//a[@data-endpoint='thunderbird']"
                             "/@href", NULL)),
           "https://autoconfig.example.com/.well-known/autoconfig/mail/"
           "config-v1.1.xml?emailaddress=test%40example.com",
           "Thunderbird sample link");
    is_str(xs(d, apr_pstrcat(pool, s1, "//a[@data-endpoint='autodiscover']"
                             "/@href", NULL)),
           "https://autoconfig.example.com/autodiscover/autodiscover.xml"
           "?emailaddress=test%40example.com", "Autodiscover sample link");
    is_str(xs(d, apr_pstrcat(pool, s1,
                             "//a[@data-endpoint='autodiscover-json']/@href",
                             NULL)),
           "https://autoconfig.example.com/autodiscover/autodiscover.json"
           "?Email=test%40example.com&Protocol=AutodiscoverV1",
           "Autodiscover v2 sample link (& escaped in the attribute)");
    ok(strstr(html, "?Email=test%40example.com&amp;Protocol=") != NULL,
       "raw attribute has &amp;");
    is_str(xs(d, apr_pstrcat(pool, s1, "//a[@data-endpoint='mobileconfig']"
                             "/@href", NULL)),
           "https://autoconfig.example.com/email.mobileconfig",
           "profile page link");
    is_int(xc(d, apr_pstrcat(pool, s1, "//a[@class='sample']", NULL)), 4,
           "four sample links");
    ok(strstr(xs(d, apr_pstrcat(pool, s1, "//a[@data-endpoint='thunderbird']",
                                NULL)), "Thunderbird") != NULL,
       "sample link text names the client");
    is_str(xs(d, apr_pstrcat(pool, s1, "//table[contains(@class,'endpoints')]"
                             "/tbody/tr[1]/td[1]", NULL)),
           "https://autoconfig.example.com/.well-known/autoconfig/mail/"
           "config-v1.1.xml", "Thunderbird endpoint URL shown");

    /* problems */
    is_int(xc(d, apr_pstrcat(pool, s1, "//div[@class='problems']//li", NULL)),
           2, "two problems listed");
    is_str(xs(d, apr_pstrcat(pool, s1, "//div[@class='problems']//li[2]",
                             NULL)),
           "Warning: second problem", "problem text, labelled in words");
    is_str(xs(d, "//section[@id='vhost-3']//p[@class='ok']"), "None found.",
           "no problems: said so");

    /* DNS */
    is_int(xc(d, apr_pstrcat(pool, s1, "//pre[@class='zone']", NULL)), 2,
           "one zone block per domain");
    is_str(xs(d, apr_pstrcat(pool, s1, "//pre[@class='zone'][1]", NULL)),
           zone(v1->acct, "example.com", "autoconfig.example.com", 443),
           "first zone block is the zone text for example.com");
    is_str(xs(d, apr_pstrcat(pool, s1, "//pre[@class='zone'][2]", NULL)),
           zone(v1->acct, "example.org", "autoconfig.example.com", 443),
           "second zone block is the zone text for example.org");
    is_str(xs(d, apr_pstrcat(pool, s1, "//h4[@id='vhost-1-dns-2']", NULL)),
           "example.org", "zone block headed by its domain");

    /* the hostile virtual host */
    is_str(xs(d, apr_pstrcat(pool, s2, "//dt[.='Display name']"
                             "/following-sibling::dd[1]", NULL)),
           HOSTILE_DISPLAY, "hostile display name round-trips as text");
    is_str(xs(d, apr_pstrcat(pool, s2, "//dt[.='Short name']"
                             "/following-sibling::dd[1]", NULL)),
           HOSTILE_SHORT, "hostile short name round-trips");
    is_str(xs(d, apr_pstrcat(pool, s2, "//dt[.='Login name']"
                             "/following-sibling::dd[1]", NULL)),
           HOSTILE_TPL, "hostile login template round-trips");
    is_str(xs(d, apr_pstrcat(pool, s2, "//dt[.='Aliases']"
                             "/following-sibling::dd[1]", NULL)),
           "<script>alert(1)</script>, b.example.net",
           "hostile alias round-trips");
    is_str(xs(d, apr_pstrcat(pool, s2, "//dt[.='Documentation']"
                             "/following-sibling::dd[1]", NULL)),
           "javascript:alert(4)//<script> \xe2\x80\x94 </dd><script>",
           "documentation URL is text, not a link");
    is_str(xs(d, apr_pstrcat(pool, s2, "//div[@class='problems']//li[1]",
                             NULL)),
           "Warning: " HOSTILE_WARN, "hostile warning round-trips");
    is_str(xs(d, apr_pstrcat(pool, s2, "//div[@class='problems']//li[2]",
                             NULL)),
           "Warning: bad \xef\xbf\xbd byte \xef\xbf\xbd end",
           "control and invalid bytes become U+FFFD");
    is_str(xs(d, apr_pstrcat(pool, s2, "//a[@data-endpoint='thunderbird']"
                             "/@href", NULL)),
           "https://evil.example.net/%22%3E%3Cscript%3Ealert(2)%3C/script%3E"
           "/.well-known/autoconfig/mail/config-v1.1.xml"
           "?emailaddress=test%40example.net",
           "hostile base URL is percent-encoded in the link");
    is_str(xs(d, apr_pstrcat(pool, s2, "//a[@data-endpoint='mobileconfig']"
                             "/@href", NULL)),
           "https://evil.example.net/%22%3E%3Cscript%3Ealert(2)%3C/script%3E"
           "/p%3Cscript%3E.mobileconfig",
           "hostile profile path is percent-encoded");
    is_str(xs(d, apr_pstrcat(pool, s2, "//pre[@class='zone']", NULL)),
           zone(hostile_account(), "example.net", "evil.example.net", 8443),
           "hostile vhost: zone block with its https port");
    ok(strstr(xs(d, apr_pstrcat(pool, s2, "//pre[@class='zone']", NULL)),
              "0 0 8443 evil.example.net.") != NULL,
       "zone block uses the vhost's https port");

    /* nothing to link to */
    is_int(xc(d, "//section[@id='vhost-3']//a"), 0,
           "javascript: base URL and no domain: no links at all");
    is_int(xc(d, "//section[@id='vhost-3']//pre"), 0,
           "no domain: no zone block");
    xmlFreeDoc(d);

    /* No base URL: URLs shown as paths, no links. */
    APR_ARRAY_IDX(st->vhosts, 0, mac_status_vhost_t).base_url = NULL;
    html = mac_status_html(pool, st, &len);
    d = parse_html(html, len, NULL);
    is_int(xc(d, "//section[@id='vhost-1']//a"), 0,
           "no base URL: no sample links");
    is_str(xs(d, "//section[@id='vhost-1']"
                 "//table[contains(@class,'endpoints')]"
                 "/tbody/tr[1]/td[1]"),
           "/.well-known/autoconfig/mail/config-v1.1.xml",
           "no base URL: the path is shown");
    xmlFreeDoc(d);
}

static void test_json(void)
{
    mac_status_t *st = make_status();
    const mac_status_vhost_t *v1 = &APR_ARRAY_IDX(st->vhosts, 0,
                                                  mac_status_vhost_t);
    apr_size_t len = 0;
    char *json = mac_status_json(pool, st, &len);
    const char *err = NULL;
    jv_t *r;
    apr_array_header_t *rrs;
    int i, wrong;

    if (!ok(json != NULL, "mac_status_json returns a document")) {
        return;
    }
    is_int(len, strlen(json), "*len is the document length");
    ok(memchr(json, '<', len) == NULL, "no raw '<' anywhere in the JSON");
    r = json_parse(json, len, &err);
    if (!ok(r != NULL && r->t == J_OBJ, "valid JSON object (%s)",
            err ? err : "ok")) {
        diag("%s", json);
        return;
    }
    is_str(jstr(r, "version"), "mod_mailautoconf/0.9.0", "version");
    is_str(jstr(r, "started"), "2024-03-01T10:00:00Z", "started, RFC 3339");
    is_str(jstr(r, "now"), "2024-03-02T12:03:04Z", "now, RFC 3339");
    ok(jnum(r, "uptime_seconds") == UP, "uptime_seconds");

    is_int(jlen(r, "counters"), 5, "five counters");
    ok(jnum(r, "counters/thunderbird/served") == 12, "thunderbird served");
    ok(jnum(r, "counters/thunderbird/redirected") == 6,
       "thunderbird redirected");
    ok(jnum(r, "counters/thunderbird/not_found") == 3,
       "thunderbird not_found");
    ok(jnum(r, "counters/thunderbird/total") == 22,
       "thunderbird total counts the redirects");
    ok(jnum(r, "counters/autodiscover/bad_request") == 4,
       "autodiscover bad_request");
    ok(jnum(r, "counters/autodiscover/error") == 2, "autodiscover error");
    ok(jnum(r, "counters/autodiscover/total") == 13, "autodiscover total");
    {
        jv_t *c = jget(r, "counters");
        ok(c && c->keys->nelts == 5
           && strcmp(APR_ARRAY_IDX(c->keys, 4, const char *),
                     "<script>x</script>") == 0,
           "hostile counter name decodes to the original");
    }

    is_int(jlen(r, "vhosts"), 3, "three vhosts");
    is_str(jstr(r, "vhosts/0/server_name"), "autoconfig.example.com",
           "server_name");
    is_int(jlen(r, "vhosts/0/aliases"), 2, "aliases split into a list");
    is_str(jstr(r, "vhosts/0/aliases/1"), "autoconfig.example.org",
           "second alias");
    is_str(jstr(r, "vhosts/0/defined_at"),
           "/etc/apache2/sites-enabled/mail.conf:12", "defined_at");
    is_int(jlen(r, "vhosts/0/domains"), 2, "two domains");
    is_str(jstr(r, "vhosts/0/domains/0"), "example.com", "first domain");
    is_int(jlen(r, "vhosts/0/servers"), 4, "four servers");
    is_str(jstr(r, "vhosts/0/servers/1/protocol"), "imap", "protocol");
    is_str(jstr(r, "vhosts/0/servers/1/host"), "imap.example.com", "host");
    ok(jnum(r, "vhosts/0/servers/1/port") == 143, "port is a number");
    is_str(jstr(r, "vhosts/0/servers/1/socket"), "starttls", "socket");
    is_str(jstr(r, "vhosts/0/servers/2/auth"), "OAuth2", "auth");
    is_str(jstr(r, "vhosts/0/login_template"), "%EMAILLOCALPART%",
           "login_template");
    is_str(jstr(r, "vhosts/0/display_name"), "Example Mail", "display_name");
    is_str(jstr(r, "vhosts/0/short_name"), "Example", "short_name");
    is_int(jtype(r, "vhosts/0/documentation"), J_NULL,
           "documentation null when not set");
    is_int(jtype(r, "vhosts/0/profile_signed"), J_BOOL,
           "profile_signed is a boolean");
    ok(jget(r, "vhosts/0/profile_signed")->b == 1, "profile_signed true");
    is_int(jtype(r, "vhosts/0/activesync_url"), J_NULL,
           "activesync_url null");
    is_str(jstr(r, "vhosts/0/endpoints/thunderbird"),
           "https://autoconfig.example.com/.well-known/autoconfig/mail/"
           "config-v1.1.xml", "endpoints.thunderbird");
    is_str(jstr(r, "vhosts/0/endpoints/autodiscover"),
           "https://autoconfig.example.com/autodiscover/autodiscover.xml",
           "endpoints.autodiscover");
    is_str(jstr(r, "vhosts/0/endpoints/autodiscover-json"),
           "https://autoconfig.example.com/autodiscover/autodiscover.json",
           "endpoints.autodiscover-json");
    is_str(jstr(r, "vhosts/0/endpoints/mobileconfig"),
           "https://autoconfig.example.com/email.mobileconfig",
           "endpoints.mobileconfig");
    is_str(jstr(r, "vhosts/0/samples/autodiscover-json"),
           "https://autoconfig.example.com/autodiscover/autodiscover.json"
           "?Email=test%40example.com&Protocol=AutodiscoverV1",
           "samples.autodiscover-json");
    is_int(jlen(r, "vhosts/0/problems"), 2, "two problems");
    is_str(jstr(r, "vhosts/0/problems/0"), "first problem", "problem text");

    /* dns: every record equals mac_dns_records' and mac_pacc's */
    is_int(jlen(r, "vhosts/0/dns"), 2, "dns: one list per domain");
    rrs = records(v1->acct, "example.org", "autoconfig.example.com", 443);
    is_int(jlen(r, "vhosts/0/dns/example.org"), rrs->nelts,
           "dns.example.org: every record");
    for (i = 0, wrong = 0; i < rrs->nelts; i++) {
        const mac_dns_rr_t *rr = &APR_ARRAY_IDX(rrs, i, mac_dns_rr_t);
        const char *b = apr_psprintf(pool, "vhosts/0/dns/example.org/%d/", i);
        const char *t = jstr(r, apr_pstrcat(pool, b, "type", NULL));
        const char *v = jstr(r, apr_pstrcat(pool, b, "value", NULL));
        if (!t || !v
            || strcmp(jstr(r, apr_pstrcat(pool, b, "name", NULL)), rr->name)
            || strcmp(t, rr->type ? rr->type : "(null)")
            || strcmp(v, rr->value ? rr->value : "(null)")
            || strcmp(jstr(r, apr_pstrcat(pool, b, "comment", NULL)),
                      rr->comment)) {
            wrong++;
        }
    }
    is_int(wrong, 0, "dns records: name, type, value, comment");
    is_int(jtype(r, "vhosts/0/dns/example.com/0/type"), J_NULL,
           "advisory entry (self-CNAME) has type null");

    /* hostile */
    is_str(jstr(r, "vhosts/1/display_name"), HOSTILE_DISPLAY,
           "hostile display name decodes to the original");
    is_str(jstr(r, "vhosts/1/login_template"), HOSTILE_TPL,
           "hostile template decodes to the original");
    is_str(jstr(r, "vhosts/1/aliases/0"), "<script>alert(1)</script>",
           "hostile alias");
    is_str(jstr(r, "vhosts/1/documentation/url"),
           "javascript:alert(4)//<script>", "documentation.url");
    is_str(jstr(r, "vhosts/1/problems/0"), HOSTILE_WARN, "hostile problem");
    is_str(jstr(r, "vhosts/1/problems/1"),
           "bad \x01 byte \xef\xbf\xbd end",
           "control byte kept (escaped), invalid byte becomes U+FFFD");
    is_str(jstr(r, "vhosts/1/base_url"),
           "https://evil.example.net/\"><script>alert(2)</script>",
           "base_url as given");
    is_str(jstr(r, "vhosts/1/samples/thunderbird"),
           "https://evil.example.net/%22%3E%3Cscript%3Ealert(2)%3C/script%3E"
           "/.well-known/autoconfig/mail/config-v1.1.xml"
           "?emailaddress=test%40example.net",
           "sample URL percent-encoded");
    ok(jnum(r, "vhosts/1/https_port") == 8443, "https_port");
    is_str(jstr(r, "vhosts/1/https_redirect"), "<script>", "https_redirect");

    /* empty vhost */
    is_int(jlen(r, "vhosts/2/domains"), 0, "no domains: empty list");
    is_int(jlen(r, "vhosts/2/servers"), 0, "no servers: empty list");
    is_int(jlen(r, "vhosts/2/dns"), 0, "no domains: empty dns object");
    ok(jget(r, "vhosts/2/samples") == NULL, "no domain: no samples");
    is_int(jtype(r, "vhosts/2/aliases"), J_ARR, "aliases NULL: empty list");
    is_int(jlen(r, "vhosts/2/endpoints"), 3,
           "no profile path: three endpoints");
}

static void test_empty(void)
{
    mac_status_t st;
    apr_size_t len;
    char *s;
    xmlDoc *d;
    jv_t *r;
    int errs = -1;
    const char *err = NULL;

    memset(&st, 0, sizeof(st));
    st.started = T0;
    st.now = T0 - APR_USEC_PER_SEC;   /* clock went backwards */
    s = mac_status_html(pool, &st, &len);
    d = parse_xml_strict(s, len, &errs);
    ok(d && errs == 0, "empty status: HTML is well-formed");
    xmlFreeDoc(d);
    d = parse_html(s, len, NULL);
    is_str(xs(d, "//*[@id='version']"), "unknown", "no version: unknown");
    is_str(xs(d, "//*[@id='uptime']"), "0 seconds",
           "clock went backwards: uptime 0");
    is_int(xc(d, "//table[@id='counters']/tbody/tr"), 0, "no counter rows");
    is_int(xc(d, "//section[@class='vhost']"), 0, "no vhost sections");
    xmlFreeDoc(d);

    s = mac_status_json(pool, &st, &len);
    r = json_parse(s, len, &err);
    ok(r != NULL, "empty status: valid JSON (%s)", err ? err : "ok");
    is_int(jtype(r, "version"), J_NULL, "version null");
    ok(jnum(r, "uptime_seconds") == 0, "uptime 0");
    is_int(jlen(r, "counters"), 0, "counters {}");
    is_int(jlen(r, "vhosts"), 0, "vhosts []");
    ok(jget(r, "database_queries") == NULL,
       "no database: no database_queries");
    st.has_database = 1;
    st.database_queries = 4294967295UL;
    s = mac_status_json(pool, &st, &len);
    r = json_parse(s, len, &err);
    ok(r != NULL, "with a database: valid JSON (%s)", err ? err : "ok");
    ok(jnum(r, "database_queries") == 4294967295.0,
       "with a database: database_queries");
    ok(jget(r, "cache_mutex") == NULL, "no cache lock: no cache_mutex");
    st.cache_mutex = "fcntl";
    s = mac_status_json(pool, &st, &len);
    r = json_parse(s, len, &err);
    is_str(jstr(r, "cache_mutex"), "fcntl", "the cache lock's mechanism");

    s = mac_status_html(pool, &st, NULL);
    ok(s != NULL, "len may be NULL (HTML)");
    s = mac_status_json(pool, &st, NULL);
    ok(s != NULL, "len may be NULL (JSON)");
}

static void test_outcome_names(void)
{
    is_str(mac_outcome_name(MAC_OUT_SERVED), "served", "served");
    is_str(mac_outcome_name(MAC_OUT_REDIRECTED), "redirected", "redirected");
    is_str(mac_outcome_name(MAC_OUT_NOT_FOUND), "not_found", "not_found");
    is_str(mac_outcome_name(MAC_OUT_BAD_REQUEST), "bad_request",
           "bad_request");
    is_str(mac_outcome_name(MAC_OUT_ERROR), "error", "error");
    ok(mac_outcome_name(MAC_OUT_COUNT) == NULL, "out of range: NULL");
}

static void test_outcome_of(void)
{
    static const struct { int status; mac_outcome_e want; } cases[] = {
        { 200, MAC_OUT_SERVED }, { 204, MAC_OUT_SERVED },
        { 304, MAC_OUT_SERVED }, { 301, MAC_OUT_REDIRECTED },
        { 302, MAC_OUT_REDIRECTED }, { 307, MAC_OUT_REDIRECTED },
        { 308, MAC_OUT_REDIRECTED }, { 404, MAC_OUT_NOT_FOUND },
        { 400, MAC_OUT_BAD_REQUEST }, { 405, MAC_OUT_BAD_REQUEST },
        { 415, MAC_OUT_BAD_REQUEST }, { 500, MAC_OUT_ERROR },
        { 503, MAC_OUT_ERROR }, { 0, MAC_OUT_ERROR },
    };
    unsigned i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ok(mac_outcome_of(cases[i].status) == cases[i].want,
           "HTTP %d counts as %s", cases[i].status,
           mac_outcome_name(cases[i].want));
    }
}

/* A plain-HTTP virtual host that does not redirect to HTTPS is a
 * problem: Outlook asks for Autodiscover over HTTPS only. */
static void test_plain_http_problem(void)
{
    mac_status_t st;
    mac_status_vhost_t vh[4];
    apr_array_header_t *vhs = apr_array_make(pool, 4, sizeof(vh[0]));
    apr_array_header_t *pr;
    const char *html, *json;
    apr_size_t len;
    xmlDoc *d;
    jv_t *r;
    int i;

    memset(vh, 0, sizeof(vh));
    for (i = 0; i < 4; i++) {
        vh[i].acct = good_account();
        vh[i].https_port = 443;
    }
    vh[0].server_name = "plain.example.com";
    vh[0].base_url = "http://plain.example.com:8080";
    vh[1].server_name = "redirected.example.com";
    vh[1].base_url = "HTTP://redirected.example.com";
    vh[1].https_redirect = "redirected.example.com";
    vh[2].server_name = "secure.example.com";
    vh[2].base_url = "https://secure.example.com";
    vh[3].server_name = "nobase.example.com";
    vh[3].warnings = strs("own warning", NULL, NULL);

    pr = mac_status_problems(pool, &vh[0]);
    ok(pr->nelts == 1 && strstr(APR_ARRAY_IDX(pr, 0, const char *), "HTTPS")
       && strstr(APR_ARRAY_IDX(pr, 0, const char *), "Outlook"),
       "plain HTTP without redirect: a problem naming HTTPS and Outlook");
    is_int(mac_status_problems(pool, &vh[1])->nelts, 0,
           "plain HTTP redirected to HTTPS: no problem");
    is_int(mac_status_problems(pool, &vh[2])->nelts, 0, "HTTPS: no problem");
    pr = mac_status_problems(pool, &vh[3]);
    ok(pr->nelts == 1 && strcmp(APR_ARRAY_IDX(pr, 0, const char *),
                                "own warning") == 0,
       "no base URL: only the configuration's warnings");

    for (i = 0; i < 4; i++) {
        APR_ARRAY_PUSH(vhs, mac_status_vhost_t) = vh[i];
    }
    memset(&st, 0, sizeof(st));
    st.version = "x";
    st.vhosts = vhs;
    html = mac_status_html(pool, &st, &len);
    d = parse_html(html, len, NULL);
    is_str(xs(d, "//*[@id='problem-count']"), "2 in 2 virtual hosts",
           "HTML: the plain-HTTP problem is counted");
    ok(strstr(xs(d, "//section[@id='vhost-1']//div[@class='problems']//li")
              ? xs(d, "//section[@id='vhost-1']//div[@class='problems']//li")
              : "", "HTTPS") != NULL, "HTML: and listed for its host");
    is_str(xs(d, "//section[@id='vhost-2']//p[@class='ok']"), "None found.",
           "HTML: none for the redirected host");
    is_str(xs(d, "//section[@id='vhost-1']/h2"), "plain.example.com",
           "HTML: virtual hosts in the order given (1)");
    is_str(xs(d, "//section[@id='vhost-4']/h2"), "nobase.example.com",
           "HTML: virtual hosts in the order given (4)");
    xmlFreeDoc(d);

    json = mac_status_json(pool, &st, &len);
    r = json_parse(json, len, NULL);
    is_int(jlen(r, "vhosts/0/problems"), 1, "JSON: the plain-HTTP problem");
    is_int(jlen(r, "vhosts/1/problems"), 0, "JSON: none when redirected");
    is_str(jstr(r, "vhosts/3/server_name"), "nobase.example.com",
           "JSON: virtual hosts in the order given");
}

/* URLs break between their parts only. */
static void test_url_breaks(void)
{
    mac_status_t st;
    mac_status_vhost_t vh;
    apr_array_header_t *vhs = apr_array_make(pool, 1, sizeof(vh));
    const char *html, *code;
    apr_size_t len;
    xmlDoc *d;
    mac_account_t *a = good_account();

    a->doc_url = "https://help.example.com/a/b?x=1&y=<2>";
    memset(&vh, 0, sizeof(vh));
    vh.acct = a;
    vh.server_name = "autoconfig.example.com";
    vh.base_url = "https://autoconfig.example.com";
    vh.https_port = 443;
    APR_ARRAY_PUSH(vhs, mac_status_vhost_t) = vh;
    memset(&st, 0, sizeof(st));
    st.vhosts = vhs;
    html = mac_status_html(pool, &st, &len);
    ok(strstr(html, "<code class=\"url\"><span class=\"seg\">https://</span>"
                    "<wbr/><span class=\"seg\">autoconfig.example.com/</span>"
                    "<wbr/><span class=\"seg\">.well-known/</span><wbr/>")
       != NULL, "an endpoint URL: a break after each \"/\" but not in \"//\"");
    ok(strstr(html, "<span class=\"seg\">b</span><wbr/><span class=\"seg\">"
                    "?x=1</span><wbr/><span class=\"seg\">&amp;y=&lt;2&gt;"
                    "</span></code>") != NULL,
       "the documentation URL: breaks before \"?\" and \"&\", escaped, "
       "each part kept whole");
    ok(!strstr(html, "break-all"), "no break-all anywhere");
    d = parse_html(html, len, NULL);
    code = xs(d, "//dt[.='Documentation']/following-sibling::dd[1]/code");
    is_str(code, "https://help.example.com/a/b?x=1&y=<2>",
           "the URL's text is whole");
    xmlFreeDoc(d);
}

int main(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);
    xmlInitParser();
    plan_no_plan();

    test_json_parser();
    test_checkers();
    test_outcome_names();
    test_outcome_of();
    test_plain_http_problem();
    test_url_breaks();
    test_html();
    test_json();
    test_empty();

    xmlCleanupParser();
    apr_pool_destroy(pool);
    apr_terminate();
    return done_testing();
}
