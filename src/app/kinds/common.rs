//! Helpers shared by the compute kinds: the state to show and its tone, ages, the error code a
//! row shows, and the detail sections every compute has (overview and errors first, unknown
//! properties, unreadable fields), and the actions they share (delete or detach, keys).
//! Reading only: no I/O, no styles.

use super::{Cell, CopyTarget, DetailRow, Item, Section, SortKey};
use crate::actions::{ActionId, Availability};
use crate::app::format;
use crate::app::keys::Action;
use crate::app::text::Tone;
use crate::azure::models::{
    ComputeProperties, ComputeResource, ComputeType, ErrorDetail, ProvisioningState,
};
use serde_json::Value;

pub fn name(c: &ComputeResource) -> &str {
    c.name.as_deref().unwrap_or("")
}

/// The state to show, without allocating (same rules as `ComputeResource::display_state`).
pub fn state_ref(c: &ComputeResource) -> &str {
    let provisioning = c.properties.provisioning_state.as_ref();
    let succeeded = provisioning == Some(&ProvisioningState::Succeeded);
    let specific: Option<&str> = match &c.properties.properties {
        ComputeProperties::ComputeInstance(p) => p.state.as_ref().map(|s| s.as_str()),
        ComputeProperties::AmlCompute(p) if succeeded => {
            p.allocation_state.as_ref().map(|s| s.as_str())
        }
        other => other.untyped().and_then(|value| {
            value.get("state").and_then(Value::as_str).or_else(|| {
                if succeeded {
                    value.get("allocationState").and_then(Value::as_str)
                } else {
                    None
                }
            })
        }),
    };
    specific
        .filter(|s| !s.is_empty())
        .or_else(|| provisioning.map(|p| p.as_str()).filter(|s| !s.is_empty()))
        .unwrap_or("Unknown")
}

/// The provisioning state text (`Unknown` when absent).
pub fn provisioning_ref(c: &ComputeResource) -> &str {
    c.properties
        .provisioning_state
        .as_ref()
        .map(|p| p.as_str())
        .filter(|s| !s.is_empty())
        .unwrap_or("Unknown")
}

/// The tone of a compute state (instance state, provisioning or allocation state).
pub fn compute_tone(state: &str) -> Tone {
    match state {
        "Succeeded" | "Running" | "Steady" | "JobRunning" | "Enabled" => Tone::Healthy,
        "Creating" | "Updating" | "Deleting" | "Starting" | "Stopping" | "Restarting"
        | "SettingUp" | "UserSettingUp" | "Resizing" | "InProgress" | "Detaching" => Tone::Progress,
        "Stopped" | "Canceled" | "Cancelled" | "Disabled" => Tone::Stopped,
        "Unusable" => Tone::Failed,
        s if s.ends_with("Failed") => Tone::Failed,
        _ => Tone::Unknown,
    }
}

/// The tone of a job status.
pub fn job_tone(status: &str) -> Tone {
    match status {
        "Completed" => Tone::Healthy,
        "NotStarted" | "Starting" | "Provisioning" | "Preparing" | "Queued" | "Running"
        | "Finalizing" | "CancelRequested" => Tone::Progress,
        "Failed" | "NotResponding" => Tone::Failed,
        "Canceled" | "Cancelled" | "Paused" => Tone::Stopped,
        _ => Tone::Unknown,
    }
}

/// The code of the first error of a compute (provisioning errors, then the type's own).
pub fn first_error_code(c: &ComputeResource) -> Option<&str> {
    c.errors()
        .into_iter()
        .map(|e| e.code.as_str())
        .find(|code| !code.is_empty())
}

/// Appends ` (CODE)` when the compute reports an error: a row shows its first error code
/// whatever its state says (a `Succeeded/Steady` cluster with a node that failed setup reads
/// `Succeeded/Steady (NodeSetupFailed)`), as the detail shows the errors near its top.
pub fn write_error_code(c: &ComputeResource, out: &mut String) {
    if let Some(code) = first_error_code(c) {
        out.push_str(" (");
        out.push_str(code);
        out.push(')');
    }
}

/// The tone of a state cell: failed stays failed; any other state with an error is a warning.
pub fn state_tone(c: &ComputeResource, tone: Tone) -> Tone {
    if tone != Tone::Failed && first_error_code(c).is_some() {
        Tone::Warning
    } else {
        tone
    }
}

/// A state cell: the text with the error code of a compute that reports one
/// (`CreateFailed (QuotaExceeded)`), its tone, and a spinner when in progress.
pub fn state_cell(c: &ComputeResource, text: &str, tone: Tone) -> Cell {
    let mut out = String::with_capacity(text.len());
    out.push_str(text);
    write_error_code(c, &mut out);
    let mut cell = Cell::new(out, state_tone(c, tone));
    cell.animate = c.is_transitional() || tone == Tone::Progress;
    cell
}

/// Creation time: `properties.createdOn`, else `systemData.createdAt`.
pub fn created_ms(c: &ComputeResource) -> Option<i64> {
    c.properties
        .created_on
        .as_deref()
        .and_then(format::parse_time_ms)
        .or_else(|| {
            c.system_data
                .as_ref()
                .and_then(|s| s.created_at.as_deref())
                .and_then(format::parse_time_ms)
        })
}

pub fn age_cell(created: Option<i64>, now_ms: i64) -> Cell {
    match created {
        Some(ms) => Cell::new(format::age(now_ms, ms), Tone::Muted),
        None => Cell::missing(),
    }
}

/// Sort keys shared by every compute tab: name, age.
pub fn name_key(c: &ComputeResource) -> SortKey {
    SortKey::text(name(c))
}

/// Newest first when ascending by age means youngest first: age sorts by creation time,
/// reversed (a bigger creation time is a smaller age).
pub fn age_key(c: &ComputeResource) -> SortKey {
    SortKey::opt_num(created_ms(c).map(|ms| -ms))
}

/// `ssh -p PORT USER@HOST` (port omitted when 22).
pub fn ssh_command(user: &str, host: &str, port: Option<i64>) -> String {
    match port {
        Some(p) if p != 22 => format!("ssh -p {p} {user}@{host}"),
        _ => format!("ssh {user}@{host}"),
    }
}

/// The first section of every compute detail.
pub fn overview(c: &ComputeResource, now_ms: i64) -> Section {
    let mut s = Section::new("Overview");
    s.field("Name", name(c));
    s.field("Type", c.type_name());
    let state = c.display_state();
    s.field_toned("State", state.clone(), compute_tone(&state));
    let provisioning = provisioning_ref(c);
    if provisioning != state {
        s.field_toned("Provisioning", provisioning, compute_tone(provisioning));
    }
    s.opt("VM size", c.vm_size());
    s.opt("Location", c.location.as_deref());
    s.opt("Description", c.properties.description.as_deref());
    if let Some(created) = c.properties.created_on.as_deref() {
        s.field("Created", format::time_with_age(created, now_ms));
    }
    if let Some(modified) = c.properties.modified_on.as_deref() {
        s.field("Modified", format::time_with_age(modified, now_ms));
    }
    if let Some(sd) = &c.system_data
        && let Some(by) = sd.created_by.as_deref()
    {
        s.field("Created by", by);
    }
    if let Some(attached) = c.properties.is_attached_compute {
        s.field("Attached", if attached { "yes" } else { "no" });
    }
    if let Some(local) = c.properties.disable_local_auth {
        s.field("Local auth", if local { "disabled" } else { "enabled" });
    }
    s.opt("Underlying resource", c.properties.resource_id.as_deref());
    s.opt("Resource id", c.id.as_deref());
    s
}

/// Every error of a compute in full (provisioning errors and the type's own; an error reported
/// in both places is shown once), or `None`.
pub fn errors_section(c: &ComputeResource) -> Option<Section> {
    let mut errors: Vec<&ErrorDetail> = Vec::new();
    for error in c.errors() {
        if !errors.contains(&error) {
            errors.push(error);
        }
    }
    if errors.is_empty() {
        return None;
    }
    let mut s = Section::new(format!("Errors ({})", errors.len()));
    for error in errors {
        push_error(&mut s, error, 0);
    }
    Some(s)
}

fn push_error(s: &mut Section, error: &ErrorDetail, depth: usize) {
    let indent = "  ".repeat(depth);
    let code = if error.code.is_empty() {
        "(no code)"
    } else {
        error.code.as_str()
    };
    let mut text = format!("{indent}{code}");
    if !error.message.is_empty() {
        text.push_str(": ");
        text.push_str(&error.message);
    }
    s.text(text, Tone::Failed);
    if let Some(target) = error.target.as_deref().filter(|t| !t.is_empty()) {
        s.text(format!("{indent}  target: {target}"), Tone::Muted);
    }
    for info in &error.additional_info {
        s.text(format!("{indent}  info: {info}"), Tone::Muted);
    }
    for inner in &error.details {
        push_error(s, inner, depth + 1);
    }
}

/// Fields that could not be read into the typed model, if any.
pub fn warnings_section(c: &ComputeResource) -> Option<Section> {
    if c.parse_warnings.is_empty() {
        return None;
    }
    let mut s = Section::new("Unreadable fields (kept as received)");
    for w in &c.parse_warnings {
        s.text(w.clone(), Tone::Warning);
    }
    Some(s)
}

/// Whether a value under `key` must be masked (the same rule as `redact_json`).
pub fn is_secretish(key: &str) -> bool {
    crate::azure::models::is_secret_key(key, None)
}

/// `value`, or the mask when `key` names a secret.
pub fn shown(key: &str, value: &str) -> String {
    if is_secretish(key) {
        crate::azure::models::MASK.to_owned()
    } else {
        value.to_owned()
    }
}

/// The properties of an unknown or unreadable compute type, flattened to `a.b[0].c: value`
/// (secrets masked).
pub fn untyped_section(title: &str, value: &Value) -> Section {
    let mut s = Section::new(title);
    let redacted = crate::azure::models::redact_json(value);
    let mut rows = Vec::new();
    flatten("", &redacted, &mut rows);
    for (key, value) in rows {
        s.rows.push(DetailRow::Field {
            key,
            value,
            tone: Tone::Normal,
        });
    }
    if s.rows.is_empty() {
        s.text("(no properties)", Tone::Muted);
    }
    s
}

fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for (i, v) in items.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), v, out);
            }
        }
        Value::String(s) => out.push((prefix.to_owned(), s.clone())),
        Value::Null => out.push((prefix.to_owned(), "null".into())),
        other => out.push((prefix.to_owned(), other.to_string())),
    }
}

/// The head of every compute detail: the overview, then the errors (right under it, where
/// they are seen first).
pub fn head_sections(c: &ComputeResource, now_ms: i64) -> Vec<Section> {
    let mut sections = vec![overview(c, now_ms)];
    sections.extend(errors_section(c));
    sections
}

/// The common tail of a compute detail: fields that could not be read.
pub fn tail_sections(c: &ComputeResource, sections: &mut Vec<Section>) {
    if let Some(s) = warnings_section(c) {
        sections.push(s);
    }
}

/// Name and resource id copy targets of any item.
pub fn base_copy_targets(item: Item<'_>) -> Vec<CopyTarget> {
    let mut out = vec![CopyTarget {
        action: Action::CopyName,
        label: "name",
        text: item.name().to_owned(),
    }];
    if let Some(id) = item.id() {
        out.push(CopyTarget {
            action: Action::CopyId,
            label: "resource id",
            text: id.to_owned(),
        });
    }
    out
}

/// The provisioning state when it says the compute is being created or deleted.
pub fn being_created_or_deleted(c: &ComputeResource) -> Option<&'static str> {
    match c.properties.provisioning_state.as_ref() {
        Some(ProvisioningState::Creating) => Some("Creating"),
        Some(ProvisioningState::Deleting) => Some("Deleting"),
        _ => None,
    }
}

/// Whether Azure ML attached the compute (it did not create it): it is detached, not deleted.
pub fn is_attached(c: &ComputeResource) -> bool {
    c.properties.is_attached_compute == Some(true)
}

/// Delete (a compute Azure ML created) or detach (an attached one), disabled while it is
/// already being deleted.
pub fn removal_action(c: &ComputeResource, noun: &str) -> (ActionId, Availability) {
    let id = if is_attached(c) {
        ActionId::Detach
    } else {
        ActionId::Delete
    };
    let deleting = c.properties.provisioning_state == Some(ProvisioningState::Deleting);
    (
        id,
        Availability::when(!deleting, || format!("{noun} is Deleting")),
    )
}

/// `listKeys` answers for these compute types only (AKS, VirtualMachine, HDInsight, Databricks).
pub fn has_keys(c: &ComputeResource) -> bool {
    matches!(
        c.properties.compute_type,
        ComputeType::Aks
            | ComputeType::VirtualMachine
            | ComputeType::HdInsight
            | ComputeType::Databricks
    )
}

/// The keys action of a compute whose type has keys (disabled while it is being created or
/// deleted).
pub fn keys_action(c: &ComputeResource, noun: &str) -> Option<(ActionId, Availability)> {
    has_keys(c).then(|| {
        let busy = being_created_or_deleted(c);
        (
            ActionId::Keys,
            Availability::when(busy.is_none(), || {
                format!("{noun} is {}", busy.unwrap_or("busy"))
            }),
        )
    })
}

/// The actions of a compute that only Azure ML's removal and keys apply to (AKS, Kubernetes,
/// attached kinds): delete or detach, and keys where the type has them.
pub fn removal_and_keys(c: &ComputeResource, noun: &str) -> Vec<(ActionId, Availability)> {
    let mut out = Vec::new();
    if let Some(keys) = keys_action(c, noun) {
        out.push(keys);
    }
    out.push(removal_action(c, noun));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tones() {
        assert_eq!(compute_tone("Running"), Tone::Healthy);
        assert_eq!(compute_tone("Starting"), Tone::Progress);
        assert_eq!(compute_tone("CreateFailed"), Tone::Failed);
        assert_eq!(compute_tone("Stopped"), Tone::Stopped);
        assert_eq!(compute_tone("Hibernating"), Tone::Unknown);
        assert_eq!(job_tone("Running"), Tone::Progress);
        assert_eq!(job_tone("Completed"), Tone::Healthy);
        assert_eq!(job_tone("Failed"), Tone::Failed);
        assert_eq!(job_tone("Zombie"), Tone::Unknown);
    }

    #[test]
    fn secretish_names_are_masked() {
        assert_eq!(shown("WANDB_API_KEY", "abc"), "***");
        assert_eq!(shown("HF_TOKEN", "abc"), "***");
        assert_eq!(shown("DB_PASSWORD", "abc"), "***");
        assert_eq!(shown("storageAccessKeys", "abc"), "***");
        assert_eq!(shown("adminPublicKey", "ssh-rsa"), "ssh-rsa");
        assert_eq!(shown("EPOCHS", "10"), "10");
    }

    #[test]
    fn ssh_commands() {
        assert_eq!(
            ssh_command("azureuser", "1.2.3.4", Some(50000)),
            "ssh -p 50000 azureuser@1.2.3.4"
        );
        assert_eq!(
            ssh_command("azureuser", "1.2.3.4", Some(22)),
            "ssh azureuser@1.2.3.4"
        );
    }

    #[test]
    fn flatten_masks_secrets() {
        let v = serde_json::json!({"a": {"b": [1, "x"]}, "password": "hunter2", "n": null,
            "apiKey": "k1", "nested": {"accessKeys": ["k2"]}, "adminPublicKey": "ssh-rsa AAA"});
        let s = untyped_section("P", &v);
        let text = format!("{:?}", s.rows);
        assert!(text.contains("a.b[0]"));
        for secret in ["hunter2", "k1", "k2"] {
            assert!(!text.contains(secret), "{secret} shown: {text}");
        }
        assert!(text.contains("ssh-rsa AAA"), "public keys are not secrets");
    }
}
