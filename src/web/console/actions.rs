//! The workflow actions on a complaint's page: one form per action the
//! domain offers the signed-in person now (`App::offers`), posted to
//! `/console/complaints/{id}/act`. A refused input comes back next to its
//! field; a stale version says so and keeps what was typed.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use uuid::Uuid;

use crate::domain::workflow::{
    Action, Command, DispatchInput, DispatchMethod, Offer, WorkflowError,
};

pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// One input of an action's form.
pub struct Field {
    /// text, textarea, select, checkboxes, date
    pub kind: &'static str,
    pub name: &'static str,
    pub id: String,
    pub label: &'static str,
    pub value: String,
    pub options: Vec<Opt>,
    pub required: bool,
    pub hint: Option<&'static str>,
    pub error: Option<String>,
}

pub struct ActionForm {
    pub action: &'static str,
    pub title: &'static str,
    pub button: &'static str,
    /// For a disposition action: which one.
    pub disposition: Option<String>,
    pub fields: Vec<Field>,
    /// Danger styling (reject, redirect, merge).
    pub grave: bool,
}

/// What the page needs to build the forms.
pub struct Context<'a> {
    pub positions: &'a [crate::store::Position],
    pub org: &'a crate::domain::workflow::OrgChart,
    /// Where a disposition would come from (`workflow::disposer`).
    pub dispose_from: Option<Uuid>,
    pub instructions: &'a [String],
    pub latest_draft: Option<&'a str>,
    pub channel: crate::domain::Channel,
    /// Values typed in the form that came back (refused or stale).
    pub kept: &'a HashMap<String, Vec<String>>,
    /// The action that came back, and the field errors to show in it.
    pub failed: Option<(&'a str, &'a [(String, String)])>,
}

impl Context<'_> {
    /// The positions a disposition may go to — those under the disposer —
    /// in the order of the tree, each indented by its depth below it.
    fn below(&self) -> Vec<(Uuid, String)> {
        let Some(from) = self.dispose_from else {
            return Vec::new();
        };
        let mut out: Vec<(Vec<String>, Uuid)> = self
            .positions
            .iter()
            .filter(|p| self.org.is_below(p.id, from))
            .map(|p| {
                let mut path: Vec<String> = self
                    .org
                    .chain_above(p.id)
                    .into_iter()
                    .take_while(|a| *a != from)
                    .map(|a| self.org.title(a).to_string())
                    .collect();
                path.reverse();
                path.push(p.title.clone());
                (path, p.id)
            })
            .collect();
        out.sort();
        out.into_iter()
            .map(|(path, id)| {
                let depth = path.len().saturating_sub(1);
                let title = path.last().cloned().unwrap_or_default();
                (id, format!("{}{title}", "— ".repeat(depth)))
            })
            .collect()
    }

    fn kept(&self, action: &str, name: &str) -> Option<String> {
        match self.failed {
            Some((a, _)) if a == action => self.kept.get(name).and_then(|v| v.first()).cloned(),
            _ => None,
        }
    }

    fn error(&self, action: &str, name: &str) -> Option<String> {
        match self.failed {
            Some((a, errors)) if a == action => errors
                .iter()
                .find(|(f, _)| f == name)
                .map(|(_, m)| m.clone()),
            _ => None,
        }
    }

    fn field(
        &self,
        action: &'static str,
        kind: &'static str,
        name: &'static str,
        label: &'static str,
        required: bool,
    ) -> Field {
        Field {
            kind,
            name,
            id: format!("{action}-{name}"),
            label,
            value: match kind {
                "date" => {
                    crate::words::isian_tanggal_str(&self.kept(action, name).unwrap_or_default())
                }
                _ => self.kept(action, name).unwrap_or_default(),
            },
            options: Vec::new(),
            required,
            hint: None,
            error: self.error(action, name),
        }
    }
}

/// The forms for the offers, in the order people take them.
pub fn forms(offers: &[Offer], ctx: &Context<'_>) -> Vec<ActionForm> {
    let mut out = Vec::new();
    for o in offers {
        let a = o.action.as_str();
        let form = |title, button, fields, grave| ActionForm {
            action: o.action.as_str(),
            title,
            button,
            disposition: o.disposition.map(|d| d.to_string()),
            fields,
            grave,
        };
        let note = |label| ctx.field(o.action.as_str(), "textarea", "note", label, false);
        let reason = || ctx.field(o.action.as_str(), "textarea", "reason", "Alasan", true);
        out.push(match o.action {
            Action::ForwardToHead => form(
                "Teruskan ke Kepala Dinas",
                "Teruskan",
                vec![note("Catatan (tidak wajib)")],
                false,
            ),
            Action::Dispose => {
                let mut to = ctx.field(a, "select", "to", "Kepada", true);
                let chosen = to.value.clone();
                let below = ctx.below();
                to.options = below
                    .iter()
                    .map(|(p, label)| Opt {
                        selected: p.to_string() == chosen,
                        value: p.to_string(),
                        label: label.clone(),
                    })
                    .collect();
                let mut copies = ctx.field(a, "checkboxes", "copies", "Tembusan (tidak wajib)", false);
                let kept_copies: Vec<String> = match ctx.failed {
                    Some((f, _)) if f == a => ctx.kept.get("copies").cloned().unwrap_or_default(),
                    _ => Vec::new(),
                };
                copies.options = below
                    .into_iter()
                    .map(|(p, label)| Opt {
                        selected: kept_copies.contains(&p.to_string()),
                        value: p.to_string(),
                        label,
                    })
                    .collect();
                let mut instruction = ctx.field(a, "select", "instruction", "Instruksi", true);
                let chosen = instruction.value.clone();
                instruction.options = ctx
                    .instructions
                    .iter()
                    .map(|i| Opt {
                        selected: *i == chosen,
                        value: i.clone(),
                        label: i.clone(),
                    })
                    .collect();
                let mut due = ctx.field(a, "date", "due_date", "Diselesaikan paling lambat (tidak wajib)", false);
                due.hint = Some("Tidak boleh melewati batas waktu pengaduan.");
                form(
                    "Disposisikan",
                    "Kirim disposisi",
                    vec![to, instruction, note("Catatan"), copies, due],
                    false,
                )
            }
            Action::ReadDisposition => form("Tandai disposisi sudah dibaca", "Sudah dibaca", vec![], false),
            Action::WithdrawDisposition => form(
                "Tarik disposisi (belum dibaca penerimanya)",
                "Tarik disposisi",
                vec![],
                true,
            ),
            Action::SaveDraft => {
                let mut body = ctx.field(a, "textarea", "body", "Konsep jawaban", true);
                if body.value.is_empty() {
                    body.value = ctx.latest_draft.unwrap_or_default().to_string();
                }
                body.hint = Some("Tulis isi jawaban saja: alamat, salam pembuka (\"Menindaklanjuti pengaduan Saudara …\") dan penutup sudah ada di surat dan surel. Versi sebelumnya sudah terisi; ubah seperlunya. Setiap simpanan menjadi versi baru.");
                form("Susun konsep jawaban", "Simpan konsep", vec![body], false)
            }
            Action::SubmitDraft => form(
                "Ajukan konsep jawaban kepada atasan",
                "Ajukan",
                vec![note("Catatan (tidak wajib)")],
                false,
            ),
            Action::Approve => form(
                "Setujui konsep jawaban",
                "Setujui",
                vec![note("Catatan (tidak wajib)")],
                false,
            ),
            Action::Return => {
                let mut n = ctx.field(a, "textarea", "note", "Yang perlu diperbaiki", true);
                n.required = true;
                form("Kembalikan untuk diperbaiki", "Kembalikan", vec![n], false)
            }
            Action::Dispatch => {
                let mut method = ctx.field(a, "select", "method", "Cara penyampaian", false);
                let chosen = method.value.clone();
                let default = match ctx.channel {
                    crate::domain::Channel::Lapor => "lapor",
                    crate::domain::Channel::Email | crate::domain::Channel::Web => "email",
                    crate::domain::Channel::FaceToFace => "in_person",
                    crate::domain::Channel::Api => "agency",
                    crate::domain::Channel::Whatsapp => "whatsapp",
                    crate::domain::Channel::Telegram => "telegram",
                    crate::domain::Channel::Sms => "sms",
                    crate::domain::Channel::Phone => "phone",
                    crate::domain::Channel::SocialMedia => "social_media",
                    _ => "letter",
                };
                method.options = [
                    ("letter", "Surat"),
                    ("in_person", "Diserahkan langsung"),
                    ("email", "Surel"),
                    ("lapor", "SP4N-LAPOR!"),
                    ("agency", "Sistem instansi pengirim"),
                    ("whatsapp", "WhatsApp"),
                    ("telegram", "Telegram"),
                    ("sms", "SMS"),
                    ("phone", "Telepon"),
                    ("social_media", "Balasan di media sosial"),
                ]
                .into_iter()
                .map(|(v, l)| Opt {
                    selected: if chosen.is_empty() { v == default } else { v == chosen },
                    value: v.into(),
                    label: l.into(),
                })
                .collect();
                let mut number = ctx.field(a, "text", "letter_number", "Nomor surat jawaban", false);
                number.hint = Some("Untuk jawaban berupa surat.");
                let date = ctx.field(a, "date", "letter_date", "Tanggal surat", false);
                let mut given = ctx.field(
                    a,
                    "text",
                    "given_by",
                    "Diserahkan, ditelepon, atau dibalas oleh",
                    false,
                );
                given.hint = Some(
                    "Untuk jawaban yang diserahkan langsung, disampaikan lewat telepon, atau \
                     dibalas di media sosial: nama petugasnya.",
                );
                let mut reply = ctx.field(a, "url", "reply_url", "Alamat balasan di media sosial", false);
                reply.hint = Some("Tautan balasan yang diunggah di platform, mis. https://www.facebook.com/…");
                form(
                    "Kirim jawaban kepada pelapor",
                    "Catat pengiriman",
                    vec![method, number, date, given, reply, note("Catatan (tidak wajib)")],
                    false,
                )
            }
            Action::Close => form("Tutup pengaduan", "Tutup", vec![note("Catatan (tidak wajib)")], false),
            Action::Reopen => form("Buka kembali", "Buka kembali", vec![reason()], false),
            Action::Redirect => {
                let agency = ctx.field(a, "text", "agency", "Instansi yang berwenang", true);
                form("Alihkan ke instansi lain", "Alihkan", vec![agency, reason()], true)
            }
            Action::Merge => {
                let mut into = ctx.field(a, "text", "into", "Nomor pengaduan yang sama", true);
                into.hint = Some("Nomor pengaduan lain yang isinya sama, mis. ADU-2026-000012.");
                let r = ctx.field(a, "textarea", "reason", "Alasan (tidak wajib)", false);
                form("Gabungkan dengan pengaduan lain", "Gabungkan", vec![into, r], true)
            }
            Action::Reject => form("Tolak (tidak dapat ditindaklanjuti)", "Tolak", vec![reason()], true),
        });
    }
    out
}

/// A posted form: every value of every name (copies repeat).
pub fn parse_form(body: &[u8]) -> HashMap<String, Vec<String>> {
    let mut m: HashMap<String, Vec<String>> = HashMap::new();
    for (k, v) in form_urlencoded::parse(body) {
        m.entry(k.into_owned()).or_default().push(v.into_owned());
    }
    m
}

/// The first value of `k`, trimmed (empty when absent).
pub fn first<'a>(m: &'a HashMap<String, Vec<String>>, k: &str) -> &'a str {
    one(m, k)
}

fn one<'a>(m: &'a HashMap<String, Vec<String>>, k: &str) -> &'a str {
    m.get(k)
        .and_then(|v| v.first())
        .map(|s| s.trim())
        .unwrap_or("")
}

fn opt(m: &HashMap<String, Vec<String>>, k: &str) -> Option<String> {
    Some(one(m, k).to_string()).filter(|s| !s.is_empty())
}

/// The command a form asks for, or the fields it must fix (in Indonesian).
/// `find_number` looks up the complaint a merge names by its number.
pub fn command(
    action: Action,
    m: &HashMap<String, Vec<String>>,
    instructions: &[String],
    tz: chrono_tz::Tz,
    merge_into: Option<Uuid>,
) -> Result<Command, Vec<(String, String)>> {
    let mut e: Vec<(String, String)> = Vec::new();
    let need = |e: &mut Vec<(String, String)>, k: &str, what: &str| -> String {
        let v = one(m, k).to_string();
        if v.is_empty() {
            e.push((k.to_string(), format!("{what} wajib diisi.")));
        } else if v.chars().count() > 20_000 {
            e.push((k.to_string(), "Terlalu panjang.".into()));
        }
        v
    };
    let disposition = one(m, "disposition").parse::<Uuid>().ok();
    let date = |k: &str, e: &mut Vec<(String, String)>| -> Option<NaiveDate> {
        let v = one(m, k);
        if v.is_empty() {
            return None;
        }
        crate::words::parse_tanggal(v).or_else(|| {
            e.push((
                k.to_string(),
                "Tanggal tidak terbaca: tulis hh-bb-tttt, mis. 15-12-2026.".into(),
            ));
            None
        })
    };
    let cmd = match action {
        Action::ForwardToHead => Command::ForwardToHead {
            note: opt(m, "note"),
        },
        Action::Dispose => {
            let to = one(m, "to").parse::<Uuid>().ok();
            if to.is_none() {
                e.push(("to".into(), "Pilih jabatan penerima disposisi.".into()));
            }
            let wanted = need(&mut e, "instruction", "Instruksi");
            let instruction = instructions.iter().find(|i| **i == wanted).cloned();
            if instruction.is_none() && !wanted.is_empty() {
                e.push((
                    "instruction".into(),
                    "Pilih salah satu instruksi baku.".into(),
                ));
            }
            let copies: Vec<Uuid> = m
                .get("copies")
                .map(|v| v.iter().filter_map(|c| c.parse().ok()).collect())
                .unwrap_or_default();
            let due_at = date("due_date", &mut e).and_then(|d| {
                d.and_hms_opt(23, 59, 59)
                    .and_then(|t| t.and_local_timezone(tz).earliest())
                    .map(|t| t.to_utc())
            });
            match (to, instruction) {
                (Some(to), Some(instruction)) => Command::Dispose {
                    to,
                    copies,
                    instruction,
                    note: opt(m, "note"),
                    due_at,
                },
                _ => return Err(e),
            }
        }
        Action::ReadDisposition | Action::WithdrawDisposition => {
            let Some(d) = disposition else {
                return Err(vec![(
                    "disposition".into(),
                    "Disposisi tidak dikenal.".into(),
                )]);
            };
            if action == Action::ReadDisposition {
                Command::ReadDisposition { disposition: d }
            } else {
                Command::WithdrawDisposition { disposition: d }
            }
        }
        Action::SaveDraft => Command::SaveDraft {
            body: need(&mut e, "body", "Konsep jawaban"),
        },
        Action::SubmitDraft => Command::SubmitDraft {
            note: opt(m, "note"),
        },
        Action::Approve => Command::Approve {
            note: opt(m, "note"),
        },
        Action::Return => Command::Return {
            note: need(&mut e, "note", "Catatan perbaikan"),
        },
        Action::Dispatch => {
            let method = DispatchMethod::parse(one(m, "method"));
            let letter_date = date("letter_date", &mut e);
            Command::Dispatch(DispatchInput {
                method,
                letter_number: opt(m, "letter_number"),
                letter_date,
                given_by: opt(m, "given_by"),
                given_at: matches!(
                    method,
                    Some(
                        DispatchMethod::InPerson
                            | DispatchMethod::Phone
                            | DispatchMethod::SocialMedia
                    )
                )
                .then(Utc::now),
                reply_url: opt(m, "reply_url"),
                note: opt(m, "note"),
            })
        }
        Action::Close => Command::Close {
            note: opt(m, "note"),
        },
        Action::Reopen => Command::Reopen {
            reason: need(&mut e, "reason", "Alasan"),
        },
        Action::Redirect => Command::Redirect {
            agency: need(&mut e, "agency", "Instansi"),
            reason: need(&mut e, "reason", "Alasan"),
        },
        Action::Merge => {
            let Some(into) = merge_into else {
                e.push((
                    "into".into(),
                    "Tidak ada pengaduan dengan nomor ini.".into(),
                ));
                return Err(e);
            };
            Command::Merge {
                into,
                reason: opt(m, "reason"),
            }
        }
        Action::Reject => Command::Reject {
            reason: need(&mut e, "reason", "Alasan"),
        },
    };
    if e.is_empty() { Ok(cmd) } else { Err(e) }
}

/// The domain's reason (in English) as staff read it, for the fields of
/// the dispatch form.
fn in_indonesian(field: &str, message: &str) -> Option<&'static str> {
    Some(match field {
        "given_by" => "isi nama petugas yang menyerahkan, menelepon, atau membalas",
        "given_at" => "waktunya tidak boleh di masa depan",
        "reply_url" => "isi alamat balasan di media sosial (https://…)",
        "letter_number" => "isi nomor surat jawaban",
        "letter_date" => "isi tanggal surat jawaban",
        "method" if message.contains("not configured") => {
            "saluran itu belum diaktifkan di server ini: pilih cara lain (surat, telepon, diserahkan langsung)"
        }
        "method" if message.contains("phone number") => "pelapor tidak memberikan nomor telepon",
        "method" if message.contains("email") => "pelapor tidak memberikan alamat surel",
        "method" => "cara penyampaian ini tidak sesuai dengan saluran pengaduannya",
        _ => return None,
    })
}

/// A refusal of the domain as the person reads it, and the field it is about.
pub fn refusal(e: &WorkflowError) -> (Option<String>, String) {
    match e {
        WorkflowError::Invalid { field, message } => (
            Some(match *field {
                "due_at" => "due_date".to_string(),
                f => f.to_string(),
            }),
            format!(
                "Belum dapat diterima: {}.",
                in_indonesian(field, message).unwrap_or(message)
            ),
        ),
        WorkflowError::Forbidden(m) => (None, format!("Bukan wewenang Anda: {m}.")),
        WorkflowError::WrongState { status, .. } => (
            None,
            format!(
                "Tidak dapat dilakukan pada pengaduan berstatus {}.",
                crate::words::status(*status)
            ),
        ),
        WorkflowError::Conflict(m) => (None, format!("Tidak dapat dilakukan sekarang: {m}.")),
    }
}

/// The notice after an action went through.
pub fn done(action: Action) -> &'static str {
    match action {
        Action::ForwardToHead => "Pengaduan sudah diteruskan ke Kepala Dinas.",
        Action::Dispose => "Disposisi sudah dikirim.",
        Action::ReadDisposition => "Disposisi ditandai sudah dibaca.",
        Action::WithdrawDisposition => "Disposisi sudah ditarik.",
        Action::SaveDraft => "Konsep jawaban tersimpan sebagai versi baru.",
        Action::SubmitDraft => "Konsep jawaban sudah diajukan.",
        Action::Approve => "Konsep jawaban sudah disetujui.",
        Action::Return => "Konsep jawaban dikembalikan untuk diperbaiki.",
        Action::Dispatch => "Pengiriman jawaban sudah dicatat.",
        Action::Close => "Pengaduan sudah ditutup.",
        Action::Reopen => "Pengaduan dibuka kembali.",
        Action::Redirect => "Pengaduan sudah dialihkan.",
        Action::Merge => "Pengaduan sudah digabungkan.",
        Action::Reject => "Pengaduan sudah ditolak.",
    }
}
