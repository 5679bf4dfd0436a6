//! The linked account's profile (the name, About text and picture its contacts see), read and
//! changed through its provider, from the window and from local apps alike.

use super::{within, Engine};
use crate::domain::{InputError, InstanceId, PhoneNumber};
use crate::error::EngineError;
use crate::provider::{Profile, ProviderError};
use serde::Deserialize;
use std::path::Path;

/// A change to the profile. Fields left out stay as they are.
#[derive(Debug, Clone, Default, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProfileUpdate {
    pub name: Option<String>,
    pub about: Option<String>,
    pub picture: Option<PictureChange>,
}

#[derive(Debug, Clone, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PictureChange {
    /// A JPEG or PNG on this computer (for local apps, only from the folders Settings allows).
    File {
        path: String,
    },
    Remove,
}

/// The side of the square picture sent, in pixels: what WhatsApp shows at full size.
const PICTURE_SIDE: u32 = 640;
/// The largest picture file read.
const MAX_PICTURE_BYTES: u64 = 10 * 1024 * 1024;

/// Who asks for a change: a person in the window may use any file; a local app only files in
/// the folders Settings lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requester {
    Window,
    LocalApp,
}

impl Engine {
    pub async fn profile(&self, id: &InstanceId) -> Result<Profile, EngineError> {
        let instance = self.instance(id).await?;
        let own = instance
            .phone
            .as_deref()
            .and_then(|phone| PhoneNumber::from_international_digits(phone.trim_start_matches('+')).ok())
            .ok_or(ProviderError::NotConnected)?;
        let provider = self.provider(&instance).await?;
        let mut profile = within(
            self.inner.timeouts.state,
            "a profile read",
            provider.profile(&own),
        )
        .await?;
        // The gateway may not have stored the account's own name; the connection reported it.
        if profile.name.is_none() {
            profile.name = instance.profile_name;
        }
        Ok(profile)
    }

    /// Changes what is given, in order name, About, picture, and answers the profile as it now is.
    pub async fn update_profile(
        &self,
        id: &InstanceId,
        update: ProfileUpdate,
        requester: Requester,
    ) -> Result<Profile, EngineError> {
        let limits = crate::limits::LIMITS;
        let name = checked_text(
            update.name.as_deref(),
            limits.max_profile_name_chars,
            "A profile name",
        )?;
        let about = checked_text(
            update.about.as_deref(),
            limits.max_profile_about_chars,
            "The About text",
        )?;
        // The picture is read and prepared before anything changes, so a bad file changes nothing.
        let picture = match &update.picture {
            Some(PictureChange::File { path }) => {
                let path = Path::new(path.trim());
                if requester == Requester::LocalApp {
                    self.check_api_file(path).await?;
                }
                Some(Some(read_picture(path).await?))
            }
            Some(PictureChange::Remove) => Some(None),
            None => None,
        };
        let instance = self.instance(id).await?;
        let provider = self.provider(&instance).await?;
        let limit = self.inner.timeouts.send;
        if let Some(name) = name {
            within(limit, "a profile change", provider.set_profile_name(name)).await?;
            self.inner
                .store
                .set_instance_profile(id, Some(name), None, self.now())
                .await?;
            self.emit(crate::events::EngineEvent::InstancesChanged);
        }
        if let Some(about) = about {
            within(limit, "a profile change", provider.set_profile_about(about)).await?;
        }
        if let Some(picture) = &picture {
            within(
                limit,
                "a profile change",
                provider.set_profile_picture(picture.as_deref()),
            )
            .await?;
        }
        self.profile(id).await
    }
}

/// A profile text, trimmed, with 1 to `most` characters (when given).
fn checked_text<'a>(text: Option<&'a str>, most: usize, what: &str) -> Result<Option<&'a str>, InputError> {
    let Some(text) = text.map(str::trim) else {
        return Ok(None);
    };
    if text.is_empty() || text.chars().count() > most {
        return Err(InputError::new(format!("{what} has 1 to {most} characters.")));
    }
    Ok(Some(text))
}

async fn read_picture(path: &Path) -> Result<Vec<u8>, EngineError> {
    let unreadable = || InputError::new(format!("{} could not be read.", path.display()));
    let size = tokio::fs::metadata(path).await.map_err(|_| unreadable())?.len();
    if size > MAX_PICTURE_BYTES {
        return Err(InputError::new("Choose a picture under 10 MB.").into());
    }
    let bytes = tokio::fs::read(path).await.map_err(|_| unreadable())?;
    Ok(tokio::task::spawn_blocking(move || square_jpeg(&bytes))
        .await
        .map_err(|_| unreadable())??)
}

/// The middle square of a picture, at WhatsApp's size, as JPEG: what both providers send.
pub fn square_jpeg(bytes: &[u8]) -> Result<Vec<u8>, InputError> {
    let image = image::load_from_memory(bytes)
        .map_err(|_| InputError::new("That file is not a JPEG or PNG picture."))?;
    let side = image.width().min(image.height());
    let square = image.crop_imm(
        (image.width() - side) / 2,
        (image.height() - side) / 2,
        side,
        side,
    );
    let sized = square.resize_exact(PICTURE_SIDE, PICTURE_SIDE, image::imageops::FilterType::Triangle);
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 85)
        .encode_image(&sized.to_rgb8())
        .map_err(|_| InputError::new("That picture could not be converted."))?;
    Ok(jpeg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wide_picture_becomes_its_middle_square_as_jpeg() {
        let mut wide = image::RgbImage::new(300, 100);
        // Red on the left and right thirds, green in the middle.
        for (x, _, pixel) in wide.enumerate_pixels_mut() {
            *pixel = if (100..200).contains(&x) {
                image::Rgb([0, 200, 0])
            } else {
                image::Rgb([200, 0, 0])
            };
        }
        let mut png = Vec::new();
        image::DynamicImage::ImageRgb8(wide)
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .expect("png");
        let jpeg = square_jpeg(&png).expect("converted");
        assert_eq!(&jpeg[..2], &[0xFF, 0xD8], "a JPEG");
        let back = image::load_from_memory(&jpeg).expect("decodes").to_rgb8();
        assert_eq!(back.dimensions(), (PICTURE_SIDE, PICTURE_SIDE));
        let corner = back.get_pixel(5, 5);
        assert!(
            corner[1] > 150 && corner[0] < 60,
            "only the green middle is kept: {corner:?}"
        );
    }

    #[test]
    fn what_is_not_a_picture_is_refused() {
        assert!(square_jpeg(b"%PDF-1.7 not a picture").is_err());
    }
}
