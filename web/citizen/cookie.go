package citizen

import (
	"net/http"
	"time"
)

// Cookie base names. Over TLS each is sent as "__Host-"+name: the browser
// then accepts it only Secure, from this host, for Path=/.
const (
	SessionCookie = "digitalid_session"
	DeviceCookie  = "digitalid_device"
	ProofCookie   = "digitalid_proof"
)

// deviceCookieAge is how long a browser keeps its device token: the longest
// lifetime browsers allow a cookie (400 days). The token itself never
// expires; a lost device is blocked instead.
const deviceCookieAge = 400 * 24 * time.Hour

// cookieJar names, sets and clears the citizen's cookies. All are HttpOnly
// (no script reads a token), SameSite=Lax (sent on top-level navigation to
// this site only) and Path=/.
type cookieJar struct {
	secure                 bool
	session, device, proof string
}

func newCookieJar(secure bool) cookieJar {
	prefix := ""
	if secure {
		prefix = "__Host-"
	}
	return cookieJar{secure: secure, session: prefix + SessionCookie, device: prefix + DeviceCookie, proof: prefix + ProofCookie}
}

// set sets cookie name to value for maxAge (rounded up to a second).
func (j cookieJar) set(w http.ResponseWriter, name, value string, maxAge time.Duration) {
	secs := int((maxAge + time.Second - 1) / time.Second)
	if secs <= 0 {
		j.clear(w, name)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: secs,
		HttpOnly: true, Secure: j.secure, SameSite: http.SameSiteLaxMode,
	})
}

// clear tells the browser to drop cookie name.
func (j cookieJar) clear(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: j.secure, SameSite: http.SameSiteLaxMode,
	})
}

// get returns the value of cookie name, "" when absent.
func get(r *http.Request, name string) string {
	c, err := r.Cookie(name)
	if err != nil {
		return ""
	}
	return c.Value
}
