//! Token sources for ARM: the azure_identity credentials (Azure CLI, Azure Developer CLI, service
//! principal, managed identity, workload identity), a static bearer token for an emulator
//! (`AMLC_TOKEN`), and `auto`, a chain of those that amlc writes itself (azure_identity 1.0 has no
//! `DefaultAzureCredential`). Every [`Credential`] caches its token and refreshes it five minutes
//! before it expires, with one refresh shared by all concurrent callers.
//!
//! This module owns nothing else: it does not decide which cloud or workspace is used (that is
//! `config`'s job), and no token or secret ever reaches an error message, a log line or `Debug`
//! output. amlc's code here never reads the process environment: the lookup is injected, and it
//! also supplies `PATH`/`AZURE_CONFIG_DIR` to the `az`/`azd` processes. (azure_identity itself
//! still reads a few variables of the process, e.g. `AZURE_AUTHORITY_HOST` and the managed
//! identity endpoint variables.) Detecting managed identity never sends network traffic.

// `AzureError` is large (an `ErrorDetail` inline); boxing it belongs in error.rs, not here.

use crate::azure::context::Cloud;
use crate::azure::error::{AzureError, Result};
use async_trait::async_trait;
use azure_core::cloud::CloudConfiguration;
use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azure_core::http::ClientOptions;
use azure_identity::{
    AzureCliCredential, AzureCliCredentialOptions, AzureDeveloperCliCredential,
    AzureDeveloperCliCredentialOptions, ClientAssertionCredentialOptions, ClientSecretCredential,
    ClientSecretCredentialOptions, Executor, ManagedIdentityCredential,
    ManagedIdentityCredentialOptions, UserAssignedId, WorkloadIdentityCredential,
    WorkloadIdentityCredentialOptions,
};
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::str::FromStr;
use std::sync::{Arc, OnceLock};
use time::{Duration, OffsetDateTime};

pub use azure_core::credentials::Secret;

/// Where Linux exposes the DMI chassis asset tag; Azure VMs carry [`AZURE_VM_ASSET_TAG`] there.
pub const AZURE_VM_ASSET_TAG_PATH: &str = "/sys/class/dmi/id/chassis_asset_tag";
/// The chassis asset tag of every Azure virtual machine.
pub const AZURE_VM_ASSET_TAG: &str = "7783-7084-3265-9085";
/// A cached token is refreshed this long before it expires.
pub const REFRESH_MARGIN: Duration = Duration::minutes(5);
/// How long a static `AMLC_TOKEN` that is not a JWT with `exp` is considered valid.
pub const STATIC_TOKEN_LIFETIME: Duration = Duration::hours(24);
/// The environment variable holding a static bearer token for `--auth token`.
pub const STATIC_TOKEN_ENV: &str = "AMLC_TOKEN";

/// How long one run of `az`/`azd` may take before it is abandoned.
const TOOL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);
/// The advice shown when no source in the `auto` chain produced a token.
const AUTO_ADVICE: &str = "run `az login`, or set AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET, or use --auth token with AMLC_TOKEN for an emulator";

/// How amlc obtains ARM tokens (`--auth`, `AMLC_AUTH`, `auth =` in a profile).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AuthMethod {
    /// Service principal env vars, workload identity, managed identity, Azure CLI, azd: the first
    /// that yields a token.
    #[default]
    Auto,
    /// `az account get-access-token`.
    Cli,
    /// `azd auth token`.
    Azd,
    /// A service principal from AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET.
    Sp,
    /// The managed identity of the Azure host (AZURE_CLIENT_ID selects a user-assigned one).
    Msi,
    /// Entra workload identity (AZURE_FEDERATED_TOKEN_FILE, AZURE_TENANT_ID, AZURE_CLIENT_ID).
    Workload,
    /// A static bearer token from `AMLC_TOKEN` (for an emulator or a token fetched elsewhere).
    Token,
}

impl AuthMethod {
    /// Every method, in the order `--help` lists them.
    pub const ALL: [AuthMethod; 7] = [
        AuthMethod::Auto,
        AuthMethod::Cli,
        AuthMethod::Azd,
        AuthMethod::Sp,
        AuthMethod::Msi,
        AuthMethod::Workload,
        AuthMethod::Token,
    ];

    /// The name used on the command line and in the config file.
    pub fn as_str(&self) -> &'static str {
        match self {
            AuthMethod::Auto => "auto",
            AuthMethod::Cli => "cli",
            AuthMethod::Azd => "azd",
            AuthMethod::Sp => "sp",
            AuthMethod::Msi => "msi",
            AuthMethod::Workload => "workload",
            AuthMethod::Token => "token",
        }
    }
}

impl fmt::Display for AuthMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AuthMethod {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        AuthMethod::ALL
            .into_iter()
            .find(|m| m.as_str() == lower)
            .ok_or_else(|| {
                format!("unknown auth method {s:?}: use auto, cli, azd, sp, msi, workload or token")
            })
    }
}

/// A bearer token with its expiry and the source that produced it.
///
/// `Debug` shows `Secret` in place of the token.
#[derive(Debug, Clone)]
pub struct AccessTokenInfo {
    pub token: Secret,
    pub expires_on: OffsetDateTime,
    /// A human description of the source, e.g. "Azure CLI".
    pub source: String,
}

impl AccessTokenInfo {
    /// True while the token is usable without a refresh (more than [`REFRESH_MARGIN`] left).
    pub fn is_fresh(&self, now: OffsetDateTime) -> bool {
        now < self.expires_on - REFRESH_MARGIN
    }
}

/// A [`TokenCredential`] that always returns the same token (for `--auth token` and for tests
/// against an emulator).
pub struct StaticTokenCredential {
    token: Secret,
    expires_on: OffsetDateTime,
}

impl StaticTokenCredential {
    /// A credential for `token`. Its expiry is the JWT `exp` claim when the token is a JWT that
    /// has one, otherwise now + [`STATIC_TOKEN_LIFETIME`].
    pub fn new(token: impl Into<String>) -> Self {
        let token: String = token.into();
        let expires_on =
            jwt_expiry(&token).unwrap_or_else(|| OffsetDateTime::now_utc() + STATIC_TOKEN_LIFETIME);
        StaticTokenCredential {
            token: Secret::new(token),
            expires_on,
        }
    }

    pub fn expires_on(&self) -> OffsetDateTime {
        self.expires_on
    }
}

impl fmt::Debug for StaticTokenCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticTokenCredential")
            .field("expires_on", &self.expires_on)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl TokenCredential for StaticTokenCredential {
    async fn get_token(
        &self,
        _scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        Ok(AccessToken::new(self.token.clone(), self.expires_on))
    }
}

/// The `exp` claim of a JWT, or `None` when `token` is not a JWT or has no usable `exp`.
pub fn jwt_expiry(token: &str) -> Option<OffsetDateTime> {
    let mut parts = token.trim().split('.');
    let (_header, payload, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let bytes = azure_core::base64::decode_url_safe(payload).ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let exp = claims.get("exp")?;
    let seconds = exp
        .as_i64()
        .or_else(|| exp.as_f64().map(|f| f as i64))
        .or_else(|| exp.as_str().and_then(|s| s.trim().parse::<i64>().ok()))?;
    OffsetDateTime::from_unix_timestamp(seconds).ok()
}

/// True when a managed identity endpoint is known to exist, decided without network traffic:
/// `IDENTITY_ENDPOINT` or `MSI_ENDPOINT` is set (App Service, Functions, Arc, Cloud Shell), the
/// DMI chassis asset tag at `asset_tag_path` is Azure's, or `AMLC_MSI=1` forces it.
pub fn managed_identity_available(
    env: &dyn Fn(&str) -> Option<String>,
    asset_tag_path: &Path,
) -> bool {
    let set = |k: &str| env(k).is_some_and(|v| !v.trim().is_empty());
    if set("IDENTITY_ENDPOINT") || set("MSI_ENDPOINT") {
        return true;
    }
    if env("AMLC_MSI").is_some_and(|v| matches!(v.trim(), "1" | "true" | "yes")) {
        return true;
    }
    std::fs::read_to_string(asset_tag_path).is_ok_and(|tag| tag.trim() == AZURE_VM_ASSET_TAG)
}

/// A token source: cheap to clone (an `Arc` inside), caches its token.
#[derive(Clone)]
pub struct Credential {
    inner: Arc<Inner>,
}

struct Inner {
    scope: String,
    kind: Kind,
    /// The last token. Held locked while refreshing, so concurrent callers wait for one refresh.
    cache: tokio::sync::Mutex<Option<AccessTokenInfo>>,
}

enum Kind {
    Single(Source),
    Chain {
        entries: Vec<ChainEntry>,
        /// The index of the first entry that yielded a token; used from then on.
        chosen: OnceLock<usize>,
    },
}

struct Source {
    label: String,
    /// What to do when this source fails on its own (not in a chain).
    hint: &'static str,
    credential: Arc<dyn TokenCredential>,
}

struct ChainEntry {
    label: String,
    state: EntryState,
}

enum EntryState {
    Ready(Arc<dyn TokenCredential>),
    /// Not applicable here (for example no env vars); the reason is shown if everything fails.
    Skipped(String),
    /// Configured but could not be constructed.
    Broken(String),
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential")
            .field("source", &self.describe())
            .field("scope", &self.inner.scope)
            .finish_non_exhaustive()
    }
}

impl Credential {
    fn new(scope: String, kind: Kind) -> Credential {
        Credential {
            inner: Arc::new(Inner {
                scope,
                kind,
                cache: tokio::sync::Mutex::new(None),
            }),
        }
    }

    /// Wraps any [`TokenCredential`] (a custom one, a test double) with amlc's cache.
    pub fn from_token_credential(
        label: impl Into<String>,
        credential: Arc<dyn TokenCredential>,
        scope: impl Into<String>,
    ) -> Credential {
        Credential::new(
            scope.into(),
            Kind::Single(Source {
                label: label.into(),
                hint: "",
                credential,
            }),
        )
    }

    /// A chain like `auto`'s over the given sources: they are tried in order, and the first that
    /// yields a token is used from then on.
    pub fn from_chain(
        sources: Vec<(String, Arc<dyn TokenCredential>)>,
        scope: impl Into<String>,
    ) -> Credential {
        let entries = sources
            .into_iter()
            .map(|(label, credential)| ChainEntry {
                label,
                state: EntryState::Ready(credential),
            })
            .collect();
        Credential::new(
            scope.into(),
            Kind::Chain {
                entries,
                chosen: OnceLock::new(),
            },
        )
    }

    /// A static bearer token (what `--auth token` builds from `AMLC_TOKEN`).
    pub fn static_token(token: impl Into<String>, scope: impl Into<String>) -> Credential {
        Credential::from_token_credential(
            format!("static token ({STATIC_TOKEN_ENV})"),
            Arc::new(StaticTokenCredential::new(token)),
            scope,
        )
    }

    /// The OAuth scope tokens are requested for.
    pub fn scope(&self) -> &str {
        &self.inner.scope
    }

    /// A one-line description of the source, e.g. "Azure CLI", "service principal <client id>",
    /// "static token (AMLC_TOKEN)", "auto: Azure CLI, Azure Developer CLI".
    pub fn describe(&self) -> String {
        match &self.inner.kind {
            Kind::Single(source) => source.label.clone(),
            Kind::Chain { entries, chosen } => match chosen.get().and_then(|i| entries.get(*i)) {
                Some(entry) => format!("auto: {}", entry.label),
                None => {
                    let ready: Vec<&str> = entries
                        .iter()
                        .filter(|e| matches!(e.state, EntryState::Ready(_)))
                        .map(|e| e.label.as_str())
                        .collect();
                    if ready.is_empty() {
                        "auto: no usable source".to_string()
                    } else {
                        format!("auto: {}", ready.join(", "))
                    }
                }
            },
        }
    }

    /// A bearer token for ARM: the cached one while more than five minutes remain, otherwise a
    /// new one. Concurrent callers during a refresh wait for that one refresh.
    pub async fn token(&self) -> Result<AccessTokenInfo> {
        let mut cache = self.inner.cache.lock().await;
        if let Some(token) = cache.as_ref()
            && token.is_fresh(OffsetDateTime::now_utc())
        {
            return Ok(token.clone());
        }
        let token = self.fetch().await?;
        tracing::debug!(source = %token.source, expires_on = %token.expires_on, "got an ARM token");
        *cache = Some(token.clone());
        Ok(token)
    }

    /// Forgets the cached token (for example after the service answered 401), so the next
    /// [`Credential::token`] fetches a new one.
    pub async fn invalidate(&self) {
        *self.inner.cache.lock().await = None;
    }

    async fn fetch(&self) -> Result<AccessTokenInfo> {
        let scope = self.inner.scope.as_str();
        match &self.inner.kind {
            Kind::Single(source) => {
                let token = source
                    .credential
                    .get_token(&[scope], None)
                    .await
                    .map_err(|e| {
                        let reason = reason_of(&e);
                        AzureError::Auth(if source.hint.is_empty() {
                            format!("{}: {reason}", source.label)
                        } else {
                            format!("{}: {reason}; {}", source.label, source.hint)
                        })
                    })?;
                Ok(info(token, &source.label))
            }
            Kind::Chain { entries, chosen } => {
                if let Some(entry) = chosen.get().and_then(|i| entries.get(*i))
                    && let EntryState::Ready(credential) = &entry.state
                {
                    let token = credential.get_token(&[scope], None).await.map_err(|e| {
                        AzureError::Auth(format!("auto: {}: {}", entry.label, reason_of(&e)))
                    })?;
                    return Ok(info(token, &entry.label));
                }
                let mut failures = Vec::new();
                for (index, entry) in entries.iter().enumerate() {
                    match &entry.state {
                        EntryState::Ready(credential) => {
                            match credential.get_token(&[scope], None).await {
                                Ok(token) => {
                                    let _ = chosen.set(index);
                                    tracing::info!(source = %entry.label, "auth: using this source from now on");
                                    return Ok(info(token, &entry.label));
                                }
                                Err(e) => {
                                    tracing::debug!(source = %entry.label, "auth source failed");
                                    failures.push(format!("{}: {}", entry.label, reason_of(&e)));
                                }
                            }
                        }
                        EntryState::Skipped(reason) => {
                            failures.push(format!("{}: skipped ({reason})", entry.label))
                        }
                        EntryState::Broken(reason) => {
                            failures.push(format!("{}: {reason}", entry.label))
                        }
                    }
                }
                Err(AzureError::Auth(format!(
                    "no credential source produced a token [{}]; {AUTO_ADVICE}",
                    failures.join("; ")
                )))
            }
        }
    }
}

fn info(token: AccessToken, source: &str) -> AccessTokenInfo {
    AccessTokenInfo {
        token: token.token,
        expires_on: token.expires_on,
        source: source.to_string(),
    }
}

/// The first line of an azure_identity error, without its "XCredential authentication failed."
/// preamble, at most 300 characters.
fn reason_of(error: &azure_core::Error) -> String {
    one_line_reason(&error.to_string())
}

fn one_line_reason(text: &str) -> String {
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("unknown error");
    let first = match first.split_once(" authentication failed. ") {
        Some((name, rest)) if name.ends_with("Credential") && !name.contains(' ') => rest,
        _ => first,
    };
    let mut reason: String = first.chars().take(300).collect();
    if reason.len() < first.len() {
        reason.push('…');
    }
    reason
}

/// Builds the credential for `method` in `cloud`. `env` looks up environment variables
/// (production passes `|k| std::env::var(k).ok()`); it also supplies `PATH` and
/// `AZURE_CONFIG_DIR` to the `az`/`azd` processes.
pub fn build_credential(
    method: AuthMethod,
    cloud: &Cloud,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Credential> {
    build_credential_with(method, cloud, env, Path::new(AZURE_VM_ASSET_TAG_PATH))
}

/// [`build_credential`] with the DMI asset tag path (Azure VM detection for `auto`) injected.
pub fn build_credential_with(
    method: AuthMethod,
    cloud: &Cloud,
    env: &dyn Fn(&str) -> Option<String>,
    asset_tag_path: &Path,
) -> Result<Credential> {
    let scope = cloud.arm_scope();
    let lookup = |k: &str| env(k).filter(|v| !v.trim().is_empty());
    let executor: Arc<dyn Executor> = Arc::new(EnvExecutor::from_env(&lookup));
    let single = |source: Source| Ok(Credential::new(scope.clone(), Kind::Single(source)));
    match method {
        AuthMethod::Token => {
            let token = lookup(STATIC_TOKEN_ENV).ok_or_else(|| {
                AzureError::Auth(format!(
                    "set {STATIC_TOKEN_ENV} to a bearer token for --auth token (for example from `az account get-access-token --query accessToken -o tsv`), or choose another --auth method"
                ))
            })?;
            Ok(Credential::static_token(token.trim().to_string(), scope))
        }
        AuthMethod::Cli => single(cli_source(&executor)?),
        AuthMethod::Azd => single(azd_source(&executor)?),
        AuthMethod::Sp => match sp_source(&lookup, cloud) {
            Ok(source) => single(source),
            Err(SourceError::Missing(vars)) => Err(AzureError::Auth(format!(
                "--auth sp needs {} (not set)",
                vars.join(", ")
            ))),
            Err(SourceError::Failed(e)) => Err(e),
        },
        AuthMethod::Workload => match workload_source(&lookup, cloud) {
            Ok(source) => single(source),
            Err(SourceError::Missing(vars)) => Err(AzureError::Auth(format!(
                "--auth workload needs {} (not set)",
                vars.join(", ")
            ))),
            Err(SourceError::Failed(e)) => Err(e),
        },
        AuthMethod::Msi => single(msi_source(&lookup, cloud)?),
        AuthMethod::Auto => Ok(Credential::new(
            scope.clone(),
            Kind::Chain {
                entries: auto_entries(&lookup, cloud, &executor, asset_tag_path),
                chosen: OnceLock::new(),
            },
        )),
    }
}

enum SourceError {
    /// These environment variables are needed and not set.
    Missing(Vec<&'static str>),
    Failed(AzureError),
}

fn auto_entries(
    env: &dyn Fn(&str) -> Option<String>,
    cloud: &Cloud,
    executor: &Arc<dyn Executor>,
    asset_tag_path: &Path,
) -> Vec<ChainEntry> {
    let msi = if managed_identity_available(env, asset_tag_path) {
        entry(
            "managed identity",
            msi_source(env, cloud).map_err(SourceError::Failed),
        )
    } else {
        ChainEntry {
            label: "managed identity".into(),
            state: EntryState::Skipped(
                "no IDENTITY_ENDPOINT or MSI_ENDPOINT and not an Azure VM; AMLC_MSI=1 forces it"
                    .into(),
            ),
        }
    };
    vec![
        entry("service principal", sp_source(env, cloud)),
        entry("workload identity", workload_source(env, cloud)),
        msi,
        entry(
            "Azure CLI",
            cli_source(executor).map_err(SourceError::Failed),
        ),
        entry(
            "Azure Developer CLI",
            azd_source(executor).map_err(SourceError::Failed),
        ),
    ]
}

/// One link of the `auto` chain; `label` names it when it could not be built.
fn entry(label: &str, result: std::result::Result<Source, SourceError>) -> ChainEntry {
    let state = match result {
        Ok(source) => {
            return ChainEntry {
                label: source.label,
                state: EntryState::Ready(source.credential),
            };
        }
        Err(SourceError::Missing(vars)) => {
            EntryState::Skipped(format!("{} not set", vars.join(", ")))
        }
        Err(SourceError::Failed(e)) => EntryState::Broken(error_text(&e)),
    };
    ChainEntry {
        label: label.to_string(),
        state,
    }
}

/// The message of an error without the "authentication failed: " prefix of `AzureError::Auth`.
fn error_text(error: &AzureError) -> String {
    match error {
        AzureError::Auth(message) | AzureError::Invalid(message) => message.clone(),
        other => other.to_string(),
    }
}

/// The azure_identity cloud for the authority host; `None` for the public cloud and custom
/// endpoints, which lets `AZURE_AUTHORITY_HOST` override the authority.
fn cloud_configuration(cloud: &Cloud) -> Option<Arc<CloudConfiguration>> {
    match cloud {
        Cloud::AzureCloud | Cloud::Custom(_) => None,
        Cloud::AzureChinaCloud => Some(Arc::new(CloudConfiguration::AzureChina)),
        Cloud::AzureUSGovernment => Some(Arc::new(CloudConfiguration::AzureGovernment)),
    }
}

fn client_options(cloud: &Cloud) -> ClientOptions {
    ClientOptions {
        cloud: cloud_configuration(cloud),
        ..ClientOptions::default()
    }
}

fn construction_error(what: &str, error: azure_core::Error) -> AzureError {
    AzureError::Auth(format!("{what}: {}", reason_of(&error)))
}

fn cli_source(executor: &Arc<dyn Executor>) -> Result<Source> {
    let credential = AzureCliCredential::new(Some(AzureCliCredentialOptions {
        executor: Some(executor.clone()),
        ..Default::default()
    }))
    .map_err(|e| construction_error("Azure CLI", e))?;
    Ok(Source {
        label: "Azure CLI".into(),
        hint: "run `az login` (or choose another --auth method)",
        credential,
    })
}

fn azd_source(executor: &Arc<dyn Executor>) -> Result<Source> {
    let credential = AzureDeveloperCliCredential::new(Some(AzureDeveloperCliCredentialOptions {
        executor: Some(executor.clone()),
        ..Default::default()
    }))
    .map_err(|e| construction_error("Azure Developer CLI", e))?;
    Ok(Source {
        label: "Azure Developer CLI".into(),
        hint: "run `azd auth login` (or choose another --auth method)",
        credential,
    })
}

/// Looks up every variable in `names`; names the missing ones.
fn require<const N: usize>(
    env: &dyn Fn(&str) -> Option<String>,
    names: [&'static str; N],
) -> std::result::Result<[String; N], SourceError> {
    let values = names.map(env);
    let missing: Vec<&'static str> = names
        .iter()
        .zip(values.iter())
        .filter(|(_, v)| v.is_none())
        .map(|(n, _)| *n)
        .collect();
    if !missing.is_empty() {
        return Err(SourceError::Missing(missing));
    }
    Ok(values.map(Option::unwrap_or_default))
}

fn sp_source(
    env: &dyn Fn(&str) -> Option<String>,
    cloud: &Cloud,
) -> std::result::Result<Source, SourceError> {
    let [tenant, client_id, secret] = require(
        env,
        ["AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"],
    )?;
    let label = format!("service principal {}", client_id.trim());
    let credential = ClientSecretCredential::new(
        tenant.trim(),
        client_id.trim().to_string(),
        Secret::new(secret),
        Some(ClientSecretCredentialOptions {
            client_options: client_options(cloud),
        }),
    )
    .map_err(|e| SourceError::Failed(construction_error(&label, e)))?;
    Ok(Source {
        label,
        hint: "check AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET",
        credential,
    })
}

fn workload_source(
    env: &dyn Fn(&str) -> Option<String>,
    cloud: &Cloud,
) -> std::result::Result<Source, SourceError> {
    // The token file is what marks a workload identity environment; check it first so `auto`
    // reports it as the missing piece.
    let [file, tenant, client_id] = require(
        env,
        [
            "AZURE_FEDERATED_TOKEN_FILE",
            "AZURE_TENANT_ID",
            "AZURE_CLIENT_ID",
        ],
    )?;
    let label = format!("workload identity {}", client_id.trim());
    let credential = WorkloadIdentityCredential::new(Some(WorkloadIdentityCredentialOptions {
        credential_options: ClientAssertionCredentialOptions {
            client_options: client_options(cloud),
        },
        client_id: Some(client_id.trim().to_string()),
        tenant_id: Some(tenant.trim().to_string()),
        token_file_path: Some(PathBuf::from(file.trim())),
    }))
    .map_err(|e| SourceError::Failed(construction_error(&label, e)))?;
    Ok(Source {
        label,
        hint: "check AZURE_FEDERATED_TOKEN_FILE, AZURE_TENANT_ID and AZURE_CLIENT_ID",
        credential,
    })
}

fn msi_source(env: &dyn Fn(&str) -> Option<String>, cloud: &Cloud) -> Result<Source> {
    let client_id = env("AZURE_CLIENT_ID").map(|c| c.trim().to_string());
    let label = match &client_id {
        Some(id) => format!("managed identity {id}"),
        None => "managed identity".to_string(),
    };
    let credential = ManagedIdentityCredential::new(Some(ManagedIdentityCredentialOptions {
        user_assigned_id: client_id.map(UserAssignedId::ClientId),
        client_options: client_options(cloud),
    }))
    .map_err(|e| construction_error(&label, e))?;
    Ok(Source {
        label,
        hint: "managed identity works only on an Azure host with an identity assigned",
        credential,
    })
}

/// Runs `az`/`azd` (through `/bin/sh`) with `PATH` and `AZURE_CONFIG_DIR` taken from the injected
/// environment rather than the process's, so tests need not touch the process environment.
#[derive(Debug)]
struct EnvExecutor {
    path: Option<OsString>,
    azure_config_dir: Option<OsString>,
}

impl EnvExecutor {
    fn from_env(env: &dyn Fn(&str) -> Option<String>) -> EnvExecutor {
        EnvExecutor {
            path: env("PATH").map(OsString::from),
            azure_config_dir: env("AZURE_CONFIG_DIR").map(OsString::from),
        }
    }
}

#[async_trait]
impl Executor for EnvExecutor {
    async fn run(&self, program: &OsStr, args: &[&OsStr]) -> std::io::Result<Output> {
        let mut command = tokio::process::Command::new(program);
        command
            .args(args)
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true);
        for (key, value) in [
            ("PATH", &self.path),
            ("AZURE_CONFIG_DIR", &self.azure_config_dir),
        ] {
            match value {
                Some(v) => command.env(key, v),
                None => command.env_remove(key),
            };
        }
        match tokio::time::timeout(TOOL_TIMEOUT, command.output()).await {
            Ok(output) => output,
            Err(_) => Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("no answer after {}s", TOOL_TIMEOUT.as_secs()),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_one_line_without_preamble() {
        let text = "AzureCliCredential authentication failed. az not found on PATH\nTo troubleshoot, visit https://aka.ms/x";
        assert_eq!(one_line_reason(text), "az not found on PATH");
        assert_eq!(one_line_reason("\n  plain reason  \nmore"), "plain reason");
        let long = "x".repeat(400);
        assert_eq!(one_line_reason(&long).chars().count(), 301);
    }

    #[test]
    fn cloud_configuration_follows_the_cloud() {
        assert!(cloud_configuration(&Cloud::AzureCloud).is_none());
        assert!(matches!(
            cloud_configuration(&Cloud::AzureChinaCloud).as_deref(),
            Some(CloudConfiguration::AzureChina)
        ));
        assert!(matches!(
            cloud_configuration(&Cloud::AzureUSGovernment).as_deref(),
            Some(CloudConfiguration::AzureGovernment)
        ));
    }
}
