//! What each kind of outgoing content becomes on the wire: the protobuf message the native client
//! encrypts and sends. Pure functions, so every message type is checked offline.

use super::session::UploadedMedia;
use crate::domain::{MediaKind, QuotedMessage};
use whatsapp_rust::prelude::MessageBuilderExt;
use whatsapp_rust::wacore::proto_helpers::build_quote_context_with_info;
use whatsapp_rust::waproto::buffa::MessageField;
use whatsapp_rust::waproto::whatsapp as wa;
use whatsapp_rust::Jid as WaJid;

/// A text, quoting `quoted` when it replies. `own` is this account's address (the author of
/// quoted messages sent from here).
pub fn text(text: &str, quoted: Option<&QuotedMessage>, own: Option<&WaJid>) -> wa::Message {
    let Some(quoted) = quoted else {
        return wa::Message::text(text);
    };
    let Ok(chat) = quoted.chat_jid.parse::<WaJid>() else {
        return wa::Message::text(text);
    };
    // In a one-to-one chat the other party wrote what we did not.
    let author = if quoted.from_me {
        own.cloned().unwrap_or_else(|| chat.clone())
    } else {
        chat.clone()
    };
    let original = wa::Message::text(quoted.text.clone().unwrap_or_default());
    let context =
        build_quote_context_with_info(&quoted.provider_message_id, &author, &chat, &chat, &original);
    wa::Message::text_with_context(text, context)
}

/// A media message around an uploaded file.
pub fn media(
    kind: MediaKind,
    upload: UploadedMedia,
    mime: &str,
    file_name: Option<&str>,
    caption: Option<&str>,
) -> wa::Message {
    let mimetype = Some(mime.to_owned());
    let caption = caption.filter(|c| !c.is_empty()).map(str::to_owned);
    let UploadedMedia {
        url,
        direct_path,
        media_key,
        file_sha256,
        file_enc_sha256,
        file_length,
        media_key_timestamp,
        streaming_sidecar,
    } = upload;
    let (url, direct_path, media_key) = (Some(url), Some(direct_path), Some(media_key));
    let (file_sha256, file_enc_sha256) = (Some(file_sha256), Some(file_enc_sha256));
    let (file_length, media_key_timestamp) = (Some(file_length), Some(media_key_timestamp));
    match kind {
        MediaKind::Image => wa::Message {
            image_message: MessageField::some(wa::message::ImageMessage {
                url,
                direct_path,
                media_key,
                file_sha256,
                file_enc_sha256,
                file_length,
                media_key_timestamp,
                mimetype,
                caption,
                ..Default::default()
            }),
            ..Default::default()
        },
        MediaKind::Video => wa::Message {
            video_message: MessageField::some(wa::message::VideoMessage {
                url,
                direct_path,
                media_key,
                file_sha256,
                file_enc_sha256,
                file_length,
                media_key_timestamp,
                streaming_sidecar,
                mimetype,
                caption,
                ..Default::default()
            }),
            ..Default::default()
        },
        // WhatsApp shows no caption under audio; voice notes are only recorded on a phone.
        MediaKind::Audio => wa::Message {
            audio_message: MessageField::some(wa::message::AudioMessage {
                url,
                direct_path,
                media_key,
                file_sha256,
                file_enc_sha256,
                file_length,
                media_key_timestamp,
                streaming_sidecar,
                mimetype,
                ..Default::default()
            }),
            ..Default::default()
        },
        MediaKind::Document => wa::Message {
            document_message: MessageField::some(wa::message::DocumentMessage {
                url,
                direct_path,
                media_key,
                file_sha256,
                file_enc_sha256,
                file_length,
                media_key_timestamp,
                mimetype,
                title: file_name.map(str::to_owned),
                file_name: file_name.map(str::to_owned),
                caption,
                ..Default::default()
            }),
            ..Default::default()
        },
    }
}

pub fn location(latitude: f64, longitude: f64, name: Option<&str>, address: Option<&str>) -> wa::Message {
    wa::Message {
        location_message: MessageField::some(wa::message::LocationMessage {
            degrees_latitude: Some(latitude),
            degrees_longitude: Some(longitude),
            name: name.map(str::to_owned),
            address: address.map(str::to_owned),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// A contact card: a vCard 3.0 with the WhatsApp id field phones use to offer "Message".
pub fn contact(
    full_name: &str,
    phone_digits: &str,
    organization: Option<&str>,
    email: Option<&str>,
) -> wa::Message {
    let mut vcard = format!("BEGIN:VCARD\nVERSION:3.0\nFN:{}\n", escape(full_name));
    if let Some(organization) = organization.filter(|o| !o.is_empty()) {
        vcard.push_str(&format!("ORG:{}\n", escape(organization)));
    }
    vcard.push_str(&format!(
        "TEL;type=CELL;type=VOICE;waid={phone_digits}:+{phone_digits}\n"
    ));
    if let Some(email) = email.filter(|e| !e.is_empty()) {
        vcard.push_str(&format!("EMAIL:{}\n", escape(email)));
    }
    vcard.push_str("END:VCARD");
    wa::Message {
        contact_message: MessageField::some(wa::message::ContactMessage {
            display_name: Some(full_name.to_owned()),
            vcard: Some(vcard),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// vCard text values escape backslashes, commas, semicolons and line breaks (RFC 2426 §4).
fn escape(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' | ',' | ';' => {
                escaped.push('\\');
                escaped.push(c);
            }
            '\n' => escaped.push_str("\\n"),
            '\r' => {}
            _ => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upload() -> UploadedMedia {
        UploadedMedia {
            url: "https://mmg.whatsapp.net/v/t62/abc".into(),
            direct_path: "/v/t62/abc".into(),
            media_key: vec![7; 32],
            file_enc_sha256: vec![8; 32],
            file_sha256: vec![9; 32],
            file_length: 1234,
            media_key_timestamp: 1_761_060_601,
            streaming_sidecar: None,
        }
    }

    #[test]
    fn a_plain_text_is_a_conversation_and_a_reply_quotes_its_original() {
        assert_eq!(text("Olá", None, None).conversation.as_deref(), Some("Olá"));
        let quoted = QuotedMessage {
            provider_message_id: "3EB0C767D71D".into(),
            chat_jid: "5511900000002@s.whatsapp.net".into(),
            from_me: false,
            text: Some("Qual o status?".into()),
        };
        let reply = text("Saiu para entrega", Some(&quoted), None);
        let extended = reply.extended_text_message.as_option().expect("extended text");
        assert_eq!(extended.text.as_deref(), Some("Saiu para entrega"));
        let context = extended.context_info.as_option().expect("context");
        assert_eq!(context.stanza_id.as_deref(), Some("3EB0C767D71D"));
        assert_eq!(
            context.participant.as_deref(),
            Some("5511900000002@s.whatsapp.net")
        );
        let original = context.quoted_message.as_option().expect("quoted message");
        assert_eq!(original.conversation.as_deref(), Some("Qual o status?"));
    }

    #[test]
    fn a_reply_to_our_own_message_names_this_account_as_its_author() {
        let own: WaJid = "5511900000001@s.whatsapp.net".parse().expect("jid");
        let quoted = QuotedMessage {
            provider_message_id: "3EB0AA".into(),
            chat_jid: "5511900000002@s.whatsapp.net".into(),
            from_me: true,
            text: None,
        };
        let reply = text("Isso", Some(&quoted), Some(&own));
        let context = reply
            .extended_text_message
            .as_option()
            .and_then(|m| m.context_info.as_option())
            .expect("context");
        assert_eq!(
            context.participant.as_deref(),
            Some("5511900000001@s.whatsapp.net")
        );
    }

    #[test]
    fn each_media_kind_carries_the_upload_and_its_own_fields() {
        let image = media(MediaKind::Image, upload(), "image/png", None, Some("Cardápio"));
        let image = image.image_message.as_option().expect("image");
        assert_eq!(image.mimetype.as_deref(), Some("image/png"));
        assert_eq!(image.caption.as_deref(), Some("Cardápio"));
        assert_eq!(image.direct_path.as_deref(), Some("/v/t62/abc"));
        assert_eq!(image.file_length, Some(1234));

        let document = media(
            MediaKind::Document,
            upload(),
            "application/pdf",
            Some("nota.pdf"),
            None,
        );
        let document = document.document_message.as_option().expect("document");
        assert_eq!(document.file_name.as_deref(), Some("nota.pdf"));
        assert_eq!(document.caption, None);

        let video = media(MediaKind::Video, upload(), "video/mp4", None, Some(""));
        assert_eq!(video.video_message.as_option().expect("video").caption, None);
        let audio = media(MediaKind::Audio, upload(), "audio/mpeg", None, Some("ignored"));
        assert_eq!(
            audio
                .audio_message
                .as_option()
                .expect("audio")
                .mimetype
                .as_deref(),
            Some("audio/mpeg")
        );
    }

    #[test]
    fn a_location_keeps_its_coordinates_and_labels() {
        let message = location(
            -23.5505,
            -46.6333,
            Some("Loja Centro"),
            Some("Praça da Sé, São Paulo"),
        );
        let place = message.location_message.as_option().expect("location");
        assert_eq!(place.degrees_latitude, Some(-23.5505));
        assert_eq!(place.degrees_longitude, Some(-46.6333));
        assert_eq!(place.name.as_deref(), Some("Loja Centro"));
        assert_eq!(place.address.as_deref(), Some("Praça da Sé, São Paulo"));
    }

    #[test]
    fn a_contact_card_is_an_escaped_vcard_with_the_whatsapp_id() {
        let message = contact(
            "Souza, Maria; Vendas",
            "5511900000002",
            Some("Loja Exemplo"),
            None,
        );
        let card = message.contact_message.as_option().expect("contact");
        assert_eq!(card.display_name.as_deref(), Some("Souza, Maria; Vendas"));
        assert_eq!(
            card.vcard.as_deref(),
            Some(
                "BEGIN:VCARD\nVERSION:3.0\nFN:Souza\\, Maria\\; Vendas\nORG:Loja Exemplo\n\
                 TEL;type=CELL;type=VOICE;waid=5511900000002:+5511900000002\nEND:VCARD"
            )
        );
    }
}
