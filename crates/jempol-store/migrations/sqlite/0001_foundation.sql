-- Foundation: regions, users, sessions, tokens, login attempts, audit log, SOP definitions,
-- settings, and the resident register that later steps extend. Timestamps: UTC unix ms.
CREATE TABLE regions (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    level BIGINT NOT NULL,
    kind TEXT NOT NULL,
    parent_code TEXT,
    lat DOUBLE PRECISION,
    lng DOUBLE PRECISION
);
CREATE INDEX regions_parent ON regions (parent_code);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    full_name TEXT NOT NULL DEFAULT '',
    role TEXT NOT NULL,
    desa_code TEXT,
    kecamatan_code TEXT,
    password_hash TEXT NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    ip TEXT,
    user_agent TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE login_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL,
    ip TEXT NOT NULL,
    at BIGINT NOT NULL,
    success BOOLEAN NOT NULL
);
CREATE INDEX login_attempts_user ON login_attempts (username, at);
CREATE INDEX login_attempts_ip ON login_attempts (ip, at);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at BIGINT NOT NULL,
    actor_id BIGINT,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT,
    before_json TEXT,
    after_json TEXT,
    ip TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor, at);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);

CREATE TABLE sop_definitions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sop_id TEXT NOT NULL,
    version TEXT NOT NULL,
    source_toml TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT FALSE,
    loaded_at BIGINT NOT NULL,
    loaded_by TEXT NOT NULL,
    UNIQUE (sop_id, version)
);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE residents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    nik TEXT NOT NULL,
    no_kk TEXT,
    name TEXT NOT NULL,
    sex TEXT NOT NULL,
    birth_place TEXT,
    birth_date TEXT NOT NULL,
    desa_code TEXT NOT NULL,
    address TEXT,
    rt TEXT,
    rw TEXT,
    disabilitas BOOLEAN NOT NULL DEFAULT FALSE,
    disability_kind TEXT,
    odgj BOOLEAN NOT NULL DEFAULT FALSE,
    bedridden BOOLEAN NOT NULL DEFAULT FALSE,
    stage TEXT NOT NULL,
    sop_definition_id BIGINT REFERENCES sop_definitions (id),
    source TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX residents_desa ON residents (desa_code, id);
CREATE INDEX residents_nik ON residents (nik);
