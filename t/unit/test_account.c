/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * Unit tests for src/mac_account.[ch]: names, directive-argument parsers,
 * account queries and warnings.
 */
#include <stdio.h>
#include <string.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include "tap.h"
#include "fixture.h"
#include "mac_account.h"

static apr_pool_t *pool;

/* ------------------------------------------------------------ names */

static void test_names(void)
{
    static const char *const protos[] = { "imap", "pop3", "smtp" };
    static const char *const socks[] = { "ssl", "starttls", "plain" };
    static const char *const tb_socks[] = { "SSL", "STARTTLS", "plain" };
    static const struct { mac_auth_e a; const char *name; } auths[] = {
        { MAC_AUTH_PASSWORD_CLEARTEXT, "password-cleartext" },
        { MAC_AUTH_PASSWORD_ENCRYPTED, "password-encrypted" },
        { MAC_AUTH_NTLM, "NTLM" },
        { MAC_AUTH_GSSAPI, "GSSAPI" },
        { MAC_AUTH_OAUTH2, "OAuth2" },
        { MAC_AUTH_CLIENT_IP, "client-IP-address" },
        { MAC_AUTH_TLS_CLIENT_CERT, "TLS-client-cert" },
        { MAC_AUTH_SMTP_AFTER_POP, "SMTP-after-POP" },
        { MAC_AUTH_NONE, "none" },
    };
    int i;

    for (i = 0; i < MAC_PROTO_COUNT; i++) {
        is_str(mac_proto_name((mac_proto_e)i), protos[i],
               apr_psprintf(pool, "mac_proto_name(%d)", i));
    }
    for (i = 0; i < 3; i++) {
        is_str(mac_socket_name((mac_socket_e)i), socks[i],
               apr_psprintf(pool, "mac_socket_name(%d)", i));
        is_str(mac_socket_tb_name((mac_socket_e)i), tb_socks[i],
               apr_psprintf(pool, "mac_socket_tb_name(%d)", i));
    }
    is_int(sizeof(auths) / sizeof(auths[0]), MAC_AUTH_COUNT,
           "(every auth method listed)");
    for (i = 0; i < (int)(sizeof(auths) / sizeof(auths[0])); i++) {
        is_str(mac_auth_name(auths[i].a), auths[i].name,
               apr_psprintf(pool, "mac_auth_name(%d)", (int)auths[i].a));
    }
}

/* ------------------------------------------------------------ port */

typedef struct {
    const char *arg;
    int         port;    /* 0: invalid */
} port_case_t;

static const port_case_t port_cases[] = {
    { "1", 1 }, { "25", 25 }, { "143", 143 }, { "465", 465 },
    { "587", 587 }, { "993", 993 }, { "995", 995 }, { "65535", 65535 },
    { "0", 0 }, { "65536", 0 }, { "99999", 0 }, { "100000", 0 },
    { "99999999999", 0 }, { "18446744073709551617", 0 },
    { "4294967297", 0 }, { "4294968289", 0 },
    { "", 0 }, { "abc", 0 }, { "+1", 0 }, { "-1", 0 }, { " 25", 0 },
    { "25 ", 0 }, { "2 5", 0 }, { "0x19", 0 }, { "1e3", 0 }, { "2.5", 0 },
    { "993a", 0 }, { "imaps", 0 }, { "\xd9\xa1", 0 },
};

static void test_port(void)
{
    apr_size_t i;

    for (i = 0; i < sizeof(port_cases) / sizeof(port_cases[0]); i++) {
        const port_case_t *t = &port_cases[i];
        int port = -7;
        const char *why = mac_parse_port(pool, t->arg, &port);
        if (t->port) {
            ok(why == NULL && port == t->port, "port '%s' -> %d", t->arg,
               t->port);
        }
        else {
            ok(why != NULL && port == -7, "port '%s' refused, output "
               "untouched", t->arg);
        }
    }
    ok(fx_contains(mac_parse_port(pool, "0", &(int){0}), "'0'")
       && fx_contains(mac_parse_port(pool, "0", &(int){0}), "1 to 65535"),
       "port message quotes the value and gives the range");
}

/* ------------------------------------------------------------ socket */

typedef struct {
    const char  *arg;
    int          sock;   /* -1: invalid */
} sock_case_t;

static const sock_case_t sock_cases[] = {
    { "ssl", MAC_SOCK_SSL }, { "SSL", MAC_SOCK_SSL }, { "Ssl", MAC_SOCK_SSL },
    { "tls", MAC_SOCK_SSL }, { "TLS", MAC_SOCK_SSL }, { "Tls", MAC_SOCK_SSL },
    { "starttls", MAC_SOCK_STARTTLS }, { "STARTTLS", MAC_SOCK_STARTTLS },
    { "StartTLS", MAC_SOCK_STARTTLS },
    { "plain", MAC_SOCK_PLAIN }, { "PLAIN", MAC_SOCK_PLAIN },
    { "Plain", MAC_SOCK_PLAIN },
    { "", -1 }, { "none", -1 }, { "ssl ", -1 }, { " ssl", -1 },
    { "start-tls", -1 }, { "tls1.2", -1 }, { "ssltls", -1 }, { "s", -1 },
    { "plaintext", -1 }, { "implicit", -1 },
};

static void test_socket(void)
{
    apr_size_t i;
    const char *why;

    for (i = 0; i < sizeof(sock_cases) / sizeof(sock_cases[0]); i++) {
        const sock_case_t *t = &sock_cases[i];
        mac_socket_e s = (mac_socket_e)99;
        why = mac_parse_socket(pool, t->arg, &s);
        if (t->sock >= 0) {
            ok(why == NULL && (int)s == t->sock, "socket '%s' -> %s",
               t->arg, mac_socket_name((mac_socket_e)t->sock));
        }
        else {
            ok(why != NULL && (int)s == 99, "socket '%s' refused", t->arg);
        }
    }
    why = mac_parse_socket(pool, "bogus", &(mac_socket_e){0});
    ok(fx_contains(why, "'bogus'") && fx_contains(why, "starttls"),
       "socket message quotes the value and lists the choices");
}

/* ------------------------------------------------------------ auth */

static void test_auth(void)
{
    static const struct {
        const char *arg;
        int         auth;       /* -1: unknown */
        int         smtp_only;
    } cases[] = {
        { "password-cleartext", MAC_AUTH_PASSWORD_CLEARTEXT, 0 },
        { "PASSWORD-CLEARTEXT", MAC_AUTH_PASSWORD_CLEARTEXT, 0 },
        { "password-encrypted", MAC_AUTH_PASSWORD_ENCRYPTED, 0 },
        { "NTLM", MAC_AUTH_NTLM, 0 },
        { "ntlm", MAC_AUTH_NTLM, 0 },
        { "GSSAPI", MAC_AUTH_GSSAPI, 0 },
        { "gssapi", MAC_AUTH_GSSAPI, 0 },
        { "OAuth2", MAC_AUTH_OAUTH2, 0 },
        { "oauth2", MAC_AUTH_OAUTH2, 0 },
        { "client-IP-address", MAC_AUTH_CLIENT_IP, 0 },
        { "client-ip-address", MAC_AUTH_CLIENT_IP, 0 },
        { "TLS-client-cert", MAC_AUTH_TLS_CLIENT_CERT, 0 },
        { "tls-client-cert", MAC_AUTH_TLS_CLIENT_CERT, 0 },
        { "SMTP-after-POP", MAC_AUTH_SMTP_AFTER_POP, 1 },
        { "smtp-after-pop", MAC_AUTH_SMTP_AFTER_POP, 1 },
        { "none", MAC_AUTH_NONE, 1 },
        { "NONE", MAC_AUTH_NONE, 1 },
        { "", -1, 0 },
        { "plain", -1, 0 },
        { "password", -1, 0 },
        { "oauth", -1, 0 },
        { "password-cleartext ", -1, 0 },
        { "cram-md5", -1, 0 },
    };
    apr_size_t i;
    int proto;
    const char *why;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        for (proto = 0; proto < MAC_PROTO_COUNT; proto++) {
            mac_auth_e a = (mac_auth_e)99;
            int want_ok = cases[i].auth >= 0
                && (!cases[i].smtp_only || proto == MAC_PROTO_SMTP);
            why = mac_parse_auth(pool, (mac_proto_e)proto, cases[i].arg, &a);
            if (want_ok) {
                ok(why == NULL && (int)a == cases[i].auth,
                   "auth '%s' for %s -> %s", cases[i].arg,
                   mac_proto_name((mac_proto_e)proto),
                   mac_auth_name((mac_auth_e)cases[i].auth));
            }
            else if (cases[i].auth >= 0) {
                ok(fx_contains(why, "only for SMTP") && (int)a == 99,
                   "auth '%s' for %s refused: only for SMTP", cases[i].arg,
                   mac_proto_name((mac_proto_e)proto));
            }
            else {
                ok(fx_contains(why, "is not one of") && (int)a == 99,
                   "auth '%s' for %s refused: unknown", cases[i].arg,
                   mac_proto_name((mac_proto_e)proto));
            }
        }
    }
    why = mac_parse_auth(pool, MAC_PROTO_SMTP, "bogus", &(mac_auth_e){0});
    ok(fx_contains(why, "'bogus'") && fx_contains(why, "none")
       && fx_contains(why, "SMTP-after-POP"),
       "unknown SMTP auth: message lists none and SMTP-after-POP");
    why = mac_parse_auth(pool, MAC_PROTO_IMAP, "bogus", &(mac_auth_e){0});
    ok(fx_contains(why, "OAuth2") && !fx_contains(why, "none")
       && !fx_contains(why, "SMTP-after-POP"),
       "unknown IMAP auth: message does not offer SMTP-only values");
}

/* ------------------------------------------------------------ server */

typedef struct {
    mac_proto_e proto;
    const char *host, *port, *sock, *auth;
    /* expected on success */
    const char *e_host;
    int         e_port;
    int         e_sock;
    int         e_auth;
} srv_good_t;

static const srv_good_t srv_good[] = {
    { MAC_PROTO_IMAP, "imap.example.com", "993", "ssl", NULL,
      "imap.example.com", 993, MAC_SOCK_SSL, MAC_AUTH_PASSWORD_CLEARTEXT },
    { MAC_PROTO_IMAP, "IMAP.Example.COM", "143", "STARTTLS", "OAuth2",
      "imap.example.com", 143, MAC_SOCK_STARTTLS, MAC_AUTH_OAUTH2 },
    { MAC_PROTO_POP3, "pop.example.com", "995", "TLS",
      "password-encrypted", "pop.example.com", 995, MAC_SOCK_SSL,
      MAC_AUTH_PASSWORD_ENCRYPTED },
    { MAC_PROTO_POP3, "localhost", "110", "plain", NULL,
      "localhost", 110, MAC_SOCK_PLAIN, MAC_AUTH_PASSWORD_CLEARTEXT },
    { MAC_PROTO_SMTP, "smtp.example.com", "465", "ssl", "none",
      "smtp.example.com", 465, MAC_SOCK_SSL, MAC_AUTH_NONE },
    { MAC_PROTO_SMTP, "smtp.example.com", "587", "starttls",
      "SMTP-after-POP", "smtp.example.com", 587, MAC_SOCK_STARTTLS,
      MAC_AUTH_SMTP_AFTER_POP },
    { MAC_PROTO_SMTP, "192.0.2.25", "25", "plain", "client-IP-address",
      "192.0.2.25", 25, MAC_SOCK_PLAIN, MAC_AUTH_CLIENT_IP },
    { MAC_PROTO_IMAP, "2001:DB8::1", "1", "ssl", "TLS-client-cert",
      "2001:db8::1", 1, MAC_SOCK_SSL, MAC_AUTH_TLS_CLIENT_CERT },
    { MAC_PROTO_SMTP, "xn--bcher-kva.de", "65535", "ssl", "ntlm",
      "xn--bcher-kva.de", 65535, MAC_SOCK_SSL, MAC_AUTH_NTLM },
};

typedef struct {
    const char *what;
    mac_proto_e proto;
    const char *host, *port, *sock, *auth;
    const char *fragment;   /* expected in the message */
} srv_bad_t;

static const srv_bad_t srv_bad[] = {
    { "empty host", MAC_PROTO_IMAP, "", "993", "ssl", NULL, "host ''" },
    { "host with a space", MAC_PROTO_IMAP, "imap example.com", "993", "ssl",
      NULL, "host 'imap example.com'" },
    { "host with a port", MAC_PROTO_IMAP, "imap.example.com:993", "993",
      "ssl", NULL, "neither a host name nor an IP address" },
    { "bracketed IPv6", MAC_PROTO_IMAP, "[::1]", "993", "ssl", NULL,
      "host '[::1]'" },
    { "all-digit host", MAC_PROTO_IMAP, "12345", "993", "ssl", NULL,
      "neither a host name nor an IP address" },
    { "UTF-8 host", MAC_PROTO_IMAP, "imap.b\xc3\xbc" "cher.de", "993",
      "ssl", NULL, "xn--" },
    { "trailing dot", MAC_PROTO_IMAP, "imap.example.com.", "993", "ssl", NULL,
      "ends with a dot" },
    { "port 0", MAC_PROTO_IMAP, "imap.example.com", "0", "ssl", NULL,
      "port '0'" },
    { "port 65536", MAC_PROTO_IMAP, "imap.example.com", "65536", "ssl", NULL,
      "port '65536'" },
    { "port abc", MAC_PROTO_IMAP, "imap.example.com", "abc", "ssl", NULL,
      "port 'abc'" },
    { "port +1", MAC_PROTO_IMAP, "imap.example.com", "+1", "ssl", NULL,
      "port '+1'" },
    { "port 99999999999", MAC_PROTO_IMAP, "imap.example.com", "99999999999",
      "ssl", NULL, "port '99999999999'" },
    { "port empty", MAC_PROTO_SMTP, "smtp.example.com", "", "ssl", NULL,
      "port ''" },
    { "bad socket", MAC_PROTO_IMAP, "imap.example.com", "993", "imaps", NULL,
      "socket type 'imaps'" },
    { "bad auth", MAC_PROTO_IMAP, "imap.example.com", "993", "ssl", "login",
      "authentication 'login'" },
    { "none for IMAP", MAC_PROTO_IMAP, "imap.example.com", "993", "ssl",
      "none", "only for SMTP" },
    { "none for POP3", MAC_PROTO_POP3, "pop.example.com", "995", "ssl",
      "none", "only for SMTP" },
    { "SMTP-after-POP for IMAP", MAC_PROTO_IMAP, "imap.example.com", "993",
      "ssl", "SMTP-after-POP", "only for SMTP" },
    { "SMTP-after-POP for POP3", MAC_PROTO_POP3, "pop.example.com", "995",
      "ssl", "smtp-after-pop", "only for SMTP" },
};

static void test_server(void)
{
    apr_size_t i;

    for (i = 0; i < sizeof(srv_good) / sizeof(srv_good[0]); i++) {
        const srv_good_t *t = &srv_good[i];
        mac_server_t s;
        const char *why;

        memset(&s, 0xA5, sizeof(s));
        why = mac_parse_server(pool, t->proto, t->host, t->port, t->sock,
                               t->auth, &s);
        if (!ok(why == NULL, "server %s %s %s %s %s accepted",
                mac_proto_name(t->proto), t->host, t->port, t->sock,
                t->auth ? t->auth : "(default auth)")) {
            diag("message: %s", why);
            continue;
        }
        ok(s.proto == t->proto && s.host && strcmp(s.host, t->e_host) == 0
           && s.port == t->e_port && (int)s.socket == t->e_sock
           && (int)s.auth == t->e_auth,
           "  fields: %s port %d socket %s auth %s", t->e_host, t->e_port,
           mac_socket_name((mac_socket_e)t->e_sock),
           mac_auth_name((mac_auth_e)t->e_auth));
    }
    for (i = 0; i < sizeof(srv_bad) / sizeof(srv_bad[0]); i++) {
        const srv_bad_t *t = &srv_bad[i];
        mac_server_t s;
        const char *why;

        memset(&s, 0, sizeof(s));
        why = mac_parse_server(pool, t->proto, t->host, t->port, t->sock,
                               t->auth, &s);
        if (!ok(fx_contains(why, t->fragment), "server refused: %s (%s)",
                t->what, t->fragment)) {
            diag("message: %s", why ? why : "(accepted)");
        }
    }
}

/* Every auth value through mac_parse_server, for every protocol. */
static void test_server_each_auth(void)
{
    int proto, a;

    for (proto = 0; proto < MAC_PROTO_COUNT; proto++) {
        for (a = 0; a < MAC_AUTH_COUNT; a++) {
            mac_server_t s;
            int smtp_only = a == MAC_AUTH_NONE || a == MAC_AUTH_SMTP_AFTER_POP;
            const char *why;

            memset(&s, 0, sizeof(s));
            s.auth = (mac_auth_e)99;
            why = mac_parse_server(pool, (mac_proto_e)proto, "mail.example.com",
                                   "1234", "starttls",
                                   mac_auth_name((mac_auth_e)a), &s);
            if (smtp_only && proto != MAC_PROTO_SMTP) {
                ok(fx_contains(why, "only for SMTP"), "server %s auth %s refused",
                   mac_proto_name((mac_proto_e)proto),
                   mac_auth_name((mac_auth_e)a));
            }
            else {
                ok(why == NULL && (int)s.auth == a && s.port == 1234
                   && s.socket == MAC_SOCK_STARTTLS && (int)s.proto == proto,
                   "server %s auth %s accepted",
                   mac_proto_name((mac_proto_e)proto),
                   mac_auth_name((mac_auth_e)a));
            }
        }
    }
}

/* ------------------------------------------------------------ account */

static int warning_matches(apr_array_header_t *w, int i, const char *frag)
{
    return w && i < w->nelts
        && fx_contains(APR_ARRAY_IDX(w, i, const char *), frag);
}

static void test_account(void)
{
    mac_server_t full[3], s;
    mac_account_t *a;
    apr_array_header_t *w;

    full[0] = fx_server(MAC_PROTO_IMAP, "imap.example.com", 993, MAC_SOCK_SSL,
                  MAC_AUTH_PASSWORD_CLEARTEXT);
    full[1] = fx_server(MAC_PROTO_POP3, "pop.example.com", 995, MAC_SOCK_SSL,
                  MAC_AUTH_PASSWORD_CLEARTEXT);
    full[2] = fx_server(MAC_PROTO_SMTP, "smtp.example.com", 587,
                  MAC_SOCK_STARTTLS, MAC_AUTH_PASSWORD_CLEARTEXT);

    a = fx_account(pool, full, 3);
    ok(mac_account_has_domain(a, "example.com"), "has_domain: first");
    ok(mac_account_has_domain(a, "example.org"), "has_domain: second");
    ok(!mac_account_has_domain(a, "example.net"), "has_domain: other");
    ok(!mac_account_has_domain(a, "example"), "has_domain: prefix");
    ok(!mac_account_has_domain(a, "sub.example.com"), "has_domain: subdomain");
    is_int(mac_account_count(a, MAC_PROTO_IMAP), 1, "count IMAP");
    is_int(mac_account_count(a, MAC_PROTO_POP3), 1, "count POP3");
    is_int(mac_account_count(a, MAC_PROTO_SMTP), 1, "count SMTP");

    w = mac_account_warnings(pool, a);
    is_int(w->nelts, 0, "warnings: none for a complete TLS-only account");

    /* a plain server */
    s = fx_server(MAC_PROTO_IMAP, "imap.example.com", 143, MAC_SOCK_PLAIN,
            MAC_AUTH_PASSWORD_CLEARTEXT);
    APR_ARRAY_PUSH(a->servers, mac_server_t) = s;
    is_int(mac_account_count(a, MAC_PROTO_IMAP), 2, "count IMAP after adding");
    w = mac_account_warnings(pool, a);
    is_int(w->nelts, 1, "warnings: one for one plain server");
    ok(warning_matches(w, 0, "imap server imap.example.com:143")
       && warning_matches(w, 0, "plain"),
       "  names protocol, host:port and 'plain'");
    ok(warning_matches(w, 0, "Android"), "  mentions Thunderbird for Android");

    /* two plain servers */
    s = fx_server(MAC_PROTO_SMTP, "smtp.example.com", 25, MAC_SOCK_PLAIN,
            MAC_AUTH_NONE);
    APR_ARRAY_PUSH(a->servers, mac_server_t) = s;
    w = mac_account_warnings(pool, a);
    is_int(w->nelts, 2, "warnings: one per plain server");
    ok(warning_matches(w, 1, "smtp server smtp.example.com:25"),
       "  second names the SMTP server");

    /* no incoming server */
    a = fx_account(pool, &full[2], 1);
    w = mac_account_warnings(pool, a);
    is_int(w->nelts, 1, "warnings: SMTP only -> one");
    ok(warning_matches(w, 0, "no IMAP or POP3"), "  no incoming server");

    /* POP3 counts as incoming */
    a = fx_account(pool, &full[1], 2);
    w = mac_account_warnings(pool, a);
    is_int(w->nelts, 0, "warnings: POP3 + SMTP -> none");

    /* no SMTP */
    a = fx_account(pool, full, 2);
    w = mac_account_warnings(pool, a);
    is_int(w->nelts, 1, "warnings: IMAP + POP3 only -> one");
    ok(warning_matches(w, 0, "no SMTP"), "  no SMTP server");

    /* nothing */
    a = fx_account(pool, NULL, 0);
    w = mac_account_warnings(pool, a);
    is_int(w->nelts, 2, "warnings: no servers -> two");
    ok(warning_matches(w, 0, "no IMAP or POP3")
       && warning_matches(w, 1, "no SMTP"), "  incoming then SMTP");
    is_int(mac_account_count(a, MAC_PROTO_IMAP), 0, "count on empty list");

    /* NULL arrays are tolerated by the queries */
    a->servers = NULL;
    a->domains = NULL;
    is_int(mac_account_count(a, MAC_PROTO_SMTP), 0, "count with NULL array");
    ok(!mac_account_has_domain(a, "example.com"),
       "has_domain with NULL array");
    w = mac_account_warnings(pool, a);
    is_int(w->nelts, 2, "warnings with NULL server array -> two");
}

int main(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);
    plan_no_plan();

    test_names();
    test_port();
    test_socket();
    test_auth();
    test_server();
    test_server_each_auth();
    test_account();

    apr_pool_destroy(pool);
    apr_terminate();
    return done_testing();
}
