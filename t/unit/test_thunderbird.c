/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * Unit tests for src/mac_thunderbird.[ch]: config-v1.1.xml rendering.
 * The output is parsed with libxml2 and checked through the tree.
 */
#include <stdio.h>
#include <string.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "tap.h"
#include "fixture.h"
#include "mac_account.h"
#include "mac_thunderbird.h"

static apr_pool_t *pool;

/* ------------------------------------------------------------ helpers */

/* Element children of node, in document order; NULL-terminated. */
static xmlNode **children(xmlNode *node, int *count)
{
    apr_array_header_t *a = apr_array_make(pool, 8, sizeof(xmlNode *));
    xmlNode *c;

    for (c = node ? node->children : NULL; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) {
            APR_ARRAY_PUSH(a, xmlNode *) = c;
        }
    }
    if (count) {
        *count = a->nelts;
    }
    APR_ARRAY_PUSH(a, xmlNode *) = NULL;
    return (xmlNode **)a->elts;
}

/* Space-separated names of the element children, e.g. "domain domain". */
static const char *child_names(xmlNode *node)
{
    xmlNode **k = children(node, NULL);
    const char *s = "";
    int i;

    for (i = 0; k[i]; i++) {
        s = apr_pstrcat(pool, s, i ? " " : "", (const char *)k[i]->name,
                        NULL);
    }
    return s;
}

/* The only child element called name, or NULL (also when there are more). */
static xmlNode *child(xmlNode *node, const char *name)
{
    xmlNode **k = children(node, NULL), *found = NULL;
    int i;

    for (i = 0; k[i]; i++) {
        if (strcmp((const char *)k[i]->name, name) == 0) {
            if (found) {
                return NULL;
            }
            found = k[i];
        }
    }
    return found;
}

static int count_named(xmlNode *node, const char *name)
{
    xmlNode **k = children(node, NULL);
    int i, n = 0;

    for (i = 0; k[i]; i++) {
        n += strcmp((const char *)k[i]->name, name) == 0;
    }
    return n;
}

/* Text content of node, copied to the pool; NULL for NULL. */
static const char *text(xmlNode *node)
{
    xmlChar *t;
    char *s;

    if (!node) {
        return NULL;
    }
    t = xmlNodeGetContent(node);
    s = apr_pstrdup(pool, (const char *)t);
    xmlFree(t);
    return s;
}

static const char *child_text(xmlNode *node, const char *name)
{
    return text(child(node, name));
}

static const char *attr(xmlNode *node, const char *name)
{
    xmlChar *v;
    char *s;

    if (!node) {
        return NULL;
    }
    v = xmlGetNoNsProp(node, (const xmlChar *)name);
    if (!v) {
        return NULL;
    }
    s = apr_pstrdup(pool, (const char *)v);
    xmlFree(v);
    return s;
}

/* Number of attributes on node. */
static int nattrs(xmlNode *node)
{
    xmlAttr *a;
    int n = 0;

    for (a = node ? node->properties : NULL; a; a = a->next) {
        n++;
    }
    return n;
}

/* 1 when no element or attribute in the subtree has a namespace. */
static int no_namespaces(xmlNode *node)
{
    xmlNode *c;
    xmlAttr *a;

    if (node->ns || node->nsDef) {
        return 0;
    }
    for (a = node->properties; a; a = a->next) {
        if (a->ns) {
            return 0;
        }
    }
    for (c = node->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE && !no_namespaces(c)) {
            return 0;
        }
    }
    return 1;
}

static xmlDoc *parse(const char *buf, apr_size_t len)
{
    return xmlReadMemory(buf, (int)len, NULL, "UTF-8", XML_PARSE_NONET);
}

static mac_account_t *make_account(const mac_server_t *servers, int n)
{
    mac_account_t *a = fx_account(pool, servers, n);

    a->login_template = "%EMAILLOCALPART%@%EMAILDOMAIN%";
    return a;
}

/* Check one server element against the expected values. */
static void check_server(xmlNode *n, const char *elem, const char *type,
                         const char *host, const char *port,
                         const char *sock, const char *auth,
                         const char *username, const char *what)
{
    if (!ok(n != NULL && strcmp((const char *)n->name, elem) == 0,
            "%s: <%s>", what, elem)) {
        return;
    }
    is_str(attr(n, "type"), type, apr_psprintf(pool, "%s: type=\"%s\"",
                                               what, type));
    is_int(nattrs(n), 1, apr_psprintf(pool, "%s: only the type attribute",
                                      what));
    is_str(child_text(n, "hostname"), host,
           apr_psprintf(pool, "%s: hostname", what));
    is_str(child_text(n, "port"), port, apr_psprintf(pool, "%s: port", what));
    is_str(child_text(n, "socketType"), sock,
           apr_psprintf(pool, "%s: socketType", what));
    is_str(child_text(n, "authentication"), auth,
           apr_psprintf(pool, "%s: authentication", what));
    if (username) {
        is_str(child_text(n, "username"), username,
               apr_psprintf(pool, "%s: username keeps the placeholders",
                            what));
        is_int(count_named(n, "username"), 1,
               apr_psprintf(pool, "%s: one username", what));
    }
    else {
        is_int(count_named(n, "username"), 0,
               apr_psprintf(pool, "%s: no username element", what));
    }
    {
        int nk;
        children(n, &nk);
        is_int(nk, username ? 5 : 4,
               apr_psprintf(pool, "%s: no other child elements", what));
    }
}

/* ------------------------------------------------------------ tests */

static void test_full_account(void)
{
    mac_server_t servers[6];
    mac_account_t *acct;
    apr_size_t len = 0;
    char *buf;
    xmlDoc *doc;
    xmlNode *root, *prov, **k;
    int nk, i;

    /* Deliberately out of order: SMTP first, POP3 before IMAP, IMAP split. */
    servers[0] = fx_server(MAC_PROTO_SMTP, "smtp.example.com", 465, MAC_SOCK_SSL,
                     MAC_AUTH_PASSWORD_CLEARTEXT);
    servers[1] = fx_server(MAC_PROTO_POP3, "pop.example.com", 995, MAC_SOCK_SSL,
                     MAC_AUTH_PASSWORD_ENCRYPTED);
    servers[2] = fx_server(MAC_PROTO_IMAP, "imap.example.com", 993, MAC_SOCK_SSL,
                     MAC_AUTH_OAUTH2);
    servers[3] = fx_server(MAC_PROTO_SMTP, "relay.example.com", 25,
                     MAC_SOCK_STARTTLS, MAC_AUTH_NONE);
    servers[4] = fx_server(MAC_PROTO_IMAP, "imap2.example.com", 143,
                     MAC_SOCK_STARTTLS, MAC_AUTH_PASSWORD_CLEARTEXT);
    servers[5] = fx_server(MAC_PROTO_POP3, "192.0.2.110", 110, MAC_SOCK_PLAIN,
                     MAC_AUTH_NTLM);
    acct = make_account(servers, 6);
    acct->display_name = "Example <Mail> & \"Friends\"";
    acct->short_name = "Ex'&<>";
    acct->doc_url = "https://example.com/help?a=1&b=\"2\"&c=<3>";
    acct->doc_text = "Read <this> & 'that'";

    buf = mac_tb_render(pool, acct, "example.org", &len);
    if (!ok(buf != NULL, "mac_tb_render returns a document")) {
        return;
    }
    is_int(len, strlen(buf), "*len is the document length");
    ok(strncmp(buf, "<?xml", 5) == 0, "starts with the XML declaration "
       "(no BOM, nothing before it)");
    ok(len > 0 && buf[len - 1] == '\n', "ends with a newline");

    doc = parse(buf, len);
    if (!ok(doc != NULL, "document is well-formed XML")) {
        diag("%s", buf);
        return;
    }
    is_str((const char *)doc->version, "1.0", "XML version 1.0");
    is_str((const char *)doc->encoding, "UTF-8", "declared encoding UTF-8");

    root = xmlDocGetRootElement(doc);
    is_str(root ? (const char *)root->name : NULL, "clientConfig",
           "root element clientConfig");
    is_str(attr(root, "version"), "1.1", "clientConfig@version = 1.1");
    is_int(nattrs(root), 1, "clientConfig has only the version attribute");
    ok(root && no_namespaces(root), "no namespaces anywhere");
    is_str(child_names(root), "emailProvider",
           "clientConfig has exactly one child, emailProvider");

    prov = child(root, "emailProvider");
    is_str(attr(prov, "id"), "example.org",
           "emailProvider@id is the domain asked for");

    k = children(prov, &nk);
    is_str(child_names(prov),
           "domain domain displayName displayShortName "
           "incomingServer incomingServer incomingServer incomingServer "
           "outgoingServer outgoingServer documentation",
           "emailProvider children in order; incoming before outgoing");
    if (nk != 11) {
        diag("%s", buf);
        xmlFreeDoc(doc);
        return;
    }
    is_str(text(k[0]), "example.com", "first domain");
    is_str(text(k[1]), "example.org", "second domain");
    is_str(text(k[2]), "Example <Mail> & \"Friends\"",
           "displayName with markup round-trips");
    is_str(text(k[3]), "Ex'&<>", "displayShortName with markup round-trips");

    /* IMAP (configured order), then POP3 (configured order), then SMTP */
    check_server(k[4], "incomingServer", "imap", "imap.example.com", "993",
                 "SSL", "OAuth2", "%EMAILLOCALPART%@%EMAILDOMAIN%",
                 "server 1 (imap)");
    check_server(k[5], "incomingServer", "imap", "imap2.example.com", "143",
                 "STARTTLS", "password-cleartext",
                 "%EMAILLOCALPART%@%EMAILDOMAIN%", "server 2 (imap2)");
    check_server(k[6], "incomingServer", "pop3", "pop.example.com", "995",
                 "SSL", "password-encrypted",
                 "%EMAILLOCALPART%@%EMAILDOMAIN%", "server 3 (pop3)");
    check_server(k[7], "incomingServer", "pop3", "192.0.2.110", "110",
                 "plain", "NTLM", "%EMAILLOCALPART%@%EMAILDOMAIN%",
                 "server 4 (pop3 plain)");
    check_server(k[8], "outgoingServer", "smtp", "smtp.example.com", "465",
                 "SSL", "password-cleartext",
                 "%EMAILLOCALPART%@%EMAILDOMAIN%", "server 5 (smtp)");
    check_server(k[9], "outgoingServer", "smtp", "relay.example.com", "25",
                 "STARTTLS", "none", NULL, "server 6 (smtp, auth none)");

    is_str(attr(k[10], "url"), "https://example.com/help?a=1&b=\"2\"&c=<3>",
           "documentation@url with markup round-trips");
    is_str(child_names(k[10]), "descr", "documentation has one descr");
    is_str(child_text(k[10], "descr"), "Read <this> & 'that'",
           "descr is the documentation text");

    for (i = 0; i < nk; i++) {
        if (strcmp((const char *)k[i]->name, "incomingServer") != 0
            && strcmp((const char *)k[i]->name, "outgoingServer") != 0
            && strcmp((const char *)k[i]->name, "documentation") != 0) {
            is_int(nattrs(k[i]), 0, apr_psprintf(pool, "<%s> has no "
                                                 "attributes",
                                                 (const char *)k[i]->name));
        }
    }
    xmlFreeDoc(doc);

    /* The same account for the other domain: only the id changes. */
    {
        apr_size_t len2;
        char *buf2 = mac_tb_render(pool, acct, "example.com", &len2);
        const char *a, *b;

        doc = parse(buf2, len2);
        root = xmlDocGetRootElement(doc);
        is_str(attr(child(root, "emailProvider"), "id"), "example.com",
               "rendered for the first domain: id follows");
        a = strstr(buf, "<domain>");
        b = strstr(buf2, "<domain>");
        ok(a && b && strcmp(a, b) == 0,
           "everything after the id is the same for both domains");
        xmlFreeDoc(doc);
    }
}

static void test_defaults(void)
{
    mac_server_t servers[2];
    mac_account_t *acct;
    apr_size_t len;
    char *buf;
    xmlDoc *doc;
    xmlNode *root, *prov;

    servers[0] = fx_server(MAC_PROTO_IMAP, "imap.example.com", 993, MAC_SOCK_SSL,
                     MAC_AUTH_PASSWORD_CLEARTEXT);
    servers[1] = fx_server(MAC_PROTO_SMTP, "smtp.example.com", 587,
                     MAC_SOCK_STARTTLS, MAC_AUTH_PASSWORD_CLEARTEXT);

    /* No display names, no documentation at all. */
    acct = make_account(servers, 2);
    buf = mac_tb_render(pool, acct, "example.com", &len);
    doc = parse(buf, len);
    if (!ok(doc != NULL, "minimal account: well-formed")) {
        return;
    }
    root = xmlDocGetRootElement(doc);
    prov = child(root, "emailProvider");
    is_str(child_names(prov),
           "domain domain displayName displayShortName incomingServer "
           "outgoingServer",
           "minimal account: no documentation element");
    is_str(child_text(prov, "displayName"), "example.com",
           "displayName defaults to the domain");
    is_str(child_text(prov, "displayShortName"), "example.com",
           "displayShortName defaults to the display name");
    xmlFreeDoc(doc);

    /* Display name but no short name; documentation without text. */
    acct->display_name = "Example & Co";
    acct->doc_url = "https://example.com/mail";
    buf = mac_tb_render(pool, acct, "example.com", &len);
    doc = parse(buf, len);
    if (!ok(doc != NULL, "documentation without text: well-formed")) {
        return;
    }
    prov = child(xmlDocGetRootElement(doc), "emailProvider");
    is_str(child_text(prov, "displayShortName"), "Example & Co",
           "displayShortName defaults to displayName");
    is_str(attr(child(prov, "documentation"), "url"),
           "https://example.com/mail", "documentation@url");
    is_str(child_text(child(prov, "documentation"), "descr"), "Example & Co",
           "documentation without text: descr is the display name");
    xmlFreeDoc(doc);

    /* Documentation text but no display name: descr is the text. */
    acct->display_name = NULL;
    acct->doc_text = "Settings";
    buf = mac_tb_render(pool, acct, "example.org", &len);
    doc = parse(buf, len);
    prov = child(xmlDocGetRootElement(doc), "emailProvider");
    is_str(child_text(child(prov, "documentation"), "descr"), "Settings",
           "documentation with text: descr is the text");
    is_str(child_text(prov, "displayName"), "example.org",
           "displayName defaults to the domain asked for");
    xmlFreeDoc(doc);

    /* Text without URL: no documentation element (the URL is required). */
    acct->doc_url = NULL;
    buf = mac_tb_render(pool, acct, "example.org", &len);
    doc = parse(buf, len);
    prov = child(xmlDocGetRootElement(doc), "emailProvider");
    is_int(count_named(prov, "documentation"), 0,
           "documentation text without a URL: no documentation element");
    xmlFreeDoc(doc);
}

/* The login template goes out verbatim (placeholders) but escaped. */
static void test_username(void)
{
    static const char *const templates[] = {
        "%EMAILADDRESS%",
        "%EMAILLOCALPART%",
        "%EMAILDOMAIN%\\%EMAILLOCALPART%",
        "<%EMAILLOCALPART%>&'\"",
        "j\xc3\xb6rg-%EMAILLOCALPART%",
    };
    mac_server_t servers[3];
    apr_size_t i;

    servers[0] = fx_server(MAC_PROTO_POP3, "pop.example.com", 995, MAC_SOCK_SSL,
                     MAC_AUTH_PASSWORD_CLEARTEXT);
    servers[1] = fx_server(MAC_PROTO_SMTP, "smtp.example.com", 465, MAC_SOCK_SSL,
                     MAC_AUTH_SMTP_AFTER_POP);
    servers[2] = fx_server(MAC_PROTO_SMTP, "smtp2.example.com", 465, MAC_SOCK_SSL,
                     MAC_AUTH_NONE);
    for (i = 0; i < sizeof(templates) / sizeof(templates[0]); i++) {
        mac_account_t *acct = make_account(servers, 3);
        apr_size_t len;
        char *buf;
        xmlDoc *doc;
        xmlNode *prov, **k;
        int nk;

        acct->login_template = templates[i];
        buf = mac_tb_render(pool, acct, "example.com", &len);
        doc = parse(buf, len);
        if (!ok(doc != NULL, "template \"%s\": well-formed", templates[i])) {
            continue;
        }
        prov = child(xmlDocGetRootElement(doc), "emailProvider");
        k = children(prov, &nk);
        if (ok(nk == 7, "  7 children")) {
            is_str(child_text(k[4], "username"), templates[i],
                   "  POP3 username is the template");
            is_str(child_text(k[5], "username"), templates[i],
                   "  SMTP-after-POP has a username too");
            is_int(count_named(k[6], "username"), 0,
                   "  auth none: no username");
            is_str(child_text(k[6], "authentication"), "none",
                   "  auth none: authentication none");
        }
        xmlFreeDoc(doc);
    }
}

/* Characters in values that XML cannot carry must not break the document. */
static void test_hostile_values(void)
{
    mac_server_t servers[1];
    mac_account_t *acct;
    apr_size_t len;
    char *buf;
    xmlDoc *doc;
    xmlNode *prov;

    servers[0] = fx_server(MAC_PROTO_IMAP, "imap.example.com", 993, MAC_SOCK_SSL,
                     MAC_AUTH_PASSWORD_CLEARTEXT);
    acct = make_account(servers, 1);
    acct->display_name = "bad\x01" "ctl \xff byte ]]> --> \xe2\x82\xac"
                         " nonchar \xef\xbf\xbf";
    acct->doc_url = "https://example.com/\"><x y='";
    acct->doc_text = "</descr></documentation><evil/>";
    buf = mac_tb_render(pool, acct, "example.com", &len);
    doc = parse(buf, len);
    if (!ok(doc != NULL, "hostile values: still well-formed")) {
        diag("%s", buf);
        return;
    }
    prov = child(xmlDocGetRootElement(doc), "emailProvider");
    is_str(child_text(prov, "displayName"),
           "bad\xef\xbf\xbd" "ctl \xef\xbf\xbd byte ]]> --> \xe2\x82\xac"
           " nonchar \xef\xbf\xbd",
           "control bytes, invalid bytes and U+FFFF become U+FFFD");
    is_str(attr(child(prov, "documentation"), "url"),
           "https://example.com/\"><x y='", "attribute cannot be broken out of");
    is_str(child_text(child(prov, "documentation"), "descr"),
           "</descr></documentation><evil/>", "element cannot be closed early");
    is_int(count_named(prov, "evil"), 0, "no injected element");
    xmlFreeDoc(doc);
}

int main(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);
    xmlInitParser();
    plan_no_plan();

    test_full_account();
    test_defaults();
    test_username();
    test_hostile_values();

    xmlCleanupParser();
    apr_pool_destroy(pool);
    apr_terminate();
    return done_testing();
}
