//! Secrets on the wire: [`Secret`], a string that never shows itself in `Debug` or `Display`
//! (only [`Secret::expose`] gives the value, for the request body that needs it), and
//! [`redact_json`], which masks secret-bearing fields of any JSON before it is shown or logged.
//! This module decides what counts as a secret key; it must not log or format a secret value.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use std::fmt;

/// What is shown instead of a secret.
pub const MASK: &str = "***";

/// A secret string (password, key, token, connection string, kubeconfig). Serializes as the
/// plain JSON string (the wire needs the value); `Debug` and `Display` print `***`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret value. Call it only where the value must leave the program (a request body,
    /// the clipboard on an explicit user action), never to format a message.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_owned())
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Through `Value` so that a wrong shape gives an error that does not quote the value.
        match Value::deserialize(deserializer)? {
            Value::String(text) => Ok(Secret(text)),
            _ => Err(serde::de::Error::custom(
                "expected a string for a secret field (value withheld)",
            )),
        }
    }
}

/// Whether the values of `key` hold secrets. `parent` is the key of the enclosing object, for
/// keys that are secret only in one place (`sslConfiguration.key`). Case-insensitive.
pub fn is_secret_key(key: &str, parent: Option<&str>) -> bool {
    let lower = key.to_ascii_lowercase();
    const EXACT: &[&str] = &[
        "password",
        "adminuserpassword",
        "privatekeydata",
        "databricksaccesstoken",
        "relayconnectionstring",
        "servicebusconnectionstring",
        "userkubeconfig",
        "adminkubeconfig",
        "primarykey",
        "secondarykey",
    ];
    const CONTAINS: &[&str] = &["secret", "token", "connectionstring", "password"];
    EXACT.contains(&lower.as_str())
        || CONTAINS.iter().any(|part| lower.contains(part))
        || (lower == "key" && parent.is_some_and(|p| p.eq_ignore_ascii_case("sslConfiguration")))
        // Properties of kinds amlc does not know (`apiKey`, `accessKeys`, `WANDB_API_KEY`):
        // anything named a key is masked, except public keys.
        || (lower != "key"
            && (lower.ends_with("key") || lower.ends_with("keys"))
            && !lower.contains("public"))
}

/// A copy of `value` where the values of secret-bearing keys (see [`is_secret_key`]) are
/// replaced by `"***"` at any depth. `null` stays `null` (nothing to hide, and it tells the
/// reader the field is unset). Strings that are signed URLs (a query with `sig=`, as the SAS
/// URLs of log files) lose their query: `https://…/std_log.txt?***`.
pub fn redact_json(value: &Value) -> Value {
    redact_in(value, None)
}

fn redact_in(value: &Value, parent: Option<&str>) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, inner)| {
                    let shown = if !inner.is_null() && is_secret_key(key, parent) {
                        Value::String(MASK.to_owned())
                    } else {
                        redact_in(inner, Some(key))
                    };
                    (key.clone(), shown)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|v| redact_in(v, parent)).collect()),
        Value::String(text) => match signed_url_base(text) {
            Some(base) => Value::String(format!("{base}?{MASK}")),
            None => value.clone(),
        },
        _ => value.clone(),
    }
}

/// The part before `?` of a URL whose query carries a signature (`sig=`).
fn signed_url_base(text: &str) -> Option<&str> {
    let (base, query) = text.split_once('?')?;
    let signed = query
        .split('&')
        .any(|pair| pair.to_ascii_lowercase().starts_with("sig="));
    (signed && base.contains("://")).then_some(base)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug)]
    #[allow(dead_code)] // only read through Debug
    struct Holder {
        user: String,
        password: Secret,
    }

    #[test]
    fn unknown_key_names_are_masked_but_public_keys_are_not() {
        let v = serde_json::json!({"properties": {"apiKey": "k1", "accessKeys": {"primary": "k2"},
            "WANDB_API_KEY": "k3", "adminUserSshPublicKey": "ssh-rsa AAA", "keyVault": "kv-id"}});
        let r = redact_json(&v);
        assert_eq!(r["properties"]["apiKey"], MASK);
        assert_eq!(r["properties"]["accessKeys"], MASK);
        assert_eq!(r["properties"]["WANDB_API_KEY"], MASK);
        assert_eq!(r["properties"]["adminUserSshPublicKey"], "ssh-rsa AAA");
        assert_eq!(r["properties"]["keyVault"], "kv-id");
    }

    #[test]
    fn secret_never_prints_its_value() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret}"), "***");
        assert_eq!(format!("{secret:?}"), "***");
        assert_eq!(secret.expose(), "hunter2");
        let holder = Holder {
            user: "azureuser".into(),
            password: Secret::from("hunter2"),
        };
        let debug = format!("{holder:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(debug.contains("azureuser"));
        let pretty = format!("{holder:#?}");
        assert!(!pretty.contains("hunter2"), "{pretty}");
    }

    #[test]
    fn secret_is_a_plain_string_on_the_wire() {
        let secret: Secret = serde_json::from_value(json!("s3cr3t")).unwrap();
        assert_eq!(secret.expose(), "s3cr3t");
        assert_eq!(serde_json::to_value(&secret).unwrap(), json!("s3cr3t"));
        let error = serde_json::from_value::<Secret>(json!(987654)).unwrap_err();
        assert!(!error.to_string().contains("987654"), "{error}");
    }

    #[test]
    fn redact_json_masks_secret_keys_at_any_depth() {
        let input = json!({
            "computeType": "VirtualMachine",
            "properties": {
                "administratorAccount": {
                    "username": "azureuser",
                    "password": "p@ss",
                    "publicKeyData": "ssh-rsa AAAA",
                    "privateKeyData": "-----BEGIN"
                },
                "userAccountCredentials": {
                    "adminUserName": "admin",
                    "adminUserPassword": "pw",
                    "adminUserSshPublicKey": "ssh-rsa BBBB"
                },
                "sslConfiguration": {"cert": "CERT", "key": "KEY", "cname": "x"},
                "key": "not-ssl",
                "relayConnectionString": "Endpoint=sb://",
                "serviceBusConnectionString": null,
                "list": [{"databricksAccessToken": "dapi"}, {"clientSecret": "cs"}],
                "storageConnectionString": "DefaultEndpoints",
                "primaryKey": "pk", "SecondaryKey": "sk",
                "userKubeConfig": "kc", "adminKubeConfig": "akc",
                "nested": {"accessToken": {"deep": "t"}}
            },
            "logFiles": {
                "user_logs/std_log.txt": "https://a.blob.core.windows.net/c/std_log.txt?sv=1&sig=abc&sp=r"
            }
        });
        let out = redact_json(&input);
        let text = out.to_string();
        for leaked in [
            "p@ss",
            "-----BEGIN",
            "\"pw\"",
            "KEY",
            "Endpoint=sb",
            "dapi",
            "\"cs\"",
            "DefaultEndpoints",
            "\"pk\"",
            "\"sk\"",
            "\"kc\"",
            "akc",
            "\"t\"",
            "sig=abc",
        ] {
            assert!(!text.contains(leaked), "{leaked} leaked in {text}");
        }
        let props = &out["properties"];
        assert_eq!(props["administratorAccount"]["username"], "azureuser");
        assert_eq!(props["administratorAccount"]["password"], MASK);
        assert_eq!(
            props["administratorAccount"]["publicKeyData"],
            "ssh-rsa AAAA"
        );
        assert_eq!(
            props["userAccountCredentials"]["adminUserSshPublicKey"],
            "ssh-rsa BBBB"
        );
        assert_eq!(props["sslConfiguration"]["cert"], "CERT");
        assert_eq!(props["sslConfiguration"]["key"], MASK);
        assert_eq!(props["key"], "not-ssl");
        assert_eq!(props["serviceBusConnectionString"], Value::Null);
        assert_eq!(props["nested"]["accessToken"], MASK);
        assert_eq!(
            out["logFiles"]["user_logs/std_log.txt"],
            "https://a.blob.core.windows.net/c/std_log.txt?***"
        );
        assert_eq!(out["computeType"], "VirtualMachine");
        // The input is untouched.
        assert_eq!(input["properties"]["primaryKey"], "pk");
    }
}
