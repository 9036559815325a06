package store_test

import (
	"testing"

	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
	"github.com/digitalid/digitalid/store/storetest"
)

func TestIssuerCerts(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) { storetest.IssuerCerts(t, db) })
}
