// Package cost estimates what one stack of refarch costs a month, in USD,
// from the offline engine's records (package offline): every resource the
// program would register, with its inputs, priced from a dated table of AWS's
// public on-demand list prices.
//
// EstimatePlan prices a plan with the table embedded in the package
// (prices.json); EstimateWith prices it with another table. The Estimate
// holds one Line per billed dimension of a resource (NAT gateway hours,
// Fargate vCPU hours, RDS storage, ...), each attributed to the top-level
// refarch component the resource belongs to; ByComponent totals them and
// Write prints the report.
//
// What the estimate rests on:
//
//   - Quantities derived from the records: counts (NAT gateways from the
//     awsx:ec2:Vpc inputs, tasks, nodes, instances, keys, alarms, zones,
//     rules), sizes (task vCPU and memory, allocated storage, EBS volumes)
//     and always-on hours, with a month of 730 hours (the AWS Pricing
//     Calculator's convention, https://calculator.aws/).
//   - Quantities the records cannot know (traffic, requests, log volume,
//     stored bytes, findings): each is a usage assumption in the table
//     ("usage"), and every one used appears in the report, with its value.
//     None is hidden: a dimension the estimate leaves out is stated as an
//     assumption too.
//   - Types that cost nothing of their own (IAM roles, security groups,
//     routes, ...) are listed in the table ("free"). A type that is neither
//     priced nor listed as free is reported as not priced, so a new billable
//     resource is noticed rather than silently costed at zero.
//
// Prices are list prices before the free tier, taxes, credits, Savings Plans
// and reservations. They were transcribed from AWS's public pricing pages
// (the table names the page of each price, e.g.
// https://aws.amazon.com/vpc/pricing/) and must be checked against the AWS
// Pricing Calculator before anyone relies on them.
package cost
