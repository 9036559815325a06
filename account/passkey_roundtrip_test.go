package account_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"io"
	"net"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/digitalid/digitalid/account"
	"github.com/digitalid/digitalid/audit"
	"github.com/digitalid/digitalid/internal/testenv"
	"github.com/digitalid/digitalid/store"
)

// TestPasskeySignInRoundTrips counts the PostgreSQL round trips of a
// passkey sign-in through a proxy that reads the wire protocol: each Sync
// or simple Query the client sends waits for the server once. FinishLogin
// may take two of its own (read ceremony and passkey; write counter and
// session) besides the audit event, which every audited action pays.
func TestPasskeySignInRoundTrips(t *testing.T) {
	dsn := testenv.PostgresDSN(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("parse DSN: %v", err)
	}
	proxy := startPGCounter(t, u.Host)
	u.Host = proxy.addr
	// One connection, so that the statement cache is warm after one use.
	db, err := store.Open(context.Background(), u.String(), store.Options{MaxOpenConns: 1})
	if err != nil {
		t.Fatalf("store.Open(via proxy) = %v", err)
	}
	t.Cleanup(func() { db.Close() })
	e := newEnv(t, db, withPasskeys)
	res := e.signUp(phone(1))
	a := newAuthenticator(t)
	_, cred := e.addPasskey(res.Session, a, "Phone")
	for range 2 { // warm the statement cache
		if _, err := e.passkeySignIn(a, cred); err != nil {
			t.Fatalf("FinishLogin = %v", err)
		}
	}
	count := func(f func()) int64 {
		before := proxy.trips.Load()
		f()
		return proxy.trips.Load() - before
	}
	var options []byte
	var id string
	begin := count(func() { options, id = e.beginLogin() })
	resp := a.get(options, cred)
	finish := count(func() {
		if _, err := e.svc.Passkeys.FinishLogin(e.ctx, id, resp, account.Client{}); err != nil {
			t.Fatalf("FinishLogin = %v", err)
		}
	})
	auditOnly := count(func() {
		_, err := e.audit.Append(e.ctx, audit.Event{Chain: res.Citizen.ID, Actor: audit.Actor{Type: audit.ActorCitizen, ID: res.Citizen.ID},
			Action: "account.signin", Object: "session:" + res.Session.ID, Result: audit.Success})
		if err != nil {
			t.Fatalf("audit.Append = %v", err)
		}
	})
	t.Logf("PostgreSQL round trips: BeginLogin %d, FinishLogin %d (%d of them the audit event's)", begin, finish, auditOnly)
	if begin != 1 || finish-auditOnly > 2 {
		t.Errorf("round trips: BeginLogin %d, FinishLogin %d of which audit %d; want 1 and at most 2 besides the audit",
			begin, finish, auditOnly)
	}
}

// pgCounter forwards TCP connections to a PostgreSQL server and counts
// the round trips clients ask for.
type pgCounter struct {
	addr  string
	trips atomic.Int64
}

func startPGCounter(t *testing.T, target string) *pgCounter {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	t.Cleanup(func() { ln.Close() })
	p := &pgCounter{addr: ln.Addr().String()}
	go func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", target)
			if err != nil {
				client.Close()
				continue
			}
			go func() { _, _ = io.Copy(client, server); client.Close() }()
			go func() { p.pipe(client, server); server.Close() }()
		}
	}()
	return p
}

// pipe copies client messages to the server, counting Sync ('S') and
// Query ('Q') messages after the untyped startup messages.
func (p *pgCounter) pipe(client, server net.Conn) {
	r := bufio.NewReader(client)
	startup := true
	for {
		var head []byte
		if startup {
			head = make([]byte, 4)
		} else {
			head = make([]byte, 5)
		}
		if _, err := io.ReadFull(r, head); err != nil {
			return
		}
		n := int(binary.BigEndian.Uint32(head[len(head)-4:])) - 4
		if n < 0 || n > 1<<26 {
			return
		}
		body := make([]byte, n)
		if _, err := io.ReadFull(r, body); err != nil {
			return
		}
		if startup {
			// An SSL or GSS encryption request is followed by the real startup.
			code := uint32(0)
			if len(body) >= 4 {
				code = binary.BigEndian.Uint32(body)
			}
			startup = code == 80877103 || code == 80877104
		} else if head[0] == 'S' || head[0] == 'Q' {
			p.trips.Add(1)
		}
		if _, err := server.Write(append(head, body...)); err != nil {
			return
		}
	}
}
