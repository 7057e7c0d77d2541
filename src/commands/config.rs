//! `amlc config init [--force]` and `amlc config path`: the commented default configuration
//! (`assets/config.toml`, embedded at build time so the binary and the asset cannot drift) and
//! where amlc looks for its config file (`--config`, else `AMLC_CONFIG`, else the platform config
//! directory, as `config::default_config_path` says).
//!
//! `init` writes the default file, creating its directory; it never replaces an existing file
//! unless `--force` is given (then the new file is written beside it and renamed over it, so a
//! failed write leaves the old one whole). This module does not parse or check the file (that is
//! `config::file`), reads no other configuration and talks to no network.

use crate::cli::GlobalArgs;
use crate::config::{default_config_path, process_env};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The commented default configuration: every key amlc reads, each with its default, commented
/// out (`assets/config.toml`).
pub const DEFAULT_CONFIG: &str = include_str!("../../assets/config.toml");

/// Why `config init` wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error(
        "config file {} already exists; `amlc config init --force` replaces it with the default",
        .0.display()
    )]
    Exists(PathBuf),
    #[error("cannot write config file {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "no config directory is known (no home directory): give a path with --config or AMLC_CONFIG"
    )]
    NoPath,
}

/// Where the config file is read from: `--config`, else `AMLC_CONFIG`, else the platform's
/// config directory (`~/.config/amlc/config.toml` on Linux). `None` without a home directory.
pub fn config_path(global: &GlobalArgs) -> Option<PathBuf> {
    match &global.config {
        Some(path) => Some(path.clone()),
        None => default_config_path(&process_env),
    }
}

/// Writes [`DEFAULT_CONFIG`] to `path`, creating its directory. Without `force`, an existing
/// file (or anything else at `path`) is left alone and is an error.
pub fn write_default(path: &Path, force: bool) -> Result<(), InitError> {
    let io = |source| InitError::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(io)?;
    if force {
        let mut file = tempfile::NamedTempFile::new_in(&dir).map_err(io)?;
        file.write_all(DEFAULT_CONFIG.as_bytes()).map_err(io)?;
        file.as_file().sync_all().map_err(io)?;
        file.persist(path).map_err(|e| io(e.error))?;
        return Ok(());
    }
    // create_new: the check and the creation are one step, so nothing is ever overwritten.
    let mut file = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(InitError::Exists(path.to_path_buf()));
        }
        Err(e) => return Err(io(e)),
    };
    file.write_all(DEFAULT_CONFIG.as_bytes()).map_err(io)?;
    file.sync_all().map_err(io)
}

/// `amlc config init`: writes the default file and says where on `notes`.
pub fn init(global: &GlobalArgs, force: bool, notes: &mut dyn Write) -> color_eyre::Result<()> {
    let path = config_path(global).ok_or(InitError::NoPath)?;
    write_default(&path, force)?;
    writeln!(
        notes,
        "wrote the default configuration to {} (every key commented out: uncomment to change)",
        path.display()
    )?;
    Ok(())
}

/// `amlc config path`: the path on `out` (data), and on `notes` whether it exists yet.
pub fn path(
    global: &GlobalArgs,
    out: &mut dyn Write,
    notes: &mut dyn Write,
) -> color_eyre::Result<()> {
    let path = config_path(global).ok_or(InitError::NoPath)?;
    writeln!(out, "{}", path.display())?;
    if !path.exists() {
        writeln!(
            notes,
            "(it does not exist yet: `amlc config init` writes the commented default there)"
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_refuses_then_overwrites_with_force() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("a/b/config.toml");
        write_default(&path, false).expect("first write");
        assert_eq!(
            std::fs::read_to_string(&path).ok().as_deref(),
            Some(DEFAULT_CONFIG)
        );
        std::fs::write(&path, "# mine\n").expect("edit");
        match write_default(&path, false) {
            Err(InitError::Exists(p)) => assert_eq!(p, path),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            std::fs::read_to_string(&path).ok().as_deref(),
            Some("# mine\n")
        );
        write_default(&path, true).expect("forced write");
        assert_eq!(
            std::fs::read_to_string(&path).ok().as_deref(),
            Some(DEFAULT_CONFIG)
        );
        // Only the file is left in the directory (no temporary file beside it).
        let names: Vec<_> = std::fs::read_dir(dir.path().join("a/b"))
            .expect("list")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names, ["config.toml"]);
    }

    #[test]
    fn the_flag_wins_over_the_environment() {
        let global = GlobalArgs {
            config: Some(PathBuf::from("/x/y.toml")),
            ..GlobalArgs::default()
        };
        assert_eq!(config_path(&global), Some(PathBuf::from("/x/y.toml")));
    }
}
