package store_test

import (
	"testing"

	"github.com/digitalid/digitalid/internal/testdb"
	"github.com/digitalid/digitalid/store"
	"github.com/digitalid/digitalid/store/storetest"
)

func TestPresentPortraitURL(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) { storetest.PresentPortraitURL(t, db) })
}
