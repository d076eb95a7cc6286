package awssim

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// world is the mutable view of an estate that write operations change: a
// copy-on-write overlay of the estate's documents, kept for the server's
// lifetime.
//
// Invariants:
//   - The Estate is never modified; a document the overlay does not hold is
//     read from it directly, so a server nobody wrote to reads exactly as
//     before (one atomic load more per read, no copy).
//   - A published document is never modified either. A write deep-copies
//     every document it changes, changes the copies and publishes them all
//     at once by swapping the overlay, so a reader holding an old document
//     (or a page of it) keeps a consistent one, and a write is seen whole
//     or not at all.
//   - Writers are serialized; readers never lock.
type world struct {
	estate *Estate
	// mu serializes writers.
	mu sync.Mutex
	// overlay maps documents that writes changed to their current version;
	// a nil document stands for one a write removed. Replaced, never
	// modified, once published.
	overlay atomic.Pointer[map[docKey]map[string]any]
	// seq numbers the ids writes mint.
	seq atomic.Uint64
}

// docKey names one document: a region file ("ec2/describe-vpcs") of an
// account's region, or an account's IAM document (Region "", File
// "iam/get-instance-profile/<name>" or "iam/list-attached-role-policies/<role>").
type docKey struct {
	Account, Region, File string
}

// iamKey is the docKey of an account's IAM document, key as in Account.IAM.
func iamKey(account, key string) docKey { return docKey{Account: account, File: "iam/" + key} }

func newWorld(est *Estate) *world { return &world{estate: est} }

// doc returns the current version of a document, or nil when there is none.
// The result must not be modified.
func (w *world) doc(k docKey) map[string]any {
	if ov := w.overlay.Load(); ov != nil {
		if d, ok := (*ov)[k]; ok {
			return d
		}
	}
	return w.estateDoc(k)
}

// regionDoc returns the current version of a region file, or nil.
func (w *world) regionDoc(account, region, file string) map[string]any {
	return w.doc(docKey{account, region, file})
}

// iam returns the current version of an account's IAM document, or nil.
func (w *world) iam(account, key string) map[string]any {
	return w.doc(iamKey(account, key))
}

// estateDoc is the document as the estate holds it, or nil.
func (w *world) estateDoc(k docKey) map[string]any {
	acct := w.estate.Accounts[k.Account]
	if acct == nil {
		return nil
	}
	if k.Region == "" {
		key, ok := strings.CutPrefix(k.File, "iam/")
		if !ok {
			return nil
		}
		return acct.IAM[key]
	}
	r := acct.Regions[k.Region]
	if r == nil {
		return nil
	}
	return r.Files[k.File]
}

// changed lists the documents writes have changed (or removed), in no
// particular order.
func (w *world) changed() []docKey {
	ov := w.overlay.Load()
	if ov == nil {
		return nil
	}
	keys := make([]docKey, 0, len(*ov))
	for k := range *ov {
		keys = append(keys, k)
	}
	return keys
}

// newID mints a resource id: prefix followed by 17 hex digits, the length
// of EC2's long ids. Ids are unique for the world's lifetime and repeat
// from run to run.
func (w *world) newID(prefix string) string {
	n := w.seq.Add(1)
	sum := sha256.Sum256([]byte(prefix + "/" + strconv.FormatUint(n, 10)))
	return prefix + hex.EncodeToString(sum[:])[:17]
}

// tx is one write in progress: the documents it has changed so far, not
// yet visible to anyone else.
type tx struct {
	w     *world
	edits map[docKey]map[string]any
}

// write runs fn as one atomic write: the documents fn changes through the
// tx are published together when fn returns nil, and discarded when it
// returns an error (a DryRunOperation included).
func (w *world) write(fn func(t *tx) *APIError) *APIError {
	w.mu.Lock()
	defer w.mu.Unlock()
	t := &tx{w: w, edits: map[docKey]map[string]any{}}
	if err := fn(t); err != nil {
		return err
	}
	if len(t.edits) == 0 {
		return nil
	}
	next := map[docKey]map[string]any{}
	if old := w.overlay.Load(); old != nil {
		for k, d := range *old {
			next[k] = d
		}
	}
	for k, d := range t.edits {
		next[k] = d
	}
	w.overlay.Store(&next)
	return nil
}

// get returns a document as this write sees it (its own changes
// included), or nil. The result must not be modified: call edit for a
// copy to change.
func (t *tx) get(k docKey) map[string]any {
	if d, ok := t.edits[k]; ok {
		return d
	}
	return t.w.doc(k)
}

// edit returns the write's private copy of a document, to change in place;
// a document that does not exist starts as an empty object.
func (t *tx) edit(k docKey) map[string]any {
	if d, ok := t.edits[k]; ok {
		if d == nil {
			d = map[string]any{}
			t.edits[k] = d
		}
		return d
	}
	d, _ := deepCopy(t.w.doc(k)).(map[string]any)
	if d == nil {
		d = map[string]any{}
	}
	t.edits[k] = d
	return d
}

// drop removes a document: later reads find none, as if the estate never
// had it.
func (t *tx) drop(k docKey) { t.edits[k] = nil }

// deepCopy copies a document value: maps and slices are copied, scalars
// (strings, booleans, json.Number) are shared, being immutable.
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if x == nil {
			return x
		}
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		if x == nil {
			return x
		}
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = deepCopy(e)
		}
		return s
	}
	return v
}
