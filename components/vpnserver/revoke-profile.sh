#!/usr/bin/env bash
<%/*
  The script of the RevokeProfileDocument SSM Command document, a Go
  text/template with the delimiters "<%" and "%>" (`{{ UserName }}` is
  Systems Manager's parameter, see issue-profile.sh).

  It revokes every valid certificate of a person, regenerates the CRL and
  installs it where crl-verify reads it, backs the PKI up and deletes the
  person's profile object. OpenVPN re-reads the CRL when it changes, on
  every new connection and renegotiation: a revoked person cannot connect
  again and is dropped at the next renegotiation (reneg-sec, within the
  hour). The bucket is versioned: older versions of the profile, holding a
  key whose certificate is now revoked, remain until the bucket's lifecycle
  expires them (ProfileVersionDays, 7 days).
  Sources: https://docs.openssl.org/3.0/man1/openssl-ca/,
  https://openvpn.net/community-resources/reference-manual-for-openvpn-2-6/
*/ -%>
# Revoke a VPN profile (rendered from components/vpnserver/revoke-profile.sh).
set -euo pipefail
<% template "common" . %>
readonly PROFILES_PREFIX=<% shq .ProfilesPrefix %>
readonly USER_PATTERN=<% shq .UserNamePattern %>

# Checked again here (the document's allowedPattern is the same rule).
user='{{ UserName }}'
[[ "$user" =~ $USER_PATTERN ]] || die "UserName \"$user\" must match $USER_PATTERN"
[ -f "$R/etc/openvpn/server/server.conf" ] ||
  die "no OpenVPN server configuration here: run this document on the VPN server"

lock_pki
ensure_pki
object="s3://$BUCKET/$PROFILES_PREFIX$user.ovpn"
serials=$(valid_serials "$user")
if [ -z "$serials" ]; then
  aws s3 rm "$object" --only-show-errors
  die "$user has no valid certificate: nothing to revoke (a profile object, if any, was deleted)"
fi
while read -r serial; do
  openssl ca -config "$CNF" -revoke "$R$PKI/certs/$serial.pem" -crl_reason cessationOfOperation
  echo "revoked certificate $serial of $user"
done <<<"$serials"
openssl ca -config "$CNF" -gencrl -out "$R$PKI/crl.pem"
install_crl
backup_pki
aws s3 rm "$object" --only-show-errors
echo "CRL $(openssl crl -in "$R$CRL" -noout -crlnumber) installed; deleted $object"
