//! Messages in the log: direction, kind, and a status that only ever moves forward.

use super::InputError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Outbound,
    Inbound,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Outbound => "outbound",
            Direction::Inbound => "inbound",
        }
    }

    pub fn parse(input: &str) -> Result<Self, InputError> {
        match input {
            "outbound" => Ok(Direction::Outbound),
            "inbound" => Ok(Direction::Inbound),
            other => Err(InputError::new(format!("\"{other}\" is not a direction."))),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    Text,
    Image,
    Video,
    Audio,
    Document,
    Sticker,
    Location,
    Contact,
    Other,
}

impl MessageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Text => "text",
            MessageKind::Image => "image",
            MessageKind::Video => "video",
            MessageKind::Audio => "audio",
            MessageKind::Document => "document",
            MessageKind::Sticker => "sticker",
            MessageKind::Location => "location",
            MessageKind::Contact => "contact",
            MessageKind::Other => "other",
        }
    }

    pub fn parse(input: &str) -> Self {
        use MessageKind::*;
        [Text, Image, Video, Audio, Document, Sticker, Location, Contact]
            .into_iter()
            .find(|k| k.as_str() == input)
            .unwrap_or(Other)
    }
}

/// A message's status. Outbound: queued → sending → sent → delivered → read, or failed.
/// Inbound messages are `received` (and `read` once read here).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MessageStatus {
    Queued,
    Sending,
    Sent,
    Delivered,
    Read,
    Failed,
    Received,
    /// Withdrawn before it was sent.
    Cancelled,
}

impl MessageStatus {
    pub const ALL: [MessageStatus; 8] = [
        MessageStatus::Queued,
        MessageStatus::Sending,
        MessageStatus::Sent,
        MessageStatus::Delivered,
        MessageStatus::Read,
        MessageStatus::Failed,
        MessageStatus::Received,
        MessageStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MessageStatus::Queued => "queued",
            MessageStatus::Sending => "sending",
            MessageStatus::Sent => "sent",
            MessageStatus::Delivered => "delivered",
            MessageStatus::Read => "read",
            MessageStatus::Failed => "failed",
            MessageStatus::Received => "received",
            MessageStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(input: &str) -> Result<Self, InputError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == input)
            .ok_or_else(|| InputError::new(format!("\"{input}\" is not a message status.")))
    }

    /// Statuses few messages have at any time, indexed on their own (`messages_unfinished`).
    pub fn is_unfinished(self) -> bool {
        matches!(
            self,
            MessageStatus::Queued | MessageStatus::Sending | MessageStatus::Failed | MessageStatus::Cancelled
        )
    }

    /// Order used to keep statuses monotonic: a receipt may only move a message to a higher rank.
    /// `failed` ranks below `delivered`: a failure report after delivery is stale; before, it is news.
    pub fn rank(self) -> i64 {
        match self {
            MessageStatus::Queued | MessageStatus::Cancelled => 0,
            MessageStatus::Sending => 1,
            MessageStatus::Received => 1,
            MessageStatus::Sent => 2,
            MessageStatus::Failed => 3,
            MessageStatus::Delivered => 4,
            MessageStatus::Read => 5,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_and_rank_forward() {
        for status in MessageStatus::ALL {
            assert_eq!(MessageStatus::parse(status.as_str()), Ok(status));
        }
        assert!(MessageStatus::Read.rank() > MessageStatus::Delivered.rank());
        assert!(MessageStatus::Delivered.rank() > MessageStatus::Failed.rank());
        assert!(MessageStatus::Failed.rank() > MessageStatus::Sent.rank());
        assert!(MessageStatus::Sent.rank() > MessageStatus::Sending.rank());
    }
}
