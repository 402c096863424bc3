package activities

import (
	"time"
)

// TemplatePropertyKey, on a controlled copy, holds its TemplateRecord.
const TemplatePropertyKey = "xecm-bridge.template"

// TemplateRecord is what the bridge keeps on a controlled copy.
type TemplateRecord struct {
	NodeID       int64     `json:"nodeId"`
	Name         string    `json:"name"`
	Watch        string    `json:"watch"`
	Version      int       `json:"version"`
	VersionLabel string    `json:"versionLabel"`
	ApprovedAt   time.Time `json:"approvedAt"`
	VersionURL   string    `json:"versionUrl"`
	SHA256       string    `json:"sha256"`
	FileName     string    `json:"fileName"`
	MimeType     string    `json:"mimeType"`
	Kind         string    `json:"kind"` // docx, html, markdown, attached
	TemplateID   string    `json:"templateId,omitempty"`
	TemplateName string    `json:"templateName"`
	Status       string    `json:"status"` // TemplateCurrent or TemplateWithdrawn
	BodyPrint    string    `json:"bodyPrint"`
	Restricted   bool      `json:"restricted"`
	Archived     bool      `json:"archived"`
}

// Statuses of a controlled copy.
const (
	TemplateCurrent   = "current"
	TemplateWithdrawn = "withdrawn"
)

// PublishTemplatesInput is a batch of changed templates, or (MissingFrom)
// a watch a full sweep read to its end, with what it found.
type PublishTemplatesInput struct {
	Docs        []DocumentState
	MissingFrom string
	Seen        []int64
}

// TemplateResult is what happened to one template.
type TemplateResult struct {
	NodeID     int64
	Name       string
	Version    string
	PageID     string
	TemplateID string
	Kind       string
	Created    bool
	Changed    bool
	Restored   bool
	Withdrawn  bool
	Skipped    string
	ErrorType  ErrorType // TypeConversionFailed, TypeTemplateTooLarge, TypeConverterMissing, TypeNameClash, TypeRestrictedSourceUnmapped
	Error      string
	// Restricted: the template is not public in OTCS, so its copy is
	// read-restricted like a document page and it is not published as a
	// Confluence template (those cannot be restricted).
	Restricted bool `json:",omitempty"`
}

// PublishTemplatesResult lists every template of the batch.
type PublishTemplatesResult struct {
	Templates []TemplateResult
}

// TemplateWatchLabel marks every copy of one watched template folder.
func TemplateWatchLabel(watch string) string { return "xecm-templates-" + Slug(watch) }
