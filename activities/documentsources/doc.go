// Package documentsources holds the activities of the OpenText task
// queue on the OTCS side of document pages: the change feed of watched
// folders and workspaces, the documents' descriptions and their
// permissions (who may read each one).
package documentsources
