-- A user's language (en, fr), or empty when not set: their platform's
-- language or JAYAYA_LOCALE decide then.
ALTER TABLE users ADD COLUMN locale TEXT NOT NULL DEFAULT '';
