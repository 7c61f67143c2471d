#!/usr/bin/env bash
<%/*
  The script of the IssueProfileDocument SSM Command document, a Go
  text/template with the delimiters "<%" and "%>": `{{ UserName }}` below
  is Systems Manager's own parameter syntax, replaced by the agent on the
  instance after the document's allowedPattern has checked the value.
  Source: https://docs.aws.amazon.com/systems-manager/latest/userguide/documents-syntax-data-elements-parameters.html

  It issues a person's client certificate (ECDSA P-256, clientAuth) and
  writes a self-contained profile to S3, encrypted with the server's key.
  The private key exists only in a temporary directory and in the profile:
  the server never keeps it. A person with a valid certificate gets no
  second one: revoke first (RevokeProfileDocument).
  Sources: https://docs.openssl.org/3.0/man1/openssl-ca/,
  https://openvpn.net/community-resources/reference-manual-for-openvpn-2-6/
*/ -%>
# Issue a VPN profile (rendered from components/vpnserver/issue-profile.sh).
set -euo pipefail
<% template "common" . %>
readonly PROFILES_PREFIX=<% shq .ProfilesPrefix %>
readonly USER_PATTERN=<% shq .UserNamePattern %>
readonly CLIENT_DAYS=825

# Checked again here (the document's allowedPattern is the same rule): the
# name becomes a certificate subject, a file name and an S3 key.
user='{{ UserName }}'
[[ "$user" =~ $USER_PATTERN ]] || die "UserName \"$user\" must match $USER_PATTERN"
[ -f "$R/etc/openvpn/server/server.conf" ] ||
  die "no OpenVPN server configuration here: run this document on the VPN server"

lock_pki
ensure_pki
serials=$(valid_serials "$user")
if [ -n "$serials" ]; then
  die "$user already has a valid certificate (serial ${serials//$'\n'/, }): run <% .RevokeProfileDocument %> first"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/client.key"
openssl req -new -config "$CNF" -key "$work/client.key" -subj "/CN=$user" -out "$work/client.csr"
openssl ca -batch -config "$CNF" -extensions client_cert -days "$CLIENT_DAYS" -notext \
  -in "$work/client.csr" -out "$work/client.crt"
# The CA's record of the certificate reaches S3 before the profile does: a
# restored PKI knows, and can revoke, every certificate in use.
backup_pki

profile="$work/$user.ovpn"
{
  echo "# VPN profile of $user. It holds a private key: keep it to yourself."
  cat <<'EOF'
client
dev tun
proto udp
remote <% .ServerName %> <% .Port %>
resolv-retry infinite
nobind
persist-key
persist-tun
remote-cert-tls server
verify-x509-name <% .ServerName %> name
tls-version-min 1.2
data-ciphers AES-256-GCM
auth SHA256
verb 3
EOF
  echo "<ca>"
  cat "$R$PKI/ca.crt"
  echo "</ca>"
  echo "<cert>"
  cat "$work/client.crt"
  echo "</cert>"
  echo "<key>"
  cat "$work/client.key"
  echo "</key>"
  echo "<tls-crypt>"
  cat "$R$PKI/tls-crypt.key"
  echo "</tls-crypt>"
} >"$profile"
object="s3://$BUCKET/$PROFILES_PREFIX$user.ovpn"
put "$profile" "$object" --content-type application/x-openvpn-profile

serial=$(openssl x509 -in "$work/client.crt" -noout -serial)
expiry=$(openssl x509 -in "$work/client.crt" -noout -enddate)
echo "issued certificate ${serial#serial=} to $user, valid until ${expiry#notAfter=}"
echo "profile: $object (aws s3 cp $object ./$user.ovpn)"
