-- thor-lite store, schema version 2: the frame index (`thor-lite frames import`).
-- Frames are not benchmark data: `thor-lite import` never touches this table. A frame row is
-- keyed by its path; its content hash finds it again when the file moves.
ALTER TABLE frames ADD COLUMN model TEXT;                 -- model folder of the run
ALTER TABLE frames ADD COLUMN content_hash TEXT;          -- SHA-256 of the file, lowercase hex
ALTER TABLE frames ADD COLUMN modified REAL;              -- file mtime (seconds); with byte_size, an unchanged file is not re-read
ALTER TABLE frames ADD COLUMN bit_depth INTEGER;          -- from the PNG header (IHDR)
ALTER TABLE frames ADD COLUMN color_type INTEGER;         -- PNG colour type: 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA
ALTER TABLE frames ADD COLUMN view INTEGER;               -- observe frames: which of the turned views (0, 1, 2)
ALTER TABLE frames ADD COLUMN recorded_success INTEGER;   -- the run's own success flag for the step, when it records one
-- The symbolic state after the step, from replaying the run's recorded actions in the simulator.
ALTER TABLE frames ADD COLUMN pose_x REAL;
ALTER TABLE frames ADD COLUMN pose_z REAL;
ALTER TABLE frames ADD COLUMN pose_yaw REAL;
ALTER TABLE frames ADD COLUMN held TEXT;                  -- objectId in the agent's hand
ALTER TABLE frames ADD COLUMN open_in_view TEXT;          -- JSON object: openable objectId in view -> "open" / "closed"
ALTER TABLE frames ADD COLUMN pose_key TEXT;              -- "x,z,yaw" rounded (cm, degree): same-pose lookups
ALTER TABLE frames ADD COLUMN state_key TEXT;             -- pose_key + held + open_in_view: exact-state lookups
ALTER TABLE frames ADD COLUMN state_source TEXT;          -- 'result.json', 'run.log' or 'frame names'; NULL: no state
ALTER TABLE frames ADD COLUMN state_note TEXT;            -- why there is no state, or where the replay disagreed with the run
CREATE INDEX frames_by_hash ON frames (content_hash);
CREATE INDEX frames_by_state ON frames (scene, state_key);
CREATE INDEX frames_by_pose ON frames (scene, pose_key);
