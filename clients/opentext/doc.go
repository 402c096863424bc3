// Package opentext is a typed client for the OpenText Content Server
// (OTCS) REST API, in the style of google/go-github: typed requests and
// responses, a context on every call, and failures as *rest.Error (Service
// "opentext") carrying the HTTP status, the server's `error` text and a
// rest.Kind.
//
// Wire conventions follow OpenText's Content Server REST API
// (https://developer.opentext.com/; as pyxecm uses it,
// https://github.com/opentext/pyxecm; summarised in docs/contracts.md): request
// bodies are form-urlencoded (structured parameters in a JSON `body`
// field) or multipart for uploads; v2 responses are unwrapped from their
// links+results envelopes.
//
// Authentication uses an OTCS ticket from POST /api/v1/auth, sent as the
// OTCSTicket header. The client adopts the rotated ticket each response
// carries and, on a 401, logs in again once (one re-login at a time across
// goroutines) and repeats the call. Neither the ticket nor the password
// ever appears in an error.
//
// The password and the ticket go to BaseURL's origin (scheme, host and
// port) only: a redirect to any other origin, an https to http downgrade
// included, is refused as a rest.KindForeignOrigin error before anything
// is sent there; the login (POST /api/v1/auth) follows no redirect at all,
// so a 307/308 never resends the password; and a ticket is adopted only
// from an answer that came from BaseURL's origin.
//
// Error kinds: 429 and 5xx are retried by the transport and end as
// KindRateLimited/KindUnavailable. Two OTCS quirks are mapped so callers can
// act on them: "An item with the name '…' already exists." (HTTP 500 on
// v2 create, 400 on v1) becomes KindConflict with StatusCode still 500/400,
// and "Could not get a node …"/"… could not be accessed …" (400 or 500)
// becomes KindNotFound, "Invalid column name (…) specified for sorting"
// (HTTP 500 for an unknown ListOptions.Sort) becomes KindBadRequest, and
// "Insufficient permissions to perform that action"/"Insufficient
// privileges" (HTTP 500 from the permission and member endpoints) become
// KindForbidden. None of these is retried. "… is already applied to …" (a
// hold the node already has) is KindConflict too. OTCS answers a node the
// caller may not see exactly as a missing one, so KindNotFound also means
// "not visible to this user".
//
// Permissions (permissions.go) are read with NodePermissions and
// EffectivePermissions and changed with SetPublicPermissions,
// SetOwnerGroupPermissions and the assigned access calls
// (AddCustomPermission, UpdateCustomPermission, RemoveCustomPermission),
// each with an ApplyTo scope. Members (members.go) are found with
// FindUser (login name or business e-mail, exact match) and FindGroup,
// and GroupMembers lists a group. To act as another user, make a second
// Client with New and that user's credentials.
//
// For the "OpenText → Confluence" direction, ListChildren with
// ListOptions.Sort "desc_modify_date" reads a container newest change
// first (OTCS has no modified-since filter, so callers page until they pass
// their cursor); Version carries major.minor numbering (Major, Minor, Name,
// read from version_number_* or the spec's version_*_number); URL items
// (TypeURL) are made and re-pointed with CreateURL and UpdateURL; and
// business workspaces (workspaces.go) are read by id, found by business
// object (FindBusinessWorkspace) or from any node inside them
// (EnclosingWorkspace).
//
// Workflows (workflows.go) are started through a draft process
// (CreateDraftProcess → UpdateDraftProcess → InitiateDraftProcess) and
// followed by polling ProcessStatus/ProcessActivities; a map that is
// missing or cannot be started fails CreateDraftProcess with
// KindBadRequest and the server's text ("Could not Loadmap", "Workflow
// Map has no versions"). SendTask must come from a Client logged in as the
// step's assignee: a second Client made with New and that user's
// credentials.
package opentext
