//! The headless reading commands on jobs, named as `az ml job` names them: `jobs list` (newest
//! first, `--max-results` 50 by default like `az ml job list`, `--all-results`,
//! `--include-archived`, `--type`) and `jobs show` (the TUI's detail of a job, plus the run's
//! log files by node and rank). Cells and detail sections come from the Jobs tab's kind module
//! (`app::kinds::jobs`), so the table and the TUI say the same; start and end times (hence
//! durations) and a failed job's error come from run history, fetched for the jobs that started
//! (a few at a time; a failure there leaves the cell `-`, never fails the list).
//! Data goes to `out`, the emulator banner to `notes`; JSON is the raw resources as received
//! (secrets masked). No terminal control here: tables are plain text. This computer's local
//! runs (`compute: local`) are listed among the workspace's jobs, newest first, compute
//! `local` (on top of `--max-results`); `show`/`cancel` of a local run are `commands::local`'s.

use super::{render_table, terminal_safe};
use crate::app::TabId;
use crate::app::format;
use crate::app::kinds::{self, DetailCtx, DetailRow, Item, Section};
use crate::azure::AmlClient;
use crate::azure::jobs::JobListOptions;
use crate::azure::models::{Job, JobStatus, RunDetails, redact_json};
use crate::cli::OutputFormat;
use crate::connect::Connection;
use crate::logs::{LogKind, label, log_kind};
use futures::StreamExt;
use std::io::Write;
use std::sync::Arc;

/// Default of `--max-results`, as `az ml job list`.
pub const DEFAULT_MAX_RESULTS: usize = 50;

/// How many run-history reads `jobs list` has in flight at once.
const DETAILS_IN_FLIGHT: usize = 8;

/// What `jobs list` lists.
#[derive(Debug, Clone, Default)]
pub struct ListArgs {
    /// `None`: every job (`--all-results`).
    pub max_results: Option<usize>,
    pub include_archived: bool,
    /// `Command`, `Sweep`, `Pipeline`, ... (the service's `jobType` filter).
    pub job_type: Option<String>,
}

fn now_ms() -> i64 {
    super::now_ms()
}

/// Attaches run history's details to the jobs that started (start, end, error), a few
/// requests at a time; a queued job has no times to show. A job whose details cannot be read
/// keeps none.
async fn attach_run_details(client: &AmlClient, jobs: &mut [Job]) {
    let wanted: Vec<(usize, String)> = jobs
        .iter()
        .enumerate()
        .filter(|(_, j)| {
            j.status().is_some_and(|s| {
                s.is_terminal() || matches!(s, JobStatus::Running | JobStatus::Finalizing)
            })
        })
        .filter_map(|(i, j)| j.name.clone().map(|n| (i, n)))
        .collect();
    let found: Vec<(usize, Option<RunDetails>)> = futures::stream::iter(wanted)
        .map(|(i, name)| async move { (i, client.run_details(&name).await.ok()) })
        .buffer_unordered(DETAILS_IN_FLIGHT)
        .collect()
        .await;
    for (i, details) in found {
        if let (Some(job), Some(details)) = (jobs.get_mut(i), details) {
            job.run_details = Some(Arc::new(details));
        }
    }
}

/// The Jobs tab's cell of `job` under the column titled `title` (`-` when there is none).
fn cell(job: &Job, title: &str, now: i64) -> String {
    let kind = kinds::kind(TabId::Jobs);
    kind.columns()
        .iter()
        .position(|c| c.title == title)
        .map(|i| kind.cell(Item::Job(job), i, now).text())
        .unwrap_or_else(|| "-".into())
}

/// Rows of the list table: name, display name, status (with a failed job's error code),
/// experiment, compute, created (UTC), duration (run time from run history).
pub fn job_rows(jobs: &[Job], now: i64) -> Vec<[String; 7]> {
    jobs.iter()
        .map(|j| {
            [
                j.name.clone().unwrap_or_else(|| "?".into()),
                cell(j, "DISPLAY NAME", now),
                cell(j, "STATUS", now),
                cell(j, "EXPERIMENT", now),
                cell(j, "COMPUTE", now),
                kinds::jobs::created_ms(j)
                    .map(format::utc_timestamp)
                    .unwrap_or_else(|| "-".into()),
                kinds::jobs::duration_ms(j, now)
                    .map(format::duration)
                    .unwrap_or_else(|| "-".into()),
            ]
        })
        .collect()
}

/// `amlc jobs list`.
pub async fn list(
    conn: &Connection,
    args: &ListArgs,
    output: OutputFormat,
    out: &mut dyn Write,
    notes: &mut dyn Write,
) -> color_eyre::Result<()> {
    if let Some(banner) = conn.banner() {
        writeln!(notes, "{banner}")?;
    }
    let options = JobListOptions {
        job_type: args.job_type.clone(),
        tag: None,
        list_view_type: args.include_archived.then(|| "All".to_string()),
        max_results: args.max_results,
    };
    let mut jobs = conn.client.list_jobs(&options).await?;
    // This computer's local runs (compute `local`), newest first among the workspace's.
    let local = super::local::local_jobs();
    match output {
        OutputFormat::Json => {
            crate::submit::local::merge_jobs(&mut jobs, local);
            let items: Vec<serde_json::Value> = jobs.iter().map(|j| redact_json(&j.raw)).collect();
            serde_json::to_writer_pretty(&mut *out, &items)?;
            writeln!(out)?;
        }
        OutputFormat::Table => {
            attach_run_details(&conn.client, &mut jobs).await;
            crate::submit::local::merge_jobs(&mut jobs, local);
            out.write_all(
                render_table(
                    [
                        "NAME",
                        "DISPLAY NAME",
                        "STATUS",
                        "EXPERIMENT",
                        "COMPUTE",
                        "CREATED",
                        "DURATION",
                    ],
                    &job_rows(&jobs, now_ms()),
                )
                .as_bytes(),
            )?;
        }
    }
    out.flush()?;
    Ok(())
}

/// The run's log files, grouped: user logs by node and rank, then the others.
pub fn log_file_section(details: &RunDetails) -> Section {
    let mut s = Section::new("Log files");
    if details.log_files.is_empty() {
        s.rows.push(DetailRow::Text {
            text: "none yet".into(),
            tone: crate::app::text::Tone::Muted,
        });
        return s;
    }
    let order = |n: &str| match log_kind(n) {
        LogKind::Rank { rank, node } => (0, node.unwrap_or(0), rank),
        LogKind::User => (1, 0, 0),
        LogKind::System => (2, 0, 0),
    };
    let mut names: Vec<&String> = details.log_files.keys().collect();
    names.sort_by_key(|n| (order(n), (*n).clone()));
    for name in names {
        let key = match log_kind(name) {
            LogKind::Rank { .. } => label(name),
            LogKind::User => "user".into(),
            LogKind::System => "system".into(),
        };
        s.rows.push(DetailRow::Field {
            key,
            value: name.clone(),
            tone: crate::app::text::Tone::Normal,
        });
    }
    s
}

/// Writes detail sections as plain text: a title per section, `key  value` rows aligned, and a
/// value that spans lines (a command) kept on its own lines, indented, with its breaks intact.
pub fn write_sections(out: &mut dyn Write, sections: &[Section]) -> std::io::Result<()> {
    for (n, section) in sections.iter().enumerate() {
        if n > 0 {
            writeln!(out)?;
        }
        writeln!(out, "{}", terminal_safe(&section.title))?;
        let width = section
            .rows
            .iter()
            .filter_map(|r| match r {
                DetailRow::Field { key, .. } => Some(crate::app::text::width(key)),
                _ => None,
            })
            .max()
            .unwrap_or(0)
            .min(28);
        for row in &section.rows {
            match row {
                DetailRow::Field { key, value, .. } => {
                    let key = terminal_safe(key);
                    let value = value.trim_end_matches(['\n', '\r']);
                    if value.contains('\n') {
                        writeln!(out, "  {key}:")?;
                        for line in value.lines() {
                            writeln!(out, "    {}", terminal_safe(line.trim_end_matches('\r')))?;
                        }
                    } else {
                        let padded = crate::app::text::padded(&key, width, 2);
                        writeln!(out, "  {}{}", padded, terminal_safe(value).trim_end())?;
                    }
                }
                DetailRow::Text { text, .. } => {
                    for line in text.lines() {
                        writeln!(out, "  {}", terminal_safe(line))?;
                    }
                }
                DetailRow::Table { header, rows } => {
                    let mut table = vec![header.iter().map(|h| terminal_safe(h)).collect()];
                    table.extend(rows.iter().map(|r| {
                        r.iter()
                            .map(|(t, _)| terminal_safe(t))
                            .collect::<Vec<String>>()
                    }));
                    let cols = table.iter().map(Vec::len).max().unwrap_or(0);
                    let widths: Vec<usize> = (0..cols)
                        .map(|c| {
                            table
                                .iter()
                                .filter_map(|r| r.get(c))
                                .map(|t| crate::app::text::width(t))
                                .max()
                                .unwrap_or(0)
                        })
                        .collect();
                    for row in &table {
                        let mut line = String::from("  ");
                        for (c, text) in row.iter().enumerate() {
                            line.push_str(&crate::app::text::padded(text, widths[c], 2));
                        }
                        writeln!(out, "{}", line.trim_end())?;
                    }
                }
            }
        }
    }
    Ok(())
}

/// `amlc jobs show NAME`: the job's detail and its log files (table), or the job as received
/// (JSON).
pub async fn show(
    conn: &Connection,
    name: &str,
    output: OutputFormat,
    out: &mut dyn Write,
    notes: &mut dyn Write,
) -> color_eyre::Result<()> {
    if let Some(banner) = conn.banner() {
        writeln!(notes, "{banner}")?;
    }
    let mut job = conn.client.get_job(name).await?;
    match output {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &redact_json(&job.raw))?;
            writeln!(out)?;
        }
        OutputFormat::Table => {
            // Run history says when it ran, why it failed, its warnings and its log files; a
            // job without one (not submitted to a run yet) shows what the job itself says.
            let details = match conn.client.run_details(name).await {
                Ok(details) => Some(Arc::new(details)),
                Err(e) => {
                    writeln!(
                        notes,
                        "amlc: run history of {} could not be read: {}",
                        terminal_safe(name),
                        super::with_advice(&e)
                    )?;
                    None
                }
            };
            job.run_details = details.clone();
            let ctx = DetailCtx {
                now_ms: now_ms(),
                nodes: None,
            };
            let mut sections = kinds::kind(TabId::Jobs).detail(Item::Job(&job), &ctx);
            if let Some(details) = &details {
                let warnings = details.warning_messages();
                if !warnings.is_empty() && !has_warnings(&sections) {
                    let mut w = Section::new("Warnings");
                    for m in warnings {
                        w.rows.push(DetailRow::Text {
                            text: m.to_string(),
                            tone: crate::app::text::Tone::Warning,
                        });
                    }
                    sections.push(w);
                }
                sections.push(log_file_section(details));
            }
            write_sections(out, &sections)?;
        }
    }
    out.flush()?;
    Ok(())
}

/// Whether the detail already lists the run's warnings (the Error section carries them).
fn has_warnings(sections: &[Section]) -> bool {
    sections.iter().any(|s| {
        s.rows.iter().any(|r| match r {
            DetailRow::Text { text, .. } => text.starts_with("warning: "),
            _ => false,
        }) || s.title == "Warnings"
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_line_values_keep_their_breaks() {
        let mut s = Section::new("Command and environment");
        s.rows.push(DetailRow::Field {
            key: "Command".into(),
            value: "python train.py \\\n  --epochs 3\n".into(),
            tone: crate::app::text::Tone::Normal,
        });
        s.rows.push(DetailRow::Field {
            key: "Environment".into(),
            value: "azureml:sh:1".into(),
            tone: crate::app::text::Tone::Normal,
        });
        let mut out = Vec::new();
        write_sections(&mut out, &[s]).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "Command and environment\n  Command:\n    python train.py \\\n      --epochs 3\n  Environment  azureml:sh:1\n"
        );
    }
}
