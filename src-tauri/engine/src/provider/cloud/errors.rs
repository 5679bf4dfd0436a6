//! Graph API errors, in a person's words. Meta answers errors in one shape (`{"error":{code,
//! message, error_data.details, …}}`), synchronously or later inside a `failed` status; both paths
//! go through `meaning`, so a window that closed reads the same whichever way it was reported.
//! Branches are on `code` (and the token subcodes), never on titles, which Meta rewords.

use crate::provider::ProviderError;
use crate::store::Millis;
use serde::Deserialize;

/// The `error` object of a Graph answer, or one entry of a status's `errors`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct GraphError {
    #[serde(default)]
    pub code: i64,
    #[serde(default)]
    pub error_subcode: Option<i64>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub error_data: Option<ErrorData>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ErrorData {
    #[serde(default)]
    pub details: Option<String>,
}

impl GraphError {
    fn details(&self) -> String {
        self.error_data
            .as_ref()
            .and_then(|d| d.details.clone())
            .or_else(|| self.message.clone())
            .or_else(|| self.title.clone())
            .unwrap_or_default()
    }
}

const SECOND: Millis = 1_000;

/// What a Graph error means. `http` is the answer's status (0 for an error inside a status).
pub fn meaning(error: &GraphError, http: u16) -> ProviderError {
    let refused = |code: &'static str, sentence: String| ProviderError::Refused {
        code,
        sentence: format!("{sentence} (Meta code {})", error.code),
    };
    let throttled = |code: &'static str, sentence: &str, retry_after: Millis| ProviderError::Throttled {
        code,
        sentence: format!("{sentence} (Meta code {})", error.code),
        retry_after,
    };
    let restricted = |code: &'static str, sentence: &str, retry_after: Millis| ProviderError::Restricted {
        code,
        sentence: format!("{sentence} (Meta code {})", error.code),
        retry_after,
    };
    match error.code {
        190 | 104 => {
            let why = match error.error_subcode {
                Some(463) => "it expired",
                Some(460) => "it was invalidated (the password changed or access was removed)",
                _ => "it is not valid",
            };
            refused(
                "token_refused",
                format!("Meta refused the access token: {why}. Make a new system-user token and enter it on this number's page."),
            )
        }
        100 if error.error_subcode == Some(33) => refused(
            "unknown_account",
            "Meta does not know this phone number id or business account id, or the token cannot use it (it may belong to another business account)."
                .into(),
        ),
        131047 => refused(
            "window_closed",
            "More than 24 hours have passed since this customer last wrote: only a template can reach them now.".into(),
        ),
        131026 => refused(
            "undeliverable",
            "WhatsApp could not deliver this message: the number may not be on WhatsApp, use an old app, or not have accepted WhatsApp's terms.".into(),
        ),
        131049 => refused(
            "withheld",
            "Meta held this marketing message back to keep customers' experience healthy; try again later or with another template.".into(),
        ),
        132000 => refused(
            "template_variables",
            format!("The template's variables do not match what it expects: {}", error.details()),
        ),
        132001 => refused(
            "template_missing",
            "That template does not exist in this language, or it is not approved yet.".into(),
        ),
        132015 => refused(
            "template_paused",
            "Meta paused this template because of its quality; send another one.".into(),
        ),
        130429 => throttled(
            "throughput_reached",
            "This number reached Meta's limit of messages per second; Switchboard sends it again shortly.",
            30 * SECOND,
        ),
        131056 => throttled(
            "pair_rate",
            "Too many messages to this customer in a short time; Switchboard waits before sending it again.",
            10 * SECOND,
        ),
        131048 => restricted(
            "spam_rate",
            "Meta is limiting this number because many of its messages were blocked or reported.",
            15 * 60 * SECOND,
        ),
        368 => restricted(
            "temporarily_blocked",
            "Meta temporarily blocked this number for going against its policies.",
            60 * 60 * SECOND,
        ),
        131031 => restricted(
            "account_locked",
            "Meta locked this business account for a policy violation or unverified details; see the WhatsApp Manager.",
            24 * 60 * 60 * SECOND,
        ),
        // Unknown and temporary errors on Meta's side.
        1 | 2 => ProviderError::ServerError(if http >= 500 { http } else { 503 }),
        _ if http >= 500 => ProviderError::ServerError(http),
        code => ProviderError::Rejected(format!("Meta error {code}: {}", error.details())),
    }
}

/// The `(code, sentence)` a failed status is kept with.
pub fn failure(error: &GraphError) -> (String, String) {
    match meaning(error, 0) {
        ProviderError::Refused { code, sentence }
        | ProviderError::Throttled { code, sentence, .. }
        | ProviderError::Restricted { code, sentence, .. } => (code.to_owned(), sentence),
        ProviderError::Rejected(reason) => (
            "rejected".into(),
            format!("WhatsApp refused the message: {reason}"),
        ),
        other => (
            other.code().to_owned(),
            "WhatsApp reported that the message could not be delivered.".into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(name: &str) -> GraphError {
        let path = format!(
            "{}/../../../shared/contracts/cloud/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        let value: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).expect("sample")).expect("json");
        serde_json::from_value(value["error"].clone()).expect("error")
    }

    #[test]
    fn contract_errors_read_as_sentences_with_their_code() {
        let window = meaning(&sample("error-131047.json"), 400);
        assert_eq!(window.code(), "window_closed");
        assert!(!window.is_transient());
        let told = crate::error::ApiError::from(window).message;
        assert!(told.contains("24 hours") && told.contains("131047"), "{told}");

        let rate = meaning(&sample("error-130429.json"), 400);
        assert!(rate.is_transient());
        assert!(matches!(rate, ProviderError::Throttled { retry_after, .. } if retry_after == 30_000));
    }

    #[test]
    fn token_subcodes_say_what_happened() {
        let expired = GraphError {
            code: 190,
            error_subcode: Some(463),
            ..Default::default()
        };
        let told = crate::error::ApiError::from(meaning(&expired, 401)).message;
        assert!(told.contains("expired"), "{told}");
        let missing = GraphError {
            code: 104,
            ..Default::default()
        };
        assert_eq!(meaning(&missing, 400).code(), "token_refused");
    }

    #[test]
    fn throttling_backs_off_by_what_it_means_and_unknown_codes_keep_their_details() {
        let pair = GraphError {
            code: 131056,
            ..Default::default()
        };
        let spam = GraphError {
            code: 131048,
            ..Default::default()
        };
        let wait = |e: ProviderError| match e {
            ProviderError::Throttled { retry_after, .. } | ProviderError::Restricted { retry_after, .. } => {
                retry_after
            }
            other => panic!("{other:?}"),
        };
        assert!(wait(meaning(&spam, 400)) > wait(meaning(&pair, 400)));
        let odd = GraphError {
            code: 131999,
            error_data: Some(ErrorData {
                details: Some("Something new".into()),
            }),
            ..Default::default()
        };
        assert_eq!(
            meaning(&odd, 400),
            ProviderError::Rejected("Meta error 131999: Something new".into())
        );
        assert_eq!(
            meaning(
                &GraphError {
                    code: 2,
                    ..Default::default()
                },
                500
            ),
            ProviderError::ServerError(500)
        );
    }
}
