"""The DuckDB schema as an append-only list of migrations. Never edit a released entry; append a new one."""

from __future__ import annotations

import duckdb

from core.wording.translate import _

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE SEQUENCE scan_id_seq;
    CREATE TABLE scan (
        id BIGINT PRIMARY KEY DEFAULT nextval('scan_id_seq'),
        scene_id VARCHAR NOT NULL,
        scene_path VARCHAR NOT NULL,
        scene_crs VARCHAR,
        west DOUBLE, south DOUBLE, east DOUBLE, north DOUBLE,
        synthetic BOOLEAN NOT NULL DEFAULT false,
        discovery_model VARCHAR NOT NULL,
        discovery_version VARCHAR NOT NULL,
        impact_model VARCHAR NOT NULL DEFAULT '',
        impact_version VARCHAR NOT NULL DEFAULT '',
        params_json VARCHAR NOT NULL,
        status VARCHAR NOT NULL CHECK (status IN ('running', 'finished', 'failed')),
        tiles_done INTEGER NOT NULL DEFAULT 0,
        tiles_total INTEGER,
        valid_area_km2 DOUBLE,
        sites_found INTEGER,
        sites_new INTEGER,
        message VARCHAR,
        started_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
        finished_at TIMESTAMP
    );
    CREATE SEQUENCE site_id_seq;
    CREATE TABLE site (
        id BIGINT PRIMARY KEY DEFAULT nextval('site_id_seq'),
        scan_id BIGINT NOT NULL REFERENCES scan (id),
        scene_id VARCHAR NOT NULL,
        discovery_model VARCHAR NOT NULL,
        discovery_version VARCHAR NOT NULL,
        impact_model VARCHAR NOT NULL DEFAULT '',
        impact_version VARCHAR NOT NULL DEFAULT '',
        lon DOUBLE NOT NULL CHECK (lon BETWEEN -180 AND 180),
        lat DOUBLE NOT NULL CHECK (lat BETWEEN -90 AND 90),
        area_km2 DOUBLE NOT NULL CHECK (area_km2 >= 0),
        p_max DOUBLE NOT NULL CHECK (p_max BETWEEN 0 AND 1),
        p_mean DOUBLE NOT NULL CHECK (p_mean BETWEEN 0 AND 1),
        cell_count INTEGER NOT NULL CHECK (cell_count > 0),
        impact_class VARCHAR,
        impact_probs_json VARCHAR,
        outline_wkt VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
        UNIQUE (scene_id, discovery_model, discovery_version, impact_model, impact_version, lon, lat)
    );
    CREATE SEQUENCE snapshot_id_seq;
    CREATE TABLE register_snapshot (
        id BIGINT PRIMARY KEY DEFAULT nextval('snapshot_id_seq'),
        kind VARCHAR NOT NULL CHECK (kind IN ('dam', 'mine', 'reference')),
        source_file VARCHAR NOT NULL,
        file_format VARCHAR NOT NULL,
        snapshot_date DATE,
        imported_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
        rows_read INTEGER NOT NULL,
        imported INTEGER NOT NULL,
        flagged INTEGER NOT NULL,
        rejected INTEGER NOT NULL,
        report_json VARCHAR NOT NULL
    );
    CREATE SEQUENCE registered_site_id_seq;
    CREATE TABLE registered_site (
        id BIGINT PRIMARY KEY DEFAULT nextval('registered_site_id_seq'),
        snapshot_id BIGINT NOT NULL REFERENCES register_snapshot (id),
        kind VARCHAR NOT NULL CHECK (kind IN ('dam', 'mine', 'reference')),
        register_id VARCHAR NOT NULL,
        name VARCHAR, owner VARCHAR, state VARCHAR, municipality VARCHAR, main_ore VARCHAR,
        height_m DOUBLE, volume_m3 DOUBLE,
        construction_method VARCHAR, risk_category VARCHAR, potential_damage VARCHAR, emergency_level VARCHAR,
        lon DOUBLE CHECK (lon BETWEEN -180 AND 180),
        lat DOUBLE CHECK (lat BETWEEN -90 AND 90),
        geometry_wkt VARCHAR,
        raw_json VARCHAR NOT NULL,
        flags VARCHAR NOT NULL DEFAULT '',
        source_line INTEGER
    );
    CREATE TABLE site_match (
        site_id BIGINT PRIMARY KEY REFERENCES site (id),
        status VARCHAR NOT NULL CHECK (status IN ('registered', 'possibly_off_target', 'unregistered')),
        nearest_dam BIGINT, nearest_dam_m DOUBLE,
        nearest_mine BIGINT, nearest_mine_m DOUBLE,
        inside_registered BIGINT,
        inside_reference BIGINT,
        radius_m DOUBLE NOT NULL,
        off_target_radius_m DOUBLE NOT NULL,
        matched_at TIMESTAMP NOT NULL DEFAULT current_timestamp
    );
    CREATE SEQUENCE review_id_seq;
    CREATE TABLE review (
        id BIGINT PRIMARY KEY DEFAULT nextval('review_id_seq'),
        site_id BIGINT NOT NULL REFERENCES site (id),
        reviewer VARCHAR NOT NULL CHECK (length(trim(reviewer)) > 0),
        decision VARCHAR NOT NULL CHECK (decision IN ('confirmed', 'rejected', 'unsure')),
        reason VARCHAR,
        note VARCHAR,
        seconds_spent DOUBLE CHECK (seconds_spent IS NULL OR seconds_spent >= 0),
        decided_at TIMESTAMP NOT NULL DEFAULT current_timestamp
    );
    CREATE VIEW latest_review AS
        SELECT * FROM review
        QUALIFY row_number() OVER (PARTITION BY site_id ORDER BY decided_at DESC, id DESC) = 1;
    """,
    # 2: tiles a running scan has finished (to resume it after a crash), and which process runs a scan.
    """
    CREATE TABLE scan_tile (
        scan_id BIGINT NOT NULL REFERENCES scan (id),
        tile_index INTEGER NOT NULL CHECK (tile_index >= 0),
        rows INTEGER NOT NULL,
        cols INTEGER NOT NULL,
        impact_classes INTEGER NOT NULL DEFAULT 0,
        p_mine BLOB NOT NULL,
        impact BLOB,
        valid_px BIGINT NOT NULL CHECK (valid_px >= 0),
        saved_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
        PRIMARY KEY (scan_id, tile_index)
    );
    ALTER TABLE scan ADD COLUMN runner VARCHAR;
    """,
    # 3: the role a decision was taken in (from the signed-in identity, never typed).
    """
    ALTER TABLE review ADD COLUMN role VARCHAR;
    """,
    # 4: double review (a share of sites decided by two reviewers blind to each other) and supervisors' overrides.
    """
    ALTER TABLE review ADD COLUMN kind VARCHAR DEFAULT 'decision';
    UPDATE review SET kind = 'decision' WHERE kind IS NULL;
    CREATE TABLE double_review (
        site_id BIGINT PRIMARY KEY REFERENCES site (id),
        selected_at TIMESTAMP NOT NULL DEFAULT current_timestamp
    );
    """,
    # 5: where the scanned scene's pixels came from (core.imagery.provenance JSON); NULL for scans before it.
    """
    ALTER TABLE scan ADD COLUMN imagery_json VARCHAR;
    """,
    # 6: Earth Engine export tasks a user started, with the recipe their files will carry.
    """
    CREATE SEQUENCE imagery_task_id_seq;
    CREATE TABLE imagery_task (
        id BIGINT PRIMARY KEY DEFAULT nextval('imagery_task_id_seq'),
        task_id VARCHAR NOT NULL UNIQUE,
        region VARCHAR NOT NULL,
        tile_id VARCHAR NOT NULL,
        destination VARCHAR NOT NULL CHECK (destination IN ('drive', 'cloud_storage')),
        target VARCHAR NOT NULL,
        file_prefix VARCHAR NOT NULL,
        provenance_json VARCHAR NOT NULL,
        params_json VARCHAR NOT NULL,
        state VARCHAR NOT NULL,
        error VARCHAR,
        destination_uris VARCHAR,
        started_by VARCHAR,
        started_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
        updated_at TIMESTAMP
    );
    """,
    # 7: sign-in sessions (only the SHA-256 of each token; core.access.sessions) and the secret tokens are signed with.
    """
    CREATE TABLE app_session (
        token_hash VARCHAR PRIMARY KEY,
        username VARCHAR NOT NULL,
        method VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL,
        last_seen TIMESTAMP NOT NULL,
        revoked_at TIMESTAMP,
        revoked_why VARCHAR
    );
    CREATE TABLE app_secret (
        name VARCHAR PRIMARY KEY,
        value BLOB NOT NULL,
        created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
    );
    """,
    # 8: what the store is for: 'demo' (the synthetic demo only) or 'work' (real scans and registers). A store that
    # already holds the demo register is a demo store.
    """
    CREATE TABLE store_info (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
    INSERT INTO store_info
        SELECT 'kind', 'demo'
        WHERE EXISTS (SELECT 1 FROM register_snapshot WHERE source_file = 'anm_register_demo.csv');
    """,
    # 9: training sets built from reviewers' decisions (every window with the review it came from), and which
    # version of each model is promoted (append-only: a rollback is a new row).
    """
    CREATE SEQUENCE training_set_id_seq;
    CREATE TABLE training_set (
        id BIGINT PRIMARY KEY DEFAULT nextval('training_set_id_seq'),
        name VARCHAR NOT NULL,
        source VARCHAR NOT NULL CHECK (source IN ('reviews', 'register')),
        bands VARCHAR NOT NULL,
        folder VARCHAR,
        fingerprint VARCHAR,
        counts_json VARCHAR,
        skipped_json VARCHAR,
        status VARCHAR NOT NULL CHECK (status IN ('building', 'ready', 'failed')),
        message VARCHAR,
        created_by VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
    );
    CREATE TABLE training_set_item (
        training_set_id BIGINT NOT NULL REFERENCES training_set (id),
        item INTEGER NOT NULL,
        file VARCHAR NOT NULL,
        label VARCHAR NOT NULL,
        reason VARCHAR NOT NULL,
        scan_id BIGINT,
        site_id BIGINT,
        review_id BIGINT,
        place VARCHAR NOT NULL,
        row_px INTEGER NOT NULL,
        col_px INTEGER NOT NULL,
        sha256 VARCHAR NOT NULL,
        PRIMARY KEY (training_set_id, item)
    );
    CREATE SEQUENCE model_promotion_id_seq;
    CREATE TABLE model_promotion (
        id BIGINT PRIMARY KEY DEFAULT nextval('model_promotion_id_seq'),
        model_name VARCHAR NOT NULL,
        version VARCHAR NOT NULL,
        action VARCHAR NOT NULL CHECK (action IN ('promote', 'rollback')),
        by_user VARCHAR NOT NULL,
        role VARCHAR NOT NULL,
        note VARCHAR,
        promoted_at TIMESTAMP NOT NULL DEFAULT current_timestamp
    );
    """,
    # 10: which model a training set is for, and each model's frozen evaluation set (decided sites held out of
    # every training set, with the decision they were frozen with).
    """
    ALTER TABLE training_set ADD COLUMN model_name VARCHAR;
    CREATE TABLE evaluation_site (
        model_name VARCHAR NOT NULL,
        site_id BIGINT NOT NULL REFERENCES site (id),
        review_id BIGINT NOT NULL REFERENCES review (id),
        training_set_id BIGINT NOT NULL REFERENCES training_set (id),
        frozen_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
        PRIMARY KEY (model_name, site_id)
    );
    """,
    # 11: long work outside the page script (a training now; scans and downloads later), its state and progress
    # written by the runner process. ``subject`` is what only one job at a time may work on (``train:<model>``).
    """
    CREATE SEQUENCE job_id_seq;
    CREATE TABLE job (
        id BIGINT PRIMARY KEY DEFAULT nextval('job_id_seq'),
        kind VARCHAR NOT NULL,
        subject VARCHAR NOT NULL,
        title VARCHAR NOT NULL,
        owner VARCHAR NOT NULL,
        role VARCHAR NOT NULL,
        argv_json VARCHAR NOT NULL,
        state VARCHAR NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
        progress DOUBLE NOT NULL DEFAULT 0,
        message VARCHAR,
        log VARCHAR NOT NULL DEFAULT '',
        result_json VARCHAR,
        pid INTEGER,
        cancel_requested BOOLEAN NOT NULL DEFAULT false,
        created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
        started_at TIMESTAMP,
        heartbeat_at TIMESTAMP,
        finished_at TIMESTAMP
    );
    CREATE VIEW job_view AS
        SELECT id, kind, subject, title, owner, role, argv_json, state, progress, message, log, result_json, pid,
               cancel_requested, created_at, started_at, heartbeat_at, finished_at,
               epoch(current_timestamp::TIMESTAMP - coalesce(heartbeat_at, created_at)) AS silent_s
        FROM job;
    """,
    # 12: change over time. A scan's acquisition period (core.imagery.periods; NULL = undated); places = sites of
    # different scans that overlap (rebuilt from the sites by db.places, never edited by hand); the register status
    # a decision was taken under; the supervisor's re-queue thresholds (append-only: the latest row applies).
    """
    ALTER TABLE scan ADD COLUMN period_label VARCHAR;
    ALTER TABLE scan ADD COLUMN period_start DATE;
    ALTER TABLE scan ADD COLUMN period_end DATE;
    ALTER TABLE scan ADD COLUMN period_source VARCHAR;
    ALTER TABLE review ADD COLUMN match_status VARCHAR;
    CREATE TABLE place_site (site_id BIGINT PRIMARY KEY, place_id VARCHAR NOT NULL);
    CREATE TABLE place_period (
        place_id VARCHAR NOT NULL,
        period_label VARCHAR NOT NULL,
        period_start DATE,
        period_end DATE,
        area_km2 DOUBLE NOT NULL,
        p_max DOUBLE NOT NULL,
        sites INTEGER NOT NULL,
        site_id BIGINT NOT NULL,
        PRIMARY KEY (place_id, period_label)
    );
    CREATE TABLE place (
        place_id VARCHAR PRIMARY KEY,
        site_id BIGINT NOT NULL,
        sites INTEGER NOT NULL,
        periods INTEGER NOT NULL,
        first_period VARCHAR, first_start DATE,
        last_period VARCHAR, last_start DATE,
        latest_covering VARCHAR,
        persistence VARCHAR NOT NULL,
        first_area_km2 DOUBLE NOT NULL,
        prev_area_km2 DOUBLE,
        last_area_km2 DOUBLE NOT NULL,
        growth_km2 DOUBLE,
        growth_pct DOUBLE,
        new_in_latest BOOLEAN NOT NULL,
        gone BOOLEAN NOT NULL,
        lon DOUBLE NOT NULL,
        lat DOUBLE NOT NULL
    );
    CREATE SEQUENCE place_rule_id_seq;
    CREATE TABLE place_rule (
        id BIGINT PRIMARY KEY DEFAULT nextval('place_rule_id_seq'),
        regrowth_pct DOUBLE NOT NULL CHECK (regrowth_pct > 0),
        regrowth_ha DOUBLE NOT NULL CHECK (regrowth_ha > 0),
        set_by VARCHAR NOT NULL,
        role VARCHAR NOT NULL,
        set_at TIMESTAMP NOT NULL DEFAULT current_timestamp
    );
    """,
    # 13: each person's own settings (the language they read the app in), by username.
    """
    CREATE TABLE person_setting (
        username VARCHAR PRIMARY KEY,
        language VARCHAR CHECK (language IS NULL OR language IN ('pt_BR', 'en')),
        updated_at TIMESTAMP NOT NULL DEFAULT current_timestamp
    );
    """,
)


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Apply the migrations not yet applied, each in its own transaction; return the schema version."""
    con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    row = con.execute("SELECT max(version) FROM schema_version").fetchone()
    current = int(row[0]) if row and row[0] is not None else 0
    if current > len(MIGRATIONS):
        message = _("the database is at schema version {version}, newer than this MineScan ({known}): upgrade")
        raise RuntimeError(message.format(version=current, known=len(MIGRATIONS)))
    for version, sql in enumerate(MIGRATIONS[current:], start=current + 1):
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute("INSERT INTO schema_version VALUES (?)", [version])
            con.execute("COMMIT")
        except duckdb.Error:
            con.execute("ROLLBACK")
            raise
    if current < _PLACES_VERSION <= len(MIGRATIONS):
        from db.places import build_places  # the places of the sites stored before there were places

        if con.execute("SELECT count(*) FROM site").fetchone() != (0,):
            build_places(con)
    return len(MIGRATIONS)


#: The migration that brought places (built from the sites already stored when a store reaches it).
_PLACES_VERSION = 12
