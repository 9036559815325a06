package main

import (
	"testing"
)

// TestBiometricFlags: proofing is off unless --biometric says otherwise,
// the auth value comes only from the environment, and bad selections fail.
func TestBiometricFlags(t *testing.T) {
	env := map[string]string{"DIGITALID_BIOMETRIC_AUTH_VALUE": "Bearer s3cret"}
	tests := []struct {
		name    string
		args    []string
		want    string
		wantErr bool
	}{
		{"default off", nil, "off", false},
		{"dev chosen", []string{"--biometric", "dev"}, "dev", false},
		{"http with url", []string{"--biometric", "http", "--biometric-url", "https://face.example/match"}, "http", false},
		{"http without url", []string{"--biometric", "http"}, "", true},
		{"unknown", []string{"--biometric", "magic"}, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var c Config
			fs := newTestFlagSet()
			serveFlags(fs, &c)
			if err := parseFlags(fs, &c, tc.args, func(k string) string { return env[k] }); err != nil {
				t.Fatalf("parseFlags(%q) = %v", tc.args, err)
			}
			err := c.finish()
			if tc.wantErr {
				if err == nil {
					t.Fatalf("finish(%q) = nil, want an error", tc.args)
				}
				return
			}
			if err != nil || c.Biometric.Kind != tc.want || c.Biometric.AuthValue != "Bearer s3cret" {
				t.Fatalf("finish(%q) = %v, Biometric %q (auth from env %t), want %q", tc.args, err, c.Biometric.Kind, c.Biometric.AuthValue != "", tc.want)
			}
		})
	}
}

// TestProofingOffByDefault: an app opened without --biometric has proofing
// that answers "not configured"; --biometric dev turns it on.
func TestProofingOffByDefault(t *testing.T) {
	a := testApp(t, nil, "--data-dir", t.TempDir())
	if a.proofing == nil || a.proofing.Configured() {
		t.Fatalf("openApp without --biometric: proofing configured = %v, want built but not configured", a.proofing.Configured())
	}
	if err := a.openProofing(biometricConfig{Kind: "dev"}); err != nil || !a.proofing.Configured() {
		t.Fatalf("openProofing(dev) = %v, configured %v, want configured", err, a.proofing.Configured())
	}
}
