package activities

// DocumentPageRef is one document page and the OTCS node it stands for.
type DocumentPageRef struct {
	PageID string
	NodeID int64
}

// PageReaders is a document page with its source's readership now.
type PageReaders struct {
	DocumentPageRef
	Readers *Readership
	// Missing: OTCS no longer shows the node to the bridge; its page
	// keeps the restriction it has (the next full document sweep
	// archives it).
	Missing bool `json:",omitempty"`
}

// PermissionsInput is a batch of document pages.
type PermissionsInput struct {
	Pages []DocumentPageRef
}

// PermissionsResult is the batch with each source's readership.
type PermissionsResult struct {
	Pages    []PageReaders
	Requests int // OTCS requests made (member look-ups are cached per worker)
}

// ApplyReadersInput is a batch of pages with their sources' readership.
type ApplyReadersInput struct {
	Pages []PageReaders
}

// ReadersApplied is what the sweep did to one page.
type ReadersApplied struct {
	PageID     string
	NodeID     int64
	Changed    bool   // its read restriction was rewritten
	Restricted bool   // it has a read restriction from its source
	Refused    string `json:",omitempty"` // its source names someone the bridge cannot map
}

// ApplyReadersResult lists the pages of a batch.
type ApplyReadersResult struct {
	Pages    []ReadersApplied
	Requests int // Confluence requests made (group look-ups are cached per worker)
}
