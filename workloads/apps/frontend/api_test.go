package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// page is a backend answer to GET /backend/notes.
const page = `{"notes":[{"id":"n2","text":"<b>two</b>","createdAt":"2025-01-02T00:00:00Z"},{"id":"n1","text":"one","createdAt":"2025-01-01T00:00:00Z"}],"nextCursor":"c2"}`

// assertAPIHeaders checks what every API response carries.
func assertAPIHeaders(t *testing.T, w http.ResponseWriter) {
	t.Helper()
	h := w.Header()
	assert.Equal(t, "application/json", h.Get("Content-Type"))
	assert.Equal(t, "no-store", h.Get("Cache-Control"))
	assert.Equal(t, "nosniff", h.Get("X-Content-Type-Options"))
}

// errorOf decodes an {"error": "..."} body.
func errorOf(t *testing.T, body string) string {
	t.Helper()
	var e struct {
		Error string `json:"error"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &e), body)
	require.NotEmpty(t, e.Error, body)
	return e.Error
}

func TestHealthzDoesNotCallTheBackend(t *testing.T) {
	s := newStandIn(t, func(_ int, w http.ResponseWriter, _ *http.Request) { answerJSON(w, 500, `{}`) })
	h, _ := testAPI(t, s)
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		w := serve(h, method, "/api/healthz", "", "")
		assert.Equal(t, http.StatusOK, w.Code, method)
		assertAPIHeaders(t, w)
		if method == http.MethodGet {
			assert.JSONEq(t, `{"status":"ok"}`, w.Body.String())
		}
	}
	assert.Zero(t, s.calls.Load(), "liveness does not depend on the backend")
}

func TestListPassesThrough(t *testing.T) {
	for name, body := range map[string]string{"a page": page, "the last page": `{"notes":[]}`} {
		t.Run(name, func(t *testing.T) {
			s := newStandIn(t, func(_ int, w http.ResponseWriter, _ *http.Request) { answerJSON(w, 200, body) })
			h, logs := testAPI(t, s)
			r := newRequest(http.MethodGet, "/api/notes?limit=2&cursor=secret-cursor&other=x&limit=9", "")
			r.Header.Set(traceHeader, "Root=1-abc-def")
			w := serveRequest(h, r)
			assert.Equal(t, http.StatusOK, w.Code)
			assert.JSONEq(t, body, w.Body.String())
			assertAPIHeaders(t, w)
			got := s.requests()
			require.Len(t, got, 1)
			assert.Equal(t, http.MethodGet, got[0].method)
			assert.Equal(t, "/backend/notes", got[0].path)
			q, err := url.ParseQuery(got[0].rawQuery)
			require.NoError(t, err)
			assert.Equal(t, url.Values{"limit": {"2"}, "cursor": {"secret-cursor"}}, q, "only limit and cursor, once each")
			assert.Equal(t, "application/json", got[0].accept)
			assert.Equal(t, "Root=1-abc-def", got[0].trace, "the trace is passed on")
			assert.NotContains(t, logs.String(), "secret-cursor", "no query strings in the logs")
			assert.Contains(t, logs.String(), `"path":"/api/notes"`)
		})
	}
}

func TestListWithoutParametersSendsNoQuery(t *testing.T) {
	s := newStandIn(t, func(_ int, w http.ResponseWriter, _ *http.Request) { answerJSON(w, 200, page) })
	h, _ := testAPI(t, s)
	w := serve(h, http.MethodGet, "/api/notes", "", "")
	assert.Equal(t, http.StatusOK, w.Code)
	require.Len(t, s.requests(), 1)
	assert.Empty(t, s.requests()[0].rawQuery)
}

func TestListRejectsOverlongParameters(t *testing.T) {
	s := newStandIn(t, func(_ int, w http.ResponseWriter, _ *http.Request) { answerJSON(w, 200, page) })
	h, _ := testAPI(t, s)
	w := serve(h, http.MethodGet, "/api/notes?cursor="+strings.Repeat("c", maxQueryValue+1), "", "")
	assert.Equal(t, http.StatusBadRequest, w.Code)
	assert.Contains(t, errorOf(t, w.Body.String()), "cursor")
	assert.Zero(t, s.calls.Load())
}

func TestCreatePassesThrough(t *testing.T) {
	const note = `{"id":"n3","text":"hello <script>","createdAt":"2025-01-03T00:00:00Z"}`
	s := newStandIn(t, func(_ int, w http.ResponseWriter, _ *http.Request) { answerJSON(w, 201, note) })
	h, logs := testAPI(t, s)
	w := serve(h, http.MethodPost, "/api/notes", "application/json; charset=utf-8", `{"text":"hello <script>"}`)
	assert.Equal(t, http.StatusCreated, w.Code)
	assert.JSONEq(t, note, w.Body.String())
	assertAPIHeaders(t, w)
	got := s.requests()
	require.Len(t, got, 1)
	assert.Equal(t, http.MethodPost, got[0].method)
	assert.Equal(t, "/backend/notes", got[0].path)
	assert.Equal(t, "application/json", got[0].contentType)
	assert.JSONEq(t, `{"text":"hello <script>"}`, got[0].body)
	assert.NotContains(t, logs.String(), "hello", "no bodies in the logs")
}

func TestClientErrorsPassThroughUnretried(t *testing.T) {
	const invalid = `{"error":"text must not be empty"}`
	s := newStandIn(t, func(_ int, w http.ResponseWriter, _ *http.Request) { answerJSON(w, 400, invalid) })
	h, _ := testAPI(t, s)
	w := serve(h, http.MethodPost, "/api/notes", "application/json", `{"text":""}`)
	assert.Equal(t, http.StatusBadRequest, w.Code)
	assert.JSONEq(t, invalid, w.Body.String())
	w = serve(h, http.MethodGet, "/api/notes?cursor=bad", "", "")
	assert.Equal(t, http.StatusBadRequest, w.Code)
	assert.Equal(t, int64(2), s.calls.Load(), "a 4xx is an answer, not a failure")
}

func TestCreateIsNeverRetried(t *testing.T) {
	for name, c := range map[string]struct {
		fail func(t *testing.T, w http.ResponseWriter)
		want int
	}{
		"503":                {func(_ *testing.T, w http.ResponseWriter) { answerJSON(w, 503, `{"error":"busy"}`) }, http.StatusBadGateway},
		"502":                {func(_ *testing.T, w http.ResponseWriter) { answerJSON(w, 502, `{}`) }, http.StatusBadGateway},
		"504":                {func(_ *testing.T, w http.ResponseWriter) { answerJSON(w, 504, `{}`) }, http.StatusGatewayTimeout},
		"dropped connection": {drop, http.StatusBadGateway},
	} {
		t.Run(name, func(t *testing.T) {
			s := newStandIn(t, func(n int, w http.ResponseWriter, _ *http.Request) {
				if n == 1 {
					c.fail(t, w)
					return
				}
				answerJSON(w, 201, `{"id":"n","text":"t","createdAt":"2025-01-01T00:00:00Z"}`)
			})
			h, _ := testAPI(t, s)
			w := serve(h, http.MethodPost, "/api/notes", "application/json", `{"text":"t"}`)
			assert.Equal(t, c.want, w.Code)
			errorOf(t, w.Body.String())
			assertAPIHeaders(t, w)
			got := s.requests()
			assert.Len(t, got, 1, "the stand-in saw exactly one POST")
			for _, r := range got {
				assert.Equal(t, http.MethodPost, r.method)
			}
		})
	}
}

func TestListIsRetriedOnce(t *testing.T) {
	for name, fail := range map[string]func(t *testing.T, w http.ResponseWriter){
		"503":                func(_ *testing.T, w http.ResponseWriter) { answerJSON(w, 503, `{"error":"busy"}`) },
		"502":                func(_ *testing.T, w http.ResponseWriter) { answerJSON(w, 502, `{}`) },
		"504":                func(_ *testing.T, w http.ResponseWriter) { answerJSON(w, 504, `{}`) },
		"dropped connection": drop,
	} {
		t.Run(name+" then success", func(t *testing.T) {
			s := newStandIn(t, func(n int, w http.ResponseWriter, _ *http.Request) {
				if n == 1 {
					fail(t, w)
					return
				}
				answerJSON(w, 200, page)
			})
			h, _ := testAPI(t, s)
			w := serve(h, http.MethodGet, "/api/notes?limit=2", "", "")
			assert.Equal(t, http.StatusOK, w.Code)
			assert.JSONEq(t, page, w.Body.String())
			got := s.requests()
			require.Len(t, got, 2)
			assert.Equal(t, got[0].rawQuery, got[1].rawQuery, "the retry is the same request")
		})
	}
}

func TestListIsRetriedOnlyOnce(t *testing.T) {
	for status, want := range map[int]int{503: http.StatusBadGateway, 502: http.StatusBadGateway, 504: http.StatusGatewayTimeout} {
		s := newStandIn(t, func(_ int, w http.ResponseWriter, _ *http.Request) { answerJSON(w, status, `{}`) })
		h, _ := testAPI(t, s)
		w := serve(h, http.MethodGet, "/api/notes", "", "")
		assert.Equal(t, want, w.Code, status)
		errorOf(t, w.Body.String())
		assert.Equal(t, int64(2), s.calls.Load(), "%d: one try and one retry", status)
	}
}

func TestInternalErrorIsNotRetried(t *testing.T) {
	s := newStandIn(t, func(_ int, w http.ResponseWriter, _ *http.Request) { answerJSON(w, 500, `{"error":"boom"}`) })
	h, _ := testAPI(t, s)
	w := serve(h, http.MethodGet, "/api/notes", "", "")
	assert.Equal(t, http.StatusBadGateway, w.Code)
	assert.Equal(t, int64(1), s.calls.Load(), "a 500 is the backend's own failure, not a gateway's")
}

func TestBackendTimeoutGives504WithinTheTimeout(t *testing.T) {
	const margin = 500 * time.Millisecond
	for method, attempts := range map[string]int{http.MethodGet: 2, http.MethodPost: 1} {
		t.Run(method, func(t *testing.T) {
			var s *standIn
			s = newStandIn(t, func(_ int, w http.ResponseWriter, r *http.Request) { s.hang(w, r) })
			h, logs := testAPI(t, s)
			start := time.Now()
			w := serve(h, method, "/api/notes", "application/json", `{"text":"t"}`)
			elapsed := time.Since(start)
			assert.Equal(t, http.StatusGatewayTimeout, w.Code)
			assert.Contains(t, errorOf(t, w.Body.String()), "in time")
			assertAPIHeaders(t, w)
			assert.Less(t, elapsed, testTimeout+margin, "the retry stays within the budget")
			assert.GreaterOrEqual(t, elapsed, testTimeout/2, "the backend had its time")
			assert.Equal(t, int64(attempts), s.calls.Load())
			assert.Contains(t, logs.String(), "backend timed out")
		})
	}
}

func TestFailuresDoNotLeakTheBackend(t *testing.T) {
	s := newStandIn(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		answerJSON(w, 500, `{"error":"pq: relation notes at db.internal does not exist"}`)
	})
	h, _ := testAPI(t, s)
	host := strings.TrimPrefix(s.srv.URL, "https://")
	w := serve(h, http.MethodGet, "/api/notes?cursor=abc", "", "")
	assert.Equal(t, http.StatusBadGateway, w.Code)
	assert.NotContains(t, w.Body.String(), "db.internal")
	assert.NotContains(t, w.Body.String(), host)

	s.srv.Close() // now a transport error, whose message has the URL
	w = serve(h, http.MethodGet, "/api/notes?cursor=abc", "", "")
	assert.Equal(t, http.StatusBadGateway, w.Code)
	assert.Equal(t, "the notes service is unavailable", errorOf(t, w.Body.String()))
	assert.NotContains(t, w.Body.String(), host)
}

func TestTransportErrorsAreLoggedWithoutTheURL(t *testing.T) {
	s := newStandIn(t, func(_ int, w http.ResponseWriter, _ *http.Request) { answerJSON(w, 200, page) })
	h, logs := testAPI(t, s)
	s.srv.Close()
	w := serve(h, http.MethodGet, "/api/notes?cursor=secret-cursor", "", "")
	assert.Equal(t, http.StatusBadGateway, w.Code)
	assert.Contains(t, logs.String(), "backend unavailable")
	assert.Contains(t, logs.String(), "GET /backend/notes")
	assert.NotContains(t, logs.String(), "secret-cursor")
}

func TestInvalidBackendAnswers(t *testing.T) {
	for name, c := range map[string]struct {
		answer func(w http.ResponseWriter)
		want   int
	}{
		"an HTML page": {func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<html>ok</html>"))
		}, http.StatusBadGateway},
		"invalid JSON": {func(w http.ResponseWriter) { answerJSON(w, 200, `{"notes":[`) }, http.StatusBadGateway},
		"a redirect":   {func(w http.ResponseWriter) { w.Header().Set("Location", "/elsewhere"); w.WriteHeader(302) }, http.StatusBadGateway},
		"an HTML 404": {func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(404)
			_, _ = w.Write([]byte("<html>not found</html>"))
		}, http.StatusNotFound},
	} {
		t.Run(name, func(t *testing.T) {
			s := newStandIn(t, func(_ int, w http.ResponseWriter, _ *http.Request) { c.answer(w) })
			h, _ := testAPI(t, s)
			w := serve(h, http.MethodGet, "/api/notes", "", "")
			assert.Equal(t, c.want, w.Code)
			errorOf(t, w.Body.String())
			assertAPIHeaders(t, w)
		})
	}
}

func TestCreateRejectsBadBodies(t *testing.T) {
	s := newStandIn(t, func(_ int, w http.ResponseWriter, _ *http.Request) { answerJSON(w, 201, `{}`) })
	h, _ := testAPI(t, s)
	for name, c := range map[string]struct {
		contentType, body string
		want              int
	}{
		"no content type":  {"", `{"text":"t"}`, http.StatusUnsupportedMediaType},
		"a form":           {"application/x-www-form-urlencoded", "text=t", http.StatusUnsupportedMediaType},
		"text/plain":       {"text/plain", `{"text":"t"}`, http.StatusUnsupportedMediaType},
		"over 16 KiB":      {"application/json", `{"text":"` + strings.Repeat("a", maxRequestBody) + `"}`, http.StatusRequestEntityTooLarge},
		"invalid JSON":     {"application/json", `{"text":`, http.StatusBadRequest},
		"no text":          {"application/json", `{}`, http.StatusBadRequest},
		"a number":         {"application/json", `{"text":1}`, http.StatusBadRequest},
		"an array":         {"application/json", `[{"text":"t"}]`, http.StatusBadRequest},
		"an unknown field": {"application/json", `{"text":"t","id":"n1"}`, http.StatusBadRequest},
		"two objects":      {"application/json", `{"text":"a"}{"text":"b"}`, http.StatusBadRequest},
		"empty":            {"application/json", "", http.StatusBadRequest},
	} {
		w := serve(h, http.MethodPost, "/api/notes", c.contentType, c.body)
		assert.Equal(t, c.want, w.Code, name)
		errorOf(t, w.Body.String())
		assertAPIHeaders(t, w)
	}
	assert.Zero(t, s.calls.Load(), "nothing reached the backend")
}

func TestUnknownRoutesAndMethods(t *testing.T) {
	s := newStandIn(t, func(_ int, w http.ResponseWriter, _ *http.Request) { answerJSON(w, 200, page) })
	h, _ := testAPI(t, s)
	for _, c := range []struct {
		method, path string
		want         int
		allow        string
	}{
		{http.MethodGet, "/api/unknown", http.StatusNotFound, ""},
		{http.MethodGet, "/", http.StatusNotFound, ""},
		{http.MethodGet, "/backend/notes", http.StatusNotFound, ""},
		{http.MethodDelete, "/api/notes", http.StatusMethodNotAllowed, "GET, HEAD, POST"},
		{http.MethodPut, "/api/notes", http.StatusMethodNotAllowed, "GET, HEAD, POST"},
		{http.MethodPost, "/api/healthz", http.StatusMethodNotAllowed, "GET, HEAD"},
	} {
		w := serve(h, c.method, c.path, "", "")
		assert.Equal(t, c.want, w.Code, c.method+" "+c.path)
		assert.Equal(t, c.allow, w.Header().Get("Allow"), c.method+" "+c.path)
		errorOf(t, w.Body.String())
		assertAPIHeaders(t, w)
	}
	assert.Zero(t, s.calls.Load())
}

func TestRetryableOutcomes(t *testing.T) {
	assert.True(t, retryable(backendReply{}, errUnavailable))
	assert.True(t, retryable(backendReply{}, errTimeout))
	for _, status := range []int{502, 503, 504} {
		assert.True(t, retryable(backendReply{status: status}, nil), status)
	}
	for _, status := range []int{200, 201, 400, 404, 429, 500} {
		assert.False(t, retryable(backendReply{status: status}, nil), status)
	}
	assert.True(t, idempotent(http.MethodGet))
	assert.False(t, idempotent(http.MethodPost), "RFC 9110 §9.2.2")
}

func TestListIsRetriedAfterATimeout(t *testing.T) {
	var s *standIn
	s = newStandIn(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			s.hang(w, r)
			return
		}
		answerJSON(w, 200, page)
	})
	h, _ := testAPI(t, s)
	start := time.Now()
	w := serve(h, http.MethodGet, "/api/notes", "", "")
	assert.Equal(t, http.StatusOK, w.Code, "the first attempt had half the budget, the retry the rest")
	assert.JSONEq(t, page, w.Body.String())
	assert.Less(t, time.Since(start), testTimeout)
	assert.Equal(t, int64(2), s.calls.Load())
}
