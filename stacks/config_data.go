package stacks

// DataConfig configures Postgres and Memcached.
type DataConfig struct{}

// load reads and validates the section; problems go to r.
func (s *DataConfig) load(r *reader, c *Config) {}
