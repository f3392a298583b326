/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: documents built from pieces.  See mac_out.h.
 */
#include <stdarg.h>
#include <string.h>
#include <apr_strings.h>
#define APR_WANT_IOVEC
#include <apr_want.h>
#include "mac_out.h"
#include "mac_escape.h"

void mac_out_init(mac_out_t *o, apr_pool_t *p)
{
    o->p = p;
    o->parts = apr_array_make(p, 256, sizeof(struct iovec));
}

void mac_out_n(mac_out_t *o, const char *s, apr_size_t n)
{
    struct iovec *v;

    if (s && n) {
        v = apr_array_push(o->parts);
        v->iov_base = (void *)s;
        v->iov_len = n;
    }
}

void mac_out_s(mac_out_t *o, const char *s)
{
    if (s) {
        mac_out_n(o, s, strlen(s));
    }
}

void mac_out_f(mac_out_t *o, const char *fmt, ...)
{
    va_list ap;
    const char *s;

    va_start(ap, fmt);
    s = apr_pvsprintf(o->p, fmt, ap);
    va_end(ap);
    mac_out_s(o, s);
}

void mac_out_html(mac_out_t *o, const char *s)
{
    apr_size_t n = 0;
    const char *e;

    if (s) {
        e = mac_xml_escape(o->p, s, strlen(s), &n);
        mac_out_n(o, e, n);
    }
}

void mac_out_json(mac_out_t *o, const char *s)
{
    apr_size_t n = 0;
    const char *e;

    if (!s) {
        mac_out_s(o, "null");
        return;
    }
    e = mac_json_escape(o->p, s, strlen(s), &n);
    mac_out_s(o, "\"");
    mac_out_n(o, e, n);
    mac_out_s(o, "\"");
}

void mac_out_json_strings(mac_out_t *o, const apr_array_header_t *a)
{
    int i;

    mac_out_s(o, "[");
    for (i = 0; a && i < a->nelts; i++) {
        mac_out_s(o, i ? "," : "");
        mac_out_json(o, APR_ARRAY_IDX(a, i, const char *));
    }
    mac_out_s(o, "]");
}

char *mac_out_done(mac_out_t *o, apr_size_t *len)
{
    apr_size_t n = 0;
    char *s = apr_pstrcatv(o->p, (const struct iovec *)o->parts->elts,
                           (apr_size_t)o->parts->nelts, &n);

    if (len) {
        *len = n;
    }
    return s;
}
