// Package opentext is an in-process, in-memory simulator of the OpenText
// Content Server (OTCS) REST API, faithful enough to the wire contract in
// shared/reference/opentext-rest.md that third-party clients (pyxecm, xecm,
// @kweli/cs-rest) and our own clients/opentext work against it unchanged.
//
// It serves Prefix+"/api/v1|v2/..." with OTCS framing: form-urlencoded or
// multipart request bodies whose JSON `body` field is merged over flat fields
// and the query string, v1 flat and v2 links+results envelopes,
// {"error":"..."} bodies, ticket authentication with a rotated OTCSTicket
// response header, and idle ticket expiry. Document content is streamed to
// files under Options.BlobDir and hashed while it is written, so large
// uploads never sit in memory.
//
// Admin endpoints (no authentication, never fault-injected):
//
//	GET      /__sim/state           JSON dump of nodes, versions (sha256), categories, RM, holds
//	GET|PUT  /__sim/faults          fault configuration (faults.Injector.AdminHandler)
//	POST     /__sim/expire-tickets  invalidate every ticket
//
// # Demo seed
//
// With Options.Seed the server starts with these deterministic ids (also
// exported as constants):
//
//	2000   Enterprise Workspace (141)
//	  30001  Controlled Documents (folder)
//	    30002  Policies (folder)
//	  30003  Records (folder)
//	    30004  Meeting Notes (folder)
//	2006   Categories volume (133)
//	  9001   Confluence Page (category, 131); attributes 9001_2 Project,
//	         9001_3 Department, 9001_4 Document Type, 9001_5 Owner,
//	         9001_6 Approval Status, 9001_7 Retention Category,
//	         9001_8 Source Page ID (required), 9001_9 Source Version (Integer),
//	         9001_10 Approved By, 9001_11 Approval Date (Date), 9001_12 SHA-256,
//	         9001_13 Source URL; all others String
//	2050   RM classification volume (198)
//	  7001   POL-01 Policies and Procedures (551, file number POL-01)
//	  7002   MTG-01 Meeting Records (551, file number MTG-01)
//	hold 8001 "Litigation Hold 2026-01" (Legal)
//	users Admin (1000, password livelink) and bridge (1001, bridge-secret)
//
// Nodes created at run time get ids from 40000 upwards.
package opentext

// Seed ids, valid when Options.Seed is set.
const (
	EnterpriseWorkspaceID    int64 = 2000  // Enterprise Workspace volume (type 141)
	CategoriesVolumeID       int64 = 2006  // Categories volume (type 133)
	RMClassificationVolumeID int64 = 2050  // RM classification volume (type 198)
	ControlledDocumentsID    int64 = 30001 // folder "Controlled Documents" under 2000
	PoliciesFolderID         int64 = 30002 // folder "Policies" under 30001
	RecordsFolderID          int64 = 30003 // folder "Records" under 2000
	MeetingNotesFolderID     int64 = 30004 // folder "Meeting Notes" under 30003
	ConfluencePageCategoryID int64 = 9001  // category "Confluence Page" (type 131)
	RMPoliciesClassID        int64 = 7001  // RM classification "POL-01 Policies and Procedures"
	RMMeetingsClassID        int64 = 7002  // RM classification "MTG-01 Meeting Records"
	LitigationHoldID         int64 = 8001  // hold "Litigation Hold 2026-01"
	AdminUserID              int64 = 1000  // user Admin
	BridgeUserID             int64 = 1001  // user bridge
	FirstAllocatedID         int64 = 40000 // first id handed to nodes created at run time
)
