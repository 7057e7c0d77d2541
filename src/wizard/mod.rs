//! Create and attach: forms as data ([`engine`]), the validators they share ([`rules`]),
//! every kind's form ([`forms`]) and az ml compute YAML mapped onto them ([`yaml`]). Pure: no
//! terminal, no network; the TUI wizard view, the headless `computes create|attach -f FILE`
//! reader and the tests drive the same forms.

pub mod engine;
pub mod forms;
pub mod rules;
pub mod yaml;

pub use engine::{
    Choice, ComputeRequest, Cond, Ctx, DiskFiles, Field, FieldKind, FieldValue, FileSource, Form,
    FormId, Problem, Values,
};
