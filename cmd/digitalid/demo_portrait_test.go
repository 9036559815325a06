package main

import (
	"bytes"
	"image/png"
	"testing"
)

// TestDemoPortrait checks the placeholder is a deterministic 240×300 PNG
// that differs between seeds.
func TestDemoPortrait(t *testing.T) {
	a, err := demoPortrait("P-1")
	if err != nil {
		t.Fatal(err)
	}
	again, _ := demoPortrait("P-1")
	other, _ := demoPortrait("P-2")
	if !bytes.Equal(a, again) || bytes.Equal(a, other) {
		t.Errorf("demoPortrait: same seed equal %v, other seed equal %v; want true, false", bytes.Equal(a, again), bytes.Equal(a, other))
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(a))
	if err != nil || cfg.Width != demoPortraitW || cfg.Height != demoPortraitH {
		t.Errorf("demoPortrait = %dx%d, %v; want %dx%d", cfg.Width, cfg.Height, err, demoPortraitW, demoPortraitH)
	}
}
