//! The Evolution kind: adding a number creates an instance on the person's server (checked with
//! the global API key first), events come by webhook, by the server's event stream or from its
//! log, and a start-up re-sync asks each server for all its instances at once.

use super::webhook;
use super::{parse_server_url, EvolutionInstance, EvolutionServer, WebhookTarget};
use crate::domain::{
    remote_name_for, ConnectionSignal, InputError, InstanceId, InstanceStatus, ProviderKind,
};
use crate::provider::kit::{
    KindTraits, KitContext, KitError, NewAccount, ProviderKit, ProviderSetup, Provisioned, RoutedEvent,
    WebhookError, WebhookRequest,
};
use crate::provider::{ConnectionReport, EventFeed, Provider, ProviderError};
use crate::secrets::SecretKind;
use crate::store::{Instance, Millis};
use async_trait::async_trait;
use std::sync::Arc;

pub struct EvolutionKit;

/// What an Evolution instance keeps beside its server address and name.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Config {
    /// The server's own id of the instance.
    remote_id: Option<String>,
}

impl EvolutionKit {
    async fn server(&self, context: &KitContext, instance: &Instance) -> Result<EvolutionServer, KitError> {
        let base = parse_server_url(instance.server_url.as_deref().unwrap_or_default())?;
        let key = context
            .secrets
            .get(&instance.id, SecretKind::ApiKey)
            .await?
            .ok_or(ProviderError::Unauthorized)?;
        Ok(EvolutionServer::new(context.http.clone(), base, key))
    }

    async fn instance(
        &self,
        context: &KitContext,
        instance: &Instance,
    ) -> Result<EvolutionInstance, KitError> {
        let server = self.server(context, instance).await?;
        let token = context
            .secrets
            .get(&instance.id, SecretKind::InstanceToken)
            .await?;
        Ok(server.instance(&instance.remote_name, token))
    }
}

#[async_trait]
impl ProviderKit for EvolutionKit {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Evolution
    }

    fn traits(&self) -> KindTraits {
        KindTraits {
            read_receipts: true,
            events_direct: false,
            reply_window: None,
            keeps_log: true,
            linked_device: true,
            checks_numbers: true,
        }
    }

    async fn provision(
        &self,
        context: &KitContext,
        account: NewAccount<'_>,
    ) -> Result<Provisioned, KitError> {
        let ProviderSetup::Evolution { server_url, api_key } = account.setup else {
            return Err(ProviderError::Unsupported("this set-up on an Evolution server").into());
        };
        let base = parse_server_url(&server_url)?;
        let api_key = api_key.trim().to_owned();
        if api_key.is_empty() {
            return Err(InputError::new("Enter the server's global API key.").into());
        }
        let server = EvolutionServer::new(context.http.clone(), base.clone(), api_key.clone());
        server.check().await?;
        let target = account.webhook_url.map(|url| WebhookTarget {
            url,
            jwt_secret: account.webhook_secret.to_owned(),
        });
        // The random suffix makes a clash unlikely; one more try makes it practically impossible.
        let created = match server
            .create_instance(&remote_name_for(account.display_name), target.as_ref())
            .await
        {
            Err(ProviderError::NameTaken) => {
                server
                    .create_instance(&remote_name_for(account.display_name), target.as_ref())
                    .await?
            }
            other => other?,
        };
        let mut secrets = vec![(SecretKind::ApiKey, api_key)];
        if let Some(token) = created.token {
            secrets.push((SecretKind::InstanceToken, token));
        }
        if let Some(target) = &target {
            secrets.push((SecretKind::WebhookSecret, target.jwt_secret.clone()));
        }
        let config = Config {
            remote_id: created.remote_id,
        };
        Ok(Provisioned {
            remote_name: created.name,
            server_url: Some(base.to_string()),
            config: serde_json::to_value(config).unwrap_or_default(),
            uses_webhook: target.is_some(),
            status: InstanceStatus::Linking,
            profile_name: None,
            phone: None,
            secrets,
            offer: created.offer,
        })
    }

    async fn discard(&self, context: &KitContext, provisioned: &Provisioned) -> Result<(), KitError> {
        let base = parse_server_url(provisioned.server_url.as_deref().unwrap_or_default())?;
        let Some((_, key)) = provisioned
            .secrets
            .iter()
            .find(|(kind, _)| *kind == SecretKind::ApiKey)
        else {
            return Ok(());
        };
        let server = EvolutionServer::new(context.http.clone(), base, key.clone());
        Provider::delete(&server.instance(&provisioned.remote_name, None)).await?;
        Ok(())
    }

    async fn open(
        &self,
        context: &KitContext,
        instance: &Instance,
        _feed: EventFeed,
    ) -> Result<Arc<dyn Provider>, KitError> {
        Ok(Arc::new(self.instance(context, instance).await?))
    }

    fn read_webhook(
        &self,
        secret: &str,
        request: &WebhookRequest<'_>,
        now: Millis,
    ) -> Result<Vec<RoutedEvent>, WebhookError> {
        let authorization = request.headers.get("authorization").map(String::as_str);
        webhook::verify_authorization(authorization, secret)
            .map_err(|e| WebhookError::Unauthorized(e.to_string()))?;
        let events = webhook::parse(request.body, now).map_err(|e| WebhookError::Malformed(e.to_string()))?;
        Ok(events
            .into_iter()
            .map(|event| RoutedEvent { account: None, event })
            .collect())
    }

    async fn point_webhook(
        &self,
        context: &KitContext,
        instance: &Instance,
        url: &str,
        secret: &str,
    ) -> Result<bool, KitError> {
        let target = WebhookTarget {
            url: url.to_owned(),
            jwt_secret: secret.to_owned(),
        };
        self.instance(context, instance)
            .await?
            .set_webhook(&target)
            .await?;
        Ok(true)
    }

    /// One `fetchInstances` per server, however many of its instances are here.
    async fn resync(
        &self,
        context: &KitContext,
        instances: &[Instance],
    ) -> Vec<(InstanceId, Result<ConnectionReport, ProviderError>)> {
        let mut reports = Vec::new();
        let mut servers_done: Vec<&str> = Vec::new();
        for instance in instances {
            let server_url = instance.server_url.as_deref().unwrap_or_default();
            if servers_done.contains(&server_url) {
                continue;
            }
            servers_done.push(server_url);
            let on_server = instances
                .iter()
                .filter(move |i| i.server_url.as_deref().unwrap_or_default() == server_url);
            let rows = match self.server(context, instance).await {
                Ok(server) => tokio::time::timeout(context.state_timeout, server.fetch_instances())
                    .await
                    .unwrap_or(Err(ProviderError::TimedOut("the instance list"))),
                Err(KitError::Provider(error)) => Err(error),
                Err(error) => {
                    tracing::warn!(%error, server = %server_url, "re-sync could not start");
                    continue;
                }
            };
            match rows {
                Ok(rows) => {
                    for local in on_server {
                        let report = match rows.iter().find(|row| row.name == local.remote_name) {
                            Some(row) => ConnectionReport {
                                signal: row.signal(),
                                reason: None,
                                profile_name: row.profile_name.clone(),
                                phone: row.phone(),
                            },
                            None => ConnectionReport::bare(ConnectionSignal::Missing),
                        };
                        reports.push((local.id.clone(), Ok(report)));
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, server = %server_url, "re-sync failed");
                    reports.extend(on_server.map(|local| (local.id.clone(), Err(error.clone()))));
                }
            }
        }
        reports
    }
}
