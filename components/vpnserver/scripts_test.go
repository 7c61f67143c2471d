package vpnserver_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/components/validate"
	"github.com/refarch/refarch/components/vpnserver"
	"github.com/refarch/refarch/components/vpnserver/vpnservertest"
	"github.com/refarch/refarch/internal/needs"
)

const (
	testBucket    = "refarch-vpn-pki-0a1b2c3"
	testKMSKeyARN = "arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	testAlloc     = "eipalloc-0123456789abcdef0"
	testInstance  = "i-0123456789abcdef0"
)

// sharedServices is the shared-services stack's configuration, by hand.
func sharedServices() vpnserver.BootConfig {
	return vpnserver.BootConfig{
		Region:         "us-west-2",
		AllocationID:   testAlloc,
		Bucket:         testBucket,
		PKIPrefix:      "pki/",
		ProfilesPrefix: "profiles/",
		KMSKeyARN:      testKMSKeyARN,
		LogGroup:       "/refarch/vpn/vpn",
		ServerName:     "vpn.example.com",
		Port:           1194,
		ClientCIDR:     "172.16.0.0/22",
		Routes:         []string{"10.0.0.0/16", "10.10.0.0/16", "10.20.0.0/16", "10.30.0.0/16"},
		DNSServer:      "10.0.0.2",
		SearchDomains:  []string{"internal.dev.example.com", "internal.stage.example.com", "internal.prod.example.com"},
		VPCCIDR:        "10.0.0.0/16",
	}
}

func bootScript(t *testing.T) string {
	t.Helper()
	s, err := vpnserver.RenderBootScript(sharedServices())
	require.NoError(t, err)
	return s
}

// heredoc returns the lines of the here-document the script writes to
// target (`cat >"<target>" <<'EOF'`).
func heredoc(t *testing.T, script, target string) []string {
	t.Helper()
	return heredocAfter(t, script, "cat >\""+target+"\" <<'EOF'")
}

// heredocAfter returns the lines of the here-document opened by the line
// opener.
func heredocAfter(t *testing.T, script, opener string) []string {
	t.Helper()
	start := "\n" + opener + "\n"
	require.Equal(t, 1, strings.Count(script, start), "the script has one %s", opener)
	i := strings.Index(script, start)
	body := script[i+len(start):]
	end := strings.Index(body, "\nEOF\n")
	require.GreaterOrEqual(t, end, 0)
	return strings.Split(body[:end], "\n")
}

// documentOf parses a document's content and returns it and its script.
func documentOf(t *testing.T, content string) (map[string]any, string) {
	t.Helper()
	var doc map[string]any
	require.NoError(t, json.Unmarshal([]byte(content), &doc), "the content is JSON")
	return doc, vpnservertest.DocumentScript(t, content)
}

func documentScripts(t *testing.T) map[string]string {
	t.Helper()
	issue, err := vpnserver.IssueProfileContent(sharedServices())
	require.NoError(t, err)
	revoke, err := vpnserver.RevokeProfileContent(sharedServices())
	require.NoError(t, err)
	return map[string]string{
		vpnserver.IssueProfileDocument:  vpnservertest.DocumentScript(t, issue),
		vpnserver.RevokeProfileDocument: vpnservertest.DocumentScript(t, revoke),
	}
}

func TestBootScriptRendersTheServerConfiguration(t *testing.T) {
	s := bootScript(t)
	conf := heredoc(t, s, "$R$SERVER_CONF")
	for _, line := range []string{
		"port 1194",
		"proto udp",
		"dev tun",
		"topology subnet",
		// 172.16.0.0/22: 255.255.252.0, by hand.
		"server 172.16.0.0 255.255.252.0",
		`push "route 10.0.0.0 255.255.0.0"`,
		`push "route 10.10.0.0 255.255.0.0"`,
		`push "route 10.20.0.0 255.255.0.0"`,
		`push "route 10.30.0.0 255.255.0.0"`,
		`push "dhcp-option DNS 10.0.0.2"`,
		`push "dhcp-option DOMAIN internal.dev.example.com"`,
		`push "dhcp-option DOMAIN-SEARCH internal.dev.example.com"`,
		`push "dhcp-option DOMAIN-SEARCH internal.stage.example.com"`,
		`push "dhcp-option DOMAIN-SEARCH internal.prod.example.com"`,
		"tls-version-min 1.2",
		"tls-crypt /etc/vpnserver/pki/tls-crypt.key",
		"cipher AES-256-GCM",
		"data-ciphers AES-256-GCM",
		"auth SHA256",
		"remote-cert-tls client",
		"crl-verify /etc/vpnserver/crl.pem",
		"dh none",
		"user nobody",
		"group nobody",
		"persist-key",
		"persist-tun",
		"keepalive 10 60",
		"status /var/log/openvpn/status.log 60",
		"log-append /var/log/openvpn/openvpn.log",
	} {
		assert.Contains(t, conf, line)
	}
	// One DOMAIN (the first zone), pushed once; nothing pushes a default route.
	assert.Len(t, grep(conf, `^push "dhcp-option DOMAIN `), 1)
	assert.Empty(t, grep(conf, `redirect-gateway|^push "route 0\.0\.0\.0`))
	assert.Empty(t, grep(conf, `^(comp-lzo|compress)`), "no compression (VORACLE)")

	// The CRL OpenVPN reads is where the scripts install it.
	assert.Contains(t, s, "readonly ETC=/etc/vpnserver PKI=/etc/vpnserver/pki CRL=/etc/vpnserver/crl.pem")
	assertNoTemplateLeft(t, s)
	assert.NotContains(t, s, "{{", "no Systems Manager parameter in user data")
}

func TestBootScriptHardensTheHost(t *testing.T) {
	s := bootScript(t)
	assert.True(t, strings.HasPrefix(s, "#!/usr/bin/env bash\n"), "cloud-init runs user data starting with #! as a script")
	assert.Contains(t, s, "\nset -euo pipefail\n")
	// EC2 refuses user data over 16 KB.
	// Source: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html
	assert.Less(t, len(s), 16*1024, "user data fits EC2's 16 KB")

	// IMDSv2 token, then the address, to this instance, taken over.
	assert.Contains(t, s, "-X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300'")
	assert.Contains(t, s, "http://169.254.169.254/latest/api/token")
	assert.Contains(t, s, `-H "X-aws-ec2-metadata-token: $token"`)
	assert.Contains(t, s, "readonly ALLOCATION_ID='"+testAlloc+"'")
	assert.Regexp(t, `aws ec2 associate-address --allocation-id "\$ALLOCATION_ID" \\\n\s+--instance-id "\$instance_id" --allow-reassociation`, s)

	// No SSH daemon.
	assert.Contains(t, s, "systemctl disable --now sshd.service")
	assert.Contains(t, s, "systemctl mask sshd.service")

	// Security updates applied automatically, from the current release.
	automatic := heredoc(t, s, "$R/etc/dnf/automatic.conf")
	assert.Contains(t, automatic, "upgrade_type = security")
	assert.Contains(t, automatic, "apply_updates = yes")
	assert.Contains(t, s, "systemctl enable --now dnf-automatic.timer")
	assert.Contains(t, s, `echo latest >"$R/etc/dnf/vars/releasever"`)
	assert.Regexp(t, `(?m)^dnf -y install .*\bopenvpn\b.*\bamazon-cloudwatch-agent\b.*\bamazon-ssm-agent\b`, s)
	assert.Contains(t, s, "systemctl enable --now amazon-ssm-agent.service")
	assert.Contains(t, s, "systemctl enable --now openvpn-server@server.service")

	// Forwarding, and NAT of the pool to every pushed block and the VPC only.
	assert.Contains(t, heredoc(t, s, "$R/etc/sysctl.d/90-vpnserver.conf"), "net.ipv4.ip_forward = 1")
	nft := strings.Join(heredoc(t, s, "$R/etc/nftables/vpnserver.nft"), "\n")
	assert.Contains(t, nft, "elements = { 10.0.0.0/16, 10.10.0.0/16, 10.20.0.0/16, 10.30.0.0/16 }", "the VPC, listed in Routes too, appears once")
	assert.Contains(t, nft, "ip saddr 172.16.0.0/22 ip daddr @destinations masquerade")
	assert.Contains(t, nft, `iifname "tun0" ip saddr 172.16.0.0/22 ip daddr @destinations accept`)
	assert.Regexp(t, `iifname "tun0" drop`, nft, "clients reach nothing but the pushed routes")

	// The CloudWatch agent ships the system log, the boot output and OpenVPN's files to the log group.
	var agent struct {
		Logs struct {
			LogsCollected struct {
				Files struct {
					CollectList []struct {
						FilePath      string `json:"file_path"`
						LogGroupName  string `json:"log_group_name"`
						LogStreamName string `json:"log_stream_name"`
					} `json:"collect_list"`
				} `json:"files"`
			} `json:"logs_collected"`
		} `json:"logs"`
	}
	cw := strings.Join(heredoc(t, s, "$R$CWA/etc/amazon-cloudwatch-agent.json"), "\n")
	require.NoError(t, json.Unmarshal([]byte(cw), &agent))
	shipped := map[string]string{}
	for _, f := range agent.Logs.LogsCollected.Files.CollectList {
		assert.Equal(t, "/refarch/vpn/vpn", f.LogGroupName)
		assert.True(t, strings.HasPrefix(f.LogStreamName, "{instance_id}/"), f.LogStreamName)
		shipped[f.FilePath] = f.LogStreamName
	}
	for _, path := range []string{"/var/log/messages", "/var/log/cloud-init-output.log", "/var/log/openvpn/openvpn.log", "/var/log/openvpn/status.log"} {
		assert.Contains(t, shipped, path)
	}

	// The server certificate names the server; the CA is ECDSA P-256.
	assert.Contains(t, s, "subjectAltName         = DNS:vpn.example.com")
	assert.Contains(t, s, "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256")
	assert.Contains(t, s, "readonly KMS_KEY_ARN='"+testKMSKeyARN+"'")
	assert.Contains(t, s, "--sse aws:kms --sse-kms-key-id \"$KMS_KEY_ARN\"")
	assert.NotContains(t, s, "set -x", "tracing would print keys' paths and more")
}

func assertNoTemplateLeft(t *testing.T, s string) {
	t.Helper()
	assert.NotContains(t, s, "<%")
	assert.NotContains(t, s, "%>")
	assert.NotContains(t, s, "<no value>")
}

func grep(lines []string, pattern string) []string {
	re := regexp.MustCompile(pattern)
	var out []string
	for _, l := range lines {
		if re.MatchString(l) {
			out = append(out, l)
		}
	}
	return out
}

func TestDocumentsAreCommandDocumentsWithACheckedUserName(t *testing.T) {
	for name, render := range map[string]func(vpnserver.BootConfig) (string, error){
		vpnserver.IssueProfileDocument:  vpnserver.IssueProfileContent,
		vpnserver.RevokeProfileDocument: vpnserver.RevokeProfileContent,
	} {
		t.Run(name, func(t *testing.T) {
			content, err := render(sharedServices())
			require.NoError(t, err)
			doc, script := documentOf(t, content)
			assert.Equal(t, "2.2", doc["schemaVersion"])
			assert.NotEmpty(t, doc["description"])
			params := doc["parameters"].(map[string]any)
			require.Len(t, params, 1)
			user := params["UserName"].(map[string]any)
			assert.Equal(t, "String", user["type"])
			assert.Equal(t, vpnserver.UserNamePattern, user["allowedPattern"])
			assert.NotContains(t, user, "default", "without a default Systems Manager requires the parameter")
			step := doc["mainSteps"].([]any)[0].(map[string]any)
			assert.Equal(t, "aws:runShellScript", step["action"])

			// Systems Manager's parameter, once, single-quoted; no other {{.
			assert.Equal(t, 1, strings.Count(script, "{{ UserName }}"))
			assert.Equal(t, strings.Count(script, "{{"), strings.Count(script, "{{ UserName }}"))
			assert.Contains(t, script, "user='{{ UserName }}'")
			assert.Contains(t, script, "readonly USER_PATTERN='"+vpnserver.UserNamePattern+"'")
			assert.Contains(t, script, `[[ "$user" =~ $USER_PATTERN ]] || die`)
			assertNoTemplateLeft(t, script)
			assert.Contains(t, script, "readonly BUCKET='"+testBucket+"'")
			assert.Contains(t, script, "readonly PROFILES_PREFIX='profiles/'")
		})
	}
}

func TestIssuedProfileConfiguration(t *testing.T) {
	script := documentScripts(t)[vpnserver.IssueProfileDocument]
	profile := heredocAfter(t, script, "  cat <<'EOF'")
	for _, line := range []string{
		"client", "dev tun", "proto udp",
		"remote vpn.example.com 1194",
		"remote-cert-tls server",
		"verify-x509-name vpn.example.com name",
		"tls-version-min 1.2",
		"data-ciphers AES-256-GCM",
		"auth SHA256",
	} {
		assert.Contains(t, profile, line)
	}
	for _, block := range []string{"ca", "cert", "key", "tls-crypt"} {
		assert.Contains(t, script, `echo "<`+block+`>"`)
		assert.Contains(t, script, `echo "</`+block+`>"`)
	}
	assert.Contains(t, script, "-extensions client_cert")
	assert.Contains(t, script, `object="s3://$BUCKET/$PROFILES_PREFIX$user.ovpn"`)
}

func TestUserNamePattern(t *testing.T) {
	re := regexp.MustCompile(vpnserver.UserNamePattern)
	for _, good := range []string{"alice.martin", "bob", "a", "j_doe-2", strings.Repeat("a", 64)} {
		assert.True(t, re.MatchString(good), good)
	}
	for _, bad := range []string{"Alice", "a b", "../x", "a;rm -rf /", "", "1alice", "a'b", "a/b", `a"b`, "a$(id)", "alice\n", strings.Repeat("a", 65)} {
		assert.False(t, re.MatchString(bad), "%q", bad)
	}
	// The same rule as the identity component's (validate.CheckUserName).
	for _, name := range []string{"alice.martin", "Alice", "a b", "../x", "a;rm -rf /", "x", "_x", "x_", strings.Repeat("b", 64), strings.Repeat("b", 65)} {
		assert.Equal(t, validate.CheckUserName(name) == "", re.MatchString(name), "%q", name)
	}
}

func TestValidateNamesEachBadField(t *testing.T) {
	require.NoError(t, sharedServices().Validate())
	for _, tc := range []struct {
		field  string
		mutate func(*vpnserver.BootConfig)
	}{
		{"BootConfig.Region", func(c *vpnserver.BootConfig) { c.Region = "mars-1" }},
		{"BootConfig.AllocationID", func(c *vpnserver.BootConfig) { c.AllocationID = "" }},
		{"BootConfig.AllocationID", func(c *vpnserver.BootConfig) { c.AllocationID = "eipalloc-x'; reboot" }},
		{"BootConfig.Bucket", func(c *vpnserver.BootConfig) { c.Bucket = "My_Bucket" }},
		{"BootConfig.PKIPrefix", func(c *vpnserver.BootConfig) { c.PKIPrefix = "pki" }},
		{"BootConfig.PKIPrefix", func(c *vpnserver.BootConfig) { c.PKIPrefix = "" }},
		{"BootConfig.ProfilesPrefix", func(c *vpnserver.BootConfig) { c.ProfilesPrefix = "../profiles/" }},
		{"BootConfig.ProfilesPrefix", func(c *vpnserver.BootConfig) { c.ProfilesPrefix = "pki/profiles/" }},
		{"BootConfig.KMSKeyARN", func(c *vpnserver.BootConfig) { c.KMSKeyARN = "alias/aws/s3" }},
		{"BootConfig.LogGroup", func(c *vpnserver.BootConfig) { c.LogGroup = "logs with spaces" }},
		{"BootConfig.ServerName", func(c *vpnserver.BootConfig) { c.ServerName = "" }},
		{"BootConfig.ServerName", func(c *vpnserver.BootConfig) { c.ServerName = "vpn.example.com; rm" }},
		{"BootConfig.Port", func(c *vpnserver.BootConfig) { c.Port = 0 }},
		{"BootConfig.Port", func(c *vpnserver.BootConfig) { c.Port = 65536 }},
		{"BootConfig.ClientCIDR", func(c *vpnserver.BootConfig) { c.ClientCIDR = "172.16.0.1/22" }},
		{"BootConfig.ClientCIDR", func(c *vpnserver.BootConfig) { c.ClientCIDR = "8.8.0.0/22" }},
		{"BootConfig.ClientCIDR", func(c *vpnserver.BootConfig) { c.ClientCIDR = "172.16.0.0/30" }},
		{"BootConfig.Routes", func(c *vpnserver.BootConfig) { c.Routes = nil }},
		{"BootConfig.Routes[1]", func(c *vpnserver.BootConfig) { c.Routes[1] = "10.10.0.0/33" }},
		{"BootConfig.Routes[2]", func(c *vpnserver.BootConfig) { c.Routes[2] = "172.16.0.0/16" }},
		{"BootConfig.Routes[3]", func(c *vpnserver.BootConfig) { c.Routes[3] = "10.10.0.0/16" }},
		{"BootConfig.DNSServer", func(c *vpnserver.BootConfig) { c.DNSServer = "dns" }},
		{"BootConfig.DNSServer", func(c *vpnserver.BootConfig) { c.DNSServer = "192.168.0.2" }},
		{"BootConfig.SearchDomains[1]", func(c *vpnserver.BootConfig) { c.SearchDomains[1] = "Internal Stage" }},
		{"BootConfig.SearchDomains[2]", func(c *vpnserver.BootConfig) { c.SearchDomains[2] = c.SearchDomains[0] }},
		{"BootConfig.VPCCIDR", func(c *vpnserver.BootConfig) { c.VPCCIDR = "10.0.0.0" }},
		{"BootConfig.VPCCIDR", func(c *vpnserver.BootConfig) { c.VPCCIDR = "172.16.0.0/12" }},
	} {
		c := sharedServices()
		tc.mutate(&c)
		err := c.Validate()
		var verr *validate.Error
		require.True(t, errors.As(err, &verr), "%s: a *validate.Error, got %v", tc.field, err)
		assert.True(t, verr.Has(tc.field), "%s: %v", tc.field, err)
		assert.Len(t, verr.Problems, 1, "only %s is wrong: %v", tc.field, err)
		_, rerr := vpnserver.RenderBootScript(c)
		assert.ErrorContains(t, rerr, tc.field, "nothing renders from a bad configuration")
		_, rerr = vpnserver.IssueProfileContent(c)
		assert.ErrorContains(t, rerr, tc.field)
	}

	// Every problem at once.
	c := sharedServices()
	c.Region, c.Port, c.SearchDomains = "", -1, []string{"x"}
	var verr *validate.Error
	require.ErrorAs(t, c.Validate(), &verr)
	for _, f := range []string{"BootConfig.Region", "BootConfig.Port", "BootConfig.SearchDomains[0]"} {
		assert.True(t, verr.Has(f), f)
	}
}

func TestScriptsPassBashAndShellcheck(t *testing.T) {
	bash := needs.Command(t, "bash", "bash", "check the VPN server's scripts")
	shellcheck := needs.Command(t, "shellcheck", "shellcheck", "check the VPN server's scripts")
	rendered := documentScripts(t)
	rendered["boot.sh"] = bootScript(t)
	dir := t.TempDir()
	for name, script := range rendered {
		path := filepath.Join(dir, name+".sh")
		require.NoError(t, os.WriteFile(path, []byte(script), 0o600))
		out, err := exec.Command(bash, "-n", path).CombinedOutput()
		assert.NoError(t, err, "bash -n %s:\n%s", name, out)
		out, err = exec.Command(shellcheck, "--severity=warning", "--shell=bash", "--format=gcc", path).CombinedOutput()
		assert.NoError(t, err, "shellcheck %s:\n%s", name, out)
	}
}

// newHost is a scratch root on which the scripts run against stand-ins
// (vpnservertest), answering as sharedServices' account.
func newHost(t *testing.T, s3 string) *vpnservertest.Host {
	t.Helper()
	return vpnservertest.New(t, s3, vpnservertest.Config{Region: "us-west-2", Bucket: testBucket, KMSKeyARN: testKMSKeyARN, InstanceID: testInstance})
}

func parseCert(t *testing.T, pemBytes []byte) *x509.Certificate {
	t.Helper()
	block, _ := pem.Decode(pemBytes)
	require.NotNil(t, block, "a PEM certificate")
	cert, err := x509.ParseCertificate(block.Bytes)
	require.NoError(t, err)
	return cert
}

func requireP256(t *testing.T, cert *x509.Certificate) {
	t.Helper()
	key, ok := cert.PublicKey.(*ecdsa.PublicKey)
	require.True(t, ok, "%s has an ECDSA key", cert.Subject.CommonName)
	assert.Equal(t, elliptic.P256(), key.Curve)
}

func parseCRL(t *testing.T, pemBytes []byte, ca *x509.Certificate) *x509.RevocationList {
	t.Helper()
	block, _ := pem.Decode(pemBytes)
	require.NotNil(t, block, "a PEM CRL")
	crl, err := x509.ParseRevocationList(block.Bytes)
	require.NoError(t, err)
	require.NoError(t, crl.CheckSignatureFrom(ca), "the CA signed the CRL")
	return crl
}

func revoked(crl *x509.RevocationList, serial string) bool {
	for _, e := range crl.RevokedCertificateEntries {
		if strings.EqualFold(e.SerialNumber.Text(16), strings.TrimLeft(serial, "0")) {
			return true
		}
	}
	return false
}

func TestScriptsRunAgainstStandIns(t *testing.T) {
	boot := bootScript(t)
	docs := documentScripts(t)
	issue, revoke := docs[vpnserver.IssueProfileDocument], docs[vpnserver.RevokeProfileDocument]
	s3 := t.TempDir()
	h := newHost(t, s3)

	// First boot: an empty bucket, so a new PKI, backed up.
	out, ok := h.Run(boot)
	require.True(t, ok, out)
	assert.Contains(t, h.Calls(), "aws ec2 associate-address --allocation-id "+testAlloc+" --instance-id "+testInstance+" --allow-reassociation")
	assert.Contains(t, h.Calls(), "systemctl enable --now openvpn-server@server.service")
	ca := parseCert(t, h.File("etc/vpnserver/pki/ca.crt"))
	assert.True(t, ca.IsCA)
	assert.Equal(t, "vpn.example.com CA", ca.Subject.CommonName)
	assert.Equal(t, x509.KeyUsageCertSign|x509.KeyUsageCRLSign, ca.KeyUsage)
	requireP256(t, ca)
	server := parseCert(t, h.File("etc/vpnserver/pki/issued/server.crt"))
	require.NoError(t, server.CheckSignatureFrom(ca))
	assert.Equal(t, "vpn.example.com", server.Subject.CommonName)
	assert.Equal(t, []string{"vpn.example.com"}, server.DNSNames)
	assert.Equal(t, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, server.ExtKeyUsage)
	assert.False(t, server.IsCA)
	requireP256(t, server)
	crl := parseCRL(t, h.File("etc/vpnserver/crl.pem"), ca)
	assert.Empty(t, crl.RevokedCertificateEntries, "a new CRL is empty")
	for _, f := range []string{"private/ca.key", "ca.crt", "issued/server.crt", "private/server.key", "tls-crypt.key", "index.txt", "serial", "crlnumber", "crl.pem", "openssl.cnf"} {
		assert.FileExists(t, filepath.Join(h.Bucket, "pki", f), "backed up")
	}
	info, err := os.Stat(filepath.Join(h.Root, "etc/vpnserver/pki/private/ca.key"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "the CA key is root's alone")
	info, err = os.Stat(filepath.Join(h.Root, "etc/vpnserver/crl.pem"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o644), info.Mode().Perm(), "nobody (OpenVPN after dropping privileges) reads the CRL")
	assert.Contains(t, string(h.File("etc/openvpn/server/server.conf")), "server 172.16.0.0 255.255.252.0\n")

	// Issue a profile: a client certificate of the CA, a key that matches
	// it, the server's tls-crypt key, in S3 only.
	out, ok = h.RunDocument(issue, "alice.martin")
	require.True(t, ok, out)
	profilePath := filepath.Join(h.Bucket, "profiles", "alice.martin.ovpn")
	profileBytes, err := os.ReadFile(profilePath)
	require.NoError(t, err)
	profile := string(profileBytes)
	assert.Contains(t, profile, "\nremote vpn.example.com 1194\n")
	assert.Equal(t, parseCert(t, vpnservertest.Inline(t, profile, "ca")).Raw, ca.Raw)
	client := parseCert(t, vpnservertest.Inline(t, profile, "cert"))
	require.NoError(t, client.CheckSignatureFrom(ca))
	assert.Equal(t, "alice.martin", client.Subject.CommonName)
	assert.Equal(t, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, client.ExtKeyUsage)
	requireP256(t, client)
	keyBlock, _ := pem.Decode(vpnservertest.Inline(t, profile, "key"))
	require.NotNil(t, keyBlock)
	key, err := x509.ParsePKCS8PrivateKey(keyBlock.Bytes)
	require.NoError(t, err)
	assert.True(t, key.(*ecdsa.PrivateKey).PublicKey.Equal(client.PublicKey), "the key is the certificate's")
	assert.Equal(t, h.File("etc/vpnserver/pki/tls-crypt.key"), vpnservertest.Inline(t, profile, "tls-crypt"))
	serial := strings.ToUpper(client.SerialNumber.Text(16))
	assert.Contains(t, out, "issued certificate")
	index, err := os.ReadFile(filepath.Join(h.Bucket, "pki", "index.txt"))
	require.NoError(t, err)
	assert.Regexp(t, `(?m)^V\t\S+\t\t0*`+serial+`\tunknown\t/CN=alice\.martin$`, string(index), "the backup records the certificate")
	matches, err := filepath.Glob(filepath.Join(h.Root, "etc/vpnserver/pki/*/*.key"))
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{filepath.Join(h.Root, "etc/vpnserver/pki/private/ca.key"), filepath.Join(h.Root, "etc/vpnserver/pki/private/server.key")}, matches, "the server keeps no client key")

	// A second profile for the same person is refused, and so is a bad name.
	out, ok = h.RunDocument(issue, "alice.martin")
	assert.False(t, ok)
	assert.Contains(t, out, "already has a valid certificate")
	assert.Contains(t, out, vpnserver.RevokeProfileDocument)
	for _, bad := range []string{"Alice", "../x", "a;touch pwned"} {
		out, ok = h.RunDocument(issue, bad)
		assert.False(t, ok, bad)
		assert.Contains(t, out, "must match", bad)
	}
	entries, err := os.ReadDir(filepath.Join(h.Bucket, "profiles"))
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no profile for a refused name")

	// Revoke: the CRL lists the certificate, in place and backed up; the profile is gone.
	out, ok = h.RunDocument(revoke, "alice.martin")
	require.True(t, ok, out)
	crl = parseCRL(t, h.File("etc/vpnserver/crl.pem"), ca)
	assert.True(t, revoked(crl, serial), "the CRL revokes %s", serial)
	backedUp, err := os.ReadFile(filepath.Join(h.Bucket, "pki", "crl.pem"))
	require.NoError(t, err)
	assert.Equal(t, h.File("etc/vpnserver/crl.pem"), backedUp)
	assert.NoFileExists(t, profilePath)
	out, ok = h.RunDocument(revoke, "alice.martin")
	assert.False(t, ok)
	assert.Contains(t, out, "no valid certificate")

	// After revocation a new profile can be issued.
	out, ok = h.RunDocument(issue, "alice.martin")
	require.True(t, ok, out)
	profileBytes, err = os.ReadFile(profilePath)
	require.NoError(t, err)
	second := parseCert(t, vpnservertest.Inline(t, string(profileBytes), "cert"))
	assert.NotEqual(t, client.SerialNumber, second.SerialNumber)

	// A replacement instance restores the same CA, server certificate and
	// revocations instead of creating new ones.
	replacement := newHost(t, s3)
	out, ok = replacement.Run(boot)
	require.True(t, ok, out)
	assert.Contains(t, out, "restoring the PKI")
	assert.Equal(t, ca.Raw, parseCert(t, replacement.File("etc/vpnserver/pki/ca.crt")).Raw)
	assert.Equal(t, server.Raw, parseCert(t, replacement.File("etc/vpnserver/pki/issued/server.crt")).Raw)
	assert.True(t, revoked(parseCRL(t, replacement.File("etc/vpnserver/crl.pem"), ca), serial))
	assert.True(t, bytes.Equal(h.File("etc/vpnserver/pki/tls-crypt.key"), replacement.File("etc/vpnserver/pki/tls-crypt.key")))
	// It knows the certificate issued on the first instance: no second one.
	out, ok = replacement.RunDocument(issue, "alice.martin")
	assert.False(t, ok)
	assert.Contains(t, out, "already has a valid certificate")
}
