"""A child process for the fault tests: an import-like batch write of many cases in one
transaction, reporting each step on stdout so the test can kill it at a chosen moment.

    python -m tests.fault_batch_writer URL ROWS
"""

from __future__ import annotations

import sys

from controllers.actor import SYSTEM
from controllers.audit.trail import record
from models.database import Database, make_engine
from tests.factories import make_case


def main(url: str, rows: int) -> None:
    db = Database.from_engine(make_engine(url))
    with db.session() as session:
        ids = []
        for n in range(rows):
            ids.append(make_case(session, remark="批量导入").id)  # flushes each row
            if n % 100 == 99:
                print(f"flushed {n + 1}", flush=True)
        record(session, SYSTEM, "import", "county_return", None, detail={"rows": rows})
        print("committing", flush=True)
        session.commit()
    print("committed", flush=True)
    db.dispose()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
