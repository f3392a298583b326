/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: the status page's DNS and certificate check.
 *
 * For each served domain of each virtual host, every record mac_dns.h
 * advises is looked up (through a caller-given resolve function, normally
 * mac_resolve.h) and compared with what was found:
 *
 *   published    a record of the type with the advised value is there
 *                (other records of that type may be there too);
 *   missing      the name does not exist (NXDOMAIN) or has no record of
 *                that type;
 *   different    records of the type are there, none with the advised
 *                value (what was found is shown);
 *   no_answer    the resolver did not answer in time or was unreachable;
 *   error        the resolver answered with an error (SERVFAIL, REFUSED,
 *                a malformed reply);
 *   not_checked  not asked: the bound on queries was reached, or an
 *                earlier query got no answer (then the resolver is taken
 *                as unreachable for the rest of the check, so a dead
 *                resolver costs one timeout, not one per record);
 *   advice       an advisory entry of mac_dns.h: nothing to look up.
 *
 * Values are compared after normalisation: names (CNAME, MX and SRV
 * targets) case-insensitively and absolute, blanks collapsed, IPv4/IPv6
 * addresses in their canonical form; TXT values exactly, a zone-file
 * quoted value ("a" "b") taken as its joined strings.  The same (name,
 * type) is asked once per check.
 *
 * For each domain, autoconfig.<domain> and autodiscover.<domain> are
 * probed with TLS (through a caller-given function, normally
 * mac_tlsprobe.h) at the address given for the virtual host: covered /
 * not_covered (with the certificate's names and expiry) / failed (with the
 * reason) / not_checked (bound on probes reached, or an earlier probe of
 * the same address timed out: then that address is not tried again).
 *
 * Rendering: an HTML section (id "check") for the status page, and a JSON
 * value for its "check" member; both escape every value with
 * mac_escape.h.  Without a check the HTML section only offers the links
 * that run one, and the JSON value is null.
 *
 * HTML ids: "check", "check-vhost-N" (N as the status page's vhost-N),
 * "check-vhost-N-dns-M", "check-vhost-N-tls-M" (M: the domain, from 1);
 * each record row has class "verdict-<verdict>" and data-verdict.
 *
 * JSON:
 *   {"checked":"RFC 3339", "resolver":"…", "from_cache":true|false,
 *    "queries":N, "max_queries":N, "probes":N, "max_probes":N,
 *    "cut":true|false,
 *    "resolver_unreachable":true|false,
 *    "vhosts":[{"index":N, "server_name":"…"|null, "tls_address":"…"|null,
 *      "domains":[{"domain":"…",
 *        "records":[{"name":"…","type":"…"|null,"advised":"…"|null,
 *                    "comment":"…","verdict":"published",
 *                    "found":["…"],"note":"…"|null}],
 *        "tls":[{"name":"…","verdict":"covered","not_after":"RFC 3339"|null,
 *                "expired":true|false,"certificate_names":"…"|null,
 *                "error":"…"|null}]}]}]}
 *
 * Depends on APR.
 */
#ifndef MAC_CHECK_H
#define MAC_CHECK_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>
#include "mac_account.h"
#include "mac_resolve.h"
#include "mac_tlsprobe.h"

typedef enum {
    MAC_V_PUBLISHED = 0,
    MAC_V_MISSING,
    MAC_V_DIFFERENT,
    MAC_V_NO_ANSWER,
    MAC_V_ERROR,
    MAC_V_NOT_CHECKED,
    MAC_V_ADVICE,
    MAC_V_COUNT
} mac_verdict_e;

typedef enum {
    MAC_TLS_COVERED = 0,
    MAC_TLS_NOT_COVERED,
    MAC_TLS_FAILED,
    MAC_TLS_NOT_CHECKED,
    MAC_TLS_COUNT
} mac_tls_verdict_e;

typedef struct {
    const char   *name;       /* owner name, absolute */
    const char   *type;       /* NULL for advice */
    const char   *advised;    /* advised RDATA, NULL for advice */
    const char   *comment;
    mac_verdict_e verdict;
    const apr_array_header_t *found;  /* const char *, may be NULL */
    const char   *note;       /* e.g. "no such name (NXDOMAIN)" */
} mac_check_rr_t;

typedef struct {
    const char       *name;   /* autoconfig.<domain> */
    mac_tls_verdict_e verdict;
    mac_tls_result_t  res;
} mac_check_tls_t;

typedef struct {
    const char         *domain;
    apr_array_header_t *records;  /* mac_check_rr_t */
    apr_array_header_t *tls;      /* mac_check_tls_t */
} mac_check_domain_t;

typedef struct {
    int                 index;        /* the status page's vhost-N */
    const char         *server_name;
    const char         *tls_address;  /* "ADDR:PORT" probed, or NULL */
    apr_array_header_t *domains;      /* mac_check_domain_t */
} mac_check_vhost_t;

typedef struct {
    apr_time_t          checked;
    const char         *resolver;     /* for display */
    int                 from_cache;   /* set by the caller when reused */
    int                 queries, max_queries, cut, unreachable;
    int                 probes, max_probes;
    apr_array_header_t *vhosts;       /* mac_check_vhost_t */
} mac_check_t;

/* What to check for one virtual host. */
typedef struct {
    int                  index;       /* vhost-N */
    const char          *server_name;
    const mac_account_t *acct;
    int                  https_port;
    const char          *tls_addr;    /* address to probe; NULL: no probe */
    int                  tls_port;
} mac_check_input_t;

typedef mac_res_status_e (*mac_check_resolve_fn)(void *ctx, apr_pool_t *p,
                                                 const char *name,
                                                 const char *type,
                                                 apr_array_header_t **found,
                                                 const char **why);
typedef void (*mac_check_probe_fn)(void *ctx, apr_pool_t *p,
                                   const char *addr, int port,
                                   const char *name, mac_tls_result_t *out);

/* "published", "missing", … / "covered", … (the JSON values). */
const char *mac_verdict_name(mac_verdict_e v);
const char *mac_tls_verdict_name(mac_tls_verdict_e v);

/* 1 when the found RDATA equals the advised one for type. */
int mac_check_same(apr_pool_t *p, const char *type, const char *advised,
                   const char *found);

/* The verdict for an advised record from a lookup's outcome. */
mac_verdict_e mac_check_verdict(apr_pool_t *p, const char *type,
                                const char *advised, mac_res_status_e st,
                                const apr_array_header_t *found);

/* Run the check over inputs (mac_check_input_t) at time now. */
mac_check_t *mac_check_run(apr_pool_t *p, const apr_array_header_t *inputs,
                           int max_queries, int max_probes,
                           mac_check_resolve_fn resolve, void *rctx,
                           mac_check_probe_fn probe, void *pctx,
                           const char *resolver_label, apr_time_t now);

/* The HTML section; c NULL: only the links that run a check.  inputs
 * (mac_check_input_t, may be NULL): the virtual hosts the page lists, for
 * the links that check one of them ("?check=N"). */
char *mac_check_html(apr_pool_t *p, const mac_check_t *c,
                     const apr_array_header_t *inputs);

/* The JSON value ("null" when c is NULL). */
char *mac_check_json(apr_pool_t *p, const mac_check_t *c);

/* The status page's query string.  Accepted (each word at most once,
 * joined with '&', in any order):
 *   (none)                    the page
 *   json                      the JSON object
 *   check | check=N           the page with a check of every virtual host
 *                             / of virtual host N only (1..nvhosts)
 *   check&json, check=N&json  the JSON object with the check
 *   metrics                   the Prometheus text exposition (alone)
 * Returns 0 and fills the flags, or -1 for anything else. */
typedef struct {
    int json;
    int check;      /* 1: run the check */
    int scope;      /* 0: every virtual host, else its number */
    int metrics;
} mac_status_query_t;

int mac_status_query_parse(const char *args, int nvhosts,
                           mac_status_query_t *q);

#endif /* MAC_CHECK_H */
