package policies

import "github.com/refarch/refarch/offline"

const (
	dataAccount   = "555555555555"
	dataKey       = "arn:aws:kms:us-west-2:" + dataAccount + ":key/1111"
	dataSecretARN = "arn:aws:secretsmanager:us-west-2:" + dataAccount + ":secret:prod/db/master-AbCdEf"
	dataFnARN     = "arn:aws:lambda:us-west-2:" + dataAccount + ":function:rotator"
	dataRoleARN   = "arn:aws:iam::" + dataAccount + ":role/rotator"
)

// dataWriter is an RDS writer as components/postgres creates it, with
// extra (or overriding) inputs.
func dataWriter(extra in) *offline.Resource {
	inputs := in{
		"identifier": "db", "engine": "postgres", "engineVersion": "18", "password": "generated-password",
		"allocatedStorage": 20, "maxAllocatedStorage": 100, "storageType": "gp3", "kmsKeyId": dataKey,
		"backupRetentionPeriod": 7, "backupWindow": "03:00-03:30", "maintenanceWindow": "sun:04:00-sun:05:00",
		"monitoringInterval": 60, "monitoringRoleArn": "arn:aws:iam::" + dataAccount + ":role/monitoring",
		"skipFinalSnapshot": false, "finalSnapshotIdentifier": "db-final-snapshot", "autoMinorVersionUpgrade": true,
	}
	for k, v := range extra {
		inputs[k] = v
	}
	return res(typeDBInstance, "db", inputs)
}

// dataReplica is a read replica of "db".
func dataReplica(extra in) *offline.Resource {
	inputs := in{"identifier": "db-replica-1", "replicateSourceDb": "db", "storageType": "gp3", "maxAllocatedStorage": 100,
		"maintenanceWindow": "sun:04:00-sun:05:00", "skipFinalSnapshot": true, "monitoringInterval": 60,
		"monitoringRoleArn": "arn:aws:iam::" + dataAccount + ":role/monitoring"}
	for k, v := range extra {
		inputs[k] = v
	}
	return res(typeDBInstance, "db-replica-1", inputs)
}

// dataWithOutputs sets a record's outputs.
func dataWithOutputs(r *offline.Resource, outputs in) *offline.Resource {
	r.Outputs = outputs
	return r
}

// dataRotation is a secret rotation, the permission letting Secrets
// Manager invoke its function (the rotation waits for it when wait), the
// function, its role and role policy (granting kms when kms), and the
// secret.
func dataRotation(wait, kms bool) []*offline.Resource {
	perm := res(typePermission, "rotator-secrets-db", in{"function": "rotator", "principal": dataSecretsManagerPrincipal,
		"action": "lambda:InvokeFunction", "sourceArn": dataSecretARN, "sourceAccount": dataAccount})
	fn := dataWithOutputs(res(typeFunction, "rotator", in{"name": "rotator", "role": dataRoleARN}), in{"arn": dataFnARN})
	role := dataWithOutputs(res(typeRole, "rotator", in{"name": "rotator"}), in{"arn": dataRoleARN, "name": "rotator"})
	stmts := []string{`{"Sid":"Permission0","Effect":"Allow","Action":["secretsmanager:DescribeSecret","secretsmanager:GetSecretValue","secretsmanager:PutSecretValue","secretsmanager:UpdateSecretVersionStage"],"Resource":["arn:aws:secretsmanager:us-west-2:` + dataAccount + `:secret:prod/db/*"]}`}
	if kms {
		stmts = append(stmts, `{"Sid":"Permission1","Effect":"Allow","Action":["kms:Decrypt","kms:GenerateDataKey"],"Resource":["`+dataKey+`"]}`)
	}
	rolePolicy := res(typeRolePolicy, "rotator", in{"role": "rotator", "policy": policy(stmts...)})
	secret := dataWithOutputs(res(typeSecret, "prod/db/master", in{"name": "prod/db/master", "kmsKeyId": dataKey, "recoveryWindowInDays": 30}),
		in{"arn": dataSecretARN})
	rotation := res(dataTypeSecretRotation, "db-master-rotation", in{"secretId": dataSecretARN, "rotationLambdaArn": dataFnARN,
		"rotationRules": in{"automaticallyAfterDays": 30}})
	after(rotation, fn, secret)
	if wait {
		after(rotation, perm)
	}
	return one(perm, fn, role, rolePolicy, secret, rotation)
}

// dataLogGroups are a writer exporting its postgresql log and that log's
// group, the writer waiting for the group when wait.
func dataLogGroups(wait bool) []*offline.Resource {
	group := res(typeLogGroup, "db-postgresql", in{"name": "/aws/rds/instance/db/postgresql", "retentionInDays": 365, "kmsKeyId": dataKey})
	writer := dataWriter(in{"enabledCloudwatchLogsExports": []any{"postgresql"}})
	if wait {
		after(writer, group)
	}
	return one(group, writer)
}

// dataParameterGroup is a parameter group of family named "pg-1" with
// parameters (name, value, applyMethod).
func dataParameterGroup(family string, params ...[3]string) *offline.Resource {
	var list []any
	for _, p := range params {
		list = append(list, in{"name": p[0], "value": p[1], "applyMethod": p[2]})
	}
	return dataWithOutputs(res(typeDBParameters, "pg", in{"family": family, "parameters": list}), in{"name": "pg-1"})
}

// dataLogin is a task role policy granting rds-db:connect on resource.
func dataLogin(resource string) *offline.Resource {
	return res(typeRolePolicy, "backend-task", in{"role": "backend-task", "policy": policy(
		`{"Sid":"DatabaseLogin","Effect":"Allow","Action":["rds-db:connect"],"Resource":["` + resource + `"]}`)})
}

// dataCache is a Memcached cluster as components/memcached creates it,
// with extra inputs, and its parameter group of family.
func dataCache(family string, extra in) []*offline.Resource {
	inputs := in{"engine": "memcached", "engineVersion": "1.6.22", "nodeType": "cache.t4g.small", "numCacheNodes": 2,
		"azMode": "cross-az", "preferredAvailabilityZones": []any{"us-west-2a", "us-west-2b"}, "transitEncryptionEnabled": true,
		"subnetGroupName": "cache-subnets", "parameterGroupName": "cache-params-1"}
	for k, v := range extra {
		inputs[k] = v
	}
	group := dataWithOutputs(res(typeCacheParameter, "cache", in{"family": family}), in{"name": "cache-params-1"})
	return one(group, res(typeCacheCluster, "cache", inputs))
}

// awsDataCases are the compliant and violating records of awsDataRules.
func awsDataCases() map[string]ruleCase {
	return map[string]ruleCase{
		"rds-replica-source-no-managed-master-password": {
			good: one(dataWriter(nil), dataReplica(nil)),
			bad:  one(dataWriter(in{"password": nil, "manageMasterUserPassword": true}), dataReplica(nil)),
		},
		"rds-modify-unmanage-master-password-requires-password": {
			good: one(dataWriter(nil), dataReplica(nil)),
			bad:  one(dataWriter(in{"password": nil}), dataWriter(in{"manageMasterUserPassword": true})),
		},
		"rds-replica-must-not-set-credentials-or-db": {
			good: one(dataWriter(nil), dataReplica(nil)),
			bad:  one(dataWriter(nil), dataReplica(in{"password": "another", "username": "dbadmin"})),
		},
		"rds-force-failover-needs-multi-az": {
			good:  one(dataWriter(in{"multiAz": true}), dataReplica(nil)),
			bad:   one(dataWriter(in{"multiAz": false}), dataReplica(nil)),
			stack: "stage",
		},
		"rds-replica-source-needs-backups": {
			good: one(dataWriter(nil), dataReplica(nil)),
			bad:  one(dataWriter(in{"backupRetentionPeriod": 0}), dataReplica(nil)),
		},
		"rds-replica-encryption-same-key-and-subnet-group": {
			good: one(dataWriter(nil), dataReplica(nil)),
			bad:  one(dataWriter(nil), dataReplica(in{"kmsKeyId": "arn:aws:kms:us-west-2:" + dataAccount + ":key/2222", "dbSubnetGroupName": "other"})),
		},
		"rds-replica-delete-without-final-snapshot": {
			good: one(dataWriter(nil), dataReplica(nil)),
			bad:  one(dataWriter(nil), dataReplica(in{"skipFinalSnapshot": false, "finalSnapshotIdentifier": "replica-final"})),
		},
		"rds-gp3-no-iops-throughput-below-400gib": {
			good: one(dataWriter(nil), dataReplica(nil)),
			bad:  one(dataWriter(nil), dataReplica(in{"iops": 12000})),
		},
		"rds-max-allocated-storage-10-percent": {
			good: one(dataWriter(nil), dataReplica(nil)),
			bad:  one(dataWriter(nil), dataReplica(in{"maxAllocatedStorage": 21})),
		},
		"rds-backup-window-vs-maintenance-window": {
			good: one(dataWriter(nil)),
			bad:  one(dataWriter(in{"maintenanceWindow": "sun:03:15-sun:04:15"})),
		},
		"rds-monitoring-interval-needs-role": {
			good: one(dataWriter(nil), dataReplica(nil)),
			bad:  one(dataWriter(nil), dataReplica(in{"monitoringRoleArn": nil})),
		},
		"rds-engine-version-prefix-needs-minor-upgrades": {
			good: one(dataWriter(nil), dataWriter(in{"engineVersion": "17.4", "autoMinorVersionUpgrade": false})),
			bad:  one(dataWriter(in{"autoMinorVersionUpgrade": false})),
		},
		"rds-parameter-group-family-matches-engine-version": {
			good: one(dataParameterGroup("postgres18"), dataWriter(in{"parameterGroupName": "pg-1"}), dataReplica(in{"parameterGroupName": "pg-1"})),
			bad:  one(dataParameterGroup("postgres17"), dataWriter(in{"parameterGroupName": "pg-1"})),
		},
		"rds-parameter-apply-method-immediate-only-dynamic": {
			good: one(dataParameterGroup("postgres18", [3]string{"log_connections", "1", "immediate"}, [3]string{"shared_preload_libraries", "pg_stat_statements", "pending-reboot"})),
			bad:  one(dataParameterGroup("postgres18", [3]string{"shared_preload_libraries", "pg_stat_statements", "immediate"})),
		},
		"rds-log-groups-created-before-instance": {
			good: dataLogGroups(true),
			bad:  dataLogGroups(false),
		},
		"rds-iam-auth-arn-uses-dbiresourceid": {
			good: one(dataWithOutputs(dataWriter(in{"iamDatabaseAuthenticationEnabled": true}), in{"resourceId": "db-ABCDEF0123"}),
				dataLogin("arn:aws:rds-db:us-west-2:"+dataAccount+":dbuser:db-ABCDEF0123/app")),
			bad: one(dataWithOutputs(dataWriter(in{"iamDatabaseAuthenticationEnabled": true}), in{"resourceId": "db-ABCDEF0123"}),
				dataLogin("arn:aws:rds-db:us-west-2:"+dataAccount+":dbuser:db/app")),
		},
		"secretsmanager-rotation-after-lambda-permission": {
			good: dataRotation(true, true),
			bad:  dataRotation(false, true),
		},
		"secretsmanager-rotation-function-permissions": {
			good: dataRotation(true, true),
			bad:  dataRotation(true, false),
		},
		"secretsmanager-recovery-window": {
			good: one(res(typeSecret, "s", in{"recoveryWindowInDays": 30}), res(typeSecret, "s0", in{"recoveryWindowInDays": 0})),
			bad:  one(res(typeSecret, "s", in{"recoveryWindowInDays": 3})),
		},
		"memcached-transit-encryption-version-and-nodes": {
			good: dataCache("memcached1.6", nil),
			bad:  dataCache("memcached1.6", in{"engineVersion": "1.6.6"}),
		},
		"memcached-cross-az-needs-nodes": {
			good: dataCache("memcached1.6", nil),
			bad:  dataCache("memcached1.6", in{"numCacheNodes": 1, "preferredAvailabilityZones": []any{"us-west-2a"}}),
		},
		"memcached-preferred-zones-match-nodes": {
			good: dataCache("memcached1.6", nil),
			bad:  dataCache("memcached1.6", in{"numCacheNodes": 3}),
		},
		"memcached-parameter-group-family": {
			good: dataCache("memcached1.6", nil),
			bad:  dataCache("memcached1.5", nil),
		},
	}
}
