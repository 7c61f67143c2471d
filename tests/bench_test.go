package tests

import (
	"testing"

	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/offline/stackrefs"
	"github.com/refarch/refarch/stacks"
)

// BenchmarkPlan measures one offline plan per stack: config loading, the
// program and the mock engine. The five together are the cost of
// `go run ./cmd/plan -stack all` after the build (README, "Performance").
func BenchmarkPlan(b *testing.B) {
	for _, stack := range stacks.StackNames() {
		b.Run(stack, func(b *testing.B) {
			for b.Loop() {
				if _, err := offline.RunStack(stacks.Run, stack, offline.Options{StackOutputs: stackrefs.New("")}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
