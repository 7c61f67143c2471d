package stacks

// DNSConfig configures hosted zones and certificates.
type DNSConfig struct{}

// load reads and validates the section; problems go to r.
func (s *DNSConfig) load(r *reader, c *Config) {}
