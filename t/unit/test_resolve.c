/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * Unit tests for src/mac_resolve.[ch] and src/mac_tlsprobe.[ch]: the
 * resolver address syntax, RDATA in zone-file form from wire-format
 * messages, and the certificate checks on certificates in t/unit/data.
 * Queries to a real name server and TLS to a real server are in
 * t/status_check.t.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/nameser.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_file_io.h>

#include "tap.h"
#include "mac_resolve.h"
#include "mac_tlsprobe.h"

static apr_pool_t *pool;

static void test_parse(void)
{
    static const struct {
        const char *spec, *addr;
        int port;
        const char *why;      /* substring of the reason, NULL: accepted */
    } cases[] = {
        { "127.0.0.1", "127.0.0.1", 53, NULL },
        { "127.0.0.1:5353", "127.0.0.1", 5353, NULL },
        { "192.0.2.53:65535", "192.0.2.53", 65535, NULL },
        { "127.0.0.1:1", "127.0.0.1", 1, NULL },
        { "127.0.0.1:0", NULL, 0, "port" },
        { "127.0.0.1:65536", NULL, 0, "port" },
        { "127.0.0.1:", NULL, 0, "port" },
        { "127.0.0.1:53x", NULL, 0, "port" },
        { "127.0.0.1:-53", NULL, 0, "port" },
        { "127.0.0.1:000053", NULL, 0, "port" },
        { "ns.example.com", NULL, 0, "IPv4" },
        { "256.0.0.1", NULL, 0, "IPv4" },
        { "::1", NULL, 0, "IPv6" },
        { "[::1]:53", NULL, 0, "IPv6" },
        { "", NULL, 0, "empty" },
    };
    unsigned i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *addr = NULL;
        int port = 0;
        const char *why = mac_resolver_parse(pool, cases[i].spec, &addr,
                                             &port);
        if (!cases[i].why) {
            ok(!why && addr && strcmp(addr, cases[i].addr) == 0
               && port == cases[i].port, "'%s': %s port %d", cases[i].spec,
               cases[i].addr, cases[i].port);
        }
        else {
            ok(why && strstr(why, cases[i].why), "'%s' refused: %s",
               cases[i].spec, why ? why : "(accepted)");
        }
    }
    ok(mac_resolver_parse(pool, NULL, NULL, NULL) != NULL, "NULL refused");
}

/* A message: a 12-byte header, then "imap.good.test" at offset 12, then
 * RDATA appended by the caller. */
static apr_size_t message(unsigned char *m, const unsigned char *rd,
                          apr_size_t rdlen)
{
    static const unsigned char name[] = "\4imap\4good\4test";
    apr_size_t n = 12;

    memset(m, 0, 12);
    memcpy(m + n, name, sizeof(name));   /* with the root's 0 */
    n += sizeof(name);
    memcpy(m + n, rd, rdlen);
    return n;
}

static const char *rdata(int type, const unsigned char *rd, apr_size_t len)
{
    unsigned char m[512];
    apr_size_t off = message(m, rd, len);

    return mac_rdata_text(pool, m, off + len, type, m + off, len);
}

static void test_rdata(void)
{
    static const unsigned char a[] = { 192, 0, 2, 1 };
    static const unsigned char aaaa[] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                                          0, 0, 0, 0, 0, 0, 0, 1 };
    static const unsigned char cname_ptr[] = { 0xC0, 12 };
    static const unsigned char cname_upper[] = "\3WEB\7Example\3COM";
    static const unsigned char srv[] = { 0, 0, 0, 1, 0x03, 0xE1, 0xC0, 12 };
    static const unsigned char srv_root[] = { 0, 0, 0, 0, 0, 0, 0 };
    static const unsigned char mx[] = { 0, 10, 0xC0, 12 };
    static const unsigned char txt[] = { 5, 'v', '=', 's', 'p', 'f',
                                         3, ' ', '"', 0x01 };
    static const unsigned char txt_bad[] = { 9, 'a', 'b' };
    static const unsigned char srv_short[] = { 0, 0, 0 };
    static const unsigned char srv_trail[] = { 0, 0, 0, 1, 0x03, 0xE1, 0xC0,
                                               12, 0 };
    static const unsigned char loop[] = { 0xC0, 29 };

    is_str(rdata(ns_t_a, a, sizeof(a)), "192.0.2.1", "A");
    ok(rdata(ns_t_a, a, 3) == NULL, "A of 3 bytes: refused");
    is_str(rdata(ns_t_aaaa, aaaa, sizeof(aaaa)), "2001:db8::1", "AAAA");
    is_str(rdata(ns_t_cname, cname_ptr, sizeof(cname_ptr)),
           "imap.good.test.", "CNAME, compressed, absolute");
    is_str(rdata(ns_t_cname, cname_upper, sizeof(cname_upper)),
           "web.example.com.", "CNAME lower case");
    is_str(rdata(ns_t_srv, srv, sizeof(srv)), "0 1 993 imap.good.test.",
           "SRV");
    is_str(rdata(ns_t_srv, srv_root, sizeof(srv_root)), "0 0 0 .",
           "SRV to the root");
    is_str(rdata(ns_t_mx, mx, sizeof(mx)), "10 imap.good.test.", "MX");
    is_str(rdata(ns_t_txt, txt, sizeof(txt)), "v=spf \\034\\001",
           "TXT joined, quote and control bytes as \\DDD");
    ok(rdata(ns_t_txt, txt_bad, sizeof(txt_bad)) == NULL,
       "TXT longer than its RDATA: refused");
    ok(rdata(ns_t_srv, srv_short, sizeof(srv_short)) == NULL,
       "short SRV: refused");
    ok(rdata(ns_t_srv, srv_trail, sizeof(srv_trail)) == NULL,
       "SRV with bytes after the target: refused");
    ok(rdata(ns_t_cname, loop, sizeof(loop)) == NULL,
       "a compression pointer to itself: refused");
    ok(rdata(ns_t_ns, cname_ptr, sizeof(cname_ptr)) == NULL,
       "a type not handled: NULL");
}

static char *slurp(const char *path, apr_size_t *len)
{
    apr_file_t *f;
    apr_finfo_t fi;
    char *buf;

    if (apr_file_open(&f, path, APR_FOPEN_READ, 0, pool) != APR_SUCCESS
        || apr_file_info_get(&fi, APR_FINFO_SIZE, f) != APR_SUCCESS) {
        return NULL;
    }
    buf = apr_palloc(pool, (apr_size_t)fi.size + 1);
    *len = (apr_size_t)fi.size;
    apr_file_read_full(f, buf, *len, NULL);
    buf[*len] = '\0';
    apr_file_close(f);
    return buf;
}

static void test_cert(void)
{
    apr_size_t len = 0;
    char *pem = slurp("t/unit/data/leaf-ec.pem", &len);
    mac_tls_result_t r;
    apr_time_exp_t x;

    ok(pem != NULL, "t/unit/data/leaf-ec.pem");
    if (!pem) {
        return;
    }
    mac_tls_cert_check(pool, pem, len, "autoconfig.example.com", &r);
    ok(r.ok && r.covered, "covers autoconfig.example.com");
    is_str(r.names, "autoconfig.example.com", "its names");
    apr_time_exp_gmt(&x, r.not_after);
    is_int(x.tm_year + 1900, 2126, "expires in 2126");
    mac_tls_cert_check(pool, pem, len, "AUTOCONFIG.example.com", &r);
    ok(r.ok && r.covered, "letter case does not matter");
    mac_tls_cert_check(pool, pem, len, "autodiscover.example.com", &r);
    ok(r.ok && !r.covered, "does not cover autodiscover.example.com");
    mac_tls_cert_check(pool, pem, len, "x.autoconfig.example.com", &r);
    ok(r.ok && !r.covered, "nor a name below it");
    mac_tls_cert_check(pool, "junk", 4, "autoconfig.example.com", &r);
    ok(!r.ok && r.error, "not a certificate");
}

static void test_probe_refused(void)
{
    mac_tls_result_t r;

    /* Port 1 on loopback: nothing listens there. */
    mac_tls_probe(pool, "127.0.0.1", 1, "autoconfig.example.com",
                  apr_time_from_sec(2), &r);
    ok(!r.ok && r.error && strcmp(r.error, "connection refused") == 0,
       "a closed port: connection refused (%s)", r.error ? r.error : "");
    mac_tls_probe(pool, "not-an-address", 443, "x", apr_time_from_sec(1),
                  &r);
    ok(!r.ok && r.error, "not an address: refused");
}

int main(void)
{
    apr_initialize();
    atexit(apr_terminate);
    apr_pool_create(&pool, NULL);
    plan_no_plan();

    test_parse();
    test_rdata();
    test_cert();
    test_probe_refused();

    apr_pool_destroy(pool);
    return done_testing();
}
