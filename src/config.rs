//! `meshgate.toml`: the settings file. Command-line flags and `MESHGATE_*` environment
//! variables (handled by clap in `main.rs`) take precedence over it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use object_store::aws::AmazonS3ConfigKey;
use object_store::azure::AzureConfigKey;
use object_store::gcp::GoogleConfigKey;
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::policy::Principal;

/// The contents of `meshgate.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The catalog folder, relative to the config file.
    pub catalog: Option<PathBuf>,
    /// Object-store credentials and settings.
    #[serde(default)]
    pub storage: StorageConfig,
    /// Folder of the durable audit log (`query_log.jsonl`), relative to the config file.
    pub audit_dir: Option<PathBuf>,
    /// Users, by name.
    #[serde(default)]
    pub users: BTreeMap<String, UserConfig>,
    /// `meshgate serve` listen address (`host:port`).
    pub listen: Option<String>,
    /// PEM certificate chain for TLS, relative to the config file.
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for TLS (PKCS#8, RSA or EC), relative to the config file.
    pub tls_key: Option<PathBuf>,
    /// Refuse logins without TLS.
    #[serde(default)]
    pub require_tls: bool,
    /// Connections served at once; more are refused with SQLSTATE 53300.
    pub max_connections: Option<usize>,
    /// The installation's secret for unknown users' SCRAM salts, relative to the config file
    /// (created on first start; see `server::mock_secret`). Default when the config file
    /// exists: [`DEFAULT_SCRAM_MOCK_SECRET_FILE`] next to it; without one, a secret per
    /// process.
    pub scram_mock_secret_file: Option<PathBuf>,
}

/// Where the SCRAM mock secret lives by default, relative to the config file.
pub const DEFAULT_SCRAM_MOCK_SECRET_FILE: &str = ".meshgate/scram_mock_secret";

/// One user of `[users.NAME]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserConfig {
    /// PostgreSQL-style SCRAM-SHA-256 verifier
    /// (`SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`), printed by
    /// `meshgate passwd`; never a plaintext password.
    pub scram: Option<String>,
    /// Roles (grants in contracts name roles; `meshgate_admin` reads everything).
    #[serde(default)]
    pub roles: Vec<String>,
    /// Attributes readable by row filters through `mesh_user_attr('name')`.
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
}

/// Object-store settings, one table per store kind, keyed by object_store's option names
/// (`aws_access_key_id`, `aws_endpoint`, `google_service_account`, `azure_storage_account_name`).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageConfig {
    /// Amazon S3 and S3-compatible stores.
    #[serde(default)]
    pub s3: BTreeMap<String, String>,
    /// Google Cloud Storage.
    #[serde(default)]
    pub gcs: BTreeMap<String, String>,
    /// Azure Blob Storage.
    #[serde(default)]
    pub azure: BTreeMap<String, String>,
}

impl Config {
    /// Reads `path`. A missing file is an error only when `required` (given explicitly).
    pub fn load(path: &Path, required: bool) -> Result<Config> {
        if !path.exists() && !required {
            return Ok(Config::default());
        }
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let mut config: Config = toml::from_str(&text)
            .map_err(|e| Error::Config(format!("{}: {}", path.display(), e.message())))?;
        config.storage.validate(path)?;
        config
            .scram_mock_secret_file
            .get_or_insert_with(|| DEFAULT_SCRAM_MOCK_SECRET_FILE.into());
        if let Some(base) = path.parent() {
            for relative in [
                &mut config.catalog,
                &mut config.tls_cert,
                &mut config.tls_key,
                &mut config.audit_dir,
                &mut config.scram_mock_secret_file,
            ] {
                if let Some(p) = relative.as_mut() {
                    *p = base.join(&p);
                }
            }
        }
        Ok(config)
    }
}

impl Config {
    /// The principal for user `name`, if configured.
    pub fn principal(&self, name: &str) -> Option<Principal> {
        let user = self.users.get(name)?;
        Some(Principal {
            name: name.to_string(),
            roles: user.roles.iter().cloned().collect(),
            attributes: user.attributes.clone(),
        })
    }
}

impl StorageConfig {
    fn validate(&self, path: &Path) -> Result<()> {
        let check = |section: &str, key: &str, known: bool| {
            if known {
                Ok(())
            } else {
                Err(Error::Config(format!(
                    "{}: [storage.{section}] has unknown option '{key}'; use object_store's \
                     option names such as {}",
                    path.display(),
                    match section {
                        "s3" =>
                            "aws_access_key_id, aws_secret_access_key, aws_region, aws_endpoint",
                        "gcs" => "google_service_account, google_application_credentials",
                        _ => "azure_storage_account_name, azure_storage_account_key",
                    }
                )))
            }
        };
        for key in self.s3.keys() {
            check("s3", key, AmazonS3ConfigKey::from_str(key).is_ok())?;
        }
        for key in self.gcs.keys() {
            check("gcs", key, GoogleConfigKey::from_str(key).is_ok())?;
        }
        for key in self.azure.keys() {
            check("azure", key, AzureConfigKey::from_str(key).is_ok())?;
        }
        Ok(())
    }
}
