"""Scheduling on the arrival of new raw objects (issue 17): the sensorlake.schedule option
(AIRFLOW__SENSORLAKE__SCHEDULE) turns the DAG's schedule from None (triggered runs) into an
Asset (Airflow 2: Dataset) on the raw objects' URI, or a cron expression; a bad value fails
the DAG's import naming the accepted forms. An asset event recorded the way the REST API
records it (POST /api/v2/assets/events, /api/v1/datasets/events on 2.10) makes the
scheduler's own dag-run creation start an asset-triggered run, whose source is the events'
extra "source" when they name one."""

from __future__ import annotations

import shutil
from types import SimpleNamespace

import pytest

from conftest import DAGS, airflow_api, airflow_major
from test_dag_structure import _load_module

OPTION = "AIRFLOW__SENSORLAKE__SCHEDULE"
URI = "s3://raw-bucket/incoming/wisdm"


def _asset_uris(timetable) -> list[str]:
    """The URIs an asset- (Airflow 2: dataset-) triggered timetable waits for."""
    condition = getattr(timetable, "asset_condition", None) or timetable.dataset_condition
    found, todo = [], [condition]
    while todo:
        node = todo.pop()
        if hasattr(node, "objects"):  # AssetAll / AssetAny (DatasetAll / DatasetAny)
            todo.extend(node.objects)
        else:
            # Airflow 3 names assets too: the normalized URI, as a producer's Asset(URI).
            assert getattr(node, "name", node.uri) == node.uri
            found.append(node.uri)
    return sorted(found)


def _triggered_timetable_name() -> str:
    return "AssetTriggeredTimetable" if airflow_major() >= 3 else "DatasetTriggeredTimetable"


def test_the_asset_class_is_this_airflows():
    """airflow_compat's Asset is the Task SDK's on Airflow 3, airflow.datasets.Dataset on 2.10
    (its DAGs are scheduled on datasets, the same thing before the rename)."""
    from sensorlake_dag.airflow_compat import Asset

    expected = ("airflow.sdk.definitions.asset", "Asset") if airflow_major() >= 3 else (
        "airflow.datasets", "Dataset")
    assert (Asset.__module__, Asset.__name__) == expected


def test_unset_the_schedule_stays_none(dag):
    assert type(dag.timetable).__name__ == "NullTimetable"


@pytest.mark.parametrize("value", [f"asset:{URI}", f"asset:{URI}/", f"  ASSET: {URI} "])
def test_an_asset_option_schedules_the_dag_on_exactly_that_asset(monkeypatch, value):
    monkeypatch.setenv(OPTION, value)
    dag = _load_module("sensorlake_wisdm_on_asset").dag
    api = airflow_api()
    scheduler_dag = api.deserialize_dag(api.serialize_dag(dag))  # what the scheduler reads
    for timetable in (dag.timetable, scheduler_dag.timetable):
        assert type(timetable).__name__ == _triggered_timetable_name()
        # Airflow normalizes s3:// URIs (no trailing slash): events must name this URI.
        assert _asset_uris(timetable) == [URI]


def test_a_cron_option_schedules_the_dag_on_it(monkeypatch):
    monkeypatch.setenv(OPTION, "cron:0 3 * * *")
    dag = _load_module("sensorlake_wisdm_on_cron").dag
    api = airflow_api()
    timetable = api.deserialize_dag(api.serialize_dag(dag)).timetable  # the scheduler's
    assert type(timetable).__name__ in ("CronTriggerTimetable", "CronDataIntervalTimetable")
    assert timetable.summary == "0 3 * * *"
    assert dag.catchup is False


@pytest.mark.parametrize("value", ["s3://raw-bucket/incoming/wisdm", "hourly", "asset:",
                                   "asset:raw-bucket/incoming", "dataset:s3://a/b",
                                   "asset:airflow://reserved"])
def test_a_bad_option_fails_the_dag_import_naming_the_forms(monkeypatch, tmp_path, value):
    """Parsed as the DAG processor does (a DagBag over a folder holding the DAG file): an
    import error with the message, not a DAG silently left unscheduled."""
    monkeypatch.setenv(OPTION, value)
    folder = tmp_path / "dags"
    folder.mkdir()
    shutil.copy(DAGS / "sensorlake_wisdm.py", folder / "sensorlake_wisdm.py")
    bag = airflow_api().DagBag(dag_folder=str(folder))
    assert bag.dag_ids == [] or "sensorlake_wisdm" not in bag.dag_ids
    errors = list(bag.import_errors.values())
    assert len(errors) == 1, bag.import_errors
    assert "sensorlake.schedule" in errors[0]
    for form in ('"none"', '"asset:<uri>"', '"cron:<expression>"'):
        assert form in errors[0]


def _engine_module():
    import sensorlake_dag.engine as engine

    return engine


def _context(run_type: str, *extras: dict) -> dict:
    from sensorlake_dag.airflow_compat import TRIGGERING_EVENTS_KEY

    events = [SimpleNamespace(extra=extra) for extra in extras]
    return {"dag_run": SimpleNamespace(run_type=run_type),
            TRIGGERING_EVENTS_KEY: {URI: events} if events else {}}


def test_the_source_comes_from_the_triggering_events_extra():
    from sensorlake_dag.airflow_compat import ASSET_TRIGGERED_RUN_TYPE as TRIGGERED

    source_of = _engine_module().source_from_asset_events
    assert source_of(_context(TRIGGERED, {"source": f"{URI}/2026-12-04/"})) == \
        f"{URI}/2026-12-04/"
    # The same source announced twice, or events without one (the params' default applies).
    assert source_of(_context(TRIGGERED, {"source": "s3://a/x"}, {"source": "s3://a/x"},
                              {"from_rest_api": True})) == "s3://a/x"
    assert source_of(_context(TRIGGERED, {"from_rest_api": True})) is None
    assert source_of(_context(TRIGGERED)) is None
    # Not an asset-triggered run: never the events, the params decide.
    assert source_of(_context("manual", {"source": "s3://a/x"})) is None
    # Two sources cannot be one run's source: a final failure, not one silently dropped.
    with pytest.raises(airflow_api().AirflowFailException, match="2 different sources"):
        source_of(_context(TRIGGERED, {"source": "s3://a/x"}, {"source": "s3://a/y"}))


def test_resolve_params_prefers_the_events_source(monkeypatch):
    from sensorlake_dag.airflow_compat import ASSET_TRIGGERED_RUN_TYPE as TRIGGERED

    engine = _engine_module()
    params = {"lake_uri": "s3://lake/lake", "source": "s3://raw/default.zip",
              "dataset_version": "", "environment": "dev", "backend": "emr"}
    monkeypatch.setattr(engine, "get_current_context",
                        lambda: _context(TRIGGERED, {"source": "s3://raw/incoming/new/"}))
    resolved = engine.resolve_params(params)
    assert resolved["source"] == "s3://raw/incoming/new/"
    monkeypatch.setattr(engine, "get_current_context", lambda: _context("manual"))
    assert engine.resolve_params(params)["source"] == "s3://raw/default.zip"


# ----------------------------------------------------------------- an event starts a run

def _write_dag_to_db(session) -> None:
    """Parse the DAGs folder and write the DAG to the metadata DB as the DAG processor does
    (with the schedule option as the environment now sets it)."""
    if airflow_major() >= 3:
        # What dag.test() does on Airflow 3: sync the bundles, parse the DAGs-folder bundle.
        from airflow.dag_processing.bundles.manager import DagBundlesManager
        from airflow.dag_processing.dagbag import BundleDagBag, sync_bag_to_db

        manager = DagBundlesManager()
        manager.sync_bundles_to_db(session=session)
        session.commit()
        for bundle in manager.get_all_dag_bundles():
            if not bundle.is_initialized:
                bundle.initialize()
            bag = BundleDagBag(dag_folder=bundle.path, bundle_path=bundle.path,
                               bundle_name=bundle.name)
            assert bag.import_errors == {}
            sync_bag_to_db(bag, bundle.name, bundle.version, session=session)
    else:
        from airflow.models.dag import DAG
        from airflow.models.serialized_dag import SerializedDagModel

        dag = _load_module("sensorlake_wisdm_to_db").dag
        DAG.bulk_write_to_db([dag], session=session)
        SerializedDagModel.write_dag(dag, session=session)
    session.commit()


def _record_event(session, extra: dict):
    """Record an asset event exactly as the REST API's POST .../events handler does: look
    the asset up by its URI and register the change through Airflow's asset manager."""
    from sqlalchemy import select

    if airflow_major() >= 3:
        from airflow.assets.manager import asset_manager
        from airflow.models.asset import AssetModel

        asset = session.scalar(select(AssetModel).where(AssetModel.uri == URI))
        assert asset is not None, "the DAG's asset was not written to the DB"
        event = asset_manager.register_asset_change(asset=asset, extra=extra,
                                                    source_is_api=True, session=session)
    else:
        from airflow.datasets import Dataset
        from airflow.datasets.manager import dataset_manager
        from airflow.models.dataset import DatasetModel

        assert session.scalar(select(DatasetModel).where(DatasetModel.uri == URI)) is not None
        event = dataset_manager.register_dataset_change(dataset=Dataset(URI), extra=extra,
                                                        session=session)
    assert event is not None
    session.commit()
    return event


def _create_dag_runs(session) -> None:
    """One pass of the scheduler's dag-run creation (SchedulerJobRunner), as its loop runs
    it: the DAGs needing runs, asset-triggered ones among them."""
    from airflow.jobs.job import Job
    from airflow.jobs.scheduler_job_runner import SchedulerJobRunner
    from airflow.utils.sqlalchemy import prohibit_commit

    runner = SchedulerJobRunner(job=Job(), num_runs=1)
    with prohibit_commit(session) as guard:
        runner._create_dagruns_for_dags(guard, session)


def test_an_asset_event_starts_an_asset_triggered_run(monkeypatch, dag):
    from sqlalchemy import delete, func, select, update

    from airflow.models.dag import DagModel
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session

    if airflow_major() >= 3:
        from airflow.models.asset import AssetDagRunQueue as queue
    else:
        from airflow.models.dataset import DatasetDagRunQueue as queue

    monkeypatch.setenv(OPTION, f"asset:{URI}/")
    triggered = "asset_triggered" if airflow_major() >= 3 else "dataset_triggered"
    source = f"{URI}/2026-12-04T10/"

    def runs(session):
        return list(session.scalars(select(DagRun).where(
            DagRun.dag_id == dag.dag_id, DagRun.run_type == triggered)))

    with create_session() as session:
        _write_dag_to_db(session)
        session.execute(update(DagModel).where(DagModel.dag_id == dag.dag_id)
                        .values(is_paused=False))
        session.commit()
        assert runs(session) == []
        _create_dag_runs(session)  # no event yet: no run
        session.commit()
        assert runs(session) == []

        _record_event(session, {"source": source})
        _create_dag_runs(session)
        session.commit()
        try:
            created = runs(session)
            assert len(created) == 1, created
            run = created[0]
            assert (run.state.value if hasattr(run.state, "value") else run.state) == "queued"
            consumed = (run.consumed_asset_events if airflow_major() >= 3
                        else run.consumed_dataset_events)
            assert [e.extra.get("source") for e in consumed] == [source]
            # The run's tasks take that source (the task context holds these events).
            context = {"dag_run": run, ("triggering_asset_events" if airflow_major() >= 3
                                        else "triggering_dataset_events"): {URI: consumed}}
            assert _engine_module().source_from_asset_events(context) == source
            # The event was consumed: another scheduler pass starts no second run.
            _create_dag_runs(session)
            session.commit()
            assert len(runs(session)) == 1
            # An arrival while that run is active (max_active_runs=1) stays queued for the
            # next run instead of starting a second one.
            _record_event(session, {"source": source})
            _create_dag_runs(session)
            session.commit()
            assert len(runs(session)) == 1
            assert session.scalar(select(func.count()).select_from(queue).where(
                queue.target_dag_id == dag.dag_id)) == 1
        finally:
            # Leave the DB as the other tests expect it: no queued run or event, the DAG
            # unscheduled and paused.
            session.execute(delete(DagRun).where(DagRun.dag_id == dag.dag_id,
                                                 DagRun.run_type == triggered))
            session.execute(delete(queue).where(queue.target_dag_id == dag.dag_id))
            monkeypatch.delenv(OPTION)
            _write_dag_to_db(session)
            session.execute(update(DagModel).where(DagModel.dag_id == dag.dag_id)
                            .values(is_paused=True))
            session.commit()
