//! The real `amlc` binary's location lookups (`computes list-sizes`, `computes list-usage`)
//! against `amlc emulator --demo` on loopback: the table's columns and values are checked
//! against the emulator's own answer fetched over HTTP (not through amlc), `-o json` parses
//! to the same objects, `--type`, `--tier`, `--os` and `--location` change what is listed or
//! priced, and a bad tier is a usage error (exit 2). `computes list-cost` prices the demo's
//! computes from that same catalogue (running, stopped, scaled, low priority, AKS, attached).

use serde_json::Value;
use std::time::Duration;

mod cli_common;

use cli_common::*;

/// `GET {url}/{path}` on the emulator with its token, straight over HTTP.
fn get(e: &Emulator, path: &str) -> Value {
    let url = format!("{}{path}?api-version=2025-12-01", e.url);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        let r = client.get(&url).bearer_auth(&e.token).send().await.unwrap();
        assert!(r.status().is_success(), "GET {path}: {}", r.status());
        r.json().await.unwrap()
    })
}

fn location_path(what: &str, location: &str) -> String {
    format!(
        "subscriptions/{SUB}/providers/Microsoft.MachineLearningServices/locations/{location}/{what}"
    )
}

/// The rows of a table (after its header), split on runs of two spaces or more.
fn rows(table: &str) -> Vec<Vec<String>> {
    table
        .lines()
        .skip(1)
        .map(|l| {
            l.split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect()
        })
        .collect()
}

/// The retail price of `size` for `os` and `tier` in the emulator's JSON.
fn price(size: &Value, os: &str, tier: &str) -> Option<f64> {
    size["estimatedVMPrices"]["values"]
        .as_array()?
        .iter()
        .find(|p| p["osType"] == os && p["vmTier"] == tier)
        .and_then(|p| p["retailPrice"].as_f64())
}

#[test]
fn list_sizes_shows_the_regions_catalogue_with_prices() {
    let e = Emulator::start("20", None);
    let catalogue = get(&e, &location_path("vmSizes", "eastus"));
    let sizes = catalogue["value"].as_array().unwrap();
    assert!(sizes.len() > 10);

    let r = e.run(&["computes", "list-sizes"]);
    r.expect(0);
    let header = r.stdout.lines().next().unwrap();
    for col in [
        "NAME",
        "FAMILY",
        "VCPUS",
        "GPUS",
        "MEMORY GB",
        "LOW PRIORITY",
        "PRICE/H",
    ] {
        assert!(header.contains(col), "{header}");
    }
    assert!(r.stderr.contains("eastus"), "{}", r.stderr);
    let table = rows(&r.stdout);
    assert_eq!(table.len(), sizes.len(), "{}", r.stdout);
    // Every row says what the emulator's catalogue says, in its order.
    for (row, size) in table.iter().zip(sizes) {
        assert_eq!(row.len(), 7, "{row:?}");
        assert_eq!(row[0], size["name"].as_str().unwrap());
        assert_eq!(row[1], size["family"].as_str().unwrap());
        assert_eq!(row[2], size["vCPUs"].to_string());
        assert_eq!(row[3], size["gpus"].to_string());
        assert_eq!(row[4].parse::<f64>().ok(), size["memoryGB"].as_f64());
        let lp = size["lowPriorityCapable"].as_bool().unwrap();
        assert_eq!(row[5], if lp { "yes" } else { "no" });
        let expected = price(size, "Linux", "Standard").unwrap();
        assert_eq!(row[6], format!("{expected:.2} USD"), "{row:?}");
    }
    let ds3 = table.iter().find(|r| r[0] == "Standard_DS3_v2").unwrap();
    assert_eq!(
        ds3[1..],
        ["standardDSv2Family", "4", "0", "14", "yes", "0.29 USD"]
    );

    // Low priority: priced as such; a size that cannot run low priority has no price: `?`.
    let r = e.run(&["computes", "list-sizes", "--tier", "low_priority"]);
    r.expect(0);
    let table = rows(&r.stdout);
    for (row, size) in table.iter().zip(sizes) {
        let cell = match price(size, "Linux", "LowPriority") {
            Some(p) => format!("{p:.2} USD"),
            None => "?".to_string(),
        };
        assert_eq!(row[6], cell, "{row:?}");
    }
    assert!(table.iter().any(|r| r[6] == "?"), "{}", r.stdout);
    // Windows prices differ from Linux ones.
    let r = e.run(&["computes", "list-sizes", "--os", "windows"]);
    r.expect(0);
    let win = rows(&r.stdout);
    let ds3 = sizes
        .iter()
        .find(|s| s["name"] == "Standard_DS3_v2")
        .unwrap();
    let row = win.iter().find(|r| r[0] == "Standard_DS3_v2").unwrap();
    assert_eq!(
        row[6],
        format!("{:.2} USD", price(ds3, "Windows", "Standard").unwrap())
    );
    assert_ne!(row[6], "0.29 USD");

    // A tier that does not exist is a usage error.
    e.run(&["computes", "list-sizes", "--tier", "spot"])
        .expect(2);
}

#[test]
fn list_sizes_filters_by_type_and_prints_json() {
    let e = Emulator::start("20", None);
    let catalogue = get(&e, &location_path("vmSizes", "eastus"));
    let sizes = catalogue["value"].as_array().unwrap();
    let supporting = |kind: &str| -> Vec<String> {
        sizes
            .iter()
            .filter(|s| {
                s["supportedComputeTypes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|t| t == kind)
            })
            .map(|s| s["name"].as_str().unwrap().to_string())
            .collect()
    };
    let instances = supporting("ComputeInstance");
    let clusters = supporting("AmlCompute");
    // The demo catalogue has cluster-only sizes, so the filter has something to leave out.
    assert!(instances.len() < clusters.len());

    let r = e.run(&["computes", "list-sizes", "--type", "computeinstance"]);
    r.expect(0);
    let names: Vec<String> = rows(&r.stdout).into_iter().map(|r| r[0].clone()).collect();
    assert_eq!(names, instances);
    let r = e.run(&[
        "computes",
        "list-sizes",
        "--type",
        "AmlCompute",
        "-o",
        "json",
    ]);
    r.expect(0);
    let json = r.json();
    let listed: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(listed, clusters);
    // The JSON is the service's objects, wire spellings kept.
    let first = &json[0];
    let source = sizes.iter().find(|s| s["name"] == first["name"]).unwrap();
    assert_eq!(first, source);
    assert!(first.get("vCPUs").is_some() && first.get("estimatedVMPrices").is_some());
}

#[test]
fn list_usage_shows_the_regions_usages_and_limits() {
    let e = Emulator::start("20", None);
    let raw = get(&e, &location_path("usages", "eastus"));
    let usages = raw["value"].as_array().unwrap();

    let r = e.run(&["computes", "list-usage"]);
    r.expect(0);
    let header = r.stdout.lines().next().unwrap();
    for col in ["NAME", "USED", "LIMIT", "UNIT", "SCOPE"] {
        assert!(header.contains(col), "{header}");
    }
    let table = rows(&r.stdout);
    assert_eq!(table.len(), usages.len(), "{}", r.stdout);
    for (row, u) in table.iter().zip(usages) {
        assert_eq!(row[0], u["name"]["localizedValue"].as_str().unwrap());
        assert_eq!(row[1], u["currentValue"].to_string());
        let limit = u["limit"].as_i64().unwrap();
        assert_eq!(
            row[2],
            if limit < 0 {
                "-".to_string()
            } else {
                limit.to_string()
            }
        );
        assert_eq!(row[3], "Count");
    }
    let find = |name: &str, scope: &str| {
        table
            .iter()
            .find(|r| r[0] == name && r[4] == scope)
            .unwrap_or_else(|| panic!("no {name} / {scope} in\n{}", r.stdout))
            .clone()
    };
    // The demo's GPU cluster holds two NC6s_v3 nodes (6 vCPUs each).
    let gpu = find("Standard NCSv3 Family Cluster Dedicated vCPUs", "region");
    assert_eq!(gpu[1..4], ["12", "24", "Count"]);
    find(
        "Standard NCSv3 Family Cluster Dedicated vCPUs",
        "compute gpu-cluster",
    );
    find("Total Cluster Dedicated Regional vCPUs", "region");

    // JSON: the service's objects.
    let r = e.run(&["computes", "list-usage", "-o", "json"]);
    r.expect(0);
    assert_eq!(&r.json(), &Value::Array(usages.clone()));

    // Another region holds none of the demo's computes.
    let r = e.run(&["computes", "list-usage", "--location", "westus"]);
    r.expect(0);
    let west = rows(&r.stdout);
    let total = west
        .iter()
        .find(|r| r[0] == "Total Cluster Dedicated Regional vCPUs")
        .unwrap();
    assert_eq!(total[1], "0");
    assert!(r.stderr.contains("westus"), "{}", r.stderr);
}

#[test]
fn list_cost_prices_the_demos_footprint_from_the_catalogue() {
    let e = Emulator::start("20", None);
    let catalogue = get(&e, &location_path("vmSizes", "eastus"));
    let unit = |name: &str, tier: &str| {
        let size = catalogue["value"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap_or_else(|| panic!("{name} not in the catalogue"));
        price(size, "Linux", tier).unwrap()
    };
    let r = e.run(&["computes", "list-cost"]);
    r.expect(0);
    let header = r.stdout.lines().next().unwrap();
    for col in [
        "NAME", "SIZE", "TIER", "VMS", "UNIT/H", "COST/H", "MAX/H", "NOTE",
    ] {
        assert!(header.contains(col), "{header}");
    }
    let table = rows(&r.stdout);
    let row = |name: &str| {
        table
            .iter()
            .find(|r| r.first().map(String::as_str) == Some(name))
            .unwrap_or_else(|| panic!("no {name} in\n{}", r.stdout))
            .clone()
    };
    let money = |x: f64| format!("{x:.2}");
    // A running instance: its size's price.
    let alice = row("ci-alice");
    let ds3 = unit("Standard_DS3_v2", "Standard");
    assert_eq!(
        alice[2..7],
        [
            "Standard_DS3_v2",
            "dedicated",
            "1",
            &money(ds3),
            &money(ds3)
        ]
    );
    // A stopped instance: nothing per hour, but its disks still cost.
    let bob = row("ci-bob");
    assert_eq!(bob[6], "0.00");
    assert!(bob[8].contains("disks"), "{bob:?}");
    // A cluster at zero nodes costs nothing now; at its 4 max nodes, 4 × its price.
    let cpu = row("cpu-cluster");
    assert_eq!(
        cpu[4..8],
        [
            "0",
            &money(ds3),
            "0.00",
            &format!("{} (4)", money(4.0 * ds3))
        ]
    );
    // The GPU cluster's two running nodes.
    let nc6 = unit("Standard_NC6s_v3", "Standard");
    assert_eq!(row("gpu-cluster")[6], money(2.0 * nc6));
    // Low priority is priced as low priority.
    let f4 = unit("Standard_F4s_v2", "LowPriority");
    let low = row("lowpri-cluster");
    assert_eq!(low[3], "low priority");
    assert_eq!(low[5], money(f4));
    // AKS: its three agents.
    let d3 = unit("Standard_D3_v2", "Standard");
    assert_eq!(row("aks-inference")[6], money(3.0 * d3));
    // Attached computes are not estimated.
    assert_eq!(row("remote-vm")[6], "-");
    let lowpri_nodes: f64 = low[4].parse().unwrap();
    let total = ds3 + 2.0 * nc6 + lowpri_nodes * f4 + 3.0 * d3;
    let last = r.stdout.lines().last().unwrap();
    assert!(
        last.starts_with(&format!("Total: ~{} USD/h (estimate", money(total))),
        "{last}"
    );
    assert!(last.contains("attached not estimated"), "{last}");

    let r = e.run(&["computes", "list-cost", "-o", "json"]);
    r.expect(0);
    let json = r.json();
    assert!(
        (json["total"]["estimate"].as_f64().unwrap() - total).abs() < 1e-6,
        "{json}"
    );
    assert_eq!(json["total"]["currency"], "USD");
    let gpu = json["computes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "gpu-cluster")
        .unwrap();
    assert_eq!(gpu["vms"], 2);
    assert_eq!(gpu["atMaxNodes"]["nodes"], 4);
    assert!((gpu["perHour"]["estimate"].as_f64().unwrap() - 2.0 * nc6).abs() < 1e-9);
}
