-- Every channel the offices publish (issue 34). Keep in step with the other backend's file.

-- The deadlines of the new channels (policy data: an admin may change them).
INSERT INTO sla_policies (channel, working_days, minutes, updated_at, updated_by) VALUES
    ('telegram', 7, NULL, '2026-12-07T00:00:00+00:00', 'default'),
    ('sms', 7, NULL, '2026-12-07T00:00:00+00:00', 'default'),
    ('phone', 7, NULL, '2026-12-07T00:00:00+00:00', 'default'),
    ('social_media', 7, NULL, '2026-12-07T00:00:00+00:00', 'default')
ON CONFLICT (channel) DO NOTHING;

-- Where a conversation's messages go back to, sealed (a Telegram chat id;
-- WhatsApp and SMS answer the complaint's number).
ALTER TABLE chat_threads ADD COLUMN address TEXT;

-- Social media: the reply's address on the platform.
ALTER TABLE answer_dispatches ADD COLUMN reply_url TEXT;

-- The number a sender shared for themselves (Telegram's contact button), sealed.
ALTER TABLE chat_contacts ADD COLUMN phone TEXT;
-- orders the sealed numbers when master keys rotate (set with the number)
ALTER TABLE chat_contacts ADD COLUMN id BLOB;
