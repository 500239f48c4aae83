"""The wardrobe service: `Wardrobe` (`service`) is the one object the app and the CLI use to
read and change a wardrobe. Its modules share one `WardrobeStores` (`stores`): `ingest` (photos
and outfit photos), `batch` (many photos at once, for the app and the CLI alike), `catalogue`
(reading, editing, deleting items), `outfit_log` (outfits, feedback, wears, the training set),
`maintenance` (reconcile / doctor, adopt, reindex, export / import) and `writes` (the
crash-safe write order)."""

from core.wardrobe.service import (
    BAND_MATCH_THRESHOLD,
    DatabaseUnavailable,
    HomeLocked,
    HomeRefused,
    Wardrobe,
)

__all__ = ["BAND_MATCH_THRESHOLD", "DatabaseUnavailable", "HomeLocked", "HomeRefused", "Wardrobe"]
