package activitytest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/opentext"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
)

// BaseRules map the POL space: approval by label, a folder and a category.
const BaseRules = `otcs:
  root: 2000
spaces:
  POL:
    approval: {label: approved}
    folder: Controlled Documents/Policies
    category:
      id: 9001
      attributes:
        Source Page ID: {from: page.id}
        Source Version: {from: page.version}
        Department: {label: "dept-"}
`

// ReviewRules are BaseRules with RM data and a review in OTCS.
const ReviewRules = BaseRules + `    rm: {classification: 7001, official: true}
    review:
      mode: otcs
      folder: Review/Policies
      workflow_map: 5001
`

// RepoMapping is the repository's mapping.yaml (its access: section maps
// legal to Legal and keeps RM Administrators; it has documents: and
// templates: sections).
func RepoMapping(t testing.TB) string {
	t.Helper()
	_, here, _, _ := runtime.Caller(0)
	data, err := os.ReadFile(filepath.Join(filepath.Dir(here), "..", "..", "mapping.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// ErrType is the type of an activity's error, with " (retryable)" after it
// when a retry may succeed.
func ErrType(err error) activities.ErrorType {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		if appErr.NonRetryable() {
			return activities.ErrorType(appErr.Type())
		}
		return activities.ErrorType(appErr.Type() + " (retryable)")
	}
	return activities.ErrorType(fmt.Sprintf("not an application error: %v", err))
}

// KillOn makes the requests it matches fail at the transport, as if the
// worker died just before sending them.
type KillOn struct {
	Match func(*http.Request) bool
	Next  http.RoundTripper
}

// RoundTrip fails a matching request and sends any other.
func (k KillOn) RoundTrip(r *http.Request) (*http.Response, error) {
	if k.Match(r) {
		return nil, errors.New("worker killed")
	}
	return k.Next.RoundTrip(r)
}

// noRetries makes a client give up at the first failure, as a worker that
// died would.
var noRetries = rest.RetryConfig{Max: -1, WaitMin: time.Millisecond, WaitMax: time.Millisecond}

// OTCSVia is a client of the OTCS simulator that sends through rt and
// never retries.
func (w *World) OTCSVia(t testing.TB, rt http.RoundTripper) *opentext.Client {
	t.Helper()
	ot, err := opentext.New(opentext.Config{BaseURL: w.OTURL, Username: "bridge", Password: "bridge-secret",
		Retry: noRetries, HTTPClient: &http.Client{Transport: rt}})
	if err != nil {
		t.Fatal(err)
	}
	return ot
}

// ConfluenceVia is a client of the Confluence simulator that sends
// through rt and never retries.
func (w *World) ConfluenceVia(t testing.TB, rt http.RoundTripper) *confluence.Client {
	t.Helper()
	conf, err := confluence.New(confluence.Config{BaseURL: w.ConfURL, Email: "bridge@example.com", APIToken: "demo-token",
		Retry: noRetries, HTTPClient: &http.Client{Transport: rt}})
	if err != nil {
		t.Fatal(err)
	}
	return conf
}

// ApprovedPage makes a POL page with body, approved by alice (an
// operator's approval of version 1).
func (w *World) ApprovedPage(t testing.TB, title, body string) string {
	t.Helper()
	p := w.ConfSim.CreatePage("POL", title, body, "557058:editor", "approved", "dept-legal")
	if err := activities.RecordApproval(context.Background(), w.Conf, p.ID, activities.Approval{PageVersion: 1, By: "557058:alice", Source: activities.ApprovalByOperator}); err != nil {
		t.Fatal(err)
	}
	return p.ID
}

// PagesTitled counts the current pages of that title.
func (w *World) PagesTitled(title string) int {
	n := 0
	for _, p := range w.ConfSim.Pages() {
		if p.Title == title && p.Status == "current" {
			n++
		}
	}
	return n
}

// Person is a Confluence client acting as one of the simulator's people
// (email and API token), which never retries.
func (w *World) Person(t testing.TB, email, token string) *confluence.Client {
	t.Helper()
	c, err := confluence.New(confluence.Config{BaseURL: w.ConfURL, Email: email, APIToken: token, Retry: noRetries})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
