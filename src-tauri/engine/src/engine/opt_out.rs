//! Opting out by message: a customer whose whole message is one of the opt-out words (SAIR,
//! PARAR, STOP, BAJA, …, set in Settings) is marked opted out, every message still queued for them
//! is withdrawn, and the confirmation Settings holds, if any, is sent to them once.

use super::{Engine, SendRequest};
use crate::domain::{InstanceId, Jid, JidKind};
use crate::error::EngineError;
use crate::events::EngineEvent;
use unicode_normalization::UnicodeNormalization;

/// Who sent the confirmation, in the log.
const SOURCE_OPT_OUT: &str = "opt-out";

/// A message or a word as they are compared: without the spaces and punctuation around it,
/// accents or case, so "  Sair! " and "sáir" read as SAIR.
pub(super) fn folded(text: &str) -> String {
    text.trim_matches(|c: char| c.is_whitespace() || c.is_ascii_punctuation() || "¡¿…".contains(c))
        .nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_uppercase)
        .collect()
}

/// Whether a message's whole text is one of the opt-out words.
pub fn is_opt_out(text: &str, words: &[String]) -> bool {
    let text = folded(text);
    !text.is_empty() && words.iter().any(|word| folded(word) == text)
}

impl Engine {
    /// Acts on an inbound message that may be an opt-out (`record_reported` calls this for each
    /// new one). Groups never opt anyone out.
    pub(super) async fn opt_out_by_message(
        &self,
        instance_id: &InstanceId,
        chat: &Jid,
        text: &str,
        provider_message_id: &str,
    ) -> Result<(), EngineError> {
        if chat.kind() == JidKind::Group {
            return Ok(());
        }
        let settings = self.settings().await?;
        if !is_opt_out(text, &settings.opt_out_words) {
            return Ok(());
        }
        let jid = chat.to_string();
        let now = self.now();
        // The confirmation goes first: once opted out, nothing more may be sent to them.
        let newly = self.inner.store.opted_out_at(&jid).await?.is_none();
        if newly {
            if let Some(reply) = settings.opt_out_reply.filter(|r| !r.trim().is_empty()) {
                let request = SendRequest {
                    instance_id: instance_id.clone(),
                    to: jid.clone(),
                    content: super::ComposeContent::Text {
                        text: reply,
                        reply_to: None,
                    },
                    scheduled_at: None,
                    // Keyed by the message that opted out: a redelivery of it confirms nothing
                    // more, a later opt-out (after a person cleared this one) is confirmed again.
                    idempotency_key: Some(format!("opt-out:{provider_message_id}")),
                    // Each confirmation answers its own opt-out.
                    allow_repeat: true,
                };
                if let Err(error) = self.accept(request, SOURCE_OPT_OUT, None).await {
                    tracing::warn!(instance = %instance_id, %error, "opt-out confirmation not queued");
                }
            }
        }
        self.inner.store.opt_out(&jid, now).await?;
        for (message_id, owner) in self
            .inner
            .store
            .withdraw_queued_messages_to(&jid, SOURCE_OPT_OUT, now)
            .await?
        {
            self.emit(EngineEvent::MessageStatusChanged {
                instance_id: owner,
                message_id,
                status: crate::domain::MessageStatus::Cancelled,
            });
        }
        tracing::info!(instance = %instance_id, "a contact opted out by message");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::DEFAULT_OPT_OUT_WORDS;

    fn defaults() -> Vec<String> {
        DEFAULT_OPT_OUT_WORDS.iter().map(|w| (*w).to_owned()).collect()
    }

    #[test]
    fn a_whole_message_of_one_word_opts_out_whatever_its_case_accents_and_spaces() {
        let words = defaults();
        for text in [
            "SAIR", "sair", "  Sair! ", "sáir", "Baja.", "stop", "¡BAJA!", "Berhenti", "salir",
        ] {
            assert!(is_opt_out(text, &words), "{text}");
        }
        for text in [
            "",
            "   ",
            "quero sair do grupo",
            "STOP!!! não",
            "sairia",
            "Parar?? quando chega",
        ] {
            assert!(!is_opt_out(text, &words), "{text}");
        }
        let own = vec!["Não quero".to_owned()];
        assert!(is_opt_out("nao QUERO", &own));
        assert!(!is_opt_out("SAIR", &own), "only the words set");
    }
}
