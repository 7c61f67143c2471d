// Package policies holds refarch's security and reliability rules, written
// once as plain Go functions over the resources a stack registers, and run
// in three places:
//
//   - the test suite runs every rule on every stack's offline plan and fails
//     on any violation (tests/policies_test.go);
//   - `go run ./cmd/plan -stack prod -policy` prints the compliance report:
//     rule, control, result, resources;
//   - the CrossGuard policy pack in ./pack wraps the same functions with the
//     Go SDK's policyx package, so `pulumi preview --policy-pack
//     ./insights/policies/pack` checks real previews (CircleCI runs it on every pull
//     request). https://www.pulumi.com/docs/iac/using-pulumi/crossguard/
//
// A rule sees records: type, name, inputs, resource options, provider and
// parent (offline.Resource), and the whole stack, so graph rules ("every
// bucket has a public access block", "only the public load balancers, the
// CDN and the VPN admit 0.0.0.0/0") are as easy as resource rules. Each rule
// names the control it implements: a CIS AWS Foundations Benchmark v3.0.0
// recommendation (https://www.cisecurity.org/benchmark/amazon_web_services),
// an AWS Foundational Security Best Practices control
// (https://docs.aws.amazon.com/securityhub/latest/userguide/fsbp-standard.html),
// or, for refarch's own rules, the reason. A rule that differs by
// environment says where (Rule.Environments).
//
// Values a preview does not know yet (an ARN of a resource still to be
// created) never fail a rule: a rule judges what is known and passes what it
// cannot see (a preview shows such values as unknown:
// https://www.pulumi.com/docs/iac/concepts/inputs-outputs/). Under the offline engine every value is known, so the test suite judges
// everything.
package policies
