package pdfa

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
)

// MissingToolError says that a program Render needs is not installed.
type MissingToolError struct {
	Tool string // "chromium" or "ghostscript" (also the Debian package name)
	Path string // the path that was given and not found; "" when PATH was searched

	detail string // what else is missing, e.g. Ghostscript's ICC profile
}

// Error names the tool and how to install it.
func (e *MissingToolError) Error() string {
	msg := e.Tool + " is not installed"
	switch {
	case e.detail != "":
		msg += ": " + e.detail
	case e.Path != "":
		msg += ": " + e.Path + " not found"
	}
	return msg + " (Debian: apt-get install " + e.Tool + ")"
}

// chromiumNames are looked up in PATH, in this order, when no path is given.
var chromiumNames = []string{"chromium", "chromium-browser", "google-chrome"}

type toolPaths struct{ chromium, ghostscript string }

// CheckTools reports whether Chromium and Ghostscript can be run: nil, or a
// *MissingToolError naming the first one missing. An empty path looks the
// program up in PATH, as Render does.
func CheckTools(chromiumPath, gsPath string) error {
	_, err := findTools(chromiumPath, gsPath)
	return err
}

func findTools(chromiumPath, gsPath string) (toolPaths, error) {
	var t toolPaths
	var err error
	if t.chromium, err = findTool("chromium", chromiumPath, chromiumNames); err != nil {
		return t, err
	}
	if t.ghostscript, err = findTool("ghostscript", gsPath, []string{"gs"}); err != nil {
		return t, err
	}
	return t, nil
}

func findTool(tool, path string, names []string) (string, error) {
	if path != "" {
		p, err := exec.LookPath(path)
		if err != nil {
			return "", &MissingToolError{Tool: tool, Path: path}
		}
		return p, nil
	}
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p, nil
		}
	}
	return "", &MissingToolError{Tool: tool}
}

// iccCandidates are the places of the sRGB profile that Ghostscript ships,
// in order of preference (Debian's ghostscript and libgs-common packages).
var iccCandidates = []string{
	"/usr/share/color/icc/ghostscript/srgb.icc",
	"/usr/share/color/icc/ghostscript/default_rgb.icc",
	"/usr/share/ghostscript/*/iccprofiles/srgb.icc",
	"/usr/share/ghostscript/*/iccprofiles/default_rgb.icc",
	"/usr/local/share/ghostscript/*/iccprofiles/srgb.icc",
	"/usr/local/share/ghostscript/*/iccprofiles/default_rgb.icc",
}

// findSRGBProfile returns the sRGB ICC profile for the PDF/A OutputIntent.
// Globs are sorted, so the choice does not change between runs.
func findSRGBProfile() (string, error) {
	for _, pattern := range iccCandidates {
		matches, _ := filepath.Glob(pattern)
		sort.Strings(matches)
		for _, m := range matches {
			if st, err := os.Stat(m); err == nil && st.Mode().IsRegular() && st.Size() > 128 {
				return m, nil
			}
		}
	}
	return "", &MissingToolError{Tool: "ghostscript", detail: "no sRGB ICC profile (srgb.icc) under /usr/share/color/icc/ghostscript or /usr/share/ghostscript/*/iccprofiles"}
}
