// Package conversion turns the template documents kept in OpenText Content
// Server into Confluence storage format (XHTML with ac:/ri: elements), so
// a template can become the body of a new Confluence page.
//
// Convert picks the converter from the MIME type and the file name:
//
//   - DOCX goes through pandoc (Debian package "pandoc", 2.15 or later for
//     --sandbox), run as a bounded subprocess; the images it extracts
//     become attachments and the page body references them.
//   - HTML is parsed with golang.org/x/net/html and sanitised.
//   - Markdown is rendered with goldmark (tables and strikethrough, as on
//     GitHub), then sanitised like HTML.
//   - Anything else (PDF, spreadsheets...) is not converted: the file is
//     attached and the body shows it with the view-file macro.
//
// The sanitiser is an allow-list: it keeps headings, paragraphs, inline
// emphasis, lists, tables, links with http, https or mailto targets and
// images that name an extracted attachment. Scripts, styles, frames,
// embedded objects, forms, event handlers and external images are removed
// and listed in Result.Notes; external resources are never fetched. Output
// is well-formed and deterministic: the same input bytes give the same
// body, attachments and notes.
//
// Inputs are untrusted. Limits bounds the input size, the unpacked size of
// a DOCX, pandoc's heap, the output size and the run time; failures are
// *Error values whose Kind says which limit or step failed.
package conversion
