package records

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"strings"
	"sync"

	"go.temporal.io/sdk/activity"

	"github.com/xecm-bridge/xecm-bridge/access"
	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/opentext"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	liveness "github.com/xecm-bridge/xecm-bridge/internal/heartbeat"
	"github.com/xecm-bridge/xecm-bridge/mapping"
)

// OpenTextActivities store and classify the records of pages (flows F1,
// F3, F7). They run on the OpenText task queue; the upload also reads from
// Confluence, because it streams the page straight into OTCS:
//
//   - StoreRecord: the page version's rendition into its folder
//     (opentext_source.go streams it, opentext_identity.go keeps one node
//     per page), the stored bytes checked against the uploaded checksum,
//     then category values and RM classification
//   - UploadRendition: the upload alone, with the same check (a lifecycle
//     draft, classified only once approved)
//   - StartReviewProcess, PollReviewProcess, WithdrawDraft, DeclareRecord:
//     the OTCS side of the document lifecycle (opentext_lifecycle.go)
//
// PlanWrites (opentext_plan.go) works out the same writes without making
// them; it is a function so that it is not registered as an activity.
type OpenTextActivities struct {
	OTCS       *opentext.Client
	Confluence *confluence.Client
	Rules      *mapping.Rules
	PDF        activities.PDFSettings // for rules with rendition: pdf

	// Access looks principals up; nil: made from Rules.Access.
	Access *access.Resolver

	resolverOnce   activities.LazyResolver
	stagingChecked sync.Map // staging folder id -> time its access list was last checked
}

// target returns the mapping rule the page was read under.
func (a *OpenTextActivities) target(page *activities.PageSnapshot) (*mapping.Target, error) {
	space, err := a.Rules.ForSpace(page.SpaceKey)
	if err != nil {
		return nil, activities.BackendError("mapping", err)
	}
	t, err := space.TargetFor(page.Rule)
	if err != nil {
		return nil, activities.NonRetryable(activities.TypeNoMapping, "%v (the mapping changed since the page was read; start the flow again)", err)
	}
	return t, nil
}

// Nickname is the OTCS nickname that identifies a page's record. Nicknames
// are unique across OTCS, so it finds the node wherever it was moved.
func Nickname(pageID string) string {
	return "xecm_confluence_" + strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return '_'
	}, pageID)
}

// UploadRendition streams the page version's rendition into OTCS: the first
// publish of a page creates the document (with its category values), later
// ones add a version. A page version already stored is found by its marker
// and not stored again, so retries never duplicate a node or a version.
func (a *OpenTextActivities) UploadRendition(ctx context.Context, in activities.UploadInput) (_ *activities.UploadResult, err error) {
	defer func() { activities.Observe(ctx, "UploadRendition", err) }()
	res, err := a.uploadRendition(ctx, in, false)
	if err != nil || !in.Verify {
		return res, err
	}
	return res, a.verifyStored(ctx, activities.VerifyInput{NodeID: res.NodeID, Version: res.Version, SHA256: res.SHA256, Size: res.Size})
}

// uploadRendition is UploadRendition without the check. trustUnlinked
// lets a page that ReadPage saw without the record property (never
// published, or its link lost) skip the nickname lookup and create
// straight away: a record the page does have after all is then found as
// after a crash, by the create's "already exists" or by the identity
// claim, which keeps the one node and discards the new one.
func (a *OpenTextActivities) uploadRendition(ctx context.Context, in activities.UploadInput, trustUnlinked bool) (_ *activities.UploadResult, err error) {
	page := &in.Page
	rules, err := a.target(page)
	if err != nil {
		return nil, err
	}
	facts := page.Facts()
	// Who may read the record is settled before anything is written: a
	// page the bridge cannot map is refused with nothing stored.
	pa, err := a.recordAccess(ctx, page, rules)
	if err != nil {
		return nil, err
	}
	folder, err := a.OTCS.EnsureFolderPath(ctx, a.Rules.Root, rules.FolderPath(facts))
	if err != nil {
		return nil, activities.BackendError("ensure target folder "+strings.Join(rules.FolderPath(facts), "/"), err)
	}
	values, err := a.categoryValues(ctx, folder.ID, rules, facts)
	if err != nil {
		return nil, err
	}
	// The record's identity (OTCS) is looked up while the page body is
	// read (Confluence): two independent round trips at once.
	var existing *opentext.Node
	var lookupErr error
	looked := make(chan struct{})
	if !trustUnlinked || !page.RecordProperty.Known || page.RecordProperty.ID != "" {
		go func() {
			defer close(looked)
			existing, lookupErr = a.recordByNickname(ctx, page.PageID)
		}()
	} else {
		close(looked)
	}
	src, err := a.newSource(ctx, page, rules.Rendition)
	<-looked
	if err != nil {
		return nil, err
	}
	defer src.close()
	if lookupErr != nil {
		return nil, lookupErr
	}
	if ps, ok := src.(*pdfSource); ok {
		ps.access = pa // attachments filed beside get the record's readers
	}
	marker := activities.SourceMarker(page.PageID, page.Version)
	named, name := existing != nil, rules.RecordName(facts)
	res := &activities.UploadResult{FolderID: folder.ID, Name: name, Access: page.Readers.Source()}
	// A restricted page's record is made in the staging folder, which only
	// the bridge may read, and moved into its folder once its own access
	// list is set: it is never readable by anyone the page excludes.
	parent, title := folder, page.Title
	if pa != nil {
		// The evidence of why the record's list is what it is, on the
		// version itself, where an auditor reads it in OTCS.
		title += " [source access: " + page.Readers.Source() + "]"
	}
	if pa != nil && existing == nil {
		if parent, err = a.stagingFolder(ctx); err != nil {
			return nil, err
		}
	}
	// Create and catch: a first publish creates straight away; a node left
	// by an earlier attempt (or a concurrent flow, or another page with the
	// same title) makes the create fail with "already exists", and only
	// then is the folder searched.
	for tries := 0; existing == nil; tries++ {
		if err := src.prepare(); err != nil {
			return nil, err
		}
		node, err := a.OTCS.CreateDocument(ctx, opentext.CreateDocumentRequest{
			ParentID: parent.ID, Name: name, Description: src.describe(marker, title),
			File: src.upload(name), Categories: values,
		})
		switch {
		case rest.IsKind(err, rest.KindConflict):
			found, free, err := a.findInFolder(ctx, parent.ID, rules, facts, 0)
			if err != nil {
				return nil, err
			}
			if found == nil && (free == name || tries > 0) {
				return nil, activities.NonRetryable(activities.TypeBackendRejected, "OTCS says %q already exists in folder %d but it cannot be found", name, parent.ID)
			}
			// Ours (left by an earlier attempt): it takes the identity
			// below. Another page's: create under the next free name.
			existing, name = found, free
			continue
		case err != nil:
			return nil, a.folderGone(parent.ID, "create document", err)
		}
		holder, err := a.claimIdentity(ctx, node, page.PageID)
		if err != nil {
			return nil, err
		}
		if holder == nil {
			if err := a.settleAccess(ctx, node, folder, pa); err != nil {
				return nil, err
			}
			res.NodeID, res.Name, res.Version, res.Created = node.ID, node.Name, 1, true
			return src.finish(res, a.OTCS.NodeURL(node.ID))
		}
		// Another flow claimed the page first (in another folder): its
		// node is the record, ours was discarded; add the version there.
		existing, named = holder, true
	}
	if !named {
		// The nickname is the page's identity: a node found any other way
		// must take it before anything is written, so a retry after a crash
		// between create and nickname finishes the job, and a second node
		// made by a concurrent flow is discarded in favour of the first.
		holder, err := a.claimIdentity(ctx, existing, page.PageID)
		if err != nil {
			return nil, err
		}
		if holder != nil {
			existing = holder
		}
	}
	// Before any new version: the record's access list follows the page's
	// readers now (narrowed first), and a record an earlier attempt left in
	// the staging folder goes into its folder.
	if err := a.settleAccess(ctx, existing, folder, pa); err != nil {
		return nil, err
	}
	if existing.ParentID != folder.ID {
		// The record lives elsewhere (moved, or filed by another flow):
		// an earlier attempt of this flow may have left a node in this
		// folder before it lost the claim.
		if err := a.discardStray(ctx, folder.ID, existing, rules, facts); err != nil {
			return nil, err
		}
	}
	res.NodeID, res.Name = existing.ID, existing.Name
	if err := a.checkHolds(ctx, existing.ID); err != nil {
		return nil, err
	}
	versions, err := a.OTCS.Versions(ctx, existing.ID)
	if err != nil {
		return nil, activities.BackendError("list versions", err)
	}
	for _, v := range versions {
		if !strings.HasPrefix(v.Description, marker+" ") && v.Description != marker {
			continue
		}
		res.Version, res.Reused = v.Number, true
		if renditionTag(v.Description) != src.tag() {
			// Another flow (publish, filing, review) stored this page
			// version with its own header, or an older renderer did (no
			// tag): that version is the record of the page version, so its
			// stored bytes are what is verified.
			res.SHA256, res.Size, err = a.hashStored(ctx, existing.ID, v.Number)
			if err != nil {
				return nil, err
			}
			res.URL = a.OTCS.NodeURL(existing.ID)
			return res, nil
		}
		// Stored by an earlier attempt of this flow: learn its checksum
		// instead of uploading it again.
		if err := src.reuse(v.Description); err != nil {
			return nil, err
		}
		return src.finish(res, a.OTCS.NodeURL(existing.ID))
	}
	if err := src.prepare(); err != nil {
		return nil, err
	}
	v, err := a.OTCS.AddVersion(ctx, existing.ID, src.upload(name), src.describe(marker, title))
	if err != nil {
		return nil, activities.BackendError("add version", err)
	}
	res.Version = v.Number
	return src.finish(res, a.OTCS.NodeURL(existing.ID))
}

// folderGone turns a failure in a folder into an error: when the folder is
// gone (404) the worker's resolved paths are dropped and the retry resolves
// the path again (it may be made anew); anything else as backendError.
func (a *OpenTextActivities) folderGone(folderID int64, what string, err error) error {
	if rest.IsKind(err, rest.KindNotFound) {
		a.OTCS.ForgetFolders()
		return fmt.Errorf("%s: folder %d is gone; the retry resolves the folder path again: %w", what, folderID, err)
	}
	return activities.BackendError(what, err)
}

// recordByNickname finds the page's record by its identity, the nickname
// (nil when no node holds it yet).
func (a *OpenTextActivities) recordByNickname(ctx context.Context, pageID string) (*opentext.Node, error) {
	node, err := a.OTCS.NodeByNickname(ctx, Nickname(pageID))
	if rest.IsKind(err, rest.KindNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, activities.BackendError("look up nickname", err)
	}
	return node, nil
}

// findRecord looks the page's record up by nickname, then by name in the
// folder (checking the identity attribute, so a different document with the
// same title is never versioned). It returns the node (nil if none), the
// name a new record should get, and whether the node was found by its
// nickname. The dry run's plan uses it; a publish creates and catches.
func (a *OpenTextActivities) findRecord(ctx context.Context, folderID int64, rules *mapping.Target, facts mapping.PageFacts) (*opentext.Node, string, bool, error) {
	node, err := a.recordByNickname(ctx, facts.PageID)
	if err != nil {
		return nil, "", false, err
	}
	if node != nil {
		return node, node.Name, true, nil
	}
	node, name, err := a.findInFolder(ctx, folderID, rules, facts, 0)
	return node, name, false, err
}

// findInFolder finds the page's document in a folder by the names the
// name rule gives, trusting only a node whose identity attribute names the
// page. skip is a node id to pass over (the record itself).
func (a *OpenTextActivities) findInFolder(ctx context.Context, folderID int64, rules *mapping.Target, facts mapping.PageFacts, skip int64) (*opentext.Node, string, error) {
	name := rules.RecordName(facts)
	def, err := a.OTCS.CategoryDefinition(ctx, folderID, rules.Category.ID)
	if err != nil {
		return nil, "", activities.BackendError("read category definition", err)
	}
	identityKey := ""
	for _, attr := range def.Attributes {
		if strings.EqualFold(attr.Name, rules.IdentityAttribute()) {
			identityKey = attr.Key
		}
	}
	for _, candidate := range []string{name, mapping.LegalName(name + " (" + facts.PageID + ")")} {
		n, err := a.OTCS.FindChild(ctx, folderID, candidate)
		if err != nil {
			return nil, "", a.folderGone(folderID, "look up "+candidate, err)
		}
		if n == nil {
			return nil, candidate, nil
		}
		if n.ID == skip {
			continue
		}
		vals, err := a.OTCS.CategoryValues(ctx, n.ID, rules.Category.ID)
		if err != nil && !rest.IsKind(err, rest.KindNotFound) {
			return nil, "", activities.BackendError("read category of "+candidate, err)
		}
		if fmt.Sprint(vals[identityKey]) == facts.PageID {
			return n, n.Name, nil
		}
	}
	if skip != 0 {
		return nil, "", nil
	}
	return nil, "", activities.NonRetryable(activities.TypeBackendRejected, "folder %d already holds other documents named %q and %q; rename them or change the name rule", folderID, name, name+" ("+facts.PageID+")")
}

// categoryValues resolves the mapped attribute values and types them
// against the category definition in OTCS.
func (a *OpenTextActivities) categoryValues(ctx context.Context, nodeID int64, rules *mapping.Target, facts mapping.PageFacts) (map[string]any, error) {
	def, err := a.OTCS.CategoryDefinition(ctx, nodeID, rules.Category.ID)
	if err != nil {
		return nil, activities.BackendError(fmt.Sprintf("read category %d", rules.Category.ID), err)
	}
	byName := map[string]opentext.AttributeDef{}
	var names []string
	for _, attr := range def.Attributes {
		byName[strings.ToLower(attr.Name)] = attr
		names = append(names, attr.Name)
	}
	texts, err := rules.Values(facts)
	if err != nil {
		return nil, activities.BackendError("map metadata", err)
	}
	values := map[string]any{fmt.Sprintf("%d_1", rules.Category.ID): map[string]any{}}
	for _, rule := range rules.Category.Attributes {
		attr, ok := byName[strings.ToLower(rule.Name)]
		if !ok {
			return nil, activities.NonRetryable(activities.TypeNoSuchAttribute, "category %d (%s) has no attribute %q (mapping file line %d); its attributes are: %s",
				def.ID, def.Name, rule.Name, rule.Line, strings.Join(names, ", "))
		}
		text, ok := texts[rule.Name]
		if !ok {
			continue
		}
		v, err := mapping.Typed(attr.Name, attr.Type, text)
		if err != nil {
			return nil, activities.BackendError("map metadata", err)
		}
		if attr.MaxLength > 0 && len([]rune(text)) > attr.MaxLength {
			return nil, activities.NonRetryable(activities.TypeAttributeType, "category attribute %q allows %d characters; the mapped value has %d", attr.Name, attr.MaxLength, len([]rune(text)))
		}
		values[attr.Key] = v
	}
	return values, nil
}

func (a *OpenTextActivities) checkHolds(ctx context.Context, nodeID int64) error {
	holds, err := a.OTCS.NodeHolds(ctx, nodeID)
	if err != nil {
		return activities.BackendError("read holds", err)
	}
	var active []string
	for _, h := range holds {
		if h.Active {
			active = append(active, fmt.Sprintf("%q (%d)", h.Name, h.ID))
		}
	}
	if len(active) > 0 {
		return activities.NonRetryable(activities.TypeRecordOnHold, "OTCS node %d is on hold %s; the bridge never changes a held record. Release the hold, then publish again", nodeID, strings.Join(active, ", "))
	}
	return nil
}

// StoreRecord is the three steps of a publish that run on the OTCS queue,
// in one activity without a workflow task (and a billable action) between
// them: upload the rendition, verify the stored bytes (fixity), classify
// (the full category values, now including the checksum, and the RM
// classification; one already on the record is left as it is, since a
// declared record is never re-declared). The order holds: a record whose stored bytes do not match is never
// classified. A retry finishes what is left: the stored version is found,
// not uploaded again, then verified, and the category and RM
// classification are written where missing.
func (a *OpenTextActivities) StoreRecord(ctx context.Context, in activities.StoreInput) (_ *activities.StoreResult, err error) {
	defer func() { activities.Observe(ctx, "StoreRecord", err) }()
	up, err := a.uploadRendition(ctx, activities.UploadInput{Page: in.Page}, true)
	if err != nil {
		return nil, err
	}
	if err := a.verifyStored(ctx, activities.VerifyInput{NodeID: up.NodeID, Version: up.Version, SHA256: up.SHA256, Size: up.Size}); err != nil {
		return nil, err
	}
	cls, rm, err := a.classifyStored(ctx, activities.ClassifyInput{Page: in.Page, NodeID: up.NodeID, SHA256: up.SHA256}, up.Created)
	if err != nil {
		return nil, err
	}
	// The status the page will show, as the sweep reads it: no hold (a
	// held record is never written). A retry that finds the version
	// stored shows the same.
	status := &activities.RecordState{PageID: in.Page.PageID, NodeID: up.NodeID, Version: up.Version, URL: up.URL}
	if rm != nil {
		showRM(status, *rm)
	}
	return &activities.StoreResult{Upload: *up, Classify: *cls, Status: status}, nil
}

func (a *OpenTextActivities) classify(ctx context.Context, in activities.ClassifyInput) (*activities.ClassifyResult, error) {
	cls, _, err := a.classifyStored(ctx, in, false)
	return cls, err
}

// classifyStored is classify; created says this attempt made the node
// (and verified its bytes) just now. Such a node is classified without
// the reads that find what an earlier writer did, since there was none:
// no hold check first (OTCS refuses a category change on a held node,
// and that refusal is what sends the flow to the check) and no RM read
// before the apply (an apply without the metadata token is refused on a
// node that has a classification, and the refusal sends it to the read).
// A retry finds the node (it is no longer created by that attempt) and
// takes the full path. It also returns the RM classification OTCS
// reported (nil without an RM rule).
func (a *OpenTextActivities) classifyStored(ctx context.Context, in activities.ClassifyInput, created bool) (*activities.ClassifyResult, *opentext.RMClassification, error) {
	rules, err := a.target(&in.Page)
	if err != nil {
		return nil, nil, err
	}
	if !created {
		if err := a.checkHolds(ctx, in.NodeID); err != nil {
			return nil, nil, err
		}
	}
	facts := in.Page.Facts()
	facts.Checksum = in.SHA256
	values, err := a.categoryValues(ctx, in.NodeID, rules, facts)
	if err != nil {
		return nil, nil, err
	}
	catID := rules.Category.ID
	if err := a.writeCategory(ctx, in.NodeID, catID, values); err != nil {
		if created {
			if herr := a.checkHolds(ctx, in.NodeID); herr != nil {
				return nil, nil, herr
			}
		}
		return nil, nil, err
	}
	res := &activities.ClassifyResult{CategoryID: catID, Attributes: len(values)}
	if rules.RM == nil {
		return res, nil, nil
	}
	apply := func(token string) (*opentext.RMState, error) {
		return a.OTCS.ApplyRMClassification(ctx, in.NodeID, opentext.RMClassifyRequest{
			ClassID: rules.RM.ClassID, Official: rules.RM.Official, Status: rules.RM.Status,
			RecordDate: in.Page.ApprovedAt.UTC().Format("2006-01-02T15:04:05"), MetadataToken: token,
		})
	}
	var rm *opentext.RMClassification
	found := func(state *opentext.RMState) bool {
		for _, c := range state.Classifications {
			if c.ClassID == rules.RM.ClassID {
				res.Classification, res.Official, rm = describeRM(c), c.Official, &c
				return true
			}
		}
		return false
	}
	if created {
		// OTCS answers the apply with the node's classifications; an
		// answer without them is read back below, as is a refusal.
		if state, err := apply(""); err == nil && found(state) {
			return res, rm, nil
		}
	}
	// Apply the RM classification only when the record lacks it, then read
	// back what OTCS holds; a classification already there (perhaps
	// declared) is never re-applied.
	for attempt := 0; ; attempt++ {
		state, err := a.OTCS.RMClassifications(ctx, in.NodeID)
		if err != nil {
			return nil, nil, activities.BackendError("read RM classification", err)
		}
		if found(state) {
			return res, rm, nil
		}
		if attempt > 0 {
			return nil, nil, activities.NonRetryable(activities.TypeBackendRejected, "OTCS accepted RM classification %d for node %d but does not report it", rules.RM.ClassID, in.NodeID)
		}
		if _, err := apply(state.MetadataToken); err != nil {
			return nil, nil, activities.BackendError("apply RM classification", err)
		}
	}
}

// writeCategory updates the record's category values, applying the
// category first when the record lacks it. The category is applied at
// create, so the update is tried first (one request) and OTCS's refusal is
// what tells a record without it (the fallback pyxecm uses as well).
func (a *OpenTextActivities) writeCategory(ctx context.Context, nodeID, catID int64, values map[string]any) error {
	update := maps.Clone(values)
	delete(update, fmt.Sprintf("%d_1", catID))
	err := a.OTCS.UpdateCategory(ctx, nodeID, catID, update)
	if err == nil {
		return nil
	}
	if !rest.IsKind(err, rest.KindBadRequest) && !rest.IsKind(err, rest.KindNotFound) {
		return activities.BackendError("update category", err)
	}
	if _, rerr := a.OTCS.CategoryValues(ctx, nodeID, catID); rerr == nil {
		return activities.BackendError("update category", err) // applied: the refusal is real
	} else if !rest.IsKind(rerr, rest.KindNotFound) && !rest.IsKind(rerr, rest.KindBadRequest) {
		return activities.BackendError("read category values", rerr)
	}
	if err := a.OTCS.ApplyCategory(ctx, nodeID, catID, values); err != nil {
		return activities.BackendError("apply category", err)
	}
	return nil
}

func describeRM(c opentext.RMClassification) string {
	if c.FileNumber == "" || strings.HasPrefix(c.Name, c.FileNumber) {
		return c.Name
	}
	return strings.TrimSpace(c.FileNumber + " " + c.Name)
}

// verifyStored downloads the stored version and checks its SHA-256 and
// size against what was computed while uploading (fixity).
func (a *OpenTextActivities) verifyStored(ctx context.Context, in activities.VerifyInput) error {
	got, n, err := a.hashStored(ctx, in.NodeID, in.Version)
	if err != nil {
		return err
	}
	if got != in.SHA256 || n != in.Size {
		return activities.NonRetryable(activities.TypeChecksumMismatch, "OTCS node %d version %d holds %d bytes with SHA-256 %s; the bridge uploaded %d bytes with SHA-256 %s",
			in.NodeID, in.Version, n, got, in.Size, in.SHA256)
	}
	return nil
}

// hashStored downloads a stored version and returns its SHA-256 and size.
func (a *OpenTextActivities) hashStored(ctx context.Context, nodeID int64, version int) (string, int64, error) {
	body, err := a.OTCS.DownloadVersion(ctx, nodeID, version)
	if err != nil {
		return "", 0, activities.BackendError(fmt.Sprintf("download node %d version %d", nodeID, version), err)
	}
	defer body.Close()
	h := sha256.New()
	n, err := io.Copy(h, &heartbeatReader{ctx: ctx, r: body})
	if err != nil {
		return "", 0, fmt.Errorf("read back node %d version %d: %w", nodeID, version, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// heartbeatReader reports progress on long transfers so a stuck one is
// noticed after the heartbeat timeout instead of the whole activity timeout.
type heartbeatReader struct {
	ctx  context.Context
	r    io.Reader
	n    int64
	last int64
}

func (h *heartbeatReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.n += int64(n)
	if h.n-h.last >= 8<<20 {
		h.last = h.n
		recordProgress(h.ctx, h.n)
	}
	return n, err
}

func recordProgress(ctx context.Context, n int64) {
	if activity.IsActivity(ctx) {
		activity.RecordHeartbeat(ctx, liveness.Bytes(n))
	}
}
