/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * Threaded stress of the request path, for ThreadSanitizer:
 *
 *   8 threads, each parsing thousands of good and hostile Outlook request
 *   bodies with mac_ad_parse (and the GET fragment with
 *   mac_ad_query_fragment), validating the address with mac_addr_parse and
 *   rendering the answers from documents compiled once and shared by all
 *   threads (mac_ad_pick + mac_ad_fill, mac_apple_render), the way httpd's
 *   event MPM runs the module.
 *
 * Every result must equal, byte for byte, what a single thread computed
 * before the threads started: libxml2 and the library keep no state that
 * one request could leave to another.
 *
 * Not part of `make -f Makefile.apxs unit` (its name does not start with
 * test_); scripts/sanitize.sh builds it with -fsanitize=thread:
 *
 *   make -f Makefile.apxs stress-tsan      # build and run under TSan
 *   t/unit/bin/stress_adreq-tsan [ITERATIONS_PER_THREAD]   (default 5000)
 *
 * Prints TAP.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include "mac_account.h"
#include "mac_addr.h"
#include "mac_adreq.h"
#include "mac_apple.h"
#include "mac_autodiscover.h"
#include "tap.h"
#include "fixture.h"

#define NTHREADS 8

#define NS_REQ "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"
#define NS_OUT "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"
#define NS_MOB "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006"

#define REQ(addr, schema) \
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<Autodiscover xmlns=\"" NS_REQ \
    "\">\r\n  <Request>\r\n    <EMailAddress>" addr "</EMailAddress>\r\n" \
    "    <AcceptableResponseSchema>" schema "</AcceptableResponseSchema>\r\n" \
    "  </Request>\r\n</Autodiscover>\r\n"

typedef struct {
    const char *body;
    apr_size_t  len;   /* 0: strlen(body) */
} body_t;

/* Fixed bodies; generated ones (deep, wide, long) are appended in main. */
static body_t fixed_bodies[] = {
    { REQ("alice@example.com", NS_OUT), 0 },
    { REQ(" Bob.Smith@Example.COM ", NS_OUT), 0 },
    { REQ("carol@example.com", NS_MOB), 0 },
    { REQ("dave@example.com", "urn:unknown"), 0 },
    { REQ("o&apos;brien&amp;co@example.com", NS_OUT), 0 },
    { REQ("&#101;ve@example.com", NS_OUT), 0 },
    { REQ("mallory&lt;x@example.com", NS_OUT), 0 },
    { REQ("not an address", NS_OUT), 0 },
    { REQ("<b>x</b>@example.com", NS_OUT), 0 },
    { REQ("<![CDATA[x]]>@example.com", NS_OUT), 0 },
    { REQ("a@b.c<!-- c -->", NS_OUT), 0 },
    { "\xEF\xBB\xBF" REQ("bom@example.com", NS_OUT), 0 },
    { "<?xml version=\"1.0\"?><a:Autodiscover xmlns:a=\"" NS_REQ "\"><a:Request>"
      "<a:EMailAddress>prefixed@example.net</a:EMailAddress></a:Request>"
      "</a:Autodiscover>", 0 },
    { "<Autodiscover xmlns=\"" NS_REQ "\"><Request><LegacyDN>/o=x</LegacyDN>"
      "<EMailAddress>legacy@example.com</EMailAddress></Request></Autodiscover>", 0 },
    { "<Autodiscover xmlns=\"urn:wrong\"><Request><EMailAddress>w@example.com"
      "</EMailAddress></Request></Autodiscover>", 0 },
    { "<Autodiscover xmlns=\"" NS_REQ "\"><Request><EMailAddress>one@example.com"
      "</EMailAddress><EMailAddress>two@example.com</EMailAddress></Request>"
      "</Autodiscover>", 0 },
    { "<?xml version=\"1.0\"?>\n<!DOCTYPE Autodiscover [\n<!ENTITY xxe SYSTEM "
      "\"file:///etc/passwd\">]>\n<Autodiscover xmlns=\"" NS_REQ "\"><Request>"
      "<EMailAddress>&xxe;</EMailAddress></Request></Autodiscover>", 0 },
    { "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lol\">"
      "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]>"
      "<Autodiscover xmlns=\"" NS_REQ "\"><Request><EMailAddress>&lol2;"
      "</EMailAddress></Request></Autodiscover>", 0 },
    { "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><Autodiscover xmlns=\""
      NS_REQ "\"><Request><EMailAddress>l\xE4tin@example.com</EMailAddress>"
      "</Request></Autodiscover>", 0 },
    { "\xFF\xFE<\0?\0x\0m\0l\0", 12 },
    { "<Autodiscover xmlns=\"" NS_REQ "\"><Request><EMailAddress>nul\0@example.com"
      "</EMailAddress></Request></Autodiscover>", 0 },   /* len set in main */
    { "<Autodiscover xmlns=\"" NS_REQ "\"><Request><EMailAddress>bad\xC3\x28"
      "@example.com</EMailAddress></Request></Autodiscover>", 0 },
    { "<Autodiscover xmlns=\"" NS_REQ "\"><Request><EMailAddress>trunc@exa", 0 },
    { "<Autodiscover xmlns=\"" NS_REQ "\"><Request><EMailAddress>&undeclared;"
      "</EMailAddress></Request></Autodiscover>", 0 },
    { "   \r\n\t ", 0 },
    { "", 0 },
    { "<EMailAddress>fragment@example.com</EMailAddress>", 0 },
    { "  <EMailAddress> spaced@example.com </EMailAddress>\n", 0 },
};
#define NFIXED (sizeof(fixed_bodies) / sizeof(fixed_bodies[0]))
#define NUL_BODY 20   /* index of the body with a NUL in it */

typedef struct {
    int         status;
    const char *email, *schema;
    int         frag;
    const char *frag_email;
    const char *answer;       /* Autodiscover answer, or NULL */
    const char *profile;      /* Apple profile, or NULL */
} result_t;

static body_t     *bodies;
static int         nbodies;
static result_t   *expected;
static mac_ad_t   *shared_ad;
static mac_apple_t *shared_apple;
static long        iterations = 5000;

static const char *dup_or_null(apr_pool_t *p, const char *s)
{
    return s ? apr_pstrdup(p, s) : NULL;
}

/* Everything the request path computes for one body. */
static void run_one(apr_pool_t *p, const body_t *b, result_t *r)
{
    mac_ad_request_t req;
    const char *reason = NULL, *email = NULL;
    mac_addr_t addr;

    memset(r, 0, sizeof(*r));
    r->status = (int)mac_ad_parse(p, b->body, b->len, &req, &reason);
    r->email = req.email;
    r->schema = req.schema;
    r->frag = mac_ad_query_fragment(p, b->body, b->len, &email);
    r->frag_email = email;
    if (r->status == MAC_AD_OK
        && mac_addr_parse(p, req.email, strlen(req.email), &addr) == NULL) {
        const mac_doc_t *doc = mac_ad_pick(shared_ad, req.schema);
        if (doc) {
            r->answer = mac_ad_fill(p, doc, addr.address, addr.local,
                                    addr.domain, NULL);
        }
        r->profile = mac_apple_render(p, shared_apple, &addr,
                                      "Stress \"Test\" <&>", NULL);
    }
}

static int same_str(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

typedef struct {
    int  id;
    long mismatches;
    long answers;
    char first_problem[200];
} thread_arg_t;

static void *worker(void *v)
{
    thread_arg_t *t = v;
    apr_pool_t *p;
    long i;

    if (apr_pool_create(&p, NULL) != APR_SUCCESS) {
        snprintf(t->first_problem, sizeof(t->first_problem), "no pool");
        t->mismatches++;
        return NULL;
    }
    for (i = 0; i < iterations; i++) {
        int k = (int)((i * 7 + t->id * 13) % nbodies);
        result_t r;
        const result_t *e = &expected[k];

        run_one(p, &bodies[k], &r);
        if (r.status != e->status || !same_str(r.email, e->email)
            || !same_str(r.schema, e->schema) || r.frag != e->frag
            || !same_str(r.frag_email, e->frag_email)
            || !same_str(r.answer, e->answer)
            || !same_str(r.profile, e->profile)) {
            if (t->mismatches++ == 0) {
                snprintf(t->first_problem, sizeof(t->first_problem),
                         "body %d: status %d (expected %d)", k, r.status,
                         e->status);
            }
        }
        if (r.answer) {
            t->answers++;
        }
        apr_pool_clear(p);
    }
    apr_pool_destroy(p);
    return NULL;
}

int main(int argc, char **argv)
{
    apr_pool_t *p;
    mac_account_t acct;
    const char *err = NULL;
    pthread_t th[NTHREADS];
    thread_arg_t args[NTHREADS];
    char *deep, *wide, *longtext;
    int i, n_ok = 0;
    apr_size_t k;

    if (argc > 1) {
        iterations = strtol(argv[1], NULL, 10);
    }
    if (iterations < 1) {
        iterations = 1;
    }
    plan_no_plan();
    apr_initialize();
    atexit(apr_terminate);
    apr_pool_create(&p, NULL);
    mac_ad_init();

    /* The account and the documents every thread shares, read-only. */
    memset(&acct, 0, sizeof(acct));
    acct.domains = apr_array_make(p, 2, sizeof(const char *));
    APR_ARRAY_PUSH(acct.domains, const char *) = "example.com";
    acct.servers = apr_array_make(p, 3, sizeof(mac_server_t));
    APR_ARRAY_PUSH(acct.servers, mac_server_t) =
        fx_server(MAC_PROTO_IMAP, "imap.example.com", 993, MAC_SOCK_SSL,
               MAC_AUTH_PASSWORD_CLEARTEXT);
    APR_ARRAY_PUSH(acct.servers, mac_server_t) =
        fx_server(MAC_PROTO_SMTP, "smtp.example.com", 587, MAC_SOCK_STARTTLS,
               MAC_AUTH_PASSWORD_CLEARTEXT);
    acct.login_template = "%EMAILLOCALPART%+x@%EMAILDOMAIN%";
    acct.display_name = "Stress <Mail> & Co";
    shared_ad = mac_ad_compile(p, &acct,
                               "https://as.example.com/Microsoft-Server-ActiveSync");
    shared_apple = mac_apple_compile(p, &acct, &err);
    if (!ok(shared_ad && shared_apple, "documents compiled")) {
        diag("mac_apple_compile: %s", err ? err : "?");
        return done_testing();
    }

    /* The bodies: the fixed ones and three generated near the limits. */
    nbodies = (int)NFIXED + 3;
    bodies = apr_pcalloc(p, sizeof(body_t) * (apr_size_t)nbodies);
    for (k = 0; k < NFIXED; k++) {
        bodies[k] = fixed_bodies[k];
        if (bodies[k].len == 0) {
            bodies[k].len = strlen(bodies[k].body);
        }
    }
    bodies[NUL_BODY].len = strlen(bodies[NUL_BODY].body) + 1
        + strlen(bodies[NUL_BODY].body + strlen(bodies[NUL_BODY].body) + 1);

    deep = apr_pstrcat(p, "<Autodiscover xmlns=\"" NS_REQ "\"><Request>", NULL);
    for (i = 0; i < MAC_AD_MAX_DEPTH + 4; i++) {
        deep = apr_pstrcat(p, deep, "<x>", NULL);
    }
    bodies[NFIXED].body = deep;
    bodies[NFIXED].len = strlen(deep);

    wide = apr_pstrcat(p, "<Autodiscover xmlns=\"" NS_REQ "\"><Request>"
                       "<EMailAddress>wide@example.com</EMailAddress>", NULL);
    for (i = 0; i < MAC_AD_MAX_ELEMENTS + 10; i++) {
        wide = apr_pstrcat(p, wide, "<LegacyDN/>", NULL);
    }
    wide = apr_pstrcat(p, wide, "</Request></Autodiscover>", NULL);
    bodies[NFIXED + 1].body = wide;
    bodies[NFIXED + 1].len = strlen(wide);

    longtext = apr_palloc(p, MAC_AD_MAX_TEXT + 2);
    memset(longtext, 'a', MAC_AD_MAX_TEXT + 1);
    longtext[MAC_AD_MAX_TEXT + 1] = '\0';
    bodies[NFIXED + 2].body = apr_pstrcat(p, "<Autodiscover xmlns=\"" NS_REQ
                                          "\"><Request><EMailAddress>",
                                          longtext, "@example.com</EMailAddress>"
                                          "</Request></Autodiscover>", NULL);
    bodies[NFIXED + 2].len = strlen(bodies[NFIXED + 2].body);

    /* What one thread computes. */
    expected = apr_pcalloc(p, sizeof(result_t) * (apr_size_t)nbodies);
    for (i = 0; i < nbodies; i++) {
        apr_pool_t *tp;
        result_t r;
        apr_pool_create(&tp, p);
        run_one(tp, &bodies[i], &r);
        expected[i].status = r.status;
        expected[i].email = dup_or_null(p, r.email);
        expected[i].schema = dup_or_null(p, r.schema);
        expected[i].frag = r.frag;
        expected[i].frag_email = dup_or_null(p, r.frag_email);
        expected[i].answer = dup_or_null(p, r.answer);
        expected[i].profile = dup_or_null(p, r.profile);
        apr_pool_destroy(tp);
        n_ok += expected[i].status == MAC_AD_OK;
    }
    ok(n_ok >= 8 && n_ok < nbodies,
       "%d bodies, %d of them parse, the others are refused", nbodies, n_ok);
    ok(expected[0].answer && strstr(expected[0].answer, "alice+x@example.com"),
       "the first body gets an answer with its login name");
    ok(expected[2].answer && strstr(expected[2].answer, "MobileSync"),
       "the mobilesync body gets the ActiveSync answer");

    for (i = 0; i < NTHREADS; i++) {
        memset(&args[i], 0, sizeof(args[i]));
        args[i].id = i;
        if (pthread_create(&th[i], NULL, worker, &args[i]) != 0) {
            ok(0, "pthread_create %d", i);
            return done_testing();
        }
    }
    for (i = 0; i < NTHREADS; i++) {
        pthread_join(th[i], NULL);
    }
    for (i = 0; i < NTHREADS; i++) {
        ok(args[i].mismatches == 0,
           "thread %d: %ld bodies, %ld answers, all as computed by one thread",
           i, iterations, args[i].answers);
        if (args[i].mismatches) {
            diag("%ld mismatches, first: %s", args[i].mismatches,
                 args[i].first_problem);
        }
    }

    apr_pool_destroy(p);
    return done_testing();
}
