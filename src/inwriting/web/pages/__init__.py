"""Server-rendered pages (Jinja2), one router."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
