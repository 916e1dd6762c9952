//! The one error type of meshgate and its single SQLSTATE mapping.

use std::path::PathBuf;

use datafusion::error::DataFusionError;
use datafusion::sql::sqlparser::parser::ParserError;

/// Result alias used throughout meshgate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in meshgate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A manifest (`mesh.yaml`, `domain.yaml`, `*.odcs.yaml`) is malformed.
    #[error("{file}: {field}: {message}")]
    Manifest {
        /// The file that is wrong.
        file: PathBuf,
        /// The field path inside the file (`schema[0].properties[2].logicalType`), or `-`.
        field: String,
        /// What is wrong and what to write instead.
        message: String,
    },

    /// `meshgate.toml` or a command-line setting is wrong.
    #[error("configuration: {0}")]
    Config(String),

    /// A product's storage cannot be opened or does not match its contract.
    #[error("{product}: {message}")]
    Product {
        /// `domain.table` of the product table.
        product: String,
        /// What is wrong and what to do about it.
        message: String,
    },

    /// The principal may not read a product; the message names its owner and contact.
    #[error("{0}")]
    AccessDenied(String),

    /// A bug: something that cannot happen did.
    #[error("internal error: {0}")]
    Internal(String),

    /// A statement that would change data or the catalog.
    #[error(
        "{0} is not allowed: meshgate serves data products read-only; they change in their domain's storage"
    )]
    ReadOnly(String),

    /// An I/O error with the path it happened on.
    #[error("{path}: {source}")]
    Io {
        /// The path being read or written.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },

    /// An error from the query engine (a meshgate error raised inside it, such as a
    /// function's, shows as itself).
    #[error("{}", engine_message(.0))]
    DataFusion(#[from] DataFusionError),

    /// An error from Arrow while writing or formatting data.
    #[error(transparent)]
    Arrow(#[from] datafusion::arrow::error::ArrowError),

    /// An error from Parquet while writing demo data.
    #[error(transparent)]
    Parquet(#[from] datafusion::parquet::errors::ParquetError),

    /// An error from Delta Lake.
    #[error(transparent)]
    Delta(#[from] deltalake::DeltaTableError),

    /// An error from an object store.
    #[error(transparent)]
    ObjectStore(#[from] object_store::Error),

    /// Login failed: unknown user or wrong password (the message never says which).
    #[error("password authentication failed for user \"{0}\"")]
    AuthFailed(String),

    /// A login without TLS while the server requires it.
    #[error("this server requires TLS (require_tls = true); connect with sslmode=require")]
    TlsRequired,

    /// A connection to a database other than `mesh`.
    #[error("database \"{0}\" does not exist; meshgate serves one database: mesh")]
    UnknownDatabase(String),

    /// The server is at its connection limit.
    #[error("sorry, too many clients already ({0} connections); try again later")]
    TooManyConnections(usize),

    /// The statement was cancelled by the client (CancelRequest).
    #[error("canceling statement due to user request")]
    Cancelled,

    /// The statement ran longer than `statement_timeout`.
    #[error("canceling statement due to statement timeout")]
    StatementTimeout,

    /// A `SET`/`SHOW`/`RESET` of a setting meshgate does not know.
    #[error("unrecognized configuration parameter \"{0}\"")]
    UnknownSetting(String),

    /// A setting or parameter value that cannot be used.
    #[error("{0}")]
    InvalidValue(String),

    /// A statement other than COMMIT/ROLLBACK inside a failed transaction block.
    #[error("current transaction is aborted, commands ignored until end of transaction block")]
    TransactionAborted,

    /// A client broke the wire protocol (e.g. several statements in one prepared statement).
    #[error("{0}")]
    Protocol(String),

    /// A client message that breaks the wire protocol's framing or layout; the connection is
    /// closed.
    #[error("{0}")]
    ProtocolViolation(String),

    /// A command that needs a transaction block (savepoints, `DECLARE` without `WITH HOLD`)
    /// ran outside one.
    #[error("{0} can only be used in transaction blocks")]
    NoTransaction(String),

    /// A relation named in a catalog function that does not exist.
    #[error("relation \"{0}\" does not exist")]
    UnknownRelation(String),

    /// A schema named in a catalog function that does not exist.
    #[error("schema \"{0}\" does not exist")]
    UnknownSchema(String),

    /// A feature meshgate does not offer.
    #[error("{0}")]
    Unsupported(String),

    /// A statement meshgate parses itself (COPY, cursors) is malformed.
    #[error("{0}")]
    Syntax(String),

    /// A column named in a statement's options is not part of its result.
    #[error("{0}")]
    InvalidColumnReference(String),

    /// `DECLARE` of a cursor name already in use.
    #[error("cursor \"{0}\" already exists")]
    DuplicateCursor(String),

    /// A cursor that was never declared or is already closed.
    #[error("cursor \"{0}\" does not exist")]
    UnknownCursor(String),

    /// `DEALLOCATE` of a statement that was never prepared or is already deallocated.
    #[error("prepared statement \"{0}\" does not exist")]
    UnknownStatement(String),

    /// A value outside its type's range (`integer out of range`, a numeric overflow).
    #[error("{0}")]
    OutOfRange(String),

    /// An argument `width_bucket` cannot take (a count below one, equal bounds).
    #[error("{0}")]
    InvalidWidthBucket(String),
}

impl Error {
    /// Builds an [`Error::Io`] for `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// The PostgreSQL SQLSTATE for this error (DESIGN.md "Errors").
    pub fn sqlstate(&self) -> &'static str {
        match self {
            Error::ReadOnly(_) | Error::AccessDenied(_) => "42501",
            Error::Internal(_) => "XX000",
            Error::DataFusion(e) => datafusion_sqlstate(e),
            Error::Manifest { .. } | Error::Config(_) => "F0000",
            Error::Product { .. } | Error::Delta(_) | Error::ObjectStore(_) => "58030",
            Error::Io { .. } => "58030",
            Error::Arrow(_) | Error::Parquet(_) => "XX000",
            Error::AuthFailed(_) => "28P01",
            Error::TlsRequired => "28000",
            Error::UnknownDatabase(_) => "3D000",
            Error::TooManyConnections(_) => "53300",
            Error::Cancelled | Error::StatementTimeout => "57014",
            Error::UnknownSetting(_) => "42704",
            Error::InvalidValue(_) => "22023",
            Error::TransactionAborted => "25P02",
            Error::Protocol(_) => "42601",
            Error::ProtocolViolation(_) => "08P01",
            Error::NoTransaction(_) => "25P01",
            Error::UnknownRelation(_) => "42P01",
            Error::UnknownSchema(_) => "3F000",
            Error::Unsupported(_) => "0A000",
            Error::Syntax(_) => "42601",
            Error::InvalidColumnReference(_) => "42P10",
            Error::DuplicateCursor(_) => "42P03",
            Error::UnknownCursor(_) => "34000",
            Error::UnknownStatement(_) => "26000",
            Error::OutOfRange(_) => "22003",
            Error::InvalidWidthBucket(_) => "2201G",
        }
    }
}

impl From<Error> for DataFusionError {
    /// Carries a meshgate error through DataFusion; [`Error::sqlstate`] finds it again.
    fn from(error: Error) -> Self {
        match error {
            Error::DataFusion(inner) => inner,
            other => DataFusionError::External(Box::new(other)),
        }
    }
}

/// The message of a DataFusion error: a meshgate error carried through the engine shows
/// without DataFusion's "External error: " wrapping.
fn engine_message(error: &DataFusionError) -> String {
    match error.find_root() {
        DataFusionError::ArrowError(arrow, _)
            if matches!(
                arrow.as_ref(),
                datafusion::arrow::error::ArrowError::DivideByZero
            ) =>
        {
            "division by zero".into()
        }
        DataFusionError::External(inner) if inner.downcast_ref::<Error>().is_some() => {
            inner.to_string()
        }
        _ => error.to_string(),
    }
}

/// Classifies a DataFusion error by its root cause.
pub fn datafusion_sqlstate(error: &DataFusionError) -> &'static str {
    use datafusion::arrow::error::ArrowError;
    use datafusion::common::SchemaError;
    match error.find_root() {
        DataFusionError::SQL(parser, _) => match parser.as_ref() {
            ParserError::RecursionLimitExceeded => "54001",
            _ => "42601",
        },
        DataFusionError::SchemaError(schema, _) => match schema.as_ref() {
            SchemaError::FieldNotFound { .. } => "42703",
            SchemaError::AmbiguousReference { .. } => "42702",
            SchemaError::DuplicateQualifiedField { .. }
            | SchemaError::DuplicateUnqualifiedField { .. } => "42701",
        },
        DataFusionError::Plan(message) => plan_sqlstate(message),
        DataFusionError::NotImplemented(_) => "0A000",
        DataFusionError::ResourcesExhausted(_) => "53200",
        DataFusionError::Execution(message) if message.contains("cancel") => "57014",
        DataFusionError::Execution(_) => "22000",
        DataFusionError::ArrowError(arrow, _) => match arrow.as_ref() {
            ArrowError::DivideByZero => "22012",
            ArrowError::ArithmeticOverflow(_) => "22003",
            _ => "22000",
        },
        DataFusionError::External(inner) => match inner.downcast_ref::<Error>() {
            Some(error) => error.sqlstate(),
            None => "58030",
        },
        DataFusionError::ObjectStore(_) | DataFusionError::IoError(_) => "58030",
        DataFusionError::Configuration(_) => "22023",
        _ => "XX000",
    }
}

/// Plan errors carry no structure; the planner's wording identifies the common cases.
fn plan_sqlstate(message: &str) -> &'static str {
    if message.contains("not found") && message.contains("table") {
        "42P01"
    } else if message.contains("No field named") {
        "42703"
    } else if message.contains("No function matches") || message.contains("Invalid function") {
        "42883"
    } else if message.contains("Cannot infer common") || message.contains("Cannot coerce") {
        "42804"
    } else {
        "42000"
    }
}
