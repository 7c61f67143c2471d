package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/refarch/refarch/workloads/apps/internal/server"
)

// The API's limits.
const (
	// defaultLimit and maxLimit bound a page's size (?limit=).
	defaultLimit = 20
	maxLimit     = 100
	// maxTextRunes is a note's longest text, in characters.
	maxTextRunes = 1000
	// maxBodyBytes bounds a request body (a 1000-character note in JSON,
	// even all escaped, fits).
	maxBodyBytes = 16 << 10
	// queryTimeout bounds one database call of a request.
	queryTimeout = 5 * time.Second
	// readyTimeout bounds the readiness checks together.
	readyTimeout = 2 * time.Second
	// pageTTL is how long a cached page lives, at most: a missed
	// invalidation is healed by then.
	pageTTL = 30 * time.Second
)

// versionKey holds the cached pages' generation: a POST replaces it, which
// orphans every page cached under the previous one (they expire by TTL).
const versionKey = "backend:notes:version"

// api serves the notes: /backend/notes, /backend/healthz, /backend/readyz.
type api struct {
	store   Store
	cache   Cache
	cursors cursorCodec
	logger  *slog.Logger
}

// newAPI returns the API on store and cache, signing cursors with key.
func newAPI(store Store, cache Cache, key []byte, logger *slog.Logger) *api {
	return &api{store: store, cache: cache, cursors: cursorCodec{key: key}, logger: logger}
}

// notesPage is a GET /backend/notes answer.
type notesPage struct {
	// Notes are newest first, never null.
	Notes []Note `json:"notes"`
	// NextCursor, when set, is the ?cursor= of the next page.
	NextCursor string `json:"nextCursor,omitempty"`
}

// errorBody is every error answer.
type errorBody struct {
	Error string `json:"error"`
}

// readiness is a GET /backend/readyz answer.
type readiness struct {
	// Status is "ready" or "not ready".
	Status string `json:"status"`
	// Checks maps "database" and "cache" to "ok" or "failed".
	Checks map[string]string `json:"checks"`
	// Error names what failed, when anything did.
	Error string `json:"error,omitempty"`
}

// routes is the API's handler. The load balancer forwards the path as is,
// so the patterns carry the /backend prefix (Go 1.22 method patterns).
// Source: https://pkg.go.dev/net/http#hdr-Patterns-ServeMux
func (a *api) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /backend/notes", a.listNotes)
	mux.HandleFunc("POST /backend/notes", a.createNote)
	mux.HandleFunc("/backend/notes", methodNotAllowed("GET, HEAD, POST"))
	mux.HandleFunc("GET /backend/healthz", a.healthz)
	mux.HandleFunc("/backend/healthz", methodNotAllowed("GET, HEAD"))
	mux.HandleFunc("GET /backend/readyz", a.readyz)
	mux.HandleFunc("/backend/readyz", methodNotAllowed("GET, HEAD"))
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusNotFound, "not found")
	})
	return a.logRequests(mux)
}

// listNotes serves GET /backend/notes?limit=&cursor=, from the cache when
// it can: any cache failure is a miss, logged, never the client's error.
func (a *api) listNotes(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := defaultLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxLimit {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("limit must be an integer, 1-%d", maxLimit))
			return
		}
		limit = n
	}
	var after *Cursor
	raw := q.Get("cursor")
	if raw != "" {
		c, err := a.cursors.Decode(raw)
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		after = &c
	}

	key, cacheable := a.pageKey(r.Context(), limit, raw)
	if cacheable {
		body, err := a.cache.Get(r.Context(), key)
		switch {
		case err == nil:
			w.Header().Set("X-Cache", "hit")
			server.WriteJSON(w, http.StatusOK, body)
			return
		case !errors.Is(err, errCacheMiss):
			a.logger.WarnContext(r.Context(), "cache read failed, serving from the database", "error", err)
			cacheable = false
		}
	}

	ctx, cancel := context.WithTimeout(r.Context(), queryTimeout)
	defer cancel()
	// One more than asked tells whether a next page exists.
	notes, err := a.store.ListNotes(ctx, limit+1, after)
	if err != nil {
		a.internalError(w, r, err)
		return
	}
	page := notesPage{Notes: notes}
	if len(notes) > limit {
		page.Notes = notes[:limit]
		last := page.Notes[limit-1]
		page.NextCursor = a.cursors.Encode(Cursor{CreatedAt: last.CreatedAt, ID: last.ID})
	}
	if page.Notes == nil {
		page.Notes = []Note{}
	}
	body, err := json.Marshal(page)
	if err != nil {
		a.internalError(w, r, fmt.Errorf("encoding the page: %w", err))
		return
	}
	if cacheable {
		if err := a.cache.Set(r.Context(), key, body, pageTTL); err != nil {
			a.logger.WarnContext(r.Context(), "cache write failed", "error", err)
		}
	}
	w.Header().Set("X-Cache", "miss")
	server.WriteJSON(w, http.StatusOK, body)
}

// pageKey is the cache key of a page under the current generation, or
// false when the cache cannot be used. A missing generation is started
// anew.
func (a *api) pageKey(ctx context.Context, limit int, cursor string) (string, bool) {
	v, err := a.cache.Get(ctx, versionKey)
	version := string(v)
	switch {
	case errors.Is(err, errCacheMiss) || err == nil && !validVersion(version):
		version = rand.Text()
		if err := a.cache.Set(ctx, versionKey, []byte(version), 0); err != nil {
			a.logger.WarnContext(ctx, "cache write failed, serving from the database", "error", err)
			return "", false
		}
	case err != nil:
		a.logger.WarnContext(ctx, "cache read failed, serving from the database", "error", err)
		return "", false
	}
	c := "first"
	if cursor != "" {
		sum := sha256.Sum256([]byte(cursor))
		c = hex.EncodeToString(sum[:16])
	}
	return fmt.Sprintf("backend:notes:%s:%d:%s", version, limit, c), true
}

// validVersion accepts what rand.Text makes (base32, 26 characters), so
// that a stray value cannot make an illegal memcached key.
func validVersion(v string) bool {
	if len(v) == 0 || len(v) > 64 {
		return false
	}
	for _, c := range v {
		if (c < 'A' || c > 'Z') && (c < '2' || c > '7') {
			return false
		}
	}
	return true
}

// createNote serves POST /backend/notes with {"text": "..."}.
func (a *api) createNote(w http.ResponseWriter, r *http.Request) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			writeError(w, http.StatusUnsupportedMediaType, "the body must be application/json")
			return
		}
	}
	var in struct {
		Text *string `json:"text"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	dec.DisallowUnknownFields()
	err := dec.Decode(&in)
	if err == nil && dec.Decode(&struct{}{}) != io.EOF {
		err = errors.New("trailing data")
	}
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body must be at most %d bytes", maxBodyBytes))
			return
		}
		writeError(w, http.StatusBadRequest, `the body must be one JSON object, {"text": "..."}`)
		return
	}
	if msg := checkText(in.Text); msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), queryTimeout)
	defer cancel()
	note, err := a.store.CreateNote(ctx, *in.Text)
	if err != nil {
		a.internalError(w, r, err)
		return
	}
	// A new generation: the cached pages no longer include every note.
	if err := a.cache.Set(r.Context(), versionKey, []byte(rand.Text()), 0); err != nil {
		a.logger.WarnContext(r.Context(), "cache invalidation failed, cached pages expire within their TTL", "error", err, "ttl", pageTTL.String())
	}
	writeValue(w, http.StatusCreated, note)
}

// checkText returns what is wrong with a note's text, or "".
func checkText(text *string) string {
	switch {
	case text == nil:
		return "text is required"
	case utf8.RuneCountInString(*text) < 1 || utf8.RuneCountInString(*text) > maxTextRunes:
		return fmt.Sprintf("text must be 1-%d characters", maxTextRunes)
	case strings.TrimSpace(*text) == "":
		return "text must not be blank"
	case strings.ContainsRune(*text, 0):
		// PostgreSQL's text cannot hold NUL.
		return "text must not contain NUL characters"
	}
	return ""
}

// healthz is liveness: 200 while the process serves.
func (a *api) healthz(w http.ResponseWriter, _ *http.Request) {
	writeValue(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz is readiness: 200 when SELECT 1 and a cache round trip both
// succeed within readyTimeout, else 503 naming which failed (the reasons
// are logged, not answered).
func (a *api) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	var dbErr, cacheErr error
	var wg sync.WaitGroup
	wg.Go(func() { dbErr = a.store.Ping(ctx) })
	wg.Go(func() { cacheErr = a.cache.Ping(ctx) })
	wg.Wait()
	res := readiness{Status: "ready", Checks: map[string]string{"database": "ok", "cache": "ok"}}
	var failed []string
	for _, c := range []struct {
		name string
		err  error
	}{{"database", dbErr}, {"cache", cacheErr}} {
		if c.err != nil {
			res.Checks[c.name] = "failed"
			failed = append(failed, c.name)
			a.logger.WarnContext(r.Context(), "readiness check failed", "check", c.name, "error", c.err)
		}
	}
	if len(failed) > 0 {
		res.Status = "not ready"
		res.Error = "unavailable: " + strings.Join(failed, ", ")
		writeValue(w, http.StatusServiceUnavailable, res)
		return
	}
	writeValue(w, http.StatusOK, res)
}

// internalError logs err and answers 500 without it.
func (a *api) internalError(w http.ResponseWriter, r *http.Request, err error) {
	a.logger.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "error", err)
	writeError(w, http.StatusInternalServerError, "internal error")
}

// methodNotAllowed answers 405 with the allowed methods.
func methodNotAllowed(allow string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Allow", allow)
		writeError(w, http.StatusMethodNotAllowed, "method not allowed")
	}
}

// writeError answers {"error": msg}.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeValue(w, status, errorBody{Error: msg})
}

// writeValue answers v in JSON.
func writeValue(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"error":"internal error"}`)
	}
	server.WriteJSON(w, status, body)
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

// WriteHeader implements http.ResponseWriter.
func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// logRequests logs each request's method, path (never the query or a
// header), status and duration: at debug for the probes, info otherwise.
func (a *api) logRequests(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		level := slog.LevelInfo
		if strings.HasSuffix(r.URL.Path, "/healthz") || strings.HasSuffix(r.URL.Path, "/readyz") {
			level = slog.LevelDebug
		}
		a.logger.Log(r.Context(), level, "request", "method", r.Method, "path", r.URL.Path,
			"status", rec.status, "duration_ms", float64(time.Since(start).Microseconds())/1000)
	})
}
