-- Change records: every transaction that changes the observations records,
-- in that transaction and under its own revision, each row it added, revised
-- (with the previous value) or withdrew, whoever wrote it (an ingest, an
-- import, psql). Replicas apply them to the version they serve instead of
-- loading the whole dataset again, and serve watchers from them, so a watch
-- resumes on any replica, one restarted since included.
--
-- A revision that changes the catalog (indicators, regions, sources) or
-- truncates the observations records no rows: it is `whole`, and a replica
-- loads it whole. `changes_since` is the revision after which every revision
-- is recorded (none whole): raised by a whole revision and by compaction.

ALTER TABLE dataset_state
  ADD COLUMN changes_since bigint,
  -- Revisions whose records are kept; older ones are compacted away, one at
  -- each new revision.
  ADD COLUMN change_retention bigint NOT NULL DEFAULT 100000
    CHECK (change_retention > 0);
UPDATE dataset_state SET changes_since = revision;
ALTER TABLE dataset_state ALTER COLUMN changes_since SET NOT NULL;

CREATE TABLE dataset_revisions (
  revision     bigint PRIMARY KEY,
  changed_at   timestamptz NOT NULL DEFAULT now(),
  whole        boolean NOT NULL DEFAULT false
);

CREATE TABLE observation_changes (
  revision     bigint NOT NULL,
  seq          bigserial,
  kind         text NOT NULL CHECK (kind IN ('added', 'revised', 'withdrawn')),
  -- The row as it is after the change (as it was, for a withdrawal).
  ordinal      bigint NOT NULL,
  indicator_id text NOT NULL,
  region_code  text NOT NULL,
  period       text NOT NULL,
  value        numeric NOT NULL,
  qualifier    text NOT NULL,
  status       text NOT NULL,
  source_ids   text[] NOT NULL,
  note         text NOT NULL,
  -- For a revision: what it replaced.
  previous_value     numeric,
  previous_qualifier text,
  previous_status    text,
  previous_note      text,
  PRIMARY KEY (revision, seq)
);

-- Returns this transaction's revision, raising the counter at the first
-- change of the transaction (so revisions follow commit order: the counter's
-- row stays locked until commit), recording the revision and compacting the
-- one that falls out of the retention. `whole` marks the revision as one that
-- records no rows.
CREATE FUNCTION dataset_revision_of_transaction(whole boolean)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  raised bigint;
  retention bigint;
BEGIN
  UPDATE dataset_state
     SET revision = revision + 1, changed_at = now(),
         changed_in_xact = pg_current_xact_id()
   WHERE changed_in_xact IS DISTINCT FROM pg_current_xact_id()
  RETURNING revision, change_retention INTO raised, retention;
  IF FOUND THEN
    INSERT INTO dataset_revisions (revision) VALUES (raised);
    DELETE FROM observation_changes WHERE revision <= raised - retention;
    DELETE FROM dataset_revisions WHERE revision <= raised - retention;
    UPDATE dataset_state SET changes_since = raised - retention
     WHERE changes_since < raised - retention;
    PERFORM pg_notify('indicators_dataset', raised::text);
  ELSE
    SELECT revision INTO raised FROM dataset_state;
  END IF;
  IF whole THEN
    UPDATE dataset_revisions SET whole = true WHERE revision = raised;
    UPDATE dataset_state SET changes_since = raised;
    DELETE FROM observation_changes WHERE revision = raised;
  END IF;
  RETURN raised;
END
$$;

-- The catalog tables and TRUNCATE: a whole revision.
CREATE OR REPLACE FUNCTION raise_dataset_revision() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM dataset_revision_of_transaction(true);
  RETURN NULL;
END
$$;

-- The records of one statement's rows, matched by the figure's identity (the
-- duplicate rule's: indicator, region, period and set of sources); `before`
-- and `after` are its transition tables (either may be empty). An update that
-- moves a row to another figure is a withdrawal and an addition.
CREATE FUNCTION record_observation_changes() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  r bigint;
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF NOT EXISTS (SELECT 1 FROM before_rows) THEN RETURN NULL; END IF;
  ELSIF NOT EXISTS (SELECT 1 FROM after_rows) THEN
    RETURN NULL;
  END IF;
  r := dataset_revision_of_transaction(false);
  -- A whole revision (an import) records no rows.
  IF (SELECT whole FROM dataset_revisions WHERE revision = r) THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' THEN
    INSERT INTO observation_changes (revision, kind, ordinal, indicator_id,
        region_code, period, value, qualifier, status, source_ids, note)
      SELECT r, 'added', ordinal, indicator_id, region_code, period, value,
             qualifier, status, source_ids, note
        FROM after_rows ORDER BY ordinal;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO observation_changes (revision, kind, ordinal, indicator_id,
        region_code, period, value, qualifier, status, source_ids, note)
      SELECT r, 'withdrawn', ordinal, indicator_id, region_code, period,
             value, qualifier, status, source_ids, note
        FROM before_rows ORDER BY ordinal;
  ELSE
    WITH o AS (
      SELECT *, ARRAY(SELECT DISTINCT s FROM unnest(source_ids) s ORDER BY s)
                  AS source_set
        FROM before_rows),
    n AS (
      SELECT *, ARRAY(SELECT DISTINCT s FROM unnest(source_ids) s ORDER BY s)
                  AS source_set
        FROM after_rows),
    pairs AS (
      SELECT o, n FROM o FULL JOIN n
          ON o.indicator_id = n.indicator_id AND o.region_code = n.region_code
         AND o.period = n.period AND o.source_set = n.source_set)
    INSERT INTO observation_changes (revision, kind, ordinal, indicator_id,
        region_code, period, value, qualifier, status, source_ids, note,
        previous_value, previous_qualifier, previous_status, previous_note)
      SELECT r,
             CASE WHEN (o).ordinal IS NULL THEN 'added'
                  WHEN (n).ordinal IS NULL THEN 'withdrawn'
                  ELSE 'revised' END,
             coalesce((n).ordinal, (o).ordinal),
             coalesce((n).indicator_id, (o).indicator_id),
             coalesce((n).region_code, (o).region_code),
             coalesce((n).period, (o).period),
             coalesce((n).value, (o).value),
             coalesce((n).qualifier, (o).qualifier),
             coalesce((n).status, (o).status),
             coalesce((n).source_ids, (o).source_ids),
             coalesce((n).note, (o).note),
             CASE WHEN (o).ordinal IS NOT NULL AND (n).ordinal IS NOT NULL
                  THEN (o).value END,
             CASE WHEN (o).ordinal IS NOT NULL AND (n).ordinal IS NOT NULL
                  THEN (o).qualifier END,
             CASE WHEN (o).ordinal IS NOT NULL AND (n).ordinal IS NOT NULL
                  THEN (o).status END,
             CASE WHEN (o).ordinal IS NOT NULL AND (n).ordinal IS NOT NULL
                  THEN (o).note END
        FROM pairs
       WHERE (o).ordinal IS NULL OR (n).ordinal IS NULL
          OR (o).ordinal <> (n).ordinal OR (o).value <> (n).value
          OR (o).qualifier <> (n).qualifier OR (o).status <> (n).status
          OR (o).note <> (n).note OR (o).source_ids <> (n).source_ids
       -- Withdrawals first, so that a figure moved onto another's place
       -- frees it before it is taken.
       ORDER BY (n).ordinal IS NOT NULL, coalesce((n).ordinal, (o).ordinal);
  END IF;
  RETURN NULL;
END
$$;

DROP TRIGGER observations_raise_revision ON observations;
CREATE TRIGGER observations_record_inserts
  AFTER INSERT ON observations REFERENCING NEW TABLE AS after_rows
  FOR EACH STATEMENT EXECUTE FUNCTION record_observation_changes();
CREATE TRIGGER observations_record_updates
  AFTER UPDATE ON observations
  REFERENCING OLD TABLE AS before_rows NEW TABLE AS after_rows
  FOR EACH STATEMENT EXECUTE FUNCTION record_observation_changes();
CREATE TRIGGER observations_record_deletes
  AFTER DELETE ON observations REFERENCING OLD TABLE AS before_rows
  FOR EACH STATEMENT EXECUTE FUNCTION record_observation_changes();
CREATE TRIGGER observations_raise_revision_on_truncate
  AFTER TRUNCATE ON observations
  FOR EACH STATEMENT EXECUTE FUNCTION raise_dataset_revision();
