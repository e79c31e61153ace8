#!/usr/bin/env python3
"""Writes the `sms.csv` of the OTP aggregation benchmark (contract columns).

Usage: gen_otp.py OUT.csv [ROWS] (default 20,000,000).

One day of SMS for about 2 M recipients (Guangdong Telecom-style numbers, 10 % of them
written `+86…`), about 2,000 service senders (`1069xxxxxxx` codes, a few popular and a
long tail), 30 % OTPs, marketing and notices from the same senders, person-to-person
messages both ways (MO and MT), and 500 OTP sinks that receive codes from many services.
Every row has a category, so that every engine uses the same OTP definition
(`category = 'otp'`); there is no content column (operators often may not keep it).

Deterministic for a given ROWS: values are hashes of the row number. Generated with
DuckDB's SQL engine, which writes 20 M rows in seconds.
"""
import sys

import duckdb

RECIPIENTS = 2_000_000
SERVICES = 2_000
SINKS = 500
PREFIXES = [133, 153, 173, 177, 180, 181, 189, 191, 199]


def main():
    out = sys.argv[1]
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 20_000_000
    prefixes = ", ".join(str(p) for p in PREFIXES)
    con = duckdb.connect()
    # u(k): a uniform number in [0, 1) per row and purpose k.
    u = lambda k: f"((hash(i, {k}) % 1000000007)::DOUBLE / 1000000007)"
    # A number from a recipient index: unique per index, spread over the segments.
    number = lambda r: (
        f"(list_extract([{prefixes}], ({r}) % {len(PREFIXES)} + 1)::BIGINT * 100000000"
        f" + (({r}) // {len(PREFIXES)}) * 37)"
    )
    # A service code; `skew` > 1 makes low indices (the popular services) more likely.
    service = lambda k, skew: (
        f"'1069' || lpad(((floor({SERVICES} * pow({u(k)}, {skew}))::BIGINT * 7919) % 10000000)::VARCHAR, 7, '0')"
    )
    con.execute(f"""
    COPY (
      WITH base AS (
        SELECT i,
               {u(1)} < 0.002 AS sink,
               floor({RECIPIENTS} * {u(2)})::BIGINT AS r,
               floor({SINKS} * {u(3)})::BIGINT AS s,
               {u(4)} AS kind,
               {u(5)} AS mo,
               floor(86400 * {u(6)})::BIGINT AS sec,
               {u(7)} AS plus,
               {u(8)} AS node,
               floor({RECIPIENTS} * 1.2 * {u(9)})::BIGINT AS other
        FROM range({rows}) t(i)
      ), typed AS (
        SELECT *,
               CASE WHEN sink OR kind < 0.30 THEN 'otp' WHEN kind < 0.45 THEN 'notice'
                    WHEN kind < 0.60 THEN 'marketing' ELSE 'personal' END AS category,
               CASE WHEN sink THEN {number(f'{RECIPIENTS} + s')} ELSE {number('r')} END AS n
        FROM base
      )
      SELECT strftime(TIMESTAMP '2025-10-14 00:00:00' + to_seconds(sec), '%Y-%m-%d %H:%M:%S') AS ts,
             CASE WHEN category = 'personal' AND mo < 0.5 THEN 'MO' ELSE 'MT' END AS direction,
             CASE WHEN plus < 0.1 THEN '+86' ELSE '' END || n::VARCHAR AS msisdn,
             CASE WHEN category = 'personal' THEN {number('other')}::VARCHAR
                  WHEN sink THEN {service(10, 1)}
                  ELSE {service(10, 2)} END AS peer,
             category,
             CASE WHEN node < 0.97 THEN 'radio'
                  ELSE '10.20.' || (floor(node * 1000)::BIGINT % 4)::VARCHAR || '.' || (1 + floor(node * 100000)::BIGINT % 254)::VARCHAR END
               AS delivery_node
      FROM typed ORDER BY i
    ) TO '{out}' (FORMAT csv, HEADER true)
    """)


if __name__ == "__main__":
    main()
