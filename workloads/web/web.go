// Package web is the static site: the notes page, its script and its
// style sheet, which the CDN serves from its bucket (every path but
// /api/*, which goes to the frontend). There is no build step: Files are
// the objects to upload, under their own names, for a delivery step to
// sync to the bucket.
//
// The distribution's default root object is index.html and, for a single
// page app, unknown paths are answered with index.html and status 200
// (custom error responses for the bucket's 403/404, or a viewer-request
// function when an API shares the distribution), so the page is written
// for deep links: every URL in it is root-relative (/app.js, /api/notes).
// Sources: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/DefaultRootObject.html,
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/GeneratingCustomErrorResponses.html
package web

import "embed"

// Files are the site's files, at the root: index.html, app.js, style.css
// and favicon.svg.
//
//go:embed index.html app.js style.css favicon.svg
var Files embed.FS
