package mapping

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Review modes: who decides on a draft (flow F7, DocumentLifecycle).
const (
	ReviewTemporal = "temporal" // reviewers decide through a workflow Update (starter approve/reject)
	ReviewOTCS     = "otcs"     // an OTCS workflow map decides; the bridge follows the process
)

// Where reviewers decide in mode temporal (review.decide_in).
const (
	// DecideInTemporal (the default): a reviewer's approve/reject arrives
	// as a workflow Update (starter approve/reject --as). The identity is
	// asserted by whoever may send Updates to the namespace.
	DecideInTemporal = "temporal"
	// DecideInConfluence: a reviewer decides with a page comment made by
	// their own Confluence account; the bridge reads the comments back and
	// takes the author from Confluence, never from a claimed name.
	DecideInConfluence = "confluence"
)

// RuleReview is the Target.Rule of a space's review folder.
const RuleReview = "review"

// Review is a space's document-lifecycle rule: where drafts wait in OTCS,
// who reviews them and how, the deadlines, the labels the bridge sets and
// what happens to the page once its record is declared.
type Review struct {
	Line          int
	Mode          string        // ReviewTemporal or ReviewOTCS
	DecideIn      string        // mode temporal: DecideInTemporal (default) or DecideInConfluence; mode otcs: ReviewOTCS
	Target                      // the review folder: the publish rule's category, with Folder from review.folder
	Reviewers     []string      // temporal mode: who may approve or reject (Confluence account ids with decide_in confluence)
	Deputies      []string      // become reviewers when the deadline passes
	WorkflowMap   int64         // otcs mode: the workflow map to initiate
	Deadline      time.Duration // from the opening of a review to escalation
	Reminder      time.Duration // how long before the deadline to remind
	PollInterval  time.Duration // otcs mode / decide_in confluence: how often to read the process status or the page comments
	Meaning       string        // the meaning of an approval, recorded as evidence
	SubmitLabel   string        // set while a version is in review
	ChangesLabel  string        // set when a review rejected the draft
	ApprovedLabel string        // replaces both once the record is declared
	ReadOnly      bool          // restrict page edits to the bridge and the owners after approval
	OwnersGroup   string        // group that keeps edit rights on a read-only page
	BridgeAccount string        // the bridge's Confluence account id (kept on the restriction)
}

// Review defaults.
const (
	DefaultReviewDeadline = 5 * 24 * time.Hour
	DefaultReviewReminder = 24 * time.Hour
	DefaultPollInterval   = time.Minute
	DefaultMeaning        = "Approved for release as a controlled document"
)

// duration reads "90s", "1m", "72h" or "5d".
func (p *parser) duration(n *yaml.Node, rule string) time.Duration {
	s := strings.TrimSpace(n.Value)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if v, err := strconv.Atoi(days); err == nil && v > 0 {
			return time.Duration(v) * 24 * time.Hour
		}
	}
	d, err := time.ParseDuration(s)
	if n.Kind != yaml.ScalarNode || err != nil || d <= 0 {
		p.fail(n, rule, "must be a positive duration such as 90s, 30m, 72h or 5d, got %q", n.Value)
		return 0
	}
	return d
}

func (p *parser) names(n *yaml.Node, rule string) []string {
	if n.Kind != yaml.SequenceNode {
		p.fail(n, rule, "must be a list of account names")
		return nil
	}
	var out []string
	for _, v := range n.Content {
		if s := p.str(v, rule); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// review reads spaces.<key>.review; publish is the space's publish rule,
// whose category and RM policy the review folder shares.
func (p *parser) review(rule string, n *yaml.Node, publish Target) *Review {
	r := &Review{Line: n.Line, Mode: ReviewTemporal, Deadline: DefaultReviewDeadline, Reminder: DefaultReviewReminder,
		PollInterval: DefaultPollInterval, Meaning: DefaultMeaning,
		SubmitLabel: "in-review", ChangesLabel: "changes-requested", ApprovedLabel: "otcs-approved"}
	f := p.fields(n, rule, "mode", "decide_in", "folder", "reviewers", "deputies", "workflow_map", "deadline", "reminder",
		"poll_interval", "meaning", "labels", "read_only", "owners_group", "bridge_account")
	if m, ok := f["mode"]; ok {
		r.Mode = p.str(m, rule+".mode")
		if r.Mode != ReviewTemporal && r.Mode != ReviewOTCS {
			p.fail(m, rule+".mode", "must be %q (reviewers decide with starter approve/reject) or %q (an OTCS workflow map decides), got %q", ReviewTemporal, ReviewOTCS, r.Mode)
		}
	}
	r.DecideIn = DecideInTemporal
	if r.Mode == ReviewOTCS {
		r.DecideIn = ReviewOTCS
	}
	if v, ok := f["decide_in"]; ok {
		d := p.str(v, rule+".decide_in")
		switch {
		case d != DecideInTemporal && d != DecideInConfluence:
			p.fail(v, rule+".decide_in", "must be %q (reviewers decide with starter approve/reject) or %q (reviewers decide with a page comment made by their own Confluence account), got %q", DecideInTemporal, DecideInConfluence, d)
		case r.Mode == ReviewOTCS:
			p.fail(v, rule+".decide_in", "applies to mode %q only: in mode %q the decision is taken on the OTCS task; remove decide_in or use mode %q", ReviewTemporal, ReviewOTCS, ReviewTemporal)
		default:
			r.DecideIn = d
		}
	}
	r.Target = publish
	r.Target.Rule = RuleReview
	r.Target.RM = nil // a draft is never classified as a record
	r.Target.Folder = nil
	if fo, ok := f["folder"]; ok {
		r.Target.Folder = p.folder(fo, rule+".folder")
	}
	if len(r.Target.Folder) == 0 {
		p.fail(n, rule+".folder", "is required: the OTCS folder path (under otcs.root) where drafts wait for review, e.g. \"Review/Policies\"")
	}
	if v, ok := f["reviewers"]; ok {
		r.Reviewers = p.names(v, rule+".reviewers")
	}
	if v, ok := f["deputies"]; ok {
		r.Deputies = p.names(v, rule+".deputies")
	}
	if v, ok := f["workflow_map"]; ok {
		r.WorkflowMap = p.id(v, rule+".workflow_map")
	}
	switch {
	case r.Mode == ReviewTemporal && len(r.Reviewers) == 0 && r.DecideIn == DecideInConfluence:
		p.fail(n, rule+".reviewers", "is required with decide_in %q: the Confluence account ids whose page comments approve or reject", DecideInConfluence)
	case r.Mode == ReviewTemporal && len(r.Reviewers) == 0:
		p.fail(n, rule+".reviewers", "is required in mode %q: the accounts that may approve or reject", ReviewTemporal)
	case r.Mode == ReviewOTCS && r.WorkflowMap == 0 && f["workflow_map"] == nil:
		p.fail(n, rule+".workflow_map", "is required in mode %q: the node id of the OTCS workflow map to initiate", ReviewOTCS)
	}
	if v, ok := f["deadline"]; ok {
		r.Deadline = p.duration(v, rule+".deadline")
	}
	if v, ok := f["reminder"]; ok {
		r.Reminder = p.duration(v, rule+".reminder")
		if r.Deadline > 0 && r.Reminder >= r.Deadline {
			p.fail(v, rule+".reminder", "must be shorter than the deadline (%s): it is how long before the deadline the reminder comes", r.Deadline)
		}
	} else if r.Reminder >= r.Deadline {
		r.Reminder = r.Deadline / 2
	}
	if v, ok := f["poll_interval"]; ok {
		r.PollInterval = p.duration(v, rule+".poll_interval")
	}
	if v, ok := f["meaning"]; ok {
		r.Meaning = p.str(v, rule+".meaning")
	}
	if v, ok := f["labels"]; ok {
		lf := p.fields(v, rule+".labels", "submitted", "changes_requested", "approved")
		if l, ok := lf["submitted"]; ok {
			r.SubmitLabel = p.str(l, rule+".labels.submitted")
		}
		if l, ok := lf["changes_requested"]; ok {
			r.ChangesLabel = p.str(l, rule+".labels.changes_requested")
		}
		if l, ok := lf["approved"]; ok {
			r.ApprovedLabel = p.str(l, rule+".labels.approved")
		}
	}
	if v, ok := f["read_only"]; ok {
		r.ReadOnly = p.boolean(v, rule+".read_only")
	}
	if v, ok := f["owners_group"]; ok {
		r.OwnersGroup = p.str(v, rule+".owners_group")
	}
	if v, ok := f["bridge_account"]; ok {
		r.BridgeAccount = p.str(v, rule+".bridge_account")
	}
	if r.ReadOnly && r.BridgeAccount == "" {
		p.fail(n, rule+".bridge_account", "is required with read_only: true (the bridge's Confluence account id); without it the bridge would lock itself out of the page")
	}
	return r
}

// Allowed reports whether who may decide on a review: a reviewer, or a
// deputy once the review was escalated.
func (r *Review) Allowed(who string, escalated bool) bool {
	for _, x := range r.Reviewers {
		if x == who {
			return true
		}
	}
	if escalated {
		for _, x := range r.Deputies {
			if x == who {
				return true
			}
		}
	}
	return false
}

// Describe says how a space reviews, for messages.
func (r *Review) Describe() string {
	if r.Mode == ReviewOTCS {
		return fmt.Sprintf("OTCS workflow map %d", r.WorkflowMap)
	}
	if r.DecideIn == DecideInConfluence {
		return "page comments by reviewers " + strings.Join(r.Reviewers, ", ")
	}
	return "reviewers " + strings.Join(r.Reviewers, ", ")
}
