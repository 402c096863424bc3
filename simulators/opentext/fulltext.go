package opentext

import (
	"io"
	"os"
	"slices"
	"strings"
)

// Full-text search modes of /api/v2/search: lookfor=allwords, anywords or
// exactphrase take `where` as plain words instead of LQL, matched
// case-insensitively against what `within` names: metadata (the node's
// name and description), content (the text of its latest version) or all
// (both, the default). Content is read for text media types only (the
// simulator has no filters for PDF or Office files), at most
// maxIndexedBytes of it.

// maxIndexedBytes bounds how much of a version's content is searched.
const maxIndexedBytes = 1 << 20

// fullText is a parsed full-text query; it is an lqlExpr.
type fullText struct {
	mode   string   // allwords, anywords or exactphrase
	words  []string // lower-cased words of where
	within string   // all, content or metadata
}

// lookforModes are the lookfor values the search API documents.
var lookforModes = []string{"complexquery", "allwords", "anywords", "exactphrase"}

// withinScopes are the within values the search API documents.
var withinScopes = []string{"all", "content", "metadata"}

// parseFullText reads a full-text query; false when where has no word.
func parseFullText(mode, where, within string) (fullText, bool) {
	if within == "" {
		within = "all"
	}
	words := nameWords(where)
	return fullText{mode: mode, words: words, within: within}, len(words) > 0
}

func (f fullText) match(s *Server, n *node) bool {
	if f.within != "content" && f.matchWords(append(nameWords(n.name), nameWords(n.desc)...), n.name, n.desc) {
		return true
	}
	if f.within == "metadata" {
		return false
	}
	text := s.indexedText(n)
	return text != "" && f.matchWords(nameWords(text), text)
}

// matchWords applies the mode to a field's words; exactphrase looks for
// the words in a row within one of fields (not across two).
func (f fullText) matchWords(have []string, fields ...string) bool {
	switch f.mode {
	case "anywords":
		return slices.ContainsFunc(f.words, func(w string) bool { return slices.Contains(have, w) })
	case "exactphrase":
		for _, field := range fields {
			fw := nameWords(field)
			for i := 0; i+len(f.words) <= len(fw); i++ {
				if slices.Equal(fw[i:i+len(f.words)], f.words) {
					return true
				}
			}
		}
		return false
	default: // allwords
		for _, w := range f.words {
			if !slices.Contains(have, w) {
				return false
			}
		}
		return true
	}
}

// indexedText is the searchable text of a document's latest version: its
// content when the media type is text, else "". Callers hold s.mu.
func (s *Server) indexedText(n *node) string {
	v := n.latest()
	if v == nil || v.blobPath == "" || !textMedia(v.mimeType) {
		return ""
	}
	f, err := os.Open(v.blobPath)
	if err != nil {
		return ""
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxIndexedBytes))
	if err != nil {
		return ""
	}
	return string(b)
}

// textMedia reports whether content of this media type is searched.
func textMedia(mt string) bool {
	mt = strings.ToLower(strings.TrimSpace(strings.SplitN(mt, ";", 2)[0]))
	return strings.HasPrefix(mt, "text/") || mt == "application/json" || mt == "application/xml" || strings.HasSuffix(mt, "+xml")
}
