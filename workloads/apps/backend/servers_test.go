package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/workloads/apps/contract"
)

// The test servers: a throwaway PostgreSQL and Memcached, both with TLS
// only, on free loopback ports, started by the tests themselves and
// stopped at their end (t.Cleanup), for the integration tests and the
// benchmark. Their binaries are required: a missing one fails the test
// with the install command, never skips it.

// installHint is how CI (Debian, root) gets the servers.
const installHint = "apt-get install postgresql memcached"

// pki is a test CA, a server certificate it signed for 127.0.0.1 and
// localhost, and a second CA that signed nothing the servers present.
type pki struct {
	// caFile and otherCAFile are PEM files of the two CAs.
	caFile, otherCAFile string
	// caPool holds the CA.
	caPool *x509.CertPool
	// certPEM and keyPEM are the server's certificate and key.
	certPEM, keyPEM []byte
}

// newPKI makes the certificates, the CA files in dir.
func newPKI(tb testing.TB, dir string) *pki {
	tb.Helper()
	caCert, caKey := newCA(tb, "refarch test CA")
	otherCert, _ := newCA(tb, "refarch other CA")
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(tb, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(3),
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	require.NoError(tb, err)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(tb, err)
	p := &pki{
		caFile:      filepath.Join(dir, "ca.pem"),
		otherCAFile: filepath.Join(dir, "other-ca.pem"),
		caPool:      x509.NewCertPool(),
		certPEM:     pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		keyPEM:      pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
	}
	p.caPool.AddCert(caCert)
	require.NoError(tb, os.WriteFile(p.caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caCert.Raw}), 0o600))
	require.NoError(tb, os.WriteFile(p.otherCAFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: otherCert.Raw}), 0o600))
	return p
}

// newCA makes a self-signed CA.
func newCA(tb testing.TB, name string) (*x509.Certificate, *ecdsa.PrivateKey) {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(tb, err)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(tb, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(tb, err)
	return cert, key
}

// clientTLS is the cache's TLS configuration trusting the test CA.
func (p *pki) clientTLS() *tls.Config {
	return &tls.Config{RootCAs: p.caPool, MinVersion: tls.VersionTLS12}
}

// serverUser is who runs the servers: PostgreSQL refuses to run as root
// (and memcached without -u), so as root the servers run as nobody, with
// their files chowned to it. It is nil when not root.
func serverUser(tb testing.TB) *syscall.Credential {
	tb.Helper()
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("nobody")
	require.NoError(tb, err, "running the test servers as root needs the user nobody")
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	require.NoError(tb, err)
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	require.NoError(tb, err)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
}

// serverDir makes a directory the server user owns, removed at the end.
// t.TempDir's parents are root's and closed to others, so it is made
// directly under the system's temporary directory.
func serverDir(tb testing.TB, cred *syscall.Credential, pattern string) string {
	tb.Helper()
	dir, err := os.MkdirTemp("", pattern)
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = os.RemoveAll(dir) })
	chown(tb, cred, dir)
	return dir
}

// writeServerFile writes a file the server user owns, 0600.
func writeServerFile(tb testing.TB, cred *syscall.Credential, path string, data []byte) {
	tb.Helper()
	require.NoError(tb, os.WriteFile(path, data, 0o600))
	chown(tb, cred, path)
}

// chown gives path to cred's user (nothing when not root).
func chown(tb testing.TB, cred *syscall.Credential, path string) {
	tb.Helper()
	if cred != nil {
		require.NoError(tb, os.Chown(path, int(cred.Uid), int(cred.Gid)))
	}
}

// serverCommand is name args, run as cred in dir with a minimal
// environment.
func serverCommand(cred *syscall.Credential, dir, name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LC_ALL=C", "TZ=UTC"}
	if cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
	return cmd
}

// freePort returns a loopback TCP port free a moment ago.
func freePort(tb testing.TB) int {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(tb, ln.Close())
	return port
}

// postgresBinDir finds the directory holding initdb, postgres and pg_ctl:
// the one of initdb on PATH, else the newest /usr/lib/postgresql/*/bin
// (Debian puts none of them on PATH).
func postgresBinDir(tb testing.TB) string {
	tb.Helper()
	var dirs []string
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			dirs = append(dirs, filepath.Dir(real))
		}
		dirs = append(dirs, filepath.Dir(p))
	}
	versioned, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(versioned, func(a, b string) int {
		va, _ := strconv.Atoi(filepath.Base(filepath.Dir(a)))
		vb, _ := strconv.Atoi(filepath.Base(filepath.Dir(b)))
		return vb - va
	})
	dirs = append(dirs, versioned...)
	for _, d := range dirs {
		if executable(filepath.Join(d, "initdb")) && executable(filepath.Join(d, "postgres")) && executable(filepath.Join(d, "pg_ctl")) {
			return d
		}
	}
	tb.Fatalf("PostgreSQL server binaries (initdb, postgres, pg_ctl) are not on PATH nor in /usr/lib/postgresql/*/bin: install them with `%s`", installHint)
	return ""
}

// memcachedBin finds memcached on PATH.
func memcachedBin(tb testing.TB) string {
	tb.Helper()
	p, err := exec.LookPath("memcached")
	if err != nil {
		tb.Fatalf("memcached is not on PATH: install it with `%s`", installHint)
	}
	return p
}

// executable tells whether path is an executable file.
func executable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// pgServer is a throwaway PostgreSQL cluster: TLS only (pg_hba.conf has
// one hostssl line), scram-sha-256, on 127.0.0.1.
type pgServer struct {
	bin, dir, data, logFile string
	cred                    *syscall.Credential
	// port is the TCP port on 127.0.0.1.
	port int
	// master and masterPassword are the superuser's credentials.
	master, masterPassword string
	// caFile is the CA bundle its certificate chains to.
	caFile string
}

// startPostgres initializes and starts a cluster, stopped at the end.
func startPostgres(tb testing.TB, p *pki) *pgServer {
	tb.Helper()
	cred := serverUser(tb)
	s := &pgServer{bin: postgresBinDir(tb), cred: cred, port: freePort(tb), master: "postgres", masterPassword: rand.Text(), caFile: p.caFile}
	s.dir = serverDir(tb, cred, "backend-pg-")
	s.data = filepath.Join(s.dir, "data")
	s.logFile = filepath.Join(s.dir, "postgres.log")
	pwfile := filepath.Join(s.dir, "pwfile")
	writeServerFile(tb, cred, pwfile, []byte(s.masterPassword+"\n"))
	s.exec(tb, "initdb", "-D", s.data, "-U", s.master, "--pwfile="+pwfile, "--auth=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync")
	require.NoError(tb, os.Remove(pwfile))
	crt, key := filepath.Join(s.dir, "server.crt"), filepath.Join(s.dir, "server.key")
	writeServerFile(tb, cred, crt, p.certPEM)
	writeServerFile(tb, cred, key, p.keyPEM)
	conf := fmt.Sprintf(`
listen_addresses = '127.0.0.1'
port = %d
unix_socket_directories = '%s'
ssl = on
ssl_cert_file = '%s'
ssl_key_file = '%s'
fsync = off
synchronous_commit = off
full_page_writes = off
`, s.port, s.dir, crt, key)
	f, err := os.OpenFile(filepath.Join(s.data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(tb, err)
	_, err = f.WriteString(conf)
	require.NoError(tb, err)
	require.NoError(tb, f.Close())
	writeServerFile(tb, cred, filepath.Join(s.data, "pg_hba.conf"), []byte("hostssl all all 127.0.0.1/32 scram-sha-256\n"))
	s.start(tb)
	tb.Cleanup(func() {
		cmd := serverCommand(cred, s.dir, filepath.Join(s.bin, "pg_ctl"), "-D", s.data, "-m", "immediate", "-w", "stop")
		_ = cmd.Run() // already stopped is fine
		if tb.Failed() {
			if log, err := os.ReadFile(s.logFile); err == nil {
				tb.Logf("postgres log:\n%s", log)
			}
		}
	})
	return s
}

// exec runs one of the cluster's programs as the server user.
func (s *pgServer) exec(tb testing.TB, name string, args ...string) {
	tb.Helper()
	out, err := serverCommand(s.cred, s.dir, filepath.Join(s.bin, name), args...).CombinedOutput()
	require.NoError(tb, err, "%s %s:\n%s", name, strings.Join(args, " "), out)
}

// start starts the server and waits for it (pg_ctl -w).
func (s *pgServer) start(tb testing.TB) {
	tb.Helper()
	s.exec(tb, "pg_ctl", "-D", s.data, "-l", s.logFile, "-w", "-t", "60", "start")
}

// stop stops it (fast: ends the sessions).
func (s *pgServer) stop(tb testing.TB) {
	tb.Helper()
	s.exec(tb, "pg_ctl", "-D", s.data, "-m", "fast", "-w", "stop")
}

// database is the coordinates of name on this server.
func (s *pgServer) database(name string) database {
	return database{host: "127.0.0.1", port: s.port, name: name, caBundle: s.caFile}
}

// connect connects as the master user to dbname, with TLS verify-full.
func (s *pgServer) connect(tb testing.TB, dbname string) *pgx.Conn {
	tb.Helper()
	conn, err := connectMaster(context.Background(), migrateConfig{db: s.database(dbname), username: s.master, password: s.masterPassword})
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// memcachedServer is a memcached with TLS only (-Z), on 127.0.0.1.
type memcachedServer struct {
	bin, dir, crt, key string
	cred               *syscall.Credential
	port               int
	cmd                *exec.Cmd
	out                *syncBuffer
	pki                *pki
}

// startMemcached starts memcached, stopped at the end.
func startMemcached(tb testing.TB, p *pki) *memcachedServer {
	tb.Helper()
	cred := serverUser(tb)
	m := &memcachedServer{bin: memcachedBin(tb), cred: cred, port: freePort(tb), out: &syncBuffer{}, pki: p}
	m.dir = serverDir(tb, cred, "backend-memcached-")
	m.crt, m.key = filepath.Join(m.dir, "server.crt"), filepath.Join(m.dir, "server.key")
	writeServerFile(tb, cred, m.crt, p.certPEM)
	writeServerFile(tb, cred, m.key, p.keyPEM)
	m.start(tb)
	tb.Cleanup(func() {
		m.stop()
		if tb.Failed() {
			tb.Logf("memcached output:\n%s", m.out.String())
		}
	})
	return m
}

// endpoint is its host:port.
func (m *memcachedServer) endpoint() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(m.port))
}

// start starts it on its port and waits until a TLS handshake succeeds.
func (m *memcachedServer) start(tb testing.TB) {
	tb.Helper()
	m.cmd = serverCommand(m.cred, m.dir, m.bin, "-Z", "-o", "ssl_chain_cert="+m.crt+",ssl_key="+m.key,
		"-l", "127.0.0.1", "-p", strconv.Itoa(m.port), "-U", "0", "-m", "64", "-t", "2")
	m.cmd.Stdout, m.cmd.Stderr = m.out, m.out
	require.NoError(tb, m.cmd.Start())
	cfg := m.pki.clientTLS()
	cfg.ServerName = "127.0.0.1"
	deadline := time.Now().Add(15 * time.Second)
	for {
		conn, err := tls.DialWithDialer(&net.Dialer{Timeout: time.Second}, "tcp", m.endpoint(), cfg)
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

// stop kills it, if running.
func (m *memcachedServer) stop() {
	if m.cmd == nil || m.cmd.Process == nil {
		return
	}
	_ = m.cmd.Process.Kill()
	_ = m.cmd.Wait()
	m.cmd = nil
}

// syncBuffer is a bytes.Buffer safe for concurrent writers (the logs of
// a running service).
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write implements io.Writer.
func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written.
func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// staticTokens is the TokenSource of the tests: the app role's password
// in place of an IAM token, counting the connections it authenticated.
type staticTokens struct {
	password string
	mu       sync.Mutex
	calls    int
}

// Token implements TokenSource.
func (s *staticTokens) Token(context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	return s.password, nil
}

// count is how many tokens were asked for.
func (s *staticTokens) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// stack is both servers, a database for the notes, and the backend's
// environment on them.
type stack struct {
	pki *pki
	pg  *pgServer
	mc  *memcachedServer
	// dbName is the notes' database.
	dbName string
	// appPassword is what the tokens give (set by setAppPassword).
	appPassword string
	// signingKey is SESSION_SIGNING_KEY's value.
	signingKey string
	tokens     *staticTokens
	// logs gets every output of the commands run on the stack.
	logs *syncBuffer
}

// startStack starts both servers and creates the notes' database; the
// schema is the migration's (s.migrate).
func startStack(tb testing.TB) *stack {
	tb.Helper()
	p := newPKI(tb, tb.TempDir())
	s := &stack{pki: p, pg: startPostgres(tb, p), mc: startMemcached(tb, p), dbName: "refarch_notes",
		appPassword: rand.Text(), signingKey: "test-signing-key-" + rand.Text(), logs: &syncBuffer{}}
	s.tokens = &staticTokens{password: s.appPassword}
	_, err := s.pg.connect(tb, "postgres").Exec(context.Background(), "CREATE DATABASE "+s.dbName)
	require.NoError(tb, err)
	return s
}

// env is the environment of serve and migrate, with overrides.
func (s *stack) env(overrides map[string]string) func(string) string {
	env := map[string]string{
		contract.EnvDBHost:            "127.0.0.1",
		contract.EnvDBPort:            strconv.Itoa(s.pg.port),
		contract.EnvDBName:            s.dbName,
		contract.EnvDBUser:            contract.AppRole,
		contract.EnvDBCABundle:        s.pki.caFile,
		contract.EnvCacheEndpoint:     s.mc.endpoint(),
		contract.EnvSessionSigningKey: s.signingKey,
		contract.EnvDBUsername:        s.pg.master,
		contract.EnvDBPassword:        s.pg.masterPassword,
		contract.EnvLogLevel:          "debug",
	}
	for k, v := range overrides {
		env[k] = v
	}
	return func(k string) string { return env[k] }
}

// deps are the tests' replacements: the static tokens, the test CA.
func (s *stack) deps() deps {
	return deps{tokens: func(string) TokenSource { return s.tokens }, cacheTLS: s.pki.clientTLS()}
}

// migrate runs `backend migrate`, requires success and returns its log.
func (s *stack) migrate(tb testing.TB) string {
	tb.Helper()
	code, out := s.runMigrate(nil)
	require.Equal(tb, exitOK, code, "migrate:\n%s", out)
	return out
}

// runMigrate runs `backend migrate` with overrides and returns its status
// and output (stdout and stderr).
func (s *stack) runMigrate(overrides map[string]string) (int, string) {
	var out syncBuffer
	w := io.MultiWriter(&out, s.logs)
	code := run(context.Background(), []string{"migrate"}, s.env(overrides), w, w)
	return code, out.String()
}

// setAppPassword gives the app role a password, so that the static
// tokens log in (a test-only step: on RDS the role has rds_iam and no
// password).
func (s *stack) setAppPassword(tb testing.TB) {
	tb.Helper()
	conn := s.pg.connect(tb, s.dbName)
	_, err := conn.Exec(context.Background(), fmt.Sprintf("ALTER ROLE %s PASSWORD '%s'", pgx.Identifier{contract.AppRole}.Sanitize(), s.appPassword))
	require.NoError(tb, err)
}

// openStore opens the real Store as the app role.
func (s *stack) openStore(tb testing.TB) *pgStore {
	tb.Helper()
	st, err := openStore(context.Background(), s.pg.database(s.dbName), nil, contract.AppRole, s.deps().tokens)
	require.NoError(tb, err)
	tb.Cleanup(st.Close)
	return st
}

// openCache opens the real Cache.
func (s *stack) openCache(tb testing.TB) *memcached {
	tb.Helper()
	c, err := newMemcached(s.mc.endpoint(), s.pki.clientTLS())
	require.NoError(tb, err)
	return c
}

// backendProc is `backend serve` running in-process on a free port.
type backendProc struct {
	// url is its origin, https://127.0.0.1:port.
	url    string
	client *http.Client
	cancel context.CancelFunc
	done   chan int
}

// startBackend runs serve on the stack (with env overrides) and waits
// until it answers /backend/healthz; it is stopped at owner's end (a
// test that outlives tb's subtest) if still running.
func (s *stack) startBackend(tb, owner testing.TB, overrides map[string]string) *backendProc {
	tb.Helper()
	port := freePort(tb)
	env := map[string]string{contract.EnvPort: strconv.Itoa(port)}
	for k, v := range overrides {
		env[k] = v
	}
	ctx, cancel := context.WithCancel(context.Background())
	b := &backendProc{
		url:    "https://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		cancel: cancel,
		done:   make(chan int, 1),
		client: &http.Client{
			Timeout: 10 * time.Second,
			// The service's certificate is self-signed at start, as the
			// load balancer (which does not verify targets) expects.
			Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}},
		},
	}
	go func() { b.done <- runWith(ctx, nil, s.env(env), s.logs, s.logs, s.deps()) }()
	owner.Cleanup(func() { b.stop(owner) })
	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case code := <-b.done:
			b.done <- code
			tb.Fatalf("backend exited with %d:\n%s", code, s.logs.String())
		default:
		}
		resp, err := b.client.Get(b.url + "/backend/healthz")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return b
			}
		}
		if time.Now().After(deadline) {
			tb.Fatalf("backend did not start: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop stops it (as SIGTERM does) and returns its exit status.
func (b *backendProc) stop(tb testing.TB) int {
	tb.Helper()
	b.cancel()
	select {
	case code := <-b.done:
		b.done <- code
		return code
	case <-time.After(30 * time.Second):
		tb.Fatalf("backend did not stop")
		return -1
	}
}
