#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Licensed under the Apache License, Version 2.0; see LICENSE.
# Generate the test PKI used by the unit tests (t/unit/test_sign.c) and the
# Apache::Test suite.  The generated files are committed, so tests never need
# to run this; run it again only to change or renew them:
#
#   sh t/unit/data/mkcerts.sh            (from anywhere)
#
# Produces, in this directory:
#   ca.pem, ca.key                 test root CA (EC P-256, self-signed)
#   intermediate.pem/.key          intermediate CA signed by the root
#   chain.pem                      the chain file a server would configure:
#                                  the intermediate only
#   leaf-ec.pem, leaf-ec.key       signer certificate + key, EC P-256
#   leaf-rsa.pem, leaf-rsa.key     signer certificate + key, RSA 2048
#   fullchain-ec.pem               leaf-ec.pem followed by the intermediate
#                                  (what certbot calls fullchain.pem)
#   mismatch.key                   an EC P-256 key matching no certificate
#   leaf-ec-encrypted.key          leaf-ec.key under a passphrase ("test")
#   garbage.pem                    PEM armour around bytes that are no DER
#
# Everything is valid for 100 years so the tests do not expire.  These keys
# are public: never use them for anything but tests.
set -eu

cd "$(dirname "$0")"
DAYS=36500
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat > "$tmp/ext.cnf" <<'CNF'
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[int_ext]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[leaf_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = DNS:autoconfig.example.com
CNF

ec_key() {
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
        -pkeyopt ec_param_enc:named_curve -out "$1"
}

# Root CA
ec_key ca.key
openssl req -new -x509 -key ca.key -sha256 -days $DAYS \
    -subj "/O=mod_mailautoconf tests/CN=Test Root CA" \
    -config "$tmp/ext.cnf" -extensions ca_ext -out ca.pem

# Intermediate CA
ec_key intermediate.key
openssl req -new -key intermediate.key \
    -subj "/O=mod_mailautoconf tests/CN=Test Intermediate CA" \
    -out "$tmp/int.csr"
openssl x509 -req -in "$tmp/int.csr" -CA ca.pem -CAkey ca.key \
    -set_serial 0x1001 -sha256 -days $DAYS \
    -extfile "$tmp/ext.cnf" -extensions int_ext -out intermediate.pem
cp intermediate.pem chain.pem

# Leaves
leaf() {  # name keyfile serial
    openssl req -new -key "$2" \
        -subj "/O=mod_mailautoconf tests/CN=autoconfig.example.com ($1)" \
        -out "$tmp/$1.csr"
    openssl x509 -req -in "$tmp/$1.csr" -CA intermediate.pem \
        -CAkey intermediate.key -set_serial "$3" -sha256 -days $DAYS \
        -extfile "$tmp/ext.cnf" -extensions leaf_ext -out "leaf-$1.pem"
}
ec_key leaf-ec.key
leaf ec leaf-ec.key 0x2001
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out leaf-rsa.key
leaf rsa leaf-rsa.key 0x2002
cat leaf-ec.pem intermediate.pem > fullchain-ec.pem

# Wrong material for negative tests
ec_key mismatch.key
openssl pkey -in leaf-ec.key -aes-256-cbc -passout pass:test \
    -out leaf-ec-encrypted.key
{
    echo "-----BEGIN CERTIFICATE-----"
    echo "VGhpcyBpcyBub3QgYSBjZXJ0aWZpY2F0ZSwganVzdCBzb21lIHRleHQuCg=="
    echo "-----END CERTIFICATE-----"
} > garbage.pem

chmod 644 ./*.pem ./*.key
openssl verify -CAfile ca.pem -untrusted chain.pem leaf-ec.pem leaf-rsa.pem
