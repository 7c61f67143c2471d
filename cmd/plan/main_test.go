package main

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/offline"
)

func TestPlanAllPrintsSixTrees(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run([]string{"-stack", "all"}, &out, &errOut)
	require.Equal(t, 0, code, errOut.String())
	for _, stack := range []string{"security", "shared-services", "dev", "stage", "prod"} {
		assert.Contains(t, out.String(), "pulumi:pulumi:Stack refarch-"+stack+"\n")
		assert.Contains(t, out.String(), "pulumi:providers:aws aws-"+stack+"  [account ")
	}
	assert.Equal(t, 6, strings.Count(out.String(), "by type:"))
}

func TestPlanJSONParses(t *testing.T) {
	var out, errOut bytes.Buffer
	require.Equal(t, 0, run([]string{"-stack", "prod", "-json"}, &out, &errOut), errOut.String())
	var plans []offline.Plan
	require.NoError(t, json.Unmarshal(out.Bytes(), &plans))
	require.Len(t, plans, 1)
	assert.Equal(t, "prod", plans[0].Stack)
	require.NotEmpty(t, plans[0].Resources)
	for _, r := range plans[0].Resources {
		assert.NotEmpty(t, r.Type)
		assert.NotEmpty(t, r.URN)
		assert.NotNil(t, r.Inputs)
	}
}

// TestPlanBrokenCIDRExitsNonZero copies the project, breaks the prod VPC
// block (whatever the stack file holds: host bits set), and expects the
// validation problem (naming the key) and status 1.
func TestPlanBrokenCIDRExitsNonZero(t *testing.T) {
	src, err := offline.FindProjectDir(".")
	require.NoError(t, err)
	raw, err := offline.LoadStackConfig(src, "prod")
	require.NoError(t, err)
	cidr, err := netip.ParsePrefix(raw.Values["refarch:vpcCidr"])
	require.NoError(t, err, "prod's refarch:vpcCidr")
	host := cidr.Addr().As4()
	host[3] = 7
	broken := netip.PrefixFrom(netip.AddrFrom4(host), cidr.Bits()).String()
	dir := t.TempDir()
	files, err := filepath.Glob(filepath.Join(src, "Pulumi*.yaml"))
	require.NoError(t, err)
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		if filepath.Base(f) == "Pulumi.prod.yaml" {
			line := []byte("refarch:vpcCidr: " + cidr.String())
			require.Contains(t, string(b), string(line))
			b = bytes.Replace(b, line, []byte("refarch:vpcCidr: "+broken), 1)
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o600))
	}
	var out, errOut bytes.Buffer
	code := run([]string{"-stack", "prod", "-dir", dir}, &out, &errOut)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut.String(), `refarch:vpcCidr = "`+broken+`": has host bits set`)
	assert.NotContains(t, errOut.String(), "goroutine", "no stack trace")
	assert.Empty(t, out.String())
}

func TestPlanUsageErrors(t *testing.T) {
	var out, errOut bytes.Buffer
	assert.Equal(t, 2, run(nil, &out, &errOut))
	assert.Contains(t, errOut.String(), "usage: plan -stack")
	errOut.Reset()
	assert.Equal(t, 2, run([]string{"-stack", "Q_A"}, &out, &errOut))
	assert.Contains(t, errOut.String(), `unknown stack "Q_A"`)
}

// TestConfigReferenceIsCurrent fails when docs/configuration.md is not what
// the code and Pulumi.yaml generate.
func TestConfigReferenceIsCurrent(t *testing.T) {
	var out, errOut bytes.Buffer
	require.Equal(t, 0, run([]string{"-config-reference", "-dir", filepath.Join("..", "..", filepath.FromSlash(SampleDir))}, &out, &errOut), errOut.String())
	committed, err := os.ReadFile(filepath.Join("..", "..", "docs", "configuration.md"))
	require.NoError(t, err, "docs/configuration.md is missing: run %s", referenceCommand)
	require.Equal(t, out.String(), string(committed), "docs/configuration.md is stale: run %s", referenceCommand)
	for _, want := range []string{"### `dbMultiAz`", "- rule: true in prod", "### `services`", "| `[2 items]` |"} {
		assert.Contains(t, out.String(), want)
	}
}

// TestPolicyReferenceIsCurrent fails when docs/policies.md is not what the
// rules generate.
func TestPolicyReferenceIsCurrent(t *testing.T) {
	var out, errOut bytes.Buffer
	require.Equal(t, 0, run([]string{"-policy-reference"}, &out, &errOut), errOut.String())
	committed, err := os.ReadFile(filepath.Join("..", "..", "docs", "policies.md"))
	require.NoError(t, err, "docs/policies.md is missing: run go run ./cmd/plan -policy-reference > docs/policies.md")
	require.Equal(t, out.String(), string(committed), "docs/policies.md is stale: run go run ./cmd/plan -policy-reference > docs/policies.md")
	for _, want := range []string{"| `s3-bucket-public-access-block` | CIS 2.1.4, FSBP S3.8 | critical |", "offline only: the analyzer protocol"} {
		assert.Contains(t, out.String(), want)
	}
}

func TestPlanPolicyReportPassesProd(t *testing.T) {
	var out, errOut bytes.Buffer
	require.Equal(t, 0, run([]string{"-stack", "prod", "-policy"}, &out, &errOut), errOut.String())
	assert.Regexp(t, `policy report for prod: \d+ pass, 0 FAIL, \d+ n/a`, out.String())
	assert.Regexp(t, `network +vpc-default-security-group-closed +CIS 5.4, FSBP EC2.2 +high +pass +[1-9]`, out.String())
	assert.Regexp(t, `network +ec2-public-ip-only-vpn +FSBP EC2.25, FSBP EC2.9 +high +n/a \(no resource\) +0`, out.String(), "prod has no instance")

	out.Reset()
	require.Equal(t, 0, run([]string{"-stack", "dev", "-policy"}, &out, &errOut), errOut.String())
	assert.Regexp(t, `rds-multi-az +FSBP RDS.5 +high +n/a \(dev\)`, out.String(), "a rule dev is exempt from says so")
}

// TestPlanCostAndDiagramPrint: -cost prints the total and the assumptions,
// -diagram a Mermaid flowchart.
func TestPlanCostAndDiagramPrint(t *testing.T) {
	var out, errOut bytes.Buffer
	require.Equal(t, 0, run([]string{"-stack", "dev", "-cost", "-diagram"}, &out, &errOut), errOut.String())
	assert.Contains(t, out.String(), "Monthly cost estimate of stack dev")
	assert.Contains(t, out.String(), "Assumptions")
	assert.Contains(t, out.String(), "flowchart")
}

// TestPlanDiffFailsOnAProtectedReplacement writes two plans of prod, the
// second renaming the protected database, and expects -diff to mark it and
// -fail-on-replace to exit 1.
func TestPlanDiffFailsOnAProtectedReplacement(t *testing.T) {
	var out, errOut bytes.Buffer
	require.Equal(t, 0, run([]string{"-stack", "prod", "-json"}, &out, &errOut), errOut.String())
	dir := t.TempDir()
	oldPath, newPath := filepath.Join(dir, "old.json"), filepath.Join(dir, "new.json")
	require.NoError(t, os.WriteFile(oldPath, out.Bytes(), 0o600))
	changed := bytes.Replace(out.Bytes(), []byte(`"identifier": "refarch-prod-db"`), []byte(`"identifier": "refarch-prod-db2"`), 1)
	require.NotEqual(t, out.Bytes(), changed, "the plan names the database")
	require.NoError(t, os.WriteFile(newPath, changed, 0o600))

	out.Reset()
	errOut.Reset()
	assert.Equal(t, 0, run([]string{"-diff", oldPath, oldPath}, &out, &errOut), errOut.String())
	assert.NotContains(t, out.String(), "!!")
	out.Reset()
	assert.Equal(t, 0, run([]string{"-diff", oldPath, newPath}, &out, &errOut), errOut.String())
	assert.Contains(t, out.String(), `!! REPLACE protected stateful aws:rds/instance:Instance "refarch-prod-db"`)
	out.Reset()
	assert.Equal(t, 1, run([]string{"-diff", "-fail-on-replace", oldPath, newPath}, &out, &errOut))
	assert.Contains(t, errOut.String(), "protected resources would be replaced or deleted")
}
