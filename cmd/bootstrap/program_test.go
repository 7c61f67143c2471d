package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/stacks/platformpart"
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

func TestProgramCreatesTheRolesInEveryAccountAndTheBackendInSecurity(t *testing.T) {
	cfg := testConfig(t)
	cfg.Profiles["prod"] = "prod-admin"
	p, err := runProgram(cfg)
	require.NoError(t, err)

	accounts := map[string]string{"management": "666666666666", "security": "111111111111", "shared-services": "222222222222", "dev": "333333333333", "stage": "444444444444", "prod": "555555555555"}
	providers := p.ByType("pulumi:providers:aws")
	require.Len(t, providers, 6, "one provider per account")
	byStack := map[string]*offline.Resource{}
	for _, provider := range providers {
		name := provider.String("defaultTags.tags.Environment")
		byStack[name] = provider
		assert.Equal(t, []string{accounts[name]}, provider.Strings("allowedAccountIds"), "pinned to the %s account", name)
		assert.Equal(t, "us-west-2", provider.String("region"))
		assert.False(t, provider.Has("assumeRole"), "the administrator's profile as it is")
	}
	assert.Equal(t, "prod-admin", byStack["prod"].String("profile"))
	assert.Equal(t, "security-admin", byStack["security"].String("profile"))

	// Every account: the OIDC provider and the two roles, in its own account.
	for name, account := range accounts {
		comp := p.Require(t, "refarch:deployaccess:DeployAccess", "access-"+name)
		for _, r := range p.Descendants(comp) {
			if r.Custom {
				assert.Equal(t, byStack[name].URN, p.ProviderOf(r).URN, "%s %s acts in the %s account", r.Type, r.Name, name)
			}
		}
		deploy := p.Require(t, "aws:iam/role:Role", "access-"+name+"-deploy")
		assert.Equal(t, "refarch-deploy", deploy.String("name"))
		preview := p.Require(t, "aws:iam/role:Role", "access-"+name+"-preview")
		assert.Equal(t, "refarch-preview", preview.String("name"))
		st := p.Require(t, "aws:iam/rolePolicy:RolePolicy", "access-"+name+"-preview-state").Statements(t, "policy")
		assume := offline.Strings(st["AssumeItselfAndPreviewRoles"]["Resource"])
		records := "arn:aws:ssm:us-west-2:" + account + ":parameter" + platformpart.ReleasePath + "/*"
		if role, _ := stack.RoleOf(name); role == stack.RoleApp {
			assert.Equal(t, []string{"arn:aws:iam::" + account + ":role/refarch-preview", "arn:aws:iam::222222222222:role/refarch-preview"}, assume,
				"an application stack's preview reads shared-services through its preview role")
			assert.Equal(t, []string{records}, offline.Strings(st["ReadTheReleaseRecords"]["Resource"]), "%s's previews read its release records", name)
			rw := p.Require(t, "aws:iam/rolePolicy:RolePolicy", "access-"+name+"-deploy-release").Statements(t, "policy")["ReadAndWriteTheReleaseRecords"]
			assert.Equal(t, []string{records}, offline.Strings(rw["Resource"]), "%s's deploy role writes its own records only", name)
			assert.Contains(t, offline.Strings(rw["Action"]), "ssm:PutParameter")
		} else {
			want := []string{"arn:aws:iam::" + account + ":role/refarch-preview"}
			if name == "security" {
				// The security stack reads the organization through
				// management's preview role.
				want = append(want, "arn:aws:iam::666666666666:role/refarch-preview")
			}
			assert.Equal(t, want, assume)
			assert.NotContains(t, st, "ReadTheReleaseRecords", "%s runs no services: no release records", name)
			assert.Nil(t, p.Find("aws:iam/rolePolicy:RolePolicy", "access-"+name+"-deploy-release"), name)
		}
	}
	require.Len(t, p.ByType("aws:iam/openIdConnectProvider:OpenIdConnectProvider"), 6)
	trustsSecurity := p.Require(t, "aws:iam/role:Role", "access-management-preview").Statements(t, "assumeRolePolicy")["OtherAccountsPreviewRoles"]
	assert.Equal(t, []string{"arn:aws:iam::111111111111:role/refarch-preview"}, offline.Strings(offline.Condition(trustsSecurity, "ArnEquals", "aws:PrincipalArn")),
		"management's preview role admits security's")
	push := p.ByType("aws:iam/role:Role")
	var pushers []string
	for _, r := range push {
		if r.String("name") == "refarch-ecr-push" {
			pushers = append(pushers, p.ProviderOf(r).String("defaultTags.tags.Environment"))
		}
	}
	assert.Equal(t, []string{"shared-services"}, pushers, "only the registry's account pushes")
	pushPolicy := p.Require(t, "aws:iam/rolePolicy:RolePolicy", "access-shared-services-ecr-push").Statements(t, "policy")
	assert.Equal(t, []string{"arn:aws:ecr:us-west-2:222222222222:repository/frontend", "arn:aws:ecr:us-west-2:222222222222:repository/backend"},
		offline.Strings(pushPolicy["PushToTheRepositories"]["Resource"]), "refarch:ecrRepositories")
	trusted := p.Require(t, "aws:iam/role:Role", "access-shared-services-preview").Statements(t, "assumeRolePolicy")["OtherAccountsPreviewRoles"]
	assert.Equal(t, []string{"arn:aws:iam::333333333333:role/refarch-preview", "arn:aws:iam::444444444444:role/refarch-preview", "arn:aws:iam::555555555555:role/refarch-preview"},
		offline.Strings(offline.Condition(trusted, "ArnEquals", "aws:PrincipalArn")))

	// The backend, in security, after every role.
	comp := p.Require(t, "refarch:statebackend:StateBackend", "refarch-state")
	assert.Equal(t, byStack["security"].URN, p.ProviderOf(&offline.Resource{Provider: comp.Providers["aws"]}).URN, "the component is given the security provider")
	bucket := p.Require(t, "aws:s3/bucketV2:BucketV2", "refarch-state")
	assert.Equal(t, "refarch-state-111111111111", bucket.String("bucket"))
	assert.True(t, bucket.Protect)
	key := p.Require(t, "aws:kms/key:Key", "refarch-state")
	for name := range accounts {
		for _, suffix := range []string{"-deploy", "-preview"} {
			assert.Contains(t, key.DependsOn, p.Require(t, "aws:iam/role:Role", "access-"+name+suffix).URN, "the key names the %s%s role, which must exist first", name, suffix)
		}
	}
	st := key.Statements(t, "policy")
	assert.Equal(t, cfg.DeployRoleARNs, offline.Strings(st["StateAndSecretsUse"]["Principal"].(map[string]any)["AWS"]),
		"every account's deploy role uses the key")
	assert.Equal(t, cfg.PreviewRoleARNs, offline.Strings(st["StateAndSecretsRead"]["Principal"].(map[string]any)["AWS"]),
		"every account's preview role decrypts only")
	assert.Equal(t, []string{"arn:aws:iam::111111111111:role/refarch-deploy"}, offline.Strings(st["KeyAdministration"]["Principal"].(map[string]any)["AWS"]))
	rw := p.Require(t, "aws:s3/bucketPolicy:BucketPolicy", "refarch-state").Statements(t, "policy")["StateReadWrite"]
	assert.Equal(t, cfg.DeployRoleARNs, offline.Strings(rw["Principal"].(map[string]any)["AWS"]))
	alias := p.Require(t, "aws:kms/alias:Alias", "refarch-state").String("name")
	assert.Equal(t, "alias/refarch-state", alias)
	keyUse := p.Require(t, "aws:iam/rolePolicy:RolePolicy", "access-dev-deploy-state").Statements(t, "policy")["StateKeyUse"]
	assert.Equal(t, []string{alias}, offline.Strings(offline.Condition(keyUse, "ForAnyValue:StringEquals", "kms:ResourceAliases")), "the roles name the key the backend creates")
	for _, inv := range p.Invokes {
		require.NotNil(t, p.ProviderOf(&offline.Resource{Provider: inv.Provider}), "invoke %s names a provider", inv.Token)
	}
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
	cfg.KeyAdministrators = nil
	p, err := runProgram(cfg)
	offline.RequireRefused(t, p, err, "refarch:statebackend:StateBackend", "Args.KeyAdministrators", "")

	cfg = testConfig(t)
	cfg.CI.OrgID = "not-a-uuid"
	p, err = runProgram(cfg)
	offline.RequireRefused(t, p, err, "refarch:deployaccess:DeployAccess", "Args.CircleCI.OrgID", "UUID")
	assert.Empty(t, p.ByType("aws:kms/key:Key"), "nothing of the backend either")
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

// TestPreviewRolesMayAlertThroughTheirAccountsTopic: the nightly drift
// check publishes, as the preview role, to the account's alert topic,
// which is SSE-KMS encrypted: SNS needs the publisher to be allowed
// kms:GenerateDataKey and kms:Decrypt on the topic's key
// (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#sns-what-permissions-for-sse).
// The key is named by its alias, through SNS only; management has no
// topic (its check alerts through security's).
func TestPreviewRolesMayAlertThroughTheirAccountsTopic(t *testing.T) {
	p, err := runProgram(testConfig(t))
	require.NoError(t, err)
	accounts := map[string]string{"management": "666666666666", "security": "111111111111", "shared-services": "222222222222", "dev": "333333333333", "stage": "444444444444", "prod": "555555555555"}
	for name, account := range accounts {
		st := p.Require(t, "aws:iam/rolePolicy:RolePolicy", "access-"+name+"-preview-state").Statements(t, "policy")
		if name == "management" {
			assert.NotContains(t, st, "PublishDriftAlerts")
			assert.NotContains(t, st, "UseTheAlertKeyThroughSNS")
			continue
		}
		publish := st["PublishDriftAlerts"]
		require.NotNil(t, publish, name)
		assert.Equal(t, []string{"sns:Publish"}, offline.Strings(publish["Action"]), name)
		assert.Equal(t, []string{"arn:aws:sns:us-west-2:" + account + ":refarch-" + name + "-alerts"}, offline.Strings(publish["Resource"]), name)
		key := st["UseTheAlertKeyThroughSNS"]
		require.NotNil(t, key, name)
		assert.ElementsMatch(t, []string{"kms:GenerateDataKey*", "kms:Decrypt"}, offline.Strings(key["Action"]), name)
		assert.Equal(t, []string{"arn:aws:kms:us-west-2:" + account + ":key/*"}, offline.Strings(key["Resource"]), name)
		cond := key["Condition"].(map[string]any)
		assert.Equal(t, []string{"sns.us-west-2.amazonaws.com"}, offline.Strings(cond["StringEquals"].(map[string]any)["kms:ViaService"]), name)
		assert.Equal(t, []string{"alias/refarch-" + name + "-alerts"}, offline.Strings(cond["ForAnyValue:StringEquals"].(map[string]any)["kms:ResourceAliases"]), name)
	}
}
