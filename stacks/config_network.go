package stacks

// NetworkConfig configures the VPC.
type NetworkConfig struct{}

// load reads and validates the section; problems go to r.
func (s *NetworkConfig) load(r *reader, c *Config) {}
