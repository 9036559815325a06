// Package account owns citizens and how they prove who they are: phone
// sign-up with one-time SMS codes, PINs, passkeys (WebAuthn), sessions and
// devices, attempt limits and lockouts, identity assurance levels, and the
// account's life (deletion, restore, phone change).
//
// It is split into small services that share one Store (store.DB implements
// it): Citizens, OTPs, PINs, Limits, Sessions (sessions and devices) and
// Notifications; Service wires them (New) and holds the flows that combine
// them: SignUp, SignInWithPIN, ReauthenticateWithPIN, ChangePIN. Every
// counter and lockout lives in the database, so limits hold across instances
// and restarts, and each service takes a digitalid.Clock so tests move time
// instead of sleeping. The package speaks no HTTP: errors carry digitalid
// codes and translation keys (account.*), and Limit (LimitOf) says when to
// retry and how many attempts are left.
//
// # What is stored
//
// No personal data in clear: a phone number is an HMAC lookup key plus an
// AES-256-GCM ciphertext bound to its row (so are the birth date and device
// names); PINs are argon2id hashes; codes are keyed HMACs; session, device
// and proof tokens are SHA-256 hashes; client addresses are keyed HMACs. The
// keys are platform secrets (LoadKeys) wrapped by the KeyStore.
//
// # The factors and their limits
//
//   - A PIN never signs in alone: it comes with a registered, unblocked
//     device (its device token) or with the proof of an SMS code. The device
//     or proof is checked first, so nobody who lacks them can spend, and
//     lock, the owner's PIN attempts.
//   - PIN: 5 wrong entries lock it for 15 minutes, then 1 hour, 4 hours and
//     24 hours; a right PIN clears the count. The attempt is counted in the
//     database before the (expensive) hash is compared, so 200 concurrent
//     guesses on any number of instances get exactly 5 checks. Only the PIN
//     is locked: sessions, codes and passkeys go on working.
//   - SMS codes: 6 digits, 10 minutes, single use, 5 wrong entries per code
//     and 10 per number and purpose a day (a new code does not reset that),
//     5 codes per number an hour.
//   - Per client address: 30 authentication requests a minute (Limits).
//
// # Not telling who is registered
//
// OTPs.RequestCode answers every well-formed request the same way and counts
// it against the same limits; a sign-in code for a number without an active
// account is stored but not texted, and the request waits about as long as
// an SMS takes. Entering a code checks it against whatever was stored, so it
// fails in the same way and under the same counters for such a number.
// Sign-up to a registered number texts a notice instead of a code. Only a
// caller who holds a valid proof or device learns anything about the account
// (a wrong PIN, a lock, "already registered").
//
// # Flows the HTTP layer drives
//
//	sign-up:          OTPs.RequestCode(signup) → OTPs.Verify → SignUp(proof, PIN)
//	new device:       OTPs.RequestCode(signin) → OTPs.Verify → SignInWithPIN(proof, PIN)
//	known device:     SignInWithPIN(device token, PIN)
//	each request:     Sessions.Authenticate(session token)
//	sensitive action: Sessions.RequireRecentAuth → ReauthenticateWithPIN (or a passkey)
//	lost device:      Sessions.BlockDevice from any signed-in device (sign in on a
//	                  new one first when none is left)
package account
