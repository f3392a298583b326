/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: the certificate a TLS server presents.  See
 * mac_tlsprobe.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <openssl/pem.h>
#include <openssl/err.h>
#include <apr_strings.h>
#include "mac_tlsprobe.h"

#define MAX_NAMES_TEXT 400

static apr_time_t asn1_time(const ASN1_TIME *t)
{
    struct tm tm;
    time_t s;

    if (!t || ASN1_TIME_to_tm(t, &tm) != 1) {
        return 0;
    }
    s = timegm(&tm);
    return s == (time_t)-1 ? 0 : apr_time_from_sec(s);
}

/* The certificate's DNS names, or its subject CN when it has none. */
static const char *cert_names(apr_pool_t *p, X509 *cert)
{
    GENERAL_NAMES *gens = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL,
                                           NULL);
    const char *out = NULL;
    int i;

    for (i = 0; gens && i < sk_GENERAL_NAME_num(gens); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
        const unsigned char *d;
        int n;

        if (g->type != GEN_DNS) {
            continue;
        }
        d = ASN1_STRING_get0_data(g->d.dNSName);
        n = ASN1_STRING_length(g->d.dNSName);
        if (n <= 0) {
            continue;
        }
        if (out && strlen(out) + (apr_size_t)n > MAX_NAMES_TEXT) {
            out = apr_pstrcat(p, out, ", ...", NULL);
            break;
        }
        out = out ? apr_pstrcat(p, out, ", ",
                                apr_pstrndup(p, (const char *)d,
                                             (apr_size_t)n), NULL)
                  : apr_pstrndup(p, (const char *)d, (apr_size_t)n);
    }
    GENERAL_NAMES_free(gens);
    if (!out) {
        char cn[256];
        if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert),
                                      NID_commonName, cn, sizeof(cn)) > 0) {
            out = apr_pstrcat(p, "CN ", cn, NULL);
        }
    }
    return out ? out : "";
}

static void check_cert(apr_pool_t *p, X509 *cert, const char *name,
                       mac_tls_result_t *out)
{
    out->ok = 1;
    out->covered = X509_check_host(cert, name, strlen(name), 0, NULL) == 1;
    out->not_after = asn1_time(X509_get0_notAfter(cert));
    out->names = cert_names(p, cert);
}

void mac_tls_cert_check(apr_pool_t *p, const char *pem, apr_size_t len,
                        const char *name, mac_tls_result_t *out)
{
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    X509 *cert = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;

    memset(out, 0, sizeof(*out));
    if (!cert) {
        out->error = "not a certificate";
    }
    else {
        check_cert(p, cert, name, out);
        X509_free(cert);
    }
    BIO_free(bio);
}

/* A connected socket, or -1 with *why set. */
static int connect_to(const char *addr, int port, int timeout_ms,
                      const char **why, int *timed_out)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    struct pollfd pfd;
    int fd, err = 0, flags;
    socklen_t el = sizeof(err);

    memset(&ss, 0, sizeof(ss));
    if (inet_pton(AF_INET, addr, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
        ((struct sockaddr_in *)&ss)->sin_family = AF_INET;
        ((struct sockaddr_in *)&ss)->sin_port = htons((unsigned short)port);
        sl = sizeof(struct sockaddr_in);
    }
    else if (inet_pton(AF_INET6, addr,
                       &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
        ((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
        ((struct sockaddr_in6 *)&ss)->sin6_port = htons((unsigned short)port);
        sl = sizeof(struct sockaddr_in6);
    }
    else {
        *why = "not an address";
        return -1;
    }
    fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *why = "no socket";
        return -1;
    }
    flags = fcntl(fd, F_GETFL, 0);
    fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    if (connect(fd, (struct sockaddr *)&ss, sl) < 0) {
        if (errno != EINPROGRESS) {
            err = errno;
        }
        else {
            pfd.fd = fd;
            pfd.events = POLLOUT;
            if (poll(&pfd, 1, timeout_ms) <= 0) {
                err = ETIMEDOUT;
            }
            else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0) {
                err = errno;
            }
        }
    }
    if (err) {
        close(fd);
        *timed_out = err == ETIMEDOUT;
        *why = err == ECONNREFUSED ? "connection refused"
             : err == ETIMEDOUT ? "connection timed out"
             : "cannot connect";
        return -1;
    }
    fcntl(fd, F_SETFL, flags);
    return fd;
}

void mac_tls_probe(apr_pool_t *p, const char *addr, int port,
                   const char *name, apr_interval_time_t timeout,
                   mac_tls_result_t *out)
{
    int ms = (int)(timeout / 1000);
    struct timeval tv;
    SSL_CTX *ctx = NULL;
    SSL *ssl = NULL;
    X509 *cert = NULL;
    int fd;

    memset(out, 0, sizeof(*out));
    fd = connect_to(addr, port, ms > 0 ? ms : 1, &out->error,
                    &out->timed_out);
    if (fd < 0) {
        return;
    }
    /* The handshake is blocking, each read and write within timeout. */
    tv.tv_sec = (time_t)(timeout / APR_USEC_PER_SEC);
    tv.tv_usec = (suseconds_t)(timeout % APR_USEC_PER_SEC);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));

    ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx || !(ssl = SSL_new(ctx))) {
        out->error = "cannot set up TLS";
        goto done;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL);
    if (!SSL_set_tlsext_host_name(ssl, name) || !SSL_set_fd(ssl, fd)) {
        out->error = "cannot set up TLS";
        goto done;
    }
    errno = 0;
    if (SSL_connect(ssl) != 1) {
        out->timed_out = errno == EAGAIN || errno == EWOULDBLOCK;
        out->error = out->timed_out ? "TLS handshake timed out"
                                    : "TLS handshake failed (no HTTPS there?)";
        goto done;
    }
    cert = SSL_get1_peer_certificate(ssl);
    if (!cert) {
        out->error = "the server presented no certificate";
        goto done;
    }
    check_cert(p, cert, name, out);
    SSL_shutdown(ssl);

done:
    X509_free(cert);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    ERR_clear_error();
    close(fd);
}
