//! The sending guard: signs that WhatsApp is pushing back on a number (a restriction error, a run
//! of failures to different recipients, a logout or suspension right after sending) pause that
//! number's outbox, and its running campaigns with it, until a person resumes. Which signs pause,
//! and after how many, is each number's own setting; what the guard saw is said in words, on the
//! number's page, in a notification and over the API. Also here: the warm-up that raises a new
//! number's daily limit over its first weeks, and the hold on repeated texts.

use super::{lock, Engine, PauseReason};
use crate::domain::{InputError, InstanceId, InstanceStatus, Jid, OutgoingContent};
use crate::error::EngineError;
use crate::events::EngineEvent;
use crate::provider::ProviderError;
use crate::store::{Guard, GuardRules, Millis, Pacing, PushBackSignal, SendingPause, WarmUp};
use serde::Serialize;

/// A logout or suspension this soon after a send counts as a reaction to the sending.
pub const LOGOUT_AFTER_SEND_MILLIS: Millis = 10 * 60_000;
/// The most failures in a row a rule may wait for: more would never pause a real campaign in time.
const MOST_FAILURES_IN_A_ROW: u32 = 100;

/// A warm-up's daily limits when none are given: two weeks from 20 to 400 messages a day, after
/// which the number's own daily quota applies.
pub const DEFAULT_WARM_UP: [u32; 14] = [20, 30, 40, 50, 60, 80, 100, 120, 150, 180, 220, 260, 320, 400];
/// The longest warm-up, in days.
const MOST_WARM_UP_DAYS: usize = 90;

/// Where a number is in its warm-up, for "day 3 of 14: 40 messages today".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WarmUpToday {
    /// Today is this day of the warm-up, from 1; past the last day, the warm-up is over.
    pub day: u32,
    pub days: u32,
    /// Today's limit: the warm-up's, or the daily quota once it is lower or the warm-up is over.
    pub limit_today: u32,
    /// Every day's limit, the first day first.
    pub daily_limits: Vec<u32>,
}

impl WarmUpToday {
    pub(super) fn of(warm_up: &WarmUp, today: &str, daily_quota: u32) -> Self {
        let parse = |day: &str| chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").ok();
        let elapsed = match (parse(&warm_up.started_on), parse(today)) {
            (Some(start), Some(today)) => (today - start).num_days().max(0),
            _ => 0,
        };
        let index = usize::try_from(elapsed).unwrap_or(usize::MAX);
        let limit = warm_up.daily_limits.get(index).copied().unwrap_or(daily_quota);
        WarmUpToday {
            day: u32::try_from(elapsed + 1).unwrap_or(u32::MAX),
            days: u32::try_from(warm_up.daily_limits.len()).unwrap_or(u32::MAX),
            limit_today: limit.min(daily_quota),
            daily_limits: warm_up.daily_limits.clone(),
        }
    }

    /// Whether the warm-up still limits sending.
    pub fn active(&self) -> bool {
        self.day <= self.days
    }
}

/// The signs counted since a number's last good send. Kept in memory: a restart starts the count
/// afresh, while a pause, once taken, is in the database.
#[derive(Debug, Default)]
pub(super) struct PushBackCount {
    restrictions: u32,
    /// The different recipients whose sends failed in a row.
    failed_recipients: Vec<String>,
    /// When the number last handed a message to its provider.
    last_send: Option<Millis>,
}

/// How a number's sending is doing today, for its page's health panel and the API.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SendingHealth {
    /// Today, local time (`YYYY-MM-DD`).
    pub day: String,
    /// Handed to WhatsApp today.
    pub sent: i64,
    /// Failed today.
    pub failed: i64,
    /// Refused before they were queued today (opted out, a closed reply window, …).
    pub refused: i64,
    pub pacing: Pacing,
    pub rules: GuardRules,
    /// The guard's pause, while it lasts.
    pub paused: Option<SendingPause>,
    /// The number's warm-up, when it has one.
    pub warm_up: Option<WarmUpToday>,
    /// Why queued messages are not going out right now, if they are not.
    pub held: Option<PauseReason>,
}

/// What decides whether a number may send right now: its guard, its pace and quota, its warm-up
/// and how much it sent today. The outbox step and the health panel read it the same way.
pub(super) struct SendingState {
    pub guard: Guard,
    pub pacing: Pacing,
    pub warm_up: Option<WarmUpToday>,
    pub sent_today: i64,
}

impl SendingState {
    /// Why queued messages cannot go out now: a pause, no connection, quiet hours, the day's
    /// quota or warm-up limit used up. `None` when they can.
    pub fn held(&self, status: InstanceStatus, now: Millis) -> Option<PauseReason> {
        let warming = self
            .warm_up
            .as_ref()
            .is_some_and(|w| w.active() && self.sent_today >= i64::from(w.limit_today));
        if self.guard.pause.is_some() {
            Some(PauseReason::PushedBack)
        } else if status != InstanceStatus::Connected {
            Some(PauseReason::NotConnected)
        } else if self.pacing.is_quiet(crate::clock::local(now).minute_of_day) {
            Some(PauseReason::QuietHours)
        } else if self.sent_today >= i64::from(self.pacing.daily_quota) {
            Some(PauseReason::DailyQuota)
        } else if warming {
            Some(PauseReason::WarmUpLimit)
        } else {
            None
        }
    }
}

impl Engine {
    pub(super) async fn sending_state(
        &self,
        id: &InstanceId,
        day: &str,
    ) -> Result<SendingState, EngineError> {
        let store = &self.inner.store;
        let pacing = store.pacing(id).await?;
        let warm_up = store
            .warm_up(id)
            .await?
            .map(|warm_up| WarmUpToday::of(&warm_up, day, pacing.daily_quota));
        Ok(SendingState {
            guard: store.guard(id).await?,
            pacing,
            warm_up,
            sent_today: store.sent_on(id, day).await?,
        })
    }

    pub async fn sending_health(&self, id: &InstanceId) -> Result<SendingHealth, EngineError> {
        let instance = self.instance(id).await?;
        let now = self.now();
        let day = crate::clock::local(now).day;
        let state = self.sending_state(id, &day).await?;
        let held = state.held(instance.status, now);
        let today = self
            .inner
            .store
            .daily_stats(Some(id), &day, &day)
            .await?
            .into_iter()
            .next();
        Ok(SendingHealth {
            day,
            sent: state.sent_today,
            failed: today.as_ref().map_or(0, |t| t.failed),
            refused: today.as_ref().map_or(0, |t| t.refused),
            pacing: state.pacing,
            rules: state.guard.rules,
            paused: state.guard.pause,
            warm_up: state.warm_up,
            held,
        })
    }

    /// Starts, changes or ends a number's warm-up. Empty limits take the default two weeks; a
    /// change keeps the day it started on.
    pub async fn set_warm_up(
        &self,
        id: &InstanceId,
        daily_limits: Option<Vec<u32>>,
    ) -> Result<SendingHealth, EngineError> {
        self.instance(id).await?;
        let store = &self.inner.store;
        let warm_up = match daily_limits {
            None => None,
            Some(limits) => {
                let limits = if limits.is_empty() {
                    DEFAULT_WARM_UP.to_vec()
                } else {
                    limits
                };
                if limits.len() > MOST_WARM_UP_DAYS || limits.contains(&0) {
                    return Err(InputError::new(format!(
                        "A warm-up has 1 to {MOST_WARM_UP_DAYS} days, each allowing at least one message."
                    ))
                    .into());
                }
                let started_on = match store.warm_up(id).await? {
                    Some(earlier) => earlier.started_on,
                    None => crate::clock::local(self.now()).day,
                };
                Some(WarmUp {
                    started_on,
                    daily_limits: limits,
                })
            }
        };
        store.set_warm_up(id, warm_up.as_ref()).await?;
        self.wake_outbox(id);
        self.sending_health(id).await
    }

    pub async fn set_guard_rules(
        &self,
        id: &InstanceId,
        rules: GuardRules,
    ) -> Result<GuardRules, EngineError> {
        self.instance(id).await?;
        if rules.failures_in_a_row > MOST_FAILURES_IN_A_ROW
            || rules.restriction_errors > MOST_FAILURES_IN_A_ROW
        {
            return Err(InputError::new(format!(
                "Pause after at most {MOST_FAILURES_IN_A_ROW} signs; 0 turns a sign off."
            ))
            .into());
        }
        self.inner.store.set_guard_rules(id, &rules).await?;
        Ok(rules)
    }

    /// A person resumes a paused number: its queue and the campaigns the pause held go on.
    pub async fn resume_sending(&self, id: &InstanceId) -> Result<SendingHealth, EngineError> {
        self.instance(id).await?;
        let Some(campaigns) = self.inner.store.resume_sending(id, self.now()).await? else {
            return Err(EngineError::Conflict(
                "This number's sending is not paused.".into(),
            ));
        };
        tracing::info!(instance = %id, "sending resumed by a person");
        lock(&self.inner.push_back).remove(id);
        for campaign_id in campaigns {
            self.emit(EngineEvent::CampaignChanged { campaign_id });
        }
        self.emit(EngineEvent::InstancesChanged);
        self.wake_outbox(id);
        self.sending_health(id).await
    }

    /// A check before queueing, whose refusal is counted in today's figures; counting never
    /// changes the answer.
    pub(super) async fn counted(
        &self,
        id: &InstanceId,
        check: Result<(), EngineError>,
    ) -> Result<(), EngineError> {
        if check.is_err() {
            let day = crate::clock::local(self.now()).day;
            if let Err(error) = self.inner.store.count_refused(id, &day).await {
                // An unknown number, most likely: the refusal stands on its own.
                tracing::debug!(instance = %id, %error, "refusal not counted");
            }
        }
        check
    }

    /// Refuses a text that went to the same person within the repeat window (Settings): the same
    /// words twice in a day are a ban signal and rarely what a person meant.
    /// The same request again under its idempotency key is no repeat: it returns the first message.
    pub(super) async fn check_not_repeated(
        &self,
        instance_id: &InstanceId,
        to: &Jid,
        content: &OutgoingContent,
        source: &str,
        key: Option<&str>,
    ) -> Result<(), EngineError> {
        let OutgoingContent::Text { text, .. } = content else {
            return Ok(());
        };
        let hours = self.settings().await?.repeat_window_hours;
        if hours == 0 {
            return Ok(());
        }
        let since = self.now() - Millis::from(hours) * 3_600_000;
        let chat = to.to_string();
        match self
            .inner
            .store
            .same_text_sent(instance_id, &chat, text, since)
            .await?
        {
            Some(earlier)
                if key.is_some() && earlier.source == source && earlier.idempotency_key.as_deref() == key =>
            {
                Ok(())
            }
            Some(earlier) => Err(EngineError::Repeated {
                contact: to.phone().map_or_else(|| to.to_string(), |p| p.formatted()),
                earlier: earlier.id,
                at: earlier.created_at,
            }),
            None => Ok(()),
        }
    }

    /// The number handed a message to its provider just now.
    pub(super) fn note_send_attempt(&self, id: &InstanceId) {
        let now = self.now();
        lock(&self.inner.push_back)
            .entry(id.clone())
            .or_default()
            .last_send = Some(now);
    }

    /// A send went through: the signs counted so far are forgotten.
    pub(super) fn note_send_went_through(&self, id: &InstanceId) {
        if let Some(count) = lock(&self.inner.push_back).get_mut(id) {
            count.restrictions = 0;
            count.failed_recipients.clear();
        }
    }

    /// A send its provider refused. Pauses the number when the guard's rules say this was one
    /// sign too many; returns whether the number is paused now.
    pub(super) async fn note_send_refused(
        &self,
        id: &InstanceId,
        recipient: &str,
        error: &ProviderError,
    ) -> Result<bool, EngineError> {
        let rules = self.inner.store.guard(id).await?.rules;
        let reason = {
            let mut counts = lock(&self.inner.push_back);
            let count = counts.entry(id.clone()).or_default();
            match error {
                ProviderError::Restricted { sentence, .. } => {
                    count.restrictions += 1;
                    (rules.restriction_errors > 0 && count.restrictions >= rules.restriction_errors).then(
                        || {
                            (
                                PushBackSignal::Restriction,
                                format!("WhatsApp refused a send because of the number itself: {sentence}"),
                            )
                        },
                    )
                }
                error if error.is_recipient_failure() => {
                    if !count.failed_recipients.iter().any(|r| r == recipient) {
                        count.failed_recipients.push(recipient.to_owned());
                    }
                    let run = u32::try_from(count.failed_recipients.len()).unwrap_or(u32::MAX);
                    (rules.failures_in_a_row > 0 && run >= rules.failures_in_a_row).then(|| {
                        (
                            PushBackSignal::FailureRun,
                            format!(
                                "The last {run} sends failed, each to a different person: WhatsApp may be limiting this number."
                            ),
                        )
                    })
                }
                _ => None,
            }
        };
        match reason {
            Some((signal, reason)) => self.pause_sending(id, signal, &reason).await,
            None => Ok(false),
        }
    }

    /// The number's status moved from `from` to `to`: a restriction or suspension, or a logout
    /// soon after a send, pauses its sending when its guard says so.
    pub(super) async fn note_status_change(
        &self,
        id: &InstanceId,
        from: InstanceStatus,
        to: InstanceStatus,
        reason: Option<&str>,
    ) -> Result<(), EngineError> {
        if from == to {
            return Ok(());
        }
        let rules = self.inner.store.guard(id).await?.rules;
        let seen = reason.unwrap_or("");
        let pause = match to {
            InstanceStatus::Suspended | InstanceStatus::Restricted if rules.restriction_errors > 0 => Some((
                PushBackSignal::Restriction,
                format!("WhatsApp restricted or suspended this number. {seen}"),
            )),
            InstanceStatus::LoggedOut | InstanceStatus::Suspended | InstanceStatus::Restricted
                if rules.logout_after_send =>
            {
                let last_send = lock(&self.inner.push_back).get(id).and_then(|c| c.last_send);
                let recent = last_send.is_some_and(|at| self.now() - at <= LOGOUT_AFTER_SEND_MILLIS);
                recent.then(|| {
                    (
                        PushBackSignal::LogoutAfterSend,
                        format!("The number was logged out minutes after sending. {seen}"),
                    )
                })
            }
            _ => None,
        };
        if let Some((signal, reason)) = pause {
            self.pause_sending(id, signal, reason.trim_end()).await?;
        }
        Ok(())
    }

    /// A person logged the number out on purpose: that is not WhatsApp pushing back.
    pub(super) fn forget_last_send(&self, id: &InstanceId) {
        if let Some(count) = lock(&self.inner.push_back).get_mut(id) {
            count.last_send = None;
        }
    }

    async fn pause_sending(
        &self,
        id: &InstanceId,
        signal: PushBackSignal,
        reason: &str,
    ) -> Result<bool, EngineError> {
        let Some(campaigns) = self
            .inner
            .store
            .pause_sending(id, signal, reason, self.now())
            .await?
        else {
            return Ok(true);
        };
        tracing::warn!(instance = %id, ?signal, reason, "sending paused: WhatsApp is pushing back");
        self.emit(EngineEvent::SendingPaused {
            instance_id: id.clone(),
            reason: reason.to_owned(),
        });
        for campaign_id in campaigns {
            self.emit(EngineEvent::CampaignChanged { campaign_id });
        }
        Ok(true)
    }
}
