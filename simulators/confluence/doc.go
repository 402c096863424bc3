// Package confluence is an in-process, in-memory Confluence that speaks the
// wire contract of Confluence Cloud (REST v2 under /wiki/api/v2, REST v1
// under /wiki/rest/api, downloads under /wiki/download) and of Confluence
// Data Center (REST under /rest/api, downloads under /download), closely
// enough that unchanged third-party clients such as go-atlassian and
// confluence.js work against it. It is meant for tests and demos: state
// lives in memory and is lost when the process ends.
//
// Wire rules it keeps (see shared/reference/confluence-rest.md):
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
//	space ENG, id 98305, "Engineering"
//	  page 200001 "Build Guide" (no labels; a space no mapping covers)
//
// Further spaces get ids from 98306, further pages from 300001; labels,
// properties and attachments share one counter starting at 500001
// (attachments are "att"+number).
//
// # Limits
//
// Only the latest version of an attachment's content is kept (older
// ?version= downloads are 404). Storage bodies are rendered to view and
// export_view by a small converter (plain tags kept; ac:image, ac:link,
// code, panels and task lists turned into simple HTML), and to a minimal
// ADF document. Not simulated: the /ex/confluence/{cloudId} gateway,
// webhooks, restrictions, content states, CQL search, drafts and trash.
// The simulated DC runs at the root context (its BaseURL is the server
// URL) and answers PUT on an attachment collection with 404, as DC does.
//
// # Admin endpoints (no auth, no faults)
//
//	GET      /__sim/state                                  JSON dump of all state
//	GET|PUT  /__sim/faults                                 the faults.Injector admin handler
//	POST     /__sim/pages/{id}/synthetic-attachment?name=&size=&type=
//	                                                       add a generated attachment (benchmarks)
package confluence
