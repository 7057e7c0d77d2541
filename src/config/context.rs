//! Resolves the workspace context (cloud, subscription, resource group, workspace, api-version,
//! auth method) and remembers where each value came from, for `amlc doctor`.
//!
//! Precedence, highest first, value by value:
//! 1. flags (`--subscription`, `-g/--resource-group`, `-w/--workspace`, `--endpoint`, `--cloud`,
//!    `--api-version`, `--auth`);
//! 2. the environment (`AZURE_SUBSCRIPTION_ID`, `AZURE_RESOURCE_GROUP`, `AZUREML_WORKSPACE_NAME`,
//!    `AMLC_ENDPOINT`, `AMLC_CLOUD`, `AMLC_API_VERSION`, `AMLC_AUTH`);
//! 3. a config-file profile chosen explicitly with `--profile` or `AMLC_PROFILE` (a deliberate
//!    choice outranks the Azure CLI's ambient defaults, so a profile is never silently mixed with
//!    another subscription or workspace);
//! 4. the Azure CLI's defaults (`[defaults] group/workspace` and `[cloud] name` in its `config`,
//!    the default subscription of `azureProfile.json` and that subscription's cloud);
//! 5. the config file's `default_profile` (or a profile named `default`);
//! 6. built-in defaults (AzureCloud, [`DEFAULT_API_VERSION`], auth `auto`).
//!
//! At each level a custom endpoint wins over a cloud name. Empty values count as unset.
//!
//! [`ResolvedContext::case`] then says what the values make ([`ContextCase`]): a complete
//! workspace; nothing configured at all (the built-in emulator); only the Azure CLI's ambient
//! login (a workspace must be picked); or explicit values (flags, environment, the config file:
//! a workspace value, an endpoint or cloud, a profile named with `--profile`/`AMLC_PROFILE`, an
//! auth method, a static token in `AMLC_TOKEN`) that do not name a workspace, an error naming
//! each missing value and where it may come from.
//! This module decides nothing about tokens (see `azure::auth`; it only notes whether
//! `AMLC_TOKEN` is set, never its value) and never mutates the process environment: the
//! environment lookup is injected.

use super::azcli::{AzCliDefaults, az_config_dir, read_az_cli_defaults};
use super::file::{ConfigFile, Profile, load_config, parse_endpoint};
use crate::azure::auth::{AuthMethod, STATIC_TOKEN_ENV};
use crate::azure::context::{Cloud, DEFAULT_API_VERSION, WorkspaceContext};
use crate::azure::error::{AzureError, Result};
use std::fmt;
use std::path::PathBuf;

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A command-line flag, e.g. `Flag("--workspace")`.
    Flag(&'static str),
    /// An environment variable.
    Env(String),
    /// The Azure CLI's `config` file.
    AzCliConfig(PathBuf),
    /// The Azure CLI's `azureProfile.json` (the default subscription).
    AzCliProfile(PathBuf),
    /// A profile of amlc's config file.
    ConfigFile { path: PathBuf, profile: String },
    /// amlc's built-in default.
    Default,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Flag(flag) => write!(f, "flag {flag}"),
            Source::Env(name) => write!(f, "env {name}"),
            Source::AzCliConfig(path) => write!(f, "az CLI config {}", path.display()),
            Source::AzCliProfile(path) => {
                write!(f, "az CLI default subscription {}", path.display())
            }
            Source::ConfigFile { path, profile } => {
                write!(f, "{} [profiles.{profile}]", path.display())
            }
            Source::Default => f.write_str("default"),
        }
    }
}

impl Source {
    /// A value the user gave on purpose: a flag, an environment variable or amlc's config file.
    /// The Azure CLI's files and built-in defaults are ambient.
    pub fn is_explicit(&self) -> bool {
        matches!(
            self,
            Source::Flag(_) | Source::Env(_) | Source::ConfigFile { .. }
        )
    }
}

/// A value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sourced<T> {
    pub value: T,
    pub source: Source,
}

impl<T> Sourced<T> {
    pub fn new(value: T, source: Source) -> Self {
        Sourced { value, source }
    }
}

/// The context flags as given on the command line (the CLI layer fills this; no clap here).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContextFlags {
    pub subscription: Option<String>,
    pub resource_group: Option<String>,
    pub workspace: Option<String>,
    pub endpoint: Option<String>,
    pub cloud: Option<String>,
    pub api_version: Option<String>,
    pub profile: Option<String>,
    pub auth: Option<String>,
}

/// Everything [`resolve`] reads.
pub struct ResolveInputs<'a> {
    pub flags: &'a ContextFlags,
    /// Environment lookup (production: [`process_env`]).
    pub env: &'a dyn Fn(&str) -> Option<String>,
    /// The home directory, for `~/.azure` when `AZURE_CONFIG_DIR` is unset.
    pub home: Option<PathBuf>,
    /// amlc's config file; `None` reads none (production: `default_config_path`).
    pub config_file: Option<PathBuf>,
}

impl<'a> ResolveInputs<'a> {
    /// The inputs of a real run: the process environment, the user's home and the default config
    /// file path.
    pub fn from_process(flags: &'a ContextFlags) -> ResolveInputs<'a> {
        ResolveInputs {
            flags,
            env: &process_env,
            home: directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf()),
            config_file: super::file::default_config_path(&process_env),
        }
    }
}

/// Looks a variable up in the process environment (non-UTF-8 values count as unset).
pub fn process_env(key: &str) -> Option<String> {
    std::env::var(key).ok()
}

/// The resolved context with the source of every value.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedContext {
    pub cloud: Sourced<Cloud>,
    pub subscription: Option<Sourced<String>>,
    pub resource_group: Option<Sourced<String>>,
    pub workspace: Option<Sourced<String>>,
    pub api_version: Sourced<String>,
    pub auth: Sourced<AuthMethod>,
    /// The config-file profile in use, if any.
    pub profile: Option<String>,
    /// How [`Self::profile`] was named when chosen on purpose (`--profile` or `AMLC_PROFILE`);
    /// `None` for the config file's default profile or no profile.
    pub profile_source: Option<Source>,
    /// Where a static token was given (`AMLC_TOKEN` set and not empty). Only its presence is
    /// kept, never its value.
    pub static_token: Option<Source>,
    /// The config file that was read (`None` when there was none).
    pub config: Option<ConfigFile>,
    /// Where the config file is looked for (whether or not it exists), for hints.
    pub config_path: Option<PathBuf>,
    /// The Azure CLI config directory that was consulted.
    pub az_config_dir: Option<PathBuf>,
}

impl ResolvedContext {
    /// The workspace to talk to, or `None` when subscription, resource group or workspace is
    /// missing ([`Self::case`] then says whether that means the emulator, a pick or an error).
    pub fn workspace_context(&self) -> Option<WorkspaceContext> {
        let (Some(sub), Some(rg), Some(ws)) =
            (&self.subscription, &self.resource_group, &self.workspace)
        else {
            return None;
        };
        let mut context =
            WorkspaceContext::new(self.cloud.value.clone(), &sub.value, &rg.value, &ws.value);
        context.api_version = self.api_version.value.clone();
        Some(context)
    }

    /// The names of the missing workspace values ("subscription", "resource group",
    /// "workspace").
    pub fn missing(&self) -> Vec<&'static str> {
        [
            ("subscription", &self.subscription),
            ("resource group", &self.resource_group),
            ("workspace", &self.workspace),
        ]
        .into_iter()
        .filter(|(_, v)| v.is_none())
        .map(|(name, _)| name)
        .collect()
    }

    /// Which of the cases of [`ContextCase`] these values make (see there for the rules).
    pub fn case(&self) -> ContextCase {
        let values = [
            ("subscription", &self.subscription),
            ("resource group", &self.resource_group),
            ("workspace", &self.workspace),
        ];
        if values.iter().all(|(_, v)| v.is_some()) {
            return ContextCase::Complete;
        }
        let explicit_value = values
            .iter()
            .any(|(_, v)| v.as_ref().is_some_and(|v| v.source.is_explicit()));
        let explicit_target = self.cloud.source.is_explicit();
        if !explicit_value && let Some(subscription) = &self.subscription {
            return ContextCase::AmbientLogin {
                subscription: subscription.clone(),
                resource_group: self.resource_group.clone(),
            };
        }
        let any_value = values.iter().any(|(_, v)| v.is_some());
        let how = self.explicit_how();
        if !any_value && !explicit_target && how.is_empty() {
            return ContextCase::NothingConfigured;
        }
        let mut given: Vec<(&'static str, Sourced<String>)> = values
            .iter()
            .filter_map(|(name, v)| v.as_ref().map(|v| (*name, v.clone())))
            .collect();
        if explicit_target {
            given.push((
                if matches!(self.cloud.value, Cloud::Custom(_)) {
                    "endpoint"
                } else {
                    "cloud"
                },
                Sourced::new(self.cloud.value.to_string(), self.cloud.source.clone()),
            ));
        }
        given.extend(how);
        ContextCase::Incomplete {
            given,
            missing: self.missing(),
        }
    }

    /// What the user gave on purpose about *how* to connect rather than *where*: a profile named
    /// with `--profile`/`AMLC_PROFILE` (even one holding only `auth`), an auth method from a
    /// flag, the environment or a profile, and a static token in `AMLC_TOKEN` (value "", it is
    /// never shown). Each says the user means Azure (or some server), not the demo, so without a
    /// workspace they make the case `Incomplete` instead of `NothingConfigured`. With the Azure
    /// CLI's ambient login they only say how to list its workspaces, and the case stays a pick.
    ///
    /// The api-version does not count: it is harmless for the emulator, which serves the same
    /// api-versions, and `AMLC_API_VERSION` set for every run must not turn off the demo.
    fn explicit_how(&self) -> Vec<(&'static str, Sourced<String>)> {
        let mut how = Vec::new();
        if let (Some(name), Some(source)) = (&self.profile, &self.profile_source) {
            how.push(("profile", Sourced::new(name.clone(), source.clone())));
        }
        if self.auth.source.is_explicit() {
            how.push((
                "auth",
                Sourced::new(self.auth.value.to_string(), self.auth.source.clone()),
            ));
        }
        if let Some(source) = &self.static_token {
            how.push(("static token", Sourced::new(String::new(), source.clone())));
        }
        how
    }

    /// The error for values that do not make a whole workspace: what was given, each missing
    /// value and where it may come from. `None` unless [`Self::case`] is `Incomplete`.
    pub fn incomplete_message(&self) -> Option<String> {
        let ContextCase::Incomplete { given, missing } = self.case() else {
            return None;
        };
        let config = self.config_path_shown();
        let mut text = String::from("incomplete Azure context: ");
        if given.is_empty() {
            text.push_str("no workspace is named");
        } else {
            let parts: Vec<String> = given
                .iter()
                .map(|(name, v)| {
                    if v.value.is_empty() {
                        format!("{name} ({})", v.source)
                    } else {
                        format!("{name} {} ({})", v.value, v.source)
                    }
                })
                .collect();
            text.push_str(&format!(
                "{} given, but a workspace needs a subscription, a resource group and a workspace name",
                parts.join(", ")
            ));
        }
        text.push_str("; missing:");
        for name in missing {
            text.push_str(&format!("\n  {name}: {}", missing_hint(name, &config)));
        }
        text.push_str(
            "\nNothing was sent. Use --emulator for the built-in demo workspace instead.",
        );
        Some(text)
    }

    /// The config file path to show in hints (the one read, else the default location).
    fn config_path_shown(&self) -> String {
        match (&self.config, &self.config_path) {
            (Some(c), _) => c.path.display().to_string(),
            (None, Some(path)) => path.display().to_string(),
            (None, None) => "amlc's config file".to_string(),
        }
    }

    /// (field, value, source) rows for `amlc doctor`.
    pub fn describe_sources(&self) -> Vec<(String, String, String)> {
        let row = |field: &str, value: String, source: String| (field.to_string(), value, source);
        let config = self.config_path_shown();
        let optional = |field: &str, value: &Option<Sourced<String>>, _: &str| match value {
            Some(v) => row(field, v.value.clone(), v.source.to_string()),
            None => row(
                field,
                "(not set)".into(),
                format!("set {}", missing_hint(field, &config)),
            ),
        };
        let mut rows = vec![
            row(
                "cloud",
                self.cloud.value.to_string(),
                self.cloud.source.to_string(),
            ),
            optional(
                "subscription",
                &self.subscription,
                "set --subscription or AZURE_SUBSCRIPTION_ID",
            ),
            optional(
                "resource group",
                &self.resource_group,
                "set -g/--resource-group or AZURE_RESOURCE_GROUP",
            ),
            optional(
                "workspace",
                &self.workspace,
                "set -w/--workspace or AZUREML_WORKSPACE_NAME",
            ),
            row(
                "api-version",
                self.api_version.value.clone(),
                self.api_version.source.to_string(),
            ),
            row(
                "auth",
                self.auth.value.to_string(),
                self.auth.source.to_string(),
            ),
        ];
        let config_shown = self
            .config
            .as_ref()
            .map(|c| c.path.display().to_string())
            .unwrap_or_else(|| "no config file".to_string());
        rows.push(match &self.profile {
            Some(name) => row("profile", name.clone(), config_shown),
            None => row("profile", "(none)".into(), config_shown),
        });
        rows
    }
}

/// Where a missing workspace value may come from, in precedence order.
pub fn missing_hint(name: &str, config: &str) -> String {
    match name {
        "subscription" => format!(
            "--subscription ID, env AZURE_SUBSCRIPTION_ID, `az login` / `az account set --subscription ID`, or `subscription = \"ID\"` in a [profiles.NAME] of {config}"
        ),
        "resource group" => format!(
            "-g/--resource-group NAME, env AZURE_RESOURCE_GROUP, `az configure --defaults group=NAME`, or `resource_group = \"NAME\"` in a [profiles.NAME] of {config}"
        ),
        "workspace" => format!(
            "-w/--workspace NAME, env AZUREML_WORKSPACE_NAME, `az configure --defaults workspace=NAME`, or `workspace = \"NAME\"` in a [profiles.NAME] of {config}"
        ),
        other => other.to_string(),
    }
}

/// What the resolved values make, which decides what amlc talks to.
///
/// - `Complete`: subscription, resource group and workspace are all set (from any level).
/// - `NothingConfigured`: no workspace value and no endpoint or cloud anywhere but the Azure
///   CLI's own files: the built-in emulator is used.
/// - `AmbientLogin`: only the Azure CLI's ambient state (the default subscription of
///   `azureProfile.json`, perhaps `az configure --defaults group=`), nothing given explicitly for
///   subscription, group or workspace: the user picks a workspace (the TUI's picker; headless
///   commands fail listing them). An explicit endpoint or cloud says where to list.
/// - `Incomplete`: values given explicitly (flags, environment, a profile of the config file),
///   an explicit endpoint/cloud, or only an explicit way to sign in (a profile named with
///   `--profile`/`AMLC_PROFILE`, an auth method, `AMLC_TOKEN`), that do not make a whole
///   workspace: an error naming each missing value, and nothing is sent. An api-version alone
///   does not count (see [`ResolvedContext::case`]).
///
/// `--emulator` is decided by the caller (`connect::plan_for`) and wins over every case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContextCase {
    Complete,
    NothingConfigured,
    AmbientLogin {
        subscription: Sourced<String>,
        resource_group: Option<Sourced<String>>,
    },
    Incomplete {
        /// The values that were given, by name ("subscription", ..., "endpoint", "cloud").
        given: Vec<(&'static str, Sourced<String>)>,
        /// "subscription", "resource group", "workspace".
        missing: Vec<&'static str>,
    },
}

/// The raw values one level offers, each with its source.
#[derive(Default)]
struct Level {
    subscription: Option<Sourced<String>>,
    resource_group: Option<Sourced<String>>,
    workspace: Option<Sourced<String>>,
    cloud: Option<Sourced<String>>,
    endpoint: Option<Sourced<String>>,
    api_version: Option<Sourced<String>>,
    auth: Option<Sourced<String>>,
}

fn present(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

fn flag_level(flags: &ContextFlags) -> Level {
    let flag = |value: &Option<String>, name: &'static str| {
        present(value.as_deref()).map(|v| Sourced::new(v, Source::Flag(name)))
    };
    Level {
        subscription: flag(&flags.subscription, "--subscription"),
        resource_group: flag(&flags.resource_group, "--resource-group"),
        workspace: flag(&flags.workspace, "--workspace"),
        cloud: flag(&flags.cloud, "--cloud"),
        endpoint: flag(&flags.endpoint, "--endpoint"),
        api_version: flag(&flags.api_version, "--api-version"),
        auth: flag(&flags.auth, "--auth"),
    }
}

fn env_level(env: &dyn Fn(&str) -> Option<String>) -> Level {
    let var = |name: &str| {
        present(env(name).as_deref()).map(|v| Sourced::new(v, Source::Env(name.to_string())))
    };
    Level {
        subscription: var("AZURE_SUBSCRIPTION_ID"),
        resource_group: var("AZURE_RESOURCE_GROUP"),
        workspace: var("AZUREML_WORKSPACE_NAME"),
        cloud: var("AMLC_CLOUD"),
        endpoint: var("AMLC_ENDPOINT"),
        api_version: var("AMLC_API_VERSION"),
        auth: var("AMLC_AUTH"),
    }
}

fn profile_level(config: &ConfigFile, name: &str, profile: &Profile) -> Level {
    let value = |v: &Option<String>| {
        present(v.as_deref()).map(|v| {
            Sourced::new(
                v,
                Source::ConfigFile {
                    path: config.path.clone(),
                    profile: name.to_string(),
                },
            )
        })
    };
    Level {
        subscription: value(&profile.subscription),
        resource_group: value(&profile.resource_group),
        workspace: value(&profile.workspace),
        cloud: value(&profile.cloud),
        endpoint: value(&profile.endpoint),
        api_version: value(&profile.api_version),
        auth: value(&profile.auth),
    }
}

fn az_level(az: &AzCliDefaults) -> Level {
    let from_config = |v: &Option<String>| {
        present(v.as_deref()).map(|v| Sourced::new(v, Source::AzCliConfig(az.config_path.clone())))
    };
    let from_profile = |v: &Option<String>| {
        present(v.as_deref())
            .map(|v| Sourced::new(v, Source::AzCliProfile(az.profile_path.clone())))
    };
    Level {
        subscription: from_profile(&az.subscription),
        resource_group: from_config(&az.group),
        workspace: from_config(&az.workspace),
        cloud: from_config(&az.cloud).or_else(|| from_profile(&az.subscription_cloud)),
        endpoint: None,
        api_version: None,
        auth: None,
    }
}

/// Which profile to use: (name, how it was named when chosen explicitly; `None` for the config
/// file's default).
fn select_profile(
    inputs: &ResolveInputs<'_>,
    config: Option<&ConfigFile>,
) -> Result<Option<(String, Option<Source>)>> {
    let explicit = match present(inputs.flags.profile.as_deref()) {
        Some(name) => Some((name, Source::Flag("--profile"))),
        None => present((inputs.env)("AMLC_PROFILE").as_deref())
            .map(|name| (name, Source::Env("AMLC_PROFILE".into()))),
    };
    match (explicit, config) {
        (Some((name, source)), Some(config)) => {
            if config.profiles.contains_key(&name) {
                Ok(Some((name, Some(source))))
            } else {
                Err(AzureError::Invalid(format!(
                    "unknown profile {name:?} (from {source}); known profiles in {}: {}",
                    config.path.display(),
                    config.known_profiles()
                )))
            }
        }
        (Some((name, source)), None) => Err(AzureError::Invalid(format!(
            "unknown profile {name:?} (from {source}): {}",
            match &inputs.config_file {
                Some(path) => format!("config file {} does not exist", path.display()),
                None => "no config file is in use".to_string(),
            }
        ))),
        (None, Some(config)) => Ok(config
            .default_profile
            .clone()
            .or_else(|| {
                config
                    .profiles
                    .contains_key("default")
                    .then(|| "default".to_string())
            })
            .map(|name| (name, None))),
        (None, None) => Ok(None),
    }
}

/// Resolves the context from flags, environment, Azure CLI defaults, the config file and
/// built-in defaults (see the module docs for the order).
pub fn resolve(inputs: ResolveInputs<'_>) -> Result<ResolvedContext> {
    let config = match &inputs.config_file {
        Some(path) => load_config(path)?,
        None => None,
    };
    let selected = select_profile(&inputs, config.as_ref())?;
    let profile = match (&config, &selected) {
        (Some(config), Some((name, explicit))) => config
            .profiles
            .get(name)
            .map(|p| (profile_level(config, name, p), explicit.is_some())),
        _ => None,
    };

    let az_dir = az_config_dir(inputs.env, inputs.home.as_deref());
    let az = az_dir
        .as_deref()
        .map(read_az_cli_defaults)
        .map(|d| az_level(&d))
        .unwrap_or_default();

    let mut levels: Vec<Level> = vec![flag_level(inputs.flags), env_level(inputs.env)];
    match profile {
        Some((level, true)) => levels.extend([level, az]),
        Some((level, false)) => levels.extend([az, level]),
        None => levels.push(az),
    }

    let first = |get: fn(&Level) -> &Option<Sourced<String>>| {
        levels.iter().find_map(|level| get(level).clone())
    };

    let cloud = match levels.iter().find_map(|l| {
        l.endpoint
            .clone()
            .map(|e| (e, true))
            .or_else(|| l.cloud.clone().map(|c| (c, false)))
    }) {
        Some((raw, is_endpoint)) => {
            let parsed = if is_endpoint {
                parse_endpoint(&raw.value)
            } else {
                raw.value.parse::<Cloud>()
            };
            let value = parsed.map_err(|e| {
                AzureError::Invalid(format!("{} (from {}): {e}", what(is_endpoint), raw.source))
            })?;
            Sourced::new(value, raw.source)
        }
        None => Sourced::new(Cloud::AzureCloud, Source::Default),
    };

    let auth = match first(|l| &l.auth) {
        Some(raw) => {
            let value = raw.value.parse::<AuthMethod>().map_err(|e| {
                AzureError::Invalid(format!("auth method (from {}): {e}", raw.source))
            })?;
            Sourced::new(value, raw.source)
        }
        None => Sourced::new(AuthMethod::Auto, Source::Default),
    };

    let api_version = first(|l| &l.api_version)
        .unwrap_or_else(|| Sourced::new(DEFAULT_API_VERSION.to_string(), Source::Default));

    Ok(ResolvedContext {
        cloud,
        subscription: first(|l| &l.subscription),
        resource_group: first(|l| &l.resource_group),
        workspace: first(|l| &l.workspace),
        api_version,
        auth,
        static_token: present((inputs.env)(STATIC_TOKEN_ENV).as_deref())
            .map(|_| Source::Env(STATIC_TOKEN_ENV.to_string())),
        profile: selected.as_ref().map(|(name, _)| name.clone()),
        profile_source: selected.and_then(|(_, source)| source),
        config,
        config_path: inputs.config_file.clone(),
        az_config_dir: az_dir,
    })
}

fn what(is_endpoint: bool) -> &'static str {
    if is_endpoint { "endpoint" } else { "cloud" }
}
