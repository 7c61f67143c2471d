package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"path"
	"time"

	"github.com/refarch/refarch/workloads/apps/contract"
	"github.com/refarch/refarch/workloads/apps/internal/server"
)

// maxRequestBody bounds a request body: a note is a line or a paragraph.
const maxRequestBody = 16 << 10

// maxQueryValue bounds limit and cursor, which are passed on to the
// backend as they are.
const maxQueryValue = 1024

// traceHeader is the load balancers' request trace, passed on to the
// backend and logged so both services' lines of one request can be found.
// Source: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-request-tracing.html
const traceHeader = "X-Amzn-Trace-Id"

// The paths. The CDN and the public load balancer pass /api/* on as it is,
// and so does the internal load balancer /backend/*: the prefixes are those
// of the contract's health paths.
var (
	// notesPath is the public notes API.
	notesPath = path.Dir(contract.Frontend.HealthPath) + "/notes"
	// backendNotesPath is the backend's.
	backendNotesPath = path.Dir(contract.Backend.HealthPath) + "/notes"
)

// passedQuery are the query parameters GET /api/notes passes on; any other
// is dropped.
var passedQuery = []string{"limit", "cursor"}

// api serves /api/*.
type api struct {
	// backend is the notes service behind the internal load balancer.
	backend *backend
	// logger writes one line per request, without query or body.
	logger *slog.Logger
}

// newHandler returns the frontend's routes, wrapped in the headers, body
// limit and access log every response gets.
func newHandler(b *backend, logger *slog.Logger) http.Handler {
	a := &api{backend: b, logger: logger}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+contract.Frontend.HealthPath, a.healthz)
	mux.HandleFunc("GET "+notesPath, a.listNotes)
	mux.HandleFunc("POST "+notesPath, a.createNote)
	// The patterns without a method rank below those with one, so they
	// answer only the other methods, in JSON rather than ServeMux's text.
	mux.Handle(contract.Frontend.HealthPath, methodNotAllowed("GET, HEAD"))
	mux.Handle(notesPath, methodNotAllowed("GET, HEAD, POST"))
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusNotFound, "not found")
	})
	return a.wrap(mux)
}

// healthz is the target group's liveness probe: 200 while serving. It
// does not call the backend, whose own target group checks it, so that a
// backend outage does not also take every frontend task out of service.
func (a *api) healthz(w http.ResponseWriter, _ *http.Request) {
	server.WriteJSON(w, http.StatusOK, []byte(`{"status":"ok"}`))
}

// listNotes is GET /api/notes: a page of notes, limit and cursor passed on.
func (a *api) listNotes(w http.ResponseWriter, r *http.Request) {
	in := r.URL.Query()
	req := backendRequest{method: http.MethodGet, path: backendNotesPath, query: url.Values{}, traceID: traceID(r)}
	for _, k := range passedQuery {
		v := in.Get(k)
		if v == "" {
			continue
		}
		if len(v) > maxQueryValue {
			writeError(w, http.StatusBadRequest, k+" is too long")
			return
		}
		req.query.Set(k, v)
	}
	reply, err := a.backend.call(r.Context(), req)
	a.relay(w, r, reply, err)
}

// createNote is POST /api/notes with {"text": "..."}: the body is checked
// for its shape (the backend checks the text) and sent once.
func (a *api) createNote(w http.ResponseWriter, r *http.Request) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "the body must be application/json")
		return
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			writeError(w, http.StatusRequestEntityTooLarge, "the body exceeds 16 KiB")
			return
		}
		writeError(w, http.StatusBadRequest, "the body could not be read")
		return
	}
	text, ok := noteText(data)
	if !ok {
		writeError(w, http.StatusBadRequest, `the body must be a JSON object {"text": "..."}`)
		return
	}
	body, err := json.Marshal(struct {
		Text string `json:"text"`
	}{text})
	if err != nil {
		a.logger.Error("encoding the note", "error", err)
		writeError(w, http.StatusInternalServerError, "internal error")
		return
	}
	reply, err := a.backend.call(r.Context(), backendRequest{method: http.MethodPost, path: backendNotesPath, body: body, traceID: traceID(r)})
	a.relay(w, r, reply, err)
}

// noteText returns the text of a body that is exactly one JSON object
// with a string "text" and no other member.
func noteText(data []byte) (string, bool) {
	var in struct {
		Text *string `json:"text"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil || in.Text == nil {
		return "", false
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return "", false
	}
	return *in.Text, true
}

// relay answers with the backend's reply: its status and JSON body when it
// is a success or a client error, and otherwise a JSON error of this
// program's that names neither the backend's address nor its failure.
func (a *api) relay(w http.ResponseWriter, r *http.Request, reply backendReply, err error) {
	log := a.logger.With("method", r.Method, "path", r.URL.Path, "trace", traceID(r))
	switch {
	case r.Context().Err() != nil:
		log.Debug("the client went away", "error", errText(err))
		writeError(w, http.StatusBadGateway, "the request was canceled")
	case errors.Is(err, errTimeout):
		log.Warn("backend timed out", "error", err)
		writeError(w, http.StatusGatewayTimeout, "the notes service did not answer in time")
	case err != nil:
		log.Warn("backend unavailable", "error", err)
		writeError(w, http.StatusBadGateway, "the notes service is unavailable")
	case reply.status == http.StatusGatewayTimeout:
		log.Warn("backend timed out", "status", reply.status)
		writeError(w, http.StatusGatewayTimeout, "the notes service did not answer in time")
	case reply.status >= 500:
		log.Warn("backend failed", "status", reply.status)
		writeError(w, http.StatusBadGateway, "the notes service failed")
	case reply.status < 200 || reply.status >= 300 && reply.status < 400:
		log.Warn("backend answered an unexpected status", "status", reply.status)
		writeError(w, http.StatusBadGateway, "the notes service gave an invalid response")
	case !isJSON(reply):
		log.Warn("backend answered without JSON", "status", reply.status, "contentType", reply.contentType)
		if reply.status < 300 {
			writeError(w, http.StatusBadGateway, "the notes service gave an invalid response")
			return
		}
		writeError(w, reply.status, http.StatusText(reply.status))
	default:
		server.WriteJSON(w, reply.status, reply.body)
	}
}

// isJSON reports whether a reply is declared and parses as JSON.
func isJSON(reply backendReply) bool {
	mt, _, err := mime.ParseMediaType(reply.contentType)
	return err == nil && mt == "application/json" && json.Valid(reply.body)
}

// methodNotAllowed answers 405 with the allowed methods.
// Source: https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.6
func methodNotAllowed(allow string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Allow", allow)
		writeError(w, http.StatusMethodNotAllowed, "method not allowed")
	})
}

// writeError answers {"error": msg} with status.
func writeError(w http.ResponseWriter, status int, msg string) {
	body, err := json.Marshal(struct {
		Error string `json:"error"`
	}{msg})
	if err != nil { // a struct of one string always encodes
		body = []byte(`{"error":"internal error"}`)
	}
	server.WriteJSON(w, status, body)
}

// traceID is the request's trace header, when it has a plausible one.
func traceID(r *http.Request) string {
	if v := r.Header.Get(traceHeader); len(v) <= 256 {
		return v
	}
	return ""
}

// wrap gives every response nosniff and no-store (API responses are
// per-request; the CDN's /api/* behavior does not cache either), bounds
// the request body, and logs one line per request: health probes at
// debug, the rest at info, without query strings or bodies.
// Source: https://developer.mozilla.org/en-US/docs/Web/HTTP/Reference/Headers/X-Content-Type-Options
func (a *api) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "no-store")
		r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		level := slog.LevelInfo
		if r.URL.Path == contract.Frontend.HealthPath {
			level = slog.LevelDebug
		}
		a.logger.LogAttrs(r.Context(), level, "request",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", rec.status),
			slog.Int64("durationMs", time.Since(start).Milliseconds()),
			slog.String("trace", traceID(r)))
	})
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	// status is the written status (200 if only the body was written).
	status int
	// wrote is set once the header is written.
	wrote bool
}

// WriteHeader records the first status and passes it on.
func (s *statusRecorder) WriteHeader(status int) {
	if !s.wrote {
		s.status, s.wrote = status, true
	}
	s.ResponseWriter.WriteHeader(status)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter {
	return s.ResponseWriter
}
