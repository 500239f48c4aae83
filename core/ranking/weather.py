"""Today's temperature and rain from Open-Meteo (no key), for a place the person sets.

Optional by design: one forecast request with a short time-out (a place given by name costs one
geocoding request the first time, then its coordinates are remembered); offline, a time-out or
any odd answer gives None and a sentence, and the person types the temperature instead. The app
behaves the same either way.
"""

from __future__ import annotations

import json
import re
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import date
from typing import Any

FORECAST_URL = "https://api.open-meteo.com/v1/forecast"
GEOCODE_URL = "https://geocoding-api.open-meteo.com/v1/search"
TIMEOUT_S = 3.0
RAIN_FROM_PERCENT = 50  # precipitation probability from which a day counts as rainy
_COORDS = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$")
_places: dict[str, tuple[float, float, str]] = {}


@dataclass(frozen=True)
class DayForecast:
    day: date
    t_min: float
    t_max: float
    rain_percent: int | None

    @property
    def temperature_c(self) -> float:
        """The temperature to dress for: the middle of the day's range, rounded."""
        return round((self.t_min + self.t_max) / 2)

    @property
    def rain(self) -> bool:
        return self.rain_percent is not None and self.rain_percent >= RAIN_FROM_PERCENT


class ForecastError(ValueError):
    """A forecast could not be had or read: the message says why, for people."""


def parse_forecast(payload: dict[str, Any]) -> list[DayForecast]:
    """Open-Meteo's `daily` block (time, temperature_2m_max/min,
    precipitation_probability_max) as days; ForecastError names what is missing."""
    daily = payload.get("daily") if isinstance(payload, dict) else None
    if not isinstance(daily, dict):
        raise ForecastError("the forecast has no daily values")
    try:
        times = daily["time"]
        highs, lows = daily["temperature_2m_max"], daily["temperature_2m_min"]
        rain = daily.get("precipitation_probability_max") or [None] * len(times)
        days = []
        for n, stamp in enumerate(times):
            if highs[n] is None or lows[n] is None:
                continue
            days.append(DayForecast(date.fromisoformat(stamp), float(lows[n]), float(highs[n]),
                                    None if rain[n] is None else int(rain[n])))
    except (KeyError, IndexError, TypeError, ValueError) as error:
        raise ForecastError(f"the forecast could not be read ({error})") from None
    if not days:
        raise ForecastError("the forecast has no days")
    return days


def _get(url: str, params: dict[str, Any], timeout: float) -> dict[str, Any]:
    full = f"{url}?{urllib.parse.urlencode(params)}"
    try:
        with urllib.request.urlopen(full, timeout=timeout) as answer:
            return json.loads(answer.read(1 << 20))
    except (OSError, ValueError) as error:
        raise ForecastError(f"no forecast (offline? {type(error).__name__}: {error})") from None


def locate(place: str, geocode_url: str = GEOCODE_URL, timeout: float = TIMEOUT_S
           ) -> tuple[float, float, str]:
    """(latitude, longitude, name) of "52.52, 13.41" or of a place name (looked up once)."""
    match = _COORDS.match(place)
    if match:
        lat, lon = float(match.group(1)), float(match.group(2))
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ForecastError(f"{place!r}: latitude must be -90..90 and longitude -180..180")
        return lat, lon, place.strip()
    key = place.strip().lower()
    if not key:
        raise ForecastError("no place set")
    if key not in _places:
        found = _get(geocode_url, {"name": place.strip(), "count": 1}, timeout).get("results")
        if not found:
            raise ForecastError(f"no place called {place.strip()!r} was found")
        top = found[0]
        _places[key] = (float(top["latitude"]), float(top["longitude"]), str(top.get("name", place)))
    return _places[key]


def forecast(place: str, forecast_url: str = FORECAST_URL, geocode_url: str = GEOCODE_URL,
             timeout: float = TIMEOUT_S) -> list[DayForecast]:
    """The next 7 days at `place`; ForecastError (a sentence) when offline or unreadable."""
    lat, lon, _ = locate(place, geocode_url, timeout)
    payload = _get(forecast_url, {
        "latitude": lat, "longitude": lon, "timezone": "auto", "forecast_days": 7,
        "daily": "temperature_2m_max,temperature_2m_min,precipitation_probability_max",
    }, timeout)
    return parse_forecast(payload)
