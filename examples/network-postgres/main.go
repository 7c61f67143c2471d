// Command network-postgres is the network-postgres example's Pulumi
// program: a VPC with a Postgres database in its data subnets (README.md).
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/examples/network-postgres/program"
)

func main() { pulumi.Run(program.Program) }
