package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// BenchmarkReadPath measures GET /backend/notes (a first page of 20)
// through the API's handler on the real PostgreSQL and Memcached (TLS
// both, workloads/internal/testservers), 8 requests at a time: warm-cache
// answers from Memcached; cold-cache finds no page cached (coldCache), so
// each request goes to PostgreSQL and writes the page back. It reports
// requests/s, the p99 latency of a request and the share of cache hits.
//
//	go test -run XXX -bench BenchmarkReadPath -benchtime 2s ./workloads/apps/backend/
func BenchmarkReadPath(b *testing.B) {
	s := startStack(b)
	s.migrate(b)
	s.setAppPassword(b)
	store := s.openStore(b)
	cache := s.openCache(b)
	ctx := context.Background()
	for i := range 500 {
		_, err := store.CreateNote(ctx, fmt.Sprintf("note %d: %s", i, strings.Repeat("lorem ipsum ", 8)))
		require.NoError(b, err)
	}
	h := newAPI(store, cache, []byte(s.signingKey), slog.New(slog.DiscardHandler)).routes()

	b.Run("warm-cache", func(b *testing.B) {
		benchmarkList(b, h)
	})
	cold := newAPI(store, coldCache{cache}, []byte(s.signingKey), slog.New(slog.DiscardHandler)).routes()
	b.Run("cold-cache", func(b *testing.B) {
		benchmarkList(b, cold)
	})
}

// coldCache is a Cache whose every page is missing, as if flushed before
// each request: it still makes the real round trips (the generation's
// read, the page's read and write), then drops what a page read found.
type coldCache struct {
	Cache
}

// Get implements Cache.
func (c coldCache) Get(ctx context.Context, key string) ([]byte, error) {
	v, err := c.Cache.Get(ctx, key)
	if err != nil || key == versionKey {
		return v, err
	}
	return nil, errCacheMiss
}

// benchmarkList serves b.N lists.
func benchmarkList(b *testing.B, h http.Handler) {
	get := func() (*httptest.ResponseRecorder, time.Duration) {
		w := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/backend/notes", nil))
		return w, time.Since(start)
	}
	if w, _ := get(); w.Code != http.StatusOK { // primes the cache
		b.Fatalf("status %d: %s", w.Code, w.Body.String())
	}
	var mu sync.Mutex
	var latencies []time.Duration
	hits := 0
	b.SetParallelism(4) // 4 × GOMAXPROCS goroutines
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		var local []time.Duration
		localHits := 0
		for pb.Next() {
			w, d := get()
			if w.Code != http.StatusOK {
				b.Errorf("status %d: %s", w.Code, w.Body.String())
				return
			}
			if w.Header().Get("X-Cache") == "hit" {
				localHits++
			}
			local = append(local, d)
		}
		mu.Lock()
		defer mu.Unlock()
		latencies = append(latencies, local...)
		hits += localHits
	})
	elapsed := time.Since(start)
	b.StopTimer()
	if len(latencies) == 0 {
		return
	}
	slices.Sort(latencies)
	p99 := latencies[min(len(latencies)-1, len(latencies)*99/100)]
	b.ReportMetric(float64(len(latencies))/elapsed.Seconds(), "requests/s")
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
	b.ReportMetric(100*float64(hits)/float64(len(latencies)), "hit-%")
}
