package web

import (
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// read returns an embedded file.
func read(t *testing.T, name string) string {
	t.Helper()
	b, err := fs.ReadFile(Files, name)
	require.NoError(t, err, name)
	return string(b)
}

var (
	// reference is an attribute naming a URL, quoted or not.
	reference = regexp.MustCompile(`(?i)\s(src|href|action|formaction|poster|data)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)`)
	// scriptElement is a <script> element with its attributes and body.
	scriptElement = regexp.MustCompile(`(?is)<script\b([^>]*)>(.*?)</script\s*>`)
	// pathLiteral is a JavaScript string literal that starts with / .
	pathLiteral = regexp.MustCompile("['\"`](/[^'\"`]*)['\"`]")
	// byID is a lookup of an element by id in app.js.
	byID = regexp.MustCompile(`getElementById\('([^']+)'\)`)
)

// assets are the files index.html may reference, by URL.
var assets = []string{"/app.js", "/style.css", "/favicon.svg"}

func TestFilesAreTheSite(t *testing.T) {
	var names []string
	require.NoError(t, fs.WalkDir(Files, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, p)
		}
		return err
	}))
	assert.ElementsMatch(t, []string{"index.html", "app.js", "style.css", "favicon.svg"}, names)
	for _, n := range names {
		assert.NotEmpty(t, read(t, n), n)
	}
}

func TestIndexReferencesOnlyLocalAssets(t *testing.T) {
	html := read(t, "index.html")
	var refs []string
	for _, m := range reference.FindAllStringSubmatch(html, -1) {
		refs = append(refs, strings.Trim(m[2], `"'`))
	}
	require.NotEmpty(t, refs)
	for _, ref := range refs {
		assert.Contains(t, assets, ref, "only the bucket's own files, root-relative (deep links)")
		_, err := fs.Stat(Files, strings.TrimPrefix(ref, "/"))
		assert.NoError(t, err, "%s exists", ref)
	}
	for _, a := range assets {
		assert.Contains(t, refs, a, "every asset is used")
	}
	assert.NotRegexp(t, `(?i)(https?:)?//[a-z0-9]`, stripComments(html), "no external resources")
}

func TestIndexHasNoInlineCode(t *testing.T) {
	html := read(t, "index.html")
	scripts := scriptElement.FindAllStringSubmatch(html, -1)
	assert.Len(t, scripts, strings.Count(strings.ToLower(html), "<script"), "every <script> is closed")
	for _, s := range scripts {
		assert.Empty(t, strings.TrimSpace(s[2]), "no inline script body")
		assert.Contains(t, s[1], `src="/app.js"`)
	}
	assert.NotRegexp(t, `(?i)\sstyle\s*=`, html, "no style= attributes")
	assert.NotRegexp(t, `(?i)<style\b`, html, "no <style> elements")
	assert.NotRegexp(t, `(?i)\son[a-z]+\s*=`, html, "no event handler attributes")
	assert.NotContains(t, strings.ToLower(html), "javascript:")
}

func TestIndexDeclaresAStrictPolicy(t *testing.T) {
	html := read(t, "index.html")
	m := regexp.MustCompile(`<meta http-equiv="Content-Security-Policy" content="([^"]+)">`).FindStringSubmatch(html)
	require.Len(t, m, 2, "a Content-Security-Policy <meta>")
	policy := m[1]
	for _, d := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'"} {
		assert.Contains(t, policy, d)
	}
	assert.NotContains(t, policy, "unsafe-")
	assert.True(t, strings.HasPrefix(strings.ToLower(html), "<!doctype html>"), "standards mode")
	assert.Contains(t, html, `<meta charset="utf-8">`)
}

func TestScriptCallsOnlyTheNotesAPI(t *testing.T) {
	js := read(t, "app.js")
	var paths []string
	for _, m := range pathLiteral.FindAllStringSubmatch(stripComments(js), -1) {
		paths = append(paths, m[1])
	}
	assert.Equal(t, []string{"/api/notes"}, paths, "the only URL in the script")
	assert.Contains(t, js, "fetch(url")
	assert.Equal(t, 1, strings.Count(js, "fetch("), "one fetch, of request's url")
	assert.Contains(t, js, "request(API, {")
	assert.Contains(t, js, "request(listURL(")
	assert.NotRegexp(t, `(?i)['"\x60][a-z][a-z0-9+.-]*://`, js, "no absolute URLs")
	assert.NotRegexp(t, `['"\x60]//`, js, "no protocol-relative URLs")
}

func TestScriptNeverParsesData(t *testing.T) {
	js := read(t, "app.js")
	for _, banned := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "createContextualFragment", "DOMParser"} {
		assert.NotContains(t, js, banned)
	}
	assert.NotRegexp(t, `set(Timeout|Interval)\(\s*['"\x60]`, js, "no code in strings")
	assert.Contains(t, js, ".textContent = ")
	assert.Contains(t, js, "'use strict';")
}

func TestScriptFindsItsElements(t *testing.T) {
	html, js := read(t, "index.html"), read(t, "app.js")
	ids := byID.FindAllStringSubmatch(js, -1)
	require.NotEmpty(t, ids)
	for _, m := range ids {
		assert.Contains(t, html, `id="`+m[1]+`"`, "app.js looks up #%s", m[1])
	}
	assert.Regexp(t, `<button type="submit" id="add" disabled>`, html, "nothing is submitted before app.js runs")
}

func TestStyleIsSelfContained(t *testing.T) {
	css := read(t, "style.css")
	for _, banned := range []string{"@import", "url(", "expression("} {
		assert.NotContains(t, css, banned)
	}
	for _, class := range regexp.MustCompile(`(?m)^\.([a-z-]+)`).FindAllStringSubmatch(css, -1) {
		used := strings.Contains(read(t, "index.html"), `class="`+class[1]+`"`) || strings.Contains(read(t, "app.js"), `'`+class[1]+`'`)
		assert.True(t, used, "class %s is used", class[1])
	}
}

func TestIconIsAPlainImage(t *testing.T) {
	svg := read(t, "favicon.svg")
	assert.True(t, strings.HasPrefix(svg, `<svg xmlns="http://www.w3.org/2000/svg" `), "an SVG document (the namespace is a name, not a resource)")
	for _, banned := range []string{"<script", "<style", "<foreignObject", "href", "url(", "<!DOCTYPE", "<!ENTITY"} {
		assert.NotContains(t, svg, banned, "nothing to run, fetch or expand")
	}
	assert.NotRegexp(t, `(?i)\son[a-z]+\s*=`, svg, "no event handler attributes")
	assert.Regexp(t, `<link rel="icon" href="/favicon.svg" type="image/svg\+xml">`, read(t, "index.html"),
		"declared, so browsers do not ask for /favicon.ico, which the bucket does not hold")
}

// stripComments drops HTML, /* */ and // comments (roughly: enough for
// these files, whose strings hold no comment markers).
func stripComments(s string) string {
	s = regexp.MustCompile(`(?s)<!--.*?-->`).ReplaceAllString(s, "")
	s = regexp.MustCompile(`(?s)/\*.*?\*/`).ReplaceAllString(s, "")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if j := strings.Index(l, "//"); j >= 0 && !slices.Contains([]byte(l[:j]), '\'') {
			lines[i] = l[:j]
		}
	}
	return strings.Join(lines, "\n")
}
