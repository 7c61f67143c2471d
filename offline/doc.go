// Package offline is refarch's offline engine: it runs a Pulumi Go program
// under the Pulumi mock engine with a stack's real configuration and records
// every resource it would register, so a composition can be planned and
// tested without cloud credentials or provider plugins.
//
// RunStack loads Pulumi.yaml and Pulumi.<stack>.yaml as the Pulumi CLI does
// (the SDK's own loaders and the engine's rules: project defaults, declared
// types, quoted scalars, secure values decrypted with the passphrase), runs
// the program and returns a Plan: every resource with its type, name, URN,
// parent, provider, inputs, secrets and options (protect, retainOnDelete,
// ignoreChanges, dependsOn), and every invoke. Run does the same with a
// configuration made by hand, for component tests. Plan's helpers query it
// (ByType, Find, Children, Descendants, ProviderOf, Masked), and Require,
// Statements and RequireProblem make assertions in tests.
//
// What the mocks answer: ids, ARNs and computed outputs shaped like AWS's,
// for the account and region of the provider each resource names (one
// output mock per AWS service, outputs_<service>.go); invokes from
// invokes.go (caller identity, zones, IAM policy documents rendered to real
// JSON, …); an invoke it does not know fails the run. A resource that falls
// back to a default provider Pulumi.yaml disables fails it too, as the real
// engine would. Cloud serves the same answers to the stand-in provider
// plugins of the real-engine test, so both engines see one cloud.
//
// What it cannot see, and how that is handled:
//   - Remote components (awsx's ec2.Vpc): the mock engine receives one
//     registration and none of the resources the component's provider
//     creates inside. Their outputs are mocked from the inputs
//     (outputs_awsx.go); what awsx creates is proven only by the real-engine
//     test (tests/engine) and by AWS.
//   - Transforms (pulumi.Transforms, stack transformations) do not run under
//     the mocks: a component must set what matters itself, never through a
//     transform.
//   - StackReferences: answered by Options.StackOutputs (for this project,
//     package stackrefs derives each stack's outputs from its stack file).
//   - Secrets in stack files that a secrets provider other than passphrase
//     encrypted cannot be decrypted offline; such a stack fails to load.
package offline
