//! Extractors whose rejections are the API's `{code, message}` errors, not axum's plain text:
//! the caller's key, JSON bodies and query strings.

use super::error::HttpError;
use super::ApiState;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use switchboard_engine::store::ApiKey;
use switchboard_engine::{ErrorCode, KeyRejection};

/// The API key of the request, authenticated and within its rate.
pub struct Caller(pub ApiKey);

impl FromRequestParts<ApiState> for Caller {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Self, Self::Rejection> {
        let bearer = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let header = parts.headers.get("x-api-key").and_then(|v| v.to_str().ok());
        let key = state.engine.authenticate(bearer.or(header)).await.map_err(|rejection| {
            let message = match rejection {
                KeyRejection::Missing => "Send an API key: `Authorization: Bearer sbk_…`. Create one in Switchboard, in the API tab.",
                KeyRejection::Invalid => "This API key is not known to Switchboard.",
                KeyRejection::Revoked => "This API key was revoked.",
            };
            HttpError::new(ErrorCode::Unauthorized, message)
        })?;
        if state.limiter.check_key(&key.id).is_err() {
            return Err(HttpError::new(
                ErrorCode::RateLimited,
                "Too many requests with this key; slow down and try again in a second.",
            ));
        }
        Ok(Caller(key))
    }
}

/// A JSON body.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<ApiState> for ApiJson<T> {
    type Rejection = HttpError;

    async fn from_request(request: Request, state: &ApiState) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(JsonRejection::JsonDataError(error)) => Err(HttpError::new(
                ErrorCode::InvalidInput,
                format!("The request body does not fit: {}", error.body_text()),
            )),
            Err(JsonRejection::BytesRejection(error))
                if error.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE =>
            {
                Err(HttpError::new(
                    ErrorCode::TooLarge,
                    "The request body is larger than 1 MB.",
                ))
            }
            Err(JsonRejection::MissingJsonContentType(_)) => Err(HttpError::new(
                ErrorCode::Malformed,
                "Send a JSON body with `Content-Type: application/json`.",
            )),
            Err(error) => Err(HttpError::new(
                ErrorCode::Malformed,
                format!("The request body is not valid JSON: {}", error.body_text()),
            )),
        }
    }
}

/// A query string.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned> FromRequestParts<ApiState> for ApiQuery<T> {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(ApiQuery(value)),
            Err(QueryRejection::FailedToDeserializeQueryString(error)) => Err(HttpError::new(
                ErrorCode::InvalidInput,
                format!("The query string does not fit: {}", error.body_text()),
            )),
            Err(error) => Err(HttpError::new(ErrorCode::Malformed, error.body_text())),
        }
    }
}
