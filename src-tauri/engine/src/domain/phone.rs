//! Phone numbers in E.164, normalised from what people type (`+55 (11) 90000-0002`, `0812 3456 789`).

use super::InputError;
use serde::{Deserialize, Serialize};

/// A country calling code (1–3 digits), used to complete numbers typed in local format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(try_from = "String", into = "String")]
pub struct CountryCode(String);

impl CountryCode {
    pub fn parse(input: &str) -> Result<Self, InputError> {
        let digits = input.trim().trim_start_matches('+');
        let valid = (1..=3).contains(&digits.len())
            && digits.chars().all(|c| c.is_ascii_digit())
            && !digits.starts_with('0');
        if valid {
            Ok(Self(digits.to_owned()))
        } else {
            Err(InputError::new(format!(
                "\"{}\" is not a country calling code; use 1 to 3 digits, like 55 or +62.",
                input.trim()
            )))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CountryCode {
    type Error = InputError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<CountryCode> for String {
    fn from(value: CountryCode) -> Self {
        value.0
    }
}

/// A phone number in E.164 form, stored as its digits (country code first, no `+`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);

const MIN_DIGITS: usize = 8;
const MAX_DIGITS: usize = 15;
/// Numbers this short without a country code are taken as national numbers when a default country is set.
const MAX_NATIONAL_DIGITS: usize = 10;

impl PhoneNumber {
    /// Parses a number as a person types it.
    ///
    /// `+` or `00` starts an international number. A leading `0` is a national trunk prefix and is
    /// replaced by the default country code. A short number (≤ 10 digits) that does not already start
    /// with the default country code also gets it; anything longer is taken as already international,
    /// which is how WhatsApp numbers are usually written (`5511900000002`).
    pub fn parse(input: &str, default_country: Option<&CountryCode>) -> Result<Self, InputError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(InputError::new("Enter a phone number."));
        }
        let (international, rest) = match trimmed.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, trimmed),
        };
        let mut digits = String::with_capacity(rest.len());
        for c in rest.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '(' | ')' | '.' | '/' => {}
                _ => {
                    return Err(InputError::new(format!(
                        "\"{trimmed}\" is not a phone number: it contains \"{c}\"."
                    )))
                }
            }
        }
        let full = if international {
            digits
        } else if let Some(after) = digits.strip_prefix("00") {
            after.to_owned()
        } else if let Some(national) = digits.strip_prefix('0') {
            let Some(country) = default_country else {
                return Err(InputError::new(format!(
                    "\"{trimmed}\" is a local number: add the country code (like +55…) or set a default country code in Settings."
                )));
            };
            format!("{}{}", country.as_str(), national)
        } else {
            match default_country {
                Some(country)
                    if digits.len() <= MAX_NATIONAL_DIGITS && !digits.starts_with(country.as_str()) =>
                {
                    format!("{}{}", country.as_str(), digits)
                }
                _ => digits,
            }
        };
        if full.starts_with('0') || !(MIN_DIGITS..=MAX_DIGITS).contains(&full.len()) {
            return Err(InputError::new(format!(
                "\"{trimmed}\" is not a valid phone number: it needs a country code and {MIN_DIGITS} to {MAX_DIGITS} digits in all."
            )));
        }
        Ok(Self(full))
    }

    /// Builds a number from digits already known to be international (a WhatsApp user id).
    pub fn from_international_digits(digits: &str) -> Result<Self, InputError> {
        Self::parse(&format!("+{digits}"), None)
    }

    /// Digits with the country code, as providers want them (`5511900000002`).
    pub fn digits(&self) -> &str {
        &self.0
    }

    /// The E.164 form with its `+`.
    pub fn e164(&self) -> String {
        format!("+{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cc(code: &str) -> CountryCode {
        CountryCode::parse(code).expect("valid country code")
    }

    #[test]
    fn international_forms_normalise_to_digits() {
        for input in [
            "+55 (11) 90000-0002",
            "0055 11 90000 0002",
            "5511900000002",
            " +5511900000002 ",
        ] {
            assert_eq!(
                PhoneNumber::parse(input, None).expect(input).digits(),
                "5511900000002"
            );
        }
    }

    #[test]
    fn trunk_zero_takes_the_default_country_code() {
        let number = PhoneNumber::parse("0812-3456-789", Some(&cc("62"))).expect("local number");
        assert_eq!(number.e164(), "+628123456789");
    }

    #[test]
    fn short_national_numbers_take_the_default_country_code() {
        let number = PhoneNumber::parse("(555) 000-1234", Some(&cc("+1"))).expect("national number");
        assert_eq!(number.digits(), "15550001234");
        // Already carrying the country code: left alone.
        let number = PhoneNumber::parse("15550001234", Some(&cc("1"))).expect("international");
        assert_eq!(number.digits(), "15550001234");
    }

    #[test]
    fn local_number_without_default_country_is_refused_with_a_hint() {
        let err = PhoneNumber::parse("0812345678", None).expect_err("needs a country");
        assert!(err.0.contains("country code"), "{err}");
    }

    #[test]
    fn garbage_and_wrong_lengths_are_refused() {
        for input in [
            "",
            "abc",
            "+55 11 9000O-0002",
            "+1234",
            "+1234567890123456",
            "+0123456789",
        ] {
            assert!(
                PhoneNumber::parse(input, None).is_err(),
                "{input:?} should be refused"
            );
        }
    }

    #[test]
    fn country_codes_are_checked() {
        assert_eq!(cc("+351").as_str(), "351");
        for bad in ["", "0", "1234", "4a"] {
            assert!(CountryCode::parse(bad).is_err(), "{bad:?}");
        }
    }
}
