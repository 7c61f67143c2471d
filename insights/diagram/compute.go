package diagram

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/refarch/refarch/offline"
)

// Type tokens, with the aws:alb aliases the provider keeps for the lb
// resources (https://www.pulumi.com/registry/packages/aws/api-docs/lb/).
var (
	lbTypes         = []string{"aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"}
	listenerTypes   = []string{"aws:lb/listener:Listener", "aws:alb/listener:Listener"}
	ruleTypes       = []string{"aws:lb/listenerRule:ListenerRule", "aws:alb/listenerRule:ListenerRule"}
	tgTypes         = []string{"aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup"}
	attachmentTypes = []string{"aws:lb/targetGroupAttachment:TargetGroupAttachment", "aws:alb/targetGroupAttachment:TargetGroupAttachment"}
	bucketTypes     = []string{"aws:s3/bucketV2:BucketV2", "aws:s3/bucket:Bucket"}
	fnType          = "aws:lambda/function:Function"
	cdnType         = "aws:cloudfront/distribution:Distribution"
	serviceType     = "aws:ecs/service:Service"
	asgType         = "aws:autoscaling/group:Group"
	instanceType    = "aws:ec2/instance:Instance"
	rdsType         = "aws:rds/instance:Instance"
	topicType       = "aws:sns/topic:Topic"
	queueType       = "aws:sqs/queue:Queue"
	recordType      = "aws:route53/record:Record"
)

// services draws the ECS services: capacity, tasks, container ports, and
// the registry their images come from.
func (b *builder) services() {
	scaling := map[string][2]string{} // service URN → min, max
	for _, t := range b.ix.of("aws:appautoscaling/target:Target") {
		if t.String("serviceNamespace") != "ecs" {
			continue
		}
		parts := strings.Split(t.String("resourceId"), "/") // service/<cluster>/<service>
		if svc := b.ix.resolve(parts[len(parts)-1], serviceType); svc != nil {
			scaling[svc.URN] = [2]string{num(t.Get("minCapacity")), num(t.Get("maxCapacity"))}
		}
	}
	for _, r := range b.ix.of(serviceType) {
		id := b.g.id(r.URN, "svc", r.Name)
		launch := r.String("launchType")
		if launch == "" {
			var cps []string
			for _, raw := range r.List("capacityProviderStrategies") {
				if s := str(lookup(raw, "capacityProvider")); s != "" && !slices.Contains(cps, s) {
					cps = append(cps, s)
				}
			}
			launch = strings.Join(cps, "+")
		}
		tasks := ""
		if mm, ok := scaling[r.URN]; ok && mm[0] != "" {
			tasks = mm[0] + "–" + mm[1] + " tasks"
		} else if d := num(r.Get("desiredCount")); d != "" {
			tasks = d + " tasks"
		}
		var ports []string
		for _, raw := range r.List("loadBalancers") {
			if p := num(lookup(raw, "containerPort")); p != "" && !slices.Contains(ports, ":"+p) {
				ports = append(ports, ":"+p)
			}
			if tg := b.ix.resolve(str(lookup(raw, "targetGroupArn")), tgTypes...); tg != nil {
				b.tgTarget[tg.URN] = appendNew(b.tgTarget[tg.URN], id)
			}
		}
		acct := b.ix.accountOf(r)
		grp := b.place(acct, r.Strings("networkConfiguration.subnets"), "")
		b.g.addNode(id, box, grp, 0, "ECS service "+r.Name, join(" · ", launch, tasks, strings.Join(ports, " ")))
		b.nodeOf[r.URN] = id
		b.hold(id, r.Strings("networkConfiguration.securityGroups"))
		if td := b.ix.resolve(r.String("taskDefinition"), "aws:ecs/taskDefinition:TaskDefinition"); td != nil {
			defs, _ := td.JSON("containerDefinitions")
			list, _ := defs.([]any)
			for _, c := range list {
				if reg, repo := b.ecrImage(str(lookup(c, "image"))); reg != nil {
					reg.repos[repo] = true
					b.g.link(reg.id, id, dotted, "image")
				}
			}
		}
	}
	for _, r := range b.ix.of("aws:ecr/repository:Repository") {
		name := r.String("name")
		if name == "" {
			name = r.Name
		}
		reg := b.registry(b.ix.accountOf(r), b.ix.regionOf(r))
		reg.repos[name] = true
	}
}

// ecrImage returns the ECR registry of an image
// (<account>.dkr.ecr.<region>.amazonaws.com/<repository>, see
// https://docs.aws.amazon.com/AmazonECR/latest/userguide/Registries.html)
// and the repository, or nil for an image elsewhere.
func (b *builder) ecrImage(image string) (*registry, string) {
	host, path, ok := strings.Cut(image, "/")
	if !ok {
		return nil, ""
	}
	labels := strings.Split(host, ".")
	if len(labels) < 6 || labels[1] != "dkr" || labels[2] != "ecr" {
		return nil, ""
	}
	repo := path
	if i := strings.IndexAny(repo, "@:"); i >= 0 {
		repo = repo[:i]
	}
	return b.registry(labels[0], labels[3]), repo
}

func (b *builder) registry(acct, region string) *registry {
	key := acct + ":" + region
	if reg, ok := b.registries[key]; ok {
		return reg
	}
	reg := &registry{
		id:      b.g.id("ecr:"+key, "ecr", acct+"_"+region),
		account: acct,
		host:    fmt.Sprintf("%s.dkr.ecr.%s.amazonaws.com", acct, region),
		repos:   map[string]bool{},
	}
	b.registries[key] = reg
	return reg
}

// registryNodes draws the registries once their repositories are known.
func (b *builder) registryNodes() {
	for _, key := range sortedKeys(b.registries) {
		reg := b.registries[key]
		rank := rankRegistry
		if reg.account != b.ix.home {
			rank = rankExternal
		}
		b.g.addNode(reg.id, cylinder, b.account(reg.account), rank, "ECR "+reg.host, strings.Join(sortedKeys(reg.repos), ", "))
	}
}

// instances draws EC2 Auto Scaling groups and instances. A group is named
// by the component that owns it ("VpnServer refarch-vpn"), with the DNS
// names its component registers.
func (b *builder) instances() {
	for _, r := range b.ix.of(asgType) {
		id := b.g.id(r.URN, "asg", r.Name)
		title := "Auto Scaling group " + r.Name
		if parent := b.ix.byURN[r.Parent]; parent != nil && !parent.Custom && parent.Type != "pulumi:pulumi:Stack" {
			title = typeName(parent.Type) + " " + parent.Name
		}
		lt := b.ix.resolve(r.String("launchTemplate.id"), "aws:ec2/launchTemplate:LaunchTemplate")
		if lt == nil {
			lt = b.ix.resolve(r.String("launchTemplate.name"), "aws:ec2/launchTemplate:LaunchTemplate")
		}
		size := num(r.Get("minSize"))
		if hi := num(r.Get("maxSize")); hi != size {
			size += "–" + hi
		}
		capacity := "EC2"
		if lt != nil && lt.String("instanceType") != "" {
			capacity += " " + lt.String("instanceType")
		}
		if size != "" {
			capacity += " × " + size
		}
		var names []string
		if r.Parent != "" {
			for _, rec := range b.ix.of(recordType) {
				if rec.Parent == r.Parent && len(rec.List("aliases")) == 0 {
					names = appendNew(names, strings.TrimSuffix(rec.String("name"), "."))
				}
			}
		}
		sort.Strings(names)
		acct := b.ix.accountOf(r)
		b.g.addNode(id, box, b.place(acct, r.Strings("vpcZoneIdentifiers"), ""), 0, title, capacity, strings.Join(names, ", "))
		b.nodeOf[r.URN] = id
		if lt != nil {
			b.hold(id, lt.Strings("vpcSecurityGroupIds"))
			for _, raw := range lt.List("networkInterfaces") {
				b.hold(id, offline.Strings(lookup(raw, "securityGroups")))
			}
		}
		for _, arn := range r.Strings("targetGroupArns") {
			if tg := b.ix.resolve(arn, tgTypes...); tg != nil {
				b.tgTarget[tg.URN] = appendNew(b.tgTarget[tg.URN], id)
			}
		}
	}
	for _, r := range b.ix.of(instanceType) {
		id := b.g.id(r.URN, "ec2", r.Name)
		acct := b.ix.accountOf(r)
		b.g.addNode(id, box, b.place(acct, []string{r.String("subnetId")}, ""), 0, "EC2 "+r.Name, r.String("instanceType"))
		b.nodeOf[r.URN] = id
		b.hold(id, r.Strings("vpcSecurityGroupIds"))
	}
}

// functions draws the Lambda functions, in their VPC tier or in the
// account's functions.
func (b *builder) functions() {
	for _, r := range b.ix.of(fnType) {
		id := b.g.id(r.URN, "fn", r.Name)
		name := r.String("name")
		if name == "" {
			name = r.Name
		}
		runtime := r.String("runtime")
		if runtime == "" {
			runtime = r.String("packageType")
		}
		acct := b.ix.accountOf(r)
		grp := b.area(acct, "fns")
		if subnets := r.Strings("vpcConfig.subnetIds"); len(subnets) > 0 {
			grp = b.place(acct, subnets, "")
		}
		b.g.addNode(id, stadium, grp, 0, "λ "+name, join(" · ", runtime, strings.Join(r.Strings("architectures"), "+"), b.regionNote(r)))
		b.nodeOf[r.URN] = id
		b.hold(id, r.Strings("vpcConfig.securityGroupIds"))
	}
}

// fnNode returns the node of the function ref names, or a node for one
// the stack does not hold.
func (b *builder) fnNode(ref string) string {
	if fn := b.ix.resolve(ref, fnType); fn != nil {
		return b.nodeOf[fn.URN]
	}
	if ref == "" {
		return ""
	}
	acct := arnAccount(ref)
	if acct == "" {
		acct = b.ix.home
	}
	return b.g.addNode(b.g.id("fn:"+ref, "fn", arnName(ref)), stadium, b.area(acct, "fns"), rankExternal, "λ "+arnName(ref)).id
}

// databases draws each RDS writer with its read replicas (in one subgraph
// when it has any) and each Aurora cluster.
func (b *builder) databases() {
	writers := map[string][]*offline.Resource{}
	var primaries []*offline.Resource
	for _, r := range b.ix.of(rdsType) {
		if src := r.String("replicateSourceDb"); src != "" {
			if w := b.ix.resolve(src, rdsType); w != nil {
				writers[w.URN] = append(writers[w.URN], r)
				continue
			}
		}
		primaries = append(primaries, r)
	}
	for _, w := range primaries {
		acct := b.ix.accountOf(w)
		grp := b.place(acct, b.subnetGroup(w.String("dbSubnetGroupName"), "aws:rds/subnetGroup:SubnetGroup"), "")
		name := identifier(w)
		az := "Single-AZ"
		if w.Bool("multiAz") {
			az = "Multi-AZ"
		}
		reps := writers[w.URN]
		if len(reps) > 0 {
			g := b.g.addGroup(b.g.id("dbgroup:"+w.URN, "dbg", w.Name), grp, 0, name+" · writer + "+plural(len(reps), "read replica", "read replicas"))
			grp = g.id
		}
		id := b.g.id(w.URN, "db", w.Name)
		b.g.addNode(id, cylinder, grp, 0, "RDS "+name, join(" · ", join(" ", w.String("engine"), w.String("engineVersion")), w.String("instanceClass")), "writer · "+az)
		b.nodeOf[w.URN] = id
		b.hold(id, w.Strings("vpcSecurityGroupIds"))
		members := []string{id}
		for _, rep := range reps {
			rid := b.g.id(rep.URN, "db", rep.Name)
			class := rep.String("instanceClass")
			where := rep.String("availabilityZone")
			if note := b.regionNote(rep); note != "" {
				where = note
			}
			b.g.addNode(rid, cylinder, grp, 1, "RDS "+identifier(rep), join(" · ", "read replica", class, where))
			b.nodeOf[rep.URN] = rid
			b.hold(rid, rep.Strings("vpcSecurityGroupIds"))
			b.g.link(id, rid, dotted, "replication")
			members = append(members, rid)
		}
		if len(reps) > 0 {
			b.replicas[grp] = members
		}
	}
	instances := map[string]int{}
	for _, ci := range b.ix.of("aws:rds/clusterInstance:ClusterInstance") {
		if c := b.ix.resolve(ci.String("clusterIdentifier"), "aws:rds/cluster:Cluster"); c != nil {
			instances[c.URN]++
		}
	}
	for _, c := range b.ix.of("aws:rds/cluster:Cluster") {
		acct := b.ix.accountOf(c)
		grp := b.place(acct, b.subnetGroup(c.String("dbSubnetGroupName"), "aws:rds/subnetGroup:SubnetGroup"), "")
		id := b.g.id(c.URN, "db", c.Name)
		count := ""
		if n := instances[c.URN]; n > 0 {
			count = plural(n, "instance", "instances")
		}
		b.g.addNode(id, cylinder, grp, 0, "RDS cluster "+identifier(c), join(" · ", join(" ", c.String("engine"), c.String("engineVersion")), count))
		b.nodeOf[c.URN] = id
		b.hold(id, c.Strings("vpcSecurityGroupIds"))
	}
}

// identifier is a database's identifier, else its logical name.
func identifier(r *offline.Resource) string {
	for _, k := range []string{"identifier", "clusterIdentifier"} {
		if s := r.String(k); s != "" {
			return s
		}
	}
	return r.Name
}

// subnetGroup returns the subnets of the subnet group a name refers to.
func (b *builder) subnetGroup(name, typ string) []string {
	if sg := b.ix.resolve(name, typ); sg != nil {
		return sg.Strings("subnetIds")
	}
	return nil
}

// caches draws ElastiCache clusters and replication groups.
func (b *builder) caches() {
	for _, r := range b.ix.of("aws:elasticache/cluster:Cluster", "aws:elasticache/replicationGroup:ReplicationGroup") {
		acct := b.ix.accountOf(r)
		grp := b.place(acct, b.subnetGroup(r.String("subnetGroupName"), "aws:elasticache/subnetGroup:SubnetGroup"), "")
		id := b.g.id(r.URN, "cache", r.Name)
		nodes := ""
		switch {
		case r.Int("numCacheNodes") > 0:
			nodes = plural(r.Int("numCacheNodes"), "node", "nodes")
		case r.Int("numCacheClusters") > 0:
			nodes = plural(r.Int("numCacheClusters"), "node", "nodes")
		case r.Int("numNodeGroups") > 0:
			nodes = plural(r.Int("numNodeGroups"), "shard", "shards")
		}
		port := num(r.Get("port"))
		if port != "" {
			port = ":" + port
		}
		b.g.addNode(id, cylinder, grp, 0, "ElastiCache "+r.Name,
			join(" · ", join(" ", r.String("engine"), r.String("engineVersion")), r.String("nodeType")),
			join(" · ", nodes, r.String("azMode"), port))
		b.nodeOf[r.URN] = id
		b.hold(id, r.Strings("securityGroupIds"))
	}
}

// loadBalancers draws each load balancer with its listeners and links it to
// its targets, labelled with the rules' path patterns.
func (b *builder) loadBalancers() {
	listeners := map[string][]*offline.Resource{} // LB URN → listeners
	lbOf := map[string]*offline.Resource{}        // listener URN → LB
	for _, l := range b.ix.of(listenerTypes...) {
		if lb := b.ix.resolve(l.String("loadBalancerArn"), lbTypes...); lb != nil {
			listeners[lb.URN] = append(listeners[lb.URN], l)
			lbOf[l.URN] = lb
		}
	}
	rules := map[string][]*offline.Resource{} // listener URN → rules
	for _, r := range b.ix.of(ruleTypes...) {
		if l := b.ix.resolve(r.String("listenerArn"), listenerTypes...); l != nil {
			rules[l.URN] = append(rules[l.URN], r)
		}
	}
	waf := map[string]string{}
	for _, a := range b.ix.of("aws:wafv2/webAclAssociation:WebAclAssociation") {
		if lb := b.ix.resolve(a.String("resourceArn"), lbTypes...); lb != nil {
			waf[lb.URN] = b.wafName(a.String("webAclArn"))
		}
	}
	for _, lb := range b.ix.of(lbTypes...) {
		ls := listeners[lb.URN]
		sort.SliceStable(ls, func(i, j int) bool { return lb2port(ls[i]) < lb2port(ls[j]) })
		kind := map[string]string{"": "ALB", "application": "ALB", "network": "NLB", "gateway": "GWLB"}[lb.String("loadBalancerType")]
		if kind == "" {
			kind = lb.String("loadBalancerType")
		}
		scheme := "internet-facing"
		if lb.Bool("internal") {
			scheme = "internal"
		}
		dns := b.dnsNamesOf(lb)
		lines := []string{kind + " " + lb.Name + " · " + scheme, strings.Join(dns, ", ")}
		withRules := 0
		for _, l := range ls {
			if len(rules[l.URN]) > 0 || hasForward(l) {
				withRules++
			}
		}
		id := b.g.id(lb.URN, "lb", lb.Name)
		type route struct {
			target string
			label  string
		}
		var routes []route
		for _, l := range ls {
			listener := join(":", l.String("protocol"), num(l.Get("port")))
			prefix := ""
			if withRules > 1 {
				prefix = num(l.Get("port")) + " "
			}
			var defaults []string
			for _, raw := range l.List("defaultActions") {
				act, _ := raw.(map[string]any)
				if d := describeAction(act); d != "" {
					defaults = append(defaults, d)
				}
				for _, tg := range b.forwardTargets(act) {
					for _, t := range b.targetNodes(tg) {
						routes = append(routes, route{t, prefix + "default"})
					}
				}
			}
			lines = append(lines, join(" · ", listener, strings.Join(defaults, ", ")))
			rs := rules[l.URN]
			sort.SliceStable(rs, func(i, j int) bool { return rs[i].Int("priority") < rs[j].Int("priority") })
			for _, r := range rs {
				cond := conditionLabel(r, dns)
				for _, raw := range r.List("actions") {
					act, _ := raw.(map[string]any)
					tgs := b.forwardTargets(act)
					if len(tgs) == 0 {
						if d := describeAction(act); d != "" {
							lines = append(lines, prefix+cond+" → "+d)
						}
						continue
					}
					for _, tg := range tgs {
						for _, t := range b.targetNodes(tg) {
							routes = append(routes, route{t, prefix + cond})
						}
					}
				}
			}
		}
		if w := waf[lb.URN]; w != "" {
			lines = append(lines, "WAF "+w)
		}
		acct := b.ix.accountOf(lb)
		subnets := lb.Strings("subnets")
		for _, raw := range lb.List("subnetMappings") {
			subnets = append(subnets, str(lookup(raw, "subnetId")))
		}
		b.g.addNode(id, hexagon, b.place(acct, subnets, ""), 0, lines...)
		b.nodeOf[lb.URN] = id
		b.hold(id, lb.Strings("securityGroups"))
		for _, rt := range routes {
			b.g.link(id, rt.target, solid, rt.label)
			b.routed[[2]string{id, rt.target}] = true
		}
	}
}

func lb2port(l *offline.Resource) int { return l.Int("port") }

func hasForward(l *offline.Resource) bool {
	for _, raw := range l.List("defaultActions") {
		if str(lookup(raw, "type")) == "forward" {
			return true
		}
	}
	return false
}

// describeAction writes a listener action that does not forward:
// a redirect, a fixed response, an authentication.
func describeAction(act map[string]any) string {
	switch t := str(act["type"]); t {
	case "redirect":
		return "redirect to " + join(":", str(lookup(act, "redirect.protocol")), str(lookup(act, "redirect.port")))
	case "fixed-response":
		return "fixed " + str(lookup(act, "fixedResponse.statusCode"))
	case "forward", "":
		return ""
	default:
		return t
	}
}

// conditionLabel writes a rule's conditions: its path patterns, the host
// names that are not the load balancer's own, and the kinds of any other
// condition.
func conditionLabel(r *offline.Resource, ownNames []string) string {
	var paths, hosts, others []string
	for _, raw := range r.List("conditions") {
		c, _ := raw.(map[string]any)
		for _, k := range sortedKeys(c) {
			switch k {
			case "pathPattern":
				paths = append(paths, offline.Strings(lookup(c, "pathPattern.values"))...)
			case "hostHeader":
				for _, h := range offline.Strings(lookup(c, "hostHeader.values")) {
					if !slices.Contains(ownNames, h) {
						hosts = append(hosts, h)
					}
				}
			default:
				others = append(others, k)
			}
		}
	}
	out := strings.Join(paths, ", ")
	if len(hosts) > 0 {
		out = join(" ", out, "host "+strings.Join(hosts, ", "))
	}
	if len(others) > 0 {
		out = join(" ", out, "+ "+strings.Join(others, ", "))
	}
	if out == "" {
		out = "any"
	}
	return out
}

// forwardTargets returns the target groups an action forwards to.
func (b *builder) forwardTargets(act map[string]any) []*offline.Resource {
	if str(act["type"]) != "forward" && str(act["type"]) != "" {
		return nil
	}
	var arns []string
	if s := str(act["targetGroupArn"]); s != "" {
		arns = append(arns, s)
	}
	tgs, _ := lookup(act, "forward.targetGroups").([]any)
	for _, raw := range tgs {
		arns = appendNew(arns, str(lookup(raw, "arn")))
	}
	var out []*offline.Resource
	for _, arn := range arns {
		if tg := b.ix.resolve(arn, tgTypes...); tg != nil {
			out = append(out, tg)
		}
	}
	return out
}

// targetNodes returns what a target group sends to: ECS services, Auto
// Scaling groups, attached functions and instances, else the group itself.
func (b *builder) targetNodes(tg *offline.Resource) []string {
	out := append([]string(nil), b.tgTarget[tg.URN]...)
	for _, a := range b.ix.of(attachmentTypes...) {
		if b.ix.resolve(a.String("targetGroupArn"), tgTypes...) != tg {
			continue
		}
		target := a.String("targetId")
		if fn := b.ix.resolve(target, fnType); fn != nil {
			out = appendNew(out, b.nodeOf[fn.URN])
			b.cover(b.nodeOf[fn.URN], "elasticloadbalancing")
		} else if in := b.ix.resolve(target, instanceType); in != nil {
			out = appendNew(out, b.nodeOf[in.URN])
		}
	}
	if len(out) > 0 {
		return out
	}
	id := b.g.id(tg.URN, "tg", tg.Name)
	acct := b.ix.accountOf(tg)
	b.g.addNode(id, box, b.place(acct, nil, tg.String("vpcId")), 0, "target group "+tg.Name, join(" · ", join(":", tg.String("protocol"), num(tg.Get("port"))), tg.String("targetType")))
	return []string{id}
}

// cover records that a service triggers a function, so its invoke
// permission is not drawn again.
func (b *builder) cover(fn, service string) {
	if fn == "" {
		return
	}
	if b.covered[fn] == nil {
		b.covered[fn] = map[string]bool{}
	}
	b.covered[fn][service] = true
}

// wafName is the name of a web ACL: its record's, else its ARN's
// (…:regional/webacl/<name>/<id>).
func (b *builder) wafName(arn string) string {
	if acl := b.ix.resolve(arn, "aws:wafv2/webAcl:WebAcl"); acl != nil {
		if n := acl.String("name"); n != "" {
			return n
		}
		return acl.Name
	}
	parts := strings.Split(arn, "/")
	for i, p := range parts {
		if p == "webacl" && i+1 < len(parts) {
			return parts[i+1]
		}
	}
	return arnName(arn)
}

// dnsNamesOf returns the Route 53 names that alias (or CNAME) to r.
func (b *builder) dnsNamesOf(r *offline.Resource) []string {
	var out []string
	for _, rec := range b.ix.of(recordType) {
		targets := rec.Strings("records")
		for _, raw := range rec.List("aliases") {
			targets = append(targets, str(lookup(raw, "name")))
		}
		for _, t := range targets {
			if b.dnsTarget(t) == r {
				out = appendNew(out, strings.TrimSuffix(rec.String("name"), "."))
				break
			}
		}
	}
	sort.Strings(out)
	return out
}

// dnsTarget returns the load balancer or distribution a DNS name is: by
// the name the mock gave it, else by the name AWS builds from the load
// balancer's ("[internal-]<name>-<id>.<region>.elb.amazonaws.com", see
// https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#dns-name).
func (b *builder) dnsTarget(name string) *offline.Resource {
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	if name == "" {
		return nil
	}
	if r := b.ix.resolve(name, append(append([]string{}, lbTypes...), cdnType)...); r != nil {
		return r
	}
	if !strings.HasSuffix(name, ".elb.amazonaws.com") {
		return nil
	}
	first := strings.TrimPrefix(strings.TrimPrefix(name, "dualstack."), "internal-")
	first = strings.SplitN(first, ".", 2)[0]
	for _, lb := range b.ix.of(lbTypes...) {
		phys := str(lb.Output("name"))
		if phys == "" {
			// arn:…:loadbalancer/app/<name>/<id>
			parts := strings.Split(lb.ID, "/")
			if len(parts) >= 4 {
				phys = parts[len(parts)-2]
			}
		}
		if phys != "" && strings.HasPrefix(first, strings.ToLower(phys)+"-") {
			return lb
		}
	}
	return nil
}

// distributions draws each CloudFront distribution and links it to its
// origins, labelled with the cache behaviours' path patterns.
func (b *builder) distributions() {
	for _, r := range b.ix.of(cdnType) {
		acct := b.ix.accountOf(r)
		id := b.g.id(r.URN, "cdn", r.Name)
		lines := []string{"CloudFront " + r.Name, strings.Join(r.Strings("aliases"), ", ")}
		if acl := r.String("webAclId"); acl != "" {
			lines = append(lines, "WAF "+b.wafName(acl))
		}
		b.g.addNode(id, box, b.account(acct), rankEdge, lines...)
		b.nodeOf[r.URN] = id
		b.g.link(b.internet(), id, solid, "")
		paths := map[string][]string{}
		if o := r.String("defaultCacheBehavior.targetOriginId"); o != "" {
			paths[o] = append(paths[o], "default")
		}
		for _, raw := range r.List("orderedCacheBehaviors") {
			o := str(lookup(raw, "targetOriginId"))
			paths[o] = append(paths[o], str(lookup(raw, "pathPattern")))
		}
		for _, raw := range r.List("origins") {
			domain := str(lookup(raw, "domainName"))
			target := b.originNode(domain)
			b.g.link(id, target, solid, strings.Join(paths[str(lookup(raw, "originId"))], ", "))
		}
	}
}

// originNode returns the node behind an origin's domain: an S3 bucket
// (<bucket>.s3[.<region>].amazonaws.com), a load balancer or distribution
// (directly or through a Route 53 record), else a node for the domain.
func (b *builder) originNode(domain string) string {
	if i := strings.Index(domain, ".s3."); i > 0 && strings.HasSuffix(domain, ".amazonaws.com") {
		if bucket := b.ix.resolve(domain[:i], bucketTypes...); bucket != nil {
			return b.bucketNode(bucket)
		}
		if bucket := b.ix.resolve(domain, bucketTypes...); bucket != nil {
			return b.bucketNode(bucket)
		}
	}
	if t := b.dnsTarget(domain); t != nil && b.nodeOf[t.URN] != "" {
		return b.nodeOf[t.URN]
	}
	for _, rec := range b.ix.of(recordType) {
		if strings.TrimSuffix(rec.String("name"), ".") != domain {
			continue
		}
		targets := rec.Strings("records")
		for _, raw := range rec.List("aliases") {
			targets = append(targets, str(lookup(raw, "name")))
		}
		for _, t := range targets {
			if r := b.dnsTarget(t); r != nil && b.nodeOf[r.URN] != "" {
				return b.nodeOf[r.URN]
			}
		}
	}
	return b.g.addNode(b.g.id("web:"+domain, "web", domain), box, "", rankOutside, "origin "+domain).id
}

// bucketNode draws an S3 bucket (only those something links to).
func (b *builder) bucketNode(r *offline.Resource) string {
	if id := b.nodeOf[r.URN]; id != "" {
		return id
	}
	id := b.g.id(r.URN, "s3", r.Name)
	b.g.addNode(id, cylinder, b.account(b.ix.accountOf(r)), rankEdge, "S3 "+r.Name)
	b.nodeOf[r.URN] = id
	return id
}

// lookup reads a path in plain data.
func lookup(v any, path string) any {
	out, _ := offline.Lookup(v, path)
	return out
}

// appendNew appends s unless it is empty or already there.
func appendNew(list []string, s string) []string {
	if s == "" || slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}
