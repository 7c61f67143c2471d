// Package registry provides Registry, a set of private ECR repositories that
// other accounts of the organization pull from: immutable tags, scanned on
// push, encrypted with a customer-managed key, expiring what nobody needs.
package registry

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecr"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/awsenv"
	"github.com/refarch/refarch/components/iampolicy"
	"github.com/refarch/refarch/components/keypolicy"
	"github.com/refarch/refarch/components/validate"
)

// Registry is a set of ECR repositories.
//
// What it creates, and the defaults a reuser should know (see Args):
//
//   - One repository per Args.Repositories name (names are the contract
//     with the services that pull, so they are used as given, not
//     autonamed): tags IMMUTABLE (a tag names one image forever, so a
//     deploy and its rollback run exactly what was tested), scan on push,
//     KMS encryption with Args.KMSKeyARN or a key the registry creates
//     (rotated yearly, administered through the account's IAM).
//   - A lifecycle policy per repository: untagged images expire after
//     Args.UntaggedDays (default 7), and only the newest Args.KeepImages
//     (default 200) images are kept.
//   - With Args.PullAccountIDs, a repository policy letting exactly those
//     accounts pull (BatchGetImage, GetDownloadUrlForLayer,
//     BatchCheckLayerAvailability) and nothing else; pushing stays with
//     this account.
//   - With Args.Protect, repositories and key protected and retained on
//     delete, and a repository with images cannot be deleted.
type Registry struct {
	pulumi.ResourceState

	// RepositoryURLs maps each repository name to its URL
	// (<account>.dkr.ecr.<region>.amazonaws.com/<name>).
	RepositoryURLs pulumi.StringMapOutput `pulumi:"repositoryUrls"`
	// RepositoryARNs maps each repository name to its ARN.
	RepositoryARNs pulumi.StringMapOutput `pulumi:"repositoryArns"`
	// KeyARN is the key encrypting the images.
	KeyARN pulumi.StringOutput `pulumi:"keyArn"`
}

// pullActions are what pulling an image takes, and all another account gets.
// Source: https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-policy-examples.html
var pullActions = []string{"ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"}

// NewRegistry creates the repositories of a registry called name. It
// validates args (with defaults applied) before registering anything.
func NewRegistry(ctx *pulumi.Context, name string, args *RegistryArgs, opts ...pulumi.ResourceOption) (*Registry, error) {
	if args == nil {
		args = &RegistryArgs{}
	}
	a := args.withDefaults()
	if err := validate.Component("registry arguments", name, validate.CheckName(name, MaxNameLength), &a); err != nil {
		return nil, fmt.Errorf("registry %q: %w", name, err)
	}
	c := &Registry{}
	if err := ctx.RegisterComponentResource("refarch:registry:Registry", name, c, opts...); err != nil {
		return nil, fmt.Errorf("registry %q: registering the component: %w", name, err)
	}
	child := pulumi.Parent(c)
	keep := []pulumi.ResourceOption{child, pulumi.Protect(a.Protect), pulumi.RetainOnDelete(a.Protect)}

	env, err := awsenv.Lookup(ctx, child)
	if err != nil {
		return nil, fmt.Errorf("registry %q: %w", name, err)
	}
	key := a.KMSKeyARN
	if key == nil {
		// The administrators manage the key; the account's principals use
		// it only through ECR, which decrypts for pullers through grants.
		// Source: https://docs.aws.amazon.com/AmazonECR/latest/userguide/encryption-at-rest.html
		doc, err := iampolicy.New(
			keypolicy.Administration(a.KeyAdministrators),
			keypolicy.ViaServices("UseThroughECR", env.Partition, env.Account, env.Region, []string{"ecr"}),
			keypolicy.GrantsViaServices("GrantsForECR", env.Partition, env.Account, env.Region, []string{"ecr"}),
		).JSON()
		if err != nil {
			return nil, fmt.Errorf("registry %q: key policy: %w", name, err)
		}
		k, err := kms.NewKey(ctx, name, &kms.KeyArgs{
			Description:          pulumi.Sprintf("ECR registry %s: container images", name),
			EnableKeyRotation:    pulumi.Bool(true),
			DeletionWindowInDays: pulumi.Int(30),
			Policy:               pulumi.String(doc),
		}, keep...)
		if err != nil {
			return nil, err
		}
		key = k.Arn
	}
	lifecycle, err := lifecyclePolicy(a.UntaggedDays, a.KeepImages)
	if err != nil {
		return nil, err
	}
	var pull string
	if len(a.PullAccountIDs) > 0 {
		var principals []string
		for _, id := range a.PullAccountIDs {
			principals = append(principals, iampolicy.RootARN(env.Partition, id))
		}
		if pull, err = iampolicy.New(iampolicy.Statement{
			Sid:       "PullFromOrganizationAccounts",
			Effect:    iampolicy.Allow,
			Principal: iampolicy.Principal{"AWS": principals},
			Action:    pullActions,
		}).JSON(); err != nil {
			return nil, err
		}
	}

	urls, arns := pulumi.StringMap{}, pulumi.StringMap{}
	for _, repoName := range a.Repositories {
		logical := name + "-" + repoName
		repo, err := ecr.NewRepository(ctx, logical, &ecr.RepositoryArgs{
			Name:               pulumi.String(repoName),
			ImageTagMutability: pulumi.String("IMMUTABLE"),
			ImageScanningConfiguration: &ecr.RepositoryImageScanningConfigurationArgs{
				ScanOnPush: pulumi.Bool(true),
			},
			EncryptionConfigurations: ecr.RepositoryEncryptionConfigurationArray{&ecr.RepositoryEncryptionConfigurationArgs{
				EncryptionType: pulumi.String("KMS"),
				KmsKey:         key,
			}},
			ForceDelete: pulumi.Bool(!a.Protect),
		}, keep...)
		if err != nil {
			return nil, err
		}
		if _, err := ecr.NewLifecyclePolicy(ctx, logical, &ecr.LifecyclePolicyArgs{
			Repository: repo.Name,
			Policy:     pulumi.String(lifecycle),
		}, child); err != nil {
			return nil, err
		}
		if pull != "" {
			if _, err := ecr.NewRepositoryPolicy(ctx, logical, &ecr.RepositoryPolicyArgs{
				Repository: repo.Name,
				Policy:     pulumi.String(pull),
			}, child); err != nil {
				return nil, err
			}
		}
		urls[repoName] = repo.RepositoryUrl
		arns[repoName] = repo.Arn
	}

	c.RepositoryURLs = urls.ToStringMapOutput()
	c.RepositoryARNs = arns.ToStringMapOutput()
	c.KeyARN = key.ToStringOutput()
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"repositoryUrls": c.RepositoryURLs,
		"repositoryArns": c.RepositoryARNs,
		"keyArn":         c.KeyARN,
	})
}

// lifecycleRule is one rule of an ECR lifecycle policy.
// Source: https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_parameters.html
type lifecycleRule struct {
	RulePriority int    `json:"rulePriority"`
	Description  string `json:"description"`
	Selection    struct {
		TagStatus   string `json:"tagStatus"`
		CountType   string `json:"countType"`
		CountUnit   string `json:"countUnit,omitempty"`
		CountNumber int    `json:"countNumber"`
	} `json:"selection"`
	Action struct {
		Type string `json:"type"`
	} `json:"action"`
}

// lifecyclePolicy expires untagged images after untaggedDays and keeps the
// newest keep images. The "any" rule must have the highest priority number.
func lifecyclePolicy(untaggedDays, keep int) (string, error) {
	untagged := lifecycleRule{RulePriority: 1, Description: fmt.Sprintf("expire untagged images after %d days", untaggedDays)}
	untagged.Selection.TagStatus = "untagged"
	untagged.Selection.CountType = "sinceImagePushed"
	untagged.Selection.CountUnit = "days"
	untagged.Selection.CountNumber = untaggedDays
	untagged.Action.Type = "expire"
	newest := lifecycleRule{RulePriority: 2, Description: fmt.Sprintf("keep the newest %d images", keep)}
	newest.Selection.TagStatus = "any"
	newest.Selection.CountType = "imageCountMoreThan"
	newest.Selection.CountNumber = keep
	newest.Action.Type = "expire"
	b, err := json.Marshal(map[string][]lifecycleRule{"rules": {untagged, newest}})
	return string(b), err
}
