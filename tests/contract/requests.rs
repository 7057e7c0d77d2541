//! (b) Request bodies: every request body of Azure's examples is what the typed models build
//! from typed inputs (struct literals and builders, never by parsing the example), and parsing
//! it then writing it again gives it back unchanged.

use super::{FOLDERS, api_dir, example};
use amlc::azure::models::*;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

fn described(compute: Compute, description: &str) -> Compute {
    Compute {
        description: Some(description.into()),
        ..compute
    }
}

const AKS_RESOURCE_ID: &str = "/subscriptions/34adfa4f-cedf-4dc0-ba29-b6d1a69ab345/resourcegroups/testrg123/providers/Microsoft.ContainerService/managedClusters/compute123-56826-c9b00420020b2";
const ZERO_ID: &str = "00000000-0000-0000-0000-000000000000";

fn personal_settings() -> PersonalComputeInstanceSettings {
    PersonalComputeInstanceSettings {
        assigned_user: Some(AssignedUser {
            object_id: Some(ZERO_ID.into()),
            tenant_id: Some(ZERO_ID.into()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn ssh_disabled() -> Option<SshSettings> {
    Some(SshSettings {
        ssh_public_access: Some(SshPublicAccess::Disabled),
        ..Default::default()
    })
}

fn rstudio_workbench(target_port: i64, volume_target: &str) -> CustomService {
    CustomService {
        name: Some("rstudio-workbench".into()),
        image: Some(Image {
            type_: Some(ImageType::Docker),
            reference: Some("ghcr.io/azure/rstudio-workbench:latest".into()),
            ..Default::default()
        }),
        environment_variables: BTreeMap::from([(
            "RSP_LICENSE".to_owned(),
            EnvironmentVariable {
                type_: Some(EnvironmentVariableType::Local),
                value: Some("XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX".into()),
                ..Default::default()
            },
        )]),
        docker: Some(Docker {
            privileged: Some(true),
            ..Default::default()
        }),
        endpoints: vec![Endpoint {
            protocol: Some(EndpointProtocol::Http),
            name: Some("connect".into()),
            target: Some(target_port),
            published: Some(4444),
            host_ip: Some(None),
            ..Default::default()
        }],
        volumes: vec![VolumeDefinition {
            type_: Some(VolumeDefinitionType::Bind),
            read_only: Some(true),
            source: Some("/mnt/azureuser/".into()),
            target: Some(volume_target.into()),
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn kubernetes_quantities() -> Option<Map<String, Value>> {
    let mut map = Map::new();
    map.insert("cpu".into(), json!("1"));
    map.insert("memory".into(), json!("4Gi"));
    map.insert("nvidia.com/gpu".into(), Value::Null);
    Some(map)
}

/// The typed request of a createOrUpdate example.
fn compute_request(folder: &str, file: &str) -> Option<ComputeResource> {
    let compute = match file {
        "AKSCompute.json" => Compute {
            resource_id: Some(AKS_RESOURCE_ID.into()),
            ..described(
                Compute::new(ComputeProperties::Aks(AksProperties {
                    agent_count: Some(4),
                    ..Default::default()
                })),
                "some compute",
            )
        },
        "AmlCompute.json" => described(
            Compute::new(ComputeProperties::AmlCompute(AmlComputeProperties {
                scale_settings: Some(ScaleSettings::new(4, 4, Some("PT5M".into()))),
                ..Default::default()
            })),
            "some compute",
        ),
        "BasicAKSCompute.json" => Compute::of_type(ComputeType::Aks),
        "BasicAmlCompute.json" => {
            Compute::new(ComputeProperties::AmlCompute(AmlComputeProperties {
                vm_size: Some("STANDARD_NC6".into()),
                vm_priority: Some(VmPriority::Dedicated),
                os_type: Some(OsType::Windows),
                virtual_machine_image: Some(ResourceId::new(
                    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/myResourceGroup/providers/Microsoft.Compute/galleries/myImageGallery/images/myImageDefinition/versions/0.0.1",
                )),
                isolated_network: Some(false),
                scale_settings: Some(ScaleSettings::new(0, 1, Some("PT5M".into()))),
                remote_login_port_public_access: Some(RemoteLoginPortPublicAccess::NotSpecified),
                enable_node_public_ip: Some(true),
                ..Default::default()
            }))
        }
        "BasicDataFactoryCompute.json" => Compute::of_type(ComputeType::DataFactory),
        "ComputeInstance.json" if folder == "examples" => Compute::new(
            ComputeProperties::ComputeInstance(ComputeInstanceProperties {
                application_sharing_policy: Some(ApplicationSharingPolicy::Personal),
                compute_instance_authorization_type: Some(
                    ComputeInstanceAuthorizationType::Personal,
                ),
                custom_services: vec![CustomService {
                    kernel: Some(JupyterKernelConfig {
                        argv: vec!["option1".into(), "option2".into(), "option3".into()],
                        display_name: Some("TestKernel".into()),
                        language: Some("python".into()),
                        ..Default::default()
                    }),
                    ..rstudio_workbench(8787, "/home/testuser/")
                }],
                enable_sso: Some(true),
                personal_compute_instance_settings: Some(personal_settings()),
                ssh_settings: ssh_disabled(),
                subnet: Some(ResourceId::new("test-subnet-resource-id")),
                vm_size: Some("STANDARD_NC6".into()),
                ..Default::default()
            }),
        ),
        "ComputeInstance.json" => {
            let mut odd_volume_key = Map::new();
            odd_volume_key.insert("read_only".into(), json!(false));
            Compute::new(ComputeProperties::ComputeInstance(
                ComputeInstanceProperties {
                    vm_size: Some("STANDARD_NC6".into()),
                    subnet: Some(ResourceId::new("test-subnet-resource-id")),
                    application_sharing_policy: Some(ApplicationSharingPolicy::Personal),
                    custom_services: vec![CustomService {
                        name: Some("rstudio".into()),
                        docker: Some(Docker {
                            privileged: Some(true),
                            ..Default::default()
                        }),
                        environment_variables: BTreeMap::from([(
                            "test_var".to_owned(),
                            EnvironmentVariable {
                                type_: Some(EnvironmentVariableType::Local),
                                value: Some("test_val".into()),
                                ..Default::default()
                            },
                        )]),
                        volumes: vec![VolumeDefinition {
                            type_: Some(VolumeDefinitionType::Bind),
                            source: Some("/home/azureuser/cloudfiles".into()),
                            target: Some("/home/azureuser/cloudfiles".into()),
                            extra: odd_volume_key,
                            ..Default::default()
                        }],
                        endpoints: vec![Endpoint {
                            name: Some("connect".into()),
                            target: Some(8787),
                            published: Some(8787),
                            protocol: Some(EndpointProtocol::Http),
                            ..Default::default()
                        }],
                        image: Some(Image {
                            type_: Some(ImageType::Docker),
                            reference: Some("ghcr.io/azure/rocker-rstudio-ml-verse:latest".into()),
                            ..Default::default()
                        }),
                        ..Default::default()
                    }],
                    ssh_settings: ssh_disabled(),
                    compute_instance_authorization_type: Some(
                        ComputeInstanceAuthorizationType::Personal,
                    ),
                    personal_compute_instance_settings: Some(personal_settings()),
                    ..Default::default()
                },
            ))
        }
        "ComputeInstanceMinimal.json" => Compute::new(ComputeProperties::ComputeInstance(
            ComputeInstanceProperties {
                vm_size: Some("STANDARD_NC6".into()),
                ..Default::default()
            },
        )),
        "ComputeInstanceWithSchedules.json" => Compute::new(ComputeProperties::ComputeInstance(
            ComputeInstanceProperties {
                vm_size: Some("STANDARD_NC6".into()),
                application_sharing_policy: Some(ApplicationSharingPolicy::Personal),
                ssh_settings: ssh_disabled(),
                compute_instance_authorization_type: Some(
                    ComputeInstanceAuthorizationType::Personal,
                ),
                personal_compute_instance_settings: Some(personal_settings()),
                schedules: Some(Schedules {
                    compute_start_stop: vec![ComputeStartStopSchedule {
                        status: Some(ScheduleStatus::Enabled),
                        action: Some(ComputePowerAction::Stop),
                        trigger_type: Some(TriggerType::Cron),
                        cron: Some(Cron {
                            expression: Some("0 18 * * *".into()),
                            start_time: Some("2021-04-23T01:30:00".into()),
                            time_zone: Some("Pacific Standard Time".into()),
                            ..Default::default()
                        }),
                        ..Default::default()
                    }],
                    ..Default::default()
                }),
                ..Default::default()
            },
        )),
        "KubernetesCompute.json" => Compute {
            resource_id: Some(AKS_RESOURCE_ID.into()),
            ..described(
                Compute::new(ComputeProperties::Kubernetes(KubernetesProperties {
                    namespace: Some("default".into()),
                    default_instance_type: Some("defaultInstanceType".into()),
                    instance_types: BTreeMap::from([(
                        "defaultInstanceType".to_owned(),
                        InstanceType {
                            node_selector: Some(None),
                            resources: Some(InstanceResources {
                                requests: kubernetes_quantities(),
                                limits: kubernetes_quantities(),
                                ..Default::default()
                            }),
                            ..Default::default()
                        },
                    )]),
                    ..Default::default()
                })),
                "some compute",
            )
        },
        _ => return None,
    };
    Some(ComputeResource::new_request(Some("eastus".into()), compute))
}

/// Asserts that `typed` serializes to `expected`, and that `expected` read as `T` and written
/// again is unchanged.
fn assert_request<T>(what: &str, typed: &T, expected: &Value)
where
    T: serde::Serialize + serde::de::DeserializeOwned,
{
    let built = serde_json::to_value(typed).unwrap();
    assert_eq!(
        &built, expected,
        "{what}: built body differs\nbuilt:    {built}\nexpected: {expected}"
    );
    let parsed: T = serde_json::from_value(expected.clone()).unwrap();
    let again = serde_json::to_value(&parsed).unwrap();
    assert_eq!(
        &again, expected,
        "{what}: round trip differs\nagain:    {again}\nexpected: {expected}"
    );
}

#[test]
fn every_create_request_is_built_from_typed_inputs() {
    let mut checked = Vec::new();
    for folder in FOLDERS {
        let dir = api_dir().join(folder).join("Compute/createOrUpdate");
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".json"))
            .collect();
        files.sort();
        for file in files {
            let example = example(folder, &format!("Compute/createOrUpdate/{file}"));
            let expected = &example["parameters"]["parameters"];
            let typed = compute_request(folder, &file)
                .unwrap_or_else(|| panic!("{folder}/{file}: no typed request for this example"));
            assert_request(&format!("{folder}/{file}"), &typed, expected);
            let parsed: ComputeResource = serde_json::from_value(expected.clone()).unwrap();
            assert!(
                parsed.parse_warnings.is_empty(),
                "{file}: {:?}",
                parsed.parse_warnings
            );
            checked.push(format!("{folder}/{file}"));
        }
    }
    println!("request bodies checked: {checked:?}");
    assert_eq!(checked.len(), 18);
}

#[test]
fn other_request_bodies_are_built_from_typed_inputs() {
    for folder in FOLDERS {
        let patch = example(folder, "Compute/patch.json");
        let update = ClusterUpdate::scale(ScaleSettings::new(4, 4, Some("PT5M".into())));
        assert_request("patch", &update, &patch["parameters"]["parameters"]);
        assert_eq!(
            serde_json::to_value(&update).unwrap(),
            json!({"properties":{"properties":{"scaleSettings":
                {"maxNodeCount":4,"minNodeCount":4,"nodeIdleTimeBeforeScaleDown":"PT5M"}}}})
        );

        let idle = example(folder, "Compute/updateIdleShutdownSetting.json");
        assert_request(
            "idle",
            &IdleShutdownSetting::new("PT120M"),
            &idle["parameters"]["parameters"],
        );

        let services = example(folder, "Compute/updateCustomServices.json");
        let typed = match folder {
            "examples" => vec![rstudio_workbench(8787, "/home/testuser/")],
            _ => vec![rstudio_workbench(8888, "/home/azureuser/")],
        };
        assert_request(
            "customServices",
            &typed,
            &services["parameters"]["customServices"],
        );
    }

    let mounts = example("examples", "Compute/updateDataMounts.json");
    let typed = vec![DataMount {
        mount_action: Some(MountAction::Mount),
        mount_mode: Some(MountMode::ReadOnly),
        mount_name: Some("hello".into()),
        mount_path: Some("/some/random/path/on/host".into()),
        source: Some("azureml://subscriptions/some-sub/resourcegroups/some-rg/workspaces/some-ws/data/some-data-asset-name/versions/some-data-asset-version".into()),
        source_type: Some(DataMountSourceType::Uri),
        ..Default::default()
    }];
    assert_request("dataMounts", &typed, &mounts["parameters"]["dataMounts"]);
}

#[test]
fn command_job_request_is_built_from_typed_inputs() {
    let example = example("examples", "Job/CommandJob/createOrUpdate.json");
    let expected = &example["parameters"]["body"];
    let mut resource_properties = Map::new();
    resource_properties.insert(
        "string".into(),
        json!({"e6b6493e-7d5e-4db3-be1e-306ec641327e": null}),
    );
    let job = CommandJobRequest::new("string", "string")
        .description("string")
        .tag("string", "string")
        .property("string", "string")
        .display_name("string")
        .experiment_name("string")
        .service(
            "string",
            JobService {
                job_service_type: Some("string".into()),
                port: Some(1),
                endpoint: Some("string".into()),
                properties: BTreeMap::from([("string".to_owned(), "string".to_owned())]),
                ..Default::default()
            },
        )
        .compute_id("string")
        .resources(JobResources {
            instance_count: Some(1),
            instance_type: Some("string".into()),
            properties: resource_properties,
            ..Default::default()
        })
        .code_id("string")
        .input(
            "string",
            JobInput {
                description: Some("string".into()),
                job_input_type: Some(JobInputType::Literal),
                value: Some("string".into()),
                ..Default::default()
            },
        )
        .output(
            "string",
            JobOutput {
                description: Some("string".into()),
                job_output_type: Some(JobOutputType::UriFile),
                mode: Some(DeliveryMode::ReadWriteMount),
                uri: Some("string".into()),
                ..Default::default()
            },
        )
        .distribution(DistributionConfiguration {
            distribution_type: Some(DistributionType::TensorFlow),
            worker_count: Some(1),
            parameter_server_count: Some(1),
            ..Default::default()
        })
        .timeout("PT5M")
        .environment_variable("string", "string")
        .identity(IdentityConfigurationType::AmlToken)
        .build();
    assert_request("CommandJob", &job, expected);
    assert!(
        serde_json::from_value::<Job>(expected.clone())
            .unwrap()
            .parse_warnings
            .is_empty()
    );
}
