/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * Unit tests for src/mac_row.[ch]: a database row, the account it gives and
 * its cache record.
 *
 *   columns: names case-insensitive, unknown ones ignored, NULL and empty
 *   values leave the directive; the checks of each column; the account
 *   (only what the row names changes, every server of a protocol gets its
 *   host, the base account is never written); the record: round trip,
 *   exact layout, every truncation and every single-byte change either
 *   refused or decoded to a row that passes the checks, hostile values
 *   refused.  The decoder is also fuzzed (fuzz/fuzz_row.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include "tap.h"
#include "mac_row.h"

static apr_pool_t *pool;

static mac_account_t *base_account(void)
{
    mac_account_t *a = apr_pcalloc(pool, sizeof(*a));
    mac_server_t *s;
    const char *hosts[] = { "imap1.base.test", "imap2.base.test",
                            "pop.base.test", "smtp.base.test" };
    mac_proto_e protos[] = { MAC_PROTO_IMAP, MAC_PROTO_IMAP, MAC_PROTO_POP3,
                             MAC_PROTO_SMTP };
    int i;

    a->domains = apr_array_make(pool, 1, sizeof(const char *));
    APR_ARRAY_PUSH(a->domains, const char *) = "base.test";
    a->servers = apr_array_make(pool, 4, sizeof(mac_server_t));
    for (i = 0; i < 4; i++) {
        s = apr_array_push(a->servers);
        memset(s, 0, sizeof(*s));
        s->proto = protos[i];
        s->host = hosts[i];
        s->port = 993;
    }
    a->login_template = "%EMAILADDRESS%";
    a->display_name = "Base Mail";
    a->short_name = "Base";
    return a;
}

static void test_columns(void)
{
    mac_row_t row;

    is_int(mac_row_column("display_name"), MAC_ROW_DISPLAY_NAME,
           "column display_name");
    is_int(mac_row_column("Display_Name"), MAC_ROW_DISPLAY_NAME,
           "column names are case-insensitive");
    is_int(mac_row_column("IMAP_HOST"), MAC_ROW_IMAP_HOST, "IMAP_HOST");
    is_int(mac_row_column("pop3_host"), MAC_ROW_POP3_HOST, "pop3_host");
    is_int(mac_row_column("smtp_host"), MAC_ROW_SMTP_HOST, "smtp_host");
    is_int(mac_row_column("short_name"), MAC_ROW_SHORT_NAME, "short_name");
    is_int(mac_row_column("login_name"), MAC_ROW_LOGIN_NAME, "login_name");
    is_int(mac_row_column("domain"), -1, "other columns are ignored");
    is_int(mac_row_column("display_name "), -1, "no trailing space");
    is_int(mac_row_column(NULL), -1, "a column without a name");
    is_str(mac_row_column_name(MAC_ROW_SMTP_HOST), "smtp_host",
           "column name");

    memset(&row, 0, sizeof(row));
    mac_row_set(pool, &row, MAC_ROW_DISPLAY_NAME, "");
    ok(row.col[MAC_ROW_DISPLAY_NAME] == NULL, "empty: the directive applies");
    mac_row_set(pool, &row, MAC_ROW_DISPLAY_NAME, NULL);
    ok(row.col[MAC_ROW_DISPLAY_NAME] == NULL, "NULL: the directive applies");
    mac_row_set(pool, &row, MAC_ROW_DISPLAY_NAME, "X");
    is_str(row.col[MAC_ROW_DISPLAY_NAME], "X", "a value is kept");
}

static const char *check1(mac_row_col_e col, const char *val)
{
    mac_row_t row;

    memset(&row, 0, sizeof(row));
    row.col[col] = val;
    return mac_row_check(pool, &row);
}

static void test_check(void)
{
    char *longv = apr_palloc(pool, 1100);
    const char *why;
    mac_row_t row;

    memset(&row, 0, sizeof(row));
    ok(mac_row_check(pool, &row) == NULL, "an empty row is fine");
    ok(check1(MAC_ROW_DISPLAY_NAME, "Customer Mail") == NULL,
       "a display name");
    ok(check1(MAC_ROW_IMAP_HOST, "mail.%EMAILDOMAIN%") == NULL,
       "a host template");
    ok(check1(MAC_ROW_LOGIN_NAME, "%EMAILLOCALPART%") == NULL,
       "a login template");
    why = check1(MAC_ROW_IMAP_HOST, "bad host!");
    ok(why && strncmp(why, "imap_host: ", 11) == 0,
       "a bad host names its column: %s", why ? why : "(null)");
    why = check1(MAC_ROW_SMTP_HOST, "%EMAILLOCALPART%.test");
    ok(why && strstr(why, "smtp_host: only %EMAILDOMAIN%"),
       "only %%EMAILDOMAIN%% in hosts: %s", why ? why : "(null)");
    why = check1(MAC_ROW_LOGIN_NAME, "%NOPE%");
    ok(why && strstr(why, "login_name: unknown placeholder"),
       "login placeholders: %s", why ? why : "(null)");
    why = check1(MAC_ROW_DISPLAY_NAME, "a\001b");
    ok(why && strstr(why, "display_name: ") && strstr(why, "control"),
       "control characters: %s", why ? why : "(null)");
    why = check1(MAC_ROW_SHORT_NAME, "\xff\xfe");
    ok(why && strstr(why, "short_name: "), "not UTF-8: %s",
       why ? why : "(null)");
    memset(longv, 'a', 1099);
    longv[1099] = '\0';
    why = check1(MAC_ROW_LOGIN_NAME, longv);
    ok(why && strstr(why, "longer than 1024"), "too long: %s",
       why ? why : "(null)");
}

static void test_account(void)
{
    mac_account_t *base = base_account(), *a;
    mac_row_t row;
    int changed = -1, i;

    memset(&row, 0, sizeof(row));
    a = mac_row_account(pool, base, &row, "cust.test", &changed);
    is_int(changed, 0, "an empty row changes nothing");
    ok(a->servers == base->servers, "the servers are shared");
    is_int(a->domains->nelts, 1, "one domain");
    is_str(APR_ARRAY_IDX(a->domains, 0, const char *), "cust.test",
           "the domain asked about");
    is_str(a->display_name, "Base Mail", "the directive's display name");

    row.col[MAC_ROW_DISPLAY_NAME] = "Customer";
    row.col[MAC_ROW_IMAP_HOST] = "IMAP.%EMAILDOMAIN%";
    a = mac_row_account(pool, base, &row, "cust.test", &changed);
    is_int(changed, 1, "a row with values changes the account");
    is_str(a->display_name, "Customer", "display name overridden");
    is_str(a->short_name, "Base", "short name kept");
    is_str(a->login_template, "%EMAILADDRESS%", "login kept");
    ok(a->servers != base->servers, "the servers are copied");
    for (i = 0; i < 2; i++) {
        is_str(APR_ARRAY_IDX(a->servers, i, mac_server_t).host,
               "imap.%EMAILDOMAIN%",
               "every IMAP server gets the host, lower-cased");
    }
    is_str(APR_ARRAY_IDX(a->servers, 2, mac_server_t).host, "pop.base.test",
           "POP3 kept");
    is_str(APR_ARRAY_IDX(a->servers, 3, mac_server_t).host,
           "smtp.base.test", "SMTP kept");
    is_str(APR_ARRAY_IDX(base->servers, 0, mac_server_t).host,
           "imap1.base.test", "the base account is not written");
    is_str(base->display_name, "Base Mail", "nor its names");
    is_int(APR_ARRAY_IDX(a->servers, 0, mac_server_t).port, 993,
           "ports kept");
}

static mac_row_t sample_row(void)
{
    mac_row_t row;

    memset(&row, 0, sizeof(row));
    row.col[MAC_ROW_DISPLAY_NAME] = "Caf\xc3\xa9 Mail";
    row.col[MAC_ROW_IMAP_HOST] = "imap.%EMAILDOMAIN%";
    row.col[MAC_ROW_SMTP_HOST] = "smtp.cust.test";
    row.fetched = apr_time_from_sec(1764590000);
    return row;
}

static void test_record(void)
{
    mac_row_t row = sample_row(), back;
    apr_size_t len, i;
    unsigned char *enc = mac_row_encode(pool, &row, &len), *buf;
    const char *why;
    int k, refused = 0, accepted_ok = 1;

    ok(enc != NULL, "a row is encoded");
    is_int(len, MAC_ROW_HEADER + 2 * MAC_ROW_NCOLS + 10 + 18 + 14,
           "header, six lengths and the values");
    is_int(enc[0], MAC_ROW_VERSION, "the version byte first");
    is_int(enc[MAC_ROW_HEADER], 0, "length high byte");
    is_int(enc[MAC_ROW_HEADER + 1], 10, "display_name's length");
    ok(memcmp(enc + MAC_ROW_HEADER + 2, "Caf\xc3\xa9 Mail", 10) == 0,
       "then its bytes");
    why = mac_row_decode(pool, enc, len, &back);
    ok(why == NULL, "decoded: %s", why ? why : "ok");
    for (k = 0; k < MAC_ROW_NCOLS; k++) {
        if (row.col[k]) {
            is_str(back.col[k], row.col[k], "a column's round trip");
        }
        else {
            ok(back.col[k] == NULL, "column %d unset round trip", k);
        }
    }
    ok(back.fetched == row.fetched, "the time round trip");

    /* Every truncation is refused. */
    for (i = 0; i < len; i++) {
        if (mac_row_decode(pool, enc, i, &back) == NULL) {
            break;
        }
    }
    is_int(i, len, "every truncated record is refused");
    /* Trailing bytes are refused. */
    buf = apr_palloc(pool, len + 1);
    memcpy(buf, enc, len);
    buf[len] = 'x';
    ok(mac_row_decode(pool, buf, len + 1, &back) != NULL,
       "a byte after the last value is refused");
    /* Any single-byte change: refused, or a row that passes the checks. */
    for (i = 0; i < len; i++) {
        for (k = 0; k < 256; k += 7) {
            memcpy(buf, enc, len);
            buf[i] = (unsigned char)k;
            if (mac_row_decode(pool, buf, len, &back) != NULL) {
                refused++;
            }
            else if (mac_row_check(pool, &back) != NULL) {
                accepted_ok = 0;
            }
        }
    }
    ok(refused > 0, "changed records are refused (%d)", refused);
    ok(accepted_ok, "what is accepted passes the checks");

    /* Hostile values. */
    memcpy(buf, enc, len);
    buf[0] = 2;
    why = mac_row_decode(pool, buf, len, &back);
    ok(why && strstr(why, "version"), "another version: %s",
       why ? why : "(null)");
    memcpy(buf, enc, len);
    buf[MAC_ROW_HEADER + 2 + 3] = '\0';
    why = mac_row_decode(pool, buf, len, &back);
    ok(why && strstr(why, "NUL"), "a NUL in a value: %s",
       why ? why : "(null)");
    memcpy(buf, enc, len);
    buf[MAC_ROW_HEADER + 2 + 3] = '\n';
    why = mac_row_decode(pool, buf, len, &back);
    ok(why && strstr(why, "display_name"), "a control character: %s",
       why ? why : "(null)");
    memcpy(buf, enc, len);
    buf[MAC_ROW_HEADER] = 0xff;
    why = mac_row_decode(pool, buf, len, &back);
    ok(why != NULL, "a length beyond the record: %s", why ? why : "(null)");
    ok(mac_row_decode(pool, NULL, 0, &back) != NULL, "nothing");
    ok(mac_row_decode(pool, (const unsigned char *)"N", 1, &back) != NULL,
       "a negative entry's byte is not a record");

    /* A host that is not a host, written by someone else. */
    {
        mac_row_t bad = sample_row();
        unsigned char *e;
        apr_size_t n;

        bad.col[MAC_ROW_IMAP_HOST] = "evil host";
        e = mac_row_encode(pool, &bad, &n);
        why = mac_row_decode(pool, e, n, &back);
        ok(why && strstr(why, "imap_host"), "an unusable host in a "
           "well-formed record: %s", why ? why : "(null)");
    }
    /* Values beyond the limit are not encoded. */
    {
        mac_row_t big = sample_row();
        char *v = apr_palloc(pool, MAC_ROW_MAX_VALUE + 2);

        memset(v, 'a', MAC_ROW_MAX_VALUE + 1);
        v[MAC_ROW_MAX_VALUE + 1] = '\0';
        big.col[MAC_ROW_LOGIN_NAME] = v;
        ok(mac_row_encode(pool, &big, &len) == NULL,
           "a value over the limit is not encoded");
    }
}

int main(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);
    plan_no_plan();

    test_columns();
    test_check();
    test_account();
    test_record();

    apr_pool_destroy(pool);
    apr_terminate();
    return done_testing();
}
