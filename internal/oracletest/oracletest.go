// Package oracletest compares what a stranger sees of the platform's
// answers for different phone numbers, for the tests that show no answer
// tells whether a number is registered (issue 3): status, headers (cookies
// by name, attributes and value length) and body, with the numbers and
// random runs (tokens, ids, challenges) normalised. It is for tests only.
package oracletest

import (
	"fmt"
	"maps"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// Number is a phone number of one kind (registered, unregistered, ...).
type Number struct{ Kind, Phone string }

// randomRun is a run of base64url characters long enough to be a token, an
// id or a challenge; the normal form keeps only its length.
var randomRun = regexp.MustCompile(`[A-Za-z0-9_-]{16,}`)

// Normalise replaces the numbers (as typed, form-encoded, without "+") by
// <phone> and random runs by their length.
func Normalise(s string, numbers []Number) string {
	for _, n := range numbers {
		for _, form := range []string{url.QueryEscape(n.Phone), n.Phone, n.Phone[1:]} {
			s = strings.ReplaceAll(s, form, "<phone>")
		}
	}
	return randomRun.ReplaceAllStringFunc(s, func(m string) string { return fmt.Sprintf("<random:%d>", len(m)) })
}

// Seen is what a stranger sees of rec, normalised: status, headers but
// Date, cookies without their values, body.
func Seen(rec *httptest.ResponseRecorder, numbers []Number) string {
	return SeenHead(rec, numbers) + Normalise(rec.Body.String(), numbers)
}

// SeenHead is the status and headers part of Seen.
func SeenHead(rec *httptest.ResponseRecorder, numbers []Number) string {
	var b strings.Builder
	fmt.Fprintf(&b, "status %d\n", rec.Code)
	h := rec.Header()
	for _, k := range slices.Sorted(maps.Keys(h)) {
		switch k {
		case "Date":
		case "Set-Cookie":
			for _, c := range rec.Result().Cookies() {
				fmt.Fprintf(&b, "Set-Cookie: %s value-length=%d path=%q domain=%q max-age=%d expires=%s secure=%t httponly=%t samesite=%d\n",
					c.Name, len(c.Value), c.Path, c.Domain, c.MaxAge, c.Expires.UTC().Format(time.RFC3339), c.Secure, c.HttpOnly, c.SameSite)
			}
		default:
			for _, v := range h[k] {
				fmt.Fprintf(&b, "%s: %s\n", k, Normalise(v, numbers))
			}
		}
	}
	return b.String()
}

// Diff shows where a and b part.
func Diff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range max(len(la), len(lb)) {
		var x, y string
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if x != y {
			return fmt.Sprintf("line %d:\n  %.600s\nvs\n  %.600s", i+1, x, y)
		}
	}
	return "(equal)"
}

// Probe sends, for each number in turn, the requests steps(phone) through
// send, and fails t unless every number sees the same answers; the first
// number's statuses must be want (0: any), and no answer may be a 5xx.
// describe names a request in messages.
func Probe[R any](t testing.TB, what string, numbers []Number, want []int, steps func(phone string) []R,
	send func(R) *httptest.ResponseRecorder, describe func(R) string) {
	t.Helper()
	var first []string
	for i, n := range numbers {
		var got []string
		for j, r := range steps(n.Phone) {
			rec := send(r)
			if i == 0 && j < len(want) && want[j] != 0 && rec.Code != want[j] {
				t.Errorf("%s: step %d %s for the %s number = %d %s, want %d", what, j+1, describe(r), n.Kind, rec.Code, rec.Body, want[j])
			}
			if rec.Code >= 500 {
				t.Errorf("%s: step %d %s for the %s number = %d %s", what, j+1, describe(r), n.Kind, rec.Code, rec.Body)
			}
			got = append(got, Seen(rec, numbers))
		}
		if i == 0 {
			first = got
			continue
		}
		for j := range max(len(first), len(got)) {
			if j >= len(first) || j >= len(got) || first[j] != got[j] {
				t.Errorf("%s: step %d tells a %s number from a %s one; %s", what, j+1, numbers[0].Kind, n.Kind,
					Diff(at(first, j), at(got, j)))
				break
			}
		}
	}
}

func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return "(no answer)"
}

// Statuses is n copies of status.
func Statuses(n, status int) []int { return slices.Repeat([]int{status}, n) }
