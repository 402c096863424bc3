package activities

import (
	"time"

	"github.com/xecm-bridge/xecm-bridge/rendition/pdfa"
)

// StartReviewInput asks for an OTCS workflow process on the draft.
type StartReviewInput struct {
	MapID   int64
	NodeID  int64
	Title   string
	Due     time.Time
	Comment string
}

// ReviewProcessState is what the bridge learns from one look at a process.
type ReviewProcessState struct {
	Status      string // ontime, workflowlate, completed, stopped
	Done        bool
	Approved    bool
	By          string // who decided (login name)
	Comment     string
	At          time.Time
	CurrentStep string
	Assignees   []string
}

// WithdrawInput names the draft (and process) of a withdrawn review.
type WithdrawInput struct {
	NodeID    int64
	ProcessID int64 // 0: no OTCS process
	Note      string
}

// DeclareInput is the approved version to make the controlled record.
type DeclareInput struct {
	Page    PageSnapshot // the reviewed version, with Rule publish and the approval evidence
	NodeID  int64
	Version int // the reviewed OTCS version; 0 for runs started before it was passed
	SHA256  string
	Meaning string
}

// DeclareResult is the record as declared.
type DeclareResult struct {
	NodeID         int64
	FolderID       int64
	Classification string
	Official       bool
	Finalized      bool
	AlreadyFinal   bool // it was declared before (a retry); nothing was changed
}

// PDFSettings configure PDF renditions (mapping rendition: pdf).
type PDFSettings struct {
	// EmbedLimit is the total size of a page's attachments that is embedded
	// in the PDF (PDF/A-3); above it they are filed beside the record.
	EmbedLimit int64
	// Limits bound each render (time, memory of Chromium and Ghostscript,
	// output size); zero fields take pdfa.DefaultLimits.
	Limits pdfa.Limits
	// Chromium and Ghostscript name the programs ("" = look them up in PATH).
	Chromium, Ghostscript string
	// WorkDir is the scratch space of renders ("" = the system's temp dir).
	WorkDir string
}

// DefaultEmbedLimit is the attachment total embedded when none is set.
const DefaultEmbedLimit = 50 << 20

// Plan is what a publish or filing would write, worked out with reads only
// (`starter publish --dry-run`).
type Plan struct {
	Page   PageSnapshot
	Writes []string // every write, in order, on OTCS then Confluence
}
