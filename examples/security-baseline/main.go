// Command security-baseline is the security-baseline example's Pulumi
// program: refarch's SecurityBaseline in a single account (README.md).
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/examples/security-baseline/program"
)

func main() { pulumi.Run(program.Program) }
