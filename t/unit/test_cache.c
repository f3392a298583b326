/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * Unit tests for src/mac_cache.[ch]: the keys of the shared caches and
 * the per-child front cache.
 *
 *   keys: the layout (hash bytes, kind, version, scope, name), the same
 *   key every time, another scope, name or kind giving another key, long
 *   names digested, and every key short enough for memcache and redis.
 *   front cache: hits copy the record and the document out (changing the
 *   copy changes nothing), expiry at the boundary, replacement, LRU
 *   eviction order, the 4 KiB limit, the byte count, and a threaded run
 *   (AddressSanitizer and valgrind see the blocks freed on eviction).
 */
#include <stdio.h>
#include <string.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>

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
    is_int(n1, 6 + MAC_CACHE_SCOPE_LEN + 11, "key length");
    {
        /* SHA-1("example.com") begins 0c aa f2 4a. */
        static const unsigned char head[4] = { 0x0c, 0xaa, 0xf2, 0x4a };
        ok(memcmp(k1, head, 4) == 0, "the name's hash comes first");
    }
    is_int(k1[4], 'D', "the kind");
    is_int(k1[5], '2', "the layout version");
    ok(memcmp(k1 + 6, s1, MAC_CACHE_SCOPE_LEN) == 0, "the scope");
    ok(memcmp(k1 + 6 + MAC_CACHE_SCOPE_LEN, "example.com", 11) == 0,
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
    is_int(n1, 6 + MAC_CACHE_SCOPE_LEN + 1 + 20, "a long name is digested");
    ok(n1 <= MAC_CACHE_KEY_MAX, "within the limit");
    is_int(k1[6 + MAC_CACHE_SCOPE_LEN], '#', "marked");
    longname[252] = 'b';
    n2 = mac_cache_key(k2, MAC_CACHE_KIND_DOMAIN, s1, longname, 253);
    ok(memcmp(k1, k2, n1) != 0, "long names differing at the end differ");
    n1 = mac_cache_key(k1, MAC_CACHE_KIND_DOMAIN, s1, longname,
                       MAC_CACHE_NAME_MAX);
    is_int(n1, MAC_CACHE_KEY_MAX, "a name of the longest kept length");
    /* memcache: tag "mailautoconf:" (13) + hex + NUL within 254 bytes. */
    ok(13 + 2 * MAC_CACHE_KEY_MAX + 1 < 250, "memcache/redis keys fit");
}


static apr_pool_t *pool;

static int get(mac_front_t *f, const char *k, apr_time_t now,
               const char **rec, const char **doc, apr_size_t *dlen)
{
    const void *r, *d;
    apr_size_t rl, dl;
    int hit = mac_front_get(f, pool, (const unsigned char *)k, strlen(k),
                            now, &r, &rl, &d, &dl);

    if (hit) {
        *rec = apr_pstrmemdup(pool, r, rl);
        *doc = d ? apr_pstrmemdup(pool, d, dl) : NULL;
        if (dlen) {
            *dlen = dl;
        }
    }
    return hit;
}

static int put(mac_front_t *f, const char *k, const char *rec,
               const char *doc, apr_time_t expires)
{
    return mac_front_put(f, (const unsigned char *)k, strlen(k), rec,
                         strlen(rec), doc, doc ? strlen(doc) : 0, expires);
}

static void test_front(void)
{
    mac_front_t *f;
    mac_front_stats_t st;
    const char *rec = NULL, *doc = NULL;
    char *big;
    apr_size_t dlen = 99;

    ok(mac_front_create(&f, pool, 3) == APR_SUCCESS, "front cache made");
    ok(!get(f, "a", 10, &rec, &doc, NULL), "empty: a miss");
    ok(put(f, "a", "rec-a", "doc-a", 100), "put a");
    ok(get(f, "a", 99, &rec, &doc, &dlen), "a hit before expiry");
    is_str(rec, "rec-a", "the record");
    is_str(doc, "doc-a", "the document");
    is_int(dlen, 5, "its length");
    ok(!get(f, "a", 100, &rec, &doc, NULL), "a miss at expiry");
    mac_front_stats(f, &st);
    is_int(st.entries, 0, "the expired entry is gone");
    is_int(st.bytes, 0, "and its bytes");

    ok(put(f, "b", "rec-b", NULL, 100), "put without a document");
    ok(get(f, "b", 1, &rec, &doc, NULL) && doc == NULL, "no document");
    ok(put(f, "b", "rec-b2", "doc-b", 100), "replaced with one");
    ok(get(f, "b", 1, &rec, &doc, NULL), "hit");
    is_str(rec, "rec-b2", "the new record");
    is_str(doc, "doc-b", "the new document");
    mac_front_stats(f, &st);
    is_int(st.entries, 1, "one entry for one key");

    /* LRU: c, d, then b is used, e pushes out the least recent (c). */
    put(f, "c", "rec-c", NULL, 100);
    put(f, "d", "rec-d", NULL, 100);
    ok(get(f, "b", 1, &rec, &doc, NULL), "b used");
    put(f, "e", "rec-e", NULL, 100);
    ok(!get(f, "c", 1, &rec, &doc, NULL), "the least recently used went");
    ok(get(f, "b", 1, &rec, &doc, NULL) && get(f, "d", 1, &rec, &doc, NULL)
       && get(f, "e", 1, &rec, &doc, NULL), "the others stay");
    mac_front_stats(f, &st);
    is_int(st.entries, 3, "at most three");
    is_int(st.evictions, 1, "one eviction");
    ok(st.bytes > 0 && st.bytes < 3 * 200, "bytes counted (%lu)",
       (unsigned long)st.bytes);

    big = apr_palloc(pool, MAC_FRONT_MAX_BYTES + 1);
    memset(big, 'x', MAC_FRONT_MAX_BYTES);
    big[MAC_FRONT_MAX_BYTES] = '\0';
    ok(!put(f, "big", "rec", big, 100), "a block over 4 KiB is refused");
    ok(!get(f, "big", 1, &rec, &doc, NULL), "and not kept");
    big[MAC_FRONT_MAX_BYTES - 200] = '\0';
    ok(put(f, "big", "rec", big, 100), "one under 4 KiB is kept");
    ok(!mac_front_put(f, (const unsigned char *)"", 0, "r", 1, NULL, 0, 100),
       "an empty key is refused");
}

/* Threads putting and getting the same few keys. */
static mac_front_t *shared;
static void *APR_THREAD_FUNC worker(apr_thread_t *t, void *data)
{
    apr_pool_t *p;
    int i, n = (int)(apr_uintptr_t)data, bad = 0;

    apr_pool_create(&p, NULL);
    for (i = 0; i < 20000; i++) {
        char k[16], v[32];
        const void *r, *d;
        apr_size_t rl, dl;

        apr_snprintf(k, sizeof(k), "k%d", (i * 7 + n) % 50);
        apr_snprintf(v, sizeof(v), "value of %s", k);
        if (i % 3 == 0) {
            mac_front_put(shared, (unsigned char *)k, strlen(k), v,
                          strlen(v), v, strlen(v), APR_INT64_MAX);
        }
        else if (mac_front_get(shared, p, (unsigned char *)k, strlen(k), 1,
                               &r, &rl, &d, &dl)
                 && (rl != strlen(v) || memcmp(r, v, rl) != 0
                     || dl != rl || memcmp(d, v, dl) != 0)) {
            bad++;
        }
        if (i % 1000 == 0) {
            apr_pool_clear(p);
        }
    }
    apr_pool_destroy(p);
    apr_thread_exit(t, bad ? APR_EGENERAL : APR_SUCCESS);
    return NULL;
}

static void test_front_threads(void)
{
    apr_thread_t *th[4];
    apr_status_t rv, all = APR_SUCCESS;
    int i;

    mac_front_create(&shared, pool, 20);
    for (i = 0; i < 4; i++) {
        apr_thread_create(&th[i], NULL, worker, (void *)(apr_uintptr_t)i,
                          pool);
    }
    for (i = 0; i < 4; i++) {
        apr_thread_join(&rv, th[i]);
        if (rv != APR_SUCCESS) {
            all = rv;
        }
    }
    ok(all == APR_SUCCESS, "4 threads: every hit gave its own key's value");
}

int main(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);
    plan_no_plan();
    test_keys();
    test_front();
    test_front_threads();
    apr_terminate();
    return done_testing();
}
