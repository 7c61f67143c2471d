package postgres_test

import (
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/components/postgres"
	"github.com/refarch/refarch/offline"
)

const (
	account = offline.UnitAccount
	// clientSG is the one security group the tests admit.
	clientSG = "sg-0client1"

	instanceType = "aws:rds/instance:Instance"
	ruleType     = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
)

var zones = []string{"us-west-2a", "us-west-2b", "us-west-2c"}

// baseArgs are the least a caller passes.
func baseArgs() *postgres.PostgresArgs {
	return &postgres.PostgresArgs{
		VpcID:                  pulumi.String("vpc-0abc"),
		SubnetIDs:              pulumi.ToStringArray([]string{"subnet-0a", "subnet-0b", "subnet-0c"}),
		AvailabilityZones:      zones,
		ClientSecurityGroupIDs: []pulumi.StringInput{pulumi.String(clientSG)},
		KeyAdministrators:      []string{deployRole},
	}
}

// deployRole administers the database's key.
const deployRole = "arn:aws:iam::123456789012:role/deploy"

// outputs are the component's outputs, resolved.
type outputs struct {
	mu                               sync.Mutex
	address, secretARN, keyARN, sgID string
	port                             int
	readers                          []string
}

// run creates a Postgres named "orders" with args under the harness and
// returns the plan and the resolved outputs.
func run(t *testing.T, args *postgres.PostgresArgs) (*offline.Plan, *outputs, error) {
	t.Helper()
	out := &outputs{}
	plan, err := offline.RunComponent(func(ctx *pulumi.Context, provider *aws.Provider) error {
		pg, err := postgres.NewPostgres(ctx, "orders", args, pulumi.Provider(provider))
		if err != nil {
			return err
		}
		pulumi.All(pg.Address, pg.SecretARN, pg.KeyARN, pg.SecurityGroupID, pg.Port, pg.ReaderAddresses).ApplyT(func(v []any) error {
			out.mu.Lock()
			defer out.mu.Unlock()
			out.address, out.secretARN, out.keyARN, out.sgID = v[0].(string), v[1].(string), v[2].(string), v[3].(string)
			out.port, out.readers = v[4].(int), v[5].([]string)
			return nil
		})
		return nil
	})
	return plan, out, err
}

func mustRun(t *testing.T, args *postgres.PostgresArgs) (*offline.Plan, *outputs) {
	t.Helper()
	plan, out, err := run(t, args)
	require.NoError(t, err)
	return plan, out
}

func TestWriterDefaultsAreSecureAndWired(t *testing.T) {
	plan, out := mustRun(t, baseArgs())
	db := plan.Find(instanceType, "orders")
	require.NotNil(t, db)
	key := plan.Find("aws:kms/key:Key", "orders")
	require.NotNil(t, key)
	keyARN := key.Output("arn")
	sg := plan.Find("aws:ec2/securityGroup:SecurityGroup", "orders")
	subnets := plan.Find("aws:rds/subnetGroup:SubnetGroup", "orders")
	params := plan.Find("aws:rds/parameterGroup:ParameterGroup", "orders")
	role := plan.Find("aws:iam/role:Role", "orders-monitoring")
	require.NotNil(t, sg)
	require.NotNil(t, subnets)
	require.NotNil(t, params)
	require.NotNil(t, role)

	assert.Equal(t, "orders", db.String("identifier"))
	assert.Equal(t, "postgres", db.String("engine"))
	assert.Equal(t, "18", db.String("engineVersion"), "the current major version")
	assert.Equal(t, "db.t4g.medium", db.String("instanceClass"))
	// Encryption at rest with the component's own key, everywhere.
	assert.True(t, db.Bool("storageEncrypted"))
	assert.Equal(t, keyARN, db.Get("kmsKeyId"))
	assert.Equal(t, keyARN, db.Get("performanceInsightsKmsKeyId"))
	// Not managed by RDS (which would refuse replicas): a generated
	// password, secret, applied at creation only.
	assert.False(t, db.Has("manageMasterUserPassword"))
	assert.False(t, db.Has("masterUserSecretKmsKeyId"))
	assert.True(t, db.IsSecret("password"), "the generated password is a Pulumi secret")
	assert.Empty(t, postgres.CheckMasterPassword(db.String("password")))
	assert.ElementsMatch(t, []string{"password", "manageMasterUserPassword", "masterUserSecretKmsKeyId"}, db.IgnoreChanges,
		"the rotation owns the password after the creation")
	// Failover, backups, final snapshot.
	assert.True(t, db.Bool("multiAz"))
	assert.Equal(t, 7, db.Int("backupRetentionPeriod"))
	assert.Equal(t, "03:00-03:30", db.String("backupWindow"))
	assert.Equal(t, "sun:04:00-sun:05:00", db.String("maintenanceWindow"))
	assert.True(t, db.Bool("copyTagsToSnapshot"))
	assert.False(t, db.Bool("deleteAutomatedBackups"))
	assert.False(t, db.Bool("skipFinalSnapshot"))
	assert.Equal(t, "orders-final-snapshot", db.String("finalSnapshotIdentifier"))
	// Network: private, in the data subnets, behind its own group.
	assert.False(t, db.Bool("publiclyAccessible"))
	assert.Equal(t, subnets.Output("name"), db.Get("dbSubnetGroupName"))
	assert.Equal(t, []string{sg.ID}, db.Strings("vpcSecurityGroupIds"))
	assert.Equal(t, []string{"subnet-0a", "subnet-0b", "subnet-0c"}, subnets.Strings("subnetIds"))
	assert.Equal(t, "vpc-0abc", sg.String("vpcId"))
	// Parameters, authentication, storage, upgrades.
	assert.Equal(t, params.Output("name"), db.Get("parameterGroupName"))
	assert.True(t, db.Bool("iamDatabaseAuthenticationEnabled"))
	assert.Equal(t, "gp3", db.String("storageType"))
	assert.Equal(t, 20, db.Int("allocatedStorage"))
	assert.Equal(t, 100, db.Int("maxAllocatedStorage"), "storage autoscaling on")
	assert.True(t, db.Bool("autoMinorVersionUpgrade"))
	assert.False(t, db.Bool("allowMajorVersionUpgrade"))
	assert.Equal(t, postgres.CACertificate, db.String("caCertIdentifier"))
	// Monitoring.
	assert.True(t, db.Bool("performanceInsightsEnabled"))
	assert.Equal(t, 7, db.Int("performanceInsightsRetentionPeriod"))
	assert.Equal(t, 60, db.Int("monitoringInterval"))
	assert.Equal(t, role.Output("arn"), db.Get("monitoringRoleArn"))
	assert.Equal(t, []string{"postgresql", "upgrade"}, db.Strings("enabledCloudwatchLogsExports"))
	// Unprotected unless asked.
	assert.False(t, db.Bool("deletionProtection"))
	assert.False(t, db.Protect)

	// Every child hangs from the component; outputs come from the writer.
	component := plan.Find("refarch:postgres:Postgres", "orders")
	require.NotNil(t, component)
	for _, r := range plan.Descendants(component) {
		assert.NotEmpty(t, r.Provider, "%s %q inherits the component's provider", r.Type, r.Name)
	}
	assert.Equal(t, db.Output("address"), out.address)
	assert.Equal(t, 5432, out.port)
	assert.Equal(t, keyARN, out.keyARN)
	assert.Equal(t, sg.ID, out.sgID)
	master := plan.Find("aws:secretsmanager/secret:Secret", "orders/master")
	require.NotNil(t, master)
	assert.Equal(t, master.Output("arn"), out.secretARN, "the master user's secret is the component's own")
	assert.Empty(t, out.readers)
}

// TestMasterSecretIsTheComponentsOwnForTheRotation checks the secret the
// rotation function writes: encrypted with the database's key, tagged with
// its kind and the writer's identifier, without a value in the program,
// and protected with the database.
func TestMasterSecretIsTheComponentsOwnForTheRotation(t *testing.T) {
	for _, protect := range []bool{false, true} {
		args := baseArgs()
		args.Protect = protect
		args.ReadReplicas = 1
		plan, out := mustRun(t, args)
		master := plan.Find("aws:secretsmanager/secret:Secret", postgres.MasterSecretName("orders"))
		require.NotNil(t, master)
		assert.Equal(t, "orders/master", master.String("name"))
		assert.Equal(t, plan.Find("aws:kms/key:Key", "orders").Output("arn"), master.Get("kmsKeyId"), "encrypted with the database's key")
		assert.Equal(t, 30, master.Int("recoveryWindowInDays"))
		assert.Equal(t, postgres.RotationKindMasterPassword, master.String("tags."+postgres.RotationTag))
		assert.Equal(t, "orders", master.String("tags."+postgres.InstanceTag), "the rotation finds the writer by this tag")
		assert.Equal(t, protect, master.Protect && master.RetainOnDelete)
		assert.Equal(t, master.Output("arn"), out.secretARN)
		assert.Empty(t, plan.ByType("aws:secretsmanager/secretVersion:SecretVersion"), "the rotation writes every value")
		assert.Empty(t, plan.ByType("aws:secretsmanager/secretRotation:SecretRotation"), "the caller owns the rotation function")
		for _, inst := range plan.ByType(instanceType) {
			assert.False(t, inst.Bool("manageMasterUserPassword"), "%s: RDS refuses replicas of a managed password", inst.Name)
		}
	}
}

// TestMasterPasswordRule checks RDS's rule for a PostgreSQL master password.
func TestMasterPasswordRule(t *testing.T) {
	for pw, ok := range map[string]bool{
		"abcdefgh":               true,
		strings.Repeat("a", 128): true,
		"Ab1!#$%^&*()~":          true,
		"short7!":                false,
		strings.Repeat("a", 129): false,
		"with/slash":             false,
		`with"quote`:             false,
		"with@at12":              false,
		"with space":             false,
		"tab\tpass":              false,
		"accent\u00e9x":          false,
	} {
		assert.Equal(t, ok, postgres.CheckMasterPassword(pw) == "", "%q", pw)
	}
}

func TestParameterGroupForcesTLSForTheEngineFamily(t *testing.T) {
	for version, family := range map[string]string{"": "postgres18", "17.4": "postgres17", "16": "postgres16"} {
		args := baseArgs()
		args.EngineVersion = version
		args.Parameters = map[string]string{"work_mem": "65536", "ssl_min_protocol_version": "TLSv1.3"}
		plan, _ := mustRun(t, args)
		params := plan.Find("aws:rds/parameterGroup:ParameterGroup", "orders")
		require.NotNil(t, params)
		assert.Equal(t, family, params.String("family"), "version %q", version)
		got := map[string]string{}
		methods := map[string]string{}
		for _, raw := range params.List("parameters") {
			p := raw.(map[string]any)
			got[p["name"].(string)] = p["value"].(string)
			methods[p["name"].(string)] = p["applyMethod"].(string)
		}
		assert.Equal(t, "1", got["rds.force_ssl"])
		assert.Equal(t, "TLSv1.3", got["ssl_min_protocol_version"], "a stricter TLS floor is allowed")
		assert.Equal(t, "scram-sha-256", got["password_encryption"])
		assert.Equal(t, "1", got["log_connections"])
		assert.Equal(t, "ddl", got["log_statement"])
		assert.Equal(t, "1000", got["log_min_duration_statement"])
		assert.Equal(t, "65536", got["work_mem"], "extra parameters are added")
		assert.Equal(t, "pending-reboot", methods["work_mem"])
		assert.Equal(t, "immediate", methods["rds.force_ssl"])
	}
}

func TestKeyRotatesAndIsUsableOnlyThroughRDSAndSecretsManager(t *testing.T) {
	plan, _ := mustRun(t, baseArgs())
	key := plan.Find("aws:kms/key:Key", "orders")
	require.NotNil(t, key)
	assert.True(t, key.Bool("enableKeyRotation"))
	assert.Equal(t, 30, key.Int("deletionWindowInDays"))
	alias := plan.Find("aws:kms/alias:Alias", "orders")
	require.NotNil(t, alias)
	assert.Equal(t, "alias/orders-postgres", alias.String("name"))
	assert.Equal(t, key.Output("keyId"), alias.Get("targetKeyId"))

	doc, err := key.JSON("policy")
	require.NoError(t, err)
	stmts := doc.(map[string]any)["Statement"].([]any)
	require.Len(t, stmts, 3)
	bySid := map[string]map[string]any{}
	for _, s := range stmts {
		st := s.(map[string]any)
		bySid[st["Sid"].(string)] = st
	}
	admin := bySid["KeyAdministration"]
	require.NotNil(t, admin)
	assert.Equal(t, []any{deployRole}, admin["Principal"].(map[string]any)["AWS"], "only the named administrators manage the key")
	for _, forbidden := range []string{"kms:*", "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*"} {
		assert.NotContains(t, admin["Action"], forbidden, "administrators cannot use the key")
	}

	use := bySid["UseThroughRDSAndSecretsManager"]
	require.NotNil(t, use)
	assert.NotContains(t, use["Action"], "kms:*")
	cond := use["Condition"].(map[string]any)["StringEquals"].(map[string]any)
	assert.Equal(t, []any{account}, cond["kms:CallerAccount"], "only this account's principals")
	assert.ElementsMatch(t, []any{"rds.us-west-2.amazonaws.com", "secretsmanager.us-west-2.amazonaws.com"}, cond["kms:ViaService"])

	logs := bySid["CloudWatchLogsOfThisAccount"]
	require.NotNil(t, logs)
	assert.Equal(t, map[string]any{"Service": []any{"logs.us-west-2.amazonaws.com"}}, logs["Principal"])
	assert.Equal(t, map[string]any{"ArnLike": map[string]any{"kms:EncryptionContext:aws:logs:arn": []any{
		"arn:aws:logs:us-west-2:" + account + ":log-group:/aws/rds/instance/orders/*",
		"arn:aws:logs:us-west-2:" + account + ":log-group:/aws/rds/instance/orders-replica-*/*",
	}}}, logs["Condition"], "CloudWatch Logs may use the key for this database's log groups only")
}

func TestSecurityGroupAdmitsExactlyTheNamedSources(t *testing.T) {
	args := baseArgs()
	args.ClientSecurityGroupIDs = append(args.ClientSecurityGroupIDs, pulumi.String("sg-0client2"))
	args.ClientCIDRs = []string{"172.16.0.0/22"}
	args.Port = 6432
	plan, _ := mustRun(t, args)
	sg := plan.Find("aws:ec2/securityGroup:SecurityGroup", "orders")
	require.NotNil(t, sg)
	assert.Empty(t, sg.List("ingress"), "no inline rules")
	assert.Empty(t, sg.List("egress"), "a database opens no connection")

	var groups, cidrs []string
	for _, rule := range plan.ByType(ruleType) {
		require.Equal(t, sg.ID, rule.String("securityGroupId"), "rule %s", rule.Name)
		assert.Equal(t, "tcp", rule.String("ipProtocol"))
		assert.Equal(t, 6432, rule.Int("fromPort"))
		assert.Equal(t, 6432, rule.Int("toPort"))
		if g := rule.String("referencedSecurityGroupId"); g != "" {
			groups = append(groups, g)
		}
		if c := rule.String("cidrIpv4"); c != "" {
			cidrs = append(cidrs, c)
		}
		assert.False(t, rule.Has("cidrIpv6"))
	}
	sort.Strings(groups)
	assert.Equal(t, []string{clientSG, "sg-0client2"}, groups)

	// Each client group gets its way out to the database, and nothing more;
	// the database itself has no egress rule.
	var egress []string
	for _, rule := range plan.ByType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule") {
		assert.Equal(t, sg.ID, rule.String("referencedSecurityGroupId"), "clients reach the database's group only")
		assert.Equal(t, 6432, rule.Int("fromPort"))
		assert.Equal(t, 6432, rule.Int("toPort"))
		egress = append(egress, rule.String("securityGroupId"))
	}
	sort.Strings(egress)
	assert.Equal(t, []string{clientSG, "sg-0client2"}, egress)
	assert.Equal(t, []string{"172.16.0.0/22"}, cidrs)
}

func TestOperatorGroupsAreAdmittedWithoutAnEgressRule(t *testing.T) {
	const vpn = "222222222222/sg-0vpn"
	args := baseArgs()
	args.OperatorSecurityGroupIDs = []pulumi.StringInput{pulumi.String(vpn)}
	plan, _ := mustRun(t, args)
	sg := plan.Find("aws:ec2/securityGroup:SecurityGroup", "orders")
	require.NotNil(t, sg)
	var admitted int
	for _, rule := range plan.ByType(ruleType) {
		if rule.String("referencedSecurityGroupId") == vpn {
			admitted++
			assert.Equal(t, sg.ID, rule.String("securityGroupId"))
			assert.Equal(t, 5432, rule.Int("fromPort"))
		}
	}
	assert.Equal(t, 1, admitted)
	for _, rule := range plan.ByType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule") {
		assert.NotEqual(t, vpn, rule.String("securityGroupId"), "another account's group gets no rule from here")
	}
}

func TestProtectGuardsEveryStatefulResource(t *testing.T) {
	args := baseArgs()
	args.Protect = true
	args.ReadReplicas = 1
	plan, _ := mustRun(t, args)
	db := plan.Find(instanceType, "orders")
	require.NotNil(t, db)
	assert.True(t, db.Protect)
	assert.True(t, db.RetainOnDelete)
	assert.True(t, db.Bool("deletionProtection"))
	key := plan.Find("aws:kms/key:Key", "orders")
	assert.True(t, key.Protect && key.RetainOnDelete, "losing the key loses the data and every snapshot")
	for _, g := range plan.ByType("aws:cloudwatch/logGroup:LogGroup") {
		assert.True(t, g.Protect, "log group %s", g.Name)
	}
	replica := plan.Find(instanceType, "orders-replica-1")
	require.NotNil(t, replica)
	assert.True(t, replica.Bool("deletionProtection"))
}

func TestReplicasGoToOtherZonesWithTheirOwnMonitoring(t *testing.T) {
	args := baseArgs()
	args.ReadReplicas = 3
	args.ReplicaInstanceClass = "db.r7g.large"
	plan, out := mustRun(t, args)
	db := plan.Find(instanceType, "orders")
	require.NotNil(t, db)
	writerZone, _ := db.Output("availabilityZone").(string)
	require.Contains(t, zones, writerZone, "the writer runs in one of the configured zones")
	role := plan.Find("aws:iam/role:Role", "orders-monitoring")

	// The readers take the other zones in their configured order, round robin.
	var others []string
	for _, z := range zones {
		if z != writerZone {
			others = append(others, z)
		}
	}
	var readerAddresses []any
	wantZones := []string{others[0], others[1], others[0]}
	for i := range 3 {
		id := postgres.ReplicaIdentifier("orders", i)
		r := plan.Find(instanceType, id)
		require.NotNil(t, r, id)
		assert.Equal(t, id, r.String("identifier"))
		assert.Equal(t, "orders", r.String("replicateSourceDb"), "replicates the writer")
		assert.Equal(t, wantZones[i], r.String("availabilityZone"))
		assert.NotEqual(t, writerZone, r.String("availabilityZone"))
		assert.Equal(t, []string{"availabilityZone"}, r.IgnoreChanges, "a writer failover must not replace readers")
		assert.Equal(t, "db.r7g.large", r.String("instanceClass"))
		assert.Equal(t, 60, r.Int("monitoringInterval"))
		assert.Equal(t, role.Output("arn"), r.Get("monitoringRoleArn"))
		assert.True(t, r.Bool("performanceInsightsEnabled"))
		assert.Equal(t, db.Get("kmsKeyId"), r.Get("performanceInsightsKmsKeyId"))
		assert.Equal(t, []string{"postgresql", "upgrade"}, r.Strings("enabledCloudwatchLogsExports"))
		assert.Equal(t, db.Get("parameterGroupName"), r.Get("parameterGroupName"), "TLS is forced on readers too")
		assert.Equal(t, db.Get("vpcSecurityGroupIds"), r.Get("vpcSecurityGroupIds"))
		assert.True(t, r.Bool("skipFinalSnapshot"), "RDS refuses a replica's final snapshot")
		assert.False(t, r.Has("finalSnapshotIdentifier"))
		assert.False(t, r.Bool("publiclyAccessible"))
		// Encryption is the source's: no key or flag that could differ.
		assert.False(t, r.Has("kmsKeyId"))
		assert.False(t, r.Has("storageEncrypted"))
		// Credentials are the writer's: a replica sets none.
		for _, k := range []string{"password", "manageMasterUserPassword", "masterUserSecretKmsKeyId", "username", "dbName"} {
			assert.False(t, r.Has(k), "%s sets %s", id, k)
		}
		readerAddresses = append(readerAddresses, r.Output("address"))
	}
	assert.Equal(t, readerAddresses, toAny(out.readers))
}

func TestLogGroupsExistBeforeTheInstancesWithRetention(t *testing.T) {
	args := baseArgs()
	args.ReadReplicas = 1
	args.LogRetentionDays = 30
	plan, _ := mustRun(t, args)
	groups := map[string]*offline.Resource{}
	for _, g := range plan.ByType("aws:cloudwatch/logGroup:LogGroup") {
		groups[g.String("name")] = g
		assert.Equal(t, 30, g.Int("retentionInDays"))
		assert.Equal(t, plan.Find("aws:kms/key:Key", "orders").Output("arn"), g.Get("kmsKeyId"), "encrypted with the database's key")
	}
	for _, id := range []string{"orders", "orders-replica-1"} {
		inst := plan.Find(instanceType, id)
		require.NotNil(t, inst)
		for _, log := range postgres.LogExports {
			g := groups[postgres.LogGroupName(id, log)]
			require.NotNil(t, g, "log group of %s/%s", id, log)
			assert.Contains(t, inst.DependsOn, g.URN, "%s waits for %s", id, g.String("name"))
		}
	}
	assert.Len(t, groups, 4)
}

func TestMonitoringRoleTrustsOnlyEnhancedMonitoringOfThisAccount(t *testing.T) {
	plan, _ := mustRun(t, baseArgs())
	role := plan.Find("aws:iam/role:Role", "orders-monitoring")
	require.NotNil(t, role)
	doc, err := role.JSON("assumeRolePolicy")
	require.NoError(t, err)
	stmts := doc.(map[string]any)["Statement"].([]any)
	require.Len(t, stmts, 1)
	st := stmts[0].(map[string]any)
	assert.Equal(t, map[string]any{"Service": []any{"monitoring.rds.amazonaws.com"}}, st["Principal"])
	assert.Equal(t, []any{account}, st["Condition"].(map[string]any)["StringEquals"].(map[string]any)["aws:SourceAccount"])
	attachment := plan.Find("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "orders-monitoring")
	require.NotNil(t, attachment)
	assert.Equal(t, "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole", attachment.String("policyArn"))
	assert.Equal(t, role.Output("name"), attachment.Get("role"))
}

func TestAlarmsCoverEveryInstanceWhenATopicIsGiven(t *testing.T) {
	plan, _ := mustRun(t, baseArgs())
	assert.Empty(t, plan.ByType("aws:cloudwatch/metricAlarm:MetricAlarm"), "no topic, no alarms")

	args := baseArgs()
	args.ReadReplicas = 2
	topic := "arn:aws:sns:us-west-2:123456789012:alerts"
	args.AlarmTopicARN = pulumi.String(topic)
	plan, _ = mustRun(t, args)
	metrics := map[string][]string{}
	for _, a := range plan.ByType("aws:cloudwatch/metricAlarm:MetricAlarm") {
		id := a.String("dimensions.DBInstanceIdentifier")
		metrics[id] = append(metrics[id], a.String("metricName"))
		assert.Equal(t, []string{topic}, a.Strings("alarmActions"))
		assert.Equal(t, "AWS/RDS", a.String("namespace"))
	}
	memory := []string{"FreeableMemory", "DatabaseConnections"}
	assert.ElementsMatch(t, append([]string{"CPUUtilization", "FreeStorageSpace", "ReadLatency", "WriteLatency"}, memory...), metrics["orders"])
	assert.ElementsMatch(t, append([]string{"CPUUtilization", "ReplicaLag", "ReadLatency"}, memory...), metrics["orders-replica-1"])
	assert.ElementsMatch(t, append([]string{"CPUUtilization", "ReplicaLag", "ReadLatency"}, memory...), metrics["orders-replica-2"])
	// db.t4g.medium has 4 GiB: 10% is 429,496,729.6 bytes; its default
	// max_connections is 4 GiB / 9,531,392 = 450, and 80% of that is 360.
	free := plan.Find("aws:cloudwatch/metricAlarm:MetricAlarm", "orders-freeable-memory")
	require.NotNil(t, free)
	assert.InDelta(t, 429496729.6, free.Get("threshold"), 0.5)
	conns := plan.Find("aws:cloudwatch/metricAlarm:MetricAlarm", "orders-connections")
	require.NotNil(t, conns)
	assert.Equal(t, float64(360), conns.Get("threshold"))
	read := plan.Find("aws:cloudwatch/metricAlarm:MetricAlarm", "orders-read-latency")
	require.NotNil(t, read)
	assert.Equal(t, 0.02, read.Get("threshold"), "20 ms")
	lag := plan.Find("aws:cloudwatch/metricAlarm:MetricAlarm", "orders-replica-1-replica-lag")
	require.NotNil(t, lag)
	assert.Equal(t, "breaching", lag.String("treatMissingData"), "a silent reader is not replicating")
}

func TestSingleAZAndSkippedSnapshotAreHonoured(t *testing.T) {
	args := baseArgs()
	args.SingleAZ = true
	args.SkipFinalSnapshot = true
	args.BackupRetentionDays = 21
	plan, _ := mustRun(t, args)
	db := plan.Find(instanceType, "orders")
	require.NotNil(t, db)
	assert.False(t, db.Bool("multiAz"))
	assert.True(t, db.Bool("skipFinalSnapshot"))
	assert.False(t, db.Has("finalSnapshotIdentifier"))
	assert.Equal(t, 21, db.Int("backupRetentionPeriod"))
}

func TestInvalidArgsRegisterNothing(t *testing.T) {
	args := baseArgs()
	args.InstanceClass = "m5.large"
	plan, _, err := run(t, args)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Args.InstanceClass")
	assert.Contains(t, err.Error(), `"m5.large"`)
	assert.Nil(t, plan.Find("refarch:postgres:Postgres", "orders"), "validation runs before registration")
	assert.Empty(t, plan.ByType(instanceType))
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func TestInstanceMemoryFollowsTheClass(t *testing.T) {
	for class, want := range map[string]float64{"db.t4g.micro": 1, "db.m7g.large": 8, "db.r7g.large": 16, "db.r6i.2xlarge": 64} {
		got, ok := postgres.InstanceMemoryGiB(class)
		assert.True(t, ok, class)
		assert.Equal(t, want, got, class)
	}
	for _, class := range []string{"db.z1d.large", "db.t4g.huge", "t4g.micro"} {
		_, ok := postgres.InstanceMemoryGiB(class)
		assert.False(t, ok, class)
	}
	assert.Equal(t, 112, postgres.MaxConnections(1), "1 GiB / 9,531,392 bytes")
	assert.Equal(t, 5000, postgres.MaxConnections(512), "capped at 5000")
}
