package tests

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/components/deployaccess"
	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/stacks"
	"github.com/refarch/refarch/stacks/platformpart"
	"github.com/refarch/refarch/stacks/stack"
)

const getParameterToken = "aws:ssm/getParameter:getParameter"

// familyImages maps each task definition's family (<stack>-<service>, and
// <stack>-<service>-<job>) to its container's image.
func familyImages(t *testing.T, p *offline.Plan) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, td := range p.ByType("aws:ecs/taskDefinition:TaskDefinition") {
		var defs []struct{ Image string }
		require.NoError(t, json.Unmarshal([]byte(td.String("containerDefinitions")), &defs))
		require.Len(t, defs, 1, td.Name)
		out[td.String("family")] = defs[0].Image
	}
	return out
}

// imageRepository is the repository a configured image names.
func imageRepository(image string) string {
	return strings.FieldsFunc(image, func(r rune) bool { return r == ':' || r == '@' })[0]
}

// serviceImages maps each of a stack's services to the image its stack
// file gives it (refarch:services, with refarch:releaseImages' pins).
func serviceImages(t *testing.T, stackName string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, svc := range stackConfig(t, stackName).Platform.Services {
		out[svc.Name] = svc.Image
	}
	require.NotEmpty(t, out, "%s runs services", stackName)
	return out
}

// released is the Parameter Store of a stack's account once CI recorded
// a release of every repository its services name: each repository's
// record holds value(repository).
func released(t *testing.T, stackName string, value func(repository string) string) map[string]string {
	t.Helper()
	params := map[string]string{}
	for _, image := range serviceImages(t, stackName) {
		repo := imageRepository(image)
		params[platformpart.ReleaseParameter(repo)] = value(repo)
	}
	return params
}

// digestOf is a release of repository: <repository>@sha256:<64 hex>,
// another for every stack.
func digestOf(stackName string) func(string) string {
	return func(repository string) string {
		sum := sha256.Sum256([]byte(stackName + "/" + repository))
		return repository + "@sha256:" + hex.EncodeToString(sum[:])
	}
}

// planReleased plans a stack with configuration overrides against a cloud
// whose Parameter Store holds params.
func planReleased(t *testing.T, stackName string, set, params map[string]string) (*offline.Plan, error) {
	t.Helper()
	opts := options(t, set)
	opts.Parameters = params
	return offline.RunStack(stacks.Run, stackName, opts)
}

// recordLookups maps each release record the run read to the provider it
// read it with.
func recordLookups(t *testing.T, p *offline.Plan) map[string]*offline.Resource {
	t.Helper()
	out := map[string]*offline.Resource{}
	for _, inv := range p.InvokesOf(getParameterToken) {
		name, _ := inv.Args["name"].(string)
		if !strings.HasPrefix(name, platformpart.ReleasePath+"/") {
			continue
		}
		prov := p.ProviderOf(&offline.Resource{Provider: inv.Provider})
		require.NotNil(t, prov, "the lookup of %s names a provider", name)
		out[name] = prov
	}
	return out
}

// TestBeforeAnyReleaseServicesRunTheStackFilesImages: with no release
// record in its account (a new stack), every service of an application
// stack runs the image its stack file names, its jobs the same image; the
// run looked each repository's record up, in the stack's own account.
func TestBeforeAnyReleaseServicesRunTheStackFilesImages(t *testing.T) {
	for _, stackName := range stack.NamesOf(stack.RoleApp) {
		t.Run(stackName, func(t *testing.T) {
			c := stackConfig(t, stackName)
			p := plan(t, stackName)
			images := familyImages(t, p)
			repos := map[string]bool{}
			for svc, image := range serviceImages(t, stackName) {
				repos[imageRepository(image)] = true
				want := platformpart.ImageURL(&c.Config, image)
				assert.Equal(t, want, images[stackName+"-"+svc], "%s runs its stack file's image", svc)
				for family, got := range images {
					if strings.HasPrefix(family, stackName+"-"+svc+"-") {
						assert.Equal(t, want, got, "%s: a job runs its service's image", family)
					}
				}
			}
			lookups := recordLookups(t, p)
			for repo := range repos {
				prov := lookups[platformpart.ReleaseParameter(repo)]
				require.NotNil(t, prov, "the run looked up %s's release record", repo)
				assert.Equal(t, []string{c.AccountID}, prov.Strings("allowedAccountIds"), "the record is the stack's own account's")
				assert.Equal(t, c.Region, prov.String("region"))
			}
			assert.Len(t, lookups, len(repos), "one record per repository the services name")
		})
	}
}

// TestAStackWithReleasedDigestsDeploysThem: once CI has recorded a
// release in a stack's account, every run of the stack deploys the
// recorded digests, whatever image the stack file names: each service and
// its jobs run <registry>/<repository>@sha256:<digest> of its repository's
// record. A preview (refarch:access preview) reads the same records,
// through the account's preview role.
func TestAStackWithReleasedDigestsDeploysThem(t *testing.T) {
	for _, stackName := range stack.NamesOf(stack.RoleApp) {
		t.Run(stackName, func(t *testing.T) {
			c := stackConfig(t, stackName)
			records := released(t, stackName, digestOf(stackName))
			p, err := planReleased(t, stackName, nil, records)
			require.NoError(t, err)
			images := familyImages(t, p)
			for svc, configured := range serviceImages(t, stackName) {
				record := records[platformpart.ReleaseParameter(imageRepository(configured))]
				got := images[stackName+"-"+svc]
				assert.Equal(t, platformpart.ImageURL(&c.Config, record), got, "%s runs its repository's record", svc)
				assert.NotEqual(t, platformpart.ImageURL(&c.Config, configured), got, "%s: the record, not the stack file", svc)
				for family, image := range images {
					if strings.HasPrefix(family, stackName+"-"+svc+"-") {
						assert.Equal(t, got, image, "%s: a job runs its service's released image", family)
					}
				}
			}

			p, err = planReleased(t, stackName, map[string]string{stack.Key("access"): "preview"}, records)
			require.NoError(t, err)
			assert.Equal(t, images, familyImages(t, p), "a preview plans what an update deploys")
			for name, prov := range recordLookups(t, p) {
				assert.Equal(t, fmt.Sprintf("arn:%s:iam::%s:role/%s", c.Partition, c.AccountID, stack.PreviewRoleName), prov.String("assumeRole.roleArn"),
					"%s is read by the account's preview role", name)
			}
		})
	}
}

// TestAPinHoldsARepositoryWhateverItsRecord: refarch:releaseImages pins a
// repository (a rollback committed to the stack file, or CI's preview of a
// release not yet recorded): its services run the pin and its record is
// not read; the other repositories still run their records.
func TestAPinHoldsARepositoryWhateverItsRecord(t *testing.T) {
	for _, stackName := range stack.NamesOf(stack.RoleApp) {
		t.Run(stackName, func(t *testing.T) {
			c := stackConfig(t, stackName)
			records := released(t, stackName, digestOf(stackName))
			configured := serviceImages(t, stackName)
			var repos []string
			for _, image := range configured {
				if repo := imageRepository(image); !slices.Contains(repos, repo) {
					repos = append(repos, repo)
				}
			}
			slices.Sort(repos)
			pinned := repos[0]
			pin := pinned + "@sha256:" + strings.Repeat("b", 64)
			p, err := planReleased(t, stackName, map[string]string{stack.Key("releaseImages"): fmt.Sprintf(`{%q: %q}`, pinned, pin)}, records)
			require.NoError(t, err)
			images := familyImages(t, p)
			for svc, image := range configured {
				got := images[stackName+"-"+svc]
				if repo := imageRepository(image); repo == pinned {
					assert.Equal(t, platformpart.ImageURL(&c.Config, pin), got, "%s runs the pin", svc)
				} else {
					assert.Equal(t, platformpart.ImageURL(&c.Config, records[platformpart.ReleaseParameter(repo)]), got, "%s runs its record", svc)
				}
			}
			lookups := recordLookups(t, p)
			assert.NotContains(t, lookups, platformpart.ReleaseParameter(pinned), "a pinned repository's record is not read")
			assert.Len(t, lookups, len(repos)-1)
		})
	}
}

// TestProdRefusesATag: prod runs images pinned by digest only, from
// wherever they come: a release record holding a tag fails the run before
// the platform registers a service (outside prod the tag deploys), and
// before any release the stack file's images must be digests.
func TestProdRefusesATag(t *testing.T) {
	tagged := func(repository string) string { return repository + ":1.4.2" }
	t.Run("a tag in prod's release record", func(t *testing.T) {
		records := released(t, "prod", tagged)
		p, err := planReleased(t, "prod", nil, records)
		require.Error(t, err)
		for name := range records {
			offline.RequireProblem(t, err, name, "must be pinned by digest in prod")
		}
		assert.Contains(t, err.Error(), `release records of stack "prod"`)
		assert.Empty(t, p.ByType("aws:ecs/service:Service"), "no service is registered")
		assert.Empty(t, p.ByType("aws:ecs/taskDefinition:TaskDefinition"), "no task definition is registered")
	})
	t.Run("a tag in stage's release record deploys", func(t *testing.T) {
		c := stackConfig(t, "stage")
		p, err := planReleased(t, "stage", nil, released(t, "stage", tagged))
		require.NoError(t, err)
		images := familyImages(t, p)
		for svc, image := range serviceImages(t, "stage") {
			assert.Equal(t, platformpart.ImageURL(&c.Config, imageRepository(image)+":1.4.2"), images["stage-"+svc], svc)
		}
	})
	t.Run("a tag in prod's stack file before any release", func(t *testing.T) {
		raw := rawConfig(t, "prod")
		var services []map[string]any
		require.NoError(t, json.Unmarshal([]byte(raw.Values["refarch:services"]), &services))
		services[0]["image"] = imageRepository(services[0]["image"].(string)) + ":1.0.0"
		out, err := json.Marshal(services)
		require.NoError(t, err)
		rejects(t, "prod", map[string]string{"refarch:services": string(out)}, "refarch:services[0].image", "pinned by digest in prod")
	})
}

// TestRunbookNamesTheReleaseRecordsAndTheirPermissions: section 3.5 of
// the runbook names the records the program reads and the permissions the
// bootstrap grants on them, as the code has them.
func TestRunbookNamesTheReleaseRecordsAndTheirPermissions(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(projectRoot(t), "docs", "runbook.md"))
	require.NoError(t, err)
	runbook := string(raw)
	start := strings.Index(runbook, "**3.5 Releases")
	require.GreaterOrEqual(t, start, 0, "the runbook has a section on releases")
	section, _, _ := strings.Cut(runbook[start:], "\n## ")
	names := regexp.MustCompile(`/[a-z]+/release/[a-z<>]+`).FindAllString(section, -1)
	require.NotEmpty(t, names)
	for _, name := range names {
		assert.True(t, strings.HasPrefix(name, platformpart.ReleasePath+"/"), "%s is a record the program reads", name)
	}
	for _, action := range append(slices.Clone(deployaccess.ReleaseReadActions), deployaccess.ReleaseWriteActions...) {
		assert.Contains(t, section, "`"+action+"`", "the runbook names what the deploy role may do with the records")
	}
	assert.Contains(t, section, "`parameter"+platformpart.ReleasePath+"/*`")
	assert.Contains(t, section, "`"+stack.Key("releaseImages")+".<repository>`")
}

// projectRoot is the repository's root, which holds the docs.
func projectRoot(t *testing.T) string {
	t.Helper()
	dir, err := offline.FindProjectDir(".")
	require.NoError(t, err)
	return dir
}
