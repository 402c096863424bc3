// Package triggers holds the activities of the Confluence task queue
// that start flows: routing a webhook event, the reconciliation sweep of
// changed pages and the backfill of a whole space, each judging a page's
// approval the same way before it starts anything.
package triggers
