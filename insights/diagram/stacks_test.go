package diagram_test

import (
	"math/rand"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/insights/diagram"
	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/offline/stackrefs"
	"github.com/refarch/refarch/stacks"
)

// plans runs each stack once for all the tests of this file.
var (
	plansOnce sync.Map // stack → func() (*offline.Plan, error)
)

// sampleDir holds a copy of the repository's Pulumi.yaml and stack files as
// committed (tests/sample_test.go keeps it current).
const sampleDir = "../../tests/testdata/sample"

func plan(t *testing.T, stack string) *offline.Plan {
	t.Helper()
	f, _ := plansOnce.LoadOrStore(stack, sync.OnceValues(func() (*offline.Plan, error) {
		// The committed sample, whose values the assertions below name:
		// the project's own files may hold any valid values.
		return offline.RunStack(stacks.Run, stack, offline.Options{Dir: sampleDir, StackOutputs: stackrefs.New(sampleDir)})
	}))
	p, err := f.(func() (*offline.Plan, error))()
	require.NoError(t, err, stack)
	return p
}

// chart is a parsed flowchart: every node's and subgraph's label and the
// subgraphs holding it, and every edge.
type chart struct {
	labels  map[string]string   // id → label
	parents map[string][]string // id → enclosing subgraphs, innermost first
	edges   []string            // "from ARROW to label" as written
}

var (
	idPattern   = `[a-z][a-z0-9_]*`
	nodeLine    = regexp.MustCompile(`^\s+(` + idPattern + `)(\(\(|\[\(|\(\[|\{\{|\[|\()"([^"]*)"(\)\)|\)\]|\]\)|\}\}|\]|\))$`)
	groupLine   = regexp.MustCompile(`^\s+subgraph (` + idPattern + `)\["([^"]*)"\]$`)
	edgeLine    = regexp.MustCompile(`^  (` + idPattern + `) (-->|-\.->|<-->)(?:\|"([^"]*)"\|)? (` + idPattern + `)$`)
	closeShapes = map[string]string{"((": "))", "[(": ")]", "([": "])", "{{": "}}", "[": "]", "(": ")"}
)

// parse checks the chart is well formed, as far as this package writes
// Mermaid: one header, balanced subgraphs, safe unique ids, quoted labels
// without a raw quote, edges between declared ids only.
func parse(t *testing.T, text string) chart {
	t.Helper()
	c := chart{labels: map[string]string{}, parents: map[string][]string{}}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	require.Equal(t, "flowchart LR", lines[0])
	require.True(t, strings.HasSuffix(text, "\n"))
	var stack []string
	declare := func(id, label string) {
		_, dup := c.labels[id]
		require.False(t, dup, "id %s declared twice", id)
		c.labels[id] = label
		c.parents[id] = append([]string(nil), stack...)
	}
	type pending struct{ from, to string }
	var links []pending
	for _, l := range lines[1:] {
		switch {
		case strings.TrimSpace(l) == "end":
			require.NotEmpty(t, stack, "end without subgraph")
			stack = stack[1:]
		case groupLine.MatchString(l):
			m := groupLine.FindStringSubmatch(l)
			declare(m[1], m[2])
			stack = append([]string{m[1]}, stack...)
		case nodeLine.MatchString(l):
			m := nodeLine.FindStringSubmatch(l)
			require.Equal(t, closeShapes[m[2]], m[4], l)
			declare(m[1], m[3])
		case edgeLine.MatchString(l):
			require.Empty(t, stack, "edges come after every subgraph: %s", l)
			m := edgeLine.FindStringSubmatch(l)
			links = append(links, pending{m[1], m[4]})
			c.edges = append(c.edges, strings.TrimSpace(l))
		default:
			t.Fatalf("line not written by this package's grammar: %q", l)
		}
	}
	require.Empty(t, stack, "unclosed subgraph")
	for _, e := range links {
		require.Contains(t, c.labels, e.from, "edge from an undeclared id")
		require.Contains(t, c.labels, e.to, "edge to an undeclared id")
	}
	return c
}

// in asserts id is drawn inside group.
func (c chart) in(t *testing.T, id, group string) {
	t.Helper()
	assert.Contains(t, c.parents[id], group, "%s inside %s", id, group)
}

// label asserts the label of id holds each part.
func (c chart) label(t *testing.T, id string, parts ...string) {
	t.Helper()
	require.Contains(t, c.labels, id)
	for _, p := range parts {
		assert.Contains(t, c.labels[id], p, id)
	}
}

// edge asserts the chart has the edge, written as Mermaid.
func (c chart) edge(t *testing.T, e string) {
	t.Helper()
	assert.Contains(t, c.edges, e)
}

// The names below are read from the records of prod (cmd/plan -stack prod
// -json), by eye.
func TestProdDiagram(t *testing.T) {
	text, err := diagram.Mermaid(plan(t, "prod").Masked())
	require.NoError(t, err)
	c := parse(t, text)

	// Accounts: prod's own, and shared-services through the second provider.
	c.label(t, "acct_555555555555", "prod · account 555555555555", "us-west-2", "us-east-1")
	c.label(t, "acct_222222222222", "shared-services · account 222222222222")

	// The VPC, its CIDR and tiers.
	c.label(t, "vpc_prod", "VPC prod · 10.30.0.0/16", "3 AZs", "NAT OnePerAz")
	c.in(t, "vpc_prod", "acct_555555555555")
	c.label(t, "tier_prod_public", "public · Public subnets · /22")
	c.label(t, "tier_prod_app", "app · Private subnets · /20")
	c.label(t, "tier_prod_data", "data · Isolated subnets · /21")
	for _, tier := range []string{"tier_prod_public", "tier_prod_app", "tier_prod_data"} {
		c.in(t, tier, "vpc_prod")
	}

	// Both load balancers, in their tiers, with their listeners.
	c.label(t, "lb_prod_public", "ALB prod-public · internet-facing", "origin.prod.example.com", "HTTP:80 · redirect to HTTPS:443", "HTTPS:443 · fixed 404", "WAF refarch-prod-public")
	c.in(t, "lb_prod_public", "tier_prod_public")
	c.label(t, "lb_prod_internal", "ALB prod-internal · internal", "internal.prod.example.com", "HTTPS:443 · fixed 404")
	c.in(t, "lb_prod_internal", "tier_prod_app")
	c.edge(t, `internet -->|"80, 443"| lb_prod_public`)

	// Every ECS service behind its load balancer, with its path.
	c.label(t, "svc_prod_frontend", "ECS service prod-frontend", "FARGATE", "3–12 tasks", ":8080")
	c.label(t, "svc_prod_backend", "ECS service prod-backend", "FARGATE", "3–20 tasks", ":8080")
	c.in(t, "svc_prod_frontend", "tier_prod_app")
	c.in(t, "svc_prod_backend", "tier_prod_app")
	c.edge(t, `lb_prod_public -->|"/api/*"| svc_prod_frontend`)
	c.edge(t, `lb_prod_internal -->|"/backend/*"| svc_prod_backend`)
	c.edge(t, `svc_prod_frontend -->|"443"| lb_prod_internal`)
	c.edge(t, `ecr_222222222222_us_west_2 -.->|"image"| svc_prod_backend`)
	c.edge(t, `ecr_222222222222_us_west_2 -.->|"image"| svc_prod_frontend`)
	c.label(t, "ecr_222222222222_us_west_2", "backend, frontend")
	c.in(t, "ecr_222222222222_us_west_2", "acct_222222222222")

	// The database, its replicas and the cache, in the data tier.
	c.label(t, "dbg_refarch_prod_db", "refarch-prod-db · writer + 2 read replicas")
	c.in(t, "dbg_refarch_prod_db", "tier_prod_data")
	c.label(t, "db_refarch_prod_db", "RDS refarch-prod-db", "postgres 18", "db.r7g.large", "writer · Multi-AZ")
	for _, r := range []string{"db_refarch_prod_db_replica_1", "db_refarch_prod_db_replica_2"} {
		c.in(t, r, "dbg_refarch_prod_db")
		c.edge(t, `db_refarch_prod_db -.->|"replication"| `+r)
	}
	c.label(t, "db_refarch_prod_db_replica_1", "RDS refarch-prod-db-replica-1", "read replica", "us-west-2b")
	c.label(t, "db_refarch_prod_db_replica_2", "RDS refarch-prod-db-replica-2", "read replica", "us-west-2c")
	c.edge(t, `svc_prod_backend -->|"5432"| dbg_refarch_prod_db`)
	c.label(t, "cache_refarch_prod_cache", "ElastiCache refarch-prod-cache", "memcached 1.6.22", "cache.r7g.large", "3 nodes", ":11211")
	c.in(t, "cache_refarch_prod_cache", "tier_prod_data")
	c.edge(t, `svc_prod_backend -->|"11211"| cache_refarch_prod_cache`)

	// The CDN and its origins: the assets bucket and the public ALB.
	c.label(t, "cdn_refarch_prod_edge", "CloudFront refarch-prod-edge", "www.prod.example.com", "static.prod.example.com", "WAF refarch-prod-edge")
	c.edge(t, `internet --> cdn_refarch_prod_edge`)
	c.edge(t, `cdn_refarch_prod_edge -->|"default"| s3_refarch_prod_edge_assets`)
	c.edge(t, `cdn_refarch_prod_edge -->|"/api/*"| lb_prod_public`)
	c.label(t, "s3_refarch_prod_edge_assets", "S3 refarch-prod-edge-assets")

	// The peering to the shared-services VPC, and the VPN's security group
	// admitted to the internal ALB and the database.
	c.edge(t, `vpc_0mgmt222222 <-->|"peering mgmt-prod"| vpc_prod`)
	c.label(t, "vpc_0mgmt222222", "VPC vpc-0mgmt222222 · 10.0.0.0/16", "shared-services.managementVpcId")
	c.in(t, "vpc_0mgmt222222", "acct_222222222222")
	c.label(t, "sg_0vpn222222", "security group sg-0vpn222222", "shared-services.vpnSecurityGroupId")
	c.in(t, "sg_0vpn222222", "acct_222222222222")
	c.edge(t, `sg_0vpn222222 -->|"443"| lb_prod_internal`)
	c.edge(t, `sg_0vpn222222 -->|"5432"| dbg_refarch_prod_db`)

	// Every function, and what triggers it.
	for _, fn := range []string{"alert-notifier", "edge-probe", "hello-http", "secret-rotator"} {
		id := "fn_refarch_prod_" + strings.ReplaceAll(fn, "-", "_")
		c.label(t, id, "λ refarch-prod-"+fn, "provided.al2023 · arm64")
		c.in(t, id, "fns_555555555555")
	}
	c.edge(t, `lb_prod_public -->|"/hello/*"| fn_refarch_prod_hello_http`)
	c.label(t, "sched_refarch_prod_edge_probe", "EventBridge Scheduler", "rate(1 minute)")
	c.edge(t, `sched_refarch_prod_edge_probe --> fn_refarch_prod_edge_probe`)
	c.label(t, "rot_prod_backend_session_signing_key", "Secrets Manager rotation", "prod/backend/SESSION_SIGNING_KEY", "every 30 days")
	c.edge(t, `rot_prod_backend_session_signing_key --> fn_refarch_prod_secret_rotator`)
	c.edge(t, `topic_refarch_prod_alerts -->|"lambda"| fn_refarch_prod_alert_notifier`)
	c.edge(t, `topic_refarch_prod_edge_alerts -->|"lambda"| fn_refarch_prod_alert_notifier`)
	// The restore drill's validator runs in the VPC's application tier,
	// invoked by the end of the drill's restore jobs and daily.
	c.label(t, "fn_refarch_prod_restore_drill", "λ refarch-prod-restore-drill", "provided.al2023 · arm64")
	c.in(t, "fn_refarch_prod_restore_drill", "tier_prod_app")
	c.label(t, "rule_refarch_prod_db_drill_done", "EventBridge rule refarch-prod-db-drill-done", "aws.backup · Restore Job State Change")
	c.edge(t, `rule_refarch_prod_db_drill_done --> fn_refarch_prod_restore_drill`)
	c.label(t, "sched_refarch_prod_restore_drill", "EventBridge Scheduler", "rate(1 day)")
	c.edge(t, `sched_refarch_prod_restore_drill --> fn_refarch_prod_restore_drill`)

	// The alert path: alarms counted per topic and action, findings rules,
	// topics, subscribers.
	c.label(t, "topic_refarch_prod_alerts", "SNS refarch-prod-alerts")
	c.label(t, "topic_refarch_prod_edge_alerts", "SNS refarch-prod-edge-alerts", "us-east-1")
	c.label(t, "alarms_refarch_prod_alerts_alarm_ok", "75 CloudWatch alarms", "RDS 16", "ElastiCache 12", "refarch/RestoreDrill 3")
	c.edge(t, `alarms_refarch_prod_alerts_alarm_ok -->|"ALARM, OK"| topic_refarch_prod_alerts`)
	c.label(t, "alarms_refarch_prod_alerts_alarm", "14 CloudWatch alarms", "refarch/CISBenchmark 14")
	c.edge(t, `alarms_refarch_prod_alerts_alarm -->|"ALARM"| topic_refarch_prod_alerts`)
	c.label(t, "alarms_refarch_prod_edge_alerts_alarm_ok", "1 CloudWatch alarm", "CloudFront 1")
	c.edge(t, `alarms_refarch_prod_edge_alerts_alarm_ok -->|"ALARM, OK"| topic_refarch_prod_edge_alerts`)
	// prod's findings reach security's rules (delegated administration):
	// prod has none of its own.
	assert.NotContains(t, text, "rule_refarch_prod_guardduty_findings")
	for _, topic := range []string{"topic_refarch_prod_alerts", "topic_refarch_prod_edge_alerts"} {
		c.edge(t, topic+` -->|"email"| sub_oncall_example_com`)
		c.edge(t, topic+` -->|"email"| sub_platform_alerts_example_com`)
	}
	alarmNodes := 0
	for id := range c.labels {
		if strings.HasPrefix(id, "alarms_") {
			alarmNodes++
		}
	}
	assert.Equal(t, 3, alarmNodes, "90 alarms are drawn as three counted nodes")
}

func TestProdDiagramIsDeterministic(t *testing.T) {
	p := plan(t, "prod")
	want, err := diagram.Mermaid(p)
	require.NoError(t, err)
	shuffled := *p
	shuffled.Resources = append([]*offline.Resource(nil), p.Resources...)
	rand.New(rand.NewSource(7)).Shuffle(len(shuffled.Resources), func(i, j int) {
		shuffled.Resources[i], shuffled.Resources[j] = shuffled.Resources[j], shuffled.Resources[i]
	})
	got, err := diagram.Mermaid(&shuffled)
	require.NoError(t, err)
	assert.Equal(t, want, got)
	masked, err := diagram.Mermaid(p.Masked())
	require.NoError(t, err)
	assert.Equal(t, want, masked, "masking secrets changes nothing drawn")
}

func TestSharedServicesDiagram(t *testing.T) {
	text, err := diagram.Mermaid(plan(t, "shared-services").Masked())
	require.NoError(t, err)
	c := parse(t, text)
	c.label(t, "acct_222222222222", "shared-services · account 222222222222")
	c.label(t, "vpc_mgmt", "VPC mgmt · 10.0.0.0/16", "2 AZs", "NAT Single")
	c.label(t, "asg_refarch_vpn", "VpnServer refarch-vpn", "EC2 t4g.small × 1", "vpn.example.com")
	c.in(t, "asg_refarch_vpn", "tier_mgmt_public")
	c.edge(t, `internet -->|"udp 1194"| asg_refarch_vpn`)
	for _, cidr := range []string{"10_10_0_0_16", "10_20_0_0_16", "10_30_0_0_16"} {
		c.edge(t, `asg_refarch_vpn -->|"all"| net_`+cidr)
	}
	c.label(t, "ecr_222222222222_us_west_2", "backend, frontend")
	c.label(t, "topic_refarch_shared_services_alerts", "SNS refarch-shared-services-alerts")
	c.edge(t, `topic_refarch_shared_services_alerts -->|"lambda"| fn_refarch_shared_services_alert_notifier`)
	assert.NotContains(t, text, "asg_refarch_vpn -->|\"443\"| internet", "egress to the whole Internet is not drawn")
}

func TestSecurityDiagram(t *testing.T) {
	text, err := diagram.Mermaid(plan(t, "security").Masked())
	require.NoError(t, err)
	c := parse(t, text)
	c.label(t, "acct_111111111111", "security · account 111111111111", "us-west-2, us-east-1")
	assert.NotContains(t, text, "subgraph vpc_", "the security account has no VPC")
	c.label(t, "topic_refarch_security_alerts", "SNS refarch-security-alerts")
	c.edge(t, `topic_refarch_security_alerts -->|"email"| sub_security_alerts_example_com`)
	c.edge(t, `topic_refarch_security_alerts -->|"lambda"| fn_refarch_security_alert_notifier`)
	// The organization's findings: every account's reach these rules.
	c.edge(t, `rule_refarch_security_guardduty_findings --> topic_refarch_security_alerts`)
	c.edge(t, `rule_refarch_security_securityhub_findings --> topic_refarch_security_alerts`)
}

func TestEveryStackDiagram(t *testing.T) {
	for _, s := range []string{"dev", "stage"} {
		text, err := diagram.Mermaid(plan(t, s).Masked())
		require.NoError(t, err, s)
		c := parse(t, text)
		c.label(t, "vpc_"+s, "VPC "+s)
		c.label(t, "lb_"+s+"_public", "internet-facing")
		c.label(t, "lb_"+s+"_internal", "· internal")
	}
}

// TestEmbedProdInADocument embeds the real diagram and reads it back, as
// the README's drift test will.
func TestEmbedProdInADocument(t *testing.T) {
	text, err := diagram.Mermaid(plan(t, "prod"))
	require.NoError(t, err)
	start, end := diagram.Markers("prod")
	doc := []byte("# refarch\n\n" + start + "\n" + end + "\n\nmore\n")
	out, err := diagram.Embed(doc, "prod", text)
	require.NoError(t, err)
	got, err := diagram.Extract(out, "prod")
	require.NoError(t, err)
	assert.Equal(t, text, got)
	assert.True(t, strings.HasSuffix(string(out), "```\n"+end+"\n\nmore\n"))
}
