/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: a database row, what it changes in an account, and the
 * small record it is kept as in a shared cache.
 *
 * A row of the MailAutoconfDBDQuery answer has named columns; six of them
 * override the directives when not NULL or empty: display_name,
 * short_name, login_name (a login template), imap_host, pop3_host and
 * smtp_host (the host of every server of that protocol).  Other columns
 * are ignored.
 *
 * Record format, version 1 (every length big-endian):
 *
 *   byte 0        MAC_ROW_VERSION (1)
 *   bytes 1..8    when the row was read from the database, seconds since
 *                 the epoch (unsigned 64-bit)
 *   then, for each of the six columns in the order above:
 *     2 bytes     the value's length N (0: the directive applies)
 *     N bytes     the value, no NUL byte
 *
 * and nothing after the last value.  A record read back from a cache
 * server is untrusted: the decoder checks the layout and then every value
 * as the database's own would be checked, so a record it accepts gives
 * the same account as the row did.
 *
 * Depends on APR only (and the checks of mac_account/mac_template).
 */
#ifndef MAC_ROW_H
#define MAC_ROW_H

#include <apr_pools.h>
#include <apr_time.h>

#include "mac_account.h"

typedef enum {
    MAC_ROW_DISPLAY_NAME = 0,
    MAC_ROW_SHORT_NAME,
    MAC_ROW_LOGIN_NAME,
    MAC_ROW_IMAP_HOST,
    MAC_ROW_POP3_HOST,
    MAC_ROW_SMTP_HOST,
    MAC_ROW_NCOLS
} mac_row_col_e;

#define MAC_ROW_VERSION   1
#define MAC_ROW_MAX_VALUE 1024   /* bytes per value */
#define MAC_ROW_HEADER    9
#define MAC_ROW_MAX       (MAC_ROW_HEADER + MAC_ROW_NCOLS * (2 + MAC_ROW_MAX_VALUE))

typedef struct {
    const char *col[MAC_ROW_NCOLS];  /* NULL: the directive applies */
    apr_time_t  fetched;             /* whole seconds */
} mac_row_t;

/* The column a result column name stands for (case-insensitive), or -1
 * for a column the module ignores. */
int mac_row_column(const char *name);

/* The column's name as the query must spell it (lower case). */
const char *mac_row_column_name(mac_row_col_e col);

/* Set a column from the database: NULL or empty leaves it unset.  The
 * value is copied into p. */
void mac_row_set(apr_pool_t *p, mac_row_t *row, mac_row_col_e col,
                 const char *val);

/* NULL when every set value is usable, else "column: why". */
const char *mac_row_check(apr_pool_t *p, const mac_row_t *row);

/* The account of a domain: base (the directives) with what the row
 * overrides, serving only domain.  Allocates in p only what changes;
 * *changed says whether anything did (then the Outlook and Apple
 * documents of base cannot be reused).  The row must have passed
 * mac_row_check. */
mac_account_t *mac_row_account(apr_pool_t *p, const mac_account_t *base,
                               const mac_row_t *row, const char *domain,
                               int *changed);

/* The record of a checked row, in p; NULL when a value is longer than
 * MAC_ROW_MAX_VALUE. */
unsigned char *mac_row_encode(apr_pool_t *p, const mac_row_t *row,
                              apr_size_t *len);

/* Read a record into *row (values in p).  NULL on success, else why the
 * record is refused (then *row is unspecified). */
const char *mac_row_decode(apr_pool_t *p, const unsigned char *buf,
                           apr_size_t len, mac_row_t *row);

/* The layout part of mac_row_decode alone, without the value checks: for
 * a record the module itself made and kept in its own memory (the
 * per-child front cache).  Never for what came from a cache server. */
const char *mac_row_read(apr_pool_t *p, const unsigned char *buf,
                         apr_size_t len, mac_row_t *row);

#endif /* MAC_ROW_H */
