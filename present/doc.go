// Package present owns the Digital ID's presentations: the fixed registry
// of purposes (what a verifier may ask to see and exactly which claims each
// discloses), the verifiers an operator registers with the purposes each
// may ask for and an API secret, the online QR handles a citizen shows
// (short, random, single use, valid 30 seconds, kept only hashed) and their
// verification, which returns a purpose's claims and a short-lived link to
// the citizen's portrait (see PortraitTTL) and files every answer, refusals
// included, in the citizen's audit chain.
//
// Derived attestations come from the credential service (see Credentials);
// offline SD-JWT presentations are checked by package verify.
package present
