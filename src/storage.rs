//! Object stores by URL scheme: `file` is built in; `s3`, `gs` and `az` stores are created on
//! first use from the standard environment variables, `meshgate.toml` and the manifest's
//! endpoint, and registered with the shared runtime.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::execution::runtime_env::RuntimeEnv;
use url::Url;

use crate::catalog::{ServerKind, StorageSpec};
use crate::config::StorageConfig;
use crate::error::{Error, Result};

/// Storage options for every kind of object store.
#[derive(Debug, Clone, Default)]
pub struct StorageOptions {
    config: StorageConfig,
}

impl StorageOptions {
    /// Options from `meshgate.toml`; the environment is read when a store is created.
    pub fn new(config: StorageConfig) -> Self {
        StorageOptions { config }
    }

    /// Options for one product: environment variables, then `meshgate.toml`, then the
    /// manifest's endpoint, later ones winning.
    pub fn for_storage(&self, spec: &StorageSpec) -> HashMap<String, String> {
        let (prefixes, configured): (&[&str], _) = match spec.kind {
            ServerKind::Local => return HashMap::new(),
            ServerKind::S3 => (&["AWS_"], &self.config.s3),
            ServerKind::Gcs => (&["GOOGLE_"], &self.config.gcs),
            ServerKind::Azure => (&["AZURE_"], &self.config.azure),
        };
        let mut options: HashMap<String, String> = std::env::vars()
            .filter(|(key, _)| prefixes.iter().any(|p| key.starts_with(p)))
            .map(|(key, value)| (key.to_ascii_lowercase(), value))
            .collect();
        options.extend(configured.iter().map(|(k, v)| (k.clone(), v.clone())));
        if let (ServerKind::S3, Some(endpoint)) = (spec.kind, &spec.endpoint) {
            options.insert("aws_endpoint".to_string(), endpoint.clone());
            if endpoint.starts_with("http://") {
                options.insert("aws_allow_http".to_string(), "true".to_string());
            }
        }
        options
    }
}

/// Makes sure `runtime` can read `location` (a URL or an absolute local path).
pub fn register_object_store(
    runtime: &RuntimeEnv,
    spec: &StorageSpec,
    location: &str,
    options: &StorageOptions,
) -> Result<()> {
    if spec.kind == ServerKind::Local {
        return Ok(());
    }
    let url = Url::parse(location).map_err(|e| {
        Error::Config(format!(
            "'{location}' is not a valid URL ({e}); write scheme://bucket/path"
        ))
    })?;
    let root = Url::parse(&format!("{}://{}", url.scheme(), url.authority()))
        .map_err(|e| Error::Config(format!("'{location}': {e}")))?;
    if runtime.object_store_registry.get_store(&root).is_ok() {
        return Ok(());
    }
    let (store, _) = object_store::parse_url_opts(&root, options.for_storage(spec))?;
    runtime.register_object_store(&root, Arc::from(store));
    Ok(())
}
