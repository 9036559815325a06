// Package digitalid holds the vocabulary every other package shares: the
// transport-free error codes (error.go) and the clock type (clock.go).
//
// Domain packages (account, vault, audit, keys, sms, ...) import this package;
// it imports none of them. Adapters (store, web, cmd/digitalid) translate the
// codes into database and HTTP terms at the edges.
package digitalid
