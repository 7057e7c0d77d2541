//! Unit tests of the cost and quota arithmetic: tiers, OS, unknown sizes and prices, stopped
//! and failed instances, clusters scaling, AKS agents, totals, usages (none, family, totals).

use super::*;
use serde_json::{Value, json};

fn size(name: &str, family: &str, vcpus: i64, prices: Value) -> VirtualMachineSize {
    serde_json::from_value(json!({
        "name": name, "family": family, "vCPUs": vcpus, "gpus": 0, "memoryGB": 14.0,
        "lowPriorityCapable": true,
        "estimatedVMPrices": {"billingCurrency": "USD", "unitOfMeasure": "OneHour", "values": prices},
        "supportedComputeTypes": ["AmlCompute", "ComputeInstance"]
    }))
    .unwrap()
}

fn book() -> PriceBook {
    PriceBook::new(vec![
        size(
            "Standard_DS3_v2",
            "standardDSv2Family",
            4,
            json!([
                {"retailPrice": 0.29, "osType": "Linux", "vmTier": "Standard"},
                {"retailPrice": 0.06, "osType": "Linux", "vmTier": "LowPriority"},
                {"retailPrice": 0.05, "osType": "Linux", "vmTier": "Spot"},
                {"retailPrice": 0.53, "osType": "Windows", "vmTier": "Standard"}
            ]),
        ),
        // Listed without a low-priority price.
        size(
            "Standard_NC6s_v3",
            "standardNCSv3Family",
            6,
            json!([{"retailPrice": 3.06, "osType": "Linux", "vmTier": "Standard"}]),
        ),
    ])
}

fn compute(value: Value) -> ComputeResource {
    ComputeResource::from_value(value)
}

fn instance(name: &str, size: &str, state: &str) -> ComputeResource {
    compute(
        json!({"name": name, "properties": {"computeType": "ComputeInstance",
        "provisioningState": "Succeeded",
        "properties": {"vmSize": size, "state": state}}}),
    )
}

fn cluster(name: &str, size: &str, extra: Value) -> ComputeResource {
    let mut props =
        json!({"vmSize": size, "scaleSettings": {"minNodeCount": 0, "maxNodeCount": 4}});
    if let (Value::Object(p), Value::Object(e)) = (&mut props, extra) {
        p.extend(e);
    }
    compute(
        json!({"name": name, "properties": {"computeType": "AmlCompute",
        "provisioningState": "Succeeded", "properties": props}}),
    )
}

fn close(cost: &HourlyCost, expected: f64) -> bool {
    cost.amount().is_some_and(|a| (a - expected).abs() < 1e-9)
}

#[test]
fn a_running_instance_costs_its_size_and_a_stopped_one_nothing_but_disks() {
    let b = book();
    let running = compute_cost(&instance("ci", "standard_ds3_V2", "Running"), &b);
    assert!(close(&running.now, 0.29), "{running:?}");
    assert_eq!(running.now.currency(), Some("USD"));
    assert_eq!(running.vms_now, Some(1));
    assert_eq!(running.now.cell(), "0.29");
    assert_eq!(running.now.to_string(), "~0.29 USD/h (estimate)");

    let stopped = compute_cost(&instance("ci", "Standard_DS3_v2", "Stopped"), &b);
    assert!(close(&stopped.now, 0.0));
    assert_eq!(stopped.note, Some(STOPPED_NOTE));
    assert!(stopped.breakdown().iter().any(|l| l.contains("disks")));
    // The unit price is still shown for a stopped instance.
    assert!(close(&stopped.unit, 0.29));

    let failed = compute_cost(&instance("ci", "Standard_DS3_v2", "CreateFailed"), &b);
    assert!(close(&failed.now, 0.0));
    assert_eq!(failed.note, Some(NOT_ALLOCATED_NOTE));

    // A state this version does not know is not guessed at.
    let odd = compute_cost(&instance("ci", "Standard_DS3_v2", "Hibernating"), &b);
    assert_eq!(odd.now, HourlyCost::Unknown);
    assert_eq!(odd.now.cell(), "?");
}

#[test]
fn an_unknown_size_or_price_is_unknown_never_zero() {
    let b = book();
    let unknown = compute_cost(&instance("ci", "Standard_Imaginary_v9", "Running"), &b);
    assert_eq!(unknown.now, HourlyCost::Unknown);
    assert_eq!(unknown.now.cell(), "?");
    assert!(unknown.now.to_string().starts_with('?'));
    // A cluster with nodes of a size without a low-priority price.
    let low = cluster(
        "gpu",
        "Standard_NC6s_v3",
        json!({"vmPriority": "LowPriority", "currentNodeCount": 2}),
    );
    let c = compute_cost(&low, &b);
    assert_eq!(c.tier, Tier::LowPriority);
    assert_eq!(c.now, HourlyCost::Unknown);
    assert_eq!(
        c.at_max.as_ref().map(|m| m.1.clone()),
        Some(HourlyCost::Unknown)
    );
    // Windows is priced as Windows.
    let win = cluster(
        "w",
        "Standard_DS3_v2",
        json!({"osType": "Windows", "currentNodeCount": 1}),
    );
    assert!(close(&compute_cost(&win, &b).now, 0.53));
    // Prices that are not per hour are not read as per hour.
    let mut odd = book().sizes()[0].clone();
    if let Some(p) = odd.estimated_vm_prices.as_mut() {
        p.unit_of_measure = Some("OneMonth".into());
    }
    assert_eq!(
        size_price(&odd, &OsType::Linux, Tier::Dedicated),
        HourlyCost::Unknown
    );
    // A price of a tier that is listed is read exactly (low priority is not spot).
    assert!(close(
        &size_price(&b.sizes()[0], &OsType::Linux, Tier::LowPriority),
        0.06
    ));
}

#[test]
fn a_cluster_costs_its_price_times_current_nodes_and_scales() {
    let b = book();
    let idle = compute_cost(
        &cluster("c", "Standard_DS3_v2", json!({"currentNodeCount": 0})),
        &b,
    );
    assert!(close(&idle.now, 0.0));
    assert_eq!(idle.now.currency(), Some("USD"));
    let (max, at_max) = idle.at_max.clone().unwrap();
    assert_eq!(max, 4);
    assert!(close(&at_max, 4.0 * 0.29));

    let scaled = compute_cost(
        &cluster("c", "Standard_DS3_v2", json!({"currentNodeCount": 3})),
        &b,
    );
    assert!(close(&scaled.now, 3.0 * 0.29));
    assert!(scaled.breakdown()[1].starts_with("Made of: 3 × Standard_DS3_v2"));

    let low = compute_cost(
        &cluster(
            "c",
            "Standard_DS3_v2",
            json!({"vmPriority": "LowPriority", "currentNodeCount": 2}),
        ),
        &b,
    );
    assert_eq!(low.tier, Tier::LowPriority);
    assert!(close(&low.now, 2.0 * 0.06));

    // Without currentNodeCount, the node state counts say how many nodes there are.
    let counted = compute_cost(
        &cluster(
            "c",
            "Standard_DS3_v2",
            json!({"nodeStateCounts": {"idleNodeCount": 1, "runningNodeCount": 1}}),
        ),
        &b,
    );
    assert!(close(&counted.now, 2.0 * 0.29));
    // With neither, the figure is unknown.
    let blind = compute_cost(&cluster("c", "Standard_DS3_v2", json!({})), &b);
    assert_eq!(blind.now, HourlyCost::Unknown);
    // Zero nodes cost nothing even when the price of one is unknown.
    let nothing = compute_cost(
        &cluster("c", "Standard_Imaginary_v9", json!({"currentNodeCount": 0})),
        &b,
    );
    assert!(close(&nothing.now, 0.0));
}

#[test]
fn aks_costs_its_agents_and_attached_computes_are_not_estimated() {
    let b = book();
    let aks = compute(json!({"name": "aks", "properties": {"computeType": "AKS",
        "properties": {"agentCount": 3, "agentVmSize": "Standard_DS3_v2"}}}));
    let c = compute_cost(&aks, &b);
    assert!(close(&c.now, 3.0 * 0.29));
    assert_eq!(c.vms_now, Some(3));
    let vm = compute(
        json!({"name": "vm", "properties": {"computeType": "VirtualMachine",
        "properties": {"virtualMachineSize": "Standard_DS3_v2"}}}),
    );
    let v = compute_cost(&vm, &b);
    assert_eq!(v.now, HourlyCost::NotEstimated);
    assert_eq!(v.now.cell(), "-");
}

#[test]
fn the_total_sums_the_known_and_names_the_unknown() {
    let b = book();
    let costs: Vec<ComputeCost> = [
        instance("a", "Standard_DS3_v2", "Running"),
        instance("b", "Standard_DS3_v2", "Stopped"),
        instance("x", "Standard_Imaginary_v9", "Running"),
        cluster("c", "Standard_DS3_v2", json!({"currentNodeCount": 2})),
        compute(json!({"name": "vm", "properties": {"computeType": "VirtualMachine"}})),
    ]
    .iter()
    .map(|c| compute_cost(c, &b))
    .collect();
    let t = total(&costs);
    assert!((t.amount - 3.0 * 0.29).abs() < 1e-9);
    assert_eq!(t.currency.as_deref(), Some("USD"));
    assert_eq!(t.unknown, ["x"]);
    assert_eq!(t.not_estimated, 1);
    assert_eq!(
        t.text(),
        "~0.87 USD/h (estimate; 1 unknown: x; 1 attached not estimated)"
    );
    assert_eq!(total(&[]).text(), "~0.00 (currency not given)/h (estimate)");
    // A figure in another currency is not added to the total.
    let mut eur = costs[0].clone();
    eur.name = "eur".into();
    eur.now = HourlyCost::Estimate {
        amount: 1.0,
        currency: Some("EUR".into()),
    };
    let t = total(&[costs[0].clone(), eur]);
    assert!((t.amount - 0.29).abs() < 1e-9 && t.unknown == ["eur"]);
    assert_eq!(amount_text(0.001), "<0.01");
    assert_eq!(amount_text(0.0), "0.00");
}

fn usage(kind: &str, name: &str, used: i64, limit: i64) -> Usage {
    serde_json::from_value(
        json!({"type": format!("Microsoft.MachineLearningServices/{kind}"),
        "unit": "Count", "currentValue": used, "limit": limit,
        "name": {"value": name, "localizedValue": name}}),
    )
    .unwrap()
}

fn usages() -> Vec<Usage> {
    vec![
        usage(
            "dedicatedCores/usages",
            "Total Cluster Dedicated Regional vCPUs",
            40,
            100,
        ),
        usage(
            "lowPriorityCores/usages",
            "Total Cluster LowPriority Regional vCPUs",
            8,
            100,
        ),
        usage(
            "vmFamily/usages",
            "Standard DSv2 Family Cluster Dedicated vCPUs",
            40,
            48,
        ),
        usage(
            "vmFamily/usages",
            "Standard DSv2 Family Cluster LowPriority vCPUs",
            8,
            -1,
        ),
        usage(
            "vmFamily/usages",
            "Standard NCSv3 Family Cluster Dedicated vCPUs",
            0,
            24,
        ),
        // A workspace's share repeats the family's: not a row of its own.
        usage(
            "workspaces/usages",
            "Standard DSv2 Family Cluster Dedicated vCPUs",
            40,
            48,
        ),
    ]
}

#[test]
fn quotas_per_family_with_their_computes_and_the_80_percent_flag() {
    let b = book();
    let computes = vec![
        instance("ci", "Standard_DS3_v2", "Running"),
        instance("off", "Standard_DS3_v2", "Stopped"),
        cluster("cpu", "Standard_DS3_v2", json!({"currentNodeCount": 9})),
        cluster(
            "low",
            "Standard_DS3_v2",
            json!({"vmPriority": "LowPriority", "currentNodeCount": 2}),
        ),
    ];
    let q = Quotas::new(&usages(), &computes, &b);
    assert_eq!(
        q.total_dedicated,
        Some(QuotaUse {
            used: 40,
            limit: Some(100)
        })
    );
    assert_eq!(
        q.total_low_priority,
        Some(QuotaUse {
            used: 8,
            limit: Some(100)
        })
    );
    assert_eq!(q.families.len(), 2, "{q:#?}");
    let ds = q.family("Standard_DSv2_Family").unwrap();
    assert_eq!(ds.family, "standardDSv2Family");
    assert_eq!(ds.display, "Standard DSv2 Family");
    assert_eq!(
        ds.dedicated,
        Some(QuotaUse {
            used: 40,
            limit: Some(48)
        })
    );
    assert_eq!(
        ds.low_priority,
        Some(QuotaUse {
            used: 8,
            limit: None
        })
    );
    assert_eq!(ds.dedicated.unwrap().percent(), Some(83));
    assert!(ds.near_limit());
    let names: Vec<(&str, Tier, Option<i64>)> = ds
        .computes
        .iter()
        .map(|c| (c.name.as_str(), c.tier, c.vcpus))
        .collect();
    assert_eq!(
        names,
        [
            ("ci", Tier::Dedicated, Some(4)),
            ("cpu", Tier::Dedicated, Some(36)),
            ("low", Tier::LowPriority, Some(8)),
            ("off", Tier::Dedicated, Some(0)),
        ]
    );
    let nc = q.family("standardNCSv3Family").unwrap();
    assert!(!nc.near_limit() && nc.computes.is_empty());
    assert!(
        !QuotaUse {
            used: 79,
            limit: Some(100)
        }
        .near_limit()
    );
    assert!(
        QuotaUse {
            used: 80,
            limit: Some(100)
        }
        .near_limit()
    );
    assert!(
        !QuotaUse {
            used: 0,
            limit: Some(0)
        }
        .near_limit()
    );
}

#[test]
fn how_many_more_nodes_the_family_and_the_region_allow() {
    let b = book();
    let q = Quotas::new(&usages(), &[], &b);
    let ds3 = &b.sizes()[0];
    // Family: 48 - 40 = 8 free; region: 100 - 40 = 60; 8 / 4 vCPUs = 2 nodes.
    assert_eq!(q.more_nodes(ds3, Tier::Dedicated), Some(2));
    // Low priority: no family limit, region 100 - 8 = 92 → 23 nodes.
    assert_eq!(q.more_nodes(ds3, Tier::LowPriority), Some(23));
    // NC6s_v3: family 24 free, region 60 → 24 / 6 = 4.
    assert_eq!(q.more_nodes(&b.sizes()[1], Tier::Dedicated), Some(4));
    // Over the limit: never negative.
    let full = Quotas::new(
        &[usage(
            "vmFamily/usages",
            "Standard DSv2 Family Cluster Dedicated vCPUs",
            60,
            48,
        )],
        &[],
        &b,
    );
    assert_eq!(full.more_nodes(ds3, Tier::Dedicated), Some(0));
}

#[test]
fn no_usages_means_no_limits_not_zero_room() {
    let b = book();
    let computes = vec![instance("ci", "Standard_DS3_v2", "Running")];
    let q = Quotas::new(&[], &computes, &b);
    assert_eq!(q.total_dedicated, None);
    assert_eq!(q.families.len(), 1);
    assert_eq!(q.families[0].dedicated, None);
    assert!(!q.families[0].near_limit());
    assert_eq!(q.more_nodes(&b.sizes()[0], Tier::Dedicated), None);
    assert_eq!(Quotas::new(&[], &[], &b), Quotas::default());
}

#[test]
fn family_keys_match_across_spellings_and_tiers_parse() {
    assert_eq!(family_key("standardDSv2Family"), "standarddsv2family");
    assert_eq!(
        family_key("Standard DSv2 Family Cluster LowPriority vCPUs"),
        "standarddsv2family"
    );
    assert_eq!(
        family_key("Standard_DSv2_Family_Cluster_Dedicated_vCPUs"),
        "standarddsv2family"
    );
    assert_eq!(Tier::parse("low_priority"), Some(Tier::LowPriority));
    assert_eq!(Tier::parse("Dedicated"), Some(Tier::Dedicated));
    assert_eq!(Tier::parse("spot"), None);
}
