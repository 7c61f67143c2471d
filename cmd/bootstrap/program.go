package main

import (
	"fmt"
	"path"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/deployaccess"
	"github.com/refarch/refarch/components/iampolicy"
	"github.com/refarch/refarch/components/statebackend"
	"github.com/refarch/refarch/stacks/platformpart"
	"github.com/refarch/refarch/stacks/stack"
)

// The outputs of the bootstrap stack.
const (
	outputBucketName      = "bucketName"
	outputKeyARN          = "keyArn"
	outputKeyAlias        = "keyAlias"
	outputLoginURL        = "loginUrl"
	outputSecretsProvider = "secretsProvider"
	outputDeployRoles     = "deployRoleArns"
)

// program is the bootstrap's Pulumi program: one explicit aws provider per
// account, each with that account's administrator profile as it is (no
// role to assume: the deploy roles are what it creates) and
// allowedAccountIds refusing any other account; in each account the
// DeployAccess (the CircleCI OIDC provider, the deploy and preview roles
// and, in shared-services, the ECR push role); then, once every role
// exists, the StateBackend in the security account, whose key and bucket
// policies name them.
func program(cfg *config) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		providers := map[string]*aws.Provider{}
		var roles []pulumi.Resource
		for _, name := range cfg.Stacks {
			provider, err := aws.NewProvider(ctx, "aws-"+name, &aws.ProviderArgs{
				Profile:           pulumi.String(cfg.Profiles[name]),
				Region:            pulumi.String(cfg.Region),
				AllowedAccountIds: pulumi.StringArray{pulumi.String(cfg.Accounts[name])},
				DefaultTags: &aws.ProviderDefaultTagsArgs{Tags: pulumi.StringMap{
					"Project":     pulumi.String(stack.Namespace),
					"Environment": pulumi.String(name),
					"ManagedBy":   pulumi.String("pulumi " + project),
				}},
			})
			if err != nil {
				return fmt.Errorf("provider for the %s account: %w", name, err)
			}
			providers[name] = provider
		}
		if err := checkCaller(ctx, cfg, providers[stateAccount]); err != nil {
			return err
		}
		outputs := pulumi.StringMap{}
		for _, name := range cfg.Stacks {
			access, err := deployaccess.NewDeployAccess(ctx, accessName(name), accessArgs(cfg, name), pulumi.Provider(providers[name]))
			if err != nil {
				return fmt.Errorf("the %s account's roles: %w", name, err)
			}
			roles = append(roles, access.Roles...)
			outputs[name] = access.DeployRoleARN
		}
		backend, err := statebackend.NewStateBackend(ctx, stateName, &statebackend.StateBackendArgs{
			BucketName:        cfg.BucketName,
			DeployRoleARNs:    cfg.DeployRoleARNs,
			PreviewRoleARNs:   cfg.PreviewRoleARNs,
			KeyAdministrators: cfg.KeyAdministrators,
		}, pulumi.Provider(providers[stateAccount]), pulumi.DependsOn(roles))
		if err != nil {
			return err
		}
		ctx.Export(outputBucketName, backend.BucketName)
		ctx.Export(outputKeyARN, backend.KeyARN)
		ctx.Export(outputKeyAlias, backend.KeyAlias)
		ctx.Export(outputLoginURL, pulumi.String(backend.LoginURL))
		ctx.Export(outputSecretsProvider, pulumi.String(backend.SecretsProvider))
		ctx.Export(outputDeployRoles, outputs)
		return nil
	}
}

// accessName names an account's DeployAccess.
func accessName(stackName string) string { return "access-" + stackName }

// accessArgs are the DeployAccess of one account: every account trusts the
// same CircleCI project and keeps its state in the same bucket; the
// application accounts' preview roles may read shared-services through
// its preview role (their stacks' shared-services provider), the security
// account's preview role may read the management account through its
// preview role (the security stack's management provider), their deploy
// roles read and write the account's release records
// (platformpart.ReleasePath) and their preview roles read them; and
// shared-services pushes the images.
func accessArgs(cfg *config, name string) *deployaccess.DeployAccessArgs {
	a := &deployaccess.DeployAccessArgs{
		CircleCI:           deployaccess.CircleCI{OrgID: cfg.CI.OrgID, ProjectID: cfg.CI.ProjectID, VCSOrigin: cfg.CI.Repository},
		OperatorsAccountID: cfg.Accounts[stateAccount],
		DeployRoleName:     cfg.DeployRoleName,
		PreviewRoleName:    stack.PreviewRoleName,
		State: deployaccess.StateAccess{
			BucketName:   cfg.BucketName,
			KeyAccountID: cfg.Accounts[stateAccount],
			KeyRegion:    cfg.Region,
			KeyAlias:     statebackend.AliasName(stateName),
		},
	}
	shared := iampolicy.RoleARN(cfg.Partition, cfg.Accounts["shared-services"], stack.PreviewRoleName)
	role, _ := stack.RoleOf(name)
	if role != stack.RoleManagement {
		// The nightly drift check alerts through the account's alert
		// topic; management has none and alerts through security's.
		a.AlertTopic = stack.AlertTopicName(name)
	}
	switch role {
	case stack.RoleApp:
		a.PreviewAssumableRoleARNs = []string{shared}
		a.ReleaseRecords = platformpart.ReleasePath
	case stack.RoleSharedServices:
		for _, app := range stack.OfRole(cfg.Stacks, stack.RoleApp) {
			a.PreviewTrustedRoleARNs = append(a.PreviewTrustedRoleARNs, iampolicy.RoleARN(cfg.Partition, cfg.Accounts[app], stack.PreviewRoleName))
		}
		a.ECRPush = &deployaccess.ECRPushArgs{Repositories: cfg.ECRRepositories}
	case stack.RoleSecurity:
		// The security stack reads the organization through management's
		// preview role (its Providers.Management).
		a.PreviewAssumableRoleARNs = []string{iampolicy.RoleARN(cfg.Partition, cfg.Accounts["management"], stack.PreviewRoleName)}
	case stack.RoleManagement:
		a.PreviewTrustedRoleARNs = []string{iampolicy.RoleARN(cfg.Partition, cfg.Accounts["security"], stack.PreviewRoleName)}
	}
	return a
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
		return fmt.Errorf("reading who profile %q is: %w", cfg.Profiles[stateAccount], err)
	}
	// Without administrators the component refuses its arguments, naming
	// Args.KeyAdministrators.
	if len(cfg.KeyAdministrators) == 0 || administers(caller.Arn, cfg.KeyAdministrators) {
		return nil
	}
	return fmt.Errorf("profile %q acts as %s, which is not among the key's administrators (%s): KMS refuses a key policy "+
		"that would lock out the principal creating the key; use a profile that assumes %s, or name the principal with -admin",
		cfg.Profiles[stateAccount], caller.Arn, strings.Join(cfg.KeyAdministrators, ", "), cfg.KeyAdministrators[0])
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
