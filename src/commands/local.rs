//! Headless side of the local target (`compute: local`): start a local run of a submission plan
//! and, when asked, print its log until it ends, with the exit code `amlc logs --follow` uses.
//!
//! CORE STUB written by the lead (contract between the `jobs create|submit` command and the
//! local target); the helper owning `submit::local` fills it in.

use crate::submit::flow::Plan;
use std::io::Write;
use std::process::ExitCode;

/// Starts `plan` on this machine (`submit::local::LocalRuns`), says where it runs on `notes`,
/// prints the job's name on `out`, and with `stream` follows its log to the end.
pub async fn run_local(
    plan: &Plan,
    stream: bool,
    out: &mut dyn Write,
    notes: &mut dyn Write,
) -> color_eyre::Result<ExitCode> {
    let _ = (plan, stream, out);
    writeln!(notes, "amlc: local runs are not built yet")?;
    Ok(ExitCode::from(2))
}
