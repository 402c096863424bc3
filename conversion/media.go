package conversion

import (
	"net/http"
	"path"
	"strings"
)

// imageTypes maps extensions to media types without consulting the host's
// mime.types, whose contents vary between machines and would make results
// differ.
var imageTypes = map[string]string{
	".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
	".bmp": "image/bmp", ".webp": "image/webp", ".tif": "image/tiff", ".tiff": "image/tiff",
	".svg": "image/svg+xml", ".emf": "image/emf", ".wmf": "image/wmf",
	".pdf": "application/pdf", ".docx": MediaTypeDOCX,
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	".html": MediaTypeHTML, ".htm": MediaTypeHTML, ".md": MediaTypeMarkdown,
}

// mediaTypeOf names a file's type from its extension, else by sniffing.
func mediaTypeOf(name string, data []byte) string {
	if mt, ok := imageTypes[strings.ToLower(path.Ext(name))]; ok {
		return mt
	}
	mt := http.DetectContentType(data)
	if i := strings.IndexByte(mt, ';'); i >= 0 {
		mt = mt[:i]
	}
	return mt
}

// baseName strips directories, whichever separator the source system used.
func baseName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	return name
}

// attachmentFileName makes a file name safe to use as a Confluence
// attachment name: no directories, no control characters, not empty.
func attachmentFileName(name string) string {
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == 0xfffd {
			return -1
		}
		return r
	}, strings.ToValidUTF8(baseName(name), ""))
	name = strings.TrimSpace(name)
	if name == "" || name == "." || name == ".." {
		return "attachment"
	}
	return name
}
