package main

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"
)

// fakeStore is an in-memory Store.
type fakeStore struct {
	mu    sync.Mutex
	notes []Note // oldest first
	// err, when set, is every call's answer.
	err error
	// pingErr is Ping's answer.
	pingErr error
	// lists counts ListNotes calls.
	lists int
	now   time.Time
}

// ListNotes implements Store.
func (f *fakeStore) ListNotes(_ context.Context, limit int, after *Cursor) ([]Note, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lists++
	if f.err != nil {
		return nil, f.err
	}
	var out []Note
	for _, n := range slices.Backward(f.notes) {
		if after != nil && !olderThan(n, *after) {
			continue
		}
		if len(out) == limit {
			break
		}
		out = append(out, n)
	}
	return out, nil
}

// CreateNote implements Store.
func (f *fakeStore) CreateNote(_ context.Context, text string) (Note, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return Note{}, f.err
	}
	if f.now.IsZero() {
		f.now = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	}
	f.now = f.now.Add(time.Second)
	n := Note{ID: int64(len(f.notes) + 1), Text: text, CreatedAt: f.now}
	f.notes = append(f.notes, n)
	return n, nil
}

// olderThan is the keyset order: (created_at, id) < the cursor's.
func olderThan(n Note, c Cursor) bool {
	return n.CreatedAt.Before(c.CreatedAt) || n.CreatedAt.Equal(c.CreatedAt) && n.ID < c.ID
}

// Ping implements Store.
func (f *fakeStore) Ping(context.Context) error { return f.pingErr }

// fakeCache is an in-memory Cache.
type fakeCache struct {
	mu     sync.Mutex
	values map[string][]byte
	// err, when set, is every Get and Set's answer.
	err error
	// pingErr is Ping's answer; pingDelay delays it (honoring ctx).
	pingErr   error
	pingDelay time.Duration
	gets      int
	sets      int
}

// newFakeCache returns an empty cache.
func newFakeCache() *fakeCache { return &fakeCache{values: map[string][]byte{}} }

// Get implements Cache.
func (f *fakeCache) Get(_ context.Context, key string) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gets++
	if f.err != nil {
		return nil, f.err
	}
	v, ok := f.values[key]
	if !ok {
		return nil, errCacheMiss
	}
	return v, nil
}

// Set implements Cache.
func (f *fakeCache) Set(_ context.Context, key string, value []byte, _ time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sets++
	if f.err != nil {
		return f.err
	}
	f.values[key] = slices.Clone(value)
	return nil
}

// Ping implements Cache.
func (f *fakeCache) Ping(ctx context.Context) error {
	select {
	case <-time.After(f.pingDelay):
		return f.pingErr
	case <-ctx.Done():
		return ctx.Err()
	}
}

// errBroken is a dependency's failure.
var errBroken = errors.New("connection refused by 10.0.0.1 (secret detail)")
