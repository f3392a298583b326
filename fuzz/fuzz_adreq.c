/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * libFuzzer harness for src/mac_adreq.c.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I src \
 *       $(apr-1-config --cflags --cppflags --includes) $(xml2-config --cflags) \
 *       fuzz/fuzz_adreq.c src/mac_adreq.c \
 *       $(apr-1-config --link-ld) $(apu-1-config --link-ld) $(xml2-config --libs) \
 *       -o /tmp/fuzz_adreq
 *   mkdir -p /tmp/adreq-corpus
 *   /tmp/fuzz_adreq -dict=fuzz/adreq.dict -max_len=8192 -max_total_time=60 \
 *       /tmp/adreq-corpus fuzz/corpus/adreq
 *
 * Feeds the same bytes to mac_ad_parse() and mac_ad_query_fragment() and
 * aborts when a result breaks the documented contract, or when libxml2
 * reports anything through its process-wide error handlers (the parser
 * must keep all errors on its own context).
 */
#include "mac_adreq.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

static apr_pool_t *fuzz_root;

static void XMLCDECL global_generic_error(void *ctx, const char *msg, ...)
{
    (void)ctx; (void)msg;
    abort();   /* an error escaped the per-context handler */
}

static void global_structured_error(void *ctx, xmlErrorPtr err)
{
    (void)ctx; (void)err;
    abort();
}

static int is_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void check_value(const char *v, int may_be_empty)
{
    size_t n;
    if (v == NULL)
        abort();
    n = strlen(v);
    if (!may_be_empty && n == 0)
        abort();
    if (n > MAC_AD_MAX_TEXT)
        abort();
    if (n > 0 && (is_ws((unsigned char)v[0]) || is_ws((unsigned char)v[n - 1])))
        abort();
    if (strchr(v, '<') != NULL)
        abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc; (void)argv;
    if (apr_initialize() != APR_SUCCESS)
        abort();
    if (apr_pool_create(&fuzz_root, NULL) != APR_SUCCESS)
        abort();
    mac_ad_init();
    xmlSetGenericErrorFunc(NULL, global_generic_error);
    xmlSetStructuredErrorFunc(NULL, global_structured_error);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    mac_ad_request_t req;
    const char *reason = NULL, *email = NULL;
    mac_ad_status_e rv;
    char *copy;

    if (apr_pool_create(&p, fuzz_root) != APR_SUCCESS)
        abort();

    /* exact-size heap copy so ASan catches any read past len */
    copy = malloc(size ? size : 1);
    if (copy == NULL)
        abort();
    if (size)
        memcpy(copy, data, size);

    req.email = req.schema = (const char *)1;
    rv = mac_ad_parse(p, copy, size, &req, &reason);
    if (reason == NULL || (int)rv < MAC_AD_OK || (int)rv > MAC_AD_ERR_MARKUP)
        abort();
    if (rv == MAC_AD_OK) {
        check_value(req.email, 0);
        if (req.schema != NULL)
            check_value(req.schema, 1);
        if (strcmp(reason, "ok") != 0)
            abort();
    } else if (req.email != NULL || req.schema != NULL) {
        abort();
    }
    if (size > 0 && memchr(copy, '\0', size) != NULL && rv == MAC_AD_OK)
        abort();

    if (mac_ad_query_fragment(p, copy, size, &email)) {
        size_t n;
        if (email == NULL || *email == '\0')
            abort();
        n = strlen(email);
        if (n > MAC_AD_MAX_TEXT || strchr(email, '<') || strchr(email, '>')
            || is_ws((unsigned char)email[0]) || is_ws((unsigned char)email[n - 1]))
            abort();
    } else if (email != NULL) {
        abort();
    }

    free(copy);
    apr_pool_destroy(p);
    return 0;
}
