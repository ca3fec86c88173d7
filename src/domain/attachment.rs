//! How a stored attachment may be served (ADR 0015, "Attachments"): a file a
//! complainant or an integrator uploaded is untrusted content. It keeps its
//! declared type only when that type cannot run in a browser (documents and
//! raster images); anything else — HTML, SVG, XML, scripts, unknown types —
//! is served as `application/octet-stream`, and every attachment response
//! carries `Content-Security-Policy: default-src 'none'; sandbox`.

/// The policy every attachment download carries.
pub const DOWNLOAD_CSP: &str = "default-src 'none'; sandbox";

/// Types served as declared: they cannot carry script a browser runs.
const SAFE: &[&str] = &[
    "application/pdf",
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "text/plain",
    "text/csv",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/zip",
    "audio/mpeg",
    "audio/ogg",
    "video/mp4",
];

/// The `Content-Type` to serve a stored attachment with.
pub fn served_type(declared: &str) -> &'static str {
    let essence = declared
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    SAFE.iter()
        .find(|t| **t == essence)
        .copied()
        .unwrap_or("application/octet-stream")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_types_that_cannot_run_keep_their_type() {
        assert_eq!(served_type("image/png"), "image/png");
        assert_eq!(served_type("Application/PDF; name=x"), "application/pdf");
        for active in [
            "text/html",
            "image/svg+xml",
            "application/xhtml+xml",
            "text/xml",
            "application/xml",
            "text/javascript",
            "application/x-shockwave-flash",
            "",
            "whatever/else",
        ] {
            assert_eq!(served_type(active), "application/octet-stream", "{active}");
        }
    }
}
