/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * Unit tests for src/mac_escape.[ch]: XML and JSON escaping, UTF-8 checks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "tap.h"
#include "fixture.h"
#include "mac_escape.h"

#define FFFD "\xef\xbf\xbd"

static apr_pool_t *pool;

typedef char *(*esc_fn)(apr_pool_t *, const char *, apr_size_t,
                        apr_size_t *);

/* Run esc on an exact-size heap copy of in[0..inlen) (so a read past the
 * end is caught by ASan/valgrind) and compare with exp[0..explen). */
static void check_esc(const char *lang, esc_fn esc, const char *in,
                      apr_size_t inlen, const char *exp, apr_size_t explen)
{
    char *copy = malloc(inlen ? inlen : 1);
    apr_size_t outlen = (apr_size_t)-1;
    char *out;
    int same;

    if (inlen) {
        memcpy(copy, in, inlen);
    }
    out = esc(pool, copy, inlen, &outlen);
    free(copy);
    same = out != NULL && outlen == explen && memcmp(out, exp, explen) == 0
        && out[outlen] == '\0';
    if (!ok(same, "%s escape of \"%s\"", lang, fx_vis(pool, in, inlen))) {
        diag("     got: \"%s\" (%lu bytes)",
             out ? fx_vis(pool, out, outlen) : "NULL", (unsigned long)outlen);
        diag("expected: \"%s\" (%lu bytes)", fx_vis(pool, exp, explen),
             (unsigned long)explen);
    }
}

typedef struct {
    const char *in;
    apr_size_t  inlen;   /* 0: strlen(in) */
    const char *xml;
    const char *json;
} esc_case_t;

/* The same input through both escapers. */
static const esc_case_t cases[] = {
    /* plain text is copied */
    { "", 0, "", "" },
    { "hello world", 0, "hello world", "hello world" },
    { "a/b:c;d=e?f#g%h+i@j", 0, "a/b:c;d=e?f#g%h+i@j",
      "a/b:c;d=e?f#g%h+i@j" },
    /* markup characters */
    { "&", 0, "&amp;", "\\u0026" },
    { "<", 0, "&lt;", "\\u003c" },
    { ">", 0, "&gt;", "\\u003e" },
    { "\"", 0, "&quot;", "\\\"" },
    { "'", 0, "&#39;", "\\u0027" },
    { "\\", 0, "\\", "\\\\" },
    { "<a href=\"x\">Tom & Jerry's</a>", 0,
      "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;",
      "\\u003ca href=\\\"x\\\"\\u003eTom \\u0026 Jerry\\u0027s\\u003c/a\\u003e" },
    { "&amp;", 0, "&amp;amp;", "\\u0026amp;" },
    { "</script>", 0, "&lt;/script&gt;", "\\u003c/script\\u003e" },
    /* whitespace controls */
    { "\t", 0, "&#9;", "\\t" },
    { "\n", 0, "&#10;", "\\n" },
    { "\r", 0, "&#13;", "\\r" },
    { "a\r\nb", 0, "a&#13;&#10;b", "a\\r\\nb" },
    { "\b\f", 0, FFFD FFFD, "\\b\\f" },
    /* other controls and DEL */
    { "\x01", 0, FFFD, "\\u0001" },
    { "\x0b", 0, FFFD, "\\u000b" },
    { "\x1b[0m", 0, FFFD "[0m", "\\u001b[0m" },
    { "\x1f", 0, FFFD, "\\u001f" },
    { "\x7f", 0, FFFD, "\\u007f" },
    { "a\x7f" "b", 0, "a" FFFD "b", "a\\u007fb" },
    /* embedded NUL, explicit length */
    { "a\0b", 3, "a" FFFD "b", "a\\u0000b" },
    { "\0", 1, FFFD, "\\u0000" },
    { "x\0", 2, "x" FFFD, "x\\u0000" },
    /* valid multibyte UTF-8 passes through */
    { "\xc2\x80", 0, "\xc2\x80", "\xc2\x80" },                 /* U+0080 */
    { "caf\xc3\xa9", 0, "caf\xc3\xa9", "caf\xc3\xa9" },        /* é */
    { "\xdf\xbf", 0, "\xdf\xbf", "\xdf\xbf" },                 /* U+07FF */
    { "\xe0\xa0\x80", 0, "\xe0\xa0\x80", "\xe0\xa0\x80" },     /* U+0800 */
    { "\xe2\x82\xac", 0, "\xe2\x82\xac", "\xe2\x82\xac" },     /* € */
    { "\xed\x9f\xbf", 0, "\xed\x9f\xbf", "\xed\x9f\xbf" },     /* U+D7FF */
    { "\xee\x80\x80", 0, "\xee\x80\x80", "\xee\x80\x80" },     /* U+E000 */
    { FFFD, 0, FFFD, FFFD },                                   /* U+FFFD */
    { "\xef\xbf\xbc", 0, "\xef\xbf\xbc", "\xef\xbf\xbc" },     /* U+FFFC */
    /* U+FFFE and U+FFFF are UTF-8 but not XML characters: one U+FFFD */
    { "\xef\xbf\xbe", 0, FFFD, "\xef\xbf\xbe" },
    { "\xef\xbf\xbf", 0, FFFD, "\xef\xbf\xbf" },
    { "a\xef\xbf\xbf" "b", 0, "a" FFFD "b", "a\xef\xbf\xbf" "b" },
    { "\xef\xbf", 0, FFFD FFFD, FFFD FFFD },          /* truncated U+FFFF */
    { "\xf0\x9f\xbf\xbf", 0, "\xf0\x9f\xbf\xbf", "\xf0\x9f\xbf\xbf" },
    { "\xf0\x90\x80\x80", 0, "\xf0\x90\x80\x80", "\xf0\x90\x80\x80" },
    { "\xf0\x9f\x98\x80", 0, "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80" },
    { "\xf4\x8f\xbf\xbf", 0, "\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf" },
    { "<\xc3\xa9>", 0, "&lt;\xc3\xa9&gt;", "\\u003c\xc3\xa9\\u003e" },
    /* invalid UTF-8: each offending byte becomes U+FFFD */
    { "\x80", 0, FFFD, FFFD },                        /* lone continuation */
    { "a\xbf" "b", 0, "a" FFFD "b", "a" FFFD "b" },
    { "\xc0\xaf", 0, FFFD FFFD, FFFD FFFD },          /* overlong '/' */
    { "\xc1\xbf", 0, FFFD FFFD, FFFD FFFD },          /* overlong */
    { "\xe0\x80\xaf", 0, FFFD FFFD FFFD, FFFD FFFD FFFD },   /* overlong */
    { "\xe0\x9f\xbf", 0, FFFD FFFD FFFD, FFFD FFFD FFFD },   /* overlong */
    { "\xf0\x80\x80\xaf", 0, FFFD FFFD FFFD FFFD, FFFD FFFD FFFD FFFD },
    { "\xf0\x8f\xbf\xbf", 0, FFFD FFFD FFFD FFFD, FFFD FFFD FFFD FFFD },
    { "\xed\xa0\x80", 0, FFFD FFFD FFFD, FFFD FFFD FFFD },   /* U+D800 */
    { "\xed\xbf\xbf", 0, FFFD FFFD FFFD, FFFD FFFD FFFD },   /* U+DFFF */
    { "\xf4\x90\x80\x80", 0, FFFD FFFD FFFD FFFD, FFFD FFFD FFFD FFFD },
    { "\xf5\x80\x80\x80", 0, FFFD FFFD FFFD FFFD, FFFD FFFD FFFD FFFD },
    { "\xf8\x88\x80\x80\x80", 0, FFFD FFFD FFFD FFFD FFFD,
      FFFD FFFD FFFD FFFD FFFD },
    { "\xfe\xff", 0, FFFD FFFD, FFFD FFFD },
    { "\xc3(", 0, FFFD "(", FFFD "(" },               /* bad continuation */
    { "\xe2\x82(", 0, FFFD FFFD "(", FFFD FFFD "(" },
    { "\xe2(\xac", 0, FFFD "(" FFFD, FFFD "(" FFFD },
    /* truncated sequences at the very end of the input */
    { "abc\xc3", 0, "abc" FFFD, "abc" FFFD },
    { "abc\xe2\x82", 0, "abc" FFFD FFFD, "abc" FFFD FFFD },
    { "\xf0\x9f\x98", 0, FFFD FFFD FFFD, FFFD FFFD FFFD },
    /* truncated by the explicit length, not by the string */
    { "\xe2\x82\xac", 2, FFFD FFFD, FFFD FFFD },
    { "\xf0\x9f\x98\x80", 3, FFFD FFFD FFFD, FFFD FFFD FFFD },
    { "ab&cd", 2, "ab", "ab" },
    /* a mixture */
    { "\xc3\xa9\x80&\x01\xe2\x82\xac", 0,
      "\xc3\xa9" FFFD "&amp;" FFFD "\xe2\x82\xac",
      "\xc3\xa9" FFFD "\\u0026\\u0001\xe2\x82\xac" },
};

static void test_table(void)
{
    apr_size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const esc_case_t *t = &cases[i];
        apr_size_t inlen = t->inlen ? t->inlen : strlen(t->in);
        check_esc("XML", mac_xml_escape, t->in, inlen, t->xml,
                  strlen(t->xml));
        check_esc("JSON", mac_json_escape, t->in, inlen, t->json,
                  strlen(t->json));
    }
}

/* Every ASCII byte, one at a time, against an independent expectation. */
static void test_all_ascii(void)
{
    int c, xml_bad = 0, json_bad = 0;

    for (c = 0; c < 0x80; c++) {
        char in = (char)c, exp_xml[16], exp_json[16], *out;
        apr_size_t len;

        switch (c) {
        case '&': strcpy(exp_xml, "&amp;"); break;
        case '<': strcpy(exp_xml, "&lt;"); break;
        case '>': strcpy(exp_xml, "&gt;"); break;
        case '"': strcpy(exp_xml, "&quot;"); break;
        case '\'': strcpy(exp_xml, "&#39;"); break;
        case '\t': case '\n': case '\r':
            sprintf(exp_xml, "&#%d;", c);
            break;
        default:
            if (c < 0x20 || c == 0x7f) {
                strcpy(exp_xml, FFFD);
            }
            else {
                exp_xml[0] = (char)c;
                exp_xml[1] = '\0';
            }
        }
        switch (c) {
        case '"': strcpy(exp_json, "\\\""); break;
        case '\\': strcpy(exp_json, "\\\\"); break;
        case '\b': strcpy(exp_json, "\\b"); break;
        case '\f': strcpy(exp_json, "\\f"); break;
        case '\n': strcpy(exp_json, "\\n"); break;
        case '\r': strcpy(exp_json, "\\r"); break;
        case '\t': strcpy(exp_json, "\\t"); break;
        case '<': case '>': case '&': case '\'':
            sprintf(exp_json, "\\u%04x", c);
            break;
        default:
            if (c < 0x20 || c == 0x7f) {
                sprintf(exp_json, "\\u%04x", c);
            }
            else {
                exp_json[0] = (char)c;
                exp_json[1] = '\0';
            }
        }
        out = mac_xml_escape(pool, &in, 1, &len);
        if (len != strlen(exp_xml) || strcmp(out, exp_xml) != 0) {
            diag("XML: byte 0x%02x gave \"%s\"", c, fx_vis(pool, out, len));
            xml_bad++;
        }
        out = mac_json_escape(pool, &in, 1, &len);
        if (len != strlen(exp_json) || strcmp(out, exp_json) != 0) {
            diag("JSON: byte 0x%02x gave \"%s\"", c, fx_vis(pool, out, len));
            json_bad++;
        }
    }
    is_int(xml_bad, 0, "XML escape of each of the 128 ASCII bytes");
    is_int(json_bad, 0, "JSON escape of each of the 128 ASCII bytes");
}

/* Every byte 0x80..0xFF alone is invalid UTF-8 and becomes one U+FFFD. */
static void test_all_high_bytes(void)
{
    int c, bad = 0;

    for (c = 0x80; c < 0x100; c++) {
        char in = (char)c, *x, *j;
        apr_size_t xl, jl;

        x = mac_xml_escape(pool, &in, 1, &xl);
        j = mac_json_escape(pool, &in, 1, &jl);
        if (xl != 3 || strcmp(x, FFFD) != 0 || jl != 3
            || strcmp(j, FFFD) != 0) {
            diag("lone byte 0x%02x not replaced by U+FFFD", c);
            bad++;
        }
    }
    is_int(bad, 0, "each lone byte 0x80..0xFF becomes exactly one U+FFFD");
}

/* The output is valid UTF-8 without forbidden controls, whatever the input. */
static void test_output_always_clean(void)
{
    unsigned int seed = 12345;
    int round, bad_xml = 0, bad_json = 0;

    for (round = 0; round < 2000; round++) {
        char in[24], *x, *j;
        apr_size_t n = (apr_size_t)(round % 24), i, xl, jl;

        for (i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            in[i] = (char)(seed >> 16);
        }
        x = mac_xml_escape(pool, in, n, &xl);
        j = mac_json_escape(pool, in, n, &jl);
        if (!mac_utf8_valid(x, xl) || mac_has_ctl(x, xl)
            || strlen(x) != xl) {
            bad_xml++;
        }
        if (!mac_utf8_valid(j, jl) || mac_has_ctl(j, jl)
            || strlen(j) != jl) {
            bad_json++;
        }
    }
    is_int(bad_xml, 0, "XML output of random bytes: valid UTF-8, no "
           "controls, length right");
    is_int(bad_json, 0, "JSON output of random bytes: valid UTF-8, no "
           "controls, length right");
}

static void test_outlen_null(void)
{
    char *s = mac_xml_escape(pool, "a<b", 3, NULL);
    is_str(s, "a&lt;b", "mac_xml_escape with outlen NULL");
    s = mac_json_escape(pool, "a\"b", 3, NULL);
    is_str(s, "a\\\"b", "mac_json_escape with outlen NULL");
}

typedef struct {
    const char *in;
    apr_size_t  len;   /* 0: strlen */
    int         valid;
} utf8_case_t;

static const utf8_case_t utf8_cases[] = {
    { "", 0, 1 },
    { "plain ASCII", 0, 1 },
    { "a\0b", 3, 1 },                 /* NUL is valid UTF-8 */
    { "\x7f", 0, 1 },
    { "\xc2\x80", 0, 1 },
    { "caf\xc3\xa9", 0, 1 },
    { "\xdf\xbf", 0, 1 },
    { "\xe0\xa0\x80", 0, 1 },
    { "\xe2\x82\xac", 0, 1 },
    { "\xed\x9f\xbf", 0, 1 },
    { "\xee\x80\x80", 0, 1 },
    { "\xef\xbf\xbf", 0, 1 },
    { "\xf0\x90\x80\x80", 0, 1 },
    { "\xf4\x8f\xbf\xbf", 0, 1 },
    { "\x80", 0, 0 },
    { "a\xbf", 0, 0 },
    { "\xc0\xaf", 0, 0 },
    { "\xc1\xbf", 0, 0 },
    { "\xe0\x80\xaf", 0, 0 },
    { "\xe0\x9f\xbf", 0, 0 },
    { "\xf0\x80\x80\xaf", 0, 0 },
    { "\xf0\x8f\xbf\xbf", 0, 0 },
    { "\xed\xa0\x80", 0, 0 },
    { "\xed\xbf\xbf", 0, 0 },
    { "\xf4\x90\x80\x80", 0, 0 },
    { "\xf5\x80\x80\x80", 0, 0 },
    { "\xf8\x88\x80\x80\x80", 0, 0 },
    { "\xfe", 0, 0 },
    { "\xff", 0, 0 },
    { "\xc3", 0, 0 },
    { "abc\xe2\x82", 0, 0 },
    { "\xf0\x9f\x98", 0, 0 },
    { "\xe2\x82\xac", 2, 0 },         /* cut by the length */
    { "\xc3(", 0, 0 },
    { "\xe2(\xac", 0, 0 },
};

static void test_utf8_valid(void)
{
    apr_size_t i;

    for (i = 0; i < sizeof(utf8_cases) / sizeof(utf8_cases[0]); i++) {
        const utf8_case_t *t = &utf8_cases[i];
        apr_size_t len = t->len ? t->len : strlen(t->in);
        char *copy = malloc(len ? len : 1);
        int got;

        if (len) {
            memcpy(copy, t->in, len);
        }
        got = mac_utf8_valid(copy, len);
        free(copy);
        is_int(got, t->valid, apr_psprintf(pool, "mac_utf8_valid(\"%s\", %lu)",
                                           fx_vis(pool, t->in, len),
                                           (unsigned long)len));
    }
}

typedef struct {
    const char *in;
    apr_size_t  len;   /* 0: strlen */
    int         ctl;
} ctl_case_t;

static const ctl_case_t ctl_cases[] = {
    { "", 0, 0 },
    { "printable ASCII ~!@#$%^&*()", 0, 0 },
    { " ", 0, 0 },
    { "~", 0, 0 },
    { "\x80\xff", 0, 0 },
    { "caf\xc3\xa9", 0, 0 },
    { "\t", 0, 1 },
    { "a\nb", 0, 1 },
    { "\r", 0, 1 },
    { "\x01", 0, 1 },
    { "\x1f", 0, 1 },
    { "abc\x7f", 0, 1 },
    { "a\0", 2, 1 },
    { "ab\n", 2, 0 },     /* the control is outside the length */
};

static void test_has_ctl(void)
{
    apr_size_t i;

    for (i = 0; i < sizeof(ctl_cases) / sizeof(ctl_cases[0]); i++) {
        const ctl_case_t *t = &ctl_cases[i];
        apr_size_t len = t->len ? t->len : strlen(t->in);
        is_int(mac_has_ctl(t->in, len), t->ctl,
               apr_psprintf(pool, "mac_has_ctl(\"%s\", %lu)",
                            fx_vis(pool, t->in, len), (unsigned long)len));
    }
}

/* Output lengths grow as documented: 1 byte -> up to 6 (&quot;, \u00XX). */
static void test_lengths(void)
{
    char in[256], *out;
    apr_size_t len;
    int i;

    for (i = 0; i < 256; i++) {
        in[i] = '"';
    }
    out = mac_xml_escape(pool, in, 256, &len);
    is_int(len, 256 * 6, "256 quotes -> 1536 bytes of XML");
    is_int(strlen(out), len, "  NUL-terminated at the reported length");
    out = mac_json_escape(pool, in, 256, &len);
    is_int(len, 256 * 2, "256 quotes -> 512 bytes of JSON");

    for (i = 0; i < 256; i++) {
        in[i] = '\x01';
    }
    out = mac_xml_escape(pool, in, 256, &len);
    is_int(len, 256 * 3, "256 C0 controls -> 256 U+FFFD in XML");
    out = mac_json_escape(pool, in, 256, &len);
    is_int(len, 256 * 6, "256 C0 controls -> 256 \\u0001 in JSON");
    is_int(strlen(out), len, "  NUL-terminated at the reported length");

    for (i = 0; i < 256; i++) {
        in[i] = (char)0xff;
    }
    out = mac_xml_escape(pool, in, 256, &len);
    is_int(len, 256 * 3, "256 invalid bytes -> 768 bytes");
}

/* UTF-8 encoding of code point cp into out; returns the length. */
static apr_size_t utf8_put(unsigned long cp, char *out)
{
    unsigned char *o = (unsigned char *)out;

    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Every Unicode scalar value, escaped, in element content and in an
 * attribute value: libxml2 must parse the document and give back every
 * character XML can carry, and U+FFFD for the others. */
static void test_xml_all_code_points(void)
{
    apr_size_t cap = 0x110000 * 4, n = 0, en = 0, elen;
    char *in = malloc(cap), *exp = malloc(cap), *esc, *doc_text;
    xmlDoc *doc;
    xmlNode *root;
    xmlChar *content, *attrval;
    unsigned long cp;

    for (cp = 0; cp < 0x110000; cp++) {
        int xml_ok;
        if (cp >= 0xD800 && cp <= 0xDFFF) {
            continue;
        }
        xml_ok = cp == 0x9 || cp == 0xA || cp == 0xD
            || (cp >= 0x20 && cp != 0x7F && cp != 0xFFFE && cp != 0xFFFF);
        n += utf8_put(cp, in + n);
        en += utf8_put(xml_ok ? cp : 0xFFFD, exp + en);
    }
    esc = mac_xml_escape(pool, in, n, &elen);
    doc_text = apr_pstrcat(pool, "<a v=\"", esc, "\">", esc, "</a>", NULL);
    doc = xmlReadMemory(doc_text, (int)strlen(doc_text), NULL, "UTF-8",
                        XML_PARSE_NONET | XML_PARSE_HUGE);
    if (ok(doc != NULL, "all code points, escaped, parse as XML text and "
           "attribute")) {
        root = xmlDocGetRootElement(doc);
        content = xmlNodeGetContent(root);
        attrval = xmlGetProp(root, (const xmlChar *)"v");
        ok(content && strlen((char *)content) == en
           && memcmp(content, exp, en) == 0,
           "  element content round-trips (non-XML characters -> U+FFFD)");
        ok(attrval && strlen((char *)attrval) == en
           && memcmp(attrval, exp, en) == 0,
           "  attribute value round-trips, TAB/LF/CR included");
        xmlFree(content);
        xmlFree(attrval);
        xmlFreeDoc(doc);
    }
    free(in);
    free(exp);
}

int main(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);
    plan_no_plan();

    test_table();
    test_all_ascii();
    test_all_high_bytes();
    test_output_always_clean();
    test_outlen_null();
    test_utf8_valid();
    test_has_ctl();
    test_lengths();
    test_xml_all_code_points();

    xmlCleanupParser();
    apr_pool_destroy(pool);
    apr_terminate();
    return done_testing();
}
