-- The dataset: four tables that mirror the four CSV files, plus one row that
-- counts changes. Column order is the CSV's; `ordinal` keeps each table's
-- row order (the last preference criterion between observations).

CREATE TABLE indicators (
  indicator_id    text PRIMARY KEY,
  name            text NOT NULL CHECK (name <> ''),
  unit            text NOT NULL CHECK (unit <> ''),
  unit_multiplier smallint NOT NULL CHECK (unit_multiplier BETWEEN -30 AND 30),
  description     text NOT NULL DEFAULT '',
  aggregation     text NOT NULL CHECK (aggregation IN ('sum', 'none')),
  ordinal         bigint NOT NULL UNIQUE
);

CREATE TABLE regions (
  region_code text PRIMARY KEY,
  name        text NOT NULL CHECK (name <> ''),
  type        text NOT NULL CHECK (type IN ('country', 'province',
                'autonomous_region', 'municipality',
                'special_administrative_region', 'aggregate')),
  parent_code text REFERENCES regions (region_code),
  ordinal     bigint NOT NULL UNIQUE
);

CREATE TABLE sources (
  source_id   text PRIMARY KEY,
  publisher   text NOT NULL CHECK (publisher <> ''),
  title       text NOT NULL DEFAULT '',
  published   text NOT NULL DEFAULT '',  -- YYYY, YYYY-MM, YYYY-MM-DD or ''.
  url         text NOT NULL DEFAULT '',
  reliability text NOT NULL CHECK (reliability IN ('official',
                'official_mirror', 'aggregator', 'news', 'unverified')),
  note        text NOT NULL DEFAULT '',
  ordinal     bigint NOT NULL UNIQUE
);

CREATE TABLE observations (
  ordinal      bigint PRIMARY KEY,
  indicator_id text NOT NULL REFERENCES indicators (indicator_id),
  region_code  text NOT NULL REFERENCES regions (region_code),
  period       text NOT NULL,
  value        numeric NOT NULL,
  qualifier    text NOT NULL CHECK (qualifier IN ('exact', 'about', 'over',
                 'under', 'nearly')),
  status       text NOT NULL CHECK (status IN ('final', 'preliminary',
                 'estimate')),
  source_ids   text[] NOT NULL CHECK (cardinality(source_ids) > 0),
  note         text NOT NULL DEFAULT ''
);
CREATE INDEX observations_by_series
  ON observations (indicator_id, region_code, period);

-- The revision: one counter, raised once by every transaction that changes
-- any of the four tables, in that transaction (a statement trigger), so a
-- reader that sees a revision sees exactly the content it counts. Replicas
-- are told on the channel `indicators_dataset` (payload: the revision) and
-- also poll it.
CREATE TABLE dataset_state (
  only_row        boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  revision        bigint NOT NULL,
  changed_at      timestamptz NOT NULL DEFAULT now(),
  changed_in_xact xid8
);
INSERT INTO dataset_state (revision) VALUES (0);

CREATE FUNCTION raise_dataset_revision() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  raised bigint;
BEGIN
  UPDATE dataset_state
     SET revision = revision + 1, changed_at = now(),
         changed_in_xact = pg_current_xact_id()
   WHERE changed_in_xact IS DISTINCT FROM pg_current_xact_id()
  RETURNING revision INTO raised;
  IF FOUND THEN
    PERFORM pg_notify('indicators_dataset', raised::text);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER indicators_raise_revision
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON indicators
  FOR EACH STATEMENT EXECUTE FUNCTION raise_dataset_revision();
CREATE TRIGGER regions_raise_revision
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON regions
  FOR EACH STATEMENT EXECUTE FUNCTION raise_dataset_revision();
CREATE TRIGGER sources_raise_revision
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON sources
  FOR EACH STATEMENT EXECUTE FUNCTION raise_dataset_revision();
CREATE TRIGGER observations_raise_revision
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON observations
  FOR EACH STATEMENT EXECUTE FUNCTION raise_dataset_revision();
