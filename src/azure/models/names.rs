//! Azure's name rules for workspaces and computes (API reference §1), as pure functions shared by
//! the client, the wizards and the emulator. An `Err` carries a message fit to show a user.

/// Compute names: `^[a-zA-Z](?![a-zA-Z0-9-]*-\d+$)[a-zA-Z0-9\-]{2,23}$`, i.e. 3 to 24 letters,
/// digits and hyphens, starting with a letter, and not ending in a hyphen followed only by digits.
pub fn validate_compute_name(name: &str) -> Result<(), String> {
    let len = name.chars().count();
    if !(3..=24).contains(&len) {
        return Err(format!(
            "compute name {name:?} must be 3 to 24 characters long (it has {len})"
        ));
    }
    let mut chars = name.chars();
    if !chars.next().is_some_and(|c| c.is_ascii_alphabetic()) {
        return Err(format!("compute name {name:?} must start with a letter"));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
    {
        return Err(format!(
            "compute name {name:?} may hold only letters, digits and hyphens (not {bad:?})"
        ));
    }
    if let Some((_, tail)) = name.rsplit_once('-')
        && !tail.is_empty()
        && tail.chars().all(|c| c.is_ascii_digit())
    {
        return Err(format!(
            "compute name {name:?} must not end in a hyphen followed by digits (\"-{tail}\")"
        ));
    }
    Ok(())
}

/// Workspace names: `^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$`.
pub fn validate_workspace_name(name: &str) -> Result<(), String> {
    let len = name.chars().count();
    if !(3..=33).contains(&len) {
        return Err(format!(
            "workspace name {name:?} must be 3 to 33 characters long (it has {len})"
        ));
    }
    if !name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric())
    {
        return Err(format!(
            "workspace name {name:?} must start with a letter or digit"
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        return Err(format!(
            "workspace name {name:?} may hold only letters, digits, hyphens and underscores (not {bad:?})"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compute_names() {
        for ok in [
            "cpu",
            "gpu-cluster",
            "a1-b2",
            "abc-1x",
            "abc-",
            "Ab1",
            "a-b-c-d",
            "abcdefghijklmnopqrstuvwx",
        ] {
            assert!(validate_compute_name(ok).is_ok(), "{ok} should be valid");
        }
        for bad in [
            "",
            "ab",
            "1abc",
            "-abc",
            "abc_def",
            "abc.def",
            "cluster-1",
            "cluster-123",
            "a-b-2",
            "abcdefghijklmnopqrstuvwxy",
            "ñandu",
        ] {
            assert!(
                validate_compute_name(bad).is_err(),
                "{bad} should be invalid"
            );
        }
    }

    #[test]
    fn workspace_names() {
        for ok in ["demo-ws", "1ws", "my_ws-2", "abc"] {
            assert!(validate_workspace_name(ok).is_ok(), "{ok}");
        }
        for bad in ["ab", "_ws", "-ws", "w s", "a".repeat(34).as_str()] {
            assert!(validate_workspace_name(bad).is_err(), "{bad}");
        }
    }
}
