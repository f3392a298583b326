/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: the keys of the shared caches of answers.
 *
 * Answers the module looks up elsewhere (database domains today) are kept
 * in httpd's shared object cache (mod_socache: shmcb on one machine,
 * memcache or redis for several), which the glue wraps generically: a
 * kind and a name give a key, the key gives a record or nothing.  This
 * file makes the keys and keeps the per-child front cache; the records
 * have formats of their own (mac_row.h for database rows).
 *
 * Depends on APR and APR-util only.
 */
#ifndef MAC_CACHE_H
#define MAC_CACHE_H

#include <apr_pools.h>
#include <apr_time.h>

/* One key layout for every kind of answer the module keeps in a shared
 * cache (database domains today; per-address answers could be another
 * kind):
 *
 *   bytes 0..3   the first bytes of the SHA-1 of the name: shmcb picks its
 *                sub-cache from an id's first byte, so a fixed first byte
 *                would crowd every entry into one of them; and it compares
 *                the id looked up with every entry of that sub-cache, from
 *                the start, so ids that differ early are told apart at
 *                their first bytes
 *   byte 4       the kind (a letter)
 *   byte 5       the key layout's version, '2'
 *   bytes 6..13  the scope: a digest of what the answer depends on besides
 *                the name (the query and its database), so that servers
 *                with the same settings share entries and others never do
 *   then         the name as given (lower-case it first) when at most
 *                MAC_CACHE_NAME_MAX bytes, else '#' and its SHA-1
 *
 * At most MAC_CACHE_KEY_MAX bytes: memcache and redis keys are the hex
 * of the id after a short tag, and must stay under 250 bytes. */
#define MAC_CACHE_SCOPE_LEN 8
#define MAC_CACHE_NAME_MAX  96
#define MAC_CACHE_HEAD_LEN  6   /* the hash bytes, kind and version */
#define MAC_CACHE_KEY_MAX   (MAC_CACHE_HEAD_LEN + MAC_CACHE_SCOPE_LEN \
                             + MAC_CACHE_NAME_MAX)

typedef enum {
    MAC_CACHE_KIND_DOMAIN = 'D',
    MAC_CACHE_KIND_USER   = 'U',    /* per-address answers (mac_user.h) */
    MAC_CACHE_KIND_USER_DOC = 'T'   /* a document made for an address */
} mac_cache_kind_e;

/* The scope digest of some text (e.g. "driver\nparams\nquery"). */
void mac_cache_scope(const char *text, apr_size_t len,
                     unsigned char scope[MAC_CACHE_SCOPE_LEN]);

/* Write the key of name into buf (MAC_CACHE_KEY_MAX bytes); returns its
 * length. */
apr_size_t mac_cache_key(unsigned char *buf, mac_cache_kind_e kind,
                         const unsigned char scope[MAC_CACHE_SCOPE_LEN],
                         const char *name, apr_size_t len);

/* ---- The per-child front cache ------------------------------------
 *
 * A small LRU in front of the shared cache, for the answers a child gives
 * again and again: per key, a copy of a record and of a rendered document
 * in one malloc'd block (no pool), at most MAC_FRONT_MAX_BYTES in all.
 * Thread-safe (one mutex); a hit copies the value out, so no entry is
 * ever held.  Only what was found (positive answers) goes here, so a flood
 * of unknown names never pushes anything out. */
#define MAC_FRONT_MAX_BYTES 4096

typedef struct mac_front_t mac_front_t;

/* At most max_entries entries, freed with p. */
apr_status_t mac_front_create(mac_front_t **f, apr_pool_t *p,
                              unsigned max_entries);

/* Keep copies of rec and doc (doc may be NULL) under key until expires,
 * replacing what key had.  Returns 0 when the block would be larger than
 * MAC_FRONT_MAX_BYTES (nothing is kept then), else 1. */
int mac_front_put(mac_front_t *f, const unsigned char *key, apr_size_t klen,
                  const void *rec, apr_size_t rlen, const void *doc,
                  apr_size_t dlen, apr_time_t expires);

/* On a hit not expired at now: copies of the record and of the document
 * (NULL, 0 when none) in p, and 1; else 0. */
int mac_front_get(mac_front_t *f, apr_pool_t *p, const unsigned char *key,
                  apr_size_t klen, apr_time_t now, const void **rec,
                  apr_size_t *rlen, const void **doc, apr_size_t *dlen);

/* Entries held, the bytes their blocks take, and totals since creation. */
typedef struct {
    unsigned      entries;
    apr_size_t    bytes;
    unsigned long hits, misses, evictions;
} mac_front_stats_t;
void mac_front_stats(mac_front_t *f, mac_front_stats_t *st);

#endif /* MAC_CACHE_H */
