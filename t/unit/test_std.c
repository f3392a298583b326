/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * Unit tests for src/mac_std.c (the autoconfig 1.2 values: URL check,
 * ManageSieve and OAuth2 settings, their Thunderbird rendering) and
 * src/mac_pacc.c (the PACC document, its digest, warnings and DNS
 * records).
 */
#include <string.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include <openssl/evp.h>
#include <apr_base64.h>

#include "tap.h"
#include "fixture.h"
#include "mac_account.h"
#include "mac_std.h"
#include "mac_pacc.h"
#include "mac_dns.h"
#include "mac_thunderbird.h"

static apr_pool_t *pool;

static const struct {
    const char *url;
    const char *why;      /* substring of the message; NULL: accepted */
} url_cases[] = {
    { "https://jmap.example.com/.well-known/jmap", NULL },
    { "https://jmap.example.com", NULL },
    { "HTTPS://jmap.example.com:8443/session?x=1", NULL },
    { "https://[2001:db8::1]/jmap", NULL },
    { "https://192.0.2.1:443/", NULL },
    { "http://jmap.example.com/", "https" },
    { "ftp://jmap.example.com/", "https" },
    { "https://jmap.example.com/#frag", "fragment" },
    { "https://jmap.example.com#", "fragment" },
    { "https://user:pw@jmap.example.com/", "user information" },
    { "https:///path", "no host" },
    { "https://", "no host" },
    { "https://jmap..example.com/", "jmap..example.com" },
    { "https://jmap.example.com:0/", "port" },
    { "https://jmap.example.com:99999/", "port" },
    { "https://jmap.example.com/a b", "spaces" },
    { "https://jmap.example.com/\x01", "control" },
    { "jmap.example.com", "https" },
};

static const struct {
    const char *line;
    const char *why;     /* substring; NULL: accepted */
} oauth_cases[] = {
    { "issuer=https://id.example.com auth-url=https://id.example.com/a "
      "token-url=https://id.example.com/t", NULL },
    { "issuer=https://id.example.com/realm auth-url=https://id.example.com/a "
      "token-url=https://id.example.com/t \"scope=a b\" client-id=open "
      "order=oauth2-first", NULL },
    { "ISSUER=https://id.example.com Auth-URL=https://id.example.com/a "
      "token-url=https://id.example.com/t", NULL },
    { "auth-url=https://id.example.com/a token-url=https://id.example.com/t",
      "issuer= is required" },
    { "issuer=https://id.example.com token-url=https://id.example.com/t",
      "auth-url= is required" },
    { "issuer=https://id.example.com auth-url=https://id.example.com/a",
      "token-url= is required" },
    { "issuer=http://id.example.com auth-url=https://id.example.com/a "
      "token-url=https://id.example.com/t", "issuer=" },
    { "issuer=https://id.example.com?x auth-url=https://id.example.com/a "
      "token-url=https://id.example.com/t", "query" },
    { "issuer=https://id.example.com auth-url=https://id.example.com/a#x "
      "token-url=https://id.example.com/t", "fragment" },
    { "issuer=https://id.example.com auth-url=https://id.example.com/a "
      "token-url=https://id.example.com/t client-secret=hunter2",
      "unknown setting 'client-secret'" },
    { "issuer=https://id.example.com auth-url=https://id.example.com/a "
      "token-url=https://id.example.com/t bogus", "unknown setting 'bogus'" },
    { "issuer=https://id.example.com issuer=https://id.example.com "
      "auth-url=https://id.example.com/a token-url=https://id.example.com/t",
      "twice" },
    { "issuer= auth-url=https://id.example.com/a "
      "token-url=https://id.example.com/t", "no value" },
    { "issuer=https://id.example.com auth-url=https://id.example.com/a "
      "token-url=https://id.example.com/t order=sometimes", "order=" },
    { "issuer=https://id.example.com auth-url=https://id.example.com/a "
      "token-url=https://id.example.com/t scope=a\"b", "scope=" },
};

static void test_urls(void)
{
    size_t i;
    int port;

    for (i = 0; i < sizeof(url_cases) / sizeof(url_cases[0]); i++) {
        const char *why = mac_std_url_check(pool, url_cases[i].url);
        if (!url_cases[i].why) {
            ok(why == NULL, "URL '%s' accepted (%s)", url_cases[i].url,
               why ? why : "");
        }
        else {
            ok(why && fx_contains(why, url_cases[i].why),
               "URL '%s' refused: %s", fx_vis(pool, url_cases[i].url,
                                               strlen(url_cases[i].url)),
               why ? why : "(accepted)");
        }
    }
    is_str(mac_std_url_host(pool, "https://JMAP.Example.com:8443/x", &port),
           "jmap.example.com", "the host of a URL, lower case");
    is_int(port, 8443, "and its port");
    is_str(mac_std_url_host(pool, "https://jmap.example.com?q", &port),
           "jmap.example.com", "a host followed by a query");
    is_int(port, 0, "no port");
}

static void test_oauth(void)
{
    size_t i;
    mac_oauth2_t *o = NULL;
    const char *argv[] = { "issuer=https://id.example.com",
                           "auth-url=https://id.example.com/a",
                           "token-url=https://id.example.com/t",
                           "scope=mail offline_access" };

    for (i = 0; i < sizeof(oauth_cases) / sizeof(oauth_cases[0]); i++) {
        const char *why = mac_oauth2_parse_line(pool, oauth_cases[i].line,
                                                &o);
        if (!oauth_cases[i].why) {
            ok(why == NULL, "OAuth2 '%s' accepted (%s)", oauth_cases[i].line,
               why ? why : "");
        }
        else {
            ok(why && fx_contains(why, oauth_cases[i].why),
               "OAuth2 '%s' refused: %s", oauth_cases[i].line,
               why ? why : "(accepted)");
        }
    }
    ok(mac_oauth2_parse_line(pool, oauth_cases[10].line, &o)
       && !fx_contains(mac_oauth2_parse_line(pool, oauth_cases[9].line, &o),
                       "hunter2"),
       "an unknown setting's value is not repeated in the message");
    ok(mac_oauth2_parse_line(pool, oauth_cases[1].line, &o) == NULL
       && o->oauth2_first && strcmp(o->scope, "a b") == 0
       && strcmp(o->client_id, "open") == 0
       && strcmp(o->issuer, "https://id.example.com/realm") == 0,
       "the settings of the full line");
    ok(mac_oauth2_parse(pool, 4, argv, &o) == NULL && !o->oauth2_first
       && strcmp(o->scope, "mail offline_access") == 0 && !o->client_id,
       "arguments as the directive gives them; password first by default");
}

static void test_sieve(void)
{
    mac_sieve_t *s = NULL;

    ok(mac_sieve_parse(pool, "Sieve.Example.com", NULL, NULL, &s) == NULL
       && strcmp(s->host, "sieve.example.com") == 0 && s->port == 4190
       && s->socket == MAC_SOCK_STARTTLS, "ManageSieve defaults: 4190, "
       "starttls, host lower case");
    ok(mac_sieve_parse(pool, "sieve.%EMAILDOMAIN%", "5190", "ssl", &s) == NULL
       && s->port == 5190 && s->socket == MAC_SOCK_SSL,
       "ManageSieve with a port, a socket and the domain placeholder");
    ok(mac_sieve_parse(pool, "bad host", NULL, NULL, &s) != NULL,
       "a bad host is refused");
    ok(mac_sieve_parse(pool, "sieve.example.com", "0", NULL, &s) != NULL,
       "a bad port is refused");
    ok(mac_sieve_parse(pool, "sieve.example.com", "4190", "bogus", &s) != NULL,
       "a bad socket is refused");
}

/* An account with IMAP ssl/993 and starttls/143, SMTP ssl/465. */
static mac_account_t *account(void)
{
    mac_server_t s[3];

    s[0] = fx_server(MAC_PROTO_IMAP, "imap.%EMAILDOMAIN%", 993, MAC_SOCK_SSL,
                     MAC_AUTH_PASSWORD_CLEARTEXT);
    s[1] = fx_server(MAC_PROTO_IMAP, "imap.example.com", 143,
                     MAC_SOCK_STARTTLS, MAC_AUTH_PASSWORD_CLEARTEXT);
    s[2] = fx_server(MAC_PROTO_SMTP, "smtp.example.com", 465, MAC_SOCK_SSL,
                     MAC_AUTH_PASSWORD_CLEARTEXT);
    return fx_account(pool, s, 3);
}

static void test_tb(void)
{
    mac_account_t *a = account();
    mac_oauth2_t *o;
    mac_sieve_t *s;
    const char *doc, *sm, *ep;

    doc = mac_tb_render(pool, a, "example.com", NULL);
    ok(fx_contains(doc, "<clientConfig version=\"1.1\">")
       && !fx_contains(doc, "jmap") && !fx_contains(doc, "OAuth2")
       && !fx_contains(doc, "setupServer") && !fx_contains(doc, "webMail"),
       "without additions: version 1.1 and nothing new");

    mac_oauth2_parse_line(pool, "issuer=https://id.example.com/r "
                          "auth-url=https://id.example.com/a "
                          "token-url=https://id.example.com/t scope=mail",
                          &o);
    mac_sieve_parse(pool, "sieve.%EMAILDOMAIN%", NULL, NULL, &s);
    a->jmap_url = "https://jmap.example.com/s?a=1&b=2";
    a->webmail_url = "https://webmail.example.com/?x=<1>";
    a->managesieve = s;
    a->oauth2 = o;
    doc = mac_tb_render(pool, a, "example.org", NULL);
    ok(fx_contains(doc, "<clientConfig version=\"1.2\">"), "version 1.2");
    ok(fx_contains(doc, "<authentication>password-cleartext</authentication>\n"
                   "      <authentication>OAuth2</authentication>"),
       "password first, then OAuth2");
    ok(fx_contains(doc, "<incomingServer type=\"jmap\">\n"
                   "      <url>https://jmap.example.com/s?a=1&amp;b=2</url>\n"
                   "      <authentication system=\"http\">Basic"
                   "</authentication>\n"
                   "      <authentication>OAuth2</authentication>\n"
                   "      <username>%EMAILADDRESS%</username>\n"
                   "    </incomingServer>\n"
                   "    <outgoingServer"),
       "the JMAP server, escaped, just before the outgoing servers");
    ok(fx_contains(doc, "<webMail>\n      <loginPage url=\"https://"
                   "webmail.example.com/?x=&lt;1&gt;\"/>\n    </webMail>\n"
                   "  </emailProvider>"), "webMail at the end of "
       "emailProvider");
    sm = strstr(doc, "</emailProvider>");
    ep = strstr(doc, "<setupServer type=\"managesieve\">");
    ok(sm && ep && ep > sm && fx_contains(ep, "<hostname>sieve.example.org"
                                          "</hostname>")
       && fx_contains(ep, "<port>4190</port>"),
       "setupServer after emailProvider, the domain filled in");
    ok(fx_contains(doc, "  <oAuth2>\n    <issuer>id.example.com</issuer>\n"
                   "    <scope>mail</scope>\n"
                   "    <authURL>https://id.example.com/a</authURL>\n"
                   "    <tokenURL>https://id.example.com/t</tokenURL>\n"
                   "  </oAuth2>\n</clientConfig>"),
       "oAuth2 last, the issuer's host, no clientID when none is set");
    o->oauth2_first = 1;
    doc = mac_tb_render(pool, a, "example.org", NULL);
    ok(fx_contains(doc, "<authentication>OAuth2</authentication>\n"
                   "      <authentication>password-cleartext"),
       "order=oauth2-first puts OAuth2 first");
}

static const char *pacc_of(mac_account_t *a, const char *domain,
                           const char **why)
{
    apr_size_t len;
    return mac_pacc_render(pool, a, domain, &len, why);
}

static void test_pacc(void)
{
    mac_account_t *a = account();
    mac_oauth2_t *o;
    mac_sieve_t *s;
    const char *doc, *doc2, *why, *txt;
    apr_array_header_t *w, *rrs;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen;
    char b64[64];
    apr_size_t len;
    int i, found;

    doc = pacc_of(a, "example.com", &why);
    is_str(doc,
           "{\n"
           "  \"protocols\": {\n"
           "    \"imap\": {\"host\": \"imap.example.com\"},\n"
           "    \"smtp\": {\"host\": \"smtp.example.com\"}\n"
           "  },\n"
           "  \"authentication\": {\n"
           "    \"password\": true\n"
           "  },\n"
           "  \"info\": {\n"
           "    \"provider\": {\n"
           "      \"name\": \"example.com\"\n"
           "    }\n"
           "  }\n"
           "}\n", "the minimal document: IMAP on 993 only, the domain as name");

    /* CalDAV and CardDAV, with the domain filled into the URL. */
    a->caldav_url = "https://dav.%EMAILDOMAIN%/cal/";
    a->carddav_url = "https://dav.example.net/card/";
    doc = pacc_of(a, "example.com", &why);
    ok(doc && strstr(doc, "    \"caldav\": {\"url\": "
                     "\"https://dav.example.com/cal/\"},\n"
                     "    \"carddav\": {\"url\": "
                     "\"https://dav.example.net/card/\"}\n"),
       "PACC carries CalDAV and CardDAV URLs, the domain filled in");
    a->caldav_url = a->carddav_url = NULL;

    mac_oauth2_parse_line(pool, "issuer=https://id.example.com/r "
                          "auth-url=https://id.example.com/a "
                          "token-url=https://id.example.com/t", &o);
    mac_sieve_parse(pool, "sieve.%EMAILDOMAIN%", NULL, NULL, &s);
    a->jmap_url = "https://jmap.example.com/s";
    a->managesieve = s;
    a->oauth2 = o;
    a->display_name = "Ex \"Mail\" \\ <x>";
    a->short_name = "Ex";
    a->doc_url = "https://help.example.com/";
    doc = mac_pacc_render(pool, a, "example.org", &len, &why);
    is_str(doc,
           "{\n"
           "  \"protocols\": {\n"
           "    \"jmap\": {\"url\": \"https://jmap.example.com/s\"},\n"
           "    \"imap\": {\"host\": \"imap.example.org\"},\n"
           "    \"smtp\": {\"host\": \"smtp.example.com\"},\n"
           "    \"managesieve\": {\"host\": \"sieve.example.org\"}\n"
           "  },\n"
           "  \"authentication\": {\n"
           "    \"password\": true,\n"
           "    \"oauth-public\": {\"issuer\": \"https://id.example.com/r\"}\n"
           "  },\n"
           "  \"info\": {\n"
           "    \"provider\": {\n"
           "      \"name\": \"Ex \\\"Mail\\\" \\\\ \\u003cx\\u003e\",\n"
           "      \"shortName\": \"Ex\"\n"
           "    },\n"
           "    \"help\": {\"documentation\": \"https://help.example.com/\"}\n"
           "  }\n"
           "}\n", "everything, escaped, in the fixed order");
    doc2 = pacc_of(a, "example.org", &why);
    ok(doc2 && strcmp(doc, doc2) == 0, "the same bytes when made again");

    EVP_Digest(doc, len, md, &mdlen, EVP_sha256(), NULL);
    apr_base64_encode(b64, (const char *)md, (int)mdlen);
    txt = mac_pacc_txt(pool, doc, len);
    is_str(txt, apr_pstrcat(pool, "v=UAAC1; a=sha256; d=", b64, NULL),
           "the digest record");
    is_str(mac_pacc_txt(pool, "", 0), "v=UAAC1; a=sha256; "
           "d=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
           "the digest record of the empty body (a known SHA-256)");

    a->short_name = "A name longer than twenty";
    ok(!fx_contains(pacc_of(a, "example.org", &why), "shortName"),
       "a short name over 20 characters is left out");
    w = apr_array_make(pool, 4, sizeof(const char *));
    mac_pacc_warnings(pool, a, w);
    for (i = 0, found = 0; i < w->nelts; i++) {
        found |= fx_contains(APR_ARRAY_IDX(w, i, const char *), "20 "
                             "characters");
    }
    ok(found, "and said so");

    /* Nothing PACC can describe. */
    {
        mac_server_t st[1];
        mac_account_t *b;
        st[0] = fx_server(MAC_PROTO_IMAP, "imap.example.com", 143,
                          MAC_SOCK_STARTTLS, MAC_AUTH_PASSWORD_CLEARTEXT);
        b = fx_account(pool, st, 1);
        ok(pacc_of(b, "example.com", &why) == NULL
           && fx_contains(why, "implicit TLS"), "no document for STARTTLS "
           "only: %s", why ? why : "");
        b->login_template = "%EMAILLOCALPART%";
        w = apr_array_make(pool, 4, sizeof(const char *));
        mac_pacc_warnings(pool, b, w);
        ok(w->nelts == 1 && fx_contains(APR_ARRAY_IDX(w, 0, const char *),
                                        "nothing is served"),
           "warned: nothing served");
        rrs = apr_array_make(pool, 4, sizeof(mac_dns_rr_t));
        mac_pacc_dns_records(pool, rrs, b, "example.com", "web.example.net");
        ok(rrs->nelts == 1
           && !APR_ARRAY_IDX(rrs, 0, mac_dns_rr_t).type,
           "only an advisory DNS entry");
        b->servers = a->servers;
        w = apr_array_make(pool, 4, sizeof(const char *));
        mac_pacc_warnings(pool, b, w);
        for (i = 0, found = 0; i < w->nelts; i++) {
            found |= fx_contains(APR_ARRAY_IDX(w, i, const char *),
                                 "MailAutoconfLoginName");
        }
        ok(found, "a login name other than the address is warned about");
    }

    /* DNS. */
    a->short_name = "Ex";
    rrs = apr_array_make(pool, 4, sizeof(mac_dns_rr_t));
    mac_pacc_dns_records(pool, rrs, a, "example.org", "Web.Example.NET.");
    doc = mac_pacc_render(pool, a, "example.org", &len, &why);
    {
        static const char *const want[4][3] = {
            { "ua-auto-config.example.org.", "CNAME", "web.example.net." },
            { "_ua-auto-config.example.org.", "TXT", NULL },
            { "_jmap._tcp.example.org.", "SRV", "0 1 443 jmap.example.com." },
            { "_sieve._tcp.example.org.", "SRV",
              "0 1 4190 sieve.example.org." },
        };
        const char *dq = apr_pstrcat(pool, "\"", mac_pacc_txt(pool, doc, len),
                                     "\"", NULL);
        is_int(rrs->nelts, 4, "four records");
        for (i = 0; i < 4 && i < rrs->nelts; i++) {
            const mac_dns_rr_t *rr = &APR_ARRAY_IDX(rrs, i, mac_dns_rr_t);
            ok(strcmp(rr->name, want[i][0]) == 0
               && strcmp(rr->type, want[i][1]) == 0
               && strcmp(rr->value, want[i][2] ? want[i][2] : dq) == 0,
               "record %s %s %s", rr->name, rr->type ? rr->type : "-",
               rr->value ? rr->value : "-");
        }
    }
    rrs = apr_array_make(pool, 4, sizeof(mac_dns_rr_t));
    mac_pacc_dns_records(pool, rrs, a, "example.org",
                         "ua-auto-config.example.org");
    ok(!APR_ARRAY_IDX(rrs, 0, mac_dns_rr_t).type
       && fx_contains(APR_ARRAY_IDX(rrs, 0, mac_dns_rr_t).comment, "A/AAAA"),
       "the ServerName itself: A/AAAA advice, no CNAME to itself");
}

int main(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);
    plan_no_plan();
    test_urls();
    test_oauth();
    test_sieve();
    test_tb();
    test_pacc();
    apr_pool_destroy(pool);
    apr_terminate();
    return done_testing();
}
