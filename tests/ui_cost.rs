//! Cost per hour, quotas and guidance in the TUI, through `App::update` and rendered buffers:
//! the `COST/H` column (`…` while the region's catalogue loads, a running and a stopped
//! instance, a cluster that scales, an unknown size `?`, attached `-`), each compute's cost
//! breakdown in its detail (a cluster's nodes left in its family quota), the workspace total in
//! the status bar (and dropped on 80 columns), the quota view (`:quota`, `Q`, Esc back), and
//! the info panel of every tab (`i`; `i` in the copy menu still copies the id).

mod ui_common;

use amlc::app::wizard::CatalogData;
use amlc::app::{App, AppError, Effect, Msg, RequestId, SourceData, SourceKey, TabId, View};
use amlc::azure::models::{ComputeResource, Usage, UsageName, VirtualMachineSize};
use crossterm::event::KeyCode;
use insta::assert_snapshot;
use ui_common::*;

const W: u16 = 120;
const H: u16 = 30;

/// The region's sizes: every fixture size priced but NC6s_v3 (gpu-cluster's), ND96asr_v4
/// and NC24 and NC48ads (whose computes hold no VM now).
fn sizes() -> Vec<VirtualMachineSize> {
    let price = |linux: f64, low: f64| {
        serde_json::json!({
            "billingCurrency": "USD",
            "unitOfMeasure": "OneHour",
            "values": [
                {"retailPrice": linux, "osType": "Linux", "vmTier": "Standard"},
                {"retailPrice": low, "osType": "Linux", "vmTier": "LowPriority"}
            ]
        })
    };
    let size = |name: &str, family: &str, vcpus: i64, linux: f64, low: f64| {
        serde_json::json!({"name": name, "family": family, "vCPUs": vcpus, "gpus": 0,
            "memoryGB": 14.0, "lowPriorityCapable": true, "estimatedVMPrices": price(linux, low),
            "supportedComputeTypes": ["AmlCompute", "ComputeInstance"]})
    };
    serde_json::from_value(serde_json::json!([
        size("Standard_DS3_v2", "standardDSv2Family", 4, 0.29, 0.06),
        size("Standard_DS11_v2", "standardDSv2Family", 2, 0.185, 0.037),
        size("Standard_F4s_v2", "standardFSv2Family", 4, 0.169, 0.034),
        size("Standard_D3_v2", "standardDv2Family", 4, 0.293, 0.059),
        {"name": "Standard_NC6s_v3", "family": "standardNCSv3Family", "vCPUs": 6, "gpus": 1,
         "memoryGB": 112.0, "lowPriorityCapable": true,
         "supportedComputeTypes": ["AmlCompute", "ComputeInstance"]}
    ]))
    .unwrap()
}

fn usage(kind: &str, name: &str, used: i64, limit: i64) -> Usage {
    Usage {
        type_: Some(format!("Microsoft.MachineLearningServices/{kind}")),
        current_value: Some(used),
        limit: Some(limit),
        name: Some(UsageName {
            value: Some(name.replace(' ', "_")),
            localized_value: Some(name.into()),
            ..UsageName::default()
        }),
        ..Usage::default()
    }
}

/// DSv2 at 20 of 24 (83 %: marked), FSv2 low priority 8 of 100, NCSv3 12 of 48; totals.
fn usages() -> Vec<Usage> {
    let family = "vmFamily/usages";
    vec![
        usage(
            "dedicatedCores/usages",
            "Total Cluster Dedicated Regional vCPUs",
            32,
            100,
        ),
        usage(
            "lowPriorityCores/usages",
            "Total Cluster LowPriority Regional vCPUs",
            8,
            100,
        ),
        usage(
            family,
            "Standard DSv2 Family Cluster Dedicated vCPUs",
            20,
            24,
        ),
        usage(
            family,
            "Standard DSv2 Family Cluster LowPriority vCPUs",
            0,
            -1,
        ),
        usage(
            family,
            "Standard FSv2 Family Cluster Dedicated vCPUs",
            0,
            24,
        ),
        usage(
            family,
            "Standard FSv2 Family Cluster LowPriority vCPUs",
            8,
            100,
        ),
        usage(
            family,
            "Standard NCSv3 Family Cluster Dedicated vCPUs",
            12,
            48,
        ),
        usage(family, "Standard HBv3 Family Cluster Dedicated vCPUs", 0, 0),
    ]
}

fn catalog_loaded(id: RequestId, result: Result<CatalogData, AppError>) -> Msg {
    Msg::Loaded {
        id,
        key: SourceKey::Catalog,
        result: result.map(|c| SourceData::Catalog(Box::new(c))),
    }
}

/// The catalogue request the connection started.
fn catalog_request(app: &App) -> RequestId {
    app.source_state(&SourceKey::Catalog)
        .in_flight
        .expect("the catalogue is fetched from the start")
}

/// An app with the fixtures and the region's catalogue loaded.
fn loaded(width: u16, height: u16) -> App {
    let mut app = app(width, height);
    let id = catalog_request(&app);
    app.update(catalog_loaded(
        id,
        Ok(CatalogData {
            location: "eastus".into(),
            sizes: Ok(sizes()),
            usages: Ok(usages()),
        }),
    ));
    app.toast = None;
    app
}

/// The cells of `name`'s row on screen, split on runs of spaces.
fn row(screen: &str, name: &str) -> String {
    screen
        .lines()
        .find(|l| l.trim_start_matches('│').starts_with(&format!("{name} ")))
        .unwrap_or_else(|| panic!("no row {name}:\n{screen}"))
        .to_owned()
}

/// The text of the `COST/H` column in `name`'s row (by the header's position).
fn cost_cell(screen: &str, name: &str) -> String {
    let header = screen
        .lines()
        .find(|l| l.contains("COST/H"))
        .unwrap_or_else(|| panic!("a COST/H column:\n{screen}"));
    // Every glyph on these lines is one column wide: character positions are columns.
    let at = header[..header.find("COST/H").unwrap()].chars().count();
    let line: String = row(screen, name).chars().skip(at).collect();
    line.split_whitespace().next().unwrap_or("").to_owned()
}

fn go(app: &mut App, tab: TabId) {
    app.update(ch(char::from(b'1' + tab.index() as u8)));
    assert_eq!(app.active, tab);
}

fn computes_with(f: impl Fn(&mut serde_json::Value)) -> Vec<ComputeResource> {
    computes()
        .into_iter()
        .map(|c| {
            let mut raw = c.raw.clone();
            f(&mut raw);
            ComputeResource::from_value(raw)
        })
        .collect()
}

fn refresh_computes(app: &mut App, list: Vec<ComputeResource>) {
    let effects = app.update(ch('r'));
    let id = fetch_of(&effects, &SourceKey::Computes).expect("r refreshes the computes");
    app.update(computes_loaded(id, Ok(list)));
}

#[test]
fn the_catalogue_is_fetched_at_start_and_the_column_says_it_loads() {
    let mut app = app(W, H);
    let id = catalog_request(&app);
    go(&mut app, TabId::Instances);
    let shown = screen(&app);
    assert_eq!(cost_cell(&shown, "ci-alice"), "…", "{shown}");
    // Attached computes are never estimated, catalogue or not.
    go(&mut app, TabId::Attached);
    assert_eq!(cost_cell(&screen(&app), "dsvm-01"), "-");
    // A failure reads `?`, never 0.
    app.update(catalog_loaded(id, Err(service_error("503 on vmSizes"))));
    go(&mut app, TabId::Instances);
    let shown = screen(&app);
    assert_eq!(cost_cell(&shown, "ci-alice"), "?", "{shown}");
    assert_eq!(cost_cell(&shown, "ci-bob"), "?", "{shown}");
}

#[test]
fn a_running_instance_costs_its_price_and_a_stopped_one_nothing() {
    let mut app = loaded(W, H);
    go(&mut app, TabId::Instances);
    let shown = screen(&app);
    assert_eq!(cost_cell(&shown, "ci-alice"), "0.29", "{shown}");
    assert_eq!(cost_cell(&shown, "ci-carol"), "0.29", "starting: billed");
    assert_eq!(cost_cell(&shown, "ci-bob"), "0.00", "stopped");
    assert_eq!(cost_cell(&shown, "ci-a100-test"), "0.00", "creation failed");
    assert_snapshot!("instances_cost", shown);

    // The detail: the breakdown, labelled an estimate with its currency, and the disks note.
    app.update(press(KeyCode::Down)); // ci-alice
    app.update(press(KeyCode::Down)); // ci-bob
    app.update(press(KeyCode::Enter));
    let shown = screen(&app);
    assert!(shown.contains("Cost per hour (estimate)"), "{shown}");
    assert!(shown.contains("~0.00 USD/h (estimate)"), "{shown}");
    assert!(
        shown.contains("stopped: no VM cost per hour, but its disks are still billed"),
        "{shown}"
    );
}

#[test]
fn a_cluster_costs_its_nodes_and_its_cost_moves_when_it_scales() {
    let mut app = loaded(W, H);
    go(&mut app, TabId::Clusters);
    let shown = screen(&app);
    assert_eq!(
        cost_cell(&shown, "cpu-cluster"),
        "0.00",
        "no nodes: {shown}"
    );
    assert_eq!(
        cost_cell(&shown, "lowpri-cluster"),
        "0.07",
        "2 × 0.034 low priority"
    );
    // NC6s_v3 has no price in the region: `?`, never 0.
    assert_eq!(cost_cell(&shown, "gpu-cluster"), "?");
    assert_snapshot!("clusters_cost", shown);

    // cpu-cluster scales to 3 nodes.
    let scaled = computes_with(|raw| {
        if raw["name"] == "cpu-cluster" {
            raw["properties"]["properties"]["currentNodeCount"] = 3.into();
            raw["properties"]["properties"]["targetNodeCount"] = 3.into();
        }
    });
    refresh_computes(&mut app, scaled);
    let shown = screen(&app);
    assert_eq!(
        cost_cell(&shown, "cpu-cluster"),
        "0.87",
        "3 × 0.29: {shown}"
    );

    // Its detail: per node × current nodes, at max nodes, and the nodes its quota allows:
    // DSv2 has 4 of 24 vCPUs free, the region 68 of 100: 1 more node of 4 vCPUs.
    app.update(press(KeyCode::Down)); // broken-cluster
    app.update(press(KeyCode::Down)); // cpu-cluster
    app.update(press(KeyCode::Enter));
    let (_, lines) = app.text_view(app.top_view().unwrap());
    let text: Vec<String> = lines.iter().map(|l| l.text()).collect();
    let text = text.join("\n");
    assert!(text.contains("Cost now: ~0.87 USD/h (estimate)"), "{text}");
    assert!(
        text.contains("Made of: 3 × Standard_DS3_v2 at ~0.29 USD/h (estimate) (dedicated, Linux)"),
        "{text}"
    );
    assert!(
        text.contains("At max nodes (4): ~1.16 USD/h (estimate)"),
        "{text}"
    );
    assert!(
        text.contains("Quota: 1 more node of Standard_DS3_v2 (dedicated)"),
        "{text}"
    );
}

#[test]
fn aks_costs_its_agents_and_attached_is_not_estimated() {
    let mut app = loaded(W, H);
    go(&mut app, TabId::Kubernetes);
    let shown = screen(&app);
    assert_eq!(
        cost_cell(&shown, "aks-inference"),
        "0.88",
        "3 × 0.293: {shown}"
    );
    assert_eq!(cost_cell(&shown, "arc-onprem"), "-", "{shown}");
    go(&mut app, TabId::Attached);
    let shown = screen(&app);
    for name in ["dsvm-01", "hdi-demo", "quantum-1"] {
        assert_eq!(cost_cell(&shown, name), "-", "{shown}");
    }
}

#[test]
fn the_status_bar_shows_the_total_with_an_unknown_marker_and_drops_it_when_narrow() {
    // 0.29 + 0.29 (instances) + 2 × 0.034 (lowpri) + 3 × 0.293 (AKS) = 1.527; gpu-cluster
    // unknown.
    let app = loaded(200, H);
    assert_eq!(app.status_cost().as_deref(), Some("~1.53 USD/h +?"));
    let shown = screen(&app);
    let status = shown.lines().nth(usize::from(H) - 2).unwrap();
    assert!(status.contains("~1.53 USD/h +?"), "{status}");
    assert!(status.contains("auth emulator token"), "{status}");
    assert!(status.contains("0 errors"), "{status}");

    // On 80 columns the total goes first: the rest stays as it was.
    let narrow = loaded(80, 24);
    let status = screen(&narrow).lines().nth(22).unwrap().to_owned();
    assert!(!status.contains("USD/h"), "{status}");
    assert!(status.contains("ws demo-ws"), "{status}");
    assert!(status.contains("0 errors"), "{status}");
    let plain = app_with_no_prices(80, 24);
    assert_eq!(
        screen(&plain).lines().nth(22).unwrap(),
        status,
        "the status bar on 80 columns is what it was without prices"
    );
}

fn app_with_no_prices(width: u16, height: u16) -> App {
    app(width, height)
}

#[test]
fn the_quota_view_shows_each_family_its_computes_and_the_totals() {
    let mut app = loaded(100, 26);
    app.update(ch(':'));
    type_text(&mut app, "quota");
    app.update(press(KeyCode::Enter));
    assert!(matches!(app.top_view(), Some(View::Quota { .. })));
    let shown = screen(&app);
    assert!(shown.contains("Quota · eastus"), "{shown}");
    assert_snapshot!("quota_view", shown);
    // The whole text, past the screen's end.
    let (_, lines) = app.text_view(app.top_view().unwrap());
    let shown: String = lines.iter().map(|l| l.text() + "\n").collect();
    assert!(shown.contains("Regional total"), "{shown}");
    // DSv2 is at 83 %: marked, listed first, with the instances and the cluster using it.
    let dsv2 = shown.find("Standard DSv2 Family").expect("DSv2");
    let fsv2 = shown.find("Standard FSv2 Family").expect("FSv2");
    let hbv3 = shown
        .find("Standard HBv3 Family")
        .expect("HBv3 (unused, listed last)");
    assert!(dsv2 < fsv2 && fsv2 < hbv3, "{shown}");
    let dsv2_line = shown
        .lines()
        .find(|l| l.contains("Standard DSv2 Family"))
        .unwrap();
    assert!(dsv2_line.contains("⚠ at 80 % or more"), "{dsv2_line}");
    assert!(shown.contains("20 / 24  83 %"), "{shown}");
    assert!(
        shown.contains("ci-alice (dedicated, 4 vCPUs)")
            && shown.contains("ci-bob (dedicated, 0 vCPUs)")
            && shown.contains("cpu-cluster (dedicated, 0 vCPUs)"),
        "{shown}"
    );
    assert!(
        shown.contains("lowpri-cluster (low priority, 8 vCPUs)"),
        "{shown}"
    );

    // Scrollable, and Esc goes back to the list.
    app.update(ch('G'));
    assert!(app.top_view().unwrap().scroll() > 0, "scrolls");
    app.update(press(KeyCode::Esc));
    assert!(app.top_view().is_none());
    // `Q` opens it too.
    app.update(ch('Q'));
    assert!(matches!(app.top_view(), Some(View::Quota { .. })));
}

#[test]
fn the_quota_view_says_when_the_usages_could_not_be_loaded() {
    let mut app = app(W, H);
    let id = catalog_request(&app);
    app.update(ch('Q'));
    assert!(screen(&app).contains("are loading"), "{}", screen(&app));
    app.update(catalog_loaded(
        id,
        Ok(CatalogData {
            location: "eastus".into(),
            sizes: Ok(sizes()),
            usages: Err(service_error("403 on usages")),
        }),
    ));
    let shown = screen(&app);
    assert!(shown.contains("Could not load"), "{shown}");
    assert!(shown.contains("403 on usages"), "{shown}");
}

#[test]
fn i_opens_each_tabs_info_panel_and_esc_goes_back() {
    for tab in TabId::ALL {
        let mut app = loaded(100, 30);
        go(&mut app, tab);
        app.update(ch('i'));
        assert_eq!(
            app.top_view(),
            Some(&View::Info { tab, scroll: 0 }),
            "{tab:?}"
        );
        let shown = screen(&app);
        assert!(
            shown.contains(&format!("About the {} tab", tab.title())),
            "{shown}"
        );
        assert_snapshot!(format!("info_{tab:?}"), shown);
        app.update(ch('G'));
        assert!(app.top_view().unwrap().scroll() > 0, "{tab:?} scrolls");
        app.update(press(KeyCode::Esc));
        assert!(app.top_view().is_none(), "{tab:?}");
    }
}

#[test]
fn i_in_the_copy_menu_still_copies_the_resource_id() {
    let mut app = loaded(W, H);
    go(&mut app, TabId::Clusters);
    app.update(ch('c'));
    assert!(app.copy_menu.is_some());
    let effects = app.update(ch('i'));
    assert!(
        effects.iter().any(|e| matches!(
            e,
            Effect::Copy { label, text } if label == "resource id" && text.contains("/computes/")
        )),
        "{effects:?}"
    );
    assert!(app.top_view().is_none(), "no info panel from the copy menu");
}

#[test]
fn sort_skips_the_cost_column() {
    let mut app = loaded(W, H);
    go(&mut app, TabId::Instances);
    for _ in 0..20 {
        app.update(ch('s'));
        let column = app.active_tab().sort_column;
        let title = amlc::app::kinds::kind(TabId::Instances).columns()[column].title;
        assert_ne!(title, "COST/H");
    }
}

#[test]
fn on_80_columns_the_info_panel_wraps_and_loses_no_word() {
    for tab in TabId::ALL {
        let mut app = loaded(80, 24);
        go(&mut app, tab);
        app.update(ch('i'));
        let (_, lines) = app.text_view(app.top_view().unwrap());
        assert!(
            lines.iter().all(|l| l.width() <= app.text_width()),
            "{tab:?}"
        );
        let shown: Vec<String> = lines
            .iter()
            .flat_map(|l| {
                l.text()
                    .split_whitespace()
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .collect();
        let guide: Vec<String> = amlc::guidance::for_tab(amlc::app::costs::guide_tab(tab))
            .iter()
            .flat_map(|l| l.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
            .collect();
        assert_eq!(shown, guide, "{tab:?}");
    }
}

#[test]
fn q_tries_the_usages_again_after_they_failed() {
    let mut app = app(W, H);
    let id = catalog_request(&app);
    app.update(catalog_loaded(
        id,
        Ok(CatalogData {
            location: "eastus".into(),
            sizes: Ok(sizes()),
            usages: Err(service_error("503 on usages")),
        }),
    ));
    assert!(app.source_state(&SourceKey::Catalog).in_flight.is_none());
    let effects = app.update(ch('Q'));
    assert!(
        fetch_of(&effects, &SourceKey::Catalog).is_some(),
        "Q fetches the catalogue again: {effects:?}"
    );
    assert!(screen(&app).contains("tries again"), "{}", screen(&app));
}
