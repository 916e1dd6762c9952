//! `pg_settings`: the settings no session can change (`server_version`, `max_index_keys`,
//! `max_identifier_length`, ...), whose values are the same for every session. pgjdbc reads
//! `max_index_keys` from it before `getImportedKeys`. Settings a session may change are
//! read with `SHOW` or `current_setting`, which see the session's own values.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, StringArray};
use datafusion::catalog::TableProvider;
use datafusion::error::Result as DfResult;

use crate::server::pg_catalog::roles::mem_table;
use crate::server::settings;

/// The `pg_settings` table.
pub fn pg_settings() -> DfResult<Arc<dyn TableProvider>> {
    let rows: Vec<(&str, &str)> = settings::read_only().collect();
    let text = |value: &dyn Fn(&str, &str) -> Option<String>| -> ArrayRef {
        Arc::new(
            rows.iter()
                .map(|(name, setting)| value(name, setting))
                .collect::<StringArray>(),
        )
    };
    let vartype = |setting: &str| match setting {
        "on" | "off" => "bool",
        s if s.parse::<i64>().is_ok() => "integer",
        _ => "string",
    };
    mem_table(vec![
        ("name", text(&|name, _| Some(name.to_string()))),
        ("setting", text(&|_, setting| Some(setting.to_string()))),
        ("unit", text(&|_, _| None)),
        ("category", text(&|_, _| Some("Preset Options".into()))),
        ("short_desc", text(&|_, _| None)),
        ("extra_desc", text(&|_, _| None)),
        ("context", text(&|_, _| Some("internal".into()))),
        ("vartype", text(&|_, setting| Some(vartype(setting).into()))),
        ("source", text(&|_, _| Some("default".into()))),
        ("min_val", text(&|_, _| None)),
        ("max_val", text(&|_, _| None)),
        ("enumvals", text(&|_, _| None)),
        ("boot_val", text(&|_, setting| Some(setting.to_string()))),
        ("reset_val", text(&|_, setting| Some(setting.to_string()))),
        ("sourcefile", text(&|_, _| None)),
    ])
}
