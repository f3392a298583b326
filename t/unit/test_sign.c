/*
 * Unit tests for mac_sign.[ch]: CMS signing of profiles.  TAP on stdout.
 *
 * Uses the certificates in t/unit/data (see mkcerts.sh there); run from the
 * repository root or set MAC_TEST_DATA to that directory.  Scratch files go
 * to APR's temporary directory.  When the openssl command is on PATH, one
 * signed file is also checked with `openssl cms -verify`.
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
            good = n == (long)clen && memcmp(got, content, clen) == 0;
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

/* Build a variant of leaf-ec.pem (validity shifted by the given days, or
 * key usage keyEncipherment only) signed by the intermediate. */
static const char *make_variant(const char *name, long nb_days, long na_days,
                                int bad_ku)
{
    BIO *b;
    X509 *x, *ca;
    EVP_PKEY *cakey;
    char *pem;
    long n;
    const char *path = T(name);

    b = BIO_new_file(D("leaf-ec.pem"), "r");
    x = PEM_read_bio_X509(b, NULL, NULL, NULL);
    BIO_free(b);
    b = BIO_new_file(D("intermediate.pem"), "r");
    ca = PEM_read_bio_X509(b, NULL, NULL, NULL);
    BIO_free(b);
    b = BIO_new_file(D("intermediate.key"), "r");
    cakey = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
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
    X509_sign(x, cakey, EVP_sha256());
    b = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(b, x);
    n = BIO_get_mem_data(b, &pem);
    write_file(path, pem, (apr_size_t)n);
    BIO_free(b);
    X509_free(x);
    X509_free(ca);
    EVP_PKEY_free(cakey);
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

/* Many threads, one signer. */
#define NTHREADS 8
#define NSIGS    25

typedef struct {
    const mac_signer_t *s;
    int                 good;
    int                 id;
} worker_t;

static void *APR_THREAD_FUNC worker(apr_thread_t *t, void *data)
{
    worker_t *w = data;
    apr_pool_t *p;
    int i;

    apr_pool_create_unmanaged(&p);
    for (i = 0; i < NSIGS; i++) {
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

static void test_threads(const char *what, const char *cert, const char *key)
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
        apr_thread_create(&th[i], NULL, worker, &w[i], pool);
    }
    for (i = 0; i < NTHREADS; i++) {
        apr_thread_join(&rv, th[i]);
        good += w[i].good;
    }
    is_int(good, NTHREADS * NSIGS, apr_psprintf(pool, "%s: %d threads x %d "
           "concurrent signatures with one signer all verify", what,
           NTHREADS, NSIGS));
}

static void test_cli(void)
{
    const char *err = NULL;
    mac_signer_t *s = mac_signer_load(pool, D("leaf-ec.pem"),
                                      D("leaf-ec.key"), D("chain.pem"), &err);
    static const char content[] = "<?xml version=\"1.0\"?>\n<plist/>\n";
    char *der, *got;
    apr_size_t len, glen = 0;
    const char *in = T("signed.mobileconfig"), *out = T("verified.out");
    const char *log = T("openssl.log");
    const char *cmd;
    int rc;

    if (system("command -v openssl >/dev/null 2>&1") != 0) {
        ok(1, "# skip openssl cms -verify: no openssl command");
        return;
    }
    if (!s || mac_signer_sign(pool, s, content, sizeof(content) - 1, &der,
                              &len)) {
        ok(0, "CLI: sign");
        return;
    }
    write_file(in, der, len);
    cmd = apr_psprintf(pool, "openssl cms -verify -inform DER -in '%s' "
                       "-CAfile '%s' -out '%s' -binary >'%s' 2>&1", in,
                       D("ca.pem"), out, log);
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
       "openssl cms -verify -inform DER -CAfile ca.pem accepts the output "
       "(%s) and returns the content", in);
    apr_file_remove(out, pool);
    apr_file_remove(in, pool);
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
    test_threads("EC", D("leaf-ec.pem"), D("leaf-ec.key"));
    test_threads("RSA", D("leaf-rsa.pem"), D("leaf-rsa.key"));
    test_cli();

    X509_STORE_free(ca_store);
    apr_pool_destroy(pool);     /* runs the signers' cleanups */
    apr_terminate();
    return done_testing();
}
