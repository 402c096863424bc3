package opentext

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// params is the merged parameter set of a request: query string, then flat
// form fields, then the keys of the JSON `body` field on top, because real
// clients mix all three styles for the same endpoint. Values are string or
// []string (flat fields) or decoded JSON (json.Number, bool, map, slice).
type params map[string]any

// maxFieldBytes bounds a non-file form field; `body` JSON is small.
const maxFieldBytes = 8 << 20

// upload is a multipart file part already streamed to a blob file.
type upload struct {
	path     string
	size     int64
	sha256   string
	fileName string
	mimeType string
	claimed  bool // a version took ownership of the file
}

// errBadRequest marks parse failures that are the client's fault.
type errBadRequest struct{ msg string }

func (e errBadRequest) Error() string { return e.msg }

// parseRequest reads all parameters; a multipart `file` part goes straight
// to a file in the blob dir, hashed on the way, never into memory.
func (s *Server) parseRequest(r *http.Request) (params, *upload, error) {
	p := params{}
	addValues(p, r.URL.Query())
	var up *upload
	if r.Body != nil && r.Method != http.MethodGet && r.Method != http.MethodHead {
		ct := r.Header.Get("Content-Type")
		mt, mp, _ := mime.ParseMediaType(ct)
		switch {
		case mt == "application/x-www-form-urlencoded":
			b, err := io.ReadAll(io.LimitReader(r.Body, maxFieldBytes+1))
			if err != nil {
				return nil, nil, err
			}
			if len(b) > maxFieldBytes {
				return nil, nil, errBadRequest{"request body too large for a form"}
			}
			vals, err := url.ParseQuery(string(b))
			if err != nil {
				return nil, nil, errBadRequest{"invalid form body: " + err.Error()}
			}
			addValues(p, vals)
		case strings.HasPrefix(mt, "multipart/"):
			var err error
			up, err = s.parseMultipart(r.Body, mp["boundary"], p)
			if err != nil {
				return nil, nil, err
			}
		case mt == "application/json" && (r.Method == http.MethodPost || r.Method == http.MethodPut):
			// OTCS does not read JSON request bodies on classic endpoints;
			// refusing loudly keeps client bugs from passing silently.
			var one [1]byte
			if n, _ := r.Body.Read(one[:]); n > 0 {
				return nil, nil, errBadRequest{"application/json request bodies are not supported; send form fields or a 'body' form field holding JSON"}
			}
		}
	}
	if raw, ok := p["body"]; ok {
		s := firstString(raw)
		if strings.HasPrefix(strings.TrimSpace(s), "{") {
			dec := json.NewDecoder(strings.NewReader(s))
			dec.UseNumber()
			var body map[string]any
			if err := dec.Decode(&body); err != nil {
				up.discard()
				return nil, nil, errBadRequest{"Invalid JSON in parameter 'body': " + err.Error()}
			}
			for k, v := range body {
				p[k] = v
			}
		}
	}
	return p, up, nil
}

func addValues(p params, vals url.Values) {
	for k, vs := range vals {
		if len(vs) == 1 {
			p[k] = vs[0]
		} else {
			p[k] = append([]string(nil), vs...)
		}
	}
}

func (s *Server) parseMultipart(body io.Reader, boundary string, p params) (*upload, error) {
	if boundary == "" {
		return nil, errBadRequest{"multipart body without boundary"}
	}
	mr := multipart.NewReader(body, boundary)
	var up *upload
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			// A missing CRLF after the closing delimiter (xecm) ends here as
			// an unexpected EOF once every part has been read: tolerate it.
			if errors.Is(err, io.ErrUnexpectedEOF) && len(p) > 0 {
				break
			}
			up.discard()
			return nil, errBadRequest{"Could not parse the multipart body: " + err.Error()}
		}
		name := part.FormName()
		if part.FileName() != "" || name == "file" {
			if up != nil {
				up.discard()
			}
			up, err = s.storeUpload(part)
			if err != nil {
				return nil, err
			}
			continue
		}
		b, err := io.ReadAll(io.LimitReader(part, maxFieldBytes+1))
		if err != nil {
			up.discard()
			return nil, errBadRequest{"Could not read multipart field: " + err.Error()}
		}
		if len(b) > maxFieldBytes {
			up.discard()
			return nil, errBadRequest{fmt.Sprintf("multipart field '%s' too large", name)}
		}
		switch prev := p[name].(type) {
		case nil:
			p[name] = string(b)
		case string:
			p[name] = []string{prev, string(b)}
		case []string:
			p[name] = append(prev, string(b))
		}
	}
	return up, nil
}

// storeUpload copies a file part into the blob dir, hashing as it goes.
func (s *Server) storeUpload(part *multipart.Part) (*upload, error) {
	f, err := os.CreateTemp(s.opt.BlobDir, "blob-*")
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), part)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return nil, errBadRequest{"Could not read the file part: " + err.Error()}
	}
	up := &upload{path: f.Name(), size: n, sha256: hex.EncodeToString(h.Sum(nil)), fileName: filepath.Base(part.FileName())}
	if up.fileName == "." || up.fileName == "/" {
		up.fileName = ""
	}
	up.mimeType, _, _ = mime.ParseMediaType(part.Header.Get("Content-Type"))
	if up.mimeType == "" || up.mimeType == "application/octet-stream" {
		if t := mime.TypeByExtension(filepath.Ext(up.fileName)); t != "" {
			up.mimeType, _, _ = mime.ParseMediaType(t)
		}
	}
	if up.mimeType == "" {
		up.mimeType = "application/octet-stream"
	}
	return up, nil
}

// discard removes an upload nobody claimed.
func (u *upload) discard() {
	if u != nil && !u.claimed {
		os.Remove(u.path)
	}
}

func firstString(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case []string:
		if len(t) > 0 {
			return t[0]
		}
		return ""
	case json.Number:
		return t.String()
	case bool:
		return strconv.FormatBool(t)
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case []any:
		if len(t) > 0 {
			return firstString(t[0])
		}
		return ""
	default:
		b, _ := json.Marshal(t)
		return string(b)
	}
}

func (p params) has(k string) bool { _, ok := p[k]; return ok }

// str returns a parameter as text ("" when absent).
func (p params) str(k string) string { return firstString(p[k]) }

// int returns an integer parameter; ok is false when absent or empty, err
// set when present but not a number (clients send ids as numbers or strings).
func (p params) int(k string) (int64, bool, error) {
	v, present := p[k]
	if !present {
		return 0, false, nil
	}
	s := strings.TrimSpace(firstString(v))
	if s == "" {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, true, fmt.Errorf("Invalid datatype specified for argument '%s'", k)
	}
	return n, true, nil
}

// bool reads true/false, 1/0 and valueless flags.
func (p params) bool(k string) bool {
	v, ok := p[k]
	if !ok {
		return false
	}
	switch strings.ToLower(strings.TrimSpace(firstString(v))) {
	case "", "true", "1", "yes", "on":
		return true
	}
	return false
}

// list returns a list parameter given as repeated keys, a JSON array
// string ("[0,1]"), a comma-free single value or a JSON array in `body`.
func (p params) list(k string) []string {
	switch t := p[k].(type) {
	case nil:
		return nil
	case []string:
		var out []string
		for _, s := range t {
			out = append(out, splitJSONList(s)...)
		}
		return out
	case string:
		return splitJSONList(t)
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			out = append(out, firstString(e))
		}
		return out
	default:
		return []string{firstString(t)}
	}
}

func splitJSONList(s string) []string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "[") {
		var arr []any
		dec := json.NewDecoder(bytes.NewReader([]byte(s)))
		dec.UseNumber()
		if err := dec.Decode(&arr); err == nil {
			out := make([]string, 0, len(arr))
			for _, e := range arr {
				out = append(out, firstString(e))
			}
			return out
		}
	}
	if s == "" {
		return nil
	}
	return []string{s}
}

// object returns a JSON object parameter (it may also arrive as a string).
func (p params) object(k string) map[string]any {
	switch t := p[k].(type) {
	case map[string]any:
		return t
	case string, []string:
		s := firstString(t)
		if strings.HasPrefix(strings.TrimSpace(s), "{") {
			dec := json.NewDecoder(strings.NewReader(s))
			dec.UseNumber()
			var m map[string]any
			if dec.Decode(&m) == nil {
				return m
			}
		}
	}
	return nil
}
