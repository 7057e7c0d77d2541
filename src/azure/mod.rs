//! The only code in amlc that speaks HTTP to Azure Machine Learning (ARM control plane, the
//! discovery document, run history and log blobs, workspace assets and Blob Storage uploads).
//! It knows nothing about terminals.

pub mod assets;
pub mod auth;
pub mod blob;
pub mod client;
pub mod computes;
pub mod context;
pub mod error;
pub mod http;
pub mod jobs;
pub mod logs;
pub mod lro;
pub mod models;
pub mod sizes;
pub mod workspace;

pub use client::AmlClient;
pub use context::{Cloud, WorkspaceContext};
pub use error::{AzureError, Result};
