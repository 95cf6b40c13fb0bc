"""Which Iceberg catalog holds the lake's tables (docs/tables.md, "Catalogs").

``--catalog`` takes a URI:

- ``lake`` (the default): an Iceberg SQL catalog in SQLite inside the lake,
  ``<lake>/_catalog/catalog.db``, warehouse = the lake. Local lakes only: SQLite needs a
  file system with locks, which an object store is not.
- ``sqlite:///abs/path.db``: the same catalog kept elsewhere.
- ``glue://<database>``: the AWS Glue Data Catalog (region and endpoint from the usual AWS
  variables: ``AWS_REGION``, ``AWS_ENDPOINT_URL_GLUE``, and for the metadata files on an
  s3:// lake ``AWS_ENDPOINT_URL_S3``); the database is the namespace.
- ``http://…`` or ``https://…``: an Iceberg REST catalog.
- ``none``: no tables; the lake's folder pointers only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Optional
from urllib.parse import parse_qsl, urlparse

NAMESPACE = "sensorlake"
CATALOG_NAME = "sensorlake"


class CatalogError(ValueError):
    """A catalog URI this module cannot open; the message says what is wrong."""


@dataclass(frozen=True)
class CatalogSpec:
    kind: str  # "sql", "glue", "rest" or "none"
    uri: str  # as given (after the default was applied)
    namespace: str = NAMESPACE
    properties: Optional[dict] = None


def parse_catalog(uri: str, lake_local_path: Optional[str]) -> CatalogSpec:
    """The catalog named by ``uri`` for a lake whose local folder is ``lake_local_path``
    (None for an object-store lake)."""
    uri = (uri or "lake").strip()
    if uri == "none":
        return CatalogSpec("none", uri)
    if uri == "lake":
        if lake_local_path is None:
            raise CatalogError(
                "the lake's own SQLite catalog needs a local lake: for an s3:// lake pass "
                "--catalog glue://<database> (or a REST catalog URI), or --catalog none")
        db = os.path.join(lake_local_path, "_catalog", "catalog.db")
        os.makedirs(os.path.dirname(db), exist_ok=True)
        return CatalogSpec("sql", uri, properties={
            "uri": f"sqlite:///{db}", "warehouse": f"file://{lake_local_path}"})
    parsed = urlparse(uri)
    if parsed.scheme == "sqlite":
        if not parsed.path.startswith("/") or parsed.netloc:
            raise CatalogError(f"--catalog {uri}: write sqlite:///<absolute path>.db")
        os.makedirs(os.path.dirname(parsed.path), exist_ok=True)
        return CatalogSpec("sql", uri, properties={"uri": f"sqlite:///{parsed.path}"})
    if parsed.scheme == "glue":
        database = parsed.netloc or NAMESPACE
        props = {"type": "glue"}
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        if region:
            props["glue.region"] = region
        endpoint = os.environ.get("AWS_ENDPOINT_URL_GLUE") or os.environ.get("AWS_ENDPOINT_URL")
        if endpoint:
            props["glue.endpoint"] = endpoint
        # The tables' metadata files on an s3:// lake: the endpoint and region the engine's
        # own S3 backend uses (src/storage/s3_backend.cc), not only AWS's default endpoint.
        if region:
            props["s3.region"] = region
        s3_endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
        if s3_endpoint:
            props["s3.endpoint"] = s3_endpoint
        props.update(dict(parse_qsl(parsed.query)))
        return CatalogSpec("glue", uri, namespace=database, properties=props)
    if parsed.scheme in ("http", "https"):
        return CatalogSpec("rest", uri, properties={"type": "rest", "uri": uri})
    raise CatalogError(
        f"--catalog {uri}: not a catalog URI; use lake, sqlite:///<path>.db, "
        f"glue://<database>, http(s)://<REST catalog> or none")


def open_catalog(spec: CatalogSpec):
    """The pyiceberg catalog for ``spec`` (imported here: ``none`` needs no pyiceberg)."""
    if spec.kind == "sql":
        from pyiceberg.catalog.sql import SqlCatalog
        return SqlCatalog(CATALOG_NAME, **spec.properties)
    from pyiceberg.catalog import load_catalog
    return load_catalog(CATALOG_NAME, **spec.properties)
