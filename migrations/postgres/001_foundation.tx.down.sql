DROP TABLE IF EXISTS inbound_events;
--bun:split
DROP TABLE IF EXISTS deliveries;
--bun:split
DROP TABLE IF EXISTS messages;
--bun:split
DROP TABLE IF EXISTS ticket_participants;
--bun:split
DROP TABLE IF EXISTS tickets;
--bun:split
DROP TABLE IF EXISTS counters;
--bun:split
DROP TABLE IF EXISTS tasks;
--bun:split
DROP TABLE IF EXISTS company_people;
--bun:split
DROP TABLE IF EXISTS people;
--bun:split
DROP TABLE IF EXISTS comments;
--bun:split
DROP TABLE IF EXISTS company_interests;
--bun:split
DROP TABLE IF EXISTS companies;
--bun:split
DROP TABLE IF EXISTS interests;
--bun:split
DROP TABLE IF EXISTS users;
