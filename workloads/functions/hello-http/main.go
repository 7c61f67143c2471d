// Command hello-http is an example Lambda function behind an Application
// Load Balancer (a target group of type lambda). It answers GET …/hello with
// a JSON greeting and GET …/hello/healthz with {"status":"ok"} for the target
// group's health check. It reads no environment variable and calls no AWS
// API.
// Source: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/lambda-functions.html
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/refarch/refarch/workloads/functions/internal/lambdaenv"
)

// main starts the Lambda runtime loop with the handler, logging JSON to
// stderr (which Lambda sends to the function's log group).
func main() {
	lambda.Start(newHandler(lambdaenv.Logger()).Handle)
}
