//! Azure's name rules for workspaces and computes (API reference §1), as pure functions shared by
//! the client, the wizards and the emulator. An `Err` carries a message fit to show a user.

/// Compute names, for any compute type but AKS: 3 to 24 characters (see
/// [`validate_compute_name_for`]).
pub fn validate_compute_name(name: &str) -> Result<(), String> {
    check_compute_name(name, 3, 24)
}

/// The name rule of a compute of `compute_type` (the `computeType` text, any case), as the Studio
/// forms of the seed documents state it and the service enforces it: an AKS inference cluster has
/// 2 to 16 characters, every other compute 3 to 24; the first character is a letter; only
/// letters, digits and `-`; and a `-` must be followed by at least one letter later in the name
/// (so `abc-`, `a-1` and `cluster-12` are refused; Azure's own pattern
/// `^[a-zA-Z](?![a-zA-Z0-9-]*-\d+$)[a-zA-Z0-9\-]{2,23}$` refuses the `-<digits>` endings). One
/// function, used by the client before it sends a create and by the emulator when it answers one.
pub fn validate_compute_name_for(compute_type: &str, name: &str) -> Result<(), String> {
    if compute_type.eq_ignore_ascii_case("AKS") {
        check_compute_name(name, 2, 16)
    } else {
        check_compute_name(name, 3, 24)
    }
}

fn check_compute_name(name: &str, min: usize, max: usize) -> Result<(), String> {
    let len = name.chars().count();
    if !(min..=max).contains(&len) {
        return Err(format!(
            "compute name {name:?} must be {min} to {max} characters long (it has {len})"
        ));
    }
    if !name.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) {
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
    // Every hyphen needs a letter after it; the last hyphen is the one that decides.
    if let Some((_, tail)) = name.rsplit_once('-')
        && !tail.chars().any(|c| c.is_ascii_alphabetic())
    {
        return Err(if tail.is_empty() {
            format!(
                "compute name {name:?} must not end in a hyphen: a hyphen must be followed by at least one letter later in the name"
            )
        } else {
            format!(
                "compute name {name:?} must not end in a hyphen followed by digits (\"-{tail}\"): a hyphen must be followed by at least one letter later in the name"
            )
        });
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
            "a-1b",
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
            "abc-",
            "a-1",
            "ab--",
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
    fn aks_names_have_2_to_16_characters() {
        for ok in ["ab", "aks-dev", "abcdefghijklmnop", "a1"] {
            assert!(validate_compute_name_for("AKS", ok).is_ok(), "{ok}");
            assert!(validate_compute_name_for("aks", ok).is_ok(), "{ok}");
        }
        for bad in ["a", "abcdefghijklmnopq", "1a", "ab-", "ab-1", "a_b"] {
            assert!(validate_compute_name_for("AKS", bad).is_err(), "{bad}");
        }
        // Other kinds keep 3 to 24.
        assert!(validate_compute_name_for("AmlCompute", "ab").is_err());
        assert!(validate_compute_name_for("ComputeInstance", "abcdefghijklmnopq").is_ok());
        let why = validate_compute_name_for("AKS", "abc-").unwrap_err();
        assert!(why.contains("followed by at least one letter"), "{why}");
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
