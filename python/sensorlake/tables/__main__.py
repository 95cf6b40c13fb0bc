"""``python -m sensorlake.tables``: the engine's Iceberg commits (docs/tables.md).

The engine (``sensorlake check``, ``publish``, ``run``, ``tables``, ``maintain``) runs this
with the project's interpreter, as it runs the trainer: the commits are pyiceberg's, so
the tables' metadata is written by a maintained Iceberg library. The result (or
``{"error": {"code", "message"}}``) goes to ``--summary-json`` as JSON; the exit code is 0
on success and 4 otherwise (any error, named in the summary).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m sensorlake.tables")
    p.add_argument("--lake", required=True)
    p.add_argument("--catalog", default="lake")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--summary-json", required=True)
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("stage", parents=[common],
                       help="stage a curated version on its audit branch")
    s.add_argument("--curated-version", required=True)
    s.add_argument("--property", action="append", default=[], metavar="KEY=VALUE")
    s = sub.add_parser("publish", parents=[common],
                       help="fast-forward main to the staged version")
    s.add_argument("--curated-version", required=True)
    s.add_argument("--features-version", default="")
    s.add_argument("--property", action="append", default=[], metavar="KEY=VALUE")
    sub.add_parser("describe", parents=[common], help="the tables' refs and snapshots")
    s = sub.add_parser("maintain", parents=[common],
                       help="expire snapshots, drop stale audit branches, remove orphans")
    s.add_argument("--keep", type=int, required=True)
    s.add_argument("--older-than-seconds", type=float, required=True)
    s.add_argument("--dry-run", action="store_true")
    return p


def _properties(pairs):
    from .commit import PROP
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"--property {pair}: write KEY=VALUE")
        out[PROP + key] = value
    return out


def run(args) -> dict:
    from sensorlake import Lake
    from .catalog import CatalogError, open_catalog, parse_catalog
    from .commit import TablesError, describe, publish, stage

    lake = Lake(args.lake, False)
    try:
        spec = parse_catalog(args.catalog, lake.display_path() if lake.is_local else None)
    except CatalogError as e:
        raise TablesError("Invalid", str(e))
    result = {"catalog": spec.uri, "namespace": spec.namespace}
    if spec.kind == "none":
        result["tables"] = {}
        return result
    catalog = open_catalog(spec)
    if args.command == "stage":
        result["tables"] = stage(catalog, spec.namespace, lake, args.curated_version,
                                 _properties(args.property))
    elif args.command == "publish":
        result["tables"] = publish(catalog, spec.namespace, lake, args.curated_version,
                                   args.features_version, _properties(args.property))
    elif args.command == "maintain":
        from .maintenance import maintain
        result.update(maintain(catalog, spec.namespace, lake, args.keep,
                               args.older_than_seconds, args.dry_run))
    else:
        result["tables"] = describe(catalog, spec.namespace)
    return result


def main(argv=None) -> int:
    start = time.perf_counter()
    args = _parser().parse_args(argv)
    from .commit import TablesError
    try:
        out, code = run(args), 0
    except TablesError as e:
        out, code = {"error": {"code": e.code, "message": str(e)}}, 4
    except ImportError as e:
        out, code = {"error": {"code": "NotImplemented",
                               "message": f"the Iceberg commit needs pyiceberg and the engine's "
                                          f"module in {sys.executable}: {e}"}}, 4
    except Exception as e:  # noqa: BLE001: reported to the engine with its type
        traceback.print_exc()
        out, code = {"error": {"code": "Internal",
                               "message": f"{type(e).__name__}: {e}"}}, 4
    out["seconds"] = time.perf_counter() - start  # pyiceberg's import included
    with open(args.summary_json, "w") as f:
        json.dump(out, f)
    return code


if __name__ == "__main__":
    sys.exit(main())
