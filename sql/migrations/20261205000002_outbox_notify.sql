-- migrate:up
-- Wakes the outbox relay as soon as events commit, instead of at its next poll: every statement
-- that inserts outbox rows sends one NOTIFY on channel loms_outbox, which PostgreSQL delivers at
-- commit (and not at all on rollback), folding duplicates within a transaction. The relay's
-- periodic poll stays as the safety net for a missed notification.
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('loms_outbox', '');
  RETURN NULL;
END
$$;

CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();

-- migrate:down
DROP TRIGGER outbox_notify ON outbox;
DROP FUNCTION outbox_notify();
