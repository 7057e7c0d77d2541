//! v2 jobs (API reference §5): list (paged, newest first, filters), get, create a command job,
//! cancel and delete; and run-history details (§6) on the data plane found by discovery.

use super::client::AmlClient;
use super::computes::decode_page;
use super::error::{AzureError, Result};
use super::http::Request;
use super::lro::Operation;
use super::models::{Job, Page, RunDetails};
use reqwest::Method;
use url::Url;

/// Filters of the jobs list.
#[derive(Debug, Clone, Default)]
pub struct JobListOptions {
    /// `Command`, `Sweep`, `Pipeline`, ...
    pub job_type: Option<String>,
    /// Only jobs with this tag (`name` or `name=value`).
    pub tag: Option<String>,
    /// `ActiveOnly` (service default), `ArchivedOnly` or `All`.
    pub list_view_type: Option<String>,
    /// Stop after this many jobs (all pages when `None`).
    pub max_results: Option<usize>,
}

impl JobListOptions {
    fn query(&self) -> Vec<(&'static str, &str)> {
        let mut q = Vec::new();
        if let Some(v) = &self.job_type {
            q.push(("jobType", v.as_str()));
        }
        if let Some(v) = &self.tag {
            q.push(("tag", v.as_str()));
        }
        if let Some(v) = &self.list_view_type {
            q.push(("listViewType", v.as_str()));
        }
        q
    }
}

/// One page of jobs and the link to the next.
#[derive(Debug, Clone)]
pub struct JobPage {
    pub jobs: Vec<Job>,
    pub next: Option<Url>,
}

/// Creation time of a job as sortable text (ISO-8601 from `systemData.createdAt`).
fn created_at(job: &Job) -> &str {
    job.created_at().unwrap_or("")
}

/// Sorts jobs newest first (jobs without a creation time go last, by name).
pub fn sort_newest_first(jobs: &mut [Job]) {
    jobs.sort_by(|a, b| {
        created_at(b)
            .cmp(created_at(a))
            .then_with(|| a.name.cmp(&b.name))
    });
}

impl AmlClient {
    /// One page of `GET {WS}/jobs`; pass the previous page's `next` to go on.
    pub async fn list_jobs_page(
        &self,
        options: &JobListOptions,
        next: Option<Url>,
    ) -> Result<JobPage> {
        let url = match next {
            Some(url) => url,
            None => self.ws_url(&["jobs"], &options.query())?,
        };
        let raw: serde_json::Value = self.pipeline.send_json(Request::get(url.clone())).await?;
        let next = super::http::next_link(&raw, &url, &self.ctx.api_version)?;
        let page: Page<Job> = decode_page(raw)?;
        Ok(JobPage {
            jobs: page.value,
            next,
        })
    }

    /// Jobs across pages up to `max_results`, newest first.
    pub async fn list_jobs(&self, options: &JobListOptions) -> Result<Vec<Job>> {
        let url = self.ws_url(&["jobs"], &options.query())?;
        let api = self.ctx.api_version.clone();
        let mut jobs = self
            .pipeline
            .walk_pages(Method::GET, url, &api, options.max_results, |page| {
                Ok(decode_page::<Page<Job>>(page)?.value)
            })
            .await?;
        sort_newest_first(&mut jobs);
        if let Some(limit) = options.max_results {
            jobs.truncate(limit);
        }
        Ok(jobs)
    }

    pub async fn get_job(&self, name: &str) -> Result<Job> {
        let url = self.ws_url(&["jobs", name], &[])?;
        self.pipeline.send_json(Request::get(url)).await
    }

    /// `PUT {J}` with a job body (`{"properties":{"jobType":"Command",...}}`, see
    /// `CommandJobRequest`); not an LRO.
    pub async fn create_job(&self, name: &str, job: &Job) -> Result<Job> {
        if name.is_empty()
            || name.len() > 255
            || name
                .chars()
                .any(|c| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        {
            return Err(AzureError::Invalid(format!(
                "job name {name:?} may hold only letters, digits, '-' and '_' (1 to 255 characters)"
            )));
        }
        let url = self.ws_url(&["jobs", name], &[])?;
        let body = serde_json::to_value(job)
            .map_err(|e| AzureError::Invalid(format!("cannot encode job {name}: {e}")))?;
        self.pipeline
            .send_json(Request::new(Method::PUT, url).json(body))
            .await
    }

    /// Archives or restores a job as the Azure ML SDK does: GET the job, set
    /// `properties.isArchived`, PUT it back whole (every other field unchanged). Returns the
    /// job as the service answered the PUT.
    pub async fn set_job_archived(&self, name: &str, archived: bool) -> Result<serde_json::Value> {
        let url = self.ws_url(&["jobs", name], &[])?;
        let mut job: serde_json::Value = self.pipeline.send_json(Request::get(url.clone())).await?;
        let Some(properties) = job
            .get_mut("properties")
            .and_then(serde_json::Value::as_object_mut)
        else {
            return Err(AzureError::Decode {
                method: "GET".into(),
                url: url.path().to_string(),
                message: format!("job {name} has no properties object"),
            });
        };
        properties.insert("isArchived".into(), serde_json::Value::Bool(archived));
        self.pipeline
            .send_json(Request::new(Method::PUT, url).json(job))
            .await
    }

    /// `POST {J}/cancel` (200, or 202 and a `Location` to follow).
    pub async fn cancel_job(&self, name: &str) -> Result<Operation> {
        let url = self.ws_url(&["jobs", name, "cancel"], &[])?;
        let response = self.pipeline.send(Request::new(Method::POST, url)).await?;
        let resource = self.ws_url(&["jobs", name], &[])?;
        Operation::from_initial(
            self.pipeline.clone(),
            format!("cancel job {name}"),
            resource,
            response,
        )
    }

    /// `DELETE {J}`.
    pub async fn delete_job(&self, name: &str) -> Result<Operation> {
        let url = self.ws_url(&["jobs", name], &[])?;
        let response = self
            .pipeline
            .send(Request::new(Method::DELETE, url.clone()))
            .await?;
        Operation::from_initial(
            self.pipeline.clone(),
            format!("delete job {name}"),
            url,
            response,
        )
    }

    /// Run history: `GET {api}/history/v1.0/{WS}/runs/{id}/details`.
    pub async fn run_details(&self, run_id: &str) -> Result<RunDetails> {
        let base = self.data_plane_url().await?;
        let mut segments = vec!["history", "v1.0"];
        segments.extend(self.workspace_segments());
        segments.extend(["runs", run_id, "details"]);
        let url = AmlClient::url_from(&base, &segments, &[])?;
        self.pipeline.send_json(Request::get(url)).await
    }
}
