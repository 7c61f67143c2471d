// Package delegaterole provides DelegateRole: the narrow IAM role an
// application environment assumes in the shared-services account to wire
// its side of what the two accounts share, its VPC peering with the
// management VPC (the request and the management-side routes) and the NS
// delegation of its zone in the root zone. Nothing else: an environment (or
// its pipeline) can never change the management VPC or another environment's
// records.
package delegaterole

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/validate"
)

// DelegateRole is the role and its inline policy.
//
//   - Trust: people of Args.OperatorsAccountID with MFA, and the
//     environment's deploy role (Args.DeployRoleName in Args.EnvironmentAccountID),
//     named by condition on the environment's root principal.
//   - Policy: create and delete peering connections from the management VPC
//     to the environment's account's VPCs only; change routes in the
//     management VPC's route tables only; read networking; with
//     Args.RootZoneID, write NS records of Args.DelegatedName in the root
//     zone and nothing else there.
//   - Sessions last Args.MaxSessionHours (default one hour).
type DelegateRole struct {
	pulumi.ResourceState

	// RoleARN is the role's ARN, which the environment's provider assumes.
	RoleARN pulumi.StringOutput `pulumi:"roleArn"`
}

// NewDelegateRole creates a DelegateRole; it validates args before
// registering anything. Pass the account's provider in opts.
func NewDelegateRole(ctx *pulumi.Context, name string, args *DelegateRoleArgs, opts ...pulumi.ResourceOption) (*DelegateRole, error) {
	if args == nil {
		args = &DelegateRoleArgs{}
	}
	a := args.withDefaults()
	if err := validate.Component("delegate role arguments", name, CheckName(name), &a); err != nil {
		return nil, fmt.Errorf("delegate role %q: %w", name, err)
	}
	c := &DelegateRole{}
	if err := ctx.RegisterComponentResource("refarch:delegaterole:DelegateRole", name, c, opts...); err != nil {
		return nil, fmt.Errorf("delegate role %q: registering the component: %w", name, err)
	}
	child := pulumi.Parent(c)
	trust, err := trustPolicy(&a)
	if err != nil {
		return nil, fmt.Errorf("delegate role %q: trust policy: %w", name, err)
	}
	role, err := iam.NewRole(ctx, name, &iam.RoleArgs{
		// A fixed name: the environment's provider assumes it by ARN.
		Name:               pulumi.String(a.RoleName),
		Description:        pulumi.String("Lets the " + a.Environment + " stack wire its peering and DNS delegation in this account"),
		AssumeRolePolicy:   pulumi.String(trust),
		MaxSessionDuration: pulumi.Int(a.MaxSessionHours * 3600),
	}, child)
	if err != nil {
		return nil, fmt.Errorf("delegate role %q: role: %w", name, err)
	}
	if _, err := iam.NewRolePolicy(ctx, name, &iam.RolePolicyArgs{
		Role:   role.Name,
		Policy: permissions(&a),
	}, child); err != nil {
		return nil, fmt.Errorf("delegate role %q: policy: %w", name, err)
	}
	c.RoleARN = role.Arn
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{"roleArn": c.RoleARN})
}
