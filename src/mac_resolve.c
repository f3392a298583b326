/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: a small stub resolver.  See mac_resolve.h.
 */
#include <errno.h>
#include <string.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <resolv.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include "mac_resolve.h"

struct mac_resolver_t {
    struct __res_state st;
    unsigned char     *answer;    /* reply buffer, MAX_ANSWER bytes */
};

#define MAX_ANSWER 65536

const char *mac_resolver_parse(apr_pool_t *p, const char *spec,
                               const char **addr, int *port)
{
    const char *colon;
    struct in_addr in;
    char *a;

    if (!spec || !*spec) {
        return "an empty address";
    }
    colon = strchr(spec, ':');
    if (colon && strchr(colon + 1, ':')) {
        return "an IPv6 address is not supported; give an IPv4 address "
               "such as 127.0.0.1 or 127.0.0.1:5353";
    }
    a = colon ? apr_pstrndup(p, spec, (apr_size_t)(colon - spec))
              : apr_pstrdup(p, spec);
    if (inet_pton(AF_INET, a, &in) != 1) {
        return "not an IPv4 address (ADDRESS or ADDRESS:PORT, e.g. "
               "127.0.0.1:5353)";
    }
    *port = 53;
    if (colon) {
        const char *d = colon + 1;
        long v = 0;

        if (!*d || strlen(d) > 5) {
            return "the port is not a number from 1 to 65535";
        }
        for (; *d; d++) {
            if (!apr_isdigit(*d)) {
                return "the port is not a number from 1 to 65535";
            }
            v = v * 10 + (*d - '0');
        }
        if (v < 1 || v > 65535) {
            return "the port is not a number from 1 to 65535";
        }
        *port = (int)v;
    }
    *addr = a;
    return NULL;
}

static apr_status_t resolver_cleanup(void *data)
{
    mac_resolver_t *r = data;

    res_nclose(&r->st);
    return APR_SUCCESS;
}

mac_resolver_t *mac_resolver_create(apr_pool_t *p, const char *addr,
                                    int port, const char **why)
{
    mac_resolver_t *r = apr_pcalloc(p, sizeof(*r));

    if (res_ninit(&r->st) != 0) {
        *why = "cannot read the system's resolver configuration";
        return NULL;
    }
    apr_pool_cleanup_register(p, r, resolver_cleanup,
                              apr_pool_cleanup_null);
    if (addr) {
        struct sockaddr_in sin;

        memset(&sin, 0, sizeof(sin));
        sin.sin_family = AF_INET;
        sin.sin_port = htons((unsigned short)port);
        if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
            *why = "not an IPv4 address";
            return NULL;
        }
        r->st.nsaddr_list[0] = sin;
        r->st.nscount = 1;
    }
    r->st.retrans = MAC_RESOLVE_TIMEOUT;
    r->st.retry = MAC_RESOLVE_TRIES;
    /* Absolute names only; keep these settings even if resolv.conf
     * changes while a check runs. */
    r->st.options &= ~(unsigned long)(RES_DEFNAMES | RES_DNSRCH);
    r->st.options |= RES_NORELOAD;
    r->answer = apr_palloc(p, MAX_ANSWER);
    return r;
}

static const struct {
    const char *name;
    int         type;
} types[] = {
    { "A", ns_t_a }, { "AAAA", ns_t_aaaa }, { "CNAME", ns_t_cname },
    { "MX", ns_t_mx }, { "SRV", ns_t_srv }, { "TXT", ns_t_txt },
};

static int type_code(const char *name)
{
    unsigned i;

    for (i = 0; name && i < sizeof(types) / sizeof(types[0]); i++) {
        if (strcasecmp(name, types[i].name) == 0) {
            return types[i].type;
        }
    }
    return -1;
}

/* The domain name at *pos, lower case and absolute; *pos moves past it. */
static const char *rd_name(apr_pool_t *p, const unsigned char *msg,
                           apr_size_t msglen, const unsigned char *at,
                           const unsigned char *end, const unsigned char **next)
{
    char buf[NS_MAXDNAME];
    int n = dn_expand(msg, msg + msglen, at, buf, sizeof(buf));
    char *s;

    if (n < 0 || at + n > end) {
        return NULL;
    }
    *next = at + n;
    if (buf[0] == '\0' || strcmp(buf, ".") == 0) {
        return ".";
    }
    s = apr_pstrcat(p, buf, ".", NULL);
    for (char *c = s; *c; c++) {
        *c = (char)apr_tolower(*c);
    }
    return s;
}

const char *mac_rdata_text(apr_pool_t *p, const unsigned char *msg,
                           apr_size_t msglen, int type,
                           const unsigned char *rdata, apr_size_t rdlen)
{
    const unsigned char *end = rdata + rdlen, *next;
    char addr[INET6_ADDRSTRLEN];
    const char *name;

    switch (type) {
    case ns_t_a:
    case ns_t_aaaa:
        if (rdlen != (type == ns_t_a ? 4u : 16u)
            || !inet_ntop(type == ns_t_a ? AF_INET : AF_INET6, rdata, addr,
                          sizeof(addr))) {
            return NULL;
        }
        return apr_pstrdup(p, addr);
    case ns_t_cname:
        name = rd_name(p, msg, msglen, rdata, end, &next);
        return name && next == end ? name : NULL;
    case ns_t_mx:
        if (rdlen < 3) {
            return NULL;
        }
        name = rd_name(p, msg, msglen, rdata + 2, end, &next);
        if (!name || next != end) {
            return NULL;
        }
        return apr_psprintf(p, "%u %s", ns_get16(rdata), name);
    case ns_t_srv:
        if (rdlen < 7) {
            return NULL;
        }
        name = rd_name(p, msg, msglen, rdata + 6, end, &next);
        if (!name || next != end) {
            return NULL;
        }
        return apr_psprintf(p, "%u %u %u %s", ns_get16(rdata),
                            ns_get16(rdata + 2), ns_get16(rdata + 4), name);
    case ns_t_txt: {
        char *out = apr_palloc(p, 4 * rdlen + 1), *o = out;
        const unsigned char *c = rdata;

        while (c < end) {
            apr_size_t n = *c++;
            if (n > (apr_size_t)(end - c)) {
                return NULL;
            }
            for (; n; n--, c++) {
                if (*c < 0x20 || *c > 0x7e || *c == '"' || *c == '\\') {
                    o += apr_snprintf(o, 5, "\\%03u", *c);
                }
                else {
                    *o++ = (char)*c;
                }
            }
        }
        *o = '\0';
        return out;
    }
    default:
        return NULL;
    }
}

mac_res_status_e mac_resolve(mac_resolver_t *res, apr_pool_t *p,
                             const char *name, const char *type,
                             apr_array_header_t **found, const char **why)
{
    unsigned char query[NS_PACKETSZ];
    int qtype = type_code(type);
    int qlen, alen, i, count;
    ns_msg msg;
    const char *dummy;

    if (!why) {
        why = &dummy;
    }
    *why = NULL;
    *found = apr_array_make(p, 4, sizeof(const char *));
    if (qtype < 0 || !name || !*name) {
        *why = "not a record type that can be checked";
        return MAC_RES_FAILED;
    }
    qlen = res_nmkquery(&res->st, ns_o_query, name, ns_c_in, qtype, NULL, 0,
                        NULL, query, sizeof(query));
    if (qlen < 0) {
        *why = "not a name that can be asked for";
        return MAC_RES_FAILED;
    }
    errno = 0;
    alen = res_nsend(&res->st, query, qlen, res->answer, MAX_ANSWER);
    if (alen < 0) {
        *why = errno == ECONNREFUSED ? "connection refused"
             : errno == ETIMEDOUT ? "timed out" : "no reply";
        return MAC_RES_NOANSWER;
    }
    if (ns_initparse(res->answer, alen, &msg) < 0) {
        *why = "a malformed reply";
        return MAC_RES_FAILED;
    }
    switch (ns_msg_getflag(msg, ns_f_rcode)) {
    case ns_r_noerror:
        break;
    case ns_r_nxdomain:
        return MAC_RES_NXDOMAIN;
    case ns_r_servfail:
        *why = "server failure (SERVFAIL)";
        return MAC_RES_FAILED;
    case ns_r_refused:
        *why = "the server refused to answer (REFUSED)";
        return MAC_RES_FAILED;
    default:
        *why = apr_psprintf(p, "error code %d",
                            (int)ns_msg_getflag(msg, ns_f_rcode));
        return MAC_RES_FAILED;
    }
    count = ns_msg_count(msg, ns_s_an);
    for (i = 0; i < count; i++) {
        ns_rr rr;
        const char *text;

        if (ns_parserr(&msg, ns_s_an, i, &rr) < 0) {
            *why = "a malformed reply";
            return MAC_RES_FAILED;
        }
        if ((int)ns_rr_type(rr) != qtype || ns_rr_class(rr) != ns_c_in) {
            continue;
        }
        text = mac_rdata_text(p, ns_msg_base(msg),
                              (apr_size_t)ns_msg_size(msg), qtype,
                              ns_rr_rdata(rr), ns_rr_rdlen(rr));
        if (!text) {
            *why = "a malformed record in the reply";
            return MAC_RES_FAILED;
        }
        APR_ARRAY_PUSH(*found, const char *) = text;
    }
    return (*found)->nelts ? MAC_RES_FOUND : MAC_RES_NODATA;
}
