"""The platform wing: what every part of the server stands on.

Typed `settings`, the `embedded` Postgres and Valkey and the `backends` connected to them, the
typed `app_state` and the `ports` (Protocols) it holds, structured `logs`, Prometheus `metrics`,
`health` endpoints, admission control (`capacity`, `cpu_budget`), the cross-node `notice_hub`,
background `maintenance` and `serving` (run until SIGTERM, draining first).
"""
