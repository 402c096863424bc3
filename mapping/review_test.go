package mapping

import (
	"strings"
	"testing"
)

// withReview inserts a review section (indented 6 spaces) before rm: of
// the valid file; its "review:" key is on line 16, its first entry on line 17.
func withReview(body string) string {
	return strings.Replace(valid, "    rm:\n", "    review:\n"+body+"    rm:\n", 1)
}

func TestReviewDecideIn(t *testing.T) {
	parse := func(t *testing.T, src string) *Review {
		t.Helper()
		r, err := Parse("m.yaml", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		s, _ := r.ForSpace("POL")
		return s.Review
	}
	rv := parse(t, withReview("      folder: Review/Policies\n      reviewers: [reviewer1]\n"))
	if rv.Mode != ReviewTemporal || rv.DecideIn != DecideInTemporal {
		t.Fatalf("default: mode %q decide_in %q, want temporal/temporal (Updates)", rv.Mode, rv.DecideIn)
	}
	rv = parse(t, withReview("      folder: Review/Policies\n      decide_in: confluence\n      reviewers: [\"557058:rev1\"]\n      deputies: [\"557058:dep1\"]\n      poll_interval: 30s\n"))
	if rv.DecideIn != DecideInConfluence || rv.Reviewers[0] != "557058:rev1" || rv.PollInterval.Seconds() != 30 {
		t.Fatalf("review = %+v", rv)
	}
	if !strings.Contains(rv.Describe(), "page comments") {
		t.Fatalf("describe = %q", rv.Describe())
	}
	rv = parse(t, withReview("      mode: otcs\n      folder: Review/Policies\n      workflow_map: 5001\n"))
	if rv.DecideIn != ReviewOTCS {
		t.Fatalf("otcs mode decide_in = %q", rv.DecideIn)
	}
}

func TestReviewDecideInErrors(t *testing.T) {
	cases := []struct {
		name, body string
		want       []string
	}{
		{"unknown value", "      folder: Review/Policies\n      reviewers: [r1]\n      decide_in: email\n",
			[]string{`m.yaml:19: spaces.POL.review.decide_in: must be "temporal" (reviewers decide with starter approve/reject) or "confluence"`}},
		{"not a string", "      folder: Review/Policies\n      reviewers: [r1]\n      decide_in: [confluence]\n",
			[]string{"m.yaml:19: spaces.POL.review.decide_in: must be a string"}},
		{"otcs mode", "      mode: otcs\n      decide_in: confluence\n      folder: Review/Policies\n      workflow_map: 5001\n",
			[]string{`m.yaml:18: spaces.POL.review.decide_in: applies to mode "temporal" only`}},
		{"no reviewers", "      decide_in: confluence\n      folder: Review/Policies\n",
			[]string{`m.yaml:17: spaces.POL.review.reviewers: is required with decide_in "confluence": the Confluence account ids`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("m.yaml", []byte(withReview(tc.body)))
			if err == nil {
				t.Fatal("want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not contain %q:\n%v", w, err)
				}
			}
		})
	}
}
