/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
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
#include "http_main.h"
#include "util_filter.h"
#include "util_cfgtree.h"
#include "util_mutex.h"
#include "ap_provider.h"
#include "ap_socache.h"

#include "apr_strings.h"
#include "apr_hash.h"
#include "apr_md5.h"
#include "apr_escape.h"
#include "apr_lib.h"
#include "apr_dbd.h"
#include "apr_optional.h"
#include "apr_atomic.h"
#include "apr_shm.h"
#include "apr_global_mutex.h"
#include "apr_thread_mutex.h"
#include "mod_dbd.h"
#include "util_ldap.h"

#include "mac_account.h"
#include "mac_addr.h"
#include "mac_escape.h"
#include "mac_query.h"
#include "mac_template.h"
#include "mac_thunderbird.h"
#include "mac_adreq.h"
#include "mac_autodiscover.h"
#include "mac_apple.h"
#include "mac_sign.h"
#include "mac_cache.h"
#include "mac_lock.h"
#include "mac_row.h"
#include "mac_user.h"
#include "mac_status.h"
#include "mac_path.h"
#include "mac_http.h"
#include "mac_check.h"
#include "mac_metrics.h"
#include "mac_std.h"
#include "mac_pacc.h"
#include "mac_dav.h"

#define MAILAUTOCONF_VERSION "1.1.0"

/* The project's own numbered log tags; AH numbers belong to httpd. */
#define MACNO(n) "MAC" #n ": "

module AP_MODULE_DECLARE_DATA mailautoconf_module;

APLOG_USE_MODULE(mailautoconf);

/* ------------------------------------------------------------------ */
/* Configuration                                                       */

#define UNSET      (-1)
#define DEFAULT_LOGIN_TEMPLATE "%EMAILADDRESS%"
#define DEFAULT_CACHE_MAX_AGE  3600
#define DEFAULT_MAX_BODY       16384
#define MAX_MAX_BODY           MAC_AD_MAX_INPUT   /* what the parser takes */
#define DEFAULT_PROFILE_PATH   "/email.mobileconfig"
#define DEFAULT_DBD_TTL        300
#define DEFAULT_DBD_NEG_TTL    60
#define DEFAULT_DBD_CACHE_SIZE 1000         /* per child, front cache */
#define DB_CACHE_MUTEX         "mailautoconf-cache"
/* The status page's name for the "pthread" mechanism as done here. */
#define CACHE_LOCK_NAME        "pthread (robust, no priority inheritance)"
/* The default shmcb cache: a key, a record of short values and shmcb's
 * index entry take about 120 bytes (bench/run.sh --db reports them), so
 * 2 MiB hold about 13,000 domains; unknown ones about 18,000 in 1 MiB. */
#define DB_CACHE_BYTES         (2 * 1024 * 1024)
#define DB_NEG_CACHE_BYTES     (1024 * 1024)

#define XML_TYPE     "application/xml; charset=utf-8"
#define AD_XML_PATH  MAC_PATH_AD_XML
#define AD_JSON_PATH MAC_PATH_AD_JSON

/* Everything one served domain needs, rendered ahead of the request:
 * at startup for configured domains, on the first request (then cached)
 * for domains from the database. */
typedef struct {
    const char          *domain;
    const mac_account_t *acct;
    const char          *tb;          /* Thunderbird document */
    apr_size_t           tb_len;
    const char          *etag;
    apr_time_t           mtime;
    const char          *cache_control;  /* for the Thunderbird document */
    const mac_ad_t      *ad;          /* Outlook documents */
    const mac_apple_t   *apple;       /* NULL when no profile can be made */
    const char          *apple_why;
    const char          *pacc;        /* PACC document, NULL: none */
    apr_size_t           pacc_len;
    const char          *pacc_etag;
    const char          *dav_location[3]; /* by mac_dav_e: the filled
                                            * CalDAV/CardDAV URL, or NULL */
} mac_site_t;

/* Everything that does not depend on a server's own names, built once per
 * distinct configuration at startup: a virtual host that sets none of the
 * module's directives (or only name-free ones such as the redirect)
 * shares the main server's. */
typedef struct {
    mac_account_t acct;
    apr_hash_t   *sites;          /* domain -> mac_site_t, configured ones */
    const mac_site_t *first_site; /* the first configured domain's, or NULL */
    const mac_ad_t    *ad;        /* the account's Outlook documents */
    const mac_apple_t *apple;     /* and Apple profile, shared by domains */
    const char        *apple_why; /* why there is no profile */
    const char   *dbd_label;      /* prepared statement, or NULL */
    const char   *dbd_query;      /* its SQL, to prepare it again */
    apr_interval_time_t dbd_ttl, dbd_neg_ttl;
    struct mac_socache_t *dbcache;/* where database answers are shared */
    unsigned      dbd_front_size; /* entries of the per-child front cache */
    mac_front_t  *front;          /* per child, made in child_init */
    unsigned char dbd_scope[MAC_CACHE_SCOPE_LEN]; /* the query's, in keys */
    const char   *dbd_cache_control; /* for database domains */
    struct mac_user_src_t *user;  /* per-address answers, or NULL */
    const char   *activesync_url;
    const char   *cache_control;  /* for address-independent answers */
    int           cache_max_age;  /* its max-age, in seconds */
    apr_off_t     max_body;       /* request body limit */
    apr_array_header_t *warnings; /* const char *: problems worth a word */
    const char   *profile_path;   /* where Apple profiles are served */
    mac_signer_t *signer;         /* NULL: profiles are not signed */
    const server_rec *first;      /* the first server using it, for logs */
} mac_shared_t;

/* What one server adds: the answers that carry its own names. */
typedef struct {
    mac_shared_t      *sh;
    const mac_ad_v2_t *v2;        /* Autodiscover v2, naming this server */
    const char   *https_host;     /* redirect plain HTTP here, or NULL */
    int           forwarded_proto;/* trust X-Forwarded-Proto */
    apr_array_header_t *warnings; /* this server's own problems */
} mac_state_t;

/* Per-address answers: where they come from (an SQL query or an LDAP
 * search, never both) and how long they are kept. */
typedef struct {
    int         source;           /* 0, 'S' (SQL) or 'L' (LDAP): the last
                                   * of the two directives set */
    const char *dbd_label;        /* MailAutoconfUserQuery */
    const char *dbd_query;
    const char *dbd_scope;        /* driver, params, query */
    const char *ldap_url;         /* MailAutoconfLDAPURL */
    const char *ldap_filter;      /* MailAutoconfLDAPFilter */
    const char *ldap_attr[MAC_USER_NFIELDS]; /* MailAutoconfLDAPAttribute */
    const char *ldap_binddn;      /* MailAutoconfLDAPBind */
    const char *ldap_bindpw;
    int         ldap_starttls;    /* UNSET, 0, 1 */
    int         ttl, neg_ttl;     /* MailAutoconfUserCacheTTL */
    int         cache_size;       /* MailAutoconfUserCacheSize */
} mac_user_conf;

typedef struct {
    int                 engine;                     /* UNSET, 0, 1 */
    apr_array_header_t *domains;                    /* NULL: unset */
    apr_hash_t         *domain_set;                 /* the same, to find
                                                     * repeats */
    apr_array_header_t *servers[MAC_PROTO_COUNT];   /* NULL: unset */
    const char         *login_template;
    const char         *display_name;
    const char         *short_name;
    const char         *doc_url;
    const char         *doc_text;
    int                 cache_max_age;              /* UNSET or seconds */
    apr_off_t           max_body;                   /* UNSET or bytes */
    const char         *activesync_url;
    const char         *https_redirect;             /* "off", "on", host */
    int                 forwarded_proto;            /* UNSET, 0, 1 */
    const char         *profile_path;
    const char         *sign_cert;                  /* all three, or none */
    const char         *sign_key;
    const char         *sign_chain;
    const char         *dbd_label;                  /* NULL: no database */
    const char         *dbd_query;
    const char         *dbd_scope;                  /* driver, params, query */
    const char         *dbd_cache;                  /* PROVIDER[:ARGS] */
    int                 dbd_ttl;                    /* UNSET or seconds */
    int                 dbd_neg_ttl;
    int                 dbd_cache_size;
    const char         *check_resolver;  /* ADDRESS:PORT; NULL: system */
    const char         *jmap_url;        /* the 1.2 additions (mac_std.h) */
    const mac_sieve_t  *managesieve;
    const char         *webmail_url;
    const mac_oauth2_t *oauth2;
    const char         *caldav_url;      /* NULL: unset; "": none */
    const char         *carddav_url;

    mac_user_conf       user;                       /* per-address answers */

    /* Built by check_config; NULL when this server serves nothing.  Never
     * merged: with AP_MODULE_FLAG_ALWAYS_MERGE each server has a
     * configuration object of its own, so this is never shared. */
    mac_state_t        *state;
} mac_srv_conf;

static void *create_srv_conf(apr_pool_t *p, server_rec *s)
{
    mac_srv_conf *c = apr_pcalloc(p, sizeof(*c));

    (void)s;
    c->engine = UNSET;
    c->cache_max_age = UNSET;
    c->max_body = UNSET;
    c->dbd_ttl = UNSET;
    c->dbd_neg_ttl = UNSET;
    c->dbd_cache_size = UNSET;
    c->forwarded_proto = UNSET;
    c->user.ldap_starttls = UNSET;
    c->user.ttl = c->user.neg_ttl = c->user.cache_size = UNSET;
    return c;
}

/* Per directory: whether the status page may be shown there, and of
 * what.  Only the administrator can say so: the directive is refused in
 * .htaccess, where "SetHandler mailautoconf-status" alone would do. */
typedef enum {
    STATUS_UNSET = 0,
    STATUS_OFF,
    STATUS_VHOST,          /* the virtual host the request came to */
    STATUS_SERVER          /* every virtual host */
} mac_status_scope_e;

typedef struct {
    mac_status_scope_e status;
} mac_dir_conf;

static void *create_dir_conf(apr_pool_t *p, char *dir)
{
    (void)dir;
    return apr_pcalloc(p, sizeof(mac_dir_conf));
}

static void *merge_dir_conf(apr_pool_t *p, void *basev, void *addv)
{
    const mac_dir_conf *base = basev, *add = addv;
    mac_dir_conf *c = apr_palloc(p, sizeof(*c));

    c->status = add->status != STATUS_UNSET ? add->status : base->status;
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
    MERGE_PTR(domain_set);
    for (i = 0; i < MAC_PROTO_COUNT; i++) {
        MERGE_PTR(servers[i]);
    }
    MERGE_PTR(login_template);
    MERGE_PTR(display_name);
    MERGE_PTR(short_name);
    MERGE_PTR(doc_url);
    MERGE_PTR(doc_text);
    MERGE_INT(cache_max_age);
    MERGE_INT(max_body);
    MERGE_PTR(activesync_url);
    MERGE_PTR(https_redirect);
    MERGE_INT(forwarded_proto);
    MERGE_PTR(profile_path);
    MERGE_PTR(dbd_label);
    MERGE_PTR(dbd_query);
    MERGE_PTR(dbd_scope);
    MERGE_PTR(dbd_cache);
    MERGE_INT(dbd_ttl);
    MERGE_INT(dbd_neg_ttl);
    MERGE_INT(dbd_cache_size);
    MERGE_PTR(check_resolver);
    MERGE_PTR(jmap_url);
    MERGE_PTR(managesieve);
    MERGE_PTR(webmail_url);
    MERGE_PTR(oauth2);
    MERGE_PTR(caldav_url);
    MERGE_PTR(carddav_url);
    c->user.source = add->user.source ? add->user.source : base->user.source;
    MERGE_PTR(user.dbd_label);
    MERGE_PTR(user.dbd_query);
    MERGE_PTR(user.dbd_scope);
    MERGE_PTR(user.ldap_url);
    MERGE_PTR(user.ldap_filter);
    for (i = 0; i < MAC_USER_NFIELDS; i++) {
        MERGE_PTR(user.ldap_attr[i]);
    }
    MERGE_PTR(user.ldap_binddn);
    MERGE_PTR(user.ldap_bindpw);
    MERGE_INT(user.ldap_starttls);
    MERGE_INT(user.ttl);
    MERGE_INT(user.neg_ttl);
    MERGE_INT(user.cache_size);
    if (add->sign_cert) {
        c->sign_cert = add->sign_cert;
        c->sign_key = add->sign_key;
        c->sign_chain = add->sign_chain;
    }
    else {
        c->sign_cert = base->sign_cert;
        c->sign_key = base->sign_key;
        c->sign_chain = base->sign_chain;
    }
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
        c->domain_set = apr_hash_make(cmd->pool);
    }
    if (apr_hash_get(c->domain_set, d, APR_HASH_KEY_STRING)) {
        return cmd_error(cmd, apr_psprintf(cmd->pool,
                         "domain '%s' is listed twice", d));
    }
    apr_hash_set(c->domain_set, d, APR_HASH_KEY_STRING, d);
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

/* Display names and descriptions: printable UTF-8, bounded. */
static const char *check_text(cmd_parms *cmd, const char *arg)
{
    const char *why = mac_text_check(arg);

    return why ? cmd_error(cmd, why) : NULL;
}

/* A string directive whose value one check accepts or refuses (with the
 * reason, which the error names the directive with). */
typedef struct {
    apr_size_t offset;                         /* in mac_srv_conf */
    const char *(*check)(apr_pool_t *p, const char *arg);
} checked_field_t;

static const checked_field_t login_name_field = {
    APR_OFFSETOF(mac_srv_conf, login_template), mac_template_check
};
static const checked_field_t profile_path_field = {
    APR_OFFSETOF(mac_srv_conf, profile_path), mac_profile_path_check
};
static const checked_field_t ldap_filter_field = {
    APR_OFFSETOF(mac_srv_conf, user.ldap_filter), mac_ldap_filter_check
};

static const char *set_checked(cmd_parms *cmd, void *dc, const char *arg)
{
    const checked_field_t *f = cmd->info;
    const char *why = f->check(cmd->temp_pool, arg);

    (void)dc;
    if (why) {
        return cmd_error(cmd, why);
    }
    *(const char **)((char *)srv_conf(cmd->server) + f->offset) = arg;
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

/* A whole number from min to max, or a message naming what it counts. */
static const char *parse_number(cmd_parms *cmd, const char *arg,
                                apr_int64_t min, apr_int64_t max,
                                const char *unit, apr_int64_t *out)
{
    char *end;
    apr_int64_t v = apr_strtoi64(arg, &end, 10);

    if (!apr_isdigit(*arg) || *end || v < min || v > max) {
        return cmd_error(cmd, apr_psprintf(cmd->pool, "'%s' is not a number "
                         "of %s from %" APR_INT64_T_FMT " to %"
                         APR_INT64_T_FMT, arg, unit, min, max));
    }
    *out = v;
    return NULL;
}

static const char *parse_seconds(cmd_parms *cmd, const char *arg, int *out)
{
    apr_int64_t v;
    const char *why = parse_number(cmd, arg, 0, 31536000, "seconds", &v);

    if (!why) {
        *out = (int)v;
    }
    return why;
}

static const char *set_seconds(cmd_parms *cmd, void *dc, const char *arg)
{
    (void)dc;
    return parse_seconds(cmd, arg, &srv_conf(cmd->server)->cache_max_age);
}

static const char *set_max_body(cmd_parms *cmd, void *dc, const char *arg)
{
    apr_int64_t v;
    const char *why = parse_number(cmd, arg, 512, MAX_MAX_BODY, "bytes", &v);

    (void)dc;
    if (!why) {
        srv_conf(cmd->server)->max_body = (apr_off_t)v;
    }
    return why;
}

static const char *set_check_resolver(cmd_parms *cmd, void *dc,
                                      const char *arg)
{
    const char *addr, *why;
    int port;

    (void)dc;
    if ((why = mac_resolver_parse(cmd->pool, arg, &addr, &port)) != NULL) {
        return cmd_error(cmd, why);
    }
    srv_conf(cmd->server)->check_resolver = apr_psprintf(cmd->pool, "%s:%d",
                                                         addr, port);
    return NULL;
}

static const char *set_dbd_cache_size(cmd_parms *cmd, void *dc,
                                      const char *arg)
{
    apr_int64_t v;
    const char *why = parse_number(cmd, arg, 1, 10000000, "entries", &v);

    (void)dc;
    if (!why) {
        srv_conf(cmd->server)->dbd_cache_size = (int)v;
    }
    return why;
}

static const char *check_url(cmd_parms *cmd, const char *url,
                             int https_only)
{
    const char *why = mac_url_check(cmd->pool, url, https_only);

    return why ? cmd_error(cmd, why) : NULL;
}

static const char *set_documentation(cmd_parms *cmd, void *dc,
                                     const char *url, const char *text)
{
    mac_srv_conf *c = srv_conf(cmd->server);
    const char *why;

    (void)dc;
    if ((why = check_url(cmd, url, 0)) != NULL) {
        return why;
    }
    if (text && (why = check_text(cmd, text)) != NULL) {
        return why;
    }
    c->doc_url = url;
    c->doc_text = text;
    return NULL;
}


static const char *set_activesync(cmd_parms *cmd, void *dc, const char *arg)
{
    const char *why = check_url(cmd, arg, 1);

    (void)dc;
    if (why) {
        return why;
    }
    srv_conf(cmd->server)->activesync_url = arg;
    return NULL;
}

/* The autoconfig draft's 1.2 additions (mac_std.h).  "none" drops what
 * would be inherited: it is kept as these markers until startup. */
static const char STD_NONE[] = "none";
static const mac_sieve_t sieve_none;
static const mac_oauth2_t oauth2_none;

static const char *set_std_url(cmd_parms *cmd, void *dc, const char *arg)
{
    mac_srv_conf *c = srv_conf(cmd->server);
    const char *why;

    (void)dc;
    if (strcasecmp(arg, "none") == 0) {
        *(const char **)((char *)c + (apr_uintptr_t)cmd->info) = STD_NONE;
        return NULL;
    }
    if ((why = mac_std_url_check(cmd->pool, arg)) != NULL) {
        return cmd_error(cmd, why);
    }
    *(const char **)((char *)c + (apr_uintptr_t)cmd->info) = arg;
    return NULL;
}

static const char *set_managesieve(cmd_parms *cmd, void *dc,
                                   const char *host, const char *port,
                                   const char *sock)
{
    mac_sieve_t *sv;
    const char *why;

    (void)dc;
    if (strcasecmp(host, "none") == 0 && !port) {
        srv_conf(cmd->server)->managesieve = &sieve_none;
        return NULL;
    }
    if ((why = mac_sieve_parse(cmd->pool, host, port, sock, &sv)) != NULL) {
        return cmd_error(cmd, why);
    }
    srv_conf(cmd->server)->managesieve = sv;
    return NULL;
}

static const char *set_oauth2(cmd_parms *cmd, void *dc, int argc,
                              char *const argv[])
{
    mac_oauth2_t *o;
    const char *why;

    (void)dc;
    if (argc == 1 && strcasecmp(argv[0], "none") == 0) {
        srv_conf(cmd->server)->oauth2 = &oauth2_none;
        return NULL;
    }
    if ((why = mac_oauth2_parse(cmd->pool, argc, (const char *const *)argv,
                                &o)) != NULL) {
        return cmd_error(cmd, why);
    }
    srv_conf(cmd->server)->oauth2 = o;
    return NULL;
}


/* MailAutoconfCalDAV, MailAutoconfCardDAV: a URL, or none to drop an
 * inherited one. */
static const char *set_dav(cmd_parms *cmd, void *dc, const char *arg)
{
    mac_srv_conf *c = srv_conf(cmd->server);
    const char *why;

    (void)dc;
    if (strcasecmp(arg, "none") == 0) {
        arg = "";
    }
    else if ((why = mac_dav_url_check(cmd->pool, arg)) != NULL) {
        return cmd_error(cmd, why);
    }
    if (cmd->info == (void *)MAC_DAV_CALDAV) {
        c->caldav_url = arg;
    }
    else {
        c->carddav_url = arg;
    }
    return NULL;
}

static const char *set_https_redirect(cmd_parms *cmd, void *dc,
                                      const char *arg)
{
    const char *host, *why;
    int port;

    (void)dc;
    if (strcasecmp(arg, "off") != 0 && strcasecmp(arg, "on") != 0
        && (why = mac_hostport_parse(cmd->pool, arg, &host, &port))
           != NULL) {
        return cmd_error(cmd, apr_psprintf(cmd->pool, "'%s' is not On, Off "
                         "or HOST[:PORT]: %s", arg, why));
    }
    srv_conf(cmd->server)->https_redirect = apr_pstrdup(cmd->pool, arg);
    return NULL;
}

static const char *set_status_scope(cmd_parms *cmd, void *dc,
                                    const char *arg)
{
    mac_dir_conf *d = dc;

    if (strcasecmp(arg, "off") == 0) {
        d->status = STATUS_OFF;
    }
    else if (strcasecmp(arg, "virtualhost") == 0) {
        d->status = STATUS_VHOST;
    }
    else if (strcasecmp(arg, "server") == 0) {
        d->status = STATUS_SERVER;
    }
    else {
        return cmd_error(cmd, apr_psprintf(cmd->pool, "'%s' is not Off, "
                         "VirtualHost or Server", arg));
    }
    return NULL;
}

static const char *set_forwarded_proto(cmd_parms *cmd, void *dc, int flag)
{
    (void)dc;
    srv_conf(cmd->server)->forwarded_proto = flag;
    return NULL;
}

static const char *set_signing(cmd_parms *cmd, void *dc, const char *cert,
                               const char *key, const char *chain)
{
    mac_srv_conf *c = srv_conf(cmd->server);

    (void)dc;
    if (!key) {
        return cmd_error(cmd, "takes CERTFILE KEYFILE [CHAINFILE]");
    }
    c->sign_cert = ap_server_root_relative(cmd->pool, cert);
    c->sign_key = ap_server_root_relative(cmd->pool, key);
    c->sign_chain = chain ? ap_server_root_relative(cmd->pool, chain) : NULL;
    if (!c->sign_cert || !c->sign_key || (chain && !c->sign_chain)) {
        return cmd_error(cmd, "a file name is not valid");
    }
    return NULL;
}

/* ---- Shared caches of database answers (httpd's mod_socache) ------ */

/* One shared object cache per distinct MailAutoconfDBDCache setting,
 * used by every configuration with that setting; the keys tell their
 * queries apart.  Answers that a name is unknown go to a small shmcb cache
 * of their own, so that a flood of made-up names never pushes out a known
 * one. */
typedef struct mac_socache_t {
    const char                  *setting;  /* "PROVIDER[:ARGS]", for logs */
    const char                  *cname;    /* the provider's namespace */
    int                          needs_mutex; /* not MP-safe (shmcb) */
    const ap_socache_provider_t *prov;
    ap_socache_instance_t       *inst;
    apr_size_t                   avg_obj;  /* hint */
    int                          ready;    /* init succeeded */
    apr_time_t                   complained; /* per child: rate-limits logs */
} mac_socache_t;

static apr_hash_t    *socaches;   /* setting -> mac_socache_t, in pconf */
static mac_socache_t *neg_cache;  /* "unknown" answers */
/* One lock for every cache that needs one (shmcb): a look-up in the cache
 * of unknown names and in that of known ones then takes a single hold.
 * It is the mutex "mailautoconf-cache": with httpd's "pthread" mechanism
 * (the default on Linux) our own lock (src/mac_lock.h says why), with any
 * other APR's. */
static mac_lock_t         *cache_lock;
static apr_global_mutex_t *cache_mutex;

/* Make the cache for a setting (once per setting and configuration
 * cycle); NULL with *err set when the provider is missing or refuses
 * the arguments. */
static mac_socache_t *get_socache(apr_pool_t *pconf, apr_pool_t *ptemp,
                                  const char *setting, const char *cname,
                                  apr_size_t avg_obj, const char **err)
{
    mac_socache_t *c = socaches ? apr_hash_get(socaches, setting,
                                               APR_HASH_KEY_STRING) : NULL;
    const char *colon = strchr(setting, ':');
    const char *name = colon ? apr_pstrmemdup(ptemp, setting, colon - setting)
                             : setting;
    const char *why;

    if (c) {
        return c;
    }
    c = apr_pcalloc(pconf, sizeof(*c));
    c->setting = apr_pstrdup(pconf, setting);
    c->cname = cname;
    c->avg_obj = avg_obj;
    c->prov = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, name,
                                 AP_SOCACHE_PROVIDER_VERSION);
    if (!c->prov) {
        *err = apr_psprintf(ptemp, "no shared object cache provider \"%s\": "
                            "load its module (LoadModule socache_%s_module "
                            "modules/mod_socache_%s.so) before this "
                            "directive", name, name, name);
        return NULL;
    }
    if ((why = c->prov->create(&c->inst, colon ? colon + 1 : NULL, ptemp,
                               pconf)) != NULL) {
        *err = apr_psprintf(ptemp, "%s: %s", name, why);
        return NULL;
    }
    c->needs_mutex = (c->prov->flags & AP_SOCACHE_FLAG_NOTMPSAFE) != 0;
    if (!socaches) {
        socaches = apr_hash_make(pconf);
    }
    apr_hash_set(socaches, c->setting, APR_HASH_KEY_STRING, c);
    return c;
}

static apr_status_t destroy_socache(void *data)
{
    mac_socache_t *c = data;

    if (c->ready) {
        c->prov->destroy(c->inst, ap_server_conf);
        c->ready = 0;
    }
    return APR_SUCCESS;
}

/* post_config: set each cache up, with its mutex when it needs one. */
static int init_socache(mac_socache_t *c, apr_pool_t *pconf, server_rec *s)
{
    struct ap_socache_hints hints;
    apr_status_t rv;

    memset(&hints, 0, sizeof(hints));
    hints.avg_id_len = 32;
    /* shmcb makes one index entry (about 24 bytes) per avg_id_len +
     * avg_obj_size bytes and takes the index out of the same memory:
     * counting the index in the object balances the two. */
    hints.avg_obj_size = c->avg_obj + 24;
    hints.expiry_interval = apr_time_from_sec(30);
    if (c->needs_mutex && !cache_lock && !cache_mutex) {
        apr_global_mutex_t *m = NULL;

        rv = ap_global_mutex_create(&m, NULL, DB_CACHE_MUTEX, NULL, s, pconf,
                                    0);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s, MACNO(00512)
                         "MailAutoconfDBDCache %s: cannot make its mutex",
                         c->setting);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        if (apr_global_mutex_mech(m) == APR_LOCK_PROC_PTHREAD
            && mac_lock_create(&cache_lock, pconf) == APR_SUCCESS) {
            apr_global_mutex_destroy(m);
        }
        else {
            cache_mutex = m;      /* APR's, where ours cannot be made */
        }
    }
    if ((rv = c->prov->init(c->inst, c->cname, &hints, s, pconf))
        != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s, MACNO(00513)
                     "MailAutoconfDBDCache %s: the cache cannot be set up",
                     c->setting);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    c->ready = 1;
    apr_pool_cleanup_register(pconf, c, destroy_socache,
                              apr_pool_cleanup_null);
    return OK;
}

/* At most one complaint per cache every 30 seconds in each child: a cache
 * server that is down would otherwise fill the log. */
static void socache_complain(request_rec *r, mac_socache_t *c,
                             apr_status_t rv, const char *what)
{
    if (r->request_time - c->complained < apr_time_from_sec(30)) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, rv, r, MACNO(00517)
                      "database cache %s: %s failed", c->setting, what);
        return;
    }
    c->complained = r->request_time;
    ap_log_rerror(APLOG_MARK, APLOG_WARNING, rv, r, MACNO(00510)
                  "database cache %s: %s failed; answering from the "
                  "database (said at most every 30 seconds)", c->setting,
                  what);
}

/* Look key up in c, whose mutex (if it needs one) the caller holds: 1
 * with *len bytes in buf on a hit, 0 on a miss or any failure of the
 * cache (then the database answers). */
static int socache_retrieve(request_rec *r, mac_socache_t *c,
                            const unsigned char *key, apr_size_t klen,
                            unsigned char *buf, unsigned int *len)
{
    apr_status_t rv;

    rv = c->prov->retrieve(c->inst, r->server, key, (unsigned int)klen, buf,
                           len, r->pool);
    if (rv == APR_SUCCESS) {
        return 1;
    }
    if (!APR_STATUS_IS_NOTFOUND(rv)) {
        socache_complain(r, c, rv, "a look-up");
    }
    return 0;
}

/* Take the caches' lock if c needs it: 1, or 0 after a complaint. */
static int socache_lock(request_rec *r, mac_socache_t *c)
{
    apr_status_t rv;
    int died = 0;

    if (!c->needs_mutex) {
        return 1;
    }
    rv = cache_lock ? mac_lock_acquire(cache_lock, &died)
                    : apr_global_mutex_lock(cache_mutex);
    if (rv != APR_SUCCESS) {
        socache_complain(r, c, rv, "locking");
        return 0;
    }
    if (died) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, MACNO(00519)
                      "database cache %s: a process died holding the "
                      "caches' lock; taken over", c->setting);
    }
    return 1;
}

static void socache_unlock(mac_socache_t *c)
{
    if (!c->needs_mutex) {
        return;
    }
    if (cache_lock) {
        mac_lock_release(cache_lock);
    }
    else {
        apr_global_mutex_unlock(cache_mutex);
    }
}

static int socache_get(request_rec *r, mac_socache_t *c,
                       const unsigned char *key, apr_size_t klen,
                       unsigned char *buf, unsigned int *len)
{
    int hit;

    if (!c || !c->ready || !socache_lock(r, c)) {
        return 0;
    }
    hit = socache_retrieve(r, c, key, klen, buf, len);
    socache_unlock(c);
    return hit;
}

/* Look key up among the unknown names (neg), then the known ones: 1 when
 * it is unknown, 2 when known with *len bytes of its record in buf, 0 for
 * neither.  When both take the caches' lock (shmcb for both, the
 * default), one hold covers the two look-ups: on a cold domain the lock is
 * then taken twice (here and to store the answer) instead of three times,
 * and under load every hold is a chance to wait for another child. */
static int socache_lookup(request_rec *r, mac_socache_t *neg,
                          mac_socache_t *known, const unsigned char *key,
                          apr_size_t klen, unsigned char *buf,
                          unsigned int *len)
{
    unsigned int cap = *len;
    unsigned char mark[8];
    unsigned int mlen = sizeof(mark);
    int rc = 0;

    if (neg && neg->ready && known && known->ready && neg->needs_mutex
        && known->needs_mutex) {
        if (!socache_lock(r, neg)) {
            return 0;
        }
        if (socache_retrieve(r, neg, key, klen, mark, &mlen)) {
            rc = 1;
        }
        else if (socache_retrieve(r, known, key, klen, buf, len)) {
            rc = 2;
        }
        socache_unlock(neg);
        return rc;
    }
    if (socache_get(r, neg, key, klen, mark, &mlen)) {
        return 1;
    }
    *len = cap;
    return socache_get(r, known, key, klen, buf, len) ? 2 : 0;
}

/* Keep an answer until expires; a failure only costs a later query. */
static void socache_put(request_rec *r, mac_socache_t *c,
                        const unsigned char *key, apr_size_t klen,
                        unsigned char *val, apr_size_t vlen,
                        apr_time_t expires)
{
    apr_status_t rv;

    if (!c || !c->ready || !socache_lock(r, c)) {
        return;
    }
    rv = c->prov->store(c->inst, r->server, key, (unsigned int)klen, expires,
                        val, (unsigned int)vlen, r->pool);
    socache_unlock(c);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, rv, r, MACNO(00511)
                      "database cache %s: storing an answer failed",
                      c->setting);
    }
}

/* MailAutoconfDBDCache PROVIDER[:ARGS] */
static const char *set_dbd_cache(cmd_parms *cmd, void *dc, const char *arg)
{
    const char *err = NULL;

    (void)dc;
    if (!*arg || *arg == ':') {
        return cmd_error(cmd, "name a shared object cache provider, e.g. "
                         "shmcb, memcache:HOST:PORT or redis:HOST:PORT");
    }
    /* Every server sharing a memcache or redis server must use the same
     * namespace, so it is fixed. */
    if (!get_socache(cmd->pool, cmd->temp_pool, arg, "mailautoconf", 96,
                     &err)) {
        return cmd_error(cmd, err);
    }
    srv_conf(cmd->server)->dbd_cache = arg;
    return NULL;
}

/* The directive of this name in the server's section, or in the main
 * server's for a virtual host that does not set it (mod_dbd merges so). */
static const char *section_arg(const ap_directive_t *d, const char *name)
{
    const ap_directive_t *sec = d ? d->parent : NULL, *in;

    for (in = sec ? sec->first_child : ap_conftree; in; in = in->next) {
        if (strcasecmp(in->directive, name) == 0) {
            return in->args;
        }
    }
    return sec ? section_arg(NULL, name) : "";
}

static APR_OPTIONAL_FN_TYPE(ap_dbd_prepare) *dbd_prepare_fn;
static APR_OPTIONAL_FN_TYPE(ap_dbd_open) *dbd_open_fn;
static APR_OPTIONAL_FN_TYPE(ap_dbd_close) *dbd_close_fn;

/* A query for mod_dbd with exactly one %s, where what goes; NULL or the
 * directive's error. */
static const char *check_dbd_query(cmd_parms *cmd, const char *query,
                                   const char *what)
{
    const char *first;

    if (!dbd_prepare_fn) {
        dbd_prepare_fn = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_prepare);
        dbd_open_fn = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_open);
        dbd_close_fn = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_close);
    }
    if (!dbd_prepare_fn || !dbd_open_fn || !dbd_close_fn) {
        return cmd_error(cmd, "needs mod_dbd: load it (LoadModule "
                         "dbd_module) before this directive");
    }
    first = strstr(query, "%s");
    if (!first || strstr(first + 2, "%s")) {
        return cmd_error(cmd, apr_pstrcat(cmd->pool, "the query must have "
                         "exactly one %s, where the ", what, " goes", NULL));
    }
    return NULL;
}

static const char *set_dbd_query(cmd_parms *cmd, void *dc, const char *query)
{
    static unsigned label_seq;
    mac_srv_conf *c = srv_conf(cmd->server);
    const char *why;

    (void)dc;
    if ((why = check_dbd_query(cmd, query, "domain")) != NULL) {
        return why;
    }
    c->dbd_label = apr_psprintf(cmd->pool, "mailautoconf_%u", ++label_seq);
    c->dbd_query = query;
    /* Cache keys depend on the query and on the database it runs on. */
    c->dbd_scope = apr_pstrcat(cmd->pool,
                               section_arg(cmd->directive, "DBDriver"), "\n",
                               section_arg(cmd->directive, "DBDParams"), "\n",
                               query, NULL);
    dbd_prepare_fn(cmd->server, query, c->dbd_label);
    return NULL;
}


static const char *set_dbd_ttl(cmd_parms *cmd, void *dc, const char *pos,
                               const char *neg)
{
    mac_srv_conf *c = srv_conf(cmd->server);
    const char *why;

    (void)dc;
    if ((why = parse_seconds(cmd, pos, &c->dbd_ttl)) != NULL) {
        return why;
    }
    return neg ? parse_seconds(cmd, neg, &c->dbd_neg_ttl) : NULL;
}


/* ---- Per-address answers: directives ------------------------------ */

static APR_OPTIONAL_FN_TYPE(uldap_connection_find) *ldap_find_fn;
static APR_OPTIONAL_FN_TYPE(uldap_connection_close) *ldap_close_fn;
static APR_OPTIONAL_FN_TYPE(uldap_cache_getuserdn) *ldap_getuserdn_fn;

/* MailAutoconfUserQuery SQL */
static const char *set_user_query(cmd_parms *cmd, void *dc, const char *query)
{
    static unsigned label_seq;
    mac_user_conf *u = &srv_conf(cmd->server)->user;
    const char *why;

    (void)dc;
    if ((why = check_dbd_query(cmd, query, "address")) != NULL) {
        return why;
    }
    u->dbd_label = apr_psprintf(cmd->pool, "mailautoconf_user_%u",
                                ++label_seq);
    u->dbd_query = query;
    u->dbd_scope = apr_pstrcat(cmd->pool, "sql\n",
                               section_arg(cmd->directive, "DBDriver"), "\n",
                               section_arg(cmd->directive, "DBDParams"), "\n",
                               query, NULL);
    dbd_prepare_fn(cmd->server, query, u->dbd_label);
    u->source = 'S';
    return NULL;
}

/* MailAutoconfLDAPURL ldap[s]://HOST[:PORT]/BASEDN */
static const char *set_ldap_url(cmd_parms *cmd, void *dc, const char *arg)
{
    mac_ldap_url_t url;
    const char *why;

    (void)dc;
    ldap_find_fn = APR_RETRIEVE_OPTIONAL_FN(uldap_connection_find);
    ldap_close_fn = APR_RETRIEVE_OPTIONAL_FN(uldap_connection_close);
    ldap_getuserdn_fn = APR_RETRIEVE_OPTIONAL_FN(uldap_cache_getuserdn);
    if (!ldap_find_fn || !ldap_close_fn || !ldap_getuserdn_fn) {
        return cmd_error(cmd, "needs mod_ldap: load it (LoadModule "
                         "ldap_module) before this directive");
    }
    if ((why = mac_ldap_url_parse(cmd->temp_pool, arg, &url)) != NULL) {
        return cmd_error(cmd, why);
    }
    srv_conf(cmd->server)->user.ldap_url = arg;
    srv_conf(cmd->server)->user.source = 'L';
    return NULL;
}

/* MailAutoconfLDAPAttribute FIELD ATTRIBUTE */
static const char *set_ldap_attr(cmd_parms *cmd, void *dc, const char *field,
                                 const char *attr)
{
    int f = mac_user_field(field);
    const char *c;

    (void)dc;
    if (f < 0) {
        return cmd_error(cmd, apr_psprintf(cmd->pool, "unknown field '%s': "
                         "use login_name, display_name, imap_host, "
                         "pop3_host, smtp_host, redirect_addr or "
                         "redirect_url", field));
    }
    for (c = attr; *c; c++) {
        if (!apr_isalnum(*c) && *c != '-' && *c != ';' && *c != '.') {
            break;
        }
    }
    if (!*attr || *c || !apr_isalpha(*attr) || strlen(attr) > 64) {
        return cmd_error(cmd, "the attribute must be an LDAP attribute "
                         "name (a letter, then letters, digits and '-')");
    }
    srv_conf(cmd->server)->user.ldap_attr[f] = attr;
    return NULL;
}

/* MailAutoconfLDAPBind DN PASSWORD */
static const char *set_ldap_bind(cmd_parms *cmd, void *dc, const char *dn,
                                 const char *pw)
{
    mac_user_conf *u = &srv_conf(cmd->server)->user;

    (void)dc;
    if (!*dn || mac_has_ctl(dn, strlen(dn))) {
        return cmd_error(cmd, "the bind DN is empty or has a control "
                         "character");
    }
    u->ldap_binddn = dn;
    u->ldap_bindpw = pw;
    return NULL;
}

static const char *set_ldap_starttls(cmd_parms *cmd, void *dc, int flag)
{
    (void)dc;
    srv_conf(cmd->server)->user.ldap_starttls = flag;
    return NULL;
}

/* MailAutoconfUserCacheTTL SECONDS [NEGATIVE_SECONDS] */
static const char *set_user_ttl(cmd_parms *cmd, void *dc, const char *pos,
                                const char *neg)
{
    mac_user_conf *u = &srv_conf(cmd->server)->user;
    const char *why;

    (void)dc;
    if ((why = parse_seconds(cmd, pos, &u->ttl)) != NULL) {
        return why;
    }
    return neg ? parse_seconds(cmd, neg, &u->neg_ttl) : NULL;
}

static const char *set_user_cache_size(cmd_parms *cmd, void *dc,
                                       const char *arg)
{
    apr_int64_t v;
    const char *why = parse_number(cmd, arg, 1, 10000000, "entries", &v);

    (void)dc;
    if (!why) {
        srv_conf(cmd->server)->user.cache_size = (int)v;
    }
    return why;
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
    AP_INIT_TAKE1("MailAutoconfLoginName", set_checked,
        (void *)&login_name_field, RSRC_CONF,
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
    AP_INIT_TAKE1("MailAutoconfMaxBodySize", set_max_body, NULL, RSRC_CONF,
        "The largest Autodiscover request body accepted, in bytes "
        "(default 16384, at most 65536); larger ones get 413"),
    AP_INIT_TAKE1("MailAutoconfActiveSyncURL", set_activesync, NULL,
        RSRC_CONF,
        "https:// URL of an ActiveSync server, offered to clients that ask "
        "Autodiscover for the mobilesync schema"),
    AP_INIT_TAKE1("MailAutoconfCalDAV", set_dav, (void *)MAC_DAV_CALDAV,
        RSRC_CONF,
        "https:// URL of the CalDAV service (may contain %EMAILDOMAIN%), or "
        "none: /.well-known/caldav redirects there, and the documents offer "
        "it"),
    AP_INIT_TAKE1("MailAutoconfCardDAV", set_dav, (void *)MAC_DAV_CARDDAV,
        RSRC_CONF,
        "https:// URL of the CardDAV service (may contain %EMAILDOMAIN%), "
        "or none: /.well-known/carddav redirects there, and the documents "
        "offer it"),
    AP_INIT_TAKE1("MailAutoconfRedirectHTTPS", set_https_redirect, NULL,
        RSRC_CONF,
        "Off, On or HOST[:PORT]: on plain HTTP, redirect autoconfiguration "
        "requests to HTTPS (on this server's name, or HOST) instead of "
        "answering in clear text (default Off)"),
    AP_INIT_FLAG("MailAutoconfTrustForwardedProto", set_forwarded_proto,
        NULL, RSRC_CONF,
        "On or Off: behind a TLS-terminating proxy, take the scheme from "
        "its X-Forwarded-Proto header, so MailAutoconfRedirectHTTPS does "
        "not redirect requests that reached the proxy over HTTPS (default "
        "Off)"),
    AP_INIT_TAKE1("MailAutoconfStatus", set_status_scope, NULL,
        RSRC_CONF | ACCESS_CONF,
        "Off, VirtualHost or Server: where SetHandler mailautoconf-status "
        "applies, show the status page of this virtual host or of every "
        "one (server configuration only, never .htaccess; default Off)"),
    AP_INIT_TAKE1("MailAutoconfProfilePath", set_checked,
        (void *)&profile_path_field,
        RSRC_CONF,
        "The URL path of Apple configuration profiles and of the page that "
        "asks for them (default /email.mobileconfig)"),
    AP_INIT_TAKE123("MailAutoconfProfileSigning", set_signing, NULL,
        RSRC_CONF,
        "CERTFILE KEYFILE [CHAINFILE]: PEM files to sign Apple profiles "
        "with, typically the server's own TLS certificate and key"),
    AP_INIT_TAKE1("MailAutoconfDBDQuery", set_dbd_query, NULL, RSRC_CONF,
        "An SQL query run through mod_dbd with the domain for its one %s; "
        "a row means the domain is served, and its columns display_name, "
        "short_name, login_name, imap_host, pop3_host, smtp_host, "
        "caldav_url, carddav_url override the directives"),
    AP_INIT_TAKE12("MailAutoconfDBDCacheTTL", set_dbd_ttl, NULL, RSRC_CONF,
        "SECONDS [NEGATIVE_SECONDS]: how long a database answer is kept, "
        "and an answer that a domain is unknown (default 300 60)"),
    AP_INIT_TAKE1("MailAutoconfDBDCache", set_dbd_cache, NULL, RSRC_CONF,
        "PROVIDER[:ARGS]: the shared object cache (mod_socache) that keeps "
        "database answers, e.g. shmcb, memcache:HOST:PORT or "
        "redis:HOST:PORT (default shmcb, 2 MiB: about 13,000 domains)"),
    AP_INIT_TAKE1("MailAutoconfCheckResolver", set_check_resolver, NULL,
        RSRC_CONF, "The name server (IPv4 ADDRESS[:PORT]) the status page's "
        "DNS check asks (default: the system's, from resolv.conf)"),
    AP_INIT_TAKE1("MailAutoconfUserQuery", set_user_query, NULL, RSRC_CONF,
        "An SQL query run through mod_dbd with the address for its one %s; "
        "a row's columns login_name, display_name, imap_host, pop3_host, "
        "smtp_host, redirect_addr, redirect_url answer for that address"),
    AP_INIT_TAKE1("MailAutoconfLDAPURL", set_ldap_url, NULL, RSRC_CONF,
        "ldap://HOST[:PORT]/BASEDN or ldaps://...: the directory searched "
        "(through mod_ldap) for per-address answers"),
    AP_INIT_TAKE1("MailAutoconfLDAPFilter", set_checked,
        (void *)&ldap_filter_field, RSRC_CONF,
        "The search filter, %s standing for the address (default "
        "(mail=%s))"),
    AP_INIT_TAKE2("MailAutoconfLDAPAttribute", set_ldap_attr, NULL,
        RSRC_CONF, "FIELD ATTRIBUTE: the LDAP attribute that gives a field "
        "(login_name, display_name, imap_host, pop3_host, smtp_host, "
        "redirect_addr, redirect_url)"),
    AP_INIT_TAKE2("MailAutoconfLDAPBind", set_ldap_bind, NULL, RSRC_CONF,
        "DN PASSWORD: bind as this DN (default: anonymous)"),
    AP_INIT_FLAG("MailAutoconfLDAPStartTLS", set_ldap_starttls, NULL,
        RSRC_CONF, "On: StartTLS on an ldap:// URL (default Off)"),
    AP_INIT_TAKE12("MailAutoconfUserCacheTTL", set_user_ttl, NULL, RSRC_CONF,
        "SECONDS [NEGATIVE_SECONDS]: how long a per-address answer is kept, "
        "and an answer that an address is unknown (default 300 60)"),
    AP_INIT_TAKE1("MailAutoconfUserCacheSize", set_user_cache_size, NULL,
        RSRC_CONF, "How many addresses the shmcb cache of per-address "
        "answers holds when MailAutoconfDBDCache is not set (default "
        "10000)"),
    AP_INIT_TAKE1("MailAutoconfDBDCacheSize", set_dbd_cache_size, NULL,
        RSRC_CONF,
        "How many database domains each child also keeps itself, in front "
        "of the shared cache, with their Thunderbird document (default "
        "1000)"),
    AP_INIT_TAKE1("MailAutoconfJMAP", set_std_url, SRV_OFFSET(jmap_url),
        RSRC_CONF,
        "https:// URL of the JMAP session resource, offered to clients "
        "(autoconfig 1.2 and PACC); 'none' drops an inherited one"),
    AP_INIT_TAKE123("MailAutoconfManageSieve", set_managesieve, NULL,
        RSRC_CONF,
        "HOST [PORT [SOCKET]]: a ManageSieve server for mail filters "
        "(default port 4190, socket starttls); 'none' drops an inherited "
        "one"),
    AP_INIT_TAKE1("MailAutoconfWebmail", set_std_url,
        SRV_OFFSET(webmail_url), RSRC_CONF,
        "https:// URL of the webmail login page; 'none' drops an "
        "inherited one"),
    AP_INIT_TAKE_ARGV("MailAutoconfOAuth2", set_oauth2, NULL, RSRC_CONF,
        "issuer=URL auth-url=URL token-url=URL [scope=...] [client-id=...] "
        "[order=password-first|oauth2-first]: the provider's OAuth2 server; "
        "'none' drops an inherited one"),
    { NULL }
};

/* ------------------------------------------------------------------ */
/* Startup: validate, pre-render                                       */

/* A strong validator: the first 8 bytes of the body's MD5, in hex. */
static const char *make_etag(apr_pool_t *p, const char *data, apr_size_t len)
{
    unsigned char digest[APR_MD5_DIGESTSIZE];

    apr_md5(digest, data, len);
    return apr_pstrcat(p, "\"", apr_pescape_hex(p, digest, 8, 0), "\"",
                       NULL);
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

/* Signing material is loaded once per set of files, however many servers
 * share it. */
static mac_signer_t *get_signer(apr_pool_t *p, apr_hash_t *signers,
                                const mac_srv_conf *c, const char **err)
{
    const char *key = apr_pstrcat(p, c->sign_cert, "\n", c->sign_key, "\n",
                                  c->sign_chain ? c->sign_chain : "", NULL);
    mac_signer_t *signer = apr_hash_get(signers, key, APR_HASH_KEY_STRING);

    if (!signer) {
        signer = mac_signer_load(p, c->sign_cert, c->sign_key, c->sign_chain,
                                 err);
        if (signer) {
            apr_hash_set(signers, key, APR_HASH_KEY_STRING, signer);
        }
    }
    return signer;
}

/* Render what one domain needs.  ad and apple may be shared with other
 * domains of the same account; NULL makes them for this site alone. */
static mac_site_t *make_site(apr_pool_t *p, const mac_shared_t *sh,
                             const mac_account_t *acct, const char *domain,
                             const mac_ad_t *ad, const mac_apple_t *apple,
                             const char *apple_why)
{
    mac_site_t *site = apr_pcalloc(p, sizeof(*site));
    const char *why;
    int k;

    site->domain = domain;
    site->acct = acct;
    site->tb = mac_tb_render(p, acct, domain, &site->tb_len);
    site->etag = make_etag(p, site->tb, site->tb_len);
    site->mtime = apr_time_sec(apr_time_now()) * APR_USEC_PER_SEC;
    site->cache_control = sh->cache_control;
    site->ad = ad ? ad : mac_ad_compile(p, acct, sh->activesync_url);
    for (k = MAC_DAV_CALDAV; k <= MAC_DAV_CARDDAV; k++) {
        const char *tpl = mac_dav_template(acct, (mac_dav_e)k);
        site->dav_location[k] = tpl ? mac_dav_url(p, tpl, domain) : NULL;
    }
    site->pacc = mac_pacc_render(p, acct, domain, &site->pacc_len, &why);
    if (site->pacc) {
        site->pacc_etag = make_etag(p, site->pacc, site->pacc_len);
    }
    if (apple || apple_why) {
        site->apple = apple;
        site->apple_why = apple_why;
    }
    else {
        site->apple = mac_apple_compile(p, acct, &site->apple_why);
    }
    return site;
}

/* Does this configuration serve anything? */
static int serves(const mac_srv_conf *c)
{
    return c->engine != 0
           && ((c->domains && c->domains->nelts > 0) || c->dbd_label);
}

/* The part of a server's configuration that the shared documents depend
 * on, as hash key bytes: everything but the server's own fields.  Merged
 * objects copy their parents' pointers, so a virtual host that inherits
 * everything has the same key as the server it inherits from. */
static const void *shared_key(apr_pool_t *p, const mac_srv_conf *c)
{
    mac_srv_conf *k = apr_pmemdup(p, c, sizeof(*c));

    k->https_redirect = NULL;
    k->forwarded_proto = UNSET;
    k->state = NULL;
    return k;
}

/* Build what servers with this configuration share; NULL with *err set
 * on a fatal problem. */
/* ---- Per-address answers: what a configuration looks up ---------- */

#define DEFAULT_USER_TTL        300
#define DEFAULT_USER_NEG_TTL    60
#define DEFAULT_USER_CACHE_SIZE 10000
#define USER_CACHE_ENTRY_BYTES  256
#define USER_NEG_CACHE_BYTES    (1024 * 1024)
#define DEFAULT_LDAP_FILTER     "(mail=%s)"
#define USER_FRONT_ENTRIES      1000  /* known addresses per child */

typedef struct mac_user_src_t {
    const char *dbd_label;        /* SQL: the prepared statement, or */
    const char *dbd_query;
    const char *ldap_url;         /* LDAP: the URL as configured */
    mac_ldap_url_t ldap;
    const char *ldap_host;        /* "HOST" or "HOST:PORT", for mod_ldap */
    const char *ldap_filter;
    const char *binddn, *bindpw;
    int         secure;           /* APR_LDAP_NONE, _SSL or _STARTTLS */
    char      **attrs;            /* NULL-terminated, for the search */
    int         attr_field[MAC_USER_NFIELDS]; /* attrs[i] gives this field */
    int         nattrs;
    unsigned char scope[MAC_CACHE_SCOPE_LEN]; /* in cache keys */
    mac_socache_t *cache;         /* known addresses */
    apr_interval_time_t ttl, neg_ttl;
    const char *cache_control;    /* every per-address answer's */
    mac_front_t *front;           /* per child: known addresses and their
                                   * Thunderbird document */
    const server_rec *first;      /* the server that makes the front */
} mac_user_src_t;

static mac_socache_t *user_neg_cache;   /* unknown addresses */

/* Make the per-address source of a configuration; NULL with *err unset
 * when there is none, NULL with *err set when it is wrong. */
static mac_user_src_t *build_user_src(apr_pool_t *p, const mac_srv_conf *c,
                                      const mac_shared_t *sh,
                                      const char **err)
{
    const mac_user_conf *uc = &c->user;
    mac_user_src_t *u;
    const char *setting = c->dbd_cache, *why = NULL, *scope;
    apr_size_t bytes;
    int i, max_age;

    if (!uc->source) {
        return NULL;
    }
    u = apr_pcalloc(p, sizeof(*u));
    u->first = sh->first;
    u->ttl = apr_time_from_sec(uc->ttl != UNSET ? uc->ttl : DEFAULT_USER_TTL);
    u->neg_ttl = apr_time_from_sec(uc->neg_ttl != UNSET ? uc->neg_ttl
                                                        : DEFAULT_USER_NEG_TTL);
    if (uc->source == 'S') {
        u->dbd_label = uc->dbd_label;
        u->dbd_query = uc->dbd_query;
        scope = uc->dbd_scope;
    }
    else {
        u->ldap_url = uc->ldap_url;
        mac_ldap_url_parse(p, uc->ldap_url, &u->ldap);
        /* mod_ldap connects to the default port unless the host names
         * another (as in "host:port"). */
        u->ldap_host = u->ldap.port == (u->ldap.ldaps ? 636 : 389)
                       ? u->ldap.host
                       : apr_psprintf(p, "%s:%d", u->ldap.host, u->ldap.port);
        u->ldap_filter = uc->ldap_filter ? uc->ldap_filter
                                         : DEFAULT_LDAP_FILTER;
        u->binddn = uc->ldap_binddn;
        u->bindpw = uc->ldap_bindpw;
        u->secure = u->ldap.ldaps ? APR_LDAP_SSL
                    : uc->ldap_starttls == 1 ? APR_LDAP_STARTTLS
                    : APR_LDAP_NONE;
        u->attrs = apr_pcalloc(p, (MAC_USER_NFIELDS + 1) * sizeof(char *));
        for (i = 0; i < MAC_USER_NFIELDS; i++) {
            if (uc->ldap_attr[i]) {
                u->attr_field[u->nattrs] = i;
                u->attrs[u->nattrs++] = apr_pstrdup(p, uc->ldap_attr[i]);
            }
        }
        if (u->nattrs == 0) {
            *err = "MailAutoconfLDAPURL is set but no "
                   "MailAutoconfLDAPAttribute says what to read";
            return NULL;
        }
        scope = apr_pstrcat(p, "ldap\n", u->ldap_url, "\n", u->ldap_filter,
                            "\n", u->binddn ? u->binddn : "", NULL);
        for (i = 0; i < u->nattrs; i++) {
            scope = apr_psprintf(p, "%s\n%d=%s", scope, u->attr_field[i],
                                 u->attrs[i]);
        }
    }
    mac_cache_scope(scope, strlen(scope), u->scope);
    if (!setting) {
        bytes = (apr_size_t)(uc->cache_size != UNSET
                             ? uc->cache_size : DEFAULT_USER_CACHE_SIZE)
                * USER_CACHE_ENTRY_BYTES;
        bytes = bytes < 65536 ? 65536 : bytes;
        setting = apr_psprintf(p, "shmcb:%s(%" APR_SIZE_T_FMT ")",
                               ap_runtime_dir_relative(p, apr_psprintf(
                                   p, "mailautoconf-user-%" APR_SIZE_T_FMT,
                                   bytes)), bytes);
    }
    if ((u->cache = get_socache(p, p, setting, "mailautoconf", 96, &why))
        == NULL) {
        *err = apr_pstrcat(p, "per-address answers are kept in a shmcb "
                           "cache unless MailAutoconfDBDCache says "
                           "otherwise: ", why, NULL);
        return NULL;
    }
    /* Every address gets the same Cache-Control, known or not. */
    max_age = sh->cache_max_age;
    if (apr_time_from_sec(max_age) > u->neg_ttl) {
        max_age = (int)apr_time_sec(u->neg_ttl);
    }
    if (apr_time_from_sec(max_age) > u->ttl) {
        max_age = (int)apr_time_sec(u->ttl);
    }
    u->cache_control = apr_psprintf(p, "max-age=%d", max_age);
    return u;
}

static mac_shared_t *build_shared(apr_pool_t *p, const server_rec *s,
                                  const mac_srv_conf *c, apr_hash_t *signers,
                                  const char **err)
{
    mac_shared_t *sh = apr_pcalloc(p, sizeof(*sh));
    int i, k;

    sh->first = s;
    sh->acct.domains = c->domains ? c->domains
                                  : apr_array_make(p, 1, sizeof(char *));
    sh->acct.servers = apr_array_make(p, 4, sizeof(mac_server_t));
    for (k = 0; k < MAC_PROTO_COUNT; k++) {
        if (c->servers[k]) {
            apr_array_cat(sh->acct.servers, c->servers[k]);
        }
    }
    if (sh->acct.servers->nelts == 0) {
        *err = c->dbd_label
               ? "MailAutoconfDBDQuery is set but no MailAutoconfImap, "
                 "MailAutoconfPop3 or MailAutoconfSmtp server applies"
               : "MailAutoconfDomain is set but no MailAutoconfImap, "
                 "MailAutoconfPop3 or MailAutoconfSmtp server applies";
        return NULL;
    }
    sh->acct.login_template = c->login_template ? c->login_template
                                                : DEFAULT_LOGIN_TEMPLATE;
    sh->acct.display_name = c->display_name;
    sh->acct.short_name = c->short_name;
    sh->acct.doc_url = c->doc_url;
    sh->acct.doc_text = c->doc_text;
    sh->acct.jmap_url = c->jmap_url != STD_NONE ? c->jmap_url : NULL;
    sh->acct.managesieve = c->managesieve != &sieve_none ? c->managesieve
                                                         : NULL;
    sh->acct.webmail_url = c->webmail_url != STD_NONE ? c->webmail_url
                                                      : NULL;
    sh->acct.oauth2 = c->oauth2 != &oauth2_none ? c->oauth2 : NULL;
    sh->acct.caldav_url = c->caldav_url && *c->caldav_url ? c->caldav_url
                                                          : NULL;
    sh->acct.carddav_url = c->carddav_url && *c->carddav_url
                           ? c->carddav_url : NULL;
    sh->cache_max_age = c->cache_max_age != UNSET ? c->cache_max_age
                                                  : DEFAULT_CACHE_MAX_AGE;
    sh->cache_control = apr_psprintf(p, "max-age=%d", sh->cache_max_age);
    sh->max_body = c->max_body != UNSET ? c->max_body : DEFAULT_MAX_BODY;
    sh->activesync_url = c->activesync_url;
    sh->profile_path = c->profile_path ? c->profile_path
                                       : DEFAULT_PROFILE_PATH;
    if (c->sign_cert) {
        const char *why = NULL;
        if ((sh->signer = get_signer(p, signers, c, &why)) == NULL) {
            *err = apr_pstrcat(p, "MailAutoconfProfileSigning: ", why, NULL);
            return NULL;
        }
    }
    sh->dbd_label = c->dbd_label;
    sh->dbd_query = c->dbd_query;
    sh->dbd_ttl = apr_time_from_sec(c->dbd_ttl != UNSET ? c->dbd_ttl
                                                        : DEFAULT_DBD_TTL);
    sh->dbd_neg_ttl = apr_time_from_sec(c->dbd_neg_ttl != UNSET
                                        ? c->dbd_neg_ttl
                                        : DEFAULT_DBD_NEG_TTL);
    if (c->dbd_label) {
        const char *setting = c->dbd_cache, *why = NULL;
        apr_size_t bytes;

        sh->dbd_front_size = c->dbd_cache_size != UNSET
                             ? (unsigned)c->dbd_cache_size
                             : DEFAULT_DBD_CACHE_SIZE;
        if (!setting) {
            /* The default: shmcb (the file name is used only where
             * anonymous shared memory is not). */
            bytes = DB_CACHE_BYTES;
            setting = apr_psprintf(p, "shmcb:%s(%" APR_SIZE_T_FMT ")",
                                   ap_runtime_dir_relative(p, apr_psprintf(
                                       p, "mailautoconf-db-%" APR_SIZE_T_FMT,
                                       bytes)), bytes);
        }
        if ((sh->dbcache = get_socache(p, p, setting, "mailautoconf", 96,
                                       &why)) == NULL) {
            *err = apr_pstrcat(p, "MailAutoconfDBDQuery: its answers are "
                               "kept in a shmcb cache unless "
                               "MailAutoconfDBDCache says otherwise: ", why,
                               NULL);
            return NULL;
        }
        mac_cache_scope(c->dbd_scope, strlen(c->dbd_scope), sh->dbd_scope);
        /* Clients keep a database answer no longer than the module. */
        sh->dbd_cache_control = sh->cache_control;
        if (apr_time_from_sec(sh->cache_max_age) > sh->dbd_ttl) {
            sh->dbd_cache_control = apr_psprintf(p, "max-age=%" APR_TIME_T_FMT,
                                                 apr_time_sec(sh->dbd_ttl));
        }
    }

    *err = NULL;
    if ((sh->user = build_user_src(p, c, sh, err)) == NULL && *err) {
        return NULL;
    }

    /* What does not depend on the domain is made once for all of them. */
    sh->ad = mac_ad_compile(p, &sh->acct, sh->activesync_url);
    sh->apple = mac_apple_compile(p, &sh->acct, &sh->apple_why);
    sh->sites = apr_hash_make(p);
    for (i = 0; i < sh->acct.domains->nelts; i++) {
        const char *d = APR_ARRAY_IDX(sh->acct.domains, i, const char *);
        mac_site_t *site = make_site(p, sh, &sh->acct, d, sh->ad, sh->apple,
                                     sh->apple_why);
        apr_hash_set(sh->sites, d, APR_HASH_KEY_STRING, site);
        if (i == 0) {
            sh->first_site = site;
        }
    }

    sh->warnings = mac_account_warnings(p, &sh->acct);
    mac_std_warnings(p, &sh->acct, sh->warnings);
    mac_pacc_warnings(p, &sh->acct, sh->warnings);
    if (!sh->apple) {
        APR_ARRAY_PUSH(sh->warnings, const char *) =
            apr_pstrcat(p, "no Apple profile can be made: ", sh->apple_why,
                        NULL);
    }
    if (sh->signer) {
        const char *w = mac_signer_warning(p, sh->signer);
        if (w) {
            APR_ARRAY_PUSH(sh->warnings, const char *) =
                apr_pstrcat(p, "MailAutoconfProfileSigning: ", w, NULL);
        }
    }
    return sh;
}

/* Where each <VirtualHost> with a ServerName of its own was defined
 * ("file:line"): httpd gives a virtual host without one a name of its
 * own choosing (the main server's, or a reverse DNS look-up) and keeps
 * no trace of which it did. */
static apr_hash_t *named_vhosts(apr_pool_t *p)
{
    apr_hash_t *named = apr_hash_make(p);
    const ap_directive_t *d, *in;

    for (d = ap_conftree; d; d = d->next) {
        if (strcasecmp(d->directive, "<VirtualHost") != 0) {
            continue;
        }
        for (in = d->first_child; in; in = in->next) {
            if (strcasecmp(in->directive, "ServerName") == 0) {
                apr_hash_set(named, apr_psprintf(p, "%s:%d", d->filename,
                                                 d->line_num),
                             APR_HASH_KEY_STRING, "");
                break;
            }
        }
    }
    return named;
}

/* Problems of one server's own names. */
static apr_array_header_t *server_warnings(apr_pool_t *p, const server_rec *s,
                                           apr_hash_t *named)
{
    apr_array_header_t *w = apr_array_make(p, 1, sizeof(const char *));

    if (s->is_virtual
        && !apr_hash_get(named, apr_psprintf(p, "%s:%d", s->defn_name,
                                             s->defn_line_number),
                         APR_HASH_KEY_STRING)) {
        APR_ARRAY_PUSH(w, const char *) = apr_pstrcat(p,
            "this virtual host has no ServerName, so its answers name it \"",
            s->server_hostname ? s->server_hostname : "?", "\", the name "
            "httpd chose for it; set ServerName to the host name clients use",
            NULL);
    }
    return w;
}

/* Build one server's state on top of the shared part. */
static mac_state_t *build_state(apr_pool_t *p, server_rec *s,
                                const mac_srv_conf *c, mac_shared_t *sh,
                                apr_hash_t *named)
{
    mac_state_t *st = apr_pcalloc(p, sizeof(*st));

    st->sh = sh;
    if (c->https_redirect && strcasecmp(c->https_redirect, "off") != 0) {
        st->https_host = strcasecmp(c->https_redirect, "on") == 0
                         ? s->server_hostname : c->https_redirect;
    }
    st->forwarded_proto = c->forwarded_proto == 1;
    st->v2 = mac_ad_v2_compile(p, apr_pstrcat(p, "https://",
                                              s->server_hostname,
                                              AD_XML_PATH, NULL),
                               sh->activesync_url);
    st->warnings = server_warnings(p, s, named);
    return st;
}

static void log_warnings(server_rec *main_s, apr_pool_t *ptemp)
{
    server_rec *s;
    int i;

    for (s = main_s; s; s = s->next) {
        const mac_state_t *st = srv_conf(s)->state;
        if (!st) {
            continue;
        }
        /* The shared warnings once, with the first server that has them. */
        for (i = 0; st->sh->first == s && i < st->sh->warnings->nelts; i++) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                         MACNO(00101) "%s: %s", server_label(ptemp, s),
                         APR_ARRAY_IDX(st->sh->warnings, i, const char *));
        }
        for (i = 0; i < st->warnings->nelts; i++) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                         MACNO(00103) "%s: %s", server_label(ptemp, s),
                         APR_ARRAY_IDX(st->warnings, i, const char *));
        }
    }
}

/* Runs before "Syntax OK" too, so apachectl configtest catches what only
 * shows once inheritance is resolved. */
static int mac_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                            apr_pool_t *ptemp, server_rec *main_s)
{
    server_rec *s;
    const char *err = NULL;
    apr_hash_t *signers = apr_hash_make(ptemp);
    apr_hash_t *shared = apr_hash_make(ptemp);
    apr_hash_t *named = named_vhosts(ptemp);

    (void)plog;
    for (s = main_s; s; s = s->next) {
        mac_srv_conf *c = srv_conf(s);
        const void *key;
        mac_shared_t *sh;

        c->state = NULL;
        if (!serves(c)) {
            continue;
        }
        key = shared_key(ptemp, c);
        if ((sh = apr_hash_get(shared, key, sizeof(*c))) == NULL) {
            if ((sh = build_shared(pconf, s, c, signers, &err)) == NULL) {
                ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, NULL,
                             MACNO(00102) "%s: %s", server_label(ptemp, s),
                             err);
                return HTTP_INTERNAL_SERVER_ERROR;
            }
            apr_hash_set(shared, key, sizeof(*c), sh);
        }
        c->state = build_state(pconf, s, c, sh, named);
        if (sh->dbcache && !neg_cache) {
            /* "Unknown" answers, apart from the known ones. */
            neg_cache = get_socache(pconf, ptemp, apr_psprintf(ptemp,
                                    "shmcb:%s(%d)", ap_runtime_dir_relative(
                                        ptemp, "mailautoconf-unknown"),
                                    DB_NEG_CACHE_BYTES),
                                    "mailautoconf-u", 2, &err);
            if (!neg_cache) {
                ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, NULL,
                             MACNO(00516) "%s: MailAutoconfDBDQuery keeps "
                             "unknown domains in a shmcb cache: %s",
                             server_label(ptemp, s), err);
                return HTTP_INTERNAL_SERVER_ERROR;
            }
        }
        if (sh->user && !user_neg_cache) {
            /* Unknown addresses, apart from known ones and from domains. */
            user_neg_cache = get_socache(pconf, ptemp, apr_psprintf(ptemp,
                                         "shmcb:%s(%d)",
                                         ap_runtime_dir_relative(ptemp,
                                             "mailautoconf-user-unknown"),
                                         USER_NEG_CACHE_BYTES),
                                         "mailautoconf-a", 2, &err);
            if (!user_neg_cache) {
                ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, NULL,
                             MACNO(00701) "%s: per-address answers keep "
                             "unknown addresses in a shmcb cache: %s",
                             server_label(ptemp, s), err);
                return HTTP_INTERNAL_SERVER_ERROR;
            }
        }
    }
    if (ap_state_query(AP_SQ_RUN_MODE) == AP_SQ_RM_CONFIG_TEST) {
        log_warnings(main_s, ptemp);
    }
    return OK;
}


/* ------------------------------------------------------------------ */
/* Requests                                                            */

typedef enum {
    EP_THUNDERBIRD = 0,
    EP_AUTODISCOVER,
    EP_AUTODISCOVER_JSON,
    EP_MOBILECONFIG,
    EP_PACC,
    EP_STATUS,                /* not counted: the counters are for clients */
    EP_CALDAV,                /* the RFC 6764 redirects: not counted */
    EP_CARDDAV,
    EP_COUNT
} mac_endpoint_e;

typedef struct {
    mac_endpoint_e id;
    const char    *handler;      /* for SetHandler */
    const char    *client;       /* request note "mailautoconf-client" */
} mac_endpoint_t;

static const mac_endpoint_t endpoints[EP_COUNT] = {
    { EP_THUNDERBIRD, "mailautoconf-thunderbird", "thunderbird" },
    { EP_AUTODISCOVER, "mailautoconf-autodiscover", "outlook" },
    { EP_AUTODISCOVER_JSON, "mailautoconf-autodiscover-json", "outlook" },
    { EP_MOBILECONFIG, "mailautoconf-mobileconfig", "apple" },
    { EP_PACC, "mailautoconf-pacc", "pacc" },
    { EP_STATUS, "mailautoconf-status", "status" },
    { EP_CALDAV, "mailautoconf-caldav", "dav" },
    { EP_CARDDAV, "mailautoconf-carddav", "dav" },
};


static const mac_endpoint_t *match_path(const mac_state_t *st,
                                        const char *uri)
{
    mac_dav_e dav = mac_dav_path(uri);

    if (dav != MAC_DAV_NONE) {
        /* Claimed only where that service is configured. */
        return !mac_dav_template(&st->sh->acct, dav) ? NULL
               : &endpoints[dav == MAC_DAV_CALDAV ? EP_CALDAV : EP_CARDDAV];
    }
    switch (mac_path_match(uri, st->sh->profile_path)) {
    case MAC_PATH_THUNDERBIRD:
        return &endpoints[EP_THUNDERBIRD];
    case MAC_PATH_AUTODISCOVER:
        return &endpoints[EP_AUTODISCOVER];
    case MAC_PATH_AUTODISCOVER_JSON:
        return &endpoints[EP_AUTODISCOVER_JSON];
    case MAC_PATH_PROFILE:
        return &endpoints[EP_MOBILECONFIG];
    case MAC_PATH_PACC:
        return &endpoints[EP_PACC];
    default:
        return NULL;
    }
}

/* The endpoint that SetHandler (read from the <Location> configuration,
 * which is in place before translate_name) gives this request, or NULL. */
static const mac_endpoint_t *trace_endpoint(request_rec *r)
{
    const core_dir_config *d = ap_get_core_module_config(r->per_dir_config);
    const char *h = NULL, *err = NULL;
    int i;

    if (d && d->expr_handler) {
        h = ap_expr_str_exec(r, d->expr_handler, &err);
    }
    if (err || !h || strncmp(h, "mailautoconf-", 13) != 0) {
        return NULL;
    }
    for (i = 0; i < EP_COUNT; i++) {
        if (strcmp(h, endpoints[i].handler) == 0) {
            return &endpoints[i];
        }
    }
    return NULL;
}

/* Claim our paths before mod_rewrite, mod_alias and mod_proxy look at the
 * request, so "ProxyPass /" or a catch-all RewriteRule never swallows
 * them. */
/* The CalDAV/CardDAV well-known redirect of a configured domain, answered
 * here as mod_alias answers a Redirect: no later phase runs, and httpd
 * reads and drops a request body itself, after the status is set (so no
 * 100 Continue).  Returns 0 when the handler must answer instead: a
 * database domain, or no URL for that service. */
/* The domain a Host header is about: the name without an autoconfig.,
 * autodiscover. or ua-auto-config. prefix. */
static const char *host_domain(const char *h)
{
    static const char *const prefixes[] = {
        "autoconfig.", "autodiscover.", MAC_PACC_HOST_PREFIX
    };
    apr_size_t i, n;

    for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        n = strlen(prefixes[i]);
        if (strncasecmp(h, prefixes[i], n) == 0) {
            return h + n;
        }
    }
    return h;
}

/* The well-known redirect's headers (the status is the caller's). */
static void set_dav_redirect(request_rec *r, const mac_site_t *site,
                             mac_dav_e which, const char *loc)
{
    apr_table_setn(r->headers_out, "Location", loc);
    apr_table_setn(r->err_headers_out, "Cache-Control", site->cache_control);
    apr_table_setn(r->err_headers_out, "X-Content-Type-Options", "nosniff");
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, MACNO(00902)
                  "%s: redirecting for domain %s", mac_dav_name(which),
                  site->domain);
}

static int dav_redirect_now(request_rec *r, const mac_state_t *st,
                            mac_dav_e which)
{
    const char *loc;
    const mac_site_t *site = NULL;

    if (r->hostname) {
        site = apr_hash_get(st->sh->sites, host_domain(r->hostname),
                            APR_HASH_KEY_STRING);
    }
    if (!site) {
        if (st->sh->dbd_label) {
            return 0;
        }
        site = st->sh->first_site;
    }
    if (!site || (loc = site->dav_location[which]) == NULL) {
        return 0;
    }
    set_dav_redirect(r, site, which, loc);
    return 1;
}

static int mac_translate(request_rec *r)
{
    mac_srv_conf *c = srv_conf(r->server);
    const mac_endpoint_t *ep;

    if (r->method_number == M_TRACE && (ep = trace_endpoint(r)) != NULL) {
        /* A path given to one of our handlers with SetHandler: mark it so
         * that map_to_storage keeps httpd's TRACE echo away and the
         * handler answers 405, as on the claimed paths. */
        ap_set_module_config(r->request_config, &mailautoconf_module,
                             (void *)ep);
        return DECLINED;
    }
    if (!c->state || !r->uri || r->uri[0] != '/' || r->proxyreq) {
        return DECLINED;
    }
    if ((ep = match_path(c->state, r->uri)) == NULL) {
        return DECLINED;
    }
    ap_set_module_config(r->request_config, &mailautoconf_module,
                         (void *)ep);
    if ((ep->id == EP_CALDAV || ep->id == EP_CARDDAV)
        && dav_redirect_now(r, c->state, ep->id == EP_CALDAV
                                         ? MAC_DAV_CALDAV : MAC_DAV_CARDDAV)) {
        return HTTP_MOVED_PERMANENTLY;
    }
    r->handler = ep->handler;
    r->filename = apr_pstrcat(r->pool, "mailautoconf:", ep->handler, NULL);
    ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r,
                  "claimed the path for the %s endpoint", ep->client);
    return OK;
}

/* Nothing on disk: skip the directory and file walk for claimed paths.
 * This also keeps httpd's TRACE answer (a map_to_storage hook that echoes
 * the request, headers included) away from them. */
static int mac_map_to_storage(request_rec *r)
{
    if (ap_get_module_config(r->request_config, &mailautoconf_module)) {
        return OK;
    }
    return DECLINED;
}

/* Every answer with a body goes out here: its status, media type and
 * lifetime, nosniff, the length, and no body for HEAD.  The bytes must
 * live as long as the request: the configuration's or the request pool's
 * (the pool goes only after the response, EOR bucket and all, is out). */
static int send_body(request_rec *r, int status, const char *type,
                     const char *cache_control, const char *data,
                     apr_size_t len)
{
    apr_bucket_brigade *bb;

    r->status = status;
    ap_set_content_type(r, type);
    apr_table_setn(r->headers_out, "Cache-Control", cache_control);
    apr_table_setn(r->headers_out, "X-Content-Type-Options", "nosniff");
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

/* A short plain-text answer; never contains request data. */
static int send_text(request_rec *r, int status, const char *text)
{
    return send_body(r, status, "text/plain; charset=utf-8", "no-store",
                     text, strlen(text));
}

/* Read and drop a body we will not use, so the connection stays usable.
 * The error status is set first: then httpd sends no "100 Continue" and a
 * client that announced a body need not send it. */
static int discard_body(request_rec *r)
{
    int rc;

    r->status = HTTP_METHOD_NOT_ALLOWED;
    rc = ap_discard_request_body(r);
    if (rc != OK) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, MACNO(00206)
                      "the request body could not be read to its end");
    }
    return rc;
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
                  "method %s not allowed here",
                  ap_escape_logitem(r->pool, r->method));
    if (discard_body(r) != OK) {
        send_text(r, HTTP_BAD_REQUEST,
                  "Bad request: the request body is incomplete.\n");
        return DONE;
    }
    send_text(r, HTTP_METHOD_NOT_ALLOWED,
              "This address answers GET and HEAD only.\n");
    return DONE;
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
/* ---- Domains: configured, or from the database ------------------- */

/* Requests that reached the database since the configuration was loaded,
 * in shared memory (every child adds to it). */
static apr_uint32_t *db_queries;

static void setup_db_counter(apr_pool_t *pconf)
{
    apr_shm_t *shm;

    if (apr_shm_create(&shm, sizeof(*db_queries), NULL, pconf)
        == APR_SUCCESS) {
        db_queries = apr_shm_baseaddr_get(shm);
    }
    else {
        db_queries = apr_pcalloc(pconf, sizeof(*db_queries));
    }
    *db_queries = 0;
}

/* The site of a database domain, for this request: the documents its
 * endpoint needs are made now from the row, the others never. */
static const mac_site_t *site_from_row(request_rec *r, const mac_state_t *st,
                                       const char *domain,
                                       const mac_row_t *row,
                                       const char *doc, apr_size_t dlen)
{
    const mac_shared_t *sh = st->sh;
    const mac_endpoint_t *ep = ap_get_module_config(r->request_config,
                                                    &mailautoconf_module);
    mac_site_t *site = apr_pcalloc(r->pool, sizeof(*site));
    int changed;

    site->domain = domain;
    site->acct = mac_row_account(r->pool, &sh->acct, row, domain, &changed);
    site->mtime = row->fetched;
    site->cache_control = sh->dbd_cache_control;
    if (!changed) {
        site->ad = sh->ad;
        site->apple = sh->apple;
        site->apple_why = sh->apple_why;
    }
    switch (ep ? ep->id : EP_COUNT) {
    case EP_THUNDERBIRD:
        if (doc) {
            /* From the front cache: the ETag, a NUL, the document. */
            site->etag = doc;
            site->tb = doc + strlen(doc) + 1;
            site->tb_len = dlen - (apr_size_t)(site->tb - doc);
            break;
        }
        site->tb = mac_tb_render(r->pool, site->acct, domain, &site->tb_len);
        site->etag = make_etag(r->pool, site->tb, site->tb_len);
        break;
    case EP_AUTODISCOVER:
        if (!site->ad) {
            site->ad = mac_ad_compile(r->pool, site->acct,
                                      sh->activesync_url);
        }
        break;
    case EP_MOBILECONFIG:
        if (changed) {
            site->apple = mac_apple_compile(r->pool, site->acct,
                                            &site->apple_why);
        }
        break;
    case EP_PACC: {
        const char *why = NULL;
        site->pacc = mac_pacc_render(r->pool, site->acct, domain,
                                     &site->pacc_len, &why);
        if (site->pacc) {
            site->pacc_etag = make_etag(r->pool, site->pacc, site->pacc_len);
        }
        break;
    }
    default:
        break;
    }
    return site;
}

/* Read the first row of a database answer; NULL or what is wrong. */
static const char *row_from_db(request_rec *r, const ap_dbd_t *dbd,
                               apr_dbd_results_t *res, apr_dbd_row_t *dbrow,
                               mac_row_t *row)
{
    int col, ncols = apr_dbd_num_cols(dbd->driver, res), k;

    memset(row, 0, sizeof(*row));
    row->fetched = apr_time_from_sec(apr_time_sec(r->request_time));
    for (col = 0; col < ncols; col++) {
        if ((k = mac_row_column(apr_dbd_get_name(dbd->driver, res, col)))
            >= 0) {
            mac_row_set(r->pool, row, (mac_row_col_e)k,
                        apr_dbd_get_entry(dbd->driver, dbrow, col));
        }
    }
    return mac_row_check(r->pool, row);
}

/* Keep a known domain's record in this child's front cache, with its
 * Thunderbird document when this request made it, until the record
 * expires wherever it came from. */
static void keep_in_front(request_rec *r, const mac_state_t *st,
                          const unsigned char *key, apr_size_t klen,
                          const void *rec, apr_size_t rlen,
                          const mac_row_t *row, const mac_site_t *site)
{
    char *doc = NULL;
    apr_size_t elen = 0, dlen = 0;
    apr_time_t expires = row->fetched + st->sh->dbd_ttl;

    if (!st->sh->front || expires <= r->request_time) {
        return;
    }
    if (site->tb) {
        elen = strlen(site->etag);
        dlen = elen + 1 + site->tb_len;
        doc = apr_palloc(r->pool, dlen);
        memcpy(doc, site->etag, elen + 1);
        memcpy(doc + elen + 1, site->tb, site->tb_len);
    }
    mac_front_put(st->sh->front, key, klen, rec, rlen, doc, dlen, expires);
}

/* Run a prepared statement with one parameter; apr_dbd's status.  Random
 * access: with sequential reads (0) apr_dbd_pgsql reports a failed query
 * as "no rows", which would be cached as unknown. */
static int dbd_select(request_rec *r, ap_dbd_t *dbd, const char *label,
                      const char *query, const char *param,
                      apr_dbd_results_t **res)
{
    apr_dbd_prepared_t *stmt = apr_hash_get(dbd->prepared, label,
                                            APR_HASH_KEY_STRING);
    int rv = stmt ? apr_dbd_pvselect(dbd->driver, r->pool, dbd->handle, res,
                                     stmt, 1, param, NULL) : -1;

    if (rv != 0
        && apr_dbd_prepare(dbd->driver, dbd->pool, dbd->handle, query, label,
                           &stmt) == 0) {
        /* apr_dbd_pgsql's connection check may have reconnected (PQreset),
         * losing the statement mod_dbd prepared: prepare it again, once. */
        apr_hash_set(dbd->prepared, label, APR_HASH_KEY_STRING, stmt);
        *res = NULL;
        rv = apr_dbd_pvselect(dbd->driver, r->pool, dbd->handle, res, stmt,
                              1, param, NULL);
    }
    return rv;
}

/* One query for a domain on a connection held just for it: the row is
 * copied out, the rest read, before the caller gives the connection back
 * (ap_dbd_acquire would hold it until the request's end, answer sent).
 * OK with *row filled, HTTP_NOT_FOUND, or a server-side status. */
static int domain_from_db(request_rec *r, const mac_state_t *st,
                          ap_dbd_t *dbd, const char *domain, mac_row_t *row)
{
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *dbrow = NULL;
    const char *why;
    int rv;

    if (!apr_hash_get(dbd->prepared, st->sh->dbd_label,
                      APR_HASH_KEY_STRING)) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, MACNO(00503)
                      "database: the MailAutoconfDBDQuery statement is not "
                      "prepared on this connection");
        return HTTP_SERVICE_UNAVAILABLE;
    }
    if (db_queries) {
        apr_atomic_inc32(db_queries);
    }
    rv = dbd_select(r, dbd, st->sh->dbd_label, st->sh->dbd_query, domain,
                    &res);
    if (rv != 0) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, MACNO(00504)
                      "database: the query failed: %s",
                      apr_dbd_error(dbd->driver, dbd->handle, rv));
        return HTTP_SERVICE_UNAVAILABLE;
    }
    rv = apr_dbd_get_row(dbd->driver, r->pool, res, &dbrow, -1);
    if (rv == -1) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, MACNO(00505)
                      "database: %s is not known", domain);
        return HTTP_NOT_FOUND;
    }
    if (rv != 0) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, MACNO(00506)
                      "database: reading the answer failed: %s",
                      apr_dbd_error(dbd->driver, dbd->handle, rv));
        return HTTP_SERVICE_UNAVAILABLE;
    }
    why = row_from_db(r, dbd, res, dbrow, row);
    /* The first row counts; read the rest so the connection is clean. */
    while (apr_dbd_get_row(dbd->driver, r->pool, res, &dbrow, -1) == 0) {
    }
    if (why) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, MACNO(00507)
                      "database: the row for %s is not usable: %s", domain,
                      why);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

/* Ask the database about a (valid, lower-case) domain, through the caches:
 * this child's front cache, the one of unknown domains, then the shared
 * one of known domains. */
static int db_site(request_rec *r, const mac_state_t *st, const char *domain,
                   const mac_site_t **out)
{
    unsigned char key[MAC_CACHE_KEY_MAX], rec[MAC_ROW_MAX];
    unsigned char *enc;
    unsigned int len = sizeof(rec);
    apr_size_t klen, elen, flen, fdlen;
    const void *frec, *fdoc;
    mac_row_t row;
    ap_dbd_t *dbd;
    const char *why;
    int rv, hit;

    klen = mac_cache_key(key, MAC_CACHE_KIND_DOMAIN, st->sh->dbd_scope,
                         domain, strlen(domain));
    if (st->sh->front
        && mac_front_get(st->sh->front, r->pool, key, klen, r->request_time,
                         &frec, &flen, &fdoc, &fdlen)
        && mac_row_read(r->pool, frec, flen, &row) == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, MACNO(00518)
                      "database: %s answered from this child's cache",
                      domain);
        *out = site_from_row(r, st, domain, &row, fdoc, fdlen);
        if (!fdoc && (*out)->tb) {   /* the document, made now */
            keep_in_front(r, st, key, klen, frec, flen, &row, *out);
        }
        return OK;
    }
    hit = socache_lookup(r, neg_cache, st->sh->dbcache, key, klen, rec,
                         &len);
    if (hit == 1) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, MACNO(00515)
                      "database: %s answered from the cache (unknown)",
                      domain);
        return HTTP_NOT_FOUND;
    }
    if (hit == 2) {
        if ((why = mac_row_decode(r->pool, rec, len, &row)) == NULL) {
            ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, MACNO(00501)
                          "database: %s answered from the cache (known)",
                          domain);
            *out = site_from_row(r, st, domain, &row, NULL, 0);
            keep_in_front(r, st, key, klen, rec, len, &row, *out);
            return OK;
        }
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, MACNO(00514)
                      "database cache %s: the entry for %s is not usable "
                      "(%s); asking the database", st->sh->dbcache->setting,
                      domain, why);
    }
    if ((dbd = dbd_open_fn(r->pool, r->server)) == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, MACNO(00502)
                      "database: no connection (see mod_dbd's messages); "
                      "answering 503");
        return HTTP_SERVICE_UNAVAILABLE;
    }
    rv = domain_from_db(r, st, dbd, domain, &row);
    dbd_close_fn(r->server, dbd);
    if (rv == HTTP_NOT_FOUND) {
        rec[0] = 0;   /* the value says nothing: being there does */
        socache_put(r, neg_cache, key, klen, rec, 1,
                    r->request_time + st->sh->dbd_neg_ttl);
        return rv;
    }
    if (rv != OK) {
        return rv;
    }
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, MACNO(00508)
                  "database: %s is served", domain);
    *out = site_from_row(r, st, domain, &row, NULL, 0);
    if ((enc = mac_row_encode(r->pool, &row, &elen)) != NULL) {
        socache_put(r, st->sh->dbcache, key, klen, enc, elen,
                    r->request_time + st->sh->dbd_ttl);
        keep_in_front(r, st, key, klen, enc, elen, &row, *out);
    }
    return OK;
}

/* The site of a domain: OK, HTTP_NOT_FOUND, or a server-side status. */
static int find_site(request_rec *r, const mac_state_t *st,
                     const char *domain, const mac_site_t **site)
{
    if ((*site = apr_hash_get(st->sh->sites, domain, APR_HASH_KEY_STRING))) {
        return OK;
    }
    if (st->sh->dbd_label) {
        return db_site(r, st, domain, site);
    }
    return HTTP_NOT_FOUND;
}

/* The site a request without an address is about: the Host name (with
 * an autoconfig./autodiscover. prefix removed) when served, else the
 * server's first configured domain. */
static int site_from_host(request_rec *r, const mac_state_t *st,
                          const mac_site_t **site)
{
    const char *h = r->hostname;
    int rc;

    if (h) {
        h = host_domain(h);
        if ((*site = apr_hash_get(st->sh->sites, h, APR_HASH_KEY_STRING))) {
            return OK;
        }
        if (st->sh->dbd_label && mac_domain_check(h, strlen(h)) == NULL) {
            rc = db_site(r, st, mac_strlower(r->pool, h, strlen(h)), site);
            if (rc != HTTP_NOT_FOUND) {
                return rc;
            }
        }
    }
    *site = st->sh->first_site;
    return *site ? OK : HTTP_NOT_FOUND;
}

/* ---- Per-address answers: look-ups ------------------------------- */

/* SQL: the first row for the address.  OK (*found says whether there
 * was one) or 503. */
static int user_from_sql(request_rec *r, const mac_user_src_t *src,
                         const char *address, mac_user_t *u, int *found)
{
    ap_dbd_t *dbd = dbd_open_fn(r->pool, r->server);
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;
    int rv, col, ncols, f;

    if (!dbd) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, MACNO(00702)
                      "per-address answers: no database connection (see "
                      "mod_dbd's messages); answering 503");
        return HTTP_SERVICE_UNAVAILABLE;
    }
    /* The connection is held for the query and the reading of its rows
     * only (the values are copied), as for domains. */
    rv = dbd_select(r, dbd, src->dbd_label, src->dbd_query, address, &res);
    if (rv == 0) {
        rv = apr_dbd_get_row(dbd->driver, r->pool, res, &row, -1);
    }
    *found = 0;
    if (rv == 0) {
        ncols = apr_dbd_num_cols(dbd->driver, res);
        for (col = 0; col < ncols; col++) {
            const char *v = apr_dbd_get_entry(dbd->driver, row, col);
            if ((f = mac_user_field(apr_dbd_get_name(dbd->driver, res, col)))
                >= 0) {
                mac_user_set(r->pool, u, (mac_user_field_e)f, v,
                             v ? strlen(v) : 0);
            }
        }
        while (apr_dbd_get_row(dbd->driver, r->pool, res, &row, -1) == 0) {
        }
        *found = 1;
    }
    else if (rv != -1) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, MACNO(00703)
                      "per-address answers: the query failed: %s; "
                      "answering 503",
                      apr_dbd_error(dbd->driver, dbd->handle, rv));
    }
    dbd_close_fn(r->server, dbd);
    return (rv == 0 || rv == -1) ? OK : HTTP_SERVICE_UNAVAILABLE;
}

/* LDAP, through mod_ldap's connections: one entry for the filter.  OK
 * (*found says whether there was exactly one) or 503. */
static int user_from_ldap(request_rec *r, const mac_user_src_t *src,
                          const char *address, mac_user_t *u, int *found)
{
    util_ldap_connection_t *ldc;
    const char *filter, *why = NULL, *dn = NULL, **vals = NULL;
    int rc, i;

    if ((filter = mac_ldap_filter(r->pool, src->ldap_filter, address,
                                  strlen(address), &why)) == NULL) {
        /* A validated address never gets here; no search, no entry. */
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, MACNO(00704)
                      "per-address answers: no search: %s", why);
        *found = 0;
        return OK;
    }
    ldc = ldap_find_fn(r, src->ldap_host, src->ldap.port, src->binddn,
                       src->bindpw, never, src->secure);
    if (!ldc) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, MACNO(00705)
                      "directory %s: no connection; answering 503",
                      src->ldap_url);
        return HTTP_SERVICE_UNAVAILABLE;
    }
    rc = ldap_getuserdn_fn(r, ldc, src->ldap_url, src->ldap.basedn,
                           LDAP_SCOPE_SUBTREE, src->attrs, filter, &dn,
                           &vals);
    if (rc == LDAP_SUCCESS) {
        for (i = 0; vals && i < src->nattrs; i++) {
            mac_user_set(r->pool, u, (mac_user_field_e)src->attr_field[i],
                         vals[i], vals[i] ? strlen(vals[i]) : 0);
        }
        *found = 1;
    }
    else if (rc == LDAP_NO_SUCH_OBJECT) {
        /* No entry, or several (mod_ldap says the same for both). */
        *found = 0;
    }
    else {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, MACNO(00706)
                      "directory %s: the search failed: LDAP error %d "
                      "(%s); answering 503", src->ldap_url, rc,
                      ldc->reason ? ldc->reason : "no reason given");
        ldap_close_fn(ldc);
        return HTTP_SERVICE_UNAVAILABLE;
    }
    ldap_close_fn(ldc);
    return OK;
}

/* What the directory says about one (validated) address, through this
 * child's front cache, then the shared caches (the local one of unknown
 * addresses and the configured one of known addresses, looked up
 * together).  OK with *found, or 503 / 500. */
static int user_lookup(request_rec *r, const mac_user_src_t *src,
                       const char *address, mac_user_t *u, int *found)
{
    unsigned char key[MAC_CACHE_KEY_MAX], rec[MAC_USER_MAX], *enc;
    unsigned int len = sizeof(rec);
    apr_size_t klen, elen;
    const char *why;
    int rc, hit;
    const void *frec, *fdoc;
    apr_size_t flen, fdlen;

    memset(u, 0, sizeof(*u));
    klen = mac_cache_key(key, MAC_CACHE_KIND_USER, src->scope, address,
                         strlen(address));
    /* Known addresses in this child's front cache, unknown ones in their
     * local shmcb, then known ones in the shared cache. */
    if (src->front
        && mac_front_get(src->front, r->pool, key, klen, r->request_time,
                         &frec, &flen, &fdoc, &fdlen)
        && mac_user_decode(r->pool, frec, flen, u) == NULL) {
        *found = 1;
        return OK;
    }
    hit = socache_lookup(r, user_neg_cache, src->cache, key, klen, rec,
                         &len);
    if (hit == 1) {
        *found = 0;
        return OK;
    }
    if (hit == 2) {
        if ((why = mac_user_decode(r->pool, rec, len, u)) == NULL) {
            if (src->front) {
                mac_front_put(src->front, key, klen, rec, len, NULL, 0,
                              u->fetched + src->ttl);
            }
            *found = 1;
            return OK;
        }
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, MACNO(00707)
                      "per-address cache %s: an entry is not usable (%s); "
                      "asking the directory", src->cache->setting, why);
        memset(u, 0, sizeof(*u));
    }
    if (db_queries) {
        apr_atomic_inc32(db_queries);
    }
    rc = src->dbd_label ? user_from_sql(r, src, address, u, found)
                        : user_from_ldap(r, src, address, u, found);
    if (rc != OK) {
        return rc;
    }
    if (!*found) {
        rec[0] = 0;
        socache_put(r, user_neg_cache, key, klen, rec, 1,
                    r->request_time + src->neg_ttl);
        return OK;
    }
    if ((why = mac_user_check(r->pool, u)) != NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, MACNO(00708)
                      "per-address answers: the entry for the address is "
                      "not usable: %s", why);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    u->fetched = apr_time_from_sec(apr_time_sec(r->request_time));
    if ((enc = mac_user_encode(r->pool, u, &elen)) != NULL) {
        socache_put(r, src->cache, key, klen, enc, elen,
                    r->request_time + src->ttl);
        if (src->front) {
            mac_front_put(src->front, key, klen, enc, elen, NULL, 0,
                          u->fetched + src->ttl);
        }
    }
    return OK;
}

/* The answer for an address, known or not. */
typedef struct {
    const mac_site_t    *site;     /* its domain's */
    const mac_account_t *acct;     /* site->acct, or the address's own */
    mac_addr_t           addr;     /* whose settings: the asked address or
                                    * the last of a chain of redirects */
    const char          *display_name;
    const char          *redirect_addr; /* for Outlook, or NULL */
    const char          *redirect_url;
    int                  offsite;  /* redirect_addr's domain is not ours */
    apr_time_t           fetched;  /* the oldest entry it is made from */
} mac_answer_t;

/* Find the site of an address and what the directory says about it,
 * following redirects (MAC_USER_REDIRECT_MAX at most, never a loop).  OK,
 * or the status of find_site, 503, or 500 (an unusable entry or chain).
 * An unknown address gets its domain's answer: the same status, headers
 * and document as a known address without overrides. */
static int address_answer(request_rec *r, const mac_state_t *st,
                          const mac_addr_t *addr, mac_answer_t *ans)
{
    const mac_user_src_t *src = st->sh->user;
    mac_user_chain_t chain;
    mac_user_t u;
    int rc, found;

    memset(ans, 0, sizeof(*ans));
    ans->addr = *addr;
    if ((rc = find_site(r, st, addr->domain, &ans->site)) != OK) {
        return rc;
    }
    ans->acct = ans->site->acct;
    if (!src) {
        return OK;
    }
    if ((rc = user_lookup(r, src, addr->address, &u, &found)) != OK) {
        return rc;
    }
    ans->fetched = found ? u.fetched : r->request_time;
    mac_user_chain_start(&chain, addr->address);
    while (found && u.f[MAC_USER_REDIRECT_ADDR]) {
        const char *next = u.f[MAC_USER_REDIRECT_ADDR], *why;
        const mac_site_t *site;

        if ((why = mac_user_chain_step(&chain, next)) != NULL) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, MACNO(00709)
                          "per-address answers: %s redirects to %s: %s",
                          addr->address, next, why);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        mac_addr_parse(r->pool, next, strlen(next), &ans->addr);
        ans->redirect_addr = ans->addr.address;
        rc = find_site(r, st, ans->addr.domain, &site);
        if (rc == HTTP_NOT_FOUND) {
            ans->offsite = 1;
            return OK;
        }
        if (rc != OK) {
            return rc;
        }
        ans->site = site;
        if ((rc = user_lookup(r, src, ans->addr.address, &u, &found))
            != OK) {
            return rc;
        }
        if (found && u.fetched < ans->fetched) {
            ans->fetched = u.fetched;
        }
    }
    ans->acct = ans->site->acct;
    if (found) {
        ans->acct = mac_user_account(r->pool, ans->site->acct, &u);
        ans->display_name = u.f[MAC_USER_DISPLAY_NAME];
        ans->redirect_url = u.f[MAC_USER_REDIRECT_URL];
    }
    if (ans->redirect_addr) {
        /* A client fills a login template with the address its user
         * typed: the target's login name goes out as a literal. */
        mac_account_t *a = apr_pmemdup(r->pool, ans->acct, sizeof(*a));
        a->login_template = mac_user_login_for(r->pool, a->login_template,
                                               ans->addr.address,
                                               ans->addr.local,
                                               ans->addr.domain);
        if (!a->login_template) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, MACNO(00710)
                          "per-address answers: the login name of %s has a "
                          "'%%'", ans->addr.address);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        ans->acct = a;
    }
    return OK;
}

/* Each child's front cache of known addresses, one per source. */
static void user_child_init(apr_pool_t *pchild, server_rec *main_s)
{
    server_rec *s;

    for (s = main_s; s; s = s->next) {
        mac_state_t *st = srv_conf(s)->state;
        mac_user_src_t *u = st ? st->sh->user : NULL;
        if (u && u->first == s
            /* an address's record and its document are two entries */
            && mac_front_create(&u->front, pchild, 2 * USER_FRONT_ENTRIES)
               != APR_SUCCESS) {
            u->front = NULL;     /* the shared cache still answers */
        }
    }
}

/* Answer a failed look-up in plain text. */
static int send_lookup_error(request_rec *r, int rc)
{
    if (rc == HTTP_NOT_FOUND) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, MACNO(00203)
                      "not found: the domain is not served here");
        return send_text(r, HTTP_NOT_FOUND, "No settings for that domain "
                         "here.\n");
    }
    if (rc == HTTP_SERVICE_UNAVAILABLE) {
        apr_table_setn(r->headers_out, "Retry-After", "30");
        return send_text(r, rc, "The settings cannot be looked up right "
                         "now; try again later.\n");
    }
    return send_text(r, HTTP_INTERNAL_SERVER_ERROR, "The settings for this "
                     "domain are broken; the administrator has been told.\n");
}

/* One of a site's pre-rendered documents, with its validators; 304 when
 * the client's copy is current (a 304 carries the validators and the
 * lifetime too). */
static int send_site_doc(request_rec *r, const mac_site_t *b,
                         const char *type, const char *cache_control,
                         const char *etag, const char *data, apr_size_t len)
{
    int rc;

    apr_table_setn(r->headers_out, "Cache-Control", cache_control);
    apr_table_setn(r->headers_out, "ETag", etag);
    ap_update_mtime(r, b->mtime);
    ap_set_last_modified(r);
    if ((rc = ap_meets_conditions(r)) != OK) {
        r->status = rc;
        return rc;
    }
    return send_body(r, HTTP_OK, type, cache_control, data, len);
}

/* Thunderbird's document for an address when per-address answers are
 * on: the domain's own bytes for an unknown address (or a known one that
 * changes nothing), else made now. */
static int tb_for_address(request_rec *r, const mac_state_t *st,
                          const mac_addr_t *addr, const mac_site_t **site,
                          const char **tb, apr_size_t *len, const char **etag)
{
    const mac_user_src_t *src = st->sh->user;
    unsigned char key[MAC_CACHE_KEY_MAX];
    apr_size_t klen, flen, fdlen, elen;
    const void *frec, *fdoc;
    mac_answer_t ans;
    char *doc;
    int rc;

    /* A document made for this address before, in this child. */
    klen = mac_cache_key(key, MAC_CACHE_KIND_USER_DOC, src->scope,
                         addr->address, strlen(addr->address));
    if (src->front
        && mac_front_get(src->front, r->pool, key, klen, r->request_time,
                         &frec, &flen, &fdoc, &fdlen)
        && fdoc && (rc = find_site(r, st, addr->domain, site)) == OK) {
        *etag = fdoc;
        elen = strlen(*etag) + 1;
        *tb = (const char *)fdoc + elen;
        *len = fdlen - elen;
        return OK;
    }
    if ((rc = address_answer(r, st, addr, &ans)) != OK) {
        return rc;
    }
    if (ans.offsite) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, MACNO(00711)
                      "thunderbird: the address redirects to a domain "
                      "served elsewhere");
        return HTTP_NOT_FOUND;
    }
    *site = ans.site;
    if (ans.acct == ans.site->acct && ans.site->tb) {
        *tb = ans.site->tb;
        *len = ans.site->tb_len;
        *etag = ans.site->etag;
        return OK;
    }
    *tb = mac_tb_render(r->pool, ans.acct, ans.addr.domain, len);
    *etag = make_etag(r->pool, *tb, *len);
    if (src->front) {
        /* Kept as "ETAG\0DOCUMENT", no longer than the entries it is
         * made from. */
        elen = strlen(*etag) + 1;
        doc = apr_palloc(r->pool, elen + *len);
        memcpy(doc, *etag, elen);
        memcpy(doc + elen, *tb, *len);
        mac_front_put(src->front, key, klen, "", 1, doc, elen + *len,
                      ans.fetched + src->ttl);
    }
    return OK;
}

static int handle_thunderbird(request_rec *r, const mac_state_t *st)
{
    mac_addr_t *addr;
    const mac_site_t *b;
    const char *tb, *etag, *cache_control;
    apr_size_t tb_len;
    int rc;

    if ((rc = method_gate_get(r)) != OK) {
        return rc == DONE ? OK : rc;
    }
    if ((rc = query_address(r, "emailaddress", &addr)) != OK) {
        return OK;
    }
    if (addr && st->sh->user) {
        rc = tb_for_address(r, st, addr, &b, &tb, &tb_len, &etag);
        cache_control = st->sh->user->cache_control;
    }
    else {
        rc = addr ? find_site(r, st, addr->domain, &b)
                  : site_from_host(r, st, &b);
        if (rc == OK) {
            tb = b->tb;
            tb_len = b->tb_len;
            etag = b->etag;
            cache_control = b->cache_control;
        }
    }
    if (rc != OK) {
        return send_lookup_error(r, rc);
    }
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, MACNO(00204)
                  "thunderbird: serving domain %s (%s)", b->domain,
                  addr ? "from the address" : "from the host name");

    return send_site_doc(r, b, XML_TYPE, cache_control, etag, tb, tb_len);
}

/* ---- PACC ---------------------------------------------------------- */

/* The document of the domain the Host names (ua-auto-config.<domain>, or
 * the domain itself): a PACC client checks it against the digest in
 * <domain>'s DNS, so another domain's document is never an answer.  The
 * query string plays no part. */
static int handle_pacc(request_rec *r, const mac_state_t *st)
{
    const char *h = r->hostname;
    const mac_site_t *b = NULL;
    int rc;

    if ((rc = method_gate_get(r)) != OK) {
        return rc == DONE ? OK : rc;
    }
    if (h && strncasecmp(h, MAC_PACC_HOST_PREFIX,
                         sizeof(MAC_PACC_HOST_PREFIX) - 1) == 0) {
        h += sizeof(MAC_PACC_HOST_PREFIX) - 1;
    }
    if (!h || mac_domain_check(h, strlen(h)) != NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, MACNO(00801)
                      "pacc: the Host header names no mail domain");
        return send_text(r, HTTP_NOT_FOUND, "No settings for that host "
                         "here.\n");
    }
    rc = find_site(r, st, mac_strlower(r->pool, h, strlen(h)), &b);
    if (rc != OK) {
        return send_lookup_error(r, rc);
    }
    if (!b->pacc) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, MACNO(00802)
                      "pacc: %s has no server PACC can describe (see the "
                      "status page)", b->domain);
        return send_text(r, HTTP_NOT_FOUND, "No PACC settings for that "
                         "domain here.\n");
    }
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, MACNO(00803)
                  "pacc: serving domain %s", b->domain);
    return send_site_doc(r, b, MAC_PACC_CONTENT_TYPE, b->cache_control,
                         b->pacc_etag, b->pacc, b->pacc_len);
}

/* ---- Outlook Autodiscover ---------------------------------------- */

/* A number that ties an Autodiscover error to its log line. */
static unsigned long error_id(const request_rec *r)
{
    return (unsigned long)((apr_uint64_t)r->request_time % 1000000000u)
           ^ ((unsigned long)r->connection->id << 8);
}

static int send_ad_error(request_rec *r, int http_status, int code,
                         const char *why)
{
    unsigned long id = error_id(r);
    apr_size_t len;
    char *body = mac_ad_error(r->pool, code, r->request_time, id, &len);

    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, MACNO(00301)
                  "autodiscover: answering error %d (id %lu): %s", code, id,
                  why);
    return send_body(r, http_status, XML_TYPE, "no-store", body, len);
}

/* Read the whole request body, at most limit bytes.  Returns OK or an HTTP
 * status; *why says what went wrong. */
static int read_body(request_rec *r, apr_off_t limit, char **out,
                     apr_size_t *outlen, const char **why)
{
    const char *cl = apr_table_get(r->headers_in, "Content-Length");
    apr_bucket_brigade *bb;
    apr_size_t size, total = 0;
    char *buf;
    int seen_eos = 0, status = OK;

    if (cl) {
        char *end;
        apr_off_t n;
        if (apr_strtoff(&n, cl, &end, 10) != APR_SUCCESS || *end || n < 0) {
            *why = "the Content-Length is not a number";
            return HTTP_BAD_REQUEST;
        }
        if (n > limit) {
            /* Refused before reading a byte. */
            *why = "the body is larger than MailAutoconfMaxBodySize";
            return HTTP_REQUEST_ENTITY_TOO_LARGE;
        }
        size = (apr_size_t)n + 1;
    }
    else {
        size = 1024;
    }
    buf = apr_palloc(r->pool, size);
    bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    do {
        apr_bucket *b;
        apr_status_t rv = ap_get_brigade(r->input_filters, bb,
                                         AP_MODE_READBYTES, APR_BLOCK_READ,
                                         HUGE_STRING_LEN);
        if (rv != APR_SUCCESS) {
            *why = "reading the body failed";
            status = ap_map_http_request_error(rv, HTTP_BAD_REQUEST);
            goto cleanup;
        }
        for (b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb);
             b = APR_BUCKET_NEXT(b)) {
            const char *data;
            apr_size_t n;

            if (APR_BUCKET_IS_EOS(b)) {
                seen_eos = 1;
                break;
            }
            if (APR_BUCKET_IS_METADATA(b)) {
                continue;
            }
            rv = apr_bucket_read(b, &data, &n, APR_BLOCK_READ);
            if (rv != APR_SUCCESS) {
                *why = "reading the body failed";
                status = HTTP_BAD_REQUEST;
                goto cleanup;
            }
            if ((apr_off_t)(total + n) > limit) {
                *why = "the body is larger than MailAutoconfMaxBodySize";
                status = HTTP_REQUEST_ENTITY_TOO_LARGE;
                goto cleanup;
            }
            if (total + n + 1 > size) {
                char *bigger;
                while (total + n + 1 > size) {
                    size *= 2;
                }
                bigger = apr_palloc(r->pool, size);
                memcpy(bigger, buf, total);
                buf = bigger;
            }
            memcpy(buf + total, data, n);
            total += n;
        }
        apr_brigade_cleanup(bb);
    } while (!seen_eos);
    buf[total] = '\0';
    *out = buf;
    *outlen = total;

cleanup:
    apr_brigade_destroy(bb);
    return status;
}

/* The address of a browser GET: ?emailaddress=... or the query being the
 * XML fragment <EMailAddress>...</EMailAddress>, percent-encoded or not.
 * Returns OK (with *email possibly NULL) or an error reason in *why. */
static const char *ad_get_address(request_rec *r, const char **email,
                                  apr_size_t *len)
{
    const char *decoded;
    apr_size_t dlen;

    *email = NULL;
    if (!r->args) {
        return NULL;
    }
    switch (mac_query_get(r->pool, r->args, "emailaddress", 0, email, len)) {
    case MAC_Q_OK:
        return NULL;
    case MAC_Q_DUPLICATE:
        return "the address is given more than once";
    case MAC_Q_BAD_ESCAPE:
        return "the query has a malformed percent escape";
    default:
        break;
    }
    decoded = mac_unescape(r->pool, r->args, strlen(r->args), 0, &dlen);
    if (!decoded) {
        return "the query has a malformed percent escape";
    }
    if (mac_ad_query_fragment(r->pool, decoded, dlen, email)) {
        *len = strlen(*email);
    }
    return NULL;
}

/* Outlook's answer for a known address that redirects; NULL when the
 * settings are the answer. */
static char *ad_redirect(request_rec *r, const mac_answer_t *ans,
                         const char *schema, apr_size_t *len)
{
    int mobilesync = schema && strcmp(schema, MAC_AD_NS_MOBILESYNC) == 0;

    if (ans->redirect_addr) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, MACNO(00712)
                      "autodiscover: redirecting to another address");
        return mobilesync
               ? mac_user_mobilesync_redirect(r->pool, ans->redirect_addr,
                                              len)
               : mac_user_ad_redirect(r->pool, 0, ans->redirect_addr, len);
    }
    if (ans->redirect_url && !mobilesync) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, MACNO(00713)
                      "autodiscover: redirecting to another URL");
        return mac_user_ad_redirect(r->pool, 1, ans->redirect_url, len);
    }
    return NULL;
}

static int handle_autodiscover(request_rec *r, const mac_state_t *st)
{
    const mac_site_t *site;
    const mac_ad_t *ad;
    mac_answer_t ans;
    mac_ad_request_t req;
    mac_addr_t addr;
    const mac_doc_t *doc;
    const char *why = NULL, *email = NULL;
    char *body = NULL, *out;
    apr_size_t len = 0, outlen;
    int rc;

    r->allowed = (AP_METHOD_BIT << M_GET) | (AP_METHOD_BIT << M_POST)
                 | (AP_METHOD_BIT << M_OPTIONS);
    memset(&req, 0, sizeof(req));
    switch (r->method_number) {
    case M_POST:
        if (!mac_media_type_xml(apr_table_get(r->headers_in,
                                              "Content-Type"))) {
            discard_body(r);
            return send_ad_error(r, HTTP_UNSUPPORTED_MEDIA_TYPE,
                                 MAC_AD_ERROR_INVALID_REQUEST,
                                 "the body is not declared as XML");
        }
        rc = read_body(r, st->sh->max_body, &body, &len, &why);
        if (rc != OK) {
            return send_ad_error(r, rc, MAC_AD_ERROR_INVALID_REQUEST, why);
        }
        if (mac_ad_parse(r->pool, body, len, &req, &why) != MAC_AD_OK) {
            return send_ad_error(r, HTTP_BAD_REQUEST,
                                 MAC_AD_ERROR_INVALID_REQUEST,
                                 why ? why : "the body is not a request");
        }
        email = req.email;
        len = strlen(email);
        break;
    case M_GET:
        if ((why = ad_get_address(r, &email, &len)) != NULL) {
            return send_ad_error(r, HTTP_BAD_REQUEST,
                                 MAC_AD_ERROR_INVALID_REQUEST, why);
        }
        if (!email) {
            /* Never a 2xx here: a client whose POST was redirected and
             * turned into a GET must see that it failed. */
            return send_ad_error(r, HTTP_BAD_REQUEST,
                                 MAC_AD_ERROR_INVALID_REQUEST,
                                 "a GET without an address");
        }
        break;
    case M_OPTIONS:
        apr_table_setn(r->headers_out, "Allow", "GET, HEAD, POST, OPTIONS");
        ap_set_content_length(r, 0);
        return OK;
    default:
        apr_table_setn(r->headers_out, "Allow", "GET, HEAD, POST, OPTIONS");
        discard_body(r);
        return send_ad_error(r, HTTP_METHOD_NOT_ALLOWED,
                             MAC_AD_ERROR_INVALID_REQUEST,
                             apr_psprintf(r->pool, "method %s not allowed",
                                          ap_escape_logitem(r->pool,
                                                            r->method)));
    }

    if ((why = mac_addr_parse(r->pool, email, len, &addr)) != NULL) {
        return send_ad_error(r, HTTP_BAD_REQUEST,
                             MAC_AD_ERROR_INVALID_REQUEST, why);
    }
    if ((rc = address_answer(r, st, &addr, &ans)) != OK) {
        if (rc == HTTP_NOT_FOUND) {
            return send_ad_error(r, HTTP_NOT_FOUND, MAC_AD_ERROR_NOT_FOUND,
                                 "the address's domain is not served here");
        }
        return send_lookup_error(r, rc);
    }
    site = ans.site;
    /* An ActiveSync device asks in the mobilesync request namespace and
     * wants the mobilesync answer even when it names no schema. */
    if (req.mobilesync && !req.schema) {
        req.schema = MAC_AD_NS_MOBILESYNC;
    }
    ad = ans.acct == site->acct ? site->ad
         : mac_ad_compile(r->pool, ans.acct, st->sh->activesync_url);
    if ((doc = mac_ad_pick(ad, req.schema)) == NULL) {
        return send_ad_error(r, HTTP_OK, MAC_AD_ERROR_SCHEMA,
                             "the requested response schema is not "
                             "provided");
    }
    if ((out = ad_redirect(r, &ans, req.schema, &outlen)) == NULL) {
        out = mac_ad_fill(r->pool, doc, addr.address, addr.local,
                          addr.domain, &outlen);
    }
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, MACNO(00302)
                  "autodiscover: serving %s settings for domain %s",
                  doc == ad->outlook ? "outlook" : "mobilesync",
                  addr.domain);
    return send_body(r, HTTP_OK, XML_TYPE, "no-store", out, outlen);
}

static int send_json(request_rec *r, int status, const char *json,
                     apr_size_t len, const char *cache_control)
{
    return send_body(r, status, "application/json; charset=utf-8",
                     cache_control, json, len);
}

static const char v2_not_found[] =
    "{\"ErrorCode\":\"NotFound\",\"ErrorMessage\":\"No settings for that "
    "domain here.\"}";
static const char v2_bad_request[] =
    "{\"ErrorCode\":\"InvalidRequest\",\"ErrorMessage\":\"The request is "
    "not valid.\"}";

/* Autodiscover v2: tell the client where the POX endpoint is. */
static int handle_autodiscover_json(request_rec *r, const mac_state_t *st)
{
    const mac_site_t *site = NULL;
    const char *protocol, *email = NULL, *why = NULL, *cache_control;
    apr_size_t plen, elen = 0;
    const char *tail = r->uri + sizeof(AD_JSON_PATH) - 1;
    mac_addr_t addr;
    int rc;

    if ((rc = method_gate_get(r)) != OK) {
        return rc == DONE ? OK : rc;
    }
    /* /autodiscover/autodiscover.json/v1.0/ADDRESS or ?Email=ADDRESS */
    if ((why = mac_path_v2_address(tail, &email)) != NULL) {
        email = NULL;
    }
    else if (email) {
        const char *q;
        apr_size_t qlen;
        if (mac_query_get(r->pool, r->args, "Email", 0, &q, &qlen)
            != MAC_Q_ABSENT) {
            why = "the address is given twice, in the path and the query";
        }
        elen = strlen(email);
    }
    else {
        switch (mac_query_get(r->pool, r->args, "Email", 0, &email, &elen)) {
        case MAC_Q_DUPLICATE:
            why = "the address is given more than once";
            break;
        case MAC_Q_BAD_ESCAPE:
            why = "the query has a malformed percent escape";
            break;
        default:
            break;
        }
    }
    if (!why && email && (why = mac_addr_parse(r->pool, email, elen, &addr))
                         == NULL
        && (rc = find_site(r, st, addr.domain, &site)) != OK) {
        if (rc != HTTP_NOT_FOUND) {
            return send_lookup_error(r, rc);
        }
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, MACNO(00303)
                      "autodiscover v2: the address's domain is not served "
                      "here");
        return send_json(r, HTTP_NOT_FOUND, v2_not_found,
                         sizeof(v2_not_found) - 1, "no-store");
    }
    if (why) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, MACNO(00304)
                      "autodiscover v2: bad request: %s", why);
        return send_json(r, HTTP_BAD_REQUEST, v2_bad_request,
                         sizeof(v2_bad_request) - 1, "no-store");
    }
    /* A database domain's answer is kept no longer than its entry. */
    cache_control = site ? site->cache_control : st->sh->cache_control;
    if (site && st->sh->user) {
        mac_answer_t ans;
        if ((rc = address_answer(r, st, &addr, &ans)) != OK) {
            return send_lookup_error(r, rc);
        }
        cache_control = st->sh->user->cache_control;
        if (ans.redirect_url && !ans.redirect_addr) {
            /* The address's Autodiscover (POX) is elsewhere. */
            apr_size_t ulen;
            const char *u = mac_json_escape(r->pool, ans.redirect_url,
                                            strlen(ans.redirect_url), &ulen);
            const char *json = apr_pstrcat(r->pool, "{\"Protocol\":"
                                           "\"AutodiscoverV1\",\"Url\":\"",
                                           u, "\"}", NULL);
            return send_json(r, HTTP_OK, json, strlen(json), cache_control);
        }
    }
    switch (mac_query_get(r->pool, r->args, "Protocol", 0, &protocol, &plen)) {
    case MAC_Q_OK:
        if (plen != strlen(protocol)) {
            break;      /* a NUL inside: no protocol of ours */
        }
        if (strcasecmp(protocol, "AutodiscoverV1") == 0) {
            return send_json(r, HTTP_OK, st->v2->json, st->v2->json_len,
                             cache_control);
        }
        if (strcasecmp(protocol, "ActiveSync") == 0 && st->v2->json_as) {
            return send_json(r, HTTP_OK, st->v2->json_as,
                             st->v2->json_as_len, cache_control);
        }
        break;
    default:
        break;
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, MACNO(00305)
                  "autodiscover v2: protocol missing or not offered");
    return send_json(r, HTTP_BAD_REQUEST, mac_ad_v2_error_json,
                     strlen(mac_ad_v2_error_json), "no-store");
}

/* ---- Apple configuration profiles -------------------------------- */

/* Request note: the Apple page was served (not a profile), for the
 * counters. */
#define NOTE_APPLE_PAGE "mailautoconf-apple-page"

/* A parameter that has two accepted names: giving both is as ambiguous
 * as giving one twice. */
static mac_q_status_e query_either(request_rec *r, const char *name1,
                                   const char *name2, int flags,
                                   const char **val, apr_size_t *len)
{
    const char *v2 = NULL;
    apr_size_t l2 = 0;
    mac_q_status_e s1 = mac_query_get(r->pool, r->args, name1, flags, val,
                                      len);
    mac_q_status_e s2 = mac_query_get(r->pool, r->args, name2, flags, &v2,
                                      &l2);

    if (s1 == MAC_Q_ABSENT) {
        if (s2 != MAC_Q_ABSENT) {
            *val = v2;
            *len = l2;
        }
        return s2;
    }
    if (s2 != MAC_Q_ABSENT) {
        return MAC_Q_DUPLICATE;
    }
    return s1;
}

static int send_page(request_rec *r, int status, const char *page,
                     apr_size_t len, int dynamic)
{
    apr_table_setn(r->headers_out, "Content-Security-Policy",
                   "default-src 'none'; style-src 'unsafe-inline'; "
                   "form-action 'self'; frame-ancestors 'none'");
    return send_body(r, status, "text/html; charset=utf-8",
                     dynamic ? "no-store" : "no-cache", page, len);
}

/* The page again, with a message next to the field it is about and the
 * values the user typed.  The page speaks of the domain the host name is
 * for; on a host that names no served domain (or while the database cannot
 * tell), the message alone. */
static int send_page_error(request_rec *r, const mac_state_t *st,
                           int status, mac_field_e field, const char *msg,
                           const char *name, const char *address)
{
    const mac_site_t *site = NULL;
    mac_apple_page_t pg;
    apr_size_t len;
    char *page;

    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, MACNO(00401)
                  "mobileconfig: %s", msg);
    if (site_from_host(r, st, &site) != OK) {
        site = NULL;
    }
    if (!site) {
        /* No domain to show a page for: the message alone. */
        return send_text(r, status, apr_pstrcat(r->pool, msg, "\n", NULL));
    }
    memset(&pg, 0, sizeof(pg));
    pg.path = st->sh->profile_path;
    pg.error = msg;
    pg.error_field = field;
    pg.name_value = name;
    pg.addr_value = address;
    pg.profile_signed = st->sh->signer != NULL;
    page = mac_apple_page(r->pool, site->acct, site->domain, &pg, &len);
    return send_page(r, status, page, len, 1);
}

static int handle_mobileconfig(request_rec *r, const mac_state_t *st)
{
    const char *address = NULL, *name = NULL, *why;
    const char *refill_name, *refill_address;
    apr_size_t alen = 0, nlen = 0, len;
    mac_q_status_e qa, qn;
    const mac_site_t *page_site, *site;
    const mac_apple_t *apple;
    const char *apple_why;
    mac_answer_t ans;
    mac_addr_t addr;
    char *profile;
    int rc;

    if ((rc = method_gate_get(r)) != OK) {
        return rc == DONE ? OK : rc;
    }
    qa = query_either(r, "emailaddress", "email", 0, &address, &alen);
    qn = query_either(r, "name", "emailname", MAC_Q_PLUS_IS_SPACE, &name,
                      &nlen);
    if (qa == MAC_Q_ABSENT && qn == MAC_Q_ABSENT) {
        /* The form, for the domain the host name is for.  (A download
         * never asks about the host: a configured domain is answered
         * without the database.) */
        if ((rc = site_from_host(r, st, &page_site)) != OK) {
            return send_lookup_error(r, rc);
        }
        /* The page is for people, seldom asked for: it is made per request
         * rather than kept for every domain (with 100,000 domains that
         * would be hundreds of MB). */
        mac_apple_page_t pg;
        const char *page;

        memset(&pg, 0, sizeof(pg));
        pg.path = st->sh->profile_path;
        pg.profile_signed = st->sh->signer != NULL;
        page = mac_apple_page(r->pool, page_site->acct, page_site->domain,
                              &pg, &len);
        /* Counted apart from the profiles. */
        apr_table_setn(r->notes, NOTE_APPLE_PAGE, "1");
        return send_page(r, HTTP_OK, page, len, 0);
    }
    /* What may be typed back into the form: a name that is safe to show
     * (too long is fine), an address of printable ASCII (as every valid
     * one is). */
    refill_name = qn == MAC_Q_OK && mac_apple_name_showable(name, nlen)
                  ? name : NULL;
    refill_address = qa == MAC_Q_OK && mac_printable_ascii(address, alen,
                                                       MAC_ADDRESS_MAX)
                     ? address : NULL;
    if (qa == MAC_Q_DUPLICATE || qn == MAC_Q_DUPLICATE) {
        return send_page_error(r, st, HTTP_BAD_REQUEST,
                               qa == MAC_Q_DUPLICATE ? MAC_FIELD_ADDRESS
                                                     : MAC_FIELD_NAME,
                               "A value was given more than once.",
                               NULL, NULL);
    }
    if (qa == MAC_Q_BAD_ESCAPE || qn == MAC_Q_BAD_ESCAPE) {
        return send_page_error(r, st, HTTP_BAD_REQUEST,
                               qa == MAC_Q_BAD_ESCAPE ? MAC_FIELD_ADDRESS
                                                      : MAC_FIELD_NAME,
                               "The request is malformed.", NULL, NULL);
    }
    if (qa == MAC_Q_ABSENT || alen == 0) {
        return send_page_error(r, st, HTTP_BAD_REQUEST,
                               MAC_FIELD_ADDRESS,
                               "Please enter your email address.",
                               refill_name, NULL);
    }
    if ((why = mac_addr_parse(r->pool, address, alen, &addr)) != NULL) {
        return send_page_error(r, st, HTTP_BAD_REQUEST,
                               MAC_FIELD_ADDRESS,
                               apr_pstrcat(r->pool, "That is not a valid "
                                           "email address: ", why, ".",
                                           NULL),
                               refill_name, refill_address);
    }
    if (name && (why = mac_apple_check_name(name, nlen)) != NULL) {
        return send_page_error(r, st, HTTP_BAD_REQUEST,
                               MAC_FIELD_NAME,
                               apr_pstrcat(r->pool, "That name cannot be "
                                           "used: ", why, ".", NULL),
                               refill_name, refill_address);
    }
    if ((rc = address_answer(r, st, &addr, &ans)) != OK || ans.offsite) {
        if (rc != HTTP_NOT_FOUND && !ans.offsite) {
            return send_lookup_error(r, rc);
        }
        return send_page_error(r, st, HTTP_NOT_FOUND,
                               MAC_FIELD_ADDRESS,
                               "This server has no settings for the domain "
                               "of that address.", refill_name,
                               refill_address);
    }
    site = ans.site;
    apple = site->apple;
    apple_why = site->apple_why;
    if (ans.acct != site->acct) {
        apple = mac_apple_compile(r->pool, ans.acct, &apple_why);
    }
    if (!apple) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, MACNO(00402)
                      "mobileconfig: no profile can be made: %s",
                      apple_why);
        return send_text(r, HTTP_NOT_FOUND, "No profile is offered here.\n");
    }
    if (!name && ans.display_name
        && !mac_apple_check_name(ans.display_name,
                                 strlen(ans.display_name))) {
        name = ans.display_name;   /* the directory's name for the person */
    }

    profile = mac_apple_render(r->pool, apple, &ans.addr, name, &len);
    if (st->sh->signer) {
        char *signed_profile;
        apr_size_t signed_len;
        if ((why = mac_signer_sign(r->pool, st->sh->signer, profile, len,
                                   &signed_profile, &signed_len)) != NULL) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, MACNO(00403)
                          "mobileconfig: signing failed: %s", why);
            return send_text(r, HTTP_INTERNAL_SERVER_ERROR,
                             "The profile could not be signed.\n");
        }
        profile = signed_profile;
        len = signed_len;
    }
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, MACNO(00404)
                  "mobileconfig: serving %s profile for domain %s",
                  st->sh->signer ? "a signed" : "an unsigned", addr.domain);
    apr_table_setn(r->headers_out, "Content-Disposition",
                   apr_pstrcat(r->pool, "attachment; filename=\"",
                               mac_apple_filename(r->pool, addr.domain),
                               "\"", NULL));
    return send_body(r, HTTP_OK, MAC_APPLE_CONTENT_TYPE, "no-store", profile,
                     len);
}

/* ---- Counters and the status page -------------------------------- */

/* Requests per endpoint and outcome since the configuration was loaded,
 * in shared memory so that every child adds to the same numbers.  One
 * row per client endpoint, and the Apple page (asked for without
 * parameters) apart from the profiles. */
#define ROW_APPLE_PAGE EP_STATUS
#define NCOUNTED (EP_STATUS + 1)
static apr_uint32_t *counters;      /* [NCOUNTED][MAC_OUT_COUNT] */
static apr_time_t config_loaded;

static int setup_counters(apr_pool_t *pconf, server_rec *s)
{
    apr_size_t size = sizeof(apr_uint32_t) * NCOUNTED * MAC_OUT_COUNT;
    apr_shm_t *shm;
    apr_status_t rv = apr_shm_create(&shm, size, NULL, pconf);

    config_loaded = apr_time_now();
    if (rv == APR_SUCCESS) {
        counters = apr_shm_baseaddr_get(shm);
        memset(counters, 0, size);
        return OK;
    }
    ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s, MACNO(00601)
                 "no shared memory for the request counters; each child "
                 "counts its own");
    counters = apr_pcalloc(pconf, size);
    return OK;
}

static int mac_log_transaction(request_rec *r)
{
    const mac_endpoint_t *ep = ap_get_module_config(r->request_config,
                                                    &mailautoconf_module);
    int row;

    if (!ep || ep->id >= EP_STATUS || !counters) {
        return DECLINED;
    }
    row = ep->id;
    if (row == EP_MOBILECONFIG && apr_table_get(r->notes, NOTE_APPLE_PAGE)) {
        row = ROW_APPLE_PAGE;
    }
    apr_atomic_inc32(&counters[row * MAC_OUT_COUNT
                               + mac_outcome_of(r->status)]);
    return DECLINED;
}

static const char *join_names(apr_pool_t *p, const server_rec *s)
{
    apr_array_header_t *all = apr_array_make(p, 4, sizeof(const char *));

    if (s->names) {
        apr_array_cat(all, s->names);
    }
    if (s->wild_names) {
        apr_array_cat(all, s->wild_names);
    }
    return all->nelts ? apr_array_pstrcat(p, all, ' ') : NULL;
}

/* ---- The status page's DNS and certificate check ----------------- */

/* Bounds of one check (see mac_check.h), and how long a child keeps its
 * result: a page that anyone may reload must not make the server flood a
 * resolver or open many connections. */
#define CHECK_MAX_QUERIES 200
#define CHECK_MAX_PROBES  40
#define CHECK_KEEP        apr_time_from_sec(60)
#define CHECK_TLS_TIMEOUT apr_time_from_sec(3)

typedef struct {
    apr_pool_t  *pool;      /* holds check */
    mac_check_t *check;
} check_slot_t;

/* Per child: the last check per (resolver, scope).  The lock also makes
 * the checks of one child run one at a time. */
static apr_pool_t *check_pool;
static apr_hash_t *check_cache;
#if APR_HAS_THREADS
static apr_thread_mutex_t *check_lock;
#endif

static void check_child_init(apr_pool_t *pchild)
{
    check_pool = pchild;
    check_cache = apr_hash_make(pchild);
#if APR_HAS_THREADS
    if (apr_thread_mutex_create(&check_lock, APR_THREAD_MUTEX_DEFAULT,
                                pchild) != APR_SUCCESS) {
        check_lock = NULL;
        check_cache = NULL;   /* then every check runs uncached */
    }
#endif
}

typedef struct {
    mac_resolver_t *res;
    const char     *why;      /* when res is NULL */
} check_ctx_t;

static mac_res_status_e check_resolve(void *ctx, apr_pool_t *p,
                                      const char *name, const char *type,
                                      apr_array_header_t **found,
                                      const char **why)
{
    check_ctx_t *c = ctx;

    if (!c->res) {
        *found = NULL;
        *why = c->why;
        return MAC_RES_FAILED;
    }
    return mac_resolve(c->res, p, name, type, found, why);
}

static void check_probe(void *ctx, apr_pool_t *p, const char *addr,
                        int port, const char *name, mac_tls_result_t *out)
{
    (void)ctx;
    mac_tls_probe(p, addr, port, name, CHECK_TLS_TIMEOUT, out);
}

/* What the check needs of status page entry number index (server s).
 * The certificates are read at s's own address (a wildcard one is
 * reached on loopback) and port; port 443 for a plain-HTTP vhost on port
 * 80. */
static void status_check_input(apr_pool_t *p, const server_rec *s,
                               const mac_status_vhost_t *v,
                               mac_check_input_t *in, int index)
{
    const server_addr_rec *a = s->addrs;
    char *ip = NULL;

    memset(in, 0, sizeof(*in));
    in->index = index;
    in->server_name = v->server_name;
    in->acct = v->acct;
    in->https_port = v->https_port;
    if (!a || !a->host_addr) {
        return;
    }
    if (apr_sockaddr_is_wildcard(a->host_addr)) {
        in->tls_addr = a->host_addr->family == APR_INET6 ? "::1"
                                                        : "127.0.0.1";
    }
    else if (apr_sockaddr_ip_get(&ip, a->host_addr) == APR_SUCCESS) {
        in->tls_addr = apr_pstrdup(p, ip);
    }
    in->tls_port = a->host_port ? a->host_port : s->port;
    if (in->tls_port == 0 || in->tls_port == 80) {
        in->tls_port = 443;
    }
}

/* The check of inputs (all, or only number scope), from the cache when a
 * fresh one is there; rendered into r->pool. */
static void status_check(request_rec *r, const apr_array_header_t *inputs,
                         int scope, const char **html, const char **json)
{
    const char *resolver = srv_conf(r->server)->check_resolver;
    const char *key = apr_psprintf(r->pool, "%s %d",
                                   resolver ? resolver : "system", scope);
    apr_array_header_t *todo = apr_array_make(r->pool, 1,
                                              sizeof(mac_check_input_t));
    check_slot_t *slot = NULL;
    mac_check_t *c;
    apr_pool_t *p;
    check_ctx_t ctx;
    const char *addr = NULL;
    int i, port = 53, cached = 0;

    for (i = 0; i < inputs->nelts; i++) {
        const mac_check_input_t *in = &APR_ARRAY_IDX(inputs, i,
                                                     mac_check_input_t);
        if (scope == 0 || in->index == scope) {
            *(mac_check_input_t *)apr_array_push(todo) = *in;
        }
    }
#if APR_HAS_THREADS
    if (check_lock) {
        apr_thread_mutex_lock(check_lock);
    }
#endif
    if (check_cache) {
        slot = apr_hash_get(check_cache, key, APR_HASH_KEY_STRING);
    }
    if (slot && slot->check
        && apr_time_now() - slot->check->checked < CHECK_KEEP) {
        c = slot->check;
        cached = 1;
    }
    else {
        apr_pool_create(&p, check_cache ? check_pool : r->pool);
        memset(&ctx, 0, sizeof(ctx));
        if (resolver) {
            mac_resolver_parse(p, resolver, &addr, &port);
        }
        ctx.res = mac_resolver_create(p, addr, port, &ctx.why);
        c = mac_check_run(p, todo, CHECK_MAX_QUERIES, CHECK_MAX_PROBES,
                          check_resolve, &ctx, check_probe, NULL,
                          resolver ? resolver
                                   : "the system's (/etc/resolv.conf)",
                          apr_time_now());
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, MACNO(00611)
                      "status check: %d DNS queries, %d TLS connections%s%s",
                      c->queries, c->probes,
                      c->cut ? ", cut at the bound" : "",
                      c->unreachable ? ", the resolver did not answer" : "");
        if (check_cache) {
            if (!slot) {
                slot = apr_pcalloc(check_pool, sizeof(*slot));
                apr_hash_set(check_cache, apr_pstrdup(check_pool, key),
                             APR_HASH_KEY_STRING, slot);
            }
            if (slot->pool) {
                apr_pool_destroy(slot->pool);
            }
            slot->pool = p;
            slot->check = c;
        }
    }
    c->from_cache = cached;
    *html = mac_check_html(r->pool, c, inputs);
    *json = apr_pstrcat(r->pool, "\"check\":", mac_check_json(r->pool, c),
                        NULL);
#if APR_HAS_THREADS
    if (check_lock) {
        apr_thread_mutex_unlock(check_lock);
    }
#endif
}

static int handle_status(request_rec *r)
{
    static const char *const names[NCOUNTED] = {
        "thunderbird", "autodiscover", "autodiscover-json", "mobileconfig",
        "pacc", "mobileconfig-page"
    };
    const mac_dir_conf *d = ap_get_module_config(r->per_dir_config,
                                                 &mailautoconf_module);
    mac_status_counter_t cnt[NCOUNTED];
    mac_status_t status;
    apr_array_header_t *vhosts = apr_array_make(r->pool, 8,
                                                sizeof(mac_status_vhost_t));
    apr_array_header_t *inputs = apr_array_make(r->pool, 8,
                                                sizeof(mac_check_input_t));
    mac_status_query_t q;
    apr_array_header_t *order = apr_array_make(r->pool, 8,
                                               sizeof(const server_rec *));
    const server_rec *s;
    const char *body, *type;
    apr_size_t len;
    int i, k, rc, n = 0;

    if (!d || (d->status != STATUS_VHOST && d->status != STATUS_SERVER)) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, MACNO(00208)
                      "status page refused: SetHandler mailautoconf-status "
                      "needs MailAutoconfStatus VirtualHost or Server in the "
                      "server configuration");
        return send_text(r, HTTP_FORBIDDEN, "The status page is not enabled "
                         "here.\n");
    }
    if ((rc = method_gate_get(r)) != OK) {
        return rc == DONE ? OK : rc;
    }
    for (s = ap_server_conf; s; s = s->next) {
        n += srv_conf(s)->state != NULL
             && (d->status == STATUS_SERVER || s == r->server);
    }
    if (mac_status_query_parse(r->args, n, &q) != 0) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, MACNO(00610)
                      "status page: unknown query string");
        return send_text(r, HTTP_BAD_REQUEST, "Bad request: the status page "
                         "takes ?json, ?check, ?check=N (each with &json) "
                         "or ?metrics.\n");
    }
    for (i = 0; i < NCOUNTED; i++) {
        cnt[i].name = names[i];
        for (k = 0; k < MAC_OUT_COUNT; k++) {
            cnt[i].counts[k] = counters
                ? apr_atomic_read32(&counters[i * MAC_OUT_COUNT + k]) : 0;
        }
    }
    /* httpd keeps the virtual hosts last defined first: the main server,
     * then the virtual hosts in the order of the configuration files. */
    for (s = ap_server_conf ? ap_server_conf->next : NULL; s; s = s->next) {
        APR_ARRAY_PUSH(order, const server_rec *) = s;
    }
    if (ap_server_conf) {
        APR_ARRAY_PUSH(order, const server_rec *) = ap_server_conf;
    }
    for (i = order->nelts - 1; i >= 0; i--) {
        const mac_state_t *st;
        mac_status_vhost_t *v;
        int port;
        const char *scheme;

        s = APR_ARRAY_IDX(order, i, const server_rec *);
        st = srv_conf(s)->state;
        if (!st || (d->status == STATUS_VHOST && s != r->server)) {
            continue;
        }
        v = apr_array_push(vhosts);
        memset(v, 0, sizeof(*v));
        port = s->addrs && s->addrs->host_port ? s->addrs->host_port
                                               : s->port;
        scheme = s->server_scheme ? s->server_scheme
                                  : port == 443 ? "https" : "http";
        v->server_name = s->server_hostname;
        v->aliases = join_names(r->pool, s);
        v->defined_at = s->is_virtual
            ? apr_psprintf(r->pool, "%s:%d", s->defn_name, s->defn_line_number)
            : "main server";
        v->base_url = (port == 0 || port == 80 || port == 443)
            ? apr_pstrcat(r->pool, scheme, "://", s->server_hostname, NULL)
            : apr_psprintf(r->pool, "%s://%s:%d", scheme, s->server_hostname,
                           port);
        v->https_port = strcmp(scheme, "https") == 0 && port ? port : 443;
        v->acct = &st->sh->acct;
        v->profile_path = st->sh->profile_path;
        v->profile_signed = st->sh->signer != NULL;
        v->activesync_url = st->sh->activesync_url;
        v->https_redirect = st->https_host;
        v->warnings = apr_array_append(r->pool, st->sh->warnings,
                                       st->warnings);
        status_check_input(r->pool, s, v, apr_array_push(inputs),
                           vhosts->nelts);
    }
    memset(&status, 0, sizeof(status));
    status.started = config_loaded;
    status.now = r->request_time;
    status.version = MAILAUTOCONF_VERSION;
    status.vhosts = vhosts;
    status.counters = cnt;
    status.ncounters = NCOUNTED;
    status.has_database = neg_cache != NULL || user_neg_cache != NULL;
    status.database_queries = db_queries ? apr_atomic_read32(db_queries) : 0;
    status.cache_mutex = cache_lock ? CACHE_LOCK_NAME
                       : cache_mutex ? apr_global_mutex_name(cache_mutex)
                       : NULL;

    if (q.check) {
        status_check(r, inputs, q.scope, &status.extra_html,
                     &status.extra_json);
    }
    else {
        status.extra_html = mac_check_html(r->pool, NULL, inputs);
        status.extra_json = "\"check\":null";
    }
    if (q.metrics) {
        body = mac_metrics_text(r->pool, &status, &len);
        type = MAC_METRICS_CONTENT_TYPE;
    }
    else if (q.json) {
        body = mac_status_json(r->pool, &status, &len);
        type = "application/json; charset=utf-8";
    }
    else {
        body = mac_status_html(r->pool, &status, &len);
        type = "text/html; charset=utf-8";
        apr_table_setn(r->headers_out, "Content-Security-Policy",
                       "default-src 'none'; style-src 'unsafe-inline'; "
                       "frame-ancestors 'none'");
    }
    return send_body(r, HTTP_OK, type, "no-store", body, len);
}

/* ---- CalDAV and CardDAV: RFC 6764 ------------------------------- */

/* /.well-known/caldav and /.well-known/carddav: every method, PROPFIND
 * included, is redirected to the service's context path (RFC 6764
 * section 5), for the domain the Host names when it is served, else the
 * server's first domain.  The Host itself never goes into Location. */
static int handle_dav(request_rec *r, const mac_state_t *st, mac_dav_e which)
{
    const mac_site_t *site;
    const char *tpl;
    int rc;

    /* The final status is known: a body is read and dropped, and with
     * Expect: 100-continue not asked for at all. */
    r->status = HTTP_MOVED_PERMANENTLY;
    if ((rc = ap_discard_request_body(r)) != OK) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, MACNO(00903)
                      "%s: the request body could not be read to its end",
                      mac_dav_name(which));
        return rc;
    }
    r->status = HTTP_OK;
    if ((rc = site_from_host(r, st, &site)) != OK) {
        return send_lookup_error(r, rc);
    }
    if ((tpl = mac_dav_template(site->acct, which)) == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, MACNO(00901)
                      "%s: no %s URL for domain %s", mac_dav_name(which),
                      mac_dav_name(which), site->domain);
        return send_text(r, HTTP_NOT_FOUND, "No such service here.\n");
    }
    set_dav_redirect(r, site, which, site->dav_location[which]
                     ? site->dav_location[which]
                     : mac_dav_url(r->pool, tpl, site->domain));
    return HTTP_MOVED_PERMANENTLY;
}

/* ---- Plain HTTP to HTTPS ----------------------------------------- */

/* Did the client reach us over HTTPS?  Behind a TLS-terminating proxy the
 * connection is plain: with MailAutoconfTrustForwardedProto the proxy's
 * X-Forwarded-Proto says; without it, a request that says it came over
 * HTTPS would be redirected again and again, which is logged. */
static int reached_over_https(request_rec *r, const mac_state_t *st)
{
    const char *fwd;

    if (strcmp(ap_http_scheme(r), "https") == 0) {
        return 1;
    }
    fwd = apr_table_get(r->headers_in, "X-Forwarded-Proto");
    if (!fwd || strncasecmp(fwd, "https", 5) != 0
        || (fwd[5] != '\0' && fwd[5] != ',' && fwd[5] != ' ')) {
        return 0;
    }
    if (st->forwarded_proto) {
        return 1;
    }
    ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, MACNO(00307)
                  "redirecting to HTTPS a request with X-Forwarded-Proto: "
                  "https; behind a TLS-terminating proxy this loops: set "
                  "MailAutoconfTrustForwardedProto On");
    return 0;
}

static int redirect_https(request_rec *r, const mac_state_t *st)
{
    const char *loc = apr_pstrcat(r->pool, "https://", st->https_host,
                                  ap_escape_uri(r->pool, r->uri), NULL);

    if (r->args && mac_query_safe(r->args)) {
        loc = apr_pstrcat(r->pool, loc, "?", r->args, NULL);
    }
    ap_discard_request_body(r);
    /* err_headers_out: the redirect goes out through the error path,
     * which drops headers_out. */
    apr_table_setn(r->headers_out, "Location", loc);
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, MACNO(00306)
                  "redirecting to HTTPS");
    /* 308 keeps the method and the body: Outlook's POST survives. */
    return (r->method_number == M_GET) ? HTTP_MOVED_PERMANENTLY
                                       : HTTP_PERMANENT_REDIRECT;
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
    /* For the counters, also when SetHandler chose the endpoint. */
    ap_set_module_config(r->request_config, &mailautoconf_module, (void *)ep);
    if (ep->id == EP_STATUS) {
        return handle_status(r);
    }
    apr_table_setn(r->notes, "mailautoconf-client", ep->client);
    if (!c->state) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, MACNO(00205)
                      "SetHandler %s is used where no MailAutoconfDomain "
                      "applies", ep->handler);
        return send_text(r, HTTP_NOT_FOUND, "No mail settings here.\n");
    }
    if (c->state->https_host && !reached_over_https(r, c->state)) {
        return redirect_https(r, c->state);
    }
    switch (ep->id) {
    case EP_THUNDERBIRD:
        return handle_thunderbird(r, c->state);
    case EP_AUTODISCOVER:
        return handle_autodiscover(r, c->state);
    case EP_AUTODISCOVER_JSON:
        return handle_autodiscover_json(r, c->state);
    case EP_MOBILECONFIG:
        return handle_mobileconfig(r, c->state);
    case EP_PACC:
        return handle_pacc(r, c->state);
    case EP_CALDAV:
        return handle_dav(r, c->state, MAC_DAV_CALDAV);
    case EP_CARDDAV:
        return handle_dav(r, c->state, MAC_DAV_CARDDAV);
    default:
        return DECLINED;
    }
}

/* libxml2 is set up once, in the parent, before any thread exists. */
static int mac_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                          apr_pool_t *ptemp)
{
    (void)plog; (void)ptemp;
    mac_ad_init();
    socaches = NULL;
    neg_cache = NULL;
    user_neg_cache = NULL;
    cache_lock = NULL;
    cache_mutex = NULL;
    return ap_mutex_register(pconf, DB_CACHE_MUTEX, NULL, APR_LOCK_DEFAULT,
                             0);
}

/* Warnings go to the error log once it is open; under configtest, which
 * never gets that far, they are printed from check_config. */
static int mac_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                           apr_pool_t *ptemp, server_rec *main_s)
{
    apr_hash_index_t *hi;
    int rc;

    (void)plog;
    if (ap_state_query(AP_SQ_MAIN_STATE) != AP_SQ_MS_CREATE_PRE_CONFIG) {
        log_warnings(main_s, ptemp);
    }
    for (hi = socaches ? apr_hash_first(ptemp, socaches) : NULL; hi;
         hi = apr_hash_next(hi)) {
        if ((rc = init_socache(apr_hash_this_val(hi), pconf, main_s)) != OK) {
            return rc;
        }
    }
    setup_db_counter(pconf);
    return setup_counters(pconf, main_s);
}

/* The mutexes of the shared caches that need one, and the front caches. */
static void mac_child_init(apr_pool_t *pchild, server_rec *main_s)
{
    apr_hash_index_t *hi;
    server_rec *s;
    apr_status_t rv = APR_SUCCESS;

    check_child_init(pchild);
    user_child_init(pchild, main_s);
    for (s = main_s; s; s = s->next) {
        mac_state_t *st = srv_conf(s)->state;
        /* One per shared configuration, made with its first server. */
        if (st && st->sh->dbcache && st->sh->first == s
            && mac_front_create(&st->sh->front, pchild,
                                st->sh->dbd_front_size) != APR_SUCCESS) {
            st->sh->front = NULL;    /* the shared cache still answers */
        }
    }

    /* Our own lock needs nothing here: it lives in memory inherited from
     * the parent. */
    if (cache_mutex) {
        rv = apr_global_mutex_child_init(&cache_mutex,
                                         apr_global_mutex_lockfile(
                                             cache_mutex), pchild);
    }
    for (hi = socaches ? apr_hash_first(pchild, socaches) : NULL; hi;
         hi = apr_hash_next(hi)) {
        mac_socache_t *c = apr_hash_this_val(hi);

        if (c->needs_mutex && c->ready && rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, main_s, MACNO(00509)
                         "database cache %s: cannot use its mutex in this "
                         "child; answers come from the database",
                         c->setting);
            c->ready = 0;
        }
    }
}

static void mac_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_pre_config(mac_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(mac_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(mac_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(mac_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_log_transaction(mac_log_transaction, NULL, NULL,
                            APR_HOOK_MIDDLE);
    ap_hook_translate_name(mac_translate, NULL, NULL, APR_HOOK_REALLY_FIRST);
    ap_hook_map_to_storage(mac_map_to_storage, NULL, NULL,
                           APR_HOOK_REALLY_FIRST);
    ap_hook_handler(mac_handler, NULL, NULL, APR_HOOK_REALLY_FIRST);
}

module AP_MODULE_DECLARE_DATA mailautoconf_module = {
    STANDARD20_MODULE_STUFF,
    create_dir_conf,     /* per-directory config creator */
    merge_dir_conf,      /* per-directory config merger */
    create_srv_conf,     /* per-server config creator */
    merge_srv_conf,      /* per-server config merger */
    mac_cmds,            /* command table */
    mac_register_hooks,  /* hook registration */
    AP_MODULE_FLAG_ALWAYS_MERGE  /* every server gets its own object, so
                                  * per-server state is never shared */
};
