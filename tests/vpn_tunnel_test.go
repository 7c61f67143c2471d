//go:build linux

package tests

import (
	"encoding/base64"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/components/vpnserver"
	"github.com/refarch/refarch/components/vpnserver/vpnservertest"
	"github.com/refarch/refarch/stacks/stack"
)

// vpnSite is the shared-services stack's VPN server as the plan renders
// it: the boot script (the launch template's user data) and the two
// documents' scripts.
type vpnSite struct {
	boot, issue, revoke string
	cfg                 vpnservertest.Config
}

func planVpnSite(t *testing.T) vpnSite {
	t.Helper()
	p := plan(t, "shared-services")
	lt := p.Require(t, "aws:ec2/launchTemplate:LaunchTemplate", "refarch-vpn")
	boot, err := base64.StdEncoding.DecodeString(lt.String("userData"))
	require.NoError(t, err)
	site := vpnSite{boot: string(boot)}
	for _, d := range p.ByType("aws:ssm/document:Document") {
		switch d.String("name") {
		case vpnserver.IssueProfileDocument:
			site.issue = vpnservertest.DocumentScript(t, d.String("content"))
		case vpnserver.RevokeProfileDocument:
			site.revoke = vpnservertest.DocumentScript(t, d.String("content"))
		}
	}
	require.NotEmpty(t, site.issue, "the plan has the issue-profile document")
	require.NotEmpty(t, site.revoke, "the plan has the revoke-profile document")
	site.cfg, err = vpnservertest.ConfigOf(site.boot)
	require.NoError(t, err)
	site.cfg.RealOpenVPN = true
	return site
}

// nthAddr is the address n after prefix's base.
func nthAddr(t *testing.T, prefix netip.Prefix, n int) netip.Addr {
	t.Helper()
	a := prefix.Masked().Addr()
	for range n {
		a = a.Next()
	}
	require.True(t, prefix.Contains(a))
	return a
}

// profileOf reads the profile the issue document wrote for user.
func profileOf(t *testing.T, h *vpnservertest.Host, user string) string {
	t.Helper()
	matches, err := filepath.Glob(filepath.Join(h.Bucket, "*", user+".ovpn"))
	require.NoError(t, err)
	require.Len(t, matches, 1, "one profile of %s in the bucket", user)
	b, err := os.ReadFile(matches[0])
	require.NoError(t, err)
	return string(b)
}

// withBlock replaces the body of a profile's inline <block> (or drops the
// block when body is empty).
func withBlock(t *testing.T, profile, block, body string) string {
	t.Helper()
	re := regexp.MustCompile(`(?s)<` + block + `>\n.*?</` + block + `>\n`)
	require.Len(t, re.FindAllString(profile, -1), 1, "the profile inlines one <%s>", block)
	if body == "" {
		return re.ReplaceAllLiteralString(profile, "")
	}
	return re.ReplaceAllLiteralString(profile, "<"+block+">\n"+body+"</"+block+">\n")
}

// TestVpnTunnel runs Debian's OpenVPN as the VPN server with exactly the
// configuration and PKI the shared-services stack's boot script produces,
// and as clients with the profiles its issue-profile document produces,
// in network namespaces standing for the Internet side of laptops, the
// server's host in the shared-services VPC, and prod's VPC with its
// internal load balancer. Only what assumes EC2 is a stand-in (metadata,
// the AWS CLI, systemctl: vpnservertest); openvpn, openssl, nft, sysctl
// and the files the script writes are the real ones.
func TestVpnTunnel(t *testing.T) {
	tunnelTools(t)
	if !asRoot(t) {
		return
	}
	site := planVpnSite(t)
	ss := stackConfig(t, "shared-services")
	domain := ss.Domain

	// What the stack intends, from the stack files: a route to the
	// shared-services VPC and to every application VPC, the
	// shared-services resolver (base + 2), the application stacks'
	// private zones as search domains (the first as the DOMAIN), the pool.
	wantRoutes := []string{ss.Accounts["shared-services"].VpcCIDR}
	var wantSearch []string
	for _, name := range stack.Names() {
		if role, _ := stack.RoleOf(name); role == stack.RoleApp {
			wantRoutes = append(wantRoutes, ss.Accounts[name].VpcCIDR)
			wantSearch = append(wantSearch, "internal."+name+"."+domain)
		}
	}
	ssVPC := netip.MustParsePrefix(ss.Accounts["shared-services"].VpcCIDR)
	prodVPC := netip.MustParsePrefix(ss.Accounts[stack.ProdStack].VpcCIDR)
	pool := ss.VpnClientCIDR
	wantOptions := []string{"dhcp-option DNS " + nthAddr(t, ssVPC, 2).String(), "dhcp-option DOMAIN " + wantSearch[0]}
	for _, d := range wantSearch {
		wantOptions = append(wantOptions, "dhcp-option DOMAIN-SEARCH "+d)
	}

	// The server's first boot, then profiles.
	srv := vpnservertest.New(t, t.TempDir(), site.cfg)
	out, ok := srv.Run(site.boot)
	require.True(t, ok, out)
	for _, call := range []string{
		"sysctl -q -p /etc/sysctl.d/90-vpnserver.conf",
		"systemctl enable --now vpnserver-nat.service",
		"systemctl enable --now openvpn-server@server.service",
	} {
		require.Contains(t, srv.Calls(), call, "the boot script asks for what the test now does for real")
	}
	for _, user := range []string{"alice.martin", "bob"} {
		out, ok := srv.RunDocument(site.issue, user)
		require.True(t, ok, out)
	}
	alice, bob := profileOf(t, srv, "alice.martin"), profileOf(t, srv, "bob")

	// A profile of another server's CA (another deployment's first boot),
	// used with this server's CA and tls-crypt key.
	other := vpnservertest.New(t, t.TempDir(), site.cfg)
	out, ok = other.Run(site.boot)
	require.True(t, ok, out)
	out, ok = other.RunDocument(site.issue, "carol")
	require.True(t, ok, out)
	carol := profileOf(t, other, "carol")
	foreign := withBlock(t, withBlock(t, alice, "cert", string(vpnservertest.Inline(t, carol, "cert"))), "key", string(vpnservertest.Inline(t, carol, "key")))
	// Certificates of this CA that no profile may carry: one whose
	// validity ended yesterday, one made for a server (serverAuth, not
	// clientAuth). openssl ca with the server's own CA configuration.
	expired := withCert(t, srv, alice, "erin", "server's client profile, expired", "-extensions", "client_cert",
		"-startdate", time.Now().AddDate(0, 0, -30).UTC().Format("20060102150405Z"),
		"-enddate", time.Now().AddDate(0, 0, -1).UTC().Format("20060102150405Z"))
	serverCert := withCert(t, srv, alice, "mallory", "a server certificate", "-extensions", "server_cert", "-days", "30")

	// The namespaces: two laptops on the Internet side, the VPN server's
	// host (its Elastic IP side and its VPC side), prod's VPC with the
	// internal load balancer, and a network no route is pushed for.
	vpn := newNetns(t, "vpn")
	app := newNetns(t, "app")
	stray := newNetns(t, "stray")
	laptops := []*netns{newNetns(t, "laptop1"), newNetns(t, "laptop2")}
	hosts := make([]string, len(laptops))
	for i, l := range laptops {
		// 198.18.0.0/15 is reserved for benchmarking networks (RFC 2544):
		// it stands for the Internet between a laptop and the Elastic IP.
		wan := netip.AddrFrom4([4]byte{198, 18, byte(i), 1})
		link(t, vpn, fmt.Sprintf("wan%d", i), wan.String()+"/30", l, "wan0", wan.Next().String()+"/30")
		// The laptop resolves the profile's remote (the Elastic IP's record).
		hosts[i] = filepath.Join(t.TempDir(), "hosts")
		require.NoError(t, os.WriteFile(hosts[i], []byte("127.0.0.1 localhost\n"+wan.String()+" vpn."+domain+"\n"), 0o644))
	}
	serverAddr := nthAddr(t, ssVPC, 10)
	alb := nthAddr(t, prodVPC, 256+10)
	link(t, vpn, "vpc0", serverAddr.String()+"/"+fmt.Sprint(ssVPC.Bits()), app, "vpc0", alb.String()+"/"+fmt.Sprint(prodVPC.Bits()))
	// The peering: each VPC routes the other's block, and nothing routes
	// the client pool, so replies reach clients only through the NAT.
	vpn.must("ip", "route", "add", prodVPC.String(), "dev", "vpc0")
	app.must("ip", "route", "add", ssVPC.String(), "dev", "vpc0")
	// 192.0.2.0/24 (TEST-NET-1, RFC 5737): a network the server's host
	// could reach and that answers anyone, but that no route is pushed for.
	link(t, vpn, "stray0", "192.0.2.1/24", stray, "stray0", "192.0.2.10/24")
	stray.must("ip", "route", "add", "default", "via", "192.0.2.1")
	albAddr := alb.String() + ":80"
	app.serve(albAddr, "internal-alb")
	stray.serve("192.0.2.10:80", "stray")

	// The server's host, as systemd would start it after the boot script:
	// its sysctl file and nftables table, then openvpn-server@server with
	// the script's configuration, PKI and CRL at their paths, in a mount
	// namespace of its own. AL2023 names the nogroup group "nobody"
	// (server.conf's `group nobody`): Debian's gets that name there too.
	vpn.must("sysctl", "-q", "-p", filepath.Join(srv.Root, "etc/sysctl.d/90-vpnserver.conf"))
	vpn.must("nft", "-f", filepath.Join(srv.Root, "etc/nftables/vpnserver.nft"))
	require.Equal(t, "1", strings.TrimSpace(vpn.must("cat", "/proc/sys/net/ipv4/ip_forward")))
	overlay := t.TempDir()
	serverLog := filepath.Join(srv.Root, "var/log/openvpn/openvpn.log")
	server := vpn.start("openvpn-server", "unshare", "--mount", "--propagation", "private", "bash", "-euc", `
mount -t tmpfs tmpfs "$2"
mkdir "$2/upper" "$2/work"
mount -t overlay overlay -o "lowerdir=/etc,upperdir=$2/upper,workdir=$2/work" /etc
grep -q '^nobody:' /etc/group || echo 'nobody:x:65534:' >>/etc/group
mkdir -p /etc/vpnserver /etc/openvpn/server
mount --bind "$1/etc/vpnserver" /etc/vpnserver
mount --bind "$1/etc/openvpn/server" /etc/openvpn/server
mount -t tmpfs tmpfs /var/log
mkdir /var/log/openvpn
mount --bind "$1/var/log/openvpn" /var/log/openvpn
cd /etc/openvpn/server
exec openvpn --suppress-timestamps --config server.conf
`, "server", srv.Root, overlay)
	waitFor(t, "the server starts", serverLog, 0, "Initialization Sequence Completed", 20*time.Second)
	serverTun := vpn.must("ip", "-4", "-o", "addr", "show", "dev", "tun0")
	assert.Contains(t, serverTun, " "+nthAddr(t, pool, 1).String()+"/"+fmt.Sprint(pool.Bits())+" ", "the server takes the pool's first address")

	// connect starts a client with a profile in a laptop, and returns it
	// with the file where its --up script wrote what the server pushed.
	connect := func(l int, name, profile string, extra ...string) (*process, string) {
		t.Helper()
		dir := t.TempDir()
		path := filepath.Join(dir, name+".ovpn")
		require.NoError(t, os.WriteFile(path, []byte(profile), 0o600))
		pushed := filepath.Join(dir, "pushed.env")
		up := filepath.Join(dir, "up.sh")
		require.NoError(t, os.WriteFile(up, []byte("#!/bin/sh\nenv >"+pushed+"\n"), 0o700))
		args := []string{"unshare", "--mount", "--propagation", "private", "bash", "-euc",
			`mount --bind "$1" /etc/hosts; shift; exec openvpn "$@"`, "client", hosts[l],
			"--config", path, "--script-security", "2", "--up", up, "--connect-retry", "1", "--connect-retry-max", "3"}
		return laptops[l].start(name, append(args, extra...)...), pushed
	}
	connected := func(p *process, what string) {
		t.Helper()
		waitFor(t, what, p.log, 0, "Initialization Sequence Completed", 20*time.Second)
	}
	// refused starts a client that the server must refuse: the server logs
	// reason, and the client never completes.
	refused := func(name, profile, reason string, extra ...string) {
		t.Helper()
		before := fileLen(t, serverLog)
		p, _ := connect(1, name, profile, extra...)
		waitFor(t, name+": the server refuses it", serverLog, before, reason, 20*time.Second)
		time.Sleep(500 * time.Millisecond)
		assert.NotContains(t, p.output(), "Initialization Sequence Completed", name)
		_, err := laptops[1].dial(albAddr)
		assert.Error(t, err, "%s reaches nothing", name)
		p.stop()
	}

	t.Run("no tunnel, no service", func(t *testing.T) {
		_, err := laptops[0].dial(albAddr)
		assert.Error(t, err, "the internal load balancer is unreachable without the tunnel")
	})

	aliceClient, alicePushed := connect(0, "alice", alice)
	connected(aliceClient, "alice connects")
	bobClient, _ := connect(1, "bob", bob)
	connected(bobClient, "bob connects")

	t.Run("hardened channel", func(t *testing.T) {
		log := aliceClient.output()
		assert.Regexp(t, `Control Channel: TLSv1\.[23], cipher TLSv1\.[23] `, log, "TLS 1.2 or later")
		assert.Contains(t, log, "peer certificate: 256 bits ECprime256v1", "the server's key is ECDSA P-256")
		assert.Contains(t, log, "VERIFY X509NAME OK: CN=vpn."+domain, "the client checked the server's name")
		assert.Contains(t, log, "++ Certificate has EKU (str) TLS Web Server Authentication, expects TLS Web Server Authentication")
		assert.Contains(t, log, "Data Channel: cipher 'AES-256-GCM'")
		assert.Contains(t, log, "dyn-tls-crypt", "tls-crypt wraps the control channel")
		srv := readFrom(t, serverLog, 0)
		assert.Contains(t, srv, "CRL: loaded 1 CRLs from file /etc/vpnserver/crl.pem")
		assert.Contains(t, srv, "UID set to nobody")
		assert.Contains(t, srv, "VERIFY OK: depth=0, CN=alice.martin")
		assert.NotContains(t, log, "WARNING", "the profile draws no warning from the client")
	})

	t.Run("pushed exactly the routes and search domains", func(t *testing.T) {
		env := envOf(t, alicePushed)
		var options, routes []string
		for k, v := range env {
			if strings.HasPrefix(k, "foreign_option_") {
				options = append(options, v)
			}
			if i, ok := strings.CutPrefix(k, "route_network_"); ok {
				ones, _ := net.IPMask(net.ParseIP(env["route_netmask_"+i]).To4()).Size()
				routes = append(routes, v+"/"+fmt.Sprint(ones))
			}
		}
		assert.ElementsMatch(t, wantOptions, options, "DNS server and search domains, nothing else")
		assert.ElementsMatch(t, wantRoutes, routes, "the VPCs' routes, nothing else")
		assert.Empty(t, env["redirect_gateway"], "no default route through the tunnel")
		local := netip.MustParseAddr(env["ifconfig_local"])
		assert.True(t, pool.Contains(local), "%s is in the pool %s", local, pool)

		// The laptop's routing table: its own link and default route, the
		// tunnel's subnet, one route per VPC through the server; nothing else.
		var table []string
		for line := range strings.Lines(laptops[0].must("ip", "-4", "route", "show")) {
			f := strings.Fields(line)
			table = append(table, strings.Join(f[:min(len(f), 5)], " "))
		}
		want := []string{"198.18.0.0/30 dev wan0 proto kernel", pool.String() + " dev tun0 proto kernel"}
		for _, r := range wantRoutes {
			want = append(want, r+" via "+nthAddr(t, pool, 1).String()+" dev tun0")
		}
		assert.ElementsMatch(t, want, table)
	})

	t.Run("the load balancer answers through the tunnel, translated", func(t *testing.T) {
		for i := range laptops {
			line, err := laptops[i].dial(albAddr)
			require.NoError(t, err, "laptop %d", i+1)
			assert.Equal(t, "internal-alb from "+serverAddr.String(), line, "the VPC sees the server's address, never the pool's")
		}
	})

	t.Run("nothing but the pushed routes", func(t *testing.T) {
		// The laptop routes TEST-NET-1 into the tunnel by hand: the
		// server's forwarding rules drop it.
		_, err := laptops[0].dial("192.0.2.10:80")
		assert.Error(t, err, "no route on the laptop")
		laptops[0].must("ip", "route", "add", "192.0.2.0/24", "dev", "tun0")
		_, err = laptops[0].dial("192.0.2.10:80")
		assert.Error(t, err, "the server forwards only to the pushed routes")
		line, err := vpn.dial("192.0.2.10:80")
		require.NoError(t, err, "the network itself answers the server's host")
		assert.Equal(t, "stray from 192.0.2.1", line)
		laptops[0].must("ip", "route", "del", "192.0.2.0/24", "dev", "tun0")
	})

	t.Run("the pool", func(t *testing.T) {
		// topology subnet: the server takes the first address, the pool
		// the rest but the broadcast address.
		size := 1<<(32-pool.Bits()) - 3
		assert.Contains(t, readFrom(t, serverLog, 0), fmt.Sprintf("IFCONFIG POOL IPv4: base=%s size=%d", nthAddr(t, pool, 2), size))
		a := netip.MustParseAddr(ifAddr(t, laptops[0]))
		b := netip.MustParseAddr(ifAddr(t, laptops[1]))
		assert.NotEqual(t, a, b, "each client its own address")
		for _, addr := range []netip.Addr{a, b} {
			assert.True(t, pool.Contains(addr), "%s in %s", addr, pool)
			assert.NotEqual(t, nthAddr(t, pool, 1), addr, "not the server's")
		}
	})

	// Refusals, one client at a time from the second laptop.
	bobClient.stop()
	t.Run("refused clients", func(t *testing.T) {
		refused("no-tls-crypt", withBlock(t, alice, "tls-crypt", ""), "tls-crypt unwrap error")
		refused("other-ca", foreign, "VERIFY ERROR: depth=0, error=unable to get local issuer certificate")
		refused("expired", expired, "VERIFY ERROR: depth=0, error=certificate has expired")
		refused("server-certificate", serverCert, "VERIFY ERROR: depth=0, error=unsuitable certificate purpose")
		refused("tls-1.1", bob, "unsupported protocol", "--tls-version-min", "1.0", "--tls-version-max", "1.1", "--tls-cipher", "DEFAULT:@SECLEVEL=0")
		refused("weak-cipher", bob, "No common cipher", "--data-ciphers", "AES-128-CBC", "--cipher", "AES-128-CBC")
	})

	t.Run("a revoked profile", func(t *testing.T) {
		out, ok := srv.RunDocument(site.revoke, "bob")
		require.True(t, ok, out)
		refused("revoked", bob, "VERIFY ERROR: depth=0, error=certificate revoked")
	})

	t.Run("one profile, one device", func(t *testing.T) {
		// Without duplicate-cn, a second connection with a profile takes
		// the session over and the first is dropped.
		// Source: https://openvpn.net/community-resources/reference-manual-for-openvpn-2-6/ (--duplicate-cn)
		before := fileLen(t, serverLog)
		second, _ := connect(1, "alice-again", alice)
		connected(second, "the second device connects")
		assert.Contains(t, readFrom(t, serverLog, before), "new connection by client 'alice.martin' will cause previous active sessions by this client to be dropped")
		line, err := laptops[1].dial(albAddr)
		require.NoError(t, err)
		assert.Equal(t, "internal-alb from "+serverAddr.String(), line)
		_, err = laptops[0].dial(albAddr)
		assert.Error(t, err, "the first device lost its session")
		second.stop()
	})

	aliceClient.stop()
	server.stop()
	t.Run("gone with the tunnel", func(t *testing.T) {
		_, err := laptops[0].dial(albAddr)
		assert.Error(t, err)
		assert.NotContains(t, laptops[0].must("ip", "-4", "route", "show"), "tun0")
	})
}

// withCert issues a certificate for name with the server's CA (openssl ca
// with the script's configuration and extra arguments) and returns
// profile with it and its key in place of the profile's own.
func withCert(t *testing.T, h *vpnservertest.Host, profile, name, what string, extra ...string) string {
	t.Helper()
	dir := t.TempDir()
	pki := filepath.Join(h.Root, "etc/vpnserver/pki")
	key, csr, crt := filepath.Join(dir, "key.pem"), filepath.Join(dir, "req.pem"), filepath.Join(dir, "crt.pem")
	run := func(args ...string) {
		cmd := exec.Command("openssl", args...)
		cmd.Env = append(os.Environ(), "VPNSERVER_PKI="+pki)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s: openssl %s: %s", what, strings.Join(args, " "), out)
	}
	cnf := filepath.Join(pki, "openssl.cnf")
	run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key)
	run("req", "-new", "-config", cnf, "-key", key, "-subj", "/CN="+name, "-out", csr)
	run(append([]string{"ca", "-batch", "-config", cnf, "-notext", "-in", csr, "-out", crt}, extra...)...)
	c, err := os.ReadFile(crt)
	require.NoError(t, err)
	k, err := os.ReadFile(key)
	require.NoError(t, err)
	return withBlock(t, withBlock(t, profile, "cert", string(c)), "key", string(k))
}

// envOf reads the environment an --up script dumped.
func envOf(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	env := map[string]string{}
	for line := range strings.Lines(string(b)) {
		if k, v, ok := strings.Cut(strings.TrimSuffix(line, "\n"), "="); ok {
			env[k] = v
		}
	}
	return env
}

// ifAddr is the address of tun0 in a namespace.
func ifAddr(t *testing.T, n *netns) string {
	t.Helper()
	f := strings.Fields(n.must("ip", "-4", "-o", "addr", "show", "dev", "tun0"))
	i := slices.Index(f, "inet")
	require.GreaterOrEqual(t, i, 0)
	addr, _, _ := strings.Cut(f[i+1], "/")
	return addr
}

func fileLen(t *testing.T, path string) int64 {
	t.Helper()
	info, err := os.Stat(path)
	require.NoError(t, err)
	return info.Size()
}

func readFrom(t *testing.T, path string, offset int64) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b[min(offset, int64(len(b))):])
}
