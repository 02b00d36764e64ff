package main

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
)

// printSummary prints what was done and each check, with the evidence of
// the failed ones (daemon log lines about the agents or jobs concerned).
func (s *soak) printSummary(took time.Duration, results []checkResult) {
	fmt.Printf("soak: %v, %d agents (%s), daemon SIGKILLed %d times (%d starts), converged in %v\n",
		s.opts.duration, len(s.files)+len(s.servers), mixString(), s.d.kills, s.d.starts, took.Round(100*time.Millisecond))
	fmt.Printf("jobs sent: %d (%s)\n", len(s.order), s.jobsByAction())
	accepted, posted := s.proxy.counts()
	fmt.Printf("results: %d accepted by the server (%d posted) for %d jobs\n", sum(accepted), sum(posted), len(s.order))
	if len(s.opErrs) > 0 {
		fmt.Printf("soak-side errors: %d (first: %s)\n", len(s.opErrs), s.opErrs[0])
	}
	failed := 0
	for _, c := range results {
		mark := "PASS"
		if !c.ok {
			mark = "FAIL"
			failed++
		}
		fmt.Printf("%s %s: %s\n", mark, c.name, c.summary)
		for i, d := range c.details {
			if i == 10 {
				fmt.Printf("    ... %d more\n", len(c.details)-10)
				break
			}
			fmt.Printf("    %s\n", d)
		}
		if !c.ok {
			s.printEvidence(c.agents)
		}
	}
	fmt.Printf("checks: %d passed, %d failed\n", len(results)-failed, failed)
}

// printEvidence quotes the daemon log about the first few agents or jobs.
func (s *soak) printEvidence(keys []string) {
	seen := map[string]bool{}
	n := 0
	for _, k := range keys {
		if seen[k] || n == 3 {
			continue
		}
		seen[k] = true
		n++
		s.printLog(k, 6)
	}
}

// printLog prints the last n daemon log lines naming key ("" any line).
func (s *soak) printLog(key string, n int) {
	re := regexp.MustCompile(".")
	if key != "" {
		re = regexp.MustCompile(`(agent|job)=` + regexp.QuoteMeta(key) + `(\s|$)`)
	}
	out := s.d.grep(re, n)
	fmt.Printf("    daemon log about %s:\n", orAll(key))
	for _, l := range out {
		fmt.Printf("      %s\n", l)
	}
}

func orAll(k string) string {
	if k == "" {
		return "everything"
	}
	return k
}

func mixString() string {
	var parts []string
	for _, m := range mix {
		parts = append(parts, fmt.Sprintf("%d %s", m.n, m.kind))
	}
	return strings.Join(parts, ", ")
}

func (s *soak) jobsByAction() string {
	counts := map[string]int{}
	for _, j := range s.jobs {
		key := j.action
		if j.fileOwned {
			key += " (file-owned)"
		} else if j.action == "upgrade" && !isGood(j.version) {
			key += " (bad)"
		}
		counts[key]++
	}
	var keys []string
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, counts[k]))
	}
	return strings.Join(parts, ", ")
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
