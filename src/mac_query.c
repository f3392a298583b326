/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: query strings.  See mac_query.h.
 */
#include <string.h>
#include <strings.h>
#include <apr_strings.h>
#include <apr_escape.h>
#include "mac_query.h"

char *mac_unescape(apr_pool_t *p, const char *s, apr_size_t len, int flags,
                   apr_size_t *outlen)
{
    /* apr_unescape_url reads a C string: on a terminated copy, an escape
     * cut by len is malformed, and a raw NUL (which ends its input) is
     * passed through between the runs it decodes. */
    char *in = apr_pstrmemdup(p, s, len);
    char *out = apr_palloc(p, len + 1);
    apr_size_t i = 0, o = 0, n;

    for (;;) {
        apr_size_t run = strlen(in + i);

        if (run > 0) {
            if (apr_unescape_url(out + o, in + i, APR_ESCAPE_STRING, NULL,
                                 NULL, (flags & MAC_Q_PLUS_IS_SPACE) != 0,
                                 &n) == APR_EINVAL) {
                return NULL;
            }
            /* n counts the NUL written after the run; APR_BADCH only
             * says that a %00 was decoded, which values may hold. */
            o += n - 1;
            i += run;
        }
        if (i >= len) {
            break;
        }
        out[o++] = '\0';
        i++;
    }
    out[o] = '\0';
    if (outlen) {
        *outlen = o;
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
        const char *pname = s;
        apr_size_t plen;

        if (!end) {
            end = s + strlen(s);
        }
        eq = memchr(s, '=', (apr_size_t)(end - s));
        if (!eq) {
            eq = end;
        }
        plen = (apr_size_t)(eq - s);
        /* Names are compared decoded: "email%61ddress" is "emailaddress". */
        if (memchr(s, '%', plen) || ((flags & MAC_Q_PLUS_IS_SPACE)
                                     && memchr(s, '+', plen))) {
            if ((pname = mac_unescape(p, s, plen, flags, &plen)) == NULL) {
                return MAC_Q_BAD_ESCAPE;
            }
        }
        if (plen == nlen && strncasecmp(pname, name, nlen) == 0) {
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
