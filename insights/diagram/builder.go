package diagram

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/refarch/refarch/offline"
)

// Ranks order the members of a subgraph (then their ids).
const (
	rankInternet = iota
	rankHome
	rankOther
	rankOutside
)

const (
	rankEdge     = iota // CDN and buckets
	rankRegistry        // container registries
	rankVPC             // networks
	rankFunctions
	rankAlerts
	rankExternal // what another stack owns
)

// builder turns the index into a graph.
type builder struct {
	ix *index
	g  *graph

	vpcs        []*vpcInfo
	vpcOfSubnet map[string]*vpcInfo
	tierOf      map[string]string // subnet id → tier (or VPC) group
	vpcByID     map[string]*vpcInfo

	nodeOf   map[string]string   // URN → its node
	holders  map[string][]string // security group id → nodes using it
	routed   map[[2]string]bool  // pairs linked by routing, not by rules
	tgTarget map[string][]string // target group URN → target nodes
	replicas map[string][]string // a group drawn around several nodes → them

	registries map[string]*registry
	covered    map[string]map[string]bool // function node → services triggering it
}

// vpcInfo is a VPC drawn as a subgraph (or, for one of another stack, as a
// node).
type vpcInfo struct {
	group, account, cidr, id string
}

// registry is an ECR registry and the repositories the records name.
type registry struct {
	id, account, host string
	repos             map[string]bool
}

func newBuilder(p *offline.Plan) *builder {
	return &builder{
		ix:          newIndex(p),
		g:           newGraph(),
		vpcOfSubnet: map[string]*vpcInfo{},
		tierOf:      map[string]string{},
		vpcByID:     map[string]*vpcInfo{},
		nodeOf:      map[string]string{},
		holders:     map[string][]string{},
		routed:      map[[2]string]bool{},
		tgTarget:    map[string][]string{},
		replicas:    map[string][]string{},
		registries:  map[string]*registry{},
		covered:     map[string]map[string]bool{},
	}
}

func (b *builder) build() {
	b.networks()
	b.services()
	b.instances()
	b.functions()
	b.databases()
	b.caches()
	b.loadBalancers()
	b.distributions()
	b.peerings()
	b.securityFlows()
	b.registryNodes()
	b.topics()
	b.alarms()
	b.eventRules()
	b.schedules()
	b.rotations()
	b.subscriptions()
	b.eventSources()
	b.bucketNotifications()
	b.permissions()
	b.collapse()
}

// account returns the subgraph of an AWS account ("" when unknown).
func (b *builder) account(acct string) string {
	if acct == "" {
		return ""
	}
	id := b.g.id("account:"+acct, "acct", acct)
	rank := rankOther
	if acct == b.ix.home {
		rank = rankHome
	}
	title := "account " + acct
	if name := b.ix.accountName(acct); name != "" {
		title = name + " · account " + acct
	}
	b.g.addGroup(id, "", rank, title, strings.Join(b.ix.regions[acct], ", "))
	return id
}

// area returns a subgraph inside an account: its functions or its alerts.
func (b *builder) area(acct, kind string) string {
	parent := b.account(acct)
	switch kind {
	case "fns":
		return b.g.addGroup(b.g.id("fns:"+acct, "fns", acct), parent, rankFunctions, "Lambda functions").id
	default:
		return b.g.addGroup(b.g.id("alerts:"+acct, "alerts", acct), parent, rankAlerts, "Alarms and notifications").id
	}
}

// internet is the node for 0.0.0.0/0 and the viewers of a CDN.
func (b *builder) internet() string {
	return b.g.addNode("internet", circle, "", rankInternet, "Internet").id
}

// regionNote returns the region of r when it is not its account's main
// one, for a label.
func (b *builder) regionNote(r *offline.Resource) string {
	reg := b.ix.regionOf(r)
	if reg != "" && reg != b.ix.homeReg[b.ix.accountOf(r)] {
		return reg
	}
	return ""
}

// networks draws the VPCs and their tiers.
func (b *builder) networks() {
	for _, r := range b.ix.of("awsx:ec2:Vpc") {
		b.awsxVpc(r)
	}
	for _, r := range b.ix.of("aws:ec2/vpc:Vpc") {
		acct := b.ix.accountOf(r)
		name := r.String("tags.Name")
		if name == "" {
			name = r.Name
		}
		v := &vpcInfo{group: b.g.id("vpc:"+r.URN, "vpc", name), account: acct, cidr: r.String("cidrBlock"), id: r.ID}
		b.g.addGroup(v.group, b.account(acct), rankVPC, join(" · ", "VPC "+name, v.cidr))
		b.vpcs = append(b.vpcs, v)
		if r.ID != "" {
			b.vpcByID[r.ID] = v
		}
	}
	for _, s := range b.ix.of("aws:ec2/subnet:Subnet") {
		if v := b.vpcByID[s.String("vpcId")]; v != nil && s.ID != "" {
			b.vpcOfSubnet[s.ID] = v
			b.tierOf[s.ID] = v.group
		}
	}
}

// subnetKinds are awsx's subnet types, in the order traffic enters, and
// the outputs listing their subnets
// (https://www.pulumi.com/registry/packages/awsx/api-docs/ec2/vpc/).
var subnetKinds = []struct{ typ, output string }{
	{"Public", "publicSubnetIds"},
	{"Private", "privateSubnetIds"},
	{"Isolated", "isolatedSubnetIds"},
}

func (b *builder) awsxVpc(r *offline.Resource) {
	acct := b.ix.accountOf(r)
	v := &vpcInfo{group: b.g.id("vpc:"+r.URN, "vpc", r.Name), account: acct, cidr: r.String("cidrBlock"), id: str(r.Output("vpcId"))}
	zones := len(r.List("availabilityZoneNames"))
	if zones == 0 {
		zones = r.Int("numberOfAvailabilityZones")
	}
	var detail []string
	if zones > 0 {
		detail = append(detail, plural(zones, "AZ", "AZs"))
	}
	if nat := r.String("natGateways.strategy"); nat != "" {
		detail = append(detail, "NAT "+nat)
	}
	b.g.addGroup(v.group, b.account(acct), rankVPC, join(" · ", "VPC "+r.Name, v.cidr), strings.Join(detail, " · "))
	b.vpcs = append(b.vpcs, v)
	if v.id != "" {
		b.vpcByID[v.id] = v
	}
	perType := map[string][]string{}
	for i, raw := range r.List("subnetSpecs") {
		spec, _ := raw.(map[string]any)
		typ := str(spec["type"])
		name := str(spec["name"])
		if name == "" {
			name = strings.ToLower(typ)
		}
		rank := len(subnetKinds)*100 + i
		for k, kind := range subnetKinds {
			if kind.typ == typ {
				rank = k*100 + i
			}
		}
		title := join(" · ", name, join(" ", typ, "subnets"))
		if mask := num(spec["cidrMask"]); mask != "" {
			title += " · /" + mask
			if zones > 0 {
				title += " per AZ"
			}
		}
		tier := b.g.id("tier:"+r.URN+":"+name, "tier", r.Name+"_"+name)
		b.g.addGroup(tier, v.group, rank, title)
		perType[typ] = append(perType[typ], tier)
	}
	for _, kind := range subnetKinds {
		for _, s := range offline.Strings(r.Output(kind.output)) {
			b.vpcOfSubnet[s] = v
			b.tierOf[s] = v.group
			if tiers := perType[kind.typ]; len(tiers) == 1 {
				b.tierOf[s] = tiers[0]
			}
		}
	}
}

// place returns the subgraph for a resource in subnets (or in a VPC): the
// tier when they all belong to one, the VPC, else the account.
func (b *builder) place(acct string, subnets []string, vpcID string) string {
	groups := map[string]bool{}
	vpcs := map[*vpcInfo]bool{}
	for _, s := range subnets {
		if g, ok := b.tierOf[s]; ok {
			groups[g] = true
			vpcs[b.vpcOfSubnet[s]] = true
		}
	}
	if len(groups) == 1 {
		return sortedKeys(groups)[0]
	}
	if len(vpcs) == 1 {
		for v := range vpcs {
			return v.group
		}
	}
	if v := b.vpcByID[vpcID]; v != nil {
		return v.group
	}
	return b.account(acct)
}

// hold records that node uses the security groups.
func (b *builder) hold(node string, groups []string) {
	for _, sg := range groups {
		if sg != "" && !slices.Contains(b.holders[sg], node) {
			b.holders[sg] = append(b.holders[sg], node)
		}
	}
}

// vpcOfNode returns the VPC a node is drawn in, or nil.
func (b *builder) vpcOfNode(id string) *vpcInfo {
	chain := append([]string{id}, b.g.ancestors(id)...)
	for _, g := range chain {
		for _, v := range b.vpcs {
			if v.group == g {
				return v
			}
		}
	}
	return nil
}

// vpcByCIDR returns the VPC with a CIDR block (in acct, when given).
func (b *builder) vpcByCIDR(acct, cidr string) *vpcInfo {
	for _, v := range b.vpcs {
		if v.cidr == cidr && (acct == "" || v.account == acct) {
			return v
		}
	}
	return nil
}

// peerings links the VPCs on the two sides of each peering connection
// (https://docs.aws.amazon.com/vpc/latest/peering/what-is-vpc-peering.html):
// the requester (vpcId, in the provider's account) and the accepter
// (peerVpcId, in peerOwnerId). A side the stack does not hold is drawn in
// its account, with the CIDR the other side's routes send to it.
func (b *builder) peerings() {
	routes := b.ix.of("aws:ec2/route:Route")
	for _, pcx := range b.ix.of("aws:ec2/vpcPeeringConnection:VpcPeeringConnection") {
		reqAcct := b.ix.accountOf(pcx)
		accAcct := pcx.String("peerOwnerId")
		if accAcct == "" {
			accAcct = reqAcct
		}
		sideCIDR := func(acct string) string {
			if reqAcct == accAcct {
				return ""
			}
			for _, rt := range routes {
				if !b.routeUses(rt, pcx) || b.ix.accountOf(rt) == acct {
					continue
				}
				if c := rt.String("destinationCidrBlock"); c != "" {
					return c
				}
			}
			return ""
		}
		req := b.vpcSide(pcx.String("vpcId"), reqAcct, sideCIDR(reqAcct))
		acc := b.vpcSide(pcx.String("peerVpcId"), accAcct, sideCIDR(accAcct))
		name := pcx.String("tags.Name")
		if name == "" {
			name = pcx.Name
		}
		b.g.link(req, acc, both, "peering "+name)
	}
}

// routeUses reports whether a route goes through a peering connection.
func (b *builder) routeUses(rt, pcx *offline.Resource) bool {
	ref := rt.String("vpcPeeringConnectionId")
	if ref == "" {
		return false
	}
	return ref == pcx.ID || ref == str(pcx.Output("id")) || b.ix.resolve(ref, pcx.Type) == pcx
}

// vpcSide returns the drawing of one side of a peering: a VPC of the
// stack (by id, else by account and CIDR) or a node for another's.
func (b *builder) vpcSide(vpcID, acct, cidr string) string {
	if v := b.vpcByID[vpcID]; v != nil {
		return v.group
	}
	if cidr != "" {
		if v := b.vpcByCIDR(acct, cidr); v != nil {
			return v.group
		}
	}
	if vpcID == "" && cidr == "" {
		return ""
	}
	key := vpcID
	if key == "" {
		key = cidr
	}
	id := b.g.id("vpc:"+acct+":"+key, "vpc", strings.TrimPrefix(key, "vpc-"))
	lines := []string{join(" · ", "VPC "+vpcID, cidr)}
	if out := b.ix.outputs[vpcID]; out != "" {
		lines = append(lines, "output "+out)
	}
	b.g.addNode(id, box, b.account(acct), rankExternal, lines...)
	v := &vpcInfo{group: id, account: acct, cidr: cidr, id: vpcID}
	b.vpcs = append(b.vpcs, v)
	if vpcID != "" {
		b.vpcByID[vpcID] = v
	}
	return id
}

// flow is what one security group rule admits: from one end to the other,
// on a port.
type flow struct {
	from, to end
	port     string
}

// end is a security group or a CIDR block.
type end struct{ sg, cidr string }

// securityFlows draws who may reach whom from the security group rules:
// the separate ingress and egress rule resources
// (https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/vpc_security_group_ingress_rule),
// aws_security_group_rule and the inline rules of a security group. Rules
// between a load balancer and its targets are already drawn as routes; a
// CIDR inside the VPC of the other end is the VPC itself, and egress to the
// whole Internet is what almost every group allows, so neither is drawn.
func (b *builder) securityFlows() {
	var flows []flow
	peer := func(r *offline.Resource, sgKey string, cidrKeys ...string) []end {
		var out []end
		if sg := r.String(sgKey); sg != "" {
			out = append(out, end{sg: sg})
		}
		for _, k := range cidrKeys {
			if c := r.String(k); c != "" {
				out = append(out, end{cidr: c})
			}
		}
		return out
	}
	for _, r := range b.ix.of("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") {
		for _, src := range peer(r, "referencedSecurityGroupId", "cidrIpv4", "cidrIpv6") {
			flows = append(flows, flow{from: src, to: end{sg: r.String("securityGroupId")}, port: portLabel(r.String("ipProtocol"), r.Get("fromPort"), r.Get("toPort"))})
		}
	}
	for _, r := range b.ix.of("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule") {
		for _, dst := range peer(r, "referencedSecurityGroupId", "cidrIpv4", "cidrIpv6") {
			flows = append(flows, flow{from: end{sg: r.String("securityGroupId")}, to: dst, port: portLabel(r.String("ipProtocol"), r.Get("fromPort"), r.Get("toPort"))})
		}
	}
	for _, r := range b.ix.of("aws:ec2/securityGroupRule:SecurityGroupRule") {
		self := end{sg: r.String("securityGroupId")}
		var others []end
		if sg := r.String("sourceSecurityGroupId"); sg != "" {
			others = append(others, end{sg: sg})
		}
		if r.Bool("self") {
			others = append(others, self)
		}
		for _, c := range append(r.Strings("cidrBlocks"), r.Strings("ipv6CidrBlocks")...) {
			others = append(others, end{cidr: c})
		}
		port := portLabel(r.String("protocol"), r.Get("fromPort"), r.Get("toPort"))
		for _, o := range others {
			if r.String("type") == "egress" {
				flows = append(flows, flow{from: self, to: o, port: port})
			} else {
				flows = append(flows, flow{from: o, to: self, port: port})
			}
		}
	}
	for _, r := range b.ix.of("aws:ec2/securityGroup:SecurityGroup") {
		self := end{sg: r.ID}
		for dir, key := range []string{"ingress", "egress"} {
			for _, raw := range r.List(key) {
				rule, _ := raw.(map[string]any)
				port := portLabel(str(rule["protocol"]), rule["fromPort"], rule["toPort"])
				var others []end
				for _, sg := range offline.Strings(rule["securityGroups"]) {
					others = append(others, end{sg: sg})
				}
				if rule["self"] == true {
					others = append(others, self)
				}
				for _, c := range append(offline.Strings(rule["cidrBlocks"]), offline.Strings(rule["ipv6CidrBlocks"])...) {
					others = append(others, end{cidr: c})
				}
				for _, o := range others {
					if dir == 0 {
						flows = append(flows, flow{from: o, to: self, port: port})
					} else {
						flows = append(flows, flow{from: self, to: o, port: port})
					}
				}
			}
		}
	}
	ports := map[[2]string][]string{}
	for _, f := range flows {
		froms, tos := b.ends(f.from), b.ends(f.to)
		for _, from := range froms {
			for _, to := range tos {
				if from == to || b.routed[[2]string{from, to}] || b.inside(f.from, to) || b.inside(f.to, from) || (f.from.sg != "" && to == "internet") {
					continue
				}
				key := [2]string{from, to}
				if !slices.Contains(ports[key], f.port) {
					ports[key] = append(ports[key], f.port)
				}
			}
		}
	}
	for _, key := range sortedPairs(ports) {
		list := ports[key]
		sort.Slice(list, func(i, j int) bool { return portLess(list[i], list[j]) })
		b.g.link(key[0], key[1], solid, strings.Join(list, ", "))
	}
}

// ends returns the nodes one end of a rule stands for: the nodes using a
// security group (or, for one of another account, a node for it), the
// Internet, a VPC or a network.
func (b *builder) ends(e end) []string {
	if e.sg != "" {
		if hs := b.holders[e.sg]; len(hs) > 0 {
			return hs
		}
		acct, sg, ok := strings.Cut(e.sg, "/")
		if !ok {
			return nil // a group no drawn resource uses
		}
		lines := []string{"security group " + sg}
		if out := b.ix.outputs[sg]; out != "" {
			lines = append(lines, "output "+out)
		}
		return []string{b.g.addNode(b.g.id("sg:"+e.sg, "sg", strings.TrimPrefix(sg, "sg-")), box, b.account(acct), rankExternal, lines...).id}
	}
	switch e.cidr {
	case "":
		return nil
	case "0.0.0.0/0", "::/0":
		return []string{b.internet()}
	}
	if v := b.vpcByCIDR("", e.cidr); v != nil {
		return []string{v.group}
	}
	return []string{b.g.addNode(b.g.id("net:"+e.cidr, "net", e.cidr), box, "", rankOutside, "network "+e.cidr).id}
}

// inside reports whether a CIDR end lies within the VPC node is drawn in,
// so the rule admits (or reaches) the node's own network.
func (b *builder) inside(e end, node string) bool {
	if e.cidr == "" {
		return false
	}
	v := b.vpcOfNode(node)
	if v == nil || v.cidr == "" {
		return false
	}
	a, err1 := netip.ParsePrefix(e.cidr)
	c, err2 := netip.ParsePrefix(v.cidr)
	return err1 == nil && err2 == nil && a.Bits() >= c.Bits() && c.Contains(a.Addr())
}

// portLabel writes a rule's protocol and ports ("443", "udp 1194", "all").
func portLabel(protocol string, from, to any) string {
	p := strings.ToLower(protocol)
	switch p {
	case "-1", "all", "":
		return "all"
	case "6":
		p = "tcp"
	case "17":
		p = "udp"
	}
	lo, hi := num(from), num(to)
	ports := lo
	if hi != "" && hi != lo {
		ports = lo + "-" + hi
	}
	if ports == "" || (lo == "0" && (hi == "65535" || hi == "0")) {
		return p
	}
	if p == "tcp" {
		return ports
	}
	return p + " " + ports
}

// portLess orders port labels by number, then text.
func portLess(a, b string) bool {
	na, errA := strconv.Atoi(strings.SplitN(a, "-", 2)[0])
	nb, errB := strconv.Atoi(strings.SplitN(b, "-", 2)[0])
	switch {
	case errA == nil && errB == nil && na != nb:
		return na < nb
	case errA == nil && errB != nil:
		return true
	case errA != nil && errB == nil:
		return false
	}
	return a < b
}

// collapse replaces edges to every member of a group (a writer and its
// replicas) that carry the same label by one edge to the group.
func (b *builder) collapse() {
	for _, grp := range sortedKeys(b.replicas) {
		members := b.replicas[grp]
		sources := map[string]bool{}
		for key := range b.g.edges {
			if slices.Contains(members, key[1]) && !slices.Contains(members, key[0]) {
				sources[key[0]] = true
			}
		}
		for _, from := range sortedKeys(sources) {
			first, ok := b.g.edges[[2]string{from, members[0]}]
			if !ok || first.arrow != solid {
				continue
			}
			same := true
			for _, m := range members[1:] {
				e, ok := b.g.edges[[2]string{from, m}]
				if !ok || e.arrow != first.arrow || strings.Join(e.labels, ",") != strings.Join(first.labels, ",") {
					same = false
					break
				}
			}
			if !same {
				continue
			}
			for _, m := range members {
				delete(b.g.edges, [2]string{from, m})
			}
			b.g.link(from, grp, first.arrow, strings.Join(first.labels, ", "))
		}
	}
}

// join joins the non-empty parts.
func join(sep string, parts ...string) string {
	return strings.Join(compact(parts), sep)
}

// plural writes a count and the noun.
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func sortedPairs[V any](m map[[2]string]V) [][2]string {
	keys := make([][2]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i][0] != keys[j][0] {
			return keys[i][0] < keys[j][0]
		}
		return keys[i][1] < keys[j][1]
	})
	return keys
}
