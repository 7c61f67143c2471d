package stacks

// BaselineConfig configures the security baseline, the account roles and (in security) the IAM users.
type BaselineConfig struct{}

// load reads and validates the section; problems go to r.
func (s *BaselineConfig) load(r *reader, c *Config) {}
