package cli

import "strings"

// argsFlag collects a repeated flag's values in order, as given (--command: one
// per argument, so an argument may hold spaces).
type argsFlag struct{ values *[]string }

func (l argsFlag) String() string {
	if l.values == nil {
		return ""
	}
	return strings.Join(*l.values, " ")
}

func (l argsFlag) Set(v string) error {
	*l.values = append(*l.values, v)
	return nil
}
