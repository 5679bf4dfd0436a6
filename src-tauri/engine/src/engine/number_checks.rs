//! "Is it on WhatsApp?": numbers checked through the person's own number before anything is sent
//! to them in bulk, where its provider can tell. Checks wait in a queue per number and leave in
//! batches, paced (`LIMITS.number_check_gap_ms`), because checking thousands of numbers at once
//! is a ban signal too; answers are kept for the days Settings give. A campaign message waits until
//! its number is checked, and one to a number not on WhatsApp is skipped without sending.

use super::{lock, within, Engine};
use crate::domain::{InstanceId, InstanceStatus, Jid, JidKind};
use crate::error::EngineError;
use crate::events::EngineEvent;
use crate::limits::LIMITS;
use crate::provider::ProviderError;
use crate::store::{Millis, NumberCheck};
use serde::Serialize;
use std::collections::HashMap;

/// What is known of whether a number is on WhatsApp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    OnWhatsapp,
    NotOnWhatsapp,
    /// Asked; the answer comes within the check's pace.
    Checking,
    /// This number's provider cannot tell (or the address is a group).
    Unknown,
}

/// The answer for one recipient, for the composer and the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NumberPresence {
    /// The WhatsApp address the number stands for.
    pub jid: String,
    /// How a person reads it (`+55 11 98765-4321`).
    pub display: String,
    pub presence: Presence,
    /// When it was checked, for an answer.
    pub checked_at: Option<Millis>,
}

/// What one check step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberCheckStep {
    /// A batch was answered (or dropped: the provider cannot check).
    Checked { checked: u32, not_on_whatsapp: u32 },
    /// Nothing waits for a check through this number.
    Idle,
    /// The next batch may leave at this time.
    Wait { until: Millis },
    /// Checks go through WhatsApp: they wait for the number to be connected.
    NotConnected,
}

impl Engine {
    /// Checks made since this time are trusted.
    pub(super) async fn checks_fresh_since(&self) -> Result<Millis, EngineError> {
        let days = Millis::from(self.settings().await?.number_check_days);
        Ok(self.now() - days * 86_400_000)
    }

    /// Whether this kind of number can check recipients at all.
    async fn checks_numbers(&self, instance_id: &InstanceId) -> Result<bool, EngineError> {
        let instance = self.instance(instance_id).await?;
        Ok(self.kit(instance.provider)?.traits().checks_numbers)
    }

    /// The checks on record of these addresses, when the instance's provider can check: the
    /// ones without a trusted answer are queued for a check (a campaign's messages to them wait).
    pub(super) async fn known_presence(
        &self,
        instance_id: &InstanceId,
        jids: &[String],
    ) -> Result<Option<HashMap<String, NumberCheck>>, EngineError> {
        if !self.checks_numbers(instance_id).await? {
            return Ok(None);
        }
        let fresh_since = self.checks_fresh_since().await?;
        let store = &self.inner.store;
        let known = store.number_checks(jids, fresh_since).await?;
        let unknown: Vec<String> = jids.iter().filter(|j| !known.contains_key(*j)).cloned().collect();
        if !unknown.is_empty() {
            store
                .request_number_checks(instance_id, &unknown, fresh_since, self.now())
                .await?;
            self.slot(instance_id).check_wake.notify_one();
        }
        Ok(Some(known))
    }

    /// Whether a recipient is on WhatsApp, as far as this number's provider can tell: from a
    /// recent check, or asked now when the pace allows (otherwise `checking`).
    pub async fn check_on_whatsapp(
        &self,
        instance_id: &InstanceId,
        to: &str,
    ) -> Result<NumberPresence, EngineError> {
        let jid = self.recipient(to).await?;
        let display = jid.phone().map_or_else(|| jid.to_string(), |p| p.formatted());
        let address = jid.to_string();
        let answer = |presence, checked_at| NumberPresence {
            jid: address.clone(),
            display: display.clone(),
            presence,
            checked_at,
        };
        if jid.kind() == JidKind::Group {
            return Ok(answer(Presence::Unknown, None));
        }
        let wanted = std::slice::from_ref(&address);
        let Some(known) = self.known_presence(instance_id, wanted).await? else {
            return Ok(answer(Presence::Unknown, None));
        };
        let known = match known.get(&address) {
            Some(check) => Some(*check),
            None => {
                self.number_check_step(instance_id).await?;
                let fresh_since = self.checks_fresh_since().await?;
                let checks = self.inner.store.number_checks(wanted, fresh_since).await?;
                checks.get(&address).copied()
            }
        };
        Ok(match known {
            Some(check) if check.on_whatsapp => answer(Presence::OnWhatsapp, Some(check.checked_at)),
            Some(check) => answer(Presence::NotOnWhatsapp, Some(check.checked_at)),
            None => answer(Presence::Checking, None),
        })
    }

    /// Refuses a message to an address a recent check (or send) found not on WhatsApp.
    pub(super) async fn check_not_known_absent(&self, to: &Jid) -> Result<(), EngineError> {
        if to.kind() == JidKind::Group {
            return Ok(());
        }
        let fresh_since = self.checks_fresh_since().await?;
        match self
            .inner
            .store
            .found_not_on_whatsapp(&to.to_string(), fresh_since)
            .await?
        {
            Some(checked_at) => Err(EngineError::NotOnWhatsApp {
                contact: to.phone().map_or_else(|| to.to_string(), |p| p.formatted()),
                checked_at,
            }),
            None => Ok(()),
        }
    }

    /// Checks the next batch of numbers waiting for a check through an instance, when its pace
    /// allows. One call, at most one batch: the instance's check loop calls this, tests too.
    pub async fn number_check_step(&self, id: &InstanceId) -> Result<NumberCheckStep, EngineError> {
        let slot = self.slot(id);
        // The composer may ask while the loop works: one batch at a time per number.
        let _one_at_a_time = slot.number_check.lock().await;
        let store = &self.inner.store;
        let due = store.due_number_checks(id, LIMITS.number_check_batch).await?;
        if due.is_empty() {
            return Ok(NumberCheckStep::Idle);
        }
        let now = self.now();
        let gate = lock(&self.inner.next_check).get(id).copied().unwrap_or(0);
        if gate > now {
            return Ok(NumberCheckStep::Wait { until: gate });
        }
        let instance = self.instance(id).await?;
        if !self.kit(instance.provider)?.traits().checks_numbers {
            return self.drop_checks(id, &due).await;
        }
        if instance.status != InstanceStatus::Connected {
            return Ok(NumberCheckStep::NotConnected);
        }
        let (mut jids, mut phones, mut unreadable) = (Vec::new(), Vec::new(), Vec::new());
        for jid in due {
            match Jid::parse(&jid).ok().and_then(|j| j.phone()) {
                Some(phone) => {
                    jids.push(jid);
                    phones.push(phone);
                }
                None => unreadable.push(jid),
            }
        }
        if !unreadable.is_empty() {
            store.drop_number_checks(id, &unreadable).await?;
        }
        if phones.is_empty() {
            return Ok(NumberCheckStep::Checked {
                checked: 0,
                not_on_whatsapp: 0,
            });
        }
        let provider = self.provider(&instance).await?;
        lock(&self.inner.next_check).insert(id.clone(), now + Millis::from(LIMITS.number_check_gap_ms));
        let answers = within(
            self.inner.timeouts.state,
            "a number check",
            provider.check_numbers(&phones),
        )
        .await;
        match answers {
            Ok(answers) if answers.len() == jids.len() => {
                let found: Vec<(String, bool)> = jids.into_iter().zip(answers).collect();
                let absent = found.iter().filter(|(_, on)| !on).count() as u32;
                let skipped = store.record_number_checks(id, &found, self.now()).await?;
                for message_id in skipped {
                    self.emit(EngineEvent::MessageStatusChanged {
                        instance_id: id.clone(),
                        message_id,
                        status: crate::domain::MessageStatus::Failed,
                    });
                }
                self.mark_alive(id);
                self.emit(EngineEvent::NumbersChecked {
                    instance_id: id.clone(),
                });
                self.wake_outbox(id);
                tracing::info!(instance = %id, checked = found.len(), absent, "numbers checked");
                Ok(NumberCheckStep::Checked {
                    checked: found.len() as u32,
                    not_on_whatsapp: absent,
                })
            }
            Ok(answers) => {
                tracing::warn!(instance = %id, asked = jids.len(), answered = answers.len(), "number check answered the wrong count; tried again later");
                Ok(NumberCheckStep::Wait {
                    until: now + Millis::from(LIMITS.number_check_gap_ms),
                })
            }
            Err(ProviderError::Unsupported(_)) => self.drop_checks(id, &jids).await,
            // Kept in the queue: tried again at the next pace (the messages waiting for them too).
            Err(error) => {
                tracing::info!(instance = %id, %error, "number check failed; tried again later");
                Ok(NumberCheckStep::Wait {
                    until: now + Millis::from(LIMITS.number_check_gap_ms),
                })
            }
        }
    }

    /// The provider cannot check: the numbers leave the queue unanswered, and what waited for
    /// them goes out as it would have.
    async fn drop_checks(&self, id: &InstanceId, jids: &[String]) -> Result<NumberCheckStep, EngineError> {
        self.inner.store.drop_number_checks(id, jids).await?;
        self.wake_outbox(id);
        Ok(NumberCheckStep::Checked {
            checked: 0,
            not_on_whatsapp: 0,
        })
    }
}
