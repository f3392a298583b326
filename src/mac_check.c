/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: the DNS and certificate check.  See mac_check.h.
 */
#include <string.h>
#include <arpa/inet.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include <apr_hash.h>
#include "mac_check.h"
#include "mac_dns.h"
#include "mac_buf.h"

static const char *const verdict_keys[MAC_V_COUNT] = {
    "published", "missing", "different", "no_answer", "error",
    "not_checked", "advice"
};
static const char *const verdict_labels[MAC_V_COUNT] = {
    "Published", "Missing", "Different", "No answer", "Error",
    "Not checked", "Advice"
};
static const char *const tls_keys[MAC_TLS_COUNT] = {
    "covered", "not_covered", "failed", "not_checked"
};
static const char *const tls_labels[MAC_TLS_COUNT] = {
    "Covered", "Not covered", "Failed", "Not checked"
};

const char *mac_verdict_name(mac_verdict_e v)
{
    return (unsigned)v < MAC_V_COUNT ? verdict_keys[v] : NULL;
}

const char *mac_tls_verdict_name(mac_tls_verdict_e v)
{
    return (unsigned)v < MAC_TLS_COUNT ? tls_keys[v] : NULL;
}

/* ------------------------------------------------------------ compare */

/* A host name lower case and absolute. */
static char *norm_name(apr_pool_t *p, const char *s)
{
    apr_size_t n = strlen(s);
    char *r = apr_palloc(p, n + 2), *c;

    memcpy(r, s, n + 1);
    for (c = r; *c; c++) {
        *c = (char)apr_tolower(*c);
    }
    if (n == 0 || r[n - 1] != '.') {
        r[n] = '.';
        r[n + 1] = '\0';
    }
    return r;
}

/* A decimal number without leading zeros, or NULL. */
static const char *norm_number(apr_pool_t *p, const char *s)
{
    apr_int64_t v = 0;
    const char *c;

    if (!*s || strlen(s) > 10) {
        return NULL;
    }
    for (c = s; *c; c++) {
        if (!apr_isdigit(*c)) {
            return NULL;
        }
        v = v * 10 + (*c - '0');
    }
    return apr_psprintf(p, "%" APR_INT64_T_FMT, v);
}

/* A TXT value as mac_resolve() writes it: a zone-file quoted value ("a"
 * "b", with \X and \DDD escapes) has its strings joined and re-escaped;
 * anything else is taken as already in that form. */
static const char *norm_txt(apr_pool_t *p, const char *s)
{
    char *out = apr_palloc(p, 4 * strlen(s) + 1), *o = out;
    int quoted = 0;

    while (apr_isspace(*s)) {
        s++;
    }
    if (*s != '"') {
        return s;           /* already in mac_resolve()'s form */
    }
    for (; *s; s++) {
        unsigned c = (unsigned char)*s;

        if (c == '"') {
            quoted = !quoted;
            continue;
        }
        if (!quoted) {
            continue;           /* blanks between the strings */
        }
        if (c == '\\' && s[1]) {
            if (apr_isdigit(s[1]) && apr_isdigit(s[2]) && apr_isdigit(s[3])) {
                c = (unsigned)((s[1] - '0') * 100 + (s[2] - '0') * 10
                               + (s[3] - '0'));
                s += 3;
            }
            else {
                c = (unsigned char)*++s;
            }
        }
        if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
            o += apr_snprintf(o, 5, "\\%03u", c & 0xff);
        }
        else {
            *o++ = (char)c;
        }
    }
    *o = '\0';
    return out;
}

/* value in a canonical form for type, or NULL when it is not well formed. */
static const char *normalise(apr_pool_t *p, const char *type,
                             const char *value)
{
    char *copy, *last = NULL, *tok;
    const char *f[4];
    int n = 0, i;

    if (!value || !type) {
        return NULL;
    }
    if (strcasecmp(type, "TXT") == 0) {
        return norm_txt(p, value);
    }
    if (strcasecmp(type, "A") == 0 || strcasecmp(type, "AAAA") == 0) {
        int af = strcasecmp(type, "A") == 0 ? AF_INET : AF_INET6;
        unsigned char buf[16];
        char text[INET6_ADDRSTRLEN];

        copy = apr_pstrdup(p, value);
        apr_collapse_spaces(copy, copy);
        if (inet_pton(af, copy, buf) != 1
            || !inet_ntop(af, buf, text, sizeof(text))) {
            return NULL;
        }
        return apr_pstrdup(p, text);
    }
    copy = apr_pstrdup(p, value);
    for (tok = apr_strtok(copy, " \t\r\n", &last); tok && n < 4;
         tok = apr_strtok(NULL, " \t\r\n", &last)) {
        f[n++] = tok;
    }
    if (tok) {
        return NULL;           /* more fields than any type has */
    }
    if (strcasecmp(type, "CNAME") == 0) {
        return n == 1 ? norm_name(p, f[0]) : NULL;
    }
    if (strcasecmp(type, "MX") == 0 || strcasecmp(type, "SRV") == 0) {
        int want = strcasecmp(type, "MX") == 0 ? 2 : 4;
        const char *r = "";

        if (n != want) {
            return NULL;
        }
        for (i = 0; i < n - 1; i++) {
            const char *num = norm_number(p, f[i]);
            if (!num) {
                return NULL;
            }
            r = apr_pstrcat(p, r, num, " ", NULL);
        }
        return apr_pstrcat(p, r, norm_name(p, f[n - 1]), NULL);
    }
    /* Another type: blanks collapsed, letter case ignored. */
    for (i = 0, tok = ""; i < n; i++) {
        tok = apr_pstrcat(p, tok, i ? " " : "", f[i], NULL);
    }
    return norm_name(p, tok);
}

int mac_check_same(apr_pool_t *p, const char *type, const char *advised,
                   const char *found)
{
    const char *a = normalise(p, type, advised);
    const char *b = normalise(p, type, found);

    return a && b && strcmp(a, b) == 0;
}

mac_verdict_e mac_check_verdict(apr_pool_t *p, const char *type,
                                const char *advised, mac_res_status_e st,
                                const apr_array_header_t *found)
{
    int i;

    if (!type || !advised) {
        return MAC_V_ADVICE;
    }
    switch (st) {
    case MAC_RES_FOUND:
        for (i = 0; found && i < found->nelts; i++) {
            if (mac_check_same(p, type, advised,
                               APR_ARRAY_IDX(found, i, const char *))) {
                return MAC_V_PUBLISHED;
            }
        }
        return MAC_V_DIFFERENT;
    case MAC_RES_NODATA:
    case MAC_RES_NXDOMAIN:
        return MAC_V_MISSING;
    case MAC_RES_NOANSWER:
        return MAC_V_NO_ANSWER;
    default:
        return MAC_V_ERROR;
    }
}

/* ------------------------------------------------------------ run */

typedef struct {
    mac_res_status_e          st;
    const apr_array_header_t *found;
    const char               *why;
} lookup_t;

static const char *lookup_note(apr_pool_t *p, const char *type,
                               const lookup_t *l, mac_verdict_e v)
{
    switch (l->st) {
    case MAC_RES_FOUND:
        return v == MAC_V_DIFFERENT
            ? apr_psprintf(p, "%s record%s with another value", type,
                           l->found->nelts == 1 ? "" : "s")
            : NULL;
    case MAC_RES_NODATA:
        return apr_pstrcat(p, "the name has no ", type, " record", NULL);
    case MAC_RES_NXDOMAIN:
        return "no such name (NXDOMAIN)";
    default:
        return l->why ? l->why : "no answer";
    }
}

typedef struct {
    mac_check_t         *c;
    apr_pool_t          *p;
    apr_hash_t          *asked;     /* "TYPE name" -> lookup_t */
    apr_hash_t          *slow;      /* "addr port" whose probe timed out */
    mac_check_resolve_fn resolve;
    void                *rctx;
    mac_check_probe_fn   probe;
    void                *pctx;
} run_t;

static void check_record(run_t *run, const mac_dns_rr_t *rr,
                         mac_check_rr_t *out)
{
    mac_check_t *c = run->c;
    const char *key;
    lookup_t *l;

    out->name = rr->name;
    out->type = rr->type;
    out->advised = rr->value;
    out->comment = rr->comment;
    if (!rr->type || !rr->value) {
        out->verdict = MAC_V_ADVICE;
        return;
    }
    key = apr_pstrcat(run->p, rr->type, " ", norm_name(run->p, rr->name),
                      NULL);
    l = apr_hash_get(run->asked, key, APR_HASH_KEY_STRING);
    if (!l) {
        if (c->unreachable) {
            out->verdict = MAC_V_NO_ANSWER;
            out->note = "not asked: the resolver did not answer an earlier "
                        "query";
            return;
        }
        if (c->queries >= c->max_queries) {
            out->verdict = MAC_V_NOT_CHECKED;
            out->note = apr_psprintf(run->p, "not asked: a check makes at "
                                     "most %d queries", c->max_queries);
            c->cut = 1;
            return;
        }
        l = apr_pcalloc(run->p, sizeof(*l));
        {
            apr_array_header_t *found = NULL;
            c->queries++;
            l->st = run->resolve(run->rctx, run->p, rr->name, rr->type,
                                 &found, &l->why);
            l->found = found;
        }
        if (l->st == MAC_RES_NOANSWER) {
            c->unreachable = 1;
        }
        apr_hash_set(run->asked, key, APR_HASH_KEY_STRING, l);
    }
    out->verdict = mac_check_verdict(run->p, rr->type, rr->value, l->st,
                                     l->found);
    out->found = l->st == MAC_RES_FOUND ? l->found : NULL;
    out->note = lookup_note(run->p, rr->type, l, out->verdict);
}

static void check_tls(run_t *run, const mac_check_input_t *in,
                      const char *name, mac_check_tls_t *out)
{
    mac_check_t *c = run->c;
    const char *key;

    memset(out, 0, sizeof(*out));
    out->name = name;
    if (!in->tls_addr || !run->probe) {
        out->verdict = MAC_TLS_NOT_CHECKED;
        out->res.error = "no address to connect to";
        return;
    }
    key = apr_psprintf(run->p, "%s %d", in->tls_addr, in->tls_port);
    if (apr_hash_get(run->slow, key, APR_HASH_KEY_STRING)) {
        out->verdict = MAC_TLS_NOT_CHECKED;
        out->res.error = "not probed: an earlier connection to this address "
                         "timed out";
        return;
    }
    if (c->probes >= c->max_probes) {
        out->verdict = MAC_TLS_NOT_CHECKED;
        out->res.error = apr_psprintf(run->p, "not probed: a check makes at "
                                      "most %d TLS connections",
                                      c->max_probes);
        c->cut = 1;
        return;
    }
    c->probes++;
    run->probe(run->pctx, run->p, in->tls_addr, in->tls_port, name,
               &out->res);
    if (!out->res.ok && out->res.timed_out) {
        apr_hash_set(run->slow, key, APR_HASH_KEY_STRING, key);
    }
    out->verdict = !out->res.ok ? MAC_TLS_FAILED
                 : out->res.covered ? MAC_TLS_COVERED : MAC_TLS_NOT_COVERED;
}

mac_check_t *mac_check_run(apr_pool_t *p, const apr_array_header_t *inputs,
                           int max_queries, int max_probes,
                           mac_check_resolve_fn resolve, void *rctx,
                           mac_check_probe_fn probe, void *pctx,
                           const char *resolver_label, apr_time_t now)
{
    mac_check_t *c = apr_pcalloc(p, sizeof(*c));
    run_t run;
    int i, j, k;

    c->checked = now;
    c->resolver = resolver_label;
    c->max_queries = max_queries;
    c->max_probes = max_probes;
    c->vhosts = apr_array_make(p, inputs ? inputs->nelts : 1,
                               sizeof(mac_check_vhost_t));
    run.c = c;
    run.p = p;
    run.asked = apr_hash_make(p);
    run.slow = apr_hash_make(p);
    run.resolve = resolve;
    run.rctx = rctx;
    run.probe = probe;
    run.pctx = pctx;

    for (i = 0; inputs && i < inputs->nelts; i++) {
        const mac_check_input_t *in = &APR_ARRAY_IDX(inputs, i,
                                                     mac_check_input_t);
        const apr_array_header_t *doms = in->acct ? in->acct->domains : NULL;
        mac_check_vhost_t *vh = apr_array_push(c->vhosts);

        vh->index = in->index;
        vh->server_name = in->server_name;
        vh->tls_address = !in->tls_addr ? NULL
            : strchr(in->tls_addr, ':')
                ? apr_psprintf(p, "[%s]:%d", in->tls_addr, in->tls_port)
                : apr_psprintf(p, "%s:%d", in->tls_addr, in->tls_port);
        vh->domains = apr_array_make(p, doms ? doms->nelts : 1,
                                     sizeof(mac_check_domain_t));
        for (j = 0; doms && j < doms->nelts; j++) {
            const char *d = APR_ARRAY_IDX(doms, j, const char *);
            apr_array_header_t *rrs = mac_dns_records(p, in->acct, d,
                                                      in->server_name,
                                                      in->https_port);
            mac_check_domain_t *cd = apr_array_push(vh->domains);

            cd->domain = d;
            cd->records = apr_array_make(p, rrs->nelts,
                                         sizeof(mac_check_rr_t));
            for (k = 0; k < rrs->nelts; k++) {
                mac_check_rr_t *out = apr_array_push(cd->records);
                memset(out, 0, sizeof(*out));
                check_record(&run, &APR_ARRAY_IDX(rrs, k, mac_dns_rr_t),
                             out);
            }
            cd->tls = apr_array_make(p, 2, sizeof(mac_check_tls_t));
            check_tls(&run, in, apr_pstrcat(p, "autoconfig.", d, NULL),
                      apr_array_push(cd->tls));
            check_tls(&run, in, apr_pstrcat(p, "autodiscover.", d, NULL),
                      apr_array_push(cd->tls));
        }
    }
    return c;
}

/* ------------------------------------------------------------ render */

static const char *rfc3339(apr_pool_t *p, apr_time_t t)
{
    apr_time_exp_t x;
    char buf[32];
    apr_size_t n = 0;

    if (apr_time_exp_gmt(&x, t) != APR_SUCCESS
        || apr_strftime(buf, &n, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &x)
           != APR_SUCCESS) {
        return NULL;
    }
    return apr_pstrndup(p, buf, n);
}

/* "2024-03-01 10:00:00 UTC" */
static const char *human(apr_pool_t *p, apr_time_t t)
{
    const char *s = rfc3339(p, t);
    char *h;

    if (!s) {
        return "unknown";
    }
    h = apr_pstrndup(p, s, strlen(s) - 1);
    h[10] = ' ';
    return apr_pstrcat(p, h, " UTC", NULL);
}

static void html_time(mac_buf_t *o, apr_time_t t)
{
    const char *s = rfc3339(o->p, t);

    if (!s) {
        mac_buf_add(o, "unknown");
        return;
    }
    mac_buf_addf(o, "<time datetime=\"%s\">%s</time>", s, human(o->p, t));
}

static void html_links(mac_buf_t *o, const apr_array_header_t *inputs,
                       int again)
{
    int i;

    mac_buf_addf(o, "<p><a class=\"run-check\" href=\"?check\">%s</a> "
                 "(every virtual host; as <a href=\"?check&amp;json\">JSON"
                 "</a>)</p>\n", again ? "Check again" : "Run the check");
    if (!inputs || inputs->nelts < 2) {
        return;
    }
    mac_buf_add(o, "<ul class=\"check-one\">\n");
    for (i = 0; i < inputs->nelts; i++) {
        const mac_check_input_t *in = &APR_ARRAY_IDX(inputs, i,
                                                     mac_check_input_t);
        mac_buf_addf(o, "<li><a href=\"?check=%d\">Check only ", in->index);
        mac_buf_add_xml(o, in->server_name ? in->server_name
                                        : "(no ServerName)");
        mac_buf_add(o, "</a></li>\n");
    }
    mac_buf_add(o, "</ul>\n");
}

static void html_values(mac_buf_t *o, const apr_array_header_t *a)
{
    int i;

    for (i = 0; a && i < a->nelts; i++) {
        mac_buf_add(o, i ? "<br/><code>" : "<code>");
        mac_buf_add_xml(o, APR_ARRAY_IDX(a, i, const char *));
        mac_buf_add(o, "</code>");
    }
}

/* A heading "TITLE DOMAIN" with id check-vhost-V-KIND-M and the start of
 * a table labelled by it, with these column heads. */
static void html_table(mac_buf_t *o, const char *kind, const char *title,
                       const char *domain, int v, int m,
                       const char *const *cols)
{
    mac_buf_addf(o, "<h4 id=\"check-vhost-%d-%s-%d\">%s ", v, kind, m, title);
    mac_buf_add_xml(o, domain);
    mac_buf_addf(o, "</h4>\n<div class=\"scroll\"><table class=\"check\" "
                 "aria-labelledby=\"check-vhost-%d-%s-%d\">\n<thead><tr>",
              v, kind, m);
    for (; *cols; cols++) {
        mac_buf_addf(o, "<th scope=\"col\">%s</th>", *cols);
    }
    mac_buf_add(o, "</tr></thead>\n<tbody>\n");
}

static void html_records(mac_buf_t *o, const mac_check_domain_t *d, int v,
                         int m)
{
    static const char *const cols[] = {
        "Name", "Type", "Advised", "Verdict", "Found", NULL
    };
    int i;

    html_table(o, "dns", "DNS records of", d->domain, v, m, cols);
    for (i = 0; i < d->records->nelts; i++) {
        const mac_check_rr_t *r = &APR_ARRAY_IDX(d->records, i,
                                                 mac_check_rr_t);
        mac_buf_addf(o, "<tr class=\"verdict-%s\" data-verdict=\"%s\" "
                     "data-name=\"", verdict_keys[r->verdict],
                  verdict_keys[r->verdict]);
        mac_buf_add_xml(o, r->name);
        mac_buf_add(o, "\" data-type=\"");
        mac_buf_add_xml(o, r->type ? r->type : "");
        mac_buf_add(o, "\"><td><code>");
        mac_buf_add_xml(o, r->name);
        mac_buf_add(o, "</code></td><td>");
        mac_buf_add_xml(o, r->type ? r->type : "");
        mac_buf_add(o, "</td><td>");
        if (r->advised) {
            mac_buf_add(o, "<code>");
            mac_buf_add_xml(o, r->advised);
            mac_buf_add(o, "</code>");
        }
        else {
            mac_buf_add_xml(o, r->comment);
        }
        mac_buf_addf(o, "</td><td class=\"verdict\">%s</td><td>",
                  verdict_labels[r->verdict]);
        html_values(o, r->found);
        if (r->note) {
            mac_buf_add(o, r->found && r->found->nelts ? "<br/><em>" : "<em>");
            mac_buf_add_xml(o, r->note);
            mac_buf_add(o, "</em>");
        }
        mac_buf_add(o, "</td></tr>\n");
    }
    mac_buf_add(o, "</tbody></table></div>\n");
}

static void html_tls(mac_buf_t *o, const mac_check_domain_t *d, int v, int m,
                     apr_time_t now)
{
    static const char *const cols[] = {
        "Name", "Verdict", "Expires", "Certificate names or error", NULL
    };
    int i;

    html_table(o, "tls", "Certificates for", d->domain, v, m, cols);
    for (i = 0; i < d->tls->nelts; i++) {
        const mac_check_tls_t *t = &APR_ARRAY_IDX(d->tls, i, mac_check_tls_t);
        mac_buf_addf(o, "<tr class=\"tls-%s\" data-verdict=\"%s\" data-name=\"",
                  tls_keys[t->verdict], tls_keys[t->verdict]);
        mac_buf_add_xml(o, t->name);
        mac_buf_add(o, "\"><td><code>");
        mac_buf_add_xml(o, t->name);
        mac_buf_addf(o, "</code></td><td class=\"verdict\">%s</td><td>",
                  tls_labels[t->verdict]);
        if (t->res.ok && t->res.not_after) {
            html_time(o, t->res.not_after);
            if (t->res.not_after < now) {
                mac_buf_add(o, " <strong>expired</strong>");
            }
        }
        mac_buf_add(o, "</td><td>");
        if (t->res.ok) {
            mac_buf_add_xml(o, t->res.names);
        }
        else {
            mac_buf_add(o, "<em>");
            mac_buf_add_xml(o, t->res.error);
            mac_buf_add(o, "</em>");
        }
        mac_buf_add(o, "</td></tr>\n");
    }
    mac_buf_add(o, "</tbody></table></div>\n");
}

char *mac_check_html(apr_pool_t *p, const mac_check_t *c,
                     const apr_array_header_t *inputs)
{
    mac_buf_t o;
    int i, j;

    mac_buf_init(&o, p);
    mac_buf_add(&o, "<section id=\"check\" aria-labelledby=\"check-title\">\n"
                  "<h2 id=\"check-title\">DNS and certificate check</h2>\n");
    if (!c) {
        mac_buf_add(&o, "<p>Looks up every DNS record advised below and "
                      "shows whether it is published, missing or different, "
                      "and reads the certificate each virtual host presents "
                      "for <code>autoconfig.</code> and "
                      "<code>autodiscover.</code> names. It runs only on "
                      "demand.</p>\n");
        html_links(&o, inputs, 0);
        mac_buf_add(&o, "</section>\n");
        return mac_buf_join(&o, NULL);
    }
    mac_buf_add(&o, "<dl class=\"kv\">\n<dt>Checked</dt><dd id=\"check-time\">");
    html_time(&o, c->checked);
    mac_buf_add(&o, "</dd>\n<dt>Resolver</dt><dd id=\"check-resolver\">");
    mac_buf_add_xml(&o, c->resolver);
    mac_buf_addf(&o, "</dd>\n<dt>Queries</dt><dd id=\"check-queries\">%d (at "
                  "most %d per check)</dd>\n</dl>\n", c->queries,
              c->max_queries);
    if (c->from_cache) {
        mac_buf_add(&o, "<p class=\"note\" id=\"check-cached\">These results "
                      "come from the cache: they were found by a check made "
                      "at the time above. Checks are kept for a short while "
                      "so that this page cannot make the server flood its "
                      "resolver.</p>\n");
    }
    if (c->cut) {
        mac_buf_addf(&o, "<p class=\"note\" id=\"check-cut\">The check stopped "
                      "at its bound (%d DNS queries, %d TLS connections); "
                      "what was not asked is marked &#8220;Not checked&#8221;."
                      " Check one virtual host at a time to see the rest."
                      "</p>\n", c->max_queries, c->max_probes);
    }
    if (c->unreachable) {
        mac_buf_add(&o, "<p class=\"note\" id=\"check-unreachable\">The "
                      "resolver did not answer; the records after the first "
                      "unanswered query were not asked.</p>\n");
    }
    for (i = 0; i < c->vhosts->nelts; i++) {
        const mac_check_vhost_t *vh = &APR_ARRAY_IDX(c->vhosts, i,
                                                     mac_check_vhost_t);
        mac_buf_addf(&o, "<section class=\"check-vhost\" id=\"check-vhost-%d\">"
                      "\n<h3>", vh->index);
        mac_buf_add_xml(&o, vh->server_name ? vh->server_name
                                         : "(no ServerName)");
        mac_buf_add(&o, "</h3>\n<p>Certificates read at ");
        if (vh->tls_address) {
            mac_buf_add(&o, "<code>");
            mac_buf_add_xml(&o, vh->tls_address);
            mac_buf_add(&o, "</code>");
        }
        else {
            mac_buf_add(&o, "<em>no address</em>");
        }
        mac_buf_add(&o, ", with each name as SNI.</p>\n");
        if (vh->domains->nelts == 0) {
            mac_buf_add(&o, "<p>No domain configured.</p>\n");
        }
        for (j = 0; j < vh->domains->nelts; j++) {
            const mac_check_domain_t *d = &APR_ARRAY_IDX(vh->domains, j,
                                                         mac_check_domain_t);
            html_records(&o, d, vh->index, j + 1);
            html_tls(&o, d, vh->index, j + 1, c->checked);
        }
        mac_buf_add(&o, "</section>\n");
    }
    html_links(&o, inputs, 1);
    mac_buf_add(&o, "</section>\n");
    return mac_buf_join(&o, NULL);
}

static void json_domain(mac_buf_t *o, const mac_check_domain_t *d,
                        apr_time_t now)
{
    int i;

    mac_buf_add(o, "{\"domain\":");
    mac_buf_add_json(o, d->domain);
    mac_buf_add(o, ",\"records\":[");
    for (i = 0; i < d->records->nelts; i++) {
        const mac_check_rr_t *r = &APR_ARRAY_IDX(d->records, i,
                                                 mac_check_rr_t);
        mac_buf_add(o, i ? ",\n{\"name\":" : "\n{\"name\":");
        mac_buf_add_json(o, r->name);
        mac_buf_add(o, ",\"type\":");
        mac_buf_add_json(o, r->type);
        mac_buf_add(o, ",\"advised\":");
        mac_buf_add_json(o, r->advised);
        mac_buf_add(o, ",\"comment\":");
        mac_buf_add_json(o, r->comment);
        mac_buf_addf(o, ",\"verdict\":\"%s\",\"found\":",
                  verdict_keys[r->verdict]);
        mac_buf_add_json_strings(o, r->found);
        mac_buf_add(o, ",\"note\":");
        mac_buf_add_json(o, r->note);
        mac_buf_add(o, "}");
    }
    mac_buf_add(o, "],\n\"tls\":[");
    for (i = 0; i < d->tls->nelts; i++) {
        const mac_check_tls_t *t = &APR_ARRAY_IDX(d->tls, i, mac_check_tls_t);
        int known = t->res.ok && t->res.not_after;

        mac_buf_add(o, i ? ",\n{\"name\":" : "\n{\"name\":");
        mac_buf_add_json(o, t->name);
        mac_buf_addf(o, ",\"verdict\":\"%s\",\"not_after\":",
                  tls_keys[t->verdict]);
        mac_buf_add_json(o, known ? rfc3339(o->p, t->res.not_after) : NULL);
        mac_buf_addf(o, ",\"expired\":%s,\"certificate_names\":",
                  known && t->res.not_after < now ? "true" : "false");
        mac_buf_add_json(o, t->res.ok ? t->res.names : NULL);
        mac_buf_add(o, ",\"error\":");
        mac_buf_add_json(o, t->res.ok ? NULL : t->res.error);
        mac_buf_add(o, "}");
    }
    mac_buf_add(o, "]}");
}

char *mac_check_json(apr_pool_t *p, const mac_check_t *c)
{
    mac_buf_t o;
    int i, j;

    if (!c) {
        return apr_pstrdup(p, "null");
    }
    mac_buf_init(&o, p);
    mac_buf_add(&o, "{\"checked\":");
    mac_buf_add_json(&o, rfc3339(p, c->checked));
    mac_buf_add(&o, ",\"resolver\":");
    mac_buf_add_json(&o, c->resolver);
    mac_buf_addf(&o, ",\"from_cache\":%s,\"queries\":%d,\"max_queries\":%d,"
                  "\"probes\":%d,\"max_probes\":%d,\"cut\":%s,"
                  "\"resolver_unreachable\":%s,\n\"vhosts\":[",
              c->from_cache ? "true" : "false", c->queries, c->max_queries,
              c->probes, c->max_probes, c->cut ? "true" : "false",
              c->unreachable ? "true" : "false");
    for (i = 0; i < c->vhosts->nelts; i++) {
        const mac_check_vhost_t *vh = &APR_ARRAY_IDX(c->vhosts, i,
                                                     mac_check_vhost_t);
        mac_buf_addf(&o, "%s{\"index\":%d,\"server_name\":", i ? ",\n" : "\n",
                  vh->index);
        mac_buf_add_json(&o, vh->server_name);
        mac_buf_add(&o, ",\"tls_address\":");
        mac_buf_add_json(&o, vh->tls_address);
        mac_buf_add(&o, ",\"domains\":[");
        for (j = 0; j < vh->domains->nelts; j++) {
            mac_buf_add(&o, j ? ",\n" : "\n");
            json_domain(&o, &APR_ARRAY_IDX(vh->domains, j,
                                           mac_check_domain_t), c->checked);
        }
        mac_buf_add(&o, "]}");
    }
    mac_buf_add(&o, "]}");
    return mac_buf_join(&o, NULL);
}

/* ------------------------------------------------------------ query */

int mac_status_query_parse(const char *args, int nvhosts,
                           mac_status_query_t *q)
{
    const char *s = args, *end;

    memset(q, 0, sizeof(*q));
    if (!s || !*s) {
        return 0;
    }
    for (;;) {
        apr_size_t n;

        end = strchr(s, '&');
        n = end ? (apr_size_t)(end - s) : strlen(s);
        if (n == 4 && strncmp(s, "json", 4) == 0 && !q->json) {
            q->json = 1;
        }
        else if (n == 7 && strncmp(s, "metrics", 7) == 0 && !q->metrics) {
            q->metrics = 1;
        }
        else if (n == 5 && strncmp(s, "check", 5) == 0 && !q->check) {
            q->check = 1;
        }
        else if (n > 6 && n <= 11 && strncmp(s, "check=", 6) == 0
                 && !q->check) {
            int v = 0;
            apr_size_t i;

            for (i = 6; i < n; i++) {
                if (!apr_isdigit(s[i]) || (i == 6 && s[i] == '0')) {
                    return -1;
                }
                v = v * 10 + (s[i] - '0');
            }
            if (v < 1 || v > nvhosts) {
                return -1;
            }
            q->check = 1;
            q->scope = v;
        }
        else {
            return -1;
        }
        if (!end) {
            break;
        }
        s = end + 1;
    }
    if (q->metrics && (q->json || q->check)) {
        return -1;
    }
    return 0;
}
