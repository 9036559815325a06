package citizen

import (
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"github.com/digitalid/digitalid/vault"
)

// FuzzFormDocument feeds arbitrary form bodies through formDocument, the
// decoder of the add-document page's fields: for every type it must give a
// JSON object the vault's validator accepts or refuses without panicking.
func FuzzFormDocument(f *testing.F) {
	f.Add("number=112-233-445+95&surname=%D0%98%D0%B2%D0%B0%D0%BD%D0%BE%D0%B2%D0%B0&birth_date=1985-03-14")
	f.Add("children%5B0%5D.name=A&children%5B0%5D.birth_date=2010-01-01&children%5B5%5D.name=%00")
	f.Add("categories=B&categories=C1&categories=%FF&sex=F&sex=M")
	f.Add("%zz=&&==")
	reg, err := vault.NewRegistry()
	if err != nil {
		f.Fatal(err)
	}
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body string) {
		values, _ := url.ParseQuery(body)
		for _, typ := range reg.Types() {
			raw := formDocument(typ, values)
			var obj map[string]any
			if err := json.Unmarshal(raw, &obj); err != nil {
				t.Fatalf("formDocument(%s, %q) = %s, not a JSON object: %v", typ.ID(), body, raw, err)
			}
			_, _ = reg.Validate(typ.ID(), typ.Version(), raw, now)
		}
	})
}
