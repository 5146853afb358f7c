#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# mkcerts.sh DIR: test certificates for the HTTPS ticket server
# (shared/testing.md section 4).
#   DIR/ca.crt            the test CA (what ca_file points at)
#   DIR/server.crt, .key  127.0.0.1 / localhost, signed by the test CA
#   DIR/other-ca.crt      an unrelated CA
#   DIR/other.crt, .key   127.0.0.1 / localhost, signed by the other CA
# Keys are made without a passphrase; DIR should be a private temp dir.
set -eu

dir=${1:?usage: mkcerts.sh DIR}
mkdir -p "$dir"
cd "$dir"
umask 077

# Quiet on success, openssl's own words on failure.
run() {
	"$@" 2>openssl.log || { cat openssl.log >&2; exit 1; }
}

# make_ca NAME CN
make_ca() {
	run openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" \
		-out "$1.crt" -days 3650 -sha256 -subj "/CN=$2" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign"
}

# make_server NAME CA
make_server() {
	run openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" \
		-subj "/CN=localhost"
	printf '%s\n' 'subjectAltName=IP:127.0.0.1,DNS:localhost' \
		'basicConstraints=critical,CA:FALSE' \
		'keyUsage=critical,digitalSignature,keyEncipherment' \
		'extendedKeyUsage=serverAuth' > "$1.ext"
	run openssl x509 -req -in "$1.csr" -CA "$2.crt" -CAkey "$2.key" \
		-CAcreateserial -out "$1.crt" -days 825 -sha256 -extfile "$1.ext"
	rm -f "$1.csr" "$1.ext"
}

make_ca ca "Test CA"
make_server server ca
make_ca other-ca "Other Test CA"
make_server other other-ca
rm -f openssl.log
# Certificates are public; readable so that an unprivileged test can use them.
chmod 0644 ca.crt server.crt other-ca.crt other.crt
