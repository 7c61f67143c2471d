package tests

import (
	"testing"

	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/offline/stackrefs"
	"github.com/refarch/refarch/stacks"
	"github.com/refarch/refarch/stacks/stack"
)

// BenchmarkPlan measures one offline plan per stack: config loading, the
// program and the mock engine. The five together are the cost of
// `go run ./cmd/plan -stack all` after the build (README, "Performance").
func BenchmarkPlan(b *testing.B) {
	for _, stackName := range stack.Names() {
		b.Run(stackName, func(b *testing.B) {
			for b.Loop() {
				if _, err := offline.RunStack(stacks.Run, stackName, offline.Options{StackOutputs: stackrefs.New("")}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
