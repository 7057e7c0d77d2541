//! Serde helpers shared by the wire types: `null` read as an empty collection, tri-state fields
//! that must keep an explicit `null`, and the lenient readers that let a resource load even when
//! one of its fields has a shape this version does not expect (the field is kept verbatim in the
//! struct's `extra` map and a warning is recorded). Nothing here knows a particular resource; the
//! warnings never quote a value that may hold a secret.

use super::secret::{is_secret_key, redact_json};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// Reads `null` (or an absent field, with `#[serde(default)]`) as the type's default value, so
/// `"errors": null` becomes an empty `Vec` and `"tags": null` an empty map.
pub(crate) fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// A field that distinguishes "absent" (`None`), "explicitly null" (`Some(None)`) and a value
/// (`Some(Some(v))`), for request fields that Azure's examples send as `null`.
/// Use with `#[serde(default, skip_serializing_if = "Option::is_none", with = "util::double_option")]`.
pub(crate) mod double_option {
    use super::*;

    pub(crate) fn serialize<S, T>(
        value: &Option<Option<T>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error>
    where
        S: Serializer,
        T: Serialize,
    {
        match value {
            Some(Some(inner)) => inner.serialize(serializer),
            _ => serializer.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        Option::<T>::deserialize(deserializer).map(Some)
    }
}

/// Text of a parse failure of `key`, fit for logs and the UI: when the value holds (or the key
/// names) a secret, the serde message (which may quote the value) is withheld.
pub(crate) fn describe_failure(key: &str, value: &Value, error: &serde_json::Error) -> String {
    if is_secret_key(key, None) || &redact_json(value) != value {
        format!("{key}: unexpected shape (details withheld: the value may hold a secret)")
    } else {
        format!("{key}: {error}")
    }
}

/// Removes `key` from `map` and parses it as `T`. An absent or `null` field gives `None`. A value
/// that does not parse stays in `map` (so it survives in `extra`) and a warning is pushed.
pub(crate) fn take_field<T: DeserializeOwned>(
    map: &mut Map<String, Value>,
    key: &str,
    warnings: &mut Vec<String>,
) -> Option<T> {
    let value = map.get(key)?;
    if value.is_null() {
        map.remove(key);
        return None;
    }
    match serde_json::from_value::<T>(value.clone()) {
        Ok(parsed) => {
            map.remove(key);
            Some(parsed)
        }
        Err(error) => {
            warnings.push(describe_failure(key, value, &error));
            None
        }
    }
}

/// Removes `properties` from a resource's `map` and reads it as `T` with [`salvage`]: fields that
/// do not parse are set aside (warnings prefixed `properties.`); a `properties` that is not an
/// object leaves `T` at its default with a warning (the resource's `raw` still has it).
pub(crate) fn take_properties<T: DeserializeOwned + HasExtra + Default>(
    map: &mut Map<String, Value>,
    warnings: &mut Vec<String>,
) -> T {
    match map.remove("properties") {
        None | Some(Value::Null) => T::default(),
        Some(properties) => match salvage::<T>(properties) {
            Ok((parsed, set_aside)) => {
                warnings.extend(set_aside.into_iter().map(|s| format!("properties.{s}")));
                parsed
            }
            Err(error) => {
                warnings.push(error);
                T::default()
            }
        },
    }
}

/// A struct with a `#[serde(flatten)] extra` map, for [`salvage`].
pub(crate) trait HasExtra {
    fn extra_mut(&mut self) -> &mut Map<String, Value>;
}

/// Parses `value` as `T`; when that fails and `value` is an object, parses again without the
/// fields that fail on their own and puts those fields, verbatim, into `T`'s `extra` map.
/// Returns the warnings (one per field set aside). `Err` (with a message) only when `value` is
/// not an object or `T` cannot be built even from the fields that parse alone.
///
/// Meant for structs whose fields are all optional (each field is tried alone).
pub(crate) fn salvage<T: DeserializeOwned + HasExtra>(
    value: Value,
) -> Result<(T, Vec<String>), String> {
    salvage_with(value, serde_json::from_value::<T>)
}

/// [`salvage`] with an explicit strict parser (for types whose own `Deserialize` is lenient).
pub(crate) fn salvage_with<T: HasExtra>(
    value: Value,
    parse: impl Fn(Value) -> Result<T, serde_json::Error>,
) -> Result<(T, Vec<String>), String> {
    let first_error = match parse(value.clone()) {
        Ok(parsed) => return Ok((parsed, Vec::new())),
        Err(error) => error,
    };
    let Value::Object(map) = value else {
        return Err(describe_failure("properties", &value, &first_error));
    };
    let mut good = Map::new();
    let mut bad = Map::new();
    let mut warnings = Vec::new();
    for (key, field) in map {
        let mut alone = Map::new();
        alone.insert(key.clone(), field.clone());
        match parse(Value::Object(alone)) {
            Ok(_) => {
                good.insert(key, field);
            }
            Err(error) => {
                warnings.push(describe_failure(&key, &field, &error));
                bad.insert(key, field);
            }
        }
    }
    let mut parsed = parse(Value::Object(good)).map_err(|error| {
        let all = Value::Object(bad.clone());
        describe_failure("properties", &all, &error)
    })?;
    parsed.extra_mut().extend(bad);
    Ok((parsed, warnings))
}

/// Implements [`HasExtra`] for structs whose extra map is the field `extra`.
macro_rules! has_extra {
    ($($ty:ty),+ $(,)?) => {
        $(impl $crate::azure::models::util::HasExtra for $ty {
            fn extra_mut(&mut self) -> &mut serde_json::Map<String, serde_json::Value> {
                &mut self.extra
            }
        })+
    };
}
pub(crate) use has_extra;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, Default, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Sample {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        count: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            with = "double_option"
        )]
        host_ip: Option<Option<String>>,
        #[serde(flatten)]
        extra: Map<String, Value>,
    }
    has_extra!(Sample);

    #[test]
    fn salvage_moves_bad_fields_to_extra() {
        let (sample, warnings) =
            salvage::<Sample>(json!({"count": "many", "name": "x", "other": 1})).unwrap();
        assert_eq!(sample.count, None);
        assert_eq!(sample.name.as_deref(), Some("x"));
        assert_eq!(sample.extra.get("count"), Some(&json!("many")));
        assert_eq!(sample.extra.get("other"), Some(&json!(1)));
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].starts_with("count: invalid type"),
            "{warnings:?}"
        );
        // Round trip keeps the unreadable value verbatim.
        assert_eq!(
            serde_json::to_value(&sample).unwrap(),
            json!({"count": "many", "name": "x", "other": 1})
        );
        assert!(salvage::<Sample>(json!("text")).is_err());
    }

    #[test]
    fn explicit_null_survives_a_round_trip() {
        let with_null: Sample = serde_json::from_value(json!({"hostIp": null})).unwrap();
        assert_eq!(with_null.host_ip, Some(None));
        assert_eq!(
            serde_json::to_value(&with_null).unwrap(),
            json!({"hostIp": null})
        );
        let absent: Sample = serde_json::from_value(json!({})).unwrap();
        assert_eq!(absent.host_ip, None);
        assert_eq!(serde_json::to_value(&absent).unwrap(), json!({}));
    }

    #[test]
    fn failures_on_secret_fields_do_not_quote_the_value() {
        let mut map = Map::new();
        map.insert("password".into(), json!(123456));
        let mut warnings = Vec::new();
        let parsed: Option<String> = take_field(&mut map, "password", &mut warnings);
        assert!(parsed.is_none());
        assert!(!warnings[0].contains("123456"), "{warnings:?}");
        assert!(map.contains_key("password"));
    }
}
