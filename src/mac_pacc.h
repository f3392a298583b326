/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: PACC (draft-ietf-mailmaint-pacc), the JSON document
 * served at https://ua-auto-config.<domain>/.well-known/
 * user-agent-configuration.json, and the DNS records that go with it.
 *
 * The document, for one domain:
 *
 *   {
 *     "protocols": {
 *       "jmap": {"url": "https://..."},        MailAutoconfJMAP
 *       "imap": {"host": "..."},               first IMAP server on ssl/993
 *       "pop3": {"host": "..."},               first POP3 server on ssl/995
 *       "smtp": {"host": "..."},               first SMTP server on ssl/465
 *       "managesieve": {"host": "..."}         MailAutoconfManageSieve on
 *     },                                       4190 with TLS
 *     "authentication": {
 *       "password": true|false,
 *       "oauth-public": {"issuer": "https://..."}   MailAutoconfOAuth2
 *     },
 *     "info": {
 *       "provider": {"name": "...", "shortName": "..."},
 *       "help": {"documentation": "https://..."}
 *     }
 *   }
 *
 * PACC gives a host only, so the client uses the protocol's implicit-TLS
 * port: servers on other ports or sockets are left out (the README says
 * so; only a domain left with nothing at all is warned about).  The bytes depend on the account and the domain only, in
 * a fixed order and layout, so that the digest published in DNS
 * (_ua-auto-config.<domain> TXT "v=UAAC1; a=sha256; d=<base64 SHA-256>")
 * stays right until the configuration changes.
 *
 * Depends on APR, APR-util and libcrypto.
 */
#ifndef MAC_PACC_H
#define MAC_PACC_H

#include <apr_pools.h>
#include <apr_tables.h>
#include "mac_account.h"

#define MAC_PACC_HOST_PREFIX "ua-auto-config."
#define MAC_PACC_TXT_PREFIX  "_ua-auto-config."
#define MAC_PACC_CONTENT_TYPE "application/json"

/* The document for domain, or NULL with *why set when no server can be
 * described in PACC (then nothing is served for the domain). */
char *mac_pacc_render(apr_pool_t *p, const mac_account_t *acct,
                      const char *domain, apr_size_t *len, const char **why);

/* "v=UAAC1; a=sha256; d=<base64 of the SHA-256 of body>", or NULL when
 * libcrypto fails. */
const char *mac_pacc_txt(apr_pool_t *p, const char *body, apr_size_t len);

/* What of the account PACC cannot carry, as messages for the warnings. */
void mac_pacc_warnings(apr_pool_t *p, const mac_account_t *acct,
                       apr_array_header_t *warnings);

/* Append (mac_dns_rr_t) to rrs the records for PACC and the 1.2
 * additions of one domain: ua-auto-config.<domain> CNAME web_host,
 * _ua-auto-config.<domain> TXT with the digest, _jmap._tcp (RFC 8620)
 * and _sieve._tcp (RFC 5804) SRV records when those are configured. */
void mac_pacc_dns_records(apr_pool_t *p, apr_array_header_t *rrs,
                          const mac_account_t *acct, const char *domain,
                          const char *web_host);

#endif /* MAC_PACC_H */
