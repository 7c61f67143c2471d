package ecscluster

import (
	"fmt"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/validate"
)

// Route forwards requests on one of the cluster's listeners to a target
// group the cluster does not own (a Lambda function's, for example). Routes
// share the services' priority scheme (RulePriorities: a stable slot per
// name, the catch-all last) and their conflict check, so a route and a
// service can never compete for a request, and adding one moves neither.
type Route struct {
	// Name names the rule; unique among services and routes. Required.
	Name string
	// Listener is the key in Args.Listeners. Required.
	Listener string
	// Paths are path prefixes ("/hello/*"), as a service's. Required.
	Paths []string
	// Hosts restrict the rule to host names, as a service's. Default any.
	Hosts []string
	// TargetGroupARN receives the requests. Required.
	TargetGroupARN pulumi.StringInput
}

// shell is the route as a service of RulePriorities and ruleConflicts.
func (r Route) shell() Service {
	return Service{ServiceSpec: ServiceSpec{Name: r.Name, Paths: r.Paths, Hosts: r.Hosts}, Listener: r.Listener}
}

// routeProblems checks the routes against each other and the services.
func (a *EcsClusterArgs) routeProblems(p *validate.Problems) {
	all := slices.Clone(a.Services) // with defaults applied
	names := map[string]bool{}
	for _, s := range a.Services {
		names[s.Name] = true
	}
	listeners := sortedKeys(a.Listeners)
	for i, r := range a.Routes {
		field := fmt.Sprintf("Args.Routes[%d]", i)
		p.Check(field+".Name", r.Name, validate.CheckName(r.Name, MaxBaseNameLength))
		if names[r.Name] {
			p.Add(field+".Name", r.Name, "is also the name of a service or another route: rule names must be unique")
		}
		names[r.Name] = true
		if !slices.Contains(listeners, r.Listener) {
			p.Addf(field+".Listener", r.Listener, "must be one of Args.Listeners: %v", listeners)
		}
		if len(r.Paths) == 0 {
			p.Add(field+".Paths", "", "is required")
		}
		for j, path := range r.Paths {
			p.Check(fmt.Sprintf("%s.Paths[%d]", field, j), path, checkPath(path, len(r.Paths)))
		}
		for j, h := range r.Hosts {
			p.Check(fmt.Sprintf("%s.Hosts[%d]", field, j), h, checkHost(h))
		}
		if r.TargetGroupARN == nil {
			p.Add(field+".TargetGroupARN", "", "is required")
		}
		all = append(all, r.shell())
	}
	for _, c := range ruleConflicts(all) {
		if i := c.index - len(a.Services); i >= 0 {
			p.Add(fmt.Sprintf("Args.Routes[%d].%s", i, c.field), c.value, c.rule)
		}
	}
}

// route creates a route's listener rule.
func (b *builder) route(r Route, priority int, child pulumi.ResourceOption) error {
	_, err := b.forwardRule(b.name+"-"+r.Name, b.args.Listeners[r.Listener].ARN, priority, r.Paths, r.Hosts, r.TargetGroupARN, child)
	return err
}

// forwardRule creates the listener rule of a service or a route: its
// paths (and hosts, when given) forwarded to one target group.
func (b *builder) forwardRule(name string, listenerARN pulumi.StringInput, priority int, paths, hosts []string, targetGroupARN pulumi.StringInput, child pulumi.ResourceOption) (*lb.ListenerRule, error) {
	conditions := lb.ListenerRuleConditionArray{&lb.ListenerRuleConditionArgs{
		PathPattern: &lb.ListenerRuleConditionPathPatternArgs{Values: pulumi.ToStringArray(paths)},
	}}
	if len(hosts) > 0 {
		conditions = append(conditions, &lb.ListenerRuleConditionArgs{
			HostHeader: &lb.ListenerRuleConditionHostHeaderArgs{Values: pulumi.ToStringArray(hosts)},
		})
	}
	return lb.NewListenerRule(b.ctx, name, &lb.ListenerRuleArgs{
		ListenerArn: listenerARN,
		Priority:    pulumi.Int(priority),
		Actions: lb.ListenerRuleActionArray{&lb.ListenerRuleActionArgs{
			Type:           pulumi.String("forward"),
			TargetGroupArn: targetGroupARN,
		}},
		Conditions: conditions,
	}, child)
}
