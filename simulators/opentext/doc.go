// Package opentext is an in-process, in-memory simulator of the OpenText
// Content Server (OTCS) REST API, faithful enough to the wire contract
// (OpenText's Content Server REST API, https://developer.opentext.com/, as
// used by pyxecm, https://github.com/opentext/pyxecm; summarised, with the
// [SPEC-TS] and [PX] source tags used below, in docs/contracts.md) that
// third-party clients (pyxecm, xecm, @kweli/cs-rest) and our own
// clients/opentext work against it unchanged.
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
//	GET      /__sim/state           JSON dump of nodes, versions (sha256), categories, RM (finalized), holds, processes, recycle bin
//	GET|PUT  /__sim/faults          fault configuration (faults.Injector.AdminHandler)
//	POST     /__sim/expire-tickets  invalidate every ticket
//	POST     /__sim/seed?parent=2100&documents=N&prefix=Chaos[&minor=true][&category=9002&values=Attr:Value,...]
//	                                add N one-page PDFs "<prefix> 0001.pdf"... with one version (1.0, or 0.1
//	                                with minor) and those category values (chaos runs, load tests); answers
//	                                {"documents":[...]}; 409 if a name is taken in the parent
//
// Server.Writes lists every successful API call that changed something
// (who, route, node, category), so a test can count a client's writes.
//
// # Demo seed
//
// With Options.Seed the server starts with these deterministic ids (also
// exported as constants):
//
//	2000   Enterprise Workspace (141)
//	  5000   Workflow Maps (folder)
//	    5001   Document Approval (workflow map, 128): step "Review" (reviewer1)
//	    5002   Two-Step Approval (128): "Review" (reviewer1), then "Sign-off" (reviewer2)
//	    5003   Broken Map (128): exists, but has no map version, so it cannot be started
//	  30001  Controlled Documents (folder)
//	    30002  Policies (folder)
//	    2100   Approved Procedures (folder; advanced versioning for new documents)
//	      2101   SOP-001 Incident Response.pdf: 1.0 (major), then 1.1 (minor draft, newer)
//	      2102   SOP-002 Change Management.pdf: 1.0, then 2.0
//	      2103   SOP-003 Access Review.pdf: only 0.1 (nothing approved yet)
//	    2200   Templates (folder)
//	      2201   Approved (folder; advanced versioning for new documents)
//	        2210   Policy Template.docx: 1.0 (the DOCX PolicyTemplateDOCX builds)
//	        2211   SOP Template.md (text/markdown): 1.0
//	        2212   Compliance Checklist.pdf: 1.0
//	        2213   Project Charter.md: 1.0, then 1.1 (minor draft, newer, new content)
//	    2300   Project Apollo (business workspace, 848): workspace type 16
//	           "Project", business object SAP / PROJECT / APOLLO
//	      2301   Apollo Master Services Agreement.pdf (Document Type Contract)
//	      2302   Apollo Budget Approval (signed).pdf (Document Type Signed Approval)
//	  30003  Records (folder)
//	    30004  Meeting Notes (folder)
//	2006   Categories volume (133)
//	  9001   Confluence Page (category, 131); attributes 9001_2 Project,
//	         9001_3 Department, 9001_4 Document Type, 9001_5 Owner,
//	         9001_6 Approval Status, 9001_7 Retention Category,
//	         9001_8 Source Page ID (required), 9001_9 Source Version (Integer),
//	         9001_10 Approved By, 9001_11 Approval Date (Date), 9001_12 SHA-256,
//	         9001_13 Source URL; all others String
//	  9002   Document Control (category); attributes 9002_2 Document Type,
//	         9002_3 Owner, 9002_4 Approval Status, 9002_5 Approved By,
//	         9002_6 Confluence Page (max 2000), all String
//	2060   Workflow Volume (161): holds each process's attachments folder (154)
//	2050   RM classification volume (198)
//	  7001   POL-01 Policies and Procedures (551, file number POL-01)
//	  7002   MTG-01 Meeting Records (551, file number MTG-01)
//	hold 8001 "Litigation Hold 2026-01" (Legal)
//	users Admin (1000, password livelink), bridge (1001, bridge-secret),
//	      reviewer1 (1002, reviewer1-pw), reviewer2 (1003, reviewer2-pw),
//	      lena (1010, lena-secret, lena@example.com),
//	      oscar (1011, oscar-secret, oscar@example.com)
//	groups DefaultGroup (1100): every user; Legal (1101): lena;
//	       RM Administrators (1102): Admin, bridge
//
// The documents 2101-2104, 2301 and 2302 are PDFs carrying Document
// Control with Approval Status "Approved" (2103: "Draft"), Document Type,
// Owner and Approved By set and Confluence Page empty. Their times are
// fixed (January 2026) and no two modify dates are equal. 2104 is readable
// by the Legal group only. Project Apollo
// sits under Controlled Documents, not directly under the Enterprise
// Workspace, so the Enterprise Workspace keeps the three children
// third-party client checks expect.
//
// The templates 2210-2213 (seed_templates.go) exercise the conversion of
// OTCS template documents into Confluence pages: a DOCX with headings,
// lists, a table, a link and an embedded image, two Markdown files and a
// PDF that can only be attached. They use advanced versioning, carry no
// category, have fixed times (16-20 January 2026) and distinct modify
// dates; the Project Charter's newest version is a draft whose content
// differs from the approved 1.0.
//
// Nodes created at run time get ids from 40000 upwards; draft processes and
// processes share a counter starting at 150000.
//
// # Workflows
//
// A small workflow engine answers the REST paths of reference §6. Every
// seeded map offers the custom actions (dispositions) Approve and Reject on
// each step; Approve sends the process on to the next step or, on the last
// step, completes it; Reject completes it at once. Only the current step's
// assignee may act. Task ids are the step's 1-based position in the map and
// the (only) subprocess of a process has the process's id. Draft process
// creation makes an attachments folder (type 154) under the Workflow Volume
// holding a shortcut to each attached document. Process status is ontime,
// workflowlate (the current step or the process is past due), completed or
// stopped; a suspended process keeps its status and reports
// wf_details.suspended = true, and its tasks refuse actions until resumed.
//
// # Versions, recycle bin, members
//
// Documents created with advanced_versioning=true number their versions
// major.minor (the first is 0.1; add_major_version opens the next x.0);
// without advanced_versioning a new document takes its folder's default
// (versions_control_advanced, set on the seeded Approved Procedures);
// version lists carry version_number_major/minor/name and the spec's
// version_major_number/version_minor_number (standard: 0, n, "n");
// POST /api/v2/nodes/{id}/versions/{n}/promote copies minor version {n} to
// the next major version. DELETE /api/v1|v2/nodes/{id}/versions/{n} refuses
// the current (newest) version, so a document always keeps one;
// DELETE /api/v2/nodes/{id}/versions keeps the newest number_to_keep
// versions (default 1, minimum 1). Generations (subtype 2, original_id +
// version_number) are frozen copies of one version.
//
// DELETE /nodes/{id} moves the node and its descendants to the Recycle Bin:
// they vanish from the tree (and their nicknames stop resolving) until
// POST /api/v2/volumes/recyclebin/nodes/restore puts them back under their
// original parent, or .../purge drops them for good. Both take `ids` and
// answer results.success.ids / results.failure{ids,errors.<id>.message},
// with HTTP 400 when any id failed (not in the bin, parent gone, name now
// taken). Server.RecycleBin lists the bin; /__sim/state shows it as
// "recycle_bin".
//
// GET /api/v1|v2/members/{id} and GET /api/v2/members (where_type 0
// users, 1 groups, both without it; where_name and the other where_*
// filters as case-insensitive contains matches, or `query`; limit clamped
// to 20) serve the configured users and the groups. Users, lena and oscar
// included, and the groups exist with or without Options.Seed; every
// user's base group (group_id) is DefaultGroup, and a seed user left out of
// Options.Users is left out of its groups too. GET /api/v2/members/{id}/members
// pages a group's direct members (where_type, where_* filters; 500 "Invalid
// group {id}" for a user), POST adds member_id (system administrators
// only, else 500 "Insufficient privileges"), and GET /api/v2/members/memberof
// lists the caller's groups. Admin and bridge hold system administration
// rights (privilege_system_admin_rights); the others do not.
//
// # Permissions
//
// Every node has OTCS's permissions (acl.go, permissions.go): an owner
// (user), an owner group, public access (every authenticated user) and
// assigned access, each with the permission names see, see_contents,
// modify, edit_attributes, add_items, reserve, add_major_version,
// delete_versions, delete, edit_permissions. Seeded nodes: owner Admin
// with all of them, owner group DefaultGroup with none, public access see
// and see_contents, so public access alone decides what an ordinary user
// sees. A node created in a folder (by REST, the workflow engine or the Go
// API) copies the folder's permissions with its creator as owner and the
// creator's base group as owner group; a move keeps the node's own
// permissions (OTCS inherits the target's only when asked, which the
// simulator does not model); permission changes leave modify_date alone.
//
// GET /api/v2/nodes/{id}/permissions (page/limit) lists
// results[].data.permissions{type,right_id,permissions}; GET|PUT|DELETE
// .../permissions/owner|group|public read, set (right_id changes the owner
// or owner group) or remove an entry (a removed entry reads as
// "permissions": null); POST .../permissions/custom adds or replaces
// right_id's assigned access and answers the entry; PUT|DELETE
// .../permissions/custom/{right_id} change or drop it (400 when the node
// has none for that member); GET .../permissions/effective/{right_id} is
// what a user or group may do, its groups' entries and public access
// included. Writes take `body` JSON or flat fields: permissions, right_id,
// apply_to (0 this item, 1 sub-items, 2 this item and sub-items, 3 this
// item and immediate sub-items; anything but 0 on a non-container is 400
// "Could not process object, invalid request"); sub-items the caller may
// not edit the permissions of are skipped. expand=permissions adds
// right_id_expand (the member), and GET /nodes/{id}?fields=permissions
// (.limit(n)) lists the same entries.
//
// Requests are checked against the caller's effective permissions; Admin
// and bridge bypass every check. A node the caller may not see answers
// exactly as a missing one (400 "Could not get a node for {id}") on every
// node route, and browse, search, POST /nodes/list, business workspace
// lists and nickname lookups leave it out. A visible node without the
// permission a request needs answers 400 with OTCS's "Sorry, the item you
// requested could not be accessed. …" text: see_contents for browse,
// versions and content; add_items on the folder to create in (see on a
// shortcut's original, see_contents on a generation's); modify for PUT
// /nodes/{id} and nicknames, plus delete on the node and add_items on the
// target for a move; modify (and add_major_version for a major version or
// a promotion) to add versions; delete_versions to delete or purge
// versions; edit_attributes for categories, RM classifications, holds and
// finalizing; delete to delete. The permission routes answer 500 "Sorry, …
// could not be accessed …" for a missing or invisible node and 500
// "Insufficient permissions to perform that action" without
// edit_permissions [SPEC-TS getNodePermissions, updateNodePermissionOwner].
// Workflow routes and the recycle bin are not checked.
//
// # Business workspaces
//
// Business workspaces are containers of subtype 848 with a workspace type
// and business object references. GET /api/v2/businessworkspaces lists them
// with top-level `paging` and the filters where_workspace_type_id,
// where_workspace_type_name, where_name (contains_ or startswith_ prefix,
// plain contains), where_ext_system_id, where_bo_type and where_bo_id;
// GET /api/v1|v2/businessworkspaces/{id} answers the `fields` groups
// properties, business_properties, categories, workspace_references,
// display_urls and wksp_info (all without `fields`), 404 for any other id;
// GET /api/v1/nodes/{id}/businessworkspace names the nearest workspace at
// or above a node, 404 outside one. See workspaces.go.
//
// # Changes
//
// modify_date (and modify_user_id) move to the simulator clock's now on
// every content or metadata change: new, promoted, deleted or purged
// versions, category apply/update/remove, RM classification changes,
// rename, description, URL target and move. Browse takes
// sort=[asc_|desc_]{name,id,create_date,modify_date,type,size} (ties by
// id), echoes it in collection.sorting and answers 500 "Invalid column
// name" for other columns. The Go API in mutate.go (AddVersion,
// SetCategoryValue, Rename, DeleteNode, CreateDocument, CreateWorkspace)
// makes the same changes as Admin, for tests and the demo.
//
// # Search
//
// POST /api/v2/search (and the deprecated GET) evaluates an LQL subset in
// `where` (form field, query string or JSON `body`): OTName: word,
// OTName: "exact name", OTSubType: n and OTLocation: id (the node and its
// descendants), joined by and/or with parentheses; `page`/`limit` page the
// results, which are live nodes outside the Recycle Bin. See search.go.
//
// # Records
//
// PUT /api/v1/rmclassifications/finalizerecords (ids=1,2) finalizes
// RM-classified items; rmclassifications GET then reports "finalized": true
// on the record (and "canFinalize": false). Finalized items refuse new
// versions, category changes, moves, deletion and removal of their RM
// classification with a 400 naming the reason, as items under hold refuse
// new versions, category changes, moves and deletion. Both also refuse
// version deletion, version purge and promotion.
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

	Reviewer1UserID         int64 = 1002   // user reviewer1 (assignee of every "Review" step)
	Reviewer2UserID         int64 = 1003   // user reviewer2 (assignee of the "Sign-off" step)
	LenaUserID              int64 = 1010   // user lena (lena-secret, lena@example.com), member of Legal
	OscarUserID             int64 = 1011   // user oscar (oscar-secret, oscar@example.com), in DefaultGroup only
	DefaultGroupID          int64 = 1100   // group DefaultGroup: every user's base group
	LegalGroupID            int64 = 1101   // group Legal: lena
	RMAdministratorsGroupID int64 = 1102   // group RM Administrators: Admin, bridge
	WorkflowMapsFolderID    int64 = 5000   // folder "Workflow Maps" under 2000
	DocumentApprovalMapID   int64 = 5001   // map "Document Approval": Review (reviewer1)
	TwoStepApprovalMapID    int64 = 5002   // map "Two-Step Approval": Review (reviewer1), Sign-off (reviewer2)
	BrokenMapID             int64 = 5003   // map "Broken Map": draft creation answers 400 "Workflow Map has no versions"
	WorkflowVolumeID        int64 = 2060   // Workflow Volume (161), parent of attachment folders
	FirstWorkflowID         int64 = 150000 // first draft process / process id

	// OpenText → Confluence demo content (seed_o2c.go).
	DocumentControlCategoryID  int64 = 9002 // category "Document Control": 9002_2 Document Type ... 9002_6 Confluence Page
	ApprovedProceduresFolderID int64 = 2100 // folder "Approved Procedures" under 30001, advanced versioning by default
	SOPIncidentResponseID      int64 = 2101 // "SOP-001 Incident Response.pdf": 1.0, then the newer minor draft 1.1
	SOPChangeManagementID      int64 = 2102 // "SOP-002 Change Management.pdf": 1.0 and 2.0
	SOPAccessReviewID          int64 = 2103 // "SOP-003 Access Review.pdf": only 0.1, no approved major version
	LegalHoldProcedureID       int64 = 2104 // "LEG-001 Legal Hold Procedure.pdf": 1.0; readable by Legal only (no public, owner or owner group access)
	ProjectApolloWorkspaceID   int64 = 2300 // business workspace (848) "Project Apollo" under 30001, SAP PROJECT APOLLO
	ApolloAgreementID          int64 = 2301 // "Apollo Master Services Agreement.pdf" in 2300 (Contract)
	ApolloBudgetApprovalID     int64 = 2302 // "Apollo Budget Approval (signed).pdf" in 2300 (Signed Approval)
	ProjectWorkspaceTypeID     int64 = 16   // workspace type "Project"

	// Template documents for conversion to Confluence (seed_templates.go).
	TemplatesFolderID         int64 = 2200 // folder "Templates" under 30001
	ApprovedTemplatesFolderID int64 = 2201 // folder "Approved" under 2200, advanced versioning by default
	PolicyTemplateID          int64 = 2210 // "Policy Template.docx": 1.0 (major)
	SOPTemplateID             int64 = 2211 // "SOP Template.md" (text/markdown): 1.0
	ChecklistTemplateID       int64 = 2212 // "Compliance Checklist.pdf": 1.0
	CharterTemplateID         int64 = 2213 // "Project Charter.md": 1.0, then the newer minor draft 1.1 with different content
)
