/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: escaping for the documents it writes.
 *
 * One table-driven function per output language.  XML: & < > " ' become
 * entity or character references; C0 controls other than TAB, LF and CR,
 * DEL, the non-characters U+FFFE and U+FFFF, and bytes that are not part
 * of valid UTF-8 become U+FFFD, since XML 1.0 cannot carry them at all.  JSON: RFC 8259 string escaping, plus
 * < > & as \u escapes so a value is also safe inside HTML.
 *
 * Depends on APR only.
 */
#ifndef MAC_ESCAPE_H
#define MAC_ESCAPE_H

#include <apr_pools.h>

/* Escaped copy of s[0..len) for XML/HTML text and attribute values.
 * *outlen (may be NULL) receives the length. */
char *mac_xml_escape(apr_pool_t *p, const char *s, apr_size_t len,
                     apr_size_t *outlen);

/* Escaped copy for the inside of a JSON string (no quotes added). */
char *mac_json_escape(apr_pool_t *p, const char *s, apr_size_t len,
                      apr_size_t *outlen);

/* 1 when s[0..len) is well-formed UTF-8 (no overlongs, no surrogates,
 * nothing above U+10FFFF), 0 otherwise. */
int mac_utf8_valid(const char *s, apr_size_t len);

/* 1 when s[0..len) has a byte below 0x20 or 0x7f. */
int mac_has_ctl(const char *s, apr_size_t len);

#endif /* MAC_ESCAPE_H */
