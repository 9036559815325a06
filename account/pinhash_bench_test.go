package account

import "testing"

// BenchmarkPINHash measures one argon2id PIN hash with the default
// parameters (19 MiB, t=2, p=1) on one core: the CPU floor of a PIN check.
func BenchmarkPINHash(b *testing.B) {
	h, err := parsePINHash(hashPIN("2791", DefaultArgon2()))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if !h.matches("2791") {
			b.Fatal("no match")
		}
	}
}
