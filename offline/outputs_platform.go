package offline

import (
	"fmt"
	"strings"
)

// Output mocks of the application platform: load balancers, listeners and
// target groups, ECS clusters, services and task definitions, ECR
// repositories and scaling targets. Their shapes follow the ARN formats of
// the services' documentation, so code that slices ARNs (ALB arnSuffix for
// request-count scaling, cluster names for scaling resource ids) sees what
// it would in AWS.
// Source: https://docs.aws.amazon.com/service-authorization/latest/reference/list_awselasticloadbalancingv2.html
// Source: https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerservice.html
func init() {
	registerOutputs("aws:lb/loadBalancer:LoadBalancer", loadBalancerOutputs)
	registerOutputs("aws:lb/listener:Listener", func(r *Resource, e env, state map[string]any) error {
		return childARN(r, state, "loadBalancerArn", ":loadbalancer/", ":listener/")
	})
	registerOutputs("aws:lb/listenerRule:ListenerRule", func(r *Resource, e env, state map[string]any) error {
		return childARN(r, state, "listenerArn", ":listener/", ":listener-rule/")
	})
	registerOutputs("aws:lb/targetGroup:TargetGroup", func(r *Resource, e env, state map[string]any) error {
		suffix := fmt.Sprintf("targetgroup/%s/%s", state["name"], hex16(r.URN))
		state["arnSuffix"] = suffix
		state["arn"] = fmt.Sprintf("arn:%s:elasticloadbalancing:%s:%s:%s", e.Partition, e.Region, e.Account, suffix)
		state["id"] = state["arn"]
		return nil
	})
	registerOutputs("aws:ecs/cluster:Cluster", func(r *Resource, e env, state map[string]any) error {
		state["arn"] = fmt.Sprintf("arn:%s:ecs:%s:%s:cluster/%s", e.Partition, e.Region, e.Account, state["name"])
		state["id"] = state["arn"]
		return nil
	})
	registerOutputs("aws:ecs/service:Service", func(r *Resource, e env, state map[string]any) error {
		cluster, _ := state["cluster"].(string)
		clusterName := cluster[strings.LastIndex(cluster, "/")+1:]
		state["id"] = fmt.Sprintf("arn:%s:ecs:%s:%s:service/%s/%s", e.Partition, e.Region, e.Account, clusterName, state["name"])
		return nil
	})
	registerOutputs("aws:ecs/taskDefinition:TaskDefinition", func(r *Resource, e env, state map[string]any) error {
		family, _ := state["family"].(string)
		base := fmt.Sprintf("arn:%s:ecs:%s:%s:task-definition/%s", e.Partition, e.Region, e.Account, family)
		state["arn"] = base + ":1"
		state["arnWithoutRevision"] = base
		state["revision"] = 1
		state["id"] = family
		return nil
	})
	registerOutputs("aws:ecr/repository:Repository", func(r *Resource, e env, state map[string]any) error {
		name := fmt.Sprint(state["name"])
		state["arn"] = fmt.Sprintf("arn:%s:ecr:%s:%s:repository/%s", e.Partition, e.Region, e.Account, name)
		state["registryId"] = e.Account
		state["repositoryUrl"] = ECRRepositoryURL(e.Partition, e.Region, e.Account, name)
		state["id"] = name
		return nil
	})
	registerOutputs("aws:appautoscaling/target:Target", func(r *Resource, e env, state map[string]any) error {
		state["arn"] = fmt.Sprintf("arn:%s:application-autoscaling:%s:%s:scalable-target/%s", e.Partition, e.Region, e.Account, hex16(r.URN))
		state["id"] = state["resourceId"]
		return nil
	})
}

// ECRRepositoryURL is the URL of a private ECR repository, as ECR forms it.
// Source: https://docs.aws.amazon.com/AmazonECR/latest/userguide/Registries.html
func ECRRepositoryURL(partition, region, account, name string) string {
	suffix := "amazonaws.com"
	if partition == "aws-cn" {
		suffix = "amazonaws.com.cn"
	}
	return fmt.Sprintf("%s.dkr.ecr.%s.%s/%s", account, region, suffix, name)
}

// albZones are the hosted zones of Application Load Balancers' DNS names,
// per region (alias records target them).
// Source: https://docs.aws.amazon.com/general/latest/gr/elb.html
var albZones = map[string]string{
	"us-east-1":    "Z35SXDOTRQ7X7K",
	"us-east-2":    "Z3AADJGX6KTTL2",
	"us-west-1":    "Z368ELLRRE2KJ0",
	"us-west-2":    "Z1H1FL5HABSF5",
	"eu-west-1":    "Z32O12XQLNTSW2",
	"eu-central-1": "Z215JYRZR1TBD5",
}

// loadBalancerOutputs names a load balancer as ELB does: its ARN ends in
// app/<name>/<id>, the ARN suffix metrics use, and its DNS name starts with
// "internal-" when it is internal.
func loadBalancerOutputs(r *Resource, e env, state map[string]any) error {
	name := fmt.Sprint(state["name"])
	if len(name) > 32 {
		return fmt.Errorf("load balancer name %q is %d characters long; ELB allows 32", name, len(name))
	}
	suffix := fmt.Sprintf("app/%s/%s", name, hex16(r.URN))
	state["arnSuffix"] = suffix
	state["arn"] = fmt.Sprintf("arn:%s:elasticloadbalancing:%s:%s:loadbalancer/%s", e.Partition, e.Region, e.Account, suffix)
	state["id"] = state["arn"]
	dns := fmt.Sprintf("%s-%d.%s.elb.amazonaws.com", name, 1000000000+int(stableNumber(r.URN)%900000000), e.Region)
	if internal, _ := state["internal"].(bool); internal {
		dns = "internal-" + dns
	}
	state["dnsName"] = strings.ToLower(dns)
	zone, ok := albZones[e.Region]
	if !ok {
		zone = "Z" + strings.ToUpper(shortHash(e.Region)+shortHash("alb"+e.Region))
	}
	state["zoneId"] = zone
	return nil
}

// childARN gives a listener or rule an ARN under its parent's: a listener of
// load balancer app/x/1 is listener/app/x/1/<id>.
func childARN(r *Resource, state map[string]any, parentKey, from, to string) error {
	parent, _ := state[parentKey].(string)
	if !strings.Contains(parent, from) {
		return fmt.Errorf("%s %q is not an ARN containing %q", parentKey, parent, from)
	}
	state["arn"] = strings.Replace(parent, from, to, 1) + "/" + hex16(r.URN)
	state["id"] = state["arn"]
	return nil
}

// hex16 is a stable 16-hex-digit id, the length of ELB's resource ids.
func hex16(s string) string { return shortHash(s) + shortHash("x"+s) + shortHash("y" + s)[:2] }

// stableNumber is a stable number derived from s.
func stableNumber(s string) uint64 {
	var n uint64
	for _, c := range shortHash(s) + shortHash("n"+s) {
		n = n*16 + uint64(strings.IndexRune("0123456789abcdef", c))
	}
	return n
}
