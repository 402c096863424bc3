package triggers

import (
	"testing"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/mapping"
)

func TestDecideRoutesByTheShippedMapping(t *testing.T) {
	rules, err := mapping.LoadFile("../../mapping.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		space, title string
		labels       []string
		want         activities.Flow
	}{
		{"POL", "Records Retention Policy", []string{"approved", "dept-legal"}, activities.FlowPublish},
		{"POL", "2026-11-20 Records Committee meeting notes", nil, activities.FlowFile},
		{"POL", "Standup", []string{"meeting-notes", "approved"}, activities.FlowFile},         // records take precedence
		{"POL", "Q3 Decision Log", nil, activities.FlowFile},                                   // by title
		{"POL", "Travel Policy", []string{"in-review", "dept-finance"}, activities.FlowReview}, // submit label
		{"POL", "Travel Policy", []string{"otcs-approved"}, activities.FlowNone},               // returned by a lifecycle: not republished
		{"POL", "Draft", []string{"draft"}, activities.FlowNone},
		{"ENG", "Build Guide", []string{"approved"}, activities.FlowNone}, // unmapped space
	}
	for _, tc := range cases {
		got, reason := activities.Decide(rules, tc.space, tc.title, tc.labels)
		if got != tc.want {
			t.Errorf("%s %q %v: got %s (%s), want %s", tc.space, tc.title, tc.labels, got, reason, tc.want)
		}
		if reason == "" {
			t.Errorf("%s %q: no reason given", tc.space, tc.title)
		}
	}
}
