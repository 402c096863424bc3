// Package records holds the activities of the OpenText task queue that
// make and keep the records in OTCS: the rendition streamed from
// Confluence and uploaded once per page version, its fixity check,
// categories and RM classification, review workflows, PDF/A renditions
// and the permissions that mirror the page's readers.
package records
