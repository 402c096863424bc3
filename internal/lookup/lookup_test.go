package lookup

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Fifty concurrent callers of one key make one call and all get its answer.
func TestConcurrentCallersShareOneCall(t *testing.T) {
	var s Shared
	var calls atomic.Int32
	release := make(chan struct{})
	fetch := func(context.Context) (string, error) {
		calls.Add(1)
		<-release
		return "folder 2001", nil
	}
	var wg, calling sync.WaitGroup
	got := make([]string, 50)
	calling.Add(len(got))
	for i := range got {
		wg.Go(func() {
			calling.Done()
			v, err := Do(context.Background(), &s, "path:2000/Policies", fetch)
			if err != nil {
				t.Error(err)
			}
			got[i] = v
		})
	}
	// Every caller is at Do and the call is blocked: give the last ones
	// time to join it (a caller that came after the call ended would make
	// a second one, and the count below would say so).
	calling.Wait()
	for calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	close(release)
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Errorf("%d calls, want 1", n)
	}
	for i, v := range got {
		if v != "folder 2001" {
			t.Fatalf("caller %d got %q", i, v)
		}
	}
	// Later callers ask again: Do shares a call, it does not cache.
	if _, err := Do(context.Background(), &s, "path:2000/Policies", func(context.Context) (string, error) { calls.Add(1); return "", nil }); err != nil || calls.Load() != 2 {
		t.Errorf("a later call: %v, %d calls", err, calls.Load())
	}
}

// A caller whose starter was cancelled asks itself and gets the answer; a
// backend error is shared as it is.
func TestCancelledStarterDoesNotFailOthers(t *testing.T) {
	var s Shared
	startCtx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	go func() {
		_, _ = Do(startCtx, &s, "k", func(ctx context.Context) (int, error) {
			close(started)
			<-ctx.Done()
			return 0, ctx.Err()
		})
	}()
	<-started
	done := make(chan struct{})
	var v int
	var err error
	go func() {
		defer close(done)
		v, err = Do(context.Background(), &s, "k", func(context.Context) (int, error) { return 7, nil })
	}()
	time.Sleep(20 * time.Millisecond)
	cancel()
	<-done
	if err != nil || v != 7 {
		t.Errorf("the other caller got %d, %v; want 7", v, err)
	}
	boom := errors.New("503 from OTCS")
	if _, err := Do(context.Background(), &s, "k", func(context.Context) (int, error) { return 0, boom }); !errors.Is(err, boom) {
		t.Errorf("backend error: %v", err)
	}
}

// A caller whose own context ends stops waiting.
func TestCallerStopsWaitingWhenItsContextEnds(t *testing.T) {
	var s Shared
	release := make(chan struct{})
	defer close(release)
	go func() {
		_, _ = Do(context.Background(), &s, "k", func(context.Context) (int, error) { <-release; return 1, nil })
	}()
	time.Sleep(20 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := Do(ctx, &s, "k", func(context.Context) (int, error) { return 2, nil }); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want deadline exceeded", err)
	}
}
