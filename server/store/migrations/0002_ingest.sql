-- Ingest (IngestObservations): every stored observation records the revision
-- and time it was stored; a value that a later batch revises or withdraws is
-- moved to observation_history, never overwritten; each batch sent with an
-- idempotency key leaves its key and its answer, in the batch's transaction.

ALTER TABLE observations
  ADD COLUMN recorded_in bigint NOT NULL DEFAULT 0,  -- 0: imported
  ADD COLUMN recorded_at timestamptz NOT NULL DEFAULT now();

CREATE TABLE observation_history (
  indicator_id  text NOT NULL,
  region_code   text NOT NULL,
  period        text NOT NULL,
  value         numeric NOT NULL,
  qualifier     text NOT NULL,
  status        text NOT NULL,
  source_ids    text[] NOT NULL,
  note          text NOT NULL,
  recorded_in   bigint NOT NULL,
  recorded_at   timestamptz NOT NULL,
  -- The revision that replaced the value (withdrawn = false) or withdrew it.
  superseded_in bigint NOT NULL,
  superseded_at timestamptz NOT NULL,
  withdrawn     boolean NOT NULL
);
CREATE INDEX observation_history_by_figure
  ON observation_history (indicator_id, region_code, period);

CREATE TABLE ingest_batches (
  idempotency_key text PRIMARY KEY,
  digest          text NOT NULL,  -- SHA-256 of the batch's content
  revision        bigint NOT NULL,
  added           integer NOT NULL,
  revised         integer NOT NULL,
  withdrawn       integer NOT NULL,
  unchanged       integer NOT NULL,
  sources_added   integer NOT NULL,
  recorded_at     timestamptz NOT NULL DEFAULT now()
);
