"""pandas + pyarrow, the naive baseline: read_csv file by file (z as text because of the
trailing ';'), concat, sort_values, to_parquet with partition_cols (ZSTD). Single-threaded
parsing; pyarrow may use the thread count for writing."""
import pathlib

import pyarrow as pa

from _common import parse_args

args = parse_args(__doc__)
pa.set_cpu_count(args.threads)
import pandas as pd  # noqa: E402

names = ["subject", "activity", "timestamp_ns", "x", "y", "z"]
dtypes = {"subject": "int16", "activity": "str", "timestamp_ns": "int64", "x": "float32",
          "y": "float32", "z": "str"}
frames = []
for path in sorted(pathlib.Path(args.input).glob("*/*/*.txt")):
    df = pd.read_csv(path, header=None, names=names, dtype=dtypes)
    df["z"] = df["z"].str.rstrip(";").astype("float32")
    df["device"], df["sensor"] = path.parent.parent.name, path.parent.name
    frames.append(df)
df = pd.concat(frames, ignore_index=True)
df = df.sort_values(["device", "sensor", "subject", "activity", "timestamp_ns"], ignore_index=True)
df.to_parquet(args.out, partition_cols=["device", "sensor"], compression="zstd", index=False)
