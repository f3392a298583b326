/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: the status page, like mod_status' server-status.
 *
 * Two renderings of the same content: an HTML5 page for a browser (no
 * script, no external resource, a small inline style sheet, readable on a
 * phone) and a JSON object for monitoring.  Both show the module version,
 * when the configuration was loaded and the uptime, request counters per
 * endpoint and outcome, and per virtual host its names, where it was
 * defined, its domains, servers, login-name template, display names, the
 * URL of each endpoint with a sample request, the problems found in its
 * configuration (and a warning when it answers over plain HTTP without
 * redirecting to HTTPS), and per domain the DNS records to publish
 * (mac_dns.h).  Virtual hosts are listed in the order given.
 *
 * Layout: readable from 320 pixels wide up, with nothing wider than the
 * window: below 40rem the tables become one block per row, each value
 * labelled (data-label); URLs break only after "/" and before "?" and "&"
 * (<wbr/>); DNS records wrap with a hanging indent; the keyboard focus
 * ring has at least 3:1 contrast against the page.
 *
 * Every value is escaped for the output language; values that go into
 * URLs are percent-encoded first (the sample address test@<first domain>
 * as a query value; bytes that can never appear in a URL, such as quotes,
 * angle brackets, blanks and non-ASCII, in base_url and profile_path).
 * Sample links are made only when base_url starts with http:// or
 * https://; other configuration URLs (documentation, ActiveSync) are shown
 * as text, never as links.  The HTML page is also well-formed XML, and the
 * DNS records appear per domain as a <pre> block of mac_dns_zone_text().
 * Sections have stable ids for scripts and tests: "version", "started",
 * "uptime", "counters" (the table), "vhost-N" (N from 1), and within it
 * "vhost-N-problems", "vhost-N-servers", "vhost-N-endpoints",
 * "vhost-N-dns", "vhost-N-dns-M"; sample links have class "sample" and
 * data-endpoint="<endpoint key>"; URLs are in <code class="url">.
 *
 * JSON layout:
 *   {"version":"…", "started":"RFC 3339", "now":"RFC 3339",
 *    "uptime_seconds":N,
 *    "counters":{"thunderbird":{"served":N,"redirected":N,"not_found":N,
 *                               "bad_request":N,"error":N,"total":N},…},
 *    "database_queries":N (only when a server uses a database),
 *    "cache_mutex":"fcntl" (the mechanism of the shmcb caches' lock, when
 *                           there is one),
 *    "vhosts":[{"server_name":"…", "aliases":["…"], "defined_at":"…",
 *      "base_url":"…"|null, "https_port":N, "domains":["…"],
 *      "servers":[{"protocol":"imap","host":"…","port":N,"socket":"ssl",
 *                  "auth":"password-cleartext"}],
 *      "login_template":"…", "display_name":"…"|null,
 *      "short_name":"…"|null, "documentation":{"url":"…","text":"…"|null}|null,
 *      "profile_path":"…"|null, "profile_signed":true|false,
 *      "activesync_url":"…"|null, "https_redirect":"…"|null,
 *      "endpoints":{"thunderbird":"URL",…}, "samples":{"thunderbird":"URL",…},
 *      "problems":["…"],   (as mac_status_problems)
 *      "dns":{"example.com":[{"name":"…","type":"…"|null,
 *                             "value":"…"|null,"comment":"…"}]}}]}
 * Endpoint keys: thunderbird, autodiscover, autodiscover-json and, when a
 * profile path is set, mobileconfig.  "samples" is present only with a
 * domain.  Strings that are NULL in the input are null.
 *
 * Depends on APR only.
 */
#ifndef MAC_STATUS_H
#define MAC_STATUS_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>
#include "mac_account.h"

typedef enum {
    MAC_OUT_SERVED = 0,       /* 1xx, 2xx, 304 Not Modified */
    MAC_OUT_REDIRECTED,       /* other 3xx (e.g. to HTTPS) */
    MAC_OUT_NOT_FOUND,
    MAC_OUT_BAD_REQUEST,
    MAC_OUT_ERROR,
    MAC_OUT_COUNT
} mac_outcome_e;

typedef struct {
    const char *name;     /* endpoint name: "thunderbird", "autodiscover",
                           * "autodiscover-json", "mobileconfig" (asking
                           * for a profile), "mobileconfig-page" (the
                           * page without parameters) */
    unsigned long counts[MAC_OUT_COUNT];
} mac_status_counter_t;

typedef struct {
    const char *server_name;    /* ServerName */
    const char *aliases;        /* ServerAlias list joined by spaces, may be
                                 * NULL */
    const char *defined_at;     /* "file:line" */
    const char *base_url;       /* e.g. "https://autoconfig.example.com" or
                                 * "http://host:8080": where the sample
                                 * links point; may be NULL (no links) */
    int https_port;             /* for the DNS records */
    const mac_account_t *acct;
    const char *profile_path;   /* "/email.mobileconfig", may be NULL */
    int profile_signed;
    const char *activesync_url; /* may be NULL */
    const char *https_redirect; /* NULL or the host redirected to */
    const apr_array_header_t *warnings; /* const char *, may be NULL */
} mac_status_vhost_t;

typedef struct {
    apr_time_t started;       /* when the configuration was loaded */
    apr_time_t now;
    const char *version;      /* module version string */
    const apr_array_header_t *vhosts;   /* mac_status_vhost_t, may be NULL */
    const mac_status_counter_t *counters;
    int ncounters;
    int has_database;         /* a server looks domains up in a database */
    unsigned long database_queries;  /* queries since started */
    const char *cache_mutex;  /* the lock of the shmcb caches ("fcntl",
                               * "pthread", …), NULL when none is used */
    const char *extra_html;   /* a pre-rendered section put after the
                               * counters (e.g. mac_check_html()), may be
                               * NULL */
    const char *extra_json;   /* pre-rendered members ("\"check\":…") put
                               * after "counters", may be NULL */
} mac_status_t;

/* Every DNS record the page advises for one domain of a virtual host:
 * those of mac_dns.h, then PACC's and the autoconfig 1.2 additions'
 * (mac_pacc.h).  The live check (mac_check.h) checks the same list. */
apr_array_header_t *mac_status_dns_records(apr_pool_t *p,
                                           const mac_account_t *acct,
                                           const char *domain,
                                           const char *server_name,
                                           int https_port);

/* "served", "redirected", "not_found", "bad_request", "error" (the JSON
 * keys). */
const char *mac_outcome_name(mac_outcome_e outcome);

/* The outcome an HTTP status counts as: below 300 and 304 served, other
 * 3xx redirected, 404 not found, other 4xx bad request, 5xx (and anything
 * else) error. */
mac_outcome_e mac_outcome_of(int http_status);

/* The problems shown for a virtual host: its warnings, then the ones the
 * status page finds itself (plain HTTP without the HTTPS redirect, which
 * Outlook does not use).  An array of const char *, from p. */
apr_array_header_t *mac_status_problems(apr_pool_t *p,
                                        const mac_status_vhost_t *vh);

/* The page / the object, allocated from p; *len (may be NULL) receives
 * the length. */
char *mac_status_html(apr_pool_t *p, const mac_status_t *st, apr_size_t *len);
char *mac_status_json(apr_pool_t *p, const mac_status_t *st, apr_size_t *len);

#endif /* MAC_STATUS_H */
