//! QR codes rendered locally from the QR text (never the provider's bitmap): SVG for the window,
//! crisp at any size, and PNG for programs that want an image.

#[derive(Debug, thiserror::Error)]
#[error("the QR text cannot be encoded: {0}")]
pub struct QrError(String);

/// An SVG whose modules scale with the element that shows it.
pub fn render_svg(text: &str) -> Result<String, QrError> {
    let code = qrcode::QrCode::new(text.as_bytes()).map_err(|e| QrError(e.to_string()))?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(256, 256)
        .quiet_zone(true)
        .dark_color(qrcode::render::svg::Color("#111827"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build())
}

/// A PNG at least `size` pixels wide.
pub fn render_png(text: &str, size: u32) -> Result<Vec<u8>, QrError> {
    let code = qrcode::QrCode::new(text.as_bytes()).map_err(|e| QrError(e.to_string()))?;
    let image = code
        .render::<image::Luma<u8>>()
        .min_dimensions(size, size)
        .build();
    let mut png = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut png, image::ImageFormat::Png)
        .map_err(|e| QrError(e.to_string()))?;
    Ok(png.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "2@Vq3xY8mR0tK7wP2sN5dL9hF4gJ1cB6zA0eU3iO8yT5rW2qE7uI4oP1aS6dF9gH3jK0lZ,kN4b7QwE2rT9yU1iO5pA8sD3fG6hJ0kL2zX4cV7bN1m=";

    #[test]
    fn svg_is_a_scalable_image_of_the_text() {
        let svg = render_svg(SAMPLE).expect("svg");
        assert!(
            svg.starts_with("<?xml") && svg.contains("<svg") && svg.contains("viewBox"),
            "{svg:.200}"
        );
        assert_ne!(render_svg("other").expect("svg"), svg);
    }

    #[test]
    fn png_decodes_at_the_requested_size() {
        let png = render_png(SAMPLE, 300).expect("png");
        let image = image::load_from_memory(&png).expect("decodes");
        assert!(image.width() >= 300);
    }
}
