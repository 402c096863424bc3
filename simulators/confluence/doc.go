// Package confluence is an in-process, in-memory Confluence that speaks the
// wire contract of Confluence Cloud (REST v2 under /wiki/api/v2, REST v1
// under /wiki/rest/api, downloads under /wiki/download) and of Confluence
// Data Center (REST under /rest/api, downloads under /download), closely
// enough that unchanged third-party clients such as go-atlassian and
// confluence.js work against it. It is meant for tests and demos: state
// lives in memory and is lost when the process ends.
//
// Wire rules it keeps (Atlassian's Confluence Cloud REST API v2 and v1,
// https://developer.atlassian.com/cloud/confluence/rest/v2/ and
// https://developer.atlassian.com/cloud/confluence/rest/v1/; summarised in
// docs/contracts.md):
//   - ids of pages, spaces, labels, properties and attachments are JSON
//     strings; version numbers and file sizes are JSON numbers. The one
//     exception is the v1/DC space object, whose id is a number as on the
//     real v1 API (go-atlassian decodes it into an int).
//   - v2 lists use opaque cursors: _links.next is site-relative
//     (/wiki/api/v2/...), carries the original query plus cursor, and is
//     repeated in a Link header; the last page has neither. A cursor the
//     simulator did not issue is answered with 400.
//   - v2 errors use {"errors":[{"status","code","title","detail"}]}, v1 and
//     DC errors use {"statusCode","message","data"}; 401 is text/plain, as
//     the real edge proxy sometimes sends it.
//   - injected faults (429/503) carry Retry-After and a v2 errors[] body.
//
// # Demo seed
//
// With Options.Seed the simulator starts with these fixed ids:
//
//	space POL, id 98304, "Policies"
//	  page 100001 "Records Retention Policy" by 557058:alice, version 1
//	    labels   approved, dept-legal, doctype-policy
//	    property project = {"name":"Records Programme"}
//	    attachments retention-schedule.csv (text/csv), signature.png (image/png)
//	    body: headings, a paragraph, a table and an ac:image of signature.png
//	  page 100002 "Travel Policy (draft)"                       labels draft, dept-finance
//	  page 100003 "2026-11-20 Records Committee meeting notes"  labels meeting-notes, dept-legal
//	  page 100004 "Expense Policy (draft)"  labels draft, dept-finance (for the lifecycle walkthrough)
//	space ENG, id 98305, "Engineering"
//	  page 200001 "Build Guide" (no labels; a space no mapping covers)
//	space DOCS, id 98306, "Controlled documents" (the bridge's document pages)
//	  page 250001 "Controlled documents", the home page, by 557058:bridge
//	space APOLLO, id 98307, "Project Apollo" (a space embedding document pages)
//	  page 260001 "Project Apollo", the home page, by 557058:alice
//
// (the two home pages are dated 2026-11-01, the policy pages 2026-11-02)
//
// Further spaces get ids from 98308, further pages from 300001; labels,
// properties and attachments share one counter starting at 500001
// (attachments are "att"+number).
//
// # Users, groups and restrictions
//
// Users (Options.Users, default DefaultUsers) log in with Basic
// email:token (Cloud; DC also takes the email's local part as user name)
// or with their token as a DC Bearer personal access token; the bearers
// in Options.BearerTokens (default demo-pat) act as 557058:bridge. A
// user's account id is "557058:" plus the local part of the email, and
// the simulator uses it as the DC user key and username too. The default
// users are bridge@example.com / demo-token (the bridge), editor@ /
// editor-token, lena@ / lena-token and oscar@ / oscar-token, plus the
// seed authors alice@, bob@ and carol@, who cannot log in (carol hides
// her email). Groups (Options.Groups, default DefaultGroups) are
// "confluence-users" (always every user), "records-admins" and
// "confluence-administrators" (the bridge) and "legal" (lena). A group's
// Cloud id is a UUID derived from its name. Writes record the calling
// account as the version author (of pages and of attachments).
//
// v1 (both surfaces): GET .../user?accountId= (or key=, username=),
// .../user/current, .../user/bulk?accountId=, .../user/memberof?accountId=,
// .../group (start/limit, by name), .../group/by-name?name=,
// .../group/by-id?id=, .../group/{name}, .../group/member?name=,
// .../group/{name}/member and .../group/{id}/membersByGroupId. User
// objects carry accountId, displayName, publicName and email; on Cloud a
// hidden email is "" except to its owner. Group objects carry the id on
// Cloud only. There is no user search by email (Cloud's search/user
// knows no email field); the email comes with the user object.
//
// Space permissions: only "View space" (v2 {key:"read",targetType:
// "space"}) is modelled and enforced. A new space grants it to
// confluence-users; SetSpaceReaders (or PUT /__sim/spaces/{key}/readers)
// narrows it. A user without it sees neither the space (404) nor any of
// its pages. GET /wiki/api/v2/spaces/{id}/permissions lists the
// assignments ({id, principal{type,id}, operation{key,targetType}},
// cursor-paged; ids from 800001).
//
// Restrictions live at .../content/{id}/restriction on Cloud v1
// (/wiki/rest/api), DC (/rest/api) and DC's older /rest/experimental:
// GET (both operations always present), PUT (replace all), POST (add),
// DELETE (clear), GET .../byOperation[/{op}], and GET/PUT/DELETE
// .../byOperation/{op}/user?accountId= (or userKey=, username=) and
// .../byOperation/{op}/group/{name} (or byGroupId/{id}). Users may be
// named by account id, user key, username, email or the email's local
// part; groups in bodies by name or id. A read restriction hides the page
// (404 on every read: v1 and v2 pages, children, versions, labels,
// properties, attachments and their downloads, comments, search, and
// pages included in rendered bodies; absent from lists) from everyone not
// listed, and it is inherited: a reader must pass the read restriction of
// the page and of every ancestor. The restriction API shows a page's own
// restrictions only. An update restriction (not inherited) makes page
// updates, trashing, label changes, property writes, attachment uploads
// and restriction changes by anyone not listed a 403 (v2 or v1 error
// body by surface). Comments are not edits and stay allowed.
//
// POST /wiki/rest/api/content/{id}/permission/check (Cloud only) answers {hasPermission, errors}
// (200 for a denial too) for a user (account id) or group (id or name)
// and read, update or delete, honouring the space's read permission and
// inherited read restrictions. Checking anyone but oneself needs
// membership of confluence-administrators (403); a page the caller cannot
// see is a 404.
//
// # Comments
//
// v2 POST /wiki/api/v2/footer-comments (201 with Location, as in the v2
// spec), GET /wiki/api/v2/footer-comments/{id} and GET
// /wiki/api/v2/pages/{id}/footer-comments (cursor-paged, body-format);
// v1/DC POST .../content with type comment (or type page: a DC-style page
// create) and GET .../content/{id}/child/comment. A comment never changes
// the page version.
//
// # Trash
//
// DELETE /wiki/api/v2/pages/{id} and DELETE .../content/{id} move a page
// to the trash (204); reads then answer 404 (v2: unless status=trashed is
// asked for) and it leaves lists and search. ?purge=true (v2) or
// ?status=trashed (v1) on a trashed page removes it; a v2 PUT with status
// current restores it. Go API: TrashPage.
//
// # CQL search
//
// GET .../content/search (Cloud /wiki/rest/api, DC /rest/api) with cql,
// start, limit (default 25) and expand (body.*, metadata.labels,
// ancestors; space, history and version are always there) searches pages
// and comments the caller may see. The CQL subset is described in
// cql.go: space, type, id, label, title, lastmodified, created; and,
// parentheses, in / not in, order by. Dates are read in UTC, the
// simulated site's time zone. Anything else is a 400 whose message names
// the problem. Results are v1 content objects with size, totalSize and
// _links.next/prev. DC pages by start; Cloud, whose spec pages this
// endpoint by cursor, puts next=true (prev=true), an opaque cursor and
// start in its links and accepts either (a cursor wins; one it did not
// issue is a 400). SetClock makes modification times (and now())
// deterministic. The site search GET .../search takes the same parameters
// and pages the same way; each result is a SearchResult ({content, title,
// excerpt, url, resultGlobalContainer, breadcrumbs, entityType,
// iconCssClass, lastModified, friendlyLastModified}) whose excerpt is the
// start of the body as rendered for the caller.
//
// # History, versions and operations
//
// v1/DC GET .../content/{id}/history answers latest, createdBy,
// createdDate (Cloud: ownedBy), and with expand lastUpdated,
// previousVersion and contributors.publishers; the rest are listed in
// _expandable, as every v1 content object lists what it left out. v2 GET
// /pages/{id}/versions (newest first; sort=modified-date for oldest
// first; body-format adds each version's body) and /versions/{n} (with
// prevVersion and nextVersion); GET /pages/{id}/operations (read, plus
// update and delete where the caller may edit); include-versions and
// include-operations on a page GET. ContentRestrictionArray answers carry
// restrictionsHash, which changes exactly when the restrictions do.
//
// # Page tree
//
// Pages are created below a parent with v2 POST /wiki/api/v2/pages
// (parentId) or v1/DC POST .../content (ancestors, the last one being the
// parent; ?expand= honoured); a title taken in the space is a 400 "A page
// with this title already exists: …". Cloud's v1 PUT
// /wiki/rest/api/content/{id}/move/{before|after|append}/{targetId}
// answers {"pageId"}: append makes the page the target's last child,
// before/after its sibling (top level when the target is); the subtree
// goes along, across spaces too; a parent/child loop or a title taken in
// the target space is a 400, an unknown or invisible page or target a
// 404. DC has no such path (404). v2 PUT /pages/{id} with parentId and
// v1/DC PUT .../content/{id} with ancestors re-parent within the space
// (400 otherwise). A move makes no version and fires no webhook.
// Children keep their order: v2 GET /pages/{id}/children and v1/DC GET
// .../content/{id}/child/page list them that way, as do v2 GET
// /pages/{id}/direct-children ({id, status, title, type, spaceId,
// childPosition}) and /pages/{id}/descendants (level by level, with
// parentId and depth; depth= 1–5, default 5; a branch the caller cannot
// read is left out whole). v1/DC GET .../content takes spaceKey, title
// (exact), type, status and expand, like v2 GET /pages with space-id and
// title; v2 page lists take sort (id, created-date, modified-date, title,
// each also descending with "-") and /spaces/{id}/pages depth=root (top-
// level pages only). v2 GET /labels, /labels/{id}/pages,
// /spaces/{id}/labels (also /spaces/{id}/content/labels) and the site-wide
// /attachments list what is on pages the caller can read. v1 spaces take
// expand=description.plain|description.view|homepage.
//
// # Webhooks
//
// Register with RegisterWebhook / RegisterAutomationWebhook or the DC
// REST API (POST|GET /rest/api/webhooks, GET|PUT|DELETE
// /rest/api/webhooks/{id}, also under /wiki/rest/api; body {name, url,
// events[], configuration:{secret}, active}, ids are numbers, the secret
// is never echoed). Every change made through REST or the Go API is
// POSTed, in a goroutine, to every active webhook subscribed to its event:
// page_created, page_updated, page_trashed, page_restored, page_removed,
// label_added, label_removed, comment_created, attachment_created,
// attachment_updated, content_permissions_updated. Delivery is best
// effort (Options.WebhookRetries adds retries with backoff); FlushWebhooks
// waits for deliveries in flight, Deliveries is the log, Redeliver sends
// one again byte for byte (duplicate-delivery tests), SetWebhooksPaused
// drops deliveries (logged as Dropped, still redeliverable).
//
// DC format (default): Content-Type application/json, X-Hub-Signature:
// sha256=<lowercase hex HMAC-SHA256(secret, raw body)> when a secret is
// set, and X-Atlassian-Webhook-Identifier: <delivery id> (a simulator
// addition, not confirmed on DC; retries and redeliveries reuse it).
// Bodies carry timestamp (ms), event and userKey (the acting account):
//
//	page_*      {"page":{"id":100001}} (+ "updateTrigger":"edit_page" on page_updated)  captured DC shape
//	label_*     {"label":{"name":"approved","prefix":"global"},"labelled":{"id":100001,"type":"page"}}  inferred
//	comment_*   {"comment":{"id":500123},"page":{"id":100001}}                          inferred
//	attachment_* {"attachment":{"id":500124},"page":{"id":100001}}                      inferred
//	content_permissions_updated {"content":{"id":100001,"type":"page"}}                 inferred
//
// Ids are JSON numbers, as DC sends them. Go API changes that name no
// author (AddLabel, RemoveLabel, AddAttachment, TrashPage, SetRestriction)
// are attributed to 557058:admin.
//
// Automation format (Options.WebhookFormat, REST "format":"automation",
// or RegisterAutomationWebhook) models a Confluence Cloud Automation rule
// whose "Send web request" action posts a custom body, with the shared
// secret in X-Automation-Secret (Automation cannot sign):
//
//	{"event":"label_added","timestamp":1767225600000,"userAccountId":"557058:editor",
//	 "page":{"id":"100001","spaceKey":"POL","version":3,"title":"…"},"label":"approved"}
//
// (comment and attachment events add {"comment":{"id":"…"}} or
// {"attachment":{"id":"…"}}). The body is our rule's design, not an
// Atlassian format.
//
// # Content states (Cloud only)
//
// GET|PUT|DELETE /wiki/rest/api/content/{id}/state?status=current|draft
// answers {"contentState":{"id","name","color"}|null,"lastUpdated"}. PUT
// takes {"id":N} (a space state or one of the caller's custom states; a
// number or a string of digits) or {"name","color"} (name 1..20
// characters, color #RRGGBB; else 400), reusing a space or custom state of
// that name and color or creating a custom one. Setting or removing the
// published (current) state publishes a new page version with title and
// body unchanged, authored by the caller, and fires page_updated; a draft
// state change makes no version, and removing an absent state changes
// nothing. Also GET .../content/{id}/state/available
// ({spaceContentStates,customContentStates}: the caller's three most
// recent), /wiki/rest/api/content-states, /wiki/rest/api/space/{key}/state,
// .../state/settings and .../state/content?state-id=. Every space starts
// with 0 "Rough draft", 1 "In progress" and 2 "Ready for review"; custom
// state ids start at 10. Like the simulator's other JSON writes, these
// need no X-Atlassian-Token (confluence.js 2.x does not send one there).
// The paths do not exist on DC (404). Go API: SetContentState,
// SetSpaceContentState, RemoveContentState; Page.ContentState and
// /__sim/state show the published state.
//
// # Version history
//
// Every version of a page and of an attachment is kept. Attachment
// versions keep their bytes (synthetic ones only their generator seed),
// size, sha256, media type, comment, author, minorEdit and time, so
// downloads honour ?version=N on the servlet
// (/wiki/download/attachments/{pageId}/{file}, DC /download/...), on v1
// .../child/attachment/{attId}/download (302 to the servlet with that
// version) and on v2 /attachments/{id}/download; an unknown version is a
// 404. GET /wiki/api/v2/attachments/{id}?version=N answers that version.
// Lists, newest first: v2 GET /wiki/api/v2/attachments/{id}/versions
// (cursor-paged, limit 25, sort=modified-date for oldest first; items
// {number,createdAt,message,minorEdit,authorId,attachment{id,title}}, the
// message being the version's comment) and .../versions/{n}; v1 GET
// .../content/{id}/version (Cloud /wiki/rest/api, DC /rest/api; pages and
// attachments; start/limit, limit 200; items {by,when,number,message,
// minorEdit,content}) and .../version/{n}. Go API: AttachmentVersions.
//
// # Content templates
//
// The v1-only template API (there is no v2 one), under /wiki/rest/api
// (Cloud) and under both /rest/api and /rest/experimental (DC: which
// versions serve which is unverified, so both are, on one set of
// templates): POST .../template (create) and PUT .../template (update,
// templateId in the body) answer 200 with a ContentTemplate
// {templateId, name, description, space (v1 space object, space
// templates only), labels[{prefix,name,id,label}], templateType "page",
// body{storage{value,representation}}, _expandable, _links}; GET
// .../template/{id} (body only with ?expand=body or body.storage);
// GET .../template/page?spaceKey=&start=&limit=&expand=body (the space's
// templates, the global ones without spaceKey; limit 25; body only when
// expanded); GET .../template/blueprint (always empty: no blueprints);
// DELETE .../template/{id} → 204. An unknown id is a 403 on GET, PUT and
// DELETE, never a 404, as on Confluence.
//
// Writes need name (non-blank), templateType "page" and
// body.storage{value, representation "storage"} (update also accepts the
// bare {value,representation} confluence.js types), else 400;
// description is at most 255 characters on create and 100 on update.
// space absent, null or {"key":""} means a global template (go-atlassian
// sends "space":null and "description":""); a key naming no space is a
// 400, not a 404, here and on the list, because clients read a 404 as
// "no such endpoint" when probing /rest/api against /rest/experimental.
// An update must name the template's own space (none for a global one),
// else 400. On update, absent description or labels keep the old ones.
// Names need not be unique. JSON writes need no X-Atlassian-Token
// (confluence.js 2.1 sends it only with its opt-in noCheckAtlassianToken);
// a form-like content type (form-urlencoded, multipart, text/plain)
// without it is a 403, as for attachment uploads. Simplification: the
// simulator has no space or site admin permissions, so any authenticated
// user may manage space and global templates. Template ids start at
// 600001. Go API: Templates, TemplateByName; /__sim/state lists them.
//
// # Limits
//
// Storage bodies are rendered to view and export_view by a small
// converter (plain tags kept; ac:image, ac:link, code, panels and task
// lists turned into simple HTML), and to a minimal ADF document. The
// macros of document pages render as on Confluence: include and
// excerpt-include inline the target page (ac:link/ri:page in the unnamed
// parameter, the space defaulting to the including page's) or its
// excerpt (the one named by name, else the first; in a panel headed by
// the target's title unless nopanel=true), read as the requesting user:
// a missing, trashed or read-restricted target gives "The included page
// could not be found.", and a page including itself (or a cycle) an error
// text. excerpt shows its body unless hidden=true; status is an AUI
// lozenge span; view-file a link to the attachment's download path;
// details shows its body; detailssummary a table of the details
// (two-column rows: heading, value) of the pages its cql finds (the CQL
// subset above, currentSpace() allowed), filtered by id, with headings,
// sortBy and reverseSort. In view these macros sit in a div (span when
// inline) with data-macro-name and data-macro-id; export_view drops that
// wrapper. Not
// simulated: the /ex/confluence/{cloudId} gateway, drafts (a content
// state can be put on the draft, but there is no draft content), blog
// posts, inline comments, space permissions other than View space,
// version restore and delete,
// and Connect/Forge webhooks. The simulated DC runs at the root context
// (its BaseURL is the server URL) and answers PUT on an attachment
// collection with 404, as DC does.
//
// # Admin endpoints (no auth, no faults)
//
//	GET      /__sim/state                                  JSON dump of all state
//	GET|PUT  /__sim/faults                                 the faults.Injector admin handler
//	POST     /__sim/pages/{id}/synthetic-attachment?name=&size=&type=
//	                                                       add a generated attachment (benchmarks)
//	POST     /__sim/seed?space=POL&pages=N&labels=approved,dept-chaos&prefix=Chaos[&author=ID]
//	                                                       add N pages at version 1 titled "<prefix> 0001"...,
//	                                                       with those labels (chaos runs, load tests); answers
//	                                                       {"pages":[...]}; 409 if a title is taken in the space
//	POST     /__sim/users   {"email","token","displayName","accountId","hideEmail"}
//	                                                       add a user (AddUser); 409 if taken
//	POST     /__sim/groups  {"name","members":[...]}       create a group or add members (AddGroup)
//	PUT      /__sim/spaces/{key}/readers {"users":[...],"groups":[...]}
//	                                                       replace who may view the space (SetSpaceReaders)
package confluence
