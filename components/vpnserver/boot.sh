#!/usr/bin/env bash
<%/*
  The VPN server's boot script: a Go text/template with the delimiters
  "<%" and "%>" (scripts.go says why), rendered by RenderBootScript into the
  launch template's user data. Comments inside these template comments cite
  the documentation and stay out of the rendered script, which EC2 limits
  to 16 KB of user data.
  Source: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html

  cloud-init runs it once, as root, on the first boot of each instance; a
  replaced instance runs it again and restores the PKI from S3.
*/ -%>
# VPN server boot script (rendered from components/vpnserver/boot.sh).
# Hardened host, Elastic IP, OpenVPN in NAT mode, PKI kept in S3.
set -euo pipefail
<% template "common" . %>
readonly ALLOCATION_ID=<% shq .AllocationID %>
readonly SERVER_NAME=<% shq .ServerName %>
readonly SERVER_CONF=/etc/openvpn/server/server.conf
readonly LOG_DIR=/var/log/openvpn
# Validity in days. The CA and the server certificate last ten years
# (rotating the CA means new profiles for everyone); the CRL as long,
# since the server itself is its only reader and regenerates it on every
# revocation.
readonly CA_DAYS=3650 SERVER_DAYS=3650

retry() {
  local n=1
  until "$@"; do
    [ "$n" -lt 10 ] || return 1
    sleep $((n * 3))
    n=$((n + 1))
  done
}

<%/*
  IMDSv2: a session token first, then the instance id; the launch template
  requires tokens. The role may associate only this allocation, only with
  an instance of this server; --allow-reassociation takes the address from
  the instance this one replaces.
  Sources: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html,
  https://docs.aws.amazon.com/cli/latest/reference/ec2/associate-address.html
*/ -%>
echo "==> Elastic IP"
token=$(curl -fsS --retry 5 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' \
  http://169.254.169.254/latest/api/token)
instance_id=$(curl -fsS --retry 5 -H "X-aws-ec2-metadata-token: $token" \
  http://169.254.169.254/latest/meta-data/instance-id)
retry aws ec2 associate-address --allocation-id "$ALLOCATION_ID" \
  --instance-id "$instance_id" --allow-reassociation --output text >/dev/null ||
  die "could not associate $ALLOCATION_ID with $instance_id"

<%/*
  No SSH: the instance has no key pair and its group no port 22; Session
  Manager (the SSM agent, preinstalled on AL2023) is the only way in, so
  sshd is stopped and masked rather than left listening.
  Sources: https://docs.aws.amazon.com/linux/al2023/ug/ssh-host-keys-disabled.html,
  https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager.html
*/ -%>
echo "==> SSH off"
if systemctl cat sshd.service >/dev/null 2>&1; then
  systemctl disable --now sshd.service
fi
systemctl mask sshd.service

<%/*
  AL2023 locks dnf to the release of the image, so dnf-automatic would never
  see a newer security update; releasever "latest" follows the current
  repository. OpenVPN is in AL2023's own repository (2023.6 and later);
  easy-rsa is not, so the CA is plain openssl. AL2023 has no
  /var/log/messages without rsyslog (the journal only): rsyslog gives the
  CloudWatch agent a file to ship.
  Sources: https://docs.aws.amazon.com/linux/al2023/ug/deterministic-upgrades-usage.html,
  https://github.com/amazonlinux/amazon-linux-2023/discussions/395,
  https://docs.aws.amazon.com/linux/al2023/ug/journald.html
*/ -%>
echo "==> Packages"
install -d -m 0755 "$R/etc/dnf/vars"
echo latest >"$R/etc/dnf/vars/releasever"
dnf -y upgrade --security
dnf -y install openvpn openssl nftables rsyslog logrotate dnf-automatic amazon-cloudwatch-agent amazon-ssm-agent
systemctl enable --now amazon-ssm-agent.service rsyslog.service

<%/*
  The CloudWatch agent ships the system log, this script's output, and
  OpenVPN's log and status to the server's log group, one stream per
  instance and file. Source:
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-Agent-Configuration-File-Details.html
*/ -%>
echo "==> CloudWatch agent"
readonly CWA=/opt/aws/amazon-cloudwatch-agent
install -d -m 0755 "$R$CWA/etc"
cat >"$R$CWA/etc/amazon-cloudwatch-agent.json" <<'EOF'
<% .CloudWatchAgentConfig %>
EOF
chmod 0644 "$R$CWA/etc/amazon-cloudwatch-agent.json"
"$R$CWA/bin/amazon-cloudwatch-agent-ctl" -a fetch-config -m ec2 -s \
  -c "file:$CWA/etc/amazon-cloudwatch-agent.json"
systemctl enable amazon-cloudwatch-agent.service

<%/*
  Security updates only, applied, reported on standard output (the journal,
  so the log group). Source: https://dnf.readthedocs.io/en/latest/automatic.html
*/ -%>
echo "==> Automatic security updates"
cat >"$R/etc/dnf/automatic.conf" <<'EOF'
[commands]
upgrade_type = security
download_updates = yes
apply_updates = yes
random_sleep = 3600

[emitters]
emit_via = stdio
EOF
chmod 0644 "$R/etc/dnf/automatic.conf"
systemctl enable --now dnf-automatic.timer

<%/*
  NAT: clients' packets to the pushed routes leave with the server's
  address (the VPC and its peers know nothing of the client pool, and
  source/destination checking stays on); the tunnel forwards only to those
  routes. A oneshot unit loads the table at each boot, before OpenVPN.
  Sources: https://wiki.nftables.org/wiki-nftables/index.php/Performing_Network_Address_Translation_(NAT),
  https://docs.aws.amazon.com/vpc/latest/userguide/work-with-nat-instances.html
*/ -%>
echo "==> Forwarding and NAT"
install -d -m 0755 "$R/etc/sysctl.d" "$R/etc/nftables" "$R/etc/systemd/system"
cat >"$R/etc/sysctl.d/90-vpnserver.conf" <<'EOF'
net.ipv4.ip_forward = 1
net.ipv4.conf.all.send_redirects = 0
net.ipv4.conf.all.accept_redirects = 0
EOF
chmod 0644 "$R/etc/sysctl.d/90-vpnserver.conf"
sysctl -q -p /etc/sysctl.d/90-vpnserver.conf
cat >"$R/etc/nftables/vpnserver.nft" <<'EOF'
table ip vpnserver
delete table ip vpnserver
table ip vpnserver {
	set destinations {
		type ipv4_addr
		flags interval
		elements = { <% .Destinations %> }
	}
	chain forward {
		type filter hook forward priority filter; policy accept;
		iifname "tun0" ip saddr <% .ClientCIDR %> ip daddr @destinations accept
		iifname "tun0" drop
		oifname "tun0" ct state established,related accept
		oifname "tun0" drop
	}
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		ip saddr <% .ClientCIDR %> ip daddr @destinations masquerade
	}
}
EOF
chmod 0644 "$R/etc/nftables/vpnserver.nft"
cat >"$R/etc/systemd/system/vpnserver-nat.service" <<'EOF'
[Unit]
Description=VPN server forwarding and NAT rules
Before=openvpn-server@server.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/sbin/nft -f /etc/nftables/vpnserver.nft
ExecStop=/usr/sbin/nft delete table ip vpnserver

[Install]
WantedBy=multi-user.target
EOF
chmod 0644 "$R/etc/systemd/system/vpnserver-nat.service"
systemctl daemon-reload
systemctl enable --now vpnserver-nat.service

<%/*
  PKI: ECDSA P-256 keys, a CA database kept by `openssl ca` (index.txt,
  serial, crlnumber), a tls-crypt key. Restored when the bucket holds one
  (a replaced instance), created and backed up otherwise. Nothing here
  prints a key: openssl writes them to files under umask 077.
  Sources: https://docs.openssl.org/3.0/man1/openssl-ca/,
  https://docs.openssl.org/3.0/man1/openssl-genpkey/,
  https://openvpn.net/community-resources/reference-manual-for-openvpn-2-6/
*/ -%>
echo "==> PKI"
lock_pki
pki_dirs
if pki_in_s3; then
  echo "restoring the PKI from s3://$BUCKET/$PKI_PREFIX"
  restore_pki
  write_openssl_cnf
  new=false
else
  echo "no PKI in s3://$BUCKET/$PKI_PREFIX: creating one"
  write_openssl_cnf
  : >"$R$PKI/index.txt"
  echo 'unique_subject = no' >"$R$PKI/index.txt.attr"
  openssl rand -hex 16 >"$R$PKI/serial"
  echo 1000 >"$R$PKI/crlnumber"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$R$PKI/private/ca.key"
  openssl req -new -x509 -config "$CNF" -key "$R$PKI/private/ca.key" -sha256 \
    -days "$CA_DAYS" -extensions v3_ca -subj "/CN=$SERVER_NAME CA" -out "$R$PKI/ca.crt"
  openvpn --genkey secret "$R$PKI/tls-crypt.key"
  new=true
fi
# A new server certificate when there is none, when it names another
# server (ServerName changed) or when it expires within 30 days.
server_crt="$R$PKI/issued/server.crt"
if [ "$new" = true ] ||
  [ "$(openssl x509 -in "$server_crt" -noout -subject -nameopt RFC2253)" != "subject=CN=$SERVER_NAME" ] ||
  ! openssl x509 -in "$server_crt" -noout -checkend $((30 * 86400)) >/dev/null; then
  if [ "$new" = false ]; then
    old=$(openssl x509 -in "$server_crt" -noout -serial)
    openssl ca -config "$CNF" -revoke "$R$PKI/certs/${old#serial=}.pem" -crl_reason superseded ||
      echo "the previous server certificate ($old) was already revoked or has expired" >&2
  fi
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$R$PKI/private/server.key"
  openssl req -new -config "$CNF" -key "$R$PKI/private/server.key" \
    -subj "/CN=$SERVER_NAME" -out "$R$PKI/server.csr"
  openssl ca -batch -config "$CNF" -extensions server_cert -days "$SERVER_DAYS" -notext \
    -in "$R$PKI/server.csr" -out "$server_crt"
  rm -f "$R$PKI/server.csr"
fi
openssl ca -config "$CNF" -gencrl -out "$R$PKI/crl.pem"
install_crl
backup_pki
if [ "$new" = true ]; then
  echo "created CA $(openssl x509 -in "$R$PKI/ca.crt" -noout -fingerprint -sha256)"
fi

<%/*
  The server: UDP, a tun device in subnet topology, the client pool,
  split tunnel (only the pushed routes), the VPC resolver and the private
  zones as search domains. TLS 1.2 or later, tls-crypt (every control
  packet encrypted and authenticated with the shared key: packets from
  anyone without a profile are dropped before TLS), AES-256-GCM data
  channel, ECDHE only (dh none), client certificates with the clientAuth
  EKU, the CRL checked on every connection and renegotiation (the server
  re-reads the file when it changes; a revoked client is dropped at its
  next renegotiation, reneg-sec, within the hour). Privileges dropped to
  nobody after start; keys and tun kept across restarts.
  Source: https://openvpn.net/community-resources/reference-manual-for-openvpn-2-6/
*/ -%>
echo "==> OpenVPN"
install -d -m 0755 "$R$LOG_DIR"
install -d -m 0750 "$R/etc/openvpn/server"
cat >"$R$SERVER_CONF" <<'EOF'
port <% .Port %>
proto udp
dev tun
topology subnet
server <% .ServerNetwork %> <% .ServerNetmask %>
<%- range .PushRoutes %>
push "route <% . %>"
<%- end %>
push "dhcp-option DNS <% .DNSServer %>"
<%- with .SearchDomains %>
push "dhcp-option DOMAIN <% index . 0 %>"
<%- end %>
<%- range .SearchDomains %>
push "dhcp-option DOMAIN-SEARCH <% . %>"
<%- end %>
ca /etc/vpnserver/pki/ca.crt
cert /etc/vpnserver/pki/issued/server.crt
key /etc/vpnserver/pki/private/server.key
dh none
tls-crypt /etc/vpnserver/pki/tls-crypt.key
crl-verify /etc/vpnserver/crl.pem
tls-version-min 1.2
remote-cert-tls client
cipher AES-256-GCM
data-ciphers AES-256-GCM
auth SHA256
reneg-sec 3600
keepalive 10 60
explicit-exit-notify 1
user nobody
group nobody
persist-key
persist-tun
status /var/log/openvpn/status.log 60
status-version 2
log-append /var/log/openvpn/openvpn.log
verb 3
EOF
chmod 0640 "$R$SERVER_CONF"
<%/* OpenVPN keeps its log open: copytruncate. */ -%>
install -d -m 0755 "$R/etc/logrotate.d"
cat >"$R/etc/logrotate.d/vpnserver-openvpn" <<'EOF'
/var/log/openvpn/openvpn.log {
	weekly
	rotate 4
	compress
	missingok
	notifempty
	copytruncate
}
EOF
chmod 0644 "$R/etc/logrotate.d/vpnserver-openvpn"
systemctl enable --now openvpn-server@server.service
echo "==> VPN server ready: $SERVER_NAME:<% .Port %>/udp"
<%/*
  What the three scripts share: the deployment's values, the PKI's layout,
  and restoring it from and backing it up to S3.
*/ -%>
<% define "common" -%>
readonly REGION=<% shq .Region %>
readonly BUCKET=<% shq .Bucket %>
readonly PKI_PREFIX=<% shq .PKIPrefix %>
readonly KMS_KEY_ARN=<% shq .KMSKeyARN %>
export AWS_DEFAULT_REGION="$REGION"
# C locale: [a-z] means the 26 ASCII letters, sort and awk are bytewise.
export LC_ALL=C
# Every file created from here on is root's alone unless chmod says so.
umask 077

# VPNSERVER_ROOT is unset on the server; the package's tests point it at a
# scratch directory and run the script against stand-in commands.
readonly R="${VPNSERVER_ROOT:-}"
readonly ETC=/etc/vpnserver PKI=/etc/vpnserver/pki CRL=/etc/vpnserver/crl.pem
readonly CNF="$R$PKI/openssl.cnf"
# openssl.cnf finds the CA database through $ENV::VPNSERVER_PKI.
export VPNSERVER_PKI="$R$PKI"
# What a complete PKI holds (private keys, CA database, tls-crypt key).
readonly PKI_FILES=(openssl.cnf ca.crt private/ca.key issued/server.crt private/server.key
  tls-crypt.key index.txt serial crlnumber crl.pem)

die() {
  echo "error: $*" >&2
  exit 1
}

# put SRC DST [aws s3 cp flags]: an upload encrypted with the server's key.
put() {
  aws s3 cp "$@" --sse aws:kms --sse-kms-key-id "$KMS_KEY_ARN" --only-show-errors
}

# lock_pki serializes the boot script and the documents on the CA database.
lock_pki() {
  install -d -m 0755 "$R/run"
  exec 9>"$R/run/vpnserver-pki.lock"
  flock -w 600 9 || die "another command holds the PKI lock"
}

# pki_dirs: the CRL's directory stays readable by nobody (OpenVPN re-reads
# the CRL after dropping privileges); the PKI's is root's alone.
pki_dirs() {
  install -d -m 0755 "$R$ETC"
  install -d -m 0700 "$R$PKI" "$R$PKI/private" "$R$PKI/certs" "$R$PKI/issued"
}

# pki_in_s3 succeeds when the bucket holds a CA key. A failed listing stops
# the script: a PKI must never be replaced because S3 could not be read.
pki_in_s3() {
  local count
  count=$(aws s3api list-objects-v2 --bucket "$BUCKET" --prefix "${PKI_PREFIX}private/ca.key" \
    --query KeyCount --output text) || die "cannot list s3://$BUCKET/$PKI_PREFIX"
  case "$count" in
  0) return 1 ;;
  1) return 0 ;;
  *) die "unexpected answer listing s3://$BUCKET/$PKI_PREFIX: $count" ;;
  esac
}

restore_pki() {
  pki_dirs
  aws s3 cp --recursive "s3://$BUCKET/$PKI_PREFIX" "$R$PKI/" --only-show-errors ||
    die "cannot restore the PKI from s3://$BUCKET/$PKI_PREFIX"
  local f
  for f in "${PKI_FILES[@]}"; do
    [ -f "$R$PKI/$f" ] || die "the PKI in s3://$BUCKET/$PKI_PREFIX lacks $f: restore an earlier version (the bucket is versioned)"
  done
  chmod -R go-rwx "$R$PKI"
}

# ensure_pki restores the PKI when this host has none (documents only).
ensure_pki() {
  if [ ! -f "$R$PKI/private/ca.key" ]; then
    pki_in_s3 || die "no PKI on this host nor in s3://$BUCKET/$PKI_PREFIX: is this the VPN server, has it booted?"
    restore_pki
  fi
}

backup_pki() {
  put --recursive "$R$PKI/" "s3://$BUCKET/$PKI_PREFIX" ||
    die "cannot back the PKI up to s3://$BUCKET/$PKI_PREFIX"
}

# install_crl replaces the CRL OpenVPN reads in one rename.
install_crl() {
  install -m 0644 "$R$PKI/crl.pem" "$R$CRL.new"
  mv -f "$R$CRL.new" "$R$CRL"
}

# valid_serials NAME prints the serials of NAME's valid certificates
# (expired ones are first marked so in the database).
valid_serials() {
  openssl ca -config "$CNF" -updatedb 2>/dev/null || die "cannot update the CA database"
  awk -F'\t' -v subject="/CN=$1" '$1 == "V" && $6 == subject { print $4 }' "$R$PKI/index.txt"
}

# write_openssl_cnf: the CA's configuration, one profile per kind of
# certificate (CA, server with serverAuth, client with clientAuth).
write_openssl_cnf() {
  cat >"$CNF" <<'EOF'
[ ca ]
default_ca = vpn_ca

[ vpn_ca ]
dir              = $ENV::VPNSERVER_PKI
database         = $dir/index.txt
new_certs_dir    = $dir/certs
certificate      = $dir/ca.crt
private_key      = $dir/private/ca.key
serial           = $dir/serial
crlnumber        = $dir/crlnumber
default_md       = sha256
default_days     = 825
default_crl_days = 3650
policy           = policy_cn
unique_subject   = no
copy_extensions  = none

[ policy_cn ]
commonName = supplied

[ req ]
distinguished_name = req_dn

[ req_dn ]

[ v3_ca ]
basicConstraints       = critical, CA:true, pathlen:0
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ server_cert ]
basicConstraints       = critical, CA:false
keyUsage               = critical, digitalSignature
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid, issuer
subjectAltName         = DNS:<% .ServerName %>

[ client_cert ]
basicConstraints       = critical, CA:false
keyUsage               = critical, digitalSignature
extendedKeyUsage       = clientAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid, issuer
EOF
}
<%- end %>
