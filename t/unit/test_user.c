/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * Unit tests for src/mac_user.[ch]: per-address answers.
 *
 *   fields: names, NULL/empty leave the domain's value, every check
 *   (a '%' in a login name, NUL, bad hosts, addresses, URLs);
 *   the account: unknown/empty entries give the domain's account itself,
 *   overrides change only login and hosts, never the domains listed;
 *   RFC 4515 escaping of every metacharacter and the filter made from an
 *   address (injection attempts refused or escaped), filter templates,
 *   LDAP URLs; the redirect chain (loops, the length Thunderbird follows);
 *   the redirect documents; cache records (round trip, truncations and
 *   byte changes refused or checked).  fuzz/fuzz_user.c fuzzes the same.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include "tap.h"
#include "mac_user.h"

static apr_pool_t *pool;

static mac_account_t *base_account(void)
{
    mac_account_t *a = apr_pcalloc(pool, sizeof(*a));
    mac_server_t *s;
    const char *hosts[] = { "imap1.base.test", "imap2.base.test",
                            "smtp.base.test" };
    mac_proto_e protos[] = { MAC_PROTO_IMAP, MAC_PROTO_IMAP,
                             MAC_PROTO_SMTP };
    int i;

    a->domains = apr_array_make(pool, 2, sizeof(const char *));
    APR_ARRAY_PUSH(a->domains, const char *) = "base.test";
    APR_ARRAY_PUSH(a->domains, const char *) = "alias.test";
    a->servers = apr_array_make(pool, 3, sizeof(mac_server_t));
    for (i = 0; i < 3; i++) {
        s = apr_array_push(a->servers);
        s->proto = protos[i];
        s->host = hosts[i];
        s->port = 993;
    }
    a->login_template = "%EMAILADDRESS%";
    a->display_name = "Base Mail";
    return a;
}

static void test_fields(void)
{
    mac_user_t u;
    int i;

    for (i = 0; i < MAC_USER_NFIELDS; i++) {
        is_int(mac_user_field(mac_user_field_name(i)), i, "field name round "
               "trip");
    }
    is_int(mac_user_field("LOGIN_NAME"), MAC_USER_LOGIN_NAME,
           "names are case-insensitive");
    is_int(mac_user_field("uid"), -1, "an unknown name is -1");
    is_int(mac_user_field(NULL), -1, "NULL is -1");

    memset(&u, 0, sizeof(u));
    mac_user_set(pool, &u, MAC_USER_LOGIN_NAME, "", 0);
    ok(u.f[MAC_USER_LOGIN_NAME] == NULL, "an empty value leaves the field");
    mac_user_set(pool, &u, MAC_USER_LOGIN_NAME, NULL, 5);
    ok(u.f[MAC_USER_LOGIN_NAME] == NULL, "NULL leaves the field");
    ok(mac_user_empty(&u), "nothing set: empty");
    mac_user_set(pool, &u, MAC_USER_LOGIN_NAME, "u1042xyz", 4);
    is_str(u.f[MAC_USER_LOGIN_NAME], "u104", "len bytes are copied");
    ok(!mac_user_empty(&u), "a field set: not empty");
    ok(mac_user_check(pool, &u) == NULL, "a plain login passes");

    mac_user_set(pool, &u, MAC_USER_LOGIN_NAME, "a\0b", 3);
    ok(mac_user_check(pool, &u) != NULL, "a NUL inside is refused");
    mac_user_set(pool, &u, MAC_USER_LOGIN_NAME, "%EMAILADDRESS%", 14);
    ok(mac_user_check(pool, &u) != NULL, "a '%%' in a login is refused");
    mac_user_set(pool, &u, MAC_USER_LOGIN_NAME, "a\nb", 3);
    ok(mac_user_check(pool, &u) != NULL, "a newline is refused");
    mac_user_set(pool, &u, MAC_USER_LOGIN_NAME, "jdoe", 4);

    mac_user_set(pool, &u, MAC_USER_IMAP_HOST, "imap.x.test", 11);
    ok(mac_user_check(pool, &u) == NULL, "a host passes");
    mac_user_set(pool, &u, MAC_USER_IMAP_HOST, "imap x", 6);
    ok(mac_user_check(pool, &u) != NULL, "a bad host is refused");
    ok(strncmp(mac_user_check(pool, &u), "imap_host: ", 11) == 0,
       "the message names the field");
    mac_user_set(pool, &u, MAC_USER_IMAP_HOST, NULL, 0);

    mac_user_set(pool, &u, MAC_USER_REDIRECT_ADDR, "a@b.test", 8);
    ok(mac_user_check(pool, &u) == NULL, "a redirect address passes");
    mac_user_set(pool, &u, MAC_USER_REDIRECT_ADDR, "a@b", 3);
    ok(mac_user_check(pool, &u) != NULL, "a bad redirect address refused");
    mac_user_set(pool, &u, MAC_USER_REDIRECT_ADDR, NULL, 0);

    mac_user_set(pool, &u, MAC_USER_REDIRECT_URL,
                 "https://ad.b.test/autodiscover/autodiscover.xml", 47);
    ok(mac_user_check(pool, &u) == NULL, "an https URL passes");
    mac_user_set(pool, &u, MAC_USER_REDIRECT_URL, "http://ad.b.test/", 17);
    ok(mac_user_check(pool, &u) != NULL, "http is refused");
    mac_user_set(pool, &u, MAC_USER_REDIRECT_URL, "https://a\"b/", 12);
    ok(mac_user_check(pool, &u) != NULL, "a quote in a URL is refused");
    mac_user_set(pool, &u, MAC_USER_REDIRECT_URL, NULL, 0);

    mac_user_set(pool, &u, MAC_USER_DISPLAY_NAME, "Jane Doe", 8);
    ok(mac_user_check(pool, &u) == NULL, "a display name passes");
    {
        char big[MAC_USER_MAX_VALUE + 2];
        memset(big, 'a', sizeof(big));
        mac_user_set(pool, &u, MAC_USER_DISPLAY_NAME, big, sizeof(big));
        ok(mac_user_check(pool, &u) != NULL, "an overlong value is refused");
    }
}

static void test_account(void)
{
    mac_account_t *base = base_account();
    const mac_account_t *a;
    mac_user_t u;

    memset(&u, 0, sizeof(u));
    ok(mac_user_account(pool, base, &u) == base,
       "an empty entry gives the domain's account itself");
    mac_user_set(pool, &u, MAC_USER_DISPLAY_NAME, "Jane", 4);
    mac_user_set(pool, &u, MAC_USER_REDIRECT_URL, "https://x.test/", 15);
    ok(mac_user_account(pool, base, &u) == base,
       "fields that are not in the account change nothing");

    mac_user_set(pool, &u, MAC_USER_LOGIN_NAME, "u1042", 5);
    a = mac_user_account(pool, base, &u);
    ok(a != base, "a login name makes an account of its own");
    is_str(a->login_template, "u1042", "the login name is used");
    ok(a->servers == base->servers, "the servers are shared when unchanged");
    ok(a->domains == base->domains, "the domains listed are the domain's");
    is_str(base->login_template, "%EMAILADDRESS%", "base is not written");

    mac_user_set(pool, &u, MAC_USER_IMAP_HOST, "IMAP.Other.Test", 15);
    a = mac_user_account(pool, base, &u);
    is_str(APR_ARRAY_IDX(a->servers, 0, mac_server_t).host,
           "imap.other.test", "every IMAP server gets the host (1)");
    is_str(APR_ARRAY_IDX(a->servers, 1, mac_server_t).host,
           "imap.other.test", "every IMAP server gets the host (2)");
    is_str(APR_ARRAY_IDX(a->servers, 2, mac_server_t).host,
           "smtp.base.test", "SMTP keeps its host");
    is_str(APR_ARRAY_IDX(base->servers, 0, mac_server_t).host,
           "imap1.base.test", "base's servers are not written");
    is_int(a->servers->nelts, 3, "same number of servers");
}

static void test_login_for(void)
{
    is_str(mac_user_login_for(pool, "%EMAILLOCALPART%", "jo@t.test", "jo",
                              "t.test"), "jo", "local part filled in");
    is_str(mac_user_login_for(pool, "%EMAILADDRESS%", "jo@t.test", "jo",
                              "t.test"), "jo@t.test", "address filled in");
    is_str(mac_user_login_for(pool, "u1042", "jo@t.test", "jo", "t.test"),
           "u1042", "a literal stays");
    ok(mac_user_login_for(pool, "%EMAILLOCALPART%", "j%o@t.test", "j%o",
                          "t.test") == NULL,
       "a '%%' in the result is refused");
}

static void test_escape(void)
{
    is_str(mac_ldap_escape(pool, "*()\\", 4), "\\2a\\28\\29\\5c",
           "every metacharacter is escaped");
    is_str(mac_ldap_escape(pool, "a\0b", 3), "a\\00b", "NUL is \\00");
    is_str(mac_ldap_escape(pool, "plain.addr@x.test", 17),
           "plain.addr@x.test", "other bytes are kept");
    is_str(mac_ldap_escape(pool, "", 0), "", "empty");
}

static void test_filter(void)
{
    const char *why = NULL;
    char *f;
    char big[300];

    ok(mac_ldap_filter_check(pool, "(mail=%s)") == NULL, "simple filter");
    ok(mac_ldap_filter_check(pool,
           "(&(objectClass=inetOrgPerson)(|(mail=%s)(mailAlias=%s)))")
       == NULL, "nested filter with two slots");
    ok(mac_ldap_filter_check(pool, "mail=%s") != NULL, "no parentheses");
    ok(mac_ldap_filter_check(pool, "(mail=%s))(") != NULL, "unbalanced");
    ok(mac_ldap_filter_check(pool, "(a=%s)(b=%s)") != NULL, "two filters");
    ok(mac_ldap_filter_check(pool, "(mail=x)") != NULL, "no slot");
    ok(mac_ldap_filter_check(pool, "(mail=%d)") != NULL, "another %%");
    ok(mac_ldap_filter_check(pool, "(|(a=%s)(b=%s)(c=%s)(d=%s)(e=%s))")
       != NULL, "five slots");
    ok(mac_ldap_filter_check(pool, "(mail=\001%s)") != NULL, "control");
    ok(mac_ldap_filter_check(pool, "") != NULL, "empty");

    f = mac_ldap_filter(pool, "(mail=%s)", "jane@base.test", 14, &why);
    is_str(f, "(mail=jane@base.test)", "an address goes in");
    f = mac_ldap_filter(pool, "(|(mail=%s)(alias=%s))", "a@b.test", 8, &why);
    is_str(f, "(|(mail=a@b.test)(alias=a@b.test))", "every slot is filled");
    f = mac_ldap_filter(pool, "(mail=%s)", "*@base.test", 11, &why);
    is_str(f, "(mail=\\2a@base.test)", "'*' is escaped");
    why = NULL;
    f = mac_ldap_filter(pool, "(mail=%s)", "*)(uid=*@base.test", 18, &why);
    ok(f == NULL && why != NULL, "an injection is refused");
    why = NULL;
    ok(mac_ldap_filter(pool, "(mail=%s)", "a\\2a@b.test", 11, &why) == NULL,
       "a backslash is refused");
    ok(mac_ldap_filter(pool, "(mail=%s)", "a\0@b.test", 9, &why) == NULL,
       "a NUL is refused");
    ok(mac_ldap_filter(pool, "(mail=%s)", "\xc3\xa9@b.test", 9, &why)
       == NULL, "non-ASCII is refused");
    ok(mac_ldap_filter(pool, "(mail=%s)", "a b@b.test", 10, &why) == NULL,
       "a space is refused");
    memset(big, 'a', sizeof(big));
    ok(mac_ldap_filter(pool, "(mail=%s)", big, sizeof(big), &why) == NULL,
       "an overlong address is refused");
    ok(mac_ldap_filter(pool, "(mail=%s)", big, 0, &why) == NULL,
       "an empty address is refused");
}

static void test_url(void)
{
    mac_ldap_url_t u;

    ok(mac_ldap_url_parse(pool, "ldap://127.0.0.1:3890/dc=x,dc=test", &u)
       == NULL, "ldap URL");
    is_str(u.host, "127.0.0.1", "host");
    is_int(u.port, 3890, "port");
    is_int(u.ldaps, 0, "not ldaps");
    is_str(u.basedn, "dc=x,dc=test", "base DN");
    ok(mac_ldap_url_parse(pool, "ldaps://ldap.x.test/ou=p,dc=x", &u) == NULL,
       "ldaps URL");
    is_int(u.port, 636, "ldaps default port");
    is_int(u.ldaps, 1, "ldaps");
    ok(mac_ldap_url_parse(pool, "ldap://h.test/dc=x", &u) == NULL, "no port");
    is_int(u.port, 389, "ldap default port");
    ok(mac_ldap_url_parse(pool, "http://h/dc=x", &u) != NULL, "scheme");
    ok(mac_ldap_url_parse(pool, "ldap://h.test", &u) != NULL, "no base");
    ok(mac_ldap_url_parse(pool, "ldap://h.test/", &u) != NULL, "empty base");
    ok(mac_ldap_url_parse(pool, "ldap://h.test:0/dc=x", &u) != NULL, "port 0");
    ok(mac_ldap_url_parse(pool, "ldap://h.test:99999/dc=x", &u) != NULL,
       "port too big");
    ok(mac_ldap_url_parse(pool, "ldap://h.test/dc=x?uid", &u) != NULL,
       "a query");
    ok(mac_ldap_url_parse(pool, "ldap://h t/dc=x", &u) != NULL, "bad host");
}

static void test_chain(void)
{
    mac_user_chain_t c;

    mac_user_chain_start(&c, "a@x.test");
    ok(mac_user_chain_step(&c, "b@x.test") == NULL, "one hop");
    ok(mac_user_chain_step(&c, "c@x.test") == NULL, "two hops");
    ok(mac_user_chain_step(&c, "d@x.test") != NULL,
       "a third hop is refused (Thunderbird follows two)");

    mac_user_chain_start(&c, "a@x.test");
    ok(mac_user_chain_step(&c, "A@x.test") != NULL, "to itself is a loop");
    mac_user_chain_start(&c, "a@x.test");
    ok(mac_user_chain_step(&c, "b@x.test") == NULL, "a to b");
    ok(mac_user_chain_step(&c, "a@x.test") != NULL, "b back to a: a loop");
}

static void test_redirect_docs(void)
{
    apr_size_t len;
    char *d = mac_user_ad_redirect(pool, 0, "new&@b.test", &len);

    ok(strstr(d, "<Action>redirectAddr</Action>") != NULL, "redirectAddr");
    ok(strstr(d, "<RedirectAddr>new&amp;@b.test</RedirectAddr>") != NULL,
       "the address, escaped");
    ok(strstr(d, "<Account>") != NULL, "inside Account");
    is_int(len, strlen(d), "length");
    d = mac_user_ad_redirect(pool, 1, "https://x.test/a", &len);
    ok(strstr(d, "<Action>redirectUrl</Action>") != NULL, "redirectUrl");
    ok(strstr(d, "<RedirectUrl>https://x.test/a</RedirectUrl>") != NULL,
       "the URL");
    d = mac_user_mobilesync_redirect(pool, "n@b.test", &len);
    ok(strstr(d, "<Action>\n      <Redirect>n@b.test</Redirect>") != NULL,
       "mobilesync Redirect");
    ok(strstr(d, "mobilesync/responseschema/2006") != NULL,
       "mobilesync namespace");
}

static void test_record(void)
{
    mac_user_t u, v;
    unsigned char *rec, *bad;
    apr_size_t len, i, n;
    int refused = 0, passed = 0, b;

    memset(&u, 0, sizeof(u));
    u.fetched = apr_time_from_sec(1700000000);
    mac_user_set(pool, &u, MAC_USER_LOGIN_NAME, "u1042", 5);
    mac_user_set(pool, &u, MAC_USER_DISPLAY_NAME, "Jane Doe", 8);
    mac_user_set(pool, &u, MAC_USER_SMTP_HOST, "smtp.o.test", 11);
    mac_user_set(pool, &u, MAC_USER_REDIRECT_ADDR, "j@alias.test", 12);
    rec = mac_user_encode(pool, &u, &len);
    ok(rec != NULL, "encoded");
    is_int(len, MAC_USER_HEADER + 2 * MAC_USER_NFIELDS + 5 + 8 + 11 + 12,
           "record length");
    is_int(rec[0], MAC_USER_VERSION, "version byte");
    ok(mac_user_decode(pool, rec, len, &v) == NULL, "decoded");
    for (b = 0; b < MAC_USER_NFIELDS; b++) {
        ok((u.f[b] == NULL && v.f[b] == NULL)
           || (u.f[b] && v.f[b] && strcmp(u.f[b], v.f[b]) == 0),
           "field %d round trip", b);
    }
    ok(v.fetched == u.fetched, "time round trip");

    for (n = 0; n < len; n++) {
        if (mac_user_decode(pool, rec, n, &v) == NULL) {
            break;
        }
    }
    is_int(n, len, "every truncation is refused");

    bad = apr_pmemdup(pool, rec, len);
    for (i = 0; i < len; i++) {
        for (b = 0; b < 256; b += 7) {
            bad[i] = (unsigned char)b;
            if (mac_user_decode(pool, bad, len, &v) != NULL) {
                refused++;
            }
            else if (mac_user_check(pool, &v) == NULL) {
                passed++;
            }
            else {
                ok(0, "a decoded record failed its check");
            }
            bad[i] = rec[i];
        }
    }
    ok(refused > 0 && passed > 0, "byte changes: %d refused, %d checked",
       refused, passed);

    bad = apr_pmemdup(pool, rec, len);
    bad[MAC_USER_HEADER + 2] = '%';   /* the login's first byte */
    ok(mac_user_decode(pool, bad, len, &v) != NULL,
       "a hostile value in a record is refused");
    ok(mac_user_decode(pool, rec, len - 1, &v) != NULL, "short");
    {
        unsigned char *longer = apr_palloc(pool, len + 1);
        memcpy(longer, rec, len);
        longer[len] = 0;
        ok(mac_user_decode(pool, longer, len + 1, &v) != NULL,
           "bytes after the end are refused");
    }
    {
        char big[MAC_USER_MAX_VALUE + 1];
        memset(big, 'a', sizeof(big));
        memset(&u, 0, sizeof(u));
        mac_user_set(pool, &u, MAC_USER_DISPLAY_NAME, big, sizeof(big));
        ok(mac_user_encode(pool, &u, &len) == NULL,
           "an overlong value is not encoded");
    }
}

int main(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);
    plan_no_plan();
    test_fields();
    test_account();
    test_login_for();
    test_escape();
    test_filter();
    test_url();
    test_chain();
    test_redirect_docs();
    test_record();
    apr_pool_destroy(pool);
    apr_terminate();
    return done_testing();
}
