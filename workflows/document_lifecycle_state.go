package workflows

import (
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/workflow"

	"github.com/xecm-bridge/xecm-bridge/activities"
)

// Stages of a document lifecycle, as shown in BridgeStage and the status
// query (StageClassifying and StageFailed are shared with PublishPage).
const (
	StageDraft     Stage = "Draft"     // the submitted version is being snapshotted into OTCS
	StageReview    Stage = "Review"    // a review is open
	StageRejected  Stage = "Rejected"  // changes requested; waiting for a newer page version
	StageApproved  Stage = "Approved"  // approved; about to be declared
	StageBlocked   Stage = "Blocked"   // the record is on hold; waiting for an operator's retry
	StageReturned  Stage = "Returned"  // declared and linked back on the page (final)
	StageWithdrawn Stage = "Withdrawn" // the author withdrew the review (final)
)

// maxDecisions bounds the decision log carried across continue-as-new.
const maxDecisions = 20

// LifecycleInput starts a lifecycle (or continues one: State is set).
type LifecycleInput struct {
	PageID       string
	Version      int // the submitted version (the starter resolves the current one)
	RequestedBy  string
	RoundsPerRun int             // 0 = DefaultRoundsPerRun
	State        *LifecycleState `json:",omitempty"` // carried over by continue-as-new
}

// SubmitRequest submits a page version (sent with SignalWithStart).
type SubmitRequest struct {
	Version int
	By      string
}

// WithdrawRequest cancels the review.
type WithdrawRequest struct {
	By, Reason string
}

// RetryRequest asks a Blocked lifecycle to try declaring again.
type RetryRequest struct {
	By string
}

// ReviewDecision is a reviewer's approve or reject Update.
type ReviewDecision struct {
	Reviewer    string
	PageVersion int // the version the reviewer looked at; must be the one under review
	Comment     string
}

// DecisionReceipt answers an accepted decision.
type DecisionReceipt struct {
	Round       int
	PageVersion int
	Decision    activities.Verdict
}

// Decision is one review outcome, kept as evidence.
type Decision struct {
	Round       int
	PageVersion int
	Decision    activities.Verdict // activities.VerdictApproved or VerdictRejected
	By          string
	Comment     string
	At          time.Time
	Via         string // "temporal" (Update), "otcs" (workflow process) or "confluence" (the reviewer's page comment)
}

// LifecycleState is the whole state of a lifecycle: the status query
// returns it and continue-as-new carries it. Ids and versions only.
type LifecycleState struct {
	PageID, SpaceKey, Title string
	Stage                   Stage
	Mode                    string // review mode of the space
	DecideIn                string `json:",omitempty"` // mapping.DecideInConfluence: reviewers decide by page comment (Updates refused)
	Round                   int
	PageVersion             int // the version under review (or last reviewed)
	SubmittedBy             string
	Reviewers               []string // allowed to decide now (deputies added on escalation)
	Escalated               bool
	Reminded                bool
	Decisions               []Decision
	NodeID                  int64
	OTCSVersion             int
	SHA256                  string
	Size                    int64
	URL                     string
	ProcessID               int64 // OTCS mode: the running review process
	ReviewOpened            time.Time
	ReminderAt, DeadlineAt  time.Time
	PendingVersion          int    // a newer version submitted, reviewed next
	Blocked                 string // why the record cannot be declared (the hold)
	Classification          string
	Finalized               bool
	Note                    string // the latest thing an operator should know
	Error                   string
	Plan                    activities.ReviewPlan
	Page                    *activities.PageSnapshot `json:",omitempty"` // the version under review
	Withdraw                *WithdrawRequest         `json:",omitempty"` // requested, not yet carried out
	RetryRequested          bool
}

// LifecycleResult is how a lifecycle ended.
type LifecycleResult struct {
	PageID         string
	Stage          Stage // StageReturned or StageWithdrawn
	PageVersion    int
	Rounds         int
	NodeID         int64
	OTCSVersion    int
	URL            string
	SHA256         string
	Classification string
	Finalized      bool
	Decisions      []Decision
}

// lifecycle is one run's working state: LifecycleState plus what does not
// survive continue-as-new (the channels, the decision not yet acted on).
type lifecycle struct {
	st           LifecycleState
	roundsPerRun int
	decision     *Decision // taken, not yet acted on
	wake         workflow.Channel
	submitCh     workflow.ReceiveChannel
	withdrawCh   workflow.ReceiveChannel
	retryCh      workflow.ReceiveChannel
	upserted     Stage
	logger       log.Logger
}
