// Package workflows holds the bridge's Temporal workflows, one file each.
// Workflow code only orchestrates: every call to a backend is an activity on
// that backend's task queue, and payloads carry ids and checksums only.
package workflows

import "go.temporal.io/sdk/temporal"

// TaskQueue is where workflow tasks run (workers started with the
// "workflows" role poll it).
const TaskQueue = "xecm-bridge-workflows"

// Search attributes that make runs findable in the Web UI and through
// `starter list`. They must be registered on the server (the Makefile and
// docker-compose do it; see SearchAttributes).
var (
	PageIDAttr = temporal.NewSearchAttributeKeyKeyword("BridgePageId")
	SpaceAttr  = temporal.NewSearchAttributeKeyKeyword("BridgeSpace")
	NodeIDAttr = temporal.NewSearchAttributeKeyKeyword("BridgeOtcsNodeId")
	StageAttr  = temporal.NewSearchAttributeKeyKeyword("BridgeStage")
)

// SearchAttributes lists the custom search attributes as name=Type pairs,
// the form `temporal server start-dev --search-attribute` takes.
var SearchAttributes = []string{
	"BridgePageId=Keyword",
	"BridgeSpace=Keyword",
	"BridgeOtcsNodeId=Keyword",
	"BridgeStage=Keyword",
}

// Stage is where a run stands, as shown in BridgeStage and the status
// queries: the one set of stage names the workflows, the control surface
// and the starter use.
type Stage string

// Stages of a publish. Uploading covers the upload, its fixity check and
// the classification, which StoreRecord makes in one activity.
const (
	StageReading     Stage = "Reading"
	StageUploading   Stage = "Uploading"
	StageClassifying Stage = "Classifying"
	StageLinking     Stage = "Linking"
	StagePublished   Stage = "Published"
	StageFailed      Stage = "Failed"
)
