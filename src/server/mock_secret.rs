//! The per-installation secret behind the stand-in SCRAM verifiers of users that do not exist
//! (PostgreSQL's mock authentication nonce, kept in `pg_control`). The salt a client is sent
//! for an unknown name is derived from it, so it is the same at every start and on every
//! replica that shares the file, just like a real user's salt.
//!
//! The file is `scram_mock_secret_file` in `meshgate.toml` (default
//! `.meshgate/scram_mock_secret` next to it). On first start it is created with 32 random
//! bytes as hex, mode 0600, in a folder created with mode 0700; an existing file is used as it
//! is (at least 32 bytes, e.g. `openssl rand -hex 32`).

use std::io::ErrorKind;
use std::path::Path;

use ring::rand::{SecureRandom, SystemRandom};
use tokio::io::AsyncWriteExt;

use crate::error::{Error, Result};

/// Bytes of randomness in a new secret (and the least an existing one must have).
const SECRET_BYTES: usize = 32;

/// The secret in `path`, created there if the file does not exist yet.
pub async fn load_or_create(path: &Path) -> Result<Vec<u8>> {
    match tokio::fs::read(path).await {
        Ok(bytes) => return checked(path, bytes).await,
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(path, e)),
    }
    create(path).await?;
    let bytes = tokio::fs::read(path)
        .await
        .map_err(|e| Error::io(path, e))?;
    checked(path, bytes).await
}

/// A fresh random secret: what a new file holds, and the secret of a server without a
/// settings file (and so without users to protect), whose unknown users' salts then change at
/// every start.
pub fn random() -> Result<Vec<u8>> {
    let mut bytes = vec![0u8; SECRET_BYTES];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| Error::Config("no system randomness for the SCRAM mock secret".into()))?;
    Ok(bytes)
}

/// Writes a new secret to `path` without ever exposing a partial or readable file: a private
/// temporary file, linked into place only if no other process created `path` meanwhile.
async fn create(path: &Path) -> Result<()> {
    let io = |e| Error::io(path, e);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let mut builder = tokio::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        builder.mode(0o700);
        builder.create(dir).await.map_err(io)?;
    }
    let text: String = random()?.iter().map(|b| format!("{b:02x}")).collect();
    let temporary = path.with_extension(format!("tmp-{}", std::process::id()));
    let mut options = tokio::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    let written = async {
        let mut file = options.open(&temporary).await?;
        file.write_all(format!("{text}\n").as_bytes()).await?;
        file.sync_all().await?;
        match tokio::fs::hard_link(&temporary, path).await {
            Err(e) if e.kind() != ErrorKind::AlreadyExists => Err(e),
            _ => Ok(()),
        }
    }
    .await;
    let removed = tokio::fs::remove_file(&temporary).await;
    written.map_err(io)?;
    removed.map_err(io)?;
    tracing::info!(path = %path.display(), "created the SCRAM mock secret");
    Ok(())
}

/// The secret's bytes (surrounding whitespace ignored), if there are enough of them; warns
/// when others than the owner may read the file.
async fn checked(path: &Path, bytes: Vec<u8>) -> Result<Vec<u8>> {
    let secret = bytes.trim_ascii().to_vec();
    if secret.len() < SECRET_BYTES {
        return Err(Error::Config(format!(
            "{}: the SCRAM mock secret has {} bytes; it needs at least {SECRET_BYTES} random \
             bytes: delete the file to have one made, or write one with `openssl rand -hex 32`",
            path.display(),
            secret.len()
        )));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let metadata = tokio::fs::metadata(path)
            .await
            .map_err(|e| Error::io(path, e))?;
        if metadata.permissions().mode() & 0o077 != 0 {
            tracing::warn!(
                path = %path.display(),
                "the SCRAM mock secret is readable by others; chmod 600 it"
            );
        }
    }
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn created_once_private_and_then_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/scram_mock_secret");
        let first = load_or_create(&path).await.unwrap();
        assert_eq!(first.len(), 2 * SECRET_BYTES);
        assert_eq!(load_or_create(&path).await.unwrap(), first);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["scram_mock_secret"], "no temporary file left");
    }

    #[tokio::test]
    async fn a_short_secret_says_how_to_make_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret");
        std::fs::write(&path, "short\n").unwrap();
        let error = load_or_create(&path).await.unwrap_err().to_string();
        assert!(error.contains("openssl rand -hex 32"), "{error}");
    }
}
