//! Serde and JSON Schema for the spec keys that accept two shapes: `bucket:` (a logical
//! name or `{arn: ARN}`), `events:` (`all` or a list) and `encryption:` (`sse-s3` or
//! `{kms_key_arn: ARN, bucket_key: BOOL}`). Hand-written rather than
//! `#[serde(untagged)]`, whose errors ("did not match any variant") do not say what is
//! valid, and which loses source locations.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::types::{BucketRef, Encryption, EventSelection, EventType, KmsEncryption};

impl<'de> Deserialize<'de> for BucketRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct BucketRefVisitor;
        impl<'de> Visitor<'de> for BucketRefVisitor {
            type Value = BucketRef;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a logical bucket name from `buckets:`, or {arn: arn:aws:s3:::BUCKET}")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<BucketRef, E> {
                Ok(BucketRef::Logical(v.to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<BucketRef, A::Error> {
                let mut arn: Option<String> = None;
                while let Some(key) = map.next_key::<String>()? {
                    if key != "arn" {
                        return Err(de::Error::unknown_field(&key, &["arn"]));
                    }
                    if arn.is_some() {
                        return Err(de::Error::duplicate_field("arn"));
                    }
                    arn = Some(map.next_value()?);
                }
                arn.map(BucketRef::Arn)
                    .ok_or_else(|| de::Error::missing_field("arn"))
            }
        }
        deserializer.deserialize_any(BucketRefVisitor)
    }
}

impl Serialize for BucketRef {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            BucketRef::Logical(name) => serializer.serialize_str(name),
            BucketRef::Arn(arn) => {
                use serde::ser::SerializeMap;
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("arn", arn)?;
                map.end()
            }
        }
    }
}

impl JsonSchema for BucketRef {
    fn schema_name() -> Cow<'static, str> {
        "BucketRef".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A logical bucket name from `buckets:`, or {arn: arn:aws:s3:::BUCKET}.",
            "oneOf": [
                {"type": "string", "minLength": 1},
                {
                    "type": "object",
                    "properties": {"arn": {"type": "string"}},
                    "required": ["arn"],
                    "additionalProperties": false
                }
            ]
        })
    }
}

impl<'de> Deserialize<'de> for EventSelection {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EventsVisitor;
        impl<'de> Visitor<'de> for EventsVisitor {
            type Value = EventSelection;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("`all` or a list of event types")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<EventSelection, E> {
                if v == "all" {
                    Ok(EventSelection::All)
                } else {
                    Err(E::invalid_value(de::Unexpected::Str(v), &self))
                }
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<EventSelection, A::Error> {
                let mut events = Vec::new();
                while let Some(event) = seq.next_element::<EventType>()? {
                    events.push(event);
                }
                Ok(EventSelection::List(events))
            }
        }
        deserializer.deserialize_any(EventsVisitor)
    }
}

impl Serialize for EventSelection {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            EventSelection::All => serializer.serialize_str("all"),
            EventSelection::List(events) => events.serialize(serializer),
        }
    }
}

impl JsonSchema for EventSelection {
    fn schema_name() -> Cow<'static, str> {
        "EventSelection".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let event_type = generator.subschema_for::<EventType>();
        json_schema!({
            "description": "`all`, or a list of event types.",
            "oneOf": [
                {"const": "all"},
                {"type": "array", "items": event_type}
            ]
        })
    }
}

impl<'de> Deserialize<'de> for Encryption {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EncryptionVisitor;
        impl<'de> Visitor<'de> for EncryptionVisitor {
            type Value = Encryption;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("`sse-s3`, or {kms_key_arn: ARN, bucket_key: true|false}")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Encryption, E> {
                if v == "sse-s3" {
                    Ok(Encryption::SseS3)
                } else {
                    Err(E::invalid_value(de::Unexpected::Str(v), &self))
                }
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Encryption, A::Error> {
                KmsEncryption::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(Encryption::Kms)
            }
        }
        deserializer.deserialize_any(EncryptionVisitor)
    }
}

impl Serialize for Encryption {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Encryption::SseS3 => serializer.serialize_str("sse-s3"),
            Encryption::Kms(kms) => kms.serialize(serializer),
        }
    }
}

impl JsonSchema for Encryption {
    fn schema_name() -> Cow<'static, str> {
        "Encryption".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let kms = generator.subschema_for::<KmsEncryption>();
        json_schema!({
            "description": "Bucket default encryption: `sse-s3` (Amazon S3 managed keys, AWS's default), or SSE-KMS with {kms_key_arn: ARN, bucket_key: true|false}.",
            "oneOf": [
                {"const": "sse-s3"},
                kms
            ]
        })
    }
}
