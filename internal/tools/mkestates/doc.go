// Command mkestates writes the test estates of pdr-audit: directories of
// the JSON that the AWS CLI v2 prints for the read calls pdr-audit makes
// (see ESTATES.md in the specification).
//
//	go run ./internal/tools/mkestates -out testdata/estates
//
// rewrites testdata/estates/demo (the product's demo story), testdata/estates/org
// (an organization of 26 accounts) and testdata/estates/README.md, and copies the
// specification's example estate into testdata/estates/example byte for byte.
//
// Invariants:
//
//   - Output is deterministic: every id, address and date derives from a
//     SHA-256 of a stable label (the estate, the region, the resource's
//     name), never from randomness or the clock. Adding a resource does not
//     rename the others.
//   - Files are what the CLI prints: 4-space indentation, members in the
//     order of the botocore output shape (the order the CLI prints them in),
//     only members that shape defines, timestamps in Python's isoformat
//     (`2024-02-12T10:48:59+00:00`), and the empty lists and strings the CLI
//     shows. The tests check every estate, the example included, against
//     the botocore models when they are installed.
//   - Ids are consistent across files: every referenced id exists, each VPC
//     has exactly one default network ACL and one main route table, every
//     subnet has exactly one network ACL association, and addresses lie in
//     their subnet's CIDR. The tests check this too.
//   - The story each README tells (which rule passes or fails where) is
//     written next to the data that makes it true, in demo.go and org.go;
//     change both together.
//
// The tool only writes; it never reads AWS.
package main
