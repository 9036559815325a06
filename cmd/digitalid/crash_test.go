package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/internal/testenv"
)

// The crash test re-runs this test binary as a writer process: it opens the
// platform exactly as `digitalid serve` does (openApp: store, keys, audit
// log) and appends audit events from several goroutines, printing "ack" for
// each only after Append returned. The parent SIGKILLs it mid-stream and
// then checks that every acknowledged event is in the database and that the
// hash chains still verify.
const (
	crashChildEnv = "DIGITALID_CRASH_CHILD_DB"
	crashWriters  = 4
	crashAcks     = 300
)

// crashChild is the writer process's main.
func crashChild() int {
	cfg := Config{DB: os.Getenv(crashChildEnv), KeyStore: "file", MasterKey: os.Getenv("DIGITALID_MASTER_KEY"),
		DataDir: os.Getenv("DIGITALID_DATA_DIR"), LogFormat: "text", KeyPublish: time.Hour}
	if err := cfg.finish(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	ctx := context.Background()
	a, err := openApp(ctx, cfg, discardLogger())
	if err != nil {
		fmt.Fprintln(os.Stderr, "openApp:", err)
		return 1
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := 0; w < crashWriters; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			chain := randomChainID()
			for {
				e, err := a.audit.Append(ctx, audit.Event{Chain: chain, Actor: audit.Actor{Type: audit.ActorSystem, ID: "crash-test"},
					Action: "test.write", Object: "test:" + chain, Result: audit.Success})
				if err != nil {
					fmt.Fprintln(os.Stderr, "Append:", err)
					os.Exit(1)
				}
				mu.Lock()
				fmt.Printf("ack %s %d %s\n", e.Chain, e.Seq, e.ID)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return 0
}

func TestSIGKILLLosesNoAcknowledgedWrite(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, "data", "digitalid.db")
			if dialect == "postgres" {
				db = testenv.PostgresDSN(t)
			}
			key := newMasterKey()
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), crashChildEnv+"="+db, "DIGITALID_MASTER_KEY="+key, "DIGITALID_DATA_DIR="+filepath.Join(dir, "data"))
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr syncBuffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			type ack struct {
				chain string
				seq   int64
				id    string
			}
			var acks []ack
			lines := readLines(stdout)
			timeout := time.After(2 * time.Minute)
		read:
			for len(acks) < crashAcks {
				select {
				case line, ok := <-lines:
					if !ok {
						break read
					}
					f := strings.Fields(line)
					if len(f) != 4 || f[0] != "ack" {
						t.Fatalf("writer printed %q", line)
					}
					seq, _ := strconv.ParseInt(f[2], 10, 64)
					acks = append(acks, ack{f[1], seq, f[3]})
				case <-timeout:
					t.Fatalf("writer acknowledged only %d writes in 2 minutes\n%s", len(acks), stderr.String())
				}
			}
			if len(acks) < crashAcks {
				t.Fatalf("writer exited after %d acks: %v\n%s", len(acks), cmd.Wait(), stderr.String())
			}
			if err := cmd.Process.Kill(); err != nil { // SIGKILL, mid-write
				t.Fatal(err)
			}
			// Acks the writer printed before it died count too.
			for line := range lines {
				if f := strings.Fields(line); len(f) == 4 && f[0] == "ack" {
					seq, _ := strconv.ParseInt(f[2], 10, 64)
					acks = append(acks, ack{f[1], seq, f[3]})
				}
			}
			cmd.Wait()

			var getenv = func(k string) string {
				if k == "DIGITALID_MASTER_KEY" {
					return key
				}
				return ""
			}
			a := testApp(t, getenv, "--data-dir", filepath.Join(dir, "data"), "--db", db)
			ctx := context.Background()
			for _, k := range acks {
				got, err := a.audit.List(ctx, k.chain, audit.ListOptions{After: k.seq - 1, Limit: 1})
				if err != nil {
					t.Fatalf("List(%s): %v", k.chain, err)
				}
				if len(got) != 1 || got[0].ID != k.id {
					t.Fatalf("acknowledged event %s (chain %s seq %d) is missing after SIGKILL", k.id, k.chain, k.seq)
				}
			}
			res, err := a.audit.Verify(ctx, nil)
			if err != nil || !res.OK() {
				t.Fatalf("audit verify after SIGKILL: %v %v", res, err)
			}
			t.Logf("%s: %d acknowledged writes all present after SIGKILL; %s", dialect, len(acks), res)
		})
	}
}
