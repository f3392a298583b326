/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * fixture.h - set-up shared by the C unit tests (t/unit/fixture.c, linked
 * into every t/unit/bin/test_* by Makefile.apxs).  Everything is allocated
 * from the pool given; nothing here reports a test result.
 */
#ifndef MAILAUTOCONF_FIXTURE_H
#define MAILAUTOCONF_FIXTURE_H

#include <apr_pools.h>

#include "mac_account.h"

/* s[0..len) printable for a test name or diagnostic: bytes outside
 * 0x20..0x7e and the backslash as \xNN. */
const char *fx_vis(apr_pool_t *p, const char *s, apr_size_t len);

/* 1 when both are non-NULL and needle occurs in hay. */
int fx_contains(const char *hay, const char *needle);

/* n copies of c, NUL-terminated. */
char *fx_rep(apr_pool_t *p, char c, apr_size_t n);

/* One server, every other field zero. */
mac_server_t fx_server(mac_proto_e proto, const char *host, int port,
                       mac_socket_e sock, mac_auth_e auth);

/* An account for example.com and example.org with servers[0..n) (servers
 * may be NULL when n is 0) and login template %EMAILADDRESS%; the names
 * and the documentation unset. */
mac_account_t *fx_account(apr_pool_t *p, const mac_server_t *servers, int n);

#endif /* MAILAUTOCONF_FIXTURE_H */
