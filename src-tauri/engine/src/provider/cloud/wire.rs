//! Send bodies of `POST /{version}/{phone_number_id}/messages`, as the contract samples show them
//! (`cloud/send-*.json`).

use crate::domain::{MediaKind, MediaSource, OutgoingContent};
use crate::provider::ProviderError;
use serde_json::{json, Value};

/// The body that sends `content` to `to` (digits). A local file is sent as the `media_id` it
/// was uploaded under; a link is passed on for Meta to fetch.
pub fn send_body(
    to: &str,
    content: &OutgoingContent,
    media_id: Option<&str>,
) -> Result<Value, ProviderError> {
    let mut body = json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
    });
    match content {
        OutgoingContent::Text { text, quoted } => {
            body["type"] = json!("text");
            // A preview is drawn only when the text carries a link to draw it from.
            let has_link = text.contains("https://") || text.contains("http://");
            body["text"] = json!({ "preview_url": has_link, "body": text });
            if let Some(quoted) = quoted {
                body["context"] = json!({ "message_id": quoted.provider_message_id });
            }
        }
        OutgoingContent::Media {
            kind,
            source,
            file_name,
            caption,
            ..
        } => {
            let mut object = match (media_id, source) {
                (Some(id), _) => json!({ "id": id }),
                (None, MediaSource::Url { url }) => json!({ "link": url }),
                (None, MediaSource::File { .. }) => {
                    return Err(ProviderError::Rejected(
                        "the file to send was not uploaded".into(),
                    ))
                }
            };
            // Audio carries no caption on WhatsApp.
            if let (Some(caption), false) = (caption, *kind == MediaKind::Audio) {
                object["caption"] = json!(caption);
            }
            if let (MediaKind::Document, Some(name)) = (kind, file_name) {
                object["filename"] = json!(name);
            }
            body["type"] = json!(kind.as_str());
            body[kind.as_str()] = object;
        }
        OutgoingContent::Location {
            latitude,
            longitude,
            name,
            address,
        } => {
            body["type"] = json!("location");
            let mut object = json!({ "latitude": latitude, "longitude": longitude });
            if let Some(name) = name {
                object["name"] = json!(name);
            }
            if let Some(address) = address {
                object["address"] = json!(address);
            }
            body["location"] = object;
        }
        OutgoingContent::Contact {
            full_name,
            phone,
            organization,
            email,
        } => {
            let first = full_name.split_whitespace().next().unwrap_or(full_name);
            let mut card = json!({
                "name": { "formatted_name": full_name, "first_name": first },
                "phones": [{ "phone": format!("+{phone}"), "wa_id": phone, "type": "CELL" }],
            });
            if let Some(organization) = organization {
                card["org"] = json!({ "company": organization });
            }
            if let Some(email) = email {
                card["emails"] = json!([{ "email": email, "type": "WORK" }]);
            }
            body["type"] = json!("contacts");
            body["contacts"] = json!([card]);
        }
        OutgoingContent::Template {
            name,
            language,
            parameters,
            ..
        } => {
            let mut template = json!({ "name": name, "language": { "code": language } });
            if !parameters.is_empty() {
                let values: Vec<Value> = parameters
                    .iter()
                    .map(|text| json!({ "type": "text", "text": text }))
                    .collect();
                template["components"] = json!([{ "type": "body", "parameters": values }]);
            }
            body["type"] = json!("template");
            body["template"] = template;
        }
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::QuotedMessage;

    fn sample(name: &str) -> Value {
        let path = format!(
            "{}/../../../shared/contracts/cloud/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(path).expect("sample")).expect("json")
    }

    #[test]
    fn a_reply_is_the_text_sample() {
        let content = OutgoingContent::Text {
            text: "Hi Ana, your order #1042 shipped today.".into(),
            quoted: Some(QuotedMessage {
                provider_message_id: "wamid.HBgLMTU1NTAwMDk4NzYVAgASGBQzQUZBS0UwMDAwMDAwMDAwMDAwMDEA".into(),
                chat_jid: "15550009876@s.whatsapp.net".into(),
                from_me: false,
                text: None,
            }),
        };
        assert_eq!(
            send_body("15550009876", &content, None).expect("body"),
            sample("send-text-request.json")
        );
    }

    #[test]
    fn a_linked_image_is_the_image_sample_and_uploads_go_by_id() {
        let content = OutgoingContent::Media {
            kind: MediaKind::Image,
            source: MediaSource::Url {
                url: "https://cdn.example.com/catalog/sku-42.jpg".into(),
            },
            mime: "image/jpeg".into(),
            file_name: None,
            caption: Some("SKU 42 - blue".into()),
        };
        assert_eq!(
            send_body("15550009876", &content, None).expect("body"),
            sample("send-image-link-request.json")
        );
        let document = OutgoingContent::Media {
            kind: MediaKind::Document,
            source: MediaSource::File {
                path: "/tmp/x.pdf".into(),
            },
            mime: "application/pdf".into(),
            file_name: Some("invoice.pdf".into()),
            caption: None,
        };
        let body = send_body("15550009876", &document, Some("42")).expect("body");
        assert_eq!(body["document"], json!({"id": "42", "filename": "invoice.pdf"}));
        assert!(send_body("15550009876", &document, None).is_err());
        let audio = OutgoingContent::Media {
            kind: MediaKind::Audio,
            source: MediaSource::Url {
                url: "https://x/a.ogg".into(),
            },
            mime: "audio/ogg".into(),
            file_name: None,
            caption: Some("not allowed".into()),
        };
        assert_eq!(
            send_body("1", &audio, None).expect("body")["audio"],
            json!({"link": "https://x/a.ogg"})
        );
    }

    #[test]
    fn a_template_fills_its_body_variables_in_order() {
        let content = OutgoingContent::Template {
            name: "order_shipped".into(),
            language: "en_US".into(),
            parameters: vec!["Ana".into(), "#1042".into()],
            text: "Hi Ana, your order #1042 shipped today.".into(),
        };
        let body = send_body("15550009876", &content, None).expect("body");
        let sample = sample("send-template-request.json");
        assert_eq!(body["template"]["name"], sample["template"]["name"]);
        assert_eq!(body["template"]["language"], sample["template"]["language"]);
        // The sample's body component, without its document header.
        assert_eq!(
            body["template"]["components"][0],
            sample["template"]["components"][1]
        );
    }

    #[test]
    fn cards_and_places_carry_their_fields() {
        let card = OutgoingContent::Contact {
            full_name: "Ana Lima".into(),
            phone: "5511900000002".into(),
            organization: Some("Loja".into()),
            email: None,
        };
        let body = send_body("1", &card, None).expect("body");
        assert_eq!(body["type"], "contacts");
        assert_eq!(body["contacts"][0]["phones"][0]["wa_id"], "5511900000002");
        assert_eq!(body["contacts"][0]["name"]["first_name"], "Ana");
        let place = OutgoingContent::Location {
            latitude: -23.5,
            longitude: -46.6,
            name: Some("Loja".into()),
            address: None,
        };
        let body = send_body("1", &place, None).expect("body");
        assert_eq!(
            body["location"],
            json!({"latitude": -23.5, "longitude": -46.6, "name": "Loja"})
        );
    }
}
