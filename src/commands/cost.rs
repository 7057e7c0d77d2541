//! `amlc computes list-cost` (no `az ml` equivalent): each compute's estimated cost per hour
//! now, from the VM size catalogue of its region (fetched once per region), with the figure's
//! parts (VMs billed, tier, price of one, a cluster at max nodes, a note) and the workspace
//! total. The arithmetic is `cost`'s; this module only fetches, lays out and prints. An
//! unknown figure is `?`, an attached compute's `-` (billed on its own resource). Data goes
//! to `out`, the emulator banner to `notes`. No terminal control here.

use super::render_table;
use crate::azure::models::ComputeResource;
use crate::cli::OutputFormat;
use crate::connect::Connection;
use crate::cost::{self, ComputeCost, HourlyCost, PriceBook};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::Write;

/// The figures of `computes`, priced from the catalogue of each one's region (`books`, by
/// lower-case region; a compute without a region uses `default_location`'s).
pub fn costs(
    computes: &[ComputeResource],
    books: &BTreeMap<String, PriceBook>,
    default_location: &str,
) -> Vec<ComputeCost> {
    let empty = PriceBook::default();
    computes
        .iter()
        .map(|c| {
            let region = c
                .location
                .as_deref()
                .unwrap_or(default_location)
                .to_ascii_lowercase();
            cost::compute_cost(c, books.get(&region).unwrap_or(&empty))
        })
        .collect()
}

fn money(cost: &HourlyCost) -> Value {
    match cost {
        HourlyCost::Estimate { amount, currency } => {
            json!({"estimate": amount, "currency": currency})
        }
        HourlyCost::Unknown => json!("unknown"),
        HourlyCost::NotEstimated => json!("not estimated"),
    }
}

/// The JSON of one figure.
pub fn cost_json(c: &ComputeCost) -> Value {
    json!({
        "name": c.name,
        "computeType": c.compute_type.as_str(),
        "vmSize": c.size,
        "tier": c.tier.label(),
        "osType": c.os.as_str(),
        "vms": c.vms_now,
        "unitPerHour": money(&c.unit),
        "perHour": money(&c.now),
        "atMaxNodes": c.at_max.as_ref().map(|(n, cost)| json!({"nodes": n, "perHour": money(cost)})),
        "note": c.note,
    })
}

/// Rows of the table: name, type, size, tier, VMs now, one VM per hour, the compute per hour,
/// at max nodes per hour, note.
pub fn cost_rows(costs: &[ComputeCost]) -> Vec<[String; 9]> {
    costs
        .iter()
        .map(|c| {
            let attached = c.now == HourlyCost::NotEstimated;
            [
                c.name.clone(),
                c.compute_type.as_str().to_owned(),
                c.size.clone().unwrap_or_else(|| "-".into()),
                if attached {
                    "-".into()
                } else {
                    c.tier.label().into()
                },
                c.vms_now
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| if attached { "-" } else { "?" }.into()),
                c.unit.cell(),
                c.now.cell(),
                c.at_max
                    .as_ref()
                    .map(|(n, cost)| format!("{} ({n})", cost.cell()))
                    .unwrap_or_else(|| "-".into()),
                c.note.unwrap_or("").to_owned(),
            ]
        })
        .collect()
}

/// `amlc computes list-cost`.
pub async fn list_cost(
    conn: &Connection,
    output: OutputFormat,
    out: &mut dyn Write,
    notes: &mut dyn Write,
) -> color_eyre::Result<()> {
    if let Some(banner) = conn.banner() {
        writeln!(notes, "{banner}")?;
    }
    let client = &conn.client;
    let workspace = client.get_workspace().await?;
    let default_location = workspace.location.clone().unwrap_or_default();
    let mut computes = client.list_computes().await?;
    computes.sort_by(|a, b| a.name.cmp(&b.name));
    let mut regions: Vec<String> = computes
        .iter()
        .filter_map(|c| c.location.clone())
        .chain(Some(default_location.clone()))
        .filter(|l| !l.is_empty())
        .map(|l| l.to_ascii_lowercase())
        .collect();
    regions.sort();
    regions.dedup();
    let mut books = BTreeMap::new();
    for region in regions {
        // A region whose catalogue cannot be read leaves its computes' figures unknown.
        match client.list_vm_sizes(&region).await {
            Ok(sizes) => {
                books.insert(region, PriceBook::new(sizes));
            }
            Err(e) => writeln!(notes, "{region}: no VM size catalogue ({e}); figures are ?")?,
        }
    }
    let figures = costs(&computes, &books, &default_location);
    let total = cost::total(&figures);
    match output {
        OutputFormat::Json => {
            let body = json!({
                "computes": figures.iter().map(cost_json).collect::<Vec<_>>(),
                "total": {
                    "estimate": total.amount,
                    "currency": total.currency,
                    "unknown": total.unknown,
                    "notEstimated": total.not_estimated,
                },
            });
            serde_json::to_writer_pretty(&mut *out, &body)?;
            writeln!(out)?;
        }
        OutputFormat::Table => {
            writeln!(
                notes,
                "Estimated retail prices per hour; `?` unknown, `-` not estimated (attached)."
            )?;
            out.write_all(
                render_table(
                    [
                        "NAME", "TYPE", "SIZE", "TIER", "VMS", "UNIT/H", "COST/H", "MAX/H", "NOTE",
                    ],
                    &cost_rows(&figures),
                )
                .as_bytes(),
            )?;
            writeln!(out)?;
            writeln!(out, "Total: {}", total.text())?;
        }
    }
    out.flush()?;
    Ok(())
}
