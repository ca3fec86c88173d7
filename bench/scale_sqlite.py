#!/usr/bin/env python3
"""bench/scale.sh's mix on SQLite (issue 38, item 4): the same complaints,
events, dispositions, drafts, dispatches, attachments and search index as the
PostgreSQL load, written into a migrated SQLite file.

    scale_sqlite.py DB N DEK

DEK: the sealed data key of one complaint registered through the service
(lent to every generated complaint, as on PostgreSQL). The sqlite3 shell of
Debian 12 has no unhex(), so ids (16-byte blobs in time order, as UUIDv7) and
the pseudo-random picks are made by functions registered here; the rows are
made in SQL.
"""
import hashlib
import sqlite3
import sys
import time
import zlib

DB, N, DEK = sys.argv[1], int(sys.argv[2]), sys.argv[3]
NOW = time.time()
SPAN = 1826 * 86400  # five years, in seconds

VOCAB = ("bantuan sudah tiga bulan belum cair kartu lansia ibu kami rumah rusak desa "
         "kelurahan petugas datang mohon segera ditindaklanjuti data dtks pkh bpnt sembako "
         "beras anak sekolah sakit obat kursi roda disabilitas pendamping kantor camat lurah "
         "rt rw warga miskin layak tidak terdaftar hilang uang potongan pungutan janji tahap "
         "oktober").split()
# what the service's stemmer makes of each (checked through the API)
STEMS = ("bantu sudah tiga bulan belum cair kartu lansia ibu kami rumah rusak desa lurah "
         "tugas datang mohon segera tindaklanjut data dtks pkh bpnt sembako beras anak seko "
         "sakit obat kursi roda sabilitas damping kantor camat lurah rt rw warga miskin layak "
         "tidak daftar hilang uang potong pungut janji tahap oktober").split()
SUBJECTS = ["bantuan PKH", "kartu lansia", "BPNT belum cair", "data DTKS", "kursi roda",
            "beras sembako"]
SUBJECT_STEMS = ["bantu pkh", "kartu lansia", "bpnt belum cair", "data dtks", "kursi roda",
                 "beras sembako"]


def uuid7(ms, salt):
    """A UUIDv7 as 16 bytes: the millisecond, then bits of the salt's digest."""
    b = bytearray(int(ms).to_bytes(6, "big") + hashlib.md5(str(salt).encode()).digest()[:10])
    b[6] = 0x70 | (b[6] & 0x0F)
    b[8] = 0x80 | (b[8] & 0x3F)
    return bytes(b)


def words(g, stems):
    table = STEMS if stems else VOCAB
    return " ".join(table[(g * (k * 7919 + 13)) % 50] for k in range(1, 15))


def pos(name):
    return bytes.fromhex("0000000000007000800000000000" + name.rjust(4, "0"))


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(t))


db = sqlite3.connect(DB)
db.create_function("uuid7", 2, uuid7, deterministic=True)
db.create_function("words", 2, words, deterministic=True)
db.create_function("iso", 1, iso, deterministic=True)
db.create_function("hash", 1, lambda s: zlib.crc32(s if isinstance(s, bytes) else str(s).encode()),
                   deterministic=True)
db.execute("PRAGMA journal_mode = WAL")
db.execute("PRAGMA synchronous = OFF")
db.execute("PRAGMA cache_size = -1000000")
now = iso(NOW)
start = time.time()

org = [("a1", "Sekretariat"), ("a2", "Bidang Perlindungan dan Jaminan Sosial"),
       ("a3", "Bidang Rehabilitasi Sosial"), ("a4", "Bidang Pemberdayaan Sosial")]
db.executemany("INSERT INTO org_units (id, name, created_at) VALUES (?, ?, ?)",
               [(pos(k), n, now) for k, n in org])
positions = [
    ("b0", None, "Kepala Dinas", None, 1), ("b1", "a1", "Sekretaris", "b0", 0),
    ("b2", "a2", "Kepala Bidang Linjamsos", "b0", 0), ("b3", "a3", "Kepala Bidang Rehsos", "b0", 0),
    ("b4", "a4", "Kepala Bidang Dayasos", "b0", 0),
    ("c2", "a2", "Kepala Seksi Jaminan Sosial", "b2", 0),
    ("c3", "a3", "Kepala Seksi Rehabilitasi Lansia", "b3", 0),
    ("c4", "a4", "Kepala Seksi Pemberdayaan", "b4", 0)]
db.executemany("INSERT INTO positions (id, unit_id, title, superior_id, is_head, created_at) "
               "VALUES (?, ?, ?, ?, ?, ?)",
               [(pos(k), u and pos(u), t, s and pos(s), h, now) for k, u, t, s, h in positions])
db.executemany("INSERT INTO categories (key, name) VALUES (?, ?) ON CONFLICT DO NOTHING",
               [("pkh", "PKH"), ("bpnt", "BPNT"), ("kis", "KIS"), ("dtks", "DTKS"),
                ("rehabilitasi", "Rehabilitasi"), ("lainnya", "Lainnya")])

# g: the complaint's rank in time (1 = five years ago, N = now); p: a
# pseudo-random permille of it; open: the newest 2.5 %
db.execute("CREATE TEMP TABLE gen (g INTEGER PRIMARY KEY, p INTEGER, open INTEGER, late INTEGER, "
           "t REAL, ch TEXT, st TEXT)")
db.execute("""
WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < :n),
a AS (SELECT g, (g * 2654435761) % 1000 AS p, g > :n - :n / 40 AS open,
        g > :n - :n / 40 AND g % max(:n / 40 / 300, 1) = 0 AS late,
        :now - (:n - g) * (:span * 1.0 / :n) AS t FROM s)
INSERT INTO gen
SELECT g, p, open, late, t,
  CASE WHEN p < 350 THEN 'lapor' WHEN p < 550 THEN 'whatsapp' WHEN p < 650 THEN 'web'
       WHEN p < 730 THEN 'face_to_face' WHEN p < 800 THEN 'letter' WHEN p < 860 THEN 'email'
       WHEN p < 890 THEN 'telegram' WHEN p < 920 THEN 'sms' WHEN p < 950 THEN 'phone'
       WHEN p < 970 THEN 'suggestion_box' ELSE 'api' END,
  CASE WHEN NOT open THEN (CASE WHEN p % 10 < 7 THEN 'closed' ELSE 'answered' END)
       WHEN p < 200 THEN 'registered' WHEN p < 350 THEN 'with_head' WHEN p < 600 THEN 'disposed'
       WHEN p < 900 THEN 'in_progress' ELSE 'approved' END
FROM a""", {"n": N, "now": NOW, "span": SPAN})
print(f"  {N} ranks ({time.time() - start:.0f} s)", file=sys.stderr)

subjects = " ".join(f"WHEN {i} THEN 'Pengaduan {s}'" for i, s in enumerate(SUBJECTS))
stems = " ".join(f"WHEN {i} THEN 'adu {s}'" for i, s in enumerate(SUBJECT_STEMS))
db.execute(f"""
INSERT INTO complaints (id, tracking_number, kind, channel, status, received_at, registered_at,
  updated_at, subject, subject_lower, body, category, anonymous, confidential, version,
  access_digest, extra_working_days, due_at, lapor_followup_due_at, holder_position_id,
  lapor_tracking_id, letter_number, dek)
SELECT uuid7(t * 1000, g), 'ADU-' || strftime('%Y', t, 'unixepoch') || '-' || printf('%08d', g),
  CASE WHEN p < 700 THEN 'complaint' WHEN p < 900 THEN 'aspiration' ELSE 'information_request' END,
  ch, st, iso(t), iso(t), iso(t), subj, lower(subj), words(g, 0),
  CASE g % 6 WHEN 0 THEN 'PKH' WHEN 1 THEN 'BPNT' WHEN 2 THEN 'KIS' WHEN 3 THEN 'DTKS'
    WHEN 4 THEN 'Rehabilitasi' ELSE 'Lainnya' END,
  0, 0, 1, 'x', 0,
  CASE WHEN NOT open THEN iso(t + 14 * 86400)
       WHEN late THEN iso(:now - (1 + g % 30) * 86400)
       ELSE iso(:now + (1 + g % 25) * 86400) END,
  CASE WHEN open AND ch = 'lapor' THEN
       CASE WHEN late THEN iso(:now - 86400) ELSE iso(:now + (g % 25) * 86400) END END,
  CASE st WHEN 'with_head' THEN :b0
          WHEN 'disposed' THEN CASE g % 3 WHEN 0 THEN :b2 WHEN 1 THEN :b3 ELSE :b4 END
          WHEN 'in_progress' THEN CASE g % 3 WHEN 0 THEN :c2 WHEN 1 THEN :c3 ELSE :c4 END END,
  CASE WHEN ch = 'lapor' THEN 'LPR' || printf('%09d', g) END,
  CASE WHEN ch = 'letter' THEN '400/' || g || '/Dinsos/' || strftime('%Y', t, 'unixepoch') END,
  :dek
FROM (SELECT *, (CASE g % 6 {subjects} END)
        || (CASE WHEN g % 1000 = 0 THEN ' jalan rusak Oebobo' ELSE '' END) AS subj FROM gen)
""", {"now": NOW, "dek": DEK, **{k: pos(k) for k in ("b0", "b2", "b3", "b4", "c2", "c3", "c4")}})
print(f"  complaints ({time.time() - start:.0f} s)", file=sys.stderr)

# the search index as the service writes it: stems of the subject and the
# body (FTS5 keeps positions: no pairs, no months on SQLite)
base = db.execute("SELECT coalesce(max(n), 0) FROM complaint_search").fetchone()[0]
db.execute("INSERT INTO complaint_search (n, complaint_id) SELECT g + :b, uuid7(t * 1000, g) FROM gen",
           {"b": base})
db.execute(f"""
INSERT INTO complaint_words (rowid, subject, body, names)
SELECT g + :b, (CASE g % 6 {stems} END)
  || (CASE WHEN g % 1000 = 0 THEN ' jalan rusak oebobo' ELSE '' END), words(g, 1), '' FROM gen""",
           {"b": base})
print(f"  search index ({time.time() - start:.0f} s)", file=sys.stderr)

B = {k: pos(k) for k in ("b0", "b2", "b3", "b4")}
# the timeline: registered; disposed (past the head); answered
db.execute("""
INSERT INTO complaint_events (id, complaint_id, at, kind, actor_name, actor_role, status, detail)
SELECT uuid7(t * 1000, g || 'r'), uuid7(t * 1000, g), iso(t), 'registered', 'Resepsionis',
  'reception', 'registered', '' FROM gen""")
db.execute("""
INSERT INTO complaint_events (id, complaint_id, at, kind, actor_name, actor_role, status, detail)
SELECT uuid7((t + 86400) * 1000, g || 'd'), uuid7(t * 1000, g), iso(t + 86400), 'disposed',
  'Kepala Dinas', 'head', 'disposed', 'Mohon ditindaklanjuti'
FROM gen WHERE st NOT IN ('registered', 'with_head')""")
db.execute("""
INSERT INTO dispositions (id, complaint_id, from_position_id, instruction, created_at)
SELECT uuid7((t + 86400) * 1000, g || 'p'), uuid7(t * 1000, g), :b0, 'Mohon ditindaklanjuti',
  iso(t + 86400)
FROM gen WHERE st NOT IN ('registered', 'with_head')""", B)
db.execute("""
INSERT INTO disposition_recipients (disposition_id, position_id, is_primary, read_at)
SELECT uuid7((t + 86400) * 1000, g || 'p'),
  CASE hash(g || 'p') % 3 WHEN 0 THEN :b2 WHEN 1 THEN :b3 ELSE :b4 END, 1,
  CASE WHEN st IN ('answered', 'closed') THEN iso(t + 86400 + 7200) END
FROM gen WHERE st NOT IN ('registered', 'with_head')""", B)
db.execute("""
INSERT INTO answer_drafts (id, complaint_id, version_no, body, author_position_id, submitted, created_at)
SELECT uuid7((t + 3 * 86400) * 1000, g || 'a'), uuid7(t * 1000, g), 1,
  'Terima kasih atas pengaduan Bapak/Ibu. Bantuan telah kami verifikasi dan akan disalurkan pada tahap berikutnya.',
  :b2, 1, iso(t + 3 * 86400)
FROM gen WHERE st IN ('answered', 'closed', 'approved')""", B)
db.execute("""
INSERT INTO answer_dispatches (id, complaint_id, draft_id, method, actor_name, at)
SELECT uuid7(x * 1000, g || 'x'), uuid7(t * 1000, g), uuid7((t + 3 * 86400) * 1000, g || 'a'),
  'in_person', 'bench', iso(x)
FROM (SELECT *, t + (hash(g || 'x') % 20) * 86400 AS x FROM gen WHERE st IN ('answered', 'closed'))""")
db.execute("""
INSERT INTO complaint_events (id, complaint_id, at, kind, actor_name, actor_role, status, detail)
SELECT uuid7(x * 1000, g || 'e'), uuid7(t * 1000, g), iso(x), 'answered', 'Resepsionis',
  'reception', 'answered', 'in_person'
FROM (SELECT *, t + (hash(g || 'x') % 20) * 86400 AS x FROM gen WHERE st IN ('answered', 'closed'))""")
db.execute("""
INSERT INTO attachments (id, complaint_id, file_name, content_type, size_bytes, sha256, created_at, dek)
SELECT uuid7(t * 1000, g || 'f'), uuid7(t * 1000, g), 'foto.jpg', 'image/jpeg', 250000,
  printf('%08x', hash(g || 'f')), iso(t), :dek
FROM gen WHERE hash(g || 'f') % 20 = 0""", {"dek": DEK})
db.execute("""
INSERT INTO integration_state (name, cursor, imported_total, updated_at)
VALUES ('search_index', 'done', 0, :now)
ON CONFLICT (name) DO UPDATE SET cursor = 'done'""", {"now": now})
db.commit()
print(f"  related rows ({time.time() - start:.0f} s)", file=sys.stderr)
db.execute("ANALYZE")
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
db.close()
