/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: an append-only output buffer.  See mac_buf.h.
 */
#include <stdarg.h>
#include <string.h>
#include <apr_strings.h>
#define APR_WANT_IOVEC
#include <apr_want.h>
#include "mac_buf.h"
#include "mac_escape.h"

void mac_buf_init(mac_buf_t *b, apr_pool_t *p)
{
    b->p = p;
    b->v = apr_array_make(p, 64, sizeof(struct iovec));
}

void mac_buf_addn(mac_buf_t *b, const char *s, apr_size_t n)
{
    struct iovec *io;

    if (!s || n == 0) {
        return;
    }
    io = apr_array_push(b->v);
    io->iov_base = (void *)s;
    io->iov_len = n;
}

void mac_buf_add(mac_buf_t *b, const char *s)
{
    if (s) {
        mac_buf_addn(b, s, strlen(s));
    }
}

void mac_buf_addf(mac_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    s = apr_pvsprintf(b->p, fmt, ap);
    va_end(ap);
    mac_buf_add(b, s);
}

void mac_buf_add_xml(mac_buf_t *b, const char *s)
{
    apr_size_t n;
    char *e;

    if (s) {
        e = mac_xml_escape(b->p, s, strlen(s), &n);
        mac_buf_addn(b, e, n);
    }
}

void mac_buf_add_json(mac_buf_t *b, const char *s)
{
    apr_size_t n;
    char *e;

    if (!s) {
        mac_buf_addn(b, "null", 4);
        return;
    }
    e = mac_json_escape(b->p, s, strlen(s), &n);
    mac_buf_addn(b, "\"", 1);
    mac_buf_addn(b, e, n);
    mac_buf_addn(b, "\"", 1);
}

apr_size_t mac_buf_len(const mac_buf_t *b)
{
    const struct iovec *io = (const struct iovec *)b->v->elts;
    apr_size_t n = 0;
    int i;

    for (i = 0; i < b->v->nelts; i++) {
        n += io[i].iov_len;
    }
    return n;
}

char *mac_buf_join(const mac_buf_t *b, apr_size_t *len)
{
    apr_size_t n = 0;
    char *s = apr_pstrcatv(b->p, (const struct iovec *)b->v->elts,
                           (apr_size_t)b->v->nelts, &n);

    if (len) {
        *len = n;
    }
    return s;
}

void mac_buf_add_json_strings(mac_buf_t *b, const apr_array_header_t *a)
{
    int i;

    mac_buf_add(b, "[");
    for (i = 0; a && i < a->nelts; i++) {
        mac_buf_add(b, i ? "," : "");
        mac_buf_add_json(b, APR_ARRAY_IDX(a, i, const char *));
    }
    mac_buf_add(b, "]");
}
