package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/pages"
	"github.com/xecm-bridge/xecm-bridge/activities/records"
	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/opentext"
	"github.com/xecm-bridge/xecm-bridge/mapping"
)

// plainGo is the comparison a user makes: the same clients making the
// same calls for the same pages at the same concurrency, without Temporal
// (the publish steps called one after another in a goroutine).
type plainGo struct {
	conf *pages.ConfluenceActivities
	otcs *records.OpenTextActivities
}

func newPlainGo(confURL, otcsURL string, rules *mapping.Rules) (*plainGo, error) {
	conf, err := confluence.New(confluence.Config{BaseURL: confURL, Email: "bridge@example.com", APIToken: "demo-token"})
	if err != nil {
		return nil, err
	}
	ot, err := opentext.New(opentext.Config{BaseURL: otcsURL, Username: "bridge", Password: "bridge-secret"})
	if err != nil {
		return nil, err
	}
	return &plainGo{conf: &pages.ConfluenceActivities{Confluence: conf, Rules: rules},
		otcs: &records.OpenTextActivities{OTCS: ot, Confluence: conf, Rules: rules}}, nil
}

// publish runs the five publish steps for one page; step, when not nil, is
// called before each step with its name (for per-step request counts).
func (g *plainGo) publish(ctx context.Context, pageID string, step func(string)) error {
	mark := func(s string) {
		if step != nil {
			step(s)
		}
	}
	ctx = activities.WithoutRetries(ctx) // these calls are never retried
	mark("ReadPage")
	page, err := g.conf.ReadPage(ctx, activities.ReadPageInput{PageID: pageID})
	if err != nil {
		return err
	}
	mark("StoreRecord")
	st, err := g.otcs.StoreRecord(ctx, activities.StoreInput{Page: *page})
	if err != nil {
		return err
	}
	up, cls := &st.Upload, &st.Classify
	mark("WriteBack")
	link := activities.RecordLink{NodeID: up.NodeID, Version: up.Version, PageVersion: page.Version, URL: up.URL, SHA256: up.SHA256,
		Classification: cls.Classification, PublishedAt: time.Now().UTC(), WorkflowID: "baseline"}
	_, err = g.conf.WriteBack(ctx, activities.WriteBackInput{PageID: page.PageID, Label: page.PublishedLabel, Record: link, Property: page.RecordProperty,
		Readers: page.Readers, SpaceID: page.SpaceID, SpaceKey: page.SpaceKey, Status: st.Status, StatusProperty: page.StatusProperty})
	mark("")
	return err
}

// baseline publishes pages fresh approved pages, 50 at a time, and returns
// publishes per second.
func (w *world) baseline(ctx context.Context, g *plainGo, pages int, latency time.Duration) (rate float64, perPublish time.Duration, err error) {
	defer w.setLatency(latency)()
	ids := w.approvedPages(pages, fmt.Sprintf("Baseline policy %d ms", latency.Milliseconds()))
	// Warm, as the bridge's worker is: its caches may have expired since
	// the last row.
	warm := w.confSim.CreatePage("POL", fmt.Sprintf("Baseline warm-up %d ms", latency.Milliseconds()), "<p>Warm-up.</p>", "557058:bench", "approved", "dept-bench").ID
	if err := g.publish(ctx, warm, nil); err != nil {
		return 0, 0, fmt.Errorf("baseline warm-up %s: %w", warm, err)
	}
	w.measuredFrom = w.confSim.Requests() + w.otSim.Requests()
	each := make([]time.Duration, pages)
	took, err := fiftyAtATime(pages, func(i int) error {
		began := time.Now()
		if err := g.publish(ctx, ids[i], nil); err != nil {
			return fmt.Errorf("baseline %s: %w", ids[i], err)
		}
		each[i] = time.Since(began)
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	return float64(pages) / took.Seconds(), mean(each), nil
}

// mean is the average of ds.
func mean(ds []time.Duration) time.Duration {
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return sum / time.Duration(max(len(ds), 1))
}

// requestsPerStep publishes one fresh page with the plain-Go steps and
// counts the simulators' requests per step: what a first publish costs in
// round trips.
func (w *world) requestsPerStep(ctx context.Context, g *plainGo) (string, int, int, error) {
	id := w.confSim.CreatePage("POL", "Request count policy", "<p>Counted.</p>", "557058:bench", "approved", "dept-bench").ID
	var parts []string
	totalConf, totalOT := 0, 0
	cur, c0, o0 := "", w.confSim.Requests(), w.otSim.Requests()
	step := func(next string) {
		if cur != "" {
			c, o := w.confSim.Requests()-c0, w.otSim.Requests()-o0
			parts = append(parts, fmt.Sprintf("%s %d+%d", cur, c, o))
			totalConf, totalOT = totalConf+c, totalOT+o
		}
		cur, c0, o0 = next, w.confSim.Requests(), w.otSim.Requests()
	}
	if err := g.publish(ctx, id, step); err != nil {
		return "", 0, 0, err
	}
	return strings.Join(parts, ", "), totalConf, totalOT, nil
}
