"""Prometheus metrics, one registry per service so that three services in one process
(all-in-one mode) still publish three separate ``/metrics`` documents."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest


class ServiceMetrics:
    def __init__(self, service: str) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "qq_http_requests_total", "HTTP requests", ["service", "method", "route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "qq_http_request_duration_seconds",
            "HTTP request duration",
            ["service", "method", "route"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.service = service

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(self.service, method, route, str(status)).inc()
        self.latency.labels(self.service, method, route).observe(seconds)

    def router(self, prefix: str, public) -> APIRouter:
        router = APIRouter(prefix=prefix, tags=["operations"])

        @router.get("/metrics", name="metrics", include_in_schema=False, dependencies=[public])
        async def metrics() -> Response:
            return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)

        return router
