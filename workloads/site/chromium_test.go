package site_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/audits"
	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/internal/needs"
	"github.com/refarch/refarch/workloads/internal/testservers"
)

// chromium is Debian's Chromium, or the test fails naming its package.
func chromium(t *testing.T) string {
	t.Helper()
	return needs.Command(t, "chromium", "chromium", "drive the site in a browser")
}

// report is something a page reported that a working page never does: a
// console call or a browser log entry of level error, an uncaught
// exception, or a Content-Security-Policy violation.
type report struct {
	// step is the step of the test running when it arrived.
	step string
	// kind is "console", "exception", "log" (the browser's own log:
	// failed requests, security messages), "csp" (a
	// securitypolicyviolation event of the page) or "csp-issue" (the
	// DevTools issue of a violation).
	kind string
	// source is a log entry's source ("network", "security", …).
	source string
	url    string
	text   string
}

// String is the report as the test prints it.
func (r report) String() string {
	return fmt.Sprintf("[%s] %s %s %s %s", r.step, r.kind, r.source, r.url, r.text)
}

// recorder keeps the reports, each with the step it arrived in.
type recorder struct {
	mu      sync.Mutex
	step    string
	reports []report
}

// begin starts a step: what arrives from now on is its.
func (r *recorder) begin(step string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.step = step
}

// add records rep in the current step.
func (r *recorder) add(rep report) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rep.step = r.step
	r.reports = append(r.reports, rep)
}

// of returns the reports of step.
func (r *recorder) of(step string) []report {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []report
	for _, rep := range r.reports {
		if rep.step == step {
			out = append(out, rep)
		}
	}
	return out
}

// violation is what the page's securitypolicyviolation listener sends.
// Source: https://developer.mozilla.org/en-US/docs/Web/API/SecurityPolicyViolationEvent
type violation struct {
	Directive   string `json:"directive"`
	BlockedURI  string `json:"blockedURI"`
	SourceFile  string `json:"sourceFile"`
	Line        int    `json:"line"`
	Disposition string `json:"disposition"`
}

// cspListener runs in every document before its own scripts (DevTools'
// scripts are not subject to the page's policy) and passes every
// violation to the exposed reportCSPViolation.
// Source: https://chromedevtools.github.io/devtools-protocol/tot/Page/#method-addScriptToEvaluateOnNewDocument
const cspListener = `document.addEventListener('securitypolicyviolation', (e) => {
  window.reportCSPViolation({directive: e.effectiveDirective, blockedURI: e.blockedURI,
    sourceFile: e.sourceFile, line: e.lineNumber, disposition: e.disposition});
});`

// browser is a headless Chromium with a profile of its own, and the
// reports of its one tab.
type browser struct {
	// tab is the chromedp context of the tab; derive a timeout from it
	// for each action, never on it (it would end the browser).
	tab context.Context
	rec *recorder
}

// startBrowser starts Chromium headless, trusting the certificate of the
// test's servers (certPEM) alone besides the system's roots, and
// listening to everything its tab reports; exe is its binary (chromium). Every Chromium process is gone
// at the end of the test, also when it fails: the browser is closed, its
// process killed, and then any process left that runs on its profile.
func startBrowser(t *testing.T, exe string, certPEM []byte) *browser {
	t.Helper()
	profile := filepath.Join(t.TempDir(), "chromium-profile")
	output := &testservers.SyncBuffer{}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(profile),
		// The new headless mode, the browser itself without a window.
		// Source: https://developer.chrome.com/docs/chromium/headless
		chromedp.Flag("headless", "new"),
		chromedp.DisableGPU,
		chromedp.WindowSize(1024, 768),
		// Certificate errors are ignored for the test certificate's key
		// alone (the flag needs --user-data-dir).
		// Source: https://source.chromium.org/chromium/chromium/src/+/main:services/network/public/cpp/network_switches.cc
		chromedp.Flag("ignore-certificate-errors-spki-list", spkiHash(t, certPEM)),
		chromedp.CombinedOutput(output),
	)
	if os.Geteuid() == 0 {
		// Chromium's sandbox refuses to run as root.
		// Source: https://chromium.googlesource.com/chromium/src/+/main/docs/linux/sandboxing.md
		opts = append(opts, chromedp.NoSandbox)
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	tab, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		closing, cancel := context.WithTimeout(tab, 10*time.Second)
		defer cancel()
		_ = chromedp.Cancel(closing) // closes the browser gracefully
		cancelTab()
		cancelAlloc() // kills the process if still there, and waits for it
		if left := killLeftovers(profile); left != nil {
			t.Errorf("Chromium processes outlived the test: %v", left)
		}
		if t.Failed() {
			t.Logf("chromium output:\n%s", output.String())
		}
	})

	b := &browser{tab: tab, rec: &recorder{step: "start"}}
	require.NoError(t, chromedp.Listen(tab, b.listen), "starting %s", exe)
	ctx, cancel := context.WithTimeout(tab, 15*time.Second)
	defer cancel()
	_, err := chromedp.Call(ctx, audits.Enable, cdp.Empty{})
	require.NoError(t, err, "enabling the Audits domain (CSP issues)")
	require.NoError(t, chromedp.Do(ctx, chromedp.ExposeFunc("reportCSPViolation", func(_ context.Context, v violation) (chromedp.Void, error) {
		b.rec.add(report{kind: "csp", url: v.BlockedURI, text: fmt.Sprintf("%s (%s) at %s:%d", v.Directive, v.Disposition, v.SourceFile, v.Line)})
		return chromedp.Void{}, nil
	})))
	_, err = chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: cspListener})
	require.NoError(t, err)
	return b
}

// listen records what the tab reports. It runs in chromedp's read loop,
// so it only appends.
// Sources: https://chromedevtools.github.io/devtools-protocol/tot/Runtime/#event-consoleAPICalled,
// https://chromedevtools.github.io/devtools-protocol/tot/Runtime/#event-exceptionThrown,
// https://chromedevtools.github.io/devtools-protocol/tot/Log/#event-entryAdded,
// https://chromedevtools.github.io/devtools-protocol/tot/Audits/#event-issueAdded
func (b *browser) listen(ev any) {
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range ev.Args {
				args = append(args, remoteText(a))
			}
			b.rec.add(report{kind: "console", text: string(ev.Type) + ": " + strings.Join(args, " ")})
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		text := d.Text
		if d.Exception != nil {
			text += " " + d.Exception.Description
		}
		b.rec.add(report{kind: "exception", url: d.URL, text: text})
	case *cdplog.EventEntryAdded:
		// Every error, and whatever the browser says about security
		// (where it explains a blocked load) at any level.
		e := ev.Entry
		if e.Level == cdplog.EntryLevelError || e.Source == cdplog.EntrySourceSecurity {
			b.rec.add(report{kind: "log", source: string(e.Source), url: e.URL, text: string(e.Level) + ": " + e.Text})
		}
	case *audits.EventIssueAdded:
		if ev.Issue.Code == audits.InspectorIssueCodeContentSecurityPolicyIssue {
			text := string(ev.Issue.Code)
			var blocked string
			if d := ev.Issue.Details; d != nil && d.ContentSecurityPolicyIssueDetails != nil {
				c := d.ContentSecurityPolicyIssueDetails
				text = fmt.Sprintf("%s: %s", c.ContentSecurityPolicyViolationType, c.ViolatedDirective)
				blocked = c.BlockedURL
			}
			b.rec.add(report{kind: "csp-issue", url: blocked, text: text})
		}
	}
}

// remoteText is a console argument as text.
func remoteText(o *runtime.RemoteObject) string {
	if o.Description != "" {
		return o.Description
	}
	var s string
	if err := json.Unmarshal(o.Value, &s); err == nil {
		return s
	}
	return string(o.Value)
}

// spkiHash is the flag's form of the certificate's key: base64 of the
// SHA-256 of its SubjectPublicKeyInfo.
func spkiHash(t *testing.T, certPEM []byte) string {
	t.Helper()
	block, _ := pem.Decode(certPEM)
	require.NotNil(t, block, "a PEM certificate")
	cert, err := x509.ParseCertificate(block.Bytes)
	require.NoError(t, err)
	sum := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// killLeftovers kills the processes running on the profile directory
// (Chromium passes --user-data-dir to each of its processes), until none
// is found three times in a row or 5 s passed, and returns those still
// there then.
func killLeftovers(profile string) []int {
	want := []byte("--user-data-dir=" + profile)
	find := func() []int {
		var pids []int
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			pid, err := strconv.Atoi(e.Name())
			if err != nil || pid == os.Getpid() {
				continue
			}
			cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
			if err != nil {
				continue
			}
			for arg := range bytes.SplitSeq(cmdline, []byte{0}) {
				if bytes.Equal(arg, want) {
					pids = append(pids, pid)
					break
				}
			}
		}
		return pids
	}
	deadline := time.Now().Add(5 * time.Second)
	for quiet := 0; quiet < 3; time.Sleep(20 * time.Millisecond) {
		pids := find()
		if len(pids) == 0 {
			quiet++
			continue
		}
		quiet = 0
		if time.Now().After(deadline) {
			return pids
		}
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	return nil
}
