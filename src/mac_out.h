/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: a document built from pieces and joined once, with
 * escaping for HTML and JSON through mac_escape.h.
 *
 * Depends on APR.
 */
#ifndef MAC_OUT_H
#define MAC_OUT_H

#include <apr_pools.h>
#include <apr_tables.h>

typedef struct {
    apr_pool_t         *p;
    apr_array_header_t *parts;   /* struct iovec */
} mac_out_t;

void mac_out_init(mac_out_t *o, apr_pool_t *p);

/* s[0..n) / s as it is (NULL and empty add nothing); s must live as long
 * as o's pool. */
void mac_out_n(mac_out_t *o, const char *s, apr_size_t n);
void mac_out_s(mac_out_t *o, const char *s);

__attribute__((format(printf, 2, 3)))
void mac_out_f(mac_out_t *o, const char *fmt, ...);

/* s escaped for HTML text or an attribute value (NULL adds nothing). */
void mac_out_html(mac_out_t *o, const char *s);

/* s as a JSON string with its quotes, or null. */
void mac_out_json(mac_out_t *o, const char *s);

/* An array of strings (const char *, may be NULL: []) as a JSON array. */
void mac_out_json_strings(mac_out_t *o, const apr_array_header_t *a);

/* The joined document; *len (may be NULL) gets its length. */
char *mac_out_done(mac_out_t *o, apr_size_t *len);

#endif /* MAC_OUT_H */
