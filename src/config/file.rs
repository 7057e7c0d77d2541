//! amlc's own TOML config file: named profiles (subscription, resource group, workspace, cloud or
//! endpoint, api-version, auth method), the default profile, and the TUI's `[refresh]`,
//! `[notify]`, `[keys]` and `[theme]` tables.
//!
//! ```toml
//! default_profile = "prod"
//! [profiles.prod]
//! subscription = "..."
//! resource_group = "..."
//! workspace = "..."
//! cloud = "AzureCloud"         # or endpoint = "https://..."
//! api_version = "2025-12-01"
//! auth = "cli"
//! [notify]                     # when an operation or a watched job ends after a while
//! after_secs = 10
//! bell = true
//! desktop = true               # OSC 9 / OSC 777 (passed through tmux)
//! [logs]
//! budget_mb = 64               # memory for the lines of a log view (oldest dropped first)
//! ```
//!
//! Loading is strict: unknown keys are errors (typos must not be silent), syntax errors name the
//! file and line, and keys that look like secrets (token, secret, password) are rejected: the
//! file never holds credentials. This module does not decide precedence (see `context`).

use crate::azure::auth::AuthMethod;
use crate::azure::context::Cloud;
use crate::azure::error::{AzureError, Result};
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Words that mark a key as a secret, which the config file must never hold.
const SECRET_WORDS: [&str; 3] = ["token", "secret", "password"];

/// The parsed config file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Where the file was read from.
    #[serde(skip)]
    pub path: PathBuf,
    /// The profile used when neither `--profile` nor `AMLC_PROFILE` names one.
    #[serde(default)]
    pub default_profile: Option<String>,
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
    /// Reserved for the TUI: how often views refresh.
    #[serde(default)]
    pub refresh: RefreshConfig,
    /// Reserved for the TUI: notifications when long operations and watched jobs end.
    #[serde(default)]
    pub notify: NotifyConfig,
    /// Reserved for the TUI: the log view's memory budget.
    #[serde(default)]
    pub logs: LogsConfig,
    /// Reserved for the TUI: action name → key (e.g. `delete = "D"`).
    #[serde(default)]
    pub keys: BTreeMap<String, String>,
    /// Reserved for the TUI: element → colour or style.
    #[serde(default)]
    pub theme: BTreeMap<String, String>,
}

impl ConfigFile {
    /// The profile names, sorted.
    pub fn profile_names(&self) -> Vec<&str> {
        self.profiles.keys().map(String::as_str).collect()
    }

    /// "a, b, c", or "none" when the file defines no profile.
    pub fn known_profiles(&self) -> String {
        if self.profiles.is_empty() {
            "none".to_string()
        } else {
            self.profile_names().join(", ")
        }
    }
}

/// One `[profiles.NAME]` table. Values are checked when the file is loaded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    #[serde(default)]
    pub subscription: Option<String>,
    #[serde(default)]
    pub resource_group: Option<String>,
    #[serde(default)]
    pub workspace: Option<String>,
    /// AzureCloud, AzureChinaCloud, AzureUSGovernment (or an ARM endpoint URL).
    #[serde(default, deserialize_with = "de_cloud")]
    pub cloud: Option<String>,
    /// A custom ARM endpoint (an emulator, Azure Stack); wins over `cloud`.
    #[serde(default, deserialize_with = "de_endpoint")]
    pub endpoint: Option<String>,
    #[serde(default)]
    pub api_version: Option<String>,
    /// auto, cli, azd, sp, msi, workload or token.
    #[serde(default, deserialize_with = "de_auth")]
    pub auth: Option<String>,
}

/// `[refresh]`: seconds between refreshes of the visible view, of a view with a busy resource,
/// and of background views.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefreshConfig {
    #[serde(default)]
    pub visible_secs: Option<u64>,
    #[serde(default)]
    pub busy_secs: Option<u64>,
    #[serde(default)]
    pub background_secs: Option<u64>,
}

/// `[notify]`: an operation or a watched job that ran at least `after_secs` (default 10) and
/// ended shows a toast and, unless turned off, rings the terminal bell (`bell`) and sends a
/// desktop notification (`desktop`, OSC 9, or OSC 777 on VTE, rxvt and foot).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyConfig {
    #[serde(default)]
    pub after_secs: Option<u64>,
    #[serde(default)]
    pub bell: Option<bool>,
    #[serde(default)]
    pub desktop: Option<bool>,
}

/// `[logs]`: `budget_mb` (default 64) bounds the memory of a log view's lines; the oldest
/// lines are dropped first (a save re-reads the whole file from the service).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogsConfig {
    #[serde(default)]
    pub budget_mb: Option<usize>,
}

fn de_cloud<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<String>, D::Error> {
    let value = String::deserialize(d)?;
    value.parse::<Cloud>().map_err(serde::de::Error::custom)?;
    Ok(Some(value))
}

fn de_endpoint<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<String>, D::Error> {
    let value = String::deserialize(d)?;
    parse_endpoint(&value).map_err(serde::de::Error::custom)?;
    Ok(Some(value))
}

fn de_auth<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<String>, D::Error> {
    let value = String::deserialize(d)?;
    value
        .parse::<AuthMethod>()
        .map_err(serde::de::Error::custom)?;
    Ok(Some(value))
}

/// A custom ARM endpoint: an `http(s)://` URL with a host.
pub(crate) fn parse_endpoint(value: &str) -> std::result::Result<Cloud, String> {
    let lower = value.trim().to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://")) {
        return Err(format!(
            "endpoint {value:?} is not an http:// or https:// URL"
        ));
    }
    value.parse::<Cloud>()
}

/// Where amlc looks for its config file: `AMLC_CONFIG`, else the platform config directory
/// (`~/.config/amlc/config.toml` on Linux).
pub fn default_config_path(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    if let Some(path) = env("AMLC_CONFIG").filter(|p| !p.trim().is_empty()) {
        return Some(PathBuf::from(path.trim()));
    }
    directories::ProjectDirs::from("", "", "amlc").map(|d| d.config_dir().join("config.toml"))
}

/// Loads the config file at `path`: `Ok(None)` when it does not exist, an error naming the path
/// (and line, for syntax errors) when it cannot be read or is not a valid amlc config.
pub fn load_config(path: &Path) -> Result<Option<ConfigFile>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(AzureError::Invalid(format!(
                "cannot read config file {}: {e}",
                path.display()
            )));
        }
    };
    parse_config(&text, path).map(Some)
}

/// Parses config text; `path` is used in messages and stored in the result.
pub fn parse_config(text: &str, path: &Path) -> Result<ConfigFile> {
    let shown = path.display();
    let text = text.trim_start_matches('\u{feff}');
    // Syntax first, then secrets (before unknown-key errors, so the message says why), then shape.
    let table: toml::Table = toml::from_str(text).map_err(|e| {
        AzureError::Invalid(format!("config file {shown}: {}", describe_error(text, &e)))
    })?;
    if let Some((dotted, key)) = find_secret_key(&table, "") {
        let at = find_key_line(text, &key)
            .map(|line| format!(" (line {line})"))
            .unwrap_or_default();
        return Err(AzureError::Invalid(format!(
            "config file {shown}{at}: key `{dotted}` looks like a secret; the config file never holds secrets. Use `az login`, the AZURE_* environment variables or AMLC_TOKEN instead"
        )));
    }
    let mut config: ConfigFile = toml::from_str(text).map_err(|e| {
        AzureError::Invalid(format!("config file {shown}: {}", describe_error(text, &e)))
    })?;
    config.path = path.to_path_buf();
    if let Some(default) = &config.default_profile
        && !config.profiles.contains_key(default)
    {
        return Err(AzureError::Invalid(format!(
            "config file {shown}: default_profile {default:?} is not defined; known profiles: {}",
            config.known_profiles()
        )));
    }
    Ok(config)
}

/// "line L, column C: message" (one line), from a toml error and the text it came from.
fn describe_error(text: &str, error: &toml::de::Error) -> String {
    let message = crate::azure::error::one_line(error.message());
    match error.span() {
        Some(span) => {
            let start = span.start.min(text.len());
            let before = text.get(..start).unwrap_or(text);
            let line = before.matches('\n').count() + 1;
            let column = before
                .rsplit('\n')
                .next()
                .map(|l| l.chars().count() + 1)
                .unwrap_or(1);
            format!("line {line}, column {column}: {message}")
        }
        None => message,
    }
}

/// The first key (depth-first) whose name contains a secret word, as (dotted path, key).
fn find_secret_key(table: &toml::Table, prefix: &str) -> Option<(String, String)> {
    for (key, value) in table {
        let dotted = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        let lower = key.to_ascii_lowercase();
        if SECRET_WORDS.iter().any(|w| lower.contains(w)) {
            return Some((dotted, key.clone()));
        }
        if let toml::Value::Table(inner) = value
            && let Some(found) = find_secret_key(inner, &dotted)
        {
            return Some(found);
        }
    }
    None
}

/// Best effort: the line where `key` is assigned (`key = ...`, `"key" = ...`, `a.key = ...`).
fn find_key_line(text: &str, key: &str) -> Option<usize> {
    text.lines().enumerate().find_map(|(i, line)| {
        let (left, _) = line.split_once('=')?;
        let last = left.rsplit('.').next()?.trim().trim_matches(['"', '\'']);
        (last == key).then_some(i + 1)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logs_budget_is_parsed_strictly() {
        let path = Path::new("/x/config.toml");
        let c = parse_config("[logs]\nbudget_mb = 16\n", path).unwrap();
        assert_eq!(c.logs.budget_mb, Some(16));
        assert_eq!(parse_config("", path).unwrap().logs.budget_mb, None);
        assert!(parse_config("[logs]\nbudget = 16\n", path).is_err());
        assert!(parse_config("[logs]\nbudget_mb = -1\n", path).is_err());
    }

    #[test]
    fn notify_is_parsed_strictly() {
        let path = Path::new("c.toml");
        let c = parse_config("[notify]\nafter_secs = 30\nbell = false\n", path).unwrap();
        assert_eq!(
            c.notify,
            NotifyConfig {
                after_secs: Some(30),
                bell: Some(false),
                desktop: None
            }
        );
        let e = parse_config("[notify]\nbel = false\n", path).unwrap_err();
        assert!(e.to_string().contains("unknown field `bel`"), "{e}");
        let e = parse_config("[notify]\nbell = \"yes\"\n", path).unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
        let e = parse_config("[notify]\nafter_secs = -1\n", path).unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
    }

    #[test]
    fn error_lines_are_counted_from_one() {
        let text = "a = 1\nb = \n";
        let err = toml::from_str::<toml::Table>(text).unwrap_err();
        assert!(describe_error(text, &err).starts_with("line 2, column"));
    }

    #[test]
    fn secret_keys_are_found_in_nested_tables() {
        let table: toml::Table =
            toml::from_str("[profiles.p]\nworkspace = \"w\"\nclient_secret = \"x\"\n").unwrap();
        assert_eq!(
            find_secret_key(&table, ""),
            Some(("profiles.p.client_secret".into(), "client_secret".into()))
        );
        assert_eq!(
            find_key_line(
                "[profiles.p]\nworkspace = \"w\"\nclient_secret = \"x\"\n",
                "client_secret"
            ),
            Some(3)
        );
    }
}
