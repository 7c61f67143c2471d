// Package helper holds a function the components share.
package helper

// Tool is a helper type.
type Tool struct{}

// Use does nothing. It has a second sentence.
func (Tool) Use() {}

// Double returns twice n.
func Double(n int) int { return 2 * n }
