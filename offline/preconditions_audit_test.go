package offline

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestAccessLoggingWaitsForItsTargetBucket(t *testing.T) {
	w, err := OpenWorld(t.TempDir())
	require.NoError(t, err)
	security := standInCloud(w, "111111111111")
	logging := map[string]any{"bucket": "refarch-audit-trail-111111111111", "targetBucket": "refarch-audit-trail-111111111111-access", "targetPrefix": "refarch-audit-trail-111111111111/"}
	require.NoError(t, create(security, "security", "aws:s3/bucketV2:BucketV2", "refarch-security-trail-archive", map[string]any{"bucket": "refarch-audit-trail-111111111111"}))
	requireRefusal(t, create(security, "security", "aws:s3/bucketLoggingV2:BucketLoggingV2", "refarch-security-trail-archive", logging), "s3-access-logging-after-target-bucket", "InvalidTargetBucketForLogging")
	// A bucket of that name in another account is not the target.
	require.NoError(t, create(standInCloud(w, "222222222222"), "shared-services", "aws:s3/bucketV2:BucketV2", "elsewhere", map[string]any{"bucket": "refarch-audit-trail-111111111111-access"}))
	requireRefusal(t, create(security, "security", "aws:s3/bucketLoggingV2:BucketLoggingV2", "refarch-security-trail-archive", logging), "s3-access-logging-after-target-bucket", "InvalidTargetBucketForLogging")
	require.NoError(t, create(security, "security", "aws:s3/bucketV2:BucketV2", "refarch-security-access-logs", map[string]any{"bucket": "refarch-audit-trail-111111111111-access"}))
	// The target's policy admits the logging service (the edge rules'
	// precondition on the same create).
	require.NoError(t, create(security, "security", "aws:s3/bucketPolicy:BucketPolicy", "refarch-security-access-logs", map[string]any{
		"bucket": "refarch-audit-trail-111111111111-access",
		"policy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"logging.s3.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::refarch-audit-trail-111111111111-access/*"}]}`,
	}))
	require.NoError(t, create(security, "security", "aws:s3/bucketLoggingV2:BucketLoggingV2", "refarch-security-trail-archive", logging))
}

// trailBucketPolicy is the archive's policy admitting the trails of
// accounts (refarch-<account>).
func trailBucketPolicy(accounts ...string) map[string]any {
	doc := `{"Version":"2012-10-17","Statement":[`
	for i, a := range accounts {
		if i > 0 {
			doc += ","
		}
		doc += `{"Sid":"CloudTrailWrite` + a + `","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject",` +
			`"Resource":"arn:aws:s3:::refarch-audit-trail-111111111111/AWSLogs/` + a + `/*",` +
			`"Condition":{"StringEquals":{"aws:SourceArn":"arn:aws:cloudtrail:us-west-2:` + a + `:trail/refarch-` + a + `"}}}`
	}
	return map[string]any{"bucket": "refarch-audit-trail-111111111111", "policy": doc + "]}"}
}

func TestATrailWaitsForTheBucketPolicyAdmittingIt(t *testing.T) {
	w, err := OpenWorld(t.TempDir())
	require.NoError(t, err)
	security, dev := standInCloud(w, "111111111111"), standInCloud(w, "333333333333")
	trail := func(account string) map[string]any {
		return map[string]any{"name": "refarch-" + account, "s3BucketName": "refarch-audit-trail-111111111111", "kmsKeyId": "arn:aws:kms:us-west-2:" + account + ":key/logs"}
	}
	requireRefusal(t, create(dev, "dev", "aws:cloudtrail/trail:Trail", "refarch-dev-trail", trail("333333333333")), "cloudtrail-after-bucket-policy", "InsufficientS3BucketPolicyException")
	// security's policy admits only its own trail at first.
	require.NoError(t, create(security, "security", "aws:s3/bucketPolicy:BucketPolicy", "refarch-security-trail-archive", trailBucketPolicy("111111111111")))
	require.NoError(t, create(security, "security", "aws:cloudtrail/trail:Trail", "refarch-security-trail", trail("111111111111")))
	requireRefusal(t, create(dev, "dev", "aws:cloudtrail/trail:Trail", "refarch-dev-trail", trail("333333333333")), "cloudtrail-after-bucket-policy", "InsufficientS3BucketPolicyException")
	// A policy naming dev's account but another trail of it does not admit this one.
	_, _, err = security.Update("urn:pulumi:security::refarch::aws:s3/bucketPolicy:BucketPolicy::refarch-security-trail-archive", toPropertyMap(trailBucketPolicy("111111111111", "333333333333")))
	require.NoError(t, err)
	renamed := trail("333333333333")
	renamed["name"] = "another-trail"
	requireRefusal(t, create(dev, "dev", "aws:cloudtrail/trail:Trail", "another", renamed), "cloudtrail-after-bucket-policy", "InsufficientS3BucketPolicyException")
	require.NoError(t, create(dev, "dev", "aws:cloudtrail/trail:Trail", "refarch-dev-trail", trail("333333333333")), "security, deployed first, admits dev's trail")
}

func TestConfigRecordsInOrderRecorderChannelStatusRules(t *testing.T) {
	w, err := OpenWorld(t.TempDir())
	require.NoError(t, err)
	dev := standInCloud(w, "333333333333")
	channel := map[string]any{"name": "refarch-dev", "s3BucketName": "refarch-audit-config-111111111111"}
	rule := map[string]any{"name": "iam-password-policy", "source": map[string]any{"owner": "AWS", "sourceIdentifier": "IAM_PASSWORD_POLICY"}}
	status := map[string]any{"name": "refarch-dev", "isEnabled": true}

	requireRefusal(t, create(dev, "dev", "aws:cfg/deliveryChannel:DeliveryChannel", "refarch-dev", channel), "config-channel-and-rules-after-recorder", "NoAvailableConfigurationRecorderException")
	requireRefusal(t, create(dev, "dev", "aws:cfg/rule:Rule", "iam-password-policy", rule), "config-channel-and-rules-after-recorder", "NoAvailableConfigurationRecorderException")
	// Another account's recorder is not dev's.
	require.NoError(t, create(standInCloud(w, "444444444444"), "stage", "aws:cfg/recorder:Recorder", "refarch-stage", map[string]any{"name": "refarch-stage"}))
	requireRefusal(t, create(dev, "dev", "aws:cfg/deliveryChannel:DeliveryChannel", "refarch-dev", channel), "config-channel-and-rules-after-recorder", "NoAvailableConfigurationRecorderException")

	require.NoError(t, create(dev, "dev", "aws:cfg/recorder:Recorder", "refarch-dev", map[string]any{"name": "refarch-dev"}))
	requireRefusal(t, create(dev, "dev", "aws:cfg/recorderStatus:RecorderStatus", "refarch-dev", status), "config-recorder-started-after-delivery-channel", "NoAvailableDeliveryChannelException")
	require.NoError(t, create(dev, "dev", "aws:cfg/recorderStatus:RecorderStatus", "stopped", map[string]any{"name": "refarch-dev", "isEnabled": false}), "a stopped recorder needs no channel")
	require.NoError(t, create(dev, "dev", "aws:cfg/deliveryChannel:DeliveryChannel", "refarch-dev", channel))
	require.NoError(t, create(dev, "dev", "aws:cfg/recorderStatus:RecorderStatus", "refarch-dev", status))
	require.NoError(t, create(dev, "dev", "aws:cfg/rule:Rule", "iam-password-policy", rule))
}
