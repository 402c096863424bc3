package workflows

import (
	"errors"
	"fmt"
	"strconv"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/pages"
	"github.com/xecm-bridge/xecm-bridge/activities/records"
	"github.com/xecm-bridge/xecm-bridge/internal/metrics"
)

// PublishPageInput names the approved page version to publish.
type PublishPageInput struct {
	PageID      string
	Version     int    // the approved version; 0 = whatever is current when the run starts
	RequestedBy string // who or what started it (CLI user, webhook, schedule)
	// Approval, when set, is an operator's record of who approved Version
	// (`starter approve-publish`); ReadPage records it on the page first.
	Approval *activities.Approval `json:",omitempty"`
}

// PublishPageResult is the record the page version became.
type PublishPageResult struct {
	PageID         string
	PageVersion    int
	Title          string
	SpaceKey       string
	NodeID         int64
	OTCSVersion    int
	Name           string
	URL            string
	SHA256         string
	Size           int64
	Created        bool // first publish of this page
	Reused         bool // this version was already in OTCS (a repeated publish)
	Classification string
	Rule           string // mapping rule that filed it: "publish" or "record:<type>"
	RecordType     string // for filed records
	// Rendition describes a PDF rendition ("PDF/A-3b, 4 pages"; empty for
	// MHTML); Blocked lists the external URLs the page refers to that were
	// left out (never fetched).
	Rendition string   `json:",omitempty"`
	Blocked   []string `json:",omitempty"`
	// Access is whom the page was read-restricted to when filed ("not
	// restricted", or the groups and users), which the record's access
	// list follows.
	Access string `json:",omitempty"`
}

// PublishStatus answers the "status" query.
type PublishStatus struct {
	Stage       Stage
	PageID      string
	PageVersion int
	NodeID      int64
	OTCSVersion int
	Error       string
}

// StatusQuery is the query that returns a run's PublishStatus.
const StatusQuery = "status"

// PublishPageWorkflowID is the run's id: one publish per page version, so a
// duplicate trigger finds the existing run instead of starting another.
func PublishPageWorkflowID(pageID string, version int) string {
	return fmt.Sprintf("publish:%s:v%d", pageID, version)
}

// PublishPage publishes an approved Confluence page version into OTCS as a
// controlled record: read and check the page, stream its rendition into
// OTCS (new document or new version), set category and RM classification,
// verify the stored checksum, and link the record back on the page.
func PublishPage(ctx workflow.Context, in PublishPageInput) (*PublishPageResult, error) {
	return runRecordFlow(ctx, in, activities.PurposePublish)
}

// runRecordFlow is the script PublishPage and FileRecord share: both turn
// one page version into exactly one OTCS record version; they differ only
// in the rule the page must satisfy (approval, or a record rule).
func runRecordFlow(ctx workflow.Context, in PublishPageInput, purpose activities.Purpose) (*PublishPageResult, error) {
	p := &publishRun{in: in, purpose: purpose, status: PublishStatus{Stage: StageReading, PageID: in.PageID, PageVersion: in.Version}}
	if err := p.setup(ctx); err != nil {
		return nil, err
	}
	res, err := p.run(ctx)
	if err != nil {
		p.failed(ctx, err)
		p.explainRefusal(ctx, err)
		return nil, err
	}
	return res, nil
}

// explainRefusal tells the page why a version whose read access the
// bridge could not carry into OTCS was not filed (the run fails anyway).
func (p *publishRun) explainRefusal(ctx workflow.Context, err error) {
	if !activities.IsType(err, activities.TypeRestrictedSourceUnmapped) && !activities.IsType(err, activities.TypeRestrictedSource) &&
		!activities.IsType(err, activities.TypeAccessUnsafe) {
		return
	}
	var conf *pages.ConfluenceActivities
	var appErr *temporal.ApplicationError
	reason := err.Error()
	if errors.As(err, &appErr) {
		reason = appErr.Message()
	}
	in := activities.PageNoteInput{PageID: p.in.PageID,
		Marker: fmt.Sprintf("xecm-bridge:access-refused:%s:v%d", p.in.PageID, p.status.PageVersion),
		Text:   "This version was not filed in OpenText: the bridge files a copy only where nobody this page excludes could read it. " + reason}
	if cerr := workflow.ExecuteActivity(confluenceCtx(ctx, "Explain the refusal on the page"), conf.PostPageNote, in).Get(ctx, nil); cerr != nil {
		p.logger.Warn("Could not comment on the page", "error", cerr)
	}
}

type publishRun struct {
	in      PublishPageInput
	purpose activities.Purpose
	status  PublishStatus
	space   string
	logger  log.Logger
}

func (p *publishRun) setup(ctx workflow.Context) error {
	if p.in.PageID == "" {
		return activities.NonRetryable(activities.TypeInvalidInput, "page id is required")
	}
	p.logger = log.With(workflow.GetLogger(ctx), "pageId", p.in.PageID, "version", p.in.Version)
	return workflow.SetQueryHandler(ctx, StatusQuery, func() (PublishStatus, error) { return p.status, nil })
}

func (p *publishRun) run(ctx workflow.Context) (*PublishPageResult, error) {
	var conf *pages.ConfluenceActivities

	var page activities.PageSnapshot
	err := workflow.ExecuteActivity(confluenceCtx(ctx, "Read page and check approval"), conf.ReadPage,
		activities.ReadPageInput{PageID: p.in.PageID, Version: p.in.Version, Purpose: p.purpose, Approval: p.in.Approval}).Get(ctx, &page)
	if err != nil {
		return nil, err
	}
	p.space = page.SpaceKey
	p.status.PageVersion = page.Version

	stored, err := p.store(ctx, page)
	if err != nil {
		return nil, err
	}
	up, cls := &stored.Upload, &stored.Classify

	p.stage(ctx, StageLinking)
	link := activities.RecordLink{
		NodeID: up.NodeID, Version: up.Version, PageVersion: page.Version, URL: up.URL, SHA256: up.SHA256,
		Classification: cls.Classification, PublishedAt: workflow.Now(ctx).UTC(),
		WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID,
	}
	var wb activities.WriteBackResult
	err = workflow.ExecuteActivity(confluenceCtx(ctx, "Link record on the page"), conf.WriteBack,
		activities.WriteBackInput{PageID: page.PageID, Label: page.PublishedLabel, Record: link, Property: page.RecordProperty,
			Readers: page.Readers, SpaceID: page.SpaceID, SpaceKey: page.SpaceKey,
			Status: stored.Status, StatusProperty: page.StatusProperty}).Get(ctx, &wb)
	if err != nil {
		return nil, err
	}
	if wb.Readers != nil {
		// The page's restriction changed while it was filed: narrow the
		// record to who may read it now (never wider than it is).
		var otcs *records.OpenTextActivities
		err = workflow.ExecuteActivity(opentextCtx(ctx, "Narrow the record to the page's readers now"), otcs.NarrowRecords,
			activities.RecordAccessInput{Records: []activities.RecordAccess{{PageID: page.PageID, NodeID: up.NodeID, Readers: wb.Readers}}}).Get(ctx, nil)
		if err != nil {
			return nil, err
		}
	}

	p.status.Stage = StagePublished
	p.details(ctx)
	// One upsert at the end (and one for the change marker) keeps a
	// publish at 6 billable actions.
	if err := workflow.UpsertTypedSearchAttributes(ctx,
		SpaceAttr.ValueSet(page.SpaceKey),
		NodeIDAttr.ValueSet(strconv.FormatInt(up.NodeID, 10)),
		StageAttr.ValueSet(string(StagePublished))); err != nil {
		return nil, err
	}
	p.logger.Info("Record stored", "rule", page.Rule, "nodeId", up.NodeID, "otcsVersion", up.Version, "sha256", up.SHA256, "reused", up.Reused)
	// Counted once per run: the workflow's metrics handler does not count
	// again when the history is replayed.
	bySpace := workflow.GetMetricsHandler(ctx).WithTags(map[string]string{"space": page.SpaceKey})
	if page.RecordType != "" {
		bySpace.WithTags(map[string]string{"record_type": page.RecordType}).Counter(metrics.RecordsFiled).Inc(1)
	} else {
		bySpace.Counter(metrics.DocumentsPublished).Inc(1)
	}
	return &PublishPageResult{
		PageID: page.PageID, PageVersion: page.Version, Title: page.Title, SpaceKey: page.SpaceKey,
		NodeID: up.NodeID, OTCSVersion: up.Version, Name: up.Name, URL: up.URL, SHA256: up.SHA256, Size: up.Size,
		Created: up.Created, Reused: up.Reused, Classification: cls.Classification,
		Rule: page.Rule, RecordType: page.RecordType, Rendition: up.Rendition, Blocked: up.Blocked, Access: up.Access,
	}, nil
}

// store turns the page version into its verified, classified OTCS record
// version in one activity: upload, checksum check, then category and RM
// classification (a record whose stored bytes do not match is never
// classified).
func (p *publishRun) store(ctx workflow.Context, page activities.PageSnapshot) (*activities.StoreResult, error) {
	var otcs *records.OpenTextActivities
	p.stage(ctx, StageUploading)
	var st activities.StoreResult
	err := workflow.ExecuteActivity(transferCtx(ctx, "Stream, verify and classify the record in OTCS"), otcs.StoreRecord,
		activities.StoreInput{Page: page}).Get(ctx, &st)
	if err != nil {
		return nil, err
	}
	p.status.NodeID, p.status.OTCSVersion = st.Upload.NodeID, st.Upload.Version
	return &st, nil
}

func (p *publishRun) stage(ctx workflow.Context, stage Stage) {
	p.status.Stage = stage
	p.details(ctx)
}

// details keeps the Web UI's "current details" in step with the stage;
// unlike a search attribute upsert it costs no billable action.
func (p *publishRun) details(ctx workflow.Context) {
	md := fmt.Sprintf("**Stage:** %s  \n**Page:** %s v%d", p.status.Stage, p.status.PageID, p.status.PageVersion)
	if p.status.NodeID != 0 {
		md += fmt.Sprintf("  \n**OTCS node:** %d v%d", p.status.NodeID, p.status.OTCSVersion)
	}
	if p.status.Error != "" {
		md += "  \n**Error:** " + p.status.Error
	}
	workflow.SetCurrentDetails(ctx, md)
}

func (p *publishRun) failed(ctx workflow.Context, err error) {
	p.status.Stage = StageFailed
	p.status.Error = DescribeFailure(err)
	p.details(ctx)
	updates := []temporal.SearchAttributeUpdate{StageAttr.ValueSet(string(StageFailed))}
	if p.space != "" {
		updates = append(updates, SpaceAttr.ValueSet(p.space))
	}
	if uerr := workflow.UpsertTypedSearchAttributes(ctx, updates...); uerr != nil {
		p.logger.Warn("Could not mark the run failed in visibility", "error", uerr)
	}
	p.logger.Error("Publish failed", "error", p.status.Error)
}
