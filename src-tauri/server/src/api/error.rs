//! The one error shape of the local API, `{code, message}`, with an HTTP status per code.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use switchboard_engine::{ApiError, EngineError, ErrorCode};

/// An `ApiError` as an HTTP response.
#[derive(Debug)]
pub struct HttpError(pub ApiError);

pub fn status_for(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::InvalidInput
        | ErrorCode::OptedOut
        | ErrorCode::WindowClosed
        | ErrorCode::NotOnWhatsapp => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::Malformed => StatusCode::BAD_REQUEST,
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::Conflict | ErrorCode::Repeated => StatusCode::CONFLICT,
        ErrorCode::Unauthorized => StatusCode::UNAUTHORIZED,
        ErrorCode::Forbidden => StatusCode::FORBIDDEN,
        ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::Unsupported => StatusCode::NOT_IMPLEMENTED,
        ErrorCode::ProviderAuth | ErrorCode::ProviderRejected => StatusCode::BAD_GATEWAY,
        ErrorCode::ProviderUnreachable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl HttpError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self(ApiError::new(code, message))
    }
}

impl From<EngineError> for HttpError {
    fn from(error: EngineError) -> Self {
        Self(error.into())
    }
}

impl From<ApiError> for HttpError {
    fn from(error: ApiError) -> Self {
        Self(error)
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        (status_for(self.0.code), Json(self.0)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_a_status_and_the_body_is_code_and_message() {
        assert_eq!(
            status_for(ErrorCode::InvalidInput),
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(status_for(ErrorCode::RateLimited), StatusCode::TOO_MANY_REQUESTS);
        let response = HttpError::new(ErrorCode::Forbidden, "No.").into_response();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
    }
}
