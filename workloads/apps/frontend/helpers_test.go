package main

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/workloads/apps/internal/server"
	"github.com/refarch/refarch/workloads/internal/testservers"
)

// seen is one request the stand-in received.
type seen struct {
	method, path, rawQuery, contentType, accept, trace string
	body                                               string
}

// standIn is a backend started by the test, over TLS like the internal
// load balancer. Its answer function gets the 1-based number of the
// request.
type standIn struct {
	srv     *httptest.Server
	calls   atomic.Int64
	mu      sync.Mutex
	seen    []seen
	release chan struct{}
}

// newStandIn starts a stand-in answering with answer.
func newStandIn(t *testing.T, answer func(n int, w http.ResponseWriter, r *http.Request)) *standIn {
	t.Helper()
	s := &standIn{release: make(chan struct{})}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		n := int(s.calls.Add(1))
		s.mu.Lock()
		s.seen = append(s.seen, seen{
			method: r.Method, path: r.URL.Path, rawQuery: r.URL.RawQuery, body: string(body),
			contentType: r.Header.Get("Content-Type"), accept: r.Header.Get("Accept"), trace: r.Header.Get(traceHeader),
		})
		s.mu.Unlock()
		answer(n, w, r)
	}))
	s.srv.Config.ErrorLog = log.New(io.Discard, "", 0) // handshakes the tests fail on purpose
	s.srv.StartTLS()
	t.Cleanup(s.srv.Close)
	t.Cleanup(func() { close(s.release) }) // runs first: frees hanging handlers
	return s
}

// requests returns what the stand-in received.
func (s *standIn) requests() []seen {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]seen(nil), s.seen...)
}

// hang blocks until the client gives up or the test ends, then closes the
// connection without an answer: a backend that never answers. (Returning
// would send an empty 200, which the client may still read if it arrives
// as its deadline passes.)
func (s *standIn) hang(w http.ResponseWriter, r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-s.release:
	}
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		_ = conn.Close()
	}
}

// testTimeout is the backend budget of these tests: short, so that the
// timeout tests are quick, and long enough for a loaded machine to answer.
const testTimeout = 600 * time.Millisecond

// testAPI returns the frontend's handler wired to the stand-in with a
// client that trusts it and a budget of testTimeout, and the logs (at
// info, as in production).
func testAPI(t *testing.T, s *standIn) (http.Handler, *testservers.SyncBuffer) {
	t.Helper()
	base, err := url.Parse(s.srv.URL)
	require.NoError(t, err)
	client := s.srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	logs := &testservers.SyncBuffer{}
	logger, err := server.Logger(logs, "info")
	require.NoError(t, err)
	b := &backend{base: base, client: client, timeout: testTimeout, logger: logger}
	return newHandler(b, logger), logs
}

// serve sends one request to h.
func serve(h http.Handler, method, target, contentType, body string) *httptest.ResponseRecorder {
	r := newRequest(method, target, body)
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	return serveRequest(h, r)
}

// newRequest is a request to the frontend with body ("" for none).
func newRequest(method, target, body string) *http.Request {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	return httptest.NewRequest(method, target, rd)
}

// serveRequest sends r to h.
func serveRequest(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// answerJSON writes a JSON body with status.
func answerJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// drop closes the connection without an answer: a transport error.
func drop(t *testing.T, w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		t.Errorf("hijacking: %v", err)
		return
	}
	_ = conn.Close()
}
