package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/digitalid/digitalid"
)

// codeMethodNotAllowed is the one problem type that has no digitalid code:
// only the router can tell a wrong method.
const codeMethodNotAllowed = "method_not_allowed"

func errNotFound() error {
	return &digitalid.Error{Code: digitalid.ENOTFOUND, Message: "There is nothing at this address.", Key: "error.not_found"}
}

func errMethodNotAllowed() error {
	return &digitalid.Error{Code: codeMethodNotAllowed, Message: "This method is not allowed here.", Key: "error.method_not_allowed"}
}

// StatusOf maps a digitalid error code to its HTTP status: the one table
// between the domain's error vocabulary and HTTP. Unknown codes map to 500.
func StatusOf(code string) int {
	switch code {
	case digitalid.EINVALID:
		return http.StatusBadRequest
	case digitalid.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case digitalid.EFORBIDDEN:
		return http.StatusForbidden
	case digitalid.ENOTFOUND:
		return http.StatusNotFound
	case codeMethodNotAllowed:
		return http.StatusMethodNotAllowed
	case digitalid.ECONFLICT:
		return http.StatusConflict
	case digitalid.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case digitalid.ELOCKED:
		return http.StatusLocked
	case digitalid.ERATELIMITED:
		return http.StatusTooManyRequests
	case digitalid.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// ProblemCodes lists every problem type the server can answer with; each has
// a page at {PublicURL}/problems/{code}.
func ProblemCodes() []string {
	return []string{
		digitalid.EINVALID, digitalid.EUNAUTHORIZED, digitalid.EFORBIDDEN, digitalid.ENOTFOUND,
		codeMethodNotAllowed, digitalid.ECONFLICT, digitalid.ETOOLARGE, digitalid.ELOCKED,
		digitalid.ERATELIMITED, digitalid.EUNAVAILABLE, digitalid.EINTERNAL,
	}
}

func knownCode(code string) bool {
	for _, c := range ProblemCodes() {
		if c == code {
			return true
		}
	}
	return false
}

// Problem is an RFC 9457 problem details object. Code repeats the digitalid
// error code (the last segment of Type) for clients that switch on it.
type Problem struct {
	Type     string                 `json:"type"`
	Title    string                 `json:"title"`
	Status   int                    `json:"status"`
	Detail   string                 `json:"detail,omitempty"`
	Instance string                 `json:"instance,omitempty"`
	Code     string                 `json:"code"`
	Errors   []digitalid.FieldError `json:"errors,omitempty"`
}

// problem builds the Problem for err in lang. Internal errors get a generic
// detail; other *digitalid.Error messages are user-safe by contract and are
// translated when they carry a Key.
func (s *Server) problem(lang string, err error, requestID string) Problem {
	code := digitalid.ErrorCode(err)
	if !knownCode(code) {
		code = digitalid.EINTERNAL
	}
	p := Problem{
		Type:     s.publicURL + "/problems/" + code,
		Title:    s.bundle.T(lang, "problem."+code+".title"),
		Status:   StatusOf(code),
		Instance: requestID,
		Code:     code,
	}
	var de *digitalid.Error
	if code == digitalid.EINTERNAL || !errors.As(err, &de) {
		p.Detail = s.bundle.T(lang, "problem.internal.detail")
		return p
	}
	p.Detail = s.translate(lang, de.Key, de.Message)
	for _, f := range de.Fields {
		f.Message = s.translate(lang, f.Key, f.Message)
		p.Errors = append(p.Errors, f)
	}
	return p
}

// Problem returns err as the problem details the API would answer r with,
// translated into r's language: for pages that show an error next to a form
// field instead of on an error page. Internal errors get the generic detail.
func (s *Server) Problem(r *http.Request, err error) Problem {
	return s.problem(s.lang(r), err, stateOf(r).id)
}

// translate returns the text of key in lang, or fallback when key is empty or
// has no translation.
func (s *Server) translate(lang, key, fallback string) string {
	if key != "" {
		if _, ok := s.bundle.Lookup(lang, key); ok {
			return s.bundle.T(lang, key)
		}
	}
	return fallback
}

// fail renders err for the request — problem+json for API routes, an HTML
// page otherwise — and logs it: faults (5xx) at error level with their cause,
// refusals at debug level with their code only.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var de *digitalid.Error
	var mbe *http.MaxBytesError
	if !errors.As(err, &de) && errors.As(err, &mbe) {
		err = &digitalid.Error{Code: digitalid.ETOOLARGE, Key: "error.too_large",
			Message: fmt.Sprintf("The request body is larger than %d bytes.", mbe.Limit), Err: err}
	}
	st := stateOf(r)
	code := digitalid.ErrorCode(err)
	attrs := []any{"request_id", st.id, "route", st.route(), "problem", code}
	if StatusOf(code) >= 500 {
		s.log.Error("request failed", append(attrs, "err", err.Error())...)
	} else {
		s.log.Debug("request refused", attrs...)
	}
	if st.rec != nil && st.rec.status != 0 {
		s.log.Error("handler returned an error after writing its response", attrs...)
		return
	}
	lang := s.lang(r)
	p := s.problem(lang, err, st.id)
	if st.kind != kindAPI {
		s.renderError(w, r, p)
		return
	}
	body, mErr := json.Marshal(p)
	if mErr != nil {
		s.log.Error("encode problem", "request_id", st.id, "err", mErr.Error())
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Content-Language", lang)
	w.WriteHeader(p.Status)
	w.Write(append(body, '\n'))
}

// renderError shows a problem as an HTML page: the 404 page or the generic
// error page.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, p Problem) {
	page := "error"
	if p.Status == http.StatusNotFound {
		page = "notfound"
	}
	if err := s.Render(w, r, p.Status, page, p); err != nil {
		s.log.Error("render error page", slog.String("request_id", stateOf(r).id), slog.String("err", err.Error()))
		http.Error(w, http.StatusText(p.Status), p.Status)
	}
}

// problemPage explains one problem type: the target of a problem's "type" URI.
func (s *Server) problemPage(w http.ResponseWriter, r *http.Request) error {
	code := r.PathValue("code")
	if !knownCode(code) {
		return errNotFound()
	}
	lang := s.lang(r)
	return s.Render(w, r, http.StatusOK, "problem", struct {
		Code, Title, About string
		Status             int
	}{code, s.bundle.T(lang, "problem."+code+".title"), s.bundle.T(lang, "problem."+code+".about"), StatusOf(code)})
}
