package program_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/examples/internal/proof"
	"github.com/refarch/refarch/examples/security-baseline/program"
	"github.com/refarch/refarch/offline"
)

// trial are the rules the sample stack fails on purpose: it is there to be
// tried and destroyed, so nothing is protected and delivered logs are not
// locked. protect: true with auditLockDays turns them into passes
// (TestProtectAndLockMakeItProductionGrade).
var trial = proof.Merge(
	proof.Explain("the sample keeps protect false, so `pulumi destroy` removes the trial; set protect true for an account you keep",
		"kms-key-deletion-window", "stateful-resources-protected"),
	proof.Explain("the sample keeps auditLockDays 0 (Object Lock on, no default retention), so the trial's logs can be deleted; set auditLockDays for an account you keep",
		"s3-audit-archive-object-lock"),
)

// production are the settings of an account one keeps.
var production = map[string]string{"security-baseline:protect": "true", "security-baseline:auditLockDays": "365"}

func plan(t *testing.T, set map[string]string) *offline.Plan {
	t.Helper()
	return proof.Plan(t, program.Program, set)
}

func TestTheTrailDeliversToTheAccountsOwnArchive(t *testing.T) {
	p := plan(t, nil)
	account := proof.Sample(t)["accountId"]
	trails := p.ByType("aws:cloudtrail/trail:Trail")
	require.Len(t, trails, 1)
	trail := trails[0]
	assert.True(t, trail.Bool("isMultiRegionTrail"))
	assert.True(t, trail.Bool("includeGlobalServiceEvents"))
	assert.True(t, trail.Bool("enableLogFileValidation"))
	assert.NotEmpty(t, trail.String("cloudWatchLogsGroupArn"))
	logs := p.Require(t, "aws:kms/key:Key", "example-logs")
	assert.Equal(t, logs.Output("arn"), trail.String("kmsKeyId"))

	archive := p.Require(t, "aws:s3/bucketV2:BucketV2", "example-trail-archive")
	assert.Equal(t, program.TrailBucket("example", account), archive.String("bucket"))
	assert.Equal(t, archive.String("bucket"), trail.String("s3BucketName"))
	assert.True(t, archive.Bool("objectLockEnabled"))
	config := p.Require(t, "aws:s3/bucketV2:BucketV2", "example-config-archive")
	assert.Equal(t, program.ConfigBucket("example", account), config.String("bucket"))
	assert.Equal(t, config.String("bucket"), p.Require(t, "aws:cfg/deliveryChannel:DeliveryChannel", "example").String("s3BucketName"))

	// The archive admits this account's trail alone, and nobody may delete
	// what it delivered.
	statements := p.Require(t, "aws:s3/bucketPolicy:BucketPolicy", "example-trail-archive").Statements(t, "policy")
	var writers []string
	for sid := range statements {
		if strings.HasPrefix(sid, "CloudTrailWrite") {
			writers = append(writers, sid)
		}
	}
	assert.Equal(t, []string{"CloudTrailWrite" + account}, writers)
	assert.Equal(t, []string{trail.Output("arn").(string)}, offline.Strings(offline.Condition(statements["CloudTrailWrite"+account], "StringEquals", "aws:SourceArn")))
	deny := statements["DenyDeletingAuditRecords"]
	require.NotNil(t, deny)
	assert.Equal(t, "Deny", deny["Effect"])
}

func TestThePurposeKeysExistAndRotate(t *testing.T) {
	p := plan(t, nil)
	for _, name := range []string{"example-logs", "example-data", "example-secrets", "example-sessions", "example-alerts-key"} {
		key := p.Require(t, "aws:kms/key:Key", name)
		assert.True(t, key.Bool("enableKeyRotation"), name)
	}
}

func TestFindingsAndAlarmsReachTheAlertTopic(t *testing.T) {
	p := plan(t, nil)
	topic := p.Require(t, "aws:sns/topic:Topic", "example-alerts")
	assert.Equal(t, p.Require(t, "aws:kms/key:Key", "example-alerts-key").Output("arn"), topic.String("kmsMasterKeyId"))
	for _, name := range []string{"example-guardduty-findings", "example-securityhub-findings"} {
		assert.Equal(t, topic.Output("arn"), p.Require(t, "aws:cloudwatch/eventTarget:EventTarget", name).String("arn"), name)
	}
	alarms := p.ByType("aws:cloudwatch/metricAlarm:MetricAlarm")
	require.NotEmpty(t, alarms)
	for _, a := range alarms {
		assert.Equal(t, []string{topic.Output("arn").(string)}, a.Strings("alarmActions"), a.Name)
	}
	var emails []string
	for _, sub := range p.ByType("aws:sns/topicSubscription:TopicSubscription") {
		assert.Equal(t, "email", sub.String("protocol"))
		assert.Equal(t, topic.Output("arn"), sub.String("topic"))
		emails = append(emails, sub.String("endpoint"))
	}
	assert.ElementsMatch(t, proof.List(t, proof.Sample(t)["alertEmails"]), emails, "one subscription per alertEmails address")
}

func TestTheAccountStandsAlone(t *testing.T) {
	p := plan(t, nil)
	for typ := range p.CountByType() {
		for _, cross := range []string{"guardduty/member", "guardduty/inviteAccepter", "guardduty/organization", "securityhub/member",
			"securityhub/inviteAccepter", "securityhub/findingAggregator", "cfg/configurationAggregator", "cfg/aggregateAuthorization"} {
			assert.False(t, strings.Contains(typ, cross), "no administrator or membership: %s", typ)
		}
	}
	// No persona roles either (Args.AccountRoles is unset).
	for _, r := range p.ByType("aws:iam/role:Role") {
		assert.Equal(t, "example-cloudtrail-logs", r.Name, "the only role lets CloudTrail write its log group")
	}
}

func TestEveryRulePassesOrIsExplained(t *testing.T) {
	p := plan(t, nil)
	proof.Judge(t, p, trial)
	// What the other examples leave to the account's baseline, it provides.
	proof.Passes(t, p, proof.AccountRules)
}

func TestProtectAndLockMakeItProductionGrade(t *testing.T) {
	p := plan(t, production)
	proof.Judge(t, p, nil)
	lock := p.ByType("aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2")
	require.Len(t, lock, 1)
	assert.Equal(t, 365, lock[0].Int("rule.defaultRetention.days"))
	assert.Equal(t, "GOVERNANCE", lock[0].String("rule.defaultRetention.mode"))
}

func TestTheReadmeAgreesWithTheExample(t *testing.T) {
	proof.Cost(t, plan(t, nil))
	proof.ReadmeAgrees(t, "security-baseline")
}

func TestItUsesOnlyTheComponentLibrary(t *testing.T) {
	proof.UsesOnlyTheLibrary(t)
}
