"""The JSON API's routers, mounted at /api/v1."""

from __future__ import annotations

from fastapi import APIRouter

ROUTERS: list[APIRouter] = []
