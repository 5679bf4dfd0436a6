//! The Cloud API provider: Meta's official WhatsApp Business Platform, over the Graph API. There
//! is nothing to link: a number is reached with a system-user access token and its phone number
//! id, sends go to `/{version}/{phone_number_id}/messages`, media through `/media`, and everything
//! Meta learns (statuses, inbound messages) comes by signed webhook only. Its "connection" is the
//! health of the number's credentials and standing, read from the phone number itself.
//!
//! `wire` builds send bodies, `webhook` checks and reads what Meta posts, `errors` turns Graph
//! errors into sentences, `kit` adds numbers. No well-kept crate covers the API; this is a thin
//! client on reqwest and serde.

mod errors;
mod kit;
pub mod webhook;
mod wire;

pub use kit::CloudKit;

use super::{
    ConnectionReport, DownloadedMedia, LinkProgress, OutgoingMessage, Provider, ProviderError, SendReceipt,
};
use crate::domain::{ConnectionSignal, Jid, PhoneNumber};
use async_trait::async_trait;
use errors::GraphError;
use reqwest::Method;
use serde::Deserialize;
use serde_json::Value;
use url::Url;

/// Where the Graph API lives.
pub const DEFAULT_GRAPH_URL: &str = "https://graph.facebook.com/";
/// The Graph API version new numbers use; versions expire about two years after release.
pub const DEFAULT_API_VERSION: &str = "v26.0";

/// The Graph API, for one token and version.
#[derive(Clone)]
struct Graph {
    http: reqwest::Client,
    /// The versioned base (`https://graph.facebook.com/v26.0/`).
    base: Url,
    token: String,
}

#[derive(Deserialize)]
struct ErrorEnvelope {
    error: GraphError,
}

impl Graph {
    fn new(
        http: reqwest::Client,
        graph_url: &Url,
        version: &str,
        token: String,
    ) -> Result<Self, ProviderError> {
        let base = graph_url
            .join(&format!("{version}/"))
            .map_err(|e| ProviderError::Protocol(format!("Graph address: {e}")))?;
        Ok(Self { http, base, token })
    }

    fn url(&self, path: &str) -> Result<Url, ProviderError> {
        self.base
            .join(path)
            .map_err(|e| ProviderError::Protocol(format!("Graph path {path}: {e}")))
    }

    /// A Graph call's JSON once it succeeded; a Graph error body becomes what it means.
    async fn call(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Value, ProviderError> {
        let mut request = self
            .http
            .request(method, self.url(path)?)
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(body);
        }
        self.answer(request).await
    }

    async fn answer(&self, request: reqwest::RequestBuilder) -> Result<Value, ProviderError> {
        let (status, bytes) = super::answer_of(request).await?;
        if status.is_success() {
            return serde_json::from_slice(&bytes)
                .map_err(|e| ProviderError::Protocol(format!("Graph answer is not JSON: {e}")));
        }
        match serde_json::from_slice::<ErrorEnvelope>(&bytes) {
            Ok(envelope) => Err(errors::meaning(&envelope.error, status.as_u16())),
            Err(_) if status.is_server_error() => Err(ProviderError::ServerError(status.as_u16())),
            Err(_) => Err(ProviderError::Protocol(format!(
                "HTTP {status} without a Graph error"
            ))),
        }
    }

    /// Uploads a file for one number's sends; Meta keeps it 30 days. Returns its media id.
    async fn upload(
        &self,
        phone_number_id: &str,
        bytes: Vec<u8>,
        mime: &str,
        file_name: &str,
    ) -> Result<String, ProviderError> {
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name(file_name.to_owned())
            .mime_str(mime)
            .map_err(|_| ProviderError::Rejected(format!("\"{mime}\" is not a file type")))?;
        let form = reqwest::multipart::Form::new()
            .text("messaging_product", "whatsapp")
            .text("type", mime.to_owned())
            .part("file", part);
        let request = self
            .http
            .post(self.url(&format!("{phone_number_id}/media"))?)
            .bearer_auth(&self.token)
            .multipart(form);
        let answer = self.answer(request).await?;
        answer["id"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| ProviderError::Protocol("media upload answered no id".into()))
    }
}

/// What Meta says about a phone number.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct NumberHealth {
    #[serde(default)]
    pub verified_name: Option<String>,
    #[serde(default)]
    pub display_phone_number: Option<String>,
    /// `GREEN`, `YELLOW` or `RED`.
    #[serde(default)]
    pub quality_rating: Option<String>,
    /// `CONNECTED`, `FLAGGED`, `RESTRICTED`, …
    #[serde(default)]
    pub status: Option<String>,
    /// `TIER_250`, `TIER_2K`, … (unique customers a business may start conversations with in 24 h).
    #[serde(default)]
    pub messaging_limit_tier: Option<String>,
}

const HEALTH_FIELDS: &str =
    "verified_name,display_phone_number,quality_rating,status,name_status,messaging_limit_tier";

impl NumberHealth {
    /// The number, from Meta's display form (`+1 555-000-1234`).
    pub fn phone(&self) -> Option<PhoneNumber> {
        let digits: String = self
            .display_phone_number
            .as_deref()?
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        PhoneNumber::from_international_digits(&digits).ok()
    }

    /// The connection this health amounts to: a restricted number is told apart, a low quality
    /// rating is said in words.
    fn report(&self) -> ConnectionReport {
        let status = self.status.as_deref().unwrap_or("CONNECTED");
        let (signal, reason) = match status {
            "RESTRICTED" | "BANNED" | "DISCONNECTED" => (
                ConnectionSignal::Restricted,
                Some(format!(
                    "Meta reports this number as {}: it may not send until Meta lifts it (see WhatsApp Manager).",
                    status.to_lowercase()
                )),
            ),
            "FLAGGED" => (
                ConnectionSignal::Open,
                Some("Meta flagged this number for low quality: improve what it sends, or its limits drop.".into()),
            ),
            _ if self.quality_rating.as_deref() == Some("RED") => (
                ConnectionSignal::Open,
                Some("Meta rates this number's quality low (red): customers block or report its messages.".into()),
            ),
            _ => (ConnectionSignal::Open, None),
        };
        ConnectionReport {
            signal,
            reason,
            profile_name: self.verified_name.clone(),
            phone: self.phone(),
        }
    }
}

/// One business phone number on the Cloud API.
pub struct CloudAccount {
    graph: Graph,
    phone_number_id: String,
    business_account_id: String,
}

/// Templates read per page, and at most this many pages (a business has far fewer).
const TEMPLATES_PER_PAGE: u32 = 100;
const MAX_TEMPLATE_PAGES: usize = 50;

#[derive(Deserialize)]
struct TemplatePage {
    #[serde(default)]
    data: Vec<Value>,
    #[serde(default)]
    paging: Option<Value>,
}

/// One template as the Graph API lists it.
fn template_of(value: &Value) -> Option<super::MessageTemplate> {
    let body = value["components"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["type"].as_str().is_some_and(|t| t.eq_ignore_ascii_case("body")))
        .and_then(|c| c["text"].as_str())
        .map(str::to_owned);
    let variables = body
        .as_deref()
        .map_or(0, |b| super::MessageTemplate::placeholders(b).len());
    Some(super::MessageTemplate {
        name: value["name"].as_str()?.to_owned(),
        language: value["language"].as_str()?.to_owned(),
        status: value["status"].as_str().unwrap_or("PENDING").to_owned(),
        category: value["category"].as_str().unwrap_or_default().to_owned(),
        body,
        variables: u32::try_from(variables).unwrap_or(u32::MAX),
    })
}

impl CloudAccount {
    async fn health(&self) -> Result<NumberHealth, ProviderError> {
        let path = format!("{}?fields={HEALTH_FIELDS}", self.phone_number_id);
        let value = self.graph.call(Method::GET, &path, None).await?;
        serde_json::from_value(value).map_err(|e| ProviderError::Protocol(format!("phone number: {e}")))
    }

    fn messages_path(&self) -> String {
        format!("{}/messages", self.phone_number_id)
    }
}

/// A Cloud API number sends to people by their number only: no groups, no bare LIDs.
fn recipient(to: &Jid) -> Result<String, ProviderError> {
    match to.kind() {
        crate::domain::JidKind::Phone => Ok(to.user().to_owned()),
        crate::domain::JidKind::Group => Err(ProviderError::Unsupported("sending to groups")),
        _ => Err(ProviderError::Unsupported(
            "sending to this kind of WhatsApp address",
        )),
    }
}

#[async_trait]
impl Provider for CloudAccount {
    async fn link(&self, _pairing_phone: Option<&PhoneNumber>) -> Result<LinkProgress, ProviderError> {
        Err(ProviderError::Unsupported(
            "linking by QR or pairing code (a Cloud API number is added with its access token)",
        ))
    }

    async fn connection(&self) -> Result<ConnectionReport, ProviderError> {
        match self.health().await {
            Ok(health) => Ok(health.report()),
            Err(ProviderError::Refused {
                code: "token_refused",
                sentence,
            }) => Ok(ConnectionReport {
                reason: Some(sentence),
                ..ConnectionReport::bare(ConnectionSignal::TokenRefused)
            }),
            Err(ProviderError::Refused {
                code: "unknown_account",
                sentence,
            }) => Ok(ConnectionReport {
                reason: Some(sentence),
                ..ConnectionReport::bare(ConnectionSignal::Missing)
            }),
            Err(other) => Err(other),
        }
    }

    async fn templates(&self) -> Result<Vec<super::MessageTemplate>, ProviderError> {
        let mut templates = Vec::new();
        let mut after: Option<String> = None;
        for _ in 0..MAX_TEMPLATE_PAGES {
            let mut path = format!(
                "{}/message_templates?limit={TEMPLATES_PER_PAGE}&fields=name,language,status,category,components",
                self.business_account_id
            );
            if let Some(cursor) = &after {
                let cursor: String = url::form_urlencoded::byte_serialize(cursor.as_bytes()).collect();
                path.push_str(&format!("&after={cursor}"));
            }
            let value = self.graph.call(Method::GET, &path, None).await?;
            let page: TemplatePage = serde_json::from_value(value)
                .map_err(|e| ProviderError::Protocol(format!("template list: {e}")))?;
            templates.extend(page.data.iter().filter_map(template_of));
            let paging = page.paging.unwrap_or_default();
            // The last page has no `next`.
            after = match (
                paging.get("next"),
                paging.pointer("/cursors/after").and_then(Value::as_str),
            ) {
                (Some(_), Some(cursor)) => Some(cursor.to_owned()),
                _ => return Ok(templates),
            };
        }
        Ok(templates)
    }

    async fn restart(&self) -> Result<(), ProviderError> {
        // Nothing stays open to restart: a fresh health read is the whole of it.
        self.health().await.map(drop)
    }

    async fn logout(&self) -> Result<(), ProviderError> {
        Err(ProviderError::Unsupported(
            "logging out (remove the number instead, or enter a new access token)",
        ))
    }

    /// Meta keeps the number; removing it here only forgets its credentials.
    async fn delete(&self) -> Result<(), ProviderError> {
        Ok(())
    }

    async fn send(&self, message: &OutgoingMessage) -> Result<SendReceipt, ProviderError> {
        let to = recipient(&message.to)?;
        let media_id = match (&message.content, &message.media_bytes) {
            (
                crate::domain::OutgoingContent::Media {
                    mime,
                    file_name,
                    kind,
                    ..
                },
                Some(bytes),
            ) => {
                let name = file_name.clone().unwrap_or_else(|| kind.as_str().to_owned());
                Some(
                    self.graph
                        .upload(&self.phone_number_id, bytes.clone(), mime, &name)
                        .await?,
                )
            }
            _ => None,
        };
        let body = wire::send_body(&to, &message.content, media_id.as_deref())?;
        let answer = self
            .graph
            .call(Method::POST, &self.messages_path(), Some(&body))
            .await?;
        let id = answer
            .pointer("/messages/0/id")
            .and_then(Value::as_str)
            .ok_or_else(|| ProviderError::Protocol("send answered no message id".into()))?;
        Ok(SendReceipt {
            provider_message_id: id.to_owned(),
        })
    }

    /// Marking the newest message read marks every earlier one read too.
    async fn mark_read(&self, _chat: &Jid, provider_message_ids: &[String]) -> Result<(), ProviderError> {
        let Some(newest) = provider_message_ids.last() else {
            return Ok(());
        };
        let body = serde_json::json!({
            "messaging_product": "whatsapp",
            "status": "read",
            "message_id": newest,
        });
        self.graph
            .call(Method::POST, &self.messages_path(), Some(&body))
            .await
            .map(drop)
    }

    /// Media of received messages: the media id gives a download address that lasts about five
    /// minutes and needs the token, so it is asked for each time.
    async fn download_media(
        &self,
        _provider_message_id: &str,
        media_ref: Option<&str>,
    ) -> Result<DownloadedMedia, ProviderError> {
        let media_id = media_ref.ok_or(ProviderError::Rejected("this message has no file".into()))?;
        let info = self.graph.call(Method::GET, media_id, None).await?;
        let url = info["url"]
            .as_str()
            .ok_or_else(|| ProviderError::Protocol("media answered no address".into()))?;
        let (status, bytes) =
            super::answer_of(self.graph.http.get(url).bearer_auth(&self.graph.token)).await?;
        if !status.is_success() {
            return Err(ProviderError::Rejected(format!(
                "Meta did not hand over the file (HTTP {})",
                status.as_u16()
            )));
        }
        Ok(DownloadedMedia {
            bytes: bytes.to_vec(),
            mime: info["mime_type"]
                .as_str()
                .unwrap_or("application/octet-stream")
                .to_owned(),
            file_name: None,
        })
    }
}
