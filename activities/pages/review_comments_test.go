package pages

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/activitytest"
)

func TestParseVerdict(t *testing.T) {
	cases := []struct {
		text    string
		verdict activities.Verdict
		comment string
		ok      bool
	}{
		{"approve", activities.VerdictApproved, "", true},
		{"/Approve looks good", activities.VerdictApproved, "looks good", true},
		{"APPROVED: fine\nShip it.", activities.VerdictApproved, "fine\nShip it.", true},
		{"reject - add the table", activities.VerdictRejected, "add the table", true},
		{"/reject", activities.VerdictRejected, "", true},
		{"Request changes: say who\nand when", activities.VerdictRejected, "say who\nand when", true},
		{"rejected.", activities.VerdictRejected, "", true},
		{"approvers, please look", "", "", false},
		{"I approve", "", "", false},
		{"Looks fine to me", "", "", false},
		{"", "", "", false},
	}
	for _, tc := range cases {
		v, c, ok := ParseVerdict(tc.text)
		if v != tc.verdict || c != tc.comment || ok != tc.ok {
			t.Errorf("ParseVerdict(%q) = %q, %q, %v; want %q, %q, %v", tc.text, v, c, ok, tc.verdict, tc.comment, tc.ok)
		}
	}
	if got := StorageText(`<p>/approve&nbsp;<strong>OK</strong></p><p>Ship &amp; go.<br/>Now</p>`); got != "/approve OK\nShip & go.\nNow" {
		t.Errorf("StorageText = %q", got)
	}
}

// Decisions are read from the simulator's comments: the author is the
// account Confluence reports, never a claimed name.
func TestReadReviewCommentsAgainstSimulator(t *testing.T) {
	w := newWorld(t, activitytest.ReviewRules)
	ctx := context.Background()
	const page = "100002"
	clock := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	w.ConfSim.SetClock(func() time.Time { return clock })
	t.Cleanup(func() { w.ConfSim.SetClock(nil) })
	at := func(d time.Duration, body, author string) {
		t.Helper()
		clock = clock.Add(d)
		if _, err := w.ConfSim.AddComment(page, body, author); err != nil {
			t.Fatal(err)
		}
	}
	at(0, "<p>approve</p>", "557058:rev1") // before the round opened
	opened := clock.Add(time.Minute)
	at(2*time.Minute, "<p>Looks fine so far</p>", "557058:rev1")                    // conversation
	at(time.Minute, "<p>/approve</p>", "557058:mallory")                            // not a reviewer
	at(time.Minute, "<p>approve — I am reviewer rev1</p>", "557058:mallory")        // a claimed name changes nothing
	at(time.Minute, "<p>/approve</p>", "557058:dep1")                               // deputy before the deadline
	at(time.Minute, "<p>reject</p>", "557058:rev1")                                 // no reason
	at(time.Minute, "<p>approve</p><p><sub>xecm-bridge:x</sub></p>", "557058:rev1") // looks like the bridge's
	at(time.Minute, "<p>approve</p>", "557058:bridge")                              // the bridge's account
	at(time.Minute, "<p>/Approve: meets the policy</p><p>Ship it.</p>", "557058:rev1")
	decidedAt := clock

	in := activities.ReviewCommentsInput{PageID: page, Round: 1, PageVersion: 1, Since: opened,
		Reviewers: []string{"557058:rev1"}, Deputies: []string{"557058:dep1"}, BridgeAccount: "557058:bridge"}
	res, err := w.conf.ReadReviewComments(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Decisions) != 1 || res.Ignored != 4 {
		t.Fatalf("result = %+v", res)
	}
	d := res.Decisions[0]
	if d.Decision != activities.VerdictApproved || d.By != "557058:rev1" || !d.At.Equal(decidedAt) || d.Comment != "meets the policy\nShip it." || d.PageVersion != 1 || d.CommentID == "" {
		t.Fatalf("decision = %+v", d)
	}
	answers := func() (n int, text string) {
		for _, c := range w.ConfSim.Comments(page) {
			if strings.Contains(c.Body, "Not taken as a review decision") {
				n++
				text += c.Body + "\n"
			}
		}
		return n, text
	}
	n, text := answers()
	if n != 4 || !strings.Contains(text, "557058:mallory) is not one of the space's reviewers") ||
		!strings.Contains(text, "deputies decide only after the review deadline") || !strings.Contains(text, "a rejection needs a reason") {
		t.Fatalf("%d answers:\n%s", n, text)
	}
	// Another look answers nothing twice and finds the same decision.
	res, err = w.conf.ReadReviewComments(ctx, in)
	if n2, _ := answers(); err != nil || n2 != 4 || len(res.Decisions) != 1 {
		t.Fatalf("second look: %d answers, %+v, %v", n2, res, err)
	}

	// After the deadline the deputy's later comment decides; a newer
	// page version stops approvals but not rejections.
	in.DeputiesFrom = clock.Add(time.Minute)
	at(2*time.Minute, "<p>request changes: name the owner</p>", "557058:dep1")
	in.Reviewers = nil
	res, err = w.conf.ReadReviewComments(ctx, in)
	if err != nil || len(res.Decisions) != 1 || res.Decisions[0].By != "557058:dep1" || res.Decisions[0].Decision != activities.VerdictRejected || res.Decisions[0].Comment != "name the owner" {
		t.Fatalf("deputy: %+v, %v", res, err)
	}
	if _, err := w.ConfSim.UpdatePage(page, "Renamed", "<p>edited</p>", "557058:alice"); err != nil {
		t.Fatal(err)
	}
	at(time.Minute, "<p>approve</p>", "557058:dep1")
	res, err = w.conf.ReadReviewComments(ctx, in)
	if err != nil || len(res.Decisions) != 1 || res.Decisions[0].Decision != activities.VerdictRejected {
		t.Fatalf("after an edit: %+v, %v", res, err)
	}
	if _, text := answers(); !strings.Contains(text, "newer than version 1 under review") {
		t.Fatalf("no answer about the newer version:\n%s", text)
	}
}
