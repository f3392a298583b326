/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: small checks of HTTP-level strings.  See mac_http.h.
 */
#include <string.h>
#include <strings.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include "mac_http.h"
#include "mac_account.h"
#include "mac_addr.h"
#include "mac_escape.h"

int mac_media_type_xml(const char *ct)
{
    static const char *const xml_types[] = {
        "text/xml", "application/xml", "application/soap+xml"
    };
    apr_size_t len, i;

    if (!ct) {
        return 1;
    }
    while (*ct == ' ' || *ct == '\t') {
        ct++;
    }
    len = strcspn(ct, ";");
    while (len > 0 && (ct[len - 1] == ' ' || ct[len - 1] == '\t')) {
        len--;
    }
    for (i = 0; i < sizeof(xml_types) / sizeof(xml_types[0]); i++) {
        if (strlen(xml_types[i]) == len
            && strncasecmp(ct, xml_types[i], len) == 0) {
            return 1;
        }
    }
    return 0;
}

int mac_query_safe(const char *s)
{
    for (; *s; s++) {
        if (!apr_isalnum(*s) && !strchr("-._~%!$&'()*+,;=:@/?", *s)) {
            return 0;
        }
    }
    return 1;
}

int mac_printable_ascii(const char *s, apr_size_t len, apr_size_t max)
{
    apr_size_t i;

    if (len > max) {
        return 0;
    }
    for (i = 0; i < len; i++) {
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7F) {
            return 0;
        }
    }
    return 1;
}

const char *mac_url_check(apr_pool_t *p, const char *url, int https_only)
{
    apr_size_t len = strlen(url);
    int https = strncasecmp(url, "https://", 8) == 0;

    if ((!https && strncasecmp(url, "http://", 7) != 0)
        || len > 2048 || mac_has_ctl(url, len) || strchr(url, ' ')
        || !mac_utf8_valid(url, len)) {
        return apr_psprintf(p, "'%s' is not an http:// or https:// URL "
                            "without spaces or control characters",
                            len > 2048 ? "(more than 2048 bytes)" : url);
    }
    if (https_only && !https) {
        return apr_psprintf(p, "'%s' is not an https:// URL", url);
    }
    return NULL;
}

const char *mac_hostport_parse(apr_pool_t *p, const char *arg,
                               const char **host, int *port)
{
    const char *colon = strrchr(arg, ':');
    const char *h = arg, *end, *why;

    *port = 0;
    if (arg[0] == '[') {
        /* [IPv6]:PORT or [IPv6] */
        if ((end = strchr(arg, ']')) == NULL
            || (end[1] != '\0' && end[1] != ':')) {
            return apr_psprintf(p, "'%s' is not [ADDRESS] or "
                                "[ADDRESS]:PORT", arg);
        }
        h = apr_pstrmemdup(p, arg + 1, (apr_size_t)(end - arg - 1));
        colon = end[1] == ':' ? end + 1 : NULL;
    }
    else if (colon && strchr(arg, ':') != colon) {
        colon = NULL;          /* a bare IPv6 address: no port */
    }
    else if (colon) {
        h = apr_pstrmemdup(p, arg, (apr_size_t)(colon - arg));
    }
    if (colon && mac_parse_port(p, colon + 1, port) != NULL) {
        return apr_psprintf(p, "'%s' has no valid port after the colon",
                            arg);
    }
    if ((why = mac_host_check(h, strlen(h))) != NULL) {
        return apr_psprintf(p, "'%s': %s", arg, why);
    }
    *host = h;
    return NULL;
}
