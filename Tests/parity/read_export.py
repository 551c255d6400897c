"""Reads an exported file back the way analysts will, for the export tests.

usage: read_export.py FILE (csv|parquet) OUT_JSON

parquet: the column types and every value as pyarrow and as DuckDB read them; csv: the header,
the rows as Python's csv module reads them, and whether every line ends in CRLF. Values are
written as text: floats by repr(), timestamps as ISO 8601 UTC with microseconds.
"""
import datetime
import json
import sys


def cell(v):
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, datetime.datetime):
        if v.tzinfo is not None:
            v = v.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return v.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(v, datetime.date):
        return v.isoformat()
    return str(v)


def main(path, fmt, out):
    res = {}
    if fmt == "parquet":
        import duckdb
        import pyarrow.parquet as pq

        t = pq.read_table(path)
        res["pyarrow_types"] = {f.name: str(f.type) for f in t.schema}
        res["pyarrow_nullable"] = {f.name: f.nullable for f in t.schema}
        cols = [t.column(i).to_pylist() for i in range(t.num_columns)]
        res["pyarrow_rows"] = [[cell(v) for v in row] for row in zip(*cols)]
        con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
        rel = con.execute("SELECT * FROM read_parquet(?)", [path])
        res["duckdb_types"] = {d[0]: str(d[1]) for d in rel.description}
        res["duckdb_rows"] = [[cell(v) for v in r] for r in rel.fetchall()]
    else:
        import csv

        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        raw = open(path, "rb").read()
        res["header"] = rows[0]
        res["rows"] = rows[1:]
        res["crlf"] = raw.split(b"\n", 1)[0].endswith(b"\r") and raw.endswith(b"\r\n")
    with open(out, "w") as f:
        json.dump(res, f)


if __name__ == "__main__":
    main(*sys.argv[1:4])
