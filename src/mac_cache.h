/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: a bounded, thread-safe cache with expiry.
 *
 * One per child process, shared by its threads: string keys, values owned
 * by a pool of their own that the cache destroys when the entry is gone
 * and no request holds it any more.  A NULL value is a cached "no" (a
 * negative answer), so a flood of unknown keys costs one look-up each per
 * lifetime, not one per request.  When full, the least recently used
 * entry goes; an expired entry goes when it is next asked for.
 *
 * Depends on APR only.
 */
#ifndef MAC_CACHE_H
#define MAC_CACHE_H

#include <apr_pools.h>
#include <apr_time.h>

typedef struct mac_cache_t mac_cache_t;
typedef struct mac_cache_entry_t mac_cache_entry_t;

/* A cache of at most max_entries entries, freed with p. */
apr_status_t mac_cache_create(mac_cache_t **c, apr_pool_t *p,
                              unsigned max_entries);

/* On a hit that has not expired at now: returns the entry with a
 * reference taken (give it back with mac_cache_release) and sets *val
 * (NULL for a negative entry).  On a miss returns NULL. */
mac_cache_entry_t *mac_cache_get(mac_cache_t *c, const char *key,
                                 apr_time_t now, void **val);

/* Store val until expires, replacing what key had.  vpool (may be NULL)
 * holds val and was made by mac_cache_pool(); the cache owns it from now
 * on.  Returns the new entry with a reference taken. */
mac_cache_entry_t *mac_cache_put(mac_cache_t *c, const char *key, void *val,
                                 apr_pool_t *vpool, apr_time_t expires);

/* Give a reference back. */
void mac_cache_release(mac_cache_t *c, mac_cache_entry_t *e);

/* A pool for a value to be stored: unmanaged, so it can live and die
 * independently of any request. */
apr_status_t mac_cache_pool(apr_pool_t **vpool);

/* Entries now held, and totals since creation. */
typedef struct {
    unsigned      entries;
    unsigned long hits, misses, evictions;
} mac_cache_stats_t;
void mac_cache_stats(mac_cache_t *c, mac_cache_stats_t *st);

#endif /* MAC_CACHE_H */
