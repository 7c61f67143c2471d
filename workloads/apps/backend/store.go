package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// connectTimeout bounds a connection attempt (TCP, TLS and authentication).
const connectTimeout = 5 * time.Second

// Note is one note, as the API returns it.
type Note struct {
	// ID is the note's id, increasing.
	ID int64 `json:"id"`
	// Text is what was posted, 1-1000 characters.
	Text string `json:"text"`
	// CreatedAt is when the note was stored (microseconds, UTC).
	CreatedAt time.Time `json:"createdAt"`
}

// Store is the notes' database.
type Store interface {
	// ListNotes returns up to limit notes, newest first, after the
	// cursor when it is not nil.
	ListNotes(ctx context.Context, limit int, after *Cursor) ([]Note, error)
	// CreateNote stores a note and returns it.
	CreateNote(ctx context.Context, text string) (Note, error)
	// Ping checks each database answers SELECT 1.
	Ping(ctx context.Context) error
}

// pgStore is the Store on PostgreSQL: writes on the writer, lists on the
// reader (the first replica, or the writer when there is none).
type pgStore struct {
	writer, reader *pgxpool.Pool
}

// openStore makes the pools (connecting lazily, so the service starts and
// reports unready while the database is down). tokens gives each
// endpoint's password source.
func openStore(ctx context.Context, db database, readerHosts []string, user string, tokens func(endpoint string) TokenSource) (*pgStore, error) {
	writer, err := openPool(ctx, db, db.host, user, tokens)
	if err != nil {
		return nil, err
	}
	s := &pgStore{writer: writer, reader: writer}
	if len(readerHosts) > 0 {
		// Keep it simple: one reader pool on the first replica.
		if s.reader, err = openPool(ctx, db, readerHosts[0], user, tokens); err != nil {
			writer.Close()
			return nil, err
		}
	}
	return s, nil
}

// openPool makes a pool on host whose every new connection authenticates
// with a fresh token: pgxpool calls BeforeConnect with a copy of the
// connection config before each connection it makes.
// Source: https://pkg.go.dev/github.com/jackc/pgx/v5/pgxpool#Config
func openPool(ctx context.Context, db database, host, user string, tokens func(endpoint string) TokenSource) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(connString(db, host, user))
	if err != nil {
		return nil, fmt.Errorf("database %s: %w", host, err)
	}
	if err := checkVerifyFull(cfg.ConnConfig); err != nil {
		return nil, err
	}
	ts := tokens(net.JoinHostPort(host, strconv.Itoa(db.port)))
	cfg.BeforeConnect = func(ctx context.Context, cc *pgx.ConnConfig) error {
		tok, err := ts.Token(ctx)
		if err != nil {
			return fmt.Errorf("getting the database password: %w", err)
		}
		cc.Password = tok
		return nil
	}
	// A few connections per task: RDS's max_connections is shared by
	// every task (and the migration), and a notes request holds one
	// connection for one short query.
	cfg.MaxConns = 8
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("database %s: %w", host, err)
	}
	return pool, nil
}

// connString is the URL of host's database as user, with TLS verify-full
// against the CA bundle (the server's certificate must chain to it and
// name host), and no password: it is set apart, never in a string that an
// error could quote.
// Sources: https://pkg.go.dev/github.com/jackc/pgx/v5/pgconn#ParseConfig,
// https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/PostgreSQL.Concepts.General.SSL.html
func connString(db database, host, user string) string {
	q := url.Values{}
	q.Set("sslmode", "verify-full")
	q.Set("sslrootcert", db.caBundle)
	q.Set("connect_timeout", strconv.Itoa(int(connectTimeout/time.Second)))
	q.Set("application_name", "backend")
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User(user),
		Host:     net.JoinHostPort(host, strconv.Itoa(db.port)),
		Path:     "/" + db.name,
		RawQuery: q.Encode(),
	}
	return u.String()
}

// checkVerifyFull makes sure the parsed config encrypts and verifies, and
// has no plaintext fallback (pgx reads PG* variables too, which must not
// weaken it).
func checkVerifyFull(cc *pgx.ConnConfig) error {
	if cc.TLSConfig == nil || cc.TLSConfig.InsecureSkipVerify || cc.TLSConfig.ServerName != cc.Host {
		return errors.New("database: TLS verification of the host name is off")
	}
	for _, f := range cc.Fallbacks {
		if f.TLSConfig == nil {
			return errors.New("database: a plaintext fallback is configured")
		}
	}
	return nil
}

// ListNotes implements Store with keyset pagination on (created_at, id),
// which the index notes_created_at_id_idx serves.
func (s *pgStore) ListNotes(ctx context.Context, limit int, after *Cursor) ([]Note, error) {
	var rows pgx.Rows
	var err error
	if after == nil {
		rows, err = s.reader.Query(ctx,
			`SELECT id, text, created_at FROM notes ORDER BY created_at DESC, id DESC LIMIT $1`, limit)
	} else {
		rows, err = s.reader.Query(ctx,
			`SELECT id, text, created_at FROM notes WHERE (created_at, id) < ($1, $2)
			 ORDER BY created_at DESC, id DESC LIMIT $3`, after.CreatedAt, after.ID, limit)
	}
	if err != nil {
		return nil, fmt.Errorf("listing notes: %w", err)
	}
	notes, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Note, error) {
		var n Note
		err := r.Scan(&n.ID, &n.Text, &n.CreatedAt)
		n.CreatedAt = n.CreatedAt.UTC()
		return n, err
	})
	if err != nil {
		return nil, fmt.Errorf("listing notes: %w", err)
	}
	return notes, nil
}

// CreateNote implements Store.
func (s *pgStore) CreateNote(ctx context.Context, text string) (Note, error) {
	n := Note{Text: text}
	err := s.writer.QueryRow(ctx,
		`INSERT INTO notes (text) VALUES ($1) RETURNING id, created_at`, text).Scan(&n.ID, &n.CreatedAt)
	if err != nil {
		return Note{}, fmt.Errorf("creating a note: %w", err)
	}
	n.CreatedAt = n.CreatedAt.UTC()
	return n, nil
}

// Ping implements Store: SELECT 1 on the writer, and on the reader when
// it is another pool.
func (s *pgStore) Ping(ctx context.Context) error {
	pools := []*pgxpool.Pool{s.writer}
	if s.reader != s.writer {
		pools = append(pools, s.reader)
	}
	for _, p := range pools {
		var one int
		if err := p.QueryRow(ctx, `SELECT 1`).Scan(&one); err != nil {
			return fmt.Errorf("database %s: %w", p.Config().ConnConfig.Host, err)
		}
	}
	return nil
}

// Close closes the pools.
func (s *pgStore) Close() {
	if s.reader != s.writer {
		s.reader.Close()
	}
	s.writer.Close()
}
