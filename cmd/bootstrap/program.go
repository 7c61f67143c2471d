package main

import (
	"fmt"
	"path"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/statebackend"
	"github.com/refarch/refarch/stacks/stack"
)

// The outputs of the bootstrap stack.
const (
	outputBucketName      = "bucketName"
	outputKeyARN          = "keyArn"
	outputKeyAlias        = "keyAlias"
	outputLoginURL        = "loginUrl"
	outputSecretsProvider = "secretsProvider"
)

// program is the bootstrap's Pulumi program: one explicit aws provider for
// the security account, then the StateBackend. The provider uses the
// administrator's profile as it is (no role to assume: the deploy role may
// not exist yet in every account, and the profile may already act as
// security's), and allowedAccountIds makes it refuse any other account.
func program(cfg *config) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		provider, err := aws.NewProvider(ctx, "aws-"+stateAccount, &aws.ProviderArgs{
			Profile:           pulumi.String(cfg.Profile),
			Region:            pulumi.String(cfg.Region),
			AllowedAccountIds: pulumi.StringArray{pulumi.String(cfg.SecurityAccount)},
			DefaultTags: &aws.ProviderDefaultTagsArgs{Tags: pulumi.StringMap{
				"Project":     pulumi.String(stack.Namespace),
				"Environment": pulumi.String(stateAccount),
				"ManagedBy":   pulumi.String("pulumi " + project),
			}},
		})
		if err != nil {
			return fmt.Errorf("provider for the %s account: %w", stateAccount, err)
		}
		if err := checkCaller(ctx, cfg, provider); err != nil {
			return err
		}
		backend, err := statebackend.NewStateBackend(ctx, stateName, &statebackend.StateBackendArgs{
			BucketName:        cfg.BucketName,
			DeployRoleARNs:    cfg.DeployRoleARNs,
			KeyAdministrators: cfg.KeyAdministrators,
		}, pulumi.Provider(provider))
		if err != nil {
			return err
		}
		ctx.Export(outputBucketName, backend.BucketName)
		ctx.Export(outputKeyARN, backend.KeyARN)
		ctx.Export(outputKeyAlias, backend.KeyAlias)
		ctx.Export(outputLoginURL, pulumi.String(backend.LoginURL))
		ctx.Export(outputSecretsProvider, pulumi.String(backend.SecretsProvider))
		return nil
	}
}

// checkCaller refuses, before anything is created (a preview runs it too),
// a profile whose principal is not among the key's administrators: KMS
// refuses a key policy that would keep the principal creating the key from
// changing that policy later, and would fail the update halfway, after
// the bucket.
// Source: https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html#KMS-CreateKey-request-BypassPolicyLockoutSafetyCheck
func checkCaller(ctx *pulumi.Context, cfg *config, provider *aws.Provider) error {
	caller, err := aws.GetCallerIdentity(ctx, &aws.GetCallerIdentityArgs{}, pulumi.Provider(provider))
	if err != nil {
		return fmt.Errorf("reading who profile %q is: %w", cfg.Profile, err)
	}
	// Without administrators the component refuses its arguments, naming
	// Args.KeyAdministrators.
	if len(cfg.KeyAdministrators) == 0 || administers(caller.Arn, cfg.KeyAdministrators) {
		return nil
	}
	return fmt.Errorf("profile %q acts as %s, which is not among the key's administrators (%s): KMS refuses a key policy "+
		"that would lock out the principal creating the key; use a profile that assumes %s, or name the principal with -admin",
		cfg.Profile, caller.Arn, strings.Join(cfg.KeyAdministrators, ", "), cfg.KeyAdministrators[0])
}

// administers reports whether the caller (the ARN GetCallerIdentity
// returns) is one of the principals admins names: an IAM user or root by
// its own ARN, an assumed role's session by its role, which a policy names
// arn:<partition>:iam::<account>:role/[<path>/]<name>.
// Source: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns
func administers(caller string, admins []string) bool {
	c := strings.SplitN(caller, ":", 6)
	if len(c) != 6 {
		return false
	}
	for _, admin := range admins {
		a := strings.SplitN(admin, ":", 6)
		if len(a) != 6 || a[1] != c[1] || a[4] != c[4] || a[2] != "iam" {
			continue
		}
		switch {
		case c[2] == "iam" && admin == caller:
			return true
		case c[2] == "sts" && strings.HasPrefix(c[5], "assumed-role/") && strings.HasPrefix(a[5], "role/"):
			role := strings.SplitN(strings.TrimPrefix(c[5], "assumed-role/"), "/", 2)[0]
			if path.Base(a[5]) == role {
				return true
			}
		}
	}
	return false
}
