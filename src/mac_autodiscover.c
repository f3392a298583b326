/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: Outlook Autodiscover answers.  See mac_autodiscover.h.
 */
#include <string.h>
#include <apr_strings.h>
#include "mac_autodiscover.h"
#include "mac_escape.h"

const char mac_ad_v2_error_json[] =
    "{\"ErrorCode\":\"InvalidProtocol\",\"ErrorMessage\":\"The given "
    "protocol value is invalid. Supported values are 'AutodiscoverV1'.\"}";

static const char *xml_esc(apr_pool_t *p, const char *s)
{
    return mac_xml_escape(p, s, strlen(s), NULL);
}

static const char *protocol_xml(apr_pool_t *p, const mac_account_t *acct,
                                const mac_server_t *s)
{
    static const char *const types[MAC_PROTO_COUNT] = {
        "IMAP", "POP3", "SMTP"
    };
    static const char *const enc[] = { "SSL", "TLS", "None" };
    const char *smtp_only = "";

    if (s->proto == MAC_PROTO_SMTP) {
        smtp_only = apr_psprintf(p,
            "        <UsePOPAuth>%s</UsePOPAuth>\n"
            "        <SMTPLast>off</SMTPLast>\n",
            s->auth == MAC_AUTH_SMTP_AFTER_POP ? "on" : "off");
    }
    return apr_psprintf(p,
        "      <Protocol>\n"
        "        <Type>%s</Type>\n"
        "        <Server>%s</Server>\n"
        "        <Port>%d</Port>\n"
        "        <LoginName>%s</LoginName>\n"
        "        <DomainRequired>off</DomainRequired>\n"
        "        <SPA>%s</SPA>\n"
        "        <SSL>%s</SSL>\n"
        "        <Encryption>%s</Encryption>\n"
        "        <AuthRequired>%s</AuthRequired>\n"
        "%s"
        "      </Protocol>\n",
        types[s->proto], mac_template_mark(p, s->host, mac_xml_escape),
        s->port,
        mac_template_mark(p, acct->login_template, mac_xml_escape),
        s->auth == MAC_AUTH_NTLM ? "on" : "off",
        s->socket == MAC_SOCK_PLAIN ? "off" : "on",
        enc[s->socket],
        (s->auth == MAC_AUTH_NONE || s->auth == MAC_AUTH_CLIENT_IP
         || s->auth == MAC_AUTH_SMTP_AFTER_POP) ? "off" : "on",
        smtp_only);
}

static mac_doc_t *compile_outlook(apr_pool_t *p, const mac_account_t *acct)
{
    apr_array_header_t *parts = apr_array_make(p, 8, sizeof(const char *));
    const char *out;
    int i;

    APR_ARRAY_PUSH(parts, const char *) =
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
        "<Autodiscover xmlns=\"" MAC_AD_NS_RESPONSE "\">\n"
        "  <Response xmlns=\"" MAC_AD_NS_OUTLOOK "\">\n"
        "    <Account>\n"
        "      <AccountType>email</AccountType>\n"
        "      <Action>settings</Action>\n";
    /* Incoming first, in configured order, then SMTP; the servers array
     * is already in that order. */
    for (i = 0; i < acct->servers->nelts; i++) {
        APR_ARRAY_PUSH(parts, const char *) = protocol_xml(p, acct,
            &APR_ARRAY_IDX(acct->servers, i, mac_server_t));
    }
    APR_ARRAY_PUSH(parts, const char *) =
        "    </Account>\n"
        "  </Response>\n"
        "</Autodiscover>\n";
    out = apr_array_pstrcat(p, parts, 0);
    return mac_doc_compile(p, out, strlen(out));
}

static mac_doc_t *compile_mobilesync(apr_pool_t *p, const mac_account_t *acct,
                                     const char *url)
{
    const char *u = xml_esc(p, url);
    const char *out = apr_pstrcat(p,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
        "<Autodiscover xmlns=\"" MAC_AD_NS_RESPONSE "\">\n"
        "  <Response xmlns=\"" MAC_AD_NS_MOBILESYNC "\">\n"
        "    <Culture>en:us</Culture>\n"
        "    <User>\n"
        "      <EMailAddress>", mac_slot_mark(MAC_SLOT_ADDRESS),
        "</EMailAddress>\n"
        "    </User>\n"
        "    <Action>\n"
        "      <Settings>\n"
        "        <Server>\n"
        "          <Type>MobileSync</Type>\n"
        "          <Url>", u, "</Url>\n"
        "          <Name>", u, "</Name>\n"
        "        </Server>\n"
        "      </Settings>\n"
        "    </Action>\n"
        "  </Response>\n"
        "</Autodiscover>\n", NULL);

    (void)acct;
    return mac_doc_compile(p, out, strlen(out));
}

static const char *v2_json(apr_pool_t *p, const char *protocol,
                           const char *url, apr_size_t *len)
{
    const char *out = apr_pstrcat(p, "{\"Protocol\":\"", protocol,
                                  "\",\"Url\":\"",
                                  mac_json_escape(p, url, strlen(url), NULL),
                                  "\"}", NULL);
    *len = strlen(out);
    return out;
}

mac_ad_t *mac_ad_compile(apr_pool_t *p, const mac_account_t *acct,
                         const char *activesync_url)
{
    mac_ad_t *ad = apr_pcalloc(p, sizeof(*ad));

    ad->outlook = compile_outlook(p, acct);
    if (activesync_url) {
        ad->mobilesync = compile_mobilesync(p, acct, activesync_url);
    }
    return ad;
}

mac_ad_v2_t *mac_ad_v2_compile(apr_pool_t *p, const char *pox_url,
                               const char *activesync_url)
{
    mac_ad_v2_t *v2 = apr_pcalloc(p, sizeof(*v2));

    v2->json = v2_json(p, "AutodiscoverV1", pox_url, &v2->json_len);
    if (activesync_url) {
        v2->json_as = v2_json(p, "ActiveSync", activesync_url,
                              &v2->json_as_len);
    }
    return v2;
}

const mac_doc_t *mac_ad_pick(const mac_ad_t *ad, const char *schema)
{
    if (!schema || strcmp(schema, MAC_AD_NS_OUTLOOK) == 0) {
        return ad->outlook;
    }
    if (strcmp(schema, MAC_AD_NS_MOBILESYNC) == 0) {
        return ad->mobilesync;
    }
    return NULL;
}

char *mac_ad_fill(apr_pool_t *p, const mac_doc_t *doc, const char *address,
                  const char *local, const char *domain, apr_size_t *len)
{
    mac_values_t vals;

    memset(&vals, 0, sizeof(vals));
    mac_values_from_addr(p, &vals, address, local, domain, mac_xml_escape);
    return mac_doc_fill(p, doc, &vals, len);
}

char *mac_ad_error(apr_pool_t *p, int code, apr_time_t now, unsigned long id,
                   apr_size_t *len)
{
    apr_time_exp_t t;
    const char *msg;
    char *out;

    switch (code) {
    case MAC_AD_ERROR_SCHEMA:
        msg = "The requested response schema is not provided here";
        break;
    case MAC_AD_ERROR_NOT_FOUND:
        msg = "The email address can't be found.";
        break;
    default:
        code = MAC_AD_ERROR_INVALID_REQUEST;
        msg = "Invalid Request";
        break;
    }
    apr_time_exp_gmt(&t, now);
    out = apr_psprintf(p,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
        "<Autodiscover xmlns=\"" MAC_AD_NS_RESPONSE "\">\n"
        "  <Response>\n"
        "    <Error Time=\"%02d:%02d:%02d.%06d\" Id=\"%lu\">\n"
        "      <ErrorCode>%d</ErrorCode>\n"
        "      <Message>%s</Message>\n"
        "      <DebugData />\n"
        "    </Error>\n"
        "  </Response>\n"
        "</Autodiscover>\n",
        t.tm_hour, t.tm_min, t.tm_sec, t.tm_usec, id, code, msg);
    if (len) {
        *len = strlen(out);
    }
    return out;
}
