#!/bin/sh
# Regenerates the test-only CA and the Sandbox's server certificate in this directory.
# See README.md. Needs OpenSSL 1.1.1 or later (-addext).
set -eu
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$work/ca.key" -out ca.pem -days 36500 -sha256 \
    -subj "/O=Coordinator tests/CN=Coordinator Test CA (test only, never trust)" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash"

openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout server.key -out "$work/server.csr" \
    -subj "/O=Coordinator tests/CN=localhost"
cat > "$work/server.ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
EXT
openssl x509 -req -in "$work/server.csr" -CA ca.pem -CAkey "$work/ca.key" -CAcreateserial \
    -CAserial "$work/ca.srl" -out server.pem -days 36500 -sha256 -extfile "$work/server.ext"

# A second CA that signed nothing here: "trusting the wrong CA" in tests.
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$work/other-ca.key" -out other-ca.pem -days 36500 -sha256 \
    -subj "/O=Coordinator tests/CN=Coordinator Other Test CA (test only, never trust)" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash"

# The CAs' keys are thrown away: nothing else can ever be signed by these CAs.
chmod 0644 ca.pem other-ca.pem server.pem server.key
openssl verify -CAfile ca.pem server.pem
