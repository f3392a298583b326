/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: query strings.  See mac_query.h.
 */
#include <string.h>
#include <strings.h>
#include <apr_strings.h>
#include "mac_query.h"

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

char *mac_unescape(apr_pool_t *p, const char *s, apr_size_t len, int flags,
                   apr_size_t *outlen)
{
    char *out = apr_palloc(p, len + 1), *o = out;
    apr_size_t i;

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%') {
            int hi, lo;
            if (i + 2 >= len || (hi = hexval((unsigned char)s[i + 1])) < 0
                || (lo = hexval((unsigned char)s[i + 2])) < 0) {
                return NULL;
            }
            *o++ = (char)(hi * 16 + lo);
            i += 2;
        }
        else if (c == '+' && (flags & MAC_Q_PLUS_IS_SPACE)) {
            *o++ = ' ';
        }
        else {
            *o++ = (char)c;
        }
    }
    *o = '\0';
    if (outlen) {
        *outlen = (apr_size_t)(o - out);
    }
    return out;
}

mac_q_status_e mac_query_get(apr_pool_t *p, const char *args,
                             const char *name, int flags,
                             const char **val, apr_size_t *len)
{
    apr_size_t nlen = strlen(name);
    const char *s = args, *found = NULL, *found_end = NULL;

    if (!args) {
        return MAC_Q_ABSENT;
    }
    while (*s) {
        const char *end = strchr(s, '&');
        const char *eq;
        if (!end) {
            end = s + strlen(s);
        }
        eq = memchr(s, '=', (apr_size_t)(end - s));
        if (!eq) {
            eq = end;
        }
        if ((apr_size_t)(eq - s) == nlen && strncasecmp(s, name, nlen) == 0) {
            if (found) {
                return MAC_Q_DUPLICATE;
            }
            found = eq < end ? eq + 1 : eq;
            found_end = end;
        }
        s = *end ? end + 1 : end;
    }
    if (!found) {
        return MAC_Q_ABSENT;
    }
    *val = mac_unescape(p, found, (apr_size_t)(found_end - found), flags, len);
    return *val ? MAC_Q_OK : MAC_Q_BAD_ESCAPE;
}
