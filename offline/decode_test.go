package offline_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/offline"
)

// A plan as cmd/plan -json prints it (trimmed): a provider, a component and
// a key inside the component made with the provider.
const decodedPlan = `{
  "project": "refarch",
  "stack": "dev",
  "resources": [
    {"urn": "urn:pulumi:dev::refarch::pulumi:providers:aws::aws-dev", "type": "pulumi:providers:aws", "name": "aws-dev",
     "id": "p-1", "parent": "urn:pulumi:dev::refarch::pulumi:pulumi:Stack::refarch-dev", "custom": true,
     "inputs": {"region": "us-west-2"}},
    {"urn": "urn:pulumi:dev::refarch::refarch:data:Data::data", "type": "refarch:data:Data", "name": "data",
     "parent": "urn:pulumi:dev::refarch::pulumi:pulumi:Stack::refarch-dev", "custom": false, "inputs": {}},
    {"urn": "urn:pulumi:dev::refarch::refarch:data:Data$aws:kms/key:Key::data", "type": "aws:kms/key:Key", "name": "data",
     "parent": "urn:pulumi:dev::refarch::refarch:data:Data::data", "custom": true,
     "provider": "urn:pulumi:dev::refarch::pulumi:providers:aws::aws-dev::p-1",
     "inputs": {"enableKeyRotation": true, "tags": {"Name": "data"}}, "protect": true, "retainOnDelete": true}
  ],
  "invokes": []
}`

func TestDecodePlansReadsAListAndASingleObjectAndRebuildsTheIndex(t *testing.T) {
	tests := []struct {
		name, input string
	}{
		{"list", "[\n" + decodedPlan + "\n]\n"},
		{"single object", decodedPlan},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plans, err := offline.DecodePlans(strings.NewReader(tt.input))
			require.NoError(t, err)
			require.Len(t, plans, 1)
			p := plans[0]
			assert.Equal(t, "refarch", p.Project)
			assert.Equal(t, "dev", p.Stack)
			require.Len(t, p.Resources, 3)

			key := p.ByURN("urn:pulumi:dev::refarch::refarch:data:Data$aws:kms/key:Key::data")
			require.NotNil(t, key, "ByURN must work on a decoded plan")
			assert.Same(t, p.Resources[2], key)
			assert.True(t, key.Protect)
			assert.True(t, key.RetainOnDelete)
			assert.Equal(t, "data", key.String("tags.Name"))
			assert.True(t, key.Bool("enableKeyRotation"))

			component := p.ByURN("urn:pulumi:dev::refarch::refarch:data:Data::data")
			require.NotNil(t, component)
			assert.Equal(t, []*offline.Resource{key}, p.Children(component))
			require.NotNil(t, p.ProviderOf(key), "ProviderOf reads the index too")
			assert.Equal(t, "aws-dev", p.ProviderOf(key).Name)
			assert.Nil(t, p.ByURN("urn:pulumi:dev::refarch::aws:kms/key:Key::missing"))
		})
	}
}

func TestDecodePlansReadsSeveralPlans(t *testing.T) {
	stage := strings.ReplaceAll(decodedPlan, "dev", "stage")
	plans, err := offline.DecodePlans(strings.NewReader("[" + decodedPlan + "," + stage + "]"))
	require.NoError(t, err)
	require.Len(t, plans, 2)
	assert.Equal(t, "dev", plans[0].Stack)
	assert.Equal(t, "stage", plans[1].Stack)
	assert.NotNil(t, plans[1].ByURN("urn:pulumi:stage::refarch::refarch:data:Data$aws:kms/key:Key::data"))
	assert.Nil(t, plans[1].ByURN("urn:pulumi:dev::refarch::refarch:data:Data$aws:kms/key:Key::data"),
		"each plan has its own index")
}

func TestDecodePlansRefusesWhatIsNotPlans(t *testing.T) {
	tests := []struct {
		name, input, want string
		syntax            bool
	}{
		{"empty", "  \n", "empty input", false},
		{"not JSON", "plan dev: warning: …", "expected a JSON list of plans or one plan object", false},
		{"truncated", `[{"project": "refarch", "stack": "dev", "resources": [`, "unexpected EOF", false},
		{"bad JSON", `[{"project": "refarch", "stack": "dev",, }]`, "invalid character", true},
		{"trailing data", decodedPlan + "\n{}", "unexpected data after the JSON value", false},
		{"no stack", `{"resources": []}`, `no "stack": not a plan`, false},
		{"null plan", `[null]`, "plan 0 is null", false},
		{"resource without urn", `{"stack": "dev", "resources": [{"type": "aws:s3/bucketV2:BucketV2", "name": "b"}]}`, `resource 0 (aws:s3/bucketV2:BucketV2 "b") has no urn`, false},
		{"duplicate urn", `{"stack": "dev", "resources": [{"urn": "u"}, {"urn": "u"}]}`, "two resources with urn u", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plans, err := offline.DecodePlans(strings.NewReader(tt.input))
			require.Error(t, err)
			assert.Nil(t, plans)
			assert.Contains(t, err.Error(), tt.want)
			assert.True(t, strings.HasPrefix(err.Error(), "offline: "), err.Error())
			var syntax *json.SyntaxError
			assert.Equal(t, tt.syntax, errors.As(err, &syntax), "the JSON error is wrapped: %v", err)
		})
	}
	var typeErr *json.UnmarshalTypeError
	_, err := offline.DecodePlans(strings.NewReader(`{"stack": 3}`))
	require.ErrorAs(t, err, &typeErr)
}

// What cmd/plan prints is Masked() marshaled; decoding it gives the masked
// plan back, index and all.
func TestDecodePlansRoundTripsAMaskedPlan(t *testing.T) {
	p, err := offline.RunComponent(func(ctx *pulumi.Context, provider *aws.Provider) error {
		key, err := kms.NewKey(ctx, "data", &kms.KeyArgs{EnableKeyRotation: pulumi.Bool(true)},
			pulumi.Provider(provider), pulumi.Protect(true))
		if err != nil {
			return err
		}
		_, err = secretsmanager.NewSecret(ctx, "token", &secretsmanager.SecretArgs{
			KmsKeyId:    key.Arn,
			Description: pulumi.ToSecret(pulumi.String("hunter2")).(pulumi.StringOutput),
		}, pulumi.Provider(provider))
		return err
	})
	require.NoError(t, err)
	masked := p.Masked()
	data, err := json.Marshal([]*offline.Plan{masked})
	require.NoError(t, err)
	assert.NotContains(t, string(data), "hunter2")

	plans, err := offline.DecodePlans(strings.NewReader(string(data)))
	require.NoError(t, err)
	require.Len(t, plans, 1)
	got := plans[0]
	require.Len(t, got.Resources, len(masked.Resources))
	for i, want := range masked.Resources {
		r := got.Resources[i]
		assert.Equal(t, want.URN, r.URN)
		assert.Equal(t, want.Secrets, r.Secrets)
		assert.Equal(t, want.Protect, r.Protect)
		assert.Same(t, r, got.ByURN(want.URN))
	}
	secret := got.Find("aws:secretsmanager/secret:Secret", "token")
	require.NotNil(t, secret)
	assert.Equal(t, offline.SecretMask, secret.String("description"))
	assert.Equal(t, []string{"description"}, secret.Secrets)
	assert.Equal(t, "unit", got.ProviderOf(secret).Name)
	assert.Nil(t, got.Find("aws:kms/key:Key", "data").Output("arn"), "outputs are not printed")
}
