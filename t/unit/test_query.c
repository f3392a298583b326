/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * Unit tests for src/mac_query.[ch]: query-string lookup and decoding.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "tap.h"
#include "fixture.h"
#include "mac_query.h"

static apr_pool_t *pool;

static const char *status_name(mac_q_status_e st)
{
    switch (st) {
    case MAC_Q_ABSENT:     return "ABSENT";
    case MAC_Q_OK:         return "OK";
    case MAC_Q_DUPLICATE:  return "DUPLICATE";
    case MAC_Q_BAD_ESCAPE: return "BAD_ESCAPE";
    }
    return "?";
}

typedef struct {
    const char    *args;     /* NULL allowed */
    const char    *name;
    int            flags;
    mac_q_status_e status;
    const char    *val;      /* expected on MAC_Q_OK */
    apr_size_t     len;      /* expected length on MAC_Q_OK */
} q_case_t;

#define EA "emailaddress"
#define PLUS MAC_Q_PLUS_IS_SPACE

static const q_case_t q_cases[] = {
    /* absent */
    { NULL, EA, 0, MAC_Q_ABSENT, NULL, 0 },
    { "", EA, 0, MAC_Q_ABSENT, NULL, 0 },
    { "&", EA, 0, MAC_Q_ABSENT, NULL, 0 },
    { "foo=bar", EA, 0, MAC_Q_ABSENT, NULL, 0 },
    { "foo=emailaddress", EA, 0, MAC_Q_ABSENT, NULL, 0 },
    { "foo=emailaddress=x", EA, 0, MAC_Q_ABSENT, NULL, 0 },
    { "=emailaddress", EA, 0, MAC_Q_ABSENT, NULL, 0 },
    /* names that are prefixes / extensions of others */
    { "emailaddressx=a@b.c", EA, 0, MAC_Q_ABSENT, NULL, 0 },
    { "xemailaddress=a@b.c", EA, 0, MAC_Q_ABSENT, NULL, 0 },
    { "emailaddressx=1&emailaddress=2", EA, 0, MAC_Q_OK, "2", 1 },
    { "emailaddress=2&emailaddressx=1", EA, 0, MAC_Q_OK, "2", 1 },
    { "emailaddress=1", "email", 0, MAC_Q_ABSENT, NULL, 0 },
    { "email=1&emailaddress=2", "email", 0, MAC_Q_OK, "1", 1 },
    { "email=1&emailaddress=2", EA, 0, MAC_Q_OK, "2", 1 },
    { "emailaddress", "email", 0, MAC_Q_ABSENT, NULL, 0 },
    /* present */
    { "emailaddress=user@example.com", EA, 0, MAC_Q_OK,
      "user@example.com", 16 },
    { "emailaddress=user%40example.com", EA, 0, MAC_Q_OK,
      "user@example.com", 16 },
    { "a=1&emailaddress=x&b=2", EA, 0, MAC_Q_OK, "x", 1 },
    { "a=1&b=2&emailaddress=last", EA, 0, MAC_Q_OK, "last", 4 },
    { "&&emailaddress=x&&", EA, 0, MAC_Q_OK, "x", 1 },
    { "emailaddress=a=b", EA, 0, MAC_Q_OK, "a=b", 3 },
    { "emailaddress==", EA, 0, MAC_Q_OK, "=", 1 },
    /* empty value, and a name without '=' */
    { "emailaddress=", EA, 0, MAC_Q_OK, "", 0 },
    { "emailaddress=&x=1", EA, 0, MAC_Q_OK, "", 0 },
    { "emailaddress", EA, 0, MAC_Q_OK, "", 0 },
    { "x=1&emailaddress&y=2", EA, 0, MAC_Q_OK, "", 0 },
    /* names are case-insensitive */
    { "EmailAddress=x", EA, 0, MAC_Q_OK, "x", 1 },
    { "EMAILADDRESS=x", EA, 0, MAC_Q_OK, "x", 1 },
    { "emailaddress=x", "EmailAddress", 0, MAC_Q_OK, "x", 1 },
    { "Email=x", "email", 0, MAC_Q_OK, "x", 1 },
    /* values are not case-folded */
    { "emailaddress=John.Doe@Example.COM", EA, 0, MAC_Q_OK,
      "John.Doe@Example.COM", 20 },
    /* duplicates */
    { "emailaddress=a&emailaddress=b", EA, 0, MAC_Q_DUPLICATE, NULL, 0 },
    { "emailaddress=a&emailaddress=a", EA, 0, MAC_Q_DUPLICATE, NULL, 0 },
    { "emailaddress=a&EmailAddress=b", EA, 0, MAC_Q_DUPLICATE, NULL, 0 },
    { "EMAILADDRESS=a&x=y&emailAddress=b", EA, 0, MAC_Q_DUPLICATE, NULL, 0 },
    { "emailaddress=a&emailaddress", EA, 0, MAC_Q_DUPLICATE, NULL, 0 },
    { "emailaddress&emailaddress=", EA, 0, MAC_Q_DUPLICATE, NULL, 0 },
    { "emailaddress=%zz&emailaddress=a", EA, 0, MAC_Q_DUPLICATE, NULL, 0 },
    /* names are compared after percent-decoding */
    { "emailaddress=a@x&email%61ddress=b@y", EA, 0, MAC_Q_DUPLICATE, NULL, 0 },
    { "email%61ddress=b@y&emailaddress=a@x", EA, 0, MAC_Q_DUPLICATE, NULL, 0 },
    { "%65mailaddress=a&EMAIL%41DDRESS=b", EA, 0, MAC_Q_DUPLICATE, NULL, 0 },
    { "email%61ddress=b@y", EA, 0, MAC_Q_OK, "b@y", 3 },
    { "%45%4D%41%49%4C%41%44%44%52%45%53%53=c", EA, 0, MAC_Q_OK, "c", 1 },
    { "emailaddress%00=b", EA, 0, MAC_Q_ABSENT, NULL, 0 },
    { "email+address=b", EA, 0, MAC_Q_ABSENT, NULL, 0 },
    { "e%6D%zz=1&emailaddress=a", EA, 0, MAC_Q_BAD_ESCAPE, NULL, 0 },
    { "%=1&emailaddress=a", EA, 0, MAC_Q_BAD_ESCAPE, NULL, 0 },
    { "na%6De=J+D", "name", PLUS, MAC_Q_OK, "J D", 3 },
    { "na+me=x&name=y", "na me", PLUS, MAC_Q_OK, "x", 1 },
    /* bad percent escapes */
    { "emailaddress=%", EA, 0, MAC_Q_BAD_ESCAPE, NULL, 0 },
    { "emailaddress=a%", EA, 0, MAC_Q_BAD_ESCAPE, NULL, 0 },
    { "emailaddress=%4", EA, 0, MAC_Q_BAD_ESCAPE, NULL, 0 },
    { "emailaddress=a%4", EA, 0, MAC_Q_BAD_ESCAPE, NULL, 0 },
    { "emailaddress=%zz", EA, 0, MAC_Q_BAD_ESCAPE, NULL, 0 },
    { "emailaddress=a%zzb", EA, 0, MAC_Q_BAD_ESCAPE, NULL, 0 },
    { "emailaddress=%4g", EA, 0, MAC_Q_BAD_ESCAPE, NULL, 0 },
    { "emailaddress=%g4", EA, 0, MAC_Q_BAD_ESCAPE, NULL, 0 },
    { "emailaddress=%%41", EA, 0, MAC_Q_BAD_ESCAPE, NULL, 0 },
    { "emailaddress=% 41", EA, 0, MAC_Q_BAD_ESCAPE, NULL, 0 },
    { "emailaddress=%4&x=1", EA, 0, MAC_Q_BAD_ESCAPE, NULL, 0 },
    { "emailaddress=%&x=1", EA, 0, MAC_Q_BAD_ESCAPE, NULL, 0 },
    { "x=1&emailaddress=ab%zz", EA, 0, MAC_Q_BAD_ESCAPE, NULL, 0 },
    /* ... but only in the parameter asked for */
    { "x=%zz&emailaddress=a", EA, 0, MAC_Q_OK, "a", 1 },
    { "emailaddress=a&x=%", EA, 0, MAC_Q_OK, "a", 1 },
    /* good escapes */
    { "emailaddress=%41", EA, 0, MAC_Q_OK, "A", 1 },
    { "emailaddress=%4a%4A", EA, 0, MAC_Q_OK, "JJ", 2 },
    { "emailaddress=%25", EA, 0, MAC_Q_OK, "%", 1 },
    { "emailaddress=%2541", EA, 0, MAC_Q_OK, "%41", 3 },
    { "emailaddress=%26%3D", EA, 0, MAC_Q_OK, "&=", 2 },
    { "emailaddress=j%C3%B6rg", EA, 0, MAC_Q_OK, "j\xc3\xb6rg", 5 },
    { "emailaddress=%0D%0A", EA, 0, MAC_Q_OK, "\r\n", 2 },
    { "emailaddress=%ff", EA, 0, MAC_Q_OK, "\xff", 1 },
    /* '+' */
    { "emailaddress=a+b@example.com", EA, 0, MAC_Q_OK, "a+b@example.com", 15 },
    { "emailaddress=a+b@example.com", EA, PLUS, MAC_Q_OK,
      "a b@example.com", 15 },
    { "emailaddress=a%2Bb", EA, 0, MAC_Q_OK, "a+b", 3 },
    { "emailaddress=a%2Bb", EA, PLUS, MAC_Q_OK, "a+b", 3 },
    { "emailaddress=++", EA, PLUS, MAC_Q_OK, "  ", 2 },
};

static void test_cases(void)
{
    apr_size_t i;

    for (i = 0; i < sizeof(q_cases) / sizeof(q_cases[0]); i++) {
        const q_case_t *t = &q_cases[i];
        const char *val = NULL;
        apr_size_t len = 12345;
        mac_q_status_e st;
        char *args = NULL;
        const char *name = apr_psprintf(pool, "%s%s: %s -> %s",
                                        t->args ? t->args : "(NULL)",
                                        t->flags ? " (+ is space)" : "",
                                        t->name, status_name(t->status));

        if (t->args) {  /* exact-size copy: over-reads show under ASan */
            args = malloc(strlen(t->args) + 1);
            memcpy(args, t->args, strlen(t->args) + 1);
        }
        st = mac_query_get(pool, args, t->name, t->flags, &val, &len);
        free(args);
        if (!is_int(st, t->status, name)) {
            diag("got status %s", status_name(st));
            continue;
        }
        if (t->status == MAC_Q_OK) {
            ok(val != NULL && len == t->len && memcmp(val, t->val, len) == 0
               && val[len] == '\0',
               "  value \"%s\" (%lu bytes, NUL-terminated)",
               fx_vis(pool, t->val, t->len), (unsigned long)t->len);
        }
    }
}

static void test_nul_decoding(void)
{
    const char *val = NULL;
    apr_size_t len = 0;
    mac_q_status_e st;

    st = mac_query_get(pool, "emailaddress=a%00b@example.com", EA, 0,
                       &val, &len);
    is_int(st, MAC_Q_OK, "%00 decodes");
    is_int(len, 15, "  length counts the NUL");
    ok(val && memcmp(val, "a\0b@example.com", 16) == 0,
       "  bytes after the NUL are kept");

    st = mac_query_get(pool, "emailaddress=%00", EA, 0, &val, &len);
    is_int(st, MAC_Q_OK, "lone %00");
    ok(len == 1 && val[0] == '\0' && val[1] == '\0', "  one NUL byte");
}

typedef struct {
    const char *in;
    int         flags;
    const char *out;     /* NULL: malformed */
    apr_size_t  outlen;
} unesc_case_t;

static const unesc_case_t unesc_cases[] = {
    { "", 0, "", 0 },
    { "abc", 0, "abc", 3 },
    { "a+b", 0, "a+b", 3 },
    { "a+b", PLUS, "a b", 3 },
    { "%20", 0, " ", 1 },
    { "%7e%7E", 0, "~~", 2 },
    { "%00", 0, "\0", 1 },
    { "x%00y", 0, "x\0y", 3 },
    { "%", 0, NULL, 0 },
    { "%4", 0, NULL, 0 },
    { "%zz", 0, NULL, 0 },
    { "a%zzb", 0, NULL, 0 },
    { "ab%", 0, NULL, 0 },
    { "ab%4", 0, NULL, 0 },
    { "%x1", 0, NULL, 0 },
    { "%1x", 0, NULL, 0 },
    { "%-1", 0, NULL, 0 },
    { "%+1", PLUS, NULL, 0 },
};

static void test_unescape(void)
{
    apr_size_t i;

    for (i = 0; i < sizeof(unesc_cases) / sizeof(unesc_cases[0]); i++) {
        const unesc_case_t *t = &unesc_cases[i];
        apr_size_t inlen = strlen(t->in), outlen = 999;
        char *in = malloc(inlen ? inlen : 1);   /* not NUL-terminated */
        char *out;

        if (inlen) {
            memcpy(in, t->in, inlen);
        }
        out = mac_unescape(pool, in, inlen, t->flags, &outlen);
        free(in);
        if (t->out == NULL) {
            ok(out == NULL, "mac_unescape(\"%s\") is malformed", t->in);
        }
        else {
            ok(out != NULL && outlen == t->outlen
               && memcmp(out, t->out, outlen) == 0 && out[outlen] == '\0',
               "mac_unescape(\"%s\"%s) = \"%s\"", t->in,
               t->flags ? ", +" : "", fx_vis(pool, t->out, t->outlen));
        }
    }

    /* the length bounds the input: an escape cut by it is malformed */
    ok(mac_unescape(pool, "ab%41", 4, 0, NULL) == NULL,
       "escape cut by the length is malformed");
    is_str(mac_unescape(pool, "ab%41zz", 5, 0, NULL), "abA",
           "only len bytes decoded; outlen may be NULL");
}

int main(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);
    plan_no_plan();

    test_cases();
    test_nul_decoding();
    test_unescape();

    apr_pool_destroy(pool);
    apr_terminate();
    return done_testing();
}
