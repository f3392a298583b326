/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: Thunderbird's config-v1.1.xml.  See mac_thunderbird.h.
 */
#include <string.h>
#include <apr_strings.h>
#include "mac_thunderbird.h"
#include "mac_buf.h"

#define put     mac_buf_add
#define put_esc mac_buf_add_xml

/* <name>escaped value</name> on its own indented line. */
static void put_elem(mac_buf_t *b, const char *indent, const char *name,
                     const char *value)
{
    put(b, indent);
    put(b, "<");
    put(b, name);
    put(b, ">");
    put_esc(b, value);
    put(b, "</");
    put(b, name);
    put(b, ">\n");
}

static void put_server(mac_buf_t *b, const mac_account_t *acct,
                       const mac_server_t *s, const char *domain)
{
    const char *kind = s->proto == MAC_PROTO_SMTP ? "outgoingServer"
                                                  : "incomingServer";
    const char *in = "      ";

    put(b, apr_psprintf(b->p, "    <%s type=\"%s\">\n", kind,
                        mac_proto_name(s->proto)));
    put_elem(b, in, "hostname", mac_server_host(b->p, s, domain));
    put_elem(b, in, "port", apr_itoa(b->p, s->port));
    put_elem(b, in, "socketType", mac_socket_tb_name(s->socket));
    put_elem(b, in, "authentication", mac_auth_name(s->auth));
    if (s->auth != MAC_AUTH_NONE) {
        /* The template goes out as configured: Thunderbird itself
         * replaces %EMAILADDRESS%, %EMAILLOCALPART% and %EMAILDOMAIN%. */
        put_elem(b, in, "username", acct->login_template);
    }
    put(b, apr_psprintf(b->p, "    </%s>\n", kind));
}

char *mac_tb_render(apr_pool_t *p, const mac_account_t *acct,
                    const char *domain, apr_size_t *len)
{
    apr_pool_t *scratch;
    mac_buf_t b;
    const char *display, *shortname;
    int i;
    mac_proto_e order[] = { MAC_PROTO_IMAP, MAC_PROTO_POP3, MAC_PROTO_SMTP };
    unsigned k;
    apr_size_t n;
    char *out;

    /* The pieces live in a scratch pool; only the document stays. */
    if (apr_pool_create(&scratch, p) != APR_SUCCESS) {
        return NULL;
    }
    mac_buf_init(&b, scratch);
    display = acct->display_name ? acct->display_name : domain;
    shortname = acct->short_name ? acct->short_name : display;

    put(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<clientConfig version=\"1.1\">\n"
            "  <emailProvider id=\"");
    put_esc(&b, domain);
    put(&b, "\">\n");
    if (acct->domains->nelts <= MAC_TB_MAX_LISTED) {
        for (i = 0; i < acct->domains->nelts; i++) {
            put_elem(&b, "    ", "domain",
                     APR_ARRAY_IDX(acct->domains, i, const char *));
        }
    }
    else {
        /* A provider with many domains does not publish its customer list
         * in every answer (nor make every answer grow with it). */
        put_elem(&b, "    ", "domain", domain);
    }
    put_elem(&b, "    ", "displayName", display);
    put_elem(&b, "    ", "displayShortName", shortname);
    /* Incoming servers must precede outgoing ones in this format. */
    for (k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
        for (i = 0; i < acct->servers->nelts; i++) {
            const mac_server_t *s = &APR_ARRAY_IDX(acct->servers, i,
                                                   mac_server_t);
            if (s->proto == order[k]) {
                put_server(&b, acct, s, domain);
            }
        }
    }
    if (acct->doc_url) {
        put(&b, "    <documentation url=\"");
        put_esc(&b, acct->doc_url);
        put(&b, "\">\n");
        put_elem(&b, "      ", "descr",
                 acct->doc_text ? acct->doc_text : display);
        put(&b, "    </documentation>\n");
    }
    put(&b, "  </emailProvider>\n</clientConfig>\n");

    out = mac_buf_join(&b, &n);
    out = apr_pstrmemdup(p, out, n);
    apr_pool_destroy(scratch);
    if (len) {
        *len = n;
    }
    return out;
}
