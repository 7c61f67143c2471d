package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"time"

	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// appRole is the backend's login role, which its migration creates
// (workloads/apps/contract.AppRole).
const appRole = "app"

// invalidPassword is PostgreSQL's SQLSTATE for a failed password
// authentication.
// Source: https://www.postgresql.org/docs/current/errcodes-appendix.html
const invalidPassword = "28P01"

// maxBundleBytes bounds the CA bundle download (AWS's global bundle is
// about 200 KB).
const maxBundleBytes = 2 << 20

// fetchCABundle downloads the CA bundle over https (the system's roots
// authenticate the trust store) and parses it.
func fetchCABundle(ctx context.Context, client *http.Client, url string) (*x509.CertPool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("downloading the CA bundle %s: %w", url, err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("downloading the CA bundle %s: %s", url, resp.Status)
	}
	pem, err := io.ReadAll(io.LimitReader(resp.Body, maxBundleBytes))
	if err != nil {
		return nil, fmt.Errorf("reading the CA bundle %s: %w", url, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("the CA bundle %s holds no certificate", url)
	}
	return pool, nil
}

// pgCheck returns the check connecting with TLS verify-full against roots:
// the server's certificate must chain to them and name the host. It tries
// each password in turn while the server refuses the password, then reads
// what the migration creates: the notes table and its index, the app role,
// and the table's rows (a count proves the table's pages were restored).
func pgCheck(roots *x509.CertPool) checkFunc {
	return func(ctx context.Context, t target) (string, error) {
		var last error
		for _, password := range t.passwords {
			found, err := pgCheckOnce(ctx, roots, t, password)
			var pgErr *pgconn.PgError
			if errors.As(err, &pgErr) && pgErr.Code == invalidPassword {
				last = err
				continue
			}
			return found, err
		}
		if last == nil {
			last = errors.New("no password to try")
		}
		return "", fmt.Errorf("logging in to the restored database as %s: %w", t.user, last)
	}
}

func pgCheckOnce(ctx context.Context, roots *x509.CertPool, t target, password string) (string, error) {
	cfg, err := pgx.ParseConfig("sslmode=verify-full")
	if err != nil {
		return "", err
	}
	cfg.Host, cfg.Port, cfg.Database, cfg.User, cfg.Password = t.host, uint16(t.port), t.database, t.user, password
	cfg.ConnectTimeout = 10 * time.Second
	cfg.TLSConfig = &tls.Config{RootCAs: roots, ServerName: t.host, MinVersion: tls.VersionTLS12}
	cfg.Fallbacks = nil // TLS or nothing
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return "", fmt.Errorf("connecting to %s: %w", net.JoinHostPort(t.host, strconv.Itoa(t.port)), err)
	}
	defer func() { _ = conn.Close(context.WithoutCancel(ctx)) }()
	var table, index, role bool
	if err := conn.QueryRow(ctx, `SELECT to_regclass('public.notes') IS NOT NULL,
		to_regclass('public.notes_created_at_id_idx') IS NOT NULL,
		EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, appRole).Scan(&table, &index, &role); err != nil {
		return "", fmt.Errorf("reading the catalog: %w", err)
	}
	var missing []string
	for what, ok := range map[string]bool{"the notes table": table, "the notes index": index, "the role " + appRole: role} {
		if !ok {
			missing = append(missing, what)
		}
	}
	if len(missing) > 0 {
		return "", fmt.Errorf("the restored database lacks what the migration creates: %v", sortedStrings(missing))
	}
	var rows int64
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM notes`).Scan(&rows); err != nil {
		return "", fmt.Errorf("reading the notes table: %w", err)
	}
	return fmt.Sprintf("TLS connection to %s; notes table (%d rows), its index and role %s restored", t.host, rows, appRole), nil
}

// isNotFound is Secrets Manager's answer for a version stage no version
// holds.
func isNotFound(err error) bool {
	var nf *smtypes.ResourceNotFoundException
	return errors.As(err, &nf)
}

// sortedStrings sorts a copy of s.
func sortedStrings(s []string) []string {
	out := append([]string(nil), s...)
	slices.Sort(out)
	return out
}
