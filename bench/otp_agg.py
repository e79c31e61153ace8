#!/usr/bin/env python3
"""The per-number OTP aggregation in DuckDB or Polars, for bench/otp-agg.sh.

    otp_agg.py run ENGINE KEY PARQUET OUT.csv   ENGINE: duckdb | polars, KEY: peer_key | peer
    otp_agg.py check A.csv B.csv ...            exits 1 unless all results are equal
    otp_agg.py table TIMES.tsv                  medians and ratios from the timing log

`run` computes what `duanka sql DATASET --builtin otp-per-number` computes: per msisdn
that received an OTP (`direction = 'MT' AND category = 'otp'`), its SMS count, its OTP
count and its distinct OTP senders (counted on KEY), ordered by msisdn, and writes it as
CSV with a header, as duanka does. Each engine is written the way it runs best: one pass
with a filtered DISTINCT count (DuckDB), a lazy group-by on the streaming engine
(Polars). Both use all cores.
"""
import statistics
import sys


def run_duckdb(key, parquet, out):
    import duckdb

    con = duckdb.connect()
    con.execute(f"""
    COPY (
      SELECT msisdn, count(*) AS sms,
             count(*) FILTER (WHERE direction = 'MT' AND category = 'otp') AS otp_sms,
             count(DISTINCT {key}) FILTER (WHERE direction = 'MT' AND category = 'otp') AS services
      FROM read_parquet('{parquet}')
      GROUP BY msisdn HAVING otp_sms > 0 ORDER BY msisdn
    ) TO '{out}' (FORMAT csv, HEADER true)
    """)


def run_polars(key, parquet, out):
    import polars as pl

    otp = (pl.col("direction") == "MT") & (pl.col("category") == "otp")
    (
        pl.scan_parquet(parquet)
        .group_by("msisdn")
        .agg(
            pl.len().alias("sms"),
            otp.sum().alias("otp_sms"),
            pl.col(key).filter(otp).n_unique().alias("services"),
        )
        .filter(pl.col("otp_sms") > 0)
        .sort("msisdn")
        .collect(engine="streaming")
        .write_csv(out)
    )


def check(paths):
    import polars as pl

    cols = ["msisdn", "sms", "otp_sms", "services"]
    frames = [pl.read_csv(p, schema_overrides={c: pl.Int64 for c in cols}) for p in paths]
    first = frames[0]
    for p, f in zip(paths, frames):
        if f.columns != cols:
            sys.exit(f"RESULTS DIFFER: {p} has columns {f.columns}, expected {cols}")
        sums = {c: f[c].sum() for c in cols}
        print(f"{p}: {f.height} rows, sums {sums}")
        if not f.equals(first):
            sys.exit(f"RESULTS DIFFER: {p} is not equal to {paths[0]}")
    if first.height == 0:
        sys.exit("RESULTS EMPTY")


def table(path):
    """TIMES.tsv lines: label, wall seconds, peak KB."""
    runs = {}
    for line in open(path):
        label, wall, kb = line.split("\t")
        runs.setdefault(label, []).append((float(wall), int(kb)))
    med = {k: (statistics.median(w for w, _ in v), statistics.median(m for _, m in v), len(v)) for k, v in runs.items()}
    print(f"{'engine':<30} {'median wall':>12} {'runs':>18} {'peak RSS':>10}")
    for k, (w, m, n) in med.items():
        walls = " ".join(f"{x:.2f}" for x, _ in runs[k])
        print(f"{k:<30} {w:>10.2f} s {walls:>18} {m / 1024:>7.0f} MB")
    for key in ("peer_key", "peer"):
        mine = [v for k, v in med.items() if k.startswith("duanka") and f"({key})" in k]
        others = {k: v for k, v in med.items() if not k.startswith("duanka") and f"({key})" in k}
        if mine and others:
            best_k, best = min(others.items(), key=lambda kv: kv[1][0])
            print(f"ratio duanka / faster of the others on {key}: {mine[0][0] / best[0]:.2f} (faster: {best_k})")


def main():
    cmd = sys.argv[1]
    if cmd == "run":
        engine, key, parquet, out = sys.argv[2:6]
        {"duckdb": run_duckdb, "polars": run_polars}[engine](key, parquet, out)
    elif cmd == "check":
        check(sys.argv[2:])
    elif cmd == "table":
        table(sys.argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
