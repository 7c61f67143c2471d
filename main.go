// Command refarch is the Pulumi program of the reference architecture: one
// stack per AWS account, composed by package stacks.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/stacks"
)

func main() {
	pulumi.Run(stacks.Run)
}
