//! Configuration: which cloud, subscription, resource group and workspace amlc works against,
//! with which api-version and auth method, and where each value came from. Values are taken from
//! flags, then the environment, then the Azure CLI's own defaults (`~/.azure/config`,
//! `azureProfile.json`), then amlc's TOML config file (named profiles), then built-in defaults.
//! The config file also reserves the TUI's `[refresh]`, `[keys]` and `[theme]` tables.
//!
//! This module reads files and an injected environment lookup only: it never mutates the process
//! environment, never talks to the network, never runs `az`, and the config file never holds a
//! secret (keys that look like one are rejected).

// `AzureError` is large (an `ErrorDetail` inline); boxing it belongs in azure/error.rs.

pub mod azcli;
pub mod context;
pub mod file;

pub use azcli::{AzCliDefaults, az_config_dir, read_az_cli_defaults};
pub use context::{
    ContextCase, ContextFlags, ResolveInputs, ResolvedContext, Source, Sourced, missing_hint,
    process_env, resolve,
};
pub use file::{ConfigFile, Profile, RefreshConfig, default_config_path, load_config};
