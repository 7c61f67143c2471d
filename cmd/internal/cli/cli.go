// Package cli is what the repository's operator commands (cmd/run-job,
// cmd/failover-drill) share about their command line: flags parsed with
// every problem reported at once, errors on stderr prefixed with the
// command's name, and the exit statuses 0 (done, or -h), 1 (failed) and 2
// (a usage error).
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// Exit statuses.
const (
	// ExitOK is success, and -h.
	ExitOK = 0
	// ExitFailure is a failure at run time.
	ExitFailure = 1
	// ExitUsage is a usage error: bad or missing flags.
	ExitUsage = 2
)

// UsageError is a command-line mistake: exit 2.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Parse parses args with fs and refuses positional arguments. Its error is
// flag.ErrHelp for -h, a *UsageError otherwise (the flag package has
// printed the usage for a bad flag).
func Parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &UsageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return &UsageError{fmt.Sprintf("unexpected arguments %q", fs.Args())}
	}
	return nil
}

// Problems returns the problems found in the flags as one *UsageError, or
// nil when there are none.
func Problems(problems []string) error {
	if len(problems) == 0 {
		return nil
	}
	return &UsageError{strings.Join(problems, "; ")}
}

// Run runs a command named name: parse, then do. It prints an error on
// stderr prefixed "<name>: " and returns the exit status: ExitUsage for a
// *UsageError (from either), ExitFailure for another error, ExitOK
// otherwise and for flag.ErrHelp.
func Run(name string, stderr io.Writer, parse, do func() error) int {
	err := parse()
	if errors.Is(err, flag.ErrHelp) {
		return ExitOK
	}
	if err == nil {
		err = do()
	}
	if err == nil {
		return ExitOK
	}
	fmt.Fprintf(stderr, "%s: %v\n", name, err)
	if _, ok := errors.AsType[*UsageError](err); ok {
		return ExitUsage
	}
	return ExitFailure
}

// Main runs run with a context that SIGINT and SIGTERM cancel, and exits
// with its status.
func Main(run func(ctx context.Context) int) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx)
	stop()
	os.Exit(code)
}
