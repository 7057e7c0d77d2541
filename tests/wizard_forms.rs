//! The create and attach forms without a terminal: every `createOrUpdate` example body of
//! `../shared/azureml-api/examples/Compute/createOrUpdate/` rebuilt through a form's
//! `to_request()` (each field of the example present in the built body with the same value),
//! and each form's rules refusing bad values before anything is built.

mod wizard_common;

use amlc::wizard::FormId;
use amlc::wizard::forms;
use std::path::PathBuf;
use wizard_common::{World, assert_contains, entry, example, problems, values};

#[test]
fn cluster_rebuilds_the_basic_example() {
    let w = World::new();
    let form = forms::form(FormId::ComputeCluster).expect("cluster form");
    let v = values(&[
        ("name", "compute123"),
        ("location", "eastus"),
        ("size", "STANDARD_NC6"),
        ("tier", "dedicated"),
        ("os_type", "windows"),
        (
            "virtual_machine_image",
            "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/myResourceGroup/providers/Microsoft.Compute/galleries/myImageGallery/images/myImageDefinition/versions/0.0.1",
        ),
        ("min_instances", "0"),
        ("max_instances", "1"),
        ("idle_time_before_scale_down", "300"),
    ]);
    let req = form.to_request(&v, &w.ctx()).expect("valid");
    assert_eq!(req.name, "compute123");
    assert_contains(&req.body(), &example("BasicAmlCompute.json"));
}

#[test]
fn cluster_rebuilds_the_scale_example() {
    let w = World::new();
    let form = forms::form(FormId::ComputeCluster).expect("cluster form");
    let v = values(&[
        ("name", "compute123"),
        ("location", "eastus"),
        ("description", "some compute"),
        ("min_instances", "4"),
        ("max_instances", "4"),
        ("idle_time_before_scale_down", "300"),
    ]);
    let req = form.to_request(&v, &w.ctx()).expect("valid");
    assert_contains(&req.body(), &example("AmlCompute.json"));
}

#[test]
fn cluster_rules_refuse_before_building() {
    let w = World::new();
    let form = forms::form(FormId::ComputeCluster).expect("cluster form");
    let problems = |pairs: &[(&str, &str)]| {
        let mut v = values(&[("name", "gpu-train")]);
        for (k, t) in pairs {
            v.set(k, *t);
        }
        form.problems(&v, &w.ctx())
            .into_iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
    };
    assert!(problems(&[]).is_empty(), "{:?}", problems(&[]));
    let p = problems(&[("name", "a-1")]);
    assert!(
        p.iter()
            .any(|m| m.starts_with("name: ") && m.contains("hyphen")),
        "{p:?}"
    );
    let p = problems(&[("name", "CPU-cluster")]);
    assert!(p.iter().any(|m| m.contains("already exists")), "{p:?}");
    let p = problems(&[("min_instances", "3"), ("max_instances", "2")]);
    assert!(
        p.iter()
            .any(|m| m.starts_with("max_instances: ") && m.contains("at least the minimum")),
        "{p:?}"
    );
    let p = problems(&[("size", "Standard_Nope")]);
    assert!(p.iter().any(|m| m.starts_with("size: ")), "{p:?}");
    // DSv2 family: 24 − 8 = 16 vCPUs left; 5 nodes × 4 vCPUs = 20.
    let p = problems(&[("max_instances", "5")]);
    assert!(
        p.iter()
            .any(|m| m.contains("needs 20 vCPUs") && m.contains("leaves 16")),
        "{p:?}"
    );
    assert!(problems(&[("max_instances", "4")]).is_empty());
    // Low priority has no family limit here.
    assert!(problems(&[("max_instances", "5"), ("tier", "low_priority")]).is_empty());
    let p = problems(&[("ssh_public_access_enabled", "true")]);
    assert!(p.iter().any(|m| m.contains("exactly one of")), "{p:?}");
    let p = problems(&[("network_settings.subnet", "default")]);
    assert!(
        p.iter()
            .any(|m| m.starts_with("network_settings.vnet_name")),
        "{p:?}"
    );
    let p = problems(&[("identity.type", "user_assigned")]);
    assert!(
        p.iter()
            .any(|m| m.starts_with("identity.user_assigned_identities")),
        "{p:?}"
    );
}

#[test]
fn cluster_reads_the_public_key_file_and_masks_the_password() {
    let mut w = World::new();
    let key =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me@host";
    w.files.0.insert(
        PathBuf::from("/home/me/.ssh/id_ed25519.pub"),
        format!("{key}\n"),
    );
    let form = forms::form(FormId::ComputeCluster).expect("cluster form");
    let v = values(&[
        ("name", "gpu-train"),
        ("ssh_public_access_enabled", "true"),
        ("ssh_settings.ssh_key_file", "/home/me/.ssh/id_ed25519.pub"),
    ]);
    let req = form.to_request(&v, &w.ctx()).expect("valid");
    let creds = &req.body()["properties"]["properties"]["userAccountCredentials"];
    assert_eq!(creds["adminUserSshPublicKey"], key);
    assert_eq!(creds["adminUserName"], "azureuser");
    assert_eq!(
        req.body()["properties"]["properties"]["remoteLoginPortPublicAccess"],
        "Enabled"
    );

    let v = values(&[
        ("name", "gpu-train"),
        ("ssh_public_access_enabled", "true"),
        ("ssh_settings.admin_password", "Sup3r-secret!"),
    ]);
    let req = form.to_request(&v, &w.ctx()).expect("valid");
    assert_eq!(
        req.body()["properties"]["properties"]["userAccountCredentials"]["adminUserPassword"],
        "Sup3r-secret!"
    );
    let masked = req.masked_body().to_string();
    assert!(!masked.contains("Sup3r-secret!"), "{masked}");
    assert!(!format!("{req:?}").contains("Sup3r-secret!"));
}

// ---- compute instance --------------------------------------------------------------------

const SUBNET_ID: &str = "/subscriptions/34adfa4f-cedf-4dc0-ba29-b6d1a69ab345/resourceGroups/testrg123/providers/Microsoft.Network/virtualNetworks/vnet1/subnets/default";
const ZERO_UUID: &str = "00000000-0000-0000-0000-000000000000";
const ED25519: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me@host";

fn instance() -> &'static amlc::wizard::Form {
    forms::form(FormId::ComputeInstance).expect("instance form")
}

fn inner(body: &serde_json::Value) -> &serde_json::Value {
    &body["properties"]["properties"]
}

#[test]
fn instance_rebuilds_the_minimal_example() {
    let w = World::new();
    let v = values(&[
        ("name", "compute123"),
        ("location", "eastus"),
        ("vm_type", "gpu"),
        ("size", "STANDARD_NC6"),
    ]);
    let req = instance().to_request(&v, &w.ctx()).expect("valid");
    assert_eq!(req.name, "compute123");
    assert_contains(&req.body(), &example("ComputeInstanceMinimal.json"));
    // Nothing the user did not ask for: no SSH settings, schedules, scripts or owner.
    let p = inner(&req.body()).as_object().expect("properties").clone();
    for absent in [
        "sshSettings",
        "schedules",
        "setupScripts",
        "personalComputeInstanceSettings",
        "subnet",
        "idleTimeBeforeShutdown",
    ] {
        assert!(!p.contains_key(absent), "{absent} sent: {p:?}");
    }
}

#[test]
fn instance_rebuilds_the_full_example_but_its_custom_services() {
    let w = World::new();
    let v = values(&[
        ("name", "compute123"),
        ("location", "eastus"),
        ("vm_type", "gpu"),
        ("size", "STANDARD_NC6"),
        ("ssh_public_access_enabled", "false"),
        // The example's subnet "test-subnet-resource-id" is a placeholder: the form takes a real
        // subnet resource id (or a vnet and subnet name) in its place.
        ("network_settings.subnet", SUBNET_ID),
        ("create_on_behalf_of.user_tenant_id", ZERO_UUID),
        ("create_on_behalf_of.user_object_id", ZERO_UUID),
        ("enable_sso", "true"),
    ]);
    let req = instance().to_request(&v, &w.ctx()).expect("valid");
    let mut want = example("ComputeInstance.json");
    let props = want["properties"]["properties"]
        .as_object_mut()
        .expect("example properties");
    // customServices (a custom Docker application, az ml's `custom_applications`) is not a
    // field of the form: left out here, and checked absent below; every other field compared.
    assert!(props.remove("customServices").is_some());
    props.insert("subnet".into(), serde_json::json!({ "id": SUBNET_ID }));
    assert_contains(&req.body(), &want);
    assert!(inner(&req.body()).get("customServices").is_none());
}

#[test]
fn instance_rebuilds_the_schedules_example() {
    let w = World::new();
    let mut v = values(&[
        ("name", "compute123"),
        ("location", "eastus"),
        ("vm_type", "gpu"),
        ("size", "STANDARD_NC6"),
        ("ssh_public_access_enabled", "false"),
        ("create_on_behalf_of.user_tenant_id", ZERO_UUID),
        ("create_on_behalf_of.user_object_id", ZERO_UUID),
    ]);
    v.set_list(
        "schedules.compute_start_stop",
        vec![entry(&[
            ("action", "stop"),
            ("trigger.type", "cron"),
            ("trigger.expression", "0 18 * * *"),
            ("trigger.start_time", "2021-04-23T01:30:00"),
            ("trigger.time_zone", "Pacific Standard Time"),
            ("state", "enabled"),
        ])],
    );
    let req = instance().to_request(&v, &w.ctx()).expect("valid");
    assert_contains(&req.body(), &example("ComputeInstanceWithSchedules.json"));
}

#[test]
fn instance_recurrence_schedule_idle_shutdown_and_setup_scripts() {
    let w = World::new();
    let mut v = values(&[
        ("name", "ci-dev"),
        ("idle_time_before_shutdown_minutes", "4320"),
        ("setup_scripts.creation_script.path", "Users/me/setup.sh"),
        ("setup_scripts.creation_script.command", "--quiet"),
        ("setup_scripts.creation_script.timeout_minutes", "20"),
        ("setup_scripts.startup_script.path", "Users/me/start.sh"),
        ("identity.type", "system_assigned"),
    ]);
    v.set_list(
        "schedules.compute_start_stop",
        vec![entry(&[
            ("action", "start"),
            ("trigger.type", "recurrence"),
            ("trigger.frequency", "week"),
            ("trigger.schedule.week_days", "monday, Friday"),
            ("trigger.schedule.hours", "8"),
            ("trigger.schedule.minutes", "30"),
        ])],
    );
    let req = instance().to_request(&v, &w.ctx()).expect("valid");
    let body = req.body();
    let p = inner(&body);
    assert_eq!(p["vmSize"], "Standard_DS3_v2");
    assert_eq!(p["idleTimeBeforeShutdown"], "PT72H");
    assert_eq!(
        p["schedules"]["computeStartStop"][0],
        serde_json::json!({
            "action": "Start",
            "status": "Enabled",
            "triggerType": "Recurrence",
            "recurrence": {
                "frequency": "Week",
                "interval": 1,
                "timeZone": "UTC",
                "schedule": {"weekDays": ["Monday", "Friday"], "hours": [8], "minutes": [30]}
            }
        })
    );
    assert_eq!(
        p["setupScripts"]["scripts"],
        serde_json::json!({
            "creationScript": {
                "scriptSource": "workspaceStorage",
                "scriptData": "Users/me/setup.sh",
                "scriptArguments": "--quiet",
                "timeout": "20m"
            },
            "startupScript": {"scriptSource": "workspaceStorage", "scriptData": "Users/me/start.sh"}
        })
    );
    assert_eq!(body["identity"]["type"], "SystemAssigned");
    for absent in ["enableRootAccess", "enableOSPatching", "releaseQuotaOnStop"] {
        assert!(p.get(absent).is_none(), "{absent} sent unasked");
    }
    let v = values(&[
        ("name", "ci-dev"),
        ("idle_time_before_shutdown_minutes", "15"),
        ("enable_root_access", "false"),
        ("enable_os_patching", "true"),
        ("release_quota_on_stop", "false"),
    ]);
    let req = instance().to_request(&v, &w.ctx()).expect("valid");
    let body = req.body();
    let p = inner(&body);
    assert_eq!(p["idleTimeBeforeShutdown"], "PT15M");
    assert_eq!(p["enableRootAccess"], false);
    assert_eq!(p["enableOSPatching"], true);
    assert_eq!(p["releaseQuotaOnStop"], false);
}

#[test]
fn instance_reads_the_public_key_file() {
    let mut w = World::new();
    w.files.0.insert(
        PathBuf::from("/home/me/.ssh/id_ed25519.pub"),
        format!("{ED25519}\n"),
    );
    w.files.0.insert(
        PathBuf::from("/home/me/.ssh/id_ed25519"),
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE=\n-----END OPENSSH PRIVATE KEY-----\n".into(),
    );
    let v = values(&[
        ("name", "ci-dev"),
        ("ssh_public_access_enabled", "true"),
        ("ssh_settings.ssh_key_file", "/home/me/.ssh/id_ed25519.pub"),
    ]);
    let req = instance().to_request(&v, &w.ctx()).expect("valid");
    assert_eq!(
        inner(&req.body())["sshSettings"],
        serde_json::json!({"sshPublicAccess": "Enabled", "adminPublicKey": ED25519})
    );
    let v = values(&[
        ("name", "ci-dev"),
        ("ssh_public_access_enabled", "true"),
        ("ssh_settings.ssh_key_file", "/home/me/.ssh/id_ed25519"),
    ]);
    let p = problems(instance(), &v, &w.ctx());
    assert!(
        p.iter()
            .any(|m| m.starts_with("ssh_settings.ssh_key_file: ") && m.contains("private key")),
        "{p:?}"
    );
}

/// Problems of `form` with `base` then `pairs` set.
fn problems_with(
    form: &amlc::wizard::Form,
    w: &World,
    base: &[(&str, &str)],
    pairs: &[(&str, &str)],
) -> Vec<String> {
    let mut v = values(base);
    for (k, t) in pairs {
        v.set(k, *t);
    }
    problems(form, &v, &w.ctx())
}

fn has(p: &[String], field: &str, text: &str) -> bool {
    p.iter()
        .any(|m| m.starts_with(&format!("{field}: ")) && m.contains(text))
}

#[test]
fn instance_rules_refuse_before_building() {
    let w = World::new();
    let f = instance();
    let base = [("name", "ci-dev")];
    let p = |pairs: &[(&str, &str)]| problems_with(f, &w, &base, pairs);
    assert!(p(&[]).is_empty(), "{:?}", p(&[]));

    // Names: 3 to 24, a letter first, '-' followed by a letter later, ASCII only, unique.
    for (name, ok) in [
        ("ab", false),
        ("abc", true),
        ("a234567890123456", true),
        ("a23456789012345678901234", true),
        ("a234567890123456789012345", false),
        ("a-1", false),
        ("a-b", true),
        ("1abc", false),
        ("abcé", false),
        ("计算实例", false),
        ("CPU-CLUSTER", false),
    ] {
        let got = p(&[("name", name)]);
        assert_eq!(got.is_empty(), ok, "{name}: {got:?}");
        if !ok {
            assert!(got.iter().all(|m| m.starts_with("name: ")), "{got:?}");
        }
    }
    assert!(has(&p(&[("name", "")]), "name", "required"));

    // The VM type constrains the size.
    assert!(has(
        &p(&[("vm_type", "gpu")]),
        "size",
        "Standard_DS3_v2 has no GPU"
    ));
    assert!(has(
        &p(&[("size", "STANDARD_NC6"), ("vm_type", "cpu")]),
        "size",
        "STANDARD_NC6 has 1 GPU(s)"
    ));
    // Unchosen (an az ml YAML file has no vm_type), the type does not constrain the size.
    assert!(p(&[("size", "STANDARD_NC6")]).is_empty());
    assert!(p(&[("vm_type", "gpu"), ("size", "STANDARD_NC6")]).is_empty());
    assert!(has(
        &p(&[("size", "Standard_Nope")]),
        "size",
        "not a VM size"
    ));
    // Offered to clusters only.
    assert!(has(
        &p(&[("size", "Standard_ND96"), ("vm_type", "gpu")]),
        "size",
        "not offered for ComputeInstance"
    ));

    // Idle shutdown: 15 minutes to 3 days.
    for (minutes, ok) in [("14", false), ("15", true), ("4320", true), ("4321", false)] {
        let got = p(&[("idle_time_before_shutdown_minutes", minutes)]);
        assert_eq!(got.is_empty(), ok, "{minutes}: {got:?}");
    }
    assert!(has(
        &p(&[("idle_time_before_shutdown_minutes", "10")]),
        "idle_time_before_shutdown_minutes",
        "between 15 and 4320"
    ));

    // SSH: one public key; a private key pasted is named.
    let on = ("ssh_public_access_enabled", "true");
    assert!(has(
        &p(&[on]),
        "ssh_settings.ssh_key_value",
        "exactly one public key"
    ));
    assert!(p(&[on, ("ssh_settings.ssh_key_value", ED25519)]).is_empty());
    assert!(has(
        &p(&[
            on,
            (
                "ssh_settings.ssh_key_value",
                "-----BEGIN OPENSSH PRIVATE KEY-----"
            )
        ]),
        "ssh_settings.ssh_key_value",
        "this is a private key"
    ));
    assert!(has(
        &p(&[on, ("ssh_settings.ssh_key_file", "/nowhere.pub")]),
        "ssh_settings.ssh_key_file",
        "cannot read"
    ));

    // Network: a subnet needs its vnet (or a full id); a full id must be a subnet's; no public
    // IP only inside a vnet.
    assert!(has(
        &p(&[("network_settings.subnet", "default")]),
        "network_settings.vnet_name",
        "virtual network"
    ));
    assert!(
        p(&[
            ("network_settings.subnet", "default"),
            ("network_settings.vnet_name", "vnet1")
        ])
        .is_empty()
    );
    assert!(has(
        &p(&[(
            "network_settings.subnet",
            "/subscriptions/34adfa4f-cedf-4dc0-ba29-b6d1a69ab345/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v"
        )]),
        "network_settings.subnet",
        "not a resource id"
    ));
    assert!(has(
        &p(&[("enable_node_public_ip", "false")]),
        "enable_node_public_ip",
        "virtual network"
    ));

    // Assign to another user: two UUIDs, together.
    assert!(has(
        &p(&[("create_on_behalf_of.user_tenant_id", ZERO_UUID)]),
        "create_on_behalf_of.user_object_id",
        "both"
    ));
    assert!(has(
        &p(&[
            ("create_on_behalf_of.user_tenant_id", ZERO_UUID),
            ("create_on_behalf_of.user_object_id", "me@contoso.com")
        ]),
        "create_on_behalf_of.user_object_id",
        "not a UUID"
    ));

    // Setup scripts: arguments or a timeout need the script's path.
    assert!(has(
        &p(&[("setup_scripts.startup_script.command", "--fast")]),
        "setup_scripts.startup_script.path",
        "needs the script's path"
    ));
    assert!(has(
        &p(&[
            ("setup_scripts.creation_script.path", "setup.sh"),
            ("setup_scripts.creation_script.timeout_minutes", "0")
        ]),
        "setup_scripts.creation_script.timeout_minutes",
        "between 1 and 1440"
    ));

    // Identity: user-assigned needs ids of user-assigned identities.
    assert!(has(
        &p(&[("identity.type", "user_assigned")]),
        "identity.user_assigned_identities",
        "at least one"
    ));
}

#[test]
fn instance_schedule_rules() {
    let w = World::new();
    let f = instance();
    let with = |entries: Vec<amlc::wizard::Values>| {
        let mut v = values(&[("name", "ci-dev")]);
        v.set_list("schedules.compute_start_stop", entries);
        problems(f, &v, &w.ctx())
    };
    let stop = entry(&[("action", "stop"), ("trigger.expression", "0 18 * * *")]);
    assert!(with(vec![stop.clone(); 4]).is_empty());
    assert!(has(
        &with(vec![stop.clone(); 5]),
        "schedules.compute_start_stop",
        "at most 4 entries (there are 5)"
    ));
    let p = with(vec![entry(&[
        ("action", "stop"),
        ("trigger.expression", "0 24 * * *"),
    ])]);
    assert!(
        has(
            &p,
            "schedules.compute_start_stop[0].trigger.expression",
            "hour"
        ),
        "{p:?}"
    );
    let p = with(vec![entry(&[("trigger.expression", "0 18 * * *")])]);
    assert!(
        has(&p, "schedules.compute_start_stop[0].action", "required"),
        "{p:?}"
    );
    let p = with(vec![entry(&[
        ("action", "start"),
        ("trigger.type", "recurrence"),
    ])]);
    assert!(
        has(
            &p,
            "schedules.compute_start_stop[0].trigger.schedule.week_days",
            "needs its days"
        ) && has(
            &p,
            "schedules.compute_start_stop[0].trigger.schedule.hours",
            "needs the hour"
        ),
        "{p:?}"
    );
    let p = with(vec![entry(&[
        ("action", "start"),
        ("trigger.type", "recurrence"),
        ("trigger.schedule.week_days", "mon"),
        ("trigger.schedule.hours", "24"),
        ("trigger.start_time", "tomorrow"),
    ])]);
    for (field, text) in [
        ("trigger.schedule.week_days", "not a day"),
        ("trigger.schedule.hours", "outside 0–23"),
        ("trigger.start_time", "not a date and time"),
    ] {
        assert!(
            has(
                &p,
                &format!("schedules.compute_start_stop[0].{field}"),
                text
            ),
            "{field}: {p:?}"
        );
    }
}

// ---- AKS ---------------------------------------------------------------------------------

const AKS_ID: &str = "/subscriptions/34adfa4f-cedf-4dc0-ba29-b6d1a69ab345/resourcegroups/testrg123/providers/Microsoft.ContainerService/managedClusters/compute123-56826-c9b00420020b2";

fn aks_new() -> &'static amlc::wizard::Form {
    forms::form(FormId::AksNew).expect("AKS new form")
}

fn aks_attach() -> &'static amlc::wizard::Form {
    forms::form(FormId::AksAttach).expect("AKS attach form")
}

#[test]
fn aks_new_rebuilds_the_basic_example() {
    let w = World::new();
    let v = values(&[("name", "compute123"), ("location", "eastus")]);
    let req = aks_new().to_request(&v, &w.ctx()).expect("valid");
    assert_contains(&req.body(), &example("BasicAKSCompute.json"));
    // The defaults Azure ML proposes: 3 × Standard_D3_v2 (12 vCPUs), production, no SSL.
    assert_eq!(
        inner(&req.body()),
        &serde_json::json!({
            "agentCount": 3,
            "agentVmSize": "Standard_D3_v2",
            "clusterPurpose": "FastProd",
            "loadBalancerType": "PublicIp"
        })
    );
    assert!(req.body()["properties"].get("resourceId").is_none());
}

#[test]
fn aks_attach_rebuilds_the_example_but_its_agent_count() {
    let w = World::new();
    let v = values(&[
        ("name", "compute123"),
        ("location", "eastus"),
        ("description", "some compute"),
        ("resource_id", AKS_ID),
    ]);
    let req = aks_attach().to_request(&v, &w.ctx()).expect("valid");
    let body = req.body();
    // AKSCompute.json names an existing cluster (resourceId): the attach form rebuilds it.
    // Its agentCount (4) is the existing cluster's node count, which the service reads from
    // the cluster; the attach form does not send one. Every other field is compared.
    let want = example("AKSCompute.json");
    assert_eq!(want["properties"]["properties"]["agentCount"], 4);
    assert_eq!(body["location"], want["location"]);
    for key in ["description", "computeType", "resourceId"] {
        assert_eq!(body["properties"][key], want["properties"][key], "{key}");
    }
    assert!(inner(&body).get("agentCount").is_none());
    assert_eq!(inner(&body)["clusterPurpose"], "FastProd");
}

#[test]
fn aks_rules_refuse_before_building() {
    let w = World::new();
    let f = aks_new();
    let base = [("name", "aks-prod")];
    let p = |pairs: &[(&str, &str)]| problems_with(f, &w, &base, pairs);
    assert!(p(&[]).is_empty(), "{:?}", p(&[]));

    // Names: 2 to 16.
    for (name, ok) in [
        ("a", false),
        ("ab", true),
        ("abc", true),
        ("a234567890123456", true),
        ("a2345678901234567", false),
        ("a23456789012345678901234", false),
        ("a234567890123456789012345", false),
        ("a-1", false),
        ("a-b", true),
        ("1ab", false),
        ("aks-ü", false),
        ("cpu-cluster", false),
    ] {
        let got = p(&[("name", name)]);
        assert_eq!(got.is_empty(), ok, "{name}: {got:?}");
    }

    // Production: nodes × vCPUs ≥ 12, said with the numbers; dev-test may be one node.
    let two = p(&[("agent_count", "2"), ("size", "Standard_D3_v2")]);
    assert!(
        has(
            &two,
            "agent_count",
            "at least 12 vCPUs: 2 × 4 vCPUs (Standard_D3_v2) = 8; use 3 or more nodes"
        ),
        "{two:?}"
    );
    assert!(has(
        &p(&[("agent_count", "2"), ("cluster_purpose", "DenseProd")]),
        "agent_count",
        "= 8"
    ));
    assert!(p(&[("agent_count", "1"), ("cluster_purpose", "DevTest")]).is_empty());
    assert!(p(&[("agent_count", "2"), ("size", "STANDARD_NC6")]).is_empty());
    assert!(has(&p(&[("agent_count", "0")]), "agent_count", "between 1"));
    assert!(has(
        &p(&[("size", "Standard_Nope")]),
        "size",
        "not a VM size"
    ));
    // Another region: the workspace's catalogue does not apply.
    assert!(p(&[("size", "Standard_Nope"), ("location", "eastus")]).is_empty());

    // Advanced network.
    let adv = ("network.type", "advanced");
    let subnet = ("network.subnet_id", SUBNET_ID);
    assert!(has(&p(&[adv]), "network.subnet_id", "required"));
    assert!(p(&[adv, subnet]).is_empty(), "{:?}", p(&[adv, subnet]));
    assert!(has(
        &p(&[adv, ("network.subnet_id", AKS_ID)]),
        "network.subnet_id",
        "Microsoft.Network"
    ));
    assert!(has(
        &p(&[adv, subnet, ("network.dns_service_ip", "10.1.0.10")]),
        "network.dns_service_ip",
        "10.1.0.10 is outside the service CIDR 10.0.0.0/16"
    ));
    assert!(has(
        &p(&[adv, subnet, ("network.dns_service_ip", "10.0.0.1")]),
        "network.dns_service_ip",
        "reserved"
    ));
    assert!(has(
        &p(&[adv, subnet, ("network.docker_bridge_cidr", "10.0.128.1/17")]),
        "network.docker_bridge_cidr",
        "10.0.128.0/17 overlaps the service CIDR 10.0.0.0/16"
    ));
    assert!(has(
        &p(&[
            adv,
            subnet,
            ("network.service_cidr", "10.0.0.0/8"),
            ("network.dns_service_ip", "10.0.0.10")
        ]),
        "network.service_cidr",
        "/12 or smaller"
    ));
    assert!(has(
        &p(&[adv, subnet, ("network.service_cidr", "10.0.0.1/16")]),
        "network.service_cidr",
        "host bits"
    ));
    assert!(has(
        &p(&[("load_balancer_type", "InternalLoadBalancer")]),
        "load_balancer_type",
        "Advanced"
    ));

    // SSL: own certificate needs both files and a CNAME; Microsoft's a leaf label.
    let own = ("ssl.status", "Enabled");
    let got = p(&[own]);
    for field in ["ssl.cert_file", "ssl.key_file", "ssl.cname"] {
        assert!(has(&got, field, "required"), "{field}: {got:?}");
    }
    assert!(has(
        &p(&[("ssl.status", "Auto")]),
        "ssl.leaf_domain_label",
        "required"
    ));
    assert!(has(
        &p(&[("ssl.status", "Auto"), ("ssl.leaf_domain_label", "9ml")]),
        "ssl.leaf_domain_label",
        "lowercase letter"
    ));

    // Attach: the resource id must be an AKS cluster's.
    let a = |pairs: &[(&str, &str)]| problems_with(aks_attach(), &w, &[("name", "aks1")], pairs);
    assert!(has(&a(&[]), "resource_id", "required"));
    assert!(a(&[("resource_id", AKS_ID)]).is_empty());
    for bad in [
        "compute123",
        "/subscriptions/not-a-uuid/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/k",
        SUBNET_ID,
    ] {
        let got = a(&[("resource_id", bad)]);
        assert!(
            got.iter().any(|m| m.starts_with("resource_id: ")),
            "{bad}: {got:?}"
        );
    }
}

const CERT: &str = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n";
const KEY: &str = "-----BEGIN PRIVATE KEY-----\nTOPSECRETKEYDATA0123\n-----END PRIVATE KEY-----\n";

fn ssl_world() -> World {
    let mut w = World::new();
    w.files
        .0
        .insert(PathBuf::from("/certs/cert.pem"), CERT.into());
    w.files
        .0
        .insert(PathBuf::from("/certs/key.pem"), KEY.into());
    w.files
        .0
        .insert(PathBuf::from("/certs/cert-copy.pem"), CERT.into());
    w
}

#[test]
fn aks_own_certificate_key_is_read_at_build_and_never_shown() {
    let w = ssl_world();
    for form in [aks_new(), aks_attach()] {
        let v = values(&[
            ("name", "aks1"),
            ("resource_id", AKS_ID),
            ("ssl.status", "Enabled"),
            ("ssl.cert_file", "/certs/cert.pem"),
            ("ssl.key_file", "/certs/key.pem"),
            ("ssl.cname", "scoring.contoso.com"),
        ]);
        let req = form.to_request(&v, &w.ctx()).expect("valid");
        let body = req.body();
        let ssl = &inner(&body)["sslConfiguration"];
        assert_eq!(ssl["status"], "Enabled");
        assert_eq!(ssl["cert"], CERT.trim());
        assert_eq!(ssl["key"], KEY.trim());
        assert_eq!(ssl["cname"], "scoring.contoso.com");
        assert!(!format!("{req:?}").contains("TOPSECRET"), "{req:?}");
        let masked = req.masked_body().to_string();
        assert!(!masked.contains("TOPSECRET"), "{masked}");
        assert_eq!(
            req.masked_body()["properties"]["properties"]["sslConfiguration"]["key"],
            "***"
        );
    }
}

#[test]
fn aks_certificate_files_are_checked() {
    let w = ssl_world();
    let f = aks_new();
    let base = [
        ("name", "aks1"),
        ("ssl.status", "Enabled"),
        ("ssl.cname", "scoring.contoso.com"),
    ];
    // The certificate file is checked as you type; a key given as the certificate is named.
    let p = problems_with(
        f,
        &w,
        &base,
        &[
            ("ssl.cert_file", "/certs/key.pem"),
            ("ssl.key_file", "/certs/cert.pem"),
        ],
    );
    assert!(has(&p, "ssl.cert_file", "this is a private key"), "{p:?}");
    assert!(!p.iter().any(|m| m.contains("TOPSECRET")), "{p:?}");
    // The key file is read only when the request is built: a missing key passes the checks
    // and fails the build, on its field.
    let mut v = values(&base);
    v.set("ssl.cert_file", "/certs/cert.pem");
    v.set("ssl.key_file", "/certs/missing.pem");
    assert!(f.problems(&v, &w.ctx()).is_empty());
    let err = f.to_request(&v, &w.ctx()).expect_err("no key file");
    assert_eq!(err[0].field, "ssl.key_file");
    // The same file for both is refused as you type.
    v.set("ssl.key_file", "/certs/cert.pem");
    let p = problems(f, &v, &w.ctx());
    assert!(has(&p, "ssl.key_file", "is the certificate file"), "{p:?}");
    // A certificate given as the key is refused at build, without quoting it.
    v.set("ssl.key_file", "/certs/cert-copy.pem");
    let err = f.to_request(&v, &w.ctx()).expect_err("not a key");
    assert!(
        err[0].field == "ssl.key_file" && err[0].message.contains("this is a certificate"),
        "{err:?}"
    );
}

#[test]
fn aks_microsoft_certificate_and_advanced_network_are_sent() {
    let w = World::new();
    let v = values(&[
        ("name", "aks1"),
        ("cluster_purpose", "DevTest"),
        ("agent_count", "1"),
        ("network.type", "advanced"),
        ("network.subnet_id", SUBNET_ID),
        ("load_balancer_type", "InternalLoadBalancer"),
        ("load_balancer_subnet", "lb-subnet"),
        ("ssl.status", "Auto"),
        ("ssl.leaf_domain_label", "myaks"),
        ("ssl.overwrite_existing_domain", "true"),
    ]);
    let req = aks_new().to_request(&v, &w.ctx()).expect("valid");
    assert_eq!(
        inner(&req.body()),
        &serde_json::json!({
            "agentCount": 1,
            "agentVmSize": "Standard_D3_v2",
            "clusterPurpose": "DevTest",
            "loadBalancerType": "InternalLoadBalancer",
            "loadBalancerSubnet": "lb-subnet",
            "sslConfiguration": {
                "status": "Auto",
                "leafDomainLabel": "myaks",
                "overwriteExistingDomain": true
            },
            "aksNetworkingConfiguration": {
                "subnetId": SUBNET_ID,
                "serviceCidr": "10.0.0.0/16",
                "dnsServiceIP": "10.0.0.10",
                "dockerBridgeCidr": "172.17.0.1/16"
            }
        })
    );
    // Workspace region: no location sent (as az ml).
    assert!(req.body().get("location").is_none());
}

#[test]
fn every_field_of_these_forms_has_one_line_of_help() {
    for id in [FormId::ComputeInstance, FormId::AksNew, FormId::AksAttach] {
        let form = forms::form(id).expect("registered");
        assert!(forms::all().iter().any(|f| f.id == id));
        let mut fields: Vec<&amlc::wizard::Field> = form.fields.iter().collect();
        for f in form.fields {
            if let amlc::wizard::FieldKind::List { fields: sub, .. } = f.kind {
                fields.extend(sub.iter());
            }
        }
        for f in fields {
            assert!(
                !f.help.trim().is_empty()
                    && !f.help.contains('\n')
                    && f.help.chars().count() <= 100,
                "{:?} {}: {:?}",
                id,
                f.id,
                f.help
            );
            assert!(f.step < form.steps.len(), "{:?} {} step", id, f.id);
        }
    }
    assert_eq!(
        forms::by_yaml_type("computeinstance", false).map(|f| f.id),
        Some(FormId::ComputeInstance)
    );
}

#[test]
fn cluster_admin_account_without_public_ssh_and_passwords_sent_as_typed() {
    let w = World::new();
    let form = forms::form(FormId::ComputeCluster).expect("cluster form");
    // az ml: ssh_settings make the admin account whether or not the port is public.
    let v = values(&[
        ("name", "gpu-train"),
        ("ssh_settings.admin_username", "ops"),
        ("ssh_settings.admin_password", "  spaced pass  "),
    ]);
    let req = form.to_request(&v, &w.ctx()).expect("valid");
    let props = &req.body()["properties"]["properties"];
    assert_eq!(props["userAccountCredentials"]["adminUserName"], "ops");
    assert_eq!(
        props["userAccountCredentials"]["adminUserPassword"], "  spaced pass  ",
        "a password is sent exactly as typed"
    );
    assert_eq!(props["remoteLoginPortPublicAccess"], "NotSpecified");
    // Nothing given: no admin account at all.
    let req = form
        .to_request(&values(&[("name", "gpu-train")]), &w.ctx())
        .expect("valid");
    assert!(
        req.body()["properties"]["properties"]
            .get("userAccountCredentials")
            .is_none()
    );
    // Two credentials at once are refused, public access or not.
    let p = form.problems(
        &values(&[
            ("name", "gpu-train"),
            ("ssh_settings.admin_password", "pw"),
            (
                "ssh_settings.ssh_key_value",
                "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
            ),
        ]),
        &w.ctx(),
    );
    assert!(p.iter().any(|p| p.message.contains("not several")), "{p:?}");
}
