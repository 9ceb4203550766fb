"""A country-sized demo for benchmarks: about 1,200 schools, 60 partners, 2,000 activities, 80,000 sessions
from three months ago to seven months ahead, and 150,000 bookings in every state with their history and
evaluations. Written with bulk inserts so it loads in seconds; deterministic (fixed random seed) and loaded
at most once per database."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

from flask import current_app
from sqlalchemy import insert, select

from booking.bookings.models import Booking, BookingEvent, BookingStatus, Evaluation
from booking.catalogue.models import (
    Activity,
    ActivityGrade,
    ActivityStatus,
    CostType,
    LocationType,
    Session,
    SessionStatus,
    Theme,
    activity_regions,
    activity_themes,
    search_key,
)
from booking.core.time import from_local, local_today, school_year_of
from booking.extensions import db
from booking.organisations.models import (
    EducationLevel,
    Grade,
    HolidayRegion,
    Partner,
    PartnerKind,
    Region,
    School,
    SchoolClass,
    partner_regions,
)

MARKER_REGION = "Regio Eindhoven"

REGIONS = [
    ("Regio Groningen", HolidayRegion.NOORD, ["Groningen", "Haren", "Hoogezand", "Leek", "Zuidhorn"]),
    ("Regio Zwolle", HolidayRegion.NOORD, ["Zwolle", "Kampen", "Dalfsen", "Hattem", "Zwartewaterland"]),
    ("Regio Amersfoort", HolidayRegion.MIDDEN, ["Amersfoort", "Soest", "Leusden", "Baarn", "Nijkerk"]),
    ("Regio Den Haag", HolidayRegion.MIDDEN, ["Den Haag", "Rijswijk", "Delft", "Zoetermeer", "Wassenaar"]),
    (MARKER_REGION, HolidayRegion.ZUID, ["Eindhoven", "Veldhoven", "Best", "Geldrop", "Nuenen"]),
    ("Regio Maastricht", HolidayRegion.ZUID, ["Maastricht", "Meerssen", "Valkenburg", "Eijsden", "Heerlen"]),
]

SCHOOL_PREFIXES = ["OBS", "CBS", "RKBS", "Daltonschool", "Montessorischool", "Jenaplanschool", "IKC"]
SCHOOL_NAMES = [
    "De Regenboog", "Het Kompas", "De Vlinder", "De Wereldwijzer", "Het Palet", "De Springplank", "De Zonnewijzer",
    "De Klimop", "Het Anker", "De Boomgaard", "De Horizon", "De Sterrenwacht", "Het Baken", "De Meander",
    "De Fontein", "De Ontdekking", "Het Mozaïek", "De Windroos", "De Tweemaster", "Het Carillon", "De Wilgen",
    "De Linde", "De Esdoorn", "Het Startpunt", "De Bron",
]  # fmt: skip
VO_NAMES = ["Vakcollege", "Technasium", "Lyceum", "Scholengemeenschap", "College"]
PARTNER_WORDS = [
    "Installatietechniek", "Bouwbedrijf", "Energie", "Robotica Lab", "Science Center", "Maakplaats", "Metaal",
    "Elektrotechniek", "Waterschap", "Printlab", "Dataschool", "Windpark", "Scheepswerf", "Zorgtechniek",
]  # fmt: skip
FAMILY_NAMES = [
    "Van Dijk", "De Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "De Boer", "Bos", "Vos",
    "Peters", "Hendriks", "Dekker", "Brouwer", "De Wit", "Dijkstra", "Smits", "De Graaf", "Van der Meer",
]  # fmt: skip
ACTIVITY_TOPICS = {
    "Programmeren": ["Programmeren met micro:bit", "Games maken in Scratch", "Een app bouwen", "Code en codes kraken"],
    "Robotica": ["Robots bouwen", "Een robotarm besturen", "Zelfrijdende auto's", "Drones programmeren"],
    "Duurzame energie": ["Zonne-energie meten", "Windmolens bouwen", "Hoe werkt een warmtepomp?", "Waterstof"],
    "Bouwen & constructie": ["Bruggen bouwen", "Het sterkste torentje", "Bouwen met hout", "Een huis van de toekomst"],
    "Natuurkunde": ["Elektriciteit en stroomkringen", "Licht en lenzen", "Magneten", "Geluid zichtbaar maken"],
    "Techniek in het bedrijf": ["Kijkje in de fabriek", "Een dag monteur", "De werkplaats in", "Techniek op de bouw"],
}
PO_GRADES = [g for g in Grade if g.stage == "groep"]
VO_GRADES = [g for g in Grade if g.stage == "vo"]


DISTRICTS = ["Noord", "Zuid", "Oost", "West", "Centrum"]
# Classes a session takes, by where it happens: a science centre or company hall takes several at once.
CLASSES_PER_SESSION = {
    LocationType.AT_PARTNER: [2, 3, 4, 5, 6],
    LocationType.TECHNIEKLOKAAL: [2, 2, 3],
    LocationType.ONLINE: [1, 2, 3, 4],
    LocationType.AT_SCHOOL: [1, 1, 2],
}
NOTES = [
    "Eén leerling zit in een rolstoel; is het gebouw toegankelijk?",
    "Twee leerlingen hebben een notenallergie.",
    "We komen met de bus en zijn er misschien tien minuten later.",
    "Een leerling is slechthorend; graag vooraan laten zitten.",
    "We nemen zelf lunch mee.",
    "Drie leerlingen zijn nieuwkomers en spreken nog weinig Nederlands.",
    "Graag halverwege een korte pauze, de groep is snel afgeleid.",
    "Twee ouders rijden mee en blijven erbij.",
]
SCHOOL_CANCEL_REASONS = [
    "De klas heeft die dag toch een schoolreisje.",
    "Het vervoer is niet rond gekomen.",
    "Te veel zieke leerlingen en geen invaller.",
    "De leerkracht is ziek en de vervanger kan niet mee.",
    "We hadden de datum verwisseld met een andere activiteit.",
    "De toetsweek is verschoven naar deze week.",
]
REJECT_REASONS = [
    "Onze begeleider is die dag niet beschikbaar.",
    "De groep is te groot voor onze werkplaats.",
    "Deze activiteit past niet bij het niveau van de groep.",
    "De werkplaats is die week in onderhoud.",
]
WITHDRAW_REASONS = [
    "De begeleider is ziek en er is geen vervanging.",
    "In overleg met de school geannuleerd; er is een nieuwe datum afgesproken.",
]
SESSION_CANCEL_REASONS = [
    "De begeleider is ziek; we plannen graag samen een nieuwe datum.",
    "Door een storing in de werkplaats kan de sessie niet doorgaan.",
    "Door een verbouwing is de ruimte die dag niet beschikbaar.",
]
EVALUATION_COMMENTS = {
    5: [
        "Fantastische les! De leerlingen praten er nog steeds over.",
        "Heel goed georganiseerd en de begeleiders konden het prima uitleggen.",
        "Precies op het niveau van de groep, iedereen deed mee.",
        "Super leuk om echte vakmensen aan het werk te zien.",
    ],
    4: [
        "Leuke en leerzame ochtend, alleen het begin duurde wat lang.",
        "Goede activiteit; de opdrachten waren voor sommige leerlingen wat moeilijk.",
        "De kinderen waren enthousiast. Volgend jaar graag weer.",
    ],
    3: [
        "Aardig, maar er was te weinig materiaal voor alle groepjes.",
        "Veel uitleg en weinig zelf doen.",
    ],
    2: [
        "De uitleg was te moeilijk voor deze groep.",
        "We moesten lang wachten voordat we konden beginnen.",
    ],
    1: ["Helaas rommelig georganiseerd; de begeleider was er pas na een half uur."],
}
