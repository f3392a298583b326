/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: the autoconfig draft's 1.2 additions.  See mac_std.h.
 */
#include <string.h>
#include <strings.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include "mac_std.h"
#include "mac_addr.h"
#include "mac_escape.h"
#include "mac_http.h"

const char *mac_std_url_check(apr_pool_t *p, const char *url)
{
    const char *why, *auth, *end, *host;
    int port;

    if ((why = mac_url_check(p, url, 1)) != NULL) {
        return why;
    }
    if (strchr(url, '#')) {
        return apr_psprintf(p, "'%s' has a fragment (#...)", url);
    }
    auth = url + 8;
    end = auth + strcspn(auth, "/?");
    if (memchr(auth, '@', (apr_size_t)(end - auth))) {
        return apr_psprintf(p, "'%s' has user information (...@) before "
                            "the host", url);
    }
    if (end == auth) {
        return apr_psprintf(p, "'%s' has no host", url);
    }
    if ((why = mac_hostport_parse(p, apr_pstrmemdup(p, auth,
                                                    (apr_size_t)(end - auth)),
                                  &host, &port)) != NULL) {
        return apr_psprintf(p, "'%s': %s", url, why);
    }
    return NULL;
}

const char *mac_std_url_host(apr_pool_t *p, const char *url, int *port)
{
    const char *auth = url + 8, *host = NULL;
    apr_size_t n = strcspn(auth, "/?");

    *port = 0;
    if (mac_hostport_parse(p, apr_pstrmemdup(p, auth, n), &host, port)
        != NULL) {
        return NULL;
    }
    return mac_strlower(p, host, strlen(host));
}

const char *mac_sieve_parse(apr_pool_t *p, const char *host,
                            const char *port, const char *sock,
                            mac_sieve_t **out)
{
    mac_sieve_t *s = apr_pcalloc(p, sizeof(*s));
    const char *why;

    if ((why = mac_host_template_check(p, host)) != NULL) {
        return why;
    }
    s->host = mac_host_template_lower(p, host);
    s->port = MAC_SIEVE_PORT;
    s->socket = MAC_SOCK_STARTTLS;
    if (port && (why = mac_parse_port(p, port, &s->port)) != NULL) {
        return why;
    }
    if (sock && (why = mac_parse_socket(p, sock, &s->socket)) != NULL) {
        return why;
    }
    *out = s;
    return NULL;
}

static const char *const oauth_keys[] = {
    "issuer", "scope", "auth-url", "token-url", "client-id", "order"
};
#define NKEYS (sizeof(oauth_keys) / sizeof(oauth_keys[0]))

const char *mac_oauth2_parse(apr_pool_t *p, int argc,
                             const char *const *argv, mac_oauth2_t **out)
{
    mac_oauth2_t *o = apr_pcalloc(p, sizeof(*o));
    const char *vals[NKEYS] = { NULL };
    const char *why;
    unsigned k;
    int i;

    for (i = 0; i < argc; i++) {
        const char *eq = strchr(argv[i], '=');
        apr_size_t klen = eq ? (apr_size_t)(eq - argv[i]) : 0;

        for (k = 0; eq && k < NKEYS; k++) {
            if (strlen(oauth_keys[k]) == klen
                && strncasecmp(argv[i], oauth_keys[k], klen) == 0) {
                break;
            }
        }
        if (!eq || k == NKEYS) {
            /* The key only: a secret in a value is not repeated. */
            return apr_psprintf(p, "unknown setting '%s' (known: issuer=, "
                                "scope=, auth-url=, token-url=, client-id=, "
                                "order=)",
                                eq ? apr_pstrmemdup(p, argv[i], klen)
                                   : argv[i]);
        }
        if (vals[k]) {
            return apr_psprintf(p, "%s= is given twice", oauth_keys[k]);
        }
        if (eq[1] == '\0') {
            return apr_psprintf(p, "%s= has no value", oauth_keys[k]);
        }
        vals[k] = eq + 1;
    }
    for (k = 0; k < 4; k++) {
        if (k == 1) {
            continue;     /* scope is optional */
        }
        if (!vals[k]) {
            return apr_psprintf(p, "%s= is required", oauth_keys[k]);
        }
        if ((why = mac_std_url_check(p, vals[k])) != NULL) {
            return apr_psprintf(p, "%s=: %s", oauth_keys[k], why);
        }
    }
    if (strchr(vals[0], '?')) {
        /* RFC 8414 section 2: an issuer has no query component. */
        return apr_psprintf(p, "issuer=: '%s' has a query (?...)", vals[0]);
    }
    for (k = 1; k < 5; k += 3) {   /* scope, client-id: printable text */
        if (vals[k] && (!mac_printable_ascii(vals[k], strlen(vals[k]), 1024)
                        || strchr(vals[k], '"') || strchr(vals[k], '\\'))) {
            return apr_psprintf(p, "%s= is not printable ASCII of at most "
                                "1024 bytes without quotes or backslashes",
                                oauth_keys[k]);
        }
    }
    if (vals[5]) {
        if (strcasecmp(vals[5], "oauth2-first") == 0) {
            o->oauth2_first = 1;
        }
        else if (strcasecmp(vals[5], "password-first") != 0) {
            return apr_psprintf(p, "order= is password-first or "
                                "oauth2-first, not '%s'", vals[5]);
        }
    }
    o->issuer = vals[0];
    o->scope = vals[1];
    o->auth_url = vals[2];
    o->token_url = vals[3];
    o->client_id = vals[4];
    *out = o;
    return NULL;
}

const char *mac_oauth2_parse_line(apr_pool_t *p, const char *line,
                                  mac_oauth2_t **out)
{
    char **argv = NULL;
    int argc = 0;

    if (apr_tokenize_to_argv(line, &argv, p) != APR_SUCCESS || !argv) {
        return "cannot be split into KEY=VALUE settings";
    }
    while (argv[argc]) {
        argc++;
    }
    return mac_oauth2_parse(p, argc, (const char *const *)argv, out);
}

int mac_std_any(const mac_account_t *acct)
{
    return acct->jmap_url || acct->managesieve || acct->webmail_url
           || acct->oauth2;
}

const char *mac_std_sieve_host(apr_pool_t *p, const mac_account_t *acct,
                               const char *domain)
{
    mac_server_t s;

    if (!acct->managesieve) {
        return NULL;
    }
    memset(&s, 0, sizeof(s));
    s.host = acct->managesieve->host;
    return mac_server_host(p, &s, domain);
}

/* ------------------------------------------------------------ rendering */

static const char *esc(apr_pool_t *p, const char *s)
{
    return mac_xml_escape(p, s, strlen(s), NULL);
}

static const char *elem(apr_pool_t *p, const char *indent, const char *name,
                        const char *value)
{
    return apr_pstrcat(p, indent, "<", name, ">", esc(p, value), "</", name,
                       ">\n", NULL);
}

const char *mac_std_tb_version(const mac_account_t *acct)
{
    return mac_std_any(acct) ? "1.2" : "1.1";
}

static int is_password(mac_auth_e a)
{
    return a == MAC_AUTH_PASSWORD_CLEARTEXT
           || a == MAC_AUTH_PASSWORD_ENCRYPTED;
}

const char *mac_std_tb_auth(apr_pool_t *p, const mac_account_t *acct,
                            const mac_server_t *s, const char *indent)
{
    const char *own = elem(p, indent, "authentication", mac_auth_name(s->auth));
    const char *oauth;

    if (!acct->oauth2 || !is_password(s->auth)) {
        return own;
    }
    oauth = elem(p, indent, "authentication", "OAuth2");
    return acct->oauth2->oauth2_first ? apr_pstrcat(p, oauth, own, NULL)
                                      : apr_pstrcat(p, own, oauth, NULL);
}

const char *mac_std_tb_incoming(apr_pool_t *p, const mac_account_t *acct)
{
    const char *in = "      ";
    const char *basic, *oauth;

    if (!acct->jmap_url) {
        return "";
    }
    basic = apr_pstrcat(p, in, "<authentication system=\"http\">Basic"
                        "</authentication>\n", NULL);
    oauth = acct->oauth2 ? elem(p, in, "authentication", "OAuth2") : "";
    return apr_pstrcat(p, "    <incomingServer type=\"jmap\">\n",
                       elem(p, in, "url", acct->jmap_url),
                       acct->oauth2 && acct->oauth2->oauth2_first
                           ? apr_pstrcat(p, oauth, basic, NULL)
                           : apr_pstrcat(p, basic, oauth, NULL),
                       elem(p, in, "username", acct->login_template),
                       "    </incomingServer>\n", NULL);
}

const char *mac_std_tb_provider(apr_pool_t *p, const mac_account_t *acct)
{
    if (!acct->webmail_url) {
        return "";
    }
    return apr_pstrcat(p, "    <webMail>\n      <loginPage url=\"",
                       esc(p, acct->webmail_url), "\"/>\n    </webMail>\n",
                       NULL);
}

/* The host of the issuer, as the draft's example gives it. */
static const char *issuer_host(apr_pool_t *p, const mac_oauth2_t *o)
{
    int port;
    const char *h = mac_std_url_host(p, o->issuer, &port);

    return h ? h : o->issuer;
}

const char *mac_std_tb_config(apr_pool_t *p, const mac_account_t *acct,
                              const char *domain)
{
    const char *in = "    ";
    const char *sieve = "", *oauth = "";

    if (acct->managesieve) {
        const mac_sieve_t *s = acct->managesieve;
        sieve = apr_pstrcat(p, "  <setupServer type=\"managesieve\">\n",
            elem(p, in, "hostname", mac_std_sieve_host(p, acct, domain)),
            elem(p, in, "port", apr_itoa(p, s->port)),
            elem(p, in, "socketType", mac_socket_tb_name(s->socket)),
            acct->oauth2 && acct->oauth2->oauth2_first
                ? elem(p, in, "authentication", "OAuth2") : "",
            elem(p, in, "authentication", "password-cleartext"),
            acct->oauth2 && !acct->oauth2->oauth2_first
                ? elem(p, in, "authentication", "OAuth2") : "",
            elem(p, in, "username", acct->login_template),
            "  </setupServer>\n", NULL);
    }
    if (acct->oauth2) {
        const mac_oauth2_t *o = acct->oauth2;
        oauth = apr_pstrcat(p, "  <oAuth2>\n",
            elem(p, in, "issuer", issuer_host(p, o)),
            o->scope ? elem(p, in, "scope", o->scope) : "",
            elem(p, in, "authURL", o->auth_url),
            elem(p, in, "tokenURL", o->token_url),
            o->client_id ? elem(p, in, "clientID", o->client_id) : "",
            "  </oAuth2>\n", NULL);
    }
    return apr_pstrcat(p, sieve, oauth, NULL);
}

void mac_std_warnings(apr_pool_t *p, const mac_account_t *acct,
                      apr_array_header_t *warnings)
{
    (void)p;
    if (acct->managesieve && acct->managesieve->socket == MAC_SOCK_PLAIN) {
        APR_ARRAY_PUSH(warnings, const char *) =
            "MailAutoconfManageSieve: the server is offered without TLS; "
            "clients would send the password in clear text";
    }
}
