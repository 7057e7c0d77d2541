//! The runtime's side of the submit form (`app::submit`): carries out an `Effect::Submit` on a
//! task and answers with `Msg::Submit` events tagged with the request's id. The disk work (the
//! snapshot of the code folder, `flow::plan`, starting a local run) runs on blocking tasks,
//! never on the UI loop; the network work goes through the [`DataSource`] (the Azure ML
//! client: its environments and `flow::submit`, each step reported as it happens, upload
//! progress at most every [`STEP_EVERY_MS`]).
//!
//! Owns: resolving the code folder's text against the process's folder and home, turning
//! failures into one line, cause first. Must not: touch the app's state (answers are messages)
//! or log a command, a SAS or a token.

use super::msg::Msg;
use super::runtime::DataSource;
use super::sources::AppError;
use super::submit::{ReviewData, Sent, SnapshotSummary, SubmitEffect, SubmitEvent, resolve};
use crate::azure::AmlClient;
use crate::submit::flow::{self, Step, SubmitError};
use crate::submit::job_yaml::{Code, Compute, JobSpec};
use crate::submit::local::LocalRuns;
use crate::submit::snapshot::Snapshot;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedSender;

/// Upload progress is reported at most this often (the last step always is).
pub const STEP_EVERY_MS: u64 = 100;
/// The environments list gives up after this long.
const LIST_TIMEOUT: Duration = Duration::from_secs(60);

/// One line saying why a submission stopped, cause first.
pub fn cause(e: &SubmitError) -> String {
    match e {
        SubmitError::Azure(e) => {
            let e = AppError::from(e);
            format!("{}; {}", e.line, e.hint)
        }
        other => other.to_string(),
    }
}

/// The registered environments of the client's workspace.
pub async fn environments(client: &AmlClient) -> Result<Vec<super::submit::EnvChoice>, AppError> {
    let list = client
        .list_environments()
        .await
        .map_err(|e| AppError::from(&e))?;
    Ok(list
        .into_iter()
        .map(|e| super::submit::EnvChoice {
            name: e.name,
            latest_version: e.latest_version,
            description: e.description,
        })
        .collect())
}

/// `flow::submit` on its own task (its future is `Send`), so a panic in it is a message, not a
/// dead runtime.
pub async fn submit(
    client: AmlClient,
    plan: flow::Plan,
    progress: Arc<dyn Fn(Step) + Send + Sync>,
) -> Result<flow::Outcome, String> {
    tokio::spawn(async move {
        let report = move |step: Step| progress(step);
        flow::submit(&client, &plan, &report)
            .await
            .map_err(|e| cause(&e))
    })
    .await
    .map_err(|e| format!("the submission stopped: {e}"))?
}

fn places() -> (Option<PathBuf>, Option<PathBuf>) {
    let cwd = std::env::current_dir().ok();
    let home = directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf());
    (cwd, home)
}

/// The spec with its code folder resolved (`~`, relative to the process's folder).
fn resolved(mut spec: JobSpec) -> Result<(JobSpec, PathBuf), String> {
    let (cwd, home) = places();
    let cwd = cwd.ok_or("cannot read the current folder (was it deleted?)")?;
    if let Some(Code::Local(path)) = &spec.code {
        let text = path.to_string_lossy().into_owned();
        spec.code = Some(Code::Local(resolve(&text, &cwd, home.as_deref())));
    }
    Ok((spec, cwd))
}

/// `flow::plan` on a blocking task.
async fn plan(spec: JobSpec) -> Result<flow::Plan, String> {
    let (spec, cwd) = resolved(spec)?;
    tokio::task::spawn_blocking(move || flow::plan(spec, &cwd).map_err(|e| cause(&e)))
        .await
        .map_err(|e| format!("the plan stopped: {e}"))?
}

/// Carries out `work` and sends its answer(s) to `tx`.
pub async fn run<S: DataSource>(work: SubmitEffect, source: Option<S>, tx: UnboundedSender<Msg>) {
    let send = |event: SubmitEvent| {
        let _ = tx.send(Msg::Submit(event));
    };
    match work {
        SubmitEffect::Snapshot { id, text } => {
            let (cwd, home) = places();
            let path = resolve(
                &text,
                cwd.as_deref().unwrap_or(std::path::Path::new(".")),
                home.as_deref(),
            );
            let at = path.clone();
            let result = tokio::task::spawn_blocking(move || Snapshot::of_path(&at))
                .await
                .map_err(|e| format!("the snapshot stopped: {e}"))
                .and_then(|r| r.map_err(|e| e.to_string()))
                .map(|snapshot| SnapshotSummary {
                    path,
                    lines: snapshot.lines(),
                });
            send(SubmitEvent::Snapshot {
                id,
                cwd,
                home,
                result,
            });
        }
        SubmitEffect::Environments { id } => {
            let result = match &source {
                None => Err(AppError::not_connected().line),
                Some(source) => {
                    match tokio::time::timeout(LIST_TIMEOUT, source.environments()).await {
                        Ok(Ok(list)) => Ok(list),
                        Ok(Err(e)) => Err(format!("{}; {}", e.line, e.hint)),
                        Err(_) => Err(AppError::no_answer(LIST_TIMEOUT.as_secs()).line),
                    }
                }
            };
            send(SubmitEvent::Environments { id, result });
        }
        SubmitEffect::Review { id, spec } => {
            let workspace = source
                .as_ref()
                .map(|s| s.workspace_id())
                .unwrap_or_default();
            let result = plan(*spec).await.and_then(|plan| {
                let body = flow::preview_body(&plan, &workspace).map_err(|e| cause(&e))?;
                Ok(ReviewData {
                    job_name: plan.job_name.clone(),
                    experiment_name: plan.experiment_name.clone(),
                    body: crate::azure::models::redact_json(&body),
                    snapshot: plan
                        .snapshot
                        .as_ref()
                        .map(Snapshot::lines)
                        .unwrap_or_default(),
                    notes: plan.notes.clone(),
                })
            });
            send(SubmitEvent::Reviewed { id, result });
        }
        SubmitEffect::Send { id, spec } => {
            let local = spec.compute == Some(Compute::Local);
            let result = match plan(*spec).await {
                Err(e) => Err(e),
                Ok(plan) if local => start_local(plan).await,
                Ok(plan) => match source {
                    None => Err(AppError::not_connected().line),
                    Some(source) => {
                        let tx = tx.clone();
                        let last = Mutex::new(None::<Instant>);
                        let progress = Arc::new(move |step: Step| {
                            if matches!(step, Step::Uploading { files_done, files_total, .. } if files_done < files_total)
                            {
                                let Ok(mut last) = last.lock() else { return };
                                let now = Instant::now();
                                if last.is_some_and(|t: Instant| {
                                    now.duration_since(t) < Duration::from_millis(STEP_EVERY_MS)
                                }) {
                                    return;
                                }
                                *last = Some(now);
                            }
                            let _ = tx.send(Msg::Submit(SubmitEvent::Step { id, step }));
                        });
                        let job_name = plan.job_name.clone();
                        source
                            .submit_plan(plan, progress)
                            .await
                            .map(|outcome| Sent::Remote {
                                job_name: if outcome.job_name.is_empty() {
                                    job_name
                                } else {
                                    outcome.job_name
                                },
                                job: outcome.job,
                                code: outcome.code,
                            })
                    }
                },
            };
            send(SubmitEvent::Sent { id, result });
        }
    }
}

/// `compute: local`: the run started on this machine, on a blocking task.
async fn start_local(plan: flow::Plan) -> Result<Sent, String> {
    tokio::task::spawn_blocking(move || {
        let root = LocalRuns::default_root()
            .ok_or("no home folder is known: local runs have nowhere to live")?;
        LocalRuns::open(root)
            .start(&plan)
            .map(|run| Sent::Local {
                name: run.name,
                display_name: run.display_name,
                experiment_name: run.experiment_name,
            })
            .map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| format!("the local run stopped: {e}"))?
}
