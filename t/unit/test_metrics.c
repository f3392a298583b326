/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * Unit tests for src/mac_metrics.[ch]: the Prometheus text exposition of
 * the request counters, and label value escaping.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "tap.h"
#include "mac_metrics.h"

static apr_pool_t *pool;

static int count_lines(const char *s, const char *prefix)
{
    int n = 0;
    const char *line = s;

    while (line && *line) {
        if (strncmp(line, prefix, strlen(prefix)) == 0) {
            n++;
        }
        line = strchr(line, '\n');
        line = line ? line + 1 : NULL;
    }
    return n;
}

static void test_label(void)
{
    is_str(mac_metrics_label(pool, "thunderbird"), "thunderbird", "plain");
    is_str(mac_metrics_label(pool, "a\"b"), "a\\\"b", "a quote");
    is_str(mac_metrics_label(pool, "a\\b"), "a\\\\b", "a backslash");
    is_str(mac_metrics_label(pool, "a\nb"), "a\\nb", "a newline");
    is_str(mac_metrics_label(pool, ""), "", "empty");
    is_str(mac_metrics_label(pool, NULL), "", "NULL");
}

static void test_text(void)
{
    mac_status_counter_t cnt[3];
    mac_status_t st;
    apr_size_t len = 0;
    char *t;
    int k;

    memset(cnt, 0, sizeof(cnt));
    cnt[0].name = "thunderbird";
    cnt[1].name = "autodiscover";
    cnt[2].name = "we\"ird\\row\n";
    for (k = 0; k < MAC_OUT_COUNT; k++) {
        cnt[0].counts[k] = 10 + (unsigned long)k;
        cnt[1].counts[k] = 4000000000UL;
    }
    memset(&st, 0, sizeof(st));
    st.counters = cnt;
    st.ncounters = 3;
    st.started = apr_time_from_sec(1709287200);
    st.version = "1.0 \"test\"";

    t = mac_metrics_text(pool, &st, &len);
    is_int((long long)len, (long long)strlen(t), "the length");
    ok(strncmp(t, "# HELP mailautoconf_requests_total ", 35) == 0,
       "starts with HELP");
    ok(strstr(t, "\n# TYPE mailautoconf_requests_total counter\n") != NULL,
       "TYPE counter");
    is_int(count_lines(t, "mailautoconf_requests_total{"), 3 * MAC_OUT_COUNT,
           "a sample per row and outcome, whatever their number");
    for (k = 0; k < MAC_OUT_COUNT; k++) {
        const char *line = apr_psprintf(pool,
            "\nmailautoconf_requests_total{endpoint=\"thunderbird\","
            "outcome=\"%s\"} %d\n", mac_outcome_name(k), 10 + k);
        ok(strstr(t, line) != NULL, "thunderbird/%s", mac_outcome_name(k));
    }
    ok(strstr(t, "{endpoint=\"autodiscover\",outcome=\"served\"} 4000000000\n")
       != NULL, "large counts");
    ok(strstr(t, "{endpoint=\"we\\\"ird\\\\row\\n\",outcome=\"error\"} 0\n")
       != NULL, "label values escaped");
    ok(strstr(t, "\n# TYPE mailautoconf_config_loaded_timestamp_seconds "
                 "gauge\nmailautoconf_config_loaded_timestamp_seconds "
                 "1709287200\n") != NULL, "the load time");
    ok(strstr(t, "\nmailautoconf_build_info{version=\"1.0 \\\"test\\\"\"} 1\n")
       != NULL, "the version, escaped");
    is_int(t[len - 1], '\n', "ends with a newline");
    is_int(count_lines(t, "# HELP "), 3, "three HELP lines");
    is_int(count_lines(t, "# TYPE "), 3, "three TYPE lines");

    st.ncounters = 0;
    st.version = NULL;
    t = mac_metrics_text(pool, &st, NULL);
    is_int(count_lines(t, "mailautoconf_requests_total{"), 0,
           "no rows, no samples");
    ok(strstr(t, "version=\"unknown\"") != NULL, "no version: unknown");
}

int main(void)
{
    apr_initialize();
    atexit(apr_terminate);
    apr_pool_create(&pool, NULL);
    plan_no_plan();

    test_label();
    test_text();

    apr_pool_destroy(pool);
    return done_testing();
}
