/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: per-address answers.
 *
 * A directory (an SQL table through mod_dbd, or LDAP through mod_ldap)
 * may know an address and say, for that address alone: the login name, the
 * person's display name, the IMAP, POP3 and SMTP hosts, and a redirect
 * (another address, or another Autodiscover URL).  This file holds what
 * does not need httpd:
 *
 *   - the fields and their names (SQL columns, LDAP attribute mapping);
 *   - the checks every value passes before it reaches a document;
 *   - RFC 4515 escaping and the search filter made from an address;
 *   - the account of a known address (the domain's, with its overrides;
 *     an unknown address gets the domain's account unchanged);
 *   - the redirect decision and the guard against loops and long chains;
 *   - the small record an answer is kept as in a shared cache.
 *
 * Record format, version 1 (every length big-endian):
 *
 *   byte 0        MAC_USER_VERSION (1)
 *   bytes 1..8    when the entry was read, seconds since the epoch
 *   then, for each field in mac_user_field_e order:
 *     2 bytes     the value's length N (0: not set)
 *     N bytes     the value, no NUL byte
 *
 * A record read back from a cache server is untrusted: the decoder checks
 * the layout and then every value as a fresh answer is checked.
 *
 * Depends on APR only (and the checks of mac_addr/mac_account/mac_escape).
 */
#ifndef MAC_USER_H
#define MAC_USER_H

#include <apr_pools.h>
#include <apr_time.h>

#include "mac_account.h"

typedef enum {
    MAC_USER_LOGIN_NAME = 0,   /* a literal login name, no placeholder */
    MAC_USER_DISPLAY_NAME,     /* the person's name (Apple profiles) */
    MAC_USER_IMAP_HOST,        /* the host of every server of a protocol */
    MAC_USER_POP3_HOST,
    MAC_USER_SMTP_HOST,
    MAC_USER_REDIRECT_ADDR,    /* the address that has the settings */
    MAC_USER_REDIRECT_URL,     /* another Autodiscover (POX) URL, https */
    MAC_USER_NFIELDS
} mac_user_field_e;

#define MAC_USER_VERSION   1
#define MAC_USER_MAX_VALUE 512
#define MAC_USER_HEADER    9
#define MAC_USER_MAX       (MAC_USER_HEADER \
                            + MAC_USER_NFIELDS * (2 + MAC_USER_MAX_VALUE))

/* How many redirectAddr hops a chain may have: Thunderbird follows at
 * most two redirectAddr answers (ExchangeAutoDiscover.sys.mjs,
 * "++gLoopCounter > 2"), and its counter is never reset, so the module
 * answers the last address of a chain directly: one hop for the client,
 * at most MAC_USER_REDIRECT_MAX in the directory. */
#define MAC_USER_REDIRECT_MAX 2

typedef struct {
    const char *f[MAC_USER_NFIELDS];   /* NULL: the domain's value applies */
    apr_time_t  fetched;               /* whole seconds */
} mac_user_t;

/* The field a column or mapping name stands for (case-insensitive), or
 * -1.  Names: login_name, display_name, imap_host, pop3_host, smtp_host,
 * redirect_addr, redirect_url. */
int mac_user_field(const char *name);
const char *mac_user_field_name(mac_user_field_e f);

/* Set a field from the directory: NULL or empty leaves it unset; a value
 * is copied into p (len bytes; it may contain NULs, which the check
 * refuses). */
void mac_user_set(apr_pool_t *p, mac_user_t *u, mac_user_field_e f,
                  const char *val, apr_size_t len);

/* NULL when every set value is usable, else "field: why". */
const char *mac_user_check(apr_pool_t *p, const mac_user_t *u);

/* Does the entry change anything at all? */
int mac_user_empty(const mac_user_t *u);

/* The account of a known address: base with the login name and hosts
 * the entry overrides, everything else (domains listed, order, ports)
 * as the domain's, so that the answer has the same shape.  Returns base
 * itself when nothing changes.  The entry must have passed the check. */
const mac_account_t *mac_user_account(apr_pool_t *p,
                                      const mac_account_t *base,
                                      const mac_user_t *u);

/* The login name of another address (a redirect's target) as a literal:
 * the template filled with that address's values, since a client fills a
 * template with the address its user typed.  NULL when the result would
 * still contain a '%' (a client could read it as a placeholder). */
const char *mac_user_login_for(apr_pool_t *p, const char *tpl,
                               const char *address, const char *local,
                               const char *domain);

/* ---- LDAP search filters (RFC 4515) ---- */

/* Escape a value for a filter: '*', '(', ')', '\' and NUL become \2a,
 * \28, \29, \5c and \00; every other byte is kept.  len bytes in,
 * NUL-terminated string out. */
char *mac_ldap_escape(apr_pool_t *p, const char *s, apr_size_t len);

/* Check a filter template: between 1 and 4 "%s" (each replaced by the
 * address), no other '%', parentheses balanced, the whole in one pair,
 * printable ASCII, at most 512 bytes.  NULL or a message. */
const char *mac_ldap_filter_check(apr_pool_t *p, const char *tpl);

/* The filter for an address of len bytes.  What an address can never
 * contain (NUL, control characters, '(', ')', '\', non-ASCII, more than
 * MAC_ADDRESS_MAX bytes) is refused rather than escaped: returns NULL
 * and sets *why.  '*' is legal in a local part and is escaped. */
char *mac_ldap_filter(apr_pool_t *p, const char *tpl, const char *addr,
                      apr_size_t len, const char **why);

/* An LDAP server from "ldap://HOST[:PORT]/BASEDN" or
 * "ldaps://HOST[:PORT]/BASEDN" (port 389 or 636 by default). */
typedef struct {
    const char *host;
    int         port;
    int         ldaps;
    const char *basedn;
} mac_ldap_url_t;
const char *mac_ldap_url_parse(apr_pool_t *p, const char *url,
                               mac_ldap_url_t *out);

/* ---- Redirects ---- */

/* The addresses of a chain, to refuse loops and chains that are too
 * long.  Start with the address asked about. */
typedef struct {
    const char *seen[MAC_USER_REDIRECT_MAX + 1];
    int         n;
} mac_user_chain_t;

void mac_user_chain_start(mac_user_chain_t *c, const char *address);

/* Add the next address (validated, domain in lower case).  NULL when it
 * may be followed, else why not (a loop: an address already in the chain,
 * compared without case; or more than MAC_USER_REDIRECT_MAX hops). */
const char *mac_user_chain_step(mac_user_chain_t *c, const char *next);

/* The Outlook (MS-OXDSCLI) redirect answers: <Action>redirectAddr</Action>
 * with <RedirectAddr>, or <Action>redirectUrl</Action> with
 * <RedirectUrl>, inside <Account> of the outlook response schema; and the
 * mobilesync <Action><Redirect>.  The value is escaped here. */
char *mac_user_ad_redirect(apr_pool_t *p, int url, const char *value,
                           apr_size_t *len);
char *mac_user_mobilesync_redirect(apr_pool_t *p, const char *address,
                                   apr_size_t *len);

/* ---- Cache records ---- */

/* The record of a checked entry, in p; NULL when a value is too long. */
unsigned char *mac_user_encode(apr_pool_t *p, const mac_user_t *u,
                               apr_size_t *len);

/* Read a record into *u (values in p).  NULL, or why it is refused. */
const char *mac_user_decode(apr_pool_t *p, const unsigned char *buf,
                            apr_size_t len, mac_user_t *u);

#endif /* MAC_USER_H */
