package tests

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/refarch/refarch/offline"
)

// Egress as narrow as ingress (issue 15 §4): a service's tasks reach the
// VPC's endpoints and what they are wired to, the internet only when their
// configuration says internetEgress, and in prod everything a Fargate task
// needs to start is reachable without NAT. GuardDuty's runtime agent, which
// GuardDuty runs beside every task of an account with Fargate agent
// management, reaches its guardduty-data endpoint in the VPC: HTTPS to the
// VPC's block, never the internet.
// Source: https://docs.aws.amazon.com/guardduty/latest/ug/how-runtime-monitoring-works-ecs-fargate.html

const vpcEndpointType = "aws:ec2/vpcEndpoint:VpcEndpoint"

// openTo reports whether a block is the whole internet.
func openTo(cidr string) bool { return cidr == "0.0.0.0/0" || cidr == "::/0" }

// openEgress lists, for every ECS service of the plan (by its configured
// name), its security groups' egress rules to the whole internet as
// "rule:from-to", whatever resource type declares them: separate rules,
// legacy rules and inline rules of the groups it joins.
func openEgress(p *offline.Plan, stackName string) map[string][]string {
	out := map[string][]string{}
	for _, svc := range p.ByType(ecsServiceType) {
		name := strings.TrimPrefix(svc.Name, stackName+"-")
		out[name] = []string{}
		for _, group := range svc.Strings("networkConfiguration.securityGroups") {
			for _, r := range byInput(p, sgEgressType, "securityGroupId", group) {
				if openTo(r.String("cidrIpv4")) || openTo(r.String("cidrIpv6")) {
					out[name] = append(out[name], fmt.Sprintf("%s:%d-%d", r.Name, r.Int("fromPort"), r.Int("toPort")))
				}
			}
			for _, r := range byInput(p, "aws:ec2/securityGroupRule:SecurityGroupRule", "securityGroupId", group) {
				if r.String("type") == "egress" && (slices.ContainsFunc(r.Strings("cidrBlocks"), openTo) || slices.ContainsFunc(r.Strings("ipv6CidrBlocks"), openTo)) {
					out[name] = append(out[name], fmt.Sprintf("%s:%d-%d", r.Name, r.Int("fromPort"), r.Int("toPort")))
				}
			}
			if sg := groupByID(p, group); sg != nil {
				for i := range sg.List("egress") {
					e := fmt.Sprintf("egress[%d]", i)
					if slices.ContainsFunc(sg.Strings(e+".cidrBlocks"), openTo) || slices.ContainsFunc(sg.Strings(e+".ipv6CidrBlocks"), openTo) {
						out[name] = append(out[name], fmt.Sprintf("%s.%s:%d-%d", sg.Name, e, sg.Int(e+".fromPort"), sg.Int(e+".toPort")))
					}
				}
			}
		}
		sort.Strings(out[name])
	}
	return out
}

// groupByID finds a security group by id (byInput cannot: the id is not
// an input).
func groupByID(p *offline.Plan, id string) *offline.Resource {
	for _, sg := range p.ByType(sgType) {
		if sg.ID == id {
			return sg
		}
	}
	return nil
}

func TestNoServiceReachesTheInternetUnlessItsConfigSays(t *testing.T) {
	for _, stackName := range platformStacks() {
		t.Run(stackName, func(t *testing.T) {
			p := stackPlan(t, stackName)
			asked := map[string]bool{}
			for _, svc := range stackConfig(t, stackName).Platform.Services {
				asked[svc.Name] = svc.InternetEgress
			}
			open := openEgress(p, stackName)
			require.Len(t, open, 2, "frontend and backend")
			for svc, rules := range open {
				if !asked[svc] {
					assert.Empty(t, rules, "%s does not set internetEgress, so none of its groups may send to the internet", svc)
				}
			}
		})
	}
	t.Run("prod's example services stay off the internet", func(t *testing.T) {
		assert.Equal(t, map[string][]string{"frontend": {}, "backend": {}}, openEgress(stackPlan(t, "prod"), "prod"))
		for _, svc := range stackConfig(t, "prod").Platform.Services {
			assert.False(t, svc.InternetEgress, "prod's %s does not ask for the internet", svc.Name)
		}
	})
	t.Run("a service that asks gets exactly HTTPS to the internet", func(t *testing.T) {
		services := servicesJSON(t, "prod", func(s []map[string]any) []map[string]any {
			s[0]["internetEgress"] = true // frontend
			return s
		})
		p, err := planWith(t, "prod", map[string]string{"refarch:services": services})
		require.NoError(t, err)
		open := openEgress(p, "prod")
		assert.Equal(t, []string{"prod-frontend-https-out:443-443"}, open["frontend"])
		assert.Empty(t, open["backend"], "the other service stays closed")
		out := p.Require(t, sgEgressType, "prod-frontend-https-out")
		assert.Equal(t, p.Require(t, sgType, "prod-frontend").ID, out.String("securityGroupId"))
		assert.Equal(t, "tcp", out.String("ipProtocol"))
	})
}

// taskEndpoints are the interface endpoints a Fargate task needs to pull
// its image from ECR, write its logs and read its Secrets Manager secrets
// (and KMS, for what the application decrypts itself), besides the S3
// gateway endpoint for the image layers.
// Source: https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html
var taskEndpoints = []string{"ecr.api", "ecr.dkr", "logs", "secretsmanager", "kms"}

func TestFargateTasksReachAWSWithoutNAT(t *testing.T) {
	// The app subnets of each stack's VPC, by hand from the layout (zone
	// blocks of /19, the app tier the first /20 of each).
	appSubnets := map[string][]string{
		"dev":   {"10.10.0.0/20", "10.10.32.0/20"},
		"stage": {"10.20.0.0/20", "10.20.32.0/20"},
		"prod":  {"10.30.0.0/20", "10.30.32.0/20", "10.30.64.0/20"},
	}
	for _, stackName := range platformStacks() {
		t.Run(stackName, func(t *testing.T) {
			p := stackPlan(t, stackName)
			vpc := p.Require(t, "awsx:ec2:Vpc", stackName)
			endpointGroup := p.Require(t, sgType, stackName+"-endpoints")
			prefix := "com.amazonaws.us-west-2."

			interfaces := map[string]*offline.Resource{}
			var s3 *offline.Resource
			for _, e := range p.ByType(vpcEndpointType) {
				assert.Equal(t, vpc.Output("vpcId"), e.Get("vpcId"), "%s is in the stack's VPC", e.Name)
				svc := strings.TrimPrefix(e.String("serviceName"), prefix)
				switch e.String("vpcEndpointType") {
				case "Interface":
					interfaces[svc] = e
				case "Gateway":
					if svc == "s3" {
						s3 = e
					}
				}
			}
			need := slices.Clone(taskEndpoints)
			if platformOf[stackName].exec {
				need = append(need, "ssmmessages") // ECS Exec's channel
			}
			for _, svc := range need {
				e := interfaces[svc]
				if !assert.NotNil(t, e, "%s has the %s interface endpoint", stackName, svc) {
					continue
				}
				assert.True(t, e.Bool("privateDnsEnabled"), "%s: the usual host name resolves to the endpoint", svc)
				assert.Equal(t, vpc.Output("privateSubnetIds"), e.Get("subnetIds"), "%s: in the app subnets, where the tasks run", svc)
				assert.Equal(t, []string{endpointGroup.ID}, e.Strings("securityGroupIds"), svc)
			}
			require.NotNil(t, s3, "the S3 gateway endpoint (image layers)")
			assert.Len(t, s3.List("routeTableIds"), 2*len(appSubnets[stackName]), "on the app and data route tables of every zone")
			s3List := s3.Output("prefixListId")
			require.NotEmpty(t, s3List)

			// The endpoints admit HTTPS from every app subnet.
			require.Len(t, endpointGroup.List("ingress"), 1)
			assert.Equal(t, 443, endpointGroup.Int("ingress[0].fromPort"))
			assert.Equal(t, 443, endpointGroup.Int("ingress[0].toPort"))
			for _, app := range appSubnets[stackName] {
				subnet := netip.MustParsePrefix(app)
				admitted := slices.ContainsFunc(endpointGroup.Strings("ingress[0].cidrBlocks"), func(c string) bool {
					b := netip.MustParsePrefix(c)
					return b.Contains(subnet.Addr()) && b.Bits() <= subnet.Bits()
				})
				assert.True(t, admitted, "the endpoints admit HTTPS from app subnet %s", app)
			}

			// Every task group may send HTTPS to both, and to the VPC's
			// block, where GuardDuty's agent finds its endpoint.
			vpcCIDR := stackConfig(t, stackName).VpcCIDR.String()
			for _, svc := range []string{"frontend", "backend"} {
				group := p.Require(t, sgType, stackName+"-"+svc)
				var toEndpoints, toS3, toVPC int
				for _, r := range byInput(p, sgEgressType, "securityGroupId", group.ID) {
					https := r.String("ipProtocol") == "tcp" && r.Int("fromPort") == 443 && r.Int("toPort") == 443
					if https && r.String("referencedSecurityGroupId") == endpointGroup.ID {
						toEndpoints++
					}
					if https && r.Get("prefixListId") == s3List {
						toS3++
					}
					if https && r.String("cidrIpv4") == vpcCIDR {
						toVPC++
					}
				}
				assert.Equal(t, 1, toEndpoints, "%s may reach the interface endpoints on 443", svc)
				assert.Equal(t, 1, toS3, "%s may reach S3 through the gateway endpoint's prefix list on 443", svc)
				assert.Equal(t, 1, toVPC, "%s: GuardDuty's agent may reach its guardduty-data endpoint (VPC %s) on 443", svc, vpcCIDR)
				ecs := p.Require(t, ecsServiceType, stackName+"-"+svc)
				assert.Equal(t, group.ID, ecs.Strings("networkConfiguration.securityGroups")[0])
				assert.Equal(t, vpc.Output("privateSubnetIds"), ecs.Get("networkConfiguration.subnets"))
			}
		})
	}
}

func TestWithoutEndpointsEveryServiceNeedsInternetEgress(t *testing.T) {
	p, err := planWith(t, "dev", map[string]string{"refarch:interfaceEndpoints": "false"})
	require.Error(t, err, "dev's services cannot start without the endpoints or the internet")
	assert.Contains(t, err.Error(), "Args.Services[0].InternetEgress")
	assert.Contains(t, err.Error(), "Args.Services[1].InternetEgress")
	assert.Contains(t, err.Error(), "could not start")
	assert.Empty(t, p.ByType(ecsServiceType))

	services := servicesJSON(t, "dev", func(s []map[string]any) []map[string]any {
		for _, svc := range s {
			svc["internetEgress"] = true
		}
		return s
	})
	p, err = planWith(t, "dev", map[string]string{"refarch:interfaceEndpoints": "false", "refarch:services": services})
	require.NoError(t, err)
	assert.Empty(t, p.Find(sgType, "dev-endpoints"), "no interface endpoints")
	assert.Equal(t, map[string][]string{
		"frontend": {"dev-frontend-https-out:443-443"},
		"backend":  {"dev-backend-https-out:443-443"},
	}, openEgress(p, "dev"), "through NAT, on 443 only")
}

// internetEgressWithoutReason lists the services of a stack file that set
// internetEgress: true without a comment (on the key's line, above it, or
// above the service) saying why.
func internetEgressWithoutReason(t *testing.T, file []byte) []string {
	t.Helper()
	var doc struct {
		Config map[string]yaml.Node `yaml:"config"`
	}
	require.NoError(t, yaml.Unmarshal(file, &doc))
	services, ok := doc.Config["refarch:services"]
	if !ok {
		return nil
	}
	var out []string
	for i, svc := range services.Content {
		name := fmt.Sprint(i)
		for j := 0; j+1 < len(svc.Content); j += 2 {
			if svc.Content[j].Value == "name" {
				name = svc.Content[j+1].Value
			}
		}
		for j := 0; j+1 < len(svc.Content); j += 2 {
			key, value := svc.Content[j], svc.Content[j+1]
			if key.Value != "internetEgress" || value.Value != "true" {
				continue
			}
			if key.HeadComment == "" && key.LineComment == "" && value.LineComment == "" && svc.HeadComment == "" {
				out = append(out, name)
			}
		}
	}
	return out
}

func TestInternetEgressSaysWhyInTheStackFile(t *testing.T) {
	t.Run("the check", func(t *testing.T) {
		file := []byte(`config:
  refarch:services:
    - name: a
      internetEgress: true
    - name: b
      # calls the payment provider's API
      internetEgress: true
    - name: c
      internetEgress: true # webhooks to customers
    - name: d
      internetEgress: false
`)
		assert.Equal(t, []string{"a"}, internetEgressWithoutReason(t, file))
	})
	dir := projectDir(t)
	for _, stackName := range []string{"security", "shared-services", "dev", "stage", "prod"} {
		t.Run(stackName, func(t *testing.T) {
			file, err := os.ReadFile(filepath.Join(dir, "Pulumi."+stackName+".yaml"))
			require.NoError(t, err)
			assert.Empty(t, internetEgressWithoutReason(t, file), "internetEgress: true needs a comment saying why")
		})
	}
}
