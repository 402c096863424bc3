package activities

import (
	"testing"

	"github.com/xecm-bridge/xecm-bridge/mapping"
)

func TestDecideRoutesByTheShippedMapping(t *testing.T) {
	rules, err := mapping.LoadFile("../mapping.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		space, title string
		labels       []string
		want         Flow
	}{
		{"POL", "Records Retention Policy", []string{"approved", "dept-legal"}, FlowPublish},
		{"POL", "2026-11-20 Records Committee meeting notes", nil, FlowFile},
		{"POL", "Standup", []string{"meeting-notes", "approved"}, FlowFile},         // records take precedence
		{"POL", "Q3 Decision Log", nil, FlowFile},                                   // by title
		{"POL", "Travel Policy", []string{"in-review", "dept-finance"}, FlowReview}, // submit label
		{"POL", "Travel Policy", []string{"otcs-approved"}, FlowNone},               // returned by a lifecycle: not republished
		{"POL", "Draft", []string{"draft"}, FlowNone},
		{"ENG", "Build Guide", []string{"approved"}, FlowNone}, // unmapped space
	}
	for _, tc := range cases {
		got, reason := Decide(rules, tc.space, tc.title, tc.labels)
		if got != tc.want {
			t.Errorf("%s %q %v: got %s (%s), want %s", tc.space, tc.title, tc.labels, got, reason, tc.want)
		}
		if reason == "" {
			t.Errorf("%s %q: no reason given", tc.space, tc.title)
		}
	}
}
