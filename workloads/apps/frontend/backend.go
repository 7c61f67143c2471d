package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"time"
)

// backendTimeout is the budget of one API request's backend call, retry
// included: well under the public load balancer's idle timeout (60 s) and
// CloudFront's origin response timeout (30 s), so the client gets this
// program's 504 rather than theirs.
// Sources: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-load-balancer-attributes.html#connection-idle-timeout,
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/DownloadDistValuesOrigin.html#DownloadDistValuesOriginResponseTimeout
const backendTimeout = 3 * time.Second

// maxBackendBody bounds what is read of a backend response (a page of
// notes is a few KiB).
const maxBackendBody = 1 << 20

// retryDelay is the least pause before the one retry; up to as much again
// is added at random so that tasks retrying at once spread out.
const retryDelay = 50 * time.Millisecond

// errTimeout marks a backend call that ran out of its budget.
var errTimeout = errors.New("the backend did not answer in time")

// errUnavailable marks a backend call that got no usable response: the
// connection failed, or the response could not be read.
var errUnavailable = errors.New("the backend is unavailable")

// backend calls the notes API through the internal load balancer.
type backend struct {
	// base is the internal load balancer's origin (config.internalURL).
	base *url.URL
	// client sends the requests; newBackendClient's by default.
	client *http.Client
	// timeout is the budget of one call, retry included.
	timeout time.Duration
	// logger reports failures and retries, never a query or a body.
	logger *slog.Logger
}

// backendRequest is one call to the backend.
type backendRequest struct {
	// method is the HTTP method; only GET and HEAD are ever retried.
	method string
	// path is the backend path, such as /backend/notes.
	path string
	// query is sent as the request's query (may be nil).
	query url.Values
	// body is sent as JSON when not nil.
	body []byte
	// traceID is the load balancer's X-Amzn-Trace-Id, passed on.
	traceID string
}

// backendReply is a backend response, read in full.
type backendReply struct {
	// status is the HTTP status code.
	status int
	// contentType is the response's Content-Type.
	contentType string
	// body is the response body.
	body []byte
}

// newBackendClient returns the client for the internal load balancer: its
// certificate, issued for the private zone, is verified against the
// system's roots (tls.Config's RootCAs nil), redirects are not followed,
// and more idle connections are kept than net/http's default of 2 per host
// since every request goes to that one host.
func newBackendClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	t.MaxIdleConnsPerHost = 64
	return &http.Client{
		Transport: t,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// idempotent reports whether a request may be sent twice. GET and HEAD
// are also safe; POST is neither, so a POST that fails is never resent:
// the backend may have stored the note before the failure.
// Source: https://www.rfc-editor.org/rfc/rfc9110.html#section-9.2.2
func idempotent(method string) bool {
	return method == http.MethodGet || method == http.MethodHead
}

// retryable reports whether an attempt's outcome is worth one more try:
// a failed connection, a timeout, or a gateway status (the load balancer
// had no healthy target, or the target failed or timed out).
func retryable(r backendReply, err error) bool {
	if err != nil {
		return true
	}
	switch r.status {
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// call sends req within b.timeout. An idempotent request gets one retry
// after a retryable outcome; the first attempt then has half the budget
// and the retry what is left, so the call never outlasts the budget. The
// error is errTimeout or errUnavailable (wrapped), or ctx's own error when
// the client went away.
//
// Below this, net/http's Transport also resends a request once when a
// kept-alive connection turns out to be closed, but only an idempotent
// one: never a POST without an Idempotency-Key header, as here.
// Source: https://pkg.go.dev/net/http#Transport
func (b *backend) call(ctx context.Context, req backendRequest) (backendReply, error) {
	budget, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	attempts := 1
	if idempotent(req.method) {
		attempts = 2
	}
	var (
		reply backendReply
		err   error
	)
	for i := range attempts {
		if i > 0 {
			b.logger.Debug("retrying the backend", "method", req.method, "path", req.path, "status", reply.status, "error", errText(err))
			pause := retryDelay + rand.N(retryDelay)
			select {
			case <-budget.Done():
				return reply, outcome(ctx, err)
			case <-time.After(pause):
			}
		}
		limit := b.timeout / time.Duration(attempts-i)
		reply, err = b.attempt(budget, limit, req)
		if ctx.Err() != nil || !retryable(reply, err) {
			break
		}
	}
	return reply, outcome(ctx, err)
}

// outcome is the call's error: the last attempt's (errTimeout or
// errUnavailable), or ctx's own when the client went away meanwhile.
func outcome(ctx context.Context, err error) error {
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("calling the backend: %w", ctx.Err())
	}
	return err
}

// attempt sends req once, within limit and ctx, and reads the whole
// response.
func (b *backend) attempt(ctx context.Context, limit time.Duration, req backendRequest) (backendReply, error) {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	u := *b.base
	u.Path = req.path
	u.RawQuery = req.query.Encode()
	var body io.Reader
	if req.body != nil {
		body = bytes.NewReader(req.body)
	}
	r, err := http.NewRequestWithContext(ctx, req.method, u.String(), body)
	if err != nil {
		return backendReply{}, fmt.Errorf("%w: building the request for %s %s: %w", errUnavailable, req.method, req.path, unwrapURL(err))
	}
	r.Header.Set("Accept", "application/json")
	if req.body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	if req.traceID != "" {
		r.Header.Set(traceHeader, req.traceID)
	}
	resp, err := b.client.Do(r)
	if err != nil {
		return backendReply{}, failure(ctx, req, "sending", err)
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBackendBody+1))
	if err != nil {
		return backendReply{}, failure(ctx, req, "reading the response of", err)
	}
	if len(data) > maxBackendBody {
		return backendReply{}, fmt.Errorf("%w: %s %s: the response exceeds %d bytes", errUnavailable, req.method, req.path, maxBackendBody)
	}
	return backendReply{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), body: data}, nil
}

// failure wraps a transport error as errTimeout when the attempt's
// deadline passed, errUnavailable otherwise, naming the method and path
// but not the URL: net/http's *url.Error quotes the whole URL, query
// included.
func failure(ctx context.Context, req backendRequest, step string, err error) error {
	kind := errUnavailable
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		kind = errTimeout
	}
	return fmt.Errorf("%w: %s %s %s: %w", kind, step, req.method, req.path, unwrapURL(err))
}

// unwrapURL returns the error inside a *url.Error, which would otherwise
// print the request's URL.
func unwrapURL(err error) error {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		return ue.Err
	}
	return err
}

// errText is err's message, or "" for nil (for logs).
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
