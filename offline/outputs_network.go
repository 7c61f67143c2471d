package offline

// Output mocks of the network's VPC endpoints. A gateway endpoint exposes
// the AWS-managed prefix list of its service's addresses in the region
// (pl-…), which security groups name to admit traffic to it; interface
// endpoints have none. The prefix list belongs to the service and region,
// not to the endpoint, so it is derived from the service name: two VPCs of
// one region see the same list, as in AWS.
// Source: https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html
func init() {
	registerOutputs("aws:ec2/vpcEndpoint:VpcEndpoint", func(r *Resource, e env, state map[string]any) error {
		if kind, _ := state["vpcEndpointType"].(string); kind == "Gateway" {
			service, _ := state["serviceName"].(string)
			state["prefixListId"] = "pl-" + shortHash(service) + "0"
		}
		return nil
	})
}
