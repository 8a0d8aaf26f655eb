package probe

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
)

// TLSOptions are the TLS settings of one endpoint group.
type TLSOptions struct {
	Enabled    bool
	CAFile     string // PEM bundle to trust instead of the system roots
	CertFile   string // client certificate, for servers with tls-auth-clients
	KeyFile    string
	ServerName string // name to verify instead of the address's host
	SkipVerify bool   // accept any certificate: warned about on screen
}

// Config builds the tls.Config, or nil when TLS is off. Errors name the
// file that could not be used.
func (o TLSOptions) Config() (*tls.Config, error) {
	if !o.Enabled {
		if o.CAFile != "" || o.CertFile != "" || o.KeyFile != "" || o.ServerName != "" || o.SkipVerify {
			return nil, fmt.Errorf("TLS settings given but TLS is off: add --tls for this endpoint group")
		}
		return nil, nil
	}
	c := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: o.ServerName, InsecureSkipVerify: o.SkipVerify}
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("TLS CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("TLS CA file %s: no PEM certificate in it", o.CAFile)
		}
		c.RootCAs = pool
	}
	if (o.CertFile == "") != (o.KeyFile == "") {
		return nil, fmt.Errorf("TLS client certificate and key go together: give both or neither")
	}
	if o.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("TLS client certificate %s / key %s: %w", o.CertFile, o.KeyFile, err)
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return c, nil
}
