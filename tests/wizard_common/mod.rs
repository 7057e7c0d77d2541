//! Shared by the form tests: a workspace context with sizes, usages and files held in memory,
//! the Azure examples of `createOrUpdate`, and a "contains" comparison of JSON bodies.
#![allow(dead_code)]

use amlc::azure::models::{Usage, UsageName, VirtualMachineSize};
use amlc::wizard::{Ctx, FileSource, Values};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Files by path, for forms that read keys and certificates.
#[derive(Default)]
pub struct MapFiles(pub BTreeMap<PathBuf, String>);

impl FileSource for MapFiles {
    fn read(&self, path: &Path) -> Result<String, String> {
        self.0
            .get(path)
            .cloned()
            .ok_or_else(|| format!("cannot read {}: no such file", path.display()))
    }
}

pub fn example(rel: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/azureml-api/examples/Compute/createOrUpdate")
        .join(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let v: Value = serde_json::from_str(&text).expect("example JSON");
    v["parameters"]["parameters"].clone()
}

/// Every field of `want` is in `got` with an equal value (objects recursively; arrays and
/// scalars exactly; keys compared case-sensitively). Returns the paths that differ.
fn missing(got: &Value, want: &Value, path: &str, out: &mut Vec<String>) {
    match (got, want) {
        (Value::Object(g), Value::Object(w)) => {
            for (k, wv) in w {
                let p = format!("{path}.{k}");
                match g.get(k) {
                    Some(gv) => missing(gv, wv, &p, out),
                    None => out.push(format!("{p} absent (want {wv})")),
                }
            }
        }
        _ if got == want => {}
        _ => out.push(format!("{path}: got {got}, want {want}")),
    }
}

pub fn assert_contains(got: &Value, want: &Value) {
    let mut out = Vec::new();
    missing(got, want, "", &mut out);
    assert!(
        out.is_empty(),
        "built body differs from the example:\n{}\nbuilt: {got:#}",
        out.join("\n")
    );
}

fn size(name: &str, family: &str, vcpus: i64, types: &[&str]) -> VirtualMachineSize {
    VirtualMachineSize {
        name: Some(name.into()),
        family: Some(family.into()),
        v_cpus: Some(vcpus),
        gpus: Some(if family.contains("NC") || family.contains("ND") {
            1
        } else {
            0
        }),
        supported_compute_types: types.iter().map(|t| t.to_string()).collect(),
        ..VirtualMachineSize::default()
    }
}

pub fn sizes() -> Vec<VirtualMachineSize> {
    vec![
        size(
            "Standard_DS3_v2",
            "standardDSv2Family",
            4,
            &["AmlCompute", "ComputeInstance"],
        ),
        size(
            "STANDARD_NC6",
            "standardNCFamily",
            6,
            &["AmlCompute", "ComputeInstance"],
        ),
        size(
            "Standard_D3_v2",
            "standardDv2Family",
            4,
            &["AmlCompute", "ComputeInstance"],
        ),
        size("Standard_ND96", "standardNDFamily", 96, &["AmlCompute"]),
    ]
}

pub fn usages() -> Vec<Usage> {
    let u = |name: &str, used: i64, limit: i64| Usage {
        type_: Some("Microsoft.MachineLearningServices/vmFamily/usages".into()),
        current_value: Some(used),
        limit: Some(limit),
        name: Some(UsageName {
            value: Some(name.replace(' ', "_")),
            localized_value: Some(name.into()),
            ..UsageName::default()
        }),
        ..Usage::default()
    };
    vec![
        u("Standard DSv2 Family Cluster Dedicated vCPUs", 8, 24),
        u("Standard ND Family Cluster Dedicated vCPUs", 0, 100),
    ]
}

pub struct World {
    pub existing: Vec<String>,
    pub sizes: Vec<VirtualMachineSize>,
    pub usages: Vec<Usage>,
    pub files: MapFiles,
}

impl World {
    pub fn new() -> World {
        World {
            existing: vec!["cpu-cluster".into()],
            sizes: sizes(),
            usages: usages(),
            files: MapFiles::default(),
        }
    }

    pub fn ctx(&self) -> Ctx<'_> {
        Ctx {
            subscription: "34adfa4f-cedf-4dc0-ba29-b6d1a69ab345",
            resource_group: "testrg123",
            workspace: "workspaces123",
            location: "westus2",
            existing: &self.existing,
            sizes: &self.sizes,
            usages: &self.usages,
            files: &self.files,
        }
    }
}

pub fn values(pairs: &[(&str, &str)]) -> Values {
    let mut v = Values::new();
    for (k, t) in pairs {
        v.set(k, *t);
    }
    v
}

/// Every problem of `form` for `v`, as "field: rule" lines.
pub fn problems(form: &amlc::wizard::Form, v: &Values, ctx: &Ctx<'_>) -> Vec<String> {
    form.problems(v, ctx)
        .into_iter()
        .map(|p| p.to_string())
        .collect()
}

/// A list entry from pairs.
pub fn entry(pairs: &[(&str, &str)]) -> Values {
    values(pairs)
}
