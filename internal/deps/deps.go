//go:build tools

// Package deps pins modules that later work in this session uses, so that
// `go mod tidy` keeps them while their first importer is being written.
package deps

import (
	_ "github.com/ThalesGroup/crypto11"
	_ "github.com/chromedp/chromedp"
	_ "github.com/descope/virtualwebauthn"
	_ "github.com/getkin/kin-openapi/openapi3"
	_ "github.com/go-jose/go-jose/v4"
	_ "github.com/go-pdf/fpdf"
	_ "github.com/go-webauthn/webauthn/webauthn"
	_ "github.com/nyaruka/phonenumbers"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/skip2/go-qrcode"
	_ "golang.org/x/crypto/argon2"
	_ "golang.org/x/image/font/opentype"
	_ "golang.org/x/time/rate"
)
