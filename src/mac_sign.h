/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: signing Apple configuration profiles (CMS / PKCS #7).
 *
 * A signed profile is a DER CMS SignedData (RFC 5652) with the profile
 * embedded as its content (not detached), signed with SHA-256 (RSA keys:
 * PKCS #1 v1.5; EC keys: ECDSA), carrying the signer's certificate and the
 * chain so the device can build a path to a root it trusts.  Signed
 * attributes: content type, message digest, signing time.  iOS/macOS show a
 * profile signed by a certificate chaining to a trusted root as "Verified";
 * an ordinary TLS server certificate for the host serving the profile is
 * the usual choice.
 *
 * How: OpenSSL's CMS API (CMS_sign, CMS_add1_signer, CMS_final) builds
 * and encodes the structure; nothing is encoded by hand.  The signature is
 * most of the cost of a signed profile (see bench/results.md).
 *
 * Lifetime and threads: load once at startup (httpd: post_config, pool
 * pconf, while still root so the key file may be root-only); the signer is
 * then read-only and mac_signer_sign may be called from any number of
 * threads at once on the same signer.  OpenSSL 3 rules (openssl-threads(7)):
 * objects are safe to share when no call modifies them.  A signature only
 * takes references to the certificates, the key and the digest (counted
 * atomically); the CMS structure, its contexts and the output are the
 * call's own.  The lazily cached parts of the shared OpenSSL
 * objects (X.509 extension cache, encodings, provider key export) are
 * filled at load time by a test signature, so no call writes to shared
 * state.  OpenSSL's error queue is per thread; mac_signer_sign leaves it as
 * it found it (ERR_set_mark / ERR_pop_to_mark), mac_signer_load clears it.
 *
 * Depends on APR and OpenSSL libcrypto (3.0 or later) only.
 */
#ifndef MAC_SIGN_H
#define MAC_SIGN_H

#include <time.h>
#include <apr_pools.h>

typedef struct mac_signer_t mac_signer_t;

/* Load the signing material, all PEM:
 *   certfile   the signer certificate first; further certificates in the
 *              same file (e.g. certbot's fullchain.pem) join the chain
 *   keyfile    its private key, unencrypted (PKCS #8, or traditional RSA/EC);
 *              NULL: read the key from certfile
 *   chainfile  intermediate certificates, NULL if none (or if certfile has
 *              them); the signer certificate and duplicates are skipped, so
 *              a full chain file does no harm
 * Checks that the files are readable and parse, that the key is not
 * encrypted (there is no way to ask for a passphrase), that it matches the
 * certificate (X509_check_private_key), and makes one test signature.
 * Returns NULL and *err (from p; it names the file and the problem) on
 * failure.  The OpenSSL objects are freed by a cleanup on p. */
mac_signer_t *mac_signer_load(apr_pool_t *p, const char *certfile,
                              const char *keyfile, const char *chainfile,
                              const char **err);

/* Sign data[0..len) (at most INT_MAX bytes).  On success returns NULL and
 * sets *out (from p) and *outlen to the DER bytes; else returns an error
 * message from p (with OpenSSL's reason) and leaves *out NULL.
 * Thread-safe, see above. */
const char *mac_signer_sign(apr_pool_t *p, const mac_signer_t *s,
                            const char *data, apr_size_t len,
                            char **out, apr_size_t *outlen);

/* The same with a given signing time instead of the current time (for
 * tests: reproducible output).  Times before 1950 or from 2050 on are
 * encoded as GeneralizedTime, as RFC 5652 requires; a time outside the
 * years 0 to 9999 is an error. */
const char *mac_signer_sign_at(apr_pool_t *p, const mac_signer_t *s,
                               const char *data, apr_size_t len,
                               time_t when, char **out,
                               apr_size_t *outlen);

/* One line for the log: subject, issuer, key type, expiry, chain length. */
const char *mac_signer_describe(apr_pool_t *p, const mac_signer_t *s);

/* A reason to warn the operator at startup, or NULL: the certificate is
 * expired or not yet valid (devices then show the profile as not
 * verified), or its key usage excludes digital signatures. */
const char *mac_signer_warning(apr_pool_t *p, const mac_signer_t *s);

#endif /* MAC_SIGN_H */
