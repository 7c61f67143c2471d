package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/stacks/stack"
)

func testConfig(t *testing.T) *config {
	t.Helper()
	cfg, err := loadConfig(stack.MapSource(values()), goodFlags(), env(passphrase), "/home/op")
	require.NoError(t, err)
	return cfg
}

// runProgram runs the bootstrap's program offline, as the bootstrap's own
// project configures it: the default aws provider disabled.
func runProgram(cfg *config) (*offline.Plan, error) {
	return offline.Run(program(cfg), &offline.StackConfig{
		Project: project,
		Stack:   stackName,
		Values:  map[string]string{"pulumi:disable-default-providers": `["aws"]`},
	}, offline.Options{})
}

func TestProgramCreatesTheBackendInTheSecurityAccountOnly(t *testing.T) {
	cfg := testConfig(t)
	p, err := runProgram(cfg)
	require.NoError(t, err)

	providers := p.ByType("pulumi:providers:aws")
	require.Len(t, providers, 1, "one provider, for the security account")
	provider := providers[0]
	assert.Equal(t, []string{"111111111111"}, provider.Strings("allowedAccountIds"), "pinned to the security account")
	assert.Equal(t, "security-admin", provider.String("profile"))
	assert.Equal(t, "us-west-2", provider.String("region"))
	assert.False(t, provider.Has("assumeRole"), "the administrator's profile as it is")
	assert.Equal(t, "security", provider.String("defaultTags.tags.Environment"))

	comp := p.Require(t, "refarch:statebackend:StateBackend", "refarch-state")
	require.Contains(t, comp.Providers, "aws")
	assert.Equal(t, provider.URN, p.ProviderOf(&offline.Resource{Provider: comp.Providers["aws"]}).URN, "the component is given the provider")
	bucket := p.Require(t, "aws:s3/bucketV2:BucketV2", "refarch-state")
	assert.Equal(t, "refarch-state-111111111111", bucket.String("bucket"))
	assert.True(t, bucket.Protect)
	for _, r := range p.Resources {
		if r.Custom && r.Type != "pulumi:providers:aws" {
			assert.Equal(t, provider.URN, p.ProviderOf(r).URN, "%s %s acts in the security account", r.Type, r.Name)
		}
	}
	require.NotEmpty(t, p.Invokes, "the caller and the account are read")
	for _, inv := range p.Invokes {
		used := p.ProviderOf(&offline.Resource{Provider: inv.Provider})
		require.NotNil(t, used, "invoke %s names a provider", inv.Token)
		assert.Equal(t, provider.URN, used.URN, "invoke %s", inv.Token)
	}

	key := p.Require(t, "aws:kms/key:Key", "refarch-state")
	st := key.Statements(t, "policy")
	assert.Equal(t, cfg.DeployRoleARNs, offline.Strings(st["StateAndSecretsUse"]["Principal"].(map[string]any)["AWS"]),
		"the five accounts' deploy roles use the key")
	assert.Equal(t, []string{"arn:aws:iam::111111111111:role/refarch-deploy"}, offline.Strings(st["KeyAdministration"]["Principal"].(map[string]any)["AWS"]))
	rw := p.Require(t, "aws:s3/bucketPolicy:BucketPolicy", "refarch-state").Statements(t, "policy")["StateReadWrite"]
	assert.Equal(t, cfg.DeployRoleARNs, offline.Strings(rw["Principal"].(map[string]any)["AWS"]))
	assert.Equal(t, "alias/refarch-state", p.Require(t, "aws:kms/alias:Alias", "refarch-state").String("name"))
}

func TestProgramRefusesAProfileThatCouldNotAdministerTheKey(t *testing.T) {
	cfg := testConfig(t)
	// The offline caller is a session of refarch-deploy in the provider's account.
	cfg.KeyAdministrators = []string{"arn:aws:iam::111111111111:user/alice"}
	p, err := runProgram(cfg)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `profile "security-admin" acts as arn:aws:sts::111111111111:assumed-role/refarch-deploy/harness`)
	assert.Contains(t, err.Error(), "-admin")
	assert.Empty(t, p.ByType("refarch:statebackend:StateBackend"), "nothing is created")
	assert.Empty(t, p.ByType("aws:s3/bucketV2:BucketV2"))
}

func TestProgramPassesBadArgumentsToTheComponentsValidation(t *testing.T) {
	cfg := testConfig(t)
	cfg.BucketName = "Not.A.Bucket"
	p, err := runProgram(cfg)
	offline.RequireRefused(t, p, err, "refarch:statebackend:StateBackend", "Args.BucketName", "dots")
}

func TestAdministers(t *testing.T) {
	admins := []string{
		"arn:aws:iam::111111111111:role/refarch-deploy",
		"arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123",
		"arn:aws:iam::111111111111:user/alice",
	}
	for caller, want := range map[string]bool{
		"arn:aws:sts::111111111111:assumed-role/refarch-deploy/alice":          true,
		"arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Admin_0123/bob": true, // a role with a path
		"arn:aws:iam::111111111111:user/alice":                                 true,
		"arn:aws:iam::111111111111:user/bob":                                   false,
		"arn:aws:sts::222222222222:assumed-role/refarch-deploy/alice":          false, // another account
		"arn:aws:sts::111111111111:assumed-role/refarch-ci/job":                false,
		"arn:aws:iam::111111111111:root":                                       false,
		"arn:aws-us-gov:sts::111111111111:assumed-role/refarch-deploy/alice":   false, // another partition
		"not an arn": false,
	} {
		assert.Equal(t, want, administers(caller, admins), caller)
	}
}
