//! The workspace picker the terminal UI opens before anything else when only the Azure CLI's
//! login is configured (a default subscription, no workspace; `config::ContextCase::AmbientLogin`):
//! it lists that subscription's workspaces (name, resource group, location; a default group from
//! `az configure` narrows the list), offers the built-in emulator as one clearly marked choice,
//! and returns the flags that connect to the choice. A failed listing says why, and `r` retries.
//!
//! It owns its small state ([`PickerState`], updated by [`PickerState::key`], pure), its drawing
//! ([`draw`], no I/O) and the loop that runs them ([`choose_if_needed`]). It must not touch the
//! app's state, connect to the chosen workspace itself, or leave the terminal in another state
//! than it found it (the caller owns the terminal and restores it).

use crate::azure::workspace::WorkspaceSummary;
use crate::cli::GlobalArgs;
use crate::connect::{self, AmbientLogin, Plan};
use crossterm::event::{Event, EventStream, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use futures::StreamExt;
use ratatui::Frame;
use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::layout::{Constraint, Layout};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use std::process::ExitCode;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

/// What the workspace list is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listing {
    Loading,
    Loaded(Vec<WorkspaceSummary>),
    /// Why the workspaces could not be listed (with what to do).
    Failed(String),
}

/// What the user chose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    Workspace(WorkspaceSummary),
    /// The built-in emulator's demo workspace.
    Emulator,
    Quit,
}

/// What a key asks the loop to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PickerAction {
    Done(Choice),
    /// List the workspaces again.
    Retry,
}

/// The picker's state: what is listed and which entry is selected (the workspaces, then the
/// emulator as the last entry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickerState {
    /// "subscription …" or "resource group …".
    pub scope: String,
    pub listing: Listing,
    pub selected: usize,
}

impl PickerState {
    pub fn new(login: &AmbientLogin) -> PickerState {
        PickerState {
            scope: match &login.resource_group {
                Some(rg) => format!(
                    "resource group {} of subscription {}",
                    rg.value, login.subscription.value
                ),
                None => format!("subscription {}", login.subscription.value),
            },
            listing: Listing::Loading,
            selected: 0,
        }
    }

    fn workspaces(&self) -> &[WorkspaceSummary] {
        match &self.listing {
            Listing::Loaded(list) => list,
            _ => &[],
        }
    }

    /// Entries: the workspaces, then the emulator.
    pub fn entries(&self) -> usize {
        self.workspaces().len() + 1
    }

    /// The listing arrived (or failed): the selection goes to the first workspace, or to the
    /// emulator when there is none.
    pub fn listed(&mut self, listing: Listing) {
        self.listing = listing;
        self.selected = 0;
    }

    /// Applies a key press.
    pub fn key(&mut self, key: KeyEvent) -> Option<PickerAction> {
        if key.kind == KeyEventKind::Release {
            return None;
        }
        let last = self.entries().saturating_sub(1);
        match key.code {
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                return Some(PickerAction::Done(Choice::Quit));
            }
            KeyCode::Char('q') => return Some(PickerAction::Done(Choice::Quit)),
            KeyCode::Up | KeyCode::Char('k') => self.selected = self.selected.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => self.selected = (self.selected + 1).min(last),
            KeyCode::Home | KeyCode::Char('g') => self.selected = 0,
            KeyCode::End | KeyCode::Char('G') => self.selected = last,
            KeyCode::Char('r') if self.listing != Listing::Loading => {
                self.listing = Listing::Loading;
                self.selected = 0;
                return Some(PickerAction::Retry);
            }
            KeyCode::Enter => {
                let choice = match self.workspaces().get(self.selected) {
                    Some(ws) => Choice::Workspace(ws.clone()),
                    None => Choice::Emulator,
                };
                return Some(PickerAction::Done(choice));
            }
            _ => {}
        }
        None
    }
}

/// The label of the emulator's entry.
pub const EMULATOR_ENTRY: &str = "[demo] built-in emulator: a local demo workspace, NOT Azure (nothing you do there reaches Azure)";

/// Draws the picker over the whole frame.
pub fn draw(state: &PickerState, frame: &mut Frame) {
    let area = frame.area();
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" amlc: choose a workspace ");
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [intro, list, hints] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    frame.render_widget(
        Paragraph::new(vec![
            Line::from("No workspace is configured, only an Azure CLI login."),
            Line::from(format!("Pick a workspace of {}:", state.scope)),
        ])
        .wrap(Wrap { trim: true }),
        intro,
    );

    let selected = Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD);
    let mut lines: Vec<Line> = Vec::new();
    match &state.listing {
        Listing::Loading => lines.push(Line::from("  listing the workspaces...")),
        Listing::Failed(why) => {
            lines.push(Line::from(format!("  could not list them: {why}")));
            lines.push(Line::from("  (r to retry)"));
        }
        Listing::Loaded(list) if list.is_empty() => {
            lines.push(Line::from("  (no Azure ML workspace here)"));
        }
        Listing::Loaded(list) => {
            let width = |f: fn(&WorkspaceSummary) -> &str, title: &str| {
                list.iter()
                    .map(|w| f(w).chars().count())
                    .max()
                    .unwrap_or(0)
                    .max(title.len())
            };
            let name_w = width(|w| &w.name, "NAME");
            let rg_w = width(|w| &w.resource_group, "RESOURCE GROUP");
            lines.push(Line::from(Span::styled(
                format!(
                    "  {:<name_w$}  {:<rg_w$}  LOCATION",
                    "NAME", "RESOURCE GROUP"
                ),
                Style::default().add_modifier(Modifier::BOLD),
            )));
            for (i, w) in list.iter().enumerate() {
                let text = format!(
                    "  {:<name_w$}  {:<rg_w$}  {}",
                    w.name, w.resource_group, w.location
                );
                lines.push(if i == state.selected {
                    Line::from(Span::styled(text, selected))
                } else {
                    Line::from(text)
                });
            }
        }
    }
    lines.push(Line::from(""));
    let emulator = format!("  {EMULATOR_ENTRY}");
    lines.push(if state.selected + 1 == state.entries() {
        Line::from(Span::styled(emulator, selected))
    } else {
        Line::from(emulator)
    });
    // Keep the selection visible on short terminals.
    let height = usize::from(list.height.max(1));
    let selected_line = lines
        .iter()
        .position(|l| l.spans.iter().any(|s| s.style == selected))
        .unwrap_or(0);
    let scroll = selected_line.saturating_sub(height.saturating_sub(1));
    frame.render_widget(
        Paragraph::new(lines).scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0)),
        list,
    );
    frame.render_widget(
        Paragraph::new("↑/↓ move · Enter connect · r list again · q quit"),
        hints,
    );
}

/// The flags that connect to `choice` (the rest of `global` kept); `None` for `Quit`.
pub fn chosen_global(global: &GlobalArgs, choice: &Choice) -> Option<GlobalArgs> {
    let mut g = global.clone();
    match choice {
        Choice::Workspace(ws) => {
            g.subscription = Some(ws.subscription.clone());
            g.resource_group = Some(ws.resource_group.clone());
            g.workspace = Some(ws.name.clone());
        }
        Choice::Emulator => g.emulator = true,
        Choice::Quit => return None,
    }
    Some(g)
}

/// How the picker ended.
#[derive(Debug)]
pub enum PickerOutcome {
    /// Go on with these flags.
    Go(Box<GlobalArgs>),
    /// The user quit (0) or a signal arrived (128 + signal): end the program with this code.
    Exit(ExitCode),
}

/// With only the Azure CLI's login configured, runs the picker on `terminal` and returns the
/// flags for the choice; otherwise returns `global` unchanged at once. Quitting, or SIGTERM,
/// SIGHUP, SIGINT or SIGQUIT while it is open, ends with [`PickerOutcome::Exit`] (the caller
/// restores the terminal). Errors come from the terminal only; a failed listing is shown.
pub async fn choose_if_needed<B: Backend>(
    terminal: &mut Terminal<B>,
    global: &GlobalArgs,
) -> color_eyre::Result<PickerOutcome>
where
    B::Error: Send + Sync + 'static,
{
    let Ok((_, Plan::PickWorkspace(login))) = connect::plan(global) else {
        // Any other case (or a context error, which the connection reports) goes on as is.
        return Ok(PickerOutcome::Go(Box::new(global.clone())));
    };
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut sigquit = signal(SignalKind::quit())?;
    let mut state = PickerState::new(&login);
    let (tx, mut rx) = mpsc::unbounded_channel::<(u64, Listing)>();
    let mut generation = 1u64;
    spawn_listing(global.clone(), login.clone(), generation, tx.clone());
    let mut events = EventStream::new();
    loop {
        terminal.draw(|frame| draw(&state, frame))?;
        let action = tokio::select! {
            event = events.next() => match event {
                Some(Ok(Event::Key(key))) => state.key(key),
                Some(Ok(_)) => None,
                Some(Err(e)) => return Err(color_eyre::eyre::eyre!("cannot read terminal input: {e}")),
                None => Some(PickerAction::Done(Choice::Quit)),
            },
            Some((answered, listing)) = rx.recv() => {
                if answered == generation {
                    state.listed(listing);
                }
                None
            }
            _ = sigterm.recv() => return Ok(PickerOutcome::Exit(ExitCode::from(143))),
            _ = sighup.recv() => return Ok(PickerOutcome::Exit(ExitCode::from(129))),
            _ = sigint.recv() => return Ok(PickerOutcome::Exit(ExitCode::from(130))),
            _ = sigquit.recv() => return Ok(PickerOutcome::Exit(ExitCode::from(131))),
        };
        match action {
            Some(PickerAction::Done(choice)) => {
                return Ok(match chosen_global(global, &choice) {
                    Some(g) => PickerOutcome::Go(Box::new(g)),
                    None => PickerOutcome::Exit(ExitCode::SUCCESS),
                });
            }
            Some(PickerAction::Retry) => {
                generation += 1;
                spawn_listing(global.clone(), login.clone(), generation, tx.clone());
            }
            None => {}
        }
    }
}

fn spawn_listing(
    global: GlobalArgs,
    login: AmbientLogin,
    generation: u64,
    tx: mpsc::UnboundedSender<(u64, Listing)>,
) {
    tokio::spawn(async move {
        let listing = match connect::list_ambient_workspaces(&global, &login).await {
            Ok(list) => Listing::Loaded(list),
            Err(e) => Listing::Failed(crate::commands::with_advice(&e)),
        };
        let _ = tx.send((generation, listing));
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::azure::Cloud;
    use crate::azure::auth::AuthMethod;
    use crate::config::{Source, Sourced};
    use ratatui::backend::TestBackend;

    fn login() -> AmbientLogin {
        AmbientLogin {
            subscription: Sourced::new(
                "sub-1".to_string(),
                Source::AzCliProfile("/h/.azure/azureProfile.json".into()),
            ),
            resource_group: None,
            cloud: Cloud::AzureCloud,
            api_version: "2025-12-01".into(),
            auth: AuthMethod::Cli,
        }
    }

    fn ws(name: &str, rg: &str) -> WorkspaceSummary {
        WorkspaceSummary {
            subscription: "sub-1".into(),
            resource_group: rg.into(),
            name: name.into(),
            location: "westeurope".into(),
        }
    }

    fn press(state: &mut PickerState, code: KeyCode) -> Option<PickerAction> {
        state.key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    fn screen(state: &PickerState, width: u16, height: u16) -> String {
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        terminal.draw(|f| draw(state, f)).unwrap();
        let buffer = terminal.backend().buffer().clone();
        (0..height)
            .map(|y| {
                (0..width)
                    .map(|x| buffer[(x, y)].symbol().to_string())
                    .collect::<String>()
                    .trim_end()
                    .to_string()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn enter_picks_the_selected_workspace_or_the_emulator() {
        let mut state = PickerState::new(&login());
        state.listed(Listing::Loaded(vec![ws("a", "rg1"), ws("b", "rg2")]));
        assert_eq!(state.entries(), 3);
        press(&mut state, KeyCode::Down);
        assert_eq!(
            press(&mut state, KeyCode::Enter),
            Some(PickerAction::Done(Choice::Workspace(ws("b", "rg2"))))
        );
        press(&mut state, KeyCode::Down);
        press(&mut state, KeyCode::Down);
        assert_eq!(state.selected, 2);
        assert_eq!(
            press(&mut state, KeyCode::Enter),
            Some(PickerAction::Done(Choice::Emulator))
        );
        press(&mut state, KeyCode::Home);
        assert_eq!(state.selected, 0);
        // Esc does not quit; q does.
        assert_eq!(press(&mut state, KeyCode::Esc), None);
        assert_eq!(
            press(&mut state, KeyCode::Char('q')),
            Some(PickerAction::Done(Choice::Quit))
        );
    }

    #[test]
    fn a_failed_listing_leaves_the_emulator_and_a_retry() {
        let mut state = PickerState::new(&login());
        assert_eq!(
            press(&mut state, KeyCode::Char('r')),
            None,
            "already listing"
        );
        state.listed(Listing::Failed("HTTP 401: run `az login`".into()));
        assert_eq!(state.entries(), 1);
        let text = screen(&state, 100, 14);
        assert!(
            text.contains("could not list them: HTTP 401: run `az login`"),
            "{text}"
        );
        assert!(text.contains("[demo] built-in emulator"), "{text}");
        assert_eq!(
            press(&mut state, KeyCode::Char('r')),
            Some(PickerAction::Retry)
        );
        assert_eq!(state.listing, Listing::Loading);
        state.listed(Listing::Failed("again".into()));
        assert_eq!(
            press(&mut state, KeyCode::Enter),
            Some(PickerAction::Done(Choice::Emulator))
        );
    }

    #[test]
    fn the_list_shows_name_group_and_location_and_marks_the_demo() {
        let mut state = PickerState::new(&login());
        let text = screen(&state, 100, 14);
        assert!(text.contains("listing the workspaces"), "{text}");
        assert!(text.contains("subscription sub-1"), "{text}");
        state.listed(Listing::Loaded(vec![
            ws("ml-prod", "rg-prod"),
            ws("ml-dev", "rg-dev"),
        ]));
        let text = screen(&state, 100, 14);
        let row = text
            .lines()
            .find(|l| l.contains("ml-prod"))
            .unwrap_or_else(|| panic!("{text}"));
        assert_eq!(
            row.trim_matches(|c: char| c == '│' || c.is_whitespace())
                .split_whitespace()
                .collect::<Vec<_>>(),
            ["ml-prod", "rg-prod", "westeurope"]
        );
        assert!(text.contains("NOT Azure"), "{text}");
        // A short terminal keeps the selection on screen.
        let many: Vec<WorkspaceSummary> =
            (0..40).map(|i| ws(&format!("ws-{i:02}"), "rg")).collect();
        state.listed(Listing::Loaded(many));
        press(&mut state, KeyCode::End);
        let text = screen(&state, 100, 10);
        assert!(text.contains("[demo] built-in emulator"), "{text}");
    }

    #[test]
    fn the_choice_becomes_flags() {
        let global = GlobalArgs {
            endpoint: Some("http://127.0.0.1:9/".into()),
            ..GlobalArgs::default()
        };
        let g = chosen_global(&global, &Choice::Workspace(ws("w", "rg"))).unwrap();
        assert_eq!(
            (
                g.subscription.as_deref(),
                g.resource_group.as_deref(),
                g.workspace.as_deref(),
                g.endpoint.as_deref()
            ),
            (
                Some("sub-1"),
                Some("rg"),
                Some("w"),
                Some("http://127.0.0.1:9/")
            )
        );
        assert!(chosen_global(&global, &Choice::Emulator).unwrap().emulator);
        assert!(chosen_global(&global, &Choice::Quit).is_none());
    }
}
