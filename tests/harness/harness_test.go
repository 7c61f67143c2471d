package harness_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/tests/harness"
)

const projectYAML = `name: demo
runtime: go
config:
  pulumi:disable-default-providers:
    value: [aws]
  size:
    type: integer
    default: 2
  zones:
    type: array
    items:
      type: string
  name:
    type: string
  password:
    type: string
    secret: true
  layout:
    type: object
    default:
      a: 1
`

// project writes a project with one stack file into a temporary folder.
func project(t *testing.T, stackYAML string) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), []byte(projectYAML), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Pulumi.test.yaml"), []byte(stackYAML), 0o600))
	return dir
}

func TestLoadStackConfigPresentsValuesLikeTheCLI(t *testing.T) {
	dir := project(t, `config:
  demo:size: 5
  demo:zones: [a, b]
  demo:name: web
  demo:password:
    secure: AAABAJ0eNc2ExbZ
  aws:region: us-west-2
`)
	cfg, err := harness.LoadStackConfig(dir, "test")
	require.NoError(t, err)
	assert.Equal(t, "5", cfg.Values["demo:size"], "the stack value overrides the default")
	assert.JSONEq(t, `["a","b"]`, cfg.Values["demo:zones"], "arrays travel as JSON")
	assert.JSONEq(t, `{"a":1}`, cfg.Values["demo:layout"], "project defaults apply")
	assert.JSONEq(t, `["aws"]`, cfg.Values["pulumi:disable-default-providers"], "project values apply")
	assert.Equal(t, "us-west-2", cfg.Values["aws:region"])
	assert.Equal(t, []string{"demo:password"}, cfg.Secret)
	assert.NotContains(t, cfg.Values["demo:password"], "AAABAJ0eNc2ExbZ", "ciphertext is not handed to the program")
}

func TestLoadStackConfigRejectsWhatTheCLIWould(t *testing.T) {
	cases := map[string]struct{ stack, want string }{
		"type mismatch":     {"config:\n  demo:size: \"5\"\n", "demo:size is a string, but Pulumi.yaml declares type integer"},
		"array item type":   {"config:\n  demo:zones: [1, 2]\n", "declares type array<string>"},
		"undeclared key":    {"config:\n  demo:sise: 5\n", "demo:sise, which Pulumi.yaml does not declare"},
		"secret in clear":   {"config:\n  demo:password: hunter2\n", "demo:password must be a secret"},
		"broken stack yaml": {"config: [", "Pulumi.test.yaml"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := harness.LoadStackConfig(project(t, tc.stack), "test")
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// awsProvider registers a provider resource like aws.NewProvider would.
func awsProvider(ctx *pulumi.Context, name, account, region string) (pulumi.ProviderResource, error) {
	var p pulumi.ProviderResourceState
	err := ctx.RegisterResource("pulumi:providers:aws", name, pulumi.Map{
		"region":            pulumi.String(region),
		"allowedAccountIds": pulumi.String(fmt.Sprintf(`[%q]`, account)),
	}, &p)
	return &p, err
}

func runProgram(t *testing.T, program pulumi.RunFunc) (*harness.Plan, error) {
	t.Helper()
	cfg, err := harness.LoadStackConfig(project(t, "config: {}\n"), "test")
	require.NoError(t, err)
	return harness.Run(program, cfg, harness.Options{})
}

func TestDefaultProviderIsRefusedWhenDisabled(t *testing.T) {
	_, err := runProgram(t, func(ctx *pulumi.Context) error {
		var topic pulumi.CustomResourceState
		return ctx.RegisterResource("aws:sns/topic:Topic", "alerts", pulumi.Map{}, &topic)
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `aws:sns/topic:Topic "alerts" has no explicit provider`)

	_, err = runProgram(t, func(ctx *pulumi.Context) error {
		var out map[string]any
		return ctx.Invoke("aws:index/getRegion:getRegion", pulumi.Map{}, &out)
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "uses the default aws provider")
}

func TestUnknownInvokeFailsLoudly(t *testing.T) {
	_, err := runProgram(t, func(ctx *pulumi.Context) error {
		p, err := awsProvider(ctx, "p", "123456789012", "eu-west-1")
		if err != nil {
			return err
		}
		var out map[string]any
		return ctx.Invoke("aws:foo/getBar:getBar", pulumi.Map{}, &out, pulumi.Provider(p))
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no mock answer for invoke aws:foo/getBar:getBar")
}

func TestInvokesAnswerForTheProvidersAccountAndRegion(t *testing.T) {
	var identity, zones, policy map[string]any
	p, err := runProgram(t, func(ctx *pulumi.Context) error {
		prov, err := awsProvider(ctx, "p", "123456789012", "eu-west-1")
		if err != nil {
			return err
		}
		if err := ctx.Invoke("aws:index/getCallerIdentity:getCallerIdentity", pulumi.Map{}, &identity, pulumi.Provider(prov)); err != nil {
			return err
		}
		if err := ctx.Invoke("aws:index/getAvailabilityZones:getAvailabilityZones", pulumi.Map{"state": pulumi.String("available")}, &zones, pulumi.Provider(prov)); err != nil {
			return err
		}
		return ctx.Invoke("aws:iam/getPolicyDocument:getPolicyDocument", pulumi.Map{
			"statements": pulumi.Array{pulumi.Map{
				"actions":    pulumi.StringArray{pulumi.String("sts:AssumeRole")},
				"principals": pulumi.Array{pulumi.Map{"type": pulumi.String("AWS"), "identifiers": pulumi.StringArray{pulumi.String("arn:aws:iam::111111111111:root")}}},
				"conditions": pulumi.Array{pulumi.Map{"test": pulumi.String("Bool"), "variable": pulumi.String("aws:MultiFactorAuthPresent"), "values": pulumi.StringArray{pulumi.String("true")}}},
			}},
		}, &policy, pulumi.Provider(prov))
	})
	require.NoError(t, err)
	assert.Equal(t, "123456789012", identity["accountId"])
	assert.Equal(t, []any{"eu-west-1a", "eu-west-1b", "eu-west-1c"}, zones["names"])
	assert.Equal(t, []any{"euw1-az1", "euw1-az2", "euw1-az3"}, zones["zoneIds"])

	var doc struct {
		Version   string
		Statement []struct {
			Effect, Action string
			Principal      map[string]string
			Condition      map[string]map[string]string
		}
	}
	require.NoError(t, json.Unmarshal([]byte(policy["json"].(string)), &doc))
	require.Len(t, doc.Statement, 1)
	assert.Equal(t, "2012-10-17", doc.Version)
	assert.Equal(t, "Allow", doc.Statement[0].Effect)
	assert.Equal(t, "sts:AssumeRole", doc.Statement[0].Action)
	assert.Equal(t, "arn:aws:iam::111111111111:root", doc.Statement[0].Principal["AWS"])
	assert.Equal(t, "true", doc.Statement[0].Condition["Bool"]["aws:MultiFactorAuthPresent"])
	assert.Len(t, p.InvokesOf("aws:index/getCallerIdentity:getCallerIdentity"), 1)
}

// component is a minimal component resource for the recorder tests.
type component struct{ pulumi.ResourceState }

func TestRecordsOptionsParentsAndProvidersAcrossGoroutines(t *testing.T) {
	const n = 40
	p, err := runProgram(t, func(ctx *pulumi.Context) error {
		prov, err := awsProvider(ctx, "acct", "123456789012", "us-east-2")
		if err != nil {
			return err
		}
		comp := &component{}
		if err := ctx.RegisterComponentResource("demo:index:Thing", "thing", comp, pulumi.Provider(prov)); err != nil {
			return err
		}
		var first pulumi.CustomResourceState
		if err := ctx.RegisterResource("aws:kms/key:Key", "key", pulumi.Map{"enableKeyRotation": pulumi.Bool(true)}, &first,
			pulumi.Parent(comp), pulumi.Protect(true), pulumi.RetainOnDelete(true)); err != nil {
			return err
		}
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var r pulumi.CustomResourceState
				errs <- ctx.RegisterResource("aws:sns/topic:Topic", fmt.Sprintf("topic-%02d", i), pulumi.Map{
					"tags": pulumi.StringMap{"Name": pulumi.String("t")},
				}, &r, pulumi.Parent(comp), pulumi.IgnoreChanges([]string{"tags"}), pulumi.DependsOn([]pulumi.Resource{&first}))
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				return err
			}
		}
		return ctx.RegisterResourceOutputs(comp, pulumi.Map{})
	})
	require.NoError(t, err)

	comp := p.Find("demo:index:Thing", "thing")
	require.NotNil(t, comp)
	assert.False(t, comp.Custom)
	children := p.Children(comp)
	assert.Len(t, children, n+1)
	assert.Len(t, p.ByType("aws:sns/topic:Topic"), n)

	key := p.Find("aws:kms/key:Key", "key")
	require.NotNil(t, key)
	assert.True(t, key.Protect)
	assert.True(t, key.RetainOnDelete)
	assert.True(t, key.Bool("enableKeyRotation"))
	assert.Equal(t, "urn:pulumi:test::demo::demo:index:Thing$aws:kms/key:Key::key", key.URN)
	assert.Equal(t, comp.URN, key.Parent)
	prov := p.ProviderOf(key)
	require.NotNil(t, prov, "children inherit the component's provider")
	assert.Equal(t, "acct", prov.Name)
	assert.Equal(t, "arn:aws:kms:us-east-2:123456789012:key/"+key.Outputs["keyId"].(string), key.Output("arn"), "ARNs are built for the provider's account and region")

	topic := p.Find("aws:sns/topic:Topic", "topic-07")
	require.NotNil(t, topic)
	assert.Equal(t, []string{"tags"}, topic.IgnoreChanges)
	assert.Equal(t, []string{key.URN}, topic.DependsOn)
	assert.Equal(t, "t", topic.String("tags.Name"))
}

func TestLookupPaths(t *testing.T) {
	data := map[string]any{"ingress": []any{map[string]any{"cidrBlocks": []any{"10.0.0.0/8", "0.0.0.0/0"}}}}
	v, ok := harness.Lookup(data, "ingress[0].cidrBlocks[1]")
	require.True(t, ok)
	assert.Equal(t, "0.0.0.0/0", v)
	_, ok = harness.Lookup(data, "ingress[1]")
	assert.False(t, ok)
	_, ok = harness.Lookup(data, "egress")
	assert.False(t, ok)
}
