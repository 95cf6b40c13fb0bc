// The JSON of `sensorlake serve`'s API (src/serve/routes.cc, lake_api.cc, signal.cc), as the
// web app reads it. This file is the mirror, and it is checked: `npm run build` turns it into
// dist/api-types.schema.json (ts-json-schema-generator), and tests/e2e/test_api_types.py
// validates every route's real answer against that schema. An interface is exact (the schema
// says additionalProperties: false), so a field the server adds or drops without this file
// following fails that test. Only where a type has an index signature (`[key: string]:
// unknown`) is it open on purpose: the parts the server passes through from another stage's
// own format (a stage's summary, a quality check's params and failures, monitoring details),
// which docs/pipeline.md, docs/quality.md and docs/monitoring.md describe.
//
// Route -> type: GET /api/runs -> RunsResponse; /api/runs/<id> -> RunDetail;
// /api/quality/<id> -> QualityResult; /api/dataset -> DatasetResponse; /api/files ->
// FilesResponse; /api/signal -> SignalResponse; any 4xx/5xx of /api -> ApiError.

/** Every error answer: `{"error": message}` (server.cc). */
export interface ApiError {
  error: string;
}

// ---- /api/runs -------------------------------------------------------------------------

export type RunOutcome = "running" | "succeeded" | "failed";

/** One run of `sensorlake run`, as lake_api.cc's RunSummary condenses its record. */
export interface RunSummary {
  run_id: string;
  outcome: RunOutcome;
  started_at: string;
  /** Empty while the run is still running. */
  finished_at: string;
  seconds: number;
  /** Empty unless the run failed. */
  failed_stage: string;
  error: string;
  gate_failed: boolean;
  resumed_from: string;
  orchestrator: RunOrchestrator;
  versions: RunVersions;
  /** Sums over the transform's folders; absent when the run has no transform summary. */
  rows?: number;
  lines?: number;
  quarantined?: number;
  /** The check stage's verdict; absent when the run has no check summary. */
  quality?: RunQuality;
}

/** Who ran the stages one by one (`sensorlake <stage> --run-id`): empty for `sensorlake run`;
 * the Airflow DAG records {name: "airflow", dag_id, run_id, lineage_parent}. */
export interface RunOrchestrator {
  name?: string;
  dag_id?: string;
  run_id?: string;
  [key: string]: unknown;
}

export interface RunQuality {
  success: boolean;
  counts: QualityCounts | Record<string, never>;
  run_id: string;
}

/** A record in _runs/ that could not be read, listed apart with the reason. */
export interface UnreadableRecord {
  file: string;
  error: string;
}

export interface RunsResponse {
  /** Newest first. */
  runs: RunSummary[];
  unreadable: UnreadableRecord[];
}

// ---- /api/runs/<id> --------------------------------------------------------------------

export interface RunDetail {
  summary: RunSummary;
  record: RunRecord;
  lineage: Lineage;
  /** The quality run's result.json, when the record names one that exists. */
  quality?: QualityResult;
}

/** _runs/<run id>.json, format sensorlake.run-record/1 (src/pipeline/pipeline.cc). */
export interface RunRecord {
  format: "sensorlake.run-record/1";
  run_id: string;
  input_key: string;
  input: RunInput;
  started_at: string;
  finished_at: string;
  outcome: RunOutcome;
  failed_stage: string;
  gate_failed: boolean;
  error: string;
  resumed_from: string;
  versions: RunVersions;
  seconds: number;
  monitoring: RunMonitoring;
  orchestrator: RunOrchestrator;
  stages: StageEntry[];
}

export interface RunInput {
  /** URL, zip or folder; empty when the data was generated. */
  source: string;
  generate_scale: number;
  generate_seed: number;
  transform_config: string;
  quality_rules: string;
  from_stage: string;
}

/** What each stage produced; a key appears once its stage has run. */
export interface RunVersions {
  engine?: string;
  raw?: string;
  curated?: string;
  quality_run?: string;
  features?: string;
  /** The Iceberg snapshot of sensorlake.sensor_readings the check staged / publish made
   * current (docs/tables.md); absent without a catalog. */
  staged_snapshot?: string;
  snapshot?: string;
}

/** Alert and lineage delivery (src/monitoring/monitor.cc). */
export interface RunMonitoring {
  problems: string[];
  metrics_textfile?: string;
  metrics_emf?: string;
  alerts?: { [key: string]: unknown };
  lineage?: { [key: string]: unknown };
}

export type StageName = "ingest" | "transform" | "check" | "features" | "publish";
export type StageStatus = "not_run" | "running" | "completed" | "skipped" | "failed";

interface StageEntryBase {
  stage: StageName;
  status: StageStatus;
  /** Why skipped or failed; what a resume reused. */
  message: string;
  attempts: number;
  seconds: number;
  /** Empty until the stage has finished. */
  metrics: StageMetrics | Record<string, never>;
  /** The stage's own JSON summary (what `sensorlake --json <stage>` prints). */
  summary: { [key: string]: unknown };
}

export interface TransformStageEntry extends StageEntryBase {
  stage: "transform";
  summary: TransformSummary;
}

export interface OtherStageEntry extends StageEntryBase {
  stage: "ingest" | "check" | "features" | "publish";
}

export type StageEntry = TransformStageEntry | OtherStageEntry;

/** What the monitoring metrics are made of (pipeline.cc's StageMetrics, docs/monitoring.md). */
export interface StageMetrics {
  lines_in: number;
  rows_out: number;
  bytes_read: number;
  bytes_written: number;
  seconds: number;
  peak_rss_bytes: number;
  lines_per_second: number;
  /** The transform's only. */
  quarantined?: number;
  quarantined_by_reason?: { [reason: string]: number };
}

/** The transform's summary: open but for its per-folder counts, which the run page tables. */
export interface TransformSummary {
  folders?: TransformFolder[];
  [key: string]: unknown;
}

/** One folder's counts (src/transform/transform.cc: CountsJson plus folder, files, bytes). */
export interface TransformFolder {
  folder: string;
  /** Raw files transformed by this run. */
  files: number;
  /** Raw files an incremental run took over unchanged from its base version. */
  reused: number;
  lines: number;
  rows: number;
  quarantined: number;
  quarantined_by_reason: { [reason: string]: number };
  duplicates_dropped: number;
  reordered: number;
  blocks: number;
  /** lines == rows + quarantined + duplicates dropped. */
  conserved: boolean;
  bytes_in: number;
  bytes_out: number;
  seconds: number;
}

export type LineageNodeId = "source" | "raw" | "curated" | "quality" | "features" | "published" | "snapshot";

/** What the run produced from what: source -> raw -> curated -> quality / features -> published. */
export interface Lineage {
  nodes: LineageNode[];
  edges: LineageEdge[];
}

export interface LineageNode {
  id: LineageNodeId;
  kind: "source" | "raw" | "curated" | "quality run" | "features" | "published" | "Iceberg snapshot";
  label: string;
}

export interface LineageEdge {
  from: LineageNodeId;
  to: LineageNodeId;
  /** The stage that made `to` from `from`. */
  stage: string;
}

// ---- /api/quality/<id> -----------------------------------------------------------------

/** quality/runs/<id>/result.json, format sensorlake.quality-result/1 (src/quality/quality.cc). */
export interface QualityResult {
  format: "sensorlake.quality-result/1";
  run_id: string;
  curated_version: string;
  raw_version: string;
  /** Empty when no earlier run was the baseline. */
  baseline_run: string;
  /** The gate: no check of severity error failed. */
  success: boolean;
  counts: QualityCounts;
  seconds: number;
  /** Lake paths of this file and of the HTML report. */
  result: string;
  report: string;
  /** The snapshots this check staged on audit-<curated version> (docs/tables.md); null when
   * the check ran without an Iceberg catalog. */
  tables: StagedTables | null;
  checks: QualityCheck[];
}

/** What `python -m sensorlake.tables stage` answered (src/tables/iceberg_tables.h). */
export interface StagedTables {
  catalog: string;
  namespace: string;
  tables: Record<string, StagedSnapshot>;
  /** How long the commit took, pyiceberg's import included. */
  seconds: number;
}

export interface StagedSnapshot {
  snapshot_id: number;
  branch: string;
  records: number;
  parent_snapshot_id?: number | null;
  /** True when main already held this curated version: nothing was staged. */
  unchanged?: boolean;
  /** "append" when the version only added files (an incremental run), else "overwrite". */
  operation?: "append" | "overwrite";
  added_files?: number;
  deleted_files?: number;
  /** Files of main the version took over unchanged: they stay registered where they are. */
  kept_files?: number;
}

/** Checks per outcome. */
export interface QualityCounts {
  pass: number;
  warn: number;
  error: number;
  skipped: number;
}

export type Severity = "error" | "warn";

/** One check's result (src/quality/checks.cc: CheckResult::ToJson). */
export interface QualityCheck {
  rule: string;
  check: string;
  severity: Severity;
  scope: string;
  params: { [key: string]: unknown };
  /** pass, skipped, or the severity of a failed check. */
  status: "pass" | "skipped" | Severity;
  observed: string;
  expected: string;
  note: string;
  evaluated: number;
  failing: number;
  /** A bounded list (at most `failing` entries). */
  failures: QualityFailure[];
}

/** One failure: its fields depend on the check; those that name a cell are typed. */
export interface QualityFailure {
  folder?: string;
  subject?: number;
  activity?: string;
  block?: number;
  problem?: string;
  what?: string;
  [key: string]: unknown;
}

// ---- /api/dataset ----------------------------------------------------------------------

/** The published (else newest) curated version as a subject x activity grid per folder. */
export interface DatasetResponse {
  curated_version: string;
  /** The newest quality run of this version; empty when there is none. */
  quality_run: string;
  quality_success: boolean;
  /** Subject ids, the grid's rows in order. */
  subjects: number[];
  /** Activities, the grid's columns in order. */
  activities: Activity[];
  folders: DatasetFolder[];
  flags: CellFlag[];
  flags_truncated: TruncatedFlags[];
}

export interface Activity {
  /** One letter, A..S without N. */
  code: string;
  name: string;
}

export interface DatasetFolder {
  folder: string;
  device: "phone" | "watch";
  sensor: "accel" | "gyro";
  /** [subject index][activity index]: readings. */
  rows: number[][];
  /** [subject index][activity index]: sampling rate over block time, 2 decimals. */
  rate_hz: number[][];
}

/** A failure of the latest quality run that names a cell. */
export interface CellFlag {
  folder: string;
  subject: number;
  activity: string;
  check: string;
  severity: Severity;
  what: string;
}

/** A check that failed more blocks than its result lists: only `listed` are flagged. */
export interface TruncatedFlags {
  check: string;
  failing: number;
  listed: number;
}

// ---- /api/files ------------------------------------------------------------------------

export interface FilesResponse {
  curated_version: string;
  /** The published Parquet parts, relative to sensor_readings/ (served under /data/). */
  files: DataFile[];
}

export interface DataFile {
  path: string;
  bytes: number;
}

// ---- /api/signal -----------------------------------------------------------------------

/** x, y and z of one subject, activity, device and sensor in a time window (signal.cc). */
export interface SignalResponse {
  first_ns: number;
  last_ns: number;
  /** The window shown, clamped to [first_ns, last_ns]. */
  from_ns: number;
  to_ns: number;
  rows_in_window: number;
  /** Min and max per pixel column when the window holds more than 2 x width readings. */
  decimated: boolean;
  row_groups_read: number;
  row_groups_total: number;
  axes: { x: AxisSeries; y: AxisSeries; z: AxisSeries };
}

export interface AxisSeries {
  /** Milliseconds since first_ns. */
  t_ms: number[];
  v: number[];
}
