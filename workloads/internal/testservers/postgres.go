package testservers

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// Postgres is a throwaway PostgreSQL cluster: TLS only (pg_hba.conf has
// hostssl lines only), scram-sha-256, on 127.0.0.1, with fsync off.
type Postgres struct {
	// Port is the TCP port on 127.0.0.1.
	Port int
	// Master and MasterPassword are the superuser's credentials.
	Master, MasterPassword string
	// CAFile is the CA bundle its certificate chains to.
	CAFile string

	bin, dir, data, logFile string
	cred                    *syscall.Credential
}

// StartPostgres initializes and starts a cluster presenting p's
// certificate, stopped at the end (and its log printed when the test
// failed). The roles named in trusted log in over TLS without a password
// (the trust method): a service that authenticates with a token only its
// real database checks, such as an RDS IAM authentication token, can then
// run unchanged. Every other role needs its password.
// Source: https://www.postgresql.org/docs/current/auth-trust.html
func StartPostgres(tb testing.TB, p *PKI, trusted ...string) *Postgres {
	tb.Helper()
	cred := serverUser(tb)
	s := &Postgres{bin: postgresBinDir(tb), cred: cred, Port: FreePort(tb), Master: "postgres", MasterPassword: rand.Text(), CAFile: p.CAFile}
	s.dir = serverDir(tb, cred, "testservers-pg-")
	s.data = filepath.Join(s.dir, "data")
	s.logFile = filepath.Join(s.dir, "postgres.log")
	pwfile := filepath.Join(s.dir, "pwfile")
	writeServerFile(tb, cred, pwfile, []byte(s.MasterPassword+"\n"))
	s.exec(tb, "initdb", "-D", s.data, "-U", s.Master, "--pwfile="+pwfile, "--auth=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync")
	require.NoError(tb, os.Remove(pwfile))
	crt, key := filepath.Join(s.dir, "server.crt"), filepath.Join(s.dir, "server.key")
	writeServerFile(tb, cred, crt, p.CertPEM)
	writeServerFile(tb, cred, key, p.KeyPEM)
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
`, s.Port, s.dir, crt, key)
	f, err := os.OpenFile(filepath.Join(s.data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(tb, err)
	_, err = f.WriteString(conf)
	require.NoError(tb, err)
	require.NoError(tb, f.Close())
	// The first matching line decides: the trusted roles, then everyone
	// else with a password.
	var hba strings.Builder
	for _, role := range trusted {
		require.NotContains(tb, role, " ", "a role name for pg_hba.conf")
		fmt.Fprintf(&hba, "hostssl all %s 127.0.0.1/32 trust\n", role)
	}
	hba.WriteString("hostssl all all 127.0.0.1/32 scram-sha-256\n")
	writeServerFile(tb, cred, filepath.Join(s.data, "pg_hba.conf"), []byte(hba.String()))
	s.Start(tb)
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
func (s *Postgres) exec(tb testing.TB, name string, args ...string) {
	tb.Helper()
	out, err := serverCommand(s.cred, s.dir, filepath.Join(s.bin, name), args...).CombinedOutput()
	require.NoError(tb, err, "%s %s:\n%s", name, strings.Join(args, " "), out)
}

// Start starts the server and waits for it (pg_ctl -w).
func (s *Postgres) Start(tb testing.TB) {
	tb.Helper()
	s.exec(tb, "pg_ctl", "-D", s.data, "-l", s.logFile, "-w", "-t", "60", "start")
}

// Stop stops it (fast: ends the sessions).
func (s *Postgres) Stop(tb testing.TB) {
	tb.Helper()
	s.exec(tb, "pg_ctl", "-D", s.data, "-m", "fast", "-w", "stop")
}

// Connect connects as the master user to dbname, with TLS verify-full
// against CAFile; the connection is closed at the end.
func (s *Postgres) Connect(tb testing.TB, dbname string) *pgx.Conn {
	tb.Helper()
	q := url.Values{"sslmode": {"verify-full"}, "sslrootcert": {s.CAFile}}
	u := url.URL{Scheme: "postgres", User: url.UserPassword(s.Master, s.MasterPassword),
		Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port)), Path: "/" + dbname, RawQuery: q.Encode()}
	conn, err := pgx.Connect(context.Background(), u.String())
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// CreateDatabase creates the database name (an identifier, quoted).
func (s *Postgres) CreateDatabase(tb testing.TB, name string) {
	tb.Helper()
	_, err := s.Connect(tb, "postgres").Exec(context.Background(), "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	require.NoError(tb, err)
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
	tb.Fatalf("PostgreSQL server binaries (initdb, postgres, pg_ctl) are not on PATH nor in /usr/lib/postgresql/*/bin: install them with `%s`", InstallHint)
	return ""
}
