package offline_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pulumiconfig "github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/offline"
)

const projectYAML = `name: demo
runtime: go
config:
  pulumi:disable-default-providers:
    value: [aws]
  size:
    type: integer
    default: 2
  enabled:
    type: boolean
    default: false
  zones:
    type: array
    items:
      type: string
    default: []
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

// passphrase is the passphrase of the test stacks.
const passphrase = "correct horse"

// passphraseStack returns the encryptionsalt line of a stack with the test
// passphrase and a function encrypting values with it, as `pulumi stack
// init` and `pulumi config set --secret` write them.
func passphraseStack(t *testing.T) (saltLine string, encrypt func(string) string) {
	t.Helper()
	phrase := passphrase
	salt := []byte("8bytesal")
	crypter := config.NewSymmetricCrypterFromPassphrase(phrase, salt)
	enc := func(s string) string {
		out, err := crypter.EncryptValue(context.Background(), s)
		require.NoError(t, err)
		return out
	}
	return fmt.Sprintf("encryptionsalt: v1:%s:%s\n", base64.StdEncoding.EncodeToString(salt), enc("pulumi")), enc
}

func TestLoadStackConfigPresentsValuesLikeTheCLI(t *testing.T) {
	t.Setenv("PULUMI_CONFIG_PASSPHRASE", passphrase)
	salt, encrypt := passphraseStack(t)
	dir := project(t, salt+`config:
  demo:size: 5
  demo:zones: [a, b]
  demo:name: web
  demo:password:
    secure: `+encrypt("hunter2")+`
  aws:region: us-west-2
`)
	cfg, err := offline.LoadStackConfig(dir, "test")
	require.NoError(t, err)
	assert.Equal(t, "5", cfg.Values["demo:size"], "the stack value overrides the default")
	assert.JSONEq(t, `["a","b"]`, cfg.Values["demo:zones"], "arrays travel as JSON")
	assert.JSONEq(t, `{"a":1}`, cfg.Values["demo:layout"], "project defaults apply")
	assert.Equal(t, "false", cfg.Values["demo:enabled"], "scalar defaults travel as text")
	assert.JSONEq(t, `["aws"]`, cfg.Values["pulumi:disable-default-providers"], "project values apply")
	assert.Equal(t, "us-west-2", cfg.Values["aws:region"])
	assert.Equal(t, []string{"demo:password"}, cfg.Secret)
	assert.Equal(t, "hunter2", cfg.Values["demo:password"], "the program receives the plaintext, flagged secret")
	assert.Empty(t, cfg.Warnings)
}

// validStack returns a passphrase stack file setting every required key of
// the fixture project (name, and password as a secret) plus extra lines.
func validStack(t *testing.T, extra string) string {
	t.Helper()
	t.Setenv("PULUMI_CONFIG_PASSPHRASE", passphrase)
	salt, encrypt := passphraseStack(t)
	return salt + "config:\n  demo:name: web\n  demo:password:\n    secure: " + encrypt("x") + "\n" + extra
}

// The CLI stores every top-level value as text: `pulumi config set` writes
// demo:size: "5", and the engine accepts a quoted number or boolean for a
// typed key.
func TestLoadStackConfigAcceptsWhatTheCLIWrites(t *testing.T) {
	cfg, err := offline.LoadStackConfig(project(t, validStack(t, `  demo:size: "5"
  demo:enabled: "true"
  demo:sise: 3
`)), "test")
	require.NoError(t, err)
	assert.Equal(t, "5", cfg.Values["demo:size"])
	assert.Equal(t, "true", cfg.Values["demo:enabled"])
	assert.Equal(t, []string{"Pulumi.test.yaml sets demo:sise, which Pulumi.yaml does not declare (misspelt?)"},
		cfg.Warnings, "the engine accepts an undeclared key; the offline engine says so without failing")
}

func TestLoadStackConfigRejectsWhatTheCLIWould(t *testing.T) {
	cases := map[string]struct{ stack, want string }{
		"missing required keys": {"config:\n  demo:size: 5\n", "Stack 'test' is missing configuration values 'name' and 'password'"},
		"type mismatch":         {validStack(t, "  demo:size: five\n"), "Stack 'test' with configuration key 'size' must be of type 'integer'"},
		"boolean spelt True":    {validStack(t, "  demo:enabled: \"True\"\n"), "configuration key 'enabled' must be of type 'boolean'"},
		"array item type":       {validStack(t, "  demo:zones: [1, 2]\n"), "must be of type 'array<string>'"},
		"secret in clear":       {"config:\n  demo:name: a\n  demo:password: hunter2\n", "configuration key 'password' must be encrypted as it's secret"},
		"broken stack yaml":     {"config: [", "Pulumi.test.yaml"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := offline.LoadStackConfig(project(t, tc.stack), "test")
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestLoadStackConfigNeedsThePassphraseOfItsSecrets(t *testing.T) {
	salt, encrypt := passphraseStack(t)
	stack := salt + "config:\n  demo:name: a\n  demo:password:\n    secure: " + encrypt("hunter2") + "\n"

	t.Setenv("PULUMI_CONFIG_PASSPHRASE", "wrong")
	_, err := offline.LoadStackConfig(project(t, stack), "test")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "incorrect passphrase")

	require.NoError(t, os.Unsetenv("PULUMI_CONFIG_PASSPHRASE")) // t.Setenv restores it
	_, err = offline.LoadStackConfig(project(t, stack), "test")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "PULUMI_CONFIG_PASSPHRASE")

	file := filepath.Join(t.TempDir(), "phrase")
	require.NoError(t, os.WriteFile(file, []byte("correct horse\n"), 0o600))
	t.Setenv("PULUMI_CONFIG_PASSPHRASE_FILE", file)
	cfg, err := offline.LoadStackConfig(project(t, stack), "test")
	require.NoError(t, err)
	assert.Equal(t, "hunter2", cfg.Values["demo:password"])
}

func TestSecretConfigReachesTheProgramAsASecret(t *testing.T) {
	t.Setenv("PULUMI_CONFIG_PASSPHRASE", passphrase)
	salt, encrypt := passphraseStack(t)
	cfg, err := offline.LoadStackConfig(project(t, salt+"config:\n  demo:name: a\n  demo:password:\n    secure: "+encrypt("hunter2")+"\n"), "test")
	require.NoError(t, err)
	p, err := offline.Run(func(ctx *pulumi.Context) error {
		password := pulumiconfig.RequireSecret(ctx, "password")
		var r pulumi.CustomResourceState
		return ctx.RegisterResource("demo:index:Thing", "thing", pulumi.Map{"password": password, "name": pulumi.String("x")}, &r)
	}, cfg, offline.Options{})
	require.NoError(t, err)
	thing := p.Require(t, "demo:index:Thing", "thing")
	assert.Equal(t, []string{"password"}, thing.Secrets, "the value stays secret on its way into the resource")
	masked := p.Masked().Require(t, "demo:index:Thing", "thing")
	assert.Equal(t, offline.SecretMask, masked.Inputs["password"], "a printed plan masks it")
	assert.Equal(t, "x", masked.Inputs["name"])
	assert.Equal(t, "hunter2", thing.Inputs["password"], "masking copies: the recorded plan keeps the value for tests")
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

func runProgram(t *testing.T, program pulumi.RunFunc) (*offline.Plan, error) {
	t.Helper()
	cfg, err := offline.LoadStackConfig(project(t, validStack(t, "")), "test")
	require.NoError(t, err)
	return offline.Run(program, cfg, offline.Options{})
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
	v, ok := offline.Lookup(data, "ingress[0].cidrBlocks[1]")
	require.True(t, ok)
	assert.Equal(t, "0.0.0.0/0", v)
	_, ok = offline.Lookup(data, "ingress[1]")
	assert.False(t, ok)
	_, ok = offline.Lookup(data, "egress")
	assert.False(t, ok)
}

// TestParameterStoreHoldsWhatTheOptionsSay: a parameter of
// Options.Parameters is a String parameter with its value; AWS's public
// parameters exist in every account; any other name is missing, with the
// AWS provider's words for it, which a program tells apart from a failure.
func TestParameterStoreHoldsWhatTheOptionsSay(t *testing.T) {
	cfg, err := offline.LoadStackConfig(project(t, validStack(t, "")), "test")
	require.NoError(t, err)
	lookup := func(opts offline.Options, name string) (map[string]any, error) {
		var out map[string]any
		_, err := offline.Run(func(ctx *pulumi.Context) error {
			prov, err := awsProvider(ctx, "p", "210987654321", "eu-west-1")
			if err != nil {
				return err
			}
			return ctx.Invoke("aws:ssm/getParameter:getParameter", pulumi.Map{"name": pulumi.String(name)}, &out, pulumi.Provider(prov))
		}, cfg, opts)
		return out, err
	}
	held := offline.Options{Parameters: map[string]string{"/app/release/web": "web@sha256:" + fmt.Sprintf("%064d", 7)}}

	out, err := lookup(held, "/app/release/web")
	require.NoError(t, err)
	assert.Equal(t, "web@sha256:"+fmt.Sprintf("%064d", 7), out["insecureValue"])
	assert.Equal(t, "String", out["type"])
	assert.Equal(t, "arn:aws:ssm:eu-west-1:210987654321:parameter/app/release/web", out["arn"])

	out, err = lookup(offline.Options{}, "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64")
	require.NoError(t, err)
	assert.Regexp(t, `^ami-0[0-9a-f]+$`, out["value"], "AWS's public image parameters hold an AMI id")

	for _, opts := range []offline.Options{{}, held} {
		_, err = lookup(opts, "/app/release/api")
		require.Error(t, err)
		assert.Contains(t, err.Error(), "couldn't find resource", "the AWS provider's words for a missing parameter")
		assert.Contains(t, err.Error(), "ParameterNotFound")
	}
}
