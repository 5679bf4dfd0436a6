//! WhatsApp addresses (JIDs): `5511…@s.whatsapp.net` (a phone), `…@g.us` (a group), `…@lid` (a
//! privacy-preserving id). When both a phone JID and a LID are known for one person, the phone JID
//! is their identity, so the log shows one contact whatever addressing WhatsApp used.

use super::{InputError, PhoneNumber};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JidKind {
    Phone,
    Group,
    Lid,
    Broadcast,
    Newsletter,
}

impl JidKind {
    fn server(self) -> &'static str {
        match self {
            JidKind::Phone => "s.whatsapp.net",
            JidKind::Group => "g.us",
            JidKind::Lid => "lid",
            JidKind::Broadcast => "broadcast",
            JidKind::Newsletter => "newsletter",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Jid {
    user: String,
    kind: JidKind,
}

impl Jid {
    pub fn parse(input: &str) -> Result<Self, InputError> {
        let invalid = || InputError::new(format!("\"{input}\" is not a WhatsApp address."));
        let (user, server) = input.trim().split_once('@').ok_or_else(invalid)?;
        let kind = match server {
            "s.whatsapp.net" | "c.us" => JidKind::Phone,
            "g.us" => JidKind::Group,
            "lid" => JidKind::Lid,
            "broadcast" => JidKind::Broadcast,
            "newsletter" => JidKind::Newsletter,
            _ => return Err(invalid()),
        };
        // A device suffix (`5511…:12@s.whatsapp.net`) addresses one of the person's devices, not another person.
        let user = user.split(':').next().unwrap_or_default();
        let user_ok = !user.is_empty()
            && user.len() <= 64
            && user
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_');
        if !user_ok {
            return Err(invalid());
        }
        Ok(Self {
            user: user.to_owned(),
            kind,
        })
    }

    pub fn for_phone(phone: &PhoneNumber) -> Self {
        Self {
            user: phone.digits().to_owned(),
            kind: JidKind::Phone,
        }
    }

    pub fn kind(&self) -> JidKind {
        self.kind
    }

    pub fn user(&self) -> &str {
        &self.user
    }

    /// The phone number behind a phone JID.
    pub fn phone(&self) -> Option<PhoneNumber> {
        match self.kind {
            JidKind::Phone => PhoneNumber::from_international_digits(&self.user).ok(),
            _ => None,
        }
    }

    /// How a person reads this address: `+5511…` for a phone, the JID otherwise.
    pub fn display(&self) -> String {
        match self.phone() {
            Some(phone) => phone.e164(),
            None => self.to_string(),
        }
    }
}

impl fmt::Display for Jid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.user, self.kind.server())
    }
}

/// The identity of the person behind a message, given its address and the alternative address a
/// provider may send beside it (`remoteJid` / `remoteJidAlt`): the phone JID wins when either is one.
pub fn contact_identity(primary: Jid, alternative: Option<Jid>) -> Jid {
    match alternative {
        Some(alt) if primary.kind != JidKind::Phone && alt.kind == JidKind::Phone => alt,
        _ => primary,
    }
}

/// `contact_identity`, with the other address of the pair when it is the person's LID beside their
/// phone JID: the log remembers it, so a later message that carries only the LID finds the person.
pub fn identity_and_alias(primary: Jid, alternative: Option<Jid>) -> (Jid, Option<Jid>) {
    let pair = [Some(primary.clone()), alternative.clone()];
    let identity = contact_identity(primary, alternative);
    let alias = pair
        .into_iter()
        .flatten()
        .find(|jid| jid.kind == JidKind::Lid && identity.kind == JidKind::Phone);
    (identity, alias)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jid(s: &str) -> Jid {
        Jid::parse(s).expect(s)
    }

    #[test]
    fn the_lid_beside_a_phone_is_its_alias_in_either_order() {
        let (phone, lid) = (jid("5511900000002@s.whatsapp.net"), jid("112233445566778@lid"));
        for (primary, alternative) in [(lid.clone(), phone.clone()), (phone.clone(), lid.clone())] {
            assert_eq!(
                identity_and_alias(primary, Some(alternative)),
                (phone.clone(), Some(lid.clone()))
            );
        }
        assert_eq!(identity_and_alias(lid.clone(), None), (lid, None));
        assert_eq!(identity_and_alias(phone.clone(), None), (phone, None));
    }

    #[test]
    fn parses_each_kind_and_drops_device_suffix() {
        assert_eq!(jid("5511900000002@s.whatsapp.net").kind(), JidKind::Phone);
        assert_eq!(jid("120363025246125888@g.us").kind(), JidKind::Group);
        assert_eq!(jid("112233445566778@lid").kind(), JidKind::Lid);
        assert_eq!(
            jid("5511900000001:12@s.whatsapp.net").to_string(),
            "5511900000001@s.whatsapp.net"
        );
    }

    #[test]
    fn refuses_malformed_addresses() {
        for bad in ["", "5511", "@s.whatsapp.net", "55@example.com", "a b@g.us"] {
            assert!(Jid::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn phone_wins_over_lid_in_either_position() {
        let phone = jid("5511900000002@s.whatsapp.net");
        let lid = jid("112233445566778@lid");
        assert_eq!(contact_identity(lid.clone(), Some(phone.clone())), phone);
        assert_eq!(contact_identity(phone.clone(), Some(lid.clone())), phone);
        assert_eq!(contact_identity(lid.clone(), None), lid);
        assert_eq!(phone.display(), "+5511900000002");
    }
}
