-- thor-lite store, schema version 1.
-- Applied by ThorStore's migrator when PRAGMA user_version < 1; the migrator sets user_version.
-- CHECKs spell out `a = x OR a = y`: `a IN (x, y, z)` builds a temporary b-tree per inserted row.
-- Benchmark tables are replaced whole by `thor-lite import`; frames are kept across imports.

CREATE TABLE store_info (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE scenes (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,          -- FloorPlanN
    room_kind       TEXT NOT NULL CHECK (room_kind = 'kitchen' OR room_kind = 'living_room' OR room_kind = 'bedroom' OR room_kind = 'bathroom'),
    bounds_cx REAL NOT NULL, bounds_cy REAL NOT NULL, bounds_cz REAL NOT NULL,
    bounds_sx REAL NOT NULL, bounds_sy REAL NOT NULL, bounds_sz REAL NOT NULL,
    -- agent start pose from originPos.json
    start_x REAL NOT NULL, start_y REAL NOT NULL, start_z REAL NOT NULL,
    start_rx REAL NOT NULL, start_ry REAL NOT NULL, start_rz REAL NOT NULL,
    start_horizon   REAL NOT NULL,
    start_standing  INTEGER NOT NULL,
    start_source    TEXT NOT NULL CHECK (start_source = 'originPos.json' OR start_source = 'metadata.agent')
);

CREATE TABLE objects (
    id              INTEGER PRIMARY KEY,
    scene_id        INTEGER NOT NULL REFERENCES scenes(id) ON DELETE CASCADE,
    ord             INTEGER NOT NULL,              -- index in the metadata `objects` array
    object_id       TEXT NOT NULL,
    name            TEXT NOT NULL,
    object_type     TEXT NOT NULL,
    asset_id        TEXT,
    -- affordances
    pickupable INTEGER NOT NULL, receptacle INTEGER NOT NULL, openable INTEGER NOT NULL,
    toggleable INTEGER NOT NULL, sliceable INTEGER NOT NULL, cookable INTEGER NOT NULL,
    dirtyable INTEGER NOT NULL, can_fill_with_liquid INTEGER NOT NULL, breakable INTEGER NOT NULL,
    moveable INTEGER NOT NULL, can_be_used_up INTEGER NOT NULL,
    is_heat_source INTEGER NOT NULL, is_cold_source INTEGER NOT NULL,
    -- states
    is_open INTEGER NOT NULL, openness REAL NOT NULL, is_toggled INTEGER NOT NULL,
    is_broken INTEGER NOT NULL, is_filled_with_liquid INTEGER NOT NULL, fill_liquid TEXT,
    is_dirty INTEGER NOT NULL, is_used_up INTEGER NOT NULL, is_cooked INTEGER NOT NULL,
    is_sliced INTEGER NOT NULL, is_picked_up INTEGER NOT NULL,
    temperature     TEXT NOT NULL CHECK (temperature = 'RoomTemp' OR temperature = 'Hot' OR temperature = 'Cold'),
    mass            REAL NOT NULL,
    salient_materials TEXT NOT NULL,               -- JSON array of strings
    controlled_objects TEXT NOT NULL,              -- JSON array of objectIds (StoveKnob -> StoveBurner)
    pos_x REAL NOT NULL, pos_y REAL NOT NULL, pos_z REAL NOT NULL,
    rot_x REAL NOT NULL, rot_y REAL NOT NULL, rot_z REAL NOT NULL,
    box_cx REAL NOT NULL, box_cy REAL NOT NULL, box_cz REAL NOT NULL,
    box_sx REAL NOT NULL, box_sy REAL NOT NULL, box_sz REAL NOT NULL,
    UNIQUE (scene_id, object_id)
);
CREATE INDEX objects_by_type ON objects (scene_id, object_type, ord);

-- One row per object -> parent receptacle link (`parentReceptacles`, checked against
-- the parent's `receptacleObjectIds` at import).
CREATE TABLE receptacle_links (
    object_row      INTEGER NOT NULL REFERENCES objects(id) ON DELETE CASCADE,
    parent_row      INTEGER NOT NULL REFERENCES objects(id) ON DELETE CASCADE,
    ord             INTEGER NOT NULL,              -- position in the child's parentReceptacles
    PRIMARY KEY (object_row, parent_row)
) WITHOUT ROWID;
CREATE INDEX receptacle_links_by_parent ON receptacle_links (parent_row);

CREATE TABLE tasks (
    id              INTEGER PRIMARY KEY,
    ord             INTEGER NOT NULL UNIQUE,       -- position in the task file
    identity        TEXT NOT NULL UNIQUE,          -- as text; identity_is_int says how it was written
    identity_is_int INTEGER NOT NULL,
    scene_id        INTEGER NOT NULL REFERENCES scenes(id) ON DELETE CASCADE,
    task_type       TEXT NOT NULL,
    instruction_idx INTEGER NOT NULL,
    task_name       TEXT NOT NULL,                 -- canonical instruction (the metric reads it)
    task_query      TEXT NOT NULL,                 -- paraphrase shown to the model
    total_reward    INTEGER
);
CREATE INDEX tasks_by_type ON tasks (task_type);

CREATE TABLE key_actions (
    task_id         INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    ord             INTEGER NOT NULL,
    action          TEXT NOT NULL,
    object_id       TEXT NOT NULL,
    object_type     TEXT NOT NULL,
    base_action     TEXT NOT NULL,
    reward          INTEGER NOT NULL,
    related_objects TEXT NOT NULL,                 -- JSON array of objectIds
    PRIMARY KEY (task_id, ord)
) WITHOUT ROWID;

-- target_objects / related_objects (objectIds) and navigable_objects (types) of a task.
CREATE TABLE task_objects (
    task_id         INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    role            TEXT NOT NULL CHECK (role = 'target' OR role = 'related' OR role = 'navigable'),
    ord             INTEGER NOT NULL,
    value           TEXT NOT NULL,
    PRIMARY KEY (task_id, role, ord)
) WITHOUT ROWID;

-- data/agent_positions.json as written: one row per (task, object). The reference merges them
-- into one objectId -> pose table where later tasks win; ThorStore.approachPoses() does that merge.
CREATE TABLE agent_poses (
    source_task     TEXT NOT NULL,                 -- the task id the pose is listed under
    task_ord        INTEGER NOT NULL,              -- order of that task id (ascending ids, as in the file)
    object_id       TEXT NOT NULL,
    scene           TEXT NOT NULL,
    x REAL NOT NULL, y REAL NOT NULL, z REAL NOT NULL,
    rx REAL NOT NULL, ry REAL NOT NULL, rz REAL NOT NULL,
    camera_horizon  REAL NOT NULL,
    is_standing     INTEGER NOT NULL,
    PRIMARY KEY (source_task, object_id)
) WITHOUT ROWID;

-- Recorded frames (PNG files of real or rendered runs); filled by the frame recorder.
CREATE TABLE frames (
    id              INTEGER PRIMARY KEY,
    run             TEXT NOT NULL,                 -- run folder, e.g. <model>/<run>
    task_identity   TEXT,
    scene           TEXT NOT NULL,
    step            INTEGER NOT NULL,
    action          TEXT NOT NULL,
    object_type     TEXT,
    path            TEXT NOT NULL,
    width           INTEGER,
    height          INTEGER,
    byte_size       INTEGER,
    UNIQUE (run, path)
);
CREATE INDEX frames_by_run_step ON frames (run, step);
