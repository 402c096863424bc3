package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	"github.com/xecm-bridge/xecm-bridge/mapping"
)

// ApprovalPropertyKey is the content property where the bridge keeps the
// approvals of a page: which version, who, when, by which act, with what
// meaning. A content property makes no page version, so writing it never
// triggers a flow, and the bridge can read the evidence back at publish.
const ApprovalPropertyKey = "xecm-bridge.approval"

// UnknownApprover is what a record says when a page carries the approval
// label but nobody recorded who added it (e.g. found by reconciliation).
const UnknownApprover = "unknown (label present)"

// How an approval was given.
const (
	ApprovalByLabel    = "label"         // the approval label, added by a known account (webhook actor)
	ApprovalByState    = "content-state" // a Confluence Cloud content state; the approver authored that version
	ApprovalByOperator = "operator"      // `starter approve-publish --as USER`
)

// maxApprovals bounds the history kept in the property.
const maxApprovals = 50

// Approval is the evidence of one approval of one page version.
type Approval struct {
	PageVersion int       `json:"pageVersion"`
	By          string    `json:"by"`
	At          time.Time `json:"at"`
	Source      string    `json:"source"` // ApprovalByLabel, ApprovalByState or ApprovalByOperator
	Signal      string    `json:"signal"` // human-readable: `label "approved" added by 557058:alice`
	Meaning     string    `json:"meaning"`
	// StateSetAt is when the content state of a content-state approval
	// was set, as Confluence reports it; it tells that state change apart
	// from a later save that kept the state.
	StateSetAt time.Time `json:"stateSetAt,omitzero"`
}

// ApprovalLog is the property's value: approvals, oldest first.
type ApprovalLog struct {
	Approvals []Approval `json:"approvals"`
}

// ForVersion returns the approval of exactly that version, or nil.
func (l *ApprovalLog) ForVersion(v int) *Approval {
	for i := len(l.Approvals) - 1; i >= 0; i-- {
		if l.Approvals[i].PageVersion == v {
			return &l.Approvals[i]
		}
	}
	return nil
}

// latest returns the approval of the highest version, or nil.
func (l *ApprovalLog) latest() *Approval {
	var best *Approval
	for i := range l.Approvals {
		if best == nil || l.Approvals[i].PageVersion > best.PageVersion {
			best = &l.Approvals[i]
		}
	}
	return best
}

func ReadApprovals(ctx context.Context, c *confluence.Client, pageID string) (*ApprovalLog, error) {
	return approvalsOf(ctx, c, &confluence.Page{ID: pageID})
}

// approvalsOf is the page's approval log, from the properties GetPage
// included when it included them whole.
func approvalsOf(ctx context.Context, c *confluence.Client, page *confluence.Page) (*ApprovalLog, error) {
	prop, err := PageProperty(ctx, c, page, ApprovalPropertyKey)
	if err != nil {
		return nil, BackendError("read approvals", err)
	}
	if prop == nil {
		return &ApprovalLog{}, nil
	}
	return parseApprovals(page.ID, prop)
}

func parseApprovals(pageID string, prop *confluence.Property) (*ApprovalLog, error) {
	var log ApprovalLog
	if err := json.Unmarshal(prop.Value, &log); err != nil {
		return nil, NonRetryable(TypeBackendRejected, "content property %s of page %s is not an approval log (%v); fix or delete it", ApprovalPropertyKey, pageID, err)
	}
	return &log, nil
}

// RecordApproval adds an approval to the page's approval log. Recording
// the same approval again (a retry, a redelivered event) changes nothing;
// a different approver of the same version replaces the earlier entry.
func RecordApproval(ctx context.Context, c *confluence.Client, pageID string, ap Approval) error {
	log, err := ReadApprovals(ctx, c, pageID)
	if err != nil {
		return err
	}
	if prev := log.ForVersion(ap.PageVersion); prev != nil && prev.By == ap.By && prev.Source == ap.Source {
		return nil
	}
	kept := log.Approvals[:0]
	for _, a := range log.Approvals {
		if a.PageVersion != ap.PageVersion {
			kept = append(kept, a)
		}
	}
	log.Approvals = append(kept, ap)
	if n := len(log.Approvals); n > maxApprovals {
		log.Approvals = log.Approvals[n-maxApprovals:]
	}
	if _, err := c.SetProperty(ctx, pageID, ApprovalPropertyKey, log); err != nil {
		return BackendError("record approval", err)
	}
	return nil
}

// ApprovalVerdict is what the bridge knows about the approval of one page
// version.
type ApprovalVerdict struct {
	Approved *Approval // the evidence; nil when the version is not approved
	// Edited is set when the page carries the approval signal but the
	// version is an edit made after an earlier version was approved.
	Edited *Approval
	Reason string    // why the version is not approved
	Type   ErrorType // the error type for Reason
}

// Why is the verdict as a route reason: the error type, then the reason
// (skipKind reads the type back from the front of it).
func (v *ApprovalVerdict) Why() string {
	return string(v.Type) + ": " + v.Reason
}

// Judge decides whether page version v (of a page whose current labels
// are given) is approved under the space's rules. With record it may
// record an approval it can prove (a content state set by a known
// author); without, it only reads (a dry run). current says that v is
// known to be the page's current version; otherwise it is read when it
// matters (a content state describes the current version only).
// A known approver must be someone other than the version's author
// (unless the space allows self-approval) and in the space's approvers
// group when it names one.
func Judge(ctx context.Context, c *confluence.Client, space *mapping.Space, page *confluence.Page, labels []string, current, record bool) (*ApprovalVerdict, error) {
	verdict, err := judgeSignal(ctx, c, space, page, labels, current, record)
	if err != nil || verdict.Approved == nil || verdict.Approved.By == UnknownApprover {
		return verdict, err
	}
	return checkApprover(ctx, c, space, page, verdict)
}

// checkApprover refuses an approval by the version's own author (the
// author of the content approved: for a content-state approval, which
// copies the body, the version before) or by someone outside the space's
// approvers group.
func checkApprover(ctx context.Context, c *confluence.Client, space *mapping.Space, page *confluence.Page, verdict *ApprovalVerdict) (*ApprovalVerdict, error) {
	ap := verdict.Approved
	rules := space.Approval
	if !rules.AllowSelfApproval {
		author := page.Version.AuthorID
		if ap.Source == ApprovalByState && page.Version.Number > 1 {
			prev, err := c.GetPage(ctx, page.ID, confluence.GetPageOptions{Version: page.Version.Number - 1})
			if err != nil {
				return nil, BackendError("read the approved content's version", err)
			}
			author = prev.Version.AuthorID
		}
		if author != "" && author == ap.By {
			return &ApprovalVerdict{Type: TypeSelfApproval, Reason: fmt.Sprintf(
				"Confluence page %s version %d was approved by its own author %s; space %s wants someone else's approval (approval.self_approval: allow permits it)",
				page.ID, page.Version.Number, ap.By, space.Key)}, nil
		}
	}
	if rules.Approvers == "" {
		return verdict, nil
	}
	groups, err := c.GroupsOf(ctx, ap.By)
	if err != nil && !rest.IsKind(err, rest.KindNotFound) {
		return nil, BackendError("read the groups of approver "+ap.By, err)
	}
	for _, g := range groups {
		if strings.EqualFold(g.Name, rules.Approvers) {
			return verdict, nil
		}
	}
	return &ApprovalVerdict{Type: TypeNotAnApprover, Reason: fmt.Sprintf(
		"Confluence page %s version %d was approved by %s, who is not in space %s's approvers group %q",
		page.ID, page.Version.Number, ap.By, space.Key, rules.Approvers)}, nil
}

// judgeSignal reads the approval signal of the version.
func judgeSignal(ctx context.Context, c *confluence.Client, space *mapping.Space, page *confluence.Page, labels []string, current, record bool) (*ApprovalVerdict, error) {
	rules := space.Approval
	log, err := approvalsOf(ctx, c, page)
	if err != nil {
		return nil, err
	}
	v := page.Version.Number
	if ap := log.ForVersion(v); ap != nil {
		return &ApprovalVerdict{Approved: ap}, nil
	}
	if rules.State != "" && !current {
		cur, err := c.GetPage(ctx, page.ID, confluence.GetPageOptions{})
		if err != nil {
			return nil, BackendError("read current page version", err)
		}
		current = cur.Version.Number == v
	}
	if rules.State != "" && current {
		verdict, err := judgeState(ctx, c, rules, page, log, record)
		if err != nil || verdict != nil {
			return verdict, err
		}
	}
	labelled := rules.Label != "" && slices.Contains(labels, rules.Label)
	if !labelled {
		return &ApprovalVerdict{Type: TypeNotApproved, Reason: notApprovedReason(space, page)}, nil
	}
	if last := log.latest(); last != nil {
		if last.PageVersion > v {
			return &ApprovalVerdict{Type: TypeNotApproved, Reason: fmt.Sprintf("Confluence page %s version %d is not approved: version %d is (by %s)", page.ID, v, last.PageVersion, last.By)}, nil
		}
		return &ApprovalVerdict{Edited: last, Type: TypeEditedAfterApproval, Reason: fmt.Sprintf(
			"Confluence page %s version %d was edited after version %d was approved (by %s); approve version %d again to publish it",
			page.ID, v, last.PageVersion, last.By, v)}, nil
	}
	if rules.RequireKnownApprover {
		return &ApprovalVerdict{Type: TypeUnknownApprover, Reason: fmt.Sprintf(
			"Confluence page %s carries the label %q but the bridge does not know who added it, and space %s requires a known approver; remove and add the label again (the webhook names who adds it), or run `starter approve-publish --page %s --version %d --as USER`",
			page.ID, rules.Label, space.Key, page.ID, v)}, nil
	}
	return &ApprovalVerdict{Approved: &Approval{
		PageVersion: v, By: UnknownApprover, At: page.Version.CreatedAt, Source: ApprovalByLabel,
		Signal: fmt.Sprintf("label %q present; who added it, and when, is unknown (the date is the version's)", rules.Label), Meaning: rules.Meaning,
	}}, nil
}

// judgeState applies Confluence Cloud's native approval act: setting the
// space's approval content state publishes a new page version, with the
// body unchanged, authored by whoever set it. That version is approved, by
// its author. A later version keeps the state but was not made by setting
// it, whether it changed the body or not: it is not approved. nil means
// the state says nothing (not set, or Data Center).
func judgeState(ctx context.Context, c *confluence.Client, rules mapping.Approval, page *confluence.Page, log *ApprovalLog, record bool) (*ApprovalVerdict, error) {
	state, err := c.ContentState(ctx, page.ID)
	if err != nil {
		return nil, BackendError("read content state", err)
	}
	if state == nil || !strings.EqualFold(state.Name, rules.State) {
		return nil, nil
	}
	v := page.Version.Number
	setHere, err := stateSetBy(ctx, c, page, state, log)
	if err != nil {
		return nil, err
	}
	if !setHere {
		edited := log.latest()
		if edited == nil {
			edited = &Approval{Source: ApprovalByState, Signal: fmt.Sprintf("content state %q", state.Name)}
		}
		return &ApprovalVerdict{Edited: edited, Type: TypeEditedAfterApproval, Reason: fmt.Sprintf(
			"Confluence page %s version %d was saved after its content state was set to %q; set the state again to approve version %d",
			page.ID, v, state.Name, v)}, nil
	}
	ap := Approval{
		PageVersion: v, By: page.Version.AuthorID, At: page.Version.CreatedAt, Source: ApprovalByState, StateSetAt: state.UpdatedAt,
		Signal: fmt.Sprintf("content state %q set by %s", state.Name, page.Version.AuthorID), Meaning: rules.Meaning,
	}
	if !record {
		return &ApprovalVerdict{Approved: &ap}, nil
	}
	if err := RecordApproval(ctx, c, page.ID, ap); err != nil {
		return nil, err
	}
	return &ApprovalVerdict{Approved: &ap}, nil
}

// stateSetBy says whether page version v is the version that setting the
// content state made: it has the same title and body as v-1, the state
// changed after v-1 was made, and the bridge has not already seen this
// state change approve an earlier version. A save without changes after
// the state was set fails the last two tests, so its author is never
// taken for the approver.
func stateSetBy(ctx context.Context, c *confluence.Client, page *confluence.Page, state *confluence.ContentState, log *ApprovalLog) (bool, error) {
	v := page.Version.Number
	if v <= 1 {
		return false, nil
	}
	if !state.UpdatedAt.IsZero() {
		for _, a := range log.Approvals {
			if a.Source == ApprovalByState && a.PageVersion < v && a.StateSetAt.Equal(state.UpdatedAt) {
				return false, nil
			}
		}
	}
	cur, err := c.GetPage(ctx, page.ID, confluence.GetPageOptions{Version: v, BodyFormat: "storage"})
	if err != nil {
		return false, BackendError("read page body", err)
	}
	prev, err := c.GetPage(ctx, page.ID, confluence.GetPageOptions{Version: v - 1, BodyFormat: "storage"})
	if err != nil {
		return false, BackendError("read previous page body", err)
	}
	if cur.Body != prev.Body || cur.Title != prev.Title {
		return false, nil
	}
	return state.UpdatedAt.IsZero() || prev.Version.CreatedAt.Before(state.UpdatedAt), nil
}

func notApprovedReason(space *mapping.Space, page *confluence.Page) string {
	var want []string
	if space.Approval.Label != "" {
		want = append(want, fmt.Sprintf("the label %q", space.Approval.Label))
	}
	if space.Approval.State != "" {
		want = append(want, fmt.Sprintf("the content state %q", space.Approval.State))
	}
	return fmt.Sprintf("Confluence page %s (%q, version %d) is not approved: it lacks %s that space %s requires",
		page.ID, page.Title, page.Version.Number, strings.Join(want, " or "), space.Key)
}
