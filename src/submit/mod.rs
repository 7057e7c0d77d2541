//! Submitting runs from a code folder (issue 11), following `../shared/azureml-api/submit.md`
//! (the wire flow of the official Python SDK): the snapshot of a code folder as the SDK makes it
//! ([`snapshot`]: file selection, content hash, summary) and az ml command job files
//! ([`job_yaml`]: the CLI v2 schema read into a typed job). The submission itself
//! ([`flow`]: plan, then upload and job PUT through `crate::azure`) and the local computer as a
//! target ([`local`]). No terminal code here: the commands and the TUI show the steps.

pub mod flow;
pub mod git;
pub mod job_yaml;
pub mod local;
pub mod snapshot;

/// Lowercase hexadecimal of `bytes` (digests are shown and sent this way).
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Lowercase hexadecimal SHA-256 of `data` (the SDK's `s(x)` of submit.md §3.3).
pub(crate) fn sha256_hex(data: &[u8]) -> String {
    hex(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, data).as_ref())
}
