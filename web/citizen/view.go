package citizen

import (
	"strconv"
	"strings"
	"time"

	"github.com/digitalid/digitalid/account"
	"github.com/nyaruka/phonenumbers"
)

// sessionJSON is a session as the API shows it.
type sessionJSON struct {
	ID         string    `json:"id"`
	DeviceID   string    `json:"device_id"`
	DeviceName string    `json:"device_name,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	ReauthAt   time.Time `json:"reauth_at"`
	Current    bool      `json:"current"`
}

func newSessionJSON(s account.Session, currentID, deviceName string) sessionJSON {
	return sessionJSON{
		ID: s.ID, DeviceID: s.DeviceID, DeviceName: deviceName, CreatedAt: s.CreatedAt,
		LastSeenAt: s.LastSeenAt, ExpiresAt: s.ExpiresAt, ReauthAt: s.ReauthAt, Current: s.ID == currentID,
	}
}

// deviceJSON is a device as the API shows it.
type deviceJSON struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	LastSeenAt time.Time  `json:"last_seen_at"`
	BlockedAt  *time.Time `json:"blocked_at,omitempty"`
	Current    bool       `json:"current"`
}

func newDeviceJSON(d account.Device, currentID string) deviceJSON {
	return deviceJSON{
		ID: d.ID, Name: d.Name, CreatedAt: d.CreatedAt, LastSeenAt: d.LastSeenAt,
		BlockedAt: optTime(d.BlockedAt), Current: d.ID == currentID,
	}
}

// meJSON is the signed-in citizen as the API shows them. The phone number
// is masked: the full number is personal data the client already knows.
type meJSON struct {
	ID          string      `json:"id"`
	Assurance   string      `json:"assurance"`
	Lang        string      `json:"lang"`
	PhoneMasked string      `json:"phone_masked"`
	Age         *int        `json:"age,omitempty"`
	CreatedAt   time.Time   `json:"created_at"`
	Unread      int         `json:"unread_notifications"`
	Session     sessionJSON `json:"session"`
}

// notificationJSON is an inbox entry, with its text in the response
// language.
type notificationJSON struct {
	ID        string            `json:"id"`
	Kind      string            `json:"kind"`
	Params    map[string]string `json:"params"`
	Text      string            `json:"text"`
	CreatedAt time.Time         `json:"created_at"`
	ReadAt    *time.Time        `json:"read_at,omitempty"`
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// maskPhone shows only the country code and the last four digits of an
// E.164 number, grouped as people read them: "+7 *** *** 45 67".
func maskPhone(e164 string) string {
	n, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return "***"
	}
	national := phonenumbers.GetNationalSignificantNumber(n)
	if len(national) <= 4 {
		return "+" + strconv.Itoa(int(n.GetCountryCode())) + " ****"
	}
	hidden, tail := len(national)-4, national[len(national)-4:]
	var groups []string
	for hidden > 0 {
		k := min(3, hidden)
		groups = append(groups, strings.Repeat("*", k))
		hidden -= k
	}
	return "+" + strconv.Itoa(int(n.GetCountryCode())) + " " + strings.Join(groups, " ") + " " + tail[:2] + " " + tail[2:]
}

// deviceNameFrom suggests a name for a new device from its User-Agent
// ("Chrome, Linux"), for the citizen to keep or change. It only looks for
// well-known words, so any header gives a short, printable name.
func deviceNameFrom(userAgent string) string {
	ua := userAgent
	if len(ua) > 512 {
		ua = ua[:512]
	}
	browser := "Browser"
	for _, b := range []struct{ token, name string }{
		{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"YaBrowser/", "Yandex Browser"}, {"Firefox/", "Firefox"},
		{"Chrome/", "Chrome"}, {"Chromium/", "Chromium"}, {"Safari/", "Safari"},
	} {
		if strings.Contains(ua, b.token) {
			browser = b.name
			break
		}
	}
	for _, o := range []struct{ token, name string }{
		{"Android", "Android"}, {"iPhone", "iPhone"}, {"iPad", "iPad"}, {"Windows", "Windows"},
		{"Mac OS X", "macOS"}, {"CrOS", "ChromeOS"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, o.token) {
			return browser + ", " + o.name
		}
	}
	return browser
}
