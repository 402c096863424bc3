package main

import (
	"fmt"
	"math"
	"sync"

	"github.com/xecm-bridge/xecm-bridge/simulators/faults"
)

// faultDriver injects about percent % faults on each simulator through its
// faults.Injector. The fault package has no random rate, so the driver
// uses its closest deterministic equivalent: ratelimit-every=N answers
// every Nth request 429 (N = 200/percent, half the share), and once a
// second the driver tops both kinds up to percent/2 % each of the requests
// seen while the faults were on, with a ratelimit-burst (429) and a
// 5xx-burst (503) sized to the shortfall. Bursts are one-shot and a Set
// replaces the whole config and restarts the every-Nth count, hence the
// re-arming; the realised shares are measured from the injector's counters.
type faultDriver struct {
	percent int
	mu      sync.Mutex
	all     []*faultTarget
}

type faultTarget struct {
	name     string
	inj      *faults.Injector
	requests func() int

	base      map[int]int // Injected() when the run began
	startReq  int
	paused    bool // an outage owns the config
	lastReq   int
	reqOn     int // API requests while the ~percent faults were on
	downFrom  int // Injected()[503] when the outage began
	down      int // 503 answered while down
	downReqs  int // API requests while down
	downStart int
	endReq    int
	end       map[int]int
}

func newFaultDriver(percent int) *faultDriver { return &faultDriver{percent: percent} }

func (d *faultDriver) add(name string, inj *faults.Injector, requests func() int) *faultTarget {
	d.mu.Lock()
	defer d.mu.Unlock()
	t := &faultTarget{name: name, inj: inj, requests: requests, base: inj.Injected(), startReq: requests()}
	t.lastReq = t.startReq
	d.all = append(d.all, t)
	return t
}

// every is the ratelimit-every period that gives half the percentage as 429.
func (d *faultDriver) every() int {
	if d.percent <= 0 {
		return 0
	}
	return max(1, int(math.Round(200/float64(d.percent))))
}

// tick accounts the requests since the last tick and re-arms the faults:
// every-Nth 429s plus bursts making up what is missing of each half.
func (d *faultDriver) tick() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, t := range d.all {
		if t.paused {
			continue
		}
		req := t.requests()
		t.reqOn += req - t.lastReq
		t.lastReq = req
		if d.percent <= 0 {
			continue
		}
		got := t.inj.Injected()
		want := int(math.Round(float64(t.reqOn) * float64(d.percent) / 200))
		n429 := max(0, want-(got[429]-t.base[429]))
		n503 := max(0, want-(got[503]-t.base[503]-t.down))
		t.inj.Set(faults.Config{RateLimitEvery: d.every(), RateLimitBurst: n429, ServerErrorBurst: n503})
	}
}

// down takes a backend down (every API request 503) until up.
func (d *faultDriver) downOn(t *faultTarget) {
	d.mu.Lock()
	defer d.mu.Unlock()
	req := t.requests()
	t.reqOn += req - t.lastReq
	t.lastReq = req
	t.paused = true
	t.downFrom = t.inj.Injected()[503]
	t.downStart = req
	t.inj.Set(faults.Config{Down: true})
}

func (d *faultDriver) up(t *faultTarget) {
	d.mu.Lock()
	defer d.mu.Unlock()
	t.down += t.inj.Injected()[503] - t.downFrom
	req := t.requests()
	t.downReqs += req - t.downStart
	t.lastReq = req
	t.paused = false
	if d.percent > 0 {
		t.inj.Set(faults.Config{RateLimitEvery: d.every()})
	} else {
		t.inj.Set(faults.Config{})
	}
}

// stop clears every fault and takes the final counts.
func (d *faultDriver) stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, t := range d.all {
		if t.paused {
			t.down += t.inj.Injected()[503] - t.downFrom
			t.downReqs += t.requests() - t.downStart
			t.paused = false
		} else {
			req := t.requests()
			t.reqOn += req - t.lastReq
			t.lastReq = req
		}
		t.inj.Set(faults.Config{})
		t.end = t.inj.Injected()
		t.endReq = t.requests()
	}
}

// backendFigures is what one simulator saw during the chaos phase.
type backendFigures struct {
	Name        string
	Requests    int // API requests during the chaos phase
	RequestsOn  int // of which while the ~percent faults were on
	TooMany     int // 429 injected
	Unavailable int // 503 injected by the re-armed bursts
	Down        int // 503 injected while the backend was down
	DownReqs    int
}

func (t *faultTarget) figures() backendFigures {
	return backendFigures{
		Name: t.name, Requests: t.endReq - t.startReq, RequestsOn: t.reqOn,
		TooMany:     t.end[429] - t.base[429],
		Unavailable: t.end[503] - t.base[503] - t.down,
		Down:        t.down, DownReqs: t.downReqs,
	}
}

func (f backendFigures) share() string {
	if f.RequestsOn == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f %%", 100*float64(f.TooMany+f.Unavailable)/float64(f.RequestsOn))
}
