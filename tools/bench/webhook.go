package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/internal/control"
	"github.com/xecm-bridge/xecm-bridge/internal/webhook"
	"github.com/xecm-bridge/xecm-bridge/mapping"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

const benchSecret = "bench-secret"

// deliveryKey is the receiver's identity of a delivery (a hash of the
// signed body), which the RouteEvent run's id carries.
func deliveryKey(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:16])
}

type nopRouter struct{}

func (nopRouter) Route(context.Context, workflows.RouteEventInput) (string, bool, error) {
	return "route:nop", false, nil
}

// signedEvent is a label event by alice, a member of POL's approvers group
// (the page authors are 557058:bench, so the approval counts).
func signedEvent(pageID string, n int) ([]byte, string) {
	body := []byte(fmt.Sprintf(`{"timestamp":%d,"event":"label_added","userAccountId":"557058:alice","label":{"name":"approved","prefix":"global"},"labelled":{"id":%s,"type":"page"}}`,
		time.Now().UnixMilli()+int64(n), pageID))
	mac := hmac.New(sha256.New, []byte(benchSecret))
	mac.Write(body)
	return body, "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// post sends n signed events from 16 clients and returns events/s.
func post(url string, n int, pageID func(i int) string) (float64, error) {
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	jobs := make(chan int)
	for c := 0; c < 16; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				body, sig := signedEvent(pageID(i), i)
				req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
				req.Header.Set("X-Hub-Signature", sig)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					errs <- err
					continue
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusAccepted {
					errs <- fmt.Errorf("event %d: status %d", i, resp.StatusCode)
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return 0, err
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

// routedAs says what the RouteEvent runs of a page decided, for an error
// message: a page the router declined (e.g. an approver the space does not
// accept) otherwise looks like a slow publish.
func (w *world) routedAs(ctx context.Context, pageID string) string {
	resp, err := w.temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Query: fmt.Sprintf("%s = '%s' AND WorkflowType = 'RouteEvent'", workflows.PageIDAttr.GetName(), pageID),
	})
	if err != nil {
		return "listing its RouteEvent runs: " + err.Error()
	}
	var out []string
	for _, e := range resp.GetExecutions() {
		var res activities.RouteResult
		if err := w.temporal.GetWorkflow(ctx, e.GetExecution().GetWorkflowId(), "").Get(ctx, &res); err != nil {
			out = append(out, fmt.Sprintf("%s: %v", e.GetExecution().GetWorkflowId(), err))
			continue
		}
		out = append(out, fmt.Sprintf("%s: flow %s (%s)", e.GetExecution().GetWorkflowId(), res.Flow, res.Reason))
	}
	if len(out) == 0 {
		return "no RouteEvent run for the page"
	}
	return strings.Join(out, "; ")
}

// webhookBench measures acceptance throughput (signature check and parse
// only, then with each event recorded durably as a RouteEvent start) and
// the latency from a signed event to its record in OTCS.
func (w *world) webhookBench(ctx context.Context, rules *mapping.Rules, events, latencyPages int) error {
	h, err := webhook.New(webhook.Config{Secret: benchSecret, MaxBody: 64 << 10, Rules: rules, Router: control.WebhookRouter{Client: w.publisher}})
	if err != nil {
		return err
	}
	url, stop, err := listen(h)
	if err != nil {
		return err
	}
	defer stop()
	cmd, err := w.startWorkers()
	if err != nil {
		return err
	}
	stopped := false
	defer func() {
		if !stopped {
			stopWorkers(cmd)
		}
	}()
	var lat []time.Duration
	var evs []webhookEvent
	for i := 0; i < latencyPages; i++ {
		p := w.confSim.CreatePage("POL", fmt.Sprintf("Latency policy #%03d", i), "<p>Latency.</p>", "557058:bench", "approved", "dept-bench")
		body, sig := signedEvent(p.ID, i)
		start := time.Now()
		req, _ := http.NewRequest(http.MethodPost, url+"/webhook", bytes.NewReader(body))
		req.Header.Set("X-Hub-Signature", sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		accepted := time.Now()
		id := workflows.PublishPageWorkflowID(p.ID, 1)
		for {
			d, err := w.temporal.DescribeWorkflowExecution(ctx, id, "")
			if err == nil && d.GetWorkflowExecutionInfo().GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
				break
			}
			if time.Since(start) > time.Minute {
				return fmt.Errorf("%s not completed after a minute; %s", id, w.routedAs(ctx, p.ID))
			}
			time.Sleep(5 * time.Millisecond)
		}
		seen := time.Now()
		lat = append(lat, seen.Sub(start))
		evs = append(evs, webhookEvent{sent: start, accepted: accepted, seen: seen, publishID: id,
			routeID: workflows.RouteEventWorkflowID(p.ID, deliveryKey(body))})
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) time.Duration { return lat[int(p*float64(len(lat)-1))] }
	fmt.Printf("| signed event → record in OTCS, simulator latency 0 ms, %d pages one at a time | p50 %d ms, p99 %d ms (issue 21 target: at most 250 / 400 ms) |\n",
		latencyPages, pct(0.5).Milliseconds(), pct(0.99).Milliseconds())
	where, err := w.webhookBreakdown(ctx, evs)
	if err != nil {
		return err
	}
	fmt.Printf("| where a signed event's time goes (average of those %d) | %s |\n", latencyPages, where)
	stopWorkers(cmd)
	stopped = true
	if events == 0 {
		return nil
	}
	for _, mode := range []struct {
		name   string
		router webhook.Router
	}{
		{"verify + parse only", nopRouter{}},
		{"verify + parse + RouteEvent start in Temporal", control.WebhookRouter{Client: w.publisher}},
	} {
		h, err := webhook.New(webhook.Config{Secret: benchSecret, MaxBody: 64 << 10, Rules: rules, Router: mode.router})
		if err != nil {
			return err
		}
		url, stop, err := listen(h)
		if err != nil {
			return err
		}
		rate, err := post(url+"/webhook", events, func(i int) string { return fmt.Sprint(900000 + i) })
		stop()
		if err != nil {
			return err
		}
		fmt.Printf("| webhook events accepted/s, %s (%d events, 16 clients) | %.0f |\n", mode.name, events, rate)
	}

	return nil
}
