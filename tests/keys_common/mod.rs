//! Synthetic SSH key files for tests (no real key material): an OpenSSH private key file of a
//! given cipher and kdf (`none`/`none` is a key without a passphrase), and the base64 it needs.
#![allow(dead_code)]

pub fn b64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            out.push(if i <= chunk.len() {
                A[((n >> (18 - 6 * i)) & 63) as usize] as char
            } else {
                '='
            });
        }
    }
    out
}

pub fn openssh_key(cipher: &str, kdf: &str) -> String {
    let s = |b: &[u8]| {
        let mut v = (b.len() as u32).to_be_bytes().to_vec();
        v.extend_from_slice(b);
        v
    };
    let mut blob = b"openssh-key-v1\0".to_vec();
    blob.extend(s(cipher.as_bytes()));
    blob.extend(s(kdf.as_bytes()));
    blob.extend(s(b""));
    blob.extend(1u32.to_be_bytes());
    blob.extend(s(b"test public key"));
    blob.extend(s(b"TESTKEYMATERIAL-not-a-real-key-0123456789"));
    format!(
        "-----BEGIN OPENSSH PRIVATE KEY-----\n{}\n-----END OPENSSH PRIVATE KEY-----\n",
        b64(&blob)
    )
}

/// A key without a passphrase: what Azure ML can use.
pub fn unencrypted_key() -> String {
    openssh_key("none", "none")
}
