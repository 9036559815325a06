package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/digitalid/digitalid/web"
)

// Config is everything `digitalid` reads from flags and DIGITALID_* variables,
// read once here and passed to constructors as typed values.
type Config struct {
	DataDir   string
	DB        string
	Addr      string
	PublicURL string
	TLSCert   string
	TLSKey    string
	LogFormat string
	LogLevel  string

	KeyStore      string // "file" or "pkcs11"
	MasterKeyFile string
	MasterKey     string // DIGITALID_MASTER_KEY only: never a flag, so it is not visible in ps
	PKCS11Module  string
	PKCS11Token   string
	PKCS11PIN     string // DIGITALID_PKCS11_PIN only
	KeyPublish    time.Duration

	SMS           string // "outbox" or "http"
	SMSURL        string
	SMSAuthHeader string
	SMSAuthValue  string          // DIGITALID_SMS_AUTH_VALUE only
	Biometric     biometricConfig // --biometric* (biometric.go)

	MaxBody         int64
	ShutdownTimeout time.Duration
	SessionIdle     time.Duration  // sign-in sessions end after this long unused
	SessionLifetime time.Duration  // and this long after sign-in, used or not
	IssuerRate      int            // issuer API calls per minute per issuer (0: issuer.DefaultRate)
	AuthRate        int            // authentication requests per minute per client address (0: account.DefaultRates)
	TrustedProxies  string         // --trusted-proxies as given; parsed into Proxies by finish
	Proxies         []netip.Prefix // the networks of --trusted-proxies
	ClientIPHeader  string         // header trusted proxies name the client in
	Demo            bool           // seed demo issuer, verifier and citizens (demo.go); loopback only
}

// secretEnv lists the settings taken only from the environment, never from
// flags, because command lines are visible to every user of the machine.
var secretEnv = []struct{ name, help string }{
	{"DIGITALID_MASTER_KEY", "master key for the file keystore (32 bytes, base64); overrides --master-key-file"},
	{"DIGITALID_PKCS11_PIN", "user PIN of the PKCS#11 token"},
	{"DIGITALID_SMS_AUTH_VALUE", "value of the SMS gateway's auth header"},
	{"DIGITALID_BIOMETRIC_AUTH_VALUE", "value of the face-matching service's auth header"},
}

// storageFlags registers the flags every subcommand that opens the database needs.
func storageFlags(fs *flag.FlagSet, c *Config) {
	fs.StringVar(&c.DataDir, "data-dir", "./data", "directory for the SQLite database and key files (created 0700)")
	fs.StringVar(&c.DB, "db", "", "database: a SQLite file path, or postgres://user@host/db (default DATA-DIR/digitalid.db)")
	fs.StringVar(&c.LogFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&c.LogLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.StringVar(&c.KeyStore, "keystore", "file", "where keys live: file (sealed under the master key) or pkcs11 (an HSM)")
	fs.StringVar(&c.MasterKeyFile, "master-key-file", "", "master key file for the file keystore, generated 0600 if missing (default DATA-DIR/master.key)")
	fs.StringVar(&c.PKCS11Module, "pkcs11-module", "/usr/lib/softhsm/libsofthsm2.so", "PKCS#11 module (.so) for --keystore pkcs11")
	fs.StringVar(&c.PKCS11Token, "pkcs11-token", "digitalid", "PKCS#11 token label for --keystore pkcs11")
	fs.DurationVar(&c.KeyPublish, "key-publish-period", 30*24*time.Hour, "how long a retired signing key stays in the JWKS")
}

// serveFlags registers the flags of `digitalid serve`.
func serveFlags(fs *flag.FlagSet, c *Config) {
	storageFlags(fs, c)
	fs.StringVar(&c.Addr, "addr", "127.0.0.1:8080", "address to listen on")
	fs.StringVar(&c.PublicURL, "public-url", "", "URL citizens and clients reach this service at (default http(s)://ADDR)")
	fs.StringVar(&c.TLSCert, "tls-cert", "", "TLS certificate file (PEM); with --tls-key serves HTTPS and sends HSTS")
	fs.StringVar(&c.TLSKey, "tls-key", "", "TLS private key file (PEM)")
	fs.StringVar(&c.SMS, "sms", "outbox", "SMS delivery: outbox (development, read with `digitalid sms outbox`) or http (a gateway)")
	fs.StringVar(&c.SMSURL, "sms-url", "", "SMS gateway URL for --sms http")
	fs.StringVar(&c.SMSAuthHeader, "sms-auth-header", "Authorization", "header carrying the SMS gateway credential")
	biometricFlags(fs, &c.Biometric)
	fs.Int64Var(&c.MaxBody, "max-body", 1<<20, "largest request body accepted, in bytes")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", 20*time.Second, "how long in-flight requests may take to finish on SIGTERM")
	fs.DurationVar(&c.SessionIdle, "session-idle-timeout", 15*time.Minute, "a citizen's session ends after this long unused")
	fs.DurationVar(&c.SessionLifetime, "session-lifetime", 12*time.Hour, "a citizen's session ends this long after sign-in, used or not")
	fs.IntVar(&c.IssuerRate, "issuer-rate-limit", 600, "issuer API calls one issuer may make per minute, counted in the database across instances")
	fs.IntVar(&c.AuthRate, "auth-rate-limit", 30, "authentication requests one client address (IPv4 address or IPv6 /64) may make per minute, counted in the database across instances")
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", "", "reverse proxies / load balancers (CIDR[,CIDR...]) whose --client-ip-header names the client; default none: the client is the TCP peer")
	fs.StringVar(&c.ClientIPHeader, "client-ip-header", web.HeaderXForwardedFor, "header the trusted proxies name the client in: X-Forwarded-For or Forwarded (RFC 7239)")
	fs.BoolVar(&c.Demo, "demo", false, "seed a demo issuer, verifier and citizens (PIN "+demoPIN+"; loopback addresses only)")
}

// envName is the DIGITALID_* variable matching a flag: --data-dir → DIGITALID_DATA_DIR.
func envName(flagName string) string {
	return "DIGITALID_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parseFlags parses args, then fills every flag not given on the command line
// from its DIGITALID_* variable, then reads the secret-only variables.
func parseFlags(fs *flag.FlagSet, c *Config, args []string, getenv func(string) string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] {
			return
		}
		if v := getenv(envName(f.Name)); v != "" {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %w", envName(f.Name), v, err))
			}
		}
	})
	c.MasterKey = getenv("DIGITALID_MASTER_KEY")
	c.PKCS11PIN = getenv("DIGITALID_PKCS11_PIN")
	c.SMSAuthValue = getenv("DIGITALID_SMS_AUTH_VALUE")
	c.Biometric.AuthValue = getenv("DIGITALID_BIOMETRIC_AUTH_VALUE")
	return errors.Join(errs...)
}

// finish fills derived defaults and checks the configuration as a whole.
func (c *Config) finish() error {
	if c.DB == "" {
		c.DB = filepath.Join(c.DataDir, "digitalid.db")
	}
	if c.MasterKeyFile == "" {
		c.MasterKeyFile = filepath.Join(c.DataDir, "master.key")
	}
	if c.PublicURL == "" {
		scheme := "http"
		if c.TLSCert != "" {
			scheme = "https"
		}
		c.PublicURL = scheme + "://" + publicHost(c.Addr)
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	var errs []error
	switch c.LogFormat {
	case "text", "json":
	default:
		errs = append(errs, fmt.Errorf("--log-format must be text or json, not %q", c.LogFormat))
	}
	switch c.KeyStore {
	case "file", "pkcs11":
	default:
		errs = append(errs, fmt.Errorf("--keystore must be file or pkcs11, not %q", c.KeyStore))
	}
	if c.KeyStore == "pkcs11" && c.PKCS11PIN == "" {
		errs = append(errs, errors.New("--keystore pkcs11 needs DIGITALID_PKCS11_PIN"))
	}
	switch c.SMS {
	case "", "outbox":
	case "http":
		if c.SMSURL == "" {
			errs = append(errs, errors.New("--sms http needs --sms-url"))
		}
	default:
		errs = append(errs, fmt.Errorf("--sms must be outbox or http, not %q", c.SMS))
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, errors.New("--tls-cert and --tls-key go together"))
	}
	errs = append(errs, c.Biometric.check())
	if c.Demo {
		errs = append(errs, checkDemoAddr(c.Addr))
	}
	if c.MaxBody <= 0 && c.Addr != "" {
		errs = append(errs, errors.New("--max-body must be positive"))
	}
	if c.AuthRate <= 0 && c.Addr != "" {
		errs = append(errs, fmt.Errorf("--auth-rate-limit must be positive, not %d", c.AuthRate))
	}
	var err error
	if c.Proxies, err = web.ParseTrustedProxies(c.TrustedProxies); err != nil {
		errs = append(errs, fmt.Errorf("--trusted-proxies: %w", err))
	}
	switch h := http.CanonicalHeaderKey(c.ClientIPHeader); h {
	case "", web.HeaderXForwardedFor, web.HeaderForwarded:
		c.ClientIPHeader = h
	default:
		errs = append(errs, fmt.Errorf("--client-ip-header must be %s or %s, not %q", web.HeaderXForwardedFor, web.HeaderForwarded, c.ClientIPHeader))
	}
	return errors.Join(errs...)
}

// publicHost names a loopback listen address by "localhost": browsers treat
// http://localhost as a secure context, and WebAuthn (passkeys) accepts it as
// a relying-party id where it refuses an IP address.
func publicHost(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return net.JoinHostPort("localhost", port)
	}
	return addr
}

// usage prints a subcommand's synopsis, its flags with their environment
// variables, and the secret-only variables when the subcommand reads them.
func usage(w io.Writer, fs *flag.FlagSet, synopsis, about string, secrets bool) func() {
	return func() {
		fmt.Fprintf(w, "Usage: digitalid %s\n\n%s\n", synopsis, about)
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprintf(w, "\nFlags (each also read from the environment variable shown):\n")
			fs.VisitAll(func(f *flag.Flag) {
				def := ""
				if f.DefValue != "" && f.DefValue != "false" {
					def = fmt.Sprintf(" (default %s)", f.DefValue)
				}
				fmt.Fprintf(w, "  --%s  [%s]\n      %s%s\n", f.Name, envName(f.Name), f.Usage, def)
			})
		}
		if secrets {
			fmt.Fprintf(w, "\nSecrets, read only from the environment:\n")
			for _, s := range secretEnv {
				fmt.Fprintf(w, "  %s\n      %s\n", s.name, s.help)
			}
		}
	}
}

// osGetenv is the real environment, passed into run so tests can supply theirs.
func osGetenv(k string) string { return os.Getenv(k) }
