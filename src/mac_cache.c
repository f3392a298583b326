/*
 * mod_mailautoconf: a bounded, thread-safe cache.  See mac_cache.h.
 */
#include <string.h>
#include <apr_hash.h>
#include <apr_sha1.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>
#include "mac_cache.h"

struct mac_cache_entry_t {
    mac_cache_entry_t *prev, *next;  /* LRU list, most recent first */
    char              *key;
    void              *val;
    apr_pool_t        *pool;         /* owns key, val; unmanaged */
    apr_time_t         expires;
    unsigned           refs;         /* requests holding it */
    int                linked;       /* still in the cache */
};

struct mac_cache_t {
    apr_thread_mutex_t *lock;
    apr_hash_t         *index;       /* key -> entry, keys live in entries */
    mac_cache_entry_t  *head, *tail;
    unsigned            count, max;
    unsigned long       hits, misses, evictions;
};

static void unlink_entry(mac_cache_t *c, mac_cache_entry_t *e)
{
    if (e->prev) {
        e->prev->next = e->next;
    }
    else {
        c->head = e->next;
    }
    if (e->next) {
        e->next->prev = e->prev;
    }
    else {
        c->tail = e->prev;
    }
    e->prev = e->next = NULL;
}

static void push_front(mac_cache_t *c, mac_cache_entry_t *e)
{
    e->prev = NULL;
    e->next = c->head;
    if (c->head) {
        c->head->prev = e;
    }
    c->head = e;
    if (!c->tail) {
        c->tail = e;
    }
}

/* Take e out of the cache; free it unless a request still holds it. */
static void drop(mac_cache_t *c, mac_cache_entry_t *e)
{
    unlink_entry(c, e);
    apr_hash_set(c->index, e->key, APR_HASH_KEY_STRING, NULL);
    c->count--;
    e->linked = 0;
    if (e->refs == 0) {
        apr_pool_destroy(e->pool);
    }
}

static apr_status_t cache_cleanup(void *data)
{
    mac_cache_t *c = data;

    while (c->head) {
        mac_cache_entry_t *e = c->head;
        e->refs = 0;
        drop(c, e);
    }
    return APR_SUCCESS;
}

apr_status_t mac_cache_create(mac_cache_t **cp, apr_pool_t *p,
                              unsigned max_entries)
{
    mac_cache_t *c = apr_pcalloc(p, sizeof(*c));
    apr_status_t rv;

    rv = apr_thread_mutex_create(&c->lock, APR_THREAD_MUTEX_DEFAULT, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    c->index = apr_hash_make(p);
    c->max = max_entries ? max_entries : 1;
    apr_pool_cleanup_register(p, c, cache_cleanup, apr_pool_cleanup_null);
    *cp = c;
    return APR_SUCCESS;
}

apr_status_t mac_cache_pool(apr_pool_t **vpool)
{
    return apr_pool_create_unmanaged_ex(vpool, NULL, NULL);
}

mac_cache_entry_t *mac_cache_get(mac_cache_t *c, const char *key,
                                 apr_time_t now, void **val)
{
    mac_cache_entry_t *e;

    apr_thread_mutex_lock(c->lock);
    e = apr_hash_get(c->index, key, APR_HASH_KEY_STRING);
    if (e && e->expires <= now) {
        drop(c, e);
        e = NULL;
    }
    if (e) {
        e->refs++;
        unlink_entry(c, e);
        push_front(c, e);
        *val = e->val;
        c->hits++;
    }
    else {
        c->misses++;
    }
    apr_thread_mutex_unlock(c->lock);
    return e;
}

mac_cache_entry_t *mac_cache_put(mac_cache_t *c, const char *key, void *val,
                                 apr_pool_t *vpool, apr_time_t expires)
{
    mac_cache_entry_t *e, *old;
    apr_pool_t *pool = vpool;

    if (!pool && mac_cache_pool(&pool) != APR_SUCCESS) {
        return NULL;
    }
    e = apr_pcalloc(pool, sizeof(*e));
    e->key = apr_pstrdup(pool, key);
    e->val = val;
    e->pool = pool;
    e->expires = expires;
    e->refs = 1;
    e->linked = 1;

    apr_thread_mutex_lock(c->lock);
    if ((old = apr_hash_get(c->index, key, APR_HASH_KEY_STRING)) != NULL) {
        drop(c, old);
    }
    while (c->count >= c->max) {
        /* The least recently used entry; constant time, so a flood of
         * new keys costs no scan. */
        drop(c, c->tail);
        c->evictions++;
    }
    apr_hash_set(c->index, e->key, APR_HASH_KEY_STRING, e);
    push_front(c, e);
    c->count++;
    apr_thread_mutex_unlock(c->lock);
    return e;
}

void mac_cache_release(mac_cache_t *c, mac_cache_entry_t *e)
{
    int destroy;

    apr_thread_mutex_lock(c->lock);
    destroy = --e->refs == 0 && !e->linked;
    apr_thread_mutex_unlock(c->lock);
    if (destroy) {
        apr_pool_destroy(e->pool);
    }
}

void mac_cache_stats(mac_cache_t *c, mac_cache_stats_t *st)
{
    apr_thread_mutex_lock(c->lock);
    st->entries = c->count;
    st->hits = c->hits;
    st->misses = c->misses;
    st->evictions = c->evictions;
    apr_thread_mutex_unlock(c->lock);
}

/* ---- Shared cache keys ------------------------------------------- */

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
    apr_size_t n = 3 + MAC_CACHE_SCOPE_LEN;

    sha1_of(name, len, digest);
    buf[0] = digest[0];
    buf[1] = (unsigned char)kind;
    buf[2] = '1';
    memcpy(buf + 3, scope, MAC_CACHE_SCOPE_LEN);
    if (len <= MAC_CACHE_NAME_MAX) {
        memcpy(buf + n, name, len);
        return n + len;
    }
    buf[n++] = '#';
    memcpy(buf + n, digest, APR_SHA1_DIGESTSIZE);
    return n + APR_SHA1_DIGESTSIZE;
}
