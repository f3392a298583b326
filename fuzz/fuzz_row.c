/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * libFuzzer harness for src/mac_row.c's record decoder: a record read back
 * from a cache server (memcached, redis) is untrusted input.  Arbitrary
 * bytes in an exact-size heap block.
 *
 * Invariants of mac_row_decode:
 *   - it never reads outside the record (ASan) and never crashes;
 *   - on failure: a non-empty reason;
 *   - on success: the input is exactly the layout of mac_row.h (checked
 *     here by an independent reading), every value is at most 1024 bytes
 *     without a NUL, the row passes mac_row_check, encoding it again gives
 *     the same bytes, and the account made from it (mac_row_account) has
 *     one domain and, for each host column, that host, lower-cased but
 *     for the placeholder %EMAILDOMAIN%, on every server of its protocol.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include "fuzz_common.h"
#include "mac_row.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

FZ_ROOT_AND_INIT(root)

/* The reference reading of the layout: 1 when data is well-formed. */
static int ref_layout(const unsigned char *d, size_t n)
{
    size_t pos = 9;
    int i;

    if (n < 9 || d[0] != 2) {          /* version 2: twelve columns */
        return 0;
    }
    for (i = 0; i < 12; i++) {
        size_t len;
        if (n - pos < 2) {
            return 0;
        }
        len = ((size_t)d[pos] << 8) | d[pos + 1];
        pos += 2;
        if (len > 1024 || len > n - pos || memchr(d + pos, 0, len)) {
            return 0;
        }
        pos += len;
    }
    return pos == n;
}

/* A host column as the account must have it: lower case, but for the
 * placeholder %EMAILDOMAIN%. */
static const char *ref_lower(apr_pool_t *p, const char *h)
{
    char *l = apr_pstrdup(p, h), *m;

    for (m = l; *m; m++) {
        *m = (char)apr_tolower(*m);
    }
    for (m = l; (m = strstr(m, "%emaildomain%")) != NULL; m += 13) {
        memcpy(m, "%EMAILDOMAIN%", 13);
    }
    return l;
}

static mac_account_t *base_account(apr_pool_t *p)
{
    mac_account_t *a = apr_pcalloc(p, sizeof(*a));
    int k;

    a->domains = apr_array_make(p, 1, sizeof(const char *));
    a->servers = apr_array_make(p, 3, sizeof(mac_server_t));
    for (k = 0; k < MAC_PROTO_COUNT; k++) {
        mac_server_t *s = apr_array_push(a->servers);
        memset(s, 0, sizeof(*s));
        s->proto = (mac_proto_e)k;
        s->host = "base.test";
        s->port = 993;
    }
    a->login_template = "%EMAILADDRESS%";
    return a;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    unsigned char *buf = (unsigned char *)fz_exact_copy(data, size);
    const char *why;
    mac_row_t row;

    apr_pool_create(&p, root);
    why = mac_row_decode(p, buf, size, &row);
    if (why) {
        FZ_CHECK(*why, "an empty reason");
    }
    else {
        unsigned char *again;
        apr_size_t len;
        mac_account_t *base = base_account(p), *acct;
        int changed, i, k;

        FZ_CHECK(ref_layout(buf, size), "a record the reference refuses "
                 "was accepted");
        FZ_CHECK(mac_row_check(p, &row) == NULL, "an accepted row fails "
                 "the checks");
        for (k = 0; k < MAC_ROW_NCOLS; k++) {
            FZ_CHECK(!row.col[k] || (*row.col[k]
                                     && strlen(row.col[k]) <= 1024),
                     "column %d: an empty or long value", k);
        }
        again = mac_row_encode(p, &row, &len);
        FZ_CHECK(again && len == size && memcmp(again, buf, size) == 0,
                 "encoding the decoded row gives other bytes");
        acct = mac_row_account(p, base, &row, "fuzz.test", &changed);
        FZ_CHECK(acct->domains->nelts == 1, "not one domain");
        for (k = 0; k < MAC_PROTO_COUNT; k++) {
            const char *h = row.col[MAC_ROW_IMAP_HOST + k];
            if (!h) {
                continue;
            }
            FZ_CHECK(changed, "a host column and nothing changed");
            for (i = 0; i < acct->servers->nelts; i++) {
                const mac_server_t *s = &APR_ARRAY_IDX(acct->servers, i,
                                                       mac_server_t);
                const char *a = s->host, *b = ref_lower(p, h);
                if (s->proto != (mac_proto_e)k) {
                    continue;
                }
                FZ_CHECK(strcmp(a, b) == 0, "the host is not the column's, "
                         "lower-cased but for %%EMAILDOMAIN%%");
            }
        }
        FZ_CHECK(strcmp(APR_ARRAY_IDX(base->servers, 0, mac_server_t).host,
                        "base.test") == 0, "the base account was written");
    }
    apr_pool_destroy(p);
    free(buf);
    return 0;
}
