package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xecm-bridge/xecm-bridge/mapping"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// fakeRouter records routed events; it stands in for Temporal, which the
// e2e tests use for real.
type fakeRouter struct {
	mu     sync.Mutex
	ids    map[string]bool
	routed []workflows.RouteEventInput // runs started
	calls  []workflows.RouteEventInput // every Route call
	fail   bool
}

func (f *fakeRouter) Route(_ context.Context, in workflows.RouteEventInput) (string, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, in)
	if f.fail {
		return "", false, errors.New("temporal down")
	}
	id := workflows.RouteEventWorkflowID(in.PageID, in.DeliveryID)
	if f.ids[id] {
		return id, true, nil
	}
	f.ids[id] = true
	f.routed = append(f.routed, in)
	return id, false, nil
}

const rulesYAML = `otcs: {root: 2000}
spaces:
  POL:
    approval: {label: approved}
    folder: Policies
    category: {id: 9001, attributes: {Source Page ID: {from: page.id}}}
    records:
      - type: Meeting Notes
        match: {labels: [meeting-notes]}
        folder: Records
        category: {id: 9001, attributes: {Source Page ID: {from: page.id}}}
`

const secret = "s3cr3t"

// eventTime is the timestamp of the test events; the receiver's clock is
// a minute later.
const eventTime = 1768246501113

func newReceiver(t *testing.T) (http.Handler, *fakeRouter) {
	t.Helper()
	return newReceiverWith(t, func(*Config) {})
}

func newReceiverWith(t *testing.T, tune func(*Config)) (http.Handler, *fakeRouter) {
	t.Helper()
	rules, err := mapping.Parse("rules.yaml", []byte(rulesYAML))
	if err != nil {
		t.Fatal(err)
	}
	router := &fakeRouter{ids: map[string]bool{}}
	cfg := Config{
		Secret: secret, AutomationSecret: "auto", MaxBody: 4096, MaxAge: time.Hour,
		IgnoreActors: []string{"bridge-user-key"}, Rules: rules, Router: router,
		Now: func() time.Time { return time.UnixMilli(eventTime).Add(time.Minute) },
	}
	tune(&cfg)
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h, router
}

// signed returns the headers of a Data Center delivery of body.
func signed(body string) map[string]string {
	return map[string]string{"X-Hub-Signature": sign(body)}
}

func sign(body string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(body))
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

func post(h http.Handler, body string, headers map[string]string) (*httptest.ResponseRecorder, Answer) {
	req := httptest.NewRequest(http.MethodPost, "/webhook", strings.NewReader(body))
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var a Answer
	_ = json.Unmarshal(rec.Body.Bytes(), &a)
	return rec, a
}

const labelEvent = `{"timestamp":1768246501113,"event":"label_added","userKey":"ff80","label":{"name":"approved","prefix":"global"},"labelled":{"id":100001,"type":"page"}}`

func TestSignedEventIsRoutedOnceEvenWhenRedelivered(t *testing.T) {
	h, router := newReceiver(t)
	for i := 0; i < 3; i++ {
		rec, a := post(h, labelEvent, map[string]string{"X-Hub-Signature": sign(labelEvent)})
		if rec.Code != http.StatusAccepted || a.Status != "accepted" {
			t.Fatalf("delivery %d: %d %+v", i, rec.Code, a)
		}
		if (i > 0) != a.Existing {
			t.Fatalf("delivery %d: existing=%v", i, a.Existing)
		}
	}
	if len(router.routed) != 1 || router.routed[0].PageID != "100001" || router.routed[0].Event != "label_added" {
		t.Fatalf("routed %+v", router.routed)
	}
}

func TestBadInputIsAnsweredAndStartsNothing(t *testing.T) {
	cases := []struct {
		name    string
		body    string
		headers map[string]string
		code    int
		status  string
		reason  string
	}{
		{"missing signature", labelEvent, nil, 401, "rejected", "missing signature"},
		{"bad signature", labelEvent, map[string]string{"X-Hub-Signature": sign(labelEvent + " ")}, 401, "rejected", "bad signature"},
		{"signature not hex", labelEvent, map[string]string{"X-Hub-Signature": "sha256=zz"}, 401, "rejected", "bad signature"},
		{"bad automation secret", labelEvent, map[string]string{"X-Automation-Secret": "nope"}, 401, "rejected", "bad automation secret"},
		{"malformed JSON", `{"event":`, signed(`{"event":`), 400, "rejected", "malformed"},
		{"page event without page", `{"timestamp":1768246501113,"event":"page_updated"}`, signed(`{"timestamp":1768246501113,"event":"page_updated"}`), 400, "rejected", "without a page id"},
		{"unknown event type", `{"timestamp":1768246501113,"event":"page_teleported","page":{"id":1}}`, signed(`{"timestamp":1768246501113,"event":"page_teleported","page":{"id":1}}`), 200, "ignored", "unknown event type"},
		{"irrelevant event", `{"timestamp":1768246501113,"event":"comment_created","page":{"id":1}}`, signed(`{"timestamp":1768246501113,"event":"comment_created","page":{"id":1}}`), 200, "ignored", "does not start a flow"},
		{"own edit", `{"timestamp":1768246501113,"event":"page_updated","userKey":"bridge-user-key","page":{"id":1}}`, signed(`{"timestamp":1768246501113,"event":"page_updated","userKey":"bridge-user-key","page":{"id":1}}`), 200, "ignored", "own edit"},
		{"own label", `{"timestamp":1768246501113,"event":"label_added","label":"otcs-published","page":{"id":1}}`, signed(`{"timestamp":1768246501113,"event":"label_added","label":"otcs-published","page":{"id":1}}`), 200, "ignored", "bridge's own"},
		{"unrelated label", `{"timestamp":1768246501113,"event":"label_added","label":"fun","page":{"id":1}}`, signed(`{"timestamp":1768246501113,"event":"label_added","label":"fun","page":{"id":1}}`), 200, "ignored", "starts no flow"},
		{"unmapped space", `{"timestamp":1768246501113,"event":"label_added","label":"approved","page":{"id":"200001","spaceKey":"ENG"}}`, map[string]string{"X-Automation-Secret": "auto"}, 200, "ignored", "space ENG is not mapped"},
		{"stale delivery", `{"timestamp":1000,"event":"page_updated","page":{"id":1}}`, signed(`{"timestamp":1000,"event":"page_updated","page":{"id":1}}`), 200, "ignored", "older than"},
		{"timestamp too far ahead", `{"timestamp":1768247101113,"event":"page_updated","page":{"id":1}}`, signed(`{"timestamp":1768247101113,"event":"page_updated","page":{"id":1}}`), 200, "ignored", "in the future"},
		{"signed delivery without timestamp", `{"event":"page_updated","page":{"id":1}}`, signed(`{"event":"page_updated","page":{"id":1}}`), 400, "rejected", `no "timestamp"`},
		{"signed delivery with zero timestamp", `{"timestamp":0,"event":"page_updated","page":{"id":1}}`, signed(`{"timestamp":0,"event":"page_updated","page":{"id":1}}`), 400, "rejected", `no "timestamp"`},
		{"automation request without timestamp", `{"event":"label_added","label":"approved","page":{"id":"100001","spaceKey":"POL"}}`, map[string]string{"X-Automation-Secret": "auto"}, 400, "rejected", `no "timestamp"`},
		{"automation request with a stale timestamp", `{"timestamp":"1000","event":"label_added","label":"approved","page":{"id":"100001","spaceKey":"POL"}}`, map[string]string{"X-Automation-Secret": "auto"}, 200, "ignored", "older than"},
		{"timestamp not a number", `{"timestamp":"yesterday","event":"page_updated","page":{"id":1}}`, signed(`{"timestamp":"yesterday","event":"page_updated","page":{"id":1}}`), 400, "rejected", "timestamp must be"},
		{"page id not digits", `{"timestamp":1768246501113,"event":"label_added","label":"approved","page":{"id":"1:x/../2"}}`, map[string]string{"X-Automation-Secret": "auto"}, 400, "rejected", "not a Confluence content id"},
		{"page id too long", `{"timestamp":1768246501113,"event":"page_updated","page":{"id":"12345678901234567890"}}`, map[string]string{"X-Automation-Secret": "auto"}, 400, "rejected", "not a Confluence content id"},
		{"negative page id", `{"timestamp":1768246501113,"event":"page_updated","page":{"id":-1}}`, signed(`{"timestamp":1768246501113,"event":"page_updated","page":{"id":-1}}`), 400, "rejected", "not a Confluence content id"},
		{"body over the limit", strings.Repeat(" ", 5000) + labelEvent, signed(strings.Repeat(" ", 5000) + labelEvent), 413, "rejected", "body over"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h, router := newReceiver(t)
			rec, a := post(h, tc.body, tc.headers)
			if rec.Code != tc.code || a.Status != tc.status || !strings.Contains(a.Reason, tc.reason) {
				t.Fatalf("got %d %+v, want %d %s %q", rec.Code, a, tc.code, tc.status, tc.reason)
			}
			if len(router.routed) != 0 {
				t.Fatalf("started %+v", router.routed)
			}
		})
	}
}

func TestCloudShapesAreAccepted(t *testing.T) {
	h, router := newReceiver(t)
	// The rule's body carries "timestamp" (here as a quoted smart value).
	automation := `{"event":"label_added","timestamp":"1768246501113","page":{"id":"100003","spaceKey":"POL","version":1},"label":"meeting-notes"}`
	if rec, a := post(h, automation, map[string]string{"X-Automation-Secret": "auto"}); rec.Code != 202 {
		t.Fatalf("automation: %d %+v", rec.Code, a)
	}
	// Connect: no event in the body; the registered URL names it.
	connect := `{"page":{"idAsString":"100001","id":100001,"spaceKey":"POL","version":2},"userAccountId":"557058:x","timestamp":1768246501113,"updateTrigger":"edit_page"}`
	req := httptest.NewRequest(http.MethodPost, "/webhook?event=page_updated", strings.NewReader(connect))
	req.Header.Set("X-Hub-Signature", sign(connect))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 202 {
		t.Fatalf("connect: %d %s", rec.Code, rec.Body)
	}
	if len(router.routed) != 2 || router.routed[1].Actor != "557058:x" {
		t.Fatalf("routed %+v", router.routed)
	}
}

func TestTemporalDownAnswers503(t *testing.T) {
	h, router := newReceiver(t)
	router.fail = true
	rec, a := post(h, labelEvent, map[string]string{"X-Hub-Signature": sign(labelEvent)})
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(a.Reason, "reconciliation") {
		t.Fatalf("%d %+v", rec.Code, a)
	}
}

func TestWrongMethodAndHealth(t *testing.T) {
	h, _ := newReceiver(t)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/webhook", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Fatalf("GET /webhook: %d", rec.Code)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if rec.Code != 200 {
		t.Fatalf("healthz: %d", rec.Code)
	}
}

func TestConfigWithoutSecretsIsRefused(t *testing.T) {
	rules, _ := mapping.Parse("r.yaml", []byte(rulesYAML))
	if _, err := New(Config{MaxBody: 10, Rules: rules, Router: &fakeRouter{}}); err == nil || !strings.Contains(err.Error(), "BRIDGE_WEBHOOK_SECRET") {
		t.Fatalf("got %v", err)
	}
}
