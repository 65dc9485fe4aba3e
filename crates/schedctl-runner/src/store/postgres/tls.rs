//! A PostgreSQL URL's `sslmode`, as libpq reads it, on top of the `postgres` client.
//!
//! The client parses `disable`, `prefer` and `require` but not `verify-ca`/`verify-full`, and
//! leaves certificate checks to the TLS connector. libpq's meanings
//! (<https://www.postgresql.org/docs/current/libpq-ssl.html>): `prefer` and `require` encrypt
//! without checking the server's certificate; `verify-full` checks the chain (against
//! `sslrootcert`, else the Mozilla roots) and the host name. `verify-ca` is read as
//! `verify-full` (stricter: rustls always checks the name). TLS is rustls with ring: no system
//! OpenSSL to build against.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres_rustls::MakeRustlsConnect;

/// A URL made ready for the client, and the TLS connector its `sslmode` asks for.
pub(super) struct Prepared {
    /// The URL without the parameters only schedctl reads.
    pub(super) url: String,
    pub(super) tls: MakeRustlsConnect,
}

/// Reads `sslmode` and `sslrootcert` off `url`. An error says what is wrong with the URL.
pub(super) fn prepare(url: &str) -> Result<Prepared, String> {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut kept = Vec::new();
    let mut verify = false;
    let mut root_cert = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "sslmode" => match value {
                "disable" | "prefer" | "require" => kept.push(pair.to_owned()),
                "verify-ca" | "verify-full" => {
                    verify = true;
                    kept.push("sslmode=require".to_owned());
                }
                other => {
                    return Err(format!(
                        "sslmode `{other}` is not one of disable, prefer, require, verify-ca, verify-full"
                    ))
                }
            },
            "sslrootcert" => root_cert = Some(percent_decode(value)),
            _ => kept.push(pair.to_owned()),
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?;
    let config = if verify {
        let mut roots = RootCertStore::empty();
        match &root_cert {
            Some(path) => {
                let pem = std::fs::read(path)
                    .map_err(|e| format!("sslrootcert `{path}` cannot be read: {e}"))?;
                let certs = rustls_pemfile_certs(&pem);
                if certs.is_empty() {
                    return Err(format!("sslrootcert `{path}` holds no PEM certificate"));
                }
                for c in certs {
                    roots
                        .add(c)
                        .map_err(|e| format!("sslrootcert `{path}`: {e}"))?;
                }
            }
            None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        }
        builder.with_root_certificates(roots).with_no_client_auth()
    } else {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(EncryptOnly(provider)))
            .with_no_client_auth()
    };
    let url = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok(Prepared {
        url,
        tls: MakeRustlsConnect::new(config),
    })
}

/// The certificates of a PEM file (the `CERTIFICATE` blocks).
fn rustls_pemfile_certs(pem: &[u8]) -> Vec<CertificateDer<'static>> {
    use rustls::pki_types::pem::PemObject;
    CertificateDer::pem_slice_iter(pem)
        .filter_map(Result::ok)
        .collect()
}

/// `%2F` and friends in a URL parameter.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// libpq's `require`: the connection is encrypted and the handshake's signatures checked, but
/// the server's certificate is not (who it belongs to is not asked).
#[derive(Debug)]
struct EncryptOnly(Arc<CryptoProvider>);

impl ServerCertVerifier for EncryptOnly {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sslmode_is_read_as_libpq_reads_it() {
        let p =
            prepare("postgres://u@h/db?sslmode=verify-full&application_name=x").expect("prepared");
        assert_eq!(
            p.url,
            "postgres://u@h/db?sslmode=require&application_name=x"
        );
        let p = prepare("postgres://u@h/db?sslmode=require").expect("prepared");
        assert_eq!(p.url, "postgres://u@h/db?sslmode=require");
        assert_eq!(
            prepare("postgres://u@h/db").expect("p").url,
            "postgres://u@h/db"
        );
        let e = prepare("postgres://h/db?sslmode=always")
            .err()
            .expect("refused");
        assert!(e.contains("sslmode `always`"), "{e}");
        let e = prepare("postgres://h/db?sslmode=verify-full&sslrootcert=%2Fno%2Fsuch.pem")
            .err()
            .expect("refused");
        assert!(
            e.contains("sslrootcert `/no/such.pem` cannot be read"),
            "{e}"
        );
    }
}
