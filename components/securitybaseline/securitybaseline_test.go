package securitybaseline_test

import (
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	sb "github.com/refarch/refarch/components/securitybaseline"
	"github.com/refarch/refarch/offline"
)

func TestEveryResourceIsAChildOfTheComponent(t *testing.T) {
	p := mustRun(t, archiveArgs())
	comp := p.Require(t, "refarch:securitybaseline:SecurityBaseline", "base")
	var children int
	for _, r := range p.Resources {
		if r.Custom && !strings.HasPrefix(r.Type, "pulumi:") {
			assert.Equal(t, comp.URN, r.Parent, "%s %q", r.Type, r.Name)
			children++
		}
	}
	assert.Greater(t, children, 100)
}

func TestAccountHardening(t *testing.T) {
	p := mustRun(t, workloadArgs())
	pw := p.Require(t, "aws:iam/accountPasswordPolicy:AccountPasswordPolicy", "base-passwords")
	assert.GreaterOrEqual(t, pw.Int("minimumPasswordLength"), 14, "CIS 1.8")
	assert.Equal(t, 24, pw.Int("passwordReusePrevention"), "CIS 1.9")
	for _, class := range []string{"requireLowercaseCharacters", "requireUppercaseCharacters", "requireNumbers", "requireSymbols"} {
		assert.True(t, pw.Bool(class), class)
	}

	assert.True(t, p.Require(t, "aws:ebs/encryptionByDefault:EncryptionByDefault", "base-ebs-encryption").Bool("enabled"))

	pab := p.Require(t, "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock", "base-s3-public-access")
	assert.Equal(t, account, pab.String("accountId"))
	for _, f := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
		assert.True(t, pab.Bool(f), f)
	}

	imds := p.Require(t, "aws:ec2/instanceMetadataDefaults:InstanceMetadataDefaults", "base-imds")
	assert.Equal(t, "required", imds.String("httpTokens"), "IMDSv2 only")
	assert.Equal(t, 2, imds.Int("httpPutResponseHopLimit"))

	assert.Equal(t, "ACCOUNT", p.Require(t, "aws:accessanalyzer/analyzer:Analyzer", "base-access-analyzer").String("type"))
}

func TestPurposeKeysRotateAndNameExactlyWhoMayUseThem(t *testing.T) {
	p := mustRun(t, workloadArgs())
	keys := p.ByType("aws:kms/key:Key")
	require.Len(t, keys, 4, "logs, data, secrets, sessions")
	for _, k := range keys {
		assert.True(t, k.Bool("enableKeyRotation"), "%s rotates (CIS 3.6)", k.Name)
		st := k.Statements(t, "policy")
		assert.Equal(t, []string{deployRole}, offline.Strings(st["KeyAdministration"]["Principal"].(map[string]any)["AWS"]), k.Name)
		assert.NotContains(t, offline.Strings(st["KeyAdministration"]["Action"]), "kms:Decrypt", "administrators cannot decrypt")
		for sid, s := range st {
			assert.NotContains(t, offline.Strings(s["Action"]), "kms:*", "%s %s grants kms:*", k.Name, sid)
			principal := s["Principal"].(map[string]any)
			if aws, ok := principal["AWS"]; ok && sid != "KeyAdministration" {
				assert.NotNil(t, s["Condition"], "%s %s: an account principal must be narrowed by conditions", k.Name, sid)
				assert.NotContains(t, offline.Strings(aws), "*")
			}
		}
		alias := p.Require(t, "aws:kms/alias:Alias", k.Name)
		assert.Equal(t, "alias/"+k.Name, alias.String("name"))
		assert.Equal(t, k.Output("keyId"), alias.Get("targetKeyId"))
	}

	logs := p.Require(t, "aws:kms/key:Key", "base-logs").Statements(t, "policy")
	trailARN := "arn:aws:cloudtrail:us-west-2:" + account + ":trail/base-trail"
	assert.Equal(t, []string{trailARN}, offline.Strings(offline.Condition(logs["CloudTrailOfThisAccount"], "StringEquals", "aws:SourceArn")))
	assert.Equal(t, []string{"arn:aws:cloudtrail:*:" + account + ":trail/*"}, offline.Strings(offline.Condition(logs["CloudTrailOfThisAccount"], "StringLike", "kms:EncryptionContext:aws:cloudtrail:arn")))
	assert.Equal(t, []string{"logs.us-west-2.amazonaws.com"}, offline.Strings(logs["CloudWatchLogsOfThisAccount"]["Principal"].(map[string]any)["Service"]))
	assert.Equal(t, []string{"arn:aws:logs:us-west-2:" + account + ":log-group:*"}, offline.Strings(offline.Condition(logs["CloudWatchLogsOfThisAccount"], "ArnLike", "kms:EncryptionContext:aws:logs:arn")))
	assert.Equal(t, []string{account}, offline.Strings(offline.Condition(logs["ConfigOfThisAccount"], "StringEquals", "aws:SourceAccount")))
	// The trail archive uses S3 Bucket Keys: CloudTrail must decrypt with
	// the key to create the trail (AWS's documented statement).
	decrypt := logs["CloudTrailDecryptsForTheBucketKey"]
	assert.Equal(t, "Allow", decrypt["Effect"])
	assert.Equal(t, []string{"cloudtrail.amazonaws.com"}, offline.Strings(decrypt["Principal"].(map[string]any)["Service"]))
	assert.Equal(t, []string{"kms:Decrypt"}, offline.Strings(decrypt["Action"]))
	readers := logs["AuditReadersThroughS3"]
	assert.Equal(t, []string{"arn:aws:iam::" + identityAccount + ":root"}, offline.Strings(readers["Principal"].(map[string]any)["AWS"]), "the reader account decrypts delivered logs")
	assert.Equal(t, []string{"s3.us-west-2.amazonaws.com"}, offline.Strings(offline.Condition(readers, "StringEquals", "kms:ViaService")))
	assert.ElementsMatch(t, []string{"kms:Decrypt", "kms:DescribeKey"}, offline.Strings(readers["Action"]))

	data := p.Require(t, "aws:kms/key:Key", "base-data").Statements(t, "policy")
	via := data["AccountThroughDataServices"]
	assert.Equal(t, []string{account}, offline.Strings(offline.Condition(via, "StringEquals", "kms:CallerAccount")))
	assert.Contains(t, offline.Strings(offline.Condition(via, "StringEquals", "kms:ViaService")), "rds.us-west-2.amazonaws.com")
	assert.Equal(t, []any{"true"}, offline.Condition(data["GrantsThroughDataServices"], "Bool", "kms:GrantIsForAWSResource"))

	sessions := p.Require(t, "aws:kms/key:Key", "base-sessions").Statements(t, "policy")
	assert.Len(t, sessions, 2, "administration and the sessions' two operations")
	assert.ElementsMatch(t, []string{"kms:Decrypt", "kms:GenerateDataKey"}, offline.Strings(sessions["SessionsThroughIAM"]["Action"]))
	assert.Equal(t, []string{account}, offline.Strings(offline.Condition(sessions["SessionsThroughIAM"], "StringEquals", "kms:CallerAccount")))

	secrets := p.Require(t, "aws:kms/key:Key", "base-secrets").Statements(t, "policy")
	assert.ElementsMatch(t, []string{"secretsmanager.us-west-2.amazonaws.com", "ssm.us-west-2.amazonaws.com", "rds.us-west-2.amazonaws.com"},
		offline.Strings(offline.Condition(secrets["AccountThroughSecretServices"], "StringEquals", "kms:ViaService")))
}

func TestTrailIsMultiRegionValidatedEncryptedAndLogged(t *testing.T) {
	p := mustRun(t, workloadArgs())
	trail := p.Require(t, "aws:cloudtrail/trail:Trail", "base-trail")
	logsKey := p.Require(t, "aws:kms/key:Key", "base-logs")
	group := p.Require(t, "aws:cloudwatch/logGroup:LogGroup", "base-trail")
	role := p.Require(t, "aws:iam/role:Role", "base-cloudtrail-logs")

	assert.Equal(t, "base-trail", trail.String("name"))
	assert.True(t, trail.Bool("isMultiRegionTrail"), "CIS 3.1")
	assert.True(t, trail.Bool("includeGlobalServiceEvents"))
	assert.True(t, trail.Bool("enableLogFileValidation"), "CIS 3.2")
	assert.Equal(t, logsKey.Output("arn"), trail.Get("kmsKeyId"), "CIS 3.5: encrypted with the logs key")
	assert.Equal(t, "org-audit-trail", trail.String("s3BucketName"), "delivered to the central bucket")
	assert.Equal(t, group.Output("arn").(string)+":*", trail.String("cloudWatchLogsGroupArn"))
	assert.Equal(t, role.Output("arn"), trail.Get("cloudWatchLogsRoleArn"))
	assert.Equal(t, "All", trail.String("eventSelectors[0].readWriteType"))
	assert.True(t, trail.Bool("eventSelectors[0].includeManagementEvents"))

	assert.Equal(t, logsKey.Output("arn"), group.Get("kmsKeyId"))
	assert.Equal(t, 365, group.Int("retentionInDays"))

	trust := role.Statements(t, "assumeRolePolicy")["CloudTrailOfThisAccount"]
	assert.Equal(t, []string{"cloudtrail.amazonaws.com"}, offline.Strings(trust["Principal"].(map[string]any)["Service"]))
	assert.Equal(t, []string{trail.Output("arn").(string)}, offline.Strings(offline.Condition(trust, "StringEquals", "aws:SourceArn")), "only this trail assumes the role")
	deliver := p.Require(t, "aws:iam/rolePolicy:RolePolicy", "base-cloudtrail-logs").Statements(t, "policy")["DeliverToTheTrailLogGroup"]
	assert.Equal(t, []string{group.Output("arn").(string) + ":log-stream:*"}, offline.Strings(deliver["Resource"]))
}

func TestCISMetricFiltersAlarmTheTopic(t *testing.T) {
	p := mustRun(t, workloadArgs())
	group := p.Require(t, "aws:cloudwatch/logGroup:LogGroup", "base-trail")
	filters := p.ByType("aws:cloudwatch/logMetricFilter:LogMetricFilter")
	alarms := p.ByType("aws:cloudwatch/metricAlarm:MetricAlarm")
	require.Len(t, filters, len(sb.CISAlarms))
	require.Len(t, alarms, len(sb.CISAlarms))
	require.Len(t, sb.CISAlarms, 14, "CIS 4.1-4.14")
	for _, al := range sb.CISAlarms {
		f := p.Require(t, "aws:cloudwatch/logMetricFilter:LogMetricFilter", "base-cis-"+al.Name)
		a := p.Require(t, "aws:cloudwatch/metricAlarm:MetricAlarm", "base-cis-"+al.Name)
		assert.Equal(t, group.Output("name"), f.Get("logGroupName"), "filters read the trail's log group")
		assert.Equal(t, al.Pattern, f.String("pattern"))
		assert.True(t, strings.HasPrefix(al.Pattern, "{") && strings.HasSuffix(al.Pattern, "}"), "%s: a JSON filter pattern", al.Name)
		assert.Equal(t, f.String("metricTransformation.name"), a.String("metricName"))
		assert.Equal(t, f.String("metricTransformation.namespace"), a.String("namespace"))
		assert.Equal(t, "CISBenchmark", a.String("namespace"), "the default namespace names no project")
		assert.Equal(t, []string{topicARN}, a.Strings("alarmActions"))
		assert.Equal(t, "GreaterThanOrEqualToThreshold", a.String("comparisonOperator"))
		assert.Equal(t, "notBreaching", a.String("treatMissingData"))
	}
}

func TestConfigRecordsEverythingIntoTheCentralBucket(t *testing.T) {
	p := mustRun(t, workloadArgs())
	require.Len(t, p.ByType("aws:cfg/recorder:Recorder"), 1, "one recorder per account and region")
	require.Len(t, p.ByType("aws:cfg/deliveryChannel:DeliveryChannel"), 1)
	slr := p.Require(t, "aws:iam/serviceLinkedRole:ServiceLinkedRole", "base-config")
	assert.Equal(t, "config.amazonaws.com", slr.String("awsServiceName"))
	rec := p.Require(t, "aws:cfg/recorder:Recorder", "base")
	assert.Equal(t, slr.Output("arn"), rec.Get("roleArn"), "Config.1: the service-linked role")
	assert.Contains(t, rec.String("roleArn"), "/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig")
	assert.True(t, rec.Bool("recordingGroup.allSupported"))
	assert.True(t, rec.Bool("recordingGroup.includeGlobalResourceTypes"))

	ch := p.Require(t, "aws:cfg/deliveryChannel:DeliveryChannel", "base")
	assert.Equal(t, "org-audit-config", ch.String("s3BucketName"))
	assert.Equal(t, p.Require(t, "aws:kms/key:Key", "base-logs").Output("arn"), ch.Get("s3KmsKeyArn"))
	assert.Contains(t, ch.DependsOn, rec.URN)

	status := p.Require(t, "aws:cfg/recorderStatus:RecorderStatus", "base")
	assert.True(t, status.Bool("isEnabled"))
	assert.Contains(t, status.DependsOn, ch.URN, "recording starts once delivery is configured")

	rules := p.ByType("aws:cfg/rule:Rule")
	require.Len(t, rules, len(sb.DefaultConfigRules))
	var ids []string
	for _, r := range rules {
		assert.Equal(t, "AWS", r.String("source.owner"))
		ids = append(ids, r.String("source.sourceIdentifier"))
		assert.Contains(t, r.DependsOn, status.URN)
		assert.LessOrEqual(t, len(r.String("name")), 128)
	}
	assert.ElementsMatch(t, sb.DefaultConfigRules, ids)

	pw := p.Require(t, "aws:cfg/rule:Rule", "base-iam_password_policy")
	var params map[string]string
	require.NoError(t, json.Unmarshal([]byte(pw.String("inputParameters")), &params))
	assert.Equal(t, "14", params["MinimumPasswordLength"], "the rule checks the policy the baseline sets")
	assert.Equal(t, "24", params["PasswordReusePrevention"])
}

func TestGuardDutySecurityHubAndFindingRules(t *testing.T) {
	args := workloadArgs()
	args.DisabledGuardDutyFeatures = []string{"EKS_AUDIT_LOGS"}
	p := mustRun(t, args)
	require.Len(t, p.ByType("aws:guardduty/detector:Detector"), 1, "one detector per account and region")
	det := p.Require(t, "aws:guardduty/detector:Detector", "base")
	assert.True(t, det.Bool("enable"))
	assert.Equal(t, "FIFTEEN_MINUTES", det.String("findingPublishingFrequency"))
	assert.Len(t, det.ID, 32)

	features := p.ByType("aws:guardduty/detectorFeature:DetectorFeature")
	require.Len(t, features, len(sb.GuardDutyFeatures))
	for _, f := range features {
		assert.Equal(t, det.ID, f.String("detectorId"))
		want := "ENABLED"
		if f.String("name") == "EKS_AUDIT_LOGS" {
			want = "DISABLED"
		}
		assert.Equal(t, want, f.String("status"), f.String("name"))
	}
	runtime := p.Require(t, "aws:guardduty/detectorFeature:DetectorFeature", "base-runtime-monitoring")
	assert.Equal(t, "ECS_FARGATE_AGENT_MANAGEMENT", runtime.String("additionalConfigurations[0].name"))
	assert.Equal(t, "ENABLED", runtime.String("additionalConfigurations[0].status"))

	hub := p.Require(t, "aws:securityhub/account:Account", "base")
	assert.False(t, hub.Bool("enableDefaultStandards"))
	var standards []string
	for _, s := range p.ByType("aws:securityhub/standardsSubscription:StandardsSubscription") {
		standards = append(standards, s.String("standardsArn"))
		assert.Contains(t, s.DependsOn, hub.URN)
	}
	assert.ElementsMatch(t, []string{
		"arn:aws:securityhub:us-west-2::standards/aws-foundational-security-best-practices/v/1.0.0",
		"arn:aws:securityhub:us-west-2::standards/cis-aws-foundations-benchmark/v/3.0.0",
	}, standards)

	gd := p.Require(t, "aws:cloudwatch/eventRule:EventRule", "base-guardduty-findings")
	pattern, err := gd.JSON("eventPattern")
	require.NoError(t, err)
	assert.Equal(t, []any{"aws.guardduty"}, pattern.(map[string]any)["source"])
	sev, _ := offline.Lookup(pattern, "detail.severity[0].numeric")
	assert.Equal(t, []any{">=", float64(7)}, sev, "high and critical GuardDuty findings")

	hubRule := p.Require(t, "aws:cloudwatch/eventRule:EventRule", "base-securityhub-findings")
	pattern, err = hubRule.JSON("eventPattern")
	require.NoError(t, err)
	labels, _ := offline.Lookup(pattern, "detail.findings.Severity.Label")
	assert.ElementsMatch(t, []any{"HIGH", "CRITICAL"}, labels)

	for _, rule := range []*offline.Resource{gd, hubRule} {
		target := p.Require(t, "aws:cloudwatch/eventTarget:EventTarget", rule.Name)
		assert.Equal(t, rule.Output("name"), target.Get("rule"))
		assert.Equal(t, topicARN, target.String("arn"), "findings go to the alert topic")
	}
}

func TestArchiveBucketsAreHardenedAndAdmitExactlyTheWriters(t *testing.T) {
	p := mustRun(t, archiveArgs())
	logsKey := p.Require(t, "aws:kms/key:Key", "base-logs")
	buckets := map[string]string{"base-trail-archive": "org-audit-trail", "base-config-archive": "org-audit-config", "base-access-logs": "org-audit-trail-access"}
	require.Len(t, p.ByType("aws:s3/bucketV2:BucketV2"), 3)
	for logical, name := range buckets {
		b := p.Require(t, "aws:s3/bucketV2:BucketV2", logical)
		assert.Equal(t, name, b.String("bucket"))
		assert.False(t, b.Bool("forceDestroy"))
		assert.Equal(t, logical == "base-trail-archive", b.Bool("objectLockEnabled"), "%s: Object Lock on the trail archive only (Config cannot deliver to a locked bucket)", logical)
		assert.Equal(t, "Enabled", p.Require(t, "aws:s3/bucketVersioningV2:BucketVersioningV2", logical).String("versioningConfiguration.status"))
		assert.Equal(t, "BucketOwnerEnforced", p.Require(t, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", logical).String("rule.objectOwnership"))
		block := p.Require(t, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", logical)
		for _, f := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
			assert.True(t, block.Bool(f), "%s %s", logical, f)
		}
		sse := p.Require(t, "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", logical)
		if logical == "base-access-logs" {
			assert.Equal(t, "AES256", sse.String("rules[0].applyServerSideEncryptionByDefault.sseAlgorithm"), "log delivery targets support SSE-S3 only")
		} else {
			assert.Equal(t, "aws:kms", sse.String("rules[0].applyServerSideEncryptionByDefault.sseAlgorithm"))
			assert.Equal(t, logsKey.Output("arn"), sse.Get("rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId"))
			logging := p.Require(t, "aws:s3/bucketLoggingV2:BucketLoggingV2", logical)
			assert.Equal(t, "org-audit-trail-access", logging.String("targetBucket"), "CIS 3.4: access-logged")
			// S3 refuses logging to a bucket that does not exist yet
			// (InvalidTargetBucketForLogging); the policy admits the
			// logging service before any log is delivered.
			assert.Contains(t, logging.DependsOn, p.Require(t, "aws:s3/bucketV2:BucketV2", "base-access-logs").URN, "%s: logging waits for its target bucket", logical)
			assert.Contains(t, logging.DependsOn, p.Require(t, "aws:s3/bucketPolicy:BucketPolicy", "base-access-logs").URN, "%s: logging waits for its target's policy", logical)
		}
		pol := p.Require(t, "aws:s3/bucketPolicy:BucketPolicy", logical)
		st := pol.Statements(t, "policy")
		tls := st["DenyWithoutTLS"]
		assert.Equal(t, "Deny", tls["Effect"])
		assert.Equal(t, []any{"false"}, offline.Condition(tls, "Bool", "aws:SecureTransport"))
		assert.ElementsMatch(t, []string{"arn:aws:s3:::" + name, "arn:aws:s3:::" + name + "/*"}, offline.Strings(tls["Resource"]))
		assert.Contains(t, pol.DependsOn, block.URN)
	}
	assert.Equal(t, 365, p.Require(t, "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2", "base-trail-archive").Int("rule.defaultRetention.days"))

	trail := p.Require(t, "aws:s3/bucketPolicy:BucketPolicy", "base-trail-archive").Statements(t, "policy")
	assert.ElementsMatch(t, []string{
		"arn:aws:cloudtrail:us-west-2:" + account + ":trail/base-trail",
		"arn:aws:cloudtrail:us-west-2:" + otherWriter + ":trail/other-trail",
	}, offline.Strings(offline.Condition(trail["CloudTrailAclCheck"], "StringEquals", "aws:SourceArn")))
	other := trail["CloudTrailWrite"+otherWriter]
	assert.Equal(t, []string{"arn:aws:s3:::org-audit-trail/AWSLogs/" + otherWriter + "/*"}, offline.Strings(other["Resource"]), "a writer writes under its own prefix only")
	assert.Equal(t, []string{"arn:aws:cloudtrail:us-west-2:" + otherWriter + ":trail/other-trail"}, offline.Strings(offline.Condition(other, "StringEquals", "aws:SourceArn")))
	assert.Equal(t, []string{"bucket-owner-full-control"}, offline.Strings(offline.Condition(other, "StringEquals", "s3:x-amz-acl")))
	assert.Equal(t, "Deny", trail["DenyDeletingAuditRecords"]["Effect"])

	cfg := p.Require(t, "aws:s3/bucketPolicy:BucketPolicy", "base-config-archive").Statements(t, "policy")
	assert.ElementsMatch(t, []string{account, otherWriter}, offline.Strings(offline.Condition(cfg["ConfigAclCheck"], "StringEquals", "aws:SourceAccount")))
	assert.Equal(t, []string{"arn:aws:s3:::org-audit-config/AWSLogs/" + otherWriter + "/Config/*"}, offline.Strings(cfg["ConfigWrite"+otherWriter]["Resource"]))

	access := p.Require(t, "aws:s3/bucketPolicy:BucketPolicy", "base-access-logs").Statements(t, "policy")["S3ServerAccessLogsOfTheArchive"]
	assert.Equal(t, []string{"logging.s3.amazonaws.com"}, offline.Strings(access["Principal"].(map[string]any)["Service"]))
	assert.ElementsMatch(t, []string{"arn:aws:s3:::org-audit-trail", "arn:aws:s3:::org-audit-config"}, offline.Strings(offline.Condition(access, "ArnLike", "aws:SourceArn")))

	// The archive account's own trail and channel wait for the policies admitting them.
	assert.Contains(t, p.Require(t, "aws:cloudtrail/trail:Trail", "base-trail").DependsOn, p.Require(t, "aws:s3/bucketPolicy:BucketPolicy", "base-trail-archive").URN)
	assert.Contains(t, p.Require(t, "aws:cfg/deliveryChannel:DeliveryChannel", "base").DependsOn, p.Require(t, "aws:s3/bucketPolicy:BucketPolicy", "base-config-archive").URN)
	assert.Equal(t, []string{"arn:aws:iam::" + account + ":root"},
		offline.Strings(logsKey.Statements(t, "policy")["AuditReadersThroughS3"]["Principal"].(map[string]any)["AWS"]), "the reader defaults to the account itself")
}

func TestWorkloadAccountsHaveNoArchive(t *testing.T) {
	p := mustRun(t, workloadArgs())
	assert.Empty(t, p.ByType("aws:s3/bucketV2:BucketV2"))
	assert.Empty(t, p.ByType("aws:s3/bucketPolicy:BucketPolicy"))
}

func TestPersonaRolesTrustOnlyTheIdentityAccountWithMFA(t *testing.T) {
	p := mustRun(t, workloadArgs())
	for _, tc := range []struct {
		name     string
		hours    int
		policies []string
	}{
		{"full-access", 1, []string{"arn:aws:iam::aws:policy/AdministratorAccess"}},
		{"read-only", 4, []string{"arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"}},
	} {
		role := p.Require(t, "aws:iam/role:Role", "base-"+tc.name)
		assert.Equal(t, tc.name, role.String("name"))
		assert.Equal(t, tc.hours*3600, role.Int("maxSessionDuration"), "bounded sessions")
		st := role.Statements(t, "assumeRolePolicy")
		require.Len(t, st, 2)
		trust := st["IdentityAccountWithMFA"]
		assert.Equal(t, map[string]any{"AWS": []any{"arn:aws:iam::" + identityAccount + ":root"}}, trust["Principal"], "exactly the identity account")
		assert.Equal(t, []string{"sts:AssumeRole"}, offline.Strings(trust["Action"]))
		assert.Equal(t, []any{"true"}, offline.Condition(trust, "Bool", "aws:MultiFactorAuthPresent"))
		source := st["OwnUserNameAsSourceIdentity"]
		assert.Equal(t, trust["Principal"], source["Principal"])
		assert.Equal(t, []string{"sts:SetSourceIdentity"}, offline.Strings(source["Action"]))
		assert.Equal(t, []any{"${aws:username}"}, offline.Condition(source, "StringEquals", "sts:SourceIdentity"), "a user's own name only")
		assert.Equal(t, []any{"true"}, offline.Condition(source, "Bool", "aws:MultiFactorAuthPresent"))
		var attached []string
		for _, att := range p.ByType("aws:iam/rolePolicyAttachment:RolePolicyAttachment") {
			if att.Get("role") == role.Output("name") {
				attached = append(attached, att.String("policyArn"))
			}
		}
		assert.ElementsMatch(t, tc.policies, attached)
		assert.Nil(t, p.Find("aws:iam/rolePolicy:RolePolicy", "base-"+tc.name+"-inline"), "no inline policy unless asked")
	}

	args := workloadArgs()
	args.AccountRoles.Personas[1].InlinePolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ssm:SendCommand","Resource":"*"}]}`
	inline := mustRun(t, args).Require(t, "aws:iam/rolePolicy:RolePolicy", "base-read-only-inline")
	assert.Equal(t, args.AccountRoles.Personas[1].InlinePolicy, inline.String("policy"))
}

func TestSessionManagerLogsEverySession(t *testing.T) {
	p := mustRun(t, workloadArgs())
	doc := p.Require(t, "aws:ssm/document:Document", "base-session-preferences")
	assert.Equal(t, sb.SessionPreferencesDocument, doc.String("name"))
	assert.Equal(t, "Session", doc.String("documentType"))
	content, err := doc.JSON("content")
	require.NoError(t, err)
	group := p.Require(t, "aws:cloudwatch/logGroup:LogGroup", "base-sessions")
	inputs := content.(map[string]any)["inputs"].(map[string]any)
	assert.Equal(t, group.Output("name"), inputs["cloudWatchLogGroupName"])
	assert.Equal(t, true, inputs["cloudWatchEncryptionEnabled"])
	assert.Equal(t, true, inputs["cloudWatchStreamingEnabled"])
	assert.Equal(t, false, inputs["runAsEnabled"])
	assert.Equal(t, p.Require(t, "aws:kms/key:Key", "base-logs").Output("arn"), group.Get("kmsKeyId"))
	sessionKey := p.Require(t, "aws:kms/key:Key", "base-sessions").Output("arn")
	assert.Equal(t, sessionKey, inputs["kmsKeyId"], "session data is encrypted with the sessions key")

	pol := p.Require(t, "aws:iam/policy:Policy", "base-instance-logging").Statements(t, "policy")
	assert.Contains(t, offline.Strings(pol["WriteSessionAndPatchLogs"]["Resource"]), group.Output("arn").(string)+":log-stream:*")
	assert.Equal(t, []string{sessionKey.(string)}, offline.Strings(pol["DecryptSessions"]["Resource"]), "the agent decrypts sessions")
	assert.Equal(t, []string{"kms:Decrypt"}, offline.Strings(pol["DecryptSessions"]["Action"]))

	// Every persona may generate a session's data key, with that key only.
	for _, persona := range []string{"full-access", "read-only"} {
		inline := p.Require(t, "aws:iam/rolePolicy:RolePolicy", "base-"+persona+"-sessions").Statements(t, "policy")["GenerateSessionDataKeys"]
		assert.Equal(t, []string{"kms:GenerateDataKey"}, offline.Strings(inline["Action"]), persona)
		assert.Equal(t, []string{sessionKey.(string)}, offline.Strings(inline["Resource"]), persona)
	}
}

func TestPatchingAutoApprovesSecurityUpdatesByTag(t *testing.T) {
	args := workloadArgs()
	args.Patching.ApproveAfterDays = 3
	p := mustRun(t, args)
	pb := p.Require(t, "aws:ssm/patchBaseline:PatchBaseline", "base-security-updates")
	assert.Equal(t, "AMAZON_LINUX_2023", pb.String("operatingSystem"))
	assert.Equal(t, 3, pb.Int("approvalRules[0].approveAfterDays"))
	assert.Equal(t, "CLASSIFICATION", pb.String("approvalRules[0].patchFilters[0].key"))
	assert.Equal(t, []string{"Security"}, pb.Strings("approvalRules[0].patchFilters[0].values"))
	assert.Equal(t, pb.ID, p.Require(t, "aws:ssm/patchGroup:PatchGroup", "base-security-updates").String("baselineId"))
	assert.Equal(t, "base", p.Require(t, "aws:ssm/patchGroup:PatchGroup", "base-security-updates").String("patchGroup"))
	assert.Equal(t, pb.ID, p.Require(t, "aws:ssm/defaultPatchBaseline:DefaultPatchBaseline", "base-security-updates").String("baselineId"))

	scan := p.Require(t, "aws:ssm/association:Association", "base-patch-scan")
	assert.Equal(t, "AWS-RunPatchBaseline", scan.String("name"))
	assert.Equal(t, "Scan", scan.String("parameters.Operation"))
	assert.Equal(t, "tag:Patch Group", scan.String("targets[0].key"))
	assert.Equal(t, []string{"base"}, scan.Strings("targets[0].values"))

	window := p.Require(t, "aws:ssm/maintenanceWindow:MaintenanceWindow", "base-patching")
	assert.Equal(t, "cron(0 3 ? * SUN *)", window.String("schedule"))
	assert.Equal(t, 3, window.Int("duration"))
	assert.Less(t, window.Int("cutoff"), window.Int("duration"))
	target := p.Require(t, "aws:ssm/maintenanceWindowTarget:MaintenanceWindowTarget", "base-patching")
	assert.Equal(t, window.ID, target.String("windowId"))
	assert.Equal(t, "tag:Patch Group", target.String("targets[0].key"))
	task := p.Require(t, "aws:ssm/maintenanceWindowTask:MaintenanceWindowTask", "base-patching")
	assert.Equal(t, "AWS-RunPatchBaseline", task.String("taskArn"))
	assert.Equal(t, []string{target.ID}, task.Strings("targets[0].values"))
	params := task.List("taskInvocationParameters.runCommandParameters.parameters")
	assert.Contains(t, params, map[string]any{"name": "Operation", "values": []any{"Install"}})
	assert.Equal(t, p.Require(t, "aws:cloudwatch/logGroup:LogGroup", "base-patching").Output("name"),
		task.Get("taskInvocationParameters.runCommandParameters.cloudwatchConfig.cloudwatchLogGroupName"))
}

func TestProtectKeepsStatefulResources(t *testing.T) {
	args := archiveArgs()
	args.Protect = true
	p := mustRun(t, args)
	var stateful []*offline.Resource
	stateful = append(stateful, p.ByType("aws:kms/key:Key")...)
	stateful = append(stateful, p.ByType("aws:cloudwatch/logGroup:LogGroup")...)
	stateful = append(stateful, p.ByType("aws:s3/bucketV2:BucketV2")...)
	require.Len(t, stateful, 4+3+3)
	for _, r := range stateful {
		assert.True(t, r.Protect, "%s %q protected", r.Type, r.Name)
		assert.True(t, r.RetainOnDelete, "%s %q retained", r.Type, r.Name)
	}
	for _, k := range p.ByType("aws:kms/key:Key") {
		assert.Equal(t, 30, k.Int("deletionWindowInDays"))
	}

	p = mustRun(t, archiveArgs())
	for _, r := range p.ByType("aws:kms/key:Key") {
		assert.False(t, r.Protect)
		assert.Equal(t, 7, r.Int("deletionWindowInDays"))
	}
}

func TestOutputsCarryTheChildrensValues(t *testing.T) {
	var (
		wg  sync.WaitGroup
		got []string
	)
	wg.Add(1)
	p, err := offline.RunComponent(func(ctx *pulumi.Context, prov *aws.Provider) error {
		c, err := sb.NewSecurityBaseline(ctx, "base", workloadArgs(), pulumi.Provider(prov))
		if err != nil {
			return err
		}
		pulumi.All(c.LogsKeyARN, c.DataKeyARN, c.SecretsKeyARN, c.TrailARN, c.PatchGroup, c.DetectorID).ApplyT(func(v []any) error {
			defer wg.Done()
			for _, x := range v {
				got = append(got, x.(string))
			}
			return nil
		})
		return nil
	})
	require.NoError(t, err)
	wg.Wait()
	want := []string{
		p.Require(t, "aws:kms/key:Key", "base-logs").Output("arn").(string),
		p.Require(t, "aws:kms/key:Key", "base-data").Output("arn").(string),
		p.Require(t, "aws:kms/key:Key", "base-secrets").Output("arn").(string),
		p.Require(t, "aws:cloudtrail/trail:Trail", "base-trail").Output("arn").(string),
		"base",
		p.Require(t, "aws:guardduty/detector:Detector", "base").ID,
	}
	assert.Equal(t, want, got)
	assert.Len(t, slices.Compact(slices.Clone(want[:3])), 3, "three distinct keys")
}
