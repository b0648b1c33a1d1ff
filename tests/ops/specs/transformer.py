"""Op-spec rows: transformer primitives (filled in as they land)."""
SPECS: list = []
