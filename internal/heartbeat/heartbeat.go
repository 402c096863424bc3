// Package heartbeat keeps every running activity heartbeating by time, so
// that when a worker process dies its activities are retried after the
// heartbeat timeout (about 30 s) instead of their whole start-to-close
// timeout (minutes).
//
// An activity that reports byte progress itself (a transfer heartbeating
// Bytes every few MiB) keeps that meaning: the time-based beats stop when
// its reports stop for longer than the stall window, so a stuck transfer
// still times out and is retried.
package heartbeat

import (
	"context"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/interceptor"
)

// DefaultStall is how long a transfer may go without reporting Bytes
// before the time-based beats stop.
const DefaultStall = 2 * time.Minute

// Bytes is the progress detail of a transfer: bytes moved so far. An
// activity heartbeating Bytes is watched for stalls.
type Bytes int64

// Interceptor returns a worker interceptor that heartbeats every running
// activity that has a heartbeat timeout, every third of that timeout (at
// most every): the activity's own last details are sent again, so
// progress an activity resumes from is never overwritten.
func Interceptor(every, stall time.Duration) interceptor.WorkerInterceptor {
	return &workerInterceptor{every: every, stall: stall}
}

type workerInterceptor struct {
	interceptor.WorkerInterceptorBase
	every, stall time.Duration
}

func (w *workerInterceptor) InterceptActivity(ctx context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	i := &inbound{every: w.every, stall: w.stall}
	i.Next = next
	return i
}

type inbound struct {
	interceptor.ActivityInboundInterceptorBase
	every, stall time.Duration
	out          *outbound
}

func (i *inbound) Init(outbound interceptor.ActivityOutboundInterceptor) error {
	i.out = newOutbound(outbound)
	return i.Next.Init(i.out)
}

func (i *inbound) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	timeout := activity.GetInfo(ctx).HeartbeatTimeout
	if timeout <= 0 {
		return i.Next.ExecuteActivity(ctx, in)
	}
	every := min(i.every, timeout/3)
	// Details of an earlier attempt are carried over untouched (as raw
	// payloads) until the activity reports anew.
	if activity.HasHeartbeatDetails(ctx) {
		var raw converter.RawValue
		if activity.GetHeartbeatDetails(ctx, &raw) == nil {
			i.out.mu.Lock()
			i.out.details = []any{raw}
			i.out.mu.Unlock()
		}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				i.out.beat(ctx, i.stall)
			}
		}
	}()
	defer func() {
		close(stop)
		wg.Wait()
	}()
	return i.Next.ExecuteActivity(ctx, in)
}

type outbound struct {
	interceptor.ActivityOutboundInterceptorBase
	mu      sync.Mutex
	details []any     // the last details sent
	own     time.Time // when the activity last reported Bytes; zero: never
}

func newOutbound(next interceptor.ActivityOutboundInterceptor) *outbound {
	o := &outbound{}
	o.Next = next
	return o
}

// RecordHeartbeat is the activity's own report: remembered and passed on.
func (o *outbound) RecordHeartbeat(ctx context.Context, details ...any) {
	o.mu.Lock()
	o.details = details
	if len(details) > 0 {
		if _, ok := details[0].(Bytes); ok {
			o.own = time.Now()
		}
	}
	o.mu.Unlock()
	o.Next.RecordHeartbeat(ctx, details...)
}

// beat sends the last details again, unless the activity is a transfer
// whose progress has stalled for longer than stall.
func (o *outbound) beat(ctx context.Context, stall time.Duration) {
	o.mu.Lock()
	details, own := o.details, o.own
	o.mu.Unlock()
	if !own.IsZero() && stall > 0 && time.Since(own) > stall {
		return
	}
	o.Next.RecordHeartbeat(ctx, details...)
}
