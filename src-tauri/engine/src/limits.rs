//! The limits the engine holds what people and local apps give it to. The window takes them from
//! here through the generated bindings (`LIMITS`), so its checks and the engine's cannot drift apart;
//! the engine checks every one of them itself, whoever calls.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Limits {
    /// Characters in a text or a caption, counted as Unicode characters (not UTF-16 units).
    pub max_text_chars: usize,
    /// The longest the log may be kept, in days.
    pub max_retention_days: u32,
    /// The lowest port the listener may use (no privileged ports).
    pub min_api_port: u16,
    /// The longest pause between sends, and the most jitter, in milliseconds.
    pub max_pacing_interval_ms: u32,
    /// Characters in an API key's name.
    pub max_key_name_chars: usize,
    /// Characters in the profile name contacts see (WhatsApp's own limit).
    pub max_profile_name_chars: usize,
    /// Characters in the profile's About text (WhatsApp's own limit).
    pub max_profile_about_chars: usize,
    /// The longest the same text to the same person may be held as a repeat, in hours.
    pub max_repeat_window_hours: u32,
    /// The longest a check of whether a number is on WhatsApp is trusted, in days.
    pub max_number_check_days: u32,
    /// Numbers asked about in one check.
    pub number_check_batch: u32,
    /// The least time between two checks through one number, in milliseconds: checking thousands
    /// of numbers at once is itself a sign WhatsApp reads as a spammer's.
    pub number_check_gap_ms: u32,
    /// Automatic replies one number may have.
    pub max_auto_replies: usize,
    /// Characters in the words an automatic reply looks for.
    pub max_auto_reply_pattern_chars: usize,
    /// The Graph API version a Cloud API number uses when none is given.
    pub default_cloud_api_version: &'static str,
}

pub const LIMITS: Limits = Limits {
    max_text_chars: crate::domain::MAX_TEXT_CHARS,
    max_retention_days: 3650,
    min_api_port: 1024,
    max_pacing_interval_ms: 3_600_000,
    max_key_name_chars: 60,
    max_profile_name_chars: 25,
    max_profile_about_chars: 139,
    max_repeat_window_hours: 24 * 30,
    max_number_check_days: 365,
    number_check_batch: 50,
    number_check_gap_ms: 5_000,
    max_auto_replies: 100,
    max_auto_reply_pattern_chars: 200,
    default_cloud_api_version: crate::provider::cloud::DEFAULT_API_VERSION,
};
