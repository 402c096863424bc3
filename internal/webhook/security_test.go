package webhook

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/xecm-bridge/xecm-bridge/mapping"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// A captured signed body replayed under new X-Atlassian-Webhook-Identifier
// values (a header no signature covers) must find the original run, not
// start new ones: the delivery key comes from the signed body only.
func TestReplayWithNewDeliveryIdentifierFindsTheFirstRun(t *testing.T) {
	h, router := newReceiver(t)
	var first Answer
	for i, id := range []string{"3f1c0a4e-0001", "attacker-0002", "attacker-0003", ""} {
		headers := signed(labelEvent)
		if id != "" {
			headers["X-Atlassian-Webhook-Identifier"] = id
		}
		rec, a := post(h, labelEvent, headers)
		if rec.Code != http.StatusAccepted {
			t.Fatalf("delivery %d: %d %+v", i, rec.Code, a)
		}
		if i == 0 {
			first = a
			continue
		}
		if !a.Existing || a.WorkflowID != first.WorkflowID {
			t.Fatalf("replay %d with identifier %q: %+v, want the existing run %s", i, id, a, first.WorkflowID)
		}
	}
	if len(router.routed) != 1 {
		t.Fatalf("replays started runs: %+v", router.routed)
	}
	for _, c := range router.calls {
		if c.DeliveryID != router.calls[0].DeliveryID {
			t.Fatalf("delivery keys differ: %q vs %q", c.DeliveryID, router.calls[0].DeliveryID)
		}
		if strings.Contains(c.DeliveryID, "attacker") || strings.Contains(c.DeliveryID, "3f1c0a4e") {
			t.Fatalf("delivery key %q comes from the unsigned header", c.DeliveryID)
		}
	}
	if want := workflows.RouteEventWorkflowID("100001", deliveryKey([]byte(labelEvent))); first.WorkflowID != want {
		t.Fatalf("workflow id %s, want %s", first.WorkflowID, want)
	}
}

// Two different events (different signed bodies) are two runs even when
// they arrive under the same identifier header.
func TestDifferentBodiesAreDifferentDeliveries(t *testing.T) {
	h, router := newReceiver(t)
	later := strings.Replace(labelEvent, "1768246501113", "1768246502113", 1)
	for _, body := range []string{labelEvent, later} {
		headers := signed(body)
		headers["X-Atlassian-Webhook-Identifier"] = "same-id"
		if rec, a := post(h, body, headers); rec.Code != http.StatusAccepted || a.Existing {
			t.Fatalf("%d %+v", rec.Code, a)
		}
	}
	if len(router.routed) != 2 || router.routed[0].DeliveryID == router.routed[1].DeliveryID {
		t.Fatalf("routed %+v", router.routed)
	}
}

// MaxAge 0 is not "no limit": old deliveries are ignored after
// DefaultMaxAge.
func TestZeroMaxAgeMeansTheDefaultWindow(t *testing.T) {
	for _, tc := range []struct {
		late time.Duration
		code int
	}{
		{DefaultMaxAge - time.Minute, http.StatusAccepted},
		{DefaultMaxAge + time.Minute, http.StatusOK},
		{30 * 24 * time.Hour, http.StatusOK},
	} {
		h, router := newReceiverWith(t, func(c *Config) {
			c.MaxAge = 0
			c.Now = func() time.Time { return time.UnixMilli(eventTime).Add(tc.late) }
		})
		rec, a := post(h, labelEvent, signed(labelEvent))
		if rec.Code != tc.code {
			t.Fatalf("%s late: %d %+v, want %d", tc.late, rec.Code, a, tc.code)
		}
		if tc.code == http.StatusOK && (a.Status != "ignored" || !strings.Contains(a.Reason, "older than") || len(router.calls) != 0) {
			t.Fatalf("%s late: %+v, routed %+v", tc.late, a, router.calls)
		}
	}
}

func TestNegativeMaxAgeIsRefused(t *testing.T) {
	rules, _ := mapping.Parse("r.yaml", []byte(rulesYAML))
	_, err := New(Config{Secret: "x", MaxBody: 10, MaxAge: -time.Second, Rules: rules, Router: &fakeRouter{}})
	if err == nil || !strings.Contains(err.Error(), "BRIDGE_WEBHOOK_MAX_AGE") {
		t.Fatalf("got %v", err)
	}
}

// /readyz answers a generic body; the cause goes to the log only.
func TestReadyzDoesNotEchoTheError(t *testing.T) {
	var logs bytes.Buffer
	zl := zerolog.New(&logs)
	cause := errors.New("dial tcp 10.20.30.40:7233: connect: connection refused (internal-temporal.corp)")
	down := true
	h, _ := newReceiverWith(t, func(c *Config) {
		c.Logger = &zl
		c.Ready = func(context.Context) error {
			if down {
				return cause
			}
			return nil
		}
	})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("readyz: %d", rec.Code)
	}
	if body := rec.Body.String(); strings.TrimSpace(body) != "not ready" {
		t.Fatalf("readyz body %q leaks more than \"not ready\"", body)
	}
	if !strings.Contains(logs.String(), "10.20.30.40:7233") {
		t.Fatalf("the cause is not logged: %s", logs.String())
	}
	down = false
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("readyz when up: %d", rec.Code)
	}
}

func TestParseValidatesPageIDs(t *testing.T) {
	for id, ok := range map[string]bool{
		`1`: true, `100001`: true, `"100001"`: true, `9223372036854775807`: true, `"9223372036854775807"`: true,
		`0`: false, `"0"`: false, `"007"`: false, `-1`: false, `"-1"`: false, `"+1"`: false, `""`: false,
		`"1 2"`: false, `"abc"`: false, `"1:x"`: false, `"1/../2"`: false, `"１２"`: false,
		`"9223372036854775808"`: false, `"12345678901234567890"`: false, `9223372036854775808`: false,
		`1.5`: false, `1e3`: false,
	} {
		body := `{"event":"page_updated","timestamp":1,"page":{"id":` + id + `}}`
		ev, err := Parse([]byte(body), "")
		if ok && (err != nil || !ValidPageID(ev.PageID)) {
			t.Errorf("id %s: %v", id, err)
		}
		if !ok && err == nil {
			t.Errorf("id %s accepted as %q", id, ev.PageID)
		}
		if !ok && err != nil && !errors.Is(err, ErrMalformed) {
			t.Errorf("id %s: %v does not wrap ErrMalformed", id, err)
		}
	}
	// idAsString (Connect) is held to the same rule.
	if _, err := Parse([]byte(`{"page":{"idAsString":"12/34"},"timestamp":1}`), "page_updated"); !errors.Is(err, ErrMalformed) {
		t.Errorf("idAsString 12/34: %v", err)
	}
}

func TestParseReadsTimestampAsNumberOrString(t *testing.T) {
	for body, want := range map[string]int64{
		`{"event":"page_updated","timestamp":1768246501113,"page":{"id":1}}`:   1768246501113,
		`{"event":"page_updated","timestamp":"1768246501113","page":{"id":1}}`: 1768246501113,
		`{"event":"page_updated","timestamp":null,"page":{"id":1}}`:            0,
		`{"event":"page_updated","page":{"id":1}}`:                             0,
	} {
		ev, err := Parse([]byte(body), "")
		if err != nil || ev.Timestamp != want {
			t.Errorf("%s: %d %v, want %d", body, ev.Timestamp, err, want)
		}
	}
	for _, body := range []string{
		`{"event":"page_updated","timestamp":-5,"page":{"id":1}}`,
		`{"event":"page_updated","timestamp":1.5,"page":{"id":1}}`,
		`{"event":"page_updated","timestamp":"2026-01-01T00:00:00Z","page":{"id":1}}`,
		`{"event":"page_updated","timestamp":true,"page":{"id":1}}`,
	} {
		if _, err := Parse([]byte(body), ""); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", body, err)
		}
	}
}
