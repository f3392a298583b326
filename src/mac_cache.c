/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: the keys of the shared caches.  See mac_cache.h.
 */
#include <stdlib.h>
#include <string.h>
#include <apr_hash.h>
#include <apr_sha1.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>
#include "mac_cache.h"

static void sha1_of(const char *text, apr_size_t len,
                    unsigned char digest[APR_SHA1_DIGESTSIZE])
{
    apr_sha1_ctx_t ctx;

    apr_sha1_init(&ctx);
    while (len > 0) {
        unsigned int n = len > 65536 ? 65536 : (unsigned int)len;
        apr_sha1_update_binary(&ctx, (const unsigned char *)text, n);
        text += n;
        len -= n;
    }
    apr_sha1_final(digest, &ctx);
}

void mac_cache_scope(const char *text, apr_size_t len,
                     unsigned char scope[MAC_CACHE_SCOPE_LEN])
{
    unsigned char digest[APR_SHA1_DIGESTSIZE];

    sha1_of(text, len, digest);
    memcpy(scope, digest, MAC_CACHE_SCOPE_LEN);
}

apr_size_t mac_cache_key(unsigned char *buf, mac_cache_kind_e kind,
                         const unsigned char scope[MAC_CACHE_SCOPE_LEN],
                         const char *name, apr_size_t len)
{
    unsigned char digest[APR_SHA1_DIGESTSIZE];
    apr_size_t n = MAC_CACHE_HEAD_LEN + MAC_CACHE_SCOPE_LEN;

    sha1_of(name, len, digest);
    memcpy(buf, digest, 4);
    buf[4] = (unsigned char)kind;
    buf[5] = '2';
    memcpy(buf + MAC_CACHE_HEAD_LEN, scope, MAC_CACHE_SCOPE_LEN);
    if (len <= MAC_CACHE_NAME_MAX) {
        memcpy(buf + n, name, len);
        return n + len;
    }
    buf[n++] = '#';
    memcpy(buf + n, digest, APR_SHA1_DIGESTSIZE);
    return n + APR_SHA1_DIGESTSIZE;
}

/* ---- The per-child front cache ----------------------------------- */

typedef struct front_entry_t front_entry_t;
struct front_entry_t {
    front_entry_t *prev, *next;     /* LRU list, most recent first */
    apr_time_t     expires;
    apr_size_t     klen, rlen, dlen, size;
    int            has_doc;
    /* then key, record, document bytes */
};

struct mac_front_t {
    apr_thread_mutex_t *lock;
    apr_hash_t         *index;      /* key bytes (in the entry) -> entry */
    front_entry_t      *head, *tail;
    unsigned            count, max;
    apr_size_t          bytes;
    unsigned long       hits, misses, evictions;
};

#define E_KEY(e) ((unsigned char *)((e) + 1))
#define E_REC(e) (E_KEY(e) + (e)->klen)
#define E_DOC(e) (E_REC(e) + (e)->rlen)

static void f_unlink(mac_front_t *f, front_entry_t *e)
{
    if (e->prev) {
        e->prev->next = e->next;
    }
    else {
        f->head = e->next;
    }
    if (e->next) {
        e->next->prev = e->prev;
    }
    else {
        f->tail = e->prev;
    }
    e->prev = e->next = NULL;
}

static void f_push(mac_front_t *f, front_entry_t *e)
{
    e->prev = NULL;
    e->next = f->head;
    if (f->head) {
        f->head->prev = e;
    }
    f->head = e;
    if (!f->tail) {
        f->tail = e;
    }
}

static void f_drop(mac_front_t *f, front_entry_t *e)
{
    f_unlink(f, e);
    apr_hash_set(f->index, E_KEY(e), e->klen, NULL);
    f->count--;
    f->bytes -= e->size;
    free(e);
}

static apr_status_t front_cleanup(void *data)
{
    mac_front_t *f = data;

    while (f->head) {
        f_drop(f, f->head);
    }
    return APR_SUCCESS;
}

apr_status_t mac_front_create(mac_front_t **fp, apr_pool_t *p,
                              unsigned max_entries)
{
    mac_front_t *f = apr_pcalloc(p, sizeof(*f));
    apr_status_t rv;

    rv = apr_thread_mutex_create(&f->lock, APR_THREAD_MUTEX_DEFAULT, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    f->index = apr_hash_make(p);
    f->max = max_entries ? max_entries : 1;
    apr_pool_cleanup_register(p, f, front_cleanup, apr_pool_cleanup_null);
    *fp = f;
    return APR_SUCCESS;
}

int mac_front_put(mac_front_t *f, const unsigned char *key, apr_size_t klen,
                  const void *rec, apr_size_t rlen, const void *doc,
                  apr_size_t dlen, apr_time_t expires)
{
    apr_size_t size;
    front_entry_t *e, *old;

    if (!doc) {
        dlen = 0;
    }
    size = sizeof(*e) + klen + rlen + dlen;
    if (klen == 0 || klen > MAC_FRONT_MAX_BYTES
        || rlen > MAC_FRONT_MAX_BYTES || dlen > MAC_FRONT_MAX_BYTES
        || size > MAC_FRONT_MAX_BYTES || (e = malloc(size)) == NULL) {
        return 0;
    }
    memset(e, 0, sizeof(*e));
    e->expires = expires;
    e->klen = klen;
    e->rlen = rlen;
    e->dlen = dlen;
    e->size = size;
    e->has_doc = doc != NULL;
    memcpy(E_KEY(e), key, klen);
    if (rlen) {
        memcpy(E_REC(e), rec, rlen);
    }
    if (dlen) {
        memcpy(E_DOC(e), doc, dlen);
    }

    apr_thread_mutex_lock(f->lock);
    if ((old = apr_hash_get(f->index, key, klen)) != NULL) {
        f_drop(f, old);
    }
    while (f->count >= f->max) {
        f_drop(f, f->tail);
        f->evictions++;
    }
    apr_hash_set(f->index, E_KEY(e), klen, e);
    f_push(f, e);
    f->count++;
    f->bytes += size;
    apr_thread_mutex_unlock(f->lock);
    return 1;
}

int mac_front_get(mac_front_t *f, apr_pool_t *p, const unsigned char *key,
                  apr_size_t klen, apr_time_t now, const void **rec,
                  apr_size_t *rlen, const void **doc, apr_size_t *dlen)
{
    front_entry_t *e;

    apr_thread_mutex_lock(f->lock);
    e = apr_hash_get(f->index, key, klen);
    if (e && e->expires <= now) {
        f_drop(f, e);
        e = NULL;
    }
    if (!e) {
        f->misses++;
        apr_thread_mutex_unlock(f->lock);
        return 0;
    }
    f->hits++;
    f_unlink(f, e);
    f_push(f, e);
    *rec = apr_pmemdup(p, E_REC(e), e->rlen ? e->rlen : 1);
    *rlen = e->rlen;
    *doc = e->has_doc ? apr_pmemdup(p, E_DOC(e), e->dlen ? e->dlen : 1)
                      : NULL;
    *dlen = e->dlen;
    apr_thread_mutex_unlock(f->lock);
    return 1;
}

void mac_front_stats(mac_front_t *f, mac_front_stats_t *st)
{
    apr_thread_mutex_lock(f->lock);
    st->entries = f->count;
    st->bytes = f->bytes;
    st->hits = f->hits;
    st->misses = f->misses;
    st->evictions = f->evictions;
    apr_thread_mutex_unlock(f->lock);
}
