package main

import (
	"context"
	"fmt"
	"io"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/internal/settings"
	"github.com/xecm-bridge/xecm-bridge/mapping"
)

// mappingCheck is `mapping check`: it validates a mapping file: syntax
// and rules, then every category attribute against the live OTCS
// definitions and every principal it names against Confluence and OTCS.
func mappingCheck(ctx context.Context, args []string, stdout io.Writer) error {
	var (
		cc settings.Confluence
		oc settings.OpenText
		hc settings.HTTP
		wc settings.Worker
	)
	if err := settings.Load(&cc, &oc, &hc, &wc); err != nil {
		return err
	}
	fs := newFlags("mapping check")
	file := fs.String("file", wc.MappingFile, "mapping file (env BRIDGE_MAPPING_FILE)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageFor(fs, "mapping check takes only --file")
	}
	rules, err := mapping.LoadFile(*file)
	if err != nil {
		return failedError{err.Error()}
	}
	otcs, err := settings.OpenTextClient(oc, hc)
	if err != nil {
		return fmt.Errorf("opentext settings: %w", err)
	}
	conf, err := settings.ConfluenceClient(cc, hc)
	if err != nil {
		return fmt.Errorf("confluence settings: %w", err)
	}
	cats := activities.CategorySource{OTCS: otcs, NodeID: rules.Root}
	err = rules.CheckCategories(ctx, cats)
	if err == nil {
		err = rules.CheckDocuments(ctx, activities.WatchSource{OTCS: otcs}, cats)
	}
	if err == nil {
		err = rules.CheckPrincipals(ctx, activities.PrincipalSource{Confluence: conf, OTCS: otcs})
	}
	if err != nil {
		if _, ok := err.(mapping.Errors); ok {
			return failedError{err.Error()}
		}
		return err
	}
	fmt.Fprintf(stdout, "%s: OK (%d spaces, categories match OTCS at %s, principals exist there and in Confluence at %s)\n", *file, len(rules.Spaces), oc.BaseURL, cc.BaseURL)
	return nil
}
