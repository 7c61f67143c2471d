// Package stack holds what every part of a composition shares: the stack's
// common configuration (account, region, directory, retention, protection),
// the typed reader of configuration keys, the explicit providers, the names
// stacks use for each other's roles and outputs, and Parts, the values one
// part hands the next.
//
// It imports no component (only the shared helpers validate and iampolicy):
// a change inside a component recompiles only the part package that
// composes it (stacks/<concern>part), never this package nor the others,
// which keeps the rebuild before every `pulumi preview` short (docs/performance.md).
package stack
