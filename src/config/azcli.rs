//! The Azure CLI's own defaults, read from its config directory (`AZURE_CONFIG_DIR`, else
//! `~/.azure`): the `config` INI file (`[defaults] group`, `[defaults] workspace`,
//! `[cloud] name`) and `azureProfile.json` (the default subscription and its cloud).
//!
//! These files belong to the Azure CLI, not to amlc: a missing, unreadable or malformed one is
//! skipped with a warning in the log, never an error, and nothing here writes to them or runs `az`.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What the Azure CLI's files say (every value trimmed, empty values dropped).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AzCliDefaults {
    /// `<dir>/config`.
    pub config_path: PathBuf,
    /// `<dir>/azureProfile.json`.
    pub profile_path: PathBuf,
    /// `[defaults] group`.
    pub group: Option<String>,
    /// `[defaults] workspace`.
    pub workspace: Option<String>,
    /// `[cloud] name`, the CLI's active cloud.
    pub cloud: Option<String>,
    /// The id of the default subscription (`isDefault: true`) in `azureProfile.json`.
    pub subscription: Option<String>,
    /// The `environmentName` of that subscription, e.g. "AzureCloud".
    pub subscription_cloud: Option<String>,
}

/// The Azure CLI's config directory: `AZURE_CONFIG_DIR`, else `<home>/.azure`.
pub fn az_config_dir(env: &dyn Fn(&str) -> Option<String>, home: Option<&Path>) -> Option<PathBuf> {
    match env("AZURE_CONFIG_DIR").filter(|v| !v.trim().is_empty()) {
        Some(dir) => Some(PathBuf::from(dir.trim())),
        None => home.map(|h| h.join(".azure")),
    }
}

/// Reads the Azure CLI defaults from `dir`. Missing or unreadable files give empty values.
pub fn read_az_cli_defaults(dir: &Path) -> AzCliDefaults {
    let mut out = AzCliDefaults {
        config_path: dir.join("config"),
        profile_path: dir.join("azureProfile.json"),
        ..AzCliDefaults::default()
    };
    if let Some(text) = read_optional(&out.config_path) {
        let ini = parse_ini(&text);
        let get = |section: &str, key: &str| {
            ini.get(section)
                .and_then(|s| s.get(key))
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        out.group = get("defaults", "group");
        out.workspace = get("defaults", "workspace");
        out.cloud = get("cloud", "name");
    }
    if let Some(text) = read_optional(&out.profile_path) {
        match parse_az_profile(&text, out.cloud.as_deref()) {
            Ok(Some((id, cloud))) => {
                out.subscription = Some(id);
                out.subscription_cloud = cloud;
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(
                path = %out.profile_path.display(),
                "ignoring the Azure CLI profile, it is not valid JSON: {e}"
            ),
        }
    }
    out
}

fn read_optional(path: &Path) -> Option<String> {
    match std::fs::read(path) {
        Ok(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            tracing::warn!(path = %path.display(), "cannot read an Azure CLI file: {e}");
            None
        }
    }
}

/// A minimal reader for the Python `configparser` files the Azure CLI writes: `[section]`
/// headers, `key = value` or `key: value` lines, `#`/`;` comment lines. Keys are lower-cased (as
/// configparser does); a later duplicate wins.
pub fn parse_ini(text: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut sections: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.trim_start_matches('\u{feff}').lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        if let Some(name) = trimmed.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            current = Some(name.trim().to_string());
            continue;
        }
        // Indented lines continue the previous value in configparser; amlc needs none of those.
        if line.starts_with([' ', '\t']) {
            continue;
        }
        let Some(section) = &current else { continue };
        let split = trimmed.find(['=', ':']);
        if let Some(at) = split {
            let key = trimmed[..at].trim().to_ascii_lowercase();
            let value = trimmed[at + 1..].trim().to_string();
            sections
                .entry(section.clone())
                .or_default()
                .insert(key, value);
        }
    }
    sections
}

#[derive(Deserialize)]
struct AzProfile {
    #[serde(default)]
    subscriptions: Vec<AzSubscription>,
}

#[derive(Deserialize)]
struct AzSubscription {
    #[serde(default)]
    id: String,
    #[serde(rename = "isDefault", default)]
    is_default: bool,
    #[serde(rename = "environmentName", default)]
    environment_name: Option<String>,
}

/// The default subscription of an `azureProfile.json` (which often starts with a UTF-8 BOM) and
/// its cloud. The CLI keeps one default per cloud; the one of `active_cloud` is preferred.
fn parse_az_profile(
    text: &str,
    active_cloud: Option<&str>,
) -> Result<Option<(String, Option<String>)>, serde_json::Error> {
    let text = text.trim_start_matches('\u{feff}').trim();
    if text.is_empty() {
        return Ok(None);
    }
    let profile: AzProfile = serde_json::from_str(text)?;
    let defaults: Vec<&AzSubscription> = profile
        .subscriptions
        .iter()
        .filter(|s| s.is_default && !s.id.trim().is_empty())
        .collect();
    let chosen = active_cloud
        .and_then(|cloud| {
            defaults.iter().find(|s| {
                s.environment_name
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case(cloud))
            })
        })
        .or_else(|| defaults.first());
    Ok(chosen.map(|s| {
        (
            s.id.trim().to_string(),
            s.environment_name
                .as_deref()
                .map(str::trim)
                .filter(|e| !e.is_empty())
                .map(str::to_string),
        )
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ini_sections_and_comments() {
        let ini = parse_ini(
            "\u{feff}# comment\n[defaults]\nGroup = rg1\nworkspace: ws1\n; other\n[cloud]\nname = AzureChinaCloud\n  continued\n",
        );
        assert_eq!(ini["defaults"]["group"], "rg1");
        assert_eq!(ini["defaults"]["workspace"], "ws1");
        assert_eq!(ini["cloud"]["name"], "AzureChinaCloud");
        assert_eq!(ini["cloud"].len(), 1);
    }

    #[test]
    fn profile_prefers_the_active_cloud_default() {
        let json = r#"{"subscriptions":[
            {"id":"pub","isDefault":true,"environmentName":"AzureCloud"},
            {"id":"cn","isDefault":true,"environmentName":"AzureChinaCloud"},
            {"id":"other","isDefault":false,"environmentName":"AzureCloud"}]}"#;
        assert_eq!(
            parse_az_profile(json, Some("AzureChinaCloud")).unwrap(),
            Some(("cn".into(), Some("AzureChinaCloud".into())))
        );
        assert_eq!(
            parse_az_profile(json, None).unwrap(),
            Some(("pub".into(), Some("AzureCloud".into())))
        );
        assert_eq!(parse_az_profile("\u{feff}", None).unwrap(), None);
        assert!(parse_az_profile("{", None).is_err());
    }
}
