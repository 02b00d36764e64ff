package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bootagent/bootagent/api"
)

func cmdStatus(args []string) int {
	fs := newFlags("status")
	cfgPath := fs.String("config", defaultConfigPath(), "configuration file (default $BOOTAGENT_CONFIG, else "+DefaultConfig+")")
	asJSON := fs.Bool("json", false, "print the status document as JSON")
	if !parse(fs, args) {
		return exitUsage
	}
	if fs.NArg() > 0 {
		return usageError("status takes no arguments")
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return fail("%v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	doc, err := api.NewControlClient(cfg.SocketPath()).Status(ctx)
	if err != nil {
		return fail("%v", err)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(doc)
		return exitOK
	}
	printStatus(doc)
	return exitOK
}

func printStatus(doc api.StatusDoc) {
	fmt.Fprintf(stdout, "%s on %s, up %s", doc.Version, doc.Hostname, time.Duration(doc.Uptime)*time.Second)
	if doc.AgentSN != "" {
		fmt.Fprintf(stdout, ", agentsn %s", doc.AgentSN)
	}
	fmt.Fprintln(stdout)
	for _, e := range doc.ConfigErrors {
		fmt.Fprintf(stdout, "config error: %s\n", e)
	}
	fmt.Fprintln(stdout)
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSTATUS\tPID\tUPTIME\tRESTARTS\tVERSION\tSOURCE\tMESSAGE")
	for _, a := range doc.Agents {
		pid := "-"
		if a.Pid != 0 {
			pid = fmt.Sprint(a.Pid)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", a.Name, a.Status, pid,
			time.Duration(a.Uptime)*time.Second, a.Restarts, dash(a.Version), dash(a.Source), oneLine(a.Message))
	}
	tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func oneLine(s string) string { return strings.ReplaceAll(s, "\n", " ") }
