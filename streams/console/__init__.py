"""The moderator console: alerts and comments topics → SQLite → a small aiohttp web app.

Modules: `settings` (FLAMEWATCH_CONSOLE_*), `db` (connection, migrations, retention), `store`
(writes), `queries` (reads for pages), `ingest` (Kafka → store), `decisions` (confirm /
dismiss / note + the feedback outbox), `publisher` (outbox → feedback topic), `auth`
(login, sessions, CSRF), `sse` (live updates), `web` (routes), `views` (page models),
`spans`, `graph`, `charts`, `policy` (per-community thresholds), `feedback_export`
(decisions → labelled pairs for training), `metrics`, `app` (wiring).
"""
