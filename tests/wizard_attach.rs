//! The attach forms without a terminal: each builds the request Azure expects from good values
//! (Azure's Kubernetes and Data Factory `createOrUpdate` examples rebuilt through `to_request()`),
//! and each rule refuses before anything is built: a resource id of the wrong provider or of a
//! malformed shape, a bad namespace, neither or both of a password and a key, a
//! passphrase-protected key, a cut Databricks token. Secrets (passwords, private keys, tokens)
//! never appear in `Debug` nor in the masked body.

mod keys_common;
mod wizard_common;

use amlc::app::TabId;
use amlc::wizard::forms::{self, attach::BATCH_UNSUPPORTED};
use amlc::wizard::rules::ENCRYPTED_KEY;
use amlc::wizard::{Form, FormId, Values};
use keys_common::openssh_key;
use serde_json::json;
use std::path::PathBuf;
use wizard_common::{World, assert_contains, example, values};

const SUB: &str = "/subscriptions/34adfa4f-cedf-4dc0-ba29-b6d1a69ab345/resourceGroups/rg";
const PASSWORD: &str = "Sup3r-secret!pw";
const TOKEN: &str = "dapi0123456789abcdef0123456789abcdef";

fn form(id: FormId) -> &'static Form {
    forms::form(id).unwrap_or_else(|| panic!("{id:?} is registered"))
}

fn id(provider_and_path: &str) -> String {
    format!("{SUB}/providers/{provider_and_path}")
}

/// Every problem of `form` for `pairs`, as "field: rule".
fn problems(w: &World, form: &Form, pairs: &[(&str, &str)]) -> Vec<String> {
    form.problems(&values(pairs), &w.ctx())
        .into_iter()
        .map(|p| p.to_string())
        .collect()
}

/// `pairs` with `changes` applied (a value of "" removes the field).
fn with<'a>(
    pairs: &[(&'a str, &'a str)],
    changes: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut out: Vec<_> = pairs
        .iter()
        .filter(|(k, _)| !changes.iter().any(|(c, _)| c == k))
        .copied()
        .collect();
    out.extend(changes.iter().filter(|(_, v)| !v.is_empty()));
    out
}

fn assert_problem(p: &[String], field: &str, says: &str) {
    assert!(
        p.iter()
            .any(|m| m.starts_with(&format!("{field}: ")) && m.contains(says)),
        "want {field}: …{says}… in {p:?}"
    );
}

const KEY_PATH: &str = "/home/me/.ssh/id_vm";
const ENCRYPTED_PATH: &str = "/home/me/.ssh/id_locked";
const PUB_PATH: &str = "/home/me/.ssh/id_vm.pub";

fn world_with_keys() -> World {
    let mut w = World::new();
    w.files
        .0
        .insert(PathBuf::from(KEY_PATH), openssh_key("none", "none"));
    w.files.0.insert(
        PathBuf::from(ENCRYPTED_PATH),
        openssh_key("aes256-ctr", "bcrypt"),
    );
    w.files.0.insert(
        PathBuf::from(PUB_PATH),
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me@host\n"
            .into(),
    );
    w
}

/// No secret of the request shows in its `Debug` nor in its masked body.
fn assert_hidden(req: &amlc::wizard::ComputeRequest, secret: &str) {
    assert!(
        req.body()
            .to_string()
            .contains(&secret.replace('\n', "\\n")),
        "the secret is sent in the body"
    );
    let masked = req.masked_body().to_string();
    assert!(!masked.contains(secret), "masked body shows the secret");
    let debug = format!("{req:?}");
    assert!(!debug.contains(secret), "Debug shows the secret");
    for line in secret.lines().filter(|l| l.len() > 8) {
        assert!(!masked.contains(line) && !debug.contains(line));
    }
}

// ---- registry ----------------------------------------------------------------------------

#[test]
fn every_attach_form_is_registered_with_notice_help_and_its_tab() {
    let attached = forms::for_tab(TabId::Attached);
    let ids: Vec<FormId> = attached.iter().map(|f| f.id).collect();
    assert_eq!(
        ids,
        [
            FormId::VirtualMachine,
            FormId::HdInsight,
            FormId::Databricks,
            FormId::DataLakeAnalytics,
            FormId::SynapseSpark,
            FormId::DataFactory,
            FormId::AzureBatch,
        ]
    );
    assert!(
        forms::for_tab(TabId::Kubernetes)
            .iter()
            .any(|f| f.id == FormId::Kubernetes)
    );
    for f in attached.iter().chain([&form(FormId::Kubernetes)]) {
        assert!(f.attach, "{:?}", f.id);
        assert!(!f.notice.is_empty(), "{:?} has a notice", f.id);
        for field in f.fields {
            assert!(
                !field.help.is_empty() && !field.help.contains('\n'),
                "{:?}.{}: one line of help",
                f.id,
                field.id
            );
            assert!(field.step < f.steps.len(), "{:?}.{}", f.id, field.id);
        }
    }
    for (ty, id) in [
        ("kubernetes", FormId::Kubernetes),
        ("VirtualMachine", FormId::VirtualMachine),
        ("synapsespark", FormId::SynapseSpark),
    ] {
        assert_eq!(
            forms::by_yaml_type(ty, true).map(|f| f.id),
            Some(id),
            "{ty}"
        );
    }
    assert!(
        form(FormId::VirtualMachine)
            .notice
            .contains("Only Ubuntu VMs are supported")
    );
    assert!(form(FormId::DataLakeAnalytics).notice.contains("retired"));
    // The password field says why a key is better (seed 001).
    let pw = form(FormId::VirtualMachine)
        .field("ssh_settings.admin_password")
        .expect("password field");
    assert!(
        pw.is_secret() && pw.help.contains("brute force"),
        "{}",
        pw.help
    );
    for id in [FormId::VirtualMachine, FormId::HdInsight] {
        let key = form(id)
            .field("ssh_settings.ssh_private_key_file")
            .expect("key field");
        assert!(
            key.is_secret(),
            "{id:?}: the private key file is a secret file"
        );
    }
    assert!(
        form(FormId::Databricks)
            .field("databricks_access_token")
            .is_some_and(|f| f.is_secret())
    );
}

#[test]
fn every_attach_form_applies_the_name_rule() {
    let w = world_with_keys();
    for id in [
        FormId::Kubernetes,
        FormId::VirtualMachine,
        FormId::HdInsight,
        FormId::Databricks,
        FormId::DataLakeAnalytics,
        FormId::SynapseSpark,
        FormId::DataFactory,
    ] {
        for (name, says) in [
            ("a-1", "hyphen"),
            ("CPU-cluster", "already exists"),
            ("ab", "3 to 24"),
        ] {
            let p = problems(&w, form(id), &[("name", name)]);
            assert_problem(&p, "name", says);
        }
        let p = problems(&w, form(id), &[]);
        assert_problem(&p, "name", "required");
    }
}

// ---- Kubernetes --------------------------------------------------------------------------

const K8S_EXAMPLE_ID: &str = "/subscriptions/34adfa4f-cedf-4dc0-ba29-b6d1a69ab345/resourcegroups/testrg123/providers/Microsoft.ContainerService/managedClusters/compute123-56826-c9b00420020b2";

#[test]
fn kubernetes_rebuilds_the_example() {
    let w = World::new();
    let f = form(FormId::Kubernetes);
    let v = values(&[
        ("name", "compute123"),
        ("location", "eastus"),
        ("description", "some compute"),
        ("resource_id", K8S_EXAMPLE_ID),
    ]);
    let req = f.to_request(&v, &w.ctx()).expect("valid");
    assert_eq!(req.name, "compute123");
    let built = req.body();
    // The example's instance types are not a form field: az ml's `kubernetes` YAML has no key
    // for them (they are custom resources of the cluster, and the service reports the default
    // one it creates). So they are not sent, and the rest of the example is compared as is.
    let mut want = example("KubernetesCompute.json");
    let inner = want["properties"]["properties"]
        .as_object_mut()
        .expect("example properties");
    assert!(inner.remove("instanceTypes").is_some());
    assert_eq!(
        inner.remove("defaultInstanceType"),
        Some(json!("defaultInstanceType"))
    );
    assert_contains(&built, &want);
    assert_eq!(built["properties"]["properties"]["namespace"], "default");
    assert!(
        built["properties"]["properties"]
            .get("instanceTypes")
            .is_none()
    );
    assert!(
        built["properties"]["properties"]
            .get("defaultInstanceType")
            .is_none()
    );
    assert!(built.get("identity").is_none());
}

#[test]
fn kubernetes_takes_arc_clusters_a_namespace_and_an_identity() {
    let w = World::new();
    let f = form(FormId::Kubernetes);
    let uai = id("Microsoft.ManagedIdentity/userAssignedIdentities/k8s-id");
    let mut v = values(&[
        ("name", "arc-k8s"),
        (
            "resource_id",
            &id("Microsoft.Kubernetes/connectedClusters/onprem"),
        ),
        ("namespace", "team-a1"),
        ("identity.type", "system_assigned,user_assigned"),
    ]);
    let mut entry = Values::new();
    entry.set("resource_id", uai.clone());
    v.set_list("identity.user_assigned_identities", vec![entry]);
    let req = f.to_request(&v, &w.ctx()).expect("valid");
    let b = req.body();
    assert_eq!(b["properties"]["computeType"], "Kubernetes");
    assert_eq!(b["properties"]["properties"]["namespace"], "team-a1");
    assert_eq!(b["identity"]["type"], "SystemAssigned,UserAssigned");
    assert!(
        b["identity"]["userAssignedIdentities"].get(&uai).is_some(),
        "{b}"
    );
    // The workspace's own region is not sent.
    assert!(b.get("location").is_none());
}

#[test]
fn kubernetes_rules_refuse() {
    let w = World::new();
    let f = form(FormId::Kubernetes);
    let good: &[(&str, &str)] = &[("name", "k8s-one"), ("resource_id", K8S_EXAMPLE_ID)];
    assert!(
        problems(&w, f, good).is_empty(),
        "{:?}",
        problems(&w, f, good)
    );
    let vm = id("Microsoft.Compute/virtualMachines/vm1");
    let p = problems(&w, f, &with(good, &[("resource_id", vm.as_str())]));
    assert_problem(
        &p,
        "resource_id",
        "Microsoft.ContainerService/managedClusters/<name>",
    );
    assert_problem(
        &p,
        "resource_id",
        "Microsoft.Kubernetes/connectedClusters/<name>",
    );
    for (bad, says) in [
        ("k8s", "expected"),
        (
            "/subscriptions/nope/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/k",
            "UUID",
        ),
        (
            "/subscriptions/34adfa4f-cedf-4dc0-ba29-b6d1a69ab345/resourceGroups/rg/providers/Microsoft.ContainerService/agentPools/k",
            "managedClusters",
        ),
        (
            "/subscriptions/34adfa4f-cedf-4dc0-ba29-b6d1a69ab345/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/",
            "empty",
        ),
    ] {
        let p = problems(&w, f, &with(good, &[("resource_id", bad)]));
        assert_problem(&p, "resource_id", says);
    }
    let p = problems(&w, f, &with(good, &[("resource_id", "")]));
    assert_problem(&p, "resource_id", "required");
    for bad in ["Team", "-a", "a_b", "ns."] {
        let p = problems(&w, f, &with(good, &[("namespace", bad)]));
        assert_problem(&p, "namespace", "");
    }
    let p = problems(&w, f, &with(good, &[("identity.type", "user_assigned")]));
    assert_problem(&p, "identity.user_assigned_identities", "at least one");
}

// ---- remote VM ---------------------------------------------------------------------------

fn vm_good() -> Vec<(&'static str, &'static str)> {
    vec![
        ("name", "remote-vm"),
        ("description", "DSVM for debugging"),
        ("address", "myvm.eastus.cloudapp.azure.com"),
        (
            "resource_id",
            "/subscriptions/34adfa4f-cedf-4dc0-ba29-b6d1a69ab345/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/myvm",
        ),
        ("ssh_settings.admin_username", "azureuser"),
        ("ssh_settings.ssh_private_key_file", KEY_PATH),
    ]
}

#[test]
fn remote_vm_builds_with_a_private_key_read_at_build_and_masked() {
    let w = world_with_keys();
    let f = form(FormId::VirtualMachine);
    let req = f.to_request(&values(&vm_good()), &w.ctx()).expect("valid");
    let b = req.body();
    assert_eq!(req.name, "remote-vm");
    assert_eq!(b["properties"]["computeType"], "VirtualMachine");
    assert_eq!(
        b["properties"]["resourceId"],
        "/subscriptions/34adfa4f-cedf-4dc0-ba29-b6d1a69ab345/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/myvm"
    );
    assert_eq!(b["properties"]["description"], "DSVM for debugging");
    let p = &b["properties"]["properties"];
    assert_eq!(p["address"], "myvm.eastus.cloudapp.azure.com");
    assert_eq!(p["sshPort"], 22);
    assert_eq!(p["administratorAccount"]["username"], "azureuser");
    let key = openssh_key("none", "none");
    assert_eq!(p["administratorAccount"]["privateKeyData"], json!(key));
    assert!(p["administratorAccount"].get("password").is_none());
    assert_hidden(&req, &key);
    assert_eq!(
        req.masked_body()["properties"]["properties"]["administratorAccount"]["privateKeyData"],
        "***"
    );
}

#[test]
fn remote_vm_builds_with_a_password_by_address_or_id_alone() {
    let w = world_with_keys();
    let f = form(FormId::VirtualMachine);
    let v = with(
        &vm_good(),
        &[
            ("ssh_settings.ssh_private_key_file", ""),
            ("ssh_settings.admin_password", PASSWORD),
            ("resource_id", ""),
            ("address", "10.1.0.4"),
            ("ssh_settings.ssh_port", "2222"),
        ],
    );
    let req = f.to_request(&values(&v), &w.ctx()).expect("valid");
    let b = req.body();
    assert!(b["properties"].get("resourceId").is_none());
    assert_eq!(b["properties"]["properties"]["address"], "10.1.0.4");
    assert_eq!(b["properties"]["properties"]["sshPort"], 2222);
    assert_eq!(
        b["properties"]["properties"]["administratorAccount"]["password"],
        PASSWORD
    );
    assert_hidden(&req, PASSWORD);
    // By resource id alone (as az ml's YAML has it).
    let v = with(&vm_good(), &[("address", "")]);
    let req = f.to_request(&values(&v), &w.ctx()).expect("valid");
    assert!(
        req.body()["properties"]["properties"]
            .get("address")
            .is_none()
    );
}

#[test]
fn remote_vm_rules_refuse() {
    let w = world_with_keys();
    let f = form(FormId::VirtualMachine);
    let good = vm_good();
    assert!(
        problems(&w, f, &good).is_empty(),
        "{:?}",
        problems(&w, f, &good)
    );
    // Neither an address nor a resource id.
    let p = problems(&w, f, &with(&good, &[("address", ""), ("resource_id", "")]));
    assert_problem(&p, "address", "address (FQDN or IP), its resource id");
    for (bad, says) in [("bad host", "neither"), ("10.1.2.300", "IPv4")] {
        let p = problems(&w, f, &with(&good, &[("address", bad)]));
        assert_problem(&p, "address", says);
    }
    for (bad, says) in [
        (
            "/subscriptions/34adfa4f-cedf-4dc0-ba29-b6d1a69ab345/resourceGroups/rg/providers/Microsoft.ClassicCompute/virtualMachines/vm",
            "provider Microsoft.ClassicCompute",
        ),
        (
            "/subscriptions/34adfa4f-cedf-4dc0-ba29-b6d1a69ab345/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/vm",
            "virtualMachineScaleSets",
        ),
        (
            "myvm",
            "expected /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Compute/virtualMachines/<name>",
        ),
    ] {
        let p = problems(&w, f, &with(&good, &[("resource_id", bad)]));
        assert_problem(&p, "resource_id", says);
    }
    // Exactly one of a key and a password.
    let p = problems(
        &w,
        f,
        &with(&good, &[("ssh_settings.ssh_private_key_file", "")]),
    );
    assert_problem(
        &p,
        "ssh_settings.ssh_private_key_file",
        "a private key file (recommended) or a password",
    );
    let p = problems(
        &w,
        f,
        &with(&good, &[("ssh_settings.admin_password", PASSWORD)]),
    );
    assert_problem(&p, "ssh_settings.ssh_private_key_file", "not both");
    assert!(p.iter().all(|m| !m.contains(PASSWORD)), "{p:?}");
    for (port, says) in [
        ("0", "between 1 and 65535"),
        ("65536", "between"),
        ("ssh", "whole number"),
    ] {
        let p = problems(&w, f, &with(&good, &[("ssh_settings.ssh_port", port)]));
        assert_problem(&p, "ssh_settings.ssh_port", says);
    }
    let p = problems(&w, f, &with(&good, &[("ssh_settings.admin_username", "")]));
    assert_problem(&p, "ssh_settings.admin_username", "required");
    let p = problems(
        &w,
        f,
        &with(&good, &[("ssh_settings.admin_username", "me@host")]),
    );
    assert_problem(&p, "ssh_settings.admin_username", "'@'");
}

#[test]
fn a_passphrase_protected_or_wrong_key_file_is_refused_when_building() {
    let w = world_with_keys();
    for id in [FormId::VirtualMachine, FormId::HdInsight] {
        let f = form(id);
        for (path, says) in [
            (ENCRYPTED_PATH, ENCRYPTED_KEY),
            (PUB_PATH, "public key"),
            ("/home/me/.ssh/missing", "cannot read"),
        ] {
            // By address only: the VM's resource id would not suit HDInsight.
            let v = with(
                &vm_good(),
                &[
                    ("ssh_settings.ssh_private_key_file", path),
                    ("resource_id", ""),
                ],
            );
            let errs = f.to_request(&values(&v), &w.ctx()).expect_err(path);
            assert_eq!(errs.len(), 1, "{errs:?}");
            assert_eq!(errs[0].field, "ssh_settings.ssh_private_key_file");
            assert!(
                errs[0].message.contains(says),
                "{id:?} {path}: {}",
                errs[0].message
            );
        }
    }
    assert!(ENCRYPTED_KEY.contains("unencrypted key") && ENCRYPTED_KEY.contains("password"));
}

// ---- HDInsight ---------------------------------------------------------------------------

#[test]
fn hdinsight_builds_and_refuses() {
    let w = world_with_keys();
    let f = form(FormId::HdInsight);
    let good: Vec<(&str, &str)> = vec![
        ("name", "hdi-spark"),
        ("address", "mycluster-ssh.azurehdinsight.net"),
        (
            "resource_id",
            "/subscriptions/34adfa4f-cedf-4dc0-ba29-b6d1a69ab345/resourceGroups/rg/providers/Microsoft.HDInsight/clusters/mycluster",
        ),
        ("ssh_settings.admin_password", PASSWORD),
    ];
    let req = f.to_request(&values(&good), &w.ctx()).expect("valid");
    let b = req.body();
    assert_eq!(b["properties"]["computeType"], "HDInsight");
    let p = &b["properties"]["properties"];
    assert_eq!(p["address"], "mycluster-ssh.azurehdinsight.net");
    assert_eq!(p["sshPort"], 22);
    assert_eq!(p["administratorAccount"]["username"], "sshuser");
    assert_hidden(&req, PASSWORD);
    assert!(
        f.field("address")
            .is_some_and(|a| a.help.contains("<cluster>-ssh.azurehdinsight.net"))
    );

    let p = problems(&w, f, &with(&good, &[("resource_id", K8S_EXAMPLE_ID)]));
    assert_problem(&p, "resource_id", "not Microsoft.HDInsight");
    let p = problems(&w, f, &with(&good, &[("address", ""), ("resource_id", "")]));
    assert_problem(&p, "address", "the cluster's address");
    let p = problems(&w, f, &with(&good, &[("ssh_settings.admin_password", "")]));
    assert_problem(&p, "ssh_settings.ssh_private_key_file", "or a password");
    let p = problems(
        &w,
        f,
        &with(&good, &[("ssh_settings.ssh_private_key_file", KEY_PATH)]),
    );
    assert_problem(&p, "ssh_settings.ssh_private_key_file", "not both");
}

// ---- Databricks --------------------------------------------------------------------------

#[test]
fn databricks_builds_with_the_token_hidden_and_refuses() {
    let w = World::new();
    let f = form(FormId::Databricks);
    let ws = "/subscriptions/34adfa4f-cedf-4dc0-ba29-b6d1a69ab345/resourceGroups/rg/providers/Microsoft.Databricks/workspaces/dbx";
    let good: Vec<(&str, &str)> = vec![
        ("name", "dbx-attach"),
        ("resource_id", ws),
        ("databricks_access_token", TOKEN),
    ];
    let req = f.to_request(&values(&good), &w.ctx()).expect("valid");
    let b = req.body();
    assert_eq!(b["properties"]["computeType"], "Databricks");
    assert_eq!(b["properties"]["resourceId"], ws);
    assert_eq!(
        b["properties"]["properties"]["databricksAccessToken"],
        TOKEN
    );
    assert_hidden(&req, TOKEN);

    let p = problems(&w, f, &with(&good, &[("databricks_access_token", "")]));
    assert_problem(&p, "databricks_access_token", "required");
    let p = problems(
        &w,
        f,
        &with(
            &good,
            &[("databricks_access_token", "dapi0123456789abcdef")],
        ),
    );
    assert_problem(&p, "databricks_access_token", "32 hexadecimal digits");
    assert!(
        p.iter().all(|m| !m.contains("dapi0123456789abcdef")),
        "the token is not quoted: {p:?}"
    );
    let p = problems(
        &w,
        f,
        &with(
            &good,
            &[(
                "resource_id",
                "/subscriptions/34adfa4f-cedf-4dc0-ba29-b6d1a69ab345/resourceGroups/rg/providers/Microsoft.Synapse/workspaces/dbx",
            )],
        ),
    );
    assert_problem(&p, "resource_id", "not Microsoft.Databricks");
}

// ---- Data Lake Analytics, Synapse Spark, Data Factory --------------------------------------

#[test]
fn data_lake_analytics_sends_only_the_account() {
    let w = World::new();
    let f = form(FormId::DataLakeAnalytics);
    let acct = "/subscriptions/34adfa4f-cedf-4dc0-ba29-b6d1a69ab345/resourceGroups/rg/providers/Microsoft.DataLakeAnalytics/accounts/adla1";
    let req = f
        .to_request(
            &values(&[("name", "adla-old"), ("resource_id", acct)]),
            &w.ctx(),
        )
        .expect("valid");
    let b = req.body();
    assert_eq!(
        b,
        json!({"properties": {"computeType": "DataLakeAnalytics", "resourceId": acct}})
    );
    let p = problems(
        &w,
        f,
        &[
            ("name", "adla-old"),
            (
                "resource_id",
                "/subscriptions/34adfa4f-cedf-4dc0-ba29-b6d1a69ab345/resourceGroups/rg/providers/Microsoft.DataLakeStore/accounts/adls1",
            ),
        ],
    );
    assert_problem(&p, "resource_id", "not Microsoft.DataLakeAnalytics");
}

#[test]
fn synapse_spark_needs_a_pool_id_and_takes_an_identity() {
    let w = World::new();
    let f = form(FormId::SynapseSpark);
    let pool = "/subscriptions/34adfa4f-cedf-4dc0-ba29-b6d1a69ab345/resourceGroups/rg/providers/Microsoft.Synapse/workspaces/syn/bigDataPools/pool1";
    let req = f
        .to_request(
            &values(&[
                ("name", "spark-pool"),
                ("resource_id", pool),
                ("identity.type", "system_assigned"),
            ]),
            &w.ctx(),
        )
        .expect("valid");
    let b = req.body();
    assert_eq!(b["properties"]["computeType"], "SynapseSpark");
    assert_eq!(b["properties"]["resourceId"], pool);
    assert_eq!(b["identity"]["type"], "SystemAssigned");
    // The Synapse workspace itself is not a pool.
    let p = problems(
        &w,
        f,
        &[
            ("name", "spark-pool"),
            (
                "resource_id",
                "/subscriptions/34adfa4f-cedf-4dc0-ba29-b6d1a69ab345/resourceGroups/rg/providers/Microsoft.Synapse/workspaces/syn",
            ),
        ],
    );
    assert_problem(
        &p,
        "resource_id",
        "Microsoft.Synapse/workspaces/<name>/bigDataPools/<name>",
    );
    let p = problems(
        &w,
        f,
        &[
            ("name", "spark-pool"),
            (
                "resource_id",
                "/subscriptions/34adfa4f-cedf-4dc0-ba29-b6d1a69ab345/resourceGroups/rg/providers/Microsoft.Synapse/workspaces/syn/sqlPools/pool1",
            ),
        ],
    );
    assert_problem(&p, "resource_id", "sqlPools");
}

#[test]
fn data_factory_rebuilds_the_basic_example() {
    let w = World::new();
    let f = form(FormId::DataFactory);
    let factory = "/subscriptions/34adfa4f-cedf-4dc0-ba29-b6d1a69ab345/resourceGroups/testrg123/providers/Microsoft.DataFactory/factories/adf1";
    let req = f
        .to_request(
            &values(&[
                ("name", "compute123"),
                ("location", "eastus"),
                ("resource_id", factory),
            ]),
            &w.ctx(),
        )
        .expect("valid");
    assert_contains(&req.body(), &example("BasicDataFactoryCompute.json"));
    assert_eq!(req.body()["properties"]["resourceId"], factory);
    assert!(req.body()["properties"].get("properties").is_none());
    let p = problems(
        &w,
        f,
        &[
            ("name", "compute123"),
            (
                "resource_id",
                "/subscriptions/34adfa4f-cedf-4dc0-ba29-b6d1a69ab345/resourceGroups/testrg123/providers/Microsoft.DataFactory/pipelines/p",
            ),
        ],
    );
    assert_problem(&p, "resource_id", "pipelines");
}

// ---- Azure Batch -------------------------------------------------------------------------

#[test]
fn azure_batch_is_listed_but_never_built() {
    let w = World::new();
    let f = form(FormId::AzureBatch);
    assert!(
        forms::for_tab(TabId::Attached)
            .iter()
            .any(|g| g.id == FormId::AzureBatch)
    );
    assert!(f.notice.contains("no Batch compute type") && f.notice.contains("compute cluster"));
    let v = values(&[
        ("name", "batch-one"),
        (
            "resource_id",
            "/subscriptions/34adfa4f-cedf-4dc0-ba29-b6d1a69ab345/resourceGroups/rg/providers/Microsoft.Batch/batchAccounts/b1",
        ),
    ]);
    let errs = f
        .to_request(&v, &w.ctx())
        .expect_err("nothing is ever built");
    assert!(
        errs.iter().any(|p| p.message == BATCH_UNSUPPORTED),
        "{errs:?}"
    );
    // Even past the form's own checks, `build` refuses.
    let built = (f.build)(&v, &w.ctx());
    assert_eq!(
        built.map(|_| ()).map_err(|p| p.message),
        Err(BATCH_UNSUPPORTED.to_string())
    );
}
