//! The validated model of a data product, built from its contract by the loader.

use std::fmt;
use std::path::PathBuf;

use crate::catalog::keys::TableKeys;
use crate::catalog::manifest::{CustomProperty, Role};

/// A data product: one ODCS contract, one or more tables, one storage location.
#[derive(Debug)]
pub struct Product {
    /// Owning domain (= SQL schema).
    pub domain: String,
    /// Product name (`name` of the contract, else the file stem).
    pub name: String,
    /// Contract `id`.
    pub id: String,
    /// Contract `version`.
    pub version: String,
    /// Contract `status`.
    pub status: String,
    /// One-paragraph description (purpose, then usage and limitations).
    pub description: Option<String>,
    /// Owning team.
    pub owner: String,
    /// Where to ask for access or report problems.
    pub contact: String,
    /// Product-level tags.
    pub tags: Vec<String>,
    /// The contract file.
    pub manifest: PathBuf,
    /// Where and how the data is stored.
    pub storage: StorageSpec,
    /// The tables, in contract order.
    pub tables: Vec<TableSpec>,
    /// Grants.
    pub roles: Vec<Role>,
    /// meshgate's own contract settings.
    pub custom_properties: Vec<CustomProperty>,
}

impl Product {
    /// `domain.name`, the product's name across the mesh.
    pub fn qualified_name(&self) -> String {
        format!("{}.{}", self.domain, self.name)
    }
}

/// The storage a product's tables live in.
#[derive(Debug, Clone)]
pub struct StorageSpec {
    /// ODCS server type.
    pub kind: ServerKind,
    /// File or table format.
    pub format: Format,
    /// Endpoint of an S3-compatible server, if not AWS.
    pub endpoint: Option<String>,
}

/// ODCS server types meshgate can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerKind {
    /// Local files (`path`).
    Local,
    /// Amazon S3 or an S3-compatible store (`location`).
    S3,
    /// Google Cloud Storage.
    Gcs,
    /// Azure Blob Storage / ADLS.
    Azure,
}

impl ServerKind {
    /// Parses the ODCS `type` value.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "local" => Some(ServerKind::Local),
            "s3" => Some(ServerKind::S3),
            "gcs" => Some(ServerKind::Gcs),
            "azure" => Some(ServerKind::Azure),
            _ => None,
        }
    }
}

/// Storage formats, each served by one file under `sources/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Apache Parquet files.
    Parquet,
    /// CSV files with a header row.
    Csv,
    /// Newline-delimited JSON files.
    Json,
    /// A Delta Lake table.
    Delta,
}

impl Format {
    /// Every format, for messages.
    pub const ALL: [Format; 4] = [Format::Parquet, Format::Csv, Format::Json, Format::Delta];

    /// Parses the ODCS `format` value.
    pub fn parse(value: &str) -> Option<Self> {
        Format::ALL
            .into_iter()
            .find(|format| format.as_str() == value)
    }

    /// The ODCS spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Parquet => "parquet",
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Delta => "delta",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One table of a product.
#[derive(Debug)]
pub struct TableSpec {
    /// SQL table name.
    pub name: String,
    /// What a row is.
    pub description: Option<String>,
    /// Table tags.
    pub tags: Vec<String>,
    /// Absolute local path or URL of the table's data.
    pub location: String,
    /// Declared columns; empty means "expose the storage schema".
    pub columns: Vec<ColumnSpec>,
    /// Primary key and foreign keys.
    pub keys: TableKeys,
}

/// One declared column.
#[derive(Debug)]
pub struct ColumnSpec {
    /// Column name.
    pub name: String,
    /// ODCS logical type, if declared.
    pub logical_type: Option<LogicalType>,
    /// Free-text storage type.
    pub physical_type: Option<String>,
    /// Always present.
    pub required: bool,
    /// Part of the primary key.
    pub primary_key: bool,
    /// What the column means.
    pub description: Option<String>,
    /// Sensitivity class.
    pub classification: Option<String>,
    /// Tags (`pii`, ...).
    pub tags: Vec<String>,
}

/// ODCS logical types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogicalType {
    /// Text.
    String,
    /// Calendar date.
    Date,
    /// Point in time.
    Timestamp,
    /// Time of day.
    Time,
    /// Any number (integer, decimal, float).
    Number,
    /// Whole number.
    Integer,
    /// Nested record or map.
    Object,
    /// List.
    Array,
    /// True or false.
    Boolean,
}

impl LogicalType {
    /// Every logical type, for messages.
    pub const ALL: [LogicalType; 9] = [
        LogicalType::String,
        LogicalType::Date,
        LogicalType::Timestamp,
        LogicalType::Time,
        LogicalType::Number,
        LogicalType::Integer,
        LogicalType::Object,
        LogicalType::Array,
        LogicalType::Boolean,
    ];

    /// Parses the ODCS `logicalType` value.
    pub fn parse(value: &str) -> Option<Self> {
        LogicalType::ALL.into_iter().find(|t| t.as_str() == value)
    }

    /// The ODCS spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            LogicalType::String => "string",
            LogicalType::Date => "date",
            LogicalType::Timestamp => "timestamp",
            LogicalType::Time => "time",
            LogicalType::Number => "number",
            LogicalType::Integer => "integer",
            LogicalType::Object => "object",
            LogicalType::Array => "array",
            LogicalType::Boolean => "boolean",
        }
    }
}

impl fmt::Display for LogicalType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
