//! What an outbound message carries, checked before it is queued: text (optionally replying to a
//! message), media from a URL or a local file (kind, MIME type and size checked), a location, or a
//! contact card. Stored as JSON in the outbox row so a restart sends exactly what was accepted.

use super::InputError;
use serde::{Deserialize, Serialize};

/// WhatsApp's limit for a text message.
pub const MAX_TEXT_CHARS: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    Image,
    Video,
    Audio,
    Document,
}

impl MediaKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Video => "video",
            MediaKind::Audio => "audio",
            MediaKind::Document => "document",
        }
    }

    pub fn parse(input: &str) -> Result<Self, InputError> {
        [
            MediaKind::Image,
            MediaKind::Video,
            MediaKind::Audio,
            MediaKind::Document,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == input)
        .ok_or_else(|| InputError::new(format!("\"{input}\" is not a kind of media.")))
    }

    /// WhatsApp's size limits per kind.
    pub fn max_bytes(self) -> u64 {
        match self {
            MediaKind::Image => 5 * 1024 * 1024,
            MediaKind::Video | MediaKind::Audio => 16 * 1024 * 1024,
            MediaKind::Document => 100 * 1024 * 1024,
        }
    }

    /// Whether WhatsApp accepts this MIME type for this kind (documents take anything).
    pub fn accepts(self, mime: &str) -> bool {
        match self {
            MediaKind::Image => matches!(mime, "image/jpeg" | "image/png" | "image/webp"),
            MediaKind::Video => matches!(mime, "video/mp4" | "video/3gpp"),
            MediaKind::Audio => {
                matches!(
                    mime,
                    "audio/aac" | "audio/mp4" | "audio/mpeg" | "audio/amr" | "audio/ogg" | "audio/opus"
                )
            }
            MediaKind::Document => !mime.is_empty(),
        }
    }

    fn label(self) -> &'static str {
        match self {
            MediaKind::Image => "an image",
            MediaKind::Video => "a video",
            MediaKind::Audio => "an audio file",
            MediaKind::Document => "a document",
        }
    }

    /// Refuses a file of the wrong type or size with a sentence saying which limit it broke.
    pub fn check(self, mime: &str, size: Option<u64>, name: &str) -> Result<(), InputError> {
        if !self.accepts(mime) {
            return Err(InputError::new(format!(
                "{name} ({mime}) cannot be sent as {}. Send it as a document instead.",
                self.label()
            )));
        }
        if let Some(size) = size {
            if size > self.max_bytes() {
                return Err(InputError::new(format!(
                    "{name} is {:.1} MB; {} can be at most {} MB.",
                    size as f64 / 1_048_576.0,
                    self.label(),
                    self.max_bytes() / 1_048_576
                )));
            }
            if size == 0 {
                return Err(InputError::new(format!("{name} is empty.")));
            }
        }
        Ok(())
    }
}

/// Where the bytes of a media message come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "from", rename_all = "snake_case")]
pub enum MediaSource {
    /// A public URL the provider downloads.
    Url { url: String },
    /// A copy of the person's file, kept in the app's media folder until sent.
    File { path: String },
}

/// Exactly what to send; stored with the queued message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OutgoingContent {
    Text {
        text: String,
        /// The message this one replies to, as the provider knows it.
        quoted: Option<QuotedMessage>,
    },
    Media {
        kind: MediaKind,
        source: MediaSource,
        mime: String,
        file_name: Option<String>,
        caption: Option<String>,
    },
    Location {
        latitude: f64,
        longitude: f64,
        name: Option<String>,
        address: Option<String>,
    },
    Contact {
        full_name: String,
        /// E.164 digits.
        phone: String,
        organization: Option<String>,
        email: Option<String>,
    },
    /// An approved message template of the account (the Cloud API), its body variables filled
    /// in order; `text` is the body as the customer reads it.
    Template {
        name: String,
        language: String,
        parameters: Vec<String>,
        text: String,
    },
}

/// Enough of a logged message to quote it in a reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuotedMessage {
    pub provider_message_id: String,
    pub chat_jid: String,
    pub from_me: bool,
    pub text: Option<String>,
}

impl OutgoingContent {
    pub fn kind(&self) -> super::MessageKind {
        use super::MessageKind;
        match self {
            OutgoingContent::Text { .. } => MessageKind::Text,
            OutgoingContent::Media {
                kind: MediaKind::Image,
                ..
            } => MessageKind::Image,
            OutgoingContent::Media {
                kind: MediaKind::Video,
                ..
            } => MessageKind::Video,
            OutgoingContent::Media {
                kind: MediaKind::Audio,
                ..
            } => MessageKind::Audio,
            OutgoingContent::Media {
                kind: MediaKind::Document,
                ..
            } => MessageKind::Document,
            OutgoingContent::Location { .. } => MessageKind::Location,
            OutgoingContent::Contact { .. } => MessageKind::Contact,
            OutgoingContent::Template { .. } => MessageKind::Text,
        }
    }

    /// What the outbox keeps beside the message to send it later, as JSON: nothing for a plain
    /// text, whose body in the log is the text itself (`from_stored` reads it back from there).
    pub fn stored_payload(&self) -> Option<String> {
        match self {
            OutgoingContent::Text { quoted: None, .. } => None,
            // Serialising these plain data types cannot fail.
            content => serde_json::to_string(content).ok(),
        }
    }

    /// The content back from what `stored_payload` kept and the logged body.
    pub fn from_stored(payload: Option<&str>, body: Option<&str>) -> Option<Self> {
        match payload {
            Some(payload) => serde_json::from_str(payload).ok(),
            None => body.map(|text| OutgoingContent::Text {
                text: text.to_owned(),
                quoted: None,
            }),
        }
    }

    /// The line shown in the log.
    pub fn summary(&self) -> String {
        match self {
            OutgoingContent::Text { text, .. } => text.clone(),
            OutgoingContent::Media {
                caption,
                file_name,
                kind,
                ..
            } => caption
                .clone()
                .or_else(|| file_name.clone())
                .unwrap_or_else(|| format!("({})", kind.as_str())),
            OutgoingContent::Location {
                latitude,
                longitude,
                name,
                ..
            } => {
                let name = name.as_deref().map(|n| format!("{n} ")).unwrap_or_default();
                format!("{name}({latitude:.5}, {longitude:.5})")
            }
            OutgoingContent::Contact { full_name, phone, .. } => format!("{full_name} (+{phone})"),
            OutgoingContent::Template { text, .. } => text.clone(),
        }
    }
}

/// Checks a text for sending: not blank, within WhatsApp's limit. Returns it trimmed.
pub fn checked_text(text: &str) -> Result<String, InputError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(InputError::new("Write a message first."));
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(InputError::new(format!(
            "A message can have at most {MAX_TEXT_CHARS} characters."
        )));
    }
    Ok(text.to_owned())
}

/// Checks coordinates.
pub fn checked_location(latitude: f64, longitude: f64) -> Result<(), InputError> {
    if !(-90.0..=90.0).contains(&latitude) || !(-180.0..=180.0).contains(&longitude) {
        return Err(InputError::new(
            "A location needs a latitude between -90 and 90 and a longitude between -180 and 180.",
        ));
    }
    Ok(())
}

/// Trims optional text; blank becomes `None`.
pub fn optional(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_kinds_check_type_and_size() {
        assert!(MediaKind::Image.check("image/png", Some(1000), "a.png").is_ok());
        let wrong = MediaKind::Image
            .check("application/pdf", Some(1000), "a.pdf")
            .expect_err("pdf image");
        assert!(wrong.0.contains("as a document"), "{wrong}");
        let big = MediaKind::Image
            .check("image/jpeg", Some(6 * 1024 * 1024), "big.jpg")
            .expect_err("too big");
        assert!(big.0.contains("at most 5 MB"), "{big}");
        assert!(MediaKind::Document
            .check("application/pdf", Some(50 * 1024 * 1024), "a.pdf")
            .is_ok());
        assert!(MediaKind::Document
            .check("application/pdf", Some(0), "a.pdf")
            .is_err());
        assert!(MediaKind::Audio.check("audio/ogg", None, "v.ogg").is_ok());
    }

    #[test]
    fn texts_and_locations_are_checked() {
        assert_eq!(checked_text("  hi "), Ok("hi".into()));
        assert!(checked_text(" \n ").is_err());
        assert!(checked_text(&"a".repeat(MAX_TEXT_CHARS + 1)).is_err());
        assert!(checked_location(-23.55, -46.63).is_ok());
        assert!(checked_location(91.0, 0.0).is_err());
        assert!(checked_location(0.0, f64::NAN).is_err());
    }

    #[test]
    fn content_round_trips_as_json() {
        let content = OutgoingContent::Media {
            kind: MediaKind::Document,
            source: MediaSource::Url {
                url: "https://files.example.com/1042.pdf".into(),
            },
            mime: "application/pdf".into(),
            file_name: Some("pedido-1042.pdf".into()),
            caption: Some("Nota fiscal".into()),
        };
        let json = serde_json::to_string(&content).expect("json");
        assert_eq!(
            serde_json::from_str::<OutgoingContent>(&json).expect("parse"),
            content
        );
        assert_eq!(content.summary(), "Nota fiscal");
    }
}
