//! Who may sign in, and as what: users with an argon2id password and a role, locked
//! (never deleted) by an admin, locked out for a while after repeated failed sign-ins;
//! their sessions and API tokens, kept only as SHA-256 hashes.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use serde::Serialize;

use crate::{
    Arg, Result, Store, StoreError, Tx, get_i64, get_opt_i64, get_str, now, random_hex, sha256_hex,
};

/// Failed sign-ins in a row that lock a user out.
pub const MAX_FAILED_LOGINS: i64 = 5;
/// How long a lock-out lasts, seconds.
pub const LOCKOUT_SECONDS: i64 = 15 * 60;
/// How long a session lasts, seconds (one working day).
pub const SESSION_SECONDS: i64 = 12 * 3600;

/// What a user may do; the server's route table says which role reaches which endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Triages alerts, works cases, reveals an identity for a case, asks for exports.
    Analyst,
    /// An analyst who also assigns others' work, imports and runs scans and approves
    /// (others') unmasked exports.
    Supervisor,
    /// Reads the audit log, the reveals and the exports; changes nothing.
    Auditor,
    /// Manages users; sees no subscriber data.
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Analyst, Role::Supervisor, Role::Auditor, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Analyst => "analyst",
            Role::Supervisor => "supervisor",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Result<Role> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                StoreError::Invalid(format!(
                    "unknown role {s:?}: one of analyst, supervisor, auditor, admin"
                ))
            })
    }
}

/// A user as the API shows it (never the password hash).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub locked: bool,
    /// Until when failed sign-ins lock the user out (Unix seconds), if now.
    pub locked_out_until: Option<i64>,
    pub created_at: i64,
}

const USER_COLUMNS: &str = "id, name, role, locked, locked_until, created_at";

fn user(r: &sqlx::any::AnyRow) -> Result<User> {
    let until = get_opt_i64(r, "locked_until")?;
    Ok(User {
        id: get_i64(r, "id")?,
        name: get_str(r, "name")?,
        role: Role::parse(&get_str(r, "role")?)?,
        locked: get_i64(r, "locked")? != 0,
        locked_out_until: until.filter(|t| *t > now()),
        created_at: get_i64(r, "created_at")?,
    })
}

/// A signed-in user's session: the cookie's value is `token`; `csrf` must come back in
/// a header with every change made through the session.
#[derive(Debug, Clone)]
pub struct Session {
    pub token: String,
    pub csrf: String,
    pub expires_at: i64,
}

/// Hashes a password with argon2id (RustCrypto's defaults: 19 MiB, 2 passes).
pub fn hash_password(password: &str) -> Result<String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| StoreError::Hash(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| StoreError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Hash(e.to_string()))
}

/// Checks a password against its stored hash (slow on purpose: run it off the async
/// threads).
pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

fn check_password_rules(password: &str) -> Result<()> {
    if password.chars().count() < 12 {
        return Err(StoreError::Invalid(
            "a password has at least 12 characters".into(),
        ));
    }
    Ok(())
}

fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !ok {
        return Err(StoreError::Invalid(
            "a user name is 1 to 64 letters, digits, '.', '_' or '-'".into(),
        ));
    }
    Ok(())
}

/// What a sign-in attempt needs before the password is checked.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
}

impl Store {
    pub async fn user_credentials(&self, name: &str) -> Result<Option<Credentials>> {
        let rows = self
            .fetch_all(
                &format!("SELECT {USER_COLUMNS}, password_hash FROM users WHERE name = ?"),
                &[name.into()],
            )
            .await?;
        rows.first()
            .map(|r| {
                Ok(Credentials {
                    user: user(r)?,
                    password_hash: get_str(r, "password_hash")?,
                })
            })
            .transpose()
    }

    /// The user behind a session cookie, with the session's CSRF token; `None` when the
    /// session is unknown, expired, or its user locked.
    pub async fn session_user(&self, token: &str) -> Result<Option<(User, String)>> {
        let rows = self
            .fetch_all(
                "SELECT u.id, u.name, u.role, u.locked, u.locked_until, u.created_at, s.csrf \
                 FROM sessions s JOIN users u ON u.id = s.user_id \
                 WHERE s.token_hash = ? AND s.expires_at > ? AND u.locked = 0",
                &[sha256_hex(token).into(), now().into()],
            )
            .await?;
        rows.first()
            .map(|r| Ok((user(r)?, get_str(r, "csrf")?)))
            .transpose()
    }

    /// The user behind an API token; `None` when unknown, revoked, or its user locked.
    pub async fn token_user(&self, token: &str) -> Result<Option<User>> {
        let rows = self
            .fetch_all(
                "SELECT u.id, u.name, u.role, u.locked, u.locked_until, u.created_at \
                 FROM api_tokens t JOIN users u ON u.id = t.user_id \
                 WHERE t.token_hash = ? AND t.revoked_at IS NULL AND u.locked = 0",
                &[sha256_hex(token).into()],
            )
            .await?;
        rows.first().map(user).transpose()
    }

    pub async fn users(&self) -> Result<Vec<User>> {
        let rows = self
            .fetch_all(
                &format!("SELECT {USER_COLUMNS} FROM users ORDER BY id"),
                &[],
            )
            .await?;
        rows.iter().map(user).collect()
    }
}

impl Tx {
    pub async fn user(&mut self, id: i64) -> Result<User> {
        let r = self
            .row(
                &format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?"),
                &[id.into()],
            )
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("user {id}")))?;
        user(&r)
    }

    pub async fn add_user(
        &mut self,
        who: &crate::Who,
        name: &str,
        role: Role,
        password: &str,
    ) -> Result<User> {
        check_name(name)?;
        check_password_rules(password)?;
        let taken = self
            .row("SELECT id FROM users WHERE name = ?", &[name.into()])
            .await?;
        if taken.is_some() {
            return Err(StoreError::Conflict(format!("a user {name} exists")));
        }
        let hash = hash_password(password)?;
        let id = self
            .insert(
                "INSERT INTO users (name, role, password_hash, created_at) VALUES (?, ?, ?, ?)",
                &[name.into(), role.as_str().into(), hash.into(), now().into()],
            )
            .await?;
        self.audit(
            who,
            "user.add",
            &format!("user:{id}"),
            None,
            Some(&format!("{name} ({})", role.as_str())),
        )
        .await?;
        self.user(id).await
    }

    /// Locks or unlocks a user; locking ends the user's sessions and API tokens.
    pub async fn set_locked(&mut self, who: &crate::Who, id: i64, locked: bool) -> Result<User> {
        let before = self.user(id).await?;
        if who.user_id == Some(id) && locked {
            return Err(StoreError::Conflict("you cannot lock yourself".into()));
        }
        self.exec(
            "UPDATE users SET locked = ?, failed_logins = 0, locked_until = NULL WHERE id = ?",
            &[i64::from(locked).into(), id.into()],
        )
        .await?;
        if locked {
            self.exec("DELETE FROM sessions WHERE user_id = ?", &[id.into()])
                .await?;
            self.exec(
                "UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
                &[now().into(), id.into()],
            )
            .await?;
        }
        self.audit(
            who,
            if locked { "user.lock" } else { "user.unlock" },
            &format!("user:{id}"),
            Some(if before.locked { "locked" } else { "active" }),
            Some(if locked { "locked" } else { "active" }),
        )
        .await?;
        self.user(id).await
    }

    pub async fn set_role(&mut self, who: &crate::Who, id: i64, role: Role) -> Result<User> {
        let before = self.user(id).await?;
        if who.user_id == Some(id) {
            return Err(StoreError::Conflict(
                "you cannot change your own role".into(),
            ));
        }
        self.exec(
            "UPDATE users SET role = ? WHERE id = ?",
            &[role.as_str().into(), id.into()],
        )
        .await?;
        self.audit(
            who,
            "user.role",
            &format!("user:{id}"),
            Some(before.role.as_str()),
            Some(role.as_str()),
        )
        .await?;
        self.user(id).await
    }

    pub async fn set_password(&mut self, who: &crate::Who, id: i64, password: &str) -> Result<()> {
        check_password_rules(password)?;
        self.user(id).await?;
        let hash = hash_password(password)?;
        self.exec(
            "UPDATE users SET password_hash = ?, failed_logins = 0, locked_until = NULL WHERE id = ?",
            &[hash.into(), id.into()],
        )
        .await?;
        self.exec("DELETE FROM sessions WHERE user_id = ?", &[id.into()])
            .await?;
        self.audit(who, "user.password", &format!("user:{id}"), None, None)
            .await?;
        Ok(())
    }

    /// Records a failed sign-in of a known user; returns whether it locked the user out.
    pub async fn login_failed(&mut self, who: &crate::Who, id: i64) -> Result<bool> {
        self.exec(
            "UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ?",
            &[id.into()],
        )
        .await?;
        let r = self
            .row("SELECT failed_logins FROM users WHERE id = ?", &[id.into()])
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("user {id}")))?;
        let failed = get_i64(&r, "failed_logins")?;
        let lock = failed >= MAX_FAILED_LOGINS;
        if lock {
            self.exec(
                "UPDATE users SET failed_logins = 0, locked_until = ? WHERE id = ?",
                &[(now() + LOCKOUT_SECONDS).into(), id.into()],
            )
            .await?;
        }
        self.audit(
            who,
            if lock {
                "login.locked_out"
            } else {
                "login.failed"
            },
            &format!("user:{id}"),
            None,
            Some(&format!("{failed} failed in a row")),
        )
        .await?;
        Ok(lock)
    }

    /// Opens a session for a user whose password was checked.
    pub async fn login(&mut self, who: &crate::Who, id: i64) -> Result<Session> {
        let token = random_hex(32)?;
        let csrf = random_hex(32)?;
        let expires_at = now() + SESSION_SECONDS;
        self.exec(
            "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?",
            &[id.into()],
        )
        .await?;
        self.exec(
            "DELETE FROM sessions WHERE expires_at <= ?",
            &[now().into()],
        )
        .await?;
        self.exec(
            "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
            &[
                sha256_hex(&token).into(),
                id.into(),
                csrf.clone().into(),
                now().into(),
                expires_at.into(),
            ],
        )
        .await?;
        self.audit(who, "login", &format!("user:{id}"), None, None)
            .await?;
        Ok(Session {
            token,
            csrf,
            expires_at,
        })
    }

    pub async fn logout(&mut self, who: &crate::Who, token: &str) -> Result<()> {
        self.exec(
            "DELETE FROM sessions WHERE token_hash = ?",
            &[sha256_hex(token).into()],
        )
        .await?;
        let object = format!("user:{}", who.user_id.unwrap_or(0));
        self.audit(who, "logout", &object, None, None).await?;
        Ok(())
    }

    /// A new API token for `user_id`; the value is shown once, only its hash is kept.
    pub async fn add_token(
        &mut self,
        who: &crate::Who,
        user_id: i64,
        name: &str,
    ) -> Result<(i64, String)> {
        if name.trim().is_empty() || name.len() > 100 {
            return Err(StoreError::Invalid(
                "a token's name is 1 to 100 characters".into(),
            ));
        }
        let token = format!("dk_{}", random_hex(32)?);
        let id = self
            .insert(
                "INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES (?, ?, ?, ?)",
                &[user_id.into(), name.into(), sha256_hex(&token).into(), now().into()],
            )
            .await?;
        self.audit(who, "token.add", &format!("token:{id}"), None, Some(name))
            .await?;
        Ok((id, token))
    }

    pub async fn revoke_token(&mut self, who: &crate::Who, user_id: i64, id: i64) -> Result<()> {
        let n = self
            .exec(
                "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL",
                &[now().into(), id.into(), user_id.into()],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("active token {id} of yours")));
        }
        self.audit(who, "token.revoke", &format!("token:{id}"), None, None)
            .await?;
        Ok(())
    }

    /// The number of users: `duanka user add` makes the first one an admin.
    pub async fn user_count(&mut self) -> Result<i64> {
        let r = self
            .row("SELECT COUNT(*) AS n FROM users", &[])
            .await?
            .ok_or_else(|| StoreError::NotFound("users".into()))?;
        get_i64(&r, "n")
    }
}

/// A token as its owner lists it (never its value).
#[derive(Debug, Clone, Serialize)]
pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

impl Store {
    pub async fn tokens(&self, user_id: i64) -> Result<Vec<TokenRow>> {
        let rows = self
            .fetch_all(
                "SELECT id, name, created_at, revoked_at FROM api_tokens WHERE user_id = ? ORDER BY id",
                &[Arg::Int(user_id)],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(TokenRow {
                    id: get_i64(r, "id")?,
                    name: get_str(r, "name")?,
                    created_at: get_i64(r, "created_at")?,
                    revoked_at: get_opt_i64(r, "revoked_at")?,
                })
            })
            .collect()
    }
}
