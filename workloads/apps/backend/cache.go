package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/bradfitz/gomemcache/memcache"
)

// cacheTimeout bounds every cache operation (dial with the TLS handshake,
// and each read or write): a slow cache is a miss, never a slow request.
const cacheTimeout = 200 * time.Millisecond

// errCacheMiss is Cache.Get's answer for an absent key.
var errCacheMiss = errors.New("cache miss")

// Cache is a byte cache. Its failures are never the client's: the API
// treats them as misses.
type Cache interface {
	// Get returns the value of key, or errCacheMiss.
	Get(ctx context.Context, key string) ([]byte, error)
	// Set stores value under key for ttl (0: until evicted).
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
	// Ping makes one round trip to the cache.
	Ping(ctx context.Context) error
}

// memcached is the Cache on Memcached with TLS (ElastiCache's in-transit
// encryption).
//
// This sample connects to the cluster's configuration endpoint as if it
// were a single server: its name resolves to one of the nodes, so every
// key goes to that node, which is acceptable for a sample cache. A client
// spreading keys over all the nodes would use auto discovery (the
// "config get cluster" command on that endpoint) instead.
// Sources: https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/AutoDiscovery.html,
// https://docs.aws.amazon.com/AmazonElastiCache/latest/mem-ug/in-transit-encryption-mc.html
type memcached struct {
	client *memcache.Client
}

// newMemcached makes the client of endpoint (host:port). tlsConfig nil
// verifies the server against the system roots; tests pass their CA. It
// does not connect until used.
func newMemcached(endpoint string, tlsConfig *tls.Config) (*memcached, error) {
	host, _, err := net.SplitHostPort(endpoint)
	if err != nil {
		return nil, fmt.Errorf("cache endpoint: %w", err)
	}
	var cfg *tls.Config
	if tlsConfig == nil {
		cfg = &tls.Config{MinVersion: tls.VersionTLS12}
	} else {
		cfg = tlsConfig.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = host
	}
	dialer := &tls.Dialer{NetDialer: &net.Dialer{Timeout: cacheTimeout}, Config: cfg}
	c := memcache.NewFromSelector(endpointSelector{addr: hostPort(endpoint)})
	c.DialContext = dialer.DialContext
	c.Timeout = cacheTimeout
	// Above the peak of parallel requests, or each would dial (and
	// handshake) anew.
	c.MaxIdleConns = 64
	return &memcached{client: c}, nil
}

// Get implements Cache.
func (m *memcached) Get(ctx context.Context, key string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	it, err := m.client.Get(key)
	if errors.Is(err, memcache.ErrCacheMiss) {
		return nil, errCacheMiss
	}
	if err != nil {
		return nil, fmt.Errorf("cache get: %w", err)
	}
	return it.Value, nil
}

// Set implements Cache.
func (m *memcached) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := m.client.Set(&memcache.Item{Key: key, Value: value, Expiration: int32(ttl / time.Second)}); err != nil {
		return fmt.Errorf("cache set: %w", err)
	}
	return nil
}

// Ping implements Cache with the version command, abandoned when ctx ends
// (the client's own timeouts end it soon after).
func (m *memcached) Ping(ctx context.Context) error {
	errs := make(chan error, 1)
	go func() { errs <- m.client.Ping() }()
	select {
	case err := <-errs:
		if err != nil {
			return fmt.Errorf("cache ping: %w", err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("cache ping: %w", ctx.Err())
	}
}

// hostPort is a TCP address kept as written, so that each dial resolves
// the name again (an ElastiCache endpoint's address can change) instead of
// once at start as memcache.ServerList does.
type hostPort string

// Network implements net.Addr.
func (hostPort) Network() string { return "tcp" }

// String implements net.Addr.
func (a hostPort) String() string { return string(a) }

// endpointSelector sends every key to the one endpoint.
type endpointSelector struct {
	addr net.Addr
}

// PickServer implements memcache.ServerSelector.
func (s endpointSelector) PickServer(string) (net.Addr, error) { return s.addr, nil }

// Each implements memcache.ServerSelector.
func (s endpointSelector) Each(f func(net.Addr) error) error { return f(s.addr) }
