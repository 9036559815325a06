package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/oidc"
)

var _ oidc.Store = (*DB)(nil)

const oidcClientColumns = "id, name, logo_url, redirect_uris, post_logout_uris, scopes, required_scopes, auth_method, jwks, secret_hash, consent_days, status, created_at, disabled_at"

type oidcClientRow struct {
	id, name, logo, redirects, logouts, scopes, required, method, jwks, status string
	secret                                                                     []byte
	days                                                                       int
	createdAt, disabledAt                                                      sql.NullString
}

func (r *oidcClientRow) dest() []any {
	return []any{&r.id, &r.name, &r.logo, &r.redirects, &r.logouts, &r.scopes, &r.required, &r.method, &r.jwks,
		&r.secret, &r.days, &r.status, &r.createdAt, &r.disabledAt}
}

func (r *oidcClientRow) record() (oidc.RelyingParty, error) {
	c := oidc.RelyingParty{ID: r.id, Name: r.name, LogoURL: r.logo, AuthMethod: r.method, SecretHash: r.secret,
		ConsentDays: r.days, Status: oidc.ClientStatus(r.status)}
	for _, f := range []struct {
		dst any
		src string
	}{{&c.RedirectURIs, r.redirects}, {&c.PostLogoutURIs, r.logouts}, {&c.Scopes, r.scopes}, {&c.RequiredScopes, r.required}, {&c.PublicKeys, r.jwks}} {
		if err := json.Unmarshal([]byte(f.src), f.dst); err != nil {
			return oidc.RelyingParty{}, fmt.Errorf("oidc_clients %s: %w", r.id, err)
		}
	}
	if err := parseTimes(storedTime{&c.CreatedAt, r.createdAt}, storedTime{&c.DisabledAt, r.disabledAt}); err != nil {
		return oidc.RelyingParty{}, fmt.Errorf("oidc_clients %s: %w", r.id, err)
	}
	return c, nil
}

func oidcJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil { // only plain slices and JWKS are stored here
		panic(err)
	}
	return string(b)
}

// CreateClient implements oidc.Store.
func (db *DB) CreateClient(ctx context.Context, c oidc.RelyingParty) error {
	if c.RedirectURIs == nil {
		c.RedirectURIs = []string{}
	}
	if c.PostLogoutURIs == nil {
		c.PostLogoutURIs = []string{}
	}
	if c.RequiredScopes == nil {
		c.RequiredScopes = []string{}
	}
	_, err := db.writeExec(ctx, db.sql, `INSERT INTO oidc_clients (`+oidcClientColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.Name, c.LogoURL, oidcJSON(c.RedirectURIs), oidcJSON(c.PostLogoutURIs), oidcJSON(c.Scopes), oidcJSON(c.RequiredScopes),
		c.AuthMethod, oidcJSON(c.PublicKeys), c.SecretHash, c.ConsentDays, string(c.Status), formatTime(c.CreatedAt), nullTime(c.DisabledAt))
	return wrapf(translate(err), "insert relying party "+c.ID)
}

// Client implements oidc.Store.
func (db *DB) Client(ctx context.Context, id string) (oidc.RelyingParty, error) {
	c, err := scanRow(db.queryRow(ctx, db.sql, `SELECT `+oidcClientColumns+` FROM oidc_clients WHERE id = ?`, id), row[oidc.RelyingParty](&oidcClientRow{}))
	return c, wrapf(err, "read relying party")
}

// Clients implements oidc.Store.
func (db *DB) Clients(ctx context.Context) ([]oidc.RelyingParty, error) {
	return oidcQueryAll(ctx, db, "list relying parties", func() row[oidc.RelyingParty] { return &oidcClientRow{} },
		`SELECT `+oidcClientColumns+` FROM oidc_clients ORDER BY id`)
}

// DisableClient implements oidc.Store.
func (db *DB) DisableClient(ctx context.Context, id string, at time.Time) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := db.exec(ctx, tx, `UPDATE oidc_clients SET status = ?, disabled_at = COALESCE(disabled_at, ?) WHERE id = ?`,
			string(oidc.ClientDisabled), formatTime(at), id)
		if err != nil {
			return translate(fmt.Errorf("disable relying party: %w", err))
		}
		if err := oneRow(res, "disable relying party"); err != nil {
			return err
		}
		_, err = db.exec(ctx, tx, `UPDATE oidc_tokens SET revoked_at = ? WHERE client_id = ? AND revoked_at IS NULL`, formatTime(at), id)
		return wrapf(err, "revoke tokens of relying party")
	})
}

// oidcQueryAll runs a query and converts every row.
func oidcQueryAll[T any](ctx context.Context, db *DB, what string, mk func() row[T], query string, args ...any) ([]T, error) {
	rows, err := db.query(ctx, db.sql, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scanRow(rows, mk())
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, v)
	}
	return out, wrapf(rows.Err(), what)
}

const oidcRequestColumns = "id, client_id, params, state, citizen_id, consent_id, subject, granted, auth_time, code_hash, created_at, expires_at"

type oidcRequestRow struct {
	id, client, params, state, subject, granted string
	citizen, consent, authTime                  sql.NullString
	code                                        []byte
	createdAt, expiresAt                        sql.NullString
}

func (r *oidcRequestRow) dest() []any {
	return []any{&r.id, &r.client, &r.params, &r.state, &r.citizen, &r.consent, &r.subject, &r.granted, &r.authTime, &r.code, &r.createdAt, &r.expiresAt}
}

func (r *oidcRequestRow) record() (oidc.Request, error) {
	q := oidc.Request{ID: r.id, ClientID: r.client, State: r.state, CitizenID: r.citizen.String, ConsentID: r.consent.String,
		Subject: r.subject, CodeHash: r.code}
	if err := json.Unmarshal([]byte(r.params), &q.Params); err != nil {
		return oidc.Request{}, fmt.Errorf("oidc_requests %s: %w", r.id, err)
	}
	if err := json.Unmarshal([]byte(r.granted), &q.Granted); err != nil {
		return oidc.Request{}, fmt.Errorf("oidc_requests %s: %w", r.id, err)
	}
	if err := parseTimes(storedTime{&q.AuthTime, r.authTime}, storedTime{&q.CreatedAt, r.createdAt}, storedTime{&q.ExpiresAt, r.expiresAt}); err != nil {
		return oidc.Request{}, fmt.Errorf("oidc_requests %s: %w", r.id, err)
	}
	return q, nil
}

func oidcNullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// CreateRequest implements oidc.Store.
func (db *DB) CreateRequest(ctx context.Context, r oidc.Request) error {
	if r.Granted == nil {
		r.Granted = []string{}
	}
	_, err := db.writeExec(ctx, db.sql, `INSERT INTO oidc_requests (`+oidcRequestColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.ClientID, oidcJSON(r.Params), r.State, oidcNullString(r.CitizenID), oidcNullString(r.ConsentID), r.Subject, oidcJSON(r.Granted),
		nullTime(r.AuthTime), r.CodeHash, formatTime(r.CreatedAt), formatTime(r.ExpiresAt))
	return wrapf(translateFK(err), "insert authorization request")
}

// Request implements oidc.Store.
func (db *DB) Request(ctx context.Context, id string, now time.Time) (oidc.Request, error) {
	r, err := scanRow(db.queryRow(ctx, db.sql, `SELECT `+oidcRequestColumns+` FROM oidc_requests WHERE id = ? AND expires_at > ?`, id, formatTime(now)),
		row[oidc.Request](&oidcRequestRow{}))
	return r, wrapf(err, "read authorization request")
}

// TakePushed implements oidc.Store: one conditional update, so exactly one
// caller moves the request out of "pushed".
func (db *DB) TakePushed(ctx context.Context, id, clientID string, now time.Time) (oidc.Request, error) {
	var r oidc.Request
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := db.exec(ctx, tx, `UPDATE oidc_requests SET state = ? WHERE id = ? AND client_id = ? AND state = ? AND expires_at > ?`,
			oidc.RequestUsed, id, clientID, oidc.RequestPushed, formatTime(now))
		if err != nil {
			return translate(fmt.Errorf("take pushed request: %w", err))
		}
		if err := oneRow(res, "take pushed request"); err != nil {
			return err
		}
		r, err = scanRow(db.queryRow(ctx, tx, `SELECT `+oidcRequestColumns+` FROM oidc_requests WHERE id = ?`, id), row[oidc.Request](&oidcRequestRow{}))
		return err
	})
	return r, wrapf(err, "take pushed request")
}

// ApproveRequest implements oidc.Store: the consent and the approval in one
// transaction.
func (db *DB) ApproveRequest(ctx context.Context, r oidc.Request, c oidc.Consent, now time.Time) error {
	return wrapf(db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := db.exec(ctx, tx, `UPDATE oidc_requests SET state = ?, citizen_id = ?, consent_id = ?, subject = ?, granted = ?, auth_time = ?
			WHERE id = ? AND state = ? AND expires_at > ?`,
			oidc.RequestApproved, r.CitizenID, c.ID, r.Subject, oidcJSON(r.Granted), formatTime(r.AuthTime), r.ID, oidc.RequestPending, formatTime(now))
		if err != nil {
			return translateFK(err)
		}
		if err := oneRow(res, "approve request"); err != nil {
			return err
		}
		_, err = db.exec(ctx, tx, `INSERT INTO oidc_consents (id, citizen_id, client_id, scopes, device_id, created_at, expires_at, revoked_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, NULL)`, c.ID, c.CitizenID, c.ClientID, oidcJSON(c.Scopes), c.DeviceID, formatTime(c.CreatedAt), formatTime(c.ExpiresAt))
		return translateFK(err)
	}), "approve authorization request")
}

// DenyRequest implements oidc.Store.
func (db *DB) DenyRequest(ctx context.Context, id string, now time.Time) error {
	return db.updateOne(ctx, "deny authorization request", `UPDATE oidc_requests SET state = ? WHERE id = ? AND state = ?`,
		oidc.RequestDenied, id, oidc.RequestPending)
}

// SaveCode implements oidc.Store.
func (db *DB) SaveCode(ctx context.Context, id string, codeHash []byte) error {
	return db.updateOne(ctx, "save code", `UPDATE oidc_requests SET code_hash = ? WHERE id = ? AND state = ? AND code_hash IS NULL`,
		codeHash, id, oidc.RequestApproved)
}

// UseCode implements oidc.Store: the conditional update lets exactly one
// exchange through, on any instance.
func (db *DB) UseCode(ctx context.Context, codeHash []byte, now time.Time) (oidc.Request, error) {
	var r oidc.Request
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		r, err = scanRow(db.queryRow(ctx, tx, `SELECT `+oidcRequestColumns+` FROM oidc_requests WHERE code_hash = ? AND state = ?`, codeHash, oidc.RequestApproved),
			row[oidc.Request](&oidcRequestRow{}))
		if err != nil {
			return err
		}
		res, err := db.exec(ctx, tx, `UPDATE oidc_requests SET code_used_at = ? WHERE id = ? AND code_used_at IS NULL`, formatTime(now), r.ID)
		if err != nil {
			return translate(err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err == nil {
				err = digitalid.Errorf(digitalid.ECONFLICT, "the code was used before")
			}
			return err
		}
		if !now.Before(r.ExpiresAt) {
			return digitalid.Errorf(digitalid.ENOTFOUND, "the code has expired")
		}
		return nil
	})
	if digitalid.ErrorCode(err) == digitalid.ECONFLICT {
		return r, err
	}
	return r, wrapf(err, "use code")
}

// DeleteRequest implements oidc.Store. A request whose code was used stays
// (until it expires) so that a second use of the code is recognised.
func (db *DB) DeleteRequest(ctx context.Context, id string) error {
	_, err := db.writeExec(ctx, db.sql, `DELETE FROM oidc_requests WHERE id = ? AND code_used_at IS NULL`, id)
	return wrapf(err, "delete authorization request")
}

const oidcConsentColumns = "id, citizen_id, client_id, scopes, device_id, created_at, expires_at, revoked_at"

type oidcConsentRow struct {
	id, citizen, client, scopes, device string
	createdAt, expiresAt, revokedAt     sql.NullString
}

func (r *oidcConsentRow) dest() []any {
	return []any{&r.id, &r.citizen, &r.client, &r.scopes, &r.device, &r.createdAt, &r.expiresAt, &r.revokedAt}
}

func (r *oidcConsentRow) record() (oidc.Consent, error) {
	c := oidc.Consent{ID: r.id, CitizenID: r.citizen, ClientID: r.client, DeviceID: r.device}
	if err := json.Unmarshal([]byte(r.scopes), &c.Scopes); err != nil {
		return oidc.Consent{}, fmt.Errorf("oidc_consents %s: %w", r.id, err)
	}
	if err := parseTimes(storedTime{&c.CreatedAt, r.createdAt}, storedTime{&c.ExpiresAt, r.expiresAt}, storedTime{&c.RevokedAt, r.revokedAt}); err != nil {
		return oidc.Consent{}, fmt.Errorf("oidc_consents %s: %w", r.id, err)
	}
	return c, nil
}

// Consent implements oidc.Store.
func (db *DB) Consent(ctx context.Context, id string) (oidc.Consent, error) {
	c, err := scanRow(db.queryRow(ctx, db.sql, `SELECT `+oidcConsentColumns+` FROM oidc_consents WHERE id = ?`, id), row[oidc.Consent](&oidcConsentRow{}))
	return c, wrapf(err, "read consent")
}

// Consents implements oidc.Store.
func (db *DB) Consents(ctx context.Context, citizenID string) ([]oidc.Consent, error) {
	return oidcQueryAll(ctx, db, "list consents", func() row[oidc.Consent] { return &oidcConsentRow{} },
		`SELECT `+oidcConsentColumns+` FROM oidc_consents WHERE citizen_id = ? ORDER BY created_at DESC, id DESC`, citizenID)
}

// RevokeConsent implements oidc.Store.
func (db *DB) RevokeConsent(ctx context.Context, citizenID, id string, at time.Time) error {
	return wrapf(db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := db.exec(ctx, tx, `UPDATE oidc_consents SET revoked_at = ? WHERE id = ? AND citizen_id = ? AND revoked_at IS NULL`,
			formatTime(at), id, citizenID)
		if err != nil {
			return translate(err)
		}
		if err := oneRow(res, "revoke consent"); err != nil {
			return err
		}
		_, err = db.exec(ctx, tx, `UPDATE oidc_tokens SET revoked_at = ? WHERE consent_id = ? AND revoked_at IS NULL`, formatTime(at), id)
		return err
	}), "revoke consent")
}

const oidcTokenColumns = "id, kind, hash, family, client_id, citizen_id, consent_id, request_id, subject, scopes, auth_time, created_at, expires_at, used_at, revoked_at"

type oidcTokenRow struct {
	id, kind, family, client, citizen, consent, request, subject, scopes string
	hash                                                                 []byte
	authTime, createdAt, expiresAt, usedAt, revokedAt                    sql.NullString
}

func (r *oidcTokenRow) dest() []any {
	return []any{&r.id, &r.kind, &r.hash, &r.family, &r.client, &r.citizen, &r.consent, &r.request, &r.subject, &r.scopes,
		&r.authTime, &r.createdAt, &r.expiresAt, &r.usedAt, &r.revokedAt}
}

func (r *oidcTokenRow) record() (oidc.Token, error) {
	t := oidc.Token{ID: r.id, Kind: r.kind, Hash: r.hash, Family: r.family, ClientID: r.client, CitizenID: r.citizen,
		ConsentID: r.consent, RequestID: r.request, Subject: r.subject}
	if err := json.Unmarshal([]byte(r.scopes), &t.Scopes); err != nil {
		return oidc.Token{}, fmt.Errorf("oidc_tokens %s: %w", r.id, err)
	}
	if err := parseTimes(storedTime{&t.AuthTime, r.authTime}, storedTime{&t.CreatedAt, r.createdAt}, storedTime{&t.ExpiresAt, r.expiresAt},
		storedTime{&t.UsedAt, r.usedAt}, storedTime{&t.RevokedAt, r.revokedAt}); err != nil {
		return oidc.Token{}, fmt.Errorf("oidc_tokens %s: %w", r.id, err)
	}
	return t, nil
}

func (db *DB) insertToken(ctx context.Context, x querier, t oidc.Token) error {
	var hash any
	if len(t.Hash) > 0 {
		hash = t.Hash
	}
	_, err := db.exec(ctx, x, `INSERT INTO oidc_tokens (`+oidcTokenColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)`,
		t.ID, t.Kind, hash, t.Family, t.ClientID, t.CitizenID, t.ConsentID, t.RequestID, t.Subject, oidcJSON(t.Scopes),
		formatTime(t.AuthTime), formatTime(t.CreatedAt), formatTime(t.ExpiresAt))
	return translateFK(err)
}

// CreateToken implements oidc.Store.
func (db *DB) CreateToken(ctx context.Context, t oidc.Token) error {
	if db.dialect == SQLite {
		db.writeMu.Lock()
		defer db.writeMu.Unlock()
	}
	return wrapf(db.insertToken(ctx, db.sql, t), "insert token")
}

// Token implements oidc.Store.
func (db *DB) Token(ctx context.Context, id string) (oidc.Token, error) {
	t, err := scanRow(db.queryRow(ctx, db.sql, `SELECT `+oidcTokenColumns+` FROM oidc_tokens WHERE id = ?`, id), row[oidc.Token](&oidcTokenRow{}))
	return t, wrapf(err, "read token")
}

// RefreshToken implements oidc.Store.
func (db *DB) RefreshToken(ctx context.Context, hash []byte) (oidc.Token, error) {
	t, err := scanRow(db.queryRow(ctx, db.sql, `SELECT `+oidcTokenColumns+` FROM oidc_tokens WHERE hash = ? AND kind = ?`, hash, oidc.KindRefresh),
		row[oidc.Token](&oidcTokenRow{}))
	return t, wrapf(err, "read refresh token")
}

// RotateRefresh implements oidc.Store.
func (db *DB) RotateRefresh(ctx context.Context, oldID string, next oidc.Token, now time.Time) error {
	return wrapf(db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := db.exec(ctx, tx, `UPDATE oidc_tokens SET used_at = ? WHERE id = ? AND kind = ? AND used_at IS NULL AND revoked_at IS NULL`,
			formatTime(now), oldID, oidc.KindRefresh)
		if err != nil {
			return translate(err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err == nil {
				err = digitalid.Errorf(digitalid.ECONFLICT, "the refresh token was used or revoked")
			}
			return err
		}
		return db.insertToken(ctx, tx, next)
	}), "rotate refresh token")
}

// RevokeTokens implements oidc.Store.
func (db *DB) RevokeTokens(ctx context.Context, f oidc.TokenFilter, at time.Time) (int64, error) {
	var where string
	var args []any
	switch {
	case f.ID != "":
		where, args = "id = ?", []any{f.ID}
	case f.Family != "":
		where, args = "family = ?", []any{f.Family}
	case f.RequestID != "":
		where, args = "request_id = ?", []any{f.RequestID}
	case f.ClientID != "" && f.Subject != "":
		where, args = "client_id = ? AND subject = ?", []any{f.ClientID, f.Subject}
	default:
		return 0, digitalid.Errorf(digitalid.EINVALID, "revoke tokens: no filter")
	}
	res, err := db.writeExec(ctx, db.sql, `UPDATE oidc_tokens SET revoked_at = ? WHERE revoked_at IS NULL AND `+where,
		append([]any{formatTime(at)}, args...)...)
	if err != nil {
		return 0, fmt.Errorf("revoke tokens: %w", err)
	}
	return res.RowsAffected()
}

// UseClientAssertion implements oidc.Store: a unique insert.
func (db *DB) UseClientAssertion(ctx context.Context, clientID, jti string, expiresAt time.Time) error {
	_, err := db.writeExec(ctx, db.sql, `INSERT INTO oidc_assertions (client_id, jti, expires_at) VALUES (?, ?, ?)`,
		clientID, jti, formatTime(expiresAt))
	return wrapf(translateFK(err), "record client assertion")
}

// PurgeOIDC implements oidc.Store.
func (db *DB) PurgeOIDC(ctx context.Context, now time.Time) (int64, error) {
	var total int64
	for _, q := range []string{
		`DELETE FROM oidc_requests WHERE expires_at < ?`,
		`DELETE FROM oidc_assertions WHERE expires_at < ?`,
		`DELETE FROM oidc_tokens WHERE expires_at < ?`,
	} {
		res, err := db.writeExec(ctx, db.sql, q, formatTime(now))
		if err != nil {
			return total, fmt.Errorf("purge oidc: %w", err)
		}
		n, _ := res.RowsAffected()
		total += n
	}
	return total, nil
}
