package web

import (
	"net/http"

	"github.com/digitalid/digitalid"
)

// Form is what a page shows next to its form after a refusal: a message per
// field, or one for the whole form, and the HTTP status of the page.
type Form struct {
	Errors map[string]string
	Error  string
	Status int
}

// FormOK is a form without errors.
func FormOK() Form { return Form{Status: http.StatusOK} }

// FormError turns a refusal into messages for the form, in the request's
// language, as the problem+json of the same error would give them. Faults
// (internal errors, an unavailable dependency) are returned as errors
// instead, for the error page.
func (s *Server) FormError(r *http.Request, err error) (Form, error) {
	switch digitalid.ErrorCode(err) {
	case digitalid.EINVALID, digitalid.EUNAUTHORIZED, digitalid.EFORBIDDEN, digitalid.ENOTFOUND,
		digitalid.ECONFLICT, digitalid.ELOCKED, digitalid.ERATELIMITED:
	default:
		return Form{}, err
	}
	p := s.Problem(r, err)
	f := Form{Status: p.Status}
	for _, fe := range p.Errors {
		if f.Errors == nil {
			f.Errors = map[string]string{}
		}
		f.Errors[fe.Field] = fe.Message
	}
	if len(f.Errors) == 0 {
		f.Error = p.Detail
	}
	return f, nil
}
