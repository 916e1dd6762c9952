//! SCRAM-SHA-256 verifiers (PostgreSQL's `pg_authid` format) and the user source that
//! pgwire's SCRAM exchange checks a client's proof against. The server never holds a password
//! or a password-equivalent: only salt, iteration count, StoredKey and ServerKey.

use std::collections::BTreeMap;
use std::fmt;
use std::num::NonZeroU32;

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use pgwire::api::auth::sasl::scram::ScramSecret;
use pgwire::api::auth::{AuthSource, LoginInfo, Password};
use pgwire::error::{PgWireError, PgWireResult};
use ring::rand::{SecureRandom, SystemRandom};
use ring::{digest, hmac, pbkdf2};

use crate::config::Config;
use crate::error::{Error, Result};

/// Iterations for new verifiers (PostgreSQL's default `scram_iterations`).
pub const DEFAULT_ITERATIONS: u32 = 4096;

/// A PostgreSQL-style SCRAM-SHA-256 verifier:
/// `SCRAM-SHA-256$<iterations>:<base64 salt>$<base64 StoredKey>:<base64 ServerKey>`.
#[derive(Clone, PartialEq, Eq)]
pub struct ScramVerifier {
    /// Salt.
    pub salt: Vec<u8>,
    /// PBKDF2 iteration count.
    pub iterations: u32,
    /// `SHA-256(HMAC(SaltedPassword, "Client Key"))`.
    pub stored_key: Vec<u8>,
    /// `HMAC(SaltedPassword, "Server Key")`.
    pub server_key: Vec<u8>,
}

impl fmt::Debug for ScramVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScramVerifier")
            .field("iterations", &self.iterations)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for ScramVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SCRAM-SHA-256${}:{}${}:{}",
            self.iterations,
            BASE64.encode(&self.salt),
            BASE64.encode(&self.stored_key),
            BASE64.encode(&self.server_key)
        )
    }
}

impl ScramVerifier {
    /// Derives a verifier for `password` with a fresh random salt.
    pub fn generate(password: &str, iterations: u32) -> Result<ScramVerifier> {
        let mut salt = vec![0u8; 16];
        SystemRandom::new()
            .fill(&mut salt)
            .map_err(|_| Error::Config("no system randomness for a SCRAM salt".into()))?;
        Ok(Self::derive(password, salt, iterations))
    }

    /// Derives the verifier for `password`, `salt` and `iterations` (RFC 5802).
    pub fn derive(password: &str, salt: Vec<u8>, iterations: u32) -> ScramVerifier {
        let iterations = iterations.max(1);
        let mut salted = [0u8; 32];
        let rounds = NonZeroU32::new(iterations).unwrap_or(NonZeroU32::MIN);
        pbkdf2::derive(
            pbkdf2::PBKDF2_HMAC_SHA256,
            rounds,
            &salt,
            password.as_bytes(),
            &mut salted,
        );
        let key = hmac::Key::new(hmac::HMAC_SHA256, &salted);
        let client_key = hmac::sign(&key, b"Client Key");
        let stored_key = digest::digest(&digest::SHA256, client_key.as_ref());
        let server_key = hmac::sign(&key, b"Server Key");
        ScramVerifier {
            salt,
            iterations,
            stored_key: stored_key.as_ref().to_vec(),
            server_key: server_key.as_ref().to_vec(),
        }
    }

    /// Parses the text form; the error says what is wrong and how to get a good one.
    pub fn parse(text: &str) -> Result<ScramVerifier> {
        let bad = |what: &str| {
            Error::Config(format!(
                "SCRAM verifier {what}; expected SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey> \
                 as printed by `meshgate passwd`"
            ))
        };
        let rest = text
            .strip_prefix("SCRAM-SHA-256$")
            .ok_or_else(|| bad("does not start with SCRAM-SHA-256$"))?;
        let (params, keys) = rest.split_once('$').ok_or_else(|| bad("has no keys"))?;
        let (iterations, salt) = params.split_once(':').ok_or_else(|| bad("has no salt"))?;
        let (stored, server) = keys.split_once(':').ok_or_else(|| bad("has one key"))?;
        let iterations: u32 = iterations
            .parse()
            .map_err(|_| bad("has a bad iteration count"))?;
        let decode = |part: &str, what: &str| BASE64.decode(part).map_err(|_| bad(what));
        let verifier = ScramVerifier {
            salt: decode(salt, "has a salt that is not base64")?,
            iterations,
            stored_key: decode(stored, "has a StoredKey that is not base64")?,
            server_key: decode(server, "has a ServerKey that is not base64")?,
        };
        if verifier.stored_key.len() != 32 || verifier.server_key.len() != 32 || iterations == 0 {
            return Err(bad("has keys of the wrong length"));
        }
        Ok(verifier)
    }

    fn into_secret(self) -> ScramSecret {
        ScramSecret::Verifier {
            salt: self.salt,
            iterations: self.iterations as usize,
            stored_key: self.stored_key,
            server_key: self.server_key,
        }
    }
}

/// The users that may log in, by name, with their verifiers; loaded once at start.
#[derive(Debug)]
pub struct UserVerifiers {
    users: BTreeMap<String, ScramVerifier>,
    /// Key for the stand-in verifiers of unknown users.
    mock_key: hmac::Key,
}

impl UserVerifiers {
    /// Parses every user's verifier; a malformed one stops the server from starting. Users
    /// without `scram` cannot log in over the wire.
    pub fn from_config(config: &Config) -> Result<UserVerifiers> {
        let mut users = BTreeMap::new();
        for (name, user) in &config.users {
            if let Some(text) = &user.scram {
                let verifier = ScramVerifier::parse(text)
                    .map_err(|e| Error::Config(format!("[users.{name}] scram: {e}")))?;
                users.insert(name.clone(), verifier);
            }
        }
        let mut seed = [0u8; 32];
        SystemRandom::new()
            .fill(&mut seed)
            .map_err(|_| Error::Config("no system randomness".into()))?;
        Ok(UserVerifiers {
            users,
            mock_key: hmac::Key::new(hmac::HMAC_SHA256, &seed),
        })
    }

    /// A user's verifier, or for an unknown user a stable stand-in that no password matches,
    /// so that the exchange (and its failure message) looks the same either way.
    fn secret_for(&self, user: &str) -> ScramVerifier {
        match self.users.get(user) {
            Some(verifier) => verifier.clone(),
            None => {
                let salt = hmac::sign(&self.mock_key, user.as_bytes()).as_ref()[..16].to_vec();
                let unguessable = hmac::sign(&self.mock_key, b"no password matches");
                ScramVerifier {
                    salt,
                    iterations: DEFAULT_ITERATIONS,
                    stored_key: unguessable.as_ref().to_vec(),
                    server_key: unguessable.as_ref().to_vec(),
                }
            }
        }
    }
}

#[async_trait]
impl AuthSource for UserVerifiers {
    async fn get_password(&self, login: &LoginInfo) -> PgWireResult<Password> {
        // Only SCRAM is offered; there is no password to hand out.
        Err(PgWireError::InvalidPassword(
            login.user().unwrap_or_default().to_owned(),
        ))
    }

    async fn get_scram_secret(&self, login: &LoginInfo) -> PgWireResult<(ScramSecret, Option<()>)> {
        let user = login.user().unwrap_or_default();
        Ok((self.secret_for(user).into_secret(), None))
    }
}

/// The `[users.NAME]` entry `meshgate passwd` prints.
pub fn user_entry(name: &str, verifier: &ScramVerifier) -> String {
    format!(
        "[users.{name}]\nscram = \"{verifier}\"\nroles = []\n# attributes = {{ region = \"EUROPE\" }}\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifier_round_trips_through_text() {
        let verifier = ScramVerifier::generate("secret", 4096).unwrap();
        let parsed = ScramVerifier::parse(&verifier.to_string()).unwrap();
        assert_eq!(parsed, verifier);
        assert_eq!(
            ScramVerifier::derive("secret", parsed.salt.clone(), 4096),
            verifier
        );
    }

    #[test]
    fn matches_rfc7677_example() {
        // RFC 7677's SCRAM-SHA-256 example (password "pencil"); expected keys computed
        // independently with Python's hashlib.pbkdf2_hmac and hmac.
        let salt = BASE64.decode("W22ZaJ0SNY7soEsUEjb6gQ==").unwrap();
        let verifier = ScramVerifier::derive("pencil", salt, 4096);
        assert_eq!(
            BASE64.encode(&verifier.server_key),
            "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU="
        );
        assert_eq!(
            BASE64.encode(&verifier.stored_key),
            "WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY="
        );
    }

    #[test]
    fn malformed_verifiers_say_what_to_do() {
        for bad in ["admin", "SCRAM-SHA-256$x:abc$a:b", "SCRAM-SHA-256$4096:abc"] {
            let error = ScramVerifier::parse(bad).unwrap_err().to_string();
            assert!(error.contains("meshgate passwd"), "{error}");
        }
    }
}
