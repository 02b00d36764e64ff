// Package jobs runs the lifecycle of control-server jobs (SPEC §7): each
// job is one persisted state machine, taken → applied → judged → reported,
// recorded in the ledger before the next step begins, so that a crash
// between any two steps resumes where it stopped and every job ends with
// exactly one result.
//
// The decisions are pure: Next (state, event → new state and effects),
// Resumption (what to do with the ledger at start), Judge (observed vs
// desired) and needsRestart. Machine is the thin effectful layer around
// them; it reaches the rest of the agent only through Host, and hands
// results to the durable outbox (it never talks HTTP).
package jobs
