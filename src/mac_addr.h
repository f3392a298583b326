/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: email addresses, domains and host names.
 *
 * Addresses are accepted in the form clients really send: a dot-atom local
 * part (RFC 5322 atext, ASCII) and a domain of LDH labels.  Internationalised
 * domains are accepted in A-label form (xn--...) only; a UTF-8 domain is
 * refused with a message saying so.  Limits follow RFC 5321: local part at
 * most 64 octets, domain at most 253, whole address at most 254.
 *
 * Depends on APR only.
 */
#ifndef MAC_ADDR_H
#define MAC_ADDR_H

#include <apr_pools.h>

#define MAC_LOCAL_MAX    64
#define MAC_DOMAIN_MAX   253   /* without a trailing dot */
#define MAC_LABEL_MAX    63
#define MAC_ADDRESS_MAX  254

typedef struct {
    const char *address;   /* local@domain, domain lower-cased */
    const char *local;     /* as given (case preserved) */
    const char *domain;    /* lower case */
} mac_addr_t;

/* Parse and validate an address of len bytes (it may contain NULs, which
 * are refused).  On success fills *out from p and returns NULL; otherwise
 * returns a short static reason, safe to log and to show (it never contains
 * the input). */
const char *mac_addr_parse(apr_pool_t *p, const char *s, apr_size_t len,
                           mac_addr_t *out);

/* Validate a domain name: LDH labels, at least two labels, no trailing dot,
 * A-labels allowed.
 * Returns NULL or a static reason. */
const char *mac_domain_check(const char *s, apr_size_t len);

/* Validate a host name for a mail server: a domain name as above (a single
 * label such as "localhost" is allowed), or an IPv4 / bracketless IPv6
 * literal.  Returns NULL or a static reason. */
const char *mac_host_check(const char *s, apr_size_t len);

/* Lower-case copy from p. */
char *mac_strlower(apr_pool_t *p, const char *s, apr_size_t len);

#endif /* MAC_ADDR_H */
