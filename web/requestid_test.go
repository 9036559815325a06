package web

import (
	"net/http/httptest"
	"testing"
)

func TestValidRequestID(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		{"0b9c5a2e-6f1d-4c3b-9a8e-2d7f6e5c4b3a", true},
		{"abcdefgh", true},
		{"Root=1-5759e988-bd862e3fe1be46a994272793", false}, // '=' is not allowed
		{"edge:7.req_01", true},
		{"abcdefg", false},
		{"-abcdefgh", false},
		{"abcdefgh ", false},
		{"abcd\x00efgh", false},
		{"абвгдеёжз", false},
		{string(make([]byte, 65)), false},
		{"a123456789012345678901234567890123456789012345678901234567890123", true},
		{"a1234567890123456789012345678901234567890123456789012345678901234", false},
	}
	for _, tt := range tests {
		if got := validRequestID(tt.id); got != tt.want {
			t.Errorf("validRequestID(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
}

// FuzzRequestID checks that whatever a client sends as X-Request-ID, the ID
// the server uses is short and made only of characters safe in logs and
// headers, and is the client's only when valid.
func FuzzRequestID(f *testing.F) {
	for _, seed := range []string{"", "abcdefgh", "0b9c5a2e-6f1d-4c3b-9a8e-2d7f6e5c4b3a", "a\nb\rc\td", "<script>", "x:y.z_w-1234"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, incoming string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header["X-Request-Id"] = []string{incoming}
		id := requestIDFor(r)
		if len(id) < 8 || len(id) > maxRequestIDLength {
			t.Fatalf("requestIDFor(%q) = %q: bad length", incoming, id)
		}
		for _, c := range []byte(id) {
			ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':'
			if !ok {
				t.Fatalf("requestIDFor(%q) = %q: unsafe byte %q", incoming, id, c)
			}
		}
		if (id == incoming) != validRequestID(incoming) {
			t.Fatalf("requestIDFor(%q) = %q; validRequestID = %v", incoming, id, validRequestID(incoming))
		}
	})
}
