package securitybaseline

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cfg"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// DefaultConfigRules is the starter set of AWS Config managed rules: each
// checks one control of this baseline (or one the other components own),
// so drift away from it shows up as a non-compliant resource.
// Source: https://docs.aws.amazon.com/config/latest/developerguide/managed-rules-by-aws-config.html
var DefaultConfigRules = []string{
	"MULTI_REGION_CLOUD_TRAIL_ENABLED",
	"CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED",
	"CLOUD_TRAIL_ENCRYPTION_ENABLED",
	"CLOUD_TRAIL_CLOUD_WATCH_LOGS_ENABLED",
	"IAM_PASSWORD_POLICY",
	"IAM_USER_NO_POLICIES_CHECK",
	"MFA_ENABLED_FOR_IAM_CONSOLE_ACCESS",
	"ROOT_ACCOUNT_MFA_ENABLED",
	"IAM_ROOT_ACCESS_KEY_CHECK",
	"EC2_EBS_ENCRYPTION_BY_DEFAULT",
	"EC2_IMDSV2_CHECK",
	"ENCRYPTED_VOLUMES",
	"S3_ACCOUNT_LEVEL_PUBLIC_ACCESS_BLOCKS_PERIODIC",
	"S3_BUCKET_SSL_REQUESTS_ONLY",
	"S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED",
	"RDS_STORAGE_ENCRYPTED",
	"CMK_BACKING_KEY_ROTATION_ENABLED",
	"GUARDDUTY_ENABLED_CENTRALIZED",
	"VPC_FLOW_LOGS_ENABLED",
	"INCOMING_SSH_DISABLED",
	"EC2_MANAGEDINSTANCE_PATCH_COMPLIANCE_STATUS_CHECK",
}

// configRuleParameters are the parameters of the rules that need them:
// the password rule checks exactly the policy the baseline sets.
func configRuleParameters(rule string) (string, error) {
	if rule != "IAM_PASSWORD_POLICY" {
		return "", nil
	}
	b, err := json.Marshal(map[string]string{
		"RequireUppercaseCharacters": "true",
		"RequireLowercaseCharacters": "true",
		"RequireSymbols":             "true",
		"RequireNumbers":             "true",
		"MinimumPasswordLength":      fmt.Sprint(PasswordPolicy.MinimumLength),
		"PasswordReusePrevention":    fmt.Sprint(PasswordPolicy.ReusePrevention),
		"MaxPasswordAge":             fmt.Sprint(PasswordPolicy.MaxAgeDays),
	})
	return string(b), err
}

// ConfigServiceLinkedRole is the role AWS Config records with: Security
// Hub's Config.1 requires the service-linked role.
const ConfigServiceLinkedRole = "AWSServiceRoleForConfig"

// awsConfig records every supported resource type, including global ones
// (CIS 3.3, Security Hub Config.1), with Config's service-linked role, and
// delivers snapshots daily to the central Config bucket encrypted with the
// logs key; then it evaluates Args.ConfigRules. One recorder and one
// delivery channel per account and region is all AWS allows.
func (b *builder) awsConfig() error {
	slr, err := iam.NewServiceLinkedRole(b.ctx, b.name+"-config", &iam.ServiceLinkedRoleArgs{
		AwsServiceName: pulumi.String("config.amazonaws.com"),
		Description:    pulumi.String("AWS Config records the account's resources"),
	}, b.child)
	if err != nil {
		return err
	}
	recorder, err := cfg.NewRecorder(b.ctx, b.name, &cfg.RecorderArgs{
		Name:    pulumi.String(b.name),
		RoleArn: slr.Arn,
		RecordingGroup: &cfg.RecorderRecordingGroupArgs{
			AllSupported:               pulumi.Bool(true),
			IncludeGlobalResourceTypes: pulumi.Bool(true),
		},
	}, b.child)
	if err != nil {
		return err
	}
	deps := []pulumi.Resource{recorder}
	if b.configBucketPolicy != nil {
		deps = append(deps, b.configBucketPolicy)
	}
	channel, err := cfg.NewDeliveryChannel(b.ctx, b.name, &cfg.DeliveryChannelArgs{
		Name:         pulumi.String(b.name),
		S3BucketName: pulumi.String(b.a.Audit.ConfigBucket),
		S3KmsKeyArn:  b.keyARNs[KeyLogs],
		SnapshotDeliveryProperties: &cfg.DeliveryChannelSnapshotDeliveryPropertiesArgs{
			DeliveryFrequency: pulumi.String("TwentyFour_Hours"),
		},
	}, b.child, pulumi.DependsOn(deps))
	if err != nil {
		return err
	}
	status, err := cfg.NewRecorderStatus(b.ctx, b.name, &cfg.RecorderStatusArgs{
		Name:      recorder.Name,
		IsEnabled: pulumi.Bool(true),
	}, b.child, pulumi.DependsOn([]pulumi.Resource{channel}))
	if err != nil {
		return err
	}
	for _, rule := range b.a.ConfigRules {
		params, err := configRuleParameters(rule)
		if err != nil {
			return err
		}
		args := &cfg.RuleArgs{
			Name:   pulumi.String(b.name + "-" + strings.ToLower(strings.ReplaceAll(rule, "_", "-"))),
			Source: &cfg.RuleSourceArgs{Owner: pulumi.String("AWS"), SourceIdentifier: pulumi.String(rule)},
		}
		if params != "" {
			args.InputParameters = pulumi.String(params)
		}
		if _, err := cfg.NewRule(b.ctx, b.name+"-"+strings.ToLower(rule), args, b.child, pulumi.DependsOn([]pulumi.Resource{status})); err != nil {
			return err
		}
	}
	return nil
}
