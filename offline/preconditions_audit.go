package offline

import (
	"fmt"
	"strings"
)

// The preconditions of the audit trail's order-or-state rules (policies'
// audit rules of the same IDs): access logging into an existing bucket,
// a trail admitted by its bucket's policy, AWS Config's recorder before its
// channel and rules, and its channel before recording starts.

const (
	auditTypeBucket          = "aws:s3/bucketV2:BucketV2"
	auditTypeBucketPolicy    = "aws:s3/bucketPolicy:BucketPolicy"
	auditTypeRecorder        = "aws:cfg/recorder:Recorder"
	auditTypeDeliveryChannel = "aws:cfg/deliveryChannel:DeliveryChannel"
)

func init() {
	registerPrecondition(Precondition{
		Rule:    "s3-access-logging-after-target-bucket",
		Type:    "aws:s3/bucketLoggingV2:BucketLoggingV2",
		Code:    "InvalidTargetBucketForLogging",
		Missing: targetBucketExists,
	})
	registerPrecondition(Precondition{
		Rule:    "cloudtrail-after-bucket-policy",
		Type:    "aws:cloudtrail/trail:Trail",
		Code:    "InsufficientS3BucketPolicyException",
		Missing: trailAdmitted,
	})
	for _, typ := range []string{auditTypeDeliveryChannel, "aws:cfg/rule:Rule"} {
		registerPrecondition(Precondition{
			Rule: "config-channel-and-rules-after-recorder",
			Type: typ,
			Code: "NoAvailableConfigurationRecorderException",
			Missing: func(w *World, at Place, _ map[string]any) (string, error) {
				return configHas(w, at, auditTypeRecorder, "There are no customer managed configuration recorders available to record your resources")
			},
		})
	}
	registerPrecondition(Precondition{
		Rule: "config-recorder-started-after-delivery-channel",
		Type: "aws:cfg/recorderStatus:RecorderStatus",
		Code: "NoAvailableDeliveryChannelException",
		Missing: func(w *World, at Place, in map[string]any) (string, error) {
			if in["isEnabled"] != true {
				return "", nil // stopping needs no channel
			}
			return configHas(w, at, auditTypeDeliveryChannel, "There is no delivery channel available to record configurations")
		},
	})
}

// targetBucketExists: S3 refuses to log into a bucket that does not exist
// (in the account and region of the logged bucket).
// Source: https://docs.aws.amazon.com/AmazonS3/latest/userguide/troubleshooting-server-access-logging.html
func targetBucketExists(w *World, at Place, in map[string]any) (string, error) {
	target, _ := in["targetBucket"].(string)
	if target == "" {
		return "", nil
	}
	buckets, err := w.In(at.Account, at.Region, auditTypeBucket, func(e Existing) bool { return e.String("bucket") == target })
	if err != nil || len(buckets) > 0 {
		return "", err
	}
	return fmt.Sprintf("The target bucket for logging does not exist: %s", target), nil
}

// trailAdmitted: CloudTrail checks, when it creates a trail, that the
// bucket's policy lets CloudTrail write this account's logs; the bucket
// may be in another account (the archive). A policy conditioned on
// aws:SourceArn must name this trail.
// Source: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-set-bucket-policy-for-multiple-accounts.html
func trailAdmitted(w *World, at Place, in map[string]any) (string, error) {
	bucket, _ := in["s3BucketName"].(string)
	name, _ := in["name"].(string)
	if bucket == "" {
		return "", nil
	}
	partition := at.Partition
	if partition == "" {
		partition = "aws"
	}
	owner := at.Account
	if in["isOrganizationTrail"] == true {
		// The management account owns an organization trail, also one its
		// delegated administrator creates, and writes its own logs under
		// AWSLogs/<management account>/.
		// Source: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-delegated-administrator.html
		org, _, err := orgOfMember(w, at.Account)
		if err != nil {
			return "", err
		}
		if org != nil {
			owner = org.Account
		}
	}
	trailARN := fmt.Sprintf("arn:%s:cloudtrail:%s:%s:trail/%s", partition, at.Region, owner, name)
	policies, err := w.Of(auditTypeBucketPolicy)
	if err != nil {
		return "", err
	}
	for _, p := range policies {
		doc := p.String("policy")
		if p.String("bucket") != bucket || !strings.Contains(doc, "cloudtrail.amazonaws.com") || !strings.Contains(doc, "AWSLogs/"+owner+"/") {
			continue
		}
		if strings.Contains(doc, "aws:SourceArn") && !strings.Contains(doc, trailARN) {
			continue
		}
		return "", nil
	}
	return fmt.Sprintf("Incorrect S3 bucket policy is detected for bucket: %s (nothing admits trail %s)", bucket, trailARN), nil
}

// configHas: AWS Config needs a resource of typ (the recorder, the
// delivery channel) of the account and region first.
// Source: https://docs.aws.amazon.com/botocore/latest/reference/services/config/client/exceptions/NoAvailableConfigurationRecorderException.html
func configHas(w *World, at Place, typ, message string) (string, error) {
	found, err := w.In(at.Account, at.Region, typ, nil)
	if err != nil || len(found) > 0 {
		return "", err
	}
	return fmt.Sprintf("%s (account %s, %s)", message, at.Account, at.Region), nil
}
