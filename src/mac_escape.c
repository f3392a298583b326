/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: escaping.  See mac_escape.h.
 */
#include <string.h>
#include "mac_escape.h"

#define REPLACEMENT "\xEF\xBF\xBD"   /* U+FFFD in UTF-8 */

/* Length of the well-formed UTF-8 sequence starting at s (at most n bytes
 * available), or 0 when the bytes there are not well-formed. */
static apr_size_t utf8_seq_len(const unsigned char *s, apr_size_t n)
{
    unsigned char c = s[0];
    apr_size_t need, i;
    unsigned long cp;

    if (c < 0x80) {
        return 1;
    }
    else if (c >= 0xC2 && c <= 0xDF) {
        need = 2; cp = c & 0x1F;
    }
    else if (c >= 0xE0 && c <= 0xEF) {
        need = 3; cp = c & 0x0F;
    }
    else if (c >= 0xF0 && c <= 0xF4) {
        need = 4; cp = c & 0x07;
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
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000)
        || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return 0;
    }
    return need;
}

int mac_utf8_valid(const char *s, apr_size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    apr_size_t i = 0, n;

    while (i < len) {
        n = utf8_seq_len(u + i, len - i);
        if (n == 0) {
            return 0;
        }
        i += n;
    }
    return 1;
}

int mac_has_ctl(const char *s, apr_size_t len)
{
    apr_size_t i;

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7F) {
            return 1;
        }
    }
    return 0;
}

/*
 * The escape tables: for each ASCII byte, what to write instead, or NULL
 * to copy it.  A "" entry means "not representable": U+FFFD is written.
 * Bytes >= 0x80 are copied when they form valid UTF-8, else U+FFFD.
 */
typedef const char *mac_esc_table_t[128];

static const mac_esc_table_t xml_table = {
    "", "", "", "", "", "", "", "", "", "&#9;", "&#10;", "", "", "&#13;", "", "",
    "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "",
    [0x22] = "&quot;", [0x26] = "&amp;", [0x27] = "&#39;",
    [0x3C] = "&lt;", [0x3E] = "&gt;", [0x7F] = ""
};

static const mac_esc_table_t json_table = {
    "\\u0000", "\\u0001", "\\u0002", "\\u0003", "\\u0004", "\\u0005",
    "\\u0006", "\\u0007", "\\b", "\\t", "\\n", "\\u000b", "\\f", "\\r",
    "\\u000e", "\\u000f", "\\u0010", "\\u0011", "\\u0012", "\\u0013",
    "\\u0014", "\\u0015", "\\u0016", "\\u0017", "\\u0018", "\\u0019",
    "\\u001a", "\\u001b", "\\u001c", "\\u001d", "\\u001e", "\\u001f",
    [0x22] = "\\\"", [0x26] = "\\u0026", [0x27] = "\\u0027",
    [0x3C] = "\\u003c", [0x3E] = "\\u003e", [0x5C] = "\\\\",
    [0x7F] = "\\u007f"
};

/* U+FFFE and U+FFFF (EF BF BE, EF BF BF) are well-formed UTF-8 but not XML
 * 1.0 characters: a document containing them is not well-formed.  The whole
 * character becomes one U+FFFD in XML output. */
static int xml_nonchar(const unsigned char *s, apr_size_t n)
{
    return n == 3 && s[0] == 0xEF && s[1] == 0xBF && s[2] >= 0xBE;
}

static char *escape_with(apr_pool_t *p, const mac_esc_table_t table, int xml,
                         const char *s, apr_size_t len, apr_size_t *outlen)
{
    const unsigned char *u = (const unsigned char *)s;
    apr_size_t i, n, size = 0;
    char *out, *o;
    const char *rep;

    /* First pass: the exact size, so the copy is one allocation. */
    for (i = 0; i < len; i += n) {
        if (u[i] < 0x80) {
            n = 1;
            rep = table[u[i]];
            size += rep ? (*rep ? strlen(rep) : sizeof(REPLACEMENT) - 1) : 1;
        }
        else if ((n = utf8_seq_len(u + i, len - i)) != 0
                 && !(xml && xml_nonchar(u + i, n))) {
            size += n;
        }
        else {
            n = n ? n : 1;
            size += sizeof(REPLACEMENT) - 1;
        }
    }

    o = out = apr_palloc(p, size + 1);
    for (i = 0; i < len; i += n) {
        if (u[i] < 0x80) {
            n = 1;
            rep = table[u[i]];
            if (!rep) {
                *o++ = (char)u[i];
                continue;
            }
            if (!*rep) {
                rep = REPLACEMENT;
            }
            size = strlen(rep);
            memcpy(o, rep, size);
            o += size;
        }
        else if ((n = utf8_seq_len(u + i, len - i)) != 0
                 && !(xml && xml_nonchar(u + i, n))) {
            memcpy(o, u + i, n);
            o += n;
        }
        else {
            n = n ? n : 1;
            memcpy(o, REPLACEMENT, sizeof(REPLACEMENT) - 1);
            o += sizeof(REPLACEMENT) - 1;
        }
    }
    *o = '\0';
    if (outlen) {
        *outlen = (apr_size_t)(o - out);
    }
    return out;
}

char *mac_xml_escape(apr_pool_t *p, const char *s, apr_size_t len,
                     apr_size_t *outlen)
{
    return escape_with(p, xml_table, 1, s, len, outlen);
}

char *mac_json_escape(apr_pool_t *p, const char *s, apr_size_t len,
                      apr_size_t *outlen)
{
    return escape_with(p, json_table, 0, s, len, outlen);
}
