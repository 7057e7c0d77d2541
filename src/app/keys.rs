//! The one table of keys: every action with its default keys, a description and the contexts
//! (views) where it applies, the direct keys of actions (`a` menu, `u` start, `x` stop/cancel,
//! `R` restart, `z` resize, `I` idle shutdown, `D` delete/detach, `K` keys, `A` archive/restore)
//! included, `Q` the quota view and `i` a tab's info panel, and those of the log view (`l` opens it; `f` `p` `/` `n` `N` `w` `t` `s` in it).
//! Dispatch, the hint bar and the `?` help are all generated from this
//! table, so they cannot drift apart. User overrides from the config file's `[keys]` table
//! (`action = "key key"`) replace an action's defaults; unknown actions, unreadable keys and
//! conflicts are reported as notices, never silently ignored. No I/O here.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::BTreeMap;
use std::fmt;

/// Where the user is; an action applies in some contexts only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    /// A table of computes or jobs.
    List,
    /// The detail of one compute or job.
    Detail,
    /// The raw JSON of one resource.
    Json,
    /// The `?` help.
    Help,
    /// The `:errors` history.
    Errors,
    /// The copy menu (`c`).
    Copy,
    /// The operations view (`o`).
    Operations,
    /// A dialog of `app::menu` (action menu, confirmation, form, keys): it reads its own keys
    /// (typing goes into its fields), and the table's action keys in the action menu.
    Dialog,
    /// The log view of a job (`l`).
    Logs,
}

impl Context {
    const fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// A set of contexts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Contexts(u16);

impl Contexts {
    pub const LIST: Contexts = Contexts(Context::List.bit());
    pub const DETAIL: Contexts = Contexts(Context::Detail.bit());
    pub const COPY: Contexts = Contexts(Context::Copy.bit());
    pub const OPERATIONS: Contexts = Contexts(Context::Operations.bit());
    pub const LOGS: Contexts = Contexts(Context::Logs.bit());
    /// The scrollable text views (and the operations view, which scrolls alike).
    pub const TEXT: Contexts = Contexts(
        Context::Detail.bit()
            | Context::Json.bit()
            | Context::Help.bit()
            | Context::Errors.bit()
            | Context::Operations.bit(),
    );
    /// Every view (not the copy menu).
    pub const VIEWS: Contexts = Contexts(Context::List.bit() | Self::TEXT.0 | Context::Logs.bit());
    /// Everywhere, menus included.
    pub const ALL: Contexts = Contexts(Self::VIEWS.0 | Context::Copy.bit());

    pub const fn union(self, other: Contexts) -> Contexts {
        Contexts(self.0 | other.0)
    }

    pub fn contains(self, context: Context) -> bool {
        self.0 & context.bit() != 0
    }

    pub fn overlaps(self, other: Contexts) -> bool {
        self.0 & other.0 != 0
    }

    /// How the help groups an action.
    fn group(self) -> &'static str {
        if self == Contexts::ALL || self == Contexts::VIEWS {
            "Everywhere"
        } else if self == Contexts::COPY {
            "Copy menu"
        } else if self == Contexts::OPERATIONS {
            "Operations view"
        } else if self == Contexts::LOGS {
            "Log view"
        } else if self == Contexts::LIST {
            "Lists"
        } else if self == Contexts::TEXT {
            "Detail, JSON, help and errors views"
        } else {
            "Lists and detail"
        }
    }
}

/// Everything a key can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Back,
    Quit,
    Help,
    Command,
    TabInstances,
    TabClusters,
    TabKubernetes,
    TabAttached,
    TabJobs,
    NextTab,
    PrevTab,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Open,
    Json,
    Copy,
    Refresh,
    Filter,
    Sort,
    SortReverse,
    CopyName,
    CopyId,
    CopySsh,
    CopyLink,
    /// Open the operations view.
    Operations,
    /// Open the quota view (the region's vCPU quota per VM family).
    Quota,
    /// Open the info panel of the tab (what its kind of target is for).
    Info,
    /// Forget the selected finished operation (operations view).
    Dismiss,
    /// The action menu of the resource on screen.
    ActionMenu,
    /// Start an instance.
    ActStart,
    /// Stop an instance, cancel a job.
    ActStop,
    ActRestart,
    ActResize,
    ActIdleShutdown,
    /// Delete a managed compute or detach an attached one.
    ActRemove,
    ActKeys,
    /// Archive a job, or restore an archived one.
    ActArchive,
    /// Create or attach a compute of the tab's kind (the wizard).
    New,
    /// Operations view: reopen the form of a failed create or attach, values kept.
    Reopen,
    /// Open the log view of a job.
    Logs,
    /// Log view: follow again (jump to the bottom).
    LogFollow,
    /// Log view: pick a file or all ranks.
    LogPicker,
    /// Log view: search.
    LogSearch,
    LogNext,
    LogPrev,
    LogWrap,
    LogTimes,
    LogSave,
}

/// One row of the key table.
#[derive(Debug, Clone)]
pub struct Binding {
    pub action: Action,
    /// The name used in the config file's `[keys]` table.
    pub name: &'static str,
    pub keys: Vec<KeyCombo>,
    pub description: &'static str,
    /// A short label for the hint bar, when the action is worth a hint there.
    pub hint: Option<&'static str>,
    pub contexts: Contexts,
}

/// A key with its modifiers (Shift is folded into the character for printable keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyCombo {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

impl KeyCombo {
    pub fn new(code: KeyCode, modifiers: KeyModifiers) -> Self {
        let mut modifiers = modifiers;
        if matches!(code, KeyCode::Char(_) | KeyCode::BackTab) {
            modifiers.remove(KeyModifiers::SHIFT);
        }
        // Only the modifiers a binding can name.
        modifiers &= KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT;
        KeyCombo { code, modifiers }
    }

    pub fn plain(code: KeyCode) -> Self {
        KeyCombo::new(code, KeyModifiers::NONE)
    }

    pub fn ch(c: char) -> Self {
        KeyCombo::plain(KeyCode::Char(c))
    }

    pub fn ctrl(c: char) -> Self {
        KeyCombo::new(KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    pub fn from_event(event: &KeyEvent) -> Self {
        KeyCombo::new(event.code, event.modifiers)
    }

    /// Reads `q`, `Q`, `ctrl-c`, `alt-x`, `esc`, `enter`, `tab`, `shift-tab`, `up`, `pgdn`,
    /// `f5`, `space`, `comma`, … (case-insensitive names; a single character is taken as is).
    pub fn parse(text: &str) -> Result<KeyCombo, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("an empty key".into());
        }
        if text.chars().count() == 1 {
            let c = text.chars().next().unwrap_or(' ');
            return Ok(KeyCombo::ch(c));
        }
        let mut modifiers = KeyModifiers::NONE;
        let mut rest = text;
        loop {
            let lower = rest.to_ascii_lowercase();
            let (prefix_len, modifier) = if lower.starts_with("ctrl-") || lower.starts_with("ctrl+")
            {
                (5, KeyModifiers::CONTROL)
            } else if lower.starts_with("c-") && rest.len() > 2 {
                (2, KeyModifiers::CONTROL)
            } else if lower.starts_with("alt-") || lower.starts_with("alt+") {
                (4, KeyModifiers::ALT)
            } else if lower.starts_with("shift-") || lower.starts_with("shift+") {
                (6, KeyModifiers::SHIFT)
            } else {
                break;
            };
            modifiers |= modifier;
            rest = &rest[prefix_len..];
        }
        if rest.chars().count() == 1 {
            let c = rest.chars().next().unwrap_or(' ');
            let c = if modifiers.contains(KeyModifiers::SHIFT) {
                c.to_ascii_uppercase()
            } else if modifiers.contains(KeyModifiers::CONTROL) {
                c.to_ascii_lowercase()
            } else {
                c
            };
            return Ok(KeyCombo::new(KeyCode::Char(c), modifiers));
        }
        let lower = rest.to_ascii_lowercase();
        let code = match lower.as_str() {
            "esc" | "escape" => KeyCode::Esc,
            "enter" | "return" | "cr" => KeyCode::Enter,
            "tab" if modifiers.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pgup" | "pageup" => KeyCode::PageUp,
            "pgdn" | "pgdown" | "pagedown" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "space" => KeyCode::Char(' '),
            "comma" => KeyCode::Char(','),
            "backspace" | "bs" => KeyCode::Backspace,
            "delete" | "del" => KeyCode::Delete,
            "insert" | "ins" => KeyCode::Insert,
            f if f.starts_with('f') && f.len() <= 3 => match f[1..].parse::<u8>() {
                Ok(n) if (1..=24).contains(&n) => KeyCode::F(n),
                _ => return Err(format!("unknown key {text:?}")),
            },
            _ => return Err(format!("unknown key {text:?}")),
        };
        Ok(KeyCombo::new(code, modifiers))
    }

    /// How the key is shown in hints and help (`q`, `Esc`, `Ctrl-c`, `S-Tab`, `↑`).
    pub fn label(&self, ascii: bool) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Space".to_owned(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "S-Tab".into(),
            KeyCode::Up => if ascii { "Up" } else { "↑" }.into(),
            KeyCode::Down => if ascii { "Down" } else { "↓" }.into(),
            KeyCode::Left => if ascii { "Left" } else { "←" }.into(),
            KeyCode::Right => if ascii { "Right" } else { "→" }.into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::Backspace => "Backspace".into(),
            KeyCode::Delete => "Del".into(),
            KeyCode::Insert => "Ins".into(),
            KeyCode::F(n) => format!("F{n}"),
            other => format!("{other:?}"),
        };
        let mut out = String::new();
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            out.push_str("Ctrl-");
        }
        if self.modifiers.contains(KeyModifiers::ALT) {
            out.push_str("Alt-");
        }
        if self.modifiers.contains(KeyModifiers::SHIFT) {
            out.push_str("Shift-");
        }
        out.push_str(&base);
        out
    }
}

impl fmt::Display for KeyCombo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label(true))
    }
}

fn binding(
    action: Action,
    name: &'static str,
    keys: &[KeyCombo],
    description: &'static str,
    hint: Option<&'static str>,
    contexts: Contexts,
) -> Binding {
    Binding {
        action,
        name,
        keys: keys.to_vec(),
        description,
        hint,
        contexts,
    }
}

/// The default key table, in the order the help lists it.
pub fn default_bindings() -> Vec<Binding> {
    use Action::*;
    use KeyCode as K;
    let k = KeyCombo::plain;
    let c = KeyCombo::ch;
    vec![
        binding(
            Back,
            "back",
            &[k(K::Esc)],
            "go back: close the menu or view, or clear the filter (never quits)",
            Some("back"),
            Contexts::ALL,
        ),
        binding(
            Quit,
            "quit",
            &[c('q'), KeyCombo::ctrl('c')],
            "quit amlc (also :q)",
            Some("quit"),
            Contexts::ALL,
        ),
        binding(
            Help,
            "help",
            &[c('?')],
            "show or hide this help",
            Some("help"),
            Contexts::VIEWS,
        ),
        binding(
            Command,
            "command",
            &[c(':')],
            "command line (:ws :rg :sub :profile :errors :quota :q)",
            Some("cmd"),
            Contexts::VIEWS,
        ),
        binding(
            TabInstances,
            "tab_instances",
            &[c('1')],
            "Instances tab",
            None,
            Contexts::VIEWS,
        ),
        binding(
            TabClusters,
            "tab_clusters",
            &[c('2')],
            "Clusters tab",
            None,
            Contexts::VIEWS,
        ),
        binding(
            TabKubernetes,
            "tab_kubernetes",
            &[c('3')],
            "Kubernetes tab",
            None,
            Contexts::VIEWS,
        ),
        binding(
            TabAttached,
            "tab_attached",
            &[c('4')],
            "Attached tab",
            None,
            Contexts::VIEWS,
        ),
        binding(
            TabJobs,
            "tab_jobs",
            &[c('5')],
            "Jobs tab",
            None,
            Contexts::VIEWS,
        ),
        binding(
            NextTab,
            "next_tab",
            &[k(K::Tab)],
            "next tab",
            None,
            Contexts::VIEWS,
        ),
        binding(
            PrevTab,
            "prev_tab",
            &[k(K::BackTab)],
            "previous tab",
            None,
            Contexts::VIEWS,
        ),
        binding(
            Up,
            "up",
            &[c('k'), k(K::Up)],
            "up one row / line",
            None,
            Contexts::VIEWS,
        ),
        binding(
            Down,
            "down",
            &[c('j'), k(K::Down)],
            "down one row / line",
            None,
            Contexts::VIEWS,
        ),
        binding(
            PageUp,
            "page_up",
            &[k(K::PageUp)],
            "up one page",
            None,
            Contexts::VIEWS,
        ),
        binding(
            PageDown,
            "page_down",
            &[k(K::PageDown)],
            "down one page",
            None,
            Contexts::VIEWS,
        ),
        binding(
            Top,
            "top",
            &[c('g'), k(K::Home)],
            "first row / top",
            None,
            Contexts::VIEWS,
        ),
        binding(
            Bottom,
            "bottom",
            &[c('G'), k(K::End)],
            "last row / bottom",
            None,
            Contexts::VIEWS,
        ),
        binding(
            Open,
            "open",
            &[k(K::Enter)],
            "open the detail of the selected row",
            Some("detail"),
            Contexts::LIST,
        ),
        binding(
            Json,
            "json",
            &[c('y')],
            "raw JSON of the resource (secrets masked)",
            Some("json"),
            Contexts::LIST.union(Contexts::DETAIL),
        ),
        binding(
            Copy,
            "copy",
            &[c('c')],
            "copy menu: name, resource id, and an SSH command or Studio link where there is one",
            Some("copy"),
            Contexts::LIST.union(Contexts::DETAIL),
        ),
        binding(
            Refresh,
            "refresh",
            &[c('r')],
            "refresh now",
            Some("refresh"),
            Contexts::LIST.union(Contexts::DETAIL),
        ),
        binding(
            Filter,
            "filter",
            &[c('/')],
            "filter rows (fuzzy; 'word = exact, !word = not)",
            Some("filter"),
            Contexts::LIST,
        ),
        binding(
            Sort,
            "sort",
            &[c('s')],
            "sort by the next column",
            Some("sort"),
            Contexts::LIST,
        ),
        binding(
            SortReverse,
            "sort_reverse",
            &[c('S')],
            "reverse the sort order",
            None,
            Contexts::LIST,
        ),
        binding(
            ActionMenu,
            "actions",
            &[c('a')],
            "action menu: every action of the resource, its key, and why one is disabled",
            Some("actions"),
            Contexts::LIST.union(Contexts::DETAIL),
        ),
        binding(
            ActStart,
            "start",
            &[c('u')],
            "start the instance",
            None,
            Contexts::LIST.union(Contexts::DETAIL),
        ),
        binding(
            ActStop,
            "stop",
            &[c('x')],
            "stop the instance / cancel the job (asks first)",
            None,
            Contexts::LIST.union(Contexts::DETAIL),
        ),
        binding(
            ActRestart,
            "restart",
            &[c('R')],
            "restart the instance (asks first)",
            None,
            Contexts::LIST.union(Contexts::DETAIL),
        ),
        binding(
            ActResize,
            "resize",
            &[c('z')],
            "resize the cluster: min and max nodes, idle time before scale-down",
            None,
            Contexts::LIST.union(Contexts::DETAIL),
        ),
        binding(
            ActIdleShutdown,
            "idle_shutdown",
            &[c('I')],
            "set or clear the instance's idle shutdown",
            None,
            Contexts::LIST.union(Contexts::DETAIL),
        ),
        binding(
            ActRemove,
            "delete",
            &[c('D')],
            "delete the compute (destroys it) or detach it (leaves the resource); asks first",
            None,
            Contexts::LIST.union(Contexts::DETAIL),
        ),
        binding(
            ActKeys,
            "show_keys",
            &[c('K')],
            "the compute's keys, masked until revealed (AKS, VM, HDInsight, Databricks)",
            None,
            Contexts::LIST.union(Contexts::DETAIL),
        ),
        binding(
            ActArchive,
            "archive",
            &[c('A')],
            "archive the job, or restore an archived one (:archived shows them)",
            None,
            Contexts::LIST.union(Contexts::DETAIL),
        ),
        binding(
            New,
            "new",
            &[c('n')],
            "create or attach a compute of this tab's kind; on Jobs, submit a run",
            Some("new"),
            Contexts::LIST,
        ),
        binding(
            CopyName,
            "copy_name",
            &[c('n')],
            "copy the name",
            Some("name"),
            Contexts::COPY,
        ),
        binding(
            CopyId,
            "copy_id",
            &[c('i')],
            "copy the resource id",
            Some("resource id"),
            Contexts::COPY,
        ),
        binding(
            CopySsh,
            "copy_ssh",
            &[c('s')],
            "copy the SSH command (instances and attached VMs with SSH)",
            Some("ssh command"),
            Contexts::COPY,
        ),
        binding(
            CopyLink,
            "copy_link",
            &[c('l')],
            "copy the Studio link (jobs)",
            Some("studio link"),
            Contexts::COPY,
        ),
        binding(
            Operations,
            "operations",
            &[c('o')],
            "operations: active and recent, with their errors in full",
            None,
            Contexts::LIST.union(Contexts::DETAIL),
        ),
        binding(
            Quota,
            "quota",
            &[c('Q')],
            "quota view: vCPUs used of the limit per VM family, and the computes using each (also :quota)",
            None,
            Contexts::LIST.union(Contexts::DETAIL),
        ),
        binding(
            Info,
            "info",
            &[c('i')],
            "info panel: what this tab's kind of target is for, what it supports, sizing advice",
            None,
            Contexts::LIST,
        ),
        binding(
            Dismiss,
            "dismiss",
            &[c('d'), k(K::Delete)],
            "dismiss the selected finished operation (a failed one stays until then)",
            Some("dismiss"),
            Contexts::OPERATIONS,
        ),
        binding(
            Reopen,
            "reopen_form",
            &[c('n')],
            "reopen the form of a failed create or attach, with the values entered",
            None,
            Contexts::OPERATIONS,
        ),
        binding(
            Logs,
            "logs",
            &[c('l')],
            "log view of the job: every node and rank, followed live (Jobs tab)",
            None,
            Contexts::LIST.union(Contexts::DETAIL),
        ),
        binding(
            LogFollow,
            "log_follow",
            &[c('f')],
            "follow: jump to the newest line and keep up (also End and G)",
            Some("follow"),
            Contexts::LOGS,
        ),
        binding(
            LogPicker,
            "log_pick",
            &[c('p')],
            "pick the log file to show, or all ranks merged",
            Some("file"),
            Contexts::LOGS,
        ),
        binding(
            LogSearch,
            "log_search",
            &[c('/')],
            "search the whole buffer (smart case)",
            Some("search"),
            Contexts::LOGS,
        ),
        binding(
            LogNext,
            "log_next",
            &[c('n')],
            "next match",
            None,
            Contexts::LOGS,
        ),
        binding(
            LogPrev,
            "log_prev",
            &[c('N')],
            "previous match",
            None,
            Contexts::LOGS,
        ),
        binding(
            LogWrap,
            "log_wrap",
            &[c('w')],
            "wrap long lines on/off",
            Some("wrap"),
            Contexts::LOGS,
        ),
        binding(
            LogTimes,
            "log_times",
            &[c('t')],
            "timestamps: the log's own, else the time each line was received",
            Some("times"),
            Contexts::LOGS,
        ),
        binding(
            LogSave,
            "log_save",
            &[c('s')],
            "save the file or the merged view (re-read whole from the service)",
            Some("save"),
            Contexts::LOGS,
        ),
    ]
}

/// A help row: the keys, what they do, and the action's name in the config file's `[keys]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpRow {
    pub action: Action,
    pub keys: String,
    /// The table's description (a view may say it more precisely, e.g. per tab).
    pub description: String,
    pub name: &'static str,
}

/// The key table in use (defaults plus the user's overrides).
#[derive(Debug, Clone)]
pub struct KeyMap {
    bindings: Vec<Binding>,
}

impl Default for KeyMap {
    fn default() -> Self {
        KeyMap {
            bindings: default_bindings(),
        }
    }
}

impl KeyMap {
    /// The defaults with `[keys]` overrides applied: `action = "key [key …]"` (keys separated
    /// by spaces or commas) replaces the action's keys. Returns the notices to show at start:
    /// unknown actions, unreadable keys, and conflicts (the overriding action keeps the key and
    /// the other action loses it; two overrides on one key keep the first in table order).
    pub fn with_overrides(overrides: &BTreeMap<String, String>) -> (KeyMap, Vec<String>) {
        let mut bindings = default_bindings();
        let mut notices = Vec::new();
        let mut overridden: Vec<Action> = Vec::new();
        for (name, spec) in overrides {
            let normalized = name.trim().to_ascii_lowercase().replace('-', "_");
            let Some(binding) = bindings.iter_mut().find(|b| b.name == normalized) else {
                let known: Vec<&str> = default_bindings().iter().map(|b| b.name).collect();
                notices.push(format!(
                    "[keys] unknown action {name:?}; known actions: {}",
                    known.join(", ")
                ));
                continue;
            };
            let mut keys = Vec::new();
            let mut bad = false;
            for part in spec
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|p| !p.is_empty())
            {
                match KeyCombo::parse(part) {
                    Ok(combo) if !keys.contains(&combo) => keys.push(combo),
                    Ok(_) => {}
                    Err(e) => {
                        notices.push(format!(
                            "[keys] {name} = {spec:?}: {e}; keeping the default keys"
                        ));
                        bad = true;
                    }
                }
            }
            if bad {
                continue;
            }
            if keys.is_empty() {
                notices.push(format!("[keys] {name} is empty: the action has no key now"));
            }
            binding.keys = keys;
            overridden.push(binding.action);
        }
        // Resolve conflicts: an overriding action takes the key from a default one.
        let mut i = 0;
        while i < bindings.len() {
            let mut j = i + 1;
            while j < bindings.len() {
                if bindings[i].contexts.overlaps(bindings[j].contexts) {
                    let shared: Vec<KeyCombo> = bindings[i]
                        .keys
                        .iter()
                        .filter(|k| bindings[j].keys.contains(k))
                        .copied()
                        .collect();
                    for key in shared {
                        let i_over = overridden.contains(&bindings[i].action);
                        let j_over = overridden.contains(&bindings[j].action);
                        let (winner, loser) = if j_over && !i_over { (j, i) } else { (i, j) };
                        bindings[loser].keys.retain(|k| *k != key);
                        let loser_name = bindings[loser].name;
                        let winner_name = bindings[winner].name;
                        let mut notice = format!(
                            "[keys] conflict: {key} is bound to both {winner_name} and {loser_name}; it now runs {winner_name}"
                        );
                        if bindings[loser].keys.is_empty() {
                            notice.push_str(&format!(" and {loser_name} has no key left"));
                        }
                        notices.push(notice);
                    }
                }
                j += 1;
            }
            i += 1;
        }
        (KeyMap { bindings }, notices)
    }

    pub fn bindings(&self) -> &[Binding] {
        &self.bindings
    }

    /// The action of `key` in `context`, if any.
    pub fn action(&self, context: Context, key: &KeyEvent) -> Option<Action> {
        let combo = KeyCombo::from_event(key);
        self.action_for(context, combo)
    }

    pub fn action_for(&self, context: Context, combo: KeyCombo) -> Option<Action> {
        self.bindings
            .iter()
            .find(|b| b.contexts.contains(context) && b.keys.contains(&combo))
            .map(|b| b.action)
    }

    pub fn binding(&self, action: Action) -> Option<&Binding> {
        self.bindings.iter().find(|b| b.action == action)
    }

    /// The keys of `action` as shown to the user (`q/Esc`), or `-` when it has none.
    pub fn keys_label(&self, action: Action, ascii: bool) -> String {
        match self.binding(action) {
            Some(b) if !b.keys.is_empty() => b
                .keys
                .iter()
                .map(|k| k.label(ascii))
                .collect::<Vec<_>>()
                .join("/"),
            _ => "-".into(),
        }
    }

    /// The hint bar of `context`: (first key, short label) of the actions worth a hint, the
    /// context's own first and those that apply everywhere last.
    pub fn hints(&self, context: Context, ascii: bool) -> Vec<(String, &'static str)> {
        let hint = |b: &Binding| -> Option<(String, &'static str)> {
            let label = b.hint?;
            let key = b.keys.first()?;
            Some((key.label(ascii), label))
        };
        let wide = |b: &Binding| b.contexts == Contexts::ALL || b.contexts == Contexts::VIEWS;
        let applies = |b: &&Binding| b.contexts.contains(context);
        let own = self
            .bindings
            .iter()
            .filter(applies)
            .filter(|b| !wide(b))
            .filter_map(hint);
        let global = self
            .bindings
            .iter()
            .filter(applies)
            .filter(|b| wide(b))
            .filter_map(hint);
        own.chain(global).collect()
    }

    /// The help: groups of (keys, description, config name), in table order.
    pub fn help_groups(&self, ascii: bool) -> Vec<(&'static str, Vec<HelpRow>)> {
        let mut groups: Vec<(&'static str, Vec<HelpRow>)> = Vec::new();
        for b in &self.bindings {
            let group = b.contexts.group();
            let keys = if b.keys.is_empty() {
                "(none)".to_owned()
            } else {
                b.keys
                    .iter()
                    .map(|k| k.label(ascii))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            let row = HelpRow {
                action: b.action,
                keys,
                description: b.description.to_owned(),
                name: b.name,
            };
            match groups.iter_mut().find(|(g, _)| *g == group) {
                Some((_, rows)) => rows.push(row),
                None => groups.push((group, vec![row])),
            }
        }
        groups
    }

    /// Conflicts in the table itself (pairs of action names sharing a key where both apply).
    pub fn conflicts(&self) -> Vec<(String, &'static str, &'static str)> {
        let mut out = Vec::new();
        for (i, a) in self.bindings.iter().enumerate() {
            for b in &self.bindings[i + 1..] {
                if !a.contexts.overlaps(b.contexts) {
                    continue;
                }
                for key in &a.keys {
                    if b.keys.contains(key) {
                        out.push((key.to_string(), a.name, b.name));
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyEventKind;

    fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new_with_kind(code, modifiers, KeyEventKind::Press)
    }

    #[test]
    fn defaults_have_no_conflicts() {
        assert_eq!(KeyMap::default().conflicts(), vec![]);
    }

    #[test]
    fn every_action_has_a_binding_and_unique_name() {
        let table = default_bindings();
        let mut names: Vec<&str> = table.iter().map(|b| b.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), table.len());
        for name in names {
            // The config file refuses keys that look like secrets.
            assert!(
                !["token", "secret", "password"]
                    .iter()
                    .any(|w| name.contains(w))
            );
        }
    }

    #[test]
    fn dispatch_depends_on_context() {
        let map = KeyMap::default();
        let s = press(KeyCode::Char('s'), KeyModifiers::NONE);
        assert_eq!(map.action(Context::List, &s), Some(Action::Sort));
        assert_eq!(map.action(Context::Copy, &s), Some(Action::CopySsh));
        assert_eq!(map.action(Context::Help, &s), None);
        // Shift is folded into the character.
        let big_s = press(KeyCode::Char('S'), KeyModifiers::SHIFT);
        assert_eq!(map.action(Context::List, &big_s), Some(Action::SortReverse));
        let backtab = press(KeyCode::BackTab, KeyModifiers::SHIFT);
        assert_eq!(map.action(Context::List, &backtab), Some(Action::PrevTab));
        let ctrl_c = press(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(map.action(Context::Detail, &ctrl_c), Some(Action::Quit));
        let c = press(KeyCode::Char('c'), KeyModifiers::NONE);
        assert_eq!(map.action(Context::Detail, &c), Some(Action::Copy));
    }

    #[test]
    fn esc_goes_back_and_q_quits_everywhere() {
        let map = KeyMap::default();
        for context in [
            Context::List,
            Context::Detail,
            Context::Json,
            Context::Help,
            Context::Errors,
            Context::Copy,
        ] {
            let esc = press(KeyCode::Esc, KeyModifiers::NONE);
            assert_eq!(map.action(context, &esc), Some(Action::Back), "{context:?}");
            let q = press(KeyCode::Char('q'), KeyModifiers::NONE);
            assert_eq!(map.action(context, &q), Some(Action::Quit), "{context:?}");
        }
        assert!(
            !map.binding(Action::Back)
                .unwrap()
                .keys
                .iter()
                .any(|k| *k == KeyCombo::ch('q'))
        );
    }

    #[test]
    fn parse_keys() {
        assert_eq!(KeyCombo::parse("q"), Ok(KeyCombo::ch('q')));
        assert_eq!(KeyCombo::parse("ctrl-r"), Ok(KeyCombo::ctrl('r')));
        assert_eq!(KeyCombo::parse("C-R"), Ok(KeyCombo::ctrl('r')));
        assert_eq!(
            KeyCombo::parse("shift-tab"),
            Ok(KeyCombo::plain(KeyCode::BackTab))
        );
        assert_eq!(KeyCombo::parse("F5"), Ok(KeyCombo::plain(KeyCode::F(5))));
        assert_eq!(KeyCombo::parse("shift-s"), Ok(KeyCombo::ch('S')));
        assert_eq!(
            KeyCombo::parse("PgDn"),
            Ok(KeyCombo::plain(KeyCode::PageDown))
        );
        assert!(KeyCombo::parse("hyper-x").is_err());
        assert!(KeyCombo::parse("f99").is_err());
    }

    #[test]
    fn overrides_replace_keys_and_report_conflicts() {
        let mut overrides = BTreeMap::new();
        overrides.insert("refresh".to_owned(), "F5, R".to_owned());
        // 's' is Sort in lists: the override takes it and Sort is left with no key.
        overrides.insert("filter".to_owned(), "s".to_owned());
        overrides.insert("frobnicate".to_owned(), "x".to_owned());
        overrides.insert("json".to_owned(), "hyper-y".to_owned());
        let (map, notices) = KeyMap::with_overrides(&overrides);
        assert_eq!(
            map.action_for(Context::List, KeyCombo::plain(KeyCode::F(5))),
            Some(Action::Refresh)
        );
        assert_eq!(
            map.action_for(Context::List, KeyCombo::ch('R')),
            Some(Action::Refresh)
        );
        assert_eq!(map.action_for(Context::List, KeyCombo::ch('r')), None);
        assert_eq!(
            map.action_for(Context::List, KeyCombo::ch('s')),
            Some(Action::Filter)
        );
        // The copy menu keeps its own 's'.
        assert_eq!(
            map.action_for(Context::Copy, KeyCombo::ch('s')),
            Some(Action::CopySsh)
        );
        // The bad override keeps the defaults.
        assert_eq!(
            map.action_for(Context::List, KeyCombo::ch('y')),
            Some(Action::Json)
        );
        assert!(
            notices
                .iter()
                .any(|n| n.contains("unknown action \"frobnicate\"")),
            "{notices:?}"
        );
        assert!(notices.iter().any(|n| n.contains("hyper-y")), "{notices:?}");
        assert!(
            notices.iter().any(|n| n.contains("conflict: s")
                && n.contains("now runs filter")
                && n.contains("sort has no key left")),
            "{notices:?}"
        );
        assert_eq!(map.conflicts(), vec![]);
    }

    #[test]
    fn hints_and_help_come_from_the_table() {
        let map = KeyMap::default();
        let hints = map.hints(Context::List, true);
        assert!(hints.contains(&("/".to_owned(), "filter")));
        assert!(hints.contains(&("Enter".to_owned(), "detail")));
        let help = map.help_groups(true);
        let total: usize = help.iter().map(|(_, rows)| rows.len()).sum();
        assert_eq!(total, default_bindings().len());
        assert_eq!(map.keys_label(Action::Back, true), "Esc");
        assert_eq!(map.keys_label(Action::Quit, true), "q/Ctrl-c");
    }
}
