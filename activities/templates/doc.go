// Package templates holds the activities of the Confluence task queue
// that publish approved OTCS templates into Confluence: as space templates
// where everyone may read them, and as template copies, restricted like
// document pages, where OTCS restricts them. OTCS is only read, for the
// DOCX each template carries.
package templates
