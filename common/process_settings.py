"""The settings every process has (edge, orchestrator, each reference service): how long
in-flight work may run on after a signal, and how it logs."""

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ProcessSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True, env_ignore_empty=True)

    # How long in-flight requests (RPCs, renders) may run on after SIGTERM/SIGINT.
    shutdown_grace_s: float = Field(10.0, ge=0)
    log_level: str = "INFO"
    # json, text, or auto: text at a terminal, JSON lines otherwise.
    log_format: Literal["auto", "json", "text"] = "auto"
