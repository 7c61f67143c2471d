package main

import (
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/workloads/apps/contract"
)

// The integration tests run the real migration and service against a
// real PostgreSQL and Memcached (workloads/internal/testservers), both
// TLS only.

// answer is one HTTP answer.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// call makes a request to the backend.
func (b *backendProc) call(t *testing.T, method, path, body string) answer {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, b.url+path, strings.NewReader(body))
	require.NoError(t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := b.client.Do(req)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return answer{status: resp.StatusCode, header: resp.Header, body: data}
}

// list gets a page and requires 200.
func (b *backendProc) list(t *testing.T, query string) (notesPage, answer) {
	t.Helper()
	a := b.call(t, http.MethodGet, "/backend/notes"+query, "")
	require.Equal(t, http.StatusOK, a.status, string(a.body))
	var p notesPage
	require.NoError(t, json.Unmarshal(a.body, &p))
	return p, a
}

// post creates a note and requires 201.
func (b *backendProc) post(t *testing.T, text string) Note {
	t.Helper()
	a := b.call(t, http.MethodPost, "/backend/notes", fmt.Sprintf(`{"text":%q}`, text))
	require.Equal(t, http.StatusCreated, a.status, string(a.body))
	var n Note
	require.NoError(t, json.Unmarshal(a.body, &n))
	return n
}

// ready gets /backend/readyz.
func (b *backendProc) ready(t *testing.T) (int, readiness) {
	t.Helper()
	a := b.call(t, http.MethodGet, "/backend/readyz", "")
	var r readiness
	require.NoError(t, json.Unmarshal(a.body, &r), string(a.body))
	return a.status, r
}

// waitReady polls readiness until 200.
func (b *backendProc) waitReady(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		status, r := b.ready(t)
		if status == http.StatusOK {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready after 30 s: %+v", r)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// schemaState is what the migration decides, to compare runs.
type schemaState struct {
	tableOID       uint32
	tableGrants    []string
	sequenceUsage  bool
	sequenceUpdate bool
	memberOfIAM    bool
	canLogin       bool
	superuser      bool
	createRole     bool
	indexDef       string
	notes          int
}

// readSchema reads the state as the master user.
func readSchema(t *testing.T, conn *pgx.Conn) schemaState {
	t.Helper()
	ctx := t.Context()
	var s schemaState
	require.NoError(t, conn.QueryRow(ctx, `SELECT 'notes'::regclass::oid`).Scan(&s.tableOID))
	rows, err := conn.Query(ctx, `SELECT privilege_type FROM information_schema.role_table_grants
		WHERE grantee = $1 AND table_name = 'notes' ORDER BY 1`, contract.AppRole)
	require.NoError(t, err)
	s.tableGrants, err = pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	require.NoError(t, conn.QueryRow(ctx, `SELECT has_sequence_privilege($1, 'notes_id_seq', 'USAGE'),
		has_sequence_privilege($1, 'notes_id_seq', 'UPDATE')`, contract.AppRole).Scan(&s.sequenceUsage, &s.sequenceUpdate))
	require.NoError(t, conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam')
		AND pg_has_role($1::name, 'rds_iam', 'MEMBER')`, contract.AppRole).Scan(&s.memberOfIAM))
	require.NoError(t, conn.QueryRow(ctx, `SELECT rolcanlogin, rolsuper, rolcreaterole FROM pg_roles WHERE rolname = $1`,
		contract.AppRole).Scan(&s.canLogin, &s.superuser, &s.createRole))
	require.NoError(t, conn.QueryRow(ctx, `SELECT indexdef FROM pg_indexes WHERE indexname = 'notes_created_at_id_idx'`).Scan(&s.indexDef))
	require.NoError(t, conn.QueryRow(ctx, `SELECT count(*) FROM notes`).Scan(&s.notes))
	return s
}

func TestIntegration(t *testing.T) {
	s := startStack(t)
	parent := t
	master := s.pg.Connect(t, s.dbName)
	ctx := t.Context()

	t.Run("migrate is idempotent and grants rds_iam where it exists", func(t *testing.T) {
		log := s.migrate(t)
		assert.Contains(t, log, `"msg":"created role","role":"app"`)
		assert.Contains(t, log, `"msg":"no rds_iam role (not RDS): IAM authentication not granted"`)
		first := readSchema(t, master)
		assert.False(t, first.memberOfIAM)

		// As on RDS: the role exists, the migration grants it.
		_, err := master.Exec(ctx, `CREATE ROLE rds_iam NOLOGIN`)
		require.NoError(t, err)
		log = s.migrate(t)
		assert.Contains(t, log, `"msg":"role exists"`)
		assert.Contains(t, log, `"msg":"granted rds_iam"`)
		second := readSchema(t, master)
		assert.Equal(t, schemaState{
			tableOID:      first.tableOID,
			tableGrants:   []string{"INSERT", "SELECT"},
			sequenceUsage: true,
			memberOfIAM:   true,
			canLogin:      true,
			indexDef:      "CREATE INDEX notes_created_at_id_idx ON public.notes USING btree (created_at DESC, id DESC)",
		}, second)

		// Once more changes nothing, and keeps the data.
		_, err = master.Exec(ctx, `INSERT INTO notes (text) VALUES ('kept across migrations')`)
		require.NoError(t, err)
		log = s.migrate(t)
		assert.Contains(t, log, `"msg":"role already has rds_iam"`)
		assert.NotContains(t, log, "created role")
		third := readSchema(t, master)
		second.notes = 1
		assert.Equal(t, second, third)

		// A right granted by hand is taken back: exactly SELECT, INSERT.
		_, err = master.Exec(ctx, `GRANT UPDATE, DELETE ON notes TO app`)
		require.NoError(t, err)
		s.migrate(t)
		assert.Equal(t, []string{"INSERT", "SELECT"}, readSchema(t, master).tableGrants)
		_, err = master.Exec(ctx, `DELETE FROM notes`)
		require.NoError(t, err)
	})

	// Test-only: the app role gets a password, which the injected
	// TokenSource gives in place of an IAM token.
	s.setAppPassword(t)

	t.Run("the app role can read and insert, nothing else", func(t *testing.T) {
		cfg, err := pgx.ParseConfig(connString(pgDatabase(s.pg, s.dbName), "127.0.0.1", contract.AppRole))
		require.NoError(t, err)
		cfg.Password = s.appPassword
		conn, err := pgx.ConnectConfig(ctx, cfg)
		require.NoError(t, err)
		defer func() { _ = conn.Close(ctx) }()
		for _, sql := range []string{`DELETE FROM notes`, `UPDATE notes SET text = 'x'`, `TRUNCATE notes`, `CREATE TABLE mine (id int)`} {
			_, err := conn.Exec(ctx, sql)
			var pgErr *pgconn.PgError
			require.ErrorAs(t, err, &pgErr, sql)
			assert.Equal(t, "42501", pgErr.Code, "insufficient_privilege: %s", sql)
		}
	})

	var b *backendProc
	var created []Note
	t.Run("notes are served and cached", func(t *testing.T) {
		before := s.tokens.count()
		b = s.startBackend(t, parent, nil)
		b.waitReady(t)
		assert.Greater(t, s.tokens.count(), before, "BeforeConnect asked the TokenSource")
		for _, text := range []string{"one", "two", "three"} {
			created = append(created, b.post(t, text))
		}
		assert.Less(t, created[0].ID, created[1].ID)
		p, a := b.list(t, "")
		assert.Equal(t, []string{"three", "two", "one"}, texts(p.Notes))
		assert.Equal(t, "miss", a.header.Get("X-Cache"))
		_, a = b.list(t, "")
		assert.Equal(t, "hit", a.header.Get("X-Cache"))

		created = append(created, b.post(t, "four"))
		p, a = b.list(t, "")
		assert.Equal(t, "miss", a.header.Get("X-Cache"), "a POST invalidates")
		assert.Equal(t, []string{"four", "three", "two", "one"}, texts(p.Notes))

		first, _ := b.list(t, "?limit=3")
		require.NotEmpty(t, first.NextCursor)
		next, _ := b.list(t, "?limit=3&cursor="+first.NextCursor)
		assert.Equal(t, []string{"one"}, texts(next.Notes))
		assert.Empty(t, next.NextCursor)
		bad := b.call(t, http.MethodGet, "/backend/notes?cursor=x"+first.NextCursor, "")
		assert.Equal(t, http.StatusBadRequest, bad.status)
		assert.JSONEq(t, `{"error":"invalid cursor"}`, string(bad.body))
	})

	t.Run("notes survive a restart of the backend", func(t *testing.T) {
		require.NotNil(t, b)
		require.Equal(t, exitOK, b.stop(t))
		_, err := http.Get(b.url + "/backend/healthz")
		require.Error(t, err, "stopped")
		// Nothing cached may answer for the database: a new generation.
		require.NoError(t, s.openCache(t).Set(ctx, versionKey, []byte("RESTARTED"), 0))
		b = s.startBackend(t, parent, nil)
		p, a := b.list(t, "")
		assert.Equal(t, "miss", a.header.Get("X-Cache"))
		assert.Equal(t, []string{"four", "three", "two", "one"}, texts(p.Notes))
		assert.Equal(t, created[3].ID, p.Notes[0].ID)
		assert.True(t, created[3].CreatedAt.Equal(p.Notes[0].CreatedAt))
	})

	t.Run("a dead cache is only a miss", func(t *testing.T) {
		require.NotNil(t, b)
		s.mc.Stop()
		start := time.Now()
		p, a := b.list(t, "")
		assert.Less(t, time.Since(start), 2*time.Second)
		assert.Equal(t, "miss", a.header.Get("X-Cache"))
		assert.Equal(t, []string{"four", "three", "two", "one"}, texts(p.Notes))
		n := b.post(t, "five")
		p, _ = b.list(t, "")
		assert.Equal(t, n.ID, p.Notes[0].ID)
		status, r := b.ready(t)
		assert.Equal(t, http.StatusServiceUnavailable, status)
		assert.Equal(t, map[string]string{"database": "ok", "cache": "failed"}, r.Checks)
		assert.Contains(t, s.logs.String(), `"level":"WARN","msg":"cache read failed, serving from the database"`)

		s.mc.Start(t)
		b.waitReady(t)
		_, a = b.list(t, "")
		assert.Equal(t, "miss", a.header.Get("X-Cache"))
		_, a = b.list(t, "")
		assert.Equal(t, "hit", a.header.Get("X-Cache"))
	})

	t.Run("readiness follows the database", func(t *testing.T) {
		require.NotNil(t, b)
		s.pg.Stop(t)
		status, r := b.ready(t)
		assert.Equal(t, http.StatusServiceUnavailable, status)
		assert.Equal(t, map[string]string{"database": "failed", "cache": "ok"}, r.Checks)
		assert.Equal(t, "unavailable: database", r.Error)
		a := b.call(t, http.MethodPost, "/backend/notes", `{"text":"lost"}`)
		assert.Equal(t, http.StatusInternalServerError, a.status)
		assert.JSONEq(t, `{"error":"internal error"}`, string(a.body))

		s.pg.Start(t)
		b.waitReady(t)
		b.post(t, "six")
		p, _ := b.list(t, "?limit=1")
		assert.Equal(t, []string{"six"}, texts(p.Notes))
	})

	t.Run("plaintext connections are refused", func(t *testing.T) {
		_, err := pgx.Connect(ctx, fmt.Sprintf("host=127.0.0.1 port=%d dbname=%s user=%s password=%s sslmode=disable",
			s.pg.Port, s.dbName, s.pg.Master, s.pg.MasterPassword))
		var pgErr *pgconn.PgError
		require.ErrorAs(t, err, &pgErr)
		assert.Equal(t, "28000", pgErr.Code, "invalid_authorization_specification")
		assert.Contains(t, pgErr.Message, "no encryption")
	})

	t.Run("verify-full rejects a CA that did not sign the server", func(t *testing.T) {
		db := pgDatabase(s.pg, s.dbName)
		db.caBundle = s.pki.OtherCAFile
		st, err := openStore(ctx, db, nil, contract.AppRole, s.deps().tokens)
		require.NoError(t, err)
		defer st.Close()
		err = st.Ping(ctx)
		var unknown x509.UnknownAuthorityError
		require.True(t, errors.As(err, &unknown), "%v", err)

		code, out := s.runMigrate(map[string]string{contract.EnvDBCABundle: s.pki.OtherCAFile})
		assert.Equal(t, exitFailure, code)
		assert.Contains(t, out, "certificate signed by unknown authority")

		// The same CA, the right one, on a name the certificate has.
		db.caBundle, db.host = s.pki.CAFile, "localhost"
		st2, err := openStore(ctx, db, nil, contract.AppRole, s.deps().tokens)
		require.NoError(t, err)
		defer st2.Close()
		require.NoError(t, st2.Ping(ctx))
	})

	t.Run("lists go to the reader when there is one", func(t *testing.T) {
		// 127.0.0.1 is the writer; "localhost" is the same server by
		// another name, standing in for a replica.
		db := pgDatabase(s.pg, s.dbName)
		st, err := openStore(ctx, db, []string{"localhost"}, contract.AppRole, s.deps().tokens)
		require.NoError(t, err)
		defer st.Close()
		assert.Equal(t, "localhost", st.reader.Config().ConnConfig.Host)
		assert.Equal(t, "127.0.0.1", st.writer.Config().ConnConfig.Host)
		notes, err := st.ListNotes(ctx, 1, nil)
		require.NoError(t, err)
		assert.Equal(t, []string{"six"}, texts(notes))
		require.NoError(t, st.Ping(ctx))
	})

	t.Run("no secret reaches the logs", func(t *testing.T) {
		require.Equal(t, exitOK, b.stop(t))
		logs := s.logs.String()
		require.Contains(t, logs, `"msg":"serving"`)
		for name, secret := range map[string]string{
			contract.EnvSessionSigningKey: s.signingKey,
			contract.EnvDBPassword:        s.pg.MasterPassword,
			"the app role's password":     s.appPassword,
		} {
			assert.NotContains(t, logs, secret, name)
		}
	})
}
