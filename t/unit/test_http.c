/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * Unit tests for src/mac_http.c: media types, query safety, printable
 * ASCII, configured URLs and HOST[:PORT].
 */
#include <string.h>
#include <apr_general.h>
#include <apr_pools.h>
#include "tap.h"
#include "mac_http.h"

static const struct {
    const char *ct;
    int         xml;
} media[] = {
    { NULL, 1 },
    { "text/xml", 1 },
    { "TEXT/XML", 1 },
    { "text/xml; charset=utf-8", 1 },
    { "text/xml;charset=utf-8", 1 },
    { " application/xml ; charset=\"utf-8\"", 1 },
    { "application/soap+xml", 1 },
    { "Application/SOAP+XML; action=x", 1 },
    { "text/xmlfoo", 0 },
    { "text/xml-foo; charset=utf-8", 0 },
    { "application/xmlx", 0 },
    { "application/soap+xmlfoo", 0 },
    { "text/html", 0 },
    { "text/", 0 },
    { "", 0 },
    { "xml", 0 },
    { "application/json", 0 },
};

static const struct {
    const char *url;
    int         https_only;
    const char *why;        /* substring, or NULL: accepted */
} urls[] = {
    { "https://example.com/help", 0, NULL },
    { "http://example.com/help", 0, NULL },
    { "HTTPS://EXAMPLE.COM/", 1, NULL },
    { "http://example.com/help", 1, "not an https://" },
    { "ftp://example.com/help", 0, "http://" },
    { "javascript:alert(1)", 0, "http://" },
    { "/relative", 0, "http://" },
    { "https://example.com/a b", 0, "spaces" },
    { "https://example.com/\x01", 0, "control" },
    { "https://example.com/\xff", 0, "http://" },
};

static const struct {
    const char *arg;
    const char *host;      /* NULL: refused */
    int         port;
} hostports[] = {
    { "mail.example.com", "mail.example.com", 0 },
    { "mail.example.com:8443", "mail.example.com", 8443 },
    { "192.0.2.1:443", "192.0.2.1", 443 },
    { "[2001:db8::1]:8443", "2001:db8::1", 8443 },
    { "[2001:db8::1]", "2001:db8::1", 0 },
    { "2001:db8::1", "2001:db8::1", 0 },
    { "mail.example.com:0", NULL, 0 },
    { "mail.example.com:65536", NULL, 0 },
    { "mail.example.com:", NULL, 0 },
    { "mail.example.com:x", NULL, 0 },
    { "[2001:db8::1]x", NULL, 0 },
    { "[2001:db8::1", NULL, 0 },
    { "-bad-:443", NULL, 0 },
    { "a b", NULL, 0 },
    { "", NULL, 0 },
};

int main(void)
{
    apr_pool_t *pool;
    size_t i;

    apr_initialize();
    apr_pool_create(&pool, NULL);
    plan_no_plan();

    for (i = 0; i < sizeof(media) / sizeof(media[0]); i++) {
        ok(mac_media_type_xml(media[i].ct) == media[i].xml,
           "Content-Type %s%s%s is %s", media[i].ct ? "\"" : "",
           media[i].ct ? media[i].ct : "(none)", media[i].ct ? "\"" : "",
           media[i].xml ? "XML" : "not XML");
    }

    ok(mac_query_safe("emailaddress=a%40example.com&x=1"), "escaped query "
       "is safe");
    ok(mac_query_safe(""), "empty query is safe");
    ok(!mac_query_safe("a=<b>"), "angle brackets are not safe");
    ok(!mac_query_safe("a=b c"), "a space is not safe");
    ok(!mac_query_safe("a=\"b\""), "a quote is not safe");
    ok(!mac_query_safe("a=\r\nb"), "CR LF is not safe");
    ok(!mac_query_safe("a=\xc3\xa4"), "raw UTF-8 is not safe");

    ok(mac_printable_ascii("a@b.c", 5, 254), "printable ASCII");
    ok(mac_printable_ascii("", 0, 254), "empty is printable");
    ok(!mac_printable_ascii("a\x7f", 2, 254), "DEL is not printable");
    ok(!mac_printable_ascii("a\nb", 3, 254), "LF is not printable");
    ok(!mac_printable_ascii("\xc3\xa4", 2, 254), "UTF-8 is not ASCII");
    ok(!mac_printable_ascii("abcdef", 6, 5), "longer than the cap");
    ok(mac_printable_ascii("abcde", 5, 5), "exactly the cap");

    for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
        const char *why = mac_url_check(pool, urls[i].url, urls[i].https_only);
        if (urls[i].why) {
            ok(why && strstr(why, urls[i].why), "URL refused (%s)",
               urls[i].why);
            if (!why || !strstr(why, urls[i].why)) {
                diag("got %s", why ? why : "(accepted)");
            }
        }
        else {
            ok(why == NULL, "URL %s accepted", urls[i].url);
        }
    }
    {
        char big[2100];
        memcpy(big, "https://", 8);
        memset(big + 8, 'a', sizeof(big) - 9);
        big[sizeof(big) - 1] = '\0';
        ok(mac_url_check(pool, big, 0) != NULL, "a URL over 2048 bytes is "
           "refused");
    }

    for (i = 0; i < sizeof(hostports) / sizeof(hostports[0]); i++) {
        const char *host = NULL;
        int port = -1;
        const char *why = mac_hostport_parse(pool, hostports[i].arg, &host,
                                             &port);
        if (hostports[i].host) {
            ok(why == NULL && host && strcmp(host, hostports[i].host) == 0
               && port == hostports[i].port, "HOST[:PORT] \"%s\"",
               hostports[i].arg);
            if (why) {
                diag("%s", why);
            }
        }
        else {
            ok(why != NULL, "HOST[:PORT] \"%s\" refused", hostports[i].arg);
        }
    }

    apr_pool_destroy(pool);
    apr_terminate();
    return done_testing();
}
