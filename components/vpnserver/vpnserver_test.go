package vpnserver_test

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/components/vpnserver"
	"github.com/refarch/refarch/offline"
)

const (
	deployRole = "arn:aws:iam::" + offline.UnitAccount + ":role/refarch-deploy"
	baseline   = "arn:aws:iam::" + offline.UnitAccount + ":policy/instance-logging"
)

func serverArgs() *vpnserver.VpnServerArgs {
	return &vpnserver.VpnServerArgs{
		VpcID:              pulumi.String("vpc-0mgmt"),
		VpcCIDR:            "10.0.0.0/16",
		SubnetIDs:          pulumi.StringArray{pulumi.String("subnet-a"), pulumi.String("subnet-b")},
		SubnetCount:        2,
		ClientCIDR:         "172.16.0.0/22",
		Routes:             []string{"10.0.0.0/16", "10.10.0.0/16"},
		SearchDomains:      []string{"internal.dev.example.com"},
		ZoneID:             pulumi.String("Z0ROOT"),
		RecordName:         "vpn.example.com",
		InstancePolicyARNs: []pulumi.StringInput{pulumi.String(baseline)},
		PatchGroup:         "refarch-shared-services",
		KeyAdministrators:  []string{deployRole},
	}
}

func run(t *testing.T, args *vpnserver.VpnServerArgs) (*offline.Plan, error) {
	t.Helper()
	return offline.RunComponent(func(ctx *pulumi.Context, p *aws.Provider) error {
		_, err := vpnserver.NewVpnServer(ctx, "vpn", args, pulumi.Provider(p))
		return err
	})
}

func mustRun(t *testing.T, args *vpnserver.VpnServerArgs) *offline.Plan {
	t.Helper()
	p, err := run(t, args)
	require.NoError(t, err)
	return p
}

func TestOnlyOpenVPNsPortIsOpenAndNoSSH(t *testing.T) {
	args := serverArgs()
	args.AllowedCIDRs = []string{"203.0.113.0/24", "198.51.100.0/24"}
	p := mustRun(t, args)
	var ingress []string
	for _, r := range p.ByType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") {
		assert.Equal(t, "udp", r.String("ipProtocol"), r.Name)
		assert.Equal(t, 1194, r.Int("fromPort"), r.Name)
		assert.Equal(t, 1194, r.Int("toPort"), r.Name)
		ingress = append(ingress, r.String("cidrIpv4"))
	}
	assert.ElementsMatch(t, []string{"203.0.113.0/24", "198.51.100.0/24"}, ingress, "OpenVPN from the allowed blocks only; nothing on 22")
	var routes []string
	for _, r := range p.ByType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule") {
		if r.String("cidrIpv4") == "0.0.0.0/0" {
			assert.Equal(t, 443, r.Int("fromPort"), "only HTTPS to the internet")
			continue
		}
		routes = append(routes, r.String("cidrIpv4"))
	}
	assert.ElementsMatch(t, []string{"10.0.0.0/16", "10.10.0.0/16"}, routes)
}

func TestHostIsHardenedAndSelfHealing(t *testing.T) {
	p := mustRun(t, serverArgs())
	lt := p.Require(t, "aws:ec2/launchTemplate:LaunchTemplate", "vpn")
	assert.Equal(t, "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64", lt.String("imageId"), "the current AL2023 for t4g")
	assert.Equal(t, "t4g.small", lt.String("instanceType"))
	assert.Equal(t, "required", lt.String("metadataOptions.httpTokens"), "IMDSv2 only")
	assert.Equal(t, 1, lt.Int("metadataOptions.httpPutResponseHopLimit"))
	assert.False(t, lt.Has("keyName"), "no key pair")
	assert.Equal(t, "gp3", lt.String("blockDeviceMappings[0].ebs.volumeType"))
	assert.Equal(t, "true", lt.String("blockDeviceMappings[0].ebs.encrypted"))
	key := p.Require(t, "aws:kms/key:Key", "vpn")
	assert.Equal(t, key.Output("arn"), lt.Get("blockDeviceMappings[0].ebs.kmsKeyId"), "the root volume is encrypted with the server's key")
	tags := lt.Get("tagSpecifications[0].tags").(map[string]any)
	assert.Equal(t, "refarch-shared-services", tags["Patch Group"], "the baseline's patching targets the host")
	script, err := base64.StdEncoding.DecodeString(lt.String("userData"))
	require.NoError(t, err)
	assert.LessOrEqual(t, len(script), vpnserver.MaxUserDataBytes, "EC2 limits user data to 16 KB before encoding")
	eip := p.Require(t, "aws:ec2/eip:Eip", "vpn")
	assert.Contains(t, string(script), eip.Output("allocationId").(string), "the instance associates its own address")

	asg := p.Require(t, "aws:autoscaling/group:Group", "vpn")
	assert.Equal(t, 1, asg.Int("minSize"))
	assert.Equal(t, 1, asg.Int("maxSize"))
	assert.Len(t, asg.List("vpcZoneIdentifiers"), 2, "replaced in either zone")
	assert.Equal(t, "EC2", asg.String("healthCheckType"))
	assert.Equal(t, lt.ID, asg.String("launchTemplate.id"))

	rec := p.Require(t, "aws:route53/record:Record", "vpn")
	assert.Equal(t, "vpn.example.com", rec.String("name"))
	assert.Equal(t, []string{eip.Output("publicIp").(string)}, rec.Strings("records"))
}

// TestRootVolumeKeyAdmitsTheGroupsServiceLinkedRole: Auto Scaling launches
// the encrypted root volume with the group's service-linked role, which has
// no access to customer managed keys unless the key's policy names it; the
// role is the server's own (custom suffix), created before the key whose
// policy reads its ARN.
// Source: https://docs.aws.amazon.com/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html
func TestRootVolumeKeyAdmitsTheGroupsServiceLinkedRole(t *testing.T) {
	p := mustRun(t, serverArgs())
	slr := p.Require(t, "aws:iam/serviceLinkedRole:ServiceLinkedRole", "vpn-autoscaling")
	assert.Equal(t, vpnserver.AutoScalingService, slr.String("awsServiceName"))
	assert.Equal(t, "vpn", slr.String("customSuffix"), "a role of its own: never the account's default one")
	roleARN := slr.Output("arn").(string)
	assert.Equal(t, "arn:aws:iam::"+offline.UnitAccount+":role/aws-service-role/autoscaling.amazonaws.com/"+vpnserver.ScalingRoleName("vpn"), roleARN)

	asg := p.Require(t, "aws:autoscaling/group:Group", "vpn")
	assert.Equal(t, roleARN, asg.String("serviceLinkedRoleArn"), "the group launches with that role")

	key := p.Require(t, "aws:kms/key:Key", "vpn")
	assert.Contains(t, key.DependsOn, slr.URN, "KMS refuses a policy naming a role that does not exist yet")
	st := key.Statements(t, "policy")
	use := st["AutoScalingUsesTheKeyForTheRootVolume"]
	assert.Equal(t, []string{roleARN}, offline.Strings(use["Principal"].(map[string]any)["AWS"]))
	assert.ElementsMatch(t, []string{"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"}, offline.Strings(use["Action"]))
	grant := st["AutoScalingAttachesTheRootVolume"]
	assert.Equal(t, []string{roleARN}, offline.Strings(grant["Principal"].(map[string]any)["AWS"]))
	assert.Equal(t, []string{"kms:CreateGrant"}, offline.Strings(grant["Action"]))
	assert.Equal(t, []any{"true"}, offline.Condition(grant, "Bool", "kms:GrantIsForAWSResource"), "grants for the volumes only")
	// The key keeps its other uses.
	assert.Contains(t, st, "AccountThroughS3")
	assert.Contains(t, st, "CloudWatchLogsOfThisAccount")
}

func TestLongestNameFitsTheServiceLinkedRole(t *testing.T) {
	assert.Len(t, vpnserver.ScalingRoleName(strings.Repeat("a", vpnserver.MaxNameLength)), 64, "IAM's role name limit")
	args := serverArgs()
	_, err := offline.RunComponent(func(ctx *pulumi.Context, p *aws.Provider) error {
		_, err := vpnserver.NewVpnServer(ctx, strings.Repeat("a", vpnserver.MaxNameLength+1), args, pulumi.Provider(p))
		return err
	})
	require.Error(t, err, "a name whose service-linked role IAM would refuse")
}

func TestRoleDoesOnlyTheServersWork(t *testing.T) {
	p := mustRun(t, serverArgs())
	eip := p.Require(t, "aws:ec2/eip:Eip", "vpn")
	bucket := p.Require(t, "aws:s3/bucketV2:BucketV2", "vpn-pki")
	key := p.Require(t, "aws:kms/key:Key", "vpn")
	st := p.Require(t, "aws:iam/rolePolicy:RolePolicy", "vpn-instance").Statements(t, "policy")
	assert.Equal(t, []string{"arn:aws:ec2:us-west-2:" + offline.UnitAccount + ":elastic-ip/" + eip.Output("allocationId").(string)}, offline.Strings(st["AssociateItsOwnAddress"]["Resource"]))
	assert.Equal(t, []any{"vpn"}, offline.Condition(st["WithAnInstanceOfThisServer"], "StringEquals", "aws:ResourceTag/refarch:vpn-server"))
	arn := bucket.Output("arn").(string)
	assert.ElementsMatch(t, []string{arn + "/pki/*", arn + "/profiles/*"}, offline.Strings(st["PKIAndProfilesOnly"]["Resource"]))
	assert.Equal(t, []string{key.Output("arn").(string)}, offline.Strings(st["ItsKeyOnly"]["Resource"]))
	for sid, s := range st {
		for _, r := range offline.Strings(s["Resource"]) {
			if r == "*" {
				assert.Equal(t, []string{"ec2:DescribeAddresses"}, offline.Strings(s["Action"]), "%s: only describing is unscoped", sid)
			}
		}
	}
	var managed []string
	for _, a := range p.ByType("aws:iam/rolePolicyAttachment:RolePolicyAttachment") {
		managed = append(managed, a.String("policyArn"))
	}
	assert.ElementsMatch(t, []string{"arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore", baseline}, managed)
}

func TestPKIBucketIsPrivateEncryptedVersionedAndAlwaysProtected(t *testing.T) {
	p := mustRun(t, serverArgs()) // Protect is false: the PKI is protected anyway
	bucket := p.Require(t, "aws:s3/bucketV2:BucketV2", "vpn-pki")
	key := p.Require(t, "aws:kms/key:Key", "vpn")
	for _, r := range []*offline.Resource{bucket, key} {
		assert.True(t, r.Protect, r.Name)
		assert.True(t, r.RetainOnDelete, r.Name)
	}
	assert.Equal(t, "Enabled", p.Require(t, "aws:s3/bucketVersioningV2:BucketVersioningV2", "vpn-pki").String("versioningConfiguration.status"))
	sse := p.Require(t, "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", "vpn-pki")
	assert.Equal(t, "aws:kms", sse.String("rules[0].applyServerSideEncryptionByDefault.sseAlgorithm"))
	assert.Equal(t, key.Output("arn"), sse.Get("rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId"))
	pab := p.Require(t, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "vpn-pki")
	for _, f := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
		assert.True(t, pab.Bool(f), f)
	}
	deny := p.Require(t, "aws:s3/bucketPolicy:BucketPolicy", "vpn-pki").Statements(t, "policy")["DenyWithoutTLS"]
	assert.Equal(t, "Deny", deny["Effect"])
	assert.Equal(t, []any{"false"}, offline.Condition(deny, "Bool", "aws:SecureTransport"))
	life := p.Require(t, "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2", "vpn-pki")
	require.Len(t, life.List("rules"), 1, "only old profile versions expire, never the PKI's")
	assert.Equal(t, "profiles/", life.String("rules[0].filter.prefix"))
	assert.Equal(t, 7, life.Int("rules[0].noncurrentVersionExpiration.noncurrentDays"))
	assert.False(t, life.Has("rules[0].expiration"), "current objects never expire")
	group := p.Require(t, "aws:cloudwatch/logGroup:LogGroup", "vpn")
	assert.Equal(t, key.Output("arn"), group.Get("kmsKeyId"))
	assert.Equal(t, 365, group.Int("retentionInDays"))
}

func TestProfileDocumentsAreCommandDocuments(t *testing.T) {
	p := mustRun(t, serverArgs())
	for _, name := range []string{"refarch-vpn-issue-profile", "refarch-vpn-revoke-profile"} {
		doc := p.Require(t, "aws:ssm/document:Document", "vpn-"+name)
		assert.Equal(t, name, doc.String("name"))
		assert.Equal(t, "Command", doc.String("documentType"))
		content, err := doc.JSON("content")
		require.NoError(t, err)
		pattern, _ := offline.Lookup(content, "parameters.UserName.allowedPattern")
		assert.Equal(t, vpnserver.UserNamePattern, pattern)
		bucket := p.Require(t, "aws:s3/bucketV2:BucketV2", "vpn-pki").Output("bucket").(string)
		assert.True(t, strings.Contains(doc.String("content"), bucket), "%s writes to the PKI bucket", name)
	}
}

func TestBadArgsRegisterNothing(t *testing.T) {
	cases := []struct {
		name        string
		edit        func(a *vpnserver.VpnServerArgs)
		field, rule string
	}{
		{"one subnet", func(a *vpnserver.VpnServerArgs) { a.SubnetCount = 1 }, "Args.SubnetIDs", "two zones"},
		{"bad allowed block", func(a *vpnserver.VpnServerArgs) { a.AllowedCIDRs = []string{"10.0.0.0/33"} }, "Args.AllowedCIDRs[0]", ""},
		{"no allowed block", func(a *vpnserver.VpnServerArgs) { a.AllowedCIDRs = []string{} }, "Args.AllowedCIDRs", "at least one"},
		{"client pool too large", func(a *vpnserver.VpnServerArgs) { a.ClientCIDR = "172.16.0.0/12" }, "Args.ClientCIDR", "/16 to /28"},
		{"route over the pool", func(a *vpnserver.VpnServerArgs) { a.Routes = []string{"172.16.0.0/16"} }, "Args.Routes[0]", "overlaps Args.ClientCIDR"},
		{"unsupported family", func(a *vpnserver.VpnServerArgs) { a.InstanceType = "p5.48xlarge" }, "Args.InstanceType", "family among"},
		{"no zone", func(a *vpnserver.VpnServerArgs) { a.ZoneID = nil }, "Args.ZoneID", "required"},
		{"user data over 16 KB", func(a *vpnserver.VpnServerArgs) {
			for i := range 250 {
				a.Routes = append(a.Routes, fmt.Sprintf("10.100.%d.0/24", i))
			}
		}, "Args.Routes", "EC2 limits user data to 16384 bytes"},
		{"bad name", func(a *vpnserver.VpnServerArgs) { a.RecordName = "vpn..example.com" }, "Args.RecordName", ""},
		{"no key administrator", func(a *vpnserver.VpnServerArgs) { a.KeyAdministrators = nil }, "Args.KeyAdministrators", "at least one"},
		{"dotted bucket", func(a *vpnserver.VpnServerArgs) { a.BucketName = "vpn.pki.example" }, "Args.BucketName", "dots"},
		{"reserved bucket prefix", func(a *vpnserver.VpnServerArgs) { a.BucketName = "xn--vpn-pki" }, "Args.BucketName", "S3 reserves"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := serverArgs()
			tc.edit(args)
			p, err := run(t, args)
			offline.RequireRefused(t, p, err, "refarch:vpnserver:VpnServer", tc.field, tc.rule)
		})
	}
}

func TestArchitectureFollowsTheFamily(t *testing.T) {
	for typ, arch := range map[string]string{"t4g.small": "arm64", "c7g.large": "arm64", "t3.micro": "x86_64", "m7i.large": "x86_64"} {
		assert.Empty(t, vpnserver.CheckInstanceType(typ), typ)
		assert.Equal(t, arch, vpnserver.Architecture(typ), typ)
	}
	for _, typ := range []string{"t4g", "x1.large", "", ".small"} {
		assert.NotEmpty(t, vpnserver.CheckInstanceType(typ), typ)
	}
}
