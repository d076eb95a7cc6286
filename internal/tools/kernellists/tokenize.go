package main

import (
	"regexp"
	"strings"
)

// cellEntry is one kernel string found in a table cell, with what the cell
// says about it.
type cellEntry struct {
	Kernel  string // exactly as written
	Release string // an OS release written before the kernel ("7.5 - 3.10.0-…"), if any
	Note    string // words written around the kernel ("Earlier than v3.4"), spaces collapsed
}

// cellContent is what tokenizeCell found in one cell.
type cellContent struct {
	Entries []cellEntry
	Stray   string // text in a cell that holds no kernel at all
}

var (
	// kernelToken is anything that starts like a version and has a dash
	// after it: every kernel release string does, and so do the truncated
	// and mistyped ones the documents carry ("4-92.64", "…el7.x86_x64").
	// The shape checks decide later whether it is a well-formed kernel.
	kernelToken = regexp.MustCompile(`^[0-9][0-9A-Za-z._+~]*-[0-9A-Za-z._+~-]*[0-9A-Za-z_]$`)
	// releaseToken is an OS release such as "7.5" or "6.10".
	releaseToken = regexp.MustCompile(`^[0-9]+(\.[0-9]+)*$`)
)

// isKernelToken reports whether a token is a kernel string.
func isKernelToken(s string) bool { return kernelToken.MatchString(s) }

// releaseSeparators may stand between a release and its kernel ("6.7 - …").
var releaseSeparators = map[string]bool{"-": true, "–": true, "—": true, ":": true}

// tokenizeCell splits a cell into its kernels. A cell is a sequence of
// white-space-separated tokens; a token that looks like a kernel is one
// (trailing "," or ";" are separators, and "a,b" is two kernels), a release
// number followed — optionally across a dash — by a kernel is that kernel's
// release, and every other word is note text: words before the first kernel
// and after each kernel belong to that kernel. Kernels are never altered.
func tokenizeCell(cell string) cellContent {
	var fields []string
	for _, f := range strings.Fields(cell) {
		fields = append(fields, splitKernelList(f)...)
	}
	var (
		out     cellContent
		prefix  []string
		release string
		cur     = -1
	)
	addNote := func(i int, w string) {
		if out.Entries[i].Note == "" {
			out.Entries[i].Note = w
		} else {
			out.Entries[i].Note += " " + w
		}
	}
	for i := 0; i < len(fields); i++ {
		f := fields[i]
		if k := strings.TrimRight(f, ",;"); isKernelToken(k) {
			out.Entries = append(out.Entries, cellEntry{Kernel: k, Release: release, Note: strings.Join(prefix, " ")})
			prefix, release, cur = nil, "", len(out.Entries)-1
			continue
		}
		if releaseToken.MatchString(f) {
			j := i + 1
			if j < len(fields) && releaseSeparators[fields[j]] {
				j++
			}
			if j < len(fields) && isKernelToken(strings.TrimRight(fields[j], ",;")) {
				release = f
				i = j - 1
				continue
			}
		}
		if cur >= 0 {
			addNote(cur, f)
		} else {
			prefix = append(prefix, f)
		}
	}
	if cur < 0 {
		out.Stray = strings.Join(prefix, " ")
	}
	return out
}

// splitKernelList splits "a,b" into its parts when every part is a kernel,
// and otherwise returns the field unchanged.
func splitKernelList(f string) []string {
	parts := strings.Split(strings.TrimRight(f, ",;"), ",")
	if len(parts) < 2 {
		return []string{f}
	}
	for _, p := range parts {
		if !isKernelToken(p) {
			return []string{f}
		}
	}
	return parts
}
