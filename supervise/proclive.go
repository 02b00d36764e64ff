package supervise

// ProcessRuns reports whether pid is still the process started at
// startTime (/proc/PID/stat field 22, which exec keeps) and is not a
// zombie. kill(pid, 0) cannot tell: it succeeds for a zombie, and for
// whatever process reused the pid.
func ProcessRuns(pid int, startTime uint64) bool {
	st, err := readProcStat(pid)
	return err == nil && st.startTime == startTime && st.state != 'Z' && st.state != 'X'
}

// PidLive reports whether a process with this pid exists and is not a
// zombie (whatever it is: for a pid recorded without its start time).
func PidLive(pid int) bool {
	st, err := readProcStat(pid)
	return err == nil && st.state != 'Z' && st.state != 'X'
}
