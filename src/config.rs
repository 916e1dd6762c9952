//! `meshgate.toml`: the settings file. Command-line flags and `MESHGATE_*` environment
//! variables (handled by clap in `main.rs`) take precedence over it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use object_store::aws::AmazonS3ConfigKey;
use object_store::azure::AzureConfigKey;
use object_store::gcp::GoogleConfigKey;
use serde::Deserialize;

use crate::catalog::ServerKind;
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
/// These are shared by every domain that has no section of its own under `domains`.
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
    /// Each domain's own settings, `[storage.domains.<domain>.s3]` and so on.
    #[serde(default)]
    pub domains: BTreeMap<String, DomainStorageConfig>,
}

/// One domain's own object-store settings. A store kind given here replaces, for that
/// domain's stores of that kind, both `[storage.<kind>]` and the environment variables: the
/// domain reads with exactly these options.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DomainStorageConfig {
    /// Amazon S3 and S3-compatible stores.
    pub s3: Option<BTreeMap<String, String>>,
    /// Google Cloud Storage.
    pub gcs: Option<BTreeMap<String, String>>,
    /// Azure Blob Storage.
    pub azure: Option<BTreeMap<String, String>>,
}

impl DomainStorageConfig {
    /// The domain's own options for `kind`, if it has a section for it.
    pub fn section(&self, kind: ServerKind) -> Option<&BTreeMap<String, String>> {
        match kind {
            ServerKind::S3 => self.s3.as_ref(),
            ServerKind::Gcs => self.gcs.as_ref(),
            ServerKind::Azure => self.azure.as_ref(),
            ServerKind::Local => None,
        }
    }
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
    /// The shared options for `kind` (`None` for local files).
    pub fn section(&self, kind: ServerKind) -> Option<&BTreeMap<String, String>> {
        match kind {
            ServerKind::S3 => Some(&self.s3),
            ServerKind::Gcs => Some(&self.gcs),
            ServerKind::Azure => Some(&self.azure),
            ServerKind::Local => None,
        }
    }

    fn validate(&self, path: &Path) -> Result<()> {
        let shared = [ServerKind::S3, ServerKind::Gcs, ServerKind::Azure]
            .into_iter()
            .filter_map(|kind| Some((String::new(), kind, self.section(kind)?)));
        let own = self.domains.iter().flat_map(|(domain, config)| {
            [ServerKind::S3, ServerKind::Gcs, ServerKind::Azure]
                .into_iter()
                .filter_map(move |kind| {
                    Some((format!("domains.{domain}."), kind, config.section(kind)?))
                })
        });
        for (scope, kind, options) in shared.chain(own) {
            if let Some(key) = options.keys().find(|key| !known_option(kind, key)) {
                let (section, examples) = match kind {
                    ServerKind::S3 => (
                        "s3",
                        "aws_access_key_id, aws_secret_access_key, aws_region, aws_endpoint",
                    ),
                    ServerKind::Gcs => (
                        "gcs",
                        "google_service_account, google_application_credentials",
                    ),
                    _ => (
                        "azure",
                        "azure_storage_account_name, azure_storage_account_key",
                    ),
                };
                return Err(Error::Config(format!(
                    "{}: [storage.{scope}{section}] has unknown option '{key}'; use \
                     object_store's option names such as {examples}",
                    path.display()
                )));
            }
        }
        Ok(())
    }
}

/// Whether `key` is an object_store option of the store kind.
fn known_option(kind: ServerKind, key: &str) -> bool {
    match kind {
        ServerKind::S3 => AmazonS3ConfigKey::from_str(key).is_ok(),
        ServerKind::Gcs => GoogleConfigKey::from_str(key).is_ok(),
        ServerKind::Azure => AzureConfigKey::from_str(key).is_ok(),
        ServerKind::Local => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Config> {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("meshgate.toml");
        std::fs::write(&file, text).unwrap();
        Config::load(&file, true)
    }

    #[test]
    fn domains_have_their_own_storage_sections() {
        let config = load(
            "[storage.s3]\naws_region = \"eu-west-1\"\n\
             [storage.domains.sales.s3]\naws_access_key_id = \"k\"\n",
        )
        .unwrap();
        let sales = &config.storage.domains["sales"];
        assert_eq!(
            sales.section(ServerKind::S3).unwrap()["aws_access_key_id"],
            "k"
        );
        assert!(sales.section(ServerKind::Gcs).is_none());
        let error = load("[storage.domains.sales.s3]\naws_secret = \"x\"\n").unwrap_err();
        assert!(
            error
                .to_string()
                .contains("[storage.domains.sales.s3] has unknown option 'aws_secret'"),
            "{error}"
        );
        let error = load("[storage.domains.sales.s4]\n").unwrap_err();
        assert!(error.to_string().contains("unknown field `s4`"), "{error}");
    }
}
