//! TLS follows libpq's `sslmode` and `sslrootcert` with rustls (no OpenSSL): tokio-postgres
//! knows only disable / prefer / require and no root certificates, so planwise reads those
//! two options itself (`conninfo` resolves them) and verifies the server's certificate.

use super::DbError;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{verify_server_cert_signed_by_trust_anchor, verify_server_name};
use rustls::crypto::{WebPkiSupportedAlgorithms, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use tokio_postgres::config::Host;
use tokio_postgres_rustls::MakeRustlsConnect;

/// libpq's `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SslMode {
    Disable,
    Allow,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl FromStr for SslMode {
    type Err = DbError;

    fn from_str(value: &str) -> Result<SslMode, DbError> {
        Ok(match value {
            "disable" => SslMode::Disable,
            "allow" => SslMode::Allow,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => {
                return Err(DbError::BadUrl(format!(
                    "invalid sslmode \"{value}\" (disable, allow, prefer, require, verify-ca or verify-full)"
                )));
            }
        })
    }
}

impl SslMode {
    /// Why a rejected certificate was checked at all, and against what.
    pub(super) fn verification_hint(self) -> &'static str {
        match self {
            SslMode::VerifyFull => {
                " (sslmode=verify-full: the certificate must chain to sslrootcert, or to the system's roots without it, and name the host)"
            }
            SslMode::VerifyCa => {
                " (sslmode=verify-ca: the certificate must chain to sslrootcert, or to the system's roots without it)"
            }
            SslMode::Require => {
                " (sslmode=require verifies the certificate against a root certificate file when there is one, as libpq does)"
            }
            SslMode::Disable | SslMode::Allow | SslMode::Prefer => "",
        }
    }
}

/// Where the trusted roots come from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Roots {
    /// A PEM file: `sslrootcert=…`, or libpq's default `~/.postgresql/root.crt` if present.
    File(PathBuf),
    /// The system's store: `sslrootcert=system`, or no file at all.
    System,
}

/// How much of the server's certificate is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verify {
    /// Encryption only (libpq's prefer and require): any certificate is taken.
    Nothing,
    /// It chains to a trusted root (verify-ca).
    Chain,
    /// It chains to a trusted root and names the host (verify-full).
    ChainAndName,
}

/// `sslmode` and `sslrootcert` of a connection string, resolved as libpq resolves them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct TlsOptions {
    pub(super) mode: SslMode,
    roots: Roots,
    verify: Verify,
}

impl TlsOptions {
    pub(super) fn resolve(
        mode: Option<&str>,
        root_cert: Option<&str>,
    ) -> Result<TlsOptions, DbError> {
        let explicit_mode = mode.map(SslMode::from_str).transpose()?;
        let (mode, roots, have_root_file) = match root_cert {
            // libpq 16: the system's roots only with host name checks (anyone can get a
            // certificate from a public CA), and verify-full by default.
            Some("system") => match explicit_mode.unwrap_or(SslMode::VerifyFull) {
                SslMode::VerifyFull => (SslMode::VerifyFull, Roots::System, false),
                _ => {
                    return Err(DbError::BadUrl(format!(
                        "sslrootcert=system needs sslmode=verify-full, not {}",
                        mode.unwrap_or_default()
                    )));
                }
            },
            Some(path) => (
                explicit_mode.unwrap_or(SslMode::Prefer),
                Roots::File(PathBuf::from(path)),
                true,
            ),
            None => {
                let mode = explicit_mode.unwrap_or(SslMode::Prefer);
                match default_root_file() {
                    Some(path) => (mode, Roots::File(path), true),
                    None => (mode, Roots::System, false),
                }
            }
        };
        let verify = match mode {
            SslMode::Disable | SslMode::Allow | SslMode::Prefer => Verify::Nothing,
            // libpq: "if a root CA file exists, require behaves like verify-ca".
            SslMode::Require if have_root_file => Verify::Chain,
            SslMode::Require => Verify::Nothing,
            SslMode::VerifyCa => Verify::Chain,
            SslMode::VerifyFull => Verify::ChainAndName,
        };
        Ok(TlsOptions {
            mode,
            roots,
            verify,
        })
    }

    /// tokio-postgres' mode for these hosts: TLS is never tried on a Unix socket (libpq
    /// does not either; the server refuses it there).
    pub(super) fn transport(&self, hosts: &[Host]) -> tokio_postgres::config::SslMode {
        use tokio_postgres::config::SslMode as Transport;
        let unix_only = !hosts.is_empty() && hosts.iter().all(|h| matches!(h, Host::Unix(_)));
        match self.mode {
            _ if unix_only => Transport::Disable,
            SslMode::Disable => Transport::Disable,
            // allow tries plain first and prefer TLS first; both take either, unverified.
            SslMode::Allow | SslMode::Prefer => Transport::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => Transport::Require,
        }
    }

    pub(super) fn connector(&self) -> Result<MakeRustlsConnect, String> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier = ServerCertificate {
            verify: self.verify,
            roots: Arc::new(match self.verify {
                Verify::Nothing => RootCertStore::empty(),
                Verify::Chain | Verify::ChainAndName => self.root_store()?,
            }),
            algorithms: provider.signature_verification_algorithms,
        };
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        Ok(MakeRustlsConnect::new(config))
    }

    fn root_store(&self) -> Result<RootCertStore, String> {
        let mut store = RootCertStore::empty();
        match &self.roots {
            Roots::File(path) => {
                let certificates = CertificateDer::pem_file_iter(path)
                    .and_then(|certificates| certificates.collect::<Result<Vec<_>, _>>())
                    .map_err(|e| format!("cannot read sslrootcert {}: {e}", path.display()))?;
                let (added, _) = store.add_parsable_certificates(certificates);
                if added == 0 {
                    return Err(format!("no certificate in sslrootcert {}", path.display()));
                }
            }
            Roots::System => {
                // Unreadable files of the store are skipped: what matters is the roots found.
                store.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
                if store.is_empty() {
                    return Err(
                        "no system root certificates to verify the server with; give its CA with sslrootcert=…"
                            .to_string(),
                    );
                }
            }
        }
        Ok(store)
    }
}

/// libpq's default root certificate file, if there is one.
fn default_root_file() -> Option<PathBuf> {
    let path = PathBuf::from(std::env::var_os("HOME")?).join(".postgresql/root.crt");
    path.is_file().then_some(path)
}

/// Whether the connection failed because rustls rejected the server's certificate.
pub(super) fn certificate_rejected(error: &tokio_postgres::Error) -> bool {
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let rustls_error = cause
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
            .or_else(|| cause.downcast_ref::<rustls::Error>());
        if let Some(rustls::Error::InvalidCertificate(_)) = rustls_error {
            return true;
        }
        source = cause.source();
    }
    false
}

/// The server certificate check of one `sslmode`. The handshake's signatures are verified
/// in every mode (that is what makes the connection private to the certificate's holder);
/// only whom the certificate belongs to is checked or not.
#[derive(Debug)]
struct ServerCertificate {
    verify: Verify,
    roots: Arc<RootCertStore>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for ServerCertificate {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if self.verify != Verify::Nothing {
            let certificate = ParsedCertificate::try_from(end_entity)?;
            verify_server_cert_signed_by_trust_anchor(
                &certificate,
                &self.roots,
                intermediates,
                now,
                self.algorithms.all,
            )?;
            if self.verify == Verify::ChainAndName {
                verify_server_name(&certificate, server_name)?;
            }
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        certificate: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, certificate, signature, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        certificate: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, certificate, signature, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sslmodes_resolve_as_in_libpq() {
        let resolve = |mode, root| TlsOptions::resolve(mode, root).unwrap();
        let file = Some("/ca.pem");
        assert_eq!(resolve(Some("require"), file).verify, Verify::Chain);
        assert_eq!(resolve(Some("prefer"), file).verify, Verify::Nothing);
        assert_eq!(resolve(Some("disable"), None).verify, Verify::Nothing);
        assert_eq!(
            resolve(Some("verify-full"), file).verify,
            Verify::ChainAndName
        );
        let system = resolve(None, Some("system"));
        assert_eq!(
            (system.mode, system.roots),
            (SslMode::VerifyFull, Roots::System)
        );
        assert!(TlsOptions::resolve(Some("require"), Some("system")).is_err());
        let error = TlsOptions::resolve(Some("verify_full"), None).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("invalid sslmode \"verify_full\"")
        );
    }

    #[test]
    fn unix_sockets_never_negotiate_tls() {
        use tokio_postgres::config::SslMode as Transport;
        let tls = TlsOptions::resolve(Some("require"), None).unwrap();
        let socket = [Host::Unix(PathBuf::from("/var/run/postgresql"))];
        assert_eq!(tls.transport(&socket), Transport::Disable);
        assert_eq!(
            tls.transport(&[Host::Tcp("h".to_string())]),
            Transport::Require
        );
    }
}
