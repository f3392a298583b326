/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: the account model.  See mac_account.h.
 */
#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include "mac_account.h"
#include "mac_addr.h"
#include "mac_escape.h"

static const char *const proto_names[MAC_PROTO_COUNT] = {
    "imap", "pop3", "smtp"
};

static const struct {
    const char *conf;     /* spelling in configuration */
    const char *tb;       /* spelling in Thunderbird's format */
} socket_names[] = {
    { "ssl", "SSL" }, { "starttls", "STARTTLS" }, { "plain", "plain" }
};

/* Thunderbird's names, which are also the configuration's.  The mask says
 * for which protocols a value makes sense. */
#define P_ALL  ((1u << MAC_PROTO_IMAP) | (1u << MAC_PROTO_POP3) \
                | (1u << MAC_PROTO_SMTP))
#define P_SMTP (1u << MAC_PROTO_SMTP)
static const struct {
    const char *name;
    unsigned    protos;
} auth_names[MAC_AUTH_COUNT] = {
    [MAC_AUTH_PASSWORD_CLEARTEXT] = { "password-cleartext", P_ALL },
    [MAC_AUTH_PASSWORD_ENCRYPTED] = { "password-encrypted", P_ALL },
    [MAC_AUTH_NTLM]               = { "NTLM", P_ALL },
    [MAC_AUTH_GSSAPI]             = { "GSSAPI", P_ALL },
    [MAC_AUTH_OAUTH2]             = { "OAuth2", P_ALL },
    [MAC_AUTH_CLIENT_IP]          = { "client-IP-address", P_ALL },
    [MAC_AUTH_TLS_CLIENT_CERT]    = { "TLS-client-cert", P_ALL },
    [MAC_AUTH_SMTP_AFTER_POP]     = { "SMTP-after-POP", P_SMTP },
    [MAC_AUTH_NONE]               = { "none", P_SMTP },
};

const char *mac_proto_name(mac_proto_e proto)
{
    return proto_names[proto];
}

const char *mac_socket_name(mac_socket_e sock)
{
    return socket_names[sock].conf;
}

const char *mac_socket_tb_name(mac_socket_e sock)
{
    return socket_names[sock].tb;
}

const char *mac_auth_name(mac_auth_e auth)
{
    return auth_names[auth].name;
}

const char *mac_parse_port(apr_pool_t *p, const char *arg, int *port)
{
    const char *s;
    long v = 0;

    for (s = arg; *s && s - arg < 6; s++) {
        if (!apr_isdigit(*s)) {
            break;
        }
        v = v * 10 + (*s - '0');
    }
    if (*s || s == arg || arg[0] == '0' || v < 1 || v > 65535) {
        return apr_psprintf(p, "port '%s' is not a number from 1 to 65535",
                            arg);
    }
    *port = (int)v;
    return NULL;
}

const char *mac_parse_socket(apr_pool_t *p, const char *arg,
                             mac_socket_e *sock)
{
    int i;

    for (i = 0; i < 3; i++) {
        if (strcasecmp(arg, socket_names[i].conf) == 0) {
            *sock = (mac_socket_e)i;
            return NULL;
        }
    }
    if (strcasecmp(arg, "tls") == 0) {
        *sock = MAC_SOCK_SSL;
        return NULL;
    }
    return apr_psprintf(p, "socket type '%s' is not one of ssl (implicit "
                        "TLS), starttls, plain", arg);
}

const char *mac_parse_auth(apr_pool_t *p, mac_proto_e proto, const char *arg,
                           mac_auth_e *auth)
{
    int i;

    for (i = 0; i < MAC_AUTH_COUNT; i++) {
        if (strcasecmp(arg, auth_names[i].name) == 0) {
            if (!(auth_names[i].protos & (1u << proto))) {
                return apr_psprintf(p, "authentication '%s' is only for "
                                    "SMTP", auth_names[i].name);
            }
            *auth = (mac_auth_e)i;
            return NULL;
        }
    }
    return apr_psprintf(p, "authentication '%s' is not one of "
                        "password-cleartext, password-encrypted, NTLM, "
                        "GSSAPI, OAuth2, client-IP-address, TLS-client-cert"
                        "%s", arg,
                        proto == MAC_PROTO_SMTP ? ", SMTP-after-POP, none"
                                                : "");
}

const char *mac_parse_server(apr_pool_t *p, mac_proto_e proto,
                             const char *host, const char *port,
                             const char *sock, const char *auth,
                             mac_server_t *out)
{
    const char *why;

    if ((why = mac_host_template_check(p, host)) != NULL) {
        return apr_psprintf(p, "host '%s': %s", host, why);
    }
    out->proto = proto;
    out->host = mac_host_template_lower(p, host);
    if ((why = mac_parse_port(p, port, &out->port)) != NULL
        || (why = mac_parse_socket(p, sock, &out->socket)) != NULL) {
        return why;
    }
    out->auth = MAC_AUTH_PASSWORD_CLEARTEXT;
    if (auth && (why = mac_parse_auth(p, proto, auth, &out->auth)) != NULL) {
        return why;
    }
    return NULL;
}

const char *mac_text_check(const char *s)
{
    apr_size_t len = strlen(s);

    if (len == 0) {
        return "the text is empty";
    }
    if (len > MAC_TEXT_MAX) {
        return "the text is longer than 256 bytes";
    }
    if (mac_has_ctl(s, len) || !mac_utf8_valid(s, len)) {
        return "the text contains control characters or is not UTF-8";
    }
    return NULL;
}

#define DOMAIN_PH "%EMAILDOMAIN%"

/* host with every %EMAILDOMAIN% replaced by domain. */
static char *host_subst(apr_pool_t *p, const char *host, const char *domain)
{
    apr_array_header_t *parts = apr_array_make(p, 3, sizeof(const char *));
    const char *s = host, *m;

    while ((m = strstr(s, DOMAIN_PH)) != NULL) {
        APR_ARRAY_PUSH(parts, const char *) = apr_pstrmemdup(p, s,
                                                  (apr_size_t)(m - s));
        APR_ARRAY_PUSH(parts, const char *) = domain;
        s = m + sizeof(DOMAIN_PH) - 1;
    }
    APR_ARRAY_PUSH(parts, const char *) = s;
    return apr_array_pstrcat(p, parts, 0);
}

const char *mac_host_template_check(apr_pool_t *p, const char *host)
{
    const char *sample = host_subst(p, host, "example.com");

    if (strchr(sample, '%')) {
        return "only %EMAILDOMAIN% may stand in a host name";
    }
    return mac_host_check(sample, strlen(sample));
}

char *mac_host_template_lower(apr_pool_t *p, const char *host)
{
    char *h = mac_strlower(p, host, strlen(host)), *m;

    for (m = h; (m = strstr(m, "%emaildomain%")) != NULL;
         m += sizeof(DOMAIN_PH) - 1) {
        memcpy(m, DOMAIN_PH, sizeof(DOMAIN_PH) - 1);
    }
    return h;
}

const char *mac_server_host(apr_pool_t *p, const mac_server_t *s,
                            const char *domain)
{
    return strchr(s->host, '%') ? host_subst(p, s->host, domain) : s->host;
}

int mac_account_has_domain(const mac_account_t *acct, const char *domain)
{
    int i;

    for (i = 0; acct->domains && i < acct->domains->nelts; i++) {
        if (strcmp(APR_ARRAY_IDX(acct->domains, i, const char *),
                   domain) == 0) {
            return 1;
        }
    }
    return 0;
}

int mac_account_count(const mac_account_t *acct, mac_proto_e proto)
{
    int i, n = 0;

    for (i = 0; acct->servers && i < acct->servers->nelts; i++) {
        if (APR_ARRAY_IDX(acct->servers, i, mac_server_t).proto == proto) {
            n++;
        }
    }
    return n;
}

apr_array_header_t *mac_account_warnings(apr_pool_t *p,
                                         const mac_account_t *acct)
{
    apr_array_header_t *w = apr_array_make(p, 2, sizeof(const char *));
    int i;

    for (i = 0; acct->servers && i < acct->servers->nelts; i++) {
        const mac_server_t *s = &APR_ARRAY_IDX(acct->servers, i,
                                               mac_server_t);
        if (s->socket == MAC_SOCK_PLAIN) {
            APR_ARRAY_PUSH(w, const char *) = apr_psprintf(p,
                "%s server %s%s%s:%d uses socket type plain: passwords travel "
                "unencrypted, and Thunderbird for Android refuses the whole "
                "configuration when any server in it is plain",
                proto_names[s->proto], strchr(s->host, ':') ? "[" : "",
                s->host, strchr(s->host, ':') ? "]" : "", s->port);
        }
    }
    if (mac_account_count(acct, MAC_PROTO_IMAP) == 0
        && mac_account_count(acct, MAC_PROTO_POP3) == 0) {
        APR_ARRAY_PUSH(w, const char *) =
            "no IMAP or POP3 server is configured: clients cannot receive mail";
    }
    if (mac_account_count(acct, MAC_PROTO_SMTP) == 0) {
        APR_ARRAY_PUSH(w, const char *) =
            "no SMTP server is configured: clients cannot send mail";
    }
    return w;
}
