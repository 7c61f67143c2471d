package functionpart

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/function"
	"github.com/refarch/refarch/components/iampolicy"
	"github.com/refarch/refarch/components/keypolicy"
	"github.com/refarch/refarch/components/restoredrill"
	"github.com/refarch/refarch/stacks/stack"
)

// DrillNamespace is the restore drill's metric namespace.
const DrillNamespace = "refarch/RestoreDrill"

// DrillName is the restore drill's component name in a stack:
// refarch-<stack>-db-drill.
func DrillName(c *stack.Config) string { return Name(c, "db-drill") }

// DrillValidatorSchedule runs the validator once a day outside drills, to
// publish the days since the last successful drill.
const DrillValidatorSchedule = "rate(1 day)"

// restoreDrill creates the restore drill of the database
// (components/restoredrill) and its validator: the restore-drill function
// in the application subnets, with HTTPS out through NAT to AWS's APIs and
// RDS's trust store and PostgreSQL to the restored copy only. The copy is
// restored into the database's subnet group (the data subnets) with a
// security group of its own that admits the validator alone: not the
// services, which have no business with it, and the validator reaches
// neither the writer nor the cache.
// Sources: https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html,
// https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc-internet.html
func (d *deployer) restoreDrill() error {
	db, net := d.a.Data, d.a.Network
	if db == nil || net == nil || db.DatabaseSubnetGroupName == nil || db.DatabaseSecretARN == nil {
		return fmt.Errorf("the restore drill needs the network and the database: the network and data parts must run before the function part")
	}
	name := Name(d.c, RestoreDrill)
	account := pulumi.Provider(d.p.Account)
	fnGroup, restoredGroup, err := d.drillGroups(name, net.VpcID)
	if err != nil {
		return err
	}
	region, acct, part := d.c.Region, d.c.AccountID, d.c.Partition
	plan := restoredrill.PlanName(DrillName(d.c))
	fn, err := d.function(RestoreDrill, "restore-drill: checks each restore drill of the database and publishes its metrics", func(fa *function.FunctionArgs) {
		fa.Environment = map[string]pulumi.StringInput{
			"RESTORE_TESTING_PLAN": pulumi.String(plan),
			"METRIC_NAMESPACE":     pulumi.String(DrillNamespace),
			"DB_SECRET_ARN":        db.DatabaseSecretARN,
			"DB_KEY_ARN":           db.DatabaseKeyARN,
			"DB_NAME":              pulumi.String(db.DatabaseName),
		}
		fa.VPC = &function.VPC{
			SubnetIDs:        net.AppSubnetIDs,
			SecurityGroupIDs: pulumi.StringArray{fnGroup},
		}
		// Restore jobs have no resource type in IAM; restore testing
		// plans do. DescribeDBInstances is read-only; the restored
		// instance's identifier is AWS Backup's, not known in advance.
		// Sources: https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsbackup.html,
		// https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonrds.html
		fa.Permissions = []function.Permission{
			{Actions: []string{"backup:DescribeRestoreJob", "backup:PutRestoreValidationResult", "backup:ListRestoreJobs"}, Resources: []pulumi.StringInput{pulumi.String("*")}},
			{Actions: []string{"backup:GetRestoreTestingPlan"}, Resources: []pulumi.StringInput{pulumi.String(iampolicy.ARN(part, "backup", region, acct, "restore-testing-plan:"+plan+"-*"))}},
			{Actions: []string{"rds:DescribeDBInstances"}, Resources: []pulumi.StringInput{pulumi.String(iampolicy.ARN(part, "rds", region, acct, "db:*"))}},
			{Actions: []string{"secretsmanager:GetSecretValue"}, Resources: []pulumi.StringInput{db.DatabaseSecretARN}},
			{
				Actions:   []string{"kms:Decrypt"},
				Resources: []pulumi.StringInput{db.DatabaseKeyARN},
				Condition: iampolicy.Conditions{"StringEquals": {"kms:ViaService": keypolicy.ServiceEndpoints(region, []string{"secretsmanager"})}},
			},
			{
				Actions:   []string{"cloudwatch:PutMetricData"},
				Resources: []pulumi.StringInput{pulumi.String("*")},
				Condition: iampolicy.Conditions{"StringEquals": {"cloudwatch:namespace": {DrillNamespace}}},
			},
		}
		fa.Schedule = DrillValidatorSchedule
	})
	if err != nil {
		return err
	}
	d.a.Functions.DrillRoleARN = fn.RoleARN
	var topic pulumi.StringInput
	if d.a.Baseline != nil {
		topic = d.a.Baseline.AlertTopicARN
	}
	_, err = restoredrill.NewRestoreDrill(d.ctx, DrillName(d.c), &restoredrill.RestoreDrillArgs{
		DBInstanceARN:        db.DatabaseInstanceARN,
		DBSubnetGroupName:    db.DatabaseSubnetGroupName,
		SecurityGroupIDs:     pulumi.StringArray{restoredGroup},
		ValidatorARN:         fn.ARN,
		Schedule:             d.s.DrillSchedule,
		TargetRestoreMinutes: d.s.DrillTargetMinutes,
		RetentionDays:        db.BackupRetentionDays,
		Namespace:            DrillNamespace,
		AlarmTopicARN:        topic,
		Protect:              d.c.DeletionProtection,
	}, account)
	return err
}

// drillGroups creates the validator's security group and the restored
// copy's: the copy admits PostgreSQL from the validator only and sends
// nothing; the validator sends PostgreSQL to the copy and HTTPS anywhere
// (NAT: AWS Backup and CloudWatch have no endpoint in the VPC).
// Source: https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html
func (d *deployer) drillGroups(name string, vpcID pulumi.StringInput) (fn, restored pulumi.StringOutput, err error) {
	account := pulumi.Provider(d.p.Account)
	fnGroup, err := ec2.NewSecurityGroup(d.ctx, name, &ec2.SecurityGroupArgs{
		VpcId:               vpcID,
		Description:         pulumi.String("Lambda " + name + ": PostgreSQL to the restored copy, HTTPS to AWS APIs"),
		RevokeRulesOnDelete: pulumi.Bool(true),
	}, account)
	if err != nil {
		return fn, restored, err
	}
	copyName := DrillName(d.c) + "-restored"
	copyGroup, err := ec2.NewSecurityGroup(d.ctx, copyName, &ec2.SecurityGroupArgs{
		VpcId:               vpcID,
		Description:         pulumi.String("The restore drill's temporary database: PostgreSQL from " + name + " only"),
		RevokeRulesOnDelete: pulumi.Bool(true),
	}, account)
	if err != nil {
		return fn, restored, err
	}
	const pg = 5432
	if _, err := vpc.NewSecurityGroupIngressRule(d.ctx, copyName+"-from-validator", &vpc.SecurityGroupIngressRuleArgs{
		SecurityGroupId:           copyGroup.ID(),
		ReferencedSecurityGroupId: fnGroup.ID(),
		IpProtocol:                pulumi.String("tcp"),
		FromPort:                  pulumi.Int(pg),
		ToPort:                    pulumi.Int(pg),
		Description:               pulumi.String("the restore drill's validator"),
	}, account); err != nil {
		return fn, restored, err
	}
	if _, err := vpc.NewSecurityGroupEgressRule(d.ctx, name+"-to-restored", &vpc.SecurityGroupEgressRuleArgs{
		SecurityGroupId:           fnGroup.ID(),
		ReferencedSecurityGroupId: copyGroup.ID(),
		IpProtocol:                pulumi.String("tcp"),
		FromPort:                  pulumi.Int(pg),
		ToPort:                    pulumi.Int(pg),
		Description:               pulumi.String("PostgreSQL to the restored copy"),
	}, account); err != nil {
		return fn, restored, err
	}
	if _, err := vpc.NewSecurityGroupEgressRule(d.ctx, name+"-https", &vpc.SecurityGroupEgressRuleArgs{
		SecurityGroupId: fnGroup.ID(),
		IpProtocol:      pulumi.String("tcp"),
		FromPort:        pulumi.Int(443),
		ToPort:          pulumi.Int(443),
		CidrIpv4:        pulumi.String("0.0.0.0/0"),
		Description:     pulumi.String("AWS Backup, CloudWatch, RDS and Secrets Manager APIs and truststore.pki.rds.amazonaws.com, through NAT"),
	}, account); err != nil {
		return fn, restored, err
	}
	return fnGroup.ID().ToStringOutput(), copyGroup.ID().ToStringOutput(), nil
}
