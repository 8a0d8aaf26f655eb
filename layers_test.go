package main

import (
	"go/build"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// layers is the house, from the ground up: a package may import the
// packages of lower layers, and, within its own layer, only what may
// lists. Data flows one way: version ← probe ← steps ← steps/checks ← steps/switchover ← steps/plan ← driver ← ui ← commands.
var layers = []struct {
	pkgs []string
	may  map[string][]string // imports allowed within the layer
}{
	{pkgs: []string{"version"}},
	{pkgs: []string{"probe/fullsync"}},
	{pkgs: []string{"probe", "probe/probetest"}, may: map[string][]string{"probe": {"probe/probetest"}}},
	{pkgs: []string{"probe/access", "probe/canary", "probe/events", "probe/readiness", "probe/sampling"},
		may: map[string][]string{"probe/readiness": {"probe/access"}}},
	{pkgs: []string{"steps/auditlog"}},
	{pkgs: []string{"steps", "lab"}},
	{pkgs: []string{"steps/stepstest"}},
	{pkgs: []string{"steps/checks"}},
	{pkgs: []string{"steps/switchover"}},
	{pkgs: []string{"steps/plan"}},
	{pkgs: []string{"fleet", "driver", "driver/drivertest", "lab/bench", "lab/labtest"},
		may: map[string][]string{"driver/drivertest": {"driver"}, "lab/bench": {"lab"}, "lab/labtest": {"lab"}}},
	{pkgs: []string{"ui/common", "ui/uitest"}, may: map[string][]string{"ui/uitest": {"ui/common"}}},
	{pkgs: []string{"ui/confirm", "ui/dashboard", "ui/status"}},
	{pkgs: []string{"ui/checklist", "ui/checklist/checklisttest"}, may: map[string][]string{"ui/checklist/checklisttest": {"ui/checklist"}}},
	{pkgs: []string{"ui"}},
	{pkgs: []string{"ui/fleetview"}},
	{pkgs: []string{"commands"}},
	{pkgs: []string{"."}},
}

// testTools are what any package's tests may import: real servers. An
// external test package (package x_test) is a client of its package, as
// a command is, and is not held to the layers.
var testTools = []string{"lab", "lab/labtest"}

// TestNoPackageImportsAPackageAboveIt reads every package's imports (its
// tests' too) and fails on an import of a package in a higher layer, or
// of an unlisted neighbour in the same layer: the rooms stay rooms. Tests
// may also start real servers (testTools).
func TestNoPackageImportsAPackageAboveIt(t *testing.T) {
	const module = "flyover"
	layerOf := map[string]int{}
	for i, l := range layers {
		for _, p := range l.pkgs {
			layerOf[p] = i
		}
	}
	found := 0
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if name := d.Name(); path != "." && (strings.HasPrefix(name, ".") || name == "testdata" || name == "docs") {
			return filepath.SkipDir
		}
		bp, err := build.ImportDir(path, 0)
		if err != nil {
			return nil // no Go files here
		}
		found++
		rel := filepath.ToSlash(path)
		li, ok := layerOf[rel]
		if !ok {
			t.Errorf("package %s is in no layer: place it in layers", rel)
			return nil
		}
		imports := slices.Concat(bp.Imports, bp.TestImports)
		for i, imp := range imports {
			dep, ok := strings.CutPrefix(imp, module+"/")
			if !ok || dep == rel || (i >= len(bp.Imports) && slices.Contains(testTools, dep)) {
				continue
			}
			lj, ok := layerOf[dep]
			switch {
			case !ok:
				t.Errorf("%s imports %s, which is in no layer", rel, dep)
			case lj > li:
				t.Errorf("%s imports %s, a package above it", rel, dep)
			case lj == li && !slices.Contains(layers[li].may[rel], dep):
				t.Errorf("%s imports %s, a neighbour it may not import", rel, dep)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found < len(layerOf) {
		t.Errorf("found %d packages, the layers list %d: a package moved?", found, len(layerOf))
	}
}
