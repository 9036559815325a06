package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	_ "image/jpeg" // QR photos
	_ "image/png"  // QR screenshots
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/digitalid/digitalid/verify"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// Exit statuses of `digitalid verify`: 0 only for a valid presentation.
const (
	verifyExitValid        = 0
	verifyExitInvalid      = 1
	verifyExitUsage        = 2
	verifyExitUndetermined = 3 // no answer: server or keys/status unreachable
)

// Limits on what `digitalid verify` reads.
const (
	maxVerifyInput  = 20 << 20   // bytes of a QR image or text
	maxVerifyPixels = 40_000_000 // width × height of a QR image
)

// verifyAnswer is what `digitalid verify` prints with --json: the server's
// answer online; the verify package's, in the same shape, offline.
type verifyAnswer struct {
	Result     string         `json:"result"`
	Reason     string         `json:"reason,omitempty"`
	ReasonText string         `json:"reason_text,omitempty"`
	Purpose    string         `json:"purpose,omitempty"`
	Mode       string         `json:"mode,omitempty"`
	Claims     map[string]any `json:"claims"`
	Display    []struct {
		Claim string `json:"claim"`
		Label string `json:"label"`
		Value string `json:"value"`
	} `json:"display,omitempty"`
	// PortraitURL is the short-lived link to the citizen's portrait (online,
	// valid); PortraitFile is where --portrait saved it.
	PortraitURL  string `json:"portrait_url,omitempty"`
	PortraitFile string `json:"portrait_file,omitempty"`
}

// runVerify is `digitalid verify FILE|-`: a QR image (PNG, JPEG) or its
// text, verified online by the server (verifier credentials from
// DIGITALID_VERIFIER_CREDENTIALS) or offline with the verify package.
func runVerify(ctx context.Context, e env, args []string) int {
	var server, jwksFile, issuer, purpose, cacheDir, portraitFile string
	var offline, asJSON bool
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.StringVar(&server, "server", "", "online: the platform's URL, e.g. https://id.example.kz")
	fs.BoolVar(&offline, "offline", false, "verify an offline (DID1:) code locally instead of asking the server")
	fs.StringVar(&jwksFile, "jwks", "", "offline: the issuer's public keys (a JWKS file, e.g. a saved /.well-known/jwks.json)")
	fs.StringVar(&issuer, "issuer", "", "offline: the platform's issuer URL (the credentials' iss); default --server")
	fs.StringVar(&purpose, "purpose", "age_over_18", "offline: the purpose asked for")
	fs.StringVar(&cacheDir, "cache", "", "offline: a directory caching status lists between runs")
	fs.BoolVar(&asJSON, "json", false, "print the answer as JSON")
	fs.StringVar(&portraitFile, "portrait", "", "online: save the citizen's portrait of a valid check to FILE (fetched once from the answer's portrait link)")
	cmd := commands()["verify"]
	fs.Usage = usage(e.stdout, fs, cmd.synopsis, cmd.about+" Online, the verifier's credentials <id>.<secret> are read from DIGITALID_VERIFIER_CREDENTIALS.", false)
	var positional []string
	for {
		if err := parseFlags(fs, &Config{}, args, e.getenv); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			fmt.Fprintf(e.stderr, "digitalid verify: %v\n", err)
			return verifyExitUsage
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(positional) != 1 {
		fmt.Fprintln(e.stderr, "digitalid verify: want one FILE (a QR image or its text), or - for standard input")
		return verifyExitUsage
	}
	payload, err := readVerifyInput(e, positional[0])
	if err != nil {
		fmt.Fprintf(e.stderr, "digitalid verify: %v\n", err)
		return verifyExitInvalid
	}
	var ans verifyAnswer
	if offline {
		if issuer == "" {
			issuer = server
		}
		ans, err = verifyOffline(ctx, payload, issuer, jwksFile, purpose, cacheDir)
	} else {
		if server == "" {
			err = usageError("--server is required (or --offline)")
		} else {
			ans, err = verifyOnline(ctx, server, e.getenv("DIGITALID_VERIFIER_CREDENTIALS"), payload)
		}
		if err == nil && portraitFile != "" && ans.Result == "valid" && ans.PortraitURL != "" {
			if perr := savePortrait(ctx, server, e.getenv("DIGITALID_VERIFIER_CREDENTIALS"), ans.PortraitURL, portraitFile); perr != nil {
				fmt.Fprintf(e.stderr, "digitalid verify: portrait: %v\n", perr)
			} else {
				ans.PortraitFile = portraitFile
			}
		}
	}
	var ue usageError
	switch {
	case errors.As(err, &ue):
		fmt.Fprintf(e.stderr, "digitalid verify: %v\n", err)
		return verifyExitUsage
	case err != nil:
		fmt.Fprintf(e.stderr, "digitalid verify: %v\n", err)
		return verifyExitUndetermined
	}
	printVerifyAnswer(e.stdout, ans, asJSON)
	switch ans.Result {
	case "valid":
		return verifyExitValid
	case "undetermined":
		return verifyExitUndetermined
	}
	return verifyExitInvalid
}

type usageError string

func (u usageError) Error() string { return string(u) }

// readVerifyInput reads FILE (or stdin for "-") and returns the QR text.
func readVerifyInput(e env, name string) (string, error) {
	var r io.Reader = e.stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return "", err
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxVerifyInput+1))
	if err != nil {
		return "", err
	}
	if len(b) > maxVerifyInput {
		return "", fmt.Errorf("%s is larger than %d MB", name, maxVerifyInput>>20)
	}
	return qrPayload(b)
}

// qrPayload returns the QR text in b: decoded from a PNG or JPEG image,
// else b itself as text (one line, printable ASCII).
func qrPayload(b []byte) (string, error) {
	if bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) || bytes.HasPrefix(b, []byte{0xff, 0xd8, 0xff}) {
		cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
		if err != nil {
			return "", fmt.Errorf("not a readable image: %w", err)
		}
		if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxVerifyPixels {
			return "", fmt.Errorf("the image is %d×%d pixels, at most %d allowed", cfg.Width, cfg.Height, maxVerifyPixels)
		}
		img, _, err := image.Decode(bytes.NewReader(b))
		if err != nil {
			return "", fmt.Errorf("not a readable image: %w", err)
		}
		bmp, err := gozxing.NewBinaryBitmapFromImage(img)
		if err != nil {
			return "", fmt.Errorf("image: %w", err)
		}
		// A photo needs the finder-pattern detector; a clean image of the
		// code alone (a screenshot, a saved PNG) decodes as a pure barcode
		// even where the detector misjudges its size (about 1 in 300 codes).
		for _, hint := range []gozxing.DecodeHintType{gozxing.DecodeHintType_TRY_HARDER, gozxing.DecodeHintType_PURE_BARCODE} {
			res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{hint: true})
			if err == nil {
				return res.GetText(), nil
			}
		}
		return "", errors.New("no QR code found in the image")
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "", errors.New("the input is empty")
	}
	for _, r := range s {
		if r < 0x20 || r > 0x7e {
			return "", errors.New("the input is neither a PNG/JPEG image nor a QR code's text")
		}
	}
	return s, nil
}

// verifyOnline asks the server.
func verifyOnline(ctx context.Context, server, credentials, payload string) (verifyAnswer, error) {
	if credentials == "" {
		return verifyAnswer{}, usageError("set DIGITALID_VERIFIER_CREDENTIALS to the verifier's <id>.<secret>")
	}
	body, _ := json.Marshal(map[string]string{"payload": payload})
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(server, "/")+"/api/v1/verifier/verify", bytes.NewReader(body))
	if err != nil {
		return verifyAnswer{}, usageError("--server: " + err.Error())
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Accept-Language", "en")
	req.Header.Set("Authorization", "Bearer "+credentials)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return verifyAnswer{}, fmt.Errorf("the server did not answer: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return verifyAnswer{}, fmt.Errorf("the server's answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		var p struct{ Detail string }
		_ = json.Unmarshal(raw, &p)
		if resp.StatusCode == http.StatusUnauthorized {
			return verifyAnswer{}, usageError("the server refused the verifier credentials: " + p.Detail)
		}
		return verifyAnswer{}, fmt.Errorf("the server answered %s: %s", resp.Status, p.Detail)
	}
	var ans verifyAnswer
	if err := json.Unmarshal(raw, &ans); err != nil {
		return verifyAnswer{}, fmt.Errorf("the server's answer is not JSON: %w", err)
	}
	return ans, nil
}

// portraitPath is the path of a portrait link.
const portraitPath = "/api/v1/verifier/portraits/"

// savePortrait fetches a portrait link with the verifier's credentials and
// writes the image to file. Only the link's path is used, on --server, so
// the credentials never go to another host.
func savePortrait(ctx context.Context, server, credentials, link, file string) error {
	u, err := url.Parse(link)
	if err != nil || !strings.HasPrefix(u.Path, portraitPath) {
		return fmt.Errorf("not a portrait link: %q", link)
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(server, "/")+u.EscapedPath(), nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "image/jpeg, image/png")
	req.Header.Set("Accept-Language", "en")
	req.Header.Set("Authorization", "Bearer "+credentials)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("the server did not answer: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return errors.New("none to show (no photo from a confirmed passport, or the link expired)")
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("the server answered %s", resp.Status)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "image/jpeg" && ct != "image/png" {
		return fmt.Errorf("the server answered %q, not an image", ct)
	}
	img, err := io.ReadAll(io.LimitReader(resp.Body, maxVerifyInput))
	if err != nil {
		return fmt.Errorf("the portrait: %w", err)
	}
	return os.WriteFile(file, img, 0o600)
}

// verifyOffline checks an offline code with the verify package and the
// issuer's keys from a file.
func verifyOffline(ctx context.Context, payload, issuer, jwksFile, purpose, cacheDir string) (verifyAnswer, error) {
	if issuer == "" || jwksFile == "" || purpose == "" {
		return verifyAnswer{}, usageError("--offline needs --jwks FILE, --issuer URL (or --server) and --purpose")
	}
	set, err := verify.LoadJWKS(jwksFile)
	if err != nil {
		return verifyAnswer{}, usageError("--jwks: " + err.Error())
	}
	cfg := verify.Config{Issuer: issuer}
	if cacheDir != "" {
		if cfg.Cache, err = verify.NewDirCache(cacheDir); err != nil {
			return verifyAnswer{}, usageError("--cache: " + err.Error())
		}
	}
	v, err := verify.New(cfg, verify.WithJWKS(set))
	if err != nil {
		return verifyAnswer{}, usageError(err.Error())
	}
	r := v.Verify(ctx, payload, verify.Purpose(purpose))
	return verifyAnswer{Result: string(r.Outcome), Reason: r.Reason, Purpose: string(r.Purpose), Mode: "offline", Claims: r.Claims}, nil
}

func printVerifyAnswer(w io.Writer, a verifyAnswer, asJSON bool) {
	if a.Claims == nil {
		a.Claims = map[string]any{}
	}
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(a)
		return
	}
	fmt.Fprintf(w, "%s", strings.ToUpper(a.Result))
	if a.Purpose != "" {
		fmt.Fprintf(w, "  %s", a.Purpose)
	}
	if a.Mode != "" {
		fmt.Fprintf(w, " (%s)", a.Mode)
	}
	fmt.Fprintln(w)
	if a.Reason != "" {
		fmt.Fprintf(w, "  reason: %s", a.Reason)
		if a.ReasonText != "" {
			fmt.Fprintf(w, " — %s", a.ReasonText)
		}
		fmt.Fprintln(w)
	}
	if len(a.Display) > 0 {
		for _, d := range a.Display {
			fmt.Fprintf(w, "  %s: %s\n", d.Label, d.Value)
		}
	} else {
		names := make([]string, 0, len(a.Claims))
		for k := range a.Claims {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			fmt.Fprintf(w, "  %s: %v\n", k, a.Claims[k])
		}
	}
	switch {
	case a.PortraitFile != "":
		fmt.Fprintf(w, "  portrait: saved to %s\n", a.PortraitFile)
	case a.PortraitURL != "":
		fmt.Fprintln(w, "  portrait: available for 2 minutes (save it with --portrait FILE)")
	}
}
