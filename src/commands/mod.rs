//! Headless commands on the same client as the TUI: `computes list`, `computes show`, `doctor`;
//! the action commands (`computes start`, `jobs cancel`, ...) live in [`actions`], `computes
//! create|attach -f FILE.yml` in [`create`], `jobs list|show` in [`jobs`], `logs` and `jobs
//! stream` in [`logs`], `computes list-sizes|list-usage` in [`sizes`], `computes list-cost` in [`cost`],
//! `config init|path` in [`config`], `completions` and `man` in [`completions`], `jobs
//! create|submit` (submitting command jobs) in [`submit`].
//! Data goes to the writer given (stdout in `main`) and nothing else does: notes such as the
//! emulator banner go to the `notes` writer (stderr). Tables are plain text, JSON is the raw ARM
//! resources as received (secrets masked where the service returns any). `--type` and the detail
//! of `computes show` come from the TUI's per-kind modules (`app::kinds`): tab membership and
//! detail sections are defined once. A reader that closes the pipe early ends the command
//! quietly ([`DataOut`]). `doctor` says which context case applies (see `config::ContextCase`)
//! and never reports success for a target the user did not ask for.

pub mod actions;
pub mod completions;
pub mod config;
pub mod cost;
pub mod create;
pub mod jobs;
pub mod local;
pub mod logs;
mod progress;
pub mod sizes;
pub mod submit;

use crate::app::kinds::{self, DetailCtx, Item, KindFilter, NodesView, compute_tab};
use crate::app::{TabId, text, views};
use crate::azure::AmlClient;
use crate::azure::error::{AzureError, ErrorKind};
use crate::azure::models::{ComputeResource, ComputeType, redact_json};
use crate::cli::{GlobalArgs, OutputFormat};
use crate::connect::{self, Connection, Plan};
use std::io::Write;

/// The writer of a command's data: remembers that the reader closed the pipe (EPIPE), so the
/// caller can end quietly with success instead of reporting `Broken pipe`.
pub struct DataOut<W: Write> {
    inner: W,
    closed: bool,
}

impl<W: Write> DataOut<W> {
    pub fn new(inner: W) -> Self {
        DataOut {
            inner,
            closed: false,
        }
    }

    /// Whether a write found the pipe closed by its reader.
    pub fn closed(&self) -> bool {
        self.closed
    }

    fn note<T>(&mut self, result: std::io::Result<T>) -> std::io::Result<T> {
        if let Err(e) = &result
            && e.kind() == std::io::ErrorKind::BrokenPipe
        {
            self.closed = true;
        }
        result
    }
}

impl<W: Write> Write for DataOut<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let result = self.inner.write(buf);
        self.note(result)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let result = self.inner.flush();
        self.note(result)
    }
}

/// What to do about a failed request, in a few words (`None` when there is nothing to add).
pub fn advice(error: &AzureError) -> Option<String> {
    match error.kind() {
        // A credential failure already says what to do for its token source; a bad input or
        // an undecodable answer has nothing more to say than its message.
        ErrorKind::Auth if error.status().is_none() => None,
        ErrorKind::Invalid | ErrorKind::Other => None,
        _ => Some(error.hint()),
    }
}

/// The error text followed by its advice, if any.
pub fn with_advice(error: &AzureError) -> String {
    match advice(error) {
        Some(a) => format!("{error} — {a}"),
        None => error.to_string(),
    }
}

/// The compute type of a raw resource.
fn raw_type(raw: &serde_json::Value) -> ComputeType {
    ComputeType::parse(
        raw.pointer("/properties/computeType")
            .and_then(|v| v.as_str())
            .unwrap_or(""),
    )
}

/// Rows of the list table: name, type, state, size.
pub fn compute_rows(computes: &[ComputeResource]) -> Vec<[String; 4]> {
    computes
        .iter()
        .map(|c| {
            [
                c.name.clone().unwrap_or_else(|| "?".into()),
                c.type_name(),
                c.display_state(),
                c.vm_size().unwrap_or_else(|| "-".into()),
            ]
        })
        .collect()
}

/// Left-aligned columns separated by two spaces; control characters from the service are dropped.
pub fn render_table<const N: usize>(header: [&str; N], rows: &[[String; N]]) -> String {
    // One line per row: newlines, tabs and other controls show as markers (never deleted,
    // never sent raw), and columns are padded by display width (wide characters count two).
    let clean = |s: &str| -> String { text::one_line(s).into_owned() };
    let rows: Vec<[String; N]> = rows.iter().map(|r| r.clone().map(|c| clean(&c))).collect();
    let mut widths = header.map(text::width);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row.iter()) {
            *w = (*w).max(text::width(cell));
        }
    }
    let mut out = String::new();
    let mut line = |cells: Vec<&str>| {
        let mut text = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths.iter()).enumerate() {
            if i + 1 == N {
                text.push_str(cell);
            } else {
                text.push_str(&crate::app::text::padded(cell, *w, 2));
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(header.to_vec());
    for row in &rows {
        line(row.iter().map(String::as_str).collect());
    }
    out
}

/// `amlc computes list`: data to `out`, the emulator banner to `notes`.
pub async fn computes_list(
    conn: &Connection,
    kind: Option<&KindFilter>,
    output: OutputFormat,
    out: &mut dyn Write,
    notes: &mut dyn Write,
) -> color_eyre::Result<()> {
    let client = &conn.client;
    if let Some(banner) = conn.banner() {
        writeln!(notes, "{banner}")?;
    }
    match output {
        OutputFormat::Json => {
            let raw = client.list_computes_raw().await?;
            let items: Vec<serde_json::Value> = raw
                .iter()
                .filter(|r| kind.is_none_or(|k| k.matches(&raw_type(r))))
                .map(redact_json)
                .collect();
            serde_json::to_writer_pretty(&mut *out, &items)?;
            writeln!(out)?;
        }
        OutputFormat::Table => {
            let mut computes = client.list_computes().await?;
            if let Some(k) = kind {
                computes.retain(|c| k.matches(c.compute_type()));
            }
            computes.sort_by(|a, b| a.name.cmp(&b.name));
            out.write_all(
                render_table(["NAME", "TYPE", "STATE", "SIZE"], &compute_rows(&computes))
                    .as_bytes(),
            )?;
        }
    }
    out.flush()?;
    Ok(())
}

/// Milliseconds since the Unix epoch, for ages in the detail.
fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Makes a line safe for a terminal: tabs become spaces, other control characters are shown
/// escaped (`\u{1b}`), never sent raw.
pub(crate) fn terminal_safe(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    for c in line.chars() {
        match c {
            '\t' => out.push_str("    "),
            c if c.is_control() => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out
}

/// The detail of a compute as the TUI's detail view shows it: its kind's sections, one line
/// each, unwrapped (a cluster's nodes are listed as the view lists them).
pub async fn compute_detail_lines(conn: &Connection, compute: &ComputeResource) -> Vec<String> {
    let tab = compute_tab(compute.compute_type());
    let nodes = match compute.name.as_deref() {
        Some(name) if tab == TabId::Clusters => Some(match conn.client.list_nodes(name).await {
            Ok(list) => NodesView::Loaded(list),
            Err(e) => NodesView::Failed {
                error: e.to_string(),
                last: None,
            },
        }),
        _ => None,
    };
    let ctx = DetailCtx {
        now_ms: now_ms(),
        nodes: nodes.as_ref(),
    };
    let sections = kinds::kind(tab).detail(Item::Compute(compute), &ctx);
    views::section_doc(&sections)
        .wrapped(usize::MAX / 4)
        .iter()
        .flat_map(|line| {
            line.text()
                .lines()
                .map(|l| terminal_safe(l.trim_end()))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// `amlc computes show NAME`: data to `out`, the emulator banner to `notes`.
pub async fn computes_show(
    conn: &Connection,
    name: &str,
    output: OutputFormat,
    out: &mut dyn Write,
    notes: &mut dyn Write,
) -> color_eyre::Result<()> {
    if let Some(banner) = conn.banner() {
        writeln!(notes, "{banner}")?;
    }
    let compute = conn.client.get_compute(name).await?;
    match output {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &redact_json(&compute.raw))?;
            writeln!(out)?;
        }
        OutputFormat::Table => {
            for line in compute_detail_lines(conn, &compute).await {
                writeln!(out, "{line}")?;
            }
        }
    }
    out.flush()?;
    Ok(())
}

/// One check of `amlc doctor`.
struct Check {
    ok: bool,
    what: String,
    detail: String,
}

impl Check {
    fn new(ok: bool, what: &str, detail: impl Into<String>) -> Check {
        Check {
            ok,
            what: what.into(),
            detail: detail.into(),
        }
    }
}

fn write_context(out: &mut dyn Write, sources: &[(String, String, String)]) -> std::io::Result<()> {
    writeln!(out, "Context")?;
    let rows: Vec<[String; 3]> = sources
        .iter()
        .map(|(field, value, source)| [field.clone(), value.clone(), source.clone()])
        .collect();
    for line in render_table(["SETTING", "VALUE", "FROM"], &rows).lines() {
        writeln!(out, "  {line}")?;
    }
    Ok(())
}

fn write_checks(out: &mut dyn Write, checks: &[Check]) -> std::io::Result<()> {
    writeln!(out, "Checks")?;
    for c in checks {
        let mut lines = c.detail.lines();
        writeln!(
            out,
            "  [{}] {:<10} {}",
            if c.ok { " ok " } else { "FAIL" },
            c.what,
            lines.next().unwrap_or("")
        )?;
        for more in lines {
            writeln!(out, "  {:<17} {more}", "")?;
        }
    }
    Ok(())
}

/// `amlc doctor`: which context case applies and why, the resolved context and where each value
/// came from, then the checks that case allows (token and expiry, ARM, discovery; the
/// workspaces an ambient login could pick). Returns whether every check passed; an incomplete
/// context or an unpicked workspace never passes, and nothing is sent for an incomplete one.
pub async fn doctor(global: &GlobalArgs, out: &mut dyn Write) -> color_eyre::Result<bool> {
    let (resolved, plan) = match connect::plan(global) {
        Ok(found) => found,
        Err(e) => {
            writeln!(out, "Case: the context cannot be read")?;
            write_checks(out, &[Check::new(false, "context", e.to_string())])?;
            writeln!(out, "Some checks failed.")?;
            return Ok(false);
        }
    };
    match plan {
        Plan::Incomplete(message) => {
            writeln!(
                out,
                "Case: incomplete Azure context — values given explicitly do not name a workspace; nothing was sent"
            )?;
            write_context(out, &resolved.describe_sources())?;
            write_checks(out, &[Check::new(false, "context", message)])?;
            writeln!(out, "Some checks failed.")?;
            Ok(false)
        }
        Plan::PickWorkspace(login) => {
            writeln!(
                out,
                "Case: ambient login only — {}; amlc does not guess a workspace",
                connect::describe_ambient(&login)
            )?;
            write_context(out, &resolved.describe_sources())?;
            let mut checks = Vec::new();
            match connect::list_ambient_workspaces(global, &login).await {
                Ok(list) if list.is_empty() => checks.push(Check::new(
                    false,
                    "workspaces",
                    "none: there is no Azure ML workspace to pick in this subscription",
                )),
                Ok(list) => checks.push(Check::new(
                    true,
                    "workspaces",
                    format!(
                        "{} to pick from:\n{}",
                        list.len(),
                        connect::workspace_table(&list).trim_end()
                    ),
                )),
                Err(e) => checks.push(Check::new(
                    false,
                    "workspaces",
                    format!("cannot list them: {}", with_advice(&e)),
                )),
            }
            checks.push(Check::new(
                false,
                "workspace",
                "none chosen: pick one with `-g RESOURCE_GROUP -w NAME`, or `az configure --defaults group=RESOURCE_GROUP workspace=NAME`",
            ));
            write_checks(out, &checks)?;
            writeln!(out, "Some checks failed.")?;
            Ok(false)
        }
        Plan::Emulator { requested } => {
            writeln!(
                out,
                "Case: built-in emulator (demo workspace, not Azure) — {}",
                if requested {
                    "--emulator was given"
                } else {
                    "no Azure context is configured at all (no flags, environment, Azure CLI login or config profile)"
                }
            )?;
            doctor_connected(global, out, true).await
        }
        Plan::Azure(ctx) => {
            writeln!(
                out,
                "Case: complete Azure context — workspace {} in resource group {} of subscription {}",
                ctx.workspace, ctx.resource_group, ctx.subscription
            )?;
            doctor_connected(global, out, false).await
        }
    }
}

/// The checks of a connected target: token, ARM (the workspace) and discovery.
async fn doctor_connected(
    global: &GlobalArgs,
    out: &mut dyn Write,
    emulator: bool,
) -> color_eyre::Result<bool> {
    let conn = match connect::connect(global).await {
        Ok(conn) => conn,
        Err(e) => {
            write_checks(out, &[Check::new(false, "setup", with_advice(&e))])?;
            writeln!(out, "Some checks failed.")?;
            return Ok(false);
        }
    };
    let result = doctor_checks(&conn, out, emulator).await;
    conn.close().await;
    result
}

async fn doctor_checks(
    conn: &Connection,
    out: &mut dyn Write,
    emulator: bool,
) -> color_eyre::Result<bool> {
    write_context(out, &conn.sources)?;
    let mut checks = Vec::new();
    match conn.credential_check().await {
        Ok((source, expires)) => checks.push(Check::new(
            true,
            "token",
            format!("{source}; expires {expires}"),
        )),
        Err(e) => checks.push(Check::new(false, "token", with_advice(&e))),
    }
    let client: &AmlClient = &conn.client;
    let started = std::time::Instant::now();
    match client.get_workspace().await {
        Ok(ws) => {
            checks.push(Check::new(
                true,
                "ARM",
                format!(
                    "workspace {} found in {} ({} ms)",
                    ws.name.clone().unwrap_or_default(),
                    ws.location.clone().unwrap_or_else(|| "?".into()),
                    started.elapsed().as_millis()
                ),
            ));
            match client.discovery_url().await {
                Ok(url) => {
                    let started = std::time::Instant::now();
                    match client.get_discovery(&url).await {
                        Ok(doc) => checks.push(Check::new(
                            doc.api().is_some(),
                            "discovery",
                            match doc.api() {
                                Some(api) => format!(
                                    "{url} → api {api} ({} ms)",
                                    started.elapsed().as_millis()
                                ),
                                None => format!("{url} answered without an \"api\" entry"),
                            },
                        )),
                        Err(e) => checks.push(Check::new(false, "discovery", with_advice(&e))),
                    }
                }
                Err(e) => checks.push(Check::new(false, "discovery", with_advice(&e))),
            }
        }
        Err(e) => {
            checks.push(Check::new(false, "ARM", with_advice(&e)));
            checks.push(Check::new(
                false,
                "discovery",
                "skipped: the workspace could not be read",
            ));
        }
    }
    write_checks(out, &checks)?;
    writeln!(out, "api-version {}", client.context().api_version)?;
    let all_ok = checks.iter().all(|c| c.ok);
    writeln!(
        out,
        "{}",
        match (all_ok, emulator) {
            (true, false) => "All checks passed.",
            (true, true) => "All checks passed against the built-in emulator (not Azure).",
            (false, _) => "Some checks failed.",
        }
    )?;
    Ok(all_ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 7: controls are shown as markers (an ESC reads `^[`), never deleted or sent raw.
    #[test]
    fn table_aligns_and_shows_control_characters() {
        let rows = vec![
            ["a".to_string(), "ComputeInstance".to_string()],
            ["long-name\u{1b}[2J".to_string(), "X".to_string()],
        ];
        let text = render_table(["NAME", "TYPE"], &rows);
        assert_eq!(
            text,
            "NAME            TYPE\na               ComputeInstance\nlong-name^[[2J  X\n"
        );
    }

    #[test]
    fn control_characters_are_made_visible() {
        assert_eq!(terminal_safe("a\tb\u{1b}[2Jc"), "a    b\\u{1b}[2Jc");
    }

    #[test]
    fn data_out_remembers_a_closed_pipe() {
        struct Closed;
        impl Write for Closed {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut out = DataOut::new(Closed);
        assert!(!out.closed());
        assert!(writeln!(out, "x").is_err());
        assert!(out.closed());
    }
}
