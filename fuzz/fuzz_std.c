/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * libFuzzer harness for src/mac_std.c and src/mac_pacc.c: the checks of
 * the autoconfig 1.2 values that come from configuration or a database
 * row (URLs, the OAuth2 settings line, the ManageSieve host), and the PACC
 * and Thunderbird documents made with whatever passed them.
 *
 * Input: one option byte (bit 0: JMAP, bit 1: webmail, bit 2: ManageSieve,
 * bit 3: OAuth2, bit 4: the IMAP server on ssl/993, else starttls/143),
 * then '\n'-separated fields:
 *   0 URL   1 OAuth2 settings line   2 display name   3 short name
 *   4 ManageSieve host   5 (the rest) domain
 * A value that fails its check is replaced by a fixed valid one.
 *
 * Invariants: an accepted URL starts with https://, has no '#', no '@'
 * before its path and a host mac_std_url_host gives back; an accepted
 * OAuth2 line has issuer, auth-url and token-url that pass the URL check
 * and an issuer without '?'; the PACC document is one JSON object
 * (RFC 8259, checked by a small parser here), the same bytes when made
 * twice, with the display name reading back as given; its digest record
 * has the documented form; the Thunderbird document parses without a
 * single libxml2 error or warning and says version 1.2 exactly when an
 * addition is configured.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <apr_strings.h>
#include <apr_tables.h>

#include "fuzz_common.h"
#include "mac_account.h"
#include "mac_addr.h"
#include "mac_pacc.h"
#include "mac_std.h"
#include "mac_thunderbird.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

FZ_ROOT_AND_INIT(root)

/* ---- a small JSON reader: structure only, strings collected ------- */

typedef struct {
    apr_pool_t         *p;
    const char         *s;
    size_t              n, i;
    apr_array_header_t *strings;   /* decoded, const char * */
} js_t;

static void ws(js_t *j)
{
    while (j->i < j->n && strchr(" \t\r\n", j->s[j->i])) {
        j->i++;
    }
}

static int lit(js_t *j, const char *w)
{
    size_t l = strlen(w);

    if (j->n - j->i >= l && memcmp(j->s + j->i, w, l) == 0) {
        j->i += l;
        return 1;
    }
    return 0;
}

static int str(js_t *j)
{
    size_t start, dlen;

    if (j->i >= j->n || j->s[j->i] != '"') {
        return 0;
    }
    start = ++j->i;
    while (j->i < j->n && j->s[j->i] != '"') {
        j->i += j->s[j->i] == '\\' ? 2 : 1;
    }
    if (j->i >= j->n) {
        return 0;
    }
    APR_ARRAY_PUSH(j->strings, const char *) =
        fz_json_decode(j->p, "pacc string", j->s + start, j->i - start,
                       &dlen);
    j->i++;
    return 1;
}

static int value(js_t *j, int depth)
{
    if (depth > 8) {
        return 0;
    }
    ws(j);
    if (j->i >= j->n) {
        return 0;
    }
    if (j->s[j->i] == '{') {
        j->i++;
        ws(j);
        if (lit(j, "}")) {
            return 1;
        }
        for (;;) {
            ws(j);
            if (!str(j)) {
                return 0;
            }
            ws(j);
            if (!lit(j, ":") || !value(j, depth + 1)) {
                return 0;
            }
            ws(j);
            if (lit(j, "}")) {
                return 1;
            }
            if (!lit(j, ",")) {
                return 0;
            }
        }
    }
    if (j->s[j->i] == '"') {
        return str(j);
    }
    return lit(j, "true") || lit(j, "false");
}

/* ------------------------------------------------------------------- */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    char *f[6];
    size_t lens[6];
    unsigned opt;
    mac_account_t acct;
    mac_server_t srv[2];
    mac_oauth2_t *o = NULL;
    mac_sieve_t *sv = NULL;
    const char *url = "https://jmap.example.com/session", *why, *domain;
    const char *doc, *doc2, *txt;
    apr_size_t len, len2;
    int port, i, found;
    js_t j;

    if (size == 0) {
        return 0;
    }
    opt = data[0];
    if (apr_pool_create(&p, root) != APR_SUCCESS) {
        abort();
    }
    fz_split(p, data + 1, size - 1, 6, f, lens);

    /* The URL check. */
    if (f[0] && (why = mac_std_url_check(p, f[0])) == NULL) {
        const char *auth = f[0] + 8;
        size_t an = strcspn(auth, "/?");
        FZ_CHECK(strncasecmp(f[0], "https://", 8) == 0, "not https");
        FZ_CHECK(!strchr(f[0], '#'), "a fragment passed");
        FZ_CHECK(!memchr(auth, '@', an), "user information passed");
        FZ_CHECK(mac_std_url_host(p, f[0], &port) != NULL,
                 "an accepted URL has no host");
        url = f[0];
    }

    /* The OAuth2 line. */
    if (f[1] && mac_oauth2_parse_line(p, f[1], &o) == NULL) {
        FZ_CHECK(o->issuer && o->auth_url && o->token_url, "a required "
                 "OAuth2 setting is missing");
        FZ_CHECK(!mac_std_url_check(p, o->issuer)
                 && !mac_std_url_check(p, o->auth_url)
                 && !mac_std_url_check(p, o->token_url),
                 "an OAuth2 URL does not pass the URL check");
        FZ_CHECK(!strchr(o->issuer, '?'), "an issuer with a query passed");
    }
    else if (opt & 8) {
        const char *argv[] = { "issuer=https://id.example.com",
                               "auth-url=https://id.example.com/a",
                               "token-url=https://id.example.com/t" };
        if (mac_oauth2_parse(p, 3, argv, &o) != NULL) {
            fz_fail("the fixed OAuth2 settings are refused");
        }
    }

    /* The ManageSieve host. */
    if (!(f[4] && mac_sieve_parse(p, f[4], NULL, NULL, &sv) == NULL)) {
        if (mac_sieve_parse(p, "sieve.example.com", NULL, NULL, &sv)) {
            fz_fail("the fixed ManageSieve host is refused");
        }
    }

    domain = f[5] && mac_domain_check(f[5], lens[5]) == NULL
             ? mac_strlower(p, f[5], lens[5]) : "example.com";

    memset(&acct, 0, sizeof(acct));
    acct.domains = apr_array_make(p, 1, sizeof(const char *));
    APR_ARRAY_PUSH(acct.domains, const char *) = domain;
    acct.servers = apr_array_make(p, 2, sizeof(mac_server_t));
    memset(srv, 0, sizeof(srv));
    srv[0].proto = MAC_PROTO_IMAP;
    srv[0].host = "imap.%EMAILDOMAIN%";
    srv[0].port = (opt & 16) ? 993 : 143;
    srv[0].socket = (opt & 16) ? MAC_SOCK_SSL : MAC_SOCK_STARTTLS;
    srv[1].proto = MAC_PROTO_SMTP;
    srv[1].host = "smtp.example.com";
    srv[1].port = 465;
    APR_ARRAY_PUSH(acct.servers, mac_server_t) = srv[0];
    APR_ARRAY_PUSH(acct.servers, mac_server_t) = srv[1];
    acct.login_template = "%EMAILADDRESS%";
    acct.display_name = f[2] && !mac_text_check(f[2]) ? f[2] : NULL;
    acct.short_name = f[3] && !mac_text_check(f[3]) ? f[3] : NULL;
    acct.jmap_url = (opt & 1) ? url : NULL;
    acct.webmail_url = (opt & 2) ? url : NULL;
    acct.managesieve = (opt & 4) ? sv : NULL;
    acct.oauth2 = (opt & 8) ? o : NULL;

    /* PACC. */
    doc = mac_pacc_render(p, &acct, domain, &len, &why);
    FZ_CHECK(doc && !why, "no PACC document with an SMTP server on 465");
    doc2 = mac_pacc_render(p, &acct, domain, &len2, &why);
    FZ_CHECK(doc2 && len2 == len && memcmp(doc, doc2, len) == 0,
             "the PACC document is not byte-stable");
    j.p = p;
    j.s = doc;
    j.n = len;
    j.i = 0;
    j.strings = apr_array_make(p, 32, sizeof(const char *));
    if (!value(&j, 0) || (ws(&j), j.i != j.n)) {
        fz_dump("pacc", doc, len);
        fz_fail("the PACC document is not one JSON object");
    }
    if (acct.display_name) {
        size_t wlen;
        const char *want = fz_json_expect(p, acct.display_name,
                                          strlen(acct.display_name), &wlen);
        for (i = 0, found = 0; i < j.strings->nelts; i++) {
            found |= strcmp(APR_ARRAY_IDX(j.strings, i, const char *),
                            want) == 0;
        }
        FZ_CHECK(found, "the display name does not read back");
    }
    txt = mac_pacc_txt(p, doc, len);
    FZ_CHECK(txt && strlen(txt) == 21 + 44
             && strncmp(txt, "v=UAAC1; a=sha256; d=", 21) == 0
             && txt[strlen(txt) - 1] == '=',
             "the digest record has not its documented form");

    /* Thunderbird. */
    {
        xmlDocPtr x;
        xmlNodePtr top;
        xmlChar *ver;
        doc = mac_tb_render(p, &acct, domain, &len);
        x = fz_xml_parse("thunderbird", doc, len, 0);
        top = xmlDocGetRootElement(x);
        ver = xmlGetProp(top, (const xmlChar *)"version");
        FZ_CHECK(ver && strcmp((const char *)ver,
                               (opt & 15) ? "1.2" : "1.1") == 0,
                 "wrong clientConfig version");
        xmlFree(ver);
        xmlFreeDoc(x);
    }

    apr_pool_destroy(p);
    return 0;
}
