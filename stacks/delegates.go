package stacks

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/iampolicy"
)

// deployDelegateRoles creates, in shared-services, the narrow role each
// application environment assumes there (Providers.SharedServices) to wire
// its side of what the two accounts share: its VPC peering with the
// management VPC (the request and the management-side routes) and the NS
// delegation of its zone in the root zone. Nothing else: an application
// stack (or its CI) can never change the management VPC or another
// environment's records.
func deployDelegateRoles(ctx *pulumi.Context, c *Config, p *Providers, a *parts) error {
	if a.Network == nil {
		return fmt.Errorf("the delegate roles need the management network")
	}
	security := c.Accounts["security"].ID
	for _, env := range StackNames() {
		if stackRoles[env] != RoleApp {
			continue
		}
		trust, err := delegateTrust(c, env, security)
		if err != nil {
			return err
		}
		role, err := iam.NewRole(ctx, "delegate-"+env, &iam.RoleArgs{
			// A fixed name: the application stack's provider assumes it by ARN.
			Name:               pulumi.String(DelegateRoleName(env)),
			Description:        pulumi.String("Lets the " + env + " stack wire its peering and DNS delegation in shared-services"),
			AssumeRolePolicy:   pulumi.String(trust),
			MaxSessionDuration: pulumi.Int(3600),
		}, pulumi.Provider(p.Account))
		if err != nil {
			return fmt.Errorf("delegate role for %s: %w", env, err)
		}
		policy := delegatePolicy(c, env, a)
		if _, err := iam.NewRolePolicy(ctx, "delegate-"+env, &iam.RolePolicyArgs{
			Role:   role.Name,
			Policy: policy,
		}, pulumi.Provider(p.Account)); err != nil {
			return fmt.Errorf("delegate policy for %s: %w", env, err)
		}
	}
	return nil
}

// delegateTrust admits the principals that deploy an environment: people of
// the security account, with MFA, and the environment's own CI role (whose
// session the application stack's providers start from in CircleCI). The CI
// role is named by condition on the environment's root principal, not as a
// principal: IAM refuses a trust policy naming a role that does not exist
// yet, and shared-services deploys before the application stacks create it.
func delegateTrust(c *Config, env, security string) (string, error) {
	envAccount := c.Accounts[env].ID
	return iampolicy.New(
		iampolicy.Statement{
			Sid:       "OperatorsWithMFA",
			Effect:    iampolicy.Allow,
			Principal: iampolicy.Principal{"AWS": {iampolicy.RootARN(c.Partition, security)}},
			Action:    []string{"sts:AssumeRole"},
			Condition: iampolicy.Conditions{"Bool": {"aws:MultiFactorAuthPresent": {"true"}}},
		},
		iampolicy.Statement{
			Sid:       "EnvironmentCI",
			Effect:    iampolicy.Allow,
			Principal: iampolicy.Principal{"AWS": {iampolicy.RootARN(c.Partition, envAccount)}},
			Action:    []string{"sts:AssumeRole"},
			Condition: iampolicy.Conditions{"ArnEquals": {"aws:PrincipalArn": {iampolicy.RoleARN(c.Partition, envAccount, CIRoleName)}}},
		},
	).JSON()
}

// delegatePolicy allows exactly the environment's peering with the
// management VPC, routes in the management VPC, and (once the root zone
// exists) the NS record of <env>.<domain> in the root zone.
// Sources: https://docs.aws.amazon.com/vpc/latest/peering/security-iam.html,
// https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/specifying-rrset-conditions.html
func delegatePolicy(c *Config, env string, a *parts) pulumi.StringOutput {
	envAccount := c.Accounts[env].ID
	ec2ARN := func(account, resource string) string {
		return fmt.Sprintf("arn:%s:ec2:%s:%s:%s", c.Partition, c.Region, account, resource)
	}
	envVpcs := ec2ARN(envAccount, "vpc/*")
	inputs := []pulumi.Input{a.Network.VpcID}
	var zone pulumi.Input
	if a.DNS != nil && a.DNS.PublicZoneID != nil {
		zone = a.DNS.PublicZoneID
		inputs = append(inputs, zone)
	}
	return iampolicy.StringOutput(inputs, func(v []any) (iampolicy.Document, error) {
		mgmtVpc := ec2ARN(c.AccountID, "vpc/"+v[0].(string))
		peerings := ec2ARN(c.AccountID, "vpc-peering-connection/*")
		doc := iampolicy.New(
			iampolicy.Statement{
				Sid:      "RequestPeeringFromTheManagementVpc",
				Effect:   iampolicy.Allow,
				Action:   []string{"ec2:CreateVpcPeeringConnection"},
				Resource: []string{mgmtVpc},
			},
			iampolicy.Statement{
				Sid:       "PeeringsWithThisEnvironmentOnly",
				Effect:    iampolicy.Allow,
				Action:    []string{"ec2:CreateVpcPeeringConnection", "ec2:DeleteVpcPeeringConnection", "ec2:ModifyVpcPeeringConnectionOptions", "ec2:CreateTags", "ec2:DeleteTags"},
				Resource:  []string{peerings},
				Condition: iampolicy.Conditions{"ArnLike": {"ec2:AccepterVpc": {envVpcs}}},
			},
			iampolicy.Statement{
				Sid:       "RoutesInTheManagementVpcOnly",
				Effect:    iampolicy.Allow,
				Action:    []string{"ec2:CreateRoute", "ec2:DeleteRoute", "ec2:ReplaceRoute"},
				Resource:  []string{ec2ARN(c.AccountID, "route-table/*")},
				Condition: iampolicy.Conditions{"ArnEquals": {"ec2:Vpc": {mgmtVpc}}},
			},
			iampolicy.Statement{
				Sid:      "ReadNetworking",
				Effect:   iampolicy.Allow,
				Action:   []string{"ec2:DescribeVpcPeeringConnections", "ec2:DescribeRouteTables", "ec2:DescribeVpcs", "ec2:DescribeVpcAttribute", "ec2:DescribeTags"},
				Resource: []string{"*"},
			},
		)
		if len(v) > 1 {
			zoneARN := fmt.Sprintf("arn:%s:route53:::hostedzone/%s", c.Partition, v[1].(string))
			doc.Statement = append(doc.Statement,
				iampolicy.Statement{
					Sid:      "DelegateThisEnvironmentsZoneOnly",
					Effect:   iampolicy.Allow,
					Action:   []string{"route53:ChangeResourceRecordSets"},
					Resource: []string{zoneARN},
					Condition: iampolicy.Conditions{
						"ForAllValues:StringEquals": {
							"route53:ChangeResourceRecordSetsNormalizedRecordNames": {env + "." + c.Domain},
							"route53:ChangeResourceRecordSetsRecordTypes":           {"NS"},
						},
					},
				},
				iampolicy.Statement{
					Sid:      "ReadTheRootZone",
					Effect:   iampolicy.Allow,
					Action:   []string{"route53:GetHostedZone", "route53:ListResourceRecordSets"},
					Resource: []string{zoneARN},
				},
				iampolicy.Statement{
					Sid:      "WaitForChanges",
					Effect:   iampolicy.Allow,
					Action:   []string{"route53:GetChange"},
					Resource: []string{fmt.Sprintf("arn:%s:route53:::change/*", c.Partition)},
				},
			)
		}
		return doc, nil
	})
}
