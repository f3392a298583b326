/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: which certificate a TLS server presents for a name.
 *
 * Connects to ADDRESS:PORT (IPv4 or IPv6 literal), sends a TLS
 * ClientHello with SNI = the name, and reads the certificate the server
 * presents: whether it covers the name (X509_check_host: subjectAltName
 * DNS entries, wildcards as RFC 6125 allows), its expiry and the names it
 * lists.  The chain is not verified: the question is only which names
 * the server's certificate is for and until when.  Every step (connect,
 * handshake) is bounded by the timeout.
 *
 * Depends on APR and OpenSSL (libssl).
 */
#ifndef MAC_TLSPROBE_H
#define MAC_TLSPROBE_H

#include <apr_pools.h>
#include <apr_time.h>

typedef struct {
    int         ok;         /* 1: a certificate was read */
    int         covered;    /* 1: it covers the name */
    apr_time_t  not_after;  /* its expiry; 0 when unknown */
    const char *names;      /* its DNS names (or subject CN), comma
                             * separated, at most a few hundred bytes */
    const char *error;      /* when !ok: why not, e.g. "connection
                             * refused", "TLS handshake failed" */
    int         timed_out;  /* when !ok: it failed by a timeout */
} mac_tls_result_t;

/* Probe addr:port for name, each step within timeout. */
void mac_tls_probe(apr_pool_t *p, const char *addr, int port,
                   const char *name, apr_interval_time_t timeout,
                   mac_tls_result_t *out);

/* The same checks on a certificate in PEM form (for tests). */
void mac_tls_cert_check(apr_pool_t *p, const char *pem, apr_size_t len,
                        const char *name, mac_tls_result_t *out);

#endif /* MAC_TLSPROBE_H */
