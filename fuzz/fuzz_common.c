/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * Helpers shared by the libFuzzer harnesses.  See fuzz_common.h.
 */
#include "fuzz_common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlIO.h>

static apr_pool_t *fz_root;
static int xml_problems;          /* errors/warnings seen during a parse */
static char xml_first_problem[512];
static int entity_loads;          /* attempts to load anything external */

void fz_fail(const char *fmt, ...)
{
    va_list ap;

    fputs("\n=== fuzz invariant broken: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\n", stderr);
    fflush(stderr);
    abort();
}

void fz_dump(const char *label, const char *s, size_t n)
{
    size_t i;

    fprintf(stderr, "%s (%zu bytes): \"", label, n);
    for (i = 0; s && i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\\' || c == '"') {
            fprintf(stderr, "\\%c", c);
        }
        else if (c == '\n') {
            fputs("\\n\"\n    \"", stderr);
        }
        else if (c < 0x20 || c >= 0x7f) {
            fprintf(stderr, "\\x%02x\"\"", c);
        }
        else {
            fputc(c, stderr);
        }
    }
    fputs("\"\n", stderr);
}

char *fz_exact_copy(const uint8_t *data, size_t n)
{
    char *c = malloc(n ? n : 1);

    if (c == NULL) {
        abort();
    }
    if (n) {
        memcpy(c, data, n);
    }
    return c;
}

/* ------------------------------------------------------------------ */
/* libxml2 plumbing                                                     */

static void record_structured(void *ctx, xmlErrorPtr err)
{
    (void)ctx;
    if (xml_problems++ == 0) {
        snprintf(xml_first_problem, sizeof(xml_first_problem),
                 "libxml2 %s %d (domain %d) line %d: %s",
                 err && err->level == XML_ERR_WARNING ? "warning" : "error",
                 err ? err->code : -1, err ? err->domain : -1,
                 err ? err->line : 0,
                 err && err->message ? err->message : "?");
    }
}

static void XMLCDECL record_generic(void *ctx, const char *msg, ...)
{
    (void)ctx;
    if (xml_problems++ == 0) {
        snprintf(xml_first_problem, sizeof(xml_first_problem),
                 "libxml2 generic error: %s", msg ? msg : "?");
    }
}

static xmlParserInputPtr refuse_loader(const char *url, const char *id,
                                       xmlParserCtxtPtr ctxt)
{
    (void)ctxt;
    entity_loads++;
    if (xml_problems++ == 0) {
        snprintf(xml_first_problem, sizeof(xml_first_problem),
                 "libxml2 tried to load an external resource: url=%s id=%s",
                 url ? url : "(null)", id ? id : "(null)");
    }
    return NULL;
}

apr_pool_t *fz_init(void)
{
    if (fz_root) {
        return fz_root;
    }
    if (apr_initialize() != APR_SUCCESS
        || apr_pool_create(&fz_root, NULL) != APR_SUCCESS) {
        abort();
    }
    xmlInitParser();
    xmlSetGenericErrorFunc(NULL, record_generic);
    xmlSetStructuredErrorFunc(NULL, record_structured);
    xmlSetExternalEntityLoader(refuse_loader);
    return fz_root;
}

xmlDocPtr fz_xml_parse(const char *what, const char *buf, size_t len,
                       int allow_doctype)
{
    xmlDocPtr doc;

    if (len > (size_t)0x7fffffff) {
        fz_fail("%s: document too large to parse", what);
    }
    xml_problems = 0;
    xml_first_problem[0] = '\0';
    entity_loads = 0;
    /* No XML_PARSE_RECOVER: a well-formedness error yields NULL.  No
     * NOENT/DTDLOAD/DTDATTR/DTDVALID/XINCLUDE: nothing external is read
     * (refuse_loader would record it if it were). */
    doc = xmlReadMemory(buf, (int)len, "render.xml", NULL, XML_PARSE_NONET);
    if (doc == NULL || xml_problems != 0 || entity_loads != 0) {
        fz_dump("document", buf, len);
        fz_fail("%s: not well-formed XML: %s", what,
                xml_first_problem[0] ? xml_first_problem
                                     : "xmlReadMemory returned NULL");
    }
    if (allow_doctype && doc->intSubset == NULL) {
        fz_dump("document", buf, len);
        fz_fail("%s: DOCTYPE expected but absent", what);
    }
    if (!allow_doctype && doc->intSubset != NULL) {
        fz_dump("document", buf, len);
        fz_fail("%s: unexpected DOCTYPE", what);
    }
    if (xmlDocGetRootElement(doc) == NULL) {
        fz_fail("%s: no root element", what);
    }
    return doc;
}

xmlNodePtr fz_child(xmlNodePtr parent, const char *name)
{
    xmlNodePtr c;

    for (c = parent ? parent->children : NULL; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE
            && strcmp((const char *)c->name, name) == 0) {
            return c;
        }
    }
    return NULL;
}

int fz_count(xmlNodePtr parent, const char *name)
{
    xmlNodePtr c;
    int n = 0;

    for (c = parent ? parent->children : NULL; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE
            && strcmp((const char *)c->name, name) == 0) {
            n++;
        }
    }
    return n;
}

const char *fz_text(apr_pool_t *p, xmlNodePtr node)
{
    xmlChar *t;
    const char *out;

    if (node == NULL) {
        return "";
    }
    t = xmlNodeGetContent(node);
    out = apr_pstrdup(p, t ? (const char *)t : "");
    xmlFree(t);
    return out;
}

void fz_expect_eq(const char *what, const char *got, const char *exp,
                  size_t explen)
{
    size_t glen = got ? strlen(got) : 0;

    if (got == NULL || glen != explen || memcmp(got, exp, explen) != 0) {
        fz_dump("got     ", got, glen);
        fz_dump("expected", exp, explen);
        fz_fail("%s: value does not round-trip", what);
    }
}

int fz_split(apr_pool_t *p, const uint8_t *data, size_t size, int max,
             char **fields, size_t *lens)
{
    const char *s = (const char *)data, *end = s + size, *nl;
    int n = 0, i;

    for (i = 0; i < max; i++) {
        fields[i] = NULL;
        lens[i] = 0;
    }
    if (size == 0) {
        return 0;
    }
    while (n < max) {
        if (n == max - 1 || (nl = memchr(s, '\n', (size_t)(end - s))) == NULL) {
            nl = end;
        }
        lens[n] = (size_t)(nl - s);
        fields[n] = apr_palloc(p, lens[n] + 1);
        memcpy(fields[n], s, lens[n]);
        fields[n][lens[n]] = '\0';
        n++;
        if (nl == end) {
            break;
        }
        s = nl + 1;
    }
    return n;
}

/* ------------------------------------------------------------------ */
/* UTF-8 and the expected read-back of escaped text                     */

size_t fz_utf8_next(const unsigned char *s, size_t n, unsigned long *cp)
{
    unsigned long v;
    size_t need, i;

    if (n == 0) {
        return 0;
    }
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if ((s[0] & 0xE0) == 0xC0) {
        need = 2;
        v = s[0] & 0x1F;
    }
    else if ((s[0] & 0xF0) == 0xE0) {
        need = 3;
        v = s[0] & 0x0F;
    }
    else if ((s[0] & 0xF8) == 0xF0) {
        need = 4;
        v = s[0] & 0x07;
    }
    else {
        return 0;
    }
    if (n < need) {
        return 0;
    }
    for (i = 1; i < need; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            return 0;
        }
        v = (v << 6) | (s[i] & 0x3F);
    }
    /* shortest form only, no surrogates, nothing above U+10FFFF */
    if ((need == 2 && v < 0x80) || (need == 3 && v < 0x800)
        || (need == 4 && v < 0x10000) || v > 0x10FFFF
        || (v >= 0xD800 && v <= 0xDFFF)) {
        return 0;
    }
    *cp = v;
    return need;
}

int fz_utf8_valid(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    unsigned long cp;
    size_t i = 0, k;

    while (i < n) {
        if ((k = fz_utf8_next(u + i, n - i, &cp)) == 0) {
            return 0;
        }
        i += k;
    }
    return 1;
}

static const char FFFD[] = "\xEF\xBF\xBD";

static char *expect_common(apr_pool_t *p, const char *s, size_t n,
                           size_t *outlen, int xml)
{
    const unsigned char *u = (const unsigned char *)s;
    char *out = apr_palloc(p, 3 * n + 1), *o = out;
    unsigned long cp;
    size_t i = 0, k;

    while (i < n) {
        k = fz_utf8_next(u + i, n - i, &cp);
        if (k == 0) {
            memcpy(o, FFFD, 3);
            o += 3;
            i += 1;
            continue;
        }
        if (xml && ((cp < 0x20 && cp != 0x09 && cp != 0x0A && cp != 0x0D)
                    || cp == 0x7F || cp == 0xFFFE || cp == 0xFFFF)) {
            memcpy(o, FFFD, 3);
            o += 3;
        }
        else {
            memcpy(o, u + i, k);
            o += k;
        }
        i += k;
    }
    *o = '\0';
    *outlen = (size_t)(o - out);
    return out;
}

char *fz_xml_expect(apr_pool_t *p, const char *s, size_t n, size_t *outlen)
{
    return expect_common(p, s, n, outlen, 1);
}

char *fz_json_expect(apr_pool_t *p, const char *s, size_t n, size_t *outlen)
{
    return expect_common(p, s, n, outlen, 0);
}

static int hexdigit(unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

static size_t put_utf8(char *o, unsigned long cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

char *fz_json_decode(apr_pool_t *p, const char *what, const char *s, size_t n,
                     size_t *outlen)
{
    const unsigned char *u = (const unsigned char *)s;
    char *out = apr_palloc(p, n + 1), *o = out;
    unsigned long cp;
    size_t i = 0, k;

    while (i < n) {
        unsigned char c = u[i];
        if (c < 0x20) {
            fz_dump("json", s, n);
            fz_fail("%s: raw control byte 0x%02x at %zu", what, c, i);
        }
        if (c == '"' || c == '<' || c == '>' || c == '&' || c == '\'') {
            fz_dump("json", s, n);
            fz_fail("%s: unescaped '%c' at %zu", what, c, i);
        }
        if (c == '\\') {
            if (i + 1 >= n) {
                fz_fail("%s: lone backslash at the end", what);
            }
            switch (u[i + 1]) {
            case '"':  *o++ = '"';  i += 2; continue;
            case '\\': *o++ = '\\'; i += 2; continue;
            case '/':  *o++ = '/';  i += 2; continue;
            case 'b':  *o++ = '\b'; i += 2; continue;
            case 'f':  *o++ = '\f'; i += 2; continue;
            case 'n':  *o++ = '\n'; i += 2; continue;
            case 'r':  *o++ = '\r'; i += 2; continue;
            case 't':  *o++ = '\t'; i += 2; continue;
            case 'u': {
                int d, j;
                cp = 0;
                if (i + 6 > n) {
                    fz_fail("%s: truncated \\u escape at %zu", what, i);
                }
                for (j = 2; j < 6; j++) {
                    if ((d = hexdigit(u[i + j])) < 0) {
                        fz_fail("%s: bad \\u escape at %zu", what, i);
                    }
                    cp = (cp << 4) | (unsigned long)d;
                }
                if (cp >= 0xD800 && cp <= 0xDFFF) {
                    /* the escaper never needs surrogate pairs: it writes
                     * non-ASCII characters as UTF-8 */
                    fz_fail("%s: surrogate \\u%04lx at %zu", what, cp, i);
                }
                o += put_utf8(o, cp);
                i += 6;
                continue;
            }
            default:
                fz_dump("json", s, n);
                fz_fail("%s: invalid escape \\%c at %zu", what, u[i + 1], i);
            }
        }
        if ((k = fz_utf8_next(u + i, n - i, &cp)) == 0) {
            fz_dump("json", s, n);
            fz_fail("%s: invalid UTF-8 at %zu", what, i);
        }
        memcpy(o, u + i, k);
        o += k;
        i += k;
    }
    *o = '\0';
    *outlen = (size_t)(o - out);
    return out;
}
