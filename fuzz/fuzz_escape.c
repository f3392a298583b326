/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * libFuzzer harness for src/mac_escape.c: mac_xml_escape, mac_json_escape,
 * mac_utf8_valid, mac_has_ctl.  Arbitrary bytes in, NUL included.
 *
 * Invariants:
 *   XML   the output is valid UTF-8 with no raw < > " ' and no '&' other
 *         than one of the references the escaper writes, no control byte
 *         and no U+FFFE/U+FFFF; as the text of an element AND as a
 *         double-quoted attribute value it parses with libxml2 without a
 *         single error or warning and reads back as fz_xml_expect(input)
 *         (the input with what XML cannot carry replaced by U+FFFD).
 *   JSON  the output is a valid inside of a JSON string with no control
 *         byte, no unescaped quote or backslash and no raw < > & '; it
 *         decodes back to the input (invalid UTF-8 bytes -> U+FFFD).
 *   Both  *outlen equals strlen(output); passing outlen NULL gives the
 *         same bytes.  mac_utf8_valid and mac_has_ctl agree with
 *         independent implementations.
 *
 *   make -f fuzz/Makefile && fuzz/bin/fuzz_escape -dict=fuzz/escape.dict \
 *       -max_len=4096 WORKDIR fuzz/corpus/escape
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>
#include <libxml/tree.h>

#include "fuzz_common.h"
#include "mac_escape.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

FZ_ROOT_AND_INIT(root)

static int ref_has_ctl(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] == 0x7f) {
            return 1;
        }
    }
    return 0;
}

/* The escaped text may only contain these references. */
static size_t allowed_ref(const char *s, size_t n)
{
    static const char *const refs[] = {
        "&amp;", "&lt;", "&gt;", "&quot;", "&#39;", "&#9;", "&#10;", "&#13;"
    };
    size_t i, l;

    for (i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
        l = strlen(refs[i]);
        if (n >= l && memcmp(s, refs[i], l) == 0) {
            return l;
        }
    }
    return 0;
}

static void check_xml(apr_pool_t *p, const char *in, size_t n)
{
    apr_size_t xlen = (apr_size_t)-1, i;
    const char *x = mac_xml_escape(p, in, n, &xlen), *x2;
    size_t elen, k;
    const char *exp;
    char *doc_text;
    xmlDocPtr doc;
    xmlChar *attr;

    FZ_CHECK(x != NULL, "mac_xml_escape returned NULL");
    FZ_CHECK(strlen(x) == xlen, "mac_xml_escape: *outlen %zu but strlen %zu",
             (size_t)xlen, strlen(x));
    x2 = mac_xml_escape(p, in, n, NULL);
    FZ_CHECK(strcmp(x, x2) == 0, "mac_xml_escape: output depends on outlen");
    if (!fz_utf8_valid(x, xlen)) {
        fz_dump("escaped", x, xlen);
        fz_fail("mac_xml_escape: output is not valid UTF-8");
    }
    for (i = 0; i < xlen; i++) {
        unsigned char c = (unsigned char)x[i];
        if (c == '<' || c == '>' || c == '"' || c == '\'' || c < 0x20
            || c == 0x7f) {
            fz_dump("escaped", x, xlen);
            fz_fail("mac_xml_escape: raw byte 0x%02x at %zu", c, (size_t)i);
        }
        if (c == '&') {
            if ((k = allowed_ref(x + i, xlen - i)) == 0) {
                fz_dump("escaped", x, xlen);
                fz_fail("mac_xml_escape: '&' not starting a known reference "
                        "at %zu", (size_t)i);
            }
            i += k - 1;
        }
        if (c == 0xEF && i + 2 < xlen && (unsigned char)x[i + 1] == 0xBF
            && (unsigned char)x[i + 2] >= 0xBE) {
            fz_dump("escaped", x, xlen);
            fz_fail("mac_xml_escape: U+FFFE/U+FFFF in output at %zu",
                    (size_t)i);
        }
    }

    exp = fz_xml_expect(p, in, n, &elen);

    /* element content */
    doc_text = apr_pstrcat(p, "<r>", x, "</r>", NULL);
    doc = fz_xml_parse("mac_xml_escape in element content", doc_text,
                       strlen(doc_text), 0);
    fz_expect_eq("mac_xml_escape, element content",
                 fz_text(p, xmlDocGetRootElement(doc)), exp, elen);
    xmlFreeDoc(doc);

    /* attribute value */
    doc_text = apr_pstrcat(p, "<r a=\"", x, "\"/>", NULL);
    doc = fz_xml_parse("mac_xml_escape in an attribute", doc_text,
                       strlen(doc_text), 0);
    attr = xmlGetProp(xmlDocGetRootElement(doc), (const xmlChar *)"a");
    fz_expect_eq("mac_xml_escape, attribute value",
                 attr ? (const char *)attr : NULL, exp, elen);
    xmlFree(attr);
    xmlFreeDoc(doc);
}

static void check_json(apr_pool_t *p, const char *in, size_t n)
{
    apr_size_t jlen = (apr_size_t)-1;
    const char *j = mac_json_escape(p, in, n, &jlen), *j2;
    size_t dlen, elen;
    const char *dec, *exp;

    FZ_CHECK(j != NULL, "mac_json_escape returned NULL");
    FZ_CHECK(strlen(j) == jlen, "mac_json_escape: *outlen %zu but strlen %zu",
             (size_t)jlen, strlen(j));
    j2 = mac_json_escape(p, in, n, NULL);
    FZ_CHECK(strcmp(j, j2) == 0, "mac_json_escape: output depends on outlen");
    FZ_CHECK(j[jlen] == '\0', "mac_json_escape: not NUL-terminated");
    dec = fz_json_decode(p, "mac_json_escape", j, jlen, &dlen);
    exp = fz_json_expect(p, in, n, &elen);
    if (dlen != elen || memcmp(dec, exp, elen) != 0) {
        fz_dump("escaped ", j, jlen);
        fz_dump("decoded ", dec, dlen);
        fz_dump("expected", exp, elen);
        fz_fail("mac_json_escape: value does not round-trip");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    char *in = fz_exact_copy(data, size);

    if (apr_pool_create(&p, root) != APR_SUCCESS) {
        abort();
    }
    FZ_CHECK(!mac_utf8_valid(in, size) == !fz_utf8_valid(in, size),
             "mac_utf8_valid says %d, the reference says %d",
             mac_utf8_valid(in, size), fz_utf8_valid(in, size));
    FZ_CHECK(!mac_has_ctl(in, size) == !ref_has_ctl(in, size),
             "mac_has_ctl says %d, the reference says %d",
             mac_has_ctl(in, size), ref_has_ctl(in, size));
    check_xml(p, in, size);
    check_json(p, in, size);

    apr_pool_destroy(p);
    free(in);
    return 0;
}
