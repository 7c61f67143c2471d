package stacks

// PlatformConfig configures load balancers, the ECS cluster and services, and the container registry.
type PlatformConfig struct{}

// load reads and validates the section; problems go to r.
func (s *PlatformConfig) load(r *reader, c *Config) {}
