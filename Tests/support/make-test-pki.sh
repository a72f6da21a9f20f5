#!/usr/bin/env bash
# Makes a throwaway PKI for the TLS end-to-end tests in directory $1: ca.pem/ca.key,
# server.pem/server.key (DNS:localhost, IP:127.0.0.1), client.pem/client.key. ECDSA P-256.
set -euo pipefail
dir=${1:?usage: $0 DIRECTORY}
mkdir -p "$dir"
cd "$dir"
ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
openssl req -x509 "${ec[@]}" -keyout ca.key -out ca.pem -days 2 -subj "/CN=Open-Swarm test CA" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
for pair in server:serverAuth client:clientAuth; do
    name=${pair%%:*}
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=%s\nkeyUsage=critical,digitalSignature\nbasicConstraints=CA:FALSE\n' \
        "${pair##*:}" >"$name.ext"
    openssl req "${ec[@]}" -keyout "$name.key" -out "$name.csr" -subj "/CN=openswarm-$name" 2>/dev/null
    openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -out "$name.pem" -days 2 \
        -extfile "$name.ext" 2>/dev/null
done
