/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: addresses, domains, host names.  See mac_addr.h.
 */
#include <string.h>
#include <apr_strings.h>
#include <arpa/inet.h>
#include "mac_addr.h"

/* RFC 5322 atext, without the dot which is handled separately. */
static int is_atext(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')) {
        return 1;
    }
    return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

static int is_ldh(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9') || c == '-';
}

char *mac_strlower(apr_pool_t *p, const char *s, apr_size_t len)
{
    char *out = apr_pstrmemdup(p, s, len);
    apr_size_t i;

    for (i = 0; i < len; i++) {
        if (out[i] >= 'A' && out[i] <= 'Z') {
            out[i] = (char)(out[i] - 'A' + 'a');
        }
    }
    return out;
}

/* Common label checks; min_labels is 2 for mail domains, 1 for hosts. */
static const char *check_labels(const char *s, apr_size_t len, int min_labels)
{
    apr_size_t i, label_len = 0;
    int labels = 1, all_digits_tld = 1;
    unsigned char prev = '.';

    if (len == 0) {
        return "the domain is empty";
    }
    if (len > MAC_DOMAIN_MAX) {
        return "the domain is longer than 253 characters";
    }
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '.') {
            if (prev == '.') {
                return "the domain has an empty label";
            }
            if (prev == '-') {
                return "a domain label ends with a hyphen";
            }
            labels++;
            label_len = 0;
            all_digits_tld = 1;
        }
        else if (c >= 0x80) {
            return "the domain is not ASCII: give internationalised "
                   "domains in their xn-- (A-label) form";
        }
        else if (!is_ldh(c)) {
            return "the domain has a character other than letters, "
                   "digits, hyphens and dots";
        }
        else {
            if (prev == '.' && c == '-') {
                return "a domain label starts with a hyphen";
            }
            if (++label_len > MAC_LABEL_MAX) {
                return "a domain label is longer than 63 characters";
            }
            if (c < '0' || c > '9') {
                all_digits_tld = 0;
            }
        }
        prev = c;
    }
    if (prev == '.') {
        return "the domain ends with a dot";
    }
    if (prev == '-') {
        return "a domain label ends with a hyphen";
    }
    if (labels < min_labels) {
        return "the domain has only one label";
    }
    if (all_digits_tld) {
        return "the top-level domain is all digits";
    }
    return NULL;
}

const char *mac_domain_check(const char *s, apr_size_t len)
{
    return check_labels(s, len, 2);
}

static int is_ip_literal(const char *s, apr_size_t len)
{
    char buf[64];
    apr_size_t i;
    int colons = 0, dots = 0;

    if (len == 0 || len >= sizeof(buf)) {
        return 0;
    }
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ':') {
            colons++;
        }
        else if (c == '.') {
            dots++;
        }
        else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')
                   || (c >= 'A' && c <= 'F'))) {
            return 0;
        }
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (colons) {
        unsigned char addr[16];
        return inet_pton(AF_INET6, buf, addr) == 1;
    }
    if (dots == 3) {
        unsigned char addr[4];
        return inet_pton(AF_INET, buf, addr) == 1;
    }
    return 0;
}

const char *mac_host_check(const char *s, apr_size_t len)
{
    const char *why;

    if (len > 0 && (memchr(s, ':', len) || (s[len - 1] >= '0'
                                            && s[len - 1] <= '9'))) {
        if (is_ip_literal(s, len)) {
            return NULL;
        }
        if (memchr(s, ':', len)) {
            return "the host is neither a host name nor an IP address";
        }
    }
    why = check_labels(s, len, 1);
    if (why && strstr(why, "all digits")) {
        return "the host is neither a host name nor an IP address";
    }
    return why;
}

const char *mac_addr_parse(apr_pool_t *p, const char *s, apr_size_t len,
                           mac_addr_t *out)
{
    const char *at = NULL, *why;
    apr_size_t i, local_len, domain_len;

    if (len == 0) {
        return "the address is empty";
    }
    if (len > MAC_ADDRESS_MAX) {
        return "the address is longer than 254 characters";
    }
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '@') {
            if (at) {
                return "the address has more than one @";
            }
            at = s + i;
        }
        else if (c < 0x20 || c == 0x7F) {
            return "the address contains a control character";
        }
        else if (c == ' ') {
            return "the address contains a space";
        }
    }
    if (!at) {
        return "the address has no @";
    }
    local_len = (apr_size_t)(at - s);
    domain_len = len - local_len - 1;
    if (local_len == 0) {
        return "the address has nothing before the @";
    }
    if (local_len > MAC_LOCAL_MAX) {
        return "the part before the @ is longer than 64 characters";
    }
    if (domain_len == 0) {
        return "the address has nothing after the @";
    }
    if (s[0] == '.' || s[local_len - 1] == '.') {
        return "the part before the @ starts or ends with a dot";
    }
    for (i = 0; i < local_len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '.') {
            if (s[i + 1] == '.') {
                return "the part before the @ has two dots in a row";
            }
        }
        else if (c >= 0x80) {
            return "the part before the @ is not ASCII";
        }
        else if (!is_atext(c)) {
            return "the part before the @ has a character not allowed "
                   "in an address";
        }
    }
    /* A trailing dot on the domain would be a different spelling of the
     * same domain; refuse rather than guess. */
    if ((why = mac_domain_check(at + 1, domain_len)) != NULL) {
        return why;
    }
    out->local = apr_pstrmemdup(p, s, local_len);
    out->domain = mac_strlower(p, at + 1, domain_len);
    out->address = apr_pstrcat(p, out->local, "@", out->domain, NULL);
    return NULL;
}
