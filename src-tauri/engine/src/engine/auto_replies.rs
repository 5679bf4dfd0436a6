//! Replies that answer themselves: each number's rules (words a message contains, equals or
//! starts with; an away message outside business hours; a greeting for a contact's first message),
//! tried in the person's order on every new incoming message. The first enabled rule that matches
//! answers, through the outbox and its pacing, marked `auto-reply` in the log. Never in groups
//! unless the rule says so, never to the number's own messages, never to another number this
//! Switchboard runs (two numbers answering each other would loop), never to a contact who opted out.

use super::opt_out::folded;
use super::{ComposeContent, Engine, SendRequest};
use crate::domain::{InputError, InstanceId, Jid, JidKind};
use crate::error::EngineError;
use crate::limits::LIMITS;
use crate::store::{AutoReply, AutoReplyRule, BusinessHours, Millis, ReplyTrigger};
use chrono::{Datelike, TimeZone, Timelike};
use serde::{Deserialize, Serialize};

/// Who sent a reply, in the log.
pub const SOURCE_AUTO_REPLY: &str = "auto-reply";
/// A message older than this when it reaches Switchboard (one caught up after a day offline) is
/// not answered: a reply hours late answers nothing.
const FRESH_FOR_MILLIS: Millis = 60 * 60_000;

/// A message typed into the rule tester.
#[derive(Debug, Clone, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AutoReplyTrial {
    pub text: String,
    /// When it would arrive (default: now).
    pub at: Option<Millis>,
    /// As the contact's first message ever.
    #[serde(default)]
    pub first_message: bool,
    /// As a message in a group.
    #[serde(default)]
    pub in_group: bool,
}

/// Which rule would answer, and with what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AutoReplyVerdict {
    pub rule_id: Option<i64>,
    pub reply: Option<String>,
    /// In words: which rule and why, or why none.
    pub explanation: String,
}

/// What an incoming message is, for the rules.
struct Incoming<'a> {
    text: &'a str,
    at: Millis,
    first_message: bool,
    in_group: bool,
}

/// Minutes since midnight of `HH:MM` (24:00 allowed as the end of a day).
fn minute_of(time: &str) -> Option<u32> {
    let (hours, minutes) = time.trim().split_once(':')?;
    let (hours, minutes): (u32, u32) = (hours.parse().ok()?, minutes.parse().ok()?);
    let valid = minutes < 60 && (hours < 24 || (hours == 24 && minutes == 0));
    valid.then_some(hours * 60 + minutes)
}

/// Whether the business is open at `at`, in its own time zone. An opening whose closing time is at
/// or before its opening time runs past midnight into the next day.
pub fn is_open(hours: &BusinessHours, at: Millis) -> bool {
    let Ok(zone) = hours.time_zone.parse::<chrono_tz::Tz>() else {
        return false;
    };
    let Some(local) = chrono::Utc
        .timestamp_millis_opt(at)
        .single()
        .map(|t| t.with_timezone(&zone))
    else {
        return false;
    };
    let weekday = local.weekday().number_from_monday() as u8;
    let yesterday = if weekday == 1 { 7 } else { weekday - 1 };
    let minute = local.hour() * 60 + local.minute();
    hours.days.iter().any(|day| {
        let (Some(opens), Some(closes)) = (minute_of(&day.opens), minute_of(&day.closes)) else {
            return false;
        };
        let overnight = closes <= opens;
        (day.weekday == weekday && minute >= opens && (overnight || minute < closes))
            || (day.weekday == yesterday && overnight && minute < closes)
    })
}

/// Whether a rule's own condition holds for a message (the once-per-contact limit aside).
fn matches(rule: &AutoReplyRule, message: &Incoming<'_>) -> bool {
    if !rule.enabled || (message.in_group && !rule.in_groups) {
        return false;
    }
    let words = || folded(rule.pattern.as_deref().unwrap_or_default());
    let text = || folded(message.text);
    match rule.trigger {
        ReplyTrigger::Contains => !words().is_empty() && text().contains(&words()),
        ReplyTrigger::Equals => !words().is_empty() && text() == words(),
        ReplyTrigger::StartsWith => !words().is_empty() && text().starts_with(&words()),
        ReplyTrigger::Away => rule
            .hours
            .as_ref()
            .is_some_and(|hours| !is_open(hours, message.at)),
        ReplyTrigger::Greeting => message.first_message,
    }
}

fn describe(rule: &AutoReply) -> String {
    let n = rule.position + 1;
    match rule.rule.trigger {
        ReplyTrigger::Contains => format!(
            "Rule {n} (contains “{}”)",
            rule.rule.pattern.as_deref().unwrap_or_default()
        ),
        ReplyTrigger::Equals => format!(
            "Rule {n} (is “{}”)",
            rule.rule.pattern.as_deref().unwrap_or_default()
        ),
        ReplyTrigger::StartsWith => {
            format!(
                "Rule {n} (starts with “{}”)",
                rule.rule.pattern.as_deref().unwrap_or_default()
            )
        }
        ReplyTrigger::Away => format!("Rule {n} (away message: outside business hours)"),
        ReplyTrigger::Greeting => format!("Rule {n} (greeting: a first message)"),
    }
}

fn check_rule(rule: &AutoReplyRule) -> Result<(), InputError> {
    let pattern = rule.pattern.as_deref().map(str::trim).unwrap_or_default();
    if rule.trigger.has_words() && folded(pattern).is_empty() {
        return Err(InputError::new(
            "Write the words the message should contain, be or start with.",
        ));
    }
    if pattern.chars().count() > LIMITS.max_auto_reply_pattern_chars {
        return Err(InputError::new(format!(
            "The words can have at most {} characters.",
            LIMITS.max_auto_reply_pattern_chars
        )));
    }
    if rule.reply.trim().is_empty() && rule.media.is_none() {
        return Err(InputError::new("Write the reply, or choose a file to send."));
    }
    if rule.reply.chars().count() > LIMITS.max_text_chars {
        return Err(InputError::new(format!(
            "A reply can have at most {} characters.",
            LIMITS.max_text_chars
        )));
    }
    if rule.once_per_hours > LIMITS.max_repeat_window_hours {
        return Err(InputError::new(format!(
            "Answer the same contact at most once per 0 to {} hours.",
            LIMITS.max_repeat_window_hours
        )));
    }
    if let Some(media) = &rule.media {
        if !std::path::Path::new(&media.path).is_file() {
            return Err(InputError::new(format!(
                "{} is not a file on this computer.",
                media.path
            )));
        }
    }
    match (&rule.hours, rule.trigger) {
        (None, ReplyTrigger::Away) => Err(InputError::new(
            "Give the business hours the away message answers outside of.",
        )),
        (Some(hours), _) => {
            if hours.time_zone.parse::<chrono_tz::Tz>().is_err() {
                return Err(InputError::new(format!(
                    "\"{}\" is not a time zone; choose one like America/Sao_Paulo.",
                    hours.time_zone
                )));
            }
            for day in &hours.days {
                if !(1..=7).contains(&day.weekday) {
                    return Err(InputError::new("Weekdays go from 1 (Monday) to 7 (Sunday)."));
                }
                match (minute_of(&day.opens), minute_of(&day.closes)) {
                    (Some(opens), Some(closes)) if opens != closes => {}
                    (Some(_), Some(_)) => {
                        return Err(InputError::new(
                            "An opening needs a closing time different from its opening time.",
                        ))
                    }
                    _ => {
                        return Err(InputError::new(
                            "Write opening and closing times like 09:00 and 18:30.",
                        ))
                    }
                }
            }
            Ok(())
        }
        (None, _) => Ok(()),
    }
}

impl Engine {
    pub async fn list_auto_replies(&self, instance_id: &InstanceId) -> Result<Vec<AutoReply>, EngineError> {
        self.instance(instance_id).await?;
        Ok(self.inner.store.auto_replies(instance_id).await?)
    }

    /// Adds a rule after the number's others.
    pub async fn create_auto_reply(
        &self,
        instance_id: &InstanceId,
        rule: AutoReplyRule,
    ) -> Result<AutoReply, EngineError> {
        check_rule(&rule)?;
        let existing = self.list_auto_replies(instance_id).await?;
        if existing.len() >= LIMITS.max_auto_replies {
            return Err(InputError::new(format!(
                "A number can have at most {} automatic replies.",
                LIMITS.max_auto_replies
            ))
            .into());
        }
        let id = self
            .inner
            .store
            .insert_auto_reply(instance_id, &rule, self.now())
            .await?;
        self.auto_reply(instance_id, id).await
    }

    pub async fn update_auto_reply(
        &self,
        instance_id: &InstanceId,
        id: i64,
        rule: AutoReplyRule,
    ) -> Result<AutoReply, EngineError> {
        check_rule(&rule)?;
        if !self
            .inner
            .store
            .update_auto_reply(instance_id, id, &rule, self.now())
            .await?
        {
            return Err(EngineError::NotFound("That automatic reply does not exist."));
        }
        self.auto_reply(instance_id, id).await
    }

    pub async fn delete_auto_reply(&self, instance_id: &InstanceId, id: i64) -> Result<(), EngineError> {
        if !self.inner.store.delete_auto_reply(instance_id, id).await? {
            return Err(EngineError::NotFound("That automatic reply does not exist."));
        }
        Ok(())
    }

    /// Moves a rule to `position` (0 first) in the number's order; returns the rules in order.
    pub async fn move_auto_reply(
        &self,
        instance_id: &InstanceId,
        id: i64,
        position: u32,
    ) -> Result<Vec<AutoReply>, EngineError> {
        let mut ids: Vec<i64> = self
            .list_auto_replies(instance_id)
            .await?
            .into_iter()
            .map(|r| r.id)
            .collect();
        let Some(from) = ids.iter().position(|rule| *rule == id) else {
            return Err(EngineError::NotFound("That automatic reply does not exist."));
        };
        ids.remove(from);
        ids.insert((position as usize).min(ids.len()), id);
        self.inner.store.order_auto_replies(instance_id, &ids).await?;
        self.list_auto_replies(instance_id).await
    }

    async fn auto_reply(&self, instance_id: &InstanceId, id: i64) -> Result<AutoReply, EngineError> {
        self.list_auto_replies(instance_id)
            .await?
            .into_iter()
            .find(|rule| rule.id == id)
            .ok_or(EngineError::NotFound("That automatic reply does not exist."))
    }

    /// Which rule would answer a message, for a person trying their rules (the once-per-contact
    /// limit is left aside: it depends on the contact).
    pub async fn test_auto_reply(
        &self,
        instance_id: &InstanceId,
        trial: AutoReplyTrial,
    ) -> Result<AutoReplyVerdict, EngineError> {
        let rules = self.list_auto_replies(instance_id).await?;
        let message = Incoming {
            text: &trial.text,
            at: trial.at.unwrap_or_else(|| self.now()),
            first_message: trial.first_message,
            in_group: trial.in_group,
        };
        Ok(match rules.iter().find(|rule| matches(&rule.rule, &message)) {
            Some(rule) => AutoReplyVerdict {
                rule_id: Some(rule.id),
                reply: Some(rule.rule.reply.clone()),
                explanation: format!("{} answers.", describe(rule)),
            },
            None if rules.iter().all(|rule| !rule.rule.enabled) => AutoReplyVerdict {
                rule_id: None,
                reply: None,
                explanation: "No rule is switched on.".into(),
            },
            None => AutoReplyVerdict {
                rule_id: None,
                reply: None,
                explanation: "No rule matches this message: nothing is sent.".into(),
            },
        })
    }

    /// Answers a new incoming message when one of the number's rules says so (`record_reported`
    /// calls this once per message, after logging it).
    pub(super) async fn answer_automatically(
        &self,
        instance_id: &InstanceId,
        chat: &Jid,
        contact: &Jid,
        text: Option<&str>,
        provider_message_id: &str,
        at: Millis,
    ) -> Result<(), EngineError> {
        if self.now() - at > FRESH_FOR_MILLIS
            || matches!(chat.kind(), JidKind::Broadcast | JidKind::Newsletter)
        {
            return Ok(());
        }
        let rules = self.inner.store.auto_replies(instance_id).await?;
        if rules.iter().all(|rule| !rule.rule.enabled) {
            return Ok(());
        }
        // Another number of this Switchboard answering back would start a loop.
        if let Some(phone) = contact.phone() {
            if self.inner.store.is_own_number(&phone.e164()).await? {
                return Ok(());
            }
        }
        let chat_jid = chat.to_string();
        if self.inner.store.opted_out_at(&chat_jid).await?.is_some() {
            return Ok(());
        }
        let message = Incoming {
            text: text.unwrap_or_default(),
            at,
            first_message: !self
                .inner
                .store
                .has_written_before(instance_id, &chat_jid)
                .await?,
            in_group: chat.kind() == JidKind::Group,
        };
        for rule in rules.iter().filter(|rule| matches(&rule.rule, &message)) {
            let hours = Millis::from(rule.rule.once_per_hours);
            if hours > 0
                && self
                    .inner
                    .store
                    .auto_replied_since(rule.id, &chat_jid, self.now() - hours * 3_600_000)
                    .await?
            {
                continue;
            }
            let content = match &rule.rule.media {
                Some(media) => ComposeContent::Media {
                    kind: media.kind,
                    url: None,
                    path: Some(media.path.clone()),
                    caption: Some(rule.rule.reply.clone()).filter(|c| !c.trim().is_empty()),
                    file_name: None,
                },
                None => ComposeContent::Text {
                    text: rule.rule.reply.clone(),
                    reply_to: None,
                },
            };
            let request = SendRequest {
                instance_id: instance_id.clone(),
                to: chat_jid.clone(),
                content,
                scheduled_at: None,
                // One answer per message, whatever redelivers it.
                idempotency_key: Some(format!("auto-reply:{provider_message_id}")),
                // The once-per-contact limit, not the repeat window, governs how often it answers.
                allow_repeat: true,
            };
            self.accept(request, SOURCE_AUTO_REPLY, None).await?;
            self.inner
                .store
                .note_auto_reply(rule.id, &chat_jid, self.now())
                .await?;
            tracing::info!(instance = %instance_id, rule = rule.id, "answered automatically");
            return Ok(());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::OpenHours;

    /// 2026-12-07 is a Monday.
    fn at(day: u32, hour: u32, minute: u32, zone: &str) -> Millis {
        let zone: chrono_tz::Tz = zone.parse().expect("zone");
        zone.with_ymd_and_hms(2026, 12, day, hour, minute, 0)
            .single()
            .expect("a time")
            .timestamp_millis()
    }

    fn hours(zone: &str, days: &[(u8, &str, &str)]) -> BusinessHours {
        BusinessHours {
            time_zone: zone.into(),
            days: days
                .iter()
                .map(|(weekday, opens, closes)| OpenHours {
                    weekday: *weekday,
                    opens: (*opens).into(),
                    closes: (*closes).into(),
                })
                .collect(),
        }
    }

    fn rule(trigger: ReplyTrigger, pattern: Option<&str>) -> AutoReplyRule {
        AutoReplyRule {
            enabled: true,
            trigger,
            pattern: pattern.map(Into::into),
            reply: "Olá!".into(),
            media: None,
            in_groups: false,
            once_per_hours: 0,
            hours: None,
        }
    }

    fn incoming(text: &str) -> Incoming<'_> {
        Incoming {
            text,
            at: 0,
            first_message: false,
            in_group: false,
        }
    }

    #[test]
    fn business_hours_are_read_in_their_own_time_zone() {
        let shop = hours("America/Sao_Paulo", &[(1, "09:00", "18:00")]);
        assert!(is_open(&shop, at(7, 9, 0, "America/Sao_Paulo")));
        assert!(is_open(&shop, at(7, 17, 59, "America/Sao_Paulo")));
        assert!(
            !is_open(&shop, at(7, 18, 0, "America/Sao_Paulo")),
            "closed at closing time"
        );
        assert!(!is_open(&shop, at(7, 8, 59, "America/Sao_Paulo")));
        assert!(
            !is_open(&shop, at(8, 10, 0, "America/Sao_Paulo")),
            "Tuesday has no opening"
        );
        // 12:00 in Jakarta on Monday is 02:00 in São Paulo: closed there.
        assert!(!is_open(&shop, at(7, 12, 0, "Asia/Jakarta")));
        assert!(
            is_open(&shop, at(7, 12, 0, "Europe/Lisbon")),
            "09:00 in São Paulo"
        );
    }

    #[test]
    fn an_opening_past_midnight_runs_into_the_next_day() {
        // Friday 20:00 to Saturday 02:00, and Sunday from 22:00 into Monday 01:00.
        let bar = hours("Europe/Madrid", &[(5, "20:00", "02:00"), (7, "22:00", "01:00")]);
        let madrid = "Europe/Madrid";
        assert!(is_open(&bar, at(11, 23, 30, madrid)), "Friday night");
        assert!(is_open(&bar, at(12, 1, 59, madrid)), "early Saturday");
        assert!(!is_open(&bar, at(12, 2, 0, madrid)));
        assert!(!is_open(&bar, at(11, 19, 59, madrid)));
        assert!(is_open(&bar, at(13, 23, 0, madrid)), "Sunday night");
        assert!(
            is_open(&bar, at(14, 0, 30, madrid)),
            "Sunday's opening goes on into Monday"
        );
        assert!(!is_open(&bar, at(14, 1, 0, madrid)));
        let all_day = hours(madrid, &[(3, "00:00", "24:00")]);
        assert!(is_open(&all_day, at(9, 0, 0, madrid)));
        assert!(is_open(&all_day, at(9, 23, 59, madrid)));
        assert!(!is_open(&all_day, at(10, 0, 0, madrid)));
    }

    #[test]
    fn each_kind_of_rule_matches_what_it_says() {
        let price = rule(ReplyTrigger::Contains, Some("preço"));
        assert!(matches(&price, &incoming("Qual o PRECO do bolo?")));
        assert!(!matches(&price, &incoming("Qual o valor?")));
        let hours_rule = rule(ReplyTrigger::Equals, Some("horário"));
        assert!(matches(&hours_rule, &incoming("  Horario? ")));
        assert!(!matches(&hours_rule, &incoming("horário de sábado")));
        let order = rule(ReplyTrigger::StartsWith, Some("pedido"));
        assert!(matches(&order, &incoming("Pedido 1042 chegou?")));
        assert!(!matches(&order, &incoming("Meu pedido")));
        let greeting = rule(ReplyTrigger::Greeting, None);
        assert!(!matches(&greeting, &incoming("oi")));
        assert!(matches(
            &greeting,
            &Incoming {
                first_message: true,
                ..incoming("oi")
            }
        ));
        let away = AutoReplyRule {
            hours: Some(hours("America/Sao_Paulo", &[(1, "09:00", "18:00")])),
            ..rule(ReplyTrigger::Away, None)
        };
        let monday_night = Incoming {
            at: at(7, 22, 0, "America/Sao_Paulo"),
            ..incoming("oi")
        };
        assert!(matches(&away, &monday_night));
        assert!(!matches(
            &away,
            &Incoming {
                at: at(7, 10, 0, "America/Sao_Paulo"),
                ..incoming("oi")
            }
        ));
    }

    #[test]
    fn groups_are_answered_only_when_the_rule_says_so_and_a_rule_switched_off_never() {
        let price = rule(ReplyTrigger::Contains, Some("preço"));
        let in_group = Incoming {
            in_group: true,
            ..incoming("preço?")
        };
        assert!(!matches(&price, &in_group));
        assert!(matches(
            &AutoReplyRule {
                in_groups: true,
                ..price.clone()
            },
            &in_group
        ));
        assert!(!matches(
            &AutoReplyRule {
                enabled: false,
                ..price
            },
            &incoming("preço?")
        ));
    }

    #[test]
    fn a_rule_is_refused_with_a_sentence_when_it_cannot_work() {
        assert!(check_rule(&rule(ReplyTrigger::Contains, Some("  "))).is_err());
        assert!(
            check_rule(&rule(ReplyTrigger::Away, None)).is_err(),
            "away needs hours"
        );
        let bad_zone = AutoReplyRule {
            hours: Some(hours("Mars/Olympus", &[])),
            ..rule(ReplyTrigger::Away, None)
        };
        assert!(check_rule(&bad_zone)
            .expect_err("unknown zone")
            .0
            .contains("time zone"));
        let bad_time = AutoReplyRule {
            hours: Some(hours("UTC", &[(1, "9h", "18:00")])),
            ..rule(ReplyTrigger::Away, None)
        };
        assert!(check_rule(&bad_time).is_err());
        let empty = AutoReplyRule {
            reply: " ".into(),
            ..rule(ReplyTrigger::Greeting, None)
        };
        assert!(check_rule(&empty).is_err());
        assert!(check_rule(&rule(ReplyTrigger::Greeting, None)).is_ok());
    }
}
