"""Typed application keys: what create_app puts in the app for handlers to use."""

from ai_studio.v1.project_service_pb2_grpc import ProjectServiceStub
from aiohttp import web
from grpc_health.v1.health_pb2_grpc import HealthStub

from edge.config import EdgeSettings

SETTINGS = web.AppKey("settings", EdgeSettings)
PROJECTS = web.AppKey("projects", ProjectServiceStub)
HEALTH = web.AppKey("health", HealthStub)
