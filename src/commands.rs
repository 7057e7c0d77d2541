//! Headless commands on the same client as the TUI: `computes list`, `computes show`, `doctor`.
//! Output goes to the writer given (stdout in `main`); tables are plain text, JSON is the raw ARM
//! resources as received (secrets masked where the service returns any).

use crate::azure::AmlClient;
use crate::azure::error::AzureError;
use crate::azure::models::{ComputeResource, redact_json};
use crate::cli::OutputFormat;
use crate::connect::Connection;
use std::io::Write;

/// Maps a `--type` value to the wire `computeType` (case-insensitive, with friendly aliases).
pub fn normalize_kind(kind: &str) -> String {
    let lower = kind.trim().to_ascii_lowercase();
    let known = match lower.as_str() {
        "instance" | "instances" | "ci" | "computeinstance" => "ComputeInstance",
        "cluster" | "clusters" | "amlcompute" => "AmlCompute",
        "aks" => "AKS",
        "kubernetes" | "k8s" => "Kubernetes",
        "vm" | "virtualmachine" | "remotevm" => "VirtualMachine",
        "hdinsight" | "hdi" => "HDInsight",
        "databricks" => "Databricks",
        "datalakeanalytics" | "adla" => "DataLakeAnalytics",
        "synapsespark" | "synapse" => "SynapseSpark",
        "datafactory" | "adf" => "DataFactory",
        _ => return kind.trim().to_string(),
    };
    known.to_string()
}

fn matches_kind(raw: &serde_json::Value, kind: &str) -> bool {
    raw.pointer("/properties/computeType")
        .and_then(|v| v.as_str())
        .is_some_and(|t| t.eq_ignore_ascii_case(kind))
}

/// Rows of the list table: name, type, state, size.
pub fn compute_rows(computes: &[ComputeResource]) -> Vec<[String; 4]> {
    computes
        .iter()
        .map(|c| {
            [
                c.name.clone().unwrap_or_else(|| "?".into()),
                c.type_name(),
                c.display_state(),
                c.vm_size().unwrap_or_else(|| "-".into()),
            ]
        })
        .collect()
}

/// Left-aligned columns separated by two spaces; control characters from the service are dropped.
pub fn render_table<const N: usize>(header: [&str; N], rows: &[[String; N]]) -> String {
    let clean = |s: &str| -> String { s.chars().filter(|c| !c.is_control()).collect() };
    let rows: Vec<[String; N]> = rows.iter().map(|r| r.clone().map(|c| clean(&c))).collect();
    let mut widths = header.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row.iter()) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: Vec<&str>| {
        let mut text = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths.iter()).enumerate() {
            if i + 1 == N {
                text.push_str(cell);
            } else {
                text.push_str(&format!("{cell:<w$}  "));
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(header.to_vec());
    for row in &rows {
        line(row.iter().map(String::as_str).collect());
    }
    out
}

/// `amlc computes list`.
pub async fn computes_list(
    conn: &Connection,
    kind: Option<&str>,
    output: OutputFormat,
    out: &mut dyn Write,
) -> color_eyre::Result<()> {
    let client = &conn.client;
    let kind = kind.map(normalize_kind);
    match output {
        OutputFormat::Json => {
            let raw = client.list_computes_raw().await?;
            let items: Vec<serde_json::Value> = raw
                .iter()
                .filter(|r| kind.as_deref().is_none_or(|k| matches_kind(r, k)))
                .map(redact_json)
                .collect();
            serde_json::to_writer_pretty(&mut *out, &items)?;
            writeln!(out)?;
        }
        OutputFormat::Table => {
            let mut computes = client.list_computes().await?;
            if let Some(k) = &kind {
                computes.retain(|c| c.type_name().eq_ignore_ascii_case(k));
            }
            computes.sort_by(|a, b| a.name.cmp(&b.name));
            if let Some(banner) = conn.banner() {
                writeln!(out, "{banner}")?;
            }
            out.write_all(
                render_table(["NAME", "TYPE", "STATE", "SIZE"], &compute_rows(&computes))
                    .as_bytes(),
            )?;
        }
    }
    Ok(())
}

/// Scalar properties of a resource, flattened as `path: value` lines (secrets masked).
fn flatten(prefix: &str, value: &serde_json::Value, out: &mut Vec<(String, String)>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        serde_json::Value::Array(items) if items.iter().any(|i| i.is_object() || i.is_array()) => {
            for (i, v) in items.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), v, out);
            }
        }
        serde_json::Value::Null => {}
        serde_json::Value::String(s) => out.push((prefix.to_string(), s.clone())),
        other => out.push((prefix.to_string(), other.to_string())),
    }
}

/// `amlc computes show NAME`.
pub async fn computes_show(
    conn: &Connection,
    name: &str,
    output: OutputFormat,
    out: &mut dyn Write,
) -> color_eyre::Result<()> {
    let compute = conn.client.get_compute(name).await?;
    let raw = redact_json(&compute.raw);
    match output {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &raw)?;
            writeln!(out)?;
        }
        OutputFormat::Table => {
            if let Some(banner) = conn.banner() {
                writeln!(out, "{banner}")?;
            }
            let mut rows = vec![
                ["Name".to_string(), compute.name.clone().unwrap_or_default()],
                ["Type".into(), compute.type_name()],
                ["State".into(), compute.display_state()],
                [
                    "Size".into(),
                    compute.vm_size().unwrap_or_else(|| "-".into()),
                ],
            ];
            for error in compute.errors() {
                rows.push(["Error".into(), error.to_string()]);
            }
            let mut props = Vec::new();
            flatten("", &raw, &mut props);
            for (k, v) in props {
                rows.push([k, v]);
            }
            out.write_all(render_table(["FIELD", "VALUE"], &rows).as_bytes())?;
        }
    }
    Ok(())
}

/// One check of `amlc doctor`.
struct Check {
    ok: bool,
    what: String,
    detail: String,
}

/// `amlc doctor`: the resolved context and where each value came from, the auth method and token
/// expiry, reachability of ARM and of the discovery endpoint. Returns whether every check passed.
pub async fn doctor(conn: &Connection, out: &mut dyn Write) -> color_eyre::Result<bool> {
    if let Some(banner) = conn.banner() {
        writeln!(out, "{banner}")?;
    }
    writeln!(out, "Context")?;
    let rows: Vec<[String; 3]> = conn
        .sources
        .iter()
        .map(|(field, value, source)| [field.clone(), value.clone(), source.clone()])
        .collect();
    for line in render_table(["SETTING", "VALUE", "FROM"], &rows).lines() {
        writeln!(out, "  {line}")?;
    }
    let mut checks = Vec::new();
    match conn.credential_check().await {
        Ok((source, expires)) => checks.push(Check {
            ok: true,
            what: "token".into(),
            detail: format!("{source}; expires {expires}"),
        }),
        Err(e) => checks.push(Check {
            ok: false,
            what: "token".into(),
            detail: e.to_string(),
        }),
    }
    let client: &AmlClient = &conn.client;
    let started = std::time::Instant::now();
    match client.get_workspace().await {
        Ok(ws) => {
            checks.push(Check {
                ok: true,
                what: "ARM".into(),
                detail: format!(
                    "workspace {} found in {} ({} ms)",
                    ws.name.clone().unwrap_or_default(),
                    ws.location.clone().unwrap_or_else(|| "?".into()),
                    started.elapsed().as_millis()
                ),
            });
            match client.discovery_url().await {
                Ok(url) => {
                    let started = std::time::Instant::now();
                    match client.get_discovery(&url).await {
                        Ok(doc) => checks.push(Check {
                            ok: doc.api().is_some(),
                            what: "discovery".into(),
                            detail: match doc.api() {
                                Some(api) => format!(
                                    "{url} → api {api} ({} ms)",
                                    started.elapsed().as_millis()
                                ),
                                None => format!("{url} answered without an \"api\" entry"),
                            },
                        }),
                        Err(e) => checks.push(Check {
                            ok: false,
                            what: "discovery".into(),
                            detail: e.to_string(),
                        }),
                    }
                }
                Err(e) => checks.push(Check {
                    ok: false,
                    what: "discovery".into(),
                    detail: e.to_string(),
                }),
            }
        }
        Err(e) => {
            let hint = match &e {
                AzureError::Api(api) if api.status == 401 || api.status == 403 => {
                    " (check the account has access: `az role assignment list --assignee <you>`)"
                }
                AzureError::Api(api) if api.status == 404 => {
                    " (check subscription, resource group and workspace names)"
                }
                _ => "",
            };
            checks.push(Check {
                ok: false,
                what: "ARM".into(),
                detail: format!("{e}{hint}"),
            });
            checks.push(Check {
                ok: false,
                what: "discovery".into(),
                detail: "skipped: the workspace could not be read".into(),
            });
        }
    }
    writeln!(out, "Checks")?;
    let all_ok = checks.iter().all(|c| c.ok);
    for c in &checks {
        writeln!(
            out,
            "  [{}] {:<9} {}",
            if c.ok { " ok " } else { "FAIL" },
            c.what,
            c.detail
        )?;
    }
    writeln!(out, "api-version {}", client.context().api_version)?;
    writeln!(
        out,
        "{}",
        if all_ok {
            "All checks passed."
        } else {
            "Some checks failed."
        }
    )?;
    Ok(all_ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_and_strips_control_characters() {
        let rows = vec![
            ["a".to_string(), "ComputeInstance".to_string()],
            ["long-name\u{1b}[2J".to_string(), "X".to_string()],
        ];
        let text = render_table(["NAME", "TYPE"], &rows);
        assert_eq!(
            text,
            "NAME          TYPE\na             ComputeInstance\nlong-name[2J  X\n"
        );
    }

    #[test]
    fn kinds_normalize() {
        assert_eq!(normalize_kind("cluster"), "AmlCompute");
        assert_eq!(normalize_kind("computeinstance"), "ComputeInstance");
        assert_eq!(normalize_kind("QuantumCompute"), "QuantumCompute");
    }
}
