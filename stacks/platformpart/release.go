package platformpart

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ssm"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/validate"
	"github.com/refarch/refarch/stacks/stack"
)

// ReleasePath is the SSM Parameter Store path of an application account's
// release records: ReleaseParameter(repository) holds the image of that
// repository CI last released to the account's stack. CI's update job of
// the stack writes them (aws ssm put-parameter, as the account's deploy
// role) once the stack's update starts, before it migrates and applies;
// every run of the stack, CI's or a person's, then deploys what they hold.
// They live in the stack's own account: only the principals that may deploy
// that stack may move what it runs, and an approval gate in front of stage
// or prod is not bypassed by a record another environment's update wrote.
const ReleasePath = "/" + stack.Namespace + "/release"

// ReleaseParameter is the name of repository's release record in an
// application account: a String parameter whose value is
// <repository>@sha256:<digest>, as `ko build --bare` prints it.
func ReleaseParameter(repository string) string { return ReleasePath + "/" + repository }

// getParameter is the token of the AWS provider's SSM parameter lookup
// (aws.ssm.getParameter).
const getParameter = "aws:ssm/getParameter:getParameter"

// releasedImage is what a release record may hold: the repository and a tag
// or a digest.
var releasedImage = regexp.MustCompile(`^([a-z0-9]+(?:[._/-][a-z0-9]+)*)(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[0-9a-f]{64})$`)

// ImageSource says where a repository's image comes from in a run.
type ImageSource string

// The sources of a repository's image, strongest first.
const (
	// SourcePin is refarch:releaseImages in the stack file.
	SourcePin ImageSource = "pin"
	// SourceRecord is the release record (ReleaseParameter) in the
	// stack's account.
	SourceRecord ImageSource = "release record"
	// SourceStackFile is the image refarch:services names: before the first
	// release of the repository to the stack.
	SourceStackFile ImageSource = "stack file"
)

// Release is the image one repository's services run, and its source.
type Release struct {
	// Repository is the ECR repository.
	Repository string
	// Image is <repository>@sha256:<digest> or <repository>:<tag>.
	Image string
	// Source is where Image comes from.
	Source ImageSource
	// Version is the record's parameter version (SourceRecord only).
	Version int
}

// releaseLookup is the part of an SSM parameter lookup a run reads.
type releaseLookup struct {
	// InsecureValue is the parameter's value, never marked secret (a
	// String parameter's value is not one).
	InsecureValue string `pulumi:"insecureValue"`
	// Type is String, StringList or SecureString.
	Type string `pulumi:"type"`
	// Version is the parameter's version, one more with every put.
	Version int `pulumi:"version"`
}

// ResolveReleases decides the image of every repository the stack's
// services name: a pin of refarch:releaseImages (already in the services'
// images, Config.Load), else the release record CI wrote in the stack's
// account, else the stack file's image (before the repository's first
// release to the stack). It reads the records at preview, through the
// account's provider (the deploy role, or the preview role with
// refarch:access preview), so what a person runs deploys what CI released.
// It returns the services with their images resolved (pc is not changed)
// and the release of each repository, or every problem of the records at
// once: a record of another repository, or anything but a digest in prod.
func ResolveReleases(ctx *pulumi.Context, c *stack.Config, pc *Config, p *stack.Providers) ([]ServiceConfig, []Release, error) {
	services := slices.Clone(pc.Services)
	repos := map[string]string{} // repository → the image its first service names
	for _, svc := range services {
		if m := imageRef.FindStringSubmatch(svc.Image); m != nil && svc.Image != "" && repos[m[1]] == "" {
			repos[m[1]] = svc.Image
		}
	}
	var problems validate.Problems
	var releases []Release
	for _, repo := range slices.Sorted(maps.Keys(repos)) {
		if pin, ok := pc.ReleaseImages[repo]; ok {
			releases = append(releases, Release{Repository: repo, Image: pin, Source: SourcePin})
			continue
		}
		name := ReleaseParameter(repo)
		var rec releaseLookup
		// The raw invoke: the provider marks a parameter's value sensitive,
		// and the SDK's plain invoke (ssm.LookupParameter) refuses a result
		// holding a secret; the record is read as insecureValue, which the
		// provider never marks.
		// Sources: https://github.com/hashicorp/terraform-provider-aws/blob/main/internal/service/ssm/parameter_data_source.go,
		// https://github.com/pulumi/pulumi/blob/v3.274.1/sdk/go/pulumi/context.go (InvokePackage)
		_, err := ctx.InvokePackageRaw(getParameter, &ssm.LookupParameterArgs{Name: name, WithDecryption: pulumi.BoolRef(false)},
			&rec, "", pulumi.Provider(p.Account))
		switch {
		case err != nil && parameterNotFound(err):
			releases = append(releases, Release{Repository: repo, Image: repos[repo], Source: SourceStackFile})
			continue
		case err != nil:
			return nil, nil, fmt.Errorf("reading the release record %s in account %s (%s): %w; the deploy and preview roles may read it once cmd/bootstrap has run with this version (docs/runbook.md, section 3.5)",
				name, c.AccountID, c.Region, err)
		}
		image := rec.InsecureValue
		m := releasedImage.FindStringSubmatch(image)
		switch {
		case rec.Type != "String":
			problems.Addf(name, image, "must be a String parameter, not %s: it names an image, which is no secret", rec.Type)
		case m == nil || m[1] != repo:
			problems.Add(name, image, "must be "+repo+"@sha256:<64 hex digits> (or, outside prod, "+repo+":<tag>): a release record names an image of its own repository")
		case c.IsProd() && !strings.Contains(image, "@sha256:"):
			problems.Add(name, image, "must be pinned by digest in prod ("+repo+"@sha256:<64 hex digits>): a tag can be pushed again, a digest names one image")
		default:
			releases = append(releases, Release{Repository: repo, Image: image, Source: SourceRecord, Version: rec.Version})
		}
	}
	if err := problems.Err(fmt.Sprintf("release records of stack %q (account %s, %s)", c.Stack, c.AccountID, c.Region)); err != nil {
		return nil, nil, err
	}
	for _, r := range releases {
		for i := range services {
			if m := imageRef.FindStringSubmatch(services[i].Image); m != nil && m[1] == r.Repository {
				services[i].Image = r.Image
			}
		}
	}
	return services, releases, nil
}

// parameterNotFound reports whether err is the lookup's answer for a
// parameter that does not exist: SSM answers ParameterNotFound, which the
// AWS provider reports as "couldn't find resource".
// Sources: https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameter.html#API_GetParameter_Errors,
// https://github.com/hashicorp/terraform-provider-aws/blob/main/internal/service/ssm/parameter.go (findParameterByName),
// https://github.com/hashicorp/terraform-provider-aws/blob/main/internal/retry/error.go (NotFoundError)
func parameterNotFound(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "couldn't find resource") || strings.Contains(msg, "ParameterNotFound")
}

// String describes where a repository's image comes from, for the run's log.
func (r Release) String() string {
	switch r.Source {
	case SourceRecord:
		return fmt.Sprintf("%s: %s, from the release record %s (version %d)", r.Repository, r.Image, ReleaseParameter(r.Repository), r.Version)
	case SourcePin:
		return fmt.Sprintf("%s: %s, pinned by %s", r.Repository, r.Image, stack.Key("releaseImages"))
	default:
		return fmt.Sprintf("%s: %s, from %s (no release record %s yet)", r.Repository, r.Image, stack.Key("services"), ReleaseParameter(r.Repository))
	}
}
