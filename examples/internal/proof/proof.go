// Package proof is what the examples' tests share: planning an example
// offline with its own Pulumi.yaml and sample stack file, judging the plan
// with refarch's rules (insights/policies), and checking what its README
// states (the monthly cost, the configuration keys, the links).
package proof

import (
	"encoding/json"
	"fmt"
	"go/parser"
	"go/token"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/insights/cost"
	"github.com/refarch/refarch/insights/policies"
	"github.com/refarch/refarch/offline"
)

// Stack is the sample stack of every example: Pulumi.example.yaml.
const Stack = "example"

// Dir is an example's folder (holding Pulumi.yaml) seen from its program
// package, where its tests run.
const Dir = ".."

// Plan plans program as the example's sample stack, with set overriding
// keys of the stack file ("ecs-service:protect": "true") as `pulumi config
// set` would. The engine's warnings about the configuration (a key the
// project does not declare) fail t.
func Plan(t testing.TB, program pulumi.RunFunc, set map[string]string) *offline.Plan {
	t.Helper()
	p, err := offline.RunStack(program, Stack, offline.Options{Dir: Dir, Set: set})
	require.NoError(t, err, "offline plan of the sample stack")
	require.Empty(t, p.Warnings, "the sample stack file warns")
	return p
}

// Sample returns the sample stack's configuration (Pulumi.yaml's defaults
// and Pulumi.example.yaml's values) by key without the project's prefix
// ("accountId"), arrays and objects as JSON, so tests assert what the
// sample asks for rather than copies of its values.
func Sample(t testing.TB) map[string]string {
	t.Helper()
	cfg, err := offline.LoadStackConfig(Dir, Stack)
	require.NoError(t, err)
	out := map[string]string{}
	for k, v := range cfg.Values {
		if key, ok := strings.CutPrefix(k, cfg.Project+":"); ok {
			out[key] = v
		}
	}
	return out
}

// List decodes a sample value holding a JSON list of strings.
func List(t testing.TB, v string) []string {
	t.Helper()
	var out []string
	require.NoError(t, json.Unmarshal([]byte(v), &out), "a list: %s", v)
	return out
}

// AccountRules are the rules that judge an account rather than a workload:
// its password policy, default encryption, audit trail, recorder, threat
// detection, patching and sessions. refarch's SecurityBaseline satisfies
// every one (the security-baseline example's test proves it); an example
// that leaves the account to its baseline fails them on its own.
var AccountRules = []string{
	"iam-password-length",
	"iam-password-reuse",
	"iam-password-complexity",
	"iam-access-analyzer",
	"ec2-ebs-encryption-by-default",
	"s3-account-public-access-block",
	"cloudtrail-multi-region",
	"cloudtrail-kms",
	"cloudtrail-log-file-validation",
	"cloudtrail-cloudwatch-logs",
	"config-recorder-all-resources",
	"guardduty-enabled",
	"guardduty-protection-plans",
	"securityhub-enabled",
	"guardduty-findings-alert",
	"ec2-account-imdsv2-default",
	"ssm-security-patching",
	"ssm-sessions-logged-encrypted",
}

// AccountReason explains a failure of one of AccountRules.
const AccountReason = "an account-level control: the account's baseline provides it (the security-baseline example)"

// Explain maps each rule in ids to reason, for a Judge's explained map.
func Explain(reason string, ids ...string) map[string]string {
	out := make(map[string]string, len(ids))
	for _, id := range ids {
		out[id] = reason
	}
	return out
}

// Merge merges explained maps; a later reason wins.
func Merge(maps ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range maps {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// Judge runs every rule of insights/policies on the plan and fails t
// unless the failures are exactly the rules of explained (each with its
// reason): an unexplained failure is a defect of the example, an
// explanation that no longer fails is stale. AWS's documented rules
// (policies.AWSCatalog: what AWS refuses or silently breaks) may never
// fail. It returns the results.
func Judge(t testing.TB, p *offline.Plan, explained map[string]string) []policies.Result {
	t.Helper()
	stack := policies.FromPlan(p)
	for _, r := range policies.Failures(policies.Evaluate(stack, policies.AWSCatalog())) {
		t.Errorf("AWS rule %s fails:\n%s", r.Rule.ID, findings(r))
	}
	results := policies.Evaluate(stack, policies.Rules())
	failed := map[string]bool{}
	for _, r := range policies.Failures(results) {
		failed[r.Rule.ID] = true
		reason, ok := explained[r.Rule.ID]
		switch {
		case !ok:
			t.Errorf("rule %s (%s) fails, unexplained:\n%s", r.Rule.ID, strings.Join(r.Rule.Controls, ", "), findings(r))
		case r.Rule.Area == policies.AWSRules:
			t.Errorf("AWS rule %s fails; AWS's rules are never explained away (%s)", r.Rule.ID, reason)
		}
	}
	for _, id := range sortedKeys(explained) {
		assert.True(t, failed[id], "rule %s is explained (%q) but passes: remove the explanation", id, explained[id])
	}
	return results
}

// Passes fails t unless every rule of ids ran on the plan and passed.
func Passes(t testing.TB, p *offline.Plan, ids []string) {
	t.Helper()
	status := map[string]policies.Status{}
	for _, r := range policies.Evaluate(policies.FromPlan(p), policies.Rules()) {
		status[r.Rule.ID] = r.Status
	}
	for _, id := range ids {
		assert.Equal(t, policies.Pass, status[id], "rule %s on %s", id, p.Project)
	}
}

func findings(r policies.Result) string {
	var lines []string
	for _, f := range r.Findings {
		lines = append(lines, "  "+f.String())
	}
	return strings.Join(lines, "\n")
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// monthly is how an example's README states its cost.
var monthly = regexp.MustCompile(`about \$([0-9,]+) a month`)

// Readme reads the example's README.md.
func Readme(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(Dir, "README.md"))
	require.NoError(t, err)
	return string(b)
}

// Cost fails t unless the README states the plan's monthly estimate
// (insights/cost, the embedded price table) as "about $N a month", N the
// total rounded to the dollar, and names the price table's date.
func Cost(t testing.TB, p *offline.Plan) *cost.Estimate {
	t.Helper()
	e, err := cost.EstimatePlan(p)
	require.NoError(t, err)
	assert.Empty(t, e.NotPriced, "every resource of the example is priced")
	readme := Readme(t)
	m := monthly.FindStringSubmatch(readme)
	require.NotNil(t, m, "README.md states the cost as \"about $N a month\"")
	assert.Equal(t, fmt.Sprint(int(math.Round(e.Total))), strings.ReplaceAll(m[1], ",", ""),
		"README.md's monthly cost against insights/cost's estimate of the sample stack (%.2f USD in %s)", e.Total, e.Region)
	assert.Contains(t, readme, e.PriceDate, "README.md names the date of the prices")
	return e
}

// configSet matches the keys of the README's `pulumi config set` commands.
var configSet = regexp.MustCompile("pulumi config set (?:--path |--secret )*'?([A-Za-z0-9:_.-]+)")

// links matches the relative links of a Markdown page.
var links = regexp.MustCompile(`\]\((\.[^)#\s]*)(#[^)]*)?\)`)

// ReadmeAgrees fails t unless the README's commands agree with the
// example: every `pulumi config set` names a key Pulumi.yaml declares,
// every key without a default is set that way, the offline test's
// command names this package, and every relative link resolves.
func ReadmeAgrees(t testing.TB, pkg string) {
	t.Helper()
	readme := Readme(t)
	proj, err := workspace.LoadProject(filepath.Join(Dir, "Pulumi.yaml"))
	require.NoError(t, err)

	set := map[string]bool{}
	for _, m := range configSet.FindAllStringSubmatch(readme, -1) {
		key := strings.TrimPrefix(m[1], proj.Name.String()+":")
		set[key] = true
		_, declared := proj.Config[key]
		assert.True(t, declared, "README.md sets %s, which Pulumi.yaml does not declare", m[1])
	}
	for key, typ := range proj.Config {
		if typ.Default == nil && typ.Value == nil {
			assert.True(t, set[key], "README.md does not show `pulumi config set %s`, which every stack needs", key)
		}
	}
	assert.Contains(t, readme, "go test ./examples/"+pkg+"/program/", "README.md shows the offline test's command")

	found := links.FindAllStringSubmatch(readme, -1)
	require.NotEmpty(t, found, "README.md links to the components' reference pages")
	for _, m := range found {
		_, err := os.Stat(filepath.Join(Dir, filepath.FromSlash(m[1])))
		assert.NoError(t, err, "README.md links to %s", m[1])
	}
}

// module is refarch's module path; library is what another team imports.
const (
	module  = "github.com/refarch/refarch/"
	library = module + "components/"
)

// UsesOnlyTheLibrary fails t unless the example's program (its main.go and
// the program package, tests aside) imports nothing of refarch but the
// component library: no stack, no offline engine, no insight. Another team
// has no more.
func UsesOnlyTheLibrary(t testing.TB) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(Dir, "program", "*.go"))
	require.NoError(t, err)
	files = append(files, filepath.Join(Dir, "main.go"))
	fset := token.NewFileSet()
	checked := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		parsed, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
		require.NoError(t, err)
		checked++
		for _, imp := range parsed.Imports {
			path, err := strconv.Unquote(imp.Path.Value)
			require.NoError(t, err)
			if strings.HasPrefix(path, module) && !strings.HasPrefix(path, library) && !strings.HasSuffix(path, "/program") {
				t.Errorf("%s imports %s: an example uses the component library only (%s…)", f, path, library)
			}
		}
	}
	assert.GreaterOrEqual(t, checked, 2, "main.go and the program package")
}
