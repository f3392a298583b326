/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: Prometheus text exposition.  See mac_metrics.h.
 */
#include <string.h>
#include <apr_strings.h>
#include "mac_metrics.h"
#include "mac_buf.h"

char *mac_metrics_label(apr_pool_t *p, const char *s)
{
    apr_size_t n = 0;
    const char *c;
    char *out, *o;

    for (c = s ? s : ""; *c; c++) {
        n += (*c == '\\' || *c == '"' || *c == '\n') ? 2 : 1;
    }
    o = out = apr_palloc(p, n + 1);
    for (c = s ? s : ""; *c; c++) {
        switch (*c) {
        case '\\': *o++ = '\\'; *o++ = '\\'; break;
        case '"':  *o++ = '\\'; *o++ = '"'; break;
        case '\n': *o++ = '\\'; *o++ = 'n'; break;
        default:   *o++ = *c;
        }
    }
    *o = '\0';
    return out;
}

static void header(mac_buf_t *o, const char *name, const char *type,
                   const char *help)
{
    mac_buf_addf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

char *mac_metrics_text(apr_pool_t *p, const mac_status_t *st,
                       apr_size_t *len)
{
    mac_buf_t o;
    int i, k;

    mac_buf_init(&o, p);
    header(&o, "mailautoconf_requests_total", "counter",
           "Requests answered per endpoint and outcome since the "
           "configuration was loaded.");
    for (i = 0; st->counters && i < st->ncounters; i++) {
        const mac_status_counter_t *c = &st->counters[i];
        const char *ep = mac_metrics_label(p, c->name ? c->name : "");

        for (k = 0; k < MAC_OUT_COUNT; k++) {
            mac_buf_addf(&o, "mailautoconf_requests_total{endpoint=\"%s\","
                          "outcome=\"%s\"} %lu\n", ep,
                      mac_metrics_label(p, mac_outcome_name(k)),
                      c->counts[k]);
        }
    }
    header(&o, "mailautoconf_config_loaded_timestamp_seconds", "gauge",
           "When the configuration was loaded, in seconds since the epoch.");
    mac_buf_addf(&o, "mailautoconf_config_loaded_timestamp_seconds %"
                  APR_INT64_T_FMT "\n",
              (apr_int64_t)apr_time_sec(st->started));
    header(&o, "mailautoconf_build_info", "gauge",
           "The module version, as a label; the value is always 1.");
    mac_buf_addf(&o, "mailautoconf_build_info{version=\"%s\"} 1\n",
              mac_metrics_label(p, st->version ? st->version : "unknown"));
    return mac_buf_join(&o, len);
}
