package conversion

import (
	"bytes"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	goldhtml "github.com/yuin/goldmark/renderer/html"
)

// markdown renders CommonMark with GitHub's tables and strikethrough. Raw
// HTML is passed through on purpose: the sanitiser is the single gate for
// unsafe content, and it notes what it removes instead of goldmark
// dropping it silently.
var markdown = goldmark.New(
	goldmark.WithExtensions(extension.Table, extension.Strikethrough),
	goldmark.WithRendererOptions(goldhtml.WithUnsafe()),
)

// renderMarkdown converts Markdown source to HTML.
func renderMarkdown(src []byte) ([]byte, error) {
	var buf bytes.Buffer
	if err := markdown.Convert(src, &buf); err != nil {
		return nil, &Error{Kind: ErrConversionFailed, Msg: "markdown: " + err.Error(), Err: err}
	}
	return buf.Bytes(), nil
}
