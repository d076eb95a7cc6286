// Package fault reads an estate's faults.json and decides, call by call,
// which simulated AWS requests misbehave on purpose, and how: a rule
// fails the call with an AWS error code ("error"), holds its answer for a
// while ("delay", a slow or hung response), or spoils its body ("body":
// "truncated", cut off mid-body, or "malformed", a complete answer that is
// not a valid document). A rule has exactly one of the three.
//
// Its place: the simulator (package awssim) builds one Injector from the
// rules of an estate and asks it about every request before answering;
// `pdr-audit import` asks only about persistent rules (DecidePersistent),
// because a persistent fault stands for a read that failed when the
// evidence was gathered. The status catalog (Lookup, Message) tells the
// simulator which HTTP status and message the real service sends with a
// given error code, per wire protocol.
//
// Invariants:
//
//   - Parsing is strict. Unknown or duplicate keys, wrong JSON types,
//     a missing "action", a rule with none or several of "error", "delay"
//     and "body", malformed accounts, regions, actions or
//     codes, and impossible combinations are errors that name the file, the
//     rule's index and key, and the line:column where the problem is. A
//     typo in faults.json must never turn into a fault that silently never
//     fires.
//   - The first rule in file order that matches a call decides it, even
//     when that rule has no failure left to give (an exhausted "first"
//     rule lets the call through; later rules are not consulted).
//   - "first" and "rate" rules are deterministic: the N-th call a rule
//     decides gets the same answer on every run. Under concurrent requests
//     the order in which calls reach a rule is the scheduler's, so only the
//     sequence of answers is fixed, not which request receives which.
//   - Persistent rules (neither "first" nor "rate") keep no state, so
//     asking about them never changes what the simulator does.
//   - A "delay" rule is never a failed read: import (DecidePersistent)
//     ignores it, while a persistent "body" rule fails import's read as it
//     fails collection's.
package fault
