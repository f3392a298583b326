/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: Apple configuration profiles and their HTML page.
 * See mac_apple.h for what is written and why.
 */
#include <string.h>
#include <strings.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include <apr_sha1.h>
#include "mac_apple.h"
#include "mac_template.h"
#include "mac_buf.h"
#include "mac_escape.h"

/* mac_uuid5(RFC 4122 URL namespace, "urn:x-mod-mailautoconf:apple-profile:v1")
 * = 69A3DB21-25F6-5434-8E9F-5CDE5814FA70 (checked by the unit test).
 * Change the ":v1" only to give every address new profile identities. */
const unsigned char MAC_APPLE_NS[16] = {
    0x69, 0xa3, 0xdb, 0x21, 0x25, 0xf6, 0x54, 0x34,
    0x8e, 0x9f, 0x5c, 0xde, 0x58, 0x14, 0xfa, 0x70
};

/* The per-request slots this document uses beyond the address parts. */
#define SLOT_PROFILE_UUID MAC_SLOT_UUID1
#define SLOT_MAIL_UUID    MAC_SLOT_UUID2
#define SLOT_IDENT        MAC_SLOT_UUID3   /* PayloadIdentifier base */

struct mac_apple_t {
    const mac_doc_t *doc;
};

/* ------------------------------------------------------------------ */
/* UUIDs                                                                */

void mac_uuid5_bytes(const unsigned char ns[16], const char *name,
                     apr_size_t len, unsigned char out[16])
{
    apr_sha1_ctx_t ctx;
    unsigned char digest[APR_SHA1_DIGESTSIZE];

    apr_sha1_init(&ctx);
    apr_sha1_update_binary(&ctx, ns, 16);
    while (len > 0) {
        /* apr_sha1_update_binary takes an unsigned int length */
        unsigned int chunk = len > 0x10000000 ? 0x10000000 : (unsigned)len;
        apr_sha1_update_binary(&ctx, (const unsigned char *)name, chunk);
        name += chunk;
        len -= chunk;
    }
    apr_sha1_final(digest, &ctx);
    memcpy(out, digest, 16);
    out[6] = (unsigned char)((out[6] & 0x0F) | 0x50);  /* version 5 */
    out[8] = (unsigned char)((out[8] & 0x3F) | 0x80);  /* RFC variant */
}

static void uuid_format(const unsigned char u[16], char out[37])
{
    static const char hex[] = "0123456789ABCDEF";
    int i;
    char *o = out;

    for (i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            *o++ = '-';
        }
        *o++ = hex[u[i] >> 4];
        *o++ = hex[u[i] & 0x0F];
    }
    *o = '\0';
}

void mac_uuid5(const unsigned char ns[16], const char *name, apr_size_t len,
               char out[37])
{
    unsigned char u[16];

    mac_uuid5_bytes(ns, name, len, u);
    uuid_format(u, out);
}

/* ------------------------------------------------------------------ */
/* Names                                                                */

/* Decode the well-formed UTF-8 sequence at s (mac_utf8_valid has been
 * checked), return its code point and set *n to its length. */
static unsigned long utf8_decode(const unsigned char *s, apr_size_t *n)
{
    if (s[0] < 0x80) {
        *n = 1;
        return s[0];
    }
    if (s[0] < 0xE0) {
        *n = 2;
        return ((unsigned long)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
    }
    if (s[0] < 0xF0) {
        *n = 3;
        return ((unsigned long)(s[0] & 0x0F) << 12)
               | ((unsigned long)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
    }
    *n = 4;
    return ((unsigned long)(s[0] & 0x07) << 18)
           | ((unsigned long)(s[1] & 0x3F) << 12)
           | ((unsigned long)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
}

/* The checks of mac_apple_check_name; with_length 0 leaves out the length
 * limits (what may be typed back into the form). */
static const char *check_name(const char *name, apr_size_t len,
                              int with_length)
{
    const unsigned char *u = (const unsigned char *)name;
    apr_size_t i, n, chars = 0;

    if (len == 0) {
        return NULL;
    }
    if (!name) {
        return "the name is missing";
    }
    if (with_length && len > MAC_NAME_MAX_BYTES) {
        return "the name is too long (at most "
               APR_STRINGIFY(MAC_NAME_MAX) " characters)";
    }
    if (!mac_utf8_valid(name, len)) {
        return "the name is not valid UTF-8";
    }
    for (i = 0; i < len; i += n) {
        unsigned long cp = utf8_decode(u + i, &n);

        chars++;
        if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
            return "the name contains control characters";
        }
        if (cp == 0x2028 || cp == 0x2029) {
            return "the name contains line breaks";
        }
        if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069)) {
            return "the name contains text direction controls";
        }
        if (cp == 0xFFFE || cp == 0xFFFF) {
            return "the name contains characters that are not allowed";
        }
    }
    if (with_length && chars > MAC_NAME_MAX) {
        return "the name is too long (at most "
               APR_STRINGIFY(MAC_NAME_MAX) " characters)";
    }
    return NULL;
}

const char *mac_apple_check_name(const char *name, apr_size_t len)
{
    return check_name(name, len, 1);
}

int mac_apple_name_showable(const char *name, apr_size_t len)
{
    return name && len <= MAC_NAME_SHOW_BYTES
           && check_name(name, len, 0) == NULL;
}

/* ------------------------------------------------------------------ */
/* Compiling the profile                                                */

#define put mac_buf_add

static const char *esc(apr_pool_t *p, const char *s)
{
    return mac_xml_escape(p, s, strlen(s), NULL);
}

static void put_key(mac_buf_t *b, const char *indent, const char *key)
{
    put(b, indent);
    put(b, "<key>");
    put(b, key);            /* our own constant names, nothing to escape */
    put(b, "</key>\n");
}

/* A <string> whose content is already escaped or marked (raw). */
static void put_raw_string(mac_buf_t *b, const char *indent, const char *key,
                           const char *raw)
{
    put_key(b, indent, key);
    put(b, indent);
    put(b, "<string>");
    put(b, raw);
    put(b, "</string>\n");
}

static void put_string(mac_buf_t *b, const char *indent, const char *key,
                       const char *value)
{
    put_raw_string(b, indent, key, esc(b->p, value));
}

static void put_integer(mac_buf_t *b, const char *indent, const char *key,
                        int value)
{
    put_key(b, indent, key);
    put(b, apr_psprintf(b->p, "%s<integer>%d</integer>\n", indent, value));
}

static void put_bool(mac_buf_t *b, const char *indent, const char *key,
                     int value)
{
    put_key(b, indent, key);
    put(b, indent);
    put(b, value ? "<true/>\n" : "<false/>\n");
}

static const mac_server_t *first_server(const mac_account_t *acct,
                                        mac_proto_e proto)
{
    int i;

    for (i = 0; i < acct->servers->nelts; i++) {
        const mac_server_t *s = &APR_ARRAY_IDX(acct->servers, i,
                                               mac_server_t);
        if (s->proto == proto) {
            return s;
        }
    }
    return NULL;
}

/* Apple's name for a Thunderbird authentication method (see header). */
static const char *apple_auth(mac_auth_e auth)
{
    switch (auth) {
    case MAC_AUTH_PASSWORD_CLEARTEXT:
    case MAC_AUTH_GSSAPI:
    case MAC_AUTH_OAUTH2:
        return "EmailAuthPassword";
    case MAC_AUTH_PASSWORD_ENCRYPTED:
        return "EmailAuthCRAMMD5";
    case MAC_AUTH_NTLM:
        return "EmailAuthNTLM";
    case MAC_AUTH_CLIENT_IP:
    case MAC_AUTH_TLS_CLIENT_CERT:
    case MAC_AUTH_SMTP_AFTER_POP:
    case MAC_AUTH_NONE:
    default:
        return "EmailAuthNone";
    }
}

static int needs_password(mac_auth_e auth)
{
    return strcmp(apple_auth(auth), "EmailAuthNone") != 0;
}

static int use_ssl(mac_socket_e sock)
{
    return sock == MAC_SOCK_SSL || sock == MAC_SOCK_STARTTLS;
}

/* The Incoming... or Outgoing... keys for one server. */
static void put_server(mac_buf_t *b, const char *indent, const char *dir,
                       const mac_server_t *s, const char *login)
{
    put_string(b, indent, apr_pstrcat(b->p, dir, "MailServerAuthentication",
                                      NULL), apple_auth(s->auth));
    put_raw_string(b, indent, apr_pstrcat(b->p, dir, "MailServerHostName",
                                          NULL),
                   mac_template_mark(b->p, s->host, mac_xml_escape));
    put_integer(b, indent, apr_pstrcat(b->p, dir, "MailServerPortNumber",
                                       NULL), s->port);
    put_bool(b, indent, apr_pstrcat(b->p, dir, "MailServerUseSSL", NULL),
             use_ssl(s->socket));
    if (needs_password(s->auth)) {
        put_raw_string(b, indent, apr_pstrcat(b->p, dir, "MailServerUsername",
                                              NULL), login);
    }
}

mac_apple_t *mac_apple_compile(apr_pool_t *p, const mac_account_t *acct,
                               const char **err)
{
    const mac_server_t *in, *out;
    const char *A = mac_slot_mark(MAC_SLOT_ADDRESS);
    const char *N = mac_slot_mark(MAC_SLOT_NAME);
    const char *U1 = mac_slot_mark(SLOT_PROFILE_UUID);
    const char *U2 = mac_slot_mark(SLOT_MAIL_UUID);
    const char *ID = mac_slot_mark(SLOT_IDENT);
    const char *login, *account_descr, *org, *kind, *summary;
    const char *t1 = "\t", *t3 = "\t\t\t";
    apr_pool_t *tp;
    mac_buf_t b;
    char *rendered;
    mac_apple_t *a;

    in = first_server(acct, MAC_PROTO_IMAP);
    kind = "IMAP";
    if (!in) {
        in = first_server(acct, MAC_PROTO_POP3);
        kind = "POP";
    }
    out = first_server(acct, MAC_PROTO_SMTP);
    if (!in || !out) {
        *err = !in ? "an Apple profile needs an IMAP or a POP3 server"
                   : "an Apple profile needs an SMTP server";
        return NULL;
    }

    /* Scratch work in a subpool; only the compiled document stays. */
    if (apr_pool_create(&tp, p) != APR_SUCCESS) {
        *err = "out of memory";
        return NULL;
    }
    mac_buf_init(&b, tp);

    /* The login name: literal parts escaped, placeholders as slots. */
    login = mac_template_mark(tp, acct->login_template, mac_xml_escape);

    account_descr = acct->short_name ? esc(tp, acct->short_name)
                  : acct->display_name ? esc(tp, acct->display_name) : A;
    org = acct->display_name ? esc(tp, acct->display_name) : NULL;
    summary = apr_pstrcat(tp,
        "Adds the email account ", A,
        acct->display_name ? " of " : "", org ? org : "",
        " to Mail: incoming mail ", kind, " ",
        mac_template_mark(tp, in->host, mac_xml_escape), " port ",
        apr_itoa(tp, in->port), ", outgoing mail SMTP ",
        mac_template_mark(tp, out->host, mac_xml_escape),
        " port ", apr_itoa(tp, out->port),
        ". The profile contains no password: Mail asks for it.", NULL);

    put(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
            "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
            "<plist version=\"1.0\">\n"
            "<dict>\n");
    put_key(&b, t1, "PayloadContent");
    put(&b, "\t<array>\n\t\t<dict>\n");

    /* The mail payload; keys in the sorted order Apple's tools write. */
    put_raw_string(&b, t3, "EmailAccountDescription", account_descr);
    put_raw_string(&b, t3, "EmailAccountName", N);
    put_string(&b, t3, "EmailAccountType",
               in->proto == MAC_PROTO_IMAP ? "EmailTypeIMAP" : "EmailTypePOP");
    put_raw_string(&b, t3, "EmailAddress", A);
    put_server(&b, t3, "Incoming", in, login);
    put_server(&b, t3, "Outgoing", out, login);
    if (needs_password(in->auth) && needs_password(out->auth)) {
        put_bool(&b, t3, "OutgoingPasswordSameAsIncomingPassword", 1);
    }
    put_raw_string(&b, t3, "PayloadDescription",
                   apr_pstrcat(tp, "Configures Mail for ", A, ".", NULL));
    put_raw_string(&b, t3, "PayloadDisplayName",
                   apr_pstrcat(tp, "Email account ", A, NULL));
    put_raw_string(&b, t3, "PayloadIdentifier",
                   apr_pstrcat(tp, ID, ".mail", NULL));
    if (org) {
        put_raw_string(&b, t3, "PayloadOrganization", org);
    }
    put_string(&b, t3, "PayloadType", "com.apple.mail.managed");
    put_raw_string(&b, t3, "PayloadUUID", U2);
    put_integer(&b, t3, "PayloadVersion", 1);
    put(&b, "\t\t</dict>\n\t</array>\n");

    /* The profile itself. */
    put_raw_string(&b, t1, "PayloadDescription", summary);
    put_raw_string(&b, t1, "PayloadDisplayName",
                   apr_pstrcat(tp, "Email: ", A, NULL));
    put_raw_string(&b, t1, "PayloadIdentifier", ID);
    if (org) {
        put_raw_string(&b, t1, "PayloadOrganization", org);
    }
    put_string(&b, t1, "PayloadType", "Configuration");
    put_raw_string(&b, t1, "PayloadUUID", U1);
    put_integer(&b, t1, "PayloadVersion", 1);
    put(&b, "</dict>\n</plist>\n");

    rendered = mac_buf_join(&b, NULL);
    a = apr_palloc(p, sizeof(*a));
    a->doc = mac_doc_compile(p, rendered, strlen(rendered));
    apr_pool_destroy(tp);
    return a;
}

/* ------------------------------------------------------------------ */
/* Rendering per request                                                */

static void set_val(mac_values_t *v, int slot, const char *s, apr_size_t len)
{
    v->v[slot] = s;
    v->len[slot] = len;
}

/* "a.b.example.com" -> "com.example.b.a", keeping only [a-z0-9-] in
 * labels and dropping empty ones. */
static char *reverse_domain(apr_pool_t *p, const char *d)
{
    apr_size_t len = strlen(d), o = 0;
    char *out = apr_palloc(p, len + 1);
    const char *end = d + len, *label, *s;

    while (end > d) {
        label = end;
        while (label > d && label[-1] != '.') {
            label--;
        }
        if (label < end && o > 0) {
            out[o++] = '.';
        }
        for (s = label; s < end; s++) {
            char c = *s;
            if (c >= 'A' && c <= 'Z') {
                c = (char)(c - 'A' + 'a');
            }
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
                c = '-';
            }
            out[o++] = c;
        }
        end = label > d ? label - 1 : d;   /* skip the dot */
    }
    out[o] = '\0';
    return out;
}

char *mac_apple_render(apr_pool_t *p, const mac_apple_t *a,
                       const mac_addr_t *addr, const char *name,
                       apr_size_t *len)
{
    mac_values_t v;
    unsigned char ns[16], ns_addr[16];
    char u1[37], *u2, *lower_u1, *lower_addr, *ident;
    const char *e;
    apr_size_t alen = strlen(addr->address), elen, nlen = 0;

    memset(&v, 0, sizeof(v));
    mac_values_from_addr(p, &v, addr->address, addr->local, addr->domain,
                         mac_xml_escape);

    /* The name, without surrounding spaces; none: the address. */
    if (name) {
        nlen = strlen(name);
        while (nlen > 0 && *name == ' ') {
            name++;
            nlen--;
        }
        while (nlen > 0 && name[nlen - 1] == ' ') {
            nlen--;
        }
    }
    if (name && nlen > 0) {
        e = mac_xml_escape(p, name, nlen, &elen);
        set_val(&v, MAC_SLOT_NAME, e, elen);
    }
    else {
        set_val(&v, MAC_SLOT_NAME, v.v[MAC_SLOT_ADDRESS],
                v.len[MAC_SLOT_ADDRESS]);
    }

    /* Identity, from the domain and the lower-cased address. */
    lower_addr = mac_strlower(p, addr->address, alen);
    mac_uuid5_bytes(MAC_APPLE_NS, addr->domain, strlen(addr->domain), ns);
    mac_uuid5_bytes(ns, lower_addr, alen, ns_addr);
    mac_uuid5(ns_addr, "profile", sizeof("profile") - 1, u1);
    u2 = apr_palloc(p, 37);
    mac_uuid5(ns_addr, "com.apple.mail.managed",
              sizeof("com.apple.mail.managed") - 1, u2);
    lower_u1 = mac_strlower(p, u1, 36);
    ident = apr_pstrcat(p, reverse_domain(p, addr->domain), ".mailautoconf.",
                        lower_u1, NULL);
    set_val(&v, SLOT_PROFILE_UUID, apr_pstrmemdup(p, u1, 36), 36);
    set_val(&v, SLOT_MAIL_UUID, u2, 36);
    set_val(&v, SLOT_IDENT, ident, strlen(ident));

    return mac_doc_fill(p, a->doc, &v, len);
}

/* ------------------------------------------------------------------ */
/* File name                                                            */

const char *mac_apple_filename(apr_pool_t *p, const char *domain)
{
    static const char suffix[] = "-email.mobileconfig";
    apr_size_t len, i, o = 0;
    char *out;

    if (!domain) {
        domain = "";
    }
    while (*domain == '.') {
        domain++;
    }
    len = strlen(domain);
    if (len > 200) {          /* domains are at most 253 bytes; be brief */
        len = 200;
    }
    if (len == 0) {
        return "email.mobileconfig";
    }
    out = apr_palloc(p, len + sizeof(suffix));
    for (i = 0; i < len; i++) {
        char c = domain[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '.' || c == '_'
              || c == '-')) {
            c = '_';
        }
        out[o++] = c;
    }
    memcpy(out + o, suffix, sizeof(suffix));
    return out;
}

/* ------------------------------------------------------------------ */
/* The HTML page                                                        */

static const char page_style[] =
    "<style>\n"
    ":root{color-scheme:light dark}\n"
    "body{margin:0;padding:1rem;font:1.0625rem/1.5 -apple-system,"
    "system-ui,\"Segoe UI\",Roboto,sans-serif;color:#1d1d1f;"
    "background:#fff}\n"
    "main{max-width:32rem;margin:0 auto}\n"
    "h1{font-size:1.5rem;line-height:1.25;margin:.5rem 0 1rem}\n"
    "h2{font-size:1.2rem;margin:2rem 0 .5rem}\n"
    "h3{font-size:1.0625rem;margin:1rem 0 .25rem}\n"
    "ol{margin:.25rem 0;padding-left:1.5rem}\n"
    "a{color:#0a58ca}\n"
    "label{display:block;font-weight:600;margin-top:1rem}\n"
    ".opt,.hint{font-weight:400;color:#4a4a4f}\n"
    ".hint{display:block;font-size:.9375rem}\n"
    "input{box-sizing:border-box;width:100%;margin-top:.25rem;"
    "padding:.65rem .75rem;font:inherit;color:inherit;background:inherit;"
    "border:1px solid #6e6e73;border-radius:.5rem}\n"
    "input[aria-invalid=true]{border:2px solid #b3261e}\n"
    "button{width:100%;margin-top:1.5rem;padding:.75rem 1rem;font:inherit;"
    "font-weight:600;color:#fff;background:#0a58ca;border:0;"
    "border-radius:.5rem;cursor:pointer}\n"
    /* The ring stands 2px off the element, so on both of its sides is the
     * page's background: 3:1 or more against it in either scheme. */
    "a:focus-visible,input:focus-visible,button:focus-visible{"
    "outline:3px solid #1d1d1f;outline-offset:2px}\n"
    ".alert,.field-error{margin:.5rem 0 .25rem;padding:.5rem .75rem;"
    "border-left:4px solid #b3261e;background:#fdecea;color:#5c1511}\n"
    ".field-error{font-size:.9375rem}\n"
    "@media (prefers-color-scheme:dark){body{color:#f5f5f7;background:#1c1c1e}"
    "a{color:#8ab4f8}.opt,.hint{color:#c7c7cc}input{border-color:#8e8e93}"
    "input[aria-invalid=true]{border-color:#ff8a80}"
    "button{background:#3b82f6;color:#000}"
    "a:focus-visible,input:focus-visible,button:focus-visible{"
    "outline-color:#f5f5f7}"
    ".alert,.field-error{background:#3b1715;color:#ffd9d5}}\n"
    "</style>\n";

/* The message for field f (its id "<f>-error"), when the error is about
 * it. */
static void put_field_error(mac_buf_t *b, const mac_apple_page_t *pg,
                            mac_field_e f, const char *id)
{
    if (pg->error && pg->error_field == f) {
        mac_buf_addf(b, "<p class=\"field-error\" id=\"%s-error\">", id);
        mac_buf_add_xml(b, pg->error);
        put(b, "</p>\n");
    }
}

/* The attributes that tie field f to its message, or "". */
static const char *field_error_attrs(const mac_apple_page_t *pg,
                                     mac_field_e f)
{
    if (!pg->error || pg->error_field != f) {
        return "";
    }
    return " aria-invalid=\"true\" autofocus";
}

static void put_value(mac_buf_t *b, const mac_apple_page_t *pg,
                      const char *v)
{
    if (pg->error && v) {
        put(b, " value=\"");
        mac_buf_add_xml(b, v);
        put(b, "\"");
    }
}

char *mac_apple_page(apr_pool_t *p, const mac_account_t *acct,
                     const char *domain, const mac_apple_page_t *pg,
                     apr_size_t *len)
{
    static const mac_apple_page_t fresh;
    mac_buf_t b;
    const char *what;
    int on_name, on_addr;

    if (!pg) {
        pg = &fresh;
    }
    if (!domain || !*domain) {
        domain = acct->domains && acct->domains->nelts > 0
                 ? APR_ARRAY_IDX(acct->domains, 0, const char *) : "";
    }
    if (acct->display_name) {
        what = apr_pstrcat(p, esc(p, acct->display_name), " (",
                           esc(p, domain), ")", NULL);
    }
    else {
        what = esc(p, domain);
    }
    on_name = pg->error && pg->error_field == MAC_FIELD_NAME;
    on_addr = pg->error && pg->error_field == MAC_FIELD_ADDRESS;

    mac_buf_init(&b, p);
    put(&b, "<!DOCTYPE html>\n"
            "<html lang=\"en\">\n"
            "<head>\n"
            "<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, "
            "initial-scale=1\">\n"
            "<meta name=\"robots\" content=\"noindex\">\n"
            "<title>");
    put(&b, pg->error ? "Error: " : "");
    put(&b, "Set up ");
    put(&b, what);
    put(&b, " email on iPhone, iPad or Mac</title>\n");
    put(&b, page_style);
    put(&b, "</head>\n<body>\n<main>\n<h1>Set up ");
    put(&b, what);
    put(&b, " email on your iPhone, iPad or Mac</h1>\n");
    if (pg->error && !on_name && !on_addr) {
        put(&b, "<p id=\"error\" class=\"alert\" role=\"alert\">");
        mac_buf_add_xml(&b, pg->error);
        put(&b, "</p>\n");
    }
    put(&b, "<p>Your device downloads a configuration profile for this "
            "address, which adds the account to Mail once you install it. "
            "The profile contains no password: Mail asks you for it.</p>\n");
    put(&b, "<form method=\"get\"");
    if (pg->path) {
        put(&b, " action=\"");
        mac_buf_add_xml(&b, pg->path);
        put(&b, "\"");
    }
    put(&b, ">\n");
    put(&b, "<label for=\"" MAC_APPLE_Q_NAME "\">Your name "
            "<span class=\"opt\">(optional)</span></label>\n"
            "<span class=\"hint\" id=\"name-hint\">As the people you write "
            "to will see it, up to " APR_STRINGIFY(MAC_NAME_MAX)
            " characters</span>\n");
    put_field_error(&b, pg, MAC_FIELD_NAME, MAC_APPLE_Q_NAME);
    mac_buf_addf(&b, "<input id=\"" MAC_APPLE_Q_NAME "\" name=\""
                 MAC_APPLE_Q_NAME "\" type=\"text\" autocomplete=\"name\" "
                 "maxlength=\"%d\" aria-describedby=\"name-hint%s\"%s",
                 MAC_NAME_MAX, on_name ? " " MAC_APPLE_Q_NAME "-error" : "",
                 field_error_attrs(pg, MAC_FIELD_NAME));
    put_value(&b, pg, pg->name_value);
    put(&b, ">\n");
    put(&b, "<label for=\"" MAC_APPLE_Q_ADDRESS "\">Email address</label>\n");
    put_field_error(&b, pg, MAC_FIELD_ADDRESS, MAC_APPLE_Q_ADDRESS);
    mac_buf_addf(&b, "<input id=\"" MAC_APPLE_Q_ADDRESS "\" name=\""
                 MAC_APPLE_Q_ADDRESS "\" type=\"email\" "
                 "autocomplete=\"email\" autocapitalize=\"none\" "
                 "spellcheck=\"false\" required maxlength=\"%d\"%s%s",
                 MAC_ADDRESS_MAX,
                 on_addr ? " aria-describedby=\"" MAC_APPLE_Q_ADDRESS
                           "-error\"" : "",
                 field_error_attrs(pg, MAC_FIELD_ADDRESS));
    put_value(&b, pg, pg->addr_value);
    put(&b, ">\n");
    put(&b, "<button type=\"submit\">Download the profile</button>\n"
            "</form>\n");

    put(&b, "<h2 id=\"install\">Installing the profile</h2>\n"
            "<h3>iPhone or iPad</h3>\n<ol>\n"
            "<li>Open this page in Safari: other browsers cannot install "
            "profiles. Tap Download the profile, then Allow.</li>\n"
            "<li>Open Settings and tap Profile Downloaded near the top (or "
            "General, VPN &amp; Device Management).</li>\n"
            "<li>Tap Install and follow the steps; Mail then asks for your "
            "password.</li>\n</ol>\n"
            "<h3>Mac</h3>\n<ol>\n"
            "<li>Download the profile.</li>\n"
            "<li>Open System Settings, General, Device Management (on "
            "macOS 13: Privacy &amp; Security, Profiles), double-click the "
            "profile and click Install.</li>\n"
            "<li>Mail then asks for your password.</li>\n</ol>\n");
    if (!pg->profile_signed) {
        put(&b, "<p id=\"not-verified\">The profile is not signed, so your "
                "device shows it as \xe2\x80\x9cNot Verified\xe2\x80\x9d. "
                "That is expected; install it only if you opened this page "
                "from your email provider\xe2\x80\x99s address.</p>\n");
    }
    if (acct->doc_url && (strncasecmp(acct->doc_url, "https://", 8) == 0
                          || strncasecmp(acct->doc_url, "http://", 7) == 0)) {
        put(&b, "<p id=\"help\">More help: <a href=\"");
        mac_buf_add_xml(&b, acct->doc_url);
        put(&b, "\">");
        mac_buf_add_xml(&b, acct->doc_text ? acct->doc_text
                            : "setup instructions");
        put(&b, "</a></p>\n");
    }
    put(&b, "</main>\n</body>\n</html>\n");
    return mac_buf_join(&b, len);
}
