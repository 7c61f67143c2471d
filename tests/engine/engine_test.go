// Package engine_test drives the program with the real Pulumi CLI, the seam
// users meet first: the real Pulumi.yaml and stack files, configuration as
// the CLI validates and writes it, deployment order, stack references on a
// file backend, and protection. The aws and awsx plugins are stand-ins
// (./standin) that answer from the offline harness's cloud; what only AWS
// can prove (IAM evaluation, service limits, real ids) stays out of reach.
package engine_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/insights/policies/crossguard"
	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/offline/stackrefs"
	"github.com/refarch/refarch/stacks"
	"github.com/refarch/refarch/stacks/functionpart"
	"github.com/refarch/refarch/stacks/organizationpart"
	"github.com/refarch/refarch/stacks/stack"
)

// cliVersion is the Pulumi CLI the test drives: tools/pulumi/go.mod pins it.
const cliVersion = "v3.274.1"

// buildHint is how to get the CLI this test needs.
const buildHint = "build it with `tools/pulumi/build` (into .bin/pulumi; several minutes cold, seconds when cached)"

// rig is one real-engine setup: the CLI, a PULUMI_HOME holding only the
// stand-in plugins, a file backend, and a copy of the project's files.
type rig struct {
	root, dir, home, backend string
	cli                      auto.PulumiCommand
	env                      map[string]string
}

func newRig(t *testing.T) *rig {
	t.Helper()
	root, err := offline.FindProjectDir(".")
	require.NoError(t, err)
	bin := filepath.Join(root, ".bin", "pulumi")
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		// Never a skip: without the CLI nothing here is proven.
		t.Fatalf("the Pulumi CLI %s is not at .bin/pulumi (%v): %s", cliVersion, err, buildHint)
	}
	require.Equal(t, cliVersion, strings.TrimSpace(string(out)), "the CLI at .bin/pulumi is not the pinned one: %s", buildHint)

	tmp := t.TempDir()
	r := &rig{
		root:    root,
		dir:     filepath.Join(tmp, "project"),
		home:    filepath.Join(tmp, "home"),
		backend: filepath.Join(tmp, "state"),
	}
	for _, d := range []string{r.dir, r.home, r.backend, filepath.Join(tmp, "cli", "bin")} {
		require.NoError(t, os.MkdirAll(d, 0o700))
	}
	// The Automation API runs <root>/bin/pulumi.
	require.NoError(t, os.Symlink(bin, filepath.Join(tmp, "cli", "bin", "pulumi")))
	r.cli, err = auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: filepath.Join(tmp, "cli")})
	require.NoError(t, err)

	r.env = map[string]string{
		"PULUMI_HOME":                                 r.home,
		"PULUMI_BACKEND_URL":                          "file://" + r.backend,
		"PULUMI_CONFIG_PASSPHRASE":                    "refarch real-engine test",
		"PULUMI_SKIP_UPDATE_CHECK":                    "true",
		"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
		// The stand-ins remember what they created, across stacks, and
		// refuse a create AWS would refuse at that moment.
		offline.WorldEnv: filepath.Join(tmp, "world"),
		// The policy pack plans the other stacks from the project copy.
		"REFARCH_PROJECT_DIR": filepath.Join(tmp, "project"),
	}
	// The offline engine decrypts the stack files with the same passphrase.
	t.Setenv("PULUMI_CONFIG_PASSPHRASE", r.env["PULUMI_CONFIG_PASSPHRASE"])

	files, err := filepath.Glob(filepath.Join(root, "Pulumi*.yaml"))
	require.NoError(t, err)
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		// The stack files name the awskms secrets provider of the state
		// key, which cannot be reached here: the copies use the
		// passphrase provider instead (auto.SecretsProvider below).
		b = stackFileSecretsProvider.ReplaceAll(b, nil)
		require.NoError(t, os.WriteFile(filepath.Join(r.dir, filepath.Base(f)), b, 0o600))
	}
	r.installPlugins(t, tmp)
	// An inline program runs in this process: its working directory is
	// the project's, as `pulumi` makes it for a program it starts, so the
	// functions' zips are found under workloads/functions/dist.
	t.Chdir(r.dir)
	return r
}

// writeZips puts a stand-in deployment package for every function where
// cmd/package-functions writes them: the stand-in plugins never run it.
func (r *rig) writeZips(t *testing.T) {
	t.Helper()
	dir := filepath.Join(r.dir, filepath.FromSlash(functionpart.DistDir))
	require.NoError(t, os.MkdirAll(dir, 0o755))
	for _, name := range functionpart.Names(stack.RoleApp) {
		var buf bytes.Buffer
		w := zip.NewWriter(&buf)
		h := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate}
		h.SetMode(0o755)
		f, err := w.CreateHeader(h)
		require.NoError(t, err)
		_, err = f.Write([]byte("stand-in bootstrap of " + name))
		require.NoError(t, err)
		require.NoError(t, w.Close())
		require.NoError(t, os.WriteFile(filepath.Join(dir, name+".zip"), buf.Bytes(), 0o644))
	}
}

// installPlugins builds the stand-in once and installs it as the aws and
// awsx plugins at the versions the program's SDKs ask for.
func (r *rig) installPlugins(t *testing.T, tmp string) {
	t.Helper()
	for pkg, version := range map[string]string{"aws": "6.83.4", "awsx": "2.22.0"} {
		bin := filepath.Join(tmp, "plugins", "pulumi-resource-"+pkg)
		build := exec.Command("go", "build", "-o", bin, "./tests/engine/standin")
		build.Dir = r.root
		out, err := build.CombinedOutput()
		require.NoError(t, err, "building the stand-in: %s", out)
		install := exec.Command(filepath.Join(tmp, "cli", "bin", "pulumi"), "plugin", "install", "resource", pkg, version, "--file", bin)
		install.Env = r.environ()
		out, err = install.CombinedOutput()
		require.NoError(t, err, "installing the %s stand-in: %s", pkg, out)
	}
}

// stackFileSecretsProvider matches a stack file's secretsprovider line.
var stackFileSecretsProvider = regexp.MustCompile(`(?m)^secretsprovider: .*\n`)

func (r *rig) environ() []string {
	env := os.Environ()
	for k, v := range r.env {
		env = append(env, k+"="+v)
	}
	return env
}

// stack creates (or selects) a stack of the project copy with the program
// inline, so no Go language plugin is needed.
func (r *rig) stack(t *testing.T, name string) *auto.Stack {
	t.Helper()
	ctx := context.Background()
	ws, err := auto.NewLocalWorkspace(ctx,
		auto.WorkDir(r.dir),
		auto.Program(stacks.Run),
		auto.Pulumi(r.cli),
		auto.PulumiHome(r.home),
		auto.EnvVars(r.env),
		auto.SecretsProvider("passphrase"),
	)
	require.NoError(t, err)
	st, err := auto.UpsertStack(ctx, name, ws)
	require.NoError(t, err, "stack init %s", name)
	return &st
}

// diagnostics collects the engine's warnings and errors of one operation.
type diagnostics struct {
	mu       sync.Mutex
	warnings []string
	done     chan struct{}
}

func watch() (chan events.EngineEvent, *diagnostics) {
	ch := make(chan events.EngineEvent)
	d := &diagnostics{done: make(chan struct{})}
	go func() {
		defer close(d.done)
		for e := range ch {
			if diag := e.DiagnosticEvent; diag != nil && (diag.Severity == "warning" || diag.Severity == "error") {
				d.mu.Lock()
				d.warnings = append(d.warnings, strings.TrimSpace(diag.Severity+": "+diag.URN+" "+diag.Message))
				d.mu.Unlock()
			}
		}
	}()
	return ch, d
}

func (d *diagnostics) wait() []string {
	select {
	case <-d.done:
	case <-time.After(time.Minute):
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.warnings
}

// installPolicyPack builds the CrossGuard pack (./insights/policies/pack) and
// returns the binary, which `pulumi preview --policy-pack` launches directly
// as an analyzer plugin. CI names the folder instead, and the CLI builds the
// same main package through the Go language host, whose module is not served
// here. Both forms: NewPolicyAnalyzer in
// https://github.com/pulumi/pulumi/blob/v3.274.1/pkg/resource/plugin/analyzer_plugin.go
func (r *rig) installPolicyPack(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(r.home, "..", "plugins", "refarch-policy-pack")
	build := exec.Command("go", "build", "-o", bin, "./insights/policies/pack")
	build.Dir = r.root
	out, err := build.CombinedOutput()
	require.NoError(t, err, "building the policy pack: %s", out)
	return bin
}

// policies collects the policy events of one operation.
type policies struct {
	mu         sync.Mutex
	passed     []string
	violations []apitype.PolicyEvent
	done       chan struct{}
}

func watchPolicies() (chan events.EngineEvent, *policies) {
	ch := make(chan events.EngineEvent)
	p := &policies{done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for e := range ch {
			p.mu.Lock()
			if v := e.PolicyEvent; v != nil {
				p.violations = append(p.violations, *v)
			}
			if s := e.PolicyAnalyzeStackSummaryEvent; s != nil {
				p.passed = append(p.passed, s.Passed...)
			}
			p.mu.Unlock()
		}
	}()
	return ch, p
}

func (p *policies) wait() ([]string, []apitype.PolicyEvent) {
	select {
	case <-p.done:
	case <-time.After(time.Minute):
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.passed, p.violations
}

// state is a stack's deployment as the file backend holds it.
type state struct {
	Resources []struct {
		URN            string         `json:"urn"`
		ID             string         `json:"id"`
		Type           string         `json:"type"`
		Custom         bool           `json:"custom"`
		Parent         string         `json:"parent"`
		Protect        bool           `json:"protect"`
		External       bool           `json:"external"`
		RetainOnDelete bool           `json:"retainOnDelete"`
		Dependencies   []string       `json:"dependencies"`
		Inputs         map[string]any `json:"inputs"`
		Outputs        map[string]any `json:"outputs"`
	} `json:"resources"`
}

// dependenciesOf maps each resource to everything it needs, transitively:
// its dependencies and their parents, as the engine orders deletes.
func dependenciesOf(s state) map[string][]string {
	direct := map[string][]string{}
	for _, r := range s.Resources {
		direct[r.URN] = append(append([]string(nil), r.Dependencies...), r.Parent)
	}
	out := map[string][]string{}
	for _, r := range s.Resources {
		seen := map[string]bool{}
		var walk func(string)
		walk = func(urn string) {
			for _, d := range direct[urn] {
				if d != "" && !seen[d] {
					seen[d] = true
					walk(d)
				}
			}
		}
		walk(r.URN)
		for d := range seen {
			out[r.URN] = append(out[r.URN], d)
		}
		sort.Strings(out[r.URN])
	}
	return out
}

func exportState(t *testing.T, st *auto.Stack) state {
	t.Helper()
	dep, err := st.Export(context.Background())
	require.NoError(t, err)
	var s state
	require.NoError(t, json.Unmarshal(dep.Deployment, &s))
	return s
}

// view is what both engines can be compared on: every resource's URN and
// type, and which are protected. Left out: the stack resource and default
// providers, which only the real engine registers, and what remote
// components (awsx) create inside, which the mocks never see.
type view struct {
	types     map[string]int
	urns      []string
	protected []string
}

func realView(s state) view {
	typeOf := map[string]string{}
	parentOf := map[string]string{}
	for _, r := range s.Resources {
		typeOf[r.URN], parentOf[r.URN] = r.Type, r.Parent
	}
	insideRemote := func(urn string) bool {
		for p := parentOf[urn]; p != ""; p = parentOf[p] {
			if strings.HasPrefix(typeOf[p], "awsx:") {
				return true
			}
		}
		return false
	}
	v := view{types: map[string]int{}}
	for _, r := range s.Resources {
		if r.Type == "pulumi:pulumi:Stack" || isDefaultProvider(r.URN, r.Type) || insideRemote(r.URN) {
			continue
		}
		v.add(r.URN, r.Type, r.Protect)
	}
	return v.sorted()
}

func offlineView(p *offline.Plan) view {
	v := view{types: map[string]int{}}
	for _, r := range p.Resources {
		v.add(r.URN, r.Type, r.Protect)
	}
	return v.sorted()
}

func (v *view) add(urn, typ string, protect bool) {
	v.types[typ]++
	v.urns = append(v.urns, urn)
	if protect {
		v.protected = append(v.protected, urn)
	}
}

func (v view) sorted() view {
	sort.Strings(v.urns)
	sort.Strings(v.protected)
	return v
}

func isDefaultProvider(urn, typ string) bool {
	return strings.HasPrefix(typ, "pulumi:providers:") && strings.Contains(urn, "::default")
}

// offlinePlan plans a stack of the project copy with the offline engine.
func (r *rig) offlinePlan(t *testing.T, stackName string) *offline.Plan {
	t.Helper()
	p, err := offline.RunStack(stacks.Run, stackName, offline.Options{Dir: r.dir, StackOutputs: stackrefs.New(r.dir)})
	require.NoError(t, err, "offline plan of %s", stackName)
	return p
}

func TestRealEngine(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	all := stack.Names()
	live := map[string]*auto.Stack{}

	// The offline engine plans without the functions' zips; a real
	// preview must not: it fails before anything is sent to AWS, naming
	// the command that builds them.
	t.Run("a preview without the functions' zips names the command that builds them", func(t *testing.T) {
		_, err := r.stack(t, "security").Preview(ctx)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "workloads/functions/dist/"+functionpart.AlertNotifier+".zip is missing")
		assert.Contains(t, err.Error(), functionpart.PackageCommand)
	})
	r.writeZips(t)

	t.Run("deploy in the documented order", func(t *testing.T) {
		for _, name := range all {
			st := r.stack(t, name)
			live[name] = st
			if name == "management" {
				// The organization's accounts exist: management adopts
				// them on its first update (docs/first-deployment.md).
				require.NoError(t, st.SetConfig(ctx, "refarch:adoptAccounts", auto.ConfigValue{Value: "true"}))
			}
			ch, diags := watch()
			_, err := st.Preview(ctx, optpreview.EventStreams(ch))
			require.NoError(t, err, "pulumi preview -s %s", name)
			assert.Empty(t, diags.wait(), "pulumi preview -s %s warns", name)

			ch, diags = watch()
			res, err := st.Up(ctx, optup.EventStreams(ch))
			require.NoError(t, err, "pulumi up -s %s", name)
			assert.Empty(t, diags.wait(), "pulumi up -s %s warns", name)
			assert.Equal(t, "succeeded", res.Summary.Result)
			assert.Positive(t, (*res.Summary.ResourceChanges)["create"], "pulumi up -s %s created nothing", name)
		}
	})
	require.Len(t, live, len(all), "every stack must deploy before the rest can be checked")

	// The organization's accounts exist (the directory names them): the
	// management stack adopted them with the documented import commands
	// and updated them in place, without creating any.
	t.Run("management adopted the existing accounts", func(t *testing.T) {
		// What the documented import commands name is what was adopted
		// (the commands themselves need the Go language host, which is
		// not here; refarch:adoptAccounts adopts through the inline
		// program).
		cfgM := stackConfigIn(t, r.dir, "management")
		for _, line := range organizationpart.ImportCommands(&cfgM.Config)[1:] {
			f := strings.Fields(line)
			assert.Equal(t, "aws:organizations/account:Account", f[len(f)-3])
			found := false
			for _, res := range exportState(t, live["management"]).Resources {
				if res.ID == f[len(f)-1] && strings.HasSuffix(res.URN, "::"+f[len(f)-2]) {
					found = true
					assert.True(t, strings.HasPrefix(res.Parent, "urn:pulumi:management::refarch::refarch:organization:Organization::"), res.URN)
				}
			}
			assert.True(t, found, "%s names an adopted account", line)
		}
		cfg := stackConfigIn(t, r.dir, "management")
		adopted := map[string]string{}
		for _, res := range exportState(t, live["management"]).Resources {
			if res.Type == "aws:organizations/account:Account" {
				adopted[res.ID] = res.URN[strings.LastIndex(res.URN, "::")+2:]
				assert.True(t, res.Protect, "%s is protected", res.URN)
			}
		}
		want := map[string]string{}
		for _, name := range all[1:] {
			want[cfg.Accounts[name].ID] = organizationpart.ComponentName + "-" + name
		}
		assert.Equal(t, want, adopted, "each account keeps its id")

		// Adoption done, the next update moves each account into its unit.
		require.NoError(t, live["management"].RemoveConfig(ctx, "refarch:adoptAccounts"))
		res, err := live["management"].Up(ctx)
		require.NoError(t, err, "pulumi up -s management after the adoption")
		assert.Zero(t, (*res.Summary.ResourceChanges)["create"], "nothing is created")
		units := map[string]string{}
		for _, r := range exportState(t, live["management"]).Resources {
			if r.Type == "aws:organizations/organizationalUnit:OrganizationalUnit" {
				units[r.ID] = r.URN[strings.LastIndex(r.URN, "::")+2:]
			}
		}
		for _, r := range exportState(t, live["management"]).Resources {
			if r.Type == "aws:organizations/account:Account" {
				name := r.URN[strings.LastIndex(r.URN, "::")+2:]
				parent, _ := r.Outputs["parentId"].(string)
				want := organizationpart.ComponentName + "-" + organizationpart.UnitOf(strings.TrimPrefix(name, organizationpart.ComponentName+"-"))
				assert.Equal(t, want, units[parent], "%s sits in its unit", name)
			}
		}
	})

	t.Run("a second preview changes nothing", func(t *testing.T) {
		for _, name := range all {
			ch, diags := watch()
			res, err := live[name].Preview(ctx, optpreview.ExpectNoChanges(), optpreview.EventStreams(ch))
			require.NoError(t, err, "pulumi preview -s %s", name)
			assert.Empty(t, diags.wait(), "pulumi preview -s %s warns", name)
			for op, n := range res.ChangeSummary {
				assert.Equal(t, apitype.OpSame, op, "pulumi preview -s %s would %s %d resources", name, op, n)
			}
		}
	})

	t.Run("the nightly drift check names exactly what changed behind Pulumi's back", func(t *testing.T) {
		testDrift(t, r, live)
	})

	t.Run("the policy pack passes every stack's preview and refuses ECS Exec in stage", func(t *testing.T) {
		pack := r.installPolicyPack(t)
		var want []string
		for _, rule := range crossguard.Rules() {
			want = append(want, rule.ID)
		}
		for _, name := range all {
			ch, pol := watchPolicies()
			_, err := live[name].Preview(ctx, optpreview.PolicyPacks(pack), optpreview.EventStreams(ch))
			require.NoError(t, err, "pulumi preview -s %s --policy-pack insights/policies/pack", name)
			passed, violations := pol.wait()
			assert.Empty(t, violations, "policy violations in %s", name)
			assert.ElementsMatch(t, want, passed, "every rule of the pack ran on %s and passed", name)
		}

		// AWS does not support ECS Exec with a read-only root filesystem:
		// the configuration refuses it, naming the key and the page.
		stage := live["stage"]
		services := len(r.offlinePlan(t, "stage").ByType("aws:ecs/service:Service"))
		require.NoError(t, stage.SetConfig(ctx, "refarch:ecsExec", auto.ConfigValue{Value: "true"}))
		_, err := stage.Preview(ctx)
		require.Error(t, err, "ECS Exec with read-only root filesystems is refused before any resource")
		assert.Contains(t, err.Error(), "refarch:ecsExec")
		assert.Contains(t, err.Error(), "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html")

		// With writable root filesystems the configuration allows ECS Exec
		// anywhere; the policy allows it in dev only, so the real preview of
		// stage fails.
		for i := range services {
			require.NoError(t, stage.SetConfigWithOptions(ctx, fmt.Sprintf("refarch:services[%d].writableRootFilesystem", i),
				auto.ConfigValue{Value: "true"}, &auto.ConfigOptions{Path: true}))
		}
		ch, pol := watchPolicies()
		_, err = stage.Preview(ctx, optpreview.PolicyPacks(pack), optpreview.EventStreams(ch))
		require.Error(t, err, "pulumi preview -s stage with refarch:ecsExec true must fail the policy pack")
		_, violations := pol.wait()
		require.NoError(t, stage.RemoveConfig(ctx, "refarch:ecsExec"))
		for i := range services {
			require.NoError(t, stage.RemoveConfigWithOptions(ctx, fmt.Sprintf("refarch:services[%d].writableRootFilesystem", i), &auto.ConfigOptions{Path: true}))
		}
		var flagged []string
		for _, v := range violations {
			if v.PolicyName == "ecs-exec-disabled" {
				flagged = append(flagged, v.ResourceURN)
			}
			assert.Equal(t, "mandatory", v.EnforcementLevel)
		}
		assert.Len(t, flagged, services, "every ECS service of stage is flagged: %v", violations)
	})

	t.Run("the two engines agree", func(t *testing.T) {
		for _, name := range all {
			real := realView(exportState(t, live[name]))
			mock := offlineView(r.offlinePlan(t, name))
			assert.Equal(t, mock.types, real.types, "resources per type of %s", name)
			assert.Equal(t, mock.urns, real.urns, "URNs of %s", name)
			assert.Equal(t, mock.protected, real.protected, "protected resources of %s", name)
			if name == "prod" {
				assert.NotEmpty(t, real.protected, "prod protects its stateful resources")
			}
		}
	})

	// The engine has no pre-check: `pulumi destroy` deletes what is not
	// protected, dependents first, and fails at the first protected
	// resource. Protection must therefore cover everything that holds data,
	// and whatever it deletes must come back with `pulumi up`.
	// The organization: its accounts, units and the organization itself
	// are protected (and retained): `pulumi destroy -s management` stops
	// at them, and no account leaves the organization or is closed.
	t.Run("destroy of management stops at protection and keeps every account", func(t *testing.T) {
		mgmt := live["management"]
		before := exportState(t, mgmt)
		_, err := mgmt.Destroy(ctx)
		require.Error(t, err, "pulumi destroy -s management must fail")
		assert.Contains(t, err.Error(), "protected")
		survivors := map[string]bool{}
		for _, r := range exportState(t, mgmt).Resources {
			survivors[r.URN] = true
		}
		for _, r := range before.Resources {
			switch r.Type {
			case "aws:organizations/organization:Organization", "aws:organizations/account:Account", "aws:organizations/organizationalUnit:OrganizationalUnit",
				// Auto-enablement would replace it with one the stack could
				// not create again.
				"aws:guardduty/detector:Detector":
				assert.True(t, survivors[r.URN], "%s survives", r.URN)
			}
		}
		_, err = mgmt.Up(ctx)
		require.NoError(t, err, "pulumi up -s management brings back what the destroy deleted")
		_, err = mgmt.Preview(ctx, optpreview.ExpectNoChanges())
		require.NoError(t, err, "management is as it was")
	})

	t.Run("destroy of prod stops at protection and loses no data", func(t *testing.T) {
		prod := live["prod"]
		before := exportState(t, prod)
		_, err := prod.Destroy(ctx)
		require.Error(t, err, "pulumi destroy -s prod must fail")
		assert.Contains(t, err.Error(), "protected")

		survivors := map[string]bool{}
		for _, r := range exportState(t, prod).Resources {
			survivors[r.URN] = true
		}
		dependencies := dependenciesOf(before)
		for _, r := range before.Resources {
			if !r.Protect {
				continue
			}
			assert.True(t, survivors[r.URN], "the protected %s survives", r.URN)
			for _, dep := range dependencies[r.URN] {
				assert.True(t, survivors[dep], "%s, which the protected %s needs, survives", dep, r.URN)
			}
		}
		for _, typ := range stack.StatefulTypes {
			for _, r := range before.Resources {
				// A read replica is a copy of the writer: deleting it loses nothing.
				if r.Type == typ && r.Inputs["replicateSourceDb"] == nil {
					assert.True(t, r.Protect || r.RetainOnDelete, "prod's %s %s holds data: it must be protected or retained on delete", typ, r.URN)
				}
			}
		}

		ch, diags := watch()
		_, err = prod.Up(ctx, optup.EventStreams(ch))
		require.NoError(t, err, "pulumi up -s prod brings back what the destroy deleted")
		assert.Empty(t, diags.wait())
		assert.Equal(t, realView(before), realView(exportState(t, prod)))
		_, err = prod.Preview(ctx, optpreview.ExpectNoChanges())
		require.NoError(t, err, "prod is as it was")
	})

	t.Run("configuration as the CLI writes it", func(t *testing.T) {
		prod := live["prod"]
		before := r.offlinePlan(t, "prod")
		// The CLI quotes top-level scalars, nests --path values and encrypts
		// --secret ones with the stack's passphrase.
		require.NoError(t, prod.SetConfig(ctx, "refarch:dbReplicas", auto.ConfigValue{Value: "3"}))
		require.NoError(t, prod.SetConfigWithOptions(ctx, "refarch:services[1].maxCount", auto.ConfigValue{Value: "25"}, &auto.ConfigOptions{Path: true}))
		require.NoError(t, prod.SetConfig(ctx, "refarch:costCenter", auto.ConfigValue{Value: "engineering-secret", Secret: true}))
		file, err := os.ReadFile(filepath.Join(r.dir, "Pulumi.prod.yaml"))
		require.NoError(t, err)
		assert.Contains(t, string(file), `refarch:dbReplicas: "3"`, "the CLI stores the number quoted")
		assert.NotContains(t, string(file), "engineering-secret", "the secret is stored encrypted")

		cfg, err := offline.LoadStackConfig(r.dir, "prod")
		require.NoError(t, err)
		assert.Equal(t, "engineering-secret", cfg.Values["refarch:costCenter"], "the offline engine decrypts what the CLI encrypted")
		assert.Contains(t, cfg.Secret, "refarch:costCenter", "and hands it to the program as a secret")

		after := r.offlinePlan(t, "prod")
		replicas := func(p *offline.Plan) int {
			n := 0
			for _, db := range p.ByType("aws:rds/instance:Instance") {
				if db.Inputs["replicateSourceDb"] != nil {
					n++
				}
			}
			return n
		}
		assert.Equal(t, 2, replicas(before))
		assert.Equal(t, 3, replicas(after), "the quoted number reaches the program")
		target := after.Find("aws:appautoscaling/target:Target", "prod-backend")
		require.NotNil(t, target, "the backend's scaling target")
		assert.InDelta(t, 25, target.Inputs["maxCapacity"], 0, "the --path value reaches the program")

		ch, diags := watch()
		res, err := prod.Up(ctx, optup.EventStreams(ch))
		require.NoError(t, err, "pulumi up -s prod after pulumi config set")
		assert.Empty(t, diags.wait())
		assert.Positive(t, (*res.Summary.ResourceChanges)["create"], "the new replica is created")
		real := realView(exportState(t, prod))
		assert.Equal(t, offlineView(after).types, real.types, "the engines agree on the rewritten file")
	})

	t.Run("a misspelt key fails the preview before any resource", func(t *testing.T) {
		prod := live["prod"]
		// The real key is dbMultiAz; the engine itself accepts any key.
		require.NoError(t, prod.SetConfig(ctx, "refarch:dbMultiAZ", auto.ConfigValue{Value: "false"}))
		require.NoError(t, prod.SetConfig(ctx, "aws:region", auto.ConfigValue{Value: "us-east-1"}))
		_, err := prod.Preview(ctx)
		require.Error(t, err, "pulumi preview -s prod with a misspelt key")
		assert.Contains(t, err.Error(), `refarch:dbMultiAZ = "false": is not a key this program reads; did you mean dbMultiAz?`)
		assert.Contains(t, err.Error(), "aws:region", "the ignored provider key is named too")
		cfg, err := offline.LoadStackConfig(r.dir, "prod")
		require.NoError(t, err)
		_, err = offline.RunStack(stacks.Run, "prod", offline.Options{Dir: r.dir, StackOutputs: stackrefs.New(r.dir)})
		require.Error(t, err, "the offline engine refuses the same file")
		assert.Contains(t, err.Error(), "did you mean dbMultiAz?")
		assert.Contains(t, strings.Join(cfg.Warnings, "\n"), "Pulumi.prod.yaml sets refarch:dbMultiAZ, which Pulumi.yaml does not declare", "and its loader warns")

		require.NoError(t, prod.RemoveConfig(ctx, "refarch:dbMultiAZ"))
		require.NoError(t, prod.RemoveConfig(ctx, "aws:region"))
		res, err := prod.Preview(ctx)
		require.NoError(t, err, "the corrected file previews again")
		assert.Zero(t, res.ChangeSummary["create"]+res.ChangeSummary["delete"]+res.ChangeSummary["update"], "and changes nothing")
	})
}

// stackConfigIn is a stack's typed configuration in the project copy.
func stackConfigIn(t *testing.T, dir, name string) *stacks.Config {
	t.Helper()
	raw, err := offline.LoadStackConfig(dir, name)
	require.NoError(t, err, "stack %s", name)
	cfg, err := stacks.Load(name, stack.MapSource(raw.Values))
	require.NoError(t, err, "stack %s", name)
	return cfg
}
