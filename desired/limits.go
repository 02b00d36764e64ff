package desired

import "github.com/bootagent/bootagent/syntax"

// fieldErrors checks both limits with the rules the cgroup code applies
// (syntax.ParseCPU, syntax.ParseMemory); empty ones mean unlimited.
func (l Limits) fieldErrors() []fieldError {
	var fes []fieldError
	if l.CPU != "" {
		if _, err := syntax.ParseCPU(l.CPU); err != nil {
			fes = append(fes, fieldError{"limits.cpu", err.Error()})
		}
	}
	if l.Memory != "" {
		if _, err := syntax.ParseMemory(l.Memory); err != nil {
			fes = append(fes, fieldError{"limits.memory", err.Error()})
		}
	}
	return fes
}
