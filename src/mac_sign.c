/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: CMS signing of Apple profiles.  See mac_sign.h.
 */
#include <limits.h>
#include <string.h>
#include <time.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include <apr_file_info.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "mac_sign.h"

/* Larger PEM files are certainly not what we want (a long chain is a few
 * tens of KiB). */
#define PEM_FILE_MAX (1024 * 1024)

struct mac_signer_t {
    X509           *cert;
    EVP_PKEY       *key;
    STACK_OF(X509) *chain;     /* never NULL, maybe empty */
    EVP_MD         *sha256;    /* fetched once */
};

/* The reason of one OpenSSL error code. */
static const char *reason_of(apr_pool_t *p, unsigned long e)
{
    char buf[256];

    if (ERR_reason_error_string(e)) {
        return apr_pstrdup(p, ERR_reason_error_string(e));
    }
    ERR_error_string_n(e, buf, sizeof(buf));
    return apr_pstrdup(p, buf);
}

/* OpenSSL's reason for the failure just seen on this thread: the last
 * error, preceded by the first one (the root cause, e.g. "wrong tag" before
 * "ASN1 lib") when first_too and they differ.  Use first_too only when the
 * queue was cleared before the failing call. */
static const char *ossl_reason(apr_pool_t *p, int first_too)
{
    unsigned long last = ERR_peek_last_error();
    unsigned long first = first_too ? ERR_peek_error() : 0;

    if (last == 0) {
        return "unknown OpenSSL error";
    }
    if (first && first != last
        && ERR_GET_REASON(first) != ERR_GET_REASON(last)) {
        return apr_psprintf(p, "%s (%s)", reason_of(p, first),
                            reason_of(p, last));
    }
    return reason_of(p, last);
}

static apr_status_t signer_cleanup(void *data)
{
    mac_signer_t *s = data;

    EVP_MD_free(s->sha256);
    X509_free(s->cert);
    EVP_PKEY_free(s->key);
    sk_X509_pop_free(s->chain, X509_free);
    s->sha256 = NULL;
    s->cert = NULL;
    s->key = NULL;
    s->chain = NULL;
    return APR_SUCCESS;
}

/* Read a whole (small, regular) file into memory from p. */
static const char *read_file(apr_pool_t *p, const char *what,
                             const char *path, char **buf, apr_size_t *len)
{
    apr_file_t *f;
    apr_finfo_t fi;
    apr_status_t rv;
    apr_size_t got;
    char ebuf[128];

    rv = apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_BINARY, 0, p);
    if (rv != APR_SUCCESS) {
        return apr_psprintf(p, "cannot open %s file '%s': %s", what, path,
                            apr_strerror(rv, ebuf, sizeof(ebuf)));
    }
    rv = apr_file_info_get(&fi, APR_FINFO_TYPE | APR_FINFO_SIZE, f);
    if (rv != APR_SUCCESS) {
        apr_file_close(f);
        return apr_psprintf(p, "cannot stat %s file '%s': %s", what, path,
                            apr_strerror(rv, ebuf, sizeof(ebuf)));
    }
    if (fi.filetype != APR_REG) {
        apr_file_close(f);
        return apr_psprintf(p, "%s file '%s' is not a regular file", what,
                            path);
    }
    if (fi.size > PEM_FILE_MAX) {
        apr_file_close(f);
        return apr_psprintf(p, "%s file '%s' is too large for a PEM file "
                            "(over 1 MiB)", what, path);
    }
    *buf = apr_palloc(p, (apr_size_t)fi.size + 1);
    got = 0;
    rv = apr_file_read_full(f, *buf, (apr_size_t)fi.size, &got);
    apr_file_close(f);
    if (rv != APR_SUCCESS && !(APR_STATUS_IS_EOF(rv) && got == 0
                               && fi.size == 0)) {
        return apr_psprintf(p, "cannot read %s file '%s': %s", what, path,
                            apr_strerror(rv, ebuf, sizeof(ebuf)));
    }
    (*buf)[got] = '\0';
    *len = got;
    return NULL;
}

/* Append every PEM certificate in buf to sk.  *n receives how many. */
static const char *parse_certs(apr_pool_t *p, const char *what,
                               const char *path, const char *buf,
                               apr_size_t len, STACK_OF(X509) *sk, int *n)
{
    BIO *bio = BIO_new_mem_buf(buf, (int)len);
    X509 *x;
    unsigned long e;

    *n = 0;
    if (!bio) {
        return "out of memory";
    }
    ERR_set_mark();
    while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        if (!sk_X509_push(sk, x)) {
            X509_free(x);
            BIO_free(bio);
            ERR_pop_to_mark();
            return "out of memory";
        }
        (*n)++;
    }
    BIO_free(bio);
    e = ERR_peek_last_error();
    if (ERR_GET_LIB(e) == ERR_LIB_PEM
        && ERR_GET_REASON(e) == PEM_R_NO_START_LINE) {
        /* the end of the file: fine when something was read */
        ERR_pop_to_mark();
        if (*n == 0) {
            return apr_psprintf(p, "%s file '%s' contains no PEM certificate "
                                "(-----BEGIN CERTIFICATE-----)", what, path);
        }
        return NULL;
    }
    {
        const char *msg = apr_psprintf(p, "cannot parse certificate %d in "
                                       "%s file '%s': %s", *n + 1, what,
                                       path, ossl_reason(p, 1));
        ERR_pop_to_mark();
        return msg;
    }
}

/* Password callback: there is nobody to ask, so say no and remember. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    *(int *)u = 1;
    return -1;
}

static const char *parse_key(apr_pool_t *p, const char *path,
                             const char *buf, apr_size_t len, EVP_PKEY **key)
{
    BIO *bio = BIO_new_mem_buf(buf, (int)len);
    int asked = 0;
    const char *msg = NULL;

    *key = NULL;
    if (!strstr(buf, "PRIVATE KEY-----")) {
        BIO_free(bio);
        return apr_psprintf(p, "key file '%s' contains no PEM private key "
                            "(-----BEGIN PRIVATE KEY-----)", path);
    }
    if (!bio) {
        return "out of memory";
    }
    ERR_set_mark();
    *key = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, &asked);
    BIO_free(bio);
    if (!*key) {
        if (asked || strstr(buf, "ENCRYPTED")) {
            msg = apr_psprintf(p, "the private key in '%s' is encrypted; "
                               "a key protected by a passphrase cannot be "
                               "used (decrypt it, e.g. with 'openssl pkey', "
                               "and make the file readable by root only)",
                               path);
        }
        else {
            msg = apr_psprintf(p, "cannot parse the private key in '%s': %s",
                               path, ossl_reason(p, 1));
        }
    }
    ERR_pop_to_mark();
    return msg;
}

/* ------------------------------------------------------------------ */
/* Signing, through OpenSSL's CMS API                                   */

/* No shared state is written (see mac_sign.h): the certificates, the key
 * and the digest are only referenced (their counts are atomic); the CMS
 * structure, the content BIO and the output are this call's own. */
static const char *sign_cms(apr_pool_t *p, const mac_signer_t *s,
                            const char *data, apr_size_t len, time_t when,
                            char **out, apr_size_t *outlen)
{
    const unsigned int flags = CMS_BINARY | CMS_PARTIAL | CMS_NOSMIMECAP;
    CMS_ContentInfo *cms = NULL;
    CMS_SignerInfo *si;
    ASN1_TIME *t = NULL;
    struct tm tm;
    BIO *in = NULL;
    const char *msg = NULL;
    unsigned char *q;
    int n;

    in = BIO_new_mem_buf(data, (int)len);
    /* A SignedData with the chain and no signer yet ... */
    if (!in || !(cms = CMS_sign(NULL, NULL, s->chain, NULL, flags))) {
        msg = "creating the CMS structure";
        goto fail;
    }
    /* ... the signer (its certificate is included), SHA-256 ... */
    if (!(si = CMS_add1_signer(cms, s->cert, s->key, s->sha256, flags))) {
        msg = "adding the signer";
        goto fail;
    }
    /* ... the signing time (CMS_final adds the current time if absent, we
     * set it to honour 'when'; ASN1_TIME_adj picks UTCTime for 1950 to
     * 2049, GeneralizedTime otherwise, and needs a four-digit year) ... */
    if (!gmtime_r(&when, &tm) || tm.tm_year < 0 - 1900
        || tm.tm_year > 9999 - 1900) {
        msg = "encoding the signing time (not between the years 0 and "
              "9999)";
        goto fail;
    }
    if (!(t = ASN1_TIME_adj(NULL, when, 0, 0))
        || !CMS_signed_add1_attr_by_NID(si, NID_pkcs9_signingTime,
                                        ASN1_STRING_type(t), t, -1)) {
        msg = "adding the signing time";
        goto fail;
    }
    /* ... and the content, embedded as it is (CMS_BINARY: no MIME
     * canonicalisation of line ends). */
    if (!CMS_final(cms, in, NULL, flags)) {
        msg = "signing";
        goto fail;
    }
    n = i2d_CMS_ContentInfo(cms, NULL);
    if (n <= 0) {
        msg = "encoding the signature";
        goto fail;
    }
    *out = apr_palloc(p, (apr_size_t)n);
    q = (unsigned char *)*out;
    if (i2d_CMS_ContentInfo(cms, &q) != n) {
        *out = NULL;
        msg = "encoding the signature";
        goto fail;
    }
    *outlen = (apr_size_t)n;
    ASN1_TIME_free(t);
    CMS_ContentInfo_free(cms);
    BIO_free(in);
    return NULL;

fail:
    ASN1_TIME_free(t);
    CMS_ContentInfo_free(cms);
    BIO_free(in);
    return msg;
}

static const char *sign_impl(apr_pool_t *p, const mac_signer_t *s,
                             const char *data, apr_size_t len, time_t when,
                             char **out, apr_size_t *outlen)
{
    const char *msg;

    *out = NULL;
    *outlen = 0;
    if (len > INT_MAX) {
        return "the document is too large to sign";
    }
    msg = sign_cms(p, s, data, len, when, out, outlen);
    if (msg) {
        *out = NULL;
        *outlen = 0;
        if (ERR_peek_last_error() == 0) {
            return apr_psprintf(p, "CMS signing failed while %s", msg);
        }
        return apr_psprintf(p, "CMS signing failed while %s: %s", msg,
                            ossl_reason(p, 0));
    }
    return NULL;
}

const char *mac_signer_sign_at(apr_pool_t *p, const mac_signer_t *s,
                               const char *data, apr_size_t len,
                               time_t when, char **out,
                               apr_size_t *outlen)
{
    const char *msg;

    ERR_set_mark();
    msg = sign_impl(p, s, data, len, when, out, outlen);
    ERR_pop_to_mark();
    return msg;
}

const char *mac_signer_sign(apr_pool_t *p, const mac_signer_t *s,
                            const char *data, apr_size_t len,
                            char **out, apr_size_t *outlen)
{
    return mac_signer_sign_at(p, s, data, len, time(NULL), out, outlen);
}

/* Sign and check a short text with the loaded material.  This also fills,
 * while only one thread exists, everything OpenSSL caches lazily in the
 * shared certificate and key objects. */
static const char *self_test(apr_pool_t *p, const mac_signer_t *s)
{
    static const char text[] = "mod_mailautoconf signer self-test\n";
    const char *msg;
    char *der;
    apr_size_t derlen;
    const unsigned char *q;
    CMS_ContentInfo *cms;
    BIO *content;
    int i, good;

    (void)X509_check_purpose(s->cert, -1, 0);
    for (i = 0; i < sk_X509_num(s->chain); i++) {
        (void)X509_check_purpose(sk_X509_value(s->chain, i), -1, 0);
    }
    msg = sign_impl(p, s, text, sizeof(text) - 1, time(NULL), &der,
                    &derlen);
    if (msg) {
        return msg;
    }
    q = (const unsigned char *)der;
    cms = d2i_CMS_ContentInfo(NULL, &q, (long)derlen);
    content = BIO_new(BIO_s_mem());
    good = cms && content
           && CMS_verify(cms, NULL, NULL, NULL, content,
                         CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY) == 1;
    if (good) {
        char *got;
        long gotlen = BIO_get_mem_data(content, &got);
        good = gotlen == (long)(sizeof(text) - 1)
               && memcmp(got, text, sizeof(text) - 1) == 0;
    }
    CMS_ContentInfo_free(cms);
    BIO_free(content);
    if (!good) {
        return apr_psprintf(p, "a test signature did not verify: %s",
                            ossl_reason(p, 0));
    }
    return NULL;
}

mac_signer_t *mac_signer_load(apr_pool_t *p, const char *certfile,
                              const char *keyfile, const char *chainfile,
                              const char **err)
{
    mac_signer_t *s;
    apr_pool_t *tp;
    char *buf;
    apr_size_t len;
    const char *msg = NULL;
    STACK_OF(X509) *certs = NULL;
    int n, j;

    *err = NULL;
    if (!certfile || !*certfile) {
        *err = "no certificate file given";
        return NULL;
    }
    if (apr_pool_create(&tp, p) != APR_SUCCESS) {
        *err = "out of memory";
        return NULL;
    }
    /* Startup: nothing pending matters, and a clean queue lets the
     * messages name the root cause. */
    ERR_clear_error();
    s = apr_pcalloc(p, sizeof(*s));
    apr_pool_cleanup_register(p, s, signer_cleanup, apr_pool_cleanup_null);
    if (!(s->chain = sk_X509_new_null()) || !(certs = sk_X509_new_null())) {
        msg = "out of memory";
        goto done;
    }
    if (!(s->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL))) {
        msg = apr_psprintf(p, "cannot fetch SHA-256: %s", ossl_reason(p, 1));
        goto done;
    }

    /* The certificate, and maybe its chain after it. */
    if ((msg = read_file(tp, "certificate", certfile, &buf, &len))
        || (msg = parse_certs(p, "certificate", certfile, buf, len, certs,
                              &n))) {
        goto done;
    }
    s->cert = sk_X509_shift(certs);

    /* The key: its own file, or the certificate file. */
    if (!keyfile || !*keyfile) {
        keyfile = certfile;
    }
    else if ((msg = read_file(tp, "key", keyfile, &buf, &len))) {
        goto done;
    }
    msg = parse_key(p, keyfile, buf, len, &s->key);
    OPENSSL_cleanse(buf, len);
    if (msg) {
        goto done;
    }
    if (X509_check_private_key(s->cert, s->key) != 1) {
        msg = apr_psprintf(p, "the private key in '%s' does not match the "
                           "certificate in '%s'", keyfile, certfile);
        goto done;
    }

    /* The chain. */
    if (chainfile && *chainfile) {
        if ((msg = read_file(tp, "chain", chainfile, &buf, &len))
            || (msg = parse_certs(p, "chain", chainfile, buf, len, certs,
                                  &n))) {
            goto done;
        }
    }
    while (sk_X509_num(certs) > 0) {
        X509 *x = sk_X509_shift(certs);
        int dup = X509_cmp(x, s->cert) == 0;

        for (j = 0; !dup && j < sk_X509_num(s->chain); j++) {
            dup = X509_cmp(x, sk_X509_value(s->chain, j)) == 0;
        }
        if (dup || !sk_X509_push(s->chain, x)) {
            X509_free(x);
            if (!dup) {
                msg = "out of memory";
                goto done;
            }
        }
    }

    if ((msg = self_test(p, s))) {
        msg = apr_psprintf(p, "cannot sign with '%s' and '%s': %s", certfile,
                           keyfile, msg);
    }

done:
    sk_X509_pop_free(certs, X509_free);
    ERR_clear_error();
    apr_pool_destroy(tp);
    if (msg) {
        apr_pool_cleanup_run(p, s, signer_cleanup);
        *err = msg;
        return NULL;
    }
    return s;
}

/* ------------------------------------------------------------------ */
/* Reporting                                                            */

static const char *name_str(apr_pool_t *p, const X509_NAME *name)
{
    BIO *bio = BIO_new(BIO_s_mem());
    const char *out = "?";
    char *data;
    long n;

    if (bio && X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) >= 0) {
        n = BIO_get_mem_data(bio, &data);
        out = apr_pstrmemdup(p, data, (apr_size_t)n);
    }
    BIO_free(bio);
    return out;
}

static const char *time_str(apr_pool_t *p, const ASN1_TIME *t)
{
    BIO *bio = BIO_new(BIO_s_mem());
    const char *out = "?";
    char *data;
    long n;

    if (bio && ASN1_TIME_print(bio, t)) {
        n = BIO_get_mem_data(bio, &data);
        out = apr_pstrmemdup(p, data, (apr_size_t)n);
    }
    BIO_free(bio);
    return out;
}

const char *mac_signer_describe(apr_pool_t *p, const mac_signer_t *s)
{
    const char *msg;

    ERR_set_mark();
    msg = apr_psprintf(p, "subject '%s', issuer '%s', %s %d-bit key, "
                       "valid until %s, %d chain certificate%s",
                       name_str(p, X509_get_subject_name(s->cert)),
                       name_str(p, X509_get_issuer_name(s->cert)),
                       EVP_PKEY_get0_type_name(s->key)
                           ? EVP_PKEY_get0_type_name(s->key) : "unknown",
                       EVP_PKEY_get_bits(s->key),
                       time_str(p, X509_get0_notAfter(s->cert)),
                       sk_X509_num(s->chain),
                       sk_X509_num(s->chain) == 1 ? "" : "s");
    ERR_pop_to_mark();
    return msg;
}

const char *mac_signer_warning(apr_pool_t *p, const mac_signer_t *s)
{
    const char *msg = NULL;

    ERR_set_mark();
    if (X509_cmp_current_time(X509_get0_notAfter(s->cert)) <= 0) {
        msg = apr_psprintf(p, "the signing certificate expired on %s",
                           time_str(p, X509_get0_notAfter(s->cert)));
    }
    else if (X509_cmp_current_time(X509_get0_notBefore(s->cert)) >= 0) {
        msg = apr_psprintf(p, "the signing certificate is not valid before "
                           "%s", time_str(p, X509_get0_notBefore(s->cert)));
    }
    else if ((X509_get_extension_flags(s->cert) & EXFLAG_KUSAGE)
             && !(X509_get_key_usage(s->cert)
                  & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION))) {
        msg = "the signing certificate's key usage does not allow digital "
              "signatures";
    }
    ERR_pop_to_mark();
    return msg;
}
