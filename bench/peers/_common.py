"""Shared command line of the peers: each reads the raw WISDM text files under INPUT
(INPUT/{phone,watch}/{accel,gyro}/data_*.txt) and writes OUT/device=*/sensor=*/*.parquet."""
import argparse


def parse_args(doc):
    ap = argparse.ArgumentParser(description=doc)
    ap.add_argument("--input", required=True,
                    help="raw root holding {phone,watch}/{accel,gyro}/*.txt")
    ap.add_argument("--out", required=True, help="output folder (must not exist)")
    ap.add_argument("--threads", type=int, default=2)
    return ap.parse_args()
