//! End to end through azure_identity's real `AzureCliCredential`: a fake `az` script on PATH
//! prints a token and counts its runs in a file. This file owns its process environment (it sets
//! PATH, as production code reads PATH from the process), so it holds exactly one test.

use amlc::azure::auth::{AuthMethod, build_credential, build_credential_with};
use amlc::azure::context::Cloud;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn write_script(path: &Path, body: &str) {
    std::fs::write(path, body).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn runs(count_file: &Path) -> usize {
    std::fs::read_to_string(count_file)
        .map(|s| s.lines().count())
        .unwrap_or(0)
}

#[tokio::test]
async fn fake_az_on_path_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let count = dir.path().join("az-runs");
    let args_file = dir.path().join("az-args");
    let expires_on = time::OffsetDateTime::now_utc().unix_timestamp() + 3600;
    let json = format!(
        r#"{{"accessToken":"fake-cli-token","expiresOn":"2099-01-01 00:00:00.000000","expires_on":{expires_on},"tokenType":"Bearer","subscription":"sub-1","tenant":"tenant-1"}}"#
    );
    write_script(
        &bin.join("az"),
        &format!(
            "#!/bin/sh\necho run >> '{}'\necho \"$@\" > '{}'\nprintf '%s\\n' '{json}'\n",
            count.display(),
            args_file.display()
        ),
    );
    // Only our fake az (and the system tools /bin/sh needs) on PATH; set before anything runs.
    let path = format!("{}:/usr/bin:/bin", bin.display());
    // SAFETY: this test binary holds this single test; nothing else reads the environment yet.
    unsafe { std::env::set_var("PATH", &path) };
    let process_env = |k: &str| std::env::var(k).ok();

    // `cli`: the token of the fake az; a second call within expiry does not run az again.
    let cred = build_credential(AuthMethod::Cli, &Cloud::AzureCloud, &process_env).unwrap();
    let tok = cred.token().await.unwrap();
    assert_eq!(tok.token.secret(), "fake-cli-token");
    assert_eq!(tok.expires_on.unix_timestamp(), expires_on);
    assert_eq!(tok.source, "Azure CLI");
    assert_eq!(runs(&count), 1);
    let again = cred.token().await.unwrap();
    assert_eq!(again.token.secret(), "fake-cli-token");
    assert_eq!(runs(&count), 1, "the cached token is reused");
    let args = std::fs::read_to_string(&args_file).unwrap();
    assert!(
        args.contains(
            "account get-access-token -o json --scope https://management.azure.com/.default"
        ),
        "{args}"
    );

    // The China cloud asks az for that cloud's scope.
    let cred = build_credential(AuthMethod::Cli, &Cloud::AzureChinaCloud, &process_env).unwrap();
    cred.token().await.unwrap();
    assert_eq!(runs(&count), 2);
    let args = std::fs::read_to_string(&args_file).unwrap();
    assert!(
        args.contains("--scope https://management.chinacloudapi.cn/.default"),
        "{args}"
    );

    // `auto` with no service principal, workload or managed identity reaches the Azure CLI and
    // remembers it.
    let only_path = |k: &str| (k == "PATH").then(|| path.clone());
    let not_a_vm = Path::new("/nonexistent/amlc-test/chassis_asset_tag");
    let cred =
        build_credential_with(AuthMethod::Auto, &Cloud::AzureCloud, &only_path, not_a_vm).unwrap();
    let tok = cred.token().await.unwrap();
    assert_eq!(tok.token.secret(), "fake-cli-token");
    assert_eq!(tok.source, "Azure CLI");
    assert_eq!(cred.describe(), "auto: Azure CLI");
    cred.token().await.unwrap();
    assert_eq!(runs(&count), 3);

    // An az that fails (not logged in): its stderr is the reason, and no token leaks.
    let failing = dir.path().join("failing");
    std::fs::create_dir_all(&failing).unwrap();
    write_script(
        &failing.join("az"),
        "#!/bin/sh\necho \"ERROR: Please run 'az login' to setup account.\" >&2\nexit 1\n",
    );
    let failing_path = format!("{}:/usr/bin:/bin", failing.display());
    let env = |k: &str| (k == "PATH").then(|| failing_path.clone());
    let cred = build_credential_with(AuthMethod::Cli, &Cloud::AzureCloud, &env, not_a_vm).unwrap();
    let err = cred.token().await.unwrap_err().to_string();
    assert!(
        err.contains("Azure CLI: ERROR: Please run 'az login' to setup account."),
        "{err}"
    );
    assert!(!err.contains('\n'), "{err}");
}
