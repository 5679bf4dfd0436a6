//! Bulk sends: recipients from CSV (a phone column plus any others), a template with `{{column}}`
//! placeholders and `{Olá|Oi}` alternatives (see `wording`), a preview, and a campaign whose messages all enter the outbox in one transaction
//! and leave through the same pacing. Rows that cannot become a message are reported by line.

use super::wording::Wording;
use super::Engine;
use crate::domain::{checked_text, InputError, InstanceId, Jid, PhoneError, PhoneNumber, Region};
use crate::error::EngineError;
use crate::events::EngineEvent;
use crate::store::{Campaign, CampaignState, Millis, NewCampaign, NewOutbound};
use rand::SeedableRng;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CampaignDraft {
    pub instance_id: InstanceId,
    pub name: String,
    /// The CSV file's text: a header row, then one recipient per row.
    pub csv: String,
    /// Instead of a file: every contact with this label (columns `phone` and `name`).
    pub label_id: Option<i64>,
    pub template: String,
    /// Start at this time rather than now.
    pub scheduled_at: Option<Millis>,
}

#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RowProblem {
    /// The line in the file (the header is line 1).
    pub line: u32,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PreviewMessage {
    pub line: u32,
    pub to: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CampaignPreview {
    pub columns: Vec<String>,
    pub phone_column: String,
    /// Rows in the file (not counting the header).
    pub rows: u32,
    pub valid: u32,
    pub problems: Vec<RowProblem>,
    /// The first few messages as they will be sent.
    pub samples: Vec<PreviewMessage>,
    /// How many different texts the template's alternatives make (counted up to a million);
    /// 1 when it has none.
    pub variant_count: u32,
    /// Some of them, for the first recipient: what the alternatives make of one message.
    pub variants: Vec<String>,
    /// Valid rows whose number is still being checked for being on WhatsApp (the checks are
    /// paced; a campaign's messages to them wait for the answer). 0 when the number's provider
    /// cannot check.
    pub unchecked: u32,
    /// Whether the number's provider checks recipients before a campaign sends to them.
    pub checks_numbers: bool,
}

/// Column names taken as the phone number, in this order; otherwise the first column.
const PHONE_COLUMNS: [&str; 8] = [
    "phone",
    "number",
    "whatsapp",
    "telefone",
    "celular",
    "mobile",
    "phone number",
    "tel",
];
/// Column names taken as the person's name, so a skipped row says whose it is ("Carla: no phone
/// number").
const NAME_COLUMNS: [&str; 7] = ["name", "nome", "nombre", "nama", "cliente", "customer", "contact"];
const MAX_CSV_BYTES: usize = 5 * 1024 * 1024;
const PREVIEW_SAMPLES: usize = 5;

struct Recipient {
    line: u32,
    phone: PhoneNumber,
    text: String,
}

struct Parsed {
    wording: Wording,
    /// The first recipient's row, for the preview's variants.
    first_row: Option<csv::StringRecord>,
    columns: Vec<String>,
    phone_column: String,
    rows: u32,
    recipients: Vec<Recipient>,
    problems: Vec<RowProblem>,
    /// Recipients not checked yet, when the provider checks (`None`: it cannot).
    unchecked: Option<u32>,
}

/// The same draft chooses the same alternatives for each row, so its preview shows what its
/// campaign sends; another file or template chooses anew.
fn draft_seed(csv: &str, template: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (csv, template).hash(&mut hasher);
    hasher.finish()
}

/// A reason that stands alone starts with a capital ("No phone number.").
fn capitalised(sentence: &str) -> String {
    let mut chars = sentence.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Reads a campaign's file and fills the template for each row. The alternatives are chosen with
/// `rng`; the engine seeds it from the draft, so that a preview shows what will be sent.
fn parse(
    csv_text: &str,
    template: &str,
    default_region: Option<&Region>,
    rng: &mut impl rand::Rng,
) -> Result<Parsed, InputError> {
    if csv_text.len() > MAX_CSV_BYTES {
        return Err(InputError::new(
            "The file is larger than 5 MB; split it into several campaigns.",
        ));
    }
    // Spreadsheet exports often start with a byte-order mark and, in many countries, use semicolons.
    let text = csv_text.trim_start_matches('\u{feff}');
    let header_line = text.lines().next().unwrap_or_default();
    let delimiter = if header_line.matches(';').count() > header_line.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let columns: Vec<String> = reader
        .headers()
        .map_err(|e| {
            InputError::new(format!(
                "The file's first line cannot be read as CSV headers: {e}."
            ))
        })?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    if columns.iter().all(String::is_empty) {
        return Err(InputError::new(
            "The file is empty: it needs a header row and one row per recipient.",
        ));
    }
    let phone_index = PHONE_COLUMNS
        .iter()
        .find_map(|name| columns.iter().position(|c| c.eq_ignore_ascii_case(name)))
        .unwrap_or(0);
    let name_index = NAME_COLUMNS
        .iter()
        .find_map(|name| columns.iter().position(|c| c.eq_ignore_ascii_case(name)));
    let wording = Wording::compile(template, &columns)?;
    let mut parsed = Parsed {
        wording,
        first_row: None,
        phone_column: columns[phone_index].clone(),
        columns,
        rows: 0,
        recipients: Vec::new(),
        problems: Vec::new(),
        unchecked: None,
    };
    for record in reader.records() {
        parsed.rows += 1;
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                let line = error
                    .position()
                    .map(|p| p.line() as u32)
                    .unwrap_or(parsed.rows + 1);
                parsed.problems.push(RowProblem {
                    line,
                    reason: format!("This line cannot be read as CSV ({error})."),
                });
                continue;
            }
        };
        let line = record
            .position()
            .map(|p| p.line() as u32)
            .unwrap_or(parsed.rows + 1);
        if record.iter().all(|field| field.trim().is_empty()) {
            parsed.problems.push(RowProblem {
                line,
                reason: "Empty row: skipped.".into(),
            });
            continue;
        }
        let phone = match PhoneNumber::parse(record.get(phone_index).unwrap_or(""), default_region) {
            Ok(phone) => phone,
            Err(error) => {
                let reason = match error {
                    PhoneError::Empty => "no phone number.".to_owned(),
                    other => other.to_string(),
                };
                let person = name_index
                    .and_then(|i| record.get(i))
                    .map(str::trim)
                    .filter(|name| !name.is_empty());
                let reason = match person {
                    Some(name) => format!("{name}: {reason}"),
                    None => capitalised(&reason),
                };
                parsed.problems.push(RowProblem { line, reason });
                continue;
            }
        };
        match checked_text(&parsed.wording.render(&record, rng)) {
            Ok(text) => {
                parsed.first_row.get_or_insert_with(|| record.clone());
                parsed.recipients.push(Recipient { line, phone, text });
            }
            Err(error) => parsed.problems.push(RowProblem {
                line,
                reason: format!("The message would be unusable: {}", error.0),
            }),
        }
    }
    Ok(parsed)
}

impl Engine {
    async fn parse_draft(&self, draft: &CampaignDraft) -> Result<Parsed, EngineError> {
        self.instance(&draft.instance_id).await?;
        if draft.template.trim().is_empty() {
            return Err(InputError::new("Write the message template first.").into());
        }
        let default_country = self.settings().await?.default_region;
        let csv = match draft.label_id {
            Some(label_id) => self.label_csv(label_id).await?,
            None => draft.csv.clone(),
        };
        let mut rng = rand::rngs::StdRng::seed_from_u64(draft_seed(&csv, &draft.template));
        let mut parsed = parse(&csv, &draft.template, default_country.as_ref(), &mut rng)?;
        // People who asked not to be messaged are skipped, each with the reason on its line.
        let opted_out = self.inner.store.opted_out_jids().await?;
        let (kept, refused): (Vec<_>, Vec<_>) = std::mem::take(&mut parsed.recipients)
            .into_iter()
            .partition(|r| !opted_out.contains(&Jid::for_phone(&r.phone).to_string()));
        parsed.recipients = kept;
        parsed.problems.extend(refused.into_iter().map(|r| RowProblem {
            line: r.line,
            reason: format!("{} opted out of messages: skipped.", r.phone.formatted()),
        }));
        // The same text to the same person within the repeat window is held, as for one send.
        let hours = self.settings().await?.repeat_window_hours;
        if hours > 0 {
            let since = self.now() - Millis::from(hours) * 3_600_000;
            let mut sent = self.inner.store.texts_sent_since(since).await?;
            let mut kept = Vec::new();
            for recipient in std::mem::take(&mut parsed.recipients) {
                let key = (
                    Jid::for_phone(&recipient.phone).to_string(),
                    recipient.text.clone(),
                );
                match sent.get(&key) {
                    Some(at) => parsed.problems.push(RowProblem {
                        line: recipient.line,
                        reason: format!(
                            "{} got this same text{}: held, so they do not get it twice.",
                            recipient.phone.formatted(),
                            // An earlier row of this file has no time yet.
                            at.map(|at| format!(" on {}", crate::clock::local(at).spoken()))
                                .unwrap_or_default()
                        ),
                    }),
                    None => {
                        // A second row for the same person with the same text is a repeat too.
                        sent.insert(key, None);
                        kept.push(recipient);
                    }
                }
            }
            parsed.recipients = kept;
        }
        self.skip_not_on_whatsapp(&draft.instance_id, &mut parsed).await?;
        parsed.problems.sort_by_key(|p| p.line);
        Ok(parsed)
    }

    /// Skips the rows whose number a recent check found not on WhatsApp, and queues a check of
    /// the numbers not checked yet (the campaign's messages to them wait for it).
    async fn skip_not_on_whatsapp(
        &self,
        instance_id: &InstanceId,
        parsed: &mut Parsed,
    ) -> Result<(), EngineError> {
        let jids: Vec<String> = parsed
            .recipients
            .iter()
            .map(|r| Jid::for_phone(&r.phone).to_string())
            .collect();
        let Some(known) = self.known_presence(instance_id, &jids).await? else {
            return Ok(());
        };
        let mut kept = Vec::new();
        for (recipient, jid) in std::mem::take(&mut parsed.recipients).into_iter().zip(&jids) {
            match known.get(jid) {
                Some(check) if !check.on_whatsapp => parsed.problems.push(RowProblem {
                    line: recipient.line,
                    reason: format!(
                        "{} is not on WhatsApp (checked on {}): skipped.",
                        recipient.phone.formatted(),
                        crate::clock::local(check.checked_at).day
                    ),
                }),
                _ => kept.push(recipient),
            }
        }
        parsed.recipients = kept;
        parsed.unchecked = Some(jids.iter().filter(|j| !known.contains_key(*j)).count() as u32);
        Ok(())
    }

    /// The contacts with a label as campaign rows: `phone,name`.
    async fn label_csv(&self, label_id: i64) -> Result<String, EngineError> {
        let contacts = self.inner.store.contacts_with_label(label_id).await?;
        let mut writer = csv::Writer::from_writer(Vec::new());
        let mut write = |fields: [&str; 2]| {
            writer
                .write_record(fields)
                .map_err(|e| InputError::new(e.to_string()))
        };
        write(["phone", "name"])?;
        for contact in contacts.iter().filter(|c| !c.is_group) {
            let Some(phone) = contact.phone.as_deref() else {
                continue;
            };
            write([
                phone,
                contact
                    .name
                    .as_deref()
                    .or(contact.push_name.as_deref())
                    .unwrap_or(""),
            ])?;
        }
        let bytes = writer.into_inner().map_err(|e| InputError::new(e.to_string()))?;
        if bytes.len() <= "phone,name\n".len() {
            return Err(InputError::new("No contact with that label has a phone number.").into());
        }
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// What a campaign would send, without sending anything.
    pub async fn preview_campaign(&self, draft: CampaignDraft) -> Result<CampaignPreview, EngineError> {
        let parsed = self.parse_draft(&draft).await?;
        let variants = parsed
            .first_row
            .as_ref()
            .map(|row| parsed.wording.variants(row, PREVIEW_SAMPLES))
            .unwrap_or_default();
        Ok(CampaignPreview {
            variant_count: u32::try_from(parsed.wording.variant_count()).unwrap_or(u32::MAX),
            variants,
            samples: parsed
                .recipients
                .iter()
                .take(PREVIEW_SAMPLES)
                .map(|r| PreviewMessage {
                    line: r.line,
                    to: r.phone.e164(),
                    text: r.text.clone(),
                })
                .collect(),
            valid: parsed.recipients.len() as u32,
            unchecked: parsed.unchecked.unwrap_or(0),
            checks_numbers: parsed.unchecked.is_some(),
            columns: parsed.columns,
            phone_column: parsed.phone_column,
            rows: parsed.rows,
            problems: parsed.problems,
        })
    }

    /// Queues every valid row as a message of a new campaign, in one transaction.
    pub async fn create_campaign(&self, draft: CampaignDraft) -> Result<Campaign, EngineError> {
        let name = draft.name.trim();
        if name.is_empty() {
            return Err(InputError::new("Give the campaign a name.").into());
        }
        let parsed = self.parse_draft(&draft).await?;
        if parsed.recipients.is_empty() {
            return Err(
                InputError::new("No row of the file can become a message; see the preview for why.").into(),
            );
        }
        let id = uuid::Uuid::new_v4().to_string();
        let now = self.now();
        // A campaign's messages are plain texts: the outbox sends each one's body.
        let rows: Vec<(String, String, String, String)> = parsed
            .recipients
            .iter()
            .map(|r| {
                (
                    Jid::for_phone(&r.phone).to_string(),
                    r.phone.e164(),
                    r.text.clone(),
                    format!("{id}:{}", r.line),
                )
            })
            .collect();
        let messages: Vec<NewOutbound<'_>> = rows
            .iter()
            .map(|(chat, contact, text, key)| NewOutbound {
                instance_id: &draft.instance_id,
                chat_jid: chat,
                contact,
                kind: crate::domain::MessageKind::Text,
                body: Some(text),
                payload: None,
                scheduled_at: draft.scheduled_at,
                source: "campaign",
                idempotency_key: Some(key),
                campaign_id: Some(&id),
                now,
                quoted_id: None,
            })
            .collect();
        let campaign = NewCampaign {
            id: &id,
            instance_id: &draft.instance_id,
            name,
            template: &draft.template,
            scheduled_at: draft.scheduled_at,
            now,
        };
        self.inner.store.insert_campaign(campaign, &messages).await?;
        tracing::info!(campaign = %id, messages = messages.len(), skipped = parsed.problems.len(), "campaign created");
        self.emit(EngineEvent::CampaignChanged {
            campaign_id: id.clone(),
        });
        self.wake_outbox(&draft.instance_id);
        self.campaign(&id).await
    }

    pub async fn list_campaigns(&self) -> Result<Vec<Campaign>, EngineError> {
        Ok(self.inner.store.campaigns(None).await?)
    }

    pub async fn campaign(&self, id: &str) -> Result<Campaign, EngineError> {
        self.inner
            .store
            .campaigns(Some(id))
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| EngineError::CampaignNotFound(id.to_owned()))
    }

    /// Pauses, resumes or cancels a campaign (cancelling withdraws its queued messages).
    pub async fn set_campaign_state(&self, id: &str, state: CampaignState) -> Result<Campaign, EngineError> {
        let campaign = self.campaign(id).await?;
        if !self.inner.store.set_campaign_state(id, state, self.now()).await? {
            return Err(InputError::new(format!(
                "The campaign \"{}\" was cancelled; it cannot change any more.",
                campaign.name
            ))
            .into());
        }
        self.emit(EngineEvent::CampaignChanged {
            campaign_id: id.to_owned(),
        });
        self.wake_outbox(&campaign.instance_id);
        self.campaign(id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rng() -> rand::rngs::StdRng {
        rand::rngs::StdRng::seed_from_u64(1)
    }

    fn cc() -> Region {
        Region::parse("BR").expect("region")
    }

    #[test]
    fn quotes_bom_semicolons_and_placeholders() {
        let csv = "\u{feff}Nome;Telefone;Pedido\n\"Souza; Maria\";+55 11 90000-0002;1042\nJoão;011 90000-0004;\"10\"\"43\"\n";
        let parsed = parse(
            csv,
            "Olá {{ Nome }}, pedido #{{pedido}}.",
            Some(&cc()),
            &mut rng(),
        )
        .expect("parse");
        assert_eq!(parsed.columns, vec!["Nome", "Telefone", "Pedido"]);
        assert_eq!(parsed.phone_column, "Telefone");
        assert_eq!(parsed.rows, 2);
        assert!(
            parsed.problems.is_empty(),
            "{:?}",
            parsed.problems.iter().map(|p| &p.reason).collect::<Vec<_>>()
        );
        assert_eq!(parsed.recipients[0].text, "Olá Souza; Maria, pedido #1042.");
        assert_eq!(parsed.recipients[0].phone.digits(), "5511900000002");
        assert_eq!(parsed.recipients[1].text, "Olá João, pedido #10\"43.");
        assert_eq!(
            parsed.recipients[1].phone.digits(),
            "5511900000004",
            "local number completed"
        );
    }

    #[test]
    fn bad_numbers_and_empty_rows_are_reported_by_line_not_dropped() {
        let csv = "phone,name\n5511900000002,Ana\n , \n,Bruno\nnot-a-number,Carla\n5511900000005,\n";
        let parsed = parse(csv, "Hi {{name}}", None, &mut rng()).expect("parse");
        let lines: Vec<(u32, &str)> = parsed
            .problems
            .iter()
            .map(|p| (p.line, p.reason.as_str()))
            .collect();
        assert_eq!(parsed.recipients.len(), 2, "{lines:?}");
        assert_eq!(parsed.recipients[0].line, 2);
        assert!(
            lines
                .iter()
                .any(|(line, reason)| *line == 3 && reason.contains("Empty row")),
            "{lines:?}"
        );
        assert!(
            lines
                .iter()
                .any(|(line, reason)| *line == 4 && reason.contains("phone")),
            "{lines:?}"
        );
        assert!(
            lines
                .iter()
                .any(|(line, reason)| *line == 5 && reason.contains("not-a-number")),
            "{lines:?}"
        );
        // A skipped row says whose it is.
        assert!(lines.contains(&(4, "Bruno: no phone number.")), "{lines:?}");
        // Row 6 renders "Hi" (the name is blank) and is still a valid message.
        assert_eq!(parsed.recipients[1].text, "Hi");
    }

    #[test]
    fn unknown_placeholders_and_empty_files_are_refused() {
        let error = parse("phone,name\n5511900000002,Ana\n", "Hi {{nome}}", None, &mut rng())
            .err()
            .expect("unknown column");
        assert!(
            error.0.contains("{{nome}}") && error.0.contains("phone, name"),
            "{error}"
        );
        assert!(parse("", "Hi", None, &mut rng()).is_err());
        assert!(parse("phone\n", "Hi {{phone", None, &mut rng()).is_err());
    }
}
