/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * Unit tests for src/mac_dns.[ch]: the DNS records to publish and their
 * zone-file text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include "tap.h"
#include "fixture.h"
#include "mac_account.h"
#include "mac_dns.h"

static apr_pool_t *pool;

/* ------------------------------------------------------------ helpers */

/* The records as "NAME TYPE VALUE" lines ("NAME -" for an advisory),
 * joined with newlines: one string to compare in full. */
static const char *summary(const apr_array_header_t *rrs)
{
    const char *s = "";
    int i;

    for (i = 0; i < rrs->nelts; i++) {
        const mac_dns_rr_t *rr = &APR_ARRAY_IDX(rrs, i, mac_dns_rr_t);
        if (rr->type) {
            s = apr_pstrcat(pool, s, rr->name, " ", rr->type, " ", rr->value,
                            "\n", NULL);
        }
        else {
            s = apr_pstrcat(pool, s, rr->name, " -\n", NULL);
        }
    }
    return s;
}

/* The idx-th record (0-based) named name, or NULL. */
static const mac_dns_rr_t *find(const apr_array_header_t *rrs,
                                const char *name, int idx)
{
    int i;

    for (i = 0; i < rrs->nelts; i++) {
        const mac_dns_rr_t *rr = &APR_ARRAY_IDX(rrs, i, mac_dns_rr_t);
        if (strcmp(rr->name, name) == 0 && idx-- == 0) {
            return rr;
        }
    }
    return NULL;
}

static int count_name(const apr_array_header_t *rrs, const char *name)
{
    int i, n = 0;

    for (i = 0; i < rrs->nelts; i++) {
        n += strcmp(APR_ARRAY_IDX(rrs, i, mac_dns_rr_t).name, name) == 0;
    }
    return n;
}

/* Every entry: absolute owner name, a comment, type and value both set or
 * both NULL; SRV values have four fields with a trailing-dot target. */
static int all_well_formed(const apr_array_header_t *rrs, const char **why)
{
    int i;

    for (i = 0; i < rrs->nelts; i++) {
        const mac_dns_rr_t *rr = &APR_ARRAY_IDX(rrs, i, mac_dns_rr_t);
        size_t n = strlen(rr->name);

        *why = rr->name;
        if (n == 0 || rr->name[n - 1] != '.' || !rr->comment
            || !*rr->comment || (!rr->type != !rr->value)) {
            return 0;
        }
        if (rr->type && strcmp(rr->type, "SRV") == 0) {
            int pri, w, port, used = 0;
            char target[300];
            if (sscanf(rr->value, "%d %d %d %299s%n", &pri, &w, &port,
                       target, &used) != 4
                || (size_t)used != strlen(rr->value)
                || target[strlen(target) - 1] != '.' || pri < 0
                || port < 0 || port > 65535) {
                return 0;
            }
        }
        if (rr->type && strcmp(rr->type, "CNAME") == 0
            && rr->value[strlen(rr->value) - 1] != '.') {
            return 0;
        }
    }
    return 1;
}

/* ------------------------------------------------------------ tests */

static void test_realistic(void)
{
    mac_server_t s[5];
    mac_account_t *acct;
    apr_array_header_t *rrs;
    const mac_dns_rr_t *rr;
    const char *why = "";

    /* Out of order across protocols on purpose. */
    s[0] = fx_server(MAC_PROTO_SMTP, "smtp.example.com", 465, MAC_SOCK_SSL,
               MAC_AUTH_PASSWORD_CLEARTEXT);
    s[1] = fx_server(MAC_PROTO_IMAP, "imap.example.com", 993, MAC_SOCK_SSL,
               MAC_AUTH_PASSWORD_CLEARTEXT);
    s[2] = fx_server(MAC_PROTO_SMTP, "smtp.example.com", 587, MAC_SOCK_STARTTLS,
               MAC_AUTH_PASSWORD_CLEARTEXT);
    s[3] = fx_server(MAC_PROTO_IMAP, "imap.example.com", 143, MAC_SOCK_STARTTLS,
               MAC_AUTH_PASSWORD_CLEARTEXT);
    acct = fx_account(pool, s, 4);

    rrs = mac_dns_records(pool, acct, "example.com", "web.example.net", 443);
    if (!ok(rrs != NULL, "mac_dns_records returns an array")) {
        return;
    }
    is_str(summary(rrs),
           "autoconfig.example.com. CNAME web.example.net.\n"
           "autodiscover.example.com. CNAME web.example.net.\n"
           "_autodiscover._tcp.example.com. SRV 0 0 443 web.example.net.\n"
           "_imaps._tcp.example.com. SRV 0 1 993 imap.example.com.\n"
           "_imap._tcp.example.com. SRV 1 1 143 imap.example.com.\n"
           "_pop3s._tcp.example.com. SRV 0 0 0 .\n"
           "_pop3._tcp.example.com. SRV 0 0 0 .\n"
           "_submissions._tcp.example.com. SRV 0 1 465 smtp.example.com.\n"
           "_submission._tcp.example.com. SRV 1 1 587 smtp.example.com.\n",
           "realistic account: every record, in order");
    ok(all_well_formed(rrs, &why), "realistic: all entries well-formed "
       "(last looked at: %s)", why);

    rr = find(rrs, "_imaps._tcp.example.com.", 0);
    ok(rr && strstr(rr->comment, "RFC 8314"), "_imaps comment cites RFC 8314");
    rr = find(rrs, "_imap._tcp.example.com.", 0);
    ok(rr && strstr(rr->comment, "STARTTLS") && strstr(rr->comment,
                                                       "RFC 6186"),
       "_imap comment says STARTTLS, RFC 6186");
    rr = find(rrs, "_pop3s._tcp.example.com.", 0);
    ok(rr && strstr(rr->comment, "not offered"),
       "_pop3s comment says not offered");
    rr = find(rrs, "autoconfig.example.com.", 0);
    ok(rr && rr->comment && *rr->comment, "CNAME has a comment");

    /* The second domain: same servers, its own names. */
    rrs = mac_dns_records(pool, acct, "example.org", "WEB.Example.NET.",
                          8443);
    rr = find(rrs, "_autodiscover._tcp.example.org.", 0);
    is_str(rr ? rr->value : NULL, "0 0 8443 web.example.net.",
           "https port and web host (case folded, trailing dot ignored) in "
           "the _autodiscover SRV record");
    rr = find(rrs, "autoconfig.example.org.", 0);
    is_str(rr ? rr->value : NULL, "web.example.net.",
           "CNAME target lower case with one trailing dot");
    rr = find(rrs, "_submissions._tcp.example.org.", 0);
    is_str(rr ? rr->value : NULL, "0 1 465 smtp.example.com.",
           "second domain: SRV points at the same servers");

    rrs = mac_dns_records(pool, acct, "example.com", "web.example.net", 0);
    rr = find(rrs, "_autodiscover._tcp.example.com.", 0);
    is_str(rr ? rr->value : NULL, "0 0 443 web.example.net.",
           "https port 0 is taken as 443");
    rrs = mac_dns_records(pool, acct, "example.com", "web.example.net",
                          70000);
    rr = find(rrs, "_autodiscover._tcp.example.com.", 0);
    is_str(rr ? rr->value : NULL, "0 0 443 web.example.net.",
           "https port 70000 is taken as 443");
}

static void test_host_template(void)
{
    mac_server_t s[1];
    mac_account_t *acct;
    apr_array_header_t *rrs;
    const mac_dns_rr_t *rr;

    s[0] = fx_server(MAC_PROTO_IMAP, "mail.%EMAILDOMAIN%", 993, MAC_SOCK_SSL,
               MAC_AUTH_PASSWORD_CLEARTEXT);
    acct = fx_account(pool, s, 1);
    rrs = mac_dns_records(pool, acct, "customer.org", "web.example.net",
                          443);
    rr = find(rrs, "_imaps._tcp.customer.org.", 0);
    is_str(rr ? rr->value : NULL, "0 1 993 mail.customer.org.",
           "a host template is filled with the domain");
}

static void test_priorities(void)
{
    mac_server_t s[9];
    mac_account_t *acct;
    apr_array_header_t *rrs;
    const char *why = "";

    s[0] = fx_server(MAC_PROTO_IMAP, "imap1.example.com", 993, MAC_SOCK_SSL,
               MAC_AUTH_OAUTH2);
    s[1] = fx_server(MAC_PROTO_IMAP, "imap1.example.com", 993, MAC_SOCK_SSL,
               MAC_AUTH_PASSWORD_CLEARTEXT);   /* same target: one record */
    s[2] = fx_server(MAC_PROTO_IMAP, "imap1.example.com", 143, MAC_SOCK_STARTTLS,
               MAC_AUTH_PASSWORD_CLEARTEXT);
    s[3] = fx_server(MAC_PROTO_IMAP, "imap2.example.com", 993, MAC_SOCK_SSL,
               MAC_AUTH_PASSWORD_CLEARTEXT);
    s[4] = fx_server(MAC_PROTO_IMAP, "imap3.example.com", 10993, MAC_SOCK_SSL,
               MAC_AUTH_PASSWORD_CLEARTEXT);
    s[5] = fx_server(MAC_PROTO_POP3, "pop.example.com", 110, MAC_SOCK_PLAIN,
               MAC_AUTH_PASSWORD_CLEARTEXT);
    s[6] = fx_server(MAC_PROTO_POP3, "pop2.example.com", 110, MAC_SOCK_STARTTLS,
               MAC_AUTH_PASSWORD_CLEARTEXT);
    s[7] = fx_server(MAC_PROTO_SMTP, "smtp.example.com", 25, MAC_SOCK_STARTTLS,
               MAC_AUTH_NONE);
    s[8] = fx_server(MAC_PROTO_SMTP, "smtp.example.com", 587, MAC_SOCK_STARTTLS,
               MAC_AUTH_PASSWORD_CLEARTEXT);
    acct = fx_account(pool, s, 9);
    rrs = mac_dns_records(pool, acct, "example.com", "web.example.net", 443);
    is_str(summary(rrs),
           "autoconfig.example.com. CNAME web.example.net.\n"
           "autodiscover.example.com. CNAME web.example.net.\n"
           "_autodiscover._tcp.example.com. SRV 0 0 443 web.example.net.\n"
           "_imaps._tcp.example.com. SRV 0 1 993 imap1.example.com.\n"
           "_imaps._tcp.example.com. SRV 1 1 993 imap2.example.com.\n"
           "_imaps._tcp.example.com. SRV 2 1 10993 imap3.example.com.\n"
           "_imap._tcp.example.com. SRV 3 1 143 imap1.example.com.\n"
           "_pop3s._tcp.example.com. SRV 0 0 0 .\n"
           "_pop3._tcp.example.com. SRV 0 1 110 pop.example.com.\n"
           "_pop3._tcp.example.com. SRV 1 1 110 pop2.example.com.\n"
           "_submissions._tcp.example.com. SRV 0 0 0 .\n"
           "_submission._tcp.example.com. SRV 0 1 25 smtp.example.com.\n"
           "_submission._tcp.example.com. SRV 1 1 587 smtp.example.com.\n",
           "priorities in configured order, implicit TLS before STARTTLS "
           "(RFC 8314 5.1); duplicate host:port once");
    ok(all_well_formed(rrs, &why), "priorities: all entries well-formed");
    ok(strstr(find(rrs, "_pop3._tcp.example.com.", 0)->comment,
              "without TLS") != NULL, "plain POP3 comment says without TLS");
    ok(strstr(find(rrs, "_pop3._tcp.example.com.", 1)->comment,
              "STARTTLS") != NULL, "starttls POP3 comment says STARTTLS");

    /* No servers at all: six "not available" records. */
    acct = fx_account(pool, NULL, 0);
    rrs = mac_dns_records(pool, acct, "example.com", "web.example.net", 443);
    is_str(summary(rrs),
           "autoconfig.example.com. CNAME web.example.net.\n"
           "autodiscover.example.com. CNAME web.example.net.\n"
           "_autodiscover._tcp.example.com. SRV 0 0 443 web.example.net.\n"
           "_imaps._tcp.example.com. SRV 0 0 0 .\n"
           "_imap._tcp.example.com. SRV 0 0 0 .\n"
           "_pop3s._tcp.example.com. SRV 0 0 0 .\n"
           "_pop3._tcp.example.com. SRV 0 0 0 .\n"
           "_submissions._tcp.example.com. SRV 0 0 0 .\n"
           "_submission._tcp.example.com. SRV 0 0 0 .\n",
           "no servers: every mail service decidedly not available");
    acct->servers = NULL;
    rrs = mac_dns_records(pool, acct, "example.com", "web.example.net", 443);
    is_int(rrs->nelts, 9, "NULL server list behaves as an empty one");
}

static void test_self_cname(void)
{
    mac_server_t s[2];
    mac_account_t *acct;
    apr_array_header_t *rrs;
    const mac_dns_rr_t *rr;
    const char *why = "";

    s[0] = fx_server(MAC_PROTO_IMAP, "mail.example.com", 993, MAC_SOCK_SSL,
               MAC_AUTH_PASSWORD_CLEARTEXT);
    s[1] = fx_server(MAC_PROTO_SMTP, "mail.example.com", 465, MAC_SOCK_SSL,
               MAC_AUTH_PASSWORD_CLEARTEXT);
    acct = fx_account(pool, s, 2);

    rrs = mac_dns_records(pool, acct, "example.com",
                          "autoconfig.example.com", 443);
    ok(all_well_formed(rrs, &why), "self: all entries well-formed");
    rr = find(rrs, "autoconfig.example.com.", 0);
    ok(rr && rr->type == NULL && rr->value == NULL,
       "web host autoconfig.<domain>: no CNAME for itself");
    ok(rr && rr->comment && strstr(rr->comment, "A/AAAA"),
       "the comment says A/AAAA records are needed");
    is_int(count_name(rrs, "autoconfig.example.com."), 1,
           "one entry for autoconfig.<domain>");
    rr = find(rrs, "autodiscover.example.com.", 0);
    ok(rr && rr->type && strcmp(rr->type, "CNAME") == 0
       && strcmp(rr->value, "autoconfig.example.com.") == 0,
       "autodiscover.<domain> is a CNAME to the server name");
    rr = find(rrs, "_autodiscover._tcp.example.com.", 0);
    is_str(rr ? rr->value : NULL, "0 0 443 autoconfig.example.com.",
           "SRV points at the server name");

    rrs = mac_dns_records(pool, acct, "example.com",
                          "AutoDiscover.Example.COM.", 443);
    rr = find(rrs, "autodiscover.example.com.", 0);
    ok(rr && rr->type == NULL && strstr(rr->comment, "A/AAAA"),
       "web host autodiscover.<domain> (any case, trailing dot): "
       "advisory, no self-CNAME");
    rr = find(rrs, "autoconfig.example.com.", 0);
    ok(rr && rr->type && strcmp(rr->value, "autodiscover.example.com.") == 0,
       "autoconfig.<domain> is a CNAME to autodiscover.<domain>");

    /* The other domain on the same server still gets CNAMEs. */
    rrs = mac_dns_records(pool, acct, "example.org",
                          "autoconfig.example.com", 443);
    rr = find(rrs, "autoconfig.example.org.", 0);
    ok(rr && rr->type && strcmp(rr->type, "CNAME") == 0
       && strcmp(rr->value, "autoconfig.example.com.") == 0,
       "another domain: CNAME to the server name");
}

static void test_ip_literals(void)
{
    mac_server_t s[5];
    mac_account_t *acct;
    apr_array_header_t *rrs;
    const mac_dns_rr_t *rr;
    const char *why = "";

    s[0] = fx_server(MAC_PROTO_IMAP, "192.0.2.10", 993, MAC_SOCK_SSL,
               MAC_AUTH_PASSWORD_CLEARTEXT);
    s[1] = fx_server(MAC_PROTO_IMAP, "imap.example.com", 993, MAC_SOCK_SSL,
               MAC_AUTH_PASSWORD_CLEARTEXT);
    s[2] = fx_server(MAC_PROTO_IMAP, "2001:db8::1", 143, MAC_SOCK_STARTTLS,
               MAC_AUTH_PASSWORD_CLEARTEXT);
    s[3] = fx_server(MAC_PROTO_SMTP, "192.0.2.25", 465, MAC_SOCK_SSL,
               MAC_AUTH_PASSWORD_CLEARTEXT);
    s[4] = fx_server(MAC_PROTO_SMTP, "localhost", 587, MAC_SOCK_STARTTLS,
               MAC_AUTH_PASSWORD_CLEARTEXT);
    acct = fx_account(pool, s, 5);
    rrs = mac_dns_records(pool, acct, "example.com", "web.example.net", 443);
    ok(all_well_formed(rrs, &why), "IP literals: all entries well-formed "
       "(%s)", why);
    is_str(summary(rrs),
           "autoconfig.example.com. CNAME web.example.net.\n"
           "autodiscover.example.com. CNAME web.example.net.\n"
           "_autodiscover._tcp.example.com. SRV 0 0 443 web.example.net.\n"
           "_imaps._tcp.example.com. -\n"
           "_imaps._tcp.example.com. SRV 0 1 993 imap.example.com.\n"
           "_imap._tcp.example.com. -\n"
           "_pop3s._tcp.example.com. SRV 0 0 0 .\n"
           "_pop3._tcp.example.com. SRV 0 0 0 .\n"
           "_submissions._tcp.example.com. -\n"
           "_submission._tcp.example.com. SRV 0 1 587 localhost.\n",
           "IP literal servers: advisory entries, not SRV targets; the "
           "next server gets priority 0; no 'not available' record");
    rr = find(rrs, "_imaps._tcp.example.com.", 0);
    ok(rr && strstr(rr->comment, "192.0.2.10") && strstr(rr->comment,
                                                         "IP address"),
       "IPv4 advisory names the address and says why");
    rr = find(rrs, "_imap._tcp.example.com.", 0);
    ok(rr && strstr(rr->comment, "[2001:db8::1] port 143"),
       "IPv6 advisory shows the address in brackets with the port");
    is_int(count_name(rrs, "_imap._tcp.example.com."), 1,
           "service offered only by an IP literal: no 0 0 0 . record");

    /* The web host an address: A / AAAA records, SRV via autodiscover. */
    rrs = mac_dns_records(pool, acct, "example.com", "192.0.2.80", 443);
    ok(all_well_formed(rrs, &why), "web host IPv4: well-formed");
    rr = find(rrs, "autoconfig.example.com.", 0);
    ok(rr && rr->type && strcmp(rr->type, "A") == 0
       && strcmp(rr->value, "192.0.2.80") == 0,
       "web host IPv4: autoconfig A record");
    rr = find(rrs, "autodiscover.example.com.", 0);
    ok(rr && rr->type && strcmp(rr->type, "A") == 0,
       "web host IPv4: autodiscover A record");
    rr = find(rrs, "_autodiscover._tcp.example.com.", 0);
    is_str(rr ? rr->value : NULL, "0 0 443 autodiscover.example.com.",
           "web host IPv4: SRV target is autodiscover.<domain>");

    rrs = mac_dns_records(pool, acct, "example.com", "[2001:DB8::80]", 443);
    rr = find(rrs, "autoconfig.example.com.", 0);
    ok(rr && rr->type && strcmp(rr->type, "AAAA") == 0
       && strcmp(rr->value, "2001:db8::80") == 0,
       "web host [IPv6]: AAAA record, brackets dropped, lower case");

    /* No usable web host. */
    rrs = mac_dns_records(pool, acct, "example.com", NULL, 443);
    ok(all_well_formed(rrs, &why), "web host NULL: well-formed");
    ok(find(rrs, "autoconfig.example.com.", 0)->type == NULL
       && find(rrs, "autodiscover.example.com.", 0)->type == NULL
       && find(rrs, "_autodiscover._tcp.example.com.", 0)->type == NULL,
       "web host NULL: advisory entries for the three web names");
    rrs = mac_dns_records(pool, acct, "example.com", "bad host\n; x", 443);
    ok(find(rrs, "autoconfig.example.com.", 0)->type == NULL,
       "web host not a host name: advisory, never copied into a record");
    rrs = mac_dns_records(pool, acct, "example.com", "", 443);
    ok(find(rrs, "autodiscover.example.com.", 0)->type == NULL,
       "web host empty: advisory");
}

/* Split a zone line: "NAME TYPE RDATA ; COMMENT".  Returns 1 when it
 * parses; the column offsets of TYPE and ';' are stored. */
static int parse_line(const char *line, char *name, char *type, char *rdata,
                      char *comment, int *type_col, int *semi_col)
{
    const char *s = line, *semi;
    size_t n;

    n = strcspn(s, " ");
    if (n == 0 || n > 255 || s[n] != ' ') {
        return 0;
    }
    memcpy(name, s, n);
    name[n] = '\0';
    s += n;
    while (*s == ' ') {
        s++;
    }
    *type_col = (int)(s - line);
    n = strcspn(s, " ");
    if (n == 0 || n > 15 || s[n] != ' ') {
        return 0;
    }
    memcpy(type, s, n);
    type[n] = '\0';
    s += n;
    while (*s == ' ') {
        s++;
    }
    semi = strstr(s, " ; ");
    if (semi) {
        n = (size_t)(semi - s);
        while (n > 0 && s[n - 1] == ' ') {
            n--;
        }
        *semi_col = (int)(semi + 1 - line);
        strcpy(comment, semi + 3);
    }
    else {
        n = strlen(s);
        *semi_col = -1;
        comment[0] = '\0';
    }
    if (n == 0 || n > 511) {
        return 0;
    }
    memcpy(rdata, s, n);
    rdata[n] = '\0';
    return 1;
}

static void test_zone_text(void)
{
    mac_server_t s[4];
    mac_account_t *acct;
    apr_array_header_t *rrs;
    char *text, *line, *last;
    int nlines = 0, records = 0, advisories = 0, bad = 0, trailing = 0;
    int type_col = -1, semi_col = -1, misaligned = 0, mismatch = 0;

    s[0] = fx_server(MAC_PROTO_IMAP, "imap.example.com", 993, MAC_SOCK_SSL,
               MAC_AUTH_PASSWORD_CLEARTEXT);
    s[1] = fx_server(MAC_PROTO_IMAP, "192.0.2.1", 143, MAC_SOCK_STARTTLS,
               MAC_AUTH_PASSWORD_CLEARTEXT);
    s[2] = fx_server(MAC_PROTO_SMTP, "smtp.example.com", 465, MAC_SOCK_SSL,
               MAC_AUTH_PASSWORD_CLEARTEXT);
    s[3] = fx_server(MAC_PROTO_SMTP, "smtp.example.com", 587, MAC_SOCK_STARTTLS,
               MAC_AUTH_PASSWORD_CLEARTEXT);
    acct = fx_account(pool, s, 4);
    rrs = mac_dns_records(pool, acct, "example.com", "autoconfig.example.com",
                          443);
    text = mac_dns_zone_text(pool, rrs);
    if (!ok(text != NULL && *text, "zone text is not empty")) {
        return;
    }
    ok(text[strlen(text) - 1] == '\n', "zone text ends with a newline");
    ok(strstr(text, "\n\n") == NULL, "no empty lines");

    for (line = apr_strtok(apr_pstrdup(pool, text), "\n", &last); line;
         line = apr_strtok(NULL, "\n", &last)) {
        const mac_dns_rr_t *rr = &APR_ARRAY_IDX(rrs, nlines, mac_dns_rr_t);
        size_t n = strlen(line);

        nlines++;
        if (n && line[n - 1] == ' ') {
            trailing++;
        }
        if (line[0] == ';') {
            advisories++;
            if (rr->type != NULL
                || strncmp(line + 2, rr->name, strlen(rr->name)) != 0) {
                mismatch++;
            }
            continue;
        }
        {
            char name[256], type[16], rdata[512], comment[512];
            int tc, sc;
            if (!parse_line(line, name, type, rdata, comment, &tc, &sc)) {
                bad++;
                diag("unparsable: %s", line);
                continue;
            }
            records++;
            if (!rr->type || strcmp(name, rr->name) || strcmp(type, rr->type)
                || strcmp(rdata, rr->value) || strcmp(comment, rr->comment)) {
                mismatch++;
                diag("mismatch: %s", line);
            }
            if (type_col < 0) {
                type_col = tc;
                semi_col = sc;
            }
            else if (tc != type_col || sc != semi_col) {
                misaligned++;
            }
        }
    }
    is_int(nlines, rrs->nelts, "one line per entry");
    is_int(bad, 0, "every record line parses as NAME TYPE RDATA ; COMMENT");
    is_int(mismatch, 0, "each line carries its entry's fields");
    is_int(advisories, 2, "two advisory lines (self name, IP literal)");
    is_int(records, rrs->nelts - 2, "the rest are records");
    is_int(misaligned, 0, "TYPE and ';' columns aligned on every record line");
    is_int(trailing, 0, "no trailing blanks");
    ok(type_col == (int)strlen("_autodiscover._tcp.example.com.") + 1,
       "TYPE column right after the longest name (%d)", type_col);

    /* Exact text for a small, hand-made set. */
    {
        apr_array_header_t *a = apr_array_make(pool, 4, sizeof(mac_dns_rr_t));
        mac_dns_rr_t *r;

        r = apr_array_push(a);
        r->name = "a.example.";
        r->type = "CNAME";
        r->value = "web.example.";
        r->comment = "first";
        r = apr_array_push(a);
        r->name = "_imaps._tcp.example.";
        r->type = "SRV";
        r->value = "0 1 993 imap.example.";
        r->comment = "bad\ncomment\t;";
        r = apr_array_push(a);
        r->name = "x.example.";
        r->type = NULL;
        r->value = NULL;
        r->comment = "needs A/AAAA";
        r = apr_array_push(a);
        r->name = "b.example.";
        r->type = "A";
        r->value = "192.0.2.1";
        r->comment = NULL;
        is_str(mac_dns_zone_text(pool, a),
               "a.example.           CNAME web.example.          ; first\n"
               "_imaps._tcp.example. SRV   0 1 993 imap.example. "
               "; bad comment ;\n"
               "; x.example. needs A/AAAA\n"
               "b.example.           A     192.0.2.1\n",
               "exact zone text: padded columns, controls as blanks, "
               "advisory as a comment line, no comment no ';'");
    }
    is_str(mac_dns_zone_text(pool, apr_array_make(pool, 1,
                                                  sizeof(mac_dns_rr_t))),
           "", "empty array: empty text");
    is_str(mac_dns_zone_text(pool, NULL), "", "NULL array: empty text");
}

int main(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);
    plan_no_plan();

    test_realistic();
    test_priorities();
    test_host_template();
    test_self_cname();
    test_ip_literals();
    test_zone_text();

    apr_pool_destroy(pool);
    apr_terminate();
    return done_testing();
}
