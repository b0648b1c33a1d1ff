"""Op-spec rows: fused primitives (filled in as they land)."""
SPECS: list = []
