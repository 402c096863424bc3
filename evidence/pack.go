// Package evidence builds and checks the evidence pack of one record: the
// source page version in Confluence, its approval, the OTCS record that
// holds it (node, version, folder, category values, RM classification,
// holds), its fixity (the SHA-256 recorded at upload and a fresh re-read
// now), who could read it when it was filed and who can now, and the
// Temporal run that filed it. Building and checking only read: neither
// system is ever written (`starter evidence`, docs/evidence.md).
package evidence

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/opentext"
	"github.com/xecm-bridge/xecm-bridge/mapping"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// Format names the pack's schema; a change that breaks readers bumps it.
const Format = "xecm-bridge.evidence/1"

// Sources are what a pack is read from. Confluence and OTCS are required;
// Temporal may be nil (or unreachable): the trail then says so.
type Sources struct {
	Confluence *confluence.Client
	OTCS       *opentext.Client
	// Rules name the categories a record of the page's space may carry
	// and the attribute that holds the checksum; nil: none are read.
	Rules *mapping.Rules
	// Temporal and Namespace are for the durable trail; nil: not read.
	Temporal  client.Client
	Namespace string
	// Flavor is the Confluence product ("cloud" or "datacenter"), noted
	// in the pack; "" when unknown.
	Flavor string
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// TemporalError says why Temporal is nil (not reachable); Notes are
	// said in the pack (e.g. the mapping could not be read).
	TemporalError string
	Notes         []string
}

// Pack is the evidence of one record: one page version and the OTCS
// version that holds it.
type Pack struct {
	Format      string    `json:"format"`
	GeneratedAt time.Time `json:"generatedAt"`
	Source      Source    `json:"source"`
	Approval    Approval  `json:"approval"`
	Record      Record    `json:"record"`
	Fixity      Fixity    `json:"fixity"`
	Access      Access    `json:"access"`
	Trail       Trail     `json:"trail"`
	// Notes say what could not be read or does not apply, in words.
	Notes []string `json:"notes,omitempty"`
	// Digest is the SHA-256 of the pack's JSON with Digest empty: Verify
	// tells a pack edited after it was written.
	Digest string `json:"digest"`
}

// Source is the Confluence page version.
type Source struct {
	Flavor         string    `json:"flavor,omitempty"`
	SpaceKey       string    `json:"spaceKey"`
	SpaceName      string    `json:"spaceName,omitempty"`
	PageID         string    `json:"pageId"`
	Version        int       `json:"version"`
	CurrentVersion int       `json:"currentVersion"`
	Title          string    `json:"title"`
	VersionAuthor  string    `json:"versionAuthor"` // who saved this version
	VersionAt      time.Time `json:"versionAt"`
	VersionMessage string    `json:"versionMessage,omitempty"`
	CreatedBy      string    `json:"createdBy,omitempty"`
	CreatedAt      time.Time `json:"createdAt,omitzero"`
	Owner          string    `json:"owner,omitempty"`
	URL            string    `json:"url"`
}

// Approval is the approval of the page version: from the page's
// approval log (content property xecm-bridge.approval), else from the
// lifecycle's record link, else from the record's category values.
type Approval struct {
	// From names where it was read: ApprovalFromLog, ApprovalFromLink,
	// ApprovalFromCategory; "" when nothing records an approval.
	From    string    `json:"from"`
	By      string    `json:"by,omitempty"`
	At      time.Time `json:"at,omitzero"`
	Source  string    `json:"source,omitempty"` // label, content-state, operator, review
	Signal  string    `json:"signal,omitempty"`
	Meaning string    `json:"meaning,omitempty"`
	// StateSetAt is when a content state approval's state was set.
	StateSetAt time.Time `json:"stateSetAt,omitzero"`
}

// Where an approval was read.
const (
	ApprovalFromLog      = "approval log"
	ApprovalFromLink     = "record link"
	ApprovalFromCategory = "record category values"
)

// Record is the OTCS node and the version that holds the page version.
type Record struct {
	NodeID      int64      `json:"nodeId"`
	Name        string     `json:"name"`
	URL         string     `json:"url"`
	FolderID    int64      `json:"folderId"`
	FolderPath  string     `json:"folderPath"`
	Version     int        `json:"version"`
	Versions    int        `json:"versions"` // how many versions the node has
	FileName    string     `json:"fileName"`
	MimeType    string     `json:"mimeType"`
	Size        int64      `json:"size"`
	CreatedAt   time.Time  `json:"createdAt"`
	Description string     `json:"description"`
	Categories  []Category `json:"categories,omitempty"`
	RM          []RM       `json:"rm,omitempty"`
	Holds       []Hold     `json:"holds"`
	// Link is the record link on the page as the bridge wrote it back.
	Link *activities.LifecycleRecord `json:"link"`
	// LinkIsThisVersion says the link describes this page version (a
	// later publish rewrites it for the later version).
	LinkIsThisVersion bool `json:"linkIsThisVersion"`
}

// Category is one category on the node, values by attribute name.
type Category struct {
	ID     int64          `json:"id"`
	Name   string         `json:"name"`
	Values map[string]any `json:"values"`
}

// RM is one RM classification of the node.
type RM struct {
	ClassID    int64  `json:"classId"`
	Name       string `json:"name"`
	FileNumber string `json:"fileNumber,omitempty"`
	Status     string `json:"status,omitempty"`
	RecordDate string `json:"recordDate,omitempty"`
	Official   bool   `json:"official"`
	Finalized  bool   `json:"finalized"`
}

// Hold is a legal or administrative hold on the node.
type Hold struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Type   string `json:"type,omitempty"`
	Active bool   `json:"active"`
}

// Fixity is the record version's checksum, as recorded and as read now.
type Fixity struct {
	Algorithm string `json:"algorithm"`
	// Recorded is the SHA-256 the bridge computed while uploading, from
	// the first of: the record link (when it is this version's), the
	// publish run's result, the category attribute (when the link is this
	// version's). RecordedFrom names it.
	Recorded     string `json:"recorded"`
	RecordedFrom string `json:"recordedFrom"`
	RecordedSize int64  `json:"recordedSize,omitempty"`
	// Category is the SHA-256 category attribute as OTCS returns it now
	// (the read-back of what classify wrote); it describes the version
	// last classified, so it is compared only when that is this version.
	Category string `json:"category,omitempty"`
	// Now is the SHA-256 of the version's bytes downloaded now.
	Now     string    `json:"now"`
	NowSize int64     `json:"nowSize"`
	NowAt   time.Time `json:"nowAt"`
	Match   bool      `json:"match"` // Now equals Recorded (and Category, where compared)
}

// Access is who could read the record when it was filed and who can now.
type Access struct {
	// AtFiling is whom the page was read-restricted to when filed, as the
	// publish run reported it and as the version description says
	// ("[source access: ...]"; only restricted pages carry it).
	AtFiling     string `json:"atFiling,omitempty"`
	AtFilingFrom string `json:"atFilingFrom,omitempty"`
	// Now is the node's permissions now.
	Now []Permission `json:"now"`
}

// Permission is one entry of the node's access list.
type Permission struct {
	Entry       string   `json:"entry"` // owner, owner group, public, custom
	RightID     int64    `json:"rightId,omitempty"`
	Name        string   `json:"name,omitempty"`
	Permissions []string `json:"permissions"`
}

// Trail is the Temporal runs that filed the page version.
type Trail struct {
	Reachable bool   `json:"reachable"`
	Error     string `json:"error,omitempty"`
	Runs      []Run  `json:"runs,omitempty"`
	// OTCSAudit is the record node's audit trail, oldest first, as OTCS
	// gives it (AuditError says why it is missing).
	OTCSAudit  []AuditEvent `json:"otcsAudit,omitempty"`
	AuditError string       `json:"auditError,omitempty"`
}

// AuditEvent is one event of the record node's OTCS audit, with the name
// of the user who made it.
type AuditEvent struct {
	opentext.AuditEvent
	User string `json:"user,omitempty"`
}

// Run is one workflow run, from Temporal's describe call.
type Run struct {
	WorkflowID string                       `json:"workflowId"`
	RunID      string                       `json:"runId"`
	Type       string                       `json:"type"`
	Status     string                       `json:"status"`
	StartedAt  time.Time                    `json:"startedAt"`
	ClosedAt   time.Time                    `json:"closedAt,omitzero"`
	Result     *workflows.PublishPageResult `json:"result,omitempty"`
	// Steps are the run's activities from its history, in order.
	Steps []Step `json:"steps,omitempty"`
}

// Build reads the evidence of page version (0: the current one). It only
// reads. The typed errors: KindUnknownPage, KindUnknownVersion,
// KindNoRecord, KindNoRecordForVersion, KindRecordMissing,
// KindBackendUnavailable.
func Build(ctx context.Context, src Sources, pageID string, version int) (*Pack, error) {
	now := time.Now
	if src.Now != nil {
		now = src.Now
	}
	b := &builder{src: src, p: &Pack{Format: Format, GeneratedAt: now().UTC(), Notes: slices.Clone(src.Notes)}, now: now, members: map[int64]string{}}
	if err := b.source(ctx, pageID, version); err != nil {
		return nil, err
	}
	if err := b.approval(ctx); err != nil {
		return nil, err
	}
	if err := b.record(ctx); err != nil {
		return nil, err
	}
	b.trail(ctx) // before fixity and access: the run's result recorded both
	b.audit(ctx)
	if err := b.fixity(ctx); err != nil {
		return nil, err
	}
	if err := b.access(ctx); err != nil {
		return nil, err
	}
	b.approvalFromRecord()
	b.p.Digest = Digest(b.p)
	return b.p, nil
}

type builder struct {
	src     Sources
	p       *Pack
	now     func() time.Time
	page    *confluence.Page
	ver     *opentext.Version
	members map[int64]string
}

func (b *builder) note(format string, a ...any) {
	b.p.Notes = append(b.p.Notes, fmt.Sprintf(format, a...))
}

func (b *builder) source(ctx context.Context, pageID string, version int) error {
	conf := b.src.Confluence
	cur, err := conf.GetPage(ctx, pageID, confluence.GetPageOptions{})
	if notFound(err) {
		return fail(KindUnknownPage, "Confluence page %s does not exist (or the bridge's account cannot see it)", pageID)
	}
	if err != nil {
		return backend("Confluence", "read page "+pageID, err)
	}
	page := cur
	if version == 0 {
		version = cur.Version.Number
	}
	if version < 1 || version > cur.Version.Number {
		return fail(KindUnknownVersion, "Confluence page %s has versions 1 to %d, not %d", pageID, cur.Version.Number, version)
	}
	if version != cur.Version.Number {
		page, err = conf.GetPage(ctx, pageID, confluence.GetPageOptions{Version: version})
		if notFound(err) {
			return fail(KindUnknownVersion, "Confluence page %s has no version %d", pageID, version)
		}
		if err != nil {
			return backend("Confluence", fmt.Sprintf("read page %s version %d", pageID, version), err)
		}
	}
	b.page = page
	s := Source{
		Flavor: b.src.Flavor, SpaceKey: page.SpaceKey, PageID: page.ID, Version: page.Version.Number, CurrentVersion: cur.Version.Number,
		Title: page.Title, VersionAuthor: page.Version.AuthorID, VersionAt: page.Version.CreatedAt.UTC(), VersionMessage: page.Version.Message,
		CreatedBy: cur.AuthorID, CreatedAt: cur.CreatedAt.UTC(), Owner: cur.OwnerID, URL: page.WebURL,
	}
	if page.SpaceID != "" {
		if sp, err := conf.GetSpace(ctx, page.SpaceID); err == nil {
			s.SpaceKey, s.SpaceName = sp.Key, sp.Name
		} else if !notFound(err) {
			return backend("Confluence", "read space "+page.SpaceID, err)
		}
	} else if page.SpaceKey != "" {
		if sp, err := conf.GetSpaceByKey(ctx, page.SpaceKey); err == nil {
			s.SpaceName = sp.Name
		}
	}
	b.p.Source = s
	return nil
}

// property reads a content property into out; false when absent.
func (b *builder) property(ctx context.Context, key string, out any) (bool, error) {
	prop, err := b.src.Confluence.GetProperty(ctx, b.page.ID, key)
	if notFound(err) {
		return false, nil
	}
	if err != nil {
		return false, backend("Confluence", "read content property "+key+" of page "+b.page.ID, err)
	}
	if err := json.Unmarshal(prop.Value, out); err != nil {
		return false, fail(KindNoRecord, "content property %s of Confluence page %s is not what the bridge writes (%v)", key, b.page.ID, err)
	}
	return true, nil
}

func (b *builder) approval(ctx context.Context) error {
	var log activities.ApprovalLog
	if _, err := b.property(ctx, activities.ApprovalPropertyKey, &log); err != nil {
		return err
	}
	if ap := log.ForVersion(b.p.Source.Version); ap != nil {
		b.p.Approval = Approval{From: ApprovalFromLog, By: ap.By, At: ap.At.UTC(), Source: ap.Source, Signal: ap.Signal, Meaning: ap.Meaning, StateSetAt: ap.StateSetAt}
	}
	return nil
}

// approvalFromRecord fills the approval, when the log has none for this
// version, from the lifecycle's record link or the record's category
// values (an approval judged from the label alone is not logged).
func (b *builder) approvalFromRecord() {
	if b.p.Approval.From != "" {
		return
	}
	b.note("no approval of version %d is in the page's approval log (%s)", b.p.Source.Version, activities.ApprovalPropertyKey)
	r := &b.p.Record
	if !r.LinkIsThisVersion {
		return
	}
	if l := r.Link; l.ApprovedBy != "" {
		b.p.Approval = Approval{From: ApprovalFromLink, By: l.ApprovedBy, At: l.ApprovedAt.UTC(), Source: "review", Meaning: l.ApprovalMeaning,
			Signal: "review decision recorded in the record link (" + activities.RecordPropertyKey + ")"}
		return
	}
	by := b.categoryValue(mapping.FromApprovedBy)
	if by == "" {
		return
	}
	b.p.Approval = Approval{From: ApprovalFromCategory, By: by, Signal: "Approved By on the record"}
	if at := b.categoryValue(mapping.FromApprovedAt); at != "" {
		b.p.Approval.Signal += ", Approval Date " + at
	}
}

func (b *builder) record(ctx context.Context) error {
	var link activities.LifecycleRecord
	ok, err := b.property(ctx, activities.RecordPropertyKey, &link)
	if err != nil {
		return err
	}
	if !ok || (link.NodeID == 0 && link.RecordID == 0) {
		return fail(KindNoRecord, "Confluence page %s has no record (no content property %s): it was never published or filed", b.page.ID, activities.RecordPropertyKey)
	}
	nodeID := link.NodeID
	if link.RecordID != 0 {
		nodeID = link.RecordID
	}
	otcs := b.src.OTCS
	node, err := otcs.GetNode(ctx, nodeID)
	if notFound(err) {
		return fail(KindRecordMissing, "Confluence page %s links OTCS node %d as its record, and OTCS has no such node (deleted, or not visible to the bridge's account)", b.page.ID, nodeID)
	}
	if err != nil {
		return backend("OTCS", fmt.Sprintf("read node %d", nodeID), err)
	}
	versions, err := otcs.Versions(ctx, node.ID)
	if err != nil {
		return backend("OTCS", fmt.Sprintf("list versions of node %d", node.ID), err)
	}
	v := b.p.Source.Version
	marker := activities.SourceMarker(b.page.ID, v)
	var held []string
	for i := range versions {
		d := versions[i].Description
		if d == marker || strings.HasPrefix(d, marker+" ") {
			b.ver = &versions[i]
		}
		if strings.HasPrefix(d, activities.SourcePrefix(b.page.ID)) {
			held = append(held, strings.Fields(strings.TrimPrefix(d, activities.SourcePrefix(b.page.ID)))[0])
		}
	}
	if b.ver == nil {
		has := "none"
		if len(held) > 0 {
			has = strings.Join(held, ", ")
		}
		return fail(KindNoRecordForVersion, "OTCS node %d, the record of Confluence page %s, holds no version of page version %d (page versions it holds: %s)", node.ID, b.page.ID, v, has)
	}
	r := Record{
		NodeID: node.ID, Name: node.Name, URL: otcs.NodeURL(node.ID), FolderID: node.ParentID, Version: b.ver.Number, Versions: len(versions),
		FileName: b.ver.FileName, MimeType: b.ver.MimeType, Size: b.ver.FileSize, CreatedAt: b.ver.CreateDate.UTC(), Description: b.ver.Description,
		Link: &link, LinkIsThisVersion: link.PageVersion == v && link.Version == b.ver.Number, Holds: []Hold{},
	}
	if r.FolderPath, err = b.folderPath(ctx, node.ParentID); err != nil {
		return err
	}
	if r.Categories, err = b.categories(ctx, node.ID); err != nil {
		return err
	}
	rm, err := otcs.RMClassifications(ctx, node.ID)
	if err != nil && !notFound(err) {
		return backend("OTCS", fmt.Sprintf("read RM classification of node %d", node.ID), err)
	}
	if rm != nil {
		for _, c := range rm.Classifications {
			r.RM = append(r.RM, RM{ClassID: c.ClassID, Name: c.Name, FileNumber: c.FileNumber, Status: c.Status, RecordDate: c.RecordDate, Official: c.Official, Finalized: c.Finalized})
		}
	}
	holds, err := otcs.NodeHolds(ctx, node.ID)
	if err != nil && !notFound(err) {
		return backend("OTCS", fmt.Sprintf("read holds of node %d", node.ID), err)
	}
	for _, h := range holds {
		r.Holds = append(r.Holds, Hold{ID: h.ID, Name: h.Name, Type: h.Type, Active: h.Active})
	}
	b.p.Record = r
	return nil
}

// folderPath is the names from the top of the tree down to folderID.
func (b *builder) folderPath(ctx context.Context, folderID int64) (string, error) {
	var names []string
	for id, depth := folderID, 0; id > 0 && depth < 64; depth++ {
		n, err := b.src.OTCS.GetNode(ctx, id)
		if notFound(err) {
			names = append(names, fmt.Sprintf("(node %d)", id))
			break
		}
		if err != nil {
			return "", backend("OTCS", fmt.Sprintf("read folder %d", id), err)
		}
		names = append(names, n.Name)
		id = n.ParentID
	}
	slices.Reverse(names)
	return strings.Join(names, "/"), nil
}

// categoryIDs are the categories the space's rules apply, in rule order.
func (b *builder) categoryIDs() []int64 {
	if b.src.Rules == nil {
		return nil
	}
	sp, err := b.src.Rules.ForSpace(b.p.Source.SpaceKey)
	if err != nil {
		b.note("the mapping has no rules for space %s: no category values read", b.p.Source.SpaceKey)
		return nil
	}
	var ids []int64
	add := func(t mapping.Target) {
		if t.Category.ID != 0 && !slices.Contains(ids, t.Category.ID) {
			ids = append(ids, t.Category.ID)
		}
	}
	add(sp.Target)
	for _, r := range sp.Records {
		add(r.Target)
	}
	if sp.Review != nil {
		add(sp.Review.Target)
	}
	return ids
}

func (b *builder) categories(ctx context.Context, nodeID int64) ([]Category, error) {
	var out []Category
	for _, id := range b.categoryIDs() {
		vals, err := b.src.OTCS.CategoryValues(ctx, nodeID, id)
		if notFound(err) || (err == nil && len(vals) == 0) {
			continue
		}
		if err != nil {
			return nil, backend("OTCS", fmt.Sprintf("read category %d of node %d", id, nodeID), err)
		}
		def, err := b.src.OTCS.CategoryDefinition(ctx, nodeID, id)
		if err != nil {
			return nil, backend("OTCS", fmt.Sprintf("read category definition %d", id), err)
		}
		c := Category{ID: id, Name: def.Name, Values: map[string]any{}}
		byKey := map[string]string{}
		for _, a := range def.Attributes {
			byKey[a.Key] = a.Name
		}
		for k, v := range vals {
			name, ok := byKey[k]
			if !ok {
				continue // the category's own key ("9001_1") and unknown ones
			}
			c.Values[name] = v
		}
		out = append(out, c)
	}
	return out, nil
}

// categoryValue is the record's value of the first category attribute
// the space's rules fill from kind ("" when none).
func (b *builder) categoryValue(kind mapping.SourceKind) string {
	if b.src.Rules == nil {
		return ""
	}
	sp, err := b.src.Rules.ForSpace(b.p.Source.SpaceKey)
	if err != nil {
		return ""
	}
	targets := []mapping.Target{sp.Target}
	for _, r := range sp.Records {
		targets = append(targets, r.Target)
	}
	if sp.Review != nil {
		targets = append(targets, sp.Review.Target)
	}
	for _, c := range b.p.Record.Categories {
		for _, t := range targets {
			if t.Category.ID != c.ID {
				continue
			}
			for _, a := range t.Category.Attributes {
				if v, ok := c.Values[a.Name]; ok && a.Source.Kind == kind && v != nil && fmt.Sprint(v) != "" {
					return fmt.Sprint(v)
				}
			}
		}
	}
	return ""
}

func (b *builder) fixity(ctx context.Context) error {
	f := Fixity{Algorithm: "SHA-256"}
	r := &b.p.Record
	f.Category = b.categoryValue(mapping.FromChecksum)
	switch {
	case r.LinkIsThisVersion && r.Link.SHA256 != "":
		f.Recorded, f.RecordedFrom = r.Link.SHA256, "record link on the page, content property "+activities.RecordPropertyKey
	case b.filingRun() != nil && b.filingRun().Result.SHA256 != "":
		run := b.filingRun()
		f.Recorded, f.RecordedSize, f.RecordedFrom = run.Result.SHA256, run.Result.Size, "result of workflow "+run.WorkflowID
	case r.LinkIsThisVersion && f.Category != "":
		f.Recorded, f.RecordedFrom = f.Category, "category attribute"
	default:
		b.note("no checksum recorded at upload was found for OTCS version %d: the record link names a later version and the publish run is not in Temporal", r.Version)
	}
	if res := b.runResult(); res != nil && res.SHA256 == f.Recorded {
		f.RecordedSize = res.Size
	}
	body, err := b.src.OTCS.DownloadVersion(ctx, r.NodeID, r.Version)
	if notFound(err) {
		return fail(KindRecordMissing, "OTCS node %d has no version %d to download", r.NodeID, r.Version)
	}
	if err != nil {
		return backend("OTCS", fmt.Sprintf("download node %d version %d", r.NodeID, r.Version), err)
	}
	defer body.Close()
	h := sha256.New()
	n, err := io.Copy(h, body)
	if err != nil {
		return backend("OTCS", fmt.Sprintf("read node %d version %d", r.NodeID, r.Version), err)
	}
	f.Now, f.NowSize, f.NowAt = hex.EncodeToString(h.Sum(nil)), n, b.now().UTC()
	f.Match = f.Recorded != "" && f.Now == f.Recorded && (f.RecordedSize == 0 || f.RecordedSize == n)
	if r.LinkIsThisVersion && f.Category != "" && f.Category != f.Now {
		f.Match = false
	}
	b.p.Fixity = f
	return nil
}

// filingRun is the first completed run whose result is this record
// version, or nil.
func (b *builder) filingRun() *Run {
	for i, r := range b.p.Trail.Runs {
		if r.Result != nil && r.Result.OTCSVersion == b.ver.Number && r.Result.NodeID == b.p.Record.NodeID {
			return &b.p.Trail.Runs[i]
		}
	}
	return nil
}

// runResult is filingRun's result, or nil.
func (b *builder) runResult() *workflows.PublishPageResult {
	if r := b.filingRun(); r != nil {
		return r.Result
	}
	return nil
}

func (b *builder) access(ctx context.Context) error {
	a := Access{Now: []Permission{}}
	if res := b.runResult(); res != nil && res.Access != "" {
		a.AtFiling, a.AtFilingFrom = res.Access, "publish run result"
	}
	const tag = "[source access: "
	if d := b.ver.Description; a.AtFiling == "" {
		if i := strings.Index(d, tag); i >= 0 {
			if j := strings.Index(d[i:], "]"); j > 0 {
				a.AtFiling, a.AtFilingFrom = d[i+len(tag):i+j], "OTCS version description"
			}
		}
	}
	if a.AtFiling == "" {
		// The bridge names the source access on the version of every
		// restricted page it files; an open page's version names none.
		a.AtFiling, a.AtFilingFrom = "not restricted", "OTCS version description, which names no source access"
	}
	perms, err := b.src.OTCS.NodePermissions(ctx, b.p.Record.NodeID)
	if err != nil {
		return backend("OTCS", fmt.Sprintf("read permissions of node %d", b.p.Record.NodeID), err)
	}
	add := func(entry string, e *opentext.PermissionEntry) error {
		if e == nil {
			return nil
		}
		p := Permission{Entry: entry, RightID: e.RightID, Permissions: []string{}}
		for _, x := range e.Permissions {
			p.Permissions = append(p.Permissions, string(x))
		}
		sort.Strings(p.Permissions)
		if e.RightID > 0 {
			name, err := b.member(ctx, e.RightID)
			if err != nil {
				return err
			}
			p.Name = name
		}
		a.Now = append(a.Now, p)
		return nil
	}
	if err := add("owner", perms.Owner); err != nil {
		return err
	}
	if err := add("owner group", perms.OwnerGroup); err != nil {
		return err
	}
	if err := add("public", perms.Public); err != nil {
		return err
	}
	for i := range perms.Custom {
		if err := add("custom", &perms.Custom[i]); err != nil {
			return err
		}
	}
	b.p.Access = a
	return nil
}

func (b *builder) member(ctx context.Context, id int64) (string, error) {
	if n, ok := b.members[id]; ok {
		return n, nil
	}
	m, err := b.src.OTCS.GetMember(ctx, id)
	if notFound(err) {
		b.members[id] = fmt.Sprintf("(member %d)", id)
		return b.members[id], nil
	}
	if err != nil {
		return "", backend("OTCS", fmt.Sprintf("read member %d", id), err)
	}
	name := m.Name
	if m.TypeName != "" {
		name = m.TypeName + " " + m.Name
	}
	b.members[id] = name
	return name, nil
}

// trail describes the runs that may have filed the page version: the one
// the record link names, then the deterministic ids of a publish and a
// filing of this version. Temporal being unreachable is noted, not fatal.
func (b *builder) trail(ctx context.Context) {
	t := Trail{}
	c := b.src.Temporal
	if c == nil {
		t.Error = "Temporal not configured"
		if b.src.TemporalError != "" {
			t.Error = "Temporal not reachable: " + b.src.TemporalError
		}
		b.note("the durable trail is missing: %s", t.Error)
		b.p.Trail = t
		return
	}
	pageID, v := b.page.ID, b.p.Source.Version
	var ids []string
	if l := b.p.Record.Link; l != nil && l.PageVersion == v && l.WorkflowID != "" {
		ids = append(ids, l.WorkflowID)
	}
	for _, id := range []string{workflows.PublishPageWorkflowID(pageID, v), workflows.FileRecordWorkflowID(pageID, v)} {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	t.Reachable = true
	for _, id := range ids {
		desc, err := c.DescribeWorkflowExecution(ctx, id, "")
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			continue
		}
		if err != nil {
			t.Reachable, t.Error = false, fmt.Sprintf("Temporal: describe %s: %v", id, err)
			b.note("the durable trail is missing: %s", t.Error)
			break
		}
		info := desc.GetWorkflowExecutionInfo()
		run := Run{WorkflowID: id, RunID: info.GetExecution().GetRunId(), Type: info.GetType().GetName(), Status: info.GetStatus().String(),
			StartedAt: info.GetStartTime().AsTime().UTC()}
		if ct := info.GetCloseTime(); ct != nil {
			run.ClosedAt = ct.AsTime().UTC()
		}
		if run.Status == "Completed" && (strings.HasPrefix(id, "publish:") || strings.HasPrefix(id, "file:")) {
			var res workflows.PublishPageResult
			if err := c.GetWorkflow(ctx, id, run.RunID).Get(ctx, &res); err == nil {
				run.Result = &res
			}
		}
		steps, err := runSteps(ctx, c, id, run.RunID)
		if err != nil {
			b.note("the steps of run %s are missing: %v", id, err)
		}
		run.Steps = steps
		t.Runs = append(t.Runs, run)
	}
	if t.Reachable && len(t.Runs) == 0 {
		b.note("Temporal has no run %s in namespace %s (past its retention, or filed by another flow)", strings.Join(ids, " or "), b.src.Namespace)
	}
	b.p.Trail = t
}

// Digest is the SHA-256 of p's JSON with its Digest field empty.
func Digest(p *Pack) string {
	c := *p
	c.Digest = ""
	raw, err := json.Marshal(&c)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}
