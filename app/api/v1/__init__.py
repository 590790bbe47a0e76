"""The native REST API, mounted at /api/v1."""

from fastapi import APIRouter

from app.api.v1 import accounts, datasets, reference

router = APIRouter(prefix="/api/v1")
router.include_router(datasets.router)
router.include_router(reference.router)
router.include_router(accounts.router)
