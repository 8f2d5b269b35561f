"""The web workbench: `parley serve` (app.py), the JSON API (api.py) and the HTML views (pages.py)."""
