/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: query strings.
 *
 * Parameters are looked up by name (ASCII, case-insensitive: clients send
 * "emailaddress", "Email", "EmailAddress"), after percent-decoding the
 * name, so that "email%61ddress" is "emailaddress".  A parameter given
 * twice, under any spelling, is an error, never a silent first- or
 * last-wins; so is a malformed percent escape in the value asked for or
 * in any parameter's name.  Decoding is APR's apr_unescape_url.  Decoded values may contain any byte, NUL included, and are
 * returned with their length: callers validate them.
 *
 * Depends on APR only.
 */
#ifndef MAC_QUERY_H
#define MAC_QUERY_H

#include <apr_pools.h>

typedef enum {
    MAC_Q_ABSENT = 0,
    MAC_Q_OK,
    MAC_Q_DUPLICATE,   /* the name occurs more than once */
    MAC_Q_BAD_ESCAPE   /* a '%' not followed by two hex digits */
} mac_q_status_e;

#define MAC_Q_PLUS_IS_SPACE 1   /* HTML form encoding: '+' means ' ' */

/* Look up name in args (the raw query string, may be NULL).  On MAC_Q_OK,
 * *val is a NUL-terminated decoded copy from p and *len its length. */
mac_q_status_e mac_query_get(apr_pool_t *p, const char *args,
                             const char *name, int flags,
                             const char **val, apr_size_t *len);

/* Percent-decode s[0..len) into a copy from p.  Returns NULL on a malformed
 * escape. */
char *mac_unescape(apr_pool_t *p, const char *s, apr_size_t len, int flags,
                   apr_size_t *outlen);

#endif /* MAC_QUERY_H */
