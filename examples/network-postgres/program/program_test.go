package program_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/examples/internal/proof"
	"github.com/refarch/refarch/examples/network-postgres/program"
	"github.com/refarch/refarch/offline"
)

// trial are the rules the sample stack fails on purpose: it is there to be
// tried and destroyed, so nothing is protected. protect: true turns them
// into passes (TestProtectMakesItProductionGrade).
var trial = proof.Explain("the sample keeps protect false, so `pulumi destroy` removes the trial; set protect true for data you keep",
	"rds-deletion-protection", "stateful-resources-protected")

func plan(t *testing.T, set map[string]string) *offline.Plan {
	t.Helper()
	return proof.Plan(t, program.Program, set)
}

func TestTheDatabaseLivesInTheDataSubnetsAndIsNotPublic(t *testing.T) {
	p := plan(t, nil)
	vpcs := p.ByType("awsx:ec2:Vpc")
	require.Len(t, vpcs, 1)
	sample := proof.Sample(t)
	data := offline.Strings(vpcs[0].Output("isolatedSubnetIds"))
	require.Len(t, data, len(vpcs[0].Strings("availabilityZoneNames")), "one data subnet per zone")
	assert.Equal(t, sample["azCount"], fmt.Sprint(len(data)))

	db := p.Require(t, "aws:rds/instance:Instance", "example-db")
	group := p.Require(t, "aws:rds/subnetGroup:SubnetGroup", "example-db")
	assert.Equal(t, data, group.Strings("subnetIds"), "the DB subnet group spans exactly the data (isolated) subnets")
	assert.Equal(t, group.Output("name"), db.String("dbSubnetGroupName"))
	assert.False(t, db.Bool("publiclyAccessible"))
	assert.Equal(t, sample["dbMultiAz"], fmt.Sprint(db.Bool("multiAz")))

	// The data tier is awsx's "Isolated" type: no route out at all. Its
	// network ACL admits only the app tier.
	tiers := map[string]string{}
	for _, raw := range vpcs[0].List("subnetSpecs") {
		spec, _ := raw.(map[string]any)
		tiers[spec["name"].(string)] = spec["type"].(string)
	}
	assert.Equal(t, map[string]string{"app": "Private", "data": "Isolated", "public": "Public"}, tiers)
	assert.Equal(t, map[string]string{"none": "None", "single": "Single", "one-per-az": "OnePerAz"}[sample["natGateways"]],
		vpcs[0].String("natGateways.strategy"), "natGateways")
	p.Require(t, "aws:ec2/networkAcl:NetworkAcl", "example-data")
}

func TestOnlyTheClientGroupReachesTheDatabase(t *testing.T) {
	p := plan(t, nil)
	db := p.Require(t, "aws:rds/instance:Instance", "example-db")
	clients := p.Require(t, "aws:ec2/securityGroup:SecurityGroup", "example-db-clients")
	dbGroup := p.Require(t, "aws:ec2/securityGroup:SecurityGroup", "example-db")
	assert.Equal(t, []string{dbGroup.ID}, db.Strings("vpcSecurityGroupIds"))

	var ingress []*offline.Resource
	for _, r := range p.ByType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") {
		if r.String("securityGroupId") == dbGroup.ID {
			ingress = append(ingress, r)
		}
	}
	require.Len(t, ingress, 1, "the database's group admits one source")
	assert.Equal(t, clients.ID, ingress[0].String("referencedSecurityGroupId"))
	assert.Equal(t, 5432, ingress[0].Int("fromPort"))
	assert.Equal(t, 5432, ingress[0].Int("toPort"))
	assert.Empty(t, ingress[0].String("cidrIpv4"), "no address range, only the group")

	// The group's members get the one egress rule they need.
	egress := p.Require(t, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "example-db-client-0-egress")
	assert.Equal(t, clients.ID, egress.String("securityGroupId"))
	assert.Equal(t, dbGroup.ID, egress.String("referencedSecurityGroupId"))
}

func TestTheDatabaseIsEncryptedWithItsOwnKey(t *testing.T) {
	p := plan(t, nil)
	db := p.Require(t, "aws:rds/instance:Instance", "example-db")
	key := p.Require(t, "aws:kms/key:Key", "example-db")
	assert.True(t, db.Bool("storageEncrypted"))
	assert.Equal(t, key.Output("arn"), db.String("kmsKeyId"))
	assert.Equal(t, key.Output("arn"), db.String("performanceInsightsKmsKeyId"))
	assert.True(t, key.Bool("enableKeyRotation"))
	secret := p.Require(t, "aws:secretsmanager/secret:Secret", "example-db/master")
	assert.Equal(t, key.Output("arn"), secret.String("kmsKeyId"), "the master secret too")
}

func TestEveryResourceNamesTheExplicitProvider(t *testing.T) {
	p := plan(t, nil)
	sample := proof.Sample(t)
	providers := p.ByType("pulumi:providers:aws")
	require.Len(t, providers, 1)
	assert.Equal(t, []string{sample["accountId"]}, providers[0].Strings("allowedAccountIds"))
	assert.Equal(t, sample["region"], providers[0].String("region"))
	assert.Equal(t, sample["deployRoleArn"], providers[0].String("assumeRole.roleArn"))
	for _, r := range p.Resources {
		if r.Custom && r.Type != "pulumi:providers:aws" {
			assert.Equal(t, providers[0], p.ProviderOf(r), "%s %s", r.Type, r.Name)
		}
	}

	// Without deployRoleArn the provider uses the shell's credentials.
	p = plan(t, map[string]string{"network-postgres:deployRoleArn": ""})
	assert.False(t, p.ByType("pulumi:providers:aws")[0].Has("assumeRole"))
}

func TestEveryRulePassesOrIsExplained(t *testing.T) {
	proof.Judge(t, plan(t, nil), proof.Merge(proof.Explain(proof.AccountReason, proof.AccountRules...), trial))
}

func TestProtectMakesItProductionGrade(t *testing.T) {
	p := plan(t, map[string]string{"network-postgres:protect": "true"})
	proof.Judge(t, p, proof.Explain(proof.AccountReason, proof.AccountRules...))
	db := p.Require(t, "aws:rds/instance:Instance", "example-db")
	assert.True(t, db.Bool("deletionProtection"))
	assert.True(t, db.Protect)
}

func TestTheReadmeAgreesWithTheExample(t *testing.T) {
	proof.Cost(t, plan(t, nil))
	proof.ReadmeAgrees(t, "network-postgres")
}

func TestItUsesOnlyTheComponentLibrary(t *testing.T) {
	proof.UsesOnlyTheLibrary(t)
}
