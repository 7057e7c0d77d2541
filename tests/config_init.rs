//! The commented default configuration (`assets/config.toml`, embedded in the binary) and the
//! `amlc config init|path` commands. As shipped the file sets nothing, so it reads as the built-in
//! defaults; with every setting uncommented it still parses strictly (no unknown key, no typo)
//! and each value restates the default the code uses (refresh, notify, logs, the profile's
//! cloud, api-version and auth, every key binding and every theme role). The commands run the
//! real binary with HOME and the XDG directories in a temporary directory.

mod cli_common;

use amlc::app::keys::{KeyMap, default_bindings};
use amlc::app::logview::DEFAULT_BUDGET_MB;
use amlc::app::notify::NotifyPolicy;
use amlc::app::sources::RefreshPolicy;
use amlc::commands::config::DEFAULT_CONFIG;
use amlc::config::file::parse_config;
use amlc::config::{ConfigFile, ContextFlags, ResolveInputs, resolve};
use amlc::ui::theme::Theme;
use cli_common::{Run, bare};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Whether `line` (without its `#`) is a setting: `key = value` or a `[table]` header.
fn is_setting(rest: &str) -> bool {
    let rest = rest.trim_end();
    if let Some(inner) = rest.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
        return !inner.is_empty()
            && inner
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '_' || c == '.');
    }
    match rest.split_once(" = ") {
        Some((key, value)) => {
            !key.is_empty()
                && !value.is_empty()
                && key.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        }
        None => false,
    }
}

/// The file with every commented setting uncommented, and how many settings that made.
fn uncommented(text: &str) -> (String, usize) {
    let mut out = String::new();
    let mut settings = 0;
    for line in text.lines() {
        match line.strip_prefix("# ") {
            Some(rest) if is_setting(rest) => {
                if !rest.starts_with('[') {
                    settings += 1;
                }
                out.push_str(rest);
            }
            _ => out.push_str(line),
        }
        out.push('\n');
    }
    (out, settings)
}

/// How many values (leaves) a TOML table holds.
fn leaves(table: &toml::Table) -> usize {
    table
        .values()
        .map(|v| match v {
            toml::Value::Table(t) => leaves(t),
            _ => 1,
        })
        .sum()
}

fn path() -> &'static Path {
    Path::new("assets/config.toml")
}

#[test]
fn the_default_config_as_shipped_is_the_built_in_defaults() {
    let parsed = parse_config(DEFAULT_CONFIG, path()).expect("the default config parses");
    let expected = ConfigFile {
        path: path().to_path_buf(),
        ..ConfigFile::default()
    };
    assert_eq!(parsed, expected);
    // Every line is a comment or blank: the file sets nothing until the user says so.
    for (i, line) in DEFAULT_CONFIG.lines().enumerate() {
        assert!(
            line.is_empty() || line.starts_with('#'),
            "line {}: {line:?}",
            i + 1
        );
    }
    // And the asset on disk is what the binary writes.
    let on_disk = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path()))
        .expect("assets/config.toml");
    assert_eq!(on_disk, DEFAULT_CONFIG);
}

#[test]
fn every_key_of_the_default_config_is_known_and_restates_the_default() {
    let (text, settings) = uncommented(DEFAULT_CONFIG);
    // No commented setting escaped the uncommenting (a `#key=value` the helper would not see).
    for line in text.lines().filter(|l| l.starts_with('#')) {
        let rest = line.trim_start_matches('#').trim_start();
        let looks_like_one = rest
            .split_once('=')
            .is_some_and(|(k, _)| !k.trim().is_empty() && !k.trim().contains(' '));
        assert!(
            !looks_like_one,
            "a setting not in `# key = value` form: {line:?}"
        );
    }
    let table: toml::Table = toml::from_str(&text).expect("uncommented config is TOML");
    assert_eq!(leaves(&table), settings, "each setting line is one value");
    // Strict parse: an unknown key or a bad value anywhere is an error.
    let c = parse_config(&text, path()).expect("every key is known");

    let r = &c.refresh;
    assert!(r.visible_secs.is_some() && r.busy_secs.is_some() && r.background_secs.is_some());
    assert_eq!(
        RefreshPolicy::from_secs(r.visible_secs, r.busy_secs, r.background_secs),
        RefreshPolicy::default()
    );
    let n = &c.notify;
    assert!(n.after_secs.is_some() && n.bell.is_some() && n.desktop.is_some());
    assert_eq!(
        NotifyPolicy::from_config(n.after_secs, n.bell, n.desktop),
        NotifyPolicy::default()
    );
    assert_eq!(c.logs.budget_mb, Some(DEFAULT_BUDGET_MB));

    // The profile's cloud, api-version and auth are those used when nothing is configured.
    let flags = ContextFlags::default();
    let none = |_: &str| None;
    let defaults = resolve(ResolveInputs {
        flags: &flags,
        env: &none,
        home: None,
        config_file: None,
    })
    .expect("defaults resolve");
    assert_eq!(c.profiles.len(), 1, "{:?}", c.profiles);
    let profile = c.profiles.values().next().expect("one profile");
    assert_eq!(
        c.default_profile.as_deref(),
        c.profiles.keys().next().map(String::as_str)
    );
    assert_eq!(
        profile.cloud.as_deref().map(str::parse),
        Some(Ok(defaults.cloud.value))
    );
    assert_eq!(
        profile.api_version.as_deref(),
        Some(defaults.api_version.value.as_str())
    );
    assert_eq!(
        profile.auth.as_deref().map(str::parse),
        Some(Ok(defaults.auth.value))
    );
    for value in [
        &profile.subscription,
        &profile.resource_group,
        &profile.workspace,
    ] {
        assert!(value.is_some(), "{profile:?}");
    }
    assert!(profile.endpoint.is_some(), "{profile:?}");

    // [keys]: every action, each with its default keys; nothing unknown.
    let (keymap, notices) = KeyMap::with_overrides(&c.keys);
    assert!(notices.is_empty(), "{notices:#?}");
    let listed: BTreeSet<&str> = c.keys.keys().map(String::as_str).collect();
    let missing: Vec<String> = default_bindings()
        .iter()
        .filter(|b| !listed.contains(b.name))
        .map(|b| format!("# {} = {:?}  ({})", b.name, b.keys, b.description))
        .collect();
    assert!(
        missing.is_empty(),
        "add to [keys] of assets/config.toml:\n{}",
        missing.join("\n")
    );
    for (ours, default) in keymap.bindings().iter().zip(default_bindings()) {
        assert_eq!(
            (ours.name, &ours.keys),
            (default.name, &default.keys),
            "[keys] {} does not restate its default",
            default.name
        );
    }

    // [theme]: every role, each with its default style; nothing unknown.
    let (theme, notices) = Theme::ansi16().with_overrides(&c.theme);
    assert!(notices.is_empty(), "{notices:#?}");
    let roles: BTreeSet<&str> = c.theme.keys().map(String::as_str).collect();
    assert_eq!(roles, Theme::ROLES.iter().copied().collect::<BTreeSet<_>>());
    assert_eq!(theme, Theme::ansi16());
}

#[test]
fn a_typo_in_the_default_config_would_not_survive() {
    // The check above can fail: the same text with one key misspelt is refused (tables with
    // fixed keys), or reported (the [keys] and [theme] tables).
    let (text, _) = uncommented(DEFAULT_CONFIG);
    for (good, bad) in [
        ("budget_mb =", "budget_mib ="),
        ("after_secs =", "after_sec ="),
        ("api_version =", "apiversion ="),
    ] {
        assert!(text.contains(good), "{good}");
        let broken = text.replacen(good, bad, 1);
        assert!(parse_config(&broken, path()).is_err(), "{bad} was accepted");
    }
    let broken = text.replacen("log_save =", "log_sav =", 1);
    let c = parse_config(&broken, path()).expect("[keys] takes any name");
    assert!(!KeyMap::with_overrides(&c.keys).1.is_empty());
    let broken = text.replacen("bar_idle =", "bar_idel =", 1);
    let c = parse_config(&broken, path()).expect("[theme] takes any name");
    assert!(!Theme::ansi16().with_overrides(&c.theme).1.is_empty());
}

/// `amlc ARGS` with HOME and the XDG directories under `home`.
fn amlc(home: &Path, args: &[&str]) -> Run {
    Run::of(bare(home).args(args).output().expect("run amlc"))
}

fn xdg_config(home: &Path) -> PathBuf {
    home.join(".config/amlc/config.toml")
}

#[test]
fn config_init_writes_the_default_refuses_again_and_force_overwrites() {
    let home = tempfile::tempdir().expect("temp home");
    let home = home.path();
    let target = xdg_config(home);
    assert!(!target.parent().is_some_and(Path::exists));

    let r = amlc(home, &["config", "init"]);
    r.expect(0);
    assert_eq!(
        std::fs::read_to_string(&target).ok().as_deref(),
        Some(DEFAULT_CONFIG)
    );
    assert!(
        r.stderr.contains(&target.display().to_string()),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty(), "{}", r.stdout);

    // The second time, an edited file is kept and the refusal says how to replace it.
    std::fs::write(&target, "default_profile = \"mine\"\n").expect("edit");
    let r = amlc(home, &["config", "init"]);
    r.expect(1);
    assert!(r.stderr.contains("already exists"), "{}", r.stderr);
    assert!(r.stderr.contains("--force"), "{}", r.stderr);
    assert!(
        r.stderr.contains(&target.display().to_string()),
        "{}",
        r.stderr
    );
    assert_eq!(
        std::fs::read_to_string(&target).ok().as_deref(),
        Some("default_profile = \"mine\"\n")
    );

    amlc(home, &["config", "init", "--force"]).expect(0);
    assert_eq!(
        std::fs::read_to_string(&target).ok().as_deref(),
        Some(DEFAULT_CONFIG)
    );

    // --config writes elsewhere (its directory created), leaving the default path alone.
    let other = home.join("elsewhere/deep/amlc.toml");
    let r = amlc(
        home,
        &["--config", other.to_str().expect("utf-8"), "config", "init"],
    );
    r.expect(0);
    assert_eq!(
        std::fs::read_to_string(&other).ok().as_deref(),
        Some(DEFAULT_CONFIG)
    );
    assert!(
        r.stderr.contains(&other.display().to_string()),
        "{}",
        r.stderr
    );
}

#[test]
fn config_path_honours_the_flag_then_the_environment() {
    let home = tempfile::tempdir().expect("temp home");
    let home = home.path();
    let default = xdg_config(home);

    let r = amlc(home, &["config", "path"]);
    r.expect(0);
    assert_eq!(r.stdout, format!("{}\n", default.display()));
    assert!(r.stderr.contains("config init"), "{}", r.stderr);

    let r = Run::of(
        bare(home)
            .args(["config", "path"])
            .env("AMLC_CONFIG", "/from/env.toml")
            .output()
            .expect("run amlc"),
    );
    r.expect(0);
    assert_eq!(r.stdout, "/from/env.toml\n");

    let r = Run::of(
        bare(home)
            .args(["config", "path", "--config", "/from/flag.toml"])
            .env("AMLC_CONFIG", "/from/env.toml")
            .output()
            .expect("run amlc"),
    );
    r.expect(0);
    assert_eq!(r.stdout, "/from/flag.toml\n");

    // Once written, no note that it is missing.
    amlc(home, &["config", "init"]).expect(0);
    let r = amlc(home, &["config", "path"]);
    r.expect(0);
    assert_eq!(r.stdout, format!("{}\n", default.display()));
    assert!(r.stderr.is_empty(), "{}", r.stderr);
}
