//! Turning flags, environment and config into a ready client. The resolved context decides a
//! [`Plan`] without any network: the configured workspace; the built-in emulator (only when no
//! Azure context is configured at all, or with `--emulator`); a workspace to pick (only the Azure
//! CLI's login: headless commands fail listing the subscription's workspaces, the TUI opens
//! `picker`); or an incomplete explicit context, an error naming each missing value before
//! anything is sent. The amlc binary uses the shared background emulator of the data dir
//! (`emulator::background`: found or started, outlives this process, started again by the
//! client's bearer source if it stopped); library users without [`use_background_emulator`] run
//! it in-process.

use crate::azure::auth::{AuthMethod, Credential, build_credential};
use crate::azure::error::{AzureError, Result};
use crate::azure::http::{BearerSource, Pipeline, PipelineOptions, StaticBearer};
use crate::azure::workspace::{WorkspaceSummary, list_workspaces};
use crate::azure::{AmlClient, Cloud, WorkspaceContext};
use crate::cli::GlobalArgs;
use crate::config::{
    ContextCase, ContextFlags, ResolveInputs, ResolvedContext, Sourced, process_env, resolve,
};
use crate::emulator::background::{self, BackgroundOptions};
use crate::emulator::{self, EmulatorConfig, EmulatorError, EmulatorHandle};
use async_trait::async_trait;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use url::Url;

/// Hands the credential's cached token to the pipeline.
struct CredentialBearer(Credential);

#[async_trait]
impl BearerSource for CredentialBearer {
    async fn bearer(&self) -> Result<String> {
        Ok(self.0.token().await?.token.secret().to_string())
    }
}

/// What the client talks to.
pub enum Target {
    Azure {
        credential: Credential,
    },
    /// The built-in emulator, running in this process.
    EmbeddedEmulator {
        handle: Arc<EmulatorHandle>,
    },
    /// The built-in emulator running in another process on the same data dir: the shared
    /// background emulator, or one another amlc runs. Used as it is, never started twice.
    SharedEmulator {
        url: Url,
    },
}

/// A client ready to use, with what is needed to explain where it points.
pub struct Connection {
    pub client: AmlClient,
    pub target: Target,
    /// (setting, value, where it came from), for `doctor` and the status bar.
    pub sources: Vec<(String, String, String)>,
    pub auth_label: String,
}

impl Connection {
    pub fn is_emulator(&self) -> bool {
        !matches!(self.target, Target::Azure { .. })
    }

    /// A plain line saying this is the emulator, for table headers; `None` against Azure.
    pub fn banner(&self) -> Option<String> {
        let url = match &self.target {
            Target::EmbeddedEmulator { handle } => handle.url(),
            Target::SharedEmulator { url } => url,
            Target::Azure { .. } => return None,
        };
        Some(format!(
            "# amlc built-in emulator at {url} (demo workspace {}, not Azure; configure a workspace to use Azure)",
            self.client.context().workspace
        ))
    }

    /// The token source and its expiry (for `doctor`).
    pub async fn credential_check(&self) -> Result<(String, String)> {
        match &self.target {
            Target::Azure { credential } => {
                let token = credential.token().await?;
                // A static token that is not a JWT with `exp` has no known expiry: the one the
                // credential keeps for its cache is made up, so it is not shown.
                if token.source.starts_with("static token")
                    && crate::azure::auth::jwt_expiry(token.token.secret()).is_none()
                {
                    return Ok((
                        token.source,
                        "unknown (a static token that carries no expiry)".into(),
                    ));
                }
                let left = token.expires_on - time::OffsetDateTime::now_utc();
                let when = token
                    .expires_on
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_else(|_| token.expires_on.to_string());
                Ok((
                    token.source,
                    format!("{when} (in {} min)", left.whole_minutes()),
                ))
            }
            Target::EmbeddedEmulator { .. } | Target::SharedEmulator { .. } => Ok((
                "emulator token (kept in its data dir, stable across restarts)".into(),
                "with the emulator".into(),
            )),
        }
    }

    /// Stops the in-process emulator when this was the last connection using it. A shared
    /// (background) emulator is left running for the other clients; it stops when idle.
    pub async fn close(self) {
        if let Target::EmbeddedEmulator { handle } = self.target
            && let Ok(handle) = Arc::try_unwrap(handle)
        {
            handle.shutdown().await;
        }
    }
}

fn flags(global: &GlobalArgs) -> ContextFlags {
    ContextFlags {
        subscription: global.subscription.clone(),
        resource_group: global.resource_group.clone(),
        workspace: global.workspace.clone(),
        endpoint: global.endpoint.clone(),
        cloud: global.cloud.clone(),
        api_version: global.api_version.clone(),
        profile: global.profile.clone(),
        auth: global.auth.clone(),
    }
}

fn pipeline_options(global: &GlobalArgs) -> PipelineOptions {
    let mut ca_certs = global.ca_cert.clone();
    if let Some(file) = std::env::var_os("SSL_CERT_FILE").filter(|v| !v.is_empty()) {
        ca_certs.push(PathBuf::from(file));
    }
    PipelineOptions {
        timeout: Duration::from_secs(global.timeout.max(1)),
        ca_certs,
        ..PipelineOptions::default()
    }
}

/// The directory of the embedded emulator's state.
pub fn default_emulator_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "amlc").map(|d| d.data_dir().join("emulator"))
}

/// Resolves the context only (no network), for callers that want to show it.
pub fn resolve_context(global: &GlobalArgs) -> Result<ResolvedContext> {
    let flags = flags(global);
    let mut inputs = ResolveInputs::from_process(&flags);
    if let Some(path) = &global.config {
        inputs.config_file = Some(path.clone());
    }
    resolve(inputs)
}

/// What a connection will talk to, decided from the resolved context without any network.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// A whole workspace is configured.
    Azure(WorkspaceContext),
    /// The built-in emulator: `requested` with `--emulator`, else because nothing is configured.
    Emulator { requested: bool },
    /// Only the Azure CLI's login is there: a workspace of its subscription must be picked.
    PickWorkspace(AmbientLogin),
    /// Values given explicitly do not make a workspace; the message names each missing value.
    Incomplete(String),
}

/// The Azure CLI's ambient login, enough to list the workspaces of its subscription.
#[derive(Debug, Clone, PartialEq)]
pub struct AmbientLogin {
    pub subscription: Sourced<String>,
    /// A default group (`az configure --defaults group=`) narrows the list to it.
    pub resource_group: Option<Sourced<String>>,
    pub cloud: Cloud,
    pub api_version: String,
    pub auth: AuthMethod,
}

/// The plan for already resolved values (`emulator`: the `--emulator` flag).
pub fn plan_for(resolved: &ResolvedContext, emulator: bool) -> Plan {
    if emulator {
        return Plan::Emulator { requested: true };
    }
    match resolved.case() {
        ContextCase::Complete => match resolved.workspace_context() {
            Some(ctx) => Plan::Azure(ctx),
            None => Plan::Emulator { requested: false },
        },
        ContextCase::NothingConfigured => Plan::Emulator { requested: false },
        ContextCase::AmbientLogin {
            subscription,
            resource_group,
        } => Plan::PickWorkspace(AmbientLogin {
            subscription,
            resource_group,
            cloud: resolved.cloud.value.clone(),
            api_version: resolved.api_version.value.clone(),
            auth: resolved.auth.value,
        }),
        ContextCase::Incomplete { .. } => Plan::Incomplete(
            resolved
                .incomplete_message()
                .unwrap_or_else(|| "incomplete Azure context".into()),
        ),
    }
}

/// Resolves the context and decides the plan (no network).
pub fn plan(global: &GlobalArgs) -> Result<(ResolvedContext, Plan)> {
    let resolved = resolve_context(global)?;
    let plan = plan_for(&resolved, global.emulator);
    Ok((resolved, plan))
}

/// The workspaces the ambient login can pick from (its subscription, or its default group).
pub async fn list_ambient_workspaces(
    global: &GlobalArgs,
    login: &AmbientLogin,
) -> Result<Vec<WorkspaceSummary>> {
    let credential = build_credential(login.auth, &login.cloud, &process_env)?;
    let bearer: Arc<dyn BearerSource> = Arc::new(CredentialBearer(credential));
    let pipeline = Pipeline::new(Some(bearer), pipeline_options(global))?;
    list_workspaces(
        &pipeline,
        &login.cloud,
        &login.api_version,
        &login.subscription.value,
        login.resource_group.as_ref().map(|rg| rg.value.as_str()),
    )
    .await
}

/// Where the ambient subscription (and group) came from, in words.
pub fn describe_ambient(login: &AmbientLogin) -> String {
    let mut text = format!(
        "only the Azure CLI login is configured: subscription {} ({})",
        login.subscription.value, login.subscription.source
    );
    if let Some(rg) = &login.resource_group {
        text.push_str(&format!(", resource group {} ({})", rg.value, rg.source));
    }
    text.push_str(", no workspace");
    text
}

/// The workspaces as an indented table (name, resource group, location).
pub fn workspace_table(workspaces: &[WorkspaceSummary]) -> String {
    let rows: Vec<[String; 3]> = workspaces
        .iter()
        .map(|w| [w.name.clone(), w.resource_group.clone(), w.location.clone()])
        .collect();
    crate::commands::render_table(["NAME", "RESOURCE GROUP", "LOCATION"], &rows)
        .lines()
        .map(|l| format!("  {l}\n"))
        .collect()
}

/// What a headless command says when only the ambient login is there: the workspaces it could
/// pick (or why they could not be listed) and how to pick one.
pub fn ambient_message(login: &AmbientLogin, listed: &Result<Vec<WorkspaceSummary>>) -> String {
    let scope = match &login.resource_group {
        Some(rg) => format!("resource group {}", rg.value),
        None => format!("subscription {}", login.subscription.value),
    };
    let mut text = format!("no workspace chosen: {}.", describe_ambient(login));
    match listed {
        Ok(list) if list.is_empty() => {
            text.push_str(&format!("\nThere is no Azure ML workspace in {scope}."));
        }
        Ok(list) => {
            text.push_str(&format!("\nWorkspaces in {scope}:\n"));
            text.push_str(&workspace_table(list));
        }
        Err(e) => {
            text.push_str(&format!(
                "\nCould not list the workspaces of {scope}: {e}{}",
                crate::commands::advice(e)
                    .map(|a| format!(" ({a})"))
                    .unwrap_or_default()
            ));
        }
    }
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(
        "Pick one with `-g RESOURCE_GROUP -w NAME`, or make it the default with `az configure --defaults group=RESOURCE_GROUP workspace=NAME`; `amlc` without a command offers a picker, and --emulator uses the built-in demo workspace.",
    );
    text
}

/// Connects as the flags, environment and config say: to the configured workspace, or to the
/// built-in emulator when nothing is configured or with `--emulator`. An incomplete explicit
/// context is an error naming what is missing (nothing is sent); with only the Azure CLI's
/// login, the error lists the workspaces to pick from.
pub async fn connect(global: &GlobalArgs) -> Result<Connection> {
    let resolved = resolve_context(global)?;
    let sources = resolved.describe_sources();
    match plan_for(&resolved, global.emulator) {
        Plan::Incomplete(message) => Err(AzureError::Invalid(message)),
        Plan::PickWorkspace(login) => {
            let listed = list_ambient_workspaces(global, &login).await;
            Err(AzureError::Invalid(ambient_message(&login, &listed)))
        }
        Plan::Azure(ctx) => {
            let method = resolved.auth.value;
            let credential = build_credential(method, &ctx.cloud, &process_env)?;
            let bearer: Arc<dyn BearerSource> = Arc::new(CredentialBearer(credential.clone()));
            let pipeline = Pipeline::new(Some(bearer), pipeline_options(global))?;
            Ok(Connection {
                client: AmlClient::new(ctx, pipeline),
                auth_label: credential.describe(),
                target: Target::Azure { credential },
                sources,
            })
        }
        Plan::Emulator { .. } => start_embedded(global, sources, &resolved).await,
    }
}

/// The amlc binary to run as the shared background emulator; unset (library use, tests of the
/// library) means the emulator runs in-process.
static BACKGROUND_EXE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// Makes the built-in emulator a shared background process of `exe` (the amlc binary calls this
/// with its own path at start).
pub fn use_background_emulator(exe: PathBuf) {
    let _ = BACKGROUND_EXE.set(exe);
}

async fn start_embedded(
    global: &GlobalArgs,
    mut sources: Vec<(String, String, String)>,
    resolved: &ResolvedContext,
) -> Result<Connection> {
    let data_dir = default_emulator_dir().ok_or_else(|| {
        AzureError::Invalid("no home directory to keep the emulator's data in".into())
    })?;
    let (target, url, bearer): (Target, Url, Arc<dyn BearerSource>) = match BACKGROUND_EXE.get() {
        Some(exe) => {
            let bearer = EmulatorBearer::start(BackgroundOptions::new(&data_dir, exe)).await?;
            let url = bearer.url.clone();
            (
                Target::SharedEmulator { url: url.clone() },
                url,
                Arc::new(bearer),
            )
        }
        None => match embedded_emulator(&data_dir).await {
            Ok(handle) => {
                let (url, token) = (handle.url().clone(), handle.token().to_string());
                (
                    Target::EmbeddedEmulator { handle },
                    url,
                    Arc::new(StaticBearer::new(token)),
                )
            }
            Err(EmulatorError::Locked { .. }) => {
                let (url, token) = running_emulator(&data_dir).await?;
                (
                    Target::SharedEmulator { url: url.clone() },
                    url,
                    Arc::new(StaticBearer::new(token)),
                )
            }
            Err(e) => {
                return Err(AzureError::Invalid(format!(
                    "could not start the built-in emulator: {e}"
                )));
            }
        },
    };
    let client = demo_client(&url, bearer, &resolved.api_version.value, global)?;
    let why = if global.emulator {
        "--emulator"
    } else {
        "no workspace configured"
    };
    sources.retain(|(field, _, _)| field == "api-version");
    sources.insert(
        0,
        (
            "target".into(),
            format!("built-in emulator {url}"),
            why.into(),
        ),
    );
    sources.push((
        "data".into(),
        data_dir.display().to_string(),
        "emulator data dir".into(),
    ));
    Ok(Connection {
        client,
        auth_label: "emulator token".into(),
        target,
        sources,
    })
}

/// A client of the emulator's demo workspace at `url`.
fn demo_client(
    url: &Url,
    bearer: Arc<dyn BearerSource>,
    api_version: &str,
    global: &GlobalArgs,
) -> Result<AmlClient> {
    let mut ctx = WorkspaceContext::new(
        Cloud::Custom(url.clone()),
        emulator::DEMO_SUBSCRIPTION,
        emulator::DEMO_RESOURCE_GROUP,
        emulator::DEMO_WORKSPACE,
    );
    ctx.api_version = api_version.to_string();
    let pipeline = Pipeline::new(Some(bearer), pipeline_options(global))?;
    Ok(AmlClient::new(ctx, pipeline))
}

/// A client of the shared background emulator of `data_dir` (started from `exe` when none
/// runs), for the demo workspace: what the amlc binary connects to without a workspace.
pub async fn background_emulator_client(
    data_dir: &std::path::Path,
    exe: &std::path::Path,
    global: &GlobalArgs,
) -> Result<(AmlClient, Url)> {
    let bearer = EmulatorBearer::start(BackgroundOptions::new(data_dir, exe)).await?;
    let url = bearer.url.clone();
    let api = crate::azure::context::DEFAULT_API_VERSION;
    Ok((demo_client(&url, Arc::new(bearer), api, global)?, url))
}

/// The bearer of the shared background emulator. Each request reads the data dir's token (so a
/// rotation is followed) and, when no emulator holds the data dir any more (it stopped when idle,
/// or was killed), starts it again — on the same port when free, with the same token — so a
/// long-lived client such as the TUI just goes on.
struct EmulatorBearer {
    opts: BackgroundOptions,
    url: Url,
    token: std::sync::Mutex<String>,
    /// One restart at a time from this process.
    restarting: tokio::sync::Mutex<()>,
}

impl EmulatorBearer {
    async fn start(opts: BackgroundOptions) -> Result<EmulatorBearer> {
        let (url, token) = background::ensure_running(&opts).await.map_err(|e| {
            AzureError::Invalid(format!("could not start the built-in emulator: {e}"))
        })?;
        Ok(EmulatorBearer {
            opts,
            url,
            token: std::sync::Mutex::new(token),
            restarting: tokio::sync::Mutex::new(()),
        })
    }

    fn remember(&self, url: Url, token: String) -> Result<String> {
        if url != self.url {
            return Err(AzureError::Invalid(format!(
                "the built-in emulator now listens at {url} (this connection uses {}); reconnect",
                self.url
            )));
        }
        if let Ok(mut slot) = self.token.lock() {
            slot.clone_from(&token);
        }
        Ok(token)
    }
}

#[async_trait]
impl BearerSource for EmulatorBearer {
    async fn bearer(&self) -> Result<String> {
        if let Some((url, token)) = emulator::running_instance(&self.opts.data_dir) {
            return self.remember(url, token);
        }
        let _one = self.restarting.lock().await;
        let (url, token) = background::ensure_running(&self.opts).await.map_err(|e| {
            AzureError::Invalid(format!("could not start the built-in emulator again: {e}"))
        })?;
        tracing::info!("the built-in emulator was not running; started it again at {url}");
        self.remember(url, token)
    }
}

/// The URL and token of the emulator another amlc process runs on `data_dir`. It may be starting
/// right now (lock taken, URL not yet written), so this waits up to two seconds.
async fn running_emulator(data_dir: &std::path::Path) -> Result<(Url, String)> {
    for _ in 0..20 {
        if let Some(found) = emulator::running_instance(data_dir) {
            return Ok(found);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(AzureError::Invalid(format!(
        "another amlc emulator holds {} but has not said where it listens; try again in a moment",
        data_dir.display()
    )))
}

/// The embedded emulator of this process: one per process, shared by every connection made
/// while it runs (a reconnect from the TUI must not start a second one on the same data dir).
static EMBEDDED: std::sync::Mutex<std::sync::Weak<EmulatorHandle>> =
    std::sync::Mutex::new(std::sync::Weak::new());

async fn embedded_emulator(
    data_dir: &std::path::Path,
) -> Result<Arc<EmulatorHandle>, EmulatorError> {
    if let Some(running) = EMBEDDED.lock().ok().and_then(|weak| weak.upgrade()) {
        return Ok(running);
    }
    let handle = Arc::new(
        emulator::start(EmulatorConfig {
            demo: true,
            ..EmulatorConfig::new(data_dir)
        })
        .await?,
    );
    if let Ok(mut slot) = EMBEDDED.lock() {
        *slot = Arc::downgrade(&handle);
    }
    Ok(handle)
}
