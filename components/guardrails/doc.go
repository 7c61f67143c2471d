// Package guardrails holds the organization's service control policies
// (SCPs): the few things no principal of a member account may do, whatever
// its own IAM policies allow, each written as a Sid'd Deny statement with
// its reason and the AWS page it rests on.
//
// Policies returns them, typed: a name, a description, the reason, the AWS
// pages, the organizational units they attach to (Target) and the document
// (components/iampolicy). The organization component renders each
// document with Document.JSON and attaches it to its targets.
//
// What an SCP does and does not reach decides what the guardrails can
// promise:
//
//   - SCPs never apply to the management account, not even to its root
//     user: whatever the management stack does is outside every guardrail
//     here, and the management account must hold nothing but the
//     organization itself.
//     Source: https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html
//   - SCPs never apply to service-linked roles: GuardDuty enabling itself in
//     a member account, Security Hub applying its central configuration,
//     AWS Config's organization rules all run as service-linked roles and
//     are not hindered by the detection guardrails.
//     Source: https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html
//   - SCPs only restrict: a principal still needs an IAM policy granting an
//     action. The AWS managed FullAWSAccess policy stays attached to the
//     root, every organizational unit and every account (it counts against
//     the quota of five policies attached to each of them), and these deny
//     lists narrow it.
//     Source: https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html
//
// Denies evaluates a document against one request with IAM's semantics
// for Deny statements, so that tests can prove, for every resource the
// program creates (CreateActions), that no guardrail denies what the
// program's own deployments need.
package guardrails
