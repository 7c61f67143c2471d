package memcached

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/validate"
)

// The defaults of Args. Each is documented on its field.
const (
	DefaultEngineVersion     = "1.6.22"
	DefaultNodeType          = "cache.t4g.micro"
	DefaultNodes             = 2
	DefaultPort              = 11211
	DefaultMaintenanceWindow = "sun:05:00-sun:06:00"
)

// Limits of ElastiCache for Memcached the checks rely on.
const (
	// MaxNodes is how many nodes one Memcached cluster may have.
	// Source: go doc elasticache.ClusterArgs (numCacheNodes: 1 to 40).
	MaxNodes = 40
	// MaxNameLength keeps the autonamed cluster id ("<name>-" and 7 hex
	// characters) within ElastiCache's 50 characters.
	// Source: https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateCacheCluster.html (CacheClusterId)
	MaxNameLength = 40
	// minMaintenanceMinutes is ElastiCache's shortest maintenance window.
	// Source: go doc elasticache.ClusterArgs (maintenanceWindow).
	minMaintenanceMinutes = 60
)

// MinTLSVersion is the first Memcached version ElastiCache encrypts in
// transit (TLS); older versions cannot turn it on.
// Source: https://docs.aws.amazon.com/AmazonElastiCache/latest/mem-ug/supported-engine-versions-mc.html,
// https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/in-transit-encryption-mc.html
var MinTLSVersion = [3]int{1, 6, 12}

// MemcachedArgs configures a Memcached. Zero values mean the documented default.
type MemcachedArgs struct {
	// VpcID is the VPC of the data subnets (required); the security group
	// lives in it.
	VpcID pulumi.StringInput
	// SubnetIDs are the private data-tier subnets, one per zone (required).
	SubnetIDs pulumi.StringArrayInput
	// AvailabilityZones are the zones of SubnetIDs, at least two when Nodes
	// > 1: the nodes are spread over them in turn (cross-az). Required
	// with more than one node; a single node lets ElastiCache pick its
	// zone.
	AvailabilityZones []string
	// ClientSecurityGroupIDs are the security groups admitted on Port
	// (required, at least one), each with the matching egress rule to the
	// cache; nothing else is admitted, no block of addresses in particular.
	ClientSecurityGroupIDs []pulumi.StringInput
	// NodeType is the node class, e.g. "cache.r7g.large". Default
	// "cache.t4g.micro".
	NodeType string
	// Nodes is the number of nodes, 1-40. Default 2: with nodes in two
	// zones, losing a zone loses half the cache, not all of it.
	Nodes int
	// EngineVersion is the Memcached version, at least 1.6.12 (the first
	// with in-transit encryption). Default "1.6.22", the newest ElastiCache
	// offers.
	EngineVersion string
	// Port is the listener port. Default 11211.
	Port int
	// MaintenanceWindow is the weekly maintenance window,
	// "ddd:hh:mm-ddd:hh:mm" UTC, at least 60 minutes. Default
	// "sun:05:00-sun:06:00".
	MaintenanceWindow string
	// Parameters are Memcached parameters set in the cluster's parameter
	// group (family memcached1.6). Default none: the engine defaults.
	Parameters map[string]string
}

// withDefaults returns a copy of a with every zero value replaced by its
// default; the caller's Args are never modified.
func (a MemcachedArgs) withDefaults() MemcachedArgs {
	if a.NodeType == "" {
		a.NodeType = DefaultNodeType
	}
	if a.Nodes == 0 {
		a.Nodes = DefaultNodes
	}
	if a.EngineVersion == "" {
		a.EngineVersion = DefaultEngineVersion
	}
	if a.Port == 0 {
		a.Port = DefaultPort
	}
	if a.MaintenanceWindow == "" {
		a.MaintenanceWindow = DefaultMaintenanceWindow
	}
	a.Parameters = maps.Clone(a.Parameters)
	a.AvailabilityZones = slices.Clone(a.AvailabilityZones)
	a.ClientSecurityGroupIDs = slices.Clone(a.ClientSecurityGroupIDs)
	return a
}

// Validate reports every problem of the arguments (with the defaults
// applied), each naming the field, its value and the rule.
func (a *MemcachedArgs) Validate() error {
	return a.withDefaults().validate()
}

func (a MemcachedArgs) validate() error {
	var p validate.Problems
	if a.VpcID == nil {
		p.Add("Args.VpcID", "", "is required: the cache's security group lives in the VPC")
	}
	if a.SubnetIDs == nil {
		p.Add("Args.SubnetIDs", "", "is required: the private data-tier subnets the cache subnet group spans")
	}
	if len(a.ClientSecurityGroupIDs) == 0 {
		p.Add("Args.ClientSecurityGroupIDs", "[]", "must name at least one security group: the cache admits its clients' groups and nothing else")
	}
	for i, id := range a.ClientSecurityGroupIDs {
		if id == nil {
			p.Add(fmt.Sprintf("Args.ClientSecurityGroupIDs[%d]", i), "", "must not be nil")
		}
	}
	p.Check("Args.NodeType", a.NodeType, CheckNodeType(a.NodeType))
	p.Check("Args.Nodes", strconv.Itoa(a.Nodes), CheckNodes(a.Nodes))
	if a.Nodes > 1 {
		p.Check("Args.AvailabilityZones", fmt.Sprint(a.AvailabilityZones), checkSpread(a.AvailabilityZones))
	}
	p.Check("Args.EngineVersion", a.EngineVersion, CheckEngineVersion(a.EngineVersion))
	p.Check("Args.Port", strconv.Itoa(a.Port), validate.CheckRange(a.Port, 1024, 65535))
	p.Check("Args.MaintenanceWindow", a.MaintenanceWindow, checkMaintenanceWindow(a.MaintenanceWindow))
	for _, name := range slices.Sorted(maps.Keys(a.Parameters)) {
		if name == "" || a.Parameters[name] == "" {
			p.Add("Args.Parameters["+name+"]", a.Parameters[name], "needs a name and a value")
		}
	}
	return p.Err("memcached arguments")
}

// CheckName requires a component name the autonamed cluster id can carry:
// lower-case letters, digits and single inner hyphens, starting with a
// letter, at most MaxNameLength.
func CheckName(name string) string {
	if rule := validate.CheckName(name, MaxNameLength); rule != "" {
		return rule
	}
	if strings.Contains(name, "--") {
		return "must not hold two hyphens in a row: it is the ElastiCache cluster id"
	}
	return ""
}

// nodeType matches ElastiCache node types: cache.<family>.<size>.
// Source: https://docs.aws.amazon.com/AmazonElastiCache/latest/mem-ug/CacheNodes.SupportedTypes.html
var nodeType = regexp.MustCompile(`^cache\.[a-z][a-z0-9-]*\.(micro|small|medium|large|xlarge|[1-9][0-9]*xlarge)$`)

// CheckNodeType requires an ElastiCache node type such as cache.t4g.micro.
func CheckNodeType(t string) string {
	if !nodeType.MatchString(t) {
		return "must be an ElastiCache node type such as cache.t4g.micro or cache.r7g.large (cache.<family>.<size>)"
	}
	return ""
}

// CheckNodes requires 1 to 40 nodes.
func CheckNodes(n int) string {
	if n < 1 || n > MaxNodes {
		return fmt.Sprintf("must be between 1 and %d (an ElastiCache Memcached limit, https://www.pulumi.com/registry/packages/aws/api-docs/elasticache/cluster/)", MaxNodes)
	}
	return ""
}

// The zone modes of a Memcached cluster.
const (
	SingleAZ = "single-az"
	CrossAZ  = "cross-az"
)

// Placement is where the nodes go: one node is single-az, with no
// preferred zones; more are cross-az, spread over zones in turn
// (NodeZones), one preferred zone per node. Deriving both from the node
// count keeps the two combinations ElastiCache refuses out of reach:
// "If you want to choose `cross-az`, `numCacheNodes` must be greater than
// `1`", and "The number of Availability Zones listed must equal the value
// of `numCacheNodes`".
// Source: https://www.pulumi.com/registry/packages/aws/api-docs/elasticache/cluster/ (azMode, preferredAvailabilityZones)
func Placement(zones []string, nodes int) (azMode string, preferred []string) {
	if nodes <= 1 || len(zones) == 0 {
		return SingleAZ, nil
	}
	return CrossAZ, NodeZones(zones, nodes)
}

var engineVersion = regexp.MustCompile(`^([0-9]+)\.([0-9]+)\.([0-9]+)$`)

// parseVersion splits "1.6.22" into its three numbers.
func parseVersion(v string) ([3]int, bool) {
	m := engineVersion.FindStringSubmatch(v)
	if m == nil {
		return [3]int{}, false
	}
	var out [3]int
	for i := range out {
		out[i], _ = strconv.Atoi(m[i+1])
	}
	return out, true
}

// CheckEngineVersion requires a full Memcached version ("1.6.22") of at
// least MinTLSVersion, within the 1.6 family the parameter group is for.
func CheckEngineVersion(v string) string {
	parts, ok := parseVersion(v)
	if !ok {
		return `must be a full Memcached version such as "1.6.22"`
	}
	if slices.Compare(parts[:], MinTLSVersion[:]) < 0 {
		return "must be 1.6.12 or later: ElastiCache refuses in-transit encryption on earlier versions (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/in-transit-encryption.html)"
	}
	if parts[0] != 1 || parts[1] != 6 {
		return "must be a 1.6 version (the memcached1.6 parameter group family)"
	}
	return ""
}

// Family is the parameter group family of the supported versions.
const Family = "memcached1.6"

var weeklyWindow = regexp.MustCompile(`^(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):([0-5][0-9])-(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):([0-5][0-9])$`)

// checkMaintenanceWindow requires "ddd:hh:mm-ddd:hh:mm" lasting at least 60
// minutes.
func checkMaintenanceWindow(w string) string {
	m := weeklyWindow.FindStringSubmatch(strings.ToLower(w))
	if m == nil {
		return `must be a weekly UTC window "ddd:hh:mm-ddd:hh:mm" such as "sun:05:00-sun:06:00"`
	}
	minuteOfWeek := func(day, hh, mm string) int {
		h, _ := strconv.Atoi(hh)
		mi, _ := strconv.Atoi(mm)
		return slices.Index([]string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}, day)*1440 + h*60 + mi
	}
	const week = 7 * 1440
	length := (minuteOfWeek(m[4], m[5], m[6]) - minuteOfWeek(m[1], m[2], m[3]) + week) % week
	if length < minMaintenanceMinutes {
		return fmt.Sprintf("must last at least %d minutes (an ElastiCache rule)", minMaintenanceMinutes)
	}
	return ""
}

// checkSpread requires at least two distinct zones to spread nodes over.
func checkSpread(zones []string) string {
	distinct := map[string]bool{}
	for _, z := range zones {
		if z != "" {
			distinct[z] = true
		}
	}
	if len(distinct) < 2 || len(distinct) != len(zones) {
		return "must list the subnets' zones, at least two and each once: more than one node is spread across zones (cross-az), each in a zone of the subnet group (https://www.pulumi.com/registry/packages/aws/api-docs/elasticache/cluster/)"
	}
	return ""
}

// NodeZones spreads n nodes over zones in turn: node i goes to zone i mod
// len(zones), so no zone holds more than its share of the cache.
func NodeZones(zones []string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = zones[i%len(zones)]
	}
	return out
}
