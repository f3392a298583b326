/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * Exact-size pool allocations for sanitizer builds.
 *
 * APR pools carve allocations out of 8 KiB blocks, so AddressSanitizer
 * only notices an overflow that leaves the whole block: writing one byte
 * past a 20-byte apr_palloc() goes unseen.  Linked with
 *
 *     -Wl,--wrap=apr_palloc  fuzz/fuzz_pool.c
 *
 * every call to apr_palloc() (and to the apr_pcalloc() macro, which
 * expands to it) made by the objects being linked -- the src/ library, a
 * harness, a unit test -- goes to __wrap_apr_palloc() instead: one
 * malloc() of exactly the requested size, freed by a cleanup when the pool
 * is cleared or destroyed.  Calls made inside libapr itself (apr_pstrdup,
 * apr_psprintf, apr_array_push, ...) are not affected; only the library's
 * own buffers get redzones, which is where its hand-written size
 * arithmetic lives (escaping, document filling, percent-decoding, ...).
 *
 * Used by fuzz/Makefile for every harness and by scripts/sanitize.sh for
 * the C unit tests.  Not for the httpd module.
 */
#include <stdlib.h>

#include <apr_pools.h>

void *__real_apr_palloc(apr_pool_t *p, apr_size_t size);
void *__wrap_apr_palloc(apr_pool_t *p, apr_size_t size);

static apr_status_t exact_free(void *block)
{
    free(block);
    return APR_SUCCESS;
}

void *__wrap_apr_palloc(apr_pool_t *p, apr_size_t size)
{
    /* malloc(0) may return NULL; a 1-byte block keeps the "never NULL"
     * contract of apr_palloc and still traps a read of the second byte. */
    void *block = malloc(size ? size : 1);

    if (block == NULL) {
        abort();
    }
    /* The cleanup record itself comes from the real pool (libapr's
     * internal call is not wrapped), so there is no recursion. */
    apr_pool_cleanup_register(p, block, exact_free, apr_pool_cleanup_null);
    return block;
}
