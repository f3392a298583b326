/*
 * mod_mailautoconf: mail client autoconfiguration for Apache httpd.
 *
 * This file is the glue to httpd: the module record, the directives, the
 * per-server configuration and its merge, the startup work (validation and
 * pre-rendering), the hooks that claim the well-known paths before any
 * rewrite or proxy does, request bodies and HTTP headers.  Everything else
 * lives in src/ and knows nothing of httpd.
 */
#include <string.h>

#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "util_filter.h"

#include "apr_strings.h"
#include "apr_hash.h"
#include "apr_md5.h"
#include "apr_lib.h"

#include "mac_account.h"
#include "mac_addr.h"
#include "mac_escape.h"
#include "mac_query.h"
#include "mac_template.h"
#include "mac_thunderbird.h"

/* The project's own numbered log tags; AH numbers belong to httpd. */
#define MACNO(n) "MAC" #n ": "

module AP_MODULE_DECLARE_DATA mailautoconf_module;

APLOG_USE_MODULE(mailautoconf);

/* ------------------------------------------------------------------ */
/* Configuration                                                       */

#define UNSET      (-1)
#define DEFAULT_LOGIN_TEMPLATE "%EMAILADDRESS%"
#define DEFAULT_CACHE_MAX_AGE  3600

/* What is pre-rendered for one served domain. */
typedef struct {
    const char *data;
    apr_size_t  len;
    const char *etag;
} mac_blob_t;

/* Everything a request needs, built once per server at startup. */
typedef struct {
    mac_account_t acct;
    apr_hash_t   *tb_docs;        /* domain -> mac_blob_t */
    const char   *first_domain;
    apr_time_t    mtime;          /* when this configuration was read */
    const char   *cache_control;  /* for address-independent answers */
} mac_state_t;

typedef struct {
    int                 engine;                     /* UNSET, 0, 1 */
    apr_array_header_t *domains;                    /* NULL: unset */
    apr_array_header_t *servers[MAC_PROTO_COUNT];   /* NULL: unset */
    const char         *login_template;
    const char         *display_name;
    const char         *short_name;
    const char         *doc_url;
    const char         *doc_text;
    int                 cache_max_age;              /* UNSET or seconds */

    /* Built by check_config; NULL when this server serves nothing. */
    mac_state_t        *state;
} mac_srv_conf;

static void *create_srv_conf(apr_pool_t *p, server_rec *s)
{
    mac_srv_conf *c = apr_pcalloc(p, sizeof(*c));

    (void)s;
    c->engine = UNSET;
    c->cache_max_age = UNSET;
    return c;
}

#define MERGE_PTR(f) c->f = add->f ? add->f : base->f
#define MERGE_INT(f) c->f = add->f != UNSET ? add->f : base->f

static void *merge_srv_conf(apr_pool_t *p, void *basev, void *addv)
{
    mac_srv_conf *base = basev, *add = addv;
    mac_srv_conf *c = apr_pcalloc(p, sizeof(*c));
    int i;

    MERGE_INT(engine);
    MERGE_PTR(domains);
    for (i = 0; i < MAC_PROTO_COUNT; i++) {
        MERGE_PTR(servers[i]);
    }
    MERGE_PTR(login_template);
    MERGE_PTR(display_name);
    MERGE_PTR(short_name);
    MERGE_PTR(doc_url);
    MERGE_PTR(doc_text);
    MERGE_INT(cache_max_age);
    return c;
}

static mac_srv_conf *srv_conf(const server_rec *s)
{
    return ap_get_module_config(s->module_config, &mailautoconf_module);
}

/* Errors from directive handlers name the directive, since httpd prints
 * the message as it is. */
static const char *cmd_error(cmd_parms *cmd, const char *what)
{
    return apr_psprintf(cmd->pool, "%s: %s", cmd->cmd->name, what);
}

static const char *set_engine(cmd_parms *cmd, void *dc, int flag)
{
    (void)dc;
    srv_conf(cmd->server)->engine = flag;
    return NULL;
}

static const char *add_domain(cmd_parms *cmd, void *dc, const char *arg)
{
    mac_srv_conf *c = srv_conf(cmd->server);
    apr_size_t len = strlen(arg);
    const char *why;
    char *d;

    (void)dc;
    if (len && arg[len - 1] == '.') {
        len--;     /* a fully qualified spelling is the same domain */
    }
    if ((why = mac_domain_check(arg, len)) != NULL) {
        return cmd_error(cmd, apr_psprintf(cmd->pool, "'%s': %s", arg, why));
    }
    d = mac_strlower(cmd->pool, arg, len);
    if (!c->domains) {
        c->domains = apr_array_make(cmd->pool, 4, sizeof(const char *));
    }
    else {
        int i;
        for (i = 0; i < c->domains->nelts; i++) {
            if (strcmp(APR_ARRAY_IDX(c->domains, i, const char *), d) == 0) {
                return cmd_error(cmd, apr_psprintf(cmd->pool,
                                 "domain '%s' is listed twice", d));
            }
        }
    }
    APR_ARRAY_PUSH(c->domains, const char *) = d;
    return NULL;
}

static const char *add_server(cmd_parms *cmd, void *dc, int argc,
                              char *const argv[])
{
    mac_srv_conf *c = srv_conf(cmd->server);
    mac_proto_e proto = (mac_proto_e)(apr_uintptr_t)cmd->info;
    mac_server_t srv;
    const char *why;

    (void)dc;
    if (argc == 1 && strcasecmp(argv[0], "none") == 0) {
        /* An explicit empty list: switch off what would be inherited. */
        if (c->servers[proto] && c->servers[proto]->nelts) {
            return cmd_error(cmd, "'none' cannot be combined with servers "
                             "in the same context");
        }
        c->servers[proto] = apr_array_make(cmd->pool, 1, sizeof(srv));
        return NULL;
    }
    if (argc < 3 || argc > 4) {
        return cmd_error(cmd, "takes HOST PORT SOCKET [AUTH], or none");
    }
    why = mac_parse_server(cmd->pool, proto, argv[0], argv[1], argv[2],
                           argc > 3 ? argv[3] : NULL, &srv);
    if (why) {
        return cmd_error(cmd, why);
    }
    if (!c->servers[proto]) {
        c->servers[proto] = apr_array_make(cmd->pool, 2, sizeof(srv));
    }
    APR_ARRAY_PUSH(c->servers[proto], mac_server_t) = srv;
    return NULL;
}

static const char *set_login_name(cmd_parms *cmd, void *dc, const char *arg)
{
    const char *why = mac_template_check(cmd->pool, arg);

    (void)dc;
    if (why) {
        return cmd_error(cmd, why);
    }
    srv_conf(cmd->server)->login_template = arg;
    return NULL;
}

/* Display names and descriptions: printable UTF-8, bounded. */
static const char *check_text(cmd_parms *cmd, const char *arg)
{
    apr_size_t len = strlen(arg);

    if (len == 0) {
        return cmd_error(cmd, "the text is empty");
    }
    if (len > 256) {
        return cmd_error(cmd, "the text is longer than 256 bytes");
    }
    if (mac_has_ctl(arg, len) || !mac_utf8_valid(arg, len)) {
        return cmd_error(cmd, "the text contains control characters or is "
                         "not UTF-8");
    }
    return NULL;
}

static const char *set_text(cmd_parms *cmd, void *dc, const char *arg)
{
    mac_srv_conf *c = srv_conf(cmd->server);
    const char *why = check_text(cmd, arg);

    (void)dc;
    if (why) {
        return why;
    }
    *(const char **)((char *)c + (apr_uintptr_t)cmd->info) = arg;
    return NULL;
}

static const char *set_documentation(cmd_parms *cmd, void *dc,
                                     const char *url, const char *text)
{
    mac_srv_conf *c = srv_conf(cmd->server);
    apr_size_t len = strlen(url);
    const char *why;

    (void)dc;
    if ((strncasecmp(url, "https://", 8) != 0
         && strncasecmp(url, "http://", 7) != 0)
        || len > 2048 || mac_has_ctl(url, len) || strchr(url, ' ')
        || !mac_utf8_valid(url, len)) {
        return cmd_error(cmd, apr_psprintf(cmd->pool, "'%s' is not an "
                         "http:// or https:// URL without spaces or control "
                         "characters", url));
    }
    if (text && (why = check_text(cmd, text)) != NULL) {
        return why;
    }
    c->doc_url = url;
    c->doc_text = text;
    return NULL;
}

static const char *set_seconds(cmd_parms *cmd, void *dc, const char *arg)
{
    mac_srv_conf *c = srv_conf(cmd->server);
    char *end;
    apr_int64_t v = apr_strtoi64(arg, &end, 10);

    (void)dc;
    if (*arg == '\0' || *end || v < 0 || v > 31536000) {
        return cmd_error(cmd, apr_psprintf(cmd->pool, "'%s' is not a number "
                         "of seconds from 0 to 31536000", arg));
    }
    c->cache_max_age = (int)v;
    return NULL;
}

#define SRV_OFFSET(f) ((void *)APR_OFFSETOF(mac_srv_conf, f))

static const command_rec mac_cmds[] = {
    AP_INIT_FLAG("MailAutoconfEngine", set_engine, NULL, RSRC_CONF,
        "On or Off: answer mail client autoconfiguration requests on this "
        "server (default On wherever MailAutoconfDomain applies)"),
    AP_INIT_ITERATE("MailAutoconfDomain", add_domain, NULL, RSRC_CONF,
        "One or more email domains this server gives settings for, "
        "e.g. example.com example.org"),
    AP_INIT_TAKE_ARGV("MailAutoconfImap", add_server,
        (void *)(apr_uintptr_t)MAC_PROTO_IMAP, RSRC_CONF,
        "HOST PORT SOCKET [AUTH]: an IMAP server, SOCKET is ssl, starttls "
        "or plain, AUTH defaults to password-cleartext; repeat in order of "
        "preference; 'none' drops inherited IMAP servers"),
    AP_INIT_TAKE_ARGV("MailAutoconfPop3", add_server,
        (void *)(apr_uintptr_t)MAC_PROTO_POP3, RSRC_CONF,
        "HOST PORT SOCKET [AUTH]: a POP3 server, SOCKET is ssl, starttls "
        "or plain, AUTH defaults to password-cleartext; repeat in order of "
        "preference; 'none' drops inherited POP3 servers"),
    AP_INIT_TAKE_ARGV("MailAutoconfSmtp", add_server,
        (void *)(apr_uintptr_t)MAC_PROTO_SMTP, RSRC_CONF,
        "HOST PORT SOCKET [AUTH]: an SMTP submission server, SOCKET is ssl, "
        "starttls or plain, AUTH defaults to password-cleartext (or none); "
        "repeat in order of preference; 'none' drops inherited ones"),
    AP_INIT_TAKE1("MailAutoconfLoginName", set_login_name, NULL, RSRC_CONF,
        "The login name template, default %EMAILADDRESS%; may use "
        "%EMAILADDRESS%, %EMAILLOCALPART% and %EMAILDOMAIN%"),
    AP_INIT_TAKE1("MailAutoconfDisplayName", set_text,
        SRV_OFFSET(display_name), RSRC_CONF,
        "The provider's name as mail clients show it, e.g. \"Example Mail\""),
    AP_INIT_TAKE1("MailAutoconfDisplayShortName", set_text,
        SRV_OFFSET(short_name), RSRC_CONF,
        "A short form of the provider's name, e.g. Example"),
    AP_INIT_TAKE12("MailAutoconfDocumentation", set_documentation, NULL,
        RSRC_CONF,
        "URL [TEXT]: a page explaining the mail setup, and its title"),
    AP_INIT_TAKE1("MailAutoconfCacheMaxAge", set_seconds, NULL, RSRC_CONF,
        "Seconds clients and caches may keep answers that do not depend on "
        "the address (default 3600)"),
    { NULL }
};

/* ------------------------------------------------------------------ */
/* Startup: validate, pre-render                                       */

static const char *make_etag(apr_pool_t *p, const char *data, apr_size_t len)
{
    unsigned char digest[APR_MD5_DIGESTSIZE];
    char hex[2 * APR_MD5_DIGESTSIZE + 1];
    int i;

    apr_md5(digest, data, len);
    for (i = 0; i < 8; i++) {
        apr_snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    }
    return apr_pstrcat(p, "\"", hex, "\"", NULL);
}

static const char *server_label(apr_pool_t *p, const server_rec *s)
{
    if (s->is_virtual) {
        return apr_psprintf(p, "virtual host %s (%s:%d)",
                            s->server_hostname ? s->server_hostname : "?",
                            s->defn_name ? s->defn_name : "?",
                            s->defn_line_number);
    }
    return "the main server";
}

/* Build the state of one server; NULL with *err set on a fatal problem,
 * NULL without error when the server serves nothing. */
static mac_state_t *build_state(apr_pool_t *p, apr_pool_t *ptemp,
                                server_rec *s, const mac_srv_conf *c,
                                const char **err)
{
    mac_state_t *st;
    apr_array_header_t *warnings;
    int i, k;

    *err = NULL;
    if (c->engine == 0 || !c->domains || c->domains->nelts == 0) {
        return NULL;
    }
    st = apr_pcalloc(p, sizeof(*st));
    st->acct.domains = c->domains;
    st->acct.servers = apr_array_make(p, 4, sizeof(mac_server_t));
    for (k = 0; k < MAC_PROTO_COUNT; k++) {
        if (c->servers[k]) {
            apr_array_cat(st->acct.servers, c->servers[k]);
        }
    }
    if (st->acct.servers->nelts == 0) {
        *err = "MailAutoconfDomain is set but no MailAutoconfImap, "
               "MailAutoconfPop3 or MailAutoconfSmtp server applies";
        return NULL;
    }
    st->acct.login_template = c->login_template ? c->login_template
                                                : DEFAULT_LOGIN_TEMPLATE;
    st->acct.display_name = c->display_name;
    st->acct.short_name = c->short_name;
    st->acct.doc_url = c->doc_url;
    st->acct.doc_text = c->doc_text;
    st->first_domain = APR_ARRAY_IDX(c->domains, 0, const char *);
    st->mtime = apr_time_sec(apr_time_now()) * APR_USEC_PER_SEC;
    st->cache_control = apr_psprintf(p, "max-age=%d",
                                     c->cache_max_age != UNSET
                                     ? c->cache_max_age
                                     : DEFAULT_CACHE_MAX_AGE);

    st->tb_docs = apr_hash_make(p);
    for (i = 0; i < c->domains->nelts; i++) {
        const char *d = APR_ARRAY_IDX(c->domains, i, const char *);
        mac_blob_t *b = apr_pcalloc(p, sizeof(*b));
        b->data = mac_tb_render(p, &st->acct, d, &b->len);
        b->etag = make_etag(p, b->data, b->len);
        apr_hash_set(st->tb_docs, d, APR_HASH_KEY_STRING, b);
    }

    warnings = mac_account_warnings(ptemp, &st->acct);
    for (i = 0; i < warnings->nelts; i++) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                     MACNO(00101) "%s: %s", server_label(ptemp, s),
                     APR_ARRAY_IDX(warnings, i, const char *));
    }
    return st;
}

/* Runs before "Syntax OK" too, so apachectl configtest catches what only
 * shows once inheritance is resolved. */
static int mac_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                            apr_pool_t *ptemp, server_rec *main_s)
{
    server_rec *s;
    const char *err;

    (void)plog;
    for (s = main_s; s; s = s->next) {
        mac_srv_conf *c = srv_conf(s);
        c->state = build_state(pconf, ptemp, s, c, &err);
        if (err) {
            ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, NULL,
                         MACNO(00102) "%s: %s", server_label(ptemp, s), err);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    return OK;
}

/* ------------------------------------------------------------------ */
/* Requests                                                            */

typedef enum {
    EP_THUNDERBIRD = 0,
    EP_COUNT
} mac_endpoint_e;

typedef struct {
    mac_endpoint_e id;
    const char    *handler;      /* for SetHandler */
    const char    *client;       /* request note "mailautoconf-client" */
} mac_endpoint_t;

static const mac_endpoint_t endpoints[EP_COUNT] = {
    { EP_THUNDERBIRD, "mailautoconf-thunderbird", "thunderbird" },
};

static const mac_endpoint_t *match_path(const mac_state_t *st,
                                        const char *uri)
{
    (void)st;
    if (strcmp(uri, "/.well-known/autoconfig/mail/config-v1.1.xml") == 0
        || strcmp(uri, "/mail/config-v1.1.xml") == 0) {
        return &endpoints[EP_THUNDERBIRD];
    }
    return NULL;
}

/* Claim our paths before mod_rewrite, mod_alias and mod_proxy look at the
 * request, so "ProxyPass /" or a catch-all RewriteRule never swallows
 * them. */
static int mac_translate(request_rec *r)
{
    mac_srv_conf *c = srv_conf(r->server);
    const mac_endpoint_t *ep;

    if (!c->state || !r->uri || r->uri[0] != '/' || r->proxyreq) {
        return DECLINED;
    }
    if ((ep = match_path(c->state, r->uri)) == NULL) {
        return DECLINED;
    }
    ap_set_module_config(r->request_config, &mailautoconf_module,
                         (void *)ep);
    r->handler = ep->handler;
    r->filename = apr_pstrcat(r->pool, "mailautoconf:", r->uri, NULL);
    ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r,
                  "claimed %s for the %s endpoint", r->uri, ep->client);
    return OK;
}

/* Nothing on disk: skip the directory and file walk for claimed paths. */
static int mac_map_to_storage(request_rec *r)
{
    if (ap_get_module_config(r->request_config, &mailautoconf_module)) {
        return OK;
    }
    return DECLINED;
}

/* A short plain-text answer; never contains request data. */
static int send_text(request_rec *r, int status, const char *text)
{
    r->status = status;
    ap_set_content_type(r, "text/plain; charset=utf-8");
    apr_table_setn(r->headers_out, "X-Content-Type-Options", "nosniff");
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    ap_set_content_length(r, (apr_off_t)strlen(text));
    if (!r->header_only) {
        ap_rputs(text, r);
    }
    return OK;
}

/* Only GET and HEAD (and OPTIONS, answered here) for read-only answers. */
static int method_gate_get(request_rec *r)
{
    r->allowed = (AP_METHOD_BIT << M_GET) | (AP_METHOD_BIT << M_OPTIONS);
    if (r->method_number == M_GET) {
        return OK;
    }
    apr_table_setn(r->headers_out, "Allow", "GET, HEAD, OPTIONS");
    if (r->method_number == M_OPTIONS) {
        ap_set_content_length(r, 0);
        return DONE;
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, MACNO(00201)
                  "method %s not allowed here", r->method);
    send_text(r, HTTP_METHOD_NOT_ALLOWED,
              "This address answers GET and HEAD only.\n");
    return DONE;
}

/* Send bytes that live as long as the configuration. */
static int send_static(request_rec *r, const char *data, apr_size_t len)
{
    apr_bucket_brigade *bb;

    ap_set_content_length(r, (apr_off_t)len);
    if (r->header_only) {
        return OK;
    }
    bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_immortal_create(data, len,
                                                           bb->bucket_alloc));
    APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(bb->bucket_alloc));
    return ap_pass_brigade(r->output_filters, bb) == APR_SUCCESS
           ? OK : AP_FILTER_ERROR;
}

/* The address from the query, validated.  Returns OK with *addr NULL when
 * there is none, OK with *addr set, or DONE after answering 400. */
static int query_address(request_rec *r, const char *name, mac_addr_t **addr)
{
    const char *val, *why;
    apr_size_t len;
    mac_q_status_e qs;

    *addr = NULL;
    qs = mac_query_get(r->pool, r->args, name, 0, &val, &len);
    switch (qs) {
    case MAC_Q_ABSENT:
        return OK;
    case MAC_Q_DUPLICATE:
        why = "the address is given more than once";
        break;
    case MAC_Q_BAD_ESCAPE:
        why = "the query has a malformed percent escape";
        break;
    default:
        *addr = apr_pcalloc(r->pool, sizeof(**addr));
        why = mac_addr_parse(r->pool, val, len, *addr);
        break;
    }
    if (!why) {
        return OK;
    }
    *addr = NULL;
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, MACNO(00202)
                  "bad request: %s", why);
    send_text(r, HTTP_BAD_REQUEST,
              apr_pstrcat(r->pool, "Bad request: ", why, ".\n", NULL));
    return DONE;
}

/* The domain a request without an address is about: the Host name (with
 * an autoconfig./autodiscover. prefix removed) when served, else the
 * server's first domain. */
static const char *domain_from_host(request_rec *r, const mac_state_t *st)
{
    const char *h = r->hostname;

    if (h) {
        if (strncasecmp(h, "autoconfig.", 11) == 0) {
            h += 11;
        }
        else if (strncasecmp(h, "autodiscover.", 13) == 0) {
            h += 13;
        }
        if (apr_hash_get(st->tb_docs, h, APR_HASH_KEY_STRING)) {
            return h;
        }
    }
    return st->first_domain;
}

static int handle_thunderbird(request_rec *r, const mac_state_t *st)
{
    mac_addr_t *addr;
    const char *domain;
    const mac_blob_t *b;
    int rc;

    if ((rc = method_gate_get(r)) != OK) {
        return rc == DONE ? OK : rc;
    }
    if ((rc = query_address(r, "emailaddress", &addr)) != OK) {
        return OK;
    }
    domain = addr ? addr->domain : domain_from_host(r, st);
    b = apr_hash_get(st->tb_docs, domain, APR_HASH_KEY_STRING);
    if (!b) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, MACNO(00203)
                      "not found: the address's domain is not served here");
        return send_text(r, HTTP_NOT_FOUND, "No settings for that domain "
                         "here.\n");
    }
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, MACNO(00204)
                  "thunderbird: serving domain %s (%s)", domain,
                  addr ? "from the address" : "from the host name");

    ap_set_content_type(r, "application/xml; charset=utf-8");
    apr_table_setn(r->headers_out, "Cache-Control", st->cache_control);
    apr_table_setn(r->headers_out, "X-Content-Type-Options", "nosniff");
    apr_table_setn(r->headers_out, "ETag", b->etag);
    ap_update_mtime(r, st->mtime);
    ap_set_last_modified(r);
    if ((rc = ap_meets_conditions(r)) != OK) {
        r->status = rc;
        return rc;
    }
    return send_static(r, b->data, b->len);
}

static int mac_handler(request_rec *r)
{
    mac_srv_conf *c = srv_conf(r->server);
    const mac_endpoint_t *ep;
    int i;

    ep = ap_get_module_config(r->request_config, &mailautoconf_module);
    if (!ep) {
        if (!r->handler || strncmp(r->handler, "mailautoconf-", 13) != 0) {
            return DECLINED;
        }
        for (i = 0; i < EP_COUNT; i++) {
            if (strcmp(r->handler, endpoints[i].handler) == 0) {
                ep = &endpoints[i];
                break;
            }
        }
        if (!ep) {
            return DECLINED;
        }
    }
    apr_table_setn(r->notes, "mailautoconf-client", ep->client);
    if (!c->state) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, MACNO(00205)
                      "SetHandler %s is used where no MailAutoconfDomain "
                      "applies", ep->handler);
        return send_text(r, HTTP_NOT_FOUND, "No mail settings here.\n");
    }
    switch (ep->id) {
    case EP_THUNDERBIRD:
        return handle_thunderbird(r, c->state);
    default:
        return DECLINED;
    }
}

static void mac_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_check_config(mac_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_translate_name(mac_translate, NULL, NULL, APR_HOOK_REALLY_FIRST);
    ap_hook_map_to_storage(mac_map_to_storage, NULL, NULL,
                           APR_HOOK_REALLY_FIRST);
    ap_hook_handler(mac_handler, NULL, NULL, APR_HOOK_REALLY_FIRST);
}

module AP_MODULE_DECLARE_DATA mailautoconf_module = {
    STANDARD20_MODULE_STUFF,
    NULL,                /* per-directory config creator */
    NULL,                /* per-directory config merger */
    create_srv_conf,     /* per-server config creator */
    merge_srv_conf,      /* per-server config merger */
    mac_cmds,            /* command table */
    mac_register_hooks,  /* hook registration */
    AP_MODULE_FLAG_NONE  /* flags */
};
