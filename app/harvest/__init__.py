"""Harvesting: pull CKAN, DCAT and other catalogues of this kind into the catalogue."""
