//! The Cloud API kind: a number is added with its access token, phone number id, business
//! account id and app secret. The token is checked against the phone number (its verified name,
//! display number, quality and messaging limit come back) and against the business account,
//! the app is subscribed to the account's webhooks, and Switchboard makes the verify token Meta's
//! callback check will echo. Nothing is kept when a check fails.

use super::{CloudAccount, Graph, NumberHealth, DEFAULT_API_VERSION, DEFAULT_GRAPH_URL};
use crate::domain::{parse_server_url, InputError, InstanceStatus, ProviderKind};
use crate::provider::kit::{
    KindTraits, KitContext, KitError, NewAccount, ProviderKit, ProviderSetup, Provisioned, RoutedEvent,
    WebhookError, WebhookRequest,
};
use crate::provider::{EventFeed, Provider, ProviderError};
use crate::secrets::SecretKind;
use crate::store::{Instance, Millis};
use async_trait::async_trait;
use reqwest::Method;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Default)]
pub struct CloudKit;

/// What a Cloud API instance keeps beside its phone number id (`remote_name`) and Graph address
/// (`server_url`).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Config {
    business_account_id: String,
    api_version: String,
    #[serde(default)]
    quality_rating: Option<String>,
    #[serde(default)]
    messaging_limit_tier: Option<String>,
}

/// Free-form messages reach a customer only this long after their last message.
pub const CUSTOMER_SERVICE_WINDOW: Millis = 24 * 3_600_000;

fn digits_id(value: &str, what: &str) -> Result<String, InputError> {
    let value = value.trim();
    if value.is_empty() || !value.chars().all(|c| c.is_ascii_digit()) {
        return Err(InputError::new(format!(
            "Enter the {what}: the number Meta shows in the App Dashboard under WhatsApp → API Setup."
        )));
    }
    Ok(value.to_owned())
}

fn api_version(value: Option<&str>) -> Result<String, InputError> {
    let value = value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .unwrap_or(DEFAULT_API_VERSION);
    let well_formed = value
        .strip_prefix('v')
        .and_then(|rest| rest.split_once('.'))
        .is_some_and(|(major, minor)| {
            !major.is_empty()
                && !minor.is_empty()
                && major.chars().all(|c| c.is_ascii_digit())
                && minor.chars().all(|c| c.is_ascii_digit())
        });
    if !well_formed {
        return Err(InputError::new(format!(
            "\"{value}\" is not a Graph API version; write it like {DEFAULT_API_VERSION}."
        )));
    }
    Ok(value.to_owned())
}

fn required(value: &str, sentence: &str) -> Result<String, InputError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(InputError::new(sentence));
    }
    Ok(value.to_owned())
}

impl CloudKit {
    fn account(
        &self,
        context: &KitContext,
        instance: &Instance,
        token: String,
    ) -> Result<CloudAccount, KitError> {
        let config: Config = serde_json::from_value(instance.provider_config.clone())
            .map_err(|e| ProviderError::Protocol(format!("stored Cloud API settings: {e}")))?;
        let graph_url = parse_server_url(instance.server_url.as_deref().unwrap_or(DEFAULT_GRAPH_URL))?;
        let graph = Graph::new(context.http.clone(), &graph_url, &config.api_version, token)?;
        Ok(CloudAccount {
            graph,
            phone_number_id: instance.remote_name.clone(),
            business_account_id: config.business_account_id,
        })
    }
}

#[async_trait]
impl ProviderKit for CloudKit {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Cloud
    }

    fn traits(&self) -> KindTraits {
        KindTraits {
            read_receipts: true,
            events_direct: false,
            reply_window: Some(CUSTOMER_SERVICE_WINDOW),
            keeps_log: false,
            linked_device: false,
            // The Cloud API has no lookup: a send to a number not on WhatsApp fails with 131026.
            checks_numbers: false,
        }
    }

    async fn provision(
        &self,
        context: &KitContext,
        account: NewAccount<'_>,
    ) -> Result<Provisioned, KitError> {
        let ProviderSetup::Cloud {
            access_token,
            phone_number_id,
            business_account_id,
            app_secret,
            api_version: version,
            graph_url,
        } = account.setup
        else {
            return Err(ProviderError::Unsupported("this set-up on the Cloud API").into());
        };
        let token = required(
            &access_token,
            "Enter the access token (a system-user token with the whatsapp_business_messaging permission).",
        )?;
        let phone_number_id = digits_id(&phone_number_id, "phone number id")?;
        let business_account_id = digits_id(&business_account_id, "WhatsApp Business Account id")?;
        let app_secret = required(
            &app_secret,
            "Enter the app secret (App Dashboard → App settings → Basic): Meta signs its webhooks with it.",
        )?;
        let version = api_version(version.as_deref())?;
        let graph_url = parse_server_url(graph_url.as_deref().unwrap_or(DEFAULT_GRAPH_URL))?;
        let graph = Graph::new(context.http.clone(), &graph_url, &version, token.clone())?;

        let health: NumberHealth = {
            let path = format!("{phone_number_id}?fields={}", super::HEALTH_FIELDS);
            let value = graph.call(Method::GET, &path, None).await?;
            serde_json::from_value(value)
                .map_err(|e| ProviderError::Protocol(format!("phone number: {e}")))?
        };
        // The business account must answer to the same token: a number of another account, or
        // a mistyped id, is refused now rather than at the first template.
        graph
            .call(
                Method::GET,
                &format!("{business_account_id}/message_templates?limit=1&fields=name"),
                None,
            )
            .await?;
        // Without the subscription Meta posts nothing for this account's numbers.
        graph
            .call(
                Method::POST,
                &format!("{business_account_id}/subscribed_apps"),
                None,
            )
            .await?;

        let report = health.report();
        let config = Config {
            business_account_id,
            api_version: version,
            quality_rating: health.quality_rating.clone(),
            messaging_limit_tier: health.messaging_limit_tier.clone(),
        };
        Ok(Provisioned {
            remote_name: phone_number_id,
            server_url: Some(graph_url.to_string()),
            config: serde_json::to_value(config).unwrap_or_default(),
            uses_webhook: true,
            status: InstanceStatus::Connected.next(report.signal),
            profile_name: report.profile_name,
            phone: report.phone,
            secrets: vec![
                (SecretKind::AccessToken, token),
                (SecretKind::WebhookSecret, app_secret),
                (SecretKind::VerifyToken, crate::secrets::generate_secret()),
            ],
            offer: None,
        })
    }

    async fn open(
        &self,
        context: &KitContext,
        instance: &Instance,
        _feed: EventFeed,
    ) -> Result<Arc<dyn Provider>, KitError> {
        let token = context
            .secrets
            .get(&instance.id, SecretKind::AccessToken)
            .await?
            .ok_or(ProviderError::Unauthorized)?;
        Ok(Arc::new(self.account(context, instance, token)?))
    }

    fn read_webhook(
        &self,
        secret: &str,
        request: &WebhookRequest<'_>,
        now: Millis,
    ) -> Result<Vec<RoutedEvent>, WebhookError> {
        let signature = request.headers.get("x-hub-signature-256").map(String::as_str);
        super::webhook::verify_signature(signature, secret, request.body)
            .map_err(|e| WebhookError::Unauthorized(e.to_string()))?;
        super::webhook::parse(request.body, now).map_err(|e| WebhookError::Malformed(e.to_string()))
    }

    fn answer_handshake(
        &self,
        verify_token: Option<&str>,
        query: &HashMap<String, String>,
    ) -> Result<String, WebhookError> {
        let get = |name: &str| query.get(name).map(String::as_str);
        verify_token
            .and_then(|token| {
                super::webhook::handshake_challenge(
                    token,
                    get("hub.mode"),
                    get("hub.verify_token"),
                    get("hub.challenge"),
                )
            })
            .ok_or_else(|| WebhookError::Unauthorized("verify token or mode does not match".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_ids_are_checked_before_anything_leaves() {
        assert_eq!(api_version(None).as_deref(), Ok(DEFAULT_API_VERSION));
        assert_eq!(api_version(Some(" v23.0 ")).as_deref(), Ok("v23.0"));
        for bad in ["23.0", "v23", "v.1", "vx.0", "v23.0/../x"] {
            assert!(api_version(Some(bad)).is_err(), "{bad}");
        }
        assert!(digits_id("1000 0001", "phone number id").is_err());
        assert_eq!(
            digits_id(" 100000000000001 ", "x").as_deref(),
            Ok("100000000000001")
        );
    }
}
