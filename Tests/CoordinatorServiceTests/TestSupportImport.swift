// Every test file of this target sees the shared test helpers (polling).
@_exported import TestSupport
