package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSplitCells(t *testing.T) {
	tests := []struct {
		name string
		line string
		want []string
	}{
		{"leading and trailing pipes are optional delimiters", "| a | b |", []string{"a", "b"}},
		{"a row without a leading pipe is still a row", "a | b |", []string{"a", "b"}},
		{"a row without a trailing pipe is still a row", "| a | b", []string{"a", "b"}},
		{"white space after the trailing pipe is ignored", "| a | b | ", []string{"a", "b"}},
		{"tabs around cells are trimmed", "| a\t|\tb |\t", []string{"a", "b"}},
		{"empty cells are kept in place", "| a | | b |", []string{"a", "", "b"}},
		{"an escaped pipe stays in the cell", `| a \| b | c |`, []string{"a | b", "c"}},
		{"a header of empty cells has one cell per column", "| | | | |", []string{"", "", "", ""}},
		{"a delimiter row splits like any row", "|-|-|-|-|", []string{"-", "-", "-", "-"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, splitCells(tt.line)); diff != "" {
				t.Errorf("splitCells(%q) mismatch (-want +got):\n%s", tt.line, diff)
			}
		})
	}
}

func TestScanDocumentFindsTablesUnderTheirHeadings(t *testing.T) {
	doc := strings.Join([]string{
		"---",
		"created_date: '2018-10-09'",
		"---",
		"",
		"### Linux agent compatibility",
		"",
		"Text without tables.",
		"",
		"### Amazon&reg; Linux 2 supported versions",
		"",
		"| | |",
		"|-|-|",
		"| 4.14.47-64.38.amzn2.x86_64 | 4.14.51-66.38.amzn2.x86_64 | 4.19.58-21.57.amzn2.x86_64 |",
		"4.19.75-27.58.amzn2.x86_64 |",
		"",
		"**Windows Server 2016 Supported Versions**",
		"",
		"| |",
		"|-|",
		"| 10.0.14393 |",
	}, "\n")
	got, err := scanDocument(doc)
	if err != nil {
		t.Fatal(err)
	}
	want := []table{
		{
			heading: heading{raw: "### Amazon&reg; Linux 2 supported versions", text: "Amazon® Linux 2 supported versions", line: 9},
			columns: 2,
			rows: []row{
				{line: 11, cells: []string{"", ""}},
				{line: 13, cells: []string{"4.14.47-64.38.amzn2.x86_64", "4.14.51-66.38.amzn2.x86_64", "4.19.58-21.57.amzn2.x86_64"}},
				{line: 14, cells: []string{"4.19.75-27.58.amzn2.x86_64"}},
			},
		},
		{
			heading: heading{raw: "**Windows Server 2016 Supported Versions**", text: "Windows Server 2016 Supported Versions", line: 16},
			columns: 1,
			rows: []row{
				{line: 18, cells: []string{""}},
				{line: 20, cells: []string{"10.0.14393"}},
			},
		},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(table{}, heading{}, row{})); diff != "" {
		t.Errorf("scanDocument mismatch (-want +got):\n%s", diff)
	}
}

func TestScanDocumentRefusesShapesItDoesNotUnderstand(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		wantErr string
	}{
		{
			name:    "a table above every heading",
			doc:     "| |\n|-|\n| 4.4.0-21-generic |\n",
			wantErr: "line 1: table before any heading",
		},
		{
			name:    "a kernel outside any table",
			doc:     "### Ubuntu 16.04LTS supported versions\n\nAlso 4.4.0-21-generic.\n",
			wantErr: `line 3: kernel-like text "4.4.0-21-generic." outside any table`,
		},
		{
			name:    "a header whose cells do not match the delimiter row",
			doc:     "### Ubuntu 16.04LTS supported versions\n\n| | |\n|-|\n| 4.4.0-21-generic |\n",
			wantErr: "line 3: table header has 2 cells but its delimiter row has 1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := scanDocument(tt.doc)
			if err == nil || err.Error() != tt.wantErr {
				t.Fatalf("scanDocument error = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestSectionName(t *testing.T) {
	tests := []struct{ text, want string }{
		{"Amazon® Linux 2 supported versions", "Amazon Linux 2"},
		{"Amazon Linux 2018.03 Supported Versions", "Amazon Linux 2018.03"},
		{"SUSE® Linux Enterprise Server (SLES) 11 SP1 supported versions", "SUSE Linux Enterprise Server (SLES) 11 SP1"},
		{"Linux agent compatibility", "Linux agent compatibility"},
	}
	for _, tt := range tests {
		if got := sectionName(tt.text); got != tt.want {
			t.Errorf("sectionName(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}
