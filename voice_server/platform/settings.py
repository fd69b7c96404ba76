"""Typed settings from environment variables (pydantic-settings).

Every field is documented in ``docs/configuration.md``; ``shepherd config`` prints the
effective values with secrets masked. Variables use the ``SHEPHERD_`` prefix, except the
conventional ones named by their vendors or the design (``DATABASE_URL``, ``VALKEY_URL``,
``WHISPER_MODEL``, ``ELEVENLABS_API_KEY``, ``STRIPE_SECRET_KEY``, ``WORKOS_API_KEY``, ...).
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from commerce.currencies import DEFAULT_RATES


def _env(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class Settings(BaseSettings):
    """All runtime configuration. Defaults run everything embedded on one machine."""

    model_config = SettingsConfigDict(env_prefix="SHEPHERD_", extra="ignore", populate_by_name=True)

    # -- process ---------------------------------------------------------------------------
    state_dir: Path = Field(Path(".shepherd"), description="embedded Postgres/Valkey data, models, secrets")
    host: str = Field("127.0.0.1", description="address the HTTP/websocket server binds")
    port: int = Field(8080, ge=0, le=65535, description="port the server binds (0 = any free port)")
    log_level: Literal["debug", "info", "warning", "error"] = Field("info", description="log threshold")
    log_format: Literal["json", "console"] = Field("json", description="structured JSON or human console")
    node_id: str = Field("", description="name of this node in logs and pub/sub (default: host:pid)")

    # -- storage -----------------------------------------------------------------------------
    database_url: SecretStr | None = Field(
        None, validation_alias=_env("DATABASE_URL", "SHEPHERD_DATABASE_URL"),
        description="Postgres DSN; unset = embedded Postgres under the state dir",
    )
    database_name: str = Field("shepherd", description="database created in the embedded Postgres")
    db_pool_min: int = Field(2, ge=1, description="asyncpg pool: connections kept open")
    db_pool_max: int = Field(10, ge=1, description="asyncpg pool: most connections")
    valkey_url: SecretStr | None = Field(
        None, validation_alias=_env("VALKEY_URL", "SHEPHERD_VALKEY_URL"),
        description="Valkey/Redis URL; unset = embedded Valkey (AOF on) under the state dir",
    )
    catalog_file: Path | None = Field(
        None, description="catalog loaded on first start (default: the bundled demo catalog)"
    )

    # -- speech --------------------------------------------------------------------------------
    whisper_model: str | None = Field(
        None, validation_alias=_env("WHISPER_MODEL", "SHEPHERD_WHISPER_MODEL"),
        description="faster-whisper model name or path; unset = Whisper base from the PyPI wheels",
    )
    whisper_device: Literal["auto", "cpu", "cuda"] = Field(
        "auto", validation_alias=_env("WHISPER_DEVICE", "SHEPHERD_WHISPER_DEVICE"),
        description="auto = CUDA when a GPU is visible, else CPU",
    )
    whisper_compute_type: str = Field("auto", description="auto = float16 on CUDA, int8 on CPU")
    asr_max_batch: int = Field(8, ge=1, le=64, description="utterances sharing one forward pass")
    asr_max_wait_ms: int = Field(10, ge=0, le=500, description="how long a batch waits to fill")
    asr_cpu_threads: int = Field(0, ge=0, description="CTranslate2 intra-op threads (0 = all cores)")
    asr_min_window_s: float = Field(
        12.0, ge=1.0, le=30.0, description="shortest Whisper encoder window in seconds; short requests "
        "are padded to this, not to 30 s (3x faster on CPU, same fixture WER); 30 = always the full window",
    )
    asr_hotwords: Literal["context", "catalog", "none"] = Field(
        "context", description="Whisper prompt: the garments and main colours the shop sells plus brands "
        "already in the conversation (context), the whole catalog vocabulary (catalog, raises WER), or none",
    )
    asr_beam_size: int = Field(
        1, ge=1, le=8, description="1 = greedy; more = beam search whose hypotheses are rescored against "
        "the catalog (fewer misheard catalog words, about twice the ASR time on CPU)",
    )
    asr_correction: bool = Field(
        True, description="map misheard catalog words back by sound after ASR (voice_server.conversation.asr_correction)"
    )
    voice_speculation: bool = Field(
        True, description="at a possible end of speech run ASR, dialogue (read-only) and the first TTS "
        "clause speculatively; commit and send once the end is confirmed",
    )
    voice_early_end_ms: int = Field(
        400, ge=0, le=5000, description="adaptive endpointing: silence that ends a turn whose speculative "
        "transcript is a complete request (0 = always wait the full end silence)",
    )
    voice_turn_model: Literal["off", "smart-turn"] = Field(
        "off", description="learned end-of-turn model on every possible end of speech: smart-turn = Smart Turn "
        "v3.2 (BSD-2, 8.7 MB ONNX from make, one CPU thread) ends a turn it hears as complete after "
        "voice_turn_model_end_ms and vetoes text-based early ends it hears as unfinished; off (default: "
        "more false cut-offs than the text rule on the fixtures, docs/audio.md) = text rule only",
    )
    voice_turn_model_end_ms: int = Field(
        300, ge=0, le=5000, description="silence that ends a turn the end-of-turn model calls complete",
    )
    elevenlabs_api_key: SecretStr | None = Field(
        None, validation_alias=_env("ELEVENLABS_API_KEY", "SHEPHERD_ELEVENLABS_API_KEY"),
        description="set to speak with ElevenLabs (falls back to Piper on errors)",
    )
    elevenlabs_voice_id: str = Field(
        "21m00Tcm4TlvDq8ikWAM", validation_alias=_env("ELEVENLABS_VOICE_ID", "SHEPHERD_ELEVENLABS_VOICE_ID"),
        description="ElevenLabs voice",
    )
    elevenlabs_model_id: str = Field(
        "eleven_flash_v2_5", validation_alias=_env("ELEVENLABS_MODEL_ID", "SHEPHERD_ELEVENLABS_MODEL_ID"),
        description="ElevenLabs low-latency model",
    )
    elevenlabs_base_url: str | None = Field(
        None, validation_alias=_env("ELEVENLABS_BASE_URL", "SHEPHERD_ELEVENLABS_BASE_URL"),
        description="override the ElevenLabs API base URL (local test servers)",
    )
    tts_first_byte_timeout_s: float = Field(1.5, gt=0, description="ElevenLabs wait before falling back")
    tts_workers: int = Field(
        0, ge=0, description="Piper syntheses running at once, each on one onnxruntime thread (0 = one per "
        "usable core); more wait in line",
    )
    tts_cache_mb: int = Field(
        32, ge=0, description="LRU cache of synthesised phrases keyed by text, voice and rate (0 = off)",
    )

    spoken_reply_chars: int = Field(
        120, ge=40, description="length of a spoken reply that lists products (about 19 characters a second "
        "with the default Piper voice): the count and the first products that fit; the full list goes to the screen",
    )

    # -- shop --------------------------------------------------------------------------------------
    currency_rates: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_RATES),
        description="units of each currency per US dollar, for budgets said in another currency "
                    '(JSON, e.g. {"INR": 83.0}); the reply says the converted amount')
    large_budget_currency: str | None = Field(
        "INR", description="the currency of a budget said with no currency that no price in the shop comes near "
                           "(1,000 or more: 'anything under 5k' for a lehenga); the reply says the converted amount. "
                           "Empty: such a budget is in dollars")

    semantic_understanding: bool = Field(
        True, description="match what the rules leave empty (free descriptions, things not sold) by sentence "
                          "embeddings (all-MiniLM-L6-v2 int8, shipped in a wheel)")

    # -- language-model understanding (optional) ---------------------------------------------------
    llm_base_url: str | None = Field(
        None, description="OpenAI-compatible endpoint up to /v1 (vLLM, llama.cpp server, Ollama, hosted) "
        "that understands turns; unset = the embedded rule-based understander only",
    )
    llm_api_key: SecretStr | None = Field(None, description="bearer token for the LLM endpoint, if it needs one")
    llm_model: str = Field("default", description="model name sent to the LLM endpoint")
    llm_mode: Literal["json_schema", "tools"] = Field(
        "json_schema", description="ask for structured output (response_format json_schema) or a forced "
        "tool call whose parameters are the Understanding schema",
    )
    llm_timeout_ms: int = Field(
        1500, ge=10, le=60000, description="latency budget of one LLM call; past it the turn is "
        "understood by the rules (counted in shepherd_llm_fallbacks_total)",
    )
    llm_max_tokens: int = Field(256, ge=16, le=4096, description="most tokens the LLM may answer with")
    llm_breaker_failures: int = Field(
        3, ge=1, description="LLM endpoint failures in a row (timeout, unreachable, 429/5xx) that open the breaker",
    )
    llm_breaker_cooldown_s: float = Field(
        30.0, ge=0, description="while the breaker is open the rules answer at once (reason circuit_open)",
    )

    # -- payments and sign-in ------------------------------------------------------------------------
    stripe_secret_key: SecretStr | None = Field(
        None, validation_alias=_env("STRIPE_SECRET_KEY", "SHEPHERD_STRIPE_SECRET_KEY"),
        description="set to charge with Stripe; unset = offline provider (order awaits payment)",
    )
    stripe_webhook_secret: SecretStr | None = Field(
        None, validation_alias=_env("STRIPE_WEBHOOK_SECRET", "SHEPHERD_STRIPE_WEBHOOK_SECRET"),
        description="signing secret of the Stripe webhook endpoint (whsec_...)",
    )
    stripe_api_base: str | None = Field(
        None, validation_alias=_env("STRIPE_API_BASE", "SHEPHERD_STRIPE_API_BASE"),
        description="override Stripe's API base URL (local test servers)",
    )
    refund_retry_interval_s: float = Field(
        60.0, gt=0, description="how often pending auto-refunds (provider was down) are retried",
    )
    workos_api_key: SecretStr | None = Field(
        None, validation_alias=_env("WORKOS_API_KEY", "SHEPHERD_WORKOS_API_KEY"),
        description="set (with the client id) to sign in with WorkOS AuthKit; unset = guests only",
    )
    workos_client_id: str | None = Field(
        None, validation_alias=_env("WORKOS_CLIENT_ID", "SHEPHERD_WORKOS_CLIENT_ID"),
        description="WorkOS client id",
    )
    workos_base_url: str | None = Field(
        None, validation_alias=_env("WORKOS_BASE_URL", "SHEPHERD_WORKOS_BASE_URL"),
        description="override the WorkOS API base URL (local test servers)",
    )
    workos_redirect_uri: str = Field("http://127.0.0.1:8080/api/auth/callback", description="AuthKit redirect URI")

    # -- security and limits -----------------------------------------------------------------
    token_secret: SecretStr | None = Field(
        None, description="HMAC key for tokens; unset = generated once into <state_dir>/token.key "
        "(set it explicitly when several nodes share one Valkey)",
    )
    token_ttl_s: int = Field(86400, gt=0, description="lifetime of guest and session tokens")
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="comma-separated allowed origins for CORS"
    )
    rate_limit_per_minute: int = Field(240, gt=0, description="REST requests per client per minute")
    max_sessions: int = Field(200, ge=1, description="concurrent voice sessions before 'server full'")
    max_talking_sessions: int = Field(
        0, ge=0, description="voice sessions talking at once (a turn in progress or within talking_window_s) "
        "before new sessions get 'server full' (close 4503); 0 = auto, 2.5 per usable core (docs/scaling.md)",
    )
    talking_window_s: float = Field(
        30.0, ge=0, description="a session counts as talking this long after its last turn started",
    )
    admission_cpu_max: float = Field(
        0.95, ge=0, le=1, description="smoothed share of its usable cores this process keeps busy (psutil, ~10 s "
        "average) at which new voice sessions are refused and /readyz reports full; 0 = CPU not used for admission",
    )
    admission_queue_max: int = Field(
        16, ge=0, description="ASR decodes + TTS syntheses in flight at which new voice sessions are refused "
        "and /readyz reports full; 0 = not used",
    )
    admission_retry_after_s: float = Field(
        15.0, gt=0, description="retry hint (seconds) sent with 'server full'",
    )
    max_pending_handshakes: int = Field(
        32, ge=1, description="voice sockets from one peer address that have not sent hello yet; more are "
        "refused (too_many_handshakes, close 4429). Behind a proxy every client shares the proxy's address",
    )
    drain_timeout_s: float = Field(
        30.0, ge=0, description="SIGTERM: longest wait for turns in flight before sessions are cut and the "
        "process exits (docs/scaling.md)",
    )
    max_message_bytes: int = Field(1 << 20, description="largest websocket message accepted")

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    @field_validator("state_dir", mode="after")
    @classmethod
    def _absolute_state_dir(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @property
    def embedded_postgres(self) -> bool:
        return self.database_url is None

    @property
    def embedded_valkey(self) -> bool:
        return self.valkey_url is None

    def token_key(self) -> bytes:
        """The HMAC key for signed tokens (generated once per state dir if not configured)."""
        if self.token_secret is not None:
            return self.token_secret.get_secret_value().encode()
        path = self.state_dir / "token.key"
        if not path.exists():
            self.state_dir.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(secrets.token_urlsafe(48))
            tmp.chmod(0o600)
            tmp.replace(path)
        return path.read_text().strip().encode()

    def masked(self) -> dict[str, Any]:
        """Effective settings for display: secrets masked, paths as strings."""
        out: dict[str, Any] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                value = "********"
            elif isinstance(value, Path):
                value = str(value)
            out[name] = value
        return out


def setting_default(name: str) -> Any:
    """The default of setting ``name``: options mirroring a setting take it from here, never repeat it."""
    field = Settings.model_fields[name]
    return field.default_factory() if field.default_factory is not None else field.default  # type: ignore[call-arg]  # pydantic types default_factory as taking the validated data too; these take none


def env_names(name: str) -> list[str]:
    """The environment variables that set field ``name``."""
    alias = Settings.model_fields[name].validation_alias
    if isinstance(alias, AliasChoices):
        return [str(choice) for choice in alias.choices]
    return [f"SHEPHERD_{name.upper()}"]


def markdown_table() -> str:
    """The settings table of docs/configuration.md (``shepherd config --markdown``)."""
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = setting_default(name)
        shown = "unset" if default is None else ("empty" if default in ([], "") else str(default))
        names = " / ".join(f"`{n}`" for n in env_names(name))
        lines.append(f"| {names} | `{shown}` | {(field.description or '').replace('|', '/')} |")
    return "\n".join(lines) + "\n"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
