/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * Unit tests for src/mac_addr.[ch]: address parsing, domain and host checks.
 */
#include <stdlib.h>
#include <string.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "tap.h"
#include "fixture.h"
#include "mac_addr.h"

static apr_pool_t *pool;

/* A valid domain of exactly n bytes (n >= 6): 49-letter labels, ".com". */
static char *domain_of_len(apr_size_t n)
{
    char *s = fx_rep(pool, 'a', n);
    apr_size_t i;

    for (i = 49; i + 5 < n; i += 50) {
        s[i] = '.';
    }
    memcpy(s + n - 4, ".com", 4);
    return s;
}

/* Copy into a heap block of exactly len bytes (no terminator), so that
 * AddressSanitizer/valgrind catch any read past the given length. */
static char *exact(const char *s, apr_size_t len)
{
    char *b = malloc(len ? len : 1);
    if (len) {
        memcpy(b, s, len);
    }
    return b;
}

static const char *parse_len(const char *s, apr_size_t len, mac_addr_t *out)
{
    char *b = exact(s, len);
    const char *why;

    memset(out, 0, sizeof(*out));
    why = mac_addr_parse(pool, b, len, out);
    free(b);
    return why;
}

static const char *domain_len(const char *s, apr_size_t len)
{
    char *b = exact(s, len);
    const char *why = mac_domain_check(b, len);
    free(b);
    return why;
}

static const char *host_len(const char *s, apr_size_t len)
{
    char *b = exact(s, len);
    const char *why = mac_host_check(b, len);
    free(b);
    return why;
}

/* ------------------------------------------------------------------ */

typedef struct {
    const char *in;
    const char *local;    /* expected local part */
    const char *domain;   /* expected (lower-cased) domain */
} good_addr_t;

static const good_addr_t good_addrs[] = {
    { "user@example.com", "user", "example.com" },
    { "first.last@example.com", "first.last", "example.com" },
    { "a.b.c.d@example.com", "a.b.c.d", "example.com" },
    { "user+tag@example.com", "user+tag", "example.com" },
    { "user+@example.com", "user+", "example.com" },
    { "+tag@example.com", "+tag", "example.com" },
    { "x@example.com", "x", "example.com" },
    { "1234@example.com", "1234", "example.com" },
    { "a!#$%&'*+-/=?^_`{|}~z@example.com",
      "a!#$%&'*+-/=?^_`{|}~z", "example.com" },
    { "o'brien@example.com", "o'brien", "example.com" },
    { "a/b@example.com", "a/b", "example.com" },
    { "what?@example.com", "what?", "example.com" },
    { "#hash@example.com", "#hash", "example.com" },
    { "a&b@example.com", "a&b", "example.com" },
    { "{curly}@example.com", "{curly}", "example.com" },
    { "John.Doe@Example.COM", "John.Doe", "example.com" },
    { "USER@EXAMPLE.COM", "USER", "example.com" },
    { "user@mail.sub.example.co.uk", "user", "mail.sub.example.co.uk" },
    { "user@ex-ample.com", "user", "ex-ample.com" },
    { "user@ex--ample.com", "user", "ex--ample.com" },
    { "user@123.com", "user", "123.com" },
    { "user@example.c0m", "user", "example.c0m" },
    { "user@a.b", "user", "a.b" },
    { "user@xn--bcher-kva.de", "user", "xn--bcher-kva.de" },
    { "user@XN--BCHER-KVA.DE", "user", "xn--bcher-kva.de" },
    { "user@example.xn--p1ai", "user", "example.xn--p1ai" },
    { "user@xn--80ak6aa92e.com", "user", "xn--80ak6aa92e.com" },
};

typedef struct {
    const char *name;
    const char *in;
    apr_size_t  len;      /* 0: strlen(in) */
    const char *reason;   /* fragment expected in the message */
} bad_addr_t;

static const bad_addr_t bad_addrs[] = {
    { "empty", "", 0, "empty" },
    { "only @", "@", 0, "nothing before" },
    { "empty local part", "@example.com", 0, "nothing before" },
    { "empty domain", "user@", 0, "nothing after" },
    { "two @", "a@b@example.com", 0, "more than one @" },
    { "two @ adjacent", "a@@example.com", 0, "more than one @" },
    { "@ at end too", "a@example.com@", 0, "more than one @" },
    { "no @", "userexample.com", 0, "no @" },
    { "no @, one word", "user", 0, "no @" },
    { "leading dot in local", ".user@example.com", 0, "starts or ends with a dot" },
    { "trailing dot in local", "user.@example.com", 0, "starts or ends with a dot" },
    { "local is a dot", ".@example.com", 0, "starts or ends with a dot" },
    { "double dot in local", "us..er@example.com", 0, "two dots" },
    { "leading dot in domain", "user@.example.com", 0, "empty label" },
    { "double dot in domain", "user@example..com", 0, "empty label" },
    { "trailing dot in domain", "user@example.com.", 0, "ends with a dot" },
    { "domain is a dot", "user@.", 0, "empty label" },
    { "space in local", "a b@example.com", 0, "space" },
    { "leading space", " user@example.com", 0, "space" },
    { "trailing space", "user@example.com ", 0, "space" },
    { "space in domain", "user@exam ple.com", 0, "space" },
    { "CR in local", "us\rer@example.com", 0, "control" },
    { "LF at end", "user@example.com\n", 0, "control" },
    { "CRLF injection", "user@example.com\r\nX-Evil: 1", 0, "control" },
    { "TAB", "us\ter@example.com", 0, "control" },
    { "NUL in local (explicit length)", "us\0er@example.com", 18, "control" },
    { "NUL in domain (explicit length)", "user@exa\0mple.com", 17, "control" },
    { "NUL at end (explicit length)", "user@example.com\0", 17, "control" },
    { "DEL in local", "us\x7f" "er@example.com", 0, "control" },
    { "DEL in domain", "user@exam\x7f" "ple.com", 0, "control" },
    { "ESC", "\x1b" "user@example.com", 0, "control" },
    { "non-ASCII local part (UTF-8)", "j\xc3\xb6rg@example.com", 0, "not ASCII" },
    { "non-ASCII local part (Latin-1)", "j\xf6rg@example.com", 0, "not ASCII" },
    { "UTF-8 domain", "user@b\xc3\xbc" "cher.de", 0, "xn--" },
    { "UTF-8 TLD", "user@example.\xd1\x80\xd1\x84", 0, "A-label" },
    { "single-label domain", "user@localhost", 0, "one label" },
    { "single-label domain com", "user@com", 0, "one label" },
    { "numeric TLD", "user@example.123", 0, "all digits" },
    { "IPv4 as domain", "user@192.0.2.1", 0, "all digits" },
    { "address literal", "user@[192.0.2.1]", 0, "character other than" },
    { "label starts with hyphen", "user@-example.com", 0, "starts with a hyphen" },
    { "TLD starts with hyphen", "user@example.-com", 0, "starts with a hyphen" },
    { "label ends with hyphen", "user@example-.com", 0, "ends with a hyphen" },
    { "domain ends with hyphen", "user@example.com-", 0, "ends with a hyphen" },
    { "underscore in domain", "user@ex_ample.com", 0, "character other than" },
    { "comma in domain", "user@example,com", 0, "character other than" },
    { "quoted local part", "\"john\"@example.com", 0, "not allowed" },
    { "parenthesis (comment)", "john(x)@example.com", 0, "not allowed" },
    { "comma in local", "a,b@example.com", 0, "not allowed" },
    { "colon in local", "a:b@example.com", 0, "not allowed" },
    { "semicolon in local", "a;b@example.com", 0, "not allowed" },
    { "angle brackets", "<user@example.com>", 0, "not allowed" },
    { "square bracket in local", "a[b@example.com", 0, "not allowed" },
    { "backslash in local", "a\\b@example.com", 0, "not allowed" },
    { "display name form", "John <john@example.com>", 0, "space" },
};

static void test_good_addresses(void)
{
    apr_size_t i;

    for (i = 0; i < sizeof(good_addrs) / sizeof(good_addrs[0]); i++) {
        const good_addr_t *t = &good_addrs[i];
        mac_addr_t a;
        const char *why = parse_len(t->in, strlen(t->in), &a);
        char *addr;

        if (!ok(why == NULL, "accepts '%s'", fx_vis(pool, t->in, strlen(t->in)))) {
            diag("reason: %s", why);
            continue;
        }
        is_str(a.local, t->local, "  local part kept as given");
        is_str(a.domain, t->domain, "  domain lower-cased");
        addr = apr_pstrcat(pool, t->local, "@", t->domain, NULL);
        is_str(a.address, addr, "  address is local@lower(domain)");
    }
}

static void test_bad_addresses(void)
{
    apr_size_t i;

    for (i = 0; i < sizeof(bad_addrs) / sizeof(bad_addrs[0]); i++) {
        const bad_addr_t *t = &bad_addrs[i];
        apr_size_t len = t->len ? t->len : strlen(t->in);
        mac_addr_t a;
        const char *why = parse_len(t->in, len, &a);

        if (!ok(fx_contains(why, t->reason), "refuses %s (\"%s\")", t->name,
                t->reason)) {
            diag("got reason: %s", why ? why : "(accepted)");
        }
    }
}

/* Every atext special on its own, between two letters. */
static void test_each_atext_special(void)
{
    const char *specials = "!#$%&'*+-/=?^_`{|}~";
    const char *p;

    for (p = specials; *p; p++) {
        char buf[32];
        mac_addr_t a;
        const char *why;

        snprintf(buf, sizeof(buf), "x%cy@example.com", *p);
        why = parse_len(buf, strlen(buf), &a);
        ok(why == NULL && a.local && a.local[1] == *p,
           "atext special '%c' accepted in the local part", *p);
        /* and alone, as the whole local part */
        snprintf(buf, sizeof(buf), "%c@example.com", *p);
        why = parse_len(buf, strlen(buf), &a);
        ok(why == NULL, "atext special '%c' alone is a local part", *p);
    }
}

/* Every ASCII byte outside atext and '.' '@' is refused in the local part. */
static void test_each_non_atext(void)
{
    int c, refused = 0, total = 0;

    for (c = 0; c < 0x100; c++) {
        char buf[32];
        mac_addr_t a;
        int is_ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
            || (c >= '0' && c <= '9')
            || (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);

        if (is_ok || c == '.' || c == '@') {
            continue;
        }
        memcpy(buf, "x?y@example.com", 16);
        buf[1] = (char)c;
        total++;
        if (parse_len(buf, 15, &a) != NULL) {
            refused++;
        }
        else {
            diag("byte 0x%02x was accepted in the local part", c);
        }
    }
    is_int(refused, total, "every byte outside atext is refused in the "
           "local part");
}

static void test_limits(void)
{
    mac_addr_t a;
    const char *why, *s;

    /* local part: 64 ok, 65 not */
    s = apr_pstrcat(pool, fx_rep(pool, 'l', 64), "@example.com", NULL);
    why = parse_len(s, strlen(s), &a);
    ok(why == NULL, "local part of exactly 64 octets accepted");
    is_int(a.local ? strlen(a.local) : 0, 64, "  local part kept whole");

    s = apr_pstrcat(pool, fx_rep(pool, 'l', 65), "@example.com", NULL);
    why = parse_len(s, strlen(s), &a);
    ok(fx_contains(why, "longer than 64"), "local part of 65 octets refused");

    /* whole address: 254 ok, 255 not */
    s = apr_pstrcat(pool, fx_rep(pool, 'l', 64), "@", domain_of_len(189), NULL);
    is_int(strlen(s), 254, "(built a 254-octet address)");
    why = parse_len(s, strlen(s), &a);
    ok(why == NULL, "address of exactly 254 octets accepted");
    is_str(a.address, s, "  254-octet address returned unchanged");

    s = apr_pstrcat(pool, fx_rep(pool, 'l', 64), "@", domain_of_len(190), NULL);
    is_int(strlen(s), 255, "(built a 255-octet address)");
    why = parse_len(s, strlen(s), &a);
    ok(fx_contains(why, "longer than 254"), "address of 255 octets refused");

    s = apr_pstrcat(pool, "l@", domain_of_len(252), NULL);
    why = parse_len(s, strlen(s), &a);
    ok(why == NULL, "address with a 252-octet domain (254 in all) accepted");

    s = apr_pstrcat(pool, "l@", domain_of_len(253), NULL);
    why = parse_len(s, strlen(s), &a);
    ok(why != NULL, "address with a 253-octet domain (255 in all) refused");

    /* domain: 253 ok, 254 not */
    s = domain_of_len(253);
    ok(mac_domain_check(s, 253) == NULL, "domain of exactly 253 octets "
       "accepted");
    s = domain_of_len(254);
    ok(fx_contains(mac_domain_check(s, 254), "longer than 253"),
       "domain of 254 octets refused");
    s = apr_pstrcat(pool, domain_of_len(253), ".", NULL);
    ok(mac_domain_check(s, 254) != NULL,
       "domain of 253 octets plus a trailing dot refused");

    /* labels: 63 ok, 64 not; first, middle and last position */
    s = apr_pstrcat(pool, fx_rep(pool, 'a', 63), ".example.com", NULL);
    ok(mac_domain_check(s, strlen(s)) == NULL, "63-octet first label ok");
    s = apr_pstrcat(pool, fx_rep(pool, 'a', 64), ".example.com", NULL);
    ok(fx_contains(mac_domain_check(s, strlen(s)), "longer than 63"),
       "64-octet first label refused");
    s = apr_pstrcat(pool, "mail.", fx_rep(pool, 'b', 63), ".com", NULL);
    ok(mac_domain_check(s, strlen(s)) == NULL, "63-octet middle label ok");
    s = apr_pstrcat(pool, "mail.", fx_rep(pool, 'b', 64), ".com", NULL);
    ok(fx_contains(mac_domain_check(s, strlen(s)), "longer than 63"),
       "64-octet middle label refused");
    s = apr_pstrcat(pool, "example.", fx_rep(pool, 'c', 63), NULL);
    ok(mac_domain_check(s, strlen(s)) == NULL, "63-octet TLD ok");
    s = apr_pstrcat(pool, "example.", fx_rep(pool, 'c', 64), NULL);
    ok(fx_contains(mac_domain_check(s, strlen(s)), "longer than 63"),
       "64-octet TLD refused");

    s = apr_pstrcat(pool, "user@", fx_rep(pool, 'a', 63), ".com", NULL);
    why = parse_len(s, strlen(s), &a);
    ok(why == NULL, "address with a 63-octet label accepted");
    s = apr_pstrcat(pool, "user@", fx_rep(pool, 'a', 64), ".com", NULL);
    why = parse_len(s, strlen(s), &a);
    ok(fx_contains(why, "longer than 63"), "address with a 64-octet label "
       "refused");
}

static void test_explicit_length(void)
{
    mac_addr_t a;
    const char *why;

    /* Only len bytes count: trailing junk outside len is not seen. */
    why = mac_addr_parse(pool, "user@example.com\r\nmore", 16, &a);
    ok(why == NULL, "only the first len bytes are parsed");
    is_str(a.address, "user@example.com", "  copy is exactly len bytes");

    why = parse_len("user@example.com", 15, &a);
    ok(why == NULL, "prefix 'user@example.co' accepted");
    is_str(a.domain, "example.co", "  domain cut at len");

    why = parse_len("user@example.com", 4, &a);
    ok(fx_contains(why, "no @"), "prefix 'user' has no @");
}

typedef struct {
    const char *in;
    const char *reason;  /* NULL: valid */
} dom_case_t;

static const dom_case_t domain_cases[] = {
    { "example.com", NULL },
    { "EXAMPLE.COM", NULL },
    { "a.b", NULL },
    { "a-b.c-d.example", NULL },
    { "123.example", NULL },
    { "xn--bcher-kva.de", NULL },
    { "xn--fiqs8s.xn--fiqz9s", NULL },
    { "", "empty" },
    { "com", "one label" },
    { "localhost", "one label" },
    { "example.com.", "ends with a dot" },
    { ".example.com", "empty label" },
    { "example..com", "empty label" },
    { ".", "empty label" },
    { "-a.com", "starts with a hyphen" },
    { "a-.com", "ends with a hyphen" },
    { "a.com-", "ends with a hyphen" },
    { "a.-com", "starts with a hyphen" },
    { "example.123", "all digits" },
    { "1.2.3.4", "all digits" },
    { "example.1", "all digits" },
    { "b\xc3\xbc" "cher.de", "xn--" },
    { "ex_ample.com", "character other than" },
    { "ex ample.com", "character other than" },
    { "ex@ample.com", "character other than" },
    { "example.com\n", "character other than" },
};

static void test_domain_check(void)
{
    apr_size_t i;

    for (i = 0; i < sizeof(domain_cases) / sizeof(domain_cases[0]); i++) {
        const dom_case_t *t = &domain_cases[i];
        const char *why = domain_len(t->in, strlen(t->in));

        if (t->reason == NULL) {
            if (!ok(why == NULL, "domain '%s' accepted",
                    fx_vis(pool, t->in, strlen(t->in)))) {
                diag("reason: %s", why);
            }
        }
        else if (!ok(fx_contains(why, t->reason), "domain '%s' refused (%s)",
                     fx_vis(pool, t->in, strlen(t->in)), t->reason)) {
            diag("got: %s", why ? why : "(accepted)");
        }
    }
    ok(mac_domain_check("example.com\0evil", 16) != NULL,
       "domain with an embedded NUL (explicit length) refused");
}

typedef struct {
    const char *in;
    int         valid;
} host_case_t;

static const host_case_t host_cases[] = {
    /* names */
    { "mail.example.com", 1 },
    { "MAIL.Example.COM", 1 },
    { "localhost", 1 },
    { "mx1", 1 },
    { "mail-1.example.com", 1 },
    { "imap.xn--bcher-kva.de", 1 },
    { "host1.example.com2", 1 },
    { "0day.example.com", 1 },
    /* IPv4 */
    { "192.0.2.1", 1 },
    { "127.0.0.1", 1 },
    { "0.0.0.0", 1 },
    { "255.255.255.255", 1 },
    /* IPv6, bracketless */
    { "::1", 1 },
    { "::", 1 },
    { "2001:db8::1", 1 },
    { "2001:DB8::25", 1 },
    { "fe80::1:2:3:4", 1 },
    { "2001:db8:0:0:0:0:0:1", 1 },
    { "::ffff:192.0.2.1", 1 },
    /* junk */
    { "", 0 },
    { "256.1.1.1", 0 },
    { "1.2.3", 0 },
    { "1.2.3.4.5", 0 },
    { "1.2.3.4.", 0 },
    { "123", 0 },
    { "1234567890", 0 },
    { "example.123", 0 },
    { ":", 0 },
    { ":::", 0 },
    { "1:2", 0 },
    { "a:b:c", 0 },
    { "1:2:3:4:5:6:7:8:9", 0 },
    { "2001:db8::1::2", 0 },
    { "[::1]", 0 },
    { "fe80::1%eth0", 0 },
    { "mail.example.com:25", 0 },
    { "host:25", 0 },
    { "192.0.2.1:25", 0 },
    { "gg::1", 0 },
    { "-host", 0 },
    { "host-", 0 },
    { "host.", 0 },
    { ".host", 0 },
    { "ho..st", 0 },
    { "ho st", 0 },
    { "ho_st", 0 },
    { "b\xc3\xbc" "cher.de", 0 },
    { "mail.example.com/x", 0 },
};

static void test_host_check(void)
{
    apr_size_t i;
    const char *s, *why;

    for (i = 0; i < sizeof(host_cases) / sizeof(host_cases[0]); i++) {
        const host_case_t *t = &host_cases[i];
        why = host_len(t->in, strlen(t->in));
        if (t->valid) {
            if (!ok(why == NULL, "host '%s' accepted",
                    fx_vis(pool, t->in, strlen(t->in)))) {
                diag("reason: %s", why);
            }
        }
        else {
            ok(why != NULL && *why, "host '%s' refused",
               fx_vis(pool, t->in, strlen(t->in)));
        }
    }

    why = host_len("b\xc3\xbc" "cher.de", 9);
    ok(fx_contains(why, "xn--"), "UTF-8 host name refused with the A-label hint");
    why = host_len("1234", 4);
    ok(fx_contains(why, "neither a host name nor an IP address"),
       "all-digit host: 'neither a host name nor an IP address'");
    why = host_len("a:b:c", 5);
    ok(fx_contains(why, "neither a host name nor an IP address"),
       "junk with colons: 'neither a host name nor an IP address'");

    s = apr_pstrcat(pool, fx_rep(pool, 'h', 63), ".example.com", NULL);
    ok(host_len(s, strlen(s)) == NULL, "host with a 63-octet label ok");
    s = apr_pstrcat(pool, fx_rep(pool, 'h', 64), ".example.com", NULL);
    ok(host_len(s, strlen(s)) != NULL, "host with a 64-octet label refused");
    s = fx_rep(pool, 'h', 63);
    ok(host_len(s, 63) == NULL, "single 63-octet label host ok");
    s = domain_of_len(253);
    ok(host_len(s, 253) == NULL, "253-octet host ok");
    s = domain_of_len(254);
    ok(host_len(s, 254) != NULL, "254-octet host refused");
    /* an over-long string of hex digits and colons must not overflow */
    s = apr_pstrcat(pool, fx_rep(pool, '1', 40), ":", fx_rep(pool, '2', 40), NULL);
    ok(host_len(s, strlen(s)) != NULL, "81-octet colon junk refused");
    s = apr_pstrcat(pool, "1111:2222:3333:4444:5555:6666:", "7777:8888:9999",
                    fx_rep(pool, ':', 20), NULL);
    ok(host_len(s, strlen(s)) != NULL, "long all-hex colon junk refused");
    ok(mac_host_check("::1\0x", 5) != NULL,
       "IPv6 with an embedded NUL (explicit length) refused");
    ok(mac_host_check("192.0.2.1\0", 10) != NULL,
       "IPv4 with a trailing NUL (explicit length) refused");
    ok(mac_host_check("192.0.2.1junk", 9) == NULL,
       "IPv4 checked only within the given length");
}

static void test_strlower(void)
{
    char *s;

    s = mac_strlower(pool, "MiXeD.Case-123@[Z]", 18);
    is_str(s, "mixed.case-123@[z]", "mac_strlower folds ASCII letters only");
    s = mac_strlower(pool, "ABCDEF", 3);
    is_str(s, "abc", "mac_strlower copies exactly len bytes");
    s = mac_strlower(pool, "\xc3\x84" "B", 3);
    is_str(s, "\xc3\x84" "b", "mac_strlower leaves non-ASCII bytes alone");
    s = mac_strlower(pool, "", 0);
    is_str(s, "", "mac_strlower of the empty string");
}

int main(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);
    plan_no_plan();

    test_good_addresses();
    test_bad_addresses();
    test_each_atext_special();
    test_each_non_atext();
    test_limits();
    test_explicit_length();
    test_domain_check();
    test_host_check();
    test_strlower();

    apr_pool_destroy(pool);
    apr_terminate();
    return done_testing();
}
