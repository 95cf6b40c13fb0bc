"""The web app's mirror of the server's JSON (web/src/api-types.ts) is checked against the
server: the web build turns it into web/dist/api-types.schema.json (ts-json-schema-generator),
and every JSON route of a real `sensorlake serve` must validate against its type there. The
types are exact (additionalProperties false) except where api-types.ts says otherwise, so a
field the server adds or drops without the mirror following fails here, as the mutation
cases below show on real answers."""
import copy
import json
import re
import subprocess
import urllib.parse

import jsonschema
import pytest

from sensorlake_cli import REPO, run_cli
from serve_process import get, serving

SCHEMA = REPO / "web" / "dist" / "api-types.schema.json"
ROUTES_CC = REPO / "src" / "serve" / "routes.cc"

# Each route registered in routes.cc under /api, and the api-types.ts type of its JSON answer
# (None: not JSON). A route added to the server without a line here fails
# test_every_api_route_has_a_type.
ROUTE_TYPES = {
    "/api/runs": "RunsResponse",
    "/api/runs/([^/]+)": "RunDetail",
    "/api/quality/([^/]+)": "QualityResult",
    "/api/quality/([^/]+)/report": None,  # the HTML report
    "/api/dataset": "DatasetResponse",
    "/api/files": "FilesResponse",
    "/api/signal": "SignalResponse",
    "/api/(.*)": "ApiError",  # any other /api path: 404
}


@pytest.fixture(scope="module")
def schema():
    """The schema as the web build makes it now (scripts/build-web.sh rebuilds when a source
    changed, api-types.ts included; otherwise it does nothing)."""
    proc = subprocess.run(["bash", "scripts/build-web.sh"], cwd=REPO, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, f"scripts/build-web.sh failed:\n{proc.stdout}\n{proc.stderr}"
    assert SCHEMA.stat().st_mtime >= (REPO / "web" / "src" / "api-types.ts").stat().st_mtime
    doc = json.loads(SCHEMA.read_text())
    jsonschema.Draft7Validator.check_schema(doc)
    return doc


def validator(schema, type_name):
    assert type_name in schema["definitions"], f"api-types.ts exports no type {type_name}"
    return jsonschema.Draft7Validator({"$ref": f"#/definitions/{type_name}",
                                       "definitions": schema["definitions"]})


def errors(schema, type_name, instance):
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
            for e in validator(schema, type_name).iter_errors(instance)]


@pytest.fixture(scope="module")
def lakes(tmp_path_factory):
    """Two small lakes that between them give every shape the routes answer with.
    clean: one succeeded run, published (lineage up to `published`, every stage's metrics).
    faulty: generated with every fault kind; a run that failed at ingest (stages not run, empty
    metrics), one whose quality gate failed (cell flags on the dataset, curated version not
    published), and a damaged run record (listed as unreadable)."""
    root = tmp_path_factory.mktemp("api-types")
    clean = root / "clean"
    run_cli("run", "--lake", clean, "--generate-scale", "0.01", "--work-dir", root / "work")
    faulty, gen = root / "faulty", root / "gen"
    run_cli("generate", "--out", gen, "--scale", "0.01", "--faults", "all")
    rc, _, _ = run_cli("run", "--lake", faulty, "--source", gen / "raw", "--work-dir",
                       root / "work", check=False)
    assert rc != 0, "a source without raw/ must fail at ingest"
    rc, _, _ = run_cli("run", "--lake", faulty, "--source", gen, "--work-dir", root / "work",
                       check=False)
    assert rc == 1, "the faulty data must fail the quality gate"
    (faulty / "_runs" / "r-damaged.json").write_text('{"run_id": ')
    return {"clean": clean, "faulty": faulty}


def answers(base):
    """(path, type, status, body) of every JSON route of the server at `base`, with the ids
    and parameters its own answers name."""
    out = []

    def fetch(path, type_name, status=200):
        code, ctype, body = get(base + path)
        assert code == status, f"{path}: {code} {body}"
        assert ctype.startswith("application/json"), f"{path}: {ctype}"
        out.append((path, type_name, body))
        return body

    runs = fetch("/api/runs", "RunsResponse")
    for r in runs["runs"]:
        detail = fetch(f"/api/runs/{r['run_id']}", "RunDetail")
        quality_run = detail["record"]["versions"].get("quality_run")
        if quality_run:
            fetch(f"/api/quality/{quality_run}", "QualityResult")
    dataset = fetch("/api/dataset", "DatasetResponse")
    fetch("/api/files", "FilesResponse")
    # A cell with readings: the whole signal, a window, and one decimated to few pixels.
    folder = dataset["folders"][0]
    si, ai = next((s, a) for s, row in enumerate(folder["rows"]) for a, n in enumerate(row)
                  if n > 100)
    query = urllib.parse.urlencode({"device": folder["device"], "sensor": folder["sensor"],
                                    "subject": dataset["subjects"][si],
                                    "activity": dataset["activities"][ai]["code"]})
    whole = fetch(f"/api/signal?{query}", "SignalResponse")
    middle = (whole["first_ns"] + whole["last_ns"]) // 2
    fetch(f"/api/signal?{query}&from_ns={whole['first_ns']}&to_ns={middle}&width=16",
          "SignalResponse")
    # Errors: an unknown run and quality run, a bad parameter, an unknown route.
    fetch("/api/runs/r-nosuchrun", "ApiError", 404)
    fetch("/api/quality/q-nosuchrun", "ApiError", 404)
    fetch(f"/api/signal?{query}&width=3", "ApiError", 400)
    fetch("/api/nosuchroute", "ApiError", 404)
    return out


@pytest.fixture(scope="module")
def served_answers(lakes):
    got = {}
    for name, lake in lakes.items():
        with serving(lake) as base:
            got[name] = answers(base)
    return got


def test_every_api_route_has_a_type(schema):
    registered = set(re.findall(r'server\.Get\("(/api/[^"]*)"', ROUTES_CC.read_text()))
    assert registered, f"no /api route found in {ROUTES_CC}: has the server moved?"
    assert registered == set(ROUTE_TYPES), (
        "routes.cc and this test's ROUTE_TYPES differ: give each JSON route its type in "
        "web/src/api-types.ts and here")
    for type_name in filter(None, ROUTE_TYPES.values()):
        validator(schema, type_name)


@pytest.mark.parametrize("lake", ["clean", "faulty"])
def test_every_answer_matches_its_type(schema, served_answers, lake):
    bad = {f"{path} as {type_name}": errors(schema, type_name, body)
           for path, type_name, body in served_answers[lake]}
    bad = {k: v for k, v in bad.items() if v}
    assert not bad, "the server's JSON and web/src/api-types.ts disagree:\n" + json.dumps(
        bad, indent=1)


def test_the_lakes_exercise_the_optional_shapes(served_answers):
    """The shapes the types allow are really answered: otherwise a type could be wrong in a
    branch no answer reaches."""
    faulty = {path: body for path, _, body in served_answers["faulty"]}
    clean = {path: body for path, _, body in served_answers["clean"]}
    assert faulty["/api/runs"]["unreadable"], "no unreadable record"
    outcomes = {(r["outcome"], r["failed_stage"], r["gate_failed"])
                for r in faulty["/api/runs"]["runs"]}
    assert outcomes == {("failed", "ingest", False), ("failed", "check", True)}
    assert faulty["/api/dataset"]["flags"], "no cell flags"
    statuses = {s["status"] for path, body in faulty.items() if path.startswith("/api/runs/r-")
                and "record" in body for s in body["record"]["stages"]}
    assert {"completed", "failed", "not_run"} <= statuses
    assert {n["id"] for n in clean[next(p for p in clean if p.startswith("/api/runs/r-"))]
            ["lineage"]["nodes"]} == {"source", "raw", "curated", "quality", "features",
                                      "published"}
    assert any(b.get("decimated") for p, b in clean.items() if p.startswith("/api/signal"))


def _first(answers, type_name):
    return copy.deepcopy(next(body for _, t, body in answers if t == type_name))


def _drop(path):
    def mutate(body):
        *parents, key = path
        for p in parents:
            body = body[p]
        del body[key]
    return mutate


def _add(path, key):
    def mutate(body):
        for p in path:
            body = body[p]
        body[key] = 1
    return mutate


def _set(path, value):
    def mutate(body):
        *parents, key = path
        for p in parents:
            body = body[p]
        body[key] = value
    return mutate


# Changes the server could make without the mirror following: each must fail validation.
MUTATIONS = {
    "runs: a run summary loses outcome": ("RunsResponse", _drop(["runs", 0, "outcome"])),
    "runs: a run summary gains a field": ("RunsResponse", _add(["runs", 0], "new_field")),
    "run detail: the record loses its stages": ("RunDetail", _drop(["record", "stages"])),
    "run detail: a stage's metrics gain a field": (
        "RunDetail", _add(["record", "stages", 0, "metrics"], "new_metric")),
    "run detail: a transform folder loses rows": (
        "RunDetail", _drop(["record", "stages", 1, "summary", "folders", 0, "rows"])),
    "run detail: a lineage node gets an unknown id": (
        "RunDetail", _set(["lineage", "nodes", 0, "id"], "elsewhere")),
    "quality: a check loses failing": ("QualityResult", _drop(["checks", 0, "failing"])),
    "quality: counts gain an outcome": ("QualityResult", _add(["counts"], "info")),
    "dataset: a folder loses rate_hz": ("DatasetResponse", _drop(["folders", 0, "rate_hz"])),
    "dataset: quality_success turns into a string": (
        "DatasetResponse", _set(["quality_success"], "yes")),
    "files: a file loses bytes": ("FilesResponse", _drop(["files", 0, "bytes"])),
    "signal: decimated is dropped": ("SignalResponse", _drop(["decimated"])),
    "signal: an axis gains a series": ("SignalResponse", _add(["axes", "x"], "t_ns")),
    "signal: a fourth axis": ("SignalResponse", _add(["axes"], "w")),
    "error: the message moves": ("ApiError", _drop(["error"])),
}


@pytest.mark.parametrize("case", MUTATIONS)
def test_a_changed_answer_fails_validation(schema, served_answers, case):
    type_name, mutate = MUTATIONS[case]
    body = _first(served_answers["clean"], type_name)
    assert not errors(schema, type_name, body), "the unchanged answer must validate"
    mutate(body)
    assert errors(schema, type_name, body), f"{case}: still valid, the mirror is not exact"
