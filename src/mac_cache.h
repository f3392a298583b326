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

/* ---- Keys of a shared object cache (httpd's mod_socache) ----------
 *
 * One key layout for every kind of answer the module keeps in a shared
 * cache (database domains today; per-address answers could be another
 * kind):
 *
 *   byte 0       a byte of the SHA-1 of the name: shmcb picks its
 *                sub-cache from an id's first byte, so a fixed first byte
 *                would crowd every entry into one of them
 *   byte 1       the kind (a letter)
 *   byte 2       the key layout's version, '1'
 *   bytes 3..10  the scope: a digest of what the answer depends on besides
 *                the name (the query and its database), so that servers
 *                with the same settings share entries and others never do
 *   then         the name as given (lower-case it first) when at most
 *                MAC_CACHE_NAME_MAX bytes, else '#' and its SHA-1
 *
 * At most MAC_CACHE_KEY_MAX bytes: memcache and redis keys are the hex
 * of the id after a short tag, and must stay under 250 bytes. */
#define MAC_CACHE_SCOPE_LEN 8
#define MAC_CACHE_NAME_MAX  96
#define MAC_CACHE_KEY_MAX   (3 + MAC_CACHE_SCOPE_LEN + MAC_CACHE_NAME_MAX)

typedef enum {
    MAC_CACHE_KIND_DOMAIN = 'D'
} mac_cache_kind_e;

/* The scope digest of some text (e.g. "driver\nparams\nquery"). */
void mac_cache_scope(const char *text, apr_size_t len,
                     unsigned char scope[MAC_CACHE_SCOPE_LEN]);

/* Write the key of name into buf (MAC_CACHE_KEY_MAX bytes); returns its
 * length. */
apr_size_t mac_cache_key(unsigned char *buf, mac_cache_kind_e kind,
                         const unsigned char scope[MAC_CACHE_SCOPE_LEN],
                         const char *name, apr_size_t len);

#endif /* MAC_CACHE_H */
