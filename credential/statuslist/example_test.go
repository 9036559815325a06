package statuslist_test

import (
	"fmt"

	"github.com/digitalid/digitalid/credential/statuslist"
)

// A Verifier reads the draft's example list (section 4.1) and looks up
// three entries.
func ExampleDecode() {
	l, err := statuslist.Decode(1, "eNrbuRgAAhcBXQ")
	if err != nil {
		panic(err)
	}
	for _, idx := range []int{0, 1, 15} {
		s, _ := l.Get(idx)
		fmt.Println(idx, s)
	}
	fmt.Println(l.Len(), "entries")
	// Output:
	// 0 INVALID
	// 1 VALID
	// 15 INVALID
	// 16 entries
}

// An issuer revokes entry 3 of a fresh list and publishes the new lst.
func ExampleList_Set() {
	l, _ := statuslist.New(2, 1000)
	_ = l.Set(3, statuslist.Invalid)
	_ = l.Set(4, statuslist.Suspended)
	lst, _ := l.Encode()
	back, _ := statuslist.Decode(2, lst)
	s3, _ := back.Get(3)
	s4, _ := back.Get(4)
	fmt.Println(s3, s4)
	// Output: INVALID SUSPENDED
}
