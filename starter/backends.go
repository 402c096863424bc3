package main

import (
	"fmt"

	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/opentext"
	"github.com/xecm-bridge/xecm-bridge/internal/settings"
)

// backends are the clients and the mapping file name the read-only
// commands (show, dry runs) work with, from the environment.
type backends struct {
	conf        *confluence.Client
	otcs        *opentext.Client
	otcsURL     string
	mappingFile string
}

func loadBackends() (*backends, error) {
	var (
		cc settings.Confluence
		oc settings.OpenText
		hc settings.HTTP
		wc settings.Worker
	)
	if err := settings.Load(&cc, &oc, &hc, &wc); err != nil {
		return nil, err
	}
	conf, err := settings.ConfluenceClient(cc, hc)
	if err != nil {
		return nil, fmt.Errorf("confluence settings: %w", err)
	}
	otcs, err := settings.OpenTextClient(oc, hc)
	if err != nil {
		return nil, fmt.Errorf("opentext settings: %w", err)
	}
	return &backends{conf: conf, otcs: otcs, otcsURL: oc.BaseURL, mappingFile: wc.MappingFile}, nil
}
