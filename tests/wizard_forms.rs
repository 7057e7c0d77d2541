//! The create and attach forms without a terminal: every `createOrUpdate` example body of
//! `../shared/azureml-api/examples/Compute/createOrUpdate/` rebuilt through a form's
//! `to_request()` (each field of the example present in the built body with the same value),
//! and each form's rules refusing bad values before anything is built.

mod wizard_common;

use amlc::wizard::FormId;
use amlc::wizard::forms;
use std::path::PathBuf;
use wizard_common::{World, assert_contains, example, values};

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
