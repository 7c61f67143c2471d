package tests

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/offline/stackrefs"
	"github.com/refarch/refarch/stacks/platformpart"
	"github.com/refarch/refarch/stacks/stack"
)

const repositoryType = "aws:ecr/repository:Repository"

func TestRegistryLivesInSharedServicesOnly(t *testing.T) {
	for _, stackName := range stack.Names() {
		t.Run(stackName, func(t *testing.T) {
			p := stackPlan(t, stackName)
			repos := p.ByType(repositoryType)
			if stackName != "shared-services" {
				assert.Empty(t, repos, "images live in one registry, in shared-services")
				return
			}
			var names []string
			key := p.Require(t, "aws:kms/key:Key", "ecr")
			assert.True(t, key.Bool("enableKeyRotation"))
			assert.True(t, key.Protect, "the key of the images is protected with them")
			for _, r := range repos {
				names = append(names, r.String("name"))
				assert.Equal(t, "IMMUTABLE", r.String("imageTagMutability"), r.Name)
				assert.True(t, r.Bool("imageScanningConfiguration.scanOnPush"), r.Name)
				assert.Equal(t, "KMS", r.String("encryptionConfigurations[0].encryptionType"), r.Name)
				assert.Equal(t, key.Output("arn"), r.Get("encryptionConfigurations[0].kmsKey"), r.Name)
				assert.True(t, r.Protect, "shared-services protects its stateful resources")
				assert.Equal(t, "aws-shared-services", p.ProviderOf(r).Name)
				lc := p.Require(t, "aws:ecr/lifecyclePolicy:LifecyclePolicy", r.Name)
				assert.Equal(t, r.String("name"), lc.String("repository"))
				assert.Contains(t, lc.String("policy"), `"tagStatus":"untagged"`)
			}
			assert.ElementsMatch(t, stackConfig(t, "shared-services").Platform.ECRRepositories, names, "refarch:ecrRepositories")
		})
	}
}

func TestRegistryPullPolicyNamesExactlyTheApplicationAccounts(t *testing.T) {
	p := stackPlan(t, "shared-services")
	policies := p.ByType("aws:ecr/repositoryPolicy:RepositoryPolicy")
	require.Len(t, policies, len(stackConfig(t, "shared-services").Platform.ECRRepositories), "one per repository")
	for _, pol := range policies {
		var doc struct {
			Statement []struct {
				Effect    string
				Principal map[string][]string
				Action    []string
				Condition map[string]any
			}
		}
		require.NoError(t, json.Unmarshal([]byte(pol.String("policy")), &doc))
		require.Len(t, doc.Statement, 1)
		s := doc.Statement[0]
		assert.Equal(t, "Allow", s.Effect)
		assert.Equal(t, map[string][]string{"AWS": {
			"arn:aws:iam::" + accountOf(t)["dev"] + ":root",
			"arn:aws:iam::" + accountOf(t)["stage"] + ":root",
			"arn:aws:iam::" + accountOf(t)["prod"] + ":root",
		}}, s.Principal, "dev, stage and prod, and neither security nor anyone else")
		assert.ElementsMatch(t, []string{"ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"}, s.Action,
			"they may pull, not push or delete")
	}
}

func TestRegistryExportsTheURLsTheAppStacksPullFrom(t *testing.T) {
	p := stackPlan(t, "shared-services")
	outputs, err := stackrefs.New(projectDir(t))("organization/refarch/shared-services")
	require.NoError(t, err)
	urls, ok := outputs[platformpart.OutputECRRepositoryURLs].(map[string]any)
	require.True(t, ok, "shared-services exports %s", platformpart.OutputECRRepositoryURLs)
	for _, r := range p.ByType(repositoryType) {
		assert.Equal(t, r.Output("repositoryUrl"), urls[r.String("name")], "the offline answer matches the repository")
		assert.Equal(t, r.Output("repositoryUrl"), platformpart.ImageURL(&stackConfig(t, "prod").Config, r.String("name")),
			"an application stack derives the same URL from the directory")
	}
}
