package policies

import "github.com/refarch/refarch/offline"

const backupRoleARN = "arn:aws:iam::" + dataAccount + ":role/db-drill-backup"

// backupKey is the database's key with outputs, its use statement given.
func backupKey(use string) *offline.Resource {
	return dataWithOutputs(res(typeKey, "db", in{"policy": policy(use)}), in{"arn": dataKey})
}

// backupKeyThroughRDS is components/postgres's use statement.
const backupKeyThroughRDS = `{"Sid":"UseThroughRDSAndSecretsManager","Effect":"Allow","Principal":{"AWS":"*"},` +
	`"Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*","kms:CreateGrant","kms:ListGrants","kms:DescribeKey"],"Resource":"*",` +
	`"Condition":{"StringEquals":{"kms:CallerAccount":"` + dataAccount + `","kms:ViaService":["rds.us-west-2.amazonaws.com","secretsmanager.us-west-2.amazonaws.com"]}}}`

func backupSelection(typ string, extra in) *offline.Resource {
	inputs := in{"name": "db_drill", "iamRoleArn": backupRoleARN}
	if typ == backupTypeSelection {
		inputs["resources"] = []any{"arn:aws:rds:us-west-2:" + dataAccount + ":db:db"}
	} else {
		inputs["protectedResourceType"] = "RDS"
		inputs["protectedResourceArns"] = []any{"arn:aws:rds:us-west-2:" + dataAccount + ":db:db"}
		inputs["restoreMetadataOverrides"] = map[string]any{"dbSubnetGroupName": "db-subnets", "vpcSecurityGroupIds": `["sg-0db"]`}
	}
	for k, v := range extra {
		inputs[k] = v
	}
	return res(typ, "db-drill", inputs)
}

func awsBackupCases() map[string]ruleCase {
	return map[string]ruleCase{
		"eventbridge-target-retry-ranges": {
			good: one(res(typeEventTarget, "done", in{"retryPolicy": map[string]any{"maximumEventAgeInSeconds": 86400.0, "maximumRetryAttempts": 10.0}})),
			bad:  one(res(typeEventTarget, "done", in{"retryPolicy": map[string]any{"maximumEventAgeInSeconds": 7 * 86400.0, "maximumRetryAttempts": 10.0}})),
		},
		"backup-vault-policy-actions-named": {
			good: one(res(backupTypeVaultPolicy, "db-drill", in{"policy": policy(`{"Sid":"NoDeletion","Effect":"Deny","Principal":{"AWS":"*"},"Action":["backup:DeleteRecoveryPoint","backup:UpdateRecoveryPointLifecycle"],"Resource":"*"}`)})),
			bad:  one(res(backupTypeVaultPolicy, "db-drill", in{"policy": policy(`{"Sid":"NoDeletion","Effect":"Deny","Principal":{"AWS":"*"},"Action":"backup:Delete*","Resource":"*"}`)})),
		},
		"backup-restore-testing-names": {
			good: one(res(backupTypeTestingPlan, "db-drill", in{"name": "refarch_prod_db_drill"}), backupSelection(backupTypeTestingSelection, in{"name": "refarch_prod_db_drill_db"})),
			bad:  one(res(backupTypeTestingPlan, "db-drill", in{"name": "refarch-prod-db-drill"})),
		},
		"backup-restore-testing-rds-network-overridden": {
			good: one(backupSelection(backupTypeTestingSelection, in{"restoreMetadataOverrides": map[string]any{"DBSubnetGroupName": "db-subnets", "vpcsecuritygroupids": `["sg-0db"]`}})),
			bad:  one(backupSelection(backupTypeTestingSelection, in{"restoreMetadataOverrides": map[string]any{"dbSubnetGroupName": "db-subnets"}})),
		},
		"backup-role-can-use-rds-key": {
			good: one(dataWriter(nil), backupKey(backupKeyThroughRDS), backupSelection(backupTypeSelection, nil), backupSelection(backupTypeTestingSelection, nil)),
			// The key's use is limited to Secrets Manager: RDS, acting
			// for the backup role, is refused.
			bad: one(dataWriter(nil), backupKey(`{"Sid":"UseThroughSecretsManager","Effect":"Allow","Principal":{"AWS":"*"},"Action":["kms:Decrypt","kms:CreateGrant"],"Resource":"*",`+
				`"Condition":{"StringEquals":{"kms:ViaService":"secretsmanager.us-west-2.amazonaws.com"}}}`), backupSelection(backupTypeSelection, nil)),
		},
	}
}
