package account

import (
	"errors"
	"fmt"

	"github.com/digitalid/digitalid"
)

// The errors of passkey ceremonies. Each is a *digitalid.Error with a
// translation key (account.passkey.*); the cause says what exactly failed,
// for logs only.

// badCeremony: the ceremony id is unknown, used, expired, of another kind
// or bound to another session. The client begins again.
func badCeremony(why string) error {
	return userError(digitalid.EINVALID, "account.passkey.ceremony",
		"This passkey request has expired or was already used; try again.", errors.New(why))
}

// passkeyFailed: an assertion did not verify (malformed, wrong challenge or
// origin, bad signature, not the citizen's passkey) or its account is not
// active.
func passkeyFailed(cause error) error {
	return userError(digitalid.EUNAUTHORIZED, "account.passkey.failed",
		"The passkey could not be checked; try again or use another way to sign in.", fmt.Errorf("passkey: %w", cause))
}

// passkeyRejected: a registration response did not verify.
func passkeyRejected(cause error) error {
	return userError(digitalid.EINVALID, "account.passkey.rejected",
		"The passkey could not be added; try again.", fmt.Errorf("passkey registration: %w", cause))
}

// noUserVerification: the authenticator did not verify the person (no
// Face ID, fingerprint or screen lock). code is EUNAUTHORIZED for an
// assertion and EINVALID for a registration.
func noUserVerification(code string) error {
	return userError(code, "account.passkey.user_verification",
		"Your device must confirm it is you (Face ID, fingerprint or screen lock); turn that on and try again.",
		errors.New("passkey: user not verified"))
}

// unknownPasskey: no such credential, or it was removed.
func unknownPasskey(why string) error {
	return userError(digitalid.EUNAUTHORIZED, "account.passkey.unknown",
		"This passkey is not registered with any account; sign in another way.", errors.New(why))
}

// blockedPasskey: the passkey's device was blocked.
func blockedPasskey(deviceID string) error {
	return userError(digitalid.EUNAUTHORIZED, "account.passkey.blocked",
		"This passkey belongs to a blocked device; sign in with a code sent by SMS.",
		fmt.Errorf("passkey: device %s is blocked", deviceID))
}

// passkeyCounter: the signature counter did not move forward, so two copies
// of the key may exist (a cloned authenticator).
func passkeyCounter(stored, got uint32) error {
	return userError(digitalid.EUNAUTHORIZED, "account.passkey.counter",
		"This passkey may have been copied and is refused; sign in another way and remove it.",
		fmt.Errorf("passkey: signature counter %d after %d", got, stored))
}

func passkeyExists(cause error) error {
	return userError(digitalid.ECONFLICT, "account.passkey.exists", "This passkey is already registered.", cause)
}

func passkeyNotFound(cause error) error {
	return userError(digitalid.ENOTFOUND, "account.passkey.not_found", "There is no such passkey.", cause)
}

func passkeyLimit() error {
	return userError(digitalid.ECONFLICT, "account.passkey.limit",
		fmt.Sprintf("You have %d passkeys, the most allowed; remove one first.", MaxPasskeys), nil)
}

func passkeyTooLarge() error {
	return userError(digitalid.ETOOLARGE, "account.passkey.too_large", "The passkey response is too large.", nil)
}

// checkPasskeyName trims name and accepts 1 to MaxPasskeyName characters of
// text, as for device names.
func checkPasskeyName(name string) (string, error) {
	n, err := checkDeviceName(name)
	if err != nil {
		return "", fieldError("name", "account.passkey.name",
			fmt.Sprintf("The passkey name must be 1 to %d characters of text.", MaxPasskeyName))
	}
	return n, nil
}

func passkeyAAD(id string) string { return "passkey_name:" + id }
