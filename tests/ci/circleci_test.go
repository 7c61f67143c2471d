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

	"github.com/refarch/refarch/components/deployaccess"
	"github.com/refarch/refarch/stacks/platformpart"
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

// matrixStacks are the stacks a job invocation's matrix (or its stack
// parameter) names.
func matrixStacks(t *testing.T, job map[string]any) []string {
	t.Helper()
	if s, ok := job["stack"].(string); ok {
		return []string{s}
	}
	var out []string
	if m, ok := job["matrix"].(map[string]any); ok {
		for _, s := range m["parameters"].(map[string]any)["stack"].([]any) {
			out = append(out, s.(string))
		}
	}
	return out
}

// branchFilter returns a job's branch filter: "only" or "ignore", and its value.
func branchFilter(job map[string]any) (string, string) {
	branches, _ := job["filters"].(map[string]any)["branches"].(map[string]any)
	if only, ok := branches["only"].(string); ok {
		return "only", only
	}
	ignore, _ := branches["ignore"].(string)
	return "ignore", ignore
}

// stackFiles are the stacks that have a Pulumi.<stack>.yaml.
func stackFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root(t), "Pulumi.*.yaml"))
	require.NoError(t, err)
	var out []string
	for _, f := range files {
		out = append(out, strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "Pulumi."), ".yaml"))
	}
	require.ElementsMatch(t, stack.Names(), out, "one stack file per stack")
	return out
}

// TestEveryStackIsPreviewedOnPullRequestsAndUpdatedOnMain: every stack file
// has a preview on every pull request (never main) and an update on main
// only, and prod's and security's updates wait for an approval.
func TestEveryStackIsPreviewedOnPullRequestsAndUpdatedOnMain(t *testing.T) {
	cfg := config(t)
	pr, deploy := jobsOf(t, cfg, "pull-request"), jobsOf(t, cfg, "deploy")
	previewed := map[string]bool{}
	for name, job := range pr {
		if job["job"] != "preview" {
			continue
		}
		kind, value := branchFilter(job)
		assert.Equal(t, [2]string{"ignore", "main"}, [2]string{kind, value}, "%s runs on every pull request's branch", name)
		for _, s := range matrixStacks(t, job) {
			previewed[s] = true
		}
	}
	updated := map[string]bool{}
	for name, job := range deploy {
		if job["job"] == "approval" || job["type"] == "approval" {
			continue
		}
		kind, value := branchFilter(job)
		assert.Equal(t, [2]string{"only", "main"}, [2]string{kind, value}, "%s runs on main only", name)
		if job["job"] == "update" {
			for _, s := range matrixStacks(t, job) {
				updated[s] = true
			}
		}
	}
	for _, s := range stackFiles(t) {
		assert.True(t, previewed[s], "pull requests preview %s", s)
		assert.True(t, updated[s], "main updates %s", s)
	}
	for _, s := range []string{"prod", "security"} {
		j := deploy["update-"+s]
		require.NotNil(t, j)
		gate := deploy["approve-"+s]
		require.NotNil(t, gate, "%s's update needs an approval", s)
		assert.Equal(t, "approval", gate["type"])
		assert.Equal(t, []any{"approve-" + s}, j["requires"], "%s updates only once approved", s)
	}
}

// assumedRoles lists the roles a job's assume-role steps take.
func assumedRoles(t *testing.T, cfg map[string]any, job string) []string {
	t.Helper()
	def, ok := cfg["jobs"].(map[string]any)[job].(map[string]any)
	require.True(t, ok, "job %s", job)
	var out []string
	for _, st := range def["steps"].([]any) {
		m, _ := st.(map[string]any)
		if params, ok := m["assume-role"].(map[string]any); ok {
			out = append(out, params["role"].(string))
		}
	}
	return out
}

// TestJobsUseOnlyTheirRoles: previews run as the read-only preview role
// and tell the program so, updates as the deploy role, the packaging as
// the ECR push role; nothing else exchanges a token.
func TestJobsUseOnlyTheirRoles(t *testing.T) {
	cfg := config(t)
	assert.Equal(t, []string{"refarch-preview"}, assumedRoles(t, cfg, "preview"))
	assert.Equal(t, []string{"refarch-deploy"}, assumedRoles(t, cfg, "update"))
	assert.Equal(t, []string{"refarch-ecr-push"}, assumedRoles(t, cfg, "package"))
	for _, job := range []string{"test"} {
		assert.Empty(t, assumedRoles(t, cfg, job), job)
	}
	names := stepNames(t, cfg, "preview")
	access := indexOf(names, "run: pulumi config set refarch:access preview")
	require.GreaterOrEqual(t, access, 0, "a preview makes the providers assume the preview roles: %v", names)
	assert.Less(t, access, indexOf(names, "pulumi/preview"))
	assert.Less(t, access, indexOf(names, "guard-preview"))
	for _, n := range stepNames(t, cfg, "update") {
		assert.NotContains(t, n, "refarch:access", "an update keeps the deploy access")
	}
	raw, err := os.ReadFile(filepath.Join(root(t), ".circleci", "config.yml"))
	require.NoError(t, err)
	assert.Equal(t, 1, strings.Count(string(raw), "assume-role-with-web-identity"), "one place exchanges tokens: the assume-role command")
	commands := cfg["commands"].(map[string]any)
	roles := commands["assume-role"].(map[string]any)["parameters"].(map[string]any)["role"].(map[string]any)["enum"]
	assert.Equal(t, []any{"refarch-preview", "refarch-deploy", "refarch-ecr-push"}, roles, "the roles cmd/bootstrap creates, and no other")
}

func TestPullRequestsNeverUpdate(t *testing.T) {
	jobs := jobsOf(t, config(t), "pull-request")
	for name, j := range jobs {
		assert.NotEqual(t, "update", j["job"], "%s: a pull request never updates", name)
		assert.NotEqual(t, "package", j["job"], "%s: a pull request never pushes images", name)
		if j["job"] == "preview" {
			assert.Equal(t, []any{"test"}, j["requires"], "%s runs after the offline proof", name)
		}
	}
	test := jobs["test"]
	require.NotNil(t, test, "the offline proof (.ci/run, which plans all five stacks) runs on every pull request")
}

func TestMainUpdatesInOrderBehindApprovals(t *testing.T) {
	jobs := jobsOf(t, config(t), "deploy")
	assert.Equal(t, []any{"test"}, jobs["package"]["requires"], "packaging after the tests")
	preview := jobs["preview-<< matrix.stack >>"]
	require.NotNil(t, preview)
	assert.Equal(t, stack.Names(), matrixStacks(t, preview), "main previews every stack")
	assert.Equal(t, []any{"package"}, preview["requires"], "previews see the packaged release")
	assert.Equal(t, true, preview["release"], "main previews the release's zips and digests")
	var previews []any
	for _, s := range stack.Names() {
		previews = append(previews, "preview-"+s)
	}
	order := []string{"shared-services", "dev", "stage", "prod"}
	for i, stackName := range order {
		j := jobs["update-"+stackName]
		require.NotNil(t, j, "no update of %s", stackName)
		assert.Equal(t, "update", j["job"])
		assert.Equal(t, stackName, j["stack"])
		assert.Equal(t, stackName != "shared-services", j["application"] == true, "%s: the application flag", stackName)
		requires, _ := j["requires"].([]any)
		if i == 0 {
			assert.ElementsMatch(t, previews, requires, "updates start once every preview passed")
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
	assert.ElementsMatch(t, previews, jobs["approve-security"]["requires"], "security waits for every preview, then its own approval")
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
	assert.NotContains(t, string(raw), "aws configure set", "no credentials written to a file")
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
		switch job {
		case "update":
			pack = indexOf(names, "attach_workspace") // the package job's zips
		case "preview":
			// A pull request builds the zips; main attaches the release's.
			def := cfg["jobs"].(map[string]any)["preview"].(map[string]any)
			blocks := map[string]string{}
			for _, st := range def["steps"].([]any) {
				m, _ := st.(map[string]any)
				for _, kind := range []string{"when", "unless"} {
					if b, ok := m[kind].(map[string]any); ok {
						rendered, err := json.Marshal(b["steps"])
						require.NoError(t, err)
						blocks[kind] = string(rendered)
					}
				}
			}
			assert.Contains(t, blocks["unless"], "package-functions")
			assert.Contains(t, blocks["when"], "attach_workspace")
			assert.Contains(t, blocks["when"], "hand-over-release-images")
			pack = max(indexOf(names, "when"), indexOf(names, "unless"))
		}
		require.GreaterOrEqual(t, pack, 0, "%s packages the functions: %v", job, names)
		require.GreaterOrEqual(t, guard, 0, "%s guards its preview: %v", job, names)
		assert.Less(t, login, guard, job)
		assert.Less(t, pack, guard, "%s: the zips exist before the preview", job)
		if job == "update" {
			up := indexOf(names, "pulumi/update")
			check := indexOf(names, "run: pulumi preview --expect-no-changes")
			assert.Less(t, guard, up, "the guard runs before the update")
			assert.Greater(t, check, up, "the no-change check runs after the update")
			assert.Less(t, indexOf(names, "attach_workspace"), guard, "the packaged zips and digests are there first")
		} else {
			assert.Less(t, pack, indexOf(names, "pulumi/preview"), job)
			assert.GreaterOrEqual(t, indexOf(names, "when"), 0)
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

// whenSteps returns the steps of a job's `when` blocks, flattened in order,
// as stepNames names them.
func whenSteps(t *testing.T, cfg map[string]any, job string) []string {
	t.Helper()
	def := cfg["jobs"].(map[string]any)[job].(map[string]any)
	var out []string
	for _, st := range def["steps"].([]any) {
		m, _ := st.(map[string]any)
		w, ok := m["when"].(map[string]any)
		if !ok {
			continue
		}
		for _, inner := range w["steps"].([]any) {
			if run, ok := inner.(map[string]any)["run"].(map[string]any); ok {
				out = append(out, strings.TrimSpace(run["command"].(string)))
			}
		}
	}
	return out
}

// TestAnApplicationUpdateRecordsAndShipsTheRelease: an application update
// first records the digests the package job pushed as the stack's release
// records (stacks/platformpart reads them at every run, so a person's
// `pulumi up` deploys what CI released), with the deploy role, which
// cmd/bootstrap lets write them; it sets no pin in its checkout, so its
// guarded preview, its update and its no-change check read the records as
// a person's run would. The migration runs on the new image (a targeted
// update of the migration's task definition, then cmd/run-job) before the
// update rolls the new version out; workloads/web/ is synced and the CDN
// invalidated after.
func TestAnApplicationUpdateRecordsAndShipsTheRelease(t *testing.T) {
	cfg := config(t)
	names := stepNames(t, cfg, "update")
	when := whenSteps(t, cfg, "update")
	require.Len(t, when, 2)
	commands := cfg["commands"].(map[string]any)
	record := strings.Join(runsOf(commands["record-release"]), "\n")
	assert.Contains(t, record, `repo="${ref%%@*}"`, "the record is named after the repository of <repository>@sha256:<digest>")
	assert.Contains(t, record, `aws ssm put-parameter --name "`+platformpart.ReleaseParameter("${repo}")+`" --type String --overwrite --value "$ref"`,
		"the parameter stacks/platformpart reads")
	assert.Contains(t, record, "done < release/images", "the digests the package job pushed")
	assert.Contains(t, deployaccess.ReleaseWriteActions, "ssm:PutParameter", "the deploy role the update runs as may write the records")
	assert.Equal(t, []string{"refarch-deploy"}, assumedRoles(t, cfg, "update"))
	rendered, err := json.Marshal(cfg["jobs"].(map[string]any)["update"])
	require.NoError(t, err)
	assert.NotContains(t, string(rendered), "hand-over-release-images", "an update pins nothing: it deploys the records, as a person's run does")
	assert.NotContains(t, string(rendered), "refarch:releaseImages")
	assert.Contains(t, when[0], `--target "$urn"`)
	assert.Contains(t, when[0], "-backend-migrate$")
	assert.Contains(t, when[0], "go run ./cmd/run-job -outputs outputs.json -job backend/migrate")
	assert.Less(t, strings.Index(when[0], "--target"), strings.Index(when[0], "cmd/run-job"), "the new task definition first")
	assert.Contains(t, when[1], "aws s3 sync workloads/web/")
	assert.Contains(t, when[1], "jq -r .edgeBucketName")
	assert.Contains(t, when[1], "aws cloudfront create-invalidation --distribution-id \"$(jq -r .edgeDistributionId outputs.json)\" --paths '/*'")

	// The when blocks sit where their steps must run.
	var whens []int
	for i, n := range names {
		if n == "when" {
			whens = append(whens, i)
		}
	}
	require.Len(t, whens, 3)
	def := cfg["jobs"].(map[string]any)["update"].(map[string]any)["steps"].([]any)
	first, err := json.Marshal(def[whens[0]])
	require.NoError(t, err)
	assert.Contains(t, string(first), "record-release", "the first block records the release")
	guard, up := indexOf(names, "guard-preview"), indexOf(names, "pulumi/update")
	assert.Less(t, indexOf(names, "assume-role"), whens[0], "the records are written as the deploy role")
	assert.Less(t, indexOf(names, "attach_workspace"), whens[0], "the package job's digests are there first")
	assert.Less(t, whens[0], guard, "recorded before the guarded preview, which reads the records")
	assert.Greater(t, whens[1], guard)
	assert.Less(t, whens[1], up, "the migration before the new version is rolled out")
	assert.Greater(t, whens[2], up, "the site after the update")

	pkg := stepNames(t, cfg, "package")
	build := indexOf(pkg, "run: tools/ko/build")
	require.GreaterOrEqual(t, build, 0, "%v", pkg)
	assert.Contains(t, pkg[build], `.bin/ko build --bare --tags "$CIRCLE_SHA1"`)
	assert.Contains(t, pkg[build], `echo "$app=${ref#*/}" >> release/images`, "each digest as <repository>@sha256:…")
	assert.Greater(t, indexOf(pkg, "persist_to_workspace"), build)
}

// TestMainPreviewsTheReleaseInTheirCheckoutOnly: main's previews, which
// run before any approval and as the read-only role, see the packaged
// release through refarch:releaseImages set in their own checkout, never
// through a record; a repository the stack file pins stays pinned, as the
// update will deploy it.
func TestMainPreviewsTheReleaseInTheirCheckoutOnly(t *testing.T) {
	cfg := config(t)
	hand := strings.Join(runsOf(cfg["commands"].(map[string]any)["hand-over-release-images"]), "\n")
	assert.Contains(t, hand, `pulumi config set --path "refarch:releaseImages.${repo}" "$ref"`)
	assert.Contains(t, hand, `pulumi config get --path "refarch:releaseImages.${repo}"`, "a pin of the stack file is kept")
	assert.Less(t, strings.Index(hand, "config get"), strings.Index(hand, "config set"))
	assert.Contains(t, hand, "done < release/images")
	preview, err := json.Marshal(cfg["jobs"].(map[string]any)["preview"])
	require.NoError(t, err)
	assert.NotContains(t, string(preview), "record-release", "a preview never moves what a stack runs")
	assert.NotContains(t, string(preview), "put-parameter")
	assert.Equal(t, []string{"refarch-preview"}, assumedRoles(t, cfg, "preview"))
}

// runCommands lists every run step's command of the configuration: jobs'
// and commands', inside when and unless blocks too.
func runCommands(cfg map[string]any) []string {
	return append(runsOf(cfg["jobs"]), runsOf(cfg["commands"])...)
}

// runsOf lists the commands of the run steps anywhere in v (a job, a
// command, or a section of them).
func runsOf(v any) []string {
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if k != "run" {
					walk(e)
					continue
				}
				switch r := e.(type) {
				case string:
					out = append(out, r)
				case map[string]any:
					if cmd, ok := r["command"].(string); ok {
						out = append(out, cmd)
					}
				}
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}

// needsRoot matches a command that writes into the system: a package
// manager, an installer, or a write under /usr, /etc or /opt.
var needsRoot = regexp.MustCompile(`\b(apt-get|apt|dpkg)\s|/aws/install\b|(>|-o|tee|cp|mv|install)\s+/(usr|etc|opt)/`)

// TestRootOnlyThroughSudo: the jobs run on CircleCI's cimg images, as
// their user circleci with passwordless sudo, not as root
// (https://github.com/CircleCI-Public/cimg-base/blob/main/Dockerfile.template:
// USER circleci, "circleci ALL=NOPASSWD: ALL"), so a command that needs
// root runs through sudo, and the test job runs .ci/run as that user
// (tools/test installs with sudo -n).
func TestRootOnlyThroughSudo(t *testing.T) {
	cfg := config(t)
	for name, e := range cfg["executors"].(map[string]any) {
		ex := e.(map[string]any)
		assert.NotContains(t, ex, "user", "executor %s: no other user than the image's", name)
		for _, d := range ex["docker"].([]any) {
			img := d.(map[string]any)["image"].(string)
			assert.True(t, strings.HasPrefix(img, "cimg/"), "executor %s runs %s: a cimg image, whose user has passwordless sudo", name, img)
			assert.NotContains(t, d, "user", "executor %s: no other user than the image's", name)
		}
	}
	checked := 0
	for _, cmd := range runCommands(cfg) {
		for _, line := range strings.Split(cmd, "\n") {
			for _, part := range regexp.MustCompile(`&&|\|\||;|\|`).Split(line, -1) {
				part = strings.TrimSpace(part)
				if !needsRoot.MatchString(part) {
					continue
				}
				checked++
				assert.True(t, strings.HasPrefix(part, "sudo "), "needs root, so runs through sudo: %q", part)
			}
		}
	}
	assert.Positive(t, checked, "the AWS CLI's installer is one")
	test := stepNames(t, cfg, "test")
	run := indexOf(test, "run: .ci/run")
	require.GreaterOrEqual(t, run, 0, "the test job runs .ci/run: %v", test)
	assert.Equal(t, "run: .ci/run", test[run], "as the image's user: tools/test asks sudo itself")
}

// TestPreviewsRunThePolicyPackAndPullRequestsGetTheDiff: every real preview
// (pull requests', main's and each update's guard) runs the CrossGuard pack
// and keeps its JSON before failing on it; every pull request gets the
// offline diff against main as an artifact, with no AWS role, and fails
// when a protected resource would be replaced or deleted.
func TestPreviewsRunThePolicyPackAndPullRequestsGetTheDiff(t *testing.T) {
	cfg := config(t)
	guard := cfg["commands"].(map[string]any)["guard-preview"].(map[string]any)
	var runs []string
	var kinds []string
	for _, st := range guard["steps"].([]any) {
		for kind, params := range st.(map[string]any) {
			kinds = append(kinds, kind)
			if kind == "run" {
				runs = append(runs, params.(map[string]any)["command"].(string))
			}
		}
	}
	require.Equal(t, []string{"run", "store_artifacts", "run"}, kinds, "the preview, its artifact, then the failing checks")
	assert.Contains(t, runs[0], "pulumi preview --json --policy-pack ./insights/policies/pack")
	assert.Contains(t, runs[1], "exit \"$status\"", "a failed preview (a mandatory policy violation) fails the job after its JSON is stored")
	assert.Contains(t, runs[1], "go run ./cmd/preview-guard")
	pack, err := os.ReadFile(filepath.Join(root(t), "insights", "policies", "pack", "PulumiPolicy.yaml"))
	require.NoError(t, err, "the policy pack the previews name")
	assert.Contains(t, string(pack), "runtime: go")

	names := stepNames(t, cfg, "plan-diff")
	assert.Empty(t, assumedRoles(t, cfg, "plan-diff"), "the diff needs no AWS access")
	diff := indexOf(names, "run: mkdir -p plan-diff")
	store := indexOf(names, "store_artifacts")
	check := indexOf(names, "run: go run ./cmd/plan -diff -fail-on-replace")
	require.GreaterOrEqual(t, diff, 0, "%v", names)
	assert.Less(t, diff, store)
	assert.Less(t, store, check, "the diff is stored before the check can fail the job")
	assert.Contains(t, names[diff], "git worktree add ../base FETCH_HEAD", "the old plan is main's")
	assert.Contains(t, names[diff], "go run ./cmd/plan -diff plan-diff/old.json plan-diff/new.json")

	pr := cfg["workflows"].(map[string]any)["pull-request"].(map[string]any)["jobs"].([]any)
	found := false
	for _, j := range pr {
		if m, ok := j.(map[string]any); ok {
			if def, ok := m["plan-diff"].(map[string]any); ok {
				found = true
				rendered, err := json.Marshal(def["filters"])
				require.NoError(t, err)
				assert.Contains(t, string(rendered), `"ignore":"main"`)
			}
		}
	}
	assert.True(t, found, "every pull request runs plan-diff")
}

// TestEveryStackIsCheckedForDriftEveryNight: the drift workflow runs on a
// schedule on main only, for every stack file; each job reads as the
// preview role only (management alerts through security's topic as
// security's preview role), sets refarch:access preview before a refresh
// that writes nothing to the state and runs the program, reports with
// cmd/drift, keeps the report before alerting, and alerts through the
// alert topic (stack.AlertTopicName) only when cmd/drift says it drifted
// (exit status 3). tests/engine runs the same refresh and report on the
// stand-in cloud.
func TestEveryStackIsCheckedForDriftEveryNight(t *testing.T) {
	cfg := config(t)
	wf := cfg["workflows"].(map[string]any)["drift"].(map[string]any)
	triggers := wf["triggers"].([]any)
	require.Len(t, triggers, 1)
	schedule := triggers[0].(map[string]any)["schedule"].(map[string]any)
	assert.Regexp(t, `^\d+ \d+ \* \* \*$`, schedule["cron"], "every night")
	assert.Equal(t, map[string]any{"only": "main"}, schedule["filters"].(map[string]any)["branches"])
	jobs := jobsOf(t, cfg, "drift")
	require.Len(t, jobs, 1)
	j := jobs["drift-<< matrix.stack >>"]
	require.NotNil(t, j)
	assert.Equal(t, "drift", j["job"])
	assert.Equal(t, "refarch-<< matrix.stack >>", j["context"])
	assert.ElementsMatch(t, stackFiles(t), matrixStacks(t, j), "every stack, every night")

	assert.Equal(t, []string{"refarch-preview"}, assumedRoles(t, cfg, "drift"))
	names := stepNames(t, cfg, "drift")
	check := indexOf(names, "run: mkdir -p drift")
	require.GreaterOrEqual(t, check, 0, "%v", names)
	assert.Less(t, indexOf(names, "package-functions"), check, "the program the refresh runs needs the functions' zips")
	assert.Less(t, check, indexOf(names, "store_artifacts"), "the report is kept")
	assert.Less(t, indexOf(names, "store_artifacts"), indexOf(names, "run: status=$(cat drift/"), "before the alert fails the job")
	cmd := names[check]
	access := strings.Index(cmd, "pulumi config set refarch:access preview --stack << parameters.stack >>")
	debug := strings.Index(cmd, "export PULUMI_DEBUG_COMMANDS=true")
	refresh := strings.Index(cmd, "pulumi refresh --preview-only --run-program")
	report := strings.Index(cmd, ".bin/drift -stack << parameters.stack >>")
	require.True(t, access >= 0 && debug >= 0 && refresh >= 0 && report >= 0, cmd)
	assert.Less(t, access, refresh, "the providers assume the preview roles")
	assert.Less(t, refresh, report)
	assert.Contains(t, cmd, "--event-log drift/<< parameters.stack >>.events.json")
	assert.Less(t, debug, refresh, "--event-log is a flag of the CLI with PULUMI_DEBUG_COMMANDS")
	for _, c := range runsOf(cfg["jobs"].(map[string]any)["drift"]) {
		assert.NotRegexp(t, `pulumi (up|destroy|import)\b`, c, "the check changes nothing")
		if strings.Contains(c, "pulumi refresh") {
			assert.Contains(t, c, "--preview-only", "a refresh that writes nothing to the state")
		}
	}

	alert := names[indexOf(names, "run: status=$(cat drift/")]
	assert.Contains(t, alert, "0) echo \"no drift in << parameters.stack >>\"; exit 0 ;;", "a clean night stays silent")
	assert.Contains(t, alert, "3) ;;", "cmd/drift's drift status alerts")
	assert.Contains(t, alert, "[ \"$alerts\" = management ] && alerts=security")
	assert.Contains(t, alert, "sns:${AWS_REGION}:${account}:"+strings.Replace(stack.AlertTopicName("STACK"), "STACK", "${alerts}", 1))
	def := cfg["jobs"].(map[string]any)["drift"].(map[string]any)
	var management []string
	for _, st := range def["steps"].([]any) {
		m, _ := st.(map[string]any)
		if w, ok := m["when"].(map[string]any); ok {
			assert.Equal(t, map[string]any{"equal": []any{"management", "<< parameters.stack >>"}}, w["condition"])
			for _, inner := range w["steps"].([]any) {
				if p, ok := inner.(map[string]any)["assume-role"].(map[string]any); ok {
					management = append(management, p["stack"].(string)+"/"+p["role"].(string))
				}
			}
		}
	}
	assert.Equal(t, []string{"security/refarch-preview"}, management, "management alerts through security's topic, reading only")
}
