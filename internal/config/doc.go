// Package config reads pdr-audit's configuration file (pdr-audit.yaml):
// who is monitored, who is a Threat Manager appliance, what is excluded,
// the data center, the profile and the Rapid7 region. Its place in the
// pipeline: the command line loads it, lets flags override it, and hands
// Data() to the policy engine as data.config.
//
// Invariants:
//   - Strict: an unknown key, a value of the wrong type, a duplicate key or
//     a value outside its set is an error naming the file, the line and the
//     full key path (e.g. monitored.include_tags). The file is walked as a
//     YAML node tree rather than decoded with KnownFields, because yaml's
//     own errors name neither the key path nor, for bad values, the key.
//   - A key the file does not set keeps its default, key by key: setting
//     appliances.tags does not clear appliances.name_contains (write
//     name_contains: [] for that).
//   - Data() always holds every key, with empty lists and maps rather than
//     nulls, so rules never need defaults of their own.
package config
