package site_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pageSize is how many notes the page asks for at a time (app.js's
// PAGE_SIZE), and seeded how many notes the test adds through the API, so
// that with the first one the list spans three pages, the last one short.
const (
	pageSize = 20
	seeded   = 2*pageSize + 4
)

// The notes the test writes.
const (
	firstNote  = "My first note, written in Chromium"
	outageNote = "Written while the notes service was down"
)

// The steps whose reports are expected: the requests the page makes while
// the backend is down fail with the frontend's 502 (the browser logs each
// failed load as an error), and the detector's control provokes a
// violation.
const (
	stepOutage    = "outage"
	stepOutageAdd = "outage-add"
	stepControl   = "csp-control"
)

// TestSiteInChromium drives the notes page in Chromium, served as the CDN
// serves it, through the frontend and the backend on PostgreSQL and
// Memcached: a note created through the form is listed, three pages of
// notes are paged through with "More", the page shows its error when the
// backend is stopped and recovers when it returns. On every step, the
// page logs no error, throws nothing and violates neither
// Content-Security-Policy (its own <meta> and the CDN's header); a
// control at the end proves a violation would be seen.
func TestSiteInChromium(t *testing.T) {
	exe := chromium(t) // before anything starts
	bins := buildServices(t)
	st := startStack(t)
	st.migrate(t, bins.backend)
	backend, target := st.startBackend(t, bins.backend)
	lb := newLoadBalancer(t, st.pki.ServerTLS(t))
	lb.register(target)
	_, frontend := startFrontend(t, bins.frontend, lb.url(), st.pki.CAFile)
	cdn := newCDN(t, st.pki.ServerTLS(t), frontend)
	s := &session{t: t, b: startBrowser(t, exe, st.pki.CertPEM), base: cdn.URL, shots: t.ArtifactDir(),
		client: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: st.pki.ClientTLS()}}}
	defer s.client.CloseIdleConnections()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("what the page reported:\n%s", s.reports())
		}
	})

	s.begin("empty")
	resp := s.navigate("/")
	assert.EqualValues(t, http.StatusOK, resp.Status)
	security := http.Header{}
	cdnHeaders.Apply(security)
	require.Contains(t, security, "Content-Security-Policy")
	for name := range security {
		assert.Equal(t, security.Get(name), header(resp.Headers, name), "the page came with the CDN's %s", name)
	}
	s.waitFor("the empty list", `settled() && $('status').textContent === 'No notes yet.'`)
	s.expect(pageState{Status: "No notes yet."})
	s.shoot()

	s.begin("created")
	s.do(chromedp.SendKeys(chromedp.ID("note-text"), firstNote), chromedp.Click(chromedp.ID("add")))
	s.waitFor("the new note", listed(1))
	s.expect(pageState{Notes: []string{firstNote}})
	rows, err := st.pg.Connect(t, st.dbName).Query(t.Context(), `SELECT text FROM notes`)
	require.NoError(t, err)
	stored, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	assert.Equal(t, []string{firstNote}, stored, "the note is in PostgreSQL")
	s.shoot()

	// Newest first: the seeded notes from the last, then the first note.
	all := []string{firstNote}
	for i := range seeded {
		text := fmt.Sprintf("Seeded note %02d", i+1)
		s.post(text)
		all = slices.Insert(all, 0, text)
	}
	s.begin("page-1")
	s.navigate("/")
	s.waitFor("the first page", listed(pageSize))
	s.expect(pageState{Notes: all[:pageSize], More: true})
	s.shoot()

	s.begin("page-2")
	s.do(chromedp.Click(chromedp.ID("more")))
	s.waitFor("the second page", listed(2*pageSize))
	s.expect(pageState{Notes: all[:2*pageSize], More: true})
	s.shoot()

	s.begin("page-3")
	s.do(chromedp.Click(chromedp.ID("more")))
	s.waitFor("the last page", listed(len(all)))
	s.expect(pageState{Notes: all})
	s.shoot()

	// The page has no "back": a new visit, here by a deep link (the CDN's
	// single-page-app rewrite), starts at the first page again.
	s.begin("deep-link")
	s.navigate("/notes/from-a-link")
	s.waitFor("the first page", listed(pageSize))
	s.expect(pageState{Notes: all[:pageSize], More: true})
	s.shoot()

	// ECS stops the task: SIGTERM, and the target is deregistered.
	require.NoError(t, backend.stop(t), "the backend exits 0 on SIGTERM")
	lb.register(nil)
	s.begin(stepOutage)
	s.navigate("/")
	s.waitFor("the error", `settled() && $('error').checkVisibility()`)
	s.expect(pageState{Error: "the notes service failed"})
	s.shoot()

	s.begin(stepOutageAdd)
	s.do(chromedp.SendKeys(chromedp.ID("note-text"), outageNote), chromedp.Click(chromedp.ID("add")))
	s.waitReport(func(r report) bool { return r.url == s.base+"/api/notes" })
	s.waitFor("the error", `settled() && $('error').checkVisibility()`)
	s.expect(pageState{Error: "the notes service failed", Input: outageNote})
	s.shoot()

	// A new task, as ECS starts one, registered in its place; the user
	// sends the kept text again, then reloads.
	_, target = st.startBackend(t, bins.backend)
	lb.register(target)
	s.begin("recovered")
	s.do(chromedp.Click(chromedp.ID("add")))
	s.waitFor("the note", listed(1))
	s.expect(pageState{Notes: []string{outageNote}})
	s.shoot()

	s.begin("reloaded")
	all = slices.Insert(all, 0, outageNote)
	s.navigate("/")
	s.waitFor("the first page", listed(pageSize))
	s.expect(pageState{Notes: all[:pageSize], More: true})
	s.shoot()

	// The control: an inline script, which both policies forbid.
	s.begin(stepControl)
	ran := s.evaluate(`(() => {
  const el = document.createElement('script');
  el.textContent = 'window.inlineRan = true';
  document.head.append(el);
  return window.inlineRan === true;
})()`)
	assert.False(t, ran, "the inline script was blocked")
	s.waitReport(func(r report) bool { return r.kind == "csp" })
	s.waitReport(func(r report) bool { return r.kind == "csp-issue" })

	for _, step := range s.steps {
		got := s.b.rec.of(step)
		switch step {
		case stepOutage, stepOutageAdd:
			// The list, or the note sent.
			want := fmt.Sprintf("%s/api/notes?limit=%d", s.base, pageSize)
			if step == stepOutageAdd {
				want = s.base + "/api/notes"
			}
			if assert.Len(t, got, 1, "%s: only the failed request:\n%s", step, reportLines(got)) {
				assert.Equal(t, []string{"log", "network", want}, []string{got[0].kind, got[0].source, got[0].url}, "%s: %s", step, got[0])
				assert.Contains(t, got[0].text, "Failed to load resource: the server responded with a status of 502", "%s: %s", step, got[0])
			}
		case stepControl:
			for _, r := range got {
				assert.Contains(t, []string{"csp", "csp-issue", "log"}, r.kind, "%s: only the control's violation: %s", step, r)
				assert.Contains(t, r.text, "script-src", "%s: only the control's violation: %s", step, r)
			}
		default:
			assert.Empty(t, got, "%s: no console error, exception or CSP violation:\n%s", step, reportLines(got))
		}
	}
}

// session is the test's tab on the site.
type session struct {
	t *testing.T
	b *browser
	// base is the CDN's origin.
	base string
	// shots is where the screenshots go.
	shots string
	// client reaches the CDN as a viewer.
	client *http.Client
	// steps are the steps begun, in order.
	steps []string
}

// begin starts a step.
func (s *session) begin(step string) {
	s.steps = append(s.steps, step)
	s.b.rec.begin(step)
}

// do runs the actions within 20 s.
func (s *session) do(actions ...chromedp.Action[chromedp.Void]) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.b.tab, 20*time.Second)
	defer cancel()
	require.NoError(s.t, chromedp.Do(ctx, actions...), "step %s", s.current())
}

// navigate opens the site's path and returns the document's response,
// once the page has loaded.
func (s *session) navigate(path string) *network.Response {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.b.tab, 20*time.Second)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(s.base+path))
	require.NoError(s.t, err, "step %s: opening %s", s.current(), path)
	require.NotNil(s.t, resp, "step %s: %s has a response", s.current(), path)
	return resp
}

// evaluate returns the value of a JavaScript boolean expression.
func (s *session) evaluate(expression string) bool {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.b.tab, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expression))
	require.NoError(s.t, err, "step %s", s.current())
	return v
}

// pageHelpers are the functions the predicates use: $ is
// getElementById; settled is "no list request and no note being sent".
const pageHelpers = `const $ = (id) => document.getElementById(id);
const settled = () => document.readyState === 'complete' && !$('notes').hasAttribute('aria-busy') && !$('add').disabled;`

// listed is the predicate of a settled list of n notes.
func listed(n int) string {
	return fmt.Sprintf("settled() && $('notes').children.length === %d", n)
}

// waitFor polls the predicate until it holds, within 15 s.
func (s *session) waitFor(what, predicate string) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.b.tab, 20*time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.PollFunction[bool]("() => { "+pageHelpers+" return "+predicate+"; }",
		chromedp.WithPollingInterval(25*time.Millisecond), chromedp.WithPollingTimeout(15*time.Second)))
	if err != nil {
		s.t.Fatalf("step %s: waiting for %s (%s): %v\nthe page: %+v\nreports:\n%s", s.current(), what, predicate, err, s.state(), s.reports())
	}
}

// waitReport waits up to 10 s for a report of the current step that
// matches.
func (s *session) waitReport(match func(report) bool) {
	s.t.Helper()
	step := s.current()
	deadline := time.Now().Add(10 * time.Second)
	for !slices.ContainsFunc(s.b.rec.of(step), match) {
		if time.Now().After(deadline) {
			s.t.Fatalf("step %s: the expected report did not arrive; reports:\n%s", step, s.reports())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// pageState is what the page shows.
type pageState struct {
	// Notes are the texts of the listed notes, in order.
	Notes []string `json:"notes"`
	// Dated is how many of them show their date.
	Dated int `json:"dated"`
	// Error is the error's text when it is shown.
	Error string `json:"error"`
	// Status is the status line ("No notes yet.").
	Status string `json:"status"`
	// More is whether the "More" button is shown.
	More bool `json:"more"`
	// Input is the text in the form.
	Input string `json:"input"`
}

// state reads what the page shows; an element hidden by the hidden
// attribute or by style is not shown (Element.checkVisibility).
// Source: https://developer.mozilla.org/en-US/docs/Web/API/Element/checkVisibility
func (s *session) state() pageState {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.b.tab, 10*time.Second)
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](`(() => { `+pageHelpers+`
  return {
    notes: Array.from(document.querySelectorAll('#notes > li.note > p.note-text'), (e) => e.textContent),
    dated: document.querySelectorAll('#notes > li.note > time.note-date[datetime]').length,
    error: $('error').checkVisibility() ? $('error').textContent : '',
    status: $('status').textContent,
    more: $('more').checkVisibility(),
    input: $('note-text').value,
  };
})()`))
	require.NoError(s.t, err, "step %s: reading the page", s.current())
	var p pageState
	require.NoError(s.t, json.Unmarshal(raw, &p))
	return p
}

// expect requires the page to show want; every listed note shows its
// date.
func (s *session) expect(want pageState) {
	s.t.Helper()
	if want.Notes == nil {
		want.Notes = []string{}
	}
	want.Dated = len(want.Notes)
	require.Equal(s.t, want, s.state(), "step %s", s.current())
}

// shoot saves a screenshot of the whole page, named after the step, and
// prints its path.
func (s *session) shoot() {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.b.tab, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.Action[[]byte](fullPage))
	require.NoError(s.t, err, "step %s: screenshot", s.current())
	require.True(s.t, bytes.HasPrefix(png, []byte("\x89PNG")), "a PNG")
	path := filepath.Join(s.shots, fmt.Sprintf("%02d-%s.png", len(s.steps), s.current()))
	require.NoError(s.t, os.WriteFile(path, png, 0o600))
	s.t.Logf("screenshot of %s: %s", s.current(), path)
}

// fullPage takes a PNG of the whole page, the viewport and beyond: the
// page's content size is the clip, as in Puppeteer's fullPage screenshot.
// (chromedp.FullScreenshot leaves the size to the browser, which after
// some navigations captures the viewport alone.)
// Sources: https://chromedevtools.github.io/devtools-protocol/tot/Page/#method-captureScreenshot,
// https://pptr.dev/api/puppeteer.screenshotoptions
func fullPage(ctx context.Context, t *chromedp.Target) ([]byte, error) {
	m, err := cdp.Call(ctx, t, page.GetLayoutMetrics, cdp.Empty{})
	if err != nil {
		return nil, err
	}
	if m.CSSContentSize == nil {
		return nil, errors.New("the page reported no content size")
	}
	beyond := true
	r, err := cdp.Call(ctx, t, page.CaptureScreenshot, page.CaptureScreenshotParams{
		Format:                page.CaptureScreenshotFormatPng,
		CaptureBeyondViewport: &beyond,
		Clip:                  &page.Viewport{Width: math.Ceil(m.CSSContentSize.Width), Height: math.Ceil(m.CSSContentSize.Height), Scale: 1},
	})
	if err != nil {
		return nil, err
	}
	return r.Data, nil
}

// post creates a note through the CDN's /api/*, as the page does.
func (s *session) post(text string) {
	s.t.Helper()
	body, err := json.Marshal(map[string]string{"text": text})
	require.NoError(s.t, err)
	req, err := http.NewRequestWithContext(s.t.Context(), http.MethodPost, s.base+"/api/notes", bytes.NewReader(body))
	require.NoError(s.t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client.Do(req)
	require.NoError(s.t, err)
	_ = resp.Body.Close()
	require.Equal(s.t, http.StatusCreated, resp.StatusCode, "POST /api/notes %q", text)
}

// current is the step running.
func (s *session) current() string {
	if len(s.steps) == 0 {
		return "start"
	}
	return s.steps[len(s.steps)-1]
}

// reports are every report so far, one a line.
func (s *session) reports() string {
	s.b.rec.mu.Lock()
	defer s.b.rec.mu.Unlock()
	return reportLines(s.b.rec.reports)
}

// reportLines is reports one a line.
func reportLines(reports []report) string {
	var b strings.Builder
	for _, r := range reports {
		b.WriteString(r.String() + "\n")
	}
	return b.String()
}

// header is a response header by name, whatever its case.
func header(h network.Headers, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			s, _ := v.(string)
			return s
		}
	}
	return ""
}
