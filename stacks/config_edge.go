package stacks

// EdgeConfig configures the CDN for static content.
type EdgeConfig struct{}

// load reads and validates the section; problems go to r.
func (s *EdgeConfig) load(r *reader, c *Config) {}
