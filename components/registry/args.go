package registry

import (
	"fmt"
	"regexp"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/keypolicy"
	"github.com/refarch/refarch/components/validate"
)

// Defaults of the optional arguments.
const (
	// DefaultKeepImages is how many images of each repository the
	// lifecycle keeps. ECR expires images without knowing what runs them,
	// in this account or another, so the count must stay well above the
	// releases made between two deploys of the slowest environment (a
	// rollback and every scale-out pull the image again).
	DefaultKeepImages = 200
	// DefaultUntaggedDays expires untagged images (superseded layers of
	// failed or interrupted pushes) after a week.
	DefaultUntaggedDays = 7
)

// RegistryArgs configures a Registry. Zero values mean the documented default.
type RegistryArgs struct {
	// Repositories are the repository names (required, unique): lower-case
	// path components ("web", "team/api"), 2-256 characters. Services
	// reference their images by these names.
	Repositories []string
	// PullAccountIDs are the accounts whose principals may pull from every
	// repository (their own IAM decides who exactly). Default none: only
	// this account. Nobody outside this account may push.
	PullAccountIDs []string
	// KeepImages is how many images each repository keeps, newest first
	// (1-10000). Default DefaultKeepImages.
	KeepImages int
	// UntaggedDays expires untagged images after this many days (1-3650).
	// Default 7.
	UntaggedDays int
	// KMSKeyARN is the customer-managed key encrypting the images. Default:
	// the registry creates one, rotated yearly. ECR decrypts for pullers
	// through grants on the key, so pulling accounts need no key policy
	// entry.
	// Source: https://docs.aws.amazon.com/AmazonECR/latest/userguide/encryption-at-rest.html
	KMSKeyARN pulumi.StringInput
	// KeyAdministrators are the IAM principals (ARNs) that administer the
	// key the registry creates (never use it). Required unless KMSKeyARN is
	// given: the deploy role.
	KeyAdministrators []string
	// Protect keeps the images: repositories (and the key the registry
	// creates) are protected and retained on delete, and a repository
	// holding images cannot be deleted. Default false: unprotected
	// repositories are deleted with their images.
	Protect bool
}

func (a *RegistryArgs) withDefaults() RegistryArgs {
	out := *a
	out.Repositories = append([]string(nil), a.Repositories...)
	out.PullAccountIDs = append([]string(nil), a.PullAccountIDs...)
	if out.KeepImages == 0 {
		out.KeepImages = DefaultKeepImages
	}
	if out.UntaggedDays == 0 {
		out.UntaggedDays = DefaultUntaggedDays
	}
	return out
}

// repositoryName is ECR's repository name pattern.
// Source: https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html
var repositoryName = regexp.MustCompile(`^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$`)

// CheckRepositoryName returns the rule an ECR repository name breaks, or "".
func CheckRepositoryName(name string) string {
	if len(name) < 2 || len(name) > 256 || !repositoryName.MatchString(name) {
		return "must be an ECR repository name: 2-256 lower-case letters, digits and inner . _ - separators, path components split by /"
	}
	return ""
}

// MaxNameLength bounds a Registry's name: its children's logical names
// derive from it.
const MaxNameLength = 63

// Validate reports every problem of the arguments (with the defaults
// applied), each naming the field, the value and the rule.
func (a *RegistryArgs) Validate() error {
	d := a.withDefaults()
	return d.validate()
}

func (a *RegistryArgs) validate() error {
	var p validate.Problems
	if a.KMSKeyARN == nil {
		keypolicy.CheckAdministrators(&p, "Args.KeyAdministrators", a.KeyAdministrators)
	}
	if len(a.Repositories) == 0 {
		p.Add("Args.Repositories", "[]", "must list at least one repository")
	}
	seen := map[string]bool{}
	for i, r := range a.Repositories {
		field := fmt.Sprintf("Args.Repositories[%d]", i)
		p.Check(field, r, CheckRepositoryName(r))
		if seen[r] {
			p.Add(field, r, "is listed twice")
		}
		seen[r] = true
	}
	accounts := map[string]bool{}
	for i, id := range a.PullAccountIDs {
		field := fmt.Sprintf("Args.PullAccountIDs[%d]", i)
		p.Check(field, id, validate.CheckAccountID(id))
		if accounts[id] {
			p.Add(field, id, "is listed twice")
		}
		accounts[id] = true
	}
	p.Check("Args.KeepImages", fmt.Sprint(a.KeepImages), validate.CheckRange(a.KeepImages, 1, 10000))
	p.Check("Args.UntaggedDays", fmt.Sprint(a.UntaggedDays), validate.CheckRange(a.UntaggedDays, 1, 3650))
	return p.Err("registry arguments")
}
