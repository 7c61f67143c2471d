package tests

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/stacks"
	"github.com/refarch/refarch/stacks/stack"
)

// What another organization writes in place of the project's values: two
// candidates each, the first that differs from the project's own is used
// (so the test also holds on a project that took one of them).
var (
	forkAccountIDs = map[string][2]string{
		"management":      {"905817264305", "905817264306"},
		"security":        {"731524086401", "731524086402"},
		"shared-services": {"618203947552", "618203947553"},
		"dev":             {"402918375064", "402918375065"},
		"stage":           {"529384716023", "529384716024"},
		"prod":            {"847261039485", "847261039486"},
	}
	forkDomains        = [2]string{"cloud.acme-widgets.io", "acme-widgets.net"}
	forkMailDomains    = [2]string{"acme-mail.net", "acme-mail.org"}
	forkOrgIDs         = [2]string{"5d2c8e4a-7f1b-4c3e-9a6d-2b8f0e1c7a93", "5d2c8e4a-7f1b-4c3e-9a6d-2b8f0e1c7a94"}
	forkProjectIDs     = [2]string{"c41e9b27-0d5a-4f86-b3c2-7e9a1d4f6b08", "c41e9b27-0d5a-4f86-b3c2-7e9a1d4f6b09"}
	forkCIRepositories = [2]string{"github.com/acme-widgets/platform-infra", "github.com/acme-widgets/infrastructure"}
)

// forkTable maps the project's own values to another organization's.
type forkTable struct {
	// text are replaced wherever they occur in a value: account ids,
	// e-mail addresses, the CircleCI ids and repository, the domain.
	text map[string]string
	// users are the people's IAM user names (refarch:users[*].name).
	users map[string]string
	// repositories are the image repositories (refarch:ecrRepositories,
	// the repository of every image and the keys of refarch:releaseImages).
	repositories map[string]string
}

// String lists the table, one old → new pair a line.
func (f *forkTable) String() string {
	var lines []string
	for _, m := range []map[string]string{f.text, f.users, f.repositories} {
		for old, repl := range m {
			lines = append(lines, "  "+old+" → "+repl)
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// pick is the first candidate that is none of taken.
func pick(candidates [2]string, taken ...string) string {
	if slices.Contains(taken, candidates[0]) {
		return candidates[1]
	}
	return candidates[0]
}

// projectConfigs loads every stack's typed configuration from dir.
func projectConfigs(t *testing.T, dir string) map[string]*stacks.Config {
	t.Helper()
	out := map[string]*stacks.Config{}
	for _, name := range stack.Names() {
		raw, err := offline.LoadStackConfig(dir, name)
		require.NoError(t, err, "stack %s in %s", name, dir)
		cfg, err := stacks.Load(name, stack.MapSource(raw.Values))
		require.NoError(t, err, "stack %s in %s", name, dir)
		out[name] = cfg
	}
	return out
}

// newForkTable reads the values an organization replaces from the
// project's configuration and pairs each with another.
func newForkTable(t *testing.T, cfgs map[string]*stacks.Config) *forkTable {
	t.Helper()
	f := &forkTable{text: map[string]string{}, users: map[string]string{}, repositories: map[string]string{}}
	security := cfgs["security"]

	var ids []string
	for _, acct := range security.Accounts {
		ids = append(ids, acct.ID)
	}
	for name, acct := range security.Accounts {
		f.text[acct.ID] = pick(forkAccountIDs[name], ids...)
	}

	domains := map[string]bool{}
	for _, cfg := range cfgs {
		if cfg.Domain != "" {
			domains[cfg.Domain] = true
		}
	}
	require.Len(t, domains, 1, "one refarch:domain")
	for d := range domains {
		f.text[d] = pick(forkDomains, d)
	}

	var emails []string
	for _, cfg := range cfgs {
		emails = append(emails, cfg.AlertEmails...)
		for _, u := range cfg.Baseline.Users {
			emails = append(emails, u.Email)
		}
	}
	for _, acct := range security.Accounts {
		if acct.Email != "" {
			emails = append(emails, acct.Email)
		}
	}
	for _, e := range emails {
		local, domain, ok := strings.Cut(e, "@")
		require.True(t, ok, "address %q", e)
		f.text[e] = local + "@" + pick(forkMailDomains, domain)
	}

	f.text[security.CI.OrgID] = pick(forkOrgIDs, security.CI.OrgID)
	f.text[security.CI.ProjectID] = pick(forkProjectIDs, security.CI.ProjectID)
	f.text[security.CI.Repository] = pick(forkCIRepositories, security.CI.Repository)

	for _, u := range security.Baseline.Users {
		f.users[u.Name] = "fork." + u.Name
	}
	for _, r := range cfgs["shared-services"].Platform.ECRRepositories {
		f.repositories[r] = "fork-" + r
	}
	return f
}

// image is another organization's image for ref: its repository renamed,
// another digest, or another tag (latest stays latest).
func (f *forkTable) image(ref string) string {
	i := strings.IndexAny(ref, ":@")
	if i < 0 {
		i = len(ref)
	}
	repo, rest := ref[:i], ref[i:]
	if r, ok := f.repositories[repo]; ok {
		repo = r
	}
	switch {
	case strings.HasPrefix(rest, "@sha256:"):
		sum := sha256.Sum256([]byte(rest))
		rest = "@sha256:" + hex.EncodeToString(sum[:])
	case rest != "" && rest != ":latest":
		rest = ":fork-" + rest[1:]
	}
	return repo + rest
}

// rewrite replaces the project's values in one YAML node; path holds the
// mapping keys above it.
func (f *forkTable) rewrite(n *yaml.Node, path []string, text *strings.Replacer) {
	key := ""
	if len(path) > 0 {
		key = path[len(path)-1]
	}
	under := func(k string) bool { return slices.Contains(path, k) || slices.Contains(path, "refarch:"+k) }
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for _, c := range n.Content {
			f.rewrite(c, path, text)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if r, ok := f.repositories[k.Value]; ok && under("releaseImages") && v.Kind == yaml.ScalarNode {
				k.Value, v.Value = r, f.image(v.Value)
				continue
			}
			f.rewrite(v, append(slices.Clone(path), k.Value), text)
		}
	case yaml.ScalarNode:
		switch {
		case key == "image" && under("services"):
			n.Value = f.image(n.Value)
		case under("ecrRepositories") && f.repositories[n.Value] != "":
			n.Value = f.repositories[n.Value]
		case key == "name" && under("users") && f.users[n.Value] != "":
			n.Value = f.users[n.Value]
		default:
			n.Value = text.Replace(n.Value)
		}
	}
}

// forkProject writes a copy of the project's Pulumi.yaml and stack files
// into a new folder with the values of the table replaced.
func forkProject(t *testing.T, src string, f *forkTable) string {
	t.Helper()
	// Longest first: where two values start at the same place, the
	// longer is the one meant.
	olds := slices.Collect(maps.Keys(f.text))
	slices.SortFunc(olds, func(a, b string) int { return cmp.Or(len(b)-len(a), strings.Compare(a, b)) })
	var pairs []string
	for _, old := range olds {
		pairs = append(pairs, old, f.text[old])
	}
	text := strings.NewReplacer(pairs...)
	files, err := filepath.Glob(filepath.Join(src, "Pulumi*.yaml"))
	require.NoError(t, err)
	require.Len(t, files, 1+len(stack.Names()), "Pulumi.yaml and one file per stack")
	dir := t.TempDir()
	for _, file := range files {
		b, err := os.ReadFile(file)
		require.NoError(t, err)
		var doc yaml.Node
		require.NoError(t, yaml.Unmarshal(b, &doc), file)
		f.rewrite(&doc, nil, text)
		var out bytes.Buffer
		enc := yaml.NewEncoder(&out)
		enc.SetIndent(2)
		require.NoError(t, enc.Encode(&doc))
		require.NoError(t, enc.Close())
		require.NoError(t, os.WriteFile(filepath.Join(dir, filepath.Base(file)), out.Bytes(), 0o600))
	}
	return dir
}

// ownValues are the values of a configuration an organization replaces
// with its own: account ids, domain, addresses, people, the CircleCI
// triple, image repositories and images.
func ownValues(cfgs map[string]*stacks.Config) []string {
	var out []string
	for _, cfg := range cfgs {
		out = append(out, cfg.AccountID, cfg.CI.OrgID, cfg.CI.ProjectID, cfg.CI.Repository, cfg.Domain)
		out = append(out, cfg.AlertEmails...)
		for _, a := range cfg.Accounts {
			out = append(out, a.ID, a.Email)
		}
		for _, u := range cfg.Baseline.Users {
			out = append(out, u.Name, u.Email)
		}
		out = append(out, cfg.Platform.ECRRepositories...)
		for _, s := range cfg.Platform.Services {
			out = append(out, s.Image, repositoryOf(s.Image))
		}
	}
	out = slices.DeleteFunc(out, func(s string) bool { return s == "" })
	slices.Sort(out)
	return slices.Compact(out)
}

// TestAnotherOrganizationsConfigurationPasses does what an adopter does:
// writes their own account ids, domain, addresses, people, CircleCI ids and
// repository, and images into Pulumi.yaml and the stack files. Every other
// test of this package must pass on that copy as on the project's own
// files: this test runs the test binary again with REFARCH_PROJECT_DIR
// naming the copy. It reads the values to replace from the configuration,
// so it holds for a project that already has its own.
func TestAnotherOrganizationsConfigurationPasses(t *testing.T) {
	src, err := offline.FindProjectDir(".")
	require.NoError(t, err)
	own := projectConfigs(t, src)
	table := newForkTable(t, own)
	dir := forkProject(t, src, table)

	// Nothing of the project's own is left in the copy's configuration.
	theirs := ownValues(projectConfigs(t, dir))
	for _, v := range ownValues(own) {
		assert.NotContains(t, theirs, v, "the copy still holds a value of the project's own: extend the fork table:\n%s", table)
	}
	if t.Failed() {
		return
	}

	ctx := context.Background()
	if deadline, ok := t.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline.Add(-10*time.Second))
		defer cancel()
	}
	// Every test runs again but this one: the docs' figures too, which
	// describe the committed sample (tests/testdata/sample).
	args := []string{"-test.skip", "^TestAnotherOrganizationsConfigurationPasses$", "-test.count", "1"}
	if testing.Short() {
		args = append(args, "-test.short")
	}
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = append(os.Environ(), projectEnv+"="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Logf("go test of the copy (%s=%s):\n%s", projectEnv, dir, out)
		t.Fatalf("the tests fail (output above) on a copy of the project's configuration with these values replaced:\n%s\n%v", table, err)
	}
}
