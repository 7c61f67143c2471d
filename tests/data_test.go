package tests

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/components/memcached"
	"github.com/refarch/refarch/offline"
)

const (
	rdsInstance  = "aws:rds/instance:Instance"
	cacheCluster = "aws:elasticache/cluster:Cluster"
	ingressRule  = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	egressRule   = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
	secGroup     = "aws:ec2/securityGroup:SecurityGroup"
)

// dataOf is what each application stack file asks of its data stores.
var dataOf = map[string]struct {
	class               string
	multiAZ             bool
	replicas, retention int
	skipFinalSnapshot   bool
	protect             bool
	monitoring          int
	allocated, ceiling  int
	cacheType           string
	cacheNodes          int
	zones               []string
}{
	"dev":   {"db.t4g.micro", false, 0, 7, true, false, 60, 20, 50, "cache.t4g.micro", 1, []string{"us-west-2a", "us-west-2b"}},
	"stage": {"db.t4g.medium", true, 1, 7, false, true, 60, 20, 200, "cache.t4g.small", 2, []string{"us-west-2a", "us-west-2b"}},
	"prod":  {"db.r7g.large", true, 2, 30, false, true, 15, 100, 1000, "cache.r7g.large", 3, []string{"us-west-2a", "us-west-2b", "us-west-2c"}},
}

// dataStores is one application stack's data stores, found in its plan.
type dataStores struct {
	plan                *offline.Plan
	postgres, memcached *offline.Resource
	writer, cluster     *offline.Resource
	readers             []*offline.Resource
	key, params         *offline.Resource
	dbGroup, cacheGroup *offline.Resource
	clients, vpc        *offline.Resource
}

// findData plans stack and finds its data stores.
func findData(t *testing.T, stackName string) *dataStores {
	t.Helper()
	p := plan(t, stackName)
	prefix := "refarch-" + stackName
	d := &dataStores{
		plan:      p,
		postgres:  p.Find("refarch:postgres:Postgres", prefix+"-db"),
		memcached: p.Find("refarch:memcached:Memcached", prefix+"-cache"),
		writer:    p.Find(rdsInstance, prefix+"-db"),
		cluster:   p.Find(cacheCluster, prefix+"-cache"),
		key:       p.Find("aws:kms/key:Key", prefix+"-db"),
		params:    p.Find("aws:rds/parameterGroup:ParameterGroup", prefix+"-db"),
		clients:   p.Find(secGroup, prefix+"-data-clients"),
		vpc:       p.Find("awsx:ec2:Vpc", stackName),
	}
	for _, r := range []*offline.Resource{d.postgres, d.memcached, d.writer, d.cluster, d.key, d.params, d.clients, d.vpc} {
		require.NotNil(t, r, "stack %s lacks a data store resource", stackName)
	}
	for _, c := range p.Children(d.postgres) {
		if c.Type == secGroup {
			d.dbGroup = c
		}
	}
	for _, c := range p.Children(d.memcached) {
		if c.Type == secGroup {
			d.cacheGroup = c
		}
	}
	require.NotNil(t, d.dbGroup)
	require.NotNil(t, d.cacheGroup)
	for _, r := range p.ByType(rdsInstance) {
		if r.String("replicateSourceDb") == d.writer.Output("identifier") {
			d.readers = append(d.readers, r)
		}
	}
	return d
}

// TestDataStoresPerEnvironment checks what each environment's stack file
// asks for: failover, backups, replicas, final snapshot, protection and the
// cache's size and spread.
func TestDataStoresPerEnvironment(t *testing.T) {
	for stackName, want := range dataOf {
		t.Run(stackName, func(t *testing.T) {
			d := findData(t, stackName)
			w := d.writer
			assert.Equal(t, "postgres", w.String("engine"))
			assert.Equal(t, "18", w.String("engineVersion"), "the current major version")
			assert.Equal(t, want.class, w.String("instanceClass"))
			assert.Equal(t, want.multiAZ, w.Bool("multiAz"), "Multi-AZ")
			assert.Equal(t, want.retention, w.Int("backupRetentionPeriod"))
			assert.Equal(t, "03:00-03:30", w.String("backupWindow"))
			assert.Equal(t, "sun:04:00-sun:05:00", w.String("maintenanceWindow"))
			assert.True(t, w.Bool("copyTagsToSnapshot"))
			assert.Equal(t, want.skipFinalSnapshot, w.Bool("skipFinalSnapshot"))
			if want.skipFinalSnapshot {
				assert.False(t, w.Has("finalSnapshotIdentifier"))
			} else {
				assert.Equal(t, "refarch-"+stackName+"-db-final-snapshot", w.String("finalSnapshotIdentifier"))
			}
			assert.Equal(t, want.protect, w.Bool("deletionProtection"), "deletion protection follows refarch:deletionProtection")
			assert.Equal(t, want.protect, w.Protect && w.RetainOnDelete, "pulumi protect follows refarch:deletionProtection")
			assert.Equal(t, want.protect, d.key.Protect, "the key of a protected database is protected")
			assert.Equal(t, want.monitoring, w.Int("monitoringInterval"))
			assert.True(t, w.Bool("performanceInsightsEnabled"))
			assert.Equal(t, []string{"postgresql", "upgrade"}, w.Strings("enabledCloudwatchLogsExports"))
			assert.Equal(t, "gp3", w.String("storageType"))
			assert.Equal(t, want.allocated, w.Int("allocatedStorage"))
			assert.Equal(t, want.ceiling, w.Int("maxAllocatedStorage"))
			assert.True(t, w.Bool("autoMinorVersionUpgrade"))
			assert.True(t, w.Bool("iamDatabaseAuthenticationEnabled"))
			// RDS refuses replicas of a writer whose password it manages:
			// no stack's writer uses it; a generated, secret password the
			// rotation replaces, applied at creation only.
			assert.False(t, w.Has("manageMasterUserPassword"))
			assert.True(t, w.IsSecret("password"))
			assert.Contains(t, w.IgnoreChanges, "password")
			assert.False(t, w.Bool("publiclyAccessible"))

			// Replicas: the configured count, each outside the writer's zone
			// but inside the network's, with its own monitoring.
			require.Len(t, d.readers, want.replicas)
			writerZone := w.Output("availabilityZone")
			for _, r := range d.readers {
				assert.NotEqual(t, writerZone, r.String("availabilityZone"), "reader %s", r.Name)
				assert.Contains(t, want.zones, r.String("availabilityZone"))
				assert.Equal(t, want.monitoring, r.Int("monitoringInterval"))
				assert.Equal(t, w.Get("monitoringRoleArn"), r.Get("monitoringRoleArn"))
				assert.True(t, r.Bool("performanceInsightsEnabled"))
				assert.Equal(t, want.protect, r.Bool("deletionProtection"))
				assert.Equal(t, d.postgres.URN, r.Parent)
				for _, k := range []string{"password", "manageMasterUserPassword", "username", "dbName"} {
					assert.False(t, r.Has(k), "a replica shares its source's master user: %s sets %s", r.Name, k)
				}
			}
			if want.replicas > 1 {
				assert.NotEqual(t, d.readers[0].String("availabilityZone"), d.readers[1].String("availabilityZone"), "readers spread over the other zones")
			}

			// Memcached: size, TLS, zone spread.
			c := d.cluster
			assert.Equal(t, want.cacheType, c.String("nodeType"))
			assert.Equal(t, want.cacheNodes, c.Int("numCacheNodes"))
			assert.True(t, c.Bool("transitEncryptionEnabled"), "TLS in transit")
			assert.Empty(t, memcached.CheckEngineVersion(c.String("engineVersion")), "a version with TLS")
			if want.cacheNodes > 1 {
				assert.Equal(t, "cross-az", c.String("azMode"))
				assert.Equal(t, memcached.NodeZones(want.zones, want.cacheNodes), c.Strings("preferredAvailabilityZones"))
				distinct := map[string]bool{}
				for _, z := range c.Strings("preferredAvailabilityZones") {
					distinct[z] = true
				}
				assert.Len(t, distinct, min(want.cacheNodes, len(want.zones)), "one node per zone before any zone gets a second")
			} else {
				assert.Equal(t, "single-az", c.String("azMode"))
			}
		})
	}
}

// TestDataStoresLiveInTheDataTier checks both stores' subnet groups are
// exactly the VPC's isolated (data) subnets, and their groups its VPC.
func TestDataStoresLiveInTheDataTier(t *testing.T) {
	for stackName := range dataOf {
		t.Run(stackName, func(t *testing.T) {
			d := findData(t, stackName)
			dataSubnets := d.vpc.Output("isolatedSubnetIds")
			require.NotEmpty(t, dataSubnets)
			dbSubnets := d.plan.Find("aws:rds/subnetGroup:SubnetGroup", "refarch-"+stackName+"-db")
			cacheSubnets := d.plan.Find("aws:elasticache/subnetGroup:SubnetGroup", "refarch-"+stackName+"-cache")
			require.NotNil(t, dbSubnets)
			require.NotNil(t, cacheSubnets)
			assert.Equal(t, dataSubnets, dbSubnets.Get("subnetIds"))
			assert.Equal(t, dataSubnets, cacheSubnets.Get("subnetIds"))
			assert.Equal(t, dbSubnets.Output("name"), d.writer.Get("dbSubnetGroupName"))
			assert.Equal(t, cacheSubnets.Output("name"), d.cluster.Get("subnetGroupName"))
			for _, sg := range []*offline.Resource{d.dbGroup, d.cacheGroup, d.clients} {
				assert.Equal(t, d.vpc.Output("vpcId"), sg.Get("vpcId"), "group %s", sg.Name)
			}
		})
	}
}

// TestDatabaseKeyIsAdministeredByTheStacksDeployRole checks what the
// stack decides about the database's key: it is administered by the deploy
// role of refarch:deployRoleName in refarch:accountId only, and used only
// through RDS and Secrets Manager of this account. Encryption and rotation
// are the component's invariants (components/postgres tests them).
func TestDatabaseKeyIsAdministeredByTheStacksDeployRole(t *testing.T) {
	for stackName := range dataOf {
		t.Run(stackName, func(t *testing.T) {
			d := findData(t, stackName)
			assert.Equal(t, d.key.Output("arn"), d.writer.Get("kmsKeyId"))

			doc, err := d.key.JSON("policy")
			require.NoError(t, err)
			account := accountOf(t)[stackName]
			for _, raw := range doc.(map[string]any)["Statement"].([]any) {
				st := raw.(map[string]any)
				if service, ok := st["Principal"].(map[string]any)["Service"]; ok {
					// CloudWatch Logs, for the database's log groups in this
					// account only (components/postgres tests the patterns).
					assert.Equal(t, []any{"logs.us-west-2.amazonaws.com"}, service)
					arns := st["Condition"].(map[string]any)["ArnLike"].(map[string]any)["kms:EncryptionContext:aws:logs:arn"].([]any)
					for _, arn := range arns {
						assert.True(t, strings.HasPrefix(arn.(string), "arn:aws:logs:us-west-2:"+account+":log-group:/aws/rds/instance/"), arn)
					}
					continue
				}
				principals := st["Principal"].(map[string]any)["AWS"].([]any)
				if principals[0] == "*" {
					cond := st["Condition"].(map[string]any)["StringEquals"].(map[string]any)
					assert.Equal(t, []any{account}, cond["kms:CallerAccount"], "a wildcard principal is confined to the account")
					assert.ElementsMatch(t, []any{"rds.us-west-2.amazonaws.com", "secretsmanager.us-west-2.amazonaws.com"}, cond["kms:ViaService"])
					assert.NotContains(t, st["Action"], "kms:*")
				} else {
					assert.Equal(t, []any{"arn:aws:iam::" + account + ":role/refarch-deploy"}, principals, "only the deploy role administers the key")
					assert.NotContains(t, st["Action"], "kms:*")
					assert.NotContains(t, st["Action"], "kms:Decrypt", "and it cannot read the data")
				}
			}
		})
	}
}

// TestDataStoresAdmitOnlyTheirClients checks the stores' security groups:
// Postgres admits 5432 from the data clients group and the VPN server's
// group (operators), Memcached admits 11211 from the data
// clients group only; the clients group admits nothing and reaches exactly
// the two stores.
func TestDataStoresAdmitOnlyTheirClients(t *testing.T) {
	for stackName := range dataOf {
		t.Run(stackName, func(t *testing.T) {
			d := findData(t, stackName)
			type source struct {
				port         int
				group, block string
			}
			admitted := map[string][]source{}
			for _, rule := range d.plan.ByType(ingressRule) {
				target := rule.String("securityGroupId")
				admitted[target] = append(admitted[target], source{rule.Int("fromPort"), rule.String("referencedSecurityGroupId"), rule.String("cidrIpv4")})
				assert.Equal(t, rule.Int("fromPort"), rule.Int("toPort"), "one port per rule")
				assert.False(t, rule.Has("cidrIpv6"))
			}
			clientsID := d.clients.ID
			assert.ElementsMatch(t, []source{{5432, clientsID, ""}, {5432, vpnGroupRef(t), ""}}, admitted[d.dbGroup.ID], "the clients and the VPN server, not the whole management VPC")
			assert.Equal(t, []source{{11211, clientsID, ""}}, admitted[d.cacheGroup.ID])
			assert.Empty(t, admitted[clientsID], "nothing connects to the clients group")
			for _, sg := range []*offline.Resource{d.dbGroup, d.cacheGroup, d.clients} {
				assert.Empty(t, sg.List("ingress"), "no inline rules on %s", sg.Name)
				assert.Empty(t, sg.List("egress"), "no inline rules on %s", sg.Name)
			}

			var reaches []string
			for _, rule := range d.plan.ByType(egressRule) {
				if rule.String("securityGroupId") != clientsID {
					continue
				}
				reaches = append(reaches, fmt.Sprintf("%s:%d-%d", rule.String("referencedSecurityGroupId"), rule.Int("fromPort"), rule.Int("toPort")))
				assert.False(t, rule.Has("cidrIpv4"))
			}
			sort.Strings(reaches)
			want := []string{d.dbGroup.ID + ":5432-5432", d.cacheGroup.ID + ":11211-11211"}
			sort.Strings(want)
			assert.Equal(t, want, reaches)
		})
	}
}

// TestOnlyApplicationStacksHaveDataStores checks security and
// shared-services create no database or cache.
func TestOnlyApplicationStacksHaveDataStores(t *testing.T) {
	for _, stackName := range []string{"security", "shared-services"} {
		p := plan(t, stackName)
		assert.Empty(t, p.ByType("refarch:postgres:Postgres"), stackName)
		assert.Empty(t, p.ByType("refarch:memcached:Memcached"), stackName)
	}
}

// TestDataConfigurationRules breaks one rule of the data stores'
// configuration at a time, in the stack where the rule applies, and
// expects the run to stop before registering anything, with a problem
// naming the key.
func TestDataConfigurationRules(t *testing.T) {
	cases := []struct {
		name, stack, key string
		set              map[string]string
	}{
		{"prod keeps Multi-AZ", "prod", "dbMultiAz", map[string]string{"refarch:dbMultiAz": "false"}},
		{"prod keeps two weeks of backups", "prod", "dbBackupRetentionDays", map[string]string{"refarch:dbBackupRetentionDays": "13"}},
		{"prod keeps its final snapshot", "prod", "dbSkipFinalSnapshot", map[string]string{"refarch:dbSkipFinalSnapshot": "true"}},
		{"prod keeps deletion protection", "prod", "deletionProtection", map[string]string{"refarch:deletionProtection": "false"}},
		{"prod keeps the cache in two zones", "prod", "cacheNodes", map[string]string{"refarch:cacheNodes": "1"}},
		{"a week of backups at least", "dev", "dbBackupRetentionDays", map[string]string{"refarch:dbBackupRetentionDays": "6"}},
		{"no backups is refused", "dev", "dbBackupRetentionDays", map[string]string{"refarch:dbBackupRetentionDays": "0"}},
		{"RDS keeps 35 days at most", "stage", "dbBackupRetentionDays", map[string]string{"refarch:dbBackupRetentionDays": "36"}},
		{"instance class format", "dev", "dbInstanceClass", map[string]string{"refarch:dbInstanceClass": "t4g.micro"}},
		{"engine version format", "dev", "dbEngineVersion", map[string]string{"refarch:dbEngineVersion": "eighteen"}},
		{"engine major out of support", "dev", "dbEngineVersion", map[string]string{"refarch:dbEngineVersion": "12"}},
		{"storage below gp3's minimum", "dev", "dbAllocatedStorage", map[string]string{"refarch:dbAllocatedStorage": "10"}},
		{"storage ceiling without headroom", "dev", "dbMaxAllocatedStorage", map[string]string{"refarch:dbMaxAllocatedStorage": "21"}},
		{"storage ceiling above RDS's maximum", "prod", "dbMaxAllocatedStorage", map[string]string{"refarch:dbMaxAllocatedStorage": "70000"}},
		{"backup window format", "dev", "dbBackupWindow", map[string]string{"refarch:dbBackupWindow": "3am"}},
		{"backup window too short", "dev", "dbBackupWindow", map[string]string{"refarch:dbBackupWindow": "03:00-03:10"}},
		{"maintenance window format", "dev", "dbMaintenanceWindow", map[string]string{"refarch:dbMaintenanceWindow": "sunday"}},
		{"windows overlap", "stage", "dbMaintenanceWindow", map[string]string{"refarch:dbMaintenanceWindow": "sun:03:15-sun:04:15"}},
		{"too many replicas", "prod", "dbReplicas", map[string]string{"refarch:dbReplicas": "6"}},
		{"negative replicas", "dev", "dbReplicas", map[string]string{"refarch:dbReplicas": "-1"}},
		{"monitoring stays on", "dev", "dbMonitoringInterval", map[string]string{"refarch:dbMonitoringInterval": "0"}},
		{"monitoring interval RDS accepts", "dev", "dbMonitoringInterval", map[string]string{"refarch:dbMonitoringInterval": "20"}},
		{"operator access needs the peering", "dev", "dbOperatorAccess", map[string]string{"refarch:managementPeering": "false"}},
		{"cache node type format", "dev", "cacheNodeType", map[string]string{"refarch:cacheNodeType": "db.t4g.micro"}},
		{"at most 40 nodes", "stage", "cacheNodes", map[string]string{"refarch:cacheNodes": "41"}},
		{"at least one node", "dev", "cacheNodes", map[string]string{"refarch:cacheNodes": "0"}},
		{"cache version without TLS", "dev", "cacheEngineVersion", map[string]string{"refarch:cacheEngineVersion": "1.6.6"}},
		{"cache version without TLS in prod", "prod", "cacheEngineVersion", map[string]string{"refarch:cacheEngineVersion": "1.6.11"}},
		{"cache version format", "dev", "cacheEngineVersion", map[string]string{"refarch:cacheEngineVersion": "1.6"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := planWith(t, tc.stack, tc.set)
			verr := configError(t, err)
			key := "refarch:" + tc.key
			assert.True(t, verr.Has(key), "want a problem on %s, got:\n%v", key, err)
			for _, problem := range verr.Problems {
				if problem.Field == key {
					assert.NotEmpty(t, problem.Rule)
				}
			}
			assert.Empty(t, p.Resources, "configuration is validated before anything is registered")
		})
	}
}

// TestDataRulesThatOnlyBindProd checks the prod rules leave the other
// environments free: dev may run single-AZ without a final snapshot, and
// stage may keep a week of backups.
func TestDataRulesThatOnlyBindProd(t *testing.T) {
	p, err := planWith(t, "stage", map[string]string{
		"refarch:dbMultiAz": "false", "refarch:dbSkipFinalSnapshot": "true", "refarch:cacheNodes": "1", "refarch:dbBackupRetentionDays": "7",
	})
	require.NoError(t, err)
	db := p.Require(t, "aws:rds/instance:Instance", "refarch-stage-db")
	assert.False(t, db.Bool("multiAz"), "stage may run without a standby")
	assert.True(t, db.Bool("skipFinalSnapshot"), "stage may skip the final snapshot")
	assert.InDelta(t, 7, db.Get("backupRetentionPeriod"), 0, "stage may keep a week of backups")
	cache := p.Require(t, "aws:elasticache/cluster:Cluster", "refarch-stage-cache")
	assert.InDelta(t, 1, cache.Get("numCacheNodes"), 0, "stage may run one cache node")
	assert.Equal(t, "single-az", cache.String("azMode"), "one node cannot be cross-AZ")
}

// TestOnlyTheBackendReachesTheDataStores follows stack.DataOut into the platform:
// exactly one service, the backend, joins the data clients group (the only
// group the stores admit), and its task gets the writer's address and
// port, the database name, the cache's configuration endpoint, and the
// credentials by reference to the database's secret.
func TestOnlyTheBackendReachesTheDataStores(t *testing.T) {
	for stackName := range dataOf {
		t.Run(stackName, func(t *testing.T) {
			d := findData(t, stackName)
			var members []*offline.Resource
			for _, svc := range d.plan.ByType("aws:ecs/service:Service") {
				for _, sg := range svc.Strings("networkConfiguration.securityGroups") {
					if sg == d.clients.ID {
						members = append(members, svc)
					}
				}
			}
			require.Len(t, members, 1, "one service joins the data clients group")
			backend := members[0]
			assert.Contains(t, backend.Name, "backend")

			var task *offline.Resource
			for _, td := range d.plan.ByType("aws:ecs/taskDefinition:TaskDefinition") {
				if td.Output("arn") == backend.Get("taskDefinition") {
					task = td
				}
			}
			require.NotNil(t, task, "the backend's task definition")
			defs, err := task.JSON("containerDefinitions")
			require.NoError(t, err)
			env, secrets := map[string]string{}, map[string]string{}
			for _, raw := range defs.([]any) {
				c := raw.(map[string]any)
				for _, e := range c["environment"].([]any) {
					kv := e.(map[string]any)
					env[kv["name"].(string)] = kv["value"].(string)
				}
				for _, s := range c["secrets"].([]any) {
					kv := s.(map[string]any)
					secrets[kv["name"].(string)] = kv["valueFrom"].(string)
				}
			}
			assert.Equal(t, d.writer.Output("address"), env["DB_HOST"])
			assert.Equal(t, "5432", env["DB_PORT"])
			assert.Equal(t, "app", env["DB_NAME"])
			assert.Equal(t, d.cluster.Output("configurationEndpoint"), env["CACHE_ENDPOINT"])
			if len(d.readers) == 0 {
				assert.NotContains(t, env, "DB_READER_HOSTS", "no replicas, no reader hosts")
			} else {
				var hosts []string
				for _, r := range d.readers {
					hosts = append(hosts, r.Output("address").(string))
				}
				assert.ElementsMatch(t, hosts, strings.Split(env["DB_READER_HOSTS"], ","), "the service can send reads to every replica")
			}
			// The service logs in as the app role with an IAM token: the
			// master user's secret is the migration's only.
			assert.Equal(t, "app", env["DB_USER"])
			assert.NotContains(t, secrets, "DB_PASSWORD", "the service never holds the master password")
			assert.NotContains(t, secrets, "DB_USERNAME")
			assert.NotContains(t, env, "DB_PASSWORD", "nor as plain environment")
		})
	}
}

// TestDatabaseAlarmsReachTheAlertTopic checks every instance is watched:
// CPU on each, free storage on the writer, lag on each reader, all sent to
// a topic of the stack (the baseline's alert topic).
func TestDatabaseAlarmsReachTheAlertTopic(t *testing.T) {
	for stackName, want := range dataOf {
		t.Run(stackName, func(t *testing.T) {
			d := findData(t, stackName)
			topics := map[any]bool{}
			for _, topic := range d.plan.ByType("aws:sns/topic:Topic") {
				topics[topic.Output("arn")] = true
			}
			watched := map[string][]string{}
			for _, alarm := range d.plan.ByType("aws:cloudwatch/metricAlarm:MetricAlarm") {
				if alarm.Parent != d.postgres.URN {
					continue
				}
				id := alarm.String("dimensions.DBInstanceIdentifier")
				watched[id] = append(watched[id], alarm.String("metricName"))
				actions := alarm.List("alarmActions")
				require.Len(t, actions, 1, "alarm %s", alarm.Name)
				assert.True(t, topics[actions[0]], "alarm %s notifies a topic of the stack, not %v", alarm.Name, actions[0])
			}
			// Every class the stack files use is in the memory table, so
			// every instance also gets the memory-derived alarms.
			assert.ElementsMatch(t, []string{"CPUUtilization", "FreeStorageSpace", "ReadLatency", "WriteLatency", "FreeableMemory", "DatabaseConnections"},
				watched[d.writer.Output("identifier").(string)])
			for _, r := range d.readers {
				assert.ElementsMatch(t, []string{"CPUUtilization", "ReplicaLag", "ReadLatency", "FreeableMemory", "DatabaseConnections"}, watched[r.String("identifier")])
			}
			assert.Len(t, watched, 1+want.replicas)
		})
	}
}

// TestDatabaseMasterSecretIsRotatedThroughRDS follows the master password
// of each stack: the component's own secret (the database's key, the
// rotator's tags, no value in the program), rotated at once and every 30
// days by the stack's rotator, which may touch that secret, the writer's
// password and the key through Secrets Manager only, and whose rotation
// waits for its invoke permission and every instance.
func TestDatabaseMasterSecretIsRotatedThroughRDS(t *testing.T) {
	for stackName, want := range dataOf {
		t.Run(stackName, func(t *testing.T) {
			d := findData(t, stackName)
			p := d.plan
			prefix := "refarch-" + stackName
			secret := p.Require(t, "aws:secretsmanager/secret:Secret", prefix+"-db/master")
			assert.Equal(t, d.key.Output("arn"), secret.Get("kmsKeyId"), "encrypted with the database's key")
			assert.Equal(t, "rds-master-password", secret.String("tags.SecretRotation"))
			assert.Equal(t, d.writer.String("identifier"), secret.String("tags.DBInstanceIdentifier"))
			assert.Equal(t, want.protect, secret.Protect, "protected with the database")
			assert.Empty(t, p.ByType("aws:secretsmanager/secretVersion:SecretVersion"), "the rotator writes every value")

			rotator := p.Require(t, "refarch:function:Function", prefix+"-secret-rotator")
			fn := child(t, p, rotator, "aws:lambda/function:Function")
			rotation := p.Require(t, "aws:secretsmanager/secretRotation:SecretRotation", prefix+"-db-master-rotation")
			assert.Equal(t, secret.Output("arn"), rotation.Get("secretId"))
			assert.Equal(t, fn.Output("arn"), rotation.Get("rotationLambdaArn"))
			assert.Equal(t, 30, rotation.Int("rotationRules.automaticallyAfterDays"))
			assert.True(t, rotation.Bool("rotateImmediately"), "the first rotation replaces the creation password at once")

			perm := p.Require(t, "aws:lambda/permission:Permission", prefix+"-secret-rotator-database-master")
			assert.Equal(t, "secretsmanager.amazonaws.com", perm.String("principal"))
			assert.Equal(t, secret.Output("arn"), perm.Get("sourceArn"), "for that secret only")
			assert.Contains(t, rotation.DependsOn, perm.URN, "Secrets Manager invokes the function as the rotation is created")
			assert.Contains(t, rotation.DependsOn, d.writer.URN)
			for _, r := range d.readers {
				assert.Contains(t, rotation.DependsOn, r.URN, "RDS modifies an available instance only")
			}

			stmts := child(t, p, rotator, "aws:iam/rolePolicy:RolePolicy").Statements(t, "policy")
			var secretGrant, rdsGrant, keyGrant map[string]any
			for _, st := range stmts {
				actions := offline.Strings(st["Action"])
				switch {
				case dataHolds(actions, "rds:ModifyDBInstance", "rds:DescribeDBInstances"):
					rdsGrant = st
				case dataHolds(actions, "secretsmanager:PutSecretValue") && dataHolds(offline.Strings(st["Resource"]), secret.Output("arn").(string)):
					secretGrant = st
				case dataHolds(actions, "kms:Decrypt", "kms:GenerateDataKey") && dataHolds(offline.Strings(st["Resource"]), d.key.Output("arn").(string)):
					keyGrant = st
				}
			}
			require.NotNil(t, secretGrant, "the rotator may write the master secret")
			assert.Equal(t, []string{secret.Output("arn").(string)}, offline.Strings(secretGrant["Resource"]), "that secret only")
			assert.ElementsMatch(t, []string{"secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"},
				offline.Strings(secretGrant["Action"]))
			require.NotNil(t, rdsGrant, "the rotator sets the password through the RDS API")
			assert.Equal(t, []string{d.writer.Output("arn").(string)}, offline.Strings(rdsGrant["Resource"]), "the writer only, never a replica")
			require.NotNil(t, keyGrant, "the rotator uses the database's key")
			assert.Equal(t, map[string]any{"StringEquals": map[string]any{"kms:ViaService": []any{"secretsmanager.us-west-2.amazonaws.com"}}}, keyGrant["Condition"],
				"through Secrets Manager only")
			assert.Nil(t, fn.Get("vpcConfig"), "no network path to the database is needed")
			assert.GreaterOrEqual(t, fn.Int("timeout"), 120, "long enough to wait for RDS to apply the password")
		})
	}
}

// dataHolds reports whether list holds every one of want.
func dataHolds(list []string, want ...string) bool {
	for _, w := range want {
		if !slices.Contains(list, w) {
			return false
		}
	}
	return true
}

// TestCacheRulesNameTheAWSPage checks that a cache version ElastiCache
// would refuse TLS on is refused before anything is registered, naming the
// key and AWS's page.
func TestCacheRulesNameTheAWSPage(t *testing.T) {
	rejects(t, "stage", map[string]string{"refarch:cacheEngineVersion": "1.6.6"}, "refarch:cacheEngineVersion",
		"https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/in-transit-encryption.html")
	rejects(t, "prod", map[string]string{"refarch:cacheNodes": "41"}, "refarch:cacheNodes", "https://www.pulumi.com/registry/packages/aws/api-docs/elasticache/cluster/")
}

// TestOnlyTheMigrationAndTheRotatorReadTheMasterSecret: the master
// secret's resource policy denies reading it to every principal but the
// migration jobs' execution roles (ECS injects the secret with them) and
// the rotator's and the restore drill validator's roles, so that no
// person, administrators included, reads the master password without
// changing the policy first.
func TestOnlyTheMigrationAndTheRotatorReadTheMasterSecret(t *testing.T) {
	for _, name := range []string{"dev", "stage", "prod"} {
		t.Run(name, func(t *testing.T) {
			p := plan(t, name)
			policies := p.ByType("aws:secretsmanager/secretPolicy:SecretPolicy")
			require.Len(t, policies, 1)
			pol := policies[0]
			secret := p.Find("aws:secretsmanager/secret:Secret", "refarch-"+name+"-db/master")
			require.NotNil(t, secret, "the master secret")
			assert.Equal(t, secret.Output("arn"), pol.Get("secretArn"))

			doc, err := pol.JSON("policy")
			require.NoError(t, err)
			statements := doc.(map[string]any)["Statement"].([]any)
			require.Len(t, statements, 1)
			st := statements[0].(map[string]any)
			assert.Equal(t, "Deny", st["Effect"])
			assert.Equal(t, map[string]any{"AWS": []any{"*"}}, st["Principal"])
			assert.Equal(t, []any{"secretsmanager:GetSecretValue"}, st["Action"])
			readers, _ := offline.Lookup(st, "Condition.ArnNotEquals.aws:PrincipalArn")

			// The readers are exactly the migrate task definition's
			// execution role and the rotator's role.
			var want []any
			for _, td := range p.ByType("aws:ecs/taskDefinition:TaskDefinition") {
				if strings.HasSuffix(td.Name, "-migrate") {
					want = append(want, td.Get("executionRoleArn"))
				}
			}
			require.Len(t, want, 1, "one migration")
			rotator := p.Find("aws:lambda/function:Function", "refarch-"+name+"-secret-rotator")
			require.NotNil(t, rotator)
			want = append(want, rotator.Get("role"))
			// The restore drill's validator logs in to a restored copy as
			// the master user of the backup's day (docs/runbook.md, 6.7).
			drill := p.Find("aws:lambda/function:Function", "refarch-"+name+"-restore-drill")
			require.NotNil(t, drill)
			want = append(want, drill.Get("role"))
			assert.ElementsMatch(t, want, readers)
			for _, td := range p.ByType("aws:ecs/taskDefinition:TaskDefinition") {
				if !strings.HasSuffix(td.Name, "-migrate") {
					assert.NotContains(t, readers, td.Get("executionRoleArn"), "%s never reads the master secret", td.Name)
				}
			}
		})
	}
}
