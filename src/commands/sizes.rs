//! The headless location lookups, named as `az ml compute` names them: `computes list-sizes`
//! (the region's VM sizes: family, vCPUs, GPUs, memory, low-priority capability and the
//! estimated price per hour for a tier and OS, filtered by the compute type a size supports)
//! and `computes list-usage` (the region's vCPU usages and limits: the regional totals, each VM
//! family, and the workspace and compute shares). The location defaults to the workspace's.
//! Prices come from `cost` (an unknown price reads `?`, never 0). Data goes to `out`, notes (the
//! emulator banner, what the prices are) to `notes`; JSON is the service's objects. No terminal
//! control here; no policy beyond which rows and columns to show.

use super::render_table;
use crate::azure::AmlClient;
use crate::azure::models::{OsType, Usage, VirtualMachineSize};
use crate::cli::OutputFormat;
use crate::connect::Connection;
use crate::cost::{HourlyCost, Tier, size_price};
use color_eyre::eyre::eyre;
use std::io::Write;

/// What `computes list-sizes` lists.
#[derive(Debug, Clone)]
pub struct SizesArgs {
    /// Only sizes supporting this compute type (`amlcompute`, `computeinstance`, aliases).
    pub compute_type: Option<String>,
    /// The region (default: the workspace's).
    pub location: Option<String>,
    pub tier: Tier,
    pub os: OsType,
}

/// The `supportedComputeTypes` spelling of a `--type` (az ml's lower-case names, amlc's tab
/// names and aliases); anything else is matched as given, case-insensitively.
pub fn size_type(text: &str) -> String {
    let key: String = text
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    match key.as_str() {
        "amlcompute" | "cluster" | "clusters" => "AmlCompute".into(),
        "computeinstance" | "instance" | "instances" | "ci" => "ComputeInstance".into(),
        _ => text.to_owned(),
    }
}

/// The region to look at: the one given, else the workspace's.
async fn location(client: &AmlClient, given: Option<&str>) -> color_eyre::Result<String> {
    if let Some(l) = given.filter(|l| !l.trim().is_empty()) {
        return Ok(l.trim().to_owned());
    }
    let ws = client.get_workspace().await?;
    ws.location
        .filter(|l| !l.is_empty())
        .ok_or_else(|| eyre!("the workspace does not say its location: give --location"))
}

fn count(v: Option<i64>) -> String {
    v.map(|n| n.to_string()).unwrap_or_else(|| "?".into())
}

/// `0.29 USD`, `?` when the price is unknown.
fn price_cell(cost: &HourlyCost) -> String {
    match cost.currency() {
        Some(currency) if cost.amount().is_some() => format!("{} {currency}", cost.cell()),
        _ => cost.cell(),
    }
}

/// Rows of the sizes table: name, family, vCPUs, GPUs, memory (GB), low-priority capable,
/// price per hour for `tier` and `os`.
pub fn size_rows(sizes: &[VirtualMachineSize], tier: Tier, os: &OsType) -> Vec<[String; 7]> {
    sizes
        .iter()
        .map(|s| {
            [
                s.name.clone().unwrap_or_else(|| "?".into()),
                s.family.clone().unwrap_or_else(|| "?".into()),
                count(s.v_cpus),
                count(s.gpus),
                s.memory_gb
                    .map(|m| format!("{m}"))
                    .unwrap_or_else(|| "?".into()),
                match s.low_priority_capable {
                    Some(true) => "yes".into(),
                    Some(false) => "no".into(),
                    None => "?".into(),
                },
                price_cell(&size_price(s, os, tier)),
            ]
        })
        .collect()
}

/// `amlc computes list-sizes`.
pub async fn list_sizes(
    conn: &Connection,
    args: &SizesArgs,
    output: OutputFormat,
    out: &mut dyn Write,
    notes: &mut dyn Write,
) -> color_eyre::Result<()> {
    if let Some(banner) = conn.banner() {
        writeln!(notes, "{banner}")?;
    }
    let location = location(&conn.client, args.location.as_deref()).await?;
    let mut sizes = conn.client.list_vm_sizes(&location).await?;
    if let Some(kind) = &args.compute_type {
        let kind = size_type(kind);
        sizes.retain(|s| s.supports(&kind));
    }
    match output {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &sizes)?;
            writeln!(out)?;
        }
        OutputFormat::Table => {
            writeln!(
                notes,
                "{location}: estimated retail prices per hour, {} {} (an unknown price is `?`)",
                args.os,
                args.tier.label()
            )?;
            out.write_all(
                render_table(
                    [
                        "NAME",
                        "FAMILY",
                        "VCPUS",
                        "GPUS",
                        "MEMORY GB",
                        "LOW PRIORITY",
                        "PRICE/H",
                    ],
                    &size_rows(&sizes, args.tier, &args.os),
                )
                .as_bytes(),
            )?;
        }
    }
    out.flush()?;
    Ok(())
}

/// Where a usage counts: `region`, `workspace NAME` or `compute NAME` (from its id and type).
pub fn usage_scope(u: &Usage) -> String {
    let id = u.id.as_deref().unwrap_or("");
    let after = |key: &str| {
        let mut parts = id.split('/');
        parts.find(|p| p.eq_ignore_ascii_case(key))?;
        parts.next().filter(|p| !p.is_empty()).map(str::to_owned)
    };
    let kind = u.type_.as_deref().unwrap_or("").to_ascii_lowercase();
    if kind.contains("/computes/") {
        format!(
            "compute {}",
            after("computes").unwrap_or_else(|| "?".into())
        )
    } else if kind.contains("/workspaces/") {
        format!(
            "workspace {}",
            after("workspaces").unwrap_or_else(|| "?".into())
        )
    } else {
        "region".into()
    }
}

/// Rows of the usage table: name, used, limit (`-` when none is set, the wire's -1), unit,
/// scope.
pub fn usage_rows(usages: &[Usage]) -> Vec<[String; 5]> {
    usages
        .iter()
        .map(|u| {
            [
                u.name
                    .as_ref()
                    .and_then(|n| n.localized_value.clone().or_else(|| n.value.clone()))
                    .unwrap_or_else(|| "?".into()),
                count(u.current_value),
                match u.limit {
                    Some(l) if l >= 0 => l.to_string(),
                    Some(_) => "-".into(),
                    None => "?".into(),
                },
                u.unit.clone().unwrap_or_else(|| "-".into()),
                usage_scope(u),
            ]
        })
        .collect()
}

/// `amlc computes list-usage`.
pub async fn list_usage(
    conn: &Connection,
    location_arg: Option<&str>,
    output: OutputFormat,
    out: &mut dyn Write,
    notes: &mut dyn Write,
) -> color_eyre::Result<()> {
    if let Some(banner) = conn.banner() {
        writeln!(notes, "{banner}")?;
    }
    let location = location(&conn.client, location_arg).await?;
    let usages = conn.client.list_usages(&location).await?;
    match output {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &usages)?;
            writeln!(out)?;
        }
        OutputFormat::Table => {
            writeln!(notes, "{location}: vCPU usage and limits")?;
            out.write_all(
                render_table(
                    ["NAME", "USED", "LIMIT", "UNIT", "SCOPE"],
                    &usage_rows(&usages),
                )
                .as_bytes(),
            )?;
        }
    }
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn type_aliases_and_scopes() {
        assert_eq!(size_type("amlcompute"), "AmlCompute");
        assert_eq!(size_type("compute-instance"), "ComputeInstance");
        assert_eq!(size_type("MIR"), "MIR");
        let u: Usage = serde_json::from_value(json!({
            "id": "/subscriptions/s/resourceGroups/g/providers/P/workspaces/ws/computes/c1/usages/x",
            "type": "Microsoft.MachineLearningServices/workspaces/computes/usages",
            "currentValue": 4, "limit": -1, "unit": "Count",
            "name": {"value": "x", "localizedValue": "X vCPUs"}}))
        .unwrap();
        assert_eq!(usage_scope(&u), "compute c1");
        assert_eq!(
            usage_rows(&[u]),
            [[
                "X vCPUs".to_string(),
                "4".into(),
                "-".into(),
                "Count".into(),
                "compute c1".into()
            ]]
        );
    }
}
