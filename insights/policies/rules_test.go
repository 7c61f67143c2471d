package policies

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/offline"
)

// in is a shorthand for a record's inputs.
type in = map[string]any

const testProvider = "urn:pulumi:prod::refarch::pulumi:providers:aws::aws-prod::04da6b54"

// res is a hand-made record: a cloud resource through an explicit provider.
// Its inputs go through JSON, so they hold what real records hold (numbers
// as float64, lists as []any).
func res(typ, name string, inputs in) *offline.Resource {
	b, err := json.Marshal(inputs)
	if err != nil {
		panic(err)
	}
	var plain in
	if err := json.Unmarshal(b, &plain); err != nil {
		panic(err)
	}
	return &offline.Resource{
		URN: "urn:pulumi:prod::refarch::" + typ + "::" + name, Type: typ, Name: name, ID: name + "-id",
		Custom: true, Provider: testProvider, Inputs: plain,
	}
}

// under sets r's parent.
func under(parent, r *offline.Resource) *offline.Resource {
	r.Parent = parent.URN
	return r
}

func protect(r *offline.Resource) *offline.Resource {
	r.Protect = true
	return r
}

// policy is a JSON policy document of the given statements.
func policy(statements ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`
}

// component is a component record of type typ.
func component(typ, name string) *offline.Resource {
	return &offline.Resource{URN: "urn:pulumi:prod::refarch::" + typ + "::" + name, Type: typ, Name: name, Inputs: in{}}
}

// bucketWith is a bucket named name and its companions (same logical name,
// `bucket` input naming it), as the components create them.
func bucketWith(name string, companions ...*offline.Resource) []*offline.Resource {
	b := res(typeBucket, name, in{})
	b.ID = name + "-1234567"
	out := []*offline.Resource{b}
	for _, c := range companions {
		c.Name = name
		c.URN = "urn:pulumi:prod::refarch::" + c.Type + "::" + name
		c.Inputs["bucket"] = b.ID
		out = append(out, c)
	}
	return out
}

func pab(all bool) *offline.Resource {
	return res(typeBucketPAB, "", in{"blockPublicAcls": true, "blockPublicPolicy": true, "ignorePublicAcls": all, "restrictPublicBuckets": true})
}

func cat(groups ...[]*offline.Resource) []*offline.Resource {
	var out []*offline.Resource
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

func one(rs ...*offline.Resource) []*offline.Resource { return rs }

// monitorCase is a trail with its log group, a metric filter with pattern
// and an alarm with an action on the filter's metric.
func monitorCase(pattern string, alarmAction bool) []*offline.Resource {
	actions := []any{}
	if alarmAction {
		actions = []any{"arn:aws:sns:us-west-2:555555555555:alerts"}
	}
	return one(
		res(typeTrail, "trail", in{"cloudWatchLogsGroupArn": "arn:aws:logs:us-west-2:555555555555:log-group:/cloudtrail/prod:*"}),
		res(typeMetricFilter, "filter", in{"logGroupName": "/cloudtrail/prod", "pattern": pattern,
			"metricTransformation": in{"name": "m", "namespace": "CIS"}}),
		res(typeMetricAlarm, "alarm", in{"metricName": "m", "namespace": "CIS", "alarmActions": actions}),
	)
}

// ruleCase is one rule's compliant and violating records, and the stack
// they are checked as ("prod" unless said).
type ruleCase struct {
	good, bad []*offline.Resource
	stack     string
	// peers are the records of the other stacks of the deployment, by
	// name, for cross-stack rules: the case's stack and these are linked
	// in deployment order (deploymentOrder). badPeers, when set, replace
	// peers for the violating case.
	peers, badPeers map[string][]*offline.Resource
}

// deploymentOrder is the order of the stacks (stack.Names, which this
// package cannot import).
var deploymentOrder = []string{"management", "security", "shared-services", "dev", "stage", "prod"}

// caseStack is the stack a case's records are checked as, linked with its
// peers in deployment order.
func caseStack(name string, records []*offline.Resource, peers map[string][]*offline.Resource) *Stack {
	own := NewStack(name, records)
	if len(peers) == 0 {
		return own
	}
	var all []*Stack
	for _, n := range deploymentOrder {
		switch {
		case n == name:
			all = append(all, own)
		case peers[n] != nil:
			all = append(all, NewStack(n, peers[n]))
		}
	}
	Deploy(all...)
	return own
}

// The patterns are CIS AWS Foundations Benchmark v3.0.0's section 4
// filters, as the benchmark prints them (abridged where long).
var cisPatterns = map[string]string{
	"unauthorized-api-calls":      `{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }`,
	"console-signin-without-mfa":  `{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }`,
	"root-usage":                  `{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }`,
	"iam-policy-changes":          `{ ($.eventName=DeleteGroupPolicy) || ($.eventName=PutRolePolicy) || ($.eventName=AttachUserPolicy) || ($.eventName=DeletePolicyVersion) }`,
	"cloudtrail-changes":          `{ ($.eventName = CreateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StopLogging) }`,
	"console-auth-failures":       `{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }`,
	"kms-key-disabled-or-deleted": `{ ($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }`,
	"s3-bucket-policy-changes":    `{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketPolicy) || ($.eventName = DeleteBucketPolicy)) }`,
	"config-changes":              `{ ($.eventSource = config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||($.eventName=DeleteDeliveryChannel)) }`,
	"security-group-changes":      `{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = DeleteSecurityGroup) }`,
	"nacl-changes":                `{ ($.eventName = CreateNetworkAcl) || ($.eventName = ReplaceNetworkAclAssociation) }`,
	"network-gateway-changes":     `{ ($.eventName = CreateCustomerGateway) || ($.eventName = AttachInternetGateway) }`,
	"route-table-changes":         `{ ($.eventName = CreateRoute) || ($.eventName = ReplaceRouteTableAssociation) }`,
	"vpc-changes":                 `{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpcPeeringConnection) }`,
}

func ruleCases() map[string]ruleCase {
	vpc := res(typeAwsxVpc, "vpc", in{})
	vpc.ID = ""
	net := component("refarch:network:Network", "net")
	vpc.Parent = net.URN
	vpn := component(typeVpnServer, "vpn")
	lb := func(internal bool, sg string) *offline.Resource {
		return res(typeLoadBalancer, "lb", in{"internal": internal, "loadBalancerType": "application", "securityGroups": []any{sg},
			"subnets": []any{"a", "b"}, "dropInvalidHeaderFields": true, "enableDeletionProtection": true, "desyncMitigationMode": "defensive",
			"accessLogs": in{"enabled": true, "bucket": "logs"}})
	}
	ingress := func(sg, cidr, proto string, from, to int) *offline.Resource {
		return res(typeIngressRule, "in", in{"securityGroupId": sg, "cidrIpv4": cidr, "ipProtocol": proto, "fromPort": from, "toPort": to})
	}
	ingress6 := func(cidr string, port int) *offline.Resource {
		return res(typeIngressRule, "in6", in{"securityGroupId": "sg-1", "cidrIpv6": cidr, "ipProtocol": "tcp", "fromPort": port, "toPort": port})
	}
	lt := func(public bool) *offline.Resource {
		return res(typeLaunchTemplate, "lt", in{"networkInterfaces": []any{in{"associatePublicIpAddress": map[bool]string{true: "true", false: "false"}[public], "securityGroups": []any{"sg-vpn"}}},
			"metadataOptions":     in{"httpTokens": "required", "httpPutResponseHopLimit": 1},
			"blockDeviceMappings": []any{in{"ebs": in{"encrypted": "true"}}}})
	}
	nacl := func(cidr string, from, to int) *offline.Resource {
		return res(typeNetworkACL, "acl", in{"ingress": []any{in{"action": "allow", "cidrBlock": cidr, "protocol": "6", "fromPort": from, "toPort": to, "ruleNo": 100}}})
	}
	allowAll := `{"Sid":"All","Effect":"Allow","Action":"*","Resource":"*"}`
	allowS3 := `{"Sid":"S3","Effect":"Allow","Action":["s3:*"],"Resource":"arn:aws:s3:::b/*"}`
	allowGet := `{"Sid":"Get","Effect":"Allow","Action":["s3:GetObject"],"Resource":"arn:aws:s3:::b/*"}`
	public := `{"Sid":"Public","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}`
	publicWithCondition := `{"Sid":"Cdn","Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"AWS:SourceArn":"arn:aws:cloudfront::1:distribution/E1"}}}`
	denyHTTP := `{"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":["false"]}}}`
	user := res(typeUser, "alice", in{"name": "alice"})
	passwords := func(length, reuse int, symbols bool) *offline.Resource {
		return res(typePasswordPolicy, "pw", in{"minimumPasswordLength": length, "passwordReusePrevention": reuse, "requireUppercaseCharacters": true,
			"requireLowercaseCharacters": true, "requireNumbers": true, "requireSymbols": symbols})
	}
	trust := func(stmt string) *offline.Resource {
		return res(typeRole, "role", in{"assumeRolePolicy": policy(stmt)})
	}
	key := func(rotate bool, window int) *offline.Resource {
		return res(typeKey, "key", in{"enableKeyRotation": rotate, "deletionWindowInDays": window})
	}
	db := func(k string, v any) *offline.Resource {
		i := in{"storageEncrypted": true, "kmsKeyId": "arn:aws:kms:k", "publiclyAccessible": false, "multiAz": true, "deletionProtection": true,
			"skipFinalSnapshot": false, "finalSnapshotIdentifier": "final", "backupRetentionPeriod": 7, "autoMinorVersionUpgrade": true,
			"monitoringInterval": 15, "monitoringRoleArn": "arn:aws:iam::1:role/m", "iamDatabaseAuthenticationEnabled": true, "copyTagsToSnapshot": true,
			"engine": "postgres", "enabledCloudwatchLogsExports": []any{"postgresql", "upgrade"}, "performanceInsightsEnabled": true,
			"performanceInsightsKmsKeyId": "arn:aws:kms:k"}
		i[k] = v
		return protect(res(typeDBInstance, "db", i))
	}
	listener := func(protocol string, action in, policy string) *offline.Resource {
		return res(typeListener, "l", in{"protocol": protocol, "defaultActions": []any{action}, "sslPolicy": policy})
	}
	dist := func(k string, v any) *offline.Resource {
		i := in{"defaultRootObject": "index.html", "webAclId": "arn:aws:wafv2:acl",
			"defaultCacheBehavior": in{"viewerProtocolPolicy": "redirect-to-https", "responseHeadersPolicyId": "h"},
			"loggingConfig":        in{"bucket": "logs-1234567.s3.amazonaws.com"},
			"viewerCertificate":    in{"acmCertificateArn": "arn:aws:acm:c", "sslSupportMethod": "sni-only", "minimumProtocolVersion": "TLSv1.2_2021"},
			"origins": []any{
				in{"domainName": "assets-1234567.s3.us-west-2.amazonaws.com", "originAccessControlId": "oac"},
				in{"domainName": "origin.example.com", "customOriginConfig": in{"originProtocolPolicy": "https-only", "originSslProtocols": []any{"TLSv1.2"}}},
			}}
		i[k] = v
		return res(typeDistribution, "cdn", i)
	}
	containerDefs := func(extra string) string {
		return `[{"name":"app","image":"r/app@sha256:0123","user":"1000:1000","readonlyRootFilesystem":true,` +
			`"environment":[{"name":"LOG_LEVEL"}],"logConfiguration":{"logDriver":"awslogs"}` + extra + `}]`
	}
	task := func(defs string) *offline.Resource {
		return res(typeTaskDefinition, "task", in{"networkMode": "awsvpc", "containerDefinitions": defs})
	}
	service := func(k string, v any) *offline.Resource {
		i := in{"networkConfiguration": in{"assignPublicIp": false}, "enableExecuteCommand": false,
			"deploymentCircuitBreaker": in{"enable": true, "rollback": true}}
		i[k] = v
		return res(typeService, "svc", i)
	}
	repo := func(k string, v any) []*offline.Resource {
		i := in{"imageScanningConfiguration": in{"scanOnPush": true}, "imageTagMutability": "IMMUTABLE",
			"encryptionConfigurations": []any{in{"encryptionType": "KMS"}}}
		i[k] = v
		r := res(typeRepository, "repo", i)
		return one(r, res("aws:ecr/lifecyclePolicy:LifecyclePolicy", "repo", in{"repository": r.ID}))
	}
	fn := func(k string, v any) *offline.Resource {
		i := in{"runtime": "provided.al2023", "deadLetterConfig": in{"targetArn": "arn:aws:sqs:q"}, "loggingConfig": in{"logGroup": "/aws/lambda/f"}}
		i[k] = v
		return res(typeFunction, "fn", i)
	}
	cases := map[string]ruleCase{
		// network
		"vpc-default-security-group-closed": {
			good: one(net, vpc, under(net, res(typeDefaultSG, "default", in{"ingress": []any{}, "egress": []any{}}))),
			bad:  one(net, vpc, under(net, res(typeDefaultSG, "default", in{"ingress": []any{in{"protocol": "-1"}}, "egress": []any{}}))),
		},
		"vpc-flow-logs": {
			good: one(net, vpc, under(net, res(typeFlowLog, "flow", in{"trafficType": "ALL"}))),
			bad:  one(net, vpc),
		},
		"sg-no-admin-ports-from-internet-ipv4": {
			good: one(ingress("sg-1", "10.0.0.0/8", "tcp", 22, 22), ingress("sg-1", anywhere4, "tcp", 443, 443)),
			bad:  one(ingress("sg-1", anywhere4, "tcp", 0, 65535)),
		},
		"sg-no-admin-ports-from-internet-ipv6": {
			good: one(ingress6(anywhere6, 443)),
			bad:  one(ingress6(anywhere6, 3389)),
		},
		"sg-no-high-risk-ports-from-internet": {
			good: one(ingress("sg-1", anywhere4, "tcp", 443, 443), ingress("sg-1", "10.0.0.0/16", "tcp", 5432, 5432)),
			bad:  one(ingress("sg-1", anywhere4, "tcp", 5432, 5432)),
		},
		"sg-internet-ingress-only-where-designed": {
			good: one(lb(false, "sg-lb"), ingress("sg-lb", anywhere4, "tcp", 443, 443),
				vpn, under(vpn, lt(true)), ingress("sg-vpn", anywhere4, "udp", 1194, 1194)),
			bad: one(lb(true, "sg-lb"), ingress("sg-lb", anywhere4, "tcp", 443, 443)),
		},
		"nacl-no-admin-ports-from-internet": {
			good: one(nacl("10.0.0.0/16", 22, 22)),
			bad:  one(nacl(anywhere4, 0, 1024)),
		},
		"vpc-peering-routes-least-access": {
			good: one(res(typeRoute, "r", in{"vpcPeeringConnectionId": "pcx-1", "destinationCidrBlock": "10.0.0.0/16"})),
			bad:  one(res(typeRoute, "r", in{"vpcPeeringConnectionId": "pcx-1", "destinationCidrBlock": anywhere4})),
		},
		"vpc-interface-endpoints-private": {
			good: one(res(typeVpcEndpoint, "e", in{"vpcEndpointType": "Interface", "privateDnsEnabled": true, "securityGroupIds": []any{"sg-1"}})),
			bad:  one(res(typeVpcEndpoint, "e", in{"vpcEndpointType": "Interface", "privateDnsEnabled": false, "securityGroupIds": []any{"sg-1"}})),
		},
		"ec2-launch-template-imdsv2": {
			good: one(lt(false)),
			bad:  one(res(typeLaunchTemplate, "lt", in{"metadataOptions": in{"httpTokens": "optional"}})),
		},
		"ec2-account-imdsv2-default": {
			good: one(res(typeMetadataDefaults, "imds", in{"httpTokens": "required"})),
			bad:  one(res(typeMetadataDefaults, "imds", in{"httpTokens": "optional"})),
		},
		"ec2-launch-template-encrypted-volumes": {
			good: one(lt(false)),
			bad:  one(res(typeLaunchTemplate, "lt", in{"blockDeviceMappings": []any{in{"ebs": in{"encrypted": "false"}}}})),
		},
		"ec2-ebs-encryption-by-default": {
			good: one(res(typeEBSDefault, "ebs", in{"enabled": true})),
			bad:  one(res(typeEBSDefault, "ebs", in{"enabled": false})),
		},
		"ec2-public-ip-only-vpn": {
			good: one(vpn, under(vpn, lt(true)), lt(false)),
			bad:  one(lt(true)),
		},
		"autoscaling-launch-template-multi-az": {
			good: one(res(typeAutoScaling, "asg", in{"launchTemplate": in{"id": "lt-1"}, "vpcZoneIdentifiers": []any{"a", "b"}})),
			bad:  one(res(typeAutoScaling, "asg", in{"launchTemplate": in{"id": "lt-1"}, "vpcZoneIdentifiers": []any{"a"}})),
		},
		// iam
		"iam-no-full-admin-policies": {
			good: one(res(typeRolePolicy, "p", in{"policy": policy(allowGet)})),
			bad:  one(res(typeRolePolicy, "p", in{"policy": policy(allowGet, allowAll)})),
		},
		"iam-no-wildcard-service-actions": {
			good: one(res(typeIAMPolicy, "p", in{"policy": policy(allowGet)})),
			bad:  one(res(typeIAMPolicy, "p", in{"policy": policy(allowS3)})),
		},
		"iam-users-permissions-through-groups": {
			good: one(user, res(typeUserGroups, "alice", in{"user": "alice", "groups": []any{"users"}})),
			bad:  one(user, res(typeUserPolicy, "alice", in{"user": "alice", "policy": policy(allowGet)})),
		},
		"iam-no-access-keys-for-users": {
			good: one(user),
			bad:  one(user, res(typeAccessKey, "alice", in{"user": "alice"})),
		},
		"iam-password-length":     {good: one(passwords(14, 24, true)), bad: one(passwords(12, 24, true))},
		"iam-password-reuse":      {good: one(passwords(14, 24, true)), bad: one(passwords(14, 5, true))},
		"iam-password-complexity": {good: one(passwords(14, 24, true)), bad: one(passwords(14, 24, false))},
		"iam-groups-require-mfa": {
			good: one(
				res(typeGroupPolicy, "ops", in{"policy": policy(`{"Sid":"Assume","Effect":"Allow","Action":"sts:AssumeRole","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":["true"]}}}`)}),
				res(typeGroupPolicy, "users", in{"policy": policy(`{"Sid":"OwnMFA","Effect":"Allow","Action":"iam:EnableMFADevice","Resource":"*"}`,
					`{"Sid":"DenyElse","Effect":"Deny","NotAction":"iam:EnableMFADevice","Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}`)})),
			bad: one(res(typeGroupPolicy, "ops", in{"policy": policy(`{"Sid":"Assume","Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}`)})),
		},
		"iam-role-trust-scoped": {
			good: one(
				trust(`{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}`),
				trust(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}`)),
			bad: one(trust(`{"Sid":"Any","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}`)),
		},
		"iam-access-analyzer": {good: one(res(typeAccessAnalyzer, "aa", in{})), bad: one(user)},
		// encryption and storage
		"kms-key-rotation":          {good: one(key(true, 30)), bad: one(key(false, 30))},
		"kms-key-deletion-window":   {good: one(key(true, 30)), bad: one(key(true, 7))},
		"kms-key-policy-not-public": {good: one(res(typeKey, "k", in{"policy": policy(allowGet)})), bad: one(res(typeKey, "k", in{"policy": policy(public)}))},
		"s3-bucket-public-access-block": {
			good: bucketWith("b", pab(true)),
			bad:  cat(bucketWith("b", pab(false)), bucketWith("c")),
		},
		"s3-account-public-access-block": {
			good: one(res(typeAccountPAB, "a", in{"blockPublicAcls": true, "blockPublicPolicy": true, "ignorePublicAcls": true, "restrictPublicBuckets": true})),
			bad:  one(res(typeAccountPAB, "a", in{"blockPublicAcls": true, "blockPublicPolicy": false, "ignorePublicAcls": true, "restrictPublicBuckets": true})),
		},
		"s3-deny-insecure-transport": {
			good: bucketWith("b", res(typeBucketPolicy, "", in{"policy": policy(denyHTTP)})),
			bad:  bucketWith("b", res(typeBucketPolicy, "", in{"policy": policy(allowGet)})),
		},
		"s3-bucket-policy-not-public": {
			good: bucketWith("b", res(typeBucketPolicy, "", in{"policy": policy(denyHTTP, publicWithCondition)})),
			bad:  bucketWith("b", res(typeBucketPolicy, "", in{"policy": policy(public)})),
		},
		"s3-default-encryption": {
			good: bucketWith("b", res(typeBucketSSE, "", in{"rules": []any{in{"applyServerSideEncryptionByDefault": in{"sseAlgorithm": "AES256"}}}})),
			bad:  bucketWith("b"),
		},
		"s3-acls-disabled": {
			good: cat(bucketWith("logs", res(typeBucketOwnership, "", in{"rule": in{"objectOwnership": "BucketOwnerPreferred"}})),
				one(dist("x", nil))),
			bad: bucketWith("b", res(typeBucketOwnership, "", in{"rule": in{"objectOwnership": "BucketOwnerPreferred"}})),
		},
		"s3-versioning": {
			good: bucketWith("b", res(typeBucketVersion, "", in{"versioningConfiguration": in{"status": "Enabled"}})),
			bad:  bucketWith("b", res(typeBucketVersion, "", in{"versioningConfiguration": in{"status": "Suspended"}})),
		},
		"s3-lifecycle": {
			good: bucketWith("b", res(typeBucketLifecycle, "", in{"rules": []any{in{"id": "expire"}}})),
			bad:  bucketWith("b"),
		},
		"s3-access-logging": {
			good: cat(bucketWith("assets", res(typeBucketLogging, "", in{"targetBucket": "logs-1234567"})), bucketWith("logs"), one(dist("x", nil))),
			bad:  cat(bucketWith("assets"), one(dist("x", nil))),
		},
		"s3-audit-archive-object-lock": {
			good: cat(bucketWith("trail", res(typeBucketLock, "", in{"rule": in{"defaultRetention": in{"days": 365}}})),
				one(res(typeTrail, "t", in{"s3BucketName": "trail-1234567"}))),
			bad: cat(bucketWith("trail"), one(res(typeTrail, "t", in{"s3BucketName": "trail-1234567"}))),
		},
		"sns-topic-encrypted":         {good: one(res(typeTopic, "t", in{"kmsMasterKeyId": "arn:aws:kms:k"})), bad: one(res(typeTopic, "t", in{}))},
		"sns-topic-policy-not-public": {good: one(res(typeTopicPolicy, "t", in{"policy": policy(allowGet)})), bad: one(res(typeTopicPolicy, "t", in{"policy": policy(public)}))},
		"sqs-queue-encrypted":         {good: one(res(typeQueue, "q", in{"kmsMasterKeyId": "arn:aws:kms:k"})), bad: one(res(typeQueue, "q", in{}))},
		"secrets-customer-managed-key": {
			good: one(res(typeSecret, "s", in{"kmsKeyId": "arn:aws:kms:k", "recoveryWindowInDays": 30})),
			bad:  one(res(typeSecret, "s", in{"recoveryWindowInDays": 30})),
		},
		"log-groups-encrypted":    {good: one(res(typeLogGroup, "g", in{"kmsKeyId": "arn:aws:kms:k"})), bad: one(res(typeLogGroup, "g", in{}))},
		"ecr-repository-hardened": {good: repo("x", nil), bad: repo("imageTagMutability", "MUTABLE")},
		"ecr-repository-policy-not-public": {
			good: one(res(typeRepoPolicy, "p", in{"policy": policy(allowGet)})),
			bad:  one(res(typeRepoPolicy, "p", in{"policy": policy(public)})),
		},
		"acm-rsa-2048": {good: one(res(typeCertificate, "c", in{"keyAlgorithm": "RSA_2048"})), bad: one(res(typeCertificate, "c", in{"keyAlgorithm": "RSA_1024"}))},
		// logging
		"cloudtrail-multi-region": {
			good: one(res(typeTrail, "t", in{"isMultiRegionTrail": true, "includeGlobalServiceEvents": true, "enableLogging": true,
				"eventSelectors": []any{in{"includeManagementEvents": true, "readWriteType": "All"}}})),
			bad: one(res(typeTrail, "t", in{"isMultiRegionTrail": true, "eventSelectors": []any{in{"includeManagementEvents": true, "readWriteType": "WriteOnly"}}})),
		},
		"cloudtrail-kms":                 {good: one(res(typeTrail, "t", in{"kmsKeyId": "arn:aws:kms:k"})), bad: one(res(typeTrail, "t", in{}))},
		"cloudtrail-log-file-validation": {good: one(res(typeTrail, "t", in{"enableLogFileValidation": true})), bad: one(res(typeTrail, "t", in{}))},
		"cloudtrail-cloudwatch-logs":     {good: one(res(typeTrail, "t", in{"cloudWatchLogsGroupArn": "arn:aws:logs:g"})), bad: one(res(typeTrail, "t", in{}))},
		"config-recorder-all-resources": {
			good: one(res(typeRecorder, "r", in{"recordingGroup": in{"allSupported": true, "includeGlobalResourceTypes": true}}),
				res(typeRecorderStatus, "r", in{"isEnabled": true}), res(typeDeliveryChannel, "r", in{})),
			bad: one(res(typeRecorder, "r", in{"recordingGroup": in{"allSupported": true, "includeGlobalResourceTypes": true}}),
				res(typeRecorderStatus, "r", in{"isEnabled": false}), res(typeDeliveryChannel, "r", in{})),
		},
		"log-group-retention": {good: one(res(typeLogGroup, "g", in{"retentionInDays": 365})), bad: one(res(typeLogGroup, "g", in{"retentionInDays": 30}))},
		"cloudwatch-alarms-have-actions": {
			good: one(res(typeMetricAlarm, "a", in{"alarmActions": []any{"arn:aws:sns:t"}})),
			bad:  one(res(typeMetricAlarm, "a", in{"alarmActions": []any{}})),
		},
		"guardduty-enabled": {good: one(res(typeDetector, "d", in{"enable": true})), bad: one(res(typeDetector, "d", in{"enable": false}))},
		"guardduty-protection-plans": {
			good: one(
				res(typeDetectorFeature, "s3", in{"name": "S3_DATA_EVENTS", "status": "ENABLED"}),
				res(typeDetectorFeature, "rds", in{"name": "RDS_LOGIN_EVENTS", "status": "ENABLED"}),
				res(typeDetectorFeature, "ebs", in{"name": "EBS_MALWARE_PROTECTION", "status": "ENABLED"}),
				res(typeDetectorFeature, "lambda", in{"name": "LAMBDA_NETWORK_LOGS", "status": "ENABLED"}),
				res(typeDetectorFeature, "eks", in{"name": "EKS_AUDIT_LOGS", "status": "ENABLED"}),
				res(typeDetectorFeature, "runtime", in{"name": "RUNTIME_MONITORING", "status": "ENABLED"})),
			bad: one(res(typeDetectorFeature, "s3", in{"name": "S3_DATA_EVENTS", "status": "ENABLED"})),
		},
		"securityhub-enabled": {
			good: one(res(typeHubAccount, "hub", in{}),
				res(typeHubStandard, "cis", in{"standardsArn": "arn:aws:securityhub:us-west-2::standards/cis-aws-foundations-benchmark/v/3.0.0"}),
				res(typeHubStandard, "fsbp", in{"standardsArn": "arn:aws:securityhub:us-west-2::standards/aws-foundational-security-best-practices/v/1.0.0"})),
			bad: one(res(typeHubAccount, "hub", in{}),
				res(typeHubStandard, "cis", in{"standardsArn": "arn:aws:securityhub:us-west-2::standards/cis-aws-foundations-benchmark/v/1.2.0"})),
		},
		"guardduty-findings-alert": {
			good: one(res(typeEventRule, "findings", in{"eventPattern": `{"source":["aws.guardduty"]}`}),
				res(typeEventTarget, "findings", in{"rule": "findings-id", "arn": "arn:aws:sns:us-west-2:1:alerts"})),
			bad: one(res(typeEventRule, "findings", in{"eventPattern": `{"source":["aws.guardduty"]}`})),
		},
		"waf-logging": {
			good: one(res(typeWebACL, "acl", in{"rules": []any{in{"name": "r"}}}), res(typeWebACLLogging, "acl", in{"resourceArn": "arn:aws:wafv2:x/acl-id"})),
			bad:  one(res(typeWebACL, "acl", in{"rules": []any{in{"name": "r"}}})),
		},
		"waf-has-rules": {good: one(res(typeWebACL, "acl", in{"rules": []any{in{"name": "r"}}})), bad: one(res(typeWebACL, "acl", in{"rules": []any{}}))},
		"ssm-security-patching": {
			good: one(res(typePatchBaseline, "pb", in{"approvalRules": []any{in{"patchFilters": []any{in{"key": "CLASSIFICATION", "values": []any{"Security"}}}}}}),
				res(typeMaintenanceTask, "t", in{"taskArn": "AWS-RunPatchBaseline"})),
			bad: one(res(typePatchBaseline, "pb", in{"approvalRules": []any{in{"patchFilters": []any{in{"key": "CLASSIFICATION", "values": []any{"Bugfix"}}}}}}),
				res(typeMaintenanceTask, "t", in{"taskArn": "AWS-RunPatchBaseline"})),
		},
		"ssm-sessions-logged-encrypted": {
			good: one(res(typeSSMDocument, "d", in{"documentType": "Session", "content": `{"inputs":{"cloudWatchEncryptionEnabled":true,"cloudWatchLogGroupName":"/ssm"}}`})),
			bad:  one(res(typeSSMDocument, "d", in{"documentType": "Session", "content": `{"inputs":{"cloudWatchEncryptionEnabled":false,"cloudWatchLogGroupName":"/ssm"}}`})),
		},
		// data stores
		"rds-storage-encrypted":              {good: one(db("x", nil)), bad: one(db("storageEncrypted", false))},
		"rds-not-public":                     {good: one(db("x", nil)), bad: one(db("publiclyAccessible", true))},
		"rds-multi-az":                       {good: one(db("x", nil)), bad: one(db("multiAz", false))},
		"rds-deletion-protection":            {good: one(db("x", nil)), bad: one(db("skipFinalSnapshot", true))},
		"rds-backups":                        {good: one(db("x", nil)), bad: one(db("backupRetentionPeriod", 1))},
		"rds-minor-version-upgrades":         {good: one(db("x", nil)), bad: one(db("autoMinorVersionUpgrade", false))},
		"rds-enhanced-monitoring":            {good: one(db("x", nil)), bad: one(db("monitoringInterval", 0))},
		"rds-iam-authentication":             {good: one(db("x", nil)), bad: one(db("iamDatabaseAuthenticationEnabled", false))},
		"rds-copy-tags-to-snapshots":         {good: one(db("x", nil)), bad: one(db("copyTagsToSnapshot", false))},
		"rds-postgres-logs-exported":         {good: one(db("x", nil)), bad: one(db("enabledCloudwatchLogsExports", []any{"postgresql"}))},
		"rds-performance-insights-encrypted": {good: one(db("x", nil)), bad: one(db("performanceInsightsKmsKeyId", nil))},
		"rds-tls-required": {
			good: one(res(typeDBParameters, "p", in{"parameters": []any{in{"name": "rds.force_ssl", "value": "1"}}})),
			bad:  one(res(typeDBParameters, "p", in{"parameters": []any{in{"name": "rds.force_ssl", "value": "0"}}})),
		},
		"elasticache-own-subnet-group": {
			good: one(res(typeCacheCluster, "c", in{"subnetGroupName": "data"})),
			bad:  one(res(typeCacheCluster, "c", in{"subnetGroupName": "default"})),
		},
		"elasticache-memcached-tls": {
			good: one(res(typeCacheCluster, "c", in{"engine": "memcached", "transitEncryptionEnabled": true})),
			bad:  one(res(typeCacheCluster, "c", in{"engine": "memcached"})),
		},
		"elasticache-multi-az": {
			good: one(res(typeCacheCluster, "c", in{"azMode": "cross-az", "numCacheNodes": 2})),
			bad:  one(res(typeCacheCluster, "c", in{"azMode": "single-az", "numCacheNodes": 2})),
		},
		// load balancers
		"alb-http-redirects-to-https": {
			good: one(listener("HTTP", in{"type": "redirect", "redirect": in{"protocol": "HTTPS"}}, "")),
			bad:  one(listener("HTTP", in{"type": "forward"}, "")),
		},
		"alb-tls-policy": {
			good: one(listener("HTTPS", in{"type": "forward"}, "ELBSecurityPolicy-TLS13-1-2-2021-06")),
			bad:  one(listener("HTTPS", in{"type": "forward"}, "ELBSecurityPolicy-2016-08")),
		},
		"alb-drop-invalid-headers": {good: one(lb(false, "sg")), bad: one(res(typeLoadBalancer, "lb", in{"loadBalancerType": "application"}))},
		"alb-access-logs":          {good: one(lb(false, "sg")), bad: one(res(typeLoadBalancer, "lb", in{"accessLogs": in{"enabled": false}}))},
		"alb-deletion-protection":  {good: one(lb(false, "sg")), bad: one(res(typeLoadBalancer, "lb", in{"enableDeletionProtection": false}))},
		"alb-desync-mitigation":    {good: one(lb(false, "sg")), bad: one(res(typeLoadBalancer, "lb", in{"desyncMitigationMode": "monitor"}))},
		"alb-multi-az":             {good: one(lb(false, "sg")), bad: one(res(typeLoadBalancer, "lb", in{"subnets": []any{"a"}}))},
		"alb-public-behind-waf": {
			good: one(lb(false, "sg"), res(typeWebACLAssoc, "assoc", in{"resourceArn": "lb-id"})),
			bad:  one(lb(false, "sg"), res(typeWebACLAssoc, "assoc", in{"resourceArn": "arn:aws:elasticloadbalancing:other"})),
		},
		// cdn
		"cloudfront-default-root-object":      {good: one(dist("x", nil)), bad: one(dist("defaultRootObject", ""))},
		"cloudfront-viewer-https":             {good: one(dist("x", nil)), bad: one(dist("defaultCacheBehavior", in{"viewerProtocolPolicy": "allow-all", "responseHeadersPolicyId": "h"}))},
		"cloudfront-logging":                  {good: one(dist("x", nil)), bad: one(dist("loggingConfig", nil))},
		"cloudfront-waf":                      {good: one(dist("x", nil)), bad: one(dist("webAclId", ""))},
		"cloudfront-custom-certificate-sni":   {good: one(dist("x", nil)), bad: one(dist("viewerCertificate", in{"cloudfrontDefaultCertificate": true}))},
		"cloudfront-origin-tls":               {good: one(dist("x", nil)), bad: one(dist("origins", []any{in{"domainName": "o", "customOriginConfig": in{"originProtocolPolicy": "https-only", "originSslProtocols": []any{"TLSv1", "TLSv1.2"}}}}))},
		"cloudfront-s3-origin-access-control": {good: one(dist("x", nil)), bad: one(dist("origins", []any{in{"domainName": "assets.s3.us-west-2.amazonaws.com"}}))},
		"cloudfront-security-headers":         {good: one(dist("x", nil)), bad: one(dist("defaultCacheBehavior", in{"viewerProtocolPolicy": "https-only"}))},
		// compute
		"ecs-no-public-ip":                  {good: one(service("x", nil)), bad: one(service("networkConfiguration", in{"assignPublicIp": true}))},
		"ecs-awsvpc-non-root":               {good: one(task(containerDefs(""))), bad: one(task(`[{"name":"app","user":"0"}]`))},
		"ecs-no-host-pid":                   {good: one(task(containerDefs(""))), bad: one(res(typeTaskDefinition, "t", in{"pidMode": "host"}))},
		"ecs-not-privileged":                {good: one(task(containerDefs(""))), bad: one(task(containerDefs(`,"privileged":true`)))},
		"ecs-read-only-root":                {good: one(task(containerDefs(""))), bad: one(task(`[{"name":"app","user":"1000"}]`))},
		"ecs-no-credentials-in-environment": {good: one(task(containerDefs(""))), bad: one(task(`[{"name":"app","environment":[{"name":"AWS_SECRET_ACCESS_KEY"}]}]`))},
		"ecs-container-logging":             {good: one(task(containerDefs(""))), bad: one(task(`[{"name":"app"}]`))},
		"ecs-container-insights": {
			good: one(res(typeCluster, "c", in{"settings": []any{in{"name": "containerInsights", "value": "enabled"}}})),
			bad:  one(res(typeCluster, "c", in{"settings": []any{in{"name": "containerInsights", "value": "disabled"}}})),
		},
		"ecs-deployment-rollback":     {good: one(service("x", nil)), bad: one(service("deploymentCircuitBreaker", in{"enable": true, "rollback": false}))},
		"ecs-exec-disabled":           {good: one(service("x", nil)), bad: one(service("enableExecuteCommand", true))},
		"ecs-images-pinned-by-digest": {good: one(task(containerDefs(""))), bad: one(task(`[{"name":"app","image":"r/app:v1"}]`))},
		// functions
		"lambda-supported-runtime": {good: one(fn("x", nil)), bad: one(fn("runtime", "go1.x"))},
		"lambda-permission-scoped": {
			good: one(res(typePermission, "p", in{"principal": "sns.amazonaws.com", "sourceArn": "arn:aws:sns:t", "sourceAccount": "1"})),
			bad:  one(res(typePermission, "p", in{"principal": "sns.amazonaws.com", "sourceArn": "arn:aws:sns:t"})),
		},
		"lambda-failures-kept": {good: one(fn("x", nil)), bad: one(fn("deadLetterConfig", nil))},
		// resource options
		"stateful-resources-protected": {
			good: one(protect(res(typeBucket, "b", in{})), res(typeDBInstance, "replica", in{"replicateSourceDb": "db"})),
			bad:  one(res(typeBucket, "b", in{})),
		},
		"no-force-destroy": {good: one(res(typeBucket, "b", in{"forceDestroy": false})), bad: one(res(typeBucket, "b", in{"forceDestroy": true}))},
		"explicit-providers": {
			good: one(res(typeBucket, "b", in{})),
			bad: func() []*offline.Resource {
				r := res(typeBucket, "b", in{})
				r.Provider = ""
				return one(r)
			}(),
		},
		"providers-pinned-to-account": {
			good: one(res(providerPrefix+"aws", "aws", in{"allowedAccountIds": []any{"555555555555"}})),
			bad:  one(res(providerPrefix+"aws", "aws", in{"region": "us-west-2"})),
		},
	}
	for id, pattern := range cisPatterns {
		cases["cis-monitor-"+id] = ruleCase{good: monitorCase(pattern, true), bad: monitorCase(pattern, false)}
	}
	// A filter matching another recommendation does not satisfy this one.
	c := cases["cis-monitor-root-usage"]
	c.bad = append(c.bad[:0:0], monitorCase(cisPatterns["vpc-changes"], true)...)
	cases["cis-monitor-root-usage"] = c
	for id, tc := range awsCases() {
		cases[id] = tc
	}
	return cases
}

// TestEveryRulePassesACompliantRecordAndFailsAViolatingOne is the unit test
// of every rule: hand-made records, compliant and violating.
func TestEveryRulePassesACompliantRecordAndFailsAViolatingOne(t *testing.T) {
	cases := ruleCases()
	for _, rule := range Rules() {
		t.Run(rule.ID, func(t *testing.T) {
			tc, ok := cases[rule.ID]
			require.True(t, ok, "rule %s has no unit test case", rule.ID)
			name := tc.stack
			if name == "" {
				name = "prod"
			}
			good := rule.Run(caseStack(name, tc.good, tc.peers))
			assert.Equal(t, Pass, good.Status, "compliant records: %v", good.Findings)
			assert.Positive(t, good.Examined, "the compliant records must be examined")
			badPeers := tc.badPeers
			if badPeers == nil {
				badPeers = tc.peers
			}
			bad := rule.Run(caseStack(name, tc.bad, badPeers))
			assert.Equal(t, Fail, bad.Status, "violating records must fail")
			assert.NotEmpty(t, bad.Findings)
		})
	}
	assert.Len(t, cases, len(Rules()), "a case for a rule that does not exist")
}

// TestRulesAreWellFormed: unique IDs (the pack's policy names), a control
// and a reason each, a known severity, and at least 60 distinct benchmark
// controls (CIS or FSBP) covered, as the design asks.
func TestRulesAreWellFormed(t *testing.T) {
	seen := map[string]bool{}
	declared := 0
	for _, g := range [][]*Rule{networkRules, iamRules, encryptionRules, loggingRules, dataRules, loadBalancerRules, cdnRules, computeRules, functionRules, optionRules, AWSCatalog()} {
		declared += len(g)
	}
	require.Len(t, Rules(), declared, "every declared rule is listed once, whatever its area")
	for _, r := range Rules() {
		assert.False(t, seen[r.ID], "duplicate rule %s", r.ID)
		seen[r.ID] = true
		assert.Regexp(t, `^[a-z0-9-]{1,100}$`, r.ID, "a CrossGuard policy name")
		assert.NotEmpty(t, r.Controls, r.ID)
		assert.NotEmpty(t, r.Reason, r.ID)
		assert.NotEmpty(t, r.Title, r.ID)
		assert.Contains(t, []Severity{Critical, High, Medium, Low}, r.Severity, r.ID)
		for _, c := range r.Controls {
			assert.Regexp(t, `^(CIS \d+(\.\d+)+|FSBP [A-Za-z0-9]+\.\d+|refarch|AWS)$`, c, r.ID)
		}
		assert.Equal(t, r.Area == AWSRules, r.AWS != nil, "%s: the rules of the AWS area, and only they, carry their AWS constraint", r.ID)
		if len(r.SkipIn) > 0 {
			assert.NotEmpty(t, r.Environments, "%s skips %v and must say why", r.ID, r.SkipIn)
		}
	}
	assert.GreaterOrEqual(t, len(BenchmarkControls(Rules())), 60, "distinct CIS and FSBP controls")
}
