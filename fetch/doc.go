// Package fetch installs sub-agent packages into a versioned store under the
// daemon's state directory (SPEC §4, §9).
//
// A package is fetched with go-getter (http, https) or with the FTP and
// local-file getters of this package, verified against its SHA256 checksum
// before anything is unpacked, checked for entries that would escape the
// package directory and against the size and entry limits of Options, unpacked with go-getter's decompressors, synced to disk
// and only then renamed into <stateDir>/packages/NAME/VERSION. Everything
// before that rename happens in <stateDir>/tmp, which NewStore empties, so a
// crash or a full disk never leaves a half-installed package where a caller
// could find it.
//
// The package knows nothing about processes or jobs: the reconciler decides
// when to fetch, which versions to keep, and what to do with a terminal error
// (IsTerminal).
package fetch
