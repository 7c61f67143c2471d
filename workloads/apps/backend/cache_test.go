package main

import (
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/workloads/internal/testservers"
)

// TestCacheTimeout checks a cache that accepts connections but never
// answers costs about cacheTimeout per operation, as an error that is not
// a miss (which the API then treats as one).
func TestCacheTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()

	c, err := newMemcached(ln.Addr().String(), nil)
	require.NoError(t, err)
	start := time.Now()
	_, err = c.Get(t.Context(), "k")
	require.Error(t, err)
	assert.NotErrorIs(t, err, errCacheMiss)
	assert.Less(t, time.Since(start), 3*cacheTimeout)
	assert.Error(t, c.Set(t.Context(), "k", []byte("v"), time.Second))
	assert.Error(t, c.Ping(t.Context()))
}

func TestCacheRefused(t *testing.T) {
	c, err := newMemcached(net.JoinHostPort("127.0.0.1", strconv.Itoa(testservers.FreePort(t))), nil)
	require.NoError(t, err)
	_, err = c.Get(t.Context(), "k")
	require.Error(t, err)
	assert.NotErrorIs(t, err, errCacheMiss)
}

func TestNewMemcachedRejectsABadEndpoint(t *testing.T) {
	_, err := newMemcached("no-port", nil)
	assert.ErrorContains(t, err, "cache endpoint")
}
