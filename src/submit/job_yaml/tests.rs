use super::*;
use crate::submit::sha256_hex;
use serde_json::json;

const WS: &str =
    "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w";

fn ok(text: &str) -> JobSpec {
    match load("job.yml", text, Path::new("/base"), &[]) {
        Ok(spec) => spec,
        Err(problems) => panic!("{}", lines(&problems)),
    }
}

fn errors(text: &str) -> Vec<String> {
    errors_with(text, &[])
}

fn errors_with(text: &str, sets: &[Override]) -> Vec<String> {
    match load("job.yml", text, Path::new("/base"), sets) {
        Ok(spec) => panic!("no error for {text:?}: {spec:?}"),
        Err(problems) => problems.iter().map(|p| p.to_string()).collect(),
    }
}

fn lit(v: &str) -> Input {
    Input::Literal {
        value: v.into(),
        description: None,
    }
}

fn lines(problems: &[Located]) -> String {
    problems
        .iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

const FULL: &str = r#"$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
type: command
name: strong_kettle_1
display_name: My run
experiment_name: exp1
description: trains
command: python train.py --x ${{inputs.x}} --data ${{inputs.data}} --out ${{outputs.model}}
code: src
environment: azureml:myenv:3
compute: azureml:cpu-cluster
inputs:
  x: 1
  lr:
    type: number
    value: 0.01
    description: rate
  data:
    type: uri_folder
    path: ./data
    mode: ro_mount
  remote:
    type: uri_file
    path: azureml://datastores/workspaceblobstore/paths/a.csv
    mode: download
    description: a file
outputs:
  model:
    type: uri_folder
    mode: rw_mount
    path: azureml://datastores/workspaceblobstore/paths/out/
environment_variables:
  A: "1"
  B: b
resources:
  instance_count: 2
  instance_type: Standard_DS3_v2
  shm_size: 2g
  docker_args: --ipc=host
distribution:
  type: pytorch
  process_count_per_instance: 4
limits:
  timeout: 300
tags:
  team: ml
properties:
  p: v
services:
  lab:
    type: jupyter_lab
    port: 8888
  ssh:
    type: ssh
    nodes: all
    ssh_public_keys: ssh-rsa AAAA
identity:
  type: user_identity
"#;

#[test]
fn every_field_is_read() {
    let s = ok(FULL);
    assert_eq!(s.name.as_deref(), Some("strong_kettle_1"));
    assert_eq!(s.display_name.as_deref(), Some("My run"));
    assert_eq!(s.experiment_name.as_deref(), Some("exp1"));
    assert_eq!(s.description.as_deref(), Some("trains"));
    assert!(s.command.starts_with("python train.py --x ${{inputs.x}}"));
    assert_eq!(s.code, Some(Code::Local(PathBuf::from("/base/src"))));
    assert_eq!(
        s.environment,
        Some(Environment::Registered {
            name: "myenv".into(),
            version: Some("3".into())
        })
    );
    assert_eq!(s.compute, Some(Compute::Named("cpu-cluster".into())));
    assert_eq!(s.inputs[0], ("x".into(), lit("1")));
    assert_eq!(
        s.inputs[1],
        (
            "lr".into(),
            Input::Literal {
                value: "0.01".into(),
                description: Some("rate".into())
            }
        )
    );
    match &s.inputs[2].1 {
        Input::Data {
            kind, path, mode, ..
        } => {
            assert_eq!(*kind, DataKind::UriFolder);
            assert_eq!(*path, DataPath::Local(PathBuf::from("/base/./data")));
            assert_eq!(mode.map(Mode::rest), Some("ReadOnlyMount"));
        }
        other => panic!("{other:?}"),
    }
    match &s.inputs[3].1 {
        Input::Data {
            kind,
            path,
            mode,
            description,
        } => {
            assert_eq!(*kind, DataKind::UriFile);
            assert!(matches!(path, DataPath::Remote(u) if u.starts_with("azureml://datastores/")));
            assert_eq!(mode.map(Mode::yaml), Some("download"));
            assert_eq!(description.as_deref(), Some("a file"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(s.outputs.len(), 1);
    assert_eq!(s.outputs[0].1.kind, DataKind::UriFolder);
    assert_eq!(s.outputs[0].1.mode.map(Mode::rest), Some("ReadWriteMount"));
    assert_eq!(
        s.environment_variables,
        vec![("A".into(), "1".into()), ("B".into(), "b".into())]
    );
    assert_eq!(
        s.resources,
        Some(Resources {
            instance_count: Some(2),
            instance_type: Some("Standard_DS3_v2".into()),
            shm_size: Some("2g".into()),
            docker_args: Some("--ipc=host".into()),
        })
    );
    assert_eq!(
        s.distribution,
        Some(Distribution::PyTorch {
            process_count_per_instance: Some(4)
        })
    );
    assert_eq!(s.timeout, Some(300));
    assert_eq!(s.tags, vec![("team".into(), "ml".into())]);
    assert_eq!(s.properties, vec![("p".into(), "v".into())]);
    assert_eq!(s.services.len(), 2);
    assert_eq!(s.services[0].1.kind, "jupyter_lab");
    assert_eq!(s.services[0].1.port, Some(8888));
    assert!(s.services[1].1.all_nodes);
    assert_eq!(s.identity, Some("UserIdentity"));
}

#[test]
fn distributions_mpi_and_tensorflow() {
    let base = "command: x\n";
    let s = ok(&format!(
        "{base}distribution:\n  type: mpi\n  process_count_per_instance: 2\n"
    ));
    assert_eq!(
        s.distribution,
        Some(Distribution::Mpi {
            process_count_per_instance: Some(2)
        })
    );
    let s = ok(&format!(
        "{base}distribution:\n  type: tensorflow\n  worker_count: 3\n  parameter_server_count: 0\n"
    ));
    assert_eq!(
        s.distribution,
        Some(Distribution::TensorFlow {
            worker_count: Some(3),
            parameter_server_count: Some(0)
        })
    );
    // A key of another distribution type is unknown here.
    let e = errors(&format!(
        "{base}distribution:\n  type: pytorch\n  worker_count: 3\n"
    ));
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].starts_with("job.yml:4:3: distribution.worker_count: unknown key"),
        "{e:?}"
    );
}

#[test]
fn environments_are_classified() {
    let env = |e: &str| {
        ok(&format!("command: x\nenvironment: {e}\n"))
            .environment
            .unwrap()
    };
    let reg = env("azureml:myenv:3");
    assert_eq!(reg.kind(), EnvKind::Registered);
    assert_eq!(
        reg.id(WS).unwrap(),
        format!("{WS}/environments/myenv/versions/3")
    );
    let latest = env("azureml:myenv@latest");
    assert_eq!(
        latest,
        Environment::Registered {
            name: "myenv".into(),
            version: None
        }
    );
    assert_eq!(latest.id(WS), None);
    assert_eq!(
        env("myenv:7").id(WS).unwrap(),
        format!("{WS}/environments/myenv/versions/7")
    );
    let reg_id = "azureml://registries/azureml/environments/sklearn-1.5/labels/latest";
    let cur = env(reg_id);
    assert_eq!(cur.kind(), EnvKind::Curated);
    assert_eq!(cur.id(WS).as_deref(), Some(reg_id));
    let short = env("AzureML-sklearn-1.0-ubuntu20.04-py38-cpu@latest");
    assert_eq!(short.kind(), EnvKind::Curated);
    assert_eq!(
        short.id(WS).as_deref(),
        Some("azureml:AzureML-sklearn-1.0-ubuntu20.04-py38-cpu@latest")
    );
    let user = env("\n  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest");
    assert_eq!(user.kind(), EnvKind::UserManaged);
    let sys = env("\n  image: img:1\n  conda_file: env/conda.yml");
    assert_eq!(sys.kind(), EnvKind::SystemManaged);
    assert!(
        matches!(&sys, Environment::Inline { conda_file: Some(p), .. } if p == Path::new("/base/env/conda.yml"))
    );
    let build = env("\n  build:\n    path: ctx\n    dockerfile_path: Dockerfile.gpu");
    assert_eq!(build.kind(), EnvKind::UserManaged);
    assert!(
        matches!(&build, Environment::Inline { build: Some(b), .. } if b.path == Path::new("/base/ctx"))
    );
    for k in EnvKind::ALL {
        assert!(!k.explain().contains('\n'));
    }
    assert!(EnvKind::SystemManaged.explain().contains("conda"));
    let e = errors("command: x\nenvironment: myenv\n");
    assert!(
        e[0].starts_with("job.yml:2:14: environment: not an environment reference"),
        "{e:?}"
    );
    let e = errors("command: x\nenvironment:\n  image: a\n  build:\n    path: c\n");
    assert!(e[0].contains("exactly one of image and build"), "{e:?}");
    let e = errors("command: x\nenvironment:\n  name: mine\n  image: a\n");
    assert_eq!(
        e,
        vec![
            "job.yml:3:3: environment.name: an inline environment takes no name or version \
             (register it and use azureml:NAME:VERSION instead)"
        ]
    );
}

#[test]
fn anonymous_environment_versions_match_submit_md() {
    // The test vectors of submit.md §3.3.
    let image = "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest";
    assert_eq!(
        anonymous_version(image, None),
        "2071223cb1efca116cf371a107b6bfc1980973cc0487579a5a14e5fffb8cbafc"
    );
    assert_eq!(
        anonymous_version(image, Some("dependencies:\n- python=3.10\nname: e\n")),
        "6aa4b68e0ab6799733eb860bcdccec1d92d9e7e8d3c62c71518dd52350a39ccb"
    );
    // FIPS 180-4 vectors for the hash itself (empty and a two-block message).
    assert_eq!(
        sha256_hex(b""),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(
        sha256_hex(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
    );
}

#[test]
fn typed_literal_inputs_are_checked() {
    let e = errors(
        "command: x\ninputs:\n  n:\n    type: integer\n    value: 1.5\n  b:\n    type: boolean\n    value: yes\n  s:\n    type: string\n    path: a\n    value: t\n  m:\n    type: number\n",
    );
    assert_eq!(
        e,
        vec![
            "job.yml:5:12: inputs.n.value: must be an integer",
            "job.yml:8:12: inputs.b.value: must be a boolean",
            "job.yml:11:5: inputs.s.path: a string input takes value, not path",
            "job.yml:14:5: inputs.m: a number input needs value",
        ]
    );
}

#[test]
fn compute_forms() {
    let c = |v: &str| ok(&format!("command: x\ncompute: {v}\n")).compute;
    assert_eq!(c("azureml:gpu-1"), Some(Compute::Named("gpu-1".into())));
    assert_eq!(c("gpu-1"), Some(Compute::Named("gpu-1".into())));
    assert_eq!(c("local"), Some(Compute::Local));
    assert_eq!(c("azureml:local"), Some(Compute::Local));
    assert_eq!(ok("command: x\n").compute, None);
    let e = errors("command: x\ncompute: 1bad_name\n");
    assert!(
        e[0].starts_with("job.yml:2:10: compute: must be local, NAME"),
        "{e:?}"
    );
}

#[test]
fn unknown_keys_and_bad_values_name_their_line_all_of_them() {
    let e = errors(
        "command: python a.py\nfoo: 1\nresources:\n  instance_count: 0\n  gpus: 2\nlimits:\n  timeout: soon\ninputs:\n  d:\n    type: mltable\n    path: x\n    mode: fast\n",
    );
    assert_eq!(
        e,
        vec![
            "job.yml:2:1: foo: unknown key (known here: $schema, type, name, display_name, experiment_name, description, command, code, environment, compute, inputs, outputs, environment_variables, resources, distribution, limits, tags, properties, services, identity)".to_string(),
            "job.yml:4:19: resources.instance_count: must be a whole number of at least 1".into(),
            "job.yml:5:3: resources.gpus: unknown key (known here: instance_count, instance_type, shm_size, docker_args)".into(),
            "job.yml:7:12: limits.timeout: must be a number of seconds, at least 1".into(),
            "job.yml:10:11: inputs.d.type: amlc takes uri_file and uri_folder data (mltable and model types are not supported)".into(),
            "job.yml:12:11: inputs.d.mode: must be one of ro_mount, rw_mount, download, upload, direct, eval_mount, eval_download".into(),
        ]
    );
}

#[test]
fn messages_never_quote_values() {
    let e = errors("command: x\nenvironment_variables:\n  TOKEN: [s3cr3t]\ncompute: s3cr3t_!\n");
    assert_eq!(e.len(), 2, "{e:?}");
    assert!(e.iter().all(|m| !m.contains("s3cr3t")), "{e:?}");
}

#[test]
fn missing_command_and_malformed_yaml() {
    let e = errors("code: .\n");
    assert_eq!(
        e,
        vec!["job.yml:1:1: command: missing: a command job needs a command"]
    );
    let e = errors("command: x\n  bad: [\n");
    assert!(e[0].starts_with("job.yml:"), "{e:?}");
    assert!(e[0].contains("not valid YAML"), "{e:?}");
}

#[test]
fn a_sweep_job_is_refused() {
    let e = errors("type: sweep\ntrial:\n  command: x\nsearch_space: {}\n");
    assert_eq!(e.len(), 1, "only the refusal: {e:?}");
    assert_eq!(
        e[0],
        "job.yml:1:7: type: amlc submits command jobs only; a sweep job is not submitted by amlc (use `az ml job create -f` for it)"
    );
    for t in ["pipeline", "automl", "spark"] {
        let e = errors(&format!("type: {t}\n"));
        assert!(
            e[0].contains(&format!("a {t} job is not submitted")),
            "{e:?}"
        );
    }
    let e = errors("type: banana\ncommand: x\n");
    assert!(e[0].contains("unknown job type"), "{e:?}");
}

#[test]
fn undeclared_placeholders_are_errors() {
    let e = errors(
        "command: python a.py ${{inputs.x}} ${{ outputs.y }} ${{inputs.ok}}\ninputs:\n  ok: 1\n",
    );
    assert_eq!(
        e,
        vec![
            "job.yml:1:10: command: ${{inputs.x}} names no declared inputs: add it under inputs:",
            "job.yml:1:10: command: ${{outputs.y}} names no declared outputs: add it under outputs:",
        ]
    );
    let e = errors("command: echo ${{search_space.lr}}\n");
    assert!(e[0].contains("may only use"), "{e:?}");
    ok("command: a ${{inputs.a}} ${{outputs.b}}\ninputs:\n  a: 1\noutputs:\n  b: {}\n");
}

#[test]
fn relative_paths_are_relative_to_the_file() {
    let s = match load(
        "jobs/job.yml",
        "command: x\ncode: ../src\ninputs:\n  d:\n    type: uri_file\n    path: data/a.csv\n  r:\n    type: uri_folder\n    path: https://acct.blob.core.windows.net/c/p/\n",
        Path::new("/home/u/proj/jobs"),
        &[],
    ) {
        Ok(s) => s,
        Err(p) => panic!("{}", lines(&p)),
    };
    assert_eq!(
        s.code,
        Some(Code::Local(PathBuf::from("/home/u/proj/jobs/../src")))
    );
    assert!(
        matches!(&s.inputs[0].1, Input::Data { path: DataPath::Local(p), .. } if p == Path::new("/home/u/proj/jobs/data/a.csv"))
    );
    assert!(
        matches!(&s.inputs[1].1, Input::Data { path: DataPath::Remote(u), .. } if u.starts_with("https://"))
    );
    let s = ok(
        "command: x\ninputs:\n  a:\n    type: uri_file\n    path: file:///data/a.csv\n  b:\n    type: uri_file\n    path: file:b.csv\n",
    );
    assert!(
        matches!(&s.inputs[0].1, Input::Data { path: DataPath::Local(p), .. } if p == Path::new("/data/a.csv"))
    );
    assert!(
        matches!(&s.inputs[1].1, Input::Data { path: DataPath::Local(p), .. } if p == Path::new("/base/b.csv"))
    );
    let s = ok("command: x\ncode: azureml:mycode:1\n");
    assert_eq!(s.code, Some(Code::Remote("azureml:mycode:1".into())));
}

#[test]
fn read_resolves_against_the_files_folder() {
    let dir = std::env::temp_dir().join(format!("amlc-jobyaml-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("jobs")).unwrap();
    let file = dir.join("jobs/job.yml");
    std::fs::write(&file, "command: x\ncode: src\n").unwrap();
    let s = read(&file, &[]).unwrap();
    assert_eq!(s.code, Some(Code::Local(dir.join("jobs/src"))));
    let missing = read(&dir.join("nope.yml"), &[]).unwrap_err();
    assert!(missing[0].message.starts_with("cannot read the file"));
    let big = dir.join("big.yml");
    std::fs::write(&big, "#".repeat(MAX_YAML_BYTES + 1)).unwrap();
    let e = read(&big, &[]).unwrap_err();
    assert!(e[0].message.contains("larger than"), "{e:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn set_overrides_apply_and_are_checked() {
    let sets = [
        Override::set("compute=azureml:gpu").unwrap(),
        Override::set("resources.instance_count=3").unwrap(),
        Override::set("inputs.x=5").unwrap(),
    ];
    let s = load(
        "job.yml",
        "command: a ${{inputs.x}}\ncompute: cpu\ninputs:\n  x: 1\n",
        Path::new("/b"),
        &sets,
    )
    .unwrap();
    assert_eq!(s.compute, Some(Compute::Named("gpu".into())));
    assert_eq!(s.resources.unwrap().instance_count, Some(3));
    assert_eq!(s.inputs, vec![("x".into(), lit("5"))]);
    let e = errors_with(
        "command: a\n",
        &[
            Override::set("resources.instance_count=zero").unwrap(),
            Override::set("bogus=1").unwrap(),
        ],
    );
    assert_eq!(
        e,
        vec![
            "--set bogus: bogus: unknown key (known here: $schema, type, name, display_name, experiment_name, description, command, code, environment, compute, inputs, outputs, environment_variables, resources, distribution, limits, tags, properties, services, identity)",
            "--set resources.instance_count: resources.instance_count: must be a whole number of at least 1",
        ]
    );
}

#[test]
fn body_matches_the_recorded_sdk_body() {
    // submit.md §8, the recorded body (git properties given in the file here).
    let yaml = r#"command: python train.py --x ${{inputs.x}}
display_name: disp
experiment_name: exp1
code: .
environment: azureml:myenv:3
compute: azureml:cpu-cluster
inputs:
  x: 1
properties:
  mlflow.source.git.repoURL: "…"
  mlflow.source.git.branch: main
  mlflow.source.git.commit: <sha>
  azureml.git.dirty: "True"
"#;
    let s = ok(yaml);
    let env = s.environment.as_ref().unwrap().id(WS).unwrap();
    let code = format!("{WS}/codes/n/versions/1");
    let body = s.to_body(WS, Some(&code), &env).unwrap();
    let want = json!({"properties":{"displayName":"disp","command":"python train.py --x ${{inputs.x}}",
     "codeId": code,
     "computeId": format!("{WS}/computes/cpu-cluster"),
     "properties":{"mlflow.source.git.repoURL":"…","mlflow.source.git.branch":"main",
                   "mlflow.source.git.commit":"<sha>","azureml.git.dirty":"True"},
     "experimentName":"exp1","isArchived":false,
     "inputs":{"x":{"value":"1","jobInputType":"literal"}},"outputs":{},
     "environmentId": format!("{WS}/environments/myenv/versions/3"),
     "tags":{},"environmentVariables":{},"jobType":"Command"}});
    assert_eq!(body, want);
    // No compute: computeId omitted; local: omitted as well.
    let body = ok("command: x\n").to_body(WS, None, "e").unwrap();
    assert!(body["properties"].get("computeId").is_none());
    assert!(body["properties"].get("codeId").is_none());
    let body = ok("command: x\ncompute: local\n")
        .to_body(WS, None, "e")
        .unwrap();
    assert!(body["properties"].get("computeId").is_none());
}

#[test]
fn body_matches_the_example_job_request() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/azureml-api/examples/Job/CommandJob/createOrUpdate.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let example: Value = serde_json::from_str(&text).unwrap();
    let mut want = example["parameters"]["body"].clone();
    let p = want["properties"].as_object_mut().unwrap();
    // Placeholders of the example that a job file cannot produce as they are: a compute is a
    // name made an ARM id, an output path is a remote URI. Read-only fields the service fills
    // (`services.*.endpoint`) and `resources.properties` (free-form, not in the YAML schema)
    // are not sent.
    p["computeId"] = json!(format!("{WS}/computes/string"));
    p["outputs"]["string"]["uri"] = json!("azureml://datastores/d/paths/o");
    p["services"]["string"]["jobServiceType"] = json!("JupyterLab");
    p["services"]["string"]
        .as_object_mut()
        .unwrap()
        .remove("endpoint");
    p["resources"].as_object_mut().unwrap().remove("properties");
    let yaml = r#"command: string
description: string
display_name: string
experiment_name: string
compute: string
code: azureml:c:1
environment: azureml:e:1
tags:
  string: string
properties:
  string: string
services:
  string:
    type: jupyter_lab
    port: 1
    properties:
      string: string
resources:
  instance_count: 1
  instance_type: string
inputs:
  string:
    type: string
    value: string
    description: string
outputs:
  string:
    type: uri_file
    mode: rw_mount
    path: azureml://datastores/d/paths/o
    description: string
distribution:
  type: tensorflow
  worker_count: 1
  parameter_server_count: 1
limits:
  timeout: 300
environment_variables:
  string: string
identity:
  type: aml_token
"#;
    let s = ok(yaml);
    let body = s.to_body(WS, Some("string"), "string").unwrap();
    // Every field of the example, present and equal.
    for (k, v) in want["properties"].as_object().unwrap() {
        assert_eq!(&body["properties"][k], v, "{k}");
    }
}

#[test]
fn local_inputs_must_be_uploaded_before_the_body() {
    let s = ok("command: x\ninputs:\n  d:\n    type: uri_folder\n    path: data\n");
    let e = s.to_body(WS, None, "e").unwrap_err();
    assert!(e.contains("inputs.d is a local path"), "{e}");
}

#[test]
fn iso_durations_as_the_sdk_writes_them() {
    assert_eq!(iso_duration(300), "PT5M");
    assert_eq!(iso_duration(3600), "PT1H");
    assert_eq!(iso_duration(90061), "P1DT1H1M1S");
    assert_eq!(iso_duration(86400), "P1D");
    assert_eq!(iso_duration(45), "PT45S");
}
