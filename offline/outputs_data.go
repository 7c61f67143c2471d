package offline

import (
	"fmt"
	"strings"
)

// Output mocks of the data stores: RDS instances, parameter and subnet
// groups, and ElastiCache clusters, with the endpoints, ids, secrets and
// nodes AWS computes, in their real shapes.
func init() {
	registerOutputs("aws:rds/instance:Instance", rdsInstanceOutputs)
	registerOutputs("aws:rds/parameterGroup:ParameterGroup", namedARN("rds", "pg"))
	registerOutputs("aws:rds/subnetGroup:SubnetGroup", namedARN("rds", "subgrp"))
	registerOutputs("aws:elasticache/cluster:Cluster", cacheClusterOutputs)
	registerOutputs("aws:elasticache/parameterGroup:ParameterGroup", namedARN("elasticache", "parametergroup"))
	registerOutputs("aws:elasticache/subnetGroup:SubnetGroup", namedARN("elasticache", "subnetgroup"))
}

// namedARN returns an output mock giving a resource the ARN
// arn:<partition>:<service>:<region>:<account>:<kind>:<name>.
func namedARN(service, kind string) OutputFunc {
	return func(r *Resource, e env, state map[string]any) error {
		state["arn"] = fmt.Sprintf("arn:%s:%s:%s:%s:%s:%s", e.Partition, service, e.Region, e.Account, kind, state["name"])
		return nil
	}
}

// endpointHash is the per-account-and-region part of RDS and ElastiCache
// endpoints.
func endpointHash(e env, n int) string {
	return (shortHash(e.Account+e.Region) + shortHash(e.Region+e.Account))[:n]
}

// rdsInstanceOutputs computes what RDS reports for an instance: its
// identifier (given or autonamed), the resource id (which the provider uses
// as the resource's id), the endpoint, the zone (the given one; otherwise
// the region's first, where RDS's choice cannot be known), and, with
// manageMasterUserPassword, the Secrets Manager secret RDS creates.
func rdsInstanceOutputs(r *Resource, e env, state map[string]any) error {
	identifier, _ := state["identifier"].(string)
	if identifier == "" {
		identifier = strings.ToLower(physicalName(r))
	}
	state["identifier"] = identifier
	resourceID := "db-" + strings.ToUpper(shortHash(r.URN) + shortHash("id"+r.URN) + shortHash("rid"+r.URN) + shortHash(r.Name))[:26]
	state["resourceId"] = resourceID
	state["id"] = resourceID
	state["arn"] = fmt.Sprintf("arn:%s:rds:%s:%s:db:%s", e.Partition, e.Region, e.Account, identifier)
	port := defaultPort(state, 5432)
	address := fmt.Sprintf("%s.c%s.%s.rds.amazonaws.com", identifier, endpointHash(e, 11), e.Region)
	state["address"] = address
	state["endpoint"] = fmt.Sprintf("%s:%d", address, int(port))
	if zone, _ := state["availabilityZone"].(string); zone == "" {
		state["availabilityZone"] = e.Region + "a"
	}
	if version, _ := state["engineVersion"].(string); version != "" {
		actual := version
		if !strings.Contains(version, ".") {
			actual += ".1"
		}
		state["engineVersionActual"] = actual
	}
	state["status"] = "available"
	if manage, _ := state["manageMasterUserPassword"].(bool); manage {
		secretID := fmt.Sprintf("rds!db-%s-%s-4%s-8%s-%s00000", shortHash(r.URN)+"0", shortHash(r.Name)[:4], shortHash("s" + r.URN)[:3], shortHash("t" + r.URN)[:3], shortHash("u"+r.URN))
		state["masterUserSecrets"] = []any{map[string]any{
			"secretArn":    fmt.Sprintf("arn:%s:secretsmanager:%s:%s:secret:%s-%s", e.Partition, e.Region, e.Account, secretID, shortHash("v" + r.URN)[:6]),
			"kmsKeyId":     state["masterUserSecretKmsKeyId"],
			"secretStatus": "active",
		}}
	}
	return nil
}

// cacheClusterOutputs computes what ElastiCache reports for a cluster: its
// id (given or autonamed, lower case), the Memcached configuration endpoint
// (host:port) and cluster address, and one node per numCacheNodes in the
// preferred zones, in order.
func cacheClusterOutputs(r *Resource, e env, state map[string]any) error {
	id, _ := state["clusterId"].(string)
	if id == "" {
		id = physicalName(r)
	}
	id = strings.ToLower(id)
	state["clusterId"] = id
	state["id"] = id
	state["arn"] = fmt.Sprintf("arn:%s:elasticache:%s:%s:cluster:%s", e.Partition, e.Region, e.Account, id)
	port := defaultPort(state, 11211)
	host := endpointHash(e, 6)
	region := regionCode(e.Region)
	address := fmt.Sprintf("%s.%s.cfg.%s.cache.amazonaws.com", id, host, region)
	state["clusterAddress"] = address
	state["configurationEndpoint"] = fmt.Sprintf("%s:%d", address, int(port))
	if version, _ := state["engineVersion"].(string); version != "" {
		state["engineVersionActual"] = version
	}
	count, _ := state["numCacheNodes"].(float64)
	zones, _ := state["preferredAvailabilityZones"].([]any)
	single, _ := state["availabilityZone"].(string)
	nodes := make([]any, 0, int(count))
	for i := range int(count) {
		zone := single
		if i < len(zones) {
			zone = fmt.Sprint(zones[i])
		}
		if zone == "" {
			zone = e.Region + "a"
		}
		nodeID := fmt.Sprintf("%04d", i+1)
		nodes = append(nodes, map[string]any{
			"id":               nodeID,
			"address":          fmt.Sprintf("%s.%s.%s.%s.cache.amazonaws.com", id, host, nodeID, region),
			"port":             port,
			"availabilityZone": zone,
		})
	}
	state["cacheNodes"] = nodes
	return nil
}

// defaultPort returns the port input, or sets and returns the engine's
// default when none was given.
func defaultPort(state map[string]any, def float64) float64 {
	port, ok := state["port"].(float64)
	if !ok {
		port = def
		state["port"] = port
	}
	return port
}
