//! Shell completion and the man page, both generated from the clap definitions in `cli`:
//! `amlc completions SHELL` prints the script a shell sources (bash, zsh, fish, powershell,
//! elvish), `amlc man` the roff page ([`man_page`]; `--dir` writes a page per subcommand,
//! [`write_man_pages`]).
//!
//! The script is clap_complete's dynamic one: on Tab the shell runs
//! `AMLC_COMPLETE=SHELL amlc -- WORDS` ([`complete_from_env`], first thing in `main`), which
//! completes subcommands and flags from the clap definitions and the names of computes and jobs
//! from the current workspace ([`compute_names`], [`job_names`], [`resource_names`], attached to
//! the name arguments in `cli`), and `--profile` from the config file ([`profile_names`]). `--static` prints clap_complete's static script instead
//! (subcommands and flags only; the shell never runs amlc).
//!
//! Fetching names must never hang or disturb the shell: the workspace is the one flags on the
//! line, the environment and the config files name; the whole fetch (token included) has
//! [`NAME_BUDGET`]; any failure or timeout gives no candidates, and nothing is ever printed to
//! stderr. It never starts the built-in emulator: without a configured workspace the names come
//! from the shared background emulator only when one is already running.

use crate::azure::AmlClient;
use crate::azure::context::{Cloud, WorkspaceContext};
use crate::azure::http::{BearerSource, Pipeline, PipelineOptions, RetryPolicy, StaticBearer};
use crate::azure::jobs::JobListOptions;
use crate::cli::{Cli, GlobalArgs};
use crate::connect::{self, Plan};
use crate::emulator;
use clap::CommandFactory;
use clap_complete::Shell;
use clap_complete::engine::CompletionCandidate;
use clap_complete::env::{Bash, Elvish, EnvCompleter, Fish, Powershell, Zsh};
use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The environment variable that turns a run of amlc into a completion request.
pub const COMPLETE_VAR: &str = "AMLC_COMPLETE";

/// The most a completion of names may take, from the start of the fetch to the answer.
pub const NAME_BUDGET: Duration = Duration::from_millis(1500);

/// The most job names offered (the newest).
const MAX_JOBS: usize = 200;

/// Answers a completion request when [`COMPLETE_VAR`] is set (then exits); returns otherwise.
/// Must run before anything writes to stdout. A malformed request exits 1 without a word: a
/// shell's completion must never print errors into the command line.
pub fn complete_from_env() {
    let done = clap_complete::CompleteEnv::with_factory(Cli::command)
        .var(COMPLETE_VAR)
        .try_complete(std::env::args_os(), std::env::current_dir().ok().as_deref());
    match done {
        Ok(false) => {}
        Ok(true) => std::process::exit(0),
        Err(_) => std::process::exit(1),
    }
}

/// Writes the completion script of `shell`: the dynamic one (it calls `completer`, the amlc
/// binary, on Tab), or with `static_script` the static one.
pub fn write_script(
    shell: Shell,
    static_script: bool,
    completer: &str,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let mut cmd = Cli::command();
    let name = cmd.get_name().to_string();
    // Rendered whole first: clap_complete's generator panics on a failed write (a closed pipe).
    let mut buf = Vec::new();
    let adapter: &dyn EnvCompleter = match shell {
        Shell::Bash => &Bash,
        Shell::Zsh => &Zsh,
        Shell::Fish => &Fish,
        Shell::PowerShell => &Powershell,
        Shell::Elvish => &Elvish,
        // `Shell` is non-exhaustive: a shell clap_complete adds later gets its static script.
        _ => {
            clap_complete::generate(shell, &mut cmd, name, &mut buf);
            return out.write_all(&buf);
        }
    };
    if static_script {
        clap_complete::generate(shell, &mut cmd, name, &mut buf);
    } else {
        adapter.write_registration(COMPLETE_VAR, &name, &name, completer, &mut buf)?;
    }
    out.write_all(&buf)
}

/// The program the script should call: how amlc was started (`amlc` when found on PATH), made
/// absolute when it was started by a relative path (`./target/debug/amlc`).
pub fn completer_program() -> String {
    let arg0 = std::env::args_os()
        .next()
        .unwrap_or_else(|| OsString::from("amlc"));
    let path = std::path::PathBuf::from(&arg0);
    if path.components().count() > 1
        && path.is_relative()
        && let Ok(dir) = std::env::current_dir()
    {
        return dir.join(path).to_string_lossy().into_owned();
    }
    path.to_string_lossy().into_owned()
}

/// `amlc man`: the roff man page of amlc (its subcommands listed as `amlc-NAME(1)`).
pub fn man_page(out: &mut dyn Write) -> std::io::Result<()> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut buf)?;
    out.write_all(&buf)
}

/// `amlc man --dir DIR`: a page per command into `dir` (created): `amlc.1`, `amlc-computes.1`,
/// `amlc-computes-list.1`, ... Returns the pages written, sorted.
pub fn write_man_pages(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    clap_mangen::generate_to(Cli::command(), dir)?;
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut pages = Vec::new();
    page_names(&cmd, &mut pages);
    let mut paths: Vec<PathBuf> = pages.into_iter().map(|p| dir.join(p)).collect();
    paths.sort();
    Ok(paths)
}

/// The file name of the page of `cmd` and of each of its visible subcommands.
fn page_names(cmd: &clap::Command, out: &mut Vec<String>) {
    let name = cmd.get_display_name().unwrap_or_else(|| cmd.get_name());
    out.push(format!("{name}.1"));
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        page_names(sub, out);
    }
}

/// Which names an argument takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    Computes,
    Jobs,
}

/// Completer of a compute's name (`computes show|start|update|... NAME`).
pub fn compute_names(current: &OsStr) -> Vec<CompletionCandidate> {
    candidates(NameKind::Computes, current)
}

/// Completer of a job's name (`jobs show|stream NAME`, `logs NAME`).
pub fn job_names(current: &OsStr) -> Vec<CompletionCandidate> {
    candidates(NameKind::Jobs, current)
}

/// Completer of an argument shared by compute and job commands: the subcommand on the line
/// (`computes` or `jobs`) says which names.
pub fn resource_names(current: &OsStr) -> Vec<CompletionCandidate> {
    let words = completion_words();
    let kind = match first_positional(&words).as_deref() {
        Some("jobs") | Some("logs") => NameKind::Jobs,
        _ => NameKind::Computes,
    };
    candidates(kind, current)
}

/// Completer of `--profile`: the profiles of the config file the line names (read locally, no
/// network; nothing when the file is missing or invalid).
pub fn profile_names(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(prefix) = current.to_str() else {
        return Vec::new();
    };
    let global = global_from_words(&completion_words());
    let Some(path) = super::config::config_path(&global) else {
        return Vec::new();
    };
    let Ok(Some(file)) = crate::config::load_config(&path) else {
        return Vec::new();
    };
    file.profile_names()
        .into_iter()
        .filter(|name| name.starts_with(prefix))
        .map(CompletionCandidate::new)
        .collect()
}

fn candidates(kind: NameKind, current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(prefix) = current.to_str() else {
        return Vec::new();
    };
    let global = global_from_words(&completion_words());
    fetch_names(&global, kind, NAME_BUDGET)
        .into_iter()
        .filter(|name| name.starts_with(prefix))
        .map(CompletionCandidate::new)
        .collect()
}

/// The words of the command line being completed (after the `--` the script passes, without
/// the program itself); empty outside a completion request.
fn completion_words() -> Vec<String> {
    let args: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    match args.iter().position(|a| a == "--") {
        Some(i) => args.into_iter().skip(i + 2).collect(),
        None => Vec::new(),
    }
}

/// The global flags that take a value (long and short forms).
const VALUE_FLAGS: [(&str, Option<&str>); 11] = [
    ("--subscription", None),
    ("--resource-group", Some("-g")),
    ("--workspace", Some("-w")),
    ("--endpoint", None),
    ("--cloud", None),
    ("--api-version", None),
    ("--auth", None),
    ("--profile", None),
    ("--ca-cert", None),
    ("--timeout", None),
    ("--config", None),
];

/// The flag `word` names (its long form) and the value it carries inline (`--x=v`, `-gv`).
fn split_flag(word: &str) -> Option<(&'static str, Option<String>)> {
    for (long, short) in VALUE_FLAGS {
        if word == long || Some(word) == short {
            return Some((long, None));
        }
        if let Some(value) = word.strip_prefix(long).and_then(|r| r.strip_prefix('=')) {
            return Some((long, Some(value.to_string())));
        }
        if let Some(short) = short
            && let Some(value) = word.strip_prefix(short)
            && !value.is_empty()
        {
            return Some((long, Some(value.trim_start_matches('=').to_string())));
        }
    }
    None
}

/// The global flags given on the line being completed (so `amlc -w other computes show <Tab>`
/// completes from `other`); what is not there comes from the environment and config as usual.
pub fn global_from_words(words: &[String]) -> GlobalArgs {
    let mut global = GlobalArgs {
        timeout: NAME_BUDGET.as_secs().max(1),
        ..GlobalArgs::default()
    };
    let mut i = 0;
    while i < words.len() {
        let word = words[i].as_str();
        i += 1;
        if word == "--" {
            break;
        }
        if word == "--emulator" {
            global.emulator = true;
            continue;
        }
        let Some((flag, inline)) = split_flag(word) else {
            continue;
        };
        let value = match inline {
            Some(value) => value,
            None => match words.get(i) {
                Some(value) => {
                    i += 1;
                    value.clone()
                }
                None => break,
            },
        };
        match flag {
            "--subscription" => global.subscription = Some(value),
            "--resource-group" => global.resource_group = Some(value),
            "--workspace" => global.workspace = Some(value),
            "--endpoint" => global.endpoint = Some(value),
            "--cloud" => global.cloud = Some(value),
            "--api-version" => global.api_version = Some(value),
            "--auth" => global.auth = Some(value),
            "--profile" => global.profile = Some(value),
            "--ca-cert" => global.ca_cert.push(value.into()),
            "--config" => global.config = Some(value.into()),
            _ => {}
        }
    }
    global
}

/// The first word that is neither a flag nor a flag's value: the subcommand.
pub fn first_positional(words: &[String]) -> Option<String> {
    let mut i = 0;
    while i < words.len() {
        let word = words[i].as_str();
        i += 1;
        if let Some((_, inline)) = split_flag(word) {
            if inline.is_none() {
                i += 1;
            }
            continue;
        }
        if word.starts_with('-') {
            continue;
        }
        return Some(word.to_string());
    }
    None
}

/// The names of `kind` in the workspace `global` names, within `budget`; empty on any failure.
pub fn fetch_names(global: &GlobalArgs, kind: NameKind, budget: Duration) -> Vec<String> {
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return Vec::new();
    };
    let names = runtime
        .block_on(async { tokio::time::timeout(budget, fetch(global, kind, budget)).await })
        .ok()
        .flatten()
        .unwrap_or_default();
    // Whatever is still running (a token command, a slow request) is left behind, not awaited.
    runtime.shutdown_background();
    names
}

async fn fetch(global: &GlobalArgs, kind: NameKind, budget: Duration) -> Option<Vec<String>> {
    let (_, plan) = connect::plan(global).ok()?;
    let client = match plan {
        Plan::Azure(_) => connect::connect(global).await.ok()?.client,
        Plan::Emulator { .. } => running_emulator_client(budget)?,
        Plan::PickWorkspace(_) | Plan::Incomplete(_) => return None,
    };
    let names = match kind {
        NameKind::Computes => client
            .list_computes()
            .await
            .ok()?
            .into_iter()
            .filter_map(|c| c.name)
            .collect(),
        NameKind::Jobs => {
            let options = JobListOptions {
                max_results: Some(MAX_JOBS),
                ..JobListOptions::default()
            };
            client
                .list_jobs(&options)
                .await
                .ok()?
                .into_iter()
                .filter_map(|j| j.name)
                .collect()
        }
    };
    Some(names)
}

/// A client of the shared background emulator's demo workspace, when one runs now (it is never
/// started for a completion).
fn running_emulator_client(budget: Duration) -> Option<AmlClient> {
    let data_dir = connect::default_emulator_dir()?;
    let (url, token) = emulator::running_instance(&data_dir)?;
    let ctx = WorkspaceContext::new(
        Cloud::Custom(url),
        emulator::DEMO_SUBSCRIPTION,
        emulator::DEMO_RESOURCE_GROUP,
        emulator::DEMO_WORKSPACE,
    );
    let bearer: Arc<dyn BearerSource> = Arc::new(StaticBearer::new(token));
    let options = PipelineOptions {
        timeout: budget,
        connect_timeout: budget,
        retry: RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        },
        ..PipelineOptions::default()
    };
    Some(AmlClient::new(
        ctx,
        Pipeline::new(Some(bearer), options).ok()?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        line.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn global_flags_are_read_from_the_line_in_every_form() {
        let g = global_from_words(&words(
            "--endpoint http://x -g rg computes --workspace=ws -wother show --subscription S",
        ));
        assert_eq!(g.endpoint.as_deref(), Some("http://x"));
        assert_eq!(g.resource_group.as_deref(), Some("rg"));
        assert_eq!(g.workspace.as_deref(), Some("other"));
        assert_eq!(g.subscription.as_deref(), Some("S"));
        assert!(!g.emulator);
        assert!(global_from_words(&words("--emulator jobs")).emulator);
        // A flag at the end without its value is ignored, not an error.
        assert_eq!(
            global_from_words(&words("computes show -w")).workspace,
            None
        );
        assert!(g.timeout <= 2, "a completion never waits the usual 30 s");
    }

    #[test]
    fn the_subcommand_is_the_first_word_that_is_not_a_flag_or_its_value() {
        assert_eq!(
            first_positional(&words("-w jobs computes stop")).as_deref(),
            Some("computes")
        );
        assert_eq!(
            first_positional(&words("--read-only jobs cancel")).as_deref(),
            Some("jobs")
        );
        assert_eq!(first_positional(&words("--auth=token")), None);
    }

    #[test]
    fn every_shell_has_a_script_of_each_kind() {
        for shell in [
            Shell::Bash,
            Shell::Zsh,
            Shell::Fish,
            Shell::PowerShell,
            Shell::Elvish,
        ] {
            let mut dynamic = Vec::new();
            write_script(shell, false, "/opt/amlc", &mut dynamic).expect("dynamic script");
            let dynamic = String::from_utf8_lossy(&dynamic);
            assert!(dynamic.contains(COMPLETE_VAR), "{shell}: {dynamic}");
            assert!(dynamic.contains("/opt/amlc"), "{shell}: {dynamic}");
            let mut fixed = Vec::new();
            write_script(shell, true, "/opt/amlc", &mut fixed).expect("static script");
            let fixed = String::from_utf8_lossy(&fixed);
            assert!(
                fixed.contains("computes") && !fixed.contains(COMPLETE_VAR),
                "{shell}"
            );
        }
    }
}
