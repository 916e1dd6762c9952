//! Object-store locations as meshgate compares them: a scheme family (`s3`, `gs`, `az`), a
//! bucket (or Azure container), the Azure account of an `abfss://` URL, and the decoded path
//! segments. Comparison is by whole segments, so `s3://lake/sales/` does not contain
//! `s3://lake/salesforce/`, and trailing or doubled slashes do not matter.

use std::fmt;

use percent_encoding::percent_decode_str;
use url::Url;

/// Characters that start a glob in a listing location.
const GLOB_CHARS: [char; 3] = ['*', '?', '['];

/// An object-store location, normalised for comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreLocation {
    family: &'static str,
    bucket: String,
    account: Option<String>,
    segments: Vec<String>,
    text: String,
}

impl StoreLocation {
    /// Parses an object-store URL, refusing `.`/`..` segments, percent-encoded dots and
    /// separators, credentials, ports, queries and fragments. The error says what is wrong.
    pub fn parse(text: &str) -> Result<Self, String> {
        let url = Url::parse(text).map_err(|e| {
            format!(
                "'{text}' is not a URL ({e}); write scheme://bucket/path, e.g. s3://lake/sales/"
            )
        })?;
        let (family, bucket, account) = match url.scheme() {
            "s3" | "s3a" => ("s3", url.host_str(), None),
            "gs" => ("gs", url.host_str(), None),
            "az" | "azure" | "adl" => ("az", url.host_str(), None),
            "abfs" | "abfss" => {
                let container = Some(url.username()).filter(|u| !u.is_empty());
                let container = container.ok_or_else(|| {
                    format!(
                        "'{text}' names no container; write \
                         abfss://container@account.dfs.core.windows.net/path"
                    )
                })?;
                ("az", Some(container), url.host_str())
            }
            scheme => {
                return Err(format!(
                    "'{scheme}://' is not object storage meshgate reads; use s3://, gs:// or \
                     az:// (abfss://)"
                ));
            }
        };
        let bucket = bucket.filter(|b| !b.is_empty()).ok_or_else(|| {
            format!(
                "'{text}' names no bucket; write {}://bucket/path",
                url.scheme()
            )
        })?;
        let credentials = family != "az" || account.is_none();
        if url.password().is_some() || (credentials && !url.username().is_empty()) {
            return Err(format!(
                "'{text}' carries credentials; give them in meshgate.toml \
                 ([storage.domains.<domain>.{}])",
                config_section(family)
            ));
        }
        if url.port().is_some() || url.query().is_some() || url.fragment().is_some() {
            return Err(format!(
                "'{text}' has a port, '?' or '#'; write the plain scheme://bucket/path"
            ));
        }
        let segments = segments(text, url.path())?;
        Ok(StoreLocation {
            family,
            bucket: bucket.to_ascii_lowercase(),
            account: account.map(str::to_ascii_lowercase),
            segments,
            text: text.to_string(),
        })
    }

    /// The path segments before the first glob: the part of the store a listing reads.
    pub fn fixed_segments(&self) -> &[String] {
        let end = self
            .segments
            .iter()
            .position(|s| s.contains(GLOB_CHARS))
            .unwrap_or(self.segments.len());
        &self.segments[..end]
    }

    /// Whether the location has a glob.
    pub fn has_glob(&self) -> bool {
        self.fixed_segments().len() < self.segments.len()
    }

    /// Whether `other` lies under this location (same store, whole segments).
    pub fn contains(&self, other: &StoreLocation) -> bool {
        self.family == other.family
            && self.bucket == other.bucket
            && self.account == other.account
            && other.fixed_segments().starts_with(self.fixed_segments())
    }

    /// A key that orders locations so that a location's descendants follow it: the store
    /// (`s3://lake`; an Azure container without its account, so that two spellings of one
    /// container compare as overlapping), then the fixed segments.
    pub fn overlap_key(&self) -> Vec<String> {
        let mut key = vec![format!("{}://{}", self.family, self.bucket)];
        key.extend(self.fixed_segments().iter().cloned());
        key
    }

    /// The fixed path inside the bucket, `/`-separated without leading or trailing `/`.
    pub fn object_path(&self) -> String {
        self.fixed_segments().join("/")
    }
}

impl fmt::Display for StoreLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// The `meshgate.toml` section of a scheme family.
fn config_section(family: &str) -> &'static str {
    match family {
        "s3" => "s3",
        "gs" => "gcs",
        _ => "azure",
    }
}

/// The decoded, non-empty segments of `path` (the URL's path; `text` is the URL as written,
/// checked too since URL parsing already resolved `.` and `..`).
fn segments(text: &str, path: &str) -> Result<Vec<String>, String> {
    let written = text.split(['?', '#']).next().unwrap_or(text);
    let dotted = |s: &str| s == "." || s == "..";
    if written.split(['/', '\\']).any(dotted) {
        return Err(format!(
            "'{text}' contains a '.' or '..' segment; write the location without them"
        ));
    }
    let lower = written.to_ascii_lowercase();
    if ["%2e", "%2f", "%5c"].iter().any(|e| lower.contains(e)) {
        return Err(format!(
            "'{text}' percent-encodes '.', '/' or '\\'; write the location plainly"
        ));
    }
    let decoded = percent_decode_str(path)
        .decode_utf8()
        .map_err(|_| format!("'{text}' has a percent-encoding that is not UTF-8"))?;
    Ok(decoded
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect())
}

/// Whether `url` lies under `root` (same scheme, host and user; whole decoded segments), with
/// no `.`/`..` segment or percent-encoded separator that a store could resolve elsewhere.
pub fn url_within(root: &Url, url: &Url) -> bool {
    let same_store = root.scheme() == url.scheme()
        && root.host_str() == url.host_str()
        && root.username() == url.username()
        && root.port() == url.port();
    let (Ok(root_segments), Ok(url_segments)) = (
        segments(root.as_str(), root.path()),
        segments(url.as_str(), url.path()),
    ) else {
        return false;
    };
    same_store && url_segments.starts_with(&root_segments)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> StoreLocation {
        StoreLocation::parse(text).unwrap()
    }

    fn refused(text: &str) -> String {
        StoreLocation::parse(text).unwrap_err()
    }

    #[test]
    fn prefixes_match_whole_segments_and_ignore_slashes() {
        let sales = at("s3://lake/sales/");
        assert!(sales.contains(&at("s3://lake/sales/orders/")));
        assert!(sales.contains(&at("s3://lake/sales")));
        assert!(sales.contains(&at("s3://lake//sales//orders")));
        assert!(at("s3://lake/sales").contains(&at("s3://lake/sales/x.parquet")));
        assert!(!sales.contains(&at("s3://lake/salesforce/")));
        assert!(!sales.contains(&at("s3://lake/")));
        assert!(!sales.contains(&at("s3://other/sales/")));
        assert!(!sales.contains(&at("gs://lake/sales/")));
        assert!(at("s3://lake/").contains(&at("s3://lake/anything/")));
    }

    #[test]
    fn a_glob_is_judged_by_its_fixed_prefix() {
        let sales = at("s3://lake/sales/");
        assert!(sales.contains(&at("s3://lake/sales/orders/*.parquet")));
        assert!(!sales.contains(&at("s3://lake/sal*/orders/")));
        assert!(at("s3://lake/sales/*.csv").has_glob());
        assert_eq!(at("s3://lake/sales/o*/x").object_path(), "sales");
    }

    #[test]
    fn dot_segments_and_encoded_tricks_are_refused() {
        for text in [
            "s3://lake/sales/../customers/",
            "s3://lake/sales/./orders",
            "s3://lake/sales/%2e%2e/customers/",
            "s3://lake/sales/%2E%2E/customers/",
            "s3://lake/sales%2F..%2Fcustomers/",
            "s3://lake/sales\\..\\customers/",
        ] {
            let message = refused(text);
            assert!(
                message.contains("'.' or '..'") || message.contains("percent-encodes"),
                "{text}: {message}"
            );
        }
        assert_eq!(at("s3://lake/a%20b/").fixed_segments(), ["a b"]);
    }

    #[test]
    fn other_schemes_credentials_and_decorations_are_refused() {
        assert!(refused("file:///etc/").contains("'file://' is not object storage"));
        assert!(refused("https://host/x").contains("'https://' is not object storage"));
        assert!(refused("s3://key:secret@lake/x").contains("carries credentials"));
        assert!(refused("s3://lake:9000/x").contains("port"));
        assert!(refused("s3://lake/x?versionId=1").contains("'?'"));
        assert!(refused("s3:///x").contains("names no bucket"));
        assert!(refused("abfss://account.dfs.core.windows.net/x").contains("names no container"));
        assert!(refused("lake/sales").contains("is not a URL"));
    }

    #[test]
    fn azure_spellings_overlap_but_only_the_same_account_contains() {
        let abfss = at("abfss://data@acct.dfs.core.windows.net/sales/");
        let az = at("az://data/sales/orders/");
        assert_eq!(abfss.overlap_key()[0], az.overlap_key()[0]);
        assert!(!abfss.contains(&az));
        assert!(abfss.contains(&at("abfss://data@acct.dfs.core.windows.net/sales/o/")));
        assert!(!abfss.contains(&at("abfss://data@other.dfs.core.windows.net/sales/o/")));
    }

    #[test]
    fn urls_within_a_root() {
        let root = Url::parse("s3://lake/sales/orders/").unwrap();
        let inside = |u: &str| url_within(&root, &Url::parse(u).unwrap());
        assert!(inside("s3://lake/sales/orders/part-0.parquet"));
        assert!(!inside("s3://lake/sales/orders2/part-0.parquet"));
        assert!(!inside("s3://other/sales/orders/part-0.parquet"));
        assert!(!inside("s3://lake/sales/orders/%2e%2e/x.parquet"));
        assert!(!inside("file:///sales/orders/x.parquet"));
        let local = Url::parse("file:///cat/sales/data/orders/").unwrap();
        assert!(url_within(
            &local,
            &Url::parse("file:///cat/sales/data/orders/p.parquet").unwrap()
        ));
        assert!(!url_within(
            &local,
            &Url::parse("file:///etc/passwd").unwrap()
        ));
    }
}
