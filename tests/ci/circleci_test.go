// Package ci checks the CircleCI pipeline (.circleci/config.yml) offline:
// against CircleCI's own schema, against the commands the pulumi orb really
// has, and for the deployment rules the project relies on.
package ci

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/stacks/stack"
)

// root is the repository root (the folder holding go.mod).
func root(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, parent, dir, "no go.mod above the test")
		dir = parent
	}
}

// config loads .circleci/config.yml as plain data.
func config(t *testing.T) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root(t), ".circleci", "config.yml"))
	require.NoError(t, err)
	var out map[string]any
	require.NoError(t, yaml.Unmarshal(raw, &out))
	return out
}

func TestConfigMatchesCircleCISchema(t *testing.T) {
	schemaPath := filepath.Join(root(t), "tests", "ci", "testdata", "circleci-config.schema.json")
	_, err := os.Stat(schemaPath)
	require.NoError(t, err, "CircleCI's schema must be committed (tests/ci/testdata/README.md)")
	compiler := jsonschema.NewCompiler()
	schema, err := compiler.Compile(schemaPath)
	require.NoError(t, err)
	// yaml.v3 yields map[string]any, which the validator accepts; numbers
	// must be float64 or json.Number, so round-trip integers.
	require.NoError(t, schema.Validate(normalize(config(t))))
}

// normalize turns YAML ints into float64 as JSON decoding would.
func normalize(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = normalize(e)
		}
		return t
	case []any:
		for i, e := range t {
			t[i] = normalize(e)
		}
		return t
	case int:
		return float64(t)
	}
	return v
}

// orbCommands parses the orb's command table (tests/ci/testdata): command →
// parameter → required.
func orbCommands(t *testing.T) map[string]map[string]bool {
	t.Helper()
	f, err := os.Open(filepath.Join(root(t), "tests", "ci", "testdata", "pulumi-orb-2.2.0.md"))
	require.NoError(t, err, "the orb's command table must be committed (tests/ci/testdata/README.md)")
	defer func() { _ = f.Close() }()
	row := regexp.MustCompile("^\\| `([a-z_]+)` \\| `([a-z_-]+)` \\| [a-z]+ \\| `(.*)` \\|$")
	out := map[string]map[string]bool{}
	scan := bufio.NewScanner(f)
	for scan.Scan() {
		m := row.FindStringSubmatch(scan.Text())
		if m == nil {
			continue
		}
		if out[m[1]] == nil {
			out[m[1]] = map[string]bool{}
		}
		out[m[1]][m[2]] = m[3] == "(required)"
	}
	require.NoError(t, scan.Err())
	require.NotEmpty(t, out["preview"], "the orb table was not parsed")
	return out
}

// steps walks every step list of jobs and commands.
func steps(cfg map[string]any) []any {
	var out []any
	for _, section := range []string{"jobs", "commands"} {
		defs, _ := cfg[section].(map[string]any)
		for _, d := range defs {
			def, _ := d.(map[string]any)
			list, _ := def["steps"].([]any)
			out = append(out, list...)
		}
	}
	return out
}

func TestOrbStepsUseOnlyWhatTheOrbHas(t *testing.T) {
	commands := orbCommands(t)
	used := 0
	for _, step := range steps(config(t)) {
		m, ok := step.(map[string]any)
		if !ok {
			continue
		}
		for name, params := range m {
			cmd, isOrb := strings.CutPrefix(name, "pulumi/")
			if !isOrb {
				continue
			}
			used++
			known, ok := commands[cmd]
			require.True(t, ok, "the pulumi orb has no command %q", cmd)
			given, _ := params.(map[string]any)
			for p := range given {
				_, ok := known[p]
				assert.True(t, ok, "pulumi/%s has no parameter %q", cmd, p)
			}
			for p, required := range known {
				if required {
					assert.Contains(t, given, p, "pulumi/%s requires %q", cmd, p)
				}
			}
		}
	}
	assert.Positive(t, used)
}

// jobsOf returns a workflow's job invocations: name → (job, settings).
func jobsOf(t *testing.T, cfg map[string]any, workflow string) map[string]map[string]any {
	t.Helper()
	wf, ok := cfg["workflows"].(map[string]any)[workflow].(map[string]any)
	require.True(t, ok, "no workflow %q", workflow)
	out := map[string]map[string]any{}
	for _, raw := range wf["jobs"].([]any) {
		switch j := raw.(type) {
		case string:
			out[j] = map[string]any{"job": j}
		case map[string]any:
			for job, s := range j {
				settings, _ := s.(map[string]any)
				if settings == nil {
					settings = map[string]any{}
				}
				settings["job"] = job
				name, _ := settings["name"].(string)
				if name == "" {
					name = job
				}
				out[name] = settings
			}
		}
	}
	return out
}

// ciStacks are the stacks CI deploys: all but security, which has no CI
// role (people deploy it).
func ciStacks() []string {
	var out []string
	for _, s := range stack.Names() {
		if s != "security" {
			out = append(out, s)
		}
	}
	return out
}

// ciBranches reads a stack's refarch:ciBranches (globs) from its real file.
func ciBranches(t *testing.T, stackName string) []string {
	t.Helper()
	cfg, err := offline.LoadStackConfig(root(t), stackName)
	require.NoError(t, err)
	var globs []string
	require.NoError(t, json.Unmarshal([]byte(cfg.Values["refarch:ciBranches"]), &globs))
	return globs
}

// filterOf renders a job's branch filter as an anchored regular expression
// ("main" becomes ^main$, /^feature\/.*/ stays as written).
func filterOf(t *testing.T, job map[string]any) string {
	t.Helper()
	branches, _ := job["filters"].(map[string]any)["branches"].(map[string]any)
	only, ok := branches["only"].(string)
	require.True(t, ok, "job %v must run on named branches only", job["name"])
	if strings.HasPrefix(only, "/") && strings.HasSuffix(only, "/") {
		return strings.Trim(only, "/")
	}
	return "^" + regexp.QuoteMeta(only) + "$"
}

// globRegexp renders a refarch:ciBranches glob as the regular expression a
// branch filter must use for the same branches.
func globRegexp(glob string) string {
	re := regexp.QuoteMeta(glob)
	re = strings.ReplaceAll(re, `/`, `\/`)
	re = strings.ReplaceAll(re, `\*`, `.*`)
	if strings.HasSuffix(re, ".*") {
		return "^" + re
	}
	return "^" + re + "$"
}

// TestJobsRunOnlyOnBranchesTheCIRoleAdmits ties the pipeline to the trust
// policies: every job that needs a stack's CI role runs only on branches
// that stack's refarch:ciBranches admits (otherwise it could only fail),
// and every admitted branch pattern other than main gets a preview on pull
// requests.
func TestJobsRunOnlyOnBranchesTheCIRoleAdmits(t *testing.T) {
	cfg := config(t)
	previewed := map[string]map[string]bool{}
	for _, wf := range []string{"pull-request", "deploy"} {
		for name, job := range jobsOf(t, cfg, wf) {
			if job["job"] != "preview" && job["job"] != "update" {
				continue
			}
			var targets []string
			if s, ok := job["stack"].(string); ok {
				targets = []string{s}
			} else if m, ok := job["matrix"].(map[string]any); ok {
				for _, s := range m["parameters"].(map[string]any)["stack"].([]any) {
					targets = append(targets, s.(string))
				}
			}
			require.NotEmpty(t, targets, "%s/%s targets no stack", wf, name)
			filter := filterOf(t, job)
			for _, stackName := range targets {
				assert.NotEqual(t, "security", stackName, "%s/%s: the security account has no CI role", wf, name)
				admitted := false
				for _, glob := range ciBranches(t, stackName) {
					if globRegexp(glob) == filter {
						admitted = true
					}
				}
				assert.True(t, admitted, "%s/%s runs on %s, which %s's refarch:ciBranches %v does not admit", wf, name, filter, stackName, ciBranches(t, stackName))
				if job["job"] == "preview" && wf == "pull-request" {
					if previewed[stackName] == nil {
						previewed[stackName] = map[string]bool{}
					}
					previewed[stackName][filter] = true
				}
			}
		}
	}
	for _, stackName := range ciStacks() {
		for _, glob := range ciBranches(t, stackName) {
			if glob != "main" {
				assert.True(t, previewed[stackName][globRegexp(glob)], "pull requests from %s are not previewed on %s", glob, stackName)
			}
		}
	}
}

func TestPullRequestsNeverUpdate(t *testing.T) {
	jobs := jobsOf(t, config(t), "pull-request")
	for name, j := range jobs {
		assert.NotEqual(t, "update", j["job"], "%s: a pull request never updates", name)
		if j["job"] == "preview" {
			assert.Equal(t, []any{"test"}, j["requires"], "%s runs after the offline proof", name)
		}
	}
	test := jobs["test"]
	require.NotNil(t, test, "the offline proof (.ci/run, which plans all five stacks) runs on every pull request")
}

func TestMainUpdatesInOrderBehindApprovals(t *testing.T) {
	jobs := jobsOf(t, config(t), "deploy")
	order := ciStacks()
	preview := jobs["preview-<< matrix.stack >>"]
	require.NotNil(t, preview)
	var previewed []string
	for _, s := range preview["matrix"].(map[string]any)["parameters"].(map[string]any)["stack"].([]any) {
		previewed = append(previewed, s.(string))
	}
	assert.Equal(t, order, previewed, "main previews every stack it updates")
	for i, stackName := range order {
		j := jobs["update-"+stackName]
		require.NotNil(t, j, "no update of %s", stackName)
		assert.Equal(t, "update", j["job"])
		assert.Equal(t, stackName, j["stack"])
		requires, _ := j["requires"].([]any)
		if i == 0 {
			for _, s := range order {
				assert.Contains(t, requires, "preview-"+s, "updates start once every preview passed")
			}
			continue
		}
		prev := "update-" + order[i-1]
		if stackName == "stage" || stackName == "prod" {
			gate := jobs["approve-"+stackName]
			require.NotNil(t, gate, "%s needs an approval", stackName)
			assert.Equal(t, "approval", gate["type"])
			assert.Equal(t, []any{prev}, gate["requires"])
			assert.Equal(t, []any{"approve-" + stackName}, requires)
		} else {
			assert.Equal(t, []any{prev}, requires, "%s follows %s", stackName, order[i-1])
		}
	}
}

// TestNoLongLivedAWSKeys checks the pipeline never configures static AWS
// credentials: jobs get short-lived ones from their OIDC token.
func TestNoLongLivedAWSKeys(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(root(t), ".circleci", "config.yml"))
	require.NoError(t, err)
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if env, ok := x["environment"].(map[string]any); ok {
				for k := range env {
					assert.NotRegexp(t, `^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY)$`, k)
				}
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(config(t))
	assert.Contains(t, string(raw), "assume-role-with-web-identity")
	assert.Contains(t, string(raw), "CIRCLE_OIDC_TOKEN_V2")
}

// stepNames lists a job's steps by name: "checkout", "pulumi/preview",
// a command's name, or "run: <command>" for a run step.
func stepNames(t *testing.T, cfg map[string]any, job string) []string {
	t.Helper()
	jobs, _ := cfg["jobs"].(map[string]any)
	def, ok := jobs[job].(map[string]any)
	require.True(t, ok, "job %s", job)
	var out []string
	list, _ := def["steps"].([]any)
	for _, st := range list {
		switch v := st.(type) {
		case string:
			out = append(out, v)
		case map[string]any:
			for name, params := range v {
				if name == "run" {
					cmd := ""
					switch p := params.(type) {
					case string:
						cmd = p
					case map[string]any:
						cmd, _ = p["command"].(string)
					}
					out = append(out, "run: "+strings.TrimSpace(cmd))
					continue
				}
				out = append(out, name)
			}
		}
	}
	return out
}

func indexOf(list []string, prefix string) int {
	for i, s := range list {
		if strings.HasPrefix(s, prefix) {
			return i
		}
	}
	return -1
}

// TestPreviewsAreGuardedAndUpdatesChecked checks the order of what a
// preview and an update job do: the functions' zips exist before Pulumi
// reads them, every preview passes cmd/preview-guard (whose JSON is kept),
// an update is guarded before it applies and checked for leftover changes
// after, and the CLI is the version the real-engine test proves.
func TestPreviewsAreGuardedAndUpdatesChecked(t *testing.T) {
	cfg := config(t)
	for _, job := range []string{"preview", "update"} {
		names := stepNames(t, cfg, job)
		pack, guard, login := indexOf(names, "package-functions"), indexOf(names, "guard-preview"), indexOf(names, "pulumi/login")
		require.GreaterOrEqual(t, pack, 0, "%s packages the functions: %v", job, names)
		require.GreaterOrEqual(t, guard, 0, "%s guards its preview: %v", job, names)
		assert.Less(t, login, guard, job)
		assert.Less(t, pack, guard, "%s: the zips exist before the preview", job)
		if job == "update" {
			up := indexOf(names, "pulumi/update")
			check := indexOf(names, "run: pulumi preview --expect-no-changes")
			assert.Less(t, guard, up, "the guard runs before the update")
			assert.Greater(t, check, up, "the no-change check runs after the update")
		} else {
			assert.Less(t, pack, indexOf(names, "pulumi/preview"), job)
		}
	}
	commands, _ := cfg["commands"].(map[string]any)
	guard, _ := commands["guard-preview"].(map[string]any)
	require.NotNil(t, guard)
	rendered, err := json.Marshal(guard)
	require.NoError(t, err)
	assert.Contains(t, string(rendered), "go run ./cmd/preview-guard")
	assert.Contains(t, string(rendered), "store_artifacts")

	// The CLI the real-engine test drives (tools/pulumi/go.mod pins it).
	mod, err := os.ReadFile(filepath.Join(root(t), "tools", "pulumi", "go.mod"))
	require.NoError(t, err)
	pinned := regexp.MustCompile(`github.com/pulumi/pulumi/pkg/v3 v([0-9.]+)`).FindSubmatch(mod)
	require.NotNil(t, pinned)
	logins := 0
	for _, st := range steps(cfg) {
		m, _ := st.(map[string]any)
		if params, ok := m["pulumi/login"].(map[string]any); ok {
			logins++
			assert.Equal(t, string(pinned[1]), params["version"], "pulumi/login pins the CLI")
		}
	}
	assert.Positive(t, logins)
}
