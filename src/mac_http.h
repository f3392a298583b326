/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: small checks of HTTP-level strings.
 *
 * Media types of request bodies, query strings that may be copied into a
 * Location header, printable ASCII that may be shown back on a page,
 * configured URLs, and HOST[:PORT] arguments.
 *
 * Depends on APR only.
 */
#ifndef MAC_HTTP_H
#define MAC_HTTP_H

#include <apr_pools.h>

/* Is the Content-Type one an XML request body may come with?  The media
 * type (before any ';' parameters, without surrounding white space) must
 * be text/xml, application/xml or application/soap+xml, in any letter
 * case; NULL (no header) is accepted, as some clients send none. */
int mac_media_type_xml(const char *content_type);

/* May the (raw, still escaped) query string be copied into a redirect's
 * Location as it is?  Only URL-safe ASCII passes. */
int mac_query_safe(const char *args);

/* Printable ASCII of at most max bytes. */
int mac_printable_ascii(const char *s, apr_size_t len, apr_size_t max);

/* A configured URL: http:// or https:// (https_only: https:// only), at
 * most 2048 bytes of valid UTF-8 without spaces or control characters.
 * Returns NULL or a message. */
const char *mac_url_check(apr_pool_t *p, const char *url, int https_only);

/* "HOST" or "HOST:PORT" (an IPv6 literal in brackets keeps its colons).
 * Returns NULL with *host set (and *port, 0 when absent), or a message. */
const char *mac_hostport_parse(apr_pool_t *p, const char *arg,
                               const char **host, int *port);

#endif /* MAC_HTTP_H */
