package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/refarch/refarch/workloads/apps/contract"
)

// probeLine is one JSON line of the probe.
type probeLine contract.ProbeLine

// recovered is whether a last line says the address answered steadily
// again, with the outage measured.
func (l probeLine) recovered() bool {
	return l.Recovered != nil && *l.Recovered && l.OutageMS != nil
}

// probeLog reads the probe's log stream forward, remembering where it
// stopped, and prints each change between answering and failing.
type probeLog struct {
	logs          Logs
	out           io.Writer
	group, stream string
	// token is the forward token of the next read, nil before the first.
	token *string
	// lines are the probe's lines read so far.
	lines []probeLine
	// answering is the state of the last attempt printed, nil before one.
	answering *bool
}

// read reads the lines written since the last read. A stream that does
// not exist yet (the container has not started) has no lines.
// Source: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_GetLogEvents.html
// ("If you have reached the end of the stream, it returns the same token
// you passed in.")
func (p *probeLog) read(ctx context.Context) error {
	for {
		out, err := p.logs.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{
			LogGroupName:  aws.String(p.group),
			LogStreamName: aws.String(p.stream),
			StartFromHead: aws.Bool(true),
			NextToken:     p.token,
		})
		if _, ok := errors.AsType[*types.ResourceNotFoundException](err); ok {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading log stream %s of %s: %w", p.stream, p.group, err)
		}
		for _, e := range out.Events {
			p.add(aws.ToString(e.Message))
		}
		next := out.NextForwardToken
		end := next == nil || (p.token != nil && *next == *p.token) || len(out.Events) == 0
		if next != nil {
			p.token = next
		}
		if end {
			return nil
		}
	}
}

// add records one line; lines that are not the probe's JSON are skipped.
func (p *probeLog) add(message string) {
	var l probeLine
	if json.Unmarshal([]byte(message), &l) != nil || (l.Msg != contract.ProbeAttempt && l.Msg != contract.ProbeDone) {
		return
	}
	p.lines = append(p.lines, l)
	if l.Msg != contract.ProbeAttempt || l.OK == nil || (p.answering != nil && *p.answering == *l.OK) {
		return
	}
	p.answering = l.OK
	if *l.OK {
		fmt.Fprintf(p.out, "probe %s: the writer answers\n", l.Start.Format(timeFormat))
	} else {
		fmt.Fprintf(p.out, "probe %s: the writer does not answer: %s\n", l.Start.Format(timeFormat), l.Error)
	}
}

// answered is whether an attempt succeeded.
func (p *probeLog) answered() bool {
	for _, l := range p.lines {
		if l.Msg == contract.ProbeAttempt && l.OK != nil && *l.OK {
			return true
		}
	}
	return false
}

// lastError is the error of the last failed attempt, or "".
func (p *probeLog) lastError() string {
	for i := len(p.lines) - 1; i >= 0; i-- {
		if l := p.lines[i]; l.Msg == contract.ProbeAttempt && l.OK != nil && !*l.OK {
			return l.Error
		}
	}
	return ""
}

// result reads the logs until the probe's last line is there (awslogs
// delivers it shortly after the task stopped), trying resultTries times
// interval apart.
func (p *probeLog) result(ctx context.Context, interval time.Duration) (probeLine, error) {
	for try := 1; ; try++ {
		if err := p.read(ctx); err != nil {
			return probeLine{}, err
		}
		for _, l := range p.lines {
			if l.Msg == contract.ProbeDone {
				return l, nil
			}
		}
		if try == resultTries {
			return probeLine{}, fmt.Errorf("the probe's last line (%q) is not in log stream %s of %s", contract.ProbeDone, p.stream, p.group)
		}
		select {
		case <-ctx.Done():
			return probeLine{}, fmt.Errorf("waiting for the probe's last line: %w", ctx.Err())
		case <-time.After(interval):
		}
	}
}
