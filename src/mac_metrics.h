/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: the request counters in the Prometheus text exposition
 * format (version 0.0.4), for the status page's ?metrics.
 *
 *   # HELP mailautoconf_requests_total Requests answered ...
 *   # TYPE mailautoconf_requests_total counter
 *   mailautoconf_requests_total{endpoint="thunderbird",outcome="served"} 3
 *   ...
 *   # HELP mailautoconf_config_loaded_timestamp_seconds ...
 *   # TYPE mailautoconf_config_loaded_timestamp_seconds gauge
 *   mailautoconf_config_loaded_timestamp_seconds 1709287200
 *   # HELP mailautoconf_build_info ...
 *   # TYPE mailautoconf_build_info gauge
 *   mailautoconf_build_info{version="1.0"} 1
 *
 * One requests_total sample per counter row of mac_status_t and per
 * outcome mac_outcome_name() knows (MAC_OUT_COUNT of them), in that
 * order, so new rows and outcomes appear without a change here.  Label
 * values are escaped as the format asks (\\, \" and \n).
 *
 * Depends on APR.
 */
#ifndef MAC_METRICS_H
#define MAC_METRICS_H

#include <apr_pools.h>
#include "mac_status.h"

#define MAC_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* A label value escaped for the exposition format. */
char *mac_metrics_label(apr_pool_t *p, const char *s);

/* The exposition of st's counters, start time and version. */
char *mac_metrics_text(apr_pool_t *p, const mac_status_t *st,
                       apr_size_t *len);

#endif /* MAC_METRICS_H */
