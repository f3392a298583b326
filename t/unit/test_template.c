/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * Unit tests for src/mac_template.[ch]: login-name templates, slot markers,
 * compiled documents.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "tap.h"
#include "fixture.h"
#include "mac_template.h"
#include "mac_escape.h"

/* Slot markers as string literals (MAC_MARK is '\001'). */
#define M_ADDR  "\001A"
#define M_LOCAL "\001B"
#define M_DOM   "\001C"
#define M_NAME  "\001D"

static apr_pool_t *pool;

/* Compile from an exact-size heap copy, so that any read past len shows
 * under ASan/valgrind.  The copy is overwritten and freed right after:
 * the compiled document must not point into its input. */
static mac_doc_t *compile(const char *s, apr_size_t len)
{
    char *copy = malloc(len ? len : 1);
    mac_doc_t *doc;

    if (len) {
        memcpy(copy, s, len);
    }
    doc = mac_doc_compile(pool, copy, len);
    memset(copy, '#', len);
    free(copy);
    return doc;
}

static void set_val(mac_values_t *v, mac_slot_e slot, const char *s)
{
    v->v[slot] = s;
    v->len[slot] = s ? strlen(s) : 0;
}

static int same_bytes(const char *got, apr_size_t gotlen, const char *exp,
                      apr_size_t explen)
{
    return got != NULL && gotlen == explen && memcmp(got, exp, explen) == 0
        && got[gotlen] == '\0';
}

/* ------------------------------------------------------------ marks */

static void test_slot_marks(void)
{
    int i;

    for (i = 0; i < MAC_SLOT_COUNT; i++) {
        const char *m = mac_slot_mark((mac_slot_e)i);
        ok(m && m[0] == MAC_MARK && m[1] == 'A' + i && m[2] == '\0',
           "mac_slot_mark(%d) is MAC_MARK '%c'", i, 'A' + i);
    }
    is_str(mac_slot_mark(MAC_SLOT_LOCALPART), M_LOCAL,
           "local-part marker literal matches");
}

/* ------------------------------------------------------------ check */

static const char *const good_templates[] = {
    "%EMAILADDRESS%",
    "%EMAILLOCALPART%",
    "%EMAILDOMAIN%",
    "%EMAILLOCALPART%@%EMAILDOMAIN%",
    "%EMAILDOMAIN%\\%EMAILLOCALPART%",
    "user-%EMAILLOCALPART%.mail",
    "%EMAILADDRESS%%EMAILADDRESS%",
    "%EMAILLOCALPART%%EMAILDOMAIN%%EMAILADDRESS%",
    "fixed-login",
    "j\xc3\xb6rg+%EMAILLOCALPART%",
    "a b <c> & 'd' \"e\"",
    "\xf0\x9f\x98\x80",
};

typedef struct {
    const char *tpl;
    const char *fragment;   /* expected in the message */
} bad_tpl_t;

static const bad_tpl_t bad_templates[] = {
    { "", "empty" },
    { "%FOO%", "'%FOO%'" },
    { "x%FOO%y", "'%FOO%'" },
    { "%emailaddress%", "'%emailaddress%'" },
    { "%EMAILADDRESS%%EMAIL%", "'%EMAIL%'" },
    { "%EMAIL_ADDRESS%", "'%EMAIL_ADDRESS%'" },
    { "%EMAILLOCALPART%@%DOMAIN%", "'%DOMAIN%'" },
    { "%%", "%%" },
    { "%", "lone '%'" },
    { "100%", "lone '%'" },
    { "%EMAILADDRESS", "lone '%'" },
    { "%EMAILADDRESS%%", "lone '%'" },
    { "a%b", "lone '%'" },
    { "a\tb", "control" },
    { "a\nb", "control" },
    { "%EMAILADDRESS%\r\n", "control" },
    { "a\x7f", "control" },
    { "\x01", "control" },
    { "\xc0\xaf", "UTF-8" },
    { "\xff", "UTF-8" },
    { "abc\xe2\x82", "UTF-8" },
    { "\xed\xa0\x80", "UTF-8" },
};

static void test_check(void)
{
    apr_size_t i;
    const char *msg, *t;

    for (i = 0; i < sizeof(good_templates) / sizeof(good_templates[0]); i++) {
        msg = mac_template_check(pool, good_templates[i]);
        if (!ok(msg == NULL, "template \"%s\" accepted",
                fx_vis(pool, good_templates[i], strlen(good_templates[i])))) {
            diag("message: %s", msg);
        }
    }
    for (i = 0; i < sizeof(bad_templates) / sizeof(bad_templates[0]); i++) {
        const bad_tpl_t *b = &bad_templates[i];
        msg = mac_template_check(pool, b->tpl);
        if (!ok(fx_contains(msg, b->fragment), "template \"%s\" refused (%s)",
                fx_vis(pool, b->tpl, strlen(b->tpl)), b->fragment)) {
            diag("message: %s", msg ? msg : "(accepted)");
        }
    }

    /* The unknown-placeholder message names the known ones too. */
    msg = mac_template_check(pool, "%USER%");
    ok(fx_contains(msg, "%EMAILADDRESS%") && fx_contains(msg, "%EMAILLOCALPART%")
       && fx_contains(msg, "%EMAILDOMAIN%"),
       "unknown placeholder message lists the three known ones");

    /* A very long %...% is not quoted whole. */
    t = apr_pstrcat(pool, "%", fx_rep(pool, 'X', 60), "%", NULL);
    msg = mac_template_check(pool, t);
    ok(msg != NULL && !fx_contains(msg, fx_rep(pool, 'X', 60)),
       "over-long unknown placeholder refused without echoing it whole");

    /* Length: 256 bytes ok, 257 not. */
    t = fx_rep(pool, 'a', 256);
    ok(mac_template_check(pool, t) == NULL, "256-byte template accepted");
    t = fx_rep(pool, 'a', 257);
    ok(fx_contains(mac_template_check(pool, t), "longer than 256"),
       "257-byte template refused");
    t = apr_pstrcat(pool, fx_rep(pool, 'a', 256 - 14), "%EMAILADDRESS%", NULL);
    ok(strlen(t) == 256 && mac_template_check(pool, t) == NULL,
       "256-byte template ending in a placeholder accepted");
    t = apr_pstrcat(pool, fx_rep(pool, 'a', 257 - 14), "%EMAILADDRESS%", NULL);
    ok(mac_template_check(pool, t) != NULL,
       "257-byte template ending in a placeholder refused");
    t = apr_pstrcat(pool, fx_rep(pool, 'a', 254), "\xc3\xa9", NULL);
    ok(mac_template_check(pool, t) == NULL,
       "256-byte template with a 2-byte character at the end accepted");
    t = apr_pstrcat(pool, fx_rep(pool, 'a', 255), "\xc3\xa9", NULL);
    ok(mac_template_check(pool, t) != NULL,
       "257 bytes (256 characters) refused: the limit is in bytes");
}

/* ------------------------------------------------------------ mark */

typedef struct {
    const char   *tpl;
    mac_escape_fn esc;
    const char   *esc_name;
    const char   *marked;
} mark_case_t;

static const mark_case_t mark_cases[] = {
    { "<%EMAILLOCALPART%>&", mac_xml_escape, "xml",
      "&lt;" M_LOCAL "&gt;&amp;" },
    { "%EMAILADDRESS%", mac_xml_escape, "xml", M_ADDR },
    { "%EMAILLOCALPART%@%EMAILDOMAIN%", mac_xml_escape, "xml",
      M_LOCAL "@" M_DOM },
    { "%EMAILDOMAIN%\\%EMAILLOCALPART%", mac_xml_escape, "xml",
      M_DOM "\\" M_LOCAL },
    { "%EMAILDOMAIN%%EMAILLOCALPART%", mac_xml_escape, "xml",
      M_DOM M_LOCAL },
    { "plain", mac_xml_escape, "xml", "plain" },
    { "\"'x'\"", mac_xml_escape, "xml", "&quot;&#39;x&#39;&quot;" },
    { "\"%EMAILADDRESS%\\", mac_json_escape, "json", "\\\"" M_ADDR "\\\\" },
    { "<%EMAILDOMAIN%>", mac_json_escape, "json",
      "\\u003c" M_DOM "\\u003e" },
    { "j\xc3\xb6rg.%EMAILLOCALPART%", mac_xml_escape, "xml",
      "j\xc3\xb6rg." M_LOCAL },
    { "", mac_xml_escape, "xml", "" },
};

static void test_mark(void)
{
    apr_size_t i;

    for (i = 0; i < sizeof(mark_cases) / sizeof(mark_cases[0]); i++) {
        const mark_case_t *t = &mark_cases[i];
        char *got = mac_template_mark(pool, t->tpl, t->esc);
        if (!ok(got && strcmp(got, t->marked) == 0,
                "mac_template_mark(\"%s\", %s) = \"%s\"",
                fx_vis(pool, t->tpl, strlen(t->tpl)), t->esc_name,
                fx_vis(pool, t->marked, strlen(t->marked)))) {
            diag("got \"%s\"", got ? fx_vis(pool, got, strlen(got)) : "NULL");
        }
    }

    /* The longest possible checked template: 256 bytes, all placeholders
     * and literals alternating. */
    {
        const char *tpl = "";
        apr_size_t n = 0;
        char *got;
        while (strlen(tpl) + 15 <= 256) {
            tpl = apr_pstrcat(pool, tpl, "x%EMAILDOMAIN%", NULL);
            n++;
        }
        ok(mac_template_check(pool, tpl) == NULL, "(long template is valid)");
        got = mac_template_mark(pool, tpl, mac_xml_escape);
        is_int(strlen(got), 3 * n, "long alternating template marked");
    }
}

/* ------------------------------------------------------------ compile */

static void expect_seg(const mac_doc_t *doc, int i, const char *text,
                       apr_size_t len, int slot, const char *what)
{
    const mac_seg_t *s;

    if (!ok(doc->nsegs > i, "%s: segment %d exists", what, i)) {
        return;
    }
    s = &doc->segs[i];
    if (text) {
        ok(s->text != NULL && s->len == len && memcmp(s->text, text, len) == 0,
           "%s: segment %d is literal \"%s\"", what, i, fx_vis(pool, text, len));
    }
    else {
        ok(s->text == NULL && s->slot == slot, "%s: segment %d is slot %d",
           what, i, slot);
    }
}

static void test_compile(void)
{
    mac_doc_t *doc;
    const char *r;
    unsigned all;
    int i;

    r = "&lt;" M_LOCAL "&gt;&amp;";
    doc = compile(r, strlen(r));
    is_int(doc->nsegs, 3, "literal-slot-literal: 3 segments");
    expect_seg(doc, 0, "&lt;", 4, 0, "lsl");
    expect_seg(doc, 1, NULL, 0, MAC_SLOT_LOCALPART, "lsl");
    expect_seg(doc, 2, "&gt;&amp;", 9, 0, "lsl");
    is_int(doc->fixed_len, 13, "  fixed_len is the sum of literals");
    is_int(doc->slots_used, 1u << MAC_SLOT_LOCALPART, "  slots_used");

    r = M_ADDR M_DOM;
    doc = compile(r, strlen(r));
    is_int(doc->nsegs, 2, "adjacent slots: 2 segments");
    expect_seg(doc, 0, NULL, 0, MAC_SLOT_ADDRESS, "adjacent");
    expect_seg(doc, 1, NULL, 0, MAC_SLOT_DOMAIN, "adjacent");
    is_int(doc->fixed_len, 0, "  fixed_len 0");
    is_int(doc->slots_used, (1u << MAC_SLOT_ADDRESS) | (1u << MAC_SLOT_DOMAIN),
           "  slots_used has both");

    r = M_LOCAL "-mid-" M_DOM;
    doc = compile(r, strlen(r));
    is_int(doc->nsegs, 3, "starts and ends with a slot: 3 segments");
    expect_seg(doc, 0, NULL, 0, MAC_SLOT_LOCALPART, "slot-lit-slot");
    expect_seg(doc, 1, "-mid-", 5, 0, "slot-lit-slot");
    expect_seg(doc, 2, NULL, 0, MAC_SLOT_DOMAIN, "slot-lit-slot");
    is_int(doc->fixed_len, 5, "  fixed_len 5");

    r = "no markers at all";
    doc = compile(r, strlen(r));
    is_int(doc->nsegs, 1, "no markers: 1 segment");
    is_int(doc->fixed_len, strlen(r), "  fixed_len is the whole length");
    is_int(doc->slots_used, 0, "  no slots used");

    doc = compile("", 0);
    is_int(doc->nsegs, 0, "empty document: no segments");
    is_int(doc->fixed_len, 0, "  fixed_len 0");
    is_int(doc->slots_used, 0, "  no slots");

    r = M_ADDR "/" M_ADDR;
    doc = compile(r, strlen(r));
    is_int(doc->nsegs, 3, "same slot twice: 3 segments");
    is_int(doc->slots_used, 1u << MAC_SLOT_ADDRESS, "  bit set once");

    /* every slot */
    {
        const char *all_marks = "";
        for (i = 0; i < MAC_SLOT_COUNT; i++) {
            all_marks = apr_pstrcat(pool, all_marks, "<",
                                    mac_slot_mark((mac_slot_e)i), NULL);
        }
        doc = compile(all_marks, strlen(all_marks));
        all = (1u << MAC_SLOT_COUNT) - 1;
        is_int(doc->slots_used, all, "every slot marked: all bits set");
        is_int(doc->nsegs, 2 * MAC_SLOT_COUNT, "  2 segments per slot");
        is_int(doc->fixed_len, MAC_SLOT_COUNT, "  one literal byte each");
    }

    /* A marker at the very end, without its slot letter: not a slot. */
    doc = compile("abc\001", 4);
    is_int(doc->slots_used, 0, "truncated marker at the end: no slot");
    is_int(doc->nsegs, 1, "  one literal segment");
    is_int(doc->fixed_len, 4, "  the lone marker byte stays literal");
    doc = compile("\001", 1);
    is_int(doc->slots_used, 0, "document that is a lone marker byte: no slot");
    is_int(doc->fixed_len, 1, "  kept as a literal byte");
    /* The length, not the NUL, ends the document: marker cut by len. */
    doc = compile("ab" M_ADDR, 3);
    is_int(doc->slots_used, 0, "marker cut by the length: no slot");
    is_int(doc->fixed_len, 3, "  three literal bytes");

    /* Unknown slot letters are dropped, never filled. */
    doc = compile("a\001Zb", 4);
    is_int(doc->slots_used, 0, "marker with an unknown letter: no slot used");
    is_int(doc->fixed_len, 2, "  marker bytes are not literal");
    doc = compile("a\001@b", 4);
    is_int(doc->slots_used, 0, "marker with a letter below 'A': no slot used");
    doc = compile("a\001Hb", 4);   /* 'A' + MAC_SLOT_COUNT */
    is_int(doc->slots_used, 0, "marker one past the last slot: no slot used");
    doc = compile("a\001\xff" "b", 4);
    is_int(doc->slots_used, 0, "marker with a high byte: no slot used");

    /* Embedded NUL in the literal part. */
    doc = compile("a\0b" M_ADDR, 5);
    is_int(doc->nsegs, 2, "literal with a NUL: 2 segments");
    expect_seg(doc, 0, "a\0b", 3, 0, "NUL literal");
}

/* ------------------------------------------------------------ fill */

static void test_fill(void)
{
    mac_values_t v;
    mac_doc_t *doc;
    const char *r;
    char *out;
    apr_size_t len;

    r = "&lt;" M_LOCAL "&gt;&amp;";
    doc = compile(r, strlen(r));
    memset(&v, 0, sizeof(v));
    set_val(&v, MAC_SLOT_LOCALPART, "o&#39;brien");
    out = mac_doc_fill(pool, doc, &v, &len);
    ok(same_bytes(out, len, "&lt;o&#39;brien&gt;&amp;", 24),
       "fill: value inserted between literals");

    memset(&v, 0, sizeof(v));
    out = mac_doc_fill(pool, doc, &v, &len);
    ok(same_bytes(out, len, "&lt;&gt;&amp;", 13),
       "fill with no values: slots left empty");
    is_int(len, doc->fixed_len, "  length is fixed_len");

    /* A value for a slot the document does not use is ignored. */
    set_val(&v, MAC_SLOT_DOMAIN, "example.com");
    out = mac_doc_fill(pool, doc, &v, &len);
    ok(same_bytes(out, len, "&lt;&gt;&amp;", 13),
       "fill: values for unused slots ignored");

    /* adjacent slots, document starting and ending with a slot */
    r = M_LOCAL M_DOM;
    doc = compile(r, strlen(r));
    memset(&v, 0, sizeof(v));
    set_val(&v, MAC_SLOT_LOCALPART, "joe");
    set_val(&v, MAC_SLOT_DOMAIN, "example.com");
    out = mac_doc_fill(pool, doc, &v, &len);
    ok(same_bytes(out, len, "joeexample.com", 14), "fill adjacent slots");

    set_val(&v, MAC_SLOT_LOCALPART, NULL);
    out = mac_doc_fill(pool, doc, &v, &len);
    ok(same_bytes(out, len, "example.com", 11),
       "fill adjacent slots, one missing");

    memset(&v, 0, sizeof(v));
    out = mac_doc_fill(pool, doc, &v, &len);
    ok(same_bytes(out, len, "", 0), "fill slots-only document, no values");

    /* values are used with their length, not their NUL */
    memset(&v, 0, sizeof(v));
    v.v[MAC_SLOT_LOCALPART] = "joe-and-more";
    v.len[MAC_SLOT_LOCALPART] = 3;
    v.v[MAC_SLOT_DOMAIN] = "x\0y";
    v.len[MAC_SLOT_DOMAIN] = 3;
    out = mac_doc_fill(pool, doc, &v, &len);
    ok(same_bytes(out, len, "joex\0y", 6), "fill uses the value lengths");

    /* the same slot twice */
    r = "[" M_ADDR "|" M_ADDR "]";
    doc = compile(r, strlen(r));
    memset(&v, 0, sizeof(v));
    set_val(&v, MAC_SLOT_ADDRESS, "a@b.c");
    out = mac_doc_fill(pool, doc, &v, &len);
    ok(same_bytes(out, len, "[a@b.c|a@b.c]", 13), "fill the same slot twice");

    /* empty value (not NULL) */
    set_val(&v, MAC_SLOT_ADDRESS, "");
    out = mac_doc_fill(pool, doc, &v, &len);
    ok(same_bytes(out, len, "[|]", 3), "fill with empty values");

    /* all slots */
    {
        const char *all_marks = "", *expect = "";
        int i;
        memset(&v, 0, sizeof(v));
        for (i = 0; i < MAC_SLOT_COUNT; i++) {
            all_marks = apr_pstrcat(pool, all_marks, "<",
                                    mac_slot_mark((mac_slot_e)i), NULL);
            v.v[i] = apr_psprintf(pool, "v%d", i);
            v.len[i] = strlen(v.v[i]);
            expect = apr_pstrcat(pool, expect, "<", v.v[i], NULL);
        }
        doc = compile(all_marks, strlen(all_marks));
        out = mac_doc_fill(pool, doc, &v, &len);
        ok(same_bytes(out, len, expect, strlen(expect)),
           "fill every slot: \"%s\"", expect);
    }

    /* unknown slot letter: never filled, even with every value set */
    doc = compile("a\001Zb", 4);
    out = mac_doc_fill(pool, doc, &v, &len);
    ok(same_bytes(out, len, "ab", 2), "unknown slot left empty");

    /* truncated marker at the end */
    doc = compile("abc\001", 4);
    out = mac_doc_fill(pool, doc, &v, &len);
    ok(same_bytes(out, len, "abc\001", 4),
       "truncated marker at the end copied as a literal byte");

    /* NUL in a literal */
    doc = compile("a\0b" M_ADDR, 5);
    memset(&v, 0, sizeof(v));
    set_val(&v, MAC_SLOT_ADDRESS, "Z");
    out = mac_doc_fill(pool, doc, &v, &len);
    ok(same_bytes(out, len, "a\0bZ", 4), "literal NUL kept by fill");

    /* empty document */
    doc = compile("", 0);
    out = mac_doc_fill(pool, doc, &v, &len);
    ok(same_bytes(out, len, "", 0), "fill the empty document");

    /* outlen may be NULL */
    doc = compile("x" M_ADDR, 3);
    out = mac_doc_fill(pool, doc, &v, NULL);
    is_str(out, "xZ", "fill with outlen NULL");
}

/* mark + compile + fill, as the module does for its documents. */
static void test_round_trip(void)
{
    typedef struct {
        const char *tpl, *local, *domain, *address, *expect;
    } rt_t;
    static const rt_t cases[] = {
        { "<%EMAILLOCALPART%>&", "joe", "example.com", "joe@example.com",
          "&lt;joe&gt;&amp;" },
        { "<%EMAILLOCALPART%>&", "o'brien&co", NULL, NULL,
          "&lt;o&#39;brien&amp;co&gt;&amp;" },
        { "%EMAILLOCALPART%@%EMAILDOMAIN%", "joe", "example.com", NULL,
          "joe@example.com" },
        { "%EMAILADDRESS%", "joe", "example.com", "joe@example.com",
          "joe@example.com" },
        { "%EMAILDOMAIN%\\%EMAILLOCALPART%", "a\"b", "example.com", NULL,
          "example.com\\a&quot;b" },
        { "\"fixed\"", "joe", "example.com", "joe@example.com",
          "&quot;fixed&quot;" },
        { "%EMAILLOCALPART%@%EMAILDOMAIN%", NULL, NULL, NULL, "@" },
        { "%EMAILADDRESS%%EMAILADDRESS%", NULL, NULL, "x", "xx" },
    };
    apr_size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const rt_t *t = &cases[i];
        mac_values_t v;
        char *marked, *out;
        mac_doc_t *doc;
        apr_size_t len;

        ok(mac_template_check(pool, t->tpl) == NULL, "(template \"%s\" "
           "valid)", t->tpl);
        marked = mac_template_mark(pool, t->tpl, mac_xml_escape);
        doc = mac_doc_compile(pool, marked, strlen(marked));
        memset(&v, 0, sizeof(v));
        if (t->local) {
            v.v[MAC_SLOT_LOCALPART] = mac_xml_escape(pool, t->local,
                strlen(t->local), &v.len[MAC_SLOT_LOCALPART]);
        }
        if (t->domain) {
            v.v[MAC_SLOT_DOMAIN] = mac_xml_escape(pool, t->domain,
                strlen(t->domain), &v.len[MAC_SLOT_DOMAIN]);
        }
        if (t->address) {
            v.v[MAC_SLOT_ADDRESS] = mac_xml_escape(pool, t->address,
                strlen(t->address), &v.len[MAC_SLOT_ADDRESS]);
        }
        out = mac_doc_fill(pool, doc, &v, &len);
        if (!ok(same_bytes(out, len, t->expect, strlen(t->expect)),
                "round trip \"%s\" -> \"%s\"", t->tpl, t->expect)) {
            diag("got \"%s\"", fx_vis(pool, out, len));
        }
    }
}

static void test_template_fill(void)
{
    mac_values_t v;

    memset(&v, 0, sizeof(v));
    set_val(&v, MAC_SLOT_ADDRESS, "Joe@example.com");
    set_val(&v, MAC_SLOT_LOCALPART, "Joe");
    set_val(&v, MAC_SLOT_DOMAIN, "example.com");

    is_str(mac_template_fill(pool, "%EMAILADDRESS%", &v), "Joe@example.com",
           "mac_template_fill %EMAILADDRESS%");
    is_str(mac_template_fill(pool, "%EMAILLOCALPART%", &v), "Joe",
           "mac_template_fill %EMAILLOCALPART%");
    is_str(mac_template_fill(pool, "%EMAILDOMAIN%", &v), "example.com",
           "mac_template_fill %EMAILDOMAIN%");
    is_str(mac_template_fill(pool, "%EMAILDOMAIN%\\%EMAILLOCALPART%", &v),
           "example.com\\Joe", "mac_template_fill mixture");
    is_str(mac_template_fill(pool, "<%EMAILLOCALPART%>&'\"", &v),
           "<Joe>&'\"", "mac_template_fill does not escape");
    is_str(mac_template_fill(pool, "fixed", &v), "fixed",
           "mac_template_fill without placeholders");
    is_str(mac_template_fill(pool, "", &v), "",
           "mac_template_fill of the empty template");
    is_str(mac_template_fill(pool, "%EMAILLOCALPART%%EMAILLOCALPART%", &v),
           "JoeJoe", "mac_template_fill adjacent placeholders");

    set_val(&v, MAC_SLOT_LOCALPART, "<b>&\"");
    is_str(mac_template_fill(pool, "%EMAILLOCALPART%", &v), "<b>&\"",
           "mac_template_fill copies values unescaped");

    memset(&v, 0, sizeof(v));
    is_str(mac_template_fill(pool, "%EMAILLOCALPART%@%EMAILDOMAIN%", &v), "@",
           "mac_template_fill with missing values");
}

static void test_values_from_addr(void)
{
    mac_values_t v;
    const char *marked;
    mac_doc_t *doc;
    apr_size_t len;
    char *out;

    memset(&v, 0, sizeof(v));
    set_val(&v, MAC_SLOT_NAME, "kept");
    mac_values_from_addr(pool, &v, "o'hara@example.com", "o'hara",
                         "example.com", mac_xml_escape);
    ok(same_bytes(v.v[MAC_SLOT_ADDRESS], v.len[MAC_SLOT_ADDRESS],
                  "o&#39;hara@example.com", 22),
       "mac_values_from_addr: address escaped, with its length");
    ok(same_bytes(v.v[MAC_SLOT_LOCALPART], v.len[MAC_SLOT_LOCALPART],
                  "o&#39;hara", 10), "  local part escaped");
    ok(same_bytes(v.v[MAC_SLOT_DOMAIN], v.len[MAC_SLOT_DOMAIN],
                  "example.com", 11), "  domain");
    ok(same_bytes(v.v[MAC_SLOT_NAME], v.len[MAC_SLOT_NAME], "kept", 4)
       && v.v[MAC_SLOT_UUID1] == NULL, "  other slots left as they were");

    marked = mac_template_mark(pool, "<%EMAILADDRESS%>", mac_xml_escape);
    doc = mac_doc_compile(pool, marked, strlen(marked));
    out = mac_doc_fill(pool, doc, &v, &len);
    ok(same_bytes(out, len, "&lt;o&#39;hara@example.com&gt;", 30),
       "  values fill a compiled document");

    mac_values_from_addr(pool, &v, "a\"b@example.com", "a\"b",
                         "example.com", mac_json_escape);
    ok(same_bytes(v.v[MAC_SLOT_LOCALPART], v.len[MAC_SLOT_LOCALPART],
                  "a\\\"b", 4), "  with the JSON escaper");
}

int main(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);
    plan_no_plan();

    test_slot_marks();
    test_check();
    test_mark();
    test_compile();
    test_fill();
    test_round_trip();
    test_template_fill();
    test_values_from_addr();

    apr_pool_destroy(pool);
    apr_terminate();
    return done_testing();
}
