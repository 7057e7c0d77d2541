//! Command-line flags (clap). Global flags name the workspace and how to reach it; they may be
//! given before or after the subcommand. Parsing only: nothing here does I/O. The name arguments
//! carry their shell completers (`commands::completions`, which fetches names; they run only
//! when a shell asks for completions).

use crate::app::kinds::KindFilter;
use crate::azure::models::OsType;
use crate::commands::completions::{compute_names, job_names, profile_names, resource_names};
use crate::cost::Tier;
use clap::{Args, Parser, Subcommand, ValueEnum};
use clap_complete::engine::ArgValueCompleter;
use std::net::IpAddr;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "amlc",
    version,
    about = "A terminal UI for Azure Machine Learning compute targets and runs",
    long_about = "A terminal UI for Azure Machine Learning compute targets and runs.\n\n\
        With no Azure context configured at all (flags, environment, Azure CLI login or defaults, \
        config file), or with --emulator, amlc runs a built-in emulator of the Azure ML REST API \
        with a demo workspace. Values given that do not name a whole workspace are an error; with \
        only an Azure CLI login, the terminal UI offers a picker of its subscription's workspaces."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(flatten)]
    pub tui: TuiArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Where the workspace is and how to authenticate.
#[derive(Debug, Clone, Default, Args)]
pub struct GlobalArgs {
    /// Azure subscription id.
    #[arg(long, global = true, value_name = "ID")]
    pub subscription: Option<String>,
    /// Resource group of the workspace.
    #[arg(
        short = 'g',
        long = "resource-group",
        global = true,
        value_name = "NAME"
    )]
    pub resource_group: Option<String>,
    /// Azure ML workspace name.
    #[arg(short = 'w', long, global = true, value_name = "NAME")]
    pub workspace: Option<String>,
    /// Custom ARM endpoint URL (an emulator, a test server, Azure Stack).
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint: Option<String>,
    /// AzureCloud, AzureChinaCloud or AzureUSGovernment.
    #[arg(long, global = true, value_name = "NAME")]
    pub cloud: Option<String>,
    /// REST api-version to speak (default 2025-12-01).
    #[arg(long = "api-version", global = true, value_name = "VERSION")]
    pub api_version: Option<String>,
    /// How to get a token: auto, cli, azd, sp, msi, workload or token (AMLC_TOKEN).
    #[arg(long, global = true, value_name = "METHOD")]
    pub auth: Option<String>,
    /// Named profile of the config file.
    #[arg(long, global = true, value_name = "NAME", add = ArgValueCompleter::new(profile_names))]
    pub profile: Option<String>,
    /// Extra CA certificate (PEM) to trust; repeatable. SSL_CERT_FILE is honoured too.
    #[arg(long = "ca-cert", global = true, value_name = "PATH")]
    pub ca_cert: Vec<PathBuf>,
    /// Use the built-in emulator (demo workspace) even when a workspace is configured.
    #[arg(long, global = true)]
    pub emulator: bool,
    /// Timeout of one HTTP request, in seconds.
    #[arg(long, global = true, value_name = "SECS", default_value_t = 30)]
    pub timeout: u64,
    /// Config file to read instead of the default one.
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Send nothing that changes the workspace: the TUI shows such actions disabled and
    /// refuses their keys, headless commands refuse before sending; reading works.
    #[arg(
        long = "read-only",
        global = true,
        env = "AMLC_READ_ONLY",
        value_parser = clap::builder::FalseyValueParser::new()
    )]
    pub read_only: bool,
}

/// Options of the terminal UI (no subcommand).
#[derive(Debug, Clone, Default, Args)]
pub struct TuiArgs {
    /// Capture the mouse (off by default so the terminal's own selection keeps working).
    #[arg(long)]
    pub mouse: bool,
    /// Use only ASCII symbols (for terminals without Unicode).
    #[arg(long)]
    pub ascii: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List, show and act on compute targets (as `az ml compute`).
    #[command(subcommand)]
    Computes(ComputesCommand),
    /// Act on jobs (as `az ml job`).
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// Print a job's logs; `--follow` until the run ends (exit 0 Completed, 1 Failed, 3
    /// Canceled).
    Logs(LogsArgs),
    /// Check the context, credentials and reachability of the workspace.
    Doctor,
    /// Serve the built-in emulator of the Azure ML REST API.
    Emulator(EmulatorArgs),
    /// The config file: write the commented default (`init`), or say where it is (`path`).
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Print the shell completion script: bash, zsh, fish, powershell or elvish.
    ///
    /// The script completes subcommands, flags, and the names of computes and jobs of the
    /// current workspace (fetched when Tab is pressed, 2 s at most; nothing on failure). Load it
    /// from the shell's startup file, e.g. `source <(amlc completions bash)` in ~/.bashrc.
    Completions(CompletionsArgs),
    /// Print the man page (roff), or write a page per command with --dir.
    Man(ManArgs),
}

/// `amlc completions SHELL`.
#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
    /// The static script instead: subcommands and flags only, the shell never runs amlc (no
    /// names of computes or jobs).
    #[arg(long = "static")]
    pub static_script: bool,
}

/// `amlc man`.
#[derive(Debug, Clone, Args)]
pub struct ManArgs {
    /// Write amlc.1 and a page per subcommand (amlc-computes-list.1, ...) into this directory
    /// instead of printing amlc.1.
    #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Write the commented default configuration (every key with its default) to the config
    /// path, creating its directory; an existing file is kept unless --force.
    Init {
        /// Replace an existing config file.
        #[arg(long)]
        force: bool,
    },
    /// Print where amlc reads its config file (--config, else AMLC_CONFIG, else the platform's
    /// config directory), whether or not it exists.
    Path,
}

#[derive(Debug, Subcommand)]
pub enum ComputesCommand {
    /// One row per compute: name, type, state, size.
    List {
        /// Only the computes of a tab (instances, clusters, kubernetes — AKS included —,
        /// attached) or of one type (ComputeInstance, AmlCompute, AKS, Kubernetes,
        /// VirtualMachine, HDInsight, Databricks, DataLakeAnalytics, SynapseSpark, DataFactory;
        /// aliases ci, vm, hdi, adla, synapse, adf); case-insensitive.
        #[arg(long = "type", value_name = "KIND", value_parser = parse_kind)]
        kind: Option<KindFilter>,
        #[arg(short = 'o', long, value_enum, default_value_t = OutputFormat::Table)]
        output: OutputFormat,
    },
    /// One compute in detail.
    Show {
        #[arg(add = ArgValueCompleter::new(compute_names))]
        name: String,
        #[arg(short = 'o', long, value_enum, default_value_t = OutputFormat::Table)]
        output: OutputFormat,
    },
    /// Start a stopped compute instance.
    Start(ActArgs),
    /// Stop a running compute instance (a job running on it fails).
    Stop(ActArgs),
    /// Restart a running compute instance (a job running on it fails).
    Restart(ActArgs),
    /// Delete a compute, destroying its underlying resource.
    ///
    /// Azure ML removes it from the workspace AND destroys the underlying resource (VM,
    /// cluster, AKS cluster). To remove an attached compute but keep its resource, use
    /// `detach`. Asks on a terminal (a managed compute's name must be typed); needs --yes
    /// otherwise.
    Delete(ConfirmArgs),
    /// Detach an attached compute, leaving its underlying resource.
    ///
    /// An attached compute (Kubernetes, VM, HDInsight, Databricks, ...) leaves the workspace;
    /// the underlying resource is left as it is. A compute Azure ML created cannot be
    /// detached (use `delete`). Asks on a terminal; needs --yes otherwise.
    Detach(ConfirmArgs),
    /// Change a cluster's scale settings (min/max nodes, idle time).
    ///
    /// What is not given keeps its current value (`--max-instances 8` alone works). The
    /// rules (min ≥ 0, max ≥ max(min, 1)) are checked before anything is sent: exit 2.
    Update {
        #[arg(add = ArgValueCompleter::new(compute_names))]
        name: String,
        /// Minimum number of nodes (0 lets the cluster scale to zero).
        #[arg(long = "min-instances", value_name = "N")]
        min_instances: Option<i64>,
        /// Maximum number of nodes (at least the minimum, and at least 1).
        #[arg(long = "max-instances", value_name = "N")]
        max_instances: Option<i64>,
        /// Seconds an idle node is kept before it is released.
        #[arg(long = "idle-time-before-scale-down", value_name = "SECONDS")]
        idle_time_before_scale_down: Option<u64>,
        #[command(flatten)]
        wait: WaitArgs,
        #[arg(short = 'o', long, value_enum, default_value_t = OutputFormat::Table)]
        output: OutputFormat,
    },
    /// Set or clear a compute instance's idle shutdown (no `az ml` equivalent).
    ///
    /// The instance stops by itself after this long without activity. `az ml compute` has no
    /// direct equivalent: it sets this only when creating an instance
    /// (`idle_time_before_shutdown_minutes`); this calls the REST `updateIdleShutdownSetting`
    /// action.
    #[command(name = "set-idle-shutdown")]
    #[command(group = clap::ArgGroup::new("idle").required(true).args(["minutes", "clear"]))]
    SetIdleShutdown {
        #[arg(add = ArgValueCompleter::new(compute_names))]
        name: String,
        /// Minutes without activity before the instance stops (15 to 4320, i.e. 3 days).
        #[arg(long, value_name = "N")]
        minutes: Option<u32>,
        /// Turn idle shutdown off.
        #[arg(long)]
        clear: bool,
        #[arg(short = 'o', long, value_enum, default_value_t = OutputFormat::Table)]
        output: OutputFormat,
    },
    /// A compute's keys and credentials, masked unless --show-secrets.
    ///
    /// AKS kubeconfigs, VM and HDInsight administrator accounts, the Databricks token.
    Keys {
        #[arg(add = ArgValueCompleter::new(compute_names))]
        name: String,
        /// Print the secret values instead of `***`.
        #[arg(long = "show-secrets")]
        show_secrets: bool,
        #[arg(short = 'o', long, value_enum, default_value_t = OutputFormat::Table)]
        output: OutputFormat,
    },
    /// Create a compute from an az ml YAML file and/or flags (as `az ml compute create`).
    ///
    /// Reads the az ml CLI v2 compute YAML (`type: amlcompute`, ...; `$schema` is ignored);
    /// `--set key=value` and the flags override the file. Every rule is checked before
    /// anything is sent (exit 2, each problem as FILE:LINE:COLUMN: key: rule); `--dry-run`
    /// prints the request body (secrets masked) and sends nothing.
    Create(CreateArgs),
    /// Attach an existing resource as a compute from an az ml YAML file (as `az ml compute
    /// attach`).
    ///
    /// The same file format, overrides and checks as `create`; a file whose type is created
    /// (e.g. amlcompute) is refused with a hint to use `create`.
    Attach(CreateArgs),
    /// The nodes of a cluster: id, state, addresses, the run on each.
    #[command(name = "list-nodes")]
    ListNodes {
        #[arg(add = ArgValueCompleter::new(compute_names))]
        name: String,
        #[arg(short = 'o', long, value_enum, default_value_t = OutputFormat::Table)]
        output: OutputFormat,
    },
    /// The region's VM sizes: family, vCPUs, GPUs, memory, low-priority capability and the
    /// estimated price per hour (`?` when unknown) for a tier and OS.
    #[command(name = "list-sizes")]
    ListSizes {
        /// Only sizes a compute type supports: amlcompute, computeinstance (or clusters,
        /// instances); other service names as given.
        #[arg(long = "type", value_name = "KIND")]
        kind: Option<String>,
        /// Azure region (default: the workspace's).
        #[arg(long, value_name = "REGION")]
        location: Option<String>,
        /// The tier to price: dedicated or low_priority.
        #[arg(long, value_name = "TIER", default_value = "dedicated", value_parser = parse_tier)]
        tier: Tier,
        /// The OS to price: Linux or Windows.
        #[arg(long, value_name = "OS", default_value = "Linux", value_parser = parse_os)]
        os: OsType,
        #[arg(short = 'o', long, value_enum, default_value_t = OutputFormat::Table)]
        output: OutputFormat,
    },
    /// Each compute's estimated cost per hour now and the workspace total (no `az ml`
    /// equivalent).
    ///
    /// From the VM size catalogue of each compute's region: an instance's size while it runs
    /// (a stopped one's disks still cost), a cluster's size × its current nodes (and at max
    /// nodes), an AKS cluster's agents × their size, for the compute's tier and OS. An unknown
    /// figure is `?`; an attached compute is billed on its own resource and not estimated (`-`).
    #[command(name = "list-cost")]
    ListCost {
        #[arg(short = 'o', long, value_enum, default_value_t = OutputFormat::Table)]
        output: OutputFormat,
    },
    /// The region's vCPU usage and limits: regional totals, each VM family, and the shares of
    /// workspaces and computes.
    #[command(name = "list-usage")]
    ListUsage {
        /// Azure region (default: the workspace's).
        #[arg(long, value_name = "REGION")]
        location: Option<String>,
        #[arg(short = 'o', long, value_enum, default_value_t = OutputFormat::Table)]
        output: OutputFormat,
    },
}

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// Cancel a job that has not ended yet.
    Cancel(ActArgs),
    /// Archive a job: it leaves the default job list (it is kept, `restore` brings it back).
    Archive(ActArgs),
    /// Restore an archived job to the default job list.
    Restore(ActArgs),
    /// One row per job, newest first: name, display name, status, experiment, compute,
    /// created, duration.
    List {
        /// Most jobs to list (as `az ml job list`, 50 unless given).
        #[arg(short = 'r', long = "max-results", value_name = "N",
              value_parser = clap::value_parser!(u64).range(1..))]
        max_results: Option<u64>,
        /// List every job (no maximum).
        #[arg(long = "all-results", conflicts_with = "max_results")]
        all_results: bool,
        /// Include archived jobs.
        #[arg(long = "include-archived")]
        include_archived: bool,
        /// Only jobs of this type (Command, Sweep, Pipeline, AutoML, Spark).
        #[arg(long = "type", value_name = "TYPE")]
        job_type: Option<String>,
        #[arg(short = 'o', long, value_enum, default_value_t = OutputFormat::Table)]
        output: OutputFormat,
    },
    /// One job in detail: command, environment, resources, status and times, error, warnings,
    /// log files.
    Show {
        #[arg(add = ArgValueCompleter::new(job_names))]
        name: String,
        #[arg(short = 'o', long, value_enum, default_value_t = OutputFormat::Table)]
        output: OutputFormat,
    },
    /// Follow every rank's logs until the run ends (`amlc logs NAME --follow --all-ranks`).
    Stream {
        #[arg(add = ArgValueCompleter::new(job_names))]
        name: String,
    },
    /// Submit a command job from an az ml job YAML file (as `az ml job create -f`).
    ///
    /// Reads the az ml CLI v2 command job schema: command, code, environment, compute
    /// (azureml:NAME, NAME or local), inputs, outputs, environment_variables, resources,
    /// distribution, limits, display_name, experiment_name, description, tags, properties,
    /// services, identity. Paths are relative to the file. Every problem is reported as
    /// FILE:LINE:COL: key: rule before anything is sent (exit 2). The code folder is
    /// snapshotted as the Python SDK does (.amlignore, else .gitignore) and uploaded only when
    /// no code asset with the same content exists; the git state of its repository is recorded.
    /// `compute: local` runs the job on this machine.
    #[command(after_long_help = environment_kinds_help())]
    Create(JobCreateArgs),
    /// Submit a command job from flags: `amlc jobs submit --code DIR --compute NAME
    /// --environment ENV -- COMMAND…`.
    ///
    /// The quick form of `create`, with the same snapshot, upload, git and output rules.
    #[command(after_long_help = environment_kinds_help())]
    Submit(JobSubmitArgs),
}

/// `--help` of the submit commands: the four kinds of environment (`EnvKind::explain`).
pub fn environment_kinds_help() -> String {
    let mut s = String::from("Environments:\n");
    for kind in crate::submit::job_yaml::EnvKind::ALL {
        s.push_str("  ");
        s.push_str(kind.explain());
        s.push('\n');
    }
    s.push_str(
        "Inline images (with an optional conda file) and Docker build contexts are written in \
         the job file: environment: {image: IMAGE, conda_file: FILE} or {build: {path: DIR}}.",
    );
    s
}

/// What `jobs create` and `jobs submit` share after the job is known.
#[derive(Debug, Clone, Args)]
pub struct SubmitOptions {
    /// The job's name (default: generated as the SDK does, e.g. strong_kettle_glt9r5gwqw).
    #[arg(short = 'n', long, value_name = "NAME")]
    pub name: Option<String>,
    /// Follow the job's logs until it ends (as `amlc jobs stream NAME`; same exit codes).
    #[arg(short = 's', long)]
    pub stream: bool,
    /// Print the job's Studio link and open it in a browser when there is one.
    #[arg(short = 'e', long)]
    pub web: bool,
    /// Print the job body that would be sent (ids known only to the service as named
    /// placeholders) and send nothing.
    #[arg(long = "dry-run")]
    pub dry_run: bool,
    /// `json`: the job as the service answered (or the body with --dry-run).
    #[arg(short = 'o', long, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
}

/// `jobs create -f FILE`.
#[derive(Debug, Clone, Args)]
pub struct JobCreateArgs {
    /// The az ml command job YAML file.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: PathBuf,
    /// Override a key of the file (`--set compute=azureml:gpu`, `--set inputs.lr=0.1`);
    /// repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    #[command(flatten)]
    pub common: SubmitOptions,
}

/// `jobs submit --code DIR --compute NAME --environment ENV -- COMMAND…`.
#[derive(Debug, Clone, Args)]
pub struct JobSubmitArgs {
    /// The local code folder (or file) to snapshot and upload.
    #[arg(long, value_name = "DIR")]
    pub code: Option<PathBuf>,
    /// Where to run: a compute of the workspace, or `local` for this machine.
    #[arg(long, value_name = "NAME|local", add = ArgValueCompleter::new(compute_names))]
    pub compute: Option<String>,
    /// The environment: name:version, name@latest, an AzureML-… curated name, or an
    /// azureml://registries/… id.
    #[arg(long, value_name = "ENV")]
    pub environment: String,
    /// Nodes to run on.
    #[arg(long = "instance-count", value_name = "N")]
    pub instance_count: Option<u32>,
    /// The experiment (default: the current folder's name).
    #[arg(long = "experiment-name", value_name = "NAME")]
    pub experiment_name: Option<String>,
    /// The name shown in lists (default: the job's name).
    #[arg(long = "display-name", value_name = "TEXT")]
    pub display_name: Option<String>,
    #[command(flatten)]
    pub common: SubmitOptions,
    /// The command to run, after `--` (one argument is taken as a shell command line).
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

/// `amlc logs`: which files of a run, and whether to follow it.
#[derive(Debug, Clone, Args)]
pub struct LogsArgs {
    /// The job's name.
    #[arg(add = ArgValueCompleter::new(job_names))]
    pub name: String,
    /// Keep printing new lines until the run ends; the exit code says how it ended (0
    /// Completed, 1 Failed, 3 Canceled).
    #[arg(short = 'f', long)]
    pub follow: bool,
    /// The log of one rank (default: rank 0).
    #[arg(long, value_name = "N", conflicts_with_all = ["all_ranks", "file"])]
    pub rank: Option<u32>,
    /// Every rank's log, each line prefixed with its rank (`[1] `).
    #[arg(long = "all-ranks", conflicts_with = "file")]
    pub all_ranks: bool,
    /// One log file by its name in the run (as `amlc jobs show` lists them).
    #[arg(long, value_name = "NAME")]
    pub file: Option<String>,
}

/// How a command follows the operation it started.
#[derive(Debug, Clone, Default, Args)]
pub struct WaitArgs {
    /// Return once Azure accepted the request instead of waiting for the operation to end.
    #[arg(long = "no-wait")]
    pub no_wait: bool,
}

/// `computes create|attach`: a file, overrides and the common fields as `az ml compute create`
/// names them.
#[derive(Debug, Clone, Args)]
pub struct CreateArgs {
    /// The az ml compute YAML file (optional when --name and --type are given).
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// The compute's name.
    #[arg(short = 'n', long, value_name = "NAME")]
    pub name: Option<String>,
    /// The az ml compute type: amlcompute, computeinstance, virtualmachine, kubernetes,
    /// synapsespark.
    #[arg(short = 't', long = "type", value_name = "TYPE")]
    pub compute_type: Option<String>,
    /// VM size (e.g. Standard_DS3_v2).
    #[arg(long, value_name = "SIZE")]
    pub size: Option<String>,
    /// Minimum number of nodes of a cluster.
    #[arg(
        long = "min-instances",
        value_name = "N",
        allow_negative_numbers = true
    )]
    pub min_instances: Option<i64>,
    /// Maximum number of nodes of a cluster.
    #[arg(
        long = "max-instances",
        value_name = "N",
        allow_negative_numbers = true
    )]
    pub max_instances: Option<i64>,
    /// Seconds an idle node of a cluster is kept before it is released.
    #[arg(
        long = "idle-time-before-scale-down",
        value_name = "SECONDS",
        allow_negative_numbers = true
    )]
    pub idle_time_before_scale_down: Option<i64>,
    /// dedicated or low_priority.
    #[arg(long, value_name = "TIER")]
    pub tier: Option<String>,
    /// Azure region (default: the workspace's).
    #[arg(long, value_name = "REGION")]
    pub location: Option<String>,
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,
    /// Override a key of the file, dotted as in az ml (`--set max_instances=4
    /// ssh_settings.admin_username=me`); repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE", num_args = 1..)]
    pub set: Vec<String>,
    /// Check everything and print the request body (secrets masked); send nothing.
    #[arg(long = "dry-run")]
    pub dry_run: bool,
    #[command(flatten)]
    pub wait: WaitArgs,
    /// `json` prints the compute as created.
    #[arg(short = 'o', long, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
}

/// An action on one named resource.
#[derive(Debug, Clone, Args)]
pub struct ActArgs {
    /// The compute's (or the job's) name.
    #[arg(add = ArgValueCompleter::new(resource_names))]
    pub name: String,
    #[command(flatten)]
    pub wait: WaitArgs,
    /// `json` prints the final resource (`{}` when the answer carries none).
    #[arg(short = 'o', long, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
}

/// An action that removes something: asks on a terminal, needs --yes otherwise.
#[derive(Debug, Clone, Args)]
pub struct ConfirmArgs {
    #[command(flatten)]
    pub act: ActArgs,
    /// Do not ask for confirmation (needed when stdin or stderr is not a terminal).
    #[arg(short = 'y', long)]
    pub yes: bool,
}

/// `--tier`: dedicated or low_priority.
fn parse_tier(text: &str) -> Result<Tier, String> {
    Tier::parse(text).ok_or_else(|| format!("{text:?} is not a tier: dedicated or low_priority"))
}

/// `--os`: Linux or Windows (case-insensitive).
fn parse_os(text: &str) -> Result<OsType, String> {
    match OsType::parse(text) {
        OsType::Other(_) => Err(format!("{text:?} is not an OS: Linux or Windows")),
        os => Ok(os),
    }
}

/// `--type`: a tab, a compute type or an alias (see [`KindFilter::parse`]).
fn parse_kind(text: &str) -> Result<KindFilter, String> {
    KindFilter::parse(text)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
}

#[derive(Clone, Args)]
pub struct EmulatorArgs {
    /// Port to listen on (0 = any free port).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Where state lives (default: amlc's data dir, `emulator/`).
    #[arg(long = "data-dir", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Seed the demo workspace.
    #[arg(long)]
    pub demo: bool,
    /// Speed factor for simulated delays (2 = twice as fast).
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// Serve HTTPS with a self-signed certificate (written under the data dir).
    #[arg(long)]
    pub tls: bool,
    /// Injected faults, e.g. "latency=50ms,error=0.05,throttle=0.05,drop=0.01,seed=7".
    #[arg(long, value_name = "SPEC")]
    pub faults: Option<String>,
    /// Bearer token to require (default: a new random one, written to DATA_DIR/token).
    #[arg(
        long,
        value_name = "TOKEN",
        env = "AMLC_EMULATOR_TOKEN",
        hide_env_values = true
    )]
    pub token: Option<String>,
    /// Address to bind. Anything but loopback needs an explicit --token: submitted jobs run as
    /// commands on this machine.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Replace the data dir's token with a new random one (it is otherwise kept across restarts,
    /// so connected clients go on working). A --token wins over it.
    #[arg(long = "rotate-token")]
    pub rotate_token: bool,
    /// Stop by itself after this many seconds without a request (0 = never).
    #[arg(
        long = "idle-timeout",
        value_name = "SECS",
        env = "AMLC_EMULATOR_IDLE_SECS",
        default_value_t = 0
    )]
    pub idle_timeout: u64,
    /// Internal: the shared background emulator amlc starts for itself (loopback only, its own
    /// session, stops when idle or when its data dir is removed).
    #[arg(long, hide = true)]
    pub background: bool,
}

impl std::fmt::Debug for EmulatorArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorArgs")
            .field("port", &self.port)
            .field("data_dir", &self.data_dir)
            .field("demo", &self.demo)
            .field("speed", &self.speed)
            .field("tls", &self.tls)
            .field("faults", &self.faults)
            .field("token", &self.token.as_ref().map(|_| "***"))
            .field("bind", &self.bind)
            .field("rotate_token", &self.rotate_token)
            .field("idle_timeout", &self.idle_timeout)
            .field("background", &self.background)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn read_only_is_global_and_actions_parse() {
        for args in [
            &["amlc", "--read-only", "computes", "stop", "ci"][..],
            &["amlc", "computes", "stop", "ci", "--read-only"][..],
            &["amlc", "--read-only"][..],
        ] {
            let cli = Cli::try_parse_from(args).unwrap();
            assert!(cli.global.read_only, "{args:?}");
        }
        let cli =
            Cli::try_parse_from(["amlc", "computes", "delete", "x", "-y", "--no-wait"]).unwrap();
        match cli.command {
            Some(Command::Computes(ComputesCommand::Delete(c))) => {
                assert!(c.yes && c.act.wait.no_wait);
                assert_eq!(c.act.name, "x");
            }
            other => panic!("{other:?}"),
        }
        // set-idle-shutdown needs exactly one of --minutes and --clear.
        for bad in [
            &["amlc", "computes", "set-idle-shutdown", "ci"][..],
            &[
                "amlc",
                "computes",
                "set-idle-shutdown",
                "ci",
                "--minutes",
                "30",
                "--clear",
            ][..],
        ] {
            assert!(Cli::try_parse_from(bad).is_err(), "{bad:?}");
        }
        assert!(Cli::try_parse_from(["amlc", "jobs", "cancel", "j", "-o", "json"]).is_ok());
    }

    #[test]
    fn create_takes_a_file_overrides_and_az_ml_flags() {
        let cli = Cli::try_parse_from([
            "amlc",
            "computes",
            "create",
            "-f",
            "c.yml",
            "--set",
            "a=1",
            "b.c=2",
            "--set",
            "d=3",
            "-n",
            "x",
            "-t",
            "amlcompute",
            "--min-instances",
            "-1",
            "--dry-run",
            "--no-wait",
            "-o",
            "json",
        ])
        .unwrap();
        match cli.command {
            Some(Command::Computes(ComputesCommand::Create(a))) => {
                assert_eq!(a.set, ["a=1", "b.c=2", "d=3"]);
                assert_eq!(a.file.as_deref(), Some(std::path::Path::new("c.yml")));
                assert_eq!(a.name.as_deref(), Some("x"));
                assert_eq!(a.compute_type.as_deref(), Some("amlcompute"));
                assert_eq!(a.min_instances, Some(-1));
                assert!(a.dry_run && a.wait.no_wait && a.output == OutputFormat::Json);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            Cli::try_parse_from(["amlc", "computes", "attach", "-f", "k.yml"])
                .unwrap()
                .command,
            Some(Command::Computes(ComputesCommand::Attach(_)))
        ));
    }

    #[test]
    fn job_reading_commands_parse() {
        let cli =
            Cli::try_parse_from(["amlc", "jobs", "list", "-r", "5", "--include-archived"]).unwrap();
        match cli.command {
            Some(Command::Jobs(JobsCommand::List {
                max_results,
                all_results,
                include_archived,
                ..
            })) => assert!(max_results == Some(5) && !all_results && include_archived),
            other => panic!("{other:?}"),
        }
        for bad in [
            &["amlc", "jobs", "list", "--max-results", "0"][..],
            &["amlc", "jobs", "list", "-r", "3", "--all-results"][..],
            &["amlc", "logs", "j", "--rank", "1", "--all-ranks"][..],
            &["amlc", "logs", "j", "--all-ranks", "--file", "x"][..],
            &["amlc", "logs"][..],
        ] {
            assert!(Cli::try_parse_from(bad).is_err(), "{bad:?}");
        }
        let cli = Cli::try_parse_from(["amlc", "logs", "j", "-f", "--rank", "1"]).unwrap();
        match cli.command {
            Some(Command::Logs(args)) => assert!(args.follow && args.rank == Some(1)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn sizes_and_usage_parse_tier_os_and_location() {
        let cli = Cli::try_parse_from([
            "amlc",
            "computes",
            "list-sizes",
            "--type",
            "amlcompute",
            "--tier",
            "low_priority",
            "--os",
            "windows",
            "--location",
            "westus",
        ])
        .unwrap();
        match cli.command {
            Some(Command::Computes(ComputesCommand::ListSizes {
                kind,
                location,
                tier,
                os,
                output,
            })) => {
                assert_eq!(kind.as_deref(), Some("amlcompute"));
                assert_eq!(location.as_deref(), Some("westus"));
                assert_eq!((tier, os), (Tier::LowPriority, OsType::Windows));
                assert_eq!(output, OutputFormat::Table);
            }
            other => panic!("{other:?}"),
        }
        match Cli::try_parse_from(["amlc", "computes", "list-sizes"])
            .unwrap()
            .command
        {
            Some(Command::Computes(ComputesCommand::ListSizes { tier, os, .. })) => {
                assert_eq!((tier, os), (Tier::Dedicated, OsType::Linux))
            }
            other => panic!("{other:?}"),
        }
        for bad in [
            &["amlc", "computes", "list-sizes", "--tier", "spot"][..],
            &["amlc", "computes", "list-sizes", "--os", "macos"][..],
        ] {
            assert!(Cli::try_parse_from(bad).is_err(), "{bad:?}");
        }
        assert!(Cli::try_parse_from(["amlc", "computes", "list-usage", "-o", "json"]).is_ok());
    }

    #[test]
    fn global_flags_after_the_subcommand() {
        let cli = Cli::try_parse_from([
            "amlc",
            "computes",
            "list",
            "--endpoint",
            "http://127.0.0.1:1",
            "--auth",
            "token",
            "--subscription",
            "S",
            "-g",
            "RG",
            "-w",
            "WS",
            "-o",
            "json",
        ])
        .unwrap();
        assert_eq!(cli.global.workspace.as_deref(), Some("WS"));
        assert_eq!(cli.global.resource_group.as_deref(), Some("RG"));
        match cli.command {
            Some(Command::Computes(ComputesCommand::List { output, .. })) => {
                assert_eq!(output, OutputFormat::Json)
            }
            other => panic!("{other:?}"),
        }
    }
}
