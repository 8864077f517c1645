"""A user's data export (JSON, CSV) and import (all or nothing)."""
