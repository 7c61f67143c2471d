package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optrefresh"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/stacks/stack"
)

// buildDrift builds cmd/drift as the workflow does (go run would turn its
// exit status 3 into 1).
func buildDrift(t *testing.T, r *rig) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "drift")
	out, err := exec.Command("go", "build", "-C", r.root, "-o", bin, "./cmd/drift").CombinedOutput()
	require.NoError(t, err, "go build ./cmd/drift: %s", out)
	return bin
}

// driftOf runs the nightly drift check of a stack as the workflow does
// (.circleci/config.yml's drift job; tests/ci checks that it runs these
// steps): with refarch:access preview, a refresh that runs the program and
// changes nothing in the state (pulumi refresh --preview-only
// --run-program), its engine events as the CLI's --event-log writes them,
// then cmd/drift. It returns the report and cmd/drift's exit status.
func driftOf(t *testing.T, bin string, st *auto.Stack, name string) (string, int) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, st.SetConfig(ctx, "refarch:access", auto.ConfigValue{Value: "preview"}))
	defer func() { require.NoError(t, st.RemoveConfig(ctx, "refarch:access")) }()
	ch := make(chan events.EngineEvent)
	var log bytes.Buffer
	done := make(chan error, 1)
	go func() {
		enc := json.NewEncoder(&log)
		var err error
		for e := range ch {
			if err == nil {
				err = enc.Encode(e.EngineEvent)
			}
		}
		done <- err
	}()
	_, err := st.PreviewRefresh(ctx, optrefresh.RunProgram(true), optrefresh.EventStreams(ch))
	require.NoError(t, err, "pulumi refresh --preview-only --run-program -s %s", name)
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(time.Minute):
		t.Fatalf("the event stream of %s's refresh did not end", name)
	}
	before := stateDigest(t, st)
	var report, errOut bytes.Buffer
	drift := exec.Command(bin, "-stack", name)
	drift.Stdin, drift.Stdout, drift.Stderr = &log, &report, &errOut
	err = drift.Run()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else {
		require.NoError(t, err)
	}
	require.Contains(t, []int{0, 3}, code, "cmd/drift -stack %s failed: %s", name, errOut.String())
	assert.Equal(t, before, stateDigest(t, st), "the check changed nothing in %s's state", name)
	return report.String(), code
}

// stateDigest is a stack's resources and their outputs, to show that a
// check left the state as it was.
func stateDigest(t *testing.T, st *auto.Stack) string {
	t.Helper()
	b, err := json.Marshal(exportState(t, st).Resources)
	require.NoError(t, err)
	return string(b)
}

// secretSig marks a secret value in an exported state.
// Source: https://github.com/pulumi/pulumi/blob/v3.274.1/sdk/go/common/resource/sig/sig.go
const secretSig = "4dabf18193072939515e22adb298388d"

func isSecret(v any) bool {
	m, ok := v.(map[string]any)
	return ok && m[secretSig] != nil
}

// testDrift: with nothing changed, every stack's report is empty; after
// changes made behind Pulumi's back in the stand-in cloud (a security
// group rule opened to the world, a bucket's versioning suspended, a tag
// changed, a secret changed), prod's report names exactly those resources
// and attributes, with both values (the secret's masked), and the other
// stacks' stay empty; `pulumi up --refresh` puts the code's values back.
func testDrift(t *testing.T, r *rig, live map[string]*auto.Stack) {
	bin := buildDrift(t, r)
	for _, name := range stack.Names() {
		report, code := driftOf(t, bin, live[name], name)
		assert.Equal(t, 0, code, "nothing drifted in %s:\n%s", name, report)
		assert.Contains(t, report, "No drift", name)
	}

	world, err := offline.OpenWorld(r.env[offline.WorldEnv])
	require.NoError(t, err)
	prod := exportState(t, live["prod"])
	first := func(typ string, ok func(outputs map[string]any) bool) (string, map[string]any) {
		t.Helper()
		for _, res := range prod.Resources {
			if res.Type == typ && ok(res.Outputs) {
				return res.URN, res.Outputs
			}
		}
		t.Fatalf("prod has no %s to change", typ)
		return "", nil
	}

	// A security group opened to the world: one of its rules that admits
	// another group admits anyone instead.
	sg, rule := first("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", func(o map[string]any) bool {
		return o["referencedSecurityGroupId"] != nil
	})
	require.NoError(t, world.ChangeBehindPulumi(sg, map[string]any{"cidrIpv4": "0.0.0.0/0", "referencedSecurityGroupId": nil}))
	// A bucket's versioning suspended.
	versioning, _ := first("aws:s3/bucketVersioningV2:BucketVersioningV2", func(o map[string]any) bool {
		c, _ := o["versioningConfiguration"].(map[string]any)
		return c["status"] == "Enabled"
	})
	require.NoError(t, world.ChangeBehindPulumi(versioning, map[string]any{"versioningConfiguration": map[string]any{"status": "Suspended"}}))
	// A tag changed: on the first resource (by URN) the code tags itself.
	var cluster string
	var outputs map[string]any
	for _, res := range prod.Resources {
		if tags, _ := res.Outputs["tags"].(map[string]any); len(tags) > 0 && res.URN != sg && (cluster == "" || res.URN < cluster) {
			cluster, outputs = res.URN, res.Outputs
		}
	}
	require.NotEmpty(t, cluster, "prod has a tagged resource")
	tags := map[string]any{}
	for k, v := range outputs["tags"].(map[string]any) {
		tags[k] = v
	}
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	tagKey, tagWas := keys[0], tags[keys[0]].(string)
	tags[tagKey] = "changed-in-the-console"
	require.NoError(t, world.ChangeBehindPulumi(cluster, map[string]any{"tags": tags}))
	// A secret changed: its values never reach the report.
	var secretURN, secretKey string
	for _, res := range prod.Resources {
		for k, v := range res.Outputs {
			if isSecret(v) && (secretURN == "" || res.URN+k < secretURN+secretKey) {
				secretURN, secretKey = res.URN, k
			}
		}
	}
	require.NotEmpty(t, secretURN, "prod holds a secret output")
	const secretValue = "drifted-secret-value-6f1c"
	require.NoError(t, world.ChangeBehindPulumi(secretURN, map[string]any{secretKey: secretValue}))

	report, code := driftOf(t, bin, live["prod"], "prod")
	require.Equal(t, 3, code, "cmd/drift exits 3 on drift:\n%s", report)
	t.Logf("prod's drift report:\n%s", report)
	headings := regexp.MustCompile("(?m)^## (\\S+) `([^`]+)`").FindAllStringSubmatch(report, -1)
	var named []string
	for _, h := range headings {
		named = append(named, h[1]+"::"+h[2])
	}
	var want []string
	for _, urn := range []string{sg, versioning, cluster, secretURN} {
		want = append(want, string(resource.URN(urn).Type())+"::"+resource.URN(urn).Name())
	}
	assert.ElementsMatch(t, want, named, "exactly the changed resources")
	section := func(urn string) string {
		i := strings.Index(report, "`"+resource.URN(urn).Name()+"`")
		require.GreaterOrEqual(t, i, 0)
		rest := report[i:]
		if j := strings.Index(rest[1:], "\n## "); j >= 0 {
			rest = rest[:j+1]
		}
		return rest
	}
	rows := func(urn string) []string {
		return regexp.MustCompile("(?m)^\\| `([^`]+)` \\|").FindAllString(section(urn), -1)
	}
	assert.Equal(t, []string{"| `cidrIpv4` |", "| `referencedSecurityGroupId` |"}, rows(sg))
	assert.Contains(t, section(sg), "| `cidrIpv4` | (none) | `0.0.0.0/0` |")
	assert.Contains(t, section(sg), "| `referencedSecurityGroupId` | `"+rule["referencedSecurityGroupId"].(string)+"` | (none) |")
	assert.Equal(t, []string{"| `versioningConfiguration.status` |"}, rows(versioning))
	assert.Contains(t, section(versioning), "| `versioningConfiguration.status` | `Enabled` | `Suspended` |")
	tagPath := "tags." + tagKey
	if !regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`).MatchString(tagKey) {
		tagPath = fmt.Sprintf("tags[%q]", tagKey)
	}
	assert.Equal(t, []string{"| `" + tagPath + "` |"}, rows(cluster), "the tag, not tagsAll: the provider's tags are what the code set")
	assert.Contains(t, section(cluster), "| `"+tagPath+"` | `"+tagWas+"` | `changed-in-the-console` |")
	assert.Equal(t, []string{"| `" + secretKey + "` |"}, rows(secretURN))
	assert.Contains(t, section(secretURN), "| `"+secretKey+"` | `[secret]` | `[secret] (changed)` |")
	assert.NotContains(t, report, secretValue, "a secret never reaches the report")
	assert.Contains(t, report, "pulumi up --refresh --stack prod")

	for _, name := range stack.Names() {
		if name == "prod" {
			continue
		}
		report, code := driftOf(t, bin, live[name], name)
		assert.Equal(t, 0, code, "the changes were prod's only; %s:\n%s", name, report)
	}

	// The runbook's remedy puts the code's values back.
	_, err = live["prod"].Up(context.Background(), optup.Refresh())
	require.NoError(t, err, "pulumi up --refresh -s prod")
	report, code = driftOf(t, bin, live["prod"], "prod")
	assert.Equal(t, 0, code, "after pulumi up --refresh:\n%s", report)
}
