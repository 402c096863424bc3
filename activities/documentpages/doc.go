// Package documentpages holds the activities of the Confluence task
// queue that keep the pages showing OTCS documents: one page per document
// with its node label, the hubs and workspace pages that list them, the
// references that embed them, and the read restrictions that follow each
// document's OTCS permissions.
package documentpages
