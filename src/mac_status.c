/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: the status page.  See mac_status.h.
 */
#include <stdarg.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include "mac_status.h"
#include "mac_dns.h"
#include "mac_pacc.h"
#include "mac_buf.h"
#include "mac_escape.h"

/* ------------------------------------------------------------ output */

/* The document is collected as a list of pieces and joined once. */
typedef mac_buf_t out_t;

#define addn  mac_buf_addn
#define add   mac_buf_add
#define addf  mac_buf_addf
#define add_h mac_buf_add_xml     /* HTML text or attribute value */
#define add_j mac_buf_add_json    /* a JSON string with its quotes, or null */

/* Multi-line HTML text: each line escaped, the newlines kept as they are
 * (mac_xml_escape would write them as &#10;, which is right but makes the
 * page source hard to read). */
static void add_lines_h(out_t *o, const char *s)
{
    const char *nl;

    while (s && *s) {
        nl = strchr(s, '\n');
        if (!nl) {
            add_h(o, s);
            return;
        }
        add_h(o, apr_pstrndup(o->p, s, (apr_size_t)(nl - s)));
        add(o, "\n");
        s = nl + 1;
    }
}

/* ------------------------------------------------------------ values */

static const char *const outcome_keys[MAC_OUT_COUNT] = {
    "served", "redirected", "not_found", "bad_request", "error"
};
static const char *const outcome_labels[MAC_OUT_COUNT] = {
    "Served", "Redirected", "Not found", "Bad request", "Error"
};

const char *mac_outcome_name(mac_outcome_e outcome)
{
    return (unsigned)outcome < MAC_OUT_COUNT ? outcome_keys[outcome] : NULL;
}

mac_outcome_e mac_outcome_of(int http_status)
{
    if (http_status < 300 || http_status == 304) {
        return http_status >= 100 ? MAC_OUT_SERVED : MAC_OUT_ERROR;
    }
    if (http_status < 400) {
        return MAC_OUT_REDIRECTED;
    }
    if (http_status == 404) {
        return MAC_OUT_NOT_FOUND;
    }
    return http_status < 500 ? MAC_OUT_BAD_REQUEST : MAC_OUT_ERROR;
}

/* t in UTC as "YYYY-MM-DD<sep>hh:mm:ss<zone>". */
static const char *fmt_time(apr_pool_t *p, apr_time_t t, char sep,
                            const char *zone)
{
    apr_time_exp_t x;

    if (apr_time_exp_gmt(&x, t) != APR_SUCCESS) {
        memset(&x, 0, sizeof(x));
        x.tm_year = 70;
        x.tm_mday = 1;
    }
    return apr_psprintf(p, "%04d-%02d-%02d%c%02d:%02d:%02d%s",
                        x.tm_year + 1900, x.tm_mon + 1, x.tm_mday, sep,
                        x.tm_hour, x.tm_min, x.tm_sec, zone);
}

/* "2024-03-01T10:00:00Z" */
static const char *rfc3339(apr_pool_t *p, apr_time_t t)
{
    return fmt_time(p, t, 'T', "Z");
}

/* "2024-03-01 10:00:00 UTC" */
static const char *human_time(apr_pool_t *p, apr_time_t t)
{
    return fmt_time(p, t, ' ', " UTC");
}

static apr_int64_t uptime_seconds(const mac_status_t *st)
{
    apr_time_t d = st->now - st->started;

    return d > 0 ? (apr_int64_t)apr_time_sec(d) : 0;
}

/* "3 days, 4 hours, 5 minutes, 6 seconds", leading zero units left out. */
static const char *uptime_words(apr_pool_t *p, apr_int64_t s)
{
    static const struct { apr_int64_t secs; const char *unit; } units[] = {
        { 86400, "day" }, { 3600, "hour" }, { 60, "minute" }, { 1, "second" }
    };
    const char *r = "";
    int i, started = 0;

    for (i = 0; i < 4; i++) {
        apr_int64_t n = s / units[i].secs;
        s %= units[i].secs;
        if (n == 0 && !started && i < 3) {
            continue;
        }
        r = apr_psprintf(p, "%s%s%" APR_INT64_T_FMT " %s%s", r,
                         started ? ", " : "", n, units[i].unit,
                         n == 1 ? "" : "s");
        started = 1;
    }
    return r;
}

/* Percent-encode everything but RFC 3986 unreserved characters. */
static const char *pct_encode(apr_pool_t *p, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = apr_palloc(p, strlen(s) * 3 + 1), *o = out;

    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (apr_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            *o++ = (char)c;
        }
        else {
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    *o = '\0';
    return out;
}

/* A URL (part) made safe to use as one: bytes that can never appear in a
 * URL (controls, space, non-ASCII, " < > \ ^ ` { | }) percent-encoded. */
static const char *url_clean(apr_pool_t *p, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = apr_palloc(p, strlen(s) * 3 + 1), *o = out;

    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c <= 0x20 || c >= 0x7F || strchr("\"<>\\^`{|}", c)) {
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
        else {
            *o++ = (char)c;
        }
    }
    *o = '\0';
    return out;
}

/* base_url without trailing slashes, cleaned; NULL stays NULL. */
static const char *base_clean(apr_pool_t *p, const char *base)
{
    char *b;
    apr_size_t n;

    if (!base) {
        return NULL;
    }
    b = apr_pstrdup(p, url_clean(p, base));
    n = strlen(b);
    while (n > 0 && b[n - 1] == '/') {
        b[--n] = '\0';
    }
    return b;
}

static int linkable(const char *base)
{
    return base && (strncasecmp(base, "http://", 7) == 0
                    || strncasecmp(base, "https://", 8) == 0);
}

static const char *first_domain(const mac_status_vhost_t *vh)
{
    if (vh->acct && vh->acct->domains && vh->acct->domains->nelts > 0) {
        return APR_ARRAY_IDX(vh->acct->domains, 0, const char *);
    }
    return NULL;
}

/* The endpoints of one virtual host. */
typedef struct {
    const char *key;       /* JSON key */
    const char *client;    /* who asks */
    const char *url;       /* base + path, or the path alone */
    const char *sample;    /* sample request URL, or NULL */
} endpoint_t;

#define NENDPOINTS 4

static int endpoints(apr_pool_t *p, const mac_status_vhost_t *vh,
                     endpoint_t *ep)
{
    const char *base = base_clean(p, vh->base_url);
    const char *dom = first_domain(vh);
    const char *addr = dom ? pct_encode(p, apr_pstrcat(p, "test@", dom,
                                                       NULL))
                           : NULL;
    int n = 0;

    ep[n].key = "thunderbird";
    ep[n].client = "Thunderbird, Evolution, KMail (autoconfig)";
    ep[n].url = apr_pstrcat(p, base ? base : "",
                            "/.well-known/autoconfig/mail/config-v1.1.xml",
                            NULL);
    ep[n].sample = addr ? apr_pstrcat(p, ep[n].url, "?emailaddress=", addr,
                                      NULL) : NULL;
    n++;
    ep[n].key = "autodiscover";
    ep[n].client = "Outlook (Autodiscover, browser GET)";
    ep[n].url = apr_pstrcat(p, base ? base : "",
                            "/autodiscover/autodiscover.xml", NULL);
    ep[n].sample = addr ? apr_pstrcat(p, ep[n].url, "?emailaddress=", addr,
                                      NULL) : NULL;
    n++;
    ep[n].key = "autodiscover-json";
    ep[n].client = "Outlook (Autodiscover v2, JSON)";
    ep[n].url = apr_pstrcat(p, base ? base : "",
                            "/autodiscover/autodiscover.json", NULL);
    ep[n].sample = addr ? apr_pstrcat(p, ep[n].url, "?Email=", addr,
                                      "&Protocol=AutodiscoverV1", NULL)
                        : NULL;
    n++;
    if (vh->profile_path) {
        ep[n].key = "mobileconfig";
        ep[n].client = "iPhone, iPad, Mac (profile page)";
        ep[n].url = apr_pstrcat(p, base ? base : "",
                                url_clean(p, vh->profile_path), NULL);
        ep[n].sample = ep[n].url;
        n++;
    }
    return n;
}

/* Aliases split at blanks. */
static apr_array_header_t *split_aliases(apr_pool_t *p, const char *s)
{
    apr_array_header_t *a = apr_array_make(p, 4, sizeof(const char *));
    char *copy, *tok, *last;

    if (!s) {
        return a;
    }
    copy = apr_pstrdup(p, s);
    for (tok = apr_strtok(copy, " \t\r\n", &last); tok;
         tok = apr_strtok(NULL, " \t\r\n", &last)) {
        APR_ARRAY_PUSH(a, const char *) = tok;
    }
    return a;
}

static int nvhosts(const mac_status_t *st)
{
    return st->vhosts ? st->vhosts->nelts : 0;
}

static const mac_status_vhost_t *vhost(const mac_status_t *st, int i)
{
    return &APR_ARRAY_IDX(st->vhosts, i, mac_status_vhost_t);
}

apr_array_header_t *mac_status_problems(apr_pool_t *p,
                                        const mac_status_vhost_t *vh)
{
    apr_array_header_t *a = apr_array_make(p, 4, sizeof(const char *));

    if (vh->warnings) {
        apr_array_cat(a, (apr_array_header_t *)vh->warnings);
    }
    if (vh->base_url && strncasecmp(vh->base_url, "http://", 7) == 0
        && !vh->https_redirect) {
        APR_ARRAY_PUSH(a, const char *) =
            "this virtual host answers over plain HTTP and does not redirect "
            "to HTTPS (MailAutoconfRedirectHTTPS): Outlook asks for "
            "Autodiscover over HTTPS only, so serve these paths over HTTPS "
            "too, or redirect them";
    }
    return a;
}

static int nwarnings(apr_pool_t *p, const mac_status_vhost_t *vh)
{
    return mac_status_problems(p, vh)->nelts;
}

static int nservers(const mac_status_vhost_t *vh)
{
    return vh->acct && vh->acct->servers ? vh->acct->servers->nelts : 0;
}

static int ndomains(const mac_status_vhost_t *vh)
{
    return vh->acct && vh->acct->domains ? vh->acct->domains->nelts : 0;
}

/* ------------------------------------------------------------ HTML */

static const char css[] =
    "body{font:1rem/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,"
    "sans-serif;color:#1b1b1b;background:#fff;margin:0 auto;max-width:64rem;"
    "padding:0 1rem 2rem}\n"
    "h1{font-size:1.6rem;margin:1rem 0 .5rem}\n"
    "h2{font-size:1.3rem;margin-top:2.5rem;padding-top:.5rem;"
    "border-top:2px solid #444;overflow-wrap:anywhere}\n"
    "h3{font-size:1.1rem;margin-top:1.5rem}\n"
    "h4{font-size:1rem;margin:1rem 0 .25rem;overflow-wrap:anywhere}\n"
    "a{color:#0b57a4}\n"
    /* 2px off the element, the ring has the page's background (white, or
     * the pale red of the problems box) on both sides: 3:1 and more. */
    "a:focus-visible,[tabindex]:focus-visible{outline:3px solid #1b1b1b;"
    "outline-offset:2px}\n"
    "code,pre{font-family:ui-monospace,\"SFMono-Regular\",Menlo,Consolas,"
    "\"DejaVu Sans Mono\",monospace;font-size:.9rem}\n"
    /* Records wrap rather than run off; a wrapped line is indented. */
    "pre{background:#f3f3f3;border:1px solid #bbb;padding:.5rem;"
    "white-space:pre-wrap;overflow-wrap:anywhere;"
    "text-indent:2ch hanging each-line}\n"
    ".scroll{overflow-x:auto}\n"
    "table{border-collapse:collapse;margin:.5rem 0}\n"
    "caption{text-align:left;font-weight:600;padding:.25rem 0}\n"
    "th,td{border:1px solid #bbb;padding:.3rem .6rem;text-align:left;"
    "vertical-align:top}\n"
    "thead th{background:#e8e8e8}\n"
    "td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
    "code.url{overflow-wrap:break-word}\n"
    "code.url .seg{white-space:nowrap}\n"
    "dl.kv{display:grid;grid-template-columns:max-content 1fr;"
    "gap:.25rem 1rem;margin:.5rem 0}\n"
    "dl.kv dt{font-weight:600}\n"
    "dl.kv dd{margin:0;overflow-wrap:anywhere;min-width:0}\n"
    "nav li{overflow-wrap:anywhere}\n"
    ".problems{border-left:.4rem solid #b3261e;background:#fcebea;"
    "padding:.25rem 1rem;margin:1rem 0;overflow-wrap:anywhere}\n"
    ".problems h3{color:#8c1d18;margin-top:.5rem}\n"
    ".ok{color:#1e6b2e}\n"
    ".vh{position:absolute;width:1px;height:1px;overflow:hidden;"
    "clip:rect(0 0 0 0);white-space:nowrap}\n"
    /* Narrow windows: every row of a table is a block of labelled values
     * (data-label), so no column runs off the screen. */
    "@media (max-width:40rem){dl.kv{grid-template-columns:1fr}"
    "dl.kv dd{margin-left:1rem}\n"
    "table.stack,table.stack caption,table.stack tbody,table.stack tfoot,"
    "table.stack th,table.stack td{display:block}\n"
    "table.stack thead{position:absolute;width:1px;height:1px;"
    "overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}\n"
    "table.stack tr{display:grid;grid-template-columns:repeat(auto-fill,"
    "minmax(6.5rem,1fr));border:1px solid #bbb;margin:0 0 .5rem}\n"
    "table.stack th,table.stack td{border:0;min-width:0}\n"
    "table.stack th[scope=row]{grid-column:1/-1;background:#e8e8e8}\n"
    "table.stack td.wide{grid-column:1/-1}\n"
    "table.stack td.n{text-align:left}\n"
    "table.stack td[data-label]::before{content:attr(data-label);"
    "display:block;font-size:.8rem;font-weight:600;color:#444}}\n";

/* One part of a URL: kept on one line unless it is longer than a phone's
 * line (browsers would otherwise break e.g. "b=<2>" after the "="). */
#define URL_PART_NOWRAP 40

static void add_url_part(out_t *o, const char *s, apr_size_t n)
{
    if (n == 0) {
        return;
    }
    if (n <= URL_PART_NOWRAP) {
        add(o, "<span class=\"seg\">");
    }
    add_h(o, apr_pstrndup(o->p, s, n));
    if (n <= URL_PART_NOWRAP) {
        add(o, "</span>");
    }
}

/* A URL as HTML text that breaks only between its parts: after a "/"
 * (not inside "//"), before "?" and "&". */
static void add_url_h(out_t *o, const char *url)
{
    const char *s = url, *start = url;

    for (; s && *s; s++) {
        const char *cut = NULL;

        if ((*s == '?' || *s == '&') && s > start) {
            cut = s;
        }
        else if (*s == '/' && s[1] && s[1] != '/') {
            cut = s + 1;
        }
        if (cut) {
            add_url_part(o, start, (apr_size_t)(cut - start));
            add(o, "<wbr/>");
            start = cut;
        }
    }
    if (s) {
        add_url_part(o, start, (apr_size_t)(s - start));
    }
}

static void html_dd_or(out_t *o, const char *v, const char *missing)
{
    add(o, "<dd>");
    if (v) {
        add_h(o, v);
    }
    else {
        add(o, "<em>");
        add(o, missing);
        add(o, "</em>");
    }
    add(o, "</dd>\n");
}

static void html_counters(out_t *o, const mac_status_t *st)
{
    unsigned long tot[MAC_OUT_COUNT + 1];
    int i, k;

    memset(tot, 0, sizeof(tot));
    add(o, "<section aria-labelledby=\"requests\">\n"
           "<h2 id=\"requests\">Requests</h2>\n"
           "<div class=\"scroll\"><table id=\"counters\" class=\"stack\">\n"
           "<caption>Requests since the configuration was loaded, by "
           "endpoint and outcome</caption>\n"
           "<thead><tr><th scope=\"col\">Endpoint</th>");
    for (k = 0; k < MAC_OUT_COUNT; k++) {
        addf(o, "<th scope=\"col\">%s</th>", outcome_labels[k]);
    }
    add(o, "<th scope=\"col\">Total</th></tr></thead>\n<tbody>\n");
    for (i = 0; st->counters && i < st->ncounters; i++) {
        const mac_status_counter_t *c = &st->counters[i];
        unsigned long row = 0;

        add(o, "<tr><th scope=\"row\">");
        add_h(o, c->name ? c->name : "");
        add(o, "</th>");
        for (k = 0; k < MAC_OUT_COUNT; k++) {
            addf(o, "<td class=\"n\" data-label=\"%s\">%lu</td>",
                 outcome_labels[k], c->counts[k]);
            row += c->counts[k];
            tot[k] += c->counts[k];
        }
        addf(o, "<td class=\"n\" data-label=\"Total\">%lu</td></tr>\n", row);
        tot[MAC_OUT_COUNT] += row;
    }
    add(o, "</tbody>\n<tfoot><tr><th scope=\"row\">All endpoints</th>");
    for (k = 0; k <= MAC_OUT_COUNT; k++) {
        addf(o, "<td class=\"n\" data-label=\"%s\">%lu</td>",
             k < MAC_OUT_COUNT ? outcome_labels[k] : "Total", tot[k]);
    }
    add(o, "</tr></tfoot>\n</table></div>\n</section>\n");
}

static void html_servers(out_t *o, const mac_status_vhost_t *vh, int v)
{
    int i;

    addf(o, "<h3 id=\"vhost-%d-servers\">Mail servers</h3>\n", v);
    if (nservers(vh) == 0) {
        add(o, "<p>None configured.</p>\n");
        return;
    }
    addf(o, "<div class=\"scroll\"><table class=\"servers stack\" "
            "aria-labelledby=\"vhost-%d-servers\">\n"
            "<thead><tr><th scope=\"col\">#</th>"
            "<th scope=\"col\">Protocol</th><th scope=\"col\">Host</th>"
            "<th scope=\"col\">Port</th><th scope=\"col\">Socket</th>"
            "<th scope=\"col\">Authentication</th></tr></thead>\n<tbody>\n",
         v);
    for (i = 0; i < nservers(vh); i++) {
        const mac_server_t *s = &APR_ARRAY_IDX(vh->acct->servers, i,
                                               mac_server_t);
        addf(o, "<tr><td class=\"n\" data-label=\"#\">%d</td>"
                "<td data-label=\"Protocol\">", i + 1);
        add_h(o, mac_proto_name(s->proto));
        add(o, "</td><td class=\"wide\" data-label=\"Host\"><code>");
        add_h(o, s->host);
        addf(o, "</code></td><td class=\"n\" data-label=\"Port\">%d</td>"
                "<td data-label=\"Socket\">", s->port);
        add_h(o, mac_socket_name(s->socket));
        add(o, "</td><td data-label=\"Authentication\">");
        add_h(o, mac_auth_name(s->auth));
        add(o, "</td></tr>\n");
    }
    add(o, "</tbody></table></div>\n");
}

static void html_endpoints(out_t *o, const mac_status_vhost_t *vh, int v)
{
    endpoint_t ep[NENDPOINTS];
    int i, n = endpoints(o->p, vh, ep);
    int links = linkable(vh->base_url);
    const char *dom = first_domain(vh);

    addf(o, "<h3 id=\"vhost-%d-endpoints\">Endpoints</h3>\n", v);
    if (dom) {
        add(o, "<p>Sample requests ask for the address <code>test@");
        add_h(o, dom);
        add(o, "</code>.</p>\n");
    }
    addf(o, "<div class=\"scroll\"><table class=\"endpoints stack\" "
            "aria-labelledby=\"vhost-%d-endpoints\">\n"
            "<thead><tr><th scope=\"col\">Client</th><th scope=\"col\">URL"
            "</th><th scope=\"col\">Sample request</th></tr></thead>\n"
            "<tbody>\n", v);
    for (i = 0; i < n; i++) {
        add(o, "<tr><th scope=\"row\">");
        add_h(o, ep[i].client);
        add(o, "</th><td class=\"wide\" data-label=\"URL\">"
               "<code class=\"url\">");
        add_url_h(o, ep[i].url);
        add(o, "</code></td><td class=\"wide\" "
               "data-label=\"Sample request\">");
        if (ep[i].sample && links) {
            addf(o, "<a class=\"sample\" data-endpoint=\"%s\" href=\"",
                 ep[i].key);
            add_h(o, ep[i].sample);
            add(o, "\">Try it<span class=\"vh\">: ");
            add_h(o, ep[i].client);
            add(o, "</span></a>");
        }
        else {
            add(o, "<em>");
            add(o, ep[i].sample ? "no base URL to link to" : "no domain");
            add(o, "</em>");
        }
        add(o, "</td></tr>\n");
    }
    add(o, "</tbody></table></div>\n");
}

apr_array_header_t *mac_status_dns_records(apr_pool_t *p,
                                           const mac_account_t *acct,
                                           const char *domain,
                                           const char *server_name,
                                           int https_port)
{
    apr_array_header_t *rrs = mac_dns_records(p, acct, domain, server_name,
                                              https_port);

    mac_pacc_dns_records(p, rrs, acct, domain, server_name);
    return rrs;
}

static apr_array_header_t *dns_records(apr_pool_t *p,
                                       const mac_status_vhost_t *vh,
                                       const char *d)
{
    return mac_status_dns_records(p, vh->acct, d, vh->server_name,
                                  vh->https_port);
}

static void html_dns(out_t *o, const mac_status_vhost_t *vh, int v)
{
    int i;

    addf(o, "<h3 id=\"vhost-%d-dns\">DNS records</h3>\n", v);
    if (ndomains(vh) == 0) {
        add(o, "<p>No domain configured.</p>\n");
        return;
    }
    add(o, "<p>To paste into each domain's zone; TTL and class are the "
           "zone's defaults. Lines that start with <code>;</code> need "
           "attention: they stand for a record that cannot be published as "
           "it is.</p>\n");
    for (i = 0; i < ndomains(vh); i++) {
        const char *d = APR_ARRAY_IDX(vh->acct->domains, i, const char *);
        apr_array_header_t *rrs = dns_records(o->p, vh, d);
        addf(o, "<h4 id=\"vhost-%d-dns-%d\">", v, i + 1);
        add_h(o, d);
        addf(o, "</h4>\n<pre class=\"zone\" tabindex=\"0\" "
                "aria-labelledby=\"vhost-%d-dns-%d\">", v, i + 1);
        add_lines_h(o, mac_dns_zone_text(o->p, rrs));
        add(o, "</pre>\n");
    }
}

static void html_vhost(out_t *o, const mac_status_vhost_t *vh, int v)
{
    const mac_account_t *a = vh->acct;
    apr_array_header_t *al = split_aliases(o->p, vh->aliases);
    apr_array_header_t *probs = mac_status_problems(o->p, vh);
    int i;

    addf(o, "<section class=\"vhost\" id=\"vhost-%d\" "
            "aria-labelledby=\"vhost-%d-name\">\n<h2 id=\"vhost-%d-name\">",
         v, v, v);
    if (vh->server_name) {
        add_h(o, vh->server_name);
    }
    else {
        add(o, "<em>no ServerName</em>");
    }
    add(o, "</h2>\n<dl class=\"kv\">\n<dt>Aliases</dt><dd>");
    if (al->nelts == 0) {
        add(o, "<em>none</em>");
    }
    for (i = 0; i < al->nelts; i++) {
        add(o, i ? ", <code>" : "<code>");
        add_h(o, APR_ARRAY_IDX(al, i, const char *));
        add(o, "</code>");
    }
    add(o, "</dd>\n<dt>Defined at</dt>");
    html_dd_or(o, vh->defined_at, "unknown");
    add(o, "<dt>Domains</dt><dd>");
    if (ndomains(vh) == 0) {
        add(o, "<em>none: this server answers nothing</em>");
    }
    for (i = 0; i < ndomains(vh); i++) {
        add(o, i ? ", <code>" : "<code>");
        add_h(o, APR_ARRAY_IDX(a->domains, i, const char *));
        add(o, "</code>");
        if (i == 0 && ndomains(vh) > 1) {
            add(o, " (default)");
        }
    }
    add(o, "</dd>\n<dt>Login name</dt><dd>");
    if (a && a->login_template) {
        add(o, "<code>");
        add_h(o, a->login_template);
        add(o, "</code>");
    }
    else {
        add(o, "<em>not set</em>");
    }
    add(o, "</dd>\n<dt>Display name</dt>");
    html_dd_or(o, a ? a->display_name : NULL, "not set: the domain is used");
    add(o, "<dt>Short name</dt>");
    html_dd_or(o, a ? a->short_name : NULL,
               "not set: the display name is used");
    add(o, "<dt>Documentation</dt><dd>");
    if (a && a->doc_url) {
        add(o, "<code class=\"url\">");
        add_url_h(o, a->doc_url);
        add(o, "</code>");
        if (a->doc_text) {
            add(o, " &#8212; ");
            add_h(o, a->doc_text);
        }
    }
    else {
        add(o, "<em>none</em>");
    }
    add(o, "</dd>\n<dt>Apple profile</dt><dd>");
    if (vh->profile_path) {
        add(o, "<code>");
        add_h(o, vh->profile_path);
        add(o, "</code>, ");
        add(o, vh->profile_signed ? "signed" : "not signed");
    }
    else {
        add(o, "<em>not offered</em>");
    }
    add(o, "</dd>\n<dt>ActiveSync</dt>");
    html_dd_or(o, vh->activesync_url, "not offered");
    add(o, "<dt>HTTPS redirect</dt>");
    html_dd_or(o, vh->https_redirect, "off");
    add(o, "</dl>\n");

    if (probs->nelts > 0) {
        addf(o, "<div class=\"problems\">\n<h3 id=\"vhost-%d-problems\">"
                "Problems (%d)</h3>\n<ul>\n", v, probs->nelts);
        for (i = 0; i < probs->nelts; i++) {
            add(o, "<li><strong>Warning:</strong> ");
            add_h(o, APR_ARRAY_IDX(probs, i, const char *));
            add(o, "</li>\n");
        }
        add(o, "</ul>\n</div>\n");
    }
    else {
        addf(o, "<h3 id=\"vhost-%d-problems\">Problems</h3>\n"
                "<p class=\"ok\">None found.</p>\n", v);
    }

    html_servers(o, vh, v);
    html_endpoints(o, vh, v);
    html_dns(o, vh, v);
    add(o, "</section>\n");
}

char *mac_status_html(apr_pool_t *p, const mac_status_t *st, apr_size_t *len)
{
    out_t o;
    apr_int64_t up = uptime_seconds(st);
    int i, nprob = 0, nvprob = 0;

    mac_buf_init(&o, p);
    add(&o, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
            "<meta charset=\"utf-8\"/>\n"
            "<meta name=\"viewport\" content=\"width=device-width, "
            "initial-scale=1\"/>\n"
            "<meta name=\"robots\" content=\"noindex, nofollow\"/>\n"
            "<title>Mail autoconfiguration status</title>\n<style>\n");
    add(&o, css);
    add(&o, "</style>\n</head>\n<body>\n<header>\n"
            "<h1>Mail autoconfiguration status</h1>\n<dl class=\"kv\">\n"
            "<dt>Module version</dt><dd id=\"version\">");
    add_h(&o, st->version ? st->version : "unknown");
    addf(&o, "</dd>\n<dt>Configuration loaded</dt><dd><time id=\"started\" "
             "datetime=\"%s\">%s</time></dd>\n", rfc3339(p, st->started),
         human_time(p, st->started));
    addf(&o, "<dt>Now</dt><dd><time id=\"now\" datetime=\"%s\">%s</time>"
             "</dd>\n", rfc3339(p, st->now), human_time(p, st->now));
    addf(&o, "<dt>Uptime</dt><dd id=\"uptime\" data-seconds=\"%"
             APR_INT64_T_FMT "\">%s</dd>\n", up, uptime_words(p, up));
    for (i = 0; i < nvhosts(st); i++) {
        int n = nwarnings(p, vhost(st, i));
        nprob += n;
        nvprob += n > 0;
    }
    addf(&o, "<dt>Problems</dt><dd id=\"problem-count\">%d", nprob);
    if (nprob) {
        addf(&o, " in %d virtual host%s", nvprob, nvprob == 1 ? "" : "s");
    }
    add(&o, "</dd>\n</dl>\n");
    if (nvhosts(st) > 0) {
        add(&o, "<nav aria-label=\"Virtual hosts\">\n<ul>\n");
        for (i = 0; i < nvhosts(st); i++) {
            const mac_status_vhost_t *vh = vhost(st, i);
            int n = nwarnings(p, vh);

            addf(&o, "<li><a href=\"#vhost-%d\">", i + 1);
            add_h(&o, vh->server_name ? vh->server_name : "(no ServerName)");
            add(&o, "</a>");
            if (n) {
                addf(&o, " &#8212; <a href=\"#vhost-%d-problems\">%d "
                         "problem%s</a>", i + 1, n, n == 1 ? "" : "s");
            }
            add(&o, "</li>\n");
        }
        add(&o, "</ul>\n</nav>\n");
    }
    add(&o, "</header>\n<main>\n");
    html_counters(&o, st);
    add(&o, st->extra_html);
    if (nvhosts(st) == 0) {
        add(&o, "<p>No virtual host has mail autoconfiguration.</p>\n");
    }
    for (i = 0; i < nvhosts(st); i++) {
        html_vhost(&o, vhost(st, i), i + 1);
    }
    add(&o, "</main>\n</body>\n</html>\n");
    return mac_buf_join(&o, len);
}

/* ------------------------------------------------------------ JSON */

static void json_vhost(out_t *o, const mac_status_vhost_t *vh)
{
    const mac_account_t *a = vh->acct;
    endpoint_t ep[NENDPOINTS];
    int i, n = endpoints(o->p, vh, ep);

    add(o, "{\"server_name\":");
    add_j(o, vh->server_name);
    add(o, ",\"aliases\":");
    mac_buf_add_json_strings(o, split_aliases(o->p, vh->aliases));
    add(o, ",\"defined_at\":");
    add_j(o, vh->defined_at);
    add(o, ",\"base_url\":");
    add_j(o, vh->base_url);
    addf(o, ",\"https_port\":%d", vh->https_port);
    add(o, ",\n\"domains\":");
    mac_buf_add_json_strings(o, a ? a->domains : NULL);
    add(o, ",\n\"servers\":[");
    for (i = 0; i < nservers(vh); i++) {
        const mac_server_t *s = &APR_ARRAY_IDX(a->servers, i, mac_server_t);
        add(o, i ? ",\n{\"protocol\":" : "\n{\"protocol\":");
        add_j(o, mac_proto_name(s->proto));
        add(o, ",\"host\":");
        add_j(o, s->host);
        addf(o, ",\"port\":%d,\"socket\":", s->port);
        add_j(o, mac_socket_name(s->socket));
        add(o, ",\"auth\":");
        add_j(o, mac_auth_name(s->auth));
        add(o, "}");
    }
    add(o, "],\n\"login_template\":");
    add_j(o, a ? a->login_template : NULL);
    add(o, ",\"display_name\":");
    add_j(o, a ? a->display_name : NULL);
    add(o, ",\"short_name\":");
    add_j(o, a ? a->short_name : NULL);
    add(o, ",\"documentation\":");
    if (a && a->doc_url) {
        add(o, "{\"url\":");
        add_j(o, a->doc_url);
        add(o, ",\"text\":");
        add_j(o, a->doc_text);
        add(o, "}");
    }
    else {
        add(o, "null");
    }
    add(o, ",\n\"profile_path\":");
    add_j(o, vh->profile_path);
    addf(o, ",\"profile_signed\":%s", vh->profile_signed ? "true" : "false");
    add(o, ",\"activesync_url\":");
    add_j(o, vh->activesync_url);
    add(o, ",\"https_redirect\":");
    add_j(o, vh->https_redirect);
    add(o, ",\n\"endpoints\":{");
    for (i = 0; i < n; i++) {
        add(o, i ? "," : "");
        add_j(o, ep[i].key);
        add(o, ":");
        add_j(o, ep[i].url);
    }
    add(o, "}");
    if (first_domain(vh)) {
        add(o, ",\n\"samples\":{");
        for (i = 0; i < n; i++) {
            add(o, i ? "," : "");
            add_j(o, ep[i].key);
            add(o, ":");
            add_j(o, ep[i].sample);
        }
        add(o, "}");
    }
    add(o, ",\n\"problems\":");
    mac_buf_add_json_strings(o, mac_status_problems(o->p, vh));
    add(o, ",\n\"dns\":{");
    for (i = 0; i < ndomains(vh); i++) {
        const char *d = APR_ARRAY_IDX(a->domains, i, const char *);
        apr_array_header_t *rrs = dns_records(o->p, vh, d);
        int k;

        add(o, i ? ",\n" : "\n");
        add_j(o, d);
        add(o, ":[");
        for (k = 0; k < rrs->nelts; k++) {
            const mac_dns_rr_t *rr = &APR_ARRAY_IDX(rrs, k, mac_dns_rr_t);
            add(o, k ? ",\n{\"name\":" : "\n{\"name\":");
            add_j(o, rr->name);
            add(o, ",\"type\":");
            add_j(o, rr->type);
            add(o, ",\"value\":");
            add_j(o, rr->value);
            add(o, ",\"comment\":");
            add_j(o, rr->comment);
            add(o, "}");
        }
        add(o, "]");
    }
    add(o, "}}");
}

char *mac_status_json(apr_pool_t *p, const mac_status_t *st, apr_size_t *len)
{
    out_t o;
    int i, k;

    mac_buf_init(&o, p);
    add(&o, "{\"version\":");
    add_j(&o, st->version);
    add(&o, ",\"started\":");
    add_j(&o, rfc3339(p, st->started));
    add(&o, ",\"now\":");
    add_j(&o, rfc3339(p, st->now));
    addf(&o, ",\"uptime_seconds\":%" APR_INT64_T_FMT ",\n\"counters\":{",
         uptime_seconds(st));
    for (i = 0; st->counters && i < st->ncounters; i++) {
        const mac_status_counter_t *c = &st->counters[i];
        unsigned long tot = 0;

        add(&o, i ? ",\n" : "\n");
        add_j(&o, c->name ? c->name : "");
        add(&o, ":{");
        for (k = 0; k < MAC_OUT_COUNT; k++) {
            addf(&o, "%s\"%s\":%lu", k ? "," : "", outcome_keys[k],
                 c->counts[k]);
            tot += c->counts[k];
        }
        addf(&o, ",\"total\":%lu}", tot);
    }
    add(&o, "}");
    if (st->has_database) {
        addf(&o, ",\n\"database_queries\":%lu", st->database_queries);
    }
    if (st->cache_mutex) {
        add(&o, ",\n\"cache_mutex\":");
        add_j(&o, st->cache_mutex);
    }
    if (st->extra_json) {
        add(&o, ",\n");
        add(&o, st->extra_json);
    }
    add(&o, ",\n\"vhosts\":[");
    for (i = 0; i < nvhosts(st); i++) {
        add(&o, i ? ",\n" : "\n");
        json_vhost(&o, vhost(st, i));
    }
    add(&o, "]}\n");
    return mac_buf_join(&o, len);
}
