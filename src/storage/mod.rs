//! Object stores by URL scheme: `file` is built in; `s3`, `gs` and `az` stores are created on
//! first use, per domain, from that domain's own settings in `meshgate.toml`
//! (`[storage.domains.<domain>.s3]`) or else the shared ones (`[storage.s3]` and the standard
//! environment variables), plus the manifest's endpoint. Each bucket is registered with the
//! shared runtime once, as a [`RoutedStore`] that reads every product location with the store
//! of the domain that serves it.

mod routed;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use datafusion::execution::runtime_env::RuntimeEnv;
use object_store::path::Path as StorePath;
use url::{Position, Url};

use crate::catalog::location::StoreLocation;
use crate::catalog::{ServerKind, StorageSpec};
use crate::config::StorageConfig;
use crate::error::{Error, Result};
pub use crate::storage::routed::{Identity, RoutedStore};

/// Storage options for every kind of object store, and the stores registered so far.
#[derive(Debug, Default)]
pub struct StorageOptions {
    config: StorageConfig,
    routers: Mutex<HashMap<String, Arc<RoutedStore>>>,
}

impl StorageOptions {
    /// Options from `meshgate.toml`; the environment is read when a store is created.
    pub fn new(config: StorageConfig) -> Self {
        StorageOptions {
            config,
            routers: Mutex::default(),
        }
    }

    /// Options for one product of `domain`: the domain's own section for the store kind if
    /// `meshgate.toml` has one, else the environment variables then `[storage.<kind>]` (later
    /// ones winning); then the manifest's endpoint.
    pub fn for_storage(&self, domain: &str, spec: &StorageSpec) -> HashMap<String, String> {
        let (prefix, shared) = match spec.kind {
            ServerKind::Local => return HashMap::new(),
            ServerKind::S3 => ("AWS_", &self.config.s3),
            ServerKind::Gcs => ("GOOGLE_", &self.config.gcs),
            ServerKind::Azure => ("AZURE_", &self.config.azure),
        };
        let own = self
            .config
            .domains
            .get(domain)
            .and_then(|d| d.section(spec.kind));
        let mut options: HashMap<String, String> = match own {
            Some(own) => own.clone().into_iter().collect(),
            None => {
                let mut options: HashMap<String, String> = std::env::vars()
                    .filter(|(key, _)| key.starts_with(prefix))
                    .map(|(key, value)| (key.to_ascii_lowercase(), value))
                    .collect();
                options.extend(shared.iter().map(|(k, v)| (k.clone(), v.clone())));
                options
            }
        };
        if let (ServerKind::S3, Some(endpoint)) = (spec.kind, &spec.endpoint) {
            options.insert("aws_endpoint".to_string(), endpoint.clone());
            if endpoint.starts_with("http://") {
                options.insert("aws_allow_http".to_string(), "true".to_string());
            }
        }
        options
    }
}

/// Makes sure `runtime` can read `location` (a URL or an absolute local path) of a product of
/// `domain`, with that domain's store.
pub fn register_object_store(
    runtime: &RuntimeEnv,
    domain: &str,
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
    let prefix = StoreLocation::parse(location)
        .and_then(|parsed| StorePath::parse(parsed.object_path()).map_err(|e| e.to_string()))
        .map_err(|e| Error::Config(format!("'{location}': {e}")))?;
    let store_options = options.for_storage(domain, spec);
    let mut sorted: Vec<(String, String)> = store_options.clone().into_iter().collect();
    sorted.sort();
    let identity = Identity {
        domain: domain.to_string(),
        root: root.to_string(),
        options: sorted,
    };
    router(runtime, &url, options).add(prefix, location, identity, || {
        let (store, _) = object_store::parse_url_opts(&root, store_options)?;
        Ok(Arc::from(store))
    })
}

/// The router registered for `url`'s scheme and host (DataFusion's registry key), created and
/// registered on first use.
fn router(runtime: &RuntimeEnv, url: &Url, options: &StorageOptions) -> Arc<RoutedStore> {
    let key = format!(
        "{}://{}",
        url.scheme(),
        &url[Position::BeforeHost..Position::AfterPort]
    );
    let mut routers = options.routers.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(router) = routers.get(&key) {
        return Arc::clone(router);
    }
    let router = Arc::new(RoutedStore::new(key.clone()));
    runtime.register_object_store(url, Arc::clone(&router) as _);
    routers.insert(key, Arc::clone(&router));
    router
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::catalog::Format;
    use crate::config::DomainStorageConfig;

    #[test]
    fn a_domain_with_its_own_section_reads_with_exactly_those_options() {
        let mut config = StorageConfig::default();
        config
            .s3
            .insert("aws_access_key_id".into(), "shared".into());
        let own = BTreeMap::from([("aws_access_key_id".to_string(), "sales".to_string())]);
        let sales = DomainStorageConfig {
            s3: Some(own),
            ..DomainStorageConfig::default()
        };
        config.domains.insert("sales".into(), sales);
        let options = StorageOptions::new(config);
        let spec = StorageSpec {
            kind: ServerKind::S3,
            format: Format::Parquet,
            endpoint: Some("http://127.0.0.1:9000".into()),
        };
        let sales = options.for_storage("sales", &spec);
        assert_eq!(sales["aws_access_key_id"], "sales");
        assert_eq!(sales["aws_allow_http"], "true");
        assert!(
            sales
                .keys()
                .all(|k| !k.starts_with("aws_") || k != "aws_region")
        );
        let other = options.for_storage("supply", &spec);
        assert_eq!(other["aws_access_key_id"], "shared");
    }
}
