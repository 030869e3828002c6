-- A chat channel's own settings (issue 21): the language of what everyone
-- there reads, 'en' or 'fr' (a Slack staff channel's ticket cards and the
-- notices in its threads; a Discord support channel's ticket threads for
-- clients Discord has said nothing about). A channel without a row speaks
-- JAYAYA_LOCALE. The code checks the language, so that one more needs no
-- migration.
CREATE TABLE channel_settings (
    platform   TEXT NOT NULL CHECK (platform IN ('slack', 'discord')),
    channel_id TEXT NOT NULL,
    locale     TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (platform, channel_id)
);
