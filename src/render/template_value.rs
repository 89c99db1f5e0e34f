//! Changes to the template engine's values. Tera's values are shared (reference counted) and
//! have no way to be changed in place: an entry is replaced by taking its map apart and
//! making a new one. Pages use it to put into their data, at render time, parts made straight
//! as Tera values (see `acknowledgements::Listed::fill_page`, `history_view::RevisionRow`).

/// `value` with its entry `key` replaced by what `f` makes of it (`value` unchanged when it
/// is not a map).
pub fn update(
    value: tera::Value,
    key: &'static str,
    f: impl FnOnce(tera::Value) -> tera::Value,
) -> tera::Value {
    if !value.is_map() {
        return value;
    }
    let mut map = value.into_map().unwrap_or_default();
    let key = tera::value::Key::Str(key);
    let inner = map.remove(&key).unwrap_or_else(tera::Value::none);
    map.insert(key, f(inner));
    tera::Value::from(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_is_replaced_and_the_rest_kept() {
        let value = tera::Value::from_serializable(&serde_json::json!({
            "a": {"b": 1, "c": [1, 2]}, "d": "x"
        }));
        let changed = update(value.clone(), "a", |a| {
            update(a, "b", |_| tera::Value::from(2))
        });
        let expected = tera::Value::from_serializable(&serde_json::json!({
            "a": {"b": 2, "c": [1, 2]}, "d": "x"
        }));
        assert!(changed == expected, "{changed:?}");
        // A missing entry is added; a value that is not a map is left as it is.
        let added = update(value, "e", |e| {
            assert!(e.is_none());
            tera::Value::from(true)
        });
        assert_eq!(
            added.get_from_path("e").and_then(tera::Value::as_bool),
            Some(true)
        );
        let text = update(tera::Value::from("t"), "a", |_| tera::Value::from(1));
        assert_eq!(text.as_str(), Some("t"));
    }
}
