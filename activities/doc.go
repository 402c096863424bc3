// Package activities is the contract between the workflows and the
// activities: the inputs and outputs they exchange, the task queue names,
// the error taxonomy (errors.go) and the helpers more than one activity
// package uses (approval evidence, readership, staging, comments).
//
// The activities themselves live in one package per struct, each run by
// the workers of one task queue, so that queue's server-side rate limit
// bounds every call to its backend:
//
//   - pages (Confluence queue): reading and writing back source pages,
//     lifecycle states and notes, review comments, included content;
//   - records (OpenText queue): records in OTCS: upload, verify,
//     classify, review workflows, PDF/A renditions, permissions;
//   - documentpages (Confluence queue): the Confluence pages that show
//     OTCS documents, their hubs, references and read restrictions;
//   - documentsources (OpenText queue): the OTCS side of those pages:
//     the change feed, descriptions, permissions;
//   - templates (Confluence queue): approved OTCS templates published as
//     Confluence templates and copies;
//   - triggers (Confluence queue): what starts flows: webhook events,
//     reconciliation and backfill.
//
// Payloads carry ids, versions, sizes and checksums only; document bytes
// stream from one backend to the other inside one activity and never
// enter Temporal.
package activities
