"""The native REST API, mounted at /api/v1."""

from fastapi import APIRouter

from app.api.v1 import accounts, changes, datasets, harvest, reference, search

router = APIRouter(prefix="/api/v1")
router.include_router(datasets.router)
router.include_router(reference.router)
router.include_router(accounts.router)
router.include_router(changes.router)
router.include_router(harvest.router)
router.include_router(search.router)
