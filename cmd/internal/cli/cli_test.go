package cli

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRunMapsErrorsToExitStatuses(t *testing.T) {
	usage := &UsageError{Msg: "-x is required"}
	tests := []struct {
		name         string
		parseErr     error
		doErr        error
		wantCode     int
		wantStderr   string
		wantDoCalled bool
	}{
		{"success", nil, nil, 0, "", true},
		{"help", flag.ErrHelp, nil, 0, "", false},
		{"a usage error from the flags", usage, nil, 2, "cmd: -x is required\n", false},
		{"a usage error found later", nil, usage, 2, "cmd: -x is required\n", true},
		{"a failure", nil, errors.New("AWS said no"), 1, "cmd: AWS said no\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			called := false
			code := Run("cmd", &stderr, func() error { return tt.parseErr }, func() error { called = true; return tt.doErr })
			assert.Equal(t, tt.wantCode, code)
			assert.Equal(t, tt.wantStderr, stderr.String())
			assert.Equal(t, tt.wantDoCalled, called)
		})
	}
}

func TestParseRefusesArgumentsAndBadFlags(t *testing.T) {
	newFlags := func() *flag.FlagSet {
		fs := flag.NewFlagSet("cmd", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		fs.String("stack", "", "")
		return fs
	}
	require.NoError(t, Parse(newFlags(), []string{"-stack", "stage"}))
	assert.ErrorIs(t, Parse(newFlags(), []string{"-h"}), flag.ErrHelp)
	for want, args := range map[string][]string{
		`unexpected arguments ["extra"]`:       {"-stack", "stage", "extra"},
		"flag provided but not defined: -stak": {"-stak", "stage"},
	} {
		err := Parse(newFlags(), args)
		var u *UsageError
		require.ErrorAs(t, err, &u, want)
		assert.Equal(t, want, u.Msg)
	}
}

func TestProblemsJoinsEveryProblem(t *testing.T) {
	assert.NoError(t, Problems(nil))
	err := Problems([]string{"-a is required", "-b is not positive"})
	var u *UsageError
	require.ErrorAs(t, err, &u)
	assert.Equal(t, "-a is required; -b is not positive", u.Msg)
}
