/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * Set-up shared by the C unit tests.  See fixture.h.
 */
#include <stdio.h>
#include <string.h>
#include <apr_tables.h>

#include "fixture.h"

const char *fx_vis(apr_pool_t *p, const char *s, apr_size_t len)
{
    char *out = apr_palloc(p, 4 * len + 1), *o = out;
    apr_size_t i;

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            *o++ = (char)c;
        }
        else {
            o += sprintf(o, "\\x%02x", c);
        }
    }
    *o = '\0';
    return out;
}

int fx_contains(const char *hay, const char *needle)
{
    return hay != NULL && needle != NULL && strstr(hay, needle) != NULL;
}

char *fx_rep(apr_pool_t *p, char c, apr_size_t n)
{
    char *s = apr_palloc(p, n + 1);

    memset(s, c, n);
    s[n] = '\0';
    return s;
}

mac_server_t fx_server(mac_proto_e proto, const char *host, int port,
                       mac_socket_e sock, mac_auth_e auth)
{
    mac_server_t s;

    memset(&s, 0, sizeof(s));
    s.proto = proto;
    s.host = host;
    s.port = port;
    s.socket = sock;
    s.auth = auth;
    return s;
}

mac_account_t *fx_account(apr_pool_t *p, const mac_server_t *servers, int n)
{
    mac_account_t *a = apr_pcalloc(p, sizeof(*a));
    int i;

    a->domains = apr_array_make(p, 2, sizeof(const char *));
    APR_ARRAY_PUSH(a->domains, const char *) = "example.com";
    APR_ARRAY_PUSH(a->domains, const char *) = "example.org";
    a->servers = apr_array_make(p, n > 4 ? n : 4, sizeof(mac_server_t));
    for (i = 0; i < n; i++) {
        APR_ARRAY_PUSH(a->servers, mac_server_t) = servers[i];
    }
    a->login_template = "%EMAILADDRESS%";
    return a;
}
