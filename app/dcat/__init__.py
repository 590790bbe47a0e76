"""DCAT-AP 3 Linked Data: one mapping table (terms.py) drives export and import in every format.

This package knows nothing of the database or settings: it maps pydantic records plus a
`Context` (base URI, licences, root catalogue) to triples and back. Harvesters import with
`app.dcat.graph.dataset_from_graph`.
"""
