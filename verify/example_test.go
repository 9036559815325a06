package verify_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/digitalid/digitalid/verify"
)

// A scanner app keeps its keys and status lists in a directory, fills them
// while online, and then checks each scanned QR text for the purpose the
// inspector chose.
func Example() {
	cache, err := verify.NewDirCache(os.ExpandEnv("$HOME/.cache/digitalid-verify"))
	if err != nil {
		log.Fatal(err)
	}
	v, err := verify.New(verify.Config{
		Issuer: "https://id.example.gov",
		Cache:  cache,
	})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	if err := v.Prefetch(ctx); err != nil {
		log.Print("prefetch: ", err) // offline now: the cache may still do
	}
	var scanned string // the text of the QR code
	r := v.Verify(ctx, scanned, "age_over_18")
	switch r.Outcome {
	case verify.Valid:
		fmt.Println("18+:", r.Claims["age_over_18"])
	case verify.Invalid:
		fmt.Println("refused:", r.Reason)
	default:
		fmt.Println("cannot tell offline, check online:", r.Reason)
	}
}
