//! Phone numbers as people type them (`(11) 98765-4321`, `+55 11 98765-4321`, `0812 3456 789`),
//! judged against the real numbering plans: libphonenumber's metadata, through the `phonenumber`
//! crate. Without a `+`, digits are read as a number of the default country first, as a phone's
//! dialer reads them, and as an international number written without its `+` only when that is
//! not a valid number there. An invalid number is refused with the likely one where there is one
//! ("Did you mean +55 11 98765-4321?"), so a message never goes to a stranger because a heuristic
//! guessed the country.
//!
//! WhatsApp ids are a different matter: they name accounts that exist, so they are only
//! normalised, never judged. Some older Brazilian accounts' ids lack the mobile ninth digit
//! (`551187654321`); those are mapped to the number people write (`+55 11 98765-4321`) so both
//! forms are one contact.

use super::InputError;
use phonenumber::country::Id as RegionId;
use phonenumber::metadata::DATABASE;
use phonenumber::{Mode, Type};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// A region of the numbering plan (ISO 3166 code, `BR`): numbers typed without a country code
/// are read as numbers of this region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
pub struct Region(String);

/// A region a person can choose as the default, with its calling code (`BR`, 55).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PhoneRegion {
    pub region: Region,
    pub calling_code: u16,
}

impl Region {
    pub fn parse(input: &str) -> Result<Self, InputError> {
        let code = input.trim().to_ascii_uppercase();
        match RegionId::from_str(&code) {
            Ok(id) if DATABASE.by_id(id.as_ref()).is_some() => Ok(Self(code)),
            _ => Err(InputError::new(format!(
                "\"{}\" is not a country; use its two-letter code, like BR or ID.",
                input.trim()
            ))),
        }
    }

    /// The region of a locale tag as systems spell it (`pt-BR`, `pt_BR.UTF-8`, `es-MX`); `None`
    /// for a bare language (`pt` is spoken in several countries) or an unknown region.
    pub fn from_locale(locale: &str) -> Option<Self> {
        let tag = locale.split(['.', '@']).next().unwrap_or_default();
        tag.split(['-', '_'])
            .skip(1)
            .find(|part| part.len() == 2 && part.chars().all(|c| c.is_ascii_alphabetic()))
            .and_then(|part| Self::parse(part).ok())
    }

    /// The main region of a calling code (`55` → `BR`, `1` → `US`): settings saved before regions
    /// existed held a calling code.
    pub fn for_calling_code(code: &str) -> Option<Self> {
        let code: u16 = code.trim().trim_start_matches('+').parse().ok()?;
        let regions = DATABASE.by_code(&code)?;
        let main = regions
            .iter()
            .find(|meta| meta.is_main_country_for_code())
            .or(regions.first())?;
        Self::parse(main.id()).ok()
    }

    /// Every region with its calling code, sorted by code (for the Settings list).
    pub fn all() -> Vec<PhoneRegion> {
        let mut regions: Vec<PhoneRegion> = DATABASE
            .iter()
            .filter_map(|meta| {
                let region = Self::parse(meta.id()).ok()?;
                Some(PhoneRegion {
                    region,
                    calling_code: meta.country_code(),
                })
            })
            .collect();
        regions.sort_by(|a, b| a.region.0.cmp(&b.region.0));
        regions
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn id(&self) -> Option<RegionId> {
        RegionId::from_str(&self.0).ok()
    }
}

impl TryFrom<String> for Region {
    type Error = InputError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Region> for String {
    fn from(value: Region) -> Self {
        value.0
    }
}

/// Why a typed number was refused. Each says what Switchboard read, so a person can correct it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("Enter a phone number.")]
    Empty,
    #[error("\"{input}\" is not a phone number: it contains \"{character}\".")]
    Character { input: String, character: char },
    #[error("\"{input}\" is a local number: add the country code (like +55…) or choose a default country in Settings.")]
    NeedsCountry { input: String },
    #[error("\"{input}\" is not a valid phone number{}", suggestion_sentence(.suggestion))]
    Invalid {
        input: String,
        suggestion: Option<String>,
    },
    #[error("\"{input}\" is {kind} number, which cannot have WhatsApp.")]
    Unreachable { input: String, kind: &'static str },
}

fn suggestion_sentence(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(number) => format!(". Did you mean {number}?"),
        None => ": check its digits and country code.".to_owned(),
    }
}

impl From<PhoneError> for InputError {
    fn from(error: PhoneError) -> Self {
        InputError::new(error.to_string())
    }
}

/// A phone number in E.164 form, stored as its digits (country code first, no `+`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);

/// More characters than any number written with spaces and punctuation needs; longer input is
/// refused before the parser sees it.
const MAX_INPUT_CHARS: usize = 40;
/// E.164 allows at most 15 digits; WhatsApp ids are never shorter than 7.
const ID_DIGITS: std::ops::RangeInclusive<usize> = 7..=15;
const BRAZIL: u16 = 55;

impl PhoneNumber {
    /// Parses a number as a person types it, with the default region for numbers written
    /// without a country code.
    ///
    /// `+` starts an international number. Anything else is first read as a national number of
    /// the default region (`(11) 98765-4321`, `0812…`), as a person in that country means it;
    /// when that is not a valid number, as an international one written without its `+`
    /// (`5511987654321`, as WhatsApp ids and many exports write them).
    pub fn parse(input: &str, default_region: Option<&Region>) -> Result<Self, PhoneError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(PhoneError::Empty);
        }
        let (plus, rest) = match trimmed.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, trimmed),
        };
        let mut digits = String::with_capacity(rest.len());
        for c in rest.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '(' | ')' | '.' | '/' | '\u{a0}' => {}
                _ => {
                    return Err(PhoneError::Character {
                        input: trimmed.to_owned(),
                        character: c,
                    })
                }
            }
        }
        let invalid = |suggestion: Option<String>| PhoneError::Invalid {
            input: trimmed.to_owned(),
            suggestion,
        };
        if trimmed.chars().count() > MAX_INPUT_CHARS || digits.len() < 3 {
            return Err(invalid(None));
        }

        let international = match (plus, digits.strip_prefix("00")) {
            (true, _) => Some(digits.as_str()),
            (false, Some(after_idd)) => Some(after_idd),
            (false, None) if digits.starts_with('0') => None,
            (false, None) => Some(digits.as_str()),
        }
        .and_then(Reading::international);
        if plus {
            return match international {
                Some(reading) => reading.accept(trimmed),
                None => Err(invalid(Reading::brazil_ninth_digit_fix(BRAZIL, &digits))),
            };
        }
        let national = default_region.and_then(|region| Reading::national(&digits, region));
        match (national, international) {
            (Some(reading), _) | (None, Some(reading)) => reading.accept(trimmed),
            (None, None) => match default_region {
                None if digits.starts_with('0') || digits.len() <= 11 => Err(PhoneError::NeedsCountry {
                    input: trimmed.to_owned(),
                }),
                None => Err(invalid(None)),
                Some(region) => Err(invalid(Reading::national_suggestion(&digits, region))),
            },
        }
    }

    /// A number from a WhatsApp user id (`5511987654321`). Ids name accounts that exist, so
    /// they are normalised (the Brazilian ninth digit), not checked against the numbering plan.
    pub fn from_international_digits(digits: &str) -> Result<Self, InputError> {
        let well_formed = ID_DIGITS.contains(&digits.len())
            && digits.chars().all(|c| c.is_ascii_digit())
            && !digits.starts_with('0');
        if !well_formed {
            return Err(InputError::new(format!(
                "\"{digits}\" is not a WhatsApp phone id."
            )));
        }
        Ok(Self(with_brazil_ninth_digit(digits)))
    }

    /// Digits with the country code, as providers want them (`5511987654321`).
    pub fn digits(&self) -> &str {
        &self.0
    }

    /// The E.164 form with its `+`.
    pub fn e164(&self) -> String {
        format!("+{}", self.0)
    }

    /// How people read the number: international format with the country's own grouping
    /// (`+55 11 98765-4321`); the bare E.164 form when the plan does not know it.
    pub fn formatted(&self) -> String {
        match phonenumber::parse(None, self.e164()) {
            Ok(number) if number.is_valid() => number.format().mode(Mode::International).to_string(),
            _ => self.e164(),
        }
    }
}

/// One valid reading of typed digits.
struct Reading {
    number: PhoneNumber,
    kind: Type,
}

impl Reading {
    fn from_parsed(parsed: phonenumber::PhoneNumber) -> Option<Self> {
        if !parsed.is_valid() || parsed.extension().is_some() {
            return None;
        }
        let kind = parsed.number_type(&DATABASE);
        let e164 = parsed.format().mode(Mode::E164).to_string();
        let digits = e164.strip_prefix('+')?.to_owned();
        Some(Self {
            number: PhoneNumber(digits),
            kind,
        })
    }

    fn international(digits: &str) -> Option<Self> {
        Self::from_parsed(phonenumber::parse(None, format!("+{digits}")).ok()?)
    }

    fn national(digits: &str, region: &Region) -> Option<Self> {
        Self::from_parsed(phonenumber::parse(Some(region.id()?), digits).ok()?)
    }

    /// The likely number behind a national number that is not valid: a Brazilian mobile typed
    /// the old way, without its ninth digit.
    fn national_suggestion(digits: &str, region: &Region) -> Option<String> {
        let meta = DATABASE.by_id(region.as_str())?;
        Self::brazil_ninth_digit_fix(meta.country_code(), digits.trim_start_matches('0'))
    }

    /// `+55 11 98765-4321` for `11 8765-4321` (with or without the 55), if that is a valid mobile.
    fn brazil_ninth_digit_fix(code: u16, digits: &str) -> Option<String> {
        if code != BRAZIL {
            return None;
        }
        let national = match digits.len() {
            10 => digits,
            12 => digits.strip_prefix("55")?,
            _ => return None,
        };
        let (area, subscriber) = national.split_at(2);
        let candidate = Self::international(&format!("55{area}9{subscriber}"))?;
        (candidate.kind == Type::Mobile).then(|| candidate.number.formatted())
    }

    fn accept(self, input: &str) -> Result<PhoneNumber, PhoneError> {
        let kind = match self.kind {
            Type::Mobile
            | Type::FixedLine
            | Type::FixedLineOrMobile
            | Type::Voip
            | Type::PersonalNumber
            | Type::TollFree
            | Type::SharedCost
            | Type::Uan => return Ok(self.number),
            Type::PremiumRate => "a premium-rate",
            Type::Emergency => "an emergency",
            Type::Voicemail => "a voicemail access",
            Type::ShortCode => "a short",
            Type::Pager => "a pager",
            _ => "a special-purpose",
        };
        Err(PhoneError::Unreachable {
            input: input.to_owned(),
            kind,
        })
    }
}

/// `551187654321` (an older Brazilian mobile id) → `5511987654321`: Brazil added a ninth digit,
/// always 9, in front of every mobile number; mobiles are the 8-digit numbers starting 6–9.
fn with_brazil_ninth_digit(digits: &str) -> String {
    let bytes = digits.as_bytes();
    let old_mobile = digits.len() == 12
        && digits.starts_with("55")
        && bytes[2] != b'0'
        && bytes[3] != b'0'
        && (b'6'..=b'9').contains(&bytes[4]);
    if old_mobile {
        format!("{}9{}", &digits[..4], &digits[4..])
    } else {
        digits.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(code: &str) -> Region {
        Region::parse(code).expect("valid region")
    }

    fn parse(input: &str, default: &str) -> Result<PhoneNumber, PhoneError> {
        PhoneNumber::parse(input, Some(&region(default)))
    }

    fn digits(input: &str, default: &str) -> String {
        match parse(input, default) {
            Ok(number) => number.digits().to_owned(),
            Err(error) => panic!("{input:?} in {default}: {error}"),
        }
    }

    /// Local and international forms of real-format numbers, the way people of each country
    /// write them, all reaching the same E.164 number.
    #[test]
    fn local_and_international_forms_of_each_country() {
        let cases: &[(&str, &[&str], &str)] = &[
            (
                "BR",
                &[
                    "(11) 98765-4321",
                    "11 98765 4321",
                    "011 98765-4321",
                    "+55 11 98765-4321",
                    "5511987654321",
                ],
                "5511987654321",
            ),
            ("BR", &["(21) 2555-1234", "+55 21 2555-1234"], "552125551234"),
            ("MX", &["55 1234 5678", "+52 55 1234 5678"], "525512345678"),
            ("AR", &["011 15-2345-6789", "+54 9 11 2345-6789"], "5491123456789"),
            ("CO", &["321 1234567", "+57 321 1234567"], "573211234567"),
            (
                "ID",
                &["0812-3456-7890", "+62 812-3456-7890", "62 812 3456 7890"],
                "6281234567890",
            ),
            (
                "IN",
                &["098765 43210", "98765 43210", "+91 98765 43210"],
                "919876543210",
            ),
            (
                "PT",
                &["912 345 678", "+351 912 345 678", "00351 912 345 678"],
                "351912345678",
            ),
            ("ES", &["612 34 56 78", "+34 612 34 56 78"], "34612345678"),
            (
                "US",
                &["(202) 456-1111", "202-456-1111", "+1 202 456 1111"],
                "12024561111",
            ),
            ("GB", &["07400 123456", "+44 7400 123456"], "447400123456"),
            ("DE", &["01512 3456789", "+49 1512 3456789"], "4915123456789"),
        ];
        for (default, inputs, expected) in cases {
            for input in *inputs {
                assert_eq!(digits(input, default), *expected, "{input:?} in {default}");
            }
        }
    }

    #[test]
    fn a_brazilian_local_mobile_goes_to_brazil_not_north_america() {
        let number = parse("(11) 98765-4321", "BR").expect("local mobile");
        assert_eq!(number.e164(), "+5511987654321");
        assert_eq!(number.formatted(), "+55 11 98765-4321");
    }

    #[test]
    fn international_forms_need_no_default_region() {
        for input in [
            "+55 (11) 98765-4321",
            "0055 11 98765 4321",
            "5511987654321",
            " +5511987654321 ",
        ] {
            let number = PhoneNumber::parse(input, None).expect(input);
            assert_eq!(number.digits(), "5511987654321", "{input:?}");
        }
    }

    #[test]
    fn a_brazilian_mobile_without_its_ninth_digit_is_refused_with_the_likely_number() {
        for input in ["(11) 8765-4321", "+55 11 8765-4321"] {
            let error = parse(input, "BR").expect_err(input);
            assert_eq!(
                error.to_string(),
                format!("\"{input}\" is not a valid phone number. Did you mean +55 11 98765-4321?")
            );
        }
    }

    #[test]
    fn a_valid_local_reading_wins_and_other_digits_are_read_as_international() {
        // In Colombia 321 1234567 is a mobile; the same digits are also +32 11 23 45 67 in
        // Belgium. Typed in Colombia, they mean Colombia, as a phone's dialer reads them.
        assert_eq!(digits("321 1234567", "CO"), "573211234567");
        assert_eq!(digits("3211234567", "CO"), "573211234567");
        // Not a valid number of the default country: an international number without its +.
        assert_eq!(digits("12024561111", "BR"), "12024561111");
        assert_eq!(digits("4915123456789", "ID"), "4915123456789");
        assert_eq!(digits("5511987654321", "MX"), "5511987654321");
        // Neither reading is valid: refused, not guessed.
        assert!(matches!(
            parse("1198765432", "BR"),
            Err(PhoneError::Invalid { .. })
        ));
    }

    #[test]
    fn local_numbers_without_a_default_region_ask_for_the_country() {
        for input in ["0812345678", "(11) 98765-4321"] {
            let error = PhoneNumber::parse(input, None).expect_err(input);
            assert!(
                matches!(error, PhoneError::NeedsCountry { .. }),
                "{input}: {error}"
            );
            assert!(error.to_string().contains("country code"), "{error}");
        }
    }

    #[test]
    fn garbage_wrong_lengths_and_special_numbers_are_refused() {
        for input in [
            "",
            "abc",
            "+55 11 9876O-4321",
            "+1234",
            "+1234567890123456",
            "+0123456789",
            "12",
            "+55 11 98765-4321 ext. 12",
            &"9".repeat(200),
        ] {
            assert!(
                PhoneNumber::parse(input, Some(&region("BR"))).is_err(),
                "{input:?} should be refused"
            );
        }
        // 190 is the Brazilian police; 0900 numbers in Germany are premium rate.
        assert!(parse("190", "BR").is_err());
        assert!(matches!(
            parse("0900 1234567", "DE"),
            Err(PhoneError::Unreachable {
                kind: "a premium-rate",
                ..
            })
        ));
    }

    #[test]
    fn old_brazilian_ids_without_the_ninth_digit_are_the_same_contact() {
        let old = PhoneNumber::from_international_digits("551187654321").expect("old id");
        let new = PhoneNumber::from_international_digits("5511987654321").expect("new id");
        assert_eq!(old, new);
        assert_eq!(old, parse("(11) 98765-4321", "BR").expect("typed"));
        // Landlines (2–5) and other countries' 12-digit ids are left alone.
        for untouched in ["552125551234", "447400123456", "919876543210"] {
            assert_eq!(
                PhoneNumber::from_international_digits(untouched)
                    .expect(untouched)
                    .digits(),
                untouched
            );
        }
        assert!(PhoneNumber::from_international_digits("12ab").is_err());
        assert!(PhoneNumber::from_international_digits("0123456789").is_err());
    }

    #[test]
    fn regions_from_locales_and_calling_codes() {
        for (locale, expected) in [
            ("pt-BR", Some("BR")),
            ("pt_BR.UTF-8", Some("BR")),
            ("es-MX", Some("MX")),
            ("id_ID", Some("ID")),
            ("en-US", Some("US")),
            ("zh-Hant-TW", Some("TW")),
            ("es-419", None),
            ("pt", None),
            ("C", None),
            ("", None),
        ] {
            assert_eq!(
                Region::from_locale(locale).as_ref().map(Region::as_str),
                expected,
                "{locale}"
            );
        }
        assert_eq!(Region::for_calling_code("55").expect("55").as_str(), "BR");
        assert_eq!(Region::for_calling_code("+1").expect("1").as_str(), "US");
        assert_eq!(Region::for_calling_code("44").expect("44").as_str(), "GB");
        assert!(Region::for_calling_code("999").is_none());
        assert!(Region::parse("XX").is_err());
        assert_eq!(region("br").as_str(), "BR");
        let all = Region::all();
        assert!(all
            .iter()
            .any(|r| r.region.as_str() == "BR" && r.calling_code == 55));
        assert!(all.len() > 200);
    }
}
