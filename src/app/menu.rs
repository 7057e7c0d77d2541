//! The dialogs of actions: the action menu (`a`), the one confirmation dialog every
//! destructive action goes through (with the typed name for deleting a managed compute), the
//! resize and idle-shutdown forms with live validation, and the keys view (masked until
//! revealed); their state ([`Modal`]) and their key handling, and the direct action keys of the
//! key table. Which action a resource's state allows comes from its kind (`Kind::actions`);
//! read-only mode and operations in progress are laid over it here ([`App::actions_of`]).
//! Nothing is sent from here but through [`App::begin_action`]. Pure state: no I/O, no drawing.

use super::keys::{Action, Context, KeyCombo};
use super::text::{self, Tone};
use super::{App, Effect, TabId, kinds};
use crate::actions::{
    ActionId, ActionParams, ActionRequest, Availability, DEFAULT_SCALE_DOWN_SECS, ScaleRequest,
    minutes_text, validate_idle_minutes,
};
use crate::azure::computes::iso_duration_secs;
use crate::azure::models::{ComputeSecrets, Secret, is_secret_key};
use crossterm::event::{Event, KeyCode, KeyEvent};
use kinds::Item;
use serde_json::Value;
use tui_input::Input;
use tui_input::backend::crossterm::to_input_request;

/// The key-table action that runs an action directly.
pub fn key_of(action: ActionId) -> Action {
    match action {
        ActionId::Start => Action::ActStart,
        ActionId::Stop | ActionId::CancelJob => Action::ActStop,
        ActionId::Restart => Action::ActRestart,
        ActionId::IdleShutdown => Action::ActIdleShutdown,
        ActionId::Resize => Action::ActResize,
        ActionId::Delete | ActionId::Detach => Action::ActRemove,
        ActionId::Keys => Action::ActKeys,
        ActionId::ArchiveJob | ActionId::RestoreJob => Action::ActArchive,
        ActionId::Create | ActionId::Attach => Action::New,
    }
}

/// How the menu names an action (a delete and a detach say what they do to the resource).
pub fn menu_label(action: ActionId) -> &'static str {
    match action {
        ActionId::Start => "start",
        ActionId::Stop => "stop",
        ActionId::Restart => "restart",
        ActionId::IdleShutdown => "idle shutdown (set or clear)",
        ActionId::Resize => "resize (min/max nodes, scale-down)",
        ActionId::Delete => "delete — destroys the resource",
        ActionId::Detach => "detach — leaves the resource",
        ActionId::Keys => "keys (masked)",
        ActionId::CancelJob => "cancel",
        ActionId::ArchiveJob => "archive",
        ActionId::RestoreJob => "restore",
        ActionId::Create => "create",
        ActionId::Attach => "attach",
    }
}

/// For the help of a tab: `None` when `key` is not a direct action key, else the actions of
/// the tab's kind it runs (none: the help leaves the key out on that tab).
pub fn actions_of_key(kind: &dyn kinds::Kind, key: Action) -> Option<Vec<ActionId>> {
    // `n` acts on the tab (the create wizard), not on a resource of it.
    if key == Action::New {
        return None;
    }
    let is_action_key = ActionId::ALL.iter().any(|id| key_of(*id) == key);
    is_action_key.then(|| {
        kind.action_ids()
            .iter()
            .copied()
            .filter(|id| key_of(*id) == key)
            .collect()
    })
}

/// What a direct key does on a tab, for the help: "stop (asks first)".
pub fn key_help(actions: &[ActionId]) -> String {
    let labels: Vec<&str> = actions.iter().map(|id| menu_label(*id)).collect();
    let mut out = labels.join(" / ");
    if actions.iter().any(|id| id.destructive()) {
        out.push_str(" (asks first)");
    }
    out
}

/// The reason mutating actions are disabled under `--read-only`.
pub const READ_ONLY: &str = "read-only (--read-only)";

/// A dialog on top of the views; it takes every key while open.
#[derive(Debug, Clone)]
pub enum Modal {
    Menu(ActionMenu),
    Confirm(Confirm),
    Resize(Box<ResizeForm>),
    Idle(IdleForm),
    Keys(KeysView),
}

/// One line of the action menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuEntry {
    pub action: ActionId,
    pub availability: Availability,
}

/// The action menu of one resource.
#[derive(Debug, Clone)]
pub struct ActionMenu {
    pub tab: TabId,
    pub name: String,
    pub entries: Vec<MenuEntry>,
    pub selected: usize,
}

/// The confirmation of a destructive action: what will happen, and for deleting a managed
/// compute the name to type.
#[derive(Debug, Clone)]
pub struct Confirm {
    pub tab: TabId,
    pub request: ActionRequest,
    /// "Stop compute instance ci-dev?"
    pub question: String,
    /// What it does: "Running work on it stops; its disk is kept and still billed."
    pub consequence: String,
    /// The name typed so far, when the action needs it typed.
    pub typed: Option<Input>,
}

impl Confirm {
    /// Whether confirming is allowed now (the typed name matches, when one is asked).
    pub fn allowed(&self) -> bool {
        self.typed
            .as_ref()
            .is_none_or(|input| input.value() == self.request.target)
    }
}

/// A text field of a form, with its error under it.
#[derive(Debug, Clone)]
pub struct Field {
    pub label: &'static str,
    pub input: Input,
    pub error: Option<String>,
}

impl Field {
    fn new(label: &'static str, value: String) -> Field {
        Field {
            label,
            input: Input::new(value),
            error: None,
        }
    }
}

/// The resize form of a cluster: min nodes, max nodes, idle seconds before scale-down.
#[derive(Debug, Clone)]
pub struct ResizeForm {
    pub tab: TabId,
    pub target: String,
    pub fields: [Field; 3],
    pub focus: usize,
    /// The settings as they are now ("0–4 nodes, scale-down after 120 s").
    pub current: String,
}

impl ResizeForm {
    fn new(tab: TabId, item: Item<'_>) -> ResizeForm {
        let scale = match item {
            Item::Compute(c) => c
                .properties
                .properties
                .as_cluster()
                .and_then(|p| p.scale_settings.as_ref()),
            Item::Job(_) => None,
        };
        let min = scale.and_then(|s| s.min_node_count).unwrap_or(0);
        let max = scale.map(|s| s.max_node_count).unwrap_or(1);
        let idle = scale
            .and_then(|s| s.node_idle_time_before_scale_down.as_deref())
            .and_then(iso_duration_secs)
            .unwrap_or(DEFAULT_SCALE_DOWN_SECS);
        let mut form = ResizeForm {
            tab,
            target: item.name().to_owned(),
            fields: [
                Field::new("min nodes", min.to_string()),
                Field::new("max nodes", max.to_string()),
                Field::new("idle seconds before scale-down", idle.to_string()),
            ],
            focus: 0,
            current: match scale {
                Some(_) => format!("now {min}–{max} nodes, scale-down after {idle} s"),
                None => "no scale settings yet".into(),
            },
        };
        form.check();
        form
    }

    /// Validates every field (errors go under them); the request when all are valid.
    pub fn check(&mut self) -> Option<ScaleRequest> {
        for field in &mut self.fields {
            field.error = None;
        }
        let int = |field: &mut Field| -> Option<i64> {
            match field.input.value().trim().parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    field.error = Some("a whole number".into());
                    None
                }
            }
        };
        let min = int(&mut self.fields[0]);
        let max = int(&mut self.fields[1]);
        let idle = match self.fields[2].input.value().trim().parse::<u64>() {
            Ok(n) => Some(n),
            Err(_) => {
                self.fields[2].error = Some("a whole number of seconds (0 or more)".into());
                None
            }
        };
        let request = ScaleRequest {
            min_nodes: min?,
            max_nodes: max?,
            idle_secs: idle?,
        };
        match request.validate() {
            Ok(()) => Some(request),
            Err(error) => {
                let at = if request.min_nodes < 0 { 0 } else { 1 };
                self.fields[at].error = Some(error);
                None
            }
        }
    }
}

/// The idle-shutdown form of an instance: minutes (or `2h`, `1d`); empty clears it.
#[derive(Debug, Clone)]
pub struct IdleForm {
    pub tab: TabId,
    pub target: String,
    pub field: Field,
    /// The setting now ("60 min", or "off").
    pub current: String,
}

impl IdleForm {
    fn new(tab: TabId, item: Item<'_>) -> IdleForm {
        let minutes = match item {
            Item::Compute(c) => c
                .properties
                .properties
                .as_instance()
                .and_then(|p| p.idle_time_before_shutdown.as_deref())
                .and_then(iso_duration_secs)
                .map(|s| (s / 60) as u32),
            Item::Job(_) => None,
        };
        let mut form = IdleForm {
            tab,
            target: item.name().to_owned(),
            field: Field::new(
                "idle minutes before shutdown",
                minutes.map(|m| m.to_string()).unwrap_or_default(),
            ),
            current: minutes.map(minutes_text).unwrap_or_else(|| "off".into()),
        };
        form.check();
        form
    }

    /// Validates the field: `Some(None)` clears, `Some(Some(m))` sets, `None` is invalid.
    pub fn check(&mut self) -> Option<Option<u32>> {
        self.field.error = None;
        match parse_idle(self.field.input.value()) {
            Ok(None) => Some(None),
            Ok(Some(m)) => match validate_idle_minutes(m) {
                Ok(()) => Some(Some(m)),
                Err(e) => {
                    self.field.error = Some(e);
                    None
                }
            },
            Err(e) => {
                self.field.error = Some(e);
                None
            }
        }
    }
}

/// Reads an idle time: empty (or `off`, `clear`, `none`) clears; `90`, `90m`, `2h`, `1d`.
pub fn parse_idle(text: &str) -> Result<Option<u32>, String> {
    let t = text.trim().to_ascii_lowercase();
    if t.is_empty() || ["off", "clear", "none"].contains(&t.as_str()) {
        return Ok(None);
    }
    let (digits, unit) = match t.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => t.split_at(i),
        None => (t.as_str(), ""),
    };
    let factor = match unit.trim() {
        "" | "m" | "min" => 1,
        "h" => 60,
        "d" => 1440,
        _ => 0,
    };
    match digits.parse::<u32>() {
        Ok(n) if factor > 0 => Ok(Some(n.saturating_mul(factor))),
        _ => Err("minutes (e.g. 60), or 2h, 1d; empty clears the idle shutdown".into()),
    }
}

/// One value of a compute's keys.
#[derive(Debug, Clone)]
pub struct KeyEntry {
    /// Where it is in the answer (`administratorAccount.password`).
    pub label: String,
    pub value: Secret,
    /// Masked until revealed (usernames and names are not).
    pub secret: bool,
}

/// A compute's keys: masked until the user reveals them (`v`) or copies one (`c`).
#[derive(Debug, Clone)]
pub struct KeysView {
    pub target: String,
    pub entries: Vec<KeyEntry>,
    pub revealed: bool,
    pub selected: usize,
}

impl KeysView {
    pub fn new(target: &str, keys: &ComputeSecrets) -> KeysView {
        let mut entries = Vec::new();
        if let Ok(value) = serde_json::to_value(keys) {
            flatten_keys("", None, &value, &keys.redacted(), &mut entries);
        }
        KeysView {
            target: target.to_owned(),
            entries,
            revealed: false,
            selected: 0,
        }
    }
}

/// One entry per leaf of the keys' JSON (objects and arrays walked, `a.b[0].c`). A leaf is
/// secret when the headless `keys` would mask it: its value differs in `redacted` (the same
/// JSON through `redact_json`), or its name looks secret — one rule for both places.
fn flatten_keys(
    prefix: &str,
    parent: Option<&str>,
    value: &Value,
    redacted: &Value,
    out: &mut Vec<KeyEntry>,
) {
    let mut visit = |label: String, inner: &Value, masked: &Value, key: Option<&str>| {
        let text = match inner {
            Value::Null => return,
            Value::Object(_) | Value::Array(_) => {
                flatten_keys(&label, key.or(parent), inner, masked, out);
                return;
            }
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let by_name = key.is_some_and(|k| is_secret_key(k, parent));
        out.push(KeyEntry {
            secret: by_name || masked != inner,
            label,
            value: Secret::new(text),
        });
    };
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                if prefix.is_empty() && key == "computeType" {
                    continue;
                }
                let label = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                let masked = redacted.get(key).unwrap_or(&Value::Null);
                visit(label, inner, masked, Some(key));
            }
        }
        Value::Array(items) => {
            for (i, inner) in items.iter().enumerate() {
                let masked = redacted.get(i).unwrap_or(&Value::Null);
                visit(format!("{prefix}[{i}]"), inner, masked, None);
            }
        }
        _ => {}
    }
}

impl App {
    /// The actions of a resource as the user may take them now: its kind's table, with
    /// mutating actions disabled under `--read-only` and while an operation runs on it and
    /// the row is still on its way (once the row shows a settled state — Stopped after a stop
    /// — the next action is allowed even if the operation's last poll is still to come).
    pub fn actions_of(&self, tab: TabId, item: Item<'_>) -> Vec<(ActionId, Availability)> {
        let name = item.name();
        let kind = kinds::kind(tab);
        let busy = self
            .operations
            .active_on(name, &self.workspace_scope())
            .is_some_and(|op| op.overlay.is_some() || kind.in_progress(item));
        kind.actions(item)
            .into_iter()
            .map(|(id, availability)| {
                let availability = if id.mutating() && self.read_only {
                    Availability::Disabled(READ_ONLY.into())
                } else if id.mutating() && busy {
                    Availability::Disabled(format!(
                        "an operation is in progress on {}",
                        text::one_line(name)
                    ))
                } else {
                    availability
                };
                (id, availability)
            })
            .collect()
    }

    /// `a`: the action menu of the resource on screen.
    pub(super) fn open_action_menu(&mut self) {
        let Some((tab, name)) = self.current_resource() else {
            self.toast("no resource selected", Tone::Muted);
            return;
        };
        let Some(item) = self.find_item(tab, &name) else {
            self.toast(
                format!("{} is gone from the list", text::one_line(&name)),
                Tone::Muted,
            );
            return;
        };
        let entries: Vec<MenuEntry> = self
            .actions_of(tab, item)
            .into_iter()
            .map(|(action, availability)| MenuEntry {
                action,
                availability,
            })
            .collect();
        if entries.is_empty() {
            let noun = kinds::kind(tab).noun();
            self.toast(format!("no actions on {noun}"), Tone::Muted);
            return;
        }
        let selected = entries
            .iter()
            .position(|e| e.availability.is_enabled())
            .unwrap_or(0);
        self.modal = Some(Modal::Menu(ActionMenu {
            tab,
            name,
            entries,
            selected,
        }));
    }

    /// Keeps an open action menu true to the latest data (a refresh, an operation starting or
    /// ending changes what is allowed); called after every message.
    pub(super) fn sync_modal(&mut self) {
        let Some(Modal::Menu(menu)) = &self.modal else {
            return;
        };
        let Some(item) = self.find_item(menu.tab, &menu.name) else {
            return;
        };
        let entries: Vec<MenuEntry> = self
            .actions_of(menu.tab, item)
            .into_iter()
            .map(|(action, availability)| MenuEntry {
                action,
                availability,
            })
            .collect();
        if let Some(Modal::Menu(menu)) = &mut self.modal
            && menu.entries != entries
        {
            menu.selected = menu.selected.min(entries.len().saturating_sub(1));
            menu.entries = entries;
            self.dirty = true;
        }
    }

    /// A direct action key (`x`, `D`, ...) on the resource on screen.
    pub(super) fn action_key(&mut self, key: Action, effects: &mut Vec<Effect>) {
        let Some((tab, name)) = self.current_resource() else {
            self.toast("no resource selected", Tone::Muted);
            return;
        };
        let Some(item) = self.find_item(tab, &name) else {
            return;
        };
        let actions = self.actions_of(tab, item);
        let mut matching = actions.iter().filter(|(id, _)| key_of(*id) == key);
        let chosen = actions
            .iter()
            .filter(|(id, _)| key_of(*id) == key)
            .find(|(_, a)| a.is_enabled())
            .or_else(|| matching.next())
            .map(|(id, _)| *id);
        match chosen {
            Some(id) => self.request_action(tab, &name, id, effects),
            None => {
                let mut verbs: Vec<&str> = ActionId::ALL
                    .iter()
                    .filter(|id| key_of(**id) == key)
                    .map(|id| id.label())
                    .collect();
                verbs.dedup();
                let noun = kinds::kind(tab).noun();
                self.toast(
                    format!("{}: not an action on {noun}", verbs.join("/")),
                    Tone::Muted,
                );
            }
        }
    }

    /// Takes an action of the menu or its key: refused with the reason when the resource's
    /// state (or read-only mode, or an operation in progress) does not allow it; else its form,
    /// its confirmation, or sent at once.
    fn request_action(&mut self, tab: TabId, name: &str, id: ActionId, effects: &mut Vec<Effect>) {
        self.modal = None;
        let Some(item) = self.find_item(tab, name) else {
            self.toast(
                format!(
                    "{} is gone from the list; nothing sent",
                    text::one_line(name)
                ),
                Tone::Warning,
            );
            return;
        };
        let availability = self
            .actions_of(tab, item)
            .into_iter()
            .find(|(a, _)| *a == id)
            .map(|(_, a)| a)
            .unwrap_or_else(|| Availability::Disabled("not an action of this resource".into()));
        if let Availability::Disabled(reason) = availability {
            self.toast(
                format!(
                    "{} {}: {reason}; nothing sent",
                    id.label(),
                    text::one_line(name)
                ),
                Tone::Warning,
            );
            return;
        }
        match id {
            ActionId::Resize => {
                self.modal = Some(Modal::Resize(Box::new(ResizeForm::new(tab, item))))
            }
            ActionId::IdleShutdown => self.modal = Some(Modal::Idle(IdleForm::new(tab, item))),
            _ if id.destructive() => {
                let (compute_type, attached) = match item {
                    Item::Compute(c) => (
                        c.properties.compute_type.as_str().to_owned(),
                        c.properties.is_attached_compute == Some(true),
                    ),
                    Item::Job(_) => (String::new(), false),
                };
                let said = crate::actions::confirmation(
                    id,
                    &compute_type,
                    &text::one_line(name),
                    attached,
                );
                self.modal = Some(Modal::Confirm(Confirm {
                    tab,
                    request: ActionRequest::new(id, name),
                    question: said.question,
                    consequence: said.consequence,
                    typed: said.type_name.then(Input::default),
                }));
            }
            _ => {
                if id == ActionId::Keys {
                    self.toast(
                        format!(
                            "reading the keys of {}{}",
                            text::one_line(name),
                            self.ellipsis()
                        ),
                        Tone::Progress,
                    );
                }
                effects.extend(self.begin_action(ActionRequest::new(id, name)));
            }
        }
    }

    /// Sends a confirmed or filled-in action, if the resource still allows it.
    fn send_checked(&mut self, tab: TabId, request: ActionRequest, effects: &mut Vec<Effect>) {
        self.modal = None;
        let name = request.target.clone();
        let availability = self.find_item(tab, &name).map(|item| {
            self.actions_of(tab, item)
                .into_iter()
                .find(|(a, _)| *a == request.action)
                .map(|(_, a)| a)
        });
        match availability {
            Some(Some(Availability::Enabled)) => effects.extend(self.begin_action(request)),
            Some(Some(Availability::Disabled(reason))) => self.toast(
                format!("{}: {reason}; nothing sent", request.describe()),
                Tone::Warning,
            ),
            _ => self.toast(
                format!(
                    "{} is gone from the list; nothing sent",
                    text::one_line(&name)
                ),
                Tone::Warning,
            ),
        }
    }

    /// A key while a dialog is open.
    pub(super) fn on_modal_key(&mut self, key: KeyEvent, effects: &mut Vec<Effect>) {
        if KeyCombo::from_event(&key) == KeyCombo::ctrl('c') {
            self.quit = true;
            return;
        }
        let Some(modal) = self.modal.take() else {
            return;
        };
        // A handler returns its dialog to keep it open; one that closes it may open another.
        let kept = match modal {
            Modal::Menu(menu) => self.menu_key(menu, key, effects),
            Modal::Confirm(confirm) => self.confirm_key(confirm, key, effects),
            Modal::Resize(form) => self.resize_key(form, key, effects),
            Modal::Idle(form) => self.idle_key(form, key, effects),
            Modal::Keys(view) => self.keys_key(view, key, effects),
        };
        if kept.is_some() {
            self.modal = kept;
        }
    }

    fn menu_key(
        &mut self,
        mut menu: ActionMenu,
        key: KeyEvent,
        effects: &mut Vec<Effect>,
    ) -> Option<Modal> {
        let last = menu.entries.len().saturating_sub(1);
        if key.code == KeyCode::Enter {
            let id = menu.entries.get(menu.selected).map(|e| e.action);
            return match id {
                Some(id) => self.menu_choose(menu, id, effects),
                None => Some(Modal::Menu(menu)),
            };
        }
        match self.keymap.action(Context::List, &key) {
            Some(Action::Back) => None,
            Some(Action::Quit) => {
                self.quit = true;
                None
            }
            Some(Action::Up) => {
                menu.selected = menu.selected.saturating_sub(1);
                Some(Modal::Menu(menu))
            }
            Some(Action::Down) => {
                menu.selected = (menu.selected + 1).min(last);
                Some(Modal::Menu(menu))
            }
            Some(Action::Top) => {
                menu.selected = 0;
                Some(Modal::Menu(menu))
            }
            Some(Action::Bottom) => {
                menu.selected = last;
                Some(Modal::Menu(menu))
            }
            Some(action) => {
                let mut of_key = menu.entries.iter().filter(|e| key_of(e.action) == action);
                let enabled = menu
                    .entries
                    .iter()
                    .filter(|e| key_of(e.action) == action)
                    .find(|e| e.availability.is_enabled());
                match enabled.or_else(|| of_key.next()).map(|e| e.action) {
                    Some(id) => self.menu_choose(menu, id, effects),
                    None => Some(Modal::Menu(menu)),
                }
            }
            None => Some(Modal::Menu(menu)),
        }
    }

    /// Runs a menu entry; a disabled one says why and leaves the menu open.
    fn menu_choose(
        &mut self,
        menu: ActionMenu,
        id: ActionId,
        effects: &mut Vec<Effect>,
    ) -> Option<Modal> {
        let reason =
            menu.entries
                .iter()
                .find(|e| e.action == id)
                .and_then(|e| match &e.availability {
                    Availability::Disabled(reason) => Some(reason.clone()),
                    Availability::Enabled => None,
                });
        match reason {
            Some(reason) => {
                self.toast(
                    format!("{} {}: {reason}", id.label(), text::one_line(&menu.name)),
                    Tone::Warning,
                );
                Some(Modal::Menu(menu))
            }
            None => {
                self.request_action(menu.tab, &menu.name, id, effects);
                None
            }
        }
    }

    fn confirm_key(
        &mut self,
        mut confirm: Confirm,
        key: KeyEvent,
        effects: &mut Vec<Effect>,
    ) -> Option<Modal> {
        let typing = confirm.typed.is_some();
        match key.code {
            KeyCode::Esc => {
                self.toast(
                    format!("{}: cancelled, nothing sent", confirm.request.describe()),
                    Tone::Muted,
                );
                None
            }
            KeyCode::Char('n' | 'N') if !typing => {
                self.toast(
                    format!("{}: cancelled, nothing sent", confirm.request.describe()),
                    Tone::Muted,
                );
                None
            }
            KeyCode::Enter | KeyCode::Char('y' | 'Y') if key.code == KeyCode::Enter || !typing => {
                if confirm.allowed() {
                    self.send_checked(confirm.tab, confirm.request, effects);
                    None
                } else {
                    Some(Modal::Confirm(confirm))
                }
            }
            _ => {
                if let Some(input) = confirm.typed.as_mut()
                    && let Some(request) = to_input_request(&Event::Key(key))
                {
                    input.handle(request);
                }
                Some(Modal::Confirm(confirm))
            }
        }
    }

    fn resize_key(
        &mut self,
        mut form: Box<ResizeForm>,
        key: KeyEvent,
        effects: &mut Vec<Effect>,
    ) -> Option<Modal> {
        let n = form.fields.len();
        match key.code {
            KeyCode::Esc => return None,
            KeyCode::Tab | KeyCode::Down => form.focus = (form.focus + 1) % n,
            KeyCode::BackTab | KeyCode::Up => form.focus = (form.focus + n - 1) % n,
            KeyCode::Enter => {
                if let Some(scale) = form.check() {
                    let request = ActionRequest::new(ActionId::Resize, form.target.clone())
                        .with(ActionParams::Resize(scale));
                    self.send_checked(form.tab, request, effects);
                    return None;
                }
            }
            _ => {
                if let Some(request) = to_input_request(&Event::Key(key)) {
                    form.fields[form.focus].input.handle(request);
                    form.check();
                }
            }
        }
        Some(Modal::Resize(form))
    }

    fn idle_key(
        &mut self,
        mut form: IdleForm,
        key: KeyEvent,
        effects: &mut Vec<Effect>,
    ) -> Option<Modal> {
        match key.code {
            KeyCode::Esc => return None,
            KeyCode::Enter => {
                if let Some(minutes) = form.check() {
                    let request = ActionRequest::new(ActionId::IdleShutdown, form.target.clone())
                        .with(ActionParams::IdleShutdown(minutes));
                    self.send_checked(form.tab, request, effects);
                    return None;
                }
            }
            _ => {
                if let Some(request) = to_input_request(&Event::Key(key)) {
                    form.field.input.handle(request);
                    form.check();
                }
            }
        }
        Some(Modal::Idle(form))
    }

    fn keys_key(
        &mut self,
        mut view: KeysView,
        key: KeyEvent,
        effects: &mut Vec<Effect>,
    ) -> Option<Modal> {
        let last = view.entries.len().saturating_sub(1);
        match key.code {
            KeyCode::Esc => return None,
            KeyCode::Char('q') => {
                self.quit = true;
                return None;
            }
            KeyCode::Char('v') => view.revealed = !view.revealed,
            KeyCode::Char('k') | KeyCode::Up => view.selected = view.selected.saturating_sub(1),
            KeyCode::Char('j') | KeyCode::Down => view.selected = (view.selected + 1).min(last),
            KeyCode::Char('c') => {
                if let Some(entry) = view.entries.get(view.selected) {
                    effects.push(Effect::Copy {
                        label: format!("{} of {}", entry.label, text::one_line(&view.target)),
                        text: entry.value.expose().to_owned(),
                    });
                }
            }
            _ => {}
        }
        Some(Modal::Keys(view))
    }

    /// The keys of a `Keys` action arrived (called by `on_op` with every event): shown in the
    /// keys view, masked.
    pub(super) fn keys_arrived(
        &mut self,
        op: super::operations::OpId,
        event: &super::operations::OpEvent,
    ) {
        let super::operations::OpEvent::Ended(result) = event else {
            return;
        };
        let Ok(result) = result.as_ref() else {
            return;
        };
        let (Some(keys), Some(entry)) = (&result.keys, self.operations.get(op)) else {
            return;
        };
        let target = entry.request.target.clone();
        if self.modal.is_none() || matches!(self.modal, Some(Modal::Keys(_))) {
            self.modal = Some(Modal::Keys(KeysView::new(&target, keys)));
            self.toast(
                format!(
                    "keys of {}: masked; v reveals, c copies",
                    text::one_line(&target)
                ),
                Tone::Muted,
            );
            self.mark_dirty();
        } else {
            self.toast(
                format!(
                    "keys of {} arrived: close this dialog and press K again",
                    text::one_line(&target)
                ),
                Tone::Muted,
            );
        }
    }

    /// `:archived`: show (on the Jobs tab) or hide archived jobs.
    pub(super) fn toggle_archived(&mut self) {
        self.show_archived = !self.show_archived;
        let jobs = std::mem::take(&mut self.jobs);
        self.set_jobs(jobs);
        if self.show_archived && self.active != TabId::Jobs {
            self.switch_tab(TabId::Jobs);
        }
        let shown = if self.show_archived {
            "archived jobs shown (A restores one; :archived hides them)"
        } else {
            "archived jobs hidden (:archived shows them)"
        };
        self.toast(shown, Tone::Muted);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_times_read_minutes_hours_days_or_clear() {
        assert_eq!(parse_idle(""), Ok(None));
        assert_eq!(parse_idle(" off "), Ok(None));
        assert_eq!(parse_idle("90"), Ok(Some(90)));
        assert_eq!(parse_idle("2h"), Ok(Some(120)));
        assert_eq!(parse_idle("1d"), Ok(Some(1440)));
        assert!(parse_idle("soon").is_err());
        assert!(parse_idle("5x").is_err());
    }

    #[test]
    fn every_action_has_a_key() {
        for id in ActionId::ALL {
            let action = key_of(id);
            assert!(
                super::super::keys::KeyMap::default()
                    .binding(action)
                    .is_some_and(|b| !b.keys.is_empty()),
                "{id:?}"
            );
        }
    }

    #[test]
    fn keys_are_masked_in_debug() {
        let keys: ComputeSecrets = serde_json::from_value(serde_json::json!({
            "computeType": "Databricks",
            "databricksAccessToken": "dapi-very-secret"
        }))
        .unwrap();
        let view = KeysView::new("dbx", &keys);
        assert_eq!(view.entries.len(), 1);
        assert!(view.entries[0].secret);
        assert!(!format!("{view:?}").contains("very-secret"));
    }
}
