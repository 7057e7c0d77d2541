//! Guidance as data: what each kind of compute target is for and what it supports, in amlc's
//! own words, drawn from the documents amlc started from (training targets; the deployment
//! target table; sizing advice). One function per tab kind ([`for_tab`]) returns plain lines,
//! tables included, none wider than [`WIDTH`] display columns.
//!
//! Owns: the text and its layout into lines (word wrapping, table cells).
//! Must not: do I/O, know about terminals, styles or widgets (a view decides how to show the
//! lines), or quote the source documents: every sentence here is written for amlc.

use unicode_width::UnicodeWidthStr;

/// The widest line any guidance has, in display columns.
pub const WIDTH: usize = 80;

/// The tab a guide is for (the tabs of amlc's compute and job views).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuideTab {
    Instances,
    Clusters,
    Kubernetes,
    Attached,
    Jobs,
}

impl GuideTab {
    pub const ALL: [GuideTab; 5] = [
        GuideTab::Instances,
        GuideTab::Clusters,
        GuideTab::Kubernetes,
        GuideTab::Attached,
        GuideTab::Jobs,
    ];
}

/// The guide of `tab`, as lines of at most [`WIDTH`] columns.
pub fn for_tab(tab: GuideTab) -> Vec<String> {
    match tab {
        GuideTab::Instances => instances(),
        GuideTab::Clusters => clusters(),
        GuideTab::Kubernetes => kubernetes(),
        GuideTab::Attached => attached(),
        GuideTab::Jobs => jobs(),
    }
}

/// Words of `text` wrapped to `width` columns (a word longer than that is cut).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word = word.to_owned();
        while word.width() > width {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let mut head = String::new();
            let mut rest = String::new();
            for c in word.chars() {
                if rest.is_empty() && (head.clone() + &c.to_string()).width() <= width {
                    head.push(c);
                } else {
                    rest.push(c);
                }
            }
            lines.push(head);
            word = rest;
        }
        let needed = if line.is_empty() {
            word.width()
        } else {
            line.width() + 1 + word.width()
        };
        if needed > width && !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// A paragraph wrapped to the guide's width.
fn para(out: &mut Vec<String>, text: &str) {
    out.extend(wrap(text, WIDTH));
    out.push(String::new());
}

/// A heading and its underline.
fn heading(out: &mut Vec<String>, text: &str) {
    out.push(text.to_owned());
    out.push("=".repeat(text.width().min(WIDTH)));
    out.push(String::new());
}

/// Bullets, wrapped with a hanging indent.
fn bullets(out: &mut Vec<String>, items: &[&str]) {
    for item in items {
        for (i, line) in wrap(item, WIDTH - 2).into_iter().enumerate() {
            out.push(format!("{}{line}", if i == 0 { "- " } else { "  " }));
        }
    }
    out.push(String::new());
}

/// A table: a header, a rule, and rows whose cells wrap within their column; rows are
/// separated by a blank line. Columns are `widths` wide with two spaces between them.
fn table(out: &mut Vec<String>, headers: &[&str], widths: &[usize], rows: &[&[&str]]) {
    let line = |cells: &[String]| -> String {
        let mut text = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            text.push_str(cell);
            if i + 1 < cells.len() {
                text.push_str(&" ".repeat(w.saturating_sub(cell.width()) + 2));
            }
        }
        text.trim_end().to_owned()
    };
    let head: Vec<String> = headers.iter().map(|h| (*h).to_owned()).collect();
    out.push(line(&head));
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    out.push(line(&rule));
    for (r, row) in rows.iter().enumerate() {
        if r > 0 {
            out.push(String::new());
        }
        let wrapped: Vec<Vec<String>> = row
            .iter()
            .zip(widths)
            .map(|(cell, w)| wrap(cell, *w))
            .collect();
        let height = wrapped.iter().map(Vec::len).max().unwrap_or(0);
        for i in 0..height {
            let cells: Vec<String> = wrapped
                .iter()
                .map(|c| c.get(i).cloned().unwrap_or_default())
                .collect();
            out.push(line(&cells));
        }
    }
    out.push(String::new());
}

/// The training targets: target, what to use it for, what it supports.
pub const TRAINING_TARGETS: &[&[&str]] = &[
    &[
        "Local computer",
        "First experiments on a small slice of the data. Nothing to create or attach.",
        "Whatever your machine has, GPU included; your own Python environment.",
    ],
    &[
        "Compute cluster (AmlCompute)",
        "Training on larger data and distributed training. Grows when a job arrives, \
             shrinks to its minimum when idle.",
        "CPU and GPU sizes, dedicated or low priority, one or many nodes, batch \
             inference, pipelines, a virtual network.",
    ],
    &[
        "Compute instance",
        "A managed workstation for one person: notebooks, development, small runs.",
        "CPU or GPU (fixed at creation), SSH if enabled when created, Jupyter and \
             VS Code, idle shutdown.",
    ],
    &[
        "Remote VM (attached)",
        "A machine you already run (an Azure VM, a server of yours) when you want more \
             room than your laptop.",
        "Ubuntu only. Reached over SSH with a key or password; conda, an existing Python, \
             or Docker.",
    ],
    &[
        "HDInsight (attached)",
        "Training with Apache Spark on a big-data cluster you already have.",
        "Spark; attached by address, SSH user and password.",
    ],
    &[
        "Databricks (attached)",
        "Steps of a machine learning pipeline run in an Azure Databricks workspace.",
        "Pipelines only, with an access token.",
    ],
    &[
        "Data Lake Analytics (attached)",
        "Steps of a machine learning pipeline run as Data Lake Analytics jobs.",
        "Pipelines only.",
    ],
    &[
        "Azure Batch (retired)",
        "Large parallel HPC work sent from a v1 pipeline step to a pool of Batch \
             machines.",
        "Retired: only the v1 SDK could attach it and its support has ended; the REST \
             API has no Batch compute type, so amlc cannot attach it. Use a compute cluster.",
    ],
];

/// Where to train: every training target, what it is for and what it supports.
pub fn training_targets() -> Vec<String> {
    let mut out = Vec::new();
    heading(&mut out, "Where to train");
    table(
        &mut out,
        &["TARGET", "USE IT FOR", "WHAT IT SUPPORTS"],
        &[16, 32, 28],
        TRAINING_TARGETS,
    );
    out
}

/// The deployment targets: target, what to use it for, GPU support, good to know.
pub const DEPLOYMENT_TARGETS: &[&[&str]] = &[
    &[
        "Local web service",
        "Testing and debugging",
        "Only if your local libraries use it",
        "For limited tests and troubleshooting before anything is deployed.",
    ],
    &[
        "Azure Kubernetes Service (AKS)",
        "Real-time inference in production",
        "Yes, for web services",
        "Large-scale deployments with fast responses and autoscaling of the service \
             (FPGA too). Its node count is changed on the AKS cluster in the Azure portal, \
             not through Azure ML. Usable from the designer.",
    ],
    &[
        "Azure Container Instances (ACI)",
        "Testing or development",
        "No",
        "Low-scale CPU workloads needing less than 48 GB of RAM; models under 1 GB. \
             For bigger models, test on a single-node AKS cluster. Usable from the \
             designer.",
    ],
    &[
        "Compute cluster (AmlCompute)",
        "Batch inference",
        "Yes, in ML pipelines",
        "Batch scoring without a server to manage, on dedicated or low-priority VMs. \
             No real-time inference.",
    ],
];

/// Where to deploy: the deployment targets, with GPU support.
pub fn inference_targets() -> Vec<String> {
    let mut out = Vec::new();
    heading(&mut out, "Where to deploy a model");
    table(
        &mut out,
        &["TARGET", "USE IT FOR", "GPU", "GOOD TO KNOW"],
        &[16, 18, 10, 30],
        DEPLOYMENT_TARGETS,
    );
    bullets(
        &mut out,
        &[
            "GPUs for a model deployed as a web service: AKS only.",
            "GPUs for scoring in a machine learning pipeline: compute clusters only.",
            "Local computers and compute clusters use GPUs for training and experiments.",
        ],
    );
    out
}

/// How to size a cluster for inference.
pub fn sizing_advice() -> Vec<String> {
    let mut out = Vec::new();
    heading(&mut out, "Sizing: scale up, then out");
    bullets(
        &mut out,
        &[
            "Start with a VM size that has 150 % of the RAM the model needs.",
            "Profile it, and move up to the size that gives the performance you need.",
            "Only then add nodes, as many as the concurrent requests call for.",
        ],
    );
    out
}

/// The Instances tab.
pub fn instances() -> Vec<String> {
    let mut out = Vec::new();
    heading(&mut out, "Compute instances");
    para(
        &mut out,
        "A compute instance is a managed VM for one person: notebooks, writing and \
         debugging code, and experiments on a small share of the data. When a run needs more \
         data or several nodes, send it to a compute cluster.",
    );
    bullets(
        &mut out,
        &[
            "CPU or GPU: chosen when the instance is created, it cannot change later.",
            "SSH: off unless enabled at creation (needed for VS Code Remote debugging).",
            "Cost: billed per hour while it runs. Stopped, it costs nothing per hour but \
             its disks are still billed; set an idle shutdown so it stops by itself.",
            "Names: 3 to 24 characters, letters, digits and '-', starting with a letter, \
             unique in the region.",
        ],
    );
    out.extend(training_targets());
    out
}

/// The Clusters tab.
pub fn clusters() -> Vec<String> {
    let mut out = Vec::new();
    heading(&mut out, "Compute clusters");
    para(
        &mut out,
        "A compute cluster is Azure ML's managed pool of VMs for training, distributed \
         training and batch inference. It adds nodes when jobs are submitted, up to its \
         maximum, and releases idle nodes down to its minimum.",
    );
    bullets(
        &mut out,
        &[
            "Minimum 0: once its idle nodes are released, an idle cluster costs nothing.",
            "Low priority: much cheaper, but nodes are not guaranteed and a job can be \
             preempted.",
            "Cost: the size's price per hour times the nodes allocated now; the maximum \
             node count bounds it.",
            "Quota: each VM family has a vCPU limit per region (dedicated and low priority \
             counted apart); a cluster cannot grow past it.",
            "CPU or GPU sizes; the VM type cannot change after creation.",
        ],
    );
    out.extend(sizing_advice());
    out.extend(inference_targets());
    out
}

/// The Kubernetes tab.
pub fn kubernetes() -> Vec<String> {
    let mut out = Vec::new();
    heading(&mut out, "Kubernetes and AKS inference clusters");
    para(
        &mut out,
        "An AKS cluster hosts models as real-time web services for production: fast \
         responses, autoscaling of the service, GPUs for web services. A Kubernetes compute \
         attaches a cluster you already run (AKS or Arc-enabled).",
    );
    bullets(
        &mut out,
        &[
            "Purpose: production needs at least 12 vCPUs in all (nodes times the \
             size's vCPUs); dev-test may be a single small node.",
            "Cost: every agent node is billed at its size's price, whether or not a \
             model is deployed.",
            "Nodes are changed on the AKS cluster itself (Azure portal), not through \
             Azure ML.",
        ],
    );
    out.extend(inference_targets());
    out.extend(sizing_advice());
    out
}

/// The Attached tab.
pub fn attached() -> Vec<String> {
    let mut out = Vec::new();
    heading(&mut out, "Attached computes");
    para(
        &mut out,
        "An attached compute is a resource created outside Azure ML and brought into the \
         workspace. Azure ML does not manage it: you keep it running, sized and patched. \
         Detaching it leaves the resource as it is; its cost is billed on the resource \
         itself, so amlc does not estimate it.",
    );
    out.extend(training_targets());
    out
}

/// The Jobs tab.
pub fn jobs() -> Vec<String> {
    let mut out = Vec::new();
    heading(&mut out, "Where jobs run");
    para(
        &mut out,
        "A typical path: develop and try the script on your own computer or a compute \
         instance with a little data, then move to a compute cluster for the full data or \
         distributed training. The same script runs on every target; only the run \
         configuration (target and environment) changes.",
    );
    bullets(
        &mut out,
        &[
            "Snapshot: the source directory is uploaded with each run (.amlignore, else \
             .gitignore, says what to leave out); keep data out of it.",
            "Git: when the directory is a repository, the commit is recorded with the run.",
            "Submit from here: n opens the submit form (code folder and its snapshot, \
             command, compute or local, environment), a review of the job body, then the \
             run's logs; a job file goes through amlc jobs create -f job.yml.",
        ],
    );
    out.extend(training_targets());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_of_every_guide_fits_80_columns() {
        for tab in GuideTab::ALL {
            let lines = for_tab(tab);
            assert!(lines.len() > 10, "{tab:?}");
            for line in &lines {
                assert!(line.width() <= WIDTH, "{tab:?}: {} {line:?}", line.width());
                assert_eq!(line.trim_end(), line, "{tab:?}: trailing spaces");
            }
        }
    }

    fn text(lines: &[String]) -> String {
        lines.join("\n")
    }

    /// Every word of every cell shows in the rendered lines, in order (nothing cut).
    fn rendered_in_full(rows: &[&[&str]], lines: &[String]) {
        let words: Vec<&str> = lines.iter().flat_map(|l| l.split_whitespace()).collect();
        for row in rows {
            for cell in row.iter() {
                for word in cell.split_whitespace() {
                    assert!(words.contains(&word), "{word:?} of {cell:?} not shown");
                }
            }
        }
    }

    fn column(rows: &[&[&str]], i: usize) -> String {
        rows.iter().map(|r| r[i]).collect::<Vec<_>>().join("\n")
    }

    #[test]
    fn the_training_table_names_every_target_and_the_retirement() {
        let names = column(TRAINING_TARGETS, 0);
        for target in [
            "Local computer",
            "Compute cluster",
            "Compute instance",
            "Remote VM",
            "HDInsight",
            "Databricks",
            "Data Lake Analytics",
            "Azure Batch (retired)",
        ] {
            assert!(names.contains(target), "{target} missing:\n{names}");
        }
        let all: String = TRAINING_TARGETS
            .iter()
            .flat_map(|r| r.iter())
            .copied()
            .collect();
        assert!(
            all.contains("Retired:") && all.contains("Ubuntu only"),
            "{all}"
        );
        rendered_in_full(TRAINING_TARGETS, &training_targets());
    }

    #[test]
    fn the_deployment_table_and_sizing_advice() {
        let names = column(DEPLOYMENT_TARGETS, 0);
        for target in [
            "Local web service",
            "Azure Kubernetes Service (AKS)",
            "Azure Container Instances (ACI)",
            "Compute cluster",
        ] {
            assert!(names.contains(target), "{target} missing:\n{names}");
        }
        let uses = column(DEPLOYMENT_TARGETS, 1);
        assert!(
            uses.contains("Real-time inference in production") && uses.contains("Batch inference")
        );
        let aci = DEPLOYMENT_TARGETS[2].join(" ");
        assert!(
            aci.contains("CPU") && aci.contains("less than 48 GB"),
            "{aci}"
        );
        rendered_in_full(DEPLOYMENT_TARGETS, &inference_targets());
        let notes = text(&inference_targets());
        assert!(notes.contains("web service: AKS only"), "{notes}");
        let s = text(&sizing_advice());
        assert!(
            s.contains("150 %") && s.contains("scale up, then out"),
            "{s}"
        );
        // Each tab says what its own kind is for.
        assert!(text(&instances()).contains("disks are still billed"));
        assert!(text(&clusters()).contains("Minimum 0"));
        assert!(text(&kubernetes()).contains("at least 12 vCPUs"));
        assert!(text(&attached()).contains("does not estimate"));
        assert!(text(&jobs()).contains(".amlignore"));
    }

    #[test]
    fn table_cells_wrap_within_their_columns() {
        let mut out = Vec::new();
        table(
            &mut out,
            &["A", "B"],
            &[5, 8],
            &[&["one two three", "abcdefghijkl"]],
        );
        assert_eq!(
            out,
            [
                "A      B",
                "-----  --------",
                "one    abcdefgh",
                "two    ijkl",
                "three",
                ""
            ]
        );
        assert_eq!(wrap("a bb ccc", 4), ["a bb", "ccc"]);
    }
}
