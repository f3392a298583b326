/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: calendars and contacts (CalDAV, CardDAV).
 *
 * An account may name a CalDAV and a CardDAV URL (mac_account_t's
 * caldav_url and carddav_url): https only, no query, no fragment, no user
 * name or password, and %EMAILDOMAIN% as the only template variable
 * (anywhere in the URL; it is replaced by the domain asked about).  From
 * them this file makes:
 *
 *   - the RFC 6764 section 5 redirect of /.well-known/caldav and
 *     /.well-known/carddav to the configured URL (the "context path");
 *   - Thunderbird's <addressbook type="carddav"> and <calendar
 *     type="caldav"> elements (draft-ietf-mailmaint-autoconfig), children
 *     of <clientConfig> after <emailProvider>;
 *   - Outlook Autodiscover <Protocol> entries of Type CalDAV and CardDAV,
 *     in the shape automx2 and mailcow emit (Server is the URL);
 *   - Apple's com.apple.caldav.account and com.apple.carddav.account
 *     payloads (host name, port, principal URL, SSL, user name);
 *   - the DNS records of RFC 6764 sections 3 and 4 (mac_dns.c uses
 *     mac_dav_split).
 *
 * Depends on APR only.
 */
#ifndef MAC_DAV_H
#define MAC_DAV_H

#include <apr_pools.h>
#include "mac_account.h"

#define MAC_DAV_WK_CALDAV  "/.well-known/caldav"
#define MAC_DAV_WK_CARDDAV "/.well-known/carddav"

/* Longest accepted DAV URL, in bytes. */
#define MAC_DAV_URL_MAX 1024

typedef enum {
    MAC_DAV_NONE = 0,
    MAC_DAV_CALDAV,
    MAC_DAV_CARDDAV
} mac_dav_e;

/* Which well-known path a decoded request path is: exactly
 * /.well-known/caldav or /.well-known/carddav, with or without one
 * trailing slash (clients send both).  Letter case matters, as for every
 * well-known URI (RFC 8615). */
mac_dav_e mac_dav_path(const char *uri);

/* "CalDAV" or "CardDAV". */
const char *mac_dav_name(mac_dav_e which);

/* The account's URL template for which, or NULL. */
const char *mac_dav_template(const mac_account_t *acct, mac_dav_e which);

/* Check a configured CalDAV/CardDAV URL (see above).  Returns NULL or a
 * message from p saying what is wrong. */
const char *mac_dav_url_check(apr_pool_t *p, const char *url);

/* The URL for one domain: every %EMAILDOMAIN% replaced by domain (a valid
 * lower-case domain).  tpl must have passed mac_dav_url_check. */
char *mac_dav_url(apr_pool_t *p, const char *tpl, const char *domain);

/* Parts of a checked URL (template or filled in): the host (brackets of
 * an IPv6 literal kept), the port (443 when none is given) and the path
 * ("/" when empty).  Template variables stay as they are. */
void mac_dav_split(apr_pool_t *p, const char *url, const char **host,
                   int *port, const char **path);

/* Thunderbird: the <addressbook> and <calendar> elements for domain,
 * indented for <clientConfig>, or "" when the account has neither. */
char *mac_dav_tb_xml(apr_pool_t *p, const mac_account_t *acct,
                     const char *domain);

/* Autodiscover: the <Protocol> entries, with slot markers
 * (mac_template.h) for %EMAILDOMAIN% and the login name, or "". */
char *mac_dav_ad_xml(apr_pool_t *p, const mac_account_t *acct);

/* Apple: the payload dictionaries for PayloadContent, or "".  login,
 * descr and org (NULL: none) are escaped or marked text; ident is the
 * profile's PayloadIdentifier (marked); uuid_cal and uuid_card the
 * markers of the payloads' UUID slots. */
char *mac_dav_apple_xml(apr_pool_t *p, const mac_account_t *acct,
                        const char *login, const char *descr,
                        const char *org, const char *ident,
                        const char *uuid_cal, const char *uuid_card);

/* A sentence for a profile's description and the profile page: what the
 * profile adds besides mail ("" when nothing), with %EMAILDOMAIN% marked
 * (mark != 0) or replaced by domain (mark == 0), XML/HTML-escaped. */
char *mac_dav_summary(apr_pool_t *p, const mac_account_t *acct, int mark,
                      const char *domain);

#endif /* MAC_DAV_H */
