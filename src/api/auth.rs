//! API keys: `Authorization: Bearer <key>`. Keys are random 256-bit tokens;
//! only their SHA-256 digest is stored (see docs/adr/0003-api-keys.md).

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::domain::Role;
use crate::store::Actor;

use super::error::ApiError;
use super::state::AppState;

const TOKEN_PREFIX: &str = "adn_";

/// A fresh key: `(token shown once, its digest, a short hint for lists)`.
pub fn new_token() -> (String, String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = format!(
        "{TOKEN_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    );
    let digest = token_digest(&token);
    let hint = format!("{}…", &token[..TOKEN_PREFIX.len() + 6]);
    (token, digest, hint)
}

pub fn token_digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Caller(pub Actor);

impl Caller {
    pub fn role(&self) -> Role {
        self.0.role
    }

    pub fn actor(&self) -> &Actor {
        &self.0
    }

    pub fn require(&self, allowed: bool, why: &'static str) -> Result<(), ApiError> {
        if allowed {
            Ok(())
        } else {
            Err(ApiError::Forbidden(why))
        }
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, rest) = v.split_once(' ')?;
                scheme
                    .eq_ignore_ascii_case("bearer")
                    .then(|| rest.trim().to_string())
            });
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::Internal("app state missing".into()))?;
            let token = token
                .filter(|t| !t.is_empty())
                .ok_or(ApiError::Unauthorized)?;
            let key = state
                .store
                .find_api_key(&token_digest(&token))
                .await?
                .ok_or(ApiError::Unauthorized)?;
            Ok(Caller(Actor {
                key_id: Some(key.id),
                name: key.name,
                role: key.role,
                officer: key.officer,
            }))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_distinct_prefixed_and_hashed() {
        let (a, da, ha) = new_token();
        let (b, db, _) = new_token();
        assert_ne!(a, b);
        assert_ne!(da, db);
        assert!(a.starts_with("adn_") && a.len() == 4 + 43);
        assert_eq!(da, token_digest(&a));
        assert!(a.starts_with(ha.trim_end_matches('…')));
    }
}
