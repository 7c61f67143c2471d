package testservers

import (
	"crypto/tls"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Memcached is a memcached with TLS only (-Z), on 127.0.0.1.
type Memcached struct {
	// Port is the TCP port on 127.0.0.1.
	Port int

	bin, dir, crt, key string
	cred               *syscall.Credential
	cmd                *exec.Cmd
	out                *SyncBuffer
	pki                *PKI
}

// StartMemcached starts memcached presenting p's certificate, stopped at
// the end (and its output printed when the test failed).
func StartMemcached(tb testing.TB, p *PKI) *Memcached {
	tb.Helper()
	cred := serverUser(tb)
	m := &Memcached{bin: memcachedBin(tb), cred: cred, Port: FreePort(tb), out: &SyncBuffer{}, pki: p}
	m.dir = serverDir(tb, cred, "testservers-memcached-")
	m.crt, m.key = filepath.Join(m.dir, "server.crt"), filepath.Join(m.dir, "server.key")
	writeServerFile(tb, cred, m.crt, p.CertPEM)
	writeServerFile(tb, cred, m.key, p.KeyPEM)
	m.Start(tb)
	tb.Cleanup(func() {
		m.Stop()
		if tb.Failed() {
			tb.Logf("memcached output:\n%s", m.out.String())
		}
	})
	return m
}

// Endpoint is its host:port.
func (m *Memcached) Endpoint() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(m.Port))
}

// Start starts it on its port and waits until a TLS handshake succeeds.
func (m *Memcached) Start(tb testing.TB) {
	tb.Helper()
	m.cmd = serverCommand(m.cred, m.dir, m.bin, "-Z", "-o", "ssl_chain_cert="+m.crt+",ssl_key="+m.key,
		"-l", "127.0.0.1", "-p", strconv.Itoa(m.Port), "-U", "0", "-m", "64", "-t", "2")
	m.cmd.Stdout, m.cmd.Stderr = m.out, m.out
	require.NoError(tb, m.cmd.Start())
	cfg := m.pki.ClientTLS()
	cfg.ServerName = "127.0.0.1"
	deadline := time.Now().Add(15 * time.Second)
	for {
		conn, err := tls.DialWithDialer(&net.Dialer{Timeout: time.Second}, "tcp", m.Endpoint(), cfg)
		if err == nil {
			_ = conn.Close()
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("memcached did not start: %v\n%s", err, m.out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop kills it, if running.
func (m *Memcached) Stop() {
	if m.cmd == nil || m.cmd.Process == nil {
		return
	}
	_ = m.cmd.Process.Kill()
	_ = m.cmd.Wait()
	m.cmd = nil
}

// memcachedBin finds memcached on PATH.
func memcachedBin(tb testing.TB) string {
	tb.Helper()
	p, err := exec.LookPath("memcached")
	if err != nil {
		tb.Fatalf("memcached is not on PATH: install it with `%s`", InstallHint)
	}
	return p
}
