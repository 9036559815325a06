package account_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
)

// secrets is a map-backed account.Secrets.
type secrets map[string][]byte

func (s secrets) LoadOrCreateSecret(_ context.Context, name string) ([]byte, error) {
	if v, ok := s[name]; ok {
		return v, nil
	}
	return nil, errors.New("no secret " + name)
}

func TestLoadKeys(t *testing.T) {
	s := secrets{}
	for _, n := range []string{account.SecretPhoneIndex, account.SecretPhoneSeal, account.SecretOTP, account.SecretIPIndex} {
		s[n] = bytes.Repeat([]byte{byte(len(s) + 1)}, 32)
	}
	k, err := account.LoadKeys(context.Background(), s)
	if err != nil {
		t.Fatalf("LoadKeys = %v", err)
	}
	if !bytes.Equal(k.PhoneIndex, s[account.SecretPhoneIndex]) || !bytes.Equal(k.PhoneSeal, s[account.SecretPhoneSeal]) ||
		!bytes.Equal(k.OTP, s[account.SecretOTP]) || !bytes.Equal(k.IPIndex, s[account.SecretIPIndex]) {
		t.Errorf("LoadKeys = %+v, want each secret in its field", k)
	}
	s[account.SecretOTP] = []byte("short")
	if _, err := account.LoadKeys(context.Background(), s); digitalid.ErrorCode(err) != digitalid.EINVALID {
		t.Errorf("LoadKeys(short secret) = %v, want EINVALID", err)
	}
	delete(s, account.SecretOTP)
	if _, err := account.LoadKeys(context.Background(), s); err == nil {
		t.Errorf("LoadKeys(missing secret) = nil, want an error")
	}
}
