package sms

import (
	"bytes"
	"testing"
)

func TestSealRoundTrip(t *testing.T) {
	s, err := newSealer(bytes.Repeat([]byte{9}, KeySize))
	if err != nil {
		t.Fatalf("newSealer = %v", err)
	}
	m := Message{ID: "m1", To: "+77011234567", Body: "code 493817"}
	to, body := s.seal(m)
	to2, body2 := s.seal(m)
	if bytes.Equal(to, to2) || bytes.Equal(body, body2) {
		t.Error("seal(m) twice gave equal ciphertexts; nonces must be random")
	}
	gotTo, gotBody, err := s.open("m1", to, body)
	if err != nil || gotTo != m.To || gotBody != m.Body {
		t.Errorf("open(seal(m)) = %q, %q, %v; want %q, %q", gotTo, gotBody, err, m.To, m.Body)
	}
	for name, args := range map[string][3]any{
		"other id":       {"m2", to, body},
		"swapped fields": {"m1", body, to},
		"flipped bit":    {"m1", to, append(append([]byte{}, body[:len(body)-1]...), body[len(body)-1]^1)},
	} {
		if _, _, err := s.open(args[0].(string), args[1].([]byte), args[2].([]byte)); err == nil {
			t.Errorf("open(%s) = nil error, want a failure", name)
		}
	}
	if !bytes.Equal(s.lookup(m.To), s.lookup(m.To)) || bytes.Equal(s.lookup(m.To), s.lookup("+79161234567")) {
		t.Error("lookup is not a deterministic function of the number")
	}
}

// FuzzOpen: stored rows are bytes from the database, which an attacker with
// database access may have altered. open must fail cleanly on anything not
// sealed by this key for this id, and still open what it sealed.
func FuzzOpen(f *testing.F) {
	s, err := newSealer(bytes.Repeat([]byte{9}, KeySize))
	if err != nil {
		f.Fatal(err)
	}
	to, body := s.seal(Message{ID: "seed", To: "+77011234567", Body: "code 493817"})
	f.Add("seed", to, body)
	f.Add("seed", []byte{}, []byte{})
	f.Add("", to[:12], body[:27])
	f.Add("x", bytes.Repeat([]byte{0}, 28), bytes.Repeat([]byte{0xff}, 100))
	f.Fuzz(func(t *testing.T, id string, to, body []byte) {
		_, _, _ = s.open(id, to, body) // must not panic
		m := Message{ID: id, To: string(to), Body: string(body)}
		st, sb := s.seal(m)
		gotTo, gotBody, err := s.open(id, st, sb)
		if err != nil || gotTo != m.To || gotBody != m.Body {
			t.Errorf("open(seal(%q)) = %q, %q, %v", id, gotTo, gotBody, err)
		}
	})
}
