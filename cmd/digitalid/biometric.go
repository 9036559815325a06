package main

import (
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/digitalid/digitalid/account"
)

// biometricConfig selects the face-matching service behind identity
// proofing (standard → high). The default is none: the proofing endpoints
// answer 503 "not configured". "dev" is the development provider
// (account.DevelopmentBiometric, which compares no faces) and is never on
// unless chosen with --biometric dev; "http" is a real service.
type biometricConfig struct {
	Kind       string // "", "off", "dev" or "http"
	URL        string
	AuthHeader string
	AuthValue  string // DIGITALID_BIOMETRIC_AUTH_VALUE only
	Timeout    time.Duration
}

// biometricFlags registers the --biometric* flags of `digitalid serve`.
func biometricFlags(fs *flag.FlagSet, c *biometricConfig) {
	fs.StringVar(&c.Kind, "biometric", "off", "face matching for identity proofing: off, dev (DEVELOPMENT ONLY: matches every sane photo) or http (a service)")
	fs.StringVar(&c.URL, "biometric-url", "", "face-matching service URL for --biometric http")
	fs.StringVar(&c.AuthHeader, "biometric-auth-header", "Authorization", "header carrying the face-matching service credential")
	fs.DurationVar(&c.Timeout, "biometric-timeout", 15*time.Second, "how long one face match may take")
}

// check validates the selection.
func (c biometricConfig) check() error {
	switch c.Kind {
	case "", "off", "dev":
		return nil
	case "http":
		if c.URL == "" {
			return errors.New("--biometric http needs --biometric-url")
		}
		return nil
	}
	return fmt.Errorf("--biometric must be off, dev or http, not %q", c.Kind)
}

// openProofing builds identity proofing with the configured provider; with
// none it is still built, and answers "not configured".
func (a *app) openProofing(c biometricConfig) error {
	var bio account.Biometric
	switch c.Kind {
	case "dev":
		dev, err := account.NewDevelopmentBiometric(true)
		if err != nil {
			return err
		}
		a.log.Warn("biometric: the DEVELOPMENT provider is on; it compares no faces and must never serve real citizens")
		bio = dev
	case "http":
		h, err := account.NewHTTPBiometric(account.HTTPBiometricConfig{URL: c.URL, AuthHeader: c.AuthHeader, AuthValue: c.AuthValue, Timeout: c.Timeout})
		if err != nil {
			return fmt.Errorf("biometric service: %w", err)
		}
		bio = h
	}
	var err error
	a.proofing, err = account.NewProofing(account.ProofingConfig{Store: a.db, Citizens: a.accounts.Citizens, Audit: a.audit,
		Biometric: bio, Clock: a.db.Now, Logger: a.log})
	if err != nil {
		return err
	}
	a.accounts.SetProofing(a.proofing) // the face re-check of a restore
	return nil
}
