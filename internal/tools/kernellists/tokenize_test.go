package main

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestTokenizeCell(t *testing.T) {
	tests := []struct {
		name string
		cell string
		want cellContent
	}{
		{
			name: "a plain kernel is kept as written",
			cell: "4.14.26-46.32.amzn1.x86_64",
			want: cellContent{Entries: []cellEntry{{Kernel: "4.14.26-46.32.amzn1.x86_64"}}},
		},
		{
			name: "an empty cell holds nothing",
			cell: "",
			want: cellContent{},
		},
		{
			name: "a cell of white space holds nothing",
			cell: " \t ",
			want: cellContent{},
		},
		{
			name: "a note after a tab is a note, not part of the kernel",
			cell: "2.6.32-573.el6.x86_64\tEarlier than v3.4",
			want: cellContent{Entries: []cellEntry{{Kernel: "2.6.32-573.el6.x86_64", Note: "Earlier than v3.4"}}},
		},
		{
			name: "a note's white space is collapsed",
			cell: "3.10.0-514.6.2.el7.x86_64  Falcon \t sensor v3.5",
			want: cellContent{Entries: []cellEntry{{Kernel: "3.10.0-514.6.2.el7.x86_64", Note: "Falcon sensor v3.5"}}},
		},
		{
			name: "a release before the kernel is its release",
			cell: "7.5 3.10.0-862.el7.x86_64",
			want: cellContent{Entries: []cellEntry{{Kernel: "3.10.0-862.el7.x86_64", Release: "7.5"}}},
		},
		{
			name: "a release and a dash before the kernel is its release",
			cell: "6.10 - 2.6.32-754.el6.x86_64",
			want: cellContent{Entries: []cellEntry{{Kernel: "2.6.32-754.el6.x86_64", Release: "6.10"}}},
		},
		{
			name: "a typo in the kernel is kept literally",
			cell: "3.10.0-862.46.1.el7.x86_x64",
			want: cellContent{Entries: []cellEntry{{Kernel: "3.10.0-862.46.1.el7.x86_x64"}}},
		},
		{
			name: "a truncated kernel is still a kernel token",
			cell: "4-92.64",
			want: cellContent{Entries: []cellEntry{{Kernel: "4-92.64"}}},
		},
		{
			name: "two kernels separated by a space are two kernels",
			cell: "4.4.0-21-generic 4.4.0-22-generic",
			want: cellContent{Entries: []cellEntry{{Kernel: "4.4.0-21-generic"}, {Kernel: "4.4.0-22-generic"}}},
		},
		{
			name: "two kernels separated by a comma and a space are two kernels",
			cell: "4.4.0-21-generic, 4.4.0-22-generic",
			want: cellContent{Entries: []cellEntry{{Kernel: "4.4.0-21-generic"}, {Kernel: "4.4.0-22-generic"}}},
		},
		{
			name: "two kernels joined by a comma are two kernels",
			cell: "4.4.0-21-generic,4.4.0-22-generic",
			want: cellContent{Entries: []cellEntry{{Kernel: "4.4.0-21-generic"}, {Kernel: "4.4.0-22-generic"}}},
		},
		{
			name: "each kernel of a cell keeps its own release and note",
			cell: "7.3 3.10.0-514.48.3.el7.x86_64 Earlier than v3.4 7.4 - 3.10.0-693.25.4.el7.x86_64",
			want: cellContent{Entries: []cellEntry{
				{Kernel: "3.10.0-514.48.3.el7.x86_64", Release: "7.3", Note: "Earlier than v3.4"},
				{Kernel: "3.10.0-693.25.4.el7.x86_64", Release: "7.4"},
			}},
		},
		{
			name: "words before the first kernel are its note",
			cell: "RHEL only: 3.10.0-862.el7.x86_64",
			want: cellContent{Entries: []cellEntry{{Kernel: "3.10.0-862.el7.x86_64", Note: "RHEL only:"}}},
		},
		{
			name: "a release number with no kernel after it is stray text",
			cell: "6.10",
			want: cellContent{Stray: "6.10"},
		},
		{
			name: "words with no kernel are stray text",
			cell: "to be announced",
			want: cellContent{Stray: "to be announced"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tokenizeCell(tt.cell)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("tokenizeCell(%q) mismatch (-want +got):\n%s", tt.cell, diff)
			}
		})
	}
}
