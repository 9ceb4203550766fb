"""The DUO school register: reading the CSV files of school locations DUO publishes, and a preview of
what importing one into a region adds, updates, leaves alone or refuses (and why) before anything is
written.

Both shapes DUO has used (``../shared/DOMAIN.md``): the current comma-separated files with
``INSTELLINGSCODE``/``VESTIGINGSCODE`` (the latter sometimes already the 6 characters ``02QZ00``) and
an optional byte-order mark, and the older semicolon-separated ones with ``BRIN NUMMER``/
``VESTIGINGSNUMMER``, often in Windows-1252. Every value stays text: municipality numbers keep their
leading zeros, and nothing is guessed from a number.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from booking.core.errors import DomainError
from booking.extensions import db
from booking.organisations.models import EducationLevel, Region, School

MAX_FILE_SIZE = 20 * 1024 * 1024  # DUO's largest national file is about 5 MB
MAX_CARRIED = 450_000  # the confirm form's hidden field stays under Flask's form memory limit
MAX_LISTED_REFUSALS = 500

COLUMNS = {
    "brin": ("INSTELLINGSCODE", "BRIN NUMMER", "BRINNUMMER", "BRIN"),
    "location": ("VESTIGINGSCODE", "VESTIGINGSNUMMER"),
    "name": ("VESTIGINGSNAAM", "INSTELLINGSNAAM", "NAAM"),
    "municipality": ("GEMEENTENAAM",),
    "level": ("SOORT PO", "ONDERWIJSSTRUCTUUR", "SOORT ONDERWIJS", "ONDERWIJSSOORT", "SECTOR"),
}
REQUIRED = ("brin", "location", "name", "municipality")
COLUMN_NAMES = {"brin": "INSTELLINGSCODE", "location": "VESTIGINGSCODE", "name": "VESTIGINGSNAAM",
                "municipality": "GEMEENTENAAM"}  # fmt: skip

# The words DUO uses for the kind of school, per education level. ONDERWIJSSTRUCTUUR lists several
# ("VMBO/HAVO/VWO"): any word of a level is enough.
LEVEL_WORDS = {
    EducationLevel.PO: {"bo", "bao", "po", "basisonderwijs", "basisschool"},
    EducationLevel.SO: {"sbo", "so", "vso", "(v)so", "wec", "speciaal", "speciaal onderwijs"},
    EducationLevel.VO: {"vo", "vmbo", "havo", "vwo", "pro", "praktijkonderwijs", "mavo", "vbo", "lwoo"},
    EducationLevel.MBO: {"mbo", "bol", "bbl", "roc"},
}
BRIN = re.compile(r"^[0-9]{2}[A-Z0-9]{2}$")
NAME_LENGTH = School.__table__.c.name.type.length
MUNICIPALITY_LENGTH = School.__table__.c.municipality.type.length

ADD, UPDATE, UNCHANGED, REFUSED = "add", "update", "unchanged", "refused"


@dataclass(frozen=True)
class Location:
    """One school location as the file gives it (trimmed), with its line number for messages."""

    line: int
    brin: str
    location: str
    name: str
    municipality: str
    level: str

    @property
    def code(self) -> str:
        return self.brin + self.location


@dataclass
class PreviewRow:
    location: Location
    action: str
    reason: str | None = None
    school: School | None = None
    changes: list[str] = field(default_factory=list)
    education_level: EducationLevel | None = None


@dataclass
class Preview:
    rows: list[PreviewRow] = field(default_factory=list)
    other_municipalities: int = 0  # rows of municipalities outside the region: counted, not listed

    def of(self, action: str) -> list[PreviewRow]:
        return [row for row in self.rows if row.action == action]

    @property
    def listed_refusals(self) -> list[PreviewRow]:
        return self.of(REFUSED)[:MAX_LISTED_REFUSALS]


# Reading ------------------------------------------------------------------------------------------


def _text(data: bytes) -> str:
    if len(data) > MAX_FILE_SIZE:
        raise DomainError(_("The file is larger than 20 MB; a DUO file of every school location is about 5 MB."),
                          field="file")  # fmt: skip
    if not data.strip():
        raise DomainError(_("The file is empty."), field="file")
    if data.startswith(b"PK\x03\x04"):
        raise DomainError(_("This is a spreadsheet or zip file, not a CSV file. Save it as CSV and upload that."),
                          field="file")  # fmt: skip
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data[:4096]:
        raise DomainError(_("This file is not a CSV file. Upload the CSV file DUO publishes."), field="file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Older DUO files are Windows-1252 (Zuid-Holland's "Sint-Maartensdijk", "Súdwest-Fryslân").
        return data.decode("cp1252", errors="replace")


def _delimiter(header: str) -> str:
    counts = {delimiter: header.count(delimiter) for delimiter in (",", ";", "\t")}
    return max(counts, key=counts.get)


def _columns(header: list[str]) -> dict[str, int]:
    names = [name.strip().strip('"').upper() for name in header]
    found = {}
    for key, candidates in COLUMNS.items():
        for candidate in candidates:
            if candidate in names:
                found[key] = names.index(candidate)
                break
    missing = [COLUMN_NAMES[key] for key in REQUIRED if key not in found]
    if missing:
        seen = ", ".join(name for name in names[:6] if name) or _("nothing")
        raise DomainError(
            _(
                "This is not a DUO file of school locations: the columns %(missing)s are missing "
                "(the first line has %(seen)s). Upload the CSV file as DUO publishes it.",
                missing=", ".join(missing),
                seen=seen,
            ),
            field="file",
        )
    return found


def read_locations(data: bytes) -> list[Location]:
    """The school locations in a DUO file; a file that is not one gets a message saying why."""
    text = _text(data)
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line))
    try:
        header = next(reader)
        columns = _columns(header)
        locations = []
        for line, values in enumerate(reader, start=2):
            if not any(value.strip() for value in values):
                continue

            def value(key, values=values):
                index = columns.get(key)
                return " ".join(values[index].split()) if index is not None and index < len(values) else ""

            locations.append(
                Location(
                    line,
                    value("brin").upper(),
                    value("location").upper(),
                    value("name"),
                    value("municipality"),
                    value("level"),
                )
            )
    except csv.Error:
        raise DomainError(
            _("The file is damaged and cannot be read as CSV. Download it again."), field="file"
        ) from None
    if not locations:
        raise DomainError(_("The file has a header but no school locations."), field="file")
    return locations


def level_of(word: str) -> EducationLevel | None:
    words = {part.strip().lower() for part in re.split(r"[/,;]", word) if part.strip()} | {word.strip().lower()}
    for level, known in LEVEL_WORDS.items():
        if words & known:
            return level
    return None


# Preview ------------------------------------------------------------------------------------------


def _location_number(location: Location) -> str | None:
    number = location.location
    if len(number) == 6 and number.startswith(location.brin):
        number = number[4:]
    if number.isdigit() and len(number) <= 2:
        return number.zfill(2)
    return None


def _refusal(location: Location, level: EducationLevel | None) -> str | None:
    if not BRIN.match(location.brin):
        return _("“%(code)s” is not a BRIN code (2 digits and 2 letters or digits)", code=location.brin or "—")
    if _location_number(location) is None:
        return _("“%(number)s” is not a location number (2 digits)", number=location.location or "—")
    if not location.name:
        return _("no name")
    if len(location.name) > NAME_LENGTH:
        return _("the name is longer than %(count)s characters", count=NAME_LENGTH)
    if not location.municipality or len(location.municipality) > MUNICIPALITY_LENGTH:
        return _("no municipality")
    if level is None:
        if location.level:
            return _("unknown education level “%(level)s”", level=location.level)
        return _("no education level: choose the file's level above")
    return None


def _existing(locations: list[Location]) -> dict[tuple[str, str], School]:
    brins = sorted({location.brin for location in locations})
    schools: dict[tuple[str, str], School] = {}
    for start in range(0, len(brins), 500):
        for school in db.session.scalars(select(School).where(School.brin.in_(brins[start : start + 500]))):
            schools[(school.brin, school.location_number or "")] = school
    return schools


def preview_import(region: Region, locations: list[Location], level: EducationLevel | None = None) -> Preview:
    """What importing the locations into the region would do; writes nothing."""
    if not region.municipalities:
        raise DomainError(
            _("First list the municipalities of %(region)s on the region's page: the import keeps to them.",
              region=region.name),
            field="file",
        )  # fmt: skip
    preview = Preview()
    names = {name.casefold() for name in region.municipalities}
    mine = [location for location in locations if location.municipality.casefold() in names]
    preview.other_municipalities = len(locations) - len(mine)
    existing = _existing(mine)
    seen: dict[str, int] = {}
    for location in mine:
        row_level = level or level_of(location.level)
        row = PreviewRow(location, ADD, education_level=row_level)
        preview.rows.append(row)
        row.reason = _refusal(location, row_level)
        key = location.brin + (_location_number(location) or "")
        if row.reason is None and key in seen:
            row.reason = _("the same location is on line %(line)s too", line=seen[key])
        if row.reason is not None:
            row.action = REFUSED
            continue
        number = _location_number(location)
        seen[key] = location.line
        school = existing.get((location.brin, number))
        if school is None and number == "00":  # a school entered without its location number
            school = existing.get((location.brin, ""))
        if school is None:
            continue
        row.school = school
        if school.region_id != region.id:
            row.action, row.reason = REFUSED, _("already a school of %(region)s", region=school.region.name)
            continue
        row.changes = _changes(school, location, number, row_level)
        row.action = UPDATE if row.changes else UNCHANGED
    return preview


def _changes(school: School, location: Location, number: str, level: EducationLevel) -> list[str]:
    changes = []
    if school.name != location.name:
        changes.append(_("name %(old)s → %(new)s", old=school.name, new=location.name))
    if school.municipality != location.municipality:
        changes.append(_("municipality %(old)s → %(new)s", old=school.municipality, new=location.municipality))
    if school.education_level is not level:
        changes.append(_("level %(old)s → %(new)s", old=school.education_level.label, new=level.label))
    if (school.location_number or "") != number:
        changes.append(_("location number %(new)s", new=number))
    return changes


def import_locations(region: Region, locations: list[Location], level: EducationLevel | None = None) -> Preview:
    """Add the new locations and update the changed ones, exactly as the preview said."""
    preview = preview_import(region, locations, level)
    for row in preview.rows:
        location, number = row.location, _location_number(row.location)
        if row.action == ADD:
            db.session.add(
                School(name=location.name, brin=location.brin, location_number=number,
                       municipality=location.municipality, education_level=row.education_level, region=region)
            )  # fmt: skip
        elif row.action == UPDATE:
            school = row.school
            school.name, school.municipality = location.name, location.municipality
            school.education_level, school.location_number = row.education_level, number
    return preview


# Carrying the checked rows to the confirmation ------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="duo-import")


def carry(preview: Preview) -> str:
    """The rows of the region (not the rest of the country) signed for the confirm form: the import
    reads them again, and nobody can slip another row in between."""
    rows = [[r.location.line, r.location.brin, r.location.location, r.location.name, r.location.municipality,
             r.location.level] for r in preview.rows if r.action != REFUSED]  # fmt: skip
    carried = _serializer().dumps(rows)
    if len(carried) > MAX_CARRIED:
        raise DomainError(_("The file holds too many schools for one import; split it by municipality."), field="file")
    return carried


def carried(value: str) -> list[Location]:
    try:
        rows = _serializer().loads(value or "")
        return [Location(int(line), *(str(part) for part in rest)) for line, *rest in rows]
    except (BadSignature, TypeError, ValueError):
        raise DomainError(_("The file got lost between the preview and the import. Upload it again.")) from None
