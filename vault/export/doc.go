// Package export renders a citizen's document for use outside the vault: a
// JSON file carrying the issuer's signature verbatim, and a readable card —
// PDF, PNG or SVG — with the document's localized fields, its status and
// source, and a QR code of the address where anyone can verify it.
//
// It is pure rendering: NewCard turns a validated vault.Fields and its
// record's metadata into a Card (labels, enums and dates in the citizen's
// language), and the renderers draw the Card. Storage, authorisation and
// HTTP belong to the caller. All three card formats share one layout,
// measured with the embedded DejaVu Sans fonts (which cover Russian and
// Kazakh), so a long value wraps or ends with an ellipsis in the same place
// in every format, a PDF grows extra pages and an image grows taller when a
// document has many fields. The package keeps no mutable state and is safe
// for concurrent use.
package export
