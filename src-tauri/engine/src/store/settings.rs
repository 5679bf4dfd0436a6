//! Settings: a small key/value table; typed access lives in `crate::settings`.

use super::{Store, StoreError};

impl Store {
    pub async fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        let value = sqlx::query_scalar!("SELECT value FROM settings WHERE key = ?", key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(value)
    }

    pub async fn set_setting(&self, key: &str, value: Option<&str>) -> Result<(), StoreError> {
        match value {
            Some(value) => {
                sqlx::query!(
                    "INSERT INTO settings (key, value) VALUES (?, ?)
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    key,
                    value
                )
                .execute(&self.pool)
                .await?;
            }
            None => {
                sqlx::query!("DELETE FROM settings WHERE key = ?", key)
                    .execute(&self.pool)
                    .await?;
            }
        }
        Ok(())
    }
}
