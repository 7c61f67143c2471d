package offline

import (
	"fmt"
	"strconv"
)

// Output mocks of the VPN server's host: an Elastic IP's allocation id
// (its resource id) and public address, and a launch template's version.
// Sources: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AllocateAddress.html,
// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateLaunchTemplate.html
func init() {
	registerOutputs("aws:ec2/eip:Eip", func(r *Resource, e env, state map[string]any) error {
		state["allocationId"] = generatedID(r, e)
		// 198.51.100.0/24 is TEST-NET-2 (RFC 5737): never a real address.
		n, err := strconv.ParseUint(shortHash(r.URN)[:2], 16, 8)
		if err != nil {
			return err
		}
		state["publicIp"] = fmt.Sprintf("198.51.100.%d", n)
		return nil
	})
	registerOutputs("aws:ec2/launchTemplate:LaunchTemplate", func(r *Resource, e env, state map[string]any) error {
		state["latestVersion"] = 1
		state["defaultVersion"] = 1
		return nil
	})
}
