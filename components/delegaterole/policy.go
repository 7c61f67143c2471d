package delegaterole

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/iampolicy"
)

// trustPolicy admits the principals that deploy the environment: people of
// the operators' account, with MFA, and the environment's own deploy role
// (whose session the environment's providers start from).
func trustPolicy(a *DelegateRoleArgs) (string, error) {
	return iampolicy.New(
		iampolicy.Statement{
			Sid:       "OperatorsWithMFA",
			Effect:    iampolicy.Allow,
			Principal: iampolicy.Principal{"AWS": {iampolicy.RootARN(a.Partition, a.OperatorsAccountID)}},
			Action:    []string{"sts:AssumeRole"},
			Condition: iampolicy.Conditions{"Bool": {"aws:MultiFactorAuthPresent": {"true"}}},
		},
		iampolicy.Statement{
			Sid:       "EnvironmentDeployRole",
			Effect:    iampolicy.Allow,
			Principal: iampolicy.Principal{"AWS": {iampolicy.RootARN(a.Partition, a.EnvironmentAccountID)}},
			Action:    []string{"sts:AssumeRole"},
			Condition: iampolicy.Conditions{"ArnEquals": {"aws:PrincipalArn": {iampolicy.RoleARN(a.Partition, a.EnvironmentAccountID, a.DeployRoleName)}}},
		},
	).JSON()
}

// permissions allow exactly the environment's peering with the management
// VPC, routes in the management VPC, and (with a root zone) the NS record
// of the delegated name in the root zone.
// Sources: https://docs.aws.amazon.com/vpc/latest/peering/security-iam.html,
// https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/specifying-rrset-conditions.html
func permissions(a *DelegateRoleArgs) pulumi.StringOutput {
	ec2ARN := func(account, resource string) string {
		return iampolicy.ARN(a.Partition, "ec2", a.Region, account, resource)
	}
	inputs := []pulumi.Input{a.ManagementVpcID}
	if a.RootZoneID != nil {
		inputs = append(inputs, a.RootZoneID)
	}
	return iampolicy.StringOutput(inputs, func(v []any) (iampolicy.Document, error) {
		mgmtVpc := ec2ARN(a.AccountID, "vpc/"+v[0].(string))
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
				Resource:  []string{ec2ARN(a.AccountID, "vpc-peering-connection/*")},
				Condition: iampolicy.Conditions{"ArnLike": {"ec2:AccepterVpc": {ec2ARN(a.EnvironmentAccountID, "vpc/*")}}},
			},
			iampolicy.Statement{
				Sid:       "RoutesInTheManagementVpcOnly",
				Effect:    iampolicy.Allow,
				Action:    []string{"ec2:CreateRoute", "ec2:DeleteRoute", "ec2:ReplaceRoute"},
				Resource:  []string{ec2ARN(a.AccountID, "route-table/*")},
				Condition: iampolicy.Conditions{"ArnEquals": {"ec2:Vpc": {mgmtVpc}}},
			},
			// The environment's private zone (in its own account, its id
			// unknown here) may be associated with the management VPC and
			// no other. Source: https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/specifying-condition-vpcs.html
			iampolicy.Statement{
				Sid:      "AssociatePrivateZonesWithTheManagementVpcOnly",
				Effect:   iampolicy.Allow,
				Action:   []string{"route53:AssociateVPCWithHostedZone", "route53:DisassociateVPCFromHostedZone", "route53:ListHostedZonesByVPC"},
				Resource: []string{"*"},
				Condition: iampolicy.Conditions{
					"ForAllValues:StringEquals": {"route53:VPCs": {"VPCId=" + v[0].(string) + ",VPCRegion=" + a.Region}},
					// ForAllValues holds for a request naming no VPC: require one.
					"Null": {"route53:VPCs": {"false"}},
				},
			},
			iampolicy.Statement{
				Sid:      "ReadNetworking",
				Effect:   iampolicy.Allow,
				Action:   []string{"ec2:DescribeVpcPeeringConnections", "ec2:DescribeRouteTables", "ec2:DescribeVpcs", "ec2:DescribeVpcAttribute", "ec2:DescribeTags"},
				Resource: []string{"*"},
			},
		)
		if len(v) > 1 {
			zoneARN := iampolicy.ARN(a.Partition, "route53", "", "", "hostedzone/"+v[1].(string))
			doc.Statement = append(doc.Statement,
				iampolicy.Statement{
					Sid:      "DelegateThisEnvironmentsZoneOnly",
					Effect:   iampolicy.Allow,
					Action:   []string{"route53:ChangeResourceRecordSets"},
					Resource: []string{zoneARN},
					Condition: iampolicy.Conditions{
						"ForAllValues:StringEquals": {
							"route53:ChangeResourceRecordSetsNormalizedRecordNames": {a.DelegatedName},
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
					Resource: []string{iampolicy.ARN(a.Partition, "route53", "", "", "change/*")},
				},
			)
		}
		return doc, nil
	})
}
