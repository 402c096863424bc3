package mapping

import (
	"context"
	"errors"
	"strings"
	"testing"
)

type fakeCategories map[int64]*CategoryInfo

func (f fakeCategories) CategoryDefinition(_ context.Context, id int64) (*CategoryInfo, error) {
	if c, ok := f[id]; ok {
		return c, nil
	}
	return nil, errors.New("no such category")
}

var category9001 = fakeCategories{9001: {ID: 9001, Name: "Confluence Page", Attributes: []AttributeInfo{
	{Name: "Source Page ID", Type: "String", Required: true},
	{Name: "Source Version", Type: "Integer"},
	{Name: "Department", Type: "String"},
	{Name: "Document Type", Type: "String"},
	{Name: "Project", Type: "String"},
	{Name: "Retention Category", Type: "String"},
	{Name: "Approval Date", Type: "Date"},
	{Name: "Reviewed", Type: "Boolean", Required: true},
}}}

func TestCheckCategoriesNamesEveryMismatch(t *testing.T) {
	yaml := withAttrs("        Reviewed: {value: maybe}\n        Approval Date: {from: title}\n        Departmnt: x\n")
	r, err := Parse("m.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	err = r.CheckCategories(context.Background(), category9001)
	var es Errors
	if !errors.As(err, &es) {
		t.Fatalf("got %v", err)
	}
	for _, want := range []string{
		`m.yaml:16: spaces.POL.publish.category.attributes.Reviewed: category attribute "Reviewed" has type Boolean but the mapped value "maybe"`,
		`m.yaml:17: spaces.POL.publish.category.attributes.Approval Date: attribute "Approval Date" has type Date, which values from title do not fit`,
		`m.yaml:18: spaces.POL.publish.category.attributes.Departmnt: category 9001 "Confluence Page" has no attribute "Departmnt"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
}

func TestCheckCategoriesRequiresRequiredAttributes(t *testing.T) {
	r, err := Parse("m.yaml", []byte(valid))
	if err != nil {
		t.Fatal(err)
	}
	err = r.CheckCategories(context.Background(), category9001)
	if err == nil || !strings.Contains(err.Error(), `m.yaml:4: spaces.POL.publish.category.attributes: required attribute "Reviewed"`) {
		t.Fatalf("got %v", err)
	}
	r2, err := Parse("m.yaml", []byte(withAttrs("        Reviewed: \"true\"\n")))
	if err != nil {
		t.Fatal(err)
	}
	if err := r2.CheckCategories(context.Background(), category9001); err != nil {
		t.Fatalf("a matching mapping fails: %v", err)
	}
}

// withAttrs adds attribute rules after the last one of the valid file.
func withAttrs(lines string) string {
	anchor := "        Retention Category: Policies - 7 years\n"
	return strings.Replace(valid, anchor, anchor+lines, 1)
}
