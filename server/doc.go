// Package server is the reference control server of SPEC §8: the agent wire
// protocol of §7 (register, status with jobs, job results, events) and an
// admin API, over an embedded SQLite store.
//
// Writes go through one writer goroutine that groups concurrent requests
// into one transaction (group commit): a status report, a job result or an
// event is answered only once the transaction holding it is committed and
// synced, so an acknowledged result survives a crash, while thousands of
// reports per second share a few fsyncs. Reads (the admin API) use a
// separate pool of read-only connections and never wait for the writer.
package server
