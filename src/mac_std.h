/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: the autoconfig draft's 1.2 additions
 * (draft-ietf-mailmaint-autoconfig): JMAP, ManageSieve, a webmail login
 * page and the provider's OAuth2 server.
 *
 * Their values are checked here (configuration and database rows use the
 * same checks), and here is their rendering into Thunderbird's
 * config-v1.1.xml, kept apart from the 1.1 elements so that a document
 * without any of them is the same, byte for byte, as before:
 *
 *   - clientConfig version="1.2" only when one of them is configured;
 *   - JMAP: <incomingServer type="jmap"> with <url>, after the IMAP and
 *     POP3 servers (clients that take the first incoming server still
 *     get IMAP or POP3);
 *   - webmail: <webMail><loginPage url="..."/></webMail> in emailProvider;
 *   - ManageSieve: <setupServer type="managesieve"> and OAuth2: <oAuth2>,
 *     both children of clientConfig after emailProvider, as the draft's
 *     schema places them;
 *   - with OAuth2, servers with a password method get a second
 *     <authentication>OAuth2</authentication> after it (before it with
 *     order=oauth2-first).
 *
 * Depends on APR only.
 */
#ifndef MAC_STD_H
#define MAC_STD_H

#include <apr_pools.h>
#include "mac_account.h"

/* ManageSieve (RFC 5804). */
typedef struct mac_sieve_s {
    const char  *host;      /* validated, lower case, may contain
                             * %EMAILDOMAIN% like the mail servers */
    int          port;      /* default 4190 */
    mac_socket_e socket;    /* default starttls */
} mac_sieve_t;

#define MAC_SIEVE_PORT 4190

/* The provider's OAuth2 server.  issuer, auth_url and token_url are
 * required (Thunderbird for Android refuses an <oAuth2> without the two
 * URLs); scope and client_id may be NULL. */
typedef struct mac_oauth2_s {
    const char *issuer;     /* https URL without query or fragment */
    const char *scope;      /* space-separated scopes */
    const char *auth_url;
    const char *token_url;
    const char *client_id;
    int         oauth2_first; /* list OAuth2 before the password */
} mac_oauth2_t;

/* An https:// URL with a host name (or address) and maybe a port, no
 * user information and no fragment, at most 2048 bytes.  Returns NULL
 * or a message. */
const char *mac_std_url_check(apr_pool_t *p, const char *url);

/* The host of a URL that passed mac_std_url_check, lower case, and its
 * port (0 when none is given). */
const char *mac_std_url_host(apr_pool_t *p, const char *url, int *port);

/* "HOST [PORT [SOCKET]]".  port and sock may be NULL. */
const char *mac_sieve_parse(apr_pool_t *p, const char *host,
                            const char *port, const char *sock,
                            mac_sieve_t **out);

/* KEY=VALUE arguments: issuer=, scope=, auth-url=, token-url=,
 * client-id=, order=password-first|oauth2-first.  An unknown or repeated
 * key is refused, and so is a block without issuer, auth-url or
 * token-url.  Several scopes go in one argument: "scope=a b". */
const char *mac_oauth2_parse(apr_pool_t *p, int argc,
                             const char *const *argv, mac_oauth2_t **out);

/* The same from one string (a database column): the arguments separated
 * by white space, quoted with "..." where a value has blanks. */
const char *mac_oauth2_parse_line(apr_pool_t *p, const char *line,
                                  mac_oauth2_t **out);

/* Is any 1.2 addition configured? */
int mac_std_any(const mac_account_t *acct);

/* The ManageSieve host for one domain (the template filled in). */
const char *mac_std_sieve_host(apr_pool_t *p, const mac_account_t *acct,
                               const char *domain);

/* Renderings for mac_thunderbird.c; each returns "" when there is
 * nothing to add. */
const char *mac_std_tb_version(const mac_account_t *acct);  /* "1.1"/"1.2" */
/* The <authentication> lines of one mail server (indent included). */
const char *mac_std_tb_auth(apr_pool_t *p, const mac_account_t *acct,
                            const mac_server_t *s, const char *indent);
/* In emailProvider, after the IMAP/POP3 servers: the JMAP server. */
const char *mac_std_tb_incoming(apr_pool_t *p, const mac_account_t *acct);
/* In emailProvider, at its end: the webmail page. */
const char *mac_std_tb_provider(apr_pool_t *p, const mac_account_t *acct);
/* In clientConfig, after emailProvider: ManageSieve and OAuth2. */
const char *mac_std_tb_config(apr_pool_t *p, const mac_account_t *acct,
                              const char *domain);

/* Problems clients would have (e.g. ManageSieve without TLS). */
void mac_std_warnings(apr_pool_t *p, const mac_account_t *acct,
                      apr_array_header_t *warnings);

#endif /* MAC_STD_H */
