//! What keeps the API safe on a desktop, where any web page can reach 127.0.0.1: the `Host` must be
//! a loopback name or one the person allowed (DNS rebinding), a browser's `Origin` must be allowed
//! (no CORS unless configured), bodies are bounded, and each key has a request rate.

use super::error::HttpError;
use super::ApiState;
use axum::extract::{Request, State};
use axum::http::header::{HOST, ORIGIN};
use axum::middleware::Next;
use axum::response::Response;
use switchboard_engine::ErrorCode;

const LOOPBACK: [&str; 4] = ["localhost", "127.0.0.1", "[::1]", "::1"];

/// The host part of a `Host` header (`localhost:47800` → `localhost`, `[::1]:1` → `[::1]`).
fn host_name(host: &str) -> &str {
    if host.starts_with('[') {
        return host
            .split_once(']')
            .map(|(h, _)| &host[..=h.len()])
            .unwrap_or(host);
    }
    host.rsplit_once(':').map(|(h, _)| h).unwrap_or(host)
}

pub async fn host_and_origin(
    State(state): State<ApiState>,
    request: Request,
    next: Next,
) -> Result<Response, HttpError> {
    let settings = state.engine.settings().await?;
    if !settings.api_enabled {
        return Err(HttpError::new(
            ErrorCode::NotFound,
            "The local API is switched off in Switchboard's settings.",
        ));
    }
    let host = request
        .headers()
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let name = host_name(host).to_ascii_lowercase();
    let host_ok = LOOPBACK.contains(&name.as_str())
        || settings
            .allowed_hosts
            .iter()
            .any(|h| h.eq_ignore_ascii_case(&name));
    if !host_ok {
        return Err(HttpError::new(
            ErrorCode::Forbidden,
            format!("Requests for host \"{name}\" are refused; add it to the allowed hosts in Switchboard's settings."),
        ));
    }
    if let Some(origin) = request.headers().get(ORIGIN) {
        let origin = origin.to_str().unwrap_or_default().trim_end_matches('/');
        if !settings
            .allowed_origins
            .iter()
            .any(|o| o.trim_end_matches('/').eq_ignore_ascii_case(origin))
        {
            return Err(HttpError::new(
                ErrorCode::Forbidden,
                "Browser requests from this origin are refused; add it to the allowed origins in Switchboard's settings.",
            ));
        }
    }
    Ok(next.run(request).await)
}

#[cfg(test)]
mod tests {
    use super::host_name;

    #[test]
    fn host_names_lose_their_port() {
        assert_eq!(host_name("localhost:47800"), "localhost");
        assert_eq!(host_name("127.0.0.1"), "127.0.0.1");
        assert_eq!(host_name("[::1]:47800"), "[::1]");
        assert_eq!(host_name("evil.example.com:47800"), "evil.example.com");
    }
}
