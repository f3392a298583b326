/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: calendars and contacts (CalDAV, CardDAV).  See
 * mac_dav.h.
 */
#include <stdlib.h>
#include <string.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include "mac_dav.h"
#include "mac_addr.h"
#include "mac_escape.h"
#include "mac_http.h"
#include "mac_template.h"

#define DOMAIN_PH "%EMAILDOMAIN%"
#define DOMAIN_PH_LEN (sizeof(DOMAIN_PH) - 1)

static const char *const names[] = { "", "CalDAV", "CardDAV" };

mac_dav_e mac_dav_path(const char *uri)
{
    static const apr_size_t lcal = sizeof(MAC_DAV_WK_CALDAV) - 1;
    static const apr_size_t lcard = sizeof(MAC_DAV_WK_CARDDAV) - 1;

    if (strncmp(uri, MAC_DAV_WK_CALDAV, lcal) == 0
        && (uri[lcal] == '\0' || (uri[lcal] == '/' && uri[lcal + 1] == '\0'))) {
        return MAC_DAV_CALDAV;
    }
    if (strncmp(uri, MAC_DAV_WK_CARDDAV, lcard) == 0
        && (uri[lcard] == '\0'
            || (uri[lcard] == '/' && uri[lcard + 1] == '\0'))) {
        return MAC_DAV_CARDDAV;
    }
    return MAC_DAV_NONE;
}

const char *mac_dav_name(mac_dav_e which)
{
    return which == MAC_DAV_CALDAV || which == MAC_DAV_CARDDAV
           ? names[which] : "";
}

const char *mac_dav_template(const mac_account_t *acct, mac_dav_e which)
{
    switch (which) {
    case MAC_DAV_CALDAV:
        return acct->caldav_url;
    case MAC_DAV_CARDDAV:
        return acct->carddav_url;
    default:
        return NULL;
    }
}

/* Every '%' starts %EMAILDOMAIN% or a %XX escape.  NULL or a message. */
static const char *check_percent(apr_pool_t *p, const char *url)
{
    const char *s = url, *e;

    while ((s = strchr(s, '%')) != NULL) {
        if (strncmp(s, DOMAIN_PH, DOMAIN_PH_LEN) == 0) {
            s += DOMAIN_PH_LEN;
            continue;
        }
        for (e = s + 1; apr_isupper(*e) || *e == '_'; e++) {
        }
        if (*e == '%' && e - s >= 3) {
            return apr_psprintf(p, "unknown template variable '%.*s': only "
                                "%%EMAILDOMAIN%% may stand in the URL",
                                (int)(e - s + 1), s);
        }
        if (!apr_isxdigit(s[1]) || !apr_isxdigit(s[2])) {
            return "a '%' that is neither %EMAILDOMAIN% nor a %XX escape";
        }
        s += 3;
    }
    return NULL;
}

/* The URL with every %EMAILDOMAIN% replaced by domain. */
static char *subst(apr_pool_t *p, const char *tpl, const char *domain)
{
    apr_size_t dlen = strlen(domain), n = 0, len;
    const char *s, *m;
    char *out, *o;

    for (s = tpl; (m = strstr(s, DOMAIN_PH)) != NULL; s = m + DOMAIN_PH_LEN) {
        n++;
    }
    len = strlen(tpl) - n * DOMAIN_PH_LEN + n * dlen;
    o = out = apr_palloc(p, len + 1);
    for (s = tpl; (m = strstr(s, DOMAIN_PH)) != NULL; s = m + DOMAIN_PH_LEN) {
        memcpy(o, s, (apr_size_t)(m - s));
        o += m - s;
        memcpy(o, domain, dlen);
        o += dlen;
    }
    strcpy(o, s);
    return out;
}

char *mac_dav_url(apr_pool_t *p, const char *tpl, const char *domain)
{
    return subst(p, tpl, domain);
}

/* The authority of an https:// URL: from after the scheme to the first
 * '/' (or the end). */
static const char *authority(apr_pool_t *p, const char *url,
                             const char **rest)
{
    const char *a = url + 8;          /* after "https://" */
    apr_size_t n = strcspn(a, "/");

    *rest = a + n;
    return apr_pstrmemdup(p, a, n);
}

const char *mac_dav_url_check(apr_pool_t *p, const char *url)
{
    const char *why, *auth, *rest, *host;
    apr_size_t len = strlen(url);
    int port;

    if (len > MAC_DAV_URL_MAX) {
        return "the URL is longer than " APR_STRINGIFY(MAC_DAV_URL_MAX)
               " bytes";
    }
    if ((why = mac_url_check(p, url, 1)) != NULL) {
        return why;
    }
    if (url[strspn(url, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                         "0123456789-._~:/[]@!$&'()*+,;=%?#")] != '\0') {
        return apr_psprintf(p, "'%s' has a character a URL may not "
                            "contain (RFC 3986): percent-encode it", url);
    }
    if (strchr(url, '?') || strchr(url, '#')) {
        return apr_psprintf(p, "'%s' has a query or a fragment: clients "
                            "would drop it", url);
    }
    if ((why = check_percent(p, url)) != NULL) {
        return apr_psprintf(p, "'%s': %s", url, why);
    }
    auth = authority(p, url, &rest);
    if (strchr(auth, '@')) {
        return apr_psprintf(p, "'%s' has a user name in it: clients ask "
                            "for the login", url);
    }
    if (*auth == '\0') {
        return apr_psprintf(p, "'%s' has no host name", url);
    }
    if ((why = mac_hostport_parse(p, subst(p, auth, "example.com"), &host,
                                  &port)) != NULL) {
        return apr_psprintf(p, "'%s': %s", url, why);
    }
    if (strchr(auth, ':') && auth[0] != '[' && port == 0) {
        return apr_psprintf(p, "'%s' has no valid port", url);
    }
    (void)rest;
    return NULL;
}

void mac_dav_split(apr_pool_t *p, const char *url, const char **host,
                   int *port, const char **path)
{
    const char *rest, *auth = authority(p, url, &rest), *colon;

    *port = 443;
    colon = auth[0] == '[' ? strstr(auth, "]:") : strrchr(auth, ':');
    if (colon && auth[0] == '[') {
        colon++;
    }
    if (colon) {
        *host = apr_pstrmemdup(p, auth, (apr_size_t)(colon - auth));
        *port = atoi(colon + 1);
    }
    else {
        *host = auth;
    }
    *path = *rest ? rest : "/";
}

/* ---------------------------------------------------------- Thunderbird */

char *mac_dav_tb_xml(apr_pool_t *p, const mac_account_t *acct,
                     const char *domain)
{
    static const struct {
        mac_dav_e   which;
        const char *elem;
        const char *type;
    } order[] = {
        /* The draft's order. */
        { MAC_DAV_CARDDAV, "addressbook", "carddav" },
        { MAC_DAV_CALDAV, "calendar", "caldav" },
    };
    const char *out = "", *user;
    unsigned i;

    user = mac_xml_escape(p, acct->login_template,
                          strlen(acct->login_template), NULL);
    for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        const char *tpl = mac_dav_template(acct, order[i].which), *url;
        if (!tpl) {
            continue;
        }
        url = mac_dav_url(p, tpl, domain);
        /* The login template goes out as configured: the client fills
         * it in, as for the mail servers. */
        out = apr_pstrcat(p, out,
                          "  <", order[i].elem, " type=\"", order[i].type,
                          "\">\n"
                          "    <url>",
                          mac_xml_escape(p, url, strlen(url), NULL),
                          "</url>\n"
                          "    <authentication>basic</authentication>\n"
                          "    <username>", user, "</username>\n"
                          "  </", order[i].elem, ">\n", NULL);
    }
    return (char *)out;
}

/* --------------------------------------------------------- Autodiscover */

char *mac_dav_ad_xml(apr_pool_t *p, const mac_account_t *acct)
{
    static const mac_dav_e order[] = { MAC_DAV_CALDAV, MAC_DAV_CARDDAV };
    const char *out = "", *login;
    unsigned i;

    login = mac_template_mark(p, acct->login_template, mac_xml_escape);
    for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        const char *tpl = mac_dav_template(acct, order[i]);
        if (!tpl) {
            continue;
        }
        out = apr_pstrcat(p, out,
                          "      <Protocol>\n"
                          "        <Type>", mac_dav_name(order[i]), "</Type>\n"
                          "        <Server>",
                          mac_template_mark(p, tpl, mac_xml_escape),
                          "</Server>\n"
                          "        <SSL>on</SSL>\n"
                          "        <DomainRequired>off</DomainRequired>\n"
                          "        <LoginName>", login, "</LoginName>\n"
                          "      </Protocol>\n", NULL);
    }
    return (char *)out;
}

/* ---------------------------------------------------------------- Apple */

static const char *pkey(apr_pool_t *p, const char *key, const char *elem,
                        const char *raw)
{
    return apr_pstrcat(p, "\t\t\t<key>", key, "</key>\n\t\t\t<", elem, ">",
                       raw, "</", elem, ">\n", NULL);
}

char *mac_dav_apple_xml(apr_pool_t *p, const mac_account_t *acct,
                        const char *login, const char *descr,
                        const char *org, const char *ident,
                        const char *uuid_cal, const char *uuid_card)
{
    static const struct {
        mac_dav_e   which;
        const char *prefix;     /* key prefix */
        const char *type;       /* PayloadType */
        const char *suffix;     /* PayloadIdentifier suffix */
        const char *what;
    } kinds[] = {
        { MAC_DAV_CALDAV, "CalDAV", "com.apple.caldav.account", ".caldav",
          "calendars" },
        { MAC_DAV_CARDDAV, "CardDAV", "com.apple.carddav.account",
          ".carddav", "contacts" },
    };
    const char *out = "";
    unsigned i;

    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        const char *tpl = mac_dav_template(acct, kinds[i].which);
        const char *host, *path, *k = kinds[i].prefix;
        int port;

        if (!tpl) {
            continue;
        }
        mac_dav_split(p, tpl, &host, &port, &path);
        if (host[0] == '[') {           /* Apple wants the bare address */
            host = apr_pstrmemdup(p, host + 1, strlen(host) - 2);
        }
        /* Keys in the sorted order Apple's tools write. */
        out = apr_pstrcat(p, out, "\t\t<dict>\n",
            pkey(p, apr_pstrcat(p, k, "AccountDescription", NULL), "string",
                 apr_pstrcat(p, descr, " (", kinds[i].what, ")", NULL)),
            pkey(p, apr_pstrcat(p, k, "HostName", NULL), "string",
                 mac_template_mark(p, host, mac_xml_escape)),
            pkey(p, apr_pstrcat(p, k, "Port", NULL), "integer",
                 apr_itoa(p, port)),
            pkey(p, apr_pstrcat(p, k, "PrincipalURL", NULL), "string",
                 mac_template_mark(p, tpl, mac_xml_escape)),
            "\t\t\t<key>", k, "UseSSL</key>\n\t\t\t<true/>\n",
            pkey(p, apr_pstrcat(p, k, "Username", NULL), "string", login),
            pkey(p, "PayloadDescription", "string",
                 apr_pstrcat(p, "Configures ", kinds[i].what, " for ",
                             mac_slot_mark(MAC_SLOT_ADDRESS), ".", NULL)),
            pkey(p, "PayloadDisplayName", "string",
                 apr_pstrcat(p, k, " account ",
                             mac_slot_mark(MAC_SLOT_ADDRESS), NULL)),
            pkey(p, "PayloadIdentifier", "string",
                 apr_pstrcat(p, ident, kinds[i].suffix, NULL)),
            org ? pkey(p, "PayloadOrganization", "string", org) : "",
            pkey(p, "PayloadType", "string", kinds[i].type),
            pkey(p, "PayloadUUID", "string",
                 kinds[i].which == MAC_DAV_CALDAV ? uuid_cal : uuid_card),
            pkey(p, "PayloadVersion", "integer", "1"),
            "\t\t</dict>\n", NULL);
    }
    return (char *)out;
}

char *mac_dav_summary(apr_pool_t *p, const mac_account_t *acct, int mark,
                      const char *domain)
{
    const char *parts[2] = { NULL, NULL };
    int n = 0, i;
    const char *out = "";

    for (i = 0; i < 2; i++) {
        mac_dav_e which = i == 0 ? MAC_DAV_CALDAV : MAC_DAV_CARDDAV;
        const char *tpl = mac_dav_template(acct, which), *host, *path, *h;
        int port;

        if (!tpl) {
            continue;
        }
        mac_dav_split(p, tpl, &host, &port, &path);
        h = mark ? mac_template_mark(p, host, mac_xml_escape)
                 : mac_xml_escape(p, mac_dav_url(p, host, domain),
                                  strlen(mac_dav_url(p, host, domain)), NULL);
        parts[n++] = apr_pstrcat(p, i == 0 ? "calendars (CalDAV, " :
                                 "contacts (CardDAV, ", h, ")", NULL);
    }
    if (n == 0) {
        return "";
    }
    out = n == 2 ? apr_pstrcat(p, parts[0], " and ", parts[1], NULL)
                 : parts[0];
    return apr_pstrcat(p, " It also adds the ", out, ".", NULL);
}
