"""The lake as the trainer sees it: a root folder on a pyarrow filesystem, local or S3.

URIs and their rules are the engine's (docs/storage.md), so `sensorlake train` takes the
same `--lake` as every other command:

- a path or `file:///path`: a local folder;
- `s3://bucket[/prefix][?endpoint_override=host:port&scheme=http&region=r]`: objects under
  the prefix. Endpoint: the query, else AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL. Region:
  the query, else AWS_REGION / AWS_DEFAULT_REGION, else us-east-1 with an endpoint, else the
  bucket's own. Credentials come from the AWS chain; in the URI they are refused, since the
  URI ends up in model cards and logs.

Writes are atomic for a reader the way the engine's are: a folder is published by a rename
(local) or by uploading every file with its completion marker last (S3); a pointer is a
temp file and a rename (local) or one PutObject (S3 replaces objects atomically).
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

S3_QUERY_KEYS = {"endpoint_override", "scheme", "region"}


class LakeError(Exception):
    """An error with a documented status code (docs/cli.md): Invalid, NotFound, IOError."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def _endpoint_from_env() -> tuple[str | None, str | None]:
    """(host:port, scheme) from AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, like the engine."""
    for var in ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"):
        value = os.environ.get(var)
        if value:
            parts = urlsplit(value if "://" in value else f"https://{value}")
            return parts.netloc, parts.scheme
    return None, None


def _s3_filesystem(uri: str):
    """(pyarrow S3FileSystem, root "bucket/prefix", URI without its query)."""
    from pyarrow import fs

    parts = urlsplit(uri)
    if "@" in parts.netloc:
        raise LakeError("Invalid", "credentials in an s3:// URI are refused (they would end "
                                   "up in model cards and logs): use the AWS credential chain")
    bucket, prefix = parts.netloc, parts.path.strip("/")
    if not bucket:
        raise LakeError("Invalid", f"{uri}: an s3:// lake URI needs a bucket")
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    unknown = sorted(set(query) - S3_QUERY_KEYS)
    if unknown:
        raise LakeError("Invalid", f"unknown s3:// URI parameter(s) {', '.join(unknown)} "
                                   f"(known: {', '.join(sorted(S3_QUERY_KEYS))})")
    endpoint, scheme = query.get("endpoint_override"), query.get("scheme")
    if endpoint is None:
        endpoint, env_scheme = _endpoint_from_env()
        scheme = scheme or env_scheme
    region = (query.get("region") or os.environ.get("AWS_REGION")
              or os.environ.get("AWS_DEFAULT_REGION"))
    if region is None:
        region = "us-east-1" if endpoint else fs.resolve_s3_region(bucket)
    options = {"region": region, "scheme": scheme or "https",
               "retry_strategy": fs.AwsStandardS3RetryStrategy(max_attempts=6),
               "connect_timeout": 10, "request_timeout": 60}
    if endpoint:
        options["endpoint_override"] = endpoint
    display = f"s3://{bucket}/{prefix}" if prefix else f"s3://{bucket}"
    return fs.S3FileSystem(**options), f"{bucket}/{prefix}".rstrip("/"), display, bucket


class Lake:
    """A lake root: `path(rel)` names a file in it; reads and writes go through pyarrow."""

    def __init__(self, uri: str):
        from pyarrow import fs

        self.uri = uri
        if uri.startswith("s3://"):
            self.fs, self.root, self.display, bucket = _s3_filesystem(uri)
            self.local = False
            if self._type(bucket) == fs.FileType.NotFound:
                raise LakeError("NotFound", f"no bucket {bucket!r} for the lake {self.display}")
        elif "://" in uri and not uri.startswith("file://"):
            raise LakeError("Invalid", f"unsupported lake URI {uri} (a path, file:// or s3://)")
        else:
            path = Path(uri[len("file://"):] if uri.startswith("file://") else uri).absolute()
            self.fs, self.root, self.display, self.local = fs.LocalFileSystem(), str(path), \
                str(path), True
            if not path.is_dir():
                raise LakeError("NotFound", f"no lake at {path}")

    def path(self, rel: str) -> str:
        return f"{self.root}/{rel}" if rel else self.root

    def _type(self, full: str):
        try:
            return self.fs.get_file_info(full).type
        except OSError as e:
            raise LakeError("IOError", f"{self.display}: {e}") from e

    def is_file(self, rel: str) -> bool:
        from pyarrow import fs
        return self._type(self.path(rel)) == fs.FileType.File

    def read_bytes(self, rel: str) -> bytes:
        try:
            with self.fs.open_input_stream(self.path(rel)) as f:
                return f.read()
        except FileNotFoundError as e:
            raise LakeError("NotFound", f"{self.display}/{rel} not found") from e
        except OSError as e:
            raise LakeError("IOError", f"reading {self.display}/{rel}: {e}") from e

    def list_files(self, rel: str, suffix: str) -> list[str]:
        """Files under the folder `rel` (recursively) ending in `suffix`, sorted; none when
        the folder is missing."""
        from pyarrow import fs
        try:
            infos = self.fs.get_file_info(fs.FileSelector(self.path(rel), recursive=True,
                                                          allow_not_found=True))
        except OSError as e:
            raise LakeError("IOError", f"listing {self.display}/{rel}: {e}") from e
        return sorted(i.path for i in infos
                      if i.type == fs.FileType.File and i.path.endswith(suffix))

    def read_parquet(self, files: list[str]):
        import pyarrow as pa
        import pyarrow.parquet as pq
        try:
            return pa.concat_tables([pq.read_table(f, filesystem=self.fs) for f in files])
        except OSError as e:
            raise LakeError("IOError", f"reading features under {self.display}: {e}") from e

    def local_stage(self, rel_parent: str, name: str) -> Path:
        """A fresh local folder to build a set of files in before `publish_folder`: inside
        the lake for local lakes (so publishing is one rename), else a temp folder."""
        if self.local:
            stage = Path(self.path(rel_parent)) / name
        else:
            import tempfile
            stage = Path(tempfile.mkdtemp(prefix="sensorlake-train-")) / name
        shutil.rmtree(stage, ignore_errors=True)
        stage.mkdir(parents=True)
        return stage

    def publish_folder(self, stage: Path, rel: str, marker: str) -> None:
        """Makes the files of `stage` the folder `rel` of the lake, `marker` appearing last:
        a reader that finds the marker finds every file. Replaces an existing folder."""
        try:
            if self.local:
                final = Path(self.path(rel))
                if final.exists():
                    shutil.rmtree(final)
                os.rename(stage, final)
                return
            target = self.path(rel)
            self.fs.delete_dir_contents(target, missing_dir_ok=True)
            names = sorted(p.name for p in stage.iterdir() if p.name != marker) + [marker]
            for name in names:
                with self.fs.open_output_stream(f"{target}/{name}") as out:
                    out.write((stage / name).read_bytes())
        except OSError as e:
            raise LakeError("IOError", f"writing {self.display}/{rel}: {e}") from e

    def discard_stage(self, stage: Path) -> None:
        """Removes what is left of a stage (nothing after a local publish)."""
        shutil.rmtree(stage if self.local else stage.parent, ignore_errors=True)

    def write_pointer(self, rel: str, data: bytes) -> None:
        """A small file replaced atomically (temp + rename locally, one PUT on S3)."""
        try:
            if self.local:
                final = Path(self.path(rel))
                final.parent.mkdir(parents=True, exist_ok=True)
                tmp = final.with_name(f".{final.name}.{os.getpid()}")
                tmp.write_bytes(data)
                os.replace(tmp, final)
                return
            with self.fs.open_output_stream(self.path(rel)) as out:
                out.write(data)
        except OSError as e:
            raise LakeError("IOError", f"writing {self.display}/{rel}: {e}") from e
