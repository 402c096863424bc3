package main

import (
	"fmt"

	"go.temporal.io/sdk/client"

	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/opentext"
	"github.com/xecm-bridge/xecm-bridge/internal/control"
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

// newControl connects to Temporal and Confluence for the commands that
// start or steer runs; call the returned func to close the connection.
func newControl() (*control.Client, settings.Temporal, func(), error) {
	var tc settings.Temporal
	var cc settings.Confluence
	var hc settings.HTTP
	if err := settings.Load(&tc, &cc, &hc); err != nil {
		return nil, tc, nil, err
	}
	conf, err := settings.ConfluenceClient(cc, hc)
	if err != nil {
		return nil, tc, nil, fmt.Errorf("confluence settings: %w", err)
	}
	c, err := dialQuiet(tc)
	if err != nil {
		return nil, tc, nil, err
	}
	return &control.Client{Temporal: c, Confluence: conf}, tc, c.Close, nil
}

// dialTemporal connects to Temporal, from the environment, for the
// commands that need nothing else; close the client when done.
func dialTemporal() (client.Client, settings.Temporal, error) {
	var tc settings.Temporal
	if err := settings.Load(&tc); err != nil {
		return nil, tc, err
	}
	c, err := dialQuiet(tc)
	return c, tc, err
}
