//! The headless action commands, mirroring `az ml compute` / `az ml job`: `computes
//! start|stop|restart|delete|detach|update|set-idle-shutdown|keys|list-nodes` and `jobs
//! cancel|archive|restore`. Every action leaves through [`crate::actions::send`] (the one send
//! path; never the client's action methods directly); this module owns what surrounds it on a
//! command line: usage checks, `--read-only` refusals, confirmation of a delete or a detach,
//! following the operation to its end (a live progress line on a terminal, one line per state
//! change otherwise, Ctrl-C stops waiting) and the exit code.
//!
//! Exit codes: 0 done; 1 the request or the operation failed, or was refused (`--read-only`,
//! a declined confirmation); 2 usage (a value out of range, a delete or detach off a terminal
//! without `--yes`); 130 Ctrl-C while waiting (the operation goes on in Azure). Data (`-o
//! json`) goes to `out`; messages and progress go to `notes` (stderr). Errors of the service are
//! returned to `main`, which prints them on one line, cause first, with `commands::advice`.
//! Secrets (keys) are masked unless `--show-secrets`.

use super::progress::ProgressLine;
use super::{render_table, terminal_safe};
use crate::actions::{self, ActionId, ActionParams, ActionRequest, ScaleRequest, Sent};
use crate::azure::computes::iso_duration_secs;
use crate::azure::error::AzureError;
use crate::azure::lro::{LroProgress, Operation, WaitOptions};
use crate::azure::models::{ComputeResource, redact_json};
use crate::cli::{GlobalArgs, OutputFormat};
use crate::connect::{self, Connection};
use serde_json::Value;
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Exit code of a usage error.
pub const EXIT_USAGE: u8 = 2;
/// Exit code after Ctrl-C stopped the wait (128 + SIGINT).
pub const EXIT_INTERRUPTED: u8 = 130;

/// One headless action command, as parsed.
#[derive(Debug, Clone)]
pub enum Verb {
    /// start, stop, restart, delete, detach, and the job actions.
    Act {
        action: ActionId,
        name: String,
        no_wait: bool,
        yes: bool,
    },
    /// A cluster's scale settings; `None` keeps the current value.
    Update {
        name: String,
        min: Option<i64>,
        max: Option<i64>,
        idle_secs: Option<u64>,
        no_wait: bool,
    },
    /// Minutes, or `None` to clear.
    IdleShutdown {
        name: String,
        minutes: Option<u32>,
    },
    Keys {
        name: String,
        show_secrets: bool,
    },
    ListNodes {
        name: String,
    },
}

impl Verb {
    fn name(&self) -> &str {
        match self {
            Verb::Act { name, .. }
            | Verb::Update { name, .. }
            | Verb::IdleShutdown { name, .. }
            | Verb::Keys { name, .. }
            | Verb::ListNodes { name } => name,
        }
    }

    /// Whether it changes the workspace (refused under `--read-only`).
    fn mutating(&self) -> bool {
        match self {
            Verb::Act { action, .. } => action.mutating(),
            Verb::Update { .. } | Verb::IdleShutdown { .. } => true,
            Verb::Keys { .. } | Verb::ListNodes { .. } => false,
        }
    }

    /// What the command would do, for refusals: "stop ci-dev", "update cluster gpu".
    fn what(&self) -> String {
        match self {
            Verb::Act { action, name, .. } => ActionRequest::new(*action, name.clone()).describe(),
            Verb::Update { name, .. } => format!("update the scale settings of {name}"),
            Verb::IdleShutdown { name, minutes } => {
                ActionRequest::new(ActionId::IdleShutdown, name.clone())
                    .with(ActionParams::IdleShutdown(*minutes))
                    .describe()
            }
            Verb::Keys { name, .. } => format!("list the keys of {name}"),
            Verb::ListNodes { name } => format!("list the nodes of {name}"),
        }
    }
}

/// Whether a person can answer a question: stdin and stderr are both terminals.
fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Runs one action command. Usage problems and refusals are reported on `notes` and returned
/// as exit codes; failures of the service are returned as errors (exit 1 in `main`).
pub async fn run(
    global: &GlobalArgs,
    verb: Verb,
    output: OutputFormat,
    out: &mut dyn Write,
    notes: &mut dyn Write,
) -> color_eyre::Result<ExitCode> {
    // Usage first: nothing is read or sent for a command that cannot run as written.
    if let Err(message) = check_usage(&verb) {
        writeln!(notes, "amlc: {message}")?;
        return Ok(ExitCode::from(EXIT_USAGE));
    }
    if global.read_only && verb.mutating() {
        writeln!(
            notes,
            "amlc: --read-only: refusing to {}, which changes the workspace; nothing was sent \
             (run without --read-only, and without AMLC_READ_ONLY, to do it)",
            verb.what()
        )?;
        return Ok(ExitCode::FAILURE);
    }
    if let Verb::Act {
        action: action @ (ActionId::Delete | ActionId::Detach),
        name,
        yes: false,
        ..
    } = &verb
        && !interactive()
    {
        writeln!(
            notes,
            "amlc: refusing to {} {name} without confirmation: stdin or stderr is not a terminal, \
             so nobody can be asked; add --yes to confirm",
            action.label()
        )?;
        return Ok(ExitCode::from(EXIT_USAGE));
    }
    let conn = connect::connect(global).await?;
    if let Some(banner) = conn.banner() {
        writeln!(notes, "{banner}")?;
    }
    let result = run_connected(&conn, verb, output, out, notes).await;
    conn.close().await;
    result
}

/// Checks what needs no network: a value out of range, an update with nothing to change.
fn check_usage(verb: &Verb) -> Result<(), String> {
    match verb {
        Verb::Update {
            min: None,
            max: None,
            idle_secs: None,
            name,
            ..
        } => Err(format!(
            "nothing to update on {name}: give --min-instances, --max-instances or \
             --idle-time-before-scale-down"
        )),
        Verb::Update {
            min: Some(min),
            max: Some(max),
            ..
        } => ScaleRequest {
            min_nodes: *min,
            max_nodes: *max,
            idle_secs: 0,
        }
        .validate(),
        Verb::Update { min: Some(min), .. } if *min < 0 => {
            Err(format!("--min-instances must be 0 or more (got {min})"))
        }
        Verb::IdleShutdown {
            minutes: Some(m), ..
        } => actions::validate_idle_minutes(*m),
        _ => Ok(()),
    }
}

async fn run_connected(
    conn: &Connection,
    verb: Verb,
    output: OutputFormat,
    out: &mut dyn Write,
    notes: &mut dyn Write,
) -> color_eyre::Result<ExitCode> {
    let client = &conn.client;
    let name = verb.name().to_string();
    let (request, no_wait) = match &verb {
        Verb::Act {
            action,
            no_wait,
            yes,
            ..
        } => {
            if matches!(action, ActionId::Delete | ActionId::Detach)
                && !yes
                && !confirm(conn, *action, &name, notes).await?
            {
                writeln!(notes, "amlc: not confirmed; nothing was sent")?;
                return Ok(ExitCode::FAILURE);
            }
            (ActionRequest::new(*action, name.clone()), *no_wait)
        }
        Verb::Update {
            min,
            max,
            idle_secs,
            no_wait,
            ..
        } => {
            let compute = client.get_compute(&name).await?;
            let scale = match merged_scale(&compute, *min, *max, *idle_secs) {
                Ok(scale) => scale,
                Err(Refusal::Usage(message)) => {
                    writeln!(notes, "amlc: {message}; nothing was sent")?;
                    return Ok(ExitCode::from(EXIT_USAGE));
                }
                Err(Refusal::State(message)) => {
                    writeln!(notes, "amlc: {message}; nothing was sent")?;
                    return Ok(ExitCode::FAILURE);
                }
            };
            (
                ActionRequest::new(ActionId::Resize, name.clone())
                    .with(ActionParams::Resize(scale)),
                *no_wait,
            )
        }
        Verb::IdleShutdown { minutes, .. } => (
            ActionRequest::new(ActionId::IdleShutdown, name.clone())
                .with(ActionParams::IdleShutdown(*minutes)),
            false,
        ),
        Verb::Keys { .. } => (ActionRequest::new(ActionId::Keys, name.clone()), false),
        Verb::ListNodes { .. } => {
            let nodes = client.list_nodes(&name).await?;
            write_nodes(&nodes, output, out)?;
            return Ok(ExitCode::SUCCESS);
        }
    };
    let describe = request.describe();
    match actions::send(client, &request).await? {
        Sent::Keys(secrets) => {
            let show = matches!(
                verb,
                Verb::Keys {
                    show_secrets: true,
                    ..
                }
            );
            let value = if show {
                serde_json::to_value(&secrets)?
            } else {
                secrets.redacted()
            };
            write_keys(&value, output, out)?;
            Ok(ExitCode::SUCCESS)
        }
        Sent::Done(body) => {
            writeln!(notes, "amlc: done: {describe}")?;
            if output == OutputFormat::Json {
                let body = match body {
                    Some(body) => Some(body),
                    None => final_resource(conn, request.action, &name).await?,
                };
                write_json(out, body.as_ref())?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Sent::Operation(op) => {
            if no_wait {
                writeln!(
                    notes,
                    "amlc: accepted: {describe} (status {}); it goes on in Azure without waiting: \
                     {}",
                    terminal_safe(op.status()),
                    how_to_follow(request.action, &name)
                )?;
                if output == OutputFormat::Json {
                    // The resource as it is once accepted (Stopping, Deleting, ...): what a
                    // script polls from.
                    let now = final_resource(conn, request.action, &name).await?;
                    write_json(out, now.as_ref())?;
                }
                return Ok(ExitCode::SUCCESS);
            }
            follow(conn, *op, &request, output, out, notes).await
        }
    }
}

/// How to follow what an action changes: "follow it with `amlc computes show NAME`".
pub(super) fn how_to_follow(action: ActionId, name: &str) -> String {
    if action.on_job() {
        format!("follow job {name} in the Jobs tab of `amlc`")
    } else {
        format!("follow it with `amlc computes show {name}`")
    }
}

/// How often the resource itself is read while an operation is followed.
const RESOURCE_POLL: Duration = Duration::from_secs(2);

/// Waits for `op`, with progress on stderr and Ctrl-C to stop waiting.
pub(super) async fn follow(
    conn: &Connection,
    op: Operation,
    request: &ActionRequest,
    output: OutputFormat,
    out: &mut dyn Write,
    notes: &mut dyn Write,
) -> color_eyre::Result<ExitCode> {
    let describe = request.describe();
    let op_name = op.name.clone();
    let live = std::io::stderr().is_terminal();
    let progress = Arc::new(ProgressLine::new(
        describe.clone(),
        request.action.transitional(),
        live,
    ));
    let cancel = CancellationToken::new();
    let options = WaitOptions {
        cancel: cancel.clone(),
        progress: Some({
            let progress = progress.clone();
            Arc::new(move |p: &LroProgress| progress.report(p))
        }),
        ..WaitOptions::default()
    };
    // Ctrl-C (SIGINT) stops the wait, not the operation. The listener is registered here,
    // before the first progress line, so an early Ctrl-C is never the default death.
    let interrupted = Arc::new(AtomicBool::new(false));
    let mut sigint = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
    let signal = tokio::spawn({
        let (cancel, interrupted) = (cancel.clone(), interrupted.clone());
        async move {
            if sigint.recv().await.is_some() {
                interrupted.store(true, Ordering::SeqCst);
                cancel.cancel();
            }
        }
    });
    let ticker = live.then(|| {
        let progress = progress.clone();
        let cancel = cancel.clone();
        tokio::spawn(async move {
            loop {
                progress.draw();
                tokio::select! {
                    _ = cancel.cancelled() => break,
                    _ = tokio::time::sleep(Duration::from_millis(250)) => {}
                }
            }
        })
    });
    // The resource's own state (Stopping, Stopped; a job's CancelRequested) read meanwhile, so
    // a script's log shows more than the operation's "InProgress".
    let watcher = tokio::spawn({
        let (client, progress, cancel) = (conn.client.clone(), progress.clone(), cancel.clone());
        let (on_job, target) = (request.action.on_job(), request.target.clone());
        async move {
            loop {
                tokio::select! {
                    _ = cancel.cancelled() => break,
                    _ = tokio::time::sleep(RESOURCE_POLL) => {}
                }
                let state = if on_job {
                    client
                        .get_job(&target)
                        .await
                        .ok()
                        .and_then(|j| j.status().map(|s| s.as_str().to_owned()))
                } else {
                    client
                        .get_compute(&target)
                        .await
                        .ok()
                        .map(|c| c.display_state())
                };
                if let Some(state) = state {
                    progress.resource(&target, &state);
                }
            }
        }
    });
    let result = op.wait(&options).await;
    let stopped_by_user = interrupted.load(Ordering::SeqCst);
    watcher.abort();
    signal.abort();
    cancel.cancel();
    if let Some(ticker) = ticker {
        let _ = ticker.await;
    }
    progress.clear();
    let elapsed = progress.elapsed();
    match result {
        Ok(body) => {
            // A job's cancel answers no resource: read the job, whose status also says whether
            // it had already ended (a cancel of an ended job is accepted and does nothing).
            let body = match body {
                Some(body) if body.get("properties").is_some() => Some(body),
                _ if output == OutputFormat::Json || request.action.on_job() => {
                    final_resource(conn, request.action, &request.target).await?
                }
                _ => None,
            };
            let status = match (request.action.on_job(), &body) {
                (true, Some(job)) => job
                    .pointer("/properties/status")
                    .and_then(Value::as_str)
                    .map(|s| format!("; job status {}", terminal_safe(s)))
                    .unwrap_or_default(),
                _ => String::new(),
            };
            writeln!(
                notes,
                "amlc: done: {describe} ({:.1} s){status}",
                elapsed.as_secs_f64()
            )?;
            if output == OutputFormat::Json {
                write_json(out, body.as_ref())?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(AzureError::Cancelled { .. }) if stopped_by_user => {
            // The operation's own name, when it says more than the description.
            let named = if op_name == describe {
                String::new()
            } else {
                format!(" (operation {})", terminal_safe(&op_name))
            };
            writeln!(
                notes,
                "amlc: stopped waiting after {:.1} s; {describe} goes on in Azure{named}: {}",
                elapsed.as_secs_f64(),
                how_to_follow(request.action, &request.target)
            )?;
            Ok(ExitCode::from(EXIT_INTERRUPTED))
        }
        Err(e) => Err(e.into()),
    }
}

/// The resource after an action, for `-o json`: the compute or the job as the service shows it
/// now, `None` once it is gone (delete, detach).
pub(super) async fn final_resource(
    conn: &Connection,
    action: ActionId,
    name: &str,
) -> color_eyre::Result<Option<Value>> {
    let client = &conn.client;
    if matches!(action, ActionId::Delete | ActionId::Detach) {
        return Ok(None);
    }
    if action.on_job() {
        return Ok(Some(client.get_job(name).await?.raw));
    }
    Ok(Some(client.get_compute(name).await?.raw))
}

/// A resource as pretty JSON (secrets masked), `{}` when there is none.
pub(super) fn write_json(out: &mut dyn Write, body: Option<&Value>) -> std::io::Result<()> {
    let value = body
        .map(redact_json)
        .unwrap_or_else(|| Value::Object(Default::default()));
    serde_json::to_writer_pretty(&mut *out, &value)?;
    writeln!(out)?;
    out.flush()
}

/// Why an update cannot be sent.
enum Refusal {
    /// The values given are wrong (exit 2).
    Usage(String),
    /// The compute is not a cluster (exit 1).
    State(String),
}

/// The cluster's new scale settings: the values given, the current ones for the others.
fn merged_scale(
    compute: &ComputeResource,
    min: Option<i64>,
    max: Option<i64>,
    idle_secs: Option<u64>,
) -> Result<ScaleRequest, Refusal> {
    let raw = &compute.raw;
    let kind = raw
        .pointer("/properties/computeType")
        .and_then(Value::as_str)
        .unwrap_or("?");
    if !kind.eq_ignore_ascii_case("AmlCompute") {
        return Err(Refusal::State(format!(
            "update changes the scale settings of a compute cluster (AmlCompute); {} is a {kind}",
            compute.name.as_deref().unwrap_or("the compute")
        )));
    }
    let current = raw.pointer("/properties/properties/scaleSettings");
    let field = |key: &str| current.and_then(|s| s.get(key));
    let scale = ScaleRequest {
        min_nodes: min
            .or_else(|| field("minNodeCount").and_then(Value::as_i64))
            .unwrap_or(0),
        max_nodes: max
            .or_else(|| field("maxNodeCount").and_then(Value::as_i64))
            .unwrap_or(1),
        idle_secs: idle_secs
            .or_else(|| {
                field("nodeIdleTimeBeforeScaleDown")
                    .and_then(Value::as_str)
                    .and_then(iso_duration_secs)
            })
            .unwrap_or(actions::DEFAULT_SCALE_DOWN_SECS),
    };
    scale.validate().map_err(|e| {
        Refusal::Usage(format!(
            "{e} (with the current settings min {} and max {} of {})",
            field("minNodeCount").map_or("?".into(), Value::to_string),
            field("maxNodeCount").map_or("?".into(), Value::to_string),
            compute.name.as_deref().unwrap_or("the cluster")
        ))
    })?;
    Ok(scale)
}

/// Asks on the terminal before a delete or a detach, saying exactly what will happen. A delete
/// of a managed compute needs its name typed; the others a `y`.
async fn confirm(
    conn: &Connection,
    action: ActionId,
    name: &str,
    notes: &mut dyn Write,
) -> color_eyre::Result<bool> {
    let compute = conn.client.get_compute(name).await?;
    let raw = &compute.raw;
    let kind = raw
        .pointer("/properties/computeType")
        .and_then(Value::as_str)
        .unwrap_or("compute")
        .to_string();
    let attached = raw
        .pointer("/properties/isAttachedCompute")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let resource = raw
        .pointer("/properties/resourceId")
        .and_then(Value::as_str)
        .map(terminal_safe)
        .unwrap_or_default();
    let said = actions::confirmation(action, &kind, &terminal_safe(name), attached);
    let ask = if said.type_name {
        "Type the compute's name to confirm: "
    } else {
        "[y/N] "
    };
    let question = format!(
        "{}\n{}{}\n{ask}",
        said.question,
        said.consequence,
        if resource.is_empty() {
            String::new()
        } else {
            format!("\nresource: {resource}")
        }
    );
    write!(notes, "{question}")?;
    notes.flush()?;
    let answer = tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map(|_| line)
    })
    .await??;
    let answer = answer.trim();
    Ok(if said.type_name {
        answer == name
    } else {
        matches!(answer, "y" | "Y" | "yes" | "YES" | "Yes")
    })
}

/// `computes list-nodes`: a table, or the nodes as JSON.
fn write_nodes(
    nodes: &[crate::azure::models::AmlComputeNodeInformation],
    output: OutputFormat,
    out: &mut dyn Write,
) -> color_eyre::Result<()> {
    match output {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, nodes)?;
            writeln!(out)?;
        }
        OutputFormat::Table => {
            let text = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
            let rows: Vec<[String; 6]> = nodes
                .iter()
                .map(|n| {
                    [
                        text(&n.node_id),
                        n.node_state
                            .as_ref()
                            .and_then(|s| serde_json::to_value(s).ok())
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_else(|| "-".into()),
                        text(&n.private_ip_address),
                        text(&n.public_ip_address),
                        n.port.map_or_else(|| "-".into(), |p| p.to_string()),
                        text(&n.run_id),
                    ]
                })
                .collect();
            out.write_all(
                render_table(
                    ["NODE", "STATE", "PRIVATE IP", "PUBLIC IP", "PORT", "RUN"],
                    &rows,
                )
                .as_bytes(),
            )?;
        }
    }
    out.flush()?;
    Ok(())
}

/// `computes keys`: a KEY/VALUE table of the leaves (multi-line values such as kubeconfigs
/// after it, in full), or the JSON.
fn write_keys(value: &Value, output: OutputFormat, out: &mut dyn Write) -> color_eyre::Result<()> {
    match output {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, value)?;
            writeln!(out)?;
        }
        OutputFormat::Table => {
            let mut leaves = Vec::new();
            flatten("", value, &mut leaves);
            let (long, short): (Vec<_>, Vec<_>) =
                leaves.into_iter().partition(|(_, v)| v.contains('\n'));
            let rows: Vec<[String; 2]> = short.into_iter().map(|(k, v)| [k, v]).collect();
            out.write_all(render_table(["KEY", "VALUE"], &rows).as_bytes())?;
            for (key, text) in long {
                writeln!(out, "\n{key}:")?;
                for line in text.lines() {
                    writeln!(out, "{}", terminal_safe(line))?;
                }
            }
        }
    }
    out.flush()?;
    Ok(())
}

/// The leaves of a JSON value with dotted paths.
fn flatten(prefix: &str, value: &Value, into: &mut Vec<(String, String)>) {
    let join = |key: &str| {
        if prefix.is_empty() {
            key.to_string()
        } else {
            format!("{prefix}.{key}")
        }
    };
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                flatten(&join(k), v, into);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                flatten(&join(&i.to_string()), v, into);
            }
        }
        Value::String(s) => into.push((prefix.to_string(), s.clone())),
        Value::Null => into.push((prefix.to_string(), "-".into())),
        other => into.push((prefix.to_string(), other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update(min: Option<i64>, max: Option<i64>, idle: Option<u64>) -> Verb {
        Verb::Update {
            name: "c".into(),
            min,
            max,
            idle_secs: idle,
            no_wait: false,
        }
    }

    #[test]
    fn usage_is_checked_before_anything_is_read() {
        assert!(
            check_usage(&update(None, None, None))
                .unwrap_err()
                .contains("--max-instances")
        );
        assert!(check_usage(&update(Some(3), Some(2), None)).is_err());
        assert!(check_usage(&update(Some(-1), None, None)).is_err());
        assert!(check_usage(&update(None, Some(8), None)).is_ok());
        let idle = |m| Verb::IdleShutdown {
            name: "c".into(),
            minutes: Some(m),
        };
        assert!(check_usage(&idle(5)).is_err());
        assert!(check_usage(&idle(30)).is_ok());
    }

    #[test]
    fn missing_scale_values_come_from_the_cluster() {
        let compute: ComputeResource = serde_json::from_value(serde_json::json!({
            "name": "c",
            "properties": {"computeType": "AmlCompute", "properties": {"scaleSettings":
                {"minNodeCount": 1, "maxNodeCount": 4, "nodeIdleTimeBeforeScaleDown": "PT5M"}}}
        }))
        .unwrap();
        let s = merged_scale(&compute, None, Some(8), None).ok().unwrap();
        assert_eq!((s.min_nodes, s.max_nodes, s.idle_secs), (1, 8, 300));
        assert!(matches!(
            merged_scale(&compute, Some(6), None, None),
            Err(Refusal::Usage(_))
        ));
    }

    #[test]
    fn keys_flatten_to_dotted_paths() {
        let mut leaves = Vec::new();
        flatten(
            "",
            &serde_json::json!({"a": {"b": "x", "c": [1, null]}}),
            &mut leaves,
        );
        assert_eq!(
            leaves,
            [
                ("a.b".to_string(), "x".to_string()),
                ("a.c.0".to_string(), "1".to_string()),
                ("a.c.1".to_string(), "-".to_string())
            ]
        );
    }
}
