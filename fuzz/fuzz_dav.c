/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * libFuzzer harness for src/mac_dav.c: the well-known path matcher, the
 * CalDAV/CardDAV URL check (directives and database columns), the
 * redirect target and the pieces the URL goes into.
 *
 * Input: the bytes as a C string (cut at the first NUL), taken both as a
 * request path and as a configured URL.
 *
 * Invariants (against an independent reading of mac_dav.h):
 *   - mac_dav_path gives exactly the four well-known forms;
 *   - mac_dav_url_check refuses every URL that is longer than 1024 bytes,
 *     not https://, has a character outside RFC 3986's set, a query, a
 *     fragment, a '%' that is neither %EMAILDOMAIN% nor %XX, a user name
 *     or no host;
 *   - for an accepted URL: filled in, no %EMAILDOMAIN% is left, its length
 *     is what the replacements make it, and it still starts with the
 *     scheme; split, the host is not empty, the port is 1..65535 and the
 *     path starts with '/'; the Thunderbird elements, Autodiscover entries
 *     (filled) and Apple payloads are well-formed XML, and Thunderbird's
 *     <url> reads back as the filled URL.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>
#include <libxml/parser.h>

#include "fuzz_common.h"
#include "mac_dav.h"
#include "mac_escape.h"
#include "mac_template.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

FZ_ROOT_AND_INIT(root)

static mac_dav_e dav_ref_path(const char *u)
{
    if (!strcmp(u, "/.well-known/caldav") || !strcmp(u, "/.well-known/caldav/")) {
        return MAC_DAV_CALDAV;
    }
    if (!strcmp(u, "/.well-known/carddav")
        || !strcmp(u, "/.well-known/carddav/")) {
        return MAC_DAV_CARDDAV;
    }
    return MAC_DAV_NONE;
}

static int dav_hexd(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')
           || (c >= 'A' && c <= 'F');
}

/* The simple reasons to refuse; 1 when one of them applies. */
static int dav_ref_refuse(const char *u)
{
    static const char ok[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRST"
                             "UVWXYZ0123456789-._~:/[]@!$&'()*+,;=%";
    size_t len = strlen(u), i, alen;
    const char *auth;

    if (len > 1024 || len < 8) {
        return 1;
    }
    for (i = 0; i < 8; i++) {
        char c = u[i];
        if (c >= 'A' && c <= 'Z') {
            c = (char)(c + 32);
        }
        if (c != "https://"[i]) {
            return 1;
        }
    }
    for (i = 0; i < len; i++) {
        if (!memchr(ok, u[i], sizeof(ok) - 1)) {
            return 1;               /* also '?' and '#' */
        }
        if (u[i] == '%') {
            if (!strncmp(u + i, "%EMAILDOMAIN%", 13)) {
                i += 12;
            }
            else if (i + 2 < len && dav_hexd(u[i + 1]) && dav_hexd(u[i + 2])) {
                i += 2;
            }
            else {
                return 1;
            }
        }
    }
    auth = u + 8;
    alen = strcspn(auth, "/");
    return alen == 0 || memchr(auth, '@', alen) != NULL;
}

static void dav_check_xml(const char *what, const char *frag)
{
    const char *doc = apr_pstrcat(root, "<r>", frag, "</r>", NULL);
    xmlDocPtr x = xmlReadMemory(doc, (int)strlen(doc), NULL, NULL,
                                XML_PARSE_NONET);

    if (!x) {
        fz_dump(what, frag, strlen(frag));
        fz_fail("%s is not well-formed", what);
    }
    xmlFreeDoc(x);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    char *raw, *s;
    const char *why, *host, *path, *filled, *tpl, *tb;
    mac_account_t acct;
    mac_values_t vals;
    mac_doc_t *doc;
    size_t n = 0, len;
    int port;

    raw = fz_exact_copy(data, size);
    if (apr_pool_create(&p, root) != APR_SUCCESS) {
        abort();
    }
    s = apr_pstrndup(p, raw, size);

    FZ_CHECK(mac_dav_path(s) == dav_ref_path(s), "mac_dav_path differs from the "
             "reference");

    why = mac_dav_url_check(p, s);
    if (dav_ref_refuse(s)) {
        if (!why) {
            fz_dump("url", s, strlen(s));
            fz_fail("mac_dav_url_check accepts what the reference refuses");
        }
    }
    if (why) {
        apr_pool_destroy(p);
        free(raw);
        return 0;
    }

    for (tpl = s; (tpl = strstr(tpl, "%EMAILDOMAIN%")) != NULL; tpl += 13) {
        n++;
    }
    filled = mac_dav_url(p, s, "example.org");
    len = strlen(s) - 13 * n + 11 * n;
    FZ_CHECK(strlen(filled) == len, "the filled URL has the wrong length");
    FZ_CHECK(!strstr(filled, "%EMAILDOMAIN%"), "a variable is left");
    FZ_CHECK(!strncmp(filled, s, 8), "the scheme changed");
    mac_dav_split(p, filled, &host, &port, &path);
    FZ_CHECK(*host != '\0', "split: no host");
    FZ_CHECK(port >= 1 && port <= 65535, "split: port %d", port);
    FZ_CHECK(path[0] == '/', "split: the path does not start with /");

    memset(&acct, 0, sizeof(acct));
    acct.login_template = "%EMAILADDRESS%";
    acct.caldav_url = s;
    acct.carddav_url = s;
    tb = mac_dav_tb_xml(p, &acct, "example.org");
    dav_check_xml("the Thunderbird elements", tb);
    {
        const char *wrapped = apr_pstrcat(p, "<r>", tb, "</r>", NULL);
        xmlDocPtr x = xmlReadMemory(wrapped, (int)strlen(wrapped), NULL, NULL,
                                    XML_PARSE_NONET);
        xmlNodePtr r = x ? xmlDocGetRootElement(x) : NULL, c, u;
        int found = 0;

        for (c = r ? r->children : NULL; c; c = c->next) {
            for (u = c->children; u; u = u->next) {
                if (u->type == XML_ELEMENT_NODE
                    && !strcmp((const char *)u->name, "url")) {
                    xmlChar *t = xmlNodeGetContent(u);
                    FZ_CHECK(!strcmp((const char *)t, filled),
                             "Thunderbird's <url> is not the filled URL");
                    xmlFree(t);
                    found++;
                }
            }
        }
        FZ_CHECK(found == 2, "Thunderbird: %d <url> elements", found);
        xmlFreeDoc(x);
    }
    tpl = mac_dav_ad_xml(p, &acct);
    doc = mac_doc_compile(p, tpl, strlen(tpl));
    memset(&vals, 0, sizeof(vals));
    mac_values_from_addr(p, &vals, "a@example.org", "a", "example.org",
                         mac_xml_escape);
    dav_check_xml("the Autodiscover entries",
              mac_doc_fill(p, doc, &vals, NULL));
    tpl = mac_dav_apple_xml(p, &acct, "user", "descr", NULL, "id", "U1",
                            "U2");
    doc = mac_doc_compile(p, tpl, strlen(tpl));
    dav_check_xml("the Apple payloads", mac_doc_fill(p, doc, &vals, NULL));

    apr_pool_destroy(p);
    free(raw);
    return 0;
}
