/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: an append-only output buffer on a pool.
 *
 * The renderers (Thunderbird, Apple profile and page, status page) write
 * their documents as a list of pieces joined once at the end, which costs
 * one copy of each piece instead of one per append.  Pieces are not
 * copied when added: a piece must live at least as long as the buffer's
 * pool (string constants, or strings from that pool or a parent).
 *
 * Depends on APR only.
 */
#ifndef MAC_BUF_H
#define MAC_BUF_H

#include <apr_pools.h>
#include <apr_tables.h>

typedef struct {
    apr_pool_t         *p;       /* for the pieces made by the helpers */
    apr_array_header_t *v;       /* struct iovec */
} mac_buf_t;

/* Start an empty buffer whose pieces and result come from p. */
void mac_buf_init(mac_buf_t *b, apr_pool_t *p);

/* Append s[0..n); NULL or n == 0 appends nothing. */
void mac_buf_addn(mac_buf_t *b, const char *s, apr_size_t n);

/* Append a NUL-terminated string; NULL appends nothing. */
void mac_buf_add(mac_buf_t *b, const char *s);

/* Append a formatted string (apr_psprintf's format). */
void mac_buf_addf(mac_buf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Append s escaped for XML/HTML text or attribute values
 * (mac_xml_escape); NULL appends nothing. */
void mac_buf_add_xml(mac_buf_t *b, const char *s);

/* Append s as a JSON string with its quotes (mac_json_escape), or null
 * when s is NULL. */
void mac_buf_add_json(mac_buf_t *b, const char *s);

/* Append a JSON array of the strings of a (const char *; NULL or empty:
 * []), each as mac_buf_add_json writes it. */
void mac_buf_add_json_strings(mac_buf_t *b, const apr_array_header_t *a);

/* Number of bytes appended so far. */
apr_size_t mac_buf_len(const mac_buf_t *b);

/* The pieces joined into one NUL-terminated string from the buffer's
 * pool; *len (may be NULL) receives its length.  The buffer may be
 * appended to and joined again afterwards. */
char *mac_buf_join(const mac_buf_t *b, apr_size_t *len);

#endif /* MAC_BUF_H */
