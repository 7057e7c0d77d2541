//! TLS for `--tls`: a self-signed certificate for the emulator's host names, created once at
//! `<data dir>/tls/cert.pem` with its key at `tls/key.pem` (mode 0600) and reused afterwards, and a
//! rustls acceptor on the aws-lc-rs provider (HTTP/1.1 via ALPN). Never logs key material.

use super::store;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::{ServerConfig, crypto};

/// Loads (or first creates) the certificate and returns its path and an acceptor.
pub fn load_or_create(dir: &Path, hosts: &[String]) -> Result<(PathBuf, TlsAcceptor), String> {
    let cert_path = dir.join("cert.pem");
    let key_path = dir.join("key.pem");
    if !(cert_path.exists() && key_path.exists()) {
        let mut params = rcgen::CertificateParams::new(hosts.to_vec())
            .map_err(|e| format!("cannot build a certificate for {hosts:?}: {e}"))?;
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "amlc emulator");
        let key =
            rcgen::KeyPair::generate().map_err(|e| format!("cannot generate a TLS key: {e}"))?;
        let cert = params
            .self_signed(&key)
            .map_err(|e| format!("cannot sign the TLS certificate: {e}"))?;
        store::ensure_dir(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        store::write_atomic(&key_path, key.serialize_pem().as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", key_path.display()))?;
        store::write_atomic(&cert_path, cert.pem().as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", cert_path.display()))?;
        // The certificate is public; clients of other users may need to read it.
        let _ = std::fs::set_permissions(&cert_path, std::fs::Permissions::from_mode(0o644));
    }
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&cert_path)
        .map_err(|e| format!("cannot read {}: {e}", cert_path.display()))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("cannot parse {}: {e}", cert_path.display()))?;
    let key = PrivateKeyDer::from_pem_file(&key_path)
        .map_err(|e| format!("cannot read the key {}: {e}", key_path.display()))?;
    let mut config =
        ServerConfig::builder_with_provider(Arc::new(crypto::aws_lc_rs::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS setup failed: {e}"))?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .map_err(|e| {
                format!(
                    "the certificate and key in {} do not fit together: {e}",
                    dir.display()
                )
            })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok((cert_path, TlsAcceptor::from(Arc::new(config))))
}
