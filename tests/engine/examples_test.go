package engine_test

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ecsservice "github.com/refarch/refarch/examples/ecs-service/program"
	networkpostgres "github.com/refarch/refarch/examples/network-postgres/program"
	securitybaseline "github.com/refarch/refarch/examples/security-baseline/program"
	"github.com/refarch/refarch/offline"
)

// example is one program of examples/: its folder's name, its program and
// the outputs it exports.
type example struct {
	name    string
	program pulumi.RunFunc
	outputs []string
}

// examples are the library users' examples (examples/<name>).
var examples = []example{
	{"network-postgres", networkpostgres.Program, []string{"vpcId", "appSubnetIds", "dataSubnetIds", "clientSecurityGroupId",
		"databaseAddress", "databasePort", "databaseName", "databaseSecretArn"}},
	{"ecs-service", ecsservice.Program, []string{"url", "loadBalancerDnsName", "certificateArn", "clusterName", "serviceName", "logGroupName"}},
	{"security-baseline", securitybaseline.Program, []string{"alertTopicArn", "trailArn", "trailBucket", "configBucket", "detectorId",
		"dataKeyArn", "secretsKeyArn", "instancePolicyArn", "patchGroup"}},
}

// exampleStack creates the sample stack of an example the way its README
// does, in a folder of its own holding copies of its Pulumi.yaml and
// Pulumi.example.yaml, on a backend and a stand-in world of its own, with
// the program inline.
func (r *rig) exampleStack(t *testing.T, ex example) *auto.Stack {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	project := filepath.Join(dir, "project")
	require.NoError(t, mkdirs(filepath.Join(dir, "state"), project))
	for _, f := range []string{"Pulumi.yaml", "Pulumi.example.yaml"} {
		b, err := os.ReadFile(filepath.Join(r.root, "examples", ex.name, f))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(project, f), b, 0o600))
	}
	env := map[string]string{}
	for k, v := range r.env {
		env[k] = v
	}
	env["PULUMI_BACKEND_URL"] = "file://" + filepath.Join(dir, "state")
	env[offline.WorldEnv] = filepath.Join(dir, "world")
	ws, err := auto.NewLocalWorkspace(ctx,
		auto.WorkDir(project),
		auto.Program(ex.program),
		auto.Pulumi(r.cli),
		auto.PulumiHome(r.home),
		auto.EnvVars(env),
		auto.SecretsProvider("passphrase"),
	)
	require.NoError(t, err)
	st, err := auto.UpsertStack(ctx, "example", ws)
	require.NoError(t, err, "pulumi stack init example")
	return &st
}

// steps collects the resources an operation's events name, by type.
type steps struct {
	mu    sync.Mutex
	types map[string]int
	done  chan struct{}
}

func watchSteps() (chan events.EngineEvent, *steps) {
	ch := make(chan events.EngineEvent)
	s := &steps{types: map[string]int{}, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		for e := range ch {
			if pre := e.ResourcePreEvent; pre != nil && pre.Metadata.Op == apitype.OpCreate {
				s.mu.Lock()
				if !insideAwsx(pre.Metadata.URN) && pre.Metadata.Type != "pulumi:pulumi:Stack" && !isDefaultProvider(pre.Metadata.URN, pre.Metadata.Type) {
					s.types[pre.Metadata.Type]++
				}
				s.mu.Unlock()
			}
		}
	}()
	return ch, s
}

func (s *steps) wait() map[string]int {
	select {
	case <-s.done:
	case <-time.After(time.Minute):
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.types
}

// insideAwsx reports whether a URN is of a resource an awsx component
// creates: its type chain names an awsx type. The offline engine never
// sees those (offline/doc.go).
func insideAwsx(urn string) bool {
	parts := strings.Split(urn, "::")
	if len(parts) < 3 {
		return false
	}
	chain := strings.Split(parts[2], "$")
	for _, typ := range chain[:len(chain)-1] {
		if strings.HasPrefix(typ, "awsx:") {
			return true
		}
	}
	return false
}

// TestExamples runs each example of examples/ as its README does, with the
// real CLI, the example's own Pulumi.yaml and sample stack file, and the
// stand-in plugins: the preview registers what the offline plan does,
// without a warning; `pulumi up` creates it and exports every output; a
// second preview changes nothing; and, protect being false in the
// samples, `pulumi destroy` removes it all.
func TestExamples(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	for _, ex := range examples {
		t.Run(ex.name, func(t *testing.T) {
			plan, err := offline.RunStack(ex.program, "example", offline.Options{Dir: filepath.Join(r.root, "examples", ex.name)})
			require.NoError(t, err, "the offline plan of the sample stack")
			want := offlineView(plan)
			st := r.exampleStack(t, ex)

			ch, diags := watch()
			sch, created := watchSteps()
			_, err = st.Preview(ctx, optpreview.EventStreams(ch, sch))
			require.NoError(t, err, "pulumi preview -s example")
			assert.Empty(t, diags.wait(), "pulumi preview warns")
			assert.Equal(t, want.types, created.wait(), "the preview registers what the offline plan registers, type by type")

			ch, diags = watch()
			start := time.Now()
			res, err := st.Up(ctx, optup.EventStreams(ch))
			require.NoError(t, err, "pulumi up -s example")
			assert.Empty(t, diags.wait(), "pulumi up warns")
			t.Logf("pulumi up of %s: %d resources in %s", ex.name, len(want.urns), time.Since(start).Round(time.Second))
			got := realView(exportState(t, st))
			assert.Equal(t, want.types, got.types, "resources per type")
			assert.Equal(t, want.urns, got.urns, "URNs")
			assert.Empty(t, got.protected, "the sample protects nothing, so the trial can be destroyed")
			var outputs []string
			for k, v := range res.Outputs {
				outputs = append(outputs, k)
				assert.NotEmpty(t, v.Value, "output %s", k)
			}
			sort.Strings(outputs)
			documented := append([]string(nil), ex.outputs...)
			sort.Strings(documented)
			assert.Equal(t, documented, outputs, "the exports of the program")

			pr, err := st.Preview(ctx, optpreview.ExpectNoChanges())
			require.NoError(t, err, "a second preview changes nothing")
			for op := range pr.ChangeSummary {
				assert.Equal(t, apitype.OpSame, op)
			}

			ch, diags = watch()
			_, err = st.Destroy(ctx, optdestroy.EventStreams(ch))
			require.NoError(t, err, "pulumi destroy -s example")
			assert.Empty(t, diags.wait(), "pulumi destroy warns")
			assert.Empty(t, exportState(t, st).Resources, "nothing is left")
		})
	}
}
