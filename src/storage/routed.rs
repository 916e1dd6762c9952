//! One registered object store per bucket that forwards each request to the store of the
//! product location it falls under. DataFusion's registry keys stores by scheme and host, so
//! two domains reading one bucket with different credentials (or endpoints) would otherwise
//! share whichever store was registered first. Locations of different domains never overlap
//! (the loader refuses that), so a path names at most one route. The store is read-only.

use std::fmt;
use std::ops::Range;
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use bytes::Bytes;
use futures::StreamExt;
use futures::stream::{self, BoxStream};
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    PutMultipartOptions, PutOptions, PutPayload, PutResult, RenameOptions,
};

/// Who reads through a route: routes of one identity share a client, routes of different
/// identities may not overlap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The owning domain.
    pub domain: String,
    /// The store's URL root (`s3://bucket`, `abfss://container@account...`).
    pub root: String,
    /// The options the store is built with (credentials, endpoint), sorted.
    pub options: Vec<(String, String)>,
}

struct Route {
    prefix: Path,
    location: String,
    identity: Identity,
    store: Arc<dyn ObjectStore>,
}

/// The store registered for one scheme and host.
pub struct RoutedStore {
    name: String,
    routes: RwLock<Vec<Route>>,
}

impl RoutedStore {
    /// An empty router for the store key `name` (`s3://bucket`).
    pub fn new(name: String) -> Self {
        RoutedStore {
            name,
            routes: RwLock::new(Vec::new()),
        }
    }

    /// Routes paths under `prefix` (from `location`) to a store for `identity`, built by
    /// `build` unless a route of the same identity has one. Refuses a prefix that overlaps
    /// a route of another identity, naming both locations.
    pub fn add(
        &self,
        prefix: Path,
        location: &str,
        identity: Identity,
        build: impl FnOnce() -> crate::Result<Arc<dyn ObjectStore>>,
    ) -> crate::Result<()> {
        let mut routes = self.routes.write().unwrap_or_else(|e| e.into_inner());
        if routes
            .iter()
            .any(|r| r.prefix == prefix && r.identity == identity)
        {
            return Ok(());
        }
        let overlaps =
            |r: &&Route| prefix.prefix_matches(&r.prefix) || r.prefix.prefix_matches(&prefix);
        if let Some(other) = routes
            .iter()
            .filter(overlaps)
            .find(|r| r.identity != identity)
        {
            return Err(crate::Error::Config(format!(
                "{location} overlaps {}, which domain {} reads with other storage settings \
                 (credentials or endpoint); give the two products disjoint locations",
                other.location, other.identity.domain
            )));
        }
        let shared = routes.iter().find(|r| r.identity == identity);
        let store = match shared {
            Some(route) => Arc::clone(&route.store),
            None => build()?,
        };
        routes.push(Route {
            prefix,
            location: location.to_string(),
            identity,
            store,
        });
        Ok(())
    }

    /// The store of the most specific route containing `path`.
    fn route(&self, path: &Path) -> object_store::Result<Arc<dyn ObjectStore>> {
        let routes = self.routes.read().unwrap_or_else(|e| e.into_inner());
        routes
            .iter()
            .filter(|r| path.prefix_matches(&r.prefix))
            .max_by_key(|r| r.prefix.parts().count())
            .map(|r| Arc::clone(&r.store))
            .ok_or_else(|| object_store::Error::PermissionDenied {
                path: path.to_string(),
                source: format!(
                    "{}/{path} is outside every product location meshgate serves",
                    self.name
                )
                .into(),
            })
    }

    fn read_only(&self) -> object_store::Error {
        object_store::Error::NotSupported {
            source: format!(
                "{} is read-only: meshgate never writes to storage",
                self.name
            )
            .into(),
        }
    }
}

impl fmt::Debug for RoutedStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let routes = self.routes.read().unwrap_or_else(|e| e.into_inner());
        let locations: Vec<&str> = routes.iter().map(|r| r.location.as_str()).collect();
        f.debug_struct("RoutedStore")
            .field("name", &self.name)
            .field("locations", &locations)
            .finish()
    }
}

impl fmt::Display for RoutedStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RoutedStore({})", self.name)
    }
}

#[async_trait]
impl ObjectStore for RoutedStore {
    async fn put_opts(
        &self,
        _: &Path,
        _: PutPayload,
        _: PutOptions,
    ) -> object_store::Result<PutResult> {
        Err(self.read_only())
    }

    async fn put_multipart_opts(
        &self,
        _: &Path,
        _: PutMultipartOptions,
    ) -> object_store::Result<Box<dyn MultipartUpload>> {
        Err(self.read_only())
    }

    async fn get_opts(
        &self,
        location: &Path,
        options: GetOptions,
    ) -> object_store::Result<GetResult> {
        self.route(location)?.get_opts(location, options).await
    }

    async fn get_ranges(
        &self,
        location: &Path,
        ranges: &[Range<u64>],
    ) -> object_store::Result<Vec<Bytes>> {
        self.route(location)?.get_ranges(location, ranges).await
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, object_store::Result<Path>>,
    ) -> BoxStream<'static, object_store::Result<Path>> {
        let error = self.read_only().to_string();
        locations
            .map(move |_| {
                Err(object_store::Error::NotSupported {
                    source: error.clone().into(),
                })
            })
            .boxed()
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        match self.route(&prefix.cloned().unwrap_or_default()) {
            Ok(store) => store.list(prefix),
            Err(e) => stream::once(async { Err(e) }).boxed(),
        }
    }

    fn list_with_offset(
        &self,
        prefix: Option<&Path>,
        offset: &Path,
    ) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        match self.route(&prefix.cloned().unwrap_or_default()) {
            Ok(store) => store.list_with_offset(prefix, offset),
            Err(e) => stream::once(async { Err(e) }).boxed(),
        }
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> object_store::Result<ListResult> {
        let store = self.route(&prefix.cloned().unwrap_or_default())?;
        store.list_with_delimiter(prefix).await
    }

    async fn copy_opts(&self, _: &Path, _: &Path, _: CopyOptions) -> object_store::Result<()> {
        Err(self.read_only())
    }

    async fn rename_opts(&self, _: &Path, _: &Path, _: RenameOptions) -> object_store::Result<()> {
        Err(self.read_only())
    }
}

#[cfg(test)]
mod tests {
    use futures::TryStreamExt;
    use object_store::ObjectStoreExt;
    use object_store::memory::InMemory;

    use super::*;

    fn identity(domain: &str) -> Identity {
        Identity {
            domain: domain.to_string(),
            root: "s3://lake".to_string(),
            options: vec![("aws_access_key_id".to_string(), domain.to_string())],
        }
    }

    async fn store_with(file: &str) -> Arc<dyn ObjectStore> {
        let store = InMemory::new();
        store
            .put(&Path::from(file), PutPayload::from_static(b"x"))
            .await
            .unwrap();
        Arc::new(store)
    }

    #[tokio::test]
    async fn each_path_is_read_through_its_domains_store() {
        let router = RoutedStore::new("s3://lake".to_string());
        let sales = store_with("sales/orders/a.parquet").await;
        let supply = store_with("supply/part/b.parquet").await;
        router
            .add(
                Path::from("sales"),
                "s3://lake/sales/",
                identity("sales"),
                || Ok(sales),
            )
            .unwrap();
        router
            .add(
                Path::from("supply/part"),
                "s3://lake/supply/part/",
                identity("supply"),
                || Ok(supply),
            )
            .unwrap();
        let listed: Vec<ObjectMeta> = router
            .list(Some(&Path::from("sales/orders")))
            .try_collect()
            .await
            .unwrap();
        assert_eq!(listed.len(), 1);
        assert!(
            router
                .head(&Path::from("supply/part/b.parquet"))
                .await
                .is_ok()
        );
        let outside = router.head(&Path::from("salesforce/x")).await.unwrap_err();
        assert!(
            outside
                .to_string()
                .contains("outside every product location"),
            "{outside}"
        );
        let everything: Vec<_> = router.list(None).collect().await;
        assert!(everything[0].is_err());
        let write = router
            .put(&Path::from("sales/x"), PutPayload::from_static(b"y"))
            .await;
        assert!(write.unwrap_err().to_string().contains("read-only"));
    }

    #[tokio::test]
    async fn overlapping_routes_of_two_identities_are_refused() {
        let router = RoutedStore::new("s3://lake".to_string());
        let store: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
        let build = || Ok(Arc::clone(&store));
        router
            .add(
                Path::from("sales"),
                "s3://lake/sales/",
                identity("sales"),
                build,
            )
            .unwrap();
        router
            .add(
                Path::from("sales/orders"),
                "s3://lake/sales/orders/",
                identity("sales"),
                build,
            )
            .unwrap();
        let error = router
            .add(
                Path::from("sales/x"),
                "s3://lake/sales/x/",
                identity("other"),
                build,
            )
            .unwrap_err();
        assert!(
            error
                .to_string()
                .contains("overlaps s3://lake/sales/, which domain sales reads")
        );
    }
}
