package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/digitalid/digitalid/internal/testenv"
	"github.com/digitalid/digitalid/issuer"
	"github.com/digitalid/digitalid/issuer/issuertest"
)

// importTypes are the documents each benchmark citizen gets, in turn: five
// a citizen, as issue 4's 1,000,000 documents for 200,000 citizens.
var importTypes = []string{"passport_ru", "snils", "inn", "oms_policy", "driving_licence"}

// BenchmarkImportScale is issue 4's bulk import benchmark: `digitalid
// import` (the real command function) of DIGITALID_IMPORT_DOCS signed
// documents (default 10,000; the issue names 1,000,000) for a fifth as
// many citizens, then reading single documents at that database size. It
// runs once whatever b.N is; use -benchtime 1x. DIGITALID_IMPORT_WORKERS
// sets --workers (default 4). Reported: docs/s of the
// import, peak heap and process RSS during it, and the p50/p99 of reading
// (and decrypting) one random document as its citizen.
//
//	DIGITALID_IMPORT_DOCS=100000 scripts/with-services.sh go test -run '^$' \
//	    -bench 'ImportScale/sqlite' -benchtime 1x -timeout 3h ./cmd/digitalid/
func BenchmarkImportScale(b *testing.B) {
	docs := 10000
	if s := os.Getenv("DIGITALID_IMPORT_DOCS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < len(importTypes) {
			b.Fatalf("DIGITALID_IMPORT_DOCS=%q: want a number of at least %d", s, len(importTypes))
		}
		docs = n
	}
	b.Run("sqlite", func(b *testing.B) { importScale(b, docs, nil) })
	b.Run("postgres", func(b *testing.B) { importScale(b, docs, []string{"--db", testenv.PostgresDSN(b)}) })
}

func importScale(b *testing.B, docs int, dbArgs []string) {
	ctx := context.Background()
	dir := b.TempDir()
	args := append([]string{"--data-dir", dir}, dbArgs...)
	a := benchApp(b, args)
	citizens := docs / len(importTypes)
	start := time.Now()
	ids := make([]string, citizens)
	for i := range citizens {
		c, err := a.accounts.Citizens.Create(ctx, fmt.Sprintf("+7701%07d", 1000000+i), "ru")
		if err != nil {
			b.Fatalf("Citizens.Create(%d): %v", i, err)
		}
		ids[i] = c.ID
	}
	key := issuertest.NewKey(b, "mvd-1")
	if _, err := a.issuers.Add(ctx, "bench", issuer.Issuer{ID: "mvd", Name: "MVD", AllowedTypes: importTypes, PublicKeys: key.JWKS()}); err != nil {
		b.Fatal(err)
	}
	file := filepath.Join(dir, "docs.jsonl")
	writeImportFile(b, file, key, citizens)
	b.Logf("setup: %d citizens, %d signed lines in %s", citizens, citizens*len(importTypes), time.Since(start).Round(time.Second))

	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	b.Logf("heap in use before the import: %d MiB", before.HeapInuse>>20)
	var peakHeap atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peakHeap.Load() {
				peakHeap.Store(m.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	b.ResetTimer()
	var out, errb bytes.Buffer
	begin := time.Now()
	// --log-level warn: the vault logs every stored document at info, and
	// this harness captures stderr in memory (a terminal would not).
	importArgs := append([]string{file, "--issuer", "mvd", "--log-level", "warn"}, args...)
	if w := os.Getenv("DIGITALID_IMPORT_WORKERS"); w != "" {
		importArgs = append(importArgs, "--workers", w)
	}
	code := runImport(ctx, env{strings.NewReader(""), &out, &errb, func(string) string { return "" }}, importArgs)
	elapsed := time.Since(begin)
	b.StopTimer()
	close(stop)
	<-sampled
	if code != 0 || !strings.Contains(out.String(), fmt.Sprintf("%d lines: %d accepted", citizens*len(importTypes), citizens*len(importTypes))) {
		b.Fatalf("import = %d\n%s\n%s", code, out.String(), errb.String())
	}
	if f := os.Getenv("DIGITALID_IMPORT_HEAPPROFILE"); f != "" {
		runtime.GC()
		w, err := os.Create(f)
		if err == nil {
			err = pprof.WriteHeapProfile(w)
			w.Close()
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	n := citizens * len(importTypes)
	b.ReportMetric(float64(n)/elapsed.Seconds(), "docs/s")
	b.ReportMetric(float64(peakHeap.Load())/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(ru.Maxrss)/1024, "max-rss-MiB")
	b.Logf("import: %d documents in %s (%.0f docs/s)", n, elapsed.Round(time.Second), float64(n)/elapsed.Seconds())

	// Reading one document as its citizen (decrypting it), at this size.
	const samples = 2000
	rows, err := a.db.SQL().QueryContext(ctx, "SELECT id, citizen_id FROM vault_documents ORDER BY random() LIMIT "+strconv.Itoa(samples))
	if err != nil {
		b.Fatal(err)
	}
	var pairs [][2]string
	for rows.Next() {
		var id, cid string
		if err := rows.Scan(&id, &cid); err != nil {
			b.Fatal(err)
		}
		pairs = append(pairs, [2]string{id, cid})
	}
	rows.Close()
	lat := make([]time.Duration, 0, len(pairs))
	for _, p := range pairs {
		t0 := time.Now()
		if _, err := a.vault.Get(ctx, p[1], p[0]); err != nil {
			b.Fatalf("vault.Get: %v", err)
		}
		lat = append(lat, time.Since(t0))
	}
	slices.Sort(lat)
	p50, p99 := lat[len(lat)/2], lat[len(lat)*99/100]
	b.ReportMetric(float64(p50.Microseconds()), "read-p50-µs")
	b.ReportMetric(float64(p99.Microseconds()), "read-p99-µs")
	b.Logf("read one of %d documents: p50 %s, p99 %s (%d samples)", n, p50, p99, len(lat))
}

// benchApp opens the wired app for a benchmark.
func benchApp(b *testing.B, args []string) *app {
	b.Helper()
	var cfg Config
	fs := newTestFlagSet()
	storageFlags(fs, &cfg)
	if err := parseFlags(fs, &cfg, args, func(string) string { return "" }); err != nil {
		b.Fatal(err)
	}
	if err := cfg.finish(); err != nil {
		b.Fatal(err)
	}
	a, err := openApp(context.Background(), cfg, discardLogger())
	if err != nil {
		b.Fatalf("openApp: %v", err)
	}
	b.Cleanup(func() { a.Close() })
	return a
}

// writeImportFile writes one signed line per document: importTypes for
// each citizen, addressed by phone. The fields are the valid fixtures
// (the same content for everyone: validation and encryption cost the same).
func writeImportFile(b *testing.B, file string, key issuertest.Key, citizens int) {
	b.Helper()
	fields := make([]string, len(importTypes))
	for i, t := range importTypes {
		raw, err := os.ReadFile("../../vault/testdata/valid/" + t + ".json")
		if err != nil {
			b.Fatal(err)
		}
		fields[i] = key.Sign(b, raw) // one signature per type: signing is the issuer's cost, not the import's
	}
	f, err := os.Create(file)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	enc := json.NewEncoder(w)
	for c := range citizens {
		phone := fmt.Sprintf("+7701%07d", 1000000+c)
		for i, t := range importTypes {
			ref := fmt.Sprintf("%s-%d", t, c)
			if err := enc.Encode(importLine{Ref: ref, Citizen: issuer.CitizenRef{Phone: phone}, Type: t, Document: fields[i], IdempotencyKey: "idem-" + ref}); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}
