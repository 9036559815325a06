package digitalid_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/digitalid/digitalid"
)

func TestErrorCodeAndMessage(t *testing.T) {
	cause := errors.New("pq: connection refused at 10.0.0.5")
	for _, c := range []struct {
		name     string
		err      error
		code     string
		message  string
		wantText bool // whether Error() should still carry the cause for logs
	}{
		{"nil", nil, "", "Internal error.", false},
		{"plain error is internal and hidden", cause, digitalid.EINTERNAL, "Internal error.", true},
		{"coded", digitalid.Errorf(digitalid.ENOTFOUND, "document %s not found", "d_1"), digitalid.ENOTFOUND, "document d_1 not found", false},
		{"wrapped coded", fmt.Errorf("load: %w", digitalid.Wrap(digitalid.EUNAVAILABLE, cause, "database is not reachable")), digitalid.EUNAVAILABLE, "database is not reachable", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := digitalid.ErrorCode(c.err); got != c.code {
				t.Errorf("ErrorCode(%v) = %q, want %q", c.err, got, c.code)
			}
			if got := digitalid.ErrorMessage(c.err); got != c.message {
				t.Errorf("ErrorMessage(%v) = %q, want %q", c.err, got, c.message)
			}
			if c.wantText && !errors.Is(c.err, cause) && c.err != cause {
				t.Errorf("errors.Is(%v, cause) = false: the cause is lost for logs", c.err)
			}
		})
	}
	if !digitalid.IsCode(digitalid.Errorf(digitalid.ELOCKED, "x"), digitalid.ELOCKED) {
		t.Error("IsCode(ELOCKED error, ELOCKED) = false")
	}
}
