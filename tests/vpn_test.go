package tests

import (
	"encoding/base64"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/stacks/networkpart"
	"github.com/refarch/refarch/stacks/vpnpart"
)

// vpnGroupRef is how the application stacks name the VPN server's group
// across the peering: the shared-services account, then the group id that
// offline/stackrefs serves for shared-services.
func vpnGroupRef(t testing.TB) string {
	t.Helper()
	return accountOf(t)["shared-services"] + "/" + rootZone(t)[vpnpart.OutputVpnSecurityGroupID].(string)
}

func TestVpnServerIsTheOnlyWorldOpenIngressOfSharedServices(t *testing.T) {
	p := plan(t, "shared-services")
	servers := p.ByType("refarch:vpnserver:VpnServer")
	require.Len(t, servers, 1)
	for _, r := range p.ByType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") {
		if r.String("cidrIpv4") == "0.0.0.0/0" {
			assert.Equal(t, "udp", r.String("ipProtocol"), r.Name)
			assert.Equal(t, 1194, r.Int("fromPort"), r.Name)
			assert.Equal(t, 1194, r.Int("toPort"), r.Name)
		}
	}
	lt := p.Require(t, "aws:ec2/launchTemplate:LaunchTemplate", "refarch-vpn")
	assert.Equal(t, "required", lt.String("metadataOptions.httpTokens"))
	assert.Equal(t, "true", lt.String("blockDeviceMappings[0].ebs.encrypted"))
	assert.False(t, lt.Has("keyName"))
	asg := p.Require(t, "aws:autoscaling/group:Group", "refarch-vpn")
	assert.Equal(t, 1, asg.Int("minSize"))
	assert.Equal(t, 1, asg.Int("maxSize"))
	assert.GreaterOrEqual(t, len(asg.List("vpcZoneIdentifiers")), 2)
	assert.Equal(t, "vpn."+domainOf(t), p.Require(t, "aws:route53/record:Record", "refarch-vpn").String("name"))

	// Routes for the management VPC and every application VPC of the directory.
	var routes []string
	for _, r := range p.ByType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule") {
		if strings.HasPrefix(r.Name, "refarch-vpn-route-") {
			routes = append(routes, r.String("cidrIpv4"))
		}
	}
	assert.ElementsMatch(t, []string{"10.0.0.0/16", "10.10.0.0/16", "10.20.0.0/16", "10.30.0.0/16"}, routes)
	// The boot script pushes exactly those routes, the VPC resolver and the
	// private zones of the application stacks.
	script, err := base64.StdEncoding.DecodeString(lt.String("userData"))
	require.NoError(t, err)
	domain := domainOf(t)
	for _, line := range []string{
		`push "route 10.0.0.0 255.255.0.0"`, `push "route 10.10.0.0 255.255.0.0"`,
		`push "route 10.20.0.0 255.255.0.0"`, `push "route 10.30.0.0 255.255.0.0"`,
		`push "dhcp-option DNS 10.0.0.2"`,
		`push "dhcp-option DOMAIN-SEARCH internal.dev.` + domain + `"`,
		`push "dhcp-option DOMAIN-SEARCH internal.stage.` + domain + `"`,
		`push "dhcp-option DOMAIN-SEARCH internal.prod.` + domain + `"`,
		"server 172.16.0.0 255.255.252.0",
	} {
		assert.Contains(t, string(script), line)
	}
	bucket := p.Require(t, "aws:s3/bucketV2:BucketV2", "refarch-vpn-pki")
	assert.True(t, bucket.Protect, "the PKI survives every pulumi up and destroy")

	// The host's alarms watch its group and notify shared-services' topic.
	topic := p.ByType("aws:sns/topic:Topic")[0].Output("arn")
	for _, kind := range []string{"status-check", "cpu", "network-out"} {
		alarm := p.Require(t, "aws:cloudwatch/metricAlarm:MetricAlarm", "refarch-shared-services-vpn-"+kind)
		assert.Equal(t, asg.Output("name"), alarm.Get("dimensions.AutoScalingGroupName"), kind)
		assert.Equal(t, []any{topic}, alarm.List("alarmActions"), kind)
	}
}

func TestApplicationStacksAdmitTheVpnGroupNotTheManagementBlock(t *testing.T) {
	for _, name := range []string{"dev", "stage", "prod"} {
		t.Run(name, func(t *testing.T) {
			p := plan(t, name)
			vpnGroup := vpnGroupRef(t)
			lb := p.Find("refarch:loadbalancer:LoadBalancer", name+"-internal")
			require.NotNil(t, lb)
			var fromVPN int
			for _, r := range p.Descendants(lb) {
				if r.Type != "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" {
					continue
				}
				assert.NotEqual(t, "10.0.0.0/16", r.String("cidrIpv4"), "%s: not the whole management VPC", r.Name)
				if r.String("referencedSecurityGroupId") == vpnGroup {
					fromVPN++
				}
			}
			assert.Equal(t, 1, fromVPN, "the internal load balancer admits the VPN server's group on 443")
			db := p.ByType("refarch:postgres:Postgres")
			require.Len(t, db, 1)
			var dbFromVPN int
			for _, r := range p.Descendants(db[0]) {
				if r.Type == "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" {
					assert.NotEqual(t, "10.0.0.0/16", r.String("cidrIpv4"), r.Name)
					if r.String("referencedSecurityGroupId") == vpnGroup {
						dbFromVPN++
					}
				}
			}
			assert.LessOrEqual(t, dbFromVPN, 1)

			// EC2 resolves the VPN server's group only through an active
			// peering: every rule naming it waits for the acceptance.
			// Source: https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-security-groups.html
			accepter := p.Require(t, "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter", "mgmt-"+name)
			var operators int
			for _, r := range slices.Concat(p.ByType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"), p.ByType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")) {
				if r.String("referencedSecurityGroupId") == vpnGroup {
					operators++
					assert.Contains(t, r.DependsOn, accepter.URN, "%s waits for the accepted peering", r.Name)
				}
			}
			assert.Equal(t, 1+dbFromVPN, operators, "the internal load balancer's and Postgres's rules")

			// The private zone is authorized here and associated from shared-services.
			auth := p.Require(t, "aws:route53/vpcAssociationAuthorization:VpcAssociationAuthorization", "private-zone-mgmt")
			assoc := p.Require(t, "aws:route53/zoneAssociation:ZoneAssociation", "private-zone-mgmt")
			assert.Equal(t, rootZone(t)[networkpart.OutputManagementVpcID], auth.String("vpcId"))
			assert.Equal(t, auth.Output("zoneId"), assoc.Get("zoneId"))
			assert.Equal(t, "aws-"+name, p.ProviderOf(auth).Name, "authorized by the zone's account")
			assert.Equal(t, []string{accountOf(t)["shared-services"]}, p.ProviderOf(assoc).Strings("allowedAccountIds"), "associated by the VPC's account")
		})
	}
}

// TestVpnRootVolumeKeyAdmitsItsAutoScalingRole: the group launches the
// encrypted root volume with the server's own service-linked role, which
// the server's key names (created after it: KMS refuses a policy naming a
// role that does not exist); nothing else changes in the key's uses.
// Source: https://docs.aws.amazon.com/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html
func TestVpnRootVolumeKeyAdmitsItsAutoScalingRole(t *testing.T) {
	p := plan(t, "shared-services")
	slr := p.Require(t, "aws:iam/serviceLinkedRole:ServiceLinkedRole", "refarch-vpn-autoscaling")
	assert.Equal(t, "autoscaling.amazonaws.com", slr.String("awsServiceName"))
	role := "arn:aws:iam::" + accountOf(t)["shared-services"] + ":role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling_refarch-vpn"
	assert.Equal(t, role, slr.Output("arn"))
	asg := p.Require(t, "aws:autoscaling/group:Group", "refarch-vpn")
	assert.Equal(t, role, asg.String("serviceLinkedRoleArn"))
	key := p.Require(t, "aws:kms/key:Key", "refarch-vpn")
	assert.True(t, key.Protect, "the PKI's key stays protected")
	assert.Contains(t, key.DependsOn, slr.URN)
	lt := p.Require(t, "aws:ec2/launchTemplate:LaunchTemplate", "refarch-vpn")
	assert.Equal(t, key.Output("arn"), lt.Get("blockDeviceMappings[0].ebs.kmsKeyId"))
	st := key.Statements(t, "policy")
	for _, sid := range []string{"AutoScalingUsesTheKeyForTheRootVolume", "AutoScalingAttachesTheRootVolume"} {
		require.Contains(t, st, sid)
		assert.Equal(t, []string{role}, offline.Strings(st[sid]["Principal"].(map[string]any)["AWS"]), sid)
	}
	assert.Equal(t, []any{"true"}, offline.Condition(st["AutoScalingAttachesTheRootVolume"], "Bool", "kms:GrantIsForAWSResource"))
}

func TestVpnConfigRejectsBadValues(t *testing.T) {
	cases := []struct {
		name      string
		set       map[string]string
		key, rule string
	}{
		{"bad allowed block", map[string]string{"refarch:vpnAllowedCidrs": `["203.0.113.0/33"]`}, "refarch:vpnAllowedCidrs[0]", ""},
		{"no allowed block", map[string]string{"refarch:vpnAllowedCidrs": `[]`}, "refarch:vpnAllowedCidrs", "at least one"},
		{"unsupported instance", map[string]string{"refarch:vpnInstanceType": "p5.48xlarge"}, "refarch:vpnInstanceType", "family among"},
		{"pool overlapping a VPC", map[string]string{"refarch:vpnClientCidr": "10.20.0.0/22"}, "refarch:vpnClientCidr", "overlaps"},
		{"no domain", map[string]string{"refarch:domain": ""}, "refarch:domain", "vpn.<domain>"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rejects(t, "shared-services", tc.set, tc.key, tc.rule)
		})
	}
}

// TestOnlyVpnPersonasRunTheProfileDocumentsAndReadTheirOwnProfile checks
// the VPN rights in shared-services: full-access and ops may run the two
// documents on the VPN server only and read the profile named by their
// session's source identity, which the persona roles accept only as the
// user's own name; no other persona, and no other account, gets them.
func TestOnlyVpnPersonasRunTheProfileDocumentsAndReadTheirOwnProfile(t *testing.T) {
	shared := accountOf(t)["shared-services"]
	for _, name := range []string{"security", "shared-services", "dev", "stage", "prod"} {
		p := plan(t, name)
		for _, persona := range []string{"full-access", "read-only", "developers", "billing", "ops"} {
			inline := p.Find("aws:iam/rolePolicy:RolePolicy", "refarch-"+name+"-refarch-"+persona+"-inline")
			if name != "shared-services" || (persona != "full-access" && persona != "ops") {
				assert.Nil(t, inline, "%s %s has no VPN rights", name, persona)
				continue
			}
			require.NotNil(t, inline, "%s %s", name, persona)
			st := inline.Statements(t, "policy")
			assert.ElementsMatch(t, []string{
				"arn:aws:ssm:us-west-2:" + shared + ":document/refarch-vpn-issue-profile",
				"arn:aws:ssm:us-west-2:" + shared + ":document/refarch-vpn-revoke-profile",
			}, offline.Strings(st["RunTheProfileDocuments"]["Resource"]))
			assert.Equal(t, []any{"refarch-vpn"}, offline.Condition(st["OnTheVpnServerOnly"], "StringEquals", "ssm:resourceTag/refarch:vpn-server"))
			assert.Equal(t, []string{"arn:aws:s3:::refarch-vpn-pki-" + shared + "/profiles/${aws:SourceIdentity}.ovpn"}, offline.Strings(st["ReadOwnProfile"]["Resource"]))
			assert.Equal(t, []any{"arn:aws:s3:::refarch-vpn-pki-" + shared}, offline.Condition(st["DecryptItThroughS3"], "StringEquals", "kms:EncryptionContext:aws:s3:arn"))
		}
	}
	bucket := plan(t, "shared-services").Require(t, "aws:s3/bucketV2:BucketV2", "refarch-vpn-pki")
	assert.Equal(t, "refarch-vpn-pki-"+shared, bucket.String("bucket"), "the bucket the VPN rights name")
}
