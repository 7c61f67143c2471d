package main

import (
	"context"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/workloads/internal/testservers"
)

// migration is what the backend's migration creates
// (workloads/apps/backend/migrate.go), which the check reads.
var migration = []string{
	`CREATE TABLE notes (id bigserial PRIMARY KEY, text text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`,
	`CREATE INDEX notes_created_at_id_idx ON notes (created_at DESC, id DESC)`,
	`CREATE ROLE app LOGIN`,
	`INSERT INTO notes (text) VALUES ('one'), ('two')`,
}

func pool(t *testing.T, file string) *x509.CertPool {
	t.Helper()
	pem, err := os.ReadFile(file)
	require.NoError(t, err)
	p := x509.NewCertPool()
	require.True(t, p.AppendCertsFromPEM(pem))
	return p
}

// TestTheCheckReadsTheMigrationsObjectsOverVerifiedTLS runs the check
// against a real PostgreSQL that accepts TLS connections only.
func TestTheCheckReadsTheMigrationsObjectsOverVerifiedTLS(t *testing.T) {
	p := testservers.NewPKI(t, t.TempDir())
	pg := testservers.StartPostgres(t, p)
	pg.CreateDatabase(t, "app")
	pg.CreateDatabase(t, "empty")
	conn := pg.Connect(t, "app")
	for _, sql := range migration {
		_, err := conn.Exec(context.Background(), sql)
		require.NoError(t, err, sql)
	}
	ctx := context.Background()
	tg := func(db string, passwords ...string) target {
		return target{host: "127.0.0.1", port: pg.Port, database: db, user: pg.Master, passwords: passwords}
	}

	t.Run("restored: found, with the previous password", func(t *testing.T) {
		found, err := pgCheck(pool(t, p.CAFile))(ctx, tg("app", "rotated-since", pg.MasterPassword))
		require.NoError(t, err)
		assert.Contains(t, found, "2 rows")
		assert.Contains(t, found, "TLS")
	})
	t.Run("a server the bundle does not vouch for", func(t *testing.T) {
		_, err := pgCheck(pool(t, p.OtherCAFile))(ctx, tg("app", pg.MasterPassword))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "certificate")
	})
	t.Run("a database without the migration's objects", func(t *testing.T) {
		_, err := pgCheck(pool(t, p.CAFile))(ctx, tg("empty", pg.MasterPassword))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "the notes table")
		assert.Contains(t, err.Error(), "the notes index")
	})
	t.Run("no password works", func(t *testing.T) {
		_, err := pgCheck(pool(t, p.CAFile))(ctx, tg("app", "a", "b"))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "logging in")
		assert.Contains(t, err.Error(), invalidPassword)
	})
}

func TestTheCABundleIsDownloadedAndParsed(t *testing.T) {
	p := testservers.NewPKI(t, t.TempDir())
	caPEM, err := os.ReadFile(p.CAFile)
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.HandleFunc("/bundle.pem", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(caPEM) })
	mux.HandleFunc("/empty.pem", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("not a certificate")) })
	srv := httptest.NewTLSServer(mux)
	t.Cleanup(srv.Close)
	ctx := context.Background()

	roots, err := fetchCABundle(ctx, srv.Client(), srv.URL+"/bundle.pem")
	require.NoError(t, err)
	assert.True(t, roots.Equal(pool(t, p.CAFile)), "exactly the bundle's certificates")

	_, err = fetchCABundle(ctx, srv.Client(), srv.URL+"/empty.pem")
	assert.ErrorContains(t, err, "no certificate")
	_, err = fetchCABundle(ctx, srv.Client(), srv.URL+"/missing.pem")
	assert.ErrorContains(t, err, "404")
	_, err = fetchCABundle(ctx, http.DefaultClient, srv.URL+"/bundle.pem")
	assert.ErrorContains(t, err, "certificate", "the trust store's own certificate is verified")
}
