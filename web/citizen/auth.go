package citizen

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/sms"
	"github.com/digitalid/digitalid/web"
)

// Auth is the signed-in citizen of a request, as the session middleware
// found it.
type Auth struct {
	Session account.Session
	Citizen account.Citizen
	Bearer  bool // authenticated by the Authorization header, not the cookie
}

// authedFunc handles a request of a signed-in citizen.
type authedFunc func(w http.ResponseWriter, r *http.Request, a Auth) error

// errNoSession is the cause when a request carries no session at all.
var errNoSession = errors.New("no session token")

// authenticate finds the request's session: the bearer token of the
// Authorization header if there is one (a malformed header is refused, not
// ignored), else the session cookie. Any failure is EUNAUTHORIZED with key
// account.session.invalid.
func (h *handlers) authenticate(r *http.Request) (Auth, error) {
	token, bearer := "", false
	if v := r.Header.Get("Authorization"); v != "" {
		t, ok := bearerToken(v)
		if !ok {
			return Auth{}, sessionInvalid(errors.New("malformed Authorization header"))
		}
		token, bearer = t, true
	} else if token = get(r, h.cookies.session); token == "" {
		return Auth{}, sessionInvalid(errNoSession)
	}
	s, c, err := h.acc.Sessions.Authenticate(r.Context(), token)
	if err != nil {
		return Auth{}, err
	}
	return Auth{Session: s, Citizen: c, Bearer: bearer}, nil
}

// bearerToken reads "Bearer <token>" (the scheme in any case, RFC 9110).
func bearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(header, " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" || strings.ContainsAny(token, " \t") {
		return "", false
	}
	return token, true
}

func sessionInvalid(cause error) error {
	return &digitalid.Error{Code: digitalid.EUNAUTHORIZED, Key: "account.session.invalid",
		Message: "Your session has ended; sign in again.", Err: cause}
}

// api wraps an API handler that needs a signed-in citizen: without a valid
// session it answers 401 (problem+json) with WWW-Authenticate.
func (h *handlers) api(fn authedFunc) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		a, err := h.authenticate(r)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="digitalid"`)
			return err
		}
		return fn(w, r, a)
	}
}

// page wraps a page handler that needs a signed-in citizen: without a valid
// session the browser drops the session cookie and goes to the sign-in page,
// which returns here (for GET) once signed in.
func (h *handlers) page(fn authedFunc) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		a, err := h.authenticate(r)
		if digitalid.ErrorCode(err) == digitalid.EUNAUTHORIZED {
			q := url.Values{}
			if r.Method == http.MethodGet {
				q.Set("next", web.SafeReturn(r.URL.Path))
			}
			if !errors.Is(err, errNoSession) {
				h.cookies.clear(w, h.cookies.session)
				q.Set("msg", "expired")
			}
			return redirect(w, r, "/signin", q)
		}
		if err != nil {
			return err
		}
		return fn(w, r, a)
	}
}

// signedIn reports whether r carries a valid session (for pages that only
// guests need, such as sign-in).
func (h *handlers) signedIn(r *http.Request) bool {
	_, err := h.authenticate(r)
	return err == nil
}

// recent returns nil when the session's last PIN or passkey check is recent
// enough for a sensitive action, and otherwise EFORBIDDEN (key
// account.reauth_required, cause account.ErrReauthRequired).
func (h *handlers) recent(a Auth) error {
	return h.acc.Sessions.RequireRecentAuth(a.Session, account.ReauthMaxAge)
}

// confirm sends the browser to the re-authentication page, which returns to
// next once the citizen has entered their PIN.
func (h *handlers) confirm(w http.ResponseWriter, r *http.Request, next string) error {
	return redirect(w, r, "/account/confirm", url.Values{"next": {web.SafeReturn(next)}})
}

// allow counts an authentication request against the client address's rate
// limit (account.BucketAuth). Every authentication endpoint calls it first.
func (h *handlers) allow(r *http.Request) error {
	return h.acc.Limits.Allow(r.Context(), account.BucketAuth, web.ClientIP(r))
}

// client is who sent r, for the audit log.
func client(r *http.Request) account.Client {
	return account.Client{IP: web.ClientIP(r), RequestID: web.RequestID(r.Context())}
}

// withRetry sets Retry-After on the response when the handler's error is a
// lock or a rate limit that says when to try again.
func (h *handlers) withRetry(fn web.HandlerFunc) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		err := fn(w, r)
		h.retryAfter(w, err)
		return err
	}
}

func (h *handlers) retryAfter(w http.ResponseWriter, err error) {
	switch digitalid.ErrorCode(err) {
	case digitalid.ELOCKED, digitalid.ERATELIMITED:
	default:
		return
	}
	if l, ok := account.LimitOf(err); ok && !l.RetryAt.IsZero() {
		w.Header().Set("Retry-After", strconv.Itoa(secondsUntil(l.RetryAt, h.now())))
	}
}

// secondsUntil is how many whole seconds from now to t, rounded up, at
// least 1.
func secondsUntil(t, now time.Time) int {
	d := t.Sub(now)
	return max(1, int((d+time.Second-1)/time.Second))
}

// startSession keeps a new session (and a new device's token) in the
// browser and drops the used proof.
func (h *handlers) startSession(w http.ResponseWriter, res account.SignInResult) {
	now := h.now()
	h.cookies.set(w, h.cookies.session, res.SessionToken, res.Session.ExpiresAt.Sub(now))
	if res.DeviceToken != "" {
		h.cookies.set(w, h.cookies.device, res.DeviceToken, deviceCookieAge)
	}
	h.cookies.clear(w, h.cookies.proof)
}

// phone turns what a citizen typed into E.164, or a field error.
func (h *handlers) phone(raw string) (string, error) {
	p, err := sms.NormalizePhone(strings.TrimSpace(raw), h.region)
	if err != nil {
		return "", fieldErr("phone", "account.phone.invalid", "The phone number is not valid; write it with + and the country code.", err)
	}
	return p, nil
}

// purpose accepts the code purposes a citizen may ask for here.
func purpose(p string) (account.Purpose, error) {
	switch account.Purpose(p) {
	case account.PurposeSignUp, account.PurposeSignIn:
		return account.Purpose(p), nil
	}
	return "", fieldErr("purpose", "account.otp.purpose", "The purpose of the code is not known.", nil)
}

// fieldErr is an EINVALID error naming one bad field.
func fieldErr(field, key, msg string, cause error) error {
	return &digitalid.Error{Code: digitalid.EINVALID, Key: key, Message: msg, Err: cause,
		Fields: []digitalid.FieldError{{Field: field, Code: digitalid.EINVALID, Message: msg, Key: key}}}
}

// redirect answers 303 See Other to path with query q.
func redirect(w http.ResponseWriter, r *http.Request, path string, q url.Values) error {
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	http.Redirect(w, r, path, http.StatusSeeOther)
	return nil
}
