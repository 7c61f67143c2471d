package policies

import (
	"encoding/base64"
	"strings"

	"github.com/refarch/refarch/offline"
)

// netProvider is an aws provider record of a stack acting in account and
// region.
func netProvider(stack, name, account, region string) *offline.Resource {
	return &offline.Resource{
		URN: "urn:pulumi:" + stack + "::refarch::pulumi:providers:aws::" + name, Type: "pulumi:providers:aws", Name: name,
		ID: name + "-id", Custom: true, Inputs: in{"allowedAccountIds": []any{account}, "region": region},
	}
}

// netVia makes r use provider p.
func netVia(p, r *offline.Resource) *offline.Resource {
	r.Provider = p.URN + "::" + p.ID
	return r
}

// netAfter adds deps to r's dependencies.
func netAfter(r *offline.Resource, deps ...*offline.Resource) *offline.Resource {
	for _, d := range deps {
		r.DependsOn = append(r.DependsOn, d.URN)
	}
	return r
}

// netOutputs sets r's mocked outputs.
func netOutputs(r *offline.Resource, outputs in) *offline.Resource {
	r.Outputs = outputs
	return r
}

// netAwsxVpc is an awsx VPC record of account (through provider p).
func netAwsxVpc(p *offline.Resource, name, cidr, id string, dns bool) *offline.Resource {
	v := res(typeAwsxVpc, name, in{"cidrBlock": cidr, "enableDnsHostnames": dns, "enableDnsSupport": true})
	v.ID, v.Custom, v.Provider = "", false, ""
	v.Providers = map[string]string{"aws": p.URN + "::" + p.ID}
	v.Outputs = in{"vpcId": id}
	return v
}

// awsNetworkCases are the compliant and violating records of awsNetworkRules.
func awsNetworkCases() map[string]ruleCase {
	const (
		mgmtAccount = "222222222222"
		devAccount  = "333333333333"
		region      = "us-west-2"
		keyARN      = "arn:aws:kms:us-west-2:555555555555:key/k1"
		slrARN      = "arn:aws:iam::555555555555:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling_vpn"
	)
	cases := map[string]ruleCase{}

	// The VPN server's launch: a group, its template, the key of its root
	// volume and the service-linked role it launches with.
	admin := `{"Sid":"KeyAdministration","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::555555555555:role/deploy"},"Action":["kms:Put*"],"Resource":"*"}`
	useBy := func(role string) string {
		return `{"Sid":"Use","Effect":"Allow","Principal":{"AWS":["` + role + `"]},"Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*","kms:DescribeKey"],"Resource":"*"}`
	}
	grantBy := `{"Sid":"Grant","Effect":"Allow","Principal":{"AWS":["` + slrARN + `"]},"Action":["kms:CreateGrant"],"Resource":"*","Condition":{"Bool":{"kms:GrantIsForAWSResource":"true"}}}`
	viaEC2 := `{"Sid":"AccountThroughEC2","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::555555555555:root"},"Action":["kms:Decrypt","kms:CreateGrant"],"Resource":"*","Condition":{"StringEquals":{"kms:ViaService":"ec2.us-west-2.amazonaws.com"}}}`
	launch := func(name, policyDoc, role string) []*offline.Resource {
		slr := netOutputs(res(netTypeServiceLinkedRole, name+"-autoscaling", in{"awsServiceName": "autoscaling.amazonaws.com", "customSuffix": "vpn"}), in{"arn": slrARN})
		key := netOutputs(res(typeKey, name, in{"policy": policyDoc}), in{"arn": keyARN + name})
		lt := res(typeLaunchTemplate, name, in{"blockDeviceMappings": []any{in{"ebs": in{"encrypted": "true", "kmsKeyId": keyARN + name}}}})
		g := in{"launchTemplate": in{"id": lt.ID}, "minSize": 1}
		if role != "" {
			g["serviceLinkedRoleArn"] = role
		}
		return one(slr, netAfter(key, slr), lt, res(typeAutoScaling, name, g))
	}
	cases["asg-ebs-key-admits-autoscaling-service-linked-role"] = ruleCase{
		good: launch("vpn", policy(admin, useBy(slrARN), grantBy), slrARN),
		// An account root through EC2 does not reach the service-linked
		// role; a group launching with the default role is not the role
		// the key names.
		bad: cat(launch("vpn", policy(admin, viaEC2), slrARN),
			launch("default", policy(admin, useBy(slrARN), grantBy), "")),
	}
	ordered := launch("vpn", policy(admin, useBy(slrARN), grantBy), slrARN)
	unordered := launch("vpn", policy(admin, useBy(slrARN), grantBy), slrARN)
	unordered[1].DependsOn = nil
	cases["kms-key-policy-service-linked-role-created-first"] = ruleCase{
		good: ordered,
		// Not ordered after its role; and naming the default role, which
		// no resource of the stack creates.
		bad: cat(unordered, one(res(typeKey, "other", in{"policy": policy(admin,
			useBy("arn:aws:iam::555555555555:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"))}))),
	}

	// An application stack (dev) peered with the management VPC of
	// shared-services: the connection is requested through shared-services'
	// provider and accepted with dev's.
	devP := netProvider("dev", "aws-dev", devAccount, region)
	mgmtP := netProvider("dev", "aws-dev-shared-services", mgmtAccount, region)
	peering := func(name string, autoAccept bool, accepterProvider *offline.Resource) (conn, acc *offline.Resource) {
		conn = netVia(mgmtP, res(netTypePeering, name, in{"vpcId": "vpc-mgmt", "peerVpcId": "vpc-dev", "peerOwnerId": devAccount, "peerRegion": region, "autoAccept": autoAccept}))
		conn.ID = "pcx-" + name
		acc = netVia(accepterProvider, res(netTypeAccepter, name, in{"vpcPeeringConnectionId": conn.ID, "autoAccept": true}))
		return conn, acc
	}
	conn, acc := peering("mgmt-dev", false, devP)
	operators := func(deps ...*offline.Resource) *offline.Resource {
		return netAfter(netVia(devP, res(typeIngressRule, "db-operators", in{"securityGroupId": "sg-db", "referencedSecurityGroupId": mgmtAccount + "/sg-0vpn", "ipProtocol": "tcp", "fromPort": 5432, "toPort": 5432})), deps...)
	}
	cases["sg-cross-account-reference-after-peering-accepted"] = ruleCase{
		stack: "dev",
		good:  one(devP, mgmtP, conn, acc, operators(acc)),
		bad:   one(devP, mgmtP, conn, acc, operators()),
	}

	// shared-services holds the VPN server's group, in us-west-2 (or, in
	// the violating deployment, elsewhere).
	mgmtStack := func(region string) []*offline.Resource {
		p := netProvider("shared-services", "aws-shared-services", mgmtAccount, region)
		return one(p, netVia(p, res(typeSecurityGroup, "refarch-vpn", in{"vpcId": "vpc-mgmt"})))
	}
	cases["sg-cross-account-reference-format-same-region"] = ruleCase{
		stack: "dev",
		good:  one(devP, operators()),
		bad: one(devP, operators(),
			netVia(devP, res(typeIngressRule, "lb-operators", in{"securityGroupId": "sg-lb", "referencedSecurityGroupId": "sg-0vpn/" + mgmtAccount}))),
		peers:    map[string][]*offline.Resource{"shared-services": mgmtStack(region)},
		badPeers: map[string][]*offline.Resource{"shared-services": mgmtStack("eu-west-1")},
	}
	mgmtVpc := func(cidr string) []*offline.Resource {
		p := netProvider("shared-services", "aws-shared-services", mgmtAccount, region)
		return one(p, netAwsxVpc(p, "mgmt", cidr, "vpc-mgmt", true))
	}
	cases["vpc-peering-cidrs-disjoint"] = ruleCase{
		stack:    "dev",
		good:     one(devP, mgmtP, conn, acc, netAwsxVpc(devP, "dev", "10.10.0.0/16", "vpc-dev", true)),
		bad:      one(devP, mgmtP, conn, acc, netAwsxVpc(devP, "dev", "10.10.0.0/16", "vpc-dev", true)),
		peers:    map[string][]*offline.Resource{"shared-services": mgmtVpc("10.0.0.0/16")},
		badPeers: map[string][]*offline.Resource{"shared-services": mgmtVpc("10.0.0.0/12")},
	}
	autoConn, autoAcc := peering("auto", true, devP)
	strayConn, strayAcc := peering("stray", false, mgmtP) // accepted by the requester's own account
	cases["vpc-peering-accepted-by-peer-owner"] = ruleCase{
		stack: "dev",
		good:  one(devP, mgmtP, conn, acc),
		bad:   one(devP, mgmtP, autoConn, autoAcc, strayConn, strayAcc),
	}
	route := func(deps ...*offline.Resource) *offline.Resource {
		return netAfter(netVia(mgmtP, res(typeRoute, "mgmt-dev-requester-1", in{"routeTableId": "rtb-1", "destinationCidrBlock": "10.10.0.0/16", "vpcPeeringConnectionId": conn.ID})), deps...)
	}
	cases["vpc-peering-routes-after-accepter"] = ruleCase{
		stack: "dev",
		good:  one(devP, mgmtP, conn, acc, route(acc)),
		bad:   one(devP, mgmtP, conn, acc, route(conn)),
	}

	// Interface endpoints in the VPC they resolve privately in.
	net := component("refarch:network:Network", "dev")
	endpoint := func(vpc *offline.Resource) []*offline.Resource {
		vpc.Parent = net.URN
		e := under(net, res(typeVpcEndpoint, "dev-ecr-api", in{"vpcId": "vpc-dev", "vpcEndpointType": "Interface", "privateDnsEnabled": true}))
		return one(net, vpc, e)
	}
	cases["interface-endpoint-private-dns-needs-vpc-dns-attributes"] = ruleCase{
		good: endpoint(netAwsxVpc(devP, "dev", "10.10.0.0/16", "vpc-dev", true)),
		bad:  endpoint(netAwsxVpc(devP, "dev", "10.10.0.0/16", "vpc-dev", false)), // awsx's default: no DNS hostnames
	}

	script := func(n int) string {
		return base64.StdEncoding.EncodeToString([]byte("#!/bin/bash\n" + strings.Repeat("#", n)))
	}
	cases["launch-user-data-16kb"] = ruleCase{
		// 17 KB of base64 text from 13 KB of script: the limit is before encoding.
		good: one(res(typeLaunchTemplate, "vpn", in{"userData": script(13 * 1024)})),
		bad: one(res(typeLaunchTemplate, "vpn", in{"userData": script(16 * 1024)}),
			res(typeLaunchTemplate, "raw", in{"userData": "#!/bin/bash\necho not encoded"})),
	}

	flowLogs := func(name, trusted string, actions ...string) []*offline.Resource {
		physical := name + "-1234567"
		roleARN := "arn:aws:iam::222222222222:role/" + physical
		role := netOutputs(res(typeRole, name, in{"assumeRolePolicy": policy(`{"Effect":"Allow","Principal":{"Service":"` + trusted + `"},"Action":"sts:AssumeRole"}`)}),
			in{"arn": roleARN, "name": physical})
		quoted := make([]string, len(actions))
		for i, a := range actions {
			quoted[i] = `"` + a + `"`
		}
		write := res(typeRolePolicy, name, in{"role": physical,
			"policy": policy(`{"Effect":"Allow","Action":[` + strings.Join(quoted, ",") + `],"Resource":"arn:aws:logs:us-west-2:222222222222:log-group:/vpc/mgmt:*"}`)})
		return one(role, write, res(typeFlowLog, name, in{"logDestinationType": "cloud-watch-logs", "iamRoleArn": roleARN, "trafficType": "ALL"}))
	}
	cases["flow-log-role-delivers-to-cloudwatch-logs"] = ruleCase{
		good: flowLogs("mgmt-flow-logs", "vpc-flow-logs.amazonaws.com", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"),
		// A role EC2 may assume, and one that may not write events.
		bad: cat(flowLogs("ec2-trusted", "ec2.amazonaws.com", "logs:CreateLogStream", "logs:PutLogEvents"),
			flowLogs("read-only", "vpc-flow-logs.amazonaws.com", "logs:DescribeLogGroups")),
	}

	// dev's private zone, associated with the management VPC through
	// shared-services' provider once dev authorized it.
	zone := netVia(devP, res(netTypeZone, "private-zone", in{"name": "internal.dev.example.com"}))
	zone.ID = "Z0PRIVATE"
	auth := netVia(devP, res(netTypeZoneAuthorization, "private-zone-mgmt", in{"zoneId": "Z0PRIVATE", "vpcId": "vpc-mgmt", "vpcRegion": region}))
	association := func(deps ...*offline.Resource) *offline.Resource {
		return netAfter(netVia(mgmtP, res(netTypeZoneAssociation, "private-zone-mgmt", in{"zoneId": "Z0PRIVATE", "vpcId": "vpc-mgmt", "vpcRegion": region})), deps...)
	}
	cases["route53-cross-account-zone-association-after-authorization"] = ruleCase{
		stack: "dev",
		good:  one(devP, mgmtP, zone, auth, association(auth)),
		bad:   one(devP, mgmtP, zone, auth, association(zone)),
	}
	return cases
}
