package main

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/workloads/apps/contract"
	"github.com/refarch/refarch/workloads/internal/testservers"
)

// probeLines decodes the probe's output, requiring every line to be JSON.
func probeLines(t *testing.T, out string) []contract.ProbeLine {
	t.Helper()
	var lines []contract.ProbeLine
	for l := range strings.SplitSeq(strings.TrimSpace(out), "\n") {
		var p contract.ProbeLine
		require.NoError(t, json.Unmarshal([]byte(l), &p), "not a JSON line: %s", l)
		lines = append(lines, p)
	}
	return lines
}

func TestProbeMeasuresThePostgresOutageAcrossAStopAndARestart(t *testing.T) {
	s := startStack(t)
	s.migrate(t)
	s.setAppPassword(t)

	var out testservers.SyncBuffer
	done := make(chan int, 1)
	interval := 100 * time.Millisecond
	go func() {
		done <- runWith(t.Context(), []string{"probe", "-interval", interval.String(), "-timeout", "1s", "-steady", "5", "-deadline", "2m"},
			s.env(nil), &out, &out, s.deps())
	}()
	require.Eventually(t, func() bool { return strings.Contains(out.String(), `"ok":true`) }, 30*time.Second, 20*time.Millisecond,
		"the probe never answered:\n%s", out.String())

	stopBegin := time.Now()
	s.pg.Stop(t)
	stopEnd := time.Now()
	time.Sleep(2 * time.Second) // the outage
	startBegin := time.Now()
	s.pg.Start(t)
	startEnd := time.Now()

	var code int
	select {
	case code = <-done:
	case <-time.After(90 * time.Second):
		t.Fatalf("the probe did not end after the restart:\n%s", out.String())
	}
	require.Equal(t, exitOK, code, out.String())

	lines := probeLines(t, out.String())
	last := lines[len(lines)-1]
	require.Equal(t, "probe done", last.Msg)
	require.NotNil(t, last.Recovered)
	assert.True(t, *last.Recovered)
	require.NotNil(t, last.OutageMS)
	outage := time.Duration(*last.OutageMS) * time.Millisecond
	// The server was down at least from the end of the stop to the start
	// of the restart, and at most from the start of the stop to the end
	// of the restart; the probe sees it to within an attempt.
	assert.GreaterOrEqual(t, outage, startBegin.Sub(stopEnd)-interval, "outage %s", outage)
	assert.LessOrEqual(t, outage, startEnd.Sub(stopBegin)+interval+time.Second, "outage %s", outage)
	assert.Equal(t, *last.OutageMS, last.RecoveredAt.Sub(last.FirstFailure).Milliseconds())

	// The attempts: answers, then failures (the first at first_failure),
	// then at least -steady answers in a row from recovered_at.
	var failures, answersAfter int
	for _, l := range lines {
		if l.Msg != "probe attempt" {
			continue
		}
		require.NotNil(t, l.OK, "an attempt says ok")
		switch {
		case !*l.OK:
			failures++
			assert.NotEmpty(t, l.Error)
			assert.False(t, l.Start.Before(last.FirstFailure), "no failure before first_failure once the probe answered")
		case !l.Start.Before(last.RecoveredAt):
			answersAfter++
		}
	}
	assert.GreaterOrEqual(t, failures, 2, "a 2 s outage at 100 ms fails several attempts")
	assert.Equal(t, 5, answersAfter, "it ends after -steady answers in a row")
	assert.NotContains(t, out.String(), s.appPassword, "the password is never logged")
}

func TestProbeFailsAtTheDeadline(t *testing.T) {
	s := startStack(t)
	s.migrate(t)
	s.setAppPassword(t)
	tests := []struct {
		name       string
		env        map[string]string
		wantReason string
	}{
		{"nothing listens on the address", map[string]string{contract.EnvDBPort: strconv.Itoa(testservers.FreePort(t))}, "the address never answered"},
		{"the address answers throughout", nil, "the address never failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out testservers.SyncBuffer
			code := runWith(t.Context(), []string{"probe", "-interval", "50ms", "-timeout", "5s", "-deadline", "1500ms"}, s.env(tt.env), &out, &out, s.deps())
			assert.Equal(t, exitFailure, code)
			lines := probeLines(t, out.String())
			last := lines[len(lines)-1]
			assert.Equal(t, "probe done", last.Msg)
			require.NotNil(t, last.Recovered)
			assert.False(t, *last.Recovered)
			assert.Equal(t, tt.wantReason, last.Reason, out.String())
			assert.Greater(t, len(lines), 3, "it kept trying until the deadline:\n%s", out.String())
		})
	}
}

func TestProbeRefusesBadFlagsAndConfiguration(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		unset []string
		want  []string
	}{
		{"bad flags", []string{"-interval", "0s", "-timeout", "-1s", "-steady", "0", "-deadline", "0s"}, nil,
			[]string{"-interval 0s is not positive", "-timeout -1s is not positive", "-steady 0 is less than 1", "-deadline 0s is not longer than -interval 0s"}},
		{"an argument", []string{"extra"}, nil, []string{`unexpected arguments ["extra"]`}},
		{"the writer's variables", nil, []string{contract.EnvDBHost, contract.EnvDBUser}, []string{contract.EnvDBHost, contract.EnvDBUser}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := validEnv(t)
			// The probe needs neither the cache nor the signing key.
			delete(env, contract.EnvCacheEndpoint)
			delete(env, contract.EnvSessionSigningKey)
			env[contract.EnvAWSRegion] = "eu-west-1"
			for _, k := range tt.unset {
				delete(env, k)
			}
			code, out, errOut := runEnv(t, env, append([]string{"probe"}, tt.args...)...)
			assert.Equal(t, exitUsage, code)
			assert.Empty(t, out)
			assert.True(t, strings.HasPrefix(errOut, "backend probe: "), errOut)
			for _, w := range tt.want {
				assert.Contains(t, errOut, w)
			}
		})
	}
}

func TestProbeNeedsOnlyWhatTheBackendsTaskDefinitionHolds(t *testing.T) {
	// cmd/failover-drill runs the probe in the backend service's task
	// definition, which sets contract.Backend's variables.
	for _, name := range probeEnv {
		assert.Contains(t, contract.Backend.Env, name)
	}
	assert.NotContains(t, probeEnv, contract.EnvSessionSigningKey)
}
