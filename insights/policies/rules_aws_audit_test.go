package policies

import (
	"fmt"
	"strings"

	"github.com/refarch/refarch/offline"
)

// auditArchive is the security stack's trail archive: the bucket, its
// encryption (S3 Bucket Keys on or off) and its policy admitting the trails
// of accounts (named refarch-<account>), plus the access-log bucket.
func auditArchive(bucketKey bool, trailAccounts ...string) []*offline.Resource {
	p := netProvider("security", "aws-security", "111111111111", "us-west-2")
	var arns, writes []string
	for _, a := range trailAccounts {
		arn := "arn:aws:cloudtrail:us-west-2:" + a + ":trail/refarch-" + a
		arns = append(arns, `"`+arn+`"`)
		writes = append(writes, `{"Sid":"CloudTrailWrite`+a+`","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject",`+
			`"Resource":"arn:aws:s3:::audit-trail/AWSLogs/`+a+`/*","Condition":{"StringEquals":{"s3:x-amz-acl":"bucket-owner-full-control","aws:SourceArn":"`+arn+`"}}}`)
	}
	acl := `{"Sid":"CloudTrailAclCheck","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:GetBucketAcl","Resource":"arn:aws:s3:::audit-trail",` +
		`"Condition":{"StringEquals":{"aws:SourceArn":[` + strings.Join(arns, ",") + `]}}}`
	trail := bucketWith("audit-trail",
		res(typeBucketSSE, "", in{"rules": []any{in{"applyServerSideEncryptionByDefault": in{"sseAlgorithm": "aws:kms", "kmsMasterKeyId": "arn:aws:kms:us-west-2:111111111111:key/logs"}, "bucketKeyEnabled": bucketKey}}}),
		res(typeBucketPolicy, "", in{"policy": policy(append([]string{acl}, writes...)...)}))
	trail[0].ID = "audit-trail"
	trail[0].Inputs["bucket"] = "audit-trail"
	for _, r := range trail {
		netVia(p, r)
		r.Inputs["bucket"] = "audit-trail"
	}
	return append(one(p), trail...)
}

// auditTrail is the trail of account (refarch-<account>) in a stack,
// encrypted with its logs key of the given policy statements.
func auditTrail(stack, account string, keyStatements ...string) []*offline.Resource {
	p := netProvider(stack, "aws-"+stack, account, "us-west-2")
	keyARN := "arn:aws:kms:us-west-2:" + account + ":key/logs"
	key := netVia(p, netOutputs(res(typeKey, "logs", in{"policy": policy(keyStatements...)}), in{"arn": keyARN}))
	trail := netVia(p, netAfter(res(typeTrail, "trail", in{"name": "refarch-" + account, "s3BucketName": "audit-trail", "kmsKeyId": keyARN}), key))
	return one(p, key, trail)
}

// The logs key's CloudTrail statements, for the trail of account.
func auditCloudTrailEncrypt(account string) string {
	return `{"Sid":"CloudTrailOfThisAccount","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"kms:GenerateDataKey*","Resource":"*",` +
		`"Condition":{"StringEquals":{"aws:SourceArn":"arn:aws:cloudtrail:us-west-2:` + account + `:trail/refarch-` + account + `"},` +
		`"StringLike":{"kms:EncryptionContext:aws:cloudtrail:arn":"arn:aws:cloudtrail:*:` + account + `:trail/*"}}}`
}

// auditCloudTrailDescribe lets dev's trail describe its key.
const auditCloudTrailDescribe = `{"Sid":"CloudTrailDescribesTheKey","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"kms:DescribeKey","Resource":"*",` +
	`"Condition":{"StringEquals":{"aws:SourceArn":"arn:aws:cloudtrail:us-west-2:333333333333:trail/refarch-333333333333"}}}`

const auditCloudTrailDecrypt = `{"Sid":"CloudTrailDecryptsForTheBucketKey","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"kms:Decrypt","Resource":"*"}`

// auditConfig is AWS Config of account in a stack: the recorder (with the
// service-linked role), the delivery channel to bucket with the logs key,
// the recorder's status and one rule, each waiting for the previous one
// unless broken says otherwise ("channel", "status", "rule").
func auditConfig(stack, account, broken string, keyStatements ...string) []*offline.Resource {
	p := netProvider(stack, "aws-"+stack, account, "us-west-2")
	keyARN := "arn:aws:kms:us-west-2:" + account + ":key/logs"
	key := netVia(p, netOutputs(res(typeKey, "logs", in{"policy": policy(keyStatements...)}), in{"arn": keyARN}))
	rec := netVia(p, res(typeRecorder, "config", in{"roleArn": "arn:aws:iam::" + account + ":role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"}))
	ch := netVia(p, res(typeDeliveryChannel, "config", in{"s3BucketName": "audit-config", "s3KmsKeyArn": keyARN}))
	status := netVia(p, res(typeRecorderStatus, "config", in{"isEnabled": true}))
	rule := netVia(p, res(auditTypeConfigRule, "iam-password-policy", in{"source": in{"owner": "AWS", "sourceIdentifier": "IAM_PASSWORD_POLICY"}}))
	if broken != "channel" {
		netAfter(ch, rec)
	}
	if broken != "status" {
		netAfter(status, rec, ch)
	}
	if broken != "rule" {
		netAfter(rule, status)
	}
	return one(p, key, rec, ch, status, rule)
}

func auditConfigKey(account string) string {
	return `{"Sid":"ConfigOfThisAccount","Effect":"Allow","Principal":{"Service":"config.amazonaws.com"},"Action":["kms:Decrypt","kms:GenerateDataKey"],"Resource":"*",` +
		`"Condition":{"StringEquals":{"aws:SourceAccount":"` + account + `"}}}`
}

// auditConfigArchive is security's Config bucket admitting accounts (and,
// with lockDays, an Object Lock default retention).
func auditConfigArchive(lockDays int, accounts ...string) []*offline.Resource {
	p := netProvider("security", "aws-security", "111111111111", "us-west-2")
	quoted := make([]string, len(accounts))
	writes := []string{}
	for i, a := range accounts {
		quoted[i] = `"` + a + `"`
		writes = append(writes, `{"Sid":"ConfigWrite`+a+`","Effect":"Allow","Principal":{"Service":"config.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::audit-config/AWSLogs/`+a+`/Config/*",`+
			`"Condition":{"StringEquals":{"s3:x-amz-acl":"bucket-owner-full-control","aws:SourceAccount":"`+a+`"}}}`)
	}
	check := `{"Sid":"ConfigAclCheck","Effect":"Allow","Principal":{"Service":"config.amazonaws.com"},"Action":["s3:GetBucketAcl","s3:ListBucket"],"Resource":"arn:aws:s3:::audit-config",` +
		`"Condition":{"StringEquals":{"aws:SourceAccount":[` + strings.Join(quoted, ",") + `]}}}`
	companions := []*offline.Resource{res(typeBucketPolicy, "", in{"policy": policy(append([]string{check}, writes...)...)})}
	if lockDays > 0 {
		companions = append(companions, res(typeBucketLock, "", in{"rule": in{"defaultRetention": in{"mode": "GOVERNANCE", "days": lockDays}}}))
	}
	b := bucketWith("audit-config", companions...)
	b[0].ID = "audit-config"
	for _, r := range b {
		netVia(p, r)
		r.Inputs["bucket"] = "audit-config"
	}
	return append(one(p), b...)
}

// awsAuditCases are the compliant and violating records of awsAuditRules.
func awsAuditCases() map[string]ruleCase {
	const dev = "333333333333"
	cases := map[string]ruleCase{}
	security := func(r ...*offline.Resource) map[string][]*offline.Resource {
		return map[string][]*offline.Resource{"security": r}
	}

	// With S3 Bucket Keys on the archive, the key needs CloudTrail's
	// decrypt statement; the same key without it fails.
	cases["cloudtrail-bucket-key-needs-cloudtrail-decrypt"] = ruleCase{
		stack: "dev",
		good:  auditTrail("dev", dev, auditCloudTrailEncrypt(dev), auditCloudTrailDecrypt, auditCloudTrailDescribe),
		bad:   auditTrail("dev", dev, auditCloudTrailEncrypt(dev), auditCloudTrailDescribe),
		peers: security(auditArchive(true, dev)...),
	}
	cases["cloudtrail-bucket-policy-admits-every-trail"] = ruleCase{
		stack:    "dev",
		good:     auditTrail("dev", dev, auditCloudTrailEncrypt(dev)),
		bad:      auditTrail("dev", dev, auditCloudTrailEncrypt(dev)),
		peers:    security(auditArchive(false, dev)...),
		badPeers: security(auditArchive(false, "444444444444")...), // admits stage's trail, not dev's
	}
	cases["cloudtrail-key-policy-admits-trail"] = ruleCase{
		stack: "dev",
		good:  auditTrail("dev", dev, auditCloudTrailEncrypt(dev), auditCloudTrailDescribe),
		// The encrypt statement names another account's trail; the key
		// cannot be described.
		bad: cat(auditTrail("dev", dev, auditCloudTrailEncrypt("444444444444"), auditCloudTrailDescribe)),
	}

	// In the bucket's own stack the trail waits for the policy; elsewhere
	// the bucket's stack is deployed first.
	archive := auditArchive(true, "111111111111")
	own := auditTrail("security", "111111111111", auditCloudTrailEncrypt("111111111111"))
	ownTrail := own[2]
	cases["cloudtrail-after-bucket-policy"] = ruleCase{
		stack: "security",
		good:  cat(archive, one(own[0], own[1], netAfter(cloneRecord(ownTrail), archive[len(archive)-1]))),
		bad:   cat(archive, own),
	}
	lateArchive := auditArchive(true, dev)
	cases["cloudtrail-kms-key-same-region-as-bucket"] = ruleCase{
		stack: "dev",
		good:  auditTrail("dev", dev, auditCloudTrailEncrypt(dev)),
		bad: func() []*offline.Resource {
			rs := auditTrail("dev", dev, auditCloudTrailEncrypt(dev))
			rs[2].Inputs["kmsKeyId"] = "arn:aws:kms:eu-west-1:" + dev + ":key/logs"
			return rs
		}(),
		peers: security(lateArchive...),
	}

	// Server access logging of the trail archive into the -access bucket.
	logging := func(ordered bool, sse string, lock bool) []*offline.Resource {
		target := bucketWith("audit-access", res(typeBucketSSE, "", in{"rules": []any{in{"applyServerSideEncryptionByDefault": in{"sseAlgorithm": sse}}}}))
		target[0].Inputs["objectLockEnabled"] = lock
		source := res(typeBucket, "audit-trail", in{"bucket": "audit-trail"})
		l := res(typeBucketLogging, "audit-trail", in{"bucket": "audit-trail", "targetBucket": target[0].ID, "targetPrefix": "audit-trail/"})
		netAfter(l, source)
		if ordered {
			netAfter(l, target[0])
		}
		return cat(target, one(source, l))
	}
	cases["s3-access-logging-after-target-bucket"] = ruleCase{
		stack: "security",
		good:  logging(true, "AES256", false),
		bad:   logging(false, "AES256", false),
	}
	cases["s3-access-log-target-sse-s3-no-object-lock"] = ruleCase{
		stack: "security",
		good:  logging(true, "AES256", false),
		bad:   logging(true, "aws:kms", true),
	}

	cases["config-channel-and-rules-after-recorder"] = ruleCase{
		good: auditConfig("prod", "555555555555", ""),
		bad:  cat(auditConfig("prod", "555555555555", "channel"), one(res(auditTypeConfigRule, "orphan", in{}))),
	}
	cases["config-recorder-started-after-delivery-channel"] = ruleCase{
		good: auditConfig("prod", "555555555555", ""),
		bad:  auditConfig("prod", "555555555555", "status"),
	}
	cases["config-delivery-key-admits-config"] = ruleCase{
		good: auditConfig("prod", "555555555555", "", auditConfigKey("555555555555")),
		bad:  auditConfig("prod", "555555555555", "", auditConfigKey("444444444444")),
	}
	cases["config-bucket-policy-admits-config"] = ruleCase{
		stack:    "dev",
		good:     auditConfig("dev", dev, ""),
		bad:      auditConfig("dev", dev, ""),
		peers:    security(auditConfigArchive(0, "111111111111", dev)...),
		badPeers: security(auditConfigArchive(0, "111111111111")...),
	}
	cases["config-bucket-no-object-lock-default-retention"] = ruleCase{
		stack:    "dev",
		good:     auditConfig("dev", dev, ""),
		bad:      auditConfig("dev", dev, ""),
		peers:    security(auditConfigArchive(0, dev)...),
		badPeers: security(auditConfigArchive(365, dev)...),
	}

	// A log group encrypted with a key that CloudWatch Logs of its region
	// may use for it.
	logsStatement := func(region, group string) string {
		return fmt.Sprintf(`{"Sid":"CloudWatchLogs","Effect":"Allow","Principal":{"Service":"logs.%s.amazonaws.com"},"Action":["kms:Encrypt*","kms:Decrypt*","kms:ReEncrypt*","kms:GenerateDataKey*","kms:Describe*"],"Resource":"*",`+
			`"Condition":{"ArnLike":{"kms:EncryptionContext:aws:logs:arn":"arn:aws:logs:%s:555555555555:log-group:%s"}}}`, region, region, group)
	}
	logGroup := func(keyStatement string) []*offline.Resource {
		p := netProvider("prod", "aws-prod", "555555555555", "us-west-2")
		keyARN := "arn:aws:kms:us-west-2:555555555555:key/flow"
		key := netVia(p, netOutputs(res(typeKey, "flow-logs", in{"policy": policy(keyStatement)}), in{"arn": keyARN}))
		return one(p, key, netVia(p, res(typeLogGroup, "flow-logs", in{"name": "/refarch/vpc/prod/flow-logs", "kmsKeyId": keyARN})))
	}
	cases["log-group-key-admits-regional-logs-principal"] = ruleCase{
		good: logGroup(logsStatement("us-west-2", "/refarch/vpc/prod/*")),
		bad:  logGroup(logsStatement("us-east-1", "/refarch/vpc/prod/*")),
	}

	cases["iam-policy-size-quotas"] = ruleCase{
		good: one(res(typeRole, "small", in{"assumeRolePolicy": policy(`{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}`)}),
			res(typeIAMPolicy, "managed", in{"policy": policy(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"` + strings.Repeat("a", 5000) + `"}`)})),
		// 6,200 characters, white space excepted; a role whose inline
		// policies add up to more than 10,240.
		bad: one(res(typeIAMPolicy, "managed", in{"policy": policy(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"` + strings.Repeat("a", 6200) + `"}`)}),
			netOutputs(res(typeRole, "big", in{"name": "big", "assumeRolePolicy": policy(`{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}`)}), in{"name": "big"}),
			res(typeRolePolicy, "big-1", in{"role": "big", "policy": policy(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"` + strings.Repeat("b", 6000) + `"}`)}),
			res(typeRolePolicy, "big-2", in{"role": "big", "policy": policy(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"` + strings.Repeat("c", 6000) + `"}`)})),
	}
	// White space is not counted: 7,000 spaces keep a small policy small.
	cases["iam-policy-size-quotas"].good[1].Inputs["policy"] = strings.Replace(cases["iam-policy-size-quotas"].good[1].String("policy"), `"Effect"`, strings.Repeat(" ", 7000)+`"Effect"`, 1)

	ownership := func(acl string) []*offline.Resource {
		return bucketWith("audit-config",
			res(typeBucketOwnership, "", in{"rule": in{"objectOwnership": "BucketOwnerEnforced"}}),
			res(typeBucketPolicy, "", in{"policy": policy(`{"Sid":"ConfigWrite","Effect":"Allow","Principal":{"Service":"config.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::audit-config/*",` +
				`"Condition":{"StringEquals":{"s3:x-amz-acl":"` + acl + `"}}}`)}))
	}
	cases["s3-bucket-owner-enforced-acl-condition"] = ruleCase{
		good: ownership("bucket-owner-full-control"),
		bad:  ownership("log-delivery-write"),
	}
	return cases
}

// cloneRecord copies a record (inputs and dependencies included), so a
// case can change the copy.
func cloneRecord(r *offline.Resource) *offline.Resource {
	c := *r
	c.DependsOn = append([]string(nil), r.DependsOn...)
	return &c
}
