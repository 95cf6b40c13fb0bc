"""Measures the effect of each curated-layout choice on bytes stored and on bytes a
pruning reader must fetch for one subject and activity.

Usage: .venv/bin/python bench/layout_study.py LAKE [--out docs/layout-study.md]

Each variant rewrites the lake's current curated data with pyarrow, one setting changed
against sensorlake's own layout, and reports:
  - total bytes of the dataset;
  - query bytes: the compressed bytes of the row groups whose statistics admit
    `subject = S AND activity = 'B'` (what DuckDB, Spark or pyarrow read after pruning),
    as a share of the dataset, averaged over 5 subjects;
  - the DuckDB answer for that query, which must equal the baseline's (a sanity check).
"""
import argparse
import pathlib
import shutil
import tempfile
import time

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

FLOATS = ["x", "y", "z"]


def load(lake):
    return ds.dataset(pathlib.Path(lake) / "curated" / "sensor_readings", format="parquet",
                      partitioning="hive")


def write_variant(dataset, out, *, sort=True, compression="zstd", level=3, bss=True, delta=True,
                  row_groups="subject"):
    for frag in dataset.get_fragments():
        part = pathlib.Path(frag.path).parent
        rel = pathlib.Path(part.parent.name) / part.name
        table = frag.to_table()
        if not sort:
            # Arrival order across subjects: interleave the subjects' files as a naive
            # writer that does not sort would (round-robin by row number modulo 97).
            idx = pc.sort_indices(pa.table({"k": pc.bit_wise_and(
                pa.array(range(table.num_rows), pa.int64()), 97)}), [("k", "ascending")])
            table = table.take(idx)
        encoding = {}
        if bss:
            encoding.update({c: "BYTE_STREAM_SPLIT" for c in FLOATS})
        if delta:
            encoding.update({"timestamp_ns": "DELTA_BINARY_PACKED",
                             "sample": "DELTA_BINARY_PACKED"})
        dest = out / rel
        dest.mkdir(parents=True, exist_ok=True)
        kwargs = dict(compression=compression, write_page_index=True)
        if compression == "zstd":
            kwargs["compression_level"] = level
        if encoding:
            kwargs["use_dictionary"] = [c for c in table.column_names if c not in encoding]
            kwargs["column_encoding"] = encoding
        with pq.ParquetWriter(dest / "part-00000.parquet", table.schema, **kwargs) as w:
            if row_groups == "subject" and sort:
                subjects = table["subject"].to_numpy()
                start = 0
                for i in range(1, len(subjects) + 1):
                    if i == len(subjects) or subjects[i] != subjects[start]:
                        w.write_table(table.slice(start, i - start))
                        start = i
            else:
                w.write_table(table, row_group_size=row_groups if isinstance(row_groups, int)
                              else 1 << 20)


def measure(root, subjects):
    files = sorted(root.glob("*/*/*.parquet"))
    total = sum(f.stat().st_size for f in files)
    shares = []
    for s in subjects:
        read = 0
        for f in files:
            md = pq.ParquetFile(f).metadata
            names = md.schema.names
            si, ai = names.index("subject"), names.index("activity")
            for g in range(md.num_row_groups):
                rg = md.row_group(g)
                st, at = rg.column(si).statistics, rg.column(ai).statistics
                if st is not None and st.has_min_max and not (st.min <= s <= st.max):
                    continue
                if at is not None and at.has_min_max and not (at.min <= "B" <= at.max):
                    continue
                read += sum(rg.column(c).total_compressed_size for c in range(rg.num_columns))
        shares.append(read / total)
    with duckdb.connect() as con:
        answer = con.execute(
            f"""SELECT count(*), round(sum(x), 3) FROM read_parquet('{root}/*/*/*.parquet')
                WHERE subject = {subjects[0]} AND activity = 'B'""").fetchall()[0]
    return total, sum(shares) / len(shares), answer


VARIANTS = [
    ("sensorlake layout (sorted, 1 row group/subject, zstd 3, BSS floats, delta ints)", {}),
    ("no byte-stream-split for floats", {"bss": False}),
    ("no delta encoding for timestamp_ns and sample", {"delta": False}),
    ("snappy instead of zstd", {"compression": "snappy"}),
    ("zstd level 9", {"level": 9}),
    ("row groups of 1 Mi rows instead of per subject", {"row_groups": 1 << 20}),
    ("unsorted (arrival order)", {"sort": False, "row_groups": 1 << 20}),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("lake")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    dataset = load(args.lake)
    subjects = sorted(set(pc.unique(dataset.to_table(columns=["subject"])["subject"]).to_pylist()))
    picks = [subjects[int(i * (len(subjects) - 1) / 4)] for i in range(5)]
    rows = []
    base_total = None
    with tempfile.TemporaryDirectory() as tmp:
        for name, kw in VARIANTS:
            out = pathlib.Path(tmp) / str(len(rows))
            t0 = time.time()
            write_variant(dataset, out, **kw)
            total, share, answer = measure(out, picks)
            base_total = base_total or total
            rows.append((name, total, total / base_total, share, answer, time.time() - t0))
            print(f"{name:<75} {total/1e6:9.1f} MB  x{total/base_total:5.2f}  "
                  f"query reads {share*100:5.2f}%  answer {answer}", flush=True)
            shutil.rmtree(out)
    if args.out:
        lines = ["| variant | dataset MB | size vs sensorlake | query bytes (share of dataset) |",
                 "|---|---:|---:|---:|"]
        for name, total, ratio, share, _, _ in rows:
            lines.append(f"| {name} | {total/1e6:.1f} | {ratio:.2f}x | {share*100:.2f}% |")
        pathlib.Path(args.out).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
