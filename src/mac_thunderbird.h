/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: Thunderbird's autoconfig format, config-v1.1.xml.
 * Also read by Thunderbird for Android (K-9), Evolution and KMail.
 *
 * Depends on APR only.
 */
#ifndef MAC_THUNDERBIRD_H
#define MAC_THUNDERBIRD_H

#include <apr_pools.h>
#include "mac_account.h"

/* Up to this many served domains are all listed in every document; with
 * more, a document lists only its own domain. */
#define MAC_TB_MAX_LISTED 100

/* The whole document for acct, with emailProvider id = domain.  The
 * username elements keep the template's placeholders for the client to
 * fill, so the document does not depend on the address and is rendered
 * once at startup. */
char *mac_tb_render(apr_pool_t *p, const mac_account_t *acct,
                    const char *domain, apr_size_t *len);

#endif /* MAC_THUNDERBIRD_H */
