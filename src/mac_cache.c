/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: the keys of the shared caches.  See mac_cache.h.
 */
#include <string.h>
#include <apr_sha1.h>
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
