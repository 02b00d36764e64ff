package cli

import (
	"os"
	"runtime"
	"runtime/pprof"
)

// Profiling of the real daemon, for measuring the start and restart paths
// (issue 11): off unless the environment names a file. $BOOTAGENT_CPUPROFILE
// gets a CPU profile of the whole `run`; $BOOTAGENT_BLOCKPROFILE and
// $BOOTAGENT_MUTEXPROFILE get the block and mutex profiles, written when
// `run` returns (a SIGTERM'd daemon returns normally). Nothing of this runs
// when the variables are unset.
func startProfiles() (stop func()) {
	cpu := os.Getenv("BOOTAGENT_CPUPROFILE")
	block := os.Getenv("BOOTAGENT_BLOCKPROFILE")
	mutex := os.Getenv("BOOTAGENT_MUTEXPROFILE")
	if cpu == "" && block == "" && mutex == "" {
		return func() {}
	}
	var cpuFile *os.File
	if cpu != "" {
		if f, err := os.Create(cpu); err == nil && pprof.StartCPUProfile(f) == nil {
			cpuFile = f
		} else {
			stderrf("bootagent: cpu profile %s not started: %v\n", cpu, err)
		}
	}
	if block != "" {
		runtime.SetBlockProfileRate(1) // every blocking event: a measurement run only
	}
	if mutex != "" {
		runtime.SetMutexProfileFraction(1)
	}
	return func() {
		if cpuFile != nil {
			pprof.StopCPUProfile()
			cpuFile.Close()
		}
		writeProfile("block", block)
		writeProfile("mutex", mutex)
	}
}

func writeProfile(name, path string) {
	if path == "" {
		return
	}
	f, err := os.Create(path)
	if err != nil {
		stderrf("bootagent: %s profile: %v\n", name, err)
		return
	}
	defer f.Close()
	if err := pprof.Lookup(name).WriteTo(f, 0); err != nil {
		stderrf("bootagent: %s profile %s: %v\n", name, path, err)
	}
}
