/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * Helpers shared by the libFuzzer harnesses in fuzz/ (not by fuzz_adreq.c,
 * which stands alone).  Everything here is written independently of src/:
 * the harnesses use it as the reference the library is checked against.
 */
#ifndef MAC_FUZZ_COMMON_H
#define MAC_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include <apr_pools.h>
#include <libxml/tree.h>

/* Process-wide setup for a harness (call from LLVMFuzzerInitialize):
 * APR, a root pool, libxml2 with error handlers that record instead of
 * print, and an external-entity loader that refuses (and records) any
 * attempt to load a DTD or entity. */
apr_pool_t *fz_init(void);

/* Report a broken invariant on stderr and abort(), so libFuzzer saves the
 * input as a crash.  Printf-style. */
void fz_fail(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

#define FZ_CHECK(cond, ...) \
    do { if (!(cond)) fz_fail(__VA_ARGS__); } while (0)

/* Print s[0..n) to stderr as a C string literal, prefixed with label. */
void fz_dump(const char *label, const char *s, size_t n);

/* A copy of data[0..n) in a heap block of exactly n bytes (n == 0: a
 * 1-byte block), so ASan sees any read past the end.  free() it. */
char *fz_exact_copy(const uint8_t *data, size_t n);

/* Strict UTF-8 (RFC 3629): length of the sequence at s (n bytes left) and
 * its code point in *cp, or 0 when the bytes there are not well-formed. */
size_t fz_utf8_next(const unsigned char *s, size_t n, unsigned long *cp);
int fz_utf8_valid(const char *s, size_t n);

/* What the text of an element (or an attribute value) holding
 * mac_xml_escape(s) must read back as: valid UTF-8 characters unchanged,
 * except C0 controls other than TAB/LF/CR, DEL, U+FFFE and U+FFFF which
 * become U+FFFD; each byte that does not start a well-formed sequence
 * becomes one U+FFFD. */
char *fz_xml_expect(apr_pool_t *p, const char *s, size_t n, size_t *outlen);

/* The same for mac_json_escape(s) decoded as a JSON string: only bytes
 * that do not start a well-formed UTF-8 sequence change (to U+FFFD). */
char *fz_json_expect(apr_pool_t *p, const char *s, size_t n, size_t *outlen);

/* Check that s[0..n) is a valid inside of a JSON string (RFC 8259: no
 * byte below 0x20, no unescaped '"' or '\\', only the defined escapes,
 * valid UTF-8) that is also safe inside HTML (no raw < > & '), and decode
 * it.  Aborts with what when it is not. */
char *fz_json_decode(apr_pool_t *p, const char *what, const char *s, size_t n,
                     size_t *outlen);

/* Parse buf[0..len) as a standalone XML document: no network, no DTD
 * loading, no entity substitution, no recovery.  Aborts (printing what and
 * the document) on any error or warning, and when a DOCTYPE is present but
 * allow_doctype is 0 (or absent when it is 1).  Free with xmlFreeDoc. */
xmlDocPtr fz_xml_parse(const char *what, const char *buf, size_t len,
                       int allow_doctype);

/* First element child of parent with this local name (any namespace), or
 * NULL; the number of such children. */
xmlNodePtr fz_child(xmlNodePtr parent, const char *name);
int fz_count(xmlNodePtr parent, const char *name);

/* Text content of a node (or "" for NULL), copied to p. */
const char *fz_text(apr_pool_t *p, xmlNodePtr node);

/* Abort unless got equals exp[0..explen) byte for byte. */
void fz_expect_eq(const char *what, const char *got, const char *exp,
                  size_t explen);

/* Split data[0..size) into at most max fields at '\n'; the last field
 * takes the rest (newlines included).  Missing fields are NULL.  Each
 * field is an exact-size NUL-terminated copy from p; lens[] gets the
 * lengths.  Returns the number of fields present. */
int fz_split(apr_pool_t *p, const uint8_t *data, size_t size, int max,
             char **fields, size_t *lens);

#endif /* MAC_FUZZ_COMMON_H */
