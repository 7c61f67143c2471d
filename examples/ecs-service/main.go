// Command ecs-service is the ecs-service example's Pulumi program: one
// Fargate service behind a load balancer over HTTPS (README.md).
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/examples/ecs-service/program"
)

func main() { pulumi.Run(program.Program) }
