package registry_test

import (
	"encoding/json"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/components/registry"
	"github.com/refarch/refarch/offline"
)

const repoType = "aws:ecr/repository:Repository"

// deployRole administers the registry's key unless a test says otherwise.
const deployRole = "arn:aws:iam::123456789012:role/deploy"

func build(t *testing.T, a *registry.RegistryArgs) *offline.Plan {
	t.Helper()
	if a.KeyAdministrators == nil && a.KMSKeyARN == nil {
		a.KeyAdministrators = []string{deployRole}
	}
	p, err := offline.RunComponent(func(ctx *pulumi.Context, provider *aws.Provider) error {
		_, err := registry.NewRegistry(ctx, "ecr", a, pulumi.Provider(provider))
		return err
	})
	require.NoError(t, err)
	return p
}

func TestRepositoriesAreImmutableScannedEncrypted(t *testing.T) {
	p := build(t, &registry.RegistryArgs{Repositories: []string{"frontend", "team/backend"}})
	repos := p.ByType(repoType)
	require.Len(t, repos, 2)
	key := p.Find("aws:kms/key:Key", "ecr")
	require.NotNil(t, key)
	assert.True(t, key.Bool("enableKeyRotation"))
	stmts := key.Statements(t, "policy")
	require.Len(t, stmts, 3)
	assert.Equal(t, []any{deployRole}, stmts["KeyAdministration"]["Principal"].(map[string]any)["AWS"], "only the deploy role administers the key")
	via, _ := offline.Lookup(stmts["UseThroughECR"], "Condition.StringEquals.kms:ViaService")
	assert.Equal(t, []any{"ecr.us-west-2.amazonaws.com"}, via, "the account uses the key through ECR only")
	for sid, st := range stmts {
		assert.NotContains(t, st["Action"], "kms:*", sid)
	}
	names := map[string]bool{}
	for _, r := range repos {
		names[r.String("name")] = true
		assert.Equal(t, "IMMUTABLE", r.String("imageTagMutability"), r.Name)
		assert.True(t, r.Bool("imageScanningConfiguration.scanOnPush"), r.Name)
		assert.Equal(t, "KMS", r.String("encryptionConfigurations[0].encryptionType"), r.Name)
		assert.Equal(t, key.Output("arn"), r.Get("encryptionConfigurations[0].kmsKey"), r.Name)
		assert.False(t, r.Protect, "unprotected by default")
		assert.True(t, r.Bool("forceDelete"))
	}
	assert.Equal(t, map[string]bool{"frontend": true, "team/backend": true}, names, "names are the contract: never autonamed")
	assert.Empty(t, p.ByType("aws:ecr/repositoryPolicy:RepositoryPolicy"), "no other account may pull unless named")

	lc := p.Find("aws:ecr/lifecyclePolicy:LifecyclePolicy", "ecr-frontend")
	require.NotNil(t, lc)
	var policy struct {
		Rules []struct {
			RulePriority int
			Selection    struct {
				TagStatus, CountType string
				CountNumber          int
			}
			Action struct{ Type string }
		}
	}
	require.NoError(t, json.Unmarshal([]byte(lc.String("policy")), &policy))
	require.Len(t, policy.Rules, 2)
	assert.Equal(t, "untagged", policy.Rules[0].Selection.TagStatus)
	assert.Equal(t, registry.DefaultUntaggedDays, policy.Rules[0].Selection.CountNumber)
	assert.Equal(t, "any", policy.Rules[1].Selection.TagStatus)
	assert.Equal(t, "imageCountMoreThan", policy.Rules[1].Selection.CountType)
	assert.Equal(t, registry.DefaultKeepImages, policy.Rules[1].Selection.CountNumber)
	assert.Greater(t, policy.Rules[1].RulePriority, policy.Rules[0].RulePriority, `ECR requires the "any" rule last`)
	assert.Equal(t, "expire", policy.Rules[1].Action.Type)
}

func TestPullPolicyNamesExactlyTheGivenAccounts(t *testing.T) {
	p := build(t, &registry.RegistryArgs{
		Repositories:   []string{"frontend"},
		PullAccountIDs: []string{"333333333333", "444444444444"},
		Protect:        true,
		KMSKeyARN:      pulumi.String("arn:aws:kms:us-west-2:123456789012:key/images"),
	})
	assert.Empty(t, p.ByType("aws:kms/key:Key"), "the given key is used")
	repo := p.Find(repoType, "ecr-frontend")
	require.NotNil(t, repo)
	assert.True(t, repo.Protect)
	assert.True(t, repo.RetainOnDelete)
	assert.False(t, repo.Bool("forceDelete"), "a protected repository with images cannot be deleted")

	pol := p.Find("aws:ecr/repositoryPolicy:RepositoryPolicy", "ecr-frontend")
	require.NotNil(t, pol)
	assert.Equal(t, "frontend", pol.String("repository"))
	var doc struct {
		Statement []struct {
			Effect    string
			Principal map[string][]string
			Action    []string
		}
	}
	require.NoError(t, json.Unmarshal([]byte(pol.String("policy")), &doc))
	require.Len(t, doc.Statement, 1)
	assert.Equal(t, "Allow", doc.Statement[0].Effect)
	assert.Equal(t, map[string][]string{"AWS": {"arn:aws:iam::333333333333:root", "arn:aws:iam::444444444444:root"}}, doc.Statement[0].Principal)
	assert.ElementsMatch(t, []string{"ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"}, doc.Statement[0].Action,
		"pull only: no push, no delete")
}

func TestRegistryValidation(t *testing.T) {
	cases := []struct {
		name  string
		args  registry.RegistryArgs
		field string
		rule  string
	}{
		{"no repository", registry.RegistryArgs{}, "Args.Repositories", "at least one"},
		{"bad name", registry.RegistryArgs{Repositories: []string{"Frontend"}}, "Args.Repositories[0]", "ECR repository name"},
		{"duplicate", registry.RegistryArgs{Repositories: []string{"web", "web"}}, "Args.Repositories[1]", "twice"},
		{"bad account", registry.RegistryArgs{Repositories: []string{"web"}, PullAccountIDs: []string{"dev"}}, "Args.PullAccountIDs[0]", "12-digit"},
		{"keep nothing", registry.RegistryArgs{Repositories: []string{"web"}, KeepImages: -1}, "Args.KeepImages", "between 1"},
		{"untagged forever", registry.RegistryArgs{Repositories: []string{"web"}, UntaggedDays: 4000}, "Args.UntaggedDays", "between 1 and 3650"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := offline.RunComponent(func(ctx *pulumi.Context, provider *aws.Provider) error {
				_, err := registry.NewRegistry(ctx, "ecr", &tc.args, pulumi.Provider(provider))
				return err
			})
			offline.RequireProblem(t, err, tc.field, tc.rule)
			assert.Len(t, p.Resources, 1, "nothing but the test's provider may be registered")
		})
	}
}
