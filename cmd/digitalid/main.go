// Command digitalid is the whole platform in one binary: `digitalid serve`
// runs the web service, the other subcommands administer it (migrations,
// audit verification, the development SMS outbox, keys).
//
// With no configuration at all, `digitalid serve` keeps a SQLite database and
// key material under ./data and listens on 127.0.0.1:8080. Every flag can
// also be given as a DIGITALID_* environment variable; secrets only as
// variables. `digitalid help COMMAND` describes each command.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = "dev"

// env is what a command runs with; main passes the process's, tests their own.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
}

// command is one subcommand. run returns the process exit status.
type command struct {
	synopsis string
	about    string
	run      func(ctx context.Context, e env, args []string) int
}

func commands() map[string]command {
	return map[string]command{
		"serve":   {"serve [flags]", "Run the digitalid web service (pages, JSON API, metrics) until SIGINT/SIGTERM.", runServe},
		"migrate": {"migrate [--status] [flags]", "Apply pending database migrations (serve also does this on start), or list them with --status.", runMigrate},
		"version": {"version", "Print the version.", runVersion},
		"audit":   {"audit verify [flags]", "Check every audit log hash chain; exit 1 naming the first broken link.", runAudit},
		"sms":     {"sms outbox [--to PHONE] [--limit N] [flags]", "List messages in the development SMS outbox (newest first).", runSMS},
		"admin":   {"admin issuer|verifier|rp|review ACTION [flags] | admin documents", "Register, list or disable document issuers (issuer add|list|disable), verifiers (verifier add|list|disable|rotate-secret) and relying parties (rp add|list|disable); decide failed video checks (review list|approve|reject); count the vault's documents by type, source and status (documents).", runAdmin},
		"import":  {"import FILE.jsonl|- --issuer ID [flags]", "Bulk-load documents as an issuer would send them; prints a summary of rejected lines.", runImport},
		"keys":    {"keys list|rotate [flags]", "List the platform's keys, or rotate one (a new active key; the old one is still published until it expires).", runKeys},
		"verify":  {"verify FILE|- [--server URL | --offline --jwks FILE] [--json]", "Verify a Digital ID QR code (a PNG/JPEG image or its text) online as a verifier or offline; exit 0 only when valid.", runVerify},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, env{os.Stdin, os.Stdout, os.Stderr, osGetenv}, os.Args[1:])
	stop()
	os.Exit(code)
}

// run dispatches to a subcommand and returns the exit status: 0 success,
// 1 failure (for `audit verify`: a broken chain), 2 usage error.
func run(ctx context.Context, e env, args []string) int {
	cmds := commands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		printHelp(e.stdout, cmds)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	if args[0] == "help" {
		if len(args) == 1 {
			printHelp(e.stdout, cmds)
			return 0
		}
		c, ok := cmds[args[1]]
		if !ok {
			fmt.Fprintf(e.stderr, "digitalid: unknown command %q\n", args[1])
			return 2
		}
		return c.run(ctx, e, append(args[2:len(args):len(args)], "--help"))
	}
	c, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(e.stderr, "digitalid: unknown command %q (see `digitalid help`)\n", args[0])
		return 2
	}
	return c.run(ctx, e, args[1:])
}

func printHelp(w io.Writer, cmds map[string]command) {
	fmt.Fprintf(w, "digitalid %s: a self-hostable national digital-identity platform.\n\nUsage:\n", version)
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  digitalid %-45s %s\n", cmds[n].synopsis, cmds[n].about)
	}
	fmt.Fprintf(w, "  digitalid %-45s %s\n", "help COMMAND", "Describe a command, its flags and their DIGITALID_* variables.")
}

// parseCommand sets up a FlagSet with the command's help and parses args
// with the environment. It returns the exit status to use when parsing ends
// the command (help asked: 0; bad flags: 2), or -1 to go on.
func parseCommand(e env, name string, c *Config, register func(*flag.FlagSet, *Config), args []string) (*flag.FlagSet, int) {
	cmd := commands()[name]
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	if register != nil {
		register(fs, c)
	}
	fs.Usage = usage(e.stdout, fs, cmd.synopsis, cmd.about, register != nil)
	if err := parseFlags(fs, c, args, e.getenv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return fs, 0
		}
		fmt.Fprintf(e.stderr, "digitalid %s: %v\n", name, err)
		return fs, 2
	}
	if register != nil {
		if err := c.finish(); err != nil {
			fmt.Fprintf(e.stderr, "digitalid %s: %v\n", name, err)
			return fs, 2
		}
	}
	return fs, -1
}

func runVersion(ctx context.Context, e env, args []string) int {
	var c Config
	if _, code := parseCommand(e, "version", &c, nil, args); code >= 0 {
		return code
	}
	fmt.Fprintf(e.stdout, "digitalid %s\n", version)
	return 0
}
