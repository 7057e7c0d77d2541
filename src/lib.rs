//! amlc: a keyboard-driven terminal UI and headless CLI for Azure Machine Learning compute targets
//! and runs.
//!
//! Layers (dependencies point one way): `commands`/`ui` → `app` → `azure`. The `emulator` is a
//! separate server that shares only the wire types of `azure::models`. Nothing under `azure/`
//! knows about terminals.

pub mod actions;
pub mod app;
pub mod azure;
pub mod cli;
pub mod commands;
pub mod config;
pub mod connect;
pub mod cost;
pub mod detach;
pub mod emulator;
pub mod guidance;
pub mod logs;
pub mod picker;
pub mod submit;
pub mod tui;
pub mod ui;
pub mod wizard;
