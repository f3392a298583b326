/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * Unit tests for src/mac_check.[ch]: record comparison, verdicts, the
 * check's bounds (queries, TLS connections, an unreachable resolver), the
 * HTML and JSON renderings and the status page's query strings.  The
 * lookups come from a table here (the real resolver is exercised against
 * a real name server in t/status_check.t).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include <libxml/parser.h>

#include "tap.h"
#include "mac_account.h"
#include "mac_check.h"

static apr_pool_t *pool;

/* ------------------------------------------------------------ compare */

static void test_same(void)
{
    static const struct {
        const char *type, *advised, *found;
        int same;
    } cases[] = {
        { "CNAME", "web.example.com.", "web.example.com.", 1 },
        { "CNAME", "web.example.com.", "WEB.Example.COM.", 1 },
        { "CNAME", "web.example.com.", "web.example.com", 1 },
        { "CNAME", "web.example.com.", "web.example.net.", 0 },
        { "CNAME", "web.example.com.", "", 0 },
        { "SRV", "0 1 993 imap.example.com.", "0 1 993 IMAP.example.com.", 1 },
        { "SRV", "0 1 993 imap.example.com.", "0  1\t993 imap.example.com", 1 },
        { "SRV", "0 1 993 imap.example.com.", "00 01 0993 imap.example.com.", 1 },
        { "SRV", "0 1 993 imap.example.com.", "0 1 994 imap.example.com.", 0 },
        { "SRV", "0 1 993 imap.example.com.", "1 1 993 imap.example.com.", 0 },
        { "SRV", "0 0 0 .", "0 0 0 .", 1 },
        { "SRV", "0 0 0 .", "0 0 0 imap.example.com.", 0 },
        { "SRV", "0 1 993 imap.example.com.", "0 1 993", 0 },
        { "SRV", "0 1 993 imap.example.com.", "0 1 x93 imap.example.com.", 0 },
        { "SRV", "0 1 993 imap.example.com.", "0 1 993 imap.example.com. x", 0 },
        { "A", "192.0.2.1", "192.0.2.1", 1 },
        { "A", "192.0.2.1", "192.0.2.10", 0 },
        { "A", "192.0.2.1", "not an address", 0 },
        { "AAAA", "2001:db8::1", "2001:0db8:0000:0000:0000:0000:0000:0001", 1 },
        { "AAAA", "2001:db8::1", "2001:DB8::1", 1 },
        { "AAAA", "2001:db8::1", "2001:db8::2", 0 },
        { "MX", "10 mx.example.com.", "10 MX.example.com", 1 },
        { "MX", "10 mx.example.com.", "20 mx.example.com.", 0 },
        { "TXT", "\"v=spf1 -all\"", "v=spf1 -all", 1 },
        { "TXT", "\"v=spf1 \" \"-all\"", "v=spf1 -all", 1 },
        { "TXT", "\"say \\\"hi\\\"\"", "say \\034hi\\034", 1 },
        { "TXT", "\"v=spf1 -all\"", "V=SPF1 -ALL", 0 },
        { "TXT", "plain text", "plain text", 1 },
    };
    unsigned i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        is_int(mac_check_same(pool, cases[i].type, cases[i].advised,
                              cases[i].found), cases[i].same,
               apr_psprintf(pool, "%s '%s' vs '%s': %s", cases[i].type,
                            cases[i].advised, cases[i].found,
                            cases[i].same ? "same" : "different"));
    }
    ok(!mac_check_same(pool, "SRV", NULL, "0 0 0 ."), "no advised value");
    ok(!mac_check_same(pool, NULL, "x", "x"), "no type");
}

static apr_array_header_t *strs(const char *a, const char *b)
{
    apr_array_header_t *r = apr_array_make(pool, 2, sizeof(const char *));

    if (a) {
        APR_ARRAY_PUSH(r, const char *) = a;
    }
    if (b) {
        APR_ARRAY_PUSH(r, const char *) = b;
    }
    return r;
}

static void test_verdict(void)
{
    const char *adv = "0 1 993 imap.example.com.";

    is_int(mac_check_verdict(pool, "SRV", adv, MAC_RES_FOUND,
                             strs("0 1 993 imap.example.com.", NULL)),
           MAC_V_PUBLISHED, "found: published");
    is_int(mac_check_verdict(pool, "SRV", adv, MAC_RES_FOUND,
                             strs("5 1 993 other.example.com.",
                                  "0 1 993 imap.example.com.")),
           MAC_V_PUBLISHED, "among others: published");
    is_int(mac_check_verdict(pool, "SRV", adv, MAC_RES_FOUND,
                             strs("0 1 143 imap.example.com.", NULL)),
           MAC_V_DIFFERENT, "another value: different");
    is_int(mac_check_verdict(pool, "SRV", adv, MAC_RES_NODATA, NULL),
           MAC_V_MISSING, "no data: missing");
    is_int(mac_check_verdict(pool, "SRV", adv, MAC_RES_NXDOMAIN, NULL),
           MAC_V_MISSING, "NXDOMAIN: missing");
    is_int(mac_check_verdict(pool, "SRV", adv, MAC_RES_NOANSWER, NULL),
           MAC_V_NO_ANSWER, "no answer");
    is_int(mac_check_verdict(pool, "SRV", adv, MAC_RES_FAILED, NULL),
           MAC_V_ERROR, "failed: error");
    is_int(mac_check_verdict(pool, NULL, NULL, MAC_RES_FOUND, NULL),
           MAC_V_ADVICE, "an advisory entry");
    is_str(mac_verdict_name(MAC_V_NO_ANSWER), "no_answer", "verdict name");
    ok(mac_verdict_name(MAC_V_COUNT) == NULL, "no name past the end");
    is_str(mac_tls_verdict_name(MAC_TLS_NOT_COVERED), "not_covered",
           "TLS verdict name");
}

/* ------------------------------------------------------------ run */

/* A table of answers: "TYPE name" -> status and values. */
typedef struct {
    const char      *key;
    mac_res_status_e st;
    const char      *v1, *v2;
} answer_t;

typedef struct {
    const answer_t *answers;
    int             calls;
    int             probes;
    int             tls_ok;
    int             tls_slow;    /* probes time out */
} fake_t;

static mac_res_status_e fake_resolve(void *ctx, apr_pool_t *p,
                                     const char *name, const char *type,
                                     apr_array_header_t **found,
                                     const char **why)
{
    fake_t *f = ctx;
    const char *key = apr_pstrcat(p, type, " ", name, NULL);
    const answer_t *a;

    f->calls++;
    *found = apr_array_make(p, 2, sizeof(const char *));
    *why = NULL;
    for (a = f->answers; a && a->key; a++) {
        if (strcmp(a->key, key) == 0) {
            if (a->v1) {
                APR_ARRAY_PUSH(*found, const char *) = a->v1;
            }
            if (a->v2) {
                APR_ARRAY_PUSH(*found, const char *) = a->v2;
            }
            if (a->st == MAC_RES_NOANSWER) {
                *why = "timed out";
            }
            return a->st;
        }
    }
    return MAC_RES_NXDOMAIN;
}

static void fake_probe(void *ctx, apr_pool_t *p, const char *addr, int port,
                       const char *name, mac_tls_result_t *out)
{
    fake_t *f = ctx;

    (void)addr; (void)port;
    f->probes++;
    memset(out, 0, sizeof(*out));
    if (f->tls_slow) {
        out->error = "connection timed out";
        out->timed_out = 1;
        return;
    }
    if (!f->tls_ok) {
        out->error = "connection refused";
        return;
    }
    out->ok = 1;
    out->covered = strncmp(name, "autoconfig.", 11) == 0;
    out->not_after = apr_time_from_sec(86400 * 365);   /* 1971 */
    out->names = apr_pstrdup(p, "autoconfig.example.com, <b>&\"");
}

static mac_account_t *account(const char *d1, const char *d2)
{
    mac_account_t *a = apr_pcalloc(pool, sizeof(*a));
    mac_server_t *s;

    a->domains = strs(d1, d2);
    a->servers = apr_array_make(pool, 2, sizeof(mac_server_t));
    s = apr_array_push(a->servers);
    memset(s, 0, sizeof(*s));
    s->proto = MAC_PROTO_IMAP;
    s->host = "imap.example.com";
    s->port = 993;
    s->socket = MAC_SOCK_SSL;
    return a;
}

static apr_array_header_t *inputs(const mac_account_t *acct, int n)
{
    apr_array_header_t *in = apr_array_make(pool, n,
                                            sizeof(mac_check_input_t));
    int i;

    for (i = 0; i < n; i++) {
        mac_check_input_t *x = apr_array_push(in);
        memset(x, 0, sizeof(*x));
        x->index = i + 1;
        x->server_name = "web.example.com";
        x->acct = acct;
        x->https_port = 443;
        x->tls_addr = "127.0.0.1";
        x->tls_port = 8443;
    }
    return in;
}

static const mac_check_rr_t *rr_at(const mac_check_t *c, int v, int d,
                                   const char *name)
{
    const mac_check_vhost_t *vh = &APR_ARRAY_IDX(c->vhosts, v,
                                                 mac_check_vhost_t);
    const mac_check_domain_t *dom = &APR_ARRAY_IDX(vh->domains, d,
                                                   mac_check_domain_t);
    int i;

    for (i = 0; i < dom->records->nelts; i++) {
        const mac_check_rr_t *r = &APR_ARRAY_IDX(dom->records, i,
                                                 mac_check_rr_t);
        if (strcmp(r->name, name) == 0) {
            return r;
        }
    }
    return NULL;
}

static void test_run(void)
{
    static const answer_t answers[] = {
        { "CNAME autoconfig.example.com.", MAC_RES_FOUND,
          "web.example.com.", NULL },
        { "CNAME autodiscover.example.com.", MAC_RES_FOUND,
          "elsewhere.example.net.", NULL },
        { "SRV _imaps._tcp.example.com.", MAC_RES_FOUND,
          "0 1 993 imap.example.com.", NULL },
        { "SRV _imap._tcp.example.com.", MAC_RES_NODATA, NULL, NULL },
        { "SRV _pop3s._tcp.example.com.", MAC_RES_FAILED, NULL, NULL },
        { NULL, 0, NULL, NULL }
    };
    fake_t f = { answers, 0, 0, 1, 0 };
    mac_account_t *acct = account("example.com", NULL);
    mac_check_t *c = mac_check_run(pool, inputs(acct, 1), 200, 40,
                                   fake_resolve, &f, fake_probe, &f,
                                   "127.0.0.1:53", apr_time_from_sec(1000));
    const mac_check_rr_t *r;
    const mac_check_domain_t *d;

    is_int(c->vhosts->nelts, 1, "one vhost");
    is_int(f.calls, 9, "nine records, nine queries");
    is_int(c->queries, 9, "counted");
    ok(!c->cut && !c->unreachable, "neither cut nor unreachable");
    r = rr_at(c, 0, 0, "autoconfig.example.com.");
    ok(r && r->verdict == MAC_V_PUBLISHED && !r->note, "autoconfig published");
    r = rr_at(c, 0, 0, "autodiscover.example.com.");
    ok(r && r->verdict == MAC_V_DIFFERENT && r->found->nelts == 1
       && strcmp(APR_ARRAY_IDX(r->found, 0, const char *),
                 "elsewhere.example.net.") == 0,
       "autodiscover different, with what was found");
    ok(r && r->note && strstr(r->note, "another value"), "a note: %s",
       r && r->note ? r->note : "(none)");
    r = rr_at(c, 0, 0, "_imap._tcp.example.com.");
    ok(r && r->verdict == MAC_V_MISSING && strstr(r->note, "no SRV"),
       "no data: missing, the name has no SRV record");
    r = rr_at(c, 0, 0, "_autodiscover._tcp.example.com.");
    ok(r && r->verdict == MAC_V_MISSING && strstr(r->note, "NXDOMAIN"),
       "NXDOMAIN: missing");
    r = rr_at(c, 0, 0, "_pop3s._tcp.example.com.");
    ok(r && r->verdict == MAC_V_ERROR, "failed: error");

    d = &APR_ARRAY_IDX(APR_ARRAY_IDX(c->vhosts, 0, mac_check_vhost_t).domains,
                       0, mac_check_domain_t);
    is_int(d->tls->nelts, 2, "two TLS names");
    is_int(APR_ARRAY_IDX(d->tls, 0, mac_check_tls_t).verdict, MAC_TLS_COVERED,
           "autoconfig covered");
    is_int(APR_ARRAY_IDX(d->tls, 1, mac_check_tls_t).verdict,
           MAC_TLS_NOT_COVERED, "autodiscover not covered");
    is_str(APR_ARRAY_IDX(c->vhosts, 0, mac_check_vhost_t).tls_address,
           "127.0.0.1:8443", "the address probed");

    /* The same names in two vhosts: asked once. */
    f.calls = 0;
    c = mac_check_run(pool, inputs(acct, 2), 200, 40, fake_resolve, &f,
                      fake_probe, &f, "x", 0);
    is_int(f.calls, 9, "two vhosts with the same domain: each name asked "
           "once");
    is_int(rr_at(c, 1, 0, "autoconfig.example.com.")->verdict,
           MAC_V_PUBLISHED, "and the second vhost has the verdict too");
}

static void test_bounds(void)
{
    static const answer_t dead[] = {
        { "CNAME autoconfig.example.com.", MAC_RES_NOANSWER, NULL, NULL },
        { NULL, 0, NULL, NULL }
    };
    fake_t f = { NULL, 0, 0, 0, 0 };
    mac_account_t *acct = account("example.com", "example.org");
    mac_check_t *c;
    const mac_check_rr_t *r;
    const mac_check_tls_t *t;

    /* Query bound: 18 records, 5 queries allowed. */
    c = mac_check_run(pool, inputs(acct, 1), 5, 3, fake_resolve, &f,
                      fake_probe, &f, "x", 0);
    is_int(f.calls, 5, "the bound on queries holds");
    ok(c->cut, "the check says it was cut");
    r = rr_at(c, 0, 1, "autoconfig.example.org.");
    ok(r && r->verdict == MAC_V_NOT_CHECKED && strstr(r->note, "at most 5"),
       "records past the bound: not checked");
    is_int(f.probes, 3, "the bound on TLS connections holds");
    t = &APR_ARRAY_IDX(APR_ARRAY_IDX(APR_ARRAY_IDX(c->vhosts, 0,
                                                   mac_check_vhost_t).domains,
                                     1, mac_check_domain_t).tls,
                       1, mac_check_tls_t);
    ok(t->verdict == MAC_TLS_NOT_CHECKED, "TLS past the bound: not checked");
    t = &APR_ARRAY_IDX(APR_ARRAY_IDX(APR_ARRAY_IDX(c->vhosts, 0,
                                                   mac_check_vhost_t).domains,
                                     0, mac_check_domain_t).tls,
                       0, mac_check_tls_t);
    ok(t->verdict == MAC_TLS_FAILED && strcmp(t->res.error,
                                              "connection refused") == 0,
       "a failed probe: failed, with the reason");

    /* A resolver that does not answer: one query, then no more. */
    f.answers = dead;
    f.calls = 0;
    c = mac_check_run(pool, inputs(acct, 1), 200, 40, fake_resolve, &f,
                      NULL, NULL, "x", 0);
    is_int(f.calls, 1, "after no answer, nothing more is asked");
    ok(c->unreachable, "unreachable");
    r = rr_at(c, 0, 0, "autoconfig.example.com.");
    ok(r && r->verdict == MAC_V_NO_ANSWER && strcmp(r->note, "timed out") == 0,
       "the first: no answer, timed out");
    r = rr_at(c, 0, 1, "_submission._tcp.example.org.");
    ok(r && r->verdict == MAC_V_NO_ANSWER && strstr(r->note, "not asked"),
       "the rest: no answer, not asked");
    t = &APR_ARRAY_IDX(APR_ARRAY_IDX(APR_ARRAY_IDX(c->vhosts, 0,
                                                   mac_check_vhost_t).domains,
                                     0, mac_check_domain_t).tls,
                       0, mac_check_tls_t);
    ok(t->verdict == MAC_TLS_NOT_CHECKED, "no probe function: not checked");

    /* A probe that times out: that address is not tried again. */
    f.tls_slow = 1;
    f.probes = 0;
    c = mac_check_run(pool, inputs(acct, 2), 200, 40, fake_resolve, &f,
                      fake_probe, &f, "x", 0);
    is_int(f.probes, 1, "after a timed-out probe, no more to that address");
    t = &APR_ARRAY_IDX(APR_ARRAY_IDX(APR_ARRAY_IDX(c->vhosts, 1,
                                                   mac_check_vhost_t).domains,
                                     1, mac_check_domain_t).tls,
                       1, mac_check_tls_t);
    ok(t->verdict == MAC_TLS_NOT_CHECKED && strstr(t->res.error, "timed out"),
       "the rest: not checked, saying why");
    ok(!c->cut, "that is not the bound");

    c = mac_check_run(pool, NULL, 200, 40, fake_resolve, &f, NULL, NULL,
                      "x", 0);
    is_int(c->vhosts->nelts, 0, "no input, no vhost");
}

/* ------------------------------------------------------------ render */

static int well_formed(const char *s)
{
    xmlDocPtr doc = xmlReadMemory(s, (int)strlen(s), "check.html", NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR
                                  | XML_PARSE_NOWARNING);
    int good = doc != NULL;

    xmlFreeDoc(doc);
    return good;
}

static void test_render(void)
{
    static const answer_t answers[] = {
        { "CNAME autodiscover.example.com.", MAC_RES_FOUND,
          "<script>.example.net.", "a\"b&c." },
        { NULL, 0, NULL, NULL }
    };
    fake_t f = { answers, 0, 0, 1, 0 };
    mac_account_t *acct = account("example.com", NULL);
    apr_array_header_t *in = inputs(acct, 2);
    mac_check_t *c;
    char *html, *json;

    APR_ARRAY_IDX(in, 1, mac_check_input_t).server_name = "<x>&\"y";
    html = mac_check_html(pool, NULL, in);
    ok(strstr(html, "<section id=\"check\"") != NULL, "a section");
    ok(strstr(html, "href=\"?check\"") != NULL, "a link to ?check");
    ok(strstr(html, "href=\"?check=2\">Check only &lt;x&gt;&amp;&quot;y<")
       != NULL, "per-vhost links, names escaped");
    ok(strstr(html, "data-verdict") == NULL, "no verdicts without a check");
    ok(well_formed(html), "well-formed without a check");
    is_str(mac_check_json(pool, NULL), "null", "JSON without a check: null");

    c = mac_check_run(pool, in, 200, 40, fake_resolve, &f, fake_probe, &f,
                      "127.0.0.1:5353", apr_time_from_sec(86400 * 400));
    c->from_cache = 1;
    html = mac_check_html(pool, c, in);
    ok(well_formed(html), "well-formed with a check");
    ok(strstr(html, "&lt;script&gt;.example.net.") != NULL
       && strstr(html, "<script>") == NULL, "found values escaped");
    ok(strstr(html, "a&quot;b&amp;c.") != NULL, "quotes and ampersands too");
    ok(strstr(html, "id=\"check-cached\"") != NULL, "the cache note");
    ok(strstr(html, "id=\"check-cut\"") == NULL, "no cut note");
    ok(strstr(html, "<tr class=\"verdict-different\" data-verdict=\"different\" "
                    "data-name=\"autodiscover.example.com.\" "
                    "data-type=\"CNAME\">") != NULL, "a verdict row");
    ok(strstr(html, "<time datetime=\"1971-01-01T00:00:00Z\">1971-01-01 "
                    "00:00:00 UTC</time> <strong>expired</strong>") != NULL,
       "the expiry, marked expired");
    ok(strstr(html, "autoconfig.example.com, &lt;b&gt;&amp;&quot;") != NULL,
       "certificate names escaped");
    ok(strstr(html, "id=\"check-vhost-2\"") != NULL, "vhost sections");

    json = mac_check_json(pool, c);
    ok(strstr(json, "\"from_cache\":true") != NULL, "JSON: from_cache");
    ok(strstr(json, "\"resolver\":\"127.0.0.1:5353\"") != NULL,
       "JSON: resolver");
    ok(strstr(json, "\"found\":[\"\\u003cscript\\u003e.example.net.\","
                    "\"a\\\"b\\u0026c.\"]") != NULL,
       "JSON: found values escaped");
    ok(strstr(json, "\"verdict\":\"different\"") != NULL, "JSON: verdict");
    ok(strstr(json, "\"not_after\":\"1971-01-01T00:00:00Z\",\"expired\":true")
       != NULL, "JSON: expiry");
    ok(strstr(json, "\"checked\":\"1971-02-05T00:00:00Z\"") != NULL,
       "JSON: when");

    c->cut = 1;
    c->unreachable = 1;
    html = mac_check_html(pool, c, in);
    ok(strstr(html, "id=\"check-cut\"") && strstr(html,
       "id=\"check-unreachable\""), "the cut and unreachable notes");
}

/* ------------------------------------------------------------ query */

static void test_query(void)
{
    static const struct {
        const char *args;
        int rc, json, check, scope, metrics;
    } cases[] = {
        { NULL, 0, 0, 0, 0, 0 },
        { "", 0, 0, 0, 0, 0 },
        { "json", 0, 1, 0, 0, 0 },
        { "check", 0, 0, 1, 0, 0 },
        { "check=3", 0, 0, 1, 3, 0 },
        { "check=12", 0, 0, 1, 12, 0 },
        { "check&json", 0, 1, 1, 0, 0 },
        { "json&check=2", 0, 1, 1, 2, 0 },
        { "metrics", 0, 0, 0, 0, 1 },
        { "check=13", -1, 0, 0, 0, 0 },
        { "check=0", -1, 0, 0, 0, 0 },
        { "check=01", -1, 0, 0, 0, 0 },
        { "check=", -1, 0, 0, 0, 0 },
        { "check=1x", -1, 0, 0, 0, 0 },
        { "check=99999999999", -1, 0, 0, 0, 0 },
        { "check&check", -1, 0, 0, 0, 0 },
        { "check&check=1", -1, 0, 0, 0, 0 },
        { "json&json", -1, 0, 0, 0, 0 },
        { "metrics&json", -1, 0, 0, 0, 0 },
        { "check&metrics", -1, 0, 0, 0, 0 },
        { "json&", -1, 0, 0, 0, 0 },
        { "&json", -1, 0, 0, 0, 0 },
        { "JSON", -1, 0, 0, 0, 0 },
        { "jsonx", -1, 0, 0, 0, 0 },
        { "x=1", -1, 0, 0, 0, 0 },
        { "json=1", -1, 0, 0, 0, 0 },
    };
    unsigned i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        mac_status_query_t q;
        int rc = mac_status_query_parse(cases[i].args, 12, &q);
        const char *name = cases[i].args ? cases[i].args : "(none)";

        if (cases[i].rc) {
            is_int(rc, -1, apr_psprintf(pool, "?%s: refused", name));
            continue;
        }
        ok(rc == 0 && q.json == cases[i].json && q.check == cases[i].check
           && q.scope == cases[i].scope && q.metrics == cases[i].metrics,
           "?%s: json %d check %d scope %d metrics %d", name, q.json,
           q.check, q.scope, q.metrics);
    }
}

int main(void)
{
    apr_initialize();
    atexit(apr_terminate);
    apr_pool_create(&pool, NULL);
    plan_no_plan();

    test_same();
    test_verdict();
    test_run();
    test_bounds();
    test_render();
    test_query();

    apr_pool_destroy(pool);
    return done_testing();
}
