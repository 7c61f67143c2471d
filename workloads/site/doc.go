// Package site is the notes site as its viewers get it, proved end to end
// in a browser. It holds no code of its own: its test serves workloads/web
// the way the CDN does (components/edgecdn: the bucket's files with the
// single-page-app rewrite and the response headers policy, /api/*
// forwarded as it is), runs the frontend and backend binaries behind
// stand-ins for their load balancers, on a real PostgreSQL and Memcached
// (workloads/internal/testservers), and drives Debian's Chromium through
// the page with chromedp:
//
//	go test -run TestSiteInChromium ./workloads/site/
//
// Add -artifacts to keep the screenshot of each state the test goes
// through (it prints their paths with -v or on failure).
//
// It is a package of its own, and not a test of workloads/web, so that the
// site's static checks stay instant and need neither the browser, nor the
// servers, nor the Pulumi SDK this test needs.
package site
