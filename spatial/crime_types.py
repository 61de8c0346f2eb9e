"""
The crime types of data.police.uk, spelt as its CSV files spell them.

Every module that names a crime type imports it from here, so a label is spelt once and a
change of label is made in one place.

References
----------
data.police.uk, "About the data: crime categories", https://data.police.uk/about/.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "ASB",
    "BICYCLE_THEFT",
    "BURGLARY",
    "CRIME_TYPES",
    "CRIMINAL_DAMAGE_AND_ARSON",
    "DRUGS",
    "OTHER_CRIME",
    "OTHER_THEFT",
    "POSSESSION_OF_WEAPONS",
    "PUBLIC_ORDER",
    "ROBBERY",
    "SHOPLIFTING",
    "THEFT_FROM_THE_PERSON",
    "VEHICLE_CRIME",
    "VIOLENCE_AND_SEXUAL_OFFENCES",
]

ASB: Final = "Anti-social behaviour"
"""Anti-social behaviour: its rows have no Crime ID and no outcome."""
BICYCLE_THEFT: Final = "Bicycle theft"
BURGLARY: Final = "Burglary"
CRIMINAL_DAMAGE_AND_ARSON: Final = "Criminal damage and arson"
DRUGS: Final = "Drugs"
OTHER_CRIME: Final = "Other crime"
OTHER_THEFT: Final = "Other theft"
POSSESSION_OF_WEAPONS: Final = "Possession of weapons"
PUBLIC_ORDER: Final = "Public order"
ROBBERY: Final = "Robbery"
SHOPLIFTING: Final = "Shoplifting"
THEFT_FROM_THE_PERSON: Final = "Theft from the person"
VEHICLE_CRIME: Final = "Vehicle crime"
VIOLENCE_AND_SEXUAL_OFFENCES: Final = "Violence and sexual offences"

CRIME_TYPES: Final[tuple[str, ...]] = (
    ASB,
    BICYCLE_THEFT,
    BURGLARY,
    CRIMINAL_DAMAGE_AND_ARSON,
    DRUGS,
    OTHER_CRIME,
    OTHER_THEFT,
    POSSESSION_OF_WEAPONS,
    PUBLIC_ORDER,
    ROBBERY,
    SHOPLIFTING,
    THEFT_FROM_THE_PERSON,
    VEHICLE_CRIME,
    VIOLENCE_AND_SEXUAL_OFFENCES,
)
"""The 14 crime types data.police.uk publishes, in alphabetical order."""
