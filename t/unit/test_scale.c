/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * Unit tests for how documents behave with many domains: up to
 * MAC_TB_MAX_LISTED every Thunderbird document lists all of them, beyond
 * that only its own, so answers and startup stay linear in the count.
 */
#include <string.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include "tap.h"
#include "mac_account.h"
#include "mac_thunderbird.h"

static apr_pool_t *pool;

static mac_account_t *account(int ndomains)
{
    mac_account_t *a = apr_pcalloc(pool, sizeof(*a));
    mac_server_t s;
    int i;

    a->domains = apr_array_make(pool, ndomains, sizeof(const char *));
    for (i = 0; i < ndomains; i++) {
        APR_ARRAY_PUSH(a->domains, const char *) =
            apr_psprintf(pool, "d%d.test", i);
    }
    a->servers = apr_array_make(pool, 1, sizeof(mac_server_t));
    mac_parse_server(pool, MAC_PROTO_IMAP, "imap.test.net", "993", "ssl",
                     NULL, &s);
    APR_ARRAY_PUSH(a->servers, mac_server_t) = s;
    a->login_template = "%EMAILADDRESS%";
    return a;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;

    while ((hay = strstr(hay, needle)) != NULL) {
        n++;
        hay += strlen(needle);
    }
    return n;
}

int main(void)
{
    mac_account_t *a;
    char *doc;
    apr_size_t len, len_small;

    apr_initialize();
    apr_pool_create(&pool, NULL);
    plan_no_plan();

    a = account(MAC_TB_MAX_LISTED);
    doc = mac_tb_render(pool, a, "d7.test", &len);
    is_int(count(doc, "<domain>"), MAC_TB_MAX_LISTED,
           "at the limit every served domain is listed");

    a = account(MAC_TB_MAX_LISTED + 1);
    doc = mac_tb_render(pool, a, "d7.test", &len);
    is_int(count(doc, "<domain>"), 1, "above it only the document's own");
    ok(strstr(doc, "<domain>d7.test</domain>") != NULL, "which is d7.test");

    a = account(10000);
    doc = mac_tb_render(pool, a, "d9999.test", &len);
    a = account(1);
    mac_tb_render(pool, a, "d0.test", &len_small);
    ok(len < len_small + 64,
       "a document for 10000 domains is as small as one for a single "
       "domain (%lu vs %lu bytes)", (unsigned long)len,
       (unsigned long)len_small);
    is_int((long long)strlen(doc), (long long)len, "length reported");

    apr_pool_destroy(pool);
    apr_terminate();
    return done_testing();
}
