/*
 * mod_mailautoconf: CMS signing of Apple profiles.  See mac_sign.h.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
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
#include <openssl/rsa.h>
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

    /* The fast path (RSA and EC keys; sign_ctx NULL for others): */
    EVP_PKEY_CTX   *sign_ctx;  /* ready to sign a SHA-256 hash; copied */
    apr_size_t      sig_max;   /* the longest signature */
    unsigned char  *certs;     /* SignedData certificates, DER */
    apr_size_t      certs_len;
    unsigned char  *sid;       /* SignerInfo sid, DER */
    apr_size_t      sid_len;
    const unsigned char *sigalg;   /* signatureAlgorithm, DER */
    apr_size_t      sigalg_len;
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

    EVP_PKEY_CTX_free(s->sign_ctx);
    EVP_MD_free(s->sha256);
    X509_free(s->cert);
    EVP_PKEY_free(s->key);
    sk_X509_pop_free(s->chain, X509_free);
    s->sign_ctx = NULL;
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
/* Signing through OpenSSL's CMS API (key types other than RSA and EC)  */

/* No shared state is written (see mac_sign.h). */
static const char *sign_cms(apr_pool_t *p, const mac_signer_t *s,
                            const char *data, apr_size_t len, time_t when,
                            char **out, apr_size_t *outlen)
{
    const unsigned int flags = CMS_BINARY | CMS_PARTIAL | CMS_NOSMIMECAP;
    CMS_ContentInfo *cms = NULL;
    CMS_SignerInfo *si;
    ASN1_TIME *t = NULL;
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
     * set it to honour 'when') ... */
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

/* ------------------------------------------------------------------ */
/* Signing from pre-encoded parts (RSA and EC keys)                     */
/*
 * The output, RFC 5652 (CMS) with the choices OpenSSL's CMS_sign makes for
 * these flags, so that both give the same bytes:
 *
 *   ContentInfo ::= SEQUENCE {
 *     contentType  id-signedData,
 *     content [0] EXPLICIT SignedData ::= SEQUENCE {
 *       version           1,
 *       digestAlgorithms  SET { sha256 },
 *       encapContentInfo  SEQUENCE {
 *         eContentType  id-data,
 *         eContent [0] EXPLICIT OCTET STRING (the profile) },
 *       certificates [0] IMPLICIT SET OF Certificate,        -- at load
 *       signerInfos       SET { SignerInfo ::= SEQUENCE {
 *         version           1,
 *         sid               issuerAndSerialNumber,           -- at load
 *         digestAlgorithm   sha256,
 *         signedAttrs [0] IMPLICIT SET OF Attribute,
 *         signatureAlgorithm  ecdsa-with-SHA256 | rsaEncryption,
 *         signature         OCTET STRING } } } }
 *
 * Everything is DER: definite lengths in the shortest form, and the
 * elements of a SET OF sorted by their encodings.  The signature is made
 * over the DER of the signed attributes with the universal SET tag (RFC
 * 5652 section 5.4), not the [0] they carry in the SignerInfo.
 */

#define TAG_INTEGER      0x02
#define TAG_OCTET_STRING 0x04
#define TAG_UTCTIME      0x17
#define TAG_GENTIME      0x18
#define TAG_SEQUENCE     0x30
#define TAG_SET          0x31
#define TAG_CONTEXT_0    0xa0   /* [0], constructed */

#define SHA256_LEN 32

/* OBJECT IDENTIFIERs and AlgorithmIdentifiers, complete DER.
 * 1.2.840.113549.1.7.2 id-signedData, 1.2.840.113549.1.7.1 id-data: */
static const unsigned char OID_SIGNED_DATA[] = {
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02 };
static const unsigned char OID_DATA[] = {
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01 };
/* 1.2.840.113549.1.9.3 contentType, .9.5 signingTime, .9.4 messageDigest */
static const unsigned char OID_CONTENT_TYPE[] = {
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x03 };
static const unsigned char OID_SIGNING_TIME[] = {
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x05 };
static const unsigned char OID_MESSAGE_DIGEST[] = {
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x04 };
/* { 2.16.840.1.101.3.4.2.1 sha256 }, parameters absent (RFC 5754 2) */
static const unsigned char ALG_SHA256[] = {
    0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
    0x01 };
/* { 1.2.840.10045.4.3.2 ecdsa-with-SHA256 }, parameters absent (RFC 5753
 * 7.1.3, RFC 5758 3.2) */
static const unsigned char ALG_ECDSA_SHA256[] = {
    0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02 };
/* { 1.2.840.113549.1.1.1 rsaEncryption, NULL }: PKCS #1 v1.5, the
 * digest named by digestAlgorithm (RFC 3370 3.2; what OpenSSL writes) */
static const unsigned char ALG_RSA[] = {
    0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01,
    0x01, 0x05, 0x00 };
/* INTEGER 1, the version of both SignedData and SignerInfo */
static const unsigned char VERSION_1[] = { TAG_INTEGER, 0x01, 0x01 };

/* Octets of the DER length field for n content octets: one below 128,
 * else 0x80 + k followed by n in k octets, big-endian, no leading zero. */
static apr_size_t der_len_size(apr_size_t n)
{
    apr_size_t k = 0;

    if (n < 0x80) {
        return 1;
    }
    for (; n > 0; n >>= 8) {
        k++;
    }
    return 1 + k;
}

/* Octets of a whole element (one-octet tag) with n content octets. */
static apr_size_t der_size(apr_size_t n)
{
    return 1 + der_len_size(n) + n;
}

/* Write tag and length of an element with n content octets at q; returns
 * where its content goes. */
static unsigned char *der_header(unsigned char *q, unsigned char tag,
                                 apr_size_t n)
{
    apr_size_t k = der_len_size(n) - 1;     /* octets after the first */

    *q++ = tag;
    if (k == 0) {
        *q++ = (unsigned char)n;
        return q;
    }
    *q++ = (unsigned char)(0x80 | k);
    while (k-- > 0) {
        *q++ = (unsigned char)(n >> (8 * k));
    }
    return q;
}

static unsigned char *der_bytes(unsigned char *q, const void *src,
                                apr_size_t n)
{
    if (n > 0) {        /* src may be NULL then (an empty document) */
        memcpy(q, src, n);
    }
    return q + n;
}

/* The signed attributes, as signed: SET { contentType, signingTime,
 * messageDigest }.  A SET OF is ordered by the encodings; these start
 * alike (SEQUENCE tag, then a one-octet length), so the lengths decide:
 * contentType 24 < signingTime 28 or 30 < messageDigest 47.  The content,
 * at most 107 octets, is short enough for a one-octet length, so the
 * whole is at most ATTRS_MAX octets. */
#define ATTRS_MAX 109

static int encode_attrs(unsigned char *attrs, apr_size_t *attrs_len,
                        time_t when, const unsigned char *md)
{
    struct tm tm;
    char tbuf[32];
    unsigned char ttag;
    apr_size_t tlen, content;
    unsigned char *q;
    int year;

    /* signingTime: UTCTime YYMMDDHHMMSSZ for 1950 to 2049, else
     * GeneralizedTime YYYYMMDDHHMMSSZ (RFC 5652 11.3). */
    if (!gmtime_r(&when, &tm)) {
        return 0;
    }
    year = tm.tm_year + 1900;
    if (year >= 1950 && year < 2050) {
        ttag = TAG_UTCTIME;
        snprintf(tbuf, sizeof(tbuf), "%02d%02d%02d%02d%02d%02dZ", year % 100,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    }
    else if (year >= 0 && year <= 9999) {
        ttag = TAG_GENTIME;
        snprintf(tbuf, sizeof(tbuf), "%04d%02d%02d%02d%02d%02dZ", year,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    }
    else {
        return 0;
    }
    tlen = strlen(tbuf);

    /* Attribute ::= SEQUENCE { attrType OID, attrValues SET { value } } */
    content = der_size(sizeof(OID_CONTENT_TYPE) + der_size(sizeof(OID_DATA)))
              + der_size(sizeof(OID_SIGNING_TIME) + der_size(der_size(tlen)))
              + der_size(sizeof(OID_MESSAGE_DIGEST)
                         + der_size(der_size(SHA256_LEN)));
    q = der_header(attrs, TAG_SET, content);

    q = der_header(q, TAG_SEQUENCE,
                   sizeof(OID_CONTENT_TYPE) + der_size(sizeof(OID_DATA)));
    q = der_bytes(q, OID_CONTENT_TYPE, sizeof(OID_CONTENT_TYPE));
    q = der_header(q, TAG_SET, sizeof(OID_DATA));
    q = der_bytes(q, OID_DATA, sizeof(OID_DATA));

    q = der_header(q, TAG_SEQUENCE,
                   sizeof(OID_SIGNING_TIME) + der_size(der_size(tlen)));
    q = der_bytes(q, OID_SIGNING_TIME, sizeof(OID_SIGNING_TIME));
    q = der_header(q, TAG_SET, der_size(tlen));
    q = der_header(q, ttag, tlen);
    q = der_bytes(q, tbuf, tlen);

    q = der_header(q, TAG_SEQUENCE,
                   sizeof(OID_MESSAGE_DIGEST) + der_size(der_size(SHA256_LEN)));
    q = der_bytes(q, OID_MESSAGE_DIGEST, sizeof(OID_MESSAGE_DIGEST));
    q = der_header(q, TAG_SET, der_size(SHA256_LEN));
    q = der_header(q, TAG_OCTET_STRING, SHA256_LEN);
    q = der_bytes(q, md, SHA256_LEN);

    *attrs_len = (apr_size_t)(q - attrs);
    return 1;
}

/* No shared state is written (see mac_sign.h): s is only read, the
 * signing context is this call's copy of the prepared one. */
static const char *sign_fast(apr_pool_t *p, const mac_signer_t *s,
                             const char *data, apr_size_t len, time_t when,
                             char **out, apr_size_t *outlen)
{
    unsigned char md[SHA256_LEN], attrs_md[SHA256_LEN];
    unsigned char attrs[ATTRS_MAX];
    apr_size_t attrs_len;
    unsigned char *sig = apr_palloc(p, s->sig_max);
    size_t sig_len = s->sig_max;
    EVP_PKEY_CTX *ctx;
    apr_size_t si, si_content, econtent, eci, sd, sd_content, ci_content;
    apr_size_t total;
    unsigned char *q;
    int good;

    /* messageDigest: SHA-256 of the content */
    if (!EVP_Digest(data, len, md, NULL, s->sha256, NULL)) {
        return "hashing the content";
    }
    if (!encode_attrs(attrs, &attrs_len, when, md)) {
        return "encoding the signing time (not between the years 0 and "
               "9999)";
    }
    /* The signature: of the SHA-256 of the signed attributes (as a SET) */
    if (!EVP_Digest(attrs, attrs_len, attrs_md, NULL, s->sha256, NULL)) {
        return "hashing the signed attributes";
    }
    ctx = EVP_PKEY_CTX_dup(s->sign_ctx);
    good = ctx && EVP_PKEY_sign(ctx, sig, &sig_len, attrs_md,
                                sizeof(attrs_md)) == 1;
    EVP_PKEY_CTX_free(ctx);
    if (!good) {
        return "signing";
    }

    /* Content lengths, from the inside out */
    si_content = sizeof(VERSION_1) + s->sid_len + sizeof(ALG_SHA256)
                 + attrs_len + s->sigalg_len + der_size(sig_len);
    si = der_size(si_content);
    econtent = der_size(len);                   /* the OCTET STRING */
    eci = sizeof(OID_DATA) + der_size(econtent);
    sd_content = sizeof(VERSION_1) + der_size(sizeof(ALG_SHA256))
                 + der_size(eci) + s->certs_len + der_size(si);
    sd = der_size(sd_content);
    ci_content = sizeof(OID_SIGNED_DATA) + der_size(sd);
    total = der_size(ci_content);

    /* ... and the bytes, from the outside in */
    *out = apr_palloc(p, total);
    q = (unsigned char *)*out;
    q = der_header(q, TAG_SEQUENCE, ci_content);        /* ContentInfo */
    q = der_bytes(q, OID_SIGNED_DATA, sizeof(OID_SIGNED_DATA));
    q = der_header(q, TAG_CONTEXT_0, sd);
    q = der_header(q, TAG_SEQUENCE, sd_content);        /* SignedData */
    q = der_bytes(q, VERSION_1, sizeof(VERSION_1));
    q = der_header(q, TAG_SET, sizeof(ALG_SHA256));
    q = der_bytes(q, ALG_SHA256, sizeof(ALG_SHA256));
    q = der_header(q, TAG_SEQUENCE, eci);               /* encapContentInfo */
    q = der_bytes(q, OID_DATA, sizeof(OID_DATA));
    q = der_header(q, TAG_CONTEXT_0, econtent);
    q = der_header(q, TAG_OCTET_STRING, len);
    q = der_bytes(q, data, len);
    q = der_bytes(q, s->certs, s->certs_len);           /* certificates */
    q = der_header(q, TAG_SET, si);                     /* signerInfos */
    q = der_header(q, TAG_SEQUENCE, si_content);        /* SignerInfo */
    q = der_bytes(q, VERSION_1, sizeof(VERSION_1));
    q = der_bytes(q, s->sid, s->sid_len);
    q = der_bytes(q, ALG_SHA256, sizeof(ALG_SHA256));
    *q++ = TAG_CONTEXT_0;       /* signedAttrs: [0] IMPLICIT instead of SET */
    q = der_bytes(q, attrs + 1, attrs_len - 1);
    q = der_bytes(q, s->sigalg, s->sigalg_len);
    q = der_header(q, TAG_OCTET_STRING, sig_len);
    q = der_bytes(q, sig, sig_len);

    *outlen = (apr_size_t)(q - (unsigned char *)*out);
    if (*outlen != total) {         /* cannot happen: the sizes above */
        *out = NULL;
        return "encoding the signature (internal length error)";
    }
    return NULL;
}

/* DER SET OF order (X.690 11.6): by the encodings as octet strings. */
typedef struct {
    unsigned char *der;
    apr_size_t     len;
} der_t;

static int der_cmp(const void *a, const void *b)
{
    const der_t *x = a, *y = b;
    int c = memcmp(x->der, y->der, x->len < y->len ? x->len : y->len);

    if (c != 0) {
        return c;
    }
    return x->len < y->len ? -1 : x->len > y->len;
}

/* Move DER that an i2d function allocated (n octets at der, or n <= 0 on
 * failure) into p. */
static unsigned char *to_pool(apr_pool_t *p, unsigned char *der, int n,
                              apr_size_t *len)
{
    unsigned char *copy = NULL;

    if (der && n > 0) {
        copy = apr_pmemdup(p, der, (apr_size_t)n);
        *len = (apr_size_t)n;
    }
    OPENSSL_free(der);
    return copy;
}

/* Prepare the fast path for RSA and EC keys: the digest fetched once, a
 * signing context to copy, and the constant parts of the SignedData in
 * DER.  Other key types: leave s->sign_ctx NULL (OpenSSL's CMS API is
 * used), which is no error. */
static const char *prepare_fast(apr_pool_t *p, mac_signer_t *s)
{
    int is_rsa = EVP_PKEY_is_a(s->key, "RSA");
    int n = sk_X509_num(s->chain) + 1, i, len;
    der_t *certs, issuer, serial;
    apr_size_t total = 0;
    unsigned char *q, *der;

    if (!is_rsa && !EVP_PKEY_is_a(s->key, "EC")) {
        return NULL;
    }
    /* signatureAlgorithm */
    s->sigalg = is_rsa ? ALG_RSA : ALG_ECDSA_SHA256;
    s->sigalg_len = is_rsa ? sizeof(ALG_RSA) : sizeof(ALG_ECDSA_SHA256);

    /* certificates: [0] IMPLICIT SET OF Certificate, the signer's and the
     * chain (without duplicates, see mac_signer_load), in DER order */
    certs = apr_palloc(p, (apr_size_t)n * sizeof(*certs));
    for (i = 0; i < n; i++) {
        der = NULL;
        len = i2d_X509(i == 0 ? s->cert : sk_X509_value(s->chain, i - 1),
                       &der);
        if (!(certs[i].der = to_pool(p, der, len, &certs[i].len))) {
            return "encoding a certificate";
        }
        total += certs[i].len;
    }
    qsort(certs, n, sizeof(*certs), der_cmp);
    s->certs_len = der_size(total);
    q = s->certs = apr_palloc(p, s->certs_len);
    q = der_header(q, TAG_CONTEXT_0, total);
    for (i = 0; i < n; i++) {
        q = der_bytes(q, certs[i].der, certs[i].len);
    }

    /* sid: IssuerAndSerialNumber ::= SEQUENCE { issuer Name,
     * serialNumber INTEGER }, both as in the signer's certificate */
    der = NULL;
    len = i2d_X509_NAME(X509_get_issuer_name(s->cert), &der);
    issuer.der = to_pool(p, der, len, &issuer.len);
    der = NULL;
    len = i2d_ASN1_INTEGER(X509_get0_serialNumber(s->cert), &der);
    serial.der = to_pool(p, der, len, &serial.len);
    if (!issuer.der || !serial.der) {
        return "encoding the issuer and serial number";
    }
    s->sid_len = der_size(issuer.len + serial.len);
    q = s->sid = apr_palloc(p, s->sid_len);
    q = der_header(q, TAG_SEQUENCE, issuer.len + serial.len);
    q = der_bytes(q, issuer.der, issuer.len);
    q = der_bytes(q, serial.der, serial.len);

    /* The signing context: sign a SHA-256 hash; RSA: PKCS #1 v1.5, which
     * wraps the hash in a DigestInfo naming SHA-256. */
    s->sig_max = (apr_size_t)EVP_PKEY_get_size(s->key);
    if (!(s->sign_ctx = EVP_PKEY_CTX_new_from_pkey(NULL, s->key, NULL))
        || EVP_PKEY_sign_init(s->sign_ctx) != 1
        || (is_rsa && EVP_PKEY_CTX_set_rsa_padding(s->sign_ctx,
                                                    RSA_PKCS1_PADDING) != 1)
        || EVP_PKEY_CTX_set_signature_md(s->sign_ctx, s->sha256) != 1
        || s->sig_max == 0) {
        EVP_PKEY_CTX_free(s->sign_ctx);
        s->sign_ctx = NULL;
        return apr_psprintf(p, "preparing the signing context: %s",
                            ossl_reason(p, 1));
    }
    return NULL;
}

/* ------------------------------------------------------------------ */

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
    msg = s->sign_ctx ? sign_fast(p, s, data, len, when, out, outlen)
                      : sign_cms(p, s, data, len, when, out, outlen);
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

    if ((msg = prepare_fast(p, s)) || (msg = self_test(p, s))) {
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
