// Package keypolicy builds the statements of KMS key policies that name
// exactly who may do what with a key, instead of the console default that
// hands the whole key to the account's IAM ("arn:…:root" with kms:*).
//
// A key policy built here separates administration (the deploy role: change
// the policy, rotate, schedule deletion; never encrypt or decrypt) from use
// (named AWS services, or the account's principals only through named
// services). Tests parse the rendered policies and check both halves.
//
// Source: https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
package keypolicy

import (
	"fmt"

	"github.com/refarch/refarch/components/iampolicy"
	"github.com/refarch/refarch/components/validate"
)

// AdministrationActions are what a key administrator may do: everything
// that manages the key, nothing that uses it for cryptography. Naming the
// deploy role here also satisfies KMS's lockout check (the principal that
// sets a policy must be able to set it again).
// Source: https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-administrators
var AdministrationActions = []string{
	"kms:Create*",
	"kms:Describe*",
	"kms:Enable*",
	"kms:List*",
	"kms:Put*",
	"kms:Update*",
	"kms:Revoke*",
	"kms:Disable*",
	"kms:Get*",
	"kms:Delete*",
	"kms:TagResource",
	"kms:UntagResource",
	"kms:ScheduleKeyDeletion",
	"kms:CancelKeyDeletion",
	"kms:RotateKeyOnDemand",
}

// UseActions are the cryptographic operations of a symmetric key.
var UseActions = []string{
	"kms:Encrypt",
	"kms:Decrypt",
	"kms:ReEncrypt*",
	"kms:GenerateDataKey*",
	"kms:DescribeKey",
}

// Administration lets admins (IAM principal ARNs) manage the key.
func Administration(admins []string) iampolicy.Statement {
	return iampolicy.Statement{
		Sid:       "KeyAdministration",
		Effect:    iampolicy.Allow,
		Principal: iampolicy.Principal{"AWS": append([]string(nil), admins...)},
		Action:    AdministrationActions,
		Resource:  []string{"*"},
	}
}

// ViaServices lets the principals of account use the key only through the
// given AWS services (e.g. "rds", "secretsmanager") in region, and only
// from that account: the account's IAM still decides which principal may
// call the service, but nobody can use the key directly or from elsewhere.
// Source: https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service
func ViaServices(sid, partition, account, region string, services []string) iampolicy.Statement {
	return iampolicy.Statement{
		Sid:       sid,
		Effect:    iampolicy.Allow,
		Principal: iampolicy.Principal{"AWS": {iampolicy.RootARN(partition, account)}},
		Action:    UseActions,
		Resource:  []string{"*"},
		Condition: iampolicy.Conditions{"StringEquals": {
			"kms:CallerAccount": {account},
			"kms:ViaService":    ServiceEndpoints(region, services),
		}},
	}
}

// GrantsViaServices lets the same principals create grants through the
// services, for AWS resources only: RDS, EBS and Secrets Manager hold a
// grant on the key for as long as the resource exists.
// Source: https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-grant-is-for-aws-resource
func GrantsViaServices(sid, partition, account, region string, services []string) iampolicy.Statement {
	s := ViaServices(sid, partition, account, region, services)
	s.Action = []string{"kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"}
	s.Condition["Bool"] = map[string][]string{"kms:GrantIsForAWSResource": {"true"}}
	return s
}

// CloudWatchLogs lets CloudWatch Logs of region use the key for the log
// groups of account whose names match groups (patterns such as
// "/aws/rds/instance/prod-db*", or "*" for all): the encryption context of
// every call names the log group, so the key serves no other group.
// Source: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
func CloudWatchLogs(partition, region, account string, groups ...string) iampolicy.Statement {
	arns := make([]string, len(groups))
	for i, g := range groups {
		arns[i] = iampolicy.LogGroupARN(partition, region, account, g)
	}
	return iampolicy.Statement{
		Sid:       "CloudWatchLogsOfThisAccount",
		Effect:    iampolicy.Allow,
		Principal: iampolicy.Principal{"Service": {fmt.Sprintf("logs.%s.amazonaws.com", region)}},
		Action:    []string{"kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"},
		Resource:  []string{"*"},
		Condition: iampolicy.Conditions{"ArnLike": {"kms:EncryptionContext:aws:logs:arn": arns}},
	}
}

// ServiceEndpoints returns the kms:ViaService values of services in region
// ("rds" → "rds.us-west-2.amazonaws.com").
func ServiceEndpoints(region string, services []string) []string {
	out := make([]string, len(services))
	for i, s := range services {
		out[i] = fmt.Sprintf("%s.%s.amazonaws.com", s, region)
	}
	return out
}

// CheckAdministrators records under field every problem of a key's
// administrators: at least one (nobody could change the key policy
// otherwise, and KMS refuses a policy that locks out its caller), each an
// IAM principal ARN.
// Source: https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#prevent-unmanageable-key
func CheckAdministrators(p *validate.Problems, field string, admins []string) {
	if len(admins) == 0 {
		p.Add(field, "", "must name at least one administrator of the key (the deploy role): nobody could change its policy otherwise")
	}
	for i, arn := range admins {
		p.Check(fmt.Sprintf("%s[%d]", field, i), arn, validate.CheckPrincipalARN(arn))
	}
}
