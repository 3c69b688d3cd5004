//! Reading a multipart form (a file with the form's other fields) in one place, so that a file
//! over the limit or an upload cut off halfway is explained in plain Indonesian instead of
//! looking like a form sent without a file.

use axum::extract::Multipart;
use axum::http::StatusCode;

/// The largest request body, and so the largest file a user can upload (with the form's other
/// fields). The router applies it to every extractor (`DefaultBodyLimit`) and to the raw body.
pub(crate) const UPLOAD_MAX: usize = 4 * 1024 * 1024;

/// The multipart envelope around a file (boundaries, headers, the other fields): a file of
/// exactly [`UPLOAD_MAX`] still fits.
pub(crate) const ENVELOPE: usize = 64 * 1024;

pub(crate) struct Part {
    name: String,
    file_name: Option<String>,
    bytes: Vec<u8>,
}

/// The fields of a multipart form as read: all of them, or those before the point where the
/// upload failed, with what went wrong (so what the user typed can be shown again).
pub(crate) struct Parts {
    parts: Vec<Part>,
    problem: Option<String>,
}

impl Parts {
    /// Why the form could not be read completely: the file is too large, or the upload broke off.
    pub(crate) fn problem(&self) -> Option<String> {
        self.problem.clone()
    }

    /// The text of field `name` (empty when absent; invalid UTF-8 replaced).
    pub(crate) fn text(&self, name: &str) -> String {
        self.parts
            .iter()
            .find(|p| p.name == name)
            .map(|p| String::from_utf8_lossy(&p.bytes).into_owned())
            .unwrap_or_default()
    }

    /// The file sent as field `name`, with its file name (`default_name` when the browser sent
    /// none), when one was chosen and is not empty.
    pub(crate) fn file(&self, name: &str, default_name: &str) -> Option<(String, Vec<u8>)> {
        self.parts
            .iter()
            .find(|p| p.name == name && !p.bytes.is_empty())
            .map(|p| {
                let file_name = p
                    .file_name
                    .clone()
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| default_name.to_string());
                (file_name, p.bytes.clone())
            })
    }
}

/// Reads every field of the form, stopping at the first problem (kept in [`Parts::problem`]).
pub(crate) async fn read(mut form: Multipart) -> Parts {
    let mut parts = Vec::new();
    let problem = loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break None,
            Err(e) => break Some(problem(e.status())),
        };
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(str::to_string);
        match field.bytes().await {
            Ok(bytes) => parts.push(Part {
                name,
                file_name,
                bytes: bytes.to_vec(),
            }),
            Err(e) => break Some(problem(e.status())),
        }
    };
    Parts { parts, problem }
}

fn problem(status: StatusCode) -> String {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        format!(
            "Berkas terlalu besar: paling besar {} MB. Perkecil berkasnya (hapus lembar atau kolom yang tidak dipakai, atau simpan sebagai CSV), lalu unggah lagi.",
            UPLOAD_MAX / (1024 * 1024)
        )
    } else {
        "Berkas terputus saat diunggah. Periksa sambungan, lalu unggah lagi.".to_string()
    }
}
