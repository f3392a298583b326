/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * Unit tests for src/mac_dav.c: the well-known paths, the URL check, the
 * redirect target, and the CalDAV/CardDAV pieces of the Thunderbird,
 * Autodiscover and DNS outputs (the Apple payloads are in test_apple.c).
 */
#include <string.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <libxml/parser.h>
#include "tap.h"
#include "fixture.h"
#include "mac_dav.h"
#include "mac_dns.h"
#include "mac_thunderbird.h"
#include "mac_autodiscover.h"

static apr_pool_t *pool;

static const struct {
    const char *uri;
    mac_dav_e   want;
} path_cases[] = {
    { "/.well-known/caldav", MAC_DAV_CALDAV },
    { "/.well-known/caldav/", MAC_DAV_CALDAV },
    { "/.well-known/carddav", MAC_DAV_CARDDAV },
    { "/.well-known/carddav/", MAC_DAV_CARDDAV },
    { "/.well-known/caldav//", MAC_DAV_NONE },
    { "/.well-known/caldavx", MAC_DAV_NONE },
    { "/.well-known/caldav/x", MAC_DAV_NONE },
    { "/.well-known/CalDAV", MAC_DAV_NONE },
    { "/.well-known/card", MAC_DAV_NONE },
    { "/.well-known/", MAC_DAV_NONE },
    { "/caldav", MAC_DAV_NONE },
    { "", MAC_DAV_NONE },
};

static const struct {
    const char *url;
    const char *why;   /* substring of the message; NULL: accepted */
} url_cases[] = {
    { "https://dav.example.com/", NULL },
    { "https://dav.example.com", NULL },
    { "https://dav.example.com:8443/radicale/", NULL },
    { "https://dav.%EMAILDOMAIN%/", NULL },
    { "https://dav.example.com/%EMAILDOMAIN%/cal/", NULL },
    { "https://dav.example.com/a%20b/", NULL },
    { "https://[2001:db8::1]/dav/", NULL },
    { "https://[2001:db8::1]:8443/dav/", NULL },
    { "https://192.0.2.1/dav/", NULL },
    { "http://dav.example.com/", "not an https:// URL" },
    { "ftp://dav.example.com/", "is not an http:// or https:// URL" },
    { "dav.example.com", "is not an http:// or https:// URL" },
    { "https://dav.example.com/?x=1", "a query or a fragment" },
    { "https://dav.example.com/#top", "a query or a fragment" },
    { "https://dav.example.com/?", "a query or a fragment" },
    { "https://dav.%EMAILADDRESS%/", "unknown template variable "
      "'%EMAILADDRESS%'" },
    { "https://dav.example.com/%USER%/", "unknown template variable "
      "'%USER%'" },
    { "https://dav.example.com/%emaildomain%/", "neither %EMAILDOMAIN% nor" },
    { "https://dav.example.com/100%", "neither %EMAILDOMAIN% nor" },
    { "https://dav.example.com/%zz", "neither %EMAILDOMAIN% nor" },
    { "https://user@dav.example.com/", "user name" },
    { "https://user:pw@dav.example.com/", "user name" },
    { "https:///dav", "no host name" },
    { "https://dav.example.com:0/", "no valid port" },
    { "https://dav.example.com:99999/", "no valid port" },
    { "https://dav.example.com:/", "no valid port" },
    { "https://dav_x.example.com/", "dav_x.example.com" },
    { "https://dav.example.com/a b", "without spaces" },
    { "https://dav.example.com/\"x\"", "may not contain" },
    { "https://dav.example.com/<x>", "may not contain" },
    { "https://dav.example.com/\\x", "may not contain" },
    { "https://dav.example.com/caf\xc3\xa9", "may not contain" },
    { "https://dav.example.com/\x01", "control characters" },
};

static void test_paths(void)
{
    unsigned i;

    for (i = 0; i < sizeof(path_cases) / sizeof(path_cases[0]); i++) {
        is_int(mac_dav_path(path_cases[i].uri), path_cases[i].want,
               apr_psprintf(pool, "path '%s'", path_cases[i].uri));
    }
    is_str(mac_dav_name(MAC_DAV_CALDAV), "CalDAV", "name of CalDAV");
    is_str(mac_dav_name(MAC_DAV_CARDDAV), "CardDAV", "name of CardDAV");
    is_str(mac_dav_name(MAC_DAV_NONE), "", "name of nothing");
}

static void test_url_check(void)
{
    unsigned i;
    char *long_url;

    for (i = 0; i < sizeof(url_cases) / sizeof(url_cases[0]); i++) {
        const char *why = mac_dav_url_check(pool, url_cases[i].url);
        const char *name = apr_psprintf(pool, "URL '%s' %s",
            fx_vis(pool, url_cases[i].url, strlen(url_cases[i].url)),
            url_cases[i].why ? "refused" : "accepted");
        if (url_cases[i].why) {
            if (!ok(why && strstr(why, url_cases[i].why), "%s", name)) {
                diag("message: %s", why ? why : "(none)");
            }
        }
        else if (!ok(why == NULL, "%s", name)) {
            diag("message: %s", why);
        }
    }
    long_url = apr_pstrcat(pool, "https://dav.example.com/",
                           fx_rep(pool, 'a', MAC_DAV_URL_MAX), NULL);
    ok(fx_contains(mac_dav_url_check(pool, long_url), "longer than"),
       "a URL of more than " APR_STRINGIFY(MAC_DAV_URL_MAX) " bytes is "
       "refused");
}

static void test_fill_split(void)
{
    const char *host, *path;
    int port;

    is_str(mac_dav_url(pool, "https://dav.%EMAILDOMAIN%/%EMAILDOMAIN%/",
                       "example.org"),
           "https://dav.example.org/example.org/",
           "every %EMAILDOMAIN% is filled in");
    is_str(mac_dav_url(pool, "https://dav.example.com/", "example.org"),
           "https://dav.example.com/", "a URL without a variable is kept");

    mac_dav_split(pool, "https://dav.example.com/radicale/", &host, &port,
                  &path);
    ok(strcmp(host, "dav.example.com") == 0 && port == 443
       && strcmp(path, "/radicale/") == 0, "split: host, default port, path");
    mac_dav_split(pool, "https://dav.example.com:8443", &host, &port, &path);
    ok(strcmp(host, "dav.example.com") == 0 && port == 8443
       && strcmp(path, "/") == 0, "split: explicit port, empty path is /");
    mac_dav_split(pool, "https://[2001:db8::1]:8443/x", &host, &port, &path);
    ok(strcmp(host, "[2001:db8::1]") == 0 && port == 8443
       && strcmp(path, "/x") == 0, "split: IPv6 literal with a port");
    mac_dav_split(pool, "https://[2001:db8::1]/x", &host, &port, &path);
    ok(strcmp(host, "[2001:db8::1]") == 0 && port == 443,
       "split: IPv6 literal without a port");
    mac_dav_split(pool, "https://dav.%EMAILDOMAIN%/", &host, &port, &path);
    is_str(host, "dav.%EMAILDOMAIN%", "split: a template host stays one");
}

static mac_account_t *dav_account(void)
{
    mac_server_t s[2];
    mac_account_t *a;

    s[0] = fx_server(MAC_PROTO_IMAP, "imap.example.com", 993, MAC_SOCK_SSL,
                     MAC_AUTH_PASSWORD_CLEARTEXT);
    s[1] = fx_server(MAC_PROTO_SMTP, "smtp.example.com", 465, MAC_SOCK_SSL,
                     MAC_AUTH_PASSWORD_CLEARTEXT);
    a = fx_account(pool, s, 2);
    a->caldav_url = "https://dav.%EMAILDOMAIN%/radicale/";
    a->carddav_url = "https://dav.%EMAILDOMAIN%/radicale/";
    return a;
}

/* The whole Thunderbird document, pinned: both Thunderbird desktop
 * (readFromXML reads only named children of <emailProvider>) and
 * Thunderbird for Android (its autoconfig parser skips unknown elements
 * of <clientConfig> and <emailProvider>) read <emailProvider> as before;
 * the draft places <addressbook> and <calendar> after it, inside
 * <clientConfig>.  A change here must be checked against both parsers
 * again. */
static const char tb_pinned[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<clientConfig version=\"1.1\">\n"
    "  <emailProvider id=\"example.org\">\n"
    "    <domain>example.com</domain>\n"
    "    <domain>example.org</domain>\n"
    "    <displayName>example.org</displayName>\n"
    "    <displayShortName>example.org</displayShortName>\n"
    "    <incomingServer type=\"imap\">\n"
    "      <hostname>imap.example.com</hostname>\n"
    "      <port>993</port>\n"
    "      <socketType>SSL</socketType>\n"
    "      <authentication>password-cleartext</authentication>\n"
    "      <username>%EMAILADDRESS%</username>\n"
    "    </incomingServer>\n"
    "    <outgoingServer type=\"smtp\">\n"
    "      <hostname>smtp.example.com</hostname>\n"
    "      <port>465</port>\n"
    "      <socketType>SSL</socketType>\n"
    "      <authentication>password-cleartext</authentication>\n"
    "      <username>%EMAILADDRESS%</username>\n"
    "    </outgoingServer>\n"
    "  </emailProvider>\n"
    "  <addressbook type=\"carddav\">\n"
    "    <url>https://dav.example.org/radicale/</url>\n"
    "    <authentication>basic</authentication>\n"
    "    <username>%EMAILADDRESS%</username>\n"
    "  </addressbook>\n"
    "  <calendar type=\"caldav\">\n"
    "    <url>https://dav.example.org/radicale/</url>\n"
    "    <authentication>basic</authentication>\n"
    "    <username>%EMAILADDRESS%</username>\n"
    "  </calendar>\n"
    "</clientConfig>\n";

static void test_thunderbird(void)
{
    mac_account_t *a = dav_account();
    apr_size_t len;
    char *doc = mac_tb_render(pool, a, "example.org", &len);
    xmlDocPtr x;

    is_str(doc, tb_pinned, "Thunderbird: the document with <addressbook> "
           "and <calendar>, exactly");
    x = xmlReadMemory(doc, (int)len, NULL, NULL, XML_PARSE_NONET);
    ok(x != NULL, "Thunderbird: well-formed");
    xmlFreeDoc(x);

    a->carddav_url = NULL;
    doc = mac_tb_render(pool, a, "example.org", NULL);
    ok(fx_contains(doc, "<calendar type=\"caldav\">")
       && !fx_contains(doc, "<addressbook"), "Thunderbird: CalDAV only");
    a->caldav_url = NULL;
    doc = mac_tb_render(pool, a, "example.org", NULL);
    ok(!fx_contains(doc, "<calendar") && !fx_contains(doc, "<addressbook")
       && fx_contains(doc, "  </emailProvider>\n</clientConfig>\n"),
       "Thunderbird: without DAV the document is as before");
    is_str(mac_dav_tb_xml(pool, a, "example.org"), "",
           "Thunderbird: no DAV elements without URLs");
}

static void test_autodiscover(void)
{
    mac_account_t *a = dav_account();
    mac_ad_t *ad;
    char *doc;
    apr_size_t len;
    xmlDocPtr x;

    a->login_template = "%EMAILLOCALPART%";
    a->carddav_url = "https://contacts.example.net/card/";
    ad = mac_ad_compile(pool, a, NULL);
    doc = mac_ad_fill(pool, ad->outlook, "alice@example.org", "alice",
                      "example.org", &len);
    ok(fx_contains(doc,
        "      <Protocol>\n"
        "        <Type>CalDAV</Type>\n"
        "        <Server>https://dav.example.org/radicale/</Server>\n"
        "        <SSL>on</SSL>\n"
        "        <DomainRequired>off</DomainRequired>\n"
        "        <LoginName>alice</LoginName>\n"
        "      </Protocol>\n"
        "      <Protocol>\n"
        "        <Type>CardDAV</Type>\n"
        "        <Server>https://contacts.example.net/card/</Server>\n"
        "        <SSL>on</SSL>\n"
        "        <DomainRequired>off</DomainRequired>\n"
        "        <LoginName>alice</LoginName>\n"
        "      </Protocol>\n"
        "    </Account>\n"), "Autodiscover: CalDAV and CardDAV Protocol "
       "entries after the mail servers, in automx2's shape");
    ok(strstr(doc, "<Type>SMTP</Type>") < strstr(doc, "<Type>CalDAV</Type>"),
       "Autodiscover: mail servers first");
    x = xmlReadMemory(doc, (int)len, NULL, NULL, XML_PARSE_NONET);
    ok(x != NULL, "Autodiscover: well-formed");
    xmlFreeDoc(x);
    a->caldav_url = a->carddav_url = NULL;
    ok(!fx_contains(mac_ad_fill(pool, mac_ad_compile(pool, a, NULL)->outlook,
                                "alice@example.org", "alice", "example.org",
                                NULL), "DAV"),
       "Autodiscover: nothing about DAV without URLs");
}

/* The value of the record name/type, or NULL. */
static const char *rr_value(const apr_array_header_t *rrs, const char *name,
                            const char *type)
{
    int i;

    for (i = 0; i < rrs->nelts; i++) {
        const mac_dns_rr_t *rr = &APR_ARRAY_IDX(rrs, i, mac_dns_rr_t);
        if (strcmp(rr->name, name) == 0 && rr->type
            && strcmp(rr->type, type) == 0) {
            return rr->value;
        }
    }
    return NULL;
}

static void test_dns(void)
{
    mac_account_t *a = dav_account();
    apr_array_header_t *rrs;
    char *zone;

    a->carddav_url = "https://Contacts.Example.NET:8443/card/%EMAILDOMAIN%/";
    rrs = mac_dns_records(pool, a, "example.org", "www.example.org", 443);
    is_str(rr_value(rrs, "_caldavs._tcp.example.org.", "SRV"),
           "0 1 443 dav.example.org.",
           "DNS: _caldavs._tcp SRV to the URL's host and port");
    is_str(rr_value(rrs, "_caldavs._tcp.example.org.", "TXT"),
           "\"path=/radicale/\"", "DNS: CalDAV TXT path record");
    is_str(rr_value(rrs, "_carddavs._tcp.example.org.", "SRV"),
           "0 1 8443 contacts.example.net.",
           "DNS: _carddavs._tcp SRV, host in lower case, the URL's port");
    is_str(rr_value(rrs, "_carddavs._tcp.example.org.", "TXT"),
           "\"path=/card/example.org/\"",
           "DNS: CardDAV TXT path, domain filled in");
    a->caldav_url = "https://192.0.2.7/dav/";
    zone = mac_dns_zone_text(pool, mac_dns_records(pool, a, "example.org",
                                                   "www.example.org", 443));
    ok(fx_contains(zone, "; _caldavs._tcp.example.org. CalDAV is at an IP "
                   "address"), "DNS: an IP literal gets advice, no SRV");
    a->caldav_url = a->carddav_url = NULL;
    zone = mac_dns_zone_text(pool, mac_dns_records(pool, a, "example.org",
                                                   "www.example.org", 443));
    ok(!fx_contains(zone, "dav"), "DNS: no DAV records without URLs");
}

int main(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);
    plan_no_plan();

    test_paths();
    test_url_check();
    test_fill_split();
    test_thunderbird();
    test_autodiscover();
    test_dns();

    apr_pool_destroy(pool);
    apr_terminate();
    return done_testing();
}
