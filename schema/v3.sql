-- thor-lite store, schema version 3: views for questions people ask the store directly.
-- Views hold no data: they are computed from the tables on each query.

-- Every object with its innermost parent receptacle: of the receptacles that hold it (an Apple in
-- a Bowl on a CounterTop is held by both), the one no other holder sits in. NULL when the object
-- stands on nothing that is a receptacle.
CREATE VIEW containment AS
SELECT s.name          AS scene,
       o.object_id     AS object_id,
       o.object_type   AS object_type,
       p.object_id     AS parent_id,
       p.object_type   AS parent_type,
       p.openable      AS parent_openable,
       p.is_open       AS parent_is_open
FROM objects o
JOIN scenes s ON s.id = o.scene_id
LEFT JOIN receptacle_links l
       ON l.object_row = o.id
      AND NOT EXISTS (SELECT 1 FROM receptacle_links other
                      JOIN receptacle_links outer_link ON outer_link.object_row = other.parent_row
                      WHERE other.object_row = o.id AND outer_link.parent_row = l.parent_row)
LEFT JOIN objects p ON p.id = l.parent_row;

-- The key-action strings the reference metric matches ("navigate to Fridge", "put Fridge",
-- "end"), in order, per task.
CREATE VIEW key_action_strings AS
SELECT t.identity  AS identity,
       t.task_type AS task_type,
       k.ord       AS ord,
       trim(k.action || ' ' || k.object_type) AS key_action
FROM key_actions k
JOIN tasks t ON t.id = k.task_id;
