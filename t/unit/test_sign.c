/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * Unit tests for mac_sign.[ch]: CMS signing of profiles.  TAP on stdout.
 *
 * Uses the certificates in t/unit/data (see mkcerts.sh there); run from the
 * repository root or set MAC_TEST_DATA to that directory.  Scratch files go
 * to APR's temporary directory.  When the openssl command is on PATH, signed
 * files are also checked with `openssl cms -verify`.
 *
 * Every signature is verified with OpenSSL (CMS_verify against the test
 * CA, and `openssl cms -verify`), for EC and RSA keys, with and without a
 * chain; its signed attributes and certificates are read back.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include <apr_thread_proc.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tap.h"
#include "mac_sign.h"

static apr_pool_t *pool;
static const char *data_dir;
static const char *tmp_dir;
static X509_STORE *ca_store;
static X509_STORE *ca_int_store;    /* the CA and the intermediate */

static const char *D(const char *file)
{
    return apr_pstrcat(pool, data_dir, "/", file, NULL);
}

static const char *T(const char *file)
{
    return apr_psprintf(pool, "%s/mac_test_sign_%ld_%s", tmp_dir,
                        (long)getpid(), file);
}

static void write_file(const char *path, const char *data, apr_size_t len)
{
    apr_file_t *f;

    if (apr_file_open(&f, path, APR_FOPEN_WRITE | APR_FOPEN_CREATE
                      | APR_FOPEN_TRUNCATE | APR_FOPEN_BINARY,
                      APR_FPROT_OS_DEFAULT, pool) != APR_SUCCESS) {
        diag("cannot write %s", path);
        exit(2);
    }
    apr_file_write_full(f, data, len, NULL);
    apr_file_close(f);
}

static char *read_all(const char *path, apr_size_t *len)
{
    apr_file_t *f;
    apr_finfo_t fi;
    char *buf;

    if (apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_BINARY, 0, pool)
        != APR_SUCCESS) {
        return NULL;
    }
    apr_file_info_get(&fi, APR_FINFO_SIZE, f);
    buf = apr_palloc(pool, (apr_size_t)fi.size + 1);
    apr_file_read_full(f, buf, (apr_size_t)fi.size, len);
    apr_file_close(f);
    buf[*len] = '\0';
    return buf;
}

/* Parse DER into a CMS, verify it against the test CA (or another store),
 * compare the content.  Returns 1 when all is
 * well; *ncerts gets the number of certificates carried. */
static int verify(const char *der, apr_size_t len, const char *content,
                  apr_size_t clen, X509_STORE *store, int *ncerts,
                  int *detached, int *digest_nid)
{
    const unsigned char *q = (const unsigned char *)der;
    CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &q, (long)len);
    BIO *out = BIO_new(BIO_s_mem());
    int good = 0;

    if (cms && q == (const unsigned char *)der + len) {
        STACK_OF(X509) *certs = CMS_get1_certs(cms);
        STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
        if (ncerts) {
            *ncerts = certs ? sk_X509_num(certs) : 0;
        }
        sk_X509_pop_free(certs, X509_free);
        if (detached) {
            *detached = CMS_is_detached(cms);
        }
        if (digest_nid && sk_CMS_SignerInfo_num(sis) == 1) {
            X509_ALGOR *dig;
            const ASN1_OBJECT *obj;
            CMS_SignerInfo_get0_algs(sk_CMS_SignerInfo_value(sis, 0), NULL,
                                     NULL, &dig, NULL);
            X509_ALGOR_get0(&obj, NULL, NULL, dig);
            *digest_nid = OBJ_obj2nid(obj);
        }
        if (OBJ_obj2nid(CMS_get0_type(cms)) == NID_pkcs7_signed
            && CMS_verify(cms, NULL, store ? store : ca_store, NULL, out,
                          CMS_BINARY) == 1) {
            char *got;
            long n = BIO_get_mem_data(out, &got);
            good = n == (long)clen
                   && (clen == 0 || memcmp(got, content, clen) == 0);
        }
    }
    CMS_ContentInfo_free(cms);
    BIO_free(out);
    ERR_clear_error();
    return good;
}

static void test_sign_ok(const char *what, const char *cert, const char *key,
                         const char *chain, int want_certs)
{
    const char *err = "unset";
    mac_signer_t *s = mac_signer_load(pool, cert, key, chain, &err);
    static const char content[] =
        "<?xml version=\"1.0\"?>\r\n<plist>\n\t\0binary\xff\r\r\n</plist>";
    char *der = NULL;
    apr_size_t derlen = 0;
    int ncerts = -1, detached = -1, nid = -1;
    const char *msg;

    ok(s != NULL, "%s: loads (%s)", what, s ? "ok" : err);
    if (!s) {
        return;
    }
    ok(ERR_peek_error() == 0, "%s: OpenSSL error queue left empty", what);
    diag("%s: %s", what, mac_signer_describe(pool, s));
    ok(mac_signer_warning(pool, s) == NULL, "%s: no warning", what);
    msg = mac_signer_sign(pool, s, content, sizeof(content) - 1, &der,
                          &derlen);
    ok(msg == NULL && der && derlen > 0, "%s: signs %d bytes -> %d bytes DER "
       "(%s)", what, (int)sizeof(content) - 1, (int)derlen, msg ? msg : "ok");
    if (!der) {
        return;
    }
    ok(verify(der, derlen, content, sizeof(content) - 1, NULL, &ncerts,
              &detached, &nid),
       "%s: CMS_verify against the test CA, content byte-identical "
       "(CR, LF, NUL, 0xFF kept)", what);
    is_int(detached, 0, "content embedded, not detached");
    is_int(ncerts, want_certs, "signer and chain certificates included");
    is_int(nid, NID_sha256, "digest is SHA-256");
}

static void test_errors(void)
{
    const char *err;
    mac_signer_t *s;
    struct {
        const char *what, *cert, *key, *chain, *want1, *want2;
    } cases[] = {
        { "mismatched key", D("leaf-ec.pem"), D("mismatch.key"), NULL,
          "does not match", "mismatch.key" },
        { "RSA key for EC certificate", D("leaf-ec.pem"), D("leaf-rsa.key"),
          NULL, "does not match", "leaf-ec.pem" },
        { "missing certificate file", D("nonexistent.pem"), D("leaf-ec.key"),
          NULL, "nonexistent.pem", "No such file" },
        { "missing key file", D("leaf-ec.pem"), D("nonexistent.key"), NULL,
          "nonexistent.key", "No such file" },
        { "missing chain file", D("leaf-ec.pem"), D("leaf-ec.key"),
          D("nochain.pem"), "chain file", "nochain.pem" },
        { "garbage certificate", D("garbage.pem"), D("leaf-ec.key"), NULL,
          "cannot parse certificate 1", "garbage.pem" },
        { "garbage chain", D("leaf-ec.pem"), D("leaf-ec.key"),
          D("garbage.pem"), "chain file", "garbage.pem" },
        { "certificate as key", D("leaf-ec.pem"), D("leaf-ec.pem"), NULL,
          "no PEM private key", "leaf-ec.pem" },
        { "key as certificate", D("leaf-ec.key"), D("leaf-ec.key"), NULL,
          "no PEM certificate", "leaf-ec.key" },
        { "garbage key", D("leaf-ec.pem"), D("garbage.pem"), NULL,
          "garbage.pem", "key" },
        { "garbage inside a PRIVATE KEY block", D("leaf-ec.pem"),
          T("badkey.pem"), NULL, "cannot parse the private key",
          "badkey.pem" },
        { "encrypted key", D("leaf-ec.pem"), D("leaf-ec-encrypted.key"),
          NULL, "encrypted", "leaf-ec-encrypted.key" },
        { "directory as certificate", data_dir, D("leaf-ec.key"), NULL,
          "not a regular file", data_dir },
        { "empty certificate file", T("empty.pem"), D("leaf-ec.key"), NULL,
          "no PEM certificate", "empty.pem" },
        { "no certificate file given", "", NULL, NULL, "no certificate",
          "file" },
    };
    unsigned i;

    write_file(T("empty.pem"), "", 0);
    {
        static const char bad[] = "-----BEGIN PRIVATE KEY-----\n"
                                  "Z2FyYmFnZQ==\n-----END PRIVATE KEY-----\n";
        write_file(T("badkey.pem"), bad, sizeof(bad) - 1);
    }
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        err = NULL;
        s = mac_signer_load(pool, cases[i].cert, cases[i].key,
                            cases[i].chain, &err);
        ok(s == NULL && err && strstr(err, cases[i].want1)
           && strstr(err, cases[i].want2), "%s: refused: %s", cases[i].what,
           err ? err : "(no message)");
    }
    ok(ERR_peek_error() == 0, "after all failures the error queue is empty");
    apr_file_remove(T("empty.pem"), pool);
    apr_file_remove(T("badkey.pem"), pool);
}

static void test_file_variants(void)
{
    apr_size_t l1, l2;
    char *cert = read_all(D("leaf-ec.pem"), &l1);
    char *key = read_all(D("leaf-ec.key"), &l2);
    const char *err = NULL;
    mac_signer_t *s;

    /* key and certificate in one file, key first */
    write_file(T("combined.pem"), apr_pstrcat(pool, key, cert, NULL),
               l1 + l2);
    s = mac_signer_load(pool, T("combined.pem"), NULL, D("chain.pem"), &err);
    ok(s != NULL, "key and certificate in one file, keyfile NULL (%s)",
       s ? "ok" : err);
    apr_file_remove(T("combined.pem"), pool);
}

/* The leaf alone: a verifier needs the intermediate from elsewhere. */
static void test_no_chain(void)
{
    const char *err = NULL;
    mac_signer_t *s = mac_signer_load(pool, D("leaf-ec.pem"),
                                      D("leaf-ec.key"), NULL, &err);
    char *der;
    apr_size_t len;
    int n = -1;
    X509_STORE *both = X509_STORE_new();
    BIO *b;
    X509 *x;

    b = BIO_new_file(D("ca.pem"), "r");
    x = PEM_read_bio_X509(b, NULL, NULL, NULL);
    X509_STORE_add_cert(both, x);
    X509_free(x);
    BIO_free(b);
    b = BIO_new_file(D("intermediate.pem"), "r");
    x = PEM_read_bio_X509(b, NULL, NULL, NULL);
    X509_STORE_add_cert(both, x);
    X509_free(x);
    BIO_free(b);
    if (!s || mac_signer_sign(pool, s, "x", 1, &der, &len)) {
        ok(0, "leaf only: signs");
        X509_STORE_free(both);
        return;
    }
    ok(!verify(der, len, "x", 1, NULL, &n, NULL, NULL) && n == 1,
       "leaf only: one certificate, no path to the CA without the chain");
    ok(verify(der, len, "x", 1, both, NULL, NULL, NULL),
       "leaf only: verifies when the verifier has the intermediate");
    X509_STORE_free(both);
}

/* Have the test intermediate CA issue x (its issuer name and signature),
 * write it to path as PEM and free it. */
static void issue(X509 *x, const char *path)
{
    BIO *b;
    X509 *ca;
    EVP_PKEY *cakey;
    char *pem;
    long n;

    b = BIO_new_file(D("intermediate.pem"), "r");
    ca = PEM_read_bio_X509(b, NULL, NULL, NULL);
    BIO_free(b);
    b = BIO_new_file(D("intermediate.key"), "r");
    cakey = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    BIO_free(b);
    X509_set_issuer_name(x, X509_get_subject_name(ca));
    X509_sign(x, cakey, EVP_sha256());
    b = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(b, x);
    n = BIO_get_mem_data(b, &pem);
    write_file(path, pem, (apr_size_t)n);
    BIO_free(b);
    X509_free(x);
    X509_free(ca);
    EVP_PKEY_free(cakey);
}

/* Build a variant of leaf-ec.pem (validity shifted by the given days, or
 * key usage keyEncipherment only) signed by the intermediate. */
static const char *make_variant(const char *name, long nb_days, long na_days,
                                int bad_ku)
{
    BIO *b;
    X509 *x;
    const char *path = T(name);

    b = BIO_new_file(D("leaf-ec.pem"), "r");
    x = PEM_read_bio_X509(b, NULL, NULL, NULL);
    BIO_free(b);

    X509_gmtime_adj(X509_getm_notBefore(x), nb_days * 86400L);
    X509_gmtime_adj(X509_getm_notAfter(x), na_days * 86400L);
    if (bad_ku) {
        int i = X509_get_ext_by_NID(x, NID_key_usage, -1);
        X509_EXTENSION *ext = X509_delete_ext(x, i);
        X509_EXTENSION_free(ext);
        ext = X509V3_EXT_conf_nid(NULL, NULL, NID_key_usage,
                                  "critical,keyEncipherment");
        X509_add_ext(x, ext, -1);
        X509_EXTENSION_free(ext);
    }
    issue(x, path);
    return path;
}

static void test_warnings(void)
{
    struct {
        const char *what, *file;
        long nb, na;
        int bad_ku;
        const char *want;
    } cases[] = {
        { "expired", "expired.pem", -30, -1, 0, "expired" },
        { "not yet valid", "future.pem", 2, 30, 0, "not valid before" },
        { "key usage without digitalSignature", "ku.pem", -1, 30, 1,
          "key usage" },
    };
    unsigned i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *path = make_variant(cases[i].file, cases[i].nb,
                                        cases[i].na, cases[i].bad_ku);
        const char *err = NULL, *w;
        mac_signer_t *s = mac_signer_load(pool, path, D("leaf-ec.key"),
                                          D("chain.pem"), &err);
        w = s ? mac_signer_warning(pool, s) : NULL;
        ok(s && w && strstr(w, cases[i].want),
           "%s certificate: loads, warning: %s", cases[i].what,
           w ? w : err ? err : "none");
        apr_file_remove(path, pool);
    }
}

/* Many threads, one signer: NTHREADS x nsigs signatures, each verified. */
#define NTHREADS 8

typedef struct {
    const mac_signer_t *s;
    int                 good;
    int                 id;
    int                 nsigs;
} worker_t;

static void *APR_THREAD_FUNC worker(apr_thread_t *t, void *data)
{
    worker_t *w = data;
    apr_pool_t *p;
    int i;

    apr_pool_create_unmanaged(&p);
    for (i = 0; i < w->nsigs; i++) {
        char *content = apr_psprintf(p, "thread %d signature %d", w->id, i);
        char *der;
        apr_size_t len;
        if (mac_signer_sign(p, w->s, content, strlen(content), &der, &len)
            == NULL
            && verify(der, len, content, strlen(content), NULL, NULL, NULL,
                      NULL)) {
            w->good++;
        }
        apr_pool_clear(p);
    }
    apr_pool_destroy(p);
    /* return rather than apr_thread_exit(): pthread_exit's unwinding
     * confuses AddressSanitizer (false stack-buffer-underflow) */
    (void)t;
    return NULL;
}

static void test_threads(const char *what, const char *cert, const char *key,
                         int nsigs)
{
    const char *err = NULL;
    mac_signer_t *s = mac_signer_load(pool, cert, key, D("chain.pem"), &err);
    apr_thread_t *th[NTHREADS];
    worker_t w[NTHREADS];
    int i, good = 0;
    apr_status_t rv;

    if (!s) {
        ok(0, "%s: threads: load (%s)", what, err);
        return;
    }
    for (i = 0; i < NTHREADS; i++) {
        w[i].s = s;
        w[i].good = 0;
        w[i].id = i;
        w[i].nsigs = nsigs;
        apr_thread_create(&th[i], NULL, worker, &w[i], pool);
    }
    for (i = 0; i < NTHREADS; i++) {
        apr_thread_join(&rv, th[i]);
        good += w[i].good;
    }
    is_int(good, NTHREADS * nsigs, apr_psprintf(pool, "%s: %d threads x %d "
           "concurrent signatures with one signer all verify", what,
           NTHREADS, nsigs));
}

/* `openssl cms -verify` on a signature; cafile: the trusted certificates
 * (ca.pem; with the intermediate too when the signature has no chain). */
static void test_cli(const char *what, const char *cert, const char *key,
                     const char *chain, const char *cafile,
                     const char *calabel)
{
    const char *err = NULL;
    mac_signer_t *s = mac_signer_load(pool, cert, key, chain, &err);
    static const char content[] = "<?xml version=\"1.0\"?>\r\n<plist/>\n";
    char *der, *got;
    apr_size_t len, glen = 0;
    const char *in = T("signed.mobileconfig"), *out = T("verified.out");
    const char *log = T("openssl.log");
    const char *cmd;
    int rc;

    if (system("command -v openssl >/dev/null 2>&1") != 0) {
        skip(1, "%s: openssl cms -verify: no openssl command", what);
        return;
    }
    if (!s || mac_signer_sign(pool, s, content, sizeof(content) - 1, &der,
                              &len)) {
        ok(0, "%s: CLI: sign", what);
        return;
    }
    write_file(in, der, len);
    cmd = apr_psprintf(pool, "openssl cms -verify -inform DER -in '%s' "
                       "-CAfile '%s' -out '%s' -binary >'%s' 2>&1", in,
                       cafile, out, log);
    rc = system(cmd);
    {
        apr_size_t n = 0;
        char *text = read_all(log, &n);
        diag("%s: %s", cmd, text ? text : "");
        apr_file_remove(log, pool);
    }
    got = read_all(out, &glen);
    ok(rc == 0 && got && glen == sizeof(content) - 1
       && memcmp(got, content, glen) == 0,
       "%s: openssl cms -verify -inform DER -CAfile %s accepts the "
       "output and returns the content", what, calabel);
    apr_file_remove(out, pool);
    apr_file_remove(in, pool);
}

/* ------------------------------------------------------------------ */
/* The signed attributes                                                */

/* What d2i_CMS_ContentInfo finds in a signature. */
typedef struct {
    int           nsigners;
    int           nattrs;         /* signed attributes */
    int           content_type;   /* NID of the contentType attribute */
    unsigned char digest[64];     /* messageDigest */
    int           digest_len;
    int           time_type;      /* V_ASN1_UTCTIME, V_ASN1_GENERALIZEDTIME */
    time_t        time;           /* signingTime */
    unsigned char sig[1024];      /* signature */
    int           sig_len;
} parsed_t;

static int parse(const char *der, apr_size_t len, parsed_t *info)
{
    const unsigned char *q = (const unsigned char *)der;
    CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &q, (long)len);
    STACK_OF(CMS_SignerInfo) *sis;
    CMS_SignerInfo *si;
    ASN1_OBJECT *ct;
    ASN1_OCTET_STRING *md, *sig;
    X509_ATTRIBUTE *attr;
    ASN1_TYPE *at;
    struct tm tm;
    int good = 0;

    memset(info, 0, sizeof(*info));
    info->content_type = NID_undef;
    if (!cms || q != (const unsigned char *)der + len
        || OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed
        || !(sis = CMS_get0_SignerInfos(cms))) {
        goto done;
    }
    info->nsigners = sk_CMS_SignerInfo_num(sis);
    if (info->nsigners != 1) {
        goto done;
    }
    si = sk_CMS_SignerInfo_value(sis, 0);
    info->nattrs = CMS_signed_get_attr_count(si);
    /* lastpos -3: the attribute must be there exactly once */
    ct = CMS_signed_get0_data_by_OBJ(si, OBJ_nid2obj(NID_pkcs9_contentType),
                                     -3, V_ASN1_OBJECT);
    info->content_type = ct ? OBJ_obj2nid(ct) : NID_undef;
    md = CMS_signed_get0_data_by_OBJ(si,
                                     OBJ_nid2obj(NID_pkcs9_messageDigest),
                                     -3, V_ASN1_OCTET_STRING);
    if (md && ASN1_STRING_length(md) <= (int)sizeof(info->digest)) {
        info->digest_len = ASN1_STRING_length(md);
        memcpy(info->digest, ASN1_STRING_get0_data(md), info->digest_len);
    }
    attr = CMS_signed_get_attr(si, CMS_signed_get_attr_by_NID(
                                       si, NID_pkcs9_signingTime, -1));
    at = attr && X509_ATTRIBUTE_count(attr) == 1
         ? X509_ATTRIBUTE_get0_type(attr, 0) : NULL;
    if (at && (ASN1_TYPE_get(at) == V_ASN1_UTCTIME
               || ASN1_TYPE_get(at) == V_ASN1_GENERALIZEDTIME)
        && ASN1_TIME_to_tm(at->value.asn1_string, &tm)) {
        info->time_type = ASN1_TYPE_get(at);
        info->time = timegm(&tm);
    }
    sig = CMS_SignerInfo_get0_signature(si);
    if (sig && ASN1_STRING_length(sig) <= (int)sizeof(info->sig)) {
        info->sig_len = ASN1_STRING_length(sig);
        memcpy(info->sig, ASN1_STRING_get0_data(sig), info->sig_len);
        good = 1;
    }
done:
    CMS_ContentInfo_free(cms);
    ERR_clear_error();
    return good;
}

/* Every configuration and a few contents, up to 70,000 bytes (lengths of
 * one to three octets): it verifies; the signed attributes are right. */
static void test_contents(void)
{
    struct {
        const char *what, *cert, *key, *chain;
        X509_STORE *store;
    } cases[] = {
        { "EC + chain", D("leaf-ec.pem"), D("leaf-ec.key"), D("chain.pem"),
          NULL },
        { "RSA + chain", D("leaf-rsa.pem"), D("leaf-rsa.key"),
          D("chain.pem"), NULL },
        { "EC, no chain", D("leaf-ec.pem"), D("leaf-ec.key"), NULL,
          ca_int_store },
        { "RSA, no chain", D("leaf-rsa.pem"), D("leaf-rsa.key"), NULL,
          ca_int_store },
        { "EC, full chain as certificate file", D("fullchain-ec.pem"),
          D("leaf-ec.key"), NULL, NULL },
    };
    static const char binary[] = "<?xml version=\"1.0\"?>\r\n<plist>\n\t\0"
                                 "binary\xff\r\r\n</plist>";
    char *big = apr_palloc(pool, 70000);
    struct {
        const char *data;
        apr_size_t len;
    } contents[] = {
        { "", 0 }, { "x", 1 }, { binary, sizeof(binary) - 1 }, { big, 5000 },
        { big, 70000 },
    };
    time_t now = time(NULL);
    unsigned i, j;

    for (i = 0; i < 70000; i++) {
        big[i] = (char)(i * 7 + i / 251);
    }
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *err = NULL;
        mac_signer_t *s = mac_signer_load(pool, cases[i].cert, cases[i].key,
                                          cases[i].chain, &err);
        int verified = 0, attrs = 0, n = 0;

        if (!s) {
            ok(0, "%s: load (%s)", cases[i].what, err);
            continue;
        }
        for (j = 0; j < sizeof(contents) / sizeof(contents[0]); j++) {
            char *der = NULL;
            apr_size_t len = 0;
            parsed_t info;
            unsigned char md[EVP_MAX_MD_SIZE];
            unsigned int mdlen = 0;

            n++;
            if (mac_signer_sign_at(pool, s, contents[j].data,
                                   contents[j].len, now, &der, &len)) {
                continue;
            }
            verified += verify(der, len, contents[j].data, contents[j].len,
                               cases[i].store, NULL, NULL, NULL);
            EVP_Digest(contents[j].data, contents[j].len, md, &mdlen,
                       EVP_sha256(), NULL);
            attrs += parse(der, len, &info) && info.nattrs == 3
                     && info.content_type == NID_pkcs7_data
                     && info.digest_len == (int)mdlen
                     && memcmp(info.digest, md, mdlen) == 0
                     && info.time_type == V_ASN1_UTCTIME && info.time == now;
        }
        is_int(verified, n, apr_psprintf(pool, "%s: %d contents (0, 1, "
               "5000, 70000 bytes, binary) all verify (CMS_verify), "
               "content byte-identical", cases[i].what, n));
        is_int(attrs, n, apr_psprintf(pool, "%s: signed attributes: just "
               "contentType id-data, messageDigest = SHA-256 of the "
               "content, signingTime as given (UTCTime)", cases[i].what));
    }
}

/* mac_signer_sign: the signing time is now. */
static void test_signing_time(const char *what, const char *cert,
                              const char *key)
{
    const char *err = NULL;
    mac_signer_t *s = mac_signer_load(pool, cert, key, D("chain.pem"), &err);
    static const char content[] = "<plist>signing time</plist>\n";
    char *der = NULL;
    apr_size_t len = 0;
    parsed_t info;
    time_t before = time(NULL), after;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    if (!s || mac_signer_sign(pool, s, content, sizeof(content) - 1, &der,
                              &len)) {
        ok(0, "%s: sign (%s)", what, err ? err : "sign");
        return;
    }
    after = time(NULL);
    EVP_Digest(content, sizeof(content) - 1, md, &mdlen, EVP_sha256(),
               NULL);
    ok(parse(der, len, &info), "%s: d2i_CMS_ContentInfo parses the DER, "
       "one signer", what);
    is_int(info.nattrs, 3, apr_psprintf(pool, "%s: three signed attributes",
           what));
    is_int(info.content_type, NID_pkcs7_data,
           apr_psprintf(pool, "%s: contentType id-data", what));
    ok(info.digest_len == (int)mdlen && memcmp(info.digest, md, mdlen) == 0,
       "%s: messageDigest is the SHA-256 of the content", what);
    ok(info.time_type == V_ASN1_UTCTIME && info.time >= before - 2
       && info.time <= after + 2, "%s: signingTime is now (UTCTime, %ld s "
       "from the clock)", what, (long)(info.time - before));
}

/* UTCTime up to 2049, GeneralizedTime from 2050 and before 1950 (RFC 5652
 * 11.3). */
static void test_times(void)
{
    struct {
        const char *what;
        time_t when;
        int type;
    } cases[] = {
        { "1949-12-31 23:59:59", -631152001, V_ASN1_GENERALIZEDTIME },
        { "1950-01-01 00:00:00", -631152000, V_ASN1_UTCTIME },
        { "1970-01-01 00:00:00", 0, V_ASN1_UTCTIME },
        { "2000-02-29 12:34:56", 951827696, V_ASN1_UTCTIME },
        { "2049-12-31 23:59:59", 2524607999, V_ASN1_UTCTIME },
        { "2050-01-01 00:00:00", 2524608000, V_ASN1_GENERALIZEDTIME },
        { "9999-12-31 23:59:59", 253402300799, V_ASN1_GENERALIZEDTIME },
    };
    const char *kinds[2][2] = {
        { D("leaf-ec.pem"), D("leaf-ec.key") },
        { D("leaf-rsa.pem"), D("leaf-rsa.key") },
    };
    unsigned i, k;

    for (k = 0; k < 2; k++) {
        const char *err = NULL;
        mac_signer_t *s = mac_signer_load(pool, kinds[k][0], kinds[k][1],
                                          D("chain.pem"), &err);
        char *der;
        apr_size_t len;
        const char *msg;

        if (!s) {
            ok(0, "times: load (%s)", err);
            continue;
        }
        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
            parsed_t info;

            ok(mac_signer_sign_at(pool, s, "t", 1, cases[i].when, &der,
                                  &len) == NULL
               && parse(der, len, &info) && info.time == cases[i].when
               && info.time_type == cases[i].type
               && verify(der, len, "t", 1, NULL, NULL, NULL, NULL),
               "%s: signing time %s as %s, verifies",
               k ? "RSA" : "EC", cases[i].what,
               cases[i].type == V_ASN1_UTCTIME ? "UTCTime"
                                               : "GeneralizedTime");
        }
        der = (char *)"unset";
        msg = mac_signer_sign_at(pool, s, "t", 1, 253402300800, &der, &len);
        ok(msg && strstr(msg, "signing time") && der == NULL,
           "%s: year 10000 refused: %s", k ? "RSA" : "EC", msg ? msg : "");
    }
}

/* Signatures differ with the content; ECDSA's also with the same content
 * (a fresh random nonce each time), RSA's do not. */
static void test_distinct(void)
{
    const char *kinds[2][2] = {
        { D("leaf-ec.pem"), D("leaf-ec.key") },
        { D("leaf-rsa.pem"), D("leaf-rsa.key") },
    };
    time_t now = time(NULL);
    int k;

    for (k = 0; k < 2; k++) {
        const char *err = NULL;
        mac_signer_t *s = mac_signer_load(pool, kinds[k][0], kinds[k][1],
                                          D("chain.pem"), &err);
        char *d1, *d2, *d3;
        apr_size_t l1, l2, l3;
        parsed_t a, b, c;
        const char *what = k ? "RSA" : "EC";

        if (!s || mac_signer_sign_at(pool, s, "profile A", 9, now, &d1, &l1)
            || mac_signer_sign_at(pool, s, "profile B", 9, now, &d2, &l2)
            || mac_signer_sign_at(pool, s, "profile A", 9, now, &d3, &l3)
            || !parse(d1, l1, &a) || !parse(d2, l2, &b)
            || !parse(d3, l3, &c)) {
            ok(0, "%s: distinct: sign (%s)", what, err ? err : "sign");
            continue;
        }
        ok(memcmp(a.digest, b.digest, 32) != 0
           && (a.sig_len != b.sig_len
               || memcmp(a.sig, b.sig, a.sig_len) != 0),
           "%s: different contents, different digests and signatures",
           what);
        if (k == 0) {
            ok(a.sig_len != c.sig_len || memcmp(a.sig, c.sig, a.sig_len) != 0,
               "EC: the same content twice, two ECDSA signatures (fresh "
               "nonces)");
        }
        else {
            ok(l1 == l3 && memcmp(d1, d3, l1) == 0,
               "RSA: the same content and time twice, the same DER");
        }
        ok(verify(d1, l1, "profile A", 9, NULL, NULL, NULL, NULL)
           && verify(d2, l2, "profile B", 9, NULL, NULL, NULL, NULL)
           && verify(d3, l3, "profile A", 9, NULL, NULL, NULL, NULL)
           && !verify(d1, l1, "profile B", 9, NULL, NULL, NULL, NULL),
           "%s: all three verify, each with its own content", what);
    }
}

/* mac_signer_sign leaves the caller's OpenSSL errors alone. */
static void test_error_queue(void)
{
    const char *err = NULL;
    mac_signer_t *s = mac_signer_load(pool, D("leaf-ec.pem"),
                                      D("leaf-ec.key"), D("chain.pem"), &err);
    char *der;
    apr_size_t len;
    unsigned long e;

    ERR_raise(ERR_LIB_USER, 42);
    ok(s && mac_signer_sign(pool, s, "x", 1, &der, &len) == NULL,
       "signs with an error pending");
    e = ERR_get_error();
    ok(ERR_GET_LIB(e) == ERR_LIB_USER && ERR_GET_REASON(e) == 42
       && ERR_peek_error() == 0, "the pending error is left as it was");
    ERR_clear_error();
}

/* A DSA key (2048/256, generated for this test: public, never use it):
 * whatever key type OpenSSL's CMS API signs with works too. */
static const char dsa_key[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIICZAIBADCCAjkGByqGSM44BAEwggIsAoIBAQDytrQqXT9zu0oBcocnASY+jf8N\n"
    "kkAnfuEQQ2kNmKye4n9LP78E0S+rqVva0lSCw/A7OyoSD84h/swacTD8+A3O+NAr\n"
    "L0YtlrVdVoNrjrPgJWWebQo+OcCSIDOXOOS151a2SS18W7VaN9wnr/9syW3VceF/\n"
    "oNoKMasrpYXAxb3nO9EHyCaPw23ARLjsZhsdsczqHueGpsQcGf/Mepy2KYpMcHIv\n"
    "5S97bCXIW2MlIiMrRwiLX+dVXchdOm6MPSBtlyoMDQikjgEevgGvaSWYluJ8LAKA\n"
    "jOm+SyaxiSRjBcjMv66rshaaEA7B6LXpJmZRwju0Snc+XYkXmsX9V85erFWLAiEA\n"
    "5k/+XZ6rGSscBd0zGn5fyR46Ff6sB5PK8alW3wlLq8kCggEAbnQKIMqNy4Wgljhh\n"
    "oiID5E4xj81qUv2YPMpRAMcdzkPoWj4XkSCngMrwfur/ZHI1ewutdyKpbwMm5CDe\n"
    "P3zRE9Kr31pVRtv9DC7mqulvzWCDbrM5n3TYsxi8LLeGUWCz7cRYZgcEd7Lv2J1d\n"
    "xocmwgivRGMvll+ZyNuir8axIgpTXNuD/fqcmc9otfrgIgwX4arUJZ6HE8jVTgI8\n"
    "TzOMFynuLjzKjgFaQWJ6YOgaf5hcLDO6/GPVHGpH1eTYTq4bDLC8XDpIcUyKTLNE\n"
    "MMMWFA5G6DVI4FJDuRw3xeCQl41+8aCS7Hllh3YTWZu+dHxiz4VlrjZH2lZ7XJDG\n"
    "LkXZyAQiAiB26Mr6BnzhIubPjLr0Svhbi5BUMMWjBEw9z+TQ6WmaQA==\n"
    "-----END PRIVATE KEY-----\n";

static void test_other_key_type(void)
{
    const char *keyfile = T("dsa.key"), *certfile = T("dsa.pem");
    BIO *b;
    X509 *x = X509_new();
    EVP_PKEY *key;
    X509_NAME *name = X509_NAME_new();
    X509_EXTENSION *ext;
    const char *err = NULL;
    mac_signer_t *s;
    parsed_t info;
    time_t when = 1700000000;
    char *der;
    apr_size_t len;

    write_file(keyfile, dsa_key, sizeof(dsa_key) - 1);
    b = BIO_new_mem_buf(dsa_key, -1);
    key = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    BIO_free(b);

    /* a leaf like the others, for the DSA key */
    X509_set_version(x, X509_VERSION_3);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 0x2003);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                               (const unsigned char *)"mod_mailautoconf "
                               "tests", -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                               (const unsigned char *)"autoconfig.example.com"
                               " (dsa)", -1, -1, 0);
    X509_set_subject_name(x, name);
    X509_gmtime_adj(X509_getm_notBefore(x), -86400L);
    X509_gmtime_adj(X509_getm_notAfter(x), 30 * 86400L);
    X509_set_pubkey(x, key);
    ext = X509V3_EXT_conf_nid(NULL, NULL, NID_key_usage,
                              "critical,digitalSignature");
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    issue(x, certfile);
    X509_NAME_free(name);
    EVP_PKEY_free(key);

    s = mac_signer_load(pool, certfile, keyfile, D("chain.pem"), &err);
    ok(s != NULL, "DSA key: loads (%s)", s ? "ok" : err);
    if (s) {
        diag("DSA: %s", mac_signer_describe(pool, s));
        ok(mac_signer_sign_at(pool, s, "dsa\r\n", 5, when, &der, &len)
           == NULL && parse(der, len, &info) && info.time == when
           && verify(der, len, "dsa\r\n", 5, NULL, NULL, NULL, NULL),
           "DSA key: signing time as given, verifies");
        ok(mac_signer_sign(pool, s, "dsa", 3, &der, &len) == NULL
           && verify(der, len, "dsa", 3, NULL, NULL, NULL, NULL),
           "DSA key: mac_signer_sign verifies");
    }
    apr_file_remove(keyfile, pool);
    apr_file_remove(certfile, pool);
    ERR_clear_error();
}

int main(void)
{
    BIO *b;
    X509 *ca;

    apr_initialize();
    apr_pool_create(&pool, NULL);
    plan_no_plan();
    data_dir = getenv("MAC_TEST_DATA") ? getenv("MAC_TEST_DATA")
                                       : "t/unit/data";
    if (apr_temp_dir_get(&tmp_dir, pool) != APR_SUCCESS) {
        tmp_dir = "/tmp";
    }
    b = BIO_new_file(D("ca.pem"), "r");
    ca = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    if (!ca) {
        diag("cannot read %s: run from the repository root or set "
             "MAC_TEST_DATA", D("ca.pem"));
        return 2;
    }
    ca_store = X509_STORE_new();
    X509_STORE_add_cert(ca_store, ca);
    X509_free(ca);
    ca_int_store = X509_STORE_new();
    b = BIO_new_file(D("ca.pem"), "r");
    ca = PEM_read_bio_X509(b, NULL, NULL, NULL);
    BIO_free(b);
    X509_STORE_add_cert(ca_int_store, ca);
    X509_free(ca);
    b = BIO_new_file(D("intermediate.pem"), "r");
    ca = PEM_read_bio_X509(b, NULL, NULL, NULL);
    BIO_free(b);
    X509_STORE_add_cert(ca_int_store, ca);
    X509_free(ca);

    test_sign_ok("EC P-256 + chain", D("leaf-ec.pem"), D("leaf-ec.key"),
                 D("chain.pem"), 2);
    test_sign_ok("RSA 2048 + chain", D("leaf-rsa.pem"), D("leaf-rsa.key"),
                 D("chain.pem"), 2);
    test_sign_ok("fullchain as certificate file", D("fullchain-ec.pem"),
                 D("leaf-ec.key"), NULL, 2);
    test_sign_ok("fullchain and chain file (duplicates skipped)",
                 D("fullchain-ec.pem"), D("leaf-ec.key"),
                 D("fullchain-ec.pem"), 2);
    test_file_variants();
    test_no_chain();
    test_errors();
    test_warnings();
    /* RSA: fewer, 1600 RSA signatures take minutes under valgrind */
    test_threads("EC", D("leaf-ec.pem"), D("leaf-ec.key"), 200);
    test_threads("RSA", D("leaf-rsa.pem"), D("leaf-rsa.key"), 25);
    test_contents();
    test_signing_time("EC", D("leaf-ec.pem"), D("leaf-ec.key"));
    test_signing_time("RSA", D("leaf-rsa.pem"), D("leaf-rsa.key"));
    test_times();
    test_distinct();
    test_error_queue();
    test_other_key_type();
    test_cli("EC + chain", D("leaf-ec.pem"), D("leaf-ec.key"),
             D("chain.pem"), D("ca.pem"), "ca.pem");
    test_cli("RSA + chain", D("leaf-rsa.pem"), D("leaf-rsa.key"),
             D("chain.pem"), D("ca.pem"), "ca.pem");
    test_cli("EC, full chain as certificate file", D("fullchain-ec.pem"),
             D("leaf-ec.key"), NULL, D("ca.pem"), "ca.pem");
    {
        /* no chain: the verifier needs the intermediate from elsewhere */
        apr_size_t l1 = 0, l2 = 0;
        char *ca = read_all(D("ca.pem"), &l1);
        char *in = read_all(D("intermediate.pem"), &l2);

        write_file(T("ca-int.pem"), apr_pstrcat(pool, ca, in, NULL),
                   l1 + l2);
        test_cli("EC, no chain", D("leaf-ec.pem"), D("leaf-ec.key"), NULL,
                 T("ca-int.pem"), "(ca.pem + intermediate.pem)");
        test_cli("RSA, no chain", D("leaf-rsa.pem"), D("leaf-rsa.key"), NULL,
                 T("ca-int.pem"), "(ca.pem + intermediate.pem)");
        apr_file_remove(T("ca-int.pem"), pool);
    }

    X509_STORE_free(ca_int_store);
    X509_STORE_free(ca_store);
    apr_pool_destroy(pool);     /* runs the signers' cleanups */
    apr_terminate();
    return done_testing();
}
