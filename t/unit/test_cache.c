/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * Unit tests for src/mac_cache.[ch]: the keys of the shared caches.
 *
 *   the layout (spread byte, kind, version, scope, name), the same key
 *   every time, another scope, name or kind giving another key, long names
 *   digested, and every key short enough for memcache and redis.
 */
#include <stdio.h>
#include <string.h>
#include <apr_general.h>
#include <apr_pools.h>

#include "tap.h"
#include "mac_cache.h"

static void test_keys(void)
{
    unsigned char s1[MAC_CACHE_SCOPE_LEN], s2[MAC_CACHE_SCOPE_LEN];
    unsigned char k1[MAC_CACHE_KEY_MAX], k2[MAC_CACHE_KEY_MAX];
    char longname[254];
    apr_size_t n1, n2;

    mac_cache_scope("sqlite3\nf.db\nSELECT 1", 21, s1);
    mac_cache_scope("sqlite3\ng.db\nSELECT 1", 21, s2);
    ok(memcmp(s1, s2, MAC_CACHE_SCOPE_LEN) != 0,
       "another database, another scope");
    n1 = mac_cache_key(k1, MAC_CACHE_KIND_DOMAIN, s1, "example.com", 11);
    is_int(n1, 3 + MAC_CACHE_SCOPE_LEN + 11, "key length");
    is_int(k1[1], 'D', "the kind");
    is_int(k1[2], '1', "the layout version");
    ok(memcmp(k1 + 3, s1, MAC_CACHE_SCOPE_LEN) == 0, "the scope");
    ok(memcmp(k1 + 3 + MAC_CACHE_SCOPE_LEN, "example.com", 11) == 0,
       "the name");
    n2 = mac_cache_key(k2, MAC_CACHE_KIND_DOMAIN, s1, "example.com", 11);
    ok(n1 == n2 && memcmp(k1, k2, n1) == 0, "the same key every time");
    n2 = mac_cache_key(k2, MAC_CACHE_KIND_DOMAIN, s2, "example.com", 11);
    ok(n1 != n2 || memcmp(k1, k2, n1) != 0, "another scope, another key");
    n2 = mac_cache_key(k2, MAC_CACHE_KIND_DOMAIN, s1, "example.org", 11);
    ok(memcmp(k1, k2, n1) != 0, "another name, another key");
    n2 = mac_cache_key(k2, (mac_cache_kind_e)'U', s1, "example.com", 11);
    ok(memcmp(k1, k2, n1) != 0, "another kind, another key");

    memset(longname, 'a', sizeof(longname));
    n1 = mac_cache_key(k1, MAC_CACHE_KIND_DOMAIN, s1, longname, 253);
    is_int(n1, 3 + MAC_CACHE_SCOPE_LEN + 1 + 20, "a long name is digested");
    ok(n1 <= MAC_CACHE_KEY_MAX, "within the limit");
    is_int(k1[3 + MAC_CACHE_SCOPE_LEN], '#', "marked");
    longname[252] = 'b';
    n2 = mac_cache_key(k2, MAC_CACHE_KIND_DOMAIN, s1, longname, 253);
    ok(memcmp(k1, k2, n1) != 0, "long names differing at the end differ");
    n1 = mac_cache_key(k1, MAC_CACHE_KIND_DOMAIN, s1, longname,
                       MAC_CACHE_NAME_MAX);
    is_int(n1, MAC_CACHE_KEY_MAX, "a name of the longest kept length");
    /* memcache: tag "mailautoconf:" (13) + hex + NUL within 254 bytes. */
    ok(13 + 2 * MAC_CACHE_KEY_MAX + 1 < 250, "memcache/redis keys fit");
}

int main(void)
{
    apr_initialize();
    plan_no_plan();
    test_keys();
    apr_terminate();
    return done_testing();
}
