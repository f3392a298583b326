/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: Apple configuration profiles (.mobileconfig) and the
 * HTML page that asks for the address to put in one.
 *
 * iOS, iPadOS and macOS Mail do not look up autoconfig documents; they
 * install a "configuration profile": an XML property list holding one
 * com.apple.mail.managed payload.  The profile is rendered once per
 * account at startup with slots (mac_template.h) for the values that
 * depend on the request, and filled per request.  Signing it is
 * mac_sign.h's business.
 *
 * Profile content (key names, types and allowed values as in Apple's
 * device-management schema: TopLevel, CommonPayloadKeys,
 * com.apple.mail.managed):
 *
 *   top level   PayloadType "Configuration", PayloadVersion 1,
 *               PayloadIdentifier, PayloadUUID, PayloadDisplayName
 *               "Email: ADDRESS", PayloadDescription, PayloadOrganization
 *               (the display name, only when one is configured),
 *               PayloadContent = [ one mail payload ]
 *   mail        PayloadType "com.apple.mail.managed", PayloadVersion 1,
 *               PayloadIdentifier, PayloadUUID, PayloadDisplayName,
 *               PayloadDescription, PayloadOrganization (as above),
 *               EmailAccountType, EmailAccountDescription,
 *               EmailAccountName, EmailAddress,
 *               Incoming/OutgoingMailServerHostName, ...PortNumber
 *               (<integer>), ...UseSSL (<true/>/<false/>),
 *               ...Authentication, ...Username,
 *               OutgoingPasswordSameAsIncomingPassword
 *
 * Texts: EmailAccountDescription (the account's name in Mail's list) is
 * the short name, else the display name, else the address;
 * EmailAccountName (the sender name on sent mail) is the person's name,
 * else the address; PayloadDescription names the address, the servers and
 * says that no password is included.
 *
 * No password key is ever written: Mail asks for the password when the
 * profile is installed (OutgoingPasswordSameAsIncomingPassword makes it
 * ask once).
 *
 * Which servers: the FIRST configured IMAP server (EmailTypeIMAP), or when
 * there is none the first POP3 server (EmailTypePOP); the first SMTP
 * server.  The configured order is the operator's preference, and a
 * profile holds exactly one incoming and one outgoing server.
 *
 * Socket type -> ...UseSSL:
 *   ssl       true   (implicit TLS, e.g. 993, 995, 465)
 *   starttls  true   (Apple's "Use SSL" means "use TLS"; on a port that
 *                     does not start with a TLS handshake, e.g. 143, 110,
 *                     587, Mail negotiates STARTTLS.  Apple's own iCloud
 *                     settings say "SSL required: yes" for SMTP port 587,
 *                     which only speaks STARTTLS.  With false, Mail may
 *                     still upgrade opportunistically but will also log in
 *                     in clear text if STARTTLS is stripped, so false would
 *                     only weaken the account.)
 *   plain     false
 * Apple's schema has no separate STARTTLS key; the port says which.
 *
 * Authentication (Thunderbird's names, as configured) ->
 * ...Authentication (Apple's values):
 *   password-cleartext  EmailAuthPassword
 *   password-encrypted  EmailAuthCRAMMD5
 *   NTLM                EmailAuthNTLM
 *   GSSAPI, OAuth2      EmailAuthPassword  (Apple's payload can express
 *                       neither; a password prompt is the only way the
 *                       account can work, e.g. with an app password)
 *   client-IP-address, TLS-client-cert, SMTP-after-POP, none
 *                       EmailAuthNone      (no password is sent)
 * With EmailAuthNone the ...Username key is left out.
 * OutgoingPasswordSameAsIncomingPassword is <true/> when both servers ask
 * for a password, else left out.  EmailAuthHTTPMD5 is never produced.
 *
 * Identifiers: all derived, deterministically, from the lower-cased
 * address, so the same address always gets the same profile identity
 * (installing it again replaces the old one), two addresses never share
 * one, and nothing needs storing:
 *   ns      = mac_uuid5(MAC_APPLE_NS, domain)      domain of the address
 *   ns_addr = mac_uuid5(ns, lower-cased address)
 *   PayloadUUID (profile) = mac_uuid5(ns_addr, "profile")
 *   PayloadUUID (mail)    = mac_uuid5(ns_addr, "com.apple.mail.managed")
 *   PayloadIdentifier (profile) = reversed domain + ".mailautoconf." +
 *                                 lower-case profile UUID, e.g.
 *     com.example.mailautoconf.0f6c5c1e-8d2a-5b1e-9c3b-6f8e2a9d4b7c
 *   PayloadIdentifier (mail)    = the profile's + ".mail"
 * MAC_APPLE_NS is mac_uuid5(RFC 4122 URL namespace,
 * "urn:x-mod-mailautoconf:apple-profile:v1").  Identifiers consist of
 * [a-z0-9.-] only.
 *
 * Values: every configured string is XML-escaped at compile time; the
 * address, local part, domain and name are XML-escaped once per request
 * (the login name is the marked login template, so it is filled from the
 * same escaped slot values).
 *
 * HTTP (for the httpd glue): serve the profile as
 * "application/x-apple-aspen-config" with
 * Content-Disposition: attachment; filename="<mac_apple_filename()>".
 *
 * Depends on APR and APR-util (apr_sha1) only.
 */
#ifndef MAC_APPLE_H
#define MAC_APPLE_H

#include <apr_pools.h>
#include "mac_account.h"
#include "mac_addr.h"

/* Longest accepted person's name, in characters (Unicode code points:
 * the page's maxlength counts UTF-16 code units, never fewer, so what the
 * browser lets through the server accepts), and a cap in bytes of UTF-8
 * (4 per character at most). */
#define MAC_NAME_MAX 128
#define MAC_NAME_MAX_BYTES (4 * MAC_NAME_MAX)
/* Longest name typed back into the form after an error, in bytes. */
#define MAC_NAME_SHOW_BYTES (8 * MAC_NAME_MAX)

/* Query parameters the page's form submits (GET). */
#define MAC_APPLE_Q_ADDRESS "emailaddress"
#define MAC_APPLE_Q_NAME    "name"

/* Media type of a profile, signed or not. */
#define MAC_APPLE_CONTENT_TYPE "application/x-apple-aspen-config"

/* The namespace all profile UUIDs descend from (see above), as bytes. */
extern const unsigned char MAC_APPLE_NS[16];

typedef struct mac_apple_t mac_apple_t;

/* At startup: pre-render the profile for acct into a compiled document
 * with slots.  Everything is allocated from p (use the configuration pool;
 * the result is read-only afterwards and may be shared by all threads).
 * Returns NULL and sets *err (static or from p) when the account has
 * neither an IMAP nor a POP3 server, or no SMTP server. */
mac_apple_t *mac_apple_compile(apr_pool_t *p, const mac_account_t *acct,
                               const char **err);

/* Per request: the profile for one validated address (mac_addr_parse)
 * and a name that passed mac_apple_check_name (NULL, empty or only spaces:
 * the address is used as name).  Returns the bytes (NUL-terminated, from
 * p) and sets *len (may be NULL).  Thread-safe; allocates only from p. */
char *mac_apple_render(apr_pool_t *p, const mac_apple_t *a,
                       const mac_addr_t *addr, const char *name,
                       apr_size_t *len);

/* Validate a person's name from the query (len bytes, may contain NULs).
 * Returns NULL when acceptable (an empty name is), else a short static
 * reason safe to show and log (it never quotes the input).  Refused: more
 * than MAC_NAME_MAX characters or MAC_NAME_MAX_BYTES bytes; invalid UTF-8;
 * C0 controls (incl. NUL, TAB, CR, LF), DEL, C1 controls; U+2028/U+2029;
 * the bidirectional embedding, override and isolate controls
 * (U+202A-U+202E, U+2066-U+2069); the noncharacters U+FFFE/U+FFFF, which
 * XML cannot carry.  Markup characters (< & " ' >) are fine: they are
 * escaped. */
const char *mac_apple_check_name(const char *name, apr_size_t len);

/* 1 when a name may be typed back into the form: it passes
 * mac_apple_check_name but for its length, and is at most
 * MAC_NAME_SHOW_BYTES bytes. */
int mac_apple_name_showable(const char *name, apr_size_t len);

/* Name-based UUID, RFC 9562 (RFC 4122) version 5 (SHA-1): ns is the
 * namespace UUID in network byte order, name[0..len) the name.  Writes 36
 * upper-case characters and a NUL to out. */
void mac_uuid5(const unsigned char ns[16], const char *name, apr_size_t len,
               char out[37]);

/* The same as 16 bytes (for use as a further namespace). */
void mac_uuid5_bytes(const unsigned char ns[16], const char *name,
                     apr_size_t len, unsigned char out[16]);

/* A file name for Content-Disposition made only of [A-Za-z0-9._-]:
 * "<domain>-email.mobileconfig" (other characters become '_', leading
 * dots are dropped; NULL or empty domain: "email.mobileconfig"). */
const char *mac_apple_filename(apr_pool_t *p, const char *domain);

/* The form field an error is about. */
typedef enum {
    MAC_FIELD_NONE = 0,      /* the request as a whole */
    MAC_FIELD_NAME,
    MAC_FIELD_ADDRESS
} mac_field_e;

/* What the page shows besides the account. */
typedef struct {
    const char *path;         /* the form's action, a URL path (e.g. the
                               * request's unparsed path); NULL: no action
                               * attribute (the form submits to the page's
                               * own URL) */
    const char *error;        /* NULL: the fresh page */
    mac_field_e error_field;  /* which field error is about */
    const char *name_value;   /* typed back when error is set: raw query */
    const char *addr_value;   /* values, may be NULL, any bytes */
    int profile_signed;       /* the profile handed out is signed */
} mac_apple_page_t;

/* The HTML page answering a GET without an address: a small valid HTML5
 * document (UTF-8, no script, no external resources) whose title and
 * heading name the display name (or, without one, the domain) and the
 * domain, with a GET form with labelled fields MAC_APPLE_Q_NAME (marked
 * optional, at most MAC_NAME_MAX characters) and MAC_APPLE_Q_ADDRESS, a
 * sentence saying what happens, short steps to install the profile on an
 * iPhone or iPad (Safari, Settings, "Profile Downloaded") and on a Mac
 * (System Settings, Device Management), for an unsigned profile a note
 * that it shows as "Not Verified", and a link to the account's
 * documentation (doc_url, doc_text) when it has one.
 *
 * With pg->error: the title starts with "Error: ", the message stands
 * right above the field it is about (id "<field>-error"; for
 * MAC_FIELD_NONE a role="alert" paragraph with id "error" above the form),
 * and that field alone has aria-invalid="true", aria-describedby naming
 * the message, and autofocus (the page runs no script).  name_value and
 * addr_value are refilled.  Every value is escaped.  Sets *len (may be
 * NULL).  Serve it as "text/html; charset=utf-8". */
char *mac_apple_page(apr_pool_t *p, const mac_account_t *acct,
                     const char *domain, const mac_apple_page_t *pg,
                     apr_size_t *len);

#endif /* MAC_APPLE_H */
