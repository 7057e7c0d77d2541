//! The `:` command line: parsing of `:ws NAME`, `:rg NAME`, `:sub ID`, `:profile NAME`,
//! `:errors`, `:quota`, `:help`, `:refresh`, `:q` and tab names into [`Command`]s. Pure parsing; what a
//! command does is `App::update`'s business.

use super::TabId;

/// A change of workspace context asked for on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContextChange {
    Workspace(String),
    ResourceGroup(String),
    Subscription(String),
    Profile(String),
}

impl ContextChange {
    pub fn describe(&self) -> String {
        match self {
            ContextChange::Workspace(v) => format!("workspace {v}"),
            ContextChange::ResourceGroup(v) => format!("resource group {v}"),
            ContextChange::Subscription(v) => format!("subscription {v}"),
            ContextChange::Profile(v) => format!("profile {v}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Switch(ContextChange),
    Errors,
    /// The quota view of the workspace's region.
    Quota,
    Help,
    Refresh,
    Quit,
    Tab(TabId),
    /// Show or hide archived jobs.
    Archived,
}

/// The commands, for the help and the command line's hint: (usage, description).
pub const COMMANDS: &[(&str, &str)] = &[
    (":ws NAME", "switch to workspace NAME (reconnects)"),
    (":rg NAME", "switch to resource group NAME (reconnects)"),
    (":sub ID", "switch to subscription ID (reconnects)"),
    (
        ":profile NAME",
        "switch to the config-file profile NAME (reconnects)",
    ),
    (":errors", "recent errors in full"),
    (
        ":quota",
        "vCPU quota per VM family in the region, and the computes using it",
    ),
    (":refresh", "refresh the current tab now"),
    (":instances .. :jobs", "go to a tab"),
    (
        ":archived",
        "show or hide archived jobs (marked; A restores one)",
    ),
    (":help", "this help"),
    (":q", "quit"),
];

/// Parses a command line (without the leading `:`).
pub fn parse(line: &str) -> Result<Command, String> {
    let mut words = line.split_whitespace();
    let Some(verb) = words.next() else {
        return Err("empty command".into());
    };
    let rest: Vec<&str> = words.collect();
    let arg = |what: &str| -> Result<String, String> {
        match rest.as_slice() {
            [one] => Ok((*one).to_owned()),
            [] => Err(format!(":{verb} needs {what}")),
            _ => Err(format!(":{verb} takes one {what}, got {}", rest.len())),
        }
    };
    let none = |command: Command| -> Result<Command, String> {
        if rest.is_empty() {
            Ok(command)
        } else {
            Err(format!(":{verb} takes no argument"))
        }
    };
    match verb.to_ascii_lowercase().as_str() {
        "ws" | "workspace" => Ok(Command::Switch(ContextChange::Workspace(arg(
            "a workspace name",
        )?))),
        "rg" | "group" | "resource-group" => Ok(Command::Switch(ContextChange::ResourceGroup(
            arg("a resource group name")?,
        ))),
        "sub" | "subscription" => Ok(Command::Switch(ContextChange::Subscription(arg(
            "a subscription id",
        )?))),
        "profile" | "ctx" => Ok(Command::Switch(ContextChange::Profile(arg(
            "a profile name",
        )?))),
        "errors" | "err" => none(Command::Errors),
        "quota" | "quotas" | "usage" => none(Command::Quota),
        "help" | "h" => none(Command::Help),
        "refresh" | "r" => none(Command::Refresh),
        "q" | "quit" | "q!" | "exit" => none(Command::Quit),
        "instances" | "instance" | "ci" => none(Command::Tab(TabId::Instances)),
        "clusters" | "cluster" => none(Command::Tab(TabId::Clusters)),
        "kubernetes" | "k8s" | "aks" => none(Command::Tab(TabId::Kubernetes)),
        "attached" => none(Command::Tab(TabId::Attached)),
        "jobs" | "job" => none(Command::Tab(TabId::Jobs)),
        "archived" | "archive" => none(Command::Archived),
        other => Err(format!("unknown command :{other} (see ? for the list)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_commands() {
        assert_eq!(
            parse("ws prod"),
            Ok(Command::Switch(ContextChange::Workspace("prod".into())))
        );
        assert_eq!(
            parse(" rg  my-rg "),
            Ok(Command::Switch(ContextChange::ResourceGroup(
                "my-rg".into()
            )))
        );
        assert_eq!(
            parse("sub 123"),
            Ok(Command::Switch(ContextChange::Subscription("123".into())))
        );
        assert_eq!(
            parse("profile dev"),
            Ok(Command::Switch(ContextChange::Profile("dev".into())))
        );
        assert_eq!(parse("errors"), Ok(Command::Errors));
        assert_eq!(parse("quota"), Ok(Command::Quota));
        assert!(parse("quota x").is_err());
        assert_eq!(parse("q"), Ok(Command::Quit));
        assert_eq!(parse("jobs"), Ok(Command::Tab(TabId::Jobs)));
        assert_eq!(parse("archived"), Ok(Command::Archived));
        assert!(parse("ws").unwrap_err().contains("needs a workspace name"));
        assert!(parse("ws a b").is_err());
        assert!(parse("errors now").is_err());
        assert!(parse("frob").unwrap_err().contains("unknown command :frob"));
        assert!(parse("").is_err());
    }
}
