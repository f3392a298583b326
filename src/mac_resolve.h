/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: a small stub resolver for the status page's DNS check.
 *
 * Built on glibc's libresolv (res_nmkquery, res_nsend, ns_initparse): it
 * is part of the C library every Debian system has, it is reentrant when
 * each caller has its own res_state, and a res_state's name server
 * address, port, timeout and number of tries can be set, which is what
 * pointing the check at a test server needs.  No other DNS library is
 * linked.
 *
 * A resolver either uses the system's configuration (/etc/resolv.conf) or
 * one IPv4 name server at ADDRESS:PORT.  Every query has a timeout of
 * MAC_RESOLVE_TIMEOUT seconds and MAC_RESOLVE_TRIES tries; search lists
 * are not applied (names are absolute).
 *
 * Depends on APR and libresolv.
 */
#ifndef MAC_RESOLVE_H
#define MAC_RESOLVE_H

#include <apr_pools.h>
#include <apr_tables.h>

#define MAC_RESOLVE_TIMEOUT 2
#define MAC_RESOLVE_TRIES   2

typedef enum {
    MAC_RES_FOUND = 0,  /* records of the type were found */
    MAC_RES_NODATA,     /* the name exists but has no record of the type */
    MAC_RES_NXDOMAIN,   /* the name does not exist */
    MAC_RES_NOANSWER,   /* no reply in time, or the server unreachable */
    MAC_RES_FAILED      /* SERVFAIL, REFUSED, a malformed reply, ... */
} mac_res_status_e;

typedef struct mac_resolver_t mac_resolver_t;

/* "ADDRESS" or "ADDRESS:PORT" (IPv4 dotted quad, port 1..65535, default
 * 53) into *addr and *port.  NULL on success, else why not (no value
 * echoed). */
const char *mac_resolver_parse(apr_pool_t *p, const char *spec,
                               const char **addr, int *port);

/* A resolver living as long as p.  addr NULL: the system's
 * configuration.  NULL and *why set when it cannot be set up. */
mac_resolver_t *mac_resolver_create(apr_pool_t *p, const char *addr,
                                    int port, const char **why);

/* Records of TYPE ("A", "AAAA", "CNAME", "MX", "SRV", "TXT") at NAME
 * (with or without the trailing dot).  With MAC_RES_FOUND, *found (from
 * p) holds the RDATA of each record of that type in the answer section
 * in zone-file form: addresses as inet_ntop writes them, names lower case
 * and absolute ("host.example.com."), "PRIO WEIGHT PORT TARGET." for SRV,
 * "PREF HOST." for MX, and for TXT the character-strings joined, bytes
 * outside printable ASCII and '"' '\' written as \DDD.  *why (may be
 * NULL) gets a short reason for FAILED/NOANSWER. */
mac_res_status_e mac_resolve(mac_resolver_t *res, apr_pool_t *p,
                             const char *name, const char *type,
                             apr_array_header_t **found, const char **why);

/* The RDATA of one record of type (an ns_t_* value) in the message
 * msg[0..msglen) at rdata[0..rdlen), as mac_resolve() writes it; NULL
 * when it is malformed or the type is not one of those above.  For tests
 * and mac_resolve(). */
const char *mac_rdata_text(apr_pool_t *p, const unsigned char *msg,
                           apr_size_t msglen, int type,
                           const unsigned char *rdata, apr_size_t rdlen);

#endif /* MAC_RESOLVE_H */
