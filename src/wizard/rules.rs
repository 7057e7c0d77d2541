//! Pure validators shared by every form (and by the headless YAML reader through the forms):
//! compute names with uniqueness, UUIDs, OpenSSH public keys, ARM resource ids of a given
//! provider, IPv4 addresses and CIDR ranges, cron expressions, DNS-1123 labels, host addresses,
//! VM sizes and the family vCPU quota of the workspace region; PEM certificates and private keys
//! (never quoted in a message), schedule day/hour/minute lists and local date-times. Each returns the broken rule as a
//! sentence; none reads a file or the network (file contents are passed in).

use super::engine::Ctx;
use crate::azure::models::VirtualMachineSize;
use crate::azure::models::names::validate_compute_name_for;
use crate::cost::{Tier, family_use};

/// A compute name of `compute_type` that no compute of the workspace has (any case).
pub fn compute_name(compute_type: &str, name: &str, ctx: &Ctx<'_>) -> Result<(), String> {
    validate_compute_name_for(compute_type, name)?;
    if ctx.existing.iter().any(|n| n.eq_ignore_ascii_case(name)) {
        return Err(format!(
            "a compute named {name:?} already exists in workspace {}",
            ctx.workspace
        ));
    }
    Ok(())
}

/// Name check of instances, clusters and attached computes: 3 to 24 characters.
pub fn name_3_24(name: &str, ctx: &Ctx<'_>) -> Result<(), String> {
    compute_name("AmlCompute", name, ctx)
}

/// Name check of AKS inference clusters: 2 to 16 characters.
pub fn name_2_16(name: &str, ctx: &Ctx<'_>) -> Result<(), String> {
    compute_name("AKS", name, ctx)
}

/// A UUID in its 8-4-4-4-12 hexadecimal form.
pub fn uuid(text: &str) -> Result<(), String> {
    let groups: Vec<&str> = text.split('-').collect();
    let ok = groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{text:?} is not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)"
        ))
    }
}

/// [`uuid`] as a field check.
pub fn uuid_field(text: &str, _: &Ctx<'_>) -> Result<(), String> {
    uuid(text)
}

const SSH_KEY_TYPES: &[&str] = &[
    "ssh-rsa",
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
];

/// An OpenSSH public key line (`ssh-ed25519 AAAA… comment`): a known type, and a base64 blob
/// that decodes to a key of that same type. A private key pasted by mistake is named as such.
pub fn ssh_public_key(text: &str) -> Result<(), String> {
    let text = text.trim();
    if text.contains("PRIVATE KEY") {
        return Err("this is a private key: paste the public key (the .pub file)".into());
    }
    let mut parts = text.split_whitespace();
    let kind = parts.next().unwrap_or("");
    if !SSH_KEY_TYPES.contains(&kind) {
        return Err(format!(
            "not an OpenSSH public key: it must start with one of {}",
            SSH_KEY_TYPES[..5].join(", ")
        ));
    }
    let blob = parts.next().unwrap_or("");
    let bytes = base64_decode(blob).ok_or("the key data after the type is not valid base64")?;
    // The blob starts with the key type as an SSH string (4-byte big-endian length).
    let inner = bytes
        .get(..4)
        .map(|l| u32::from_be_bytes([l[0], l[1], l[2], l[3]]) as usize)
        .and_then(|n| bytes.get(4..4 + n));
    if inner != Some(kind.as_bytes()) {
        return Err(format!(
            "the key data does not hold a {kind} key (the line may be cut or edited)"
        ));
    }
    Ok(())
}

/// [`ssh_public_key`] as a field check.
pub fn ssh_public_key_field(text: &str, _: &Ctx<'_>) -> Result<(), String> {
    ssh_public_key(text)
}

/// Standard base64 with padding (what OpenSSH writes); `None` when malformed.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    fn val(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    }
    let bytes = text.as_bytes();
    if bytes.is_empty() || !bytes.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    for (i, chunk) in bytes.chunks(4).enumerate() {
        let last = i == bytes.len() / 4 - 1;
        let pad = chunk.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && !last) {
            return None;
        }
        let mut n = 0u32;
        for &c in &chunk[..4 - pad] {
            n = (n << 6) | val(c)?;
        }
        n <<= 6 * pad as u32;
        let got = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&got[..3 - pad]);
    }
    Some(out)
}

/// An ARM resource id of provider `provider` (any case) whose resource type path is one of
/// `types` (e.g. `["managedClusters"]`, `["workspaces", "bigDataPools"]` for a nested type):
/// `/subscriptions/{uuid}/resourceGroups/{rg}/providers/{provider}/{type}/{name}[/{type}/{name}]`.
pub fn resource_id(text: &str, provider: &str, types: &[&str]) -> Result<(), String> {
    let what = format!("{provider}/{}", types.join("/"));
    let shape = || {
        let mut s = String::from("/subscriptions/<id>/resourceGroups/<group>/providers/");
        s.push_str(provider);
        for t in types {
            s.push('/');
            s.push_str(t);
            s.push_str("/<name>");
        }
        s
    };
    let parts: Vec<&str> = text.trim().split('/').collect();
    if parts.first() != Some(&"")
        || parts.len() != 7 + 2 * types.len()
        || !parts[1].eq_ignore_ascii_case("subscriptions")
        || !parts[3].eq_ignore_ascii_case("resourceGroups")
        || !parts[5].eq_ignore_ascii_case("providers")
    {
        return Err(format!(
            "not a resource id of a {what}: expected {}",
            shape()
        ));
    }
    uuid(parts[2]).map_err(|_| {
        format!(
            "the subscription in the resource id ({:?}) is not a UUID",
            parts[2]
        )
    })?;
    if parts[4].is_empty() {
        return Err("the resource group in the resource id is empty".into());
    }
    if !parts[6].eq_ignore_ascii_case(provider) {
        return Err(format!(
            "the resource id names provider {}, not {provider}: expected {}",
            parts[6],
            shape()
        ));
    }
    for (i, t) in types.iter().enumerate() {
        let (ty, name) = (parts[7 + 2 * i], parts[8 + 2 * i]);
        if !ty.eq_ignore_ascii_case(t) {
            return Err(format!(
                "the resource id names a {}/{ty}, not a {what}",
                parts[6]
            ));
        }
        if name.is_empty() {
            return Err(format!("the {t} name in the resource id is empty"));
        }
    }
    Ok(())
}

/// A dotted IPv4 address.
pub fn ipv4(text: &str) -> Option<u32> {
    let parts: Vec<&str> = text.split('.').collect();
    if parts.len() != 4 {
        return None;
    }
    let mut n = 0u32;
    for p in parts {
        if p.is_empty() || p.len() > 3 || !p.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        n = (n << 8) | p.parse::<u8>().ok()? as u32;
    }
    Some(n)
}

/// An IPv4 CIDR range `a.b.c.d/n` as (network, prefix length); the address must be the
/// network's first address.
pub fn cidr(text: &str) -> Result<(u32, u32), String> {
    let (ip, len, mask) = prefixed(text).map_err(|m| {
        m.unwrap_or_else(|| format!("{text:?} is not a CIDR range such as 10.0.0.0/16"))
    })?;
    if ip & !mask != 0 {
        return Err(format!(
            "{text} has host bits set: the range starts at {}/{len}",
            fmt_ipv4(ip & mask)
        ));
    }
    Ok((ip, len))
}

/// `a.b.c.d/n` as (address, prefix length, mask). `Err(None)` when there is no `/`, else the
/// part that is wrong.
fn prefixed(text: &str) -> Result<(u32, u32, u32), Option<String>> {
    let (addr, len) = text.split_once('/').ok_or(None)?;
    let ip = ipv4(addr).ok_or_else(|| Some(format!("{addr:?} is not an IPv4 address")))?;
    let len: u32 = len
        .parse()
        .ok()
        .filter(|l| *l <= 32)
        .ok_or_else(|| Some(format!("/{len} is not a prefix length from 0 to 32")))?;
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    Ok((ip, len, mask))
}

pub fn fmt_ipv4(n: u32) -> String {
    format!(
        "{}.{}.{}.{}",
        n >> 24,
        (n >> 16) & 255,
        (n >> 8) & 255,
        n & 255
    )
}

/// Whether address `ip` lies in range `(net, len)`.
pub fn in_cidr(ip: u32, (net, len): (u32, u32)) -> bool {
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    ip & mask == net & mask
}

/// Whether two ranges share an address.
pub fn cidr_overlap(a: (u32, u32), b: (u32, u32)) -> bool {
    let shorter = a.1.min(b.1);
    in_cidr(a.0, (b.0, shorter)) || in_cidr(b.0, (a.0, shorter))
}

/// [`cidr`] as a field check.
pub fn cidr_field(text: &str, _: &Ctx<'_>) -> Result<(), String> {
    cidr(text).map(|_| ())
}

/// An IPv4 address as a field check.
pub fn ipv4_field(text: &str, _: &Ctx<'_>) -> Result<(), String> {
    ipv4(text)
        .map(|_| ())
        .ok_or_else(|| format!("{text:?} is not an IPv4 address"))
}

/// A DNS-1123 label (Kubernetes namespace): 1 to 63 lowercase letters, digits and `-`, starting
/// and ending with a letter or digit.
pub fn dns1123_label(text: &str) -> Result<(), String> {
    let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    if text.is_empty() || text.len() > 63 {
        return Err(format!("{text:?} must be 1 to 63 characters"));
    }
    if !text.chars().all(|c| ok_char(c) || c == '-') {
        return Err(format!(
            "{text:?} may hold only lowercase letters, digits and '-'"
        ));
    }
    if !text.starts_with(ok_char) || !text.ends_with(ok_char) {
        return Err(format!(
            "{text:?} must start and end with a lowercase letter or digit"
        ));
    }
    Ok(())
}

pub fn dns1123_field(text: &str, _: &Ctx<'_>) -> Result<(), String> {
    dns1123_label(text)
}

/// A host address: an IPv4 address or a DNS name (labels of letters, digits and `-`).
pub fn host(text: &str) -> Result<(), String> {
    if ipv4(text).is_some() {
        return Ok(());
    }
    let labels: Vec<&str> = text.trim_end_matches('.').split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if text.is_empty() || text.len() > 253 || !labels.iter().all(label_ok) {
        return Err(format!(
            "{text:?} is neither an IPv4 address nor a host name"
        ));
    }
    if labels.iter().all(|l| l.chars().all(|c| c.is_ascii_digit())) {
        return Err(format!("{text:?} is not a valid IPv4 address"));
    }
    Ok(())
}

pub fn host_field(text: &str, _: &Ctx<'_>) -> Result<(), String> {
    host(text)
}

/// A five-field cron expression (minute hour day-of-month month day-of-week), each field `*`,
/// a number, a range, a list or a step within the field's bounds.
pub fn cron(text: &str) -> Result<(), String> {
    const FIELDS: [(&str, u32, u32); 5] = [
        ("minute", 0, 59),
        ("hour", 0, 23),
        ("day of month", 1, 31),
        ("month", 1, 12),
        ("day of week", 0, 6),
    ];
    let parts: Vec<&str> = text.split_whitespace().collect();
    if parts.len() != 5 {
        return Err(format!(
            "a cron expression has 5 fields (minute hour day month weekday); {text:?} has {}",
            parts.len()
        ));
    }
    for (part, (name, lo, hi)) in parts.iter().zip(FIELDS) {
        for item in part.split(',') {
            let (range, step) = match item.split_once('/') {
                Some((r, s)) => (r, Some(s)),
                None => (item, None),
            };
            if let Some(s) = step
                && s.parse::<u32>().ok().filter(|s| *s > 0).is_none()
            {
                return Err(format!("{name}: step {s:?} is not a positive number"));
            }
            if range == "*" {
                continue;
            }
            let (a, b) = range.split_once('-').unwrap_or((range, range));
            for v in [a, b] {
                let n: u32 = v
                    .parse()
                    .map_err(|_| format!("{name}: {v:?} is not a number"))?;
                if !(lo..=hi).contains(&n) {
                    return Err(format!("{name}: {n} is outside {lo}–{hi}"));
                }
            }
        }
    }
    Ok(())
}

pub fn cron_field(text: &str, _: &Ctx<'_>) -> Result<(), String> {
    cron(text)
}

/// A VM size that the region lists for `compute_type`. With no catalogue loaded the size is
/// let through (the service still checks it).
pub fn size_for(compute_type: &str, name: &str, ctx: &Ctx<'_>) -> Result<(), String> {
    if ctx.sizes.is_empty() {
        return Ok(());
    }
    match ctx.size(name) {
        None => Err(format!(
            "{name} is not a VM size of region {}",
            ctx.location
        )),
        Some(s) if !s.supported_compute_types.is_empty() && !s.supports(compute_type) => {
            Err(format!(
                "{name} is not offered for {compute_type} in {}",
                ctx.location
            ))
        }
        Some(_) => Ok(()),
    }
}

/// vCPU quota of a VM family in the region: (used, limit). `None` when the usages do not name
/// the family or it has no limit (`-1`). Read as the quota view reads it ([`crate::cost`]).
pub fn family_quota(ctx: &Ctx<'_>, family: &str, low_priority: bool) -> Option<(i64, i64)> {
    let tier = if low_priority {
        Tier::LowPriority
    } else {
        Tier::Dedicated
    };
    let q = family_use(ctx.usages, family, tier)?;
    Some((q.used, q.limit?))
}

/// Whether `nodes` more nodes of `size` fit the family quota; `Err` says the numbers.
pub fn quota_fits(
    ctx: &Ctx<'_>,
    size: &VirtualMachineSize,
    nodes: i64,
    low_priority: bool,
) -> Result<(), String> {
    let (Some(family), Some(vcpus)) = (size.family.as_deref(), size.v_cpus) else {
        return Ok(());
    };
    let Some((used, limit)) = family_quota(ctx, family, low_priority) else {
        return Ok(());
    };
    let need = vcpus.saturating_mul(nodes);
    let left = (limit - used).max(0);
    if need > left {
        return Err(format!(
            "{nodes} × {} needs {need} vCPUs of family {family}; the quota leaves {left} ({used} of {limit} used)",
            size.name.as_deref().unwrap_or("?")
        ));
    }
    Ok(())
}

// ---- PEM files, schedules (instance and AKS forms) ------------------------------------------

/// One `-----BEGIN LABEL-----` … `-----END LABEL-----` block of a PEM text: its label, whether
/// it has RFC 1421 headers saying it is encrypted, and whether its body is valid base64.
struct PemBlock {
    label: String,
    encrypted: bool,
    body_ok: bool,
}

/// The PEM blocks of `text`, in order; `Err` when a block is not closed by its END line. Never
/// quotes the text (it may be a private key).
fn pem_blocks(text: &str) -> Result<Vec<PemBlock>, String> {
    let mut out = Vec::new();
    let mut lines = text.lines().map(str::trim);
    while let Some(line) = lines.next() {
        let Some(label) = line
            .strip_prefix("-----BEGIN ")
            .and_then(|l| l.strip_suffix("-----"))
        else {
            continue;
        };
        let end = format!("-----END {label}-----");
        let (mut body, mut encrypted, mut closed) = (String::new(), false, false);
        for inner in lines.by_ref() {
            if inner == end {
                closed = true;
                break;
            }
            if let Some((key, value)) = inner.split_once(':') {
                if key.eq_ignore_ascii_case("Proc-Type") && value.contains("ENCRYPTED") {
                    encrypted = true;
                }
                continue;
            }
            body.push_str(inner);
        }
        if !closed {
            return Err(format!(
                "the {label} block has no {end} line (the file may be cut)"
            ));
        }
        out.push(PemBlock {
            encrypted: encrypted || label.contains("ENCRYPTED"),
            body_ok: base64_decode(&body).is_some(),
            label: label.to_string(),
        });
    }
    Ok(out)
}

/// A PEM certificate (or a chain): every block `-----BEGIN CERTIFICATE-----` with a base64
/// body. A private key given instead is named as such.
pub fn pem_certificate(text: &str) -> Result<(), String> {
    let blocks = pem_blocks(text)?;
    if blocks.is_empty() {
        return Err("not a PEM certificate: it must start with -----BEGIN CERTIFICATE-----".into());
    }
    for b in &blocks {
        if b.label.contains("PRIVATE KEY") {
            return Err(
                "this is a private key: give the certificate (-----BEGIN CERTIFICATE-----)".into(),
            );
        }
        if b.label != "CERTIFICATE" {
            return Err(format!(
                "a {} block is not a certificate: expected -----BEGIN CERTIFICATE-----",
                b.label
            ));
        }
        if !b.body_ok {
            return Err(
                "the certificate's body is not valid base64 (the file may be edited)".into(),
            );
        }
    }
    Ok(())
}

/// A PEM private key without a passphrase: one `-----BEGIN PRIVATE KEY-----` (PKCS #8),
/// `RSA PRIVATE KEY` or `EC PRIVATE KEY` block with a base64 body. Messages never quote the key.
pub fn pem_private_key(text: &str) -> Result<(), String> {
    let blocks = pem_blocks(text)?;
    let keys: Vec<&PemBlock> = blocks
        .iter()
        .filter(|b| b.label.ends_with("PRIVATE KEY"))
        .collect();
    let Some(key) = keys.first() else {
        if blocks.iter().any(|b| b.label == "CERTIFICATE") {
            return Err(
                "this is a certificate: give its private key (-----BEGIN PRIVATE KEY-----)".into(),
            );
        }
        return Err(
            "not a PEM private key: it must hold a -----BEGIN … PRIVATE KEY----- line".into(),
        );
    };
    if keys.len() > 1 {
        return Err(format!(
            "the file holds {} private keys: give one",
            keys.len()
        ));
    }
    if key.encrypted {
        return Err(
            "the private key is encrypted with a passphrase: give the key without one (openssl rsa -in KEY -out PLAIN)"
                .into(),
        );
    }
    if key.label == "OPENSSH PRIVATE KEY" {
        return Err(
            "an OpenSSH private key is not a PEM TLS key: give the certificate's key (-----BEGIN PRIVATE KEY-----)"
                .into(),
        );
    }
    if !["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"].contains(&key.label.as_str()) {
        return Err(format!(
            "a {} is not a supported key: expected PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY",
            key.label
        ));
    }
    if !key.body_ok {
        return Err("the private key's body is not valid base64 (the file may be edited)".into());
    }
    Ok(())
}

/// The week days a recurrence schedule accepts (az ml YAML spelling, any case).
pub const WEEK_DAYS: &[&str] = &[
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// The items of a comma-separated list (a YAML sequence of scalars), trimmed, empty ones
/// dropped.
pub fn comma_items(text: &str) -> Vec<&str> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

/// A comma-separated list of week days, each once (`monday, friday`).
pub fn week_days(text: &str) -> Result<(), String> {
    let items = comma_items(text);
    if items.is_empty() {
        return Err("name at least one day (monday … sunday)".into());
    }
    let mut seen = Vec::new();
    for d in items {
        let lower = d.to_ascii_lowercase();
        if !WEEK_DAYS.contains(&lower.as_str()) {
            return Err(format!(
                "{d:?} is not a day: use monday, tuesday, wednesday, thursday, friday, saturday or sunday"
            ));
        }
        if seen.contains(&lower) {
            return Err(format!("{d} is listed twice"));
        }
        seen.push(lower);
    }
    Ok(())
}

pub fn week_days_field(text: &str, _: &Ctx<'_>) -> Result<(), String> {
    week_days(text)
}

/// A comma-separated list of whole numbers in `lo..=hi` (hours, minutes of a schedule).
pub fn number_list(text: &str, what: &str, lo: i64, hi: i64) -> Result<Vec<i64>, String> {
    let items = comma_items(text);
    if items.is_empty() {
        return Err(format!("give at least one {what} ({lo}–{hi})"));
    }
    items
        .iter()
        .map(|t| match t.parse::<i64>() {
            Ok(n) if (lo..=hi).contains(&n) => Ok(n),
            Ok(n) => Err(format!("{what} {n} is outside {lo}–{hi}")),
            Err(_) => Err(format!("{t:?} is not a whole number ({what} {lo}–{hi})")),
        })
        .collect()
}

pub fn hours_field(text: &str, _: &Ctx<'_>) -> Result<(), String> {
    number_list(text, "hour", 0, 23).map(|_| ())
}

pub fn minutes_field(text: &str, _: &Ctx<'_>) -> Result<(), String> {
    number_list(text, "minute", 0, 59).map(|_| ())
}

/// A local date and time `YYYY-MM-DDTHH:MM[:SS]` (a schedule's start, read in its time zone).
pub fn local_datetime(text: &str) -> Result<(), String> {
    let bad = || {
        format!(
            "{text:?} is not a date and time such as 2024-04-23T18:30:00 (YYYY-MM-DDTHH:MM[:SS])"
        )
    };
    let (date, time) = text.split_once('T').ok_or_else(bad)?;
    let num = |s: &str, len: usize| -> Option<u32> {
        (s.len() == len && s.chars().all(|c| c.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let d: Vec<&str> = date.split('-').collect();
    let t: Vec<&str> = time.split(':').collect();
    if d.len() != 3 || !(2..=3).contains(&t.len()) {
        return Err(bad());
    }
    let (Some(y), Some(mo), Some(day)) = (num(d[0], 4), num(d[1], 2), num(d[2], 2)) else {
        return Err(bad());
    };
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let month_days = match mo {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(format!("{text:?}: month {mo} is outside 1–12")),
    };
    if !(1..=month_days).contains(&day) {
        return Err(format!("{text:?}: day {day} is outside 1–{month_days}"));
    }
    let hms: Vec<Option<u32>> = t.iter().map(|p| num(p, 2)).collect();
    match hms.as_slice() {
        [Some(h), Some(m), rest @ ..]
            if *h < 24 && *m < 60 && rest.iter().all(|s| s.is_some_and(|s| s < 60)) =>
        {
            Ok(())
        }
        _ => Err(bad()),
    }
}

pub fn local_datetime_field(text: &str, _: &Ctx<'_>) -> Result<(), String> {
    local_datetime(text)
}

/// An IPv4 address with a prefix length, `a.b.c.d/n`, host bits allowed (a Docker bridge is
/// given by its own address, `172.17.0.1/16`); returns the range it lies in.
pub fn address_prefix(text: &str) -> Result<(u32, u32), String> {
    let (ip, len, mask) = prefixed(text).map_err(|m| {
        m.unwrap_or_else(|| {
            format!("{text:?} is not an address with a prefix such as 172.17.0.1/16")
        })
    })?;
    Ok((ip & mask, len))
}

pub fn address_prefix_field(text: &str, _: &Ctx<'_>) -> Result<(), String> {
    address_prefix(text).map(|_| ())
}

// ---- attach: resource ids of several kinds, SSH private keys, usernames, access tokens ----

/// An ARM resource id of any one of `kinds` (provider, resource type path), as
/// [`resource_id`] checks each. When none fits, the rule said is the one of the kind whose
/// provider the id names (the most specific), else every accepted shape.
pub fn resource_id_any(text: &str, kinds: &[(&str, &[&str])]) -> Result<(), String> {
    let mut errors = Vec::new();
    for (provider, types) in kinds {
        match resource_id(text, provider, types) {
            Ok(()) => return Ok(()),
            Err(e) => errors.push(e),
        }
    }
    if errors.len() == 1 {
        return Err(errors.swap_remove(0));
    }
    let parts: Vec<&str> = text.trim().split('/').collect();
    let named = match parts.get(5) {
        Some(p) if p.eq_ignore_ascii_case("providers") => parts.get(6).copied().unwrap_or(""),
        _ => "",
    };
    if let Some(i) = kinds
        .iter()
        .position(|(p, _)| !named.is_empty() && p.eq_ignore_ascii_case(named))
    {
        return Err(errors.swap_remove(i));
    }
    let shapes: Vec<String> = kinds
        .iter()
        .map(|(p, types)| {
            let mut s = format!("/subscriptions/<id>/resourceGroups/<group>/providers/{p}");
            for t in *types {
                s.push_str(&format!("/{t}/<name>"));
            }
            s
        })
        .collect();
    let lead = if named.is_empty() {
        "not a resource id of an accepted kind".to_string()
    } else {
        format!("the resource id names provider {named}")
    };
    Err(format!("{lead}: expected {}", shapes.join(" or ")))
}

/// What is said of a passphrase-protected private key: the ARM body has no passphrase field,
/// so such a key could never be used by the service.
pub const ENCRYPTED_KEY: &str = "this private key is protected by a passphrase, and Azure ML has no field for one: use an unencrypted key (a key made for this machine, or a copy decrypted with ssh-keygen -p -N \"\") or a password";

/// The PEM labels of private keys (`-----BEGIN {label}-----`).
const PRIVATE_KEY_LABELS: &[&str] = &[
    "OPENSSH PRIVATE KEY",
    "RSA PRIVATE KEY",
    "EC PRIVATE KEY",
    "DSA PRIVATE KEY",
    "PRIVATE KEY",
    "ENCRYPTED PRIVATE KEY",
];

/// An SSH private key file's text that Azure ML can use: an OpenSSH (`openssh-key-v1`) or PEM
/// (PKCS#1, SEC1, PKCS#8) private key, complete, and NOT protected by a passphrase (OpenSSH
/// cipher/kdf other than `none`, e.g. `bcrypt`; PEM `Proc-Type: 4,ENCRYPTED`; PKCS#8 `ENCRYPTED
/// PRIVATE KEY`). A public key, a PuTTY `.ppk` file or a damaged file is named as such. The
/// messages never quote the key.
pub fn ssh_private_key(text: &str) -> Result<(), String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("the private key file is empty".into());
    }
    if text.starts_with("PuTTY-User-Key-File-") {
        return Err("this is a PuTTY key (.ppk): export it as an OpenSSH key without a passphrase (PuTTYgen: Conversions › Export OpenSSH key)".into());
    }
    let first = text.lines().next().unwrap_or("").trim();
    if text.contains("PUBLIC KEY")
        || SSH_KEY_TYPES
            .iter()
            .any(|t| first.starts_with(&format!("{t} ")))
    {
        return Err(
            "this is a public key: give the private key file (the one without .pub)".into(),
        );
    }
    let label = first
        .strip_prefix("-----BEGIN ")
        .and_then(|r| r.strip_suffix("-----"))
        .filter(|l| PRIVATE_KEY_LABELS.contains(l))
        .ok_or("not an SSH private key: it must start with -----BEGIN OPENSSH PRIVATE KEY----- (or a PEM RSA, EC or PKCS#8 private key block)")?;
    let end = format!("-----END {label}-----");
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    if lines.len() < 3 || lines[lines.len() - 1] != end {
        return Err(format!(
            "the key is incomplete: it does not end with {end} (the file may be cut)"
        ));
    }
    if label == "ENCRYPTED PRIVATE KEY" {
        return Err(ENCRYPTED_KEY.into());
    }
    let inner = &lines[1..lines.len() - 1];
    // PEM headers (`Proc-Type: 4,ENCRYPTED`, `DEK-Info: …`) come first, then a blank line.
    let headers: Vec<&str> = inner
        .iter()
        .take_while(|l| l.contains(':'))
        .copied()
        .collect();
    if headers.iter().any(|h| {
        let (k, v) = h.split_once(':').unwrap_or((h, ""));
        k.trim().eq_ignore_ascii_case("Proc-Type") && v.to_ascii_uppercase().contains("ENCRYPTED")
    }) {
        return Err(ENCRYPTED_KEY.into());
    }
    let data: String = inner[headers.len()..].concat();
    let bytes = base64_decode(&data)
        .ok_or("the key data is not valid base64 (the file may be damaged or edited)")?;
    if label != "OPENSSH PRIVATE KEY" {
        // DER: an ASN.1 SEQUENCE.
        if bytes.first() != Some(&0x30) {
            return Err(format!(
                "the key data is not a {label} (the file may be damaged)"
            ));
        }
        return Ok(());
    }
    const MAGIC: &[u8] = b"openssh-key-v1\0";
    let rest = bytes
        .strip_prefix(MAGIC)
        .ok_or("the key data is not an OpenSSH private key (the file may be damaged)")?;
    // Two SSH strings (4-byte big-endian length, then the bytes): cipher name, kdf name.
    fn ssh_string(data: &[u8]) -> Option<(&[u8], &[u8])> {
        let len = data.get(..4)?;
        let n = u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize;
        let s = data.get(4..4usize.checked_add(n)?)?;
        Some((s, &data[4 + n..]))
    }
    let Some((cipher, kdf)) =
        ssh_string(rest).and_then(|(c, r)| ssh_string(r).map(|(k, _)| (c, k)))
    else {
        return Err("the OpenSSH key is incomplete (the file may be cut)".into());
    };
    if cipher != b"none" || kdf != b"none" {
        return Err(ENCRYPTED_KEY.into());
    }
    Ok(())
}

/// The account name used to log in over SSH (Azure's rule for Linux VM users): 1 to 64
/// characters, no spaces, none of `\/"[]:|<>+=;,?*@&`, not starting with `-` nor ending with `.`.
pub fn ssh_username(text: &str) -> Result<(), String> {
    const BAD: &str = "\\/\"[]:|<>+=;,?*@&";
    let len = text.chars().count();
    if !(1..=64).contains(&len) {
        return Err(format!(
            "a user name has 1 to 64 characters (this one {len})"
        ));
    }
    if let Some(c) = text
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || BAD.contains(*c))
    {
        return Err(format!(
            "a user name may not hold {c:?} (nor spaces or any of {BAD})"
        ));
    }
    if text.starts_with('-') || text.ends_with('.') {
        return Err("a user name may not start with '-' nor end with '.'".into());
    }
    Ok(())
}

pub fn ssh_username_field(text: &str, _: &Ctx<'_>) -> Result<(), String> {
    ssh_username(text)
}

/// A Databricks access token. A personal access token is `dapi` and 32 hexadecimal digits
/// (sometimes with a `-<digits>` suffix); one that starts with `dapi` but has another shape was
/// cut or mistyped and is refused. Other tokens (Microsoft Entra ID tokens, which Databricks
/// also accepts) are let through: only the service can tell whether they are valid.
pub fn databricks_token(text: &str) -> Result<(), String> {
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("the token holds spaces or line breaks: paste it on one line".into());
    }
    if let Some(rest) = text
        .get(..4)
        .filter(|p| p.eq_ignore_ascii_case("dapi"))
        .map(|_| &text[4..])
    {
        let (hex, suffix) = rest.split_once('-').unwrap_or((rest, "0"));
        let hex_ok = hex.len() == 32 && hex.chars().all(|c| c.is_ascii_hexdigit());
        let suffix_ok = !suffix.is_empty() && suffix.chars().all(|c| c.is_ascii_digit());
        if !hex_ok || !suffix_ok {
            return Err(format!(
                "a Databricks personal access token is 'dapi' followed by 32 hexadecimal digits; this one has {} characters after 'dapi' (it may be cut)",
                rest.chars().count()
            ));
        }
    }
    Ok(())
}

pub fn databricks_token_field(text: &str, _: &Ctx<'_>) -> Result<(), String> {
    databricks_token(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wizard::engine::{Ctx, FileSource};
    use std::path::Path;

    struct NoFiles;
    impl FileSource for NoFiles {
        fn read(&self, p: &Path) -> Result<String, String> {
            Err(format!("no file {}", p.display()))
        }
    }

    fn ctx<'a>(existing: &'a [String]) -> Ctx<'a> {
        Ctx {
            subscription: "00000000-0000-0000-0000-000000000000",
            resource_group: "rg",
            workspace: "ws",
            location: "eastus",
            existing,
            sizes: &[],
            usages: &[],
            files: &NoFiles,
        }
    }

    #[test]
    fn compute_names_by_length_shape_and_uniqueness() {
        let existing = vec!["Taken-one".to_string()];
        let c = ctx(&existing);
        for (name, ok3_24, ok2_16) in [
            ("ab", false, true),
            ("abc", true, true),
            ("a234567890123456", true, true),            // 16
            ("a2345678901234567", true, false),          // 17
            ("a23456789012345678901234", true, false),   // 24
            ("a234567890123456789012345", false, false), // 25
            ("a-1", false, false),
            ("a-b", true, true),
            ("ab-c1", true, true),
            ("1abc", false, false),
            ("-abc", false, false),
            ("abc-", false, false),
            ("ab_c", false, false),
            ("abé", false, false),
            ("taken-ONE", false, false),
        ] {
            assert_eq!(name_3_24(name, &c).is_ok(), ok3_24, "3-24 {name}");
            assert_eq!(name_2_16(name, &c).is_ok(), ok2_16, "2-16 {name}");
        }
        assert!(
            name_3_24("taken-one", &c)
                .unwrap_err()
                .contains("already exists")
        );
    }

    #[test]
    fn uuids() {
        assert!(uuid("34adfa4f-cedf-4dc0-ba29-b6d1a69ab345").is_ok());
        for bad in [
            "",
            "34adfa4f-cedf-4dc0-ba29-b6d1a69ab34",
            "34adfa4fcedf4dc0ba29b6d1a69ab345",
            "34adfa4f-cedf-4dc0-ba29-b6d1a69ab34g",
        ] {
            assert!(uuid(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ssh_public_keys() {
        // A real ed25519 public key shape: the blob holds "ssh-ed25519" then 32 key bytes.
        let key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl user@host";
        assert!(ssh_public_key(key).is_ok());
        assert!(
            ssh_public_key(
                "ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
            )
            .unwrap_err()
            .contains("does not hold")
        );
        assert!(ssh_public_key("ssh-ed25519 not-base64!").is_err());
        assert!(
            ssh_public_key("-----BEGIN OPENSSH PRIVATE KEY-----")
                .unwrap_err()
                .contains("private")
        );
        assert!(ssh_public_key("hello").is_err());
    }

    #[test]
    fn resource_ids() {
        let aks = "/subscriptions/34adfa4f-cedf-4dc0-ba29-b6d1a69ab345/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/k8s";
        assert!(resource_id(aks, "Microsoft.ContainerService", &["managedClusters"]).is_ok());
        assert!(
            resource_id(
                &aks.to_lowercase(),
                "Microsoft.ContainerService",
                &["managedClusters"]
            )
            .is_ok()
        );
        let e = resource_id(aks, "Microsoft.Compute", &["virtualMachines"]).unwrap_err();
        assert!(e.contains("provider"), "{e}");
        assert!(resource_id("/subscriptions/x/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/k8s", "Microsoft.ContainerService", &["managedClusters"]).unwrap_err().contains("UUID"));
        assert!(resource_id("k8s", "Microsoft.ContainerService", &["managedClusters"]).is_err());
        let pool = "/subscriptions/34adfa4f-cedf-4dc0-ba29-b6d1a69ab345/resourceGroups/rg/providers/Microsoft.Synapse/workspaces/syn/bigDataPools/pool";
        assert!(resource_id(pool, "Microsoft.Synapse", &["workspaces", "bigDataPools"]).is_ok());
        assert!(resource_id(pool, "Microsoft.Synapse", &["workspaces"]).is_err());
    }

    #[test]
    fn cidrs_and_addresses() {
        assert_eq!(cidr("10.0.0.0/16"), Ok((0x0a00_0000, 16)));
        assert!(cidr("10.0.0.1/16").unwrap_err().contains("10.0.0.0/16"));
        assert!(cidr("10.0.0.0/33").is_err());
        assert!(cidr("10.0.0/8").is_err());
        let svc = cidr("10.0.0.0/16").unwrap();
        assert!(in_cidr(ipv4("10.0.0.10").unwrap(), svc));
        assert!(!in_cidr(ipv4("10.1.0.10").unwrap(), svc));
        assert!(cidr_overlap(svc, cidr("10.0.128.0/17").unwrap()));
        assert!(!cidr_overlap(svc, cidr("172.17.0.0/16").unwrap()));
        assert!(ipv4("256.1.1.1").is_none());
        assert!(host("myvm.eastus.cloudapp.azure.com").is_ok());
        assert!(host("10.1.2.3").is_ok());
        assert!(host("10.1.2.300").is_err());
        assert!(host("bad host").is_err());
    }

    #[test]
    fn cron_and_labels() {
        assert!(cron("0 18 * * 1-5").is_ok());
        assert!(cron("*/15 0-6,20-23 * * *").is_ok());
        assert!(cron("0 24 * * *").unwrap_err().contains("hour"));
        assert!(cron("0 18 * *").is_err());
        assert!(dns1123_label("default").is_ok());
        assert!(dns1123_label("team-a1").is_ok());
        assert!(dns1123_label("Team").is_err());
        assert!(dns1123_label("-a").is_err());
        assert!(dns1123_label(&"a".repeat(64)).is_err());
    }

    fn pem(label: &str, body: &str) -> String {
        format!("-----BEGIN {label}-----\n{body}\n-----END {label}-----\n")
    }

    const BODY: &str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\nMIIB";

    #[test]
    fn pem_certificates() {
        let cert = pem("CERTIFICATE", BODY);
        let chain = format!("{cert}{cert}");
        for (text, want) in [
            (cert.as_str(), Ok(())),
            (chain.as_str(), Ok(())),
            ("", Err("not a PEM certificate")),
            ("hello", Err("not a PEM certificate")),
            (&pem("PRIVATE KEY", BODY), Err("this is a private key")),
            (&pem("RSA PRIVATE KEY", BODY), Err("this is a private key")),
            (
                &pem("PUBLIC KEY", BODY),
                Err("PUBLIC KEY block is not a certificate"),
            ),
            (&pem("CERTIFICATE", "not base64!"), Err("not valid base64")),
            (
                "-----BEGIN CERTIFICATE-----\nMIIB\n",
                Err("no -----END CERTIFICATE----- line"),
            ),
        ] {
            match (pem_certificate(text), want) {
                (Ok(()), Ok(())) => {}
                (Err(got), Err(w)) => assert!(got.contains(w), "{text:?}: {got}"),
                (got, w) => panic!("{text:?}: got {got:?}, want {w:?}"),
            }
        }
    }

    #[test]
    fn pem_private_keys_never_quoted() {
        let encrypted = format!(
            "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\n{BODY}\n-----END RSA PRIVATE KEY-----\n"
        );
        let two = format!("{}{}", pem("PRIVATE KEY", BODY), pem("PRIVATE KEY", BODY));
        let with_cert = format!("{}{}", pem("CERTIFICATE", BODY), pem("PRIVATE KEY", BODY));
        for (text, want) in [
            (pem("PRIVATE KEY", BODY), Ok(())),
            (pem("RSA PRIVATE KEY", BODY), Ok(())),
            (pem("EC PRIVATE KEY", BODY), Ok(())),
            (with_cert, Ok(())),
            (pem("CERTIFICATE", BODY), Err("this is a certificate")),
            ("ssh-ed25519 AAAA".to_string(), Err("not a PEM private key")),
            (pem("ENCRYPTED PRIVATE KEY", BODY), Err("passphrase")),
            (encrypted, Err("passphrase")),
            (pem("OPENSSH PRIVATE KEY", BODY), Err("OpenSSH")),
            (pem("DSA PRIVATE KEY", BODY), Err("not a supported key")),
            (pem("PRIVATE KEY", "sec ret!"), Err("not valid base64")),
            (two, Err("2 private keys")),
        ] {
            match (pem_private_key(&text), want) {
                (Ok(()), Ok(())) => {}
                (Err(got), Err(w)) => {
                    assert!(got.contains(w), "{text:?}: {got}");
                    assert!(!got.contains("MIIB") && !got.contains("sec ret"), "{got}");
                }
                (got, w) => panic!("{text:?}: got {got:?}, want {w:?}"),
            }
        }
    }

    #[test]
    fn schedule_lists_and_times() {
        assert!(week_days("monday").is_ok());
        assert!(week_days("Monday, friday ,SUNDAY").is_ok());
        assert!(week_days("").unwrap_err().contains("at least one day"));
        assert!(week_days("mon").unwrap_err().contains("not a day"));
        assert!(week_days("monday, monday").unwrap_err().contains("twice"));
        assert_eq!(number_list("0, 12,23", "hour", 0, 23), Ok(vec![0, 12, 23]));
        assert!(
            number_list("24", "hour", 0, 23)
                .unwrap_err()
                .contains("outside 0–23")
        );
        assert!(
            number_list("-1", "minute", 0, 59)
                .unwrap_err()
                .contains("outside")
        );
        assert!(
            number_list("1.5", "minute", 0, 59)
                .unwrap_err()
                .contains("whole")
        );
        assert!(
            number_list(" , ", "hour", 0, 23)
                .unwrap_err()
                .contains("at least one")
        );
        for ok in [
            "2021-04-23T01:30:00",
            "2024-02-29T23:59",
            "2000-02-29T00:00:59",
        ] {
            assert!(local_datetime(ok).is_ok(), "{ok}");
        }
        for (bad, why) in [
            ("2021-04-23", "YYYY-MM-DD"),
            ("2021-04-23 01:30", "YYYY-MM-DD"),
            ("2023-02-29T10:00", "day 29 is outside 1–28"),
            ("1900-02-29T10:00", "day 29"),
            ("2021-13-01T10:00", "month 13"),
            ("2021-04-31T10:00", "day 31 is outside 1–30"),
            ("2021-04-23T24:00", "YYYY-MM-DD"),
            ("2021-04-23T10:60", "YYYY-MM-DD"),
            ("2021-4-23T10:00", "YYYY-MM-DD"),
            ("2021-04-23T10:00:00Z", "YYYY-MM-DD"),
        ] {
            let e = local_datetime(bad).unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }

    #[test]
    fn address_prefixes_allow_host_bits() {
        assert_eq!(address_prefix("172.17.0.1/16"), Ok((0xac11_0000, 16)));
        assert_eq!(address_prefix("10.0.0.0/8"), Ok((0x0a00_0000, 8)));
        assert!(address_prefix("172.17.0.1").is_err());
        assert!(address_prefix("172.17.0.1/33").is_err());
        assert!(address_prefix("172.17.0/16").is_err());
    }

    // ---- attach rules ----

    /// Standard base64 with padding (the test side of `base64_decode`).
    fn b64(bytes: &[u8]) -> String {
        const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    fn ssh_str(s: &[u8]) -> Vec<u8> {
        let mut v = (s.len() as u32).to_be_bytes().to_vec();
        v.extend_from_slice(s);
        v
    }

    /// An OpenSSH private key file of the given cipher and kdf (synthetic key data: the rule
    /// reads only the header).
    fn openssh_key(cipher: &str, kdf: &str) -> String {
        let mut blob = b"openssh-key-v1\0".to_vec();
        blob.extend(ssh_str(cipher.as_bytes()));
        blob.extend(ssh_str(kdf.as_bytes()));
        blob.extend(ssh_str(if kdf == "none" {
            b""
        } else {
            b"salt-and-rounds"
        }));
        blob.extend(1u32.to_be_bytes());
        blob.extend(ssh_str(b"public key blob"));
        blob.extend(ssh_str(&[7u8; 40]));
        let text = b64(&blob);
        let body: Vec<&str> = text
            .as_bytes()
            .chunks(70)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        format!(
            "-----BEGIN OPENSSH PRIVATE KEY-----\n{}\n-----END OPENSSH PRIVATE KEY-----\n",
            body.join("\n")
        )
    }

    fn pem_key(label: &str, headers: &str) -> String {
        let der = [
            0x30u8, 0x82, 0x01, 0x0a, 0x02, 0x01, 0x00, 0x02, 0x82, 0x01, 0x01, 0x00,
        ];
        format!(
            "-----BEGIN {label}-----\n{headers}{}\n-----END {label}-----\n",
            b64(&der)
        )
    }

    #[test]
    fn ssh_private_keys_usable_and_refused() {
        let encrypted = |r: Result<(), String>| r.is_err_and(|e| e == ENCRYPTED_KEY);
        assert_eq!(ssh_private_key(&openssh_key("none", "none")), Ok(()));
        assert_eq!(ssh_private_key(&pem_key("RSA PRIVATE KEY", "")), Ok(()));
        assert_eq!(ssh_private_key(&pem_key("PRIVATE KEY", "")), Ok(()));
        assert_eq!(ssh_private_key(&pem_key("EC PRIVATE KEY", "")), Ok(()));
        // CRLF line ends (a key copied through Windows) are fine.
        assert_eq!(
            ssh_private_key(&openssh_key("none", "none").replace('\n', "\r\n")),
            Ok(())
        );
        for (what, text) in [
            ("openssh bcrypt", openssh_key("aes256-ctr", "bcrypt")),
            (
                "openssh aes256-gcm",
                openssh_key("aes256-gcm@openssh.com", "bcrypt"),
            ),
            (
                "pem Proc-Type",
                pem_key(
                    "RSA PRIVATE KEY",
                    "Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,0123456789ABCDEF0123456789ABCDEF\n\n",
                ),
            ),
            ("pkcs8 encrypted", pem_key("ENCRYPTED PRIVATE KEY", "")),
        ] {
            assert!(encrypted(ssh_private_key(&text)), "{what}");
        }
        let full = openssh_key("none", "none");
        let cut: String = full.lines().take(2).collect::<Vec<_>>().join("\n");
        for (text, want) in [
            ("", "empty"),
            ("   \n", "empty"),
            (
                "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMq me@host",
                "public key",
            ),
            (
                "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----",
                "public key",
            ),
            (
                "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none",
                "PuTTY",
            ),
            ("hello", "not an SSH private key"),
            (
                "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
                "not an SSH private key",
            ),
            (cut.as_str(), "incomplete"),
            (
                "-----BEGIN OPENSSH PRIVATE KEY-----\nnot*base64\n-----END OPENSSH PRIVATE KEY-----",
                "base64",
            ),
            (
                "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----",
                "not an OpenSSH private key",
            ),
            (
                "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----",
                "not a RSA PRIVATE KEY",
            ),
        ] {
            let e = ssh_private_key(text).unwrap_err();
            assert!(e.contains(want), "{text:?}: {e}");
        }
        // Cut right after the magic: no cipher name.
        let magic_only = format!(
            "-----BEGIN OPENSSH PRIVATE KEY-----\n{}\n-----END OPENSSH PRIVATE KEY-----",
            b64(b"openssh-key-v1\0\0\0\0\x04no")
        );
        assert!(
            ssh_private_key(&magic_only)
                .unwrap_err()
                .contains("incomplete")
        );
    }

    #[test]
    fn ssh_usernames() {
        for (name, ok) in [
            ("azureuser", true),
            ("sshuser", true),
            ("a", true),
            ("first.last", true),
            ("svc_ml-01", true),
            (&"a".repeat(64), true),
            (&"a".repeat(65), false),
            ("", false),
            ("with space", false),
            ("me@host", false),
            ("a:b", false),
            ("-flag", false),
            ("trailing.", false),
            ("tab\tname", false),
        ] {
            assert_eq!(ssh_username(name).is_ok(), ok, "{name:?}");
        }
    }

    #[test]
    fn databricks_tokens() {
        let hex = "0123456789abcdef0123456789ABCDEF";
        for (token, ok) in [
            (format!("dapi{hex}"), true),
            (format!("dapi{hex}-2"), true),
            (format!("DAPI{hex}"), true),
            // A Microsoft Entra ID token (a JWT) is also accepted by Databricks.
            ("eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiJ4In0.c2ln".to_string(), true),
            (format!("dapi{}", &hex[..31]), false),
            (format!("dapi{hex}0"), false),
            (format!("dapi{}g", &hex[..31]), false),
            (format!("dapi{hex}-"), false),
            (format!("dapi{hex}-x"), false),
            (format!("dapi {hex}"), false),
            (format!("dapi{hex}\n"), false),
            ("dapé".to_string(), true),
        ] {
            assert_eq!(databricks_token(&token).is_ok(), ok, "{token:?}");
        }
        let e = databricks_token("dapi0123").unwrap_err();
        assert!(e.contains("32 hexadecimal") && !e.contains("0123"), "{e}");
    }

    #[test]
    fn resource_ids_of_several_kinds() {
        const K8S: &[(&str, &[&str])] = &[
            ("Microsoft.ContainerService", &["managedClusters"]),
            ("Microsoft.Kubernetes", &["connectedClusters"]),
        ];
        let sub = "/subscriptions/34adfa4f-cedf-4dc0-ba29-b6d1a69ab345/resourceGroups/rg/providers";
        assert!(
            resource_id_any(
                &format!("{sub}/Microsoft.ContainerService/managedClusters/k"),
                K8S
            )
            .is_ok()
        );
        assert!(
            resource_id_any(
                &format!("{sub}/Microsoft.Kubernetes/connectedClusters/arc"),
                K8S
            )
            .is_ok()
        );
        // The named provider's own rule is said.
        let e = resource_id_any(
            &format!("{sub}/Microsoft.Kubernetes/managedClusters/arc"),
            K8S,
        )
        .unwrap_err();
        assert!(e.contains("Microsoft.Kubernetes/managedClusters"), "{e}");
        // Another provider: every accepted shape is said.
        let e = resource_id_any(&format!("{sub}/Microsoft.Compute/virtualMachines/vm"), K8S)
            .unwrap_err();
        assert!(
            e.contains("names provider Microsoft.Compute")
                && e.contains("Microsoft.ContainerService/managedClusters/<name>")
                && e.contains("Microsoft.Kubernetes/connectedClusters/<name>"),
            "{e}"
        );
        // One kind: its own rule.
        let one: &[(&str, &[&str])] = &[("Microsoft.Compute", &["virtualMachines"])];
        let e = resource_id_any(
            &format!("{sub}/Microsoft.ClassicCompute/virtualMachines/vm"),
            one,
        )
        .unwrap_err();
        assert!(
            e.contains("names provider Microsoft.ClassicCompute, not Microsoft.Compute"),
            "{e}"
        );
        assert!(resource_id_any("", K8S).is_err());
    }
}
