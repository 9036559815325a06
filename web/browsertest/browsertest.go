// Package browsertest drives a real headless Chromium from tests, for the
// pages of every capability: it starts a private browser per test, fails the
// test on JavaScript errors and Content-Security-Policy violations, and
// offers the few helpers page tests need (navigate, read, click, fill,
// screenshot, cookies). Tests skip without Chromium, or fail under
// DIGITALID_REQUIRE_ALL=1 (see internal/testenv).
//
// Servers under test must listen on 127.0.0.1 (httptest.NewServer does).
package browsertest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/digitalid/digitalid/internal/testenv"
)

// DefaultTimeout bounds each helper call.
const DefaultTimeout = 20 * time.Second

// cspProbe reports CSP violations to the console, where the harness sees
// them even when Chromium does not log them itself. DevTools injects it, so
// the page's CSP does not apply to it.
const cspProbe = `document.addEventListener('securitypolicyviolation', e =>
  console.error('CSP violation: ' + e.effectiveDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber));`

// Browser is one headless Chromium with one tab, owned by one test.
type Browser struct {
	t       testing.TB
	ctx     context.Context
	Timeout time.Duration // per helper call; DefaultTimeout

	dir string // screenshots

	mu       sync.Mutex
	problems []string
	allowed  []*regexp.Regexp
	shots    []string
}

// New starts a private Chromium (fresh profile in a temporary directory) for
// t and closes it when t ends. At the end the test fails on each console
// error, uncaught exception or CSP violation the pages produced, unless
// Allow matched it or TakeProblems consumed it.
func New(t testing.TB) *Browser {
	t.Helper()
	exe := testenv.Chromium(t)
	profile := t.TempDir()
	b := &Browser{t: t, Timeout: DefaultTimeout, dir: artifactDir(t)}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-features", "Translate,OptimizationHints,MediaRouter"),
		chromedp.Flag("password-store", "basic"),
		// A fake camera that needs no permission prompt, for camera pages.
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
	)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	b.ctx = ctx
	// Registered after t.TempDir, so it runs before the profile is removed.
	t.Cleanup(func() {
		b.flush()
		if t.Failed() {
			b.Screenshot("failure")
		}
		cancelTab()
		cancelAlloc()
		b.report()
	})
	startCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx); err != nil { // starts the browser; no timeout on the first run
		t.Fatalf("browsertest: start Chromium %s: %v", exe, err)
	}
	if err := chromedp.Listen(ctx, b.collect); err != nil {
		t.Fatalf("browsertest: listen: %v", err)
	}
	if _, err := chromedp.Call(startCtx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: cspProbe}); err != nil {
		t.Fatalf("browsertest: install CSP probe: %v", err)
	}
	b.SetAcceptLanguage(DefaultAcceptLanguage)
	return b
}

// DefaultAcceptLanguage is what the browser sends until SetAcceptLanguage
// changes it, whatever the machine's locale.
const DefaultAcceptLanguage = "en-US,en;q=0.9"

// SetAcceptLanguage sets the Accept-Language header of the browser's
// following requests, as a visitor's language settings would.
func (b *Browser) SetAcceptLanguage(header string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, b.Timeout)
	defer cancel()
	if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
		Headers: network.Headers{"Accept-Language": header},
	}); err != nil {
		b.t.Fatalf("browsertest: set Accept-Language: %v", err)
	}
}

// artifactDir is where screenshots go: $DIGITALID_TEST_ARTIFACTS/<test> when
// set (kept after the run), else a temporary directory.
func artifactDir(t testing.TB) string {
	root := os.Getenv("DIGITALID_TEST_ARTIFACTS")
	if root == "" {
		return t.TempDir()
	}
	dir := filepath.Join(root, strings.NewReplacer("/", "_", " ", "_").Replace(t.Name()))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("browsertest: %v", err)
	}
	return dir
}

// collect runs on chromedp's event loop: it must be quick and not block.
func (b *Browser) collect(ev any) {
	var msg string
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type != runtime.ConsoleAPICalledTypeError && ev.Type != runtime.ConsoleAPICalledTypeAssert {
			return
		}
		var parts []string
		for _, a := range ev.Args {
			if len(a.Value) > 0 {
				parts = append(parts, strings.Trim(string(a.Value), `"`))
			} else {
				parts = append(parts, a.Description)
			}
		}
		msg = "console." + string(ev.Type) + ": " + strings.Join(parts, " ")
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg = "uncaught exception: " + d.Text
		if d.Exception != nil {
			msg += " " + d.Exception.Description
		}
	case *log.EventEntryAdded:
		if ev.Entry.Level != log.EntryLevelError {
			return
		}
		msg = fmt.Sprintf("browser %s error: %s (%s)", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL)
	default:
		return
	}
	b.mu.Lock()
	b.problems = append(b.problems, msg)
	b.mu.Unlock()
}

// flush makes sure every event the page produced so far has been collected:
// events arrive before the reply of a later command.
func (b *Browser) flush() {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void]("0"))
}

// Allow tolerates console errors matching the regular expression expr (for
// a test that provokes one on purpose, such as a page answering 404).
func (b *Browser) Allow(expr string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.allowed = append(b.allowed, regexp.MustCompile(expr))
}

// TakeProblems returns the console errors, exceptions and CSP violations
// collected so far and forgets them, so a test can assert on them.
func (b *Browser) TakeProblems() []string {
	b.flush()
	b.mu.Lock()
	defer b.mu.Unlock()
	p := b.problems
	b.problems = nil
	return p
}

func (b *Browser) report() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		if !b.isAllowed(p) {
			b.t.Errorf("browsertest: %s", p)
		}
	}
	if b.t.Failed() {
		for _, s := range b.shots {
			b.t.Logf("browsertest: screenshot %s", s)
		}
		if os.Getenv("DIGITALID_TEST_ARTIFACTS") == "" && len(b.shots) > 0 {
			b.t.Logf("browsertest: set DIGITALID_TEST_ARTIFACTS=dir to keep screenshots")
		}
	}
}

func (b *Browser) isAllowed(p string) bool {
	for _, re := range b.allowed {
		if re.MatchString(p) {
			return true
		}
	}
	return false
}

// do runs actions with the per-call timeout, failing the test on error.
func (b *Browser) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, b.Timeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("browsertest: %s: %v", what, err)
	}
}

// run runs one action returning a value, failing the test on error.
func run[T any](b *Browser, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, b.Timeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("browsertest: %s: %v", what, err)
	}
	return v
}

// Context returns the tab's chromedp context for actions the helpers lack;
// derive a timeout from it for each call.
func (b *Browser) Context() context.Context { return b.ctx }

// Go navigates to url, waits for the page to load and returns its HTTP
// status.
func (b *Browser) Go(url string) int {
	b.t.Helper()
	resp := run(b, "go to "+url, chromedp.NavigateResponse(url))
	return int(resp.Status)
}

// Text returns the visible text of the first element matching the CSS
// selector sel, waiting for it to appear.
func (b *Browser) Text(sel string) string {
	b.t.Helper()
	return strings.TrimSpace(run(b, "text of "+sel, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible)))
}

// Attr returns an attribute of the first element matching sel ("" when
// absent).
func (b *Browser) Attr(sel, name string) string {
	b.t.Helper()
	return run(b, "attribute "+name+" of "+sel, chromedp.AttributeValue(chromedp.CSS(sel), name)).Value
}

// Click clicks the first visible element matching sel.
func (b *Browser) Click(sel string) {
	b.t.Helper()
	b.do("click "+sel, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// ClickNav clicks sel, which must start a navigation (a link, a submit
// button), waits for the new page and returns its HTTP status.
func (b *Browser) ClickNav(sel string) int {
	b.t.Helper()
	resp := run(b, "click "+sel+" and wait for the page", clickResponse(sel))
	return int(resp.Status)
}

func clickResponse(sel string) chromedp.Action[*network.Response] {
	return func(ctx context.Context, t *chromedp.Target) (*network.Response, error) {
		return chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	}
}

// Fill replaces the value of the input matching sel by typing v.
func (b *Browser) Fill(sel, v string) {
	b.t.Helper()
	b.do("fill "+sel, chromedp.Clear(chromedp.CSS(sel), chromedp.NodeVisible), typeInto(sel, v))
}

// typeInto types v into the first visible element matching sel, key by key,
// as chromedp.SendKeys does for any input but a file input. SendKeys (v0.23)
// reads the node's attribute slice before taking the node's lock, which the
// race detector reports when a DOM event changes an attribute meanwhile
// (Clear does, just before); KeyEventNode reads no attributes.
func typeInto(sel, v string) chromedp.Action[chromedp.Void] {
	return chromedp.QueryAfter(chromedp.CSS(sel), func(ctx context.Context, t *chromedp.Target, nodes []*chromedp.Node) (chromedp.Void, error) {
		if len(nodes) == 0 {
			return chromedp.Void{}, fmt.Errorf("no element matches %s", sel)
		}
		return chromedp.KeyEventNode(nodes[0], v)(ctx, t)
	}, chromedp.NodeVisible)
}

// Submit submits the form of the element matching sel, waits for the
// resulting page and returns its HTTP status.
func (b *Browser) Submit(sel string) int {
	b.t.Helper()
	resp := run(b, "submit "+sel, func(ctx context.Context, t *chromedp.Target) (*network.Response, error) {
		return chromedp.RunResponse(ctx, chromedp.Submit(chromedp.CSS(sel)))
	})
	return int(resp.Status)
}

// WaitVisible waits until an element matching sel is visible.
func (b *Browser) WaitVisible(sel string) {
	b.t.Helper()
	b.do("wait for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
}

// Screenshot saves a PNG of the whole page as <name>.png in the test's
// artifact directory and returns its path; paths are logged if the test
// fails.
func (b *Browser) Screenshot(name string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, b.Timeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Errorf("browsertest: screenshot %s: %v", name, err)
		return ""
	}
	path := filepath.Join(b.dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Errorf("browsertest: %v", err)
		return ""
	}
	b.mu.Lock()
	b.shots = append(b.shots, path)
	b.mu.Unlock()
	return path
}

// Cookies returns the browser's cookies for the current page.
func (b *Browser) Cookies() []*network.Cookie {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, b.Timeout)
	defer cancel()
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{})
	if err != nil {
		b.t.Fatalf("browsertest: cookies: %v", err)
	}
	return res.Cookies
}

// Cookie returns the value of the named cookie and whether it is set.
func (b *Browser) Cookie(name string) (string, bool) {
	b.t.Helper()
	for _, c := range b.Cookies() {
		if c.Name == name {
			return c.Value, true
		}
	}
	return "", false
}
