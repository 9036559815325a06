package vault

import "testing"

// BenchmarkValidate measures one document's validation, the per-document
// cost of the bulk import.
func BenchmarkValidate(b *testing.B) {
	r := newRegistry(b)
	for _, id := range []string{"passport_ru", "passport_international", "large_family_certificate"} {
		raw := mustJSON(b, example(b, id))
		b.Run(id, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := r.Validate(id, 1, raw, testNow()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
