// Package greet is the fixture's dependency (module example.com/greet).
package greet

// Hello greets name.
func Hello(name string) string { return "hello, " + name }
