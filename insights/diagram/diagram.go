// Package diagram draws a stack as a Mermaid flowchart
// (https://mermaid.js.org/syntax/flowchart.html), which GitHub renders in
// Markdown
// (https://docs.github.com/en/get-started/writing-on-github/working-with-advanced-formatting/creating-diagrams),
// from the offline engine's records only: nothing here knows which services,
// paths or functions a stack has; every name, path, count and link is read
// from the resources' inputs (and, in a live plan, the mock's outputs for
// ids and ARNs).
//
// What it draws:
//   - one subgraph per AWS account the stack's providers reach
//     (allowedAccountIds), named by the stack, a stack reference or the
//     provider's name, with the regions used;
//   - each VPC (awsx's ec2.Vpc or aws ec2.Vpc) with its CIDR, zones and NAT
//     strategy, and one subgraph per subnet tier of its subnetSpecs; a
//     resource sits in the tier whose subnets it names;
//   - load balancers (internal or internet-facing, listeners and their
//     default actions, DNS names, WAF), and an edge to each target with the
//     path patterns of the listener rules that forward to it;
//   - ECS services (capacity, task count or scaling range, container port,
//     the ECR registry their images come from), EC2 Auto Scaling groups and
//     instances (named by their component, so a VPN server reads as one);
//   - data stores: RDS writers (engine, class, Multi-AZ) grouped with their
//     read replicas, Aurora clusters, ElastiCache clusters and replication
//     groups (node count);
//   - CloudFront distributions (aliases, WAF) and an edge to each origin
//     (an S3 bucket, a load balancer found through Route 53 aliases, or the
//     origin's domain) labelled with its cache behaviours' path patterns;
//   - who may reach whom, from the security group rules (ports on the
//     edges), the Internet for 0.0.0.0/0, and security groups of other
//     accounts;
//   - VPC peering connections between the VPCs on either side, a VPC of
//     another account drawn from the routes' CIDRs and the stack references;
//   - Lambda functions and what triggers them: schedules, EventBridge rules,
//     load balancers, SNS subscriptions, secret rotations, event source
//     mappings, bucket notifications, and any other invoke permission;
//   - the alert path: CloudWatch alarms counted per target and action (with
//     their namespaces), EventBridge rules, SNS topics and their subscribers
//     (email, Lambda, queues, Chatbot).
//
// Node ids are the kind and the sanitized name ("lb_prod_public"); labels
// are quoted, with quotes and markup written as Mermaid entity codes.
// Everything is sorted, so the same records give byte-identical text, which
// Embed writes into a Markdown document between markers and Extract reads
// back for a drift test.
package diagram

import (
	"errors"
	"fmt"

	"github.com/refarch/refarch/offline"
)

// Mermaid returns the flowchart of one stack's plan ("flowchart LR" …),
// ending with a newline. The text is deterministic: the same records, in any
// order, give the same bytes.
func Mermaid(plan *offline.Plan) (string, error) {
	if plan == nil {
		return "", errors.New("diagram: no plan")
	}
	if len(plan.Resources) == 0 {
		return "", fmt.Errorf("diagram: stack %q registered no resources", plan.Stack)
	}
	b := newBuilder(plan)
	b.build()
	return b.g.render(), nil
}
