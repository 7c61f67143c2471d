package tests

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/stacks/stack"
)

// docPage reads a page of the repository (README.md, docs/keys.md, …).
func docPage(t *testing.T, rel string) string {
	t.Helper()
	root, err := offline.FindProjectDir(".")
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
	require.NoError(t, err)
	return string(b)
}

// between returns what a page holds between <!-- name --> and
// <!-- /name -->, or fails the test.
func between(t *testing.T, page, rel, name string) string {
	t.Helper()
	open, closing := "<!-- "+name+" -->\n", "<!-- /"+name+" -->"
	i := strings.Index(page, open)
	require.GreaterOrEqual(t, i, 0, "%s must hold %q", rel, open)
	j := strings.Index(page[i:], closing)
	require.GreaterOrEqual(t, j, 0, "%s must close %q", rel, closing)
	return page[i+len(open) : i+j]
}

// keyTable is the table docs/keys.md shows of every customer managed key
// the stacks create: one row per key, its name and description with the
// stack's name written as <stack>, the component that owns it (by type
// token) and the stacks that create it.
func keyTable(t *testing.T) string {
	t.Helper()
	type row struct{ name, owner, region, description string }
	stacksOf := map[row][]string{}
	var order []row
	for _, name := range stack.Names() {
		p := plan(t, name)
		for _, k := range p.ByType("aws:kms/key:Key") {
			owner := "the stack"
			if parent := p.ByURN(k.Parent); parent != nil && !parent.Custom {
				owner = "`" + parent.Type + "`"
			}
			generic := func(s string) string { return strings.ReplaceAll(s, name, "<stack>") }
			region := "the stack's"
			if prov := p.ProviderOf(k); prov != nil && prov.String("region") == "us-east-1" {
				region = "us-east-1"
			}
			r := row{generic(k.Name), owner, region, generic(k.String("description"))}
			if _, ok := stacksOf[r]; !ok {
				order = append(order, r)
			}
			stacksOf[r] = append(stacksOf[r], name)
		}
	}
	slices.SortStableFunc(order, func(a, b row) int { return strings.Compare(a.owner+a.name, b.owner+b.name) })
	var b strings.Builder
	b.WriteString("| key | owner | stacks | region | encrypts |\n|---|---|---|---|---|\n")
	for _, r := range order {
		stacks := stacksOf[r]
		in := strings.Join(stacks, ", ")
		if len(stacks) == len(stack.Names()) {
			in = "every stack"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", r.name, r.owner, in, r.region, strings.ReplaceAll(r.description, "|", "\\|"))
	}
	return b.String()
}

// TestKeysPageListsEveryKey keeps docs/keys.md's table of keys equal to
// the keys the stacks create, so a new key cannot go undocumented.
func TestKeysPageListsEveryKey(t *testing.T) {
	const rel = "docs/keys.md"
	fresh := keyTable(t)
	committed := between(t, docPage(t, rel), rel, "keys")
	assert.Equal(t, fresh, committed, "the table of keys in %s is stale; replace it with:\n%s", rel, fresh)
	// Every key is rotated: the page says so.
	for _, name := range stack.Names() {
		for _, k := range plan(t, name).ByType("aws:kms/key:Key") {
			assert.True(t, k.Bool("enableKeyRotation"), "%s: key %s is not rotated", name, k.Name)
		}
	}
}

// docPages are the hand-written and generated pages a reader follows from
// the README, relative to the project root.
func docPages(t *testing.T) []string {
	t.Helper()
	root, err := offline.FindProjectDir(".")
	require.NoError(t, err)
	pages := []string{"README.md", "CONTRIBUTING.md"}
	for _, pattern := range []string{"docs/*.md", "examples/*/README.md", "components/*/README.md"} {
		matches, err := filepath.Glob(filepath.Join(root, filepath.FromSlash(pattern)))
		require.NoError(t, err)
		require.NotEmpty(t, matches, pattern)
		for _, m := range matches {
			rel, err := filepath.Rel(root, m)
			require.NoError(t, err)
			pages = append(pages, filepath.ToSlash(rel))
		}
	}
	return pages
}

// TestDocsHoldTogether checks every page a reader follows from the README:
// each relative link names a file that exists (and a heading of it), each
// repository path quoted in backticks exists, each `refarch:` key named is
// one the program reads, and, outside the examples (other programs, with
// keys of their own), each `go run ./cmd/…` and `pulumi …` command is one
// the programs and the pinned CLI accept (the runbook's checker).
func TestDocsHoldTogether(t *testing.T) {
	c := newRunbookChecker(t)
	// Names the pages quote on purpose as mistakes the program refuses.
	mistakes := map[string]bool{"dbMultiAZ": true, "colour": true}
	key := regexp.MustCompile("refarch:([a-z][A-Za-z0-9]*)([-:*]?)")
	pages := docPages(t)
	var commands int
	for _, rel := range pages {
		doc := docPage(t, rel)
		assert.Empty(t, docLinkProblems(c.root, rel, doc), "links of %s", rel)
		assert.Empty(t, docPathProblems(c.root, rel, doc), "paths %s quotes", rel)
		for _, m := range key.FindAllStringSubmatch(doc, -1) {
			// refarch:<package>:<Type> tokens, refarch:vpn-server tags and
			// refarch:db* families are not single keys.
			if m[2] != "" || mistakes[m[1]] {
				continue
			}
			assert.True(t, c.keys[m[1]], "%s names refarch:%s, which is not a key the program reads (stacks.Keys)", rel, m[1])
		}
		if strings.HasPrefix(rel, "examples/") {
			continue
		}
		problems, checked := c.check(doc)
		assert.Empty(t, problems, "commands of %s that do not match the code", rel)
		commands += len(checked)
	}
	assert.Contains(t, pages, "docs/first-deployment.md")
	assert.Greater(t, commands, 100, "commands checked across the pages")
}

// TestReadmeListsEveryComponent keeps the README's table of components
// complete: every package under components/ has a reference page and a
// link from the README.
func TestReadmeListsEveryComponent(t *testing.T) {
	root, err := offline.FindProjectDir(".")
	require.NoError(t, err)
	entries, err := os.ReadDir(filepath.Join(root, "components"))
	require.NoError(t, err)
	readme := docPage(t, "README.md")
	var n int
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		n++
		link := "(components/" + e.Name() + "/README.md)"
		assert.Contains(t, readme, link, "README.md must link components/%s's reference", e.Name())
	}
	assert.GreaterOrEqual(t, n, 20, "component packages")
}

// TestFirstDeploymentCoversEveryStep keeps docs/first-deployment.md a
// complete checklist: it runs the commands of a first deployment (checked
// against the programs and the CLI by TestDocsHoldTogether), names every
// sample value's key, every CircleCI context and its variable, the secret
// people set, and the account ids the management stack exports.
func TestFirstDeploymentCoversEveryStep(t *testing.T) {
	const rel = "docs/first-deployment.md"
	c := newRunbookChecker(t)
	doc := docPage(t, rel)
	problems, checked := c.check(doc)
	assert.Empty(t, problems)
	for _, want := range []string{"go run ./cmd/plan", "go run ./cmd/package-functions", "go run ./cmd/bootstrap",
		"pulumi login", "pulumi stack new", "pulumi preview", "pulumi up", "pulumi stack output"} {
		assert.Contains(t, checked, want, "%s must run %s", rel, want)
	}
	for _, name := range stack.Names() {
		assert.Contains(t, doc, "pulumi stack init "+name+" ", "%s must create stack %s", rel, name)
		assert.Contains(t, doc, "`refarch-"+name+"`", "%s must name the CircleCI context of %s", rel, name)
	}
	for _, want := range []string{
		// Every key whose committed value is a sample.
		"accounts.<stack>.id", "accounts.<stack>.email", "circleciOrgId", "circleciProjectId", "ciRepository",
		"secretsprovider", "accountId", "costCenter", "alertEmails", "domain", "users", "vpnAllowedCidrs",
		"services[*].hosts", "edgeNames", "services[*].image",
		// CircleCI, DNS, secrets, the organization's accounts, the proof of a fork.
		"PULUMI_BACKEND_URL", "rootZoneNameServers", "alert-notifier/WEBHOOK_URL", "accountIds", "tools/test",
	} {
		assert.Contains(t, doc, want, "%s must cover %s", rel, want)
	}
}

// TestPerformancePageCountsTheResources keeps the resource counts of
// docs/performance.md's table of plan times equal to what each stack of the
// committed sample registers (the times are measurements, dated by the
// page; the counts are facts of the program).
func TestPerformancePageCountsTheResources(t *testing.T) {
	const rel = "docs/performance.md"
	page := docPage(t, rel)
	for _, name := range stack.Names() {
		row := regexp.MustCompile(`(?m)^\| ` + regexp.QuoteMeta(name) + ` \| ([0-9]+) \|`).FindStringSubmatch(page)
		require.NotNil(t, row, "%s must hold a row for %s", rel, name)
		assert.Equal(t, fmt.Sprint(len(samplePlan(t, name).Resources)), row[1], "%s: resources of %s", rel, name)
	}
}
