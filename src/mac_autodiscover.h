/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: Outlook Autodiscover answers.
 *
 * POX ("plain old XML") Autodiscover, response schema
 * .../autodiscover/responseschema/2006 around
 * .../outlook/responseschema/2006a, with one Protocol element per server;
 * the optional ActiveSync (mobilesync) answer; the error form; and the
 * Autodiscover v2 JSON redirect to the POX endpoint.
 *
 * How a socket type reads to Outlook (Encryption wins where Outlook knows
 * it, SSL is for older versions):
 *   ssl       <SSL>on</SSL>  <Encryption>SSL</Encryption>   implicit TLS
 *   starttls  <SSL>on</SSL>  <Encryption>TLS</Encryption>   STARTTLS
 *   plain     <SSL>off</SSL> <Encryption>None</Encryption>
 *
 * Depends on APR only.  The request parser is in mac_adreq.h.
 */
#ifndef MAC_AUTODISCOVER_H
#define MAC_AUTODISCOVER_H

#include <apr_pools.h>
#include <apr_time.h>
#include "mac_account.h"
#include "mac_template.h"

#define MAC_AD_NS_RESPONSE \
    "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"
#define MAC_AD_NS_OUTLOOK \
    "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"
#define MAC_AD_NS_MOBILESYNC \
    "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006"

/* Error codes of the POX error form. */
#define MAC_AD_ERROR_INVALID_REQUEST   600
#define MAC_AD_ERROR_SCHEMA            601
#define MAC_AD_ERROR_NOT_FOUND         500

/* The POX documents: they name the mail servers, never the web server,
 * so every virtual host serving the same account shares them. */
typedef struct {
    mac_doc_t  *outlook;       /* settings, slots for the address parts */
    mac_doc_t  *mobilesync;    /* NULL unless an ActiveSync URL is set */
} mac_ad_t;

/* The Autodiscover v2 answers: they name the web server answering POX,
 * so each virtual host has its own. */
typedef struct {
    const char *json;          /* {"Protocol":"AutodiscoverV1","Url":...} */
    apr_size_t  json_len;
    const char *json_as;       /* the same for Protocol=ActiveSync, or NULL */
    apr_size_t  json_as_len;
} mac_ad_v2_t;

/* Pre-render at startup; activesync_url may be NULL. */
mac_ad_t *mac_ad_compile(apr_pool_t *p, const mac_account_t *acct,
                         const char *activesync_url);

/* pox_url is where one server answers POX
 * (https://SERVERNAME/autodiscover/autodiscover.xml). */
mac_ad_v2_t *mac_ad_v2_compile(apr_pool_t *p, const char *pox_url,
                               const char *activesync_url);

/* Which document a request's AcceptableResponseSchema asks for: the
 * outlook one when schema is NULL or the outlook namespace, the
 * mobilesync one when that is asked for and configured; NULL otherwise
 * (answer MAC_AD_ERROR_SCHEMA). */
const mac_doc_t *mac_ad_pick(const mac_ad_t *ad, const char *schema);

/* Fill a document for a validated address. */
char *mac_ad_fill(apr_pool_t *p, const mac_doc_t *doc, const char *address,
                  const char *local, const char *domain, apr_size_t *len);

/* The error form.  now is the request time; id any number that lets an
 * operator find the request in the log.  The message is fixed per code:
 * nothing from the request is ever echoed. */
char *mac_ad_error(apr_pool_t *p, int code, apr_time_t now, unsigned long id,
                   apr_size_t *len);

/* The JSON error of Autodiscover v2 for an unsupported protocol. */
extern const char mac_ad_v2_error_json[];

#endif /* MAC_AUTODISCOVER_H */
