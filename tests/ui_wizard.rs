//! The create-or-attach wizard through `App::update` (no terminal): `n` opens the right form on
//! each tab (a chooser when a tab offers several, the submit form on Jobs, refused under --read-only),
//! Tab order, a bad name's rule shown as typed and Enter refused, Esc asking before discarding,
//! the size picker (filter, price, quota), list entries, secrets never drawn nor in `Debug`,
//! the request sent equal to the form's own `to_request`, the Creating row kept until the
//! service lists the compute (never twice), a failed create reopened with its values; and
//! snapshots of every form's first step, the cluster form's steps, the size picker and review.

mod emulator_common;
mod ui_common;
mod wizard_common;

use amlc::actions::{ActionId, ActionParams, ActionRequest};
use amlc::app::operations::{OpEvent, OpResult};
use amlc::app::wizard::{CatalogData, Overlay, Page};
use amlc::app::{App, AppError, AppOptions, Effect, Msg, RequestId, SourceData, SourceKey, TabId};
use amlc::azure::error::ErrorKind;
use amlc::azure::models::{ComputeResource, ProvisioningState, Usage, VirtualMachineSize};
use amlc::wizard::forms;
use amlc::wizard::{Ctx, FormId, Values};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use insta::assert_snapshot;
use std::path::PathBuf;
use std::sync::Arc;
use ui_common::*;
use wizard_common::MapFiles;

const W: u16 = 120;
const H: u16 = 34;
const PASSWORD: &str = "Sup3r-S3cret-Pw!";

/// The region's sizes, priced (one without a price, one GPU size, one not for clusters).
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
    serde_json::from_value(serde_json::json!([
        {"name": "Standard_DS3_v2", "family": "standardDSv2Family", "vCPUs": 4, "gpus": 0,
         "memoryGB": 14.0, "lowPriorityCapable": true, "estimatedVMPrices": price(0.29, 0.06),
         "supportedComputeTypes": ["AmlCompute", "ComputeInstance"]},
        {"name": "Standard_NC6s_v3", "family": "standardNCSv3Family", "vCPUs": 6, "gpus": 1,
         "memoryGB": 112.0, "lowPriorityCapable": true, "estimatedVMPrices": price(3.06, 0.61),
         "supportedComputeTypes": ["AmlCompute", "ComputeInstance"]},
        {"name": "Standard_D2_v3", "family": "standardDv3Family", "vCPUs": 2, "gpus": 0,
         "memoryGB": 8.0, "lowPriorityCapable": false,
         "supportedComputeTypes": ["AmlCompute", "ComputeInstance"]},
        {"name": "Standard_M128s", "family": "standardMSFamily", "vCPUs": 128, "gpus": 0,
         "memoryGB": 2048.0, "supportedComputeTypes": ["ComputeInstance"]}
    ]))
    .unwrap()
}

fn usages() -> Vec<Usage> {
    wizard_common::usages()
}

fn catalog(sizes: Result<Vec<VirtualMachineSize>, AppError>) -> CatalogData {
    CatalogData {
        location: "eastus".into(),
        sizes,
        usages: Ok(usages()),
    }
}

fn press_mod(code: KeyCode, modifiers: KeyModifiers) -> Msg {
    Msg::Key(KeyEvent::new_with_kind(
        code,
        modifiers,
        KeyEventKind::Press,
    ))
}

fn back_tab() -> Msg {
    press_mod(KeyCode::BackTab, KeyModifiers::SHIFT)
}

fn toast(app: &App) -> String {
    app.toast
        .as_ref()
        .map(|t| t.text.clone())
        .unwrap_or_default()
}

/// `n` on tab `tab` (1-based digit key); returns the effects (the catalogue fetch among them).
fn open_on(app: &mut App, tab: TabId) -> Vec<Effect> {
    app.update(ch(char::from(b'1' + tab.index() as u8)));
    assert_eq!(app.active, tab);
    app.update(ch('n'))
}

/// An app on the Clusters tab with the cluster form open and the catalogue answered.
fn cluster_form(sizes: Result<Vec<VirtualMachineSize>, AppError>) -> App {
    let mut app = app(W, H);
    let effects = open_on(&mut app, TabId::Clusters);
    let id = catalog_request(&app, &effects).expect("the catalogue is fetched");
    app.update(catalog_loaded(id, Ok(catalog(sizes))));
    app.toast = None;
    app
}

/// The catalogue's request: started by `n` when none is out, else the one the connection
/// started (the app loads the region's sizes from the start, for the cost column).
fn catalog_request(app: &App, effects: &[Effect]) -> Option<RequestId> {
    fetch_of(effects, &SourceKey::Catalog).or(app.source_state(&SourceKey::Catalog).in_flight)
}

fn catalog_loaded(id: RequestId, result: Result<CatalogData, AppError>) -> Msg {
    Msg::Loaded {
        id,
        key: SourceKey::Catalog,
        result: result.map(|c| SourceData::Catalog(Box::new(c))),
    }
}

fn state(app: &App) -> &amlc::app::wizard::FormState {
    match app.wizard.as_ref().map(|w| &w.page) {
        Some(Page::Form(state)) => state,
        _ => panic!("a form is open: {:?}", app.wizard),
    }
}

fn focused_id(app: &App) -> &'static str {
    state(app).focused().map(|f| f.id).unwrap_or("")
}

/// Tabs to field `id` of the current step.
fn focus(app: &mut App, id: &str) {
    for _ in 0..20 {
        if focused_id(app) == id {
            return;
        }
        app.update(press(KeyCode::Tab));
    }
    panic!("field {id} is not on step {}", state(app).step);
}

fn enter(app: &mut App) -> Vec<Effect> {
    app.update(press(KeyCode::Enter))
}

fn acts(effects: &[Effect]) -> Vec<ActionRequest> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Act { request, .. } => Some(request.clone()),
            _ => None,
        })
        .collect()
}

/// The rows of the Clusters tab named `name`.
fn rows_named(app: &App, name: &str) -> usize {
    let source = app.source(TabId::Clusters);
    app.tab(TabId::Clusters)
        .items
        .iter()
        .filter_map(|&i| source.item(i))
        .filter(|item| item.name() == name)
        .count()
}

fn state_of(app: &App, name: &str) -> Option<String> {
    app.computes
        .iter()
        .find(|c| c.name.as_deref() == Some(name))
        .map(|c| c.display_state())
}

/// Fills the cluster form's name and goes through every step to the review.
fn to_review(app: &mut App, name: &str) {
    focus(app, "name");
    type_text(app, name);
    for _ in 0..state(app).form.steps.len() {
        enter(app);
    }
    assert!(state(app).on_review(), "{}", screen(app));
}

// ---- opening ----

#[test]
fn n_opens_each_tabs_forms_and_says_so_on_jobs() {
    for tab in [
        TabId::Instances,
        TabId::Clusters,
        TabId::Kubernetes,
        TabId::Attached,
    ] {
        let mut app = app(W, H);
        open_on(&mut app, tab);
        let offered = forms::for_tab(tab);
        match offered.len() {
            0 => {
                assert!(app.wizard.is_none());
                assert!(toast(&app).contains("no create or attach form"), "{tab:?}");
            }
            1 => assert_eq!(state(&app).form.id, offered[0].id, "{tab:?}"),
            _ => {
                let Some(Page::Choose(chooser)) = app.wizard.as_ref().map(|w| &w.page) else {
                    panic!("a chooser on {tab:?}");
                };
                let ids: Vec<FormId> = chooser.forms.iter().map(|f| f.id).collect();
                let want: Vec<FormId> = offered.iter().map(|f| f.id).collect();
                assert_eq!(ids, want);
                let shown = screen(&app);
                for form in &offered {
                    assert!(shown.contains(form.title), "{shown}");
                }
                // Every form's notice shows, even one that is never sendable.
                for (i, form) in offered.iter().enumerate() {
                    let mut app = app.clone_for_test();
                    for _ in 0..i {
                        app.update(press(KeyCode::Down));
                    }
                    enter(&mut app);
                    assert_eq!(state(&app).form.id, form.id);
                    let shown = screen(&app);
                    let first = form.notice.lines().next().unwrap_or("");
                    let head: String = first.chars().take(40).collect();
                    assert!(shown.contains(&head), "{shown}");
                }
            }
        }
    }
    let mut app = app(W, H);
    open_on(&mut app, TabId::Jobs);
    assert!(app.wizard.is_none());
    // The Jobs tab's `n` is the submit form (tests/ui_submit.rs).
    assert!(app.submit.form.is_some(), "{}", toast(&app));
}

/// A fresh app opened the same way (App is not Clone: replay the keys).
trait CloneForTest {
    fn clone_for_test(&self) -> App;
}

impl CloneForTest for App {
    fn clone_for_test(&self) -> App {
        let mut app = app(W, H);
        open_on(&mut app, self.active);
        app
    }
}

#[test]
fn read_only_refuses_n() {
    let mut app = app_with(
        AppOptions {
            read_only: true,
            ..AppOptions::default()
        },
        W,
        H,
    );
    let effects = open_on(&mut app, TabId::Clusters);
    assert!(app.wizard.is_none());
    assert!(acts(&effects).is_empty());
    assert!(toast(&app).contains("read-only"), "{}", toast(&app));
}

#[test]
fn help_lists_n_on_a_compute_tab() {
    let mut app = app(W, 60);
    app.update(ch('2'));
    app.update(ch('?'));
    let shown = screen(&app);
    let line = shown
        .lines()
        .find(|l| l.contains("[new]"))
        .unwrap_or_else(|| panic!("n in the help:\n{shown}"));
    assert!(
        line.contains('n') && line.contains("Create compute cluster"),
        "{line}"
    );
}

// ---- fields ----

#[test]
fn tab_goes_through_the_shown_fields_in_order_and_shift_tab_back() {
    let mut app = cluster_form(Ok(sizes()));
    let form = state(&app).form;
    let want: Vec<&str> = form.step_fields(0, &Values::new()).map(|f| f.id).collect();
    let mut seen = vec![focused_id(&app)];
    for _ in 1..want.len() {
        app.update(press(KeyCode::Tab));
        seen.push(focused_id(&app));
    }
    assert_eq!(seen, want);
    app.update(press(KeyCode::Tab));
    assert_eq!(focused_id(&app), want[0], "Tab wraps");
    app.update(back_tab());
    assert_eq!(focused_id(&app), *want.last().unwrap());
    app.update(press(KeyCode::Up));
    assert_eq!(focused_id(&app), want[want.len() - 2]);
}

#[test]
fn a_bad_name_shows_its_rule_as_typed_and_enter_is_refused() {
    let mut app = cluster_form(Ok(sizes()));
    focus(&mut app, "name");
    type_text(&mut app, "1gpu");
    let shown = screen(&app);
    assert!(shown.contains("1gpu"), "{shown}");
    let rule = state(&app).shown_problems("name")[0].message.clone();
    assert!(rule.contains("letter"), "{rule}");
    assert!(shown.contains(&rule[..30.min(rule.len())]), "{shown}");
    let effects = enter(&mut app);
    assert!(acts(&effects).is_empty());
    assert_eq!(state(&app).step, 0, "Enter refused");
    assert!(!state(&app).refused.is_empty());
    assert!(screen(&app).contains("Enter refused"), "{}", screen(&app));
    // The name of an existing compute is refused too (checked against the loaded list).
    for _ in 0..4 {
        app.update(press(KeyCode::Backspace));
    }
    type_text(&mut app, "cpu-cluster");
    assert!(!state(&app).shown_problems("name").is_empty());
    for _ in 0..11 {
        app.update(press(KeyCode::Backspace));
    }
    type_text(&mut app, "gpu-dev");
    assert!(state(&app).shown_problems("name").is_empty());
    enter(&mut app);
    assert_eq!(state(&app).step, 1, "on to the next step");
    // Shift-Tab on the first field goes back a step.
    app.update(back_tab());
    assert_eq!(state(&app).step, 0);
}

#[test]
fn esc_asks_before_discarding_values_and_closes_at_once_without() {
    let mut app = cluster_form(Ok(sizes()));
    app.update(press(KeyCode::Esc));
    assert!(app.wizard.is_none(), "nothing entered: closed at once");
    assert!(!app.should_quit());

    let mut app = cluster_form(Ok(sizes()));
    type_text(&mut app, "abc");
    app.update(press(KeyCode::Esc));
    assert!(app.wizard.as_ref().unwrap().confirm_discard);
    assert!(screen(&app).contains("Discard this form?"));
    app.update(ch('n'));
    assert!(!app.wizard.as_ref().unwrap().confirm_discard);
    assert_eq!(state(&app).values.raw("name"), "abc", "values kept");
    app.update(press(KeyCode::Esc));
    app.update(ch('y'));
    assert!(app.wizard.is_none());
    assert!(!app.should_quit(), "Esc never quits");
}

#[test]
fn toggles_and_choices_flip_with_space_and_arrows() {
    let mut app = cluster_form(Ok(sizes()));
    focus(&mut app, "tier");
    app.update(ch(' '));
    assert_eq!(state(&app).values.raw("tier"), "low_priority");
    app.update(press(KeyCode::Left));
    assert_eq!(state(&app).values.raw("tier"), "dedicated");
    app.update(press(KeyCode::Right));
    assert!(screen(&app).contains("Low priority"), "{}", screen(&app));
}

#[test]
fn shown_fields_follow_the_values() {
    let mut app = cluster_form(Ok(sizes()));
    type_text(&mut app, "gpu-dev");
    enter(&mut app);
    enter(&mut app);
    assert_eq!(state(&app).step, 2);
    // SSH public access on without a key or a password: this step refuses Enter with that rule.
    focus(&mut app, "ssh_public_access_enabled");
    app.update(ch(' '));
    enter(&mut app);
    assert_eq!(state(&app).step, 2);
    assert!(
        screen(&app).contains("exactly one of a public key"),
        "{}",
        screen(&app)
    );
    app.update(ch(' '));
    enter(&mut app);
    assert_eq!(state(&app).step, 3);
    // The user-assigned identities appear only once the identity type asks for them.
    let before: Vec<&str> = state(&app).fields().iter().map(|f| f.id).collect();
    assert!(before.contains(&"identity.type"), "{before:?}");
    assert!(!before.contains(&"identity.user_assigned_identities"));
    focus(&mut app, "identity.type");
    app.update(press(KeyCode::Right));
    app.update(press(KeyCode::Right));
    assert_eq!(state(&app).values.raw("identity.type"), "user_assigned");
    let after: Vec<&str> = state(&app).fields().iter().map(|f| f.id).collect();
    assert!(
        after.contains(&"identity.user_assigned_identities"),
        "{after:?}"
    );
}

// ---- secrets ----

#[test]
fn secrets_are_never_drawn_nor_in_debug() {
    let mut app = cluster_form(Ok(sizes()));
    type_text(&mut app, "gpu-dev");
    enter(&mut app);
    enter(&mut app);
    focus(&mut app, "ssh_public_access_enabled");
    app.update(ch(' '));
    focus(&mut app, "ssh_settings.admin_password");
    type_text(&mut app, PASSWORD);
    let shown = screen(&app);
    assert!(
        !shown.contains(PASSWORD) && !shown.contains("S3cret"),
        "{shown}"
    );
    assert!(shown.contains("•••"), "{shown}");
    let debug = format!("{app:?}");
    assert!(
        !debug.contains("S3cret"),
        "the app's Debug shows the password"
    );
    enter(&mut app);
    enter(&mut app);
    assert!(state(&app).on_review(), "{}", screen(&app));
    for _ in 0..40 {
        let shown = screen(&app);
        assert!(!shown.contains("S3cret"), "{shown}");
        app.update(press(KeyCode::Down));
    }
    let effects = enter(&mut app);
    let sent = acts(&effects);
    assert_eq!(sent.len(), 1);
    let ActionParams::Compute(request) = &sent[0].params else {
        panic!("a compute request");
    };
    assert!(
        request.body().to_string().contains(PASSWORD),
        "the request itself carries it"
    );
    assert!(!format!("{app:?}").contains("S3cret"));
    assert!(!format!("{effects:?}").contains("S3cret"));
    // The placeholder row and its JSON view hold no secret either.
    let shown = screen(&app);
    assert!(!shown.contains("S3cret"), "{shown}");
    let row = app
        .computes
        .iter()
        .find(|c| c.name.as_deref() == Some("gpu-dev"))
        .expect("the Creating row");
    assert!(!serde_json::to_string(row).unwrap().contains("S3cret"));
}

// ---- sizes ----

#[test]
fn the_size_picker_lists_filters_and_picks() {
    let mut app = cluster_form(Ok(sizes()));
    focus(&mut app, "size");
    enter(&mut app);
    let Some(Overlay::Sizes(picker)) = &state(&app).overlay else {
        panic!("the picker: {}", screen(&app));
    };
    let names: Vec<&str> = picker.rows.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        ["Standard_D2_v3", "Standard_DS3_v2", "Standard_NC6s_v3"],
        "only sizes offered for clusters"
    );
    assert_eq!(
        picker.rows[picker.selected].name, "Standard_DS3_v2",
        "the current one"
    );
    let shown = screen(&app);
    assert!(shown.contains("0.29 USD"), "{shown}");
    assert!(
        shown.contains("16/24"),
        "quota left of the DSv2 family: {shown}"
    );
    let d2 = shown
        .lines()
        .find(|l| l.contains("Standard_D2_v3"))
        .unwrap();
    assert!(
        d2.contains(" ?") && !d2.contains("0.00"),
        "no price is ?, never 0: {d2}"
    );
    type_text(&mut app, "nc6");
    let Some(Overlay::Sizes(picker)) = &state(&app).overlay else {
        panic!("the picker");
    };
    assert_eq!(picker.rows.len(), 1);
    enter(&mut app);
    assert!(state(&app).overlay.is_none());
    assert_eq!(state(&app).values.raw("size"), "Standard_NC6s_v3");
}

#[test]
fn low_priority_prices_the_picker_and_the_review() {
    let mut app = cluster_form(Ok(sizes()));
    focus(&mut app, "tier");
    app.update(ch(' '));
    focus(&mut app, "size");
    enter(&mut app);
    assert!(screen(&app).contains("0.06 USD"), "{}", screen(&app));
}

#[test]
fn a_size_over_the_quota_is_refused_with_the_numbers() {
    let mut app = cluster_form(Ok(sizes()));
    type_text(&mut app, "gpu-dev");
    enter(&mut app);
    focus(&mut app, "max_instances");
    app.update(press(KeyCode::Backspace));
    type_text(&mut app, "10");
    enter(&mut app);
    assert_eq!(state(&app).step, 1, "refused");
    let shown = screen(&app);
    assert!(shown.contains("needs 40 vCPUs"), "{shown}");
    assert!(shown.contains("leaves 16"), "{shown}");
}

#[test]
fn while_sizes_load_it_says_so_and_a_failure_leaves_the_form_working() {
    let mut app = app(W, H);
    let effects = open_on(&mut app, TabId::Clusters);
    let id = catalog_request(&app, &effects).unwrap();
    assert!(screen(&app).contains("still loading"), "{}", screen(&app));
    app.update(catalog_loaded(
        id,
        Err(AppError::new(
            ErrorKind::Forbidden,
            "403 AuthorizationFailed on vmSizes",
            "ask for a role",
        )),
    ));
    assert!(
        screen(&app).contains("403 AuthorizationFailed"),
        "{}",
        screen(&app)
    );
    to_review(&mut app, "gpu-dev");
    let review = state(&app).review.clone().unwrap();
    assert!(review.problems.is_empty(), "{:?}", review.problems);
    let quota: Vec<&str> = review.quota.iter().map(|(l, _)| l.as_str()).collect();
    assert!(
        quota
            .iter()
            .any(|l| l.contains("not checked") && l.contains("403")),
        "{quota:?}"
    );
    let effects = enter(&mut app);
    assert_eq!(acts(&effects).len(), 1, "sent all the same");
}

// ---- list fields ----

#[test]
fn list_entries_are_added_edited_and_removed() {
    let mut app = cluster_form(Ok(sizes()));
    type_text(&mut app, "gpu-dev");
    enter(&mut app);
    enter(&mut app);
    enter(&mut app);
    assert_eq!(state(&app).step, 3);
    focus(&mut app, "tags");
    enter(&mut app);
    app.update(ch('a'));
    type_text(&mut app, "team");
    app.update(press(KeyCode::Tab));
    type_text(&mut app, "vision");
    enter(&mut app);
    app.update(ch('a'));
    type_text(&mut app, "cost");
    enter(&mut app);
    assert_eq!(state(&app).values.list("tags").len(), 2);
    app.update(ch('d'));
    app.update(press(KeyCode::Esc));
    let tags = state(&app).values.list("tags");
    assert_eq!(tags.len(), 1);
    assert_eq!(tags[0].raw("key"), "team");
    assert_eq!(tags[0].raw("value"), "vision");
    assert!(
        screen(&app).contains("key=team, value=vision"),
        "{}",
        screen(&app)
    );
}

// ---- sending ----

fn ctx_request(app: &App, values: &Values) -> amlc::wizard::ComputeRequest {
    let existing: Vec<String> = computes().into_iter().filter_map(|c| c.name).collect();
    let sizes = sizes();
    let usages = usages();
    let files = MapFiles::default();
    let ctx = Ctx {
        subscription: "00000000-0000-0000-0000-000000000000",
        resource_group: "demo-rg",
        workspace: "demo-ws",
        location: "eastus",
        existing: &existing,
        sizes: &sizes,
        usages: &usages,
        files: &files,
    };
    state(app).form.to_request(values, &ctx).expect("buildable")
}

#[test]
fn the_request_sent_is_what_the_form_builds_and_the_row_shows_creating() {
    let mut app = cluster_form(Ok(sizes()));
    focus(&mut app, "name");
    type_text(&mut app, "gpu-dev");
    focus(&mut app, "tier");
    app.update(ch(' '));
    enter(&mut app);
    focus(&mut app, "max_instances");
    app.update(press(KeyCode::Backspace));
    type_text(&mut app, "3");
    enter(&mut app);
    enter(&mut app);
    enter(&mut app);
    let values = state(&app).values.clone();
    let want = ctx_request(&app, &values);
    let review = screen(&app);
    assert!(review.contains("at max 3 nodes: 0.18 USD"), "{review}");
    assert!(
        review.contains("\"vmPriority\": \"LowPriority\""),
        "{review}"
    );
    let effects = enter(&mut app);
    assert!(app.wizard.is_none(), "closed once sent");
    assert_eq!(
        acts(&effects),
        vec![ActionRequest {
            action: ActionId::Create,
            target: "gpu-dev".into(),
            params: ActionParams::Compute(Box::new(want)),
        }]
    );
    // The row is there at once, as Creating, in the Clusters tab.
    assert_eq!(rows_named(&app, "gpu-dev"), 1);
    assert_eq!(state_of(&app, "gpu-dev").as_deref(), Some("Creating"));
    assert!(screen(&app).contains("gpu-dev"));
    // While it is on its way, its name is taken.
    app.update(ch('n'));
    type_text(&mut app, "gpu-dev");
    assert!(
        state(&app)
            .shown_problems("name")
            .iter()
            .any(|p| p.message.contains("exists")
                || p.message.contains("taken")
                || p.message.contains("already")),
        "{:?}",
        state(&app).shown_problems("name")
    );
}

fn op_id(effects: &[Effect]) -> amlc::app::operations::OpId {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::Act { op, .. } => Some(*op),
            _ => None,
        })
        .expect("an operation")
}

/// The next compute-list fetch's id (a refresh is forced).
fn refresh(app: &mut App) -> RequestId {
    let effects = app.update(ch('r'));
    fetch_of(&effects, &SourceKey::Computes).expect("a compute refresh")
}

fn listed_as(name: &str, state: ProvisioningState) -> ComputeResource {
    let mut c: ComputeResource = serde_json::from_value(serde_json::json!({
        "id": format!("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/demo-rg/providers/Microsoft.MachineLearningServices/workspaces/demo-ws/computes/{name}"),
        "name": name,
        "type": "Microsoft.MachineLearningServices/workspaces/computes",
        "location": "eastus",
        "properties": {"computeType": "AmlCompute", "properties": {"vmSize": "Standard_DS3_v2"}}
    }))
    .unwrap();
    c.properties.provisioning_state = Some(state);
    c
}

#[test]
fn the_creating_row_is_neither_lost_nor_doubled_by_refreshes() {
    let mut app = cluster_form(Ok(sizes()));
    to_review(&mut app, "gpu-dev");
    let effects = enter(&mut app);
    let op = op_id(&effects);
    // A refresh that does not list it yet keeps the row.
    let id = refresh(&mut app);
    app.update(computes_loaded(id, Ok(computes())));
    assert_eq!(rows_named(&app, "gpu-dev"), 1);
    assert_eq!(state_of(&app, "gpu-dev").as_deref(), Some("Creating"));
    // One that lists it: the service's row, once.
    let mut listed = computes();
    listed.push(listed_as("gpu-dev", ProvisioningState::Creating));
    let id = refresh(&mut app);
    app.update(computes_loaded(id, Ok(listed.clone())));
    assert_eq!(rows_named(&app, "gpu-dev"), 1);
    assert!(!app.operations.is_placeholder("gpu-dev"));
    // It moves live.
    listed.pop();
    listed.push(listed_as("gpu-dev", ProvisioningState::Succeeded));
    let id = refresh(&mut app);
    app.update(computes_loaded(id, Ok(listed)));
    assert_eq!(rows_named(&app, "gpu-dev"), 1);
    assert_ne!(state_of(&app, "gpu-dev").as_deref(), Some("Creating"));
    app.update(Msg::Op {
        op,
        event: OpEvent::Ended(Box::new(Ok(OpResult::default()))),
    });
    assert_eq!(rows_named(&app, "gpu-dev"), 1);
    assert!(
        toast(&app).contains("create gpu-dev: done"),
        "{}",
        toast(&app)
    );
}

#[test]
fn a_failed_create_shows_the_error_and_reopens_with_the_values() {
    let mut app = cluster_form(Ok(sizes()));
    focus(&mut app, "name");
    type_text(&mut app, "gpu-dev");
    focus(&mut app, "description");
    type_text(&mut app, "for the vision team");
    to_review(&mut app, "");
    let effects = enter(&mut app);
    let op = op_id(&effects);
    let error = api_error(
        400,
        "OutOfQuota",
        "Operation could not be completed as it results in exceeding approved standardDSv2Family Cores quota. Requested: 4, Limit: 0.",
        "/computes/gpu-dev",
    );
    app.update(Msg::Op {
        op,
        event: OpEvent::Ended(Box::new(Err(error))),
    });
    assert!(
        toast(&app).contains("OutOfQuota") || toast(&app).contains("exceeding"),
        "{}",
        toast(&app)
    );
    assert!(toast(&app).contains("reopens the form"), "{}", toast(&app));
    assert_eq!(rows_named(&app, "gpu-dev"), 0, "the Creating row leaves");
    app.update(ch('o'));
    let shown = screen(&app);
    assert!(
        shown.contains("exceeding approved"),
        "the error in full: {shown}"
    );
    assert!(shown.contains("n reopens the form"), "{shown}");
    app.update(ch('n'));
    let reopened = state(&app);
    assert_eq!(reopened.form.id, FormId::ComputeCluster);
    assert_eq!(reopened.values.raw("name"), "gpu-dev");
    assert_eq!(reopened.values.raw("description"), "for the vision team");
    assert!(
        screen(&app).contains("The last attempt failed"),
        "{}",
        screen(&app)
    );
}

#[test]
fn a_form_that_cannot_build_shows_why_on_review_and_sends_nothing() {
    let mut app = cluster_form(Ok(sizes()));
    // The public key file cannot be read: the review lists it, Enter sends nothing.
    app.form_files = amlc::app::wizard::FormFiles {
        source: Arc::new(MapFiles::default()),
        ssh_dir: None,
    };
    type_text(&mut app, "gpu-dev");
    enter(&mut app);
    enter(&mut app);
    focus(&mut app, "ssh_public_access_enabled");
    app.update(ch(' '));
    focus(&mut app, "ssh_settings.ssh_key_file");
    type_text(&mut app, "/nowhere/id.pub");
    let effects = enter(&mut app);
    assert!(acts(&effects).is_empty());
    assert_eq!(state(&app).step, 2, "the unreadable file refuses the step");
    assert!(screen(&app).contains("no such file"), "{}", screen(&app));
    // With the file there, it goes through and its content is sent.
    let key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl user@host";
    let mut files = MapFiles::default();
    files.0.insert(PathBuf::from("/nowhere/id.pub"), key.into());
    app.form_files = amlc::app::wizard::FormFiles {
        source: Arc::new(files),
        ssh_dir: None,
    };
    app.update(press(KeyCode::End));
    enter(&mut app);
    enter(&mut app);
    assert!(state(&app).on_review(), "{}", screen(&app));
    let effects = enter(&mut app);
    let sent = acts(&effects);
    let ActionParams::Compute(request) = &sent[0].params else {
        panic!()
    };
    assert!(request.body().to_string().contains("AAAAC3NzaC1lZDI1NTE5"));
}

// ---- snapshots ----

fn snapshot_app() -> App {
    cluster_form(Ok(sizes()))
}

#[test]
fn snapshot_every_forms_first_step() {
    for form in forms::all() {
        let mut app = app(W, H);
        let tab = amlc::app::kinds::compute_tab(&amlc::azure::models::ComputeType::parse(
            form.compute_type,
        ));
        let effects = open_on(&mut app, tab);
        if let Some(id) = catalog_request(&app, &effects) {
            app.update(catalog_loaded(id, Ok(catalog(Ok(sizes())))));
        }
        if let Some(Page::Choose(chooser)) = app.wizard.as_ref().map(|w| &w.page) {
            let at = chooser.forms.iter().position(|f| f.id == form.id).unwrap();
            for _ in 0..at {
                app.update(press(KeyCode::Down));
            }
            enter(&mut app);
        }
        assert_eq!(state(&app).form.id, form.id);
        app.toast = None;
        assert_snapshot!(format!("form_{:?}", form.id), screen(&app));
    }
}

#[test]
fn snapshot_cluster_steps_picker_and_review() {
    let mut app = snapshot_app();
    type_text(&mut app, "gpu-dev");
    enter(&mut app);
    app.toast = None;
    assert_snapshot!("cluster_step_scale", screen(&app));
    enter(&mut app);
    focus(&mut app, "ssh_public_access_enabled");
    app.update(ch(' '));
    focus(&mut app, "ssh_settings.admin_password");
    type_text(&mut app, PASSWORD);
    app.toast = None;
    assert_snapshot!("cluster_step_access", screen(&app));
    enter(&mut app);
    app.toast = None;
    assert_snapshot!("cluster_step_advanced", screen(&app));
    enter(&mut app);
    app.toast = None;
    assert_snapshot!("cluster_review", screen(&app));

    let mut app = snapshot_app();
    focus(&mut app, "size");
    enter(&mut app);
    assert_snapshot!("size_picker", screen(&app));

    let mut app = snapshot_app();
    type_text(&mut app, "1gpu");
    enter(&mut app);
    app.toast = None;
    assert_snapshot!("cluster_bad_name", screen(&app));
}

#[test]
fn public_key_files_are_offered_from_the_ssh_folder() {
    let dir = tempfile::tempdir().unwrap();
    let key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me@laptop";
    std::fs::write(dir.path().join("id_ed25519.pub"), key).unwrap();
    std::fs::write(dir.path().join("id_ed25519"), "PRIVATE").unwrap();
    std::fs::write(dir.path().join("work.pub"), key).unwrap();
    let mut app = cluster_form(Ok(sizes()));
    app.form_files = amlc::app::wizard::FormFiles {
        source: Arc::new(amlc::wizard::DiskFiles::default()),
        ssh_dir: Some(dir.path().to_path_buf()),
    };
    type_text(&mut app, "gpu-dev");
    enter(&mut app);
    enter(&mut app);
    focus(&mut app, "ssh_public_access_enabled");
    app.update(ch(' '));
    focus(&mut app, "ssh_settings.ssh_key_file");
    assert!(
        screen(&app).contains("Enter: pick from ~/.ssh/*.pub"),
        "{}",
        screen(&app)
    );
    enter(&mut app);
    let Some(Overlay::Files(pick)) = &state(&app).overlay else {
        panic!("the key list: {}", screen(&app));
    };
    let shown = format!("{}", dir.path().display());
    assert_eq!(
        pick.files,
        vec![
            format!("{shown}/id_ed25519.pub"),
            format!("{shown}/work.pub")
        ],
        "only *.pub files"
    );
    assert!(screen(&app).contains("work.pub"));
    app.update(press(KeyCode::Down));
    enter(&mut app);
    assert_eq!(
        state(&app).values.raw("ssh_settings.ssh_key_file"),
        format!("{shown}/work.pub")
    );
    enter(&mut app);
    enter(&mut app);
    let effects = enter(&mut app);
    let sent = acts(&effects);
    let ActionParams::Compute(request) = &sent[0].params else {
        panic!("sent: {}", screen(&app))
    };
    assert!(request.body().to_string().contains("me@laptop"));
}

#[test]
fn small_terminals_draw_every_stage_without_panicking() {
    for (w, h) in [(60, 12), (61, 13), (80, 16), (200, 60)] {
        let mut app = cluster_form(Ok(sizes()));
        app.update(Msg::Resize(w, h));
        let mut stages = vec![screen(&app)];
        focus(&mut app, "size");
        enter(&mut app);
        stages.push(screen(&app));
        app.update(press(KeyCode::Esc));
        focus(&mut app, "name");
        type_text(&mut app, "gpu-dev");
        for _ in 0..3 {
            enter(&mut app);
            stages.push(screen(&app));
        }
        focus(&mut app, "tags");
        enter(&mut app);
        app.update(ch('a'));
        type_text(&mut app, "team");
        stages.push(screen(&app));
        app.update(press(KeyCode::Esc));
        app.update(press(KeyCode::Esc));
        // Enter on a list field opens its entries: PgDn goes on to the review.
        app.update(press(KeyCode::PageDown));
        assert!(state(&app).on_review(), "{w}x{h}");
        for _ in 0..50 {
            app.update(press(KeyCode::Down));
        }
        stages.push(screen(&app));
        app.update(press(KeyCode::Esc));
        stages.push(screen(&app));
        assert!(app.wizard.as_ref().is_some_and(|w| w.confirm_discard));
        assert_eq!(stages.len(), 8, "{w}x{h}");
    }
}

/// The runtime's fetch of the catalogue, over HTTP against the emulator: the workspace's region,
/// its VM sizes (priced) and its usages; the wizard then lists them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_catalogue_is_fetched_from_the_workspace_region() {
    use amlc::app::runtime::DataSource;
    use amlc::emulator::{self, EmulatorConfig};
    let dir = tempfile::tempdir().unwrap();
    let handle = emulator::start(EmulatorConfig {
        demo: true,
        ..EmulatorConfig::new(dir.path())
    })
    .await
    .unwrap();
    let client = emulator_common::client_for(&handle, emulator::DEMO_WORKSPACE);
    let data = client.fetch(SourceKey::Catalog).await;
    handle.shutdown().await;
    let Ok(SourceData::Catalog(data)) = data else {
        panic!("the catalogue: {data:?}");
    };
    assert!(!data.location.is_empty());
    let sizes = data.sizes.as_ref().expect("sizes");
    let ds3 = sizes
        .iter()
        .find(|s| s.name.as_deref() == Some("Standard_DS3_v2"))
        .expect("DS3_v2 listed");
    assert!(ds3.supports("AmlCompute"));
    assert!(!data.usages.as_ref().expect("usages").is_empty());

    // The app lists them in the picker, priced, with the family's quota left.
    let mut app = app(W, H);
    let effects = open_on(&mut app, TabId::Clusters);
    let id = catalog_request(&app, &effects).unwrap();
    app.update(catalog_loaded(id, Ok(*data)));
    focus(&mut app, "size");
    enter(&mut app);
    let shown = screen(&app);
    let row = shown
        .lines()
        .find(|l| l.contains("Standard_DS3_v2"))
        .unwrap_or_else(|| panic!("{shown}"));
    assert!(row.contains("USD"), "{row}");
    assert!(row.contains('/'), "quota left/limit: {row}");
}

// ---- any form: a form of the tests' own, generic kinds, never sendable ----

use amlc::wizard::{Choice, ComputeRequest, Field, FieldKind, Form, Problem};

const KINDS: &[Choice] = &[
    Choice {
        value: "alpha",
        label: "Alpha",
    },
    Choice {
        value: "beta",
        label: "Beta",
    },
];

const ENTRY: &[Field] = &[
    Field {
        kind: FieldKind::Choice(KINDS),
        default: "alpha",
        ..Field::text("kind", "Kind", "Which kind")
    },
    Field {
        kind: FieldKind::Toggle,
        default: "false",
        ..Field::text("enabled", "Enabled", "On or off")
    },
    Field {
        kind: FieldKind::Secret,
        ..Field::text("token", "Token", "A token of the entry")
    },
];

const TEST_FIELDS: &[Field] = &[
    Field {
        required: true,
        ..Field::text("resource_id", "Resource id", "The thing to attach")
    },
    Field {
        kind: FieldKind::Secret,
        required: true,
        ..Field::text("access_token", "Access token", "Sent only in the request")
    },
    Field {
        kind: FieldKind::List {
            fields: ENTRY,
            max: 2,
        },
        ..Field::text("things", "Things", "Up to two things")
    },
];

fn never(_: &Values, _: &Ctx<'_>) -> Result<ComputeRequest, Problem> {
    Err(Problem::new(
        "",
        "not offered by the current Azure ML REST API: use the batch service instead",
    ))
}

static NEVER_SENT: Form = Form {
    id: FormId::AzureBatch,
    title: "Attach test batch",
    compute_type: "AzureBatch",
    attach: true,
    yaml_types: &[],
    steps: &["Only"],
    fields: TEST_FIELDS,
    notice: "Not offered by the Azure ML REST API.\nUse the batch service's own tools instead.",
    cross: None,
    build: never,
};

#[test]
fn any_form_chooser_notice_lists_and_a_never_sendable_build() {
    let mut app = app(W, H);
    app.update(ch('4'));
    let cluster = forms::form(FormId::ComputeCluster).unwrap();
    app.open_forms(vec![cluster, &NEVER_SENT]);
    let shown = screen(&app);
    assert!(shown.contains("Create compute cluster"), "{shown}");
    assert!(shown.contains("Attach test batch"), "{shown}");
    assert!(
        shown.contains("Not offered by the Azure ML REST API."),
        "{shown}"
    );
    app.update(press(KeyCode::Down));
    enter(&mut app);
    assert_eq!(state(&app).form.title, "Attach test batch");
    let shown = screen(&app);
    assert!(
        shown.contains("Use the batch service's own tools instead."),
        "{shown}"
    );

    type_text(&mut app, "/subscriptions/x/batch");
    app.update(press(KeyCode::Tab));
    type_text(&mut app, "tok-S3cret-1");
    app.update(press(KeyCode::Tab));
    assert_eq!(focused_id(&app), "things");
    enter(&mut app);
    app.update(ch('a'));
    // The entry: a choice cycled, a toggle flipped, a secret typed.
    app.update(ch(' '));
    app.update(press(KeyCode::Tab));
    app.update(press(KeyCode::Right));
    app.update(press(KeyCode::Tab));
    type_text(&mut app, "entry-S3cret-2");
    let shown = screen(&app);
    assert!(!shown.contains("S3cret"), "{shown}");
    enter(&mut app);
    app.update(ch('a'));
    enter(&mut app);
    app.update(ch('a'));
    assert!(toast(&app).contains("at most 2"), "{}", toast(&app));
    app.update(press(KeyCode::Esc));
    let things = state(&app).values.list("things").to_vec();
    assert_eq!(things.len(), 2);
    assert_eq!(things[0].raw("kind"), "beta");
    assert_eq!(things[0].raw("enabled"), "true");
    assert_eq!(things[0].raw("token"), "entry-S3cret-2");
    let shown = screen(&app);
    assert!(
        shown.contains("kind=beta, enabled=true, token=•••"),
        "{shown}"
    );
    assert!(!shown.contains("S3cret"), "{shown}");
    assert!(!format!("{app:?}").contains("S3cret"));

    // The review says why it cannot be sent; Enter sends nothing.
    app.update(press(KeyCode::PageDown));
    assert!(state(&app).on_review(), "{}", screen(&app));
    let shown = screen(&app);
    assert!(shown.contains("Cannot be sent"), "{shown}");
    assert!(
        shown.contains("not offered by the current Azure ML REST API"),
        "{shown}"
    );
    let effects = enter(&mut app);
    assert!(acts(&effects).is_empty());
    assert!(app.wizard.is_some());
    assert!(toast(&app).contains("not sent"), "{}", toast(&app));
}

#[test]
fn help_on_jobs_offers_n_as_the_submit_form_not_a_create_form() {
    let mut app = app(W, 60);
    app.update(ch('5'));
    app.update(ch('?'));
    let shown = screen(&app);
    assert!(shown.contains("new: the submit form"), "{shown}");
    assert!(!shown.contains("new: Create"), "{shown}");
}

#[test]
fn a_long_rule_is_wrapped_whole_on_a_small_terminal() {
    // AKS, 2 nodes of 4 vCPUs for production: the rule and its way out must both be readable
    // at 80 columns, under the field and in the list of what refused Enter.
    let mut app = app(80, 30);
    let effects = open_on(&mut app, TabId::Kubernetes);
    if let Some(id) = catalog_request(&app, &effects) {
        app.update(catalog_loaded(id, Ok(catalog(Ok(sizes())))));
    }
    enter(&mut app); // the chooser's first entry: a new AKS cluster
    for c in "aks-b".chars() {
        app.update(ch(c));
    }
    // A 4-vCPU size of the test catalogue, through the picker (filter, Enter picks).
    focus(&mut app, "size");
    enter(&mut app);
    for c in "DS3".chars() {
        app.update(ch(c));
    }
    enter(&mut app);
    assert_eq!(state(&app).values.raw("size"), "Standard_DS3_v2");
    focus(&mut app, "agent_count");
    app.update(press(KeyCode::Backspace));
    app.update(ch('2'));
    enter(&mut app);
    assert_eq!(state(&app).step, 0, "Enter is refused");
    let shown = screen(&app);
    let flat: String = shown
        .lines()
        .map(|l| l.trim_matches(|c: char| c == '│' || c == ' '))
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        flat.matches("or purpose Dev-test").count() >= 2,
        "the whole rule, under the field and in the refusal:\n{shown}"
    );
}
