package statuslist

import (
	"fmt"
	"strconv"
)

// Status is the value of one entry (draft section 7). Values above
// Suspended are application-specific; the platform does not issue them, and
// a Verifier treats any of them as "not valid".
type Status uint8

// Status Types registered by the draft.
const (
	Valid     Status = 0x00 // the credential is valid
	Invalid   Status = 0x01 // revoked: annulled for good
	Suspended Status = 0x02 // temporarily invalid; reversible
)

// String names a registered status, or gives the number of another.
func (s Status) String() string {
	switch s {
	case Valid:
		return "VALID"
	case Invalid:
		return "INVALID"
	case Suspended:
		return "SUSPENDED"
	}
	return "0x" + strconv.FormatUint(uint64(s), 16)
}

// MaxBytes bounds the uncompressed byte array: 16 MiB holds 134 million
// 1-bit entries, far beyond any list the platform publishes, and caps the
// memory a hostile "lst" can make a Verifier allocate.
const MaxBytes = 16 << 20

// List is a Status List: entries of Bits bits packed into bytes, entry 0 in
// the least significant bits of byte 0 (draft section 4.1). The zero value
// is unusable; make one with [New], [FromBytes] or [Decode]. A List is not
// safe for concurrent Set; Get may run concurrently with other Gets.
type List struct {
	bits int
	data []byte
}

// New returns a list of at least size entries, all Valid. The byte array is
// rounded up to whole bytes, as the draft recommends.
func New(bits, size int) (*List, error) {
	if !validBits(bits) {
		return nil, fmt.Errorf("%w: %d", ErrBits, bits)
	}
	if size <= 0 || size > MaxBytes*8/bits {
		return nil, fmt.Errorf("%w: size %d (1 to %d entries of %d bits)", ErrOptions, size, MaxBytes*8/bits, bits)
	}
	return &List{bits: bits, data: make([]byte, (size*bits+7)/8)}, nil
}

// FromBytes returns a list over a copy of an uncompressed byte array, as
// the draft's examples give them.
func FromBytes(bits int, b []byte) (*List, error) {
	if !validBits(bits) {
		return nil, fmt.Errorf("%w: %d", ErrBits, bits)
	}
	if len(b) == 0 || len(b) > MaxBytes {
		return nil, fmt.Errorf("%w: %d bytes (1 to %d)", ErrOptions, len(b), MaxBytes)
	}
	return &List{bits: bits, data: append([]byte(nil), b...)}, nil
}

func validBits(bits int) bool { return bits == 1 || bits == 2 || bits == 4 || bits == 8 }

// Bits is the size of one entry: 1, 2, 4 or 8.
func (l *List) Bits() int { return l.bits }

// Len is the number of entries the byte array holds.
func (l *List) Len() int { return len(l.data) * 8 / l.bits }

// Bytes returns a copy of the uncompressed byte array.
func (l *List) Bytes() []byte { return append([]byte(nil), l.data...) }

// Get returns the status of entry idx; an index beyond the list is an error
// (draft section 8.3, step 6), never a default.
func (l *List) Get(idx int) (Status, error) {
	byteAt, shift, err := l.locate(idx)
	if err != nil {
		return 0, err
	}
	mask := byte(1<<l.bits - 1)
	return Status(l.data[byteAt] >> shift & mask), nil
}

// Set writes the status of entry idx, leaving every other entry as it was.
func (l *List) Set(idx int, s Status) error {
	byteAt, shift, err := l.locate(idx)
	if err != nil {
		return err
	}
	if l.bits < 8 && s >= 1<<l.bits {
		return fmt.Errorf("%w: %s in %d bits", ErrValue, s, l.bits)
	}
	mask := byte(1<<l.bits - 1)
	l.data[byteAt] = l.data[byteAt]&^(mask<<shift) | byte(s)<<shift
	return nil
}

// locate returns the byte holding entry idx and the bit offset of the
// entry's least significant bit within it.
func (l *List) locate(idx int) (byteAt int, shift uint, err error) {
	if idx < 0 || idx >= l.Len() {
		return 0, 0, fmt.Errorf("%w: %d of %d", ErrIndex, idx, l.Len())
	}
	bit := idx * l.bits
	return bit / 8, uint(bit % 8), nil
}
