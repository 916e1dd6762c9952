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
        let mut salt = vec![0u8; MOCK_SALT_LEN];
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
    mock: MockVerifiers,
}

impl UserVerifiers {
    /// Parses every user's verifier; a malformed one stops the server from starting. Users
    /// without `scram` cannot log in over the wire. `mock_secret` is the installation's
    /// secret for unknown users' stand-in verifiers ([`crate::server::mock_secret`]).
    pub fn from_config(config: &Config, mock_secret: &[u8]) -> Result<UserVerifiers> {
        let mut users = BTreeMap::new();
        for (name, user) in &config.users {
            if let Some(text) = &user.scram {
                let verifier = ScramVerifier::parse(text)
                    .map_err(|e| Error::Config(format!("[users.{name}] scram: {e}")))?;
                users.insert(name.clone(), verifier);
            }
        }
        let mock = MockVerifiers::new(mock_secret, users.values());
        Ok(UserVerifiers { users, mock })
    }

    /// A user's verifier, or for an unknown user a stand-in that no password matches, so
    /// that the exchange (and its failure message) looks the same either way. The stand-in
    /// is computed for every login, so the work does not differ either.
    fn secret_for(&self, user: &str) -> ScramVerifier {
        let stand_in = self.mock.verifier(user);
        self.users.get(user).cloned().unwrap_or(stand_in)
    }
}

/// Stand-in verifiers for users that do not exist, shaped like the real ones: the salt is
/// derived from the installation's secret and the name (the same at every start, different
/// for every name, as PostgreSQL's `scram_mock_salt`), and iteration count and salt length
/// are the ones most users have.
struct MockVerifiers {
    key: hmac::Key,
    iterations: u32,
    salt_len: usize,
    keys: Vec<u8>,
}

impl fmt::Debug for MockVerifiers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockVerifiers")
            .field("iterations", &self.iterations)
            .field("salt_len", &self.salt_len)
            .finish_non_exhaustive()
    }
}

impl MockVerifiers {
    fn new<'a>(secret: &[u8], users: impl Iterator<Item = &'a ScramVerifier> + Clone) -> Self {
        let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
        let keys = hmac::sign(&key, b"meshgate mock keys").as_ref().to_vec();
        MockVerifiers {
            iterations: most_common(users.clone().map(|u| u.iterations))
                .unwrap_or(DEFAULT_ITERATIONS),
            salt_len: most_common(users.map(|u| u.salt.len())).unwrap_or(MOCK_SALT_LEN),
            key,
            keys,
        }
    }

    fn verifier(&self, user: &str) -> ScramVerifier {
        let mut salt = Vec::with_capacity(self.salt_len);
        let mut block = 0u32;
        while salt.len() < self.salt_len {
            let mut input = b"meshgate mock salt".to_vec();
            input.extend_from_slice(&block.to_be_bytes());
            input.extend_from_slice(user.as_bytes());
            salt.extend_from_slice(hmac::sign(&self.key, &input).as_ref());
            block += 1;
        }
        salt.truncate(self.salt_len);
        ScramVerifier {
            salt,
            iterations: self.iterations,
            stored_key: self.keys.clone(),
            server_key: self.keys.clone(),
        }
    }
}

/// Salt length of stand-in verifiers when there are no users (that of `meshgate passwd`).
const MOCK_SALT_LEN: usize = 16;

/// The value that occurs most often; among equally frequent ones, the largest.
fn most_common<T: Ord + Copy>(values: impl Iterator<Item = T>) -> Option<T> {
    let mut counts = BTreeMap::new();
    for value in values {
        *counts.entry(value).or_insert(0usize) += 1;
    }
    counts
        .into_iter()
        .max_by_key(|&(value, count)| (count, value))
        .map(|(value, _)| value)
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

    fn verifiers(iterations: &[u32], secret: &[u8]) -> UserVerifiers {
        let mut config = Config::default();
        for (i, n) in iterations.iter().enumerate() {
            let verifier = ScramVerifier::derive("pw", vec![i as u8; 16], *n);
            let user = crate::config::UserConfig {
                scram: Some(verifier.to_string()),
                ..Default::default()
            };
            config.users.insert(format!("user{i}"), user);
        }
        UserVerifiers::from_config(&config, secret).unwrap()
    }

    #[test]
    fn unknown_users_get_stable_salts_shaped_like_real_ones() {
        let users = verifiers(&[5000, 7000, 5000], b"installation secret");
        let ghost = users.secret_for("ghost");
        assert_eq!(ghost.iterations, 5000);
        assert_eq!(ghost.salt.len(), 16);
        let again = verifiers(&[5000], b"installation secret").secret_for("ghost");
        assert_eq!(again.salt, ghost.salt, "same secret, same salt");
        assert_ne!(users.secret_for("phantom").salt, ghost.salt);
        let other = verifiers(&[5000], b"another installation").secret_for("ghost");
        assert_ne!(other.salt, ghost.salt);
        assert_eq!(users.secret_for("user1").iterations, 7000);
        assert_eq!(
            verifiers(&[], b"s").secret_for("x").iterations,
            DEFAULT_ITERATIONS
        );
        assert_eq!(most_common([1, 2, 2, 1].into_iter()), Some(2));
    }

    #[test]
    fn malformed_verifiers_say_what_to_do() {
        for bad in ["admin", "SCRAM-SHA-256$x:abc$a:b", "SCRAM-SHA-256$4096:abc"] {
            let error = ScramVerifier::parse(bad).unwrap_err().to_string();
            assert!(error.contains("meshgate passwd"), "{error}");
        }
    }
}
