#!/usr/bin/env bash
# Writes a CA and the certificates a Cairn cluster needs for mutual TLS, with openssl:
#   ca.crt ca.key                 the cluster's own certificate authority
#   NAME.crt NAME.key             per member: serves clients and peers, and is a peer's client cert
#   client.crt client.key         for cairn, etcdctl and jetcd clients
# Usage: gen-certs.sh OUT_DIR NAME=HOST_OR_IP [NAME=HOST_OR_IP ...]
#   e.g. gen-certs.sh certs n1=10.0.0.11 n2=10.0.0.12 n3=10.0.0.13
# Every member certificate also names localhost and 127.0.0.1. Keys are PKCS#8 PEM (what gRPC wants).
set -euo pipefail
out=${1:?usage: gen-certs.sh OUT_DIR NAME=HOST [NAME=HOST ...]}
shift
[ $# -gt 0 ] || { echo "gen-certs.sh: name at least one member, e.g. n1=127.0.0.1" >&2; exit 2; }
days=${CAIRN_CERT_DAYS:-825}
mkdir -p "$out"
cd "$out"
if [ ! -f ca.key ]; then
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key 2>/dev/null
  openssl req -x509 -new -key ca.key -sha256 -days "$days" -subj "/CN=cairn-ca" -out ca.crt \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
fi
sign() { # name, subjectAltName, extendedKeyUsage
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key" 2>/dev/null
  openssl req -new -key "$1.key" -subj "/CN=$1" -out "$1.csr"
  printf 'subjectAltName=%s\nextendedKeyUsage=%s\nkeyUsage=critical,digitalSignature,keyEncipherment\n' \
    "$2" "$3" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -sha256 -days "$days" \
    -extfile "$1.ext" -out "$1.crt" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}
for member in "$@"; do
  name=${member%%=*}
  host=${member#*=}
  if [[ $host =~ ^[0-9.]+$ ]]; then san="IP:$host"; else san="DNS:$host"; fi
  sign "$name" "$san,DNS:localhost,IP:127.0.0.1" "serverAuth,clientAuth"
done
sign client "DNS:localhost,IP:127.0.0.1" "clientAuth"
chmod 600 ./*.key
echo "wrote CA, member and client certificates to $out"
