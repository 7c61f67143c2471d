package testservers

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// PKI is a test CA, a server certificate it signed for 127.0.0.1 and
// localhost, and a second CA that signed nothing the servers present.
type PKI struct {
	// CAFile and OtherCAFile are PEM files of the two CAs.
	CAFile, OtherCAFile string
	// CAPool holds the CA.
	CAPool *x509.CertPool
	// CertPEM and KeyPEM are the server certificate and its key (PKCS #8),
	// which every server of the package presents.
	CertPEM, KeyPEM []byte
}

// NewPKI makes the certificates, with the CA files in dir. They are valid
// for a day.
func NewPKI(tb testing.TB, dir string) *PKI {
	tb.Helper()
	caCert, caKey := newCA(tb, "refarch test CA")
	otherCert, _ := newCA(tb, "refarch other CA")
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(tb, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(3),
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	require.NoError(tb, err)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(tb, err)
	p := &PKI{
		CAFile:      filepath.Join(dir, "ca.pem"),
		OtherCAFile: filepath.Join(dir, "other-ca.pem"),
		CAPool:      x509.NewCertPool(),
		CertPEM:     pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:      pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
	}
	p.CAPool.AddCert(caCert)
	require.NoError(tb, os.WriteFile(p.CAFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caCert.Raw}), 0o600))
	require.NoError(tb, os.WriteFile(p.OtherCAFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: otherCert.Raw}), 0o600))
	return p
}

// newCA makes a self-signed CA.
func newCA(tb testing.TB, name string) (*x509.Certificate, *ecdsa.PrivateKey) {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(tb, err)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(tb, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(tb, err)
	return cert, key
}

// ClientTLS is a client's TLS configuration trusting the CA (and nothing
// else).
func (p *PKI) ClientTLS() *tls.Config {
	return &tls.Config{RootCAs: p.CAPool, MinVersion: tls.VersionTLS12}
}

// ServerTLS is a server's TLS configuration presenting the certificate,
// for a test's own servers (such as a stand-in load balancer).
func (p *PKI) ServerTLS(tb testing.TB) *tls.Config {
	tb.Helper()
	cert, err := tls.X509KeyPair(p.CertPEM, p.KeyPEM)
	require.NoError(tb, err)
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
}
