use super::*;
use crate::submit::job_yaml::load;
use crate::submit::sha256_hex;
use std::fs;

fn spec(dir: &Path, yaml: &str) -> JobSpec {
    load("job.yml", yaml, dir, &[]).unwrap_or_else(|e| panic!("{e:?}"))
}

fn no_env(_: &str) -> Option<String> {
    None
}

fn conda(text: &str) -> Option<String> {
    pyyaml_dump(&crate::wizard::yaml::parse(text).unwrap().unwrap())
}

#[test]
fn conda_files_are_re_serialised_as_pyyaml_does() {
    // The vector of submit.md §3.3.
    let dumped = conda("name: e\ndependencies:\n  - python=3.10\n").unwrap();
    assert_eq!(dumped, "dependencies:\n- python=3.10\nname: e\n");
    assert_eq!(
        anonymous_version(
            "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest",
            Some(&dumped)
        ),
        "6aa4b68e0ab6799733eb860bcdccec1d92d9e7e8d3c62c71518dd52350a39ccb"
    );
    // Nested pip list, channels, comments dropped, keys sorted.
    let dumped = conda(
        "# my env\nname: train\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.10\n  - pip\n  - pip:\n      - numpy==1.26.4\n      - torch>=2.1\n",
    )
    .unwrap();
    assert_eq!(
        dumped,
        "channels:\n- conda-forge\ndependencies:\n- python=3.10\n- pip\n- pip:\n  - numpy==1.26.4\n  - torch>=2.1\nname: train\n"
    );
    // Mappings in sequences, nested maps, empty values.
    assert_eq!(
        conda("b:\n  z: x\n  a: y\na:\n  - k: v\n    c: d\nc: []\nd:\n").unwrap(),
        "a:\n- c: d\n  k: v\nb:\n  a: y\n  z: x\nc: []\nd: null\n"
    );
    // What PyYAML would quote or read as another type: not re-serialised.
    for text in [
        "python: 3.10\n",
        "name: 'yes'\n",
        "x: --extra-index-url https://h\n",
        "x: a b\n",
        "- a\n- b: [1]\n",
        "just text\n",
    ] {
        assert_eq!(conda(text), None, "{text}");
    }
}

#[test]
fn plan_names_the_job_and_the_experiment_and_reads_the_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir(d.join("src")).unwrap();
    fs::write(d.join("src/train.py"), "print('hi')\n").unwrap();
    let s = spec(
        d,
        "command: python train.py\ncode: src\nenvironment: azureml:env:1\ncompute: azureml:cpu\n",
    );
    let cwd = d.join("my project");
    fs::create_dir(&cwd).unwrap();
    let p = plan_with_env(s, &cwd, &no_env).unwrap();
    let parts: Vec<&str> = p.job_name.split('_').collect();
    assert_eq!(parts.len(), 3, "{}", p.job_name);
    assert!(ADJECTIVES.contains(&parts[0]) && NOUNS.contains(&parts[1]));
    assert_eq!(parts[2].len(), 10);
    assert!(
        parts[2]
            .chars()
            .all(|c| "bcdfghjklmnpqrstvwxyz0123456789".contains(c))
    );
    assert_eq!(p.experiment_name, "myproject");
    assert_eq!(p.spec.name.as_deref(), Some(p.job_name.as_str()));
    let snap = p.snapshot.as_ref().unwrap();
    assert_eq!(snap.file_count(), 1);
    assert_eq!(default_experiment(Path::new("/")), "Default");
}

#[test]
fn plan_notes_a_conda_file_on_the_local_computer_and_refuses_missing_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(
        d.join("conda.yml"),
        "name: e\ndependencies:\n  - python=3.10\n",
    )
    .unwrap();
    let s = spec(
        d,
        "command: echo hi\nenvironment:\n  image: python:3.11\n  conda_file: conda.yml\ncompute: local\nname: j1\n",
    );
    let p = plan_with_env(s, d, &no_env).unwrap();
    assert_eq!(p.job_name, "j1");
    assert!(
        p.notes
            .iter()
            .any(|n| n.contains("conda file is not applied on the local computer")),
        "{:?}",
        p.notes
    );
    let s = spec(
        d,
        "command: cat ${{inputs.d}}\nenvironment: azureml:e:1\ninputs:\n  d:\n    type: uri_folder\n    path: ./nope\n",
    );
    let err = plan_with_env(s, d, &no_env).unwrap_err();
    assert!(err.to_string().contains("inputs.d"), "{err}");
}

#[test]
fn preview_names_its_placeholders_and_computes_what_it_can() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir_all(d.join("src")).unwrap();
    fs::write(d.join("src/a.txt"), "hello\n").unwrap();
    fs::create_dir_all(d.join("data")).unwrap();
    fs::write(d.join("data/x.csv"), "1,2\n").unwrap();
    let s = spec(
        d,
        "command: ls ${{inputs.d}}\ncode: src\nenvironment: azureml:myenv@latest\ncompute: cpu\nname: j2\ninputs:\n  d:\n    type: uri_folder\n    path: data\n",
    );
    let p = plan_with_env(s, d, &no_env).unwrap();
    let body = preview_body(&p, "/subscriptions/s/resourceGroups/r/providers/Microsoft.MachineLearningServices/workspaces/w").unwrap();
    let props = &body["properties"];
    assert!(
        props["codeId"]
            .as_str()
            .unwrap()
            .contains("<code version of hash")
    );
    assert!(
        props["environmentId"]
            .as_str()
            .unwrap()
            .ends_with("/environments/myenv/versions/<latest version>")
    );
    let hash = object_hash(&d.join("data")).unwrap();
    assert_eq!(
        props["inputs"]["d"]["uri"],
        format!("azureml://datastores/workspaceblobstore/paths/LocalUpload/{hash}/data/")
    );
    assert_eq!(props["displayName"], "j2");
    // An inline image's anonymous version is known offline.
    let s = spec(
        d,
        "command: echo\nenvironment:\n  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest\nname: j3\n",
    );
    let p = plan_with_env(s, d, &no_env).unwrap();
    let body = preview_body(&p, "/W").unwrap();
    assert_eq!(
        body["properties"]["environmentId"],
        "/W/environments/CliV2AnonymousEnvironment/versions/2071223cb1efca116cf371a107b6bfc1980973cc0487579a5a14e5fffb8cbafc"
    );
}

#[test]
fn remote_code_and_build_versions() {
    assert_eq!(
        remote_code_id("azureml:c:3", "/W").unwrap(),
        "/W/codes/c/versions/3"
    );
    assert_eq!(
        remote_code_id("/subscriptions/x", "/W").unwrap(),
        "/subscriptions/x"
    );
    assert!(remote_code_id("https://h/x", "/W").is_err());
    let h = "a95aa7aa8bdf65e705c466be82654c123bccd3bf1a3121c664eebf670d654a3c";
    assert_eq!(
        build_version(h, None),
        sha256_hex(sha256_hex(h.as_bytes()).as_bytes())
    );
    assert_ne!(build_version(h, Some("Dockerfile")), build_version(h, None));
}
