/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: the account model.
 *
 * What an operator describes once per (virtual) server: the mail domains
 * served, the IMAP/POP3/SMTP servers in order of preference, the login-name
 * template, display names and documentation.  Every value is validated
 * before it gets here; renderers may trust it.
 *
 * Depends on APR only.
 */
#ifndef MAC_ACCOUNT_H
#define MAC_ACCOUNT_H

#include <apr_pools.h>
#include <apr_tables.h>

typedef enum {
    MAC_PROTO_IMAP = 0,
    MAC_PROTO_POP3,
    MAC_PROTO_SMTP,
    MAC_PROTO_COUNT
} mac_proto_e;

typedef enum {
    MAC_SOCK_SSL = 0,    /* implicit TLS (RFC 8314) */
    MAC_SOCK_STARTTLS,
    MAC_SOCK_PLAIN
} mac_socket_e;

/* The authentication methods Thunderbird's autoconfig format knows. */
typedef enum {
    MAC_AUTH_PASSWORD_CLEARTEXT = 0,
    MAC_AUTH_PASSWORD_ENCRYPTED,
    MAC_AUTH_NTLM,
    MAC_AUTH_GSSAPI,
    MAC_AUTH_OAUTH2,
    MAC_AUTH_CLIENT_IP,
    MAC_AUTH_TLS_CLIENT_CERT,
    MAC_AUTH_SMTP_AFTER_POP,
    MAC_AUTH_NONE,
    MAC_AUTH_COUNT
} mac_auth_e;

typedef struct {
    mac_proto_e  proto;
    const char  *host;      /* validated host name or IP literal, lower case;
                             * may contain %EMAILDOMAIN% (mail.%EMAILDOMAIN%)
                             * to be replaced by the domain asked about */
    int          port;      /* 1..65535 */
    mac_socket_e socket;
    mac_auth_e   auth;
} mac_server_t;

typedef struct {
    /* const char *: served email domains, lower case, ASCII (A-labels) */
    apr_array_header_t *domains;
    /* mac_server_t: IMAP first, then POP3, then SMTP; configured order
     * within each protocol */
    apr_array_header_t *servers;
    const char *login_template;  /* validated, see mac_template.h */
    const char *display_name;    /* may be NULL */
    const char *short_name;      /* may be NULL */
    const char *doc_url;         /* may be NULL */
    const char *doc_text;        /* may be NULL */
} mac_account_t;

/* Names used in configuration and in Thunderbird's format. */
const char *mac_proto_name(mac_proto_e proto);          /* "imap", "pop3", "smtp" */
const char *mac_socket_name(mac_socket_e sock);         /* "ssl", "starttls", "plain" */
const char *mac_socket_tb_name(mac_socket_e sock);      /* "SSL", "STARTTLS", "plain" */
const char *mac_auth_name(mac_auth_e auth);             /* Thunderbird spelling */

/* Parsers for directive arguments.  Each returns NULL on success or a
 * message (allocated from p) saying what is wrong with the value. */
const char *mac_parse_port(apr_pool_t *p, const char *arg, int *port);
const char *mac_parse_socket(apr_pool_t *p, const char *arg, mac_socket_e *sock);
const char *mac_parse_auth(apr_pool_t *p, mac_proto_e proto, const char *arg,
                           mac_auth_e *auth);

/* Parse "HOST PORT SOCKET [AUTH]" for one server of protocol proto. */
const char *mac_parse_server(apr_pool_t *p, mac_proto_e proto,
                             const char *host, const char *port,
                             const char *sock, const char *auth,
                             mac_server_t *out);

/* Display names and descriptions: printable UTF-8, at most MAC_TEXT_MAX
 * bytes.  Returns NULL or a static reason. */
#define MAC_TEXT_MAX 256
const char *mac_text_check(const char *s);

/* Check a host that may contain %EMAILDOMAIN%: with a domain put in,
 * it must be a valid host.  Returns NULL or a message. */
const char *mac_host_template_check(apr_pool_t *p, const char *host);

/* Lower-case copy that keeps the placeholder's spelling. */
char *mac_host_template_lower(apr_pool_t *p, const char *host);

/* The server's host name for one domain (the template filled in). */
const char *mac_server_host(apr_pool_t *p, const mac_server_t *s,
                            const char *domain);

/* Does the account serve domain (lower case)?  Linear; for startup use. */
int mac_account_has_domain(const mac_account_t *acct, const char *domain);

/* Number of servers of one protocol. */
int mac_account_count(const mac_account_t *acct, mac_proto_e proto);

/* Problems a client would have with this account that do not make it
 * invalid (e.g. Thunderbird for Android refuses a whole file containing a
 * plain server).  Returns an array of const char * messages, maybe empty. */
apr_array_header_t *mac_account_warnings(apr_pool_t *p,
                                         const mac_account_t *acct);

#endif /* MAC_ACCOUNT_H */
