/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * libFuzzer harness for src/mac_query.c: mac_query_get and mac_unescape.
 *
 * Input: one flags byte (bit 0: MAC_Q_PLUS_IS_SPACE), then the query.
 * mac_query_get sees the query as httpd's r->args would be (a C string:
 * cut at the first NUL); mac_unescape sees all of it, NULs included, in an
 * exact-size heap block.
 *
 * Invariants (checked against an independent implementation of
 * mac_query.h's rules):
 *   - mac_query_get returns the same status as the reference for the
 *     names the module asks for ("emailaddress", "Email", "Protocol",
 *     "name") and for the decoded name of the query's first parameter
 *     (names are compared decoded; one that does not decode makes the
 *     query malformed); on
 *     MAC_Q_OK the value is the reference's, byte for byte, *len is its
 *     length, it is NUL-terminated and *len <= the raw value's length;
 *   - mac_unescape returns NULL exactly when the reference finds a
 *     malformed escape, otherwise the same bytes, *outlen <= the input
 *     length and a terminating NUL.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>

#include "fuzz_common.h"
#include "mac_query.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

FZ_ROOT_AND_INIT(root)

static int ref_hex(unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = (unsigned char)(c | 0x20);
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

/* Percent-decode; returns the length or -1 on a malformed escape. */
static long ref_unescape(const char *s, size_t n, int plus, char *out)
{
    size_t i, o = 0;

    for (i = 0; i < n; i++) {
        if (s[i] == '%') {
            int hi, lo;
            if (n - i < 3 || (hi = ref_hex((unsigned char)s[i + 1])) < 0
                || (lo = ref_hex((unsigned char)s[i + 2])) < 0) {
                return -1;
            }
            out[o++] = (char)(hi << 4 | lo);
            i += 2;
        }
        else if (s[i] == '+' && plus) {
            out[o++] = ' ';
        }
        else {
            out[o++] = s[i];
        }
    }
    return (long)o;
}

static int ascii_ieq(const char *a, const char *b, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x >= 'A' && x <= 'Z') {
            x = (unsigned char)(x + 32);
        }
        if (y >= 'A' && y <= 'Z') {
            y = (unsigned char)(y + 32);
        }
        if (x != y) {
            return 0;
        }
    }
    return 1;
}

/* Reference lookup: parameters are separated by '&'; a parameter's name
 * is what precedes its first '=' (all of it when there is none). */
static mac_q_status_e ref_get(apr_pool_t *p, const char *args,
                              const char *name, int plus, char **val,
                              long *vlen, size_t *rawlen)
{
    size_t nlen = strlen(name), alen = strlen(args), i = 0;
    const char *found = NULL;
    size_t found_len = 0;

    while (i < alen) {
        size_t end = i, eq;
        while (end < alen && args[end] != '&') {
            end++;
        }
        char *pname;
        long plen;

        eq = i;
        while (eq < end && args[eq] != '=') {
            eq++;
        }
        pname = apr_palloc(p, eq - i + 1);
        if ((plen = ref_unescape(args + i, eq - i, plus, pname)) < 0) {
            return MAC_Q_BAD_ESCAPE;
        }
        if ((size_t)plen == nlen && ascii_ieq(pname, name, nlen)) {
            if (found) {
                return MAC_Q_DUPLICATE;
            }
            found = eq < end ? args + eq + 1 : args + eq;
            found_len = eq < end ? end - eq - 1 : 0;
        }
        i = end + 1;
    }
    if (!found) {
        return MAC_Q_ABSENT;
    }
    *val = apr_palloc(p, found_len + 1);
    *rawlen = found_len;
    *vlen = ref_unescape(found, found_len, plus, *val);
    return *vlen < 0 ? MAC_Q_BAD_ESCAPE : MAC_Q_OK;
}

static void check_get(apr_pool_t *p, const char *args, const char *name,
                      int flags)
{
    const char *val = (const char *)1;
    apr_size_t len = (apr_size_t)-1;
    char *rval = NULL;
    long rlen = -1;
    size_t rawlen = 0;
    mac_q_status_e got = mac_query_get(p, args, name, flags, &val, &len);
    mac_q_status_e want = ref_get(p, args, name, flags & MAC_Q_PLUS_IS_SPACE,
                                  &rval, &rlen, &rawlen);

    if (got != want) {
        fz_dump("query", args, strlen(args));
        fz_dump("name ", name, strlen(name));
        fz_fail("mac_query_get returns %d, the reference %d", (int)got,
                (int)want);
    }
    if (got == MAC_Q_OK) {
        FZ_CHECK(val != NULL, "mac_query_get: MAC_Q_OK with a NULL value");
        FZ_CHECK(len <= rawlen, "mac_query_get: decoded length %zu > raw "
                 "length %zu", (size_t)len, rawlen);
        FZ_CHECK(val[len] == '\0', "mac_query_get: value not NUL-terminated");
        if ((long)len != rlen || memcmp(val, rval, len) != 0) {
            fz_dump("query   ", args, strlen(args));
            fz_dump("got     ", val, len);
            fz_dump("expected", rval, (size_t)rlen);
            fz_fail("mac_query_get(%s): wrong value", name);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {
        "emailaddress", "Email", "Protocol", "name"
    };
    apr_pool_t *p;
    char *raw, *args, *ref, *first;
    const char *dec;
    apr_size_t dlen = (apr_size_t)-1;
    long rlen;
    int flags;
    size_t n, i, k;
    const char *val;
    apr_size_t vlen;

    if (size == 0) {
        return 0;
    }
    flags = (data[0] & 1) ? MAC_Q_PLUS_IS_SPACE : 0;
    n = size - 1;
    raw = fz_exact_copy(data + 1, n);
    if (apr_pool_create(&p, root) != APR_SUCCESS) {
        abort();
    }

    /* mac_unescape on everything, NULs included */
    dec = mac_unescape(p, raw, n, flags, &dlen);
    ref = apr_palloc(p, n + 1);
    rlen = ref_unescape(raw, n, flags & MAC_Q_PLUS_IS_SPACE, ref);
    if ((dec == NULL) != (rlen < 0)) {
        fz_dump("input", raw, n);
        fz_fail("mac_unescape %s, the reference %s", dec ? "decodes" : "fails",
                rlen < 0 ? "fails" : "decodes");
    }
    if (dec) {
        FZ_CHECK(dlen <= n, "mac_unescape: output %zu > input %zu",
                 (size_t)dlen, n);
        FZ_CHECK(dec[dlen] == '\0', "mac_unescape: not NUL-terminated");
        if ((long)dlen != rlen || memcmp(dec, ref, dlen) != 0) {
            fz_dump("input   ", raw, n);
            fz_dump("got     ", dec, dlen);
            fz_dump("expected", ref, (size_t)rlen);
            fz_fail("mac_unescape: wrong output");
        }
    }

    /* mac_query_get on the query as a C string */
    k = strnlen(raw, n);
    args = apr_palloc(p, k + 1);
    memcpy(args, raw, k);
    args[k] = '\0';
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        check_get(p, args, names[i], flags);
    }
    /* the first parameter's own name, decoded, whatever it is */
    for (i = 0; i < k && args[i] != '=' && args[i] != '&'; i++) {
    }
    if (i > 0) {
        rlen = ref_unescape(args, i, flags & MAC_Q_PLUS_IS_SPACE, ref);
        if (rlen > 0 && memchr(ref, '\0', (size_t)rlen) == NULL) {
            first = apr_pstrmemdup(p, ref, (apr_size_t)rlen);
            check_get(p, args, first, flags);
        }
    }
    FZ_CHECK(mac_query_get(p, NULL, "emailaddress", flags, &val, &vlen)
             == MAC_Q_ABSENT, "mac_query_get(NULL args) is not ABSENT");

    apr_pool_destroy(p);
    free(raw);
    return 0;
}
