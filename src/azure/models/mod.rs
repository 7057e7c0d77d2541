//! Azure ML wire types (serde), shared by the client and the emulator. They follow the API
//! reference (`shared/azureml-api/README.md`) and are lenient on input: unknown compute types
//! and enum values are kept verbatim, fields of an unexpected shape are set aside (never a
//! failed list), every struct keeps unknown fields in `extra` so they survive a round trip,
//! and resources keep their `raw` JSON. Secrets are [`Secret`]s and never show in `Debug`.
//! This module does no I/O and holds no policy beyond reading and writing these shapes.

pub mod names;

mod common;
mod compute;
mod compute_kinds;
mod compute_ops;
mod enums;
mod instance;
mod job;
mod job_enums;
mod lro;
mod run;
mod secret;
mod sizes;
mod util;
mod workspace;

pub use crate::azure::error::{ErrorDetail, ErrorResponse};
pub use common::*;
pub use compute::*;
pub use compute_kinds::*;
pub use compute_ops::*;
pub use enums::*;
pub use instance::*;
pub use job::*;
pub use job_enums::*;
pub use lro::*;
pub use run::*;
pub use secret::*;
pub use sizes::*;
pub use workspace::*;
