/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * Unit tests for src/mac_cache.[ch]: the per-child cache of database
 * answers.  Hits and misses, expiry at the boundary, negative (NULL)
 * entries, replacement, LRU eviction order and the statistics, entries
 * held by a reference outliving their eviction (their value is read after
 * the eviction: AddressSanitizer or valgrind would report a use after
 * free), value pools freed exactly once, and a threaded stress run.
 *
 * Whether a value pool is freed is seen through a cleanup registered on
 * it that counts (atomically: pools are destroyed from any thread).
 *
 * Environment: MAC_CACHE_STRESS_MS sets the stress run's length
 * (default 1000 ms).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_atomic.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>
#include <apr_time.h>

#include "tap.h"
#include "mac_cache.h"

static apr_pool_t *pool;

/* ------------------------------------------------------------- values */

/* A value as the module stores one: allocated from its own pool, which
 * counts its destruction. */
typedef struct {
    unsigned    magic;
    const char *key;
    const char *text;
    volatile apr_uint32_t *freed;   /* incremented when the pool goes */
} value_t;

#define VALUE_MAGIC 0x5eed1e55u

static apr_status_t count_free(void *data)
{
    value_t *v = data;

    /* Poison it, so a stale reader sees garbage (and a checker sees the
     * read of freed memory). */
    v->magic = 0xdeadbeefu;
    apr_atomic_inc32(v->freed);
    return APR_SUCCESS;
}

static value_t *new_value(apr_pool_t **vp, const char *key, const char *text,
                          volatile apr_uint32_t *freed)
{
    value_t *v;

    if (mac_cache_pool(vp) != APR_SUCCESS) {
        return NULL;
    }
    v = apr_pcalloc(*vp, sizeof(*v));
    v->magic = VALUE_MAGIC;
    v->key = apr_pstrdup(*vp, key);
    v->text = apr_pstrdup(*vp, text);
    v->freed = freed;
    apr_pool_cleanup_register(*vp, v, count_free, apr_pool_cleanup_null);
    return v;
}

/* put KEY -> a new value with TEXT; returns the value, and the entry (with
 * its reference) in *ep, or releases it when ep is NULL. */
static value_t *put_text(mac_cache_t *c, const char *key, const char *text,
                         apr_time_t expires, volatile apr_uint32_t *freed,
                         mac_cache_entry_t **ep)
{
    apr_pool_t *vp;
    value_t *v = new_value(&vp, key, text, freed);
    mac_cache_entry_t *e = mac_cache_put(c, key, v, vp, expires);

    if (!e) {
        return NULL;
    }
    if (ep) {
        *ep = e;
    }
    else {
        mac_cache_release(c, e);
    }
    return v;
}

/* Text of KEY's value at now ("(negative)", or NULL on a miss); the
 * reference is given back at once. */
static const char *get_text(mac_cache_t *c, const char *key, apr_time_t now)
{
    void *val = (void *)1;
    mac_cache_entry_t *e = mac_cache_get(c, key, now, &val);
    const char *text;

    if (!e) {
        return NULL;
    }
    if (val == NULL) {
        text = "(negative)";
    }
    else {
        value_t *v = val;
        text = v->magic == VALUE_MAGIC ? apr_pstrdup(pool, v->text)
                                       : "(poisoned value)";
    }
    mac_cache_release(c, e);
    return text;
}

static mac_cache_stats_t stats(mac_cache_t *c)
{
    mac_cache_stats_t st;

    memset(&st, 0xff, sizeof(st));
    mac_cache_stats(c, &st);
    return st;
}

/* Expected entries, hits, misses and evictions, all at once. */
static void is_stats(mac_cache_t *c, unsigned entries, unsigned long hits,
                     unsigned long misses, unsigned long evictions,
                     const char *what)
{
    mac_cache_stats_t st = stats(c);

    is_int(st.entries, entries, apr_psprintf(pool, "%s: entries", what));
    is_int(st.hits, hits, apr_psprintf(pool, "%s: hits", what));
    is_int(st.misses, misses, apr_psprintf(pool, "%s: misses", what));
    is_int(st.evictions, evictions,
           apr_psprintf(pool, "%s: evictions", what));
}

static mac_cache_t *new_cache(apr_pool_t **cp, unsigned max)
{
    mac_cache_t *c = NULL;

    apr_pool_create(cp, pool);
    ok(mac_cache_create(&c, *cp, max) == APR_SUCCESS && c != NULL,
       "mac_cache_create(max %u)", max);
    return c;
}

/* -------------------------------------------------------------- tests */

static void test_basic(void)
{
    apr_pool_t *cp;
    mac_cache_t *c = new_cache(&cp, 8);
    volatile apr_uint32_t freed = 0;
    mac_cache_entry_t *e;
    void *val = (void *)1;
    value_t *v;

    diag("basic: put, get, miss");
    is_stats(c, 0, 0, 0, 0, "new cache");

    e = mac_cache_get(c, "example.com", 100, &val);
    ok(e == NULL, "miss on an empty cache");
    ok(val == (void *)1, "a miss leaves *val alone");
    is_stats(c, 0, 0, 1, 0, "after a miss");

    v = put_text(c, "example.com", "Example", 1000, &freed, &e);
    ok(v != NULL && e != NULL, "put returns an entry");
    mac_cache_release(c, e);
    is_stats(c, 1, 0, 1, 0, "after a put");

    e = mac_cache_get(c, "example.com", 100, &val);
    ok(e != NULL, "hit");
    ok(val == v, "the hit gives the stored value");
    mac_cache_release(c, e);
    is_str(get_text(c, "example.com", 999), "Example", "hit just before expiry");
    is_stats(c, 1, 2, 1, 0, "after two hits");

    is_str(get_text(c, "Example.com", 100), NULL,
           "keys are compared exactly (the caller lower-cases)");
    is_str(get_text(c, "example.co", 100), NULL, "a prefix of a key misses");
    is_str(get_text(c, "example.com.", 100), NULL, "a longer key misses");
    is_str(get_text(c, "", 100), NULL, "the empty key misses");
    is_stats(c, 1, 2, 5, 0, "misses counted");
    is_int(freed, 0, "nothing freed while cached");

    /* Expiry: expires <= now is expired. */
    is_str(get_text(c, "example.com", 1000), NULL,
           "miss at exactly the expiry time");
    is_stats(c, 0, 2, 6, 0, "the expired entry is dropped on the get "
             "(not counted as an eviction)");
    is_int(freed, 1, "its pool is freed (no one held it)");
    is_str(get_text(c, "example.com", 999), NULL,
           "gone for good: an earlier time does not bring it back");

    apr_pool_destroy(cp);
}

static void test_negative(void)
{
    apr_pool_t *cp;
    mac_cache_t *c = new_cache(&cp, 4);
    volatile apr_uint32_t freed = 0;
    mac_cache_entry_t *e;
    void *val = (void *)1;

    diag("negative entries");
    e = mac_cache_put(c, "unknown.test", NULL, NULL, 500);
    ok(e != NULL, "put of a NULL value without a pool");
    mac_cache_release(c, e);

    e = mac_cache_get(c, "unknown.test", 499, &val);
    ok(e != NULL, "a negative entry is a hit");
    ok(val == NULL, "with a NULL value");
    if (e) {
        mac_cache_release(c, e);
    }
    is_stats(c, 1, 1, 0, 0, "negative hit counted as a hit");
    is_str(get_text(c, "unknown.test", 500), NULL,
           "a negative entry expires like any other");
    is_stats(c, 0, 1, 1, 0, "and is dropped");

    /* Negative replaced by positive and back. */
    e = mac_cache_put(c, "flip.test", NULL, NULL, 900);
    mac_cache_release(c, e);
    put_text(c, "flip.test", "now known", 900, &freed, NULL);
    is_str(get_text(c, "flip.test", 1), "now known",
           "negative replaced by a value");
    e = mac_cache_put(c, "flip.test", NULL, NULL, 900);
    mac_cache_release(c, e);
    is_int(freed, 1, "the replaced value's pool is freed");
    is_str(get_text(c, "flip.test", 1), "(negative)",
           "value replaced by a negative entry");
    is_int(stats(c).entries, 1, "one entry for the key throughout");

    apr_pool_destroy(cp);
}

static void test_replace(void)
{
    apr_pool_t *cp;
    mac_cache_t *c = new_cache(&cp, 4);
    volatile apr_uint32_t freed = 0;
    mac_cache_entry_t *old_e, *e;
    value_t *old_v;
    void *val;

    diag("replace");
    put_text(c, "a.test", "one", 1000, &freed, NULL);
    put_text(c, "a.test", "two", 1000, &freed, NULL);
    is_str(get_text(c, "a.test", 1), "two", "the later put wins");
    is_int(freed, 1, "the replaced value is freed at once (not held)");
    is_stats(c, 1, 1, 0, 0, "replacing is not an eviction, one entry");

    /* Replace while a request holds the old value. */
    old_e = mac_cache_get(c, "a.test", 1, &val);
    old_v = val;
    ok(old_e != NULL, "hold the current value");
    put_text(c, "a.test", "three", 1000, &freed, NULL);
    is_int(freed, 1, "the held, replaced value is not freed");
    ok(old_v->magic == VALUE_MAGIC && strcmp(old_v->text, "two") == 0,
       "the held value is still readable after the replacement");
    is_str(get_text(c, "a.test", 1), "three", "new readers get the new value");
    mac_cache_release(c, old_e);
    is_int(freed, 2, "releasing the replaced value frees it");

    /* A longer and a shorter expiry replace each other as well. */
    put_text(c, "a.test", "short", 10, &freed, NULL);
    is_str(get_text(c, "a.test", 10), NULL,
           "a replacement's own (earlier) expiry applies");

    /* Two references on the same entry. */
    put_text(c, "b.test", "shared", 1000, &freed, &e);
    {
        void *v1, *v2;
        mac_cache_entry_t *e1 = mac_cache_get(c, "b.test", 1, &v1);
        mac_cache_entry_t *e2 = mac_cache_get(c, "b.test", 1, &v2);
        apr_uint32_t before;

        ok(e1 == e && e2 == e && v1 == v2, "two gets share the entry");
        put_text(c, "b.test", "other", 1000, &freed, NULL);
        before = freed;
        mac_cache_release(c, e);
        mac_cache_release(c, e1);
        is_int(freed, before, "still held once: not freed");
        ok(((value_t *)v2)->magic == VALUE_MAGIC
           && strcmp(((value_t *)v2)->text, "shared") == 0,
           "the last holder still reads the value");
        mac_cache_release(c, e2);
        is_int(freed, before + 1, "the last release frees it, once");
    }

    apr_pool_destroy(cp);
}

static void test_lru(void)
{
    apr_pool_t *cp;
    mac_cache_t *c = new_cache(&cp, 3);
    volatile apr_uint32_t freed = 0;

    diag("LRU eviction at capacity 3");
    put_text(c, "a", "A", 1000, &freed, NULL);
    put_text(c, "b", "B", 1000, &freed, NULL);
    put_text(c, "c", "C", 1000, &freed, NULL);
    is_stats(c, 3, 0, 0, 0, "full");

    /* Order now (most recent first): c b a.  Touch a: a c b. */
    is_str(get_text(c, "a", 1), "A", "touch a");
    put_text(c, "d", "D", 1000, &freed, NULL);   /* evicts b: d a c */
    is_stats(c, 3, 1, 0, 1, "one eviction, still 3 entries");
    is_int(freed, 1, "the evicted value is freed");
    is_str(get_text(c, "b", 1), NULL, "b, the least recently used, went");
    /* get order: c (-> c d a), a (-> a c d), d (-> d a c) */
    is_str(get_text(c, "c", 1), "C", "c stayed");
    is_str(get_text(c, "a", 1), "A", "a (recently used) stayed");
    is_str(get_text(c, "d", 1), "D", "d is there");

    put_text(c, "e", "E", 1000, &freed, NULL);   /* evicts c: e d a */
    is_str(get_text(c, "c", 1), NULL, "next eviction: c");
    put_text(c, "f", "F", 1000, &freed, NULL);   /* evicts a: f e d */
    is_str(get_text(c, "a", 1), NULL, "then a");
    is_str(get_text(c, "d", 1), "D", "d stayed");   /* d f e */
    put_text(c, "g", "G", 1000, &freed, NULL);   /* evicts e: g d f */
    is_str(get_text(c, "e", 1), NULL, "then e (d was touched)");
    is_str(get_text(c, "f", 1), "F", "f stayed");
    is_str(get_text(c, "g", 1), "G", "g is there");
    is_stats(c, 3, 7, 4, 4, "after four evictions");
    is_int(freed, 4, "four values freed");

    /* A negative get of an absent key does not disturb the order; a
     * replaced key moves to the front. */
    put_text(c, "d", "D2", 1000, &freed, NULL);  /* d g f (f is LRU) */
    put_text(c, "h", "H", 1000, &freed, NULL);   /* evicts f */
    is_str(get_text(c, "f", 1), NULL, "a replaced key moved to the front, "
           "so f went");
    is_str(get_text(c, "d", 1), "D2", "d kept its new value");

    apr_pool_destroy(cp);
    is_int(freed, 9, "destroying the cache's pool frees every value");
}

static void test_capacity_one(void)
{
    apr_pool_t *cp;
    mac_cache_t *c = new_cache(&cp, 0);
    volatile apr_uint32_t freed = 0;

    diag("capacity 0 means 1");
    put_text(c, "x", "X", 1000, &freed, NULL);
    is_str(get_text(c, "x", 1), "X", "one entry is kept");
    put_text(c, "y", "Y", 1000, &freed, NULL);
    is_str(get_text(c, "x", 1), NULL, "a second evicts the first");
    is_str(get_text(c, "y", 1), "Y", "the second is kept");
    is_stats(c, 1, 2, 1, 1, "capacity 1");
    apr_pool_destroy(cp);
}

static void test_held_eviction(void)
{
    apr_pool_t *cp;
    mac_cache_t *c = new_cache(&cp, 2);
    volatile apr_uint32_t freed = 0;
    mac_cache_entry_t *held, *got;
    value_t *v;
    void *val;
    apr_uint32_t before;
    int i;

    diag("an entry held by a reference survives eviction");
    v = put_text(c, "held.test", "held value", 1000, &freed, &held);
    /* Also a second reference through get. */
    got = mac_cache_get(c, "held.test", 1, &val);
    ok(got == held && val == v, "second reference");

    for (i = 0; i < 5; i++) {
        put_text(c, apr_psprintf(pool, "filler%d.test", i), "filler", 1000,
                 &freed, NULL);
    }
    is_str(get_text(c, "held.test", 1), NULL,
           "the held entry was evicted from the cache");
    is_int(stats(c).evictions, 4, "evictions counted");
    is_int(freed, 3, "evicted fillers freed; the held value is not");
    /* Read through the pointer after the eviction: a use after free here
     * would be reported by ASan or valgrind. */
    is_int(v->magic, VALUE_MAGIC, "held value intact after eviction");
    is_str(v->text, "held value", "held value readable after eviction");
    is_str(v->key, "held.test", "held key readable after eviction");

    mac_cache_release(c, got);
    is_int(freed, 3, "one of two references released: still alive");
    is_str(v->text, "held value", "still readable");
    mac_cache_release(c, held);
    is_int(freed, 4, "the last release of a dropped entry frees its pool");

    /* Same for an entry dropped because it expired while held. */
    v = put_text(c, "exp.test", "expiring", 50, &freed, &held);
    before = freed;
    is_str(get_text(c, "exp.test", 50), NULL, "expired on get while held");
    is_int(freed, before, "the expired, held value is not freed yet");
    is_str(v->text, "expiring", "and still readable");
    mac_cache_release(c, held);
    is_int(freed, before + 1, "freed on release");

    /* A new value under the key of a held, replaced entry is independent. */
    v = put_text(c, "k.test", "first", 1000, &freed, &held);
    before = freed;
    put_text(c, "k.test", "second", 1000, &freed, NULL);
    is_int(freed, before, "the held, replaced value is not freed");
    is_str(get_text(c, "k.test", 1), "second", "new value for the key");
    is_str(v->text, "first", "the held old value is unchanged");
    mac_cache_release(c, held);
    is_int(freed, before + 1, "old value freed on release");
    is_str(get_text(c, "k.test", 1), "second",
           "releasing the old entry leaves the new one alone");

    apr_pool_destroy(cp);
}

/* ------------------------------------------------------------- stress */

#define STRESS_THREADS 8
#define STRESS_KEYS    64
#define STRESS_MAX     16

typedef struct {
    mac_cache_t  *c;
    apr_time_t    until;
    unsigned      seed;
    volatile apr_uint32_t *created, *freed, *bad;
    unsigned long ops, gets, hits, puts;
} stress_t;

static unsigned next_rand(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return (*s >> 16) & 0x7fff;
}

static void *APR_THREAD_FUNC stress_thread(apr_thread_t *t, void *data)
{
    stress_t *st = data;
    mac_cache_entry_t *held[4] = { NULL, NULL, NULL, NULL };
    value_t *held_v[4] = { NULL, NULL, NULL, NULL };
    char key[32];
    int i;

    while (apr_time_now() < st->until) {
        unsigned r = next_rand(&st->seed);
        unsigned k = next_rand(&st->seed) % STRESS_KEYS;
        int slot = (int)(r % 4);
        apr_time_t now = 1000 + (apr_time_t)(next_rand(&st->seed) % 100);

        snprintf(key, sizeof(key), "k%u.test", k);
        st->ops++;
        if (r % 8 < 5) {
            void *val = NULL;
            mac_cache_entry_t *e = mac_cache_get(st->c, key, now, &val);
            st->gets++;
            if (e) {
                st->hits++;
                if (val) {
                    value_t *v = val;
                    if (v->magic != VALUE_MAGIC || strcmp(v->key, key) != 0
                        || strncmp(v->text, key, strlen(key)) != 0) {
                        apr_atomic_inc32(st->bad);
                    }
                }
                /* Keep some references a while, like a slow request. */
                if (held[slot]) {
                    if (held_v[slot] && held_v[slot]->magic != VALUE_MAGIC) {
                        apr_atomic_inc32(st->bad);
                    }
                    mac_cache_release(st->c, held[slot]);
                }
                held[slot] = e;
                held_v[slot] = val;
            }
        }
        else if (r % 8 < 7) {
            apr_pool_t *vp;
            value_t *v;
            mac_cache_entry_t *e;
            char text[64];
            /* expiry 1000..1099: some answers are already expired */
            apr_time_t expires = 1000 + (apr_time_t)(next_rand(&st->seed)
                                                     % 100);

            snprintf(text, sizeof(text), "%s by %lu", key, st->ops);
            v = new_value(&vp, key, text, st->freed);
            apr_atomic_inc32(st->created);
            e = mac_cache_put(st->c, key, v, vp, expires);
            st->puts++;
            if (!e) {
                apr_atomic_inc32(st->bad);
                continue;
            }
            mac_cache_release(st->c, e);
        }
        else {
            /* negative answer */
            mac_cache_entry_t *e = mac_cache_put(st->c, key, NULL, NULL,
                                                 now + 50);
            st->puts++;
            if (e) {
                mac_cache_release(st->c, e);
            }
        }
    }
    for (i = 0; i < 4; i++) {
        if (held[i]) {
            if (held_v[i] && held_v[i]->magic != VALUE_MAGIC) {
                apr_atomic_inc32(st->bad);
            }
            mac_cache_release(st->c, held[i]);
        }
    }
    /* Returning (rather than apr_thread_exit(), which unwinds through
     * pthread_exit) keeps AddressSanitizer's stack checks quiet; the
     * thread's pool goes with the parent pool. */
    (void)t;
    return NULL;
}

static void test_stress(void)
{
    apr_pool_t *cp;
    mac_cache_t *c = new_cache(&cp, STRESS_MAX);
    apr_thread_t *threads[STRESS_THREADS];
    stress_t st[STRESS_THREADS];
    volatile apr_uint32_t created = 0, freed = 0, bad = 0;
    const char *ms_env = getenv("MAC_CACHE_STRESS_MS");
    long ms = ms_env ? atol(ms_env) : 1000;
    unsigned long ops = 0, gets = 0, hits = 0, puts = 0;
    mac_cache_stats_t s;
    int i, started = 0;

    if (ms <= 0) {
        ms = 1000;
    }
    diag("stress: %d threads, %ld ms, %d keys, capacity %d", STRESS_THREADS,
         ms, STRESS_KEYS, STRESS_MAX);
    for (i = 0; i < STRESS_THREADS; i++) {
        memset(&st[i], 0, sizeof(st[i]));
        st[i].c = c;
        st[i].until = apr_time_now() + apr_time_from_msec(ms);
        st[i].seed = 12345u + 7919u * (unsigned)i;
        st[i].created = &created;
        st[i].freed = &freed;
        st[i].bad = &bad;
        if (apr_thread_create(&threads[i], NULL, stress_thread, &st[i], pool)
            == APR_SUCCESS) {
            started++;
        }
        else {
            threads[i] = NULL;
        }
    }
    is_int(started, STRESS_THREADS, "all threads started");
    for (i = 0; i < STRESS_THREADS; i++) {
        apr_status_t trv;
        if (threads[i]) {
            apr_thread_join(&trv, threads[i]);
        }
        ops += st[i].ops;
        gets += st[i].gets;
        hits += st[i].hits;
        puts += st[i].puts;
    }
    diag("stress: %lu operations (%lu gets, %lu hits, %lu puts)", ops, gets,
         hits, puts);
    ok(ops > 1000, "the threads did work (%lu operations)", ops);
    ok(hits > 0 && hits < gets, "both hits and misses happened");
    is_int(bad, 0, "every value read matched its key and was intact");

    s = stats(c);
    ok(s.entries <= STRESS_MAX, "never more than capacity at the end (%u)",
       s.entries);
    is_int(s.hits, hits, "hits counted by the cache = hits seen");
    is_int(s.hits + s.misses, gets, "hits + misses = gets");
    ok(s.evictions > 0, "evictions happened (%lu)", s.evictions);
    ok(freed <= created, "no value freed twice so far (%u of %u)",
       (unsigned)freed, (unsigned)created);
    {
        /* Values still cached: each entry holds one of ours or a
         * negative (no value_t). */
        apr_uint32_t live = created - freed;
        ok(live <= s.entries,
           "every value not freed is still in the cache (%u live, %u "
           "entries): none leaked", (unsigned)live, s.entries);
    }
    apr_pool_destroy(cp);
    is_int(freed, created, "after the cache is gone every value was freed "
           "exactly once");
}

int main(void)
{
    plan_no_plan();
    apr_initialize();
    apr_pool_create(&pool, NULL);
    apr_atomic_init(pool);

    test_basic();
    test_negative();
    test_replace();
    test_lru();
    test_capacity_one();
    test_held_eviction();
    test_stress();

    apr_pool_destroy(pool);
    apr_terminate();
    return done_testing();
}
