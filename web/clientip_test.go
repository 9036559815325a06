package web

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/internal/testdb"
)

// testProxies trusts 10.0.0.0/8 and 2001:db8:ffff::/48.
func testProxies(t testing.TB, header string) proxies {
	t.Helper()
	nets, err := ParseTrustedProxies("10.0.0.0/8, 2001:db8:ffff::/48")
	if err != nil {
		t.Fatal(err)
	}
	return proxies{nets: nets, header: header}
}

func TestClientIPSelection(t *testing.T) {
	hops33 := strings.TrimSuffix(strings.Repeat("10.0.0.9,", 33), ",")
	tests := []struct {
		name   string
		header string   // HeaderXForwardedFor or HeaderForwarded; the one configured
		noProx bool     // no trusted proxies configured
		peer   string   // RemoteAddr
		xff    []string // X-Forwarded-For lines
		fwd    []string // Forwarded lines
		want   string
	}{
		{name: "no proxies configured", noProx: true, peer: "10.0.0.1:4000", xff: []string{"198.51.100.1"}, want: "10.0.0.1"},
		{name: "direct client", peer: "203.0.113.7:4000", want: "203.0.113.7"},
		{name: "untrusted peer sending the header", peer: "203.0.113.7:4000", xff: []string{"198.51.100.1"}, want: "203.0.113.7"},
		{name: "untrusted peer sending a trusted address", peer: "203.0.113.7:4000", xff: []string{"10.0.0.2"}, want: "203.0.113.7"},
		{name: "trusted peer without header", peer: "10.0.0.1:4000", want: "10.0.0.1"},
		{name: "one hop", peer: "10.0.0.1:4000", xff: []string{"198.51.100.1"}, want: "198.51.100.1"},
		{name: "two hops", peer: "10.0.0.1:4000", xff: []string{"198.51.100.1, 10.0.0.2"}, want: "198.51.100.1"},
		{name: "spoofed left-most", peer: "10.0.0.1:4000", xff: []string{"1.2.3.4, 198.51.100.1"}, want: "198.51.100.1"},
		{name: "spoofed left-most trusted", peer: "10.0.0.1:4000", xff: []string{"10.9.9.9,198.51.100.1,10.0.0.2"}, want: "198.51.100.1"},
		{name: "spoofed left-most garbage", peer: "10.0.0.1:4000", xff: []string{"<script>, 198.51.100.1"}, want: "198.51.100.1"},
		{name: "untrusted proxy in the chain", peer: "10.0.0.1:4000", xff: []string{"198.51.100.1, 203.0.113.9"}, want: "203.0.113.9"},
		{name: "header lines joined", peer: "10.0.0.1:4000", xff: []string{"1.2.3.4", "198.51.100.1", "10.0.0.2"}, want: "198.51.100.1"},
		{name: "every hop trusted", peer: "10.0.0.1:4000", xff: []string{"10.0.0.3, 10.0.0.2"}, want: "10.0.0.3"},
		{name: "too many trusted hops", peer: "10.0.0.1:4000", xff: []string{"198.51.100.1," + hops33}, want: "10.0.0.1"},
		{name: "IPv4 with port", peer: "10.0.0.1:4000", xff: []string{"198.51.100.1:4711"}, want: "198.51.100.1"},
		{name: "IPv6 client", peer: "10.0.0.1:4000", xff: []string{"2001:db8:1::5"}, want: "2001:db8:1::5"},
		{name: "IPv6 client in brackets", peer: "10.0.0.1:4000", xff: []string{"[2001:db8:1::5]"}, want: "2001:db8:1::5"},
		{name: "IPv6 client with port", peer: "10.0.0.1:4000", xff: []string{"[2001:db8:1::5]:4711"}, want: "2001:db8:1::5"},
		{name: "IPv6 proxy", peer: "[2001:db8:ffff::1]:443", xff: []string{"198.51.100.1, 2001:db8:ffff::2"}, want: "198.51.100.1"},
		{name: "IPv6 untrusted peer", peer: "[2001:db8:1::7]:443", xff: []string{"198.51.100.1"}, want: "2001:db8:1::7"},
		{name: "IPv4-mapped client", peer: "10.0.0.1:4000", xff: []string{"::ffff:198.51.100.1"}, want: "198.51.100.1"},
		{name: "IPv4-mapped peer", peer: "[::ffff:10.0.0.1]:4000", xff: []string{"198.51.100.1"}, want: "198.51.100.1"},
		{name: "malformed right-most", peer: "10.0.0.1:4000", xff: []string{"198.51.100.1, nonsense"}, want: "10.0.0.1"},
		{name: "empty value", peer: "10.0.0.1:4000", xff: []string{""}, want: "10.0.0.1"},
		{name: "trailing comma", peer: "10.0.0.1:4000", xff: []string{"198.51.100.1,"}, want: "10.0.0.1"},
		{name: "unknown", peer: "10.0.0.1:4000", xff: []string{"unknown"}, want: "10.0.0.1"},
		{name: "zone", peer: "10.0.0.1:4000", xff: []string{"fe80::1%eth0"}, want: "10.0.0.1"},
		{name: "bad port", peer: "10.0.0.1:4000", xff: []string{"198.51.100.1:http"}, want: "10.0.0.1"},
		{name: "host name", peer: "10.0.0.1:4000", xff: []string{"client.example"}, want: "10.0.0.1"},
		{name: "not an IP peer", peer: "pipe", xff: []string{"198.51.100.1"}, want: "pipe"},
		{name: "Forwarded ignored by default", peer: "10.0.0.1:4000", fwd: []string{"for=198.51.100.1"}, want: "10.0.0.1"},

		{name: "forwarded one hop", header: HeaderForwarded, peer: "10.0.0.1:4000", fwd: []string{"for=198.51.100.1;proto=https"}, want: "198.51.100.1"},
		{name: "forwarded IPv6 with port", header: HeaderForwarded, peer: "10.0.0.1:4000",
			fwd: []string{`for="[2001:db8:1::5]:4711";proto=https, for=10.0.0.2`}, want: "2001:db8:1::5"},
		{name: "forwarded name case", header: HeaderForwarded, peer: "10.0.0.1:4000", fwd: []string{"proto=https;For=198.51.100.1;by=10.0.0.1"}, want: "198.51.100.1"},
		{name: "forwarded spoofed left-most", header: HeaderForwarded, peer: "10.0.0.1:4000", fwd: []string{`for=1.2.3.4, for="a,b;c", for=198.51.100.1`}, want: "198.51.100.1"},
		{name: "forwarded lines joined", header: HeaderForwarded, peer: "10.0.0.1:4000", fwd: []string{"for=1.2.3.4", "for=198.51.100.1"}, want: "198.51.100.1"},
		{name: "forwarded untrusted peer", header: HeaderForwarded, peer: "203.0.113.7:4000", fwd: []string{"for=198.51.100.1"}, want: "203.0.113.7"},
		{name: "forwarded unknown", header: HeaderForwarded, peer: "10.0.0.1:4000", fwd: []string{"for=unknown"}, want: "10.0.0.1"},
		{name: "forwarded obfuscated", header: HeaderForwarded, peer: "10.0.0.1:4000", fwd: []string{"for=_hidden"}, want: "10.0.0.1"},
		{name: "forwarded without for", header: HeaderForwarded, peer: "10.0.0.1:4000", fwd: []string{"proto=https"}, want: "10.0.0.1"},
		{name: "forwarded unterminated quote", header: HeaderForwarded, peer: "10.0.0.1:4000", fwd: []string{`for="198.51.100.1`}, want: "10.0.0.1"},
		// A client's unterminated quote on the left cannot hide the hop
		// the proxy appended on the right, on the same line or its own.
		{name: "forwarded client's unterminated quote, same line", header: HeaderForwarded, peer: "10.0.0.1:4000",
			fwd: []string{`for="x, for=203.0.113.9`}, want: "203.0.113.9"},
		{name: "forwarded client's unterminated quote, own line", header: HeaderForwarded, peer: "10.0.0.1:4000",
			fwd: []string{`for="x`, "for=203.0.113.9"}, want: "203.0.113.9"},
		{name: "forwarded client's unterminated quote behind two proxies", header: HeaderForwarded, peer: "10.0.0.1:4000",
			fwd: []string{`for="x;a=b, for=203.0.113.9, for=10.0.0.2`}, want: "203.0.113.9"},
		{name: "forwarded escaped quote", header: HeaderForwarded, peer: "10.0.0.1:4000", fwd: []string{`for="1.2.3.4\"", for="198.51.100.1"`}, want: "198.51.100.1"},
		{name: "X-Forwarded-For ignored in Forwarded mode", header: HeaderForwarded, peer: "10.0.0.1:4000", xff: []string{"198.51.100.1"}, want: "10.0.0.1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := tc.header
			if h == "" {
				h = HeaderXForwardedFor
			}
			p := testProxies(t, h)
			if tc.noProx {
				p.nets = nil
			}
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.peer
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			for _, v := range tc.fwd {
				r.Header.Add("Forwarded", v)
			}
			if got := p.client(r); got != tc.want {
				t.Errorf("client(peer %s, X-Forwarded-For %q, Forwarded %q) = %q, want %q", tc.peer, tc.xff, tc.fwd, got, tc.want)
			}
		})
	}
}

func TestParseTrustedProxies(t *testing.T) {
	good := map[string][]string{
		"":                            nil,
		" , ":                         nil,
		"10.0.0.0/8":                  {"10.0.0.0/8"},
		"10.0.0.0/8, 192.168.1.7":     {"10.0.0.0/8", "192.168.1.7/32"},
		"2001:db8::/32,::1":           {"2001:db8::/32", "::1/128"},
		"::ffff:10.0.0.0/104":         {"10.0.0.0/8"},
		"172.16.0.0/12 ,\t fd00::/8 ": {"172.16.0.0/12", "fd00::/8"},
	}
	for in, want := range good {
		got, err := ParseTrustedProxies(in)
		if err != nil || len(got) != len(want) {
			t.Errorf("ParseTrustedProxies(%q) = %v, %v; want %v", in, got, err, want)
			continue
		}
		for i := range got {
			if got[i].String() != want[i] {
				t.Errorf("ParseTrustedProxies(%q)[%d] = %v, want %s", in, i, got[i], want[i])
			}
		}
	}
	for _, in := range []string{"10.0.0.0/33", "10.1.2.3/8", "proxy.example", "10.0.0.0/8;10.1.0.0/16", "fe80::1%eth0", "10.0.0.0-10.0.0.9", "0.0.0.0/0", "::/0", "::ffff:0.0.0.0/96"} {
		if got, err := ParseTrustedProxies(in); err == nil || !strings.Contains(err.Error(), "trusted proxy") {
			t.Errorf("ParseTrustedProxies(%q) = %v, %v; want a trusted-proxy error", in, got, err)
		}
	}
}

func TestClientIPConfig(t *testing.T) {
	for _, h := range []string{"", "x-forwarded-for", "FORWARDED"} {
		ts := newServer(t, func(c *Config, _ *Deps) { c.ClientIPHeader = h })
		if ts.proxies.header != HeaderXForwardedFor && ts.proxies.header != HeaderForwarded {
			t.Errorf("New(ClientIPHeader %q): header %q, want a canonical one", h, ts.proxies.header)
		}
	}
	base := newServer(t, nil)
	for _, cfg := range []Config{
		{PublicURL: "https://id.example", ClientIPHeader: "X-Real-IP"},
		{PublicURL: "https://id.example", TrustedProxies: []netip.Prefix{{}}},
	} {
		if _, err := New(cfg, Deps{Logger: base.log, DB: base.db, Keys: base.keys}); err == nil {
			t.Errorf("New(%+v) succeeded, want an error", cfg)
		}
	}
}

// TestClientIPBehindProxyHasOwnBudget: through the real handler, clients
// behind one trusted proxy each get their own authentication budget (an
// account.Limits over SQLite), and a client sending X-Forwarded-For
// directly cannot escape its own; the access log names the same client.
func TestClientIPBehindProxyHasOwnBudget(t *testing.T) {
	const budget = 3
	db := testdb.SQLite(t)
	key := bytes.Repeat([]byte{7}, 32)
	limits, err := account.NewLimits(db, account.Keys{PhoneIndex: key, PhoneSeal: key, OTP: key, IPIndex: key}, fixedClock,
		map[string]account.Rate{account.BucketAuth: {Max: budget, Window: time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	nets, _ := ParseTrustedProxies("10.0.0.0/8")
	ts := newServer(t, func(c *Config, d *Deps) { c.TrustedProxies, d.DB = nets, db })
	var seen []string
	ts.API("POST /api/v1/test/signin", func(w http.ResponseWriter, r *http.Request) error {
		seen = append(seen, ClientIP(r))
		if err := limits.Allow(r.Context(), account.BucketAuth, ClientIP(r)); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
	send := func(peer, xff string) int {
		r := httptest.NewRequest("POST", "/api/v1/test/signin", nil).WithContext(context.Background())
		r.RemoteAddr = peer
		if xff != "" {
			r.Header.Set("X-Forwarded-For", xff)
		}
		rec := httptest.NewRecorder()
		ts.Handler().ServeHTTP(rec, r)
		return rec.Code
	}
	const proxy = "10.0.0.1:52000"
	for i := range budget {
		if code := send(proxy, "198.51.100.1"); code != http.StatusNoContent {
			t.Fatalf("client A request %d via proxy = %d, want 204", i+1, code)
		}
	}
	if code := send(proxy, "198.51.100.1"); code != http.StatusTooManyRequests {
		t.Fatalf("client A over budget via proxy = %d, want 429", code)
	}
	if code := send(proxy, "203.0.113.50, 198.51.100.1"); code != http.StatusTooManyRequests {
		t.Errorf("client A with a spoofed left-most X-Forwarded-For = %d, want 429", code)
	}
	if code := send(proxy, "198.51.100.2"); code != http.StatusNoContent {
		t.Errorf("client B via the same proxy = %d, want 204 (its own budget)", code)
	}
	if code := send("10.0.0.2:52000", "198.51.100.2, 10.0.0.1"); code != http.StatusNoContent {
		t.Errorf("client B via two proxies = %d, want 204", code)
	}
	// An untrusted client naming someone else each time still spends its own budget.
	for i := range budget {
		if code := send("203.0.113.7:4000", "198.51.100.1"+string(rune('0'+i))); code != http.StatusNoContent {
			t.Fatalf("direct client request %d = %d, want 204", i+1, code)
		}
	}
	if code := send("203.0.113.7:4000", "198.51.100.99"); code != http.StatusTooManyRequests {
		t.Errorf("direct client over budget with a fresh X-Forwarded-For = %d, want 429", code)
	}
	if seen[len(seen)-1] != "203.0.113.7" || seen[0] != "198.51.100.1" {
		t.Errorf("ClientIP seen by the handler = %q", seen)
	}
	logs := ts.logs.String()
	for _, want := range []string{`"client_ip":"198.51.100.1"`, `"client_ip":"198.51.100.2"`, `"client_ip":"203.0.113.7"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("access log lacks %s", want)
		}
	}
	if strings.Contains(logs, `"client_ip":"10.0.0.1"`) || strings.Contains(logs, `"client_ip":"198.51.100.99"`) {
		t.Errorf("access log names the proxy or a spoofed address:\n%s", logs)
	}
}

// FuzzClientIP: any header gives the peer or an IP address, never a panic;
// with X-Forwarded-For, an untrusted client address once chosen does not
// change whatever the client puts in front of it.
func FuzzClientIP(f *testing.F) {
	for _, s := range []string{
		"198.51.100.1", "1.2.3.4, 198.51.100.1, 10.0.0.2", "[2001:db8::1]:80", "", ",", "unknown", "fe80::1%eth0",
		`for=198.51.100.1;proto=https`, `for="[2001:db8::1]:4711", for=10.0.0.2`, `for="unterminated`, `for="\"`, "for=_x;by=y",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, header string, forwarded bool) {
		h := HeaderXForwardedFor
		if forwarded {
			h = HeaderForwarded
		}
		p := testProxies(t, h)
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = "10.0.0.1:4000"
		r.Header.Set(h, header)
		got := p.client(r)
		a, err := netip.ParseAddr(got)
		if err != nil || a.Zone() != "" || a.Is4In6() {
			t.Fatalf("client(%s: %q) = %q, want a plain IP address", h, header, got)
		}
		if forwarded || got == "10.0.0.1" || p.trusts(a) {
			return
		}
		r.Header.Set(h, "evil\", 203.0.113.66,"+header)
		if again := p.client(r); again != got {
			t.Fatalf("client(%s: %q) = %q, but %q with a prefix", h, header, got, again)
		}
	})
}
