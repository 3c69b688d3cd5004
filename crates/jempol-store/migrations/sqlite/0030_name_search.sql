-- Finding a person by part of a name without reading the whole register (issue 10): a
-- trigram index over the names. FTS5 with external content keeps only the index; the names
-- stay in `residents`, and the triggers keep the two in step. `name LIKE '%siti%'` on the
-- index answers from the trigrams (case-insensitive, as UPPER(name) LIKE was).
CREATE VIRTUAL TABLE residents_name_index USING fts5(
    name,
    content = 'residents',
    content_rowid = 'id',
    tokenize = 'trigram'
);
INSERT INTO residents_name_index (residents_name_index) VALUES ('rebuild');

CREATE TRIGGER residents_name_index_insert AFTER INSERT ON residents BEGIN
    INSERT INTO residents_name_index (rowid, name) VALUES (new.id, new.name);
END;
CREATE TRIGGER residents_name_index_delete AFTER DELETE ON residents BEGIN
    INSERT INTO residents_name_index (residents_name_index, rowid, name) VALUES ('delete', old.id, old.name);
END;
CREATE TRIGGER residents_name_index_update AFTER UPDATE OF name ON residents BEGIN
    INSERT INTO residents_name_index (residents_name_index, rowid, name) VALUES ('delete', old.id, old.name);
    INSERT INTO residents_name_index (rowid, name) VALUES (new.id, new.name);
END;
