"""Benchmark: import a DUO file of 7,000 school locations (about 5 MB) into one region, on the
database DATABASE_URL points at (default: a throwaway SQLite file). Prints the figures.

    .venv/bin/python scripts/bench_duo_import.py
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

LOCATIONS = 7_000
MUNICIPALITIES = [f"Gemeente {n:03d}" for n in range(60)]


def duo_file(count: int) -> bytes:
    random.seed(7)
    header = ("PROVINCIE,BEVOEGD GEZAG NUMMER,INSTELLINGSCODE,VESTIGINGSCODE,VESTIGINGSNAAM,STRAATNAAM,"
              "HUISNUMMER-TOEVOEGING,POSTCODE,PLAATSNAAM,GEMEENTENUMMER,GEMEENTENAAM,DENOMINATIE,TELEFOONNUMMER,"
              "INTERNETADRES,SOORT PO,TOELICHTING")  # fmt: skip
    lines = [header]
    for n in range(count):
        brin = f"{n // 36 % 100:02d}{'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789'[n % 34]}{'ABCDEFGH'[n // 3400 % 8]}"
        town = MUNICIPALITIES[n % len(MUNICIPALITIES)]
        filler = "Openbare basisschool met een lange toelichting zoals DUO die soms meegeeft. " * 6
        lines.append(f'"Utrecht","{40000 + n}","{brin}","{brin}{n % 3:02d}","Basisschool {n}","Schoolstraat",'
                     f'"{n % 200}","3500AA","PLAATS","{n % 400:04d}","{town}","Openbaar","030-1234567",'
                     f'"www.school{n}.nl","Bo","{filler}"')  # fmt: skip
    return ("\n".join(lines) + "\n").encode()


def main() -> None:
    database = os.environ.get("DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    os.environ["DATABASE_URL"] = database
    from booking import create_app
    from booking.extensions import db
    from booking.organisations import duo, services
    from booking.organisations.models import HolidayRegion, Region

    app = create_app()
    with app.app_context():
        db.create_all()
        region = Region(name=f"Benchmark {time.time_ns()}", holiday_region=HolidayRegion.MIDDEN)
        db.session.add(region)
        services.set_municipalities(region, "\n".join(MUNICIPALITIES))
        db.session.commit()
        data = duo_file(LOCATIONS)
        started = time.perf_counter()
        locations = duo.read_locations(data)
        read = time.perf_counter()
        preview = duo.preview_import(region, locations)
        previewed = time.perf_counter()
        carried = duo.carry(preview)
        result = duo.import_locations(region, duo.carried(carried))
        db.session.commit()
        done = time.perf_counter()
        print(f"database            {database.split('://')[0]}")
        print(f"file                {len(data) / 1e6:.1f} MB, {len(locations)} locations")
        print(f"read                {read - started:.2f} s")
        print(f"preview             {previewed - read:.2f} s ({len(preview.of(duo.ADD))} to add, "
              f"{len(preview.of(duo.REFUSED))} refused)")  # fmt: skip
        print(f"carried to confirm  {len(carried) / 1e3:.0f} kB")
        print(f"confirm and commit  {done - previewed:.2f} s ({len(result.of(duo.ADD))} added)")
        again = time.perf_counter()
        second = duo.preview_import(region, duo.read_locations(data))
        print(f"second preview      {time.perf_counter() - again:.2f} s ({len(second.of(duo.ADD))} to add, "
              f"{len(second.of(duo.UNCHANGED))} unchanged)")  # fmt: skip


if __name__ == "__main__":
    main()
