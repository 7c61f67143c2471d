package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/workloads/apps/internal/server"
	"github.com/refarch/refarch/workloads/internal/testservers"
)

// testKey signs the unit tests' cursors.
var testKey = []byte("unit-test-signing-key-of-32-bytes!")

// newTestAPI returns the API's handler on the fakes and its log.
func newTestAPI(t *testing.T, store Store, cache Cache) (http.Handler, *testservers.SyncBuffer) {
	t.Helper()
	logs := &testservers.SyncBuffer{}
	logger, err := server.Logger(logs, "debug")
	require.NoError(t, err)
	return newAPI(store, cache, testKey, logger).routes(), logs
}

// do serves one request.
func do(h http.Handler, method, target, body string) *httptest.ResponseRecorder {
	var r *http.Request
	if body == "" {
		r = httptest.NewRequest(method, target, nil)
	} else {
		r = httptest.NewRequest(method, target, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// errorOf decodes an error answer.
func errorOf(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
	var e struct {
		Error string `json:"error"`
	}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &e), w.Body.String())
	require.NotEmpty(t, e.Error)
	return e.Error
}

// pageOf decodes a list answer.
func pageOf(t *testing.T, w *httptest.ResponseRecorder) notesPage {
	t.Helper()
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	var p notesPage
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &p))
	return p
}

// texts are the notes' texts in order.
func texts(notes []Note) []string {
	out := []string{}
	for _, n := range notes {
		out = append(out, n.Text)
	}
	return out
}

func TestCreateNoteValidation(t *testing.T) {
	tests := []struct {
		name, body, contentType string
		status                  int
		want                    string
	}{
		{"empty body", "", "application/json", http.StatusBadRequest, "JSON object"},
		{"not JSON", "text=hi", "application/json", http.StatusBadRequest, "JSON object"},
		{"an array", `["hi"]`, "application/json", http.StatusBadRequest, "JSON object"},
		{"unknown field", `{"text":"hi","id":7}`, "application/json", http.StatusBadRequest, "JSON object"},
		{"trailing data", `{"text":"hi"} {"text":"again"}`, "application/json", http.StatusBadRequest, "JSON object"},
		{"no text", `{}`, "application/json", http.StatusBadRequest, "text is required"},
		{"text not a string", `{"text":5}`, "application/json", http.StatusBadRequest, "JSON object"},
		{"empty text", `{"text":""}`, "application/json", http.StatusBadRequest, "1-1000 characters"},
		{"blank text", `{"text":"  \n\t"}`, "application/json", http.StatusBadRequest, "blank"},
		{"1001 characters", `{"text":"` + strings.Repeat("é", 1001) + `"}`, "application/json", http.StatusBadRequest, "1-1000 characters"},
		{"NUL", `{"text":"a\u0000b"}`, "application/json", http.StatusBadRequest, "NUL"},
		{"form content type", `{"text":"hi"}`, "application/x-www-form-urlencoded", http.StatusUnsupportedMediaType, "application/json"},
		{"over 16 KiB", `{"text":"` + strings.Repeat(`\u00e9`, 3000) + `"}`, "application/json", http.StatusRequestEntityTooLarge, "at most 16384 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := &fakeStore{}
			h, _ := newTestAPI(t, store, newFakeCache())
			r := httptest.NewRequest(http.MethodPost, "/backend/notes", strings.NewReader(tt.body))
			r.Header.Set("Content-Type", tt.contentType)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			assert.Equal(t, tt.status, w.Code)
			assert.Contains(t, errorOf(t, w), tt.want)
			assert.Empty(t, store.notes, "nothing stored")
		})
	}
}

func TestCreateNote(t *testing.T) {
	store := &fakeStore{}
	h, _ := newTestAPI(t, store, newFakeCache())
	// 1000 characters of two bytes each: the limit is characters.
	long := strings.Repeat("é", 1000)
	for _, text := range []string{"hello", long} {
		w := do(h, http.MethodPost, "/backend/notes", `{"text":"`+text+`"}`)
		require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
		var got map[string]any
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got))
		assert.ElementsMatch(t, []string{"id", "text", "createdAt"}, keys(got))
		assert.Equal(t, text, got["text"])
		_, err := time.Parse(time.RFC3339Nano, got["createdAt"].(string))
		assert.NoError(t, err)
	}
	assert.Len(t, store.notes, 2)

	// No content type is taken as JSON.
	r := httptest.NewRequest(http.MethodPost, "/backend/notes", strings.NewReader(`{"text":"plain"}`))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	assert.Equal(t, http.StatusCreated, w.Code)
}

// keys are m's keys.
func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestListLimit(t *testing.T) {
	store := &fakeStore{}
	h, _ := newTestAPI(t, store, newFakeCache())
	for i := range 120 {
		_, err := store.CreateNote(t.Context(), "note "+strconv.Itoa(i))
		require.NoError(t, err)
	}
	p := pageOf(t, do(h, http.MethodGet, "/backend/notes", ""))
	assert.Len(t, p.Notes, defaultLimit)
	assert.Equal(t, "note 119", p.Notes[0].Text, "newest first")
	assert.NotEmpty(t, p.NextCursor)
	assert.Len(t, pageOf(t, do(h, http.MethodGet, "/backend/notes?limit=100", "")).Notes, 100)
	assert.Len(t, pageOf(t, do(h, http.MethodGet, "/backend/notes?limit=1", "")).Notes, 1)
	for _, bad := range []string{"0", "101", "-1", "abc", "2.5", "1e2"} {
		w := do(h, http.MethodGet, "/backend/notes?limit="+bad, "")
		assert.Equal(t, http.StatusBadRequest, w.Code, bad)
		assert.Contains(t, errorOf(t, w), "limit must be an integer, 1-100")
	}
}

func TestListEmpty(t *testing.T) {
	h, _ := newTestAPI(t, &fakeStore{}, newFakeCache())
	w := do(h, http.MethodGet, "/backend/notes", "")
	assert.JSONEq(t, `{"notes":[]}`, w.Body.String())
}

func TestPagination(t *testing.T) {
	store := &fakeStore{}
	h, _ := newTestAPI(t, store, newFakeCache())
	for i := 1; i <= 7; i++ {
		_, err := store.CreateNote(t.Context(), strconv.Itoa(i))
		require.NoError(t, err)
	}
	var pages [][]string
	target := "/backend/notes?limit=3"
	for range 10 {
		p := pageOf(t, do(h, http.MethodGet, target, ""))
		pages = append(pages, texts(p.Notes))
		if p.NextCursor == "" {
			break
		}
		target = "/backend/notes?limit=3&cursor=" + p.NextCursor
	}
	assert.Equal(t, [][]string{{"7", "6", "5"}, {"4", "3", "2"}, {"1"}}, pages)

	// A page that ends exactly at the last note has no next cursor.
	p := pageOf(t, do(h, http.MethodGet, "/backend/notes?limit=7", ""))
	assert.Len(t, p.Notes, 7)
	assert.Empty(t, p.NextCursor)
}

func TestTamperedCursor(t *testing.T) {
	store := &fakeStore{}
	h, _ := newTestAPI(t, store, newFakeCache())
	for i := range 5 {
		_, err := store.CreateNote(t.Context(), strconv.Itoa(i))
		require.NoError(t, err)
	}
	good := pageOf(t, do(h, http.MethodGet, "/backend/notes?limit=2", "")).NextCursor
	require.NotEmpty(t, good)
	payload, sig, _ := strings.Cut(good, ".")
	// Another note's position, correctly encoded but not signed by us.
	forged := cursorCodec{key: []byte("another-key-another-key-another-k")}.Encode(Cursor{CreatedAt: time.Now(), ID: 1})
	flip := func(s string) string {
		b := []byte(s)
		if b[0] == 'A' {
			b[0] = 'B'
		} else {
			b[0] = 'A'
		}
		return string(b)
	}
	for name, c := range map[string]string{
		"payload changed":   flip(payload) + "." + sig,
		"signature changed": payload + "." + flip(sig),
		"no signature":      payload,
		"other key":         forged,
		"garbage":           "not-a-cursor",
		"too long":          strings.Repeat("A", 300) + "." + sig,
	} {
		t.Run(name, func(t *testing.T) {
			before := store.lists
			w := do(h, http.MethodGet, "/backend/notes?cursor="+c, "")
			assert.Equal(t, http.StatusBadRequest, w.Code)
			assert.Equal(t, "invalid cursor", errorOf(t, w))
			assert.Equal(t, before, store.lists, "the database is not asked")
		})
	}
}

func TestCacheHitAndInvalidation(t *testing.T) {
	store := &fakeStore{}
	cache := newFakeCache()
	h, _ := newTestAPI(t, store, cache)
	_, err := store.CreateNote(t.Context(), "first")
	require.NoError(t, err)

	w := do(h, http.MethodGet, "/backend/notes", "")
	assert.Equal(t, "miss", w.Header().Get("X-Cache"))
	assert.Equal(t, 1, store.lists)
	w2 := do(h, http.MethodGet, "/backend/notes", "")
	assert.Equal(t, "hit", w2.Header().Get("X-Cache"))
	assert.Equal(t, 1, store.lists, "served from the cache")
	assert.Equal(t, w.Body.String(), w2.Body.String())

	// Another limit is another page.
	assert.Equal(t, "miss", do(h, http.MethodGet, "/backend/notes?limit=5", "").Header().Get("X-Cache"))

	// A POST starts a new generation: the next list sees the new note.
	require.Equal(t, http.StatusCreated, do(h, http.MethodPost, "/backend/notes", `{"text":"second"}`).Code)
	w3 := do(h, http.MethodGet, "/backend/notes", "")
	assert.Equal(t, "miss", w3.Header().Get("X-Cache"))
	assert.Equal(t, []string{"second", "first"}, texts(pageOf(t, w3).Notes))
	assert.Equal(t, "hit", do(h, http.MethodGet, "/backend/notes", "").Header().Get("X-Cache"))

	// Pages after a cursor are cached under their own key.
	for i := range 3 {
		_, err := store.CreateNote(t.Context(), strconv.Itoa(i))
		require.NoError(t, err)
	}
	require.Equal(t, http.StatusCreated, do(h, http.MethodPost, "/backend/notes", `{"text":"bump"}`).Code)
	next := pageOf(t, do(h, http.MethodGet, "/backend/notes?limit=2", "")).NextCursor
	p1 := do(h, http.MethodGet, "/backend/notes?limit=2&cursor="+next, "")
	p2 := do(h, http.MethodGet, "/backend/notes?limit=2&cursor="+next, "")
	assert.Equal(t, "miss", p1.Header().Get("X-Cache"))
	assert.Equal(t, "hit", p2.Header().Get("X-Cache"))
	assert.Equal(t, p1.Body.String(), p2.Body.String())
}

func TestCacheFailureIsAMiss(t *testing.T) {
	store := &fakeStore{}
	cache := newFakeCache()
	cache.err = errBroken
	h, logs := newTestAPI(t, store, cache)
	require.Equal(t, http.StatusCreated, do(h, http.MethodPost, "/backend/notes", `{"text":"kept"}`).Code)
	for range 2 {
		w := do(h, http.MethodGet, "/backend/notes", "")
		assert.Equal(t, "miss", w.Header().Get("X-Cache"))
		assert.Equal(t, []string{"kept"}, texts(pageOf(t, w).Notes))
	}
	assert.Equal(t, 2, store.lists)
	assert.Contains(t, logs.String(), `"level":"WARN","msg":"cache read failed, serving from the database"`)
	assert.Contains(t, logs.String(), `"level":"WARN","msg":"cache invalidation failed`)
}

func TestCorruptVersionStartsANewGeneration(t *testing.T) {
	store := &fakeStore{}
	cache := newFakeCache()
	cache.values[versionKey] = []byte("bad key with spaces")
	h, _ := newTestAPI(t, store, cache)
	assert.Equal(t, "miss", do(h, http.MethodGet, "/backend/notes", "").Header().Get("X-Cache"))
	assert.True(t, validVersion(string(cache.values[versionKey])))
	assert.Equal(t, "hit", do(h, http.MethodGet, "/backend/notes", "").Header().Get("X-Cache"))
}

func TestStoreFailureIsAnOpaque500(t *testing.T) {
	store := &fakeStore{err: errBroken}
	h, logs := newTestAPI(t, store, newFakeCache())
	for _, w := range []*httptest.ResponseRecorder{
		do(h, http.MethodGet, "/backend/notes", ""),
		do(h, http.MethodPost, "/backend/notes", `{"text":"x"}`),
	} {
		assert.Equal(t, http.StatusInternalServerError, w.Code)
		assert.Equal(t, "internal error", errorOf(t, w))
		assert.NotContains(t, w.Body.String(), "secret detail")
	}
	assert.Contains(t, logs.String(), "secret detail", "the cause is logged")
}

func TestReadiness(t *testing.T) {
	tests := []struct {
		name            string
		dbErr, cacheErr error
		cacheDelay      time.Duration
		status          int
		db, cache       string
	}{
		{"both up", nil, nil, 0, http.StatusOK, "ok", "ok"},
		{"database down", errBroken, nil, 0, http.StatusServiceUnavailable, "failed", "ok"},
		{"cache down", nil, errBroken, 0, http.StatusServiceUnavailable, "ok", "failed"},
		{"both down", errBroken, errBroken, 0, http.StatusServiceUnavailable, "failed", "failed"},
		{"cache slower than 2 s", nil, nil, 10 * time.Second, http.StatusServiceUnavailable, "ok", "failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cache := newFakeCache()
			cache.pingErr, cache.pingDelay = tt.cacheErr, tt.cacheDelay
			h, _ := newTestAPI(t, &fakeStore{pingErr: tt.dbErr}, cache)
			start := time.Now()
			w := do(h, http.MethodGet, "/backend/readyz", "")
			assert.Less(t, time.Since(start), readyTimeout+time.Second)
			assert.Equal(t, tt.status, w.Code)
			var got readiness
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got))
			assert.Equal(t, map[string]string{"database": tt.db, "cache": tt.cache}, got.Checks)
			assert.NotContains(t, w.Body.String(), "secret detail")
			if tt.status == http.StatusOK {
				assert.Equal(t, "ready", got.Status)
				assert.Empty(t, got.Error)
			} else {
				assert.Equal(t, "not ready", got.Status)
				assert.NotEmpty(t, got.Error)
			}
		})
	}
}

func TestHealthzIgnoresDependencies(t *testing.T) {
	cache := newFakeCache()
	cache.pingErr = errBroken
	h, _ := newTestAPI(t, &fakeStore{err: errBroken, pingErr: errBroken}, cache)
	w := do(h, http.MethodGet, "/backend/healthz", "")
	assert.Equal(t, http.StatusOK, w.Code)
	assert.JSONEq(t, `{"status":"ok"}`, w.Body.String())
}

func TestUnknownRoutesAreJSON(t *testing.T) {
	h, _ := newTestAPI(t, &fakeStore{}, newFakeCache())
	w := do(h, http.MethodGet, "/backend/nope", "")
	assert.Equal(t, http.StatusNotFound, w.Code)
	assert.Equal(t, "not found", errorOf(t, w))
	w = do(h, http.MethodDelete, "/backend/notes", "")
	assert.Equal(t, http.StatusMethodNotAllowed, w.Code)
	assert.Equal(t, "GET, HEAD, POST", w.Header().Get("Allow"))
	assert.Equal(t, "method not allowed", errorOf(t, w))
	w = do(h, http.MethodPost, "/backend/healthz", "")
	assert.Equal(t, http.StatusMethodNotAllowed, w.Code)
}
