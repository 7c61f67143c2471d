package site_test

import (
	"bytes"
	"crypto/tls"
	"io"
	"io/fs"
	"log"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/refarch/refarch/components/edgecdn"
	"github.com/refarch/refarch/workloads/web"
)

// cdnHeaders are the security headers the distribution adds to every
// response: stacks/edgepart sets neither Args.HSTSMaxAge nor
// Args.ContentSecurityPolicy, so they are the component's defaults.
var cdnHeaders = edgecdn.SecurityHeadersOf(nil)

// apiPrefix is what the API behavior's path pattern matches: CloudFront's
// * is any run of characters, so "/api/*" is every path under /api/.
// Source: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/DownloadDistValuesCacheBehavior.html#DownloadDistValuesPathPattern
var apiPrefix = strings.TrimSuffix(edgecdn.DefaultAPIPathPattern, "*")

// newCDN stands in for the distribution components/edgecdn builds for
// stacks/edgepart with an API origin and SinglePageApp, as stage and prod
// have them, serving HTTPS with serverTLS:
//
//   - paths under apiPrefix go to the API origin, the frontend (the public
//     load balancer's target) at api: path and query string as they are,
//     every viewer header but Host, nothing cached (CachingDisabled,
//     AllViewerExceptHostHeader).
//   - every other path is the bucket's (workloads/web's files), after the
//     viewer-request function that serves the root object for a path
//     whose last segment has no extension (edgecdn's spaRewrite); a key the
//     bucket does not hold is S3's 403, since the bucket policy grants no
//     s3:ListBucket.
//   - every response gets cdnHeaders, as the response headers policy of
//     both behaviors adds them.
//
// Sources: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/controlling-origin-requests.html,
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/example-function-add-index.html,
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html
func newCDN(t *testing.T, serverTLS *tls.Config, api *url.URL) *httptest.Server {
	t.Helper()
	transport := targetClient()
	t.Cleanup(transport.CloseIdleConnections)
	origin := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(api)
			r.SetXForwarded()
		},
		Transport: transport,
		ModifyResponse: func(resp *http.Response) error {
			cdnHeaders.Apply(resp.Header)
			return nil
		},
		ErrorLog: log.New(io.Discard, "", 0),
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, apiPrefix) {
			origin.ServeHTTP(w, r)
			return
		}
		serveBucket(w, r)
	}))
	srv.TLS = serverTLS
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// serveBucket answers a request of the default behavior from the site's
// files.
func serveBucket(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	cdnHeaders.Apply(h)
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "This distribution is not configured to allow the HTTP request method that was used for this request.", http.StatusForbidden)
		return
	}
	key := r.URL.Path
	if last := key[strings.LastIndex(key, "/")+1:]; !strings.Contains(last, ".") {
		key = "/" + edgecdn.DefaultRootObject
	}
	key = strings.TrimPrefix(key, "/")
	data, err := fs.ReadFile(web.Files, key)
	if err != nil {
		h.Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>`)
		return
	}
	// The pipeline's `aws s3 sync` sets each object's Content-Type from
	// its extension, as mime.TypeByExtension does here.
	h.Set("Content-Type", mime.TypeByExtension(path.Ext(key)))
	http.ServeContent(w, r, key, time.Time{}, bytes.NewReader(data))
}
