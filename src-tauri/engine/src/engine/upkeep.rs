//! Pacing settings, statistics, groups, media downloads and the retention job.

use super::Engine;
use crate::domain::{Direction, InputError, InstanceId};
use crate::error::EngineError;
use crate::provider::Group;
use crate::store::{DailyStats, Message, Pacing};
use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase", default)]
pub struct StatsQuery {
    pub instance_id: Option<InstanceId>,
    /// The last this many days, today included (default 30, at most 366).
    pub days: Option<u32>,
}

const MILLIS_PER_DAY: i64 = 86_400_000;

impl Engine {
    pub async fn pacing(&self, id: &InstanceId) -> Result<Pacing, EngineError> {
        self.instance(id).await?;
        Ok(self.inner.store.pacing(id).await?)
    }

    pub async fn set_pacing(&self, id: &InstanceId, pacing: Pacing) -> Result<Pacing, EngineError> {
        self.instance(id).await?;
        if pacing.daily_quota == 0 {
            return Err(InputError::new("The daily quota must allow at least one message.").into());
        }
        let most = crate::limits::LIMITS.max_pacing_interval_ms;
        if pacing.min_interval_ms > most || pacing.jitter_ms > most {
            return Err(InputError::new("Intervals can be at most an hour.").into());
        }
        let minute_ok = |m: Option<u16>| m.is_none_or(|m| m < 24 * 60);
        if !minute_ok(pacing.quiet_start_minute)
            || !minute_ok(pacing.quiet_end_minute)
            || pacing.quiet_start_minute.is_some() != pacing.quiet_end_minute.is_some()
        {
            return Err(
                InputError::new("Quiet hours need both a start and an end time within the day.").into(),
            );
        }
        self.inner.store.set_pacing(id, &pacing).await?;
        self.wake_outbox(id);
        Ok(pacing)
    }

    /// Daily counts per instance, oldest day first.
    pub async fn statistics(&self, query: StatsQuery) -> Result<Vec<DailyStats>, EngineError> {
        let days = i64::from(query.days.unwrap_or(30).clamp(1, 366));
        let now = self.now();
        let from = crate::clock::local_day_offset(now, days - 1);
        let to = crate::clock::local(now).day;
        Ok(self
            .inner
            .store
            .daily_stats(query.instance_id.as_ref(), &from, &to)
            .await?)
    }

    /// The groups the instance's account is in.
    pub async fn list_groups(&self, id: &InstanceId) -> Result<Vec<Group>, EngineError> {
        let instance = self.instance(id).await?;
        Ok(self.provider(&instance).await?.groups().await?)
    }

    /// The number's message templates as last synced.
    pub async fn list_templates(
        &self,
        id: &InstanceId,
    ) -> Result<Vec<crate::provider::MessageTemplate>, EngineError> {
        self.instance(id).await?;
        Ok(self.inner.store.templates(id).await?)
    }

    /// Reads the number's templates from its provider and keeps them: sends are checked against
    /// what this finds.
    pub async fn sync_templates(
        &self,
        id: &InstanceId,
    ) -> Result<Vec<crate::provider::MessageTemplate>, EngineError> {
        let instance = self.instance(id).await?;
        let provider = self.provider(&instance).await?;
        let templates = super::within(
            self.inner.timeouts.send,
            "the template list",
            provider.templates(),
        )
        .await?;
        self.inner
            .store
            .replace_templates(id, &templates, self.now())
            .await?;
        tracing::info!(instance = %id, templates = templates.len(), "templates synced");
        Ok(self.inner.store.templates(id).await?)
    }

    /// Downloads the media of a received message into the media folder; returns the message with
    /// its `mediaPath` set. Downloading again returns the file already there.
    pub async fn download_media(&self, message_id: &str) -> Result<Message, EngineError> {
        let message = self.get_message(message_id).await?;
        if message
            .media_path
            .as_deref()
            .is_some_and(|p| std::path::Path::new(p).is_file())
        {
            return Ok(message);
        }
        let media_kind = !matches!(
            message.kind,
            crate::domain::MessageKind::Text
                | crate::domain::MessageKind::Location
                | crate::domain::MessageKind::Contact
        );
        let provider_id = match (&message.provider_message_id, message.direction, media_kind) {
            (Some(id), Direction::Inbound, true) => id.clone(),
            _ => {
                return Err(InputError::new(
                    "Only received photos, videos, audio and documents can be downloaded.",
                )
                .into())
            }
        };
        let instance = self.instance(&message.instance_id).await?;
        let media_ref = self.inner.store.media_ref(&message.id).await?;
        let media = self
            .provider(&instance)
            .await?
            .download_media(&provider_id, media_ref.as_deref())
            .await?;
        // The subtype when it is a known extension (`.jpeg`, `.png`), else the first one known.
        let extensions = mime_guess::get_mime_extensions_str(&media.mime).unwrap_or_default();
        let subtype = media.mime.split('/').nth(1).unwrap_or_default();
        let extension = extensions
            .iter()
            .find(|e| **e == subtype)
            .or_else(|| extensions.first())
            .map(|e| format!(".{e}"))
            .unwrap_or_default();
        let dir = self.inner.media_dir.join("received");
        let path = dir.join(format!("{}{extension}", message.id));
        let write = async {
            tokio::fs::create_dir_all(&dir).await?;
            tokio::fs::write(&path, &media.bytes).await
        };
        write.await.map_err(|e| {
            tracing::error!(error = %e, "media not saved");
            InputError::new("The file could not be saved in Switchboard's media folder.")
        })?;
        let path = path.to_string_lossy().into_owned();
        self.inner
            .store
            .set_media(&message.id, &path, &media.mime)
            .await?;
        self.get_message(message_id).await
    }

    /// A received file's bytes and type, downloaded first if it is not here yet.
    pub async fn media_file(&self, message_id: &str) -> Result<(Vec<u8>, String), EngineError> {
        let message = self.download_media(message_id).await?;
        let path = message
            .media_path
            .ok_or_else(|| InputError::new("This message has no file."))?;
        let bytes = tokio::fs::read(&path)
            .await
            .map_err(|_| EngineError::NotFound("The file of this message is no longer on this computer."))?;
        let mime = mime_guess::from_path(&path).first_or_octet_stream().to_string();
        Ok((bytes, mime))
    }

    /// A received photo (or sticker) scaled to fit `max_side` pixels, as a `data:` URL the window
    /// shows inline. Other files have no preview.
    pub async fn media_preview(&self, message_id: &str, max_side: u32) -> Result<String, EngineError> {
        use base64::Engine as _;
        let (bytes, mime) = self.media_file(message_id).await?;
        if !mime.starts_with("image/") {
            return Err(InputError::new("Only photos have a preview.").into());
        }
        let side = max_side.clamp(32, 2048);
        let jpeg = tokio::task::spawn_blocking(move || {
            let image = image::load_from_memory(&bytes).ok()?;
            let scaled = image.thumbnail(side, side).into_rgb8();
            let mut out = std::io::Cursor::new(Vec::new());
            scaled.write_to(&mut out, image::ImageFormat::Jpeg).ok()?;
            Some(out.into_inner())
        })
        .await
        .ok()
        .flatten()
        .ok_or_else(|| InputError::new("This photo cannot be read."))?;
        Ok(format!(
            "data:image/jpeg;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(jpeg)
        ))
    }

    /// Deletes log entries older than the retention period. Statistics are kept.
    pub async fn apply_retention(&self) -> Result<u64, EngineError> {
        let days = i64::from(self.settings().await?.retention_days.max(1));
        let deleted = self
            .inner
            .store
            .delete_messages_before(self.now() - days * MILLIS_PER_DAY)
            .await?;
        if deleted > 0 {
            let emptied = self.inner.store.delete_empty_conversations().await?;
            tracing::info!(deleted, days, emptied, "old log entries deleted");
        }
        Ok(deleted)
    }
}
