package keys

import (
	"bytes"
	"crypto/rand"
	"errors"
	"testing"
)

// FuzzOpenWith feeds arbitrary bytes (a wrapped key or sealed blob read from
// the database) to the opener: it must never panic, and anything but a
// genuine ciphertext must fail with ErrOpen.
func FuzzOpenWith(f *testing.F) {
	aead, err := newGCM(bytes.Repeat([]byte{1}, 32))
	if err != nil {
		f.Fatal(err)
	}
	a := softAEAD{aead}
	good, err := sealWith(a, make([]byte, NonceSize), []byte("data key"), []byte("aad"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good, []byte("aad"))
	f.Add(good[:len(good)-1], []byte("aad"))
	f.Add([]byte{}, []byte{})
	f.Add([]byte{sealVersion}, []byte("aad"))
	f.Add(append([]byte{2}, good[1:]...), []byte("aad"))
	f.Fuzz(func(t *testing.T, blob, aad []byte) {
		plain, err := openWith(a, blob, aad)
		if err == nil {
			if !bytes.Equal(blob, good) || !bytes.Equal(aad, []byte("aad")) || string(plain) != "data key" {
				t.Fatalf("openWith(%x, %q) = %q, want an error", blob, aad, plain)
			}
			return
		}
		if !errors.Is(err, ErrOpen) {
			t.Fatalf("openWith(%x) = %v, want ErrOpen", blob, err)
		}
	})
}

// FuzzParseMasterKey feeds arbitrary DIGITALID_MASTER_KEY values.
func FuzzParseMasterKey(f *testing.F) {
	f.Add("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
	f.Add("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8")
	f.Add("-_-_")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseMasterKey(s)
		if err == nil && len(k) != MasterKeySize {
			t.Fatalf("ParseMasterKey(%q) = %d bytes, want %d or an error", s, len(k), MasterKeySize)
		}
	})
}

// FuzzECDSADERToJOSE feeds arbitrary signatures (as an HSM might return) to
// the JOSE converter.
func FuzzECDSADERToJOSE(f *testing.F) {
	f.Add([]byte{0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02})
	f.Add([]byte{0x30, 0x00})
	f.Add([]byte{})
	big := make([]byte, 40)
	_, _ = rand.Read(big)
	f.Add(append([]byte{0x30, 0x2c, 0x02, 0x28}, big...))
	f.Fuzz(func(t *testing.T, der []byte) {
		out, err := ecdsaDERToJOSE(der, 32)
		if err == nil && len(out) != 64 {
			t.Fatalf("ecdsaDERToJOSE(%x) = %d bytes, want 64", der, len(out))
		}
	})
}
