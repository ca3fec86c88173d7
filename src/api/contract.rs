//! The OpenAPI document as served and committed: what `utoipa` derives from
//! the handlers, then the rules the code enforces everywhere written into it
//! once, as JSON (ADR 0025). Each pass says what it encodes; none invents a
//! rule the code does not keep.
//!
//! - HTTP parameters are never `null` (a header or a query value is a string
//!   or absent), so their schemas lose the `null` type `Option<T>` gives them.
//! - A JSON body without required fields may be left out (`json_body` reads an
//!   empty body as `{}`).
//! - Text fields of request bodies refuse control characters other than line
//!   breaks and tabs (`extract::json_body` refuses them in every string); a
//!   field the handler requires to be non-blank says so, and a one-line name
//!   (units, positions, officers, calendar days, keys) refuses line breaks too.
//! - Enumerations that live in the code or the settings (webhook events, the
//!   office's disposition instructions), the SLA's "exactly one of", the
//!   attachment upload's one part and the list's CSV and XLSX downloads.

use serde_json::{Map, Value, json};

use super::ApiDoc;
use utoipa::OpenApi;

/// Control characters a text field refuses: all but tab, line feed and carriage return.
const CONTROL: &str = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f";
/// All control characters (one-line names).
const CONTROL_ALL: &str = r"\u0000-\u001f\u007f-\u009f";

/// The one pattern `\S` (non-blank) in the annotations, and the one-line name pattern.
const NON_BLANK: &str = r"\S";
const ONE_LINE_NAME: &str =
    r"^[^\u0000-\u001f\u007f]*[^\s\u0000-\u001f\u007f][^\u0000-\u001f\u007f]*$";

/// Any text without control characters but line breaks and tabs (may be blank).
pub fn text_pattern() -> String {
    format!("^[^{CONTROL}]*$")
}

/// Text with at least one visible character.
pub fn required_text_pattern() -> String {
    format!("^[^{CONTROL}]*[^\\s{CONTROL_ALL}][^{CONTROL}]*$")
}

/// One line with at least one visible character.
pub fn name_pattern() -> String {
    format!("^[^{CONTROL_ALL}]*[^\\s{CONTROL_ALL}][^{CONTROL_ALL}]*$")
}

/// The document with the office's disposition instructions.
pub fn document(instructions: &[String]) -> Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or(Value::Null);
    parameters_are_never_null(&mut doc);
    enumerations(&mut doc, instructions);
    optional_bodies(&mut doc);
    text_fields(&mut doc);
    downloads_and_uploads(&mut doc);
    doc
}

fn operations(doc: &mut Value) -> impl Iterator<Item = &mut Map<String, Value>> {
    doc.get_mut("paths")
        .and_then(Value::as_object_mut)
        .into_iter()
        .flat_map(|paths| paths.values_mut())
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.iter_mut())
        .filter(|(method, _)| {
            matches!(method.as_str(), "get" | "put" | "post" | "delete" | "patch")
        })
        .filter_map(|(_, op)| op.as_object_mut())
}

fn drop_null_type(schema: &mut Value) {
    if let Some(Value::Array(types)) = schema.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let t = types[0].clone();
            schema["type"] = t;
        }
    }
    if let Some(Value::Array(any)) = schema.get_mut("oneOf") {
        any.retain(|s| s.get("type") != Some(&json!("null")));
        if any.len() == 1 {
            let only = any[0].clone();
            if let Some(obj) = schema.as_object_mut() {
                obj.remove("oneOf");
                if let Some(o) = only.as_object() {
                    for (k, v) in o {
                        obj.insert(k.clone(), v.clone());
                    }
                }
            }
        }
    }
}

fn parameters_are_never_null(doc: &mut Value) {
    for op in operations(doc) {
        if let Some(Value::Array(params)) = op.get_mut("parameters") {
            for p in params {
                if let Some(schema) = p.get_mut("schema") {
                    drop_null_type(schema);
                    // a required text parameter (the reason of a calendar
                    // change) refuses control characters as body fields do
                    if schema.get("pattern").and_then(Value::as_str) == Some(NON_BLANK) {
                        schema["pattern"] = Value::String(required_text_pattern());
                    }
                }
            }
        }
    }
}

fn component<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    let name = reference.strip_prefix("#/components/schemas/")?;
    doc.pointer(&format!("/components/schemas/{name}"))
}

fn optional_bodies(doc: &mut Value) {
    let snapshot = doc.clone();
    for op in operations(doc) {
        let Some(body) = op.get_mut("requestBody") else {
            continue;
        };
        let Some(schema) = body.pointer("/content/application~1json/schema").cloned() else {
            continue;
        };
        let schema = &schema;
        let schema = match schema.get("$ref").and_then(Value::as_str) {
            Some(r) => component(&snapshot, r).unwrap_or(schema),
            None => schema,
        };
        let requires_something = schema
            .get("required")
            .and_then(Value::as_array)
            .is_some_and(|r| !r.is_empty())
            || schema.get("oneOf").is_some();
        if !requires_something {
            body["required"] = Value::Bool(false);
        }
    }
}

/// The components a request body reaches (through `$ref`s), and those a
/// response reaches: only the first and not the second get the text rules
/// (a pattern on a response schema would describe stored data, not input).
fn reached(doc: &Value, from_requests: bool) -> std::collections::BTreeSet<String> {
    let mut out = std::collections::BTreeSet::new();
    let mut todo: Vec<Value> = Vec::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for item in paths.values().filter_map(Value::as_object) {
            for op in item.values() {
                let part = if from_requests {
                    op.get("requestBody")
                } else {
                    op.get("responses")
                };
                if let Some(p) = part {
                    todo.push(p.clone());
                }
            }
        }
    }
    while let Some(v) = todo.pop() {
        match v {
            Value::Object(map) => {
                for (k, child) in map {
                    if k == "$ref" {
                        if let Some(name) = child
                            .as_str()
                            .and_then(|r| r.strip_prefix("#/components/schemas/"))
                            && out.insert(name.to_string())
                            && let Some(s) = doc.pointer(&format!("/components/schemas/{name}"))
                        {
                            todo.push(s.clone());
                        }
                    } else {
                        todo.push(child);
                    }
                }
            }
            Value::Array(items) => todo.extend(items),
            _ => {}
        }
    }
    out
}

fn is_string(schema: &Map<String, Value>) -> bool {
    match schema.get("type") {
        Some(Value::String(t)) => t == "string",
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "string"),
        _ => false,
    }
}

fn patch_text(schema: &mut Value) {
    let Some(obj) = schema.as_object_mut() else {
        return;
    };
    if is_string(obj) && !obj.contains_key("format") && !obj.contains_key("enum") {
        let pattern = match obj.get("pattern").and_then(Value::as_str) {
            None => Some(text_pattern()),
            Some(NON_BLANK) => Some(required_text_pattern()),
            Some(ONE_LINE_NAME) => Some(name_pattern()),
            Some(_) => None,
        };
        if let Some(p) = pattern {
            obj.insert("pattern".into(), Value::String(p));
        }
    }
    for key in ["properties"] {
        if let Some(Value::Object(props)) = obj.get_mut(key) {
            for p in props.values_mut() {
                patch_text(p);
            }
        }
    }
    for key in ["items", "additionalProperties"] {
        if let Some(child) = obj.get_mut(key) {
            patch_text(child);
        }
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(Value::Array(all)) = obj.get_mut(key) {
            for s in all {
                patch_text(s);
            }
        }
    }
}

fn text_fields(doc: &mut Value) {
    let inputs = reached(doc, true);
    let outputs = reached(doc, false);
    if let Some(Value::Object(schemas)) = doc.pointer_mut("/components/schemas") {
        for name in inputs.difference(&outputs) {
            if let Some(s) = schemas.get_mut(name) {
                patch_text(s);
            }
        }
    }
    // inline request-body schemas (multipart, raw)
    for op in operations(doc) {
        if let Some(Value::Object(content)) =
            op.get_mut("requestBody").and_then(|b| b.get_mut("content"))
        {
            for media in content.values_mut() {
                if let Some(s) = media.get_mut("schema")
                    && s.get("$ref").is_none()
                {
                    patch_text(s);
                }
            }
        }
    }
}

fn enumerations(doc: &mut Value, instructions: &[String]) {
    // the SKM respondent profile: codes a generated client can type
    use crate::domain::skm::{AGE_GROUPS, EDUCATIONS, OCCUPATIONS, SEXES};
    for (field, codes) in [
        ("sex", &SEXES[..]),
        ("age_group", &AGE_GROUPS[..]),
        ("education", &EDUCATIONS[..]),
        ("occupation", &OCCUPATIONS[..]),
    ] {
        if let Some(obj) = doc
            .pointer_mut(&format!(
                "/components/schemas/RespondentInput/properties/{field}"
            ))
            .and_then(Value::as_object_mut)
        {
            obj.remove("pattern");
            let mut values: Vec<Value> = codes.iter().map(|(c, _)| json!(c)).collect();
            values.push(Value::Null);
            obj.insert("enum".into(), Value::Array(values));
        }
    }
    if let Some(items) = doc.pointer_mut("/components/schemas/NewWebhook/properties/events") {
        items["items"] = json!({"type": "string", "enum": crate::domain::webhook::EVENTS});
    }
    if let Some(field) = doc.pointer_mut("/components/schemas/DisposeInput/properties/instruction")
        && let Some(obj) = field.as_object_mut()
    {
        obj.remove("pattern");
        obj.remove("minLength");
        obj.insert("enum".into(), json!(instructions));
    }
    // exactly one of working_days and minutes
    if let Some(sla) = doc.pointer_mut("/components/schemas/SlaPolicyInput") {
        let props = sla.get("properties").cloned().unwrap_or(json!({}));
        let days = props.get("working_days").cloned().unwrap_or(json!({}));
        let minutes = props.get("minutes").cloned().unwrap_or(json!({}));
        let mut days = days;
        let mut minutes = minutes;
        drop_null_type(&mut days);
        drop_null_type(&mut minutes);
        *sla = json!({
            "description": "Exactly one of `working_days` (0–365) and `minutes` (1–10080, face to face).",
            "oneOf": [
                {"type": "object", "additionalProperties": false, "required": ["working_days"],
                 "properties": {"working_days": days, "minutes": {"type": "null"}}},
                {"type": "object", "additionalProperties": false, "required": ["minutes"],
                 "properties": {"minutes": minutes, "working_days": {"type": "null"}}}
            ]
        });
    }
}

fn downloads_and_uploads(doc: &mut Value) {
    // every list or report with a `format` parameter downloads CSV and XLSX
    for op in operations(doc) {
        let downloads = op
            .get("parameters")
            .and_then(Value::as_array)
            .is_some_and(|ps| {
                ps.iter().any(|p| {
                    p["name"] == "format"
                        && p["schema"]["pattern"]
                            .as_str()
                            .is_some_and(|pat| pat.contains("csv") && pat.contains("xlsx"))
                })
            });
        let Some(obj) = op
            .get_mut("responses")
            .and_then(|r| r.get_mut("200"))
            .and_then(|r| r.get_mut("content"))
            .and_then(Value::as_object_mut)
            .filter(|_| downloads)
        else {
            continue;
        };
        obj.insert(
            "text/csv".into(),
            json!({"schema": {"type": "string", "description": "`format=csv`: UTF-8 with a byte-order mark, `;`-separated, a header row"}}),
        );
        obj.insert(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".into(),
            json!({"schema": {"type": "string", "format": "binary", "description": "`format=xlsx`"}}),
        );
    }
    if let Some(body) = doc.pointer_mut("/paths/~1api~1v1~1intake~1email/post/requestBody") {
        body["required"] = json!(true);
        body["content"] = json!({"message/rfc822": {"schema": {"type": "string", "format": "binary",
            "description": "The message as the mail server received it (RFC 5322)"}}});
    }
    if let Some(body) =
        doc.pointer_mut("/paths/~1api~1v1~1complaints~1{id}~1attachments/post/requestBody")
    {
        body["required"] = json!(true);
        body["content"] = json!({"multipart/form-data": {"schema": {
            "type": "object",
            "additionalProperties": false,
            "required": ["file"],
            "properties": {"file": {"type": "string", "format": "binary",
                "description": "The file; its part's Content-Type is kept (PDF, JPEG, PNG, …)"}}
        }}});
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_carries_the_rules_of_the_code() {
        let doc = document(&["siapkan jawaban".to_string()]);
        let s = |p: &str| doc.pointer(p).cloned().unwrap_or(Value::Null);
        assert_eq!(
            s("/components/schemas/DisposeInput/properties/instruction/enum"),
            json!(["siapkan jawaban"])
        );
        assert_eq!(
            s("/components/schemas/NewUnit/properties/name/pattern"),
            json!(name_pattern())
        );
        // the SKM respondent codes are enumerations (a generated client types them)
        assert_eq!(
            s("/components/schemas/RespondentInput/properties/sex/enum"),
            json!(["l", "p", null])
        );
        assert_eq!(
            s("/components/schemas/RespondentInput/properties/occupation/enum")
                .as_array()
                .map(Vec::len),
            Some(7)
        );
        assert_eq!(
            s("/components/schemas/ComplaintInput/properties/subject/pattern"),
            json!(required_text_pattern())
        );
        // a parameter is a string or absent, never null
        let close = s("/paths/~1api~1v1~1complaints~1{id}~1close/post/parameters");
        let if_match = close
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["name"] == "If-Match"))
            .cloned()
            .unwrap_or(Value::Null);
        assert_eq!(if_match["schema"]["type"], json!("string"));
        // an action whose body needs nothing may be sent without one
        assert_eq!(
            s("/paths/~1api~1v1~1complaints~1{id}~1close/post/requestBody/required"),
            json!(false)
        );
        // response schemas are left as they are
        assert!(
            s("/components/schemas/ComplaintView/properties/subject/pattern").is_null(),
            "no input rule on a response"
        );
    }
}
