/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: a database row and its cache record.  See mac_row.h.
 */
#include <string.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include "mac_row.h"
#include "mac_template.h"

static const char *const col_names[MAC_ROW_NCOLS] = {
    "display_name", "short_name", "login_name",
    "imap_host", "pop3_host", "smtp_host"
};

int mac_row_column(const char *name)
{
    int i;

    for (i = 0; name && i < MAC_ROW_NCOLS; i++) {
        if (strcasecmp(name, col_names[i]) == 0) {
            return i;
        }
    }
    return -1;
}

const char *mac_row_column_name(mac_row_col_e col)
{
    return (unsigned)col < MAC_ROW_NCOLS ? col_names[col] : "?";
}

void mac_row_set(apr_pool_t *p, mac_row_t *row, mac_row_col_e col,
                 const char *val)
{
    if ((unsigned)col < MAC_ROW_NCOLS) {
        row->col[col] = (val && *val) ? apr_pstrdup(p, val) : NULL;
    }
}

static const char *check_one(apr_pool_t *p, int col, const char *val)
{
    if (strlen(val) > MAC_ROW_MAX_VALUE) {
        return "the value is longer than 1024 bytes";
    }
    switch (col) {
    case MAC_ROW_DISPLAY_NAME:
    case MAC_ROW_SHORT_NAME:
        return mac_text_check(val);
    case MAC_ROW_LOGIN_NAME:
        return mac_template_check(p, val);
    default:
        return mac_host_template_check(p, val);
    }
}

const char *mac_row_check(apr_pool_t *p, const mac_row_t *row)
{
    const char *why;
    int i;

    for (i = 0; i < MAC_ROW_NCOLS; i++) {
        if (row->col[i] && (why = check_one(p, i, row->col[i])) != NULL) {
            return apr_pstrcat(p, col_names[i], ": ", why, NULL);
        }
    }
    return NULL;
}

mac_account_t *mac_row_account(apr_pool_t *p, const mac_account_t *base,
                               const mac_row_t *row, const char *domain,
                               int *changed)
{
    mac_account_t *acct = apr_pmemdup(p, base, sizeof(*acct));
    int i, k;

    *changed = 0;
    acct->domains = apr_array_make(p, 1, sizeof(const char *));
    APR_ARRAY_PUSH(acct->domains, const char *) = domain;
    if (row->col[MAC_ROW_DISPLAY_NAME]) {
        acct->display_name = row->col[MAC_ROW_DISPLAY_NAME];
        *changed = 1;
    }
    if (row->col[MAC_ROW_SHORT_NAME]) {
        acct->short_name = row->col[MAC_ROW_SHORT_NAME];
        *changed = 1;
    }
    if (row->col[MAC_ROW_LOGIN_NAME]) {
        acct->login_template = row->col[MAC_ROW_LOGIN_NAME];
        *changed = 1;
    }
    for (k = 0; k < MAC_PROTO_COUNT; k++) {
        const char *host = row->col[MAC_ROW_IMAP_HOST + k];

        if (!host) {
            continue;
        }
        *changed = 1;
        if (acct->servers == base->servers) {
            acct->servers = apr_array_copy(p, base->servers);
        }
        host = mac_host_template_lower(p, host);
        for (i = 0; i < acct->servers->nelts; i++) {
            mac_server_t *srv = &APR_ARRAY_IDX(acct->servers, i,
                                               mac_server_t);
            if (srv->proto == (mac_proto_e)k) {
                srv->host = host;
            }
        }
    }
    return acct;
}

unsigned char *mac_row_encode(apr_pool_t *p, const mac_row_t *row,
                              apr_size_t *len)
{
    apr_size_t n = MAC_ROW_HEADER, vlen[MAC_ROW_NCOLS];
    apr_uint64_t t = row->fetched > 0
                     ? (apr_uint64_t)apr_time_sec(row->fetched) : 0;
    unsigned char *buf, *o;
    int i;

    for (i = 0; i < MAC_ROW_NCOLS; i++) {
        vlen[i] = row->col[i] ? strlen(row->col[i]) : 0;
        if (vlen[i] > MAC_ROW_MAX_VALUE) {
            return NULL;
        }
        n += 2 + vlen[i];
    }
    o = buf = apr_palloc(p, n);
    *o++ = MAC_ROW_VERSION;
    for (i = 7; i >= 0; i--) {
        *o++ = (unsigned char)(t >> (8 * i));
    }
    for (i = 0; i < MAC_ROW_NCOLS; i++) {
        *o++ = (unsigned char)(vlen[i] >> 8);
        *o++ = (unsigned char)(vlen[i] & 0xff);
        if (vlen[i]) {
            memcpy(o, row->col[i], vlen[i]);
            o += vlen[i];
        }
    }
    *len = n;
    return buf;
}

const char *mac_row_read(apr_pool_t *p, const unsigned char *buf,
                         apr_size_t len, mac_row_t *row)
{
    apr_size_t pos = MAC_ROW_HEADER;
    apr_uint64_t t = 0;
    int i;

    memset(row, 0, sizeof(*row));
    if (!buf || len < MAC_ROW_HEADER + 2 * MAC_ROW_NCOLS) {
        return "the record is too short";
    }
    if (len > MAC_ROW_MAX) {
        return "the record is too long";
    }
    if (buf[0] != MAC_ROW_VERSION) {
        return "the record has an unknown version";
    }
    for (i = 1; i <= 8; i++) {
        t = (t << 8) | buf[i];
    }
    if (t > (apr_uint64_t)APR_INT64_C(0xFFFFFFFFFF)) {
        return "the record's time is out of range";
    }
    row->fetched = apr_time_from_sec((apr_time_t)t);
    for (i = 0; i < MAC_ROW_NCOLS; i++) {
        apr_size_t n;

        if (len - pos < 2) {
            return "the record is cut short";
        }
        n = ((apr_size_t)buf[pos] << 8) | buf[pos + 1];
        pos += 2;
        if (n > MAC_ROW_MAX_VALUE) {
            return "a value in the record is too long";
        }
        if (n > len - pos) {
            return "the record is cut short";
        }
        if (n) {
            if (memchr(buf + pos, '\0', n)) {
                return "a value in the record has a NUL byte";
            }
            row->col[i] = apr_pstrmemdup(p, (const char *)buf + pos, n);
        }
        pos += n;
    }
    if (pos != len) {
        return "the record has bytes after its last value";
    }
    return NULL;
}

const char *mac_row_decode(apr_pool_t *p, const unsigned char *buf,
                           apr_size_t len, mac_row_t *row)
{
    const char *why = mac_row_read(p, buf, len, row);

    if (why) {
        return why;
    }
    if ((why = mac_row_check(p, row)) != NULL) {
        return apr_pstrcat(p, "the record holds an unusable value: ", why,
                           NULL);
    }
    return NULL;
}
