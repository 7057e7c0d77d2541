//! Shell completion and the man page, from the real binary: every shell gets a script (the
//! dynamic one calls amlc back, the static one names the subcommands); a completion request
//! (`AMLC_COMPLETE=SHELL amlc -- WORDS`, what the scripts send on Tab) completes subcommands
//! for every shell and the names of computes and jobs from an `amlc emulator --demo` child; bash
//! itself, with the script sourced, gets the same names; `--profile` completes the profiles of
//! the config file the line names; and a workspace that does not answer
//! gives no candidates, no error text, within the budget. `amlc man` renders roff naming the
//! subcommands, `--dir` writes a page per command.

mod cli_common;

use cli_common::*;
use std::collections::BTreeSet;
use std::process::Command;
use std::time::{Duration, Instant};

const SHELLS: [&str; 5] = ["bash", "zsh", "fish", "powershell", "elvish"];
const SUBCOMMANDS: [&str; 8] = [
    "computes",
    "jobs",
    "logs",
    "doctor",
    "emulator",
    "config",
    "completions",
    "man",
];

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_amlc")
}

/// A completion request as `shell`'s script sends it, for the line `amlc WORDS` with the
/// cursor on the last word.
fn request(home: &std::path::Path, shell: &str, words: &[&str]) -> Command {
    let mut cmd = bare(home);
    cmd.env("AMLC_COMPLETE", shell)
        .env("_CLAP_COMPLETE_INDEX", words.len().to_string())
        .env("_CLAP_IFS", "\n")
        .arg("--")
        .arg("amlc")
        .args(words);
    cmd
}

/// The candidates of a bash request (one per line) but the flags (clap offers them too when
/// the word is empty), checking it said nothing on stderr.
fn candidates(cmd: &mut Command) -> Vec<String> {
    let r = Run::of(cmd.output().expect("run amlc"));
    r.expect(0);
    assert!(r.stderr.is_empty(), "stderr: {}", r.stderr);
    r.stdout
        .lines()
        .filter(|l| !l.starts_with('-'))
        .map(str::to_string)
        .collect()
}

/// The flags that point amlc at the emulator's demo workspace, as a user would type them.
fn demo_flags(e: &Emulator) -> Vec<String> {
    [
        "--endpoint",
        &e.url,
        "--auth",
        "token",
        "--subscription",
        SUB,
        "-g",
        "demo-rg",
        "-w",
        "demo-ws",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn names_of(list: &serde_json::Value) -> BTreeSet<String> {
    list.as_array()
        .expect("a JSON array")
        .iter()
        .filter_map(|c| c["name"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn every_shell_gets_a_script_and_the_static_one_names_the_subcommands() {
    let home = tempfile::tempdir().expect("temp home");
    for shell in SHELLS {
        let r = Run::of(
            bare(home.path())
                .args(["completions", shell])
                .output()
                .expect("run amlc"),
        );
        r.expect(0);
        assert!(r.stdout.contains("AMLC_COMPLETE"), "{shell}: {}", r.stdout);
        // The script calls this binary back (the path it was started by).
        assert!(r.stdout.contains(bin()), "{shell}: {}", r.stdout);

        let r = Run::of(
            bare(home.path())
                .args(["completions", shell, "--static"])
                .output()
                .expect("run amlc"),
        );
        r.expect(0);
        for sub in SUBCOMMANDS
            .iter()
            .chain(&["list-sizes", "set-idle-shutdown"])
        {
            assert!(r.stdout.contains(sub), "{shell} --static lacks {sub}");
        }
    }
    let r = Run::of(
        bare(home.path())
            .args(["completions", "tcsh"])
            .output()
            .expect("run amlc"),
    );
    r.expect(2);
}

#[test]
fn every_shell_completes_the_subcommands() {
    let home = tempfile::tempdir().expect("temp home");
    for shell in SHELLS {
        let r = Run::of(
            request(home.path(), shell, &[""])
                .output()
                .expect("run amlc"),
        );
        r.expect(0);
        for sub in SUBCOMMANDS {
            assert!(r.stdout.contains(sub), "{shell}: {sub} not in {}", r.stdout);
        }
    }
    // A prefix narrows them.
    let got = candidates(&mut request(home.path(), "bash", &["computes", "list-"]));
    assert_eq!(got, ["list-nodes", "list-sizes", "list-cost", "list-usage"]);
}

#[test]
fn names_of_computes_and_jobs_come_from_the_workspace() {
    let e = Emulator::start("20", None);
    let computes = names_of(&e.run(&["computes", "list", "-o", "json"]).expect(0).json());
    let jobs = names_of(
        &e.run(&["jobs", "list", "--all-results", "-o", "json"])
            .expect(0)
            .json(),
    );
    assert!(
        computes.len() >= 3 && !jobs.is_empty(),
        "{computes:?} {jobs:?}"
    );

    let flags = demo_flags(&e);
    let ask = |tail: &[&str]| -> BTreeSet<String> {
        let mut words: Vec<&str> = flags.iter().map(String::as_str).collect();
        words.extend_from_slice(tail);
        let mut cmd = request(e.home.path(), "bash", &words);
        cmd.env("AMLC_TOKEN", &e.token);
        candidates(&mut cmd).into_iter().collect()
    };
    assert_eq!(ask(&["computes", "show", ""]), computes);
    assert_eq!(ask(&["computes", "stop", ""]), computes);
    assert_eq!(ask(&["computes", "update", ""]), computes);
    assert_eq!(ask(&["jobs", "show", ""]), jobs);
    assert_eq!(ask(&["jobs", "cancel", ""]), jobs);
    assert_eq!(ask(&["logs", ""]), jobs);

    // Only the names with the typed prefix.
    let first = computes.iter().next().expect("a compute");
    let prefix = &first[..1];
    let expected: BTreeSet<String> = computes
        .iter()
        .filter(|n| n.starts_with(prefix))
        .cloned()
        .collect();
    assert_eq!(ask(&["computes", "show", prefix]), expected);

    // The environment names the workspace as well as flags do.
    let mut cmd = request(e.home.path(), "bash", &["computes", "show", ""]);
    cmd.env("AMLC_TOKEN", &e.token)
        .env("AMLC_ENDPOINT", &e.url)
        .env("AMLC_AUTH", "token")
        .env("AZURE_SUBSCRIPTION_ID", SUB)
        .env("AZURE_RESOURCE_GROUP", "demo-rg")
        .env("AZUREML_WORKSPACE_NAME", "demo-ws");
    assert_eq!(
        candidates(&mut cmd).into_iter().collect::<BTreeSet<_>>(),
        computes
    );
}

#[test]
fn bash_with_the_script_sourced_completes_compute_names() {
    if Command::new("bash").arg("--version").output().is_err() {
        eprintln!("bash is not installed: skipping the bash round trip");
        return;
    }
    let e = Emulator::start("20", None);
    let computes = names_of(&e.run(&["computes", "list", "-o", "json"]).expect(0).json());
    let mut words: Vec<String> = vec!["amlc".into()];
    words.extend(demo_flags(&e));
    words.extend(["computes".into(), "show".into(), "".into()]);
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let script = format!(
        "source <('{bin}' completions bash) || exit 9\n\
         complete -p amlc >/dev/null || exit 8\n\
         COMP_WORDS=({words})\n\
         COMP_CWORD={cword}\n\
         _clap_complete_amlc amlc '' show\n\
         printf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        bin = bin(),
        words = quoted.join(" "),
        cword = words.len() - 1,
    );
    let out = bare_program("bash", e.home.path())
        .args(["--noprofile", "--norc", "-c", &script])
        .env("AMLC_TOKEN", &e.token)
        .output()
        .expect("run bash");
    let r = Run::of(out);
    r.expect(0);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    let got: BTreeSet<String> = r
        .stdout
        .lines()
        .filter(|l| !l.starts_with('-'))
        .map(str::to_string)
        .collect();
    assert_eq!(got, computes);
}

#[test]
fn profiles_come_from_the_config_file_the_line_names() {
    let home = tempfile::tempdir().expect("temp home");
    let config = home.path().join(".config/amlc/config.toml");
    std::fs::create_dir_all(config.parent().expect("dir")).expect("mkdir");
    let text = "[profiles.prod]\nworkspace = \"w\"\n[profiles.dev]\n[profiles.demo]\n";
    std::fs::write(&config, text).expect("write config");
    let got = candidates(&mut request(home.path(), "bash", &["--profile", ""]));
    assert_eq!(got, ["demo", "dev", "prod"]);
    let got = candidates(&mut request(home.path(), "bash", &["--profile", "de"]));
    assert_eq!(got, ["demo", "dev"]);
    // --config on the line names another file; an invalid one gives nothing, silently.
    let other = home.path().join("other.toml");
    std::fs::write(&other, "[profiles.staging]\n").expect("write other");
    let other = other.to_str().expect("utf-8");
    let got = candidates(&mut request(
        home.path(),
        "bash",
        &["--config", other, "--profile", ""],
    ));
    assert_eq!(got, ["staging"]);
    std::fs::write(&config, "[profiles.prod]\nbad_key = 1\n").expect("break config");
    assert!(candidates(&mut request(home.path(), "bash", &["--profile", ""])).is_empty());
}

#[test]
fn a_workspace_that_does_not_answer_gives_nothing_quickly_and_silently() {
    // A listener that never accepts: connections are made, requests are never answered.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", silent.local_addr().expect("addr"));
    let home = tempfile::tempdir().expect("temp home");
    let start = Instant::now();
    let mut cmd = request(
        home.path(),
        "bash",
        &[
            "--endpoint",
            &url,
            "--auth",
            "token",
            "--subscription",
            SUB,
            "-g",
            "rg",
            "-w",
            "ws",
            "computes",
            "show",
            "",
        ],
    );
    cmd.env("AMLC_TOKEN", "t");
    assert_eq!(candidates(&mut cmd), Vec::<String>::new());
    let took = start.elapsed();
    assert!(took < Duration::from_secs(3), "took {took:?}");
    assert!(
        took >= Duration::from_millis(1000),
        "did it ask at all? {took:?}"
    );
    drop(silent);

    // Nothing configured and no emulator running: nothing, and no emulator is started for it.
    let start = Instant::now();
    assert!(candidates(&mut request(home.path(), "bash", &["logs", ""])).is_empty());
    assert!(start.elapsed() < Duration::from_secs(2));
    assert!(!home.path().join(".local/share/amlc/emulator").exists());
}

#[test]
fn the_man_page_renders_and_names_the_subcommands() {
    let home = tempfile::tempdir().expect("temp home");
    let r = Run::of(bare(home.path()).arg("man").output().expect("run amlc"));
    r.expect(0);
    assert!(
        r.stdout.starts_with(".ie") || r.stdout.contains(".TH amlc 1"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains(".TH amlc 1"));
    for section in [".SH NAME", ".SH SYNOPSIS", ".SH OPTIONS", ".SH SUBCOMMANDS"] {
        assert!(r.stdout.contains(section), "{section}");
    }
    for sub in SUBCOMMANDS {
        assert!(r.stdout.contains(&format!("amlc\\-{sub}(1)")), "{sub}");
    }

    let dir = home.path().join("man/man1");
    let r = Run::of(
        bare(home.path())
            .args(["man", "--dir", dir.to_str().expect("utf-8")])
            .output()
            .expect("run amlc"),
    );
    r.expect(0);
    for page in [
        "amlc.1",
        "amlc-computes.1",
        "amlc-computes-list-sizes.1",
        "amlc-jobs-cancel.1",
        "amlc-config-init.1",
    ] {
        let text = std::fs::read_to_string(dir.join(page)).unwrap_or_default();
        assert!(text.contains(".SH SYNOPSIS"), "{page}: {text}");
    }
    let text = std::fs::read_to_string(dir.join("amlc-computes-update.1")).unwrap_or_default();
    assert!(text.contains("max\\-instances"), "{text}");
    assert!(
        r.stderr.contains(&dir.display().to_string()),
        "{}",
        r.stderr
    );
}
