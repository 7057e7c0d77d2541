//! The Jobs tab: name, display name, status, experiment, compute, created, duration, queue time
//! (newest first); a detail with the times, the error, the command, environment, resources, inputs,
//! outputs, services and tags. Start and end times are not part of the v2 job schema: they come
//! from run history's details when the app fetched them (`Job::run_details`), else from the raw
//! JSON where services put them (`properties.properties.StartTimeUtc` / `EndTimeUtc`, or
//! `properties.startTimeUtc` / `endTimeUtc`). Duration is run time only: end - start when
//! finished, now - start while running, none while queued; queue time (start - created) is
//! shown apart. A failed job's error code shows in its status cell, the full error in its
//! detail. Actions: cancel (while not terminal), archive, restore; an archived job's status
//! says so. A local run (`submit::local`, shown through `LocalRun::to_job`) says `local` in
//! the compute column and its run folder in the detail; it can be cancelled, not archived.

use super::common::{self, job_tone};
use super::{Cell, CellValue, Column, CopyTarget, DetailCtx, Item, Kind, Section, SortKey};
use crate::actions::{ActionId, Availability};
use crate::app::TabId;
use crate::app::format;
use crate::app::keys::Action;
use crate::app::text::{self, Tone};
use crate::azure::models::{Job, JobStatus};
use crate::submit::git as git_props;
use serde_json::Value;

pub struct Jobs;

const COLUMNS: &[Column] = &[
    Column::new("NAME", 12, 36, 255),
    Column::new("DISPLAY NAME", 10, 30, 150),
    Column::new("STATUS", 12, 30, 250),
    Column::new("EXPERIMENT", 10, 24, 120),
    Column::new("COMPUTE", 10, 20, 140),
    Column::clock("CREATED", 8, 9, 230),
    Column::clock("DURATION", 8, 9, 200),
    Column::clock("QUEUED", 7, 8, 100),
];

const START_POINTERS: &[&str] = &[
    "/properties/properties/StartTimeUtc",
    "/properties/startTimeUtc",
    "/properties/startTime",
];
const END_POINTERS: &[&str] = &[
    "/properties/properties/EndTimeUtc",
    "/properties/endTimeUtc",
    "/properties/endTime",
];

fn time_at(job: &Job, pointers: &[&str]) -> Option<i64> {
    pointers
        .iter()
        .find_map(|p| job.raw.pointer(p).and_then(Value::as_str))
        .and_then(format::parse_time_ms)
}

/// When the run started: run history first, then the job's own JSON.
pub fn start_ms(job: &Job) -> Option<i64> {
    job.run_details
        .as_ref()
        .and_then(|d| d.start_time_utc.as_deref())
        .and_then(format::parse_time_ms)
        .or_else(|| time_at(job, START_POINTERS))
}

/// When the run ended: run history first, then the job's own JSON.
pub fn end_ms(job: &Job) -> Option<i64> {
    job.run_details
        .as_ref()
        .and_then(|d| d.end_time_utc.as_deref())
        .and_then(format::parse_time_ms)
        .or_else(|| time_at(job, END_POINTERS))
}

/// Time spent waiting before the run started (start - created), once it started.
pub fn queue_ms(job: &Job) -> Option<i64> {
    Some((start_ms(job)? - submitted_ms(job)?).max(0))
}

/// When the run was submitted: run history's creation time, else the job's.
fn submitted_ms(job: &Job) -> Option<i64> {
    job.run_details
        .as_ref()
        .and_then(|d| d.created_time_utc.as_deref())
        .and_then(format::parse_time_ms)
        .or_else(|| created_ms(job))
}

/// Queue time: start - created once started; while an active job waits, the wait so far.
fn queue_cell_ms(job: &Job, now_ms: i64) -> Option<(i64, bool)> {
    match queue_ms(job) {
        Some(ms) => Some((ms, false)),
        None if is_active(job) => Some(((now_ms - submitted_ms(job)?).max(0), true)),
        None => None,
    }
}

pub fn status_text(job: &Job) -> &str {
    job.properties
        .status
        .as_ref()
        .map(|s| s.as_str())
        .filter(|s| !s.is_empty())
        .unwrap_or("Unknown")
}

pub fn created_ms(job: &Job) -> Option<i64> {
    job.created_at().and_then(format::parse_time_ms)
}

/// Whether the job is archived (hidden from the default list; `:archived` shows it).
pub fn is_archived(job: &Job) -> bool {
    job.properties.is_archived == Some(true)
}

fn is_active(job: &Job) -> bool {
    job_tone(status_text(job)) == Tone::Progress
}

/// Run time in ms: end (or now, while active) minus start; none before the run started (queue
/// time is not run time).
pub fn duration_ms(job: &Job, now_ms: i64) -> Option<i64> {
    let start = start_ms(job)?;
    let end = match end_ms(job) {
        Some(end) => end,
        None if is_active(job) => now_ms,
        None => return None,
    };
    Some((end - start).max(0))
}

fn compute_name(job: &Job) -> Option<&str> {
    if is_local(job) {
        return Some(crate::submit::local::LOCAL_COMPUTE);
    }
    job.properties
        .compute_id
        .as_deref()
        .map(format::last_segment)
}

/// Whether the job is a run on this computer (`compute: local`, `submit::local`).
pub fn is_local(job: &Job) -> bool {
    crate::submit::local::run_dir_of(job).is_some()
}

/// The run-history error of a job, if it has one.
fn run_error(job: &Job) -> Option<&crate::azure::models::RunError> {
    job.run_details.as_ref()?.error.as_ref()?.error.as_ref()
}

/// The error code of a failed job, if the service sent one (run history first).
fn error_code(job: &Job) -> Option<&str> {
    run_error(job)
        .and_then(|e| e.code.as_deref())
        .filter(|c| !c.is_empty())
        .or_else(|| {
            ["/properties/error/code", "/properties/error/error/code"]
                .iter()
                .find_map(|p| job.raw.pointer(p).and_then(Value::as_str))
        })
}

fn error_message(job: &Job) -> Option<&str> {
    run_error(job)
        .and_then(|e| e.message.as_deref())
        .filter(|m| !m.is_empty())
        .or_else(|| {
            [
                "/properties/error/message",
                "/properties/error/error/message",
            ]
            .iter()
            .find_map(|p| job.raw.pointer(p).and_then(Value::as_str))
        })
}

impl Kind for Jobs {
    fn tab(&self) -> TabId {
        TabId::Jobs
    }
    fn title(&self) -> &'static str {
        "Jobs"
    }
    fn noun(&self) -> &'static str {
        "jobs"
    }
    fn columns(&self) -> &'static [Column] {
        COLUMNS
    }
    fn default_sort(&self) -> (usize, bool) {
        (5, true)
    }

    fn cell(&self, item: Item<'_>, column: usize, now_ms: i64) -> CellValue {
        let Item::Job(j) = item else {
            return Cell::missing().into();
        };
        match column {
            0 => Cell::normal(j.name.as_deref().unwrap_or("")),
            1 => Cell::or_missing(j.properties.display_name.as_deref()),
            2 => {
                let status = status_text(j);
                let tone = job_tone(status);
                let mut cell = Cell::new(status, tone);
                if tone == Tone::Failed
                    && let Some(code) = error_code(j)
                {
                    cell.text = format!("{status} ({code})");
                }
                if is_archived(j) {
                    cell.text.push_str(" (archived)");
                }
                cell.animate = tone == Tone::Progress;
                cell
            }
            3 => Cell::or_missing(j.properties.experiment_name.as_deref()),
            4 => match compute_name(j) {
                Some(name) => Cell::normal(name),
                None => Cell::new("serverless", Tone::Muted),
            },
            5 => match created_ms(j) {
                Some(ms) => Cell::new(format!("{} ago", format::age(now_ms, ms)), Tone::Muted),
                None => Cell::missing(),
            },
            6 => match duration_ms(j, now_ms) {
                Some(ms) => Cell::new(
                    format::duration(ms),
                    if is_active(j) {
                        Tone::Progress
                    } else {
                        Tone::Normal
                    },
                ),
                None => Cell::missing(),
            },
            7 => match queue_cell_ms(j, now_ms) {
                Some((ms, waiting)) => Cell::new(
                    format::duration(ms),
                    if waiting { Tone::Progress } else { Tone::Muted },
                ),
                None => Cell::missing(),
            },
            _ => Cell::missing(),
        }
        .into()
    }

    fn sort_key(&self, item: Item<'_>, column: usize) -> SortKey {
        let Item::Job(j) = item else {
            return SortKey::Missing;
        };
        match column {
            0 => SortKey::text(j.name.as_deref().unwrap_or("")),
            1 => SortKey::text(j.properties.display_name.as_deref().unwrap_or("")),
            2 => SortKey::text(status_text(j)),
            3 => SortKey::text(j.properties.experiment_name.as_deref().unwrap_or("")),
            4 => SortKey::text(compute_name(j).unwrap_or("")),
            5 => SortKey::opt_num(created_ms(j)),
            7 => SortKey::opt_num(queue_ms(j)),
            _ => SortKey::opt_num(duration_ms(j, created_ms(j).unwrap_or(0))),
        }
    }

    fn in_progress(&self, item: Item<'_>) -> bool {
        matches!(item, Item::Job(j) if is_active(j))
    }

    fn detail(&self, item: Item<'_>, ctx: &DetailCtx<'_>) -> Vec<Section> {
        let Item::Job(j) = item else {
            return Vec::new();
        };
        let p = &j.properties;
        let mut sections = Vec::new();
        let mut s = Section::new("Overview");
        s.field("Name", j.name.clone().unwrap_or_default());
        s.opt("Display name", p.display_name.as_deref());
        s.opt("Type", p.job_type.as_ref().map(|t| t.as_str()));
        let status = status_text(j);
        s.field_toned("Status", status, job_tone(status));
        s.opt("Experiment", p.experiment_name.as_deref());
        s.field("Compute", compute_name(j).unwrap_or("serverless"));
        if let Some(dir) = crate::submit::local::run_dir_of(j) {
            s.field("Run folder", dir);
        }
        s.opt("Description", p.description.as_deref());
        if let Some(created) = j.created_at() {
            s.field("Created", format::time_with_age(created, ctx.now_ms));
        }
        if let Some(by) = j
            .system_data
            .as_ref()
            .and_then(|sd| sd.created_by.as_deref())
        {
            s.field("Created by", by);
        }
        if let Some(ms) = queue_ms(j) {
            s.field("Queued for", format::duration(ms));
        }
        if let Some(start) = start_ms(j) {
            s.field("Started", format::ms_with_age(start, ctx.now_ms));
        }
        if let Some(end) = end_ms(j) {
            s.field("Ended", format::ms_with_age(end, ctx.now_ms));
        }
        match duration_ms(j, ctx.now_ms) {
            Some(ms) => {
                s.field("Duration", format::duration(ms));
            }
            None if is_active(j) && start_ms(j).is_none() => {
                s.field_toned("Duration", "not started yet", Tone::Muted);
            }
            None => {}
        }
        s.opt("Parent job", p.parent_job_name.as_deref());
        s.opt("Archived", p.is_archived);
        s.opt("Resource id", j.id.as_deref());
        sections.push(s);

        if let Some(code) = error_code(j).or(error_message(j)) {
            let mut e = Section::new("Error");
            let text = match error_message(j) {
                Some(msg) if msg != code => format!("{code}: {msg}"),
                _ => code.to_owned(),
            };
            e.text(text, Tone::Failed);
            if let Some(run) = run_error(j) {
                for inner in &run.details {
                    let code = inner.code.as_deref().unwrap_or("");
                    let message = inner.message.as_deref().unwrap_or("");
                    let line = match (code.is_empty(), message.is_empty()) {
                        (false, false) => format!("{code}: {message}"),
                        (false, true) => code.to_owned(),
                        (true, _) => message.to_owned(),
                    };
                    if !line.is_empty() {
                        e.text(line, Tone::Failed);
                    }
                }
                e.opt("Target", run.target.as_deref());
                e.opt("Reference code", run.reference_code.as_deref());
            }
            if let Some(details) = &j.run_details {
                for warning in details.warning_messages() {
                    e.text(format!("warning: {warning}"), Tone::Warning);
                }
            }
            sections.push(e);
        }

        let mut run = Section::new("Command and environment");
        run.opt("Command", p.command.as_deref());
        run.opt("Environment", p.environment_id.as_deref());
        run.opt("Code", p.code_id.as_deref());
        for (k, v) in &p.environment_variables {
            run.field(&format!("env {k}"), common::shown(k, v));
        }
        if !run.is_empty() {
            sections.push(run);
        }

        let mut res = Section::new("Resources");
        if let Some(r) = &p.resources {
            res.opt("Instance count", r.instance_count);
            res.opt("Instance type", r.instance_type.as_deref());
            res.opt("Shared memory", r.shm_size.as_deref());
        }
        if let Some(d) = &p.distribution {
            res.opt(
                "Distribution",
                d.distribution_type.as_ref().map(|t| t.as_str()),
            );
            res.opt("Processes per instance", d.process_count_per_instance);
            res.opt("Workers", d.worker_count);
        }
        if let Some(l) = &p.limits {
            res.opt(
                "Timeout",
                l.timeout.as_deref().map(format::iso_duration_short),
            );
        }
        if let Some(q) = &p.queue_settings {
            res.opt("Job tier", q.job_tier.as_ref().map(|t| t.as_str()));
        }
        if !res.is_empty() {
            sections.push(res);
        }

        if !p.inputs.is_empty() || !p.outputs.is_empty() {
            let mut io = Section::new("Inputs and outputs");
            for (name, input) in &p.inputs {
                let kind = input
                    .job_input_type
                    .as_ref()
                    .map(|t| t.as_str())
                    .unwrap_or("?");
                let value = input
                    .value
                    .as_deref()
                    .or(input.uri.as_deref())
                    .unwrap_or("");
                io.field(
                    &format!("in {name}"),
                    format!("{kind} {value}").trim().to_owned(),
                );
            }
            for (name, output) in &p.outputs {
                let kind = output
                    .job_output_type
                    .as_ref()
                    .map(|t| t.as_str())
                    .unwrap_or("?");
                io.field(
                    &format!("out {name}"),
                    format!("{kind} {}", output.uri.as_deref().unwrap_or(""))
                        .trim()
                        .to_owned(),
                );
            }
            sections.push(io);
        }

        if !p.services.is_empty() {
            let mut svc = Section::new("Services");
            for (name, service) in &p.services {
                let mut text = service.endpoint.clone().unwrap_or_else(|| "-".into());
                if let Some(status) = service.status.as_deref() {
                    text.push_str(&format!(" ({status})"));
                }
                svc.field_toned(name, text, Tone::Accent);
            }
            sections.push(svc);
        }

        // The git state a submission recorded (submit.md §8.1), in a section of its own.
        let git = |key: &str| p.properties.get(key).map(String::as_str);
        let mut source = Section::new("Source (git)");
        source.opt("Repository", git(git_props::REPO_URL));
        source.opt("Branch", git(git_props::BRANCH));
        source.opt("Build", git(git_props::BUILD_ID));
        source.opt("Build link", git(git_props::BUILD_URI));
        if let Some(commit) = git(git_props::COMMIT) {
            let dirty = match git(git_props::DIRTY) {
                Some("True") => " (uncommitted changes)",
                _ => "",
            };
            source.field("Commit", format!("{commit}{dirty}"));
        }
        if !source.is_empty() {
            sections.push(source);
        }
        let others: Vec<_> = p
            .properties
            .iter()
            .filter(|(k, _)| !git_props::KEYS.contains(&k.as_str()))
            .collect();
        if !p.tags.is_empty() || !others.is_empty() {
            let mut t = Section::new("Tags and properties");
            for (k, v) in &p.tags {
                t.field(&format!("tag {k}"), common::shown(k, v));
            }
            for (k, v) in others {
                t.field(k, common::shown(k, v));
            }
            sections.push(t);
        }
        sections.push(log_files_section(j));
        if !j.parse_warnings.is_empty() {
            let mut w = Section::new("Unreadable fields (kept as received)");
            for warning in &j.parse_warnings {
                w.text(warning.clone(), Tone::Warning);
            }
            sections.push(w);
        }
        sections
    }

    fn actions(&self, item: Item<'_>) -> Vec<(ActionId, Availability)> {
        let Item::Job(j) = item else {
            return Vec::new();
        };
        let status = j.properties.status.as_ref();
        let shown = || format!("job is {}", text::one_line(status_text(j)));
        let cancel = match status {
            Some(s) if s.is_terminal() => Availability::Disabled(shown()),
            Some(JobStatus::CancelRequested) => {
                Availability::Disabled("cancel already requested".into())
            }
            _ => Availability::Enabled,
        };
        let archived = is_archived(j);
        if is_local(j) {
            let local = || "a local run is kept in its folder, not archived".to_string();
            return vec![
                (ActionId::CancelJob, cancel),
                (ActionId::ArchiveJob, Availability::Disabled(local())),
                (ActionId::RestoreJob, Availability::Disabled(local())),
            ];
        }
        vec![
            (ActionId::CancelJob, cancel),
            (
                ActionId::ArchiveJob,
                Availability::when(!archived, || "job is already archived".into()),
            ),
            (
                ActionId::RestoreJob,
                Availability::when(archived, || "job is not archived".into()),
            ),
        ]
    }

    fn action_ids(&self) -> &'static [ActionId] {
        &[
            ActionId::CancelJob,
            ActionId::ArchiveJob,
            ActionId::RestoreJob,
        ]
    }

    fn copy_targets(&self, item: Item<'_>) -> Vec<CopyTarget> {
        let mut out = common::base_copy_targets(item);
        if let Item::Job(j) = item
            && let Some(url) = j.studio_url()
        {
            out.push(CopyTarget {
                action: Action::CopyLink,
                label: "Studio link",
                text: url.to_owned(),
            });
        }
        out
    }

    fn copy_labels(&self) -> &'static [(Action, &'static str)] {
        &[
            (Action::CopyName, "name"),
            (Action::CopyId, "resource id"),
            (Action::CopyLink, "Studio link"),
        ]
    }
}

/// The run's log files by node and rank (from run history's `logFiles`): the ranks' std logs
/// first, in rank order, then the other files by name; `l` opens the log view.
pub fn log_files_section(job: &Job) -> Section {
    use crate::logs::{LogKind, label, log_kind};
    let mut s = Section::new("Log files (l: log view)");
    let Some(details) = job.run_details.as_ref() else {
        s.text(
            "not read yet (run history is fetched while the detail is open)",
            Tone::Muted,
        );
        return s;
    };
    if details.log_files.is_empty() {
        s.text("none yet: files appear as nodes start", Tone::Muted);
        return s;
    }
    let mut files: Vec<(u8, u32, u32, &str)> = details
        .log_files
        .keys()
        .map(|name| match log_kind(name) {
            LogKind::Rank { rank, node } => (0, node.unwrap_or(0), rank, name.as_str()),
            LogKind::User => (1, 0, 0, name.as_str()),
            LogKind::System => (2, 0, 0, name.as_str()),
        })
        .collect();
    files.sort();
    for (group, _, _, name) in files {
        let tone = if group == 0 {
            Tone::Accent
        } else {
            Tone::Normal
        };
        s.field_toned(&label(name), name.to_owned(), tone);
    }
    s
}
