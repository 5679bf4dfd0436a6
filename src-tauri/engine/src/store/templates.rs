//! Message templates as last synced from a number's provider.

use super::{Millis, Store, StoreError};
use crate::domain::InstanceId;
use crate::provider::MessageTemplate;

impl Store {
    /// Replaces what is known of an instance's templates with what the provider listed.
    pub async fn replace_templates(
        &self,
        instance_id: &InstanceId,
        templates: &[MessageTemplate],
        at: Millis,
    ) -> Result<(), StoreError> {
        let instance = instance_id.as_str();
        let mut tx = self.write_transaction().await?;
        sqlx::query!("DELETE FROM message_templates WHERE instance_id = ?", instance)
            .execute(&mut *tx)
            .await?;
        for template in templates {
            let variables = i64::from(template.variables);
            sqlx::query!(
                "INSERT OR REPLACE INTO message_templates
                    (instance_id, name, language, status, category, body, variables, synced_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                instance,
                template.name,
                template.language,
                template.status,
                template.category,
                template.body,
                variables,
                at,
            )
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn templates(&self, instance_id: &InstanceId) -> Result<Vec<MessageTemplate>, StoreError> {
        let instance = instance_id.as_str();
        let rows = sqlx::query!(
            "SELECT name, language, status, category, body, variables FROM message_templates
             WHERE instance_id = ? ORDER BY name, language",
            instance
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| MessageTemplate {
                name: row.name,
                language: row.language,
                status: row.status,
                category: row.category,
                body: row.body,
                variables: u32::try_from(row.variables).unwrap_or(0),
            })
            .collect())
    }
}
