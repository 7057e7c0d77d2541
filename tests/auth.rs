//! Authentication: static tokens, the token cache, the `auto` chain and its failure message, and
//! credential construction for every method. No test here sends network traffic (no
//! ManagedIdentity or ClientSecret `get_token`), and the process environment is never changed:
//! the environment (including the PATH used to find `az`/`azd`) is injected.

use amlc::azure::AzureError;
use amlc::azure::auth::{
    AZURE_VM_ASSET_TAG, AuthMethod, Credential, REFRESH_MARGIN, STATIC_TOKEN_LIFETIME,
    StaticTokenCredential, build_credential_with, jwt_expiry, managed_identity_available,
};
use amlc::azure::context::Cloud;
use async_trait::async_trait;
use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use time::{Duration, OffsetDateTime};

const SCOPE: &str = "https://management.azure.com/.default";
const TENANT: &str = "00000000-0000-0000-0000-000000000001";
const CLIENT: &str = "11111111-2222-3333-4444-555555555555";
const SECRET: &str = "very-secret-client-secret-value";

/// A `TokenCredential` double that counts its calls and can be slow or fail.
#[derive(Debug)]
struct Counting {
    calls: AtomicUsize,
    lifetime: Duration,
    delay: std::time::Duration,
    fail: Option<&'static str>,
    token: &'static str,
}

impl Counting {
    fn ok(token: &'static str, lifetime: Duration) -> Arc<Counting> {
        Arc::new(Counting {
            calls: AtomicUsize::new(0),
            lifetime,
            delay: std::time::Duration::ZERO,
            fail: None,
            token,
        })
    }

    fn failing(reason: &'static str) -> Arc<Counting> {
        Arc::new(Counting {
            calls: AtomicUsize::new(0),
            lifetime: Duration::hours(1),
            delay: std::time::Duration::ZERO,
            fail: Some(reason),
            token: "",
        })
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl TokenCredential for Counting {
    async fn get_token(
        &self,
        scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        assert_eq!(scopes, [SCOPE]);
        self.calls.fetch_add(1, Ordering::SeqCst);
        if !self.delay.is_zero() {
            tokio::time::sleep(self.delay).await;
        }
        match self.fail {
            Some(reason) => Err(azure_core::Error::with_message(
                azure_core::error::ErrorKind::Credential,
                format!("FakeCredential authentication failed. {reason}\nTo troubleshoot, visit x"),
            )),
            None => Ok(AccessToken::new(
                self.token.to_string(),
                OffsetDateTime::now_utc() + self.lifetime,
            )),
        }
    }
}

fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k: &str| map.get(k).cloned()
}

fn no_vm() -> PathBuf {
    PathBuf::from("/nonexistent/amlc-test/chassis_asset_tag")
}

fn jwt(claims: &str) -> String {
    let enc = |s: &str| azure_core::base64::encode_url_safe(s.as_bytes());
    format!(
        "{}.{}.{}",
        enc(r#"{"alg":"RS256","typ":"JWT"}"#),
        enc(claims),
        enc("signature")
    )
}

fn build(method: AuthMethod, env: &[(&str, &str)], tag: &Path) -> amlc::azure::Result<Credential> {
    build_credential_with(method, &Cloud::AzureCloud, &env_of(env), tag)
}

#[test]
fn auth_method_names_round_trip() {
    for method in AuthMethod::ALL {
        assert_eq!(method.as_str().parse::<AuthMethod>().unwrap(), method);
        assert_eq!(method.to_string(), method.as_str());
    }
    assert_eq!("CLI".parse::<AuthMethod>().unwrap(), AuthMethod::Cli);
    assert_eq!(AuthMethod::default(), AuthMethod::Auto);
    let err = "password".parse::<AuthMethod>().unwrap_err();
    assert!(
        err.contains("password") && err.contains("workload"),
        "{err}"
    );
}

#[tokio::test]
async fn static_token_requires_amlc_token() {
    for env in [&[][..], &[("AMLC_TOKEN", "  ")][..]] {
        let err = build(AuthMethod::Token, env, &no_vm()).unwrap_err();
        assert!(matches!(err, AzureError::Auth(_)));
        assert!(err.to_string().contains("set AMLC_TOKEN"), "{err}");
    }
}

#[tokio::test]
async fn static_token_without_exp_lasts_a_day() {
    let cred = build(
        AuthMethod::Token,
        &[("AMLC_TOKEN", "emulator-token")],
        &no_vm(),
    )
    .unwrap();
    assert_eq!(cred.describe(), "static token (AMLC_TOKEN)");
    let before = OffsetDateTime::now_utc();
    let tok = cred.token().await.unwrap();
    assert_eq!(tok.token.secret(), "emulator-token");
    assert_eq!(tok.source, "static token (AMLC_TOKEN)");
    let expected = before + STATIC_TOKEN_LIFETIME;
    assert!(
        (tok.expires_on - expected).abs() < Duration::minutes(1),
        "{}",
        tok.expires_on
    );
    // Neither Debug output carries the token.
    assert!(!format!("{tok:?}").contains("emulator-token"));
    assert!(!format!("{cred:?}").contains("emulator-token"));
}

#[tokio::test]
async fn static_jwt_uses_its_exp_claim() {
    let exp = OffsetDateTime::now_utc().unix_timestamp() + 3 * 3600;
    let token = jwt(&format!(
        r#"{{"aud":"https://management.azure.com/","exp":{exp}}}"#
    ));
    let cred = build(AuthMethod::Token, &[("AMLC_TOKEN", &token)], &no_vm()).unwrap();
    let tok = cred.token().await.unwrap();
    assert_eq!(tok.token.secret(), token);
    assert_eq!(tok.expires_on.unix_timestamp(), exp);
}

#[test]
fn jwt_expiry_parsing() {
    assert_eq!(
        jwt_expiry(&jwt(r#"{"exp":1700000000}"#))
            .unwrap()
            .unix_timestamp(),
        1_700_000_000
    );
    assert_eq!(
        jwt_expiry(&jwt(r#"{"exp":1700000000.5}"#))
            .unwrap()
            .unix_timestamp(),
        1_700_000_000
    );
    assert!(jwt_expiry(&jwt(r#"{"aud":"x"}"#)).is_none());
    assert!(jwt_expiry("not-a-jwt").is_none());
    assert!(jwt_expiry("a.b.c").is_none());
    assert!(jwt_expiry(&format!("{}.extra", jwt(r#"{"exp":1}"#))).is_none());
    // StaticTokenCredential falls back to now + 24 h.
    let cred = StaticTokenCredential::new("opaque");
    let left = cred.expires_on() - OffsetDateTime::now_utc();
    assert!(left > Duration::hours(23) && left <= Duration::hours(24));
}

#[tokio::test]
async fn tokens_are_cached_until_five_minutes_before_expiry() {
    let double = Counting::ok("t1", Duration::hours(1));
    let cred = Credential::from_token_credential("double", double.clone(), SCOPE);
    assert_eq!(cred.token().await.unwrap().token.secret(), "t1");
    assert_eq!(cred.token().await.unwrap().source, "double");
    let clone = cred.clone();
    clone.token().await.unwrap();
    assert_eq!(double.calls(), 1, "clones share the cache");

    cred.invalidate().await;
    cred.token().await.unwrap();
    assert_eq!(double.calls(), 2, "invalidate forces a refresh");

    // A token with less than the margin left is refreshed on every call.
    let short = Counting::ok("t2", REFRESH_MARGIN - Duration::seconds(10));
    let cred = Credential::from_token_credential("short", short.clone(), SCOPE);
    cred.token().await.unwrap();
    cred.token().await.unwrap();
    assert_eq!(short.calls(), 2);

    // Just outside the margin: still cached.
    let edge = Counting::ok("t3", REFRESH_MARGIN + Duration::minutes(1));
    let cred = Credential::from_token_credential("edge", edge.clone(), SCOPE);
    cred.token().await.unwrap();
    cred.token().await.unwrap();
    assert_eq!(edge.calls(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_callers_share_one_refresh() {
    let double = Arc::new(Counting {
        calls: AtomicUsize::new(0),
        lifetime: Duration::hours(1),
        delay: std::time::Duration::from_millis(200),
        fail: None,
        token: "shared",
    });
    let cred = Credential::from_token_credential("slow", double.clone(), SCOPE);
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let cred = cred.clone();
            tokio::spawn(async move { cred.token().await.map(|t| t.token.secret().to_string()) })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap(), "shared");
    }
    assert_eq!(double.calls(), 1);
}

#[tokio::test]
async fn single_source_failure_is_one_line_with_the_source() {
    let double = Counting::failing("no account");
    let cred = Credential::from_token_credential("double", double, SCOPE);
    let err = cred.token().await.unwrap_err();
    assert!(matches!(err, AzureError::Auth(_)));
    assert_eq!(err.to_string(), "authentication failed: double: no account");
}

#[tokio::test]
async fn chain_uses_and_remembers_the_first_source_that_works() {
    let broken = Counting::failing("not logged in");
    let good = Counting::ok("from-good", REFRESH_MARGIN - Duration::seconds(1));
    let never = Counting::ok("from-never", Duration::hours(1));
    let cred = Credential::from_chain(
        vec![
            (
                "broken".to_string(),
                broken.clone() as Arc<dyn TokenCredential>,
            ),
            ("good".to_string(), good.clone()),
            ("never".to_string(), never.clone()),
        ],
        SCOPE,
    );
    assert_eq!(cred.describe(), "auto: broken, good, never");
    let tok = cred.token().await.unwrap();
    assert_eq!(tok.token.secret(), "from-good");
    assert_eq!(tok.source, "good");
    assert_eq!(cred.describe(), "auto: good");
    // The token is short-lived, so this refreshes: only the remembered source is asked.
    cred.token().await.unwrap();
    assert_eq!((broken.calls(), good.calls(), never.calls()), (1, 2, 0));
}

#[tokio::test]
async fn chain_failure_lists_every_source() {
    let cred = Credential::from_chain(
        vec![
            (
                "first".to_string(),
                Counting::failing("reason one") as Arc<dyn TokenCredential>,
            ),
            ("second".to_string(), Counting::failing("reason two")),
        ],
        SCOPE,
    );
    let err = cred.token().await.unwrap_err().to_string();
    assert!(
        err.contains("first: reason one; second: reason two"),
        "{err}"
    );
    assert!(
        err.contains("az login") && err.contains("AMLC_TOKEN"),
        "{err}"
    );
    assert!(!err.contains('\n'), "{err}");
}

#[tokio::test]
async fn auto_with_nothing_available_explains_every_source() {
    let empty_path = tempfile::tempdir().unwrap();
    let path = empty_path.path().to_str().unwrap().to_string();
    let cred = build(
        AuthMethod::Auto,
        &[
            ("PATH", &path),
            ("AZURE_CLIENT_ID", CLIENT),
            ("AZURE_CLIENT_SECRET", SECRET),
        ],
        &no_vm(),
    )
    .unwrap();
    assert_eq!(cred.describe(), "auto: Azure CLI, Azure Developer CLI");
    let err = cred.token().await.unwrap_err();
    assert!(matches!(err, AzureError::Auth(_)));
    let text = err.to_string();
    // In chain order, each with its reason.
    let order = [
        "service principal: skipped (AZURE_TENANT_ID not set)",
        "workload identity: skipped (AZURE_FEDERATED_TOKEN_FILE, AZURE_TENANT_ID not set)",
        "managed identity: skipped",
        "Azure CLI: az not found on PATH",
        "Azure Developer CLI: azd not found on PATH",
    ];
    let mut at = 0;
    for part in order {
        let found = text[at..]
            .find(part)
            .unwrap_or_else(|| panic!("{part:?} missing after {at} in {text}"));
        at += found + part.len();
    }
    assert!(text.contains("run `az login`"), "{text}");
    assert!(
        text.contains("AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET"),
        "{text}"
    );
    assert!(text.contains("--auth token with AMLC_TOKEN"), "{text}");
    assert!(!text.contains(SECRET), "secret leaked: {text}");
    assert!(!text.contains('\n'), "{text}");
}

#[test]
fn auto_chain_order_with_every_source_configured() {
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("federated-token");
    std::fs::write(&token_file, "federated-assertion").unwrap();
    let env = [
        ("AZURE_TENANT_ID", TENANT),
        ("AZURE_CLIENT_ID", CLIENT),
        ("AZURE_CLIENT_SECRET", SECRET),
        ("AZURE_FEDERATED_TOKEN_FILE", token_file.to_str().unwrap()),
        ("IDENTITY_ENDPOINT", "http://127.0.0.1:1/msi/token"),
    ];
    let cred = build(AuthMethod::Auto, &env, &no_vm()).unwrap();
    assert_eq!(
        cred.describe(),
        format!(
            "auto: service principal {CLIENT}, workload identity {CLIENT}, managed identity {CLIENT}, Azure CLI, Azure Developer CLI"
        )
    );
    assert!(!format!("{cred:?}").contains(SECRET));
    assert!(!format!("{cred:?}").contains("federated-assertion"));

    // Without the service principal secret and the token file, managed identity leads.
    let cred = build(
        AuthMethod::Auto,
        &[
            ("AZURE_CLIENT_ID", CLIENT),
            ("MSI_ENDPOINT", "http://127.0.0.1:1/msi"),
        ],
        &no_vm(),
    )
    .unwrap();
    assert_eq!(
        cred.describe(),
        format!("auto: managed identity {CLIENT}, Azure CLI, Azure Developer CLI")
    );
}

#[test]
fn managed_identity_is_detected_without_network() {
    let dir = tempfile::tempdir().unwrap();
    let tag = dir.path().join("chassis_asset_tag");
    let none = env_of(&[]);
    assert!(!managed_identity_available(&none, &tag), "missing file");
    std::fs::write(&tag, format!("{AZURE_VM_ASSET_TAG}\n")).unwrap();
    assert!(managed_identity_available(&none, &tag), "Azure VM tag");
    std::fs::write(&tag, "No Asset Tag\n").unwrap();
    assert!(!managed_identity_available(&none, &tag), "other tag");
    assert!(managed_identity_available(
        &env_of(&[("IDENTITY_ENDPOINT", "http://x")]),
        &tag
    ));
    assert!(managed_identity_available(
        &env_of(&[("MSI_ENDPOINT", "http://x")]),
        &tag
    ));
    assert!(managed_identity_available(
        &env_of(&[("AMLC_MSI", "1")]),
        &tag
    ));
    assert!(!managed_identity_available(
        &env_of(&[("AMLC_MSI", "0")]),
        &tag
    ));
    assert!(!managed_identity_available(
        &env_of(&[("IDENTITY_ENDPOINT", "")]),
        &tag
    ));

    // On an "Azure VM" auto includes managed identity (system-assigned here).
    std::fs::write(&tag, AZURE_VM_ASSET_TAG).unwrap();
    let cred = build(AuthMethod::Auto, &[], &tag).unwrap();
    assert_eq!(
        cred.describe(),
        "auto: managed identity, Azure CLI, Azure Developer CLI"
    );
}

#[test]
fn service_principal_names_missing_variables_and_hides_the_secret() {
    let err = build(AuthMethod::Sp, &[("AZURE_CLIENT_SECRET", SECRET)], &no_vm())
        .unwrap_err()
        .to_string();
    assert!(err.contains("AZURE_TENANT_ID, AZURE_CLIENT_ID"), "{err}");
    assert!(
        !err.contains("AZURE_CLIENT_SECRET"),
        "the secret is set: {err}"
    );
    assert!(!err.contains(SECRET), "{err}");

    let cred = build(
        AuthMethod::Sp,
        &[
            ("AZURE_TENANT_ID", TENANT),
            ("AZURE_CLIENT_ID", CLIENT),
            ("AZURE_CLIENT_SECRET", SECRET),
        ],
        &no_vm(),
    )
    .unwrap();
    assert_eq!(cred.describe(), format!("service principal {CLIENT}"));
    assert!(!format!("{cred:?}").contains(SECRET));

    // An invalid tenant id is reported at construction, without the secret.
    let err = build(
        AuthMethod::Sp,
        &[
            ("AZURE_TENANT_ID", "bad tenant!"),
            ("AZURE_CLIENT_ID", CLIENT),
            ("AZURE_CLIENT_SECRET", SECRET),
        ],
        &no_vm(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("service principal"), "{err}");
    assert!(!err.contains(SECRET), "{err}");
}

#[test]
fn workload_identity_needs_its_token_file() {
    let err = build(
        AuthMethod::Workload,
        &[("AZURE_TENANT_ID", TENANT), ("AZURE_CLIENT_ID", CLIENT)],
        &no_vm(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("AZURE_FEDERATED_TOKEN_FILE"), "{err}");

    let err = build(
        AuthMethod::Workload,
        &[
            ("AZURE_TENANT_ID", TENANT),
            ("AZURE_CLIENT_ID", CLIENT),
            ("AZURE_FEDERATED_TOKEN_FILE", "/nonexistent/amlc/token"),
        ],
        &no_vm(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("/nonexistent/amlc/token"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("token");
    std::fs::write(&file, "assertion").unwrap();
    let cred = build(
        AuthMethod::Workload,
        &[
            ("AZURE_TENANT_ID", TENANT),
            ("AZURE_CLIENT_ID", CLIENT),
            ("AZURE_FEDERATED_TOKEN_FILE", file.to_str().unwrap()),
        ],
        &no_vm(),
    )
    .unwrap();
    assert_eq!(cred.describe(), format!("workload identity {CLIENT}"));
}

#[test]
fn managed_identity_and_developer_tools_construct() {
    let cred = build(AuthMethod::Msi, &[], &no_vm()).unwrap();
    assert_eq!(cred.describe(), "managed identity");
    let cred = build(AuthMethod::Msi, &[("AZURE_CLIENT_ID", CLIENT)], &no_vm()).unwrap();
    assert_eq!(cred.describe(), format!("managed identity {CLIENT}"));
    assert_eq!(
        build(AuthMethod::Cli, &[], &no_vm()).unwrap().describe(),
        "Azure CLI"
    );
    assert_eq!(
        build(AuthMethod::Azd, &[], &no_vm()).unwrap().describe(),
        "Azure Developer CLI"
    );
}

#[tokio::test]
async fn cli_without_az_on_path_says_so() {
    let empty_path = tempfile::tempdir().unwrap();
    let env = env_of(&[("PATH", empty_path.path().to_str().unwrap())]);
    let cred = build_credential_with(AuthMethod::Cli, &Cloud::AzureCloud, &env, &no_vm()).unwrap();
    let err = cred.token().await.unwrap_err().to_string();
    assert_eq!(
        err,
        "authentication failed: Azure CLI: az not found on PATH; run `az login` (or choose another --auth method)"
    );
}

#[test]
fn the_scope_follows_the_cloud() {
    let env = env_of(&[("AMLC_TOKEN", "x")]);
    for (cloud, scope) in [
        (Cloud::AzureCloud, "https://management.azure.com/.default"),
        (
            Cloud::AzureChinaCloud,
            "https://management.chinacloudapi.cn/.default",
        ),
        (
            Cloud::AzureUSGovernment,
            "https://management.usgovcloudapi.net/.default",
        ),
        (
            "http://127.0.0.1:9/".parse().unwrap(),
            "https://management.azure.com/.default",
        ),
    ] {
        let cred = build_credential_with(AuthMethod::Cli, &cloud, &env, &no_vm()).unwrap();
        assert_eq!(cred.scope(), scope);
        let cred = build_credential_with(AuthMethod::Token, &cloud, &env, &no_vm()).unwrap();
        assert_eq!(cred.scope(), scope);
    }
    // The sovereign-cloud service principal builds with that cloud's authority.
    let env = env_of(&[
        ("AZURE_TENANT_ID", TENANT),
        ("AZURE_CLIENT_ID", CLIENT),
        ("AZURE_CLIENT_SECRET", SECRET),
    ]);
    for cloud in [Cloud::AzureChinaCloud, Cloud::AzureUSGovernment] {
        assert!(build_credential_with(AuthMethod::Sp, &cloud, &env, &no_vm()).is_ok());
    }
}
