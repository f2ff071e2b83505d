"""The GB distribution network operators the sandbox simulates, and where they operate.

Each DSO gets a handful of real towns with their postcode area and rough coordinates. A
competition covers some of its DSO's towns (or all of them): an asset qualifies by its postcode
area or, if it is located by latitude/longitude, by falling inside a town's box.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from biddaemon.sandbox.model import Area, Region

# Half the size of the box around a town, in degrees: roughly 40 km north-south.
_HALF_LAT = Decimal("0.35")
_HALF_LON = Decimal("0.55")
_POSTCODE_AREA = re.compile(r"^\s*([A-Za-z]{1,2})\d")


@dataclass(frozen=True)
class Place:
    name: str
    postcode_area: str
    latitude: Decimal
    longitude: Decimal

    def region(self) -> Region:
        return Region(
            south=self.latitude - _HALF_LAT,
            north=self.latitude + _HALF_LAT,
            west=self.longitude - _HALF_LON,
            east=self.longitude + _HALF_LON,
        )


@dataclass(frozen=True)
class Dso:
    name: str
    code: str
    places: tuple[Place, ...]


def _places(*rows: tuple[str, str, str, str]) -> tuple[Place, ...]:
    return tuple(Place(n, a, Decimal(lat), Decimal(lon)) for n, a, lat, lon in rows)


DSOS: tuple[Dso, ...] = (
    Dso(
        "UK Power Networks",
        "UKPN",
        _places(
            ("Westminster", "SW", "51.50", "-0.14"),
            ("Croydon", "CR", "51.37", "-0.10"),
            ("Chelmsford", "CM", "51.74", "0.47"),
            ("Cambridge", "CB", "52.21", "0.12"),
            ("Ipswich", "IP", "52.06", "1.16"),
            ("Norwich", "NR", "52.63", "1.30"),
            ("Canterbury", "CT", "51.28", "1.08"),
            ("Brighton", "BN", "50.83", "-0.14"),
        ),
    ),
    Dso(
        "SP Energy Networks",
        "SPEN",
        _places(
            ("Dunfermline", "KY", "56.07", "-3.46"),
            ("Edinburgh", "EH", "55.95", "-3.19"),
            ("Glasgow", "G", "55.86", "-4.25"),
            ("Kilmarnock", "KA", "55.61", "-4.50"),
            ("Chester", "CH", "53.19", "-2.89"),
            ("Wrexham", "LL", "53.05", "-3.00"),
            ("Liverpool", "L", "53.41", "-2.98"),
        ),
    ),
    Dso(
        "Northern Powergrid",
        "NPG",
        _places(
            ("Newcastle", "NE", "54.98", "-1.61"),
            ("Durham", "DH", "54.78", "-1.57"),
            ("Middlesbrough", "TS", "54.57", "-1.23"),
            ("Leeds", "LS", "53.80", "-1.55"),
            ("York", "YO", "53.96", "-1.08"),
            ("Hull", "HU", "53.74", "-0.33"),
            ("Sheffield", "S", "53.38", "-1.47"),
        ),
    ),
    Dso(
        "National Grid Electricity Distribution",
        "NGED",
        _places(
            ("Birmingham", "B", "52.49", "-1.89"),
            ("Coventry", "CV", "52.41", "-1.51"),
            ("Nottingham", "NG", "52.95", "-1.15"),
            ("Leicester", "LE", "52.64", "-1.13"),
            ("Bristol", "BS", "51.45", "-2.59"),
            ("Exeter", "EX", "50.72", "-3.53"),
            ("Cardiff", "CF", "51.48", "-3.18"),
            ("Swansea", "SA", "51.62", "-3.94"),
        ),
    ),
    Dso(
        "Scottish and Southern Electricity Networks",
        "SSEN",
        _places(
            ("Aberdeen", "AB", "57.15", "-2.09"),
            ("Inverness", "IV", "57.48", "-4.22"),
            ("Perth", "PH", "56.40", "-3.44"),
            ("Dundee", "DD", "56.46", "-2.97"),
            ("Reading", "RG", "51.45", "-0.97"),
            ("Oxford", "OX", "51.75", "-1.26"),
            ("Southampton", "SO", "50.90", "-1.40"),
            ("Portsmouth", "PO", "50.82", "-1.09"),
        ),
    ),
    Dso(
        "Electricity North West",
        "ENWL",
        _places(
            ("Manchester", "M", "53.48", "-2.24"),
            ("Bolton", "BL", "53.58", "-2.43"),
            ("Stockport", "SK", "53.41", "-2.16"),
            ("Preston", "PR", "53.76", "-2.70"),
            ("Blackburn", "BB", "53.75", "-2.48"),
            ("Lancaster", "LA", "54.05", "-2.80"),
            ("Carlisle", "CA", "54.89", "-2.94"),
        ),
    ),
)


def postcode_area(postcode: str) -> str | None:
    """The leading letters of a UK postcode: "KY11 8PD" -> "KY", "G1 1AA" -> "G"."""
    match = _POSTCODE_AREA.match(postcode)
    return match.group(1).upper() if match else None


def area_of(places: tuple[Place, ...]) -> Area:
    return Area(
        postcode_areas=frozenset(p.postcode_area for p in places),
        regions=tuple(p.region() for p in places),
    )
