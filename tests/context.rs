//! Context resolution: precedence of flags, env, Azure CLI defaults, config-file profiles and
//! built-in defaults, with a fake `~/.azure` under a temporary HOME. The environment is always
//! injected; the process environment is never read or changed here.

use amlc::azure::auth::AuthMethod;
use amlc::azure::context::{Cloud, DEFAULT_API_VERSION};
use amlc::config::{
    ContextCase, ContextFlags, ResolveInputs, ResolvedContext, Source, default_config_path,
    load_config, resolve,
};
use amlc::connect::{Plan, plan_for};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

const BOM: &str = "\u{feff}";

struct Fixture {
    _dir: TempDir,
    home: PathBuf,
    config: PathBuf,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        std::fs::create_dir_all(&home).unwrap();
        let config = dir.path().join("amlc").join("config.toml");
        Fixture {
            home,
            config,
            _dir: dir,
        }
    }

    fn az_dir(&self) -> PathBuf {
        self.home.join(".azure")
    }

    /// Writes `config` and `azureProfile.json` (with a BOM, as the Azure CLI does) into `dir`.
    fn write_az(&self, dir: &Path, config: &str, default_subscription: &str, cloud: &str) {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("config"), config).unwrap();
        let profile = format!(
            r#"{BOM}{{"installationId":"x","subscriptions":[
                {{"id":"not-default","name":"other","state":"Enabled","isDefault":false,"environmentName":"AzureCloud"}},
                {{"id":"{default_subscription}","name":"main","state":"Enabled","isDefault":true,"environmentName":"{cloud}","tenantId":"t"}}
            ]}}"#
        );
        std::fs::write(dir.join("azureProfile.json"), profile).unwrap();
    }

    fn write_config(&self, text: &str) {
        std::fs::create_dir_all(self.config.parent().unwrap()).unwrap();
        std::fs::write(&self.config, text).unwrap();
    }

    /// The error of resolving with no flags and no env (for a config file that must be refused).
    fn config_error(&self) -> String {
        self.resolve(&ContextFlags::default(), &[])
            .unwrap_err()
            .to_string()
    }

    fn resolve(
        &self,
        flags: &ContextFlags,
        env: &[(&str, &str)],
    ) -> amlc::azure::Result<ResolvedContext> {
        let map: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let lookup = move |k: &str| map.get(k).cloned();
        resolve(ResolveInputs {
            flags,
            env: &lookup,
            home: Some(self.home.clone()),
            config_file: Some(self.config.clone()),
        })
    }
}

const FULL_PROFILE: &str = r#"
default_profile = "main"

[profiles.main]
subscription = "sub-profile"
resource_group = "rg-profile"
workspace = "ws-profile"
cloud = "AzureUSGovernment"
api_version = "2024-10-01"
auth = "azd"

[profiles.other]
subscription = "sub-other"
resource_group = "rg-other"
workspace = "ws-other"
"#;

fn all_flags() -> ContextFlags {
    ContextFlags {
        subscription: Some("sub-flag".into()),
        resource_group: Some("rg-flag".into()),
        workspace: Some("ws-flag".into()),
        endpoint: None,
        cloud: Some("AzureChinaCloud".into()),
        api_version: Some("2025-01-01-preview".into()),
        profile: None,
        auth: Some("cli".into()),
    }
}

const ALL_ENV: &[(&str, &str)] = &[
    ("AZURE_SUBSCRIPTION_ID", "sub-env"),
    ("AZURE_RESOURCE_GROUP", "rg-env"),
    ("AZUREML_WORKSPACE_NAME", "ws-env"),
    ("AMLC_CLOUD", "AzureUSGovernment"),
    ("AMLC_API_VERSION", "2025-04-01"),
    ("AMLC_AUTH", "token"),
];

fn sub(ctx: &ResolvedContext) -> (&str, &Source) {
    let s = ctx.subscription.as_ref().expect("subscription");
    (s.value.as_str(), &s.source)
}

#[test]
fn nothing_configured_gives_defaults_and_no_workspace() {
    let fx = Fixture::new();
    let ctx = fx.resolve(&ContextFlags::default(), &[]).unwrap();
    assert_eq!(ctx.cloud.value, Cloud::AzureCloud);
    assert_eq!(ctx.cloud.source, Source::Default);
    assert_eq!(ctx.api_version.value, DEFAULT_API_VERSION);
    assert_eq!(ctx.api_version.source, Source::Default);
    assert_eq!(ctx.auth.value, AuthMethod::Auto);
    assert_eq!(ctx.auth.source, Source::Default);
    assert!(ctx.subscription.is_none() && ctx.resource_group.is_none() && ctx.workspace.is_none());
    assert_eq!(
        ctx.missing(),
        vec!["subscription", "resource group", "workspace"]
    );
    assert!(ctx.workspace_context().is_none());
    assert!(ctx.profile.is_none());
    assert!(ctx.config.is_none());
    assert_eq!(ctx.az_config_dir, Some(fx.az_dir()));
}

#[test]
fn azure_cli_defaults_are_read_from_home() {
    let fx = Fixture::new();
    fx.write_az(
        &fx.az_dir(),
        "[core]\noutput = json\n\n[defaults]\ngroup = rg-az\nworkspace = ws-az\n",
        "sub-az",
        "AzureCloud",
    );
    let ctx = fx.resolve(&ContextFlags::default(), &[]).unwrap();
    let config_path = fx.az_dir().join("config");
    let profile_path = fx.az_dir().join("azureProfile.json");
    assert_eq!(
        sub(&ctx),
        ("sub-az", &Source::AzCliProfile(profile_path.clone()))
    );
    let rg = ctx.resource_group.clone().unwrap();
    assert_eq!(
        (rg.value.as_str(), rg.source),
        ("rg-az", Source::AzCliConfig(config_path.clone()))
    );
    let ws = ctx.workspace.clone().unwrap();
    assert_eq!(
        (ws.value.as_str(), ws.source),
        ("ws-az", Source::AzCliConfig(config_path))
    );
    // The default subscription's cloud is the cloud when the CLI config names none.
    assert_eq!(ctx.cloud.value, Cloud::AzureCloud);
    assert_eq!(ctx.cloud.source, Source::AzCliProfile(profile_path));
    assert!(ctx.missing().is_empty());
    let wc = ctx.workspace_context().unwrap();
    assert_eq!(
        (
            wc.subscription.as_str(),
            wc.resource_group.as_str(),
            wc.workspace.as_str()
        ),
        ("sub-az", "rg-az", "ws-az")
    );
    assert_eq!(wc.api_version, DEFAULT_API_VERSION);
}

#[test]
fn azure_config_dir_replaces_home_dot_azure() {
    let fx = Fixture::new();
    fx.write_az(
        &fx.az_dir(),
        "[defaults]\ngroup = rg-home\n",
        "sub-home",
        "AzureCloud",
    );
    let other = fx.home.join("elsewhere");
    fx.write_az(
        &other,
        "[defaults]\ngroup = rg-other\n",
        "sub-other",
        "AzureCloud",
    );
    let ctx = fx
        .resolve(
            &ContextFlags::default(),
            &[("AZURE_CONFIG_DIR", other.to_str().unwrap())],
        )
        .unwrap();
    assert_eq!(ctx.resource_group.unwrap().value, "rg-other");
    assert_eq!(ctx.subscription.unwrap().value, "sub-other");
    assert_eq!(ctx.az_config_dir, Some(other));
}

#[test]
fn azure_cli_cloud_setting_picks_that_clouds_default_subscription() {
    let fx = Fixture::new();
    std::fs::create_dir_all(fx.az_dir()).unwrap();
    std::fs::write(
        fx.az_dir().join("config"),
        "[cloud]\nname = AzureChinaCloud\n",
    )
    .unwrap();
    std::fs::write(
        fx.az_dir().join("azureProfile.json"),
        format!(
            r#"{BOM}{{"subscriptions":[
                {{"id":"sub-public","isDefault":true,"environmentName":"AzureCloud"}},
                {{"id":"sub-china","isDefault":true,"environmentName":"AzureChinaCloud"}}]}}"#
        ),
    )
    .unwrap();
    let ctx = fx.resolve(&ContextFlags::default(), &[]).unwrap();
    assert_eq!(ctx.subscription.unwrap().value, "sub-china");
    assert_eq!(ctx.cloud.value, Cloud::AzureChinaCloud);
    assert_eq!(
        ctx.cloud.source,
        Source::AzCliConfig(fx.az_dir().join("config"))
    );
}

#[test]
fn malformed_azure_cli_profile_is_ignored() {
    let fx = Fixture::new();
    std::fs::create_dir_all(fx.az_dir()).unwrap();
    std::fs::write(fx.az_dir().join("azureProfile.json"), "{not json").unwrap();
    std::fs::write(
        fx.az_dir().join("config"),
        "[defaults]\nworkspace = ws-az\n",
    )
    .unwrap();
    let ctx = fx.resolve(&ContextFlags::default(), &[]).unwrap();
    assert!(ctx.subscription.is_none());
    assert_eq!(ctx.workspace.unwrap().value, "ws-az");
}

/// Every value, level by level: flag > env > az CLI defaults > default profile > default.
#[test]
fn precedence_for_every_value() {
    let fx = Fixture::new();
    fx.write_az(
        &fx.az_dir(),
        "[defaults]\ngroup = rg-az\nworkspace = ws-az\n[cloud]\nname = AzureCloud\n",
        "sub-az",
        "AzureCloud",
    );
    fx.write_config(FULL_PROFILE);
    let az_config = Source::AzCliConfig(fx.az_dir().join("config"));
    let az_profile = Source::AzCliProfile(fx.az_dir().join("azureProfile.json"));
    let prof = Source::ConfigFile {
        path: fx.config.clone(),
        profile: "main".into(),
    };

    // 1. flags win over everything.
    let ctx = fx.resolve(&all_flags(), ALL_ENV).unwrap();
    assert_eq!(sub(&ctx), ("sub-flag", &Source::Flag("--subscription")));
    assert_eq!(ctx.resource_group.as_ref().unwrap().value, "rg-flag");
    assert_eq!(
        ctx.resource_group.as_ref().unwrap().source,
        Source::Flag("--resource-group")
    );
    assert_eq!(ctx.workspace.as_ref().unwrap().value, "ws-flag");
    assert_eq!(
        ctx.workspace.as_ref().unwrap().source,
        Source::Flag("--workspace")
    );
    assert_eq!(ctx.cloud.value, Cloud::AzureChinaCloud);
    assert_eq!(ctx.cloud.source, Source::Flag("--cloud"));
    assert_eq!(ctx.api_version.value, "2025-01-01-preview");
    assert_eq!(ctx.api_version.source, Source::Flag("--api-version"));
    assert_eq!(ctx.auth.value, AuthMethod::Cli);
    assert_eq!(ctx.auth.source, Source::Flag("--auth"));
    assert_eq!(ctx.profile.as_deref(), Some("main"));
    let wc = ctx.workspace_context().unwrap();
    assert_eq!(wc.api_version, "2025-01-01-preview");
    assert_eq!(wc.cloud, Cloud::AzureChinaCloud);

    // 2. without flags, the environment.
    let ctx = fx.resolve(&ContextFlags::default(), ALL_ENV).unwrap();
    let env = |k: &str| Source::Env(k.to_string());
    assert_eq!(sub(&ctx), ("sub-env", &env("AZURE_SUBSCRIPTION_ID")));
    assert_eq!(
        ctx.resource_group.as_ref().unwrap().source,
        env("AZURE_RESOURCE_GROUP")
    );
    assert_eq!(ctx.resource_group.as_ref().unwrap().value, "rg-env");
    assert_eq!(
        ctx.workspace.as_ref().unwrap().source,
        env("AZUREML_WORKSPACE_NAME")
    );
    assert_eq!(ctx.workspace.as_ref().unwrap().value, "ws-env");
    assert_eq!(ctx.cloud.value, Cloud::AzureUSGovernment);
    assert_eq!(ctx.cloud.source, env("AMLC_CLOUD"));
    assert_eq!(ctx.api_version.value, "2025-04-01");
    assert_eq!(ctx.api_version.source, env("AMLC_API_VERSION"));
    assert_eq!(ctx.auth.value, AuthMethod::Token);
    assert_eq!(ctx.auth.source, env("AMLC_AUTH"));

    // 3. without flags and env: the Azure CLI defaults; the default profile fills the rest.
    let ctx = fx.resolve(&ContextFlags::default(), &[]).unwrap();
    assert_eq!(sub(&ctx), ("sub-az", &az_profile));
    assert_eq!(ctx.resource_group.as_ref().unwrap().source, az_config);
    assert_eq!(ctx.workspace.as_ref().unwrap().value, "ws-az");
    assert_eq!(ctx.cloud.value, Cloud::AzureCloud);
    assert_eq!(ctx.cloud.source, az_config);
    assert_eq!(ctx.api_version.value, "2024-10-01");
    assert_eq!(ctx.api_version.source, prof);
    assert_eq!(ctx.auth.value, AuthMethod::Azd);
    assert_eq!(ctx.auth.source, prof);

    // 4. without Azure CLI files: the default profile.
    std::fs::remove_dir_all(fx.az_dir()).unwrap();
    let ctx = fx.resolve(&ContextFlags::default(), &[]).unwrap();
    assert_eq!(sub(&ctx), ("sub-profile", &prof));
    assert_eq!(ctx.resource_group.as_ref().unwrap().value, "rg-profile");
    assert_eq!(ctx.workspace.as_ref().unwrap().value, "ws-profile");
    assert_eq!(ctx.workspace.as_ref().unwrap().source, prof);
    assert_eq!(ctx.cloud.value, Cloud::AzureUSGovernment);
    assert_eq!(ctx.cloud.source, prof);

    // 5. without a config file: built-in defaults.
    std::fs::remove_file(&fx.config).unwrap();
    let ctx = fx.resolve(&ContextFlags::default(), &[]).unwrap();
    assert!(ctx.subscription.is_none());
    assert_eq!(ctx.cloud.source, Source::Default);
    assert_eq!(ctx.api_version.source, Source::Default);
    assert_eq!(ctx.auth.source, Source::Default);
    assert!(ctx.profile.is_none());
}

#[test]
fn values_mix_across_levels() {
    let fx = Fixture::new();
    fx.write_az(
        &fx.az_dir(),
        "[defaults]\ngroup = rg-az\n",
        "sub-az",
        "AzureCloud",
    );
    let flags = ContextFlags {
        workspace: Some("ws-flag".into()),
        ..ContextFlags::default()
    };
    let ctx = fx
        .resolve(&flags, &[("AZURE_RESOURCE_GROUP", "rg-env")])
        .unwrap();
    assert_eq!(
        sub(&ctx).1,
        &Source::AzCliProfile(fx.az_dir().join("azureProfile.json"))
    );
    assert_eq!(ctx.resource_group.as_ref().unwrap().value, "rg-env");
    assert_eq!(
        ctx.workspace.as_ref().unwrap().source,
        Source::Flag("--workspace")
    );
    assert!(ctx.workspace_context().is_some());
}

#[test]
fn empty_values_count_as_unset() {
    let fx = Fixture::new();
    let flags = ContextFlags {
        workspace: Some("  ".into()),
        ..ContextFlags::default()
    };
    let ctx = fx
        .resolve(
            &flags,
            &[
                ("AZUREML_WORKSPACE_NAME", ""),
                ("AZURE_SUBSCRIPTION_ID", "sub-env"),
                ("AMLC_AUTH", ""),
            ],
        )
        .unwrap();
    assert!(ctx.workspace.is_none());
    assert_eq!(ctx.auth.source, Source::Default);
    assert_eq!(ctx.missing(), vec!["resource group", "workspace"]);
}

#[test]
fn explicit_profile_outranks_azure_cli_defaults() {
    let fx = Fixture::new();
    fx.write_az(
        &fx.az_dir(),
        "[defaults]\ngroup = rg-az\nworkspace = ws-az\n",
        "sub-az",
        "AzureCloud",
    );
    fx.write_config(FULL_PROFILE);
    let other = Source::ConfigFile {
        path: fx.config.clone(),
        profile: "other".into(),
    };
    let by_flag = ContextFlags {
        profile: Some("other".into()),
        ..ContextFlags::default()
    };
    for ctx in [
        fx.resolve(&by_flag, &[]).unwrap(),
        fx.resolve(&ContextFlags::default(), &[("AMLC_PROFILE", "other")])
            .unwrap(),
    ] {
        assert_eq!(ctx.profile.as_deref(), Some("other"));
        assert_eq!(sub(&ctx), ("sub-other", &other));
        assert_eq!(ctx.resource_group.as_ref().unwrap().value, "rg-other");
        assert_eq!(ctx.workspace.as_ref().unwrap().value, "ws-other");
        // "other" names no cloud, so the Azure CLI's applies; api-version is the default.
        assert_eq!(
            ctx.cloud.source,
            Source::AzCliProfile(fx.az_dir().join("azureProfile.json"))
        );
        assert_eq!(ctx.api_version.source, Source::Default);
    }
    // Flags and env still beat an explicit profile.
    let flags = ContextFlags {
        profile: Some("other".into()),
        workspace: Some("ws-flag".into()),
        ..ContextFlags::default()
    };
    let ctx = fx
        .resolve(&flags, &[("AZURE_RESOURCE_GROUP", "rg-env")])
        .unwrap();
    assert_eq!(ctx.workspace.unwrap().value, "ws-flag");
    assert_eq!(ctx.resource_group.unwrap().value, "rg-env");
    assert_eq!(ctx.subscription.unwrap().value, "sub-other");
}

#[test]
fn the_flag_profile_beats_the_env_profile() {
    let fx = Fixture::new();
    fx.write_config(FULL_PROFILE);
    let flags = ContextFlags {
        profile: Some("main".into()),
        ..ContextFlags::default()
    };
    let ctx = fx.resolve(&flags, &[("AMLC_PROFILE", "other")]).unwrap();
    assert_eq!(ctx.profile.as_deref(), Some("main"));
    assert_eq!(ctx.subscription.unwrap().value, "sub-profile");
}

#[test]
fn a_profile_named_default_is_used_without_default_profile() {
    let fx = Fixture::new();
    fx.write_config(
        "[profiles.default]\nworkspace = \"ws-d\"\n[profiles.x]\nworkspace = \"ws-x\"\n",
    );
    let ctx = fx.resolve(&ContextFlags::default(), &[]).unwrap();
    assert_eq!(ctx.profile.as_deref(), Some("default"));
    assert_eq!(ctx.workspace.unwrap().value, "ws-d");

    fx.write_config("[profiles.x]\nworkspace = \"ws-x\"\n");
    let ctx = fx.resolve(&ContextFlags::default(), &[]).unwrap();
    assert!(ctx.profile.is_none());
    assert!(ctx.workspace.is_none());
}

#[test]
fn unknown_profile_is_an_error_naming_the_known_ones() {
    let fx = Fixture::new();
    fx.write_config(FULL_PROFILE);
    let flags = ContextFlags {
        profile: Some("prdo".into()),
        ..ContextFlags::default()
    };
    let err = fx.resolve(&flags, &[]).unwrap_err().to_string();
    assert!(err.contains("\"prdo\""), "{err}");
    assert!(err.contains("flag --profile"), "{err}");
    assert!(err.contains("main, other"), "{err}");

    let err = fx
        .resolve(&ContextFlags::default(), &[("AMLC_PROFILE", "nope")])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("env AMLC_PROFILE") && err.contains("main, other"),
        "{err}"
    );

    // A profile asked for while there is no config file at all.
    std::fs::remove_file(&fx.config).unwrap();
    let err = fx.resolve(&flags, &[]).unwrap_err().to_string();
    assert!(
        err.contains("prdo") && err.contains("does not exist"),
        "{err}"
    );
}

#[test]
fn default_profile_must_exist() {
    let fx = Fixture::new();
    fx.write_config("default_profile = \"gone\"\n[profiles.here]\nworkspace = \"w\"\n");
    let err = fx.config_error();
    assert!(err.contains("gone") && err.contains("here"), "{err}");
    assert!(err.contains(fx.config.to_str().unwrap()), "{err}");
}

#[test]
fn malformed_toml_names_path_and_line() {
    let fx = Fixture::new();
    fx.write_config("[profiles.main]\nworkspace = \"ws\"\nresource_group = \n");
    let err = fx.config_error();
    assert!(err.contains(fx.config.to_str().unwrap()), "{err}");
    assert!(err.contains("line 3"), "{err}");
    assert!(!err.contains('\n'), "one line: {err}");
}

#[test]
fn unknown_keys_are_errors_with_the_key_name() {
    let fx = Fixture::new();
    fx.write_config("[profiles.main]\nsubscription = \"s\"\nwrkspace = \"ws\"\n");
    let err = fx.config_error();
    assert!(err.contains("wrkspace"), "{err}");
    assert!(err.contains("line 3"), "{err}");
    assert!(err.contains(fx.config.to_str().unwrap()), "{err}");

    fx.write_config("colour = \"red\"\n");
    let err = fx.config_error();
    assert!(err.contains("colour"), "{err}");

    fx.write_config("[refresh]\nvisible = 5\n");
    let err = fx.config_error();
    assert!(err.contains("visible"), "{err}");
}

#[test]
fn invalid_values_in_profiles_are_errors() {
    let fx = Fixture::new();
    fx.write_config("[profiles.main]\ncloud = \"Mars\"\n");
    let err = fx.config_error();
    assert!(err.contains("Mars") && err.contains("line 2"), "{err}");

    fx.write_config("[profiles.main]\nauth = \"kerberos\"\n");
    let err = fx.config_error();
    assert!(err.contains("kerberos"), "{err}");

    fx.write_config("[profiles.main]\nendpoint = \"AzureCloud\"\n");
    let err = fx.config_error();
    assert!(err.contains("endpoint"), "{err}");
}

#[test]
fn secrets_are_refused_in_the_config_file() {
    let fx = Fixture::new();
    for (text, key) in [
        (
            "[profiles.main]\nworkspace = \"w\"\ntoken = \"eyJ-super-secret\"\n",
            "profiles.main.token",
        ),
        ("client_secret = \"s3cr3t-value\"\n", "client_secret"),
        (
            "[profiles.main]\npassword = \"hunter2-value\"\n",
            "profiles.main.password",
        ),
    ] {
        fx.write_config(text);
        let err = fx
            .resolve(&ContextFlags::default(), &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains(key), "{err}");
        assert!(err.contains("never holds secrets"), "{err}");
        for value in ["eyJ-super-secret", "s3cr3t-value", "hunter2-value"] {
            assert!(!err.contains(value), "the value leaked: {err}");
        }
    }
}

#[test]
fn endpoint_wins_over_cloud_at_the_same_or_a_higher_level() {
    let fx = Fixture::new();
    // Same level (flags).
    let flags = ContextFlags {
        cloud: Some("AzureChinaCloud".into()),
        endpoint: Some("http://127.0.0.1:8080".into()),
        ..ContextFlags::default()
    };
    let ctx = fx.resolve(&flags, &[]).unwrap();
    assert_eq!(
        ctx.cloud.value,
        "http://127.0.0.1:8080/".parse::<Cloud>().unwrap()
    );
    assert_eq!(ctx.cloud.source, Source::Flag("--endpoint"));

    // Endpoint higher (flag) than cloud (env).
    let flags = ContextFlags {
        endpoint: Some("https://arm.example.test".into()),
        ..ContextFlags::default()
    };
    let ctx = fx
        .resolve(&flags, &[("AMLC_CLOUD", "AzureChinaCloud")])
        .unwrap();
    assert!(matches!(ctx.cloud.value, Cloud::Custom(_)));

    // Cloud higher (flag) than endpoint (env): the cloud wins.
    let flags = ContextFlags {
        cloud: Some("AzureUSGovernment".into()),
        ..ContextFlags::default()
    };
    let ctx = fx
        .resolve(&flags, &[("AMLC_ENDPOINT", "https://arm.example.test")])
        .unwrap();
    assert_eq!(ctx.cloud.value, Cloud::AzureUSGovernment);

    // Same level (env).
    let ctx = fx
        .resolve(
            &ContextFlags::default(),
            &[
                ("AMLC_CLOUD", "AzureChinaCloud"),
                ("AMLC_ENDPOINT", "https://arm.example.test"),
            ],
        )
        .unwrap();
    assert_eq!(ctx.cloud.source, Source::Env("AMLC_ENDPOINT".into()));

    // Same level (profile).
    fx.write_config(
        "default_profile = \"emu\"\n[profiles.emu]\ncloud = \"AzureChinaCloud\"\nendpoint = \"http://localhost:9000\"\n",
    );
    let ctx = fx.resolve(&ContextFlags::default(), &[]).unwrap();
    assert_eq!(
        ctx.cloud.value.arm_endpoint().as_str(),
        "http://localhost:9000/"
    );
}

#[test]
fn invalid_flag_or_env_values_name_their_source() {
    let fx = Fixture::new();
    let err = fx
        .resolve(&ContextFlags::default(), &[("AMLC_CLOUD", "Narnia")])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("env AMLC_CLOUD") && err.contains("Narnia"),
        "{err}"
    );

    let flags = ContextFlags {
        auth: Some("magic".into()),
        ..ContextFlags::default()
    };
    let err = fx.resolve(&flags, &[]).unwrap_err().to_string();
    assert!(
        err.contains("flag --auth") && err.contains("magic"),
        "{err}"
    );

    let flags = ContextFlags {
        endpoint: Some("management.azure.com".into()),
        ..ContextFlags::default()
    };
    let err = fx.resolve(&flags, &[]).unwrap_err().to_string();
    assert!(err.contains("flag --endpoint"), "{err}");
}

#[test]
fn describe_sources_lists_every_field() {
    let fx = Fixture::new();
    fx.write_az(
        &fx.az_dir(),
        "[defaults]\ngroup = rg-az\n",
        "sub-az",
        "AzureCloud",
    );
    let flags = ContextFlags {
        workspace: Some("ws-flag".into()),
        ..ContextFlags::default()
    };
    let ctx = fx.resolve(&flags, &[]).unwrap();
    let rows = ctx.describe_sources();
    let get = |field: &str| rows.iter().find(|r| r.0 == field).cloned().unwrap();
    assert_eq!(
        get("workspace"),
        (
            "workspace".into(),
            "ws-flag".into(),
            "flag --workspace".into()
        )
    );
    let rg = get("resource group");
    assert_eq!(rg.1, "rg-az");
    assert!(
        rg.2.contains("az CLI config") && rg.2.contains(".azure"),
        "{rg:?}"
    );
    assert_eq!(get("subscription").1, "sub-az");
    assert_eq!(
        get("api-version"),
        (
            "api-version".into(),
            DEFAULT_API_VERSION.into(),
            "default".into()
        )
    );
    assert_eq!(get("auth").1, "auto");
    assert_eq!(get("cloud").1, "AzureCloud");
    assert_eq!(get("profile").1, "(none)");

    let ctx = fx
        .resolve(
            &ContextFlags::default(),
            &[("AZURE_CONFIG_DIR", "/nonexistent")],
        )
        .unwrap();
    let rows = ctx.describe_sources();
    let ws = rows.iter().find(|r| r.0 == "workspace").unwrap();
    assert_eq!(ws.1, "(not set)");
    assert!(ws.2.contains("AZUREML_WORKSPACE_NAME"));
}

#[test]
fn source_display() {
    assert_eq!(Source::Flag("--workspace").to_string(), "flag --workspace");
    assert_eq!(
        Source::Env("AZUREML_WORKSPACE_NAME".into()).to_string(),
        "env AZUREML_WORKSPACE_NAME"
    );
    assert_eq!(
        Source::ConfigFile {
            path: "/c/config.toml".into(),
            profile: "prod".into()
        }
        .to_string(),
        "/c/config.toml [profiles.prod]"
    );
    assert_eq!(Source::Default.to_string(), "default");
    assert!(
        Source::AzCliConfig("/h/.azure/config".into())
            .to_string()
            .ends_with("/h/.azure/config")
    );
}

#[test]
fn config_file_location_and_reserved_tables() {
    let env = |k: &str| (k == "AMLC_CONFIG").then(|| "/tmp/x/amlc.toml".to_string());
    assert_eq!(
        default_config_path(&env),
        Some(PathBuf::from("/tmp/x/amlc.toml"))
    );
    let none = |_: &str| None;
    let default = default_config_path(&none);
    if let Some(path) = default {
        assert!(path.ends_with("config.toml"), "{path:?}");
    }

    let fx = Fixture::new();
    assert_eq!(load_config(&fx.config).unwrap(), None);
    fx.write_config(
        "[refresh]\nvisible_secs = 5\nbusy_secs = 2\nbackground_secs = 60\n\n[keys]\ndelete = \"D\"\nrefresh = \"ctrl-r\"\n\n[theme]\naccent = \"cyan\"\n",
    );
    let file = load_config(&fx.config).unwrap().unwrap();
    assert_eq!(file.path, fx.config);
    assert_eq!(file.refresh.visible_secs, Some(5));
    assert_eq!(file.refresh.busy_secs, Some(2));
    assert_eq!(file.refresh.background_secs, Some(60));
    assert_eq!(file.keys.get("delete").map(String::as_str), Some("D"));
    assert_eq!(file.theme.get("accent").map(String::as_str), Some("cyan"));
    assert!(file.profiles.is_empty());

    // resolve hands the loaded file to its caller.
    let ctx = fx.resolve(&ContextFlags::default(), &[]).unwrap();
    assert_eq!(ctx.config.unwrap().keys.len(), 2);
}

#[test]
fn no_config_file_path_reads_none() {
    let fx = Fixture::new();
    fx.write_config("this is not toml");
    let flags = ContextFlags::default();
    let env = |_: &str| None;
    let ctx = resolve(ResolveInputs {
        flags: &flags,
        env: &env,
        home: None,
        config_file: None,
    })
    .unwrap();
    assert!(ctx.config.is_none());
    assert!(ctx.az_config_dir.is_none());
}

// ------------------------------------------------------------------ context cases

fn case_of(fx: &Fixture, flags: &ContextFlags, env: &[(&str, &str)]) -> ContextCase {
    fx.resolve(flags, env).unwrap().case()
}

fn missing_of(case: &ContextCase) -> Vec<&'static str> {
    match case {
        ContextCase::Incomplete { missing, .. } => missing.clone(),
        other => panic!("expected an incomplete context, got {other:?}"),
    }
}

#[test]
fn nothing_configured_is_the_only_case_that_runs_the_emulator() {
    let fx = Fixture::new();
    let ctx = fx.resolve(&ContextFlags::default(), &[]).unwrap();
    assert_eq!(ctx.case(), ContextCase::NothingConfigured);
    assert_eq!(plan_for(&ctx, false), Plan::Emulator { requested: false });
    assert_eq!(plan_for(&ctx, true), Plan::Emulator { requested: true });
    // Only the Azure CLI's active cloud, no login: still nothing configured.
    fx.write_az(&fx.az_dir(), "[cloud]\nname = AzureChinaCloud\n", "", "");
    std::fs::remove_file(fx.az_dir().join("azureProfile.json")).unwrap();
    assert_eq!(
        case_of(&fx, &ContextFlags::default(), &[]),
        ContextCase::NothingConfigured
    );
    // An api-version alone is harmless for the emulator: still nothing configured. (An auth
    // method is not: see `an_explicit_way_to_sign_in_without_a_workspace_is_incomplete`.)
    let api = ContextFlags {
        api_version: Some("2025-01-01-preview".into()),
        ..ContextFlags::default()
    };
    assert_eq!(case_of(&fx, &api, &[]), ContextCase::NothingConfigured);
    assert_eq!(
        case_of(
            &fx,
            &ContextFlags::default(),
            &[("AMLC_API_VERSION", "2025-01-01-preview")]
        ),
        ContextCase::NothingConfigured
    );
}

/// The Incomplete message of `ctx`, checked to name all three missing values with where each
/// may come from, and to offer --emulator.
fn all_missing_message(ctx: &ResolvedContext) -> String {
    assert_eq!(
        missing_of(&ctx.case()),
        vec!["subscription", "resource group", "workspace"]
    );
    let Plan::Incomplete(message) = plan_for(ctx, false) else {
        panic!("expected Incomplete, got {:?}", plan_for(ctx, false));
    };
    for hint in [
        "subscription: --subscription",
        "AZURE_SUBSCRIPTION_ID",
        "resource group: -g/--resource-group",
        "AZURE_RESOURCE_GROUP",
        "workspace: -w/--workspace",
        "AZUREML_WORKSPACE_NAME",
        "--emulator",
    ] {
        assert!(message.contains(hint), "no {hint:?} in {message}");
    }
    message
}

#[test]
fn a_named_profile_with_only_auth_is_incomplete() {
    let fx = Fixture::new();
    fx.write_config("[profiles.prod]\nauth = \"cli\"\n");
    let flags = ContextFlags {
        profile: Some("prod".into()),
        ..ContextFlags::default()
    };
    let ctx = fx.resolve(&flags, &[]).unwrap();
    let message = all_missing_message(&ctx);
    assert!(
        message.contains("profile prod (flag --profile)"),
        "{message}"
    );
    assert!(message.contains("auth cli ("), "{message}");
    assert!(message.contains("[profiles.prod]"), "{message}");
    // Named in the environment instead: the same, and the message says so.
    let ctx = fx
        .resolve(&ContextFlags::default(), &[("AMLC_PROFILE", "prod")])
        .unwrap();
    let message = all_missing_message(&ctx);
    assert!(
        message.contains("profile prod (env AMLC_PROFILE)"),
        "{message}"
    );
    // A named profile that holds nothing at all still says the user meant a workspace.
    fx.write_config("[profiles.empty]\n");
    let flags = ContextFlags {
        profile: Some("empty".into()),
        ..ContextFlags::default()
    };
    let message = all_missing_message(&fx.resolve(&flags, &[]).unwrap());
    assert!(
        message.contains("profile empty (flag --profile)"),
        "{message}"
    );
    // --emulator still wins.
    let ctx = fx.resolve(&flags, &[]).unwrap();
    assert_eq!(plan_for(&ctx, true), Plan::Emulator { requested: true });
}

#[test]
fn an_explicit_way_to_sign_in_without_a_workspace_is_incomplete() {
    let fx = Fixture::new();
    let auth_flag = ContextFlags {
        auth: Some("cli".into()),
        ..ContextFlags::default()
    };
    let message = all_missing_message(&fx.resolve(&auth_flag, &[]).unwrap());
    assert!(message.contains("auth cli (flag --auth)"), "{message}");

    let ctx = fx
        .resolve(&ContextFlags::default(), &[("AMLC_AUTH", "cli")])
        .unwrap();
    let message = all_missing_message(&ctx);
    assert!(message.contains("auth cli (env AMLC_AUTH)"), "{message}");

    // The config file's default profile setting only auth: an explicit choice as well.
    fx.write_config("default_profile = \"me\"\n[profiles.me]\nauth = \"azd\"\n");
    let message = all_missing_message(&fx.resolve(&ContextFlags::default(), &[]).unwrap());
    assert!(message.contains("auth azd ("), "{message}");
    assert!(message.contains("[profiles.me]"), "{message}");
}

#[test]
fn a_static_token_without_a_workspace_is_incomplete_and_never_shown() {
    let fx = Fixture::new();
    let secret = "eyJ-very-secret-token";
    let ctx = fx
        .resolve(&ContextFlags::default(), &[("AMLC_TOKEN", secret)])
        .unwrap();
    let message = all_missing_message(&ctx);
    assert!(
        message.contains("static token (env AMLC_TOKEN)"),
        "{message}"
    );
    assert!(!message.contains(secret), "the token leaked: {message}");
    assert!(!format!("{:?}", ctx.case()).contains(secret));
    assert!(!format!("{:?}", ctx.describe_sources()).contains(secret));
    // An empty AMLC_TOKEN counts as unset, like every other value.
    assert_eq!(
        case_of(&fx, &ContextFlags::default(), &[("AMLC_TOKEN", " ")]),
        ContextCase::NothingConfigured
    );
}

#[test]
fn the_emulator_flag_wins_over_an_explicit_way_to_sign_in() {
    let fx = Fixture::new();
    let flags = ContextFlags {
        auth: Some("cli".into()),
        ..ContextFlags::default()
    };
    let ctx = fx
        .resolve(&flags, &[("AMLC_TOKEN", "t0ken"), ("AMLC_AUTH", "token")])
        .unwrap();
    assert!(matches!(ctx.case(), ContextCase::Incomplete { .. }));
    assert_eq!(plan_for(&ctx, true), Plan::Emulator { requested: true });
}

#[test]
fn an_explicit_way_to_sign_in_with_an_ambient_login_still_asks_for_a_pick() {
    let fx = Fixture::new();
    fx.write_az(&fx.az_dir(), "", "sub-az", "AzureCloud");
    fx.write_config("[profiles.prod]\nauth = \"cli\"\n");
    let flags = ContextFlags {
        profile: Some("prod".into()),
        ..ContextFlags::default()
    };
    let ctx = fx.resolve(&flags, &[("AMLC_TOKEN", "t0ken")]).unwrap();
    let Plan::PickWorkspace(login) = plan_for(&ctx, false) else {
        panic!("expected a pick, got {:?}", plan_for(&ctx, false));
    };
    assert_eq!(login.subscription.value, "sub-az");
    assert_eq!(login.auth, AuthMethod::Cli);
}

#[test]
fn the_reported_case_subscription_and_group_without_workspace_is_an_error() {
    let fx = Fixture::new();
    let flags = ContextFlags {
        subscription: Some("11111111-1111-1111-1111-111111111111".into()),
        resource_group: Some("prod-rg".into()),
        endpoint: Some("https://management.azure.com/".into()),
        auth: Some("cli".into()),
        ..ContextFlags::default()
    };
    let ctx = fx.resolve(&flags, &[]).unwrap();
    assert_eq!(missing_of(&ctx.case()), vec!["workspace"]);
    let Plan::Incomplete(message) = plan_for(&ctx, false) else {
        panic!("expected Incomplete");
    };
    assert!(
        message.contains("prod-rg (flag --resource-group)"),
        "{message}"
    );
    for hint in [
        "-w/--workspace",
        "AZUREML_WORKSPACE_NAME",
        "az configure --defaults workspace=",
        "workspace = ",
    ] {
        assert!(message.contains(hint), "no {hint:?} in {message}");
    }
    assert!(!message.contains("resource group:"), "{message}");
    // --emulator still wins.
    assert_eq!(plan_for(&ctx, true), Plan::Emulator { requested: true });
}

#[test]
fn every_missing_value_is_named_with_where_it_may_come_from() {
    let fx = Fixture::new();
    let case = case_of(
        &fx,
        &ContextFlags::default(),
        &[("AZUREML_WORKSPACE_NAME", "ws-env")],
    );
    assert_eq!(missing_of(&case), vec!["subscription", "resource group"]);
    let ctx = fx
        .resolve(
            &ContextFlags::default(),
            &[("AZUREML_WORKSPACE_NAME", "ws-env")],
        )
        .unwrap();
    let message = ctx.incomplete_message().unwrap();
    assert!(
        message.contains("ws-env (env AZUREML_WORKSPACE_NAME)"),
        "{message}"
    );
    // The config file is named where it would be read, even before it exists.
    assert!(
        message.contains(&fx.config.display().to_string()),
        "{message}"
    );
    for hint in [
        "--subscription",
        "AZURE_SUBSCRIPTION_ID",
        "az login",
        "-g/--resource-group",
        "AZURE_RESOURCE_GROUP",
        "az configure --defaults group=",
        "resource_group = ",
    ] {
        assert!(message.contains(hint), "no {hint:?} in {message}");
    }
    // An endpoint alone points somewhere: all three are missing, not the emulator.
    let endpoint = ContextFlags {
        endpoint: Some("http://127.0.0.1:9/".into()),
        ..ContextFlags::default()
    };
    assert_eq!(
        missing_of(&case_of(&fx, &endpoint, &[])),
        vec!["subscription", "resource group", "workspace"]
    );
    let cloud_env = case_of(
        &fx,
        &ContextFlags::default(),
        &[("AMLC_CLOUD", "AzureCloud")],
    );
    assert_eq!(missing_of(&cloud_env).len(), 3);
}

#[test]
fn profiles_count_as_explicit() {
    let fx = Fixture::new();
    fx.write_az(&fx.az_dir(), "", "sub-az", "AzureCloud");
    fx.write_config(
        "default_profile = \"half\"\n[profiles.half]\nworkspace = \"ws-half\"\n[profiles.named]\nresource_group = \"rg-named\"\n",
    );
    // The config file's default profile: explicit, so the ambient subscription does not make
    // it a picker; the group is missing.
    let case = case_of(&fx, &ContextFlags::default(), &[]);
    assert_eq!(missing_of(&case), vec!["resource group"]);
    let named = ContextFlags {
        profile: Some("named".into()),
        ..ContextFlags::default()
    };
    let ctx = fx.resolve(&named, &[]).unwrap();
    assert_eq!(missing_of(&ctx.case()), vec!["workspace"]);
    let message = ctx.incomplete_message().unwrap();
    assert!(message.contains("[profiles.named]"), "{message}");
}

#[test]
fn ambient_login_only_asks_for_a_pick() {
    let fx = Fixture::new();
    fx.write_az(
        &fx.az_dir(),
        "[core]\noutput = json\n",
        "sub-az",
        "AzureCloud",
    );
    let ctx = fx.resolve(&ContextFlags::default(), &[]).unwrap();
    let profile_path = fx.az_dir().join("azureProfile.json");
    match ctx.case() {
        ContextCase::AmbientLogin {
            subscription,
            resource_group,
        } => {
            assert_eq!(subscription.value, "sub-az");
            assert_eq!(subscription.source, Source::AzCliProfile(profile_path));
            assert!(resource_group.is_none());
        }
        other => panic!("{other:?}"),
    }
    let Plan::PickWorkspace(login) = plan_for(&ctx, false) else {
        panic!("expected a pick");
    };
    assert_eq!(login.cloud, Cloud::AzureCloud);
    assert_eq!(login.api_version, DEFAULT_API_VERSION);
    // An endpoint, auth or api-version given explicitly says where and how to list, and the
    // case stays a pick.
    let flags = ContextFlags {
        endpoint: Some("http://127.0.0.1:9/".into()),
        auth: Some("token".into()),
        ..ContextFlags::default()
    };
    let ctx = fx.resolve(&flags, &[]).unwrap();
    let Plan::PickWorkspace(login) = plan_for(&ctx, false) else {
        panic!("expected a pick");
    };
    assert_eq!(login.auth, AuthMethod::Token);
    assert!(matches!(login.cloud, Cloud::Custom(_)));
    // A default group narrows the pick to it.
    fx.write_az(
        &fx.az_dir(),
        "[defaults]\ngroup = rg-az\n",
        "sub-az",
        "AzureCloud",
    );
    match case_of(&fx, &ContextFlags::default(), &[]) {
        ContextCase::AmbientLogin { resource_group, .. } => {
            assert_eq!(resource_group.unwrap().value, "rg-az")
        }
        other => panic!("{other:?}"),
    }
    // Group and workspace defaults of the Azure CLI complete it.
    fx.write_az(
        &fx.az_dir(),
        "[defaults]\ngroup = rg-az\nworkspace = ws-az\n",
        "sub-az",
        "AzureCloud",
    );
    assert_eq!(
        case_of(&fx, &ContextFlags::default(), &[]),
        ContextCase::Complete
    );
}

#[test]
fn an_explicit_value_over_an_ambient_login_is_incomplete() {
    let fx = Fixture::new();
    fx.write_az(&fx.az_dir(), "", "sub-az", "AzureCloud");
    let flags = ContextFlags {
        workspace: Some("ws-flag".into()),
        ..ContextFlags::default()
    };
    assert_eq!(
        missing_of(&case_of(&fx, &flags, &[])),
        vec!["resource group"]
    );
    // The Azure CLI's default group without a login: the subscription is missing.
    fx.write_az(&fx.az_dir(), "[defaults]\ngroup = rg-az\n", "", "");
    std::fs::remove_file(fx.az_dir().join("azureProfile.json")).unwrap();
    assert_eq!(
        missing_of(&case_of(&fx, &ContextFlags::default(), &[])),
        vec!["subscription", "workspace"]
    );
}

#[test]
fn a_complete_context_from_mixed_levels_is_complete() {
    let fx = Fixture::new();
    fx.write_az(
        &fx.az_dir(),
        "[defaults]\ngroup = rg-az\n",
        "sub-az",
        "AzureCloud",
    );
    let flags = ContextFlags {
        workspace: Some("ws-flag".into()),
        ..ContextFlags::default()
    };
    let ctx = fx.resolve(&flags, &[]).unwrap();
    assert_eq!(ctx.case(), ContextCase::Complete);
    assert!(ctx.incomplete_message().is_none());
    match plan_for(&ctx, false) {
        Plan::Azure(wc) => assert_eq!(
            (
                wc.subscription.as_str(),
                wc.resource_group.as_str(),
                wc.workspace.as_str()
            ),
            ("sub-az", "rg-az", "ws-flag")
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn sources_know_whether_they_were_given_explicitly() {
    assert!(Source::Flag("--workspace").is_explicit());
    assert!(Source::Env("AZURE_RESOURCE_GROUP".into()).is_explicit());
    assert!(
        Source::ConfigFile {
            path: "/c".into(),
            profile: "p".into()
        }
        .is_explicit()
    );
    assert!(!Source::AzCliConfig("/h/.azure/config".into()).is_explicit());
    assert!(!Source::AzCliProfile("/h/.azure/azureProfile.json".into()).is_explicit());
    assert!(!Source::Default.is_explicit());
}
