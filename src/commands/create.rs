//! `amlc computes create|attach [-f FILE.yml] [--set key=value ...] [flags]`: the az ml CLI v2
//! compute YAML (and `az ml compute create`'s flags) turned into a form's request
//! ([`crate::wizard::yaml`]), checked against the workspace as loaded (its compute names, the
//! VM sizes and usages of its region), then sent through [`crate::actions::send`] (the one send
//! path) and followed to its end as every action is ([`super::actions`]: progress on stderr,
//! Ctrl-C stops waiting, `-o json` prints the compute at the end).
//!
//! Owns the file reading (bounded by [`yaml::MAX_YAML_BYTES`], key files relative to the YAML
//! file's folder), the order of refusals and the exit codes, which are the action commands':
//! 2 when the command, the file or a rule is wrong (every problem listed, one per line, as
//! `FILE:LINE:COLUMN: key: rule`; nothing is sent), 1 for `--read-only` and failures of the
//! service, 130 for Ctrl-C while waiting. `--dry-run` prints the ARM body with secrets masked
//! and sends nothing. Never prints a secret: bodies are masked, messages never quote values.

use super::actions::{EXIT_USAGE, final_resource, follow, how_to_follow, write_json};
use super::terminal_safe;
use crate::actions::{self, ActionId, ActionParams, ActionRequest, Sent};
use crate::azure::models::{Usage, VirtualMachineSize};
use crate::cli::{CreateArgs, GlobalArgs, OutputFormat};
use crate::connect::{self, Connection};
use crate::wizard::engine::{Ctx, DiskFiles, ReadTextError, read_text};
use crate::wizard::yaml::{self, Located, Override};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `computes create` (`attach` false) or `computes attach` (`attach` true).
pub async fn run(
    global: &GlobalArgs,
    args: &CreateArgs,
    attach: bool,
    out: &mut dyn Write,
    notes: &mut dyn Write,
) -> color_eyre::Result<ExitCode> {
    let verb = if attach { "attach" } else { "create" };
    // The command line and the file first: nothing is read from the workspace for a command
    // that cannot run as written.
    if args.file.is_none() && (args.name.is_none() || args.compute_type.is_none()) {
        writeln!(
            notes,
            "amlc: computes {verb} needs -f FILE.yml, or --name and --type (as `az ml compute \
             {verb}`)"
        )?;
        return Ok(ExitCode::from(EXIT_USAGE));
    }
    let overrides = match overrides(args) {
        Ok(o) => o,
        Err(m) => {
            writeln!(notes, "amlc: {m}")?;
            return Ok(ExitCode::from(EXIT_USAGE));
        }
    };
    let label = args
        .file
        .as_deref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let text = match args.file.as_deref().map(read_file).transpose() {
        Ok(text) => text,
        Err(m) => {
            writeln!(notes, "amlc: {m}")?;
            return Ok(ExitCode::from(EXIT_USAGE));
        }
    };
    let loaded = match yaml::load(&label, text.as_deref(), &overrides, attach) {
        Ok(l) => l,
        Err(problems) => return refuse(&problems, &label, notes),
    };
    if global.read_only && !args.dry_run {
        if !loaded.shape.is_empty() {
            return refuse(&loaded.shape, &label, notes);
        }
        writeln!(
            notes,
            "amlc: --read-only: refusing to {verb} {}, which changes the workspace; nothing was \
             sent (run without --read-only, and without AMLC_READ_ONLY, to do it; --dry-run \
             shows the request)",
            terminal_safe(loaded.values.raw("name"))
        )?;
        return Ok(ExitCode::FAILURE);
    }
    let conn = match connect::connect(global).await {
        Ok(conn) => conn,
        Err(e) if !loaded.shape.is_empty() => {
            return unchecked(&loaded, &super::with_advice(&e), notes);
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(banner) = conn.banner() {
        writeln!(notes, "{banner}")?;
    }
    let base = args
        .file
        .as_deref()
        .and_then(Path::parent)
        .filter(|p| !p.as_os_str().is_empty())
        .map(Path::to_path_buf);
    let result = run_connected(&conn, args, attach, &loaded, base, out, notes).await;
    conn.close().await;
    result
}

/// The flags (as `az ml compute create` names them), then each `--set`, in that order: a
/// `--set` wins over a flag, both over the file.
fn overrides(args: &CreateArgs) -> Result<Vec<Override>, String> {
    let mut list = Vec::new();
    let text = |key: &str, flag: &str, v: &Option<String>| {
        v.as_ref().map(|v| Override::flag(key, flag, v.clone()))
    };
    let number =
        |key: &str, flag: &str, v: Option<i64>| v.map(|v| Override::flag(key, flag, v.to_string()));
    list.extend(text("type", "--type", &args.compute_type));
    list.extend(text("name", "--name", &args.name));
    list.extend(text("description", "--description", &args.description));
    list.extend(text("location", "--location", &args.location));
    list.extend(text("size", "--size", &args.size));
    list.extend(text("tier", "--tier", &args.tier));
    list.extend(number(
        "min_instances",
        "--min-instances",
        args.min_instances,
    ));
    list.extend(number(
        "max_instances",
        "--max-instances",
        args.max_instances,
    ));
    list.extend(number(
        "idle_time_before_scale_down",
        "--idle-time-before-scale-down",
        args.idle_time_before_scale_down,
    ));
    for arg in &args.set {
        list.push(Override::set(arg)?);
    }
    Ok(list)
}

/// The file's text: at most [`yaml::MAX_YAML_BYTES`], UTF-8.
fn read_file(path: &Path) -> Result<String, String> {
    let shown = path.display();
    let limit = yaml::MAX_YAML_BYTES as u64;
    read_text(path, limit).map_err(|e| match e {
        ReadTextError::Io(e) => format!("cannot read {shown}: {e}"),
        ReadTextError::NotAFile => format!("{shown} is not a file"),
        ReadTextError::Grew => {
            format!("{shown} grew past {limit} bytes while read; a compute file is at most 1 MiB")
        }
        ReadTextError::TooBig(n) => {
            format!("{shown} is {n} bytes; a compute file is at most {limit} bytes (1 MiB)")
        }
        ReadTextError::NotUtf8(at) => {
            format!("{shown} is not UTF-8 text (invalid byte at offset {at})")
        }
    })
}

/// Every problem on its own line (`FILE:LINE:COL: key: rule`), then the count; exit 2.
pub(crate) fn refuse(
    problems: &[Located],
    label: &str,
    notes: &mut dyn Write,
) -> color_eyre::Result<ExitCode> {
    for p in problems {
        writeln!(notes, "{}", terminal_safe(&p.to_string()))?;
    }
    let n = problems.len();
    let what = if n == 1 { "problem" } else { "problems" };
    let place = if label.is_empty() {
        String::new()
    } else {
        format!(" in {}", terminal_safe(label))
    };
    writeln!(notes, "amlc: {n} {what}{place}; nothing was sent")?;
    Ok(ExitCode::from(EXIT_USAGE))
}

/// The file's own problems when the workspace could not be read to check the rest.
fn unchecked(
    loaded: &yaml::Loaded,
    error: &str,
    notes: &mut dyn Write,
) -> color_eyre::Result<ExitCode> {
    writeln!(
        notes,
        "amlc: the rules that need the workspace were not checked: {}",
        terminal_safe(error)
    )?;
    refuse(&loaded.shape, &loaded.file, notes)
}

/// What the rules check against, read from the workspace: its compute names (needed), the VM
/// sizes and usages of its region (said and skipped when they cannot be read: the service
/// checks them too).
struct Facts {
    location: String,
    existing: Vec<String>,
    sizes: Vec<VirtualMachineSize>,
    usages: Vec<Usage>,
}

async fn workspace_facts(
    conn: &Connection,
    target_location: &str,
    notes: &mut dyn Write,
) -> color_eyre::Result<Facts> {
    let client = &conn.client;
    let ws = client.get_workspace().await?;
    let location = ws.location.clone().unwrap_or_default();
    let existing = client
        .list_computes()
        .await?
        .into_iter()
        .filter_map(|c| c.name)
        .collect();
    let mut facts = Facts {
        location: location.clone(),
        existing,
        sizes: Vec::new(),
        usages: Vec::new(),
    };
    if location.is_empty() {
        writeln!(
            notes,
            "amlc: the workspace's region is not known: VM sizes and quota are not checked here \
             (the service checks them)"
        )?;
        return Ok(facts);
    }
    if !target_location.is_empty() && !target_location.eq_ignore_ascii_case(&location) {
        writeln!(
            notes,
            "amlc: location {} is not the workspace's ({location}): VM sizes and quota of {} are \
             not checked here (the service checks them)",
            terminal_safe(target_location),
            terminal_safe(target_location)
        )?;
        return Ok(facts);
    }
    let (sizes, usages) = tokio::join!(
        client.list_vm_sizes(&location),
        client.list_usages(&location)
    );
    match sizes {
        Ok(s) => facts.sizes = s,
        Err(e) => writeln!(
            notes,
            "amlc: cannot read the VM sizes of {location} ({}); sizes are not checked here (the \
             service checks them)",
            super::with_advice(&e)
        )?,
    }
    match usages {
        Ok(u) => facts.usages = u,
        Err(e) => writeln!(
            notes,
            "amlc: cannot read the quota usages of {location} ({}); quota is not checked here \
             (the service checks it)",
            super::with_advice(&e)
        )?,
    }
    Ok(facts)
}

async fn run_connected(
    conn: &Connection,
    args: &CreateArgs,
    attach: bool,
    loaded: &yaml::Loaded,
    base: Option<PathBuf>,
    out: &mut dyn Write,
    notes: &mut dyn Write,
) -> color_eyre::Result<ExitCode> {
    let client = &conn.client;
    let facts = match workspace_facts(conn, loaded.values.raw("location"), notes).await {
        Ok(facts) => facts,
        Err(e) if !loaded.shape.is_empty() => return unchecked(loaded, &e.to_string(), notes),
        Err(e) => return Err(e),
    };
    let files = DiskFiles { base };
    let wctx = client.context();
    let ctx = Ctx {
        subscription: &wctx.subscription,
        resource_group: &wctx.resource_group,
        workspace: &wctx.workspace,
        location: &facts.location,
        existing: &facts.existing,
        sizes: &facts.sizes,
        usages: &facts.usages,
        files: &files,
    };
    let request = match loaded.request(&ctx) {
        Ok(r) => r,
        Err(problems) => return refuse(&problems, &loaded.file, notes),
    };
    let action = if attach {
        ActionId::Attach
    } else {
        ActionId::Create
    };
    let name = request.name.clone();
    if args.dry_run {
        serde_json::to_writer_pretty(&mut *out, &request.masked_body())?;
        writeln!(out)?;
        out.flush()?;
        writeln!(
            notes,
            "amlc: dry run: every rule passed; this body would be sent as PUT …/computes/{} \
             ({}); nothing was sent",
            terminal_safe(&name),
            loaded.form.title
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let request = ActionRequest {
        action,
        target: name.clone(),
        params: ActionParams::Compute(Box::new(request)),
    };
    let describe = request.describe();
    match actions::send(client, &request).await? {
        Sent::Operation(op) => {
            if args.wait.no_wait {
                writeln!(
                    notes,
                    "amlc: accepted: {describe} (status {}); it goes on in Azure without \
                     waiting: {}",
                    terminal_safe(op.status()),
                    how_to_follow(action, &name)
                )?;
                if args.output == OutputFormat::Json {
                    let now = final_resource(conn, action, &name).await?;
                    write_json(out, now.as_ref())?;
                }
                return Ok(ExitCode::SUCCESS);
            }
            follow(conn, *op, &request, args.output, out, notes).await
        }
        Sent::Done(body) => {
            writeln!(notes, "amlc: done: {describe}")?;
            if args.output == OutputFormat::Json {
                let body = match body {
                    Some(body) => Some(body),
                    None => final_resource(conn, action, &name).await?,
                };
                write_json(out, body.as_ref())?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Sent::Keys(_) => Ok(ExitCode::SUCCESS),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_over_one_mib_is_refused_before_it_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.yml");
        std::fs::write(&path, vec![b'#'; 2 * 1024 * 1024]).unwrap();
        let e = read_file(&path).unwrap_err();
        assert!(
            e.contains("is 2097152 bytes; a compute file is at most"),
            "{e}"
        );
        std::fs::write(&path, [0xff, 0xfe]).unwrap();
        assert!(read_file(&path).unwrap_err().contains("not UTF-8"));
        assert!(read_file(dir.path()).unwrap_err().contains("is not a file"));
        assert!(
            read_file(&dir.path().join("none.yml"))
                .unwrap_err()
                .starts_with("cannot read")
        );
    }
}
