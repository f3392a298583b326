/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * Unit tests for src/mac_buf.[ch]: the output buffer every renderer uses.
 */
#include <stdlib.h>
#include <string.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "tap.h"
#include "mac_buf.h"

static apr_pool_t *pool;

static void test_empty(void)
{
    mac_buf_t b;
    apr_size_t len = 99;
    char *s;

    mac_buf_init(&b, pool);
    s = mac_buf_join(&b, &len);
    ok(s != NULL && *s == '\0', "an empty buffer joins to \"\"");
    is_int((int)len, 0, "of length 0");
    is_int((int)mac_buf_len(&b), 0, "mac_buf_len of an empty buffer");
    mac_buf_add(&b, NULL);
    mac_buf_addn(&b, NULL, 5);
    mac_buf_addn(&b, "abc", 0);
    mac_buf_add_xml(&b, NULL);
    is_str(mac_buf_join(&b, NULL), "", "NULL and empty pieces add nothing");
}

static void test_pieces(void)
{
    mac_buf_t b;
    apr_size_t len = 0;
    char *s;
    int i;

    mac_buf_init(&b, pool);
    mac_buf_add(&b, "<a>");
    mac_buf_addn(&b, "xyz", 2);
    mac_buf_addf(&b, "[%d:%s]", 42, "q");
    mac_buf_add_xml(&b, "<&\"'>");
    mac_buf_add(&b, "</a>");
    s = mac_buf_join(&b, &len);
    is_str(s, "<a>xy[42:q]&lt;&amp;&quot;&#39;&gt;</a>",
           "pieces joined in order, addn takes n bytes, add_xml escapes");
    is_int((int)len, (int)strlen(s), "the length is the string's");
    is_int((int)mac_buf_len(&b), (int)len, "mac_buf_len agrees");

    /* Joining does not end the buffer. */
    mac_buf_add(&b, "!");
    is_str(mac_buf_join(&b, NULL), "<a>xy[42:q]&lt;&amp;&quot;&#39;&gt;</a>!",
           "appending after a join, then joining again");

    /* Many pieces: the piece list grows. */
    mac_buf_init(&b, pool);
    for (i = 0; i < 1000; i++) {
        mac_buf_addf(&b, "%d,", i % 10);
    }
    s = mac_buf_join(&b, &len);
    is_int((int)len, 2000, "1000 pieces joined");
    ok(strncmp(s, "0,1,2,3,", 8) == 0 && strcmp(s + 1990, "5,6,7,8,9,") == 0,
       "1000 pieces in order");
}

static void test_json(void)
{
    mac_buf_t b;

    mac_buf_init(&b, pool);
    mac_buf_add_json(&b, NULL);
    mac_buf_add(&b, ",");
    mac_buf_add_json(&b, "a\"b\\c\n<");
    mac_buf_add(&b, ",");
    mac_buf_add_json(&b, "");
    is_str(mac_buf_join(&b, NULL), "null,\"a\\\"b\\\\c\\n\\u003c\",\"\"",
           "add_json: null, escaped and quoted, empty string");
}

/* Pieces are referenced, not copied: a piece must outlive the buffer.
 * The join copies them, so the result does not depend on them. */
static void test_json_strings(void)
{
    mac_buf_t b;
    apr_array_header_t *a = apr_array_make(pool, 3, sizeof(const char *));

    mac_buf_init(&b, pool);
    mac_buf_add_json_strings(&b, NULL);
    mac_buf_add_json_strings(&b, a);
    APR_ARRAY_PUSH(a, const char *) = "a\"<b>";
    APR_ARRAY_PUSH(a, const char *) = NULL;
    APR_ARRAY_PUSH(a, const char *) = "";
    mac_buf_add_json_strings(&b, a);
    is_str(mac_buf_join(&b, NULL),
           "[][][\"a\\\"\\u003cb\\u003e\",null,\"\"]",
           "JSON string arrays: NULL and empty are [], NULL items null");
}

static void test_join_copies(void)
{
    mac_buf_t b;
    char piece[8] = "abc";
    char *s;

    mac_buf_init(&b, pool);
    mac_buf_add(&b, piece);
    s = mac_buf_join(&b, NULL);
    piece[0] = 'X';
    is_str(s, "abc", "the joined string is a copy");
}

int main(void)
{
    plan_no_plan();
    apr_initialize();
    apr_pool_create(&pool, NULL);
    test_empty();
    test_pieces();
    test_json();
    test_json_strings();
    test_join_copies();
    apr_pool_destroy(pool);
    apr_terminate();
    return done_testing();
}
