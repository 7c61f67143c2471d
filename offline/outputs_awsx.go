package offline

import "fmt"

// awsx components are remote: the mock sees one registration and none of
// the resources the awsx provider creates inside, so it must return the
// component's outputs itself.
func init() {
	registerOutputs("awsx:ec2:Vpc", awsxVpc)
}

// awsxVpc returns the outputs of an awsx ec2.Vpc laid out from its inputs:
// one subnet per availability zone and subnet spec, grouped by type.
func awsxVpc(r *Resource, e env, state map[string]any) error {
	zones := 3 // awsx's default
	if names, ok := state["availabilityZoneNames"].([]any); ok && len(names) > 0 {
		zones = len(names)
	} else if n, ok := state["numberOfAvailabilityZones"].(float64); ok {
		zones = int(n)
	}
	specs, _ := state["subnetSpecs"].([]any)
	if len(specs) == 0 {
		// awsx's default layout: one public and one private subnet per zone.
		specs = []any{map[string]any{"type": "Public"}, map[string]any{"type": "Private"}}
	}
	ids := map[string][]any{"Public": {}, "Private": {}, "Isolated": {}}
	for z := range zones {
		for i, raw := range specs {
			spec, _ := raw.(map[string]any)
			typ, _ := spec["type"].(string)
			if _, known := ids[typ]; !known {
				continue // "Unused" specs reserve space only
			}
			key := fmt.Sprintf("%s/%d/%d", r.URN, z, i)
			ids[typ] = append(ids[typ], "subnet-0"+shortHash(key)+shortHash("s" + key)[:2])
		}
	}
	state["vpcId"] = "vpc-0" + shortHash(r.URN) + shortHash(r.Name)[:2]
	state["publicSubnetIds"] = ids["Public"]
	state["privateSubnetIds"] = ids["Private"]
	state["isolatedSubnetIds"] = ids["Isolated"]
	state["subnetLayout"] = specs
	return nil
}
