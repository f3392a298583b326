/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * libFuzzer harness for src/mac_path.c: the endpoint path matcher, the
 * Autodiscover v2 path form and the Apple profile path check.
 *
 * Input: one byte (bit 0: a profile path is configured; it is then the
 * bytes up to the first '\n', the request path what follows), then the
 * request path, as httpd's decoded r->uri would be (a C string: cut at
 * the first NUL).
 *
 * Invariants (checked against an independent reading of mac_path.h):
 *   - mac_path_match gives what the reference matcher gives: the profile
 *     path exactly, the Thunderbird and PACC paths exactly, the Autodiscover paths
 *     in any ASCII letter case, the v2 path also with anything below it;
 *   - for a v2 path, mac_path_v2_address gives no address for nothing
 *     after the path, the rest after "/v1.0/" (any case) as the address,
 *     and a reason otherwise, never both;
 *   - mac_profile_path_check accepts only a path of at most 256 bytes of
 *     letters, digits and "/-._~" that starts with '/', is not "/", has no
 *     empty, "." or ".." segment, and that no other endpoint answers on
 *     (the CalDAV/CardDAV well-known paths included).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>

#include "fuzz_common.h"
#include "mac_path.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

FZ_ROOT_AND_INIT(root)

static int ref_ieq(const char *a, const char *b)
{
    for (;; a++, b++) {
        unsigned char x = (unsigned char)*a, y = (unsigned char)*b;
        if (x >= 'A' && x <= 'Z') {
            x = (unsigned char)(x + 32);
        }
        if (y >= 'A' && y <= 'Z') {
            y = (unsigned char)(y + 32);
        }
        if (x != y) {
            return 0;
        }
        if (!x) {
            return 1;
        }
    }
}

static int ref_iprefix(const char *s, const char *prefix)
{
    size_t n = strlen(prefix), i;

    for (i = 0; i < n; i++) {
        unsigned char x = (unsigned char)s[i], y = (unsigned char)prefix[i];
        if (x >= 'A' && x <= 'Z') {
            x = (unsigned char)(x + 32);
        }
        if (x != y) {
            return 0;
        }
    }
    return 1;
}

static mac_path_e ref_match(const char *uri, const char *profile)
{
    static const char json[] = "/autodiscover/autodiscover.json";

    if (profile && strcmp(uri, profile) == 0) {
        return MAC_PATH_PROFILE;
    }
    if (strcmp(uri, "/.well-known/autoconfig/mail/config-v1.1.xml") == 0
        || strcmp(uri, "/mail/config-v1.1.xml") == 0) {
        return MAC_PATH_THUNDERBIRD;
    }
    if (strcmp(uri, "/.well-known/user-agent-configuration.json") == 0) {
        return MAC_PATH_PACC;     /* PACC: exactly, like Thunderbird's */
    }
    if (ref_ieq(uri, "/autodiscover/autodiscover.xml")) {
        return MAC_PATH_AUTODISCOVER;
    }
    if (strlen(uri) >= sizeof(json) - 1 && ref_iprefix(uri, json)
        && (uri[sizeof(json) - 1] == '\0' || uri[sizeof(json) - 1] == '/')) {
        return MAC_PATH_AUTODISCOVER_JSON;
    }
    return MAC_PATH_NONE;
}

static int ref_profile_ok(const char *path)
{
    size_t len = strlen(path), i, seg;

    if (len < 2 || len > 256 || path[0] != '/') {
        return 0;
    }
    for (i = 0; i < len; i++) {
        char c = path[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || strchr("/-._~", c))) {
            return 0;
        }
    }
    /* segments between slashes: none empty (except after the first
     * slash's end? no: "//" anywhere is refused), none "." or ".." */
    for (i = 1, seg = 1; i <= len; i++) {
        if (i == len || path[i] == '/') {
            size_t n = i - seg;
            if ((n == 0 && i < len) || (n == 1 && path[seg] == '.')
                || (n == 2 && path[seg] == '.' && path[seg + 1] == '.')) {
                return 0;
            }
            seg = i + 1;
        }
    }
    return ref_match(path, NULL) == MAC_PATH_NONE
           && strcmp(path, "/.well-known/caldav") != 0
           && strcmp(path, "/.well-known/caldav/") != 0
           && strcmp(path, "/.well-known/carddav") != 0
           && strcmp(path, "/.well-known/carddav/") != 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    char *raw, *uri, *profile = NULL, *nl;
    const char *email, *why;
    size_t n;
    mac_path_e got, want;

    if (size == 0) {
        return 0;
    }
    n = size - 1;
    raw = fz_exact_copy(data + 1, n);
    if (apr_pool_create(&p, root) != APR_SUCCESS) {
        abort();
    }
    uri = apr_pstrndup(p, raw, n);          /* a C string, as r->uri */
    if ((data[0] & 1) && (nl = strchr(uri, '\n')) != NULL) {
        profile = uri;
        *nl = '\0';
        uri = nl + 1;
    }

    got = mac_path_match(uri, profile);
    want = ref_match(uri, profile);
    if (got != want) {
        fz_dump("uri", uri, strlen(uri));
        fz_fail("mac_path_match %d, the reference %d", (int)got, (int)want);
    }
    if (got == MAC_PATH_AUTODISCOVER_JSON) {
        const char *tail = uri + sizeof(MAC_PATH_AD_JSON) - 1;
        email = (const char *)1;
        why = mac_path_v2_address(tail, &email);
        if (*tail == '\0') {
            FZ_CHECK(!why && !email, "v2: an empty tail gives an address or "
                     "a reason");
        }
        else if (strlen(tail) >= 6 && ref_iprefix(tail, "/v1.0/")) {
            FZ_CHECK(!why && email == tail + 6, "v2: the address is not what "
                     "follows /v1.0/");
        }
        else {
            FZ_CHECK(why && !email, "v2: a bad tail is not refused");
        }
    }

    /* The check of the path as a configured profile path. */
    why = mac_profile_path_check(p, uri);
    if ((why == NULL) != ref_profile_ok(uri)) {
        fz_dump("path", uri, strlen(uri));
        fz_fail("mac_profile_path_check %s, the reference %s",
                why ? "refuses" : "accepts",
                ref_profile_ok(uri) ? "accepts" : "refuses");
    }
    if (!why) {
        FZ_CHECK(mac_path_match(uri, uri) == MAC_PATH_PROFILE,
                 "an accepted profile path does not match itself");
    }

    apr_pool_destroy(p);
    free(raw);
    return 0;
}
