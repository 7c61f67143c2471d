package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/workloads/apps/contract"
	"github.com/refarch/refarch/workloads/internal/testservers"
)

// The test servers (workloads/internal/testservers): a throwaway
// PostgreSQL and Memcached, both with TLS only, on free loopback ports,
// started by the tests themselves and stopped at their end, for the
// integration tests and the benchmark. Their binaries are required: a
// missing one fails the test with the install command, never skips it.

// pgDatabase is the coordinates of the database name on pg.
func pgDatabase(pg *testservers.Postgres, name string) database {
	return database{host: "127.0.0.1", port: pg.Port, name: name, caBundle: pg.CAFile}
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
	pki *testservers.PKI
	pg  *testservers.Postgres
	mc  *testservers.Memcached
	// dbName is the notes' database.
	dbName string
	// appPassword is what the tokens give (set by setAppPassword).
	appPassword string
	// signingKey is SESSION_SIGNING_KEY's value.
	signingKey string
	tokens     *staticTokens
	// logs gets every output of the commands run on the stack.
	logs *testservers.SyncBuffer
}

// startStack starts both servers and creates the notes' database; the
// schema is the migration's (s.migrate).
func startStack(tb testing.TB) *stack {
	tb.Helper()
	p := testservers.NewPKI(tb, tb.TempDir())
	s := &stack{pki: p, pg: testservers.StartPostgres(tb, p), mc: testservers.StartMemcached(tb, p), dbName: "refarch_notes",
		appPassword: rand.Text(), signingKey: "test-signing-key-" + rand.Text(), logs: &testservers.SyncBuffer{}}
	s.tokens = &staticTokens{password: s.appPassword}
	s.pg.CreateDatabase(tb, s.dbName)
	return s
}

// env is the environment of serve and migrate, with overrides.
func (s *stack) env(overrides map[string]string) func(string) string {
	env := map[string]string{
		contract.EnvDBHost:            "127.0.0.1",
		contract.EnvDBPort:            strconv.Itoa(s.pg.Port),
		contract.EnvDBName:            s.dbName,
		contract.EnvDBUser:            contract.AppRole,
		contract.EnvDBCABundle:        s.pki.CAFile,
		contract.EnvCacheEndpoint:     s.mc.Endpoint(),
		contract.EnvSessionSigningKey: s.signingKey,
		contract.EnvDBUsername:        s.pg.Master,
		contract.EnvDBPassword:        s.pg.MasterPassword,
		contract.EnvLogLevel:          "debug",
	}
	for k, v := range overrides {
		env[k] = v
	}
	return func(k string) string { return env[k] }
}

// deps are the tests' replacements: the static tokens, the test CA.
func (s *stack) deps() deps {
	return deps{tokens: func(string) TokenSource { return s.tokens }, cacheTLS: s.pki.ClientTLS()}
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
	var out testservers.SyncBuffer
	w := io.MultiWriter(&out, s.logs)
	code := run(context.Background(), []string{"migrate"}, s.env(overrides), w, w)
	return code, out.String()
}

// setAppPassword gives the app role a password, so that the static
// tokens log in (a test-only step: on RDS the role has rds_iam and no
// password).
func (s *stack) setAppPassword(tb testing.TB) {
	tb.Helper()
	conn := s.pg.Connect(tb, s.dbName)
	_, err := conn.Exec(context.Background(), fmt.Sprintf("ALTER ROLE %s PASSWORD '%s'", pgx.Identifier{contract.AppRole}.Sanitize(), s.appPassword))
	require.NoError(tb, err)
}

// openStore opens the real Store as the app role.
func (s *stack) openStore(tb testing.TB) *pgStore {
	tb.Helper()
	st, err := openStore(context.Background(), pgDatabase(s.pg, s.dbName), nil, contract.AppRole, s.deps().tokens)
	require.NoError(tb, err)
	tb.Cleanup(st.Close)
	return st
}

// openCache opens the real Cache.
func (s *stack) openCache(tb testing.TB) *memcached {
	tb.Helper()
	c, err := newMemcached(s.mc.Endpoint(), s.pki.ClientTLS())
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
	port := testservers.FreePort(tb)
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
