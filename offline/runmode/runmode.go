// Package runmode tells a program whether the offline engine runs it. The
// offline engine (package offline) marks the Go context of every run; a
// program asks IsOffline(ctx.Context()) where it needs what only a real
// deployment needs, such as the built zips of the Lambda functions, which
// the mocks never read. It imports nothing, so the program pays nothing
// for asking.
package runmode

import "context"

type key struct{}

// WithOffline marks ctx as an offline run.
func WithOffline(ctx context.Context) context.Context {
	return context.WithValue(ctx, key{}, true)
}

// IsOffline reports whether ctx belongs to an offline run.
func IsOffline(ctx context.Context) bool {
	v, _ := ctx.Value(key{}).(bool)
	return v
}
