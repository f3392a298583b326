/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * Unit tests for host-name templates: "mail.%EMAILDOMAIN%" in a server
 * directive, filled with the domain asked about in every client's answer.
 */
#include <string.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include "tap.h"
#include "mac_account.h"
#include "mac_addr.h"
#include "mac_thunderbird.h"
#include "mac_autodiscover.h"
#include "mac_apple.h"

static apr_pool_t *pool;

static mac_account_t *account(void)
{
    mac_account_t *a = apr_pcalloc(pool, sizeof(*a));
    mac_server_t s;

    a->domains = apr_array_make(pool, 2, sizeof(const char *));
    APR_ARRAY_PUSH(a->domains, const char *) = "example.com";
    APR_ARRAY_PUSH(a->domains, const char *) = "example.org";
    a->servers = apr_array_make(pool, 2, sizeof(mac_server_t));
    ok(mac_parse_server(pool, MAC_PROTO_IMAP, "IMAP.%EMAILDOMAIN%", "993",
                        "ssl", NULL, &s) == NULL, "template host accepted");
    APR_ARRAY_PUSH(a->servers, mac_server_t) = s;
    ok(mac_parse_server(pool, MAC_PROTO_SMTP, "smtp.fixed.net", "465",
                        "ssl", NULL, &s) == NULL, "plain host accepted");
    APR_ARRAY_PUSH(a->servers, mac_server_t) = s;
    a->login_template = "%EMAILADDRESS%";
    return a;
}

int main(void)
{
    static const struct {
        const char *host;
        int good;
    } checks[] = {
        { "mail.%EMAILDOMAIN%", 1 },
        { "%EMAILDOMAIN%", 1 },
        { "imap-%EMAILDOMAIN%", 1 },          /* imap-example.com */
        { "mail.%EMAILLOCALPART%", 0 },
        { "mail.%EMAILADDRESS%", 0 },
        { "mail.%FOO%", 0 },
        { "mail.%EMAILDOMAIN", 0 },
        { "mail..%EMAILDOMAIN%", 0 },
        { "-%EMAILDOMAIN%", 0 },
    };
    mac_account_t *a;
    mac_addr_t addr;
    char *doc;
    apr_size_t len, i;
    const mac_ad_t *ad;
    const mac_apple_t *apple;
    const char *err = NULL;

    apr_initialize();
    apr_pool_create(&pool, NULL);
    plan_no_plan();

    for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
        const char *why = mac_host_template_check(pool, checks[i].host);
        ok((why == NULL) == checks[i].good, "'%s' %s", checks[i].host,
           checks[i].good ? "accepted" : "refused");
    }
    ok(strstr(mac_host_template_check(pool, "mail.%EMAILLOCALPART%"),
              "%EMAILDOMAIN%") != NULL, "the message names the placeholder");

    is_str(mac_host_template_lower(pool, "Mail.%EMAILDOMAIN%.EXAMPLE"),
           "mail.%EMAILDOMAIN%.example", "lower case keeps the placeholder");

    a = account();
    is_str(APR_ARRAY_IDX(a->servers, 0, mac_server_t).host,
           "imap.%EMAILDOMAIN%", "stored lower case with the placeholder");
    is_str(mac_server_host(pool, &APR_ARRAY_IDX(a->servers, 0, mac_server_t),
                           "example.org"),
           "imap.example.org", "filled for a domain");
    is_str(mac_server_host(pool, &APR_ARRAY_IDX(a->servers, 1, mac_server_t),
                           "example.org"),
           "smtp.fixed.net", "a fixed host stays");

    doc = mac_tb_render(pool, a, "example.org", &len);
    ok(strstr(doc, "<hostname>imap.example.org</hostname>") != NULL,
       "Thunderbird: the host is filled with the provider's domain");
    ok(strstr(doc, "%EMAILDOMAIN%</hostname>") == NULL,
       "Thunderbird: no placeholder left in a host name");

    ad = mac_ad_compile(pool, a, NULL);
    doc = mac_ad_fill(pool, ad->outlook, "bob@example.com", "bob",
                      "example.com", &len);
    ok(strstr(doc, "<Server>imap.example.com</Server>") != NULL,
       "Outlook: the host is filled with the address's domain");
    ok(strstr(doc, "<Server>smtp.fixed.net</Server>") != NULL,
       "Outlook: a fixed host stays");

    apple = mac_apple_compile(pool, a, &err);
    ok(apple != NULL, "Apple profile compiles");
    ok(mac_addr_parse(pool, "bob@example.org", 15, &addr) == NULL,
       "address parses");
    doc = mac_apple_render(pool, apple, &addr, "Bob", &len);
    ok(strstr(doc, "<string>imap.example.org</string>") != NULL,
       "Apple: the host is filled with the address's domain");
    ok(strstr(doc, "%EMAILDOMAIN%") == NULL, "Apple: no placeholder left");

    apr_pool_destroy(pool);
    apr_terminate();
    return done_testing();
}
