/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mac_adreq.h - parser for Outlook "POX" Autodiscover requests.
 *
 * Part of mod_mailautoconf.  Depends only on APR and libxml2 (no httpd
 * headers), so it can be unit-tested and fuzzed on its own.
 *
 * A request looks like
 *
 *   <?xml version="1.0" encoding="utf-8"?>
 *   <Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">
 *     <Request>
 *       <EMailAddress>alice@example.com</EMailAddress>
 *       <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>
 *     </Request>
 *   </Autodiscover>
 *
 * Elements are matched by namespace URI and local name, never by prefix.
 * Autodiscover, Request, EMailAddress and AcceptableResponseSchema must all
 * be in MAC_AD_NS_REQUEST; elements in Request that are unknown (LegacyDN...)
 * or in another namespace are ignored, as are unknown children of
 * Autodiscover, attributes, comments and processing instructions outside the
 * two value elements.
 *
 * Security policy (see mac_adreq.c for the libxml2 2.9 details):
 *  - Any DOCTYPE is rejected (MAC_AD_ERR_DOCTYPE) as soon as the parser sees
 *    it, before an internal subset is read; so no entity is ever declared,
 *    expanded or loaded, and no DTD is ever fetched.  The parser runs with
 *    XML_PARSE_NONET | XML_PARSE_IGNORE_ENC on a context of its own, never
 *    with NOENT, DTDLOAD, DTDATTR, DTDVALID, NOCDATA, HUGE or XINCLUDE, and
 *    clears whatever the thread's libxml2 global defaults would have set.
 *  - The body must be UTF-8 (optionally with a UTF-8 BOM, which is skipped);
 *    a declared encoding other than UTF-8/UTF8 (or US-ASCII/ASCII, with only
 *    7-bit bytes) is MAC_AD_ERR_ENCODING, as are UTF-16/UTF-32 (with or
 *    without BOM) and other known BOMs.  NUL bytes and invalid UTF-8 are
 *    MAC_AD_ERR_MALFORMED; both are checked before libxml2 sees the bytes.
 *  - Predefined entities (&amp; &lt; &gt; &quot; &apos;) and character
 *    references (&#64;) are plain character data in XML and libxml2 folds
 *    them into the text node: they are decoded and left to the caller's
 *    address validation, with ONE exception: a decoded '<' (which can only
 *    come from &lt; or &#60; / &#x3C;) in EMailAddress or
 *    AcceptableResponseSchema is MAC_AD_ERR_MARKUP.  Any other entity
 *    reference is undeclared (there can be no DTD), which is a
 *    well-formedness error: MAC_AD_ERR_MALFORMED.
 *  - Child elements, CDATA sections, comments and processing instructions
 *    inside EMailAddress or AcceptableResponseSchema: MAC_AD_ERR_MARKUP.
 *  - Ambiguity is refused rather than resolved: two EMailAddress elements are
 *    MAC_AD_ERR_DUP_ADDRESS; two AcceptableResponseSchema elements or two
 *    Request elements are MAC_AD_ERR_MALFORMED (a request a front end and
 *    this module could read differently is not served).
 *  - Parser errors are captured per request on the parser context and never
 *    reach libxml2's global error handlers or stderr.  No process-global
 *    state is changed per call; mac_ad_parse() is thread-safe once
 *    mac_ad_init() has run.
 *  - The document and the parser context are always freed before returning;
 *    only the result strings are allocated, from the caller's pool.
 */
#ifndef MAC_ADREQ_H
#define MAC_ADREQ_H

#include <apr_pools.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MAC_AD_NS_REQUEST  "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"
#define MAC_AD_NS_REQUEST_MOBILESYNC "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006"
#define MAC_AD_NS_RESPONSE_OUTLOOK "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"
#define MAC_AD_NS_RESPONSE_MOBILESYNC "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006"

/* Limits.  Exceeding any of them is MAC_AD_ERR_LIMIT.  Real requests are
 * well under 1 KiB, 3 levels deep and have 4-6 elements. */

/* Whole body, in bytes (BOM included).  The caller enforces its own (smaller
 * or equal) body limit; this is a backstop that also bounds libxml2 2.9's
 * super-linear paths: its duplicate-attribute check runs before any hook can
 * count attributes and is quadratic (measured: 1 MiB of attributes ~4 s of
 * CPU, 64 KiB ~10 ms).  Do not raise it. */
#define MAC_AD_MAX_INPUT    (64 * 1024)
/* Element nesting depth; the root element is at depth 1. */
#define MAC_AD_MAX_DEPTH    16
/* Element, comment, processing-instruction and CDATA nodes in the whole
 * document, counted together. */
#define MAC_AD_MAX_ELEMENTS 256
/* Attributes plus namespace declarations on one element. */
#define MAC_AD_MAX_ATTRS    16
/* Bytes of character data (text, CDATA, decoded references) between two
 * tags, of one attribute value, and of EMailAddress/AcceptableResponseSchema
 * before trimming. */
#define MAC_AD_MAX_TEXT     1024
/* Bytes scanned for the end ("?>") of the XML declaration. */
#define MAC_AD_MAX_XMLDECL  256

typedef enum {
    MAC_AD_OK = 0,
    MAC_AD_ERR_EMPTY,        /* zero-length or only whitespace (a UTF-8 BOM and XML whitespace) */
    MAC_AD_ERR_MALFORMED,    /* not well-formed XML, truncated, NUL bytes, bad UTF-8, undeclared entity,
                                namespace error; also duplicate Request or AcceptableResponseSchema */
    MAC_AD_ERR_DOCTYPE,      /* any DOCTYPE at all, with or without internal subset */
    MAC_AD_ERR_ENCODING,     /* a declared encoding other than UTF-8 (or US-ASCII), a BOM other than UTF-8's, UTF-16/32 */
    MAC_AD_ERR_LIMIT,        /* body too big, too deep, too many elements/attributes, a text node too long */
    MAC_AD_ERR_ROOT,         /* root is not {requestschema/2006}Autodiscover, or Request missing */
    MAC_AD_ERR_NO_ADDRESS,   /* no EMailAddress in Request, or empty */
    MAC_AD_ERR_DUP_ADDRESS,  /* more than one EMailAddress */
    MAC_AD_ERR_MARKUP        /* EMailAddress or AcceptableResponseSchema contains child elements, entity refs,
                                CDATA, PIs, comments, or a '<' decoded from a reference */
} mac_ad_status_e;

typedef struct {
    const char *email;   /* text content of Request/EMailAddress, leading/trailing XML whitespace trimmed;
                            NOT validated as an address (caller does that). Never empty on MAC_AD_OK. */
    const char *schema;  /* text of Request/AcceptableResponseSchema trimmed, or NULL if absent
                            ("" if present but empty). */
    int mobilesync;      /* 1: the request came in ActiveSync's request namespace
                            (MAC_AD_NS_REQUEST_MOBILESYNC), as ActiveSync devices send it */
} mac_ad_request_t;

/* Parses body[0..len).  On MAC_AD_OK fills *req with strings allocated from p.
 * On any other status both fields of *req are set to NULL.
 * *reason (may be NULL) receives a short static English reason, safe to log:
 * it never contains body bytes.  It is set on success too ("ok").
 * A NULL p or req, or a NULL body with len > 0, is MAC_AD_ERR_MALFORMED. */
mac_ad_status_e mac_ad_parse(apr_pool_t *p, const char *body, apr_size_t len,
                             mac_ad_request_t *req, const char **reason);

/* For browser GETs: the query string, already percent-decoded by the caller, is either
 * "<EMailAddress>you@example.com</EMailAddress>" (possibly with surrounding whitespace) or not.
 * Returns 1 and sets *email (pool copy, trimmed) when the string is exactly that fragment, 0 otherwise
 * (and *email is set to NULL).
 * No XML parser here: strict literal matching, case-sensitive element name, no '<', '>' or NUL
 * in the value (references like &amp; are NOT decoded), value non-empty after trimming and at most
 * MAC_AD_MAX_TEXT bytes. */
int mac_ad_query_fragment(apr_pool_t *p, const char *decoded, apr_size_t len, const char **email);

/* Call once per process at startup (wraps xmlInitParser()). Never call xmlCleanupParser(). */
void mac_ad_init(void);

#ifdef __cplusplus
}
#endif

#endif /* MAC_ADREQ_H */
