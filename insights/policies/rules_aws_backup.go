package policies

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/refarch/refarch/offline"
)

// AWS rules of AWS Backup: the restore drills' vault, plan and restore
// testing (components/restoredrill). Helpers are prefixed "backup".

const (
	backupTypeVaultPolicy      = "aws:backup/vaultPolicy:VaultPolicy"
	backupTypeSelection        = "aws:backup/selection:Selection"
	backupTypeTestingPlan      = "aws:backup/restoreTestingPlan:RestoreTestingPlan"
	backupTypeTestingSelection = "aws:backup/restoreTestingSelection:RestoreTestingSelection"
)

// backupTestingName is AWS's rule for the names of restore testing plans
// and selections.
var backupTestingName = regexp.MustCompile(`^[A-Za-z0-9_]{1,50}$`)

// backupOverride reads a restore metadata override; AWS reads the keys
// without regard to case.
func backupOverride(r *offline.Resource, key string) (string, bool) {
	m, _ := r.Get("restoreMetadataOverrides").(map[string]any)
	for k, v := range m {
		if strings.EqualFold(k, key) {
			s, isString := v.(string)
			return s, isString && s != ""
		}
	}
	return "", false
}

// backupRDSKeyOf is the KMS key record encrypting the RDS instance an ARN
// names, when both are in the stack.
func backupRDSKeyOf(s *Stack, arn string) *offline.Resource {
	i := strings.LastIndex(arn, ":db:")
	if i < 0 {
		return nil
	}
	inst := dataInstances(s)[arn[i+len(":db:"):]]
	if inst == nil {
		return nil
	}
	return s.keyByARN(inst.String("kmsKeyId"))
}

// backupKeyAdmits reports whether a key policy lets role (or every
// principal of account) create grants on and decrypt with the key through
// RDS: AWS Backup's RDS snapshots and restores run through RDS, as the
// backup role. An account or region the records do not know ("") is not
// judged.
func backupKeyAdmits(sts []statement, role, account, region string) bool {
	for _, st := range sts {
		if st.effect() != "Allow" || !st.grantsAction("kms:CreateGrant") || !st.grantsAction("kms:Decrypt") {
			continue
		}
		ps := st.principals()
		if !slices.Contains(ps, "*") && !slices.Contains(ps, role) && !slices.ContainsFunc(ps, func(p string) bool {
			return isAccount(p, account)
		}) {
			continue
		}
		if via := st.condition("StringEquals", "kms:ViaService"); len(via) > 0 && !slices.ContainsFunc(via, func(v string) bool { return strings.HasPrefix(v, "rds."+region) }) {
			continue
		}
		if callers := st.condition("StringEquals", "kms:CallerAccount"); len(callers) > 0 && account != "" && !slices.Contains(callers, account) {
			continue
		}
		return true
	}
	return false
}

func awsBackupRules() []*Rule {
	return []*Rule{
		awsRule(&Rule{
			ID:       "eventbridge-target-retry-ranges",
			Title:    "EventBridge targets retry within EventBridge's ranges (60-86400 seconds of event age, 0-185 attempts)",
			Severity: Medium,
			Reason:   "EventBridge refuses the target (PutTargets)",
			Check: func(c *Checker) {
				c.Each(func(r *offline.Resource) string {
					if v := r.Get("retryPolicy.maximumEventAgeInSeconds"); v != nil && known(v) {
						if n := r.Int("retryPolicy.maximumEventAgeInSeconds"); n < 60 || n > 86400 {
							return fmt.Sprintf("retryPolicy.maximumEventAgeInSeconds is %d", n)
						}
					}
					if v := r.Get("retryPolicy.maximumRetryAttempts"); v != nil && known(v) {
						if n := r.Int("retryPolicy.maximumRetryAttempts"); n < 0 || n > 185 {
							return fmt.Sprintf("retryPolicy.maximumRetryAttempts is %d", n)
						}
					}
					return ""
				}, typeEventTarget)
			},
		}, Constraint{
			Dimension: DimArguments, Kind: Static,
			URL:   "https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_RetryPolicy.html",
			Quote: "MaximumEventAgeInSeconds ... Valid Range: Minimum value of 60. Maximum value of 86400. ... MaximumRetryAttempts ... Valid Range: Minimum value of 0. Maximum value of 185.",
			Error: "ValidationException",
		}),
		awsRule(&Rule{
			ID:       "backup-vault-policy-actions-named",
			Title:    "Backup vault access policies name each action: no wildcard in Action",
			Severity: High,
			Reason:   "AWS Backup does not read a wildcard action in a vault access policy: a deny of backup:Delete* protects no recovery point",
			Check: func(c *Checker) {
				c.Each(func(r *offline.Resource) string {
					sts, ok := statements(r, "policy")
					if !ok {
						return ""
					}
					for _, st := range sts {
						for _, a := range st.actions() {
							if strings.Contains(a, "*") {
								return fmt.Sprintf("action %q has a wildcard", a)
							}
						}
					}
					return ""
				}, backupTypeVaultPolicy)
			},
		}, Constraint{
			Dimension: DimPolicy,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/aws-backup/latest/devguide/create-a-vault-access-policy.html",
			Quote:     "Unlike other IAM-based policies, AWS Backup access policies don't support a wildcard in the Action key.",
		}),
		awsRule(&Rule{
			ID:       "backup-restore-testing-names",
			Title:    "Restore testing plans and selections are named with 1-50 letters, digits or underscores",
			Severity: Critical,
			Reason:   "AWS Backup refuses the plan or the selection",
			Check: func(c *Checker) {
				c.Each(func(r *offline.Resource) string {
					name := r.String("name")
					return unless(name == "" || backupTestingName.MatchString(name), fmt.Sprintf("name %q has characters other than letters, digits and underscores, or more than 50", name))
				}, backupTypeTestingPlan, backupTypeTestingSelection)
			},
		}, Constraint{
			Dimension: DimArguments,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/aws-backup/latest/devguide/API_RestoreTestingSelectionForList.html",
			Quote:     "The name consists of only alphanumeric characters and underscores. Maximum length is 50.",
			Error:     "InvalidParameterValueException",
		}),
		awsRule(&Rule{
			ID:       "backup-restore-testing-rds-network-overridden",
			Title:    "Every restore test of an RDS instance names the subnet group and security groups of the restored copy",
			Severity: High,
			Reason:   "without them AWS Backup restores into the default VPC, open to whatever it admits, or fails where there is none; AWS accepts the selection",
			Check: func(c *Checker) {
				c.Each(func(r *offline.Resource) string {
					if !strings.EqualFold(r.String("protectedResourceType"), "RDS") {
						return ""
					}
					var missing []string
					for _, key := range []string{"dbSubnetGroupName", "vpcSecurityGroupIds"} {
						if _, ok := backupOverride(r, key); !ok {
							missing = append(missing, key)
						}
					}
					return unless(len(missing) == 0, fmt.Sprintf("restoreMetadataOverrides lacks %s", strings.Join(missing, " and ")))
				}, backupTypeTestingSelection)
			},
		}, Constraint{
			Dimension: DimArguments,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing-inferred-metadata.html",
			Quote:     "AWS Backup can infer that a resource should be restored to the default setting, such as an Amazon EC2 instance or Amazon RDS cluster restored to the default VPC. However, if the default is not present, for example the default VPC or subnet has been deleted and no metadata override has been input, the restore will not be successful.",
		}),
		awsRule(&Rule{
			ID:       "backup-role-can-use-rds-key",
			Title:    "The key of every RDS instance AWS Backup backs up or restore-tests lets the backup role use it through RDS",
			Severity: High,
			Reason:   "AWS Backup reports the job successful while nothing was backed up or restored",
			Check: func(c *Checker) {
				c.Each(func(r *offline.Resource) string {
					role := r.String("iamRoleArn")
					arns := r.Strings("resources")
					if r.Type == backupTypeTestingSelection {
						arns = r.Strings("protectedResourceArns")
					}
					for _, arn := range arns {
						key := backupRDSKeyOf(c.Stack, arn)
						if key == nil || role == "" {
							continue
						}
						sts, ok := statements(key, "policy")
						if !ok {
							continue
						}
						if !backupKeyAdmits(sts, role, c.Stack.providerAccount(r), c.Stack.providerRegion(r)) {
							return fmt.Sprintf("the policy of key %s lets neither %s nor the account create grants and decrypt through RDS", key.Name, role)
						}
					}
					return ""
				}, backupTypeSelection, backupTypeTestingSelection)
			},
		}, Constraint{
			Dimension: DimPolicy,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/aws-backup/latest/devguide/encryption.html",
			Quote:     "Your IAM role must have access to the KMS key being used to back up and restore the object. Otherwise the job is successful but the objects are not backed up or restored.",
		}),
	}
}
