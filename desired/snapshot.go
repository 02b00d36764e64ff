package desired

// Problem is something wrong with a source's input that did not stop the
// source: an invalid file (its agents keep their last valid state), an
// unreadable directory, a rejected duplicate. Status shows it and the
// daemon reports it as an invalid_config event.
type Problem struct {
	File   string
	Line   int      // 0 when unknown
	Agents []string // agents this problem concerns (kept at their last valid state); may be empty
	Msg    string
}

// String formats as "FILE:LINE: MSG", like Error.
func (p Problem) String() string {
	e := Error{File: p.File, Line: p.Line, Msg: p.Msg}
	return e.Error()
}

// Snapshot is the complete set of documents one source owns at one moment,
// never a diff (DESIGN practice 1): a consumer that missed a snapshot loses
// nothing by reading the next one.
type Snapshot struct {
	Source   string // SourceFile, SourceServer
	Docs     []Doc
	Problems []Problem
	// Degraded says the source could not read its own state (a corrupt
	// server-desired.json): Docs are its best knowledge, not the truth, so
	// an agent it owned that Docs lack is not removed (Set.SourceReady).
	Degraded bool
}
