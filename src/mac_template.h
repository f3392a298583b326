/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: login-name templates and pre-rendered documents.
 *
 * A template such as "%EMAILLOCALPART%@%EMAILDOMAIN%" names parts of the
 * address the user typed.  Documents whose bytes depend on the request
 * only through such values are rendered once, at startup, with a marker
 * (MAC_MARK followed by a slot letter) wherever a value goes, then compiled
 * into a list of segments; a request only copies the segments and the
 * escaped values.  Configuration values never contain control characters,
 * so the marker cannot collide with them.
 *
 * Depends on APR only.
 */
#ifndef MAC_TEMPLATE_H
#define MAC_TEMPLATE_H

#include <apr_pools.h>
#include <apr_tables.h>

#define MAC_MARK '\001'

typedef enum {
    MAC_SLOT_ADDRESS = 0,   /* %EMAILADDRESS% */
    MAC_SLOT_LOCALPART,     /* %EMAILLOCALPART% */
    MAC_SLOT_DOMAIN,        /* %EMAILDOMAIN% */
    MAC_SLOT_NAME,          /* the person's name (Apple profiles) */
    MAC_SLOT_UUID1,         /* per-address values computed per request */
    MAC_SLOT_UUID2,
    MAC_SLOT_UUID3,
    MAC_SLOT_COUNT
} mac_slot_e;

/* The marker for a slot, as a 2-byte NUL-terminated string. */
const char *mac_slot_mark(mac_slot_e slot);

/* Check a login-name template: printable UTF-8, no control characters,
 * every %...% one of the known placeholders, at most 256 bytes.
 * Returns NULL or a message from p. */
const char *mac_template_check(apr_pool_t *p, const char *tpl);

/* Render a template for a document: literal parts passed through esc
 * (e.g. mac_xml_escape), placeholders replaced by slot markers. */
typedef char *(*mac_escape_fn)(apr_pool_t *p, const char *s, apr_size_t len,
                               apr_size_t *outlen);
char *mac_template_mark(apr_pool_t *p, const char *tpl, mac_escape_fn esc);

typedef struct {
    const char *text;     /* literal bytes, or NULL for a slot */
    apr_size_t  len;
    int         slot;     /* mac_slot_e when text == NULL */
} mac_seg_t;

typedef struct {
    const mac_seg_t *segs;
    int              nsegs;
    apr_size_t       fixed_len;  /* sum of the literal segments */
    unsigned         slots_used; /* bit (1 << slot) for each slot present */
} mac_doc_t;

/* Compile a rendered document containing slot markers. */
mac_doc_t *mac_doc_compile(apr_pool_t *p, const char *rendered,
                           apr_size_t len);

/* Values for one request, already escaped for the document's language. */
typedef struct {
    const char *v[MAC_SLOT_COUNT];
    apr_size_t  len[MAC_SLOT_COUNT];
} mac_values_t;

/* Fill a compiled document: one allocation, returns the bytes and sets
 * *outlen. Slots without a value are left empty. */
char *mac_doc_fill(apr_pool_t *p, const mac_doc_t *doc,
                   const mac_values_t *vals, apr_size_t *outlen);

/* Set the ADDRESS, LOCALPART and DOMAIN slots from a validated address,
 * escaped with esc.  Other slots are left as they are. */
void mac_values_from_addr(apr_pool_t *p, mac_values_t *vals,
                          const char *address, const char *local,
                          const char *domain, mac_escape_fn esc);

/* Fill a template with unescaped values directly (for logging and for
 * JSON/HTTP headers that do their own escaping). */
char *mac_template_fill(apr_pool_t *p, const char *tpl,
                        const mac_values_t *vals);

#endif /* MAC_TEMPLATE_H */
