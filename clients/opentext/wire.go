package opentext

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// flexInt decodes ids and counts that OTCS sends as numbers, numeric
// strings or null.
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(bytes.TrimSpace(b)), `"`)
	if s == "" || s == "null" {
		*f = 0
		return nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		*f = flexInt(n)
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil // a non-numeric value where a number was expected carries no number
	}
	*f = flexInt(v)
	return nil
}

// flexString decodes text that may be null or a number.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*f = ""
		return nil
	}
	var s string
	if json.Unmarshal(b, &s) == nil {
		*f = flexString(s)
		return nil
	}
	*f = flexString(string(b))
	return nil
}

// flexBool decodes true/false sent as JSON booleans or strings.
type flexBool bool

func (f *flexBool) UnmarshalJSON(b []byte) error {
	s := strings.ToLower(strings.Trim(string(bytes.TrimSpace(b)), `"`))
	*f = s == "true" || s == "1"
	return nil
}

// flexTime decodes OTCS timestamps, with or without a zone, or null.
type flexTime time.Time

func (f *flexTime) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) != nil || s == "" {
		*f = flexTime(time.Time{})
		return nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			*f = flexTime(t)
			return nil
		}
	}
	*f = flexTime(time.Time{})
	return nil
}

// zonedTime is a flexTime that remembers whether the server named a zone:
// a date without one is in the server's local time, which cannot be
// compared with another clock.
type zonedTime struct {
	t     time.Time
	zoned bool
}

func (z *zonedTime) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			*z = zonedTime{t: t, zoned: true}
			return nil
		}
	}
	var f flexTime
	err := f.UnmarshalJSON(b)
	*z = zonedTime{t: time.Time(f)}
	return err
}

// wireNode is node properties as v1 `data` and v2 `data.properties` carry them.
type wireNode struct {
	ID          flexInt    `json:"id"`
	ParentID    flexInt    `json:"parent_id"`
	Name        flexString `json:"name"`
	Description flexString `json:"description"`
	Type        flexInt    `json:"type"`
	TypeName    flexString `json:"type_name"`
	MimeType    flexString `json:"mime_type"`
	Size        flexInt    `json:"size"`
	CreateDate  flexTime   `json:"create_date"`
	ModifyDate  zonedTime  `json:"modify_date"`
	ModifyUser  flexInt    `json:"modify_user_id"`
	URL         flexString `json:"url"`
	Advanced    flexBool   `json:"advanced_versioning"`
}

func (w wireNode) node() Node {
	return Node{
		ID: int64(w.ID), ParentID: int64(w.ParentID), Name: string(w.Name), Description: string(w.Description),
		Type: int(w.Type), TypeName: string(w.TypeName), MimeType: string(w.MimeType), Size: int64(w.Size),
		CreateDate: time.Time(w.CreateDate), ModifyDate: w.ModifyDate.t, ModifyUserID: int64(w.ModifyUser),
		URL: string(w.URL), Advanced: bool(w.Advanced),
	}
}

// v2Node is the single-object v2 envelope around a node.
type v2Node struct {
	Results struct {
		Data struct {
			Properties wireNode `json:"properties"`
		} `json:"data"`
	} `json:"results"`
}

// wireVersion is one version as v2 `data.versions` carries it.
type wireVersion struct {
	ID          flexInt    `json:"id"`
	Number      flexInt    `json:"version_number"`
	FileName    flexString `json:"file_name"`
	MimeType    flexString `json:"mime_type"`
	Description flexString `json:"description"`
	FileSize    flexInt    `json:"file_size"`
	CreateDate  flexTime   `json:"create_date"`
	// Clients read the version_number_* names; the 2.0.2 spec spells
	// major and minor version_major_number/version_minor_number.
	Major    *flexInt   `json:"version_number_major"`
	Minor    *flexInt   `json:"version_number_minor"`
	AltMajor *flexInt   `json:"version_major_number"`
	AltMinor *flexInt   `json:"version_minor_number"`
	Name     flexString `json:"version_number_name"`
}

func (w wireVersion) version(nodeID int64) Version {
	v := Version{NodeID: int64(w.ID), Number: int(w.Number), FileName: string(w.FileName), MimeType: string(w.MimeType),
		Description: string(w.Description), FileSize: int64(w.FileSize), CreateDate: time.Time(w.CreateDate), Name: string(w.Name)}
	if v.NodeID == 0 {
		v.NodeID = nodeID
	}
	major, minor := firstInt(w.Major, w.AltMajor), firstInt(w.Minor, w.AltMinor)
	if major == nil && minor == nil && v.Name == "" {
		// Nothing about major/minor was sent: read it as standard versioning.
		v.Minor, v.Name = v.Number, strconv.Itoa(v.Number)
		return v
	}
	if major != nil {
		v.Major = int(*major)
	}
	if minor != nil {
		v.Minor = int(*minor)
	}
	return v
}

// firstInt is the first of the values that was sent, or nil.
func firstInt(vs ...*flexInt) *flexInt {
	for _, v := range vs {
		if v != nil {
			return v
		}
	}
	return nil
}

func decodeJSON(resp *http.Response, out any) error {
	return json.NewDecoder(resp.Body).Decode(out)
}
