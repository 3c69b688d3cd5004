-- A scoped page of residents (a kecamatan, a kabupaten) walks one of these in id order instead
-- of sorting the whole area: `scope_condition` writes the same expressions.
CREATE INDEX residents_kecamatan ON residents (substr(desa_code, 1, 8), id);
CREATE INDEX residents_kabupaten ON residents (substr(desa_code, 1, 5), id);
