"""An uploaded street network is named in messages as the user uploaded it."""

from __future__ import annotations

import hashlib

import pytest

from app_pages import _ui
from spatial.errors import InputDataError


def test_an_uploaded_network_is_named_as_it_was_uploaded() -> None:
    data = b'{"version": 0.6, "elements": []}'  # an Overpass answer saved as .osm
    read = getattr(_ui.network_from_upload, "__wrapped__", _ui.network_from_upload)
    with pytest.raises(InputDataError) as raised:
        read(hashlib.sha256(data).hexdigest(), "overpass.osm", data)
    assert str(raised.value).startswith("overpass.osm: could not be read as a street network")
