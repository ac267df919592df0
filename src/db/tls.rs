//! TLS follows libpq's `sslmode` and `sslrootcert` with rustls (no OpenSSL): tokio-postgres
//! knows only disable / prefer / require and no root certificates, so planwise takes those
//! two options out of the connection string and verifies the server's certificate itself.

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
    fn resolve(mode: Option<&str>, root_cert: Option<&str>) -> Result<TlsOptions, DbError> {
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

/// Takes `sslmode` and `sslrootcert` out of a URL's query or a `key=value` string (the last
/// one wins, as in libpq) and gives back the rest for tokio-postgres, which would reject
/// `sslrootcert` and the verify modes.
pub(super) fn take_tls_options(url: &str) -> Result<(String, TlsOptions), DbError> {
    let (rest, taken) = take_from_url(url)
        .or_else(|| take_from_key_values(url))
        // Not understood here: tokio-postgres says what is wrong with it.
        .unwrap_or_else(|| (url.to_string(), Vec::new()));
    let last = |key: &str| {
        taken
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    let options = TlsOptions::resolve(last("sslmode"), last("sslrootcert"))?;
    Ok((rest, options))
}

fn is_tls_option(key: &str) -> bool {
    key == "sslmode" || key == "sslrootcert"
}

/// `postgres://…?sslmode=verify-full&sslrootcert=/path`. `None` when not a URL.
fn take_from_url(url: &str) -> Option<(String, Vec<(String, String)>)> {
    let scheme = ["postgres://", "postgresql://"]
        .into_iter()
        .find(|scheme| url.starts_with(scheme))?;
    // Where tokio-postgres looks for the query: after the credentials, which end at the
    // first '@' (a password may hold a '?').
    let from = url[scheme.len()..]
        .find('@')
        .map_or(scheme.len(), |at| scheme.len() + at + 1);
    let Some(question) = url[from..].find('?').map(|q| from + q) else {
        return Some((url.to_string(), Vec::new()));
    };
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    let mut kept = Vec::new();
    let mut taken = Vec::new();
    for pair in url[question + 1..].split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = decode(key);
        if is_tls_option(&key) {
            taken.push((key, decode(value)));
        } else {
            kept.push(pair);
        }
    }
    let mut rest = url[..question].to_string();
    if !kept.is_empty() {
        rest.push('?');
        rest.push_str(&kept.join("&"));
    }
    Some((rest, taken))
}

/// `host=h sslmode='verify-full' …`, read with the rules tokio-postgres (and libpq) read it
/// with: optional spaces around `=`, values quoted with `'` or not, `\` escapes. `None`
/// when it does not read.
fn take_from_key_values(text: &str) -> Option<(String, Vec<(String, String)>)> {
    let mut chars = text.char_indices().peekable();
    let mut kept = Vec::new();
    let mut taken = Vec::new();
    loop {
        while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
        let Some(&(start, _)) = chars.peek() else {
            break;
        };
        let mut key = String::new();
        while let Some((_, c)) = chars.next_if(|(_, c)| !c.is_whitespace() && *c != '=') {
            key.push(c);
        }
        while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
        if key.is_empty() || chars.next_if(|(_, c)| *c == '=').is_none() {
            return None;
        }
        while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
        let quoted = chars.next_if(|(_, c)| *c == '\'').is_some();
        let mut value = String::new();
        let mut closed = !quoted;
        let mut end = text.len();
        while let Some((at, c)) = chars.next() {
            match c {
                '\\' => value.extend(chars.next().map(|(_, escaped)| escaped)),
                '\'' if quoted => {
                    closed = true;
                    end = at + 1;
                    break;
                }
                c if c.is_whitespace() && !quoted => {
                    end = at;
                    break;
                }
                c => value.push(c),
            }
        }
        if !closed {
            return None;
        }
        if is_tls_option(&key) {
            taken.push((key, value));
        } else {
            kept.push(&text[start..end]);
        }
    }
    Some((kept.join(" "), taken))
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
    use tokio_postgres::config::Config;

    fn taken(url: &str) -> (String, TlsOptions) {
        take_tls_options(url).unwrap()
    }

    #[test]
    fn tls_options_leave_urls_for_tokio_postgres() {
        let (rest, tls) = taken(
            "postgres://u:p%3Fw@h:5/db?application_name=x&sslmode=verify-full&sslrootcert=%2Fca%20dir%2Froot.pem",
        );
        assert_eq!(rest, "postgres://u:p%3Fw@h:5/db?application_name=x");
        assert_eq!(tls.mode, SslMode::VerifyFull);
        assert_eq!(tls.roots, Roots::File(PathBuf::from("/ca dir/root.pem")));
        assert_eq!(tls.verify, Verify::ChainAndName);
        assert!(Config::from_str(&rest).is_ok());

        // The query is after the credentials, whatever they hold.
        let (rest, tls) = taken("postgresql://u:a?b@h/db?sslmode=require");
        assert_eq!(rest, "postgresql://u:a?b@h/db");
        assert_eq!(tls.mode, SslMode::Require);

        let (rest, _) = taken("postgres://h/db");
        assert_eq!(rest, "postgres://h/db");
    }

    #[test]
    fn tls_options_leave_key_values_for_tokio_postgres() {
        let (rest, tls) = taken(
            r"host=h sslmode = 'verify-ca' password='it\'s x' sslrootcert=/a\ b.pem dbname=d\ ",
        );
        assert_eq!(rest, r"host=h password='it\'s x' dbname=d\ ");
        let config = Config::from_str(&rest).unwrap();
        assert_eq!(config.get_password(), Some(&b"it's x"[..]));
        assert_eq!(config.get_dbname(), Some("d "));
        assert_eq!(tls.mode, SslMode::VerifyCa);
        assert_eq!(tls.roots, Roots::File(PathBuf::from("/a b.pem")));
        assert_eq!(tls.verify, Verify::Chain);
        // The last one wins, as in libpq.
        let (_, tls) = taken("host=h sslmode=require sslmode=disable");
        assert_eq!(tls.mode, SslMode::Disable);
        // Unreadable strings go to tokio-postgres unchanged, for its error message.
        let (rest, _) = taken("host=h sslmode='verify-full");
        assert_eq!(rest, "host=h sslmode='verify-full");
    }

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
