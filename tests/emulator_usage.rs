//! Usages follow the computes and their nodes, over real loopback HTTP: raising a demo
//! cluster's minimum nodes (PATCH of its scale settings) makes its VM family's usage, the
//! regional total and the cluster's own usage go up once the nodes are allocated, and the
//! hourly cost computed from the client's lists (`amlc::cost`) follows; lowering it again lets
//! the idle nodes leave and the usage come back down.

use amlc::azure::models::{ComputeResource, OsType, VmTier};
use amlc::cost::{self, PriceBook, Quotas, Tier};
use amlc::emulator::{self, EmulatorConfig};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

mod emulator_common;

const API: &str = "api-version=2025-12-01";
const FAMILY: &str = "Standard DSv2 Family Cluster Dedicated vCPUs";
const TOTAL: &str = "Total Cluster Dedicated Regional vCPUs";

fn ws_path() -> String {
    format!(
        "subscriptions/{}/resourceGroups/{}/providers/Microsoft.MachineLearningServices/workspaces/{}",
        emulator::DEMO_SUBSCRIPTION,
        emulator::DEMO_RESOURCE_GROUP,
        emulator::DEMO_WORKSPACE
    )
}

fn usages_path() -> String {
    format!(
        "subscriptions/{}/providers/Microsoft.MachineLearningServices/locations/{}/usages",
        emulator::DEMO_SUBSCRIPTION,
        emulator::DEMO_LOCATION
    )
}

/// The `currentValue` of the usage named `name` whose type ends with `kind` and whose id
/// contains `id_part`.
fn used(usages: &Value, name: &str, kind: &str, id_part: &str) -> Option<i64> {
    usages["value"].as_array()?.iter().find_map(|u| {
        (u["name"]["localizedValue"] == name
            && u["type"].as_str()?.ends_with(kind)
            && u["id"].as_str()?.contains(id_part))
        .then(|| u["currentValue"].as_i64())
        .flatten()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_scaling_up_and_down_moves_its_familys_usage_and_cost() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = EmulatorConfig::new(dir.path());
    config.demo = true;
    config.speed = 40.0;
    let h = emulator::start(config).await.unwrap();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let url = |path: &str| format!("{}{path}?{API}", h.url());
    let usages = || async {
        let r = http
            .get(url(&usages_path()))
            .bearer_auth(h.token())
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.status());
        r.json::<Value>().await.unwrap()
    };
    let region = "/locations/";
    let family = |u: &Value| used(u, FAMILY, "vmFamily/usages", region);
    let total = |u: &Value| used(u, TOTAL, "dedicatedCores/usages", region);
    let own = |u: &Value| {
        used(
            u,
            FAMILY,
            "workspaces/computes/usages",
            "/computes/cpu-cluster/",
        )
    };

    // The demo: ci-alice (Standard_DS3_v2, 4 vCPUs) runs; cpu-cluster (DS3_v2) has no nodes.
    let before = usages().await;
    let family_before = family(&before).unwrap();
    let total_before = total(&before).unwrap();
    assert_eq!(family_before, 4, "{before}");
    assert_eq!(own(&before).unwrap_or(0), 0);

    let client = emulator_common::client_for(&h, emulator::DEMO_WORKSPACE);
    let book = PriceBook::new(client.list_vm_sizes(emulator::DEMO_LOCATION).await.unwrap());
    let cluster_cost = |computes: &[ComputeResource]| {
        let c = computes
            .iter()
            .find(|c| c.name.as_deref() == Some("cpu-cluster"))
            .unwrap();
        cost::compute_cost(c, &book).now
    };
    let computes = client.list_computes().await.unwrap();
    assert_eq!(cluster_cost(&computes).amount(), Some(0.0));
    let ds3 = book.size("Standard_DS3_v2").unwrap().clone();
    let room_before = Quotas::new(
        &client.list_usages(emulator::DEMO_LOCATION).await.unwrap(),
        &computes,
        &book,
    )
    .more_nodes(&ds3, Tier::Dedicated)
    .unwrap();

    // Scale up: two nodes kept at all times.
    let patch = |min: i64| {
        let body = json!({"properties": {"properties": {"scaleSettings": {
            "minNodeCount": min, "maxNodeCount": 4, "nodeIdleTimeBeforeScaleDown": "PT30S"}}}});
        let request = http
            .patch(url(&format!("{}/computes/cpu-cluster", ws_path())))
            .bearer_auth(h.token())
            .json(&body);
        async move {
            let r = request.send().await.unwrap();
            let status = r.status();
            assert!(status.is_success(), "{status}: {}", r.text().await.unwrap());
        }
    };
    patch(2).await;
    let started = Instant::now();
    let up = loop {
        let u = usages().await;
        if family(&u) == Some(family_before + 8) {
            break u;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "never scaled up: {u}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(total(&up), Some(total_before + 8));
    assert_eq!(own(&up), Some(8));

    // The cost and the quota room follow.
    let started = Instant::now();
    loop {
        let computes = client.list_computes().await.unwrap();
        let now = cluster_cost(&computes);
        if now.amount().is_some_and(|a| a > 0.0) {
            let unit = ds3.price(&OsType::Linux, &VmTier::Standard).unwrap();
            assert!((now.amount().unwrap() - 2.0 * unit).abs() < 1e-9, "{now:?}");
            let quotas = Quotas::new(
                &client.list_usages(emulator::DEMO_LOCATION).await.unwrap(),
                &computes,
                &book,
            );
            assert_eq!(
                quotas.more_nodes(&ds3, Tier::Dedicated),
                Some(room_before - 2)
            );
            let dsv2 = quotas.family("standardDSv2Family").unwrap();
            assert_eq!(dsv2.dedicated.map(|q| q.used), Some(family_before + 8));
            assert!(
                dsv2.computes
                    .iter()
                    .any(|c| c.name == "cpu-cluster" && c.vcpus == Some(8)),
                "{dsv2:?}"
            );
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "{now:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Scale down: the idle nodes leave after the (sped-up) idle time.
    patch(0).await;
    let started = Instant::now();
    loop {
        let u = usages().await;
        if family(&u) == Some(family_before) {
            assert_eq!(total(&u), Some(total_before));
            assert_eq!(own(&u).unwrap_or(0), 0);
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "never scaled down: {u}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    h.shutdown().await;
}
