/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * libFuzzer harness for src/mac_addr.c: mac_addr_parse, mac_domain_check,
 * mac_host_check, mac_strlower.  Arbitrary bytes in, NUL included, in an
 * exact-size heap block.
 *
 * Invariants of mac_addr_parse:
 *   - it accepts exactly what an independent implementation of the rules
 *     in mac_addr.h accepts (dot-atom local part of RFC 5322 atext, at most
 *     64 bytes; a domain of at least two LDH labels of at most 63 bytes,
 *     no label starting or ending with '-', a top-level label that is not
 *     all digits, at most 253 bytes, no trailing dot; at most 254 bytes in
 *     all; no NUL, control, space or non-ASCII byte anywhere);
 *   - on success: address == local "@" domain, local is the input's local
 *     part unchanged, domain is the input's domain lower-cased, lengths
 *     within the limits, domain lower-case ASCII, and parsing the result
 *     again gives the same result;
 *   - on failure: a non-empty reason and *out untouched.
 * mac_domain_check agrees with the same reference; a valid domain is also
 * a valid host (mac_host_check); a host that passes has only the bytes of
 * a host name or an IP literal.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>

#include "fuzz_common.h"
#include "mac_addr.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

FZ_ROOT_AND_INIT(root)

static int ref_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9');
}

static int ref_atext(unsigned char c)
{
    static const char specials[] = "!#$%&'*+-/=?^_`{|}~";
    return ref_alnum(c) || (c != 0 && memchr(specials, c, sizeof(specials) - 1));
}

/* Reference domain check (mail domains: at least two labels). */
static int ref_domain_ok(const char *d, size_t n)
{
    size_t i, start = 0;
    int labels = 0;

    if (n == 0 || n > 253) {
        return 0;
    }
    for (i = 0; i <= n; i++) {
        if (i == n || d[i] == '.') {
            size_t len = i - start, k;
            int digits = 1;
            if (len == 0 || len > 63 || d[start] == '-' || d[i - 1] == '-') {
                return 0;
            }
            for (k = start; k < i; k++) {
                unsigned char c = (unsigned char)d[k];
                if (!ref_alnum(c) && c != '-') {
                    return 0;
                }
                if (c < '0' || c > '9') {
                    digits = 0;
                }
            }
            labels++;
            if (i == n && digits) {
                return 0;        /* all-digit top-level label */
            }
            start = i + 1;
        }
    }
    return labels >= 2;
}

/* Reference address check. */
static int ref_addr_ok(const char *s, size_t n)
{
    const char *at;
    size_t llen, i;

    if (n == 0 || n > 254) {
        return 0;
    }
    at = memchr(s, '@', n);
    if (at == NULL || memchr(at + 1, '@', n - (size_t)(at - s) - 1)) {
        return 0;
    }
    llen = (size_t)(at - s);
    if (llen == 0 || llen > 64 || s[0] == '.' || s[llen - 1] == '.') {
        return 0;
    }
    for (i = 0; i < llen; i++) {
        if (s[i] == '.') {
            if (s[i + 1] == '.') {
                return 0;
            }
        }
        else if (!ref_atext((unsigned char)s[i])) {
            return 0;
        }
    }
    return ref_domain_ok(at + 1, n - llen - 1);
}

static int is_host_byte(unsigned char c)
{
    return ref_alnum(c) || c == '-' || c == '.' || c == ':';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    char *in = fz_exact_copy(data, size);
    mac_addr_t out, again;
    const char *why, *why2;
    int ref;
    size_t i;

    if (apr_pool_create(&p, root) != APR_SUCCESS) {
        abort();
    }

    memset(&out, 0xA5, sizeof(out));
    why = mac_addr_parse(p, in, size, &out);
    ref = ref_addr_ok(in, size);
    if (!why != !!ref) {
        fz_dump("input", in, size);
        fz_fail("mac_addr_parse %s, the reference %s (reason: %s)",
                why ? "refuses" : "accepts", ref ? "accepts" : "refuses",
                why ? why : "none");
    }
    if (why) {
        mac_addr_t untouched;
        memset(&untouched, 0xA5, sizeof(untouched));
        FZ_CHECK(*why != '\0', "mac_addr_parse: empty reason");
        FZ_CHECK(memcmp(&out, &untouched, sizeof(out)) == 0,
                 "mac_addr_parse: *out written on failure");
    }
    else {
        const char *at = memchr(in, '@', size);
        size_t llen = (size_t)(at - in), dlen = size - llen - 1;

        FZ_CHECK(out.address && out.local && out.domain,
                 "mac_addr_parse: NULL field on success");
        FZ_CHECK(strlen(out.local) == llen && memcmp(out.local, in, llen) == 0,
                 "mac_addr_parse: local part is not the input's");
        FZ_CHECK(llen >= 1 && llen <= MAC_LOCAL_MAX, "local part length %zu",
                 llen);
        FZ_CHECK(strlen(out.domain) == dlen && dlen >= 1
                 && dlen <= MAC_DOMAIN_MAX, "domain length %zu", dlen);
        for (i = 0; i < dlen; i++) {
            unsigned char c = (unsigned char)out.domain[i];
            unsigned char o = (unsigned char)at[1 + i];
            FZ_CHECK(!(c >= 'A' && c <= 'Z') && c < 0x80,
                     "mac_addr_parse: domain byte 0x%02x not lower-case "
                     "ASCII", c);
            FZ_CHECK(c == ((o >= 'A' && o <= 'Z') ? o + 32 : o),
                     "mac_addr_parse: domain is not the input's lower-cased");
        }
        FZ_CHECK(strlen(out.address) == size && size <= MAC_ADDRESS_MAX,
                 "address length %zu for input length %zu",
                 strlen(out.address), size);
        FZ_CHECK(strncmp(out.address, out.local, llen) == 0
                 && out.address[llen] == '@'
                 && strcmp(out.address + llen + 1, out.domain) == 0,
                 "mac_addr_parse: address is not local@domain");
        FZ_CHECK(strchr(out.address + llen + 1, '@') == NULL,
                 "mac_addr_parse: more than one '@' in the result");
        FZ_CHECK(mac_domain_check(out.domain, dlen) == NULL,
                 "mac_addr_parse: result domain fails mac_domain_check");

        why2 = mac_addr_parse(p, out.address, strlen(out.address), &again);
        FZ_CHECK(why2 == NULL && strcmp(again.address, out.address) == 0
                 && strcmp(again.local, out.local) == 0
                 && strcmp(again.domain, out.domain) == 0,
                 "mac_addr_parse is not idempotent");
    }

    /* The same bytes as a domain and as a host. */
    why = mac_domain_check(in, size);
    ref = ref_domain_ok(in, size);
    if (!why != !!ref) {
        fz_dump("input", in, size);
        fz_fail("mac_domain_check %s, the reference %s (reason: %s)",
                why ? "refuses" : "accepts", ref ? "accepts" : "refuses",
                why ? why : "none");
    }
    why2 = mac_host_check(in, size);
    if (why == NULL) {
        FZ_CHECK(why2 == NULL, "a valid domain is refused as a host: %s",
                 why2);
    }
    if (why2 == NULL) {
        char *low;
        FZ_CHECK(size > 0 && size <= MAC_DOMAIN_MAX,
                 "mac_host_check accepts length %zu", size);
        for (i = 0; i < size; i++) {
            FZ_CHECK(is_host_byte((unsigned char)in[i]),
                     "mac_host_check accepts byte 0x%02x",
                     (unsigned char)in[i]);
        }
        low = mac_strlower(p, in, size);
        FZ_CHECK(low[size] == '\0' && strlen(low) == size,
                 "mac_strlower: wrong length");
        FZ_CHECK(mac_host_check(low, size) == NULL,
                 "a lower-cased valid host is refused");
    }
    else {
        FZ_CHECK(*why2 != '\0', "mac_host_check: empty reason");
    }

    apr_pool_destroy(p);
    free(in);
    return 0;
}
