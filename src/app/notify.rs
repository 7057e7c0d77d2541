//! Notifications of long things that ended (an operation, a watched job): the policy from the
//! config file's `[notify]` table (the threshold, the bell, the desktop notification), the
//! notification as data ([`Notification`], carried by `Effect::Notify`), and the bytes that
//! deliver it to a terminal: BEL, and OSC 9 or OSC 777 as the terminal understands (never
//! both), wrapped in tmux's passthrough (`ESC Ptmux; … ESC \`) when inside tmux. Text from
//! resource names and services is cleaned of control characters here, so nothing of it can
//! reach the terminal as a sequence. Pure: the terminal loop writes the bytes; nothing here
//! reads the environment or does I/O.

/// When and how to notify (config `[notify]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotifyPolicy {
    /// Only things that ran at least this long notify (ms).
    pub after_ms: u64,
    /// Ring the terminal bell.
    pub bell: bool,
    /// Send a desktop notification (OSC 9, or OSC 777 on VTE, rxvt and foot).
    pub desktop: bool,
}

impl Default for NotifyPolicy {
    fn default() -> Self {
        NotifyPolicy {
            after_ms: 10_000,
            bell: true,
            desktop: true,
        }
    }
}

impl NotifyPolicy {
    /// From the config file's `[notify]` (unset values keep the defaults).
    pub fn from_config(after_secs: Option<u64>, bell: Option<bool>, desktop: Option<bool>) -> Self {
        let d = NotifyPolicy::default();
        NotifyPolicy {
            after_ms: after_secs
                .map(|s| s.saturating_mul(1000))
                .unwrap_or(d.after_ms),
            bell: bell.unwrap_or(d.bell),
            desktop: desktop.unwrap_or(d.desktop),
        }
    }
}

/// A notification for the terminal: its text (already clean) and what to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub title: String,
    pub body: String,
    pub bell: bool,
    pub desktop: bool,
}

/// `text` without control characters (C0, DEL, C1, and the bidirectional overrides that could
/// disguise it): each becomes a space, runs of spaces fold into one, and it is cut to `max`
/// characters.
pub fn clean(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max));
    let mut count = 0usize;
    let mut space = false;
    for c in text.chars() {
        let c = if c.is_control() || is_bidi_control(c) {
            ' '
        } else {
            c
        };
        if c == ' ' {
            if space || out.is_empty() {
                continue;
            }
            space = true;
        } else {
            space = false;
        }
        if count == max {
            break;
        }
        out.push(c);
        count += 1;
    }
    out.trim_end().to_owned()
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
}

/// Wraps an escape sequence in tmux's passthrough: `ESC Ptmux;` + the sequence with every ESC
/// doubled + `ESC \` (tmux ≥ 3.3 passes it on with `allow-passthrough on`).
pub fn tmux_passthrough(sequence: &str) -> String {
    format!("\x1bPtmux;{}\x1b\\", sequence.replace('\x1b', "\x1b\x1b"))
}

/// OSC 9 (iTerm2, Windows Terminal, kitty, WezTerm, foot, ...): `ESC ] 9 ; text BEL`.
pub fn osc9(text: &str) -> String {
    format!("\x1b]9;{}\x07", clean(text, 256))
}

/// OSC 777 (rxvt-unicode, VTE terminals, foot, WezTerm): `ESC ] 777 ; notify ; title ; body BEL`.
/// The title cannot hold `;` (the separator): it becomes `,`.
pub fn osc777(title: &str, body: &str) -> String {
    format!(
        "\x1b]777;notify;{};{}\x07",
        clean(title, 128).replace(';', ","),
        clean(body, 256)
    )
}

/// Which desktop-notification sequence the terminal understands. Sending both would make a
/// terminal that knows both (WezTerm) show two notifications.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DesktopProtocol {
    /// OSC 9: iTerm2, WezTerm, kitty, Windows Terminal, ConEmu, Ghostty; ignored by others.
    Osc9,
    /// OSC 777: VTE terminals (GNOME Terminal, Tilix, ...), rxvt-unicode, foot.
    Osc777,
}

impl DesktopProtocol {
    /// Picked from the environment: `VTE_VERSION` (set by VTE terminals, also inside a tmux
    /// started from one) or a `TERM` of rxvt or foot mean OSC 777; anything else OSC 9.
    pub fn detect(term: Option<&str>, vte_version: Option<&str>) -> DesktopProtocol {
        let term = term.unwrap_or("");
        if vte_version.is_some_and(|v| !v.is_empty())
            || term.starts_with("rxvt")
            || term.starts_with("foot")
        {
            DesktopProtocol::Osc777
        } else {
            DesktopProtocol::Osc9
        }
    }
}

/// The bytes that deliver `n`: BEL when the bell is on; one desktop notification (OSC 9 or
/// OSC 777, as `protocol` says) when desktop notifications are, wrapped for tmux when `tmux`.
/// Empty when both are off.
pub fn sequences(n: &Notification, tmux: bool, protocol: DesktopProtocol) -> String {
    let mut out = String::new();
    if n.desktop {
        let seq = match protocol {
            DesktopProtocol::Osc9 => osc9(&format!("{}: {}", n.title, n.body)),
            DesktopProtocol::Osc777 => osc777(&n.title, &n.body),
        };
        out.push_str(&if tmux { tmux_passthrough(&seq) } else { seq });
    }
    if n.bell {
        // A bare BEL: tmux handles the bell itself (`bell-action`) and passes it on.
        out.push('\x07');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(bell: bool, desktop: bool) -> Notification {
        Notification {
            title: "amlc".into(),
            body: "stop ci-dev: done after 12 s".into(),
            bell,
            desktop,
        }
    }

    #[test]
    fn control_characters_never_reach_the_terminal() {
        assert_eq!(clean("ci\x1b]52;c;evil\x07-dev", 100), "ci ]52;c;evil -dev");
        assert_eq!(clean("a\u{9b}b\u{202e}c\r\nd", 100), "a b c d");
        assert_eq!(clean("  lead  and   trail \t", 100), "lead and trail");
        assert_eq!(clean("abcdef", 3), "abc");
        let seq = osc777("t;x\x1b", "b\x07ody");
        assert_eq!(seq, "\x1b]777;notify;t,x;b ody\x07");
        assert_eq!(seq.matches('\x1b').count(), 1);
        assert_eq!(seq.matches('\x07').count(), 1);
    }

    #[test]
    fn sequences_follow_the_policy() {
        use DesktopProtocol::*;
        assert_eq!(sequences(&note(false, false), false, Osc9), "");
        assert_eq!(sequences(&note(true, false), true, Osc9), "\x07");
        assert_eq!(
            sequences(&note(false, true), false, Osc9),
            "\x1b]9;amlc: stop ci-dev: done after 12 s\x07"
        );
        assert_eq!(
            sequences(&note(false, true), false, Osc777),
            "\x1b]777;notify;amlc;stop ci-dev: done after 12 s\x07"
        );
        let wrapped = sequences(&note(true, true), true, Osc9);
        assert!(
            wrapped.starts_with("\x1bPtmux;\x1b\x1b]9;amlc: stop"),
            "{wrapped:?}"
        );
        assert!(
            !wrapped.contains("777"),
            "one notification only: {wrapped:?}"
        );
        assert!(wrapped.ends_with("\x1b\\\x07"), "{wrapped:?}");
    }

    #[test]
    fn the_protocol_follows_the_terminal() {
        use DesktopProtocol::*;
        assert_eq!(
            DesktopProtocol::detect(Some("xterm-256color"), Some("7600")),
            Osc777
        );
        assert_eq!(
            DesktopProtocol::detect(Some("rxvt-unicode-256color"), None),
            Osc777
        );
        assert_eq!(DesktopProtocol::detect(Some("foot"), None), Osc777);
        assert_eq!(DesktopProtocol::detect(Some("xterm-256color"), None), Osc9);
        assert_eq!(DesktopProtocol::detect(None, Some("")), Osc9);
    }

    #[test]
    fn policy_from_config() {
        assert_eq!(
            NotifyPolicy::from_config(None, None, None),
            NotifyPolicy::default()
        );
        let p = NotifyPolicy::from_config(Some(0), Some(false), None);
        assert_eq!((p.after_ms, p.bell, p.desktop), (0, false, true));
    }
}
