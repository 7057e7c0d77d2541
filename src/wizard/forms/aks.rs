//! AKS inference cluster forms: create a new AKS cluster ([`NEW`]) or attach an existing one
//! ([`ATTACH`], by its `Microsoft.ContainerService/managedClusters` resource id). az ml has no
//! YAML type for AKS, so the field ids follow the same style (`cluster_purpose`, `agent_count`,
//! `network.*`, `ssl.*`). Rules: the 2–16 name rule; a size of the region's catalogue; for a
//! production purpose at least 12 vCPUs in total (nodes × vCPUs of the size; a dev-test cluster
//! may be a single node, as the Studio documents say); an advanced network's subnet id, service
//! CIDR (no larger than /12), DNS service IP inside it, and a Docker bridge that overlaps
//! neither; SSL off, own certificate (PEM certificate and key files, CNAME) or a Microsoft
//! certificate (leaf domain label). The SSL private key is a secret file read only by `build`.

use super::{DESCRIPTION, NAME_2_16, TAGS, flag, number};
use crate::azure::models::{AksNetworkingConfiguration, AksProperties, SslConfiguration};
use crate::azure::models::{ClusterPurpose, LoadBalancerType, Secret, SslStatus};
use crate::azure::models::{Compute, ComputeProperties};
use crate::wizard::engine::{
    Choice, ComputeRequest, Cond, Ctx, Field, FieldKind, Form, FormId, Problem, Values,
};
use crate::wizard::rules;
use std::path::Path;

/// Production clusters need at least this many vCPUs in all (Studio's rule).
pub const MIN_PRODUCTION_VCPUS: i64 = 12;

/// The size and node count Azure ML proposes for a new cluster (3 × 4 vCPUs = 12).
pub const DEFAULT_SIZE: &str = "Standard_D3_v2";
pub const DEFAULT_AGENTS: &str = "3";

pub const PURPOSES: &[Choice] = &[
    Choice {
        value: "FastProd",
        label: "Production",
    },
    Choice {
        value: "DenseProd",
        label: "Production, dense (more services per node)",
    },
    Choice {
        value: "DevTest",
        label: "Dev-test (may be a single node)",
    },
];

pub const SSL_MODES: &[Choice] = &[
    Choice {
        value: "Disabled",
        label: "Off",
    },
    Choice {
        value: "Enabled",
        label: "Own certificate",
    },
    Choice {
        value: "Auto",
        label: "Microsoft certificate",
    },
];

const ADVANCED: Option<Cond> = Some(Cond {
    field: "network.type",
    any_of: &["advanced"],
});

const OWN_CERT: Option<Cond> = Some(Cond {
    field: "ssl.status",
    any_of: &["Enabled"],
});

const MS_CERT: Option<Cond> = Some(Cond {
    field: "ssl.status",
    any_of: &["Auto"],
});

pub const AKS_LOCATION: Field = Field::text(
    "location",
    "Region",
    "Azure region of the AKS cluster; empty for the workspace's region",
);

pub const PURPOSE: Field = Field {
    kind: FieldKind::Choice(PURPOSES),
    default: "FastProd",
    ..Field::text(
        "cluster_purpose",
        "Purpose",
        "Production needs nodes × vCPUs ≥ 12; dev-test may be one small node",
    )
};

/// The SSL fields shared by the new and attach forms, on step `step`.
pub const fn ssl_fields(step: usize) -> [Field; 6] {
    [
        Field {
            kind: FieldKind::Choice(SSL_MODES),
            default: "Disabled",
            step,
            ..Field::text(
                "ssl.status",
                "SSL",
                "HTTPS for the scoring endpoints: off, your own certificate, or one from Microsoft",
            )
        },
        Field {
            kind: FieldKind::File { secret: false },
            required: true,
            show_if: OWN_CERT,
            step,
            ..Field::text(
                "ssl.cert_file",
                "Certificate (PEM)",
                "PEM file starting with -----BEGIN CERTIFICATE----- (the chain may follow)",
            )
        },
        Field {
            kind: FieldKind::File { secret: true },
            required: true,
            show_if: OWN_CERT,
            step,
            ..Field::text(
                "ssl.key_file",
                "Private key (PEM)",
                "The certificate's unencrypted PEM private key file; read only when sending",
            )
        },
        Field {
            required: true,
            show_if: OWN_CERT,
            check: Some(rules::host_field),
            step,
            ..Field::text(
                "ssl.cname",
                "CNAME",
                "The host name the certificate is for (e.g. scoring.contoso.com); point it at the cluster",
            )
        },
        Field {
            required: true,
            show_if: MS_CERT,
            check: Some(leaf_label),
            step,
            ..Field::text(
                "ssl.leaf_domain_label",
                "Leaf domain label",
                "Becomes <label>…<region>.cloudapp.azure.com: lowercase letters, digits, '-', a letter first",
            )
        },
        Field {
            kind: FieldKind::Toggle,
            default: "false",
            show_if: MS_CERT,
            step,
            ..Field::text(
                "ssl.overwrite_existing_domain",
                "Overwrite domain",
                "Take over the label's domain if another cluster already uses it",
            )
        },
    ]
}

const SSL_NEW: [Field; 6] = ssl_fields(2);
const SSL_ATTACH: [Field; 6] = ssl_fields(1);

const NEW_FIELDS: &[Field] = &[
    NAME_2_16,
    DESCRIPTION,
    AKS_LOCATION,
    Field {
        kind: FieldKind::Size,
        default: DEFAULT_SIZE,
        required: true,
        ..Field::text(
            "size",
            "Node VM size",
            "The VM size of every node; any size of the region (the picker shows vCPUs and price)",
        )
    },
    PURPOSE,
    Field {
        kind: FieldKind::Number { min: 1, max: 1000 },
        default: DEFAULT_AGENTS,
        ..Field::text(
            "agent_count",
            "Nodes",
            "Number of nodes, 1 to 1000; production needs nodes × vCPUs of the size ≥ 12",
        )
    },
    Field {
        kind: FieldKind::Choice(&[
            Choice {
                value: "basic",
                label: "Basic (AKS makes its own network)",
            },
            Choice {
                value: "advanced",
                label: "Advanced (in an existing virtual network)",
            },
        ]),
        default: "basic",
        step: 1,
        ..Field::text(
            "network.type",
            "Network",
            "Advanced puts the nodes in a subnet of your virtual network",
        )
    },
    Field {
        required: true,
        show_if: ADVANCED,
        check: Some(subnet),
        step: 1,
        ..Field::text(
            "network.subnet_id",
            "Subnet id",
            "/subscriptions/…/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>",
        )
    },
    Field {
        default: "10.0.0.0/16",
        required: true,
        show_if: ADVANCED,
        check: Some(rules::cidr_field),
        step: 1,
        ..Field::text(
            "network.service_cidr",
            "Service CIDR",
            "Kubernetes service addresses, /12 or smaller, not used by your network (e.g. 10.0.0.0/16)",
        )
    },
    Field {
        default: "10.0.0.10",
        required: true,
        show_if: ADVANCED,
        check: Some(rules::ipv4_field),
        step: 1,
        ..Field::text(
            "network.dns_service_ip",
            "DNS service IP",
            "Cluster DNS address: inside the service CIDR, not its first address (e.g. 10.0.0.10)",
        )
    },
    Field {
        default: "172.17.0.1/16",
        required: true,
        show_if: ADVANCED,
        check: Some(rules::address_prefix_field),
        step: 1,
        ..Field::text(
            "network.docker_bridge_cidr",
            "Docker bridge",
            "Docker bridge address and range, outside the service CIDR and subnet (e.g. 172.17.0.1/16)",
        )
    },
    Field {
        kind: FieldKind::Choice(&[
            Choice {
                value: "PublicIp",
                label: "Public IP",
            },
            Choice {
                value: "InternalLoadBalancer",
                label: "Internal (private address in your vnet)",
            },
        ]),
        default: "PublicIp",
        step: 1,
        ..Field::text(
            "load_balancer_type",
            "Load balancer",
            "How scoring endpoints are reached: a public IP, or a private one (needs advanced network)",
        )
    },
    Field {
        show_if: Some(Cond {
            field: "load_balancer_type",
            any_of: &["InternalLoadBalancer"],
        }),
        step: 1,
        ..Field::text(
            "load_balancer_subnet",
            "Load balancer subnet",
            "Subnet name for the internal load balancer (empty: the cluster's subnet)",
        )
    },
    SSL_NEW[0],
    SSL_NEW[1],
    SSL_NEW[2],
    SSL_NEW[3],
    SSL_NEW[4],
    SSL_NEW[5],
    Field { step: 2, ..TAGS },
];

const ATTACH_FIELDS: &[Field] = &[
    NAME_2_16,
    DESCRIPTION,
    Field {
        required: true,
        check: Some(aks_id),
        ..Field::text(
            "resource_id",
            "AKS cluster id",
            "/subscriptions/…/resourceGroups/…/providers/Microsoft.ContainerService/managedClusters/<name>",
        )
    },
    AKS_LOCATION,
    PURPOSE,
    SSL_ATTACH[0],
    SSL_ATTACH[1],
    SSL_ATTACH[2],
    SSL_ATTACH[3],
    SSL_ATTACH[4],
    SSL_ATTACH[5],
    Field { step: 1, ..TAGS },
];

pub static NEW: Form = Form {
    id: FormId::AksNew,
    title: "Create AKS inference cluster",
    compute_type: "AKS",
    attach: false,
    yaml_types: &[],
    steps: &["Basics", "Network", "SSL and tags"],
    fields: NEW_FIELDS,
    notice: "A new Azure Kubernetes Service cluster for real-time inference (creation takes about 20 minutes).",
    cross: Some(cross_new),
    build: build_new,
};

pub static ATTACH: Form = Form {
    id: FormId::AksAttach,
    title: "Attach AKS inference cluster",
    compute_type: "AKS",
    attach: true,
    yaml_types: &[],
    steps: &["Cluster", "SSL and tags"],
    fields: ATTACH_FIELDS,
    notice: "Attach an existing AKS cluster; a production purpose needs at least 12 vCPUs in it.",
    cross: Some(cross_attach),
    build: build_attach,
};

fn subnet(text: &str, _: &Ctx<'_>) -> Result<(), String> {
    rules::resource_id(text, "Microsoft.Network", &["virtualNetworks", "subnets"])
}

fn aks_id(text: &str, _: &Ctx<'_>) -> Result<(), String> {
    rules::resource_id(text, "Microsoft.ContainerService", &["managedClusters"])
}

fn leaf_label(text: &str, _: &Ctx<'_>) -> Result<(), String> {
    rules::dns1123_label(text)?;
    if !text.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err(format!("{text:?} must start with a lowercase letter"));
    }
    Ok(())
}

fn is_production(form: &Form, values: &Values) -> bool {
    !form
        .text(values, "cluster_purpose")
        .eq_ignore_ascii_case("DevTest")
}

/// The production rule: `nodes` × vCPUs of `size` ≥ 12; `Err` says the numbers.
pub fn production_vcpus(nodes: i64, size: &str, vcpus: i64) -> Result<(), String> {
    let total = nodes.saturating_mul(vcpus);
    if total >= MIN_PRODUCTION_VCPUS {
        return Ok(());
    }
    let need = if vcpus > 0 {
        (MIN_PRODUCTION_VCPUS + vcpus - 1) / vcpus
    } else {
        MIN_PRODUCTION_VCPUS
    };
    Err(format!(
        "a production cluster needs at least {MIN_PRODUCTION_VCPUS} vCPUs: {nodes} × {vcpus} vCPUs ({size}) = {total}; use {need} or more nodes, a larger size, or purpose Dev-test"
    ))
}

/// The SSL rules of both forms: the certificate file read and checked (the key file only
/// exists-checked at build, where it is read).
fn check_ssl(form: &Form, values: &Values, ctx: &Ctx<'_>) -> Vec<Problem> {
    let mut out = Vec::new();
    if !form
        .text(values, "ssl.status")
        .eq_ignore_ascii_case("Enabled")
    {
        return out;
    }
    let cert = values.raw("ssl.cert_file");
    if !cert.is_empty() {
        match ctx.files.read(Path::new(cert)) {
            Ok(text) => {
                if let Err(m) = rules::pem_certificate(&text) {
                    out.push(Problem::new("ssl.cert_file", m));
                }
            }
            Err(m) => out.push(Problem::new("ssl.cert_file", m)),
        }
    }
    let key = values.raw("ssl.key_file");
    if !key.is_empty() && key == cert {
        out.push(Problem::new(
            "ssl.key_file",
            "the key file is the certificate file: give the private key's own file",
        ));
    }
    out
}

fn cross_new(values: &Values, ctx: &Ctx<'_>) -> Vec<Problem> {
    let f = &NEW;
    let mut out = Vec::new();
    let size_name = f.text(values, "size");
    let region = f.text(values, "location");
    let same_region = region.is_empty() || region.eq_ignore_ascii_case(ctx.location);
    let size = ctx.size(size_name);
    // The catalogue is the workspace region's: a cluster elsewhere is checked by the service.
    if same_region && !ctx.sizes.is_empty() && size.is_none() {
        out.push(Problem::new(
            "size",
            format!("{size_name} is not a VM size of region {}", ctx.location),
        ));
    }
    if let (true, Ok(nodes), Some(vcpus)) = (
        is_production(f, values),
        number(f, values, "agent_count"),
        size.and_then(|s| s.v_cpus),
    ) && let Err(m) = production_vcpus(nodes, size_name, vcpus)
    {
        out.push(Problem::new("agent_count", m));
    }
    let advanced = f
        .text(values, "network.type")
        .eq_ignore_ascii_case("advanced");
    if advanced {
        let service = rules::cidr(f.text(values, "network.service_cidr")).ok();
        let dns = rules::ipv4(f.text(values, "network.dns_service_ip"));
        let bridge = rules::address_prefix(f.text(values, "network.docker_bridge_cidr")).ok();
        if let Some((net, len)) = service
            && len < 12
        {
            out.push(Problem::new(
                "network.service_cidr",
                format!(
                    "{}/{len} is larger than AKS allows: use a /12 or smaller range",
                    rules::fmt_ipv4(net)
                ),
            ));
        }
        if let (Some(svc), Some(ip)) = (service, dns) {
            if !rules::in_cidr(ip, svc) {
                out.push(Problem::new(
                    "network.dns_service_ip",
                    format!(
                        "{} is outside the service CIDR {}/{}",
                        rules::fmt_ipv4(ip),
                        rules::fmt_ipv4(svc.0),
                        svc.1
                    ),
                ));
            } else if ip == svc.0 || ip == svc.0.wrapping_add(1) {
                out.push(Problem::new(
                    "network.dns_service_ip",
                    format!(
                        "{} is reserved (the range's first addresses are the network and the Kubernetes API service): use e.g. {}",
                        rules::fmt_ipv4(ip),
                        rules::fmt_ipv4(svc.0.wrapping_add(10))
                    ),
                ));
            }
        }
        if let (Some(svc), Some(br)) = (service, bridge)
            && rules::cidr_overlap(svc, br)
        {
            out.push(Problem::new(
                "network.docker_bridge_cidr",
                format!(
                    "the Docker bridge {}/{} overlaps the service CIDR {}/{}: choose ranges that share no address",
                    rules::fmt_ipv4(br.0),
                    br.1,
                    rules::fmt_ipv4(svc.0),
                    svc.1
                ),
            ));
        }
    } else if f
        .text(values, "load_balancer_type")
        .eq_ignore_ascii_case("InternalLoadBalancer")
    {
        out.push(Problem::new(
            "load_balancer_type",
            "an internal load balancer lives in your virtual network: choose network Advanced",
        ));
    }
    out.extend(check_ssl(f, values, ctx));
    out
}

fn cross_attach(values: &Values, ctx: &Ctx<'_>) -> Vec<Problem> {
    check_ssl(&ATTACH, values, ctx)
}

/// The `sslConfiguration` of either form; the private key is read here, and only here.
fn ssl(form: &Form, values: &Values, ctx: &Ctx<'_>) -> Result<Option<SslConfiguration>, Problem> {
    let status = SslStatus::parse(form.text(values, "ssl.status"));
    Ok(match status {
        SslStatus::Enabled => {
            let read = |id: &str| {
                ctx.files
                    .read(Path::new(values.raw(id)))
                    .map_err(|m| Problem::new(id, m))
            };
            let cert = read("ssl.cert_file")?;
            let key = Secret::new(read("ssl.key_file")?);
            rules::pem_private_key(key.expose()).map_err(|m| Problem::new("ssl.key_file", m))?;
            Some(SslConfiguration {
                status: Some(SslStatus::Enabled),
                cert: Some(cert.trim().to_string()),
                key: Some(Secret::new(key.expose().trim())),
                cname: Some(values.raw("ssl.cname").to_string()),
                ..SslConfiguration::default()
            })
        }
        SslStatus::Auto => Some(SslConfiguration {
            status: Some(SslStatus::Auto),
            leaf_domain_label: Some(values.raw("ssl.leaf_domain_label").to_string()),
            overwrite_existing_domain: Some(flag(form, values, "ssl.overwrite_existing_domain")),
            ..SslConfiguration::default()
        }),
        _ => None,
    })
}

fn resource(
    form: &Form,
    values: &Values,
    ctx: &Ctx<'_>,
    props: AksProperties,
    resource_id: Option<String>,
) -> ComputeRequest {
    let mut compute = Compute::new(ComputeProperties::Aks(props));
    compute.resource_id = resource_id;
    super::request(form, values, ctx, compute)
}

fn build_new(values: &Values, ctx: &Ctx<'_>) -> Result<ComputeRequest, Problem> {
    let f = &NEW;
    let mut props = AksProperties {
        agent_count: Some(number(f, values, "agent_count")?),
        agent_vm_size: Some(f.text(values, "size").to_string()),
        cluster_purpose: Some(ClusterPurpose::parse(f.text(values, "cluster_purpose"))),
        ssl_configuration: ssl(f, values, ctx)?,
        load_balancer_type: Some(LoadBalancerType::parse(
            f.text(values, "load_balancer_type"),
        )),
        ..AksProperties::default()
    };
    if props.load_balancer_type == Some(LoadBalancerType::InternalLoadBalancer) {
        let lb = values.raw("load_balancer_subnet");
        props.load_balancer_subnet = (!lb.is_empty()).then(|| lb.to_string());
    }
    if f.text(values, "network.type")
        .eq_ignore_ascii_case("advanced")
    {
        let text = |id: &str| Some(f.text(values, id).to_string());
        props.aks_networking_configuration = Some(AksNetworkingConfiguration {
            subnet_id: text("network.subnet_id"),
            service_cidr: text("network.service_cidr"),
            dns_service_ip: text("network.dns_service_ip"),
            docker_bridge_cidr: text("network.docker_bridge_cidr"),
            ..AksNetworkingConfiguration::default()
        });
    }
    Ok(resource(f, values, ctx, props, None))
}

fn build_attach(values: &Values, ctx: &Ctx<'_>) -> Result<ComputeRequest, Problem> {
    let f = &ATTACH;
    let props = AksProperties {
        cluster_purpose: Some(ClusterPurpose::parse(f.text(values, "cluster_purpose"))),
        ssl_configuration: ssl(f, values, ctx)?,
        ..AksProperties::default()
    };
    Ok(resource(
        f,
        values,
        ctx,
        props,
        Some(values.raw("resource_id").to_string()),
    ))
}
